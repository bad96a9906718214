// Follow stream: one flow's client and server bytes in order, with direction switches (like
// Wireshark's Follow TCP/UDP Stream), re-read from the source by offset through the index.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "pcapscope/capture/reader.hpp"
#include "pcapscope/flow/flow.hpp"
#include "pcapscope/index/index.hpp"
#include "pcapscope/reassembly/tcp_stream.hpp"

namespace pcapscope::reassembly {

/// One piece of a followed stream: bytes of one direction from one packet, or a gap.
struct follow_segment {
  std::uint8_t dir = 0;       ///< 0 client (originator), 1 server (responder)
  bool gap = false;           ///< true: `length` bytes are missing here
  std::uint64_t packet = 0;   ///< 1-based packet number that carried the bytes (gap: the packet
                              ///< that revealed it, 0 at the end of the capture)
  std::uint64_t length = 0;   ///< bytes in this piece (or missing, for a gap)
};

/// Receives a followed stream piece by piece, in stream order.
class follow_handler {
 public:
  virtual ~follow_handler() = default;
  /// A piece; `data` holds its bytes (empty for gaps) and is valid only during the call.
  virtual void on_segment(const follow_segment& s, util::bytes data) = 0;
};

/// What following a flow found besides the bytes.
struct follow_summary {
  std::uint8_t proto = 0;               ///< IP protocol of the flow (6 TCP, 17 UDP, …)
  std::uint64_t packets = 0;            ///< packets of the flow re-read
  std::uint64_t bytes[2] = {};          ///< bytes delivered per direction
  stream_end end[2] = {stream_end::none, stream_end::none};  ///< TCP: how each direction ended
  tcp_stream_counters counters;         ///< TCP reassembly counters
  std::uint64_t unreadable = 0;         ///< rows that could not be re-read or dissected
};

/// A followed stream kept in memory: pieces plus their bytes back to back.
struct follow_result {
  std::vector<follow_segment> segments;  ///< in stream order
  std::vector<std::uint64_t> offsets;    ///< start of each segment's bytes in `data`
  std::vector<std::uint8_t> data;        ///< the bytes of all data segments
  follow_summary summary;                ///< counters

  /// The bytes of segment `i` (empty for gaps).
  util::bytes bytes_of(std::size_t i) const noexcept {
    return util::bytes(data.data() + offsets[i], segments[i].gap ? 0 : static_cast<std::size_t>(segments[i].length));
  }
};

/// The limits follow uses by default: `tcp_limits` with a 2 KiB recheck window per direction
/// (one flow is followed, so comparing retransmissions with delivered bytes costs little).
tcp_limits follow_limits() noexcept;

/// Follows flow `flow_id` of `flows` (ids as in `ix.flow`): re-reads each of its packets with
/// `rd.read_at` from `src`, in capture order. TCP is reassembled per direction (`limits`);
/// consecutive bytes of one direction from one packet form one piece. UDP and other protocols
/// give one piece per datagram (its payload). Packets that completed an IP datagram are
/// followed with their reassembled payload (the fragments are re-read too). Returns false with
/// `error` set when the flow does not exist.
bool follow_flow(const capture::reader& rd, capture::random_access_source& src, const index::packet_index& ix,
                 const flow::flow_tracker& flows, std::uint32_t flow_id, follow_handler& out,
                 follow_summary& summary, std::string& error, const tcp_limits& limits = follow_limits());

/// As above, collecting the stream into `out`.
bool follow_flow(const capture::reader& rd, capture::random_access_source& src, const index::packet_index& ix,
                 const flow::flow_tracker& flows, std::uint32_t flow_id, follow_result& out, std::string& error,
                 const tcp_limits& limits = follow_limits());

/// The transport bytes of a dissected packet as a stream needs them: which transport (the
/// innermost TCP/UDP header not inside an ICMP error quote), and its payload.
struct transport_view {
  std::uint8_t proto = 0;         ///< 6 TCP, 17 UDP, 0 none
  tcp_segment_view tcp;           ///< TCP: header fields and captured payload
  util::bytes payload;            ///< payload bytes captured (TCP or UDP)
};

/// Finds the transport of `p` (dissected from `data`); false when there is no TCP/UDP header.
/// The general form of `tcp_segment_of` and `udp_payload_of`, which the tests compare them with.
inline bool find_transport(const dissect::packet& p, util::bytes data, transport_view& out) noexcept {
  // The TCP/UDP header the innermost IP header carries (none: not a TCP/UDP packet).
  if (p.transport == dissect::packet::no_layer) return false;
  const dissect::layer& tl = p.layers[p.transport];
  const std::size_t start = std::size_t{tl.offset} + tl.length;
  const std::size_t avail = start < data.size() ? data.size() - start : 0;
  const bool whole = (tl.flags & (dissect::layer_malformed | dissect::layer_partial)) == 0;
  if (tl.kind == dissect::proto::tcp) {
    if (tl.captured < 14) return false;
    out.proto = flow::ip_proto_tcp;
    out.tcp.seq = tl.tcp.seq;
    out.tcp.ack = tl.tcp.ack;
    out.tcp.flags = tl.tcp.flags;
    out.tcp.wire_len = whole ? tl.tcp.payload_len : 0;
    out.payload = whole && avail ? data.subspan(start, std::min<std::size_t>(avail, tl.tcp.payload_len)) : util::bytes{};
    out.tcp.data = out.payload;
    return true;
  }
  if (tl.kind != dissect::proto::udp) return false;
  out.proto = flow::ip_proto_udp;
  out.payload = {};
  if (whole && avail) {
    const std::size_t len = tl.udp.length >= 8 ? tl.udp.length - 8u : avail;
    out.payload = data.subspan(start, std::min(avail, len));
  }
  return true;
}

/// What `find_transport` gives for `p` when its transport layer (`p.layers[p.transport]`) is
/// the TCP layer `tl`: the segment's fields and captured payload in `out` (its `tag` is left
/// alone); false when the header is too short to give them. Inline, and without the header
/// checks when `p` is regular (a regular packet's TCP header is whole: at least 20 bytes, all
/// captured, its lengths valid), as the analysis pass asks it of every TCP packet.
inline bool tcp_segment_of(const dissect::packet& p, const dissect::layer& tl, util::bytes data,
                           tcp_segment_view& out) noexcept {
  std::uint32_t wire = tl.tcp.payload_len;
  if (p.irregular) {
    if (tl.captured < 14) return false;
    if (tl.flags & (dissect::layer_malformed | dissect::layer_partial)) wire = 0;
  }
  const std::size_t start = std::size_t{tl.offset} + tl.length;
  out.seq = tl.tcp.seq;
  out.ack = tl.tcp.ack;
  out.flags = tl.tcp.flags;
  out.wire_len = wire;
  // A header that is not whole has no payload (`wire` 0).
  out.data = start < data.size() ? data.subspan(start, std::min<std::size_t>(data.size() - start, wire)) : util::bytes{};
  return true;
}

/// What `find_transport` gives as the payload of a packet whose transport layer is the UDP
/// layer `tl` (dissected from `data`).
inline util::bytes udp_payload_of(const dissect::layer& tl, util::bytes data) noexcept {
  const std::size_t start = std::size_t{tl.offset} + tl.length;
  if (start >= data.size() || (tl.flags & (dissect::layer_malformed | dissect::layer_partial))) return {};
  const std::size_t avail = data.size() - start;
  return data.subspan(start, tl.udp.length >= 8 ? std::min<std::size_t>(avail, tl.udp.length - 8u) : avail);
}

}  // namespace pcapscope::reassembly
