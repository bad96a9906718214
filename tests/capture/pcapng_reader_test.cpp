// pcapng reading on hand-made blocks: every block type in both byte orders, sections with their
// own interfaces, IDB options and timestamp resolutions, comments, and every error path.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <tuple>

#include "capture/builders.hpp"
#include "capture/check.hpp"
#include "pcapscope/capture/reader.hpp"
#include "support/test_support.hpp"

namespace pcapscope::test {
namespace {

using namespace build;
using capture::anomaly_code;

bool mentions_offset(const std::string& msg, std::uint64_t offset) {
  char hex[32];
  std::snprintf(hex, sizeof hex, "0x%llx", static_cast<unsigned long long>(offset));
  return msg.find(std::to_string(offset)) != std::string::npos ||
         msg.find(hex) != std::string::npos;
}

constexpr bool host_little = __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__;

// A minimal valid section: SHB + one Ethernet IDB (µs, no options).
byte_vec shb_idb(bool big, std::uint8_t tsresol = 0) {
  byte_vec opts;
  if (tsresol) opts = options(big).u8(if_tsresol, tsresol).end().done();
  return cat({shb(big), idb(big, 1, 0, opts)});
}

// ---------------------------------------------------------------------------------------------
// One section with every descriptive option

class PcapngOrder : public ::testing::TestWithParam<bool> {};

TEST_P(PcapngOrder, SectionInterfaceAndEnhancedPacket) {
  const bool big = GetParam();
  auto shb_opts = options(big)
                      .str(shb_hardware, "x86_64 box")
                      .str(shb_os, "Linux 6.1")
                      .str(shb_userappl, "builder 1.0")
                      .str(opt_comment, "section comment")
                      .end()
                      .done();
  auto idb_opts = options(big)
                      .str(if_name, "eth0")
                      .str(if_description, "uplink port")
                      .u8(if_tsresol, 9)
                      .bytes(if_filter, {0, 't', 'c', 'p'})  // first byte 0 = libpcap filter string
                      .str(if_os, "Linux")
                      .str(if_hardware, "Intel NIC")
                      .str(opt_comment, "iface comment")
                      .end()
                      .done();
  auto epb_opts = options(big)
                      .u32(epb_flags, 0x00000001)  // inbound
                      .str(opt_comment, "first comment")
                      .str(opt_comment, "second, longer comment")
                      .end()
                      .done();
  auto data = payload(61, 5);  // not a multiple of 4: padding follows
  auto b_shb = shb(big, shb_opts);
  auto b_idb = idb(big, 1, 0xFFFF, idb_opts);
  auto b_epb = epb(big, 0, 1700000000123456789ull, data, 1514, epb_opts);
  auto bytes = cat({b_shb, b_idb, b_epb});
  const std::uint64_t epb_off = b_shb.size() + b_idb.size();

  auto res = read_all_ways(bytes);
  const auto& info = res.info;
  EXPECT_TRUE(res.feed_status.ok) << res.feed_status.message;
  EXPECT_TRUE(res.finish_status.ok) << res.finish_status.message;
  EXPECT_FALSE(info.fatal) << info.error;
  EXPECT_EQ(info.anomaly_total, 0u);
  EXPECT_EQ(info.format, capture::file_format::pcapng);
  EXPECT_EQ(info.variant, capture::pcap_variant::none);
  EXPECT_EQ(info.order, big ? capture::byte_order::big : capture::byte_order::little);
  EXPECT_EQ(info.version_major, 1);
  EXPECT_EQ(info.version_minor, 0);

  ASSERT_EQ(info.sections.size(), 1u);
  const auto& s = info.sections[0];
  EXPECT_EQ(s.offset, 0u);
  EXPECT_EQ(s.order, info.order);
  EXPECT_EQ(s.version_major, 1);
  EXPECT_EQ(s.version_minor, 0);
  EXPECT_EQ(s.declared_length, -1);
  EXPECT_EQ(s.hardware, "x86_64 box");
  EXPECT_EQ(s.os, "Linux 6.1");
  EXPECT_EQ(s.user_application, "builder 1.0");
  EXPECT_EQ(s.comments, std::vector<std::string>{"section comment"});
  EXPECT_EQ(s.first_interface, 0u);
  EXPECT_EQ(s.interface_count, 1u);

  ASSERT_EQ(info.interfaces.size(), 1u);
  const auto& i0 = info.interfaces[0];
  EXPECT_EQ(i0.section, 0u);
  EXPECT_EQ(i0.link_type, 1);
  EXPECT_EQ(i0.snaplen, 0xFFFFu);
  EXPECT_EQ(i0.tsresol_exp, 9);
  EXPECT_FALSE(i0.tsresol_binary);
  EXPECT_EQ(i0.tsoffset_s, 0);
  EXPECT_EQ(i0.fcs_len_bits, -1);
  EXPECT_EQ(i0.name, "eth0");
  EXPECT_EQ(i0.description, "uplink port");
  EXPECT_EQ(i0.filter, "tcp");
  EXPECT_EQ(i0.os, "Linux");
  EXPECT_EQ(i0.hardware, "Intel NIC");
  EXPECT_EQ(i0.comments, std::vector<std::string>{"iface comment"});
  EXPECT_EQ(i0.packets, 1u);
  EXPECT_EQ(res.h.interface_events, std::vector<std::uint32_t>{0});

  ASSERT_EQ(res.h.records.size(), 1u);
  const auto& o = res.h.records[0];
  EXPECT_EQ(o.r.ts_ns, 1700000000123456789);
  EXPECT_EQ(o.r.caplen, 61u);
  EXPECT_EQ(o.r.origlen, 1514u);
  EXPECT_EQ(o.r.interface, 0u);
  EXPECT_EQ(o.r.link_type, 1);
  EXPECT_EQ(o.r.kind, capture::record_kind::enhanced_packet);
  EXPECT_TRUE(o.r.has_timestamp);
  EXPECT_EQ(o.r.epb_flags, 1u);
  EXPECT_EQ(o.r.options_swapped, big == host_little);
  EXPECT_EQ(o.r.record_offset, epb_off);
  EXPECT_EQ(o.r.data_offset, epb_off + 28);
  EXPECT_EQ(o.r.record_length, b_epb.size());
  EXPECT_EQ(o.data, data);
  EXPECT_EQ(o.options, epb_opts);
  EXPECT_EQ(o.comments, (std::vector<std::string>{"first comment", "second, longer comment"}));

  EXPECT_EQ(info.blocks.section_header, 1u);
  EXPECT_EQ(info.blocks.interface_description, 1u);
  EXPECT_EQ(info.blocks.enhanced_packet, 1u);
  EXPECT_EQ(info.packets, 1u);
  EXPECT_EQ(info.bytes_captured, 61u);
  EXPECT_EQ(info.bytes_original, 1514u);
  EXPECT_EQ(info.time_digits, 9);
  EXPECT_EQ(info.bytes_consumed, bytes.size());
}

TEST_P(PcapngOrder, SimplePacketBlocks) {
  const bool big = GetParam();
  auto d60 = payload(60, 1);
  auto d30 = payload(30, 2);
  auto b_sec = shb_idb(big);
  auto s1 = spb(big, 60, d60);   // whole packet
  auto s2 = spb(big, 100, d60);  // block holds only 60 of 100 bytes
  auto s3 = spb(big, 30, d30);   // 30 bytes + 2 padding: caplen is origlen
  auto bytes = cat({b_sec, s1, s2, s3});
  auto res = read_all_ways(bytes);
  EXPECT_EQ(res.info.anomaly_total, 0u);
  ASSERT_EQ(res.h.records.size(), 3u);
  const auto& r1 = res.h.records[0];
  EXPECT_EQ(r1.r.kind, capture::record_kind::simple_packet);
  EXPECT_FALSE(r1.r.has_timestamp);
  EXPECT_EQ(r1.r.interface, 0u);
  EXPECT_EQ(r1.r.link_type, 1);
  EXPECT_EQ(r1.r.caplen, 60u);
  EXPECT_EQ(r1.r.origlen, 60u);
  EXPECT_EQ(r1.r.record_offset, b_sec.size());
  EXPECT_EQ(r1.r.data_offset, b_sec.size() + 12);
  EXPECT_EQ(r1.r.record_length, s1.size());
  EXPECT_EQ(r1.data, d60);
  EXPECT_EQ(res.h.records[1].r.caplen, 60u);
  EXPECT_EQ(res.h.records[1].r.origlen, 100u);
  EXPECT_EQ(res.h.records[1].data, d60);
  EXPECT_EQ(res.h.records[2].r.caplen, 30u);
  EXPECT_EQ(res.h.records[2].r.origlen, 30u);
  EXPECT_EQ(res.h.records[2].data, d30);
  EXPECT_EQ(res.info.blocks.simple_packet, 3u);
  EXPECT_EQ(res.info.packets, 3u);
  EXPECT_EQ(res.info.packets_without_timestamp, 3u);
  EXPECT_EQ(res.info.packets_with_time, 0u);
}

TEST_P(PcapngOrder, SimplePacketLimitedBySnaplen) {
  const bool big = GetParam();
  auto d = payload(60, 1);
  auto bytes = cat({shb(big), idb(big, 1, 40), spb(big, 60, d)});
  auto res = read_all_ways(bytes);
  ASSERT_EQ(res.h.records.size(), 1u);
  EXPECT_EQ(res.h.records[0].r.caplen, 40u);
  EXPECT_EQ(res.h.records[0].r.origlen, 60u);
  EXPECT_EQ(res.h.records[0].data, byte_vec(d.begin(), d.begin() + 40));
}

TEST_P(PcapngOrder, ObsoletePacketBlock) {
  const bool big = GetParam();
  auto d = payload(45, 3);
  auto opts = options(big).u32(2, 0x2).str(opt_comment, "old block").end().done();
  auto b_sec = cat({shb(big), idb(big, 1, 0), idb(big, 113, 0)});
  auto pb = packet_block(big, 1, 1700000000000001ull, d, 50, opts);
  auto res = read_all_ways(cat({b_sec, pb}));
  ASSERT_EQ(res.h.records.size(), 1u);
  const auto& r = res.h.records[0];
  EXPECT_EQ(r.r.kind, capture::record_kind::obsolete_packet);
  EXPECT_TRUE(r.r.has_timestamp);
  EXPECT_EQ(r.r.ts_ns, 1700000000000001000);
  EXPECT_EQ(r.r.interface, 1u);
  EXPECT_EQ(r.r.link_type, 113);
  EXPECT_EQ(r.r.caplen, 45u);
  EXPECT_EQ(r.r.origlen, 50u);
  EXPECT_EQ(r.r.record_offset, b_sec.size());
  EXPECT_EQ(r.r.data_offset, b_sec.size() + 28);
  EXPECT_EQ(r.r.record_length, pb.size());
  EXPECT_EQ(r.data, d);
  EXPECT_EQ(r.comments, std::vector<std::string>{"old block"});
  EXPECT_EQ(res.info.blocks.obsolete_packet, 1u);
}

TEST_P(PcapngOrder, NameResolutionBlock) {
  const bool big = GetParam();
  byte_vec v6 = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01};
  auto recs = cat({nrb_ipv4(big, {192, 0, 2, 1}, {"host.example"}),
                   nrb_ipv6(big, v6, {"v6.example.org"})});
  auto n = nrb(big, recs, options(big).str(opt_comment, "names").end().done());
  auto res = read_all_ways(cat({shb_idb(big), n, epb(big, 0, 1, payload(4))}));
  EXPECT_EQ(res.info.anomaly_total, 0u);
  EXPECT_EQ(res.info.blocks.name_resolution, 1u);
  ASSERT_EQ(res.info.names.size(), 2u);
  EXPECT_EQ(res.info.names[0].family, 4);
  EXPECT_EQ(res.info.names[0].address[0], 192);
  EXPECT_EQ(res.info.names[0].address[1], 0);
  EXPECT_EQ(res.info.names[0].address[2], 2);
  EXPECT_EQ(res.info.names[0].address[3], 1);
  EXPECT_EQ(res.info.names[0].name, "host.example");
  EXPECT_EQ(res.info.names[1].family, 6);
  EXPECT_TRUE(std::equal(v6.begin(), v6.end(), res.info.names[1].address.begin()));
  EXPECT_EQ(res.info.names[1].name, "v6.example.org");
  EXPECT_EQ(res.h.records.size(), 1u);
}

TEST_P(PcapngOrder, InterfaceStatisticsBlock) {
  const bool big = GetParam();
  auto opts = options(big)
                  .ts(isb_starttime, 1699999990000000ull)
                  .ts(isb_endtime, 1700000000000000ull)
                  .u64(isb_ifrecv, 1000)
                  .u64(isb_ifdrop, 5)
                  .u64(isb_filteraccept, 900)
                  .u64(isb_osdrop, 3)
                  .u64(isb_usrdeliv, 890)
                  .end()
                  .done();
  auto opts2 = options(big).u64(isb_ifrecv, 0x123456789ull).end().done();
  auto bytes = cat({shb_idb(big), epb(big, 0, 1699999995000000ull, payload(10)),
                    isb(big, 0, 1700000000500000ull, opts), isb(big, 0, 1700000001000000ull, opts2)});
  auto res = read_all_ways(bytes);
  EXPECT_EQ(res.info.anomaly_total, 0u);
  EXPECT_EQ(res.info.blocks.interface_statistics, 2u);
  ASSERT_EQ(res.info.interfaces.size(), 1u);
  ASSERT_EQ(res.info.interfaces[0].stats.size(), 2u);
  const auto& st = res.info.interfaces[0].stats[0];
  EXPECT_EQ(st.ts_ns, 1700000000500000000);
  ASSERT_TRUE(st.start_ns.has_value());
  EXPECT_EQ(*st.start_ns, 1699999990000000000);
  ASSERT_TRUE(st.end_ns.has_value());
  EXPECT_EQ(*st.end_ns, 1700000000000000000);
  EXPECT_EQ(st.if_recv, std::optional<std::uint64_t>(1000));
  EXPECT_EQ(st.if_drop, std::optional<std::uint64_t>(5));
  EXPECT_EQ(st.filter_accept, std::optional<std::uint64_t>(900));
  EXPECT_EQ(st.os_drop, std::optional<std::uint64_t>(3));
  EXPECT_EQ(st.usr_deliv, std::optional<std::uint64_t>(890));
  const auto& st2 = res.info.interfaces[0].stats[1];
  EXPECT_EQ(st2.ts_ns, 1700000001000000000);
  EXPECT_EQ(st2.if_recv, std::optional<std::uint64_t>(0x123456789ull));
  EXPECT_FALSE(st2.if_drop.has_value());
  EXPECT_FALSE(st2.start_ns.has_value());
  EXPECT_EQ(res.h.records.size(), 1u);
}

TEST_P(PcapngOrder, DecryptionSecretsBlock) {
  const bool big = GetParam();
  std::string key = "CLIENT_RANDOM 0011 aabbccdd\n";  // 28 bytes
  key += "x";                                          // 29: padding follows
  byte_vec secret(key.begin(), key.end());
  auto b_pre = shb_idb(big);
  auto b_dsb = dsb(big, 0x544c534b, secret);
  auto res = read_all_ways(cat({b_pre, b_dsb, epb(big, 0, 1, payload(4))}));
  EXPECT_EQ(res.info.anomaly_total, 0u);
  EXPECT_EQ(res.info.blocks.decryption_secrets, 1u);
  ASSERT_EQ(res.info.secrets.size(), 1u);
  EXPECT_EQ(res.info.secrets[0].type, 0x544c534bu);
  EXPECT_EQ(res.info.secrets[0].offset, b_pre.size());
  EXPECT_EQ(res.info.secrets[0].data, secret);
  EXPECT_EQ(res.h.records.size(), 1u);
}

TEST_P(PcapngOrder, CustomAndUnknownBlocksAreSkippedAndCounted) {
  const bool big = GetParam();
  auto b_pre = shb_idb(big);
  auto e1 = epb(big, 0, 1, payload(8, 1));
  auto c1 = custom(big, bt_custom, 32473, payload(10));
  auto c2 = custom(big, bt_custom_nocopy, 32473, payload(3));
  auto u1 = block(big, 0x00000099, payload(16));
  auto e2 = epb(big, 0, 2, payload(8, 2));
  auto bytes = cat({b_pre, e1, c1, c2, u1, e2});
  const std::uint64_t c1_off = b_pre.size() + e1.size();
  const std::uint64_t u1_off = c1_off + c1.size() + c2.size();
  auto res = read_all_ways(bytes);
  EXPECT_FALSE(res.info.fatal);
  EXPECT_EQ(res.info.blocks.custom, 2u);
  EXPECT_EQ(res.info.blocks.unknown, 1u);
  EXPECT_EQ(count_anomaly(res.info, anomaly_code::pcapng_custom_block), 2u);
  EXPECT_EQ(count_anomaly(res.info, anomaly_code::pcapng_unknown_block), 1u);
  auto* ca = find_anomaly(res.info, anomaly_code::pcapng_custom_block);
  ASSERT_NE(ca, nullptr);
  EXPECT_EQ(ca->offset, c1_off);
  auto* ua = find_anomaly(res.info, anomaly_code::pcapng_unknown_block);
  ASSERT_NE(ua, nullptr);
  EXPECT_EQ(ua->offset, u1_off);
  ASSERT_EQ(res.h.records.size(), 2u);
  EXPECT_EQ(res.h.records[1].r.record_offset, u1_off + u1.size());
  EXPECT_EQ(res.h.records[1].data, payload(8, 2));
  EXPECT_EQ(res.info.records_lost, 0u);
}

INSTANTIATE_TEST_SUITE_P(BothOrders, PcapngOrder, ::testing::Bool(),
                         [](const auto& p) { return std::string(p.param ? "big" : "little"); });

// ---------------------------------------------------------------------------------------------
// Sections

TEST(PcapngSections, InterfacesAreNumberedAcrossSections) {
  // Section 1: little-endian, two interfaces, a real section length.
  auto i1a = idb(false, 1, 0, options(false).str(if_name, "a0").end().done());
  auto i1b = idb(false, 101, 0, options(false).str(if_name, "a1").end().done());
  auto e1 = epb(false, 1, 1700000000000000ull, payload(20, 1));
  const auto sec1_len = static_cast<std::int64_t>(i1a.size() + i1b.size() + e1.size());
  auto s1 = shb(false, {}, sec1_len);
  // Section 2: big-endian, its own interface 0.
  auto s2 = shb(true, options(true).str(opt_comment, "second").end().done());
  auto i2 = idb(true, 113, 0, options(true).str(if_name, "b0").u8(if_tsresol, 9).end().done());
  auto e2 = epb(true, 0, 1700000001000000000ull, payload(21, 2));
  auto e3 = epb(true, 0, 1700000002000000000ull, payload(22, 3));
  auto bytes = cat({s1, i1a, i1b, e1, s2, i2, e2, e3});
  const std::uint64_t s2_off = s1.size() + sec1_len;

  auto res = read_all_ways(bytes);
  const auto& info = res.info;
  EXPECT_FALSE(info.fatal) << info.error;
  EXPECT_EQ(info.anomaly_total, 0u) << (info.anomalies.empty() ? "" : info.anomalies[0].message);
  EXPECT_EQ(info.order, capture::byte_order::little);
  ASSERT_EQ(info.sections.size(), 2u);
  EXPECT_EQ(info.sections[0].offset, 0u);
  EXPECT_EQ(info.sections[0].order, capture::byte_order::little);
  EXPECT_EQ(info.sections[0].declared_length, sec1_len);
  EXPECT_EQ(info.sections[0].first_interface, 0u);
  EXPECT_EQ(info.sections[0].interface_count, 2u);
  EXPECT_EQ(info.sections[1].offset, s2_off);
  EXPECT_EQ(info.sections[1].order, capture::byte_order::big);
  EXPECT_EQ(info.sections[1].declared_length, -1);
  EXPECT_EQ(info.sections[1].first_interface, 2u);
  EXPECT_EQ(info.sections[1].interface_count, 1u);
  EXPECT_EQ(info.sections[1].comments, std::vector<std::string>{"second"});

  ASSERT_EQ(info.interfaces.size(), 3u);
  EXPECT_EQ(info.interfaces[0].name, "a0");
  EXPECT_EQ(info.interfaces[1].name, "a1");
  EXPECT_EQ(info.interfaces[1].link_type, 101);
  EXPECT_EQ(info.interfaces[1].section, 0u);
  EXPECT_EQ(info.interfaces[2].name, "b0");
  EXPECT_EQ(info.interfaces[2].link_type, 113);
  EXPECT_EQ(info.interfaces[2].section, 1u);
  EXPECT_EQ(info.interfaces[0].packets, 0u);
  EXPECT_EQ(info.interfaces[1].packets, 1u);
  EXPECT_EQ(info.interfaces[2].packets, 2u);
  EXPECT_EQ(res.h.interface_events, (std::vector<std::uint32_t>{0, 1, 2}));
  EXPECT_EQ(info.blocks.section_header, 2u);

  ASSERT_EQ(res.h.records.size(), 3u);
  EXPECT_EQ(res.h.records[0].r.interface, 1u);
  EXPECT_EQ(res.h.records[0].r.link_type, 101);
  EXPECT_EQ(res.h.records[0].r.ts_ns, 1700000000000000000);
  EXPECT_EQ(res.h.records[1].r.interface, 2u);
  EXPECT_EQ(res.h.records[1].r.link_type, 113);
  EXPECT_EQ(res.h.records[1].r.ts_ns, 1700000001000000000);
  EXPECT_EQ(res.h.records[1].r.record_offset, s2_off + s2.size() + i2.size());
  EXPECT_EQ(res.h.records[1].data, payload(21, 2));
  EXPECT_EQ(res.h.records[2].r.interface, 2u);
  EXPECT_EQ(res.h.records[2].data, payload(22, 3));
  EXPECT_EQ(info.time_digits, 9);
}

TEST(PcapngSections, UndeclaredInterfaceOfEarlierSectionIsNotReused) {
  // Section 2 has no IDB: interface 0 there is unknown even though section 1 had one.
  auto bytes = cat({shb_idb(false), epb(false, 0, 1, payload(4)), shb(false),
                    epb(false, 0, 2, payload(4))});
  auto res = read_all_ways(bytes);
  EXPECT_EQ(res.h.records.size(), 1u);
  EXPECT_TRUE(has_anomaly(res.info, anomaly_code::pcapng_unknown_interface));
  EXPECT_EQ(res.info.records_lost, 1u);
}

TEST(PcapngSections, BadSecondSectionStopsAfterFirst) {
  auto first = cat({shb(false), idb(false, 1, 0), epb(false, 0, 1, payload(8)), epb(false, 0, 2, payload(8))});
  auto bad = shb(false, {}, -1, 1, 0, 0x12345678);
  auto bytes = cat({first, bad, idb(false, 1, 0), epb(false, 0, 3, payload(8))});
  auto res = read_all_ways(bytes);
  auto* a = find_anomaly(res.info, anomaly_code::pcapng_bad_byte_order_magic);
  ASSERT_NE(a, nullptr);
  EXPECT_TRUE(a->offset == first.size() || a->offset == first.size() + 8) << a->offset;
  EXPECT_TRUE(res.info.fatal);
  ASSERT_EQ(res.h.records.size(), 2u);
  EXPECT_EQ(res.h.records[1].r.ts_ns, 2000);
  EXPECT_EQ(res.info.bytes_consumed, first.size());
}

TEST(PcapngSections, StatisticsAttachToGlobalInterface) {
  auto bytes = cat({shb(false), idb(false, 1, 0), idb(false, 1, 0), shb(true), idb(true, 1, 0),
                    isb(true, 0, 1700000000000000ull, options(true).u64(isb_ifdrop, 77).end().done())});
  auto res = read_all_ways(bytes);
  ASSERT_EQ(res.info.interfaces.size(), 3u);
  EXPECT_TRUE(res.info.interfaces[0].stats.empty());
  EXPECT_TRUE(res.info.interfaces[1].stats.empty());
  ASSERT_EQ(res.info.interfaces[2].stats.size(), 1u);
  EXPECT_EQ(res.info.interfaces[2].stats[0].if_drop, std::optional<std::uint64_t>(77));
  EXPECT_EQ(res.info.interfaces[2].stats[0].ts_ns, 1700000000000000000);
}

TEST(PcapngSections, SectionLengthMismatch) {
  auto body = cat({idb(false, 1, 0), epb(false, 0, 1, payload(8))});
  auto s1 = shb(false, {}, static_cast<std::int64_t>(body.size() + 8));  // claims 8 more
  auto bytes = cat({s1, body, shb(false), idb(false, 1, 0), epb(false, 0, 2, payload(8))});
  auto res = read_all_ways(bytes);
  EXPECT_TRUE(has_anomaly(res.info, anomaly_code::pcapng_section_length_mismatch));
  EXPECT_EQ(res.h.records.size(), 2u);
}

// ---------------------------------------------------------------------------------------------
// Timestamp resolution, offset, FCS length

struct tsres_case {
  const char* name;
  int tsresol;  // -1: option absent
  std::uint64_t units;
  std::int64_t expect_ns;
  std::uint8_t exp;
  bool binary;
};

class PcapngTsresol : public ::testing::TestWithParam<std::tuple<tsres_case, bool>> {};

TEST_P(PcapngTsresol, ConvertsExactly) {
  auto [c, big] = GetParam();
  byte_vec opts;
  if (c.tsresol >= 0)
    opts = options(big).u8(if_tsresol, static_cast<std::uint8_t>(c.tsresol)).end().done();
  auto bytes = cat({shb(big), idb(big, 1, 0, opts), epb(big, 0, c.units, payload(4))});
  auto res = read_all_ways(bytes);
  if (c.exp <= 9) {
    EXPECT_FALSE(has_anomaly(res.info, anomaly_code::pcapng_bad_tsresol));
  }
  ASSERT_EQ(res.info.interfaces.size(), 1u);
  EXPECT_EQ(res.info.interfaces[0].tsresol_exp, c.exp);
  EXPECT_EQ(res.info.interfaces[0].tsresol_binary, c.binary);
  ASSERT_EQ(res.h.records.size(), 1u);
  EXPECT_EQ(res.h.records[0].r.ts_ns, c.expect_ns);
}

const tsres_case k_tsres[] = {
    {"default_us", -1, 1700000000123456ull, 1700000000123456000, 6, false},
    {"dec0_s", 0, 1700000000ull, 1700000000000000000, 0, false},
    {"dec1", 1, 17000000005ull, 1700000000500000000, 1, false},
    {"dec3_ms", 3, 1700000000123ull, 1700000000123000000, 3, false},
    {"dec6_us", 6, 1700000000123456ull, 1700000000123456000, 6, false},
    {"dec9_ns", 9, 1700000000123456789ull, 1700000000123456789, 9, false},
    {"dec12_ps", 12, 5000000000123ull, 5000000000, 12, false},
    {"bin0_s", 0x80, 1700000000ull, 1700000000000000000, 0, true},
    {"bin20", 0x94, (1700000000ull << 20) + (1ull << 19) + (1ull << 11), 1700000000501953125, 20,
     true},
    {"bin10", 0x8A, (1700000000ull << 10) + 256, 1700000000250000000, 10, true},
};

INSTANTIATE_TEST_SUITE_P(Resolutions, PcapngTsresol,
                         ::testing::Combine(::testing::ValuesIn(k_tsres), ::testing::Bool()),
                         [](const auto& p) {
                           return std::string(std::get<0>(p.param).name) +
                                  (std::get<1>(p.param) ? "_big" : "_little");
                         });

TEST(PcapngReader, TsresolTooFineIsFlagged) {
  auto bytes = cat({shb(false), idb(false, 1, 0, options(false).u8(if_tsresol, 30).end().done()),
                    epb(false, 0, 1234, payload(4))});
  auto res = read_all_ways(bytes);
  EXPECT_TRUE(has_anomaly(res.info, anomaly_code::pcapng_bad_tsresol));
  EXPECT_EQ(res.h.records.size(), 1u);
}

TEST(PcapngReader, TsoffsetSecondsAreAdded) {
  for (bool big : {false, true}) {
    for (std::int64_t off : {std::int64_t{100}, std::int64_t{-100}}) {
      auto opts = options(big).u64(if_tsoffset, static_cast<std::uint64_t>(off)).end().done();
      auto bytes = cat({shb(big), idb(big, 1, 0, opts), epb(big, 0, 1700000000123456ull, payload(4))});
      auto res = read_all_ways(bytes);
      ASSERT_EQ(res.info.interfaces.size(), 1u);
      EXPECT_EQ(res.info.interfaces[0].tsoffset_s, off);
      ASSERT_EQ(res.h.records.size(), 1u);
      EXPECT_EQ(res.h.records[0].r.ts_ns, 1700000000123456000 + off * 1000000000);
    }
  }
}

TEST(PcapngReader, TsoffsetWithNanosecondResolution) {
  auto opts = options(true).u8(if_tsresol, 9).u64(if_tsoffset, 3600).end().done();
  auto bytes = cat({shb(true), idb(true, 1, 0, opts), epb(true, 0, 5, payload(4))});
  auto res = read_all_ways(bytes);
  ASSERT_EQ(res.h.records.size(), 1u);
  EXPECT_EQ(res.h.records[0].r.ts_ns, 3600000000005);
}

TEST(PcapngReader, FcsLengthAndSnaplen) {
  auto opts = options(false).u8(if_fcslen, 32).end().done();
  auto bytes = cat({shb(false), idb(false, 1, 96, opts), epb(false, 0, 1, payload(64))});
  auto res = read_all_ways(bytes);
  ASSERT_EQ(res.info.interfaces.size(), 1u);
  EXPECT_EQ(res.info.interfaces[0].fcs_len_bits, 32);
  EXPECT_EQ(res.info.interfaces[0].snaplen, 96u);
}

// ---------------------------------------------------------------------------------------------
// Error paths

TEST(PcapngErrors, BlockTotalLengthZero) {
  auto pre = cat({shb_idb(false), epb(false, 0, 1, payload(8))});
  out bad(false);
  bad.u32(bt_epb).u32(0).u32(0).u32(0);
  auto bytes = cat({pre, bad.v, epb(false, 0, 2, payload(8))});
  auto res = read_all_ways(bytes);
  auto* a = find_anomaly(res.info, anomaly_code::pcapng_block_too_short);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->offset, pre.size());
  EXPECT_TRUE(res.info.fatal);
  EXPECT_TRUE(mentions_offset(res.info.error, pre.size())) << res.info.error;
  ASSERT_EQ(res.h.records.size(), 1u);
}

TEST(PcapngErrors, BlockTooShortForEnhancedPacket) {
  // A 12-byte block (type, length, trailer): a sane generic block, too short to be an EPB.
  auto pre = cat({shb_idb(false), epb(false, 0, 1, payload(8))});
  auto bad = block(false, bt_epb, {});
  ASSERT_EQ(bad.size(), 12u);
  auto bytes = cat({pre, bad, epb(false, 0, 2, payload(8, 9))});
  auto res = read_all_ways(bytes);
  auto* a = find_anomaly(res.info, anomaly_code::pcapng_block_too_short);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->offset, pre.size());
  EXPECT_FALSE(res.info.fatal);
  ASSERT_EQ(res.h.records.size(), 2u);
  EXPECT_EQ(res.h.records[1].data, payload(8, 9));
  EXPECT_EQ(res.h.records[1].r.record_offset, pre.size() + 12);
  EXPECT_EQ(res.info.records_lost, 1u);
}

TEST(PcapngErrors, BlockLongerThanRemainingDataIsTruncated) {
  auto pre = cat({shb_idb(false), epb(false, 0, 1, payload(8))});
  auto last = epb(false, 0, 2, payload(200));
  last.resize(100);
  auto bytes = cat({pre, last});
  auto res = read_all_ways(bytes);
  auto* a = find_anomaly(res.info, anomaly_code::truncated_record);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->offset, pre.size());
  EXPECT_EQ(res.h.records.size(), 1u);
  EXPECT_EQ(res.info.records_lost, 1u);
  EXPECT_EQ(res.info.bytes_unparsed, 100u);
  EXPECT_FALSE(has_anomaly(res.info, anomaly_code::record_too_large));
}

TEST(PcapngErrors, BlockLongerThanMaxBlockIsFatal) {
  auto pre = cat({shb_idb(false), epb(false, 0, 1, payload(8))});
  out bad(false);
  bad.u32(bt_epb).u32(0x7FFFFFF0u).raw(payload(64));
  auto bytes = cat({pre, bad.v});
  auto res = read_all_ways(bytes);
  auto* a = find_anomaly(res.info, anomaly_code::record_too_large);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->offset, pre.size());
  EXPECT_TRUE(res.info.fatal);
  EXPECT_TRUE(mentions_offset(res.info.error, pre.size())) << res.info.error;
  EXPECT_EQ(res.h.records.size(), 1u);
  EXPECT_FALSE(has_anomaly(res.info, anomaly_code::truncated_record));
}

TEST(PcapngErrors, BlockLongerThanConfiguredMaxBlock) {
  capture::reader_limits lim;
  lim.max_block = 4096;
  auto pre = cat({shb_idb(false), epb(false, 0, 1, payload(8))});
  auto big_epb = epb(false, 0, 2, payload(6000));
  auto bytes = cat({pre, big_epb});
  auto res = read_all_ways(bytes, lim);
  auto* a = find_anomaly(res.info, anomaly_code::record_too_large);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->offset, pre.size());
  EXPECT_TRUE(res.info.fatal);
  EXPECT_EQ(res.h.records.size(), 1u);
}

TEST(PcapngErrors, LengthNotMultipleOfFour) {
  auto pre = shb_idb(false);
  // EPB with 5 data bytes and no padding: total length 37.
  out b(false);
  auto body = epb_body(false, 0, 1, payload(5));
  body.resize(20 + 5);
  b.u32(bt_epb).u32(37).raw(body).u32(37);
  auto bytes = cat({pre, b.v});
  auto res = read_all_ways(bytes);
  auto* a = find_anomaly(res.info, anomaly_code::pcapng_length_not_multiple_of_4);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->offset, pre.size());
}

TEST(PcapngErrors, TrailerMismatchResynchronizes) {
  auto pre = cat({shb_idb(false), epb(false, 0, 1, payload(8, 1))});
  auto body = epb_body(false, 0, 2, payload(8, 2));
  auto bad = block(false, bt_epb, body, 0, 0x1234);
  auto bytes = cat({pre, bad, epb(false, 0, 3, payload(8, 3))});
  auto res = read_all_ways(bytes);
  auto* a = find_anomaly(res.info, anomaly_code::pcapng_trailer_mismatch);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->offset, pre.size());
  EXPECT_FALSE(res.info.fatal);
  ASSERT_GE(res.h.records.size(), 2u);
  EXPECT_EQ(res.h.records.front().data, payload(8, 1));
  EXPECT_EQ(res.h.records.back().data, payload(8, 3));
  EXPECT_EQ(res.h.records.back().r.record_offset, pre.size() + bad.size());
  EXPECT_EQ(res.h.records.back().r.ts_ns, 3000);
  // The corrupt block is either delivered or counted lost, never both or neither.
  EXPECT_EQ(res.h.records.size() + res.info.records_lost, 3u);
}

TEST(PcapngErrors, UnknownInterfaceIsCountedLost) {
  auto pre = shb_idb(false);
  auto bad = epb(false, 5, 1, payload(8));
  auto bytes = cat({pre, bad, epb(false, 0, 2, payload(8))});
  auto res = read_all_ways(bytes);
  auto* a = find_anomaly(res.info, anomaly_code::pcapng_unknown_interface);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->offset, pre.size());
  EXPECT_EQ(res.info.records_lost, 1u);
  ASSERT_EQ(res.h.records.size(), 1u);
  EXPECT_EQ(res.h.records[0].r.ts_ns, 2000);
  EXPECT_EQ(res.info.packets, 1u);
}

TEST(PcapngErrors, CaplenLargerThanBlock) {
  auto pre = shb_idb(false);
  auto body = epb_body(false, 0, 1, payload(60), 1000, {}, 1000);
  auto bad = block(false, bt_epb, body);
  auto bytes = cat({pre, bad, epb(false, 0, 2, payload(8))});
  auto res = read_all_ways(bytes);
  auto* a = find_anomaly(res.info, anomaly_code::pcapng_packet_exceeds_block);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->offset, pre.size());
  EXPECT_FALSE(res.info.fatal);
  ASSERT_FALSE(res.h.records.empty());
  EXPECT_EQ(res.h.records.back().r.ts_ns, 2000);
  for (const auto& r : res.h.records) EXPECT_LE(r.r.caplen, 60u);
  EXPECT_EQ(res.h.records.size() + res.info.records_lost, 2u);
}

TEST(PcapngErrors, OptionRunningPastBlock) {
  auto pre = shb_idb(false);
  out o(false);
  o.u16(opt_comment).u16(200).raw("abcd");
  auto bad = epb(false, 0, 1, payload(8), 0, o.v);
  auto bytes = cat({pre, bad, epb(false, 0, 2, payload(8))});
  auto res = read_all_ways(bytes);
  auto* a = find_anomaly(res.info, anomaly_code::pcapng_bad_options);
  ASSERT_NE(a, nullptr);
  EXPECT_GE(a->offset, pre.size());
  EXPECT_LT(a->offset, pre.size() + bad.size());
  EXPECT_FALSE(res.info.fatal);
  ASSERT_FALSE(res.h.records.empty());
  EXPECT_EQ(res.h.records.back().r.ts_ns, 2000);
}

TEST(PcapngErrors, IdbOptionRunningPastBlock) {
  out o(false);
  o.u16(if_name).u16(64).raw("eth0");
  auto bytes = cat({shb(false), idb(false, 1, 0, o.v), epb(false, 0, 1, payload(8))});
  auto res = read_all_ways(bytes);
  EXPECT_TRUE(has_anomaly(res.info, anomaly_code::pcapng_bad_options));
  EXPECT_EQ(res.info.interfaces.size(), 1u);
  EXPECT_EQ(res.h.records.size(), 1u);
}

TEST(PcapngErrors, FirstBlockNotSectionHeader) {
  auto bytes = cat({idb(false, 1, 0), epb(false, 0, 1, payload(8))});
  auto res = read_all_ways(bytes);
  EXPECT_TRUE(has_anomaly(res.info, anomaly_code::pcapng_first_block_not_shb) ||
              has_anomaly(res.info, anomaly_code::not_a_capture));
  EXPECT_TRUE(res.info.fatal);
  EXPECT_TRUE(res.h.records.empty());
}

TEST(PcapngErrors, BadByteOrderMagic) {
  auto bytes = cat({shb(false, {}, -1, 1, 0, 0x11223344), idb(false, 1, 0), epb(false, 0, 1, payload(8))});
  auto res = read_all_ways(bytes);
  auto* a = find_anomaly(res.info, anomaly_code::pcapng_bad_byte_order_magic);
  ASSERT_NE(a, nullptr);
  EXPECT_TRUE(a->offset == 0 || a->offset == 8) << a->offset;
  EXPECT_TRUE(res.info.fatal);
  EXPECT_TRUE(res.h.records.empty());
}

TEST(PcapngErrors, UnsupportedMajorVersion) {
  auto bytes = cat({shb(false, {}, -1, 2, 0), idb(false, 1, 0), epb(false, 0, 1, payload(8))});
  auto res = read_all_ways(bytes);
  EXPECT_TRUE(has_anomaly(res.info, anomaly_code::pcapng_unsupported_version));
  EXPECT_TRUE(res.h.records.empty());
  EXPECT_EQ(res.info.packets, 0u);
}

TEST(PcapngErrors, TruncatedSectionHeader) {
  auto s = shb(false, options(false).str(shb_userappl, "x").end().done());
  s.resize(20);
  auto res = read_all_ways(s);
  EXPECT_TRUE(has_anomaly(res.info, anomaly_code::truncated_file_header));
  EXPECT_TRUE(res.h.records.empty());
}

TEST(PcapngErrors, TruncatedLastBlockKeepsEarlierRecords) {
  auto pre = shb_idb(true);
  auto e1 = epb(true, 0, 1, payload(8, 1));
  auto e2 = epb(true, 0, 2, payload(9, 2));
  auto e3 = epb(true, 0, 3, payload(10, 3));
  e3.resize(e3.size() - 4);  // trailer missing
  auto res = read_all_ways(cat({pre, e1, e2, e3}));
  ASSERT_EQ(res.h.records.size(), 2u);
  auto* a = find_anomaly(res.info, anomaly_code::truncated_record);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->offset, pre.size() + e1.size() + e2.size());
  EXPECT_EQ(res.info.records_lost, 1u);
}

}  // namespace
}  // namespace pcapscope::test
