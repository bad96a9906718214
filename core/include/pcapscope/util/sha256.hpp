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

/// The compression functions `sha256` can run: the portable C++ one (every target, wasm
/// included) and the x86-64 SHA extensions (chosen at start-up when the CPU has them).
enum class sha256_impl : std::uint8_t { portable, x86_sha };

/// The compression function in use.
sha256_impl sha256_active_impl() noexcept;

/// Makes `impl` the compression function of every `sha256` from now on (tests check both
/// against the same vectors). Returns false, changing nothing, when this CPU or build lacks it.
bool sha256_select_impl(sha256_impl impl) noexcept;

}  // namespace pcapscope::util
