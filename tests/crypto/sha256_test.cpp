// SHA-256 against the FIPS 180-4 / NIST CSHA example vectors, with each compression function.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pcapscope/util/sha256.hpp"

namespace pcapscope {
namespace {

util::bytes as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

std::string hex(const std::array<std::uint8_t, 32>& d) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  for (auto b : d) {
    s += digits[b >> 4];
    s += digits[b & 15];
  }
  return s;
}

TEST(Sha256, FipsOneBlockAbc) {
  EXPECT_EQ(hex(util::sha256_digest(as_bytes("abc"))),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sha256, Empty) {
  EXPECT_EQ(hex(util::sha256_digest({})),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Sha256, FipsTwoBlock) {
  EXPECT_EQ(hex(util::sha256_digest(
                as_bytes("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"))),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256, FipsFourBlockLong) {
  EXPECT_EQ(hex(util::sha256_digest(as_bytes(
                "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopq"
                "klmnopqrlmnopqrsmnopqrstnopqrstu"))),
            "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

TEST(Sha256, MillionAsIncrementalInOddChunks) {
  util::sha256 h;
  std::string chunk(997, 'a');
  std::size_t left = 1000000;
  while (left > 0) {
    std::size_t n = std::min(left, chunk.size());
    h.update(as_bytes(std::string_view(chunk).substr(0, n)));
    left -= n;
  }
  EXPECT_EQ(hex(h.finish()), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  // After reset the object is reusable.
  h.reset();
  h.update(as_bytes("ab"));
  h.update(as_bytes("c"));
  EXPECT_EQ(hex(h.finish()), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sha256, PaddingBoundariesByteAtATime) {
  // Lengths around the 56- and 64-byte padding boundaries, fed one byte at a time. Expected
  // digests computed with Python's hashlib (an independent implementation).
  const std::pair<std::size_t, const char*> cases[] = {
      {55, "d5e285683cd4efc02d021a5c62014694958901005d6f71e89e0989fac77e4072"},
      {56, "04c26261370ee7541549d16dee320c723e3fd14671e66a099afe0a377c16888e"},
      {57, "ae14a2563ccf969d99aca69ce6bb74981f734bbf9f655f73b8f06db68cab5217"},
      {63, "75220b47218278e656f2013bb8f0c455a25eaf01e86c64924e9d48d89776d6f2"},
      {64, "7ce100971f64e7001e8fe5a51973ecdfe1ced42befe7ee8d5fd6219506b5393c"},
      {65, "9537c5fdf120482f7d58d25e9ed583f52c02b4e304ea814db1633ad565aed7e9"},
      {119, "000b48d4edf0fa7bee3c6236ecd2785baa5db4eeb8bb54341b029e0d9fa5fb0c"},
      {120, "13f05a0b594787f5ecd315edc96141bd3243203d1b7d4f0836f37308b276ba98"},
  };
  for (const auto& [len, want] : cases) {
    std::string s(len, 'x');
    util::sha256 h;
    for (char c : s) h.update(as_bytes(std::string_view(&c, 1)));
    EXPECT_EQ(hex(h.finish()), want) << len;
  }
}

// Every compression function this build and CPU offer (the portable one always; the x86 SHA
// extensions on CPUs with them) against the FIPS 180-4 examples, the million-'a' vector and
// inputs of every length up to four blocks, where the two must agree byte for byte.
TEST(Sha256, EveryImplementationMatchesFipsVectors) {
  const util::sha256_impl before = util::sha256_active_impl();
  std::vector<util::sha256_impl> impls = {util::sha256_impl::portable};
  if (util::sha256_select_impl(util::sha256_impl::x86_sha)) {
    impls.push_back(util::sha256_impl::x86_sha);
  } else {
    std::printf("note: no x86 SHA extensions here; only the portable SHA-256 was checked\n");
  }
  std::vector<std::array<std::uint8_t, 32>> by_length[2];
  for (std::size_t k = 0; k < impls.size(); ++k) {
    ASSERT_TRUE(util::sha256_select_impl(impls[k]));
    ASSERT_EQ(util::sha256_active_impl(), impls[k]);
    EXPECT_EQ(hex(util::sha256_digest(as_bytes("abc"))),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(hex(util::sha256_digest(as_bytes("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"))),
              "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    EXPECT_EQ(hex(util::sha256_digest(as_bytes(
                  "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopq"
                  "klmnopqrlmnopqrsmnopqrstnopqrstu"))),
              "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
    std::string million(1000000, 'a');
    EXPECT_EQ(hex(util::sha256_digest(as_bytes(million))),
              "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    std::string text;
    for (std::size_t len = 0; len <= 256; ++len) {
      by_length[k].push_back(util::sha256_digest(as_bytes(text)));
      text += static_cast<char>(len * 131 + 7);
    }
  }
  if (impls.size() == 2) {
    EXPECT_EQ(by_length[0], by_length[1]);
  }
  util::sha256_select_impl(before);
}

}  // namespace
}  // namespace pcapscope
