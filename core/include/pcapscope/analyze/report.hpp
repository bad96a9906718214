// What `pcapscope analyze` prints and the wasm session returns as the analysis summary: capture
// facts, flow and log counts, reassembly and anomaly counters, as JSON or as text.
#pragma once

#include <string>
#include <string_view>

#include "pcapscope/analyze/analyzer.hpp"
#include "pcapscope/capture/types.hpp"

namespace pcapscope::analyze {

/// The analysis summary as one JSON object (shape documented in docs/analyze.md).
/// Call after `analyzer::finish()`. `compression` is "none" or "gzip".
std::string analysis_json(const analyzer& a, const capture::capture_info& info, std::string_view compression = "none");

/// The same figures as aligned text for a terminal.
std::string analysis_text(const analyzer& a, const capture::capture_info& info, std::string_view path);

}  // namespace pcapscope::analyze
