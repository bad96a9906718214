// Packet detail on demand: the full field tree of one packet (Wireshark field names, display
// labels, values and the byte ranges to highlight in a hex dump).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "pcapscope/dissect/fields.hpp"

namespace pcapscope::dissect {

/// One node of the field tree, in pre-order; `depth` 0 nodes are protocols (and the frame).
struct field_node {
  std::string name;           ///< Wireshark field or protocol name ("ip", "ip.src", …)
  std::string label;          ///< display text ("Source Address: 10.0.0.1")
  std::string value;          ///< value as tshark prints it ("10.0.0.1")
  std::uint32_t offset = 0;   ///< first byte in the packet
  std::uint32_t length = 0;   ///< bytes covered (0 for generated fields)
  std::uint16_t depth = 0;    ///< nesting level
};

/// Dissects `data` and returns its field tree (allocates: for one packet at a time).
std::vector<field_node> detail(util::bytes data, const frame_meta& m);

/// The tree as JSON: {"fields":[{"name","label","value","offset","length","depth"},…]}.
std::string detail_json(const std::vector<field_node>& tree);

}  // namespace pcapscope::dissect
