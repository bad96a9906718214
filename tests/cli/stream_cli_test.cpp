// tcp.stream / udp.stream in the CLI (runs the built `pcapscope` on a hand-built capture):
// the packets columns, the detail tree's "[Stream index: N]", `filter` on a stream, and
// `follow FILE tcp:N|udp:N` (the same output as the flow's id; exit 2 on a bad form, 1 on a
// missing stream). With tshark on the PATH, the columns and a few filters equal tshark's.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "support/packets.hpp"
#include "support/test_support.hpp"

namespace {

namespace fs = std::filesystem;
using pcapscope::test::host;
namespace test = pcapscope::test;

constexpr std::uint8_t SYN = test::tcp_syn, ACK = test::tcp_ack;
const host A{1, 40001}, B{1, 40002}, T{1, 40003}, web{2, 80}, alt{2, 8080};
const host U0{1, 5000}, U1{1, 5001}, dns{3, 53};

std::vector<std::uint8_t> icmp_echo(std::uint8_t s, std::uint8_t d, std::uint8_t type) {
  std::vector<std::uint8_t> l4 = {type, 0, 0, 0, 0, 7, 0, 1};
  l4.resize(l4.size() + 16, 0);
  return test::ipv4_packet(s, d, 1, l4);
}

std::vector<std::uint8_t> arp_request() {
  return {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 1, 0x08, 0x06, 0, 1, 0x08, 0x00, 6, 4, 0, 1,
          2, 0, 0, 0, 0, 1, 10, 0, 0, 1, 0, 0, 0, 0, 0, 0, 10, 0, 0, 2};
}

// IPv4-in-IPv4 from 10.0.0.s to 10.0.0.d around the IP packet of the Ethernet `frame`.
std::vector<std::uint8_t> ip_in_ip(std::uint8_t s, std::uint8_t d, const std::vector<std::uint8_t>& frame) {
  return test::ipv4_packet(s, d, 4, {frame.begin() + 14, frame.end()});
}

// `frame` (Ethernet + IPv4) turned into a non-first IP fragment (offset 800, last) whose first
// fragment never comes: no transport header to read, and no flow until reassembled.
std::vector<std::uint8_t> lone_fragment(std::vector<std::uint8_t> frame) {
  frame[14 + 4] = 0x12;  // identification 0x1234
  frame[14 + 5] = 0x34;
  frame[14 + 6] = 0x00;  // no DF, no MF, offset 100 × 8
  frame[14 + 7] = 100;
  return frame;
}

// One row of the expected `packets` output: frame number, tcp.stream, udp.stream ("" absent).
struct row {
  std::string tcp, udp;
};

class StreamCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
#ifndef PCAPSCOPE_CLI
    GTEST_SKIP() << "CLI not built";
#endif
    dir_ = fs::temp_directory_path() / ("pcapscope-stream-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    // Flow ids: 1 UDP U0<->dns (udp 0), 2 ICMP echo, 3 TCP A<->web (tcp 0), 4 TCP B<->alt
    // (tcp 1), 5 UDP U1->dns (udp 1), 6 TCP A<->web again after both closed (tcp 2),
    // 7 TCP T<->web inside IP-in-IP (tcp 3).
    std::vector<std::vector<std::uint8_t>> pkts;
    auto add = [&](std::vector<std::uint8_t> p, std::string tcp, std::string udp) {
      pkts.push_back(std::move(p));
      want_.push_back({std::move(tcp), std::move(udp)});
    };
    add(test::udp_datagram(U0, dns, "query one"), "", "0");                               // 1
    add(icmp_echo(1, 2, 8), "", "");                                                       // 2
    for (auto& p : test::tcp_conversation(A, web, {{true, "GET / HTTP/1.0\r\n\r\n"}, {false, "HTTP/1.0 200 OK\r\n\r\nhi"}})) {
      add(std::move(p), "0", "");                                                          // 3-10
    }
    add(test::udp_datagram(dns, U0, "answer one"), "", "0");                               // 11
    add(icmp_echo(2, 1, 0), "", "");                                                       // 12
    for (auto& p : test::tcp_conversation(B, alt, {{true, "hello server"}, {false, "hello client"}, {true, "bye"}})) {
      add(std::move(p), "1", "");                                                          // 13-21
    }
    add(test::udp_datagram(U1, dns, "query two"), "", "1");                                // 22
    add(arp_request(), "", "");                                                            // 23
    add(test::tcp_segment(A, web, SYN, 90000, 0, ""), "2", "");                            // 24: port reuse
    add(ip_in_ip(5, 6, test::tcp_segment(T, web, SYN, 3000, 0, "")), "3", "");             // 25
    add(test::tcp_segment(web, A, SYN | ACK, 20000, 90001, ""), "2", "");                  // 26
    add(ip_in_ip(6, 5, test::tcp_segment(web, T, SYN | ACK, 4000, 3001, "")), "3", "");    // 27
    add(test::udp_datagram(U1, dns, "query three"), "", "1");                              // 28
    path_ = write("streams.pcap", pkts);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  test::cli_result run(const std::string& args) const { return test::run_cli(args); }
  std::string file() const { return quoted(path_); }
  static std::string quoted(const fs::path& p) { return "'" + p.string() + "'"; }

  // Writes `pkts` as a pcap under the test's folder.
  fs::path write(const std::string& name, const std::vector<std::vector<std::uint8_t>>& pkts) const {
    auto p = dir_ / name;
    auto bytes = test::pcap_of(pkts);
    std::ofstream o(p, std::ios::binary);
    o.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    return p;
  }

  // The frame numbers `pcapscope filter FILE EXPR` prints.
  std::vector<std::string> filter_frames(const std::string& expr) const {
    auto r = run("filter " + file() + " '" + expr + "' --format tsv --fields frame.number");
    EXPECT_EQ(r.status, 0) << expr << ": " << r.err;
    auto lines = test::split(r.out, '\n');
    std::vector<std::string> out;
    for (std::size_t i = 1; i < lines.size(); ++i) {  // after the header line
      if (!lines[i].empty()) out.push_back(lines[i]);
    }
    return out;
  }

  // The frames whose expected tcp.stream (tcp) or udp.stream is `value`.
  std::vector<std::string> frames_of(bool tcp, const std::string& value) const {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < want_.size(); ++i) {
      if ((tcp ? want_[i].tcp : want_[i].udp) == value) out.push_back(std::to_string(i + 1));
    }
    return out;
  }

  // The expected `packets --format tsv --fields frame.number,tcp.stream,udp.stream` body.
  std::string expected_columns() const {
    std::string out;
    for (std::size_t i = 0; i < want_.size(); ++i) out += std::to_string(i + 1) + "\t" + want_[i].tcp + "\t" + want_[i].udp + "\n";
    return out;
  }

  fs::path dir_, path_;
  std::vector<row> want_;
};

TEST_F(StreamCliTest, PacketsColumns) {
  ASSERT_EQ(want_.size(), 28u);
  auto r = run("packets " + file() + " --format tsv --fields frame.number,tcp.stream,udp.stream");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "frame.number\ttcp.stream\tudp.stream\n" + expected_columns());
  // NDJSON: a present field is a string, an absent one is left out.
  auto j = run("packets " + file() + " --fields frame.number,tcp.stream,udp.stream");
  ASSERT_EQ(j.status, 0) << j.err;
  auto lines = test::split(j.out, '\n');
  ASSERT_GE(lines.size(), 28u);
  EXPECT_EQ(lines[0], R"({"frame.number":"1","udp.stream":"0"})");
  EXPECT_EQ(lines[1], R"({"frame.number":"2"})");
  EXPECT_EQ(lines[13], R"({"frame.number":"14","tcp.stream":"1"})");
  EXPECT_EQ(lines[24], R"({"frame.number":"25","tcp.stream":"3"})");
  // The fields are listed.
  auto list = run("packets " + file() + " --fields list");
  ASSERT_EQ(list.status, 0);
  EXPECT_NE(list.out.find("tcp.stream"), std::string::npos);
  EXPECT_NE(list.out.find("udp.stream"), std::string::npos);
}

TEST_F(StreamCliTest, DetailShowsTheStreamIndex) {
  struct probe {
    int frame;
    const char* want;  // nullptr: no stream index at all
  };
  for (const probe& p : {probe{13, "[Stream index: 1]"}, probe{3, "[Stream index: 0]"}, probe{24, "[Stream index: 2]"},
                         probe{25, "[Stream index: 3]"}, probe{22, "[Stream index: 1]"}, probe{11, "[Stream index: 0]"},
                         probe{2, nullptr}, probe{23, nullptr}}) {
    auto r = run("detail " + file() + " " + std::to_string(p.frame));
    ASSERT_EQ(r.status, 0) << r.err;
    if (p.want) {
      EXPECT_NE(r.out.find(p.want), std::string::npos) << "frame " << p.frame << " lacks " << p.want;
    } else {
      EXPECT_EQ(r.out.find("Stream index"), std::string::npos) << "frame " << p.frame;
    }
  }
  auto j = run("detail " + file() + " 13 --json");
  ASSERT_EQ(j.status, 0) << j.err;
  EXPECT_NE(j.out.find(R"("name":"tcp.stream","label":"[Stream index: 1]","value":"1")"), std::string::npos);
  EXPECT_EQ(j.out.find(R"("name":"udp.stream")"), std::string::npos);
}

TEST_F(StreamCliTest, FilterSelectsExactlyTheStream) {
  const std::vector<std::string> tcp1 = {"13", "14", "15", "16", "17", "18", "19", "20", "21"};
  EXPECT_EQ(frames_of(true, "1"), tcp1);
  EXPECT_EQ(filter_frames("tcp.stream == 1"), tcp1);
  EXPECT_EQ(filter_frames("tcp.stream == 2"), (std::vector<std::string>{"24", "26"}));
  EXPECT_EQ(filter_frames("tcp.stream == 3"), (std::vector<std::string>{"25", "27"}));
  EXPECT_EQ(filter_frames("udp.stream == 0"), (std::vector<std::string>{"1", "11"}));
  EXPECT_EQ(filter_frames("udp.stream in {1, 7}"), (std::vector<std::string>{"22", "28"}));
  EXPECT_EQ(filter_frames("tcp.stream > 1"), (std::vector<std::string>{"24", "25", "26", "27"}));
  EXPECT_EQ(filter_frames("tcp.stream == 9"), std::vector<std::string>{});
  EXPECT_EQ(filter_frames("!tcp.stream && !udp.stream"), (std::vector<std::string>{"2", "12", "23"}));
}

TEST_F(StreamCliTest, FollowByStreamIndexEqualsFollowByFlowId) {
  // The flow ids the setup comment gives.
  auto flows = run("flows " + file() + " --format tsv");
  ASSERT_EQ(flows.status, 0) << flows.err;
  auto lines = test::split(flows.out, '\n');
  ASSERT_GE(lines.size(), 8u);
  auto cols = test::split(lines[0], '\t');
  std::size_t port_col = 0, id_col = 0;
  for (std::size_t c = 0; c < cols.size(); ++c) {
    if (cols[c] == "id.orig_p") port_col = c;
    if (cols[c] == "flow_id") id_col = c;
  }
  ASSERT_NE(id_col, 0u);
  const std::vector<std::string> orig_ports = {"5000", "8", "40001", "40002", "5001", "40001", "40003"};
  for (std::size_t k = 0; k < orig_ports.size(); ++k) {
    auto f = test::split(lines[k + 1], '\t');
    EXPECT_EQ(f[port_col], orig_ports[k]) << "flow " << k + 1;
    EXPECT_EQ(f[id_col], std::to_string(k + 1));
  }

  struct pair {
    const char* stream;
    int flow_id;
  };
  for (const pair& p : {pair{"tcp:0", 3}, pair{"tcp:1", 4}, pair{"tcp:2", 6}, pair{"tcp:3", 7}, pair{"udp:0", 1},
                        pair{"udp:1", 5}}) {
    for (const char* format : {"hex", "raw", "json"}) {
      SCOPED_TRACE(std::string(p.stream) + " --format " + format);
      auto by_stream = run("follow " + file() + " " + p.stream + " --format " + format);
      auto by_id = run("follow " + file() + " " + std::to_string(p.flow_id) + " --format " + format);
      ASSERT_EQ(by_stream.status, 0) << by_stream.err;
      ASSERT_EQ(by_id.status, 0) << by_id.err;
      EXPECT_EQ(by_stream.out, by_id.out);
    }
  }
  // The content is that stream's: tcp:1 carries "hello server" (68656c6c6f20736572766572).
  auto hex = run("follow " + file() + " tcp:1 --format hex");
  EXPECT_NE(hex.out.find("68656c6c6f20736572766572"), std::string::npos) << hex.out;
  EXPECT_EQ(run("follow " + file() + " tcp:1 --format raw").out, "hello serverhello clientbye");
  EXPECT_EQ(run("follow " + file() + " udp:0 --format raw").out, "query oneanswer one");
  EXPECT_EQ(run("follow " + file() + " udp:1 --format raw").out, "query twoquery three");
}

TEST_F(StreamCliTest, FollowBadStreamForms) {
  for (const char* bad : {"tcp:x", "udp:-1", "tcp:", "udp:", "tcp:1x", "tcp:-0", "udp:99999999999"}) {
    auto r = run("follow " + file() + " '" + bad + "'");
    EXPECT_EQ(r.status, 2) << bad << ": " << r.err;
    EXPECT_NE(r.err.find(bad), std::string::npos) << bad << ": " << r.err;
    EXPECT_EQ(r.out, "") << bad;
  }
  auto missing = run("follow " + file() + " tcp:99");
  EXPECT_EQ(missing.status, 1);
  EXPECT_NE(missing.err.find("tcp stream 99"), std::string::npos) << missing.err;
  EXPECT_EQ(missing.out, "");
  auto udp = run("follow " + file() + " udp:2");  // two UDP streams: 0 and 1
  EXPECT_EQ(udp.status, 1);
  EXPECT_NE(udp.err.find("udp stream 2"), std::string::npos) << udp.err;
  auto tcp4 = run("follow " + file() + " tcp:4");  // four TCP streams: 0..3
  EXPECT_EQ(tcp4.status, 1);
  EXPECT_NE(tcp4.err.find("tcp stream 4"), std::string::npos) << tcp4.err;
  // Still accepted: flow ids and tcp:0.
  EXPECT_EQ(run("follow " + file() + " 2 --format raw").status, 0);
  EXPECT_EQ(run("follow " + file() + " tcp:0 --format raw").out, "GET / HTTP/1.0\r\n\r\nHTTP/1.0 200 OK\r\n\r\nhi");
}

TEST_F(StreamCliTest, LoneIpFragmentsTakeNoStreamNumber) {
  // Fragments whose datagram is never completed have no flow (docs/flows.md), so they take no
  // tcp.stream / udp.stream number: `packets`, `filter` and `follow tcp:N` must all number
  // frame 3 as tcp.stream 1 (as tshark does, and as the flow table behind `flows`/`follow`).
  const auto f = write("fragments.pcap", {
      test::tcp_segment(A, web, SYN, 1000, 0, ""),                                  // 1: tcp 0
      lone_fragment(test::tcp_segment({1, 40009}, {4, 80}, SYN, 1, 0, "abcd")),     // 2: IP proto 6
      test::tcp_segment(B, alt, SYN, 2000, 0, ""),                                  // 3: tcp 1
      lone_fragment(test::udp_datagram({1, 5009}, {4, 53}, "abcd")),                // 4: IP proto 17
      test::udp_datagram(U0, dns, "query"),                                         // 5: udp 0
      test::tcp_segment(web, A, SYN | ACK, 5000, 1001, ""),                         // 6: tcp 0
  });
  const std::string expected = "frame.number\ttcp.stream\tudp.stream\n1\t0\t\n2\t\t\n3\t1\t\n4\t\t\n5\t\t0\n6\t0\t\n";
  // The flow table: three flows, the fragments in none.
  auto flows = run("flows " + quoted(f) + " --format tsv");
  ASSERT_EQ(flows.status, 0) << flows.err;
  EXPECT_EQ(test::split(flows.out, '\n').size(), 1u + 3u + 1u) << flows.out;  // header, 3 flows, ""
  auto by_stream = run("follow " + quoted(f) + " tcp:1 --format json");
  auto by_id = run("follow " + quoted(f) + " 2 --format json");
  ASSERT_EQ(by_stream.status, 0) << by_stream.err;
  EXPECT_EQ(by_stream.out, by_id.out);
  EXPECT_EQ(run("follow " + quoted(f) + " udp:0 --format json").out, run("follow " + quoted(f) + " 3 --format json").out);

  auto r = run("packets " + quoted(f) + " --format tsv --fields frame.number,tcp.stream,udp.stream");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, expected);
  auto sel = run("filter " + quoted(f) + " 'tcp.stream == 1' --format tsv --fields frame.number");
  EXPECT_EQ(sel.out, "frame.number\n3\n");
  sel = run("filter " + quoted(f) + " 'udp.stream == 0' --format tsv --fields frame.number");
  EXPECT_EQ(sel.out, "frame.number\n5\n");
  if (test::have_tshark()) {
    auto want = test::command_output("tshark -n -r " + quoted(f) + " -T fields -e frame.number -e tcp.stream -e udp.stream");
    EXPECT_EQ("frame.number\ttcp.stream\tudp.stream\n" + want, expected);
  }
}

TEST_F(StreamCliTest, ColumnsAndFiltersEqualTshark) {
  if (!test::have_tshark()) GTEST_SKIP() << "no tshark";
  const std::string ts = "tshark -n -r " + file() + " -o tcp.desegment_tcp_streams:FALSE";
  auto want = test::command_output(ts + " -T fields -e frame.number -e tcp.stream -e udp.stream");
  EXPECT_EQ(want, expected_columns());  // tshark numbers the streams as the setup says
  auto r = run("packets " + file() + " --format tsv --fields frame.number,tcp.stream,udp.stream");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "frame.number\ttcp.stream\tudp.stream\n" + want);
  for (const char* expr : {"tcp.stream == 1", "tcp.stream == 2", "tcp.stream == 3", "udp.stream == 1",
                           "tcp.stream > 1", "!tcp.stream", "tcp.stream != 0", "udp.stream in {0, 1}"}) {
    auto tshark = test::split(test::command_output(ts + " -Y '" + expr + "' -T fields -e frame.number"), '\n');
    if (!tshark.empty() && tshark.back().empty()) tshark.pop_back();
    EXPECT_EQ(filter_frames(expr), tshark) << expr;
  }
}

}  // namespace
