// The capture summary as JSON: the one format shared by `pcapscope info --json`, the wasm
// binding and the npm package.
#pragma once

#include <string>

#include "pcapscope/capture/types.hpp"

namespace pcapscope::capture {

/// Serializes `info` as a JSON object (keys documented in README "info --json").
/// `compression` is "none" or "gzip".
std::string summary_json(const capture_info& info, std::string_view compression = "none");

}  // namespace pcapscope::capture
