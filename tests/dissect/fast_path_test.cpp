// The dissector's straight-line path for the common chain (Ethernet, one VLAN tag, IPv4/IPv6,
// TCP/UDP) against the generic parsers (`dissect_generic`): the same layers, summary, payload
// bounds and anomalies, on every Ethernet packet of the shared corpus and on mutated,
// truncated and length-lying variants of hand-built packets of that chain (each check of the
// straight-line path that hands a header to the generic parsers is on such a boundary).
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "pcapscope/capture/file.hpp"
#include "pcapscope/dissect/packet.hpp"
#include "support/test_support.hpp"

namespace {

using namespace pcapscope;
using dissect::packet;
using test::bytes_out;

using test::random32;

// Both dissections of `data`; success when every field of the two packets is equal.
testing::AssertionResult same_both_ways(const std::vector<std::uint8_t>& data, std::uint32_t wire_length) {
  packet a, b;
  dissect::dissect(data, 1, a, wire_length);
  dissect::dissect_generic(data, 1, b, wire_length);
  std::ostringstream why;
  if (a.count != b.count) why << "layer count " << int{a.count} << " vs " << int{b.count} << "; ";
  for (std::size_t i = 0; i < std::min(a.count, b.count); ++i) {
    if (std::memcmp(&a.layers[i], &b.layers[i], sizeof a.layers[i]) != 0) {
      why << "layer " << i << " (kind " << int(a.layers[i].kind) << " vs " << int(b.layers[i].kind) << ") differs; ";
    }
  }
  if (a.first_anomaly != b.first_anomaly || a.anomaly_offset != b.anomaly_offset || a.anomalies != b.anomalies) {
    why << "anomalies " << int(a.first_anomaly) << "@" << a.anomaly_offset << " vs " << int(b.first_anomaly) << "@"
        << b.anomaly_offset << "; ";
  }
  if (a.payload_offset != b.payload_offset || a.payload_length != b.payload_length) {
    why << "payload " << a.payload_offset << "+" << a.payload_length << " vs " << b.payload_offset << "+"
        << b.payload_length << "; ";
  }
  if (a.frame_length != b.frame_length || a.net != b.net || a.transport != b.transport || a.vlan != b.vlan ||
      a.tunnel != b.tunnel || a.ip_headers != b.ip_headers || a.irregular != b.irregular || a.top_kind != b.top_kind) {
    why << "summary differs; ";
  }
  if (why.str().empty()) return testing::AssertionSuccess();
  return testing::AssertionFailure() << why.str();
}

// The chain's packets: Ethernet, optionally one 802.1Q tag, IPv4 (optionally with options or
// fragmented) or IPv6, then TCP (with the usual option layouts) or UDP (DNS or a tunnel port).
std::vector<std::uint8_t> build(unsigned variant, random32& rng) {
  bytes_out b;
  b.fill(12, 2);
  const bool tagged = variant & 1, v6 = variant & 2, use_udp = variant & 4, options = variant & 8;
  if (tagged) b.be16(0x8100).be16(rng() & 0xFFFF);
  b.be16(v6 ? 0x86dd : 0x0800);
  const unsigned payload = rng() % 200;
  // TCP options: NOP, NOP, timestamps; a Linux SYN's MSS, SACK permitted, timestamps, NOP,
  // window scale; or MSS, NOP, window scale, SACK permitted (walked option by option).
  const unsigned layout = rng() % 3;
  const unsigned l4 = use_udp ? 8 : (options ? (layout == 1 ? 40 : 32) : 20);
  if (v6) {
    b.be32(0x60000000 | (rng() & 0x0FFFFFFF)).be16(l4 + payload).u8(use_udp ? 17 : 6).u8(64);
    for (int i = 0; i < 8; ++i) b.be32(rng());
  } else {
    const unsigned ihl = options && (variant & 16) ? 6 : 5;
    b.u8(0x40 | ihl).u8(0).be16(ihl * 4 + l4 + payload).be16(rng() & 0xFFFF).be16((variant & 32) ? 0x2000 : 0x4000)
        .u8(64).u8(use_udp ? 17 : 6).be16(rng() & 0xFFFF).be32(rng()).be32(rng());
    if (ihl == 6) b.be32(0x01010100);
  }
  if (use_udp) {
    static const unsigned ports[] = {53, 4789, 6081, 2152, 443, 5353};
    b.be16(40000 + rng() % 1000).be16(ports[rng() % 6]).be16(8 + payload).be16(0);
  } else {
    b.be16(40000 + rng() % 1000).be16(443).be32(rng()).be32(rng()).u8((l4 / 4) << 4).u8(0x18).be16(512).be32(0);
    if (options) {
      if (layout == 0) b.be32(0x0101080a).be32(rng()).be32(rng());
      else if (layout == 1) b.be32(0x020405b4).be32(0x0402080a).be32(rng()).be32(rng()).be32(0x01030307);
      else b.be32(0x020405b4).be32(0x01030307).be32(0x04020000);
    }
  }
  for (unsigned i = 0; i < payload; ++i) b.u8(rng());
  return b.v;
}

TEST(DissectFastPath, AgreesWithTheGenericParsersOnMutatedPackets) {
  random32 rng{std::mt19937(7)};
  std::size_t checked = 0;
  for (unsigned round = 0; round < 20000; ++round) {
    const unsigned variant = rng() % 64;
    std::vector<std::uint8_t> v = build(variant, rng);
    const std::size_t headers = std::min<std::size_t>(v.size(), 14 + 4 + 40 + 40);
    // As built, then with 1–3 header bytes changed (often the version, lengths, flags).
    for (int form = 0; form < 4; ++form) {
      std::vector<std::uint8_t> m = v;
      for (int k = 0; k < form; ++k) m[rng() % headers] = static_cast<std::uint8_t>(rng());
      // Whole; cut anywhere (a snap length), the wire length the whole packet's or a lie.
      const std::uint32_t wire[] = {0, static_cast<std::uint32_t>(m.size()),
                                    static_cast<std::uint32_t>(m.size() + rng() % 3000),
                                    static_cast<std::uint32_t>(rng() % (m.size() + 1))};
      const std::size_t cut = rng() % (m.size() + 1);
      for (std::uint32_t w : wire) {
        ASSERT_TRUE(same_both_ways(m, w)) << "variant " << variant << " form " << form << " wire " << w;
        std::vector<std::uint8_t> c(m.begin(), m.begin() + static_cast<std::ptrdiff_t>(cut));
        ASSERT_TRUE(same_both_ways(c, w)) << "variant " << variant << " form " << form << " cut at " << cut;
        checked += 2;
      }
    }
  }
  EXPECT_EQ(checked, 20000u * 4 * 4 * 2);
}

// Every Ethernet packet of every corpus capture.
TEST(DissectFastPathCorpus, AgreesWithTheGenericParsers) {
  auto corpus = test::corpus_dir();
  if (!corpus) GTEST_SKIP() << "no corpus at " PCAPSCOPE_CORPUS_DIR;
  std::uint64_t packets = 0;
  auto mismatches = test::check_corpus_records(*corpus, [&](const capture::record& r) -> std::string {
    if (r.link_type != 1) return {};
    ++packets;
    std::vector<std::uint8_t> data(r.data.begin(), r.data.end());
    auto same = same_both_ways(data, r.origlen);
    return same ? std::string() : same.message();
  });
  EXPECT_EQ(mismatches, 0u);
  EXPECT_GT(packets, 10000u);
}

}  // namespace
