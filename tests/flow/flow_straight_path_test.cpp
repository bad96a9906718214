// The flow tracker's straight path (flow_tracker::track for a packet of a flow in its recent-flow
// cache): it compares the packet's addresses and ports with the cached flow's key in both orders,
// and its cache index ignores the protocol, the VLAN and which side sent the packet. Flows that
// share a cache entry (same addresses and ports in another VLAN, protocol, or IPv6 interface
// ids with the same XOR) must each keep their packets, and the sender's side must follow the key
// order even for equal addresses. Expected values follow from the packets fed.
#include <gtest/gtest.h>

#include <array>
#include <string>
#include <vector>

#include "pcapscope/capture/reader.hpp"
#include "pcapscope/flow/flow.hpp"
#include "support/analysis.hpp"
#include "support/packets.hpp"

namespace {

using namespace pcapscope;
using test::put16;
using test::put32;

// One endpoint: a 4-byte (IPv4) or 16-byte (IPv6) address and a port.
struct end {
  std::vector<std::uint8_t> addr;
  std::uint16_t port;
};

end v4(std::uint8_t last, std::uint16_t port) { return {{10, 0, 0, last}, port}; }

// 2001:db8::/64 with interface id `iid`.
end v6(std::uint64_t iid, std::uint16_t port) {
  std::vector<std::uint8_t> a = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0};
  for (int i = 7; i >= 0; --i) a.push_back(static_cast<std::uint8_t>(iid >> (8 * i)));
  return {a, port};
}

constexpr std::uint8_t ack = 0x10;

// Ethernet (with an 802.1Q tag when `vlan` >= 0), IPv4 or IPv6 as the addresses are, then a TCP
// segment (flags `flags`, 20-byte header) or, when `udp`, a UDP datagram carrying `payload`.
std::vector<std::uint8_t> frame(const end& s, const end& d, bool udp, std::uint32_t seq, const std::string& payload,
                                int vlan = -1, std::uint8_t flags = ack) {
  std::vector<std::uint8_t> l4;
  put16(l4, s.port);
  put16(l4, d.port);
  if (udp) {
    put16(l4, static_cast<unsigned>(8 + payload.size()));
    put16(l4, 0);
  } else {
    put32(l4, seq);
    put32(l4, 1);  // ack number
    l4.push_back(0x50);
    l4.push_back(flags);
    put16(l4, 65535);
    put16(l4, 0);
    put16(l4, 0);
  }
  l4.insert(l4.end(), payload.begin(), payload.end());
  const bool six = s.addr.size() == 16;
  std::vector<std::uint8_t> f = {0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 6};
  if (vlan >= 0) {
    put16(f, 0x8100);
    put16(f, static_cast<unsigned>(vlan));
  }
  put16(f, six ? 0x86dd : 0x0800);
  const std::uint8_t proto = udp ? 17 : 6;
  if (six) {
    put32(f, 0x60000000);
    put16(f, static_cast<unsigned>(l4.size()));
    f.push_back(proto);
    f.push_back(64);
  } else {
    f.push_back(0x45);
    f.push_back(0);
    put16(f, static_cast<unsigned>(20 + l4.size()));
    put32(f, 0);  // id, flags, fragment offset
    f.push_back(64);
    f.push_back(proto);
    put16(f, 0);  // checksum (not checked)
  }
  f.insert(f.end(), s.addr.begin(), s.addr.end());
  f.insert(f.end(), d.addr.begin(), d.addr.end());
  f.insert(f.end(), l4.begin(), l4.end());
  return f;
}

using feeder = test::flow_feeder;

// Feeds `rounds` rounds of `packets` (each round in order, so every flow is followed by another
// one sharing its cache entry) and checks each packet's flow id and direction.
struct expected {
  std::vector<std::uint8_t> bytes;
  std::uint32_t id;
  bool from_orig;
};
void feed_rounds(feeder& f, const std::vector<expected>& packets, int rounds) {
  std::vector<bool> seen;
  for (int i = 0; i < rounds; ++i) {
    for (std::size_t j = 0; j < packets.size(); ++j) {
      const auto t = f.feed(packets[j].bytes);
      const std::uint32_t id = packets[j].id;
      ASSERT_EQ(t.id, id) << "round " << i << ", packet " << j;
      ASSERT_EQ(t.from_orig, packets[j].from_orig) << "round " << i << ", packet " << j;
      if (seen.size() <= id) seen.resize(id + 1);
      ASSERT_EQ(t.created, !seen[id]) << "round " << i << ", packet " << j;
      seen[id] = true;
    }
  }
}

TEST(FlowStraightPath, SameTupleInOtherVlansStaysApart) {
  // One TCP 5-tuple untagged, in VLAN 10 and in VLAN 20: three flows on one cache entry.
  const end a = v4(1, 40000), b = v4(2, 80);
  feeder f;
  std::vector<expected> pk;
  for (int vlan : {-1, 10, 20}) {
    const std::uint32_t id = static_cast<std::uint32_t>(pk.size() / 2 + 1);
    pk.push_back({frame(a, b, false, 100, "x", vlan), id, true});
    pk.push_back({frame(b, a, false, 500, "", vlan), id, false});
  }
  feed_rounds(f, pk, 5);
  ASSERT_EQ(f.t.size(), 3u);
  for (std::uint32_t id = 1; id <= 3; ++id) {
    const auto& r = f.t.get(id);
    EXPECT_EQ(r.pkts[0], 5u);
    EXPECT_EQ(r.pkts[1], 5u);
    EXPECT_EQ(r.ip_bytes[0], 5u * (20 + 20 + 1));
    EXPECT_EQ(r.ip_bytes[1], 5u * (20 + 20));
    EXPECT_EQ(r.key.vlan(), id == 1 ? 0 : id == 2 ? 10 : 20);
    EXPECT_EQ((r.key.ctx & flow::ctx_has_vlan) != 0, id != 1);
  }
}

TEST(FlowStraightPath, TcpAndUdpOnTheSamePortsStayApart) {
  const end a = v4(1, 5000), b = v4(2, 6000);
  feeder f;
  feed_rounds(f,
              {{frame(a, b, false, 100, "tcp"), 1, true},
               {frame(a, b, true, 0, "udp!"), 2, true},
               {frame(b, a, false, 900, ""), 1, false},
               {frame(b, a, true, 0, "udp reply"), 2, false}},
              4);
  ASSERT_EQ(f.t.size(), 2u);
  const auto& tcp = f.t.get(1);
  const auto& udp = f.t.get(2);
  EXPECT_EQ(tcp.proto(), flow::ip_proto_tcp);
  EXPECT_EQ(udp.proto(), flow::ip_proto_udp);
  EXPECT_EQ(tcp.pkts[0] + tcp.pkts[1], 8u);
  EXPECT_EQ(udp.payload_bytes(0), 4u * 4);
  EXPECT_EQ(udp.payload_bytes(1), 4u * 9);
  EXPECT_EQ(udp.ip_bytes[1], 4u * (20 + 8 + 9));
}

TEST(FlowStraightPath, IpV6InterfaceIdsWithTheSameXorStayApart) {
  // 2001:db8::1 <-> ::2 and ::5 <-> ::6: same prefix, same XOR of the interface ids, same
  // ports; only the addresses' second halves tell the flows apart.
  const end a = v6(1, 443), b = v6(2, 50000), c = v6(5, 443), d = v6(6, 50000);
  feeder f;
  feed_rounds(f,
              {{frame(b, a, false, 10, "hello"), 1, true},
               {frame(d, c, false, 10, "hello"), 2, true},
               {frame(a, b, false, 70, "world!"), 1, false},
               {frame(c, d, false, 70, "world!"), 2, false}},
              4);
  ASSERT_EQ(f.t.size(), 2u);
  for (std::uint32_t id = 1; id <= 2; ++id) {
    const auto& r = f.t.get(id);
    EXPECT_TRUE(r.key.ipv6());
    EXPECT_EQ(r.pkts[0], 4u);
    EXPECT_EQ(r.pkts[1], 4u);
    EXPECT_EQ(r.ip_bytes[0], 4u * (40 + 20 + 5));
    EXPECT_EQ(r.ip_bytes[1], 4u * (40 + 20 + 6));
    EXPECT_EQ(r.addr(0)[15], id == 1 ? 2 : 6);  // the originator: the first packet's sender
  }
}

TEST(FlowStraightPath, EqualAddressesTakeTheSideFromThePorts) {
  // 10.0.0.7:2000 <-> 10.0.0.7:1000: the key's side 0 is port 1000, the originator port 2000
  // (it sent the first packet). And 10.0.0.9:3000 -> itself: both orders match the key; every
  // packet is the originator's.
  const end hi = v4(7, 2000), lo = v4(7, 1000), self = v4(9, 3000);
  feeder f;
  feed_rounds(f,
              {{frame(hi, lo, true, 0, "ping"), 1, true},
               {frame(self, self, true, 0, "me"), 2, true},
               {frame(lo, hi, true, 0, "pong!"), 1, false},
               {frame(self, self, true, 0, "again"), 2, true}},
              5);
  ASSERT_EQ(f.t.size(), 2u);
  const auto& r = f.t.get(1);
  EXPECT_EQ(r.port(0), 2000);
  EXPECT_EQ(r.port(1), 1000);
  EXPECT_EQ(r.key.port[0], 1000);  // key order: the lower (address, port) pair first
  EXPECT_EQ(r.payload_bytes(0), 5u * 4);
  EXPECT_EQ(r.payload_bytes(1), 5u * 5);
  const auto& s = f.t.get(2);
  EXPECT_EQ(s.pkts[0], 10u);
  EXPECT_EQ(s.pkts[1], 0u);
  EXPECT_EQ(s.payload_bytes(0), 5u * (2 + 5));
}

}  // namespace
