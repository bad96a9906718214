// capture_info totals (packets, bytes, time range, ordering, precision) and summary_json:
// valid JSON with the documented keys, exact epoch strings and escaped comments.
#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "capture/builders.hpp"
#include "capture/check.hpp"
#include "pcapscope/capture/linktype.hpp"
#include "pcapscope/capture/reader.hpp"
#include "pcapscope/capture/summary.hpp"
#include "support/test_support.hpp"

namespace pcapscope::test {
namespace {

using namespace build;
using capture::anomaly_code;

TEST(CaptureInfo, TotalsAndTimeRangeOutOfOrder) {
  auto bytes = cat({pcap_header(false), pcap_record(false, 1700000005, 500000, payload(100), 1500),
                    pcap_record(false, 1700000001, 1, payload(60)),        // back in time
                    pcap_record(false, 1700000009, 999999, payload(40), 40),
                    pcap_record(false, 1700000003, 0, payload(10), 64)});  // back again
  auto res = read_all_ways(bytes);
  const auto& info = res.info;
  EXPECT_EQ(info.packets, 4u);
  EXPECT_EQ(info.bytes_captured, 210u);
  EXPECT_EQ(info.bytes_original, 1500u + 60u + 40u + 64u);
  EXPECT_EQ(info.packets_with_time, 4u);
  EXPECT_EQ(info.first_ns, 1700000001000001000);
  EXPECT_EQ(info.last_ns, 1700000009999999000);
  EXPECT_FALSE(info.time_ordered);
  EXPECT_EQ(info.max_caplen, 100u);
  EXPECT_EQ(info.time_digits, 6);
  EXPECT_EQ(count_anomaly(info, anomaly_code::out_of_order_timestamp), 1u);
  auto* a = find_anomaly(info, anomaly_code::out_of_order_timestamp);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->offset, 24u + 116u);  // the first packet that went back
}

TEST(CaptureInfo, EqualTimestampsAreOrdered) {
  auto bytes = cat({pcap_header(false, magic_ns), pcap_record(false, 5, 7, payload(4)),
                    pcap_record(false, 5, 7, payload(4)), pcap_record(false, 5, 8, payload(4))});
  auto res = read_all_ways(bytes);
  EXPECT_TRUE(res.info.time_ordered);
  EXPECT_FALSE(has_anomaly(res.info, anomaly_code::out_of_order_timestamp));
  EXPECT_EQ(res.info.first_ns, 5000000007);
  EXPECT_EQ(res.info.last_ns, 5000000008);
  EXPECT_EQ(res.info.time_digits, 9);
}

TEST(CaptureInfo, TimeDigitsFollowFinestInterface) {
  auto ms = options(false).u8(if_tsresol, 3).end().done();
  auto ns = options(false).u8(if_tsresol, 9).end().done();
  {
    auto res = read_all_ways(cat({shb(false), idb(false, 1, 0), epb(false, 0, 1, payload(4))}));
    EXPECT_EQ(res.info.time_digits, 6);
  }
  {
    auto res = read_all_ways(cat({shb(false), idb(false, 1, 0, ms), epb(false, 0, 1, payload(4))}));
    EXPECT_EQ(res.info.time_digits, 3);
  }
  {
    auto res = read_all_ways(cat({shb(false), idb(false, 1, 0, ms), idb(false, 1, 0, ns),
                                  epb(false, 0, 1, payload(4))}));
    EXPECT_EQ(res.info.time_digits, 9);
  }
}

TEST(CaptureInfo, SimplePacketsHaveNoTime) {
  auto bytes = cat({shb(false), idb(false, 1, 0), epb(false, 0, 1700000000000000ull, payload(4)),
                    spb(false, 8, payload(8))});
  auto res = read_all_ways(bytes);
  EXPECT_EQ(res.info.packets, 2u);
  EXPECT_EQ(res.info.packets_with_time, 1u);
  EXPECT_EQ(res.info.packets_without_timestamp, 1u);
  EXPECT_EQ(res.info.first_ns, 1700000000000000000);
  EXPECT_EQ(res.info.last_ns, 1700000000000000000);
  EXPECT_TRUE(res.info.time_ordered);
}

TEST(FormatEpoch, Digits) {
  EXPECT_EQ(capture::format_epoch(1700000000123456000, 6), "1700000000.123456");
  EXPECT_EQ(capture::format_epoch(1700000000123456789, 9), "1700000000.123456789");
  EXPECT_EQ(capture::format_epoch(1700000000000000000, 9), "1700000000.000000000");
  EXPECT_EQ(capture::format_epoch(1700000000123000000, 3), "1700000000.123");
  EXPECT_EQ(capture::format_epoch(1700000000999999999, 6), "1700000000.999999");
  EXPECT_EQ(capture::format_epoch(1700000000500000000, 0), "1700000000");
  EXPECT_EQ(capture::format_epoch(5, 9), "0.000000005");
}

// --- summary_json ------------------------------------------------------------------------------

json_value parse_json(const std::string& text) {
  json_value v;
  std::string err;
  json_parser p(text);
  EXPECT_TRUE(p.parse(v, err)) << err << "\n" << text;
  return v;
}

// Depth-first search for a key anywhere in the document.
const json_value* find_key(const json_value& v, std::string_view key) {
  if (v.k == json_value::kind::object) {
    if (auto* x = v.get(key)) return x;
    for (const auto& [k, c] : v.obj)
      if (auto* x = find_key(c, key)) return x;
  } else if (v.k == json_value::kind::array) {
    for (const auto& c : v.arr)
      if (auto* x = find_key(c, key)) return x;
  }
  return nullptr;
}

bool any_string_equals(const json_value& v, const std::string& s) {
  if (v.k == json_value::kind::string) return v.s == s;
  for (const auto& c : v.arr)
    if (any_string_equals(c, s)) return true;
  for (const auto& [k, c] : v.obj)
    if (any_string_equals(c, s)) return true;
  return false;
}

bool any_number_equals(const json_value& v, const std::string& n) {
  if (v.k == json_value::kind::number) return v.num == n;
  for (const auto& c : v.arr)
    if (any_number_equals(c, n)) return true;
  for (const auto& [k, c] : v.obj)
    if (any_number_equals(c, n)) return true;
  return false;
}

void expect_number(const json_value& root, std::string_view key, const std::string& want) {
  const json_value* v = root.get(key);
  ASSERT_NE(v, nullptr) << "missing top-level key " << key;
  EXPECT_EQ(v->k, json_value::kind::number) << key;
  EXPECT_EQ(v->num, want) << key;
}

void expect_string(const json_value& root, std::string_view key, const std::string& want) {
  const json_value* v = root.get(key);
  ASSERT_NE(v, nullptr) << "missing top-level key " << key;
  EXPECT_EQ(v->k, json_value::kind::string) << key;
  EXPECT_EQ(v->s, want) << key;
}

TEST(SummaryJson, MicrosecondPcap) {
  auto bytes = cat({pcap_header(false, magic_us, 64, 1),
                    pcap_record(false, 1700000000, 123456, payload(100), 1500),  // caplen > snaplen
                    pcap_record(false, 1700000002, 5, payload(20))});
  auto res = read_bytes(bytes);
  auto text = capture::summary_json(res.info);
  auto root = parse_json(text);
  ASSERT_EQ(root.k, json_value::kind::object) << text;
  expect_string(root, "format", "pcap");
  expect_number(root, "packets", "2");
  expect_number(root, "bytes_captured", "120");
  expect_number(root, "bytes_original", "1520");
  expect_string(root, "first_time", "1700000000.123456");
  expect_string(root, "last_time", "1700000002.000005");

  const json_value* ifs = root.get("interfaces");
  ASSERT_NE(ifs, nullptr) << text;
  ASSERT_EQ(ifs->k, json_value::kind::array);
  ASSERT_EQ(ifs->arr.size(), 1u);
  EXPECT_TRUE(any_number_equals(ifs->arr[0], "1")) << "link type number 1 in " << text;
  EXPECT_TRUE(any_string_equals(ifs->arr[0], "ETHERNET")) << "link type name in " << text;

  const json_value* an = root.get("anomalies");
  ASSERT_NE(an, nullptr) << text;
  ASSERT_EQ(an->k, json_value::kind::array);
  ASSERT_EQ(an->arr.size(), res.info.anomalies.size());
  ASSERT_FALSE(an->arr.empty());
  for (std::size_t i = 0; i < an->arr.size(); ++i) {
    const auto& a = an->arr[i];
    const auto& want = res.info.anomalies[i];
    ASSERT_NE(a.get("code"), nullptr);
    EXPECT_EQ(a.get("code")->s, std::string(capture::anomaly_name(want.code)));
    ASSERT_NE(a.get("offset"), nullptr);
    EXPECT_EQ(a.get("offset")->num, std::to_string(want.offset));
    ASSERT_NE(a.get("message"), nullptr);
    EXPECT_EQ(a.get("message")->s, want.message);
  }
  EXPECT_TRUE(any_string_equals(*an, "pcap.caplen_exceeds_snaplen") ||
              any_string_equals(*an, std::string(capture::anomaly_name(
                                         anomaly_code::pcap_caplen_exceeds_snaplen))));
}

TEST(SummaryJson, NanosecondPcap) {
  auto bytes = cat({pcap_header(true, magic_ns), pcap_record(true, 1700000000, 123456789, payload(10)),
                    pcap_record(true, 1700000000, 5, payload(10))});
  auto res = read_bytes(bytes);
  auto root = parse_json(capture::summary_json(res.info));
  expect_string(root, "format", "pcap");
  expect_string(root, "first_time", "1700000000.000000005");
  expect_string(root, "last_time", "1700000000.123456789");
}

TEST(SummaryJson, MillisecondPcapngUsesThreeDigits) {
  auto opts = options(false).u8(if_tsresol, 3).end().done();
  auto bytes = cat({shb(false), idb(false, 1, 0, opts), epb(false, 0, 1700000000123ull, payload(4)),
                    epb(false, 0, 1700000000456ull, payload(4))});
  auto res = read_bytes(bytes);
  EXPECT_EQ(res.info.time_digits, 3);
  auto root = parse_json(capture::summary_json(res.info));
  expect_string(root, "format", "pcapng");
  expect_string(root, "first_time", "1700000000.123");
  expect_string(root, "last_time", "1700000000.456");
}

TEST(SummaryJson, PcapngEscapesComments) {
  const std::string nasty = std::string("say \"hi\"\nback\\slash\x01 end\ttab");
  auto bytes = cat({shb(false, options(false).str(opt_comment, nasty).end().done()),
                    idb(false, 113, 0,
                        options(false).str(if_name, "if \"q\"").str(opt_comment, nasty).end().done()),
                    epb(false, 0, 1700000000000001ull, payload(8),0,
                        options(false).str(opt_comment, nasty).end().done())});
  auto res = read_bytes(bytes);
  ASSERT_EQ(res.info.sections.size(), 1u);
  EXPECT_EQ(res.info.sections[0].comments, std::vector<std::string>{nasty});
  EXPECT_EQ(res.info.interfaces[0].comments, std::vector<std::string>{nasty});
  auto text = capture::summary_json(res.info);
  // No raw control characters anywhere in the output (strict parser also rejects them).
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    EXPECT_FALSE(u < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != ' ') << "raw control byte";
  }
  auto root = parse_json(text);
  expect_string(root, "format", "pcapng");
  EXPECT_TRUE(any_string_equals(root, nasty)) << "comment not found verbatim in " << text;
  EXPECT_TRUE(any_string_equals(root, "if \"q\"")) << text;
  const json_value* ifs = root.get("interfaces");
  ASSERT_NE(ifs, nullptr);
  ASSERT_EQ(ifs->arr.size(), 1u);
  EXPECT_TRUE(any_number_equals(ifs->arr[0], "113"));
  EXPECT_TRUE(any_string_equals(ifs->arr[0], "LINUX_SLL"));
}

TEST(SummaryJson, FatalInputIsStillValidJson) {
  byte_vec zip = {'P', 'K', 3, 4, 0, 0, 0, 0};
  auto res = read_bytes(zip);
  auto text = capture::summary_json(res.info, "gzip");
  auto root = parse_json(text);
  ASSERT_EQ(root.k, json_value::kind::object);
  expect_number(root, "packets", "0");
  EXPECT_TRUE(any_string_equals(root, "gzip")) << text;
  EXPECT_TRUE(any_string_equals(root, std::string(capture::anomaly_name(anomaly_code::not_a_capture))))
      << text;
}

}  // namespace
}  // namespace pcapscope::test
