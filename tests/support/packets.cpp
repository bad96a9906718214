// Hand-built packets for tests (see support/packets.hpp).
#include "support/packets.hpp"

namespace pcapscope::test {

void put16(std::vector<std::uint8_t>& v, unsigned x) {
  v.push_back(static_cast<std::uint8_t>(x >> 8));
  v.push_back(static_cast<std::uint8_t>(x));
}

void put32(std::vector<std::uint8_t>& v, std::uint32_t x) {
  put16(v, x >> 16);
  put16(v, x & 0xFFFF);
}

std::vector<std::uint8_t> ipv4_packet(std::uint8_t src, std::uint8_t dst, std::uint8_t proto,
                                      const std::vector<std::uint8_t>& l4) {
  std::vector<std::uint8_t> v = {2, 0, 0, 0, 0, dst, 2, 0, 0, 0, 0, src, 0x08, 0x00, 0x45, 0};
  put16(v, static_cast<std::uint16_t>(20 + l4.size()));
  v.insert(v.end(), {0, 1, 0x40, 0, 64, proto, 0, 0, 10, 0, 0, src, 10, 0, 0, dst});
  v.insert(v.end(), l4.begin(), l4.end());
  return v;
}

std::vector<std::uint8_t> tcp_segment(host s, host d, std::uint8_t flags, std::uint32_t seq, std::uint32_t ack,
                                      const std::string& payload) {
  std::vector<std::uint8_t> l4;
  put16(l4, s.port);
  put16(l4, d.port);
  put32(l4, seq);
  put32(l4, ack);
  l4.insert(l4.end(), {0x50, flags, 0xff, 0xff, 0, 0, 0, 0});
  l4.insert(l4.end(), payload.begin(), payload.end());
  return ipv4_packet(s.last_octet, d.last_octet, 6, l4);
}

std::vector<std::uint8_t> udp_datagram(host s, host d, const std::string& payload) {
  std::vector<std::uint8_t> l4;
  put16(l4, s.port);
  put16(l4, d.port);
  put16(l4, static_cast<std::uint16_t>(8 + payload.size()));
  put16(l4, 0);
  l4.insert(l4.end(), payload.begin(), payload.end());
  return ipv4_packet(s.last_octet, d.last_octet, 17, l4);
}

std::vector<std::uint8_t> pcap_of(const std::vector<std::vector<std::uint8_t>>& packets) {
  std::vector<std::uint8_t> f = {0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 1, 0, 0, 0};
  auto le32 = [&](std::uint32_t x) {
    for (int i = 0; i < 4; ++i) f.push_back(static_cast<std::uint8_t>(x >> (8 * i)));
  };
  std::uint32_t us = 0;
  for (const auto& p : packets) {
    le32(1700000000);
    le32(us += 1000);
    le32(static_cast<std::uint32_t>(p.size()));
    le32(static_cast<std::uint32_t>(p.size()));
    f.insert(f.end(), p.begin(), p.end());
  }
  return f;
}

std::vector<std::vector<std::uint8_t>> tcp_conversation(host c, host s,
                                                        const std::vector<std::pair<bool, std::string>>& data) {
  std::vector<std::vector<std::uint8_t>> out;
  std::uint32_t cs = 1000, ss = 5000;
  out.push_back(tcp_segment(c, s, tcp_syn, cs++, 0, ""));
  out.push_back(tcp_segment(s, c, tcp_syn | tcp_ack, ss++, cs, ""));
  out.push_back(tcp_segment(c, s, tcp_ack, cs, ss, ""));
  for (const auto& [from_client, p] : data) {
    if (from_client) {
      out.push_back(tcp_segment(c, s, tcp_psh | tcp_ack, cs, ss, p));
      cs += static_cast<std::uint32_t>(p.size());
    } else {
      out.push_back(tcp_segment(s, c, tcp_psh | tcp_ack, ss, cs, p));
      ss += static_cast<std::uint32_t>(p.size());
    }
  }
  out.push_back(tcp_segment(c, s, tcp_fin | tcp_ack, cs++, ss, ""));
  out.push_back(tcp_segment(s, c, tcp_fin | tcp_ack, ss++, cs, ""));
  out.push_back(tcp_segment(c, s, tcp_ack, cs, ss, ""));
  return out;
}

}  // namespace pcapscope::test
