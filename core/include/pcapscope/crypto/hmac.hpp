// HMAC-SHA256 (RFC 2104) and HKDF (RFC 5869) with TLS 1.3's HKDF-Expand-Label (RFC 8446 §7.1):
// the key schedule QUIC uses to derive Initial packet keys from a connection ID.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include "pcapscope/util/bytes.hpp"
#include "pcapscope/util/sha256.hpp"

namespace pcapscope::crypto {

/// A SHA-256 digest or HMAC output (also an HKDF pseudorandom key).
using digest256 = std::array<std::uint8_t, 32>;

/// Incremental HMAC-SHA256. Keys longer than the 64-byte block are hashed first (RFC 2104).
/// Not constant-time: pcapscope only derives keys that anyone holding the capture can derive.
class hmac_sha256 {
 public:
  /// Starts a MAC keyed with `key` (any length).
  explicit hmac_sha256(util::bytes key) noexcept;
  /// MACs more bytes.
  void update(util::bytes data) noexcept { inner_.update(data); }
  /// Finishes and returns the 32-byte tag (the object is spent afterwards).
  digest256 finish() noexcept;

 private:
  util::sha256 inner_;
  std::array<std::uint8_t, 64> opad_key_{};
};

/// One-shot HMAC-SHA256 of `data` under `key`.
digest256 hmac_sha256_digest(util::bytes key, util::bytes data) noexcept;

/// HKDF-Extract (RFC 5869 §2.2) with SHA-256: PRK = HMAC(salt, ikm). An empty salt means 32 zero
/// bytes, which HMAC's zero padding makes identical.
digest256 hkdf_extract(util::bytes salt, util::bytes ikm) noexcept;

/// HKDF-Expand (RFC 5869 §2.3) with SHA-256: fills `out` with output keying material from `prk`
/// and `info`. Returns false (and leaves `out` untouched) when `out` is longer than 255 * 32.
bool hkdf_expand(util::bytes prk, util::bytes info, std::span<std::uint8_t> out) noexcept;

/// HKDF-Expand-Label (RFC 8446 §7.1) with SHA-256: HKDF-Expand(secret, HkdfLabel, L) where
/// HkdfLabel = uint16 L || opaque label<7..255> = "tls13 " + `label` || opaque context<0..255>.
/// Returns false when the label or context does not fit its length byte or `out` is too long.
bool hkdf_expand_label(util::bytes secret, std::string_view label, util::bytes context,
                       std::span<std::uint8_t> out) noexcept;

}  // namespace pcapscope::crypto
