// Lengths from the input are not trusted with allocations: a record or block claiming gigabytes
// stops reading without the reader ever asking for that much memory. Global operator new is
// replaced for the whole test binary (tests/support/alloc_probe.cpp) to record the largest
// request while a probe is alive.
#include <gtest/gtest.h>


#include "capture/builders.hpp"
#include "capture/check.hpp"
#include "support/test_support.hpp"

#include "support/alloc_probe.hpp"

#define PCAPSCOPE_ALLOC_PROBE (::pcapscope::test::alloc_probe::enabled())

namespace pcapscope::test {
namespace {

using namespace build;
using capture::anomaly_code;

// Largest single allocation made while reading `bytes` in `chunk`-byte pieces.
std::size_t largest_allocation(const byte_vec& bytes, std::size_t chunk, read_result& res) {
  if (!PCAPSCOPE_ALLOC_PROBE) {
    res = read_bytes(bytes, chunk);
    return 0;
  }
  alloc_probe probe;
  res = read_bytes(bytes, chunk);
  return probe.largest();
}

TEST(Allocation, ProbeSeesLargeBufferedRecords) {
  // Control: a real 300000-byte record fed byte by byte must be buffered, so the probe sees it.
  if (!PCAPSCOPE_ALLOC_PROBE) GTEST_SKIP() << "allocation probe off under AddressSanitizer";
  auto bytes = cat({pcap_header(false, magic_us, 1u << 20), pcap_record(false, 1, 1, payload(300000))});
  read_result res;
  auto largest = largest_allocation(bytes, 1, res);
  EXPECT_EQ(res.h.records.size(), 1u);
  EXPECT_GE(largest, std::size_t{300000});
}

TEST(Allocation, HugePcapCaplenIsNotAllocated) {
  out bad(false);
  bad.u32(1).u32(2).u32(0xFFFFFFFFu).u32(0xFFFFFFFFu).raw(payload(64));
  auto bytes = cat({pcap_header(false), pcap_record(false, 1, 1, payload(20)), bad.v});
  for (std::size_t chunk : {std::size_t{0}, std::size_t{1}, std::size_t{7}}) {
    read_result res;
    auto largest = largest_allocation(bytes, chunk, res);
    EXPECT_TRUE(has_anomaly(res.info, anomaly_code::record_too_large));
    EXPECT_LT(largest, std::size_t{1} << 20) << "chunk " << chunk;
  }
}

TEST(Allocation, HugePcapngBlockLengthIsNotAllocated) {
  out bad(false);
  bad.u32(bt_epb).u32(0xFFFFFFF0u).raw(payload(64));
  auto bytes = cat({shb(false), idb(false, 1, 0), bad.v});
  for (std::size_t chunk : {std::size_t{0}, std::size_t{1}, std::size_t{5}}) {
    read_result res;
    auto largest = largest_allocation(bytes, chunk, res);
    EXPECT_TRUE(has_anomaly(res.info, anomaly_code::record_too_large));
    EXPECT_LT(largest, std::size_t{1} << 20) << "chunk " << chunk;
  }
}

TEST(Allocation, HugeOptionAndSecretLengthsAreNotAllocated) {
  // A DSB claiming a 4 GiB secret inside a small block, and an EPB claiming a huge caplen.
  out d(false);
  d.u32(0x544c534b).u32(0xFFFFFFF0u).raw(payload(16));
  auto bytes = cat({shb(false), idb(false, 1, 0), block(false, bt_dsb, d.v),
                    block(false, bt_epb, epb_body(false, 0, 1, payload(8), 0, {}, 0xFFFFFFF0)),
                    epb(false, 0, 2, payload(8))});
  read_result res;
  auto largest = largest_allocation(bytes, 1, res);
  EXPECT_LT(largest, std::size_t{1} << 20);
  EXPECT_FALSE(res.info.fatal);
  ASSERT_FALSE(res.h.records.empty());
  EXPECT_EQ(res.h.records.back().r.ts_ns, 2000);
  EXPECT_TRUE(res.info.secrets.empty() || res.info.secrets[0].data.size() <= 16u);
}

}  // namespace
}  // namespace pcapscope::test

namespace pcapscope::test {
namespace {

using namespace build;
using capture::anomaly_code;

TEST(Allocation, ClaimBelowTheCapIsNotAllocatedUpFront) {
  // 60 MB claimed (under the 64 MiB cap, so not rejected) but only 64 bytes follow: the reader
  // buffers what arrives, not what the header claims.
  out claim(false);
  claim.u32(1).u32(2).u32(60u << 20).u32(60u << 20).raw(payload(64));
  auto bytes = cat({pcap_header(false, magic_us, 1u << 30), claim.v});
  for (std::size_t chunk : {std::size_t{1}, std::size_t{16}, std::size_t{0}}) {
    if (!alloc_probe::enabled()) GTEST_SKIP() << "allocation probe off under AddressSanitizer";
    alloc_probe probe;
    auto res = read_bytes(bytes, chunk);
    EXPECT_LT(probe.largest(), std::size_t{1} << 20) << "chunk " << chunk;
    EXPECT_TRUE(has_anomaly(res.info, anomaly_code::truncated_record));
    EXPECT_EQ(res.info.records_lost, 1u);
  }
}

}  // namespace
}  // namespace pcapscope::test
