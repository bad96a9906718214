// TLS over reassembled TCP streams: records and handshake messages (ClientHello, ServerHello,
// Certificate, alerts, ChangeCipherSpec), JA3/JA3S/JA4 fingerprints, and a Zeek ssl.log-style
// logger. `parse_client_hello` also serves QUIC (the ClientHello inside CRYPTO frames).
// See docs/tls.md.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <iterator>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "pcapscope/app/stream.hpp"
#include "pcapscope/app/x509.hpp"
#include "pcapscope/util/arena.hpp"
#include "pcapscope/util/bytes.hpp"

namespace pcapscope::app {

/// Problems found in TLS streams and messages, each with the offset where it was found (stream
/// offset for record-level problems, offset within the handshake message otherwise).
enum class tls_anomaly : std::uint8_t {
  none,
  record_too_long,        ///< a record length above `tls_limits::max_record` (direction stops)
  bad_record_type,        ///< a content type other than 20..24 where a record should start
  bad_record_version,     ///< a record version whose major byte is not 3
  handshake_too_long,     ///< a handshake message above `tls_limits::max_handshake` (skipped)
  truncated_message,      ///< a handshake message shorter than its fields claim
  bad_extension_length,   ///< extensions whose lengths do not add up
  duplicate_extension,    ///< the same extension type twice in one hello
  trailing_data,          ///< bytes after a message's last field
  sslv2_client_hello,     ///< an SSLv2-compatible (record-less) ClientHello
  gap,                    ///< bytes missing from the stream where a record was being read
  resync,                 ///< after a gap, parsing resumed at a plausible record header
  lost_sync,              ///< after a gap, no record header was found (direction stops)
  bad_alert,              ///< an unencrypted alert record that is not 2 bytes per alert
  bad_ccs,                ///< a ChangeCipherSpec other than the single byte 1
  bad_certificate,        ///< a certificate the X.509 reader could not read completely
  too_many_certificates,  ///< more certificates than `tls_limits::max_certificates` (rest skipped)
  unexpected_message,     ///< a handshake message from the wrong side (e.g. a ServerHello from the client)
  truncated_stream,       ///< the stream ended inside a record
  count_
};

/// Stable name of a TLS anomaly, e.g. "tls.record_too_long".
std::string_view tls_anomaly_name(tls_anomaly a) noexcept;

/// An anomaly and where it was found.
struct tls_anomaly_at {
  tls_anomaly code = tls_anomaly::none;  ///< what
  std::uint8_t dir = 0;                  ///< stream direction (0 originator, 1 responder)
  std::uint64_t offset = 0;              ///< stream offset, or offset within the message
};

/// Handshake message types.
enum tls_handshake_type : std::uint8_t {
  tls_hello_request = 0, tls_client_hello_type = 1, tls_server_hello_type = 2,
  tls_hello_verify_request = 3, tls_new_session_ticket = 4, tls_end_of_early_data = 5,
  tls_hello_retry_request = 6, tls_encrypted_extensions = 8, tls_certificate = 11,
  tls_server_key_exchange = 12, tls_certificate_request = 13, tls_server_hello_done = 14,
  tls_certificate_verify = 15, tls_client_key_exchange = 16, tls_finished = 20,
  tls_certificate_url = 21, tls_certificate_status = 22, tls_supplemental_data = 23,
  tls_key_update = 24, tls_message_hash = 254,
};

/// True for the GREASE values of RFC 8701 (0x0A0A, 0x1A1A, …, 0xFAFA).
constexpr bool tls_is_grease(std::uint16_t v) noexcept {
  return (v & 0x0F0F) == 0x0A0A && (v >> 8) == (v & 0xFF);
}

/// What a ClientHello offers. Lists keep the order and values sent (GREASE included); the
/// fingerprints drop GREASE. Filled by `parse_client_hello` (also for QUIC's ClientHello).
struct tls_client_hello {
  std::uint16_t legacy_version = 0;            ///< client_version (0x0303 for TLS 1.2 and 1.3)
  bool sslv2 = false;                          ///< came as an SSLv2-compatible ClientHello
  std::vector<std::uint8_t> session_id;        ///< legacy_session_id (≤ 32 bytes)
  std::vector<std::uint16_t> cipher_suites;    ///< cipher suites in order (SSLv2: the specs
                                               ///< whose first byte is 0)
  std::vector<std::uint8_t> compression_methods;  ///< compression methods
  std::vector<std::uint16_t> extensions;       ///< extension types in order
  std::string sni;                             ///< first host_name of server_name (raw bytes)
  std::vector<std::string> alpn;               ///< ALPN protocol names (raw bytes)
  std::vector<std::uint16_t> supported_groups; ///< supported_groups (elliptic_curves)
  std::vector<std::uint8_t> ec_point_formats;  ///< ec_point_formats
  std::vector<std::uint16_t> signature_algorithms;  ///< signature_algorithms
  std::vector<std::uint16_t> supported_versions;    ///< supported_versions
  std::vector<std::uint16_t> key_share_groups;      ///< groups of the key_share entries
  std::vector<std::uint8_t> psk_key_exchange_modes; ///< psk_key_exchange_modes
  bool has_session_ticket = false;             ///< session_ticket extension present
  std::uint32_t session_ticket_length = 0;     ///< its length (non-zero: resuming with a ticket)
  bool has_pre_shared_key = false;             ///< pre_shared_key extension present (TLS 1.3 resumption)
  bool has_early_data = false;                 ///< early_data extension present
  bool complete = false;                       ///< every field up to the end was read
  std::vector<tls_anomaly_at> anomalies;       ///< problems (offsets within the message)

  /// The version the client wants most: the highest non-GREASE supported_versions entry, else
  /// `legacy_version`.
  std::uint16_t max_version() const noexcept;
};

/// What a ServerHello selects.
struct tls_server_hello {
  std::uint16_t legacy_version = 0;           ///< server_version
  std::uint16_t selected_version = 0;         ///< supported_versions (TLS 1.3), else legacy_version
  bool hello_retry = false;                   ///< a HelloRetryRequest (the special random)
  std::vector<std::uint8_t> session_id;       ///< legacy_session_id_echo
  std::uint16_t cipher_suite = 0;             ///< the selected suite
  std::uint8_t compression_method = 0;        ///< the selected compression
  std::vector<std::uint16_t> extensions;      ///< extension types in order
  std::string alpn;                           ///< the selected ALPN protocol (raw bytes)
  std::uint16_t key_share_group = 0;          ///< key_share group (TLS 1.3; 0 when absent)
  bool has_pre_shared_key = false;            ///< pre_shared_key extension (TLS 1.3 resumption)
  bool has_session_ticket = false;            ///< session_ticket extension (a ticket will follow)
  bool complete = false;                      ///< every field up to the end was read
  std::vector<tls_anomaly_at> anomalies;      ///< problems (offsets within the message)
};

/// Parses a ClientHello handshake message: `handshake_message` starts with the handshake type
/// (1) and 24-bit length, as in a TLS record or QUIC CRYPTO frames. A message cut short (the
/// length claims more than given) is parsed as far as it goes with `truncated_message`. Returns
/// true when at least the version, random and cipher suites were read. Never reads outside the
/// input; memory bounded by its size.
bool parse_client_hello(util::bytes handshake_message, tls_client_hello& out);

/// Parses an SSLv2-compatible ClientHello record (starting with the 2-byte record header whose
/// top bit is set). Sets `out.sslv2`. Returns true when the cipher specs were read.
bool parse_sslv2_client_hello(util::bytes record, tls_client_hello& out);

/// Parses a ServerHello handshake message (with its 4-byte header). Returns true when at least
/// the version, random, session id and cipher suite were read.
bool parse_server_hello(util::bytes handshake_message, tls_server_hello& out);

/// JA3's input string: "SSLVersion,Ciphers,Extensions,EllipticCurves,EllipticCurvePointFormats"
/// (decimal values joined by '-', GREASE removed).
std::string ja3_string(const tls_client_hello& ch);
/// `ja3_string` written into `out` (replacing its contents; its capacity is reused).
void ja3_string(const tls_client_hello& ch, std::string& out);
/// JA3: the MD5 of `ja3_string`, lower-case hex.
std::string ja3(const tls_client_hello& ch);
/// JA3S's input string: "SSLVersion,Cipher,Extensions" (GREASE removed).
std::string ja3s_string(const tls_server_hello& sh);
/// `ja3s_string` written into `out` (replacing its contents; its capacity is reused).
void ja3s_string(const tls_server_hello& sh, std::string& out);
/// JA3S: the MD5 of `ja3s_string`, lower-case hex.
std::string ja3s(const tls_server_hello& sh);
/// JA4 (FoxIO, BSD-3): "t13d1516h2_8daaf6152771_e5627efa2ab1". `transport` is 't' (TLS over
/// TCP), 'q' (QUIC) or 'd' (DTLS).
std::string ja4(const tls_client_hello& ch, char transport);
/// JA4_r: JA4 with the sorted cipher and extension lists and the signature algorithms unhashed.
std::string ja4_r(const tls_client_hello& ch, char transport);
/// `ja4_r` written into `out` (replacing its contents; its capacity is reused).
void ja4_r(const tls_client_hello& ch, char transport, std::string& out);
/// JA4 from a JA4_r string (its parts hashed); empty when `ja4_r` does not have JA4_r's form.
std::string ja4_from_r(std::string_view ja4_r);
/// `ja4` and `ja4_r` of one ClientHello from one pass over its lists (what the logs keep); the
/// JA4 hashes are taken from the JA4_r text. Both strings are replaced, their capacity reused.
void ja4_both(const tls_client_hello& ch, char transport, std::string& ja4_out, std::string& ja4_r_out);

/// Zeek's name of a TLS version: "SSLv2", "SSLv3", "TLSv10", "TLSv11", "TLSv12", "TLSv13",
/// "DTLSv10", "DTLSv12", "DTLSv13"; drafts "TLSv13-draft23"; else "unknown-0x1234".
std::string tls_version_name(std::uint16_t v);
/// IANA name of a cipher suite as Zeek prints it ("TLS_AES_128_GCM_SHA256"); "unknown-0x1234"
/// when not in the table.
std::string tls_cipher_name(std::uint16_t suite);
/// Name of a named group as Zeek prints it ("x25519", "secp256r1", …); "unknown-4588" otherwise.
std::string tls_group_name(std::uint16_t group);
/// Name of an alert description ("handshake_failure", …); "unknown-123" otherwise.
std::string tls_alert_name(std::uint8_t description);
/// Name of an extension type ("server_name", …); empty when unknown.
std::string_view tls_extension_name(std::uint16_t type) noexcept;

/// Caps that bound memory and work per flow.
struct tls_limits {
  std::uint32_t max_record = 16384 + 2048;    ///< record length (RFC 5246's ciphertext limit)
  std::uint32_t max_handshake = 1u << 17;     ///< handshake message length buffered
  std::uint32_t max_certificates = 16;        ///< certificates read per Certificate message
  std::uint32_t resync_window = 1u << 16;     ///< bytes searched for a record header after a gap
  std::uint32_t max_anomalies = 16;           ///< anomalies kept per log entry
};

/// One ClientHello of a flow, as the packet list shows it.
struct tls_hello_info {
  std::uint64_t frame = 0;             ///< frame completing the message
  std::string sni;                     ///< its SNI (raw bytes)
  std::string ja3, ja4, ja4_r;         ///< its fingerprints (ja3 empty for an SSLv2 hello)
};

/// One ssl.log entry (Zeek field names; see docs/tls.md).
struct tls_log_entry {
  std::int64_t ts_ns = 0;              ///< ts: time of the first TLS message
  conn_id id;                          ///< uid, id.orig_h/p, id.resp_h/p
  std::uint16_t version = 0;           ///< version: negotiated (ServerHello; 0 unknown)
  bool has_cipher = false;             ///< a ServerHello selected a cipher
  std::uint16_t cipher = 0;            ///< cipher
  std::uint16_t curve = 0;             ///< curve: key_share / ServerKeyExchange group (0 none)
  std::string server_name;             ///< server_name: the SNI (raw bytes; escaped when printed)
  bool resumed = false;                ///< resumed: session id echoed, ticket, or TLS 1.3 PSK
  bool has_alert = false;              ///< an unencrypted alert was seen
  std::uint8_t last_alert_level = 0;   ///< its level (1 warning, 2 fatal)
  std::uint8_t last_alert = 0;         ///< last_alert: its description
  std::string next_protocol;           ///< next_protocol: ALPN selected by the server
  bool established = false;            ///< established: both sides switched to encryption
  std::string ssl_history;             ///< ssl_history (Zeek letters; upper case from the client)
  std::string subject, issuer;         ///< subject / issuer of the server's first certificate
  std::string client_subject, client_issuer;  ///< the client's first certificate
  std::string ja3, ja3s, ja4, ja4_r;   ///< fingerprints (empty when the hello was not seen)
  std::uint16_t client_version = 0;    ///< the ClientHello's highest offered version
  std::vector<std::string> client_alpn;  ///< ALPN offered by the client
  bool sslv2_hello = false;            ///< the ClientHello came in SSLv2 form
  std::uint64_t client_hello_frame = 0;  ///< frame completing the ClientHello (0: none)
  std::uint64_t server_hello_frame = 0;  ///< frame completing the ServerHello (0: none)
  std::vector<tls_hello_info> client_hellos;  ///< every ClientHello (a second one follows a
                                              ///< HelloRetryRequest; ≤ 8 kept)
  std::vector<x509_cert> server_certs; ///< the server's chain as read (≤ max_certificates)
  std::vector<x509_cert> client_certs; ///< the client's chain
  std::vector<tls_anomaly_at> anomalies;  ///< problems found (first `max_anomalies`)
};

/// The ssl.log entries of a `tls_logger`, stored compactly: numbers inline; names, subjects
/// and fingerprints in one text arena (a fingerprint seen before shares its text); each distinct
/// certificate once; uid and addresses taken from the flow table when an entry is read.
/// `operator[]` and iteration build each entry as a `tls_log_entry`.
class tls_log_table {
 public:
  /// Entries.
  std::size_t size() const noexcept { return rows_.size(); }
  /// True without entries.
  bool empty() const noexcept { return rows_.empty(); }
  /// Entry `i` (built on each call).
  tls_log_entry operator[](std::size_t i) const;
  /// The flow of entry `i` (without building it).
  std::uint32_t flow_id(std::size_t i) const noexcept { return rows_[i].flow_id; }
  /// Bytes allocated for the entries (certificates counted by their structs only).
  std::size_t memory() const noexcept {
    return rows_.memory() + hellos_.memory() + anomalies_.memory() + chains_.memory() + text_.memory() +
           certs_.memory();
  }

  /// Input iterator over the entries (each dereference builds one).
  class iterator {
   public:
    using iterator_category = std::input_iterator_tag;  ///< single pass
    using value_type = tls_log_entry;                   ///< what dereferencing gives
    using difference_type = std::ptrdiff_t;             ///< distance type
    using pointer = void;                               ///< no addressable element
    using reference = tls_log_entry;                    ///< built by value
    /// Entry `i` of `t`.
    iterator(const tls_log_table* t, std::size_t i) : t_(t), i_(i) {}
    /// The entry.
    tls_log_entry operator*() const { return (*t_)[i_]; }
    /// The next entry.
    iterator& operator++() {
      ++i_;
      return *this;
    }
    /// Same position.
    bool operator==(const iterator& o) const noexcept { return i_ == o.i_; }

   private:
    const tls_log_table* t_;
    std::size_t i_;
  };
  /// The first entry.
  iterator begin() const { return {this, 0}; }
  /// Past the last entry.
  iterator end() const { return {this, rows_.size()}; }

 private:
  friend class tls_logger;
  friend struct tls_flow_state;
  static constexpr std::uint32_t none = 0xFFFFFFFF;
  static constexpr std::size_t history_inline = 23;  // ssl_history letters kept in the row
  enum : std::uint8_t { f_has_cipher = 1, f_resumed = 2, f_has_alert = 4, f_established = 8, f_sslv2 = 16, f_hello = 32 };
  // A ClientHello after the first (the first is the entry's own SNI, frame and fingerprints).
  struct hello {
    std::uint64_t frame = 0;
    util::text_ref sni, ja3, ja4, ja4_r;
    std::uint32_t next = none;
  };
  struct anomaly_node {
    tls_anomaly_at at;
    std::uint32_t next = none;
  };
  struct row {
    std::int64_t ts_ns = 0;
    std::uint64_t client_hello_frame = 0, server_hello_frame = 0;
    std::uint32_t flow_id = 0;
    std::uint16_t version = 0, cipher = 0, curve = 0, client_version = 0;
    std::uint8_t flags = 0;
    std::uint8_t last_alert_level = 0, last_alert = 0;
    std::uint8_t history_len = 0;            // letters; past history_inline they are in long_history_
    char history[history_inline] = {};
    util::text_ref server_name, next_protocol, subject, issuer, client_subject, client_issuer;
    util::text_ref ja3, ja3s, ja4, ja4_r;
    util::text_ref client_alpn;              // each name as a length byte and its bytes
    std::uint32_t hellos_head = none, hellos_tail = none;
    std::uint32_t anomalies_head = none, anomalies_tail = none;
    std::uint32_t anomaly_count = 0;
    std::uint32_t chain_at[2] = {}, chain_count[2] = {};  // server's, client's certificate ids
  };
  const flow::flow_tracker* flows_ = nullptr;
  util::block_vector<row, 1024> rows_;
  util::block_vector<hello, 256> hellos_;
  util::block_vector<anomaly_node, 1024> anomalies_;
  util::block_vector<std::uint32_t, 1024> chains_;
  util::block_vector<x509_cert, 64> certs_;
  std::unordered_map<std::uint32_t, std::string> long_history_;  // by entry
  util::text_arena text_;
};

/// Counters of the TLS logger.
struct tls_counters {
  std::uint64_t flows = 0;             ///< flows with TLS seen
  std::uint64_t records = 0;           ///< records read
  std::uint64_t handshake_messages = 0;  ///< unencrypted handshake messages
  std::uint64_t client_hellos = 0;     ///< ClientHellos (SSLv2 ones included)
  std::uint64_t server_hellos = 0;     ///< ServerHellos
  std::uint64_t certificates = 0;      ///< certificates read
  std::uint64_t alerts = 0;            ///< unencrypted alerts
  std::uint64_t established = 0;       ///< flows that became established
  std::uint64_t gaps = 0;              ///< gaps reported
  std::uint64_t resyncs = 0;           ///< successful resyncs after gaps
  std::array<std::uint64_t, static_cast<std::size_t>(tls_anomaly::count_)> anomalies{};  ///< by code
};

struct tls_flow_state;

/// Builds ssl.log entries from reassembled TCP streams: one entry per flow that carries TLS,
/// in order of the flow's first TLS bytes. Direction 0 is the flow originator; the client is
/// whichever side sends the ClientHello.
class tls_logger {
 public:
  /// `flows` (may be null) gives uids and addresses.
  explicit tls_logger(const flow::flow_tracker* flows = nullptr, tls_limits limits = {});
  ~tls_logger();
  tls_logger(const tls_logger&) = delete;
  tls_logger& operator=(const tls_logger&) = delete;

  /// Stream bytes of one direction, in order. False once the flow's analysis is over (like
  /// Zeek, after the handshake): later bytes of either direction would be ignored, so the caller
  /// may stop delivering them (gaps and closes still matter).
  bool on_data(const stream_ctx& c, int dir, util::bytes data);
  /// `length` bytes of one direction are missing (resync or stop).
  void on_gap(const stream_ctx& c, int dir, std::uint64_t length);
  /// One direction ended; the flow's state is freed when both have.
  void on_close(const stream_ctx& c, int dir);
  /// Ends every open flow (call once, at the end of the capture).
  void finish();
  /// The entries so far.
  const tls_log_table& entries() const noexcept { return entries_; }
  /// Counters.
  const tls_counters& counters() const noexcept { return counters_; }
  /// Bytes held for incomplete records and handshake messages over all open flows (at most
  /// 2 × (max_handshake + 2 × max_record) + 8 per flow).
  std::size_t buffered() const noexcept;
  /// Called for every unencrypted handshake message with the frame completing it; `ch` is the
  /// parsed ClientHello for type 1, else null (valid during the call only).
  std::function<void(const stream_ctx&, int dir, std::uint8_t type, const tls_client_hello* ch)> on_handshake_seen;

 private:
  friend struct tls_flow_state;
  tls_flow_state& state_for(const stream_ctx& c);

  tls_limits limits_;
  tls_log_table entries_;
  flow_states<tls_flow_state> states_;
  tls_counters counters_;
  // Scratch reused for every message, so steady-state parsing does not allocate: the hellos
  // being read and the JA3/JA3S input string.
  tls_client_hello hello_;
  tls_server_hello server_hello_;
  std::string text_;
  // Fingerprints by their input text (JA3 and JA3S by their strings; JA4 and JA4_r by JA4_r),
  // as stored in the table: clients and servers repeat their hellos, the hashes were most of a
  // hello's cost, and repeated texts are stored once. At most `max_entries` each; past that,
  // new values are computed and stored every time. The map holds positions in `values_`: one
  // map type for every cache (each map type instantiated cost the wasm module ~2 KB of code).
  template <class Value>
  class fingerprint_cache {
   public:
    template <class F>
    Value get(const std::string& key, F&& compute) {
      auto it = at_.find(key);
      if (it != at_.end()) return values_[it->second];
      Value v = compute();
      if (values_.size() < max_entries) {
        at_.emplace(key, static_cast<std::uint32_t>(values_.size()));
        values_.push_back(v);
      }
      return v;
    }

   private:
    static constexpr std::size_t max_entries = 4096;
    std::unordered_map<std::string, std::uint32_t> at_;
    std::vector<Value> values_;
  };
  struct fingerprint_text {
    util::text_ref text, text2;
  };
  struct hello_fingerprints {
    util::text_ref ja3, ja4, ja4_r;
  };
  fingerprint_cache<fingerprint_text> ja3_cache_, ja3s_cache_, ja4_cache_;
  // A ClientHello's three fingerprints by the binary form of the fields they are made of
  // (GREASE dropped): writing out the JA3 and JA4_r strings only to find them cached cost more
  // than the parse of the hello (callgrind).
  fingerprint_cache<hello_fingerprints> hello_cache_;
  std::string hello_key_;
  // Certificates read so far by their DER bytes (kept in the arena): id in the table and
  // whether it parsed.
  std::unordered_map<std::string_view, std::pair<std::uint32_t, bool>> cert_ids_;
};

}  // namespace pcapscope::app
