// Hostile lengths found by the adversarial suite (tests/adversarial): a record or packet block
// whose length stops reading is counted in records_lost, so packets + records_lost covers every
// record header the reader saw, and every input byte is consumed or unparsed.
#include <gtest/gtest.h>

#include "capture/builders.hpp"
#include "capture/check.hpp"
#include "pcapscope/capture/reader.hpp"

namespace pcapscope::test {
namespace {

using namespace build;
using capture::anomaly_code;

TEST(HostileLengths, PcapCaplenFFFFFFFFIsCountedLost) {
  auto good = pcap_record(false, 1, 0, payload(30));
  out bad(false);
  bad.u32(2).u32(0).u32(0xFFFFFFFFu).u32(0xFFFFFFFFu).raw(payload(40));
  auto bytes = cat({pcap_header(false), good, good, bad.v, good});
  auto res = read_all_ways(bytes);
  EXPECT_TRUE(res.info.fatal);
  EXPECT_EQ(count_anomaly(res.info, anomaly_code::record_too_large), 1u);
  EXPECT_EQ(res.info.packets, 2u);
  EXPECT_EQ(res.info.records_lost, 1u);
  EXPECT_EQ(res.info.bytes_consumed + res.info.bytes_unparsed, bytes.size());
}

TEST(HostileLengths, PcapngPacketBlockLengthsThatStopReadingAreCountedLost) {
  struct bad_len {
    std::uint32_t len;
    anomaly_code code;
  };
  for (auto [len, code] : {bad_len{0, anomaly_code::pcapng_block_too_short},
                           bad_len{8, anomaly_code::pcapng_block_too_short},
                           bad_len{0xFFFFFFF0u, anomaly_code::record_too_large}}) {
    auto pre = cat({shb(false), idb(false), epb(false, 0, 1, payload(8))});
    out bad(false);
    bad.u32(bt_epb).u32(len).raw(payload(40));
    auto bytes = cat({pre, bad.v, epb(false, 0, 2, payload(8))});
    auto res = read_all_ways(bytes);
    EXPECT_TRUE(res.info.fatal) << len;
    EXPECT_EQ(count_anomaly(res.info, code), 1u) << len;
    EXPECT_EQ(res.info.packets, 1u) << len;
    EXPECT_EQ(res.info.records_lost, 1u) << len;
    EXPECT_EQ(res.info.bytes_consumed + res.info.bytes_unparsed, bytes.size()) << len;
  }
}

TEST(HostileLengths, NonPacketBlockThatStopsReadingIsNotARecord) {
  auto pre = cat({shb(false), idb(false), epb(false, 0, 1, payload(8))});
  out bad(false);
  bad.u32(0x00000005u /* ISB */).u32(0xFFFFFFF0u).raw(payload(40));
  auto res = read_all_ways(cat({pre, bad.v}));
  EXPECT_TRUE(res.info.fatal);
  EXPECT_EQ(res.info.packets, 1u);
  EXPECT_EQ(res.info.records_lost, 0u);
}

TEST(HostileLengths, LengthNotMultipleOfFourWithDisagreeingTrailerIsCountedLost) {
  auto pre = cat({shb(false), idb(false)});
  out b(false);
  auto body = epb_body(false, 0, 1, payload(5));
  body.resize(20 + 5);
  b.u32(bt_epb).u32(37).raw(body).u32(40);  // trailer disagrees: reading stops
  auto bytes = cat({pre, b.v, epb(false, 0, 2, payload(8))});
  auto res = read_all_ways(bytes);
  EXPECT_TRUE(res.info.fatal);
  EXPECT_EQ(count_anomaly(res.info, anomaly_code::pcapng_length_not_multiple_of_4), 1u);
  EXPECT_EQ(res.info.packets, 0u);
  EXPECT_EQ(res.info.records_lost, 1u);
  EXPECT_EQ(res.info.bytes_consumed + res.info.bytes_unparsed, bytes.size());
}

}  // namespace
}  // namespace pcapscope::test
