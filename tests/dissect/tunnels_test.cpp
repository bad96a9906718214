// Dissectors for the tunnels and link types tshark follows beyond the core list (GTP-U, ERSPAN,
// Aruba GRE, Teredo, L2TP, PIM Register, VN-Tag, E-Tag, NSH, VXLAN-GPE, FabricPath, NFLOG,
// FDDI, Cisco HDLC, Frame Relay, PPI), on hand-made bytes.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "pcapscope/dissect/fields.hpp"
#include "pcapscope/dissect/packet.hpp"

namespace {

using namespace pcapscope;
using dissect::anomaly;

struct bo {
  std::vector<std::uint8_t> v;
  bo& u8(unsigned x) {
    v.push_back(static_cast<std::uint8_t>(x));
    return *this;
  }
  bo& be16(unsigned x) { return u8(x >> 8).u8(x); }
  bo& le16(unsigned x) { return u8(x).u8(x >> 8); }
  bo& be32(std::uint32_t x) { return be16(x >> 16).be16(x & 0xFFFF); }
  bo& le32(std::uint32_t x) { return le16(x & 0xFFFF).le16(x >> 16); }
  bo& fill(std::size_t n, unsigned b = 0) {
    v.insert(v.end(), n, static_cast<std::uint8_t>(b));
    return *this;
  }
  bo& eth(unsigned type) { return fill(6, 0x02).fill(6, 0x04).be16(type); }
  bo& ip4(unsigned protocol, unsigned payload, std::uint32_t dst = 0x0a000002) {
    return u8(0x45).u8(0).be16(20 + payload).be16(1).be16(0).u8(64).u8(protocol).be16(0).be32(0x0a000001).be32(dst);
  }
  bo& ip6(unsigned nxt, unsigned plen) {
    be32(0x60000000).be16(plen).u8(nxt).u8(64);
    be32(0x20010db8).be32(0).be32(0).be32(1);
    return be32(0x20010db8).be32(0).be32(0).be32(2);
  }
  bo& udp(unsigned sport, unsigned dport, unsigned payload) { return be16(sport).be16(dport).be16(8 + payload).be16(0); }
};

std::string stack_of(const bo& b, std::uint32_t lt = 1, dissect::anomaly* a = nullptr) {
  dissect::packet p;
  dissect::dissect(b.v, lt, p);
  if (a) *a = p.first_anomaly;
  std::string s;
  for (std::size_t i = 0; i < p.count; ++i) s += (i ? ":" : "") + std::string(dissect::proto_name(p.layers[i].kind));
  return s;
}

TEST(DissectTunnels, GtpUWithExtensionHeader) {
  bo b;
  b.eth(0x0800).ip4(17, 8 + 16 + 28).udp(2152, 2152, 16 + 28);
  b.u8(0x34).u8(0xff).be16(8 + 28).be32(0x1234);  // v1, PT, E flag; G-PDU
  b.be16(0).u8(0).u8(0x85);                      // seq, N-PDU, next extension: PDU session
  b.u8(1).u8(0).u8(1).u8(0);                     // extension of 4 bytes, next none
  b.ip4(17, 8).udp(1, 2, 0);
  dissect::anomaly a;
  EXPECT_EQ(stack_of(b, 1, &a), "eth:ip:udp:gtp:ip:udp");
  EXPECT_EQ(a, anomaly::none);
}

TEST(DissectTunnels, ErspanTypesOneTwoThree) {
  bo one;  // GRE 0x88be without sequence number: Ethernet right after GRE
  one.eth(0x0800).ip4(47, 4 + 14 + 28).be16(0).be16(0x88be).eth(0x0800).ip4(17, 8).udp(1, 2, 0);
  EXPECT_EQ(stack_of(one), "eth:ip:gre:eth:ip:udp");
  bo two;  // with sequence number: 8-byte ERSPAN II header
  two.eth(0x0800).ip4(47, 8 + 8 + 14 + 28).be16(0x1000).be16(0x88be).be32(1).be32(0x10000001).be32(0);
  two.eth(0x0800).ip4(17, 8).udp(1, 2, 0);
  EXPECT_EQ(stack_of(two), "eth:ip:gre:erspan:eth:ip:udp");
  bo three;  // type III with the optional 8-byte platform subheader (O bit)
  three.eth(0x0800).ip4(47, 8 + 20 + 14 + 28).be16(0x1000).be16(0x22eb).be32(1);
  three.be32(0x20000001).be32(0).be16(0).u8(0).u8(1).fill(8, 0);
  three.eth(0x0800).ip4(17, 8).udp(1, 2, 0);
  EXPECT_EQ(stack_of(three), "eth:ip:gre:erspan:eth:ip:udp");
}

TEST(DissectTunnels, ArubaGreCarries80211) {
  bo b;
  b.eth(0x0800).ip4(47, 4 + 24 + 8 + 28).be16(0).be16(0x8210);
  b.le16(0x0108).be16(0).fill(6, 1).fill(6, 2).fill(6, 3).be16(0);  // data, ToDS
  b.u8(0xaa).u8(0xaa).u8(3).u8(0).u8(0).u8(0).be16(0x0800);
  b.ip4(17, 8).udp(1, 2, 0);
  EXPECT_EQ(stack_of(b), "eth:ip:gre:wlan:llc:ip:udp");
}

TEST(DissectTunnels, TeredoWithOriginIndication) {
  bo b;
  b.eth(0x0800).ip4(17, 8 + 8 + 48).udp(3544, 50000, 8 + 48);
  b.be16(0).be16(0x1234).be32(0x01020304);  // origin indication
  b.ip6(17, 8).udp(1, 2, 0);
  EXPECT_EQ(stack_of(b), "eth:ip:udp:teredo:ipv6:udp");
  bo bare;  // no Teredo header at all: IPv6 right after UDP
  bare.eth(0x0800).ip4(17, 8 + 48).udp(50000, 3544, 48).ip6(17, 8).udp(1, 2, 0);
  EXPECT_EQ(stack_of(bare), "eth:ip:udp:ipv6:udp");
}

TEST(DissectTunnels, L2tpDataCarriesPpp) {
  bo b;
  b.eth(0x0800).ip4(17, 8 + 10 + 4 + 28).udp(1701, 1701, 10 + 4 + 28);
  b.be16(0x4002).be16(10 + 4 + 28).be16(1).be16(2);  // L bit, version 2; length, tunnel, session
  b.be16(0xff03).be16(0x0021);
  b.ip4(17, 8).udp(1, 2, 0);
  EXPECT_EQ(stack_of(b), "eth:ip:udp:l2tp:ppp:ip:udp");
  bo ctl;  // control message: not followed
  ctl.eth(0x0800).ip4(17, 8 + 12).udp(1701, 1701, 12).be16(0xc802).be16(12).fill(8, 0);
  EXPECT_EQ(stack_of(ctl), "eth:ip:udp");
}

TEST(DissectTunnels, PimRegister) {
  bo b;
  b.eth(0x0800).ip4(103, 8 + 28).u8(0x21).u8(0).be16(0).be32(0).ip4(17, 8, 0xe0000001).udp(1, 2, 0);
  EXPECT_EQ(stack_of(b), "eth:ip:pim:ip:udp");
}

TEST(DissectTunnels, VnTagETagNsh) {
  bo vn;
  vn.eth(0x8926).be32(0x80010002).be16(0x8100).be16(5).be16(0x0800).ip4(17, 8).udp(1, 2, 0);
  EXPECT_EQ(stack_of(vn), "eth:vntag:vlan:ip:udp");
  bo et;
  et.eth(0x893f).fill(6, 0).be16(0x0800).ip4(17, 8).udp(1, 2, 0);
  EXPECT_EQ(stack_of(et), "eth:etag:ip:udp");
  bo nsh;  // base + service path headers (length 2 words), next protocol IPv4
  nsh.eth(0x894f).u8(0x0f).u8(0x02).u8(0x01).u8(0x01).be32(0x000001ff).ip4(17, 8).udp(1, 2, 0);
  EXPECT_EQ(stack_of(nsh), "eth:nsh:ip:udp");
  bo bad;  // NSH length below its own base header
  bad.eth(0x894f).u8(0x0f).u8(0x01).u8(0x01).u8(0x01).be32(0);
  dissect::anomaly a;
  EXPECT_EQ(stack_of(bad, 1, &a), "eth");
  EXPECT_EQ(a, anomaly::truncated);
}

TEST(DissectTunnels, VxlanGpe) {
  bo b;
  b.eth(0x0800).ip4(17, 8 + 8 + 48).udp(40000, 4790, 8 + 48);
  b.u8(0x0c).u8(0).u8(0).u8(0x02).be32(5u << 8);  // next protocol IPv6
  b.ip6(17, 8).udp(1, 2, 0);
  EXPECT_EQ(stack_of(b), "eth:ip:udp:vxlan:ipv6:udp");
}

TEST(DissectTunnels, FabricPathShowsOnlyTheInnerEthernet) {
  bo b;
  b.fill(6, 0x11).fill(6, 0x12).be16(0x8903).be16(0);  // outer header, FTag/TTL
  b.eth(0x0800).ip4(17, 8).udp(1, 2, 0).be32(0);      // inner frame + FCS
  dissect::packet p;
  dissect::dissect(b.v, 1, p);
  std::vector<std::string> src;
  dissect::field_values(p, {}, b.v, "eth.src", src);
  ASSERT_EQ(src.size(), 1u);
  EXPECT_EQ(src[0], "04:04:04:04:04:04");
  EXPECT_EQ(p.first_anomaly, anomaly::none);
}

TEST(DissectTunnels, OtherLinkTypes) {
  bo nflog;  // AF_INET, version 0, resource 0; a prefix TLV, then the payload TLV
  nflog.u8(2).u8(0).be16(0).le16(8).le16(10).fill(4, 'p').le16(4 + 28).le16(9).ip4(17, 8).udp(1, 2, 0);
  EXPECT_EQ(stack_of(nflog, 239), "nflog:ip:udp");
  bo fddi;
  fddi.u8(0x50).fill(6, 1).fill(6, 2).u8(0xaa).u8(0xaa).u8(3).u8(0).u8(0).u8(0).be16(0x0800).ip4(17, 8).udp(1, 2, 0);
  EXPECT_EQ(stack_of(fddi, 10), "fddi:llc:ip:udp");
  bo chdlc;
  chdlc.u8(0x0f).u8(0).be16(0x0800).ip4(17, 8).udp(1, 2, 0);
  EXPECT_EQ(stack_of(chdlc, 104), "chdlc:ip:udp");
  bo fr;  // Q.922 address, UI, NLPID IPv6
  fr.be16(0x0401).u8(0x03).u8(0x8e).ip6(17, 8).udp(1, 2, 0);
  EXPECT_EQ(stack_of(fr, 107), "fr:ipv6:udp");
  bo ppi;  // PPI header of 8 bytes naming Ethernet
  ppi.u8(0).u8(0).le16(8).le32(1).eth(0x0800).ip4(17, 8).udp(1, 2, 0);
  EXPECT_EQ(stack_of(ppi, 192), "ppi:eth:ip:udp");
  bo nested;  // PPI naming PPI is not followed
  nested.u8(0).u8(0).le16(8).le32(192).u8(0).u8(0).le16(8).le32(1);
  EXPECT_EQ(stack_of(nested, 192), "ppi");
}

}  // namespace
