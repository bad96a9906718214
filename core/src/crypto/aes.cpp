// AES-128 encryption with tables computed at compile time (see crypto/aes.hpp): the S-box is
// built from the GF(2^8) inverse and affine map of FIPS 197 §5.1.1, the round tables combine
// SubBytes and MixColumns. Not constant-time (documented in the header).
#include "pcapscope/crypto/aes.hpp"

#include <cstring>

namespace pcapscope::crypto {

namespace {

constexpr std::uint8_t xtime(std::uint8_t b) {
  return static_cast<std::uint8_t>((b << 1) ^ ((b & 0x80) ? 0x1b : 0));
}

constexpr std::uint8_t gf_mul(std::uint8_t a, std::uint8_t b) {
  std::uint8_t r = 0;
  while (b) {
    if (b & 1) r ^= a;
    a = xtime(a);
    b = static_cast<std::uint8_t>(b >> 1);
  }
  return r;
}

constexpr std::array<std::uint8_t, 256> make_sbox() {
  // Inverses through powers of the generator 3: exp[i] = 3^i, log[3^i] = i, inv(3^i) = 3^(255-i).
  std::array<std::uint8_t, 255> exp{};
  std::array<std::uint8_t, 256> log{};
  std::uint8_t p = 1;
  for (int i = 0; i < 255; ++i) {
    exp[static_cast<std::size_t>(i)] = p;
    log[p] = static_cast<std::uint8_t>(i);
    p = static_cast<std::uint8_t>(p ^ xtime(p));
  }
  std::array<std::uint8_t, 256> s{};
  for (int x = 0; x < 256; ++x) {
    std::uint8_t inv = x == 0 ? 0 : exp[static_cast<std::size_t>((255 - log[static_cast<std::size_t>(x)]) % 255)];
    // Affine transformation: b ^ rotl(b,1) ^ rotl(b,2) ^ rotl(b,3) ^ rotl(b,4) ^ 0x63.
    unsigned b = inv, r = inv;
    for (int i = 1; i <= 4; ++i) r ^= ((b << i) | (b >> (8 - i))) & 0xFF;
    s[static_cast<std::size_t>(x)] = static_cast<std::uint8_t>(r ^ 0x63);
  }
  return s;
}

constexpr std::array<std::uint8_t, 256> sbox = make_sbox();

// te0[x] = the MixColumns column (2s, s, s, 3s) of s = S(x), big-endian in a word.
constexpr std::array<std::uint32_t, 256> make_te0() {
  std::array<std::uint32_t, 256> t{};
  for (std::size_t x = 0; x < 256; ++x) {
    std::uint8_t s = sbox[x];
    t[x] = (std::uint32_t{xtime(s)} << 24) | (std::uint32_t{s} << 16) | (std::uint32_t{s} << 8) |
           std::uint32_t{gf_mul(s, 3)};
  }
  return t;
}

constexpr std::array<std::uint32_t, 256> te0 = make_te0();

// Rotation right by n bits; n == 0 is the identity (a shift by 32 would be undefined).
constexpr std::uint32_t ror(std::uint32_t v, int n) { return n == 0 ? v : (v >> n) | (v << (32 - n)); }

inline std::uint32_t te(int table, std::uint32_t byte) { return ror(te0[byte & 0xFF], 8 * table); }

inline std::uint32_t sub_word(std::uint32_t w) {
  return (std::uint32_t{sbox[w >> 24]} << 24) | (std::uint32_t{sbox[(w >> 16) & 0xFF]} << 16) |
         (std::uint32_t{sbox[(w >> 8) & 0xFF]} << 8) | std::uint32_t{sbox[w & 0xFF]};
}

inline void store_be32(std::uint8_t* p, std::uint32_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 24);
  p[1] = static_cast<std::uint8_t>(v >> 16);
  p[2] = static_cast<std::uint8_t>(v >> 8);
  p[3] = static_cast<std::uint8_t>(v);
}

}  // namespace

bool aes128::set_key(util::bytes key) noexcept {
  if (key.size() != 16) return false;
  set_key_unchecked(key.data());
  return true;
}

void aes128::set_key_unchecked(const std::uint8_t* key) noexcept {
  static constexpr std::uint8_t rcon[10] = {0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0x1b, 0x36};
  for (int i = 0; i < 4; ++i) rk_[static_cast<std::size_t>(i)] = util::load_be32(key + 4 * i);
  for (std::size_t i = 4; i < 44; ++i) {
    std::uint32_t t = rk_[i - 1];
    if (i % 4 == 0) t = sub_word((t << 8) | (t >> 24)) ^ (std::uint32_t{rcon[i / 4 - 1]} << 24);
    rk_[i] = rk_[i - 4] ^ t;
  }
}

void aes128::encrypt_block(const std::uint8_t* in, std::uint8_t* out) const noexcept {
  std::uint32_t s0 = util::load_be32(in) ^ rk_[0];
  std::uint32_t s1 = util::load_be32(in + 4) ^ rk_[1];
  std::uint32_t s2 = util::load_be32(in + 8) ^ rk_[2];
  std::uint32_t s3 = util::load_be32(in + 12) ^ rk_[3];
  for (std::size_t r = 1; r < 10; ++r) {
    const std::uint32_t* k = rk_.data() + 4 * r;
    std::uint32_t t0 = te(0, s0 >> 24) ^ te(1, s1 >> 16) ^ te(2, s2 >> 8) ^ te(3, s3) ^ k[0];
    std::uint32_t t1 = te(0, s1 >> 24) ^ te(1, s2 >> 16) ^ te(2, s3 >> 8) ^ te(3, s0) ^ k[1];
    std::uint32_t t2 = te(0, s2 >> 24) ^ te(1, s3 >> 16) ^ te(2, s0 >> 8) ^ te(3, s1) ^ k[2];
    std::uint32_t t3 = te(0, s3 >> 24) ^ te(1, s0 >> 16) ^ te(2, s1 >> 8) ^ te(3, s2) ^ k[3];
    s0 = t0;
    s1 = t1;
    s2 = t2;
    s3 = t3;
  }
  auto last = [](std::uint32_t a, std::uint32_t b, std::uint32_t c, std::uint32_t d) {
    return (std::uint32_t{sbox[a >> 24]} << 24) | (std::uint32_t{sbox[(b >> 16) & 0xFF]} << 16) |
           (std::uint32_t{sbox[(c >> 8) & 0xFF]} << 8) | std::uint32_t{sbox[d & 0xFF]};
  };
  const std::uint32_t* k = rk_.data() + 40;
  std::uint32_t o0 = last(s0, s1, s2, s3) ^ k[0];
  std::uint32_t o1 = last(s1, s2, s3, s0) ^ k[1];
  std::uint32_t o2 = last(s2, s3, s0, s1) ^ k[2];
  std::uint32_t o3 = last(s3, s0, s1, s2) ^ k[3];
  store_be32(out, o0);
  store_be32(out + 4, o1);
  store_be32(out + 8, o2);
  store_be32(out + 12, o3);
}

bool aes128_ecb_encrypt(util::bytes key, util::bytes in, aes_block& out) noexcept {
  if (in.size() != 16) return false;
  aes128 a;
  if (!a.set_key(key)) return false;
  a.encrypt_block(in.data(), out.data());
  return true;
}

}  // namespace pcapscope::crypto
