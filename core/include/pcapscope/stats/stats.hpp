// Capture statistics fed once per packet by the analysis pass: protocol hierarchy (like
// `tshark -z io,phs`), packets/bytes over time, top talkers, top destination ports and services,
// and the packet-size distribution (like `tshark -z plen,tree`). Memory is bounded by the number
// of distinct protocol paths (capped), time buckets (capped), endpoints and flows, never by the
// packet count. See docs/statistics.md for definitions and the JSON shape.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "pcapscope/capture/types.hpp"
#include "pcapscope/dissect/packet.hpp"
#include "pcapscope/flow/flow.hpp"

namespace pcapscope::stats {

/// One node of the protocol hierarchy: a protocol path from the outermost layer down to
/// `name`, with the frames and frame bytes (original length, tshark's `frame.len`) that went
/// through it.
struct phs_node {
  std::uint32_t parent = 0;       ///< index of the parent node (0: the root)
  std::uint32_t first_child = 0;  ///< first child (0: none)
  std::uint32_t next_sibling = 0; ///< next sibling (0: none); children keep first-seen order
  std::uint16_t name = 0;         ///< index into `collector::phs_names()`
  std::uint16_t depth = 0;        ///< 0 for the root, 1 for the outermost protocol, ...
  std::uint64_t frames = 0;       ///< frames whose path passes through this node
  std::uint64_t bytes = 0;        ///< their bytes (original lengths)
};

/// Limits that keep the statistics bounded on any input.
inline constexpr std::size_t phs_max_nodes = 4096;       ///< protocol-hierarchy nodes
inline constexpr std::size_t phs_max_names = 1024;       ///< distinct protocol names
inline constexpr std::size_t phs_max_depth = 40;         ///< protocols per path
inline constexpr std::size_t series_max_buckets = 65536; ///< fine time buckets (before coarsening)
inline constexpr std::int64_t series_start_width_ns = 1000000;  ///< first fine bucket width: 1 ms

/// Transport classes the time series are also kept for.
enum class series_class : std::uint8_t { tcp, udp, icmp, other, count_ };

/// Name of a series class ("tcp", "udp", "icmp", "other").
std::string_view series_class_name(series_class c) noexcept;

/// Packets and bytes per time bucket, from the capture's first packet on.
struct time_series {
  std::int64_t start_ns = 0;        ///< time of bucket 0's start (the first packet's time)
  std::int64_t bucket_ns = 0;       ///< width of each bucket
  std::vector<std::uint64_t> packets;  ///< packets per bucket
  std::vector<std::uint64_t> bytes;    ///< bytes (original lengths) per bucket
  /// Per `series_class`: packets and bytes per bucket (same length as `packets`).
  std::array<std::vector<std::uint64_t>, static_cast<std::size_t>(series_class::count_)> class_packets, class_bytes;
};

/// Bins of the packet-size distribution: tshark's `plen,tree` ranges 0-19, 20-39, 40-79, 80-159,
/// 160-319, 320-639, 640-1279, 1280-2559, 2560-5119, 5120 and greater (original length).
inline constexpr std::size_t plen_bins = 10;
/// Lower bound of each bin (upper bound: the next bin's lower bound minus one).
inline constexpr std::uint32_t plen_low[plen_bins] = {0, 20, 40, 80, 160, 320, 640, 1280, 2560, 5120};

/// Lower bound of plen bin `i` (0 past the last bin).
inline std::uint32_t plen_bin_low(std::size_t i) noexcept { return i < plen_bins ? plen_low[i] : 0; }

/// Packet-size distribution.
struct plen_stats {
  std::array<std::uint64_t, plen_bins> count{};  ///< packets per bin
  std::array<std::uint64_t, plen_bins> bytes{};  ///< their bytes
  std::array<std::uint32_t, plen_bins> min{};    ///< smallest length per bin (valid when count > 0)
  std::array<std::uint32_t, plen_bins> max{};    ///< largest length per bin
};

/// Per destination (responder) port of a transport protocol, or per service.
struct port_stats {
  std::uint8_t ip_proto = 0;   ///< 6 TCP, 17 UDP, 132 SCTP (0 in per-service rows)
  std::uint16_t port = 0;      ///< responder port (0 in per-service rows)
  std::string service;         ///< the service most flows on this port were found to carry ("" none)
  std::uint64_t flows = 0;     ///< flows
  std::uint64_t packets = 0;   ///< packets of those flows, both directions
  std::uint64_t bytes = 0;     ///< their frame bytes (original lengths)
};

/// Per IP endpoint (from `flow::endpoint_table`).
using talker = flow::endpoint_stats;

/// Options of the JSON output.
struct json_options {
  std::int64_t bucket_ns = 0;   ///< time-series bucket width; 0: automatic (at most `max_buckets`)
  std::size_t max_buckets = 1000;  ///< bucket count the automatic width aims below
  std::size_t top = 20;         ///< rows of each top-N list
};

/// Collects every statistic from the analysis pass: call `on_packet` once per packet (after the
/// flow tracker saw it), `finish` at the end, then read. The per-packet path does not allocate
/// except when a new protocol path, time range, endpoint or flow appears.
class collector {
 public:
  /// `flows` (may be null) gives the responder port and service of each flow for the port and
  /// service tables; without it those tables stay empty. `endpoints` (may be null): an endpoint
  /// table the caller already feeds with every packet (the analysis pass keeps one), used for the
  /// top talkers and the per-flow totals instead of a table of the collector's own (which would
  /// cost a second set of lookups per packet).
  explicit collector(const flow::flow_tracker* flows = nullptr, const flow::endpoint_table* endpoints = nullptr);

  /// Accounts one packet. `r` is the record (its original length is the packet's size), `p` its
  /// dissection (reassembled transport when the packet completed an IP datagram, as
  /// `index::index_builder::last_packet` gives it), `t` the flow tracker's answer, and `app` the
  /// application protocol the analysis attributes to the packet ("http", "tls", "dns", ...;
  /// empty when none).
  void on_packet(const capture::record& r, const dissect::packet& p, const flow::track_result& t,
                 std::string_view app);

  /// Ends the pass (builds the per-port tables from the flows). Idempotent.
  void finish();

  /// Packets seen.
  std::uint64_t packets() const noexcept { return packets_; }
  /// Bytes seen (original lengths).
  std::uint64_t bytes() const noexcept;
  /// First and last packet time (ns since the epoch; 0 before any packet). Packets without a
  /// timestamp are not counted in the time range.
  std::int64_t first_ns() const noexcept { return first_ns_; }
  /// Last (largest) packet time.
  std::int64_t last_ns() const noexcept { return last_ns_; }
  /// True once a packet with a timestamp was seen (the time range and series are meaningful).
  bool has_time() const noexcept { return have_time_; }

  /// Protocol hierarchy nodes; node 0 is the root (all frames), children in first-seen order.
  const std::vector<phs_node>& phs() const noexcept;
  /// Protocol names referred to by `phs_node::name`.
  const std::vector<std::string>& phs_names() const noexcept { return names_; }
  /// Packets whose path was cut because a cap (`phs_max_nodes`, `phs_max_names`) was reached.
  std::uint64_t phs_capped() const noexcept { return phs_capped_; }

  /// The time series at `bucket_ns` (rounded up to a multiple of the fine width in use; 0 gives
  /// the fine width). Packets earlier than the first one are counted in bucket 0.
  time_series series(std::int64_t bucket_ns = 0) const;
  /// Width of the fine buckets (1 ms, doubled as often as the capture's span required).
  std::int64_t fine_bucket_ns() const noexcept { return fine_ns_; }

  /// IP endpoints (innermost IP header), in first-seen order (the shared table's when given).
  const std::vector<talker>& endpoints() const noexcept {
    return shared_endpoints_ ? shared_endpoints_->ip() : endpoints_.ip();
  }
  /// Indices into `endpoints()` of the `n` endpoints with most bytes (sent + received); ties by
  /// packets, then first seen.
  std::vector<std::size_t> top_talkers_by_bytes(std::size_t n) const;
  /// Indices into `endpoints()` of the `n` endpoints with most packets; ties by bytes.
  std::vector<std::size_t> top_talkers_by_packets(std::size_t n) const;

  /// Per responder port (TCP, UDP, SCTP flows), sorted by bytes, then packets (after `finish`).
  const std::vector<port_stats>& ports() const noexcept { return ports_; }
  /// Per service name of the flows ("" for flows without one), sorted by bytes (after `finish`).
  const std::vector<port_stats>& services() const noexcept { return services_; }

  /// Packet-size distribution.
  const plen_stats& plen() const noexcept;

  /// Bytes held (capacity of the tables), for memory reports.
  std::size_t memory_bytes() const noexcept;

 private:
  // Where a packet's protocol path ends and what else its layer stack decides.
  struct phs_leaf {
    std::uint32_t node = 0;   // last node of the path (0: the root)
    std::uint8_t cls = 0;     // series_class
    std::uint8_t capped = 0;  // caps hit (0-2), added to phs_capped_
  };
  // What phs_walk and class_of look at in a packet, as numbers (see phs_classify).
  struct phs_key {
    std::uint64_t lanes[4] = {};  // 16 bits per layer: its kind and quoted flag
    std::uint64_t app = 0;        // application name key (0: none)
    std::uint64_t misc = 0;       // layer count, L2TP port, payload, field bits, link type; 0: free slot
  };
  // A memoized layer-stack key and its leaf, one cache line each.
  struct alignas(64) phs_memo {
    phs_key key;
    phs_leaf leaf;
  };
  // An application name given to on_packet, with its name id (0: the name cap was hit).
  struct app_entry {
    std::string name;
    std::uint16_t id = 0;  // valid once resolved
    bool resolved = false;
  };
  std::uint16_t intern(std::string_view name);
  std::uint32_t child(std::uint32_t parent, std::uint16_t name);
  phs_key phs_key_of(const capture::record& r, const dissect::packet& p, std::uint64_t akey) const noexcept;
  const phs_memo* phs_find(const phs_key& k, std::size_t n) const noexcept;
  phs_leaf phs_classify(const capture::record& r, const dissect::packet& p, std::string_view app);
  phs_leaf phs_walk(const capture::record& r, const dissect::packet& p, std::string_view app);
  phs_leaf phs_miss(const capture::record& r, const dissect::packet& p, std::string_view app, const phs_key& k);
  app_entry* app_of(std::string_view app);
  void phs_memo_insert(const phs_memo& m);
  void on_packet_general(const capture::record& r, const dissect::packet& p, const flow::track_result& t,
                         std::string_view app);
  void on_packet_miss(const capture::record& r, const dissect::packet& p, const flow::track_result& t,
                      std::uint64_t akey);
  void count(const capture::record& r, const dissect::packet& p, const flow::track_result& t, phs_leaf leaf);
  void count_general(const capture::record& r, const dissect::packet& p, const flow::track_result& t,
                     phs_leaf leaf);
  std::size_t series_at(std::int64_t ts);
  std::uint64_t series_grow(std::uint64_t rel);
  void coarsen();
  void plen_add_large(std::uint32_t len);

  const flow::flow_tracker* flows_;
  std::uint64_t packets_ = 0;
  std::int64_t first_ns_ = 0, last_ns_ = 0;
  bool have_time_ = false;
  std::uint64_t finished_at_ = ~std::uint64_t{0};  // packets_ when finish() last ran

  // Node frames and bytes are summed from `end_frames_` and `end_bytes_` when read (phs()), and
  // so are the bytes of all packets (bytes()): per packet, only the node its path ends at is
  // counted. Two vectors rather than one of pairs, whose two adds the compiler made into six
  // vector instructions.
  mutable std::vector<phs_node> nodes_;
  mutable std::uint64_t phs_summed_at_ = 0;  // packets_ when nodes_ was last summed
  std::vector<std::uint64_t> end_frames_, end_bytes_;  // per node: frames, bytes of paths ending there
  std::vector<std::string> names_;
  std::array<std::uint16_t, static_cast<std::size_t>(dissect::proto::count_)> proto_name_{};
  std::uint16_t ieee8021ad_ = 0, wlan_radio_ = 0, data_ = 0, raw_ = 0;
  std::vector<phs_memo> memo_;   // open addressing, size a power of two
  int memo_shift_ = 64;          // 64 - log2(memo_.size())
  std::size_t memo_mask_ = 0;    // memo_.size() - 1
  std::size_t memo_used_ = 0;
  std::vector<app_entry> apps_;  // first-seen order
  std::uint64_t phs_capped_ = 0;

  std::int64_t fine_ns_ = series_start_width_ns;
  std::int64_t series_t0_ = 0;
  // Per fine bucket: packets and bytes per class (interleaved); the totals are their sums.
  static constexpr std::size_t series_stride = 2 * static_cast<std::size_t>(series_class::count_);
  std::vector<std::uint64_t> buckets_;
  // The bucket the last packet off the straight path went to: its start time (as unsigned),
  // width and offset in buckets_. Set anew by every series_at, so also after a coarsening; the
  // width is 0 before the first packet and when the bucket's end is beyond int64 (hostile
  // timestamps), which sends every packet to series_at.
  std::uint64_t cur_start_ = 0, cur_width_ = 0;
  std::size_t cur_at_ = 0;

  const flow::endpoint_table* shared_endpoints_;
  flow::endpoint_table endpoints_;  // used when no shared table was given
  std::vector<port_stats> ports_, services_;
  // Packets per original length below the first large bin (plen_bins - 2), from which plen()
  // builds the bins below it; the two large bins are counted as packets come.
  std::vector<std::uint64_t> len_count_;
  mutable plen_stats plen_;
  mutable std::uint64_t plen_summed_at_ = 0;  // packets_ when plen_'s small bins were last built
};

/// The protocol hierarchy as tshark's `-q -z io,phs` prints it (header, "Filter: ", one line
/// per node indented two spaces per level, name padded to 40 columns, "frames:N bytes:N").
std::string phs_text(const collector& c);

/// Everything as one JSON object (shape in docs/statistics.md): totals, protocol hierarchy
/// tree, time series, top talkers, ports, services and packet sizes. Call after `finish`.
std::string stats_json(const collector& c, const json_options& opts = {});

}  // namespace pcapscope::stats
