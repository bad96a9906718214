// http.log records and export-object rows as NDJSON/TSV (see app/http_log.hpp and docs/http.md).
#include "pcapscope/app/http_log.hpp"

#include "pcapscope/util/log_record.hpp"

namespace pcapscope::app {

using util::zeek_seconds;

void append_http_record(std::string& out, const http_log_entry& e, util::log_format fmt, bool header) {
  // A one-value list, or none.
  auto mime_list = [](std::string_view m) {
    return m.empty() ? std::vector<std::string>{} : std::vector<std::string>{std::string(m)};
  };
  util::log_record r;
  r.num("ts", zeek_seconds(e.ts_ns));
  add_conn_id(r, http_conn_id(e));
  r.num("trans_depth", e.trans_depth);
  r.str("method", std::string(e.method), e.has_request);
  r.str("host", std::string(e.host), e.has_host);
  r.str("uri", std::string(e.uri), e.has_request);
  r.str("referrer", std::string(e.referrer), e.has_referrer);
  r.str("version", std::string(e.version), !e.version.empty());
  r.str("user_agent", std::string(e.user_agent), e.has_user_agent);
  r.str("origin", std::string(e.origin), e.has_origin);
  r.num("request_body_len", e.request_body_len);
  r.num("response_body_len", e.response_body_len);
  r.num("status_code", e.status_code, e.has_response);
  r.str("status_msg", std::string(e.status_msg), e.has_response);
  r.num("info_code", e.info_code, e.info_code != 0);
  r.str("info_msg", std::string(e.info_msg), e.info_code != 0);
  r.str_list("tags", http_tag_names(e.tags), true);
  r.str_list("orig_mime_types", mime_list(e.orig_mime_type));
  r.str_list("resp_mime_types", mime_list(e.resp_mime_type));
  r.num("request_frame", e.request_frame, e.request_frame != 0);
  r.num("response_frame", e.response_frame, e.response_frame != 0);
  r.str("orig_content_type", std::string(e.orig_content_type), !e.orig_content_type.empty());
  r.str("resp_content_type", std::string(e.resp_content_type), !e.resp_content_type.empty());
  r.str("orig_content_encoding", std::string(e.orig_content_encoding), !e.orig_content_encoding.empty());
  r.str("resp_content_encoding", std::string(e.resp_content_encoding), !e.resp_content_encoding.empty());
  std::vector<std::string> anomalies;
  for (auto a : e.anomalies) anomalies.emplace_back(http_anomaly_name(a));
  r.str_list("anomalies", std::move(anomalies));
  r.str("proto", e.udp ? "udp" : "tcp");  // not in Zeek's http.log (Zeek parses no HTTP over UDP)
  r.write(out, fmt, header);
}

std::string http_log_ndjson(const http_logger& log) {
  std::string out;
  for (const auto e : log.entries()) append_http_record(out, e, util::log_format::ndjson, false);
  return out;
}

void append_http_object_record(std::string& out, std::size_t index, const http_object& o, const std::string& file_name,
                               util::log_format fmt, bool header) {
  util::log_record r;
  r.num("index", index);
  r.num("frame", o.frame);
  r.str("hostname", std::string(o.hostname), !o.hostname.empty());
  r.str("content_type", std::string(o.content_type), !o.content_type.empty());
  r.num("size", o.size);
  r.str("filename", file_name);
  r.num("flow_id", o.flow_id);
  r.num("dir", o.dir);
  r.str("kind", o.response ? "response" : "request");
  r.num("message", o.message);
  r.num("entry", o.entry);
  r.str("content_encoding", std::string(o.content_encoding), !o.content_encoding.empty());
  r.str("disposition_filename", std::string(o.disposition_filename), !o.disposition_filename.empty());
  r.flag("complete", o.complete);
  r.write(out, fmt, header);
}

std::string http_objects_ndjson(const http_logger& log) {
  std::string out;
  const auto objects = log.objects();
  auto names = http_object_file_names(objects);
  for (std::size_t i = 0; i < objects.size(); ++i) {
    append_http_object_record(out, i, objects[i], names[i], util::log_format::ndjson, false);
  }
  return out;
}

}  // namespace pcapscope::app
