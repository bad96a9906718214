// Shared test helpers for the analysis stages: feeding packets straight to a flow tracker, and
// reading a node of the protocol hierarchy.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "pcapscope/capture/types.hpp"
#include "pcapscope/dissect/packet.hpp"
#include "pcapscope/flow/flow.hpp"
#include "pcapscope/stats/stats.hpp"

namespace pcapscope::test {

/// Feeds Ethernet packets straight to a tracker, each `step` ns (1 ms by default) after the last.
struct flow_feeder {
  flow::flow_tracker t;
  dissect::packet p;
  std::int64_t ts = 1700000000000000000;
  flow::track_result feed(const std::vector<std::uint8_t>& bytes, std::int64_t step = 1000000) {
    capture::record r;
    r.data = bytes;
    r.caplen = r.origlen = static_cast<std::uint32_t>(bytes.size());
    r.link_type = 1;
    r.ts_ns = ts;
    ts += step;
    dissect::dissect(r.data, 1, p, r.origlen);
    return t.track(r, p);
  }
};

/// Frames and bytes of the protocol hierarchy node at `path` ("eth:ip:udp"); 0/0 when absent.
inline std::pair<std::uint64_t, std::uint64_t> phs_node(const stats::collector& stats, const std::string& path) {
  const auto& n = stats.phs();
  std::uint32_t cur = 0;
  std::size_t start = 0;
  for (;;) {
    const auto colon = path.find(':', start);
    const auto name = path.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
    std::uint32_t found = 0;
    for (std::uint32_t c = n[cur].first_child; c; c = n[c].next_sibling) {
      if (stats.phs_names()[n[c].name] == name) found = c;
    }
    if (!found) return {0, 0};
    cur = found;
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  return {n[cur].frames, n[cur].bytes};
}

}  // namespace pcapscope::test
