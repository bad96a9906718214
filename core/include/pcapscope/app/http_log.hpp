// http.log records (Zeek field names plus pcapscope's frame, content and anomaly fields) as
// NDJSON or TSV, and the Export Objects → HTTP list: the text `pcapscope http` / `objects` print
// and the wasm session returns.
#pragma once

#include <string>
#include <vector>

#include "pcapscope/app/http.hpp"
#include "pcapscope/util/json.hpp"

namespace pcapscope::app {

/// Appends one http.log entry as a record line; in TSV, `header` first adds the field names.
/// Absent values are left out of JSON; TSV prints "-" for them, "(empty)" for empty lists.
void append_http_record(std::string& out, const http_log_entry& e, util::log_format fmt, bool header);

/// Every entry of `log` as NDJSON, in order.
std::string http_log_ndjson(const http_logger& log);

/// Appends one export-object row (index, frame, hostname, content type, size, file name, flow,
/// direction, message, encoding, complete) as a record line.
void append_http_object_record(std::string& out, std::size_t index, const http_object& o, const std::string& file_name,
                               util::log_format fmt, bool header);

/// Every object of `log` (file names as tshark would write them) as NDJSON, in order.
std::string http_objects_ndjson(const http_logger& log);

}  // namespace pcapscope::app
