// `pcapscope dns`: one Zeek dns.log-style record per query/response pair.
#pragma once

#include <string>

namespace pcapscope::cli {

/// Prints the DNS log of `path` as ndjson or tsv; returns the exit status.
int cmd_dns(const std::string& path, const std::string& format);

}  // namespace pcapscope::cli
