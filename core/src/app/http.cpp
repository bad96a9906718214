// HTTP/1.x stream parser and http.log logger (see app/http.hpp and docs/http.md).
//
// Each connection direction is a small state machine fed with whatever bytes reassembly hands
// over. Only the line being assembled is buffered (start, header, chunk-size or trailer line,
// capped by http_limits::max_line and, over all connections, max_buffered_total); bodies are
// counted and passed through without copying, except the first `sniff_bytes` for the MIME
// sniffer. Because every decision depends on complete lines or on byte counts, never on how the
// bytes were split into calls, a stream fed whole or one byte at a time gives the same result.
//
// The log itself is compact: fixed-size entry and object records in blocks, their strings as
// (offset, length) references into one text store per logger where each distinct value is kept
// once, anomalies in a side table. The public entries and objects are views built on access.
#include "pcapscope/app/http.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <iterator>
#include <new>
#include <type_traits>
#include <unordered_map>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "pcapscope/flow/flow.hpp"
#include "pcapscope/util/size_opt.hpp"

namespace pcapscope::app {

namespace {

constexpr std::size_t npos = static_cast<std::size_t>(-1);
constexpr std::uint64_t max_length_value = std::uint64_t{1} << 60;  // larger lengths are bogus

bool ieq(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// Eight bytes with 'A'-'Z' lowercased (each byte on its own: no carry crosses a byte).
std::uint64_t fold_upper(std::uint64_t x) noexcept {
  constexpr std::uint64_t low7 = 0x7F7F7F7F7F7F7F7Full, high = 0x8080808080808080ull;
  const std::uint64_t h = x & low7;
  const std::uint64_t at_least_a = h + 0x3F3F3F3F3F3F3F3Full;     // high bit set: h >= 'A'
  const std::uint64_t past_z = h + 0x2525252525252525ull;         // high bit set: h > 'Z'
  const std::uint64_t upper = at_least_a & ~past_z & ~x & high;   // (bytes >= 0x80 excluded)
  return x | (upper >> 2);
}

// `a` equals `lower` (lowercase, same length) ignoring the case of a's ASCII letters; eight
// bytes at a time from 8 bytes on (header names are compared for every header line).
bool ieq_lower(std::string_view a, std::string_view lower) noexcept {
  const std::size_t n = a.size();
  if (n < 8) {
    for (std::size_t i = 0; i < n; ++i) {
      char x = a[i];
      if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
      if (x != lower[i]) return false;
    }
    return true;
  }
  auto same = [&](std::size_t at) {
    std::uint64_t x, y;
    std::memcpy(&x, a.data() + at, 8);
    std::memcpy(&y, lower.data() + at, 8);
    return fold_upper(x) == y;
  };
  for (std::size_t i = 0; i + 8 <= n; i += 8) {
    if (!same(i)) return false;
  }
  return n % 8 == 0 || same(n - 8);
}

// The header fields the parser looks at.
enum class header_name : std::uint8_t {
  other, host, referer, user_agent, origin, content_type, content_encoding, content_disposition,
  content_length, transfer_encoding, expect,
};

// The names of the header_name values (lowercase, `other` excepted).
constexpr std::string_view looked_at_names[] = {
    "host", "referer", "user-agent", "origin", "content-type", "content-encoding", "content-disposition",
    "content-length", "transfer-encoding", "expect",
};

// Bit k of entry c: a name looked at begins with letter c (lowercase) and has k characters.
constexpr auto looked_at_lengths = [] {
  std::array<std::uint32_t, 256> t{};
  for (auto n : looked_at_names) t[static_cast<unsigned char>(n[0])] |= std::uint32_t{1} << n.size();
  return t;
}();

// Which one `n` is (case-insensitive): by first letter and length first, from a table (every
// name the parser looks at starts with a letter, for which `| 0x20` lowercases exactly), so that
// most header lines, whose names are not looked at, cost a load and a test.
[[gnu::always_inline]] inline header_name header_of(std::string_view n) noexcept {
  if (n.empty() || n.size() >= 32) return header_name::other;
  const char c = static_cast<char>(n[0] | 0x20);
  if (((looked_at_lengths[static_cast<unsigned char>(c)] >> n.size()) & 1u) == 0) return header_name::other;
  // The usual spelling first (a fixed-size compare), then any case.
  auto is = [&](std::string_view lower, std::string_view usual, header_name h) __attribute__((always_inline)) {
    if (c != lower[0]) return header_name::other;
    return std::memcmp(n.data(), usual.data(), usual.size()) == 0 || ieq_lower(n, lower) ? h : header_name::other;
  };
  switch (n.size()) {
    case 4: return is("host", "Host", header_name::host);
    case 6:
      return c == 'o' ? is("origin", "Origin", header_name::origin) : is("expect", "Expect", header_name::expect);
    case 7: return is("referer", "Referer", header_name::referer);
    case 10: return is("user-agent", "User-Agent", header_name::user_agent);
    case 12: return is("content-type", "Content-Type", header_name::content_type);
    case 14: return is("content-length", "Content-Length", header_name::content_length);
    case 16: return is("content-encoding", "Content-Encoding", header_name::content_encoding);
    case 17: return is("transfer-encoding", "Transfer-Encoding", header_name::transfer_encoding);
    case 19: return is("content-disposition", "Content-Disposition", header_name::content_disposition);
    default: return header_name::other;
  }
}

// The end of the line that starts at `p`: its '\n' (null: none before `end`), and in `colon`
// the line's first ':' (null: none before the '\n'; not looked for without `with_colon`). One
// pass over the bytes for both, sixteen at a time where SSE2 is there (header lines are short:
// two memchr calls cost more in their set-up than in their scan); the last ones as part of the
// sixteen that end at `end` when the buffer, from `begin`, holds that many.
template <bool with_colon = true>
[[gnu::always_inline]] inline const char* find_line_end([[maybe_unused]] const char* begin, const char* p, const char* end,
                                                        const char*& colon) noexcept {
  const char* c = nullptr;
#if defined(__SSE2__)
  const __m128i nls = _mm_set1_epi8('\n'), colons = _mm_set1_epi8(':');
  const char* found = nullptr;
  // The '\n' and ':' among the 16 bytes at `at`, from its byte `skip` on; true when a '\n' is.
  auto block = [&](const char* at, unsigned skip) __attribute__((always_inline)) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(at));
    const auto nl = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, nls))) >> skip;
    if (with_colon && !c) {
      // Colons before the first '\n' (all of them when there is none).
      const auto cs = (static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, colons))) >> skip) & ~nl & (nl - 1);
      if (cs != 0) c = at + skip + std::countr_zero(cs);
    }
    if (nl == 0) return false;
    found = at + skip + std::countr_zero(nl);
    return true;
  };
  for (; end - p >= 16; p += 16) {
    if (block(p, 0)) {
      colon = c;
      return found;
    }
  }
  if (p < end && end - begin >= 16) {
    block(end - 16, static_cast<unsigned>(p - (end - 16)));
    colon = c;
    return found;
  }
#endif
  const auto* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
  if (with_colon && !c && nl) c = static_cast<const char*>(std::memchr(p, ':', static_cast<std::size_t>(nl - p)));
  colon = c;
  return nl;
}

bool is_space(char c) noexcept { return c == ' ' || c == '\t'; }

// Space, tab or CR (what trim() removes); most bytes are above ' ' and fail the first test.
bool is_trimmed(char c) noexcept { return static_cast<unsigned char>(c) <= ' ' && (is_space(c) || c == '\r'); }

[[gnu::always_inline]] inline std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && is_trimmed(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_trimmed(s.back())) s.remove_suffix(1);
  return s;
}

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
bool is_upper(char c) noexcept { return c >= 'A' && c <= 'Z'; }

// The characters of a method token after its first: uppercase letters, digits, '_' and '-'.
constexpr auto method_chars = [] {
  std::array<bool, 256> t{};
  for (int c = 'A'; c <= 'Z'; ++c) t[static_cast<std::size_t>(c)] = true;
  for (int c = '0'; c <= '9'; ++c) t[static_cast<std::size_t>(c)] = true;
  t['_'] = t['-'] = true;
  return t;
}();

// A method token as requests use them: an uppercase letter, then uppercase letters, digits,
// '_' or '-' (CCM_POST, M-SEARCH, VERSION-CONTROL), 1 to 32 characters.
std::size_t method_length(std::string_view line) noexcept {
  if (line.empty() || !is_upper(line[0])) return 0;
  std::size_t i = 1;
  while (i < line.size() && i <= 32 && method_chars[static_cast<unsigned char>(line[i])]) ++i;
  if (i > 32) return 0;
  return i;
}

// "HTTP/d.d" at the start of `s`.
bool strict_version(std::string_view s) noexcept {
  return s.size() == 8 && s.substr(0, 5) == "HTTP/" && is_digit(s[5]) && s[6] == '.' && is_digit(s[7]);
}

struct start_line {
  bool request = false;
  std::string_view method, uri, version, reason;  // version without "HTTP/"
  std::uint16_t status = 0;
};

// Parses a request or status line (without its line end). `strict` (after a gap) wants the
// full "METHOD SP URI SP HTTP/d.d" or "HTTP/d.d SP ddd" form; otherwise a method alone or
// followed by a target (as tshark accepts: "OPTIONS", "GET /x") is a request too.
bool parse_start_line(std::string_view line, bool strict, start_line& out) noexcept {
  if (line.size() >= 5 && line.substr(0, 5) == "HTTP/") {
    // (Usually "HTTP/d.d ": the space is looked for only when it is not at 8.)
    std::size_t sp = line.size() > 8 && line[8] == ' ' && line[5] != ' ' && line[6] != ' ' && line[7] != ' '
                         ? 8
                         : line.find(' ');
    if (sp == std::string_view::npos) return false;
    auto ver = line.substr(0, sp);
    if (strict && !strict_version(ver)) return false;
    if (ver.size() > 16) return false;
    std::size_t i = sp;
    while (i < line.size() && line[i] == ' ') ++i;
    if (i + 3 > line.size() || !is_digit(line[i]) || !is_digit(line[i + 1]) || !is_digit(line[i + 2])) return false;
    if (i + 3 < line.size() && line[i + 3] != ' ' && line[i + 3] != '\t') return false;
    out.request = false;
    out.version = ver.substr(5);
    out.status = static_cast<std::uint16_t>((line[i] - '0') * 100 + (line[i + 1] - '0') * 10 + (line[i + 2] - '0'));
    out.reason = i + 3 < line.size() ? trim(line.substr(i + 4)) : std::string_view{};
    return true;
  }
  std::size_t m = method_length(line);
  if (m == 0) return false;
  if (m < line.size() && line[m] != ' ') return false;
  out.request = true;
  out.method = line.substr(0, m);
  out.uri = {};
  out.version = {};
  if (m == line.size()) return !strict;
  auto rest = line.substr(m + 1);
  std::size_t sp = rest.find(' ');
  out.uri = rest.substr(0, sp);
  if (sp != std::string_view::npos) {
    auto ver = trim(rest.substr(sp + 1));
    if (ver.size() >= 5 && ver.substr(0, 5) == "HTTP/") out.version = ver.substr(5);
    else if (!ver.empty()) return false;  // "OPTIONS sip:a SIP/2.0", "PLAY x RTSP/1.0": not HTTP
    if (strict && (!strict_version(ver) || out.uri.empty())) return false;
  } else if (strict) {
    return false;
  }
  return true;
}

// Could a line beginning with these bytes be a request line? (For the body of a request that
// expected "100 Continue" but got a final answer: the client may never send the body.)
bool looks_like_request_prefix(std::string_view s) noexcept {
  std::size_t m = method_length(s);
  return m >= 3 && m < s.size() && s[m] == ' ' && m + 1 < s.size() &&
         (s[m + 1] == '/' || s[m + 1] == '*' || s[m + 1] == 'h' || s[m + 1] == 'H');
}

// Zeek's host: the length of the Host header without its port.
std::size_t host_without_port_length(std::string_view h) noexcept {
  if (!h.empty() && h[0] == '[') {
    auto close = h.find(']');
    return close == std::string_view::npos ? h.size() : close + 1;
  }
  auto colon = h.find(':');
  return colon == std::string_view::npos ? h.size() : colon;
}

// Length of the media type of a Content-Type value as tshark keeps it (up to ';' or
// whitespace; lowercased by the caller).
std::size_t media_type_length(std::string_view v) noexcept {
  std::size_t i = 0;
  while (i < v.size() && v[i] != ';' && v[i] != ' ' && v[i] != '\t') ++i;
  return i;
}

// filename="x" / filename=x from a Content-Disposition value (a part of `v`).
std::string_view disposition_filename(std::string_view v) noexcept {
  for (std::size_t i = 0; i + 9 <= v.size(); ++i) {
    if (!ieq(v.substr(i, 9), "filename=")) continue;
    if (i > 0 && v[i - 1] != ';' && v[i - 1] != ' ' && v[i - 1] != '\t') continue;
    auto rest = v.substr(i + 9);
    if (!rest.empty() && rest[0] == '"') {
      auto end = rest.find('"', 1);
      return rest.substr(1, end == std::string_view::npos ? std::string_view::npos : end - 1);
    }
    auto end = rest.find(';');
    return trim(rest.substr(0, end));
  }
  return {};
}

// Parses a decimal length; false on anything else (or a value past max_length_value).
bool parse_decimal(std::string_view s, std::uint64_t& out) noexcept {
  s = trim(s);
  if (s.empty()) return false;
  std::uint64_t v = 0;
  for (char c : s) {
    if (!is_digit(c)) return false;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
    if (v > max_length_value) return false;
  }
  out = v;
  return true;
}

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// chunk-size [ws] [; ext]; false when not hex or too large.
bool parse_chunk_size(std::string_view line, std::uint64_t& out) noexcept {
  std::size_t i = 0;
  while (i < line.size() && is_space(line[i])) ++i;
  std::uint64_t v = 0;
  std::size_t digits = 0;
  while (i < line.size() && hex_value(line[i]) >= 0) {
    v = (v << 4) | static_cast<std::uint64_t>(hex_value(line[i]));
    if (++digits > 15 || v > max_length_value) return false;
    ++i;
  }
  if (digits == 0) return false;
  while (i < line.size() && (is_space(line[i]) || line[i] == '\r')) ++i;
  if (i < line.size() && line[i] != ';') return false;
  out = v;
  return true;
}

// Does the Transfer-Encoding list end in "chunked"?
bool ends_in_chunked(std::string_view v) noexcept {
  auto comma = v.rfind(',');
  auto last = trim(comma == std::string_view::npos ? v : v.substr(comma + 1));
  auto semi = last.find(';');
  return ieq(trim(last.substr(0, semi)), "chunked");
}

// `lower`: lowercase (a markup signature).
bool starts_with_ci(std::string_view s, std::string_view lower) noexcept {
  return s.size() >= lower.size() && ieq_lower(s.substr(0, lower.size()), lower);
}

// (The first byte is compared inline: most signatures fail there, without a memcmp call.)
bool has_prefix(util::bytes b, std::string_view p) noexcept {
  return b.size() >= p.size() && b[0] == static_cast<std::uint8_t>(p[0]) &&
         std::memcmp(b.data(), p.data(), p.size()) == 0;
}

// Does `b` hold a control byte other than tab, LF, CR, FF and ESC (a binary body)? Sixteen
// bytes at a time: only the bytes flagged as possibly below 0x20 are looked at (a text body's
// line ends are flagged in many of its words).
bool has_binary_byte(util::bytes b) noexcept {
  constexpr std::uint32_t text_controls = (1u << '\t') | (1u << '\n') | (1u << '\r') | (1u << '\f') | (1u << 0x1B);
  auto binary = [](std::uint8_t c) { return c < 0x20 && !((text_controls >> c) & 1u); };
  std::size_t k = 0;
#if defined(__SSE2__)
  // Exactly the bytes below 0x20 (unsigned: min(v, 0x1F) == v).
  const __m128i below = _mm_set1_epi8(0x1F);
  auto low_at = [&](std::size_t at) __attribute__((always_inline)) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b.data() + at));
    return _mm_cmpeq_epi8(_mm_min_epu8(v, below), v);
  };
  auto any_binary = [&](std::size_t at, unsigned flags) __attribute__((always_inline)) {
    for (; flags != 0; flags &= flags - 1) {
      if (binary(b[at + static_cast<std::size_t>(std::countr_zero(flags))])) return true;
    }
    return false;
  };
  // Sixty-four bytes a step with one test when none is below 0x20 (sniffed bodies mostly hold
  // long runs without line ends); a step with some looks at its sixteens one by one.
  for (; k + 64 <= b.size(); k += 64) {
    const __m128i f0 = low_at(k), f1 = low_at(k + 16), f2 = low_at(k + 32), f3 = low_at(k + 48);
    if (_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(f0, f1), _mm_or_si128(f2, f3))) == 0) continue;
    if (any_binary(k, static_cast<unsigned>(_mm_movemask_epi8(f0))) ||
        any_binary(k + 16, static_cast<unsigned>(_mm_movemask_epi8(f1))) ||
        any_binary(k + 32, static_cast<unsigned>(_mm_movemask_epi8(f2))) ||
        any_binary(k + 48, static_cast<unsigned>(_mm_movemask_epi8(f3)))) {
      return true;
    }
  }
  for (; k + 16 <= b.size(); k += 16) {
    if (any_binary(k, static_cast<unsigned>(_mm_movemask_epi8(low_at(k))))) return true;
  }
#else
  // The high bit of every byte below 0x20, and of some bytes 0x20 just above one (a borrow);
  // never of a byte >= 0x80.
  auto low = [](std::uint64_t w) { return (w - 0x2020202020202020ull) & ~w & 0x8080808080808080ull; };
  static_assert(std::endian::native == std::endian::little, "a word's low byte is its first");
  auto any_flagged = [&](std::size_t at, std::uint64_t flags) {
    for (; flags != 0; flags &= flags - 1) {
      if (binary(b[at + static_cast<std::size_t>(std::countr_zero(flags)) / 8])) return true;
    }
    return false;
  };
  for (; k + 16 <= b.size(); k += 16) {
    std::uint64_t w0, w1;
    std::memcpy(&w0, b.data() + k, 8);
    std::memcpy(&w1, b.data() + k + 8, 8);
    const std::uint64_t f0 = low(w0), f1 = low(w1);
    if ((f0 | f1) == 0) continue;
    if (any_flagged(k, f0) || any_flagged(k + 8, f1)) return true;
  }
#endif
  for (; k < b.size(); ++k) {
    if (binary(b[k])) return true;
  }
  return false;
}

// What http_sniff_mime answers, as an index into `sniff_names`, so that a log entry keeps one
// stored copy of each name.
enum class sniffed : std::uint8_t {
  none, png, jpeg, gif, pdf, zip, gzip, webp, mp4, bmp, icon, elf, dosexec, wasm, ogg, mpeg, cab, rar, sevenz,
  woff, woff2, x509, svg, xml, html, rss, octet_stream, json, plain, count_
};

constexpr std::string_view sniff_names[] = {
    "", "image/png", "image/jpeg", "image/gif", "application/pdf", "application/zip", "application/x-gzip",
    "image/webp", "video/mp4", "image/bmp", "image/x-icon", "application/x-executable", "application/x-dosexec",
    "application/wasm", "application/ogg", "audio/mpeg", "application/vnd.ms-cab-compressed", "application/x-rar",
    "application/x-7z-compressed", "font/woff", "font/woff2", "application/x-x509-ca-cert", "image/svg+xml",
    "application/xml", "text/html", "application/rss+xml", "application/octet-stream", "application/json",
    "text/plain",
};
static_assert(std::size(sniff_names) == static_cast<std::size_t>(sniffed::count_));

sniffed sniff(util::bytes b) noexcept {
  using m = sniffed;
  if (b.empty()) return m::none;
  // Binary signatures first, by first byte (each needs its own), in this order: those before
  // the MP4 box (which has none of its own), the box, those after.
  switch (b[0]) {
    case 0x89:
      if (has_prefix(b, "\x89PNG\r\n\x1a\n")) return m::png;
      break;
    case 0xFF:
      if (b.size() >= 3 && b[1] == 0xD8 && b[2] == 0xFF) return m::jpeg;
      break;
    case 'G':
      if (has_prefix(b, "GIF87a") || has_prefix(b, "GIF89a")) return m::gif;
      break;
    case '%':
      if (has_prefix(b, "%PDF-")) return m::pdf;
      break;
    case 'P':
      if (has_prefix(b, "PK\x03\x04") || has_prefix(b, "PK\x05\x06")) return m::zip;
      break;
    case 0x1F:
      if (b.size() >= 2 && b[1] == 0x8B) return m::gzip;
      break;
    case 'R':
      if (b.size() >= 12 && has_prefix(b, "RIFF") && std::memcmp(b.data() + 8, "WEBP", 4) == 0) return m::webp;
      break;
    default: break;
  }
  if (b.size() >= 8 && std::memcmp(b.data() + 4, "ftyp", 4) == 0) return m::mp4;
  switch (b[0]) {
    case 'B':
      if (has_prefix(b, "BM") && b.size() >= 14 && b[6] == 0 && b[7] == 0 && b[8] == 0 && b[9] == 0) return m::bmp;
      break;
    case 0x00:
      if (b.size() >= 4 && b[1] == 0 && b[2] == 1 && b[3] == 0) return m::icon;
      if (has_prefix(b, std::string_view("\0asm", 4))) return m::wasm;
      break;
    case 0x7F:
      if (has_prefix(b, "\x7F" "ELF")) return m::elf;
      break;
    case 'M':
      if (has_prefix(b, "MZ")) return m::dosexec;
      if (has_prefix(b, "MSCF")) return m::cab;
      break;
    case 'O':
      if (has_prefix(b, "OggS")) return m::ogg;
      break;
    case 'I':
      if (has_prefix(b, "ID3")) return m::mpeg;
      break;
    case 'R':
      if (has_prefix(b, "Rar!")) return m::rar;
      break;
    case '7':
      if (has_prefix(b, "7z\xBC\xAF\x27\x1C")) return m::sevenz;
      break;
    case 'w':
      if (has_prefix(b, "wOFF")) return m::woff;
      if (has_prefix(b, "wOF2")) return m::woff2;
      break;
    case 0x30:
      // X.509 certificate in DER: SEQUENCE (long form) holding a SEQUENCE (tbsCertificate).
      if (b.size() >= 8 && b[1] == 0x82 && b[4] == 0x30 && b[5] == 0x82) return m::x509;
      break;
    case '-':
      if (has_prefix(b, "-----BEGIN CERTIFICATE-----")) return m::x509;
      break;
    default: break;
  }
  // Text: skip a UTF-8 BOM and leading whitespace.
  std::size_t i = 0;
  if (has_prefix(b, "\xEF\xBB\xBF")) i = 3;
  while (i < b.size() && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n')) ++i;
  std::string_view t(reinterpret_cast<const char*>(b.data()) + i, b.size() - i);
  if (!t.empty() && t[0] == '<') {  // every markup signature starts with '<'
    if (starts_with_ci(t, "<?xml")) {
      if (t.find("<svg") != std::string_view::npos) return m::svg;
      return m::xml;
    }
    if (starts_with_ci(t, "<!doctype html") || starts_with_ci(t, "<html") || starts_with_ci(t, "<head") ||
        starts_with_ci(t, "<body") || starts_with_ci(t, "<script") || starts_with_ci(t, "<title") ||
        starts_with_ci(t, "<iframe") || starts_with_ci(t, "<!--") || starts_with_ci(t, "<div") ||
        starts_with_ci(t, "<meta") || starts_with_ci(t, "<table") || starts_with_ci(t, "<p>") ||
        starts_with_ci(t, "<br") || starts_with_ci(t, "<a ") || starts_with_ci(t, "<h1")) {
      return m::html;
    }
    if (starts_with_ci(t, "<svg")) return m::svg;
    if (starts_with_ci(t, "<rss")) return m::rss;
  }
  // Printable text (UTF-8 allowed) or binary?
  if (has_binary_byte(b)) return m::octet_stream;
  if (!t.empty() && (t[0] == '{' || t[0] == '[')) {
    // JSON: an object starting with a key or closing, an array starting with a value.
    std::size_t j = 1;
    while (j < t.size() && (t[j] == ' ' || t[j] == '\t' || t[j] == '\r' || t[j] == '\n')) ++j;
    if (j == t.size()) return m::json;
    char c = t[j];
    if (t[0] == '{' && (c == '"' || c == '}')) return m::json;
    if (t[0] == '[' && (c == '"' || c == '{' || c == '[' || c == ']' || c == '-' || is_digit(c) || c == 't' ||
                        c == 'f' || c == 'n')) {
      return m::json;
    }
  }
  return m::plain;
}

}  // namespace

std::string_view http_anomaly_name(http_anomaly a) noexcept {
  switch (a) {
    case http_anomaly::none: return "http.none";
    case http_anomaly::line_too_long: return "http.line_too_long";
    case http_anomaly::header_block_too_large: return "http.header_block_too_large";
    case http_anomaly::too_many_headers: return "http.too_many_headers";
    case http_anomaly::bad_start_line: return "http.bad_start_line";
    case http_anomaly::bad_header_line: return "http.bad_header_line";
    case http_anomaly::bad_content_length: return "http.bad_content_length";
    case http_anomaly::te_and_content_length: return "http.te_and_content_length";
    case http_anomaly::unsupported_transfer_encoding: return "http.unsupported_transfer_encoding";
    case http_anomaly::bad_chunk_size: return "http.bad_chunk_size";
    case http_anomaly::bad_chunk_end: return "http.bad_chunk_end";
    case http_anomaly::body_gap: return "http.body_gap";
    case http_anomaly::gap_resync: return "http.gap_resync";
    case http_anomaly::unmatched_response: return "http.unmatched_response";
    case http_anomaly::too_many_pending: return "http.too_many_pending";
    case http_anomaly::truncated_message: return "http.truncated_message";
    case http_anomaly::buffer_budget: return "http.buffer_budget";
    case http_anomaly::decoded_too_large: return "http.decoded_too_large";
    case http_anomaly::decode_failed: return "http.decode_failed";
    case http_anomaly::text_budget: return "http.text_budget";
    case http_anomaly::count_: break;
  }
  return "http.unknown";
}

std::string_view http_sniff_mime(util::bytes b) noexcept { return sniff_names[static_cast<std::size_t>(sniff(b))]; }

// ---------------------------------------------------------------------------------------------
// Parser state

namespace {

enum class pstate : std::uint8_t {
  start,          // before a message: expecting a request or status line (empty lines skipped)
  headers,        // header lines until an empty line
  body_length,    // `remaining` body bytes (Content-Length)
  chunk_size,     // a chunk-size line
  chunk_data,     // `remaining` bytes of a chunk
  chunk_end,      // the CRLF after chunk data
  trailers,       // trailer lines until an empty line
  body_close,     // body until the direction closes
  expect_decide,  // first bytes of a 100-continue body whose final response came already
  resync,         // looking for a line that is a start line (after a gap or garbage)
  tunnel,         // opaque (CONNECT 2xx, 101): nothing parsed
  closed,         // the direction ended
};

bool line_state(pstate s) noexcept {
  return s == pstate::start || s == pstate::headers || s == pstate::chunk_size || s == pstate::chunk_end ||
         s == pstate::trailers || s == pstate::resync || s == pstate::expect_decide;
}

// memcmp(a, b, n) == 0 for n > 0, inline: the values compared are short.
[[gnu::always_inline]] inline bool same_bytes(const char* a, const char* b, std::size_t n) noexcept {
  if (n < 8) {
    if (n >= 4) {  // two overlapping 4-byte words
      std::uint32_t x0, y0, x1, y1;
      std::memcpy(&x0, a, 4);
      std::memcpy(&y0, b, 4);
      std::memcpy(&x1, a + n - 4, 4);
      std::memcpy(&y1, b + n - 4, 4);
      return ((x0 ^ y0) | (x1 ^ y1)) == 0;
    }
    // 1 to 3 bytes: the first, middle and last are all of them.
    return a[0] == b[0] && a[n / 2] == b[n / 2] && a[n - 1] == b[n - 1];
  }
#if defined(__SSE2__)
  if (n >= 16) {  // (User-Agent values, URIs) sixteen bytes at a time, the last sixteen overlapping
    auto same16 = [](const char* x, const char* y) {
      const __m128i vx = _mm_loadu_si128(reinterpret_cast<const __m128i*>(x));
      const __m128i vy = _mm_loadu_si128(reinterpret_cast<const __m128i*>(y));
      return _mm_movemask_epi8(_mm_cmpeq_epi8(vx, vy)) == 0xFFFF;
    };
    for (std::size_t i = 0; i + 16 <= n; i += 16) {
      if (!same16(a + i, b + i)) return false;
    }
    return same16(a + n - 16, b + n - 16);
  }
#endif
  std::uint64_t x, y;
  for (std::size_t i = 0; i + 8 <= n; i += 8) {
    std::memcpy(&x, a + i, 8);
    std::memcpy(&y, b + i, 8);
    if (x != y) return false;
  }
  std::memcpy(&x, a + n - 8, 8);
  std::memcpy(&y, b + n - 8, 8);
  return x == y;
}

// A string of the log: `len` bytes at offset `off` of the logger's text store.
struct text_ref {
  std::uint32_t off = 0, len = 0;
};

// The log's strings. They live in buffers that never move (views stay valid, no reallocation
// peak), addressed through 64 KiB virtual blocks so that a reference is two 32-bit numbers, and
// each distinct value is stored once (an open-addressing hash set over the stored values):
// User-Agent, Host, Content-Type and most URIs repeat across a capture.
class text_store {
 public:
  text_store() = default;
  text_store(const text_store&) = delete;
  text_store& operator=(const text_store&) = delete;

  // `out` refers to a stored copy of `s`; false when the store is full (offsets are 32-bit:
  // 4 GiB of distinct text).
  bool put(std::string_view s, text_ref& out) {
    out = {};
    if (s.empty()) return true;
    if (table_.empty()) table_.resize(1024);
    const std::uint32_t h = hash(s);
    std::size_t mask = table_.size() - 1;
    std::size_t i = h & mask;
    for (; table_[i].len != 0; i = (i + 1) & mask) {
      const auto& sl = table_[i];
      if (sl.hash == h && sl.len == s.size() && same_bytes(view({sl.off, sl.len}).data(), s.data(), s.size())) {
        out = {sl.off, sl.len};
        return true;
      }
    }
    if (!append(s, out)) return false;
    table_[i] = {out.off, out.len, h};
    if (++count_ * 10 > table_.size() * 7) grow();
    return true;
  }

  std::string_view view(text_ref r) const noexcept {
    if (r.len == 0) return {};
    return {bases_[r.off >> block_shift] + (r.off & (block_size - 1)), r.len};
  }

  std::size_t memory_bytes() const noexcept {
    return allocated_ + table_.capacity() * sizeof(slot) + bases_.capacity() * sizeof(char*) +
           buffers_.capacity() * sizeof(buffers_[0]);
  }

 private:
  static constexpr unsigned block_shift = 16;
  static constexpr std::size_t block_size = std::size_t{1} << block_shift;
  static constexpr std::size_t max_blocks = std::size_t{1} << (32 - block_shift);
  struct slot {
    std::uint32_t off = 0, len = 0, hash = 0;  // len 0: free
  };

  static std::uint32_t hash(std::string_view s) noexcept {
    std::uint64_t h = 0x9E3779B97F4A7C15ull ^ s.size();
    const char* p = s.data();
    std::size_t n = s.size();
    for (; n >= 8; p += 8, n -= 8) {
      std::uint64_t w;
      std::memcpy(&w, p, 8);
      h = (h ^ w) * 0xFF51AFD7ED558CCDull;
      h ^= h >> 32;
    }
    if (n > 0) {
      // The last 1-7 bytes without a variable-length copy: overlapping fixed-size loads (the
      // same bytes always give the same word).
      std::uint64_t w;
      if (s.size() >= 8) {
        std::memcpy(&w, s.data() + s.size() - 8, 8);
      } else if (n >= 4) {
        std::uint32_t a, z;
        std::memcpy(&a, p, 4);
        std::memcpy(&z, p + n - 4, 4);
        w = (static_cast<std::uint64_t>(a) << 32) | z;
      } else {
        w = (static_cast<std::uint64_t>(static_cast<unsigned char>(p[0])) << 16) |
            (static_cast<std::uint64_t>(static_cast<unsigned char>(p[n / 2])) << 8) | static_cast<unsigned char>(p[n - 1]);
      }
      h = (h ^ w) * 0xC4CEB9FE1A85EC53ull;
    }
    h ^= h >> 29;
    h *= 0x9E3779B97F4A7C15ull;
    return static_cast<std::uint32_t>(h >> 32);
  }

  bool append(std::string_view s, text_ref& out) {
    if (s.size() > cap_ - used_) {
      // A new buffer of whole blocks (one, or as many as a long value needs); the rest of
      // the current one stays unused.
      std::size_t blocks = (s.size() + block_size - 1) >> block_shift;
      // (Strictly less: the very last block stays unused, so that the buffer size below fits
      // a 32-bit size_t too.)
      if (blocks >= max_blocks - bases_.size()) return false;
      std::unique_ptr<char[]> buf(new char[blocks * block_size]);
      cur_base_ = static_cast<std::uint64_t>(bases_.size()) << block_shift;
      for (std::size_t k = 0; k < blocks; ++k) bases_.push_back(buf.get() + k * block_size);
      cur_ = buf.get();
      used_ = 0;
      cap_ = blocks * block_size;
      allocated_ += cap_;
      buffers_.push_back(std::move(buf));
    }
    std::memcpy(cur_ + used_, s.data(), s.size());
    out = {static_cast<std::uint32_t>(cur_base_ + used_), static_cast<std::uint32_t>(s.size())};
    used_ += s.size();
    return true;
  }

  void grow() {
    std::vector<slot> t(table_.size() * 2);
    const std::size_t mask = t.size() - 1;
    for (const auto& sl : table_) {
      if (sl.len == 0) continue;
      std::size_t i = sl.hash & mask;
      while (t[i].len != 0) i = (i + 1) & mask;
      t[i] = sl;
    }
    table_.swap(t);
  }

  std::vector<const char*> bases_;  // start of each virtual block
  std::vector<std::unique_ptr<char[]>> buffers_;
  char* cur_ = nullptr;             // buffer being filled
  std::uint64_t cur_base_ = 0;      // its virtual offset
  std::size_t used_ = 0, cap_ = 0;
  std::size_t allocated_ = 0;
  std::vector<slot> table_;
  std::size_t count_ = 0;
};

// Fixed-size records in blocks of 2^shift: appending never moves a record (no reallocation
// peak, references stay valid). Records are trivially destructible.
template <class T, unsigned shift>
class record_blocks {
  static_assert(std::is_trivially_destructible_v<T>);
  static constexpr std::size_t block = std::size_t{1} << shift;

 public:
  record_blocks() = default;
  record_blocks(const record_blocks&) = delete;
  record_blocks& operator=(const record_blocks&) = delete;
  ~record_blocks() {
    for (T* b : blocks_) ::operator delete(b);
  }
  std::size_t size() const noexcept { return size_; }
  T& operator[](std::size_t i) noexcept { return blocks_[i >> shift][i & (block - 1)]; }
  const T& operator[](std::size_t i) const noexcept { return blocks_[i >> shift][i & (block - 1)]; }
  // A new default record at the end.
  T& push() {
    if ((size_ >> shift) == blocks_.size()) blocks_.push_back(static_cast<T*>(::operator new(block * sizeof(T))));
    T* r = new (&blocks_[size_ >> shift][size_ & (block - 1)]) T{};
    ++size_;
    return *r;
  }
  std::size_t memory_bytes() const noexcept { return blocks_.size() * block * sizeof(T) + blocks_.capacity() * sizeof(T*); }

 private:
  std::vector<T*> blocks_;
  std::size_t size_ = 0;
};

// One http.log entry as kept (http_log_entry is built from it on access).
struct entry_record {
  std::int64_t ts_ns = 0;
  std::uint64_t request_body_len = 0, response_body_len = 0;
  std::uint64_t request_frame = 0, response_frame = 0;
  std::uint32_t flow_id = 0, trans_depth = 0;
  text_ref method, host_header, uri, referrer, version, user_agent, origin, status_msg, info_msg;
  text_ref orig_content_type, resp_content_type, orig_content_encoding, resp_content_encoding;
  text_ref orig_mime, resp_mime;
  std::uint32_t host_len = 0;   // host: the first host_len bytes of host_header
  std::uint32_t anomalies = 0;  // 1 + index of the entry's list in store::anomalies (0: none)
  std::uint16_t status_code = 0, info_code = 0;
  std::uint8_t request_dir = 0, tags = 0;
  bool udp = false, has_request = false, has_response = false;
  bool has_host = false, has_referrer = false, has_user_agent = false, has_origin = false;
  bool request_complete = false, response_complete = false;
};

// One export object as kept; hostname, encoding and file name come from its entry.
struct object_record {
  std::uint64_t frame = 0, size = 0;
  std::uint32_t entry = 0, flow_id = 0, message = 0;
  text_ref content_type, disposition;
  std::uint8_t dir = 0;
  bool response = false, complete = false;
};

}  // namespace

struct http_logger::store {
  record_blocks<entry_record, 8> entries;
  record_blocks<object_record, 10> objects;
  text_store text;
  std::vector<std::vector<http_anomaly>> anomalies;  // per entry that has any (few do)
  std::array<text_ref, static_cast<std::size_t>(sniffed::count_)> sniffed_text{};  // stored sniffed names
  // Values kept recently per repeating field, by a cheap hash of the value (see keep_repeated).
  std::array<std::array<text_ref, 16>, 7> recent{};
  std::string scratch;  // a lowercased media type being stored
  // Media types found for Content-Type values (stored references) by a hash of the reference:
  // a body's media type is looked up, not computed, when its Content-Type was seen before.
  std::array<std::pair<text_ref, text_ref>, 16> media_seen{};
};

namespace {

struct message {
  bool request = false;
  std::size_t entry = npos;      // log entry (requests: from the start line; responses: from the headers)
  std::uint32_t ordinal = 0;     // 1-based among the direction's messages
  std::int64_t ts_ns = 0;        // time of the packet with the start line's first byte
  text_ref method, uri, version, reason;
  std::uint16_t status = 0;
  text_ref host, referrer, user_agent, origin;
  bool has_host = false, has_referrer = false, has_user_agent = false, has_origin = false;
  text_ref content_type, content_encoding, disposition;
  bool have_length = false, length_bad = false;
  std::uint64_t length = 0;
  bool te = false, chunked = false, expect_continue = false, expect_decided = false;
  std::size_t header_bytes = 0, header_count = 0;
  std::uint64_t body_len = 0;
  bool body_gap = false, truncated = false, skipped_body = false;
  // MIME sniffing: the first body bytes while they arrive in pieces, until `sniff_bytes` are
  // there (or the body ends); then the verdict.
  std::string sniff;
  bool sniff_done = false;
  sniffed sniff_result = sniffed::none;
  std::vector<http_anomaly> anomalies;  // found before the entry was known

  // Back to a fresh message, keeping the capacity of sniff and anomalies (no allocation per message).
  void reset() {
    request = false;
    entry = npos;
    ordinal = 0;
    ts_ns = 0;
    method = uri = version = reason = {};
    status = 0;
    host = referrer = user_agent = origin = {};
    has_host = has_referrer = has_user_agent = has_origin = false;
    content_type = content_encoding = disposition = {};
    have_length = length_bad = false;
    length = 0;
    te = chunked = expect_continue = expect_decided = false;
    header_bytes = header_count = 0;
    body_len = 0;
    body_gap = truncated = skipped_body = false;
    sniff.clear();
    sniff_done = false;
    sniff_result = sniffed::none;
    anomalies.clear();
  }
};

// Entries of the requests awaiting a response, oldest first: up to four in a ring held inline
// (a connection seldom has more requests waiting, and most connections then cost no
// allocation for it), more in a vector read from `head_` until the queue is empty again.
class entry_queue {
 public:
  bool empty() const noexcept { return size_ == 0; }
  std::size_t size() const noexcept { return size_; }
  std::size_t front() const noexcept { return spilled_ ? q_[head_] : ring_[head_]; }
  void push_back(std::size_t e) {
    if (!spilled_) {
      if (size_ < ring_size) {
        ring_[(head_ + size_) & (ring_size - 1)] = e;
        ++size_;
        return;
      }
      q_.clear();
      for (std::size_t k = 0; k < size_; ++k) q_.push_back(ring_[(head_ + k) & (ring_size - 1)]);
      head_ = 0;
      spilled_ = true;
    }
    q_.push_back(e);
    ++size_;
  }
  void pop_front() {
    --size_;
    if (!spilled_) {
      head_ = (head_ + 1) & (ring_size - 1);
      return;
    }
    if (size_ == 0) {
      q_.clear();
      head_ = 0;
      spilled_ = false;
    } else if (++head_ >= 64 && head_ * 2 >= q_.size()) {
      q_.erase(q_.begin(), q_.begin() + static_cast<std::ptrdiff_t>(head_));
      head_ = 0;
    }
  }

 private:
  static constexpr std::size_t ring_size = 4;  // (a power of two)
  std::array<std::size_t, ring_size> ring_{};
  std::vector<std::size_t> q_;
  std::size_t head_ = 0, size_ = 0;
  bool spilled_ = false;
};

struct dir_parser {
  pstate state = pstate::start;
  std::string line;              // line being assembled (without its '\n')
  bool line_over = false;        // the line went past max_line: the rest is dropped
  bool line_skip = false;        // resync: this line cannot be a start line, skip to '\n'
  std::int64_t line_ts = 0;      // time of the line's first byte
  std::uint64_t remaining = 0;   // body_length / chunk_data
  bool in_message = false;
  message m;
  std::uint32_t messages = 0;
  bool quiet_resync = false;     // resync without anomaly (bytes after a CONNECT before its answer)
  std::uint64_t last_frame = 0;
  std::int64_t last_ts = 0;
};

}  // namespace

struct http_logger::connection {
  std::uint32_t flow_id = 0;
  dir_parser d[2];
  entry_queue pending[2];  // entries of requests sent in direction i awaiting a response
  std::uint32_t depth = 0;
  bool udp = false;  // one datagram (SSDP): no pairing, no export objects
  bool tunnel = false;
  bool connect_pending[2] = {false, false};  // a CONNECT from direction i awaits its answer
};

// The parsing code, with access to the logger's state.
struct http_parse_access {
  using conn = http_logger::connection;

  http_logger& L;
  conn& C;
  int d;
  const stream_ctx& ctx;

  dir_parser& P() { return C.d[d]; }
  const http_limits& lim() { return L.limits_; }
  http_logger::store& S() { return *L.store_; }
  entry_record& E(std::size_t e) { return S().entries[e]; }
  std::string_view text(text_ref r) { return S().text.view(r); }

  void count(http_anomaly a) { ++L.counters_.anomalies[static_cast<std::size_t>(a)]; }

  void add_to_entry(std::size_t e, http_anomaly a) {
    auto& r = E(e);
    if (r.anomalies == 0) {
      if (lim().max_anomalies == 0) return;
      S().anomalies.emplace_back();
      r.anomalies = static_cast<std::uint32_t>(S().anomalies.size());
    }
    auto& v = S().anomalies[r.anomalies - 1];
    if (v.size() < lim().max_anomalies) v.push_back(a);
  }

  // An anomaly of the current message (kept until its entry is known).
  void anomaly(http_anomaly a) {
    count(a);
    auto& p = P();
    if (!p.in_message) return;
    if (p.m.entry != npos) add_to_entry(p.m.entry, a);
    else if (p.m.anomalies.size() < lim().max_anomalies) p.m.anomalies.push_back(a);
  }

  // The stored copy of a value (an anomaly and an empty value when the text store is full).
  text_ref keep(std::string_view s) {
    text_ref r;
    if (!S().text.put(s, r)) anomaly(http_anomaly::text_budget);
    return r;
  }
  text_ref keep_clipped(std::string_view s) { return keep(s.substr(0, lim().max_value)); }

  // Fields whose values repeat from message to message (and across connections).
  enum class repeating : std::uint8_t { version, method, reason, host, user_agent, content_type, content_encoding };

  // keep_clipped, checking first `hint` (a stored value: the direction's previous one, for the
  // start line's fields) and one of the values the field had before: a field has few distinct
  // values (User-Agent, Host, …) but connections interleave, so the previous value alone often
  // differs. Comparing with one candidate, picked by a cheap hash of length, middle and last
  // byte, costs less than hashing into the store, and the store holds one copy of each value,
  // so the reference is the one keep_clipped gives.
  [[gnu::always_inline]] text_ref keep_repeated(std::string_view s, repeating field, text_ref hint = {}) {
    s = s.substr(0, lim().max_value);
    if (s.empty()) return {};
    if (hint.len == s.size() && same_bytes(text(hint).data(), s.data(), s.size())) return hint;
    const auto mix = (static_cast<std::uint32_t>(s.size()) * 0x9E3779B1u) ^
                     (static_cast<std::uint32_t>(static_cast<unsigned char>(s[s.size() / 2])) << 8) ^
                     static_cast<unsigned char>(s.back());
    auto& seen = S().recent[static_cast<std::size_t>(field)][(mix * 0x85EBCA77u) >> 28];
    if (seen.len == s.size() && same_bytes(text(seen).data(), s.data(), s.size())) return seen;
    seen = keep(s);
    return seen;
  }

  // The stored media type of Content-Type `ct`, remembered per reference (stored text never
  // changes, and most bodies repeat a Content-Type seen before).
  text_ref media_type(text_ref ct) {
    if (ct.len == 0) return {};
    auto& [seen_ct, seen_media] = S().media_seen[((ct.off ^ ct.len) * 0x9E3779B1u) >> 28];
    if (seen_ct.len != 0 && seen_ct.off == ct.off && seen_ct.len == ct.len) return seen_media;
    const text_ref media = media_type_of(ct);
    if (media.len != 0) {  // (not an empty one: a full text store answers that too)
      seen_ct = ct;
      seen_media = media;
    }
    return media;
  }
  // The media type computed: a part of the stored value when it is already lowercase (the usual
  // case), else a lowercased copy.
  text_ref media_type_of(text_ref ct) {
    auto v = text(ct);
    const std::size_t n = media_type_length(v);
    v = v.substr(0, n);
    if (std::none_of(v.begin(), v.end(), [](char c) { return c >= 'A' && c <= 'Z'; })) {
      return n == 0 ? text_ref{} : text_ref{ct.off, static_cast<std::uint32_t>(n)};
    }
    auto& low = S().scratch;
    low.assign(v);
    for (auto& c : low) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return keep(low);
  }

  // The stored name of a sniffed type (stored once per logger).
  text_ref sniffed_name(sniffed s) {
    auto& r = S().sniffed_text[static_cast<std::size_t>(s)];
    if (r.len == 0) r = keep(sniff_names[static_cast<std::size_t>(s)]);
    return r;
  }

  // Empties the line buffer; its storage is kept for the next line unless it grew large (the
  // buffer is freed for good when a body starts or a message ends, see idle()).
  void release_line() {
    auto& p = P();
    L.buffered_ -= p.line.size();
    p.line.clear();
    if (p.line.capacity() > 512) p.line.shrink_to_fit();
    p.line_over = false;
    p.line_skip = false;
  }

  // No line is being assembled for a while (a body follows, or the message ended): hold no memory.
  void idle() {
    auto& p = P();
    if (p.line.empty()) std::string().swap(p.line);
  }

  std::size_t new_entry(std::int64_t ts) {
    auto& e = S().entries.push();
    e.ts_ns = ts;
    e.flow_id = C.flow_id;
    e.trans_depth = ++C.depth;
    e.udp = C.udp;
    return S().entries.size() - 1;
  }

  // -- message life cycle -------------------------------------------------------------------

  // `line_len`: bytes of the start line without its '\n'.
  void begin_message(const start_line& s, std::size_t line_len) {
    auto& p = P();
    p.in_message = true;
    // The direction's previous message most often had the same version, method or reason.
    const text_ref last_version = p.m.version, last_method = p.m.method, last_reason = p.m.reason;
    p.m.reset();
    auto& m = p.m;
    m.request = s.request;
    m.ordinal = ++p.messages;
    m.ts_ns = p.line_ts;
    m.header_bytes = line_len + 1;
    m.version = keep_repeated(s.version, repeating::version, last_version);
    if (s.request) {
      ++L.counters_.requests;
      m.method = keep_repeated(s.method, repeating::method, last_method);
      m.uri = keep_clipped(s.uri);
      m.entry = new_entry(m.ts_ns);
      auto& e = E(m.entry);
      e.has_request = true;
      e.request_dir = static_cast<std::uint8_t>(d);
      e.method = m.method;
      e.uri = m.uri;
      e.version = m.version;
    } else {
      m.status = s.status;
      m.reason = keep_repeated(s.reason, repeating::reason, last_reason);
    }
    p.state = pstate::headers;
  }

  // A header line of a header block or of trailers (without its line end).
  void header(std::string_view line) {
    auto& p = P();
    auto& m = p.m;
    if (++m.header_count > lim().max_headers) {
      anomaly(http_anomaly::too_many_headers);
      abort_message();
      return;
    }
    if (is_space(line[0])) return;  // obs-fold continuation: not needed for the fields kept
    auto colon = line.find(':');
    if (colon == std::string_view::npos) {
      anomaly(http_anomaly::bad_header_line);
      return;
    }
    if (p.state == pstate::trailers) return;  // trailers are checked for limits only
    const auto name = header_name_of(line.substr(0, colon));
    if (name != header_name::other) header_value(name, line.substr(colon + 1));
  }

  // Which header the part of a line before its colon names (trimmed first, as trim() does,
  // written out: this runs for every header line).
  [[gnu::always_inline]] static header_name header_name_of(std::string_view before_colon) noexcept {
    std::size_t b = 0, e = before_colon.size();
    while (b < e && is_trimmed(before_colon[b])) ++b;
    while (e > b && is_trimmed(before_colon[e - 1])) --e;
    return header_of(before_colon.substr(b, e - b));
  }

  // Keeps what the message needs of header `name` (one the parser looks at); `after_colon`: the
  // rest of its line, value untrimmed.
  void header_value(header_name name, std::string_view after_colon) {
    auto& m = P().m;
    // Usually one space before the value and nothing to trim after it.
    const auto value = after_colon.size() >= 2 && after_colon[0] == ' ' &&
                               static_cast<unsigned char>(after_colon[1]) > ' ' &&
                               static_cast<unsigned char>(after_colon.back()) > ' '
                           ? after_colon.substr(1)
                           : trim(after_colon);
    auto first = [&](text_ref& out, bool& has) {
      if (has) return;  // the first one counts
      out = keep_clipped(value);
      has = true;
    };
    auto first_repeated = [&](text_ref& out, bool& has, repeating field) __attribute__((always_inline)) {
      if (has) return;
      out = keep_repeated(value, field);
      has = true;
    };
    switch (name) {
      case header_name::host: first_repeated(m.host, m.has_host, repeating::host); break;
      case header_name::referer: first(m.referrer, m.has_referrer); break;
      case header_name::user_agent: first_repeated(m.user_agent, m.has_user_agent, repeating::user_agent); break;
      case header_name::origin: first(m.origin, m.has_origin); break;
      // The first non-empty one counts.
      case header_name::content_type:
        if (m.content_type.len == 0) m.content_type = keep_repeated(value, repeating::content_type);
        break;
      case header_name::content_encoding:
        if (m.content_encoding.len == 0) m.content_encoding = keep_repeated(value, repeating::content_encoding);
        break;
      case header_name::content_disposition:
        if (m.disposition.len == 0) m.disposition = keep(disposition_filename(value));
        break;
      case header_name::content_length: {
        std::uint64_t v = 0;
        if (!parse_decimal(value, v)) {
          anomaly(http_anomaly::bad_content_length);
          m.length_bad = true;
        } else if (m.have_length && v != m.length) {
          anomaly(http_anomaly::bad_content_length);
          m.length_bad = true;
        } else {
          m.have_length = true;
          m.length = v;
        }
        break;
      }
      case header_name::transfer_encoding:
        m.te = true;
        m.chunked = ends_in_chunked(value);
        break;
      case header_name::expect:
        if (ieq(value, "100-continue")) m.expect_continue = true;
        break;
      case header_name::other: break;
    }
  }

  void copy_request_fields(entry_record& e, const message& m) {
    e.has_host = m.has_host;
    e.host_header = m.host;
    e.host_len = static_cast<std::uint32_t>(host_without_port_length(text(m.host)));
    e.has_referrer = m.has_referrer;
    e.referrer = m.referrer;
    e.has_user_agent = m.has_user_agent;
    e.user_agent = m.user_agent;
    e.has_origin = m.has_origin;
    e.origin = m.origin;
    e.orig_content_type = m.content_type;
    e.orig_content_encoding = m.content_encoding;
  }

  void flush_early_anomalies(message& m) {
    if (m.entry == npos) return;
    for (auto a : m.anomalies) add_to_entry(m.entry, a);
    m.anomalies.clear();
  }

  void headers_done() {
    auto& p = P();
    auto& m = p.m;
    if (m.te && m.have_length) anomaly(http_anomaly::te_and_content_length);
    if (m.request) {
      auto& e = E(m.entry);
      copy_request_fields(e, m);
      auto& q = C.pending[d];
      if (q.size() >= lim().max_pending) {
        add_to_entry(q.front(), http_anomaly::too_many_pending);
        count(http_anomaly::too_many_pending);
        q.pop_front();
      }
      q.push_back(m.entry);
      if (text(m.method) == "CONNECT") C.connect_pending[d] = true;
      if (m.te) {
        if (m.chunked) return start_chunked();
        anomaly(http_anomaly::unsupported_transfer_encoding);
        return message_done(false);
      }
      if (m.have_length && !m.length_bad && m.length > 0) {
        p.remaining = m.length;
        p.state = pstate::body_length;
        return;
      }
      return message_done(false);  // no body (or an unusable Content-Length: anomaly already counted)
    }
    // A response.
    const std::uint16_t s = m.status;
    auto& q = C.pending[1 - d];
    if (s >= 100 && s < 200 && s != 101) {
      ++L.counters_.interim;
      L.interim_.push_back({q.empty() ? npos : q.front(), ctx.frame, s});
      if (!q.empty()) {
        auto& e = E(q.front());
        e.info_code = s;
        e.info_msg = m.reason;
        m.entry = q.front();
        flush_early_anomalies(m);
      }
      m.entry = npos;  // an interim response logs no body and completes nothing
      p.in_message = false;
      p.state = pstate::start;
      return;
    }
    ++L.counters_.responses;
    if (!q.empty()) {
      m.entry = q.front();
      q.pop_front();
    } else {
      m.entry = new_entry(m.ts_ns);
      // Over UDP a response is expected alone: answers to a multicast M-SEARCH come from each
      // device on a flow of its own.
      if (!C.udp) {
        ++L.counters_.unmatched;
        add_to_entry(m.entry, http_anomaly::unmatched_response);
        count(http_anomaly::unmatched_response);
      }
    }
    flush_early_anomalies(m);
    auto& e = E(m.entry);
    e.has_response = true;
    e.status_code = s;
    e.status_msg = m.reason;
    if (e.version.len == 0) e.version = m.version;
    e.resp_content_type = m.content_type;
    e.resp_content_encoding = m.content_encoding;
    const auto method = e.has_request ? text(e.method) : std::string_view{};
    const bool connect = e.has_request && method == "CONNECT";
    if (connect) C.connect_pending[1 - d] = false;
    if (s == 101 || (connect && s >= 200 && s < 300)) {
      e.tags |= http_tag_tunnel;
      return message_done(true);
    }
    if ((e.has_request && method == "HEAD") || s < 200 || s == 204 || s == 304) return message_done(false);
    if (m.te) {
      if (m.chunked) return start_chunked();
      anomaly(http_anomaly::unsupported_transfer_encoding);
      p.state = pstate::body_close;
      return;
    }
    if (m.have_length && !m.length_bad) {
      if (m.length == 0) return message_done(false);
      p.remaining = m.length;
      p.state = pstate::body_length;
      return;
    }
    p.state = pstate::body_close;
  }

  void start_chunked() {
    auto& p = P();
    p.state = pstate::chunk_size;
  }

  // The MIME sniffer looks at the first `sniff_bytes` of a body that is not content-encoded (an
  // encoded one is not sniffable without decoding). Bytes are copied only while they arrive in
  // pieces smaller than that; the verdict is taken as soon as they are all there.
  // `last`: `b` ends the body.
  void sniff_body(message& m, util::bytes b, bool last) {
    if (m.body_len == 0 && m.sniff.empty()) {
      auto ce = text(m.content_encoding);
      if (!ce.empty() && !ieq(ce, "identity")) {
        m.sniff_done = true;
        return;
      }
    }
    const std::size_t want = lim().sniff_bytes;
    if (m.sniff.empty() && (b.size() >= want || last)) {  // (a whole short body: sniffed in place, not copied)
      m.sniff_result = sniff(b.first(std::min(want, b.size())));
      m.sniff_done = true;
      return;
    }
    std::size_t n = std::min(b.size(), want - m.sniff.size());
    m.sniff.append(reinterpret_cast<const char*>(b.data()), n);
    if (m.sniff.size() == want) {
      m.sniff_result = sniff(util::bytes(reinterpret_cast<const std::uint8_t*>(m.sniff.data()), m.sniff.size()));
      m.sniff_done = true;
    }
  }

  // Body bytes of the current message; `last`: they end it.
  void body(util::bytes b, bool last) {
    auto& p = P();
    auto& m = p.m;
    if (!m.sniff_done) sniff_body(m, b, last);
    m.body_len += b.size();
    L.counters_.body_bytes += b.size();
    if (L.sink_ && L.collect_flow_ == C.flow_id && L.collect_dir_ == d && L.collect_message_ == m.ordinal) {
      L.sink_(b);
    }
  }

  // The message ends (complete unless a gap or the end cut it). `tunnel`: the connection turns
  // opaque afterwards.
  void message_done(bool tunnel) {
    auto& p = P();
    auto& m = p.m;
    const bool complete = !m.body_gap && !m.truncated;
    if (m.entry != npos) {
      auto& e = E(m.entry);
      text_ref mime, media;
      if (m.body_len > 0) {
        // Magic of the body start; for a content-encoded body or an unrecognised one, the
        // Content-Type's media type.
        auto sniffed_as = m.sniff_done ? m.sniff_result
                                       : sniff(util::bytes(reinterpret_cast<const std::uint8_t*>(m.sniff.data()), m.sniff.size()));
        media = media_type(m.content_type);
        mime = sniffed_as != sniffed::none ? sniffed_name(sniffed_as) : media;
      }
      if (m.request) {
        e.request_frame = complete ? ctx.frame : 0;
        e.request_body_len = m.body_len;
        e.request_complete = complete;
        if (mime.len != 0) e.orig_mime = mime;
        if (m.skipped_body) e.tags |= http_tag_expect_continue_no_body;
      } else {
        e.response_frame = complete ? ctx.frame : 0;
        e.response_body_len = m.body_len;
        e.response_complete = complete;
        if (mime.len != 0) e.resp_mime = mime;
      }
      if (m.body_len > 0) ++L.counters_.bodies;
      // Export objects are re-read through TCP stream following; a datagram's body is not one.
      if (m.body_len > 0 && !C.udp) {
        auto& o = S().objects.push();
        o.entry = static_cast<std::uint32_t>(m.entry);
        o.flow_id = C.flow_id;
        o.dir = static_cast<std::uint8_t>(d);
        o.response = !m.request;
        o.message = m.ordinal;
        o.frame = ctx.frame;
        o.content_type = media;
        o.disposition = m.disposition;
        o.size = m.body_len;
        o.complete = complete;
      }
    }
    p.in_message = false;
    p.remaining = 0;
    if (tunnel) {
      ++L.counters_.tunnels;
      C.tunnel = true;
      for (auto& x : C.d) {
        if (x.state != pstate::closed) x.state = pstate::tunnel;
      }
      return;
    }
    p.state = pstate::start;
  }

  // The message cannot be followed further (limits, bad framing): it ends here, truncated, and
  // parsing restarts at the next start line.
  void abort_message() {
    auto& p = P();
    if (p.in_message) {
      auto& m = p.m;
      m.truncated = true;
      if (p.state == pstate::headers && m.request && m.entry != npos) {
        copy_request_fields(E(m.entry), m);
        C.pending[d].push_back(m.entry);  // its response may still come (431, 400)
        if (C.pending[d].size() > lim().max_pending) C.pending[d].pop_front();
      }
      flush_early_anomalies(m);
      if (p.state == pstate::headers && !m.request) {
        // A response whose headers were never complete: keep its status on an entry.
        if (!C.pending[1 - d].empty()) {
          m.entry = C.pending[1 - d].front();
          C.pending[1 - d].pop_front();
        } else {
          m.entry = new_entry(m.ts_ns);
        }
        auto& e = E(m.entry);
        e.has_response = true;
        e.status_code = m.status;
        e.status_msg = m.reason;
        for (auto a : m.anomalies) add_to_entry(m.entry, a);
      }
      message_done(false);
    }
    P().state = pstate::resync;
  }

  // -- lines --------------------------------------------------------------------------------

  // Control bytes before a start line (a TCP keep-alive probe's NUL delivered as data).
  static std::string_view without_leading_controls(std::string_view line) noexcept {
    while (!line.empty() && static_cast<unsigned char>(line.front()) < 0x20) line.remove_prefix(1);
    return line;
  }

  // A line in state start, not cut by max_line: `line` without its line end and leading control
  // bytes, `raw_size` its bytes before the '\n'.
  void start_line_in_start(std::string_view line, std::size_t raw_size) {
    auto& p = P();
    if (line.empty()) return;  // CRLF between messages
    start_line s;
    if (parse_start_line(line, false, s)) {
      begin_message(s, raw_size);
      return;
    }
    if (!p.quiet_resync) anomaly(http_anomaly::bad_start_line);
    L.counters_.skipped_bytes += raw_size + 1;
    p.state = pstate::resync;
  }

  // A line in state start that arrives whole, nothing held (the usual start line): what
  // take_line and line_complete do with it, without their general cases (a line that would be
  // held or hits a limit is left to take_line). Returns the bytes consumed.
  std::size_t take_start_line(util::bytes data) {
    auto& p = P();
    const auto* s = reinterpret_cast<const char*>(data.data());
    const char* unused = nullptr;
    const char* nl = find_line_end<false>(s, s, s + data.size(), unused);
    if (!nl) return take_line(data);
    const auto len = static_cast<std::size_t>(nl - s);
    if (len > lim().max_line || (len > 0 && L.buffered_ + len > lim().max_buffered_total)) return take_line(data);
    p.line_ts = ctx.ts_ns;
    const std::size_t end = len > 0 && s[len - 1] == '\r' ? len - 1 : len;
    start_line_in_start(without_leading_controls({s, end}), len);
    // The header block usually follows in the same delivery.
    if (p.state == pstate::headers) return len + 1 + take_headers(data.subspan(len + 1));
    return len + 1;
  }

  // `raw`: the line without its '\n', either in `p.line` or (when it arrived whole in one
  // delivery) straight in the delivered bytes.
  void line_complete(std::string_view raw) {
    auto& p = P();
    std::string_view line = raw;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (p.state == pstate::start || p.state == pstate::resync) line = without_leading_controls(line);
    switch (p.state) {
      case pstate::start: {
        if (p.line_over) {
          anomaly(http_anomaly::bad_start_line);
          L.counters_.skipped_bytes += raw.size() + 1;
          p.state = pstate::resync;
          break;
        }
        start_line_in_start(line, raw.size());
        break;
      }
      case pstate::resync: {
        start_line s;
        if (!p.line_over && !p.line_skip && parse_start_line(line, true, s)) {
          ++L.counters_.resyncs;
          p.quiet_resync = false;
          begin_message(s, raw.size());
        } else {
          L.counters_.skipped_bytes += raw.size() + 1;
        }
        break;
      }
      case pstate::headers:
      case pstate::trailers: {
        if (p.line_over) break;  // (line_too_long was reported when it overflowed)
        if (line.empty()) {
          if (p.state == pstate::headers) headers_done();
          else message_done(false);
          break;
        }
        header(line);
        break;
      }
      case pstate::chunk_size: {
        std::uint64_t n = 0;
        if (p.line_over || !parse_chunk_size(line, n)) {
          anomaly(http_anomaly::bad_chunk_size);
          release_line();
          abort_message();
          return;
        }
        if (n == 0) {
          p.state = pstate::trailers;
        } else {
          p.remaining = n;
          p.state = pstate::chunk_data;
        }
        break;
      }
      case pstate::chunk_end: {
        if (line.empty() && !p.line_over) {
          p.state = pstate::chunk_size;
          break;
        }
        anomaly(http_anomaly::bad_chunk_end);
        p.state = pstate::chunk_size;  // read the line as the next chunk size
        line_complete(raw);
        return;
      }
      default: break;
    }
    if (p.line.empty()) {  // (parsed in place: nothing held)
      p.line_over = false;
      p.line_skip = false;
    } else {
      release_line();
    }
    if (!line_state(p.state)) idle();  // a body (or a tunnel) follows: no line buffer needed
  }

  // Header block accounting for the `n` bytes just taken into a header or trailer line.
  bool header_budget(std::size_t n) {
    auto& p = P();
    if (!p.in_message || (p.state != pstate::headers && p.state != pstate::trailers)) return true;
    p.m.header_bytes += n;
    if (p.m.header_bytes <= lim().max_header_bytes) return true;
    anomaly(http_anomaly::header_block_too_large);
    release_line();
    abort_message();
    return false;
  }

  // Takes bytes of a line-oriented state; returns how many were consumed.
  std::size_t take_line(util::bytes data) {
    auto& p = P();
    const auto* nl = static_cast<const std::uint8_t*>(std::memchr(data.data(), '\n', data.size()));
    std::size_t len = nl ? static_cast<std::size_t>(nl - data.data()) : data.size();
    std::size_t used = nl ? len + 1 : len;
    if (p.line.empty() && !p.line_over && !p.line_skip) {
      p.line_ts = ctx.ts_ns;
      // Resync: a line that does not begin like a start line is skipped without buffering.
      if (p.state == pstate::resync && len > 0 && !is_upper(static_cast<char>(data[0])) && data[0] >= 0x20) {
        p.line_skip = true;
      }
    }
    if (p.state == pstate::expect_decide) return take_expect(data, len, nl != nullptr);
    // A whole line in this delivery, nothing held: parse it in place (no copy into the line
    // buffer, whose storage is released while a body is read and would be allocated again for
    // the next message). Only when the copy would have fit the line and budget limits, so the
    // outcome is the same.
    if (nl && p.line.empty() && !p.line_skip && !p.line_over && len <= lim().max_line &&
        (len == 0 || L.buffered_ + len <= lim().max_buffered_total)) {
      if (!header_budget(used)) return used;
      line_complete(std::string_view(reinterpret_cast<const char*>(data.data()), len));
      return used;
    }
    if (!p.line_skip && !p.line_over && len > 0) {
      std::size_t room = lim().max_line > p.line.size() ? lim().max_line - p.line.size() : 0;
      std::size_t n = std::min(len, room);
      if (n > 0 && L.buffered_ + n > lim().max_buffered_total) {
        anomaly(http_anomaly::buffer_budget);
        n = 0;
        p.line_over = true;
      }
      p.line.append(reinterpret_cast<const char*>(data.data()), n);
      L.buffered_ += n;
      if (n < len && !p.line_over) {
        p.line_over = true;
        // Reported unless the header block limit cuts the line first (so that the verdict does
        // not depend on how the bytes were split).
        std::size_t block_room = npos;
        if (p.in_message && (p.state == pstate::headers || p.state == pstate::trailers)) {
          block_room = lim().max_header_bytes > p.m.header_bytes ? lim().max_header_bytes - p.m.header_bytes : 0;
        }
        if (p.state != pstate::resync && room < block_room) anomaly(http_anomaly::line_too_long);
      }
    } else if (p.line_skip) {
      L.counters_.skipped_bytes += used - (nl ? 1 : 0);
    }
    if (!header_budget(used)) {
      if (!nl) P().line_skip = true;  // the rest of this line is skipped, however it is split
      return used;
    }
    if (nl) {
      if (p.line_skip) {
        L.counters_.skipped_bytes += 1;
        release_line();
      } else {
        line_complete(p.line);
      }
    }
    return used;
  }

  // Header lines that arrive whole, nothing held: parsed in place in one loop, with the checks
  // take_line, line_complete and header() make, in their order (the common case; a line that
  // would be held, hit a limit or is cut by the delivery's end is left to take_line). Returns
  // the bytes consumed.
  std::size_t take_headers(util::bytes data) {
    auto& p = P();
    auto& m = p.m;
    const auto* s = reinterpret_cast<const char*>(data.data());
    const std::size_t n = data.size();
    // The longest line take_line would parse whole: no line is held here, so the global budget
    // left does not change during the loop. (take_expect may have gone past the budget.)
    const std::size_t budget_left =
        lim().max_buffered_total > L.buffered_ ? lim().max_buffered_total - L.buffered_ : 0;
    const std::size_t max_len = std::min(lim().max_line, budget_left);
    // The block's byte and line counts are kept in locals (written back on the way out): the
    // header block may take `block_left` more bytes, `headers_left` more lines.
    const std::size_t block_bytes = m.header_bytes, count = m.header_count;
    const std::size_t block_left = lim().max_header_bytes > block_bytes ? lim().max_header_bytes - block_bytes : 0;
    const std::size_t headers_left = lim().max_headers > count ? lim().max_headers - count : 0;
    std::size_t pos = 0, lines = 0;
    auto sync = [&] {
      m.header_bytes = block_bytes + pos;
      m.header_count = count + lines;
    };
    while (pos < n) {
      const char* line = s + pos;
      const char* colon = nullptr;
      const char* nl = find_line_end(s, line, s + n, colon);
      if (!nl) break;
      const auto len = static_cast<std::size_t>(nl - line);
      if (len > max_len) break;  // (an empty line passes any budget)
      pos += len + 1;
      if (pos > block_left) {
        sync();
        anomaly(http_anomaly::header_block_too_large);
        abort_message();
        return pos;
      }
      if (len <= 1 && (len == 0 || line[0] == '\r')) {  // the empty line
        sync();
        headers_done();
        if (!line_state(p.state)) idle();  // a body (or a tunnel) follows: no line buffer needed
        return pos;
      }
      if (++lines > headers_left) {
        sync();
        anomaly(http_anomaly::too_many_headers);
        abort_message();
        return pos;
      }
      if (is_space(line[0])) continue;  // obs-fold continuation
      const std::size_t end = len - (line[len - 1] == '\r' ? 1 : 0);
      if (!colon) {  // (a ':' before the '\n' is before the '\r' too)
        anomaly(http_anomaly::bad_header_line);
        continue;
      }
      const auto name_len = static_cast<std::size_t>(colon - line);
      // A name without space, tab or CR around it (the usual) needs no trimming.
      const auto name = name_len > 0 && !is_trimmed(line[0]) && !is_trimmed(colon[-1])
                            ? header_of({line, name_len})
                            : header_name_of({line, name_len});
      if (name != header_name::other) header_value(name, {colon + 1, end - name_len - 1});
    }
    sync();
    return pos;
  }

  // The start of a 100-continue body after a final response: the client may have skipped the
  // body and sent its next request. Decide on the first line (or 32 bytes).
  std::size_t take_expect(util::bytes data, std::size_t len, bool has_nl) {
    auto& p = P();
    std::size_t want = 32 - std::min<std::size_t>(32, p.line.size());
    std::size_t n = std::min(len, want);
    p.line.append(reinterpret_cast<const char*>(data.data()), n);
    L.buffered_ += n;
    bool decided = p.line.size() >= 32 || (has_nl && n == len);
    if (!decided) return n;
    std::string held = std::move(p.line);
    L.buffered_ -= held.size();
    p.line.clear();
    if (looks_like_request_prefix(held)) {
      p.m.skipped_body = true;
      message_done(false);  // body never sent; the bytes start the next request
    } else {
      p.state = pstate::body_length;
    }
    feed(util::bytes(reinterpret_cast<const std::uint8_t*>(held.data()), held.size()));
    return n;
  }

  void feed(util::bytes data) {
    auto& p = P();
    p.last_frame = ctx.frame;
    p.last_ts = ctx.ts_ns;
    while (!data.empty()) {
      if (C.tunnel || p.state == pstate::tunnel) {
        L.counters_.tunnel_bytes += data.size();
        return;
      }
      std::size_t used = 0;
      switch (p.state) {
        case pstate::closed: return;
        case pstate::body_length:
        case pstate::chunk_data: {
          if (p.state == pstate::body_length && p.m.request && p.m.expect_continue && !p.m.expect_decided &&
              p.m.body_len == 0 && !p.m.body_gap && p.m.entry != npos && E(p.m.entry).has_response) {
            p.m.expect_decided = true;
            p.state = pstate::expect_decide;
            continue;
          }
          used = static_cast<std::size_t>(std::min<std::uint64_t>(p.remaining, data.size()));
          body(data.first(used), p.state == pstate::body_length && used == p.remaining);
          p.remaining -= used;
          if (p.remaining == 0) {
            if (p.state == pstate::body_length) message_done(false);
            else p.state = pstate::chunk_end;
          }
          break;
        }
        case pstate::body_close:
          used = data.size();
          body(data, false);
          break;
        case pstate::start:
          if (p.line.empty() && !p.line_over && C.connect_pending[d] && !is_upper(static_cast<char>(data[0])) &&
              data[0] != '\r' && data[0] != '\n') {
            // Bytes after a CONNECT before its answer (an optimistic TLS hello): not HTTP.
            p.quiet_resync = true;
            p.state = pstate::resync;
            continue;
          }
          used = p.line.empty() && !p.line_over && !p.line_skip ? take_start_line(data) : take_line(data);
          break;
        case pstate::headers:
          used = p.line.empty() && !p.line_over && !p.line_skip ? take_headers(data) : 0;
          if (used == 0) used = take_line(data);
          break;
        default:
          used = take_line(data);
          break;
      }
      data = data.subspan(used);
    }
  }

  void gap(std::uint64_t len) {
    auto& p = P();
    ++L.counters_.gaps;
    L.counters_.gap_bytes += len;
    if (C.tunnel || p.state == pstate::tunnel || p.state == pstate::closed) return;
    if (p.state == pstate::expect_decide) {
      // Undecided bytes are body bytes of a body with a gap.
      std::string held = std::move(p.line);
      L.buffered_ -= held.size();
      p.line.clear();
      p.state = pstate::body_length;
      feed(util::bytes(reinterpret_cast<const std::uint8_t*>(held.data()), held.size()));
      if (p.state != pstate::body_length) return gap(len);
    }
    release_line();
    switch (p.state) {
      case pstate::body_length:
      case pstate::chunk_data: {
        if (!p.m.body_gap) anomaly(http_anomaly::body_gap);
        p.m.body_gap = true;
        if (len < p.remaining) {
          p.remaining -= len;
          return;
        }
        bool exact = len == p.remaining;
        p.remaining = 0;
        if (p.state == pstate::chunk_data && exact) {
          p.state = pstate::chunk_end;
          return;
        }
        if (p.state == pstate::body_length) message_done(false);
        else abort_message();
        if (!exact) {
          anomaly(http_anomaly::gap_resync);
          p.state = pstate::resync;
        }
        return;
      }
      case pstate::body_close:
        if (!p.m.body_gap) anomaly(http_anomaly::body_gap);
        p.m.body_gap = true;
        return;
      case pstate::resync:
        return;
      case pstate::start:
        count(http_anomaly::gap_resync);
        p.state = pstate::resync;
        return;
      default:  // inside headers, a chunk-size line or trailers
        anomaly(http_anomaly::gap_resync);
        abort_message();
        return;
    }
  }

  void close() {
    auto& p = P();
    if (p.state == pstate::closed) return;
    if (p.state == pstate::expect_decide) {
      std::string held = std::move(p.line);
      L.buffered_ -= held.size();
      p.line.clear();
      p.state = pstate::body_length;
      feed(util::bytes(reinterpret_cast<const std::uint8_t*>(held.data()), held.size()));
    }
    if (p.in_message) {
      // ctx.frame is the closing packet; a message cut by the end completes in the last data packet.
      if (p.state == pstate::body_close) {
        message_done(false);
      } else {
        anomaly(http_anomaly::truncated_message);
        abort_message();
      }
    } else if ((p.state == pstate::start) && !p.line.empty()) {
      L.counters_.skipped_bytes += p.line.size();
    }
    release_line();
    p.state = pstate::closed;
  }
};

// Per capture or per row read: for size in the wasm build (util/size_opt.hpp); the same at the end.
PCAPSCOPE_SIZE_BEGIN

http_logger::http_logger(const flow::flow_tracker* flows, http_limits limits)
    : flows_(flows), limits_(limits), store_(std::make_unique<store>()) {}

http_logger::~http_logger() = default;

PCAPSCOPE_SIZE_END

// (Inline: most calls find a recent connection.)
inline http_logger::connection& http_logger::conn_of(const stream_ctx& c) {
  connection* r = recent_conns_[c.flow_id & (recent_conn_slots - 1)];
  if (r && r->flow_id == c.flow_id) return *r;
  return find_conn(c);
}

http_logger::connection& http_logger::find_conn(const stream_ctx& c) {
  auto& cn = conns_.get(c.flow_id, [&] {
    auto n = std::make_unique<connection>();
    n->flow_id = c.flow_id;
    ++counters_.connections;
    return n;
  });
  recent_conns_[c.flow_id & (recent_conn_slots - 1)] = &cn;
  return cn;
}

void http_logger::drop_conn(std::uint32_t flow_id) {
  connection* cn = conns_.find(flow_id);
  if (!cn) return;
  auto& recent = recent_conns_[flow_id & (recent_conn_slots - 1)];
  if (recent == cn) recent = nullptr;
  for (auto& p : cn->d) buffered_ -= p.line.size();
  conns_.erase(flow_id);
}

void http_logger::on_data(const stream_ctx& c, int dir, util::bytes data) {
  if (finished_ || data.empty() || (dir != 0 && dir != 1)) return;
  auto& cn = conn_of(c);
  http_parse_access{*this, cn, dir, c}.feed(data);
}

void http_logger::on_gap(const stream_ctx& c, int dir, std::uint64_t length) {
  if (finished_ || length == 0 || (dir != 0 && dir != 1)) return;
  auto& cn = conn_of(c);
  http_parse_access{*this, cn, dir, c}.gap(length);
}

void http_logger::on_close(const stream_ctx& c, int dir) {
  if (finished_ || (dir != 0 && dir != 1)) return;
  connection* found = recent_conns_[c.flow_id & (recent_conn_slots - 1)];
  if (!found || found->flow_id != c.flow_id) found = conns_.find(c.flow_id);
  if (!found) return;
  auto& cn = *found;
  http_parse_access{*this, cn, dir, c}.close();
  if (cn.d[0].state == pstate::closed && cn.d[1].state == pstate::closed) drop_conn(c.flow_id);
}

void http_logger::on_datagram(const stream_ctx& c, int dir, util::bytes data) {
  if (finished_ || data.empty() || (dir != 0 && dir != 1)) return;
  if (!datagram_) datagram_ = std::make_unique<connection>();
  auto& cn = *datagram_;
  cn = connection{};
  cn.flow_id = c.flow_id;
  cn.udp = true;
  ++counters_.datagrams;
  http_parse_access a{*this, cn, dir, c};
  a.feed(data);
  a.close();  // the datagram's end ends its message (a body without a length completes here)
}

PCAPSCOPE_SIZE_BEGIN

void http_logger::finish() {
  if (finished_) return;
  std::vector<std::uint32_t> ids = conns_.ids();
  std::sort(ids.begin(), ids.end());
  for (auto id : ids) {
    auto& cn = *conns_.find(id);
    for (int dir = 0; dir < 2; ++dir) {
      stream_ctx c;
      c.flow_id = id;
      c.frame = cn.d[dir].last_frame;
      c.ts_ns = cn.d[dir].last_ts;
      http_parse_access{*this, cn, dir, c}.close();
    }
    drop_conn(id);
  }
  finished_ = true;
}

http_entries http_logger::entries() const noexcept { return {*this, store_->entries.size()}; }

http_objects http_logger::objects() const noexcept { return {*this, store_->objects.size()}; }

http_log_entry http_logger::entry(std::size_t i) const {
  const auto& r = store_->entries[i];
  const auto& t = store_->text;
  http_log_entry e;
  e.ts_ns = r.ts_ns;
  e.flow_id = r.flow_id;
  e.flows = flows_;
  e.trans_depth = r.trans_depth;
  e.udp = r.udp;
  e.has_request = r.has_request;
  e.has_response = r.has_response;
  e.request_dir = r.request_dir;
  e.method = t.view(r.method);
  e.host_header = t.view(r.host_header);
  e.host = e.host_header.substr(0, r.host_len);
  e.uri = t.view(r.uri);
  e.referrer = t.view(r.referrer);
  e.version = t.view(r.version);
  e.user_agent = t.view(r.user_agent);
  e.origin = t.view(r.origin);
  e.has_host = r.has_host;
  e.has_referrer = r.has_referrer;
  e.has_user_agent = r.has_user_agent;
  e.has_origin = r.has_origin;
  e.request_body_len = r.request_body_len;
  e.response_body_len = r.response_body_len;
  e.status_code = r.status_code;
  e.status_msg = t.view(r.status_msg);
  e.info_code = r.info_code;
  e.info_msg = t.view(r.info_msg);
  e.tags = r.tags;
  e.orig_mime_type = t.view(r.orig_mime);
  e.resp_mime_type = t.view(r.resp_mime);
  e.orig_content_type = t.view(r.orig_content_type);
  e.resp_content_type = t.view(r.resp_content_type);
  e.orig_content_encoding = t.view(r.orig_content_encoding);
  e.resp_content_encoding = t.view(r.resp_content_encoding);
  e.request_frame = r.request_frame;
  e.response_frame = r.response_frame;
  e.request_complete = r.request_complete;
  e.response_complete = r.response_complete;
  if (r.anomalies != 0) e.anomalies = store_->anomalies[r.anomalies - 1];
  return e;
}

http_object http_logger::object(std::size_t i) const {
  const auto& r = store_->objects[i];
  const auto& e = store_->entries[r.entry];
  const auto& t = store_->text;
  http_object o;
  o.entry = r.entry;
  o.flow_id = r.flow_id;
  o.dir = r.dir;
  o.response = r.response;
  o.message = r.message;
  o.frame = r.frame;
  o.hostname = t.view(e.host_header);
  o.content_type = t.view(r.content_type);
  o.content_encoding = t.view(r.response ? e.resp_content_encoding : e.orig_content_encoding);
  o.filename = http_object_base_name(e.has_request, t.view(e.uri), o.frame, o.content_type);
  o.disposition_filename = t.view(r.disposition);
  o.size = r.size;
  o.complete = r.complete;
  return o;
}

std::size_t http_logger::memory_bytes() const noexcept {
  std::size_t n = sizeof(store) + store_->entries.memory_bytes() + store_->objects.memory_bytes() +
                  store_->text.memory_bytes() + store_->anomalies.capacity() * sizeof(store_->anomalies[0]) +
                  interim_.capacity() * sizeof(http_interim);
  for (const auto& v : store_->anomalies) n += v.capacity() * sizeof(http_anomaly);
  return n;
}

conn_id http_conn_id(const http_log_entry& e) { return make_conn_id(e.flows, e.flow_id); }

std::vector<std::string> http_tag_names(std::uint8_t tags) {
  std::vector<std::string> out;
  if (tags & http_tag_tunnel) out.emplace_back("tunnel");
  if (tags & http_tag_expect_continue_no_body) out.emplace_back("expect_continue_no_body");
  return out;
}

void http_logger::collect_body(std::uint32_t flow_id, int dir, std::uint32_t message, http_body_sink sink) {
  collect_flow_ = flow_id;
  collect_dir_ = dir;
  collect_message_ = message;
  sink_ = std::move(sink);
}

// ---------------------------------------------------------------------------------------------
// Export object file names (tshark 4.0: g_path_get_basename, eo_massage_str, duplicates)

namespace {

std::string path_basename(std::string_view s) {
  if (s.empty()) return ".";
  std::size_t end = s.size();
  while (end > 0 && s[end - 1] == '/') --end;
  if (end == 0) return "/";
  std::size_t start = s.rfind('/', end - 1);
  start = start == std::string_view::npos ? 0 : start + 1;
  return std::string(s.substr(start, end - start));
}

constexpr std::size_t eo_max_filename = 255;

std::string eo_rename(std::string s, int dupn) {
  std::string tag = "(";
  tag += std::to_string(dupn);
  tag += ')';
  auto dot = s.rfind('.');
  if (dot != std::string::npos) {
    std::string ext = s.substr(dot);
    s.resize(dot);
    if (s.size() >= eo_max_filename - (tag.size() + ext.size())) s.resize(eo_max_filename - (tag.size() + ext.size()));
    return s + tag + ext;
  }
  if (s.size() >= eo_max_filename - tag.size()) s.resize(eo_max_filename - tag.size());
  return s + tag;
}

std::string eo_massage(std::string_view in, int dupn) {
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (char ch : in) {
    auto c = static_cast<unsigned char>(ch);
    if (c == 0) break;  // a C string ends here
    if (std::strchr("<>:\"/\\|?*", ch) != nullptr || (c >= 1 && c <= 0x1F)) {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    } else {
      out += ch;
    }
  }
  if (out.size() > eo_max_filename) {
    auto dot = out.rfind('.');
    if (dot != std::string::npos && out.size() - dot < eo_max_filename) {
      std::string ext = out.substr(dot);
      out.resize(eo_max_filename - ext.size());
      out += ext;
    } else {
      out.resize(eo_max_filename);
    }
  }
  if (dupn != 0) out = eo_rename(std::move(out), dupn);
  return out;
}

}  // namespace

std::string http_object_base_name(bool has_request, std::string_view uri, std::uint64_t frame,
                                  std::string_view content_type) {
  if (has_request) return path_basename(uri);
  std::string base = "object" + std::to_string(frame);
  if (!content_type.empty()) {
    base += '.';
    base += content_type;
  }
  return base;
}

namespace {

// File names for the objects whose base names `base(i)` gives, i < n, in that order.
template <class Base>
std::vector<std::string> file_names(std::size_t n, Base base) {
  std::vector<std::string> names;
  names.reserve(n);
  std::unordered_map<std::string, bool> used;
  // Wireshark tries suffixes 0, 1, … up to prefs.gui_max_export_objects for each object. Names
  // are never released, so the suffixes an earlier object with the same file name found taken
  // stay taken: each search starts where that one stopped (thousands of "index.html" objects
  // would otherwise cost a thousand tries each).
  std::unordered_map<std::string, int> next_try;
  constexpr int max_dup = 1000;
  for (std::size_t i = 0; i < n; ++i) {
    const std::string filename = base(i);
    int& count = next_try[filename];
    std::string name;
    for (;; ++count) {
      name = eo_massage(filename, count);
      if (count >= max_dup - 1 || !used.count(name)) break;  // the last try is kept, taken or not
    }
    used[name] = true;
    names.push_back(std::move(name));
  }
  return names;
}

}  // namespace

std::vector<std::string> http_object_file_names(const std::vector<http_object>& objects) {
  return file_names(objects.size(), [&](std::size_t i) { return objects[i].filename; });
}

std::vector<std::string> http_object_file_names(const http_objects& objects) {
  return file_names(objects.size(), [&](std::size_t i) { return objects[i].filename; });
}

PCAPSCOPE_SIZE_END

}  // namespace pcapscope::app
