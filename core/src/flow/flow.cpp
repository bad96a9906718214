// The flow table and Zeek's per-connection state machine (see flow/flow.hpp, docs/flows.md).
#include "pcapscope/flow/flow.hpp"

#include <algorithm>
#include <bit>
#include <cassert>
#include <cstring>

#include "pcapscope/util/size_opt.hpp"

namespace pcapscope::flow {

namespace {

using dissect::layer;
using dissect::proto;

constexpr std::uint16_t tcp_fin = 0x01, tcp_syn = 0x02, tcp_rst = 0x04, tcp_ack = 0x10;

// History letters recorded once per direction (bit in tcp_endpoint::history_seen).
enum hist_bit : std::uint16_t {
  hist_syn = 0x1, hist_synack = 0x2, hist_ack = 0x4, hist_data = 0x8, hist_fin = 0x10,
  hist_rst = 0x20, hist_fin_rst = 0x40, hist_multi = 0x80,
};

inline std::uint64_t load64(const std::uint8_t* p) noexcept {
  std::uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

inline std::uint64_t mix(std::uint64_t h) noexcept {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 33;
  return h;
}

// ICMP counterpart types as Community ID defines them (-1: none, a one-way message).
int icmp_counterpart(std::uint8_t type, bool v6) noexcept {
  if (!v6) {
    switch (type) {
      case 8: return 0;
      case 0: return 8;
      case 13: return 14;
      case 14: return 13;
      case 15: return 16;
      case 16: return 15;
      case 10: return 9;
      case 9: return 10;
      case 17: return 18;
      case 18: return 17;
      default: return -1;
    }
  }
  switch (type) {
    case 128: return 129;
    case 129: return 128;
    case 133: return 134;
    case 134: return 133;
    case 135: return 136;
    case 136: return 135;
    case 130: return 131;
    case 131: return 130;
    case 139: return 140;
    case 140: return 139;
    case 144: return 145;
    case 145: return 144;
    default: return -1;
  }
}

// The request half of an ICMP pair: its sender is the originator.
bool icmp_is_request(std::uint8_t type, bool v6) noexcept {
  if (!v6) return type == 8 || type == 13 || type == 15 || type == 10 || type == 17;
  return type == 128 || type == 133 || type == 135 || type == 130 || type == 139 || type == 144;
}

// Zeek flips a new connection whose first packet comes from a likely server port to a port
// that is not one. Zeek's set is the ports its analyzers register; ours: privileged ports plus
// common service ports.
bool likely_server_port(std::uint16_t p) noexcept {
  if (p > 0 && p < 1024) return true;
  switch (p) {
    case 1080: case 1194: case 1433: case 1521: case 1701: case 1723: case 1812: case 1813:
    case 1883: case 1900: case 2049: case 2152: case 3128: case 3306: case 3389: case 3478:
    case 4500: case 4789: case 5060: case 5061: case 5222: case 5353: case 5355: case 5432:
    case 5672: case 5900: case 6081: case 6379: case 6443: case 6667: case 8000: case 8008:
    case 8080: case 8443: case 8888: case 9000: case 9092: case 9200: case 11211: case 27017:
      return true;
    default: return false;
  }
}

bool starts_with(util::bytes b, std::string_view s) noexcept {
  return b.size() >= s.size() && std::memcmp(b.data(), s.data(), s.size()) == 0;
}

bool plausible_dns(util::bytes b) noexcept {
  if (b.size() < 12) return false;
  unsigned opcode = (b[2] >> 3) & 0xF;
  if (opcode == 3 || opcode > 6) return false;
  unsigned qd = util::load_be16(b.data() + 4), an = util::load_be16(b.data() + 6);
  unsigned ns = util::load_be16(b.data() + 8), ar = util::load_be16(b.data() + 10);
  return qd <= 16 && an <= 512 && ns <= 512 && ar <= 512 && (qd + an + ns + ar) > 0;
}

// Names the service from the first payload bytes of a flow (content first, ports only to
// choose which checks apply).
service detect_service(std::uint8_t ipp, std::uint16_t p0, std::uint16_t p1, util::bytes b) noexcept {
  if (ipp == ip_proto_tcp) {
    if (b.empty()) return service::none;
    switch (b[0]) {  // first byte first: most payloads are rejected by one comparison
      case 'G': if (starts_with(b, "GET ")) return service::http; break;
      case 'P': if (starts_with(b, "POST ") || starts_with(b, "PUT ") || starts_with(b, "PATCH ")) return service::http; break;
      case 'H': if (starts_with(b, "HEAD ") || starts_with(b, "HTTP/1.")) return service::http; break;
      case 'D': if (starts_with(b, "DELETE ")) return service::http; break;
      case 'O': if (starts_with(b, "OPTIONS ")) return service::http; break;
      case 'C': if (starts_with(b, "CONNECT ")) return service::http; break;
      case 'T': if (starts_with(b, "TRACE ")) return service::http; break;
      case 'S': if (starts_with(b, "SSH-")) return service::ssh; break;
      default: break;
    }
    if (b.size() >= 5 && b[0] == 0x16 && b[1] == 0x03 && b[2] <= 0x04) return service::ssl;
    if ((p0 == 53 || p1 == 53) && b.size() >= 14 && util::load_be16(b.data()) + 2u >= b.size() &&
        plausible_dns(b.subspan(2)))
      return service::dns;
    return service::none;
  }
  if (ipp == ip_proto_udp) {
    auto port = [&](std::uint16_t x) { return p0 == x || p1 == x; };
    if ((port(53) || port(5353) || port(5355)) && plausible_dns(b)) return service::dns;
    if ((port(67) || port(68)) && b.size() >= 240 && (b[0] == 1 || b[0] == 2) &&
        util::load_be32(b.data() + 236) == 0x63825363u)
      return service::dhcp;
    if (port(123) && b.size() >= 48) {
      unsigned v = (b[0] >> 3) & 7, mode = b[0] & 7;
      if (v >= 1 && v <= 4 && mode != 0) return service::ntp;
    }
  }
  return service::none;
}

[[gnu::always_inline]] inline void add_history(flow_record& f, char c) noexcept {
  if (f.history_len < sizeof f.history) f.history[f.history_len++] = c;
}

char letter(int d, char upper) noexcept { return d == 0 ? upper : static_cast<char>(upper + ('a' - 'A')); }

[[gnu::always_inline]] inline void check_history(flow_record& f, int d, std::uint16_t bit, char upper) noexcept {
  if (f.tcp[d].history_seen & bit) return;
  f.tcp[d].history_seen |= bit;
  add_history(f, letter(d, upper));
}

// Zeek's "scaled" history entries: the letter again at 10, 100, 1000, … occurrences.
void scaled_history(flow_record& f, int d, std::uint32_t count, char upper) noexcept {
  std::uint32_t t = 1;
  while (t < count && t <= 0xFFFFFFFFu / 10) t *= 10;
  if (t == count) add_history(f, letter(d, upper));
}

// Zeek's is_clean (TCP_Reassembler.cc): content gaps count only while both sides are like this.
bool is_clean(const tcp_endpoint& ep) noexcept {
  return ep.current() == tcp_state::established ||
         (ep.current() == tcp_state::closed && ep.previous() == tcp_state::established);
}

std::uint32_t sat32(std::int64_t ns) noexcept {
  if (ns <= 0) return 1;
  return ns >= 0xFFFFFFFFll ? 0xFFFFFFFFu : static_cast<std::uint32_t>(ns);
}

}  // namespace

bool flow_key::operator==(const flow_key& o) const noexcept {
  const auto* a = reinterpret_cast<const std::uint8_t*>(this);
  const auto* b = reinterpret_cast<const std::uint8_t*>(&o);
  // Written out: at -O2 the loop over the five words stayed a loop (~30 instructions).
  std::uint32_t x, y;
  std::memcpy(&x, a + 40, 4);
  std::memcpy(&y, b + 40, 4);
  return ((load64(a) ^ load64(b)) | (load64(a + 8) ^ load64(b + 8)) | (load64(a + 16) ^ load64(b + 16)) |
          (load64(a + 24) ^ load64(b + 24)) | (load64(a + 32) ^ load64(b + 32)) | (x ^ y)) == 0;
}

std::uint64_t flow_key::hash() const noexcept {
  // Independent multiplies (short dependency chain), then one finalizer.
  const auto* p = reinterpret_cast<const std::uint8_t*>(this);
  std::uint32_t tail;
  std::memcpy(&tail, p + 40, 4);
  std::uint64_t h = (load64(p) ^ 0x9E3779B97F4A7C15ull) * 0xbf58476d1ce4e5b9ull;
  h += (load64(p + 8) ^ 0x2545F4914F6CDD1Dull) * 0x94d049bb133111ebull;
  h += (load64(p + 16) ^ 0x9E3779B97F4A7C15ull) * 0xd6e8feb86659fd93ull;
  h += (load64(p + 24) ^ 0x2545F4914F6CDD1Dull) * 0xff51afd7ed558ccdull;
  h += (load64(p + 32) ^ 0x9E3779B97F4A7C15ull) * 0xc4ceb9fe1a85ec53ull;
  h += (std::uint64_t{tail} ^ 0x2545F4914F6CDD1Dull) * 0xbf58476d1ce4e5b9ull;
  return mix(h);
}

std::string_view conn_state_name(conn_state s) noexcept {
  static constexpr std::string_view names[] = {"S0", "S1", "SF", "REJ", "S2", "S3", "RSTO",
                                               "RSTR", "RSTOS0", "RSTRH", "SH", "SHR", "OTH"};
  return names[static_cast<std::size_t>(s)];
}

std::string_view service_name(service s) noexcept {
  static constexpr std::string_view names[] = {"", "http", "ssl", "ssh", "dns", "dhcp", "ntp", "smtp", "ftp", "pop3", "imap", "quic"};
  auto i = static_cast<std::size_t>(s);
  return i < std::size(names) ? names[i] : std::string_view{};
}

namespace {

// Big-endian (lexicographic) comparison of two 16-byte addresses without a library call.
int compare16(const std::array<std::uint8_t, 16>& a, const std::array<std::uint8_t, 16>& b) noexcept {
  std::uint64_t a0 = __builtin_bswap64(load64(a.data())), b0 = __builtin_bswap64(load64(b.data()));
  if (a0 != b0) return a0 < b0 ? -1 : 1;
  std::uint64_t a1 = __builtin_bswap64(load64(a.data() + 8)), b1 = __builtin_bswap64(load64(b.data() + 8));
  if (a1 != b1) return a1 < b1 ? -1 : 1;
  return 0;
}

// What a packet's layers give its flow.
struct layer_scan {
  const layer* ip;         // the innermost IP header outside ICMP quotes
  const layer* tl;         // its TCP/UDP/SCTP/ICMP layer (null: none, or cut before the ports)
  std::uint16_t sport;     // the key's ports as the packet has them (ICMP: type, counterpart/code)
  std::uint16_t dport;
  std::uint32_t vni_proto; // the key's last 8 bytes (vni_proto, ctx, icmp_id)
  std::uint16_t ctx;
  std::uint16_t icmp_id;
  bool one_way;            // ICMP message without a counterpart
  bool layered;            // !plain_ip_packet(p)
};

// Takes the ports (ICMP: type and counterpart or code, echo id) and protocol from layer `l`,
// which the IP header `s.ip` carries; false when `l` gives none (another kind, or TCP/UDP cut
// before the ports).
[[gnu::always_inline]] inline bool take_transport(const layer& l, layer_scan& s, std::uint8_t& ipp) noexcept {
  switch (l.kind) {
    case proto::tcp:
      if (l.captured < 4) return false;
      ipp = ip_proto_tcp;
      s.sport = l.tcp.sport;
      s.dport = l.tcp.dport;
      break;
    case proto::udp:
      if (l.captured < 4) return false;
      ipp = ip_proto_udp;
      s.sport = l.udp.sport;
      s.dport = l.udp.dport;
      break;
    case proto::sctp:
      ipp = ip_proto_sctp;
      s.sport = l.sctp.sport;
      s.dport = l.sctp.dport;
      break;
    case proto::icmp:
    case proto::icmpv6: {
      const bool i6 = l.kind == proto::icmpv6;
      ipp = i6 ? ip_proto_icmpv6 : ip_proto_icmp;
      s.sport = l.icmp.type;
      const int cp = icmp_counterpart(l.icmp.type, i6);
      s.one_way = cp < 0;
      s.dport = s.one_way ? l.icmp.code : static_cast<std::uint16_t>(cp);
      const bool echo = i6 ? (l.icmp.type == 128 || l.icmp.type == 129) : (l.icmp.type == 8 || l.icmp.type == 0);
      if (echo && l.captured >= 6) s.icmp_id = l.icmp.id;
      break;
    }
    default: return false;
  }
  s.tl = &l;
  return true;
}

// Finishes `s` for IP header `ipl` (of packet `p`, with the given VLAN/VNI context): the
// transport `tl_hint` when it gives ports, else a walk over the layers after `ipl` (past its
// extension and AH headers, which also name the protocol when no transport follows). False
// when not both addresses were captured.
[[gnu::always_inline]] inline bool finish_scan(const dissect::packet& p, const layer& ipl, const layer* tl_hint,
                                               std::uint16_t vlan_ctx, bool has_vni, std::uint32_t vni,
                                               layer_scan& s) noexcept {
  const bool v6 = ipl.kind == proto::ipv6;
  if (ipl.captured < (v6 ? 40 : 20)) return false;  // addresses not all there
  std::uint8_t ipp = v6 ? ipl.ipv6.nxt : ipl.ip.proto;
  s.ip = &ipl;
  s.tl = nullptr;
  s.sport = s.dport = s.icmp_id = 0;
  s.one_way = false;
  if (!tl_hint || !take_transport(*tl_hint, s, ipp)) {
    const layer* const end = p.layers.data() + p.count;
    for (const layer* l = &ipl + 1; l != end; ++l) {
      if (l->flags & dissect::layer_quoted) break;
      if (l->kind == proto::ipv6_ext) {
        ipp = l->ipv6_ext.nxt;
        continue;
      }
      if (l->kind == proto::ah) continue;
      take_transport(*l, s, ipp);
      break;
    }
  }
  s.vni_proto = (vni << 8) | ipp;
  s.ctx = static_cast<std::uint16_t>((v6 ? ctx_ipv6 : 0) | vlan_ctx | (has_vni ? ctx_has_vni : 0));
  return true;
}

// What packet `p`'s flow key is made of, from its layer summary (dissect::packet::net, …: no
// pass over the layers); false when it has no (non-quoted) IP header with both addresses
// captured. Inlined into the tracker: every packet goes by here.
[[gnu::always_inline]] inline bool scan(const dissect::packet& p, layer_scan& s) noexcept {
  constexpr std::uint8_t none = dissect::packet::no_layer;
  s.layered = p.irregular || p.ip_headers != 1;
  if (p.net == none) return false;
  const std::uint16_t vlan_ctx =
      p.vlan == none ? 0 : static_cast<std::uint16_t>(ctx_has_vlan | (p.layers[p.vlan].vlan.id & ctx_vlan_mask));
  const bool has_vni = p.tunnel != none;
  const std::uint32_t vni = has_vni ? p.layers[p.tunnel].tunnel.vni & 0xFFFFFF : 0;
  const layer* tl = p.transport == none ? nullptr : &p.layers[p.transport];
  return finish_scan(p, p.layers[p.net], tl, vlan_ctx, has_vni, vni, s);
}

// Bits of `walk_table`: the layer's flags that make a packet layered (cut IP and transport
// headers; never 0x80, which no layer flag uses), and whether the layer needs the switch.
constexpr std::uint8_t walk_cut = dissect::layer_partial | dissect::layer_malformed | dissect::layer_fragment;
constexpr std::uint8_t walk_switch = 0x80;
constexpr auto walk_table = [] {
  std::array<std::uint8_t, 256> t{};
  for (proto kind : {proto::ip, proto::ipv6, proto::ipv6_ext, proto::vlan, proto::vxlan, proto::geneve}) {
    t[static_cast<std::uint8_t>(kind)] |= walk_switch;
  }
  for (proto kind : {proto::ip, proto::ipv6, proto::tcp, proto::udp, proto::sctp}) t[static_cast<std::uint8_t>(kind)] |= walk_cut;
  return t;
}();

// `scan` from the layers themselves, ignoring the summary: one pass finds the innermost
// non-quoted IP header, the outermost VLAN tag, the VNI of the last VXLAN/Geneve header before
// that IP header, and what plain_ip_packet checks (all IP headers, quoted ones too). The
// reference `summary_matches_layers` holds the summary to.
bool scan_layers(const dissect::packet& p, layer_scan& s) noexcept {
  const layer* const end = p.layers.data() + p.count;
  const layer* ip = nullptr;
  int ips = 0;
  std::uint8_t bad = 0;
  std::uint16_t vlan_ctx = 0;
  std::uint32_t vni = 0, vni_at_ip = 0;
  bool in_vni = false, vni_for_ip = false;
  for (const layer* l = p.layers.data(); l != end; ++l) {
    const std::uint8_t t = walk_table[static_cast<std::uint8_t>(l->kind)];
    bad |= l->flags & t;
    if (!(t & walk_switch)) continue;
    const bool quoted = l->flags & dissect::layer_quoted;
    switch (l->kind) {
      case proto::ip:
        if ((l->ip.flags & 0x1) || l->ip.frag_offset) bad = 1;
        [[fallthrough]];
      case proto::ipv6:
        ++ips;
        if (!quoted) {
          ip = l;
          vni_at_ip = vni;
          vni_for_ip = in_vni;
        }
        break;
      case proto::ipv6_ext:
        if (l->ipv6_ext.type == 44) bad = 1;  // a fragment header
        break;
      case proto::vlan:
        if (!quoted && !vlan_ctx) vlan_ctx = static_cast<std::uint16_t>(ctx_has_vlan | (l->vlan.id & ctx_vlan_mask));
        break;
      case proto::vxlan:
      case proto::geneve:
        if (!quoted) {
          in_vni = true;
          vni = l->tunnel.vni & 0xFFFFFF;
        }
        break;
      default: break;
    }
  }
  s.layered = bad != 0 || ips != 1;
  if (!ip) return false;
  return finish_scan(p, *ip, nullptr, vlan_ctx, vni_for_ip, vni_at_ip, s);
}

// The (canonical) key of a scanned packet, and whether it was sent by key side 0.
[[gnu::always_inline]] inline void build_key(const layer_scan& s, flow_key& k, bool& from_side0) noexcept {
  const layer& ipl = *s.ip;
  const std::uint16_t sport = s.sport, dport = s.dport;
  // Written at fixed positions only, which lets the compiler drop the key's zero initialisation.
  // IPv4 addresses compare as one big-endian 32-bit number each, which orders them as the
  // byte-wise comparison does.
  if (s.ctx & ctx_ipv6) {
    int c = compare16(ipl.ipv6.src, ipl.ipv6.dst);
    from_side0 = c < 0 || (c == 0 && sport <= dport);
    k.addr[0] = from_side0 ? ipl.ipv6.src : ipl.ipv6.dst;
    k.addr[1] = from_side0 ? ipl.ipv6.dst : ipl.ipv6.src;
  } else {
    std::uint32_t a = util::load_be32(ipl.ip.src.data()), b = util::load_be32(ipl.ip.dst.data());
    from_side0 = a < b || (a == b && sport <= dport);
    const std::uint8_t* lo = from_side0 ? ipl.ip.src.data() : ipl.ip.dst.data();
    const std::uint8_t* hi = from_side0 ? ipl.ip.dst.data() : ipl.ip.src.data();
    const std::uint8_t zero[12] = {};
    std::memcpy(k.addr[0].data(), lo, 4);
    std::memcpy(k.addr[0].data() + 4, zero, 12);
    std::memcpy(k.addr[1].data(), hi, 4);
    std::memcpy(k.addr[1].data() + 4, zero, 12);
  }
  k.port[0] = from_side0 ? sport : dport;
  k.port[1] = from_side0 ? dport : sport;
  k.vni_proto = s.vni_proto;
  k.ctx = s.ctx;
  k.icmp_id = s.icmp_id;
}

}  // namespace

// These two read the layers, not the summary: their callers may hand over a layer stack they
// put together themselves (reassembly's merged packets) and they are not per-packet work.
PCAPSCOPE_SIZE_FN bool make_key(const dissect::packet& p, flow_key& k, bool& from_side0, bool& one_way) noexcept {
  layer_scan s;
  if (!scan_layers(p, s)) return false;
  build_key(s, k, from_side0);
  one_way = s.one_way;
  return true;
}

bool plain_ip_packet(const dissect::packet& p) noexcept {
  layer_scan s;
  scan_layers(p, s);
  return !s.layered;
}

bool summary_matches_layers(const dissect::packet& p) noexcept {
  layer_scan a, b;
  const bool ka = scan(p, a), kb = scan_layers(p, b);
  if (ka != kb || a.layered != b.layered) return false;
  return !ka || (a.ip == b.ip && a.tl == b.tl && a.sport == b.sport && a.dport == b.dport &&
                 a.vni_proto == b.vni_proto && a.ctx == b.ctx && a.icmp_id == b.icmp_id && a.one_way == b.one_way);
}

// ---- flow_record ------------------------------------------------------------------------

std::uint64_t flow_record::payload_bytes(int d) const noexcept {
  if (proto() != ip_proto_tcp) return seq_or_bytes[d];
  const tcp_endpoint& ep = tcp[d];
  const tcp_endpoint& peer = tcp[1 - d];
  // A half-open connection discovered and aborted: sequence numbers mean nothing (Zeek).
  if (ep.previous() == tcp_state::syn_sent && ep.current() == tcp_state::reset &&
      peer.current() == tcp_state::inactive)
    return 0;
  if (ep.current() == tcp_state::inactive && !(peer.flags & ep_ack_sent)) return 0;
  std::uint64_t last = seq_or_bytes[d];
  std::uint64_t size = last;
  if (peer.flags & ep_ack_sent) {
    auto delta = static_cast<std::int32_t>(static_cast<std::uint32_t>(peer.last_ack - ep.isn) -
                                           static_cast<std::uint32_t>(last));
    if (delta > 0) size = last + static_cast<std::uint64_t>(delta);
  }
  if (size) --size;  // the SYN octet (or the one Zeek pretends for a partial connection)
  if ((ep.flags & ep_fin_seen) && size) --size;
  return size;
}

conn_state flow_record::state() const noexcept {
  if (proto() == ip_proto_udp) {
    bool o = pkts[0] > 0, r = pkts[1] > 0;
    if (o) return r ? conn_state::SF : conn_state::S0;
    return r ? conn_state::SHR : conn_state::OTH;
  }
  if (proto() != ip_proto_tcp) return conn_state::OTH;
  auto os = tcp[0].current(), rs = tcp[1].current();
  bool o_inactive = os == tcp_state::inactive || os == tcp_state::partial;
  bool r_inactive = rs == tcp_state::inactive || rs == tcp_state::partial;
  if (rs == tcp_state::reset) {
    if (os == tcp_state::syn_sent || os == tcp_state::syn_ack_sent ||
        (os == tcp_state::reset && payload_bytes(0) == 0 && payload_bytes(1) == 0))
      return conn_state::REJ;
    return o_inactive ? conn_state::RSTRH : conn_state::RSTR;
  }
  if (os == tcp_state::reset) {
    if (r_inactive) {
      // Zeek: history matches /\^?S[^HAFGIQ]*R.*/
      std::string_view h = history_view();
      if (!h.empty() && h[0] == '^') h.remove_prefix(1);
      if (!h.empty() && h[0] == 'S') {
        for (std::size_t i = 1; i < h.size(); ++i) {
          char c = h[i];
          if (c == 'R') return conn_state::RSTOS0;
          if (c == 'H' || c == 'A' || c == 'F' || c == 'G' || c == 'I' || c == 'Q') break;
        }
      }
      return conn_state::OTH;
    }
    return conn_state::RSTO;
  }
  if (rs == tcp_state::closed && os == tcp_state::closed) return conn_state::SF;
  if (os == tcp_state::closed) return r_inactive ? conn_state::SH : conn_state::S2;
  if (rs == tcp_state::closed) return o_inactive ? conn_state::SHR : conn_state::S3;
  if (os == tcp_state::syn_sent && rs == tcp_state::inactive) return conn_state::S0;
  if (os == tcp_state::established && rs == tcp_state::established) return conn_state::S1;
  return conn_state::OTH;
}

// ---- flow_tracker ------------------------------------------------------------------------

flow_tracker::flow_tracker(tracker_options opts) : opts_(opts) {
  slots_.assign(1024, 0);
  mask_ = slots_.size() - 1;
}

flow_tracker::~flow_tracker() = default;

void flow_tracker::note_gap(std::uint32_t id, int d, std::uint64_t length) noexcept {
  if (id == 0 || id > count_) return;
  flow_record& f = at(id);
  if (!is_clean(f.tcp[0]) || !is_clean(f.tcp[1])) return;
  gap_count& g = gaps_[id];
  g.bytes += length;
  scaled_history(f, d, ++g.gaps[d], 'G');
}

std::uint64_t flow_tracker::missed_bytes(std::uint32_t id) const noexcept {
  auto it = gaps_.find(id);
  return it == gaps_.end() ? 0 : it->second.bytes;
}

std::size_t flow_tracker::memory_bytes() const noexcept {
  return blocks_.size() * block_size * sizeof(flow_record) + slots_.capacity() * sizeof(std::uint64_t) +
         blocks_.capacity() * sizeof(blocks_[0]);
}

void flow_tracker::grow() noexcept {
  std::vector<std::uint64_t> old;
  old.swap(slots_);
  slots_.assign(old.size() * 2, 0);
  mask_ = slots_.size() - 1;
  for (std::uint64_t s : old) {
    if (!s) continue;
    // The slot position comes from the stored 32 hash bits: records are not touched.
    std::size_t i = (s >> 32) & mask_;
    while (slots_[i]) i = (i + 1) & mask_;
    slots_[i] = s;
  }
}

std::uint32_t flow_tracker::create(const flow_key& k, std::uint64_t h, std::size_t slot) noexcept {
  if (count_ % block_size == 0) blocks_.push_back(std::make_unique<flow_record[]>(block_size));
  auto id = static_cast<std::uint32_t>(++count_);
  flow_record& f = at(id);  // fresh from a value-initialized block
  f.key = k;
  slots_[slot] = ((h >> 32) << 32) | id;
  return id;
}

util::bytes flow_tracker::payload_of(const capture::record& r, const dissect::packet& p) noexcept {
  if (p.payload_length == 0 || p.payload_offset >= r.data.size()) return {};
  return r.data.subspan(p.payload_offset, std::min<std::size_t>(p.payload_length, r.data.size() - p.payload_offset));
}

namespace {

// A SYN without ACK: a connection attempt (it picks the originator and may reuse a port).
bool syn_only(std::uint16_t flags) noexcept { return (flags & (tcp_syn | tcp_ack)) == tcp_syn; }

inline std::uint64_t rotl(std::uint64_t x, int r) noexcept { return (x << r) | (x >> (64 - r)); }

// IP-level bytes of a packet (total length; IPv6: payload length + 40).
[[gnu::always_inline]] inline std::uint32_t ip_bytes_of(const capture::record& r, const layer& ipl) noexcept {
  const bool v6 = ipl.kind == proto::ipv6;
  std::uint32_t ip_len = v6 ? std::uint32_t{ipl.ipv6.plen} + 40 : ipl.ip.total_len;
  if (ip_len == 0 || (v6 && ipl.ipv6.plen == 0)) {
    // TSO / jumbograms: take what is on the wire after the IP header's start.
    std::uint32_t wire = r.origlen > ipl.offset ? r.origlen - ipl.offset : 0;
    if (ip_len == 0 || ip_len < wire) ip_len = wire;
  }
  return ip_len;
}

// A flow key as the words the per-packet path compares and folds: bytes 0-39 of `flow_key` in
// `w` (addresses, ports and vni_proto, in memory order) and bytes 40-43 (ctx, icmp_id) in
// `tail`. Built in registers from the packet, so a packet of a cached flow never writes the
// key to memory.
struct key_words {
  std::uint64_t w[5];
  std::uint32_t tail;
};
static_assert(std::endian::native == std::endian::little, "key words are built for a little-endian layout");

key_words words_of(const flow_key& k) noexcept {
  const auto* p = reinterpret_cast<const std::uint8_t*>(&k);
  key_words kw;
  for (int i = 0; i < 5; ++i) kw.w[i] = load64(p + 8 * i);
  std::memcpy(&kw.tail, p + 40, 4);
  return kw;
}

flow_key key_of(const key_words& kw) noexcept {
  flow_key k;
  auto* p = reinterpret_cast<std::uint8_t*>(&k);
  std::memcpy(p, kw.w, sizeof kw.w);
  std::memcpy(p + 40, &kw.tail, 4);
  return k;
}

// Whether `kw` is key `k` (flow_key::operator== on words already in registers).
[[gnu::always_inline]] inline bool same_key(const key_words& kw, const flow_key& k) noexcept {
  const auto* p = reinterpret_cast<const std::uint8_t*>(&k);
  std::uint32_t tail;
  std::memcpy(&tail, p + 40, 4);
  return ((kw.w[0] ^ load64(p)) | (kw.w[1] ^ load64(p + 8)) | (kw.w[2] ^ load64(p + 16)) |
          (kw.w[3] ^ load64(p + 24)) | (kw.w[4] ^ load64(p + 32)) | (kw.tail ^ tail)) == 0;
}

// Position of a flow in the recent-flow cache, from its two addresses folded into `addrs`
// (`fold_addrs`) and its port word (the key's `port[0] | port[1] << 16`, or the packet's source and
// destination port in the same way). Symmetric in the two sides, so a packet finds its flow's entry
// from its own addresses and ports without first putting them in key order; a handful of
// instructions instead of the full hash's ~40. The entry is checked against the whole key, so a
// poor spread (flows that differ only in protocol or VLAN) costs only slot-table lookups, never a
// wrong flow.
inline std::uint64_t fold_addrs(std::uint64_t a0, std::uint64_t a1, std::uint64_t b0, std::uint64_t b1) noexcept {
  return (a0 ^ b0) ^ rotl(a1 ^ b1, 32);
}
inline std::size_t recent_index(std::uint64_t addrs, std::uint32_t ports, std::size_t bits) noexcept {
  const std::uint32_t both = ports + (ports << 16 | ports >> 16);  // sport + dport in each half
  const std::uint64_t x = addrs ^ std::uint64_t{both} << 32;
  return static_cast<std::size_t>((x * 0x9E3779B97F4A7C15ull) >> (64 - bits));
}
inline std::size_t recent_index(const key_words& kw, std::size_t bits) noexcept {
  return recent_index(fold_addrs(kw.w[0], kw.w[1], kw.w[2], kw.w[3]), static_cast<std::uint32_t>(kw.w[4]), bits);
}

// What the per-packet path needs of a packet: its key, which side sent it, and the layers the
// counters read.
struct packet_key {
  key_words kw;
  const layer* ip;   // the innermost IP header outside ICMP quotes
  const layer* tl;   // its transport layer with ports (null: none)
  const layer* tcp;  // `tl` when it is TCP with the header up to the window, else null
  std::uint32_t ip_len;  // ip_bytes_of
  bool from_side0;
  bool layered;      // !plain_ip_packet(p)
  bool one_way;      // ICMP message without a counterpart
};

// `packet_key` of the commonest packet from its summary alone: one whole IPv4/IPv6 datagram
// outside any tunnel (a VLAN tag is fine) carrying TCP or UDP. False for every other packet,
// which `scan_key` handles; for these, gives exactly what scan + build_key give, but with the
// key built as words (IPv4: one 32-bit load per address, both ports in one word).
[[gnu::always_inline]] inline bool plain_key(const capture::record& r, const dissect::packet& p,
                                             packet_key& pk) noexcept {
  constexpr std::uint8_t none = dissect::packet::no_layer;
  if (p.irregular || p.ip_headers != 1 || p.tunnel != none || p.transport == none) return false;
  const layer& tl = p.layers[p.transport];
  std::uint64_t ipp;
  if (tl.kind == proto::tcp && tl.captured >= 14) {
    ipp = ip_proto_tcp;
    pk.tcp = &tl;
  } else if (tl.kind == proto::udp && tl.captured >= 4) {
    ipp = ip_proto_udp;
    pk.tcp = nullptr;
  } else {
    return false;
  }
  const layer& ipl = p.layers[p.net];  // transport is set only below net
  const std::uint16_t sport = tl.tcp.sport, dport = tl.tcp.dport;  // udp_fields starts alike
  std::uint32_t ctx = p.vlan == none ? 0 : ctx_has_vlan | (p.layers[p.vlan].vlan.id & ctx_vlan_mask);
  bool side0;
  if (ipl.kind == proto::ip) {
    if (ipl.captured < 20) return false;
    pk.ip_len = ip_bytes_of(r, ipl);
    std::uint32_t a, b;
    std::memcpy(&a, ipl.ip.src.data(), 4);
    std::memcpy(&b, ipl.ip.dst.data(), 4);
    const std::uint32_t ab = __builtin_bswap32(a), bb = __builtin_bswap32(b);
    side0 = ab < bb || (ab == bb && sport <= dport);
    pk.kw.w[0] = side0 ? a : b;
    pk.kw.w[1] = 0;
    pk.kw.w[2] = side0 ? b : a;
    pk.kw.w[3] = 0;
  } else {
    if (ipl.captured < 40) return false;
    pk.ip_len = ip_bytes_of(r, ipl);
    const std::uint8_t* src = ipl.ipv6.src.data();
    const std::uint8_t* dst = ipl.ipv6.dst.data();
    const std::uint64_t a0 = load64(src), a1 = load64(src + 8), b0 = load64(dst), b1 = load64(dst + 8);
    const std::uint64_t a0b = __builtin_bswap64(a0), b0b = __builtin_bswap64(b0);
    const std::uint64_t a1b = __builtin_bswap64(a1), b1b = __builtin_bswap64(b1);
    side0 = a0b < b0b || (a0b == b0b && (a1b < b1b || (a1b == b1b && sport <= dport)));
    pk.kw.w[0] = side0 ? a0 : b0;
    pk.kw.w[1] = side0 ? a1 : b1;
    pk.kw.w[2] = side0 ? b0 : a0;
    pk.kw.w[3] = side0 ? b1 : a1;
    ctx |= ctx_ipv6;
  }
  const std::uint32_t ports = side0 ? sport | std::uint32_t{dport} << 16 : dport | std::uint32_t{sport} << 16;
  pk.kw.w[4] = ports | ipp << 32;  // no tunnel: VNI 0
  pk.kw.tail = ctx;                // icmp_id 0
  pk.ip = &ipl;
  pk.tl = &tl;
  pk.from_side0 = side0;
  pk.layered = false;
  pk.one_way = false;
  return true;
}

// `packet_key` of any packet, through scan and build_key; false when it has no (non-quoted) IP
// header with both addresses captured.
[[gnu::noinline]] bool scan_key(const capture::record& r, const dissect::packet& p, packet_key& pk) noexcept {
  layer_scan s;
  flow_key k;
  if (!scan(p, s)) return false;
  build_key(s, k, pk.from_side0);
  pk.kw = words_of(k);
  pk.ip = s.ip;
  pk.ip_len = ip_bytes_of(r, *s.ip);
  pk.tl = s.tl;
  pk.tcp = s.tl && s.tl->kind == proto::tcp && s.tl->captured >= 14 ? s.tl : nullptr;
  pk.layered = s.layered;
  pk.one_way = s.one_way;
  return true;
}

// The bulk of a TCP connection: both sides established, an ACK without SYN, FIN or RST, a
// non-zero window, and no retransmission (payload that does not advance the sequence goes the
// long way). Does exactly what update_tcp does for such a segment (no re-initialisation, no
// state change, at most the 'D'/'A' history letter, sequence end, duplicate ACK, handshake RTT,
// last ACK/window) without walking its ~20 other conditions, and returns false for any other
// segment, untouched.
[[gnu::always_inline]] inline bool tcp_bulk(flow_record& f, int d, const tcp_segment& t, std::int64_t ts) noexcept {
  if ((t.flags & (tcp_syn | tcp_fin | tcp_rst | tcp_ack)) != tcp_ack || t.window == 0 ||
      !(f.flags & flow_established)) {
    return false;
  }
  tcp_endpoint& ep = f.tcp[d];
  const std::uint32_t len = t.len;
  const std::uint32_t last = ep.isn + static_cast<std::uint32_t>(f.seq_or_bytes[d]);
  const auto delta = static_cast<std::int32_t>(t.seq + len - last);
  if (delta <= 0 && len != 0) return false;
  if (len) check_history(f, d, hist_data, 'D');
  else check_history(f, d, hist_ack, 'A');
  // update_tcp's "until both sides closed" rule holds: a side that sent a FIN or RST is closed
  // or reset from then on, never established.
  f.last_ns = ts;
  const bool dup_ack = len == 0 && (ep.flags & ep_ack_sent) && t.ack == ep.last_ack && t.window == ep.window &&
                       t.seq == last;
  if (dup_ack) ++f.dup_acks;
  if (delta > 0) f.seq_or_bytes[d] += static_cast<std::uint64_t>(delta);
  if ((f.flags & flow_rtt_pending) && d == 0) {  // the rare bit first: one test for most segments
    f.rtt_synack_ack_ns = sat32(ts - f.start_ns - f.rtt_syn_synack_ns);
    f.flags &= static_cast<std::uint8_t>(~flow_rtt_pending);
  }
  ep.last_ack = t.ack;
  ep.window = t.window;
  ep.flags = static_cast<std::uint8_t>((ep.flags & ~ep_dupack_run) | ep_ack_sent | (dup_ack ? ep_dupack_run : 0));
  return true;
}

}  // namespace

// The per-packet path: the packets of a flow in the recent-flow cache that are one whole
// IPv4/IPv6 datagram outside any tunnel (a VLAN tag is fine) carrying TCP (not a SYN) or UDP,
// about 90 % of the bench capture's. It reads the packet's addresses and ports as they are and
// compares them with the cached record's key in both orders (the cache index is symmetric), so
// the side comes out of the comparison instead of an ordering of the addresses. Everything else
// (other packets, cache misses, SYNs, TCP segments other than an established connection's bulk,
// service detection) leaves by tail calls, taken before anything is written or at the end: no
// call sits in the middle of the straight path.
// ~565 instructions per packet at first, ~400 with ~100 of them a pass over the layers, ~350
// reading the summary instead, ~295 with the key of plain TCP/UDP packets built and compared as
// words in registers and the bulk-segment and service-detection gates as one flag bit each,
// ~287 with this path (callgrind, 100,000 packets of the bench capture; its CPU time is mostly
// the record's key load and the dependent chain before it, not instructions).
track_result flow_tracker::track(const capture::record& r, const dissect::packet& p) noexcept {
  assert(summary_matches_layers(p));  // a layer stack put together by hand needs dissect::summarize
  constexpr std::uint8_t none = dissect::packet::no_layer;
  if (p.irregular || p.ip_headers != 1 || p.tunnel != none || p.transport == none) return track_general(r, p);
  const layer& tl = p.layers[p.transport];
  const layer& ipl = p.layers[p.net];  // transport is set only below net
  const bool tcp = tl.kind == proto::tcp;
  if (tcp) {
    if (tl.captured < 14 || syn_only(tl.tcp.flags)) return track_general(r, p);  // a SYN may reuse ports
  } else if (tl.kind != proto::udp || tl.captured < 4) {
    return track_general(r, p);
  }
  // Source and destination port as the key's port word has them when the sender is side 0
  // (sport | dport << 16; udp_fields starts alike).
  static_assert(offsetof(dissect::tcp_fields, dport) == 2 && offsetof(dissect::udp_fields, dport) == 2);
  std::uint32_t ports;
  std::memcpy(&ports, &tl.tcp, 4);
  std::uint32_t ctx = p.vlan == none ? 0 : ctx_has_vlan | (p.layers[p.vlan].vlan.id & ctx_vlan_mask);
  std::uint32_t ip_len;
  std::uint64_t a0, a1 = 0, b0, b1 = 0;  // source and destination address words (IPv4: a0, b0)
  if (ipl.kind == proto::ip) {
    if (ipl.captured < 20 || ipl.ip.total_len == 0) return track_general(r, p);  // TSO: ip_bytes_of
    ip_len = ipl.ip.total_len;
    std::uint32_t a, b;
    std::memcpy(&a, ipl.ip.src.data(), 4);
    std::memcpy(&b, ipl.ip.dst.data(), 4);
    a0 = a;
    b0 = b;
  } else {
    if (ipl.captured < 40 || ipl.ipv6.plen == 0) return track_general(r, p);  // jumbogram: ip_bytes_of
    ip_len = std::uint32_t{ipl.ipv6.plen} + 40;
    a0 = load64(ipl.ipv6.src.data());
    a1 = load64(ipl.ipv6.src.data() + 8);
    b0 = load64(ipl.ipv6.dst.data());
    b1 = load64(ipl.ipv6.dst.data() + 8);
    ctx |= ctx_ipv6;
  }
  const std::uint32_t id = recent_[recent_index(fold_addrs(a0, a1, b0, b1), ports, recent_bits)];
  if (id == 0) return track_general(r, p);
  flow_record& f = at(id);
  // The key in packet order (m0 == 0: sent by side 0) or reversed; the IPv4 key's upper address
  // words are zero whenever its ctx (compared in both) says IPv4. Without branches: which of
  // the two holds follows the packet's direction, which has no order a predictor could learn.
  const auto* k = reinterpret_cast<const std::uint8_t*>(&f.key);
  std::uint32_t kt;
  std::memcpy(&kt, k + 40, 4);
  const std::uint64_t k0 = load64(k), k2 = load64(k + 16), k4 = load64(k + 32);
  const std::uint64_t ipp = tcp ? ip_proto_tcp : ip_proto_udp;  // no tunnel: VNI 0
  const std::uint64_t pw0 = ports | ipp << 32, pw1 = (ports << 16 | ports >> 16) | ipp << 32;
  std::uint64_t m0 = (k0 ^ a0) | (k2 ^ b0) | (k4 ^ pw0), m1 = (k0 ^ b0) | (k2 ^ a0) | (k4 ^ pw1);
  if (ctx & ctx_ipv6) {
    const std::uint64_t k1 = load64(k + 8), k3 = load64(k + 24);
    m0 |= (k1 ^ a1) | (k3 ^ b1);
    m1 |= (k1 ^ b1) | (k3 ^ a1);
  }
  // Bitwise, not `&&`: a branch on either comparison would follow the packet's direction.
  const unsigned side = m0 != 0;  // both equal: side 0, as make_key
  if ((kt ^ ctx) | (side & (m1 != 0))) return track_general(r, p);
  const int d = static_cast<int>(side) ^ (f.flags & flow_orig_is_side1);
  const std::int64_t ts = r.ts_ns;
  if (tcp) {
    // The segment is read before the record is written: the compiler cannot tell they do not alias.
    const auto& t = tl.tcp;
    if (!tcp_bulk(f, d, {t.seq, t.ack, t.payload_len, t.flags, t.window, 0}, ts)) return track_tcp(r, p, id, d, ip_len);
  } else {
    const std::uint16_t udp_len = tl.udp.length;
    f.last_ns = ts;
    check_history(f, d, hist_data, 'D');
    f.seq_or_bytes[d] += udp_len >= 8 ? udp_len - 8u : 0;
  }
  ++f.pkts[d];
  f.ip_bytes[d] += ip_len;
  if (f.flags & flow_probing) return track_probe(r, p, id, d);
  return {id, false, d == 0};
}

track_result flow_tracker::track_tcp(const capture::record& r, const dissect::packet& p, std::uint32_t id, int d,
                                     std::uint32_t ip_len) noexcept {
  flow_record& f = at(id);
  ++f.pkts[d];
  f.ip_bytes[d] += ip_len;
  const auto& t = p.layers[p.transport].tcp;
  update_tcp(f, d, {t.seq, t.ack, t.payload_len, t.flags, t.window, t.wscale}, r.ts_ns);
  if (f.flags & flow_probing) probe_service(r, p, f);
  return {id, false, d == 0};
}

track_result flow_tracker::track_probe(const capture::record& r, const dissect::packet& p, std::uint32_t id,
                                       int d) noexcept {
  probe_service(r, p, at(id));
  return {id, false, d == 0};
}

// The rest of `track`: any packet, through the slot table when the recent-flow cache does not
// have its flow. Its counters are `track`'s; the key of the plain TCP/UDP packet is built as
// words in registers (plain_key), any other's through the layer summary (scan_key).
track_result flow_tracker::track_general(const capture::record& r, const dissect::packet& p) noexcept {
  // Written once, inlined twice: for the plain packet the compiler drops what its key rules out.
  auto account = [&](const packet_key& pk) __attribute__((always_inline)) -> track_result {
    const layer* tl = pk.tl;
    const layer* tcp = pk.tcp;
    const int src_side = pk.from_side0 ? 0 : 1;
    // Most packets belong to a flow seen a few packets ago: a direct-mapped cache of ids stays in
    // L1 and saves hashing the key and probing the (large) slot table. A SYN opening a connection
    // always goes to the table (port reuse).
    std::uint32_t& recent = recent_[recent_index(pk.kw, recent_bits)];
    std::uint32_t id = recent;
    bool created = false;
    if (id == 0 || !same_key(pk.kw, at(id).key) || (tcp && syn_only(tcp->tcp.flags))) {
      id = lookup(key_of(pk.kw), src_side, pk.one_way, tcp, r.ts_ns, created);
      recent = id;
    }
    flow_record& f = at(id);
    const int d = src_side ^ (f.flags & flow_orig_is_side1);
    ++f.pkts[d];
    const layer& ipl = *pk.ip;
    const std::uint32_t ip_len = pk.ip_len;
    f.ip_bytes[d] += ip_len;
    const bool udp = tl && tl->kind == proto::udp;
    if (tcp) {
      const auto& t = tcp->tcp;
      const tcp_segment seg{t.seq, t.ack, t.payload_len, t.flags, t.window, t.wscale};
      if (!tcp_bulk(f, d, seg, r.ts_ns)) update_tcp(f, d, seg, r.ts_ns);
    } else {
      f.last_ns = r.ts_ns;
      std::uint32_t payload = 0;  // a TCP packet without its header adds none
      if (udp) {
        check_history(f, d, hist_data, 'D');
        payload = tl->udp.length >= 8 ? tl->udp.length - 8u : 0;
      } else if (tl && (tl->kind == proto::icmp || tl->kind == proto::icmpv6)) {
        std::uint32_t hdr_end = tl->offset + 8u - ipl.offset;
        payload = ip_len > hdr_end ? ip_len - hdr_end : 0;
      } else if (f.proto() != ip_proto_tcp) {
        std::uint32_t hl = ipl.kind == proto::ip ? ipl.ip.hdr_len : 40;
        payload = ip_len > hl ? ip_len - hl : 0;
      }
      f.seq_or_bytes[d] += payload;
    }
    if (pk.layered) f.flags |= flow_layered;
    // Service detection only while the flow has none, on its first few payload packets.
    if ((f.flags & flow_probing) && (tcp || udp)) probe_service(r, p, f);
    return {id, created, d == 0};
  };
  packet_key pk;
  if (plain_key(r, p, pk)) return account(pk);
  packet_key other;  // not `pk`: handing it out would keep it in memory on the fast path
  if (!scan_key(r, p, other)) return {};
  return account(other);
}

void flow_tracker::probe_service(const capture::record& r, const dissect::packet& p, flow_record& f) noexcept {
  util::bytes b = payload_of(r, p);
  if (b.empty()) return;
  ++f.probes;
  set_svc(f, detect_service(f.key.proto(), f.key.port[0], f.key.port[1], b));
}

std::uint32_t flow_tracker::lookup(const flow_key& k, int src_side, bool one_way, const dissect::layer* tcp,
                                   std::int64_t ts, bool& created) noexcept {
  const std::uint64_t h = k.hash();
  const std::uint64_t tag = h >> 32;
  std::size_t i = tag & mask_;
  std::uint32_t id = 0;
  for (;;) {
    std::uint64_t s = slots_[i];
    if (!s) break;
    if ((s >> 32) == tag && at(static_cast<std::uint32_t>(s)).key == k) {
      id = static_cast<std::uint32_t>(s);
      break;
    }
    i = (i + 1) & mask_;
  }
  created = false;
  if (id && tcp && syn_only(tcp->tcp.flags)) {
    // Port reuse: a fresh SYN after the connection closed (or was reset) starts a new one, in
    // the slot of the old.
    const flow_record& f = at(id);
    auto a = f.tcp[0].current(), b = f.tcp[1].current();
    bool done = a == tcp_state::reset || b == tcp_state::reset ||
                (a == tcp_state::closed && b == tcp_state::closed);
    int d = src_side == f.side(0) ? 0 : 1;
    if (done && tcp->tcp.seq != f.tcp[d].isn) {
      id = create(k, h, i);
      created = true;
    }
  }
  if (!id) {
    if ((count_ + 1) * 5 > slots_.size() * 4) {
      grow();
      i = tag & mask_;
      while (slots_[i]) i = (i + 1) & mask_;
    }
    id = create(k, h, i);
    created = true;
  }
  if (!created) return id;
  // Who is the originator (docs/flows.md): the sender of the first packet, unless the ports or
  // the ICMP type say it is the responder.
  flow_record& f = at(id);
  const std::uint8_t ipp = k.proto();
  f.start_ns = ts;
  f.last_ns = ts;
  if (opts_.detect_service) f.flags |= flow_probing;
  if (one_way) f.flags |= flow_one_way;
  bool flip = false;
  std::uint16_t sport = k.port[src_side], dport = k.port[1 - src_side];
  if (tcp) {
    if (!syn_only(tcp->tcp.flags)) flip = likely_server_port(sport) && !likely_server_port(dport);
  } else if (ipp == ip_proto_udp) {
    flip = likely_server_port(sport) && !likely_server_port(dport);
  } else if ((ipp == ip_proto_icmp || ipp == ip_proto_icmpv6) && !one_way) {
    flip = !icmp_is_request(static_cast<std::uint8_t>(sport), ipp == ip_proto_icmpv6);
  }
  int orig_side = flip ? 1 - src_side : src_side;
  if (orig_side == 1) f.flags |= flow_orig_is_side1;
  if (flip) {
    f.flags |= flow_flipped;
    if (ipp == ip_proto_tcp || ipp == ip_proto_udp) add_history(f, '^');
  }
  return id;
}

void set_tcp_context(const flow_record& f, bool from_orig, dissect::frame_meta& m) noexcept {
  if (f.proto() != ip_proto_tcp) return;
  int d = from_orig ? 0 : 1;
  m.tcp_relative = true;
  m.tcp_seq_base = f.tcp[d].isn;
  m.tcp_ack_base = f.tcp[1 - d].isn;
  m.tcp_ack_base_known = true;  // the first ACK already numbers the peer (Zeek's init_peer)
  int mine = window_shift(f.tcp[d]), theirs = window_shift(f.tcp[1 - d]);
  m.tcp_window_shift = mine >= 0 && theirs >= 0 ? mine : -1;
}

PCAPSCOPE_SIZE_FN void set_flow_context(const flow_tracker& t, std::uint32_t id, bool from_orig, dissect::frame_meta& m) {
  if (id == 0 || id > t.size()) return;
  const flow_record& f = t.get(id);
  set_tcp_context(f, from_orig, m);
  if (f.proto() == ip_proto_tcp) m.tcp_stream = t.stream_index(id);
  if (f.proto() == ip_proto_udp) m.udp_stream = t.stream_index(id);
}

PCAPSCOPE_SIZE_FN std::int64_t flow_tracker::stream_index(std::uint32_t id) const {
  if (id == 0 || id > count_) return -1;
  // Flow ids are given in order of first packet, as Wireshark numbers its streams: rank the
  // flows created since the last call.
  for (auto next = static_cast<std::uint32_t>(stream_ranks_.size()) + 1; next <= id; ++next) {
    const std::uint8_t p = get(next).proto();
    stream_ranks_.push_back(p == ip_proto_tcp ? tcp_streams_++ : p == ip_proto_udp ? udp_streams_++ : ~0u);
  }
  const std::uint32_t r = stream_ranks_[id - 1];
  return r == ~0u ? -1 : std::int64_t{r};
}

PCAPSCOPE_SIZE_FN bool flow_tracker::from_orig(const capture::record&, const dissect::packet& p, std::uint32_t id) const noexcept {
  flow_key k;
  bool from_side0, one_way;
  if (id == 0 || id > count_ || !make_key(p, k, from_side0, one_way)) return true;
  return (from_side0 ? 0 : 1) == get(id).side(0);
}

// One TCP segment, after Zeek's TCPSessionAdapter::Process: endpoint initialisation, history,
// zero windows, last-time rule, sequence tracking (retransmissions), the endpoint state
// machine; plus Wireshark-style duplicate ACKs, out-of-order and the handshake RTT. The bulk
// of a connection's segments takes tcp_bulk instead.
void flow_tracker::update_tcp(flow_record& f, int d, const tcp_segment& t, std::int64_t ts) noexcept {
  tcp_endpoint& ep = f.tcp[d];
  tcp_endpoint& peer = f.tcp[1 - d];
  const std::uint16_t fl = t.flags;
  const bool syn = fl & tcp_syn, fin = fl & tcp_fin, rst = fl & tcp_rst, ack = fl & tcp_ack;
  const auto len = static_cast<std::int64_t>(t.len);
  std::int64_t seg_len = len + (syn ? 1 : 0) + (fin ? 1 : 0);
  if (rst) seg_len -= len;
  const std::uint32_t seq = t.seq;
  const std::uint32_t seq_end = seq + static_cast<std::uint32_t>(seg_len);
  const std::int64_t prev_last_ns = f.last_ns;

  // Endpoint initialisation (Zeek's init_endpoint).
  auto reinit = [&](std::uint32_t start, std::uint32_t last) {
    ep.isn = start;
    f.seq_or_bytes[d] = static_cast<std::uint32_t>(last - start);
  };
  if (syn) {  // remember the announced window scale (shift 0..14) for scaled windows
    std::uint8_t v = t.wscale == 0xff ? 0 : static_cast<std::uint8_t>(std::min<int>(t.wscale, 14) + 1);
    ep.flags = static_cast<std::uint8_t>((ep.flags & ~ep_wscale_mask) | (v << 4));
  }
  switch (ep.current()) {
    case tcp_state::inactive:
      if (syn) reinit(seq, seq_end);
      else reinit(seq - 1, seq);
      break;
    case tcp_state::syn_sent:
    case tcp_state::syn_ack_sent:
      if (syn && seq != ep.isn) reinit(seq, seq_end);
      break;
    case tcp_state::established:
    case tcp_state::partial:
      if (syn) reinit(seq, seq_end);
      break;
    case tcp_state::reset:
      if (syn && ep.previous() == tcp_state::inactive) reinit(seq, seq_end);
      break;
    default: break;
  }

  // History (Zeek's update_history).
  int bits = (syn ? 1 : 0) + (fin ? 1 : 0) + (rst ? 1 : 0);
  if (bits > 1) {
    if (fin && rst) check_history(f, d, hist_fin_rst, 'I');
    else check_history(f, d, hist_multi, 'Q');
  } else if (bits == 1) {
    if (syn) check_history(f, d, ack ? hist_synack : hist_syn, ack ? 'H' : 'S');
    if (fin) check_history(f, d, hist_fin, 'F');
    if (rst) check_history(f, d, hist_rst, 'R');
  } else if (len) {
    check_history(f, d, hist_data, 'D');
  } else if (ack) {
    check_history(f, d, hist_ack, 'A');
  }

  // Zero windows (Zeek's update_window).
  if (t.window == 0 && !rst && peer.current() != tcp_state::closed && ep.current() != tcp_state::reset) {
    if (ep.zero_windows < 0xFFFF) ++ep.zero_windows;
    scaled_history(f, d, ep.zero_windows, 'W');
  }

  // Duration stops once both sides have closed (the final ACK is not counted).
  if (!(f.tcp[0].flags & ep_did_close) || !(f.tcp[1].flags & ep_did_close)) f.last_ns = ts;

  if (fin) ep.flags |= ep_fin_seen;
  if (ack && peer.current() == tcp_state::inactive) {
    peer.isn = t.ack - 1;  // Zeek's init_peer: number the peer's bytes as if its SYN was seen
    f.seq_or_bytes[1 - d] = 0;
  }

  // Duplicate ACK (Wireshark): a pure ACK repeating this side's last ack and window, at the
  // same sequence number.
  const std::uint32_t last_abs = ep.isn + static_cast<std::uint32_t>(f.seq_or_bytes[d]);
  bool dup = ack && len == 0 && !syn && !fin && !rst && (ep.flags & ep_ack_sent) && t.ack == ep.last_ack &&
             t.window == ep.window && seq == last_abs;
  if (dup) ++f.dup_acks;

  // Sequence tracking (Zeek's update_last_seq).
  auto delta = static_cast<std::int32_t>(seq_end - last_abs);
  constexpr std::int32_t too_large = 1048576;
  if ((syn || rst) && (delta > too_large || delta < -too_large)) {
  } else if (fin && last_abs == ep.isn + 1) {
    f.seq_or_bytes[d] = static_cast<std::uint64_t>(static_cast<std::int64_t>(f.seq_or_bytes[d]) + delta);
  } else if (ep.current() == tcp_state::reset) {
  } else if (delta > 0) {
    f.seq_or_bytes[d] += static_cast<std::uint64_t>(delta);
  } else if (len > 0) {
    if (f.retransmitted[d] < 0xFFFFFFFFu) ++f.retransmitted[d];
    scaled_history(f, d, f.retransmitted[d], 'T');
    // Wireshark calls a segment below the next expected sequence "out of order" when it comes
    // soon after the previous one (within the handshake RTT, else 3 ms) and is not the fast
    // retransmission the peer's duplicate ACKs asked for.
    std::int64_t rtt = std::int64_t{f.rtt_syn_synack_ns} + f.rtt_synack_ack_ns;
    std::int64_t thresh = f.rtt_synack_ack_ns ? rtt : 3000000;
    bool fast = (peer.flags & ep_dupack_run) && peer.last_ack == seq;
    if (!fast && ts - prev_last_ns < thresh && seq_end != last_abs) ++f.out_of_order;
  }

  // Handshake RTT: SYN -> SYN/ACK -> first ACK from the originator.
  if (syn && ack && d == 1 && f.rtt_syn_synack_ns == 0 && f.history_len && f.history[0] == 'S') {
    f.rtt_syn_synack_ns = sat32(ts - f.start_ns);
    f.flags |= flow_rtt_pending;
  } else if (ack && !syn && d == 0 && (f.flags & flow_rtt_pending)) {
    f.rtt_synack_ack_ns = sat32(ts - f.start_ns - f.rtt_syn_synack_ns);
    f.flags &= static_cast<std::uint8_t>(~flow_rtt_pending);
  }

  // Endpoint state machine (Zeek's UpdateStateMachine).
  const bool is_orig = d == 0;
  auto close = [&] { ep.flags |= ep_did_close; };
  switch (ep.current()) {
    case tcp_state::inactive:
      if (syn) {
        if (is_orig) {
          ep.set(ack ? tcp_state::syn_ack_sent : tcp_state::syn_sent);
        } else {
          if (!ack && peer.current() == tcp_state::syn_ack_sent) peer.set(tcp_state::established);
          if (peer.current() == tcp_state::syn_sent) peer.set(tcp_state::established);
          ep.set(tcp_state::established);
        }
      }
      if (fin) {
        ep.set(tcp_state::closed);
        close();
      }
      if (rst) {
        ep.set(tcp_state::reset);
        close();
      }
      if (ep.current() == tcp_state::inactive) {
        if (!is_orig && len == 0 && f.tcp[0].current() == tcp_state::syn_sent) {
          // an ACK of the SYN before the SYN/ACK: not a partial connection
        } else if (ack && peer.current() == tcp_state::established) {
          ep.set(tcp_state::established);
        } else {
          ep.set(tcp_state::partial);
        }
      }
      break;
    case tcp_state::syn_sent:
    case tcp_state::syn_ack_sent:
      if (fin) {
        ep.set(tcp_state::closed);
        close();
      }
      if (rst) {
        ep.set(tcp_state::reset);
        close();
      }
      break;
    case tcp_state::established:
    case tcp_state::partial:
      if (syn && ep.current() == tcp_state::partial && peer.current() == tcp_state::inactive && !ack)
        ep.set(tcp_state::syn_sent);
      if (fin && !rst) {
        ep.set(tcp_state::closed);
        if (peer.current() == tcp_state::reset && peer.previous() == tcp_state::closed) peer.set(tcp_state::closed);
        close();
      }
      if (rst) {
        ep.set(tcp_state::reset);
        close();
      }
      break;
    case tcp_state::closed:
      if (rst && peer.current() != tcp_state::closed) {
        ep.set(tcp_state::reset);
        close();
      }
      break;
    case tcp_state::reset: break;
  }

  if (ack && !rst) {
    ep.last_ack = t.ack;
    ep.window = t.window;
    ep.flags |= ep_ack_sent;
  }
  if (dup) ep.flags |= ep_dupack_run;
  else ep.flags &= static_cast<std::uint8_t>(~ep_dupack_run);
  const bool both = ep.current() == tcp_state::established && peer.current() == tcp_state::established;
  f.flags = static_cast<std::uint8_t>((f.flags & ~flow_established) | (both ? flow_established : 0));
}

}  // namespace pcapscope::flow
