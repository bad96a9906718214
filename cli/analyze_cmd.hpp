// Commands that run the whole analysis pass (analyze/analyzer.hpp): `analyze` and the
// application logs (`dns`, ...).
#pragma once

#include <string>
#include <vector>

namespace pcapscope::analyze {
class analyzer;
}

namespace pcapscope::cli {

/// A fresh analysis for a command, left to the OS at exit: the tables of a big capture hold
/// millions of small allocations, and freeing them one by one cost ~15 % of `analyze` on the
/// bench capture. It stays reachable, so leak checkers stay quiet.
analyze::analyzer& new_analysis();

/// `pcapscope analyze FILE [--json]`: the summary the web app shows (capture facts, flows,
/// services, log record counts, reassembly and anomaly counters).
int cmd_analyze(const std::string& path, bool json);

/// `pcapscope LOG FILE [--format ndjson|tsv] [--filter EXPR]` for LOG in dns, http, tls, quic,
/// dhcp (and `flows`): the log's records with Zeek field names; with a display filter, only the
/// records of flows that have a packet matching it (as the web app narrows its tables).
int cmd_log(const std::string& log, const std::string& path, const std::string& format,
            const std::string& filter_expr = {});

/// `pcapscope objects FILE [--extract DIR] [--format ndjson|tsv]`: the HTTP bodies (Export
/// Objects → HTTP) listed, or written to DIR under the names tshark gives them.
int cmd_objects(const std::vector<std::string>& args);

/// True when `name` is a log `cmd_log` prints.
bool is_log_command(const std::string& name);

}  // namespace pcapscope::cli
