// `pcapscope flows` and `pcapscope endpoints`: field names, formats and exit codes (runs the
// built CLI on a small hand-built capture).
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "support/test_support.hpp"
#include "pcapscope/writer/writer.hpp"

namespace {

namespace fs = std::filesystem;
using namespace pcapscope;

using result = pcapscope::test::cli_result;

result run(const std::string& args) { return pcapscope::test::run_cli(args); }

// Ethernet/IPv4/TCP from 10.0.0.1:40000 to 10.0.0.2:443 (or back) with `flags` and `payload`.
std::vector<std::uint8_t> tcp(bool back, std::uint8_t flags, std::uint32_t seq, std::uint32_t ack, std::size_t payload) {
  std::uint8_t a = back ? 2 : 1, b = back ? 1 : 2;
  std::uint16_t sp = back ? 443 : 40000, dp = back ? 40000 : 443;
  std::size_t total = 40 + payload;
  std::vector<std::uint8_t> v = {0, 0, 0, 0, 0, b, 0, 0, 0, 0, 0, a, 0x08, 0x00, 0x45, 0,
                                 static_cast<std::uint8_t>(total >> 8), static_cast<std::uint8_t>(total),
                                 0, 1, 0x40, 0, 64, 6, 0, 0, 10, 0, 0, a, 10, 0, 0, b,
                                 static_cast<std::uint8_t>(sp >> 8), static_cast<std::uint8_t>(sp),
                                 static_cast<std::uint8_t>(dp >> 8), static_cast<std::uint8_t>(dp)};
  for (int i = 3; i >= 0; --i) v.push_back(static_cast<std::uint8_t>(seq >> (8 * i)));
  for (int i = 3; i >= 0; --i) v.push_back(static_cast<std::uint8_t>(ack >> (8 * i)));
  v.insert(v.end(), {0x50, flags, 0xff, 0xff, 0, 0, 0, 0});
  // A TLS ClientHello record header, so the service is recognized.
  for (std::size_t i = 0; i < payload; ++i) v.push_back(i == 0 ? 0x16 : i == 1 ? 0x03 : i == 2 ? 0x01 : 0);
  return v;
}

class FlowsCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
#ifndef PCAPSCOPE_CLI
    GTEST_SKIP() << "CLI not built";
#endif
    path_ = fs::temp_directory_path() / ("pcapscope-flows-" + std::to_string(::getpid()) + ".pcap");
    writer::vector_sink s;
    writer::pcap_writer w(s, 1, true);
    std::vector<std::vector<std::uint8_t>> pkts = {
        tcp(false, 0x02, 100, 0, 0),      tcp(true, 0x12, 500, 101, 0),  tcp(false, 0x10, 101, 501, 0),
        tcp(false, 0x18, 101, 501, 100),  tcp(true, 0x10, 501, 201, 0),  tcp(false, 0x11, 201, 501, 0),
        tcp(true, 0x11, 501, 202, 0),     tcp(false, 0x10, 202, 502, 0)};
    for (std::size_t i = 0; i < pkts.size(); ++i) {
      writer::packet p;
      p.ts_ns = 1700000000000000000 + static_cast<std::int64_t>(i) * 1000000;
      p.data = pkts[i];
      w.write(p);
    }
    std::ofstream o(path_, std::ios::binary);
    o.write(reinterpret_cast<const char*>(s.out.data()), static_cast<std::streamsize>(s.out.size()));
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove(path_, ec);
  }
  fs::path path_;
};

TEST_F(FlowsCliTest, NdjsonHasZeekFields) {
  auto r = run("flows " + path_.string());
  ASSERT_EQ(r.status, 0);
  for (const char* want :
       {"\"ts\":1700000000.000000", "\"uid\":\"C", "\"id.orig_h\":\"10.0.0.1\"", "\"id.orig_p\":40000",
        "\"id.resp_h\":\"10.0.0.2\"", "\"id.resp_p\":443", "\"proto\":\"tcp\"", "\"service\":\"ssl\"",
        "\"duration\":0.006000", "\"orig_bytes\":100", "\"resp_bytes\":0", "\"conn_state\":\"SF\"",
        "\"missed_bytes\":0", "\"history\":\"ShADaFf\"", "\"orig_pkts\":5", "\"orig_ip_bytes\":300",
        "\"resp_pkts\":3", "\"resp_ip_bytes\":120", "\"community_id\":\"1:", "\"retransmissions\":0",
        "\"rtt\":0.002000"}) {
    EXPECT_NE(r.out.find(want), std::string::npos) << want << " not in " << r.out;
  }
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1);
}

TEST_F(FlowsCliTest, TsvHasHeaderAndDashes) {
  auto r = run("flows " + path_.string() + " --format tsv");
  ASSERT_EQ(r.status, 0);
  auto nl = r.out.find('\n');
  ASSERT_NE(nl, std::string::npos);
  std::string header = r.out.substr(0, nl);
  EXPECT_EQ(header.rfind("ts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\t", 0), 0u)
      << header;
  EXPECT_NE(r.out.find("\t-\t"), std::string::npos);  // vlan absent
}

TEST_F(FlowsCliTest, EndpointsAndUsage) {
  auto r = run("endpoints " + path_.string());
  ASSERT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("\"address\":\"10.0.0.1\",\"type\":\"ipv4\",\"packets\":8"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"tx_packets\":5"), std::string::npos);
  EXPECT_NE(r.out.find("\"flows\":1"), std::string::npos);
  EXPECT_NE(r.out.find("\"type\":\"mac\""), std::string::npos);
  EXPECT_EQ(run("flows").status, 2);
  EXPECT_EQ(run("flows " + path_.string() + " --format xml").status, 2);
  EXPECT_EQ(run("flows /nonexistent/file.pcap").status, 1);
}

}  // namespace
