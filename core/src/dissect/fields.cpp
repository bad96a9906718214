// Field values by Wireshark name, formatted like `tshark -T fields`, and packet-list columns.
#include "pcapscope/dissect/fields.hpp"

#include <array>
#include <cstdio>
#include <cstring>
#include <unordered_map>

#include "pcapscope/capture/types.hpp"

namespace pcapscope::dissect {

namespace {

std::string num(std::uint64_t v) { return std::to_string(v); }

std::string hex(std::uint32_t v, int width) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%0*x", width, v);
  return buf;
}

// True when the field at [off, off+size) of the layer's header lies within the packet.
bool has(const layer& l, std::uint32_t off, std::uint32_t size) { return l.captured >= off + size; }

bool tcp_ok(const layer& l) { return l.tcp.hdr_len >= 20; }

// Wireshark's arp.*.proto_ipv4 fields: IPv4 (or AX.25's IP) protocol with 4-byte addresses.
bool arp_ipv4(const layer& l) { return (l.arp.ptype == 0x0800 || l.arp.ptype == 0x00cc) && l.arp.plen == 4; }

// A field's extractor: a function of the whole packet, or one called for every layer of a kind.
// Plain function pointers, not std::function: ~100 fields, each a std::function instantiation
// of its own, cost ~15 KB of the wasm module's size budget.
using frame_extractor = void (*)(const packet&, const frame_meta&, util::bytes, std::vector<std::string>&);
using layer_extractor = void (*)(const layer&, std::vector<std::string>&);
struct extractor {
  proto kind = proto::none;
  layer_extractor per_layer = nullptr;
  frame_extractor whole = nullptr;
};

// `fn(layer, out)` for every layer of kind `k`.
extractor each(proto k, layer_extractor fn) { return {k, fn, nullptr}; }

// tcp.stream / udp.stream: the stream of the packet's flow (frame_meta), on its own TCP/UDP
// header (not one an ICMP error quotes).
void stream_values(const packet& p, std::int64_t s, proto k, std::vector<std::string>& o) {
  if (s >= 0 && p.transport != packet::no_layer && p.layers[p.transport].kind == k) o.push_back(num(static_cast<std::uint64_t>(s)));
}

struct registry {
  std::vector<std::string_view> names;
  std::unordered_map<std::string_view, extractor> map;

  void add(std::string_view n, extractor e) {
    names.push_back(n);
    map.emplace(n, e);
  }
  void add(std::string_view n, frame_extractor f) { add(n, extractor{proto::none, nullptr, f}); }

  registry() {
    add("frame.number", [](const packet&, const frame_meta& m, util::bytes, std::vector<std::string>& o) { o.push_back(num(m.number)); });
    add("frame.time_epoch", [](const packet&, const frame_meta& m, util::bytes, std::vector<std::string>& o) {
      if (m.has_timestamp) o.push_back(capture::format_epoch(m.ts_ns, 9));
    });
    add("frame.len", [](const packet&, const frame_meta& m, util::bytes, std::vector<std::string>& o) { o.push_back(num(m.origlen)); });
    add("frame.cap_len", [](const packet&, const frame_meta& m, util::bytes, std::vector<std::string>& o) { o.push_back(num(m.caplen)); });
    add("frame.interface_id", [](const packet&, const frame_meta& m, util::bytes, std::vector<std::string>& o) {
      if (m.interface >= 0) o.push_back(num(static_cast<std::uint64_t>(m.interface)));
    });
    add("eth.src", each(proto::eth, [](const layer& l, auto& o) { o.push_back(format_mac(l.eth.src)); }));
    add("eth.dst", each(proto::eth, [](const layer& l, auto& o) { o.push_back(format_mac(l.eth.dst)); }));
    add("eth.type", each(proto::eth, [](const layer& l, auto& o) { if (l.eth.type >= 0x600) o.push_back(hex(l.eth.type, 4)); }));
    add("vlan.id", each(proto::vlan, [](const layer& l, auto& o) { if (l.vlan.tpid != 0x88a8) o.push_back(num(l.vlan.id)); }));
    add("ieee8021ad.id", each(proto::vlan, [](const layer& l, auto& o) { if (l.vlan.tpid == 0x88a8) o.push_back(num(l.vlan.id)); }));
    add("mpls.label", each(proto::mpls, [](const layer& l, auto& o) { o.push_back(num(l.mpls.label)); }));
    add("ip.src", each(proto::ip, [](const layer& l, auto& o) { if (has(l, 12, 4)) o.push_back(format_ipv4(l.ip.src)); }));
    add("ip.dst", each(proto::ip, [](const layer& l, auto& o) { if (has(l, 16, 4)) o.push_back(format_ipv4(l.ip.dst)); }));
    add("ip.proto", each(proto::ip, [](const layer& l, auto& o) { if (has(l, 9, 1)) o.push_back(num(l.ip.proto)); }));
    add("ip.ttl", each(proto::ip, [](const layer& l, auto& o) { if (has(l, 8, 1)) o.push_back(num(l.ip.ttl)); }));
    add("ip.id", each(proto::ip, [](const layer& l, auto& o) { if (has(l, 4, 2)) o.push_back(hex(l.ip.id, 4)); }));
    add("ip.len", each(proto::ip, [](const layer& l, auto& o) { if (has(l, 2, 2)) o.push_back(num(l.ip.total_len)); }));
    add("ip.hdr_len", each(proto::ip, [](const layer& l, auto& o) { o.push_back(num(l.ip.hdr_len)); }));
    add("ip.flags.df", each(proto::ip, [](const layer& l, auto& o) { if (has(l, 6, 2)) o.push_back((l.ip.flags & 0x2) ? "1" : "0"); }));
    add("ip.flags.mf", each(proto::ip, [](const layer& l, auto& o) { if (has(l, 6, 2)) o.push_back((l.ip.flags & 0x1) ? "1" : "0"); }));
    // Wireshark 4.0 prints the fragment offset field in its own 8-byte units.
    add("ip.frag_offset", each(proto::ip, [](const layer& l, auto& o) { if (has(l, 6, 2)) o.push_back(num(l.ip.frag_offset)); }));
    add("ipv6.src", each(proto::ipv6, [](const layer& l, auto& o) { if (has(l, 8, 16)) o.push_back(format_ipv6(l.ipv6.src)); }));
    add("ipv6.dst", each(proto::ipv6, [](const layer& l, auto& o) { if (has(l, 24, 16)) o.push_back(format_ipv6(l.ipv6.dst)); }));
    add("ipv6.nxt", each(proto::ipv6, [](const layer& l, auto& o) { if (has(l, 6, 1)) o.push_back(num(l.ipv6.nxt)); }));
    add("ipv6.hlim", each(proto::ipv6, [](const layer& l, auto& o) { if (has(l, 7, 1)) o.push_back(num(l.ipv6.hlim)); }));
    add("ipv6.plen", each(proto::ipv6, [](const layer& l, auto& o) { if (has(l, 4, 2)) o.push_back(num(l.ipv6.plen)); }));
    add("arp.opcode", each(proto::arp, [](const layer& l, auto& o) { if (has(l, 6, 2)) o.push_back(num(l.arp.opcode)); }));
    // Wireshark locates all four addresses before showing any: a cut header shows none.
    add("arp.src.proto_ipv4", each(proto::arp, [](const layer& l, auto& o) {
      if (arp_ipv4(l) && !(l.flags & layer_partial)) o.push_back(format_ipv4(l.arp.spa));
    }));
    add("arp.dst.proto_ipv4", each(proto::arp, [](const layer& l, auto& o) {
      if (arp_ipv4(l) && !(l.flags & layer_partial)) o.push_back(format_ipv4(l.arp.tpa));
    }));
    add("icmp.type", each(proto::icmp, [](const layer& l, auto& o) { o.push_back(num(l.icmp.type)); }));
    add("icmp.code", each(proto::icmp, [](const layer& l, auto& o) { o.push_back(num(l.icmp.code)); }));
    add("icmpv6.type", each(proto::icmpv6, [](const layer& l, auto& o) { o.push_back(num(l.icmp.type)); }));
    add("icmpv6.code", each(proto::icmpv6, [](const layer& l, auto& o) { o.push_back(num(l.icmp.code)); }));
    add("tcp.srcport", each(proto::tcp, [](const layer& l, auto& o) { o.push_back(num(l.tcp.sport)); }));
    add("tcp.dstport", each(proto::tcp, [](const layer& l, auto& o) { o.push_back(num(l.tcp.dport)); }));
    // Inside an ICMP error Wireshark shows the sequence number without its raw twin and no
    // segment length (nor in the first fragment of an IP datagram); a header cut short shows
    // the fields that fit.
    add("tcp.seq_raw", each(proto::tcp, [](const layer& l, auto& o) {
      if (!(l.flags & layer_quoted) && has(l, 4, 4)) o.push_back(num(l.tcp.seq));
    }));
    // Present whether or not the ACK flag is set (Wireshark 4.0 adds it unconditionally).
    // A bogus data offset (< 5) makes Wireshark stop after the sequence number.
    add("tcp.ack_raw", each(proto::tcp, [](const layer& l, auto& o) { if (tcp_ok(l) && has(l, 8, 4)) o.push_back(num(l.tcp.ack)); }));
    add("tcp.seq", [](const packet& p, const frame_meta& m, util::bytes, std::vector<std::string>& o) {
      // Relative to the flow's base when known (the flow table's), like Wireshark's tcp.seq.
      for (std::size_t i = 0; i < p.count; ++i) {
        const auto& l = p.layers[i];
        if (l.kind != proto::tcp || (l.flags & layer_quoted)) continue;
        o.push_back(num(m.tcp_relative ? l.tcp.seq - m.tcp_seq_base : l.tcp.seq));
      }
    });
    add("tcp.ack", [](const packet& p, const frame_meta& m, util::bytes, std::vector<std::string>& o) {
      for (std::size_t i = 0; i < p.count; ++i) {
        const auto& l = p.layers[i];
        if (l.kind != proto::tcp || (l.flags & layer_quoted) || !(l.tcp.flags & 0x10)) continue;
        o.push_back(num(m.tcp_relative && m.tcp_ack_base_known ? l.tcp.ack - m.tcp_ack_base : l.tcp.ack));
      }
    });
    add("tcp.window_size", [](const packet& p, const frame_meta& m, util::bytes, std::vector<std::string>& o) {
      // The calculated window: scaled when both SYNs announced a scale (not on SYNs).
      for (std::size_t i = 0; i < p.count; ++i) {
        const auto& l = p.layers[i];
        if (l.kind != proto::tcp || (l.flags & layer_quoted)) continue;
        bool scaled = m.tcp_window_shift >= 0 && !(l.tcp.flags & 0x02);
        o.push_back(num(scaled ? std::uint64_t{l.tcp.window} << m.tcp_window_shift : l.tcp.window));
      }
    });
    add("tcp.flags", each(proto::tcp, [](const layer& l, auto& o) { if (tcp_ok(l) && has(l, 12, 2)) o.push_back(hex(l.tcp.flags, 4)); }));
    add("tcp.window_size_value", each(proto::tcp, [](const layer& l, auto& o) { if (tcp_ok(l) && has(l, 14, 2)) o.push_back(num(l.tcp.window)); }));
    add("tcp.hdr_len", each(proto::tcp, [](const layer& l, auto& o) { o.push_back(num(l.tcp.hdr_len)); }));
    add("tcp.len", each(proto::tcp, [](const layer& l, auto& o) {
      if (!(l.flags & (layer_quoted | layer_malformed | layer_fragment))) o.push_back(num(l.tcp.payload_len));
    }));
    add("tcp.stream", [](const packet& p, const frame_meta& m, util::bytes, std::vector<std::string>& o) { stream_values(p, m.tcp_stream, proto::tcp, o); });
    add("tcp.options.mss_val", each(proto::tcp, [](const layer& l, auto& o) { if (l.tcp.mss) o.push_back(num(l.tcp.mss)); }));
    add("tcp.options.wscale.shift", each(proto::tcp, [](const layer& l, auto& o) { if (l.tcp.wscale != 0xff) o.push_back(num(l.tcp.wscale)); }));
    add("udp.srcport", each(proto::udp, [](const layer& l, auto& o) { o.push_back(num(l.udp.sport)); }));
    add("udp.dstport", each(proto::udp, [](const layer& l, auto& o) { o.push_back(num(l.udp.dport)); }));
    add("udp.length", each(proto::udp, [](const layer& l, auto& o) { if (has(l, 4, 2)) o.push_back(num(l.udp.length)); }));
    add("udp.stream", [](const packet& p, const frame_meta& m, util::bytes, std::vector<std::string>& o) { stream_values(p, m.udp_stream, proto::udp, o); });
    add("sctp.srcport", each(proto::sctp, [](const layer& l, auto& o) { o.push_back(num(l.sctp.sport)); }));
    add("sctp.dstport", each(proto::sctp, [](const layer& l, auto& o) { o.push_back(num(l.sctp.dport)); }));
    add("gre.proto", each(proto::gre, [](const layer& l, auto& o) { o.push_back(hex(l.gre.proto, 4)); }));
    add("vxlan.vni", each(proto::vxlan, [](const layer& l, auto& o) { o.push_back(num(l.tunnel.vni)); }));
    add("geneve.vni", each(proto::geneve, [](const layer& l, auto& o) { o.push_back(hex(l.tunnel.vni, 6)); }));
    add("_ws.col.Source", [](const packet& p, const frame_meta&, util::bytes, std::vector<std::string>& o) { o.push_back(source_column(p)); });
    add("_ws.col.Destination", [](const packet& p, const frame_meta&, util::bytes, std::vector<std::string>& o) { o.push_back(destination_column(p)); });
    add("_ws.col.Protocol", [](const packet& p, const frame_meta&, util::bytes, std::vector<std::string>& o) { o.push_back(protocol_column(p)); });
    add("_ws.col.Info", [](const packet& p, const frame_meta& m, util::bytes d, std::vector<std::string>& o) { o.push_back(info_column(p, m, d)); });
  }
};

const registry& reg() {
  static const registry r;
  return r;
}

const char* tcp_flag_names[] = {"FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR", "NS"};

const layer* innermost_net(const packet& p) {
  for (std::size_t i = p.count; i-- > 0;) {
    auto k = p.layers[i].kind;
    if (k == proto::ip || k == proto::ipv6) return &p.layers[i];
  }
  return nullptr;
}

}  // namespace

namespace {

// Each byte value's decimal digits and, in the last char, their count: an octet is one 4-byte
// copy and an advance.
constexpr auto byte_decimals = [] {
  std::array<std::array<char, 4>, 256> t{};
  for (unsigned v = 0; v < 256; ++v) {
    char* o = t[v].data();
    if (v >= 100) *o++ = static_cast<char>('0' + v / 100);
    if (v >= 10) *o++ = static_cast<char>('0' + v / 10 % 10);
    *o++ = static_cast<char>('0' + v % 10);
    t[v][3] = static_cast<char>(o - t[v].data());
  }
  return t;
}();

// Lowercase hex without leading zeros ("%x").
char* put_hex16(char* o, unsigned v) noexcept {
  static constexpr char hex[] = "0123456789abcdef";
  int shift = 12;
  while (shift > 0 && (v >> shift) == 0) shift -= 4;
  for (; shift >= 0; shift -= 4) *o++ = hex[(v >> shift) & 0xF];
  return o;
}

}  // namespace

// Address text written by hand (no snprintf: the logs format two addresses per record, and
// snprintf's format parsing cost more than the rest of a DNS record).
char* put_ipv4(char* o, const std::uint8_t* a) noexcept {
  for (int i = 0; i < 4; ++i) {
    const auto& d = byte_decimals[a[i]];
    std::memcpy(o, d.data(), 4);
    o += d[3];
    *o++ = '.';
  }
  return o - 1;
}

char* put_ipv6(char* const start, const std::uint8_t* a) noexcept {
  char* o = start;
  unsigned w[8];
  for (int i = 0; i < 8; ++i) w[i] = (unsigned{a[2 * i]} << 8) | a[2 * i + 1];
  // IPv4-mapped addresses as Wireshark prints them.
  if (w[0] == 0 && w[1] == 0 && w[2] == 0 && w[3] == 0 && w[4] == 0 && w[5] == 0xffff) {
    static constexpr char prefix[] = "::ffff:";
    std::memcpy(o, prefix, 7);
    return put_ipv4(o + 7, a + 12);
  }
  // Longest run of two or more zero words becomes "::", the first of equal runs (RFC 5952).
  int best = -1, best_len = 0;
  for (int i = 0; i < 8;) {
    if (w[i] != 0) {
      ++i;
      continue;
    }
    int j = i;
    while (j < 8 && w[j] == 0) ++j;
    if (j - i > best_len && j - i >= 2) {
      best = i;
      best_len = j - i;
    }
    i = j;
  }
  for (int i = 0; i < 8; ++i) {
    if (i == best) {
      *o++ = ':';
      *o++ = ':';
      i += best_len - 1;
      continue;
    }
    if (o != start && o[-1] != ':') *o++ = ':';
    o = put_hex16(o, w[i]);
  }
  return o;
}

std::string format_ipv4(const std::array<std::uint8_t, 4>& a) {
  char buf[16];
  return std::string(buf, put_ipv4(buf, a.data()));
}

std::string format_ipv6(const std::array<std::uint8_t, 16>& a) {
  char buf[48];
  return std::string(buf, put_ipv6(buf, a.data()));
}

std::string format_mac(const std::array<std::uint8_t, 6>& a) {
  char buf[20];
  std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", a[0], a[1], a[2], a[3], a[4], a[5]);
  return buf;
}

bool field_values(const packet& p, const frame_meta& m, util::bytes data, std::string_view name,
                  std::vector<std::string>& out) {
  const auto& r = reg();
  auto it = r.map.find(name);
  if (it == r.map.end()) return false;
  const extractor& e = it->second;
  if (e.whole) {
    e.whole(p, m, data, out);
  } else {
    for (std::size_t i = 0; i < p.count; ++i) {
      if (p.layers[i].kind == e.kind) e.per_layer(p.layers[i], out);
    }
  }
  return true;
}

const std::vector<std::string_view>& known_fields() { return reg().names; }

const std::vector<std::string_view>& default_fields() {
  static const std::vector<std::string_view> f = {
      "frame.number", "frame.time_epoch", "frame.len", "frame.cap_len", "frame.interface_id",
      "eth.src", "eth.dst", "vlan.id", "mpls.label", "ip.src", "ip.dst", "ip.proto", "ip.ttl",
      "ip.id", "ip.flags.mf", "ip.frag_offset", "ipv6.src", "ipv6.dst", "ipv6.nxt", "ipv6.hlim",
      "arp.opcode", "arp.src.proto_ipv4", "arp.dst.proto_ipv4", "icmp.type", "icmp.code",
      "icmpv6.type", "icmpv6.code", "tcp.srcport", "tcp.dstport", "tcp.seq_raw", "tcp.ack_raw",
      "tcp.flags", "tcp.window_size_value", "tcp.len", "udp.srcport", "udp.dstport",
      "udp.length", "_ws.col.Protocol", "_ws.col.Info"};
  return f;
}

std::string protocol_column(const packet& p) {
  const layer* ip = innermost_net(p);
  switch (p.top()) {
    case proto::tcp: return "TCP";
    case proto::udp: return "UDP";
    case proto::sctp: return "SCTP";
    case proto::icmp: return "ICMP";
    case proto::icmpv6: return "ICMPv6";
    case proto::igmp: {
      const layer* g = p.last(proto::igmp);
      if (g && g->igmp.type == 0x22) return "IGMPv3";
      if (g && g->igmp.type == 0x12) return "IGMPv1";
      return "IGMPv2";
    }
    case proto::arp: return "ARP";
    case proto::esp: return "ESP";
    case proto::ah: return "AH";
    case proto::gre: return "GRE";
    case proto::vxlan: return "VXLAN";
    case proto::geneve: return "Geneve";
    case proto::ip: return "IPv4";
    case proto::ipv6: return "IPv6";
    case proto::llc: return "LLC";
    case proto::wlan: return "802.11";
    case proto::mpls: return "MPLS";
    case proto::pppoes: return "PPPoES";
    case proto::ppp: return "PPP";
    case proto::vlan: return "VLAN";
    case proto::eth: return "Ethernet";
    case proto::sll: case proto::sll2: return "SLL";
    case proto::null: return "NULL";
    case proto::gtp: return "GTP";
    case proto::l2tp: return "L2TP";
    case proto::pim: return "PIMv2";
    case proto::erspan: return "ERSPAN";
    case proto::teredo: return "Teredo";
    case proto::nsh: return "NSH";
    case proto::nflog: return "NFLOG";
    case proto::fddi: return "FDDI";
    case proto::chdlc: return "CHDLC";
    case proto::fr: return "FR";
    case proto::ppi: return "PPI";
    case proto::vntag: return "VNTAG";
    case proto::etag: return "ETAG";
    case proto::cfp: return "CFP";
    default: break;
  }
  (void)ip;
  return "";
}

std::string source_column(const packet& p) {
  if (const layer* n = innermost_net(p)) {
    return n->kind == proto::ip ? format_ipv4(n->ip.src) : format_ipv6(n->ipv6.src);
  }
  if (const layer* a = p.last(proto::arp)) return format_mac(a->arp.sha);
  if (const layer* e = p.last(proto::eth)) return format_mac(e->eth.src);
  if (const layer* w = p.last(proto::wlan)) return format_mac(w->link.wlan_sa);
  return "";
}

std::string destination_column(const packet& p) {
  if (const layer* n = innermost_net(p)) {
    return n->kind == proto::ip ? format_ipv4(n->ip.dst) : format_ipv6(n->ipv6.dst);
  }
  if (const layer* e = p.last(proto::eth)) {
    bool bcast = true;
    for (auto b : e->eth.dst) bcast = bcast && b == 0xff;
    return bcast ? "Broadcast" : format_mac(e->eth.dst);
  }
  if (const layer* w = p.last(proto::wlan)) return format_mac(w->link.wlan_da);
  return "";
}

std::string info_column(const packet& p, const frame_meta& m, util::bytes data) {
  char buf[256];
  switch (p.top()) {
    case proto::tcp: {
      const auto& t = p.last(proto::tcp)->tcp;
      std::string flags;
      // Wireshark's order: SYN, FIN, RST, PSH, ACK, URG, ECE, CWR, NS.
      static const int order[] = {1, 0, 2, 3, 4, 5, 6, 7, 8};
      for (int i : order) {
        if (t.flags & (1u << i)) {
          if (!flags.empty()) flags += ", ";
          flags += tcp_flag_names[i];
        }
      }
      std::uint32_t seq = m.tcp_relative ? t.seq - m.tcp_seq_base : t.seq;
      std::uint32_t ack = m.tcp_relative && m.tcp_ack_base_known ? t.ack - m.tcp_ack_base : t.ack;
      std::snprintf(buf, sizeof buf, "%u → %u [%s] Seq=%u", t.sport, t.dport, flags.c_str(), seq);
      std::string s = buf;
      if (t.flags & 0x10) s += " Ack=" + num(ack);
      bool scaled = m.tcp_window_shift >= 0 && !(t.flags & 0x02);
      s += " Win=" + num(scaled ? std::uint64_t{t.window} << m.tcp_window_shift : t.window);
      s += " Len=" + num(t.payload_len);
      const layer* tl = p.last(proto::tcp);
      std::size_t opt_len = std::min<std::size_t>(t.hdr_len, tl->captured);  // header bytes present
      std::size_t opt_end = std::size_t{tl->offset} + opt_len;
      if (!data.empty() && opt_len > 20 && opt_end <= data.size()) {
        // Options in header order, as Wireshark lists them.
        util::bytes o = data.subspan(tl->offset + 20u, opt_end - tl->offset - 20u);
        for (std::size_t i = 0; i < o.size();) {
          std::uint8_t kind = o[i];
          if (kind == 0) break;
          if (kind == 1) {
            ++i;
            continue;
          }
          if (i + 1 >= o.size() || o[i + 1] < 2 || i + o[i + 1] > o.size()) break;
          std::uint8_t len = o[i + 1];
          const std::uint8_t* v = o.data() + i + 2;
          if (kind == 2 && len == 4) s += " MSS=" + num(util::load_be16(v));
          else if (kind == 3 && len == 3) s += " WS=" + num(1u << std::min<unsigned>(v[0], 14));
          else if (kind == 4 && len == 2) s += " SACK_PERM";
          else if (kind == 8 && len == 10) s += " TSval=" + num(util::load_be32(v)) + " TSecr=" + num(util::load_be32(v + 4));
          else if (kind == 5 && len >= 10) {
            for (std::size_t b = 0; b + 8 <= std::size_t{len} - 2u; b += 8) {
              std::uint32_t le = util::load_be32(v + b), re = util::load_be32(v + b + 4);
              if (m.tcp_relative && m.tcp_ack_base_known) {
                le -= m.tcp_ack_base;
                re -= m.tcp_ack_base;
              }
              s += " SLE=" + num(le) + " SRE=" + num(re);
            }
          }
          i += len;
        }
        return s;
      }
      if (t.mss) s += " MSS=" + num(t.mss);
      if (t.sack_perm) s += " SACK_PERM";
      if (t.has_ts) s += " TSval=" + num(t.ts_val) + " TSecr=" + num(t.ts_ecr);
      if (t.wscale != 0xff) s += " WS=" + num(1u << std::min<unsigned>(t.wscale, 14));
      return s;
    }
    case proto::udp: {
      const auto& u = p.last(proto::udp)->udp;
      std::snprintf(buf, sizeof buf, "%u → %u Len=%u", u.sport, u.dport, u.length >= 8 ? u.length - 8u : 0u);
      return buf;
    }
    case proto::icmp:
    case proto::icmpv6: {
      const layer* l = p.last(p.top());
      const auto& c = l->icmp;
      bool v6 = p.top() == proto::icmpv6;
      const char* what = nullptr;
      if (!v6) {
        switch (c.type) {
          case 0: what = "Echo (ping) reply"; break;
          case 8: what = "Echo (ping) request"; break;
          case 3: what = "Destination unreachable"; break;
          case 11: what = "Time-to-live exceeded"; break;
          case 5: what = "Redirect"; break;
          case 13: what = "Timestamp request"; break;
          case 14: what = "Timestamp reply"; break;
          default: break;
        }
      } else {
        switch (c.type) {
          case 1: what = "Destination Unreachable"; break;
          case 2: what = "Packet Too Big"; break;
          case 3: what = "Time Exceeded"; break;
          case 4: what = "Parameter Problem"; break;
          case 128: what = "Echo (ping) request"; break;
          case 129: what = "Echo (ping) reply"; break;
          case 133: what = "Router Solicitation"; break;
          case 134: what = "Router Advertisement"; break;
          case 135: what = "Neighbor Solicitation"; break;
          case 136: what = "Neighbor Advertisement"; break;
          case 143: what = "Multicast Listener Report Message v2"; break;
          default: break;
        }
      }
      if ((!v6 && (c.type == 0 || c.type == 8)) || (v6 && (c.type == 128 || c.type == 129))) {
        std::snprintf(buf, sizeof buf, "%s id=0x%04x, seq=%u/%u", what, c.id, c.seq,
                      static_cast<unsigned>(((c.seq & 0xff) << 8) | (c.seq >> 8)));
        return buf;
      }
      if (what) return what;
      std::snprintf(buf, sizeof buf, "Type %u, code %u", c.type, c.code);
      return buf;
    }
    case proto::arp: {
      const auto& a = p.last(proto::arp)->arp;
      if (a.opcode == 1) return "Who has " + format_ipv4(a.tpa) + "? Tell " + format_ipv4(a.spa);
      if (a.opcode == 2) return format_ipv4(a.spa) + " is at " + format_mac(a.sha);
      return "ARP opcode " + num(a.opcode);
    }
    case proto::ip: {
      const auto& ip = p.last(proto::ip)->ip;
      if ((ip.flags & 1) || ip.frag_offset) {
        std::snprintf(buf, sizeof buf, "Fragmented IP protocol (proto=%u, off=%u, ID=%04x)",
                      ip.proto, ip.frag_offset * 8u, ip.id);
        return buf;
      }
      return "IPv4 protocol " + num(ip.proto);
    }
    default: break;
  }
  (void)m;
  return "";
}

}  // namespace pcapscope::dissect
