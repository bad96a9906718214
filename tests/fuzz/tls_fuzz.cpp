// libFuzzer target for the TLS parsers and logger: tests/fuzz/run.sh tls_fuzz SECONDS.
//
// Input: byte 0 seeds the chunking; the rest is a script of segments, each a header byte h
// (bit 0: direction; bits 1-2: 0/1 data, 2 gap, 3 close; bits 3-7 with the next byte: a 13-bit
// length) followed, for data, by that many bytes (cut short at the end of the input). The script
// is run twice — every data segment as one call, then cut into pseudo-random pieces — and both
// runs must give the same log and counters; the bytes held must stay within the limits. Every
// data segment is also given to the hello parsers and fingerprints directly. The limits are small
// so that limit paths are reached. tests/app/tls_test.cpp includes this file (with
// PCAPSCOPE_TLS_FUZZ_NO_MAIN) to replay the inputs kept in tests/fuzz/regressions/tls_fuzz/.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "pcapscope/app/tls.hpp"
#include "pcapscope/app/tls_log.hpp"

namespace tls_fuzz {

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
inline app::tls_limits fuzz_limits() {
  app::tls_limits l;
  l.max_record = 5000;
  l.max_handshake = 6000;
  l.max_certificates = 3;
  l.resync_window = 300;
  l.max_anomalies = 6;
  return l;
}

/// The hello parsers and fingerprints on raw bytes (results folded into a checksum).
inline std::size_t parse_direct(util::bytes b) {
  std::size_t sum = 0;
  app::tls_client_hello ch;
  if (app::parse_client_hello(b, ch)) {
    sum += app::ja3(ch).size() + app::ja4(ch, 't').size() + app::ja4_r(ch, 'q').size() + ch.max_version();
  }
  if (app::parse_sslv2_client_hello(b, ch)) sum += app::ja3_string(ch).size();
  app::tls_server_hello sh;
  if (app::parse_server_hello(b, sh)) sum += app::ja3s(sh).size() + sh.alpn.size();
  return sum;
}

/// Runs the script; `seed` 0: each data segment whole, else cut into pseudo-random pieces.
inline std::string run(const std::vector<segment>& script, std::uint32_t seed, std::size_t* max_buffered = nullptr) {
  app::tls_logger log(nullptr, fuzz_limits());
  std::uint32_t state = seed * 2654435761u + 1;
  std::uint64_t frame = 0;
  std::string seen;
  log.on_handshake_seen = [&](const app::stream_ctx& c, int dir, std::uint8_t type, const app::tls_client_hello* ch) {
    seen += std::to_string(c.frame) + ":" + std::to_string(dir) + ":" + std::to_string(type) + (ch ? "h" : "") + ",";
  };
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
          piece = std::min<std::size_t>(piece, 1 + (state >> 16) % (state & 0x100 ? 5 : 301));
        }
        log.on_data(c, s.dir, util::bytes(s.data + pos, piece));
        pos += piece;
        if (max_buffered) *max_buffered = std::max(*max_buffered, log.buffered());
      }
    }
  }
  log.finish();
  std::string out = app::tls_log_ndjson(log);
  for (const auto& e : log.entries()) {
    for (const auto& h : e.client_hellos) out += std::to_string(h.frame) + h.ja4_r + "\n";
  }
  for (auto v : log.counters().anomalies) out += std::to_string(v) + ",";
  const auto& k = log.counters();
  out += "\n" + std::to_string(k.records) + "," + std::to_string(k.handshake_messages) + "," +
         std::to_string(k.client_hellos) + "," + std::to_string(k.server_hellos) + "," + std::to_string(k.certificates) +
         "," + std::to_string(k.alerts) + "," + std::to_string(k.established) + "," + std::to_string(k.resyncs) + "\n";
  out += seen;
  return out;
}

/// Runs one input both ways; false (with both texts) when they differ or buffering broke a limit.
inline bool check(const std::uint8_t* d, std::size_t n, std::string* whole_out = nullptr,
                  std::string* split_out = nullptr) {
  if (n == 0) return true;
  auto script = parse_script(d, n);
  for (const auto& s : script) {
    if (s.kind == 0) parse_direct(util::bytes(s.data, s.length));
  }
  std::size_t peak = 0;
  std::string whole = run(script, 0, &peak);
  std::string split = run(script, d[0] | 0x100u, &peak);
  if (whole_out) *whole_out = whole;
  if (split_out) *split_out = split;
  const auto lim = fuzz_limits();
  return whole == split && peak <= 2 * (std::size_t{lim.max_handshake} + 2 * lim.max_record) + 8;
}

}  // namespace tls_fuzz

#ifndef PCAPSCOPE_TLS_FUZZ_NO_MAIN
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (!tls_fuzz::check(data, size)) std::abort();
  return 0;
}
#endif
