// memcmp, memchr, memcpy and memset for the wasm module, replacing the C library's. Emscripten
// 3.1.6 links musl's memcmp (one byte per iteration), memchr (4 bytes per iteration, after a byte
// loop up to alignment) and memset (byte stores for the head and tail, 4-byte stores up to
// 8-byte alignment), and its own memcpy (bytewise unless source and destination are equally
// aligned, a call out to JS from 512 bytes); clang expands none of them inline for wasm beyond a
// few stores, so key comparisons, the HTTP parser's line searches, the dissectors' address
// copies and the zeroing of per-packet structs of the analysis pass all ran those loops. These
// work 8 bytes at a time with unaligned loads (fine in wasm) and find the first differing or
// matching byte of a word from its bits, without a loop; memchr, memcpy and memset 16 at a time
// with SIMD.
// Compiled without LTO and with -fno-builtin (wasm/CMakeLists.txt), so that the definitions are
// an ordinary object the linker prefers to libc's and the loops are not turned back into calls;
// and with -msimd128 for this object only. (A WebAssembly module has one feature set: LLVM's
// code generator gives every function of the link-time-optimized code the features any of them
// uses, so SIMD there made all of the module's code SIMD: +5.6 KB and no fewer instructions.)
// memcpy and memset store 16-byte vectors too (234.8 M → 234.2 M JIT instructions on the bench
// prefix, 53 B smaller); a 16-byte memcmp ran no fewer.
#include <cstddef>
#include <cstdint>

#include <wasm_simd128.h>

namespace {

std::uint64_t load64(const unsigned char* p) {
  std::uint64_t v;
  __builtin_memcpy(&v, p, 8);
  return v;
}

std::uint32_t load32(const unsigned char* p) {
  std::uint32_t v;
  __builtin_memcpy(&v, p, 4);
  return v;
}

// The sign of memcmp for words loaded from different bytes: wasm is little-endian, so the
// first differing byte is the lowest differing one.
int order(std::uint64_t x, std::uint64_t y) {
  unsigned shift = static_cast<unsigned>(__builtin_ctzll(x ^ y)) & ~7u;
  return static_cast<int>((x >> shift) & 0xff) - static_cast<int>((y >> shift) & 0xff);
}

constexpr std::uint64_t kOnes = 0x0101010101010101u;

}  // namespace

// Emscripten's JS helper (HEAPU8.copyWithin): faster than a loop for large copies.
extern "C" void* emscripten_memcpy_big(void* dest, const void* src, std::size_t n)
    __attribute__((import_module("env"), import_name("emscripten_memcpy_big")));

extern "C" int memcmp(const void* a, const void* b, std::size_t n) {
  const auto* p = static_cast<const unsigned char*>(a);
  const auto* q = static_cast<const unsigned char*>(b);
  if (n >= 8) {
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
      std::uint64_t x = load64(p + i), y = load64(q + i);
      if (x != y) return order(x, y);
    }
    // The tail as the last 8 bytes: those before `i` are equal, so the order comes from [i, n).
    if (i < n) {
      std::uint64_t x = load64(p + n - 8), y = load64(q + n - 8);
      if (x != y) return order(x, y);
    }
    return 0;
  }
  if (n >= 4) {  // two overlapping words (IPv4 addresses, MACs)
    std::uint32_t x = load32(p), y = load32(q);
    if (x != y) return order(x, y);
    x = load32(p + n - 4);
    y = load32(q + n - 4);
    return x != y ? order(x, y) : 0;
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (p[i] != q[i]) return p[i] - q[i];
  }
  return 0;
}

// Sixteen bytes a step with WebAssembly's 128-bit SIMD (i8x16.eq and i8x16.bitmask, what SSE2's
// pcmpeqb and pmovmskb are natively), from the aligned block that holds `s`: a block holding a
// byte of the buffer lies within the memory (its size is a multiple of 64 KiB), so loading all of
// it cannot trap, and the bytes before `s` and from `s + n` on are masked off. Measured on the
// bench capture's first 100,000 packets (bench/wasm_jit_instructions.sh): 254.2 M → 251.5 M JIT
// instructions (−1.1 %; the HTTP parser's line searches), +35 bytes of .wasm, against the
// 8-byte word loop before.
extern "C" void* memchr(const void* s, int c, std::size_t n) {
  if (n == 0) return nullptr;
  const auto* p = static_cast<const unsigned char*>(s);
  const auto* end = p + n;
  const auto at = reinterpret_cast<std::uintptr_t>(p);
  const auto* b = reinterpret_cast<const unsigned char*>(at & ~std::uintptr_t{15});
  const v128_t needle = wasm_i8x16_splat(static_cast<char>(c));
  auto matches = [&](const unsigned char* block) __attribute__((always_inline)) {
    return static_cast<unsigned>(wasm_i8x16_bitmask(wasm_i8x16_eq(wasm_v128_load(block), needle)));
  };
  unsigned m = matches(b) >> (at & 15) << (at & 15);
  for (;;) {
    if (m != 0) {
      const unsigned char* r = b + __builtin_ctz(m);
      return r < end ? const_cast<unsigned char*>(r) : nullptr;
    }
    b += 16;
    if (b >= end) return nullptr;
    m = matches(b);
  }
}

extern "C" void* memcpy(void* __restrict dest, const void* __restrict src, std::size_t n) {
  auto* d = static_cast<unsigned char*>(dest);
  const auto* s = static_cast<const unsigned char*>(src);
  if (n >= 4096) return emscripten_memcpy_big(dest, src, n);
  if (n >= 16) {
    for (std::size_t i = 0; i + 16 <= n; i += 16) wasm_v128_store(d + i, wasm_v128_load(s + i));
    // The tail as the last 16 bytes, overlapping what was copied (with the same bytes).
    wasm_v128_store(d + n - 16, wasm_v128_load(s + n - 16));
    return dest;
  }
  if (n >= 8) {  // two overlapping words, loaded before either is stored
    std::uint64_t a = load64(s), b = load64(s + n - 8);
    __builtin_memcpy(d, &a, 8);
    __builtin_memcpy(d + n - 8, &b, 8);
    return dest;
  }
  if (n >= 4) {
    std::uint32_t a = load32(s), b = load32(s + n - 4);
    __builtin_memcpy(d, &a, 4);
    __builtin_memcpy(d + n - 4, &b, 4);
    return dest;
  }
  for (std::size_t i = 0; i < n; ++i) d[i] = s[i];
  return dest;
}

extern "C" void* memset(void* dest, int c, std::size_t n) {
  auto* d = static_cast<unsigned char*>(dest);
  const std::uint64_t v = kOnes * static_cast<unsigned char>(c);
  if (n >= 32) {
    const v128_t w = wasm_i8x16_splat(static_cast<char>(c));
    for (std::size_t i = 0; i + 32 <= n; i += 32) {
      wasm_v128_store(d + i, w);
      wasm_v128_store(d + i + 16, w);
    }
    wasm_v128_store(d + n - 32, w);
    wasm_v128_store(d + n - 16, w);
    return dest;
  }
  if (n >= 16) {  // two words from each end
    __builtin_memcpy(d, &v, 8);
    __builtin_memcpy(d + 8, &v, 8);
    __builtin_memcpy(d + n - 16, &v, 8);
    __builtin_memcpy(d + n - 8, &v, 8);
    return dest;
  }
  if (n >= 8) {
    __builtin_memcpy(d, &v, 8);
    __builtin_memcpy(d + n - 8, &v, 8);
    return dest;
  }
  if (n >= 4) {
    const auto w = static_cast<std::uint32_t>(v);
    __builtin_memcpy(d, &w, 4);
    __builtin_memcpy(d + n - 4, &w, 4);
    return dest;
  }
  for (std::size_t i = 0; i < n; ++i) d[i] = static_cast<unsigned char>(c);
  return dest;
}
