// conn.log and endpoint records as NDJSON/TSV (see flow/conn_log.hpp and docs/flows.md).
#include "pcapscope/flow/conn_log.hpp"

#include <cstdio>
#include <string_view>
#include <vector>

#include "pcapscope/index/index.hpp"

namespace pcapscope::flow {

namespace {

using util::zeek_seconds;

std::string_view proto_text(std::uint8_t p) {
  switch (p) {
    case ip_proto_tcp: return "tcp";
    case ip_proto_udp: return "udp";
    case ip_proto_icmp:
    case ip_proto_icmpv6: return "icmp";
    default: return "unknown_transport";
  }
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
  row() { cells.reserve(32); }
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
    // Field names are literals of letters, '.' and '_': nothing to escape (escaping them byte
    // by byte was ~4,300 of the ~28,000 instructions of a conn record).
    out += '"';
    out += c.name;
    out += "\":";
    if (c.number) out += c.value;
    else util::append_json_string(out, c.value);
  }
  out += "}\n";
}

}  // namespace

void append_conn_record(std::string& out, const flow_tracker& t, std::uint32_t id, util::log_format fmt,
                        bool header) {
  const auto& f = t.get(id);
  bool v6 = f.key.ipv6();
  bool tcp = f.proto() == ip_proto_tcp;
  bool has_dur = f.duration_ns() > 0;
  row r;
  r.num("ts", zeek_seconds(f.start_ns));
  r.str("uid", uid(f));
  r.str("id.orig_h", format_address(f.addr(0), v6));
  r.num("id.orig_p", f.port(0));
  r.str("id.resp_h", format_address(f.addr(1), v6));
  r.num("id.resp_p", f.port(1));
  r.str("proto", std::string(proto_text(f.proto())));
  r.str("service", std::string(service_name(static_cast<service>(f.svc))), f.svc != 0);
  r.num("duration", zeek_seconds(f.duration_ns()), has_dur);
  r.num("orig_bytes", f.payload_bytes(0), has_dur);
  r.num("resp_bytes", f.payload_bytes(1), has_dur);
  r.str("conn_state", std::string(conn_state_name(f.state())));
  r.num("missed_bytes", t.missed_bytes(id));
  r.str("history", std::string(f.history_view()), f.history_len > 0);
  r.num("orig_pkts", f.pkts[0]);
  r.num("orig_ip_bytes", f.ip_bytes[0]);
  r.num("resp_pkts", f.pkts[1]);
  r.num("resp_ip_bytes", f.ip_bytes[1]);
  r.num("ip_proto", f.proto());
  r.num("vlan", f.key.vlan(), (f.key.ctx & ctx_has_vlan) != 0);
  r.num("vni", f.key.vni(), (f.key.ctx & ctx_has_vni) != 0);
  r.str("community_id", community_id(f));
  r.num("retransmissions", f.retransmissions(), tcp);
  r.num("out_of_order", f.out_of_order, tcp);
  r.num("dup_acks", f.dup_acks, tcp);
  r.num("zero_windows", f.zero_windows(), tcp);
  bool rtt = f.rtt_synack_ack_ns != 0;
  r.num("rtt", zeek_seconds(std::int64_t{f.rtt_syn_synack_ns} + f.rtt_synack_ack_ns), rtt);
  r.num("rtt_syn_synack", zeek_seconds(f.rtt_syn_synack_ns), f.rtt_syn_synack_ns != 0);
  r.num("rtt_synack_ack", zeek_seconds(f.rtt_synack_ack_ns), rtt);
  r.num("flow_id", id);  // what `pcapscope follow FILE FLOW` takes
  emit(out, r, fmt == util::log_format::tsv, header);
}

std::string conn_log_json(const flow_tracker& t) {
  std::string out;
  out.reserve(t.size() * 512);  // a record is ~500 bytes
  for (std::uint32_t id = 1; id <= t.size(); ++id) {
    append_conn_record(out, t, id, util::log_format::ndjson, false);
  }
  return out;
}

void append_endpoint_record(std::string& out, const endpoint_stats& e, util::log_format fmt, bool header) {
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
    addr = format_address(e.addr, e.kind == 6);
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
  r.num("first_ts", zeek_seconds(e.first_ns));
  r.num("last_ts", zeek_seconds(e.last_ns));
  emit(out, r, fmt == util::log_format::tsv, header);
}

std::string endpoints_json(const endpoint_table& t) {
  std::string out;
  for (const auto& e : t.ip()) append_endpoint_record(out, e, util::log_format::ndjson, false);
  for (const auto& e : t.mac()) append_endpoint_record(out, e, util::log_format::ndjson, false);
  return out;
}

void endpoint_index_handler::on_record(const capture::record& r) {
  if (source_) table_.add(r, source_->last_packet(), source_->last_track());
  if (next_) next_->on_record(r);
}

}  // namespace pcapscope::flow
