// AES-128 block encryption (FIPS 197) in portable C++ (no intrinsics, builds for wasm): the
// block cipher under QUIC's Initial packet protection (AES-128-GCM) and header protection
// (AES-128-ECB on one block).
//
// Table-driven and therefore NOT constant-time: it leaks key-dependent timing through cache
// accesses. That is acceptable here because pcapscope only decrypts traffic whose keys are
// public (QUIC Initial keys are derived from a connection ID sent in clear); do not reuse it to
// protect secrets.
#pragma once

#include <array>
#include <cstdint>

#include "pcapscope/util/bytes.hpp"

namespace pcapscope::crypto {

/// One 16-byte AES block.
using aes_block = std::array<std::uint8_t, 16>;

/// AES-128 with an expanded key; encryption only (GCM and header protection need no decryption).
class aes128 {
 public:
  /// An object without a key encrypts with the all-zero key; call `set_key` first.
  aes128() noexcept { set_key_unchecked(zero_key_); }
  /// Expands a 16-byte key; returns false (keeping the previous key) when `key` is not 16 bytes.
  bool set_key(util::bytes key) noexcept;
  /// Encrypts one block from `in` to `out` (they may be the same buffer).
  void encrypt_block(const std::uint8_t* in, std::uint8_t* out) const noexcept;
  /// Encrypts one block (AES-ECB of a single block, as QUIC header protection uses it).
  aes_block encrypt(const aes_block& in) const noexcept {
    aes_block out;
    encrypt_block(in.data(), out.data());
    return out;
  }

 private:
  static constexpr std::uint8_t zero_key_[16] = {};
  void set_key_unchecked(const std::uint8_t* key) noexcept;
  std::array<std::uint32_t, 44> rk_{};
};

/// AES-128-ECB of one block under `key` (16 bytes) — QUIC's header-protection mask source.
/// Returns false when `key` or `in` is not 16 bytes.
bool aes128_ecb_encrypt(util::bytes key, util::bytes in, aes_block& out) noexcept;

}  // namespace pcapscope::crypto
