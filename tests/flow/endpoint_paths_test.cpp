// endpoint_table against a per-packet model of its definition (flow/flow.hpp, docs/flows.md) on
// hand-built traffic that takes each of its paths: the straight one (a flow's packet whose
// first layer is Ethernet, at the MAC hints of its flow) and the general one (no flow, a new
// flow, a MAC address changed within a flow, the same address on both sides, no Ethernet
// first: raw IP and Linux cooked links, a tunnel whose only Ethernet header is inside it),
// with VLAN tags, VXLAN, ICMP errors quoting a packet, and IPv6.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <map>
#include <utility>
#include <vector>

#include "pcapscope/capture/types.hpp"
#include "pcapscope/dissect/packet.hpp"
#include "pcapscope/flow/flow.hpp"
#include "support/packets.hpp"

namespace {

using namespace pcapscope;
using bytes_t = std::vector<std::uint8_t>;

using pcapscope::test::put16;
using pcapscope::test::put32;
void append(bytes_t& b, const bytes_t& tail) { b.insert(b.end(), tail.begin(), tail.end()); }

// MAC address 02:00:00:00:hi:lo (two bytes vary, so that a compare of only some bytes fails).
bytes_t mac(unsigned n) { return {0x02, 0, 0, 0, static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n)}; }

// Ethernet header; `vlans` tags follow the addresses.
bytes_t eth(unsigned dst, unsigned src, unsigned type, int vlans = 0) {
  bytes_t b = mac(dst);
  append(b, mac(src));
  for (int i = 0; i < vlans; ++i) {
    put16(b, i == 0 && vlans > 1 ? 0x88a8 : 0x8100);
    put16(b, 100 + static_cast<unsigned>(i));
  }
  put16(b, type);
  return b;
}

bytes_t ipv4(std::uint8_t s, std::uint8_t d, std::uint8_t proto, const bytes_t& l4) {
  bytes_t b = {0x45, 0};
  put16(b, static_cast<unsigned>(20 + l4.size()));
  put32(b, 0x00014000);
  b.push_back(64);
  b.push_back(proto);
  put16(b, 0);
  for (std::uint8_t a : {std::uint8_t{10}, std::uint8_t{0}, std::uint8_t{0}, s}) b.push_back(a);
  for (std::uint8_t a : {std::uint8_t{10}, std::uint8_t{0}, std::uint8_t{0}, d}) b.push_back(a);
  append(b, l4);
  return b;
}

bytes_t ipv6(std::uint8_t s, std::uint8_t d, std::uint8_t nxt, const bytes_t& l4) {
  bytes_t b = {0x60, 0, 0, 0};
  put16(b, static_cast<unsigned>(l4.size()));
  b.push_back(nxt);
  b.push_back(64);
  for (std::uint8_t last : {s, d}) {
    bytes_t a(16, 0);
    a[0] = 0x20;
    a[1] = 0x01;
    a[15] = last;
    append(b, a);
  }
  append(b, l4);
  return b;
}

bytes_t tcp(unsigned sport, unsigned dport, unsigned flags, std::size_t payload = 0, std::uint32_t seq = 1000) {
  bytes_t b;
  put16(b, sport);
  put16(b, dport);
  put32(b, seq);
  put32(b, 2000);
  put16(b, 0x5000 | flags);
  put16(b, 65535);
  put32(b, 0);
  b.resize(b.size() + payload, 'x');
  return b;
}

bytes_t udp(unsigned sport, unsigned dport, const bytes_t& payload) {
  bytes_t b;
  put16(b, sport);
  put16(b, dport);
  put16(b, static_cast<unsigned>(8 + payload.size()));
  put16(b, 0);
  append(b, payload);
  return b;
}

// Ethernet / IPv4 / TCP from host `s` (MAC `ms`) to `d` (MAC `md`).
bytes_t eth_tcp(unsigned ms, unsigned md, std::uint8_t s, std::uint8_t d, unsigned sport, unsigned dport,
                unsigned flags, int vlans = 0, std::size_t payload = 0) {
  bytes_t b = eth(md, ms, 0x0800, vlans);
  append(b, ipv4(s, d, 6, tcp(sport, dport, flags, payload)));
  return b;
}

// VXLAN (UDP 4789) carrying an Ethernet frame.
bytes_t vxlan(const bytes_t& inner_frame) {
  bytes_t v = {0x08, 0, 0, 0, 0, 0, 0x2a, 0};
  append(v, inner_frame);
  return udp(40000, 4789, v);
}

// An ICMP destination-unreachable error quoting `quoted` (an IPv4 packet).
bytes_t icmp_error(const bytes_t& quoted) {
  bytes_t b = {3, 3, 0, 0, 0, 0, 0, 0};
  append(b, quoted);
  return b;
}

// Linux cooked capture v1 header for an IPv4 packet.
bytes_t sll() {
  bytes_t b;
  put16(b, 0);  // to us
  put16(b, 1);  // ARPHRD_ETHER
  put16(b, 6);
  append(b, mac(0x77));
  put16(b, 0);
  put16(b, 0x0800);
  return b;
}

bytes_t arp(unsigned src, unsigned dst) {
  bytes_t b = eth(dst, src, 0x0806);
  bytes_t body = {0, 1, 8, 0, 6, 4, 0, 1};
  body.resize(28, 0);
  append(b, body);
  return b;
}

// The definition, per packet and without hints: the sender's and receiver's MAC addresses of
// the first Ethernet header outside ICMP quotes (with both addresses captured) count a packet
// sent and one received; the IP addresses of a flow's first packet become its endpoints, which
// count every packet of the flow; `flows` counts the flows started by a packet of the address.
struct model {
  using key = std::pair<std::uint8_t, std::array<std::uint8_t, 16>>;
  std::vector<flow::endpoint_stats> ip, mac;
  std::map<key, std::size_t> ip_at, mac_at;
  std::map<std::uint32_t, std::array<std::size_t, 2>> flow_ips;  // originator's, responder's
  std::map<std::uint32_t, std::pair<std::uint64_t, std::uint64_t>> flow_totals;  // packets, bytes

  static flow::endpoint_stats& get(std::vector<flow::endpoint_stats>& v, std::map<key, std::size_t>& at,
                                   const std::uint8_t* a, std::size_t n, std::uint8_t kind, std::int64_t ts,
                                   std::size_t* index = nullptr) {
    key k{kind, {}};
    std::copy(a, a + n, k.second.begin());
    auto it = at.find(k);
    if (it == at.end()) {
      it = at.emplace(k, v.size()).first;
      flow::endpoint_stats e;
      e.addr = k.second;
      e.kind = kind;
      e.first_ns = ts;
      v.push_back(e);
    }
    if (index) *index = it->second;
    return v[it->second];
  }

  void add(const capture::record& r, const dissect::packet& p, const flow::track_result& t) {
    const std::int64_t ts = r.ts_ns;
    const std::uint64_t len = r.origlen;
    const std::uint32_t started = t.created ? 1 : 0;
    for (int i = 0; i < p.count; ++i) {
      const auto& l = p.layers[i];
      if (l.kind != dissect::proto::eth || (l.flags & dissect::layer_quoted) || l.captured < 12) continue;
      auto& s = get(mac, mac_at, l.eth.src.data(), 6, 0, ts);
      s.last_ns = ts;
      ++s.tx_packets;
      s.tx_bytes += len;
      s.flows += started;
      auto& d = get(mac, mac_at, l.eth.dst.data(), 6, 0, ts);
      d.last_ns = ts;
      ++d.rx_packets;
      d.rx_bytes += len;
      d.flows += started;
      break;
    }
    if (t.id == 0) return;
    auto& tot = flow_totals[t.id];
    ++tot.first;
    tot.second += len;
    const int src = t.from_orig ? 0 : 1;
    auto it = flow_ips.find(t.id);
    if (it == flow_ips.end()) {
      ASSERT_NE(p.net, dissect::packet::no_layer);
      const auto& l = p.layers[p.net];
      std::array<std::size_t, 2> at{};
      bool v4 = l.kind == dissect::proto::ip;
      const std::uint8_t* sa = v4 ? l.ip.src.data() : l.ipv6.src.data();
      const std::uint8_t* da = v4 ? l.ip.dst.data() : l.ipv6.dst.data();
      get(ip, ip_at, sa, v4 ? 4 : 16, v4 ? 4 : 6, ts, &at[src]).flows += started;
      get(ip, ip_at, da, v4 ? 4 : 16, v4 ? 4 : 6, ts, &at[src ^ 1]).flows += started;
      it = flow_ips.emplace(t.id, at).first;
    }
    auto& s = ip[it->second[src]];
    s.last_ns = ts;
    ++s.tx_packets;
    s.tx_bytes += len;
    auto& d = ip[it->second[src ^ 1]];
    d.last_ns = ts;
    ++d.rx_packets;
    d.rx_bytes += len;
  }
};

void expect_same(const std::vector<flow::endpoint_stats>& got, const std::vector<flow::endpoint_stats>& want,
                 const char* what) {
  SCOPED_TRACE(what);
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    SCOPED_TRACE("endpoint " + std::to_string(i));
    EXPECT_EQ(got[i].addr, want[i].addr);
    EXPECT_EQ(got[i].kind, want[i].kind);
    EXPECT_EQ(got[i].tx_packets, want[i].tx_packets);
    EXPECT_EQ(got[i].rx_packets, want[i].rx_packets);
    EXPECT_EQ(got[i].tx_bytes, want[i].tx_bytes);
    EXPECT_EQ(got[i].rx_bytes, want[i].rx_bytes);
    EXPECT_EQ(got[i].flows, want[i].flows);
    EXPECT_EQ(got[i].first_ns, want[i].first_ns);
    EXPECT_EQ(got[i].last_ns, want[i].last_ns);
  }
}

struct bench {
  flow::flow_tracker tracker;
  flow::endpoint_table table;
  model ref;
  dissect::packet p;
  std::int64_t ts = 1700000000000000000;
  std::size_t packets = 0;

  flow::track_result feed(const bytes_t& b, std::uint16_t link = 1) {
    capture::record r;
    r.data = b;
    r.caplen = static_cast<std::uint32_t>(b.size());
    r.origlen = r.caplen + static_cast<std::uint32_t>(packets % 3);  // frame bytes differ from captured
    r.link_type = link;
    r.ts_ns = ts;
    ts += 1000 + static_cast<std::int64_t>(packets % 5) * 7;
    ++packets;
    dissect::dissect(r.data, link, p, r.origlen);
    auto t = tracker.track(r, p);
    table.add(r, p, t);
    ref.add(r, p, t);
    return t;
  }

  void check(const char* when) {
    SCOPED_TRACE(when);
    expect_same(table.mac(), ref.mac, "mac");
    expect_same(table.ip(), ref.ip, "ip");
    EXPECT_EQ(ref.flow_totals.size(), tracker.size());
    for (const auto& [id, tot] : ref.flow_totals) {
      EXPECT_EQ(table.flow_packets(id), tot.first) << "flow " << id;
      EXPECT_EQ(table.flow_bytes(id), tot.second) << "flow " << id;
    }
  }
};

TEST(EndpointPaths, MatchPerPacketModelOnMixedTraffic) {
  bench b;
  // Interleaved TCP flows between hosts 1..6 and a server (20) behind a router (MAC 0x100):
  // mostly the straight path, each flow's first packets the general one.
  for (int round = 0; round < 6; ++round) {
    for (std::uint8_t h = 1; h <= 6; ++h) {
      unsigned hmac = 0x200 + h;
      unsigned flags = round == 0 ? 0x02 : 0x10;
      b.feed(eth_tcp(hmac, 0x100, h, 20, 40000 + h, 80, flags, 0, round));
      b.feed(eth_tcp(0x100, hmac, 20, h, 80, 40000 + h, round == 0 ? 0x12 : 0x10));
    }
  }
  b.check("after the first flows");
  // Host 1's flow moves to another router (0x101), back, and to a sender MAC that differs
  // only in its last two bytes; a flow between two addresses of the same MAC.
  b.feed(eth_tcp(0x201, 0x101, 1, 20, 40001, 80, 0x10));
  b.feed(eth_tcp(0x101, 0x201, 20, 1, 80, 40001, 0x10));
  b.feed(eth_tcp(0x201, 0x100, 1, 20, 40001, 80, 0x10));
  b.feed(eth_tcp(0x301, 0x100, 1, 20, 40001, 80, 0x10));
  b.feed(eth_tcp(0x201, 0x100, 1, 20, 40001, 80, 0x10));
  b.feed(eth_tcp(0x400, 0x400, 7, 8, 1234, 5678, 0x02));
  b.feed(eth_tcp(0x400, 0x400, 8, 7, 5678, 1234, 0x12));
  b.feed(eth_tcp(0x400, 0x400, 7, 8, 1234, 5678, 0x10));
  // A connection reset and started again on the same ports (a new flow of the same key).
  {
    auto seg = [&](unsigned ms, unsigned md, std::uint8_t sh, std::uint8_t dh, unsigned sp, unsigned dp,
                   unsigned flags, std::uint32_t seq) {
      bytes_t f = eth(md, ms, 0x0800);
      append(f, ipv4(sh, dh, 6, tcp(sp, dp, flags, 0, seq)));
      return b.feed(f);
    };
    seg(0x240, 0x100, 9, 20, 45000, 80, 0x02, 100);
    seg(0x100, 0x240, 20, 9, 80, 45000, 0x12, 900);
    seg(0x240, 0x100, 9, 20, 45000, 80, 0x04, 101);
    EXPECT_TRUE(seg(0x240, 0x100, 9, 20, 45000, 80, 0x02, 7000).created);
    seg(0x100, 0x240, 20, 9, 80, 45000, 0x12, 9000);
    seg(0x240, 0x100, 9, 20, 45000, 80, 0x10, 7001);
  }
  // Packets of no flow, between packets of flows.
  b.feed(arp(0x201, 0x100));
  b.feed(eth_tcp(0x202, 0x100, 2, 20, 40002, 80, 0x10));
  b.feed(arp(0x500, 0xFFFF));
  b.check("after MAC changes");
  // VLAN and QinQ tagged flows (the Ethernet header is still the first layer).
  for (int i = 0; i < 3; ++i) {
    b.feed(eth_tcp(0x210, 0x100, 30, 20, 41000, 443, i == 0 ? 0x02 : 0x10, 1));
    b.feed(eth_tcp(0x100, 0x210, 20, 30, 443, 41000, 0x10, 1));
    b.feed(eth_tcp(0x211, 0x100, 31, 20, 41001, 443, i == 0 ? 0x02 : 0x10, 2));
    b.feed(eth_tcp(0x100, 0x211, 20, 31, 443, 41001, 0x10, 2));
  }
  // VXLAN: the outer Ethernet header counts; the inner one does not.
  for (int i = 0; i < 3; ++i) {
    bytes_t inner = eth_tcp(0x600 + static_cast<unsigned>(i), 0x700, 50, 51, 42000, 22, i == 0 ? 0x02 : 0x10);
    bytes_t f = eth(0x101, 0x220, 0x0800);
    append(f, ipv4(40, 41, 17, vxlan(inner)));
    b.feed(f);
  }
  // An ICMP error quoting a TCP packet of host 3's flow: a flow of its own (ICMP), its
  // Ethernet header the outer one.
  {
    bytes_t quoted = ipv4(20, 3, 6, tcp(80, 40003, 0x10));
    bytes_t f = eth(0x203, 0x100, 0x0800);
    append(f, ipv4(99, 3, 1, icmp_error(quoted)));
    b.feed(f);
    b.feed(f);
  }
  // IPv6 flows.
  for (int i = 0; i < 3; ++i) {
    bytes_t f = eth(0x100, 0x230, 0x86dd);
    append(f, ipv6(1, 2, 6, tcp(43000, 443, i == 0 ? 0x02 : 0x10)));
    b.feed(f);
    bytes_t g = eth(0x230, 0x100, 0x86dd);
    append(g, ipv6(2, 1, 6, tcp(443, 43000, 0x10)));
    b.feed(g);
  }
  b.check("after tunnels and quotes");
  // No Ethernet header first: raw IP (link 101) with the only Ethernet header inside VXLAN,
  // plain raw IP, and Linux cooked captures, for flows that earlier had Ethernet.
  for (int i = 0; i < 3; ++i) {
    bytes_t inner = eth_tcp(0x800, 0x801, 60, 61, 44000, 25, i == 0 ? 0x02 : 0x10);
    b.feed(ipv4(42, 43, 17, vxlan(inner)), 101);
    b.feed(ipv4(1, 20, 6, tcp(40001, 80, 0x10)), 101);
    bytes_t c = sll();
    append(c, ipv4(20, 2, 6, tcp(80, 40002, 0x10)));
    b.feed(c, 113);
    b.feed(eth_tcp(0x202, 0x100, 2, 20, 40002, 80, 0x10));
  }
  b.check("after other links");
}

TEST(EndpointPaths, ManyFlowsGrowTheSlotsAndKeepTheirHints) {
  // More flows than one block of slots (4096), each revisited after all the others: every hint
  // is then still the flow's own, and a flow id beyond the slots grows them.
  bench b;
  constexpr unsigned n = 5000;
  for (int round = 0; round < 3; ++round) {
    for (unsigned i = 0; i < n; ++i) {
      auto h = static_cast<std::uint8_t>(1 + i % 200);
      unsigned port = 20000 + i;
      unsigned hmac = 0x1000 + i % 300;  // several flows per MAC, several MACs per address
      b.feed(eth_tcp(hmac, 0x100 + i % 3, h, 250, port, 80, round == 0 ? 0x02 : 0x10));
    }
    b.check("after a round");
  }
}

}  // namespace
