// Byte views and a bounds-checked cursor: the only place that turns raw bytes into integers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>

namespace pcapscope::util {

/// A read-only view over bytes; everything that parses input takes one of these.
using bytes = std::span<const std::uint8_t>;

/// Loads a 16-bit unsigned integer stored little-endian (`swap == false` on a little-endian
/// host) or in the opposite order. The caller guarantees two readable bytes.
inline std::uint16_t load_u16(const std::uint8_t* p, bool swap) noexcept {
  std::uint16_t v;
  std::memcpy(&v, p, sizeof v);
  return swap ? __builtin_bswap16(v) : v;
}

/// Loads a 32-bit unsigned integer in host order, byte-swapped when `swap` is set.
inline std::uint32_t load_u32(const std::uint8_t* p, bool swap) noexcept {
  std::uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return swap ? __builtin_bswap32(v) : v;
}

/// Loads a 64-bit unsigned integer in host order, byte-swapped when `swap` is set.
inline std::uint64_t load_u64(const std::uint8_t* p, bool swap) noexcept {
  std::uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return swap ? __builtin_bswap64(v) : v;
}

/// Loads a big-endian (network order) 16-bit value.
inline std::uint16_t load_be16(const std::uint8_t* p) noexcept {
  return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}

/// Loads a big-endian (network order) 32-bit value.
inline std::uint32_t load_be32(const std::uint8_t* p) noexcept {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}

/// A cursor over a byte view that never reads out of bounds: a read past the end returns zero,
/// leaves the position at the end and sets `failed()`, so parsers check once after a group of
/// reads instead of before each one.
class cursor {
 public:
  /// Starts at the beginning of `data`; `swap` selects the byte order of multi-byte reads.
  explicit cursor(bytes data, bool swap = false) noexcept : data_(data), swap_(swap) {}

  /// Bytes not yet consumed.
  std::size_t remaining() const noexcept { return data_.size() - pos_; }
  /// Offset of the next byte to read, relative to the start of the view.
  std::size_t position() const noexcept { return pos_; }
  /// True once any read or skip went past the end.
  bool failed() const noexcept { return failed_; }
  /// True when every byte was consumed and nothing failed.
  bool at_end() const noexcept { return pos_ == data_.size(); }

  /// Reads one byte.
  std::uint8_t u8() noexcept {
    if (!need(1)) return 0;
    return data_[pos_++];
  }
  /// Reads a 16-bit integer in the cursor's byte order.
  std::uint16_t u16() noexcept {
    if (!need(2)) return 0;
    auto v = load_u16(data_.data() + pos_, swap_);
    pos_ += 2;
    return v;
  }
  /// Reads a 32-bit integer in the cursor's byte order.
  std::uint32_t u32() noexcept {
    if (!need(4)) return 0;
    auto v = load_u32(data_.data() + pos_, swap_);
    pos_ += 4;
    return v;
  }
  /// Reads a 64-bit integer in the cursor's byte order.
  std::uint64_t u64() noexcept {
    if (!need(8)) return 0;
    auto v = load_u64(data_.data() + pos_, swap_);
    pos_ += 8;
    return v;
  }
  /// Returns the next `n` bytes as a view and advances past them (empty view on failure).
  bytes take(std::size_t n) noexcept {
    if (!need(n)) return {};
    auto v = data_.subspan(pos_, n);
    pos_ += n;
    return v;
  }
  /// Advances `n` bytes.
  void skip(std::size_t n) noexcept {
    if (need(n)) pos_ += n;
  }

 private:
  bool need(std::size_t n) noexcept {
    if (n <= data_.size() - pos_) return true;
    pos_ = data_.size();
    failed_ = true;
    return false;
  }

  bytes data_;
  std::size_t pos_ = 0;
  bool swap_ = false;
  bool failed_ = false;
};

/// 128-bit unsigned arithmetic for exact timestamp conversions (GCC/Clang, also on wasm32).
__extension__ typedef unsigned __int128 uint128;

/// Views bytes as characters (for string fields inside captures).
inline std::string_view as_chars(bytes b) noexcept {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

/// True when this host stores integers little-endian.
constexpr bool host_is_little_endian() noexcept {
  return __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__;
}

}  // namespace pcapscope::util
