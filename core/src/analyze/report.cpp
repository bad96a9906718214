// The analysis summary as JSON and text (see analyze/report.hpp and docs/analyze.md).
#include "pcapscope/analyze/report.hpp"

#include <cstdio>
#include <map>

#include "pcapscope/stats/stats.hpp"
#include "pcapscope/util/json.hpp"

namespace pcapscope::analyze {

namespace {

// Flows per transport and per service.
struct flow_totals {
  std::uint64_t tcp = 0, udp = 0, icmp = 0, other = 0;
  std::map<std::string, std::uint64_t> services;
};

flow_totals count_flows(const flow::flow_tracker& t) {
  flow_totals r;
  for (std::uint32_t id = 1; id <= t.size(); ++id) {
    const auto& f = t.get(id);
    switch (f.proto()) {
      case flow::ip_proto_tcp: ++r.tcp; break;
      case flow::ip_proto_udp: ++r.udp; break;
      case flow::ip_proto_icmp:
      case flow::ip_proto_icmpv6: ++r.icmp; break;
      default: ++r.other;
    }
    auto s = flow::service_name(static_cast<flow::service>(f.svc));
    if (!s.empty()) ++r.services[std::string(s)];
  }
  return r;
}

// Named anomaly counts from every stage: reader, dissectors, IP and TCP reassembly, DNS.
std::map<std::string, std::uint64_t> anomaly_counts(const analyzer& a, const capture::capture_info& info) {
  std::map<std::string, std::uint64_t> m;
  for (std::size_t i = 0; i < info.anomaly_counts.size(); ++i) {
    if (info.anomaly_counts[i]) {
      m[std::string(capture::anomaly_name(static_cast<capture::anomaly_code>(i)))] += info.anomaly_counts[i];
    }
  }
  const auto& d = a.builder().anomaly_counts();
  for (std::size_t i = 1; i < d.size(); ++i) {
    if (d[i]) m[std::string(dissect::anomaly_name(static_cast<dissect::anomaly>(i)))] += d[i];
  }
  const auto& fr = a.builder().defrag_counters();
  auto add = [&](const char* name, std::uint64_t v) {
    if (v) m[name] += v;
  };
  add("ip_defrag.overlap_conflict", fr.overlap_conflicts);
  add("ip_defrag.timed_out", fr.timed_out);
  add("ip_defrag.evicted", fr.evicted);
  add("ip_defrag.oversize", fr.oversize);
  auto tc = a.tcp_counters();
  add("tcp_reassembly.overlap_conflict", tc.overlap_conflicts);
  add("tcp_reassembly.cap_hit", tc.cap_hits);
  add("tcp_reassembly.global_cap_hit", tc.global_cap_hits);
  const auto& dc = a.dns().counters();
  for (std::size_t i = 1; i < dc.anomalies.size(); ++i) {
    if (dc.anomalies[i]) m[std::string(app::dns_anomaly_name(static_cast<app::dns_anomaly>(i)))] += dc.anomalies[i];
  }
  const auto& hc = a.http().counters();
  for (std::size_t i = 1; i < hc.anomalies.size(); ++i) {
    if (hc.anomalies[i]) m[std::string(app::http_anomaly_name(static_cast<app::http_anomaly>(i)))] += hc.anomalies[i];
  }
  const auto& tc2 = a.tls().counters();
  for (std::size_t i = 1; i < tc2.anomalies.size(); ++i) {
    if (tc2.anomalies[i]) m[std::string(app::tls_anomaly_name(static_cast<app::tls_anomaly>(i)))] += tc2.anomalies[i];
  }
  const auto& qc = a.quic().counters();
  for (std::size_t i = 1; i < qc.anomalies.size(); ++i) {
    if (qc.anomalies[i]) m[std::string(app::quic_anomaly_name(static_cast<app::quic_anomaly>(i)))] += qc.anomalies[i];
  }
  const auto& dh = a.dhcp().counters();
  for (std::size_t i = 1; i < dh.anomalies.size(); ++i) {
    if (dh.anomalies[i]) m[std::string(app::dhcp_anomaly_name(static_cast<app::dhcp_anomaly>(i)))] += dh.anomalies[i];
  }
  return m;
}

std::string seconds(std::int64_t ns, int digits) { return capture::format_epoch(ns, digits); }

}  // namespace

std::string analysis_json(const analyzer& a, const capture::capture_info& info, std::string_view compression) {
  util::json_writer w;
  w.begin_object();
  w.key("format").value(capture::format_name(info.format));
  w.key("compression").value(compression);
  w.key("packets").value(info.packets);
  w.key("bytes_captured").value(info.bytes_captured);
  w.key("bytes_original").value(info.bytes_original);
  w.key("records_lost").value(info.records_lost);
  if (info.packets_with_time) {
    w.key("first_ns").value(info.first_ns);
    w.key("last_ns").value(info.last_ns);
    w.key("duration_s").value(static_cast<double>(info.last_ns - info.first_ns) / 1e9);
  }
  if (info.fatal) {
    w.key("error").value(info.error);
    w.key("error_offset").value(info.error_offset);
  }
  auto ft = count_flows(a.flows());
  w.key("flows").begin_object();
  w.key("total").value(static_cast<std::uint64_t>(a.flows().size()));
  w.key("tcp").value(ft.tcp);
  w.key("udp").value(ft.udp);
  w.key("icmp").value(ft.icmp);
  w.key("other").value(ft.other);
  w.key("services").begin_object();
  for (const auto& [k, v] : ft.services) w.key(k).value(v);
  w.end_object();
  w.end_object();
  w.key("endpoints").begin_object();
  w.key("ip").value(static_cast<std::uint64_t>(a.endpoints().ip().size()));
  w.key("mac").value(static_cast<std::uint64_t>(a.endpoints().mac().size()));
  w.end_object();
  w.key("records").begin_object();
  w.key("dns").value(static_cast<std::uint64_t>(a.dns().entries().size()));
  w.key("http").value(static_cast<std::uint64_t>(a.http().entries().size()));
  w.key("tls").value(static_cast<std::uint64_t>(a.tls().entries().size()));
  w.key("quic").value(static_cast<std::uint64_t>(a.quic().entries().size()));
  w.key("dhcp").value(static_cast<std::uint64_t>(a.dhcp().entries().size()));
  w.end_object();
  auto tc = a.tcp_counters();
  w.key("tcp_reassembly").begin_object();
  w.key("segments").value(tc.segments);
  w.key("bytes_delivered").value(tc.bytes_delivered);
  w.key("out_of_order").value(tc.out_of_order);
  w.key("retransmissions").value(tc.retransmissions);
  w.key("gaps").value(tc.gaps);
  w.key("gap_bytes").value(tc.gap_bytes);
  w.key("peak_buffered").value(static_cast<std::uint64_t>(a.tcp_peak_buffered()));
  w.end_object();
  const auto& fr = a.builder().defrag_counters();
  w.key("ip_reassembly").begin_object();
  w.key("fragments").value(fr.fragments);
  w.key("datagrams").value(fr.completed);
  w.end_object();
  w.key("anomalies").begin_object();
  for (const auto& [k, v] : anomaly_counts(a, info)) w.key(k).value(v);
  w.end_object();
  w.end_object();
  std::string out = w.take();
  if (a.opts().stats) {  // the statistics object, spliced in as "statistics"
    out.pop_back();
    out += ",\"statistics\":";
    out += stats::stats_json(a.stats());
    while (!out.empty() && out.back() == '\n') out.pop_back();
    out += '}';
  }
  return out + "\n";
}

std::string analysis_text(const analyzer& a, const capture::capture_info& info, std::string_view path) {
  std::string out;
  char line[512];
  auto row = [&](const char* label, const std::string& value) {
    std::snprintf(line, sizeof line, "%-24s %s\n", label, value.c_str());
    out += line;
  };
  row("File:", std::string(path));
  row("Format:", std::string(capture::format_name(info.format)));
  row("Packets:", std::to_string(info.packets) +
                      (info.records_lost ? " (" + std::to_string(info.records_lost) + " records lost)" : ""));
  row("Bytes captured:", std::to_string(info.bytes_captured));
  if (info.packets_with_time) {
    row("First packet:", seconds(info.first_ns, info.time_digits));
    row("Last packet:", seconds(info.last_ns, info.time_digits));
    std::snprintf(line, sizeof line, "%.6f s", static_cast<double>(info.last_ns - info.first_ns) / 1e9);
    row("Duration:", line);
  }
  auto ft = count_flows(a.flows());
  row("Flows:", std::to_string(a.flows().size()) + " (tcp " + std::to_string(ft.tcp) + ", udp " +
                    std::to_string(ft.udp) + ", icmp " + std::to_string(ft.icmp) + ", other " +
                    std::to_string(ft.other) + ")");
  std::string svc;
  for (const auto& [k, v] : ft.services) svc += (svc.empty() ? "" : ", ") + k + " " + std::to_string(v);
  row("Services:", svc.empty() ? "-" : svc);
  row("Endpoints:", std::to_string(a.endpoints().ip().size()) + " IP, " +
                        std::to_string(a.endpoints().mac().size()) + " MAC");
  row("Log records:", "dns " + std::to_string(a.dns().entries().size()) + ", http " +
                          std::to_string(a.http().entries().size()) + ", tls " +
                          std::to_string(a.tls().entries().size()) + ", quic " +
                          std::to_string(a.quic().entries().size()) + ", dhcp " +
                          std::to_string(a.dhcp().entries().size()));
  auto tc = a.tcp_counters();
  row("TCP reassembly:", std::to_string(tc.bytes_delivered) + " bytes, " + std::to_string(tc.gaps) + " gaps, " +
                             std::to_string(tc.out_of_order) + " out of order");
  auto an = anomaly_counts(a, info);
  if (an.empty()) {
    row("Anomalies:", "none");
  } else {
    row("Anomalies:", "");
    for (const auto& [k, v] : an) {
      std::snprintf(line, sizeof line, "  %-38s %llu\n", k.c_str(), static_cast<unsigned long long>(v));
      out += line;
    }
  }
  if (info.fatal) row("Error:", info.error);
  if (a.opts().stats) {
    out += "\n";
    out += stats::phs_text(a.stats());
  }
  return out;
}

}  // namespace pcapscope::analyze
