// The input format shared by the stream-parser fuzz targets (http_fuzz, tls_fuzz): byte 0
// seeds the chunking; the rest is a script of segments, each a header byte h (bit 0: direction;
// bits 1-2: 0/1 data, 2 gap, 3 close; bits 3-7 with the next byte: a 13-bit length) followed,
// for data, by that many bytes (cut short at the end of the input). `play` gives a script to a
// stream logger (on_data/on_gap/on_close, one frame per segment), each data segment whole or cut
// into pseudo-random pieces, so a target can check that both runs give the same result.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "pcapscope/app/stream.hpp"
#include "pcapscope/util/bytes.hpp"

namespace stream_script {

struct segment {
  int dir = 0;
  int kind = 0;  // 0 data, 1 gap, 2 close
  std::uint64_t length = 0;
  const std::uint8_t* data = nullptr;
};

inline std::vector<segment> parse(const std::uint8_t* d, std::size_t n) {
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

/// Plays `script` into `log`. `seed` 0: each data segment in one call; otherwise cut into
/// pseudo-random pieces of 1 to `small` or 1 to `large` bytes (from the seed);
/// `after_piece()` runs after each on_data call.
template <class Logger, class AfterPiece>
void play(Logger& log, const std::vector<segment>& script, std::uint32_t seed, std::uint32_t small,
          std::uint32_t large, AfterPiece&& after_piece) {
  using namespace pcapscope;
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
          piece = std::min<std::size_t>(piece, 1 + (state >> 16) % (state & 0x100 ? small : large));
        }
        log.on_data(c, s.dir, util::bytes(s.data + pos, piece));
        pos += piece;
        after_piece();
      }
    }
  }
}

}  // namespace stream_script
