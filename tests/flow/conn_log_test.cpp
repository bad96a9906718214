// The record formatting shared by the CLI and the wasm session (flow/conn_log.hpp,
// app/dns_log.hpp): whole-table NDJSON equals the per-record lines, TSV has a header and the
// same records, and Zeek's six-decimal seconds. Corpus part skips without ../shared/captures.
#include <gtest/gtest.h>

#include <string>

#include "pcapscope/app/dns.hpp"
#include "pcapscope/app/dns_log.hpp"
#include "pcapscope/capture/file.hpp"
#include "pcapscope/flow/conn_log.hpp"
#include "pcapscope/index/index.hpp"
#include "support/test_support.hpp"

namespace {

using namespace pcapscope;

std::size_t lines(const std::string& s) {
  std::size_t n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

TEST(ZeekSeconds, SixDecimalsTruncatedAndSigned) {
  EXPECT_EQ(util::zeek_seconds(0), "0.000000");
  EXPECT_EQ(util::zeek_seconds(1700000000123456789), "1700000000.123456");
  EXPECT_EQ(util::zeek_seconds(999), "0.000000");
  EXPECT_EQ(util::zeek_seconds(-1500000000), "-1.500000");
}

TEST(ConnLog, EmptyTablesGiveNoText) {
  flow::flow_tracker t;
  flow::endpoint_table e;
  app::dns_logger d(&t);
  EXPECT_EQ(flow::conn_log_json(t), "");
  EXPECT_EQ(flow::endpoints_json(e), "");
  EXPECT_EQ(app::dns_log_ndjson(d), "");
}

TEST(ConnLog, TablesOfACorpusCaptureMatchPerRecordLines) {
  auto dir = test::corpus_dir();
  if (!dir) GTEST_SKIP() << "no corpus";
  auto path = *dir / "pcapplusplus" / "Tests__Pcap++Test__PcapExamples__DnsPackets.pcap";
  std::string err;
  auto f = capture::capture_file::open(path.string(), err);
  if (!f) GTEST_SKIP() << err;
  // The wasm session's chain: builder -> DNS -> endpoints.
  flow::flow_tracker tracker;
  flow::endpoint_table table;
  flow::endpoint_index_handler endpoints(table);
  app::dns_logger log(&tracker);
  app::dns_index_handler dns(log, &endpoints);
  index::index_builder builder(&dns, &tracker);
  dns.set_source(&builder);
  endpoints.set_source(&builder);
  ASSERT_TRUE(f->read_all(&builder).ok);
  ASSERT_GT(tracker.size(), 0u);
  ASSERT_FALSE(log.entries().empty());

  std::string flows = flow::conn_log_json(tracker);
  std::string each, tsv;
  for (std::uint32_t id = 1; id <= tracker.size(); ++id) {
    flow::append_conn_record(each, tracker, id, util::log_format::ndjson, false);
    flow::append_conn_record(tsv, tracker, id, util::log_format::tsv, id == 1);
  }
  EXPECT_EQ(flows, each);
  EXPECT_EQ(lines(flows), tracker.size());
  EXPECT_EQ(lines(tsv), tracker.size() + 1);
  EXPECT_EQ(tsv.rfind("ts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\t", 0), 0u);
  EXPECT_EQ(flows.rfind("{\"ts\":", 0), 0u);
  EXPECT_NE(flows.find("\"flow_id\":1}\n"), std::string::npos);

  std::string eps = flow::endpoints_json(table);
  EXPECT_EQ(lines(eps), table.ip().size() + table.mac().size());
  EXPECT_EQ(eps.rfind("{\"address\":", 0), 0u);

  std::string dns_text = app::dns_log_ndjson(log);
  std::string dns_each, dns_tsv;
  bool first = true;
  for (const auto& e : log.entries()) {
    app::append_dns_record(dns_each, e, util::log_format::ndjson, false);
    app::append_dns_record(dns_tsv, e, util::log_format::tsv, first);
    first = false;
  }
  EXPECT_EQ(dns_text, dns_each);
  EXPECT_EQ(lines(dns_text), log.entries().size());
  EXPECT_EQ(lines(dns_tsv), log.entries().size() + 1);
  EXPECT_NE(dns_text.find("\"qtype_name\":"), std::string::npos);
}

}  // namespace
