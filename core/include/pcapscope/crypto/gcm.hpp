// AES-128-GCM (NIST SP 800-38D) in portable C++: decryption with tag check for QUIC Initial
// packets, and encryption (used by tests and fuzzers to build valid packets). Like crypto/aes.hpp
// it is not constant-time, which is fine for keys that are public (see there).
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "pcapscope/crypto/aes.hpp"
#include "pcapscope/util/bytes.hpp"

namespace pcapscope::crypto {

/// AES-128-GCM with a 16-byte tag. Any IV length is accepted (12 bytes is the fast path).
class aes128_gcm {
 public:
  /// Size of the authentication tag.
  static constexpr std::size_t tag_size = 16;

  /// Sets a 16-byte key (and precomputes GHASH tables); false when `key` is not 16 bytes.
  bool set_key(util::bytes key) noexcept;
  /// The block cipher under the current key (e.g. for header protection with the same key).
  const aes128& cipher() const noexcept { return aes_; }

  /// Decrypts `ciphertext` into `out` (which must hold ciphertext.size() bytes) and checks the
  /// 16-byte `tag` over `aad` and the ciphertext. Returns false on a tag mismatch or bad sizes;
  /// then `out` is zeroed (never half-authenticated plaintext). `out` may equal the ciphertext.
  bool decrypt(util::bytes iv, util::bytes aad, util::bytes ciphertext, util::bytes tag,
               std::span<std::uint8_t> out) const noexcept;
  /// Encrypts `plaintext` into `out` (same size) and writes the tag; false on bad sizes.
  bool encrypt(util::bytes iv, util::bytes aad, util::bytes plaintext, std::span<std::uint8_t> out,
               std::span<std::uint8_t, tag_size> tag) const noexcept;

 private:
  struct u128 {
    std::uint64_t hi = 0, lo = 0;
  };
  void gmul(u128& x) const noexcept;  // x = x * H in GF(2^128)
  void ghash_update(u128& y, util::bytes data) const noexcept;  // zero-padded blocks
  aes_block j0(util::bytes iv) const noexcept;
  void ctr(aes_block counter, util::bytes in, std::uint8_t* out) const noexcept;
  u128 tag_for(const aes_block& j, util::bytes aad, util::bytes ciphertext) const noexcept;

  aes128 aes_;
  std::array<u128, 16> htable_{};  // H times each 4-bit polynomial (Shoup's method)
};

}  // namespace pcapscope::crypto
