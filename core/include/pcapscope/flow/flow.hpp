// Bidirectional flow table: fixed-size hashable keys, Zeek conn.log state per flow (conn_state,
// history, byte and packet counts), TCP metrics and Community ID v1. See docs/flows.md.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "pcapscope/capture/types.hpp"
#include "pcapscope/dissect/fields.hpp"
#include "pcapscope/util/arena.hpp"
#include "pcapscope/dissect/packet.hpp"

namespace pcapscope::flow {

/// IP protocol numbers the tracker treats specially.
inline constexpr std::uint8_t ip_proto_icmp = 1;
inline constexpr std::uint8_t ip_proto_tcp = 6;
inline constexpr std::uint8_t ip_proto_udp = 17;
inline constexpr std::uint8_t ip_proto_icmpv6 = 58;
inline constexpr std::uint8_t ip_proto_sctp = 132;

/// Bits of `flow_key::ctx` above the 12-bit VLAN id.
enum key_ctx : std::uint16_t {
  ctx_vlan_mask = 0x0FFF,  ///< outermost VLAN id
  ctx_has_vlan = 0x1000,   ///< the packet carried a VLAN tag
  ctx_has_vni = 0x2000,    ///< the innermost IP header was inside VXLAN/Geneve (VNI in the key)
  ctx_ipv6 = 0x4000,       ///< addresses are IPv6
};

/// A flow's identity: the innermost IP header's addresses and protocol, the transport ports,
/// and the encapsulation context (outer VLAN id, VXLAN/Geneve VNI), so equal 5-tuples in
/// different VLANs or virtual networks are different flows. Both directions of a flow have the
/// same key: side 0 is the lower (address, port) pair. 44 bytes, hashable as raw bytes.
struct flow_key {
  std::array<std::uint8_t, 16> addr[2] = {};  ///< IPv4 in the first 4 bytes, the rest zero
  /// TCP/UDP/SCTP ports; ICMP: the message type and its counterpart's type (echo 8 <-> 0), or
  /// the code for one-way messages, as Community ID and Zeek define them.
  std::uint16_t port[2] = {};
  std::uint32_t vni_proto = 0;  ///< (VNI << 8) | IP protocol
  std::uint16_t ctx = 0;        ///< `key_ctx` bits and VLAN id
  std::uint16_t icmp_id = 0;    ///< ICMP echo identifier (separates ping sessions), else 0

  /// IP protocol number (of the innermost IP header's payload).
  std::uint8_t proto() const noexcept { return static_cast<std::uint8_t>(vni_proto); }
  /// VXLAN/Geneve VNI (valid when `ctx & ctx_has_vni`).
  std::uint32_t vni() const noexcept { return vni_proto >> 8; }
  /// Outermost VLAN id (valid when `ctx & ctx_has_vlan`).
  std::uint16_t vlan() const noexcept { return ctx & ctx_vlan_mask; }
  /// True for IPv6 addresses.
  bool ipv6() const noexcept { return (ctx & ctx_ipv6) != 0; }
  /// Byte-wise equality.
  bool operator==(const flow_key& o) const noexcept;
  /// A 64-bit hash of the key bytes.
  std::uint64_t hash() const noexcept;
};
static_assert(sizeof(flow_key) == 44, "flow_key must stay 44 bytes");

/// Zeek's TCP endpoint states (TCP_ENDPOINT_*).
enum class tcp_state : std::uint8_t { inactive, syn_sent, syn_ack_sent, partial, established, closed, reset };

/// Zeek's conn_state values.
enum class conn_state : std::uint8_t { S0, S1, SF, REJ, S2, S3, RSTO, RSTR, RSTOS0, RSTRH, SH, SHR, OTH };

/// The conn_state name ("S0", "SF", "REJ", …).
std::string_view conn_state_name(conn_state s) noexcept;

/// Application protocols recognized from payload. The tracker names http, ssl, ssh, dns, dhcp
/// and ntp from a flow's first payload bytes; the analysis pass (analyze/analyzer.hpp) confirms
/// or corrects that from reassembled streams and adds the rest (`flow_tracker::set_service`).
enum class service : std::uint8_t { none, http, ssl, ssh, dns, dhcp, ntp, smtp, ftp, pop3, imap, quic, count_ };

/// Zeek's name for a service ("http", "ssl", …; empty for none).
std::string_view service_name(service s) noexcept;

/// Bits of `tcp_endpoint::flags`.
enum tcp_endpoint_flag : std::uint8_t {
  ep_did_close = 0x1,  ///< this side sent a FIN or RST (Zeek's did_close)
  ep_fin_seen = 0x2,   ///< this side sent a FIN (its octet is not payload)
  ep_ack_sent = 0x4,   ///< `last_ack`/`window` hold this side's latest ACK
  ep_dupack_run = 0x8, ///< the previous packet from this side was a duplicate ACK
  ep_wscale_mask = 0xF0,  ///< window scale from this side's SYN, plus one (0: not seen)
};

/// Per-direction TCP state of a flow (16 bytes): what a segment of the connection's bulk reads
/// first (14 bytes), then the zero-window count.
struct tcp_endpoint {
  std::uint32_t isn = 0;       ///< start of the sequence space (SYN's seq, or one before the first seen)
  std::uint32_t last_ack = 0;  ///< latest ack number this side sent
  std::uint16_t window = 0;    ///< latest window this side advertised (unscaled)
  std::uint16_t history_seen = 0;     ///< history letters already recorded for this side
  std::uint8_t state = 0;      ///< tcp_state (low nibble) and the previous state (high nibble)
  std::uint8_t flags = 0;      ///< `tcp_endpoint_flag` bits
  std::uint16_t zero_windows = 0;     ///< zero-window advertisements (saturates at 65535)

  /// Current state.
  tcp_state current() const noexcept { return static_cast<tcp_state>(state & 0xF); }
  /// State before the latest change.
  tcp_state previous() const noexcept { return static_cast<tcp_state>(state >> 4); }
  /// Changes state, remembering the old one.
  void set(tcp_state s) noexcept {
    state = static_cast<std::uint8_t>((state << 4) | static_cast<std::uint8_t>(s));
  }
};

/// The window-scale shift a side announced in its SYN, or -1 when it sent none.
inline int window_shift(const tcp_endpoint& ep) noexcept {
  int v = (ep.flags & ep_wscale_mask) >> 4;
  return v == 0 ? -1 : v - 1;
}

/// Bits of `flow_record::flags`.
enum flow_flag : std::uint8_t {
  flow_orig_is_side1 = 0x1,  ///< the originator is key side 1
  flow_flipped = 0x2,        ///< roles were swapped by the server-port heuristic ('^')
  flow_one_way = 0x4,        ///< ICMP message without a counterpart (Community ID ordering)
  /// Some packet of the flow had more than one IP header (a tunnel, an ICMP error's quote), was
  /// a fragment, or had its IP or transport header cut short. Without it, every packet's
  /// addresses and ports are the key's, so filters answer ip.addr, tcp.port, … from the index.
  flow_layered = 0x8,
  /// The SYN/ACK's round trip is measured, the originator's first ACK after it not yet seen
  /// (`rtt_synack_ack_ns` waits for it): one bit the per-packet path tests instead of two fields.
  flow_rtt_pending = 0x10,
  /// Both TCP endpoints are established (the state update keeps it): what the per-packet path
  /// tests for a connection's bulk segments instead of the two states.
  flow_established = 0x20,
  /// Service detection still looks at this flow's payload: no service named (`svc`), fewer than
  /// four payload packets looked at, and detection on. One bit for the per-packet test.
  flow_probing = 0x40,
};

/// False when packet `p` gives its flow `flow_layered` (see there).
bool plain_ip_packet(const dissect::packet& p) noexcept;

/// Everything kept about one flow (176 bytes). Direction index 0 is the originator, 1 the
/// responder. What a packet of an established flow reads and writes (key, counters, both TCP
/// endpoints) are the first 128 bytes; the rest (start time, retransmission and RTT metrics,
/// history letters) changes on few packets.
struct flow_record {
  flow_key key;                  ///< identity (both directions)
  std::uint8_t svc = 0;          ///< `service`
  std::uint8_t flags = 0;        ///< `flow_flag` bits
  std::uint8_t history_len = 0;  ///< letters used in `history`
  std::uint8_t probes = 0;       ///< payload packets looked at for service detection
  std::int64_t last_ns = 0;      ///< last packet (TCP: last before both sides closed, as Zeek)
  std::uint32_t pkts[2] = {};    ///< packets per direction
  std::uint64_t ip_bytes[2] = {};  ///< IP-level bytes (IP total length) per direction
  /// Non-TCP: payload bytes per direction. TCP: the highest sequence end seen, relative to
  /// `tcp[d].isn` (64-bit, so wraps are followed); `payload_bytes` turns it into Zeek's size.
  std::uint64_t seq_or_bytes[2] = {};
  tcp_endpoint tcp[2];           ///< TCP only
  std::int64_t start_ns = 0;     ///< first packet
  /// TCP: payload segments per direction that did not advance the sequence (Zeek's rxmit).
  std::uint32_t retransmitted[2] = {};
  std::uint32_t out_of_order = 0;  ///< of the retransmissions, those that look reordered
  std::uint32_t dup_acks = 0;      ///< duplicate ACKs (Wireshark's definition)
  std::uint32_t rtt_syn_synack_ns = 0;  ///< SYN -> SYN/ACK (0: not seen; saturates)
  std::uint32_t rtt_synack_ack_ns = 0;  ///< SYN/ACK -> ACK (0: not seen; saturates)
  char history[16] = {};         ///< Zeek history letters (capped at 16)

  /// IP protocol.
  std::uint8_t proto() const noexcept { return key.proto(); }
  /// Key side (0/1) of direction `d` (0 originator, 1 responder).
  int side(int d) const noexcept { return d ^ ((flags & flow_orig_is_side1) ? 1 : 0); }
  /// Address of direction `d` (16 bytes; IPv4 in the first 4).
  const std::array<std::uint8_t, 16>& addr(int d) const noexcept { return key.addr[side(d)]; }
  /// Port (ICMP: type / counterpart or code) of direction `d`.
  std::uint16_t port(int d) const noexcept { return key.port[side(d)]; }
  /// Zeek's orig_bytes (d = 0) / resp_bytes (d = 1): TCP from sequence numbers, else payload sums.
  std::uint64_t payload_bytes(int d) const noexcept;
  /// Zeek's conn_state.
  conn_state state() const noexcept;
  /// The history string.
  std::string_view history_view() const noexcept { return {history, history_len}; }
  /// Duration in ns.
  std::int64_t duration_ns() const noexcept { return last_ns - start_ns; }
  /// Total retransmissions (both directions).
  std::uint64_t retransmissions() const noexcept {
    return std::uint64_t{retransmitted[0]} + retransmitted[1];
  }
  /// Total zero-window advertisements (both directions).
  std::uint32_t zero_windows() const noexcept {
    return std::uint32_t{tcp[0].zero_windows} + tcp[1].zero_windows;
  }
};
static_assert(sizeof(flow_record) == 176, "flow_record must stay 176 bytes (memory budget)");
static_assert(offsetof(flow_record, start_ns) == 128, "the per-packet fields must stay in the first 128 bytes");

/// Community ID v1 of a flow ("1:" + base64(sha1(...))), oriented originator -> responder.
std::string community_id(const flow_record& f, std::uint16_t seed = 0);

/// Community ID v1 of a tuple. `addr_len` is 4 or 16; `has_ports` is false for protocols
/// without ports (neither TCP, UDP, SCTP, ICMP nor ICMPv6); `one_way` disables the ordering
/// (ICMP messages without a counterpart).
std::string community_id(const std::uint8_t* saddr, const std::uint8_t* daddr, std::size_t addr_len,
                         std::uint8_t proto, std::uint16_t sport, std::uint16_t dport, bool has_ports,
                         bool one_way, std::uint16_t seed = 0);

/// A deterministic Zeek-style uid: "C" + 17 base62 digits of a hash of the key and start time.
std::string uid(const flow_record& f);

/// Fills the TCP context of `m` (relative sequence bases, window scale in effect) from flow
/// `f` for a packet sent by its originator (`from_orig`) or responder, as Wireshark shows them.
void set_tcp_context(const flow_record& f, bool from_orig, dissect::frame_meta& m) noexcept;

class flow_tracker;

/// Fills what the flow table knows of a packet of flow `id` (0: none) into `m`: the TCP context
/// (`set_tcp_context`) and Wireshark's `tcp.stream` / `udp.stream` (`stream_index`).
void set_flow_context(const flow_tracker& t, std::uint32_t id, bool from_orig, dissect::frame_meta& m);

/// Formats an address of a flow as text (dotted quad or RFC 5952 IPv6).
std::string format_address(const std::array<std::uint8_t, 16>& a, bool ipv6);

/// Options of the tracker.
struct tracker_options {
  /// Look at payload to name the service (HTTP, TLS, SSH, DNS, DHCP, NTP).
  bool detect_service = true;
};

/// Result of `flow_tracker::track` for one packet.
struct track_result {
  std::uint32_t id = 0;   ///< flow id (1-based; 0: the packet has no IP header)
  bool created = false;   ///< this packet started the flow
  bool from_orig = true;  ///< sent by the originator
};

/// The TCP header fields a flow update uses.
struct tcp_segment {
  std::uint32_t seq = 0;      ///< sequence number
  std::uint32_t ack = 0;      ///< acknowledgment number
  std::uint32_t len = 0;      ///< payload length on the wire
  std::uint16_t flags = 0;    ///< 12 flag bits (FIN 0x01, SYN 0x02, RST 0x04, ACK 0x10, …)
  std::uint16_t window = 0;   ///< advertised window (unscaled)
  std::uint8_t wscale = 0xff; ///< window scale option of a SYN (0xff: absent)
};

/// Assigns packets to flows and keeps each flow's Zeek state. Flows live in fixed-size blocks
/// (ids are stable), found through an open-addressing table of 8-byte slots; neither grows per
/// packet, only per 4096 new flows or on a table resize.
class flow_tracker {
 public:
  /// A tracker with no flows.
  explicit flow_tracker(tracker_options opts = {});
  /// Frees the flow blocks.
  ~flow_tracker();
  flow_tracker(const flow_tracker&) = delete;
  flow_tracker& operator=(const flow_tracker&) = delete;

  /// Accounts one dissected packet and returns its flow.
  track_result track(const capture::record& r, const dissect::packet& p) noexcept;

  /// Whether a packet of flow `id` (already tracked) was sent by the originator: for looking
  /// up per-direction state (sequence bases, window scale) when re-reading a packet later.
  bool from_orig(const capture::record& r, const dissect::packet& p, std::uint32_t id) const noexcept;

  /// Number of flows.
  std::size_t size() const noexcept { return count_; }
  /// The flow with id `id` (1-based, < size() + 1).
  const flow_record& get(std::uint32_t id) const noexcept {
    return blocks_[(id - 1) >> block_bits][(id - 1) & (block_size - 1)];
  }
  /// Bytes held by records and table (capacity).
  std::size_t memory_bytes() const noexcept;
  /// Sets the service of flow `id` (1-based, <= size()), as content analysis found it.
  void set_service(std::uint32_t id, service s) noexcept {
    if (id != 0 && id <= count_) set_svc(at(id), s);
  }
  /// A content gap of `length` bytes in direction `d` (0 originator) of flow `id`: bytes the
  /// peer acknowledged, or the snap length cut, that the capture lacks, as TCP reassembly
  /// reports them (`reassembly::stream_consumer::on_missed`). As in Zeek, counted in
  /// missed_bytes and marked `G`/`g` (at the 1st, 10th, 100th, … gap of that side) only while
  /// both sides are established, or closed after being established.
  void note_gap(std::uint32_t id, int d, std::uint64_t length) noexcept;
  /// Zeek's missed_bytes of flow `id`: the content-gap bytes `note_gap` counted.
  std::uint64_t missed_bytes(std::uint32_t id) const noexcept;
  /// Wireshark's `tcp.stream` / `udp.stream` of flow `id`: its 0-based rank among the TCP (or
  /// UDP) flows in order of their first packet; -1 for other protocols and unknown ids. The
  /// ranks are numbered on first use, up to the flows seen so far (4 bytes per flow, only in
  /// sessions that ask).
  std::int64_t stream_index(std::uint32_t id) const;

  /// Records per block (allocation unit).
  static constexpr std::size_t block_bits = 12;
  /// Records per block.
  static constexpr std::size_t block_size = std::size_t{1} << block_bits;

 private:
  flow_record& at(std::uint32_t id) noexcept {
    return blocks_[(id - 1) >> block_bits][(id - 1) & (block_size - 1)];
  }
  // `track` for the packets its straight path does not take (see there).
  [[gnu::noinline]] track_result track_general(const capture::record& r, const dissect::packet& p) noexcept;
  // The end of `track` for a TCP segment of flow `id`, sent in direction `d`, that is not bulk
  // (`ip_len`: its IP-level bytes).
  [[gnu::noinline]] track_result track_tcp(const capture::record& r, const dissect::packet& p, std::uint32_t id, int d,
                                           std::uint32_t ip_len) noexcept;
  // The end of `track` for a packet of flow `id`, sent in direction `d`, while it is probed.
  [[gnu::noinline]] track_result track_probe(const capture::record& r, const dissect::packet& p, std::uint32_t id,
                                             int d) noexcept;
  std::uint32_t create(const flow_key& k, std::uint64_t h, std::size_t slot) noexcept;
  void grow() noexcept;
  // The flow of key `k` from the slot table, or a new one (`created`) set up from this first
  // packet (sent by key side `src_side`; `tcp`: its TCP layer, or null).
  std::uint32_t lookup(const flow_key& k, int src_side, bool one_way, const dissect::layer* tcp, std::int64_t ts,
                       bool& created) noexcept;
  void probe_service(const capture::record& r, const dissect::packet& p, flow_record& f) noexcept;
  // Names the service of `f`, keeping `flow_probing` in step.
  void set_svc(flow_record& f, service s) const noexcept {
    f.svc = static_cast<std::uint8_t>(s);
    const bool probing = s == service::none && f.probes < 4 && opts_.detect_service;
    f.flags = static_cast<std::uint8_t>((f.flags & ~flow_probing) | (probing ? flow_probing : 0));
  }
  static util::bytes payload_of(const capture::record& r, const dissect::packet& p) noexcept;
  void update_tcp(flow_record& f, int d, const tcp_segment& t, std::int64_t ts) noexcept;

  tracker_options opts_;
  std::vector<std::unique_ptr<flow_record[]>> blocks_;
  std::vector<std::uint64_t> slots_;  // (hash high 32 bits << 32) | id; 0 = empty
  std::size_t mask_ = 0;
  std::size_t count_ = 0;
  static constexpr std::size_t recent_bits = 10;
  std::array<std::uint32_t, std::size_t{1} << recent_bits> recent_{};  // ids of recently seen flows (0: none)
  struct gap_count {
    std::uint64_t bytes = 0;     // missed_bytes
    std::uint32_t gaps[2] = {};  // content gaps per direction (for the scaled G/g)
  };
  std::unordered_map<std::uint32_t, gap_count> gaps_;  // only flows with content gaps: no per-flow cost
  mutable std::vector<std::uint32_t> stream_ranks_;      // stream_index of ids 1..size() (~0u: none)
  mutable std::uint32_t tcp_streams_ = 0, udp_streams_ = 0;  // TCP and UDP flows ranked so far
};

/// Per-address statistics (IP and MAC endpoints).
struct endpoint_stats {
  std::array<std::uint8_t, 16> addr = {};  ///< IPv4 in 4 bytes, MAC in 6, IPv6 in 16
  std::uint8_t kind = 0;       ///< 4, 6, or 0 for a MAC address
  std::uint64_t tx_packets = 0;  ///< packets sent
  std::uint64_t rx_packets = 0;  ///< packets received
  std::uint64_t tx_bytes = 0;  ///< frame bytes sent (origlen, as tshark's endpoint statistics)
  std::uint64_t rx_bytes = 0;  ///< frame bytes received
  std::uint32_t flows = 0;     ///< flows started by a packet this address sent or received
  std::int64_t first_ns = 0;   ///< first packet seen
  std::int64_t last_ns = 0;    ///< last packet seen
};

/// Endpoint tables for IP addresses (innermost IP header) and MAC addresses (outermost
/// Ethernet header), fed per packet after the flow tracker. Also keeps each flow's frame bytes
/// and packets per direction: the IP endpoints' totals are sums of them (a flow's packets all
/// carry its key's addresses), added up when `ip()` is read rather than per packet.
class endpoint_table {
 public:
  /// Accounts a packet; `t` is what the flow tracker returned for it.
  void add(const capture::record& r, const dissect::packet& p, const track_result& t);
  /// IP endpoints in first-seen order.
  const std::vector<endpoint_stats>& ip() const noexcept {
    if (ip_stale_) settle_ip();
    return ip_;
  }
  /// MAC endpoints in first-seen order.
  const std::vector<endpoint_stats>& mac() const noexcept { return mac_; }
  /// Frame bytes (original lengths) of the packets of flow `id` added so far, both directions.
  std::uint64_t flow_bytes(std::uint32_t id) const noexcept {
    return id < flows_.size() ? flows_[id].bytes[0] + flows_[id].bytes[1] : 0;
  }
  /// Packets of flow `id` added so far, both directions.
  std::uint64_t flow_packets(std::uint32_t id) const noexcept {
    return id < flows_.size() ? std::uint64_t{flows_[id].packets[0]} + flows_[id].packets[1] : 0;
  }
  /// Bytes held (capacity of the tables), for memory reports.
  std::size_t memory_bytes() const noexcept;

 private:
  // What a flow's packets add to its endpoints (index: flow id).
  struct flow_slot {
    std::uint32_t mac[2] = {};      // MAC endpoints (1-based, 0: none) its last packet had, originator's first
    std::uint32_t ip[2] = {};       // IP endpoints (1-based, 0: not yet found) of originator, responder
    std::uint64_t bytes[2] = {};    // frame bytes per direction (0: from the originator)
    std::uint32_t packets[2] = {};  // packets per direction
    std::uint64_t last_seq = 0;     // number of its last packet among all added (1-based)
    std::int64_t last_ns = 0;       // that packet's time
  };
  // The index (1-based) in `v` of the endpoint of `kind` whose address, zero-padded as in
  // `endpoint_stats::addr`, has the 8-byte words `k0`, `k1`; added (first seen at `ts`) if new.
  std::uint32_t find(std::vector<endpoint_stats>& v, std::vector<std::uint32_t>& slots, std::uint64_t k0,
                     std::uint64_t k1, std::uint8_t kind, std::int64_t ts);
  // `find` for an address not in `v`: adds it, growing `slots` first when they are half full.
  std::uint32_t insert(std::vector<endpoint_stats>& v, std::vector<std::uint32_t>& slots, std::uint64_t k0,
                       std::uint64_t k1, std::uint8_t kind, std::int64_t ts);
  void grow_flows(std::uint32_t id);
  // Counts a packet of the flow of slot `f` sent by side `src` (0: the originator).
  void count_flow(flow_slot& f, const capture::record& r, int src) noexcept;
  // `add` for the packets off its straight path (no flow, a flow without a slot yet, MAC
  // addresses not at the flow's hints, no Ethernet header first).
  void add_general(const capture::record& r, const dissect::packet& p, const track_result& t);
  // Counts a packet with Ethernet header `l`, sent by side `src`, for its MAC endpoints, using
  // and updating `hint` (the two sides' endpoints, 1-based, 0: none).
  void count_macs(std::uint32_t* hint, const dissect::layer& l, int src, const capture::record& r,
                  std::uint32_t new_flow);
  // Finds or adds the IP endpoints of flow `f` from its first packet.
  void find_flow_ips(flow_slot& f, const capture::record& r, const dissect::packet& p, const track_result& t);
  // Sets the IP endpoints' packet and byte counts and last times from the flows.
  void settle_ip() const noexcept;
  mutable std::vector<endpoint_stats> ip_;  // counts and last times valid when !ip_stale_
  mutable std::vector<std::uint64_t> ip_last_seq_;  // per IP endpoint, for settle_ip
  mutable bool ip_stale_ = false;
  std::vector<endpoint_stats> mac_;
  std::vector<std::uint32_t> ip_slots_, mac_slots_;
  // In blocks: a vector grown by copying refaulted the whole table at every step (~60 MB of
  // fresh pages for the bench capture's 136k flows; a page fault costs ~1.5 µs on these VMs).
  util::block_vector<flow_slot, 4096> flows_;
  std::uint64_t seq_ = 0;  // packets added
};

/// Extracts the flow key of a packet; false when it has no (non-quoted) IP header. `from_side0`
/// tells which key side sent it; `one_way` marks ICMP messages without a counterpart. Reads the
/// layers themselves, so `p`'s summary (`dissect::summarize`) need not be filled.
bool make_key(const dissect::packet& p, flow_key& k, bool& from_side0, bool& one_way) noexcept;

/// Whether `p`'s layer summary (`dissect::packet::net`, `transport`, `vlan`, `tunnel`,
/// `ip_headers`, `irregular`), which `flow_tracker::track` reads instead of the layers, gives
/// the same key, direction and `flow_layered` as the layers do. Debug builds check it on every
/// tracked packet; the tests, on the corpus.
bool summary_matches_layers(const dissect::packet& p) noexcept;

}  // namespace pcapscope::flow
