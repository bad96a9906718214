// Inputs the capture-level fuzzers once broke: the files directly in tests/fuzz/regressions and
// those in its reader_fuzz/, pcapng_fuzz/ and pipeline_fuzz/ folders. Each is read, every packet
// dissected with its field tree built, and run through the whole analysis pass; the sanitizer
// builds (asan preset) turn any relapse into a failure. (scripts/fuzz-smoke.sh also replays
// every target's folder through the target itself.)
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "pcapscope/analyze/analyzer.hpp"
#include "pcapscope/dissect/detail.hpp"
#include "support/test_support.hpp"

namespace pcapscope::test {
namespace {

class tree_checker : public capture::handler {
 public:
  void on_record(const capture::record& r) override {
    dissect::frame_meta m;
    m.caplen = r.caplen;
    m.origlen = r.origlen;
    m.link_type = r.link_type;
    for (const auto& n : dissect::detail(r.data, m)) {
      EXPECT_LE(std::uint64_t{n.offset} + n.length, r.data.size()) << n.name;
    }
    ++packets;
  }
  std::uint64_t packets = 0;
};

// Capture-level regressions: top-level files other than the dns-/filter- inputs of the
// parser-only tests, and every file of the capture targets' folders.
std::vector<std::filesystem::path> capture_regressions() {
  std::filesystem::path dir = std::filesystem::path(PCAPSCOPE_SOURCE_DIR) / "tests/fuzz/regressions";
  std::vector<std::filesystem::path> out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    auto name = e.path().filename().string();
    if (name.rfind("dns-", 0) == 0 || name.rfind("filter-", 0) == 0) continue;
    out.push_back(e.path());
  }
  for (const char* target : {"reader_fuzz", "pcapng_fuzz", "pipeline_fuzz"}) {
    if (!std::filesystem::is_directory(dir / target)) continue;
    for (const auto& e : std::filesystem::directory_iterator(dir / target)) {
      if (e.is_regular_file()) out.push_back(e.path());
    }
  }
  return out;
}

TEST(FuzzRegressions, EveryKeptInputReadsCleanly) {
  std::size_t files = 0;
  for (const auto& path : capture_regressions()) {
    auto bytes = read_file(path);
    tree_checker h;
    capture::reader r(&h);
    r.feed(bytes);
    r.finish();
    const auto& info = r.info();
    EXPECT_EQ(info.packets, h.packets) << path;
    EXPECT_EQ(info.bytes_consumed + info.bytes_unparsed, bytes.size()) << path;
    ++files;
  }
  EXPECT_GE(files, 1u);
}

TEST(FuzzRegressions, EveryKeptInputRunsThroughTheAnalysis) {
  for (const auto& path : capture_regressions()) {
    auto bytes = read_file(path);
    analyze::analyzer a;
    capture::reader r(&a);
    r.feed(bytes);
    r.finish();
    a.finish();
    EXPECT_EQ(a.index().size(), r.info().packets) << path;
    for (std::size_t i = 0; i < a.index().size(); ++i) {
      EXPECT_LE(a.index().flow[i], a.flows().size()) << path;
    }
  }
}

}  // namespace
}  // namespace pcapscope::test
