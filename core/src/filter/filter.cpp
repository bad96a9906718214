// Display-filter compiler (lexer, parser, literal conversion, type checks) and evaluator.
#include "pcapscope/filter/filter.hpp"

#include <algorithm>
#include <limits>
#include <cstdio>
#include <cstring>
#include <deque>
#include <unordered_map>

#include "internal.hpp"
#include "pcapscope/flow/flow.hpp"
#include "pcapscope/filter/regex.hpp"

namespace pcapscope::filter {

using namespace detail;

// ---------------------------------------------------------------------------------------------
// Program
// ---------------------------------------------------------------------------------------------

enum class cmp_op : std::uint8_t { eq, ne, all_eq, any_ne, lt, le, gt, ge };

struct slice_range {
  std::int32_t start = 0;
  std::int32_t len = 0;  ///< ignored when to_end
  bool to_end = false;
};

struct operand {
  enum class kind : std::uint8_t { none, field, literal, fn_len, fn_count } k = kind::none;
  const field_def* f = nullptr;
  int layer = 0;                     ///< #n (0: every layer)
  std::vector<slice_range> slices;   ///< applied in order, results concatenated
  value lit{};                       ///< literal (converted to the other side's type)
  vtype type = vtype::none;          ///< type of the values it yields
  std::uint32_t begin = 0, end = 0;  ///< source range
  std::string text;                  ///< literal source text (word or decoded string)
  int lit_kind = 0;                  ///< 1 word, 2 string, 3 char
};

struct set_elem {
  value lo{}, hi{};
  bool range = false;
};

enum class nkind : std::uint8_t { and_, or_, xor_, not_, exists, compare, in, contains, matches, true_ };

struct node {
  nkind k = nkind::true_;
  cmp_op op = cmp_op::eq;
  int a = -1, b = -1;
  operand lhs, rhs;
  std::vector<set_elem> set;
  int re = -1;
  bool index_ok = true;  ///< decidable from an index row (frame-level fields only)
  std::uint8_t fast = 0;  ///< a frame scalar (fast_*) against literals: no field loading
};

// Frame scalars read straight from the metadata by the fast path.
enum fast_field : std::uint8_t { fast_none, fast_number, fast_len, fast_caplen, fast_time_rel, fast_time_epoch };

std::uint8_t fast_kind(const operand& o) {
  if (o.k != operand::kind::field || !o.f || !o.slices.empty() || o.layer != 0) return fast_none;
  if (o.f->name == "frame.number") return fast_number;
  if (o.f->name == "frame.len") return fast_len;
  if (o.f->name == "frame.cap_len") return fast_caplen;
  if (o.f->name == "frame.time_relative") return fast_time_rel;
  if (o.f->name == "frame.time_epoch") return fast_time_epoch;
  return fast_none;
}

struct program {
  std::string text;
  std::vector<node> nodes;
  int root = -1;
  std::deque<std::string> storage;  ///< bytes of long literals (stable addresses)
  std::vector<std::unique_ptr<regex>> regexes;
  mutable std::int64_t origin = 0;
  mutable bool has_origin = false;
  /// select_index with a flow table: per key leaf (by node index), its verdict per flow id, 0
  /// until computed (the same for every row of a flow); kept across calls for one table.
  mutable std::unordered_map<int, std::vector<std::uint8_t>> per_flow;
  mutable const void* per_flow_table = nullptr;
  mutable std::size_t per_flow_size = 0;
  bool needs_bytes = false;
};

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

std::string error::to_string() const {
  std::string s = message;
  s += " at " + std::to_string(begin + 1);
  if (end > begin + 1) s += "\xe2\x80\x93" + std::to_string(end);  // en dash
  if (!hint.empty()) s += "; " + hint;
  return s;
}

namespace {

// Optimal string alignment distance (Levenshtein with adjacent transpositions).
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> prev2(b.size() + 1), prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) cur[j] = std::min(cur[j], prev2[j - 2] + 1);
    }
    prev2 = prev;
    prev = cur;
  }
  return prev[b.size()];
}

// Wireshark protocol names that look like byte strings: tshark reads such a word as the
// (absent) protocol, not as bytes, so `ip.dst[3] == ff` matches nothing there. We do the same.
constexpr std::string_view kHexLikeProtocols[] = {"a11", "a21", "a615a", "aaf", "acf", "adb", "bfd", "c1222", "c15",
                                                  "dc", "dcc", "e100", "e164", "e212", "fc", "fc00", "fefd", "ff"};

// Common Wireshark protocols above L4 that pcapscope does not dissect (yet): a clearer error.
constexpr std::string_view kUndissected[] = {
    "dns", "mdns", "llmnr", "http", "http2", "http3", "tls", "ssl", "dtls", "quic", "dhcp", "dhcpv6", "bootp", "ssh",
    "smb", "smb2", "nbns", "ntp", "sip", "rtp", "rtcp", "ftp", "ftp-data", "smtp", "imap", "pop", "snmp", "ldap",
    "kerberos", "radius", "stun", "syslog", "telnet", "tftp", "mqtt", "modbus", "bgp", "ospf", "rip", "vrrp",
    "lldp", "cdp", "stp", "ntlmssp", "dcerpc", "websocket", "openvpn", "wireguard", "wg", "isakmp", "gquic"};

const field_def* absent_protocol(std::string_view word) {
  static const auto defs = [] {
    std::vector<field_def> v;
    for (auto n : kHexLikeProtocols) {
      field_def f;
      f.name = n;
      f.type = vtype::proto;
      f.is_proto = true;
      v.push_back(f);
    }
    return v;
  }();
  for (const auto& f : defs) {
    if (f.name == word) return &f;
  }
  return nullptr;
}

std::string suggestion(std::string_view name) {
  std::string_view best;
  std::size_t best_d = ~std::size_t{0};
  for (const auto& f : field_table()) {
    std::size_t d = edit_distance(name, f.name);
    if (d < best_d) {
      best_d = d;
      best = f.name;
    }
  }
  std::size_t limit = std::max<std::size_t>(1, name.size() / 4);
  if (best.empty() || best_d > limit) return {};
  return "did you mean \"" + std::string(best) + "\"?";
}

// ---------------------------------------------------------------------------------------------
// Lexer
// ---------------------------------------------------------------------------------------------

enum class tk : std::uint8_t {
  end, lparen, rparen, lbrace, rbrace, lbracket, comma, dotdot, hash,
  eq, ne, all_eq, any_ne, lt, le, gt, ge,
  kw_and, kw_or, kw_xor, kw_not, kw_contains, kw_matches, kw_in,
  word, string, charlit,
};

struct token {
  tk kind = tk::end;
  std::uint32_t begin = 0, end = 0;
  std::string text;  ///< word text, or the decoded string / char
};

bool word_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
         c == ':' || c == '/' || c == '-' || c == '+';
}

int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void append_utf8(std::string& s, std::uint32_t cp) {
  if (cp < 0x80) s += static_cast<char>(cp);
  else if (cp < 0x800) {
    s += static_cast<char>(0xc0 | (cp >> 6));
    s += static_cast<char>(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    s += static_cast<char>(0xe0 | (cp >> 12));
    s += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    s += static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    s += static_cast<char>(0xf0 | (cp >> 18));
    s += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
    s += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    s += static_cast<char>(0x80 | (cp & 0x3f));
  }
}

class lexer {
 public:
  explicit lexer(std::string_view s) : s_(s) {}

  std::size_t pos() const { return pos_; }

  bool next(token& t, error& err) {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) ++pos_;
    t = token{};
    t.begin = static_cast<std::uint32_t>(pos_);
    if (pos_ >= s_.size()) {
      t.kind = tk::end;
      t.end = t.begin;
      return true;
    }
    auto starts = [&](std::string_view w) { return s_.substr(pos_, w.size()) == w; };
    auto sym = [&](tk k, std::size_t n) {
      t.kind = k;
      pos_ += n;
      t.end = static_cast<std::uint32_t>(pos_);
      return true;
    };
    char c = s_[pos_];
    if (starts("===")) return sym(tk::all_eq, 3);
    if (starts("!==")) return sym(tk::any_ne, 3);
    if (starts("==")) return sym(tk::eq, 2);
    if (starts("!=")) return sym(tk::ne, 2);
    if (starts("~=")) return sym(tk::any_ne, 2);
    if (starts("<=")) return sym(tk::le, 2);
    if (starts(">=")) return sym(tk::ge, 2);
    if (starts("&&")) return sym(tk::kw_and, 2);
    if (starts("||")) return sym(tk::kw_or, 2);
    if (starts("^^")) return sym(tk::kw_xor, 2);
    if (starts("..")) return sym(tk::dotdot, 2);
    switch (c) {
      case '(': return sym(tk::lparen, 1);
      case ')': return sym(tk::rparen, 1);
      case '{': return sym(tk::lbrace, 1);
      case '}': return sym(tk::rbrace, 1);
      case '[': return sym(tk::lbracket, 1);
      case ',': return sym(tk::comma, 1);
      case '#': return sym(tk::hash, 1);
      case '<': return sym(tk::lt, 1);
      case '>': return sym(tk::gt, 1);
      case '!': return sym(tk::kw_not, 1);
      case '~': return sym(tk::kw_matches, 1);
      case '=':
        return fail(err, "\"=\" is not an operator", pos_, pos_ + 1, "use \"==\" to compare");
      default: break;
    }
    if ((c == 'r' || c == 'R') && pos_ + 1 < s_.size() && (s_[pos_ + 1] == '"' || s_[pos_ + 1] == '\'')) {
      return raw_string(t, err);
    }
    if (c == '"') return string_lit(t, err);
    if (c == '\'') return char_lit(t, err);
    if (word_char(c)) {
      std::size_t start = pos_;
      while (pos_ < s_.size() && word_char(s_[pos_])) {
        if (s_[pos_] == '.' && pos_ + 1 < s_.size() && s_[pos_ + 1] == '.' && pos_ > start) break;  // "1..2"
        ++pos_;
      }
      t.kind = tk::word;
      t.text = std::string(s_.substr(start, pos_ - start));
      t.end = static_cast<std::uint32_t>(pos_);
      static const struct {
        std::string_view w;
        tk k;
      } kws[] = {{"and", tk::kw_and}, {"or", tk::kw_or}, {"xor", tk::kw_xor}, {"not", tk::kw_not},
                 {"eq", tk::eq}, {"any_eq", tk::eq}, {"ne", tk::ne}, {"all_ne", tk::ne},
                 {"all_eq", tk::all_eq}, {"any_ne", tk::any_ne}, {"lt", tk::lt}, {"le", tk::le},
                 {"gt", tk::gt}, {"ge", tk::ge}, {"contains", tk::kw_contains},
                 {"matches", tk::kw_matches}, {"in", tk::kw_in}};
      for (const auto& k : kws) {
        if (t.text == k.w) t.kind = k.k;
      }
      return true;
    }
    std::string what(1, c);
    return fail(err, "unexpected character \"" + what + "\"", pos_, pos_ + 1, "");
  }

  // Reads raw text up to `close` (the slice ranges after '['); pos ends after `close`.
  bool raw_until(char close, std::string& out, std::uint32_t& begin, error& err) {
    begin = static_cast<std::uint32_t>(pos_);
    auto at = s_.find(close, pos_);
    if (at == std::string_view::npos) return fail(err, std::string("missing \"") + close + "\"", pos_ ? pos_ - 1 : 0, s_.size(), "");
    out = std::string(s_.substr(pos_, at - pos_));
    pos_ = at + 1;
    return true;
  }

 private:
  bool fail(error& err, std::string msg, std::size_t b, std::size_t e, std::string hint) {
    err.message = std::move(msg);
    err.begin = static_cast<std::uint32_t>(b);
    err.end = static_cast<std::uint32_t>(e);
    err.hint = std::move(hint);
    return false;
  }

  bool raw_string(token& t, error& err) {
    std::size_t start = pos_;
    char q = s_[pos_ + 1];
    pos_ += 2;
    auto at = s_.find(q, pos_);
    if (at == std::string_view::npos) return fail(err, "unterminated string", start, s_.size(), "");
    t.kind = tk::string;
    t.text = std::string(s_.substr(pos_, at - pos_));
    pos_ = at + 1;
    t.end = static_cast<std::uint32_t>(pos_);
    return true;
  }

  // Decodes one escape after '\' at pos_ (pointing past the backslash) into out.
  bool escape(std::string& out, std::size_t bs, error& err) {
    if (pos_ >= s_.size()) return fail(err, "unterminated string", bs, s_.size(), "");
    char e = s_[pos_++];
    switch (e) {
      case 'a': out += '\a'; return true;
      case 'b': out += '\b'; return true;
      case 'f': out += '\f'; return true;
      case 'n': out += '\n'; return true;
      case 'r': out += '\r'; return true;
      case 't': out += '\t'; return true;
      case 'v': out += '\v'; return true;
      case '\\': case '"': case '\'': out += e; return true;
      case 'x': {
        int v = 0, n = 0;
        while (n < 2 && pos_ < s_.size() && hexval(s_[pos_]) >= 0) v = v * 16 + hexval(s_[pos_++]), ++n;
        if (!n) return fail(err, "\\x needs hex digits", bs, pos_, "");
        out += static_cast<char>(v);
        return true;
      }
      case 'u': case 'U': {
        int want = e == 'u' ? 4 : 8;
        std::uint32_t cp = 0;
        for (int n = 0; n < want; ++n) {
          if (pos_ >= s_.size() || hexval(s_[pos_]) < 0) return fail(err, std::string("\\") + e + " needs " + std::to_string(want) + " hex digits", bs, pos_, "");
          cp = cp * 16 + static_cast<std::uint32_t>(hexval(s_[pos_++]));
        }
        if ((cp < 0xa0 && cp != 0x24 && cp != 0x40 && cp != 0x60) || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) {
          return fail(err, std::string(s_.substr(bs, pos_ - bs)) + " is not a valid universal character name", bs, pos_, "");
        }
        append_utf8(out, cp);
        return true;
      }
      default:
        if (e >= '0' && e <= '7') {
          int v = e - '0', n = 1;
          while (n < 3 && pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '7') v = v * 8 + (s_[pos_++] - '0'), ++n;
          if (v > 0xff) return fail(err, "octal escape above \\377", bs, pos_, "");
          out += static_cast<char>(v);
          return true;
        }
        return fail(err, std::string("unknown escape \\") + e, bs, pos_, "");
    }
  }

  bool string_lit(token& t, error& err) {
    std::size_t start = pos_++;
    std::string out;
    while (true) {
      if (pos_ >= s_.size()) return fail(err, "unterminated string", start, s_.size(), "add the closing \"");
      char c = s_[pos_];
      if (c == '"') {
        ++pos_;
        break;
      }
      if (c == '\\') {
        std::size_t bs = pos_++;
        if (!escape(out, bs, err)) return false;
        continue;
      }
      out += c;
      ++pos_;
    }
    t.kind = tk::string;
    t.text = std::move(out);
    t.end = static_cast<std::uint32_t>(pos_);
    return true;
  }

  bool char_lit(token& t, error& err) {
    std::size_t start = pos_++;
    std::string out;
    if (pos_ < s_.size() && s_[pos_] == '\\') {
      std::size_t bs = pos_++;
      if (!escape(out, bs, err)) return false;
    } else if (pos_ < s_.size()) {
      out += s_[pos_++];
    }
    if (pos_ >= s_.size() || s_[pos_] != '\'' || out.size() != 1) {
      return fail(err, "malformed character constant", start, std::min(s_.size(), pos_ + 1), "");
    }
    ++pos_;
    t.kind = tk::charlit;
    t.text = std::move(out);
    t.end = static_cast<std::uint32_t>(pos_);
    return true;
  }

  std::string_view s_;
  std::size_t pos_ = 0;
};

// ---------------------------------------------------------------------------------------------
// Literal parsing
// ---------------------------------------------------------------------------------------------

// Integer in C notation (0x hex, 0b binary, leading-0 octal, decimal), optional sign.
bool parse_int(std::string_view s, bool& negative, std::uint64_t& v, bool& overflow) {
  negative = false;
  overflow = false;
  v = 0;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s.empty()) return false;
  unsigned base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) base = 16, s.remove_prefix(2);
  else if (s.size() > 2 && s[0] == '0' && (s[1] == 'b' || s[1] == 'B')) base = 2, s.remove_prefix(2);
  else if (s.size() > 1 && s[0] == '0') base = 8, s.remove_prefix(1);
  for (char c : s) {
    int d = hexval(c);
    if (d < 0 || static_cast<unsigned>(d) >= base) return false;
    if (v > (~std::uint64_t{0} - static_cast<unsigned>(d)) / base) overflow = true;
    v = v * base + static_cast<unsigned>(d);
  }
  return true;
}

bool parse_ipv4(std::string_view s, std::uint32_t& out) {
  std::uint32_t v = 0;
  int parts = 0;
  std::size_t i = 0;
  while (parts < 4) {
    if (i >= s.size() || s[i] < '0' || s[i] > '9') return false;
    unsigned part = 0;
    std::size_t digits = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      part = part * 10 + static_cast<unsigned>(s[i++] - '0');
      if (++digits > 3 || part > 255) return false;
    }
    v = (v << 8) | part;
    ++parts;
    if (parts < 4) {
      if (i >= s.size() || s[i] != '.') return false;
      ++i;
    }
  }
  if (i != s.size()) return false;
  out = v;
  return true;
}

bool parse_ipv6(std::string_view s, std::array<std::uint8_t, 16>& out) {
  std::uint16_t words[8] = {};
  int n = 0, gap = -1;
  std::size_t i = 0;
  if (s.substr(0, 2) == "::") {
    gap = 0;
    i = 2;
    if (i == s.size()) {
      out = {};
      return true;
    }
  } else if (!s.empty() && s[0] == ':') return false;
  while (i < s.size()) {
    // IPv4 tail
    std::size_t end = i;
    while (end < s.size() && s[end] != ':') ++end;
    auto part = s.substr(i, end - i);
    if (part.find('.') != std::string_view::npos) {
      std::uint32_t v4;
      if (end != s.size() || n > 6 || !parse_ipv4(part, v4)) return false;
      words[n++] = static_cast<std::uint16_t>(v4 >> 16);
      words[n++] = static_cast<std::uint16_t>(v4);
      i = end;
      break;
    }
    if (part.empty() || part.size() > 4 || n >= 8) return false;
    std::uint16_t w = 0;
    for (char c : part) {
      int d = hexval(c);
      if (d < 0) return false;
      w = static_cast<std::uint16_t>(w * 16 + d);
    }
    words[n++] = w;
    i = end;
    if (i < s.size()) {
      if (s.substr(i, 2) == "::") {
        if (gap >= 0) return false;
        gap = n;
        i += 2;
      } else {
        ++i;
        if (i == s.size()) return false;
      }
    }
  }
  std::uint16_t full[8] = {};
  if (gap >= 0) {
    if (n >= 8) return false;
    for (int k = 0; k < gap; ++k) full[k] = words[k];
    int tail = n - gap;
    for (int k = 0; k < tail; ++k) full[8 - tail + k] = words[gap + k];
  } else {
    if (n != 8) return false;
    std::copy(words, words + 8, full);
  }
  for (int k = 0; k < 8; ++k) {
    out[static_cast<std::size_t>(2 * k)] = static_cast<std::uint8_t>(full[k] >> 8);
    out[static_cast<std::size_t>(2 * k + 1)] = static_cast<std::uint8_t>(full[k]);
  }
  return true;
}

// Byte string: hex pairs separated by ':', '-' or '.', or a run of hex pairs, or one hex digit.
bool parse_bytes(std::string_view s, std::string& out) {
  out.clear();
  if (s.empty()) return false;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    // an integer that fits one byte (Wireshark accepts `frame[1] == 0x04`)
    bool neg, ovf;
    std::uint64_t v;
    if (!parse_int(s, neg, v, ovf) || neg || ovf || v > 0xff) return false;
    out += static_cast<char>(v);
    return true;
  }
  if (s.size() == 1) {
    if (hexval(s[0]) < 0) return false;
    out += static_cast<char>(hexval(s[0]));
    return true;
  }
  std::size_t i = 0;
  char sep = 0;
  while (i < s.size()) {
    std::size_t start = i;
    while (i < s.size() && hexval(s[i]) >= 0) ++i;
    std::size_t len = i - start;
    if (len == 0 || len % 2 != 0) {
      if (!(len == 1 && sep != 0)) return false;
      out += static_cast<char>(hexval(s[start]));
    } else {
      for (std::size_t k = start; k < i; k += 2) out += static_cast<char>(hexval(s[k]) * 16 + hexval(s[k + 1]));
    }
    if (i < s.size()) {
      char c = s[i];
      if (c != ':' && c != '-' && c != '.') return false;
      if (sep && c != sep) return false;
      sep = c;
      ++i;
      if (i == s.size()) return false;
    }
  }
  return true;
}

// Seconds with optional fraction and exponent → nanoseconds.
bool parse_seconds(std::string_view s, std::int64_t& ns) {
  if (s.empty()) return false;
  bool neg = false;
  std::size_t i = 0;
  if (s[0] == '-' || s[0] == '+') {
    neg = s[0] == '-';
    ++i;
  }
  std::int64_t whole = 0, frac = 0;
  int frac_digits = 0;
  bool any = false;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
    if (whole > 9000000000LL) return false;
    whole = whole * 10 + (s[i++] - '0');
    any = true;
  }
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      if (frac_digits < 9) {
        frac = frac * 10 + (s[i] - '0');
        ++frac_digits;
      }
      ++i;
      any = true;
    }
  }
  if (!any) return false;
  for (int k = frac_digits; k < 9; ++k) frac *= 10;
  long double v = static_cast<long double>(whole) * 1e9L + static_cast<long double>(frac);
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    bool eneg = false;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) eneg = s[i++] == '-';
    int e = 0;
    bool digits = false;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      e = std::min(e * 10 + (s[i++] - '0'), 400);
      digits = true;
    }
    if (!digits) return false;
    for (int k = 0; k < e; ++k) v = eneg ? v / 10 : v * 10;
    if (v > 9.2e18L) return false;
    ns = static_cast<std::int64_t>(v + 0.5L);
  } else {
    // Beyond ~292 years the value does not fit in int64 nanoseconds: not a valid time literal.
    if (whole > (std::numeric_limits<std::int64_t>::max() - frac) / 1000000000LL) return false;
    ns = whole * 1000000000LL + frac;
  }
  if (i != s.size()) return false;
  if (neg) ns = -ns;
  return true;
}

bool byte_like(vtype t) { return t == vtype::bytes || t == vtype::proto || t == vtype::ether || t == vtype::ipv4 || t == vtype::ipv6; }
bool numeric(vtype t) { return t == vtype::uint || t == vtype::sint || t == vtype::boolean; }

// Type families that may be compared with each other.
int family(vtype t) {
  switch (t) {
    case vtype::uint: case vtype::sint: case vtype::boolean: return 1;
    case vtype::ipv4: return 2;
    case vtype::ipv6: return 3;
    case vtype::ether: case vtype::bytes: case vtype::proto: return 4;
    case vtype::reltime: return 5;
    case vtype::abstime: return 6;
    default: return 0;
  }
}

// ---------------------------------------------------------------------------------------------
// Evaluation helpers
// ---------------------------------------------------------------------------------------------

// -1, 0, 1, or 2 when the two cannot be ordered (a negative literal against an unsigned field).
int order(const value& a, const value& b) noexcept {
  switch (a.type) {
    case vtype::uint: case vtype::sint: case vtype::boolean: {
      bool an = a.type == vtype::sint, bn = b.type == vtype::sint;
      if (an != bn) return 2;
      if (an) return a.i < b.i ? -1 : a.i > b.i;
      return a.u < b.u ? -1 : a.u > b.u;
    }
    case vtype::ipv4: {
      if (b.type != vtype::ipv4) return 2;
      unsigned bits = std::min(a.prefix, b.prefix);
      std::uint32_t mask = bits == 0 ? 0 : ~std::uint32_t{0} << (32 - bits);
      std::uint32_t x = static_cast<std::uint32_t>(a.u) & mask, y = static_cast<std::uint32_t>(b.u) & mask;
      return x < y ? -1 : x > y;
    }
    case vtype::ipv6: {
      if (b.type != vtype::ipv6) return 2;
      unsigned bits = std::min(a.prefix, b.prefix);
      for (unsigned k = 0; k < 16 && bits > 0; ++k) {
        unsigned take = std::min(bits, 8u);
        std::uint8_t mask = static_cast<std::uint8_t>(0xff << (8 - take));
        std::uint8_t x = a.a[k] & mask, y = b.a[k] & mask;
        if (x != y) return x < y ? -1 : 1;
        bits -= take;
      }
      return 0;
    }
    case vtype::reltime: case vtype::abstime:
      return a.i < b.i ? -1 : a.i > b.i;
    default: {
      auto x = bytes_of(a), y = bytes_of(b);
      if (x.size() != y.size()) return x.size() < y.size() ? -1 : 1;
      if (x.empty()) return 0;
      int r = std::memcmp(x.data(), y.data(), x.size());
      return r < 0 ? -1 : r > 0;
    }
  }
}

bool test(cmp_op op, int o) noexcept {
  if (o == 2) return op == cmp_op::ne || op == cmp_op::any_ne;
  switch (op) {
    case cmp_op::eq: case cmp_op::all_eq: return o == 0;
    case cmp_op::ne: case cmp_op::any_ne: return o != 0;
    case cmp_op::lt: return o < 0;
    case cmp_op::le: return o <= 0;
    case cmp_op::gt: return o > 0;
    case cmp_op::ge: return o >= 0;
  }
  return false;
}

// Applies slices to `v` in place; false when a range falls outside the value.
bool apply_slices(const std::vector<slice_range>& sl, value& v) noexcept {
  auto src = bytes_of(v);
  if (sl.size() == 1) {
    const auto& r = sl[0];
    std::int64_t size = static_cast<std::int64_t>(src.size());
    std::int64_t start = r.start < 0 ? size + r.start : r.start;
    if (start < 0 || start > size) return false;
    std::int64_t len = r.to_end ? size - start : r.len;
    if (len < 0 || start + len > size || (r.to_end && len == 0)) return false;
    value out{};
    out.type = vtype::bytes;
    if (v.p) {
      out.p = v.p + start;
      out.len = static_cast<std::uint32_t>(len);
    } else {
      out.n = static_cast<std::uint8_t>(len);
      std::memcpy(out.a.data(), v.a.data() + start, static_cast<std::size_t>(len));
    }
    v = out;
    return true;
  }
  value out{};
  out.type = vtype::bytes;
  std::size_t n = 0;
  for (const auto& r : sl) {
    std::int64_t size = static_cast<std::int64_t>(src.size());
    std::int64_t start = r.start < 0 ? size + r.start : r.start;
    if (start < 0 || start > size) return false;
    std::int64_t len = r.to_end ? size - start : r.len;
    if (len < 0 || start + len > size) return false;
    if (n + static_cast<std::size_t>(len) > out.a.size()) return false;
    std::memcpy(out.a.data() + n, src.data() + start, static_cast<std::size_t>(len));
    n += static_cast<std::size_t>(len);
  }
  out.n = static_cast<std::uint8_t>(n);
  v = out;
  return true;
}

std::uint32_t load(const operand& o, const context& c, value* out) noexcept {
  switch (o.k) {
    case operand::kind::literal:
      out[0] = o.lit;
      return 1;
    case operand::kind::field: {
      std::uint32_t n = load_field(*o.f, o.layer, c, out);
      if (o.slices.empty()) return n;
      std::uint32_t kept = 0;
      for (std::uint32_t i = 0; i < n; ++i) {
        if (apply_slices(o.slices, out[i])) out[kept++] = out[i];
      }
      return kept;
    }
    case operand::kind::fn_count: {
      std::uint32_t n = load_field(*o.f, o.layer, c, out);
      if (n == 0) return 0;
      value v{};
      v.type = vtype::uint;
      v.u = n;
      out[0] = v;
      return 1;
    }
    case operand::kind::fn_len: {
      std::uint32_t n = load_field(*o.f, o.layer, c, out);
      for (std::uint32_t i = 0; i < n; ++i) {
        std::uint64_t len;
        if (numeric(out[i].type)) len = o.f->size;
        else if (out[i].type == vtype::reltime || out[i].type == vtype::abstime) len = 8;
        else len = bytes_of(out[i]).size();
        value v{};
        v.type = vtype::uint;
        v.u = len;
        out[i] = v;
      }
      return n;
    }
    default: return 0;
  }
}

bool contains_bytes(util::bytes hay, util::bytes needle) noexcept {
  if (needle.empty()) return true;
  if (needle.size() > hay.size()) return false;
  const std::uint8_t first = needle[0];
  const std::uint8_t* p = hay.data();
  const std::uint8_t* end = hay.data() + hay.size() - needle.size() + 1;
  while (p < end) {
    p = static_cast<const std::uint8_t*>(std::memchr(p, first, static_cast<std::size_t>(end - p)));
    if (!p) return false;
    if (std::memcmp(p, needle.data(), needle.size()) == 0) return true;
    ++p;
  }
  return false;
}

util::bytes haystack(const value& v) noexcept {
  if (v.type == vtype::proto && v.p) return {v.p, v.len_all};
  return bytes_of(v);
}

// One frame scalar compared with literals (the common index-only case).
bool fast_leaf(const node& nd, const context& c) noexcept {
  value v;
  v.p = nullptr;
  switch (nd.fast) {
    case fast_number: v.type = vtype::uint, v.u = c.meta->number; break;
    case fast_len: v.type = vtype::uint, v.u = c.meta->origlen; break;
    case fast_caplen: v.type = vtype::uint, v.u = c.meta->caplen; break;
    case fast_time_rel:
      if (!c.meta->has_timestamp) return false;
      v.type = vtype::reltime, v.i = c.meta->ts_ns - c.origin;
      break;
    default:
      if (!c.meta->has_timestamp) return false;
      v.type = vtype::reltime, v.i = c.meta->ts_ns;
      break;
  }
  if (nd.k == nkind::compare) return test(nd.op, order(v, nd.rhs.lit));
  for (const auto& e : nd.set) {
    if (e.range) {
      int lo = order(v, e.lo), hi = order(v, e.hi);
      if (lo != 2 && hi != 2 && lo >= 0 && hi <= 0) return true;
    } else if (order(v, e.lo) == 0) {
      return true;
    }
  }
  return false;
}

// `l op r` over every pair of values (Wireshark 4: `!=` and `===` need all pairs, the others
// one); false when either side has none.
bool compare_values(cmp_op op, const value* l, std::uint32_t nl, const value* r, std::uint32_t nr) noexcept {
  if (nl == 0 || nr == 0) return false;
  bool all = op == cmp_op::ne || op == cmp_op::all_eq;
  for (std::uint32_t i = 0; i < nl; ++i) {
    for (std::uint32_t j = 0; j < nr; ++j) {
      bool t = test(op, order(l[i], r[j]));
      if (all && !t) return false;
      if (!all && t) return true;
    }
  }
  return all;
}

// True when one of the values is in the set.
bool in_set(const std::vector<set_elem>& set, const value* l, std::uint32_t nl) noexcept {
  for (std::uint32_t i = 0; i < nl; ++i) {
    for (const auto& e : set) {
      if (e.range) {
        int lo = order(l[i], e.lo), hi = order(l[i], e.hi);
        if (lo != 2 && hi != 2 && lo >= 0 && hi <= 0) return true;
      } else if (order(l[i], e.lo) == 0) {
        return true;
      }
    }
  }
  return false;
}

// Leaf tests get their own frame so the value buffers are not on the recursion path.
[[gnu::noinline]] bool eval_leaf(const program& pr, const node& nd, const context& c) noexcept {
  if (nd.fast) return fast_leaf(nd, c);
  value l[max_values];
  switch (nd.k) {
    case nkind::exists: return load(nd.lhs, c, l) > 0;
    case nkind::compare: {
      std::uint32_t nl = load(nd.lhs, c, l);
      if (nl == 0) return false;
      value r[max_values];
      std::uint32_t nr = load(nd.rhs, c, r);
      return compare_values(nd.op, l, nl, r, nr);
    }
    case nkind::in: {
      std::uint32_t nl = load(nd.lhs, c, l);
      return in_set(nd.set, l, nl);
    }
    case nkind::contains: {
      std::uint32_t nl = load(nd.lhs, c, l);
      auto needle = bytes_of(nd.rhs.lit);
      for (std::uint32_t i = 0; i < nl; ++i) {
        if (contains_bytes(haystack(l[i]), needle)) return true;
      }
      return false;
    }
    case nkind::matches: {
      std::uint32_t nl = load(nd.lhs, c, l);
      const regex& re = *pr.regexes[static_cast<std::size_t>(nd.re)];
      for (std::uint32_t i = 0; i < nl; ++i) {
        if (re.search(haystack(l[i]))) return true;
      }
      return false;
    }
    default: return true;
  }
}

bool eval(const program& pr, int n, const context& c) noexcept {
  const node& nd = pr.nodes[static_cast<std::size_t>(n)];
  switch (nd.k) {
    case nkind::and_: return eval(pr, nd.a, c) && eval(pr, nd.b, c);
    case nkind::or_: return eval(pr, nd.a, c) || eval(pr, nd.b, c);
    case nkind::xor_: return eval(pr, nd.a, c) != eval(pr, nd.b, c);
    case nkind::not_: return !eval(pr, nd.a, c);
    case nkind::true_: return true;
    default: return eval_leaf(pr, nd, c);
  }
}

verdict leaf_index(const program& pr, const node& nd, const context& c, const index_row& r) noexcept;

// What a frame-level field sees of an index row.
dissect::frame_meta meta_of(const index_row& r) noexcept {
  dissect::frame_meta m;
  m.number = r.number;
  m.ts_ns = r.ts_ns;
  m.has_timestamp = r.has_timestamp;
  m.caplen = r.caplen;
  m.origlen = r.origlen;
  return m;
}

// Three-valued evaluation over an index row.
verdict eval_index(const program& pr, int n, const context& c, const index_row& r) noexcept {
  const node& nd = pr.nodes[static_cast<std::size_t>(n)];
  switch (nd.k) {
    case nkind::and_: {
      verdict a = eval_index(pr, nd.a, c, r);
      if (a == verdict::no) return verdict::no;
      verdict b = eval_index(pr, nd.b, c, r);
      if (b == verdict::no) return verdict::no;
      return a == verdict::yes && b == verdict::yes ? verdict::yes : verdict::unknown;
    }
    case nkind::or_: {
      verdict a = eval_index(pr, nd.a, c, r);
      if (a == verdict::yes) return verdict::yes;
      verdict b = eval_index(pr, nd.b, c, r);
      if (b == verdict::yes) return verdict::yes;
      return a == verdict::no && b == verdict::no ? verdict::no : verdict::unknown;
    }
    case nkind::xor_: {
      verdict a = eval_index(pr, nd.a, c, r), b = eval_index(pr, nd.b, c, r);
      if (a == verdict::unknown || b == verdict::unknown) return verdict::unknown;
      return a != b ? verdict::yes : verdict::no;
    }
    case nkind::not_: {
      verdict a = eval_index(pr, nd.a, c, r);
      return a == verdict::unknown ? verdict::unknown : a == verdict::yes ? verdict::no : verdict::yes;
    }
    case nkind::true_: return verdict::yes;
    default: break;
  }
  return leaf_index(pr, nd, c, r);
}

// A leaf over an index row.
verdict leaf_index(const program& pr, const node& nd, const context& c, const index_row& r) noexcept {
  if (nd.index_ok) return eval_leaf(pr, nd, c) ? verdict::yes : verdict::no;
  if (r.reassembled) return verdict::unknown;  // `top` is the reassembled datagram's
  // Protocol presence: known true for the row's top protocol.
  const field_def* f = nd.lhs.f;
  if (nd.k == nkind::exists && nd.lhs.k == operand::kind::field && f && f->is_proto && nd.lhs.slices.empty() &&
      nd.lhs.layer == 0 && r.top != dissect::proto::none && (f->kinds[0] == r.top || f->kinds[1] == r.top)) {
    return verdict::yes;
  }
  // Nothing dissected: every layer field is absent, so every test on one is false.
  if (r.top == dissect::proto::none && f && !f->from_frame && !(f->kinds[0] == dissect::proto::data)) {
    return verdict::no;
  }
  return verdict::unknown;
}

// ---------------------------------------------------------------------------------------------
// Column-wise evaluation over index rows (`filter::select_index`)
// ---------------------------------------------------------------------------------------------
//
// The same three-valued answers as `eval_index`, computed a block of rows at a time: each node
// fills one byte per row, a leaf on a frame scalar is one tight loop over an index column, and
// and/or/not/xor combine whole blocks. A verdict is a set of possible answers: bit 0 "may
// match", bit 1 "may not match" (yes 1, no 2, unknown 3), so `and` is {y: a.y & b.y, n: a.n | b.n}.

constexpr std::size_t block_rows = 512;
constexpr std::uint8_t bit_yes = 1, bit_no = 2;

std::uint8_t to_bits(verdict v) noexcept {
  return v == verdict::yes ? bit_yes : v == verdict::no ? bit_no : bit_yes | bit_no;
}

struct block_ctx {
  const index::packet_index& ix;
  std::size_t start = 0, n = 0;  ///< rows [start, start + n)
  std::int64_t origin = 0;
  const flow::flow_tracker* flows = nullptr;  ///< the index's flow table (addresses and ports)
  std::unordered_map<int, std::vector<std::uint8_t>>* per_flow = nullptr;  ///< program::per_flow
  std::deque<std::array<std::uint8_t, block_rows>>& pool;  ///< right-operand buffers by depth (a deque: growing
                                                         ///< it keeps the buffers in use in place)
};

// Compares `col[i]` (present when `ok[i]`) with the node's literals; false when the node is not
// a frame scalar against literals of the scalar's own type (then rows go one by one).
template <class T>
void scalar_test(const node& nd, const T* col, const bool* ok, std::size_t n, const std::vector<T>& lits,
                 std::uint8_t* out) noexcept {
  if (nd.k == nkind::compare) {
    T l = lits[0];
    switch (nd.op) {
      case cmp_op::eq: case cmp_op::all_eq: for (std::size_t i = 0; i < n; ++i) out[i] = col[i] == l; break;
      case cmp_op::ne: case cmp_op::any_ne: for (std::size_t i = 0; i < n; ++i) out[i] = col[i] != l; break;
      case cmp_op::lt: for (std::size_t i = 0; i < n; ++i) out[i] = col[i] < l; break;
      case cmp_op::le: for (std::size_t i = 0; i < n; ++i) out[i] = col[i] <= l; break;
      case cmp_op::gt: for (std::size_t i = 0; i < n; ++i) out[i] = col[i] > l; break;
      case cmp_op::ge: for (std::size_t i = 0; i < n; ++i) out[i] = col[i] >= l; break;
    }
  } else {  // in: lits holds lo, hi pairs (hi == lo for single values)
    for (std::size_t i = 0; i < n; ++i) out[i] = 0;
    for (std::size_t k = 0; k + 1 < lits.size(); k += 2) {
      T lo = lits[k], hi = lits[k + 1];
      for (std::size_t i = 0; i < n; ++i) out[i] |= static_cast<std::uint8_t>(col[i] >= lo && col[i] <= hi);
    }
  }
  // match → yes (1), otherwise no (2); a row without the value is no
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::uint8_t>(ok[i] ? 2 - out[i] : bit_no);
}

bool fast_block(const node& nd, const block_ctx& b, std::uint8_t* out) noexcept {
  if (!nd.index_ok || !nd.fast || (nd.k != nkind::compare && nd.k != nkind::in)) return false;
  bool is_time = nd.fast == fast_time_rel || nd.fast == fast_time_epoch;
  // The literals, in the scalar's representation (as `order` compares them).
  auto lits_of = [&](auto conv, auto& lits) {
    if (nd.k == nkind::compare) {
      lits.push_back(conv(nd.rhs.lit));
      return true;
    }
    for (const auto& e : nd.set) {
      lits.push_back(conv(e.lo));
      lits.push_back(conv(e.range ? e.hi : e.lo));
    }
    return true;
  };
  bool ok[block_rows];
  const auto& ix = b.ix;
  if (is_time) {
    std::int64_t col[block_rows];
    std::int64_t origin = nd.fast == fast_time_rel ? b.origin : 0;
    for (std::size_t i = 0; i < b.n; ++i) {
      col[i] = ix.ts_ns[b.start + i] - origin;
      ok[i] = !(ix.flags[b.start + i] & index::flag_no_timestamp);
    }
    std::vector<std::int64_t> lits;
    lits_of([](const value& v) { return v.i; }, lits);
    scalar_test(nd, col, ok, b.n, lits, out);
    return true;
  }
  // Unsigned scalars: a negative (sint) literal is incomparable (only != holds); leave those to
  // the row-by-row path.
  if (nd.k == nkind::compare ? nd.rhs.lit.type == vtype::sint
                             : std::any_of(nd.set.begin(), nd.set.end(), [](const set_elem& e) {
                                 return e.lo.type == vtype::sint || (e.range && e.hi.type == vtype::sint);
                               })) {
    return false;
  }
  std::uint64_t col[block_rows];
  switch (nd.fast) {
    case fast_number: for (std::size_t i = 0; i < b.n; ++i) col[i] = b.start + i + 1; break;
    case fast_len: for (std::size_t i = 0; i < b.n; ++i) col[i] = ix.origlen[b.start + i]; break;
    default: for (std::size_t i = 0; i < b.n; ++i) col[i] = ix.caplen[b.start + i]; break;
  }
  for (std::size_t i = 0; i < b.n; ++i) ok[i] = true;
  std::vector<std::uint64_t> lits;
  lits_of([](const value& v) { return v.u; }, lits);
  scalar_test(nd, col, ok, b.n, lits, out);
  return true;
}

// The either-side address and port fields a flow key answers.
enum class key_field : std::uint8_t { none, ip_addr, ipv6_addr, tcp_port, udp_port, tcp_stream, udp_stream };

key_field key_field_of(const node& nd) noexcept {
  const operand& o = nd.lhs;
  if ((nd.k != nkind::compare && nd.k != nkind::in) || o.k != operand::kind::field || !o.f || !o.slices.empty() ||
      o.layer != 0 || (nd.k == nkind::compare && nd.rhs.k != operand::kind::literal)) {
    return key_field::none;
  }
  if (o.f->name == "ip.addr") return key_field::ip_addr;
  if (o.f->name == "ipv6.addr") return key_field::ipv6_addr;
  if (o.f->name == "tcp.port") return key_field::tcp_port;
  if (o.f->name == "udp.port") return key_field::udp_port;
  if (o.f->name == "tcp.stream") return key_field::tcp_stream;
  if (o.f->name == "udp.stream") return key_field::udp_stream;
  return key_field::none;
}

// A leaf on ip.addr, ipv6.addr, tcp.port, udp.port, tcp.stream or udp.stream for a row whose
// flow has only plain packets (one IP header, no fragment, whole headers: flow::flow_layered
// unset): the packet's occurrences of the field are its flow key's two sides (the stream: the
// flow's), or the field is absent (a UDP flow has no tcp.port; an IPv6 flow no ip.addr; an ARP
// packet none). Unknown for every other row.
verdict key_leaf(const node& nd, key_field kf, const block_ctx& b, std::size_t row) noexcept {
  if (!b.flows || (b.ix.flags[row] & index::flag_reassembled)) return verdict::unknown;
  std::uint32_t id = b.ix.flow[row];
  // An ARP packet has no IP, TCP or UDP header at all.
  if (id == 0 && b.ix.top[row] == static_cast<std::uint8_t>(dissect::proto::arp)) {
    value none[1]{};  // none read (count 0); initialized for GCC 12's -Wmaybe-uninitialized
    bool match = nd.k == nkind::compare ? compare_values(nd.op, none, 0, &nd.rhs.lit, 1) : in_set(nd.set, none, 0);
    return match ? verdict::yes : verdict::no;
  }
  if (id == 0 || id > b.flows->size()) return verdict::unknown;
  const flow::flow_record& f = b.flows->get(id);
  if (f.flags & flow::flow_layered) return verdict::unknown;
  value v[2];
  std::uint32_t nv = 0;
  switch (kf) {
    case key_field::ip_addr:
      if (!f.key.ipv6()) {
        for (int s = 0; s < 2; ++s) {
          std::array<std::uint8_t, 4> a;
          std::copy_n(f.key.addr[s].begin(), 4, a.begin());
          nv += put_ipv4(&v[nv], a);
        }
      }
      break;
    case key_field::ipv6_addr:
      if (f.key.ipv6()) {
        for (int s = 0; s < 2; ++s) nv += put_ipv6(&v[nv], f.key.addr[s]);
      }
      break;
    case key_field::tcp_stream:
    case key_field::udp_stream:
      if (f.key.proto() == (kf == key_field::tcp_stream ? 6 : 17)) nv += put_uint(&v[nv], static_cast<std::uint64_t>(b.flows->stream_index(id)));
      break;
    default:
      if (f.key.proto() == (kf == key_field::tcp_port ? 6 : 17)) {
        for (int s = 0; s < 2; ++s) nv += put_uint(&v[nv], f.key.port[s]);
      }
      break;
  }
  bool match = nd.k == nkind::compare ? compare_values(nd.op, v, nv, &nd.rhs.lit, 1) : in_set(nd.set, v, nv);
  return match ? verdict::yes : verdict::no;
}

void eval_block(const program& pr, int n, const block_ctx& b, std::size_t depth, std::uint8_t* out) {
  const node& nd = pr.nodes[static_cast<std::size_t>(n)];
  const std::size_t rows = b.n;
  auto right = [&](int child) -> std::uint8_t* {
    if (b.pool.size() <= depth) b.pool.resize(depth + 1);
    std::uint8_t* t = b.pool[depth].data();
    eval_block(pr, child, b, depth + 1, t);
    return t;
  };
  auto all = [&](std::uint8_t v) {
    for (std::size_t i = 0; i < rows; ++i) {
      if (out[i] != v) return false;
    }
    return true;
  };
  switch (nd.k) {
    case nkind::and_: {
      eval_block(pr, nd.a, b, depth, out);
      if (all(bit_no)) return;
      const std::uint8_t* t = right(nd.b);
      for (std::size_t i = 0; i < rows; ++i) out[i] = static_cast<std::uint8_t>((out[i] & t[i] & bit_yes) | ((out[i] | t[i]) & bit_no));
      return;
    }
    case nkind::or_: {
      eval_block(pr, nd.a, b, depth, out);
      if (all(bit_yes)) return;
      const std::uint8_t* t = right(nd.b);
      for (std::size_t i = 0; i < rows; ++i) out[i] = static_cast<std::uint8_t>(((out[i] | t[i]) & bit_yes) | (out[i] & t[i] & bit_no));
      return;
    }
    case nkind::xor_: {
      eval_block(pr, nd.a, b, depth, out);
      const std::uint8_t* t = right(nd.b);
      for (std::size_t i = 0; i < rows; ++i) {
        unsigned ay = out[i] & 1u, an = out[i] >> 1, by = t[i] & 1u, bn = t[i] >> 1;
        out[i] = static_cast<std::uint8_t>(((ay & bn) | (an & by)) | (((ay & by) | (an & bn)) << 1));
      }
      return;
    }
    case nkind::not_: {
      eval_block(pr, nd.a, b, depth, out);
      for (std::size_t i = 0; i < rows; ++i) out[i] = static_cast<std::uint8_t>(((out[i] & 1u) << 1) | (out[i] >> 1));
      return;
    }
    case nkind::true_:
      for (std::size_t i = 0; i < rows; ++i) out[i] = bit_yes;
      return;
    default: break;
  }
  if (fast_block(nd, b, out)) return;
  if (key_field kf = b.flows ? key_field_of(nd) : key_field::none; kf != key_field::none) {
    auto& memo = (*b.per_flow)[n];
    if (memo.empty()) memo.assign(b.flows->size() + 1, 0);
    // Number every flow's stream here, so that key_leaf reads them without allocating.
    if (kf == key_field::tcp_stream || kf == key_field::udp_stream) b.flows->stream_index(static_cast<std::uint32_t>(b.flows->size()));
    for (std::size_t i = 0; i < rows; ++i) {
      const std::size_t row = b.start + i;
      const std::uint32_t id = b.ix.flow[row];
      verdict v;
      if (id != 0 && id < memo.size() && !(b.ix.flags[row] & index::flag_reassembled)) {
        if (!memo[id]) memo[id] = static_cast<std::uint8_t>(1 + static_cast<int>(key_leaf(nd, kf, b, row)));
        v = static_cast<verdict>(memo[id] - 1);
      } else {
        v = key_leaf(nd, kf, b, row);
      }
      if (v == verdict::unknown) {  // as the row alone decides it
        index_row r = row_from_index(b.ix, b.start + i);
        dissect::frame_meta m = meta_of(r);
        context c;
        c.meta = &m;
        c.origin = b.origin;
        v = leaf_index(pr, nd, c, r);
      }
      out[i] = to_bits(v);
    }
    return;
  }
  const field_def* f = nd.lhs.f;
  if (!nd.index_ok && nd.k == nkind::exists && nd.lhs.k == operand::kind::field && f && f->is_proto &&
      nd.lhs.slices.empty() && nd.lhs.layer == 0) {
    // Protocol presence from the top-protocol column, as leaf_index decides it.
    const bool none_is_no = !f->from_frame && f->kinds[0] != dissect::proto::data;
    const auto k0 = static_cast<std::uint8_t>(f->kinds[0]), k1 = static_cast<std::uint8_t>(f->kinds[1]);
    constexpr auto none = static_cast<std::uint8_t>(dissect::proto::none);
    for (std::size_t i = 0; i < rows; ++i) {
      std::uint8_t top = b.ix.top[b.start + i];
      std::uint8_t v = bit_yes | bit_no;
      if (b.ix.flags[b.start + i] & index::flag_reassembled) {
      } else if (top != none && (top == k0 || top == k1)) {
        v = bit_yes;
      } else if (top == none && none_is_no) {
        v = bit_no;
      }
      out[i] = v;
    }
    return;
  }
  for (std::size_t i = 0; i < rows; ++i) {  // row by row
    index_row r = row_from_index(b.ix, b.start + i);
    dissect::frame_meta m = meta_of(r);
    context c;
    c.meta = &m;
    c.origin = b.origin;
    out[i] = to_bits(leaf_index(pr, nd, c, r));
  }
}

// ---------------------------------------------------------------------------------------------
// Parser
// ---------------------------------------------------------------------------------------------

class parser {
 public:
  parser(std::string_view s, program& pr, error& err) : s_(s), lex_(s), pr_(pr), err_(err) {}

  bool run() {
    if (!advance()) return false;
    if (cur_.kind == tk::end) {
      pr_.root = add_node(node{});
      return true;
    }
    int root = parse_or();
    if (root < 0) return false;
    if (cur_.kind != tk::end) return unexpected("expected \"and\", \"or\" or the end of the filter");
    pr_.root = root;
    return true;
  }

 private:
  bool advance() { return lex_.next(cur_, err_); }

  bool fail(std::string msg, std::uint32_t b, std::uint32_t e, std::string hint = {}) {
    err_.message = std::move(msg);
    err_.begin = b;
    err_.end = std::max(e, b + 1);
    err_.hint = std::move(hint);
    return false;
  }

  std::string tok_text(const token& t) const {
    if (t.kind == tk::end) return "end of filter";
    return "\"" + std::string(s_.substr(t.begin, t.end - t.begin)) + "\"";
  }

  bool unexpected(std::string hint) {
    if (cur_.kind == tk::end) return fail("unexpected end of filter", cur_.begin, cur_.begin + 1, std::move(hint));
    return fail("unexpected " + tok_text(cur_), cur_.begin, cur_.end, std::move(hint));
  }

  int add_node(node n) {
    pr_.nodes.push_back(std::move(n));
    return static_cast<int>(pr_.nodes.size() - 1);
  }

  int binary(nkind k, int a, int b) {
    node n;
    n.k = k;
    n.a = a;
    n.b = b;
    return add_node(std::move(n));
  }

  int parse_or() {
    int a = parse_xor();
    while (a >= 0 && cur_.kind == tk::kw_or) {
      if (!advance()) return -1;
      int b = parse_xor();
      if (b < 0) return -1;
      a = binary(nkind::or_, a, b);
    }
    return a;
  }

  int parse_xor() {
    int a = parse_and();
    while (a >= 0 && cur_.kind == tk::kw_xor) {
      if (!advance()) return -1;
      int b = parse_and();
      if (b < 0) return -1;
      a = binary(nkind::xor_, a, b);
    }
    return a;
  }

  int parse_and() {
    int a = parse_unary();
    while (a >= 0 && cur_.kind == tk::kw_and) {
      if (!advance()) return -1;
      int b = parse_unary();
      if (b < 0) return -1;
      a = binary(nkind::and_, a, b);
    }
    return a;
  }

  int parse_unary() {
    if (++depth_ > 200) return fail("filter nested too deeply", cur_.begin, cur_.end), -1;
    int r;
    if (cur_.kind == tk::kw_not) {
      if (!advance()) return -1;
      int a = parse_unary();
      if (a < 0) return -1;
      node n;
      n.k = nkind::not_;
      n.a = a;
      r = add_node(std::move(n));
    } else if (cur_.kind == tk::lparen) {
      token open = cur_;
      if (!advance()) return -1;
      r = parse_or();
      if (r < 0) return -1;
      if (cur_.kind != tk::rparen) {
        if (cur_.kind == tk::end) return fail("missing \")\"", open.begin, open.end, "this \"(\" is not closed"), -1;
        return unexpected("expected \")\""), -1;
      }
      if (!advance()) return -1;
    } else {
      r = parse_test();
    }
    --depth_;
    return r;
  }

  static bool field_like(std::string_view w) {
    if (w.empty() || !((w[0] >= 'a' && w[0] <= 'z') || (w[0] >= 'A' && w[0] <= 'Z') || w[0] == '_')) return false;
    for (char c : w) {
      if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-')) return false;
    }
    return true;
  }

  bool unknown_field(const token& t) {
    std::string_view w = t.text;
    if (w.substr(0, 8) == "_ws.col.") {
      return fail("\"" + t.text + "\" is a column, not a field, and cannot be filtered on", t.begin, t.end);
    }
    if (w == "frame.time" || w.substr(0, 16) == "frame.time_delta" || w == "frame.time_utc") {
      return fail("\"" + t.text + "\" is not supported by pcapscope's filters", t.begin, t.end,
                  "use frame.time_epoch or frame.time_relative (seconds)");
    }
    std::string_view proto = w.substr(0, w.find('.'));
    for (auto u : kUndissected) {
      if (proto == u) {
        return fail("\"" + t.text + "\" is a Wireshark field pcapscope does not dissect yet", t.begin, t.end,
                    "filters can use L2–L4 protocols and fields (see pcapscope packets x --fields list)");
      }
    }
    return fail("unknown field \"" + t.text + "\"", t.begin, t.end, suggestion(w));
  }

  // Parses `[ranges]` after a field.
  bool parse_slice(operand& o) {
    std::string raw;
    std::uint32_t b;
    if (!lex_.raw_until(']', raw, b, err_)) return false;
    std::uint32_t e = b + static_cast<std::uint32_t>(raw.size());
    if (o.f && !byte_like(o.f->type)) {
      return fail("\"" + std::string(o.f->name) + "\" (" + std::string(type_name(o.f->type)) + ") cannot be sliced", o.begin, e + 1);
    }
    std::string_view rs = raw;
    std::size_t i = 0;
    auto skip_ws = [&]() {
      while (i < rs.size() && rs[i] == ' ') ++i;
    };
    auto num = [&](std::int32_t& v) {
      skip_ws();
      bool neg = false;
      if (i < rs.size() && (rs[i] == '-' || rs[i] == '+')) neg = rs[i++] == '-';
      if (i >= rs.size() || rs[i] < '0' || rs[i] > '9') return false;
      std::int64_t x = 0;
      while (i < rs.size() && rs[i] >= '0' && rs[i] <= '9') {
        x = x * 10 + (rs[i++] - '0');
        if (x > 1000000) return false;
      }
      v = static_cast<std::int32_t>(neg ? -x : x);
      skip_ws();
      return true;
    };
    while (true) {
      slice_range r;
      skip_ws();
      if (i < rs.size() && rs[i] == ':') {  // [:n]
        ++i;
        r.start = 0;
        if (!num(r.len) || r.len < 0) return fail("invalid slice \"[" + raw + "]\"", b, e);
      } else {
        if (!num(r.start)) return fail("invalid slice \"[" + raw + "]\"", b, e, "use [i], [i:len], [i-j], [:len] or [i:]");
        if (i < rs.size() && rs[i] == ':') {
          ++i;
          skip_ws();
          if (i >= rs.size() || rs[i] == ',') r.to_end = true;
          else if (!num(r.len) || r.len < 0) return fail("invalid slice \"[" + raw + "]\"", b, e);
        } else if (i < rs.size() && rs[i] == '-') {
          ++i;
          std::int32_t end;
          if (!num(end) || end < r.start || (r.start < 0) != (end < 0)) return fail("invalid slice \"[" + raw + "]\"", b, e);
          r.len = end - r.start + 1;
        } else {
          r.len = 1;
        }
      }
      o.slices.push_back(r);
      skip_ws();
      if (i >= rs.size()) break;
      if (rs[i] != ',') return fail("invalid slice \"[" + raw + "]\"", b, e, "use [i], [i:len], [i-j], [:len] or [i:]");
      ++i;
    }
    if (o.slices.size() > 1) {
      std::int64_t total = 0;
      for (const auto& r : o.slices) {
        if (r.to_end) return fail("an open-ended range cannot be joined with others", b, e);
        total += r.len;
      }
      if (total > 16) return fail("joined slices longer than 16 bytes are not supported", b, e);
    }
    o.type = vtype::bytes;
    return true;
  }

  // Field, function call or literal.
  bool parse_operand(operand& o, bool lhs) {
    o.begin = cur_.begin;
    o.end = cur_.end;
    if (cur_.kind == tk::string || cur_.kind == tk::charlit) {
      o.k = operand::kind::literal;
      o.lit_kind = cur_.kind == tk::string ? 2 : 3;
      o.text = cur_.text;
      return advance();
    }
    if (cur_.kind == tk::lbrace && lhs) {
      return fail("arithmetic ({…}) is not supported", cur_.begin, cur_.end, "compare fields with literals");
    }
    if (cur_.kind != tk::word) {
      return unexpected(lhs ? "expected a field, a protocol or \"(\"" : "expected a value or a field");
    }
    token w = cur_;
    if (!advance()) return false;
    if ((w.text == "len" || w.text == "count") && cur_.kind == tk::lparen) {
      if (!advance()) return false;
      if (cur_.kind != tk::word) return unexpected("expected a field");
      token fw = cur_;
      const field_def* f = find_field(fw.text);
      if (!f) return unknown_field(fw);
      if (!advance()) return false;
      o.f = f;
      if (cur_.kind == tk::hash && !parse_layer(o)) return false;
      if (cur_.kind == tk::lbracket) return fail("only fields can be used as the parameter of " + w.text + "()", cur_.begin, cur_.end);
      if (cur_.kind != tk::rparen) return unexpected("expected \")\"");
      o.end = cur_.end;
      if (!advance()) return false;
      o.k = w.text == "len" ? operand::kind::fn_len : operand::kind::fn_count;
      if (o.k == operand::kind::fn_len && f->type == vtype::proto && !f->from_frame) {
        // length of a protocol's header: fine
      }
      o.type = vtype::uint;
      return true;
    }
    const field_def* f = find_field(w.text);
    if (!f && !lhs) f = absent_protocol(w.text);
    if (!f) {
      if (lhs) {
        if (field_like(w.text)) return unknown_field(w);
        return fail("\"" + w.text + "\" is not a field; the left side of a test must be a field or a function", w.begin, w.end);
      }
      o.k = operand::kind::literal;
      o.lit_kind = 1;
      o.text = w.text;
      return true;
    }
    o.k = operand::kind::field;
    o.f = f;
    o.type = f->type;
    if (cur_.kind == tk::hash && !parse_layer(o)) return false;
    if (cur_.kind == tk::lbracket) {
      if (!parse_slice(o)) return false;
      o.end = static_cast<std::uint32_t>(lex_.pos());
      if (!advance()) return false;
    }
    return true;
  }

  bool parse_layer(operand& o) {
    if (!advance()) return false;
    bool neg;
    std::uint64_t v;
    bool ovf;
    if (cur_.kind != tk::word || !parse_int(cur_.text, neg, v, ovf) || ovf || v == 0 || v > 1000) {
      return unexpected("expected a layer number after \"#\" (1 is the outermost)");
    }
    o.layer = neg ? -static_cast<int>(v) : static_cast<int>(v);
    o.end = cur_.end;
    return advance();
  }

  // Converts literal operand `o` to `t` (the type of the field on the other side).
  bool convert(operand& o, vtype t, const operand& other) {
    value v{};
    const std::string& s = o.text;
    std::string q = "\"" + s + "\"";
    auto bad = [&](std::string what) { return fail(std::move(what), o.begin, o.end); };
    std::string fname = other.f ? std::string(other.f->name) : std::string("the value");
    if (other.k == operand::kind::fn_len || other.k == operand::kind::fn_count) fname = "the function result";
    switch (t) {
      case vtype::uint: case vtype::boolean: {
        std::uint64_t n;
        bool neg = false, ovf = false;
        if (o.lit_kind == 3) {
          n = static_cast<unsigned char>(s[0]);
        } else if (o.lit_kind == 2) {
          return bad("a string cannot be compared with " + fname + " (" + std::string(type_name(t)) + ")");
        } else if (t == vtype::boolean && (s == "True" || s == "TRUE")) {
          n = 1;
        } else if (t == vtype::boolean && (s == "False" || s == "FALSE")) {
          n = 0;
        } else if (!parse_int(s, neg, n, ovf)) {
          return bad(q + " is not a valid number");
        }
        if (t == vtype::boolean) {
          if (neg || n > 1) return bad(q + " is not a valid boolean (use 1, 0, True or False)");
          v.type = vtype::boolean;
          v.u = n;
          break;
        }
        std::uint8_t size = other.f && other.k == operand::kind::field && other.slices.empty() ? other.f->size : 4;
        if (other.k == operand::kind::fn_len || other.k == operand::kind::fn_count) size = 4;
        std::uint64_t max = size >= 8 ? ~std::uint64_t{0} : (std::uint64_t{1} << (8 * size)) - 1;
        if (neg && n != 0) {
          if (ovf || n > (std::uint64_t{1} << 63)) return bad(q + " is too small");
          v.type = vtype::sint;
          v.i = -static_cast<std::int64_t>(n - 1) - 1;
          break;
        }
        if (ovf || n > max) return bad(q + " too big for this field, maximum " + std::to_string(max));
        v.type = vtype::uint;
        v.u = n;
        break;
      }
      case vtype::ipv4: {
        if (o.lit_kind != 1) return bad("IPv4 address cannot be converted from a string (" + q + ")");
        auto slash = s.find('/');
        std::uint32_t a;
        if (!parse_ipv4(std::string_view(s).substr(0, slash), a)) return bad(q + " is not a valid IPv4 address");
        unsigned bits = 32;
        if (slash != std::string::npos) {
          bool neg, ovf;
          std::uint64_t b;
          if (!parse_int(std::string_view(s).substr(slash + 1), neg, b, ovf) || neg || b > 32 ||
              s.size() == slash + 1 || (s[slash + 1] == '0' && s.size() > slash + 2)) {
            return bad(q + " has an invalid prefix length (0–32)");
          }
          bits = static_cast<unsigned>(b);
        }
        v.type = vtype::ipv4;
        v.u = a;
        v.prefix = static_cast<std::uint8_t>(bits);
        v.n = 4;
        v.a[0] = static_cast<std::uint8_t>(a >> 24);
        v.a[1] = static_cast<std::uint8_t>(a >> 16);
        v.a[2] = static_cast<std::uint8_t>(a >> 8);
        v.a[3] = static_cast<std::uint8_t>(a);
        break;
      }
      case vtype::ipv6: {
        if (o.lit_kind != 1) return bad("IPv6 address cannot be converted from a string (" + q + ")");
        auto slash = s.find('/');
        if (!parse_ipv6(std::string_view(s).substr(0, slash), v.a)) return bad(q + " is not a valid IPv6 address");
        unsigned bits = 128;
        if (slash != std::string::npos) {
          bool neg, ovf;
          std::uint64_t b;
          if (!parse_int(std::string_view(s).substr(slash + 1), neg, b, ovf) || neg || b > 128 || s.size() == slash + 1 ||
              (s[slash + 1] == '0' && s.size() > slash + 2)) {
            return bad(q + " has an invalid prefix length (0–128)");
          }
          bits = static_cast<unsigned>(b);
        }
        v.type = vtype::ipv6;
        v.prefix = static_cast<std::uint8_t>(bits);
        v.n = 16;
        break;
      }
      case vtype::ether: {
        std::string b;
        if (o.lit_kind != 1 || !parse_bytes(s, b) || b.size() != 6) return bad(q + " is not a valid Ethernet address");
        v.type = vtype::ether;
        v.n = 6;
        std::memcpy(v.a.data(), b.data(), 6);
        break;
      }
      case vtype::bytes: case vtype::proto: {
        std::string b;
        if (o.lit_kind == 1) {
          if (!parse_bytes(s, b)) return bad(q + " is not a valid byte string");
        } else {
          b = s;
        }
        v.type = vtype::bytes;
        if (b.size() <= v.a.size()) {
          v.n = static_cast<std::uint8_t>(b.size());
          std::memcpy(v.a.data(), b.data(), b.size());
        } else {
          pr_.storage.push_back(b);
          v.p = reinterpret_cast<const std::uint8_t*>(pr_.storage.back().data());
          v.len = static_cast<std::uint32_t>(b.size());
        }
        break;
      }
      case vtype::reltime: case vtype::abstime: {
        if (o.lit_kind != 1) {
          return bad(std::string(t == vtype::reltime ? "a time offset" : "an absolute time") +
                     " cannot be converted from a string (" + q + "); give seconds, e.g. 1.5");
        }
        std::int64_t ns;
        if (!parse_seconds(s, ns)) return bad(q + " is not a valid time in seconds");
        v.type = t;
        v.i = ns;
        break;
      }
      default: return bad("cannot compare with " + fname);
    }
    o.lit = v;
    o.type = v.type;
    return true;
  }

  // Checks/converts both sides of a relation; `lhs` is a field or function.
  bool resolve_pair(operand& lhs, operand& rhs, const token& op_tok) {
    if (rhs.k == operand::kind::literal) return convert(rhs, lhs.type, lhs);
    if (family(lhs.type) == 0 || family(lhs.type) != family(rhs.type)) {
      std::string ln = lhs.f ? std::string(lhs.f->name) : "left side";
      std::string rn = rhs.f ? std::string(rhs.f->name) : "right side";
      return fail(ln + " and " + rn + " are not of compatible types (" + std::string(type_name(lhs.type)) + ", " +
                      std::string(type_name(rhs.type)) + ")",
                  lhs.begin, rhs.end);
    }
    (void)op_tok;
    return true;
  }

  bool operand_index_ok(const operand& o) const {
    if (o.k == operand::kind::literal) return true;
    if (!o.f || !o.f->from_index) return false;
    if (o.f->is_proto) return false;  // presence is handled by the exists node
    return o.slices.empty();
  }

  int parse_test() {
    node n;
    if (!parse_operand(n.lhs, true)) return -1;
    const token op = cur_;
    cmp_op cop;
    switch (op.kind) {
      case tk::eq: cop = cmp_op::eq; break;
      case tk::ne: cop = cmp_op::ne; break;
      case tk::all_eq: cop = cmp_op::all_eq; break;
      case tk::any_ne: cop = cmp_op::any_ne; break;
      case tk::lt: cop = cmp_op::lt; break;
      case tk::le: cop = cmp_op::le; break;
      case tk::gt: cop = cmp_op::gt; break;
      case tk::ge: cop = cmp_op::ge; break;
      case tk::kw_contains: case tk::kw_matches: case tk::kw_in: case tk::kw_not:
        cop = cmp_op::eq;
        break;
      default: {
        // presence test
        if (n.lhs.k != operand::kind::field) {
          return fail("a function result must be compared with something", n.lhs.begin, n.lhs.end), -1;
        }
        n.k = nkind::exists;
        n.index_ok = n.lhs.f->from_index && n.lhs.slices.empty() && n.lhs.layer <= 1;
        if (n.lhs.f->name == "frame" && !n.lhs.slices.empty()) n.index_ok = false;
        return add_node(std::move(n));
      }
    }
    if (op.kind == tk::kw_not) {  // "not in"
      if (!advance()) return -1;
      if (cur_.kind != tk::kw_in) return unexpected("expected \"in\" after \"not\""), -1;
      int in = parse_in(std::move(n));
      if (in < 0) return -1;
      node neg;
      neg.k = nkind::not_;
      neg.a = in;
      return add_node(std::move(neg));
    }
    if (op.kind == tk::kw_in) return parse_in(std::move(n));
    if (!advance()) return -1;
    const std::string opname(s_.substr(op.begin, op.end - op.begin));
    if (op.kind == tk::kw_contains || op.kind == tk::kw_matches) {
      vtype lt = n.lhs.type;
      if (!(lt == vtype::bytes || lt == vtype::proto || lt == vtype::ether)) {
        return fail(std::string(n.lhs.f ? n.lhs.f->name : "value") + " (" + std::string(type_name(lt)) +
                        ") cannot be used with \"" + opname + "\"",
                    n.lhs.begin, op.end),
               -1;
      }
      if (!parse_operand(n.rhs, false)) return -1;
      if (n.rhs.k != operand::kind::literal) {
        return fail("the right side of \"" + opname + "\" must be a value, not a field", n.rhs.begin, n.rhs.end), -1;
      }
      if (op.kind == tk::kw_matches) {
        if (n.rhs.lit_kind != 2) return fail("\"matches\" needs a string (the regular expression)", n.rhs.begin, n.rhs.end), -1;
        auto re = std::make_unique<regex>();
        std::string rerr;
        std::size_t rpos = 0;
        if (!regex::compile(n.rhs.text, *re, rerr, rpos, true)) {
          return fail("invalid regular expression: " + rerr, n.rhs.begin, n.rhs.end), -1;
        }
        pr_.regexes.push_back(std::move(re));
        n.re = static_cast<int>(pr_.regexes.size() - 1);
        n.k = nkind::matches;
      } else {
        if (lt == vtype::ether && n.rhs.lit_kind == 2) {
          return fail("Ethernet address cannot be converted from a string (\"" + n.rhs.text + "\")", n.rhs.begin, n.rhs.end), -1;
        }
        if (!convert(n.rhs, vtype::bytes, n.lhs)) return -1;
        n.k = nkind::contains;
      }
      n.index_ok = false;
      return add_node(std::move(n));
    }
    // comparison
    if (!parse_operand(n.rhs, false)) return -1;
    if (n.lhs.type == vtype::proto && n.lhs.slices.empty() && n.lhs.k == operand::kind::field) {
      // comparing a whole protocol compares its header bytes
    }
    if (!resolve_pair(n.lhs, n.rhs, op)) return -1;
    n.k = nkind::compare;
    n.op = cop;
    n.index_ok = operand_index_ok(n.lhs) && operand_index_ok(n.rhs);
    if (n.rhs.k == operand::kind::literal) n.fast = fast_kind(n.lhs);
    return add_node(std::move(n));
  }

  int parse_in(node n) {
    token in_tok = cur_;
    if (!advance()) return -1;
    if (cur_.kind != tk::lbrace) return unexpected("expected \"{\" after \"in\""), -1;
    if (!advance()) return -1;
    while (true) {
      if (cur_.kind == tk::rbrace) return unexpected("expected a value (a set cannot be empty or end with \",\")"), -1;
      operand lo;
      if (!parse_operand(lo, false)) return -1;
      if (lo.k != operand::kind::literal) return fail("set members must be values", lo.begin, lo.end), -1;
      if (!convert(lo, n.lhs.type, n.lhs)) return -1;
      set_elem e;
      e.lo = lo.lit;
      if (cur_.kind == tk::dotdot) {
        if (!advance()) return -1;
        operand hi;
        if (!parse_operand(hi, false)) return -1;
        if (hi.k != operand::kind::literal) return fail("set members must be values", hi.begin, hi.end), -1;
        if (!convert(hi, n.lhs.type, n.lhs)) return -1;
        if (n.lhs.type == vtype::proto || n.lhs.type == vtype::ether || n.lhs.type == vtype::bytes) {
          // byte ranges compare length first, as Wireshark does
        }
        e.hi = hi.lit;
        e.range = true;
      }
      n.set.push_back(e);
      if (cur_.kind == tk::comma) {
        if (!advance()) return -1;
        continue;
      }
      if (cur_.kind == tk::rbrace) break;
      return unexpected("expected \",\" or \"}\" (set members are separated by commas)"), -1;
    }
    if (!advance()) return -1;
    (void)in_tok;
    n.k = nkind::in;
    n.index_ok = operand_index_ok(n.lhs);
    n.fast = fast_kind(n.lhs);
    return add_node(std::move(n));
  }

  std::string_view s_;
  lexer lex_;
  program& pr_;
  error& err_;
  token cur_;
  int depth_ = 0;
};

bool uses_bytes(const program& pr) {
  for (const auto& n : pr.nodes) {
    switch (n.k) {
      case nkind::exists: case nkind::compare: case nkind::in: case nkind::contains: case nkind::matches:
        if (!n.index_ok) return true;
        break;
      default: break;
    }
  }
  return false;
}

const char* op_name(cmp_op op) {
  switch (op) {
    case cmp_op::eq: return "==";
    case cmp_op::ne: return "!=";
    case cmp_op::all_eq: return "===";
    case cmp_op::any_ne: return "!==";
    case cmp_op::lt: return "<";
    case cmp_op::le: return "<=";
    case cmp_op::gt: return ">";
    case cmp_op::ge: return ">=";
  }
  return "?";
}

std::string describe_operand(const operand& o) {
  std::string s;
  switch (o.k) {
    case operand::kind::literal: s = std::string(type_name(o.lit.type)) + " " + o.text; break;
    case operand::kind::field: s = std::string(o.f->name); break;
    case operand::kind::fn_len: s = "len(" + std::string(o.f->name) + ")"; break;
    case operand::kind::fn_count: s = "count(" + std::string(o.f->name) + ")"; break;
    default: break;
  }
  if (o.layer) {
    s += '#';
    s += std::to_string(o.layer);
  }
  for (const auto& r : o.slices) {
    s += '[';
    s += std::to_string(r.start);
    s += ':';
    if (!r.to_end) s += std::to_string(r.len);
    s += ']';
  }
  return s;
}

void describe_node(const program& pr, int n, int depth, std::string& out) {
  const node& nd = pr.nodes[static_cast<std::size_t>(n)];
  out.append(static_cast<std::size_t>(depth) * 2, ' ');
  switch (nd.k) {
    case nkind::and_: out += "and\n"; break;
    case nkind::or_: out += "or\n"; break;
    case nkind::xor_: out += "xor\n"; break;
    case nkind::not_: out += "not\n"; break;
    case nkind::true_: out += "true\n"; return;
    case nkind::exists: out += "exists " + describe_operand(nd.lhs); break;
    case nkind::compare: out += describe_operand(nd.lhs) + " " + op_name(nd.op) + " " + describe_operand(nd.rhs); break;
    case nkind::in: out += describe_operand(nd.lhs) + " in {" + std::to_string(nd.set.size()) + " members}"; break;
    case nkind::contains: out += describe_operand(nd.lhs) + " contains " + describe_operand(nd.rhs); break;
    case nkind::matches: out += describe_operand(nd.lhs) + " matches " + describe_operand(nd.rhs); break;
  }
  if (nd.k == nkind::and_ || nd.k == nkind::or_ || nd.k == nkind::xor_ || nd.k == nkind::not_) {
    describe_node(pr, nd.a, depth + 1, out);
    if (nd.b >= 0) describe_node(pr, nd.b, depth + 1, out);
    return;
  }
  out += nd.index_ok ? "   [index]\n" : "\n";
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------

index_row row_from_index(const index::packet_index& ix, std::size_t i) noexcept {
  index_row r;
  r.number = i + 1;
  r.ts_ns = ix.ts_ns[i];
  r.has_timestamp = !(ix.flags[i] & index::flag_no_timestamp);
  r.caplen = ix.caplen[i];
  r.origlen = ix.origlen[i];
  r.top = static_cast<dissect::proto>(ix.top[i]);
  r.reassembled = (ix.flags[i] & index::flag_reassembled) != 0;
  return r;
}

filter::filter() : prog_(std::make_unique<program>()) {
  prog_->root = 0;
  prog_->nodes.emplace_back();
}
filter::~filter() = default;
filter::filter(filter&&) noexcept = default;
filter& filter::operator=(filter&&) noexcept = default;

bool filter::compile(std::string_view expr, filter& out, error& err) {
  auto pr = std::make_unique<program>();
  pr->text = std::string(expr);
  err = error{};
  parser p(pr->text, *pr, err);
  if (!p.run()) {
    out = filter();
    out.prog_->text = std::string(expr);
    return false;
  }
  pr->needs_bytes = uses_bytes(*pr);
  out.prog_ = std::move(pr);
  return true;
}

bool filter::matches(const dissect::packet& p, const dissect::frame_meta& m, util::bytes data) const noexcept {
  const program& pr = *prog_;
  if (!pr.has_origin) {
    pr.origin = m.ts_ns;
    pr.has_origin = true;
  }
  context c;
  c.pkt = &p;
  c.meta = &m;
  c.data = data;
  c.origin = pr.origin;
  return eval(pr, pr.root, c);
}

verdict filter::matches_index(const index_row& r) const noexcept {
  const program& pr = *prog_;
  if (!pr.has_origin) {
    pr.origin = r.ts_ns;
    pr.has_origin = true;
  }
  dissect::frame_meta m = meta_of(r);
  context c;
  c.meta = &m;
  c.origin = pr.origin;
  return eval_index(pr, pr.root, c, r);
}

void filter::select_index(const index::packet_index& ix, std::size_t start, std::size_t count, verdict* out,
                          const flow::flow_tracker* flows) const {
  const program& pr = *prog_;
  if (start >= ix.size()) return;
  count = std::min(count, ix.size() - start);
  if (!pr.has_origin && count > 0) {
    pr.origin = ix.ts_ns[start];
    pr.has_origin = true;
  }
  std::deque<std::array<std::uint8_t, block_rows>> pool;
  if (flows && (pr.per_flow_table != flows || pr.per_flow_size != flows->size())) {
    pr.per_flow.clear();
    pr.per_flow_table = flows;
    pr.per_flow_size = flows->size();
  }
  std::array<std::uint8_t, block_rows> bits;
  for (std::size_t done = 0; done < count;) {
    std::size_t n = std::min(block_rows, count - done);
    block_ctx b{ix, start + done, n, pr.origin, flows, &pr.per_flow, pool};
    eval_block(pr, pr.root, b, 0, bits.data());
    for (std::size_t i = 0; i < n; ++i) {
      out[done + i] = bits[i] == bit_yes ? verdict::yes : bits[i] == bit_no ? verdict::no : verdict::unknown;
    }
    done += n;
  }
}

bool filter::needs_bytes() const noexcept { return prog_->needs_bytes; }

void filter::set_time_origin(std::int64_t ts_ns) noexcept {
  prog_->origin = ts_ns;
  prog_->has_origin = true;
}

const std::string& filter::text() const noexcept { return prog_->text; }

std::string filter::describe() const {
  std::string out;
  describe_node(*prog_, prog_->root, 0, out);
  return out;
}

const std::vector<std::string_view>& filter_fields() {
  static const std::vector<std::string_view> names = [] {
    std::vector<std::string_view> v;
    for (const auto& f : field_table()) v.push_back(f.name);
    return v;
  }();
  return names;
}

}  // namespace pcapscope::filter
