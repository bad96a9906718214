// IP fragment reassembly: in-order, out-of-order, duplicates, overlaps (first data wins),
// teardrop, oversize, caps and timeouts.
#include <gtest/gtest.h>

#include <numeric>

#include "pcapscope/reassembly/ip_defrag.hpp"

namespace {

using namespace pcapscope;
using reassembly::defrag_status;

std::vector<std::uint8_t> payload(std::size_t n, std::uint8_t seed = 0) {
  std::vector<std::uint8_t> v(n);
  std::iota(v.begin(), v.end(), seed);
  return v;
}

reassembly::fragment frag(const std::vector<std::uint8_t>& whole, std::uint32_t off, std::uint32_t len,
                          bool more, std::uint32_t id = 7, std::int64_t ts = 0) {
  reassembly::fragment f;
  f.src[0] = 10;
  f.dst[0] = 11;
  f.id = id;
  f.proto = 17;
  f.offset = off;
  f.more = more;
  f.payload = util::bytes(whole.data() + off, len);
  f.ts_ns = ts;
  return f;
}

TEST(IpDefrag, InOrderAndOutOfOrderComplete) {
  auto d = payload(3000);
  for (int order = 0; order < 2; ++order) {
    reassembly::ip_defragmenter r;
    std::vector<reassembly::fragment> fs = {frag(d, 0, 1480, true), frag(d, 1480, 1480, true),
                                            frag(d, 2960, 40, false)};
    if (order == 1) std::swap(fs[0], fs[2]);
    EXPECT_EQ(r.add(fs[0]), defrag_status::pending);
    EXPECT_EQ(r.add(fs[1]), defrag_status::pending);
    ASSERT_EQ(r.add(fs[2]), defrag_status::complete);
    ASSERT_EQ(r.datagram().size(), d.size());
    EXPECT_TRUE(std::equal(d.begin(), d.end(), r.datagram().begin()));
    EXPECT_EQ(r.datagram_proto(), 17);
    EXPECT_EQ(r.pending_datagrams(), 0u);
    EXPECT_EQ(r.buffered_bytes(), 0u);
  }
}

TEST(IpDefrag, DifferentIdsDoNotMix) {
  auto d = payload(200);
  reassembly::ip_defragmenter r;
  EXPECT_EQ(r.add(frag(d, 0, 96, true, 1)), defrag_status::pending);
  EXPECT_EQ(r.add(frag(d, 96, 104, false, 2)), defrag_status::pending);
  EXPECT_EQ(r.pending_datagrams(), 2u);
}

TEST(IpDefrag, OverlapFirstDataWinsAndConflictIsCounted) {
  auto d = payload(64);
  auto evil = payload(64, 100);  // different bytes at the same offsets
  reassembly::ip_defragmenter r;
  EXPECT_EQ(r.add(frag(d, 0, 32, true)), defrag_status::pending);
  EXPECT_EQ(r.add(frag(evil, 16, 32, true)), defrag_status::pending);  // overlaps 16..32 with other bytes
  ASSERT_EQ(r.add(frag(d, 48, 16, false)), defrag_status::complete);
  EXPECT_EQ(r.counters().overlaps, 1u);
  EXPECT_EQ(r.counters().overlap_conflicts, 1u);
  EXPECT_TRUE(r.datagram_had_conflict());
  // First data wins for 16..32; the new bytes fill 32..48.
  EXPECT_EQ(r.datagram()[20], d[20]);
  EXPECT_EQ(r.datagram()[40], evil[40]);
}

TEST(IpDefrag, IdenticalDuplicateIsAnOverlapWithoutConflict) {
  auto d = payload(64);
  reassembly::ip_defragmenter r;
  r.add(frag(d, 0, 32, true));
  r.add(frag(d, 0, 32, true));
  ASSERT_EQ(r.add(frag(d, 32, 32, false)), defrag_status::complete);
  EXPECT_EQ(r.counters().overlaps, 1u);
  EXPECT_EQ(r.counters().overlap_conflicts, 0u);
}

TEST(IpDefrag, TeardropDoesNotCorruptOrCrash) {
  // Second fragment starts inside the first and ends before the first's end.
  auto d = payload(100);
  reassembly::ip_defragmenter r;
  r.add(frag(d, 0, 80, true));
  r.add(frag(d, 24, 8, true));
  EXPECT_EQ(r.add(frag(d, 80, 20, false)), defrag_status::complete);
  EXPECT_TRUE(std::equal(d.begin(), d.end(), r.datagram().begin()));
}

TEST(IpDefrag, ConflictingLastFragmentsKeepTheFirstLength) {
  auto d = payload(200);
  reassembly::ip_defragmenter r;
  r.add(frag(d, 96, 8, false));   // claims total 104
  r.add(frag(d, 96, 104, false)); // claims total 200: conflict, clamped to 104
  EXPECT_EQ(r.add(frag(d, 0, 96, true)), defrag_status::complete);
  EXPECT_EQ(r.datagram().size(), 104u);
  EXPECT_GE(r.counters().overlap_conflicts, 1u);
}

TEST(IpDefrag, OversizeIsDropped) {
  std::vector<std::uint8_t> big(1000);
  reassembly::ip_defragmenter r;
  auto f = frag(big, 0, 1000, true);
  f.offset = 65000;
  EXPECT_EQ(r.add(f), defrag_status::dropped);
  EXPECT_EQ(r.counters().oversize, 1u);
  EXPECT_EQ(r.buffered_bytes(), 0u);
}

TEST(IpDefrag, ByteCapEvictsOldestIncompleteDatagrams) {
  reassembly::defrag_limits lim;
  lim.max_bytes = 256 * 1024;
  reassembly::ip_defragmenter r(lim);
  std::vector<std::uint8_t> chunk(1000, 0x55);
  // 100k incomplete 64 KB fragment sets: each first fragment sits near the end of the datagram.
  for (std::uint32_t id = 0; id < 100000; ++id) {
    reassembly::fragment f = frag(chunk, 0, 1000, true, id);
    f.offset = 64000;
    r.add(f);
    ASSERT_LE(r.buffered_bytes(), lim.max_bytes);
  }
  EXPECT_GT(r.counters().evicted, 99000u);
  EXPECT_LE(r.pending_datagrams(), 4u);
}

TEST(IpDefrag, DatagramCapAndTimeout) {
  reassembly::defrag_limits lim;
  lim.max_datagrams = 10;
  lim.timeout_ns = 1000;
  reassembly::ip_defragmenter r(lim);
  auto d = payload(16);
  for (std::uint32_t id = 0; id < 25; ++id) r.add(frag(d, 0, 8, true, id, 0));
  EXPECT_EQ(r.pending_datagrams(), 10u);
  EXPECT_EQ(r.counters().evicted, 15u);
  r.add(frag(d, 0, 8, true, 999, 5000));  // everything older than 1 µs expires
  EXPECT_EQ(r.counters().timed_out, 10u);
  EXPECT_EQ(r.pending_datagrams(), 1u);
}

TEST(IpDefrag, FindFragmentInDissectedPackets) {
  // Ethernet + IPv4 first fragment (MF, offset 0) carrying 16 bytes of UDP.
  std::vector<std::uint8_t> pkt = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x08, 0x00,
                                   0x45, 0, 0, 36, 0x12, 0x34, 0x20, 0x00, 64, 17, 0, 0,
                                   10, 0, 0, 1, 10, 0, 0, 2,
                                   0x30, 0x39, 0x00, 0x35, 0, 40, 0, 0,
                                   1, 2, 3, 4, 5, 6, 7, 8};
  dissect::packet p;
  dissect::dissect(pkt, 1, p);
  reassembly::fragment f;
  ASSERT_TRUE(reassembly::find_fragment(p, pkt, f));
  EXPECT_EQ(f.family, 4);
  EXPECT_EQ(f.id, 0x1234u);
  EXPECT_TRUE(f.more);
  EXPECT_EQ(f.offset, 0u);
  EXPECT_EQ(f.proto, 17);
  EXPECT_EQ(f.payload.size(), 16u);
  // An unfragmented packet has no fragment.
  pkt[20] = 0x40;  // DF only
  dissect::dissect(pkt, 1, p);
  EXPECT_FALSE(reassembly::find_fragment(p, pkt, f));
}

}  // namespace
