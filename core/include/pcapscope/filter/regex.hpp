// A small regular-expression matcher for the display filter's `matches`: a Thompson NFA run as a
// Pike VM, so time is O(pattern × text) whatever the pattern (no catastrophic backtracking).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "pcapscope/util/bytes.hpp"

namespace pcapscope::filter {

/// A compiled regular expression (PCRE-like syntax subset, byte-oriented, ASCII case folding).
///
/// Supported: literals and escapes (`\.` `\\` `\n` `\t` `\r` `\f` `\v` `\e` `\xhh` `\x{hh}`
/// `\0oo`), `.`, classes `[a-z]`, `[^…]`, `\d \D \w \W \s \S` (also inside classes), POSIX
/// classes `[[:alpha:]]` etc., anchors `^ $ \A \z \Z \b \B`, groups `(…)`, `(?:…)`, alternation
/// `|`, quantifiers `* + ? {n} {n,} {n,m}` (lazy `?` suffix accepted: only match/no match is
/// computed), flags `(?i)`, `(?-i)`, `(?s)`, `(?m)`, `(?x)` … at any point and scoped `(?i:…)`.
/// Not supported (compile error): backreferences, lookaround, possessive quantifiers, atomic
/// groups, Unicode properties.
class regex {
 public:
  /// Compiles `pattern`. `case_insensitive` is the initial state of the `i` flag (Wireshark 4.0's
  /// `matches` is case-insensitive unless the pattern says `(?-i)`). On failure returns false
  /// with `error` set and `error_pos` the byte offset in the pattern.
  static bool compile(std::string_view pattern, regex& out, std::string& error, std::size_t& error_pos,
                      bool case_insensitive = true);

  /// True when the pattern matches anywhere in `text`. Never allocates (scratch space is sized
  /// at compile time); not safe to call on one object from several threads at once.
  bool search(util::bytes text) const noexcept;
  /// Convenience overload for characters.
  bool search(std::string_view text) const noexcept {
    return search(util::bytes(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
  }

  /// Number of VM instructions (for tests and limits).
  std::size_t size() const noexcept { return prog_.size(); }

  /// Upper bound on instructions; larger patterns (e.g. big counted repetitions) are refused.
  static constexpr std::size_t max_instructions = 20000;

  /// One VM instruction (public for the compiler in regex.cpp; not part of the API).
  struct inst {
    std::uint8_t op;
    std::uint8_t arg;      ///< byte for `op_char`, assertion kind for `op_assert`
    std::uint32_t x = 0;   ///< jump target / first branch / class index
    std::uint32_t y = 0;   ///< second branch
  };

 private:
  std::vector<inst> prog_;
  std::vector<std::array<std::uint64_t, 4>> classes_;  ///< 256-bit byte sets
  // Pike VM scratch (sparse sets of program counters and an explicit stack).
  mutable std::vector<std::uint32_t> dense_[2], sparse_[2], stack_;
  friend struct regex_compiler;
};

}  // namespace pcapscope::filter
