// `pcapscope dns`: Zeek dns.log field names in ndjson and tsv, and exit codes (runs the built
// CLI on the corpus's arkime dns-mx capture; skipped without corpus or CLI).
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <string>

#include "support/test_support.hpp"

namespace {

using result = pcapscope::test::cli_result;

result run(const std::string& args) { return pcapscope::test::run_cli(args); }

TEST(DnsCli, ZeekFieldsInBothFormats) {
#ifndef PCAPSCOPE_CLI
  GTEST_SKIP() << "CLI not built";
#endif
  auto dir = pcapscope::test::corpus_dir();
  if (!dir || !std::filesystem::exists(*dir / "arkime/tests__pcap__dns-mx.pcap")) GTEST_SKIP() << "no corpus";
  std::string file = "'" + (*dir / "arkime/tests__pcap__dns-mx.pcap").string() + "'";
  auto j = run("dns " + file);
  EXPECT_EQ(j.status, 0);
  EXPECT_EQ(j.out,
            "{\"ts\":1386104996.973318,\"uid\":\"" + j.out.substr(j.out.find("\"uid\":\"") + 7, 18) +
                "\",\"id.orig_h\":\"10.180.156.185\",\"id.orig_p\":51427,\"id.resp_h\":\"10.2.95.39\","
                "\"id.resp_p\":53,\"proto\":\"udp\",\"trans_id\":19479,\"rtt\":0.082653,\"query\":\"mx.com\","
                "\"qclass\":1,\"qclass_name\":\"C_INTERNET\",\"qtype\":15,\"qtype_name\":\"MX\",\"rcode\":0,"
                "\"rcode_name\":\"NOERROR\",\"AA\":false,\"TC\":false,\"RD\":true,\"RA\":true,\"Z\":0,"
                "\"answers\":[\"cluster5.us.messagelabs.com\",\"cluster5a.us.messagelabs.com\"],"
                "\"TTLs\":[3600.0,3600.0],\"rejected\":false}\n");
  auto t = run("dns " + file + " --format tsv");
  EXPECT_EQ(t.status, 0);
  EXPECT_EQ(t.out.substr(0, t.out.find('\n')),
            "ts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\ttrans_id\trtt\tquery\tqclass\t"
            "qclass_name\tqtype\tqtype_name\trcode\trcode_name\tAA\tTC\tRD\tRA\tZ\tanswers\tTTLs\trejected\t"
            "anomalies");
  EXPECT_NE(t.out.find("\tF\tF\tT\tT\t0\tcluster5.us.messagelabs.com,cluster5a.us.messagelabs.com\t3600.0,3600.0\tF\t-\n"),
            std::string::npos);
  EXPECT_EQ(run("dns " + file + " --format xml").status, 2);
  EXPECT_EQ(run("dns").status, 2);
  EXPECT_EQ(run("dns /nonexistent.pcap").status, 1);
}

}  // namespace
