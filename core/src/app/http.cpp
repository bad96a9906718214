// HTTP/1.x stream parser and http.log logger (see app/http.hpp and docs/http.md).
//
// Each connection direction is a small state machine fed with whatever bytes reassembly hands
// over. Only the line being assembled is buffered (start, header, chunk-size or trailer line,
// capped by http_limits::max_line and, over all connections, max_buffered_total); bodies are
// counted and passed through without copying, except the first `sniff_bytes` for the MIME
// sniffer. Because every decision depends on complete lines or on byte counts, never on how the
// bytes were split into calls, a stream fed whole or one byte at a time gives the same result.
#include "pcapscope/app/http.hpp"

#include <algorithm>
#include <cstring>
#include <deque>

#include "pcapscope/flow/flow.hpp"

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

bool is_space(char c) noexcept { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (is_space(s.front()) || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (is_space(s.back()) || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
bool is_upper(char c) noexcept { return c >= 'A' && c <= 'Z'; }

// A method token as requests use them: an uppercase letter, then uppercase letters, digits,
// '_' or '-' (CCM_POST, M-SEARCH, VERSION-CONTROL), 1 to 32 characters.
std::size_t method_length(std::string_view line) noexcept {
  if (line.empty() || !is_upper(line[0])) return 0;
  std::size_t i = 1;
  while (i < line.size() && i <= 32 && (is_upper(line[i]) || is_digit(line[i]) || line[i] == '_' || line[i] == '-')) ++i;
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
    std::size_t sp = line.find(' ');
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

// Sets `out` to the first `max` bytes of `s`, in the storage `out` already has (message fields
// are reused from message to message: assigning a fresh string would allocate each time).
void clip(std::string& out, std::string_view s, std::size_t max) { out.assign(s.substr(0, max)); }

// Zeek: the Host header without a port.
std::string host_without_port(std::string_view h) {
  if (!h.empty() && h[0] == '[') {
    auto close = h.find(']');
    return std::string(close == std::string_view::npos ? h : h.substr(0, close + 1));
  }
  auto colon = h.find(':');
  return std::string(h.substr(0, colon));
}

// Media type of a Content-Type value as tshark keeps it: lowercased, up to ';' or whitespace.
std::string media_type(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == ';' || c == ' ' || c == '\t') break;
    out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  return out;
}

// filename="x" / filename=x from a Content-Disposition value.
std::string disposition_filename(std::string_view v) {
  for (std::size_t i = 0; i + 9 <= v.size(); ++i) {
    if (!ieq(v.substr(i, 9), "filename=")) continue;
    if (i > 0 && v[i - 1] != ';' && v[i - 1] != ' ' && v[i - 1] != '\t') continue;
    auto rest = v.substr(i + 9);
    if (!rest.empty() && rest[0] == '"') {
      auto end = rest.find('"', 1);
      return std::string(rest.substr(1, end == std::string_view::npos ? std::string_view::npos : end - 1));
    }
    auto end = rest.find(';');
    return std::string(trim(rest.substr(0, end)));
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

bool starts_with_ci(std::string_view s, std::string_view p) noexcept {
  return s.size() >= p.size() && ieq(s.substr(0, p.size()), p);
}

bool has_prefix(util::bytes b, std::string_view p) noexcept {
  return b.size() >= p.size() && std::memcmp(b.data(), p.data(), p.size()) == 0;
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
    case http_anomaly::count_: break;
  }
  return "http.unknown";
}

std::string_view http_sniff_mime(util::bytes b) noexcept {
  if (b.empty()) return {};
  // Binary signatures first.
  if (has_prefix(b, "\x89PNG\r\n\x1a\n")) return "image/png";
  if (b.size() >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF) return "image/jpeg";
  if (has_prefix(b, "GIF87a") || has_prefix(b, "GIF89a")) return "image/gif";
  if (has_prefix(b, "%PDF-")) return "application/pdf";
  if (has_prefix(b, "PK\x03\x04") || has_prefix(b, "PK\x05\x06")) return "application/zip";
  if (b.size() >= 2 && b[0] == 0x1F && b[1] == 0x8B) return "application/x-gzip";
  if (b.size() >= 12 && has_prefix(b, "RIFF") && std::memcmp(b.data() + 8, "WEBP", 4) == 0) return "image/webp";
  if (b.size() >= 8 && std::memcmp(b.data() + 4, "ftyp", 4) == 0) return "video/mp4";
  if (has_prefix(b, "BM") && b.size() >= 14 && b[6] == 0 && b[7] == 0 && b[8] == 0 && b[9] == 0) return "image/bmp";
  if (b.size() >= 4 && b[0] == 0 && b[1] == 0 && b[2] == 1 && b[3] == 0) return "image/x-icon";
  if (has_prefix(b, "\x7F" "ELF")) return "application/x-executable";
  if (has_prefix(b, "MZ")) return "application/x-dosexec";
  if (has_prefix(b, std::string_view("\0asm", 4))) return "application/wasm";
  if (has_prefix(b, "OggS")) return "application/ogg";
  if (has_prefix(b, "ID3")) return "audio/mpeg";
  if (has_prefix(b, "MSCF")) return "application/vnd.ms-cab-compressed";
  if (has_prefix(b, "Rar!")) return "application/x-rar";
  if (has_prefix(b, "7z\xBC\xAF\x27\x1C")) return "application/x-7z-compressed";
  if (has_prefix(b, "wOFF")) return "font/woff";
  if (has_prefix(b, "wOF2")) return "font/woff2";
  // X.509 certificate in DER: SEQUENCE (long form) holding a SEQUENCE (tbsCertificate).
  if (b.size() >= 8 && b[0] == 0x30 && b[1] == 0x82 && b[4] == 0x30 && b[5] == 0x82) return "application/x-x509-ca-cert";
  if (has_prefix(b, "-----BEGIN CERTIFICATE-----")) return "application/x-x509-ca-cert";
  // Text: skip a UTF-8 BOM and leading whitespace.
  std::size_t i = 0;
  if (has_prefix(b, "\xEF\xBB\xBF")) i = 3;
  while (i < b.size() && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n')) ++i;
  std::string_view t(reinterpret_cast<const char*>(b.data()) + i, b.size() - i);
  if (starts_with_ci(t, "<?xml")) {
    if (t.find("<svg") != std::string_view::npos) return "image/svg+xml";
    return "application/xml";
  }
  if (starts_with_ci(t, "<!doctype html") || starts_with_ci(t, "<html") || starts_with_ci(t, "<head") ||
      starts_with_ci(t, "<body") || starts_with_ci(t, "<script") || starts_with_ci(t, "<title") ||
      starts_with_ci(t, "<iframe") || starts_with_ci(t, "<!--") || starts_with_ci(t, "<div") ||
      starts_with_ci(t, "<meta") || starts_with_ci(t, "<table") || starts_with_ci(t, "<p>") ||
      starts_with_ci(t, "<br") || starts_with_ci(t, "<a ") || starts_with_ci(t, "<h1")) {
    return "text/html";
  }
  if (starts_with_ci(t, "<svg")) return "image/svg+xml";
  if (starts_with_ci(t, "<rss")) return "application/rss+xml";
  // Printable text (UTF-8 allowed) or binary?
  bool binary = false;
  for (std::size_t k = 0; k < b.size(); ++k) {
    std::uint8_t c = b[k];
    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != 0x1B) {
      binary = true;
      break;
    }
  }
  if (binary) return "application/octet-stream";
  if (!t.empty() && (t[0] == '{' || t[0] == '[')) {
    // JSON: an object starting with a key or closing, an array starting with a value.
    std::size_t j = 1;
    while (j < t.size() && (t[j] == ' ' || t[j] == '\t' || t[j] == '\r' || t[j] == '\n')) ++j;
    if (j == t.size()) return "application/json";
    char c = t[j];
    if (t[0] == '{' && (c == '"' || c == '}')) return "application/json";
    if (t[0] == '[' && (c == '"' || c == '{' || c == '[' || c == ']' || c == '-' || is_digit(c) || c == 't' ||
                        c == 'f' || c == 'n')) {
      return "application/json";
    }
  }
  return "text/plain";
}

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

struct message {
  bool request = false;
  std::size_t entry = npos;      // log entry (requests: from the start line; responses: from the headers)
  std::uint32_t ordinal = 0;     // 1-based among the direction's messages
  std::int64_t ts_ns = 0;        // time of the packet with the start line's first byte
  std::string method, uri, version, reason;
  std::uint16_t status = 0;
  std::string host, referrer, user_agent, origin;
  bool has_host = false, has_referrer = false, has_user_agent = false, has_origin = false;
  std::string content_type, content_encoding, disposition;
  bool have_length = false, length_bad = false;
  std::uint64_t length = 0;
  bool te = false, chunked = false, expect_continue = false, expect_decided = false;
  std::size_t header_bytes = 0, header_count = 0;
  std::uint64_t body_len = 0;
  bool body_gap = false, truncated = false, skipped_body = false;
  std::string sniff;
  std::vector<http_anomaly> anomalies;  // found before the entry was known

  // Back to a fresh message, keeping string capacity (no allocation per message).
  void reset() {
    request = false;
    entry = npos;
    ordinal = 0;
    ts_ns = 0;
    method.clear(), uri.clear(), version.clear(), reason.clear();
    status = 0;
    host.clear(), referrer.clear(), user_agent.clear(), origin.clear();
    has_host = has_referrer = has_user_agent = has_origin = false;
    content_type.clear(), content_encoding.clear(), disposition.clear();
    have_length = length_bad = false;
    length = 0;
    te = chunked = expect_continue = expect_decided = false;
    header_bytes = header_count = 0;
    body_len = 0;
    body_gap = truncated = skipped_body = false;
    sniff.clear();
    anomalies.clear();
  }
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
  conn_id id;
  dir_parser d[2];
  std::deque<std::size_t> pending[2];  // entries of requests sent in direction i awaiting a response
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

  void count(http_anomaly a) { ++L.counters_.anomalies[static_cast<std::size_t>(a)]; }

  void add_to_entry(std::size_t e, http_anomaly a) {
    auto& v = L.entries_[e].anomalies;
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
    http_log_entry e;
    e.ts_ns = ts;
    e.id = C.id;
    e.trans_depth = ++C.depth;
    e.udp = C.udp;
    L.entries_.push_back(std::move(e));
    return L.entries_.size() - 1;
  }

  // -- message life cycle -------------------------------------------------------------------

  // `line_len`: bytes of the start line without its '\n'.
  void begin_message(const start_line& s, std::size_t line_len) {
    auto& p = P();
    p.in_message = true;
    p.m.reset();
    auto& m = p.m;
    m.request = s.request;
    m.ordinal = ++p.messages;
    m.ts_ns = p.line_ts;
    m.header_bytes = line_len + 1;
    clip(m.version, s.version, lim().max_value);
    if (s.request) {
      ++L.counters_.requests;
      clip(m.method, s.method, lim().max_value);
      clip(m.uri, s.uri, lim().max_value);
      m.entry = new_entry(m.ts_ns);
      auto& e = L.entries_[m.entry];
      e.has_request = true;
      e.request_dir = static_cast<std::uint8_t>(d);
      e.method = m.method;
      e.uri = m.uri;
      e.version = m.version;
    } else {
      m.status = s.status;
      clip(m.reason, s.reason, lim().max_value);
    }
    p.state = pstate::headers;
  }

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
    auto name = trim(line.substr(0, colon));
    auto value = trim(line.substr(colon + 1));
    auto keep = [&](std::string& out, bool& has) {
      if (has) return;  // the first one counts
      clip(out, value, lim().max_value);
      has = true;
    };
    if (p.state == pstate::trailers) return;  // trailers are checked for limits only
    if (ieq(name, "host")) keep(m.host, m.has_host);
    else if (ieq(name, "referer")) keep(m.referrer, m.has_referrer);
    else if (ieq(name, "user-agent")) keep(m.user_agent, m.has_user_agent);
    else if (ieq(name, "origin")) keep(m.origin, m.has_origin);
    else if (ieq(name, "content-type")) { if (m.content_type.empty()) clip(m.content_type, value, lim().max_value); }
    else if (ieq(name, "content-encoding")) { if (m.content_encoding.empty()) clip(m.content_encoding, value, lim().max_value); }
    else if (ieq(name, "content-disposition")) { if (m.disposition.empty()) m.disposition = disposition_filename(value); }
    else if (ieq(name, "content-length")) {
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
    } else if (ieq(name, "transfer-encoding")) {
      m.te = true;
      m.chunked = ends_in_chunked(value);
    } else if (ieq(name, "expect")) {
      if (ieq(value, "100-continue")) m.expect_continue = true;
    }
  }

  void copy_request_fields(http_log_entry& e, const message& m) {
    e.has_host = m.has_host;
    e.host_header = m.host;
    e.host = host_without_port(m.host);
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
      auto& e = L.entries_[m.entry];
      copy_request_fields(e, m);
      auto& q = C.pending[d];
      if (q.size() >= lim().max_pending) {
        add_to_entry(q.front(), http_anomaly::too_many_pending);
        count(http_anomaly::too_many_pending);
        q.pop_front();
      }
      q.push_back(m.entry);
      if (m.method == "CONNECT") C.connect_pending[d] = true;
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
        auto& e = L.entries_[q.front()];
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
    auto& e = L.entries_[m.entry];
    e.has_response = true;
    e.status_code = s;
    e.status_msg = m.reason;
    if (e.version.empty()) e.version = m.version;
    e.resp_content_type = m.content_type;
    e.resp_content_encoding = m.content_encoding;
    const bool connect = e.has_request && e.method == "CONNECT";
    if (connect) C.connect_pending[1 - d] = false;
    if (s == 101 || (connect && s >= 200 && s < 300)) {
      e.tags.push_back("tunnel");
      return message_done(true);
    }
    if ((e.has_request && e.method == "HEAD") || s < 200 || s == 204 || s == 304) return message_done(false);
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

  void body(util::bytes b) {
    auto& p = P();
    auto& m = p.m;
    m.body_len += b.size();
    L.counters_.body_bytes += b.size();
    if (m.sniff.size() < lim().sniff_bytes) {
      std::size_t n = std::min(b.size(), lim().sniff_bytes - m.sniff.size());
      m.sniff.append(reinterpret_cast<const char*>(b.data()), n);
    }
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
      auto& e = L.entries_[m.entry];
      std::string mime;
      if (m.body_len > 0) {
        // Magic of the body start; for a content-encoded body (not sniffable without decoding)
        // or an unrecognised one, the Content-Type's media type.
        auto sniffed = m.content_encoding.empty() || ieq(m.content_encoding, "identity")
                           ? http_sniff_mime(util::bytes(reinterpret_cast<const std::uint8_t*>(m.sniff.data()), m.sniff.size()))
                           : std::string_view{};
        mime = !sniffed.empty() ? std::string(sniffed) : media_type(m.content_type);
      }
      if (m.request) {
        e.request_frame = complete ? ctx.frame : 0;
        e.request_body_len = m.body_len;
        e.request_complete = complete;
        if (!mime.empty()) e.orig_mime_types = {mime};
        if (m.skipped_body) e.tags.push_back("expect_continue_no_body");
      } else {
        e.response_frame = complete ? ctx.frame : 0;
        e.response_body_len = m.body_len;
        e.response_complete = complete;
        if (!mime.empty()) e.resp_mime_types = {mime};
      }
      if (m.body_len > 0) ++L.counters_.bodies;
      // Export objects are re-read through TCP stream following; a datagram's body is not one.
      if (m.body_len > 0 && !C.udp) {
        http_object o;
        o.entry = m.entry;
        o.flow_id = C.flow_id;
        o.dir = static_cast<std::uint8_t>(d);
        o.response = !m.request;
        o.message = m.ordinal;
        o.frame = ctx.frame;
        o.hostname = e.host_header;
        o.content_type = m.content_type.empty() ? std::string() : media_type(m.content_type);
        o.content_encoding = m.content_encoding;
        o.disposition_filename = m.disposition;
        o.size = m.body_len;
        o.complete = complete;
        o.filename = http_object_base_name(e.has_request, e.uri, o.frame, o.content_type);
        L.objects_.push_back(std::move(o));
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
        copy_request_fields(L.entries_[m.entry], m);
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
        auto& e = L.entries_[m.entry];
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

  // `raw`: the line without its '\n', either in `p.line` or (when it arrived whole in one
  // delivery) straight in the delivered bytes.
  void line_complete(std::string_view raw) {
    auto& p = P();
    std::string_view line = raw;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (p.state == pstate::start || p.state == pstate::resync) {
      // Control bytes before a start line (a TCP keep-alive probe's NUL delivered as data).
      while (!line.empty() && static_cast<unsigned char>(line.front()) < 0x20) line.remove_prefix(1);
    }
    switch (p.state) {
      case pstate::start: {
        if (p.line_over) {
          anomaly(http_anomaly::bad_start_line);
          L.counters_.skipped_bytes += raw.size() + 1;
          p.state = pstate::resync;
          break;
        }
        if (line.empty()) break;  // CRLF between messages
        start_line s;
        if (parse_start_line(line, false, s)) {
          begin_message(s, raw.size());
          break;
        }
        if (!p.quiet_resync) anomaly(http_anomaly::bad_start_line);
        L.counters_.skipped_bytes += raw.size() + 1;
        p.state = pstate::resync;
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
    release_line();
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
              p.m.body_len == 0 && !p.m.body_gap && p.m.entry != npos && L.entries_[p.m.entry].has_response) {
            p.m.expect_decided = true;
            p.state = pstate::expect_decide;
            continue;
          }
          used = static_cast<std::size_t>(std::min<std::uint64_t>(p.remaining, data.size()));
          body(data.first(used));
          p.remaining -= used;
          if (p.remaining == 0) {
            if (p.state == pstate::body_length) message_done(false);
            else p.state = pstate::chunk_end;
          }
          break;
        }
        case pstate::body_close:
          used = data.size();
          body(data);
          break;
        case pstate::start:
          if (p.line.empty() && !p.line_over && C.connect_pending[d] && !is_upper(static_cast<char>(data[0])) &&
              data[0] != '\r' && data[0] != '\n') {
            // Bytes after a CONNECT before its answer (an optimistic TLS hello): not HTTP.
            p.quiet_resync = true;
            p.state = pstate::resync;
            continue;
          }
          used = take_line(data);
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

http_logger::http_logger(const flow::flow_tracker* flows, http_limits limits) : flows_(flows), limits_(limits) {}

http_logger::~http_logger() = default;

http_logger::connection& http_logger::conn_of(const stream_ctx& c) {
  if (last_conn_ && last_conn_->flow_id == c.flow_id) return *last_conn_;
  auto& slot = conns_[c.flow_id];
  if (!slot) {
    slot = std::make_unique<connection>();
    slot->flow_id = c.flow_id;
    slot->id = make_conn_id(flows_, c.flow_id);
    ++counters_.connections;
  }
  last_conn_ = slot.get();
  return *slot;
}

void http_logger::drop_conn(std::uint32_t flow_id) {
  auto it = conns_.find(flow_id);
  if (it == conns_.end()) return;
  if (last_conn_ == it->second.get()) last_conn_ = nullptr;
  for (auto& p : it->second->d) buffered_ -= p.line.size();
  conns_.erase(it);
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
  auto it = conns_.find(c.flow_id);
  if (it == conns_.end()) return;
  auto& cn = *it->second;
  http_parse_access{*this, cn, dir, c}.close();
  if (cn.d[0].state == pstate::closed && cn.d[1].state == pstate::closed) drop_conn(c.flow_id);
}

void http_logger::on_datagram(const stream_ctx& c, int dir, util::bytes data) {
  if (finished_ || data.empty() || (dir != 0 && dir != 1)) return;
  if (!datagram_) datagram_ = std::make_unique<connection>();
  auto& cn = *datagram_;
  cn = connection{};
  cn.flow_id = c.flow_id;
  cn.id = make_conn_id(flows_, c.flow_id);
  cn.udp = true;
  ++counters_.datagrams;
  http_parse_access a{*this, cn, dir, c};
  a.feed(data);
  a.close();  // the datagram's end ends its message (a body without a length completes here)
}

void http_logger::finish() {
  if (finished_) return;
  std::vector<std::uint32_t> ids;
  ids.reserve(conns_.size());
  for (const auto& [id, cn] : conns_) ids.push_back(id);
  std::sort(ids.begin(), ids.end());
  for (auto id : ids) {
    auto& cn = *conns_[id];
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
  std::string tag = "(" + std::to_string(dupn) + ")";
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

std::vector<std::string> http_object_file_names(const std::vector<http_object>& objects) {
  std::vector<std::string> names;
  names.reserve(objects.size());
  std::unordered_map<std::string, bool> used;
  // Wireshark tries suffixes 0, 1, … up to prefs.gui_max_export_objects for each object. Names
  // are never released, so the suffixes an earlier object with the same file name found taken
  // stay taken: each search starts where that one stopped (thousands of "index.html" objects
  // would otherwise cost a thousand tries each).
  std::unordered_map<std::string, int> next_try;
  constexpr int max_dup = 1000;
  for (const auto& o : objects) {
    int& count = next_try[o.filename];
    std::string name;
    for (;; ++count) {
      name = eo_massage(o.filename, count);
      if (count >= max_dup - 1 || !used.count(name)) break;  // the last try is kept, taken or not
    }
    used[name] = true;
    names.push_back(std::move(name));
  }
  return names;
}

}  // namespace pcapscope::app
