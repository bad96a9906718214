// dns.log records as NDJSON/TSV (see app/dns_log.hpp and docs/dns.md).
#include "pcapscope/app/dns_log.hpp"

#include <vector>

namespace pcapscope::app {

namespace {

using util::zeek_seconds;

// One output cell: JSON kind and presence; TSV prints "-" for absent cells (Zeek's unset) and
// "(empty)" for empty vectors, T/F for booleans, comma-joined vectors.
struct cell {
  enum kind_t { number, text, boolean, text_list, number_list } kind;
  const char* name;
  std::string value;
  std::vector<std::string> list;
  bool present = true;
};

void emit(std::string& out, const std::vector<cell>& cells, bool tsv, bool header) {
  if (tsv) {
    if (header) {
      for (std::size_t i = 0; i < cells.size(); ++i) {
        if (i) out += '\t';
        out += cells[i].name;
      }
      out += '\n';
    }
    for (std::size_t i = 0; i < cells.size(); ++i) {
      if (i) out += '\t';
      const auto& c = cells[i];
      if (!c.present) {
        out += '-';
      } else if (c.kind == cell::text_list || c.kind == cell::number_list) {
        if (c.list.empty()) out += "(empty)";
        for (std::size_t k = 0; k < c.list.size(); ++k) {
          if (k) out += ',';
          out += c.list[k];
        }
      } else if (c.kind == cell::boolean) {
        out += c.value == "true" ? "T" : "F";
      } else {
        out += c.value.empty() ? "(empty)" : c.value;
      }
    }
    out += '\n';
    return;
  }
  out += '{';
  bool first = true;
  for (const auto& c : cells) {
    if (!c.present) continue;
    if (!first) out += ',';
    first = false;
    util::append_json_string(out, c.name);
    out += ':';
    switch (c.kind) {
      case cell::number:
      case cell::boolean: out += c.value; break;
      case cell::text: util::append_json_string(out, c.value); break;
      case cell::text_list:
      case cell::number_list:
        out += '[';
        for (std::size_t k = 0; k < c.list.size(); ++k) {
          if (k) out += ',';
          if (c.kind == cell::text_list) util::append_json_string(out, c.list[k]);
          else out += c.list[k];
        }
        out += ']';
    }
  }
  out += "}\n";
}

std::string type_name(std::uint16_t t) {
  auto n = dns_type_name(t);
  return n.empty() ? "TYPE" + std::to_string(t) : std::string(n);
}

}  // namespace

void append_dns_record(std::string& out, const dns_log_entry& e, util::log_format fmt, bool header) {
  std::vector<cell> c;
  auto num = [&](const char* n, std::string v, bool present = true) {
    c.push_back({cell::number, n, std::move(v), {}, present});
  };
  auto str = [&](const char* n, std::string v, bool present = true) {
    c.push_back({cell::text, n, std::move(v), {}, present});
  };
  auto flag = [&](const char* n, bool v) { c.push_back({cell::boolean, n, v ? "true" : "false", {}, true}); };
  num("ts", zeek_seconds(e.ts_ns));
  str("uid", e.uid, !e.uid.empty());
  str("id.orig_h", e.orig_h);
  num("id.orig_p", std::to_string(e.orig_p));
  str("id.resp_h", e.resp_h);
  num("id.resp_p", std::to_string(e.resp_p));
  str("proto", e.tcp ? "tcp" : "udp");
  num("trans_id", std::to_string(e.trans_id));
  num("rtt", zeek_seconds(e.rtt_ns), e.has_query && e.has_response);
  str("query", e.query, e.has_question);
  num("qclass", std::to_string(e.qclass), e.has_question);
  auto qc = dns_class_name(e.qclass);
  str("qclass_name", qc.empty() ? std::to_string(e.qclass) : std::string(qc), e.has_question);
  num("qtype", std::to_string(e.qtype), e.has_question);
  str("qtype_name", type_name(e.qtype), e.has_question);
  num("rcode", std::to_string(e.rcode), e.has_response);
  auto rn = dns_rcode_name(e.rcode);
  str("rcode_name", rn.empty() ? std::to_string(e.rcode) : std::string(rn), e.has_response);
  flag("AA", e.aa);
  flag("TC", e.tc);
  flag("RD", e.rd);
  flag("RA", e.ra);
  num("Z", std::to_string(e.z));
  cell answers{cell::text_list, "answers", {}, e.answers, !e.answers.empty()};
  c.push_back(std::move(answers));
  cell ttls{cell::number_list, "TTLs", {}, {}, !e.ttls.empty()};
  for (auto t : e.ttls) ttls.list.push_back(std::to_string(t) + ".0");
  c.push_back(std::move(ttls));
  flag("rejected", e.rejected);
  cell anomalies{cell::text_list, "anomalies", {}, {}, !e.anomalies.empty()};
  for (const auto& a : e.anomalies) {
    anomalies.list.push_back(std::string(dns_anomaly_name(a.code)) + "@" + std::to_string(a.offset));
  }
  c.push_back(std::move(anomalies));
  emit(out, c, fmt == util::log_format::tsv, header);
}

std::string dns_log_ndjson(const dns_logger& log) {
  std::string out;
  for (const auto& e : log.entries()) append_dns_record(out, e, util::log_format::ndjson, false);
  return out;
}

}  // namespace pcapscope::app
