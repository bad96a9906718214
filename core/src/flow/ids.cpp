// Flow identifiers and formatting: Community ID v1, deterministic uids, address text, and the
// IP/MAC endpoint tables (see flow/flow.hpp).
#include <algorithm>
#include <cstring>

#include "pcapscope/dissect/fields.hpp"
#include "pcapscope/flow/flow.hpp"
#include "pcapscope/util/sha1.hpp"

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

std::string uid(const flow_record& f) {
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

// Hash of a 16-byte endpoint address and its kind: two 64-bit words mixed with multiplies
// (a byte-wise FNV loop here was the hottest function of the analysis pass: four lookups per
// packet).
std::uint64_t endpoint_hash(const std::array<std::uint8_t, 16>& a, std::uint8_t kind) noexcept {
  std::uint64_t lo, hi;
  std::memcpy(&lo, a.data(), 8);
  std::memcpy(&hi, a.data() + 8, 8);
  std::uint64_t h = (lo ^ (std::uint64_t{kind} * 0x9E3779B97F4A7C15ull)) * 0xBF58476D1CE4E5B9ull;
  h = (h ^ hi ^ (h >> 29)) * 0x94D049BB133111EBull;
  return h ^ (h >> 31);
}

}  // namespace

endpoint_stats& endpoint_table::find(std::vector<endpoint_stats>& v, std::vector<std::uint32_t>& slots,
                                     const std::array<std::uint8_t, 16>& key, std::uint8_t kind, std::int64_t ts) {
  if ((v.size() + 1) * 2 > slots.size()) {
    slots.assign(std::max<std::size_t>(64, slots.size() * 2), 0);
    std::size_t m = slots.size() - 1;
    for (std::size_t idx = 0; idx < v.size(); ++idx) {
      std::size_t s = endpoint_hash(v[idx].addr, v[idx].kind) & m;
      while (slots[s]) s = (s + 1) & m;
      slots[s] = static_cast<std::uint32_t>(idx + 1);
    }
  }
  std::uint64_t k0, k1;
  std::memcpy(&k0, key.data(), 8);
  std::memcpy(&k1, key.data() + 8, 8);
  std::size_t m = slots.size() - 1;
  std::size_t s = endpoint_hash(key, kind) & m;
  while (slots[s]) {
    auto& e = v[slots[s] - 1];
    std::uint64_t e0, e1;
    std::memcpy(&e0, e.addr.data(), 8);
    std::memcpy(&e1, e.addr.data() + 8, 8);
    if (e.kind == kind && e0 == k0 && e1 == k1) return e;
    s = (s + 1) & m;
  }
  v.emplace_back();
  v.back().addr = key;
  v.back().kind = kind;
  v.back().first_ns = ts;  // the packet that creates an endpoint is its first
  slots[s] = static_cast<std::uint32_t>(v.size());
  return v.back();
}

namespace {

// The endpoint of address `a` (N bytes) and `kind`: the one at `hint` (1-based) when it holds
// that address, else found (or added) by hash, and remembered in `hint`. A constant N lets the
// address comparison compile to one or two loads; the kind needs no test, as a table holds one
// kind per address length.
template <std::size_t N, typename Find>
[[gnu::always_inline]] inline endpoint_stats& hinted(std::vector<endpoint_stats>& v, std::uint32_t& hint,
                                                     const std::uint8_t* a, std::uint8_t kind, Find&& find) {
  if (hint != 0) {
    auto& e = v[hint - 1];
    if (std::memcmp(e.addr.data(), a, N) == 0) return e;
  }
  std::array<std::uint8_t, 16> key{};
  std::memcpy(key.data(), a, N);
  auto& e = find(key, kind);
  hint = static_cast<std::uint32_t>(&e - v.data()) + 1;
  return e;
}

}  // namespace

// Out of line: once per new flow, and inlined it cost add() registers on every packet.
[[gnu::noinline]] void endpoint_table::grow_flows(std::uint32_t id) {
  // Flow ids are dense: the slots up to `id` are added, a block (4096 slots) at a time.
  while (flows_.size() <= id) flows_.emplace_back();
}

void endpoint_table::add(const capture::record& r, const dissect::packet& p, const track_result& t) {
  const std::int64_t ts = r.ts_ns;
  const std::uint64_t len = r.origlen;
  const std::uint32_t new_flow = t.created ? 1 : 0;
  const int src = t.from_orig ? 0 : 1;
  ++seq_;
  // A packet of a flow counts only in the flow's slot: its IP endpoints are the flow key's
  // addresses, the same for every packet, so settle_ip adds the slots up when the IP endpoints
  // are read. Updating both endpoints per packet (two hints, two records of 80 bytes) cost ~35
  // instructions per packet of the bench capture (callgrind), and two more cache lines.
  flow_slot* f = nullptr;
  // The flow's previous packets found its MAC endpoints at these indices: using them (after
  // checking the address, which may change within a flow) replaces hashing and probing. Slot
  // 0 is the originator's side, 1 the responder's.
  std::uint32_t scratch[2] = {0, 0};
  std::uint32_t* mac_hint = scratch;
  if (t.id != 0) {
    if (t.id >= flows_.size()) grow_flows(t.id);
    f = &flows_[t.id];
    f->bytes[src] += len;
    ++f->packets[src];
    f->last_seq = seq_;
    f->last_ns = ts;
    mac_hint = f->mac;
    ip_stale_ = true;
  }
  auto tx = [&](endpoint_stats& e) {
    e.last_ns = ts;
    ++e.tx_packets;
    e.tx_bytes += len;
    e.flows += new_flow;
  };
  auto rx = [&](endpoint_stats& e) {
    e.last_ns = ts;
    ++e.rx_packets;
    e.rx_bytes += len;
    e.flows += new_flow;
  };
  // MAC endpoints: the first Ethernet header outside ICMP quotes with both addresses.
  for (int i = 0; i < p.count; ++i) {
    const auto& l = p.layers[i];
    if (l.kind != dissect::proto::eth || (l.flags & dissect::layer_quoted) || l.captured < 12) continue;
    auto find_mac = [&](const std::array<std::uint8_t, 16>& key, std::uint8_t kind) -> endpoint_stats& {
      return find(mac_, mac_slots_, key, kind, ts);
    };
    tx(hinted<6>(mac_, mac_hint[src], l.eth.src.data(), 0, find_mac));
    rx(hinted<6>(mac_, mac_hint[src ^ 1], l.eth.dst.data(), 0, find_mac));
    break;
  }
  if (!f || f->ip[0] != 0 || p.net == dissect::packet::no_layer) return;
  // The flow's first packet (the tracker gives an id only to packets with an IP header, which
  // the packet's summary names): find or add its IP endpoints, sender first. The flow counts
  // for both from here; its packets, through settle_ip.
  const auto& l = p.layers[p.net];
  auto found = [&](const std::uint8_t* a, std::size_t n, std::uint8_t kind) {
    std::array<std::uint8_t, 16> key{};
    std::memcpy(key.data(), a, n);
    auto& e = find(ip_, ip_slots_, key, kind, ts);
    e.flows += new_flow;
    return static_cast<std::uint32_t>(&e - ip_.data()) + 1;
  };
  if (l.kind == dissect::proto::ip) {
    f->ip[src] = found(l.ip.src.data(), 4, 4);
    f->ip[src ^ 1] = found(l.ip.dst.data(), 4, 4);
  } else {
    f->ip[src] = found(l.ipv6.src.data(), 16, 6);
    f->ip[src ^ 1] = found(l.ipv6.dst.data(), 16, 6);
  }
  ip_last_seq_.resize(ip_.size());
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
