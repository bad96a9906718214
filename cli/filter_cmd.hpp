// `pcapscope filter FILE EXPR [-o OUT] [--format ndjson|tsv] [--fields …]`: display filters.
#pragma once

#include <string>
#include <vector>

#include "pcapscope/filter/filter.hpp"

namespace pcapscope::cli {

/// Runs the filter command; `args` are the arguments after "filter". Returns the exit status
/// (0 ok, 1 the file could not be read or written, 2 usage or a bad filter).
int cmd_filter(const std::vector<std::string>& args);

/// Compiles `expr`; on an error prints it for command `cmd` with a caret under the span and
/// returns false.
bool compile_filter(const char* cmd, const std::string& expr, filter::filter& out);

/// Usage lines of the filter command (for the main usage text).
extern const char* const filter_usage;

}  // namespace pcapscope::cli
