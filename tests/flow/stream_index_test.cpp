// flow_tracker::stream_index (Wireshark's tcp.stream / udp.stream: the rank of a flow among the
// TCP or UDP flows in order of first packet) on hand-built packets: interleaved TCP, UDP and
// ICMP flows, unknown ids, lazy numbering asked out of order and after more flows arrive, TCP
// port reuse, and set_flow_context filling frame_meta.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "pcapscope/dissect/fields.hpp"
#include "pcapscope/flow/flow.hpp"
#include "support/analysis.hpp"
#include "support/packets.hpp"

namespace {

using namespace pcapscope;
using test::host;

// An ICMP echo request (type 8) or reply (0) from 10.0.0.s to 10.0.0.d.
std::vector<std::uint8_t> icmp_echo(std::uint8_t s, std::uint8_t d, std::uint8_t type, std::uint16_t ident) {
  std::vector<std::uint8_t> l4 = {type, 0, 0, 0};
  test::put16(l4, ident);
  test::put16(l4, 1);
  l4.resize(l4.size() + 16, 0);
  return test::ipv4_packet(s, d, 1, l4);
}

std::vector<std::uint8_t> syn(host c, host s, std::uint32_t seq = 1000) {
  return test::tcp_segment(c, s, test::tcp_syn, seq, 0, "");
}

std::vector<std::uint8_t> udp(host c, host s) { return test::udp_datagram(c, s, "ping"); }

const host server_http{2, 80};
const host server_dns{3, 53};

// Feeds `pkt`, expects it to start flow `want_id`.
void new_flow(test::flow_feeder& f, const std::vector<std::uint8_t>& pkt, std::uint32_t want_id) {
  auto t = f.feed(pkt);
  ASSERT_TRUE(t.created) << "flow " << want_id;
  ASSERT_EQ(t.id, want_id);
}

TEST(StreamIndex, RanksTcpAndUdpFlowsSeparatelyInOrderOfFirstPacket) {
  test::flow_feeder f;
  new_flow(f, syn({1, 40001}, server_http), 1);               // tcp 0
  new_flow(f, udp({1, 5000}, server_dns), 2);                 // udp 0
  new_flow(f, icmp_echo(1, 2, 8, 7), 3);                      // icmp: none
  EXPECT_EQ(f.feed(icmp_echo(2, 1, 0, 7)).id, 3u);            // its reply: same flow
  new_flow(f, syn({1, 40002}, server_http), 4);               // tcp 1
  EXPECT_EQ(f.feed(udp(server_dns, {1, 5000})).id, 2u);       // reply on udp 0
  new_flow(f, udp({1, 5001}, server_dns), 5);                 // udp 1
  new_flow(f, udp({4, 6000}, {5, 7000}), 6);                  // udp 2
  new_flow(f, icmp_echo(1, 2, 8, 8), 7);                      // another ping: none
  EXPECT_EQ(f.feed(test::tcp_segment(server_http, {1, 40001}, test::tcp_syn | test::tcp_ack, 5000, 1001, "")).id, 1u);
  new_flow(f, syn({6, 40003}, {7, 443}), 8);                  // tcp 2
  ASSERT_EQ(f.t.size(), 8u);

  const std::int64_t want[] = {0, 0, -1, 1, 1, 2, -1, 2};
  for (std::uint32_t id = 1; id <= 8; ++id) EXPECT_EQ(f.t.stream_index(id), want[id - 1]) << "flow " << id;
  // Asked again: the same answers.
  for (std::uint32_t id = 8; id >= 1; --id) EXPECT_EQ(f.t.stream_index(id), want[id - 1]) << "flow " << id;
  EXPECT_EQ(f.t.get(3).proto(), flow::ip_proto_icmp);
  EXPECT_EQ(f.t.get(4).proto(), flow::ip_proto_tcp);
  EXPECT_EQ(f.t.get(6).proto(), flow::ip_proto_udp);
}

TEST(StreamIndex, UnknownIdsAreMinusOne) {
  test::flow_feeder f;
  EXPECT_EQ(f.t.stream_index(0), -1);
  EXPECT_EQ(f.t.stream_index(1), -1);  // no flows yet
  new_flow(f, syn({1, 40001}, server_http), 1);
  new_flow(f, udp({1, 5000}, server_dns), 2);
  EXPECT_EQ(f.t.stream_index(0), -1);
  EXPECT_EQ(f.t.stream_index(3), -1);
  EXPECT_EQ(f.t.stream_index(4096), -1);
  EXPECT_EQ(f.t.stream_index(std::numeric_limits<std::uint32_t>::max()), -1);
  EXPECT_EQ(f.t.stream_index(1), 0);
  EXPECT_EQ(f.t.stream_index(2), 0);
}

TEST(StreamIndex, LazyNumberingOutOfOrderAndAfterMoreFlows) {
  test::flow_feeder f;
  new_flow(f, syn({1, 40001}, server_http), 1);   // tcp 0
  new_flow(f, udp({1, 5000}, server_dns), 2);     // udp 0
  new_flow(f, syn({1, 40002}, server_http), 3);   // tcp 1
  new_flow(f, icmp_echo(1, 2, 8, 1), 4);          // -
  new_flow(f, udp({1, 5001}, server_dns), 5);     // udp 1
  new_flow(f, syn({1, 40003}, server_http), 6);   // tcp 2
  // The first question is about flow 5: flows 1..5 are numbered then, 6 not yet.
  EXPECT_EQ(f.t.stream_index(5), 1);
  EXPECT_EQ(f.t.stream_index(2), 0);
  EXPECT_EQ(f.t.stream_index(4), -1);
  EXPECT_EQ(f.t.stream_index(6), 2);
  EXPECT_EQ(f.t.stream_index(1), 0);
  EXPECT_EQ(f.t.stream_index(3), 1);
  // Asked about a flow that does not exist yet: -1 now, its rank once it exists.
  EXPECT_EQ(f.t.stream_index(8), -1);
  new_flow(f, udp({1, 5002}, server_dns), 7);     // udp 2
  new_flow(f, syn({1, 40004}, server_http), 8);   // tcp 3
  new_flow(f, icmp_echo(1, 2, 8, 2), 9);          // -
  new_flow(f, udp({1, 5003}, server_dns), 10);    // udp 3
  new_flow(f, syn({1, 40005}, server_http), 11);  // tcp 4
  EXPECT_EQ(f.t.stream_index(10), 3);
  EXPECT_EQ(f.t.stream_index(8), 3);
  EXPECT_EQ(f.t.stream_index(9), -1);
  EXPECT_EQ(f.t.stream_index(7), 2);
  EXPECT_EQ(f.t.stream_index(11), 4);
  EXPECT_EQ(f.t.stream_index(12), -1);
  // The earlier answers stand.
  const std::int64_t want[] = {0, 0, 1, -1, 1, 2, 2, 3, -1, 3, 4};
  for (std::uint32_t id = 1; id <= 11; ++id) EXPECT_EQ(f.t.stream_index(id), want[id - 1]) << "flow " << id;
}

TEST(StreamIndex, SameAnswersWhetherAskedEarlyOrOnlyAtTheEnd) {
  // One tracker asked after every packet, one only at the end: the same numbering.
  test::flow_feeder eager, late;
  std::vector<std::vector<std::uint8_t>> pkts;
  for (int i = 0; i < 40; ++i) {
    const auto port = static_cast<std::uint16_t>(41000 + i);
    switch (i % 5) {
      case 0: case 3: pkts.push_back(syn({1, port}, server_http)); break;
      case 1: case 4: pkts.push_back(udp({1, port}, server_dns)); break;
      default: pkts.push_back(icmp_echo(1, 2, 8, port)); break;
    }
  }
  for (const auto& p : pkts) {
    auto t = eager.feed(p);
    ASSERT_TRUE(t.created);
    const std::int64_t s = eager.t.stream_index(t.id);
    const std::int64_t k = (t.id - 1) / 5;  // complete groups of 5 before this flow
    switch ((t.id - 1) % 5) {
      case 0: EXPECT_EQ(s, 2 * k) << t.id; break;
      case 3: EXPECT_EQ(s, 2 * k + 1) << t.id; break;
      case 1: EXPECT_EQ(s, 2 * k) << t.id; break;
      case 4: EXPECT_EQ(s, 2 * k + 1) << t.id; break;
      default: EXPECT_EQ(s, -1) << t.id; break;
    }
    late.feed(p);
  }
  ASSERT_EQ(late.t.size(), 40u);
  for (std::uint32_t id = 40; id >= 1; --id) EXPECT_EQ(late.t.stream_index(id), eager.t.stream_index(id)) << id;
  EXPECT_EQ(late.t.stream_index(40), 15);  // the 16th UDP flow
  EXPECT_EQ(late.t.stream_index(39), 15);  // the 16th TCP flow
}

// A whole TCP conversation c → s, closed by both sides, with initial sequence `isn`.
void closed_conversation(test::flow_feeder& f, host c, host s, std::uint32_t isn, std::uint32_t want_id) {
  new_flow(f, syn(c, s, isn), want_id);
  EXPECT_EQ(f.feed(test::tcp_segment(s, c, test::tcp_syn | test::tcp_ack, 7000, isn + 1, "")).id, want_id);
  EXPECT_EQ(f.feed(test::tcp_segment(c, s, test::tcp_ack, isn + 1, 7001, "")).id, want_id);
  EXPECT_EQ(f.feed(test::tcp_segment(c, s, test::tcp_fin | test::tcp_ack, isn + 1, 7001, "")).id, want_id);
  EXPECT_EQ(f.feed(test::tcp_segment(s, c, test::tcp_fin | test::tcp_ack, 7001, isn + 2, "")).id, want_id);
  EXPECT_EQ(f.feed(test::tcp_segment(c, s, test::tcp_ack, isn + 2, 7002, "")).id, want_id);
}

TEST(StreamIndex, PortReuseAfterCloseGetsTheNextTcpStream) {
  test::flow_feeder f;
  const host c{1, 40001};
  closed_conversation(f, c, server_http, 1000, 1);  // tcp 0
  EXPECT_EQ(f.t.stream_index(1), 0);                // numbered before the reuse
  new_flow(f, udp({1, 5000}, server_dns), 2);       // udp 0
  // A new SYN on the same 5-tuple with another sequence number: a new flow and tcp.stream.
  new_flow(f, syn(c, server_http, 90000), 3);       // tcp 1
  new_flow(f, syn({1, 40002}, server_http), 4);     // tcp 2
  EXPECT_EQ(f.feed(test::tcp_segment(server_http, c, test::tcp_syn | test::tcp_ack, 8000, 90001, "")).id, 3u);
  EXPECT_EQ(f.t.stream_index(3), 1);
  EXPECT_EQ(f.t.stream_index(4), 2);
  EXPECT_EQ(f.t.stream_index(2), 0);
  EXPECT_EQ(f.t.stream_index(1), 0);
  // Same key, two streams.
  EXPECT_EQ(f.t.get(1).port(0), f.t.get(3).port(0));
  EXPECT_EQ(f.t.get(1).port(1), f.t.get(3).port(1));

  dissect::frame_meta m;
  flow::set_flow_context(f.t, 3, false, m);
  EXPECT_EQ(m.tcp_stream, 1);
  EXPECT_EQ(m.udp_stream, -1);
}

TEST(StreamIndex, SecondReuseAndReuseSeenOnlyAtTheEnd) {
  // Three conversations on one 5-tuple with a UDP flow between: tcp.stream 0, 1, 2 (asked only
  // once all exist).
  test::flow_feeder f;
  const host c{1, 40001};
  closed_conversation(f, c, server_http, 1000, 1);
  new_flow(f, udp({1, 5000}, server_dns), 2);
  closed_conversation(f, c, server_http, 50000, 3);
  closed_conversation(f, c, server_http, 90000, 4);
  ASSERT_EQ(f.t.size(), 4u);
  EXPECT_EQ(f.t.stream_index(4), 2);
  EXPECT_EQ(f.t.stream_index(3), 1);
  EXPECT_EQ(f.t.stream_index(2), 0);
  EXPECT_EQ(f.t.stream_index(1), 0);
}

TEST(StreamIndex, SetFlowContextFillsTheStreamOfItsProtocolOnly) {
  test::flow_feeder f;
  new_flow(f, udp({1, 5000}, server_dns), 1);                     // udp 0
  new_flow(f, syn({1, 40001}, server_http), 2);                   // tcp 0
  new_flow(f, icmp_echo(1, 2, 8, 9), 3);                          // -
  new_flow(f, udp({1, 5001}, server_dns), 4);                     // udp 1
  new_flow(f, syn({1, 40002}, server_http, 3000), 5);             // tcp 1
  EXPECT_EQ(f.feed(test::tcp_segment(server_http, {1, 40002}, test::tcp_syn | test::tcp_ack, 9000, 3001, "")).id, 5u);

  {
    dissect::frame_meta m;
    flow::set_flow_context(f.t, 5, true, m);
    EXPECT_EQ(m.tcp_stream, 1);
    EXPECT_EQ(m.udp_stream, -1);
    // The TCP context as set_tcp_context gives it.
    EXPECT_TRUE(m.tcp_relative);
    EXPECT_EQ(m.tcp_seq_base, 3000u);
    EXPECT_EQ(m.tcp_ack_base, 9000u);
  }
  {
    dissect::frame_meta m;
    flow::set_flow_context(f.t, 5, false, m);  // the responder's packet: bases swap
    EXPECT_EQ(m.tcp_stream, 1);
    EXPECT_EQ(m.udp_stream, -1);
    EXPECT_EQ(m.tcp_seq_base, 9000u);
    EXPECT_EQ(m.tcp_ack_base, 3000u);
  }
  {
    dissect::frame_meta m;
    flow::set_flow_context(f.t, 2, true, m);
    EXPECT_EQ(m.tcp_stream, 0);
    EXPECT_EQ(m.udp_stream, -1);
  }
  {
    dissect::frame_meta m;
    flow::set_flow_context(f.t, 4, true, m);
    EXPECT_EQ(m.udp_stream, 1);
    EXPECT_EQ(m.tcp_stream, -1);
    EXPECT_FALSE(m.tcp_relative);
  }
  {
    dissect::frame_meta m;
    flow::set_flow_context(f.t, 1, false, m);
    EXPECT_EQ(m.udp_stream, 0);
    EXPECT_EQ(m.tcp_stream, -1);
  }
  for (std::uint32_t id : {0u, 3u, 6u, 1000u}) {  // no flow, ICMP, past the end
    dissect::frame_meta m;
    m.number = 42;
    flow::set_flow_context(f.t, id, true, m);
    EXPECT_EQ(m.tcp_stream, -1) << id;
    EXPECT_EQ(m.udp_stream, -1) << id;
    EXPECT_FALSE(m.tcp_relative) << id;
    EXPECT_EQ(m.number, 42u) << id;
  }
}

}  // namespace
