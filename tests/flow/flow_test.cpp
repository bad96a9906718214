// Flow table on hand-built packets: Zeek conn_state and history for the classic TCP shapes,
// ICMP echo pairing, VLAN separation, TCP metrics, Community ID and SHA-1 test vectors, the
// memory budget and allocation behaviour, and the index integration.
#include <arpa/inet.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "pcapscope/capture/reader.hpp"
#include "pcapscope/flow/flow.hpp"
#include "pcapscope/index/index.hpp"
#include "pcapscope/util/sha1.hpp"
#include "pcapscope/writer/writer.hpp"
#include "support/alloc_probe.hpp"
#include "support/analysis.hpp"
#include "support/packets.hpp"

namespace {

using namespace pcapscope;

constexpr std::uint16_t FIN = 0x01, SYN = 0x02, RST = 0x04, PSH = 0x08, ACK = 0x10;

struct ep {
  std::array<std::uint8_t, 4> ip;
  std::uint16_t port;
};

using pcapscope::test::put16;
using pcapscope::test::put32;

// Ethernet (+ VLAN tag when vlan >= 0) + IPv4 header for `l4` bytes of protocol `proto`.
std::vector<std::uint8_t> eth_ip(const ep& s, const ep& d, std::uint8_t proto, std::size_t l4, int vlan = -1) {
  std::vector<std::uint8_t> b = {0, 0, 0, 0, 0, d.ip[3], 0, 0, 0, 0, 0, s.ip[3]};
  if (vlan >= 0) {
    put16(b, 0x8100);
    put16(b, static_cast<std::uint16_t>(vlan));
  }
  put16(b, 0x0800);
  b.push_back(0x45);
  b.push_back(0);
  put16(b, static_cast<std::uint16_t>(20 + l4));
  put32(b, 0x00014000);  // id 1, DF
  b.push_back(64);
  b.push_back(proto);
  put16(b, 0);
  b.insert(b.end(), s.ip.begin(), s.ip.end());
  b.insert(b.end(), d.ip.begin(), d.ip.end());
  return b;
}

std::vector<std::uint8_t> tcp_pkt(const ep& s, const ep& d, std::uint16_t flags, std::uint32_t seq, std::uint32_t ack,
                                  std::size_t payload = 0, std::uint16_t win = 65535, int vlan = -1) {
  auto b = eth_ip(s, d, 6, 20 + payload, vlan);
  put16(b, s.port);
  put16(b, d.port);
  put32(b, seq);
  put32(b, ack);
  put16(b, static_cast<std::uint16_t>(0x5000 | flags));
  put16(b, win);
  put32(b, 0);
  b.resize(b.size() + payload, 'x');
  return b;
}

std::vector<std::uint8_t> udp_pkt(const ep& s, const ep& d, std::size_t payload) {
  auto b = eth_ip(s, d, 17, 8 + payload);
  put16(b, s.port);
  put16(b, d.port);
  put16(b, static_cast<std::uint16_t>(8 + payload));
  put16(b, 0);
  b.resize(b.size() + payload, 0);
  return b;
}

std::vector<std::uint8_t> icmp_echo(const ep& s, const ep& d, std::uint8_t type, std::uint16_t id, std::uint16_t seq) {
  auto b = eth_ip(s, d, 1, 8 + 56);
  b.push_back(type);
  b.push_back(0);
  put16(b, 0);
  put16(b, id);
  put16(b, seq);
  b.resize(b.size() + 56, 0);
  return b;
}

using feeder = test::flow_feeder;

const ep C{{10, 0, 0, 1}, 50000};
const ep S{{10, 0, 0, 2}, 80};

TEST(FlowTest, HandshakeDataFinIsSF) {
  feeder f;
  auto first = f.feed(tcp_pkt(C, S, SYN, 100, 0), 2000000);
  f.feed(tcp_pkt(S, C, SYN | ACK, 500, 101), 3000000);
  f.feed(tcp_pkt(C, S, ACK, 101, 501));
  f.feed(tcp_pkt(C, S, PSH | ACK, 101, 501, 10));
  f.feed(tcp_pkt(S, C, ACK, 501, 111));
  f.feed(tcp_pkt(S, C, PSH | ACK, 501, 111, 20));
  f.feed(tcp_pkt(C, S, ACK, 111, 521));
  f.feed(tcp_pkt(C, S, FIN | ACK, 111, 521));
  f.feed(tcp_pkt(S, C, FIN | ACK, 521, 112));
  auto last = f.feed(tcp_pkt(C, S, ACK, 112, 522));
  ASSERT_EQ(f.t.size(), 1u);
  EXPECT_TRUE(first.created);
  EXPECT_FALSE(last.created);
  EXPECT_EQ(last.id, first.id);
  const auto& r = f.t.get(first.id);
  EXPECT_EQ(r.history_view(), "ShADadFf");
  EXPECT_EQ(r.state(), flow::conn_state::SF);
  EXPECT_EQ(r.payload_bytes(0), 10u);
  EXPECT_EQ(r.payload_bytes(1), 20u);
  EXPECT_EQ(r.pkts[0], 6u);
  EXPECT_EQ(r.pkts[1], 4u);
  EXPECT_EQ(r.ip_bytes[0], 6u * 40 + 10);
  EXPECT_EQ(r.ip_bytes[1], 4u * 40 + 20);
  EXPECT_EQ(flow::format_address(r.addr(0), false), "10.0.0.1");
  EXPECT_EQ(r.port(1), 80);
  // The final ACK after both FINs does not extend the duration (Zeek).
  EXPECT_EQ(r.duration_ns(), 2000000 + 3000000 + 6 * 1000000);
  EXPECT_EQ(r.rtt_syn_synack_ns, 2000000u);
  EXPECT_EQ(r.rtt_synack_ack_ns, 3000000u);
  EXPECT_EQ(r.retransmissions(), 0u);
  EXPECT_EQ(r.dup_acks, 0u);
}

TEST(FlowTest, SynOnlyIsS0) {
  feeder f;
  f.feed(tcp_pkt(C, S, SYN, 100, 0));
  f.feed(tcp_pkt(C, S, SYN, 100, 0));  // retransmitted SYN: same letter not repeated
  const auto& r = f.t.get(1);
  EXPECT_EQ(r.state(), flow::conn_state::S0);
  EXPECT_EQ(r.history_view(), "S");
  EXPECT_EQ(r.pkts[0], 2u);
  EXPECT_EQ(r.payload_bytes(0), 0u);
}

TEST(FlowTest, SynRstIsREJ) {
  feeder f;
  f.feed(tcp_pkt(C, S, SYN, 100, 0));
  f.feed(tcp_pkt(S, C, RST | ACK, 0, 101));
  const auto& r = f.t.get(1);
  EXPECT_EQ(r.state(), flow::conn_state::REJ);
  EXPECT_EQ(r.history_view(), "Sr");
}

TEST(FlowTest, MidstreamIsOTH) {
  feeder f;
  f.feed(tcp_pkt(C, S, PSH | ACK, 1000, 2000, 100));
  f.feed(tcp_pkt(S, C, PSH | ACK, 2000, 1100, 50));
  const auto& r = f.t.get(1);
  EXPECT_EQ(r.state(), flow::conn_state::OTH);
  EXPECT_EQ(r.history_view(), "Dd");
  EXPECT_EQ(r.payload_bytes(0), 100u);
  EXPECT_EQ(r.payload_bytes(1), 50u);
  EXPECT_EQ(r.rtt_synack_ack_ns, 0u);
}

TEST(FlowTest, FirstPacketFromServerPortIsFlipped) {
  feeder f;
  f.feed(tcp_pkt(S, C, PSH | ACK, 2000, 1000, 50));
  f.feed(tcp_pkt(C, S, ACK, 1000, 2050));
  const auto& r = f.t.get(1);
  EXPECT_EQ(flow::format_address(r.addr(0), false), "10.0.0.1");  // the client is the originator
  EXPECT_EQ(r.port(1), 80);
  EXPECT_EQ(r.history_view(), "^dA");
  EXPECT_EQ(r.pkts[0], 1u);
  EXPECT_EQ(r.pkts[1], 1u);
}

void handshake(feeder& f) {
  f.feed(tcp_pkt(C, S, SYN, 100, 0));
  f.feed(tcp_pkt(S, C, SYN | ACK, 500, 101));
  f.feed(tcp_pkt(C, S, ACK, 101, 501));
  f.feed(tcp_pkt(C, S, PSH | ACK, 101, 501, 10));
}

TEST(FlowTest, OriginatorResetIsRSTO) {
  feeder f;
  handshake(f);
  f.feed(tcp_pkt(C, S, RST | ACK, 111, 501));
  EXPECT_EQ(f.t.get(1).state(), flow::conn_state::RSTO);
  EXPECT_EQ(f.t.get(1).history_view(), "ShADR");
}

TEST(FlowTest, ResponderResetIsRSTR) {
  feeder f;
  handshake(f);
  f.feed(tcp_pkt(S, C, RST | ACK, 501, 111));
  EXPECT_EQ(f.t.get(1).state(), flow::conn_state::RSTR);
  EXPECT_EQ(f.t.get(1).history_view(), "ShADr");
}

TEST(FlowTest, SynThenRstIsRSTOS0) {
  feeder f;
  f.feed(tcp_pkt(C, S, SYN, 100, 0));
  f.feed(tcp_pkt(C, S, RST, 101, 0));
  EXPECT_EQ(f.t.get(1).state(), flow::conn_state::RSTOS0);
}

TEST(FlowTest, EstablishedNotClosedIsS1AndHalfClosesAreS2S3) {
  feeder a;
  handshake(a);
  EXPECT_EQ(a.t.get(1).state(), flow::conn_state::S1);
  a.feed(tcp_pkt(C, S, FIN | ACK, 111, 501));
  EXPECT_EQ(a.t.get(1).state(), flow::conn_state::S2);
  feeder b;
  handshake(b);
  b.feed(tcp_pkt(S, C, FIN | ACK, 501, 111));
  EXPECT_EQ(b.t.get(1).state(), flow::conn_state::S3);
}

TEST(FlowTest, RetransmissionDupAckZeroWindow) {
  feeder f;
  handshake(f);
  f.feed(tcp_pkt(S, C, ACK, 501, 111));
  f.feed(tcp_pkt(S, C, ACK, 501, 111), 500000000);  // duplicate ACK
  f.feed(tcp_pkt(C, S, PSH | ACK, 101, 501, 10));     // retransmission, 500 ms later
  f.feed(tcp_pkt(S, C, ACK, 501, 111, 0, 0));  // zero window
  const auto& r = f.t.get(1);
  EXPECT_EQ(r.dup_acks, 1u);
  EXPECT_EQ(r.retransmitted[0], 1u);
  EXPECT_EQ(r.out_of_order, 0u);
  EXPECT_EQ(r.zero_windows(), 1u);
  EXPECT_EQ(r.history_view(), "ShADaTw");
  EXPECT_EQ(r.payload_bytes(0), 10u);
}

TEST(FlowTest, ReorderedSegmentIsOutOfOrder) {
  feeder f;
  handshake(f);                                          // seq 101..111 sent
  f.feed(tcp_pkt(C, S, PSH | ACK, 121, 501, 10), 100);  // 121..131 ahead of 111..121
  f.feed(tcp_pkt(C, S, PSH | ACK, 111, 501, 10), 100);  // the gap, 100 ns later
  const auto& r = f.t.get(1);
  EXPECT_EQ(r.retransmitted[0], 1u);
  EXPECT_EQ(r.out_of_order, 1u);
  EXPECT_EQ(r.payload_bytes(0), 30u);
}

TEST(FlowTest, PortReuseAfterCloseStartsNewFlow) {
  feeder f;
  handshake(f);
  f.feed(tcp_pkt(C, S, FIN | ACK, 111, 501));
  f.feed(tcp_pkt(S, C, FIN | ACK, 501, 112));
  f.feed(tcp_pkt(C, S, ACK, 112, 502));
  auto again = f.feed(tcp_pkt(C, S, SYN, 90000, 0));
  EXPECT_TRUE(again.created);
  EXPECT_EQ(again.id, 2u);
  EXPECT_EQ(f.t.size(), 2u);
  EXPECT_EQ(f.t.get(1).state(), flow::conn_state::SF);
  EXPECT_EQ(f.t.get(2).state(), flow::conn_state::S0);
  // Later packets of the 5-tuple go to the new flow.
  EXPECT_EQ(f.feed(tcp_pkt(S, C, SYN | ACK, 7000, 90001)).id, 2u);
}

TEST(FlowTest, UdpStatesAndServerPortOrientation) {
  feeder f;
  ep dns{{10, 0, 0, 53}, 53};
  // The reply is seen first: the client is still the originator (Zeek's likely server ports).
  f.feed(udp_pkt(dns, C, 40));
  f.feed(udp_pkt(C, dns, 20));
  const auto& r = f.t.get(1);
  EXPECT_EQ(r.port(1), 53);
  EXPECT_EQ(r.state(), flow::conn_state::SF);
  EXPECT_EQ(r.payload_bytes(0), 20u);
  EXPECT_EQ(r.payload_bytes(1), 40u);
  EXPECT_EQ(r.history_view(), "^dD");
  feeder g;
  g.feed(udp_pkt(C, dns, 20));
  EXPECT_EQ(g.t.get(1).state(), flow::conn_state::S0);
}

TEST(FlowTest, IcmpEchoRequestAndReplyPair) {
  feeder f;
  ep a{{1, 2, 3, 4}, 0}, b{{5, 6, 7, 8}, 0};
  auto r1 = f.feed(icmp_echo(a, b, 8, 7, 1));
  auto r2 = f.feed(icmp_echo(b, a, 0, 7, 1));
  auto r3 = f.feed(icmp_echo(a, b, 8, 9, 1));  // another ping session (identifier)
  EXPECT_EQ(r1.id, r2.id);
  EXPECT_FALSE(r2.from_orig);
  EXPECT_NE(r3.id, r1.id);
  const auto& r = f.t.get(r1.id);
  EXPECT_EQ(r.proto(), flow::ip_proto_icmp);
  EXPECT_EQ(r.port(0), 8);
  EXPECT_EQ(r.port(1), 0);
  EXPECT_EQ(r.pkts[0], 1u);
  EXPECT_EQ(r.pkts[1], 1u);
  EXPECT_EQ(r.payload_bytes(0), 56u);
  EXPECT_EQ(r.state(), flow::conn_state::OTH);
  EXPECT_EQ(flow::community_id(r), "1:crodRHL2FEsHjbv3UkRrfbs4bZ0=");
  // A reply seen first still makes the requester the originator.
  feeder g;
  g.feed(icmp_echo(b, a, 0, 7, 1));
  EXPECT_EQ(flow::format_address(g.t.get(1).addr(0), false), "1.2.3.4");
  EXPECT_EQ(flow::community_id(g.t.get(1)), "1:crodRHL2FEsHjbv3UkRrfbs4bZ0=");
}

TEST(FlowTest, VlansSeparateEqualFiveTuples) {
  feeder f;
  auto a = f.feed(tcp_pkt(C, S, SYN, 100, 0, 0, 65535, 10));
  auto b = f.feed(tcp_pkt(C, S, SYN, 100, 0, 0, 65535, 20));
  auto c = f.feed(tcp_pkt(S, C, SYN | ACK, 500, 101, 0, 65535, 10));
  EXPECT_NE(a.id, b.id);
  EXPECT_EQ(c.id, a.id);
  EXPECT_EQ(f.t.get(a.id).key.vlan(), 10);
  EXPECT_EQ(f.t.get(b.id).key.vlan(), 20);
  EXPECT_EQ(f.t.get(a.id).history_view(), "Sh");
  EXPECT_EQ(f.t.get(b.id).history_view(), "S");
}

TEST(FlowTest, CommunityIdSpecVectors) {
  // From the Community ID specification's baseline, as Zeek's test suite checks them.
  const std::uint8_t a[4] = {1, 2, 3, 4}, b[4] = {5, 6, 7, 8};
  const std::uint8_t a6[16] = {0xfe, 0x80, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d};
  const std::uint8_t b6[16] = {0xfe, 0x80, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d};
  using flow::community_id;
  EXPECT_EQ(community_id(a, b, 4, 6, 1122, 3344, true, false, 0), "1:wCb3OG7yAFWelaUydu0D+125CLM=");
  EXPECT_EQ(community_id(b, a, 4, 6, 3344, 1122, true, false, 0), "1:wCb3OG7yAFWelaUydu0D+125CLM=");
  EXPECT_EQ(community_id(a, b, 4, 17, 1122, 3344, true, false, 0), "1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg=");
  EXPECT_EQ(community_id(a, b, 4, 1, 8, 0, true, false, 0), "1:crodRHL2FEsHjbv3UkRrfbs4bZ0=");
  EXPECT_EQ(community_id(b, a, 4, 1, 0, 8, true, false, 0), "1:crodRHL2FEsHjbv3UkRrfbs4bZ0=");
  EXPECT_EQ(community_id(a6, b6, 16, 58, 128, 129, true, false, 0), "1:0bf7hyMJUwt3fMED7z8LIfRpBeo=");
  EXPECT_EQ(community_id(a, b, 4, 6, 1122, 3344, true, false, 1), "1:HhA1B+6CoLbiKPEs5nhNYN4XWfk=");
  EXPECT_EQ(community_id(a, b, 4, 17, 1122, 3344, true, false, 1), "1:OShq+iKDAMVouh/4bMxB9Sz4amw=");
  EXPECT_EQ(community_id(a, b, 4, 1, 8, 0, true, false, 1), "1:9pr4ZGTICiuZoIh90RRYE2RyXpU=");
  EXPECT_EQ(community_id(a6, b6, 16, 58, 128, 129, true, false, 1), "1:IO27GQzPuCtNnwFvjWALMHu5tJE=");
  EXPECT_EQ(community_id(a, b, 4, 46, 0, 0, false, false, 0), "1:ikv3kmf89luf73WPz1jOs49S768=");  // RSVP, no ports
  // Through the tracker: a TCP flow's id does not depend on which side is seen first.
  feeder f;
  ep x{{1, 2, 3, 4}, 1122}, y{{5, 6, 7, 8}, 3344};
  f.feed(tcp_pkt(y, x, SYN | ACK, 1, 1));
  EXPECT_EQ(flow::community_id(f.t.get(1)), "1:wCb3OG7yAFWelaUydu0D+125CLM=");
  feeder g;
  g.feed(udp_pkt(x, y, 4));
  EXPECT_EQ(flow::community_id(g.t.get(1)), "1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg=");
}

std::string hex(const std::array<std::uint8_t, 20>& d) {
  static const char* h = "0123456789abcdef";
  std::string s;
  for (auto c : d) {
    s += h[c >> 4];
    s += h[c & 15];
  }
  return s;
}

TEST(FlowTest, Sha1Vectors) {
  auto digest = [](std::string_view s) {
    util::sha1 h;
    h.update(util::bytes(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()));
    return hex(h.finish());
  };
  EXPECT_EQ(digest(""), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  EXPECT_EQ(digest("abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(digest("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
  std::string million(1000000, 'a');
  EXPECT_EQ(digest(million), "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
  // Fed in odd pieces.
  util::sha1 h;
  for (std::size_t i = 0; i < million.size(); i += 997) {
    std::size_t n = std::min<std::size_t>(997, million.size() - i);
    h.update(util::bytes(reinterpret_cast<const std::uint8_t*>(million.data() + i), n));
  }
  EXPECT_EQ(hex(h.finish()), "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
  std::string b64;
  util::append_base64(b64, util::bytes(reinterpret_cast<const std::uint8_t*>("foob"), 4));
  EXPECT_EQ(b64, "Zm9vYg==");
}

TEST(FlowTest, UidIsDeterministicAndZeekShaped) {
  feeder f, g;
  f.feed(tcp_pkt(C, S, SYN, 100, 0));
  g.feed(tcp_pkt(C, S, SYN, 100, 0));
  auto u = flow::uid(f.t.get(1));
  EXPECT_EQ(u.size(), 18u);
  EXPECT_EQ(u[0], 'C');
  EXPECT_EQ(u, flow::uid(g.t.get(1)));
}

// Ethernet + IPv6 + UDP from `s`:`sport` to `d`:`dport` with 4 payload bytes.
std::vector<std::uint8_t> udp6_pkt(const std::array<std::uint8_t, 16>& s, std::uint16_t sport,
                                   const std::array<std::uint8_t, 16>& d, std::uint16_t dport) {
  std::vector<std::uint8_t> b(12, 0);
  put16(b, 0x86dd);
  put32(b, 0x60000000);
  put16(b, 12);  // payload length
  b.push_back(17);
  b.push_back(64);
  b.insert(b.end(), s.begin(), s.end());
  b.insert(b.end(), d.begin(), d.end());
  put16(b, sport);
  put16(b, dport);
  put16(b, 12);
  put16(b, 0);
  put32(b, 0x01020304);
  return b;
}

// Key side 0 is the lower address compared byte by byte (as big-endian numbers, not as the
// machine's words), then the lower port when the addresses are equal; both directions of a
// flow find it, and the tracker's key is the one make_key gives from the layers.
TEST(FlowTest, KeySidesFollowAddressBytesThenPorts) {
  feeder f;
  auto check = [&](const std::vector<std::uint8_t>& fwd, const std::vector<std::uint8_t>& back, bool fwd_is_side0) {
    auto a = f.feed(fwd);
    const dissect::packet first = f.p;
    auto b = f.feed(back);
    ASSERT_NE(a.id, 0u);
    EXPECT_EQ(b.id, a.id);
    EXPECT_NE(a.from_orig, b.from_orig);
    const flow::flow_record& r = f.t.get(a.id);
    EXPECT_EQ(r.side(a.from_orig ? 0 : 1), fwd_is_side0 ? 0 : 1);
    flow::flow_key k;
    bool side0 = false, one_way = false;
    ASSERT_TRUE(flow::make_key(first, k, side0, one_way));
    EXPECT_TRUE(r.key == k);
    EXPECT_EQ(side0, fwd_is_side0);
  };
  // 1.0.0.2 < 2.0.0.1 byte-wise, though not as little-endian words.
  const ep lo{{1, 0, 0, 2}, 50000}, hi{{2, 0, 0, 1}, 80};
  check(tcp_pkt(lo, hi, ACK, 1, 1), tcp_pkt(hi, lo, ACK, 1, 2), true);
  check(udp_pkt(hi, lo, 4), udp_pkt(lo, hi, 4), false);
  // Equal addresses: the ports decide.
  const ep self_client{{10, 0, 0, 9}, 50000}, self_server{{10, 0, 0, 9}, 443};
  check(tcp_pkt(self_client, self_server, ACK, 1, 1), tcp_pkt(self_server, self_client, ACK, 1, 2), false);
  // IPv6 addresses equal in their first 8 bytes, ordered by the last 8 (byte-wise again), then
  // equal IPv6 addresses.
  std::array<std::uint8_t, 16> a6{0x20, 0x01, 0x0d, 0xb8}, b6 = a6;
  a6[8] = 1;
  a6[15] = 2;
  b6[8] = 2;
  b6[15] = 1;
  check(udp6_pkt(b6, 5000, a6, 53), udp6_pkt(a6, 53, b6, 5000), false);
  check(udp6_pkt(a6, 6000, a6, 53), udp6_pkt(a6, 53, a6, 6000), false);
  EXPECT_EQ(f.t.size(), 5u);
}

TEST(FlowTest, Ipv6AddressText) {
  std::array<std::uint8_t, 16> a{};
  a[0] = 0x20;
  a[1] = 0x01;
  a[2] = 0x0d;
  a[3] = 0xb8;
  a[15] = 1;
  EXPECT_EQ(flow::format_address(a, true), "2001:db8::1");
  std::array<std::uint8_t, 16> z{};
  EXPECT_EQ(flow::format_address(z, true), "::");
}

// RFC 5952 section 4 (recommended text form) and 2.1 (IPv4 dotted decimal), then agreement with
// the dissector's formatter (the packet fields tshark is compared with) on words mixing zero
// runs, small and large values.
TEST(FormatAddress, FollowsRfc5952LikeInetNtop) {
  auto v6 = [](std::initializer_list<std::uint16_t> words) {
    std::array<std::uint8_t, 16> a{};
    std::size_t i = 0;
    for (auto w : words) {
      a[i++] = static_cast<std::uint8_t>(w >> 8);
      a[i++] = static_cast<std::uint8_t>(w);
    }
    return a;
  };
  EXPECT_EQ(flow::format_address(v6({0x2001, 0xdb8, 0, 1, 1, 1, 1, 1}), true), "2001:db8:0:1:1:1:1:1");
  EXPECT_EQ(flow::format_address(v6({0x2001, 0, 0, 1, 0, 0, 0, 1}), true), "2001:0:0:1::1");
  EXPECT_EQ(flow::format_address(v6({0x2001, 0xdb8, 0, 0, 1, 0, 0, 1}), true), "2001:db8::1:0:0:1");
  EXPECT_EQ(flow::format_address(v6({0x2001, 0xdb8, 0xaaaa, 0xbbbb, 0xcccc, 0xdddd, 0xeeee, 0xaaaa}), true),
            "2001:db8:aaaa:bbbb:cccc:dddd:eeee:aaaa");
  EXPECT_EQ(flow::format_address(v6({0, 0, 0, 0, 0, 0xffff, 0xc000, 0x0280}), true), "::ffff:192.0.2.128");
  EXPECT_EQ(flow::format_address(v6({0xfe80, 0, 0, 0, 0, 0, 0, 0}), true), "fe80::");
  std::array<std::uint8_t, 16> v4{};
  v4[0] = 255, v4[1] = 255, v4[2] = 255, v4[3] = 255;
  EXPECT_EQ(flow::format_address(v4, false), "255.255.255.255");
  v4[0] = 10, v4[1] = 0, v4[2] = 100, v4[3] = 9;
  EXPECT_EQ(flow::format_address(v4, false), "10.0.100.9");

  const std::uint16_t pool[] = {0, 0, 0, 1, 0xf, 0x10, 0xff, 0x100, 0xfff, 0x1000, 0xffff, 0xdb8};
  std::uint64_t x = 0x9E3779B97F4A7C15ull;
  for (int n = 0; n < 20000; ++n) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    std::array<std::uint8_t, 16> a{};
    for (int w = 0; w < 8; ++w) {
      std::uint16_t v = pool[(x >> (w * 4)) % std::size(pool)];
      if (n % 7 == 0 && w < 5) v = 0;
      if (n % 7 == 0 && w == 5) v = 0xffff;  // IPv4-mapped
      a[2 * w] = static_cast<std::uint8_t>(v >> 8);
      a[2 * w + 1] = static_cast<std::uint8_t>(v);
    }
    // The C library's formatter as the oracle, except for IPv4-compatible addresses (96 zero
    // bits, then not ::/::1): glibc prints those as ::a.b.c.d, Wireshark (and we) in hex.
    char want[INET6_ADDRSTRLEN];
    ASSERT_NE(inet_ntop(AF_INET6, a.data(), want, sizeof want), nullptr);
    bool compat = std::all_of(a.begin(), a.begin() + 12, [](std::uint8_t b) { return b == 0; }) && (a[12] | a[13]) != 0;
    if (!compat) {
      ASSERT_EQ(flow::format_address(a, true), want);
    }
    ASSERT_NE(inet_ntop(AF_INET, a.data(), want, sizeof want), nullptr);
    ASSERT_EQ(flow::format_address(a, false), want);
  }
}

TEST(FlowTest, NonIpPacketsHaveNoFlow) {
  feeder f;
  std::vector<std::uint8_t> arp = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 1, 2, 3, 4, 5, 0x08, 0x06};
  arp.resize(42, 0);
  EXPECT_EQ(f.feed(arp).id, 0u);
  EXPECT_EQ(f.t.size(), 0u);
}

TEST(FlowTest, HundredThousandSynFlowsStayInBudget) {
  constexpr std::uint32_t n = 100000;
  feeder f;
  // Pre-build the packets so only the tracker is measured.
  std::vector<std::vector<std::uint8_t>> pkts;
  pkts.reserve(n);
  for (std::uint32_t i = 0; i < n; ++i) {
    ep s{{10, static_cast<std::uint8_t>(i >> 16), static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(i)},
         static_cast<std::uint16_t>(1024 + i % 60000)};
    pkts.push_back(tcp_pkt(s, S, SYN, i, 0));
  }
  // Warm up on the first tenth, then count allocations on the rest: only block allocations
  // (one per 4096 new flows) and table doublings, never one per packet.
  std::uint32_t warm = n / 10;
  for (std::uint32_t i = 0; i < warm; ++i) f.feed(pkts[i], 10);
  std::uint64_t allocs = 0;
  {
    test::alloc_probe probe;
    for (std::uint32_t i = warm; i < n; ++i) f.feed(pkts[i], 10);
    allocs = probe.count();
  }
  ASSERT_EQ(f.t.size(), n);
  if (test::alloc_probe::enabled()) {
    EXPECT_LE(allocs, (n - warm) / flow::flow_tracker::block_size + 16) << allocs << " allocations";
  }
  double per_flow = static_cast<double>(f.t.memory_bytes()) / n;
  std::printf("flow memory: %zu bytes for %u flows = %.1f bytes/flow (record %zu)\n", f.t.memory_bytes(), n,
              per_flow, sizeof(flow::flow_record));
  EXPECT_LE(per_flow, 200.0);
  for (std::uint32_t id = 1; id <= n; id += 9973) EXPECT_EQ(f.t.get(id).state(), flow::conn_state::S0);
  // Steady state: packets of existing flows allocate nothing at all.
  test::alloc_probe probe;
  for (std::uint32_t i = 0; i < n; i += 7) f.feed(pkts[i], 10);
  if (test::alloc_probe::enabled()) {
    EXPECT_EQ(probe.count(), 0u);
  }
  EXPECT_EQ(f.t.size(), n);
}

TEST(FlowTest, InterleavedFlowsKeepTheirPackets) {
  // More flows than the recent-flow cache holds, their packets interleaved in both directions:
  // every packet must land in its own flow, in the right direction.
  constexpr std::uint32_t n = 5000;
  feeder f;
  auto client = [](std::uint32_t i) {
    return ep{{10, 1, static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(i)}, static_cast<std::uint16_t>(40000 + i % 7)};
  };
  const ep dns{{10, 0, 0, 53}, 53};
  for (int round = 0; round < 3; ++round) {
    for (std::uint32_t i = 0; i < n; ++i) {
      auto q = f.feed(udp_pkt(client(i), dns, 20 + round), 10);
      ASSERT_EQ(q.id, i + 1);
      EXPECT_EQ(q.created, round == 0);
      EXPECT_TRUE(q.from_orig);
    }
    for (std::uint32_t i = n; i-- > 0;) {
      auto a = f.feed(udp_pkt(dns, client(i), 40), 10);
      ASSERT_EQ(a.id, i + 1);
      EXPECT_FALSE(a.from_orig);
    }
  }
  ASSERT_EQ(f.t.size(), n);
  for (std::uint32_t id = 1; id <= n; ++id) {
    const auto& r = f.t.get(id);
    EXPECT_EQ(r.pkts[0], 3u);
    EXPECT_EQ(r.pkts[1], 3u);
    EXPECT_EQ(r.payload_bytes(0), 20u + 21 + 22);
    EXPECT_EQ(r.payload_bytes(1), 120u);
    EXPECT_EQ(r.port(1), 53);
  }
}

TEST(EndpointTable, MacChangesWithinAFlowAreCounted) {
  // The table remembers, per flow, where its endpoints were; a packet of the same flow from a
  // different MAC address (another router, a failover) must still be counted to that address.
  feeder f;
  flow::endpoint_table e;
  auto feed = [&](std::vector<std::uint8_t> b, std::uint8_t src_mac) {
    b[11] = src_mac;
    capture::record r;
    r.data = b;
    r.caplen = r.origlen = static_cast<std::uint32_t>(b.size());
    r.link_type = 1;
    r.ts_ns = f.ts;
    f.ts += 1000;
    dissect::dissect(r.data, 1, f.p, r.origlen);
    e.add(r, f.p, f.t.track(r, f.p));
    return r.origlen;
  };
  std::uint64_t a_bytes = feed(tcp_pkt(C, S, SYN, 100, 0), 0xa);
  std::uint64_t s_bytes = feed(tcp_pkt(S, C, SYN | ACK, 500, 101), 0x5);
  std::uint64_t b_bytes = feed(tcp_pkt(C, S, ACK, 101, 501), 0xb);
  a_bytes += feed(tcp_pkt(C, S, ACK, 101, 501, 10), 0xa);
  // First seen: 0a (C's first packet), 02 (S's address in C's packets), 05, 01 (S's reply), 0b.
  ASSERT_EQ(e.mac().size(), 5u);
  auto mac = [&](std::uint8_t last) -> const flow::endpoint_stats& {
    for (const auto& m : e.mac()) {
      if (m.addr[5] == last) return m;
    }
    ADD_FAILURE() << "no MAC ending in " << int{last};
    return e.mac()[0];
  };
  EXPECT_EQ(e.mac()[4].addr[5], 0xb);
  EXPECT_EQ(mac(0xa).tx_packets, 2u);
  EXPECT_EQ(mac(0xa).tx_bytes, a_bytes);
  EXPECT_EQ(mac(0xa).rx_packets, 0u);
  EXPECT_EQ(mac(0xb).tx_packets, 1u);
  EXPECT_EQ(mac(0xb).tx_bytes, b_bytes);
  EXPECT_EQ(mac(0x2).rx_packets, 3u);
  EXPECT_EQ(mac(0x2).rx_bytes, a_bytes + b_bytes);
  EXPECT_EQ(mac(0x5).tx_bytes, s_bytes);
  EXPECT_EQ(mac(0x1).rx_bytes, s_bytes);
  EXPECT_EQ(mac(0xa).flows, 1u);  // the SYN started the flow
  EXPECT_EQ(mac(0xb).flows, 0u);
  ASSERT_EQ(e.ip().size(), 2u);
  EXPECT_EQ(e.ip()[0].tx_packets, 3u);
  EXPECT_EQ(e.ip()[0].rx_packets, 1u);
  EXPECT_EQ(e.ip()[0].flows, 1u);
  EXPECT_EQ(e.ip()[1].tx_packets, 1u);
  EXPECT_EQ(e.ip()[1].rx_packets, 3u);
  EXPECT_EQ(e.ip()[1].flows, 1u);
  EXPECT_EQ(e.ip()[1].first_ns, e.ip()[0].first_ns);
  EXPECT_EQ(e.ip()[0].last_ns - e.ip()[0].first_ns, 3000);
}

TEST(EndpointTable, MacRunsAddUpLikeEachPacketCounted) {
  // Per packet, the sender's MAC address counts a packet sent and the receiver's one received,
  // and both take its time as their last. The table credits a flow's packets to its MAC
  // addresses per run of packets with the same pair: check that runs ended by a change of
  // address, by a packet without Ethernet, and still going when the table is read (also in the
  // middle of the capture) add up to those per-packet counts; and that packets of no flow (ARP)
  // and of other flows interleave correctly.
  const ep c2{{10, 0, 0, 1}, 50001};
  feeder f;
  flow::endpoint_table e;
  std::int64_t ts[11] = {};
  int n = 0;
  auto add = [&](std::vector<std::uint8_t> b, std::uint16_t link) {
    capture::record r;
    r.data = b;
    r.caplen = r.origlen = static_cast<std::uint32_t>(b.size());
    r.link_type = link;
    r.ts_ns = ts[++n] = f.ts;
    f.ts += 1000;
    dissect::dissect(r.data, link, f.p, r.origlen);
    e.add(r, f.p, f.t.track(r, f.p));
  };
  auto eth = [&](std::vector<std::uint8_t> b, std::uint8_t src, std::uint8_t dst) {
    b[11] = src;
    b[5] = dst;
    add(b, 1);
  };
  auto arp = [&](std::uint8_t src, std::uint8_t dst) {
    std::vector<std::uint8_t> b = {0, 0, 0, 0, 0, dst, 0, 0, 0, 0, 0, src, 0x08, 0x06, 0, 1, 0x08, 0, 6, 4, 0, 1};
    b.resize(42, 0);  // sender/target addresses left zero
    add(b, 1);
  };
  eth(tcp_pkt(C, S, SYN, 100, 0), 0x01, 0x02);            // 1: flow 1 starts
  eth(tcp_pkt(c2, S, SYN, 700, 0), 0x01, 0x02);           // 2: flow 2 starts
  eth(tcp_pkt(S, C, SYN | ACK, 500, 101), 0x02, 0x01);    // 3
  eth(tcp_pkt(C, S, ACK, 101, 501), 0x0a, 0x02);          // 4: flow 1 from another address
  arp(0x09, 0x01);                                        // 5: no flow
  {
    ASSERT_EQ(e.mac().size(), 4u);  // read mid-capture: 01, 02, 0a, 09 in order of first sight
    const auto& m = e.mac();
    EXPECT_EQ(m[0].addr[5], 0x01);
    EXPECT_EQ(m[0].tx_packets, 2u);  // 1, 2
    EXPECT_EQ(m[0].rx_packets, 2u);  // 3, 5
    EXPECT_EQ(m[0].last_ns, ts[5]);
    EXPECT_EQ(m[1].addr[5], 0x02);
    EXPECT_EQ(m[1].tx_packets, 1u);  // 3
    EXPECT_EQ(m[1].rx_packets, 3u);  // 1, 2, 4
    EXPECT_EQ(m[1].last_ns, ts[4]);
    EXPECT_EQ(m[2].addr[5], 0x0a);
    EXPECT_EQ(m[2].tx_packets, 1u);
    EXPECT_EQ(m[2].first_ns, ts[4]);
    EXPECT_EQ(m[3].addr[5], 0x09);
    EXPECT_EQ(m[3].tx_packets, 1u);
    EXPECT_EQ(m[3].tx_bytes, 42u);
  }
  eth(tcp_pkt(C, S, ACK, 101, 501), 0x01, 0x02);          // 6: flow 1 back on its first address
  eth(tcp_pkt(S, c2, SYN | ACK, 900, 701), 0x02, 0x01);   // 7: flow 2
  auto raw = tcp_pkt(C, S, ACK, 101, 501);                // 8: flow 1 without Ethernet
  add({raw.begin() + 14, raw.end()}, 101);
  eth(tcp_pkt(C, S, ACK, 101, 501), 0x01, 0x02);          // 9: flow 1 again
  arp(0x01, 0x09);                                        // 10
  ASSERT_EQ(f.t.size(), 2u);
  const auto& m = e.mac();
  ASSERT_EQ(m.size(), 4u);
  constexpr std::uint64_t tcp_len = 14 + 20 + 20, arp_len = 42;
  EXPECT_EQ(m[0].tx_packets, 5u);  // 1, 2, 6, 9, 10
  EXPECT_EQ(m[0].tx_bytes, 4 * tcp_len + arp_len);
  EXPECT_EQ(m[0].rx_packets, 3u);  // 3, 5, 7
  EXPECT_EQ(m[0].rx_bytes, 2 * tcp_len + arp_len);
  EXPECT_EQ(m[0].last_ns, ts[10]);
  EXPECT_EQ(m[0].first_ns, ts[1]);
  EXPECT_EQ(m[0].flows, 2u);
  EXPECT_EQ(m[1].tx_packets, 2u);  // 3, 7
  EXPECT_EQ(m[1].tx_bytes, 2 * tcp_len);
  EXPECT_EQ(m[1].rx_packets, 5u);  // 1, 2, 4, 6, 9
  EXPECT_EQ(m[1].rx_bytes, 5 * tcp_len);
  EXPECT_EQ(m[1].last_ns, ts[9]);
  EXPECT_EQ(m[1].flows, 2u);
  EXPECT_EQ(m[2].tx_packets, 1u);  // 4
  EXPECT_EQ(m[2].rx_packets, 0u);
  EXPECT_EQ(m[2].last_ns, ts[4]);
  EXPECT_EQ(m[2].flows, 0u);
  EXPECT_EQ(m[3].tx_packets, 1u);  // 5
  EXPECT_EQ(m[3].rx_packets, 1u);  // 10
  EXPECT_EQ(m[3].rx_bytes, arp_len);
  EXPECT_EQ(m[3].last_ns, ts[10]);
  // The packet without Ethernet counts for the IP addresses only.
  ASSERT_EQ(e.ip().size(), 2u);
  EXPECT_EQ(e.ip()[0].tx_packets, 6u);  // C: 1, 2, 4, 6, 8, 9
  EXPECT_EQ(e.ip()[0].rx_packets, 2u);
  EXPECT_EQ(e.flow_packets(1), 6u);  // 1, 3, 4, 6, 8, 9
}

TEST(FlowTest, IndexBuilderFillsFlowColumn) {
  writer::vector_sink s;
  writer::pcap_writer w(s, 1, true);
  std::vector<std::vector<std::uint8_t>> pkts = {tcp_pkt(C, S, SYN, 100, 0), tcp_pkt(S, C, SYN | ACK, 500, 101),
                                                 udp_pkt(C, S, 10), tcp_pkt(C, S, ACK, 101, 501)};
  for (std::size_t i = 0; i < pkts.size(); ++i) {
    writer::packet p;
    p.ts_ns = 1700000000000000000 + static_cast<std::int64_t>(i) * 1000;
    p.data = pkts[i];
    w.write(p);
  }
  flow::flow_tracker t;
  index::index_builder b(nullptr, &t);
  capture::reader r(&b);
  r.feed(s.out);
  r.finish();
  const auto& ix = b.index();
  ASSERT_EQ(ix.size(), 4u);
  EXPECT_EQ(ix.flow[0], 1u);
  EXPECT_EQ(ix.flow[1], 1u);
  EXPECT_EQ(ix.flow[2], 2u);
  EXPECT_EQ(ix.flow[3], 1u);
  EXPECT_EQ(t.get(1).history_view(), "ShA");
}

}  // namespace
