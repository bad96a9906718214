// The statistics collector: per-packet accounting for the protocol hierarchy, time series,
// endpoints, per-flow totals and packet sizes (see stats/stats.hpp and docs/statistics.md).
#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>
#include <map>

#include "pcapscope/stats/stats.hpp"
#include "pcapscope/util/size_opt.hpp"

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

// Lengths below this are counted one by one (collector::len_count_), the bins built when read.
constexpr std::uint32_t plen_large = plen_low[plen_bins - 2];

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
// in the key: per layer its kind and whether it is quoted (a 16-bit lane), the one field that
// matters for some kinds (an 802.1ad tag, a fragment not reassembled) as a bit per layer, the
// layer count, the link type (raw IP shows an item of its own), whether there is payload,
// whether the last layer is UDP on the L2TP port, and the application name. Stacks deeper than
// memo_layers, more distinct keys than memo_max and more distinct names longer than 7 bytes than
// apps_max take phs_walk every time.
constexpr std::size_t memo_layers = 16;
constexpr std::size_t memo_max = 1024;
constexpr std::size_t apps_max = 64;
// phs_key::misc: the layer count (bits 0-4), the L2TP port (0x20), payload (0x40), memo_valid,
// the field bits (8-23, one per layer) and the link type (32-47).
constexpr std::uint64_t memo_l2tp_port = 0x20, memo_payload = 0x40, memo_valid = 0x80;
static_assert(memo_layers < memo_l2tp_port, "the layer count must stay below the flag bits of `misc`");
static_assert(memo_layers <= 16, "field bits and lanes are kept for 16 layers");
static_assert(memo_layers <= dissect::max_layers, "four_lanes reads the first memo_layers layers of any packet");
static_assert(static_cast<std::size_t>(proto::count_) <= 64, "a layer kind must fit in the low 6 bits of its lane");
static_assert(dissect::layer_quoted == 1, "the quoted flag is bit 8 of a lane");
// A long name's key: its index in apps_ with the top bit set, which app_word never sets.
constexpr std::uint64_t app_long = std::uint64_t{1} << 63;

// Layer `l` as 16 bits, its kind in the low byte and its flags in the high one (the two are
// adjacent: one 16-bit load).
inline std::uint64_t lane(const dissect::layer& l) noexcept {
  return static_cast<std::uint8_t>(l.kind) | (std::uint64_t{l.flags} << 8);
}

// Layers i to i + 3 as four lanes, layer i in the low 16 bits: four loads, no loop and no branch
// on the count. Layers past the packet's count (the stack is a fixed array of initialized
// layers) and flags other than quoted are then masked off with lane_keep.
inline std::uint64_t four_lanes(const dissect::packet& p, std::size_t i) noexcept {
  return lane(p.layers[i]) | (lane(p.layers[i + 1]) << 16) | (lane(p.layers[i + 2]) << 32) |
         (lane(p.layers[i + 3]) << 48);
}
constexpr std::uint64_t lane_keep[5] = {0, 0x13f, 0x13f013f, 0x13f013f013fULL, 0x13f013f013f013fULL};
inline std::uint64_t lanes_at(const dissect::packet& p, std::size_t i, std::size_t n) noexcept {
  return four_lanes(p, i) & lane_keep[n - i < 4 ? n - i : 4];
}

// The 802.1ad bits of the layers in `lanes` (layers i to i + 3) of a packet without fragments.
// Its vlan layers that are not quoted (the others do not matter) are the lanes equal to the
// vlan kind, found for four at once (a lane of t is zero exactly when its bit 15 stays clear
// after adding 0x7fff, as lanes are below 0x8000); only their tags are read.
inline std::uint64_t tag_bits(const dissect::packet& p, std::uint64_t lanes, std::size_t i) noexcept {
  constexpr std::uint64_t lows = 0x0001000100010001ULL;
  const std::uint64_t t = lanes ^ (lows * static_cast<std::uint8_t>(proto::vlan));
  std::uint64_t vlans = ~((t + lows * 0x7fff) | t) & (lows * 0x8000);
  std::uint64_t bits = 0;
  for (; vlans != 0; vlans &= vlans - 1) {
    const std::size_t k = i + static_cast<std::size_t>(std::countr_zero(vlans)) / 16;
    if (p.layers[k].vlan.tpid == 0x88a8) bits |= std::uint64_t{1} << k;
  }
  return bits;
}

// The field bits of a packet whose summary says `irregular` (fragments): per layer, an 802.1ad
// tag or a fragment (IPv4 header, IPv6 fragment header) this packet did not complete.
[[gnu::noinline]] std::uint64_t irregular_field_bits(const dissect::packet& p, std::size_t n) noexcept {
  std::uint64_t bits = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const auto& l = p.layers[i];
    bool bit = false;
    if (l.kind == proto::vlan) bit = l.vlan.tpid == 0x88a8;
    else if (l.kind == proto::ip || l.kind == proto::ipv6_ext) bit = unreassembled_fragment(p, i);
    if (bit) bits |= std::uint64_t{1} << i;
  }
  return bits;
}

// The hash of a key: lanes[0], app and misc; lanes 1-3 (zero for stacks of at most four layers)
// go in through deep_hash.
inline std::uint64_t top_hash(std::uint64_t lanes0, std::uint64_t app, std::uint64_t misc) noexcept {
  return lanes0 ^ std::rotl(app, 21) ^ std::rotl(misc, 42);
}
inline std::uint64_t deep_hash(std::uint64_t l1, std::uint64_t l2, std::uint64_t l3) noexcept {
  return std::rotl(l1, 13) ^ std::rotl(l2, 26) ^ std::rotl(l3, 39);
}
inline std::size_t memo_slot(std::uint64_t hash, int shift) noexcept {
  return static_cast<std::size_t>((hash * 0x9E3779B97F4A7C15ull) >> shift);
}

// A name of at most 7 bytes as one number (its bytes, then its length in the top byte), so that
// equal numbers mean equal names; 0 for longer names. The bytes come from at most three loads
// (overlapping ones write the same bytes), placed for a little-endian host: the number's bytes
// in memory are the name's (collector::on_packet_miss reads them back).
static_assert(std::endian::native == std::endian::little, "app_word places bytes for a little-endian host");
inline std::uint64_t app_word(std::string_view s) noexcept {
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

// Per capture or per new layer stack, not per packet: for size in the wasm build (util/size_opt.hpp).
PCAPSCOPE_SIZE_BEGIN

std::string_view series_class_name(series_class c) noexcept {
  switch (c) {
    case series_class::tcp: return "tcp";
    case series_class::udp: return "udp";
    case series_class::icmp: return "icmp";
    case series_class::other: case series_class::count_: break;
  }
  return "other";
}

collector::collector(const flow::flow_tracker* flows, const flow::endpoint_table* endpoints)
    : flows_(flows), shared_endpoints_(endpoints) {
  nodes_.reserve(64);
  nodes_.emplace_back();  // the root
  end_frames_.reserve(64);
  end_frames_.push_back(0);
  end_bytes_.reserve(64);
  end_bytes_.push_back(0);
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
  memo_.resize(64);
  memo_shift_ = 64 - std::countr_zero(memo_.size());
  memo_mask_ = memo_.size() - 1;
  buckets_.reserve(series_stride * 1024);
  len_count_.assign(plen_large, 0);
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
  end_frames_.push_back(0);
  end_bytes_.push_back(0);
  if (last) nodes_[last].next_sibling = id;
  else nodes_[parent].first_child = id;
  return id;
}

const std::vector<phs_node>& collector::phs() const noexcept {
  if (phs_summed_at_ != packets_) {
    // Children come after their parents: one backward pass adds each node's totals to its parent.
    for (std::size_t i = 0; i < nodes_.size(); ++i) {
      nodes_[i].frames = end_frames_[i];
      nodes_[i].bytes = end_bytes_[i];
    }
    for (std::size_t i = nodes_.size(); i-- > 1;) {
      nodes_[nodes_[i].parent].frames += nodes_[i].frames;
      nodes_[nodes_[i].parent].bytes += nodes_[i].bytes;
    }
    phs_summed_at_ = packets_;
  }
  return nodes_;
}

std::uint64_t collector::bytes() const noexcept {
  std::uint64_t b = 0;
  for (const std::uint64_t e : end_bytes_) b += e;
  return b;
}

// The path of a packet as tshark's io,phs shows it, walked from the root (adding nodes). `app`
// is the application name (empty: none).
collector::phs_leaf collector::phs_walk(const capture::record& r, const dissect::packet& p, std::string_view app) {
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
    // The name is interned when a path first shows it (a fragment's does not); its entry in
    // apps_ keeps the id for later walks (null: the table is full).
    std::uint16_t id;
    if (app_entry* e = app_of(app)) {
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
collector::app_entry* collector::app_of(std::string_view app) {
  for (auto& e : apps_) {
    if (e.name == app) return &e;
  }
  if (apps_.size() >= apps_max) return nullptr;
  apps_.push_back({std::string(app), 0, false});
  return &apps_.back();
}

PCAPSCOPE_SIZE_END

// Consecutive packets rarely share their whole path, but a capture has few distinct layer
// stacks: the path's end (and the series class) is memoized per key (phs_key), and a packet
// counts only at that node (phs() sums the rest). Walking the path per packet cost ~360
// instructions per packet. The key is built without a loop over the layers for stacks of up to
// four (four_lanes), a name of up to 7 bytes is its own key (app_word, no table), and only tags
// and fragments take a look at layer fields: with the bins and series changes below, on_packet
// went from ~290 to ~170 instructions per packet (callgrind, 100,000 packets of the bench
// capture). The key of a packet of at most memo_layers layers whose application key is `akey`:
[[gnu::always_inline]] inline collector::phs_key collector::phs_key_of(const capture::record& r,
                                                                       const dissect::packet& p,
                                                                       std::uint64_t akey) const noexcept {
  const std::size_t n = p.count;
  phs_key k;
  k.app = akey;
  k.lanes[0] = lanes_at(p, 0, n);
  if (n > 4) {
    k.lanes[1] = lanes_at(p, 4, n);
    if (n > 8) {
      k.lanes[2] = lanes_at(p, 8, n);
      if (n > 12) k.lanes[3] = lanes_at(p, 12, n);
    }
  }
  // Without fragments (`irregular` in the summary) the only field bit is an 802.1ad tag's, and
  // the summary says whether there is a tag at all: most packets look at no layer's fields.
  std::uint64_t fields = 0;
  if (p.irregular) [[unlikely]] {
    fields = irregular_field_bits(p, n);
  } else if (p.vlan != dissect::packet::no_layer) {
    fields = tag_bits(p, k.lanes[0], 0);
    if (n > 4) fields |= tag_bits(p, k.lanes[1], 4) | tag_bits(p, k.lanes[2], 8) | tag_bits(p, k.lanes[3], 12);
  }
  // phs_walk looks at UDP ports only for the last layer (L2TP control messages). The summary's
  // top_kind is UDP whenever the last layer is: most packets skip finding the last layer.
  bool l2tp_port = false;
  if (p.top_kind == proto::udp && n > 0 && p.layers[n - 1].kind == proto::udp) {
    const auto& u = p.layers[n - 1].udp;
    l2tp_port = u.sport == 1701 || u.dport == 1701;
  }
  // The link type itself rather than whether it is raw IP: a shift instead of raw_link's tests.
  k.misc = memo_valid | n | (l2tp_port ? memo_l2tp_port : 0) | (p.payload_length > 0 ? memo_payload : 0) |
           (fields << 8) | (std::uint64_t{r.link_type} << 32);
  return k;
}

// The memo entry of key `k` (of a stack of `n` layers), or null.
[[gnu::always_inline]] inline const collector::phs_memo* collector::phs_find(const phs_key& k,
                                                                             std::size_t n) const noexcept {
  std::uint64_t h = top_hash(k.lanes[0], k.app, k.misc);
  if (n > 4) h ^= deep_hash(k.lanes[1], k.lanes[2], k.lanes[3]);
  for (std::size_t s = memo_slot(h, memo_shift_);; s = (s + 1) & memo_mask_) {
    const phs_memo& m = memo_[s];
    if (m.key.misc == k.misc) {
      // Equal counts: lanes past the count are zero on both sides.
      if (m.key.lanes[0] == k.lanes[0] && m.key.app == k.app &&
          (n <= 4 || (m.key.lanes[1] == k.lanes[1] && m.key.lanes[2] == k.lanes[2] && m.key.lanes[3] == k.lanes[3]))) {
        return &m;
      }
    } else if (m.key.misc == 0) {
      return nullptr;
    }
  }
}

PCAPSCOPE_SIZE_BEGIN

// The leaf of any packet: memoized (the entry added if new) unless the stack is deeper than
// memo_layers or the name table of long names is full.
collector::phs_leaf collector::phs_classify(const capture::record& r, const dissect::packet& p, std::string_view app) {
  const std::size_t n = p.count;
  if (n > memo_layers) return phs_walk(r, p, app);
  std::uint64_t akey = 0;
  if (!app.empty()) {
    akey = app_word(app);
    if (akey == 0) {  // longer than 7 bytes
      const app_entry* e = app_of(app);
      if (!e) return phs_walk(r, p, app);
      akey = app_long | static_cast<std::uint64_t>(e - apps_.data());
    }
  }
  const phs_key k = phs_key_of(r, p, akey);
  if (const phs_memo* m = phs_find(k, n)) return m->leaf;
  return phs_miss(r, p, app, k);
}

// A key not in the memo: walks the path and remembers it.
[[gnu::noinline]] collector::phs_leaf collector::phs_miss(const capture::record& r, const dissect::packet& p,
                                                          std::string_view app, const phs_key& k) {
  phs_memo m;
  m.key = k;
  m.leaf = phs_walk(r, p, app);
  phs_memo_insert(m);
  return m.leaf;
}

void collector::phs_memo_insert(const phs_memo& m) {
  if (memo_used_ >= memo_max) return;
  if ((memo_used_ + 1) * 2 > memo_.size()) {
    std::vector<phs_memo> old;
    old.swap(memo_);
    memo_.resize(old.size() * 2);
    memo_shift_ = 64 - std::countr_zero(memo_.size());
    memo_mask_ = memo_.size() - 1;
    memo_used_ = 0;
    for (const auto& o : old) {
      if (o.key.misc != 0) phs_memo_insert(o);
    }
  }
  const phs_key& k = m.key;
  std::size_t s = memo_slot(top_hash(k.lanes[0], k.app, k.misc) ^ deep_hash(k.lanes[1], k.lanes[2], k.lanes[3]), memo_shift_);
  while (memo_[s].key.misc != 0) s = (s + 1) & memo_mask_;
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

PCAPSCOPE_SIZE_END

// The offset in buckets_ of the bucket of time `ts` (made if new), remembered for the next
// packets (the straight path of on_packet checks the range itself).
std::size_t collector::series_at(std::int64_t ts) {
  // Consecutive packets mostly fall in the bucket of the one before: checking that bucket's
  // range first saves nearly every packet the 64-bit division (one instruction, but tens of
  // cycles).
  if (static_cast<std::uint64_t>(ts) - cur_start_ < cur_width_) return cur_at_;
  // Unsigned difference: spans beyond int64 (hostile timestamps) still index correctly.
  const std::uint64_t rel = ts > series_t0_ ? static_cast<std::uint64_t>(ts) - static_cast<std::uint64_t>(series_t0_) : 0;
  std::uint64_t idx = rel / static_cast<std::uint64_t>(fine_ns_);
  if (idx >= series_max_buckets || buckets_.size() < (static_cast<std::size_t>(idx) + 1) * series_stride) {
    idx = series_grow(rel);
  }
  const auto width = static_cast<std::uint64_t>(fine_ns_);  // after any coarsening
  const std::uint64_t lo = idx * width;
  // The straight path takes a time t for this bucket when t - start < width, in unsigned
  // arithmetic: exact as long as start + width does not pass INT64_MAX (then no t wraps into
  // the range), which room (INT64_MAX - series_t0_, in [0, 2^64)) says.
  const std::uint64_t room = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) -
                             static_cast<std::uint64_t>(series_t0_);
  const bool exact = width <= room && lo <= room - width;
  cur_start_ = static_cast<std::uint64_t>(series_t0_) + lo;
  cur_width_ = exact ? width : 0;
  cur_at_ = static_cast<std::size_t>(idx) * series_stride;  // idx < series_max_buckets
  return cur_at_;
}

PCAPSCOPE_SIZE_BEGIN
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

PCAPSCOPE_SIZE_END

// Lengths from plen_large up: the two large bins, counted as packets come.
[[gnu::noinline]] void collector::plen_add_large(std::uint32_t len) {
  const std::size_t bin = plen_bin(len);
  if (plen_.count[bin] == 0 || len < plen_.min[bin]) plen_.min[bin] = len;
  if (len > plen_.max[bin]) plen_.max[bin] = len;
  ++plen_.count[bin];
  plen_.bytes[bin] += len;
}

// The straight path: a stack of at most four layers (one word of lanes) without fragments,
// with a name of at most 7 bytes (or none), whose key is in the memo. Anything else goes to
// on_packet_general, as a tail call, so that this path keeps its few values in registers that
// need no saving (callgrind: the saves, restores and spills of the one function doing it all
// were 25 of its ~170 instructions per packet; deeper stacks here cost two more registers).
// With count's straight path, on_packet went from ~170 to ~130 instructions per packet
// (callgrind, 100,000 packets of the bench capture).
void collector::on_packet(const capture::record& r, const dissect::packet& p, const flow::track_result& t,
                          std::string_view app) {
  const std::size_t n = p.count;
  const std::uint64_t akey = app_word(app);  // 0: no name, or one longer than 7 bytes
  // Irregular packets (fragments) call out for their field bits: not on this path.
  if (n > 4 || (akey == 0 && !app.empty()) || p.irregular) [[unlikely]] {
    return on_packet_general(r, p, t, app);
  }
  const phs_memo* m = phs_find(phs_key_of(r, p, akey), n);
  if (!m) [[unlikely]] return on_packet_miss(r, p, t, akey);
  count(r, p, t, m->leaf);
}

// A memo miss on the straight path, which kept the name only as its key (keeping `app` as well
// cost it registers to save): the key holds the name's bytes.
[[gnu::noinline]] void collector::on_packet_miss(const capture::record& r, const dissect::packet& p,
                                                 const flow::track_result& t, std::uint64_t akey) {
  char name[8];
  std::memcpy(name, &akey, sizeof name);
  on_packet_general(r, p, t, std::string_view(name, static_cast<std::size_t>(akey >> 56)));
}

[[gnu::noinline]] void collector::on_packet_general(const capture::record& r, const dissect::packet& p,
                                                    const flow::track_result& t, std::string_view app) {
  count_general(r, p, t, phs_classify(r, p, app));
}

// Counts a packet whose path ends at `leaf`. The straight path: a timestamp in the bucket of the
// last packet off it (no division: the bucket's range in cur_*), a length counted one by one,
// no cap hit. Such a time is at least series_t0_, which is at least first_ns_.
[[gnu::always_inline]] inline void collector::count(const capture::record& r, const dissect::packet& p,
                                                    const flow::track_result& t, phs_leaf leaf) {
  const std::uint32_t len = r.origlen;
  const std::int64_t ts = r.ts_ns;
  if (!r.has_timestamp || static_cast<std::uint64_t>(ts) - cur_start_ >= cur_width_ || len >= plen_large ||
      leaf.capped) [[unlikely]] {
    return count_general(r, p, t, leaf);
  }
  ++packets_;
  ++end_frames_[leaf.node];
  end_bytes_[leaf.node] += len;
  if (ts > last_ns_) last_ns_ = ts;
  std::uint64_t* b = buckets_.data() + cur_at_ + 2 * std::size_t{leaf.cls};
  b[0] += 1;
  b[1] += len;
  ++len_count_[len];
  if (!shared_endpoints_) return endpoints_.add(r, p, t);
}

[[gnu::noinline]] void collector::count_general(const capture::record& r, const dissect::packet& p,
                                                const flow::track_result& t, phs_leaf leaf) {
  const std::uint32_t len = r.origlen;
  ++packets_;
  ++end_frames_[leaf.node];
  end_bytes_[leaf.node] += len;
  phs_capped_ += leaf.capped;
  if (r.has_timestamp) {
    const std::int64_t ts = r.ts_ns;
    if (!have_time_) {  // the first packet with a timestamp starts the time range and the series
      have_time_ = true;
      first_ns_ = last_ns_ = series_t0_ = ts;
    }
    if (ts > last_ns_) last_ns_ = ts;
    else if (ts < first_ns_) first_ns_ = ts;
    const std::size_t at = series_at(ts);  // before buckets_.data(): it may grow buckets_
    std::uint64_t* b = buckets_.data() + at + 2 * std::size_t{leaf.cls};
    b[0] += 1;
    b[1] += len;
  }
  if (len < plen_large) ++len_count_[len];
  else plen_add_large(len);
  if (!shared_endpoints_) endpoints_.add(r, p, t);
}

}  // namespace pcapscope::stats
