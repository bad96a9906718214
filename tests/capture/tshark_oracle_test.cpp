// Hand-made pcap/pcapng files read by tshark and by the reader: per packet, the epoch time,
// wire and captured lengths and interface must agree (skipped when tshark is not installed).
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

#include "capture/builders.hpp"
#include "capture/check.hpp"
#include "support/test_support.hpp"

namespace pcapscope::test {
namespace {

using namespace build;

std::string run_cmd(const std::string& cmd) {
  std::string out;
  FILE* f = popen(cmd.c_str(), "r");
  if (!f) return out;
  char buf[4096];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  pclose(f);
  return out;
}

// "epoch<TAB>len<TAB>caplen" per packet, as tshark prints them. (Interface ids are not compared:
// tshark 4.0 prints section-local ids for pcapng and none for pcap; ours are global by design.)
std::string tshark_lines(const byte_vec& bytes, const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / ("pcapscope_oracle_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto path = (dir / name).string();
  {
    std::ofstream f(path, std::ios::binary);
    f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  }
  auto out = run_cmd("/usr/bin/tshark -r '" + path +
                     "' -T fields -e frame.time_epoch -e frame.len -e frame.cap_len 2>/dev/null");
  std::filesystem::remove_all(dir);
  return out;
}

std::string our_lines(const byte_vec& bytes) {
  auto res = read_bytes(bytes);
  std::string s;
  for (const auto& o : res.h.records) {
    char line[160];
    std::int64_t ts = o.r.ts_ns;
    std::snprintf(line, sizeof line, "%lld.%09lld\t%u\t%u\n", static_cast<long long>(ts / 1000000000),
                  static_cast<long long>(ts % 1000000000), o.r.origlen, o.r.caplen);
    s += line;
  }
  return s;
}

bool have_tshark() { return std::filesystem::exists("/usr/bin/tshark"); }

TEST(TsharkOracle, PcapngSectionsResolutionsAndOffsets) {
  if (!have_tshark()) GTEST_SKIP() << "tshark not installed";
  auto bytes = cat({
      shb(false),
      idb(false, 1, 0, options(false).u8(if_tsresol, 9).end().done()),
      idb(false, 1, 0, options(false).u8(if_tsresol, 3).end().done()),
      idb(false, 1, 0, options(false).u8(if_tsresol, 0x94).u64(if_tsoffset, 1000).end().done()),
      epb(false, 0, 1700000000123456789ull, payload(60, 1), 100),
      epb(false, 1, 1700000000987ull, payload(61, 2)),
      epb(false, 2, (1600000000ull << 20) + (1ull << 19) + (1ull << 11), payload(62, 3), 1514),
      packet_block(false, 0, 1700000001000000001ull, payload(63, 4)),
      shb(true),
      idb(true, 1, 0, options(true).u64(if_tsoffset, static_cast<std::uint64_t>(-5)).end().done()),
      idb(true, 1, 0),
      epb(true, 1, 1700000002000001ull, payload(64, 5)),
      epb(true, 0, 1700000003000002ull, payload(65, 6), 70),
  });
  auto theirs = tshark_lines(bytes, "sections.pcapng");
  ASSERT_FALSE(theirs.empty());
  EXPECT_EQ(our_lines(bytes), theirs);
}

TEST(TsharkOracle, ClassicPcapVariants) {
  if (!have_tshark()) GTEST_SKIP() << "tshark not installed";
  for (std::uint32_t magic : {magic_us, magic_ns}) {
    for (bool big : {false, true}) {
      auto bytes = cat({pcap_header(big, magic, 65535, 1),
                        pcap_record(big, 1700000000, magic == magic_ns ? 999999999 : 999999, payload(40, 1), 60),
                        pcap_record(big, 4000000000u, 1, payload(41, 2)),
                        pcap_record(big, 0, 0, payload(42, 3), 42)});
      SCOPED_TRACE(std::to_string(magic) + (big ? " big" : " little"));
      auto theirs = tshark_lines(bytes, "v.pcap");
      ASSERT_FALSE(theirs.empty());
      EXPECT_EQ(our_lines(bytes), theirs);
    }
  }
}

}  // namespace
}  // namespace pcapscope::test
