// libFuzzer target for the HTTP parser and logger: tests/fuzz/run.sh http_fuzz SECONDS.
//
// Input: a stream script (stream_script.hpp), run twice — every data segment as one call, then
// cut into pseudo-random pieces (1 byte to the whole, from the seed) — and both runs must give
// the same log, objects and anomaly counts.
// The limits are small so that limit paths are reached; buffered bytes must stay within them.
// tests/app/http_test.cpp includes this file (with PCAPSCOPE_HTTP_FUZZ_NO_MAIN) to replay the
// inputs kept in tests/fuzz/regressions/http_fuzz/.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "pcapscope/app/http.hpp"
#include "pcapscope/app/http_log.hpp"
#include "stream_script.hpp"

namespace http_fuzz {

using namespace pcapscope;

using stream_script::segment;

/// Small limits so limit paths are hit by short inputs.
inline app::http_limits fuzz_limits() {
  app::http_limits l;
  l.max_line = 64;
  l.max_header_bytes = 256;
  l.max_headers = 8;
  l.max_pending = 4;
  l.sniff_bytes = 16;
  l.max_value = 32;
  l.max_anomalies = 4;
  l.max_buffered_total = 1u << 20;
  return l;
}

/// Runs the script; `seed` 0: each data segment whole, else cut into pseudo-random pieces.
/// Returns the log, the objects (with names) and the anomaly counters as text.
inline std::string run(const std::vector<segment>& script, std::uint32_t seed, std::size_t* max_buffered = nullptr) {
  auto lim = fuzz_limits();
  app::http_logger log(nullptr, lim);
  stream_script::play(log, script, seed, 3, 97, [&] {
    if (max_buffered && log.buffered() > *max_buffered) *max_buffered = log.buffered();
  });
  log.finish();
  std::string out = app::http_log_ndjson(log);
  out += app::http_objects_ndjson(log);
  for (auto v : log.counters().anomalies) out += std::to_string(v) + ",";
  out += "\n" + std::to_string(log.counters().requests) + "," + std::to_string(log.counters().responses) + "," +
         std::to_string(log.counters().bodies) + "," + std::to_string(log.counters().body_bytes);
  return out;
}

/// Runs one input both ways; false (with both texts) when they differ or buffering broke a limit.
inline bool check(const std::uint8_t* d, std::size_t n, std::string* whole_out = nullptr,
                  std::string* split_out = nullptr) {
  if (n == 0) return true;
  auto script = stream_script::parse(d, n);
  std::size_t peak = 0;
  std::string whole = run(script, 0, &peak);
  std::string split = run(script, d[0] | 0x100u, &peak);
  if (whole_out) *whole_out = whole;
  if (split_out) *split_out = split;
  // One line per direction at most, plus the 32-byte 100-continue look-ahead.
  const auto lim = fuzz_limits();
  return whole == split && peak <= 2 * (lim.max_line + 32);
}

}  // namespace http_fuzz

#ifndef PCAPSCOPE_HTTP_FUZZ_NO_MAIN
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (!http_fuzz::check(data, size)) std::abort();
  return 0;
}
#endif
