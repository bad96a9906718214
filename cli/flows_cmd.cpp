// `pcapscope flows` and `pcapscope endpoints` (see flows_cmd.hpp and docs/flows.md).
#include "flows_cmd.hpp"

#include <cinttypes>
#include <cstdio>
#include <string>
#include <vector>

#include "pcapscope/capture/file.hpp"
#include "pcapscope/dissect/packet.hpp"
#include "pcapscope/flow/flow.hpp"
#include "pcapscope/index/index.hpp"
#include "pcapscope/util/json.hpp"

namespace pcapscope::cli {

namespace {

// The index pass (dissection, IP reassembly, flow tracking), feeding the endpoint tables too.
class flow_pass : public capture::handler {
 public:
  explicit flow_pass(bool endpoints) : endpoints_(endpoints) {}
  void on_record(const capture::record& r) override {
    builder_.on_record(r);
    if (endpoints_) table.add(r, builder_.last_packet(), builder_.last_track());
  }
  flow::flow_tracker tracker;
  flow::endpoint_table table;

 private:
  bool endpoints_;
  index::index_builder builder_{nullptr, &tracker};
};

// Seconds with six decimals (Zeek's precision), from nanoseconds.
std::string seconds(std::int64_t ns) {
  bool neg = ns < 0;
  std::uint64_t u = neg ? static_cast<std::uint64_t>(-ns) : static_cast<std::uint64_t>(ns);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%s%" PRIu64 ".%06" PRIu64, neg ? "-" : "", u / 1000000000u, (u % 1000000000u) / 1000u);
  return buf;
}

std::string_view proto_text(std::uint8_t p) {
  switch (p) {
    case flow::ip_proto_tcp: return "tcp";
    case flow::ip_proto_udp: return "udp";
    case flow::ip_proto_icmp:
    case flow::ip_proto_icmpv6: return "icmp";
    default: return "unknown_transport";
  }
}

int run(const std::string& path, flow_pass& pass) {
  std::string err;
  auto f = capture::capture_file::open(path, err);
  if (!f) {
    std::fprintf(stderr, "pcapscope: %s\n", err.c_str());
    return 1;
  }
  auto st = f->read_all(&pass);
  if (!st.ok) {
    std::fprintf(stderr, "pcapscope: %s: %s\n", path.c_str(), st.message.c_str());
    return 1;
  }
  return 0;
}

// One output row: ordered (name, value, is_number) cells; absent values are skipped in JSON
// and printed as "-" in TSV, as Zeek does.
struct row {
  struct cell {
    const char* name;
    std::string value;
    bool number;
    bool present;
  };
  std::vector<cell> cells;
  void num(const char* n, const std::string& v, bool present = true) { cells.push_back({n, v, true, present}); }
  void num(const char* n, std::uint64_t v, bool present = true) { cells.push_back({n, std::to_string(v), true, present}); }
  void str(const char* n, std::string v, bool present = true) { cells.push_back({n, std::move(v), false, present}); }
};

void emit(std::string& out, const row& r, bool tsv, bool header) {
  if (tsv) {
    if (header) {
      for (std::size_t i = 0; i < r.cells.size(); ++i) {
        if (i) out += '\t';
        out += r.cells[i].name;
      }
      out += '\n';
    }
    for (std::size_t i = 0; i < r.cells.size(); ++i) {
      if (i) out += '\t';
      out += r.cells[i].present && !r.cells[i].value.empty() ? r.cells[i].value : "-";
    }
    out += '\n';
    return;
  }
  out += '{';
  bool first = true;
  for (const auto& c : r.cells) {
    if (!c.present) continue;
    if (!first) out += ',';
    first = false;
    util::append_json_string(out, c.name);
    out += ':';
    if (c.number) out += c.value;
    else util::append_json_string(out, c.value);
  }
  out += "}\n";
}

bool check_format(const char* cmd, const std::string& format) {
  if (format == "ndjson" || format == "tsv") return true;
  std::fprintf(stderr, "pcapscope %s: unknown format \"%s\" (ndjson or tsv)\n", cmd, format.c_str());
  return false;
}

}  // namespace

int cmd_flows(const std::string& path, const std::string& format) {
  if (!check_format("flows", format)) return 2;
  flow_pass pass(false);
  int rc = run(path, pass);
  bool tsv = format == "tsv";
  std::string out;
  for (std::uint32_t id = 1; id <= pass.tracker.size(); ++id) {
    const auto& f = pass.tracker.get(id);
    bool v6 = f.key.ipv6();
    bool tcp = f.proto() == flow::ip_proto_tcp;
    bool has_dur = f.duration_ns() > 0;
    row r;
    r.num("ts", seconds(f.start_ns));
    r.str("uid", flow::uid(f));
    r.str("id.orig_h", flow::format_address(f.addr(0), v6));
    r.num("id.orig_p", f.port(0));
    r.str("id.resp_h", flow::format_address(f.addr(1), v6));
    r.num("id.resp_p", f.port(1));
    r.str("proto", std::string(proto_text(f.proto())));
    r.str("service", std::string(flow::service_name(static_cast<flow::service>(f.svc))), f.svc != 0);
    r.num("duration", seconds(f.duration_ns()), has_dur);
    r.num("orig_bytes", f.payload_bytes(0), has_dur);
    r.num("resp_bytes", f.payload_bytes(1), has_dur);
    r.str("conn_state", std::string(flow::conn_state_name(f.state())));
    r.num("missed_bytes", std::uint64_t{0});
    r.str("history", std::string(f.history_view()), f.history_len > 0);
    r.num("orig_pkts", f.pkts[0]);
    r.num("orig_ip_bytes", f.ip_bytes[0]);
    r.num("resp_pkts", f.pkts[1]);
    r.num("resp_ip_bytes", f.ip_bytes[1]);
    r.num("ip_proto", f.proto());
    r.num("vlan", f.key.vlan(), (f.key.ctx & flow::ctx_has_vlan) != 0);
    r.num("vni", f.key.vni(), (f.key.ctx & flow::ctx_has_vni) != 0);
    r.str("community_id", flow::community_id(f));
    r.num("retransmissions", f.retransmissions(), tcp);
    r.num("out_of_order", f.out_of_order, tcp);
    r.num("dup_acks", f.dup_acks, tcp);
    r.num("zero_windows", f.zero_windows(), tcp);
    bool rtt = f.rtt_synack_ack_ns != 0;
    r.num("rtt", seconds(std::int64_t{f.rtt_syn_synack_ns} + f.rtt_synack_ack_ns), rtt);
    r.num("rtt_syn_synack", seconds(f.rtt_syn_synack_ns), f.rtt_syn_synack_ns != 0);
    r.num("rtt_synack_ack", seconds(f.rtt_synack_ack_ns), rtt);
    r.num("flow_id", id);  // what `pcapscope follow FILE FLOW` takes
    emit(out, r, tsv, id == 1);
    if (out.size() > (1 << 16)) {
      std::fwrite(out.data(), 1, out.size(), stdout);
      out.clear();
    }
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return rc;
}

int cmd_endpoints(const std::string& path, const std::string& format) {
  if (!check_format("endpoints", format)) return 2;
  flow_pass pass(true);
  int rc = run(path, pass);
  bool tsv = format == "tsv";
  std::string out;
  bool first = true;
  auto print = [&](const flow::endpoint_stats& e) {
    row r;
    std::string addr;
    const char* type;
    if (e.kind == 0) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", e.addr[0], e.addr[1], e.addr[2], e.addr[3],
                    e.addr[4], e.addr[5]);
      addr = buf;
      type = "mac";
    } else {
      addr = flow::format_address(e.addr, e.kind == 6);
      type = e.kind == 6 ? "ipv6" : "ipv4";
    }
    r.str("address", addr);
    r.str("type", type);
    r.num("packets", e.tx_packets + e.rx_packets);
    r.num("bytes", e.tx_bytes + e.rx_bytes);
    r.num("tx_packets", e.tx_packets);
    r.num("tx_bytes", e.tx_bytes);
    r.num("rx_packets", e.rx_packets);
    r.num("rx_bytes", e.rx_bytes);
    r.num("flows", e.flows);
    r.num("first_ts", seconds(e.first_ns));
    r.num("last_ts", seconds(e.last_ns));
    emit(out, r, tsv, first);
    first = false;
  };
  for (const auto& e : pass.table.ip()) print(e);
  for (const auto& e : pass.table.mac()) print(e);
  std::fwrite(out.data(), 1, out.size(), stdout);
  return rc;
}

}  // namespace pcapscope::cli
