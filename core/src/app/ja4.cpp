// TLS client and server fingerprints: JA3 / JA3S (Salesforce; MD5) and JA4 / JA4_r (FoxIO,
// BSD-3; SHA-256). See app/tls.hpp and docs/tls.md for the definitions followed.
//
// Each string is written straight into one output buffer (sized once for its longest form)
// and hashed from there: no per-value strings, no temporaries.
#include <algorithm>
#include <array>
#include <cstring>
#include <string>
#include <vector>

#include "pcapscope/app/tls.hpp"
#include "pcapscope/util/md5.hpp"
#include "pcapscope/util/sha256.hpp"

namespace pcapscope::app {

namespace {

constexpr char hex_digits[] = "0123456789abcdef";

// "00" to "99", for writing decimals two digits at a time.
constexpr auto digit_pairs = [] {
  std::array<char, 200> t{};
  for (int i = 0; i < 100; ++i) {
    t[2 * i] = static_cast<char>('0' + i / 10);
    t[2 * i + 1] = static_cast<char>('0' + i % 10);
  }
  return t;
}();

char* put_pair(char* p, std::uint32_t v) {  // v < 100, two digits
  std::memcpy(p, &digit_pairs[2 * v], 2);
  return p + 2;
}

// Writes the decimal form of `v` at `p`; returns the end. The values written are 16-bit (cipher
// suites, extensions, groups, versions): those take one branch per length and two digits per
// step instead of a division per digit (JA3's lists went from 3.6 M to 1.7 M instructions per
// 100,000 packets of the bench capture; callgrind).
char* put_decimal(char* p, std::uint32_t v) {
  if (v < 10) {
    *p = static_cast<char>('0' + v);
    return p + 1;
  }
  if (v < 100) return put_pair(p, v);
  if (v < 1000) {
    *p++ = static_cast<char>('0' + v / 100);
    return put_pair(p, v % 100);
  }
  if (v < 10000) return put_pair(put_pair(p, v / 100), v % 100);
  if (v < 100000) {
    *p++ = static_cast<char>('0' + v / 10000);
    v %= 10000;
    return put_pair(put_pair(p, v / 100), v % 100);
  }
  char tmp[10];
  int n = 0;
  do {
    tmp[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  while (n > 0) *p++ = tmp[--n];
  return p;
}

char* put_hex4(char* p, std::uint16_t v) {
  p[0] = hex_digits[(v >> 12) & 15];
  p[1] = hex_digits[(v >> 8) & 15];
  p[2] = hex_digits[(v >> 4) & 15];
  p[3] = hex_digits[v & 15];
  return p + 4;
}

// Writes `values` as decimals joined by '-' (GREASE dropped when asked).
template <class T>
char* put_decimal_list(char* p, const std::vector<T>& values, bool drop_grease) {
  bool first = true;
  for (auto v : values) {
    if (drop_grease && tls_is_grease(static_cast<std::uint16_t>(v))) continue;
    if (!first) *p++ = '-';
    first = false;
    p = put_decimal(p, v);
  }
  return p;
}

// Writes `values` (already sorted) as 4-digit hex joined by ','.
char* put_hex4_list(char* p, const std::uint16_t* values, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    if (i) *p++ = ',';
    p = put_hex4(p, values[i]);
  }
  return p;
}

// A list of up to 16-bit values to sort: on the stack for the sizes hellos have, on the heap
// for the rest (a ClientHello may list up to 32767 cipher suites).
class sort_buffer {
 public:
  explicit sort_buffer(std::size_t capacity) {
    if (capacity > small_.size()) big_.resize(capacity);
    data_ = capacity > small_.size() ? big_.data() : small_.data();
  }
  void push(std::uint16_t v) { data_[size_++] = v; }
  void sort() { std::sort(data_, data_ + size_); }
  const std::uint16_t* data() const { return data_; }
  std::size_t size() const { return size_; }

 private:
  std::array<std::uint16_t, 128> small_;
  std::vector<std::uint16_t> big_;
  std::uint16_t* data_ = nullptr;
  std::size_t size_ = 0;
};

// The first 12 hex digits of the SHA-256 of `text` at `p`; "000000000000" for an empty list.
char* put_hash12(char* p, std::string_view text) {
  if (text.empty()) return std::fill_n(p, 12, '0');
  auto d = util::sha256_digest(util::bytes(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
  for (std::size_t i = 0; i < 6; ++i) {
    *p++ = hex_digits[d[i] >> 4];
    *p++ = hex_digits[d[i] & 15];
  }
  return p;
}

bool is_alnum(std::uint8_t c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

// The two ALPN characters of JA4_a from the first ALPN value: its first and last bytes when
// both are ASCII alphanumerics, else the first and last digits of its hex form; "00" without one.
char* put_alpn_chars(char* p, const tls_client_hello& ch) {
  if (ch.alpn.empty() || ch.alpn[0].empty()) {
    *p++ = '0';
    *p++ = '0';
    return p;
  }
  auto first = static_cast<std::uint8_t>(ch.alpn[0].front());
  auto last = static_cast<std::uint8_t>(ch.alpn[0].back());
  if (is_alnum(first) && is_alnum(last)) {
    *p++ = static_cast<char>(first);
    *p++ = static_cast<char>(last);
  } else {
    *p++ = hex_digits[first >> 4];
    *p++ = hex_digits[last & 15];
  }
  return p;
}

const char* version_code(std::uint16_t v) {
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

char* put_two_digits(char* p, std::size_t v) {
  v = std::min<std::size_t>(v, 99);
  *p++ = static_cast<char>('0' + v / 10);
  *p++ = static_cast<char>('0' + v % 10);
  return p;
}

// Where the parts of a JA4_r string are: JA4_a is its first 10 characters, then '_', the
// sorted ciphers, '_', the sorted extensions (with '_' and the signature algorithms).
struct ja4_layout {
  std::size_t ciphers_at = 0, ciphers_len = 0, exts_at = 0, exts_len = 0;
};

// Writes JA4_r into `out` (replacing its contents) and returns where its parts are.
ja4_layout build_ja4_r(const tls_client_hello& ch, char transport, std::string& out) {
  // Every list value takes at most 5 characters (4 hex digits and a separator).
  out.resize(16 + 5 * (ch.cipher_suites.size() + ch.extensions.size() + ch.signature_algorithms.size()));
  char* const base = out.data();
  sort_buffer ciphers(ch.cipher_suites.size()), exts(ch.extensions.size());
  for (auto c : ch.cipher_suites) {
    if (!tls_is_grease(c)) ciphers.push(c);
  }
  std::size_t ext_count = 0;
  bool sni = false;
  for (auto e : ch.extensions) {
    if (tls_is_grease(e)) continue;
    ++ext_count;
    if (e == 0x0000) sni = true;
    if (e != 0x0000 && e != 0x0010) exts.push(e);
  }
  char* p = base;
  *p++ = transport;
  const char* vc = version_code(ch.max_version());
  *p++ = vc[0];
  *p++ = vc[1];
  *p++ = sni ? 'd' : 'i';
  p = put_two_digits(p, ciphers.size());
  p = put_two_digits(p, ext_count);
  p = put_alpn_chars(p, ch);
  ciphers.sort();
  exts.sort();
  ja4_layout l;
  *p++ = '_';
  l.ciphers_at = static_cast<std::size_t>(p - base);
  p = put_hex4_list(p, ciphers.data(), ciphers.size());
  l.ciphers_len = static_cast<std::size_t>(p - base) - l.ciphers_at;
  *p++ = '_';
  l.exts_at = static_cast<std::size_t>(p - base);
  p = put_hex4_list(p, exts.data(), exts.size());
  if (exts.size() > 0) {
    bool first = true;
    for (auto s : ch.signature_algorithms) {
      if (tls_is_grease(s)) continue;
      *p++ = first ? '_' : ',';
      first = false;
      p = put_hex4(p, s);
    }
  }
  l.exts_len = static_cast<std::size_t>(p - base) - l.exts_at;
  out.resize(static_cast<std::size_t>(p - base));
  return l;
}

// Writes JA4 into `out` from a JA4_r string and its layout.
void ja4_from_r(std::string_view r, const ja4_layout& l, std::string& out) {
  out.resize(36);
  char* p = std::copy_n(r.data(), 10, out.data());
  *p++ = '_';
  p = put_hash12(p, r.substr(l.ciphers_at, l.ciphers_len));
  *p++ = '_';
  put_hash12(p, r.substr(l.exts_at, l.exts_len));
}

void md5_hex_into(std::string_view text, std::string& out) {
  auto d = util::md5_digest(util::bytes(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
  out.resize(32);
  for (std::size_t i = 0; i < 16; ++i) {
    out[2 * i] = hex_digits[d[i] >> 4];
    out[2 * i + 1] = hex_digits[d[i] & 15];
  }
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

void ja3_string(const tls_client_hello& ch, std::string& out) {
  // Decimal values take at most 6 characters with their separator.
  out.resize(16 + 6 * (ch.cipher_suites.size() + ch.extensions.size() + ch.supported_groups.size() +
                       ch.ec_point_formats.size()));
  char* p = out.data();
  p = put_decimal(p, ch.legacy_version);
  *p++ = ',';
  p = put_decimal_list(p, ch.cipher_suites, true);
  *p++ = ',';
  p = put_decimal_list(p, ch.extensions, true);
  *p++ = ',';
  p = put_decimal_list(p, ch.supported_groups, true);
  *p++ = ',';
  p = put_decimal_list(p, ch.ec_point_formats, false);
  out.resize(static_cast<std::size_t>(p - out.data()));
}

std::string ja3_string(const tls_client_hello& ch) {
  std::string s;
  ja3_string(ch, s);
  return s;
}

std::string ja3(const tls_client_hello& ch) {
  std::string s, out;
  ja3_string(ch, s);
  md5_hex_into(s, out);
  return out;
}

void ja3s_string(const tls_server_hello& sh, std::string& out) {
  out.resize(16 + 6 * sh.extensions.size());
  char* p = out.data();
  p = put_decimal(p, sh.legacy_version);
  *p++ = ',';
  p = put_decimal(p, sh.cipher_suite);
  *p++ = ',';
  p = put_decimal_list(p, sh.extensions, true);
  out.resize(static_cast<std::size_t>(p - out.data()));
}

std::string ja3s_string(const tls_server_hello& sh) {
  std::string s;
  ja3s_string(sh, s);
  return s;
}

std::string ja3s(const tls_server_hello& sh) {
  std::string s, out;
  ja3s_string(sh, s);
  md5_hex_into(s, out);
  return out;
}

std::string ja4(const tls_client_hello& ch, char transport) {
  std::string r, out;
  auto l = build_ja4_r(ch, transport, r);
  ja4_from_r(r, l, out);
  return out;
}

std::string ja4_r(const tls_client_hello& ch, char transport) {
  std::string r;
  build_ja4_r(ch, transport, r);
  return r;
}

void ja4_r(const tls_client_hello& ch, char transport, std::string& out) { build_ja4_r(ch, transport, out); }

std::string ja4_from_r(std::string_view r) {
  // JA4_a is 10 characters; the hex lists hold no '_', so the first one after JA4_a ends the
  // ciphers and the extensions run to the end (signature algorithms included).
  ja4_layout l;
  if (r.size() < 11) return {};
  l.ciphers_at = 11;
  std::size_t end = r.find('_', l.ciphers_at);
  if (end == std::string_view::npos) return {};
  l.ciphers_len = end - l.ciphers_at;
  l.exts_at = end + 1;
  l.exts_len = r.size() - l.exts_at;
  std::string out;
  ja4_from_r(r, l, out);
  return out;
}

void ja4_both(const tls_client_hello& ch, char transport, std::string& ja4_out, std::string& ja4_r_out) {
  auto l = build_ja4_r(ch, transport, ja4_r_out);
  ja4_from_r(ja4_r_out, l, ja4_out);
}

}  // namespace pcapscope::app
