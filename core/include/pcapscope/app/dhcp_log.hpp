// dhcp.log records (Zeek field names) as NDJSON or TSV: the text `pcapscope dhcp` prints and the
// wasm session returns.
#pragma once

#include <string>

#include "pcapscope/app/dhcp.hpp"
#include "pcapscope/util/json.hpp"

namespace pcapscope::app {

/// Appends one dhcp.log entry as a record line; in TSV, `header` first adds the field names.
/// Absent values are left out of JSON; TSV prints "-" for them (Zeek's unset).
void append_dhcp_record(std::string& out, const dhcp_log_entry& e, util::log_format fmt, bool header);

/// Every entry of `log` as NDJSON, in order (the text `pcapscope dhcp FILE` prints).
std::string dhcp_log_ndjson(const dhcp_logger& log);

}  // namespace pcapscope::app
