// The classic pcap per-record loop (records lying whole in a chunk, their totals counted in
// locals) against the general path (a record completed across chunks): a file of records that
// each take one of its branches (equal and earlier times, a new largest caplen, every
// per-record anomaly) read whole, split in two at every byte, and in 1-byte chunks (every
// record through the general path) must give the same records, anomalies (messages included)
// and summary, in both byte orders, for micro- and nanosecond files and Kuznetsov's headers.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

#include "capture/builders.hpp"
#include "capture/check.hpp"
#include "pcapscope/capture/reader.hpp"
#include "support/test_support.hpp"

namespace pcapscope::test {
namespace {

using namespace build;
using capture::anomaly_code;

constexpr std::uint32_t kSnaplen = 110;
constexpr std::uint32_t kMaxNormal = 125;
constexpr std::uint32_t kSec = 1700000000;

struct file_spec {
  bool big = false;
  std::uint32_t magic = magic_us;
};

// One record: header (16 bytes, or 24 for Kuznetsov's) and `caplen` bytes of data.
byte_vec record(const file_spec& f, std::uint32_t sec, std::uint32_t frac, std::uint32_t caplen,
                std::uint32_t origlen, std::uint8_t seed) {
  out o(f.big);
  o.u32(sec).u32(frac).u32(caplen).u32(origlen);
  if (f.magic == magic_kuznetsov) o.u32(2).u16(0x0800).u8(0).u8(0);
  o.raw(payload(caplen, seed));
  return o.v;
}

// The test file, with what each record exercises. Returns the anomalies it must give, by code.
byte_vec test_file(const file_spec& f, std::vector<std::pair<anomaly_code, int>>& expected) {
  const std::uint32_t second = f.magic == magic_ns ? 1000000000 : 1000000;
  byte_vec b = pcap_header(f.big, f.magic, kSnaplen);
  std::uint8_t seed = 0;
  auto add = [&](std::uint32_t sec, std::uint32_t frac, std::uint32_t caplen, std::uint32_t origlen) {
    auto r = record(f, sec, frac, caplen, origlen, seed++);
    b.insert(b.end(), r.begin(), r.end());
  };
  add(kSec, 10, 60, 60);     // the first: sets first/last time and the largest caplen
  add(kSec, 12, 60, 60);     // counted in locals
  add(kSec, 11, 60, 60);     // earlier than that one only: out_of_order_timestamp (once)
  add(kSec, 12, 60, 60);     // same time as the latest
  add(kSec, 20, 100, 100);   // a new largest caplen
  add(kSec, 30, 0, 0);       // empty
  add(kSec, 5, 40, 40);      // earlier than all: not reported again
  add(kSec, 25, 40, 40);     // after the one before, before the latest: not reported
  add(kSec, 31, 40, 40);     // after the latest again
  add(kSec, 40, 50, 30);     // caplen > origlen
  add(kSec, second, 20, 20); // a full second in the fraction: carried, reported
  add(kSec + 2, 0, 120, 200);  // caplen > snaplen, a new largest
  add(kSec + 2, 1, 130, 130);  // caplen > snaplen and > max_normal_caplen
  for (std::uint32_t i = 0; i < 20; ++i) add(kSec + 3, i * 3, 10 + i % 7, 64);
  add(kSec + 2, 7, 30, 30);  // earlier again: time_ordered stays false, no second report
  for (std::uint32_t i = 0; i < 5; ++i) add(kSec + 4, i, 90, 1500);
  expected = {{anomaly_code::out_of_order_timestamp, 1},
              {anomaly_code::pcap_caplen_exceeds_origlen, 1},
              {anomaly_code::pcap_fraction_overflow, 1},
              {anomaly_code::pcap_caplen_exceeds_snaplen, 2},
              {anomaly_code::caplen_exceeds_max, 1}};
  return b;
}

capture::reader_limits limits() {
  capture::reader_limits lim;
  lim.max_normal_caplen = kMaxNormal;
  return lim;
}

// Feeds `bytes` as two chunks split at `at`, then finishes.
read_result read_split(const byte_vec& bytes, std::size_t at, capture::reader_limits lim) {
  read_result res;
  capture::reader rd(&res.h, lim);
  rd.feed(util::bytes(bytes.data(), at));
  res.feed_status = rd.feed(util::bytes(bytes.data() + at, bytes.size() - at));
  res.finish_status = rd.finish();
  res.info = rd.info();
  return res;
}

// Everything the summary holds, anomaly messages included (they quote packet counts).
void expect_same_info(const capture::capture_info& a, const capture::capture_info& b, const std::string& what) {
  SCOPED_TRACE(what);
  EXPECT_EQ(a.packets, b.packets);
  EXPECT_EQ(a.bytes_captured, b.bytes_captured);
  EXPECT_EQ(a.bytes_original, b.bytes_original);
  EXPECT_EQ(a.packets_without_timestamp, b.packets_without_timestamp);
  EXPECT_EQ(a.packets_with_time, b.packets_with_time);
  EXPECT_EQ(a.first_ns, b.first_ns);
  EXPECT_EQ(a.last_ns, b.last_ns);
  EXPECT_EQ(a.time_ordered, b.time_ordered);
  EXPECT_EQ(a.max_caplen, b.max_caplen);
  EXPECT_EQ(a.records_lost, b.records_lost);
  EXPECT_EQ(a.bytes_consumed, b.bytes_consumed);
  EXPECT_EQ(a.bytes_unparsed, b.bytes_unparsed);
  EXPECT_EQ(a.anomaly_total, b.anomaly_total);
  EXPECT_EQ(a.anomaly_counts, b.anomaly_counts);
  EXPECT_EQ(a.fatal, b.fatal);
  EXPECT_EQ(a.error, b.error);
  EXPECT_EQ(a.error_offset, b.error_offset);
  ASSERT_EQ(a.interfaces.size(), b.interfaces.size());
  for (std::size_t i = 0; i < a.interfaces.size(); ++i) EXPECT_EQ(a.interfaces[i].packets, b.interfaces[i].packets);
  ASSERT_EQ(a.anomalies.size(), b.anomalies.size());
  for (std::size_t i = 0; i < a.anomalies.size(); ++i) {
    EXPECT_EQ(a.anomalies[i].code, b.anomalies[i].code) << "anomaly " << i;
    EXPECT_EQ(a.anomalies[i].offset, b.anomalies[i].offset) << "anomaly " << i;
    EXPECT_EQ(a.anomalies[i].message, b.anomalies[i].message) << "anomaly " << i;
    EXPECT_EQ(a.anomalies[i].level, b.anomalies[i].level) << "anomaly " << i;
  }
}

// The same, plus the records and what the handler heard.
void expect_same(const read_result& a, const read_result& b, const std::string& what) {
  expect_same_reads(a, b, what);
  expect_same_info(a.info, b.info, what);
  SCOPED_TRACE(what);
  ASSERT_EQ(a.h.anomalies.size(), b.h.anomalies.size());
  for (std::size_t i = 0; i < a.h.anomalies.size(); ++i) EXPECT_EQ(a.h.anomalies[i].message, b.h.anomalies[i].message);
}

class PcapRecordLoop : public ::testing::TestWithParam<std::tuple<bool, std::uint32_t>> {};

TEST_P(PcapRecordLoop, SameAsRecordByRecordAtEverySplit) {
  file_spec f{std::get<0>(GetParam()), std::get<1>(GetParam())};
  std::vector<std::pair<anomaly_code, int>> expected;
  byte_vec bytes = test_file(f, expected);
  auto lim = limits();
  read_result whole = read_bytes(bytes, 0, lim);
  expect_invariants(whole, bytes.size());
  // What the file was built to hold, independently of the reader.
  const std::size_t hdr = f.magic == magic_kuznetsov ? 24 : 16;
  EXPECT_EQ(whole.info.packets, 39u);
  EXPECT_EQ(whole.info.packets_with_time, 39u);
  EXPECT_EQ(whole.info.bytes_captured + 39 * hdr + 24, bytes.size());
  EXPECT_EQ(whole.info.max_caplen, 130u);
  EXPECT_FALSE(whole.info.time_ordered);
  EXPECT_FALSE(whole.info.fatal);
  const std::int64_t unit = f.magic == magic_ns ? 1 : 1000;
  EXPECT_EQ(whole.info.first_ns, std::int64_t{kSec} * 1000000000 + 5 * unit);
  EXPECT_EQ(whole.info.last_ns, std::int64_t{kSec + 4} * 1000000000 + 4 * unit);
  std::uint64_t total = 0;
  for (auto [code, n] : expected) {
    auto idx = static_cast<std::size_t>(code);
    ASSERT_LT(idx, whole.info.anomaly_counts.size());
    EXPECT_EQ(whole.info.anomaly_counts[idx], static_cast<std::uint64_t>(n)) << capture::anomaly_name(code);
    total += static_cast<std::uint64_t>(n);
  }
  EXPECT_EQ(whole.info.anomaly_total, total);
  // Record by record (1-byte chunks), then every split in two.
  expect_same(whole, read_bytes(bytes, 1, lim), "1-byte chunks");
  for (std::size_t at = 1; at < bytes.size(); ++at) {
    expect_same(whole, read_split(bytes, at, lim), "split at " + std::to_string(at));
    if (::testing::Test::HasFailure()) break;
  }
  // Without a handler the summary is the same.
  capture::reader rd(nullptr, lim);
  rd.feed(bytes);
  rd.finish();
  expect_same_info(whole.info, rd.info(), "no handler");
}

INSTANTIATE_TEST_SUITE_P(OrdersAndVariants, PcapRecordLoop,
                         ::testing::Combine(::testing::Bool(), ::testing::Values(magic_us, magic_ns, magic_kuznetsov)));

TEST(PcapRecordLoop, NoSnaplenMeansNoSnaplenReports) {
  // Snaplen 0 in the file header: no record exceeds it.
  byte_vec bytes = pcap_header(false, magic_us, 0);
  file_spec f;
  for (std::uint32_t i = 0; i < 6; ++i) {
    auto r = record(f, kSec, i, 100 + i * 40, 400, static_cast<std::uint8_t>(i));
    bytes.insert(bytes.end(), r.begin(), r.end());
  }
  auto lim = limits();
  read_result whole = read_bytes(bytes, 0, lim);
  expect_invariants(whole, bytes.size());
  EXPECT_EQ(whole.info.anomaly_total, 5u);  // 140, 180, 220, 260, 300 > 125
  EXPECT_EQ(whole.info.anomaly_counts.at(static_cast<std::size_t>(anomaly_code::caplen_exceeds_max)), 5u);
  expect_same(whole, read_bytes(bytes, 1, lim), "1-byte chunks");
}

TEST(PcapRecordLoop, StopsAtATooLargeRecordAndATruncatedOneAtEverySplit) {
  // A record claiming more than max_block stops reading; a file ending inside a record leaves
  // it lost. The totals before them come from the loop's locals.
  for (bool too_large : {false, true}) {
    file_spec f{true, magic_ns};
    byte_vec bytes = pcap_header(f.big, f.magic, 0);
    for (std::uint32_t i = 0; i < 8; ++i) {
      auto r = record(f, kSec, 100 - i * (i % 2), 20 + i, 20 + i, static_cast<std::uint8_t>(i));
      bytes.insert(bytes.end(), r.begin(), r.end());
    }
    auto last = record(f, kSec, 200, too_large ? 5000 : 40, 40, 9);
    last.resize(too_large ? 16 + 40 : 16 + 25);  // cut: 25 of its 40 bytes
    bytes.insert(bytes.end(), last.begin(), last.end());
    auto lim = limits();
    lim.max_block = 1000;
    read_result whole = read_bytes(bytes, 0, lim);
    SCOPED_TRACE(too_large ? "too large" : "truncated");
    expect_invariants(whole, bytes.size());
    EXPECT_EQ(whole.info.packets, 8u);
    EXPECT_EQ(whole.info.records_lost, 1u);
    EXPECT_EQ(whole.info.fatal, too_large);
    auto code = too_large ? anomaly_code::record_too_large : anomaly_code::truncated_record;
    EXPECT_EQ(whole.info.anomaly_counts.at(static_cast<std::size_t>(code)), 1u);
    expect_same(whole, read_bytes(bytes, 1, lim), "1-byte chunks");
    for (std::size_t at = 1; at < bytes.size(); ++at) {
      expect_same(whole, read_split(bytes, at, lim), "split at " + std::to_string(at));
      if (::testing::Test::HasFailure()) break;
    }
  }
}

}  // namespace
}  // namespace pcapscope::test
