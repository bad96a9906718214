// Reader state and limits: max_anomalies/max_names/max_secret_bytes, a reader without handler,
// moving a reader mid-stream, input after a fatal error, read_at on records that were not
// delivered, and pcap timestamp fractions of a second or more.
#include <gtest/gtest.h>

#include <string>

#include "capture/builders.hpp"
#include "capture/check.hpp"
#include "pcapscope/capture/reader.hpp"
#include "support/test_support.hpp"

namespace pcapscope::test {
namespace {

using namespace build;
using capture::anomaly_code;

byte_vec five_lost_packets() {
  byte_vec b = cat({shb(false), idb(false, 1, 0)});
  for (std::uint32_t i = 0; i < 5; ++i) {
    auto e = epb(false, 7 + i, i, payload(4));
    b.insert(b.end(), e.begin(), e.end());
  }
  auto ok = epb(false, 0, 100, payload(4));
  b.insert(b.end(), ok.begin(), ok.end());
  return b;
}

TEST(ReaderLimits, MaxAnomaliesKeepsFirstAndCountsAll) {
  capture::reader_limits lim;
  lim.max_anomalies = 2;
  auto res = read_bytes(five_lost_packets(), 0, lim);
  EXPECT_EQ(res.info.anomalies.size(), 2u);
  EXPECT_EQ(res.info.anomaly_total, 5u);
  EXPECT_EQ(res.h.anomalies.size(), 5u) << "the handler hears every anomaly";
  EXPECT_EQ(res.info.records_lost, 5u);
  EXPECT_EQ(res.h.records.size(), 1u);
  auto one = read_bytes(five_lost_packets(), 1, lim);
  expect_same_reads(res, one, "1-byte chunks with max_anomalies 2");
}

TEST(ReaderLimits, MaxNames) {
  capture::reader_limits lim;
  lim.max_names = 1;
  auto recs = cat({nrb_ipv4(false, {10, 0, 0, 1}, {"one.example"}),
                   nrb_ipv4(false, {10, 0, 0, 2}, {"two.example"})});
  auto res = read_bytes(cat({shb(false), idb(false, 1, 0), nrb(false, recs)}), 0, lim);
  ASSERT_EQ(res.info.names.size(), 1u);
  EXPECT_EQ(res.info.names[0].name, "one.example");
}

TEST(ReaderLimits, MaxSecretBytes) {
  capture::reader_limits lim;
  lim.max_secret_bytes = 10;
  auto res = read_bytes(cat({shb(false), idb(false, 1, 0), dsb(false, 0x544c534b, payload(29)),
                             epb(false, 0, 1, payload(4))}),
                        0, lim);
  std::size_t total = 0;
  for (const auto& s : res.info.secrets) total += s.data.size();
  EXPECT_LE(total, 10u);
  EXPECT_EQ(res.info.blocks.decryption_secrets, 1u);
  EXPECT_EQ(res.h.records.size(), 1u);
}

TEST(ReaderState, NoHandlerStillSummarizes) {
  auto bytes = cat({pcap_header(false), pcap_record(false, 1, 2, payload(10)),
                    pcap_record(false, 3, 4, payload(20))});
  capture::reader rd;
  EXPECT_TRUE(rd.feed(util::bytes(bytes.data(), bytes.size())).ok);
  EXPECT_TRUE(rd.finish().ok);
  EXPECT_EQ(rd.info().packets, 2u);
  EXPECT_EQ(rd.info().bytes_captured, 30u);
  EXPECT_FALSE(rd.failed());
}

TEST(ReaderState, MoveMidStream) {
  auto bytes = cat({shb(false), idb(false, 1, 0), epb(false, 0, 1, payload(30, 1)),
                    epb(false, 0, 2, payload(31, 2)), epb(false, 0, 3, payload(32, 3))});
  collecting_handler h;
  capture::reader a(&h);
  const std::size_t half = 70;  // inside the first EPB
  a.feed(util::bytes(bytes.data(), half));
  capture::reader b(std::move(a));
  b.feed(util::bytes(bytes.data() + half, 50));
  capture::reader c;
  c = std::move(b);
  c.feed(util::bytes(bytes.data() + half + 50, bytes.size() - half - 50));
  c.finish();
  ASSERT_EQ(h.records.size(), 3u);
  EXPECT_EQ(h.records[0].data, payload(30, 1));
  EXPECT_EQ(h.records[2].data, payload(32, 3));
  EXPECT_EQ(c.info().packets, 3u);
  EXPECT_EQ(c.info().anomaly_total, 0u);
}

TEST(ReaderState, InputAfterFatalErrorIsCountedUnparsed) {
  byte_vec zip = {'P', 'K', 3, 4, 1, 2, 3, 4};
  capture::reader rd;
  auto st1 = rd.feed(util::bytes(zip.data(), zip.size()));
  EXPECT_FALSE(st1.ok);
  EXPECT_TRUE(rd.failed());
  auto more = payload(100);
  auto st2 = rd.feed(util::bytes(more.data(), more.size()));
  EXPECT_FALSE(st2.ok);
  rd.finish();
  EXPECT_EQ(rd.info().bytes_consumed + rd.info().bytes_unparsed, zip.size() + more.size());
  EXPECT_EQ(rd.info().packets, 0u);
}

TEST(ReaderState, ReadAtRecordsThatWereNotDelivered) {
  auto pre = cat({shb(false), idb(false, 1, 0)});
  auto lost = epb(false, 5, 1, payload(8));  // unknown interface
  auto good = epb(false, 0, 2, payload(8));
  auto bytes = cat({pre, lost, good});
  collecting_handler h;
  capture::reader rd(&h);
  rd.feed(util::bytes(bytes.data(), bytes.size()));
  rd.finish();
  ASSERT_EQ(h.records.size(), 1u);
  capture::memory_source src(util::bytes(bytes.data(), bytes.size()));
  std::vector<std::uint8_t> scratch;
  capture::record r;
  std::string err;
  EXPECT_FALSE(rd.read_at(pre.size(), src, scratch, r, err));
  EXPECT_FALSE(err.empty());
  err.clear();
  ASSERT_TRUE(rd.read_at(pre.size() + lost.size(), src, scratch, r, err)) << err;
  EXPECT_EQ(r.ts_ns, 2000);
  // The source got shorter than what was streamed: the record cannot be re-read.
  capture::memory_source short_src(util::bytes(bytes.data(), bytes.size() - 10));
  err.clear();
  EXPECT_FALSE(rd.read_at(pre.size() + lost.size(), short_src, scratch, r, err));
  EXPECT_FALSE(err.empty());
}

TEST(ReaderState, ReadAtSimplePacketHonoursSnaplen) {
  auto pre = cat({shb(true), idb(true, 1, 24)});
  auto bytes = cat({pre, spb(true, 60, payload(60))});
  collecting_handler h;
  capture::reader rd(&h);
  rd.feed(util::bytes(bytes.data(), bytes.size()));
  rd.finish();
  capture::memory_source src(util::bytes(bytes.data(), bytes.size()));
  std::vector<std::uint8_t> scratch;
  capture::record r;
  std::string err;
  ASSERT_TRUE(rd.read_at(pre.size(), src, scratch, r, err)) << err;
  EXPECT_EQ(r.caplen, 24u);
  EXPECT_EQ(r.origlen, 60u);
  EXPECT_FALSE(r.has_timestamp);
  auto d = payload(60);
  EXPECT_EQ(byte_vec(r.data.begin(), r.data.end()), byte_vec(d.begin(), d.begin() + 24));
}

TEST(ReaderState, EmptyPacketsAreDelivered) {
  auto bytes = cat({shb(false), idb(false, 1, 0), epb(false, 0, 1, {}, 60), spb(false, 0, {})});
  auto res = read_all_ways(bytes);
  ASSERT_EQ(res.h.records.size(), 2u);
  EXPECT_EQ(res.h.records[0].r.caplen, 0u);
  EXPECT_EQ(res.h.records[0].r.origlen, 60u);
  EXPECT_TRUE(res.h.records[0].data.empty());
  EXPECT_EQ(res.h.records[1].r.caplen, 0u);
  EXPECT_EQ(res.info.anomaly_total, 0u);
}

TEST(ReaderState, ByteOrderSwitchesPerSection) {
  // Section 1 little, section 2 big, section 3 little again: the byte order switches per SHB.
  auto bytes = cat({shb(false), idb(false, 1, 0), epb(false, 0, 1, payload(5, 1)),
                    shb(true), idb(true, 1, 0), epb(true, 0, 2, payload(6, 2)),
                    shb(false), idb(false, 1, 0), epb(false, 0, 3, payload(7, 3))});
  auto res = read_all_ways(bytes);
  EXPECT_EQ(res.info.anomaly_total, 0u);
  ASSERT_EQ(res.info.sections.size(), 3u);
  EXPECT_EQ(res.info.sections[2].order, capture::byte_order::little);
  EXPECT_EQ(res.info.sections[2].first_interface, 2u);
  ASSERT_EQ(res.h.records.size(), 3u);
  EXPECT_EQ(res.h.records[2].r.interface, 2u);
  EXPECT_EQ(res.h.records[2].r.ts_ns, 3000);
  EXPECT_EQ(res.h.records[1].r.ts_ns, 2000);
  EXPECT_EQ(res.h.records[1].data, payload(6, 2));
}

TEST(PcapFraction, MicrosecondsOfASecondOrMoreCarryOver) {
  // usec = 1500000 is out of range; libpcap/Wireshark add it as 1.5 s.
  auto bytes = cat({pcap_header(false), pcap_record(false, 1700000000, 1500000, payload(4))});
  auto res = read_all_ways(bytes);
  ASSERT_EQ(res.h.records.size(), 1u);
  EXPECT_EQ(res.h.records[0].r.ts_ns, 1700000001500000000);
  EXPECT_TRUE(has_anomaly(res.info, anomaly_code::pcap_fraction_overflow));
}

TEST(PcapFraction, LargestValidFractionIsNotAnAnomaly) {
  auto bytes = cat({pcap_header(true, magic_ns), pcap_record(true, 1700000000, 999999999, payload(4))});
  auto res = read_all_ways(bytes);
  ASSERT_EQ(res.h.records.size(), 1u);
  EXPECT_EQ(res.h.records[0].r.ts_ns, 1700000000999999999);
  EXPECT_EQ(res.info.anomaly_total, 0u);
}

TEST(PcapTime, LargestUnsignedSeconds) {
  // Seconds are unsigned 32-bit: 0xFFFFFFFF is year 2106 and still fits in int64 ns.
  auto bytes = cat({pcap_header(false), pcap_record(false, 0xFFFFFFFFu, 1, payload(4))});
  auto res = read_all_ways(bytes);
  ASSERT_EQ(res.h.records.size(), 1u);
  EXPECT_EQ(res.h.records[0].r.ts_ns, 4294967295000001000);
}

}  // namespace
}  // namespace pcapscope::test
