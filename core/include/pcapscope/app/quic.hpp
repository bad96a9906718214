// QUIC (RFC 9000/9001, v2 RFC 9369, drafts 22-34): long-header parsing with coalesced packets,
// Initial packet decryption with the initial secrets (derived from the client's first
// Destination Connection ID, so anyone holding the capture can derive them), the frames of
// Initial packets, CRYPTO reassembly into the TLS ClientHello (SNI, ALPN, JA4 'q'), and a Zeek
// quic.log-style logger. See docs/quic.md.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "pcapscope/app/stream.hpp"
#include "pcapscope/util/bytes.hpp"

namespace pcapscope::app {

/// Problems found in QUIC datagrams, each reported with the frame and a byte offset (within the
/// UDP payload for header and decryption problems, within the decrypted payload for frame
/// problems, within the CRYPTO stream for reassembly problems).
enum class quic_anomaly : std::uint8_t {
  none,
  truncated_header,       ///< a long header cut before its fields end
  bad_cid_length,         ///< a connection ID longer than 20 bytes in a known version
  bad_length,             ///< a Length field running past the end of the datagram
  short_packet,           ///< too few bytes after the packet number for the header-protection sample
  decrypt_failed,         ///< the AEAD tag did not verify (wrong keys, corruption, or not QUIC)
  bad_frame,              ///< a frame cut short or with impossible fields (rest of packet skipped)
  unexpected_frame,       ///< a frame type not allowed in Initial packets (rest of packet skipped)
  too_many_packets,       ///< more coalesced packets than `quic_limits::max_packets_per_datagram`
  crypto_beyond_cap,      ///< CRYPTO data past `quic_limits::max_crypto_bytes` (dropped)
  crypto_too_fragmented,  ///< more CRYPTO ranges than `quic_limits::max_crypto_ranges` (stream abandoned)
  crypto_memory_cap,      ///< buffered CRYPTO bytes of all flows reached `quic_limits::max_total_buffered`
  crypto_conflict,        ///< retransmitted CRYPTO bytes differ from those already received
  handshake_too_long,     ///< the first handshake message claims more than the buffer can hold
  unexpected_handshake,   ///< the first CRYPTO message is not a ClientHello (client) / ServerHello (server)
  bad_client_hello,       ///< the reassembled ClientHello did not parse
  unknown_version,        ///< a long header with a version whose Initial keys are unknown
  count_
};

/// Stable name of a QUIC anomaly, e.g. "quic.decrypt_failed".
std::string_view quic_anomaly_name(quic_anomaly a) noexcept;

/// Version numbers with names.
inline constexpr std::uint32_t quic_v1 = 0x00000001;        ///< RFC 9000
inline constexpr std::uint32_t quic_v2 = 0x6b3343cf;        ///< RFC 9369
inline constexpr std::uint32_t quic_draft29 = 0xff00001d;   ///< draft-ietf-quic-transport-29

/// Long-header packet types, independent of the version's encoding (v2 permutes the bits).
enum class quic_packet_type : std::uint8_t {
  initial, zero_rtt, handshake, retry, version_negotiation, short_header
};

/// Name of a packet type ("Initial", "0-RTT", "Handshake", "Retry", "VersionNegotiation", "1-RTT").
std::string_view quic_packet_type_name(quic_packet_type t) noexcept;

/// True when Initial keys of `version` are known: v1, v2, drafts 22-34 (0xff000016..22) and
/// Facebook mvfst's 0xfaceb001/0xfaceb002/0xfaceb00e (draft-22/27 salts).
bool quic_version_supported(std::uint32_t version) noexcept;

/// Zeek's name of a version: "1", "quicv2", "draft-29", "mvfst-faceb002"; else "unknown-<hex>".
std::string quic_version_name(std::uint32_t version);

/// Reads a QUIC variable-length integer (RFC 9000 §16); sets the cursor's failure on truncation.
std::uint64_t quic_varint(util::cursor& c) noexcept;

/// Reconstructs a full packet number from its `bits`-bit truncation and the largest number
/// received so far in the space (-1 for none), as in RFC 9000 §A.3.
std::uint64_t quic_decode_packet_number(std::int64_t largest, std::uint64_t truncated, unsigned bits) noexcept;

/// The fields of one long-header packet (views into the datagram).
struct quic_long_header {
  std::uint8_t first_byte = 0;    ///< as sent (still header-protected in its low bits)
  std::uint32_t version = 0;      ///< version (0: Version Negotiation)
  quic_packet_type type = quic_packet_type::initial;  ///< decoded with the version's bit mapping
  util::bytes dcid;               ///< Destination Connection ID
  util::bytes scid;               ///< Source Connection ID
  util::bytes token;              ///< Initial: the token; Retry: the retry token
  std::uint64_t length = 0;       ///< the Length field (packet number + payload), 0 when absent
  std::size_t pn_offset = 0;      ///< offset of the packet number (end of the visible header)
  std::size_t packet_size = 0;    ///< bytes of this packet within the datagram (whole rest for
                                  ///< Retry, Version Negotiation and unknown versions)
};

/// Parses the long-header packet at the start of `data` (a UDP payload, or what follows the
/// previous coalesced packet). Returns `none` on success; otherwise the anomaly, with `at` the
/// offset where parsing stopped. Never reads outside `data`.
quic_anomaly quic_parse_long_header(util::bytes data, quic_long_header& out, std::size_t& at) noexcept;

/// Packet-protection keys for one direction of one encryption level (AES-128-GCM).
struct quic_keys {
  std::array<std::uint8_t, 16> key{};  ///< AEAD key
  std::array<std::uint8_t, 12> iv{};   ///< AEAD IV (XORed with the packet number)
  std::array<std::uint8_t, 16> hp{};   ///< header-protection key (AES-128-ECB)
};

/// Derives the Initial keys (RFC 9001 §5.2; RFC 9369 §3.3 for v2's salt and "quicv2" labels) of
/// the client (`server` false) or server from the client's first Destination Connection ID.
/// Returns false for versions without known Initial keys.
bool quic_initial_keys(std::uint32_t version, util::bytes client_dcid, bool server, quic_keys& out) noexcept;

/// A packet with protection removed.
struct quic_plain_packet {
  std::vector<std::uint8_t> header;   ///< the unprotected header (first byte and packet number clear)
  std::uint64_t packet_number = 0;    ///< the full packet number (reconstructed)
  std::uint8_t pn_length = 0;         ///< bytes of the packet number on the wire
  std::vector<std::uint8_t> payload;  ///< the decrypted frames
};

/// Removes header protection from and decrypts one long-header packet (`packet` = its bytes,
/// i.e. the datagram from the packet's first byte, at least `h.packet_size` long). `largest_pn`
/// is the largest packet number seen so far in this direction and space (-1 for none), used to
/// reconstruct the full number (RFC 9000 §A.3). Returns `none`, `short_packet` or
/// `decrypt_failed`. Buffers in `out` are reused.
quic_anomaly quic_unprotect(util::bytes packet, const quic_long_header& h, const quic_keys& k,
                            std::int64_t largest_pn, quic_plain_packet& out) noexcept;

/// Protects a long-header packet (the inverse of `quic_unprotect`; used by tests and fuzzers to
/// build valid packets): `header` is the unprotected header ending with the `pn_length`-byte
/// packet number (its Length field must already count packet number, payload and 16-byte tag).
/// Returns the protected packet, empty when the payload is too short for a sample.
std::vector<std::uint8_t> quic_protect(util::bytes header, std::uint8_t pn_length, std::uint64_t packet_number,
                                       util::bytes payload, const quic_keys& k);

/// A CRYPTO frame: where its data goes in the stream, and the data.
struct quic_crypto_chunk {
  std::uint64_t offset = 0;  ///< stream offset
  util::bytes data;          ///< view into the decrypted payload
};

/// The frames of one decrypted Initial (or Handshake) payload.
struct quic_frames {
  static constexpr std::size_t max_crypto = 64;  ///< CRYPTO frames kept per packet
  std::vector<quic_crypto_chunk> crypto;  ///< CRYPTO frames in order (first `max_crypto`)
  std::uint32_t padding = 0;     ///< PADDING bytes
  std::uint32_t ping = 0;        ///< PING frames
  std::uint32_t ack = 0;         ///< ACK frames
  std::uint32_t frames = 0;      ///< frames read (a PADDING run counts once)
  bool connection_close = false; ///< a CONNECTION_CLOSE frame was seen
  std::uint64_t close_error = 0; ///< its error code
  bool close_application = false;  ///< it was the application variant (0x1d)
  quic_anomaly problem = quic_anomaly::none;  ///< bad_frame / unexpected_frame, or none
  std::uint32_t problem_offset = 0;           ///< where in the payload
};

/// Walks the frames of a decrypted Initial payload: PADDING, PING, ACK (with ECN), CRYPTO and
/// CONNECTION_CLOSE; any other type is `unexpected_frame`. Work is linear in the payload size
/// whatever the counts inside frames claim. Returns true when every byte was understood.
bool quic_parse_frames(util::bytes payload, quic_frames& out);

/// True when `udp_payload` starts like a QUIC long-header packet of a supported version (with
/// the fixed bit and valid connection-ID lengths) or a Version Negotiation packet: used by
/// service detection.
bool looks_like_quic(util::bytes udp_payload) noexcept;

/// Caps that bound memory and work.
struct quic_limits {
  std::uint32_t max_packets_per_datagram = 16;   ///< coalesced packets looked at per datagram
  std::uint32_t max_crypto_bytes = 64 * 1024;    ///< CRYPTO stream bytes buffered per direction
  std::uint32_t max_crypto_ranges = 64;          ///< disjoint CRYPTO ranges tracked per direction
  std::uint64_t max_total_buffered = 32u << 20;  ///< CRYPTO bytes buffered over all flows
  std::uint32_t max_history = 100;               ///< history letters (Zeek's max_history_length)
  std::uint32_t max_anomalies = 16;              ///< anomalies kept per entry
};

/// An anomaly with where it was found.
struct quic_anomaly_at {
  quic_anomaly code = quic_anomaly::none;  ///< what
  std::uint8_t dir = 0;                    ///< direction (0 originator)
  std::uint64_t frame = 0;                 ///< 1-based packet number in the capture
  std::uint64_t offset = 0;                ///< byte offset (see quic_anomaly)
};

/// One quic.log entry (Zeek field names; see docs/quic.md).
struct quic_log_entry {
  std::int64_t ts_ns = 0;              ///< ts: first long-header packet of the entry
  conn_id id;                          ///< uid, id.orig_h/p, id.resp_h/p
  std::uint32_t version = 0;           ///< version of the first packet (printed by quic_version_name)
  std::string client_initial_dcid;     ///< client_initial_dcid (hex; empty: none seen)
  bool has_client_scid = false;        ///< client_scid was seen
  std::string client_scid;             ///< client_scid: SCID of the client's latest long header
  bool has_server_scid = false;        ///< server_scid was seen
  std::string server_scid;             ///< server_scid: SCID of the server's latest long header
  bool has_client_hello = false;       ///< the ClientHello was reassembled and parsed
  std::string server_name;             ///< server_name: SNI (raw bytes)
  std::string client_protocol;         ///< client_protocol: first ALPN offered
  std::string history;                 ///< history: Zeek's letters (upper case from the client)
  std::string ja4;                     ///< JA4 with transport 'q' (empty without ClientHello)
  std::uint64_t client_hello_frame = 0;  ///< frame completing the ClientHello (0: none)
  std::uint64_t server_hello_frame = 0;  ///< frame completing the ServerHello (0: none)
  std::uint16_t server_cipher = 0;     ///< cipher suite selected in the ServerHello (0: none)
  std::uint32_t initial_packets = 0;   ///< Initial packets seen (both directions)
  std::uint32_t decrypted = 0;         ///< of which decrypted
  std::vector<quic_anomaly_at> anomalies;  ///< first `max_anomalies` problems
};

/// Counters of the QUIC logger.
struct quic_counters {
  std::uint64_t datagrams = 0;         ///< UDP payloads given
  std::uint64_t long_packets = 0;      ///< long-header packets parsed
  std::uint64_t short_packets = 0;     ///< short-header (1-RTT) packets counted
  std::uint64_t initial_packets = 0;   ///< Initial packets
  std::uint64_t handshake_packets = 0; ///< Handshake packets
  std::uint64_t zero_rtt_packets = 0;  ///< 0-RTT packets
  std::uint64_t retry_packets = 0;     ///< Retry packets
  std::uint64_t version_negotiation = 0;  ///< Version Negotiation packets
  std::uint64_t decrypted = 0;         ///< Initial packets decrypted
  std::uint64_t decrypt_failures = 0;  ///< Initial packets whose tag did not verify
  std::uint64_t client_hellos = 0;     ///< ClientHellos reassembled and parsed
  std::uint64_t server_hellos = 0;     ///< ServerHellos reassembled and parsed
  std::array<std::uint64_t, static_cast<std::size_t>(quic_anomaly::count_)> anomalies{};  ///< by code
};

struct quic_flow_state;

/// Builds quic.log entries from UDP payloads. One entry per QUIC connection attempt on a UDP
/// flow: as in Zeek, a Retry, a CONNECTION_CLOSE in a decrypted Initial or an unknown version
/// closes the entry and later packets start a new one. Direction 0 (the flow originator) is the
/// client. Entries are kept in order of their first packet.
class quic_logger {
 public:
  /// `flows` (may be null) gives uids and addresses.
  explicit quic_logger(const flow::flow_tracker* flows = nullptr, quic_limits limits = {});
  ~quic_logger();
  quic_logger(const quic_logger&) = delete;
  quic_logger& operator=(const quic_logger&) = delete;

  /// One UDP payload of the flow `c.flow_id`, sent by direction `dir` (0 originator).
  void on_datagram(const stream_ctx& c, int dir, util::bytes udp_payload);
  /// Frees every flow's state (entries stay); call once at the end of the capture.
  void finish();
  /// The entries so far (fields fill in as packets arrive).
  const std::vector<quic_log_entry>& entries() const noexcept { return entries_; }
  /// Counters.
  const quic_counters& counters() const noexcept { return counters_; }

 private:
  friend struct quic_flow_state;
  void process_packet(quic_flow_state& s, const stream_ctx& c, int dir, util::bytes packet,
                      const quic_long_header& h, std::size_t base);
  void on_crypto(quic_flow_state& s, const stream_ctx& c, int dir, const quic_frames& f);
  quic_log_entry& entry_for(quic_flow_state& s, const stream_ctx& c, std::uint32_t version);
  void add_history(quic_flow_state& s, int dir, char letter);
  void anomaly(quic_flow_state* s, const stream_ctx& c, int dir, quic_anomaly a, std::uint64_t offset);
  void close_entry(quic_flow_state& s);

  const flow::flow_tracker* flows_;
  quic_limits limits_;
  std::vector<quic_log_entry> entries_;
  std::unordered_map<std::uint32_t, std::unique_ptr<quic_flow_state>> states_;
  quic_counters counters_;
  std::uint64_t buffered_ = 0;   // CRYPTO bytes buffered over all flows
  quic_plain_packet plain_;      // reused decryption buffers
  quic_frames frames_;           // reused frame list
};

}  // namespace pcapscope::app
