// SHA-256 (see util/sha256.hpp): the FIPS 180-4 compression function over 64-byte blocks, portable
// and, on x86-64 CPUs that have them, with the SHA extensions.
#include "pcapscope/util/sha256.hpp"

#include <algorithm>
#include <cstring>

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#endif

namespace pcapscope::util {

namespace {

constexpr std::uint32_t k_round[64] = {
    0x428a2f98u, 0x71374491u, 0xb5c0fbcfu, 0xe9b5dba5u, 0x3956c25bu, 0x59f111f1u, 0x923f82a4u,
    0xab1c5ed5u, 0xd807aa98u, 0x12835b01u, 0x243185beu, 0x550c7dc3u, 0x72be5d74u, 0x80deb1feu,
    0x9bdc06a7u, 0xc19bf174u, 0xe49b69c1u, 0xefbe4786u, 0x0fc19dc6u, 0x240ca1ccu, 0x2de92c6fu,
    0x4a7484aau, 0x5cb0a9dcu, 0x76f988dau, 0x983e5152u, 0xa831c66du, 0xb00327c8u, 0xbf597fc7u,
    0xc6e00bf3u, 0xd5a79147u, 0x06ca6351u, 0x14292967u, 0x27b70a85u, 0x2e1b2138u, 0x4d2c6dfcu,
    0x53380d13u, 0x650a7354u, 0x766a0abbu, 0x81c2c92eu, 0x92722c85u, 0xa2bfe8a1u, 0xa81a664bu,
    0xc24b8b70u, 0xc76c51a3u, 0xd192e819u, 0xd6990624u, 0xf40e3585u, 0x106aa070u, 0x19a4c116u,
    0x1e376c08u, 0x2748774cu, 0x34b0bcb5u, 0x391c0cb3u, 0x4ed8aa4au, 0x5b9cca4fu, 0x682e6ff3u,
    0x748f82eeu, 0x78a5636fu, 0x84c87814u, 0x8cc70208u, 0x90befffau, 0xa4506cebu, 0xbef9a3f7u,
    0xc67178f2u};

inline std::uint32_t ror(std::uint32_t v, int n) { return (v >> n) | (v << (32 - n)); }

// The portable compression function, unrolled eight rounds at a time so the working variables
// rotate by renaming instead of by copies (about half the instructions of the rolled loop).
void block_portable(std::uint32_t* state, const std::uint8_t* p) noexcept {
  std::uint32_t w[64];
  for (int i = 0; i < 16; ++i) w[i] = load_be32(p + 4 * i);
  for (int i = 16; i < 64; ++i) {
    std::uint32_t s0 = ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >> 3);
    std::uint32_t s1 = ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >> 10);
    w[i] = w[i - 16] + s0 + w[i - 7] + s1;
  }
  std::uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
  std::uint32_t e = state[4], f = state[5], g = state[6], h = state[7];
  // One round: `d` and `h` take the new values of e and a; the caller rotates the names.
  auto round = [&w](std::uint32_t ra, std::uint32_t rb, std::uint32_t rc, std::uint32_t& rd, std::uint32_t re,
                    std::uint32_t rf, std::uint32_t rg, std::uint32_t& rh, int i) {
    std::uint32_t t1 = rh + (ror(re, 6) ^ ror(re, 11) ^ ror(re, 25)) + (rg ^ (re & (rf ^ rg))) + k_round[i] + w[i];
    std::uint32_t t2 = (ror(ra, 2) ^ ror(ra, 13) ^ ror(ra, 22)) + ((ra & rb) | (rc & (ra | rb)));
    rd += t1;
    rh = t1 + t2;
  };
  for (int i = 0; i < 64; i += 8) {
    round(a, b, c, d, e, f, g, h, i);
    round(h, a, b, c, d, e, f, g, i + 1);
    round(g, h, a, b, c, d, e, f, i + 2);
    round(f, g, h, a, b, c, d, e, i + 3);
    round(e, f, g, h, a, b, c, d, i + 4);
    round(d, e, f, g, h, a, b, c, i + 5);
    round(c, d, e, f, g, h, a, b, i + 6);
    round(b, c, d, e, f, g, h, a, i + 7);
  }
  state[0] += a;
  state[1] += b;
  state[2] += c;
  state[3] += d;
  state[4] += e;
  state[5] += f;
  state[6] += g;
  state[7] += h;
}

#if defined(__x86_64__)
// The SHA extensions (SHA-NI): two rounds per sha256rnds2 and the message schedule in
// sha256msg1/msg2; the state is kept as ABEF / CDGH halves as these instructions want it.
__attribute__((target("sha,sse4.1"))) void block_x86_sha(std::uint32_t* state, const std::uint8_t* p) noexcept {
  const __m128i byte_swap = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
  __m128i tmp = _mm_shuffle_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(state)), 0xB1);  // CDAB
  __m128i st1 = _mm_shuffle_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(state + 4)), 0x1B);  // EFGH
  __m128i st0 = _mm_alignr_epi8(tmp, st1, 8);   // ABEF
  st1 = _mm_blend_epi16(st1, tmp, 0xF0);        // CDGH
  const __m128i abef = st0, cdgh = st1;
  __m128i w[4];  // the last four groups of four schedule words
#pragma GCC unroll 16
  for (int g = 0; g < 16; ++g) {
    if (g < 4) {
      w[g] = _mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * g)), byte_swap);
    } else {
      // W[t] = s1(W[t-2]) + W[t-7] + s0(W[t-15]) + W[t-16] for the four t of group g.
      __m128i t = _mm_sha256msg1_epu32(w[g & 3], w[(g + 1) & 3]);
      t = _mm_add_epi32(t, _mm_alignr_epi8(w[(g + 3) & 3], w[(g + 2) & 3], 4));
      w[g & 3] = _mm_sha256msg2_epu32(t, w[(g + 3) & 3]);
    }
    __m128i m = _mm_add_epi32(w[g & 3], _mm_loadu_si128(reinterpret_cast<const __m128i*>(k_round + 4 * g)));
    st1 = _mm_sha256rnds2_epu32(st1, st0, m);
    st0 = _mm_sha256rnds2_epu32(st0, st1, _mm_shuffle_epi32(m, 0x0E));
  }
  st0 = _mm_add_epi32(st0, abef);
  st1 = _mm_add_epi32(st1, cdgh);
  tmp = _mm_shuffle_epi32(st0, 0x1B);           // FEBA
  st1 = _mm_shuffle_epi32(st1, 0xB1);           // DCHG
  st0 = _mm_blend_epi16(tmp, st1, 0xF0);        // DCBA
  st1 = _mm_alignr_epi8(st1, tmp, 8);           // HGFE
  _mm_storeu_si128(reinterpret_cast<__m128i*>(state), st0);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(state + 4), st1);
}

bool cpu_has_sha() noexcept {
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return false;
  const bool ssse3 = (c & bit_SSSE3) != 0, sse41 = (c & bit_SSE4_1) != 0;
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return false;
  return ssse3 && sse41 && (b & bit_SHA) != 0;
}
#endif

using block_fn = void (*)(std::uint32_t*, const std::uint8_t*) noexcept;

block_fn initial_block() noexcept {
#if defined(__x86_64__)
  if (cpu_has_sha()) return block_x86_sha;
#endif
  return block_portable;
}

block_fn active_block = initial_block();

}  // namespace

void sha256::reset() noexcept {
  h_ = {0x6a09e667u, 0xbb67ae85u, 0x3c6ef372u, 0xa54ff53au,
        0x510e527fu, 0x9b05688cu, 0x1f83d9abu, 0x5be0cd19u};
  buf_.reset();
}

void sha256::block(const std::uint8_t* p) noexcept { active_block(h_.data(), p); }

sha256_impl sha256_active_impl() noexcept {
  return active_block == block_portable ? sha256_impl::portable : sha256_impl::x86_sha;
}

bool sha256_select_impl(sha256_impl impl) noexcept {
  if (impl == sha256_impl::portable) {
    active_block = block_portable;
    return true;
  }
#if defined(__x86_64__)
  if (cpu_has_sha()) {
    active_block = block_x86_sha;
    return true;
  }
#endif
  return false;
}

void sha256::update(bytes data) noexcept {
  buf_.update(data, [this](const std::uint8_t* p) { block(p); });
}

std::array<std::uint8_t, 32> sha256::finish() noexcept {
  buf_.finish(true, [this](const std::uint8_t* p) { block(p); });
  std::array<std::uint8_t, 32> out{};
  for (std::size_t i = 0; i < 8; ++i) {
    out[4 * i] = static_cast<std::uint8_t>(h_[i] >> 24);
    out[4 * i + 1] = static_cast<std::uint8_t>(h_[i] >> 16);
    out[4 * i + 2] = static_cast<std::uint8_t>(h_[i] >> 8);
    out[4 * i + 3] = static_cast<std::uint8_t>(h_[i]);
  }
  return out;
}

std::array<std::uint8_t, 32> sha256_digest(bytes data) noexcept {
  sha256 h;
  h.update(data);
  return h.finish();
}

}  // namespace pcapscope::util
