// Hand-built Ethernet/IPv4 TCP and UDP packets and a classic pcap around them, for tests that
// need a few conversations with exact bytes (analysis, follow, flows).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace pcapscope::test {

/// Appends `x` as 2 bytes in network order (its bits 8-15, then 0-7).
void put16(std::vector<std::uint8_t>& v, unsigned x);
/// Appends `x` as 4 bytes in network order.
void put32(std::vector<std::uint8_t>& v, std::uint32_t x);

/// One side of a conversation: the host's last IPv4 octet (10.0.0.N) and its port.
struct host {
  std::uint8_t last_octet = 1;
  std::uint16_t port = 40000;
};

/// TCP flag bits.
enum : std::uint8_t { tcp_fin = 0x01, tcp_syn = 0x02, tcp_rst = 0x04, tcp_psh = 0x08, tcp_ack = 0x10 };

/// Ethernet + IPv4 (10.0.0.s → 10.0.0.d) carrying `l4` with IP protocol `proto`.
std::vector<std::uint8_t> ipv4_packet(std::uint8_t src, std::uint8_t dst, std::uint8_t proto,
                                      const std::vector<std::uint8_t>& l4);

/// A TCP segment from `s` to `d` with a 20-byte header.
std::vector<std::uint8_t> tcp_segment(host s, host d, std::uint8_t flags, std::uint32_t seq, std::uint32_t ack,
                                      const std::string& payload);

/// A UDP datagram from `s` to `d`.
std::vector<std::uint8_t> udp_datagram(host s, host d, const std::string& payload);

/// A little-endian microsecond pcap (Ethernet) of `packets`, the i-th at 1700000000 s + i ms.
std::vector<std::uint8_t> pcap_of(const std::vector<std::vector<std::uint8_t>>& packets);

/// The packets of a TCP conversation `c` → `s`: handshake, then each (from_client, payload)
/// as one segment, then FIN/ACK from both sides. Sequence numbers start at 1000 (client) and
/// 5000 (server).
std::vector<std::vector<std::uint8_t>> tcp_conversation(host c, host s,
                                                        const std::vector<std::pair<bool, std::string>>& data);

}  // namespace pcapscope::test
