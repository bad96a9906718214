// libFuzzer target for the DER / X.509 reader: tests/fuzz/run.sh x509_fuzz SECONDS. The input is
// one certificate; the reader must stay inside it, report problems at offsets within it, and
// give the same result when the input is copied to a buffer of exactly its size (so reads past
// the end are caught by AddressSanitizer). tests/app/x509_test.cpp includes this file (with
// PCAPSCOPE_X509_FUZZ_NO_MAIN) to replay the inputs kept in tests/fuzz/regressions/x509_fuzz/.
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>

#include "pcapscope/app/x509.hpp"

namespace x509_fuzz {

using namespace pcapscope;

inline std::string text(const app::x509_cert& c) {
  std::string s = c.serial + "|" + c.subject + "|" + c.issuer + "|" + c.subject_cn + "|" + c.issuer_cn + "|" +
                  c.sig_alg + "|" + c.key_alg + "|" + c.key_type + "|" + std::to_string(c.key_length) + "|" +
                  c.curve + "|" + std::to_string(c.not_before) + "|" + std::to_string(c.not_after) + "|" +
                  std::string(app::x509_anomaly_name(c.anomaly)) + "@" + std::to_string(c.anomaly_offset);
  for (const auto& v : c.san_dns) s += "|" + v;
  for (const auto& v : c.san_ip) s += "|" + v;
  if (c.has_validity) s += app::x509_time_text(c.not_before) + app::x509_time_text(c.not_after);
  return s;
}

/// Parses the input; false when an invariant breaks.
inline bool check(const std::uint8_t* d, std::size_t n) {
  auto copy = std::make_unique<std::uint8_t[]>(n ? n : 1);
  for (std::size_t i = 0; i < n; ++i) copy[i] = d[i];
  app::x509_cert a, b;
  bool ok_a = app::parse_x509(util::bytes(d, n), a);
  bool ok_b = app::parse_x509(util::bytes(copy.get(), n), b);
  if (ok_a != ok_b || text(a) != text(b)) return false;
  if (a.anomaly != app::x509_anomaly::none && a.anomaly_offset > n) return false;
  if (ok_a != a.ok) return false;
  if (a.san_dns.size() + a.san_ip.size() + a.san_email.size() + a.san_uri.size() > app::x509_max_sans) return false;
  return true;
}

}  // namespace x509_fuzz

#ifndef PCAPSCOPE_X509_FUZZ_NO_MAIN
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (!x509_fuzz::check(data, size)) std::abort();
  return 0;
}
#endif
