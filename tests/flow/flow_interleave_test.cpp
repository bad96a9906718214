// The flow tracker packet by packet on many interleaved TCP connections in both directions
// (more than its 1,024-entry recent-flow cache holds, so entries are evicted and refilled), and
// on a connection that reuses the ports of a closed one; expected values follow from the
// packets fed and Zeek's history rules.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "pcapscope/capture/reader.hpp"
#include "pcapscope/flow/flow.hpp"
#include "support/analysis.hpp"
#include "support/packets.hpp"

namespace {

using namespace pcapscope;
using test::host;
using test::tcp_ack;
using test::tcp_fin;
using test::tcp_psh;
using test::tcp_segment;
using test::tcp_syn;

using feeder = test::flow_feeder;

TEST(FlowInterleave, InterleavedConnectionsKeepTheirSegments) {
  // 1,500 connections from 10.0.0.1 (ports 20000…) to 10.0.0.2:80: handshakes, then three
  // rounds of 10 bytes from each client, 20 bytes back from each server (in reverse order) and
  // the client's pure ACK. Every segment must land in its own flow, in its direction.
  constexpr std::uint32_t n = 1500;
  const host server{2, 80};
  auto client = [](std::uint32_t i) { return host{1, static_cast<std::uint16_t>(20000 + i)}; };
  feeder f;
  auto expect = [&](const std::vector<std::uint8_t>& pkt, std::uint32_t id, bool from_orig) {
    const auto t = f.feed(pkt);
    ASSERT_EQ(t.id, id);
    ASSERT_EQ(t.from_orig, from_orig);
  };
  const std::uint32_t cs = 1000, ss = 5000;  // initial sequence numbers
  for (std::uint32_t i = 0; i < n; ++i) expect(tcp_segment(client(i), server, tcp_syn, cs, 0, ""), i + 1, true);
  for (std::uint32_t i = 0; i < n; ++i) {
    expect(tcp_segment(server, client(i), tcp_syn | tcp_ack, ss, cs + 1, ""), i + 1, false);
  }
  for (std::uint32_t i = 0; i < n; ++i) expect(tcp_segment(client(i), server, tcp_ack, cs + 1, ss + 1, ""), i + 1, true);
  for (std::uint32_t round = 0; round < 3; ++round) {
    const std::uint32_t c = cs + 1 + 10 * round, s = ss + 1 + 20 * round;
    for (std::uint32_t i = 0; i < n; ++i) {
      expect(tcp_segment(client(i), server, tcp_psh | tcp_ack, c, s, std::string(10, 'q')), i + 1, true);
    }
    for (std::uint32_t i = n; i-- > 0;) {
      expect(tcp_segment(server, client(i), tcp_psh | tcp_ack, s, c + 10, std::string(20, 'r')), i + 1, false);
    }
    for (std::uint32_t i = 0; i < n; ++i) expect(tcp_segment(client(i), server, tcp_ack, c + 10, s + 20, ""), i + 1, true);
  }
  ASSERT_EQ(f.t.size(), n);
  for (std::uint32_t id = 1; id <= n; ++id) {
    const auto& r = f.t.get(id);
    EXPECT_EQ(r.pkts[0], 2u + 3 * 2);
    EXPECT_EQ(r.pkts[1], 1u + 3);
    EXPECT_EQ(r.ip_bytes[0], 2u * 40 + 3 * (50 + 40));
    EXPECT_EQ(r.ip_bytes[1], 40u + 3 * 60);
    EXPECT_EQ(r.payload_bytes(0), 30u);
    EXPECT_EQ(r.payload_bytes(1), 60u);
    EXPECT_EQ(r.history_view(), "ShADd");  // the servers send no pure ACK: no 'a'
    EXPECT_EQ(r.state(), flow::conn_state::S1);
    EXPECT_EQ(r.dup_acks, 0u);
    EXPECT_EQ(r.retransmissions(), 0u);
    EXPECT_EQ(r.port(0), 20000 + id - 1);
  }
}

TEST(FlowInterleave, ReusedPortsGoToTheNewConnection) {
  // A connection with data both ways, closed; then the same ports open a new one (another
  // ISN), whose data segments in both directions must go to the second flow only.
  const host c{1, 40000}, s{2, 80};
  feeder f;
  auto conversation = [&](std::uint32_t cs, std::uint32_t ss, std::uint32_t id) {
    EXPECT_EQ(f.feed(tcp_segment(c, s, tcp_syn, cs, 0, "")).id, id);
    EXPECT_EQ(f.feed(tcp_segment(s, c, tcp_syn | tcp_ack, ss, cs + 1, "")).id, id);
    EXPECT_EQ(f.feed(tcp_segment(c, s, tcp_ack, cs + 1, ss + 1, "")).id, id);
    for (std::uint32_t k = 0; k < 4; ++k) {
      EXPECT_EQ(f.feed(tcp_segment(c, s, tcp_psh | tcp_ack, cs + 1 + 5 * k, ss + 1 + 7 * k, "hello")).id, id);
      EXPECT_EQ(f.feed(tcp_segment(s, c, tcp_psh | tcp_ack, ss + 1 + 7 * k, cs + 6 + 5 * k, "goodbye")).id, id);
    }
  };
  conversation(1000, 5000, 1);
  EXPECT_EQ(f.feed(tcp_segment(c, s, tcp_fin | tcp_ack, 1021, 5029, "")).id, 1u);
  EXPECT_EQ(f.feed(tcp_segment(s, c, tcp_fin | tcp_ack, 5029, 1022, "")).id, 1u);
  EXPECT_EQ(f.feed(tcp_segment(c, s, tcp_ack, 1022, 5030, "")).id, 1u);
  conversation(90000, 70000, 2);
  ASSERT_EQ(f.t.size(), 2u);
  const auto& a = f.t.get(1);
  const auto& b = f.t.get(2);
  EXPECT_EQ(a.pkts[0], 2u + 4 + 2);
  EXPECT_EQ(a.pkts[1], 1u + 4 + 1);
  EXPECT_EQ(a.state(), flow::conn_state::SF);
  EXPECT_EQ(b.pkts[0], 2u + 4);
  EXPECT_EQ(b.pkts[1], 1u + 4);
  EXPECT_EQ(b.payload_bytes(0), 20u);
  EXPECT_EQ(b.payload_bytes(1), 28u);
  EXPECT_EQ(b.history_view(), "ShADd");
  EXPECT_EQ(b.state(), flow::conn_state::S1);
}

}  // namespace
