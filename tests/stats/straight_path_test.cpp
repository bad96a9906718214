// The statistics collector's straight path (stats::collector::on_packet: a memoized stack of up
// to four layers with a short name or none, a time in the bucket of the packet before, a length
// counted one by one) interleaved with packets that leave it: deeper stacks, fragments, long
// names, large lengths, packets without a timestamp, a bucket's exact end and times before the
// first packet, names beyond the cap, and times whose bucket ends past INT64_MAX. Counts are
// what the packets fed add up to by docs/statistics.md, with the collector's own endpoint table
// and with one the caller feeds.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "pcapscope/capture/types.hpp"
#include "pcapscope/dissect/packet.hpp"
#include "pcapscope/flow/flow.hpp"
#include "pcapscope/stats/stats.hpp"
#include "support/analysis.hpp"
#include "support/packets.hpp"

namespace {

using namespace pcapscope;
using bytes_t = std::vector<std::uint8_t>;
using test::host;
using test::put16;

// Ethernet with one tag per entry of `tpids` before IPv4 + UDP (10.0.0.s:ps → 10.0.0.d:pd)
// carrying `payload` bytes.
bytes_t tagged_udp(std::uint8_t s, std::uint8_t d, std::uint16_t ps, std::uint16_t pd,
                   const std::vector<std::uint16_t>& tpids, std::size_t payload) {
  bytes_t b = {2, 0, 0, 0, 0, d, 2, 0, 0, 0, 0, s};
  for (auto tpid : tpids) {
    put16(b, tpid);
    put16(b, 100);
  }
  put16(b, 0x0800);
  const bytes_t ip = {0x45, 0, 0, static_cast<std::uint8_t>(28 + payload), 0, 7, 0x40, 0, 64, 17, 0, 0,
                      10,   0, 0, s, 10, 0, 0, d};
  b.insert(b.end(), ip.begin(), ip.end());
  put16(b, ps);
  put16(b, pd);
  put16(b, static_cast<unsigned>(8 + payload));
  put16(b, 0);
  b.resize(b.size() + payload, 'u');
  return b;
}

// The first of two fragments of a UDP datagram (MF set): tshark's "data" under ip.
bytes_t first_fragment() {
  bytes_t b = tagged_udp(1, 2, 40000, 9999, {}, 8);
  b[14 + 6] = 0x20;  // flags/offset: MF, offset 0
  b[14 + 3] = 20 + 16;
  return b;
}

bytes_t arp() {
  bytes_t b = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 1};
  put16(b, 0x0806);
  const bytes_t body = {0, 1, 8, 0, 6, 4, 0, 1, 2, 0, 0, 0, 0, 1, 10, 0, 0, 1, 0, 0, 0, 0, 0, 0, 10, 0, 0, 2};
  b.insert(b.end(), body.begin(), body.end());
  return b;
}

// Feeds a collector the way the analysis pass does (dissected, tracked, then counted), with
// its own endpoint table or with `shared`, which it then feeds itself.
struct feeder {
  explicit feeder(bool share) : stats(&tracker, share ? &shared : nullptr), share_(share) {}
  void feed(const bytes_t& b, std::string_view app, std::int64_t ts, std::uint32_t orig = 0, bool has_ts = true) {
    capture::record r;
    r.data = b;
    r.caplen = static_cast<std::uint32_t>(b.size());
    r.origlen = orig ? orig : r.caplen;
    r.link_type = 1;
    r.ts_ns = ts;
    r.has_timestamp = has_ts;
    dissect::dissect(r.data, 1, p, r.origlen);
    const auto t = tracker.track(r, p);
    if (share_) shared.add(r, p, t);
    stats.on_packet(r, p, t, app);
  }
  // frames/bytes of a path "eth:ip:udp" (0/0 when absent).
  std::pair<std::uint64_t, std::uint64_t> node(const std::string& path) const { return test::phs_node(stats, path); }

  flow::flow_tracker tracker;
  flow::endpoint_table shared;
  stats::collector stats;
  dissect::packet p;

 private:
  bool share_;
};

struct kind {
  bytes_t bytes;
  std::string app;
  std::string path;        // the path it ends at
  std::uint32_t orig = 0;  // original length (0: captured length)
  stats::series_class cls;
  bool timed = true;       // has a timestamp
};

void check_mixed(bool share) {
  SCOPED_TRACE(share ? "shared endpoint table" : "own endpoint table");
  using sc = stats::series_class;
  const std::vector<kind> kinds = {
      {test::udp_datagram({1, 40000}, {2, 53}, "abcd"), "dns", "eth:ip:udp:dns", 0, sc::udp},
      {test::tcp_segment({1, 40001}, {3, 80}, test::tcp_ack, 1, 1, "GET"), "http", "eth:ip:tcp:http", 0, sc::tcp},
      {test::tcp_segment({3, 80}, {1, 40001}, test::tcp_ack, 1, 4, ""), "", "eth:ip:tcp", 0, sc::tcp},
      {test::tcp_segment({1, 40002}, {3, 81}, test::tcp_ack, 1, 1, "xyz"), "", "eth:ip:tcp:data", 0, sc::tcp},
      {test::udp_datagram({1, 40003}, {2, 1234}, "q"), "abcdefg", "eth:ip:udp:abcdefg", 0, sc::udp},
      {tagged_udp(1, 2, 40004, 7000, {0x8100}, 4), "", "eth:vlan:ip:udp:data", 0, sc::udp},
      {tagged_udp(1, 2, 40005, 7000, {0x88a8}, 4), "", "eth:ieee8021ad:ip:udp:data", 0, sc::udp},
      {tagged_udp(1, 2, 40006, 1701, {}, 12), "", "eth:ip:udp:l2tp", 0, sc::udp},
      {arp(), "", "eth:arp", 0, sc::other},
      // Off the straight path: five layers, a fragment, a long name, a large length, no time.
      {tagged_udp(1, 2, 40007, 7000, {0x88a8, 0x8100}, 4), "", "eth:ieee8021ad:vlan:ip:udp:data", 0, sc::udp},
      {first_fragment(), "dns", "eth:ip:data", 0, sc::udp},
      {test::udp_datagram({1, 40008}, {2, 5000}, "abc"), "application-x", "eth:ip:udp:application-x", 0, sc::udp},
      {test::udp_datagram({1, 40009}, {2, 443}, "abc"), "quic", "eth:ip:udp:quic", 3000, sc::udp},
      {test::udp_datagram({1, 40010}, {2, 53}, "abcd"), "dns", "eth:ip:udp:dns", 0, sc::udp, false},
  };
  feeder f(share);
  const std::int64_t t0 = 1700000000000000000;
  constexpr int rounds = 12;
  // Rounds 250 us apart, one packet of each kind 1 us apart: rounds 0-3 fill 1-ms bucket 0,
  // round 4 starts exactly at the end of bucket 0, rounds 8-11 are in bucket 2. Round 6 also
  // has a packet 5 ms before the first one (bucket 0); one more ends bucket 2.
  std::vector<std::array<std::uint64_t, 4>> want_class(3);  // per bucket, per class: packets
  std::vector<std::uint64_t> want_bytes(3);
  std::array<std::uint64_t, stats::plen_bins> want_plen{};
  std::uint64_t total_bytes = 0;
  std::int64_t last = 0;
  auto account = [&](const kind& k, std::int64_t ts) {
    const std::uint32_t len = k.orig ? k.orig : static_cast<std::uint32_t>(k.bytes.size());
    total_bytes += len;
    for (std::size_t b = stats::plen_bins; b-- > 0;) {
      if (len >= stats::plen_bin_low(b)) {
        ++want_plen[b];
        break;
      }
    }
    if (!k.timed) return;
    const auto bucket = static_cast<std::size_t>(ts > t0 ? (ts - t0) / 1000000 : 0);
    ++want_class[bucket][static_cast<std::size_t>(k.cls)];
    want_bytes[bucket] += len;
    last = std::max(last, ts);
  };
  for (int round = 0; round < rounds; ++round) {
    for (std::size_t i = 0; i < kinds.size(); ++i) {
      const auto& k = kinds[i];
      const std::int64_t ts = t0 + round * 250000 + static_cast<std::int64_t>(i) * 1000;
      f.feed(k.bytes, k.app, ts, k.orig, k.timed);
      account(k, ts);
    }
    if (round == 6) {
      f.feed(kinds[0].bytes, "dns", t0 - 5000000);
      account(kinds[0], t0 - 5000000);
    }
  }
  // The last time comes from the straight path (the kinds before it in a round leave it).
  const std::int64_t end = t0 + (rounds - 1) * 250000 + 100000;
  f.feed(kinds[0].bytes, "dns", end);
  account(kinds[0], end);
  EXPECT_EQ(f.stats.packets(), rounds * kinds.size() + 2);
  EXPECT_EQ(f.stats.bytes(), total_bytes);
  EXPECT_EQ(f.stats.first_ns(), t0 - 5000000);
  EXPECT_EQ(f.stats.last_ns(), last);
  EXPECT_EQ(f.stats.phs_capped(), 0u);
  // A node counts the packets whose paths go through it (the two extra packets are dns ones).
  for (const auto& node : kinds) {
    std::pair<std::uint64_t, std::uint64_t> want{0, 0};
    for (const auto& k : kinds) {
      if (k.path != node.path && k.path.rfind(node.path + ":", 0) != 0) continue;
      const std::uint32_t len = k.orig ? k.orig : static_cast<std::uint32_t>(k.bytes.size());
      const std::uint64_t n = rounds + (&k == &kinds[0] ? 2 : 0);
      want.first += n;
      want.second += n * len;
    }
    EXPECT_EQ(f.node(node.path), want) << node.path;
  }
  EXPECT_EQ(f.stats.phs()[0].frames, rounds * kinds.size() + 2);
  const auto s = f.stats.series();
  EXPECT_EQ(s.start_ns, t0);
  EXPECT_EQ(s.bucket_ns, 1000000);
  ASSERT_EQ(s.packets.size(), 3u);
  for (std::size_t b = 0; b < 3; ++b) {
    SCOPED_TRACE("bucket " + std::to_string(b));
    std::uint64_t all = 0;
    for (std::size_t c = 0; c < 4; ++c) {
      EXPECT_EQ(s.class_packets[c][b], want_class[b][c]) << stats::series_class_name(static_cast<sc>(c));
      all += want_class[b][c];
    }
    EXPECT_EQ(s.packets[b], all);
    EXPECT_EQ(s.bytes[b], want_bytes[b]);
  }
  const auto& pl = f.stats.plen();
  for (std::size_t b = 0; b < stats::plen_bins; ++b) EXPECT_EQ(pl.count[b], want_plen[b]) << "bin " << b;
  // The collector's own table counts every packet, as the caller's table does when shared.
  std::uint64_t tx = 0;
  for (const auto& e : f.stats.endpoints()) tx += e.tx_packets;
  EXPECT_EQ(tx, rounds * (kinds.size() - 1) + 2);  // all but ARP have an IP flow
}

TEST(StatsStraightPath, MixedPacketsCountAsFed) {
  check_mixed(false);
  check_mixed(true);
}

TEST(StatsStraightPath, CappedPathsCountTheirCapsEveryTime) {
  // Once the name table is full, a new name's path stops at udp and counts a cap hit, also when
  // the same packet comes again (from the memo) in the same bucket.
  feeder f(false);
  const std::int64_t t0 = 1700000000000000000;
  const auto b = test::udp_datagram({1, 40000}, {2, 9}, "abcd");
  std::int64_t ts = t0;
  std::uint64_t fed = 0;
  // Distinct names until one is cut (fewer keys than the memo holds).
  for (; f.stats.phs_capped() == 0; ++fed) f.feed(b, "n" + std::to_string(fed), ts += 10);
  ASSERT_LT(fed, stats::phs_max_names);
  for (int i = 0; i < 5; ++i) f.feed(b, "late", ts += 10);
  EXPECT_EQ(f.stats.phs_capped(), 1u + 5);
  EXPECT_EQ(f.node("eth:ip:udp").first, fed + 5);
}

TEST(StatsStraightPath, BucketsEndingPastInt64MaxAreExact) {
  // The first packet 9.5 ms before INT64_MAX: 1-ms bucket 9 ends past it. A packet in bucket 9,
  // then one at the earliest times, which go to bucket 0 (before the first packet), however
  // close their unsigned difference from bucket 9's start is to its range.
  feeder f(false);
  const std::int64_t t0 = std::numeric_limits<std::int64_t>::max() - 9500000;
  const auto b = test::udp_datagram({1, 40000}, {2, 53}, "abcd");
  f.feed(b, "dns", t0);
  f.feed(b, "dns", t0 + 9200000);
  f.feed(b, "dns", std::numeric_limits<std::int64_t>::min() + 1000);
  f.feed(b, "dns", std::numeric_limits<std::int64_t>::min() + 2000);
  const auto s = f.stats.series();
  ASSERT_EQ(s.packets.size(), 10u);
  EXPECT_EQ(s.packets[0], 3u);
  EXPECT_EQ(s.packets[9], 1u);
  EXPECT_EQ(f.stats.first_ns(), std::numeric_limits<std::int64_t>::min() + 1000);
  EXPECT_EQ(f.stats.last_ns(), t0 + 9200000);
}

}  // namespace
