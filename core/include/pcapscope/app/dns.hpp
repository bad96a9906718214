// DNS (also mDNS and LLMNR): a zero-copy message parser with named anomalies, and a Zeek
// dns.log-style logger that pairs queries with responses. See docs/dns.md.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <iterator>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "pcapscope/app/stream.hpp"
#include "pcapscope/capture/reader.hpp"
#include "pcapscope/dissect/packet.hpp"
#include "pcapscope/flow/flow.hpp"
#include "pcapscope/util/arena.hpp"
#include "pcapscope/util/bytes.hpp"

namespace pcapscope::index {
class index_builder;
}

namespace pcapscope::app {

/// Problems found in a DNS message; each is reported with the byte offset (within the message)
/// where it was found. Malformed messages still yield everything parsed before the problem.
enum class dns_anomaly : std::uint8_t {
  none,
  truncated_header,      ///< fewer than 12 bytes
  truncated_name,        ///< a name runs past the end of the message
  name_loop,             ///< a compression pointer to itself or into the name it is part of
  name_pointer_forward,  ///< a compression pointer to a later offset (or past the end)
  name_too_many_pointers,  ///< more compression jumps than `dns_max_pointer_jumps`
  name_too_long,         ///< a name longer than 255 bytes in wire form
  bad_label_type,        ///< label type 0x40 or 0x80 (extended / reserved)
  truncated_record,      ///< a question or record cut inside its fixed part or its RDATA
  bad_count,             ///< the header counts claim more records than the message holds
  bad_rdata,             ///< RDATA inconsistent with its type (e.g. an A record of 5 bytes)
  trailing_data,         ///< bytes after the last counted record
  too_many_records,      ///< more records than `dns_max_records` (the rest not parsed)
  multiple_opt,          ///< more than one OPT record
  tcp_partial,           ///< DNS over TCP: a message continues in a later segment (not parsed)
  tcp_short_length,      ///< DNS over TCP: a length prefix below the 12-byte header
  count_
};

/// Stable name of a DNS anomaly, e.g. "dns.name_loop".
std::string_view dns_anomaly_name(dns_anomaly a) noexcept;

/// Record types with names (anything else is kept by number).
enum dns_type : std::uint16_t {
  dns_a = 1, dns_ns = 2, dns_cname = 5, dns_soa = 6, dns_ptr = 12, dns_hinfo = 13, dns_mx = 15,
  dns_txt = 16, dns_aaaa = 28, dns_srv = 33, dns_naptr = 35, dns_dname = 39, dns_opt = 41,
  dns_ds = 43, dns_rrsig = 46, dns_nsec = 47, dns_dnskey = 48, dns_svcb = 64, dns_https = 65,
  dns_any = 255, dns_caa = 257,
};

/// Name of a record type as Zeek's qtype_name ("A", "AAAA", "HTTPS", …; "TYPEn"-less: empty
/// when unknown, callers print the number).
std::string_view dns_type_name(std::uint16_t type) noexcept;
/// Name of a class ("C_INTERNET", "C_CHAOS", …, as Zeek's qclass_name; empty when unknown).
std::string_view dns_class_name(std::uint16_t klass) noexcept;
/// Name of a response code ("NOERROR", "NXDOMAIN", …; empty when unknown).
std::string_view dns_rcode_name(std::uint16_t rcode) noexcept;

/// Limits that keep hostile messages cheap.
inline constexpr std::size_t dns_max_name_wire = 255;      ///< bytes of a name in wire form
inline constexpr std::size_t dns_max_pointer_jumps = 64;    ///< compression pointers per name
inline constexpr std::size_t dns_max_records = 4096;        ///< records parsed per message
inline constexpr std::size_t dns_max_anomalies = 8;         ///< anomalies kept per message
inline constexpr std::uint32_t dns_no_name = 0xFFFFFFFF;    ///< "no name" offset

/// Sections of a message.
enum class dns_section : std::uint8_t { question, answer, authority, additional };

/// One question or resource record: where its parts are in the message (nothing copied).
struct dns_rr {
  std::uint32_t name = 0;          ///< offset of the owner name (decode with dns_message::name_text)
  std::uint16_t type = 0;          ///< record type
  std::uint16_t klass = 0;         ///< class (mDNS: without the cache-flush / unicast bit)
  std::uint32_t ttl = 0;           ///< TTL (0 for questions)
  std::uint32_t rdata_offset = 0;  ///< RDATA start (records only)
  std::uint16_t rdata_length = 0;  ///< RDATA length
  dns_section section = dns_section::question;  ///< where the record is
  bool rdata_ok = false;           ///< RDATA was decoded without problems
  bool cache_flush = false;        ///< mDNS: top bit of the class (unicast-response for questions)
};

/// An anomaly with the offset in the message where it was found.
struct dns_anomaly_at {
  dns_anomaly code = dns_anomaly::none;  ///< what
  std::uint32_t offset = 0;              ///< where (byte offset within the message)
};

/// EDNS(0) facts from the OPT record.
struct dns_edns {
  bool present = false;         ///< an OPT record was seen
  std::uint16_t udp_size = 0;   ///< requestor's UDP payload size
  std::uint8_t ext_rcode = 0;   ///< upper 8 bits of the response code
  std::uint8_t version = 0;     ///< EDNS version
  bool do_bit = false;          ///< DNSSEC OK
  bool has_ecs = false;         ///< a client subnet option (RFC 7871) was seen
  std::uint16_t ecs_family = 0; ///< 1 IPv4, 2 IPv6
  std::uint8_t ecs_source_prefix = 0;  ///< source prefix length
  std::uint8_t ecs_scope_prefix = 0;   ///< scope prefix length
  std::array<std::uint8_t, 16> ecs_address{};  ///< the address bytes sent (rest zero)
};

/// SVCB/HTTPS parameter keys decoded by `dns_rdata` users.
enum dns_svc_key : std::uint16_t {
  svc_mandatory = 0, svc_alpn = 1, svc_no_default_alpn = 2, svc_port = 3, svc_ipv4hint = 4,
  svc_ech = 5, svc_ipv6hint = 6,
};

/// A record's RDATA decoded by type; views point into the message.
struct dns_rdata {
  std::uint16_t type = 0;                  ///< record type
  std::array<std::uint8_t, 16> addr{};     ///< A (4 bytes) / AAAA (16)
  std::uint8_t addr_len = 0;               ///< 4, 16 or 0
  std::uint32_t target = dns_no_name;      ///< CNAME/NS/PTR/DNAME target, MX exchange, SRV and
                                           ///< SVCB/HTTPS target, SOA mname (name offsets)
  std::uint32_t rname = dns_no_name;       ///< SOA rname
  std::uint16_t priority = 0;              ///< MX preference, SRV priority, SVCB priority
  std::uint16_t weight = 0;                ///< SRV weight
  std::uint16_t port = 0;                  ///< SRV port
  std::uint32_t serial = 0, refresh = 0, retry = 0, expire = 0, minimum = 0;  ///< SOA
  std::uint8_t caa_flags = 0;              ///< CAA flags
  util::bytes caa_tag;                     ///< CAA tag ("issue", …)
  util::bytes caa_value;                   ///< CAA value
  util::bytes strings;                     ///< TXT: the character-strings (length-prefixed)
  util::bytes svc_params;                  ///< SVCB/HTTPS: the SvcParams (key, length, value)*
  util::bytes raw;                         ///< the whole RDATA
};

/// A parsed DNS message: header fields, every question and record (as offsets into `data`),
/// EDNS facts and anomalies. Reusable: `parse_dns` resets it (the record vector keeps its
/// capacity, so steady-state parsing does not allocate).
struct dns_message {
  util::bytes data;                 ///< the message bytes (views and offsets refer to these)
  bool header_ok = false;           ///< the 12-byte header was present
  std::uint16_t id = 0;             ///< transaction id
  std::uint16_t flags = 0;          ///< the 16 flag bits
  std::uint16_t count[4] = {};      ///< QDCOUNT, ANCOUNT, NSCOUNT, ARCOUNT as sent
  std::uint16_t parsed[4] = {};     ///< questions/records actually parsed per section
  std::vector<dns_rr> records;      ///< questions, then answers, authority, additional
  /// The name of the first question (`question()`) when it is written without compression
  /// pointers and valid: its labels (each a length byte and its bytes; no root byte) as a view
  /// into `data`. Empty otherwise, and for the root.
  util::bytes question_labels;
  dns_edns edns;                    ///< from the (first) OPT record
  std::array<dns_anomaly_at, dns_max_anomalies> anomalies{};  ///< first anomalies found
  std::uint8_t anomaly_count = 0;   ///< anomalies found (may exceed the kept ones)

  /// Response bit.
  bool qr() const noexcept { return (flags & 0x8000) != 0; }
  /// Opcode (0 query, 4 notify, 5 update, …).
  std::uint8_t opcode() const noexcept { return (flags >> 11) & 0xF; }
  /// Authoritative answer.
  bool aa() const noexcept { return (flags & 0x0400) != 0; }
  /// Truncated.
  bool tc() const noexcept { return (flags & 0x0200) != 0; }
  /// Recursion desired.
  bool rd() const noexcept { return (flags & 0x0100) != 0; }
  /// Recursion available.
  bool ra() const noexcept { return (flags & 0x0080) != 0; }
  /// Zeek's Z: the three bits Z, AD, CD.
  std::uint8_t z() const noexcept { return (flags >> 4) & 0x7; }
  /// Authentic data.
  bool ad() const noexcept { return (flags & 0x0020) != 0; }
  /// Checking disabled.
  bool cd() const noexcept { return (flags & 0x0010) != 0; }
  /// The 4-bit response code of the header.
  std::uint8_t rcode() const noexcept { return flags & 0xF; }
  /// The response code with EDNS's extended bits (12 bits).
  std::uint16_t full_rcode() const noexcept {
    return static_cast<std::uint16_t>((std::uint16_t{edns.ext_rcode} << 4) | rcode());
  }
  /// The first question, or null.
  const dns_rr* question() const noexcept {
    return parsed[0] && !records.empty() ? &records[0] : nullptr;
  }
  /// True when an anomaly of kind `a` was found (among the kept ones).
  bool has(dns_anomaly a) const noexcept;
  /// Appends the name at `offset` as text: labels joined by '.', "" for the root; bytes outside
  /// printable ASCII and '.' or '\\' inside a label are escaped ("\\xNN", "\\.", "\\\\"). A name
  /// that failed to parse gives the labels before the problem.
  void name_text(std::uint32_t offset, std::string& out) const;
  /// The name at `offset` as text (allocates; see the overload).
  std::string name_text(std::uint32_t offset) const {
    std::string s;
    name_text(offset, s);
    return s;
  }
};

/// Parses one DNS message (its bytes must outlive `out`'s use). Returns `out.header_ok`: false
/// only when there are fewer than 12 bytes. Never reads outside `data`; work and allocation are
/// bounded by the size of `data`, not by the counts in the header. With `mdns`, the top bit of
/// each class is mDNS's cache-flush / unicast-response bit (`dns_rr::cache_flush`).
bool parse_dns(util::bytes data, dns_message& out, bool mdns = false);

/// Decodes the RDATA of `rr` (a record of `m`). Returns false, with what was decoded, when the
/// RDATA does not fit its type (names inside RDATA are checked like owner names).
bool decode_rdata(const dns_message& m, const dns_rr& rr, dns_rdata& out) noexcept;

/// Appends a record's RDATA as text (presentation format: "192.0.2.1", "10 mail.example.com",
/// "\"v=spf1 -all\"", "1 . alpn=h2,h3 ipv4hint=192.0.2.1", …).
void rdata_text(const dns_message& m, const dns_rr& rr, std::string& out);

/// DNS messages carried by one packet.
struct dns_payloads {
  static constexpr std::size_t max_messages = 16;  ///< messages taken from one TCP segment
  std::array<util::bytes, max_messages> messages;  ///< message views
  std::array<std::uint32_t, max_messages> offsets{};  ///< where each starts in the record's data
  std::uint8_t count = 0;          ///< messages found
  bool tcp = false;                ///< carried over TCP
  std::uint16_t sport = 0;         ///< source port
  std::uint16_t dport = 0;         ///< destination port
  dns_anomaly_at problem;          ///< tcp_partial / tcp_short_length, with the offset in the data
  /// tcp_partial: bytes of the unfinished message that must come in later segments (0 when
  /// even its length prefix was cut, so the amount is unknown).
  std::uint32_t missing = 0;
};

/// True when `port` is one of DNS's (53), mDNS's (5353) or LLMNR's (5355).
inline bool is_dns_port(std::uint16_t port) noexcept { return port == 53 || port == 5353 || port == 5355; }

/// The UDP or TCP layer of a packet whose ports are DNS's (UDP 53, 5353, 5355; TCP 53), or
/// null: the innermost transport, unless quoted in an ICMP error, cut short, or the first
/// fragment of a datagram (its DNS is read from the reassembled datagram, when it completes).
/// Inline: the analysis pass asks it of every packet, and most are turned away here.
///
/// The innermost transport is the dissector's summary `p.transport` when only data layers
/// follow it: an unquoted UDP or TCP layer with nothing but data after it is carried by the
/// innermost unquoted IP header, which is the one `transport` is taken from. Reading the
/// summary spares the walk down the layer stack for every packet.
inline const dissect::layer* dns_transport(const dissect::packet& p) noexcept {
  if (p.transport == dissect::packet::no_layer) return nullptr;
  const auto& l = p.layers[p.transport];
  if (l.kind == dissect::proto::udp) {
    if (!is_dns_port(l.udp.sport) && !is_dns_port(l.udp.dport)) return nullptr;
  } else if (l.kind == dissect::proto::tcp) {
    if (l.tcp.sport != 53 && l.tcp.dport != 53) return nullptr;
  } else {
    return nullptr;
  }
  if (l.flags & (dissect::layer_quoted | dissect::layer_partial | dissect::layer_fragment)) return nullptr;
  for (std::size_t i = p.transport + 1u; i < p.count; ++i) {
    if (p.layers[i].kind != dissect::proto::data) return nullptr;  // something was dissected inside it
  }
  return &l;
}

/// Finds the DNS messages in a packet: the payload of UDP with either port 53, 5353 or 5355,
/// or of TCP with either port 53, where each length-prefixed message must lie inside the
/// segment (several per segment are fine; one continuing in a later segment is `tcp_partial`
/// and skipped — full TCP stream support comes with reassembly). Transport headers inside an
/// ICMP error's quote or in the first fragment of an IP datagram are ignored. `data` is the bytes `p` was dissected from. `skip` bytes at
/// the start of a TCP payload are passed over (the end of a message from an earlier segment).
/// Returns true when the packet is DNS by its ports and carries payload.
bool find_dns(util::bytes data, const dissect::packet& p, dns_payloads& out, std::uint32_t skip = 0) noexcept;

/// One dns.log entry (Zeek field names; see docs/dns.md).
struct dns_log_entry {
  std::int64_t ts_ns = 0;          ///< ts: the query's time (the response's if unmatched)
  std::uint32_t flow_id = 0;       ///< flow of the messages (0 when not tracked)
  std::string uid;                 ///< uid: the flow's Zeek uid
  std::string orig_h, resp_h;      ///< id.orig_h / id.resp_h (flow originator / responder)
  std::uint16_t orig_p = 0, resp_p = 0;  ///< id.orig_p / id.resp_p
  bool tcp = false;                ///< proto: "tcp" or "udp"
  std::uint16_t trans_id = 0;      ///< trans_id
  bool has_query = false;          ///< a query was seen
  bool has_response = false;       ///< a response was seen
  std::int64_t rtt_ns = 0;         ///< rtt (when both were seen)
  std::string query;               ///< query: first question's name
  bool has_question = false;       ///< a question was present (qclass/qtype valid)
  std::uint16_t qclass = 0, qtype = 0;  ///< qclass, qtype
  std::uint16_t rcode = 0;         ///< rcode (from the response)
  std::uint8_t opcode = 0;         ///< opcode
  bool aa = false, tc = false, rd = false, ra = false;  ///< AA, TC, RD (query's), RA
  std::uint8_t z = 0;              ///< Z (three bits: Z, AD, CD)
  std::vector<std::string> answers;  ///< answers: the answer section's RDATA as text
  std::vector<std::uint32_t> ttls;   ///< TTLs, in seconds
  bool rejected = false;           ///< a response without any record (Zeek's dns_rejected)
  std::vector<dns_anomaly_at> anomalies;  ///< anomalies of the query and response
};

/// The dns.log entries of a `dns_logger`, stored compactly: numbers inline, names and answers
/// in one arena, uid and addresses taken from the flow table when an entry is read (a few
/// dozen bytes per entry instead of a dozen heap strings). Names are kept in wire form
/// (uncompressed labels) and addresses as their bytes: the analysis pass only stores and
/// compares them, and the text is made when an entry is read. `operator[]` and iteration build
/// each entry as a `dns_log_entry`.
class dns_log_table {
 public:
  /// Entries.
  std::size_t size() const noexcept { return rows_.size(); }
  /// True without entries.
  bool empty() const noexcept { return rows_.empty(); }
  /// Entry `i` (built on each call).
  dns_log_entry operator[](std::size_t i) const;
  /// The flow of entry `i` (without building it).
  std::uint32_t flow_id(std::size_t i) const noexcept { return rows_[i].flow_id; }
  /// Bytes allocated for the entries.
  std::size_t memory() const noexcept {
    return rows_.memory() + answers_.memory() + anomalies_.memory() + text_.memory();
  }

  /// Input iterator over the entries (each dereference builds one).
  class iterator {
   public:
    using iterator_category = std::input_iterator_tag;  ///< single pass
    using value_type = dns_log_entry;                   ///< what dereferencing gives
    using difference_type = std::ptrdiff_t;             ///< distance type
    using pointer = void;                               ///< no addressable element
    using reference = dns_log_entry;                    ///< built by value
    /// Entry `i` of `t`.
    iterator(const dns_log_table* t, std::size_t i) : t_(t), i_(i) {}
    /// The entry.
    dns_log_entry operator*() const { return (*t_)[i_]; }
    /// The next entry.
    iterator& operator++() {
      ++i_;
      return *this;
    }
    /// Same position.
    bool operator==(const iterator& o) const noexcept { return i_ == o.i_; }

   private:
    const dns_log_table* t_;
    std::size_t i_;
  };
  /// The first entry.
  iterator begin() const { return {this, 0}; }
  /// Past the last entry.
  iterator end() const { return {this, rows_.size()}; }

 private:
  friend class dns_logger;
  enum : std::uint16_t {
    f_tcp = 1, f_query = 2, f_response = 4, f_question = 8, f_aa = 16, f_tc = 32, f_rd = 64, f_ra = 128,
    f_rejected = 256,
  };
  // How an answer's stored bytes become its text when the entry is read.
  enum class answer_form : std::uint8_t {
    text,         // the text itself
    ipv4,         // 4 address bytes
    ipv6,         // 16 address bytes
    name,         // a name's labels (wire form, uncompressed, without the root byte)
    name_or_dot,  // the same, "." for the root (CNAME, NS, PTR and DNAME targets)
  };
  struct answer {
    util::text_ref text;  // what `form` says
    std::uint32_t ttl = 0;
    answer_form form = answer_form::text;
  };
  struct row {
    std::int64_t ts_ns = 0;
    std::int64_t rtt_ns = 0;
    std::uint32_t flow_id = 0;
    util::text_ref query;             // the question's labels (wire form, see answer_form::name)
    util::text_ref hosts;             // "orig_h resp_h" when not from the flow table
    std::uint32_t answers_at = 0;     // first of `answer_count` answers
    std::uint32_t anomalies_at[2] = {};  // the query's and the response's anomalies
    std::uint16_t answer_count = 0;
    std::uint16_t orig_p = 0, resp_p = 0, trans_id = 0, qclass = 0, qtype = 0, rcode = 0;
    std::uint16_t flags = 0;
    std::uint8_t opcode = 0, z = 0;
    std::uint8_t anomaly_count[2] = {};
  };
  const flow::flow_tracker* flows_ = nullptr;
  util::block_vector<row, 4096> rows_;
  util::block_vector<answer, 4096> answers_;
  util::block_vector<dns_anomaly_at, 1024> anomalies_;
  util::text_arena text_;
};

/// Counters of the DNS logger.
struct dns_counters {
  std::uint64_t messages = 0;      ///< DNS messages parsed
  std::uint64_t queries = 0;       ///< of which queries
  std::uint64_t responses = 0;     ///< of which responses
  std::uint64_t matched = 0;       ///< responses paired with a query
  std::uint64_t tcp_partial = 0;   ///< TCP messages skipped because they span segments
  std::uint64_t tcp_continuations = 0;  ///< TCP segments (or their starts) skipped as the rest of such a message
  std::uint64_t stream_messages = 0;  ///< messages taken from reassembled TCP streams
  std::uint64_t stream_gaps = 0;      ///< stream directions abandoned after a gap
  std::array<std::uint64_t, static_cast<std::size_t>(dns_anomaly::count_)> anomalies{};  ///< by code
};

/// Builds dns.log entries from packets: feed every packet (after the flow tracker saw it).
/// Queries are paired with responses by flow, transaction id and question (name compared
/// case-insensitively, type, class). Entries are kept in order of their first message.
class dns_logger {
 public:
  /// `flows` (may be null) gives uid and originator/responder; without it the first
  /// message's sender is the originator and uids are empty.
  explicit dns_logger(const flow::flow_tracker* flows = nullptr) : flows_(flows) { entries_.flows_ = flows; }
  /// Looks at one packet: `r.data` are the bytes `p` was dissected from, `t` the tracker's
  /// answer for it (index_builder's last_flow_record / last_packet / last_track).
  void on_packet(const capture::record& r, const dissect::packet& p, const flow::track_result& t) {
    // Most packets are not DNS: they are turned away here, before any call or per-flow work.
    if (const dissect::layer* l = dns_transport(p)) log_packet(r, p, t, *l);
  }
  /// DNS over TCP from a reassembled stream: length-prefixed messages, several in one call or
  /// one spread over many (at most one message of 65535 bytes is buffered per direction).
  /// Direction 0 is the flow's originator. After a gap the direction is not parsed further
  /// (a length prefix cannot be found again reliably): `stream_gaps` counts it. Once streams
  /// are fed, call `set_tcp_from_streams(true)` so `on_packet` leaves TCP segments alone.
  void on_data(const stream_ctx& c, int dir, util::bytes data);
  /// `length` bytes of direction `dir` are missing (see `on_data`).
  void on_gap(const stream_ctx& c, int dir, std::uint64_t length);
  /// Direction `dir` ended; an unfinished message is counted as `tcp_partial`.
  void on_close(const stream_ctx& c, int dir);
  /// TCP messages come from `on_data` (true) or from single segments in `on_packet` (false,
  /// the default).
  void set_tcp_from_streams(bool on) noexcept { tcp_from_streams_ = on; }
  /// The entries so far (unanswered queries stay without response fields).
  const dns_log_table& entries() const noexcept { return entries_; }
  /// Counters.
  const dns_counters& counters() const noexcept { return counters_; }
  /// Called for every parsed message with the record it came in (for per-message checks and
  /// tools; the message is valid during the call only).
  std::function<void(const capture::record&, const dns_payloads&, const dns_message&)> on_message_seen;

 private:
  // Where a message came from: its time, flow, transport and (without a flow) the packet that
  // gives the addresses.
  struct origin {
    std::int64_t ts_ns = 0;
    std::uint32_t flow_id = 0;
    bool tcp = false;
    std::uint16_t sport = 0, dport = 0;
    const dissect::packet* packet = nullptr;
  };
  // `l` is dns_transport(p).
  void log_packet(const capture::record& r, const dissect::packet& p, const flow::track_result& t, const dissect::layer& l);
  void on_message(const origin& o, const dns_message& m);
  dns_log_table::row& new_entry(const origin& o, const dns_message& m);
  void parse_and_log(const origin& o, util::bytes message, bool mdns);
  // Per TCP stream direction ((flow id << 1) | dir): the message being assembled.
  struct stream_dir {
    std::vector<std::uint8_t> buf;  // length prefix and message bytes received so far
    bool lost = false;              // a gap was seen: not parsed further
  };
  std::unordered_map<std::uint64_t, stream_dir> streams_;
  bool tcp_from_streams_ = false;

  const flow::flow_tracker* flows_;
  dns_log_table entries_;
  std::string text_;  // scratch for names and answers
  // Queries still waiting for a response: (flow id << 16 | trans id) -> entry index, several
  // per key. Open addressing in one array (a node-based multimap allocated and freed a node
  // per query); an erased slot is a tombstone until the next rehash.
  class pending_queries {
   public:
    void add(std::uint64_t key, std::uint32_t entry);
    // Calls f(slot, entry) for every entry under `key`, in no particular order.
    template <class F>
    void each(std::uint64_t key, F&& f) const {
      if (slots_.empty()) return;
      const std::size_t mask = slots_.size() - 1;
      for (std::size_t i = home(key) & mask; slots_[i].state != empty; i = (i + 1) & mask) {
        if (slots_[i].state == live && slots_[i].key == key) f(i, slots_[i].entry);
      }
    }
    void erase(std::size_t at) noexcept {
      slots_[at].state = tombstone;
      --live_;
    }

   private:
    enum : std::uint32_t { empty = 0, live = 1, tombstone = 2 };
    struct slot {
      std::uint64_t key = 0;
      std::uint32_t entry = 0;
      std::uint32_t state = empty;
    };
    static std::size_t home(std::uint64_t key) noexcept {
      std::uint64_t h = key * 0x9E3779B97F4A7C15ull;
      return static_cast<std::size_t>(h ^ (h >> 29));
    }
    void rehash();
    std::vector<slot> slots_;
    std::size_t live_ = 0;  // live slots
    std::size_t used_ = 0;  // live slots and tombstones (what probing walks over)
  };
  pending_queries pending_;
  // DNS over TCP without reassembly: (flow id << 1 | from_orig) -> bytes of a message begun in an
  // earlier segment still to come (UINT32_MAX: unknown), so the continuation is not misread as
  // a new length-prefixed message.
  std::unordered_map<std::uint64_t, std::uint32_t> tcp_owed_;
  dns_counters counters_;
  dns_payloads where_;
  dns_message msg_;
};

/// A handler to chain behind an `index::index_builder` (as its `next`): for every record it
/// hands the builder's last packet and flow result to a `dns_logger`.
class dns_index_handler : public capture::handler {
 public:
  /// `next` (may be null) receives every callback afterwards.
  explicit dns_index_handler(dns_logger& log, capture::handler* next = nullptr) : log_(log), next_(next) {}
  /// The builder whose results are read (set before reading; the builder calls this handler).
  void set_source(const index::index_builder* b) noexcept { source_ = b; }
  /// Logs the builder's view of the record, then passes the record on.
  void on_record(const capture::record& r) override;
  /// Passed on.
  void on_interface(std::uint32_t i, const capture::interface_info& f) override {
    if (next_) next_->on_interface(i, f);
  }
  /// Passed on.
  void on_anomaly(const capture::anomaly& a) override {
    if (next_) next_->on_anomaly(a);
  }

 private:
  dns_logger& log_;
  capture::handler* next_;
  const index::index_builder* source_ = nullptr;
};

}  // namespace pcapscope::app
