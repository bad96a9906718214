// ssl.log records (Zeek field names) as NDJSON or TSV: the text `pcapscope tls` prints and the
// wasm session returns.
#pragma once

#include <string>

#include "pcapscope/app/tls.hpp"
#include "pcapscope/util/json.hpp"

namespace pcapscope::app {

/// Appends one ssl.log entry as a record line; in TSV, `header` first adds the field names.
/// Absent values are left out of JSON; TSV prints "-" for them (Zeek's unset).
void append_tls_record(std::string& out, const tls_log_entry& e, util::log_format fmt, bool header);

/// Every entry of `log` as NDJSON, in order (the text `pcapscope tls FILE` prints).
std::string tls_log_ndjson(const tls_logger& log);

}  // namespace pcapscope::app
