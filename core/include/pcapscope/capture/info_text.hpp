// The human-readable capture summary `pcapscope info FILE` prints (capinfos-like), shared by the
// native CLI and the npm package's CLI (`npx pcapscope info`), which must print the same bytes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "pcapscope/capture/types.hpp"

namespace pcapscope::capture {

/// The `pcapscope info` text for one file: `file_name` as given on the command line, `gzip`
/// whether it was compressed, `file_size` its size on disk (compressed size for gzip). Ends
/// with a newline.
std::string info_text(const capture_info& info, std::string_view file_name, bool gzip, std::uint64_t file_size);

}  // namespace pcapscope::capture
