// `pcapscope endpoints`: per-address totals (`flows` is printed by cmd_log, analyze_cmd.hpp).
#pragma once

#include <string>

namespace pcapscope::cli {

/// Prints one record per IP and MAC endpoint; returns the exit status.
int cmd_endpoints(const std::string& path, const std::string& format);

}  // namespace pcapscope::cli
