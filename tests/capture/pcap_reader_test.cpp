// Classic pcap reading on hand-made bytes: magics and byte orders, Kuznetsov records, versions,
// link type FCS bits, length checks, truncation, fatal lengths and non-capture input.
#include <gtest/gtest.h>

#include <cstdio>
#include <set>
#include <string>
#include <tuple>

#include "capture/builders.hpp"
#include "capture/check.hpp"
#include "pcapscope/capture/linktype.hpp"
#include "pcapscope/capture/reader.hpp"
#include "support/test_support.hpp"

namespace pcapscope::test {
namespace {

using namespace build;
using capture::anomaly_code;

constexpr std::int64_t k_sec = 1700000000;

// True when `msg` names `offset` in decimal or hex.
bool mentions_offset(const std::string& msg, std::uint64_t offset) {
  char hex[32];
  std::snprintf(hex, sizeof hex, "0x%llx", static_cast<unsigned long long>(offset));
  return msg.find(std::to_string(offset)) != std::string::npos ||
         msg.find(hex) != std::string::npos;
}

// ---------------------------------------------------------------------------------------------
// Magics × byte orders

class PcapMagic : public ::testing::TestWithParam<std::tuple<std::uint32_t, bool>> {};

TEST_P(PcapMagic, ReadsHeaderAndRecordsExactly) {
  auto [magic, big] = GetParam();
  const bool nano = magic == magic_ns;
  const std::uint32_t frac1 = nano ? 123456789u : 123456u;
  auto d1 = payload(60, 1);
  auto d2 = payload(42, 2);
  auto bytes = cat({pcap_header(big, magic, 65535, 1), pcap_record(big, k_sec, frac1, d1),
                    pcap_record(big, k_sec + 1, 0, d2, 1514)});

  auto res = read_all_ways(bytes);
  const auto& info = res.info;
  EXPECT_TRUE(res.feed_status.ok) << res.feed_status.message;
  EXPECT_TRUE(res.finish_status.ok) << res.finish_status.message;
  EXPECT_FALSE(info.fatal) << info.error;
  EXPECT_EQ(info.format, capture::file_format::pcap);
  EXPECT_EQ(info.variant, nano ? capture::pcap_variant::nanosecond
                               : capture::pcap_variant::microsecond);
  EXPECT_EQ(info.order, big ? capture::byte_order::big : capture::byte_order::little);
  EXPECT_EQ(info.version_major, 2);
  EXPECT_EQ(info.version_minor, 4);
  EXPECT_EQ(info.snaplen, 65535u);
  EXPECT_EQ(info.pcap_linktype_field, 1u);
  EXPECT_EQ(info.anomaly_total, 0u);
  EXPECT_TRUE(info.anomalies.empty());

  ASSERT_EQ(info.sections.size(), 1u);
  EXPECT_EQ(info.sections[0].order, info.order);
  ASSERT_EQ(info.interfaces.size(), 1u);
  EXPECT_EQ(info.interfaces[0].link_type, 1);
  EXPECT_EQ(info.interfaces[0].snaplen, 65535u);
  EXPECT_EQ(info.interfaces[0].tsresol_exp, nano ? 9 : 6);
  EXPECT_FALSE(info.interfaces[0].tsresol_binary);
  EXPECT_EQ(info.interfaces[0].fcs_len_bits, -1);
  EXPECT_EQ(info.interfaces[0].packets, 2u);
  EXPECT_EQ(res.h.interface_events, std::vector<std::uint32_t>{0});

  ASSERT_EQ(res.h.records.size(), 2u);
  const auto& r1 = res.h.records[0].r;
  EXPECT_EQ(r1.ts_ns, nano ? 1700000000123456789 : 1700000000123456000);
  EXPECT_EQ(r1.caplen, 60u);
  EXPECT_EQ(r1.origlen, 60u);
  EXPECT_EQ(r1.interface, 0u);
  EXPECT_EQ(r1.link_type, 1);
  EXPECT_EQ(r1.kind, capture::record_kind::pcap_record);
  EXPECT_TRUE(r1.has_timestamp);
  EXPECT_EQ(r1.record_offset, 24u);
  EXPECT_EQ(r1.data_offset, 40u);
  EXPECT_EQ(r1.record_length, 76u);
  EXPECT_EQ(res.h.records[0].data, d1);
  EXPECT_TRUE(res.h.records[0].options.empty());
  EXPECT_TRUE(res.h.records[0].comments.empty());

  const auto& r2 = res.h.records[1].r;
  EXPECT_EQ(r2.ts_ns, (k_sec + 1) * 1000000000);
  EXPECT_EQ(r2.caplen, 42u);
  EXPECT_EQ(r2.origlen, 1514u);
  EXPECT_EQ(r2.record_offset, 100u);
  EXPECT_EQ(r2.data_offset, 116u);
  EXPECT_EQ(r2.record_length, 58u);
  EXPECT_EQ(res.h.records[1].data, d2);

  EXPECT_EQ(info.packets, 2u);
  EXPECT_EQ(info.bytes_captured, 102u);
  EXPECT_EQ(info.bytes_original, 60u + 1514u);
  EXPECT_EQ(info.packets_with_time, 2u);
  EXPECT_EQ(info.packets_without_timestamp, 0u);
  EXPECT_EQ(info.first_ns, r1.ts_ns);
  EXPECT_EQ(info.last_ns, r2.ts_ns);
  EXPECT_TRUE(info.time_ordered);
  EXPECT_EQ(info.max_caplen, 60u);
  EXPECT_EQ(info.time_digits, nano ? 9 : 6);
  EXPECT_EQ(info.records_lost, 0u);
  EXPECT_EQ(info.bytes_consumed, bytes.size());
  EXPECT_EQ(info.bytes_unparsed, 0u);
}

INSTANTIATE_TEST_SUITE_P(AllMagics, PcapMagic,
                         ::testing::Combine(::testing::Values(magic_us, magic_ns),
                                            ::testing::Bool()),
                         [](const auto& p) {
                           return std::string(std::get<0>(p.param) == magic_ns ? "ns" : "us") +
                                  (std::get<1>(p.param) ? "_big" : "_little");
                         });

TEST(PcapReader, RawMagicBytesOnDisk) {
  // The magic written little-endian is d4 c3 b2 a1; big-endian a1 b2 c3 d4.
  auto le = pcap_header(false);
  auto be = pcap_header(true);
  EXPECT_EQ((byte_vec{le[0], le[1], le[2], le[3]}), (byte_vec{0xd4, 0xc3, 0xb2, 0xa1}));
  EXPECT_EQ((byte_vec{be[0], be[1], be[2], be[3]}), (byte_vec{0xa1, 0xb2, 0xc3, 0xd4}));
  EXPECT_EQ(capture::detect(util::bytes(le.data(), 4)), capture::detected::pcap);
  EXPECT_EQ(capture::detect(util::bytes(be.data(), 4)), capture::detected::pcap);
  auto ns = pcap_header(true, magic_ns);
  EXPECT_EQ(capture::detect(util::bytes(ns.data(), 4)), capture::detected::pcap);
}

class PcapKuznetsov : public ::testing::TestWithParam<bool> {};

TEST_P(PcapKuznetsov, ReadsTwentyFourByteRecordHeaders) {
  bool big = GetParam();
  auto d1 = payload(50, 3);
  auto d2 = payload(33, 4);
  auto bytes = cat({pcap_header(big, magic_kuznetsov, 65535, 1),
                    kuznetsov_record(big, k_sec, 654321, d1, 60),
                    kuznetsov_record(big, k_sec + 2, 1, d2)});
  auto res = read_all_ways(bytes);
  EXPECT_FALSE(res.info.fatal) << res.info.error;
  EXPECT_EQ(res.info.format, capture::file_format::pcap);
  EXPECT_EQ(res.info.variant, capture::pcap_variant::kuznetsov);
  EXPECT_EQ(capture::variant_name(capture::pcap_variant::kuznetsov), "kuznetsov");
  ASSERT_EQ(res.h.records.size(), 2u);
  EXPECT_EQ(res.h.records[0].r.ts_ns, 1700000000654321000);
  EXPECT_EQ(res.h.records[0].r.caplen, 50u);
  EXPECT_EQ(res.h.records[0].r.origlen, 60u);
  EXPECT_EQ(res.h.records[0].r.record_offset, 24u);
  EXPECT_EQ(res.h.records[0].r.data_offset, 48u);
  EXPECT_EQ(res.h.records[0].r.record_length, 74u);
  EXPECT_EQ(res.h.records[0].data, d1);
  EXPECT_EQ(res.h.records[1].r.ts_ns, 1700000002000001000);
  EXPECT_EQ(res.h.records[1].r.record_offset, 98u);
  EXPECT_EQ(res.h.records[1].r.data_offset, 122u);
  EXPECT_EQ(res.h.records[1].data, d2);
  EXPECT_EQ(res.info.anomaly_total, 0u);
  EXPECT_EQ(res.info.time_digits, 6);
}

INSTANTIATE_TEST_SUITE_P(BothOrders, PcapKuznetsov, ::testing::Bool());

// ---------------------------------------------------------------------------------------------
// Versions, snaplen, link type field

TEST(PcapReader, UnusualVersionIsAnAnomalyButRecordsAreRead) {
  auto d = payload(20);
  auto bytes = cat({pcap_header(false, magic_us, 65535, 1, 2, 2), pcap_record(false, k_sec, 1, d),
                    pcap_record(false, k_sec, 2, d)});
  auto res = read_all_ways(bytes);
  EXPECT_TRUE(has_anomaly(res.info, anomaly_code::pcap_unusual_version));
  auto* a = find_anomaly(res.info, anomaly_code::pcap_unusual_version);
  ASSERT_NE(a, nullptr);
  EXPECT_TRUE(a->offset == 0 || a->offset == 4) << "header or version field offset: " << a->offset;
  EXPECT_EQ(res.info.version_major, 2);
  EXPECT_EQ(res.info.version_minor, 2);
  EXPECT_FALSE(res.info.fatal);
  EXPECT_EQ(res.h.records.size(), 2u);
  EXPECT_EQ(res.info.packets, 2u);
}

TEST(PcapReader, Version24HasNoVersionAnomaly) {
  auto bytes = cat({pcap_header(true), pcap_record(true, k_sec, 1, payload(10))});
  auto res = read_all_ways(bytes);
  EXPECT_FALSE(has_anomaly(res.info, anomaly_code::pcap_unusual_version));
}

TEST(PcapReader, LinkTypeWithFcsLengthInUpperBits) {
  // FCS len = 2 16-bit words (bits 28-31), P bit 0x04000000, link type 1.
  const std::uint32_t field = 0x24000001;
  for (bool big : {false, true}) {
    auto bytes = cat({pcap_header(big, magic_us, 65535, field), pcap_record(big, k_sec, 1, payload(64))});
    auto res = read_all_ways(bytes);
    EXPECT_EQ(res.info.pcap_linktype_field, field);
    ASSERT_EQ(res.info.interfaces.size(), 1u);
    EXPECT_EQ(res.info.interfaces[0].link_type, 1);
    EXPECT_EQ(res.info.interfaces[0].fcs_len_bits, 32);
    EXPECT_TRUE(has_anomaly(res.info, anomaly_code::pcap_fcs_bits));
    EXPECT_FALSE(has_anomaly(res.info, anomaly_code::pcap_reserved_bits));
    ASSERT_EQ(res.h.records.size(), 1u);
    EXPECT_EQ(res.h.records[0].r.link_type, 1);
  }
}

TEST(PcapReader, FcsPresentWithZeroLength) {
  auto bytes = cat({pcap_header(false, magic_us, 65535, 0x04000069), pcap_record(false, k_sec, 1, payload(8))});
  auto res = read_all_ways(bytes);
  ASSERT_EQ(res.info.interfaces.size(), 1u);
  EXPECT_EQ(res.info.interfaces[0].link_type, 105);
  EXPECT_EQ(res.info.interfaces[0].fcs_len_bits, 0);
}

TEST(PcapReader, FcsLengthWithoutPBitIsUnknown) {
  // Without the P bit the FCS length is unknown (draft-ietf-opsawg-pcap, "FCS len").
  auto bytes = cat({pcap_header(false, magic_us, 65535, 0x20000001), pcap_record(false, k_sec, 1, payload(8))});
  auto res = read_all_ways(bytes);
  ASSERT_EQ(res.info.interfaces.size(), 1u);
  EXPECT_EQ(res.info.interfaces[0].link_type, 1);
  EXPECT_EQ(res.info.interfaces[0].fcs_len_bits, -1);
  EXPECT_EQ(res.h.records.size(), 1u);
}

TEST(PcapReader, ReservedBitsInLinkTypeField) {
  auto bytes = cat({pcap_header(false, magic_us, 65535, 0x00100001), pcap_record(false, k_sec, 1, payload(8))});
  auto res = read_all_ways(bytes);
  EXPECT_TRUE(has_anomaly(res.info, anomaly_code::pcap_reserved_bits));
  ASSERT_EQ(res.info.interfaces.size(), 1u);
  EXPECT_EQ(res.info.interfaces[0].link_type, 1);
  EXPECT_EQ(res.info.pcap_linktype_field, 0x00100001u);
  EXPECT_EQ(res.h.records.size(), 1u);
}

TEST(PcapReader, CaplenExceedsSnaplenStillDelivered) {
  auto d = payload(100);
  auto bytes = cat({pcap_header(false, magic_us, 64, 1), pcap_record(false, k_sec, 0, d)});
  auto res = read_all_ways(bytes);
  auto* a = find_anomaly(res.info, anomaly_code::pcap_caplen_exceeds_snaplen);
  ASSERT_NE(a, nullptr);
  EXPECT_TRUE(a->offset == 24 || a->offset == 32) << a->offset;
  EXPECT_FALSE(a->message.empty());
  ASSERT_EQ(res.h.records.size(), 1u);
  EXPECT_EQ(res.h.records[0].r.caplen, 100u);
  EXPECT_EQ(res.h.records[0].data, d);
  EXPECT_EQ(res.info.snaplen, 64u);
  EXPECT_FALSE(res.info.fatal);
}

TEST(PcapReader, CaplenExceedsOriglen) {
  auto d = payload(60);
  auto bytes = cat({pcap_header(false), pcap_record(false, k_sec, 0, d, 50)});
  auto res = read_all_ways(bytes);
  auto* a = find_anomaly(res.info, anomaly_code::pcap_caplen_exceeds_origlen);
  ASSERT_NE(a, nullptr);
  EXPECT_TRUE(a->offset == 24 || a->offset == 32) << a->offset;
  ASSERT_EQ(res.h.records.size(), 1u);
  EXPECT_EQ(res.h.records[0].r.caplen, 60u);
  EXPECT_EQ(res.h.records[0].data, d);
  EXPECT_FALSE(has_anomaly(res.info, anomaly_code::pcap_caplen_exceeds_snaplen));
}

TEST(PcapReader, CaplenAboveMaxNormalIsFlaggedAndDelivered) {
  auto d = payload(300000, 9);
  auto bytes = cat({pcap_header(false, magic_us, 1u << 20, 1), pcap_record(false, k_sec, 0, d),
                    pcap_record(false, k_sec, 1, payload(10))});
  auto res = read_bytes(bytes);
  auto res1 = read_bytes(bytes, 4093);
  expect_same_reads(res, res1, "4093-byte chunks");
  EXPECT_TRUE(has_anomaly(res.info, anomaly_code::caplen_exceeds_max));
  EXPECT_FALSE(has_anomaly(res.info, anomaly_code::record_too_large));
  EXPECT_FALSE(res.info.fatal);
  ASSERT_EQ(res.h.records.size(), 2u);
  EXPECT_EQ(res.h.records[0].r.caplen, 300000u);
  EXPECT_EQ(res.h.records[0].data, d);
  EXPECT_EQ(res.info.max_caplen, 300000u);
  EXPECT_EQ(res.h.records[1].r.record_offset, 24u + 16u + 300000u);
}

TEST(PcapReader, HugeCaplenIsFatalWithoutAllocating) {
  auto good = pcap_record(false, k_sec, 0, payload(30));
  // Record header claiming 0xFFFFFFFF captured bytes, followed by a few bytes.
  out bad(false);
  bad.u32(k_sec).u32(1).u32(0xFFFFFFFFu).u32(0xFFFFFFFFu).raw(payload(40));
  auto bytes = cat({pcap_header(false), good, bad.v, good});
  const std::uint64_t bad_off = 24 + good.size();

  auto res = read_all_ways(bytes);
  auto* a = find_anomaly(res.info, anomaly_code::record_too_large);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->offset, bad_off);
  EXPECT_TRUE(res.info.fatal);
  EXPECT_TRUE(mentions_offset(res.info.error, bad_off)) << res.info.error;
  EXPECT_FALSE(res.feed_status.ok && res.finish_status.ok);
  const auto& st = res.feed_status.ok ? res.finish_status : res.feed_status;
  EXPECT_TRUE(mentions_offset(st.message, bad_off)) << st.message;
  ASSERT_EQ(res.h.records.size(), 1u);
  EXPECT_EQ(res.info.packets, 1u);
  EXPECT_EQ(res.info.bytes_consumed, bad_off);
  EXPECT_EQ(res.info.bytes_consumed + res.info.bytes_unparsed, bytes.size());
}

TEST(PcapReader, RecordLargerThanConfiguredMaxBlockIsFatal) {
  capture::reader_limits lim;
  lim.max_block = 4096;
  auto big_rec = pcap_record(false, k_sec, 0, payload(8000));
  auto bytes = cat({pcap_header(false, magic_us, 1u << 20), pcap_record(false, k_sec, 0, payload(10)), big_rec});
  auto res = read_all_ways(bytes, lim);
  auto* a = find_anomaly(res.info, anomaly_code::record_too_large);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->offset, 24u + 26u);
  EXPECT_TRUE(res.info.fatal);
  EXPECT_EQ(res.h.records.size(), 1u);
}

// ---------------------------------------------------------------------------------------------
// Truncation, empty and foreign input

TEST(PcapReader, TruncatedLastRecordInData) {
  auto r1 = pcap_record(false, k_sec, 1, payload(40));
  auto r2 = pcap_record(false, k_sec, 2, payload(41));
  auto r3 = pcap_record(false, k_sec, 3, payload(100));
  r3.resize(16 + 37);  // cut inside the packet data
  auto bytes = cat({pcap_header(false), r1, r2, r3});
  const std::uint64_t off3 = 24 + r1.size() + r2.size();

  auto res = read_all_ways(bytes);
  ASSERT_EQ(res.h.records.size(), 2u);
  EXPECT_EQ(res.h.records[1].r.record_offset, 24u + r1.size());
  auto* a = find_anomaly(res.info, anomaly_code::truncated_record);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->offset, off3);
  EXPECT_EQ(count_anomaly(res.info, anomaly_code::truncated_record), 1u);
  EXPECT_EQ(res.info.records_lost, 1u);
  EXPECT_EQ(res.info.packets, 2u);
  EXPECT_EQ(res.info.bytes_unparsed, r3.size());
}

TEST(PcapReader, TruncatedLastRecordInHeader) {
  auto r1 = pcap_record(true, k_sec, 1, payload(40));
  auto r2 = pcap_record(true, k_sec, 2, payload(100));
  r2.resize(9);  // cut inside the record header
  auto bytes = cat({pcap_header(true), r1, r2});
  auto res = read_all_ways(bytes);
  ASSERT_EQ(res.h.records.size(), 1u);
  auto* a = find_anomaly(res.info, anomaly_code::truncated_record);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->offset, 24u + r1.size());
  EXPECT_EQ(res.info.records_lost, 1u);
}

TEST(PcapReader, TruncatedFileHeader) {
  auto h = pcap_header(false);
  h.resize(14);
  auto res = read_all_ways(h);
  EXPECT_TRUE(has_anomaly(res.info, anomaly_code::truncated_file_header));
  EXPECT_EQ(res.info.packets, 0u);
  EXPECT_TRUE(res.h.records.empty());
  auto* a = find_anomaly(res.info, anomaly_code::truncated_file_header);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->offset, 0u);
}

TEST(PcapReader, HeaderOnlyFileIsFineWithNoPackets) {
  auto res = read_all_ways(pcap_header(false));
  EXPECT_EQ(res.info.format, capture::file_format::pcap);
  EXPECT_EQ(res.info.packets, 0u);
  EXPECT_EQ(res.info.anomaly_total, 0u);
  EXPECT_FALSE(res.info.fatal);
  EXPECT_EQ(res.info.interfaces.size(), 1u);
}

TEST(PcapReader, EmptyInput) {
  auto res = read_bytes({});
  EXPECT_TRUE(has_anomaly(res.info, anomaly_code::empty_file));
  EXPECT_EQ(res.info.format, capture::file_format::unknown);
  EXPECT_EQ(res.info.packets, 0u);
  EXPECT_TRUE(res.h.records.empty());
}

TEST(PcapReader, ZipInputIsNotACapture) {
  byte_vec zip = {'P', 'K', 0x03, 0x04, 0x14, 0x00, 0x00, 0x00, 0x08, 0x00};
  auto more = payload(50);
  zip.insert(zip.end(), more.begin(), more.end());
  auto res = read_all_ways(zip);
  EXPECT_TRUE(has_anomaly(res.info, anomaly_code::not_a_capture));
  EXPECT_EQ(res.info.format, capture::file_format::unknown);
  EXPECT_TRUE(res.info.fatal);
  EXPECT_NE(res.info.error.find("50 4b 03 04"), std::string::npos) << res.info.error;
  EXPECT_NE(res.info.error.find("ZIP"), std::string::npos) << res.info.error;
  EXPECT_FALSE(res.feed_status.ok && res.finish_status.ok);
  const auto& st = res.feed_status.ok ? res.finish_status : res.feed_status;
  EXPECT_NE(st.message.find("50 4b 03 04"), std::string::npos) << st.message;
  EXPECT_TRUE(res.h.records.empty());
  EXPECT_EQ(capture::detect(util::bytes(zip.data(), 4)), capture::detected::other);
  auto d = capture::describe_unknown(util::bytes(zip.data(), zip.size()));
  EXPECT_NE(d.find("50 4b 03 04"), std::string::npos) << d;
  EXPECT_NE(d.find("ZIP"), std::string::npos) << d;
}

TEST(PcapReader, InputsShorterThanAMagicAreAccountedFor) {
  // 1-3 bytes cannot be classified; whatever the verdict, reading stops and every byte is
  // reported as unparsed.
  for (const byte_vec& in : {byte_vec{0x0a}, byte_vec{0xd4, 0xc3}, byte_vec{'P', 'K', 3},
                             byte_vec{0x0a, 0x0d, 0x0d}}) {
    auto res = read_all_ways(in);  // also checks bytes_consumed + bytes_unparsed == size
    EXPECT_TRUE(has_anomaly(res.info, anomaly_code::not_a_capture) ||
                has_anomaly(res.info, anomaly_code::truncated_file_header));
    EXPECT_EQ(res.info.bytes_unparsed, in.size());
    EXPECT_TRUE(res.h.records.empty());
  }
}

TEST(Detect, ClassifiesFirstBytes) {
  byte_vec ng = {0x0A, 0x0D, 0x0D, 0x0A};
  byte_vec gz = {0x1f, 0x8b, 0x08, 0x00};
  byte_vec two = {0xd4, 0xc3};
  byte_vec txt = {'h', 'e', 'l', 'l'};
  EXPECT_EQ(capture::detect(util::bytes(ng.data(), ng.size())), capture::detected::pcapng);
  EXPECT_EQ(capture::detect(util::bytes(gz.data(), gz.size())), capture::detected::gzip);
  EXPECT_EQ(capture::detect(util::bytes(two.data(), two.size())), capture::detected::need_more);
  EXPECT_EQ(capture::detect(util::bytes(txt.data(), txt.size())), capture::detected::other);
  auto k = pcap_header(false, magic_kuznetsov);
  EXPECT_EQ(capture::detect(util::bytes(k.data(), 4)), capture::detected::pcap);
}

TEST(Names, FormatVariantAnomalyNames) {
  EXPECT_EQ(capture::format_name(capture::file_format::pcap), "pcap");
  EXPECT_EQ(capture::format_name(capture::file_format::pcapng), "pcapng");
  EXPECT_EQ(capture::format_name(capture::file_format::unknown), "unknown");
  EXPECT_EQ(capture::variant_name(capture::pcap_variant::nanosecond), "nanosecond");
  EXPECT_EQ(capture::variant_name(capture::pcap_variant::microsecond), "microsecond");
  EXPECT_EQ(capture::anomaly_name(anomaly_code::pcapng_trailer_mismatch), "pcapng.trailer_mismatch");
  std::set<std::string> seen;
  for (int c = 0; c <= static_cast<int>(anomaly_code::out_of_order_timestamp); ++c) {
    auto n = std::string(capture::anomaly_name(static_cast<anomaly_code>(c)));
    EXPECT_FALSE(n.empty()) << c;
    EXPECT_NE(n.find('.'), std::string::npos) << n;
    EXPECT_TRUE(seen.insert(n).second) << "duplicate name " << n;
  }
  EXPECT_EQ(capture::anomaly_severity(anomaly_code::record_too_large), capture::severity::error);
  EXPECT_EQ(capture::anomaly_severity(anomaly_code::pcap_unusual_version), capture::severity::warning);
}

TEST(Names, LinkTypes) {
  EXPECT_EQ(capture::linktype_name(1), "ETHERNET");
  EXPECT_EQ(capture::linktype_name(113), "LINUX_SLL");
  EXPECT_EQ(capture::linktype_name(101), "RAW");
  EXPECT_EQ(capture::linktype_description(1), "Ethernet");
  EXPECT_TRUE(capture::linktype_name(0xFFFF0).empty());
}

}  // namespace
}  // namespace pcapscope::test
