// Test helper: runs a capture through index::index_builder (with a flow tracker) and feeds a
// stats::collector with each packet, the application protocol chosen by a simple port rule.
#pragma once

#include <string>
#include <string_view>

#include "pcapscope/capture/file.hpp"
#include "pcapscope/flow/flow.hpp"
#include "pcapscope/index/index.hpp"
#include "pcapscope/stats/stats.hpp"

namespace pcapscope::test {

/// The application protocol tshark most likely names for a UDP packet by its ports (empty when
/// none of these): a stand-in for the analyzer's attribution in tests.
inline std::string_view app_by_port(const dissect::packet& p) {
  const dissect::layer* u = nullptr;
  for (std::size_t i = 0; i < p.count; ++i) {
    if (p.layers[i].flags & dissect::layer_quoted) break;
    if (p.layers[i].kind == dissect::proto::udp) u = &p.layers[i];
  }
  if (!u || u != &p.layers[p.count - 1]) return {};
  auto is = [&](std::uint16_t a, std::uint16_t b) {
    return (u->udp.sport == a && u->udp.dport == b) || (u->udp.sport == b && u->udp.dport == a);
  };
  if (is(67, 68)) return "dhcp";
  if (u->udp.sport == 53 || u->udp.dport == 53) return "dns";
  return {};
}

/// Handler chaining an index builder into a collector.
struct stats_pass : capture::handler {
  flow::flow_tracker tracker;
  stats::collector stats{&tracker};
  index::index_builder builder{nullptr, &tracker};
  bool use_port_rule = false;  ///< app from `app_by_port` (else always empty)

  void on_record(const capture::record& r) override {
    builder.on_record(r);
    const auto& p = builder.last_packet();
    stats.on_packet(builder.last_flow_record(), p, builder.last_track(), use_port_rule ? app_by_port(p) : std::string_view{});
  }
  void on_interface(std::uint32_t i, const capture::interface_info& f) override { builder.on_interface(i, f); }
  void on_anomaly(const capture::anomaly& a) override { builder.on_anomaly(a); }
};

/// Reads `path` through a `stats_pass`; false when it cannot be opened.
inline bool run_stats(const std::string& path, stats_pass& pass) {
  std::string err;
  auto f = capture::capture_file::open(path, err);
  if (!f) return false;
  f->read_all(&pass);
  pass.stats.finish();
  return true;
}

}  // namespace pcapscope::test
