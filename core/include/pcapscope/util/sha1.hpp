// SHA-1 (FIPS 180-4) and base64, small and allocation-free, for Community ID and uids.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "pcapscope/util/block_hash.hpp"
#include "pcapscope/util/bytes.hpp"

namespace pcapscope::util {

/// Incremental SHA-1. Not for security: used for flow identifiers (Community ID v1).
class sha1 {
 public:
  /// Starts a new digest.
  sha1() noexcept { reset(); }
  /// Forgets everything hashed so far.
  void reset() noexcept;
  /// Hashes more bytes.
  void update(bytes data) noexcept;
  /// Finishes and returns the 20-byte digest (the object must be reset before reuse).
  std::array<std::uint8_t, 20> finish() noexcept;

 private:
  void block(const std::uint8_t* p) noexcept;
  std::array<std::uint32_t, 5> h_{};
  block_buffer buf_;
};

/// Appends the standard base64 encoding (RFC 4648, with padding) of `data` to `out`.
void append_base64(std::string& out, bytes data);

}  // namespace pcapscope::util
