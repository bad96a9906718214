// memcmp for the wasm module, replacing the C library's: Emscripten 3.1.6 links musl's, which
// compares one byte per iteration, and clang does not expand memcmp calls inline for wasm, so
// every key comparison of the analysis pass (endpoint and flow keys, strings) ran that loop
// (6 % of the bench capture's pass). This compares 8 bytes at a time (unaligned loads are
// fine in wasm) and finds the first differing byte only in the word that differs.
// Compiled without LTO and with -fno-builtin (wasm/CMakeLists.txt), so that the definition
// is an ordinary object the linker prefers to libc's and the loop is not turned back into a
// memcmp call.
#include <cstddef>
#include <cstdint>
#include <cstring>

extern "C" int memcmp(const void* a, const void* b, std::size_t n) {
  const auto* p = static_cast<const unsigned char*>(a);
  const auto* q = static_cast<const unsigned char*>(b);
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t x, y;
    __builtin_memcpy(&x, p + i, 8);
    __builtin_memcpy(&y, q + i, 8);
    if (x != y) break;
  }
  for (; i < n; ++i) {
    if (p[i] != q[i]) return p[i] - q[i];
  }
  return 0;
}
