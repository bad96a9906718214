// SHA-256 (FIPS 180-4), small and allocation-free: JA4 hashes, HMAC/HKDF for QUIC Initials.
#pragma once

#include <array>
#include <cstdint>

#include "pcapscope/util/block_hash.hpp"
#include "pcapscope/util/bytes.hpp"

namespace pcapscope::util {

/// Incremental SHA-256. Used for fingerprints (JA4) and key derivation of QUIC Initial packets,
/// whose inputs are public; nothing here is meant to protect secrets.
class sha256 {
 public:
  /// Size of a digest in bytes.
  static constexpr std::size_t digest_size = 32;
  /// Size of the internal block in bytes (the HMAC block size).
  static constexpr std::size_t block_size = 64;

  /// Starts a new digest.
  sha256() noexcept { reset(); }
  /// Forgets everything hashed so far.
  void reset() noexcept;
  /// Hashes more bytes.
  void update(bytes data) noexcept;
  /// Finishes and returns the 32-byte digest (the object must be reset before reuse).
  std::array<std::uint8_t, 32> finish() noexcept;

 private:
  void block(const std::uint8_t* p) noexcept;
  std::array<std::uint32_t, 8> h_{};
  block_buffer buf_;
};

/// One-shot SHA-256 of `data`.
std::array<std::uint8_t, 32> sha256_digest(bytes data) noexcept;

}  // namespace pcapscope::util
