// dns.log records (Zeek field names) as NDJSON or TSV: the text `pcapscope dns` prints and the
// wasm session returns.
#pragma once

#include <string>

#include "pcapscope/app/dns.hpp"
#include "pcapscope/util/json.hpp"

namespace pcapscope::app {

/// Appends one dns.log entry as a record line; in TSV, `header` first adds the field names.
/// Absent values are left out of JSON; TSV prints "-" for them (Zeek's unset), "(empty)" for
/// empty vectors, T/F for booleans and comma-joined vectors.
void append_dns_record(std::string& out, const dns_log_entry& e, util::log_format fmt, bool header);

/// Every entry of `log` as NDJSON, in order (the text `pcapscope dns FILE` prints).
std::string dns_log_ndjson(const dns_logger& log);

}  // namespace pcapscope::app
