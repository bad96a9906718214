// Dissectors on hand-made bytes: every supported link type and encapsulation, the field values
// as `tshark -T fields` prints them, named anomalies with offsets for bad headers, truncation at
// every byte, and no heap allocation per packet.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "pcapscope/dissect/fields.hpp"
#include "pcapscope/dissect/packet.hpp"
#include "support/alloc_probe.hpp"
#include "support/test_support.hpp"

namespace {

using namespace pcapscope;
using dissect::anomaly;
using dissect::proto;

using test::bytes_out;

// Ethernet II header: dst 00:00:5e:00:53:01, src 00:00:5e:00:53:02.
bytes_out& eth(bytes_out& b, unsigned type) {
  b.u8(0).u8(0).u8(0x5e).u8(0).u8(0x53).u8(1);
  b.u8(0).u8(0).u8(0x5e).u8(0).u8(0x53).u8(2);
  return b.be16(type);
}

// IPv4 header (no options) with the given protocol and payload length; id 0x1234, ttl 64.
bytes_out& ipv4(bytes_out& b, unsigned protocol, unsigned payload, std::uint32_t src = 0xc0000201,
                std::uint32_t dst = 0xc6336401, unsigned flags_frag = 0x4000) {
  return b.u8(0x45).u8(0).be16(20 + payload).be16(0x1234).be16(flags_frag).u8(64).u8(protocol).be16(0)
      .be32(src).be32(dst);
}

// IPv6 header: 2001:db8::1 → 2001:db8::2, hop limit 64.
bytes_out& ipv6(bytes_out& b, unsigned nxt, unsigned plen) {
  b.be32(0x60000000).be16(plen).u8(nxt).u8(64);
  b.be32(0x20010db8).be32(0).be32(0).be32(1);
  b.be32(0x20010db8).be32(0).be32(0).be32(2);
  return b;
}

// TCP header without options: 51234 → 443, seq 1000, ack 2000, flags ACK|PSH, window 512.
bytes_out& tcp(bytes_out& b, unsigned flags = 0x18) {
  return b.be16(51234).be16(443).be32(1000).be32(2000).u8(0x50).u8(flags).be16(512).be16(0).be16(0);
}

bytes_out& udp(bytes_out& b, unsigned sport, unsigned dport, unsigned payload) {
  return b.be16(sport).be16(dport).be16(8 + payload).be16(0);
}

struct dissected {
  std::vector<std::uint8_t> data;
  dissect::packet p;
  dissect::frame_meta m;

  // Comma-joined values of a field, as `pcapscope packets --format tsv` prints them.
  std::string operator[](std::string_view name) const {
    std::vector<std::string> vals;
    EXPECT_TRUE(dissect::field_values(p, m, data, name, vals)) << name;
    std::string s;
    for (std::size_t i = 0; i < vals.size(); ++i) s += (i ? "," : "") + vals[i];
    return s;
  }
  std::string stack() const {
    std::string s;
    for (std::size_t i = 0; i < p.count; ++i) s += (i ? ":" : "") + std::string(dissect::proto_name(p.layers[i].kind));
    return s;
  }
};

dissected run(const bytes_out& b, std::uint32_t link_type = 1, std::uint32_t wire_len = 0) {
  dissected d;
  d.data = b.v;
  dissect::dissect(d.data, link_type, d.p, wire_len);
  d.m.link_type = link_type;
  d.m.caplen = static_cast<std::uint32_t>(d.data.size());
  d.m.origlen = wire_len ? wire_len : d.m.caplen;
  return d;
}

// ---- link layers --------------------------------------------------------------------------

TEST(DissectLink, EthernetIpv4TcpTrimsPadding) {
  bytes_out b;
  eth(b, 0x0800);
  ipv4(b, 6, 20 + 5);
  tcp(b).fill(5, 'x').fill(11, 0);  // 11 bytes of Ethernet padding
  auto d = run(b);
  EXPECT_EQ(d.stack(), "eth:ip:tcp");
  EXPECT_EQ(d["eth.src"], "00:00:5e:00:53:02");
  EXPECT_EQ(d["eth.dst"], "00:00:5e:00:53:01");
  EXPECT_EQ(d["ip.src"], "192.0.2.1");
  EXPECT_EQ(d["ip.dst"], "198.51.100.1");
  EXPECT_EQ(d["ip.proto"], "6");
  EXPECT_EQ(d["ip.ttl"], "64");
  EXPECT_EQ(d["ip.id"], "0x1234");
  EXPECT_EQ(d["ip.flags.mf"], "0");
  EXPECT_EQ(d["ip.frag_offset"], "0");
  EXPECT_EQ(d["tcp.srcport"], "51234");
  EXPECT_EQ(d["tcp.dstport"], "443");
  EXPECT_EQ(d["tcp.seq_raw"], "1000");
  EXPECT_EQ(d["tcp.ack_raw"], "2000");
  EXPECT_EQ(d["tcp.flags"], "0x0018");
  EXPECT_EQ(d["tcp.window_size_value"], "512");
  EXPECT_EQ(d["tcp.len"], "5");
  EXPECT_EQ(d.p.first_anomaly, anomaly::none);
  EXPECT_EQ(d.p.payload_length, 5u);
}

TEST(DissectLink, AckRawPresentWithoutAckFlag) {
  bytes_out b;
  eth(b, 0x0800);
  ipv4(b, 6, 20);
  tcp(b, 0x02);  // SYN only; the ack field still holds 2000
  auto d = run(b);
  EXPECT_EQ(d["tcp.ack_raw"], "2000");
  EXPECT_EQ(d["tcp.flags"], "0x0002");
}

TEST(DissectLink, Ieee8023LlcSnap) {
  bytes_out b;
  eth(b, 8 + 20 + 8);  // 802.3 length
  b.u8(0xaa).u8(0xaa).u8(0x03).u8(0).u8(0).u8(0).be16(0x0800);
  ipv4(b, 17, 8);
  udp(b, 1000, 2000, 0);
  b.fill(10, 0);  // padding beyond the 802.3 length
  auto d = run(b);
  EXPECT_EQ(d.stack(), "eth:llc:ip:udp");
  EXPECT_EQ(d["udp.length"], "8");
  EXPECT_EQ(d.p.first_anomaly, anomaly::none);
}

TEST(DissectLink, VlanAndQinQ) {
  bytes_out b;
  eth(b, 0x88a8);
  b.be16(0x0064).be16(0x8100);  // S-tag 100
  b.be16(0x200a).be16(0x0800);  // C-tag 10, PCP 1
  ipv4(b, 17, 8);
  udp(b, 53, 53, 0);
  auto d = run(b);
  EXPECT_EQ(d.stack(), "eth:vlan:vlan:ip:udp");
  EXPECT_EQ(d["vlan.id"], "10");          // tshark: 802.1ad tags are ieee8021ad.id
  EXPECT_EQ(d["ieee8021ad.id"], "100");

  bytes_out s;  // two 802.1Q tags: both are vlan.id, outer first
  eth(s, 0x8100);
  s.be16(5).be16(0x8100).be16(6).be16(0x0806);
  s.be16(1).be16(0x0800).u8(6).u8(4).be16(1).fill(6, 0xaa).be32(0x0a000001).fill(6).be32(0x0a000002);
  auto q = run(s);
  EXPECT_EQ(q["vlan.id"], "5,6");
  EXPECT_EQ(q["arp.opcode"], "1");
  EXPECT_EQ(q["arp.src.proto_ipv4"], "10.0.0.1");
  EXPECT_EQ(q["arp.dst.proto_ipv4"], "10.0.0.2");
}

TEST(DissectLink, MplsToIpv4AndPseudowire) {
  bytes_out b;
  eth(b, 0x8847);
  b.be32((100u << 12) | 64).be32((200u << 12) | 0x100 | 64);  // two labels, bottom on the second
  ipv4(b, 17, 8);
  udp(b, 1, 2, 0);
  auto d = run(b);
  EXPECT_EQ(d.stack(), "eth:mpls:mpls:ip:udp");
  EXPECT_EQ(d["mpls.label"], "100,200");

  bytes_out pw;  // label, control word, then an Ethernet frame
  eth(pw, 0x8847);
  pw.be32((16u << 12) | 0x100 | 1).be32(0);
  eth(pw, 0x0800);
  ipv4(pw, 17, 8);
  udp(pw, 1, 2, 0);
  auto e = run(pw);
  EXPECT_EQ(e.stack(), "eth:mpls:pwach:eth:ip:udp");
  EXPECT_EQ(e["eth.src"], "00:00:5e:00:53:02,00:00:5e:00:53:02");
}

TEST(DissectLink, PppoeSession) {
  bytes_out b;
  eth(b, 0x8864);
  b.u8(0x11).u8(0).be16(0x0007).be16(2 + 20 + 8).be16(0x0021);
  ipv4(b, 17, 8);
  udp(b, 67, 68, 0);
  b.fill(6, 0);
  auto d = run(b);
  EXPECT_EQ(d.stack(), "eth:pppoes:ppp:ip:udp");
  EXPECT_EQ(d["udp.dstport"], "68");
  EXPECT_EQ(d.p.first_anomaly, anomaly::none);
}

TEST(DissectLink, LinuxCookedV1AndV2) {
  bytes_out b;  // SLL: packet type, ARPHRD, address length, 8 address bytes, protocol
  b.be16(0).be16(1).be16(6).fill(8, 0x11).be16(0x0800);
  ipv4(b, 6, 20);
  tcp(b);
  auto d = run(b, 113);
  EXPECT_EQ(d.stack(), "sll:ip:tcp");
  EXPECT_EQ(d["tcp.len"], "0");

  bytes_out c;  // SLL2: protocol, reserved, ifindex, ARPHRD, packet type, address length, address
  c.be16(0x86dd).be16(0).be32(3).be16(1).u8(4).u8(6).fill(8, 0x22);
  ipv6(c, 17, 8);
  udp(c, 5353, 5353, 0);
  auto e = run(c, 276);
  EXPECT_EQ(e.stack(), "sll:ipv6:udp");
  EXPECT_EQ(e["ipv6.src"], "2001:db8::1");
  EXPECT_EQ(e["ipv6.dst"], "2001:db8::2");
  EXPECT_EQ(e["ipv6.nxt"], "17");
  EXPECT_EQ(e["ipv6.hlim"], "64");
}

TEST(DissectLink, BsdNullAndOpenBsdLoop) {
  bytes_out b;  // NULL: family in host order (little-endian writer here)
  b.le32(2);
  ipv4(b, 1, 8);
  b.u8(8).u8(0).be16(0).be16(1).be16(1);
  auto d = run(b, 0);
  EXPECT_EQ(d.stack(), "null:ip:icmp");
  EXPECT_EQ(d["icmp.type"], "8");
  EXPECT_EQ(d["icmp.code"], "0");

  bytes_out l;  // LOOP: family in network order; 24 is one of the BSDs' AF_INET6
  l.be32(24);
  ipv6(l, 58, 8);
  l.u8(128).u8(0).be16(0).be32(1);
  auto e = run(l, 108);
  EXPECT_EQ(e.stack(), "null:ipv6:icmpv6");
  EXPECT_EQ(e["icmpv6.type"], "128");
}

TEST(DissectLink, RawIpVariants) {
  bytes_out v4;
  ipv4(v4, 17, 8);
  udp(v4, 1, 2, 0);
  bytes_out v6;
  ipv6(v6, 17, 8);
  udp(v6, 1, 2, 0);
  for (std::uint32_t lt : {12u, 14u, 101u}) {
    EXPECT_EQ(run(v4, lt).stack(), "ip:udp") << lt;
    EXPECT_EQ(run(v6, lt).stack(), "ipv6:udp") << lt;
  }
  EXPECT_EQ(run(v4, 228).stack(), "ip:udp");
  EXPECT_EQ(run(v6, 229).stack(), "ipv6:udp");
}

TEST(DissectLink, Ppp) {
  bytes_out b;
  b.u8(0xff).u8(0x03).be16(0x0057);
  ipv6(b, 17, 8);
  udp(b, 1, 2, 0);
  EXPECT_EQ(run(b, 9).stack(), "ppp:ipv6:udp");
  bytes_out c;  // address/control omitted, protocol compressed to one byte
  c.u8(0x21);
  ipv4(c, 17, 8);
  udp(c, 1, 2, 0);
  EXPECT_EQ(run(c, 9).stack(), "ppp:ip:udp");
}

// An 802.11 QoS data frame from the DS (FromDS), LLC/SNAP, IPv4/UDP.
bytes_out wlan_data() {
  bytes_out w;
  w.le16(0x0288);                                     // type data, subtype QoS data, FromDS
  w.be16(0);                                          // duration
  w.fill(6, 0x01).fill(6, 0x02).fill(6, 0x03);        // addr1 (DA), addr2 (BSSID), addr3 (SA)
  w.be16(0);                                          // sequence control
  w.be16(0);                                          // QoS control
  w.u8(0xaa).u8(0xaa).u8(0x03).u8(0).u8(0).u8(0).be16(0x0800);
  ipv4(w, 17, 8);
  udp(w, 1, 2, 0);
  return w;
}

TEST(DissectLink, Wlan80211Data) {
  auto d = run(wlan_data(), 105);
  EXPECT_EQ(d.stack(), "wlan:llc:ip:udp");
  EXPECT_EQ(d["ip.src"], "192.0.2.1");
}

TEST(DissectLink, RadiotapWithFcs) {
  bytes_out b;  // radiotap: version, pad, length 10, present = Flags (bit 1); flags = FCS at end
  b.u8(0).u8(0).le16(10).le32(0x2).u8(0x10).u8(0);
  b.raw(wlan_data().v);
  b.be32(0xdeadbeef);  // FCS
  auto d = run(b, 127);
  EXPECT_EQ(d.stack(), "radiotap:wlan:llc:ip:udp");
  EXPECT_EQ(d.p.payload_length, 0u);  // the FCS is not payload
  EXPECT_EQ(d.p.first_anomaly, anomaly::none);
}

TEST(DissectLink, UnknownLinkType) {
  bytes_out b;
  b.fill(20, 0);
  auto d = run(b, 147);
  EXPECT_EQ(d.p.count, 0);
  EXPECT_EQ(d.p.first_anomaly, anomaly::unknown_link_type);
}

// ---- network layer ------------------------------------------------------------------------

TEST(DissectNet, Ipv4OptionsAndFieldsAfterThem) {
  bytes_out b;
  eth(b, 0x0800);
  b.u8(0x46).u8(0).be16(24 + 8).be16(1).be16(0).u8(1).u8(17).be16(0).be32(0x0a000001).be32(0x0a000002);
  b.u8(0x94).u8(4).be16(0);  // router alert option
  udp(b, 1234, 5678, 0);
  auto d = run(b);
  EXPECT_EQ(d.stack(), "eth:ip:udp");
  EXPECT_EQ(d.p.layers[1].length, 24);
  EXPECT_EQ(d["udp.srcport"], "1234");
}

TEST(DissectNet, Ipv4BadHeaderLength) {
  bytes_out b;
  eth(b, 0x0800);
  ipv4(b, 6, 20);
  tcp(b);
  b.v[14] = 0x44;  // IHL 4 (16 bytes)
  auto d = run(b);
  EXPECT_EQ(d.stack(), "eth");
  EXPECT_EQ(d.p.first_anomaly, anomaly::ip_bogus_header_length);
  EXPECT_EQ(d.p.anomaly_offset, 14);
  EXPECT_EQ(d["ip.src"], "");
}

TEST(DissectNet, Ipv4BadTotalLength) {
  bytes_out b;
  eth(b, 0x0800);
  ipv4(b, 17, 8);
  udp(b, 1, 2, 0);
  b.put16(16, 400);  // beyond the frame
  auto d = run(b);
  EXPECT_EQ(d.p.first_anomaly, anomaly::ip_bogus_total_length);
  EXPECT_EQ(d.p.anomaly_offset, 14);
  EXPECT_EQ(d["udp.srcport"], "1");  // still dissected, as Wireshark does

  b.put16(16, 12);  // shorter than the header
  auto e = run(b);
  EXPECT_EQ(e.p.first_anomaly, anomaly::ip_bogus_total_length);
  EXPECT_EQ(e["ip.src"], "192.0.2.1");
  EXPECT_EQ(e["udp.srcport"], "");

  b.v[14] = 0x55;  // version 5
  EXPECT_EQ(run(b).p.first_anomaly, anomaly::ip_bogus_version);
}

TEST(DissectNet, Ipv4Fragments) {
  bytes_out first;  // MF set, offset 0: the UDP header is here, its length covers the datagram
  eth(first, 0x0800);
  ipv4(first, 17, 8 + 16, 0x0a000001, 0x0a000002, 0x2000);
  udp(first, 7000, 7001, 3000).fill(16, 1);
  auto d = run(first);
  EXPECT_EQ(d.stack(), "eth:ip:udp");
  EXPECT_EQ(d["ip.flags.mf"], "1");
  EXPECT_EQ(d["udp.length"], "3008");
  EXPECT_EQ(d.p.first_anomaly, anomaly::none);

  bytes_out tcp_first;  // TCP in a first fragment: no segment length, as tshark
  eth(tcp_first, 0x0800);
  ipv4(tcp_first, 6, 20 + 8, 0x0a000001, 0x0a000002, 0x2000);
  tcp(tcp_first).fill(8, 1);
  auto t = run(tcp_first);
  EXPECT_EQ(t["tcp.srcport"], "51234");
  EXPECT_EQ(t["tcp.len"], "");

  bytes_out later;  // offset 185 (1480 bytes): payload only
  eth(later, 0x0800);
  ipv4(later, 17, 16, 0x0a000001, 0x0a000002, 185);
  later.fill(16, 1);
  auto e = run(later);
  EXPECT_EQ(e.stack(), "eth:ip");
  EXPECT_EQ(e["ip.frag_offset"], "185");  // Wireshark 4.0 prints 8-byte units
  EXPECT_EQ(e["udp.srcport"], "");
}

TEST(DissectNet, Ipv6ExtensionChain) {
  bytes_out b;
  eth(b, 0x86dd);
  ipv6(b, 0, 8 + 24 + 8 + 8);
  b.u8(43).u8(0).fill(6, 0);                   // hop-by-hop, 8 bytes
  b.u8(60).u8(2).u8(0).u8(0).fill(20, 0);      // routing, 24 bytes
  b.u8(17).u8(0).u8(1).u8(4).fill(4, 0);       // destination options, 8 bytes
  udp(b, 547, 546, 0);
  auto d = run(b);
  EXPECT_EQ(d.stack(), "eth:ipv6:ipv6:ipv6:ipv6:udp");
  EXPECT_EQ(d["ipv6.nxt"], "0");
  EXPECT_EQ(d["udp.dstport"], "546");
  EXPECT_EQ(d.p.first_anomaly, anomaly::none);
}

TEST(DissectNet, Ipv6ExtensionChainLongerThanCap) {
  bytes_out b;
  eth(b, 0x86dd);
  std::size_t n = dissect::max_ipv6_ext + 1;
  ipv6(b, 60, static_cast<unsigned>(8 * n + 8));
  for (std::size_t i = 0; i < n; ++i) b.u8(i + 1 < n ? 60 : 17).u8(0).u8(1).u8(4).fill(4, 0);
  udp(b, 1, 2, 0);
  auto d = run(b);
  EXPECT_EQ(d.p.first_anomaly, anomaly::ipv6_ext_chain_too_long);
  EXPECT_EQ(d.p.anomaly_offset, 14 + 40 + 8 * dissect::max_ipv6_ext);
  EXPECT_EQ(d["udp.srcport"], "");
}

TEST(DissectNet, IcmpErrorQuotesHeaders) {
  bytes_out b;  // destination unreachable quoting an IPv4 header and 8 bytes of TCP
  eth(b, 0x0800);
  ipv4(b, 1, 8 + 20 + 8, 0x0a000001, 0xc0000201);
  b.u8(3).u8(3).be16(0).be32(0);
  ipv4(b, 6, 1000, 0xc0000201, 0x0a000002);  // quoted total length says 1020: cut by design
  b.be16(51234).be16(80).be32(77);
  auto d = run(b);
  EXPECT_EQ(d.stack(), "eth:ip:icmp:ip:tcp");
  EXPECT_EQ(d["ip.src"], "10.0.0.1,192.0.2.1");
  EXPECT_EQ(d["ip.proto"], "1,6");
  EXPECT_EQ(d["icmp.type"], "3");
  EXPECT_EQ(d["icmp.code"], "3");
  EXPECT_EQ(d["tcp.srcport"], "51234");
  EXPECT_EQ(d["tcp.seq_raw"], "");  // tshark omits the raw twin and the length in a quote
  EXPECT_EQ(d["tcp.ack_raw"], "");  // beyond the quoted 8 bytes
  EXPECT_EQ(d["tcp.len"], "");
  EXPECT_EQ(d.p.first_anomaly, anomaly::none);
  EXPECT_TRUE(d.p.layers[4].flags & dissect::layer_quoted);
}

TEST(DissectNet, Icmpv6ErrorQuotesHeaders) {
  bytes_out b;
  eth(b, 0x86dd);
  ipv6(b, 58, 8 + 40 + 8);
  b.u8(1).u8(4).be16(0).be32(0);
  ipv6(b, 17, 100);
  udp(b, 5000, 6000, 92);
  auto d = run(b);
  EXPECT_EQ(d.stack(), "eth:ipv6:icmpv6:ipv6:udp");
  EXPECT_EQ(d["icmpv6.type"], "1");
  EXPECT_EQ(d["icmpv6.code"], "4");
  EXPECT_EQ(d["ipv6.nxt"], "58,17");
  EXPECT_EQ(d["udp.length"], "100");
  EXPECT_EQ(d.p.first_anomaly, anomaly::none);
}

TEST(DissectNet, GreWithKeyAndTransparentEthernet) {
  bytes_out b;
  eth(b, 0x0800);
  ipv4(b, 47, 8 + 20 + 8);
  b.be16(0x2000).be16(0x0800).be32(0xabcd);  // K bit, key
  ipv4(b, 17, 8, 0x0a000001, 0x0a000002);
  udp(b, 1, 2, 0);
  auto d = run(b);
  EXPECT_EQ(d.stack(), "eth:ip:gre:ip:udp");
  EXPECT_EQ(d["ip.dst"], "198.51.100.1,10.0.0.2");
  const auto* g = d.p.first(proto::gre);
  ASSERT_NE(g, nullptr);
  EXPECT_TRUE(g->gre.has_key);
  EXPECT_EQ(g->gre.key, 0xabcdu);

  bytes_out t;
  eth(t, 0x0800);
  ipv4(t, 47, 4 + 14 + 20 + 8);
  t.be16(0).be16(0x6558);
  eth(t, 0x0800);
  ipv4(t, 17, 8);
  udp(t, 1, 2, 0);
  EXPECT_EQ(run(t).stack(), "eth:ip:gre:eth:ip:udp");

  bytes_out v;  // GRE version 2 does not exist: header kept, payload not followed
  eth(v, 0x0800);
  ipv4(v, 47, 8);
  v.be16(0x0002).be16(0x0800).be32(0);
  auto e = run(v);
  EXPECT_EQ(e.stack(), "eth:ip:gre");
  EXPECT_EQ(e.p.first_anomaly, anomaly::gre_unsupported);
}

TEST(DissectNet, VxlanAndGeneve) {
  bytes_out b;
  eth(b, 0x0800);
  ipv4(b, 17, 8 + 8 + 14 + 20 + 8);
  udp(b, 40000, 4789, 8 + 14 + 20 + 8);
  b.be32(0x08000000).be32(42u << 8);
  eth(b, 0x0800);
  ipv4(b, 17, 8, 0x0a000001, 0x0a000002);
  udp(b, 53, 53, 0);
  auto d = run(b);
  EXPECT_EQ(d.stack(), "eth:ip:udp:vxlan:eth:ip:udp");
  EXPECT_EQ(d.p.first(proto::vxlan)->tunnel.vni, 42u);
  EXPECT_EQ(d["udp.srcport"], "40000,53");

  bytes_out g;  // Geneve with 8 bytes of options
  eth(g, 0x0800);
  ipv4(g, 17, 8 + 16 + 14 + 20 + 8);
  udp(g, 40000, 6081, 16 + 14 + 20 + 8);
  g.u8(0x02).u8(0).be16(0x6558).be32(7u << 8).fill(8, 0);
  eth(g, 0x0800);
  ipv4(g, 6, 20, 0x0a000001, 0x0a000002);
  tcp(g);
  auto e = run(g);
  EXPECT_EQ(e.stack(), "eth:ip:udp:geneve:eth:ip:tcp");
  EXPECT_EQ(e.p.first(proto::geneve)->length, 16);
  EXPECT_EQ(e.p.first(proto::geneve)->tunnel.vni, 7u);
}

TEST(DissectNet, IpInIpAnd6in4And4in6) {
  bytes_out b;
  ipv4(b, 4, 20 + 8);
  ipv4(b, 17, 8, 0x0a000001, 0x0a000002);
  udp(b, 1, 2, 0);
  EXPECT_EQ(run(b, 101).stack(), "ip:ip:udp");
  bytes_out c;
  ipv4(c, 41, 40 + 8);
  ipv6(c, 17, 8);
  udp(c, 1, 2, 0);
  EXPECT_EQ(run(c, 101).stack(), "ip:ipv6:udp");
  bytes_out e;
  ipv6(e, 4, 20 + 8);
  ipv4(e, 17, 8);
  udp(e, 1, 2, 0);
  EXPECT_EQ(run(e, 101).stack(), "ipv6:ip:udp");
}

// ---- transport layer ----------------------------------------------------------------------

TEST(DissectTransport, TcpOptions) {
  bytes_out b;
  eth(b, 0x0800);
  ipv4(b, 6, 40);
  b.be16(1).be16(2).be32(3).be32(0).u8(0xa0).u8(0x02).be16(65535).be16(0).be16(0);
  b.u8(2).u8(4).be16(1460);                 // MSS
  b.u8(4).u8(2);                            // SACK permitted
  b.u8(8).u8(10).be32(111).be32(0);         // timestamps
  b.u8(1);                                  // NOP
  b.u8(3).u8(3).u8(7);                      // window scale
  auto d = run(b);
  const auto& t = d.p.last(proto::tcp)->tcp;
  EXPECT_EQ(t.hdr_len, 40);
  EXPECT_EQ(t.mss, 1460);
  EXPECT_TRUE(t.sack_perm);
  EXPECT_TRUE(t.has_ts);
  EXPECT_EQ(t.ts_val, 111u);
  EXPECT_EQ(t.wscale, 7);
  EXPECT_EQ(d["tcp.len"], "0");
  EXPECT_EQ(d["tcp.options.mss_val"], "1460");
}

// What RFC 9293 (3.1), RFC 7323 and RFC 2018 make of TCP option bytes: kinds 0 (end) and 1
// (NOP) are one byte, every other option has a length byte of at least 2 that must fit; MSS
// has length 4, window scale 3, timestamps 10; a SACK block is 8 bytes.
struct option_walk {
  std::uint16_t mss = 0;
  std::uint8_t wscale = 0xff, sack_blocks = 0;
  bool sack_perm = false, has_ts = false;
  std::uint32_t ts_val = 0, ts_ecr = 0;
};
option_walk walk_options(const std::vector<std::uint8_t>& o) {
  option_walk w;
  auto be16 = [&](std::size_t at) { return static_cast<std::uint16_t>(o[at] << 8 | o[at + 1]); };
  auto be32 = [&](std::size_t at) { return std::uint32_t{be16(at)} << 16 | be16(at + 2); };
  for (std::size_t i = 0; i < o.size();) {
    if (o[i] == 0) break;
    if (o[i] == 1) {
      ++i;
      continue;
    }
    if (i + 1 >= o.size() || o[i + 1] < 2 || i + o[i + 1] > o.size()) break;
    const std::size_t len = o[i + 1];
    if (o[i] == 2 && len == 4) w.mss = be16(i + 2);
    if (o[i] == 3 && len == 3) w.wscale = o[i + 2];
    if (o[i] == 4) w.sack_perm = true;
    if (o[i] == 5) w.sack_blocks = static_cast<std::uint8_t>((len - 2) / 8);
    if (o[i] == 8 && len == 10) {
      w.has_ts = true;
      w.ts_val = be32(i + 2);
      w.ts_ecr = be32(i + 6);
    }
    i += len;
  }
  return w;
}

// The option layouts the dissector decodes in line (NOP, NOP, timestamps; a Linux SYN's MSS,
// SACK permitted, timestamps, NOP, window scale), and every one-byte change of them, which
// mostly takes the option-by-option walk: the fields are those the RFCs give either way.
TEST(DissectTransport, TcpOptionLayoutsDecodedInLine) {
  const std::vector<std::vector<std::uint8_t>> layouts = {
      {1, 1, 8, 10, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88},
      {2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 1, 3, 3, 7},
  };
  const std::uint8_t values[] = {0, 1, 2, 3, 4, 5, 8, 9, 10, 11, 12, 20, 0x80, 0xff};
  std::size_t checked = 0;
  for (const auto& layout : layouts) {
    for (std::size_t at = 0; at <= layout.size(); ++at) {
      for (std::uint8_t v : values) {
        std::vector<std::uint8_t> o = layout;
        if (at < o.size()) o[at] = v;  // at == size: the layout as it is
        bytes_out b;
        eth(b, 0x0800);
        ipv4(b, 6, static_cast<unsigned>(20 + o.size()));
        b.be16(1).be16(2).be32(3).be32(0).u8(static_cast<unsigned>((20 + o.size()) / 4) << 4).u8(0x02).be16(65535)
            .be16(0).be16(0).raw(o);
        auto d = run(b);
        const auto* l = d.p.last(proto::tcp);
        ASSERT_NE(l, nullptr);
        const auto& t = l->tcp;
        const option_walk w = walk_options(o);
        const std::string where = "layout of " + std::to_string(layout.size()) + ", byte " + std::to_string(at) +
                                  " = " + std::to_string(v);
        EXPECT_EQ(t.mss, w.mss) << where;
        EXPECT_EQ(t.wscale, w.wscale) << where;
        EXPECT_EQ(t.sack_perm, w.sack_perm) << where;
        EXPECT_EQ(t.sack_blocks, w.sack_blocks) << where;
        EXPECT_EQ(t.has_ts, w.has_ts) << where;
        EXPECT_EQ(t.ts_val, w.ts_val) << where;
        EXPECT_EQ(t.ts_ecr, w.ts_ecr) << where;
        ++checked;
      }
    }
  }
  EXPECT_EQ(checked, (12u + 1 + 20 + 1) * std::size(values));
  // The layouts themselves, as the RFCs read them.
  const option_walk syn = walk_options(layouts[1]);
  EXPECT_EQ(syn.mss, 1460);
  EXPECT_EQ(syn.wscale, 7);
  EXPECT_TRUE(syn.sack_perm);
  EXPECT_EQ(syn.ts_val, 0x11223344u);
  EXPECT_EQ(syn.ts_ecr, 0x55667788u);
}

TEST(DissectTransport, TcpDataOffsetBelowFive) {
  bytes_out b;
  eth(b, 0x0800);
  ipv4(b, 6, 20);
  tcp(b);
  b.v[14 + 20 + 12] = 0x40;  // data offset 4
  auto d = run(b);
  EXPECT_EQ(d.p.first_anomaly, anomaly::tcp_bogus_header_length);
  EXPECT_EQ(d.p.anomaly_offset, 34);
  EXPECT_EQ(d["tcp.srcport"], "51234");
  EXPECT_EQ(d["tcp.seq_raw"], "1000");
  EXPECT_EQ(d["tcp.ack_raw"], "");  // Wireshark stops after the sequence number
  EXPECT_EQ(d["tcp.len"], "4");     // … but has computed the length with the bogus offset
}

TEST(DissectTransport, TcpLenFromWireLengthWhenSnapped) {
  bytes_out b;
  eth(b, 0x0800);
  ipv4(b, 6, 20 + 1448);
  tcp(b).fill(30, 'x');  // snap length kept 30 of 1448 payload bytes
  auto d = run(b, 1, 14 + 20 + 20 + 1448);
  EXPECT_EQ(d["tcp.len"], "1448");
  EXPECT_EQ(d.p.first_anomaly, anomaly::none);
}

TEST(DissectTransport, UdpBadLength) {
  bytes_out b;
  eth(b, 0x0800);
  ipv4(b, 17, 8 + 4);
  udp(b, 1, 2, 4);
  b.fill(4, 0);
  b.put16(14 + 20 + 4, 4);  // < 8
  auto d = run(b);
  EXPECT_EQ(d.p.first_anomaly, anomaly::udp_bogus_length);
  EXPECT_EQ(d.p.anomaly_offset, 34);
  EXPECT_EQ(d["udp.length"], "4");

  b.put16(14 + 20 + 4, 200);  // beyond the IP payload
  EXPECT_EQ(run(b).p.first_anomaly, anomaly::udp_bogus_length);
}

TEST(DissectTransport, Sctp) {
  bytes_out b;
  eth(b, 0x0800);
  ipv4(b, 132, 12 + 16 + 20);
  b.be16(2905).be16(2905).be32(0x01020304).be32(0);
  b.u8(1).u8(0).be16(16).fill(12, 0);  // INIT chunk
  b.u8(0).u8(3).be16(20).fill(16, 0);  // DATA chunk
  auto d = run(b);
  EXPECT_EQ(d.stack(), "eth:ip:sctp");
  const auto& s = d.p.last(proto::sctp)->sctp;
  EXPECT_EQ(s.sport, 2905);
  EXPECT_EQ(s.vtag, 0x01020304u);
  EXPECT_EQ(s.chunks, 2);
  EXPECT_EQ(s.first_chunk, 1);
  EXPECT_EQ(d["sctp.srcport"], "2905");
}

// ---- robustness ---------------------------------------------------------------------------

// A deep packet: Ethernet / 802.1Q / IPv4 / GRE (key) / Ethernet / IPv6 + hop-by-hop / TCP + options.
bytes_out deep_sample() {
  bytes_out b;
  eth(b, 0x8100);
  b.be16(7).be16(0x0800);
  ipv4(b, 47, 8 + 14 + 40 + 8 + 36 + 4);
  b.be16(0x2000).be16(0x6558).be32(1);
  eth(b, 0x86dd);
  ipv6(b, 0, 8 + 36 + 4);
  b.u8(6).u8(0).fill(6, 0);
  b.be16(1).be16(2).be32(3).be32(4).u8(0x90).u8(0x10).be16(5).be16(0).be16(0);
  b.u8(2).u8(4).be16(1460).u8(1).u8(1).u8(8).u8(10).be32(1).be32(2);
  b.fill(4, 'd');
  return b;
}

TEST(DissectRobustness, TruncatedAtEveryByteNeverCrashesAndFlags) {
  bytes_out full = deep_sample();
  auto whole = run(full);
  ASSERT_EQ(whole.stack(), "eth:vlan:ip:gre:eth:ipv6:ipv6:tcp");
  ASSERT_EQ(whole.p.first_anomaly, anomaly::none);
  std::size_t headers = full.size() - 4;
  for (std::size_t n = 0; n < full.size(); ++n) {
    bytes_out cut;
    cut.v.assign(full.v.begin(), full.v.begin() + static_cast<std::ptrdiff_t>(n));
    // As captured with a snap length of n: the wire length is the full packet.
    auto d = run(cut, 1, static_cast<std::uint32_t>(full.size()));
    if (n < headers) {
      EXPECT_GT(d.p.anomalies, 0) << "cut at " << n;
      EXPECT_NE(d.p.first_anomaly, anomaly::none) << "cut at " << n;
      EXPECT_LE(d.p.anomaly_offset, n) << "cut at " << n;
    } else {
      EXPECT_EQ(d.p.first_anomaly, anomaly::none) << "cut at " << n;
    }
    for (std::size_t i = 0; i < d.p.count; ++i) {
      const auto& l = d.p.layers[i];
      EXPECT_LE(l.offset + l.captured, n) << "cut at " << n;
    }
    // Formatting every field must stay inside the bytes too.
    for (auto f : dissect::known_fields()) (void)d[f];
  }
}

TEST(DissectRobustness, EveryLinkTypeOnEveryPrefix) {
  bytes_out full = deep_sample();
  for (std::uint32_t lt : {0u, 1u, 9u, 10u, 12u, 14u, 50u, 51u, 101u, 104u, 105u, 107u, 108u, 113u, 127u,
                           192u, 204u, 228u, 229u, 239u, 276u}) {
    for (std::size_t n = 0; n <= full.size(); ++n) {
      dissect::packet p;
      dissect::dissect(std::span(full.v.data(), n), lt, p);
      EXPECT_LE(p.count, dissect::max_layers);
    }
  }
}

TEST(DissectRobustness, EncapsulationDepthIsBounded) {
  bytes_out b;  // IPv4 in IPv4 … nested beyond the layer stack
  std::size_t depth = dissect::max_layers + 8;
  for (std::size_t i = 0; i < depth; ++i) ipv4(b, 4, static_cast<unsigned>(20 * (depth - i - 1)));
  auto d = run(b, 101);
  EXPECT_EQ(d.p.count, dissect::max_layers);
  EXPECT_EQ(d.p.first_anomaly, anomaly::too_many_layers);
}

TEST(DissectRobustness, NoAllocationPerPacket) {
  if (!test::alloc_probe::enabled()) GTEST_SKIP() << "allocation counting is off under sanitizers";
  bytes_out full = deep_sample();
  dissect::packet p;
  test::alloc_probe probe;
  for (int i = 0; i < 1000; ++i) dissect::dissect(full.v, 1, p);
  EXPECT_EQ(probe.count(), 0u);
}

}  // namespace
