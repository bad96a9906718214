// Per-packet field values by Wireshark display-filter name (`ip.src`, `tcp.flags`, …), formatted
// as `tshark -T fields` prints them, plus the packet-list columns (Protocol, Info).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "pcapscope/capture/types.hpp"
#include "pcapscope/dissect/packet.hpp"

namespace pcapscope::dissect {

/// Frame facts that come from the capture record rather than the packet bytes.
struct frame_meta {
  std::uint64_t number = 0;        ///< 1-based packet number
  std::int64_t ts_ns = 0;          ///< absolute time
  bool has_timestamp = true;
  std::uint32_t caplen = 0;
  std::uint32_t origlen = 0;
  std::int64_t interface = -1;     ///< pcapng interface id; -1 for classic pcap (tshark prints nothing)
  std::uint32_t link_type = 0;
  /// TCP sequence bases of the packet's flow (from the flow table), for relative numbers as
  /// Wireshark shows them: Seq = seq - seq_base, Ack = ack - ack_base.
  bool tcp_relative = false;
  /// Wireshark's `tcp.stream` / `udp.stream` of the packet's flow (`flow::set_flow_context`);
  /// -1 when not known.
  std::int64_t tcp_stream = -1;
  std::int64_t udp_stream = -1;
  bool tcp_ack_base_known = false;
  std::uint32_t tcp_seq_base = 0;
  std::uint32_t tcp_ack_base = 0;
  /// Window scale shift of the sender when both sides announced one in their SYNs; -1 when
  /// scaling is not in effect or unknown (Win is then shown unscaled, as Wireshark does).
  int tcp_window_shift = -1;
};

/// The frame facts of a read record (`number` is 1-based; classic pcap has no interface id).
inline frame_meta meta_from_record(const capture::record& r, std::uint64_t number) {
  frame_meta m;
  m.number = number;
  m.ts_ns = r.ts_ns;
  m.has_timestamp = r.has_timestamp;
  m.caplen = r.caplen;
  m.origlen = r.origlen;
  m.interface = r.kind == capture::record_kind::pcap_record ? -1 : static_cast<std::int64_t>(r.interface);
  m.link_type = r.link_type;
  return m;
}

/// Appends the values of field `name` in this packet to `out`, in order of occurrence (a field
/// seen in several layers gives several values). Returns false for a field name we don't know.
bool field_values(const packet& p, const frame_meta& m, util::bytes data, std::string_view name,
                  std::vector<std::string>& out);

/// Every field name `field_values` knows, in a stable order.
const std::vector<std::string_view>& known_fields();

/// The default field list of `pcapscope packets`.
const std::vector<std::string_view>& default_fields();

/// The Protocol column: the highest layer identified, as Wireshark names it ("TCP", "ARP", …).
std::string protocol_column(const packet& p);

/// The Info column, Wireshark-like (e.g. "51234 → 443 [SYN, ACK] Seq=0 Ack=1 Win=65535 Len=0";
/// sequence numbers are raw until flow tracking makes them relative).
/// With the packet's bytes, TCP options are listed in the order they appear (as Wireshark
/// does); without them in a fixed order.
std::string info_column(const packet& p, const frame_meta& m, util::bytes data = {});

/// Source / Destination columns (addresses of the innermost network layer, else link layer).
std::string source_column(const packet& p);
std::string destination_column(const packet& p);

/// Formats an IPv4 address.
std::string format_ipv4(const std::array<std::uint8_t, 4>& a);
/// Formats an IPv6 address in RFC 5952 form.
std::string format_ipv6(const std::array<std::uint8_t, 16>& a);
/// Writes the text of the IPv4 address at `a` (4 bytes) at `o`, which needs 16 bytes of room
/// (a byte past the text may be written); returns the end of the text.
char* put_ipv4(char* o, const std::uint8_t* a) noexcept;
/// The same for the IPv6 address at `a` (16 bytes), as format_ipv6; needs 48 bytes of room.
char* put_ipv6(char* o, const std::uint8_t* a) noexcept;
/// Formats a MAC address as aa:bb:cc:dd:ee:ff.
std::string format_mac(const std::array<std::uint8_t, 6>& a);

}  // namespace pcapscope::dissect
