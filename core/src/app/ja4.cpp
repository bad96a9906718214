// TLS client and server fingerprints: JA3 / JA3S (Salesforce; MD5) and JA4 / JA4_r (FoxIO,
// BSD-3; SHA-256). See app/tls.hpp and docs/tls.md for the definitions followed.
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "pcapscope/app/tls.hpp"
#include "pcapscope/util/md5.hpp"
#include "pcapscope/util/sha256.hpp"

namespace pcapscope::app {

namespace {

template <class T>
void append_decimal_list(std::string& out, const std::vector<T>& values, bool drop_grease) {
  bool first = true;
  for (auto v : values) {
    if (drop_grease && tls_is_grease(static_cast<std::uint16_t>(v))) continue;
    if (!first) out += '-';
    first = false;
    out += std::to_string(v);
  }
}

void append_hex4(std::string& out, std::uint16_t v) {
  static constexpr char digits[] = "0123456789abcdef";
  out += digits[(v >> 12) & 15];
  out += digits[(v >> 8) & 15];
  out += digits[(v >> 4) & 15];
  out += digits[v & 15];
}

std::string hex4_list(const std::vector<std::uint16_t>& values) {
  std::string s;
  s.reserve(values.size() * 5);
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i) s += ',';
    append_hex4(s, values[i]);
  }
  return s;
}

// First 12 hex digits of the SHA-256 of `text`; "000000000000" for an empty list.
std::string hash12(const std::string& text) {
  if (text.empty()) return "000000000000";
  auto d = util::sha256_digest(util::bytes(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
  static constexpr char digits[] = "0123456789abcdef";
  std::string s;
  for (std::size_t i = 0; i < 6; ++i) {
    s += digits[d[i] >> 4];
    s += digits[d[i] & 15];
  }
  return s;
}

bool is_alnum(std::uint8_t c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

// The two ALPN characters of JA4_a from the first ALPN value: its first and last bytes when
// both are ASCII alphanumerics, else the first and last digits of its hex form; "00" without one.
std::string alpn_chars(const tls_client_hello& ch) {
  if (ch.alpn.empty() || ch.alpn[0].empty()) return "00";
  auto first = static_cast<std::uint8_t>(ch.alpn[0].front());
  auto last = static_cast<std::uint8_t>(ch.alpn[0].back());
  std::string out;
  if (is_alnum(first) && is_alnum(last)) {
    out += static_cast<char>(first);
    out += static_cast<char>(last);
  } else {
    static constexpr char digits[] = "0123456789abcdef";
    out += digits[first >> 4];
    out += digits[last & 15];
  }
  return out;
}

std::string version_code(std::uint16_t v) {
  switch (v) {
    case 0x0304: return "13";
    case 0x0303: return "12";
    case 0x0302: return "11";
    case 0x0301: return "10";
    case 0x0300: return "s3";
    case 0x0002: return "s2";
    case 0xfeff: return "d1";
    case 0xfefd: return "d2";
    case 0xfefc: return "d3";
    default: return "00";
  }
}

// JA4_a ("t13d1516h2") plus the sorted cipher list and the extension/signature string.
struct ja4_parts {
  std::string a, ciphers, exts;
};

ja4_parts ja4_build(const tls_client_hello& ch, char transport) {
  ja4_parts p;
  std::vector<std::uint16_t> ciphers, exts;
  for (auto c : ch.cipher_suites) {
    if (!tls_is_grease(c)) ciphers.push_back(c);
  }
  std::size_t ext_count = 0;
  bool sni = false;
  for (auto e : ch.extensions) {
    if (tls_is_grease(e)) continue;
    ++ext_count;
    if (e == 0x0000) sni = true;
    if (e != 0x0000 && e != 0x0010) exts.push_back(e);
  }
  std::uint16_t version = 0;
  bool has_sv = false;
  for (auto v : ch.supported_versions) {
    if (tls_is_grease(v)) continue;
    has_sv = true;
    version = std::max(version, v);
  }
  if (!has_sv) version = ch.legacy_version;
  char counts[8];
  std::snprintf(counts, sizeof counts, "%02u%02u", static_cast<unsigned>(std::min<std::size_t>(ciphers.size(), 99)),
                static_cast<unsigned>(std::min<std::size_t>(ext_count, 99)));
  p.a += transport;
  p.a += version_code(version);
  p.a += sni ? 'd' : 'i';
  p.a += counts;
  p.a += alpn_chars(ch);
  std::sort(ciphers.begin(), ciphers.end());
  std::sort(exts.begin(), exts.end());
  p.ciphers = hex4_list(ciphers);
  p.exts = hex4_list(exts);
  std::vector<std::uint16_t> sigs;
  for (auto s : ch.signature_algorithms) {
    if (!tls_is_grease(s)) sigs.push_back(s);
  }
  if (!sigs.empty() && !p.exts.empty()) {
    p.exts += '_';
    p.exts += hex4_list(sigs);
  }
  return p;
}

}  // namespace

std::uint16_t tls_client_hello::max_version() const noexcept {
  std::uint16_t best = 0;
  bool any = false;
  for (auto v : supported_versions) {
    if (tls_is_grease(v)) continue;
    any = true;
    best = std::max(best, v);
  }
  return any ? best : legacy_version;
}

std::string ja3_string(const tls_client_hello& ch) {
  std::string s = std::to_string(ch.legacy_version);
  s += ',';
  append_decimal_list(s, ch.cipher_suites, true);
  s += ',';
  append_decimal_list(s, ch.extensions, true);
  s += ',';
  append_decimal_list(s, ch.supported_groups, true);
  s += ',';
  append_decimal_list(s, ch.ec_point_formats, false);
  return s;
}

std::string ja3(const tls_client_hello& ch) { return util::md5_hex(ja3_string(ch)); }

std::string ja3s_string(const tls_server_hello& sh) {
  std::string s = std::to_string(sh.legacy_version);
  s += ',';
  s += std::to_string(sh.cipher_suite);
  s += ',';
  append_decimal_list(s, sh.extensions, true);
  return s;
}

std::string ja3s(const tls_server_hello& sh) { return util::md5_hex(ja3s_string(sh)); }

std::string ja4(const tls_client_hello& ch, char transport) {
  auto p = ja4_build(ch, transport);
  return p.a + '_' + hash12(p.ciphers) + '_' + hash12(p.exts);
}

std::string ja4_r(const tls_client_hello& ch, char transport) {
  auto p = ja4_build(ch, transport);
  return p.a + '_' + p.ciphers + '_' + p.exts;
}

void ja4_both(const tls_client_hello& ch, char transport, std::string& ja4_out, std::string& ja4_r_out) {
  auto p = ja4_build(ch, transport);
  ja4_out = p.a + '_' + hash12(p.ciphers) + '_' + hash12(p.exts);
  ja4_r_out = p.a + '_' + p.ciphers + '_' + p.exts;
}

}  // namespace pcapscope::app
