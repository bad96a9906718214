// Link-to-transport dissection into a fixed, reusable layer stack: zero-copy, no allocation.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "pcapscope/util/bytes.hpp"

namespace pcapscope::dissect {

/// Protocols the dissectors recognize (one per layer in the stack).
enum class proto : std::uint8_t {
  none,
  eth,       ///< Ethernet II or 802.3 header
  llc,       ///< 802.2 LLC (with SNAP when its DSAP/SSAP are AA)
  vlan,      ///< 802.1Q / 802.1ad tag
  mpls,      ///< one MPLS label stack entry
  pwach,     ///< MPLS pseudowire control word
  pppoes,    ///< PPPoE session header
  ppp,       ///< PPP header (protocol field)
  sll,       ///< Linux cooked capture v1
  sll2,      ///< Linux cooked capture v2
  null,      ///< BSD / OpenBSD loopback header
  wlan,      ///< 802.11 MAC header
  radiotap,  ///< radiotap header
  arp,
  ip,        ///< IPv4
  ipv6,      ///< IPv6 fixed header (extension headers are layers of their own)
  ipv6_ext,  ///< one IPv6 extension header (hop-by-hop, routing, fragment, dest opts, mobility)
  ah,
  esp,
  icmp,
  icmpv6,
  igmp,
  gre,
  vxlan,
  geneve,
  tcp,
  udp,
  sctp,
  cfp,       ///< Cisco FabricPath outer header (ethertype 0x8903), inner Ethernet follows
  vntag,     ///< Cisco VN-Tag (ethertype 0x8926)
  erspan,    ///< ERSPAN type II / III header (GRE 0x88be / 0x22eb)
  gtp,       ///< GTP-U header (UDP 2152), inner IP follows
  teredo,    ///< Teredo authentication / origin indication (UDP 3544), IPv6 follows
  l2tp,      ///< L2TPv2 data header (UDP 1701), PPP follows
  pim,       ///< PIM header (IP protocol 103); a Register message carries an IP packet
  fr,        ///< Frame Relay address + NLPID (link type 107)
  chdlc,     ///< Cisco HDLC (link type 104)
  ppi,       ///< Per-Packet Information header (link type 192)
  fddi,      ///< FDDI MAC header (link type 10), LLC follows
  nflog,     ///< Linux NFLOG header and TLVs (link type 239), IP follows
  nsh,       ///< Network Service Header (ethertype 0x894f / VXLAN-GPE)
  etag,      ///< 802.1BR E-Tag (ethertype 0x893f)
  data,      ///< undissected payload
  count_     ///< number of values (not a protocol)
};

/// Wireshark's name for a protocol ("eth", "ip", "tcp", …).
std::string_view proto_name(proto p) noexcept;

/// Per-packet problems found while dissecting (the first one is kept in the index row).
enum class anomaly : std::uint8_t {
  none,
  truncated,              ///< a header was cut by the captured length
  ip_bogus_header_length, ///< IPv4 IHL < 5 or beyond the packet
  ip_bogus_total_length,  ///< IPv4 total length < header, or beyond the packet on the wire
  ipv6_bogus_payload_length,
  ipv6_ext_chain_too_long,  ///< more extension headers than the cap
  tcp_bogus_header_length,  ///< data offset < 5 or beyond the segment
  udp_bogus_length,
  too_many_layers,        ///< encapsulation deeper than the layer stack
  unknown_link_type,
  ip_bad_checksum,
  gre_unsupported,        ///< GRE version or routing present: payload not followed
  ip_bogus_version,       ///< IP header whose version nibble is neither 4 nor 6
  ip_fragment_overlap,    ///< reassembly: fragments overlapped with different bytes (first kept)
  count_
};

/// Stable name of a dissection anomaly, e.g. "ip.bogus_header_length".
std::string_view anomaly_name(anomaly a) noexcept;

/// Fields of one layer, decoded from its header (values in host order).
struct eth_fields {
  std::array<std::uint8_t, 6> dst, src;
  std::uint16_t type;  ///< ethertype, or the 802.3 length
};
struct vlan_fields {
  std::uint16_t tpid, id, etype;
  std::uint8_t pcp;
  bool dei;
};
struct mpls_fields {
  std::uint32_t label;
  std::uint8_t exp, ttl;
  bool bottom;
};
struct llc_fields {
  std::uint8_t dsap, ssap, control;
  std::uint32_t oui;     ///< SNAP OUI (when dsap == ssap == 0xaa)
  std::uint16_t pid;     ///< SNAP protocol id
};
struct arp_fields {
  std::uint16_t htype, ptype, opcode;
  std::uint8_t hlen, plen;
  std::array<std::uint8_t, 6> sha, tha;
  std::array<std::uint8_t, 4> spa, tpa;  ///< only when ptype is IPv4 and plen is 4
};
struct ip_fields {
  std::array<std::uint8_t, 4> src, dst;
  std::uint16_t total_len, id, frag_offset, checksum;  ///< frag_offset in 8-byte units
  std::uint8_t hdr_len, dsfield, ttl, proto, flags;     ///< flags: 0x4 reserved, 0x2 DF, 0x1 MF
};
struct ipv6_fields {
  std::array<std::uint8_t, 16> src, dst;
  std::uint32_t flow;
  std::uint16_t plen;
  std::uint8_t nxt, hlim, tclass;
};
struct ipv6_ext_fields {
  std::uint8_t type;     ///< the header's protocol number (0, 43, 44, 60, 135)
  std::uint8_t nxt;      ///< next header
  std::uint16_t frag_offset;  ///< fragment header: offset in 8-byte units
  bool more_fragments;
  std::uint32_t frag_id;
};
struct icmp_fields {
  std::uint8_t type, code;
  std::uint16_t checksum, id, seq;  ///< id/seq for echo messages
};
struct gre_fields {
  std::uint16_t flags, proto;
  std::uint32_t key;
  bool has_key;
};
struct tunnel_fields {  ///< VXLAN / Geneve
  std::uint32_t vni;
  std::uint16_t proto;  ///< Geneve protocol type
};
struct tcp_fields {
  std::uint16_t sport, dport, window, urgent, checksum;
  std::uint32_t seq, ack;
  std::uint16_t flags;     ///< 12 bits: NS CWR ECE URG ACK PSH RST SYN FIN (and reserved)
  std::uint8_t hdr_len;    ///< bytes
  std::uint8_t wscale;     ///< window scale shift (0xff: absent)
  std::uint16_t mss;       ///< 0: absent
  bool sack_perm, has_ts;
  std::uint8_t sack_blocks;
  std::uint32_t ts_val, ts_ecr;
  std::uint32_t payload_len;  ///< segment length from the IP/UDP lengths (may exceed captured bytes)
};
struct udp_fields {
  std::uint16_t sport, dport, length, checksum;
};
struct sctp_fields {
  std::uint16_t sport, dport;
  std::uint32_t vtag;
  std::uint8_t first_chunk, chunks;
};
struct igmp_fields {
  std::uint8_t type, max_resp;
  std::array<std::uint8_t, 4> group;
};
struct link_fields {  ///< SLL/SLL2/NULL/PPP/PPPoE/radiotap/802.11
  std::uint16_t protocol;  ///< ethertype or PPP protocol or BSD family
  std::uint16_t pkttype;   ///< SLL packet type
  std::uint16_t session;   ///< PPPoE session id
  std::uint16_t hatype;
  std::uint32_t ifindex;
  std::array<std::uint8_t, 8> addr;
  std::uint8_t addr_len;
  std::uint16_t wlan_fc;   ///< 802.11 frame control
  std::array<std::uint8_t, 6> wlan_sa, wlan_da, wlan_bssid;
};

/// Bits of `layer::flags`.
enum layer_flag : std::uint8_t {
  layer_quoted = 0x1,     ///< inside the quoted packet of an ICMP / ICMPv6 error
  layer_partial = 0x2,    ///< header cut short by the end of the packet (or of the quote in an
                          ///< ICMP error): only the fields within `captured` bytes are valid
  layer_fragment = 0x4,   ///< first fragment of an IP datagram (on IP: this header's datagram;
                          ///< on TCP: carried in one), so lengths cover more than this packet
  layer_malformed = 0x8,  ///< a length field in the header is invalid: only the fields before it
                          ///< are meaningful, and the payload was not followed
};

/// One layer of the stack: which protocol, where its header starts and how long it is.
struct layer {
  proto kind = proto::none;
  std::uint8_t flags = 0;    ///< `layer_flag` bits
  std::uint16_t offset = 0;  ///< header start within the packet bytes
  std::uint16_t length = 0;  ///< header length (payload not included)
  std::uint16_t captured = 0;  ///< bytes of the header inside the packet (< length when partial):
                               ///< a field is valid only if it lies within them
  union {
    eth_fields eth;
    vlan_fields vlan;
    mpls_fields mpls;
    llc_fields llc;
    arp_fields arp;
    ip_fields ip;
    ipv6_fields ipv6;
    ipv6_ext_fields ipv6_ext;
    icmp_fields icmp;
    gre_fields gre;
    tunnel_fields tunnel;
    tcp_fields tcp;
    udp_fields udp;
    sctp_fields sctp;
    igmp_fields igmp;
    link_fields link;
  };
  layer() : eth{} {}
};

/// Limits that keep hostile encapsulations bounded.
inline constexpr std::size_t max_layers = 32;
inline constexpr std::size_t max_ipv6_ext = 8;

/// The result of dissecting one packet. Reused across packets: `dissect` resets it.
///
/// Besides the layers it holds a summary of where the layers every consumer looks for are
/// (`net`, `transport`, …), filled by the dissector as it pushes them so that nobody walks the
/// stack again. Code that builds or edits `layers` itself calls `summarize` afterwards.
struct packet {
  /// Value of a summary index when there is no such layer.
  static constexpr std::uint8_t no_layer = 0xFF;

  std::array<layer, max_layers> layers;
  // The count and the summary fill one 8-byte word, which the dissector's straight-line path
  // writes at once.
  std::uint8_t count = 0;            ///< layers used

  /// Index of the innermost ip/ipv6 layer not flagged `layer_quoted` (`no_layer`: none).
  std::uint8_t net = no_layer;
  /// Index of the layer `net` carries, after its ipv6_ext (and AH) layers, when that layer is
  /// tcp/udp/sctp/icmp/icmpv6 and not quoted; `no_layer` otherwise. Consumers check `captured`
  /// (e.g. ports need 4 bytes) themselves.
  std::uint8_t transport = no_layer;
  /// Number of ip/ipv6 layers, quoted ones included.
  std::uint8_t ip_headers = 0;
  /// Index of the first vlan layer not quoted (`no_layer`: none).
  std::uint8_t vlan = no_layer;
  /// Index of the last vxlan/geneve layer not quoted before `net` (`no_layer`: none, or no `net`).
  std::uint8_t tunnel = no_layer;
  /// Some ip/ipv6/tcp/udp/sctp layer (quoted ones included) has layer_partial, layer_malformed
  /// or layer_fragment, or some IPv4 layer has MF set or a fragment offset, or some ipv6_ext
  /// layer is a fragment header (44): the packet is not one whole, plain datagram.
  bool irregular = false;
  /// Kind of the last layer that is not ipv6_ext (`top()`).
  proto top_kind = proto::none;

  anomaly first_anomaly = anomaly::none;  ///< the first anomaly found
  std::uint8_t anomalies = 0;        ///< how many anomalies
  std::uint16_t anomaly_offset = 0;  ///< byte offset of the first anomaly
  std::uint32_t frame_length = 0;    ///< captured bytes
  std::uint32_t payload_offset = 0;  ///< start of the innermost payload (after the last header)
  std::uint32_t payload_length = 0;

  /// The highest-layer protocol recognized (ignoring IPv6 extension headers).
  proto top() const noexcept { return top_kind; }
  /// The last layer of kind `p`, or null.
  const layer* last(proto p) const noexcept;
  /// The first layer of kind `p`, or null.
  const layer* first(proto p) const noexcept;
};

/// Dissects `data` captured on `link_type` into `out` (which is reset first). Never allocates,
/// never reads outside `data`; problems become anomalies in `out`. `wire_length` is the packet's
/// original length (frame.len) when known: lengths computed from headers (tcp.len) are then
/// those of the packet on the wire even when the capture was cut by a snap length; 0 means
/// "same as the captured length".
void dissect(util::bytes data, std::uint32_t link_type, packet& out,
             std::uint32_t wire_length = 0) noexcept;

/// `dissect` without its straight-line path for the common chain (Ethernet, one VLAN tag,
/// IPv4/IPv6, TCP/UDP): every header through the generic parsers. The two give the same packet;
/// this is the reference the tests compare the straight-line path with.
void dissect_generic(util::bytes data, std::uint32_t link_type, packet& out,
                     std::uint32_t wire_length = 0) noexcept;

/// Dissects an IP payload (e.g. a reassembled datagram) that starts with the header of IP
/// protocol `ip_proto` (6 = TCP, 17 = UDP, …) into `out`, as `dissect` would after an IP header.
void dissect_transport(util::bytes payload, std::uint8_t ip_proto, packet& out) noexcept;

/// Whether the IPv4 layer `l` of a packet dissected from `data` has a right header checksum
/// (false when its header is not all captured). Computed on demand, as only the packet detail
/// shows it.
bool ipv4_checksum_ok(const layer& l, util::bytes data) noexcept;

/// Recomputes `p`'s summary (`net`, `transport`, `ip_headers`, `vlan`, `tunnel`, `irregular`,
/// `top_kind`) from its layers, for packets whose layers were not (only) pushed by `dissect`.
void summarize(packet& p) noexcept;

}  // namespace pcapscope::dissect
