// The field tree: names, values and byte ranges that stay inside the packet.
#include <gtest/gtest.h>

#include <algorithm>

#include "pcapscope/dissect/detail.hpp"

namespace {

using namespace pcapscope;

// Ethernet / IPv4 / TCP SYN with MSS and window scale options.
const std::vector<std::uint8_t> kSyn = {
    0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0x08, 0x00,  // eth
    0x45, 0x00, 0x00, 0x30, 0x12, 0x34, 0x40, 0x00, 0x40, 0x06, 0x00, 0x00,              // ip
    0xc0, 0xa8, 0x01, 0x02, 0x0a, 0x00, 0x00, 0x01,
    0xc8, 0x22, 0x01, 0xbb, 0x00, 0x00, 0x03, 0xe8, 0x00, 0x00, 0x00, 0x00,  // tcp
    0x70, 0x02, 0xfa, 0xf0, 0x00, 0x00, 0x00, 0x00,
    0x02, 0x04, 0x05, 0xb4, 0x01, 0x03, 0x03, 0x07};

dissect::frame_meta meta(std::size_t len) {
  dissect::frame_meta m;
  m.number = 7;
  m.ts_ns = 1700000000123456789;
  m.caplen = static_cast<std::uint32_t>(len);
  m.origlen = m.caplen;
  m.link_type = 1;
  return m;
}

const dissect::field_node* find(const std::vector<dissect::field_node>& t, std::string_view name) {
  auto it = std::find_if(t.begin(), t.end(), [&](const auto& n) { return n.name == name; });
  return it == t.end() ? nullptr : &*it;
}

TEST(Detail, FieldsHaveValuesAndByteRanges) {
  auto tree = dissect::detail(kSyn, meta(kSyn.size()));
  const auto* src = find(tree, "ip.src");
  ASSERT_NE(src, nullptr);
  EXPECT_EQ(src->value, "192.168.1.2");
  EXPECT_EQ(src->offset, 26u);
  EXPECT_EQ(src->length, 4u);
  const auto* dport = find(tree, "tcp.dstport");
  ASSERT_NE(dport, nullptr);
  EXPECT_EQ(dport->value, "443");
  EXPECT_EQ(dport->offset, 36u);
  const auto* mss = find(tree, "tcp.options.mss_val");
  ASSERT_NE(mss, nullptr);
  EXPECT_EQ(mss->value, "1460 bytes");
  const auto* protos = find(tree, "frame.protocols");
  ASSERT_NE(protos, nullptr);
  EXPECT_EQ(protos->value, "eth:ip:tcp");
  EXPECT_EQ(find(tree, "frame.time_epoch")->value, "1700000000.123456789 seconds");
  for (const auto& n : tree) {
    EXPECT_LE(n.offset + n.length, kSyn.size()) << n.name;
  }
  // Protocols are depth 0, their fields deeper.
  EXPECT_EQ(find(tree, "tcp")->depth, 0);
  EXPECT_EQ(find(tree, "tcp.flags.syn")->depth, 2);
  EXPECT_EQ(find(tree, "tcp.flags.syn")->value, "Set");
}

TEST(Detail, EveryTruncationStaysInBoundsAndIsFlagged) {
  for (std::size_t n = 0; n < kSyn.size(); ++n) {
    std::vector<std::uint8_t> cut(kSyn.begin(), kSyn.begin() + static_cast<std::ptrdiff_t>(n));
    auto tree = dissect::detail(cut, meta(n));
    for (const auto& node : tree) {
      EXPECT_LE(node.offset + node.length, n) << node.name << " at cut " << n;
    }
    if (n > 0 && n < 14 + 20 + 20) {
      EXPECT_NE(find(tree, "_ws.malformed"), nullptr) << "cut at " << n;
    }
  }
}

// The header checksum is checked when the detail is asked for (0x5ce9 is kSyn's IP header's
// RFC 1071 checksum): right, wrong (kSyn's 0), and a header cut by the capture.
TEST(Detail, Ipv4ChecksumStatus) {
  auto with = [](std::vector<std::uint8_t> p, std::uint16_t sum, std::size_t len) {
    p[24] = static_cast<std::uint8_t>(sum >> 8);
    p[25] = static_cast<std::uint8_t>(sum);
    p.resize(len);
    auto tree = dissect::detail(p, meta(len));
    const auto* n = find(tree, "ip.checksum");
    return n ? n->value : std::string("(none)");
  };
  EXPECT_EQ(with(kSyn, 0x5ce9, kSyn.size()), "0x5ce9 [correct]");
  EXPECT_EQ(with(kSyn, 0x5cea, kSyn.size()), "0x5cea [incorrect]");
  EXPECT_EQ(with(kSyn, 0x0000, kSyn.size()), "0x0000 [incorrect]");
  EXPECT_EQ(with(kSyn, 0x5ce9, 14 + 20), "0x5ce9 [correct]");
  EXPECT_EQ(with(kSyn, 0x5ce9, 14 + 19), "0x0000 [incorrect]");
}

TEST(Detail, JsonCarriesTheTree) {
  auto tree = dissect::detail(kSyn, meta(kSyn.size()));
  auto j = dissect::detail_json(tree);
  EXPECT_EQ(j.rfind("{\"fields\":[", 0), 0u);
  EXPECT_NE(j.find("{\"name\":\"ip.dst\",\"label\":\"Destination Address: 10.0.0.1\",\"value\":\"10.0.0.1\",\"offset\":30,\"length\":4,\"depth\":1}"),
            std::string::npos)
      << j;
}

}  // namespace
