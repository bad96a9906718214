// capture_file::read_all through memory mappings (file_options::map_input): the same records,
// summary and anomalies as through read(), at every window size; files that grow or shrink
// while they are mapped; SIGBUS faults that are not ours still reach the handler they had.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "capture/builders.hpp"
#include "pcapscope/capture/file.hpp"

namespace pcapscope {
namespace {

namespace fs = std::filesystem;
using test::build::byte_vec;

// What a handler saw of each record: enough to tell records, their bytes and offsets apart.
struct seen_record {
  std::int64_t ts_ns;
  std::uint32_t caplen, origlen;
  std::uint64_t record_offset;
  std::uint64_t sum;  // position-weighted byte sum of the data
  bool operator==(const seen_record&) const = default;
};

class recording_handler : public capture::handler {
 public:
  void on_record(const capture::record& r) override {
    std::uint64_t s = 0;
    for (std::size_t i = 0; i < r.data.size(); ++i) s = s * 31 + r.data[i] + i;
    records.push_back({r.ts_ns, r.caplen, r.origlen, r.record_offset, s});
    if (after_first && records.size() == 1) after_first();
  }
  void on_anomaly(const capture::anomaly&) override { ++anomalies; }
  std::vector<seen_record> records;
  std::size_t anomalies = 0;
  std::function<void()> after_first;
};

// A temporary file removed at the end of the test.
class temp_file {
 public:
  explicit temp_file(const byte_vec& bytes) {
    static int n = 0;
    path_ = (fs::temp_directory_path() / ("pcapscope-mapped-" + std::to_string(::getpid()) + "-" +
                                          std::to_string(n++)))
                .string();
    write(bytes);
  }
  ~temp_file() { std::remove(path_.c_str()); }
  void write(const byte_vec& bytes) const {
    FILE* f = std::fopen(path_.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    ASSERT_EQ(std::fwrite(bytes.data(), 1, bytes.size(), f), bytes.size());
    std::fclose(f);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Records of sizes 0..1600 (so they straddle every page, step and window boundary), pcap.
byte_vec pcap_bytes(int records, bool big = false, std::uint32_t seed = 1) {
  byte_vec v = test::build::pcap_header(big);
  for (int i = 0; i < records; ++i) {
    const std::size_t len = (i * 397u + seed * 131u) % 1601;
    auto rec = test::build::pcap_record(big, 1000 + i, static_cast<std::uint32_t>(i),
                                        test::build::payload(len, static_cast<std::uint8_t>(i + seed)));
    v.insert(v.end(), rec.begin(), rec.end());
  }
  return v;
}

byte_vec pcapng_bytes(int records, bool big) {
  byte_vec v = test::build::cat({test::build::shb(big), test::build::idb(big)});
  for (int i = 0; i < records; ++i) {
    const std::size_t len = (i * 211u) % 1500;
    auto rec = test::build::epb(big, 0, 1'000'000u + static_cast<std::uint64_t>(i) * 17,
                                test::build::payload(len, static_cast<std::uint8_t>(i)));
    v.insert(v.end(), rec.begin(), rec.end());
  }
  return v;
}

struct pass_result {
  capture::status st;
  bool mapped = false;
  recording_handler h;
  capture::capture_info info;
};

void read_with(const std::string& path, bool map, std::size_t window, std::size_t chunk, pass_result& out,
               std::function<void()> after_first = {}) {
  capture::file_options o;
  o.map_input = map;
  o.map_window = window;
  o.chunk_size = chunk;
  std::string err;
  auto f = capture::capture_file::open(path, err, o);
  ASSERT_TRUE(f) << err;
  out.h.after_first = std::move(after_first);
  out.st = f->read_all(&out.h);
  out.mapped = f->mapped();
  out.info = f->get_reader().info();
}

void expect_same(const pass_result& a, const pass_result& b) {
  EXPECT_EQ(a.st.ok, b.st.ok);
  EXPECT_EQ(a.st.message, b.st.message);
  EXPECT_EQ(a.h.records, b.h.records);
  EXPECT_EQ(a.h.anomalies, b.h.anomalies);
  EXPECT_EQ(a.info.packets, b.info.packets);
  EXPECT_EQ(a.info.bytes_captured, b.info.bytes_captured);
  EXPECT_EQ(a.info.bytes_consumed, b.info.bytes_consumed);
  EXPECT_EQ(a.info.bytes_unparsed, b.info.bytes_unparsed);
  EXPECT_EQ(a.info.anomalies.size(), b.info.anomalies.size());
}

TEST(MappedFile, SameRecordsAsReadAtEveryWindowSize) {
  const long page = ::sysconf(_SC_PAGESIZE);
  for (const byte_vec& bytes : {pcap_bytes(700), pcap_bytes(500, true, 3), pcapng_bytes(600, false),
                                pcapng_bytes(400, true)}) {
    temp_file f(bytes);
    pass_result plain;
    read_with(f.path(), false, 0, 1 << 20, plain);
    ASSERT_TRUE(plain.st.ok) << plain.st.message;
    ASSERT_FALSE(plain.mapped);
    ASSERT_GT(plain.h.records.size(), 300u);
    for (std::size_t window : {std::size_t{1}, std::size_t(page) * 3, std::size_t{65536} + page,
                               std::size_t{32} << 20}) {
      for (std::size_t chunk : {std::size_t{4096}, std::size_t{1} << 20}) {
        SCOPED_TRACE("window " + std::to_string(window) + " chunk " + std::to_string(chunk));
        pass_result m;
        read_with(f.path(), true, window, chunk, m);
        EXPECT_TRUE(m.mapped);
        expect_same(m, plain);
      }
    }
  }
}

TEST(MappedFile, CutRecordAndGarbageTailReportedAsThroughRead) {
  byte_vec bytes = pcap_bytes(300);
  const byte_vec cut(bytes.begin(), bytes.end() - 700);  // ends inside a record
  byte_vec garbage = pcap_bytes(200);
  const byte_vec bad_len = test::build::pcap_record(false, 1, 2, test::build::payload(10), 0, 0x7FFFFFFF);
  garbage.insert(garbage.end(), bad_len.begin(), bad_len.end());
  garbage.resize(garbage.size() + 100000, 0x55);  // unread after the fatal length
  for (const byte_vec* b : std::vector<const byte_vec*>{&cut, &garbage}) {
    temp_file f(*b);
    pass_result plain, m;
    read_with(f.path(), false, 0, 1 << 20, plain);
    read_with(f.path(), true, 8192, 1 << 20, m);
    EXPECT_TRUE(m.mapped);
    expect_same(m, plain);
    EXPECT_GT(plain.h.anomalies, 0u);
  }
}

TEST(MappedFile, GzipAndDisabledMappingUseRead) {
  temp_file f(pcap_bytes(50));
  pass_result off;
  read_with(f.path(), false, 1 << 20, 1 << 20, off);
  EXPECT_FALSE(off.mapped);
  ::setenv("PCAPSCOPE_NO_MMAP", "1", 1);
  pass_result env;
  read_with(f.path(), true, 1 << 20, 1 << 20, env);
  ::unsetenv("PCAPSCOPE_NO_MMAP");
  EXPECT_FALSE(env.mapped);
  expect_same(env, off);
  if (std::system("command -v gzip >/dev/null 2>&1") != 0) GTEST_SKIP() << "no gzip";
  ASSERT_EQ(std::system(("gzip -c " + f.path() + " > " + f.path() + ".gz").c_str()), 0);
  pass_result gz;
  read_with(f.path() + ".gz", true, 1 << 20, 1 << 20, gz);
  std::remove((f.path() + ".gz").c_str());
  EXPECT_FALSE(gz.mapped);
  EXPECT_EQ(gz.h.records, off.h.records);
}

TEST(MappedFile, FileThatGrowsIsReadToItsNewEnd) {
  // The appended records start at an offset that is not a page boundary, so the second window
  // is mapped from the page before it.
  const byte_vec first = pcap_bytes(120);
  ASSERT_NE(first.size() % 4096, 0u);
  byte_vec more;
  for (int i = 0; i < 80; ++i) {
    auto rec = test::build::pcap_record(false, 5000 + i, 0, test::build::payload(100 + i, 9));
    more.insert(more.end(), rec.begin(), rec.end());
  }
  for (bool map : {false, true}) {
    temp_file f(first);
    pass_result r;
    read_with(f.path(), map, 32 << 20, 1 << 20, r, [&] {
      FILE* a = std::fopen(f.path().c_str(), "ab");
      ASSERT_NE(a, nullptr);
      std::fwrite(more.data(), 1, more.size(), a);
      std::fclose(a);
    });
    EXPECT_EQ(r.mapped, map);
    EXPECT_TRUE(r.st.ok) << r.st.message;
    ASSERT_EQ(r.h.records.size(), 200u) << "map " << map;
    EXPECT_EQ(r.h.records.back().ts_ns, std::int64_t{5079} * 1'000'000'000);
  }
}

TEST(MappedFile, FileThatShrinksWhileMappedIsAnErrorNotACrash) {
  const byte_vec bytes = pcap_bytes(2000);  // ~1.6 MB: one window maps it all
  temp_file f(bytes);
  pass_result r;
  read_with(f.path(), true, 32 << 20, 1 << 20, r, [&] {
    ASSERT_EQ(::truncate(f.path().c_str(), 256 * 1024), 0);  // a page boundary inside the 4th step
  });
  EXPECT_TRUE(r.mapped);
  EXPECT_FALSE(r.st.ok);
  EXPECT_NE(r.st.message.find("shrank"), std::string::npos) << r.st.message;
  EXPECT_NE(r.st.message.find("262144 bytes"), std::string::npos) << r.st.message;
  EXPECT_LT(r.h.records.size(), 2000u);
  EXPECT_GT(r.h.records.size(), 100u);  // the records before the cut were read
  // The next file maps and reads normally: the guard slot was given back.
  temp_file g(pcap_bytes(100));
  pass_result ok;
  read_with(g.path(), true, 32 << 20, 1 << 20, ok);
  EXPECT_TRUE(ok.st.ok) << ok.st.message;
  EXPECT_EQ(ok.h.records.size(), 100u);
}

// The handler installed for mapped reads passes on SIGBUS it does not own: to the handler that
// was there before, or to the default action.
volatile sig_atomic_t g_foreign_sigbus = 0;
void foreign_handler(int) { g_foreign_sigbus = 1; }

void mapped_read_then_raise() {
  temp_file f(pcap_bytes(20));
  pass_result r;
  read_with(f.path(), true, 32 << 20, 1 << 20, r);
  if (!r.mapped || !r.st.ok) std::_Exit(3);
  ::raise(SIGBUS);
}

TEST(MappedFileDeathTest, ForeignSigbusReachesThePreviousHandler) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        ::signal(SIGBUS, foreign_handler);
        mapped_read_then_raise();
        std::_Exit(g_foreign_sigbus ? 7 : 1);
      },
      ::testing::ExitedWithCode(7), "");
  EXPECT_EXIT(
      {
        ::signal(SIGBUS, SIG_DFL);
        mapped_read_then_raise();
        std::_Exit(1);
      },
      ::testing::KilledBySignal(SIGBUS), "");
}

}  // namespace
}  // namespace pcapscope
