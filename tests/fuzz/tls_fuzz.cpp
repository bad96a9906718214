// libFuzzer target for the TLS parsers and logger: tests/fuzz/run.sh tls_fuzz SECONDS.
//
// Input: a stream script (stream_script.hpp). The script
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
#include "stream_script.hpp"

namespace tls_fuzz {

using namespace pcapscope;

using stream_script::segment;

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
  std::string seen;
  log.on_handshake_seen = [&](const app::stream_ctx& c, int dir, std::uint8_t type, const app::tls_client_hello* ch) {
    seen += std::to_string(c.frame) + ":" + std::to_string(dir) + ":" + std::to_string(type) + (ch ? "h" : "") + ",";
  };
  stream_script::play(log, script, seed, 5, 301, [&] {
    if (max_buffered) *max_buffered = std::max(*max_buffered, log.buffered());
  });
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
  auto script = stream_script::parse(d, n);
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
