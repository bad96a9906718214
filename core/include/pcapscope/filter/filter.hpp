// Display filters: a faithful subset of Wireshark 4.0's language, compiled once into a small
// program and evaluated per packet over the dissected layer stack (or over an index row alone).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "pcapscope/dissect/fields.hpp"
#include "pcapscope/dissect/packet.hpp"
#include "pcapscope/index/index.hpp"
#include "pcapscope/util/bytes.hpp"

namespace pcapscope::flow {
class flow_tracker;
}

namespace pcapscope::filter {

/// A compile error: what, where (byte range in the expression) and an optional hint.
struct error {
  std::string message;      ///< e.g. `unknown field "tcp.prot"`
  std::uint32_t begin = 0;  ///< first byte of the offending text (0-based)
  std::uint32_t end = 0;    ///< one past its last byte
  std::string hint;         ///< e.g. `did you mean "tcp.port"?` (may be empty)

  /// `unknown field "tcp.prot" at 1–8; did you mean "tcp.port"?` (1-based, inclusive columns).
  std::string to_string() const;
};

/// Result of evaluating a filter from an index row alone.
enum class verdict : std::uint8_t {
  no,       ///< the packet does not match, whatever its bytes
  yes,      ///< the packet matches, whatever its bytes
  unknown,  ///< the bytes must be dissected to decide (call `matches`)
};

/// What an index row tells about a packet (see `row_from_index`).
struct index_row {
  std::uint64_t number = 0;     ///< 1-based frame number
  std::int64_t ts_ns = 0;
  bool has_timestamp = true;
  std::uint32_t caplen = 0;
  std::uint32_t origlen = 0;
  dissect::proto top = dissect::proto::none;  ///< highest protocol (dissect::packet::top())
  /// The row completed an IP datagram: its `top` describes the reassembled payload, which
  /// `matches` (the packet's own bytes) does not see, so layer tests are left undecided.
  bool reassembled = false;
};

/// Row `i` (0-based) of an index as an `index_row`.
index_row row_from_index(const index::packet_index& ix, std::size_t i) noexcept;

struct program;

/// A compiled display filter. Evaluation never allocates and never throws; it keeps scratch
/// space (regex VM lists) inside the object, so one filter must not be evaluated from several
/// threads at once (copy-compile one per thread).
class filter {
 public:
  filter();
  ~filter();
  filter(filter&&) noexcept;
  filter& operator=(filter&&) noexcept;

  /// Compiles `expr` into `out`. On a bad expression returns false and fills `err` (position
  /// and hint); `out` is then left matching everything. An empty (all-blank) expression
  /// compiles to "match everything", as `tshark -Y ""` does.
  static bool compile(std::string_view expr, filter& out, error& err);

  /// True when the packet matches. `p` must be `data` dissected on `m.link_type`.
  bool matches(const dissect::packet& p, const dissect::frame_meta& m, util::bytes data) const noexcept;

  /// Evaluates from an index row alone: frame.number, frame.len, frame.cap_len,
  /// frame.time_epoch and frame.time_relative are known exactly; a protocol test is known true
  /// when it names the row's top protocol (and false for every protocol but `frame` when the
  /// row has none); everything else is unknown (three-valued logic: `no && x` is no, …).
  /// A row that completed an IP datagram (`index_row::reassembled`) leaves every layer test
  /// unknown, so the answer falls back to `matches` over the packet's own bytes (like tshark
  /// with ip.defragment:FALSE) and both agree.
  verdict matches_index(const index_row& r) const noexcept;

  /// `matches_index` for rows `[start, start + count)` of `ix` (clamped to the index) at once,
  /// one verdict per row into `out`: the same answers, evaluated a block of rows at a time
  /// (tight loops over the index columns), which is what selecting over millions of rows uses.
  /// With `flows` (the table that filled the index's flow column), tests of ip.addr,
  /// ipv6.addr, tcp.port and udp.port against values are also decided for rows whose flow has
  /// only plain packets (flow::flow_layered unset), from the flow key.
  void select_index(const index::packet_index& ix, std::size_t start, std::size_t count, verdict* out,
                    const flow::flow_tracker* flows = nullptr) const;

  /// False when every packet can be decided from its index row (`matches_index` never says
  /// `unknown`): the filter only uses frame.number, frame.len, frame.cap_len,
  /// frame.time_epoch, frame.time_relative and `frame`.
  bool needs_bytes() const noexcept;

  /// Sets the time frame.time_relative counts from (tshark: the first packet's time). When
  /// never set, the timestamp of the first packet evaluated with number 1 is used.
  void set_time_origin(std::int64_t ts_ns) noexcept;

  /// The expression this filter was compiled from.
  const std::string& text() const noexcept;

  /// A readable dump of the compiled program (for tests and `--explain`).
  std::string describe() const;

 private:
  std::unique_ptr<program> prog_;
};

/// Every name the filter accepts as a field or protocol, sorted.
const std::vector<std::string_view>& filter_fields();

}  // namespace pcapscope::filter
