// pcapng option walking (private to the capture readers and writers).
#pragma once

#include <cstdint>

#include "pcapscope/util/bytes.hpp"

namespace pcapscope::capture {

inline constexpr std::uint16_t opt_endofopt = 0;
inline constexpr std::uint16_t opt_comment = 1;

/// Calls `fn(code, value)` for each option in `opts` (stopping at opt_endofopt). Returns false
/// when an option runs past the end of `opts` (the options before it were still visited).
template <class Fn>
bool for_each_option(util::bytes opts, bool swap, Fn&& fn) {
  util::cursor c(opts, swap);
  while (c.remaining() >= 4) {
    std::uint16_t code = c.u16();
    std::uint16_t len = c.u16();
    if (code == opt_endofopt) return true;
    std::size_t padded = (std::size_t{len} + 3u) & ~std::size_t{3};
    if (len > c.remaining()) return false;
    auto value = c.take(len);
    fn(code, value);
    // Padding may be missing after the last option; tolerate that.
    c.skip(padded - len <= c.remaining() ? padded - len : c.remaining());
  }
  return c.remaining() == 0;
}

}  // namespace pcapscope::capture
