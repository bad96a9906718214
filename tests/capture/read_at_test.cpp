// Chunk independence over a file holding every block kind, and random access (reader::read_at)
// to records found while streaming.
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

// A two-section pcapng file with every block type, comments and a few recoverable anomalies.
byte_vec kitchen_sink() {
  auto s1 = shb(false, options(false).str(opt_comment, "s1").str(shb_userappl, "app").end().done());
  auto i0 = idb(false, 1, 0, options(false).str(if_name, "eth0").u8(if_tsresol, 9).end().done());
  auto i1 = idb(false, 101, 128, options(false).u8(if_tsresol, 0x94).end().done());
  auto e0 = epb(false, 0, 1700000000000000001ull, payload(61, 1), 100,
                options(false).u32(epb_flags, 2).str(opt_comment, "c0").str(opt_comment, "c1").end().done());
  auto e1 = epb(false, 1, (1700000000ull << 20) + 1024, payload(33, 2));
  auto sp = spb(false, 70, payload(70, 3));
  auto pb = packet_block(false, 1, (1700000001ull << 20), payload(17, 4), 0,
                         options(false).str(opt_comment, "pb").end().done());
  auto n = nrb(false, nrb_ipv4(false, {10, 0, 0, 1}, {"a.example"}));
  auto st = isb(false, 0, 1700000002000000000ull, options(false).u64(isb_ifrecv, 7).end().done());
  auto ds = dsb(false, 0x544c534b, payload(21, 5));
  auto cu = custom(false, bt_custom, 1, payload(9));
  auto un = block(false, 0x00000077, payload(4));
  auto lost = epb(false, 9, 1, payload(4));  // unknown interface
  auto tm = block(false, bt_epb, epb_body(false, 0, 5, payload(8, 6)), 0, 0x99);  // trailer mismatch
  auto s2 = shb(true);
  auto j0 = idb(true, 113, 0);
  auto f0 = epb(true, 0, 1600000000000000ull, payload(40, 7), 0,
                options(true).str(opt_comment, "big-endian comment").end().done());
  auto f1 = spb(true, 10, payload(10, 8));
  return cat({s1, i0, i1, e0, e1, sp, pb, n, st, ds, cu, un, lost, tm, s2, j0, f0, f1});
}

TEST(ChunkIndependence, KitchenSinkEveryChunkSize) {
  auto bytes = kitchen_sink();
  auto whole = read_bytes(bytes);
  EXPECT_FALSE(whole.info.fatal) << whole.info.error;
  EXPECT_GE(whole.h.records.size(), 6u);
  for (std::size_t c = 1; c <= 64; ++c) {
    auto r = read_bytes(bytes, c);
    expect_same_reads(whole, r, "chunk " + std::to_string(c));
  }
  for (std::uint32_t seed = 0; seed < 32; ++seed) {
    auto r = read_bytes_random_chunks(bytes, seed, 97);
    expect_same_reads(whole, r, "random seed " + std::to_string(seed));
  }
}

TEST(ChunkIndependence, KitchenSinkValues) {
  auto bytes = kitchen_sink();
  auto res = read_all_ways(bytes);
  const auto& info = res.info;
  EXPECT_EQ(info.blocks.section_header, 2u);
  EXPECT_EQ(info.blocks.interface_description, 3u);
  EXPECT_EQ(info.blocks.simple_packet, 2u);
  EXPECT_EQ(info.blocks.obsolete_packet, 1u);
  EXPECT_EQ(info.blocks.name_resolution, 1u);
  EXPECT_EQ(info.blocks.interface_statistics, 1u);
  EXPECT_EQ(info.blocks.decryption_secrets, 1u);
  EXPECT_EQ(info.blocks.custom, 1u);
  EXPECT_EQ(info.blocks.unknown, 1u);
  EXPECT_TRUE(has_anomaly(info, anomaly_code::pcapng_unknown_interface));
  EXPECT_TRUE(has_anomaly(info, anomaly_code::pcapng_trailer_mismatch));
  ASSERT_EQ(info.interfaces.size(), 3u);
  EXPECT_EQ(info.interfaces[2].link_type, 113);
  // Records: e0, e1, sp, pb, [tm maybe], f0, f1.
  ASSERT_GE(res.h.records.size(), 6u);
  const auto& r0 = res.h.records[0];
  EXPECT_EQ(r0.r.ts_ns, 1700000000000000001);
  EXPECT_EQ(r0.r.epb_flags, 2u);
  EXPECT_EQ(r0.comments, (std::vector<std::string>{"c0", "c1"}));
  const auto& r1 = res.h.records[1];
  EXPECT_EQ(r1.r.interface, 1u);
  EXPECT_EQ(r1.r.ts_ns, 1700000000000976562);  // 1024 / 2^20 s = 976562.5 ns, truncated
  const auto& last = res.h.records.back();
  EXPECT_EQ(last.r.interface, 2u);
  EXPECT_EQ(last.r.kind, capture::record_kind::simple_packet);
  const auto& f0 = res.h.records[res.h.records.size() - 2];
  EXPECT_EQ(f0.r.ts_ns, 1600000000000000000);
  EXPECT_EQ(f0.comments, std::vector<std::string>{"big-endian comment"});
}

// Streams `bytes` through `rd` (whole), keeping the records in `h`.
void stream(capture::reader& rd, const byte_vec& bytes) {
  rd.feed(util::bytes(bytes.data(), bytes.size()));
  rd.finish();
}

void expect_read_at_matches(const capture::reader& rd, const byte_vec& bytes,
                            const collecting_handler& h) {
  capture::memory_source src(util::bytes(bytes.data(), bytes.size()));
  for (std::size_t k = 0; k < h.records.size(); ++k) {
    SCOPED_TRACE("record " + std::to_string(k));
    const auto& want = h.records[k];
    std::vector<std::uint8_t> scratch;
    capture::record got;
    std::string err;
    ASSERT_TRUE(rd.read_at(want.r.record_offset, src, scratch, got, err)) << err;
    EXPECT_EQ(got.ts_ns, want.r.ts_ns);
    EXPECT_EQ(got.caplen, want.r.caplen);
    EXPECT_EQ(got.origlen, want.r.origlen);
    EXPECT_EQ(got.interface, want.r.interface);
    EXPECT_EQ(got.link_type, want.r.link_type);
    EXPECT_EQ(got.kind, want.r.kind);
    EXPECT_EQ(got.has_timestamp, want.r.has_timestamp);
    EXPECT_EQ(got.epb_flags, want.r.epb_flags);
    EXPECT_EQ(got.record_offset, want.r.record_offset);
    EXPECT_EQ(got.data_offset, want.r.data_offset);
    EXPECT_EQ(got.record_length, want.r.record_length);
    EXPECT_EQ(byte_vec(got.data.begin(), got.data.end()), want.data);
    EXPECT_EQ(byte_vec(got.options.begin(), got.options.end()), want.options);
    EXPECT_EQ(capture::record_comments(got), want.comments);
  }
}

TEST(ReadAt, PcapRecords) {
  for (std::uint32_t magic : {magic_us, magic_ns, magic_kuznetsov}) {
    for (bool big : {false, true}) {
      byte_vec bytes = pcap_header(big, magic);
      for (int i = 0; i < 5; ++i) {
        auto d = payload(static_cast<std::size_t>(10 + i * 13), static_cast<std::uint8_t>(i));
        auto rec = magic == magic_kuznetsov ? kuznetsov_record(big, 1700000000 + i, 999 * i, d)
                                            : pcap_record(big, 1700000000 + i, 999 * i, d, 1500);
        bytes.insert(bytes.end(), rec.begin(), rec.end());
      }
      collecting_handler h;
      capture::reader rd(&h);
      stream(rd, bytes);
      ASSERT_EQ(h.records.size(), 5u);
      expect_read_at_matches(rd, bytes, h);
    }
  }
}

TEST(ReadAt, PcapngRecordsAcrossSections) {
  auto bytes = kitchen_sink();
  collecting_handler h;
  capture::reader rd(&h);
  stream(rd, bytes);
  ASSERT_GE(h.records.size(), 6u);
  expect_read_at_matches(rd, bytes, h);
}

TEST(ReadAt, BadOffsetsFail) {
  auto pre = cat({shb(false), idb(false, 1, 0)});
  auto e = epb(false, 0, 1, payload(8));
  auto bytes = cat({pre, e, e});
  collecting_handler h;
  capture::reader rd(&h);
  stream(rd, bytes);
  ASSERT_EQ(h.records.size(), 2u);
  capture::memory_source src(util::bytes(bytes.data(), bytes.size()));
  for (std::uint64_t off : {std::uint64_t{0},                 // the SHB
                            std::uint64_t{28},                // the IDB
                            std::uint64_t{pre.size() + 4},    // inside an EPB
                            std::uint64_t{bytes.size()},      // end of input
                            std::uint64_t{1} << 40}) {        // far beyond
    std::vector<std::uint8_t> scratch;
    capture::record got;
    std::string err;
    EXPECT_FALSE(rd.read_at(off, src, scratch, got, err)) << "offset " << off;
    EXPECT_FALSE(err.empty()) << "offset " << off;
  }

  auto pbytes = cat({pcap_header(false), pcap_record(false, 1, 2, payload(20))});
  collecting_handler ph;
  capture::reader prd(&ph);
  stream(prd, pbytes);
  capture::memory_source psrc(util::bytes(pbytes.data(), pbytes.size()));
  for (std::uint64_t off : {std::uint64_t{0}, std::uint64_t{pbytes.size()},
                            std::uint64_t{pbytes.size() - 4}, std::uint64_t{1} << 40}) {
    std::vector<std::uint8_t> scratch;
    capture::record got;
    std::string err;
    EXPECT_FALSE(prd.read_at(off, psrc, scratch, got, err)) << "pcap offset " << off;
    EXPECT_FALSE(err.empty());
  }
}

TEST(ReadAt, MemorySourceShortReadAtEnd) {
  byte_vec b = payload(10);
  capture::memory_source src(util::bytes(b.data(), b.size()));
  std::vector<std::uint8_t> buf(8);
  EXPECT_EQ(src.read(0, buf), 8u);
  EXPECT_EQ(buf, byte_vec(b.begin(), b.begin() + 8));
  EXPECT_EQ(src.read(6, buf), 4u);
  EXPECT_EQ(src.read(10, buf), 0u);
  EXPECT_EQ(src.read(1000, buf), 0u);
}

}  // namespace
}  // namespace pcapscope::test
