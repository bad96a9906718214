// HMAC-SHA256 against RFC 4231, HKDF against RFC 5869 (SHA-256 cases) and HKDF-Expand-Label
// against the QUIC labels and secrets of RFC 9001 Appendix A.1.
#include <gtest/gtest.h>

#include <vector>

#include "crypto/hex.hpp"
#include "pcapscope/crypto/hmac.hpp"

namespace pcapscope {
namespace {

using test::from_hex;
using test::str_bytes;
using test::to_hex;

std::vector<std::uint8_t> fill(std::size_t n, std::uint8_t v) { return std::vector<std::uint8_t>(n, v); }

TEST(HmacSha256, Rfc4231) {
  struct tc {
    std::vector<std::uint8_t> key, data;
    const char* mac;
  };
  auto seq = [](std::uint8_t a, std::uint8_t b) {
    std::vector<std::uint8_t> v;
    for (unsigned x = a; x <= b; ++x) v.push_back(static_cast<std::uint8_t>(x));
    return v;
  };
  auto s = [](const char* t) {
    auto b = str_bytes(t);
    return std::vector<std::uint8_t>(b.begin(), b.end());
  };
  const tc cases[] = {
      {fill(20, 0x0b), s("Hi There"), "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
      {s("Jefe"), s("what do ya want for nothing?"),
       "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
      {fill(20, 0xaa), fill(50, 0xdd), "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
      {seq(1, 25), fill(50, 0xcd), "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
      {fill(131, 0xaa), s("Test Using Larger Than Block-Size Key - Hash Key First"),
       "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
      {fill(131, 0xaa),
       s("This is a test using a larger than block-size key and a larger than block-size data. The "
         "key needs to be hashed before being used by the HMAC algorithm."),
       "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"},
  };
  for (const auto& c : cases) EXPECT_EQ(to_hex(crypto::hmac_sha256_digest(c.key, c.data)), c.mac);
  // Test case 5: output truncated to 128 bits.
  auto t5 = crypto::hmac_sha256_digest(fill(20, 0x0c), str_bytes("Test With Truncation"));
  EXPECT_EQ(to_hex(util::bytes(t5.data(), 16)), "a3b6167473100ee06e0c796c2955552b");
}

TEST(HmacSha256, IncrementalEqualsOneShot) {
  crypto::hmac_sha256 h(str_bytes("Jefe"));
  h.update(str_bytes("what do ya "));
  h.update(str_bytes("want for nothing?"));
  EXPECT_EQ(to_hex(h.finish()), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

struct hkdf_case {
  std::vector<std::uint8_t> ikm, salt, info;
  std::size_t length;
  const char* prk;
  const char* okm;
};

TEST(Hkdf, Rfc5869Sha256Cases) {
  auto seq = [](unsigned a, unsigned b) {
    std::vector<std::uint8_t> v;
    for (unsigned x = a; x <= b; ++x) v.push_back(static_cast<std::uint8_t>(x));
    return v;
  };
  const hkdf_case cases[] = {
      {fill(22, 0x0b), seq(0x00, 0x0c), seq(0xf0, 0xf9), 42,
       "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5",
       "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"},
      {seq(0x00, 0x4f), seq(0x60, 0xaf), seq(0xb0, 0xff), 82,
       "06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244",
       "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271cb41c65e590e"
       "09da3275600c2f09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87"},
      {fill(22, 0x0b), {}, {}, 42, "19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04",
       "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"},
  };
  for (const auto& c : cases) {
    auto prk = crypto::hkdf_extract(c.salt, c.ikm);
    EXPECT_EQ(to_hex(prk), c.prk);
    std::vector<std::uint8_t> okm(c.length);
    ASSERT_TRUE(crypto::hkdf_expand(prk, c.info, okm));
    EXPECT_EQ(to_hex(okm), c.okm);
  }
}

TEST(Hkdf, ExpandRejectsTooLongOutput) {
  std::vector<std::uint8_t> prk(32, 1), out(255 * 32 + 1, 0xEE);
  EXPECT_FALSE(crypto::hkdf_expand(prk, {}, out));
  EXPECT_EQ(out[0], 0xEE);
  out.resize(255 * 32);
  EXPECT_TRUE(crypto::hkdf_expand(prk, {}, out));
}

TEST(Hkdf, ExpandLabelRfc9001A1) {
  // RFC 9001 A.1: initial_secret from the v1 salt and DCID 8394c8f03e515708, then the labels.
  auto salt = from_hex("38762cf7f55934b34d179ae6a4c80cadccbb7f0a");
  auto dcid = from_hex("8394c8f03e515708");
  auto initial = crypto::hkdf_extract(salt, dcid);
  EXPECT_EQ(to_hex(initial), "7db5df06e7a69e432496adedb00851923595221596ae2ae9fb8115c1e9ed0a44");
  std::uint8_t client[32], server[32], key[16], iv[12], hp[16];
  ASSERT_TRUE(crypto::hkdf_expand_label(initial, "client in", {}, client));
  EXPECT_EQ(to_hex(client), "c00cf151ca5be075ed0ebfb5c80323c42d6b7db67881289af4008f1f6c357aea");
  ASSERT_TRUE(crypto::hkdf_expand_label(client, "quic key", {}, key));
  EXPECT_EQ(to_hex(key), "1f369613dd76d5467730efcbe3b1a22d");
  ASSERT_TRUE(crypto::hkdf_expand_label(client, "quic iv", {}, iv));
  EXPECT_EQ(to_hex(iv), "fa044b2f42a3fd3b46fb255c");
  ASSERT_TRUE(crypto::hkdf_expand_label(client, "quic hp", {}, hp));
  EXPECT_EQ(to_hex(hp), "9f50449e04a0e810283a1e9933adedd2");
  ASSERT_TRUE(crypto::hkdf_expand_label(initial, "server in", {}, server));
  EXPECT_EQ(to_hex(server), "3c199828fd139efd216c155ad844cc81fb82fa8d7446fa7d78be803acdda951b");
  ASSERT_TRUE(crypto::hkdf_expand_label(server, "quic key", {}, key));
  EXPECT_EQ(to_hex(key), "cf3a5331653c364c88f0f379b6067e37");
  ASSERT_TRUE(crypto::hkdf_expand_label(server, "quic iv", {}, iv));
  EXPECT_EQ(to_hex(iv), "0ac1493ca1905853b0bba03e");
  ASSERT_TRUE(crypto::hkdf_expand_label(server, "quic hp", {}, hp));
  EXPECT_EQ(to_hex(hp), "c206b8d9b9f0f37644430b490eeaa314");
}

TEST(Hkdf, ExpandLabelRfc9001A5ChaChaSecretLabels) {
  // RFC 9001 A.5 derives 32-byte values with the same function; a second, independent check.
  auto secret = from_hex("9ac312a7f877468ebe69422748ad00a15443f18203a07d6060f688f30f21632b");
  std::uint8_t key[32], iv[12], ku[32];
  ASSERT_TRUE(crypto::hkdf_expand_label(secret, "quic key", {}, key));
  EXPECT_EQ(to_hex(key), "c6d98ff3441c3fe1b2182094f69caa2ed4b716b65488960a7a984979fb23e1c8");
  ASSERT_TRUE(crypto::hkdf_expand_label(secret, "quic iv", {}, iv));
  EXPECT_EQ(to_hex(iv), "e0459b3474bdd0e44a41c144");
  ASSERT_TRUE(crypto::hkdf_expand_label(secret, "quic ku", {}, ku));
  EXPECT_EQ(to_hex(ku), "1223504755036d556342ee9361d253421a826c9ecdf3c7148684b36b714881f9");
}

TEST(Hkdf, ExpandLabelRejectsOversizedLabelAndContext) {
  std::vector<std::uint8_t> secret(32, 7), ctx(256, 1);
  std::uint8_t out[16];
  std::string label(250, 'a');
  EXPECT_FALSE(crypto::hkdf_expand_label(secret, label, {}, out));
  EXPECT_FALSE(crypto::hkdf_expand_label(secret, "x", ctx, out));
  label.resize(249);
  EXPECT_TRUE(crypto::hkdf_expand_label(secret, label, util::bytes(ctx.data(), 255), out));
}

}  // namespace
}  // namespace pcapscope
