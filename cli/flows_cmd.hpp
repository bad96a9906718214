// `pcapscope flows` and `pcapscope endpoints`: Zeek conn.log-style flow records and per-address
// totals.
#pragma once

#include <string>

namespace pcapscope::cli {

/// Prints one record per flow (Zeek conn.log field names plus TCP metrics); returns the exit status.
int cmd_flows(const std::string& path, const std::string& format);

/// Prints one record per IP and MAC endpoint; returns the exit status.
int cmd_endpoints(const std::string& path, const std::string& format);

}  // namespace pcapscope::cli
