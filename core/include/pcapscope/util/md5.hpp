// MD5 (RFC 1321), small and allocation-free: the JA3 / JA3S fingerprints are MD5 hex digests.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "pcapscope/util/block_hash.hpp"
#include "pcapscope/util/bytes.hpp"

namespace pcapscope::util {

/// Incremental MD5. Not for security: JA3 and JA3S are defined as MD5 digests.
class md5 {
 public:
  /// Starts a new digest.
  md5() noexcept { reset(); }
  /// Forgets everything hashed so far.
  void reset() noexcept;
  /// Hashes more bytes.
  void update(bytes data) noexcept;
  /// Finishes and returns the 16-byte digest (the object must be reset before reuse).
  std::array<std::uint8_t, 16> finish() noexcept;

 private:
  void block(const std::uint8_t* p) noexcept;
  std::array<std::uint32_t, 4> h_{};
  block_buffer buf_;
};

/// One-shot MD5 of `data`.
std::array<std::uint8_t, 16> md5_digest(bytes data) noexcept;

/// Lower-case hex of the MD5 of `text` (JA3's form).
std::string md5_hex(std::string_view text);

}  // namespace pcapscope::util
