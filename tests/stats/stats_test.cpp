// Statistics collector on hand-built packets: protocol paths (VLAN/QinQ, IP fragments, ICMP
// errors, application names, the memo of paths beyond its caps), frame bytes from original
// lengths, time series with coarsening and re-binning, hostile timestamps, top talkers, ports
// and services, packet-size bins, the caps, the JSON shape and the absence of per-packet
// allocation.
#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <string>
#include <vector>

#include "pcapscope/flow/flow.hpp"
#include "pcapscope/index/index.hpp"
#include "pcapscope/stats/stats.hpp"
#include "support/alloc_probe.hpp"
#include "support/analysis.hpp"
#include "support/packets.hpp"

namespace {

using namespace pcapscope;
using bytes_t = std::vector<std::uint8_t>;

using pcapscope::test::put16;
using pcapscope::test::put32;

struct ep {
  std::array<std::uint8_t, 4> ip;
  std::uint16_t port;
};

// Ethernet (optional 802.1ad + 802.1Q tags) + IPv4 for `l4` bytes of `proto`; `frag` is the
// 16-bit flags/offset word.
bytes_t eth_ip(const ep& s, const ep& d, std::uint8_t proto, std::size_t l4, std::uint16_t frag = 0x4000,
               bool qinq = false, std::uint16_t ip_len = 0) {
  bytes_t b = {0, 0, 0, 0, 0, d.ip[3], 0, 0, 0, 0, 0, s.ip[3]};
  if (qinq) {
    put16(b, 0x88a8);
    put16(b, 100);
    put16(b, 0x8100);
    put16(b, 200);
  }
  put16(b, 0x0800);
  b.push_back(0x45);
  b.push_back(0);
  put16(b, ip_len ? ip_len : static_cast<std::uint16_t>(20 + l4));
  put16(b, 7);
  put16(b, frag);
  b.push_back(64);
  b.push_back(proto);
  put16(b, 0);
  b.insert(b.end(), s.ip.begin(), s.ip.end());
  b.insert(b.end(), d.ip.begin(), d.ip.end());
  return b;
}

// The first of two fragments of a UDP datagram of 8 + 24 bytes: its header and 8 bytes, MF set.
bytes_t first_udp_fragment(const ep& s, const ep& d) {
  auto b = eth_ip(s, d, 17, 16, 0x2000);
  put16(b, s.port);
  put16(b, d.port);
  put16(b, 32);
  put16(b, 0);
  b.resize(b.size() + 8, 'a');
  return b;
}

bytes_t udp(const ep& s, const ep& d, std::size_t payload, bool qinq = false) {
  auto b = eth_ip(s, d, 17, 8 + payload, 0x4000, qinq);
  put16(b, s.port);
  put16(b, d.port);
  put16(b, static_cast<std::uint16_t>(8 + payload));
  put16(b, 0);
  b.resize(b.size() + payload, 'q');
  return b;
}

bytes_t tcp(const ep& s, const ep& d, std::uint16_t flags, std::size_t payload = 0) {
  auto b = eth_ip(s, d, 6, 20 + payload);
  put16(b, s.port);
  put16(b, d.port);
  put32(b, 1000);
  put32(b, 0);
  put16(b, static_cast<std::uint16_t>(0x5000 | flags));
  put16(b, 65535);
  put32(b, 0);
  b.resize(b.size() + payload, 'x');
  return b;
}

// ICMP port unreachable quoting the IP + UDP header of `quoted`.
bytes_t icmp_unreachable(const ep& s, const ep& d) {
  auto inner = udp(d, s, 4);
  bytes_t q(inner.begin() + 14, inner.begin() + 14 + 28);
  auto b = eth_ip(s, d, 1, 8 + q.size());
  b.push_back(3);
  b.push_back(3);
  put16(b, 0);
  put32(b, 0);
  b.insert(b.end(), q.begin(), q.end());
  return b;
}

// Ethernet with a tag per entry of `tpids` (0x8100 802.1Q, 0x88a8 802.1ad), IPv4, and UDP
// carrying `payload`.
bytes_t tagged_udp(const ep& s, const ep& d, const std::vector<std::uint16_t>& tpids, const bytes_t& payload = {}) {
  bytes_t b = {0, 0, 0, 0, 0, d.ip[3], 0, 0, 0, 0, 0, s.ip[3]};
  for (auto tpid : tpids) {
    put16(b, tpid);
    put16(b, 100);
  }
  put16(b, 0x0800);
  b.push_back(0x45);
  b.push_back(0);
  put16(b, static_cast<std::uint16_t>(20 + 8 + payload.size()));
  put16(b, 7);
  put16(b, 0x4000);
  b.push_back(64);
  b.push_back(17);
  put16(b, 0);
  b.insert(b.end(), s.ip.begin(), s.ip.end());
  b.insert(b.end(), d.ip.begin(), d.ip.end());
  put16(b, s.port);
  put16(b, d.port);
  put16(b, static_cast<std::uint16_t>(8 + payload.size()));
  put16(b, 0);
  b.insert(b.end(), payload.begin(), payload.end());
  return b;
}

// `inner` (an Ethernet frame) in VXLAN (UDP port 4789) in Ethernet + IPv4.
bytes_t vxlan(const ep& s, const ep& d, const bytes_t& inner) {
  bytes_t v = {0x08, 0, 0, 0, 0, 0, 42, 0};
  v.insert(v.end(), inner.begin(), inner.end());
  return tagged_udp(s, {d.ip, 4789}, {}, v);
}

// Drives an index builder + tracker + collector, one record per call.
struct rig : capture::handler {
  flow::flow_tracker tracker;
  stats::collector stats{&tracker};
  index::index_builder builder{nullptr, &tracker};
  std::int64_t ts = 1700000000000000000;
  std::string_view app;

  void on_record(const capture::record& r) override {
    builder.on_record(r);
    stats.on_packet(builder.last_flow_record(), builder.last_packet(), builder.last_track(), app);
  }
  // Feeds `b` at time `at` (default: 1 ms after the previous one) with original length `orig`.
  void feed(const bytes_t& b, std::string_view a = {}, std::uint32_t orig = 0, std::int64_t at = 0) {
    capture::record r;
    r.data = b;
    r.caplen = static_cast<std::uint32_t>(b.size());
    r.origlen = orig ? orig : r.caplen;
    r.link_type = 1;
    r.ts_ns = at ? at : ts;
    ts = r.ts_ns < std::numeric_limits<std::int64_t>::max() - 1000000 ? r.ts_ns + 1000000 : r.ts_ns;
    app = a;
    on_record(r);
  }
  // frames/bytes of a path "eth:ip:udp" (0/0 when absent).
  std::pair<std::uint64_t, std::uint64_t> node(const std::string& path) const { return test::phs_node(stats, path); }
};

const ep A{{10, 0, 0, 1}, 40000};
const ep B{{10, 0, 0, 2}, 53};
const ep C{{10, 0, 0, 3}, 80};

TEST(StatsTest, ProtocolPathsCountFramesAndOriginalBytes) {
  rig r;
  r.feed(udp(A, B, 30), "dns");                 // 72 bytes
  r.feed(udp(B, A, 50), "dns", 1000);           // captured 92, on the wire 1000
  r.feed(tcp(A, C, 0x02));                      // 54 bytes, no payload
  r.feed(tcp(A, C, 0x18, 10), "http");          // 64
  r.feed(tcp(A, C, 0x18, 10));                  // 64, payload without an application name
  r.feed(udp(A, B, 0, true));                   // QinQ: 50 bytes with the two tags
  EXPECT_EQ(r.stats.phs()[0].frames, 6u);
  EXPECT_EQ(r.node("eth"), std::make_pair(std::uint64_t{6}, std::uint64_t{72 + 1000 + 54 + 64 + 64 + 50}));
  EXPECT_EQ(r.node("eth:ip:udp:dns"), std::make_pair(std::uint64_t{2}, std::uint64_t{1072}));
  EXPECT_EQ(r.node("eth:ip:tcp"), std::make_pair(std::uint64_t{3}, std::uint64_t{182}));
  EXPECT_EQ(r.node("eth:ip:tcp:http"), std::make_pair(std::uint64_t{1}, std::uint64_t{64}));
  EXPECT_EQ(r.node("eth:ip:tcp:data"), std::make_pair(std::uint64_t{1}, std::uint64_t{64}));
  EXPECT_EQ(r.node("eth:ieee8021ad:vlan:ip:udp"), std::make_pair(std::uint64_t{1}, std::uint64_t{50}));
  EXPECT_EQ(r.node("eth:ieee8021ad:vlan:ip:udp:data"), std::make_pair(std::uint64_t{0}, std::uint64_t{0}));
  EXPECT_EQ(r.stats.packets(), 6u);
  EXPECT_EQ(r.stats.bytes(), 72u + 1000 + 54 + 64 + 64 + 50);
}

TEST(StatsTest, ArpPaddingIsNotData) {
  rig r;
  bytes_t b = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 1, 2, 3, 4, 5, 0x08, 0x06};
  bytes_t arp = {0, 1, 8, 0, 6, 4, 0, 1, 0, 1, 2, 3, 4, 5, 10, 0, 0, 1, 0, 0, 0, 0, 0, 0, 10, 0, 0, 2};
  b.insert(b.end(), arp.begin(), arp.end());
  b.resize(60, 0);  // Ethernet minimum: 18 bytes of padding
  r.feed(b);
  EXPECT_EQ(r.node("eth:arp"), std::make_pair(std::uint64_t{1}, std::uint64_t{60}));
  EXPECT_EQ(r.node("eth:arp:data").first, 0u);
}

TEST(StatsTest, IcmpErrorQuoteIsPartOfIcmp) {
  rig r;
  r.feed(icmp_unreachable(C, A));
  EXPECT_EQ(r.node("eth:ip:icmp").first, 1u);
  EXPECT_EQ(r.node("eth:ip:icmp:ip").first, 0u);
  EXPECT_EQ(r.node("eth:ip:icmp:data").first, 0u);
}

TEST(StatsTest, FragmentsAreDataUntilTheDatagramCompletes) {
  rig r;
  // A UDP datagram of 8 + 24 bytes in two fragments: 16 bytes (MF), then 16 at offset 2 (x8).
  auto first = first_udp_fragment(A, B);
  auto second = eth_ip(A, B, 17, 16, 0x0002);
  second.resize(second.size() + 16, 'b');
  r.feed(first, "dns");
  r.feed(second, "dns");
  EXPECT_EQ(r.node("eth:ip:data"), std::make_pair(std::uint64_t{1}, std::uint64_t{first.size()}));
  EXPECT_EQ(r.node("eth:ip:udp:dns"), std::make_pair(std::uint64_t{1}, std::uint64_t{second.size()}));
  EXPECT_EQ(r.node("eth:ip:udp").first, 1u);

  // Out of order: the first fragment completes the datagram, so it carries the UDP header.
  rig o;
  auto later = eth_ip(A, B, 17, 16, 0x0002);
  later.resize(later.size() + 16, 'b');
  o.feed(later, "dns");
  o.feed(first, "dns");
  EXPECT_EQ(o.node("eth:ip:data"), std::make_pair(std::uint64_t{1}, std::uint64_t{later.size()}));
  EXPECT_EQ(o.node("eth:ip:udp:dns"), std::make_pair(std::uint64_t{1}, std::uint64_t{first.size()}));
}

TEST(StatsTest, PhsTextHasTsharkLayout) {
  rig r;
  r.feed(udp(A, B, 30), "dns");
  auto t = stats::phs_text(r.stats);
  EXPECT_EQ(t,
            "\n===================================================================\n"
            "Protocol Hierarchy Statistics\n"
            "Filter: \n\n"
            "eth                                      frames:1 bytes:72\n"
            "  ip                                     frames:1 bytes:72\n"
            "    udp                                  frames:1 bytes:72\n"
            "      dns                                frames:1 bytes:72\n"
            "===================================================================\n");
}

TEST(StatsTest, TimeSeriesBucketsAndRebinning) {
  rig r;
  const std::int64_t t0 = 1700000000000000000;
  r.feed(udp(A, B, 10), {}, 0, t0);                   // bucket 0 (ms)
  r.feed(udp(A, B, 10), {}, 0, t0 + 500000);          // bucket 0
  r.feed(tcp(A, C, 0x02), {}, 0, t0 + 2500000);       // bucket 2
  r.feed(udp(A, B, 10), {}, 0, t0 - 7000000);         // before the first packet: bucket 0
  auto s = r.stats.series();
  EXPECT_EQ(s.start_ns, t0);
  EXPECT_EQ(s.bucket_ns, 1000000);
  EXPECT_EQ(s.packets, (std::vector<std::uint64_t>{3, 0, 1}));
  EXPECT_EQ(s.bytes, (std::vector<std::uint64_t>{3 * 52, 0, 54}));
  auto tcp_i = static_cast<std::size_t>(stats::series_class::tcp);
  auto udp_i = static_cast<std::size_t>(stats::series_class::udp);
  EXPECT_EQ(s.class_packets[tcp_i], (std::vector<std::uint64_t>{0, 0, 1}));
  EXPECT_EQ(s.class_packets[udp_i], (std::vector<std::uint64_t>{3, 0, 0}));
  auto s2 = r.stats.series(1500000);  // rounded up to 2 ms
  EXPECT_EQ(s2.bucket_ns, 2000000);
  EXPECT_EQ(s2.packets, (std::vector<std::uint64_t>{3, 1}));
  auto s3 = r.stats.series(10000000);
  EXPECT_EQ(s3.packets, (std::vector<std::uint64_t>{4}));
  EXPECT_EQ(r.stats.first_ns(), t0 - 7000000);
  EXPECT_EQ(r.stats.last_ns(), t0 + 2500000);
}

TEST(StatsTest, TimeSeriesCoarsensToStayBounded) {
  rig r;
  const std::int64_t t0 = 1700000000000000000;
  r.feed(udp(A, B, 10), {}, 0, t0);
  r.feed(udp(A, B, 10), {}, 0, t0 + 1500000);         // 1.5 ms: fine bucket 1
  r.feed(udp(A, B, 10), {}, 0, t0 + 70000000000);     // 70 s: 1 ms buckets would need 70001
  EXPECT_EQ(r.stats.fine_bucket_ns(), 2000000);
  auto s = r.stats.series();
  EXPECT_EQ(s.bucket_ns, 2000000);
  EXPECT_EQ(s.packets.size(), 35001u);
  EXPECT_EQ(s.packets[0], 2u);  // 0 and 1.5 ms share the first 2-ms bucket
  EXPECT_EQ(s.packets.back(), 1u);
  std::uint64_t total = 0;
  for (auto v : s.packets) total += v;
  EXPECT_EQ(total, 3u);
}

// The collector remembers the bucket of the last packet (to skip a division): packets that go
// back to earlier buckets, return to a later one, or arrive right after a coarsening must still
// land where their time says.
TEST(StatsTest, TimeSeriesPacketsMovingBetweenBuckets) {
  rig r;
  const std::int64_t t0 = 1700000000000000000;
  r.feed(udp(A, B, 10), {}, 0, t0);                    // 1-ms bucket 0
  r.feed(udp(A, B, 10), {}, 0, t0 + 2200000);          // bucket 2
  r.feed(udp(A, B, 10), {}, 0, t0 + 300000);           // back to bucket 0
  r.feed(udp(A, B, 10), {}, 0, t0 + 2900000);          // bucket 2 again
  r.feed(udp(A, B, 10), {}, 0, t0 + 70000000000);      // 70 s: coarsens to 2-ms buckets (35000)
  r.feed(udp(A, B, 10), {}, 0, t0 + 70001000000);      // same 2-ms bucket as the one before
  r.feed(udp(A, B, 10), {}, 0, t0 + 1900000);          // 2-ms bucket 0
  EXPECT_EQ(r.stats.fine_bucket_ns(), 2000000);
  auto s = r.stats.series();
  ASSERT_EQ(s.packets.size(), 35001u);
  EXPECT_EQ(s.packets[0], 3u);  // 0, 0.3 and 1.9 ms
  EXPECT_EQ(s.packets[1], 2u);  // 2.2 and 2.9 ms
  EXPECT_EQ(s.packets[35000], 2u);
  std::uint64_t total = 0;
  for (auto v : s.packets) total += v;
  EXPECT_EQ(total, 7u);
}

TEST(StatsTest, HostileTimestampsStayBounded) {
  rig r;
  r.feed(udp(A, B, 10), {}, 0, std::numeric_limits<std::int64_t>::min() + 1);
  r.feed(udp(A, B, 10), {}, 0, std::numeric_limits<std::int64_t>::max());
  r.feed(udp(A, B, 10), {}, 0, 1);
  auto s = r.stats.series();
  EXPECT_LE(s.packets.size(), stats::series_max_buckets);
  std::uint64_t total = 0;
  for (auto v : s.packets) total += v;
  EXPECT_EQ(total, 3u);
  EXPECT_EQ(s.packets.front(), 1u);
  EXPECT_EQ(s.packets.back(), 1u);
  auto json = stats::stats_json(r.stats);
  EXPECT_NE(json.find("\"time_series\""), std::string::npos);
  auto big = r.stats.series(std::numeric_limits<std::int64_t>::max());
  EXPECT_LE(big.packets.size(), 5u);  // widths are capped at 2^62 ns, the span is ~2^64
  EXPECT_GT(big.bucket_ns, std::int64_t{1} << 61);
}

TEST(StatsTest, TopTalkersPortsAndServices) {
  rig r;
  const ep D{{10, 0, 0, 4}, 40001};
  r.feed(tcp(A, C, 0x02));          // flow 1: A -> C:80, 54 bytes
  r.feed(tcp(C, A, 0x12), {}, 1054); // reply, 1054 on the wire
  r.feed(udp(A, B, 20));            // flow 2: A -> B:53, 62 bytes
  r.feed(udp(D, B, 20));            // flow 3: D -> B:53
  r.feed(udp(B, D, 40));            // reply, 82 bytes
  r.stats.finish();
  const auto& eps = r.stats.endpoints();
  auto by_bytes = r.stats.top_talkers_by_bytes(2);
  ASSERT_EQ(by_bytes.size(), 2u);
  auto addr = [&](std::size_t i) { return flow::format_address(eps[i].addr, false); };
  EXPECT_EQ(addr(by_bytes[0]), "10.0.0.1");  // 54 + 1054 + 62
  EXPECT_EQ(addr(by_bytes[1]), "10.0.0.3");  // 54 + 1054
  auto by_pkts = r.stats.top_talkers_by_packets(10);
  ASSERT_EQ(by_pkts.size(), 4u);
  EXPECT_EQ(addr(by_pkts[0]), "10.0.0.1");   // 3 packets, 1170 bytes
  EXPECT_EQ(addr(by_pkts[1]), "10.0.0.2");   // 3 packets, 206 bytes
  EXPECT_EQ(eps[by_pkts[1]].rx_packets, 2u);
  EXPECT_EQ(eps[by_pkts[1]].tx_bytes, 82u);
  const auto& ports = r.stats.ports();
  ASSERT_EQ(ports.size(), 2u);
  EXPECT_EQ(ports[0].ip_proto, 6);
  EXPECT_EQ(ports[0].port, 80);
  EXPECT_EQ(ports[0].flows, 1u);
  EXPECT_EQ(ports[0].packets, 2u);
  EXPECT_EQ(ports[0].bytes, 1108u);
  EXPECT_EQ(ports[1].ip_proto, 17);
  EXPECT_EQ(ports[1].port, 53);
  EXPECT_EQ(ports[1].flows, 2u);
  EXPECT_EQ(ports[1].packets, 3u);
  EXPECT_EQ(ports[1].bytes, 62u + 62 + 82);
  std::uint64_t svc_flows = 0;
  for (const auto& s : r.stats.services()) svc_flows += s.flows;
  EXPECT_EQ(svc_flows, 3u);
}

TEST(StatsTest, SharedEndpointTableIsUsedNotFed) {
  // The analysis pass feeds its own endpoint table; the collector then reads that one.
  flow::flow_tracker tracker;
  flow::endpoint_table shared;
  stats::collector st(&tracker, &shared);
  dissect::packet p;
  auto b = tcp(A, C, 0x02);
  capture::record r;
  r.data = b;
  r.caplen = r.origlen = static_cast<std::uint32_t>(b.size());
  r.link_type = 1;
  r.ts_ns = 5;
  dissect::dissect(r.data, 1, p, r.origlen);
  auto t = tracker.track(r, p);
  st.on_packet(r, p, t, {});
  EXPECT_TRUE(st.endpoints().empty());  // not fed by the collector
  shared.add(r, p, t);
  ASSERT_EQ(st.endpoints().size(), 2u);
  EXPECT_EQ(&st.endpoints(), &shared.ip());
  EXPECT_EQ(st.top_talkers_by_bytes(1).size(), 1u);
}

TEST(StatsTest, PacketLengthBins) {
  rig r;
  for (std::uint32_t len : {19u, 20u, 39u, 40u, 79u, 80u, 1279u, 1280u, 5119u, 5120u, 65535u}) {
    r.feed(udp(A, B, 0), {}, len);
  }
  const auto& pl = r.stats.plen();
  std::array<std::uint64_t, stats::plen_bins> want = {1, 2, 2, 1, 0, 0, 1, 1, 1, 2};
  for (std::size_t i = 0; i < stats::plen_bins; ++i) EXPECT_EQ(pl.count[i], want[i]) << "bin " << i;
  EXPECT_EQ(pl.min[9], 5120u);
  EXPECT_EQ(pl.max[9], 65535u);
  EXPECT_EQ(pl.bytes[1], 59u);
  EXPECT_EQ(stats::plen_bin_low(7), 1280u);
}

TEST(StatsTest, PacketLengthBinsReadBetweenPacketsStayCurrent) {
  // Bins as tshark's plen,tree: 80-159, 1280-2559, 2560-5119.
  rig r;
  r.feed(udp(A, B, 0), {}, 100);
  EXPECT_EQ(r.stats.plen().count[3], 1u);
  EXPECT_EQ(r.stats.plen().min[3], 100u);
  EXPECT_EQ(r.stats.plen().max[3], 100u);
  for (std::uint32_t len : {150u, 90u, 2559u, 2560u, 3000u, 1280u}) r.feed(udp(A, B, 0), {}, len);
  const auto& pl = r.stats.plen();
  EXPECT_EQ(pl.count[3], 3u);
  EXPECT_EQ(pl.bytes[3], 340u);
  EXPECT_EQ(pl.min[3], 90u);
  EXPECT_EQ(pl.max[3], 150u);
  EXPECT_EQ(pl.count[7], 2u);
  EXPECT_EQ(pl.min[7], 1280u);
  EXPECT_EQ(pl.max[7], 2559u);
  EXPECT_EQ(pl.count[8], 2u);
  EXPECT_EQ(pl.bytes[8], 5560u);
  EXPECT_EQ(pl.min[8], 2560u);
  EXPECT_EQ(pl.max[8], 3000u);
  EXPECT_EQ(pl.count[0] + pl.count[1] + pl.count[2] + pl.count[4] + pl.count[5] + pl.count[6] + pl.count[9], 0u);
}

TEST(StatsTest, FinishAgainAfterMorePackets) {
  rig r;
  r.feed(tcp(A, C, 0x02));  // 54 bytes to port 80
  r.stats.finish();
  ASSERT_EQ(r.stats.ports().size(), 1u);
  EXPECT_EQ(r.stats.ports()[0].packets, 1u);
  r.feed(tcp(C, A, 0x12));
  r.stats.finish();
  r.stats.finish();
  ASSERT_EQ(r.stats.ports().size(), 1u);
  EXPECT_EQ(r.stats.ports()[0].packets, 2u);
  EXPECT_EQ(r.stats.ports()[0].bytes, 108u);
}

TEST(StatsTest, DistinctNamesAndPathsAreCapped) {
  rig r;
  auto b = udp(A, B, 4);
  std::vector<std::string> names;
  for (int i = 0; i < 3000; ++i) names.push_back("p" + std::to_string(i));
  for (const auto& n : names) r.feed(b, n);
  EXPECT_LE(r.stats.phs_names().size(), stats::phs_max_names);
  EXPECT_LE(r.stats.phs().size(), stats::phs_max_nodes);
  EXPECT_GT(r.stats.phs_capped(), 0u);
  EXPECT_EQ(r.node("eth:ip:udp").first, 3000u);  // capped packets still count up to where they fit
}

TEST(StatsTest, HierarchyReadBetweenPacketsStaysCurrent) {
  // Nodes count only where a path ends and are summed when read: reading mid-pass and feeding
  // more must give the totals of everything fed so far.
  rig r;
  r.feed(udp(A, B, 30), "dns");  // 72 bytes
  EXPECT_EQ(r.node("eth:ip:udp:dns"), std::make_pair(std::uint64_t{1}, std::uint64_t{72}));
  EXPECT_EQ(r.node("eth:ip"), std::make_pair(std::uint64_t{1}, std::uint64_t{72}));
  r.feed(udp(B, A, 30), "dns");
  r.feed(tcp(A, C, 0x02));  // 54 bytes
  EXPECT_EQ(r.node("eth:ip:udp:dns"), std::make_pair(std::uint64_t{2}, std::uint64_t{144}));
  EXPECT_EQ(r.node("eth:ip:udp"), std::make_pair(std::uint64_t{2}, std::uint64_t{144}));
  EXPECT_EQ(r.node("eth:ip:tcp"), std::make_pair(std::uint64_t{1}, std::uint64_t{54}));
  EXPECT_EQ(r.node("eth:ip"), std::make_pair(std::uint64_t{3}, std::uint64_t{198}));
  EXPECT_EQ(r.stats.phs()[0].frames, 3u);
  EXPECT_EQ(r.stats.phs()[0].bytes, 198u);
}

TEST(StatsTest, DistinctApplicationNamesStayDistinct) {
  // Names differing in any byte or in length are different protocols, however they are held.
  rig r;
  const std::vector<std::string> names = {"a",       "b",        "ab",        "ba",          "abc",
                                          "acb",     "abcd",     "abdc",      "a1c2e",       "a2c1e",
                                          "abcdefg", "abcdefh",  "abcdefgh",  "abcdefgi",    "abcdefghijk",
                                          "abcdefghijl", std::string("ab\0c", 4), "dns"};
  for (const auto& n : names) {
    std::string copy = n;  // a different buffer each time
    r.feed(udp(A, B, 4), copy);
  }
  for (const auto& n : names) EXPECT_EQ(r.node("eth:ip:udp:" + n).first, 1u) << n;
  EXPECT_EQ(r.node("eth:ip:udp").first, names.size());
  // Again, through new buffers: the same nodes, now with two frames each.
  for (const auto& n : names) r.feed(udp(A, B, 4), std::string(n));
  for (const auto& n : names) EXPECT_EQ(r.node("eth:ip:udp:" + n).first, 2u) << n;
}

TEST(StatsTest, TagsAndStacksStayApartInTheMemo) {
  // Paths are remembered per layer stack: 802.1Q and 802.1ad tags at the same places, before
  // and after the fourth layer (inside VXLAN), must keep their own paths when they alternate.
  rig r;
  const std::vector<std::vector<std::uint16_t>> tags = {
      {}, {0x8100}, {0x88a8}, {0x88a8, 0x8100}, {0x8100, 0x8100}, {0x8100, 0x88a8}, {0x88a8, 0x88a8}};
  const std::vector<std::string> names = {"", "vlan:", "ieee8021ad:", "ieee8021ad:vlan:", "vlan:vlan:",
                                          "vlan:ieee8021ad:", "ieee8021ad:ieee8021ad:"};
  for (int round = 0; round < 3; ++round) {
    for (const auto& t : tags) {
      r.feed(tagged_udp(A, B, t, {1, 2, 3, 4}));
      r.feed(vxlan(A, C, tagged_udp(B, A, t)));
    }
  }
  for (const auto& n : names) {
    EXPECT_EQ(r.node("eth:" + n + "ip:udp:data").first, 3u) << n;
    EXPECT_EQ(r.node("eth:ip:udp:vxlan:eth:" + n + "ip:udp").first, 3u) << n;
  }
  EXPECT_EQ(r.stats.phs()[0].frames, 2 * 3 * tags.size());
}

TEST(StatsTest, UdpOnTheL2tpPortIsL2tpOnlyAtTheTop) {
  // tshark shows an l2tp item for a control message on port 1701, which the dissector does
  // not follow (the T bit), and "data" for the same bytes on another port.
  rig r;
  const bytes_t control = {0xc8, 0x02, 0, 12, 0, 0, 0, 0, 0, 0, 0, 0};
  for (int round = 0; round < 2; ++round) {
    r.feed(tagged_udp(A, {B.ip, 1701}, {}, control));
    r.feed(tagged_udp({A.ip, 1701}, B, {}, control));
    r.feed(tagged_udp(A, B, {}, control));
  }
  EXPECT_EQ(r.node("eth:ip:udp:l2tp").first, 4u);
  EXPECT_EQ(r.node("eth:ip:udp:data").first, 2u);
}

TEST(StatsTest, MoreKeysThanTheMemoHolds) {
  // 1200 distinct (stack, name) pairs, more than the memo keeps: the ones beyond it are walked
  // every time and count the same.
  rig r;
  std::vector<std::string> names;
  for (int i = 0; i < 600; ++i) names.push_back("n" + std::to_string(i));
  for (int round = 0; round < 3; ++round) {
    for (const auto& n : names) {
      r.feed(udp(A, B, 4), n);
      r.feed(tcp(A, C, 0x18, 10), n);
    }
  }
  for (const auto& n : names) {
    EXPECT_EQ(r.node("eth:ip:udp:" + n).first, 3u) << n;
    EXPECT_EQ(r.node("eth:ip:tcp:" + n).first, 3u) << n;
  }
  EXPECT_EQ(r.stats.phs_capped(), 0u);
}

TEST(StatsTest, MoreLongNamesThanTheTableHolds) {
  // Names of 8 bytes and more are told apart through a table of 64: the ones beyond it are
  // walked every time and count the same.
  rig r;
  std::vector<std::string> names;
  for (int i = 0; i < 100; ++i) names.push_back("application-" + std::to_string(i));
  for (int round = 0; round < 2; ++round) {
    for (const auto& n : names) r.feed(udp(A, B, 4), std::string(n));
  }
  for (const auto& n : names) EXPECT_EQ(r.node("eth:ip:udp:" + n).first, 2u) << n;
  EXPECT_EQ(r.node("eth:ip:udp").first, 200u);
}

TEST(StatsTest, FragmentDoesNotNameItsApplication) {
  // tshark shows an unreassembled fragment as data: the application name it was given appears
  // in the hierarchy only once a packet shows it.
  rig r;
  auto first = first_udp_fragment(A, B);
  r.feed(first, "zzz");
  const auto& names = r.stats.phs_names();
  EXPECT_EQ(std::find(names.begin(), names.end(), "zzz"), names.end());
  EXPECT_EQ(r.node("eth:ip:data").first, 1u);
  r.feed(udp(A, B, 4), "zzz");
  EXPECT_NE(std::find(r.stats.phs_names().begin(), r.stats.phs_names().end(), "zzz"), r.stats.phs_names().end());
  EXPECT_EQ(r.node("eth:ip:udp:zzz").first, 1u);
}

TEST(StatsTest, JsonShape) {
  rig r;
  r.feed(udp(A, B, 30), "dns");
  r.feed(tcp(A, C, 0x02));
  r.stats.finish();
  auto j = stats::stats_json(r.stats);
  for (const char* k : {"\"packets\":2", "\"protocol_hierarchy\":{\"frames\":2", "\"name\":\"eth\"",
                        "\"name\":\"dns\",\"frames\":1,\"bytes\":72,\"children\":[]", "\"time_series\":{",
                        "\"bucket_ns\":1000000", "\"packets\":[1,1]", "\"by_class\":{\"tcp\":{\"packets\":[0,1]",
                        "\"top_talkers\":{\"endpoints\":3", "\"addr\":\"10.0.0.1\"",
                        "\"ports\":[{\"proto\":\"udp\",\"port\":53", "\"services\":[",
                        "\"packet_lengths\":[{\"min_len\":0,\"max_len\":19,\"packets\":0",
                        "{\"min_len\":5120,\"max_len\":null"}) {
    EXPECT_NE(j.find(k), std::string::npos) << k << "\n" << j;
  }
  stats::json_options o;
  o.bucket_ns = 5000000;
  EXPECT_NE(stats::stats_json(r.stats, o).find("\"packets\":[2]"), std::string::npos);
  stats::collector empty;
  auto e = stats::stats_json(empty);
  EXPECT_NE(e.find("\"first_time\":null"), std::string::npos) << e;
  EXPECT_NE(e.find("\"packets\":[]"), std::string::npos) << e;
}

TEST(StatsTest, NoAllocationPerPacketInSteadyState) {
  // The collector alone, fed packets already dissected and tracked (the index and tracker
  // allocate on their own schedules).
  flow::flow_tracker tracker;
  stats::collector st(&tracker);
  std::vector<bytes_t> pkts = {udp(A, B, 30), tcp(A, C, 0x18, 100), udp(B, A, 60)};
  const char* apps[] = {"dns", "http", "dns"};
  std::vector<capture::record> recs(3);
  std::vector<dissect::packet> ps(3);
  std::vector<flow::track_result> ts(3);
  std::int64_t t = 1700000000000000000;
  for (std::size_t i = 0; i < 3; ++i) {
    recs[i].data = pkts[i];
    recs[i].caplen = recs[i].origlen = static_cast<std::uint32_t>(pkts[i].size());
    recs[i].link_type = 1;
    recs[i].ts_ns = t;
    dissect::dissect(recs[i].data, 1, ps[i], recs[i].origlen);
    ts[i] = tracker.track(recs[i], ps[i]);
  }
  auto round = [&] {
    for (std::size_t i = 0; i < 3; ++i) {
      recs[i].ts_ns = t;
      t += 10000;  // 10 us: stays within the buckets reserved up front
      st.on_packet(recs[i], ps[i], ts[i], apps[i]);
    }
  };
  for (int i = 0; i < 10; ++i) round();
  test::alloc_probe probe;
  for (int i = 0; i < 10000; ++i) round();
  if (test::alloc_probe::enabled()) {
    EXPECT_EQ(probe.count(), 0u);
  }
  EXPECT_EQ(st.packets(), 30030u);
}

}  // namespace
