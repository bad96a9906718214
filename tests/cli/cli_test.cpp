// The CLI's contract: output, exit codes and error messages (runs the built `pcapscope`).
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>

#include "pcapscope/writer/writer.hpp"
#include "support/test_support.hpp"

namespace {

namespace fs = std::filesystem;
using namespace pcapscope;

using run_result = pcapscope::test::cli_result;

run_result run(const std::string& args) { return pcapscope::test::run_cli(args); }

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
#ifndef PCAPSCOPE_CLI
    GTEST_SKIP() << "CLI not built";
#endif
    dir_ = fs::temp_directory_path() / ("pcapscope-cli-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  fs::path write(const std::string& name, const std::vector<std::uint8_t>& bytes) {
    auto p = dir_ / name;
    std::ofstream o(p, std::ios::binary);
    o.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    return p;
  }
  // Three Ethernet-sized packets one second apart, microsecond pcap.
  std::vector<std::uint8_t> small_pcap() {
    writer::vector_sink s;
    writer::pcap_writer w(s, 1);
    std::vector<std::uint8_t> payload(60, 0xab);
    for (int i = 0; i < 3; ++i) {
      writer::packet p;
      p.ts_ns = 1700000000123456000 + i * 1000000000LL;
      p.data = payload;
      w.write(p);
    }
    return s.out;
  }
  fs::path dir_;
};

TEST_F(CliTest, InfoJsonHasTheDocumentedKeys) {
  auto f = write("a.pcap", small_pcap());
  auto r = run("info --json " + f.string());
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("\"format\":\"pcap\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"packets\":3"), std::string::npos);
  EXPECT_NE(r.out.find("\"bytes_captured\":180"), std::string::npos);
  EXPECT_NE(r.out.find("\"first_time\":\"1700000000.123456\""), std::string::npos);
  EXPECT_NE(r.out.find("\"last_time\":\"1700000002.123456\""), std::string::npos);
  EXPECT_NE(r.out.find("\"link_type\":1,\"link_type_name\":\"ETHERNET\""), std::string::npos);
  EXPECT_TRUE(r.err.empty()) << r.err;  // no progress output when stderr is not a terminal
}

TEST_F(CliTest, TextOutputLooksLikeCapinfos) {
  auto f = write("a.pcap", small_pcap());
  auto r = run("info " + f.string());
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("Number of packets:      3"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("2023-11-14 22:13:20.123456 UTC"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Ethernet (1, ETHERNET)"), std::string::npos);
}

TEST_F(CliTest, NotACaptureNamesWhatItLooksLikeAndFails) {
  auto f = write("a.zip", {'P', 'K', 3, 4, 20, 0, 0, 0, 8, 0});
  auto r = run("info " + f.string());
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find(f.string()), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("not a pcap/pcapng file: starts with 50 4b 03 04 (a ZIP archive?)"),
            std::string::npos)
      << r.err;
}

TEST_F(CliTest, TruncatedLastRecordWarnsWithOffsetAndSucceeds) {
  auto bytes = small_pcap();
  bytes.resize(bytes.size() - 10);
  auto f = write("t.pcap", bytes);
  auto r = run("info --json " + f.string());
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("\"packets\":2"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"records_lost\":1"), std::string::npos) << r.out;
  // Third record starts at 24 + 2 * (16 + 60) = 176.
  EXPECT_NE(r.err.find("offset 176"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("warning"), std::string::npos) << r.err;
}

TEST_F(CliTest, MissingFileAndUsageErrors) {
  auto r = run("info " + (dir_ / "nope.pcap").string());
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("cannot open"), std::string::npos) << r.err;
  EXPECT_EQ(run("").status, 2);
  EXPECT_EQ(run("frobnicate x").status, 2);
  EXPECT_EQ(run("info").status, 2);
}

TEST_F(CliTest, GzipInputIsReadTransparently) {
  if (std::system("command -v gzip >/dev/null 2>&1") != 0) GTEST_SKIP() << "no gzip";
  auto f = write("g.pcap", small_pcap());
  ASSERT_EQ(std::system(("gzip -kf " + f.string()).c_str()), 0);
  auto r = run("info --json " + f.string() + ".gz");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("\"compression\":\"gzip\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"packets\":3"), std::string::npos) << r.out;
}

TEST_F(CliTest, SeveralFilesGiveAJsonArray) {
  auto a = write("a.pcap", small_pcap());
  auto r = run("info --json " + a.string() + " " + a.string());
  EXPECT_EQ(r.status, 0);
  ASSERT_FALSE(r.out.empty());
  EXPECT_EQ(r.out.front(), '[');
  EXPECT_NE(r.out.find("},{"), std::string::npos);
}

}  // namespace

namespace {

// Info of plain TCP packets (no application data) equals tshark's: relative Seq/Ack from the
// flow table, scaled windows, options.
TEST_F(CliTest, TcpInfoMatchesTshark) {
  namespace fs = std::filesystem;
#ifdef PCAPSCOPE_CORPUS_DIR
  fs::path corpus = PCAPSCOPE_CORPUS_DIR;
#else
  fs::path corpus;
#endif
  if (!fs::is_directory(corpus)) GTEST_SKIP() << "no corpus";
  if (std::system("command -v tshark >/dev/null 2>&1") != 0) GTEST_SKIP() << "no tshark";
  std::size_t compared = 0;
  for (const char* rel : {"dpkt/examples__data__nb6-http.pcap", "arkime/tests__pcap__https-connect.pcap",
                          "arkime/tests__pcap__long-session.pcap"}) {
    auto file = corpus / rel;
    if (!fs::exists(file)) continue;
    auto ours = run("packets " + file.string() + " --format tsv --fields frame.number,_ws.col.Protocol,_ws.col.Info");
    ASSERT_EQ(ours.status, 0) << ours.err;
    std::string cmd = "tshark -n -r " + file.string() +
                      " -o tcp.desegment_tcp_streams:FALSE -T fields -e frame.number -e _ws.col.Protocol -e _ws.col.Info 2>/dev/null";
    std::string theirs;
    if (FILE* p = ::popen(cmd.c_str(), "r")) {
      char buf[4096];
      std::size_t n;
      while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) theirs.append(buf, n);
      ::pclose(p);
    }
    std::istringstream a(ours.out), b(theirs);
    std::string la, lb;
    std::getline(a, la);  // header
    while (std::getline(a, la) && std::getline(b, lb)) {
      if (lb.find("\tTCP\t") == std::string::npos || la.find("\tTCP\t") == std::string::npos) continue;
      // tshark prefixes analysis notes ("[TCP Retransmission] …") that need per-flow analysis.
      if (lb.compare(lb.find("\tTCP\t") + 5, 1, "[") == 0) continue;
      EXPECT_EQ(la, lb) << rel;
      ++compared;
    }
  }
  EXPECT_GT(compared, 10u);
}

}  // namespace
