// Application-layer fields with Wireshark names on the packet that completes each message, as
// tshark shows them: DNS fields from the packet's own bytes, HTTP and TLS fields from an analysis
// pass (the frame numbers its logs recorded). Used by `pcapscope packets` and `filter`.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "pcapscope/analyze/analyzer.hpp"
#include "pcapscope/dissect/packet.hpp"
#include "pcapscope/util/bytes.hpp"

namespace pcapscope::analyze {

/// Per-frame application fields.
class app_fields {
 public:
  /// Every application field name, in a stable order.
  static const std::vector<std::string_view>& names();
  /// True for a name in `names()`.
  static bool known(std::string_view name) noexcept;
  /// True when the field's values come from an analysis pass (HTTP, TLS) rather than the
  /// packet's bytes alone (DNS).
  static bool needs_analysis(std::string_view name) noexcept;

  /// Takes the HTTP and TLS fields of every frame from a finished analysis.
  void collect(const analyzer& a);

  /// Appends the values of `name` for packet `frame` (1-based; `p` dissected from `data`) to
  /// `out`, in message order. Returns false for an unknown name.
  bool values(const dissect::packet& p, util::bytes data, std::uint64_t frame, std::string_view name,
              std::vector<std::string>& out) const;

 private:
  // frame -> (field index in names(), value), in the order the messages completed
  std::unordered_map<std::uint64_t, std::vector<std::pair<std::uint8_t, std::string>>> by_frame_;
};

}  // namespace pcapscope::analyze
