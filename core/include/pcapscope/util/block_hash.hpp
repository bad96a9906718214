// What MD5, SHA-1 and SHA-256 share: 64-byte blocks fed from any split of the input (whole
// blocks straight from the caller's bytes, the rest buffered) and the final padding (0x80,
// zeros, the message length in bits). Each hash supplies only its block function.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>

#include "pcapscope/util/bytes.hpp"

namespace pcapscope::util {

/// Buffering and padding of a Merkle–Damgård hash with 64-byte blocks.
class block_buffer {
 public:
  /// Forgets everything fed so far.
  void reset() noexcept {
    total_ = 0;
    used_ = 0;
  }

  /// Feeds bytes; `block(const std::uint8_t*)` is called once per complete 64-byte block.
  template <typename Block>
  void update(bytes data, Block&& block) noexcept {
    if (data.empty()) return;  // an empty span may have a null pointer, which memcpy must not see
    total_ += data.size();
    std::size_t i = 0;
    if (used_ > 0) {
      std::size_t n = std::min(data.size(), 64 - used_);
      std::memcpy(buf_.data() + used_, data.data(), n);
      used_ += n;
      i = n;
      if (used_ < 64) return;
      block(buf_.data());
      used_ = 0;
    }
    for (; i + 64 <= data.size(); i += 64) block(data.data() + i);
    if (i < data.size()) {
      used_ = data.size() - i;
      std::memcpy(buf_.data(), data.data() + i, used_);
    }
  }

  /// Pads (0x80, zeros, the bit length in 8 bytes: big-endian for SHA, little-endian for MD5)
  /// and hashes the last block or two.
  template <typename Block>
  void finish(bool big_endian_length, Block&& block) noexcept {
    const std::uint64_t bits = total_ * 8;
    std::uint8_t pad[72] = {0x80};
    const std::size_t padlen = used_ < 56 ? 56 - used_ : 120 - used_;
    for (std::size_t k = 0; k < 8; ++k) {
      pad[padlen + k] = static_cast<std::uint8_t>(bits >> (big_endian_length ? 56 - 8 * k : 8 * k));
    }
    update(bytes(pad, padlen + 8), block);
  }

 private:
  std::array<std::uint8_t, 64> buf_{};
  std::uint64_t total_ = 0;
  std::size_t used_ = 0;
};

}  // namespace pcapscope::util
