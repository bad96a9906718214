// HTTP/1.x over reassembled TCP streams: an incremental parser per connection (pipelining,
// keep-alive, Content-Length, chunked with trailers, close-delimited bodies, 1xx, CONNECT and
// Upgrade tunnels, resynchronization after gaps) feeding a Zeek http.log-style logger that
// also lists every body for Export Objects → HTTP. See docs/http.md.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iterator>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "pcapscope/app/stream.hpp"
#include "pcapscope/util/bytes.hpp"

namespace pcapscope::flow {
class flow_tracker;
}
namespace pcapscope::capture {
class reader;
class random_access_source;
}
namespace pcapscope::index {
struct packet_index;
}

namespace pcapscope::app {

/// Problems found in an HTTP stream. Each is counted in `http_counters::anomalies` and attached
/// to the log entry of the message it concerns (when there is one).
enum class http_anomaly : std::uint8_t {
  none,
  line_too_long,           ///< a start, header, chunk-size or trailer line longer than `max_line`
  header_block_too_large,  ///< a header block (start line included) over `max_header_bytes`
  too_many_headers,        ///< more header lines than `max_headers`
  bad_start_line,          ///< bytes where a request or status line was expected (skipped)
  bad_header_line,         ///< a header line without a colon (ignored)
  bad_content_length,      ///< Content-Length not a decimal number, or conflicting values
  te_and_content_length,   ///< both Transfer-Encoding and Content-Length (TE wins)
  unsupported_transfer_encoding,  ///< Transfer-Encoding without a final "chunked"
  bad_chunk_size,          ///< a chunk-size line that is not hex or overflows
  bad_chunk_end,           ///< chunk data not followed by CRLF
  body_gap,                ///< bytes missing inside a body of known length (body incomplete)
  gap_resync,              ///< bytes missing where the message boundary was lost: skipped to the next start line
  unmatched_response,      ///< a response without a request waiting for it
  too_many_pending,        ///< more pipelined requests waiting than `max_pending` (oldest dropped)
  truncated_message,       ///< the stream ended inside a message (headers or body)
  buffer_budget,           ///< the global line-buffer budget was exhausted (line dropped)
  decoded_too_large,       ///< export: decoded (gunzipped/inflated) output over `max_decoded_bytes`
  decode_failed,           ///< export: Content-Encoding data that does not decode
  text_budget,             ///< the log's text store is full (4 GiB of distinct values): a value is not kept
  count_
};

/// Stable name of an anomaly, e.g. "http.bad_chunk_size".
std::string_view http_anomaly_name(http_anomaly a) noexcept;

/// Limits that keep hostile streams cheap. Memory per connection direction is bounded by
/// `max_line` (the one line being assembled) plus `sniff_bytes`; all line buffers of one logger
/// together by `max_buffered_total`.
struct http_limits {
  std::size_t max_line = 16u << 10;           ///< bytes of one start/header/chunk/trailer line
  std::size_t max_header_bytes = 64u << 10;   ///< bytes of one header block (start line + headers)
  std::size_t max_headers = 200;              ///< header lines per message (trailers included)
  std::size_t max_pending = 1024;             ///< pipelined requests waiting for responses, per connection
  std::size_t sniff_bytes = 256;              ///< first body bytes kept for MIME sniffing
  std::size_t max_value = 8u << 10;           ///< bytes kept of a logged value (URI, User-Agent, …)
  std::size_t max_anomalies = 16;             ///< anomalies kept per log entry (all are counted)
  std::size_t max_buffered_total = 64u << 20; ///< line-buffer bytes over all connections
  std::size_t max_decoded_bytes = 256u << 20; ///< export: decoded output cap (bomb protection)
};

/// MIME type of a body from its first bytes ("text/html", "application/json", "image/png", …;
/// "text/plain" for other printable text, "application/octet-stream" for other binary data,
/// empty when `start` is empty).
std::string_view http_sniff_mime(util::bytes start) noexcept;

/// Tags of an http.log entry (a bit set; printed in this order).
enum http_tag : std::uint8_t {
  http_tag_tunnel = 1,                   ///< "tunnel": CONNECT answered 2xx, or 101 Switching Protocols
  http_tag_expect_continue_no_body = 2,  ///< "expect_continue_no_body": the client never sent the body
};

/// Names of the tags set in `tags`, in http.log order.
std::vector<std::string> http_tag_names(std::uint8_t tags);

/// One http.log entry (Zeek field names; see docs/http.md): one per request, or per response
/// that no request was waiting for. A view built on access from the logger's compact storage:
/// its strings and anomalies point into the logger and stay valid as long as the logger lives.
struct http_log_entry {
  std::int64_t ts_ns = 0;            ///< ts: time of the packet that began the request (or response)
  std::uint32_t flow_id = 0;         ///< flow carrying it (uid, id.orig_h/p, id.resp_h/p: `http_conn_id`)
  const flow::flow_tracker* flows = nullptr;  ///< the logger's flow table (null: no uid or endpoints)
  std::uint32_t trans_depth = 0;     ///< 1-based position of the transaction in its connection (1 over UDP)
  bool udp = false;                  ///< carried by a UDP datagram (SSDP), not a TCP stream (log field proto)
  bool has_request = false;          ///< a request was seen
  bool has_response = false;         ///< a final (non-1xx) response was seen
  std::uint8_t request_dir = 0;      ///< stream direction that carried the request (0 originator)
  std::string_view method;           ///< method
  std::string_view host;             ///< host: Host header without its port (Zeek)
  std::string_view host_header;      ///< Host header as sent (tshark's http.host)
  std::string_view uri;              ///< uri (request target as sent)
  std::string_view referrer;         ///< referrer (Referer header)
  std::string_view version;          ///< version ("1.1"; the request's, else the response's)
  std::string_view user_agent;       ///< user_agent
  std::string_view origin;           ///< origin (Origin header)
  bool has_host = false, has_referrer = false, has_user_agent = false, has_origin = false;  ///< headers present
  std::uint64_t request_body_len = 0;   ///< request_body_len (after de-chunking, before decoding)
  std::uint64_t response_body_len = 0;  ///< response_body_len (after de-chunking, before decoding)
  std::uint16_t status_code = 0;     ///< status_code (final response)
  std::string_view status_msg;       ///< status_msg
  std::uint16_t info_code = 0;       ///< info_code (last 1xx response)
  std::string_view info_msg;         ///< info_msg
  std::uint8_t tags = 0;             ///< tags (`http_tag` bits)
  std::string_view orig_mime_type;   ///< orig_mime_types' one value (request body; empty: none)
  std::string_view resp_mime_type;   ///< resp_mime_types' one value (response body; empty: none)
  std::string_view orig_content_type, resp_content_type;          ///< Content-Type values as sent
  std::string_view orig_content_encoding, resp_content_encoding;  ///< Content-Encoding values as sent
  /// Frame of the packet that completed the request, headers and body (the frame tshark shows
  /// it in); 0 when it never completed (cut by a gap, a limit or the end of the capture).
  std::uint64_t request_frame = 0;
  /// Frame of the packet that completed the final response (0 when it never completed).
  std::uint64_t response_frame = 0;
  bool request_complete = false;     ///< request body (if any) fully seen
  bool response_complete = false;    ///< response body (if any) fully seen
  std::span<const http_anomaly> anomalies;  ///< anomalies of this transaction (first `max_anomalies`)
};

/// The uid and endpoints of an entry's flow (computed from the flow table when asked: entries
/// keep only the flow id).
conn_id http_conn_id(const http_log_entry& e);

/// One exportable body (Wireshark's Export Objects → HTTP row); its bytes are not kept and are
/// re-read on demand (`extract_http_body`). Built on access from the logger's storage: the
/// views point into the logger and stay valid as long as it lives.
struct http_object {
  std::size_t entry = 0;            ///< index of the transaction in `http_logger::entries()`
  std::uint32_t flow_id = 0;        ///< flow carrying it
  std::uint8_t dir = 0;             ///< stream direction of the message (0 originator)
  bool response = false;            ///< a response body (else a request body)
  std::uint32_t message = 0;        ///< 1-based index of the message among its direction's messages
  std::uint64_t frame = 0;          ///< frame completing the message (tshark's packet number)
  std::string_view hostname;        ///< Host of the transaction's request
  std::string_view content_type;    ///< media type, lowercased, parameters removed (as tshark)
  std::string_view content_encoding;  ///< Content-Encoding as sent (decoded on extraction natively)
  std::string filename;             ///< tshark's name before massaging and de-duplication (`http_object_base_name`)
  std::string_view disposition_filename;  ///< filename from Content-Disposition, if any (informative)
  std::uint64_t size = 0;           ///< body bytes after de-chunking, before decoding
  bool complete = false;            ///< the whole body was seen (no gap, not cut by the end)
};

/// An interim (1xx, not 101) response: it completes no transaction, but tshark shows it as a
/// response (http.response.code) in its frame.
struct http_interim {
  std::size_t entry = static_cast<std::size_t>(-1);  ///< transaction it belongs to (-1: none waiting)
  std::uint64_t frame = 0;         ///< frame completing it
  std::uint16_t code = 0;          ///< status code
};

/// Counters of the logger.
struct http_counters {
  std::uint64_t connections = 0;    ///< connections that carried data
  std::uint64_t datagrams = 0;      ///< UDP datagrams parsed (SSDP)
  std::uint64_t requests = 0;       ///< requests parsed (start line seen)
  std::uint64_t responses = 0;      ///< final responses parsed
  std::uint64_t interim = 0;        ///< 1xx responses (101 excluded: it ends HTTP)
  std::uint64_t unmatched = 0;      ///< responses without a waiting request
  std::uint64_t bodies = 0;         ///< messages with a body of at least one byte
  std::uint64_t body_bytes = 0;     ///< body bytes (de-chunked)
  std::uint64_t tunnels = 0;        ///< connections turned opaque (CONNECT 2xx, 101)
  std::uint64_t tunnel_bytes = 0;   ///< bytes not parsed because they were tunnelled
  std::uint64_t gaps = 0;           ///< gaps reported by reassembly
  std::uint64_t gap_bytes = 0;      ///< bytes in those gaps
  std::uint64_t resyncs = 0;        ///< times parsing restarted at a start line
  std::uint64_t skipped_bytes = 0;  ///< bytes skipped while looking for a start line
  std::array<std::uint64_t, static_cast<std::size_t>(http_anomaly::count_)> anomalies{};  ///< by code
};

/// Receives the body bytes of the one message selected by `http_logger::collect_body`
/// (de-chunked, not decoded); the view is valid during the call only.
using http_body_sink = std::function<void(util::bytes)>;

class http_logger;

/// The entries or the objects of a logger: a read-only sequence whose elements are built on
/// access (by value) from the logger's compact storage.
template <class T>
class http_sequence {
 public:
  using value_type = T;
  /// Input iterator yielding values.
  class iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = T;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = T;
    iterator(const http_logger* log, std::size_t i) : log_(log), i_(i) {}
    T operator*() const { return at(*log_, i_); }
    iterator& operator++() {
      ++i_;
      return *this;
    }
    iterator operator++(int) {
      auto old = *this;
      ++i_;
      return old;
    }
    bool operator==(const iterator& o) const { return i_ == o.i_; }

   private:
    const http_logger* log_;  // (not the sequence: an iterator may outlive a temporary sequence)
    std::size_t i_;
  };
  /// The first `size` elements of `log`'s.
  http_sequence(const http_logger& log, std::size_t size) : log_(&log), size_(size) {}
  /// Number of elements.
  std::size_t size() const noexcept { return size_; }
  /// No element.
  bool empty() const noexcept { return size_ == 0; }
  /// Element `i` (< size()).
  T operator[](std::size_t i) const { return at(*log_, i); }
  /// First element.
  iterator begin() const { return {log_, 0}; }
  /// Past the last element.
  iterator end() const { return {log_, size_}; }

 private:
  static T at(const http_logger& log, std::size_t i);
  const http_logger* log_;
  std::size_t size_;
};

using http_entries = http_sequence<http_log_entry>;
using http_objects = http_sequence<http_object>;

/// Builds http.log entries from reassembled TCP streams (stream_consumer-like interface: the
/// analysis pass calls it for flows whose content is HTTP). Direction 0 is the flow's
/// originator, but messages are classified by content: requests may arrive in direction 1.
/// Responses are matched in order to the requests waiting from the other direction.
///
/// Memory: entries and objects are fixed-size records in blocks (no reallocation peaks); their
/// strings live once each in a text store of the logger (values that repeat, like User-Agent,
/// Host or Content-Type, are kept once); anomalies sit in a side table.
class http_logger {
 public:
  /// `flows` (may be null) gives uid and endpoints of each entry.
  explicit http_logger(const flow::flow_tracker* flows = nullptr, http_limits limits = {});
  ~http_logger();
  http_logger(const http_logger&) = delete;
  http_logger& operator=(const http_logger&) = delete;

  /// In-order bytes of direction `dir` of flow `c.flow_id`; `c.frame` is the packet that
  /// delivered them.
  void on_data(const stream_ctx& c, int dir, util::bytes data);
  /// `length` bytes of direction `dir` are missing before the next `on_data`.
  void on_gap(const stream_ctx& c, int dir, std::uint64_t length);
  /// Direction `dir` ended (FIN, RST or end of capture): a close-delimited body completes here.
  void on_close(const stream_ctx& c, int dir);
  /// One UDP datagram of direction `dir` holding one whole message (SSDP: M-SEARCH and NOTIFY
  /// requests, `HTTP/1.1 200 OK` answers): parsed on its own, its end ends the message, and it
  /// is an entry of its own (requests and responses are not paired, see docs/http.md).
  void on_datagram(const stream_ctx& c, int dir, util::bytes data);
  /// End of the capture: every open message is finished (close-delimited bodies complete, the
  /// rest truncated). Idempotent.
  void finish();

  /// The entries so far, in order of their first message.
  http_entries entries() const noexcept;
  /// Entry `i` (< entries().size()).
  http_log_entry entry(std::size_t i) const;
  /// Bodies of at least one byte, in order of completion.
  http_objects objects() const noexcept;
  /// Object `i` (< objects().size()).
  http_object object(std::size_t i) const;
  /// Interim responses, in order.
  const std::vector<http_interim>& interim() const noexcept { return interim_; }
  /// Counters.
  const http_counters& counters() const noexcept { return counters_; }
  /// Line-buffer bytes held now (all connections).
  std::size_t buffered() const noexcept { return buffered_; }
  /// Bytes of the log's storage (entries, objects, text, anomalies, interim responses),
  /// capacity included; not the parser state of open connections.
  std::size_t memory_bytes() const noexcept;

  /// Collect mode: the body of message `message` (1-based, `http_object::message`) of direction
  /// `dir` of flow `flow_id` is handed to `sink` as it is parsed.
  void collect_body(std::uint32_t flow_id, int dir, std::uint32_t message, http_body_sink sink);

  struct connection;  // per-flow parser state (opaque)
  struct store;       // entries, objects, text and anomalies (opaque)

 private:
  friend struct http_parse_access;
  connection& conn_of(const stream_ctx& c);
  connection& find_conn(const stream_ctx& c);  // conn_of past its one-entry cache
  void drop_conn(std::uint32_t flow_id);

  const flow::flow_tracker* flows_;
  http_limits limits_;
  std::unique_ptr<store> store_;
  std::vector<http_interim> interim_;
  http_counters counters_;
  flow_states<connection> conns_;
  // Connections of recent calls by the low bits of their flow id (direct-mapped; a slot is
  // checked against the connection's own flow id). Flows interleave, so one remembered
  // connection missed most calls; ids are sequential, so the open ones rarely share a slot.
  static constexpr std::size_t recent_conn_slots = 256;
  std::array<connection*, recent_conn_slots> recent_conns_{};
  std::unique_ptr<connection> datagram_;  // parser state of the datagram being parsed (reused)
  std::size_t buffered_ = 0;
  bool finished_ = false;
  // collect mode
  std::uint32_t collect_flow_ = 0;
  int collect_dir_ = -1;
  std::uint32_t collect_message_ = 0;
  http_body_sink sink_;
};

template <class T>
T http_sequence<T>::at(const http_logger& log, std::size_t i) {
  if constexpr (std::is_same_v<T, http_log_entry>) return log.entry(i);
  else return log.object(i);
}

/// tshark's unmassaged name of a body: the base name of the request target (GLib's
/// g_path_get_basename of the whole target, query included: "/a/b.php?x=1" → "b.php?x=1", "/" →
/// "/", "" → "."), or without a request "object<frame>" plus "." and the media type if any.
std::string http_object_base_name(bool has_request, std::string_view uri, std::uint64_t frame,
                                  std::string_view content_type);

/// File names as `tshark --export-objects http,DIR` writes them, for `objects` in the order
/// given (tshark's is the order of the completing frames): the URI's last path segment
/// (g_path_get_basename of the whole request target, query included), or "object<frame>" plus
/// "." and the content type when there is no request; characters Windows rejects become %xx;
/// repeated names get "(1)", "(2)", … before their extension.
std::vector<std::string> http_object_file_names(const std::vector<http_object>& objects);
/// The same for a logger's objects, in the logger's order.
std::vector<std::string> http_object_file_names(const http_objects& objects);

/// Feeds flow `flow_id` to `log` as `follow_flow` re-reads it from the capture (data and gaps
/// in stream order, each with its packet number and time; both directions closed at the end).
/// False with `error` set when the flow does not exist.
bool http_log_flow(const capture::reader& rd, capture::random_access_source& src, const index::packet_index& ix,
                   const flow::flow_tracker& flows, std::uint32_t flow_id, http_logger& log, std::string& error);

/// Extracts one body on demand: re-reads its flow, runs a fresh parser in collect mode and
/// returns the body de-chunked, not decoded (`out`, at most `max_bytes`). `complete` tells
/// whether all `obj.size` bytes were found. Works in wasm too (decoding is left to the caller:
/// `http_decode_body` natively, DecompressionStream in JS).
bool extract_http_body(const capture::reader& rd, capture::random_access_source& src, const index::packet_index& ix,
                       const flow::flow_tracker& flows, const http_object& obj, std::vector<std::uint8_t>& out,
                       bool& complete, std::string& error, const http_limits& limits = {},
                       std::uint64_t max_bytes = std::uint64_t{1} << 32);

/// Result of decoding a Content-Encoding.
enum class http_decode_status : std::uint8_t {
  identity,     ///< no (or identity) encoding: `out` is the input
  decoded,      ///< gzip / x-gzip / deflate (zlib or raw) decoded into `out`
  unsupported,  ///< another encoding (br, compress, zstd, several): `out` is the input
  failed,       ///< the data does not decode: `out` is the input (`http.decode_failed`)
  too_large,    ///< decoded output reached the cap: `out` holds the first `max_out` bytes (`http.decoded_too_large`)
};

/// Native only (core/src/app/http_inflate_native.cpp, zlib): decodes `in` by its
/// Content-Encoding value, writing at most `max_out` bytes.
http_decode_status http_decode_body(util::bytes in, std::string_view content_encoding, std::vector<std::uint8_t>& out,
                                    std::size_t max_out);

/// Native only: the object's bytes as tshark exports them (de-chunked, then gzip/deflate
/// decoded; the raw body when decoding is unsupported or fails). `status` tells which.
bool export_http_object(const capture::reader& rd, capture::random_access_source& src, const index::packet_index& ix,
                        const flow::flow_tracker& flows, const http_object& obj, std::vector<std::uint8_t>& out,
                        http_decode_status& status, std::string& error, const http_limits& limits = {});

}  // namespace pcapscope::app
