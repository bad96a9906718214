// `--filter EXPR` on the flow and log commands: the records printed are exactly those of the
// flows that carry a packet `pcapscope filter EXPR` selects (matched by the innermost addresses
// and ports of the selected packets, for TCP/UDP expressions), and a bad filter is a usage error.
#include <gtest/gtest.h>

#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "support/test_support.hpp"

namespace {

using namespace pcapscope;

// Lines of TSV output without the header, split into columns.
std::vector<std::vector<std::string>> tsv_rows(const std::string& out) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(out);
  std::string line;
  bool header = true;
  while (std::getline(in, line)) {
    if (header) {
      header = false;
      continue;
    }
    rows.push_back(test::split(line, '\t'));
  }
  return rows;
}

// The last of a comma-joined list of occurrences (the innermost header's value).
std::string innermost(const std::string& v) {
  auto c = v.rfind(',');
  return c == std::string::npos ? v : v.substr(c + 1);
}

std::string endpoint_pair(const std::string& a, const std::string& ap, const std::string& b, const std::string& bp) {
  std::string x = a + "|" + ap, y = b + "|" + bp;
  return x < y ? x + "/" + y : y + "/" + x;
}

TEST(LogFilter, RecordsOfTheFlowsThatCarryMatchingPackets) {
  if (!test::cli_available()) GTEST_SKIP() << "CLI not built";
  auto dir = test::corpus_dir();
  if (!dir) GTEST_SKIP() << "no corpus";
  std::size_t checked = 0;
  for (const char* name : {"dpkt/examples__data__nb6-http.pcap", "ja4/http1.pcapng", "ja4/badcurveball.pcap"}) {
    std::string path = "'" + (*dir / name).string() + "'";
    auto all_flows = tsv_rows(test::run_cli("flows " + path + " --format tsv").out);
    auto dns_all = tsv_rows(test::run_cli("dns " + path + " --format tsv").out);
    for (const char* expr : {"tcp.port == 80", "tcp.flags.syn == 1 && tcp.flags.ack == 0", "udp && frame.len > 100",
                             "tcp.len > 0 && ip.ttl < 64"}) {
      auto sel = tsv_rows(test::run_cli("filter " + path + " '" + expr +
                                        "' --format tsv --fields ip.src,ip.dst,ipv6.src,ipv6.dst,tcp.srcport,"
                                        "tcp.dstport,udp.srcport,udp.dstport")
                              .out);
      std::set<std::string> pairs;
      for (auto& r : sel) {
        r.resize(8);
        // Tunnels in these captures carry IPv6 in IPv4 and TCP in UDP (L2TP): when both are
        // present, IPv6 and TCP are the inner ones, which the flow is keyed by.
        std::string src = innermost(r[2].empty() ? r[0] : r[2]), dst = innermost(r[3].empty() ? r[1] : r[3]);
        std::string sp = innermost(r[4].empty() ? r[6] : r[4]), dp = innermost(r[5].empty() ? r[7] : r[5]);
        pairs.insert(endpoint_pair(src, sp, dst, dp));
      }
      std::set<std::string> want;  // uids (column 1) of the flows with those endpoints (2-5)
      for (const auto& f : all_flows) {
        if (f.size() > 6 && (f[6] == "tcp" || f[6] == "udp") && pairs.count(endpoint_pair(f[2], f[3], f[4], f[5]))) {
          want.insert(f[1]);
        }
      }
      auto got_rows = tsv_rows(test::run_cli("flows " + path + " --format tsv --filter '" + std::string(expr) + "'").out);
      // A matching packet may belong to an ICMP flow (an ICMP error quoting UDP, ICMPv6 inside
      // an L2TP tunnel): those are checked to be ICMP; the TCP/UDP ones are compared.
      std::set<std::string> got;
      for (const auto& f : got_rows) {
        ASSERT_GT(f.size(), 6u);
        if (f[6] == "tcp" || f[6] == "udp") got.insert(f[1]);
        else EXPECT_EQ(f[6], "icmp") << name << ": " << expr << ": " << f[1];
      }
      EXPECT_EQ(got, want) << name << ": " << expr;
      // The DNS log narrowed the same way: the records whose uid is among those flows.
      std::set<std::string> all_got;
      for (const auto& f : got_rows) all_got.insert(f.at(1));
      std::size_t dns_want = 0;
      for (const auto& d : dns_all) dns_want += d.size() > 1 && all_got.count(d[1]) ? 1 : 0;
      auto dns_got = tsv_rows(test::run_cli("dns " + path + " --format tsv --filter '" + std::string(expr) + "'").out);
      EXPECT_EQ(dns_got.size(), dns_want) << name << ": " << expr;
      checked += want.size();
    }
  }
  EXPECT_GT(checked, 5u);
}

TEST(LogFilter, BadFilterIsAUsageError) {
  if (!test::cli_available()) GTEST_SKIP() << "CLI not built";
  auto dir = test::corpus_dir();
  if (!dir) GTEST_SKIP() << "no corpus";
  auto r = test::run_cli("tls '" + (*dir / "ja4/badcurveball.pcap").string() + "' --filter 'tcp.prot == 1'");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("did you mean \"tcp.port\""), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty());
}

}  // namespace
