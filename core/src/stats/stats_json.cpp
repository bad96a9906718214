// Text and JSON output of the statistics: tshark-style io,phs text and the JSON object the CLI
// (`pcapscope analyze --json`), the npm package and the web app's charts read
// (see stats/stats.hpp; the shape is documented in docs/statistics.md).
#include <cstdio>

#include "pcapscope/flow/flow.hpp"
#include "pcapscope/stats/stats.hpp"
#include "pcapscope/util/json.hpp"

namespace pcapscope::stats {

namespace {

void phs_lines(const collector& c, std::uint32_t node, std::string& out) {
  const auto& nodes = c.phs();
  for (std::uint32_t k = nodes[node].first_child; k != 0; k = nodes[k].next_sibling) {
    const auto& n = nodes[k];
    // tshark: indentation and name in an 80-byte buffer, printed left-aligned in 40 columns.
    std::string label(2u * (n.depth - 1u), ' ');
    label += c.phs_names()[n.name];
    if (label.size() > 79) label.resize(79);
    char buf[160];
    std::snprintf(buf, sizeof buf, "%-40s frames:%llu bytes:%llu\n", label.c_str(),
                  static_cast<unsigned long long>(n.frames), static_cast<unsigned long long>(n.bytes));
    out += buf;
    phs_lines(c, k, out);
  }
}

void phs_tree(const collector& c, std::uint32_t node, util::json_writer& j) {
  const auto& nodes = c.phs();
  j.begin_array();
  for (std::uint32_t k = nodes[node].first_child; k != 0; k = nodes[k].next_sibling) {
    const auto& n = nodes[k];
    j.begin_object();
    j.key("name").value(c.phs_names()[n.name]);
    j.key("frames").value(n.frames);
    j.key("bytes").value(n.bytes);
    j.key("children");
    phs_tree(c, k, j);
    j.end_object();
  }
  j.end_array();
}

double seconds(std::int64_t ns) { return static_cast<double>(ns) / 1e9; }

void u64_array(util::json_writer& j, const std::vector<std::uint64_t>& v) {
  j.begin_array();
  for (auto x : v) j.value(x);
  j.end_array();
}

// The automatic bucket width: the smallest of 1, 2, 5 x 10^k ns (and then the fine width times a
// power of two) that is a multiple of the fine width and gives at most `max_buckets` buckets.
std::int64_t auto_width(const collector& c, std::size_t max_buckets) {
  std::int64_t fine = c.fine_bucket_ns();
  // last >= first; the unsigned difference is exact even across the whole int64 range.
  std::uint64_t span = static_cast<std::uint64_t>(c.last_ns()) - static_cast<std::uint64_t>(c.first_ns());
  if (max_buckets == 0) max_buckets = 1;
  auto fits = [&](std::int64_t w) { return span / static_cast<std::uint64_t>(w) + 1 <= max_buckets; };
  for (std::int64_t decade = 1000000; decade <= 1000000000000000000 / 5; decade *= 10) {
    for (std::int64_t m : {1, 2, 5}) {
      std::int64_t w = decade * m;
      if (w >= fine && w % fine == 0 && fits(w)) return w;
    }
  }
  std::int64_t w = fine;
  while (!fits(w) && w < (std::int64_t{1} << 61)) w *= 2;
  return w;
}

void talker_row(util::json_writer& j, const talker& e) {
  j.begin_object();
  j.key("addr").value(flow::format_address(e.addr, e.kind == 6));
  j.key("packets").value(e.tx_packets + e.rx_packets);
  j.key("bytes").value(e.tx_bytes + e.rx_bytes);
  j.key("tx_packets").value(e.tx_packets);
  j.key("tx_bytes").value(e.tx_bytes);
  j.key("rx_packets").value(e.rx_packets);
  j.key("rx_bytes").value(e.rx_bytes);
  j.key("flows").value(std::uint64_t{e.flows});
  j.end_object();
}

std::string_view proto_text(std::uint8_t p) {
  switch (p) {
    case flow::ip_proto_tcp: return "tcp";
    case flow::ip_proto_udp: return "udp";
    case flow::ip_proto_sctp: return "sctp";
    default: return "";
  }
}

void port_rows(util::json_writer& j, const std::vector<port_stats>& v, std::size_t top, bool with_port) {
  j.begin_array();
  for (std::size_t i = 0; i < v.size() && i < top; ++i) {
    const auto& s = v[i];
    j.begin_object();
    if (with_port) {
      j.key("proto").value(proto_text(s.ip_proto));
      j.key("port").value(unsigned{s.port});
    }
    j.key("service").value(s.service);
    j.key("flows").value(s.flows);
    j.key("packets").value(s.packets);
    j.key("bytes").value(s.bytes);
    j.end_object();
  }
  j.end_array();
}

}  // namespace

std::string phs_text(const collector& c) {
  std::string out =
      "\n===================================================================\n"
      "Protocol Hierarchy Statistics\n"
      "Filter: \n\n";
  phs_lines(c, 0, out);
  out += "===================================================================\n";
  return out;
}

std::string stats_json(const collector& c, const json_options& opts) {
  util::json_writer j;
  j.begin_object();
  j.key("packets").value(c.packets());
  j.key("bytes").value(c.bytes());
  bool timed = c.has_time();
  j.key("first_time");
  if (timed) j.value(seconds(c.first_ns())); else j.null();
  j.key("last_time");
  if (timed) j.value(seconds(c.last_ns())); else j.null();

  j.key("protocol_hierarchy").begin_object();
  j.key("frames").value(c.phs()[0].frames);
  j.key("bytes").value(c.phs()[0].bytes);
  j.key("capped").value(c.phs_capped());
  j.key("children");
  phs_tree(c, 0, j);
  j.end_object();

  std::int64_t w = opts.bucket_ns > 0 ? opts.bucket_ns : auto_width(c, opts.max_buckets);
  auto s = c.series(w);
  j.key("time_series").begin_object();
  j.key("start_time").value(seconds(s.start_ns));
  j.key("bucket_ns").value(s.bucket_ns);
  j.key("fine_bucket_ns").value(c.fine_bucket_ns());
  j.key("packets");
  u64_array(j, s.packets);
  j.key("bytes");
  u64_array(j, s.bytes);
  j.key("by_class").begin_object();
  for (std::size_t k = 0; k < s.class_packets.size(); ++k) {
    j.key(series_class_name(static_cast<series_class>(k))).begin_object();
    j.key("packets");
    u64_array(j, s.class_packets[k]);
    j.key("bytes");
    u64_array(j, s.class_bytes[k]);
    j.end_object();
  }
  j.end_object();
  j.end_object();

  j.key("top_talkers").begin_object();
  j.key("endpoints").value(static_cast<std::uint64_t>(c.endpoints().size()));
  j.key("by_bytes").begin_array();
  for (auto i : c.top_talkers_by_bytes(opts.top)) talker_row(j, c.endpoints()[i]);
  j.end_array();
  j.key("by_packets").begin_array();
  for (auto i : c.top_talkers_by_packets(opts.top)) talker_row(j, c.endpoints()[i]);
  j.end_array();
  j.end_object();

  j.key("ports");
  port_rows(j, c.ports(), opts.top, true);
  j.key("services");
  port_rows(j, c.services(), opts.top, false);

  j.key("packet_lengths").begin_array();
  const auto& pl = c.plen();
  for (std::size_t i = 0; i < plen_bins; ++i) {
    j.begin_object();
    j.key("min_len").value(plen_bin_low(i));
    j.key("max_len");
    if (i + 1 < plen_bins) j.value(plen_bin_low(i + 1) - 1); else j.null();
    j.key("packets").value(pl.count[i]);
    j.key("bytes").value(pl.bytes[i]);
    j.key("smallest");
    if (pl.count[i]) j.value(pl.min[i]); else j.null();
    j.key("largest");
    if (pl.count[i]) j.value(pl.max[i]); else j.null();
    j.end_object();
  }
  j.end_array();
  j.end_object();
  return j.take();
}

}  // namespace pcapscope::stats
