// Display filters on tcp.stream / udp.stream over a hand-built capture: per packet
// (filter::matches with the frame_meta set_flow_context fills) and through select_index with
// the flow table (decided per flow for plain flows, unknown -> per packet otherwise). Both must
// agree on every row and select exactly the packets of the stream: not an ICMP error quoting a
// header of it, and the same for a flow inside IP-in-IP (decided per packet). The packet
// fields (`packets --fields`) and the detail tree's "[Stream index: N]" show the same streams.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <iterator>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "pcapscope/analyze/analyzer.hpp"
#include "pcapscope/capture/reader.hpp"
#include "pcapscope/dissect/detail.hpp"
#include "pcapscope/dissect/fields.hpp"
#include "pcapscope/dissect/packet.hpp"
#include "pcapscope/filter/filter.hpp"
#include "pcapscope/flow/flow.hpp"
#include "support/packets.hpp"
#include "support/test_support.hpp"

namespace {

using namespace pcapscope;
using test::host;

// The IP packet inside an Ethernet frame built by the support helpers.
std::vector<std::uint8_t> without_ethernet(const std::vector<std::uint8_t>& frame) {
  return {frame.begin() + 14, frame.end()};
}

// ICMP destination unreachable (port unreachable) from 10.0.0.s to 10.0.0.d quoting `frame`'s
// IP header and its first 28 bytes after it (the whole 20-byte TCP header).
std::vector<std::uint8_t> icmp_error_quoting(std::uint8_t s, std::uint8_t d, const std::vector<std::uint8_t>& frame) {
  std::vector<std::uint8_t> l4 = {3, 3, 0, 0, 0, 0, 0, 0};
  auto ip = without_ethernet(frame);
  ip.resize(std::min<std::size_t>(ip.size(), 20 + 28));
  l4.insert(l4.end(), ip.begin(), ip.end());
  return test::ipv4_packet(s, d, 1, l4);
}

// IPv4-in-IPv4 (protocol 4) from 10.0.0.s to 10.0.0.d around `frame`'s IP packet.
std::vector<std::uint8_t> ip_in_ip(std::uint8_t s, std::uint8_t d, const std::vector<std::uint8_t>& frame) {
  return test::ipv4_packet(s, d, 4, without_ethernet(frame));
}

// VXLAN (UDP 4789, VNI 1) from 10.0.0.s to 10.0.0.d around the Ethernet `frame`.
std::vector<std::uint8_t> vxlan(std::uint8_t s, std::uint8_t d, const std::vector<std::uint8_t>& frame) {
  std::vector<std::uint8_t> l4;
  test::put16(l4, 1234);
  test::put16(l4, 4789);
  test::put16(l4, static_cast<unsigned>(8 + 8 + frame.size()));
  test::put16(l4, 0);
  l4.insert(l4.end(), {0x08, 0, 0, 0, 0, 0, 1, 0});
  l4.insert(l4.end(), frame.begin(), frame.end());
  return test::ipv4_packet(s, d, 17, l4);
}

std::vector<std::uint8_t> icmp_echo(std::uint8_t s, std::uint8_t d) {
  std::vector<std::uint8_t> l4 = {8, 0, 0, 0, 0, 1, 0, 1};
  l4.resize(l4.size() + 16, 0);
  return test::ipv4_packet(s, d, 1, l4);
}

// An ARP request (no IP, no flow).
std::vector<std::uint8_t> arp_request() {
  return {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 1, 0x08, 0x06,  // Ethernet
          0, 1, 0x08, 0x00, 6, 4, 0, 1,                                      // Ethernet/IPv4, request
          2, 0, 0, 0, 0, 1, 10, 0, 0, 1, 0, 0, 0, 0, 0, 0, 10, 0, 0, 2};
}

std::vector<std::uint8_t> tcp(host s, host d, std::uint8_t flags, std::uint32_t seq, std::uint32_t ack) {
  return test::tcp_segment(s, d, flags, seq, ack, "");
}

constexpr std::uint8_t SYN = test::tcp_syn, ACK = test::tcp_ack;
const host A{1, 40001}, B{1, 40002}, T{1, 40003}, C{4, 40004}, web{2, 80};
const host U0{1, 5000}, U1{1, 5001}, dns{3, 53};

// Frame numbers (1-based) and what each is:
//  tcp.stream 0: A<->web 1, 2, 16   tcp.stream 1: B<->web 5, 9   tcp.stream 2: T<->web in
//  IP-in-IP 7, 11 (a layered flow)   tcp.stream 3: C->web 13   udp.stream 0: U0<->dns 3, 12
//  udp.stream 1: U1->dns 8   udp.stream 2: 15   ARP 4   ICMP echo 10   ICMP errors quoting
//  tcp.stream 1 (6) and udp.stream 1 (14).
std::vector<std::vector<std::uint8_t>> capture_packets() {
  return {
      tcp(A, web, SYN, 1000, 0),                               // 1
      tcp(web, A, SYN | ACK, 5000, 1001),                      // 2
      test::udp_datagram(U0, dns, "query"),                    // 3
      arp_request(),                                           // 4
      tcp(B, web, SYN, 2000, 0),                               // 5
      icmp_error_quoting(2, 1, tcp(B, web, SYN, 2000, 0)),     // 6
      ip_in_ip(5, 6, tcp(T, web, SYN, 3000, 0)),               // 7
      test::udp_datagram(U1, dns, "query"),                    // 8
      tcp(web, B, SYN | ACK, 6000, 2001),                      // 9
      icmp_echo(1, 2),                                         // 10
      ip_in_ip(6, 5, tcp(web, T, SYN | ACK, 7000, 3001)),      // 11
      test::udp_datagram(dns, U0, "answer"),                   // 12
      tcp(C, web, SYN, 4000, 0),                               // 13
      icmp_error_quoting(3, 1, test::udp_datagram(U1, dns, "query")),  // 14
      test::udp_datagram({4, 6000}, {5, 7000}, "x"),           // 15
      tcp(A, web, ACK, 1001, 5001),                            // 16
  };
}

struct analysed {
  std::vector<std::uint8_t> file;
  test::read_result records;
  std::unique_ptr<analyze::analyzer> a = std::make_unique<analyze::analyzer>();
};

std::unique_ptr<analysed> analyse(const std::vector<std::vector<std::uint8_t>>& pkts) {
  auto out = std::make_unique<analysed>();
  out->file = test::pcap_of(pkts);
  capture::reader rd(out->a.get());
  rd.feed(out->file);
  rd.finish();
  out->a->finish();
  out->records = test::read_bytes(out->file);
  return out;
}

// filter::matches on every packet with its flow context (tcp.stream / udp.stream) filled.
std::vector<bool> per_packet(const filter::filter& f, const analysed& c) {
  const auto& ix = c.a->index();
  const auto& flows = c.a->flows();
  std::vector<bool> out;
  dissect::packet pkt;
  for (std::size_t i = 0; i < ix.size(); ++i) {
    const auto& r = c.records.h.records[i].r;
    dissect::dissect(r.data, r.link_type, pkt, r.origlen);
    dissect::frame_meta m = dissect::meta_from_record(r, i + 1);
    if (const std::uint32_t id = ix.flow[i]; id != 0) flow::set_flow_context(flows, id, flows.from_orig(r, pkt, id), m);
    out.push_back(f.matches(pkt, m, r.data));
  }
  return out;
}

std::set<std::size_t> numbers_of(const std::vector<bool>& v) {
  std::set<std::size_t> out;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (v[i]) out.insert(i + 1);
  }
  return out;
}

struct expectation {
  const char* expr;
  std::set<std::size_t> frames;
};

const expectation cases[] = {
    {"tcp.stream == 0", {1, 2, 16}},
    {"tcp.stream == 1", {5, 9}},  // not the ICMP error quoting it (6)
    {"tcp.stream == 2", {7, 11}},  // inside IP-in-IP
    {"tcp.stream == 3", {13}},
    {"tcp.stream == 4", {}},
    {"udp.stream == 0", {3, 12}},
    {"udp.stream == 1", {8}},  // not the ICMP error quoting it (14)
    {"udp.stream in {0, 2}", {3, 12, 15}},
    {"tcp.stream in {1..3}", {5, 7, 9, 11, 13}},
    {"tcp.stream > 2", {13}},
    {"tcp.stream > 1", {7, 11, 13}},
    {"tcp.stream >= 1 && tcp.stream <= 2", {5, 7, 9, 11}},
    {"tcp.stream != 1", {1, 2, 7, 11, 13, 16}},
    {"tcp.stream", {1, 2, 5, 7, 9, 11, 13, 16}},
    {"!tcp.stream", {3, 4, 6, 8, 10, 12, 14, 15}},
    {"!udp.stream", {1, 2, 4, 5, 6, 7, 9, 10, 11, 13, 14, 16}},
    {"udp.stream", {3, 8, 12, 15}},
    {"tcp.stream == 1 || udp.stream == 1", {5, 8, 9}},
    {"!(tcp.stream == 0) && ip", {3, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}},
    {"tcp.stream == 1 && tcp.flags.ack == 1", {9}},
    {"tcp.stream == 2 && ip.src == 10.0.0.5", {7}},
    {"icmp && !tcp.stream && !udp.stream", {6, 10, 14}},
};

TEST(FilterStream, PerPacketAndIndexAgreeAndSelectExactlyTheStream) {
  auto c = analyse(capture_packets());
  const auto& ix = c->a->index();
  ASSERT_EQ(ix.size(), 16u);
  ASSERT_EQ(c->records.h.records.size(), 16u);
  // The flows as the comments above say: 10 flows, the tunnelled one layered.
  const auto& flows = c->a->flows();
  ASSERT_EQ(flows.size(), 10u);
  EXPECT_EQ(ix.flow[3], 0u);  // ARP
  EXPECT_EQ(ix.flow[6], ix.flow[10]);
  EXPECT_TRUE(flows.get(ix.flow[6]).flags & flow::flow_layered);
  EXPECT_FALSE(flows.get(ix.flow[4]).flags & flow::flow_layered);
  EXPECT_EQ(flows.stream_index(ix.flow[6]), 2);
  EXPECT_EQ(flows.stream_index(ix.flow[5]), -1);  // the ICMP error's own flow

  for (const auto& e : cases) {
    SCOPED_TRACE(e.expr);
    filter::filter f;
    filter::error err;
    ASSERT_TRUE(filter::filter::compile(e.expr, f, err)) << err.message;
    // Index path first (the flow table numbers its streams on the first question).
    std::vector<filter::verdict> with(ix.size()), windows(ix.size());
    f.select_index(ix, 0, ix.size(), with.data(), &flows);
    for (std::size_t at = 0; at < ix.size(); at += 3) f.select_index(ix, at, 3, windows.data() + at, &flows);
    EXPECT_TRUE(windows == with);
    const std::vector<bool> bytes = per_packet(f, *c);
    std::vector<bool> combined(ix.size());
    for (std::size_t i = 0; i < ix.size(); ++i) {
      if (with[i] != filter::verdict::unknown) {
        EXPECT_EQ(with[i] == filter::verdict::yes, bytes[i]) << "frame " << i + 1 << ": index and bytes disagree";
      }
      combined[i] = with[i] == filter::verdict::unknown ? bytes[i] : with[i] == filter::verdict::yes;
    }
    EXPECT_EQ(numbers_of(bytes), e.frames) << "per packet";
    EXPECT_EQ(numbers_of(combined), e.frames) << "index + per packet";
  }
}

TEST(FilterStream, IndexDecidesPlainFlowsAndLeavesTheTunnelToThePackets) {
  auto c = analyse(capture_packets());
  const auto& ix = c->a->index();
  const auto& flows = c->a->flows();
  for (const char* expr : {"tcp.stream == 1", "udp.stream in {0, 2}", "tcp.stream > 2"}) {
    SCOPED_TRACE(expr);
    filter::filter f;
    filter::error err;
    ASSERT_TRUE(filter::filter::compile(expr, f, err)) << err.message;
    std::vector<filter::verdict> without(ix.size()), with(ix.size());
    f.select_index(ix, 0, ix.size(), without.data());
    f.select_index(ix, 0, ix.size(), with.data(), &flows);
    // Without the flow table nothing about a stream is known.
    for (std::size_t i = 0; i < ix.size(); ++i) EXPECT_EQ(without[i], filter::verdict::unknown) << "frame " << i + 1;
    // With it: every row of a plain TCP or UDP flow, and the ARP row, is decided ...
    for (std::size_t frame : {1, 2, 3, 4, 5, 8, 9, 12, 13, 15, 16}) {
      EXPECT_NE(with[frame - 1], filter::verdict::unknown) << "frame " << frame;
    }
    // ... and the IP-in-IP flow is left to the packet bytes.
    EXPECT_EQ(with[6], filter::verdict::unknown);
    EXPECT_EQ(with[10], filter::verdict::unknown);
  }
  filter::filter f;
  filter::error err;
  ASSERT_TRUE(filter::filter::compile("tcp.stream == 1", f, err));
  std::vector<filter::verdict> with(ix.size());
  f.select_index(ix, 0, ix.size(), with.data(), &flows);
  EXPECT_EQ(with[4], filter::verdict::yes);
  EXPECT_EQ(with[8], filter::verdict::yes);
  EXPECT_EQ(with[0], filter::verdict::no);
  EXPECT_EQ(with[2], filter::verdict::no);  // a UDP flow has no tcp.stream
  EXPECT_EQ(with[3], filter::verdict::no);  // ARP
}

TEST(FilterStream, StreamNumbersFollowTheFlowsCreatedSoFar) {
  // 30 flows, every third one UDP: tcp.stream counts only the TCP flows and udp.stream only
  // the UDP ones, whatever lies between.
  std::vector<std::vector<std::uint8_t>> pkts;
  for (int i = 0; i < 30; ++i) {
    const auto port = static_cast<std::uint16_t>(42000 + i);
    if (i % 3 == 2) pkts.push_back(test::udp_datagram({1, port}, dns, "q"));
    else pkts.push_back(tcp({1, port}, web, SYN, 100, 0));
  }
  auto c = analyse(pkts);
  filter::filter f;
  filter::error err;
  ASSERT_TRUE(filter::filter::compile("tcp.stream == 13 || udp.stream == 7", f, err));
  std::vector<filter::verdict> with(pkts.size());
  f.select_index(c->a->index(), 0, pkts.size(), with.data(), &c->a->flows());
  std::set<std::size_t> yes;
  for (std::size_t i = 0; i < with.size(); ++i) {
    EXPECT_NE(with[i], filter::verdict::unknown) << "frame " << i + 1;
    if (with[i] == filter::verdict::yes) yes.insert(i + 1);
  }
  // TCP flows are frames 1, 2, 4, 5, 7, …: the 14th is frame 20; UDP: 3, 6, …: the 8th is 24.
  EXPECT_EQ(yes, (std::set<std::size_t>{20, 24}));
  EXPECT_EQ(numbers_of(per_packet(f, *c)), yes);
}

TEST(FilterStream, PacketFieldsAndDetailShowTheSameStreams) {
  auto c = analyse(capture_packets());
  const auto& ix = c->a->index();
  const auto& flows = c->a->flows();
  // Per frame: tcp.stream, udp.stream ("": absent), as the filter cases above select them.
  const std::pair<const char*, const char*> want[] = {
      {"0", ""}, {"0", ""}, {"", "0"}, {"", ""}, {"1", ""}, {"", ""}, {"2", ""}, {"", "1"},
      {"1", ""}, {"", ""}, {"2", ""}, {"", "0"}, {"3", ""}, {"", ""}, {"", "2"}, {"0", ""}};
  ASSERT_EQ(ix.size(), std::size(want));
  dissect::packet pkt;
  for (std::size_t i = 0; i < ix.size(); ++i) {
    SCOPED_TRACE("frame " + std::to_string(i + 1));
    const auto& r = c->records.h.records[i].r;
    dissect::dissect(r.data, r.link_type, pkt, r.origlen);
    dissect::frame_meta m = dissect::meta_from_record(r, i + 1);
    if (const std::uint32_t id = ix.flow[i]; id != 0) flow::set_flow_context(flows, id, flows.from_orig(r, pkt, id), m);
    for (const auto& [name, value] : {std::pair{"tcp.stream", want[i].first}, std::pair{"udp.stream", want[i].second}}) {
      std::vector<std::string> values;
      ASSERT_TRUE(dissect::field_values(pkt, m, r.data, name, values));
      EXPECT_EQ(values, *value ? std::vector<std::string>{value} : std::vector<std::string>{}) << name;
      std::vector<std::string> labels;
      for (const auto& n : dissect::detail(r.data, m)) {
        if (n.name == name) {
          labels.push_back(n.label);
          EXPECT_EQ(n.value, value) << name;
          EXPECT_EQ(n.length, 0u) << name;  // generated
        }
      }
      EXPECT_EQ(labels, *value ? std::vector<std::string>{std::string("[Stream index: ") + value + "]"}
                               : std::vector<std::string>{})
          << name;
    }
    // Without the flow context there is no stream anywhere.
    const dissect::frame_meta bare = dissect::meta_from_record(r, i + 1);
    std::vector<std::string> none;
    ASSERT_TRUE(dissect::field_values(pkt, bare, r.data, "tcp.stream", none));
    ASSERT_TRUE(dissect::field_values(pkt, bare, r.data, "udp.stream", none));
    EXPECT_TRUE(none.empty());
  }
}

TEST(FilterStream, TunnelledUdpFlowHasOneUdpStreamAsInThePacketFields) {
  // VXLAN (outer UDP) around a UDP datagram: the flow is the inner one, udp.stream 0 (the
  // only UDP flow). `packets --fields udp.stream` gives one value, on the inner UDP header;
  // the filter must see the same occurrences (the outer UDP header is no part of that flow).
  auto c = analyse({vxlan(5, 6, test::udp_datagram({7, 6000}, {8, 7000}, "zz"))});
  const auto& ix = c->a->index();
  const auto& flows = c->a->flows();
  ASSERT_EQ(ix.size(), 1u);
  ASSERT_EQ(flows.size(), 1u);
  ASSERT_EQ(flows.get(ix.flow[0]).port(0), 6000);
  const auto& r = c->records.h.records[0].r;
  dissect::packet pkt;
  dissect::dissect(r.data, r.link_type, pkt, r.origlen);
  dissect::frame_meta m = dissect::meta_from_record(r, 1);
  flow::set_flow_context(flows, ix.flow[0], flows.from_orig(r, pkt, ix.flow[0]), m);
  EXPECT_EQ(m.udp_stream, 0);
  std::vector<std::string> values;
  ASSERT_TRUE(dissect::field_values(pkt, m, r.data, "udp.stream", values));
  EXPECT_EQ(values, std::vector<std::string>{"0"});
  for (const auto& [expr, want] : std::vector<std::pair<const char*, bool>>{
           {"udp.stream == 0", true}, {"count(udp.stream) == 1", true}, {"count(udp.stream) == 2", false}}) {
    filter::filter f;
    filter::error err;
    ASSERT_TRUE(filter::filter::compile(expr, f, err)) << expr;
    EXPECT_EQ(f.matches(pkt, m, r.data), want) << expr;
  }
}

TEST(FilterStream, IndexAgreesWithThePacketsOverTheCorpus) {
  // As FilterFlowKeys for addresses and ports: every row the flow table decides agrees with
  // matches() on the packet's bytes with its flow context (tunnels, ICMP errors, fragments,
  // IPv6, port reuse in the corpus). Skips without ../shared/captures.
  auto dir = test::corpus_dir();
  if (!dir) GTEST_SKIP() << "no ../shared/captures";
  const char* const exprs[] = {"tcp.stream == 0", "tcp.stream in {1..4, 9}", "udp.stream == 2",
                               "!(udp.stream == 1) && udp", "tcp.stream > 3 || udp.stream < 2"};
  std::size_t files = 0, decided = 0, rows = 0, matched = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(*dir)) {
    if (!e.is_regular_file() || e.file_size() > 300 * 1024) continue;
    const auto name = e.path().filename().string();
    if (!name.ends_with(".pcap") && !name.ends_with(".pcapng") && !name.ends_with(".cap")) continue;
    auto c = std::make_unique<analysed>();
    c->file = test::read_file(e.path());
    {
      capture::reader rd(c->a.get());
      rd.feed(c->file);
      rd.finish();
      c->a->finish();
    }
    c->records = test::read_bytes(c->file);
    const auto& ix = c->a->index();
    if (ix.size() != c->records.h.records.size()) continue;  // FilterFlowKeys reports these
    ++files;
    for (const char* expr : exprs) {
      filter::filter f;
      filter::error err;
      ASSERT_TRUE(filter::filter::compile(expr, f, err)) << expr;
      std::vector<filter::verdict> with(ix.size());
      f.select_index(ix, 0, ix.size(), with.data(), &c->a->flows());
      const std::vector<bool> bytes = per_packet(f, *c);
      for (std::size_t i = 0; i < ix.size(); ++i) {
        ++rows;
        if (bytes[i]) ++matched;
        if (with[i] == filter::verdict::unknown) continue;
        ++decided;
        EXPECT_EQ(with[i] == filter::verdict::yes, bytes[i]) << e.path() << " frame " << i + 1 << ": " << expr;
      }
    }
  }
  ASSERT_GT(files, 50u);
  // Mostly plain traffic: most rows are decided from the flow table, and the streams do match.
  EXPECT_GT(decided * 2, rows) << decided << " of " << rows;
  EXPECT_GT(matched, 1000u);
  std::printf("%zu captures: %zu of %zu stream tests decided from the flow table, %zu matching\n", files, decided,
              rows, matched);
}

}  // namespace
