// The statistics collector: per-packet accounting for the protocol hierarchy, time series,
// endpoints, per-flow totals and packet sizes (see stats/stats.hpp and docs/statistics.md).
#include <algorithm>
#include <bit>
#include <cstring>
#include <map>

#include "pcapscope/stats/stats.hpp"

namespace pcapscope::stats {

namespace {

using dissect::proto;

// tshark's io,phs name of a layer, or "" when tshark shows no protocol item for it (IPv6
// extension headers are subtrees of ipv6; NFLOG's header is not a top-level item).
std::string_view phs_name(proto p) noexcept {
  switch (p) {
    case proto::ipv6_ext: case proto::nflog: case proto::none: case proto::count_: return {};
    case proto::sll2: return "sll";
    case proto::pwach: return "pwethcw";
    default: return dissect::proto_name(p);
  }
}

constexpr std::uint32_t plen_low[plen_bins] = {0, 20, 40, 80, 160, 320, 640, 1280, 2560, 5120};

// Bins 1-8 start at 20 * 2^(i-1): the bin is the bit width of len / 20 (no loop over the bins).
std::size_t plen_bin(std::uint32_t len) noexcept {
  std::size_t i = static_cast<std::size_t>(std::bit_width(len / 20));
  return i < plen_bins - 1 ? i : plen_bins - 1;
}

// True when layer `i` (an IPv4 header or an IPv6 fragment header) is a fragment of a datagram
// this packet did not complete: the dissector either stopped after it (a later fragment) or
// went on into the first fragment's transport header, which then starts after it in the same
// bytes. A packet that completed a datagram carries the reassembled transport instead, whose
// layers start at offset 0 of the datagram.
bool unreassembled_fragment(const dissect::packet& p, std::size_t i) noexcept {
  const auto& l = p.layers[i];
  bool frag = false;
  if (l.kind == proto::ip) frag = (l.ip.flags & 0x1) || l.ip.frag_offset != 0;
  else if (l.kind == proto::ipv6_ext) frag = l.ipv6_ext.type == 44 && (l.ipv6_ext.more_fragments || l.ipv6_ext.frag_offset != 0);
  if (!frag) return false;
  if (i + 1 >= p.count) return true;
  return p.layers[i + 1].offset > l.offset;
}

series_class class_of(const dissect::packet& p) noexcept {
  for (std::size_t i = p.count; i-- > 0;) {
    const auto& l = p.layers[i];
    if (l.flags & dissect::layer_quoted) continue;
    switch (l.kind) {
      case proto::tcp: return series_class::tcp;
      case proto::udp: return series_class::udp;
      case proto::icmp: case proto::icmpv6: return series_class::icmp;
      default: break;
    }
  }
  return series_class::other;
}

// Raw IP link types (101, 12, 14): Wireshark's "raw" dissector shows an item of its own before
// ip/ipv6.
bool raw_link(std::uint32_t link_type) noexcept {
  switch (link_type) {
    case 12: case 14: case 101: return true;
    default: return false;
  }
}

// Memo of protocol paths (collector::phs_classify). Everything phs_walk and class_of look at is
// in the signature: per layer its kind, whether it is quoted, and the one field that matters
// for some kinds (an 802.1ad tag, a fragment not reassembled); then the layer count, the link
// type (raw IP shows an item of its own), whether there is payload, whether the last layer is
// UDP on the L2TP port, and the application name. Stacks deeper than memo_layers, and more
// distinct signatures or names than the caps, take phs_walk every time.
constexpr std::size_t memo_layers = 16;
constexpr std::size_t memo_max = 1024;
constexpr std::size_t apps_max = 64;
constexpr std::uint32_t memo_valid = 0x80000000u;
// `extra`: the layer count (bits 0-4), the L2TP port (0x20), payload (0x80), the application
// key (bits 8-14), the link type (bits 15-30) and memo_valid.
constexpr std::uint32_t memo_l2tp_port = 0x20u;
static_assert(memo_layers < memo_l2tp_port, "the layer count must stay below the flag bits of `extra`");
static_assert(apps_max < 128, "an application key must fit in 7 bits of `extra`");
static_assert(static_cast<std::size_t>(proto::count_) <= 64, "a layer kind must fit in 6 bits of its signature byte");

// The signature byte of layer `l`: the kind and the quoted flag.
inline std::uint64_t plain_layer_byte(const dissect::layer& l) noexcept {
  return static_cast<std::uint8_t>(l.kind) | ((l.flags & dissect::layer_quoted) << 6);
}

// The signature byte of a layer of a packet without fragments (not `irregular`), whose only
// field bit can be an 802.1ad tag's.
inline std::uint64_t regular_layer_byte(const dissect::layer& l) noexcept {
  std::uint64_t b = plain_layer_byte(l);
  if (l.kind == proto::vlan && l.vlan.tpid == 0x88a8) b |= 0x80;
  return b;
}

// The signature byte of layer `i` with its field bit: an 802.1ad tag, or a fragment (IPv4
// header, IPv6 fragment header) this packet did not complete.
inline std::uint64_t layer_byte(const dissect::packet& p, std::size_t i) noexcept {
  const auto& l = p.layers[i];
  std::uint64_t b = plain_layer_byte(l);
  bool bit = false;
  if (l.kind == proto::vlan) bit = l.vlan.tpid == 0x88a8;
  else if (l.kind == proto::ip || l.kind == proto::ipv6_ext) bit = unreassembled_fragment(p, i);
  return bit ? b | 0x80 : b;
}

std::size_t memo_slot(std::uint64_t s0, std::uint64_t s1, std::uint32_t extra, int shift) noexcept {
  std::uint64_t x = s0 ^ ((s1 << 29) | (s1 >> 35)) ^ (std::uint64_t{extra} << 17);
  return static_cast<std::size_t>((x * 0x9E3779B97F4A7C15ull) >> shift);
}

// A name of at most 7 bytes as one number (its bytes, then its length in the top byte), so that
// equal numbers mean equal names; 0 for longer names. The bytes come from at most three loads
// (overlapping ones write the same bytes).
std::uint64_t app_word(std::string_view s) noexcept {
  const std::size_t n = s.size();
  const auto* d = reinterpret_cast<const std::uint8_t*>(s.data());
  std::uint64_t w;
  if (n > 7) return 0;
  if (n >= 4) {
    std::uint32_t lo, hi;
    std::memcpy(&lo, d, 4);
    std::memcpy(&hi, d + n - 4, 4);
    w = lo | (std::uint64_t{hi} << (8 * (n - 4)));
  } else if (n > 0) {
    w = d[0] | (std::uint64_t{d[n / 2]} << (8 * (n / 2))) | (std::uint64_t{d[n - 1]} << (8 * (n - 1)));
  } else {
    w = 0;
  }
  return w | (std::uint64_t{n} << 56);
}

}  // namespace

std::string_view series_class_name(series_class c) noexcept {
  switch (c) {
    case series_class::tcp: return "tcp";
    case series_class::udp: return "udp";
    case series_class::icmp: return "icmp";
    case series_class::other: case series_class::count_: break;
  }
  return "other";
}

std::uint32_t plen_bin_low(std::size_t i) noexcept { return i < plen_bins ? plen_low[i] : 0; }

collector::collector(const flow::flow_tracker* flows, const flow::endpoint_table* endpoints)
    : flows_(flows), shared_endpoints_(endpoints) {
  nodes_.reserve(64);
  nodes_.emplace_back();  // the root
  phs_end_.reserve(64);
  phs_end_.push_back({});
  names_.reserve(64);
  names_.emplace_back();  // name 0: none
  for (std::size_t i = 0; i < proto_name_.size(); ++i) {
    auto n = phs_name(static_cast<proto>(i));
    proto_name_[i] = n.empty() ? 0 : intern(n);
  }
  ieee8021ad_ = intern("ieee8021ad");
  wlan_radio_ = intern("wlan_radio");
  data_ = intern("data");
  raw_ = intern("raw");
  buckets_.reserve(series_stride * 1024);
}

std::uint16_t collector::intern(std::string_view name) {
  for (std::size_t i = 1; i < names_.size(); ++i) {
    if (names_[i] == name) return static_cast<std::uint16_t>(i);
  }
  if (names_.size() >= phs_max_names) return 0;
  names_.emplace_back(name);
  return static_cast<std::uint16_t>(names_.size() - 1);
}

std::uint32_t collector::child(std::uint32_t parent, std::uint16_t name) {
  std::uint32_t last = 0;
  for (std::uint32_t c = nodes_[parent].first_child; c != 0; c = nodes_[c].next_sibling) {
    if (nodes_[c].name == name) return c;
    last = c;
  }
  if (nodes_.size() >= phs_max_nodes) return 0;
  auto id = static_cast<std::uint32_t>(nodes_.size());
  phs_node n;
  n.parent = parent;
  n.name = name;
  n.depth = static_cast<std::uint16_t>(nodes_[parent].depth + 1);
  nodes_.push_back(n);
  phs_end_.push_back({});
  if (last) nodes_[last].next_sibling = id;
  else nodes_[parent].first_child = id;
  return id;
}

const std::vector<phs_node>& collector::phs() const noexcept {
  if (phs_dirty_) {
    // Children come after their parents: one backward pass adds each node's totals to its parent.
    for (std::size_t i = 0; i < nodes_.size(); ++i) {
      nodes_[i].frames = phs_end_[i][0];
      nodes_[i].bytes = phs_end_[i][1];
    }
    for (std::size_t i = nodes_.size(); i-- > 1;) {
      nodes_[nodes_[i].parent].frames += nodes_[i].frames;
      nodes_[nodes_[i].parent].bytes += nodes_[i].bytes;
    }
    phs_dirty_ = false;
  }
  return nodes_;
}

// The path of a packet as tshark's io,phs shows it, walked from the root (adding nodes). `app`
// is the application name (empty: none); `e` its entry in apps_ (null: the table was full).
collector::phs_leaf collector::phs_walk(const capture::record& r, const dissect::packet& p, std::string_view app,
                                        app_entry* e) {
  std::array<std::uint16_t, phs_max_depth> path;
  std::size_t n = 0;
  auto add = [&](std::uint16_t name) {
    if (name != 0 && n < path.size()) path[n++] = name;
  };
  phs_leaf leaf;
  bool payload_is_data = p.payload_length > 0;
  if (raw_link(r.link_type)) add(raw_);
  const dissect::layer* last = nullptr;  // the last layer shown (null after a fragment)
  for (std::size_t i = 0; i < p.count; ++i) {
    const auto& l = p.layers[i];
    if (l.flags & dissect::layer_quoted) break;  // inside an ICMP error: part of the icmp item
    if (l.kind == proto::vlan && l.vlan.tpid == 0x88a8) {
      add(ieee8021ad_);
    } else {
      add(proto_name_[static_cast<std::size_t>(l.kind)]);
      if (l.kind == proto::radiotap) add(wlan_radio_);
    }
    if (unreassembled_fragment(p, i)) {  // tshark: the fragment's bytes are "data"
      payload_is_data = true;
      app = {};
      last = nullptr;
      break;
    }
    last = &l;
  }
  // L2TP control messages (and L2TP versions the dissector does not follow) end the layer stack
  // at UDP; tshark still shows an l2tp item for everything on port 1701.
  if (app.empty() && payload_is_data && last && last == &p.layers[p.count - 1] && last->kind == proto::udp &&
      (last->udp.sport == 1701 || last->udp.dport == 1701)) {
    add(proto_name_[static_cast<std::size_t>(proto::l2tp)]);
    payload_is_data = false;
  }
  // Bytes after these are not a payload tshark shows as "data": ARP's trailer, ESP's encrypted
  // body, the rest of a PIM or IGMP message.
  if (last && (last->kind == proto::arp || last->kind == proto::esp || last->kind == proto::pim ||
               last->kind == proto::igmp)) {
    payload_is_data = false;
  }
  if (!app.empty()) {
    // The name is interned when a path first shows it (a fragment's does not).
    std::uint16_t id;
    if (e) {
      if (!e->resolved) {
        e->id = intern(app);
        e->resolved = true;
      }
      id = e->id;
    } else {
      id = intern(app);
    }
    if (id == 0) ++leaf.capped;
    add(id);
  } else if (payload_is_data) {
    add(data_);
  }
  std::uint32_t node = 0;
  for (std::size_t k = 0; k < n; ++k) {
    std::uint32_t c = child(node, path[k]);
    if (c == 0) {
      ++leaf.capped;
      break;
    }
    node = c;
  }
  leaf.node = node;
  leaf.cls = static_cast<std::uint8_t>(class_of(p));
  return leaf;
}

// The entry of an application name, added if new (null when the table is full).
[[gnu::always_inline]] inline collector::app_entry* collector::app_of(std::string_view app) {
  const std::uint64_t w = app_word(app);
  if (w != 0) {
    for (std::size_t i = 0; i < app_words_.size(); ++i) {
      if (app_words_[i] == w) return &apps_[i];
    }
  } else {
    for (auto& e : apps_) {
      if (e.name == app) return &e;
    }
  }
  if (apps_.size() >= apps_max) return nullptr;
  apps_.push_back({std::string(app), 0, false});
  app_words_.push_back(w);
  return &apps_.back();
}

// Consecutive packets rarely share their whole path, but a capture has few distinct layer
// stacks: the path's end (and the series class) is memoized per stack signature, and a packet
// counts only at that node (phs() sums the rest). Walking the path per packet cost ~360
// instructions per packet; on_packet as a whole went from ~550 to ~340 (callgrind, 100,000
// packets of the bench capture).
[[gnu::always_inline]] inline collector::phs_leaf collector::phs_classify(const capture::record& r,
                                                                          const dissect::packet& p,
                                                                          std::string_view app) {
  app_entry* e = nullptr;
  std::uint32_t akey = 0;
  if (!app.empty()) {
    e = app_of(app);
    if (!e) return phs_walk(r, p, app, nullptr);
    akey = static_cast<std::uint32_t>(e - apps_.data()) + 1;
  }
  const std::size_t n = p.count;
  if (n > memo_layers) return phs_walk(r, p, app, e);
  std::uint64_t s0 = 0, s1 = 0;  // bytes of layers 0-7, 8-15 (the count is in `extra`)
  const std::size_t n0 = n < 8 ? n : 8;
  // Fragments make the packet `irregular` in its summary: without that, a layer byte's field
  // bit can only be an 802.1ad tag's, and IP and UDP layers need no look at their fields (the
  // signature went from ~90 to ~65 instructions per packet of the bench capture, callgrind).
  std::size_t i = 0;
  if (p.irregular) {
    for (; i < n0; ++i) s0 = (s0 << 8) | layer_byte(p, i);
    for (; i < n; ++i) s1 = (s1 << 8) | layer_byte(p, i);
  } else {
    for (; i < n0; ++i) s0 = (s0 << 8) | regular_layer_byte(p.layers[i]);
    for (; i < n; ++i) s1 = (s1 << 8) | regular_layer_byte(p.layers[i]);
  }
  // phs_walk looks at UDP ports only for the last layer (L2TP control messages).
  bool l2tp_port = false;
  if (n > 0 && p.layers[n - 1].kind == proto::udp) {
    const auto& u = p.layers[n - 1].udp;
    l2tp_port = u.sport == 1701 || u.dport == 1701;
  }
  // The link type itself rather than whether it is raw IP: a shift instead of raw_link's tests.
  const std::uint32_t extra = memo_valid | static_cast<std::uint32_t>(n) | (l2tp_port ? memo_l2tp_port : 0u) |
                              (p.payload_length > 0 ? 0x80u : 0u) | (akey << 8) |
                              (std::uint32_t{r.link_type} << 15);
  if (!memo_.empty()) {
    const std::size_t mask = memo_.size() - 1;
    for (std::size_t s = memo_slot(s0, s1, extra, memo_shift_);; s = (s + 1) & mask) {
      const phs_memo& m = memo_[s];
      if (m.extra == 0) break;
      if (m.extra == extra && m.sig[0] == s0 && m.sig[1] == s1) return m.leaf;
    }
  }
  phs_memo m;
  m.sig[0] = s0;
  m.sig[1] = s1;
  m.extra = extra;
  m.leaf = phs_walk(r, p, app, e);
  phs_memo_insert(m);
  return m.leaf;
}

void collector::phs_memo_insert(const phs_memo& m) {
  if (memo_used_ >= memo_max) return;
  if ((memo_used_ + 1) * 2 > memo_.size()) {
    std::vector<phs_memo> old;
    old.swap(memo_);
    memo_.resize(std::max<std::size_t>(64, old.size() * 2));
    memo_shift_ = 64 - std::countr_zero(memo_.size());
    memo_used_ = 0;
    for (const auto& o : old) {
      if (o.extra != 0) phs_memo_insert(o);
    }
  }
  const std::size_t mask = memo_.size() - 1;
  std::size_t s = memo_slot(m.sig[0], m.sig[1], m.extra, memo_shift_);
  while (memo_[s].extra != 0) s = (s + 1) & mask;
  memo_[s] = m;
  ++memo_used_;
}

void collector::coarsen() {
  std::size_t n = buckets_.size() / series_stride;
  std::size_t m = (n + 1) / 2;
  for (std::size_t i = 0; i < m; ++i) {
    for (std::size_t k = 0; k < series_stride; ++k) {
      std::uint64_t v = buckets_[2 * i * series_stride + k];
      if (2 * i + 1 < n) v += buckets_[(2 * i + 1) * series_stride + k];
      buckets_[i * series_stride + k] = v;
    }
  }
  buckets_.resize(m * series_stride);
  fine_ns_ *= 2;
}

// Inlined into on_packet (a call with its spills was half of its cost); series_grow makes room.
inline void collector::series_add(std::int64_t ts, std::uint32_t len, series_class c) {
  // Unsigned difference: spans beyond int64 (hostile timestamps) still index correctly.
  std::uint64_t rel = ts > series_t0_ ? static_cast<std::uint64_t>(ts) - static_cast<std::uint64_t>(series_t0_) : 0;
  // Consecutive packets mostly fall in the bucket of the one before: checking that bucket's
  // range first saves nearly every packet the 64-bit division (one instruction, but tens of
  // cycles).
  std::uint64_t idx = cur_bucket_;
  if (rel - cur_lo_ >= cur_width_) {
    idx = rel / static_cast<std::uint64_t>(fine_ns_);
    if (idx >= series_max_buckets || buckets_.size() < (static_cast<std::size_t>(idx) + 1) * series_stride) {
      idx = series_grow(rel);
    }
    cur_bucket_ = idx;
    cur_lo_ = idx * static_cast<std::uint64_t>(fine_ns_);
    cur_width_ = static_cast<std::uint64_t>(fine_ns_);
  }
  std::uint64_t* b = buckets_.data() + static_cast<std::size_t>(idx) * series_stride;  // idx < series_max_buckets
  b[0] += 1;
  b[1] += len;
  auto k = static_cast<std::size_t>(c);
  b[2 + 2 * k] += 1;
  b[3 + 2 * k] += len;
}

std::uint64_t collector::series_grow(std::uint64_t rel) {
  std::uint64_t idx = rel / static_cast<std::uint64_t>(fine_ns_);
  while (idx >= series_max_buckets) {
    coarsen();
    idx = rel / static_cast<std::uint64_t>(fine_ns_);
  }
  auto at = static_cast<std::size_t>(idx) * series_stride;
  if (buckets_.size() < at + series_stride) buckets_.resize(at + series_stride, 0);
  return idx;
}

void collector::on_packet(const capture::record& r, const dissect::packet& p, const flow::track_result& t,
                          std::string_view app) {
  ++packets_;
  bytes_ += r.origlen;
  finished_ = false;
  const phs_leaf leaf = phs_classify(r, p, app);
  if (r.has_timestamp) {
    if (!have_time_) {
      have_time_ = true;
      first_ns_ = last_ns_ = series_t0_ = r.ts_ns;
    }
    first_ns_ = std::min(first_ns_, r.ts_ns);
    last_ns_ = std::max(last_ns_, r.ts_ns);
    series_add(r.ts_ns, r.origlen, static_cast<series_class>(leaf.cls));
  }
  auto& end = phs_end_[leaf.node];
  ++end[0];
  end[1] += r.origlen;
  phs_capped_ += leaf.capped;
  phs_dirty_ = true;
  if (!shared_endpoints_) endpoints_.add(r, p, t);
  auto bin = plen_bin(r.origlen);
  if (plen_.count[bin] == 0 || r.origlen < plen_.min[bin]) plen_.min[bin] = r.origlen;
  if (r.origlen > plen_.max[bin]) plen_.max[bin] = r.origlen;
  ++plen_.count[bin];
  plen_.bytes[bin] += r.origlen;
}

void collector::finish() {
  if (finished_) return;
  finished_ = true;
  ports_.clear();
  services_.clear();
  if (!flows_) return;
  struct acc {
    port_stats s;
    std::array<std::uint64_t, static_cast<std::size_t>(flow::service::count_)> svc{};
  };
  std::map<std::uint32_t, acc> by_port;  // (proto << 16) | port
  std::array<port_stats, static_cast<std::size_t>(flow::service::count_)> by_svc{};
  // The endpoint table keeps every flow's frame bytes and packets.
  const flow::endpoint_table& table = shared_endpoints_ ? *shared_endpoints_ : endpoints_;
  for (std::uint32_t id = 1; id <= flows_->size(); ++id) {
    const std::uint64_t packets = table.flow_packets(id);
    if (packets == 0) continue;
    const std::uint64_t bytes = table.flow_bytes(id);
    const auto& f = flows_->get(id);
    std::size_t svc = f.svc < by_svc.size() ? f.svc : 0;
    auto& sv = by_svc[svc];
    ++sv.flows;
    sv.packets += packets;
    sv.bytes += bytes;
    std::uint8_t pr = f.proto();
    if (pr != flow::ip_proto_tcp && pr != flow::ip_proto_udp && pr != flow::ip_proto_sctp) continue;
    auto& a = by_port[(std::uint32_t{pr} << 16) | f.port(1)];
    a.s.ip_proto = pr;
    a.s.port = f.port(1);
    ++a.s.flows;
    a.s.packets += packets;
    a.s.bytes += bytes;
    ++a.svc[svc];
  }
  auto by_bytes = [](const port_stats& a, const port_stats& b) {
    if (a.bytes != b.bytes) return a.bytes > b.bytes;
    if (a.packets != b.packets) return a.packets > b.packets;
    if (a.ip_proto != b.ip_proto) return a.ip_proto < b.ip_proto;
    if (a.port != b.port) return a.port < b.port;
    return a.service < b.service;
  };
  for (auto& [key, a] : by_port) {
    std::size_t best = 0;
    for (std::size_t s = 1; s < a.svc.size(); ++s) {
      if (a.svc[s] > a.svc[best] || (best == 0 && a.svc[s] > 0)) best = s;
    }
    a.s.service = std::string(flow::service_name(static_cast<flow::service>(best)));
    ports_.push_back(std::move(a.s));
  }
  std::sort(ports_.begin(), ports_.end(), by_bytes);
  for (std::size_t s = 0; s < by_svc.size(); ++s) {
    if (by_svc[s].flows == 0) continue;
    by_svc[s].service = std::string(flow::service_name(static_cast<flow::service>(s)));
    services_.push_back(by_svc[s]);
  }
  std::sort(services_.begin(), services_.end(), by_bytes);
}

time_series collector::series(std::int64_t bucket_ns) const {
  time_series out;
  std::int64_t w = std::max(bucket_ns, fine_ns_);
  std::int64_t k = w / fine_ns_ + (w % fine_ns_ != 0 ? 1 : 0);  // round up without overflow
  if (k > (std::int64_t{1} << 62) / fine_ns_) k = (std::int64_t{1} << 62) / fine_ns_;
  out.start_ns = series_t0_;
  out.bucket_ns = k * fine_ns_;
  std::size_t fine = buckets_.size() / series_stride;
  auto kk = static_cast<std::size_t>(k);
  std::size_t n = fine == 0 ? 0 : (fine + kk - 1) / kk;
  out.packets.assign(n, 0);
  out.bytes.assign(n, 0);
  for (std::size_t c = 0; c < out.class_packets.size(); ++c) {
    out.class_packets[c].assign(n, 0);
    out.class_bytes[c].assign(n, 0);
  }
  for (std::size_t i = 0; i < fine; ++i) {
    const std::uint64_t* b = buckets_.data() + i * series_stride;
    std::size_t j = i / kk;
    out.packets[j] += b[0];
    out.bytes[j] += b[1];
    for (std::size_t c = 0; c < out.class_packets.size(); ++c) {
      out.class_packets[c][j] += b[2 + 2 * c];
      out.class_bytes[c][j] += b[3 + 2 * c];
    }
  }
  return out;
}

namespace {

std::vector<std::size_t> top_by(const std::vector<talker>& v, std::size_t n, bool bytes_first) {
  std::vector<std::size_t> idx(v.size());
  for (std::size_t i = 0; i < idx.size(); ++i) idx[i] = i;
  auto key = [&](std::size_t i, bool bytes) {
    return bytes ? v[i].tx_bytes + v[i].rx_bytes : v[i].tx_packets + v[i].rx_packets;
  };
  auto less = [&](std::size_t a, std::size_t b) {
    auto a1 = key(a, bytes_first), b1 = key(b, bytes_first);
    if (a1 != b1) return a1 > b1;
    auto a2 = key(a, !bytes_first), b2 = key(b, !bytes_first);
    if (a2 != b2) return a2 > b2;
    return a < b;
  };
  n = std::min(n, idx.size());
  std::partial_sort(idx.begin(), idx.begin() + static_cast<std::ptrdiff_t>(n), idx.end(), less);
  idx.resize(n);
  return idx;
}

}  // namespace

std::vector<std::size_t> collector::top_talkers_by_bytes(std::size_t n) const {
  return top_by(endpoints(), n, true);
}

std::vector<std::size_t> collector::top_talkers_by_packets(std::size_t n) const {
  return top_by(endpoints(), n, false);
}

std::size_t collector::memory_bytes() const noexcept {
  std::size_t m = nodes_.capacity() * sizeof(phs_node) + phs_end_.capacity() * 16 + memo_.capacity() * sizeof(phs_memo) +
                  apps_.capacity() * sizeof(app_entry) + app_words_.capacity() * 8 + buckets_.capacity() * 8 +
                  endpoints_.memory_bytes();
  for (const auto& s : names_) m += s.capacity() + sizeof s;
  return m;
}

}  // namespace pcapscope::stats
