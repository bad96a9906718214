// QUIC: RFC 9001 Appendix A (keys, header protection, the client and server Initial packets),
// RFC 9369 Appendix A (v2), RFC 9000 Appendix A (varints, packet numbers), the logger on those
// packets and on hand-built ones (a ClientHello split over packets and datagrams), and hostile
// inputs: lying lengths, far CRYPTO offsets, huge counts, fragmentation, memory caps.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "crypto/hex.hpp"
#include "pcapscope/app/quic.hpp"
#include "pcapscope/app/quic_log.hpp"

namespace pcapscope {
namespace {

using test::from_hex;
using test::to_hex;
using app::quic_anomaly;

// RFC 9001 A.2: the protected client Initial (1200 bytes).
const char* const rfc_client_initial =
    "c000000001088394c8f03e5157080000449e7b9aec34d1b1c98dd7689fb8ec11"
    "d242b123dc9bd8bab936b47d92ec356c0bab7df5976d27cd449f63300099f399"
    "1c260ec4c60d17b31f8429157bb35a1282a643a8d2262cad67500cadb8e7378c"
    "8eb7539ec4d4905fed1bee1fc8aafba17c750e2c7ace01e6005f80fcb7df6212"
    "30c83711b39343fa028cea7f7fb5ff89eac2308249a02252155e2347b63d58c5"
    "457afd84d05dfffdb20392844ae812154682e9cf012f9021a6f0be17ddd0c208"
    "4dce25ff9b06cde535d0f920a2db1bf362c23e596d11a4f5a6cf3948838a3aec"
    "4e15daf8500a6ef69ec4e3feb6b1d98e610ac8b7ec3faf6ad760b7bad1db4ba3"
    "485e8a94dc250ae3fdb41ed15fb6a8e5eba0fc3dd60bc8e30c5c4287e53805db"
    "059ae0648db2f64264ed5e39be2e20d82df566da8dd5998ccabdae053060ae6c"
    "7b4378e846d29f37ed7b4ea9ec5d82e7961b7f25a9323851f681d582363aa5f8"
    "9937f5a67258bf63ad6f1a0b1d96dbd4faddfcefc5266ba6611722395c906556"
    "be52afe3f565636ad1b17d508b73d8743eeb524be22b3dcbc2c7468d54119c74"
    "68449a13d8e3b95811a198f3491de3e7fe942b330407abf82a4ed7c1b311663a"
    "c69890f4157015853d91e923037c227a33cdd5ec281ca3f79c44546b9d90ca00"
    "f064c99e3dd97911d39fe9c5d0b23a229a234cb36186c4819e8b9c5927726632"
    "291d6a418211cc2962e20fe47feb3edf330f2c603a9d48c0fcb5699dbfe58964"
    "25c5bac4aee82e57a85aaf4e2513e4f05796b07ba2ee47d80506f8d2c25e50fd"
    "14de71e6c418559302f939b0e1abd576f279c4b2e0feb85c1f28ff18f58891ff"
    "ef132eef2fa09346aee33c28eb130ff28f5b766953334113211996d20011a198"
    "e3fc433f9f2541010ae17c1bf202580f6047472fb36857fe843b19f5984009dd"
    "c324044e847a4f4a0ab34f719595de37252d6235365e9b84392b061085349d73"
    "203a4a13e96f5432ec0fd4a1ee65accdd5e3904df54c1da510b0ff20dcc0c77f"
    "cb2c0e0eb605cb0504db87632cf3d8b4dae6e705769d1de354270123cb11450e"
    "fc60ac47683d7b8d0f811365565fd98c4c8eb936bcab8d069fc33bd801b03ade"
    "a2e1fbc5aa463d08ca19896d2bf59a071b851e6c239052172f296bfb5e724047"
    "90a2181014f3b94a4e97d117b438130368cc39dbb2d198065ae3986547926cd2"
    "162f40a29f0c3c8745c0f50fba3852e566d44575c29d39a03f0cda721984b6f4"
    "40591f355e12d439ff150aab7613499dbd49adabc8676eef023b15b65bfc5ca0"
    "6948109f23f350db82123535eb8a7433bdabcb909271a6ecbcb58b936a88cd4e"
    "8f2e6ff5800175f113253d8fa9ca8885c2f552e657dc603f252e1a8e308f76f0"
    "be79e2fb8f5d5fbbe2e30ecadd220723c8c0aea8078cdfcb3868263ff8f09400"
    "54da48781893a7e49ad5aff4af300cd804a6b6279ab3ff3afb64491c85194aab"
    "760d58a606654f9f4400e8b38591356fbf6425aca26dc85244259ff2b19c41b9"
    "f96f3ca9ec1dde434da7d2d392b905ddf3d1f9af93d1af5950bd493f5aa731b4"
    "056df31bd267b6b90a079831aaf579be0a39013137aac6d404f518cfd4684064"
    "7e78bfe706ca4cf5e9c5453e9f7cfd2b8b4c8d169a44e55c88d4a9a7f9474241"
    "e221af44860018ab0856972e194cd934";

// RFC 9001 A.2: the CRYPTO frame of the client Initial (the rest of its 1162-byte payload is PADDING).
const char* const rfc_client_crypto_frame =
    "060040f1010000ed0303ebf8fa56f12939b9584a3896472ec40bb863cfd3e868"
    "04fe3a47f06a2b69484c00000413011302010000c000000010000e00000b6578"
    "616d706c652e636f6dff01000100000a00080006001d00170018001000070005"
    "04616c706e000500050100000000003300260024001d00209370b2c9caa47fba"
    "baf4559fedba753de171fa71f50f1ce15d43e994ec74d748002b000302030400"
    "0d0010000e0403050306030203080408050806002d00020101001c0002400100"
    "3900320408ffffffffffffffff05048000ffff07048000ffff08011001048000"
    "75300901100f088394c8f03e51570806048000ffff";

// RFC 9001 A.3: the server Initial's payload and protected packet.
const char* const rfc_server_payload =
    "02000000000600405a020000560303eefce7f7b37ba1d1632e96677825ddf739"
    "88cfc79825df566dc5430b9a045a1200130100002e00330024001d00209d3c94"
    "0d89690b84d08a60993c144eca684d1081287c834d5311bcf32bb9da1a002b00"
    "020304";
const char* const rfc_server_initial =
    "cf000000010008f067a5502a4262b5004075c0d95a482cd0991cd25b0aac406a"
    "5816b6394100f37a1c69797554780bb38cc5a99f5ede4cf73c3ec2493a1839b3"
    "dbcba3f6ea46c5b7684df3548e7ddeb9c3bf9c73cc3f3bded74b562bfb19fb84"
    "022f8ef4cdd93795d77d06edbb7aaf2f58891850abbdca3d20398c276456cbc4"
    "2158407dd074ee";

std::vector<std::uint8_t> client_payload() {
  auto p = from_hex(rfc_client_crypto_frame);
  p.resize(1162, 0);
  return p;
}

app::quic_keys keys(std::uint32_t version, const char* dcid, bool server) {
  app::quic_keys k;
  EXPECT_TRUE(app::quic_initial_keys(version, from_hex(dcid), server, k));
  return k;
}

TEST(QuicKeys, Rfc9001A1AndRfc9369A1) {
  auto c = keys(app::quic_v1, "8394c8f03e515708", false);
  EXPECT_EQ(to_hex(c.key), "1f369613dd76d5467730efcbe3b1a22d");
  EXPECT_EQ(to_hex(c.iv), "fa044b2f42a3fd3b46fb255c");
  EXPECT_EQ(to_hex(c.hp), "9f50449e04a0e810283a1e9933adedd2");
  auto s = keys(app::quic_v1, "8394c8f03e515708", true);
  EXPECT_EQ(to_hex(s.key), "cf3a5331653c364c88f0f379b6067e37");
  EXPECT_EQ(to_hex(s.iv), "0ac1493ca1905853b0bba03e");
  EXPECT_EQ(to_hex(s.hp), "c206b8d9b9f0f37644430b490eeaa314");
  auto c2 = keys(app::quic_v2, "8394c8f03e515708", false);
  EXPECT_EQ(to_hex(c2.key), "8b1a0bc121284290a29e0971b5cd045d");
  EXPECT_EQ(to_hex(c2.iv), "91f73e2351d8fa91660e909f");
  EXPECT_EQ(to_hex(c2.hp), "45b95e15235d6f45a6b19cbcb0294ba9");
  auto s2 = keys(app::quic_v2, "8394c8f03e515708", true);
  EXPECT_EQ(to_hex(s2.key), "82db637861d55e1d011f19ea71d5d2a7");
  EXPECT_EQ(to_hex(s2.iv), "dd13c276499c0249d3310652");
  EXPECT_EQ(to_hex(s2.hp), "edf6d05c83121201b436e16877593c3a");
  // draft-29 (draft-ietf-quic-tls-29 Appendix A: same DCID, the draft-29 salt).
  auto d29 = keys(app::quic_draft29, "8394c8f03e515708", false);
  EXPECT_EQ(to_hex(d29.key), "175257a31eb09dea9366d8bb79ad80ba");
  EXPECT_EQ(to_hex(d29.iv), "6b26114b9cba2b63a9e8dd4f");
  app::quic_keys none;
  EXPECT_FALSE(app::quic_initial_keys(0x51303530, from_hex("8394c8f03e515708"), false, none));
}

TEST(QuicVarint, Rfc9000A1Examples) {
  struct tc {
    const char* hex;
    std::uint64_t value;
  };
  for (const auto& t : {tc{"c2197c5eff14e88c", 151288809941952652ull}, tc{"9d7f3e7d", 494878333},
                        tc{"7bbd", 15293}, tc{"25", 37}, tc{"4025", 37}}) {
    auto b = from_hex(t.hex);
    util::cursor c(b);
    EXPECT_EQ(app::quic_varint(c), t.value) << t.hex;
    EXPECT_TRUE(c.at_end());
  }
  auto cut = from_hex("c2197c");
  util::cursor c(cut);
  app::quic_varint(c);
  EXPECT_TRUE(c.failed());
}

TEST(QuicPacketNumber, Rfc9000A3Example) {
  EXPECT_EQ(app::quic_decode_packet_number(0xa82f30ea, 0x9b32, 16), 0xa82f9b32u);
  EXPECT_EQ(app::quic_decode_packet_number(-1, 2, 32), 2u);
  EXPECT_EQ(app::quic_decode_packet_number(0xff, 0x01, 8), 0x101u);
}

TEST(QuicHeader, Rfc9001ClientInitialFields) {
  auto pkt = from_hex(rfc_client_initial);
  ASSERT_EQ(pkt.size(), 1200u);
  app::quic_long_header h;
  std::size_t at = 0;
  ASSERT_EQ(app::quic_parse_long_header(pkt, h, at), quic_anomaly::none);
  EXPECT_EQ(h.version, 1u);
  EXPECT_EQ(h.type, app::quic_packet_type::initial);
  EXPECT_EQ(to_hex(h.dcid), "8394c8f03e515708");
  EXPECT_TRUE(h.scid.empty());
  EXPECT_TRUE(h.token.empty());
  EXPECT_EQ(h.length, 1182u);
  EXPECT_EQ(h.pn_offset, 18u);
  EXPECT_EQ(h.packet_size, 1200u);
  EXPECT_TRUE(app::looks_like_quic(pkt));
}

TEST(QuicProtection, Rfc9001A2ClientInitialDecrypts) {
  auto pkt = from_hex(rfc_client_initial);
  app::quic_long_header h;
  std::size_t at = 0;
  ASSERT_EQ(app::quic_parse_long_header(pkt, h, at), quic_anomaly::none);
  app::quic_plain_packet plain;
  ASSERT_EQ(app::quic_unprotect(pkt, h, keys(1, "8394c8f03e515708", false), -1, plain), quic_anomaly::none);
  EXPECT_EQ(to_hex(plain.header), "c300000001088394c8f03e5157080000449e00000002");
  EXPECT_EQ(plain.packet_number, 2u);
  EXPECT_EQ(plain.pn_length, 4u);
  EXPECT_EQ(plain.payload, client_payload());
}

TEST(QuicProtection, Rfc9001A2ClientInitialProtects) {
  auto out = app::quic_protect(from_hex("c300000001088394c8f03e5157080000449e00000002"), 4, 2, client_payload(),
                               keys(1, "8394c8f03e515708", false));
  EXPECT_EQ(to_hex(out), to_hex(from_hex(rfc_client_initial)));
}

TEST(QuicProtection, Rfc9001A3ServerInitial) {
  auto k = keys(1, "8394c8f03e515708", true);
  auto out = app::quic_protect(from_hex("c1000000010008f067a5502a4262b50040750001"), 2, 1, from_hex(rfc_server_payload), k);
  EXPECT_EQ(to_hex(out), to_hex(from_hex(rfc_server_initial)));
  auto pkt = from_hex(rfc_server_initial);
  app::quic_long_header h;
  std::size_t at = 0;
  ASSERT_EQ(app::quic_parse_long_header(pkt, h, at), quic_anomaly::none);
  EXPECT_EQ(to_hex(h.scid), "f067a5502a4262b5");
  EXPECT_TRUE(h.dcid.empty());
  app::quic_plain_packet plain;
  ASSERT_EQ(app::quic_unprotect(pkt, h, k, -1, plain), quic_anomaly::none);
  EXPECT_EQ(to_hex(plain.header), "c1000000010008f067a5502a4262b50040750001");
  EXPECT_EQ(plain.packet_number, 1u);
  EXPECT_EQ(to_hex(plain.payload), to_hex(from_hex(rfc_server_payload)));
}

TEST(QuicProtection, Rfc9369A2V2ClientInitialPrefix) {
  // RFC 9369 A.2: same payload, v2 header (type bits 01) and keys; the first 160 bytes of the
  // protected packet as printed in the RFC.
  auto out = app::quic_protect(from_hex("d36b3343cf088394c8f03e5157080000449e00000002"), 4, 2, client_payload(),
                               keys(app::quic_v2, "8394c8f03e515708", false));
  ASSERT_EQ(out.size(), 1200u);
  EXPECT_EQ(to_hex(util::bytes(out.data(), 160)),
            "d76b3343cf088394c8f03e5157080000449ea0c95e82ffe67b6abcdb4298b485"
            "dd04de806071bf03dceebfa162e75d6c96058bdbfb127cdfcbf903388e99ad04"
            "9f9a3dd4425ae4d0992cfff18ecf0fdb5a842d09747052f17ac2053d21f57c5d"
            "250f2c4f0e0202b70785b7946e992e58a59ac52dea6774d4f03b55545243cf1a"
            "12834e3f249a78d395e0d18f4d766004f1a2674802a747eaa901c3f10cda5500");
  app::quic_long_header h;
  std::size_t at = 0;
  ASSERT_EQ(app::quic_parse_long_header(out, h, at), quic_anomaly::none);
  EXPECT_EQ(h.type, app::quic_packet_type::initial);
}

TEST(QuicProtection, TamperedPacketFailsTagCheck) {
  auto pkt = from_hex(rfc_client_initial);
  pkt[600] ^= 1;
  app::quic_long_header h;
  std::size_t at = 0;
  ASSERT_EQ(app::quic_parse_long_header(pkt, h, at), quic_anomaly::none);
  app::quic_plain_packet plain;
  EXPECT_EQ(app::quic_unprotect(pkt, h, keys(1, "8394c8f03e515708", false), -1, plain), quic_anomaly::decrypt_failed);
  EXPECT_TRUE(plain.payload.empty());
}

TEST(QuicFrames, Rfc9001ClientPayload) {
  app::quic_frames f;
  auto p = client_payload();
  EXPECT_TRUE(app::quic_parse_frames(p, f));
  ASSERT_EQ(f.crypto.size(), 1u);
  EXPECT_EQ(f.crypto[0].offset, 0u);
  EXPECT_EQ(f.crypto[0].data.size(), 241u);  // 0x40f1
  EXPECT_EQ(f.padding, 1162u - 245u);
  auto s = from_hex(rfc_server_payload);
  EXPECT_TRUE(app::quic_parse_frames(s, f));
  EXPECT_EQ(f.ack, 1u);
  ASSERT_EQ(f.crypto.size(), 1u);
  EXPECT_EQ(f.crypto[0].data.size(), 90u);  // 0x405a
}

// ---- the logger -------------------------------------------------------------------------------

app::stream_ctx ctx(std::uint64_t frame, std::uint32_t flow = 1) { return {flow, frame, static_cast<std::int64_t>(frame) * 1000000}; }

TEST(QuicLogger, Rfc9001ClientAndServerInitials) {
  app::quic_logger log;
  log.on_datagram(ctx(1), 0, from_hex(rfc_client_initial));
  log.on_datagram(ctx(2), 1, from_hex(rfc_server_initial));
  log.finish();
  ASSERT_EQ(log.entries().size(), 1u);
  const auto& e = log.entries()[0];
  EXPECT_EQ(e.version, 1u);
  EXPECT_EQ(e.client_initial_dcid, "8394c8f03e515708");
  EXPECT_EQ(e.client_scid, "");
  EXPECT_EQ(e.server_scid, "f067a5502a4262b5");
  EXPECT_EQ(e.server_name, "example.com");
  EXPECT_EQ(e.client_protocol, "alpn");
  EXPECT_EQ(e.history, "ISis");
  EXPECT_EQ(e.client_hello_frame, 1u);
  EXPECT_EQ(e.server_hello_frame, 2u);
  EXPECT_EQ(e.server_cipher, 0x1301);
  EXPECT_EQ(e.decrypted, 2u);
  EXPECT_TRUE(e.anomalies.empty());
  EXPECT_EQ(e.ja4.substr(0, 4), "q13d");  // QUIC, TLS 1.3, SNI given (the rest is the TLS helper's)
  EXPECT_EQ(log.counters().client_hellos, 1u);
  std::string line;
  app::append_quic_record(line, e, util::log_format::ndjson, false);
  EXPECT_NE(line.find("\"server_name\":\"example.com\""), std::string::npos) << line;
  EXPECT_NE(line.find("\"version\":\"1\""), std::string::npos) << line;
  EXPECT_NE(line.find("\"history\":\"ISis\""), std::string::npos) << line;
}

// Builds a protected v1 Initial carrying `payload` (padded to at least 1162 bytes unless
// `pad` is false), with the client keys of `dcid`.
std::vector<std::uint8_t> initial(const std::vector<std::uint8_t>& dcid, std::uint32_t pn, std::vector<std::uint8_t> payload,
                                  bool pad = true, std::uint8_t first = 0xc3) {
  if (pad && payload.size() < 1162) payload.resize(1162, 0);
  std::vector<std::uint8_t> h = {first, 0, 0, 0, 1, static_cast<std::uint8_t>(dcid.size())};
  h.insert(h.end(), dcid.begin(), dcid.end());
  h.push_back(0);  // SCID length
  h.push_back(0);  // token length
  std::size_t len = 4 + payload.size() + 16;
  h.push_back(static_cast<std::uint8_t>(0x40 | (len >> 8)));
  h.push_back(static_cast<std::uint8_t>(len));
  for (int i = 3; i >= 0; --i) h.push_back(static_cast<std::uint8_t>(pn >> (8 * i)));
  app::quic_keys k;
  app::quic_initial_keys(1, dcid, false, k);
  return app::quic_protect(h, 4, pn, payload, k);
}

// A CRYPTO frame with a 4-byte-varint offset and 2-byte-varint length.
std::vector<std::uint8_t> crypto_frame(std::uint64_t offset, util::bytes data) {
  std::vector<std::uint8_t> f = {0x06, static_cast<std::uint8_t>(0x80 | (offset >> 24)), static_cast<std::uint8_t>(offset >> 16),
                                 static_cast<std::uint8_t>(offset >> 8), static_cast<std::uint8_t>(offset),
                                 static_cast<std::uint8_t>(0x40 | (data.size() >> 8)), static_cast<std::uint8_t>(data.size())};
  f.insert(f.end(), data.begin(), data.end());
  return f;
}

std::vector<std::uint8_t> client_hello() {
  auto f = from_hex(rfc_client_crypto_frame);
  return std::vector<std::uint8_t>(f.begin() + 4, f.end());  // skip type, offset 0, 2-byte length
}

TEST(QuicLogger, ClientHelloSplitOutOfOrderAcrossPacketsAndDatagrams) {
  auto ch = client_hello();
  ASSERT_EQ(ch.size(), 241u);
  auto dcid = from_hex("0011223344556677");
  util::bytes all(ch);
  // Datagram 1: two coalesced Initials with pieces 3 and 1; datagram 2: piece 2 and a PING.
  auto p3 = crypto_frame(160, all.subspan(160));
  auto p1 = crypto_frame(0, all.subspan(0, 50));
  auto p2 = crypto_frame(50, all.subspan(50, 110));
  p2.push_back(0x01);
  auto d1 = initial(dcid, 0, p3, false);
  auto second = initial(dcid, 1, p1);
  d1.insert(d1.end(), second.begin(), second.end());
  app::quic_logger log;
  log.on_datagram(ctx(10), 0, d1);
  EXPECT_FALSE(log.entries().at(0).has_client_hello);
  log.on_datagram(ctx(11), 0, initial(dcid, 2, p2));
  const auto& e = log.entries().at(0);
  EXPECT_EQ(e.server_name, "example.com");
  EXPECT_EQ(e.client_hello_frame, 11u);
  EXPECT_EQ(e.history, "IIIS");
  EXPECT_EQ(e.client_initial_dcid, "0011223344556677");
  EXPECT_EQ(e.decrypted, 3u);
  EXPECT_TRUE(e.anomalies.empty());
}

bool has(const app::quic_log_entry& e, quic_anomaly a) {
  for (const auto& x : e.anomalies) {
    if (x.code == a) return true;
  }
  return false;
}

TEST(QuicHostile, LengthThatLies) {
  auto pkt = from_hex(rfc_client_initial);
  pkt[16] = 0x7f;  // Length 0x7f9e: far more than the datagram holds
  app::quic_logger log;
  log.on_datagram(ctx(1), 0, pkt);
  EXPECT_EQ(log.counters().anomalies[static_cast<std::size_t>(quic_anomaly::bad_length)], 1u);
  EXPECT_TRUE(log.entries().empty());
  EXPECT_FALSE(app::looks_like_quic(pkt));
  // A token length that lies.
  auto t = from_hex(rfc_client_initial);
  t[15] = 0x7f;
  app::quic_long_header h;
  std::size_t at = 0;
  EXPECT_EQ(app::quic_parse_long_header(t, h, at), quic_anomaly::bad_length);
  // Connection IDs longer than 20 in v1.
  auto c = from_hex(rfc_client_initial);
  c[5] = 21;
  EXPECT_EQ(app::quic_parse_long_header(c, h, at), quic_anomaly::bad_cid_length);
}

TEST(QuicHostile, EveryTruncationOfTheRfcPacket) {
  auto pkt = from_hex(rfc_client_initial);
  app::quic_logger log;
  for (std::size_t n = 0; n < pkt.size(); ++n) {
    log.on_datagram(ctx(n + 1, static_cast<std::uint32_t>(n + 1)), 0, util::bytes(pkt.data(), n));
  }
  for (const auto& e : log.entries()) EXPECT_FALSE(e.has_client_hello);
  const auto& a = log.counters().anomalies;
  EXPECT_GT(a[static_cast<std::size_t>(quic_anomaly::truncated_header)], 0u);
  EXPECT_GT(a[static_cast<std::size_t>(quic_anomaly::bad_length)], 1000u);
  EXPECT_EQ(log.counters().decrypted, 0u);
}

TEST(QuicHostile, CryptoOffsetFarAway) {
  auto dcid = from_hex("0102030405060708");
  std::vector<std::uint8_t> far = {0x06, 0xc0, 0, 0, 0x10, 0, 0, 0, 0, 0x04, 'a', 'b', 'c', 'd'};  // offset 2^44
  app::quic_logger log;
  log.on_datagram(ctx(1), 0, initial(dcid, 0, far));
  ASSERT_EQ(log.entries().size(), 1u);
  EXPECT_TRUE(has(log.entries()[0], quic_anomaly::crypto_beyond_cap));
  EXPECT_EQ(log.entries()[0].decrypted, 1u);
}

TEST(QuicHostile, AckWithHugeRangeCount) {
  std::vector<std::uint8_t> p = {0x02, 0x01, 0x00, 0xbf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00};
  for (int i = 0; i < 100; ++i) p.push_back(0x01);
  app::quic_frames f;
  EXPECT_FALSE(app::quic_parse_frames(p, f));
  EXPECT_EQ(f.problem, quic_anomaly::bad_frame);
  EXPECT_EQ(f.problem_offset, 0u);
  // Also through the logger, where the frame sits in a valid encrypted Initial.
  app::quic_logger log;
  log.on_datagram(ctx(1), 0, initial(from_hex("0102030405060708"), 0, p, false));
  EXPECT_TRUE(has(log.entries().at(0), quic_anomaly::bad_frame));
}

TEST(QuicHostile, UnexpectedFrameAndCryptoLengthThatLies) {
  app::quic_frames f;
  std::vector<std::uint8_t> stream = {0x01, 0x08, 0x00, 0x00};  // PING, STREAM
  EXPECT_FALSE(app::quic_parse_frames(stream, f));
  EXPECT_EQ(f.problem, quic_anomaly::unexpected_frame);
  EXPECT_EQ(f.problem_offset, 1u);
  std::vector<std::uint8_t> crypto = {0x06, 0x00, 0x44, 0x00, 'x'};  // claims 1024 bytes
  EXPECT_FALSE(app::quic_parse_frames(crypto, f));
  EXPECT_EQ(f.problem, quic_anomaly::bad_frame);
  std::vector<std::uint8_t> close = {0x1c, 0x0a, 0x00, 0x40, 0x50, 'x'};  // reason length lies
  EXPECT_FALSE(app::quic_parse_frames(close, f));
  EXPECT_EQ(f.problem, quic_anomaly::bad_frame);
}

TEST(QuicHostile, TooManyCryptoRanges) {
  // 2 x 40 disjoint one-byte CRYPTO ranges in two packets (a packet keeps at most 64 frames).
  app::quic_logger log;
  for (std::uint32_t pkt = 0; pkt < 2; ++pkt) {
    std::vector<std::uint8_t> p;
    for (std::uint64_t i = 0; i < 40; ++i) {
      std::uint8_t b = 'z';
      auto f = crypto_frame(100 + 2 * (40 * pkt + i), util::bytes(&b, 1));
      p.insert(p.end(), f.begin(), f.end());
    }
    log.on_datagram(ctx(1 + pkt), 0, initial(from_hex("0102030405060708"), pkt, p));
  }
  EXPECT_TRUE(has(log.entries().at(0), quic_anomaly::crypto_too_fragmented));
  EXPECT_EQ(log.entries().at(0).decrypted, 2u);
}

TEST(QuicHostile, HandshakeLongerThanTheBuffer) {
  std::vector<std::uint8_t> hello = {0x01, 0xff, 0xff, 0xff, 0x03, 0x03};
  app::quic_logger log;
  log.on_datagram(ctx(1), 0, initial(from_hex("0102030405060708"), 0, crypto_frame(0, hello)));
  EXPECT_TRUE(has(log.entries().at(0), quic_anomaly::handshake_too_long));
  std::vector<std::uint8_t> not_hello = {0x02, 0x00, 0x00, 0x01, 0x00};
  log.on_datagram(ctx(2, 2), 0, initial(from_hex("0102030405060708"), 0, crypto_frame(0, not_hello)));
  EXPECT_TRUE(has(log.entries().at(1), quic_anomaly::unexpected_handshake));
}

TEST(QuicHostile, GlobalMemoryCap) {
  app::quic_limits limits;
  limits.max_total_buffered = 3000;
  app::quic_logger log(nullptr, limits);
  std::vector<std::uint8_t> chunk(1000, 0x41);
  // Three flows each start a ClientHello whose first bytes are missing (offset 1000): 2000 bytes each.
  for (std::uint32_t flow = 1; flow <= 3; ++flow) {
    log.on_datagram(ctx(flow, flow), 0, initial(from_hex("0102030405060708"), 0, crypto_frame(1000, chunk)));
  }
  EXPECT_FALSE(has(log.entries().at(0), quic_anomaly::crypto_memory_cap));
  EXPECT_TRUE(has(log.entries().at(1), quic_anomaly::crypto_memory_cap));
  EXPECT_TRUE(has(log.entries().at(2), quic_anomaly::crypto_memory_cap));
}

TEST(QuicHostile, TooManyCoalescedPackets) {
  // 20 minimal Handshake packets (Length 0 would be invalid for decryption, but only Initials
  // are decrypted) in one datagram.
  std::vector<std::uint8_t> d;
  for (int i = 0; i < 20; ++i) {
    for (int b : {0xe0, 0, 0, 0, 1, 0, 0, 0x01, 0x00}) d.push_back(static_cast<std::uint8_t>(b));
  }
  app::quic_logger log;
  log.on_datagram(ctx(1), 0, d);
  EXPECT_EQ(log.counters().handshake_packets, 16u);
  EXPECT_TRUE(has(log.entries().at(0), quic_anomaly::too_many_packets));
}

TEST(QuicLogger, RetryCloseAndUnknownVersionEndEntries) {
  app::quic_logger log;
  log.on_datagram(ctx(1), 0, from_hex(rfc_client_initial));
  // RFC 9001 A.4: the Retry.
  log.on_datagram(ctx(2), 1, from_hex("ff000000010008f067a5502a4262b5746f6b656e04a265ba2eff4d829058fb3f0f2496ba"));
  ASSERT_EQ(log.entries().size(), 1u);
  EXPECT_EQ(log.entries()[0].history, "ISr");
  EXPECT_EQ(log.counters().retry_packets, 1u);
  // The next Initial starts a new entry with its own DCID; a CONNECTION_CLOSE in it ends it.
  std::vector<std::uint8_t> close = {0x1c, 0x0a, 0x00, 0x00};
  log.on_datagram(ctx(3), 0, initial(from_hex("f067a5502a4262b5"), 0, close));
  ASSERT_EQ(log.entries().size(), 2u);
  EXPECT_EQ(log.entries()[1].client_initial_dcid, "f067a5502a4262b5");
  EXPECT_EQ(log.entries()[1].history, "IC");
  // An unknown version (gQUIC Q050) is logged with 'U' and ends its entry.
  auto q = from_hex(rfc_client_initial);
  q[1] = 'Q', q[2] = '0', q[3] = '5', q[4] = '0';
  log.on_datagram(ctx(4), 0, q);
  ASSERT_EQ(log.entries().size(), 3u);
  EXPECT_EQ(log.entries()[2].history, "U");
  EXPECT_EQ(app::quic_version_name(log.entries()[2].version), "unknown-51303530");
}

TEST(QuicLogger, NewConnectionReusingTheFlowIsRekeyed) {
  app::quic_logger log;
  log.on_datagram(ctx(1), 0, from_hex(rfc_client_initial));
  // The same 5-tuple, a new client DCID, no Retry or CONNECTION_CLOSE in between.
  auto ch = client_hello();
  log.on_datagram(ctx(2), 0, initial(from_hex("a1a2a3a4a5a6a7a8"), 0, crypto_frame(0, ch)));
  ASSERT_EQ(log.entries().size(), 2u);
  EXPECT_EQ(log.entries()[0].history, "IS");
  EXPECT_EQ(log.entries()[1].client_initial_dcid, "a1a2a3a4a5a6a7a8");
  EXPECT_EQ(log.entries()[1].history, "IS");
  EXPECT_EQ(log.entries()[1].client_hello_frame, 2u);
  EXPECT_EQ(log.counters().decrypt_failures, 0u);
  // A corrupted Initial with yet another DCID decrypts with neither: counted in the current entry.
  auto bad = initial(from_hex("b1b2b3b4b5b6b7b8"), 1, {0x01});
  bad[100] ^= 1;
  log.on_datagram(ctx(3), 0, bad);
  ASSERT_EQ(log.entries().size(), 2u);
  EXPECT_TRUE(has(log.entries()[1], quic_anomaly::decrypt_failed));
}

TEST(QuicLogger, ShortPacketsAndVersionNegotiation) {
  app::quic_logger log;
  std::vector<std::uint8_t> short_pkt(40, 0x55);
  short_pkt[0] = 0x40;
  log.on_datagram(ctx(1), 1, short_pkt);  // before any long header: counted, no entry
  EXPECT_TRUE(log.entries().empty());
  log.on_datagram(ctx(2), 0, from_hex(rfc_client_initial));
  for (int i = 0; i < 5; ++i) log.on_datagram(ctx(3 + static_cast<std::uint64_t>(i)), 1, short_pkt);
  EXPECT_EQ(log.entries().at(0).history, "ISooo");  // after 1, 2 and 4 short packets
  EXPECT_EQ(log.counters().short_packets, 6u);
  // Version Negotiation: version 0, then a list of versions.
  auto vn = from_hex("80000000000008f067a5502a4262b500000001ff00001d");
  EXPECT_TRUE(app::looks_like_quic(vn));
  log.on_datagram(ctx(9, 2), 1, vn);
  EXPECT_EQ(log.counters().version_negotiation, 1u);
}

TEST(QuicDetect, LooksLikeQuic) {
  EXPECT_TRUE(app::looks_like_quic(from_hex(rfc_client_initial)));
  EXPECT_TRUE(app::looks_like_quic(from_hex(rfc_server_initial)));
  EXPECT_FALSE(app::looks_like_quic(from_hex("12340100000100000000000003777777076578616d706c6503636f6d0000010001")));  // DNS
  EXPECT_FALSE(app::looks_like_quic(from_hex("4000")));
  EXPECT_FALSE(app::looks_like_quic({}));
  auto no_fixed = from_hex(rfc_client_initial);
  no_fixed[0] &= 0xbf;
  EXPECT_FALSE(app::looks_like_quic(no_fixed));
  EXPECT_EQ(app::quic_version_name(app::quic_v2), "quicv2");
  EXPECT_EQ(app::quic_version_name(app::quic_draft29), "draft-29");
}

}  // namespace
}  // namespace pcapscope
