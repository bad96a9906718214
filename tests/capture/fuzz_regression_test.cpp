// Inputs the fuzzers once broke (tests/fuzz/regressions): read, dissect and build the field tree
// of every packet; the sanitizer builds (asan preset) turn any relapse into a failure.
#include <gtest/gtest.h>

#include <filesystem>

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

TEST(FuzzRegressions, EveryKeptInputReadsCleanly) {
  std::filesystem::path dir = std::filesystem::path(PCAPSCOPE_SOURCE_DIR) / "tests/fuzz/regressions";
  std::size_t files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    auto bytes = read_file(e.path());
    tree_checker h;
    capture::reader r(&h);
    r.feed(bytes);
    r.finish();
    const auto& info = r.info();
    EXPECT_EQ(info.packets, h.packets) << e.path();
    EXPECT_EQ(info.bytes_consumed + info.bytes_unparsed, bytes.size()) << e.path();
    ++files;
  }
  EXPECT_GE(files, 1u);
}

}  // namespace
}  // namespace pcapscope::test
