// quic.log records (Zeek field names, plus ja4 and frame numbers) as NDJSON or TSV: the text
// `pcapscope quic` prints and the wasm session returns.
#pragma once

#include <string>

#include "pcapscope/app/quic.hpp"
#include "pcapscope/util/json.hpp"

namespace pcapscope::app {

/// Appends one quic.log entry as a record line; in TSV, `header` first adds the field names.
/// Absent values are left out of JSON; TSV prints "-" for them (Zeek's unset). Server names and
/// protocols are escaped as Zeek does (bytes outside printable ASCII as "\xNN").
void append_quic_record(std::string& out, const quic_log_entry& e, util::log_format fmt, bool header);

/// Every entry of `log` as NDJSON, in order (the text `pcapscope quic FILE` prints).
std::string quic_log_ndjson(const quic_logger& log);

}  // namespace pcapscope::app
