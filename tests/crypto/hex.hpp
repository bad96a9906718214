// Hex helpers for the crypto and QUIC tests (test vectors are written as hex strings).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "pcapscope/util/bytes.hpp"

namespace pcapscope::test {

/// Decodes hex digits, skipping spaces and newlines (RFC layouts paste as they are).
inline std::vector<std::uint8_t> from_hex(std::string_view s) {
  std::vector<std::uint8_t> out;
  int hi = -1;
  for (char c : s) {
    int v;
    if (c >= '0' && c <= '9') v = c - '0';
    else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
    else continue;
    if (hi < 0) {
      hi = v;
    } else {
      out.push_back(static_cast<std::uint8_t>(hi * 16 + v));
      hi = -1;
    }
  }
  return out;
}

/// Lower-case hex of `b`.
inline std::string to_hex(util::bytes b) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  for (auto x : b) {
    s += digits[x >> 4];
    s += digits[x & 15];
  }
  return s;
}

/// Views a string's characters as bytes.
inline util::bytes str_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

}  // namespace pcapscope::test
