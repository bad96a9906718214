// AES-128 against FIPS 197 (Appendix B and C.1) and AES-128-GCM against the test cases 1-6 of
// McGrew & Viega, "The Galois/Counter Mode of Operation (GCM)", Appendix B.
#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "crypto/hex.hpp"
#include "pcapscope/crypto/aes.hpp"
#include "pcapscope/crypto/gcm.hpp"

namespace pcapscope {
namespace {

using test::from_hex;
using test::to_hex;

TEST(Aes128, Fips197) {
  struct tc {
    const char *key, *in, *out;
  };
  const tc cases[] = {
      {"2b7e151628aed2a6abf7158809cf4f3c", "3243f6a8885a308d313198a2e0370734",
       "3925841d02dc09fbdc118597196a0b32"},  // Appendix B
      {"000102030405060708090a0b0c0d0e0f", "00112233445566778899aabbccddeeff",
       "69c4e0d86a7b0430d8cdb78070b4c55a"},  // Appendix C.1
  };
  for (const auto& c : cases) {
    crypto::aes128 a;
    ASSERT_TRUE(a.set_key(from_hex(c.key)));
    auto in = from_hex(c.in);
    std::uint8_t out[16];
    a.encrypt_block(in.data(), out);
    EXPECT_EQ(to_hex(out), c.out);
    // In place.
    a.encrypt_block(in.data(), in.data());
    EXPECT_EQ(to_hex(in), c.out);
    crypto::aes_block ecb{};
    ASSERT_TRUE(crypto::aes128_ecb_encrypt(from_hex(c.key), from_hex(c.in), ecb));
    EXPECT_EQ(to_hex(ecb), c.out);
  }
}

TEST(Aes128, HeaderProtectionMaskRfc9001) {
  // RFC 9001 A.2 and A.3: mask = AES-ECB(hp, sample).
  crypto::aes_block m{};
  ASSERT_TRUE(crypto::aes128_ecb_encrypt(from_hex("9f50449e04a0e810283a1e9933adedd2"),
                                         from_hex("d1b1c98dd7689fb8ec11d242b123dc9b"), m));
  EXPECT_EQ(to_hex(util::bytes(m.data(), 5)), "437b9aec36");
  ASSERT_TRUE(crypto::aes128_ecb_encrypt(from_hex("c206b8d9b9f0f37644430b490eeaa314"),
                                         from_hex("2cd0991cd25b0aac406a5816b6394100"), m));
  EXPECT_EQ(to_hex(util::bytes(m.data(), 5)), "2ec0d8356a");
}

TEST(Aes128, RejectsWrongKeySize) {
  crypto::aes128 a;
  EXPECT_FALSE(a.set_key(from_hex("0011")));
  crypto::aes_block out{};
  EXPECT_FALSE(crypto::aes128_ecb_encrypt(from_hex("00"), from_hex("00112233445566778899aabbccddeeff"), out));
  EXPECT_FALSE(crypto::aes128_ecb_encrypt(from_hex("000102030405060708090a0b0c0d0e0f"), from_hex("00"), out));
}

struct gcm_case {
  const char *key, *iv, *pt, *aad, *ct, *tag;
};

const gcm_case gcm_cases[] = {
    {"00000000000000000000000000000000", "000000000000000000000000", "", "", "",
     "58e2fccefa7e3061367f1d57a4e7455a"},
    {"00000000000000000000000000000000", "000000000000000000000000", "00000000000000000000000000000000",
     "", "0388dace60b6a392f328c2b971b2fe78", "ab6e47d42cec13bdf53a67b21257bddf"},
    {"feffe9928665731c6d6a8f9467308308", "cafebabefacedbaddecaf888",
     "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525"
     "b16aedf5aa0de657ba637b391aafd255",
     "",
     "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa05"
     "1ba30b396a0aac973d58e091473f5985",
     "4d5c2af327cd64a62cf35abd2ba6fab4"},
    {"feffe9928665731c6d6a8f9467308308", "cafebabefacedbaddecaf888",
     "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525"
     "b16aedf5aa0de657ba637b39",
     "feedfacedeadbeeffeedfacedeadbeefabaddad2",
     "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa05"
     "1ba30b396a0aac973d58e091",
     "5bc94fbc3221a5db94fae95ae7121a47"},
    {"feffe9928665731c6d6a8f9467308308", "cafebabefacedbad",
     "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525"
     "b16aedf5aa0de657ba637b39",
     "feedfacedeadbeeffeedfacedeadbeefabaddad2",
     "61353b4c2806934a777ff51fa22a4755699b2a714fcdc6f83766e5f97b6c742373806900e49f24b22b097544d4896b42"
     "4989b5e1ebac0f07c23f4598",
     "3612d2e79e3b0785561be14aaca2fccb"},
    {"feffe9928665731c6d6a8f9467308308",
     "9313225df88406e555909c5aff5269aa6a7a9538534f7da1e4c303d2a318a728c3c0c95156809539fcf0e2429a6b5254"
     "16aedbf5a0de6a57a637b39b",
     "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525"
     "b16aedf5aa0de657ba637b39",
     "feedfacedeadbeeffeedfacedeadbeefabaddad2",
     "8ce24998625615b603a033aca13fb894be9112a5c3a211a8ba262a3cca7e2ca701e4a9a4fba43c90ccdcb281d48c7c6f"
     "d62875d2aca417034c34aee5",
     "619cc5aefffe0bfa462af43c1699d050"},
};

TEST(Aes128Gcm, SpecTestCases1To6Decrypt) {
  int n = 1;
  for (const auto& c : gcm_cases) {
    crypto::aes128_gcm g;
    ASSERT_TRUE(g.set_key(from_hex(c.key)));
    auto ct = from_hex(c.ct);
    std::vector<std::uint8_t> pt(ct.size());
    EXPECT_TRUE(g.decrypt(from_hex(c.iv), from_hex(c.aad), ct, from_hex(c.tag), pt)) << "case " << n;
    EXPECT_EQ(to_hex(pt), c.pt) << "case " << n;
    ++n;
  }
}

TEST(Aes128Gcm, SpecTestCases1To6Encrypt) {
  int n = 1;
  for (const auto& c : gcm_cases) {
    crypto::aes128_gcm g;
    ASSERT_TRUE(g.set_key(from_hex(c.key)));
    auto pt = from_hex(c.pt);
    std::vector<std::uint8_t> ct(pt.size());
    std::array<std::uint8_t, 16> tag{};
    ASSERT_TRUE(g.encrypt(from_hex(c.iv), from_hex(c.aad), pt, ct, tag));
    EXPECT_EQ(to_hex(ct), c.ct) << "case " << n;
    EXPECT_EQ(to_hex(tag), c.tag) << "case " << n;
    ++n;
  }
}

TEST(Aes128Gcm, TamperedInputsFailAndZeroOutput) {
  const auto& c = gcm_cases[3];
  crypto::aes128_gcm g;
  ASSERT_TRUE(g.set_key(from_hex(c.key)));
  auto iv = from_hex(c.iv), aad = from_hex(c.aad), ct = from_hex(c.ct), tag = from_hex(c.tag);
  std::vector<std::uint8_t> pt(ct.size(), 0x55);
  auto bad = ct;
  bad[7] ^= 1;
  EXPECT_FALSE(g.decrypt(iv, aad, bad, tag, pt));
  EXPECT_EQ(pt, std::vector<std::uint8_t>(ct.size(), 0));
  auto bad_aad = aad;
  bad_aad[0] ^= 0x80;
  EXPECT_FALSE(g.decrypt(iv, bad_aad, ct, tag, pt));
  auto bad_tag = tag;
  bad_tag[15] ^= 1;
  EXPECT_FALSE(g.decrypt(iv, aad, ct, bad_tag, pt));
  auto bad_iv = iv;
  bad_iv[11] ^= 1;
  EXPECT_FALSE(g.decrypt(bad_iv, aad, ct, tag, pt));
  // Wrong sizes are rejected, not read past.
  EXPECT_FALSE(g.decrypt(iv, aad, ct, util::bytes(tag.data(), 15), pt));
  std::vector<std::uint8_t> small(ct.size() - 1);
  EXPECT_FALSE(g.decrypt(iv, aad, ct, tag, small));
  // In place works.
  EXPECT_TRUE(g.decrypt(iv, aad, ct, tag, ct));
  EXPECT_EQ(to_hex(ct), c.pt);
}

}  // namespace
}  // namespace pcapscope
