// quic.log records as NDJSON/TSV (see app/quic_log.hpp and docs/quic.md).
#include "pcapscope/app/quic_log.hpp"

#include <cstdio>
#include <vector>

#include "pcapscope/util/log_record.hpp"

namespace pcapscope::app {

namespace {

// Zeek's log escaping: printable ASCII kept, other bytes as "\xNN".
std::string escaped(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    auto ch = static_cast<unsigned char>(c);
    if (ch >= 0x20 && ch < 0x7F) {
      out += static_cast<char>(ch);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", ch);
      out += buf;
    }
  }
  return out;
}

}  // namespace

void append_quic_record(std::string& out, const quic_log_entry& e, util::log_format fmt, bool header) {
  util::log_record r;
  r.num("ts", util::zeek_seconds(e.ts_ns));
  add_conn_id(r, e.id);
  r.str("version", quic_version_name(e.version));
  r.str("client_initial_dcid", e.client_initial_dcid, !e.client_initial_dcid.empty());
  r.str("client_scid", e.client_scid, e.has_client_scid);
  r.str("server_scid", e.server_scid, e.has_server_scid);
  r.str("server_name", escaped(e.server_name), e.has_client_hello && !e.server_name.empty());
  r.str("client_protocol", escaped(e.client_protocol), e.has_client_hello && !e.client_protocol.empty());
  r.str("history", e.history);
  r.str("ja4", e.ja4, !e.ja4.empty());
  r.num("client_hello_frame", e.client_hello_frame, e.client_hello_frame != 0);
  r.num("server_hello_frame", e.server_hello_frame, e.server_hello_frame != 0);
  std::vector<std::string> anomalies;
  for (const auto& a : e.anomalies) {
    anomalies.push_back(std::string(quic_anomaly_name(a.code)) + "@" + std::to_string(a.frame) + ":" +
                        std::to_string(a.offset));
  }
  r.str_list("anomalies", std::move(anomalies));
  r.write(out, fmt, header);
}

std::string quic_log_ndjson(const quic_logger& log) {
  std::string out;
  for (const auto& e : log.entries()) append_quic_record(out, e, util::log_format::ndjson, false);
  return out;
}

}  // namespace pcapscope::app
