// The packet summary the dissector fills as it pushes layers (net, transport, vlan, tunnel,
// ip_headers, irregular, top): expected values on hand-made encapsulations, taken from the
// protocol layouts; and the incremental summary equal to `summarize` (a walk over the layers)
// on every prefix of those packets and on every packet of the shared corpus.
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "pcapscope/capture/file.hpp"
#include "pcapscope/dissect/packet.hpp"
#include "support/test_support.hpp"

namespace {

using namespace pcapscope;
using dissect::packet;
using dissect::proto;
constexpr std::uint8_t none = packet::no_layer;

using test::bytes_out;

bytes_out& eth(bytes_out& b, unsigned type) { return b.fill(12, 2).be16(type); }
bytes_out& vlan(bytes_out& b, unsigned id, unsigned type) { return b.be16(id).be16(type); }
bytes_out& ipv4(bytes_out& b, unsigned protocol, unsigned payload, unsigned flags_frag = 0x4000) {
  return b.u8(0x45).u8(0).be16(20 + payload).be16(0x1234).be16(flags_frag).u8(64).u8(protocol).be16(0)
      .be32(0xc0000201).be32(0xc6336401);
}
bytes_out& ipv6(bytes_out& b, unsigned nxt, unsigned plen) {
  return b.be32(0x60000000).be16(plen).u8(nxt).u8(64).be32(0x20010db8).fill(12).be32(0x20010db8).fill(11).u8(2);
}
bytes_out& udp(bytes_out& b, unsigned sport, unsigned dport, unsigned payload) {
  return b.be16(sport).be16(dport).be16(8 + payload).be16(0);
}
bytes_out& tcp(bytes_out& b) { return b.be16(51234).be16(443).be32(1).be32(2).u8(0x50).u8(0x18).be16(512).be32(0); }

struct expected {
  std::uint8_t net, transport, ip_headers, vlan, tunnel;
  bool irregular;
  proto top;
};

std::string describe(const packet& p) {
  return "net " + std::to_string(p.net) + " transport " + std::to_string(p.transport) + " ip_headers " +
         std::to_string(p.ip_headers) + " vlan " + std::to_string(p.vlan) + " tunnel " + std::to_string(p.tunnel) +
         " irregular " + std::to_string(p.irregular) + " top " + std::string(dissect::proto_name(p.top()));
}

// The summary `dissect` left in `p` is the one `summarize` computes from the layers.
::testing::AssertionResult same_as_summarize(const packet& p) {
  packet q = p;
  dissect::summarize(q);
  if (q.net == p.net && q.transport == p.transport && q.ip_headers == p.ip_headers && q.vlan == p.vlan &&
      q.tunnel == p.tunnel && q.irregular == p.irregular && q.top() == p.top()) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << "dissect: " << describe(p) << "\nsummarize: " << describe(q);
}

void check(const bytes_out& b, const expected& e, std::uint32_t link_type = 1) {
  packet p;
  dissect::dissect(b.v, link_type, p);
  SCOPED_TRACE(describe(p));
  EXPECT_EQ(p.net, e.net);
  EXPECT_EQ(p.transport, e.transport);
  EXPECT_EQ(p.ip_headers, e.ip_headers);
  EXPECT_EQ(p.vlan, e.vlan);
  EXPECT_EQ(p.tunnel, e.tunnel);
  EXPECT_EQ(p.irregular, e.irregular);
  EXPECT_EQ(p.top(), e.top);
  EXPECT_TRUE(same_as_summarize(p));
  // Every cut of the packet: partial headers, missing layers.
  for (std::size_t n = 0; n < b.v.size(); ++n) {
    dissect::dissect(util::bytes(b.v.data(), n), link_type, p);
    EXPECT_TRUE(same_as_summarize(p)) << "cut at " << n;
  }
}

TEST(DissectSummary, VlanVxlanIpInIpAndIcmpErrorQuote) {
  // eth, vlan 100, ip, udp → 4789, vxlan 42, eth, ip (proto 4), ip, icmp port unreachable
  // quoting ip + a whole udp header.
  bytes_out b;
  eth(b, 0x8100);
  vlan(b, 100, 0x0800);
  const unsigned quote = 20 + 8, icmp = 8 + quote, inner = 20 + icmp, tunnelled = 14 + 20 + inner;
  ipv4(b, 17, 8 + 8 + tunnelled);
  udp(b, 40000, 4789, 8 + tunnelled);
  b.be32(0x08000000).be32(42u << 8);
  eth(b, 0x0800);
  ipv4(b, 4, inner);
  ipv4(b, 1, icmp);
  b.u8(3).u8(3).be16(0).be32(0);
  ipv4(b, 17, 8);
  udp(b, 53, 5353, 0);
  //     eth vlan ip udp vxlan eth ip ip icmp ip(quoted) udp(quoted)
  check(b, {7, 8, 4, 1, 4, false, proto::udp});
}

TEST(DissectSummary, QuotedTcpCutByTheIcmpErrorIsIrregular) {
  bytes_out b;  // the quote holds 8 of the 20 bytes of the TCP header: a partial layer
  eth(b, 0x0800);
  ipv4(b, 1, 8 + 20 + 8);
  b.u8(3).u8(3).be16(0).be32(0);
  ipv4(b, 6, 1000);
  b.be16(51234).be16(80).be32(77);
  check(b, {1, 2, 2, none, none, true, proto::tcp});
}

TEST(DissectSummary, QinQKeepsTheFirstTag) {
  bytes_out b;
  eth(b, 0x88a8);
  vlan(b, 10, 0x8100);
  vlan(b, 20, 0x0800);
  ipv4(b, 6, 20);
  tcp(b);
  check(b, {3, 4, 1, 1, none, false, proto::tcp});
}

TEST(DissectSummary, Ipv6FragmentAndExtensionHeaders) {
  bytes_out f;  // first fragment: fragment header (M set), then UDP
  eth(f, 0x86dd);
  ipv6(f, 44, 8 + 8 + 100);
  f.u8(17).u8(0).be16(0x0001).be32(0xabcd);
  udp(f, 1000, 2000, 300);
  f.fill(100);
  check(f, {1, 3, 1, none, none, true, proto::udp});

  bytes_out h;  // hop-by-hop options, then TCP: the extension is skipped, nothing irregular
  eth(h, 0x86dd);
  ipv6(h, 0, 8 + 20);
  h.u8(6).u8(0).fill(6);
  tcp(h);
  check(h, {1, 3, 1, none, none, false, proto::tcp});
}

TEST(DissectSummary, Ipv4LaterFragmentCarriesNoTransport) {
  bytes_out b;
  eth(b, 0x0800);
  ipv4(b, 17, 16, 0x0010);  // offset 128 bytes, no MF
  b.fill(16, 0x61);
  check(b, {1, none, 1, none, none, true, proto::ip});
}

TEST(DissectSummary, AuthenticationHeaderIsSkippedLikeAnExtension) {
  bytes_out b;
  eth(b, 0x0800);
  ipv4(b, 51, 12 + 20);
  b.u8(6).u8(1).be16(0).be32(0x100).be32(1);  // AH: next TCP, length (1 + 2) * 4 = 12
  tcp(b);
  check(b, {1, 3, 1, none, none, false, proto::tcp});
}

TEST(DissectSummary, GeneveBeforeTheInnerIpAndVxlanAfterTheOnlyIp) {
  bytes_out g;
  eth(g, 0x0800);
  ipv4(g, 17, 8 + 8 + 14 + 40 + 20);
  udp(g, 40000, 6081, 8 + 14 + 40 + 20);
  g.u8(0).u8(0).be16(0x6558).be32(7u << 8);
  eth(g, 0x86dd);
  ipv6(g, 6, 20);
  tcp(g);
  //     eth ip udp geneve eth ipv6 tcp
  check(g, {5, 6, 2, none, 3, false, proto::tcp});

  bytes_out v;  // VXLAN carrying ARP: the tunnel comes after the only IP header, so none
  eth(v, 0x0800);
  ipv4(v, 17, 8 + 8 + 14 + 28);
  udp(v, 40000, 4789, 8 + 14 + 28);
  v.be32(0x08000000).be32(42u << 8);
  eth(v, 0x0806);
  v.be16(1).be16(0x0800).u8(6).u8(4).be16(1).fill(20);
  check(v, {1, 2, 1, none, none, false, proto::arp});
}

TEST(DissectSummary, NoIpAtAll) {
  bytes_out b;
  eth(b, 0x0806);
  b.be16(1).be16(0x0800).u8(6).u8(4).be16(1).fill(20);
  check(b, {none, none, 0, none, none, false, proto::arp});
}

TEST(DissectSummary, TransportParsedDirectly) {
  // dissect_transport (reassembled datagrams): no IP layer, so no net and no transport.
  bytes_out b;
  udp(b, 53, 5353, 4);
  b.fill(4);
  packet p;
  dissect::dissect_transport(b.v, 17, p);
  EXPECT_EQ(p.net, none);
  EXPECT_EQ(p.transport, none);
  EXPECT_EQ(p.top(), proto::udp);
  EXPECT_TRUE(same_as_summarize(p));
}

// Every packet of every corpus capture: the summary the parsers fill is the walk's.
TEST(DissectSummaryCorpus, IncrementalEqualsSummarize) {
  auto corpus = test::corpus_dir();
  if (!corpus) GTEST_SKIP() << "no corpus at " PCAPSCOPE_CORPUS_DIR;
  packet p;
  std::uint64_t packets = 0, with_transport = 0, irregular = 0;
  auto mismatches = test::check_corpus_records(*corpus, [&](const capture::record& r) -> std::string {
    dissect::dissect(r.data, r.link_type, p, r.origlen);
    ++packets;
    with_transport += p.transport != none;
    irregular += p.irregular;
    auto same = same_as_summarize(p);
    return same ? std::string() : "\n" + std::string(same.message());
  });
  EXPECT_EQ(mismatches, 0u);
  // The corpus is varied: many packets, with transport headers and irregular ones.
  EXPECT_GT(packets, 10000u);
  EXPECT_GT(with_transport, 0u);
  EXPECT_GT(irregular, 0u);
  std::cout << packets << " packets, " << with_transport << " with a transport layer, " << irregular << " irregular\n";
}

}  // namespace

namespace {

// RFC 1071's ones' complement sum over 16-bit big-endian words, as the reference for the
// dissector's word-at-a-time check.
std::uint16_t reference_checksum(const std::vector<std::uint8_t>& h) {
  std::uint32_t s = 0;
  for (std::size_t i = 0; i + 1 < h.size(); i += 2) s += (std::uint32_t{h[i]} << 8) | h[i + 1];
  while (s >> 16) s = (s & 0xFFFF) + (s >> 16);
  return static_cast<std::uint16_t>(~s);
}

bool checksum_ok(const std::vector<std::uint8_t>& header) {
  std::vector<std::uint8_t> b = header;
  packet p;
  dissect::dissect(b, 101, p);  // raw IP
  EXPECT_GE(p.count, 1);
  return p.count >= 1 && p.layers[0].kind == proto::ip && dissect::ipv4_checksum_ok(p.layers[0], b);
}

TEST(DissectIpv4Checksum, RightAndWrongHeaders) {
  // A header with its (known right) checksum 0xb861: 45 00 00 73 00 00 40 00 40 11 b8 61
  // c0 a8 00 01 c0 a8 00 c7, then its 0x73 - 20 bytes of payload.
  std::vector<std::uint8_t> h = {0x45, 0, 0, 0x73, 0, 0, 0x40, 0, 0x40, 0x11, 0xb8, 0x61,
                                 0xc0, 0xa8, 0, 1, 0xc0, 0xa8, 0, 0xc7};
  h.resize(0x73, 0);
  EXPECT_TRUE(checksum_ok(h));
  // Any one bit flipped in the header (but in the version/IHL byte, which moves it) is caught.
  for (std::size_t i = 1; i < 20; ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      auto b = h;
      b[i] ^= static_cast<std::uint8_t>(1u << bit);
      EXPECT_FALSE(checksum_ok(b)) << "byte " << i << " bit " << bit;
    }
  }
  // Headers with options (IHL 6 … 15), checksums from the RFC 1071 reference.
  for (unsigned ihl = 6; ihl <= 15; ++ihl) {
    std::vector<std::uint8_t> o = {static_cast<std::uint8_t>(0x40 | ihl), 0, 0, static_cast<std::uint8_t>(ihl * 4),
                                   0xbe, 0xef, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2};
    for (unsigned i = 20; i < ihl * 4; ++i) o.push_back(static_cast<std::uint8_t>(i * 37 + ihl));
    std::uint16_t sum = reference_checksum(o);
    o[10] = static_cast<std::uint8_t>(sum >> 8);
    o[11] = static_cast<std::uint8_t>(sum);
    EXPECT_TRUE(checksum_ok(o)) << "ihl " << ihl;
    o[ihl * 4 - 1] ^= 0x80;
    EXPECT_FALSE(checksum_ok(o)) << "ihl " << ihl;
  }
}

}  // namespace
