// Flow identifiers and formatting: Community ID v1, deterministic uids, address text, and the
// IP/MAC endpoint tables (see flow/flow.hpp).
#include <algorithm>
#include <cstddef>
#include <cstring>

#include "pcapscope/dissect/fields.hpp"
#include "pcapscope/flow/flow.hpp"
#include "pcapscope/util/sha1.hpp"
#include "pcapscope/util/size_opt.hpp"

namespace pcapscope::flow {

std::string community_id(const std::uint8_t* saddr, const std::uint8_t* daddr, std::size_t addr_len,
                         std::uint8_t proto, std::uint16_t sport, std::uint16_t dport, bool has_ports,
                         bool one_way, std::uint16_t seed) {
  // Order the endpoints (smaller address first, then smaller port) unless one-way.
  int c = std::memcmp(saddr, daddr, addr_len);
  bool ordered = one_way || c < 0 || (c == 0 && has_ports && sport < dport);
  if (!ordered) {
    std::swap(saddr, daddr);
    std::swap(sport, dport);
  }
  std::uint8_t buf[2 + 16 + 16 + 2 + 4];
  std::size_t n = 0;
  buf[n++] = static_cast<std::uint8_t>(seed >> 8);
  buf[n++] = static_cast<std::uint8_t>(seed);
  std::memcpy(buf + n, saddr, addr_len);
  n += addr_len;
  std::memcpy(buf + n, daddr, addr_len);
  n += addr_len;
  buf[n++] = proto;
  buf[n++] = 0;
  if (has_ports) {
    buf[n++] = static_cast<std::uint8_t>(sport >> 8);
    buf[n++] = static_cast<std::uint8_t>(sport);
    buf[n++] = static_cast<std::uint8_t>(dport >> 8);
    buf[n++] = static_cast<std::uint8_t>(dport);
  }
  util::sha1 h;
  h.update(util::bytes(buf, n));
  auto digest = h.finish();
  std::string out = "1:";
  util::append_base64(out, digest);
  return out;
}

std::string community_id(const flow_record& f, std::uint16_t seed) {
  std::uint8_t p = f.proto();
  bool ports = p == ip_proto_tcp || p == ip_proto_udp || p == ip_proto_sctp || p == ip_proto_icmp ||
               p == ip_proto_icmpv6;
  return community_id(f.addr(0).data(), f.addr(1).data(), f.key.ipv6() ? 16 : 4, p, f.port(0), f.port(1), ports,
                      (f.flags & flow_one_way) != 0, seed);
}

PCAPSCOPE_SIZE_FN std::string uid(const flow_record& f) {
  // Two independent 64-bit hashes of (key, start time) give 17 base62 digits, like Zeek's uids.
  std::uint64_t k = f.key.hash();
  auto mixer = [](std::uint64_t x) {
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    x ^= x >> 31;
    return x;
  };
  std::uint64_t a = mixer(k ^ static_cast<std::uint64_t>(f.start_ns));
  std::uint64_t b = mixer(a ^ 0x9E3779B97F4A7C15ull ^ (k << 1));
  // The 17 least significant base-62 digits of the 128-bit value a:b, least significant digit
  // last. Divided as four 32-bit limbs (64-by-32-bit steps: a 128-bit division is a library call
  // in wasm, and 17 per uid were 5 % of the wasm analysis), by 62^5 at a time: each step gives
  // five digits (4 steps instead of 17; ~1,500 instructions per uid before).
  std::uint32_t limb[4] = {static_cast<std::uint32_t>(a >> 32), static_cast<std::uint32_t>(a),
                           static_cast<std::uint32_t>(b >> 32), static_cast<std::uint32_t>(b)};
  static const char* digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  constexpr std::uint64_t pow5 = 62ull * 62 * 62 * 62 * 62;  // < 2^30: (rem << 32) | limb fits 64 bits
  std::string out(18, 'C');
  for (std::size_t i = 17; i >= 1;) {
    std::uint64_t rem = 0;
    for (auto& l : limb) {
      std::uint64_t cur = (rem << 32) | l;
      l = static_cast<std::uint32_t>(cur / pow5);
      rem = cur % pow5;
    }
    auto r = static_cast<std::uint32_t>(rem);
    for (int n = 0; n < 5 && i >= 1; ++n, --i) {
      out[i] = digits[r % 62];
      r /= 62;
    }
  }
  return out;
}

// The dissector's formatting (RFC 5952; Wireshark's "::ffff:a.b.c.d" for IPv4-mapped), so that
// logs and the packet list print an address the same way.
std::string format_address(const std::array<std::uint8_t, 16>& a, bool ipv6) {
  if (ipv6) return dissect::format_ipv6(a);
  return dissect::format_ipv4({a[0], a[1], a[2], a[3]});
}

// ---- endpoints ---------------------------------------------------------------------------

namespace {

// Hash of a 16-byte endpoint address (as two words) and its kind, mixed with multiplies (a
// byte-wise FNV loop here was the hottest function of the analysis pass: four lookups per
// packet).
std::uint64_t endpoint_hash(std::uint64_t lo, std::uint64_t hi, std::uint8_t kind) noexcept {
  std::uint64_t h = (lo ^ (std::uint64_t{kind} * 0x9E3779B97F4A7C15ull)) * 0xBF58476D1CE4E5B9ull;
  h = (h ^ hi ^ (h >> 29)) * 0x94D049BB133111EBull;
  return h ^ (h >> 31);
}

inline std::uint64_t word_at(const std::uint8_t* p) noexcept {
  std::uint64_t w;
  std::memcpy(&w, p, 8);
  return w;
}

}  // namespace

// Inlined into its callers, which give the address as words: no 16-byte key built and copied,
// no call but for a new endpoint.
[[gnu::always_inline]] inline std::uint32_t endpoint_table::find(std::vector<endpoint_stats>& v,
                                                                 std::vector<std::uint32_t>& slots,
                                                                 std::uint64_t k0, std::uint64_t k1,
                                                                 std::uint8_t kind, std::int64_t ts) {
  if (slots.empty()) [[unlikely]] return insert(v, slots, k0, k1, kind, ts);
  const std::size_t m = slots.size() - 1;
  for (std::size_t s = endpoint_hash(k0, k1, kind) & m; slots[s] != 0; s = (s + 1) & m) {
    const endpoint_stats& e = v[slots[s] - 1];
    if (word_at(e.addr.data()) == k0 && word_at(e.addr.data() + 8) == k1 && e.kind == kind) return slots[s];
  }
  return insert(v, slots, k0, k1, kind, ts);
}

[[gnu::noinline]] std::uint32_t endpoint_table::insert(std::vector<endpoint_stats>& v,
                                                       std::vector<std::uint32_t>& slots, std::uint64_t k0,
                                                       std::uint64_t k1, std::uint8_t kind, std::int64_t ts) {
  if ((v.size() + 1) * 2 > slots.size()) {
    slots.assign(std::max<std::size_t>(64, slots.size() * 2), 0);
    const std::size_t m = slots.size() - 1;
    for (std::size_t idx = 0; idx < v.size(); ++idx) {
      const auto& a = v[idx].addr;
      std::size_t s = endpoint_hash(word_at(a.data()), word_at(a.data() + 8), v[idx].kind) & m;
      while (slots[s]) s = (s + 1) & m;
      slots[s] = static_cast<std::uint32_t>(idx + 1);
    }
  }
  const std::size_t m = slots.size() - 1;
  std::size_t s = endpoint_hash(k0, k1, kind) & m;
  while (slots[s]) s = (s + 1) & m;
  endpoint_stats& e = v.emplace_back();
  std::memcpy(e.addr.data(), &k0, 8);
  std::memcpy(e.addr.data() + 8, &k1, 8);
  e.kind = kind;
  e.first_ns = ts;  // the packet that creates an endpoint is its first
  slots[s] = static_cast<std::uint32_t>(v.size());
  return slots[s];
}

namespace {

// A MAC address as one word: the 8 bytes at `p` (the address and the 2 bytes after it) with
// the last 2 cleared, equal to the first 8 bytes of the zero-padded `endpoint_stats::addr`
// holding that address. Compares it with one load instead of a 4- and a 2-byte one.
constexpr std::uint64_t mac_mask =
    util::host_is_little_endian() ? 0x0000FFFFFFFFFFFFull : 0xFFFFFFFFFFFF0000ull;

inline std::uint64_t mac_word(const std::uint8_t* p) noexcept {
  std::uint64_t w;
  std::memcpy(&w, p, 8);
  return w & mac_mask;
}

// An Ethernet header's addresses are read as `mac_word`s: the 8-byte loads stay inside
// eth_fields (destination, then source, then the 2-byte type).
static_assert(offsetof(dissect::eth_fields, dst) == 0 && offsetof(dissect::eth_fields, src) == 6 &&
              sizeof(dissect::eth_fields) >= 14);

inline std::uint64_t addr_word(const endpoint_stats& e) noexcept { return word_at(e.addr.data()); }

// An Ethernet header with both addresses, outside ICMP quotes.
inline bool usable_eth(const dissect::layer& l) noexcept {
  return l.kind == dissect::proto::eth && !(l.flags & dissect::layer_quoted) && l.captured >= 12;
}

// The first usable Ethernet header of `p`, or null.
inline const dissect::layer* mac_layer(const dissect::packet& p) noexcept {
  for (int i = 0; i < p.count; ++i) {
    if (usable_eth(p.layers[i])) return &p.layers[i];
  }
  return nullptr;
}

}  // namespace

// Out of line: once per new flow, and inlined it cost add() registers on every packet.
[[gnu::noinline]] void endpoint_table::grow_flows(std::uint32_t id) {
  // Flow ids are dense: the slots up to `id` are added, a block (4096 slots) at a time.
  while (flows_.size() <= id) flows_.emplace_back();
}

// The sender's MAC endpoint, then the receiver's (which may be the same one, or be added after
// the sender's moved the table), each the one at its hint (1-based) when that holds the
// address, else found or added by hash and remembered in the hint.
void endpoint_table::count_macs(std::uint32_t* hint, const dissect::layer& l, int src,
                                const capture::record& r, std::uint32_t new_flow) {
  const auto* eth = reinterpret_cast<const std::uint8_t*>(&l.eth);
  const std::uint64_t words[2] = {mac_word(eth + offsetof(dissect::eth_fields, src)),
                                  mac_word(eth + offsetof(dissect::eth_fields, dst))};
  for (int side = 0; side < 2; ++side) {
    std::uint32_t& h = hint[src ^ side];
    endpoint_stats* e = h != 0 ? &mac_[h - 1] : nullptr;
    if (!e || addr_word(*e) != words[side]) {
      h = find(mac_, mac_slots_, words[side], 0, 0, r.ts_ns);
      e = &mac_[h - 1];
    }
    e->last_ns = r.ts_ns;
    if (side == 0) {
      ++e->tx_packets;
      e->tx_bytes += r.origlen;
    } else {
      ++e->rx_packets;
      e->rx_bytes += r.origlen;
    }
    e->flows += new_flow;
  }
}

// Finds or adds the IP endpoints of a flow at its first packet (the tracker gives an id only
// to packets with an IP header, which the packet's summary names), sender first. The flow
// counts for both from here; its packets, through settle_ip. Out of line: once per flow.
[[gnu::noinline]] void endpoint_table::find_flow_ips(flow_slot& f, const capture::record& r,
                                                     const dissect::packet& p, const track_result& t) {
  const int src = t.from_orig ? 0 : 1;
  const std::uint32_t new_flow = t.created ? 1 : 0;
  const std::int64_t ts = r.ts_ns;
  const auto& l = p.layers[p.net];
  auto found = [&](std::uint64_t k0, std::uint64_t k1, std::uint8_t kind) {
    const std::uint32_t i = find(ip_, ip_slots_, k0, k1, kind, ts);
    ip_[i - 1].flows += new_flow;
    return i;
  };
  auto v4 = [](const std::array<std::uint8_t, 4>& a) {
    std::uint64_t w = 0;  // the address zero-padded to 8 bytes, as in endpoint_stats::addr
    std::memcpy(&w, a.data(), 4);
    return w;
  };
  if (l.kind == dissect::proto::ip) {
    f.ip[src] = found(v4(l.ip.src), 0, 4);
    f.ip[src ^ 1] = found(v4(l.ip.dst), 0, 4);
  } else {
    f.ip[src] = found(word_at(l.ipv6.src.data()), word_at(l.ipv6.src.data() + 8), 6);
    f.ip[src ^ 1] = found(word_at(l.ipv6.dst.data()), word_at(l.ipv6.dst.data() + 8), 6);
  }
  ip_last_seq_.resize(ip_.size());
}

inline void endpoint_table::count_flow(flow_slot& f, const capture::record& r, int src) noexcept {
  f.bytes[src] += r.origlen;
  ++f.packets[src];
  f.last_seq = ++seq_;
  f.last_ns = r.ts_ns;
  ip_stale_ = true;
}

// A packet `add` does not take on its straight path: one without a flow, one whose flow has
// no slot yet, or one whose MAC hints do not both hold its addresses.
[[gnu::noinline]] void endpoint_table::add_general(const capture::record& r, const dissect::packet& p,
                                                   const track_result& t) {
  const int src = t.from_orig ? 0 : 1;
  const std::uint32_t new_flow = t.created ? 1 : 0;
  if (t.id == 0) {
    ++seq_;
    std::uint32_t no_hints[2] = {0, 0};
    if (const dissect::layer* l = mac_layer(p)) count_macs(no_hints, *l, src, r, new_flow);
    return;
  }
  if (t.id >= flows_.size()) {  // `add` did not count it: the flow has no slot yet
    grow_flows(t.id);
    count_flow(flows_[t.id], r, src);
  }
  // Counted in the flow's slot, by `add` or above.
  auto& f = flows_[t.id];
  if (const dissect::layer* l = mac_layer(p)) count_macs(f.mac, *l, src, r, new_flow);
  if (f.ip[0] == 0 && p.net != dissect::packet::no_layer) find_flow_ips(f, r, p, t);
}

// The straight path, for a packet of a flow with a slot whose MAC hints hold its addresses:
// no call but in tail position, so that it saves no registers. Everything else goes through
// add_general, which does the same by hash where the hints fail. A flow's first packet always
// does (its slot's hints are still 0), and finds the flow's IP endpoints there: so here the
// packet neither starts its flow nor has IP endpoints to find.
void endpoint_table::add(const capture::record& r, const dissect::packet& p, const track_result& t) {
  if (t.id == 0 || t.id >= flows_.size()) [[unlikely]] return add_general(r, p, t);
  const std::int64_t ts = r.ts_ns;
  const std::uint64_t len = r.origlen;
  const int src = t.from_orig ? 0 : 1;
  // A packet of a flow counts only in the flow's slot: its IP endpoints are the flow key's
  // addresses, the same for every packet, so settle_ip adds the slots up when the IP endpoints
  // are read. Updating both endpoints per packet (two hints, two records of 80 bytes) cost ~35
  // instructions per packet of the bench capture (callgrind), and two more cache lines.
  auto& f = flows_[t.id];
  count_flow(f, r, src);
  // MAC endpoints: the flow's previous packets found them at the indices in `f.mac` (slot 0
  // the originator's side): using them, after checking the addresses (which may change within
  // a flow), replaces hashing and probing. The straight path takes an Ethernet header that is
  // the first layer (a packet with a flow has an IP layer, so the stack is not empty).
  const auto& l = p.layers[0];
  if (!usable_eth(l)) [[unlikely]] return add_general(r, p, t);
  const auto* eth = reinterpret_cast<const std::uint8_t*>(&l.eth);
  const std::uint32_t hs = f.mac[src], hd = f.mac[src ^ 1];
  if (hs == 0 || hd == 0) [[unlikely]] return add_general(r, p, t);
  auto& s = mac_[std::size_t{hs} - 1];
  auto& d = mac_[std::size_t{hd} - 1];
  if (addr_word(s) != mac_word(eth + offsetof(dissect::eth_fields, src)) ||
      addr_word(d) != mac_word(eth + offsetof(dissect::eth_fields, dst))) [[unlikely]] {
    return add_general(r, p, t);
  }
  s.last_ns = ts;
  ++s.tx_packets;
  s.tx_bytes += len;
  d.last_ns = ts;
  ++d.rx_packets;
  d.rx_bytes += len;
}

void endpoint_table::settle_ip() const noexcept {
  for (auto& e : ip_) e.tx_packets = e.rx_packets = e.tx_bytes = e.rx_bytes = 0;
  std::fill(ip_last_seq_.begin(), ip_last_seq_.end(), 0);
  for (std::size_t i = 0; i < flows_.size(); ++i) {
    const auto& f = flows_[i];
    if (f.ip[0] == 0) continue;
    for (int d = 0; d < 2; ++d) {
      auto& e = ip_[f.ip[d] - 1];
      e.tx_packets += f.packets[d];
      e.tx_bytes += f.bytes[d];
      e.rx_packets += f.packets[d ^ 1];
      e.rx_bytes += f.bytes[d ^ 1];
      // The endpoint's last packet is the last one of its flows.
      auto& seq = ip_last_seq_[f.ip[d] - 1];
      if (f.last_seq > seq) {
        seq = f.last_seq;
        e.last_ns = f.last_ns;
      }
    }
  }
  ip_stale_ = false;
}

std::size_t endpoint_table::memory_bytes() const noexcept {
  return (ip_.capacity() + mac_.capacity()) * sizeof(endpoint_stats) + ip_last_seq_.capacity() * 8 +
         (ip_slots_.capacity() + mac_slots_.capacity()) * 4 + flows_.memory();
}

}  // namespace pcapscope::flow
