// libFuzzer target for the HTTP parser and logger: tests/fuzz/run.sh http_fuzz SECONDS.
//
// Input: byte 0 seeds the chunking; the rest is a script of segments, each a header byte h
// (bit 0: direction; bits 1-2: 0/1 data, 2 gap, 3 close; bits 3-7 with the next byte: a 13-bit
// length) followed, for data, by that many bytes (cut short at the end of the input). The script
// is run twice — every data segment as one call, then cut into pseudo-random pieces (1 byte to
// the whole, from the seed) — and both runs must give the same log, objects and anomaly counts.
// The limits are small so that limit paths are reached; buffered bytes must stay within them.
// tests/app/http_test.cpp includes this file (with PCAPSCOPE_HTTP_FUZZ_NO_MAIN) to replay the
// inputs kept in tests/fuzz/regressions/http_fuzz/.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "pcapscope/app/http.hpp"
#include "pcapscope/app/http_log.hpp"

namespace http_fuzz {

using namespace pcapscope;

struct segment {
  int dir = 0;
  int kind = 0;  // 0 data, 1 gap, 2 close
  std::uint64_t length = 0;
  const std::uint8_t* data = nullptr;
};

inline std::vector<segment> parse_script(const std::uint8_t* d, std::size_t n) {
  std::vector<segment> out;
  std::size_t i = 1;
  while (i < n) {
    std::uint8_t h = d[i++];
    segment s;
    s.dir = h & 1;
    int k = (h >> 1) & 3;
    s.kind = k < 2 ? 0 : k - 1;
    std::size_t len = static_cast<std::size_t>(h >> 3) << 8;
    if (i < n) len |= d[i++];
    if (s.kind == 0) {
      len = std::min(len, n - i);
      s.data = d + i;
      i += len;
    }
    s.length = len;
    out.push_back(s);
  }
  return out;
}

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
  std::uint32_t state = seed * 2654435761u + 1;
  std::uint64_t frame = 0;
  for (const auto& s : script) {
    app::stream_ctx c;
    c.flow_id = 1;
    c.frame = ++frame;
    c.ts_ns = static_cast<std::int64_t>(frame) * 1000;
    if (s.kind == 1) {
      log.on_gap(c, s.dir, s.length);
    } else if (s.kind == 2) {
      log.on_close(c, s.dir);
    } else {
      std::size_t pos = 0;
      while (pos < s.length) {
        std::size_t piece = s.length - pos;
        if (seed != 0) {
          state = state * 1103515245u + 12345u;
          piece = std::min<std::size_t>(piece, 1 + (state >> 16) % (state & 0x100 ? 3 : 97));
        }
        log.on_data(c, s.dir, util::bytes(s.data + pos, piece));
        pos += piece;
        if (max_buffered && log.buffered() > *max_buffered) *max_buffered = log.buffered();
      }
    }
  }
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
  auto script = parse_script(d, n);
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
