// Deterministic mutations of valid pcap and pcapng files (byte flips, length-field edits,
// truncations): whatever the reader makes of them must not depend on chunking, and the
// summary must stay consistent with the delivered records.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>

#include "capture/builders.hpp"
#include "capture/check.hpp"
#include "support/test_support.hpp"

namespace pcapscope::test {
namespace {

using namespace build;

byte_vec sample_pcapng() {
  return cat({shb(false, options(false).str(opt_comment, "c").end().done()),
              idb(false, 1, 0, options(false).u8(if_tsresol, 9).str(if_name, "e").end().done()),
              epb(false, 0, 1700000000000000001ull, payload(37, 1), 0,
                  options(false).str(opt_comment, "x").u32(epb_flags, 1).end().done()),
              spb(false, 20, payload(20, 2)),
              nrb(false, nrb_ipv4(false, {1, 2, 3, 4}, {"n.example"})),
              isb(false, 0, 5, options(false).u64(isb_ifrecv, 3).end().done()),
              dsb(false, 1, payload(7)),
              shb(true), idb(true, 113, 64),
              epb(true, 0, 1700000000000001ull, payload(70, 3)),
              packet_block(true, 0, 1700000000000002ull, payload(9, 4))});
}

byte_vec sample_pcap(bool big, std::uint32_t magic) {
  if (magic == magic_kuznetsov)
    return cat({pcap_header(big, magic, 128), kuznetsov_record(big, 1700000000, 1, payload(50, 1)),
                kuznetsov_record(big, 1700000001, 2, payload(60, 2), 100)});
  return cat({pcap_header(big, magic, 128), pcap_record(big, 1700000000, 1, payload(50, 1)),
              pcap_record(big, 1700000001, 2, payload(60, 2), 100),
              pcap_record(big, 1700000002, 3, payload(3, 3))});
}

byte_vec mutate(const byte_vec& in, std::mt19937& rng) {
  byte_vec b = in;
  std::uniform_int_distribution<std::size_t> pos(0, b.size() - 1);
  switch (rng() % 5) {
    case 0:  // flip a random byte
      b[pos(rng)] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
      break;
    case 1: {  // overwrite an aligned 32-bit word (often a length) with an interesting value
      static const std::uint32_t vals[] = {0, 1, 3, 4, 11, 12, 13, 16, 28, 0x7FFFFFFF, 0xFFFFFFFF,
                                           0xFFFFFFF0, 0x00010000};
      std::size_t p = (pos(rng) / 4) * 4;
      if (p + 4 <= b.size()) {
        std::uint32_t v = vals[rng() % (sizeof vals / sizeof vals[0])];
        for (int i = 0; i < 4; ++i) b[p + i] = static_cast<std::uint8_t>(v >> (8 * i));
      }
      break;
    }
    case 2:  // truncate
      b.resize(pos(rng));
      break;
    case 3: {  // duplicate a slice
      std::size_t s = pos(rng);
      std::size_t n = std::min<std::size_t>(rng() % 64, b.size() - s);
      b.insert(b.begin() + static_cast<std::ptrdiff_t>(s), in.begin() + static_cast<std::ptrdiff_t>(s),
               in.begin() + static_cast<std::ptrdiff_t>(s + n));
      break;
    }
    default:  // two flips
      b[pos(rng)] ^= 0xFF;
      b[pos(rng)] ^= 0x80;
      break;
  }
  return b;
}

// PCAPSCOPE_MUTATIONS=<factor> multiplies the number of mutations (for longer local runs).
void run_mutations(const byte_vec& base, std::uint32_t seed, int count) {
  if (const char* f = std::getenv("PCAPSCOPE_MUTATIONS")) count *= std::max(1, std::atoi(f));
  std::mt19937 rng(seed);
  for (int i = 0; i < count; ++i) {
    auto m = mutate(base, rng);
    SCOPED_TRACE("mutation " + std::to_string(i) + " seed " + std::to_string(seed));
    auto whole = read_bytes(m);
    expect_invariants(whole, m.size());
    expect_same_reads(whole, read_bytes(m, 1), "1-byte");
    expect_same_reads(whole, read_bytes_random_chunks(m, seed + static_cast<std::uint32_t>(i), 23),
                      "random");
    if (::testing::Test::HasFailure()) {
      std::string hex;
      for (auto c : m) {
        char t[4];
        std::snprintf(t, sizeof t, "%02x", c);
        hex += t;
      }
      ADD_FAILURE() << "input: " << hex;
      return;
    }
  }
}

TEST(Mutations, Pcapng) { run_mutations(sample_pcapng(), 1234, 400); }
TEST(Mutations, PcapMicroLittle) { run_mutations(sample_pcap(false, magic_us), 99, 200); }
TEST(Mutations, PcapNanoBig) { run_mutations(sample_pcap(true, magic_ns), 7, 200); }
TEST(Mutations, PcapKuznetsov) { run_mutations(sample_pcap(false, magic_kuznetsov), 5, 100); }

}  // namespace
}  // namespace pcapscope::test
