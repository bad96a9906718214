// Global operator new replacement that feeds alloc_probe (see alloc_probe.hpp).
#include "support/alloc_probe.hpp"

#include <atomic>
#include <cstdlib>
#include <new>

#if defined(__SANITIZE_ADDRESS__)
#define PCAPSCOPE_ALLOC_PROBE 0  // AddressSanitizer owns operator new
#else
#define PCAPSCOPE_ALLOC_PROBE 1
#endif

namespace {
std::atomic<bool> g_armed{false};
std::atomic<std::uint64_t> g_count{0};
std::atomic<std::size_t> g_largest{0};

[[maybe_unused]] void* counted_alloc(std::size_t n) {
  if (g_armed.load(std::memory_order_relaxed)) {
    g_count.fetch_add(1, std::memory_order_relaxed);
    std::size_t cur = g_largest.load(std::memory_order_relaxed);
    while (n > cur && !g_largest.compare_exchange_weak(cur, n)) {
    }
  }
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
}  // namespace

#if PCAPSCOPE_ALLOC_PROBE
void* operator new(std::size_t n) { return counted_alloc(n); }
void* operator new[](std::size_t n) { return counted_alloc(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  try {
    return counted_alloc(n);
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept {
  try {
    return counted_alloc(n);
  } catch (...) {
    return nullptr;
  }
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
#endif

namespace pcapscope::test {

alloc_probe::alloc_probe() {
  g_count = 0;
  g_largest = 0;
  g_armed = true;
}
alloc_probe::~alloc_probe() { g_armed = false; }
std::uint64_t alloc_probe::count() const { return g_count.load(); }
std::size_t alloc_probe::largest() const { return g_largest.load(); }
bool alloc_probe::enabled() { return PCAPSCOPE_ALLOC_PROBE != 0; }

}  // namespace pcapscope::test
