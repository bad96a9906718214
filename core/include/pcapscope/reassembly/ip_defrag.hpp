// IPv4 and IPv6 fragment reassembly with byte and datagram caps, timeouts, and a documented
// overlap policy (first data wins; differing overlaps are counted).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "pcapscope/dissect/packet.hpp"
#include "pcapscope/util/bytes.hpp"

namespace pcapscope::reassembly {

/// Caps that bound what hostile fragment streams can make us hold. Fragments are kept as they
/// come (only the bytes no earlier fragment brought), each piece charged its bytes plus
/// `piece_overhead`, so an incomplete datagram costs what it received, not its highest offset.
struct defrag_limits {
  std::size_t max_bytes = 64u << 20;        ///< bytes charged over all incomplete datagrams
  std::size_t max_datagrams = 65536;        ///< incomplete datagrams held at once
  std::int64_t timeout_ns = 60'000'000'000; ///< an incomplete datagram older than this is dropped
  std::size_t piece_overhead = 64;          ///< bookkeeping charged per held piece (as TCP's)
};

/// One fragment, as found in a packet.
struct fragment {
  std::uint8_t family = 4;                  ///< 4 or 6
  std::array<std::uint8_t, 16> src{}, dst{};
  std::uint32_t id = 0;                     ///< IPv4 identification or IPv6 fragment id
  std::uint8_t proto = 0;                   ///< protocol of the fragmented payload
  std::uint32_t offset = 0;                 ///< byte offset of this fragment's payload
  bool more = false;                        ///< more fragments follow
  util::bytes payload;                      ///< this fragment's payload bytes (captured)
  std::int64_t ts_ns = 0;
  std::uint8_t layer = 0;                   ///< index of the layer that carries the fragment info
};

/// Finds the fragment carried by a dissected packet (the innermost IPv4 header with MF or a
/// fragment offset, or IPv6 fragment header). Returns false for unfragmented packets, at once
/// when the packet's summary says it is regular (`dissect::packet::irregular`: keep it current,
/// see `dissect::summarize`).
bool find_fragment(const dissect::packet& p, util::bytes data, fragment& out) noexcept;

/// What `add` did with a fragment.
enum class defrag_status : std::uint8_t {
  pending,   ///< kept; the datagram is not complete yet
  complete,  ///< the datagram is complete: `datagram()` holds its payload
  dropped,   ///< not kept: beyond 65535 bytes, or a cap was reached (counted)
};

/// Counters for the summary and anomalies.
struct defrag_counters {
  std::uint64_t fragments = 0;        ///< fragments offered
  std::uint64_t completed = 0;        ///< datagrams reassembled
  std::uint64_t overlaps = 0;         ///< fragments overlapping data already held
  std::uint64_t overlap_conflicts = 0;  ///< overlaps whose bytes differ (first data kept)
  std::uint64_t timed_out = 0;        ///< incomplete datagrams dropped after the timeout
  std::uint64_t evicted = 0;          ///< incomplete datagrams dropped to respect the caps
  std::uint64_t oversize = 0;         ///< fragments reaching past 65535 bytes
};

/// Reassembles fragments into datagrams. Policy: the first bytes received for an offset win
/// (a later fragment's differing bytes are counted as an overlap conflict and ignored, which
/// also neutralizes teardrop-style overlaps); the fragment with MF clear fixes the total length
/// (a second, different one is a conflict and ignored; bytes held past it are cut); a datagram
/// is assembled once [0, total) is covered. Incomplete datagrams expire after `timeout_ns` of capture time and the oldest
/// are evicted when a cap is reached.
class ip_defragmenter {
 public:
  explicit ip_defragmenter(defrag_limits limits = {});
  ~ip_defragmenter();
  ip_defragmenter(const ip_defragmenter&) = delete;
  ip_defragmenter& operator=(const ip_defragmenter&) = delete;

  /// Offers one fragment.
  defrag_status add(const fragment& f);
  /// The payload of the datagram completed by the last `add` (valid until the next `add`).
  util::bytes datagram() const noexcept { return done_; }
  /// Protocol of that payload.
  std::uint8_t datagram_proto() const noexcept { return done_proto_; }
  /// Whether the last completed datagram had an overlap conflict.
  bool datagram_had_conflict() const noexcept { return done_conflict_; }
  /// Counters so far.
  const defrag_counters& counters() const noexcept { return counters_; }
  /// Bytes charged for incomplete datagrams (held bytes plus the per-piece overhead).
  std::size_t buffered_bytes() const noexcept;
  /// Incomplete datagrams held.
  std::size_t pending_datagrams() const noexcept;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
  std::vector<std::uint8_t> done_storage_;
  util::bytes done_;
  std::uint8_t done_proto_ = 0;
  bool done_conflict_ = false;
  defrag_counters counters_;
};

}  // namespace pcapscope::reassembly
