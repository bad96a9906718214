// Counts heap allocations (number and largest request) while a probe is alive. The test binary
// replaces global operator new for this (tests/support/alloc_probe.cpp); under AddressSanitizer
// the replacement is off and `enabled()` is false.
#pragma once

#include <cstddef>
#include <cstdint>

namespace pcapscope::test {

/// While an alloc_probe exists, allocations are counted (probes do not nest).
class alloc_probe {
 public:
  alloc_probe();
  ~alloc_probe();
  alloc_probe(const alloc_probe&) = delete;
  alloc_probe& operator=(const alloc_probe&) = delete;
  /// Allocations since construction.
  std::uint64_t count() const;
  /// Largest single request since construction.
  std::size_t largest() const;
  /// False when operator new is not ours (sanitizer builds): counts stay 0.
  static bool enabled();
};

}  // namespace pcapscope::test
