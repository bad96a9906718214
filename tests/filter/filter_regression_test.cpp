// Filter inputs the fuzzer once broke (tests/fuzz/regressions/filter-*.txt) compile or fail
// cleanly; the sanitizer build turns a relapse into a failure.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "pcapscope/filter/filter.hpp"

namespace {

using namespace pcapscope;

TEST(FilterRegressions, TimeLiteralBeyondInt64IsAnError) {
  filter::filter f;
  filter::error err;
  EXPECT_FALSE(filter::filter::compile("frame.time_relative > 12222222222", f, err));
  EXPECT_FALSE(err.to_string().empty());
  EXPECT_TRUE(filter::filter::compile("frame.time_relative > 9223372035", f, err)) << err.to_string();
}

TEST(FilterRegressions, KeptFuzzInputsCompileOrFailCleanly) {
  std::filesystem::path dir = std::filesystem::path(PCAPSCOPE_SOURCE_DIR) / "tests/fuzz/regressions";
  std::size_t n = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().filename().string().rfind("filter-", 0) != 0) continue;
    std::ifstream in(e.path(), std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    filter::filter f;
    filter::error err;
    if (!filter::filter::compile(text, f, err)) {
      EXPECT_FALSE(err.to_string().empty()) << e.path();
    }
    ++n;
  }
  EXPECT_GE(n, 1u);
}

}  // namespace
