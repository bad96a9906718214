// Follow stream on a hand-built capture: TCP re-read through the index (out of order,
// retransmission, FIN), UDP datagrams, unknown flows, and `pcapscope follow` output formats.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "support/test_support.hpp"
#include "pcapscope/capture/reader.hpp"
#include "pcapscope/flow/flow.hpp"
#include "pcapscope/index/index.hpp"
#include "pcapscope/reassembly/follow.hpp"
#include "support/packets.hpp"

namespace {

namespace fs = std::filesystem;
using namespace pcapscope;

using pcapscope::test::put16;
using pcapscope::test::put32;

// Ethernet/IPv4 from 10.0.0.1 (client) or 10.0.0.2 (server, `back`) carrying `l4`.
std::vector<std::uint8_t> ip_packet(bool back, std::uint8_t proto, const std::vector<std::uint8_t>& l4) {
  std::uint8_t a = back ? 2 : 1, b = back ? 1 : 2;
  std::vector<std::uint8_t> v = {0, 0, 0, 0, 0, b, 0, 0, 0, 0, 0, a, 0x08, 0x00, 0x45, 0};
  put16(v, static_cast<std::uint16_t>(20 + l4.size()));
  v.insert(v.end(), {0, 1, 0x40, 0, 64, proto, 0, 0, 10, 0, 0, a, 10, 0, 0, b});
  v.insert(v.end(), l4.begin(), l4.end());
  return v;
}

std::vector<std::uint8_t> tcp(bool back, std::uint8_t flags, std::uint32_t seq, std::uint32_t ack, const std::string& p) {
  std::vector<std::uint8_t> l4;
  put16(l4, back ? 80 : 40000);
  put16(l4, back ? 40000 : 80);
  put32(l4, seq);
  put32(l4, ack);
  l4.insert(l4.end(), {0x50, flags, 0xff, 0xff, 0, 0, 0, 0});
  l4.insert(l4.end(), p.begin(), p.end());
  return ip_packet(back, 6, l4);
}

std::vector<std::uint8_t> udp(bool back, const std::string& p) {
  std::vector<std::uint8_t> l4;
  put16(l4, back ? 53 : 5353);
  put16(l4, back ? 5353 : 53);
  put16(l4, static_cast<std::uint16_t>(8 + p.size()));
  put16(l4, 0);
  l4.insert(l4.end(), p.begin(), p.end());
  return ip_packet(back, 17, l4);
}

// A classic little-endian microsecond pcap of Ethernet packets, one per millisecond.
std::vector<std::uint8_t> pcap(const std::vector<std::vector<std::uint8_t>>& pkts) {
  std::vector<std::uint8_t> f = {0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 1, 0, 0, 0};
  auto le32 = [&](std::uint32_t x) {
    for (int i = 0; i < 4; ++i) f.push_back(static_cast<std::uint8_t>(x >> (8 * i)));
  };
  std::uint32_t us = 0;
  for (const auto& p : pkts) {
    le32(1700000000);
    le32(us += 1000);
    le32(static_cast<std::uint32_t>(p.size()));
    le32(static_cast<std::uint32_t>(p.size()));
    f.insert(f.end(), p.begin(), p.end());
  }
  return f;
}

constexpr std::uint8_t SYN = 0x02, ACK = 0x10, FIN = 0x01, PSH = 0x08;

std::vector<std::uint8_t> sample() {
  return pcap({
      tcp(false, SYN, 100, 0, ""),                 // 1
      tcp(true, SYN | ACK, 500, 101, ""),          // 2
      tcp(false, ACK, 101, 501, ""),               // 3
      tcp(false, PSH | ACK, 106, 501, " HTTP"),    // 4: early
      tcp(false, PSH | ACK, 101, 501, "GET /"),     // 5: fills the hole
      tcp(false, PSH | ACK, 101, 501, "GET /"),     // 6: retransmission
      udp(false, "query"),                         // 7: flow 2
      tcp(true, PSH | ACK, 501, 111, "200 OK"),    // 8
      udp(true, "answer"),                         // 9
      tcp(false, FIN | ACK, 111, 507, ""),         // 10
      tcp(true, FIN | ACK, 507, 112, ""),          // 11
  });
}

struct indexed {
  std::vector<std::uint8_t> bytes;
  capture::memory_source src{util::bytes{}};
  flow::flow_tracker tracker;
  std::unique_ptr<index::index_builder> builder;
  std::unique_ptr<capture::reader> rd;
  explicit indexed(std::vector<std::uint8_t> b) : bytes(std::move(b)), src(util::bytes(bytes)) {
    builder = std::make_unique<index::index_builder>(nullptr, &tracker);
    rd = std::make_unique<capture::reader>(builder.get());
    rd->feed(bytes);
    rd->finish();
  }
};

std::string text(const reassembly::follow_result& r, std::size_t i) {
  auto b = r.bytes_of(i);
  return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

TEST(FollowTest, TcpFlowIsReassembledFromTheSource) {
  indexed x(sample());
  ASSERT_EQ(x.tracker.size(), 2u);
  reassembly::follow_result r;
  std::string err;
  ASSERT_TRUE(reassembly::follow_flow(*x.rd, x.src, x.builder->index(), x.tracker, 1, r, err)) << err;
  ASSERT_EQ(r.segments.size(), 3u);
  EXPECT_EQ(r.segments[0].dir, 0);
  EXPECT_EQ(r.segments[0].packet, 5u);
  EXPECT_EQ(text(r, 0), "GET /");
  EXPECT_EQ(r.segments[1].packet, 4u);
  EXPECT_EQ(text(r, 1), " HTTP");
  EXPECT_EQ(r.segments[2].dir, 1);
  EXPECT_EQ(r.segments[2].packet, 8u);
  EXPECT_EQ(text(r, 2), "200 OK");
  EXPECT_EQ(r.summary.packets, 9u);
  EXPECT_EQ(r.summary.bytes[0], 10u);
  EXPECT_EQ(r.summary.bytes[1], 6u);
  EXPECT_EQ(r.summary.end[0], reassembly::stream_end::fin);
  EXPECT_EQ(r.summary.end[1], reassembly::stream_end::fin);
  EXPECT_EQ(r.summary.counters.retransmissions, 1u);
  EXPECT_EQ(r.summary.counters.out_of_order, 1u);
}

TEST(FollowTest, UdpFlowFollowsAsDatagrams) {
  indexed x(sample());
  reassembly::follow_result r;
  std::string err;
  ASSERT_TRUE(reassembly::follow_flow(*x.rd, x.src, x.builder->index(), x.tracker, 2, r, err)) << err;
  ASSERT_EQ(r.segments.size(), 2u);
  EXPECT_EQ(r.segments[0].dir, 0);
  EXPECT_EQ(r.segments[0].packet, 7u);
  EXPECT_EQ(text(r, 0), "query");
  EXPECT_EQ(r.segments[1].dir, 1);
  EXPECT_EQ(text(r, 1), "answer");
}

TEST(FollowTest, UnknownFlowIsAnError) {
  indexed x(sample());
  reassembly::follow_result r;
  std::string err;
  EXPECT_FALSE(reassembly::follow_flow(*x.rd, x.src, x.builder->index(), x.tracker, 3, r, err));
  EXPECT_NE(err.find("no flow 3"), std::string::npos);
  EXPECT_FALSE(reassembly::follow_flow(*x.rd, x.src, x.builder->index(), x.tracker, 0, r, err));
}

using result = pcapscope::test::cli_result;

result run(const std::string& args) { return pcapscope::test::run_cli(args); }

TEST(FollowTest, CliFormats) {
#ifndef PCAPSCOPE_CLI
  GTEST_SKIP() << "CLI not built";
#endif
  auto path = fs::temp_directory_path() / ("pcapscope-follow-" + std::to_string(::getpid()) + ".pcap");
  {
    auto b = sample();
    std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
  }
  auto hex = run("follow " + path.string() + " 1");
  EXPECT_EQ(hex.status, 0);
  EXPECT_NE(hex.out.find("Node 0: 10.0.0.1:40000\nNode 1: 10.0.0.2:80\n"), std::string::npos) << hex.out;
  EXPECT_NE(hex.out.find("\n474554202f\n2048545450\n\t323030204f4b\n"), std::string::npos) << hex.out;
  auto raw = run("follow " + path.string() + " 1 --format raw");
  EXPECT_EQ(raw.out, "GET / HTTP200 OK");
  auto json = run("follow " + path.string() + " 2 --format json");
  EXPECT_NE(json.out.find("{\"dir\":0,\"packet\":7,\"data_base64\":\"cXVlcnk=\"}"), std::string::npos) << json.out;
  auto flows = run("flows " + path.string() + " --format tsv");
  auto uid_start = flows.out.find("\tC", flows.out.find('\n'));
  ASSERT_NE(uid_start, std::string::npos);
  std::string uid = flows.out.substr(uid_start + 1, 18);
  EXPECT_EQ(run("follow " + path.string() + " " + uid + " --format raw").out, "GET / HTTP200 OK");
  EXPECT_EQ(run("follow " + path.string() + " 9").status, 1);
  EXPECT_EQ(run("follow " + path.string() + " x1").status, 2);
  EXPECT_EQ(run("follow " + path.string() + " 1 --format yaml").status, 2);
  fs::remove(path);
}

}  // namespace
