// The bounded DER / X.509 reader on hand-built certificates: every field, and hostile inputs
// (lengths that lie, indefinite and over-long lengths, deep nesting, truncation at every byte).
// The certificate builder here is also used by tls_test.cpp (tls_test::certificate).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include <filesystem>

#include "pcapscope/app/x509.hpp"
#include "support/test_support.hpp"

#define PCAPSCOPE_X509_FUZZ_NO_MAIN
#include "fuzz/x509_fuzz.cpp"

namespace tls_test {

using buf = std::vector<std::uint8_t>;

/// A DER element with a definite, minimal length.
buf der(std::uint8_t tag, const buf& value) {
  buf out{tag};
  std::size_t n = value.size();
  if (n < 0x80) {
    out.push_back(static_cast<std::uint8_t>(n));
  } else if (n < 0x100) {
    out.push_back(0x81);
    out.push_back(static_cast<std::uint8_t>(n));
  } else if (n < 0x10000) {
    out.push_back(0x82);
    out.push_back(static_cast<std::uint8_t>(n >> 8));
    out.push_back(static_cast<std::uint8_t>(n));
  } else {
    out.push_back(0x83);
    out.push_back(static_cast<std::uint8_t>(n >> 16));
    out.push_back(static_cast<std::uint8_t>(n >> 8));
    out.push_back(static_cast<std::uint8_t>(n));
  }
  out.insert(out.end(), value.begin(), value.end());
  return out;
}

buf cat(std::initializer_list<buf> parts) {
  buf out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

buf text(const std::string& s) { return buf(s.begin(), s.end()); }

// OIDs in DER contents form.
const buf oid_cn = {0x55, 0x04, 0x03}, oid_o = {0x55, 0x04, 0x0A}, oid_c = {0x55, 0x04, 0x06};
const buf oid_rsa = {0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01};
const buf oid_sha256_rsa = {0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x0B};
const buf oid_ec = {0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01};
const buf oid_p256 = {0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07};
const buf oid_san = {0x55, 0x1D, 0x11};

buf attribute(const buf& oid, const std::string& value, std::uint8_t tag = 0x0C) {
  return der(0x31, der(0x30, cat({der(0x06, oid), der(tag, text(value))})));
}

/// Name with C, O, CN in that (wire) order.
buf name(const std::string& c, const std::string& o, const std::string& cn) {
  return der(0x30, cat({attribute(oid_c, c, 0x13), attribute(oid_o, o), attribute(oid_cn, cn)}));
}

/// A v3 certificate: RSA key with a `modulus_bytes`-byte modulus (top bit set), SANs as dNSName
/// plus one iPAddress 192.0.2.7, validity 2023-01-01 00:00:00Z .. 2030-12-31 23:59:59Z.
buf certificate(const std::string& subject_cn, const std::string& issuer_cn, std::size_t modulus_bytes,
                const std::vector<std::string>& sans) {
  buf modulus(modulus_bytes + 1, 0xAB);
  modulus[0] = 0x00;  // positive INTEGER with the top bit of the first value byte set
  modulus[1] = 0xC1;
  buf rsa_key = der(0x30, cat({der(0x02, modulus), der(0x02, {0x01, 0x00, 0x01})}));
  buf bit_string = {0x00};
  bit_string.insert(bit_string.end(), rsa_key.begin(), rsa_key.end());
  buf spki = der(0x30, cat({der(0x30, cat({der(0x06, oid_rsa), der(0x05, {})})), der(0x03, bit_string)}));
  buf general_names;
  for (const auto& s : sans) {
    auto g = der(0x82, text(s));
    general_names.insert(general_names.end(), g.begin(), g.end());
  }
  auto ip = der(0x87, {192, 0, 2, 7});
  general_names.insert(general_names.end(), ip.begin(), ip.end());
  buf san_ext = der(0x30, cat({der(0x06, oid_san), der(0x04, der(0x30, general_names))}));
  buf extensions = der(0xA3, der(0x30, san_ext));
  buf sig_alg = der(0x30, cat({der(0x06, oid_sha256_rsa), der(0x05, {})}));
  buf tbs = der(0x30, cat({der(0xA0, der(0x02, {0x02})), der(0x02, {0x00, 0x9F, 0x12, 0x34}), sig_alg,
                           name("US", "Example CA", issuer_cn),
                           der(0x30, cat({der(0x17, text("230101000000Z")), der(0x18, text("20301231235959Z"))})),
                           name("US", "Example, Inc.", subject_cn), spki, extensions}));
  return der(0x30, cat({tbs, sig_alg, der(0x03, {0x00, 0x01, 0x02, 0x03})}));
}

}  // namespace tls_test

namespace {

using namespace pcapscope;
using tls_test::buf;
using tls_test::der;

TEST(X509, ReadsEveryField) {
  auto c = tls_test::certificate("www.example.com", "Example Root", 256, {"www.example.com", "example.com"});
  app::x509_cert x;
  ASSERT_TRUE(app::parse_x509(c, x)) << app::x509_anomaly_name(x.anomaly) << " @" << x.anomaly_offset;
  EXPECT_EQ(x.version, 3);
  EXPECT_EQ(x.serial, "9F1234");
  EXPECT_EQ(x.subject, "CN=www.example.com,O=Example\\, Inc.,C=US");
  EXPECT_EQ(x.issuer, "CN=Example Root,O=Example CA,C=US");
  EXPECT_EQ(x.subject_cn, "www.example.com");
  EXPECT_EQ(x.issuer_cn, "Example Root");
  EXPECT_TRUE(x.has_validity);
  EXPECT_EQ(x.not_before, 1672531200);  // 2023-01-01T00:00:00Z
  EXPECT_EQ(x.not_after, 1924991999);   // 2030-12-31T23:59:59Z
  EXPECT_EQ(app::x509_time_text(x.not_after), "2030-12-31T23:59:59Z");
  EXPECT_EQ(x.key_alg, "rsaEncryption");
  EXPECT_EQ(x.key_type, "rsa");
  EXPECT_EQ(x.key_length, 2048u);
  EXPECT_EQ(x.sig_alg, "sha256WithRSAEncryption");
  EXPECT_EQ(x.san_dns, (std::vector<std::string>{"www.example.com", "example.com"}));
  EXPECT_EQ(x.san_ip, (std::vector<std::string>{"192.0.2.7"}));
}

TEST(X509, EcKeyAndBmpString) {
  buf point(65, 0x04);
  buf bits = {0x00};
  bits.insert(bits.end(), point.begin(), point.end());
  buf spki = der(0x30, tls_test::cat({der(0x30, tls_test::cat({der(0x06, tls_test::oid_ec), der(0x06, tls_test::oid_p256)})),
                                      der(0x03, bits)}));
  buf bmp_cn = {0x00, 'h', 0x00, 0xE9};  // "hé" in UCS-2
  buf subject = der(0x30, der(0x31, der(0x30, tls_test::cat({der(0x06, tls_test::oid_cn), der(0x1E, bmp_cn)}))));
  buf sig_alg = der(0x30, der(0x06, {0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x02}));
  buf tbs = der(0x30, tls_test::cat({der(0x02, {0x01}), sig_alg, subject,
                                     der(0x30, tls_test::cat({der(0x17, tls_test::text("491231235959Z")),
                                                              der(0x17, tls_test::text("500101000000Z"))})),
                                     subject, spki}));
  buf c = der(0x30, tls_test::cat({tbs, sig_alg, der(0x03, {0x00})}));
  app::x509_cert x;
  ASSERT_TRUE(app::parse_x509(c, x));
  EXPECT_EQ(x.version, 1);
  EXPECT_EQ(x.subject_cn, "h\xC3\xA9");
  EXPECT_EQ(x.key_type, "ecdsa");
  EXPECT_EQ(x.curve, "prime256v1");
  EXPECT_EQ(x.key_length, 256u);
  EXPECT_EQ(x.sig_alg, "ecdsa-with-SHA256");
  EXPECT_EQ(x.not_before, 2524607999);   // 2049-12-31T23:59:59Z (YY < 50: 20YY)
  EXPECT_EQ(x.not_after, -631152000);    // 1950-01-01T00:00:00Z (YY >= 50: 19YY)
}

TEST(X509, LyingLengthsAreTruncatedNotRead) {
  auto c = tls_test::certificate("a", "b", 128, {"a"});
  // Outer length claims one byte more than present.
  buf longer = c;
  longer[3] = static_cast<std::uint8_t>(longer[3] + 1);
  app::x509_cert x;
  EXPECT_FALSE(app::parse_x509(longer, x));
  EXPECT_EQ(x.anomaly, app::x509_anomaly::truncated);
  // Every truncation of a valid certificate fails cleanly with a named problem.
  for (std::size_t n = 0; n < c.size(); ++n) {
    buf cut(c.begin(), c.begin() + static_cast<std::ptrdiff_t>(n));
    EXPECT_FALSE(app::parse_x509(cut, x)) << n;
    EXPECT_NE(x.anomaly, app::x509_anomaly::none) << n;
    EXPECT_LE(x.anomaly_offset, n) << n;
  }
}

TEST(X509, NonDerLengths) {
  app::x509_cert x;
  buf indefinite = {0x30, 0x80, 0x02, 0x01, 0x00, 0x00, 0x00};
  EXPECT_FALSE(app::parse_x509(indefinite, x));
  EXPECT_EQ(x.anomaly, app::x509_anomaly::bad_length);
  buf huge = {0x30, 0x84, 0xFF, 0xFF, 0xFF, 0xFF, 0x00};
  EXPECT_FALSE(app::parse_x509(huge, x));
  EXPECT_EQ(x.anomaly, app::x509_anomaly::truncated);
  buf five = {0x30, 0x85, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00};
  EXPECT_FALSE(app::parse_x509(five, x));
  EXPECT_EQ(x.anomaly, app::x509_anomaly::bad_length);
  // An inner element that claims more than its parent holds (the outer length is honest).
  buf inner_lies = der(0x30, {0x30, 0x7F, 0x02, 0x01, 0x00});
  EXPECT_FALSE(app::parse_x509(inner_lies, x));
  EXPECT_EQ(x.anomaly, app::x509_anomaly::truncated);
  EXPECT_EQ(x.anomaly_offset, 2u);
}

TEST(X509, DeepNestingStopsAtTheCap) {
  buf v = {0x05, 0x00};
  for (int i = 0; i < 5000; ++i) v = der(0x30, v);
  app::x509_cert x;
  EXPECT_FALSE(app::parse_x509(v, x));
  EXPECT_EQ(x.anomaly, app::x509_anomaly::too_deep);
  // Just within the cap: not too deep (but not a certificate either).
  buf ok = {0x05, 0x00};
  for (std::size_t i = 0; i < app::x509_max_depth; ++i) ok = der(0x30, ok);
  EXPECT_FALSE(app::parse_x509(ok, x));
  EXPECT_NE(x.anomaly, app::x509_anomaly::too_deep);
}

TEST(X509, TrailingBytesAfterTheCertificate) {
  auto c = tls_test::certificate("a", "b", 64, {});
  c.push_back(0x00);
  c.push_back(0x00);
  app::x509_cert x;
  EXPECT_FALSE(app::parse_x509(c, x));
  EXPECT_EQ(x.anomaly, app::x509_anomaly::trailing_data);
  EXPECT_EQ(x.subject_cn, "a");  // what was read stays
}

TEST(X509, ManySansAreCapped) {
  std::vector<std::string> sans(app::x509_max_sans + 10, "x.example");
  auto c = tls_test::certificate("a", "b", 64, sans);
  app::x509_cert x;
  EXPECT_TRUE(app::parse_x509(c, x));
  EXPECT_EQ(x.san_dns.size(), app::x509_max_sans);
  EXPECT_EQ(x.anomaly, app::x509_anomaly::too_many_names);
  EXPECT_EQ(x.sig_alg, "sha256WithRSAEncryption");  // reading went on after the cap
}

TEST(X509, ManyNameAttributesAreCapped) {
  // A subject of 100 RDNs: 64 are read, the rest skipped with a named anomaly.
  buf rdns;
  for (int i = 0; i < 100; ++i) {
    auto a = tls_test::attribute(tls_test::oid_o, "o" + std::to_string(i));
    rdns.insert(rdns.end(), a.begin(), a.end());
  }
  buf big_name = der(0x30, rdns);
  app::x509_cert x;
  buf sig_alg = der(0x30, tls_test::cat({der(0x06, tls_test::oid_sha256_rsa), der(0x05, {})}));
  buf point(65, 0x04);
  buf bits = {0x00};
  bits.insert(bits.end(), point.begin(), point.end());
  buf spki = der(0x30, tls_test::cat({der(0x30, tls_test::cat({der(0x06, tls_test::oid_ec), der(0x06, tls_test::oid_p256)})),
                                      der(0x03, bits)}));
  buf tbs = der(0x30, tls_test::cat({der(0x02, {0x05}), sig_alg, tls_test::name("US", "CA", "b"),
                                     der(0x30, tls_test::cat({der(0x17, tls_test::text("230101000000Z")),
                                                              der(0x17, tls_test::text("240101000000Z"))})),
                                     big_name, spki}));
  buf cert = der(0x30, tls_test::cat({tbs, sig_alg, der(0x03, {0x00})}));
  EXPECT_TRUE(app::parse_x509(cert, x));
  EXPECT_EQ(x.anomaly, app::x509_anomaly::too_many_names);
  EXPECT_EQ(x.subject.rfind("O=o63,", 0), 0u) << x.subject.substr(0, 40);  // last read RDN first
  EXPECT_EQ(x.key_type, "ecdsa");  // reading went on
}

TEST(X509, BadTimeIsFlaggedAndReadingGoesOn) {
  auto c = tls_test::certificate("a", "b", 64, {"a.example"});
  std::string good = "230101000000Z";
  auto it = std::search(c.begin(), c.end(), good.begin(), good.end());
  ASSERT_NE(it, c.end());
  it[2] = '1';
  it[3] = '3';  // month 13
  app::x509_cert x;
  EXPECT_TRUE(app::parse_x509(c, x));
  EXPECT_EQ(x.anomaly, app::x509_anomaly::bad_time);
  EXPECT_FALSE(x.has_validity);
  EXPECT_EQ(x.subject_cn, "a");
  EXPECT_EQ(x.san_dns, (std::vector<std::string>{"a.example"}));
}

// Inputs kept in tests/fuzz/regressions/x509_fuzz/ run the fuzz target's checks.
TEST(X509FuzzRegressions, Replay) {
  std::filesystem::path dir = std::filesystem::path(PCAPSCOPE_SOURCE_DIR) / "tests/fuzz/regressions/x509_fuzz";
  if (!std::filesystem::exists(dir)) GTEST_SKIP() << "no regressions";
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    auto bytes = test::read_file(e.path());
    EXPECT_TRUE(x509_fuzz::check(bytes.data(), bytes.size())) << e.path();
  }
}

}  // namespace
