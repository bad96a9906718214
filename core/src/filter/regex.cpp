// Regex parser (pattern → small AST), Thompson compiler (AST → VM program) and Pike VM search.
#include "pcapscope/filter/regex.hpp"

#include <memory>

namespace pcapscope::filter {

namespace {

enum op : std::uint8_t { op_char, op_class, op_split, op_jmp, op_assert, op_match };

enum assertion : std::uint8_t {
  as_bol,        // ^ without (?m): start of text
  as_mbol,       // ^ with (?m): start of text or after \n
  as_eol,        // $ without (?m), \Z: end of text or before a final \n
  as_meol,       // $ with (?m): end of text or before any \n
  as_text_start,  // \A
  as_text_end,    // \z
  as_word,        // \b
  as_not_word,    // \B
};

using byte_set = std::array<std::uint64_t, 4>;

void set_add(byte_set& s, unsigned c) { s[c >> 6] |= std::uint64_t{1} << (c & 63); }
bool set_has(const byte_set& s, unsigned c) { return (s[c >> 6] >> (c & 63)) & 1; }

bool is_word(unsigned c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

struct flags {
  bool i = false, s = false, m = false, x = false;
};

// AST node kinds.
enum class nk : std::uint8_t { empty, set, cat, alt, repeat, assert_ };

struct node {
  nk kind = nk::empty;
  byte_set set{};
  std::uint8_t assertion = 0;
  int min = 0, max = 0;  // repeat; max -1 = unbounded
  std::vector<std::unique_ptr<node>> kids;
};

using node_ptr = std::unique_ptr<node>;

}  // namespace

struct regex_compiler {
  std::string_view p;
  std::size_t pos = 0;
  std::string err;
  std::size_t err_pos = 0;
  int depth = 0;

  bool fail(std::string m, std::size_t at) {
    if (err.empty()) {
      err = std::move(m);
      err_pos = at;
    }
    return false;
  }
  bool at_end() const { return pos >= p.size(); }
  char peek() const { return at_end() ? '\0' : p[pos]; }

  static node_ptr make(nk k) {
    auto n = std::make_unique<node>();
    n->kind = k;
    return n;
  }

  static void add_char(byte_set& s, unsigned c, bool ci) {
    set_add(s, c);
    if (ci) {
      if (c >= 'a' && c <= 'z') set_add(s, c - 32);
      else if (c >= 'A' && c <= 'Z') set_add(s, c + 32);
    }
  }

  static void add_class_escape(byte_set& s, char e) {
    byte_set t{};
    char lower = static_cast<char>(e | 0x20);
    for (unsigned c = 0; c < 256; ++c) {
      bool in = false;
      if (lower == 'd') in = c >= '0' && c <= '9';
      else if (lower == 'w') in = is_word(c);
      else if (lower == 's') in = c == ' ' || (c >= '\t' && c <= '\r');
      if (in) set_add(t, c);
    }
    bool negate = e >= 'A' && e <= 'Z';
    for (int k = 0; k < 4; ++k) s[k] |= negate ? ~t[k] : t[k];
  }

  static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  // Parses the escape after a backslash that stands for one byte; -1 when it is not such an escape.
  int byte_escape(char e) {
    switch (e) {
      case 'n': return '\n';
      case 't': return '\t';
      case 'r': return '\r';
      case 'f': return '\f';
      case 'v': return '\v';
      case 'e': return 0x1b;
      case 'a': return 0x07;
      case '0': {
        int v = 0;
        for (int k = 0; k < 2 && pos < p.size() && p[pos] >= '0' && p[pos] <= '7'; ++k) v = v * 8 + (p[pos++] - '0');
        return v;
      }
      case 'x': {
        int v = 0;
        if (peek() == '{') {
          std::size_t start = pos++;
          int digits = 0;
          while (!at_end() && hexval(peek()) >= 0) {
            v = v * 16 + hexval(p[pos++]);
            if (++digits > 2 || v > 0xff) return fail("\\x{…} above ff is not supported (byte-oriented matcher)", start), -2;
          }
          if (peek() != '}' || digits == 0) return fail("malformed \\x{…} escape", start), -2;
          ++pos;
          return v;
        }
        for (int k = 0; k < 2 && hexval(peek()) >= 0; ++k) v = v * 16 + hexval(p[pos++]);
        return v;
      }
      default: break;
    }
    if ((e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z') || (e >= '0' && e <= '9')) return -1;
    return static_cast<unsigned char>(e);  // escaped punctuation is literal
  }

  node_ptr parse_class(const flags& f) {
    std::size_t start = pos;  // at '['
    ++pos;
    bool negate = false;
    if (peek() == '^') {
      negate = true;
      ++pos;
    }
    byte_set s{};
    bool first = true;
    while (true) {
      if (at_end()) return fail("missing ] to end the character class", start), nullptr;
      char c = p[pos];
      if (c == ']' && !first) {
        ++pos;
        break;
      }
      first = false;
      int lo;
      if (c == '[' && pos + 1 < p.size() && p[pos + 1] == ':') {
        auto close = p.find(":]", pos + 2);
        if (close == std::string_view::npos) return fail("unterminated POSIX class", pos), nullptr;
        auto name = p.substr(pos + 2, close - pos - 2);
        bool neg = !name.empty() && name[0] == '^';
        if (neg) name.remove_prefix(1);
        byte_set t{};
        bool known = true;
        for (unsigned ch = 0; ch < 256; ++ch) {
          bool in;
          bool alpha = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
          bool digit = ch >= '0' && ch <= '9';
          if (name == "alpha") in = alpha;
          else if (name == "digit") in = digit;
          else if (name == "alnum") in = alpha || digit;
          else if (name == "upper") in = (ch >= 'A' && ch <= 'Z') || (f.i && ch >= 'a' && ch <= 'z');
          else if (name == "lower") in = (ch >= 'a' && ch <= 'z') || (f.i && ch >= 'A' && ch <= 'Z');
          else if (name == "space") in = ch == ' ' || (ch >= '\t' && ch <= '\r');
          else if (name == "blank") in = ch == ' ' || ch == '\t';
          else if (name == "punct") in = ch > 32 && ch < 127 && !alpha && !digit;
          else if (name == "xdigit") in = hexval(static_cast<char>(ch)) >= 0;
          else if (name == "word") in = is_word(ch);
          else if (name == "print") in = ch >= 32 && ch < 127;
          else if (name == "graph") in = ch > 32 && ch < 127;
          else if (name == "cntrl") in = ch < 32 || ch == 127;
          else if (name == "ascii") in = ch < 128;
          else {
            known = false;
            break;
          }
          if (in != neg) set_add(t, ch);
        }
        if (!known) return fail("unknown POSIX class [:" + std::string(name) + ":]", pos), nullptr;
        for (int k = 0; k < 4; ++k) s[k] |= t[k];
        pos = close + 2;
        continue;
      }
      if (c == '\\') {
        std::size_t at = pos;
        ++pos;
        if (at_end()) return fail("\\ at end of pattern", at), nullptr;
        char e = p[pos++];
        if (e == 'd' || e == 'D' || e == 'w' || e == 'W' || e == 's' || e == 'S') {
          add_class_escape(s, e);
          continue;
        }
        if (e == 'b') lo = 0x08;
        else {
          lo = byte_escape(e);
          if (lo == -2) return nullptr;
          if (lo < 0) return fail(std::string("unsupported escape \\") + e + " in a class", at), nullptr;
        }
      } else {
        lo = static_cast<unsigned char>(c);
        ++pos;
      }
      int hi = lo;
      if (peek() == '-' && pos + 1 < p.size() && p[pos + 1] != ']') {
        std::size_t at = pos;
        ++pos;
        char c2 = p[pos];
        if (c2 == '\\') {
          ++pos;
          if (at_end()) return fail("\\ at end of pattern", pos - 1), nullptr;
          hi = byte_escape(p[pos++]);
          if (hi == -2) return nullptr;
          if (hi < 0) return fail("invalid range end in a class", at), nullptr;
        } else {
          hi = static_cast<unsigned char>(c2);
          ++pos;
        }
        if (hi < lo) return fail("range out of order in character class", at), nullptr;
      }
      for (int ch = lo; ch <= hi; ++ch) add_char(s, static_cast<unsigned>(ch), f.i);
    }
    if (negate) {
      for (auto& w : s) w = ~w;
    }
    auto n = make(nk::set);
    n->set = s;
    return n;
  }

  void skip_extended(const flags& f) {
    if (!f.x) return;
    while (!at_end()) {
      char c = peek();
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') ++pos;
      else if (c == '#') {
        while (!at_end() && peek() != '\n') ++pos;
      } else break;
    }
  }

  // Parses "imsx-imsx" flag letters at pos; stops at ')' or ':'.
  bool parse_flags(flags& f) {
    bool on = true;
    while (!at_end() && peek() != ')' && peek() != ':') {
      char c = p[pos];
      if (c == '-') on = false;
      else if (c == 'i') f.i = on;
      else if (c == 's') f.s = on;
      else if (c == 'm') f.m = on;
      else if (c == 'x') f.x = on;
      else if (c == 'n' || c == 'U' || c == 'J') {
        // no capture groups / ungreedy / dup names: irrelevant to match/no match
      } else return fail(std::string("unsupported flag (?") + c + ")", pos);
      ++pos;
    }
    return true;
  }

  node_ptr parse_atom(flags& f) {
    std::size_t at = pos;
    char c = p[pos];
    if (c == '(') {
      ++pos;
      if (++depth > 200) return fail("groups nested too deeply", at), nullptr;
      flags inner = f;
      if (peek() == '?') {
        ++pos;
        char k = peek();
        if (k == ':') {
          ++pos;
        } else if (k == '=' || k == '!' || (k == '<' && pos + 1 < p.size() && (p[pos + 1] == '=' || p[pos + 1] == '!'))) {
          return fail("lookaround assertions are not supported", at), nullptr;
        } else if (k == '>') {
          return fail("atomic groups are not supported", at), nullptr;
        } else if (k == '<' || k == 'P' || k == '\'') {
          // named group: skip the name
          if (k == 'P') ++pos;
          char close = peek() == '\'' ? '\'' : '>';
          auto end = p.find(close, pos + 1);
          if (end == std::string_view::npos) return fail("unterminated group name", at), nullptr;
          pos = end + 1;
        } else {
          if (!parse_flags(inner)) return nullptr;
          if (peek() == ')') {  // (?i): applies to the rest of the enclosing group
            ++pos;
            --depth;
            f = inner;
            return make(nk::empty);
          }
          if (peek() != ':') return fail("malformed (? group", at), nullptr;
          ++pos;
        }
      }
      auto n = parse_alt(inner);
      if (!n) return nullptr;
      if (peek() != ')') return fail("missing ) to close the group", at), nullptr;
      ++pos;
      --depth;
      return n;
    }
    if (c == '[') return parse_class(f);
    if (c == '.') {
      ++pos;
      auto n = make(nk::set);
      for (auto& w : n->set) w = ~std::uint64_t{0};
      if (!f.s) n->set[0] &= ~(std::uint64_t{1} << '\n');
      return n;
    }
    if (c == '^' || c == '$') {
      ++pos;
      auto n = make(nk::assert_);
      n->assertion = c == '^' ? (f.m ? as_mbol : as_bol) : (f.m ? as_meol : as_eol);
      return n;
    }
    if (c == ')') return fail("unmatched )", at), nullptr;
    if (c == '*' || c == '+' || c == '?') return fail("quantifier does not follow a repeatable item", at), nullptr;
    int b;
    if (c == '\\') {
      ++pos;
      if (at_end()) return fail("\\ at end of pattern", at), nullptr;
      char e = p[pos++];
      if (e == 'd' || e == 'D' || e == 'w' || e == 'W' || e == 's' || e == 'S') {
        auto n = make(nk::set);
        add_class_escape(n->set, e);
        return n;
      }
      if (e == 'b' || e == 'B' || e == 'A' || e == 'z' || e == 'Z' || e == 'G') {
        if (e == 'G') return fail("\\G is not supported", at), nullptr;
        auto n = make(nk::assert_);
        n->assertion = e == 'b' ? as_word : e == 'B' ? as_not_word : e == 'A' ? as_text_start
                     : e == 'z' ? as_text_end : as_eol;
        return n;
      }
      if (e >= '1' && e <= '9') return fail("backreferences are not supported", at), nullptr;
      if (e == 'Q') {  // \Q…\E literal run
        auto n = make(nk::cat);
        while (!at_end() && !(p[pos] == '\\' && pos + 1 < p.size() && p[pos + 1] == 'E')) {
          auto l = make(nk::set);
          add_char(l->set, static_cast<unsigned char>(p[pos++]), f.i);
          n->kids.push_back(std::move(l));
        }
        if (!at_end()) pos += 2;
        return n;
      }
      if (e == 'E') return make(nk::empty);
      b = byte_escape(e);
      if (b == -2) return nullptr;
      if (b < 0) return fail(std::string("unsupported escape \\") + e, at), nullptr;
    } else {
      b = static_cast<unsigned char>(c);
      ++pos;
    }
    auto n = make(nk::set);
    add_char(n->set, static_cast<unsigned>(b), f.i);
    return n;
  }

  // Reads a decimal number at pos (returns -1 when none).
  int number() {
    if (at_end() || peek() < '0' || peek() > '9') return -1;
    long v = 0;
    while (!at_end() && peek() >= '0' && peek() <= '9') {
      v = v * 10 + (p[pos++] - '0');
      if (v > 100000) v = 100000;
    }
    return static_cast<int>(v);
  }

  node_ptr parse_seq(flags& f) {
    auto seq = make(nk::cat);
    while (true) {
      skip_extended(f);
      if (at_end() || peek() == '|' || peek() == ')') break;
      auto a = parse_atom(f);
      if (!a) return nullptr;
      // quantifiers
      while (true) {
        skip_extended(f);
        if (at_end()) break;
        std::size_t at = pos;
        char q = peek();
        int mn, mx;
        if (q == '*') {
          mn = 0, mx = -1;
          ++pos;
        } else if (q == '+') {
          mn = 1, mx = -1;
          ++pos;
        } else if (q == '?') {
          mn = 0, mx = 1;
          ++pos;
        } else if (q == '{') {
          std::size_t save = pos++;
          mn = number();
          if (mn < 0) {
            pos = save;  // a literal '{' (as PCRE)
            break;
          }
          mx = mn;
          if (peek() == ',') {
            ++pos;
            mx = number();
          }
          if (peek() != '}') {
            pos = save;
            break;
          }
          ++pos;
          if (mx >= 0 && mx < mn) return fail("numbers out of order in {} quantifier", at), nullptr;
          if (mn > 1000 || mx > 1000) return fail("repeat count above 1000", at), nullptr;
        } else break;
        if (a->kind == nk::assert_ || a->kind == nk::empty) {
          // quantified assertion: same as the assertion when min > 0, else nothing
          if (mn == 0) a = make(nk::empty);
        } else {
          auto r = make(nk::repeat);
          r->min = mn;
          r->max = mx;
          r->kids.push_back(std::move(a));
          a = std::move(r);
        }
        if (peek() == '?') ++pos;  // lazy: same match/no match
        else if (peek() == '+') return fail("possessive quantifiers are not supported", pos), nullptr;
      }
      seq->kids.push_back(std::move(a));
    }
    return seq;
  }

  node_ptr parse_alt(flags& f) {
    auto first = parse_seq(f);
    if (!first) return nullptr;
    if (peek() != '|') return first;
    auto alt = make(nk::alt);
    alt->kids.push_back(std::move(first));
    while (peek() == '|') {
      ++pos;
      auto next = parse_seq(f);
      if (!next) return nullptr;
      alt->kids.push_back(std::move(next));
    }
    return alt;
  }

  // ---- code generation ----
  regex* out = nullptr;

  bool emit(std::uint8_t o, std::uint8_t arg = 0, std::uint32_t x = 0, std::uint32_t y = 0) {
    if (out->prog_.size() >= regex::max_instructions) return fail("pattern too large", 0);
    out->prog_.push_back({o, arg, x, y});
    return true;
  }
  std::uint32_t here() const { return static_cast<std::uint32_t>(out->prog_.size()); }

  bool gen(const node& n) {
    switch (n.kind) {
      case nk::empty: return true;
      case nk::assert_: return emit(op_assert, n.assertion);
      case nk::set: {
        int count = 0, only = -1;
        for (unsigned c = 0; c < 256; ++c) {
          if (set_has(n.set, c)) {
            ++count;
            only = static_cast<int>(c);
          }
        }
        if (count == 1) return emit(op_char, static_cast<std::uint8_t>(only));
        if (out->classes_.size() > regex::max_instructions) return fail("pattern too large", 0);
        out->classes_.push_back(n.set);
        return emit(op_class, 0, static_cast<std::uint32_t>(out->classes_.size() - 1));
      }
      case nk::cat:
        for (const auto& k : n.kids) {
          if (!gen(*k)) return false;
        }
        return true;
      case nk::alt: {
        // SPLIT L1, next; L1: a; JMP end; next: SPLIT …
        std::vector<std::uint32_t> jumps;
        for (std::size_t i = 0; i < n.kids.size(); ++i) {
          bool last = i + 1 == n.kids.size();
          std::uint32_t split = here();
          if (!last && !emit(op_split)) return false;
          if (!last) out->prog_[split].x = here();
          if (!gen(*n.kids[i])) return false;
          if (!last) {
            jumps.push_back(here());
            if (!emit(op_jmp)) return false;
            out->prog_[split].y = here();
          }
        }
        for (auto j : jumps) out->prog_[j].x = here();
        return true;
      }
      case nk::repeat: {
        const node& a = *n.kids[0];
        for (int k = 0; k < n.min; ++k) {
          if (!gen(a)) return false;
        }
        if (n.max < 0) {
          // L: SPLIT body, end; body: a; JMP L; end:
          std::uint32_t l = here();
          if (!emit(op_split)) return false;
          out->prog_[l].x = here();
          if (!gen(a)) return false;
          if (!emit(op_jmp, 0, l)) return false;
          out->prog_[l].y = here();
          return true;
        }
        // optional copies: SPLIT body, end; body: a; … nested
        std::vector<std::uint32_t> splits;
        for (int k = n.min; k < n.max; ++k) {
          std::uint32_t s = here();
          if (!emit(op_split)) return false;
          out->prog_[s].x = here();
          splits.push_back(s);
          if (!gen(a)) return false;
        }
        for (auto s : splits) out->prog_[s].y = here();
        return true;
      }
    }
    return false;
  }
};

bool regex::compile(std::string_view pattern, regex& out, std::string& error, std::size_t& error_pos,
                    bool case_insensitive) {
  regex_compiler c;
  c.p = pattern;
  flags f;
  f.i = case_insensitive;
  auto root = c.parse_alt(f);
  if (root && !c.at_end()) c.fail("unmatched )", c.pos);
  regex r;
  c.out = &r;
  if (root && c.err.empty()) {
    if (c.gen(*root)) c.emit(op_match);
  }
  if (!c.err.empty()) {
    error = c.err;
    error_pos = c.err_pos;
    return false;
  }
  std::size_t n = r.prog_.size();
  for (int k = 0; k < 2; ++k) {
    r.dense_[k].assign(n, 0);
    r.sparse_[k].assign(n, 0);
  }
  r.stack_.assign(2 * n + 2, 0);
  out = std::move(r);
  return true;
}

bool regex::search(util::bytes text) const noexcept {
  const std::size_t n = prog_.size();
  if (n == 0) return false;
  std::uint32_t counts[2] = {0, 0};
  int cur = 0;
  const std::size_t len = text.size();
  // Whether the program can only match at the start of the text.
  const bool anchored = prog_[0].op == op_assert && (prog_[0].arg == as_bol || prog_[0].arg == as_text_start);

  auto holds = [&](std::uint8_t a, std::size_t pos) {
    switch (a) {
      case as_bol: case as_text_start: return pos == 0;
      case as_mbol: return pos == 0 || text[pos - 1] == '\n';
      case as_eol: return pos == len || (pos + 1 == len && text[pos] == '\n');
      case as_meol: return pos == len || text[pos] == '\n';
      case as_text_end: return pos == len;
      case as_word:
      case as_not_word: {
        bool before = pos > 0 && is_word(text[pos - 1]);
        bool after = pos < len && is_word(text[pos]);
        return (before != after) == (a == as_word);
      }
      default: return false;
    }
  };

  // Adds the thread at `pc` (following jumps, splits and assertions) to list `k`; true on MATCH.
  auto add = [&](int k, std::uint32_t pc0, std::size_t pos) {
    auto& dense = dense_[k];
    auto& sparse = sparse_[k];
    std::uint32_t& count = counts[k];
    std::size_t sp = 0;
    stack_[sp++] = pc0;
    bool matched = false;
    while (sp) {
      std::uint32_t pc = stack_[--sp];
      std::uint32_t s = sparse[pc];
      if (s < count && dense[s] == pc) continue;
      sparse[pc] = count;
      dense[count++] = pc;
      const inst& in = prog_[pc];
      switch (in.op) {
        case op_jmp: stack_[sp++] = in.x; break;
        case op_split:
          stack_[sp++] = in.y;
          stack_[sp++] = in.x;
          break;
        case op_assert:
          if (holds(in.arg, pos)) stack_[sp++] = pc + 1;
          break;
        case op_match: matched = true; break;
        default: break;
      }
    }
    return matched;
  };

  for (std::size_t pos = 0;; ++pos) {
    if ((!anchored || pos == 0) && add(cur, 0, pos)) return true;
    if (pos == len) return false;
    if (counts[cur] == 0) {
      if (anchored) return false;
      continue;
    }
    const std::uint8_t c = text[pos];
    int nxt = cur ^ 1;
    counts[nxt] = 0;
    for (std::uint32_t i = 0; i < counts[cur]; ++i) {
      const inst& in = prog_[dense_[cur][i]];
      bool step = (in.op == op_char && in.arg == c) ||
                  (in.op == op_class && set_has(classes_[in.x], c));
      if (step && add(nxt, dense_[cur][i] + 1, pos + 1)) return true;
    }
    counts[cur] = 0;
    cur = nxt;
  }
}

}  // namespace pcapscope::filter
