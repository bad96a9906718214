// MD5 (RFC 1321; see util/md5.hpp).
#include "pcapscope/util/md5.hpp"

#include <algorithm>
#include <cstring>

namespace pcapscope::util {

namespace {

inline std::uint32_t rol(std::uint32_t v, std::uint32_t n) { return (v << n) | (v >> (32 - n)); }

inline std::uint32_t load_le32(const std::uint8_t* p) {
  return std::uint32_t{p[0]} | (std::uint32_t{p[1]} << 8) | (std::uint32_t{p[2]} << 16) |
         (std::uint32_t{p[3]} << 24);
}

// Per-round shift amounts and the sine-derived constants T[i] = floor(2^32 * |sin(i + 1)|).
constexpr std::uint32_t shifts[64] = {
    7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
    5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20,
    4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
    6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21};

constexpr std::uint32_t sines[64] = {
    0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
    0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
    0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
    0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
    0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
    0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
    0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
    0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391};

}  // namespace

void md5::reset() noexcept {
  h_ = {0x67452301u, 0xefcdab89u, 0x98badcfeu, 0x10325476u};
  buf_.reset();
}

void md5::block(const std::uint8_t* p) noexcept {
  std::uint32_t m[16];
  for (int i = 0; i < 16; ++i) m[i] = load_le32(p + 4 * i);
  std::uint32_t a = h_[0], b = h_[1], c = h_[2], d = h_[3];
  // Unrolled four steps at a time: the words rotate by renaming, and each round's message index
  // and shift are constants after inlining.
  auto step = [&m](std::uint32_t& ra, std::uint32_t rb, std::uint32_t f, std::uint32_t i) {
    const std::uint32_t g = i < 16 ? i : i < 32 ? (5 * i + 1) % 16 : i < 48 ? (3 * i + 5) % 16 : (7 * i) % 16;
    ra = rb + rol(ra + f + sines[i] + m[g], shifts[i]);
  };
  for (std::uint32_t i = 0; i < 16; i += 4) {
    step(a, b, d ^ (b & (c ^ d)), i);
    step(d, a, c ^ (a & (b ^ c)), i + 1);
    step(c, d, b ^ (d & (a ^ b)), i + 2);
    step(b, c, a ^ (c & (d ^ a)), i + 3);
  }
  for (std::uint32_t i = 16; i < 32; i += 4) {
    step(a, b, c ^ (d & (b ^ c)), i);
    step(d, a, b ^ (c & (a ^ b)), i + 1);
    step(c, d, a ^ (b & (d ^ a)), i + 2);
    step(b, c, d ^ (a & (c ^ d)), i + 3);
  }
  for (std::uint32_t i = 32; i < 48; i += 4) {
    step(a, b, b ^ c ^ d, i);
    step(d, a, a ^ b ^ c, i + 1);
    step(c, d, d ^ a ^ b, i + 2);
    step(b, c, c ^ d ^ a, i + 3);
  }
  for (std::uint32_t i = 48; i < 64; i += 4) {
    step(a, b, c ^ (b | ~d), i);
    step(d, a, b ^ (a | ~c), i + 1);
    step(c, d, a ^ (d | ~b), i + 2);
    step(b, c, d ^ (c | ~a), i + 3);
  }
  h_[0] += a;
  h_[1] += b;
  h_[2] += c;
  h_[3] += d;
}

void md5::update(bytes data) noexcept {
  buf_.update(data, [this](const std::uint8_t* p) { block(p); });
}

std::array<std::uint8_t, 16> md5::finish() noexcept {
  buf_.finish(false, [this](const std::uint8_t* p) { block(p); });
  std::array<std::uint8_t, 16> out{};
  for (std::size_t k = 0; k < 4; ++k) {
    for (std::size_t j = 0; j < 4; ++j) out[4 * k + j] = static_cast<std::uint8_t>(h_[k] >> (8 * j));
  }
  return out;
}

std::array<std::uint8_t, 16> md5_digest(bytes data) noexcept {
  md5 h;
  h.update(data);
  return h.finish();
}

std::string md5_hex(std::string_view text) {
  auto d = md5_digest(bytes(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
  static constexpr char digits[] = "0123456789abcdef";
  std::string s;
  s.reserve(32);
  for (auto b : d) {
    s.push_back(digits[b >> 4]);
    s.push_back(digits[b & 15]);
  }
  return s;
}

}  // namespace pcapscope::util
