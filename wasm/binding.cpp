// Embind boundary of the wasm module: one `Session` object with coarse calls. Input bytes are
// copied by JS into a buffer the session owns (HEAPU8.set + feed); while streaming, every record
// is dissected into the per-packet index, assigned to a flow, and given to the DNS logger and the
// endpoint tables (the CLI's chain). Pages of packet-list rows and one packet's detail are
// computed by re-reading records from a window of source bytes JS copies into the same buffer.
// The flow, endpoint and DNS tables leave as NDJSON text formatted by the core, as the CLI's.
// Results leave as typed-array views over session memory (JS copies them at once with .slice())
// plus string tables; errors are returned as status objects, never thrown (no exceptions).
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "pcapscope/app/dns.hpp"
#include "pcapscope/app/dns_log.hpp"
#include "pcapscope/capture/reader.hpp"
#include "pcapscope/capture/summary.hpp"
#include "pcapscope/capture/types.hpp"
#include "pcapscope/dissect/detail.hpp"
#include "pcapscope/dissect/fields.hpp"
#include "pcapscope/dissect/packet.hpp"
#include "pcapscope/flow/conn_log.hpp"
#include "pcapscope/flow/flow.hpp"
#include "pcapscope/index/index.hpp"

namespace {

using emscripten::typed_memory_view;
using emscripten::val;
using pcapscope::capture::reader;

/// What `feed` and `finish` return to JS: `{ok, message}`.
struct call_status {
  bool ok = true;        ///< false once the reader stopped on a fatal error (or a bad call)
  std::string message;   ///< the error, with its offset; empty when ok
};

call_status from(const pcapscope::capture::status& s) { return {s.ok, s.message}; }

/// The source bytes to read for a run of rows: `[offset, offset + length)` covers rows
/// `[start, start + count)` (a guess for the last record's trailer/options; see `rows`).
struct window_span {
  double offset = 0;   ///< first byte (the first row's record offset)
  double length = 0;   ///< bytes to read
  double count = 0;    ///< rows covered (≥ 1 unless there is no such row)
};

/// Bytes past a record's captured data that its record/block may occupy besides the data:
/// pcap record headers are 16 (24 for Kuznetsov) bytes, a pcapng EPB has 28 bytes of header,
/// up to 3 of padding, options and a 4-byte trailer. Options longer than this make `rows`
/// ask for a larger window once (it knows how much the reader wanted).
constexpr std::uint32_t k_record_slack = 256;

/// A random_access_source over a window of the capture's bytes that JS copied into the session
/// buffer. Remembers the furthest byte the reader asked for, so a record that does not fit
/// can be re-requested with exactly the missing length.
class window_source final : public pcapscope::capture::random_access_source {
 public:
  window_source(std::uint64_t base, pcapscope::util::bytes data) noexcept : base_(base), data_(data) {}
  std::size_t read(std::uint64_t offset, std::span<std::uint8_t> out) override {
    wanted_end_ = std::max<std::uint64_t>(wanted_end_, offset + out.size());
    if (offset < base_ || offset - base_ >= data_.size()) return 0;
    auto at = static_cast<std::size_t>(offset - base_);  // < data_.size(), checked above
    std::size_t n = std::min(out.size(), data_.size() - at);
    std::memcpy(out.data(), data_.data() + at, n);
    return n;
  }
  /// Forgets what was asked so far (before reading the next record).
  void reset_wanted() noexcept { wanted_end_ = 0; }
  /// One past the furthest byte asked for since `reset_wanted`.
  std::uint64_t wanted_end() const noexcept { return wanted_end_; }
  /// One past the last byte of the window.
  std::uint64_t end() const noexcept { return base_ + data_.size(); }

 private:
  std::uint64_t base_;
  pcapscope::util::bytes data_;
  std::uint64_t wanted_end_ = 0;
};

/// Interns the strings of one page: each distinct string is stored once (UTF-8 bytes + end
/// offsets), rows refer to it by index. Source/Destination/Protocol repeat a lot on a page.
class string_table {
 public:
  void clear() {
    bytes_.clear();
    ends_.clear();
    ids_.clear();
  }
  std::uint32_t intern(const std::string& s) {
    auto it = ids_.find(s);
    if (it != ids_.end()) return it->second;
    auto id = static_cast<std::uint32_t>(ends_.size());
    bytes_.insert(bytes_.end(), s.begin(), s.end());
    ends_.push_back(static_cast<std::uint32_t>(bytes_.size()));
    ids_.emplace(s, id);
    return id;
  }
  const std::vector<std::uint8_t>& bytes() const noexcept { return bytes_; }
  const std::vector<std::uint32_t>& ends() const noexcept { return ends_; }

 private:
  std::vector<std::uint8_t> bytes_;
  std::vector<std::uint32_t> ends_;
  std::unordered_map<std::string, std::uint32_t> ids_;
};

/// One capture being read: a push reader feeding the index builder, plus the buffer JS writes
/// chunks (while streaming) and source windows (afterwards) into.
class session {
 public:
  session() {
    dns_handler_.set_source(&builder_);
    endpoints_handler_.set_source(&builder_);
  }
  session(const session&) = delete;
  session& operator=(const session&) = delete;

  /// Returns the address of a session-owned buffer of at least `n` bytes for the next chunk or
  /// window. May grow the wasm memory: JS must re-read HEAPU8 after this call.
  std::uintptr_t alloc(std::size_t n) {
    if (buffer_.size() < n) buffer_.resize(n);
    return reinterpret_cast<std::uintptr_t>(buffer_.data());
  }

  /// Parses `len` bytes at `ptr`, which must lie in the buffer returned by `alloc`.
  call_status feed(std::uintptr_t ptr, std::size_t len) {
    if (finished_) return {false, "feed() called after finish()"};
    pcapscope::util::bytes chunk;
    if (!in_buffer(ptr, len, chunk)) return {false, "feed() range is outside the session buffer"};
    return from(reader_.feed(chunk));
  }

  /// Ends the input (an incomplete last record becomes an anomaly). Idempotent.
  call_status finish() {
    if (finished_) return {!reader_.failed(), reader_.info().error};
    finished_ = true;
    buffer_ = {};  // no more input: give the memory back (windows are much smaller)
    return from(reader_.finish());
  }

  /// The capture summary as JSON (the same text as `pcapscope info --json`).
  std::string summary_json(const std::string& compression) const {
    return pcapscope::capture::summary_json(reader_.info(), compression);
  }

  /// True once reading stopped on a fatal error.
  bool failed() const { return reader_.failed(); }
  /// The fatal error, with its offset ("" when none).
  std::string error() const { return reader_.info().error; }
  /// Offset of the error that stopped reading, or -1 when reading did not stop.
  double error_offset() const {
    const auto& info = reader_.info();
    return info.fatal ? static_cast<double>(info.error_offset) : -1;
  }
  /// Packets delivered so far (for progress; exact below 2^53).
  double packets() const { return static_cast<double>(reader_.info().packets); }
  /// Input bytes parsed so far.
  double bytes_consumed() const { return static_cast<double>(reader_.info().bytes_consumed); }

  /// Rows in the index (= packets delivered).
  double packet_count() const { return static_cast<double>(builder_.index().size()); }

  /// The index columns as views over session memory, valid until the next call into the
  /// module: {ts, offset: Uint8Array of the little-endian int64/uint64 values (Embind 3.1.6
  /// registers no 64-bit memory views; JS makes BigInt64Array/BigUint64Array of the copy),
  /// caplen, origlen: Uint32Array, interface: Uint16Array, top, flags: Uint8Array}.
  val index_columns() const {
    const auto& ix = builder_.index();
    val out = val::object();
    out.set("ts", val(typed_memory_view(ix.size() * 8, reinterpret_cast<const std::uint8_t*>(ix.ts_ns.data()))));
    out.set("offset", val(typed_memory_view(ix.size() * 8, reinterpret_cast<const std::uint8_t*>(ix.offset.data()))));
    out.set("caplen", val(typed_memory_view(ix.size(), ix.caplen.data())));
    out.set("origlen", val(typed_memory_view(ix.size(), ix.origlen.data())));
    out.set("interface", val(typed_memory_view(ix.size(), ix.interface.data())));
    out.set("top", val(typed_memory_view(ix.size(), ix.top.data())));
    out.set("flags", val(typed_memory_view(ix.size(), ix.flags.data())));
    return out;
  }

  /// Every flow as NDJSON, one Zeek conn.log record per line in flow-id order (the text
  /// `pcapscope flows FILE` prints; `flow_id` is the index's `flow` column value).
  std::string flows_ndjson() const { return pcapscope::flow::conn_log_json(flows_); }

  /// Every IP then MAC endpoint as NDJSON (the text `pcapscope endpoints FILE` prints).
  std::string endpoints_ndjson() const { return pcapscope::flow::endpoints_json(endpoints_); }

  /// The DNS log as NDJSON, Zeek dns.log fields (the text `pcapscope dns FILE` prints).
  std::string dns_ndjson() const { return pcapscope::app::dns_log_ndjson(dns_log_); }

  /// Names of the `top` protocol codes, '\n'-separated, in code order ("", "eth", …).
  std::string protocol_names() const {
    std::string out;
    for (std::size_t i = 0; i < static_cast<std::size_t>(pcapscope::dissect::proto::count_); ++i) {
      if (i) out += '\n';
      out += pcapscope::dissect::proto_name(static_cast<pcapscope::dissect::proto>(i));
    }
    return out;
  }

  /// The window of source bytes to read for rows `[start, start + count)`, shortened (to at
  /// least one row) so that it stays within `max_bytes`.
  window_span span(double start_d, double count_d, double max_bytes) const {
    const auto& ix = builder_.index();
    window_span w;
    if (!(start_d >= 0) || !(count_d >= 1) || start_d >= static_cast<double>(ix.size())) return w;
    auto start = static_cast<std::size_t>(start_d);
    auto last = std::min(ix.size(), start + static_cast<std::size_t>(count_d)) - 1;
    const std::uint64_t first = ix.offset[start];
    auto end_of = [&](std::size_t i) { return ix.offset[i] + ix.caplen[i] + k_record_slack; };
    std::size_t i = start;
    while (i < last && static_cast<double>(end_of(i + 1) - first) <= max_bytes) ++i;
    w.offset = static_cast<double>(first);
    w.length = static_cast<double>(end_of(i) - first);
    w.count = static_cast<double>(i - start + 1);
    return w;
  }

  /// Computes packet-list rows `[start, start + count)` from the source bytes
  /// `[window_offset, window_offset + len)` that JS copied to `ptr` (in the `alloc` buffer),
  /// appending them to the current page (cleared first unless `append`). `at_end` says the
  /// window reaches the end of the source. Returns {ok, message, done, needOffset,
  /// needLength}: `done` rows were added; when fewer than `count`, row `start + done` needs
  /// the window `[needOffset, needOffset + needLength)`. A record that cannot be re-read
  /// (source changed, cut short) becomes a row whose Info names the error.
  val rows(double start_d, double count_d, double window_offset, std::uintptr_t ptr,
           std::size_t len, bool append, bool at_end) {
    if (!append) clear_page();
    val out = val::object();
    pcapscope::util::bytes data;
    const auto& ix = builder_.index();
    if (!finished_ || !in_buffer(ptr, len, data) || !(start_d >= 0) || !(count_d >= 0) ||
        start_d + count_d > static_cast<double>(ix.size()) || !(window_offset >= 0)) {
      out.set("ok", false);
      out.set("message", std::string("rows(): bad arguments (or called before finish())"));
      out.set("done", 0);
      return out;
    }
    window_source src(static_cast<std::uint64_t>(window_offset), data);
    auto start = static_cast<std::size_t>(start_d);
    auto count = static_cast<std::size_t>(count_d);
    std::size_t done = 0;
    for (; done < count; ++done) {
      std::size_t i = start + done;
      src.reset_wanted();
      pcapscope::capture::record r;
      std::string err;
      if (!reader_.read_at(ix.offset[i], src, scratch_, r, err)) {
        if (!at_end && src.wanted_end() > src.end()) {
          // The record goes past the window: ask for it (at least its data plus the slack).
          std::uint64_t need = std::max<std::uint64_t>(src.wanted_end(), ix.offset[i] + ix.caplen[i] + k_record_slack);
          out.set("needOffset", static_cast<double>(ix.offset[i]));
          out.set("needLength", static_cast<double>(need - ix.offset[i]));
          break;
        }
        push_row(i, nullptr, "[cannot re-read this packet: " + err + "]");
        continue;
      }
      push_row(i, &r, {});
    }
    out.set("ok", true);
    out.set("done", static_cast<double>(done));
    return out;
  }

  /// The current page as views over session memory, valid until the next call into the
  /// module: {number: Float64Array (1-based), time: Float64Array (seconds since the first
  /// packet; NaN without timestamp), length: Uint32Array (frame.len), source, destination,
  /// protocol, info: Uint32Array (indices into the string table), strings: Uint8Array (UTF-8),
  /// stringEnds: Uint32Array (end of string k in `strings`)}.
  val page_columns() const {
    val out = val::object();
    out.set("number", val(typed_memory_view(page_number_.size(), page_number_.data())));
    out.set("time", val(typed_memory_view(page_time_.size(), page_time_.data())));
    out.set("length", val(typed_memory_view(page_length_.size(), page_length_.data())));
    out.set("source", val(typed_memory_view(page_source_.size(), page_source_.data())));
    out.set("destination", val(typed_memory_view(page_destination_.size(), page_destination_.data())));
    out.set("protocol", val(typed_memory_view(page_protocol_.size(), page_protocol_.data())));
    out.set("info", val(typed_memory_view(page_info_.size(), page_info_.data())));
    out.set("strings", val(typed_memory_view(strings_.bytes().size(), strings_.bytes().data())));
    out.set("stringEnds", val(typed_memory_view(strings_.ends().size(), strings_.ends().data())));
    return out;
  }

  /// Packet `n` (0-based) in full, from the source bytes `[window_offset, window_offset+len)`
  /// at `ptr`: {ok, message, json (detail_json: {"fields":[…]}), bytes: Uint8Array view of the
  /// packet's captured bytes (valid until the next call)}, or {ok: true, needOffset,
  /// needLength} when the record goes past the window (and `at_end` is false).
  val packet_detail(double n_d, double window_offset, std::uintptr_t ptr, std::size_t len, bool at_end) {
    val out = val::object();
    pcapscope::util::bytes data;
    const auto& ix = builder_.index();
    if (!finished_ || !in_buffer(ptr, len, data) || !(n_d >= 0) ||
        n_d >= static_cast<double>(ix.size()) || !(window_offset >= 0)) {
      out.set("ok", false);
      out.set("message", std::string("packetDetail(): bad arguments (or called before finish())"));
      return out;
    }
    auto i = static_cast<std::size_t>(n_d);
    window_source src(static_cast<std::uint64_t>(window_offset), data);
    pcapscope::capture::record r;
    std::string err;
    if (!reader_.read_at(ix.offset[i], src, scratch_, r, err)) {
      if (!at_end && src.wanted_end() > src.end()) {
        std::uint64_t need = std::max<std::uint64_t>(src.wanted_end(), ix.offset[i] + ix.caplen[i] + k_record_slack);
        out.set("ok", true);
        out.set("needOffset", static_cast<double>(ix.offset[i]));
        out.set("needLength", static_cast<double>(need - ix.offset[i]));
        return out;
      }
      out.set("ok", false);
      out.set("message", "cannot re-read packet " + std::to_string(i + 1) + ": " + err);
      return out;
    }
    auto tree = pcapscope::dissect::detail(r.data, meta(i, r));
    out.set("ok", true);
    out.set("json", pcapscope::dissect::detail_json(tree));
    out.set("bytes", val(typed_memory_view(r.data.size(), r.data.data())));
    return out;
  }

 private:
  /// Views `[ptr, ptr + len)` as `out` when it lies inside buffer_.
  bool in_buffer(std::uintptr_t ptr, std::size_t len, pcapscope::util::bytes& out) const {
    const auto base = reinterpret_cast<std::uintptr_t>(buffer_.data());
    if (ptr < base || ptr - base > buffer_.size() || len > buffer_.size() - (ptr - base)) return false;
    // The one place a JS-provided address becomes a view; checked against buffer_ above.
    out = pcapscope::util::bytes{buffer_.data() + (ptr - base), len};
    return true;
  }

  /// Frame facts of row `i` re-read as `r`, as the CLI builds them.
  static pcapscope::dissect::frame_meta meta(std::size_t i, const pcapscope::capture::record& r) {
    pcapscope::dissect::frame_meta m;
    m.number = i + 1;
    m.ts_ns = r.ts_ns;
    m.has_timestamp = r.has_timestamp;
    m.caplen = r.caplen;
    m.origlen = r.origlen;
    m.interface = r.kind == pcapscope::capture::record_kind::pcap_record ? -1 : static_cast<std::int64_t>(r.interface);
    m.link_type = r.link_type;
    return m;
  }

  void clear_page() {
    page_number_.clear();
    page_time_.clear();
    page_length_.clear();
    page_source_.clear();
    page_destination_.clear();
    page_protocol_.clear();
    page_info_.clear();
    strings_.clear();
  }

  /// Appends row `i`: dissected from `r`, or (r null) a row that only reports `error`.
  void push_row(std::size_t i, const pcapscope::capture::record* r, const std::string& error) {
    const auto& ix = builder_.index();
    page_number_.push_back(static_cast<double>(i + 1));
    bool has_ts = !(ix.flags[i] & pcapscope::index::flag_no_timestamp);
    page_time_.push_back(has_ts ? static_cast<double>(ix.ts_ns[i] - first_ts()) / 1e9 : __builtin_nan(""));
    page_length_.push_back(ix.origlen[i]);
    if (!r) {
      auto empty = strings_.intern({});
      page_source_.push_back(empty);
      page_destination_.push_back(empty);
      page_protocol_.push_back(empty);
      page_info_.push_back(strings_.intern(error));
      return;
    }
    pcapscope::dissect::dissect(r->data, r->link_type, pkt_, r->origlen);
    auto m = meta(i, *r);
    if (auto id = ix.flow[i]; id != 0) {  // relative Seq/Ack and scaled windows, as Wireshark
      pcapscope::flow::set_tcp_context(flows_.get(id), flows_.from_orig(*r, pkt_, id), m);
    }
    page_source_.push_back(strings_.intern(pcapscope::dissect::source_column(pkt_)));
    page_destination_.push_back(strings_.intern(pcapscope::dissect::destination_column(pkt_)));
    page_protocol_.push_back(strings_.intern(pcapscope::dissect::protocol_column(pkt_)));
    page_info_.push_back(strings_.intern(pcapscope::dissect::info_column(pkt_, m, r->data)));
  }

  /// Timestamp of the first packet that has one (the reference of the Time column).
  std::int64_t first_ts() {
    if (!first_ts_known_) {
      const auto& ix = builder_.index();
      for (std::size_t i = 0; i < ix.size(); ++i) {
        if (!(ix.flags[i] & pcapscope::index::flag_no_timestamp)) {
          first_ts_ = ix.ts_ns[i];
          break;
        }
      }
      first_ts_known_ = true;
    }
    return first_ts_;
  }

  // The index pass: reader_ -> builder_ (index, flows_) -> dns_handler_ -> endpoints_handler_.
  // Declared in dependency order: each member only points at members declared before it.
  pcapscope::flow::flow_tracker flows_;
  pcapscope::flow::endpoint_table endpoints_;
  pcapscope::flow::endpoint_index_handler endpoints_handler_{endpoints_};
  pcapscope::app::dns_logger dns_log_{&flows_};
  pcapscope::app::dns_index_handler dns_handler_{dns_log_, &endpoints_handler_};
  pcapscope::index::index_builder builder_{&dns_handler_, &flows_};
  reader reader_{&builder_};
  std::vector<std::uint8_t> buffer_;
  bool finished_ = false;

  // Re-reading and the current page of rows.
  std::vector<std::uint8_t> scratch_;
  pcapscope::dissect::packet pkt_;
  std::int64_t first_ts_ = 0;
  bool first_ts_known_ = false;
  std::vector<double> page_number_;
  std::vector<double> page_time_;
  std::vector<std::uint32_t> page_length_;
  std::vector<std::uint32_t> page_source_;
  std::vector<std::uint32_t> page_destination_;
  std::vector<std::uint32_t> page_protocol_;
  std::vector<std::uint32_t> page_info_;
  string_table strings_;
};

}  // namespace

EMSCRIPTEN_BINDINGS(pcapscope) {
  using namespace emscripten;
  value_object<call_status>("CallStatus")
      .field("ok", &call_status::ok)
      .field("message", &call_status::message);
  value_object<window_span>("WindowSpan")
      .field("offset", &window_span::offset)
      .field("length", &window_span::length)
      .field("count", &window_span::count);
  class_<session>("Session")
      .constructor<>()
      .function("alloc", &session::alloc)
      .function("feed", &session::feed)
      .function("finish", &session::finish)
      .function("summaryJson", &session::summary_json)
      .function("failed", &session::failed)
      .function("error", &session::error)
      .function("errorOffset", &session::error_offset)
      .function("packets", &session::packets)
      .function("bytesConsumed", &session::bytes_consumed)
      .function("packetCount", &session::packet_count)
      .function("indexColumns", &session::index_columns)
      .function("protocolNames", &session::protocol_names)
      .function("flowsNdjson", &session::flows_ndjson)
      .function("endpointsNdjson", &session::endpoints_ndjson)
      .function("dnsNdjson", &session::dns_ndjson)
      .function("span", &session::span)
      .function("rows", &session::rows)
      .function("pageColumns", &session::page_columns)
      .function("packetDetail", &session::packet_detail);
}
