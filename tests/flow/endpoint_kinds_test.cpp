// endpoint_table keys its IP endpoints by address and family: an IPv6 address whose 16 bytes
// are an IPv4 address's 4 bytes followed by zeros (as endpoint_stats::addr holds IPv4) is
// another endpoint (docs/flows.md: one row per IP address).
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "pcapscope/capture/types.hpp"
#include "pcapscope/dissect/packet.hpp"
#include "pcapscope/flow/flow.hpp"
#include "support/packets.hpp"

namespace {

using namespace pcapscope;
using bytes_t = std::vector<std::uint8_t>;
using test::put16;

// Ethernet + IPv6 (src, dst: 0a00:000N:: as bytes 10, 0, 0, N, then zeros) + UDP.
bytes_t ipv6_udp(std::uint8_t s, std::uint8_t d) {
  bytes_t b = {2, 0, 0, 0, 0, d, 2, 0, 0, 0, 0, s};
  put16(b, 0x86dd);
  const bytes_t fixed = {0x60, 0, 0, 0, 0, 12, 17, 64};
  b.insert(b.end(), fixed.begin(), fixed.end());
  for (std::uint8_t last : {s, d}) {
    bytes_t a(16, 0);
    a[0] = 10;
    a[3] = last;
    b.insert(b.end(), a.begin(), a.end());
  }
  put16(b, 40000);
  put16(b, 7000);
  put16(b, 12);
  put16(b, 0);
  b.resize(b.size() + 4, 'v');
  return b;
}

TEST(EndpointKinds, Ipv6AddressWithIpv4BytesIsAnotherEndpoint) {
  // Hosts 1-200 each send to host 250 over IPv4 and over IPv6 (enough addresses that the table's
  // probe sequences of the two families cross).
  flow::flow_tracker tracker;
  flow::endpoint_table table;
  dissect::packet p;
  std::int64_t ts = 1700000000000000000;
  auto feed = [&](const bytes_t& b) {
    capture::record r;
    r.data = b;
    r.caplen = r.origlen = static_cast<std::uint32_t>(b.size());
    r.link_type = 1;
    r.ts_ns = ts += 1000;
    dissect::dissect(r.data, 1, p, r.origlen);
    table.add(r, p, tracker.track(r, p));
  };
  constexpr int hosts = 200;
  for (int round = 0; round < 2; ++round) {
    for (int h = 1; h <= hosts; ++h) {
      const auto s = static_cast<std::uint8_t>(h);
      feed(test::udp_datagram({s, 40000}, {250, 7000}, "abcd"));  // 10.0.0.h -> 10.0.0.250
      feed(ipv6_udp(s, 250));                                     // a00:h:: -> a00:250::
    }
  }
  const auto& ip = table.ip();
  ASSERT_EQ(ip.size(), 2u * (hosts + 1));
  // First seen: host 1 and 250 over IPv4, then over IPv6, then each host over IPv4 and IPv6.
  for (std::size_t i = 0; i < ip.size(); ++i) {
    SCOPED_TRACE(i);
    const bool v4 = i < 2 ? true : i < 4 ? false : i % 2 == 0;
    const unsigned host = i == 1 || i == 3 ? 250 : i < 4 ? 1 : static_cast<unsigned>(i / 2);
    EXPECT_EQ(ip[i].kind, v4 ? 4 : 6);
    EXPECT_EQ(ip[i].addr[0], 10);
    EXPECT_EQ(ip[i].addr[3], host);
    EXPECT_EQ(ip[i].tx_packets + ip[i].rx_packets, host == 250 ? 2u * hosts : 2u);
    EXPECT_EQ(ip[i].flows, host == 250 ? unsigned{hosts} : 1u);
  }
}

}  // namespace
