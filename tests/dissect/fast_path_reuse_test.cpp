// The dissector's straight-line path writes every byte of the layers it pushes and the whole
// count and summary itself (it clears no more than the union, and leaves the summary to the
// end of the chain, or to `summarize` when the generic loop goes on): so a packet reused
// across dissections, as `index_builder` reuses its one, must hold exactly what the generic
// parsers put into a fresh one. Both packets start filled with different garbage here, so a
// byte either path leaves unwritten shows as a difference.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "pcapscope/dissect/packet.hpp"
#include "support/test_support.hpp"

namespace {

using namespace pcapscope;
using dissect::packet;
using test::bytes_out;

using test::random32;

void poison(packet& p, unsigned char b) { std::memset(static_cast<void*>(&p), b, sizeof p); }

// Where `a` (the straight-line path, into a reused packet) and `b` (the generic parsers) differ.
std::string differences(const packet& a, const packet& b) {
  std::ostringstream why;
  if (a.count != b.count) why << "layer count " << int{a.count} << " vs " << int{b.count} << "; ";
  for (std::size_t i = 0; i < std::min(a.count, b.count); ++i) {
    if (std::memcmp(&a.layers[i], &b.layers[i], sizeof a.layers[i]) != 0) why << "layer " << i << " bytes; ";
  }
  if (a.net != b.net || a.transport != b.transport || a.ip_headers != b.ip_headers || a.vlan != b.vlan ||
      a.tunnel != b.tunnel || a.irregular != b.irregular || a.top_kind != b.top_kind) {
    why << "summary " << int{a.net} << "/" << int{a.transport} << "/" << int{a.ip_headers} << "/" << int{a.vlan}
        << "/" << int{a.tunnel} << "/" << int{a.irregular} << "/" << int(a.top_kind) << " vs " << int{b.net} << "/"
        << int{b.transport} << "/" << int{b.ip_headers} << "/" << int{b.vlan} << "/" << int{b.tunnel} << "/"
        << int{b.irregular} << "/" << int(b.top_kind) << "; ";
  }
  if (a.first_anomaly != b.first_anomaly || a.anomalies != b.anomalies || a.anomaly_offset != b.anomaly_offset) {
    why << "anomalies; ";
  }
  if (a.frame_length != b.frame_length || a.payload_offset != b.payload_offset || a.payload_length != b.payload_length) {
    why << "lengths; ";
  }
  return why.str();
}

// A packet of the common chain or near it: Ethernet, 0–2 VLAN tags, IPv4 (options, fragments)
// or IPv6, then TCP (no options, timestamps, a Linux SYN's options), UDP (plain or on a tunnel
// port, VXLAN carrying another such packet) or ICMP.
std::vector<std::uint8_t> build(random32& rng, int depth = 0) {
  bytes_out b;
  for (int i = 0; i < 12; ++i) b.u8(rng());
  const unsigned tags = rng() % 4 == 0 ? 1 + rng() % 2 : 0;
  for (unsigned i = 0; i < tags; ++i) b.be16(i == 0 && rng() % 2 ? 0x88a8 : 0x8100).be16(rng() & 0xFFFF);
  const bool v6 = rng() % 3 == 0;
  b.be16(v6 ? 0x86dd : 0x0800);
  const unsigned l4 = rng() % 8;  // 0-3 TCP, 4-5 UDP, 6 VXLAN, 7 ICMP
  std::vector<std::uint8_t> inner = l4 == 6 && depth == 0 ? build(rng, 1) : std::vector<std::uint8_t>{};
  const unsigned payload = static_cast<unsigned>(inner.size()) + rng() % 64;
  const unsigned topts = l4 == 1 ? 12 : l4 == 2 ? 20 : 0;
  const unsigned l4len = l4 < 4 ? 20 + topts : 8;
  const std::uint8_t proto = l4 < 4 ? 6 : l4 == 7 ? (v6 ? 58 : 1) : 17;
  if (v6) {
    b.be32(0x60000000 | (rng() & 0x0FFFFFFF)).be16(l4len + payload).u8(proto).u8(rng());
    for (int i = 0; i < 8; ++i) b.be32(rng());
  } else {
    const unsigned ihl = rng() % 8 == 0 ? 6 : 5;
    const unsigned frag = rng() % 8 == 0 ? 0x2000 : 0x4000;
    b.u8(0x40 | ihl).u8(rng()).be16(ihl * 4 + l4len + payload).be16(rng() & 0xFFFF).be16(frag).u8(rng()).u8(proto)
        .be16(rng() & 0xFFFF).be32(rng()).be32(rng());
    if (ihl == 6) b.be32(0x01010100);
  }
  if (l4 < 4) {
    b.be16(rng() & 0xFFFF).be16(rng() & 0xFFFF).be32(rng()).be32(rng()).u8((l4len / 4) << 4).u8(rng()).be32(rng());
    if (topts == 12) b.be32(0x0101080a).be32(rng()).be32(rng());
    if (topts == 20) b.be32(0x020405b4).be32(0x0402080a).be32(rng()).be32(rng()).be32(0x01030307);
  } else if (l4 == 7) {
    b.u8(8).u8(0).be32(rng()).be16(rng() & 0xFFFF);
  } else {
    static const unsigned ports[] = {53, 443, 5353, 4789, 6081, 2152};
    const unsigned dport = l4 == 6 ? 4789 : ports[rng() % 6];
    b.be16(40000 + rng() % 20000).be16(dport).be16(8 + payload).be16(rng() & 0xFFFF);
    if (l4 == 6) b.be32(0x08000000).be32((rng() & 0xFFFFFF) << 8);
  }
  b.raw(inner);
  while (b.size() < 14 + tags * 4 + (v6 ? 40 : 20) + l4len + payload) b.u8(rng());
  return b.v;
}

TEST(DissectFastPathReuse, WritesAllOfEveryLayerAndTheSummary) {
  random32 rng{std::mt19937(11)};
  packet reused;  // as index_builder's: every dissection goes into the one before it
  poison(reused, 0xA5);
  std::size_t checked = 0, straight = 0;
  for (unsigned round = 0; round < 20000; ++round) {
    std::vector<std::uint8_t> v = build(rng);
    // As built, with 1–2 header bytes changed, or cut (a snap length); the wire length the
    // captured one, longer, or a lie.
    const int form = static_cast<int>(rng() % 4);
    if (form == 1 || form == 2) {
      for (int k = 0; k < form; ++k) v[rng() % std::min<std::size_t>(v.size(), 100)] = static_cast<std::uint8_t>(rng());
    } else if (form == 3) {
      v.resize(rng() % (v.size() + 1));
    }
    const std::uint32_t wire = rng() % 3 == 0 ? static_cast<std::uint32_t>(v.size() + rng() % 100) : 0;
    if (rng() % 16 == 0) poison(reused, static_cast<unsigned char>(rng()));
    dissect::dissect(v, 1, reused, wire);
    packet fresh;
    poison(fresh, 0x5A);
    dissect::dissect_generic(v, 1, fresh, wire);
    const std::string why = differences(reused, fresh);
    ASSERT_TRUE(why.empty()) << "round " << round << " form " << form << ": " << why;
    ++checked;
    // The chain was whole: the straight-line path wrote the summary itself.
    if (fresh.transport != packet::no_layer && fresh.count == fresh.transport + 1u &&
        (fresh.top_kind == dissect::proto::tcp || fresh.top_kind == dissect::proto::udp)) {
      ++straight;
    }
  }
  EXPECT_EQ(checked, 20000u);
  // Both ways were taken often: the chain whole, and the generic loop going on from it.
  EXPECT_GT(straight, 5000u);
  EXPECT_LT(straight, 15000u);
}

}  // namespace
