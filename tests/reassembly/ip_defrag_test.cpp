// IP fragment reassembly: in-order, out-of-order, duplicates, overlaps (first data wins),
// teardrop, oversize, caps and timeouts.
#include <gtest/gtest.h>

#include <algorithm>
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
  // 100k incomplete 64 KB fragment sets: each first fragment sits near the end of the datagram
  // and is charged its 1000 bytes plus the 64-byte piece overhead, not the 65,000 bytes up to
  // its end.
  for (std::uint32_t id = 0; id < 100000; ++id) {
    reassembly::fragment f = frag(chunk, 0, 1000, true, id);
    f.offset = 64000;
    r.add(f);
    ASSERT_LE(r.buffered_bytes(), lim.max_bytes);
  }
  const std::size_t fit = lim.max_bytes / (1000 + lim.piece_overhead);
  EXPECT_EQ(r.pending_datagrams(), fit);
  EXPECT_EQ(r.buffered_bytes(), fit * (1000 + lim.piece_overhead));
  EXPECT_EQ(r.counters().evicted, 100000u - fit);
}

// Memory accounting near the 65,535-byte limit: what a datagram is charged is what it
// received, whatever its offsets.
TEST(IpDefrag, FragmentNearTheEndIsChargedItsOwnBytes) {
  reassembly::defrag_limits lim;
  auto d = payload(65535);
  reassembly::ip_defragmenter r(lim);
  // The last fragment first, at the highest offset a fragment can have (65,528 = 8 × 8191),
  // reaching exactly 65,535.
  EXPECT_EQ(r.add(frag(d, 65528, 7, false)), defrag_status::pending);
  EXPECT_EQ(r.buffered_bytes(), 7 + lim.piece_overhead);
  // One byte more would pass 65,535 (ping of death): not kept, nothing charged.
  std::vector<std::uint8_t> big(65536);
  EXPECT_EQ(r.add(frag(big, 65528, 8, false, 8)), defrag_status::dropped);
  EXPECT_EQ(r.counters().oversize, 1u);
  EXPECT_EQ(r.buffered_bytes(), 7 + lim.piece_overhead);
  EXPECT_EQ(r.pending_datagrams(), 1u);
  // The rest, out of order in 1480-byte fragments: each charged as it comes.
  std::vector<std::uint32_t> offs;
  for (std::uint32_t off = 0; off < 65528; off += 1480) offs.push_back(off);
  std::reverse(offs.begin(), offs.end());
  std::size_t charged = 7 + lim.piece_overhead;
  for (std::size_t i = 0; i < offs.size(); ++i) {
    std::uint32_t len = std::min<std::uint32_t>(1480, 65528 - offs[i]);
    auto st = r.add(frag(d, offs[i], len, true));
    charged += len + lim.piece_overhead;
    if (i + 1 < offs.size()) {
      ASSERT_EQ(st, defrag_status::pending);
      ASSERT_EQ(r.buffered_bytes(), charged);
    } else {
      ASSERT_EQ(st, defrag_status::complete);
    }
  }
  ASSERT_EQ(r.datagram().size(), 65535u);
  EXPECT_TRUE(std::equal(d.begin(), d.end(), r.datagram().begin()));
  EXPECT_EQ(r.buffered_bytes(), 0u);
  EXPECT_EQ(r.pending_datagrams(), 0u);
}

// Only bytes no earlier fragment brought are kept (and charged); data held past the end that
// the last fragment then fixes is given back.
TEST(IpDefrag, OverlapsAndDataPastTheEndAreNotCharged) {
  reassembly::defrag_limits lim;
  auto d = payload(2000);
  reassembly::ip_defragmenter r(lim);
  r.add(frag(d, 8, 992, true));                                  // [8, 1000)
  EXPECT_EQ(r.buffered_bytes(), 992 + lim.piece_overhead);
  r.add(frag(d, 0, 1000, true));                                 // only [0, 8) is new
  EXPECT_EQ(r.buffered_bytes(), 1000 + 2 * lim.piece_overhead);
  EXPECT_EQ(r.counters().overlaps, 1u);
  EXPECT_EQ(r.counters().overlap_conflicts, 0u);
  ASSERT_EQ(r.add(frag(d, 96, 8, false)), defrag_status::complete);  // total 104: [104, 1000) cut
  ASSERT_EQ(r.datagram().size(), 104u);
  EXPECT_TRUE(std::equal(d.begin(), d.begin() + 104, r.datagram().begin()));
  EXPECT_EQ(r.buffered_bytes(), 0u);

  reassembly::ip_defragmenter r2(lim);
  r2.add(frag(d, 16, 984, true, 9));                             // [16, 1000)
  EXPECT_EQ(r2.add(frag(d, 96, 8, false, 9)), defrag_status::pending);  // total 104, [0, 16) missing
  EXPECT_EQ(r2.buffered_bytes(), 88 + lim.piece_overhead);
}

// 100k incomplete 64 KB sets (first and last 1480-byte fragment, the middle never sent, as
// issue 10 describes them): the byte cap holds ~21,700 of them, where a buffer up to the
// highest offset held 1,024.
TEST(IpDefrag, IncompleteSetsNearTheLimitAreChargedWhatTheyHold) {
  reassembly::defrag_limits lim;
  reassembly::ip_defragmenter r(lim);
  std::vector<std::uint8_t> piece(1480, 0x46);
  const std::size_t per_set = 2 * (1480 + lim.piece_overhead);
  for (std::uint32_t id = 0; id < 100000; ++id) {
    auto first = frag(piece, 0, 1480, true, id);
    auto last = frag(piece, 0, 1480, false, id);
    last.offset = 65528 - 1480;
    ASSERT_EQ(r.add(first), defrag_status::pending);
    ASSERT_EQ(r.add(last), defrag_status::pending);
    if (id == 0) {
      ASSERT_EQ(r.buffered_bytes(), per_set);
    }
    ASSERT_LE(r.buffered_bytes(), lim.max_bytes);
  }
  EXPECT_EQ(r.pending_datagrams(), lim.max_bytes / per_set);
  EXPECT_EQ(r.counters().evicted + r.pending_datagrams(), 100000u);
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
