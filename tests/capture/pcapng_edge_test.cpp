// pcapng edge cases from the specification's option and record rules: optional opt_endofopt,
// custom options, malformed name records, packets before any interface, timestamps that do not
// fit in 64-bit nanoseconds, and interfaces declared after packets.
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

TEST(PcapngOptions, EndOfOptIsOptional) {
  // "opt_endofopt ... can be omitted if the option list ends at the end of the block".
  auto opts = options(true).str(opt_comment, "no end marker").u32(epb_flags, 3).done();
  auto ifo = options(true).str(if_name, "eth9").done();
  auto bytes = cat({shb(true, options(true).str(opt_comment, "shb").done()), idb(true, 1, 0, ifo),
                    epb(true, 0, 1, payload(6), 0, opts)});
  auto res = read_all_ways(bytes);
  EXPECT_EQ(res.info.anomaly_total, 0u);
  ASSERT_EQ(res.h.records.size(), 1u);
  EXPECT_EQ(res.h.records[0].comments, std::vector<std::string>{"no end marker"});
  EXPECT_EQ(res.h.records[0].r.epb_flags, 3u);
  EXPECT_EQ(res.info.interfaces[0].name, "eth9");
  EXPECT_EQ(res.info.sections[0].comments, std::vector<std::string>{"shb"});
}

TEST(PcapngOptions, OptionsAfterEndOfOptAreIgnored) {
  out o(false);
  o.raw(options(false).str(opt_comment, "kept").done());
  o.u16(opt_endofopt).u16(0);
  o.raw(options(false).str(opt_comment, "after end").done());
  auto bytes = cat({shb(false), idb(false, 1, 0), epb(false, 0, 1, payload(6), 0, o.v)});
  auto res = read_all_ways(bytes);
  ASSERT_EQ(res.h.records.size(), 1u);
  EXPECT_EQ(res.h.records[0].comments, std::vector<std::string>{"kept"});
}

TEST(PcapngOptions, CustomAndUnknownOptionsAreSkipped) {
  out pen(false);
  pen.u32(32473).raw("custom text");
  auto opts = options(false)
                  .bytes(2988, pen.v)   // custom UTF-8 option
                  .bytes(2989, pen.v)   // custom binary option
                  .bytes(0x7777, {1, 2, 3})  // unknown code
                  .str(opt_comment, "after customs")
                  .u64(epb_dropcount, 9)
                  .end()
                  .done();
  auto bytes = cat({shb(false), idb(false, 1, 0), epb(false, 0, 1, payload(6), 0, opts)});
  auto res = read_all_ways(bytes);
  EXPECT_FALSE(has_anomaly(res.info, anomaly_code::pcapng_bad_options));
  ASSERT_EQ(res.h.records.size(), 1u);
  EXPECT_EQ(res.h.records[0].comments, std::vector<std::string>{"after customs"});
}

TEST(PcapngOptions, EmptyAndUtf8Comments) {
  const std::string utf8 = "caf\xc3\xa9 \xe2\x9c\x93";
  auto opts = options(false).str(opt_comment, "").str(opt_comment, utf8).end().done();
  auto bytes = cat({shb(false), idb(false, 1, 0), epb(false, 0, 1, payload(6), 0, opts)});
  auto res = read_all_ways(bytes);
  ASSERT_EQ(res.h.records.size(), 1u);
  EXPECT_EQ(res.h.records[0].comments, (std::vector<std::string>{"", utf8}));
}

TEST(PcapngNames, MalformedNameRecords) {
  // An IPv4 record whose value length runs past the block.
  out bad(false);
  bad.u16(nrb_record_ipv4).u16(200).u8(10).u8(0).u8(0).u8(1).raw("x").u8(0).pad4();
  auto n1 = nrb(false, bad.v);
  auto bytes = cat({shb(false), idb(false, 1, 0), n1, epb(false, 0, 1, payload(4))});
  auto res = read_all_ways(bytes);
  EXPECT_TRUE(has_anomaly(res.info, anomaly_code::pcapng_bad_name_record) ||
              has_anomaly(res.info, anomaly_code::pcapng_bad_options));
  EXPECT_EQ(res.h.records.size(), 1u);
  EXPECT_FALSE(res.info.fatal);
}

TEST(PcapngNames, AddressWithoutName) {
  // IPv4 record of 4 bytes: an address and no name at all.
  out r(false);
  r.u16(nrb_record_ipv4).u16(4).u8(10).u8(0).u8(0).u8(2);
  auto good = nrb_ipv4(false, {10, 0, 0, 3}, {"three.example"});
  auto bytes = cat({shb(false), idb(false, 1, 0), nrb(false, cat({r.v, good}))});
  auto res = read_all_ways(bytes);
  EXPECT_TRUE(has_anomaly(res.info, anomaly_code::pcapng_bad_name_record));
  ASSERT_FALSE(res.info.names.empty());
  EXPECT_EQ(res.info.names.back().name, "three.example");
}

TEST(PcapngNames, UnknownRecordTypeIsSkipped) {
  out r(false);
  r.u16(0x0077).u16(3).raw("abc").pad4();
  auto good = nrb_ipv4(false, {10, 0, 0, 4}, {"four.example"});
  auto bytes = cat({shb(false), idb(false, 1, 0), nrb(false, cat({r.v, good}))});
  auto res = read_all_ways(bytes);
  ASSERT_EQ(res.info.names.size(), 1u);
  EXPECT_EQ(res.info.names[0].name, "four.example");
}

TEST(PcapngPackets, SimplePacketBeforeAnyInterface) {
  auto pre = shb(false);
  auto bytes = cat({pre, spb(false, 8, payload(8)), idb(false, 1, 0), spb(false, 8, payload(8))});
  auto res = read_all_ways(bytes);
  auto* a = find_anomaly(res.info, anomaly_code::pcapng_unknown_interface);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->offset, pre.size());
  EXPECT_EQ(res.info.records_lost, 1u);
  EXPECT_EQ(res.h.records.size(), 1u);
}

TEST(PcapngPackets, InterfaceDeclaredAfterPackets) {
  auto bytes = cat({shb(false), idb(false, 1, 0), epb(false, 0, 1, payload(4)),
                    idb(false, 101, 0), epb(false, 1, 2, payload(5)), epb(false, 0, 3, payload(6))});
  auto res = read_all_ways(bytes);
  EXPECT_EQ(res.info.anomaly_total, 0u);
  ASSERT_EQ(res.h.records.size(), 3u);
  EXPECT_EQ(res.h.records[1].r.interface, 1u);
  EXPECT_EQ(res.h.records[1].r.link_type, 101);
  EXPECT_EQ(res.info.sections[0].interface_count, 2u);
}

TEST(PcapngTime, TimestampBeyondInt64Nanoseconds) {
  // 2^64-1 microseconds is ~5.8e5 years: it cannot be held as int64 nanoseconds.
  auto bytes = cat({shb(false), idb(false, 1, 0), epb(false, 0, 0xFFFFFFFFFFFFFFFFull, payload(4)),
                    epb(false, 0, 1700000000000000ull, payload(4))});
  auto res = read_all_ways(bytes);
  EXPECT_TRUE(has_anomaly(res.info, anomaly_code::timestamp_out_of_range));
  ASSERT_FALSE(res.h.records.empty());
  EXPECT_EQ(res.h.records.back().r.ts_ns, 1700000000000000000);
}

TEST(PcapngTime, NanosecondsNearInt64Limit) {
  // 9223372036854775807 ns is the largest representable time: it must come out exact.
  auto opts = options(false).u8(if_tsresol, 9).end().done();
  auto bytes = cat({shb(false), idb(false, 1, 0, opts), epb(false, 0, 9223372036854775807ull, payload(4))});
  auto res = read_all_ways(bytes);
  EXPECT_FALSE(has_anomaly(res.info, anomaly_code::timestamp_out_of_range));
  ASSERT_EQ(res.h.records.size(), 1u);
  EXPECT_EQ(res.h.records[0].r.ts_ns, 9223372036854775807);
}

TEST(PcapngTime, LargeMillisecondValueDoesNotOverflowIntermediate) {
  // 1e12 ms = 1e18 ns: fits in int64 and must come out exact.
  auto opts = options(false).u8(if_tsresol, 3).end().done();
  auto bytes = cat({shb(false), idb(false, 1, 0, opts), epb(false, 0, 1000000000000ull, payload(4))});
  auto res = read_all_ways(bytes);
  ASSERT_EQ(res.h.records.size(), 1u);
  EXPECT_EQ(res.h.records[0].r.ts_ns, 1000000000000000000);
}

TEST(PcapngTime, BinaryResolutionLargeValueExact) {
  // 2^-30 units (0x9E): 1700000000 s + 2^29 units = +0.5 s. units*1e9 would overflow 64 bits.
  auto opts = options(false).u8(if_tsresol, 0x9E).end().done();
  std::uint64_t units_v = (1700000000ull << 30) + (1ull << 29);
  auto bytes = cat({shb(false), idb(false, 1, 0, opts), epb(false, 0, units_v, payload(4))});
  auto res = read_all_ways(bytes);
  ASSERT_EQ(res.h.records.size(), 1u);
  EXPECT_EQ(res.h.records[0].r.ts_ns, 1700000000500000000);
}

TEST(PcapngTime, DecimalPicosecondsLargeValueExact) {
  // 10^-12 units: 9,000,000 s in ps = 9e18 fits in uint64; expect 9e15 ns exactly.
  auto opts = options(false).u8(if_tsresol, 12).end().done();
  auto bytes = cat({shb(false), idb(false, 1, 0, opts), epb(false, 0, 9000000000000000000ull + 999, payload(4))});
  auto res = read_all_ways(bytes);
  ASSERT_EQ(res.h.records.size(), 1u);
  EXPECT_EQ(res.h.records[0].r.ts_ns, 9000000000000000);
}

TEST(PcapLimits, LowerMaxNormalCaplen) {
  capture::reader_limits lim;
  lim.max_normal_caplen = 100;
  auto bytes = cat({pcap_header(false), pcap_record(false, 1, 0, payload(100)),
                    pcap_record(false, 2, 0, payload(101))});
  auto res = read_all_ways(bytes, lim);
  EXPECT_EQ(count_anomaly(res.info, anomaly_code::caplen_exceeds_max), 1u);
  auto* a = find_anomaly(res.info, anomaly_code::caplen_exceeds_max);
  ASSERT_NE(a, nullptr);
  EXPECT_TRUE(a->offset == 140 || a->offset == 148) << a->offset;
  EXPECT_EQ(res.h.records.size(), 2u);
}

}  // namespace
}  // namespace pcapscope::test
