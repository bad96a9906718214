// AES-128-GCM (see crypto/gcm.hpp). GHASH multiplies with a 16-entry table of multiples of H,
// four bits at a time (V. Shoup's method as described in the GCM specification, section 4.1).
#include "pcapscope/crypto/gcm.hpp"

#include <cstring>

namespace pcapscope::crypto {

namespace {

// Reduction terms for the four bits shifted out when multiplying by x^4: bit b of the index is
// the coefficient of x^(127-b); x^128 = 1 + x + x^2 + x^7 (0xE1 in GCM's reflected bit order),
// so each bit contributes 0xE100 >> (3 - b) in the top 16 bits of the result.
constexpr std::array<std::uint64_t, 16> make_last4() {
  std::array<std::uint64_t, 16> t{};
  for (unsigned r = 0; r < 16; ++r) {
    std::uint64_t v = 0;
    for (unsigned b = 0; b < 4; ++b) {
      if ((r >> b) & 1) v ^= std::uint64_t{0xE100} >> (3 - b);
    }
    t[r] = v << 48;
  }
  return t;
}
constexpr std::array<std::uint64_t, 16> last4 = make_last4();

inline std::uint64_t load_be64(const std::uint8_t* p) {
  return (std::uint64_t{util::load_be32(p)} << 32) | util::load_be32(p + 4);
}

inline void store_be64(std::uint8_t* p, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<std::uint8_t>(v >> (56 - 8 * i));
}

inline void inc32(aes_block& b) {
  std::uint32_t c = util::load_be32(b.data() + 12) + 1;
  b[12] = static_cast<std::uint8_t>(c >> 24);
  b[13] = static_cast<std::uint8_t>(c >> 16);
  b[14] = static_cast<std::uint8_t>(c >> 8);
  b[15] = static_cast<std::uint8_t>(c);
}

}  // namespace

bool aes128_gcm::set_key(util::bytes key) noexcept {
  if (!aes_.set_key(key)) return false;
  aes_block zero{};
  aes_block h = aes_.encrypt(zero);
  u128 v{load_be64(h.data()), load_be64(h.data() + 8)};
  // htable_[8] = H; [4] = H*x; [2] = H*x^2; [1] = H*x^3 (a nibble's top bit is the lowest degree).
  htable_[0] = {};
  htable_[8] = v;
  for (std::size_t i = 4; i > 0; i >>= 1) {
    bool carry = v.lo & 1;
    v.lo = (v.lo >> 1) | (v.hi << 63);
    v.hi >>= 1;
    if (carry) v.hi ^= std::uint64_t{0xE1} << 56;
    htable_[i] = v;
  }
  for (std::size_t i = 2; i < 16; i <<= 1) {
    for (std::size_t j = 1; j < i; ++j) {
      htable_[i + j] = {htable_[i].hi ^ htable_[j].hi, htable_[i].lo ^ htable_[j].lo};
    }
  }
  return true;
}

void aes128_gcm::gmul(u128& x) const noexcept {
  std::uint8_t b[16];
  store_be64(b, x.hi);
  store_be64(b + 8, x.lo);
  u128 z{};
  // Horner's rule over the 32 nibbles, from the highest degree (low nibble of the last byte).
  for (int i = 15; i >= 0; --i) {
    for (int half = 0; half < 2; ++half) {
      unsigned nib = half == 0 ? (b[i] & 0xF) : (b[i] >> 4);
      if (i != 15 || half != 0) {
        unsigned rem = static_cast<unsigned>(z.lo & 0xF);
        z.lo = (z.lo >> 4) | (z.hi << 60);
        z.hi = (z.hi >> 4) ^ last4[rem];
      }
      z.hi ^= htable_[nib].hi;
      z.lo ^= htable_[nib].lo;
    }
  }
  x = z;
}

void aes128_gcm::ghash_update(u128& y, util::bytes data) const noexcept {
  std::size_t i = 0;
  for (; i + 16 <= data.size(); i += 16) {
    y.hi ^= load_be64(data.data() + i);
    y.lo ^= load_be64(data.data() + i + 8);
    gmul(y);
  }
  if (i < data.size()) {
    std::uint8_t last[16] = {};
    std::memcpy(last, data.data() + i, data.size() - i);
    y.hi ^= load_be64(last);
    y.lo ^= load_be64(last + 8);
    gmul(y);
  }
}

aes_block aes128_gcm::j0(util::bytes iv) const noexcept {
  aes_block j{};
  if (iv.size() == 12) {
    std::memcpy(j.data(), iv.data(), 12);
    j[15] = 1;
    return j;
  }
  // J0 = GHASH(IV || 0^s || 0^64 || [len(IV)]_64).
  u128 y{};
  ghash_update(y, iv);
  y.lo ^= std::uint64_t{iv.size()} * 8;
  gmul(y);
  store_be64(j.data(), y.hi);
  store_be64(j.data() + 8, y.lo);
  return j;
}

void aes128_gcm::ctr(aes_block counter, util::bytes in, std::uint8_t* out) const noexcept {
  aes_block ks;
  for (std::size_t i = 0; i < in.size(); i += 16) {
    inc32(counter);
    aes_.encrypt_block(counter.data(), ks.data());
    std::size_t n = in.size() - i < 16 ? in.size() - i : 16;
    for (std::size_t k = 0; k < n; ++k) out[i + k] = static_cast<std::uint8_t>(in[i + k] ^ ks[k]);
  }
}

aes128_gcm::u128 aes128_gcm::tag_for(const aes_block& j, util::bytes aad,
                                     util::bytes ciphertext) const noexcept {
  u128 s{};
  ghash_update(s, aad);
  ghash_update(s, ciphertext);
  s.hi ^= std::uint64_t{aad.size()} * 8;
  s.lo ^= std::uint64_t{ciphertext.size()} * 8;
  gmul(s);
  aes_block ek = aes_.encrypt(j);
  s.hi ^= load_be64(ek.data());
  s.lo ^= load_be64(ek.data() + 8);
  return s;
}

bool aes128_gcm::decrypt(util::bytes iv, util::bytes aad, util::bytes ciphertext, util::bytes tag,
                         std::span<std::uint8_t> out) const noexcept {
  if (iv.empty() || tag.size() != tag_size || out.size() != ciphertext.size()) return false;
  aes_block j = j0(iv);
  u128 t = tag_for(j, aad, ciphertext);
  std::uint8_t want[16];
  store_be64(want, t.hi);
  store_be64(want + 8, t.lo);
  std::uint8_t diff = 0;
  for (std::size_t i = 0; i < 16; ++i) diff |= static_cast<std::uint8_t>(want[i] ^ tag[i]);
  if (diff != 0) {
    if (!out.empty()) std::memset(out.data(), 0, out.size());
    return false;
  }
  ctr(j, ciphertext, out.data());
  return true;
}

bool aes128_gcm::encrypt(util::bytes iv, util::bytes aad, util::bytes plaintext,
                         std::span<std::uint8_t> out, std::span<std::uint8_t, tag_size> tag) const noexcept {
  if (iv.empty() || out.size() != plaintext.size()) return false;
  aes_block j = j0(iv);
  ctr(j, plaintext, out.data());
  u128 t = tag_for(j, aad, util::bytes(out.data(), out.size()));
  store_be64(tag.data(), t.hi);
  store_be64(tag.data() + 8, t.lo);
  return true;
}

}  // namespace pcapscope::crypto
