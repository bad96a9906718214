// The analysis pass's transport fast path (`tcp_segment_of`, `udp_payload_of`) against the
// general `find_transport` on hand-built packets cut at every length: IPv4/IPv6, VLAN, VXLAN and
// GRE tunnels, ICMP error quotes, bogus and optioned TCP headers, fragments and reassembled
// datagrams.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "pcapscope/capture/types.hpp"
#include "pcapscope/dissect/packet.hpp"
#include "pcapscope/flow/flow.hpp"
#include "pcapscope/index/index.hpp"
#include "pcapscope/reassembly/follow.hpp"
#include "support/packets.hpp"

namespace {

using namespace pcapscope;
using bytes_v = std::vector<std::uint8_t>;

using pcapscope::test::put16;
using pcapscope::test::put32;
bytes_v cat(bytes_v a, const bytes_v& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}
bytes_v text(const std::string& s) { return bytes_v(s.begin(), s.end()); }

// TCP header of `hl` bytes (NOP options past 20; a data offset below 5 is kept as given) and payload.
bytes_v tcp(std::uint8_t flags, std::uint32_t seq, std::uint32_t ack, const std::string& payload,
            std::uint8_t hl = 20, std::uint16_t dport = 443) {
  bytes_v v;
  put16(v, 40000);
  put16(v, dport);
  put32(v, seq);
  put32(v, ack);
  v.push_back(static_cast<std::uint8_t>((hl / 4) << 4));
  v.push_back(flags);
  put16(v, 0xffff);
  put32(v, 0);
  for (int i = 20; i < hl; ++i) v.push_back(1);
  return cat(v, text(payload));
}

// UDP datagram; `length` 0: the right length field.
bytes_v udp(std::uint16_t dport, const bytes_v& payload, std::uint16_t length = 0) {
  bytes_v v;
  put16(v, 5000);
  put16(v, dport);
  put16(v, length ? length : static_cast<std::uint32_t>(8 + payload.size()));
  put16(v, 0);
  return cat(v, payload);
}

// IPv4 header carrying `l4`: `frag` is the fragment offset in 8-byte units, `mf` More Fragments.
bytes_v ipv4(std::uint8_t proto, const bytes_v& l4, std::uint16_t frag = 0, bool mf = false,
             std::uint16_t id = 7, std::uint16_t total = 0) {
  bytes_v v = {0x45, 0};
  put16(v, total ? total : static_cast<std::uint32_t>(20 + l4.size()));
  put16(v, id);
  put16(v, (mf ? 0x2000u : 0u) | frag);
  v.insert(v.end(), {64, proto, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2});
  return cat(v, l4);
}

// IPv6 header carrying `l4` (with a fragment header when `frag_hdr`).
bytes_v ipv6(std::uint8_t nxt, const bytes_v& l4, bool frag_hdr = false, std::uint16_t frag = 0, bool mf = false) {
  bytes_v body = l4;
  if (frag_hdr) {
    bytes_v f = {nxt, 0};
    put16(f, (frag << 3) | (mf ? 1u : 0u));
    put32(f, 99);
    body = cat(f, l4);
    nxt = 44;
  }
  bytes_v v = {0x60, 0, 0, 0};
  put16(v, static_cast<std::uint32_t>(body.size()));
  v.insert(v.end(), {nxt, 64});
  for (int i = 0; i < 32; ++i) v.push_back(static_cast<std::uint8_t>(i == 15 ? 1 : i == 31 ? 2 : 0));
  return cat(v, body);
}

// Ethernet frame of `ethertype`, with an 802.1Q tag when `vlan`.
bytes_v eth(std::uint16_t ethertype, const bytes_v& payload, bool vlan = false) {
  bytes_v v = {0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 1};
  if (vlan) {
    put16(v, 0x8100);
    put16(v, 42);
  }
  put16(v, ethertype);
  return cat(v, payload);
}

// VXLAN (UDP 4789) carrying the Ethernet frame `inner`.
bytes_v vxlan(const bytes_v& inner) {
  bytes_v h = {0x08, 0, 0, 0, 0, 0, 5, 0};
  return eth(0x0800, ipv4(17, udp(4789, cat(h, inner))));
}

// GRE carrying the IPv4 packet `inner`.
bytes_v gre(const bytes_v& inner) {
  bytes_v h = {0, 0, 0x08, 0x00};
  return eth(0x0800, ipv4(47, cat(h, inner)));
}

// ICMP destination unreachable quoting `quoted` (an IP packet).
bytes_v icmp_error(const bytes_v& quoted) {
  bytes_v h = {3, 3, 0, 0, 0, 0, 0, 0};
  return eth(0x0800, ipv4(1, cat(h, quoted)));
}

// Same bytes at the same place (empty views are equal whatever their pointer).
bool same_view(util::bytes a, util::bytes b) {
  return a.size() == b.size() && (a.empty() || a.data() == b.data());
}

struct tally {
  int regular_tcp = 0, irregular_tcp = 0, regular_udp = 0, irregular_udp = 0, none = 0;
};

// The fast path gives for `p` (dissected from `data`) exactly what find_transport gives.
void expect_same(const dissect::packet& p, util::bytes data, tally& n, const std::string& what) {
  SCOPED_TRACE(what);
  reassembly::transport_view tv;
  const bool general = reassembly::find_transport(p, data, tv);
  if (p.transport == dissect::packet::no_layer) {
    EXPECT_FALSE(general);
    ++n.none;
    return;
  }
  const dissect::layer& tl = p.layers[p.transport];
  if (tl.kind == dissect::proto::tcp) {
    reassembly::tcp_segment_view s;
    s.tag = 12345;
    const bool fast = reassembly::tcp_segment_of(p, tl, data, s);
    ASSERT_EQ(fast, general);
    EXPECT_EQ(s.tag, 12345u);
    (p.irregular ? n.irregular_tcp : n.regular_tcp) += 1;
    if (!general) return;
    EXPECT_EQ(tv.proto, flow::ip_proto_tcp);
    EXPECT_EQ(s.seq, tv.tcp.seq);
    EXPECT_EQ(s.ack, tv.tcp.ack);
    EXPECT_EQ(s.flags, tv.tcp.flags);
    EXPECT_EQ(s.wire_len, tv.tcp.wire_len);
    EXPECT_TRUE(same_view(s.data, tv.tcp.data)) << s.data.size() << " vs " << tv.tcp.data.size();
  } else if (tl.kind == dissect::proto::udp) {
    ASSERT_TRUE(general);
    EXPECT_EQ(tv.proto, flow::ip_proto_udp);
    const util::bytes fast = reassembly::udp_payload_of(tl, data);
    EXPECT_TRUE(same_view(fast, tv.payload)) << fast.size() << " vs " << tv.payload.size();
    (p.irregular ? n.irregular_udp : n.regular_udp) += 1;
  } else {
    EXPECT_FALSE(general);
    ++n.none;
  }
}

// Every prefix of `frame`, dissected as cut by a snap length (wire length the whole frame)
// and as the whole packet.
void every_cut(const bytes_v& frame, tally& n, const std::string& what) {
  dissect::packet p;
  for (std::size_t len = 0; len <= frame.size(); ++len) {
    const util::bytes data(frame.data(), len);
    dissect::dissect(data, 1, p, static_cast<std::uint32_t>(frame.size()));
    expect_same(p, data, n, what + " cut at " + std::to_string(len));
    dissect::dissect(data, 1, p);
    expect_same(p, data, n, what + " truncated at " + std::to_string(len));
  }
}

TEST(TransportFastPath, MatchesFindTransportAtEveryCut) {
  const std::string pay = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  const std::vector<std::pair<std::string, bytes_v>> frames = {
      {"ipv4 tcp", eth(0x0800, ipv4(6, tcp(0x18, 1000, 2000, pay)))},
      {"ipv4 tcp ack", eth(0x0800, ipv4(6, tcp(0x10, 1000, 2000, "")))},
      {"ipv4 tcp options", eth(0x0800, ipv4(6, tcp(0x18, 1000, 2000, pay, 32)))},
      {"ipv4 tcp bogus header length", eth(0x0800, ipv4(6, tcp(0x18, 1000, 2000, pay, 8)))},
      {"ipv4 tcp header past segment", eth(0x0800, ipv4(6, tcp(0x18, 1000, 2000, "", 60)))},
      {"ipv4 tcp short total length", eth(0x0800, ipv4(6, tcp(0x18, 1000, 2000, pay), 0, false, 7, 30))},
      {"ipv4 tcp padded frame", cat(eth(0x0800, ipv4(6, tcp(0x10, 1000, 2000, ""))), bytes_v(6, 0))},
      {"vlan ipv4 tcp", eth(0x0800, ipv4(6, tcp(0x18, 1, 2, pay)), true)},
      {"ipv6 tcp", eth(0x86dd, ipv6(6, tcp(0x18, 1000, 2000, pay)))},
      {"vlan ipv6 tcp", eth(0x86dd, ipv6(6, tcp(0x18, 1000, 2000, pay)), true)},
      {"ipv4 udp", eth(0x0800, ipv4(17, udp(53, text("dns payload here"))))},
      {"ipv4 udp long length", eth(0x0800, ipv4(17, udp(9999, text("abcdef"), 200)))},
      {"ipv4 udp short length", eth(0x0800, ipv4(17, udp(9999, text("abcdef"), 4)))},
      {"ipv4 udp length below ip payload", eth(0x0800, ipv4(17, udp(9999, text("abcdefghij"), 11)))},
      {"ipv4 udp padded frame", cat(eth(0x0800, ipv4(17, udp(9999, text("ab")))), bytes_v(10, 0))},
      {"ipv4 udp header past total length", eth(0x0800, ipv4(17, udp(9999, text("abcdef")), 0, false, 7, 25))},
      {"ipv6 udp", eth(0x86dd, ipv6(17, udp(9999, text("some bytes"))))},
      {"vxlan tcp", vxlan(eth(0x0800, ipv4(6, tcp(0x18, 1000, 2000, pay))))},
      {"vxlan arp", vxlan(eth(0x0806, bytes_v(28, 1)))},
      {"gre tcp", gre(ipv4(6, tcp(0x18, 1000, 2000, pay)))},
      {"gre ipv4 udp", gre(ipv4(17, udp(9999, text("xyz"))))},
      {"icmp error quoting tcp", icmp_error(ipv4(6, tcp(0x18, 1000, 2000, pay)))},
      {"ipv4 first fragment tcp", eth(0x0800, ipv4(6, tcp(0x18, 1000, 2000, pay), 0, true))},
      {"ipv4 later fragment", eth(0x0800, ipv4(6, text("fragment bytes"), 3, false))},
      {"ipv4 first fragment udp", eth(0x0800, ipv4(17, udp(53, text("0123456789abcdef")), 0, true))},
      {"ipv6 first fragment tcp", eth(0x86dd, ipv6(6, tcp(0x18, 1000, 2000, pay), true, 0, true))},
      {"ipv6 atomic fragment udp", eth(0x86dd, ipv6(17, udp(9999, text("whole")), true, 0, false))},
  };
  tally n;
  for (const auto& [what, frame] : frames) every_cut(frame, n, what);
  // Both sides of the fast path were exercised, regular packets and irregular ones.
  EXPECT_GT(n.regular_tcp, 50);
  EXPECT_GT(n.irregular_tcp, 500);
  EXPECT_GT(n.regular_udp, 20);
  EXPECT_GT(n.irregular_udp, 50);
  EXPECT_GT(n.none, 500);
}

// The record the index builder hands out for a completed datagram: outer layers from the
// last fragment, the transport from the reassembled bytes.
TEST(TransportFastPath, MatchesFindTransportOnReassembledDatagrams) {
  flow::flow_tracker flows;
  index::index_builder b(nullptr, &flows);
  tally n;
  const bytes_v tcp_l4 = tcp(0x18, 1000, 2000, "0123456789abcdefghijklmnopqrstuvwxyz", 24);
  const bytes_v udp_l4 = udp(9999, text("0123456789abcdefghijklmnopqrstuvwxyz"));
  int completed = 0;
  for (const bytes_v* l4 : {&tcp_l4, &udp_l4}) {
    const std::uint8_t proto = l4 == &tcp_l4 ? 6 : 17;
    const std::uint16_t id = proto;
    const bytes_v first(l4->begin(), l4->begin() + 32), rest(l4->begin() + 32, l4->end());
    // The IP header's total length covers each fragment; ipv4() computes it.
    for (const bytes_v& frame : {eth(0x0800, ipv4(proto, first, 0, true, id)), eth(0x0800, ipv4(proto, rest, 4, false, id))}) {
      capture::record r;
      r.link_type = 1;
      r.data = frame;
      r.caplen = r.origlen = static_cast<std::uint32_t>(frame.size());
      b.on_record(r);
      expect_same(b.last_packet(), b.last_flow_record().data, n, "datagram of protocol " + std::to_string(proto));
      if (&b.last_flow_record() != &r) {
        ++completed;
        const auto& p = b.last_packet();
        ASSERT_NE(p.transport, dissect::packet::no_layer);
        reassembly::transport_view tv;
        ASSERT_TRUE(reassembly::find_transport(p, b.last_flow_record().data, tv));
        EXPECT_EQ(tv.payload.size(), 36u);  // the whole reassembled payload
      }
    }
  }
  EXPECT_EQ(completed, 2);
  EXPECT_EQ(n.irregular_tcp + n.irregular_udp, 4);
}

}  // namespace
