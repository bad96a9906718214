// dns.log records as NDJSON/TSV (see app/dns_log.hpp and docs/dns.md).
#include "pcapscope/app/dns_log.hpp"

#include <vector>

#include "pcapscope/util/log_record.hpp"

namespace pcapscope::app {

namespace {

using util::zeek_seconds;

std::string type_name(std::uint16_t t) {
  auto n = dns_type_name(t);
  return n.empty() ? "TYPE" + std::to_string(t) : std::string(n);
}

}  // namespace

void append_dns_record(std::string& out, const dns_log_entry& e, util::log_format fmt, bool header) {
  util::log_record r;
  r.num("ts", zeek_seconds(e.ts_ns));
  r.str("uid", e.uid, !e.uid.empty());
  r.str("id.orig_h", e.orig_h);
  r.num("id.orig_p", e.orig_p);
  r.str("id.resp_h", e.resp_h);
  r.num("id.resp_p", e.resp_p);
  r.str("proto", e.tcp ? "tcp" : "udp");
  r.num("trans_id", e.trans_id);
  r.num("rtt", zeek_seconds(e.rtt_ns), e.has_query && e.has_response);
  r.str("query", e.query, e.has_question);
  r.num("qclass", e.qclass, e.has_question);
  auto qc = dns_class_name(e.qclass);
  r.str("qclass_name", qc.empty() ? std::to_string(e.qclass) : std::string(qc), e.has_question);
  r.num("qtype", e.qtype, e.has_question);
  r.str("qtype_name", type_name(e.qtype), e.has_question);
  r.num("rcode", e.rcode, e.has_response);
  auto rn = dns_rcode_name(e.rcode);
  r.str("rcode_name", rn.empty() ? std::to_string(e.rcode) : std::string(rn), e.has_response);
  r.flag("AA", e.aa);
  r.flag("TC", e.tc);
  r.flag("RD", e.rd);
  r.flag("RA", e.ra);
  r.num("Z", e.z);
  r.str_list("answers", e.answers);
  std::vector<std::string> ttls;
  for (auto t : e.ttls) ttls.push_back(std::to_string(t) + ".0");
  r.num_list("TTLs", std::move(ttls));
  r.flag("rejected", e.rejected);
  std::vector<std::string> anomalies;
  for (const auto& a : e.anomalies) {
    anomalies.push_back(std::string(dns_anomaly_name(a.code)) + "@" + std::to_string(a.offset));
  }
  r.str_list("anomalies", std::move(anomalies));
  r.write(out, fmt, header);
}

std::string dns_log_ndjson(const dns_logger& log) {
  std::string out;
  for (const auto& e : log.entries()) append_dns_record(out, e, util::log_format::ndjson, false);
  return out;
}

}  // namespace pcapscope::app
