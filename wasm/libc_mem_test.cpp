// Checks wasm/libc_mem.cpp's memcmp, memchr, memcpy and memset against byte-by-byte references,
// as the module runs them: every length up to 80, every alignment of both pointers within 32
// bytes, every match or difference position, and buffers that end at the last byte of the wasm
// memory (memchr reads whole aligned 16-byte blocks: one must never reach past it). Built by the
// wasm preset next to the module; tests/node/libc-mem.test.mjs runs it. Prints "ok" and exits
// 0, or prints the first failure and exits 1.
#include <emscripten/heap.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

int failures = 0;

void fail(const char* what, std::size_t n, std::size_t a, std::size_t b, std::size_t at) {
  if (failures++ == 0) std::printf("FAIL %s: n=%zu align=%zu/%zu at=%zu\n", what, n, a, b, at);
}

const unsigned char* ref_memchr(const unsigned char* p, unsigned char c, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    if (p[i] == c) return p + i;
  }
  return nullptr;
}

int sign(int v) { return (v > 0) - (v < 0); }

int ref_memcmp(const unsigned char* p, const unsigned char* q, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    if (p[i] != q[i]) return p[i] - q[i];
  }
  return 0;
}

// memchr and memcmp over [p, p + n) with the match or difference at each position (and none).
void check_search(unsigned char* p, unsigned char* q, std::size_t n, std::size_t a, std::size_t b) {
  for (std::size_t at = 0; at <= n; ++at) {
    for (std::size_t i = 0; i < n; ++i) p[i] = static_cast<unsigned char>('a' + i % 23);
    // A needle byte just outside the range on both sides: it must not be found.
    if (a > 0) p[-1] = '\n';
    p[n] = '\n';
    if (at < n) p[at] = '\n';
    if (std::memchr(p, '\n', n) != ref_memchr(p, '\n', n)) fail("memchr", n, a, b, at);
    if (at < n && std::memchr(p, 0xE1, n) != ref_memchr(p, 0xE1, n)) fail("memchr (high byte)", n, a, b, at);
    std::memmove(q, p, n);
    if (at < n) q[at] = static_cast<unsigned char>(p[at] ^ (at % 2 ? 0x80 : 0x01));
    if (sign(std::memcmp(p, q, n)) != sign(ref_memcmp(p, q, n))) fail("memcmp", n, a, b, at);
    if (sign(std::memcmp(q, p, n)) != sign(ref_memcmp(q, p, n))) fail("memcmp (swapped)", n, a, b, at);
  }
}

void check_copy(unsigned char* d, const unsigned char* s, std::size_t n, std::size_t a, std::size_t b) {
  std::memset(d - 1, 0x5A, n + 2);
  std::memcpy(d, s, n);
  for (std::size_t i = 0; i < n; ++i) {
    if (d[i] != s[i]) fail("memcpy", n, a, b, i);
  }
  if (d[-1] != 0x5A || d[n] != 0x5A) fail("memcpy (outside)", n, a, b, n);
  std::memset(d, 0xC3, n);
  for (std::size_t i = 0; i < n; ++i) {
    if (d[i] != 0xC3) fail("memset", n, a, b, i);
  }
  if (d[-1] != 0x5A || d[n] != 0x5A) fail("memset (outside)", n, a, b, n);
}

}  // namespace

int main() {
  static unsigned char buf_p[256], buf_q[256], src[256];
  for (std::size_t i = 0; i < sizeof src; ++i) src[i] = static_cast<unsigned char>(i * 131 + 7);
  for (std::size_t n = 0; n <= 80; ++n) {
    for (std::size_t a = 0; a < 32; ++a) {
      for (std::size_t b = 0; b < 32; b += (n < 20 ? 1 : 5)) {
        check_search(buf_p + 64 + a, buf_q + 64 + b, n, a, b);
        check_copy(buf_q + 64 + b, src + a, n, a, b);
      }
    }
  }
  // Buffers ending at the memory's last byte: past the program break, so nothing else uses them.
  const auto mem_end = reinterpret_cast<std::uintptr_t>(emscripten_get_heap_size());
  const auto brk = reinterpret_cast<std::uintptr_t>(sbrk(0));
  if (brk + 128 > mem_end) {
    std::printf("FAIL no room past the program break (break %zu, memory %zu)\n", static_cast<std::size_t>(brk),
                static_cast<std::size_t>(mem_end));
    return 1;
  }
  for (std::size_t n = 1; n <= 40; ++n) {
    auto* p = reinterpret_cast<unsigned char*>(mem_end - n);
    std::memset(p, 'x', n);
    if (std::memchr(p, '\n', n) != nullptr) fail("memchr at the end of memory (none)", n, 0, 0, n);
    p[n - 1] = '\n';
    if (std::memchr(p, '\n', n) != p + n - 1) fail("memchr at the end of memory", n, 0, 0, n - 1);
    if (std::memcmp(p, p, n) != 0) fail("memcmp at the end of memory", n, 0, 0, n);
  }
  if (failures) {
    std::printf("%d failures\n", failures);
    return 1;
  }
  std::printf("ok\n");
  return 0;
}
