// Embind boundary of the wasm module: a `Session` object with coarse calls. Input bytes are
// copied by JS into a buffer the session owns (HEAPU8.set + feed); while streaming, every record
// goes through the analysis pass of `pcapscope analyze` (index, flows, endpoints, reassembly,
// application logs, statistics). Queries re-read records from source bytes JS copies into the
// same buffer: pages of packet-list rows, one packet's detail, display-filter candidates,
// exports (pcap/pcapng writers) and, from byte ranges planned by the session, one flow's
// stream or HTTP body. Tables leave as pages of NDJSON/TSV text formatted by the core, as the
// CLI prints them. `PacketStream` reads a capture once for readPackets and `npx pcapscope
// packets`; `PacketDecoder` decodes single packets on demand.
// Results leave as typed-array views over session memory (JS copies them at once with .slice())
// plus string tables; errors are returned as status objects, never thrown (no exceptions).
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "pcapscope/analyze/analyzer.hpp"
#include "pcapscope/analyze/app_fields.hpp"
#include "pcapscope/analyze/report.hpp"
#include "pcapscope/app/dhcp_log.hpp"
#include "pcapscope/app/dns.hpp"
#include "pcapscope/app/dns_log.hpp"
#include "pcapscope/app/http.hpp"
#include "pcapscope/app/http_log.hpp"
#include "pcapscope/app/quic_log.hpp"
#include "pcapscope/app/tls_log.hpp"
#include "pcapscope/capture/info_text.hpp"
#include "pcapscope/capture/reader.hpp"
#include "pcapscope/capture/summary.hpp"
#include "pcapscope/capture/types.hpp"
#include "pcapscope/dissect/detail.hpp"
#include "pcapscope/dissect/fields.hpp"
#include "pcapscope/dissect/packet.hpp"
#include "pcapscope/filter/filter.hpp"
#include "pcapscope/flow/conn_log.hpp"
#include "pcapscope/flow/flow.hpp"
#include "pcapscope/index/index.hpp"
#include "pcapscope/reassembly/follow.hpp"
#include "pcapscope/reassembly/ip_defrag.hpp"
#include "pcapscope/stats/stats.hpp"
#include "pcapscope/util/json.hpp"
#include "pcapscope/writer/writer.hpp"
#include "packet_format.hpp"  // cli/: the `pcapscope packets` record formatter

namespace {

using emscripten::typed_memory_view;
using emscripten::val;
using pcapscope::capture::reader;

/// The bytes JS writes a chunk, window or packet into before handing them to C++. Grows like
/// `std::vector<std::uint8_t>::resize` (what it held is kept), but leaves the new bytes as they
/// are: JS writes them before they are read. The vector's resize set them to zero two bytes per
/// loop step in this -Oz code, ~8 JIT instructions a byte (17 M for openCapture's 2 MiB buffer).
class byte_buffer {
 public:
  std::uint8_t* data() noexcept { return p_.get(); }
  const std::uint8_t* data() const noexcept { return p_.get(); }
  std::size_t size() const noexcept { return n_; }
  /// At least `n` bytes: reallocates (keeping the contents) only when it holds fewer.
  void grow_to(std::size_t n) {
    if (n <= n_) return;
    std::unique_ptr<std::uint8_t[]> bigger(new std::uint8_t[n]);
    if (n_ != 0) std::memcpy(bigger.get(), p_.get(), n_);
    p_ = std::move(bigger);
    n_ = n;
  }
  /// Frees the bytes.
  void release() noexcept {
    p_.reset();
    n_ = 0;
  }

 private:
  std::unique_ptr<std::uint8_t[]> p_;
  std::size_t n_ = 0;
};

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

/// Largest run of unneeded bytes a window over a list of rows (selection, filter candidates,
/// export) may include between two rows; a larger gap starts a new window.
constexpr std::uint64_t k_max_gap = 64 << 10;

/// A random_access_source over several byte ranges of the capture that JS read and copied back
/// to back into the session buffer (the records of one flow, for follow). Reads outside the
/// ranges (a block longer than planned) are remembered as misses, to be planned and re-run.
class ranges_source final : public pcapscope::capture::random_access_source {
 public:
  struct range {
    std::uint64_t offset;  ///< in the capture
    std::uint64_t length;  ///< bytes planned
    std::size_t at;        ///< where its bytes start in `data`
  };
  ranges_source(const std::vector<range>& ranges, pcapscope::util::bytes data, std::uint64_t source_size) noexcept
      : ranges_(ranges), data_(data), size_(source_size) {}
  std::size_t read(std::uint64_t offset, std::span<std::uint8_t> out) override {
    std::size_t n = 0;
    auto it = std::upper_bound(ranges_.begin(), ranges_.end(), offset,
                               [](std::uint64_t o, const range& r) { return o < r.offset; });
    if (it != ranges_.begin()) {
      const range& r = *(it - 1);
      if (offset < r.offset + r.length && r.at + (offset - r.offset) < data_.size()) {
        std::size_t at = r.at + static_cast<std::size_t>(offset - r.offset);
        std::size_t avail = std::min<std::size_t>(static_cast<std::size_t>(r.offset + r.length - offset), data_.size() - at);
        n = std::min(out.size(), avail);
        std::memcpy(out.data(), data_.data() + at, n);
      }
    }
    if (n < out.size() && offset + n < size_) {
      misses_.push_back({offset + n, std::min<std::uint64_t>(out.size() - n, size_ - offset - n), 0});
    }
    return n;
  }
  /// Ranges asked for but not provided.
  const std::vector<range>& misses() const noexcept { return misses_; }

 private:
  const std::vector<range>& ranges_;
  pcapscope::util::bytes data_;
  std::uint64_t size_;
  std::vector<range> misses_;
};

/// Adds [offset, offset + length) to sorted, disjoint `ranges`, merging it with ranges closer
/// than `join` bytes (buffer positions are recomputed by `place`).
void add_range(std::vector<ranges_source::range>& ranges, std::uint64_t offset, std::uint64_t length,
               std::uint64_t join) {
  std::uint64_t end = offset + length;
  auto it = std::lower_bound(ranges.begin(), ranges.end(), offset,
                             [](const ranges_source::range& r, std::uint64_t o) { return r.offset < o; });
  if (it != ranges.begin() && (it - 1)->offset + (it - 1)->length + join >= offset) --it;
  auto last = it;
  while (last != ranges.end() && last->offset <= end + join) {
    offset = std::min(offset, last->offset);
    end = std::max(end, last->offset + last->length);
    ++last;
  }
  it = ranges.erase(it, last);
  ranges.insert(it, {offset, end - offset, 0});
}

/// Sets each range's position in the concatenated buffer; returns the total length.
std::uint64_t place(std::vector<ranges_source::range>& ranges) {
  std::uint64_t at = 0;
  for (auto& r : ranges) {
    r.at = static_cast<std::size_t>(at);
    at += r.length;
  }
  return at;
}

/// Collects a followed stream: pieces as columns, bytes back to back.
class follow_columns final : public pcapscope::reassembly::follow_handler {
 public:
  void on_segment(const pcapscope::reassembly::follow_segment& s, pcapscope::util::bytes data) override {
    dir.push_back(s.dir);
    gap.push_back(s.gap ? 1 : 0);
    packet.push_back(static_cast<double>(s.packet));
    length.push_back(static_cast<double>(s.length));
    offsets.push_back(static_cast<double>(bytes.size()));
    bytes.insert(bytes.end(), data.begin(), data.end());
  }
  void clear() {
    dir.clear();
    gap.clear();
    packet.clear();
    length.clear();
    offsets.clear();
    bytes.clear();
  }
  std::vector<std::uint8_t> dir, gap;
  std::vector<double> packet, length, offsets;
  std::vector<std::uint8_t> bytes;
};

/// "addr:port" of one side of a flow ("[v6]:port"), as `pcapscope follow` prints it.
std::string endpoint_text(const pcapscope::flow::flow_record& f, int d) {
  std::string a = pcapscope::flow::format_address(f.addr(d), f.key.ipv6());
  if (f.key.ipv6()) a = "[" + a + "]";
  return a + ":" + std::to_string(f.port(d));
}

/// Appends `"name":value` (a number) to a JSON object under construction.
void json_num(std::string& out, const char* name, std::uint64_t v) {
  out += ",\"";
  out += name;
  out += "\":";
  out += std::to_string(v);
}

/// A new JS `type` (e.g. "Uint32Array") holding a copy of index column `c`, block by block
/// (each set from a view over wasm memory: nothing is allocated in wasm meanwhile).
template <class T>
val column_array(const pcapscope::index::column<T>& c, const char* type) {
  val out = val::global(type).new_(c.size());
  for (std::size_t k = 0; k < c.block_count(); ++k) {
    auto b = c.block(k);
    out.call<void>("set", val(typed_memory_view(b.size(), b.data())), k * c.block_rows);
  }
  return out;
}

/// A new Uint8Array holding the bytes of 64-bit index column `c` (see `column_array`).
template <class T>
val column_bytes(const pcapscope::index::column<T>& c) {
  val out = val::global("Uint8Array").new_(c.size() * sizeof(T));
  for (std::size_t k = 0; k < c.block_count(); ++k) {
    auto b = c.block(k);
    out.call<void>("set", val(typed_memory_view(b.size_bytes(), reinterpret_cast<const std::uint8_t*>(b.data()))),
                   k * c.block_rows * sizeof(T));
  }
  return out;
}

/// The packet cap of a session (openCapture's `maxPackets`): the first `max` records go to the
/// analysis pass (index row, flows, logs, statistics); later ones are only counted, here and by
/// the reader (summary `packets`), so a capture of tens of millions of tiny records (a gzip of
/// zeros) ends with a warning instead of exhausting the 2 GiB of wasm memory.
class packet_cap final : public pcapscope::capture::handler {
 public:
  packet_cap(pcapscope::analyze::analyzer& next, std::uint64_t max) noexcept : next_(next), max_(max) {}
  void on_record(const pcapscope::capture::record& r) override {
    if (passed_ < max_) {
      ++passed_;
      // `next_` is the session's analyzer itself (no subclass): a direct call, not a virtual one.
      next_.pcapscope::analyze::analyzer::on_record(r);
    } else if (beyond_++ == 0) {
      first_offset_ = r.record_offset;
    }
  }
  void on_interface(std::uint32_t i, const pcapscope::capture::interface_info& f) override { next_.on_interface(i, f); }
  void on_anomaly(const pcapscope::capture::anomaly& a) override { next_.on_anomaly(a); }
  /// The cap.
  std::uint64_t max() const noexcept { return max_; }
  /// Records counted but not analyzed (0 while under the cap).
  std::uint64_t beyond() const noexcept { return beyond_; }
  /// Record offset of the first record beyond the cap (valid when `beyond() > 0`).
  std::uint64_t first_offset() const noexcept { return first_offset_; }

 private:
  pcapscope::analyze::analyzer& next_;
  std::uint64_t max_;
  std::uint64_t passed_ = 0;
  std::uint64_t beyond_ = 0;
  std::uint64_t first_offset_ = 0;
};

/// One capture being read: a push reader feeding the analyzer (through the packet cap), plus
/// the buffer JS writes chunks (while streaming) and source windows or planned ranges
/// (afterwards) into.
class session {
 public:
  /// A session that analyzes at most `max_packets` records (JS passes ≥ 1, its default).
  explicit session(double max_packets)
      : cap_(an_, max_packets >= 1 && max_packets < 0x1p63 ? static_cast<std::uint64_t>(max_packets) : 1) {}
  session(const session&) = delete;
  session& operator=(const session&) = delete;

  /// Returns the address of a session-owned buffer of at least `n` bytes for the next chunk or
  /// window. May grow the wasm memory: JS must re-read HEAPU8 after this call.
  std::uintptr_t alloc(std::size_t n) {
    buffer_.grow_to(n);
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
    buffer_.release();  // no more input: give the memory back (windows are much smaller)
    auto st = reader_.finish();
    an_.finish();  // reassembly flushes, loggers complete their records, statistics end
    return from(st);
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

  /// Rows in the index (= packets delivered, up to the packet cap).
  double packet_count() const { return static_cast<double>(index().size()); }
  /// The packet cap: `{max, beyond, firstOffset}` (records counted but not analyzed, and the
  /// offset of the first of them).
  val packet_cap_info() const {
    val out = val::object();
    out.set("max", static_cast<double>(cap_.max()));
    out.set("beyond", static_cast<double>(cap_.beyond()));
    out.set("firstOffset", static_cast<double>(cap_.first_offset()));
    return out;
  }

  /// The index columns as JS typed arrays (copies, made block by block: the columns are
  /// stored in blocks, not one array): {ts, offset: Uint8Array of the little-endian
  /// int64/uint64 values (Embind 3.1.6 registers no 64-bit memory views; JS makes
  /// BigInt64Array/BigUint64Array of them), caplen, origlen, flow: Uint32Array, interface:
  /// Uint16Array, top, flags: Uint8Array}.
  val index_columns() const {
    const auto& ix = index();
    val out = val::object();
    out.set("ts", column_bytes(ix.ts_ns));
    out.set("offset", column_bytes(ix.offset));
    out.set("caplen", column_array(ix.caplen, "Uint32Array"));
    out.set("origlen", column_array(ix.origlen, "Uint32Array"));
    out.set("flow", column_array(ix.flow, "Uint32Array"));
    out.set("interface", column_array(ix.interface, "Uint16Array"));
    out.set("top", column_array(ix.top, "Uint8Array"));
    out.set("flags", column_array(ix.flags, "Uint8Array"));
    return out;
  }

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
    const auto& ix = index();
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
  val rows(double start, double count, double window_offset, std::uintptr_t ptr, std::size_t len, bool append,
           bool at_end) {
    if (!append) clear_page();
    return over_window("rows", false, start, count, window_offset, ptr, len, at_end,
                       [&](std::size_t i, const pcapscope::capture::record* r, const std::string& err) {
                         push_row(i, r, r ? std::string() : "[cannot re-read this packet: " + err + "]");
                       });
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
    const auto& ix = index();
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
    auto tree = pcapscope::dissect::detail(r.data, dissect_row(i, r));  // with the flow's stream index
    out.set("ok", true);
    out.set("json", pcapscope::dissect::detail_json(tree));
    out.set("bytes", val(typed_memory_view(r.data.size(), r.data.data())));
    return out;
  }

  // ---- Lists of rows: selections, filter candidates, exports ------------------------------

  /// Room for `n` row numbers (0-based) that the list calls below work on; JS writes them at
  /// the returned address with HEAPU32 (re-read HEAPU32 after this call: memory may grow).
  std::uintptr_t list_alloc(double n_d) {
    list_.assign(n_d > 0 ? static_cast<std::size_t>(n_d) : 0, 0);
    list_.reserve(1);
    return reinterpret_cast<std::uintptr_t>(list_.data());
  }

  /// Rows in the current list.
  double list_size() const { return static_cast<double>(list_.size()); }

  /// The window of source bytes for list entries `[k, k + count)`: from the first entry's record
  /// to the last one's end plus slack, shortened to stay within `max_bytes` and to skip gaps
  /// larger than 64 KiB between entries (to at least one entry). count 0 when k is past the
  /// list or names no row.
  window_span list_span(double k_d, double count_d, double max_bytes) const {
    const auto& ix = index();
    window_span w;
    if (!(k_d >= 0) || !(count_d >= 1) || k_d >= static_cast<double>(list_.size())) return w;
    auto k = static_cast<std::size_t>(k_d);
    auto last = std::min(list_.size(), k + static_cast<std::size_t>(count_d)) - 1;
    if (list_[k] >= ix.size()) return w;
    const std::uint64_t first = ix.offset[list_[k]];
    auto end_of = [&](std::size_t row) { return ix.offset[row] + ix.caplen[row] + k_record_slack; };
    std::size_t j = k;
    while (j < last) {
      std::uint32_t next = list_[j + 1];
      if (next >= ix.size() || ix.offset[next] < first) break;
      if (static_cast<double>(end_of(next) - first) > max_bytes) break;
      if (ix.offset[next] > end_of(list_[j]) + k_max_gap) break;
      ++j;
    }
    w.offset = static_cast<double>(first);
    w.length = static_cast<double>(end_of(list_[j]) - first);
    w.count = static_cast<double>(j - k + 1);
    return w;
  }

  /// Packet-list rows of list entries `[k, k + count)` from a window (as `rows`).
  val list_rows(double k, double count, double window_offset, std::uintptr_t ptr, std::size_t len, bool append,
                bool at_end) {
    if (!append) clear_page();
    return over_window("listRows", true, k, count, window_offset, ptr, len, at_end,
                       [&](std::size_t i, const pcapscope::capture::record* r, const std::string& err) {
                         push_row(i, r, r ? std::string() : "[cannot re-read this packet: " + err + "]");
                       });
  }

  // ---- Display filter -------------------------------------------------------------------

  /// Compiles `expr` for `selectIndex`/`selectRows` and starts a new selection: {ok, message,
  /// start, end (byte range of the error in `expr`), hint, needsBytes}.
  val select_compile(const std::string& expr) {
    val out = val::object();
    pcapscope::filter::error err;
    sel_index_.clear();
    sel_bytes_.clear();
    sel_result_.clear();
    list_.clear();
    sel_unreadable_ = 0;
    filter_ok_ = pcapscope::filter::filter::compile(expr, filter_, err);
    out.set("ok", filter_ok_);
    if (!filter_ok_) {
      out.set("message", err.to_string());
      out.set("start", err.begin);
      out.set("end", err.end);
      out.set("hint", err.hint);
      return out;
    }
    if (index().size() > 0) filter_.set_time_origin(index().ts_ns[0]);
    out.set("needsBytes", filter_.needs_bytes());
    return out;
  }

  /// Evaluates the compiled filter on index rows `[start, start + count)` alone: rows it
  /// decides are kept (matches) or dropped; undecided rows are appended to the list, to be
  /// re-read with `selectRows`. Returns the number of undecided rows so far (-1 on bad input).
  double select_index(double start_d, double count_d) {
    const auto& ix = index();
    if (!filter_ok_ || !(start_d >= 0) || !(count_d >= 0) || start_d + count_d > static_cast<double>(ix.size())) {
      return -1;
    }
    auto start = static_cast<std::size_t>(start_d);
    auto end = start + static_cast<std::size_t>(count_d);
    pcapscope::filter::verdict v[4096];
    for (std::size_t at = start; at < end;) {
      std::size_t n = std::min(end - at, std::size(v));
      filter_.select_index(ix, at, n, v, &tracker());
      for (std::size_t k = 0; k < n; ++k) {
        switch (v[k]) {
          case pcapscope::filter::verdict::yes: sel_index_.push_back(static_cast<std::uint32_t>(at + k)); break;
          case pcapscope::filter::verdict::no: break;
          case pcapscope::filter::verdict::unknown: list_.push_back(static_cast<std::uint32_t>(at + k)); break;
        }
      }
      at += n;
    }
    return static_cast<double>(list_.size());
  }

  /// Re-reads undecided list entries `[k, k + count)` from a window and evaluates the filter on
  /// their dissected bytes (with the TCP context of their flow, as the CLI's filter).
  val select_rows(double k, double count, double window_offset, std::uintptr_t ptr, std::size_t len, bool at_end) {
    return over_window("selectRows", true, k, count, window_offset, ptr, len, at_end,
                       [&](std::size_t i, const pcapscope::capture::record* r, const std::string&) {
                         if (!r) {
                           ++sel_unreadable_;
                           return;
                         }
                         auto m = dissect_row(i, *r);
                         if (filter_.matches(pkt_, m, r->data)) sel_bytes_.push_back(static_cast<std::uint32_t>(i));
                       });
  }

  /// The selection: matching packet numbers (1-based, ascending) as a Uint32Array view (valid
  /// until the next call), from the rows decided by the index and by re-reading.
  val select_result() {
    sel_result_.clear();
    sel_result_.reserve(sel_index_.size() + sel_bytes_.size());
    std::merge(sel_index_.begin(), sel_index_.end(), sel_bytes_.begin(), sel_bytes_.end(),
               std::back_inserter(sel_result_));
    for (auto& n : sel_result_) ++n;
    sel_index_ = {};
    sel_bytes_ = {};
    return val(typed_memory_view(sel_result_.size(), sel_result_.data()));
  }

  /// Undecided rows that could not be re-read (counted as not matching).
  double select_unreadable() const { return static_cast<double>(sel_unreadable_); }

  // ---- Export -----------------------------------------------------------------------------

  /// Starts writing the list's packets as pcap (`pcapng` false) or pcapng, with the choices of
  /// `pcapscope filter FILE EXPR -o OUT` (same link type, time precision and snap length;
  /// pcapng: one IDB per interface used, section comments and packet comments kept).
  void export_begin(bool pcapng) {
    exp_sink_.out.clear();
    exp_pcap_.reset();
    exp_pcapng_.reset();
    exp_ng_ = pcapng;
    exp_iface_map_.clear();
    exp_ok_ = true;
    exp_error_.clear();
    exp_count_ = 0;
  }

  /// Writes list entries `[k, k + count)` re-read from a window (as `rows`); the bytes
  /// written so far are in `exportBytes`.
  val export_rows(double k, double count, double window_offset, std::uintptr_t ptr, std::size_t len, bool at_end) {
    return over_window("exportRows", true, k, count, window_offset, ptr, len, at_end,
                       [&](std::size_t i, const pcapscope::capture::record* r, const std::string& err) {
                         if (!r) {
                           if (exp_ok_) {
                             exp_ok_ = false;
                             exp_error_ = "cannot re-read packet " + std::to_string(i + 1) + ": " + err;
                           }
                           return;
                         }
                         export_write(i, *r);
                       });
  }

  /// Ends the export (writes the file header when nothing was written): {ok, message, packets}.
  val export_end() {
    if (!exp_ng_ && !exp_pcap_) export_open_pcap(nullptr);
    if (exp_ng_ && !exp_pcapng_) export_open_pcapng();
    val out = val::object();
    bool ok = exp_ok_ && (!exp_pcap_ || exp_pcap_->ok()) && (!exp_pcapng_ || exp_pcapng_->ok());
    out.set("ok", ok);
    out.set("message", ok ? std::string() : (exp_error_.empty() ? std::string("write failed") : exp_error_));
    out.set("packets", static_cast<double>(exp_count_));
    return out;
  }

  /// The bytes written since the last `exportClear` (a view valid until the next call).
  val export_bytes() const { return val(typed_memory_view(exp_sink_.out.size(), exp_sink_.out.data())); }
  /// Forgets the bytes JS has copied.
  void export_clear() { exp_sink_.out.clear(); }

  // ---- Follow stream --------------------------------------------------------------------

  /// Plans following flow `id`: the byte ranges of the capture holding its packets (and the
  /// IP fragments that packets completing a datagram need), merged when close. {ok, message,
  /// ranges: Float64Array view [offset, length, offset, length, …], total}.
  val follow_plan(double id_d) {
    val out = val::object();
    const auto& ix = index();
    if (!finished_ || !(id_d >= 1) || id_d > static_cast<double>(tracker().size())) {
      out.set("ok", false);
      out.set("message", "no flow " + std::to_string(static_cast<long long>(id_d)) + " (the capture has " +
                             std::to_string(tracker().size()) + ")");
      return out;
    }
    auto id = static_cast<std::uint32_t>(id_d);
    plan_.clear();
    const std::int64_t timeout = pcapscope::reassembly::defrag_limits{}.timeout_ns;
    auto add_row = [&](std::size_t i) { add_range(plan_, ix.offset[i], ix.caplen[i] + k_record_slack, 4096); };
    for (std::size_t i = 0; i < ix.size(); ++i) {
      if (ix.flow[i] != id) continue;
      add_row(i);
      if (ix.flags[i] & pcapscope::index::flag_reassembled) {  // follow re-reads its fragments
        std::size_t taken = 0;
        for (std::size_t j = i; j-- > 0 && taken < 4096;) {
          if (ix.ts_ns[j] < ix.ts_ns[i] - timeout) break;
          if (ix.flow[j] == 0) {
            add_row(j);
            ++taken;
          }
        }
      }
    }
    plan_id_ = id;
    return plan_view(out);
  }

  /// Follows the planned flow from its ranges, which JS read and copied back to back to `ptr`
  /// (`len` bytes; `sourceSize` is the capture's size). {ok, message} with the stream in
  /// `followColumns`, or {ok: true, retry: true} when records reached past the plan: the
  /// plan (`followRanges`) was extended and JS reads it again.
  val follow_run(std::uintptr_t ptr, std::size_t len, double source_size) {
    val out = val::object();
    pcapscope::util::bytes data;
    if (!finished_ || plan_id_ == 0 || !in_buffer(ptr, len, data)) {
      out.set("ok", false);
      out.set("message", std::string("followRun(): bad arguments (call followPlan first)"));
      return out;
    }
    place(plan_);
    ranges_source src(plan_, data, static_cast<std::uint64_t>(source_size));
    follow_.clear();
    pcapscope::reassembly::follow_summary sum;
    std::string err;
    bool ok = pcapscope::reassembly::follow_flow(reader_, src, index(), tracker(), plan_id_, follow_, sum, err);
    if (!src.misses().empty()) {
      for (const auto& m : src.misses()) add_range(plan_, m.offset, m.length + k_record_slack, 4096);
      out.set("ok", true);
      out.set("retry", true);
      return plan_view(out);
    }
    if (!ok) {
      out.set("ok", false);
      out.set("message", err);
      return out;
    }
    // The summary as `pcapscope follow FILE FLOW --format json` prints it around the pieces.
    const auto& rec = tracker().get(plan_id_);
    const char* proto = rec.proto() == pcapscope::flow::ip_proto_tcp   ? "tcp"
                        : rec.proto() == pcapscope::flow::ip_proto_udp ? "udp"
                                                                       : "ip";
    std::string j = "{\"flow_id\":" + std::to_string(plan_id_) + ",\"uid\":";
    pcapscope::util::append_json_string(j, pcapscope::flow::uid(rec));
    j += ",\"proto\":\"" + std::string(proto) + "\",";
    if (const auto s = tracker().stream_index(plan_id_); s >= 0) j += "\"stream\":" + std::to_string(s) + ",";  // tcp.stream / udp.stream
    j += "\"client\":";
    pcapscope::util::append_json_string(j, endpoint_text(rec, 0));
    j += ",\"server\":";
    pcapscope::util::append_json_string(j, endpoint_text(rec, 1));
    j += ",\"bytes\":[" + std::to_string(sum.bytes[0]) + "," + std::to_string(sum.bytes[1]) + "]";
    json_num(j, "packets", sum.packets);
    if (rec.proto() == pcapscope::flow::ip_proto_tcp) {
      const auto& c = sum.counters;
      j += ",\"end\":[\"" + std::string(pcapscope::reassembly::stream_end_name(sum.end[0])) + "\",\"" +
           pcapscope::reassembly::stream_end_name(sum.end[1]) + "\"]";
      json_num(j, "out_of_order", c.out_of_order);
      json_num(j, "retransmissions", c.retransmissions);
      json_num(j, "overlaps", c.overlaps);
      json_num(j, "overlap_conflicts", c.overlap_conflicts);
      json_num(j, "gaps", c.gaps);
      json_num(j, "gap_bytes", c.gap_bytes);
      json_num(j, "cap_hits", c.cap_hits);
    }
    json_num(j, "unreadable", sum.unreadable);
    j += "}";
    out.set("ok", true);
    out.set("summary", j);
    out.set("proto", proto);
    return out;
  }

  /// The followed stream as views valid until the next call: dir, gap (Uint8Array), packet,
  /// length, offsets (Float64Array; offsets into data), data (Uint8Array).
  val follow_columns_view() const {
    val out = val::object();
    out.set("dir", val(typed_memory_view(follow_.dir.size(), follow_.dir.data())));
    out.set("gap", val(typed_memory_view(follow_.gap.size(), follow_.gap.data())));
    out.set("packet", val(typed_memory_view(follow_.packet.size(), follow_.packet.data())));
    out.set("length", val(typed_memory_view(follow_.length.size(), follow_.length.data())));
    out.set("offsets", val(typed_memory_view(follow_.offsets.size(), follow_.offsets.data())));
    out.set("data", val(typed_memory_view(follow_.bytes.size(), follow_.bytes.data())));
    return out;
  }

  /// Frees the last followed stream.
  void follow_clear() {
    follow_ = {};
    plan_ = {};
    plan_flat_ = {};
    plan_id_ = 0;
  }

  // ---- Analysis: summary, statistics, objects ---------------------------------------------

  /// The analysis summary, the text `pcapscope analyze FILE --json` prints.
  std::string analysis_json(const std::string& compression) const {
    return pcapscope::analyze::analysis_json(an_, reader_.info(), compression);
  }
  /// The analysis summary as `pcapscope analyze FILE` prints it.
  std::string analysis_text(const std::string& file_name) const {
    return pcapscope::analyze::analysis_text(an_, reader_.info(), file_name);
  }
  /// All statistics as JSON (stats::stats_json): time series at `bucketNs` (0: automatic), top
  /// lists of `top` rows.
  std::string statistics_json(double bucket_ns, double top) const {
    pcapscope::stats::json_options o;
    o.bucket_ns = bucket_ns > 0 ? static_cast<std::int64_t>(bucket_ns) : 0;
    if (top > 0) o.top = static_cast<std::size_t>(top);
    return pcapscope::stats::stats_json(an_.stats(), o);
  }
  /// The protocol hierarchy as `pcapscope phs FILE` (tshark -z io,phs) prints it.
  std::string phs_text() const { return pcapscope::stats::phs_text(an_.stats()); }

  /// The protocol hierarchy as views valid until the next call: parent, name (Uint32Array;
  /// name indexes `names`, '\n'-separated), depth (Uint32Array), frames, bytes (Float64Array);
  /// node 0 is the root, children follow their parent in first-seen order.
  val protocol_hierarchy() {
    const auto& nodes = an_.stats().phs();
    phs_parent_.clear();
    phs_name_.clear();
    phs_depth_.clear();
    phs_frames_.clear();
    phs_bytes_.clear();
    // Pre-order (parents before children, siblings in first-seen order).
    std::vector<std::uint32_t> stack;
    if (!nodes.empty()) stack.push_back(0);
    std::vector<std::uint32_t> order;
    while (!stack.empty()) {
      auto i = stack.back();
      stack.pop_back();
      order.push_back(i);
      std::vector<std::uint32_t> kids;
      for (auto c = nodes[i].first_child; c != 0 && c < nodes.size(); c = nodes[c].next_sibling) kids.push_back(c);
      for (auto it = kids.rbegin(); it != kids.rend(); ++it) stack.push_back(*it);
    }
    std::vector<std::uint32_t> pos(nodes.size(), 0);
    for (std::size_t k = 0; k < order.size(); ++k) pos[order[k]] = static_cast<std::uint32_t>(k);
    for (auto i : order) {
      phs_parent_.push_back(pos[nodes[i].parent]);
      phs_name_.push_back(nodes[i].name);
      phs_depth_.push_back(nodes[i].depth);
      phs_frames_.push_back(static_cast<double>(nodes[i].frames));
      phs_bytes_.push_back(static_cast<double>(nodes[i].bytes));
    }
    std::string names;
    for (const auto& n : an_.stats().phs_names()) {
      names += n;
      names += '\n';
    }
    val out = val::object();
    out.set("parent", val(typed_memory_view(phs_parent_.size(), phs_parent_.data())));
    out.set("name", val(typed_memory_view(phs_name_.size(), phs_name_.data())));
    out.set("depth", val(typed_memory_view(phs_depth_.size(), phs_depth_.data())));
    out.set("frames", val(typed_memory_view(phs_frames_.size(), phs_frames_.data())));
    out.set("bytes", val(typed_memory_view(phs_bytes_.size(), phs_bytes_.data())));
    out.set("names", names);
    return out;
  }

  /// Packets and bytes per time bucket of `bucketNs` (rounded up to the fine width; 0: the
  /// fine width), as views valid until the next call: {startNs, bucketNs (numbers), packets,
  /// bytes, tcpPackets, tcpBytes, udpPackets, …, otherBytes (Float64Array)}.
  val time_series(double bucket_ns) {
    auto ts = an_.stats().series(bucket_ns > 0 ? static_cast<std::int64_t>(bucket_ns) : 0);
    series_.clear();
    auto add = [&](const std::vector<std::uint64_t>& v) {
      series_.emplace_back(v.begin(), v.end());
    };
    add(ts.packets);
    add(ts.bytes);
    for (std::size_t c = 0; c < ts.class_packets.size(); ++c) {
      add(ts.class_packets[c]);
      add(ts.class_bytes[c]);
    }
    val out = val::object();
    out.set("startNs", static_cast<double>(ts.start_ns));
    out.set("startSec", static_cast<double>(ts.start_ns / 1000000000));
    out.set("startNsec", static_cast<double>(ts.start_ns % 1000000000));
    out.set("bucketNs", static_cast<double>(ts.bucket_ns));
    out.set("packets", val(typed_memory_view(series_[0].size(), series_[0].data())));
    out.set("bytes", val(typed_memory_view(series_[1].size(), series_[1].data())));
    for (std::size_t c = 0; c < ts.class_packets.size(); ++c) {
      std::string name(pcapscope::stats::series_class_name(static_cast<pcapscope::stats::series_class>(c)));
      out.set(name + "Packets", val(typed_memory_view(series_[2 + 2 * c].size(), series_[2 + 2 * c].data())));
      out.set(name + "Bytes", val(typed_memory_view(series_[3 + 2 * c].size(), series_[3 + 2 * c].data())));
    }
    return out;
  }

  /// The flow id carrying HTTP object `i` (0-based), 0 when there is none: JS plans that flow
  /// (`followPlan`) and reads its ranges for `objectRun`.
  double object_flow(double i_d) const {
    const auto objects = an_.http().objects();
    if (!(i_d >= 0) || i_d >= static_cast<double>(objects.size())) return 0;
    return objects[static_cast<std::size_t>(i_d)].flow_id;
  }

  /// Extracts HTTP object `i` from its flow's planned ranges (as `followRun`): {ok, message,
  /// complete} with the body (de-chunked, not decoded) in `objectBytes`, or {retry: true}.
  val object_run(double i_d, std::uintptr_t ptr, std::size_t len, double source_size) {
    val out = val::object();
    pcapscope::util::bytes data;
    const auto objects = an_.http().objects();
    if (!finished_ || !(i_d >= 0) || i_d >= static_cast<double>(objects.size()) || !in_buffer(ptr, len, data)) {
      out.set("ok", false);
      out.set("message", std::string("objectRun(): bad arguments"));
      return out;
    }
    const auto obj = objects[static_cast<std::size_t>(i_d)];
    if (plan_id_ != obj.flow_id) {
      out.set("ok", false);
      out.set("message", std::string("objectRun(): plan the object's flow first"));
      return out;
    }
    place(plan_);
    ranges_source src(plan_, data, static_cast<std::uint64_t>(source_size));
    bool complete = false;
    std::string err;
    bool ok = pcapscope::app::extract_http_body(reader_, src, index(), tracker(), obj, object_bytes_, complete, err);
    if (!src.misses().empty()) {
      for (const auto& m : src.misses()) add_range(plan_, m.offset, m.length + k_record_slack, 4096);
      out.set("retry", true);
      return plan_view(out);
    }
    out.set("ok", ok);
    out.set("message", err);
    out.set("complete", complete);
    return out;
  }
  /// The last extracted object's bytes (a view valid until the next call).
  val object_bytes() const { return val(typed_memory_view(object_bytes_.size(), object_bytes_.data())); }
  /// Frees the last extracted object.
  void object_clear() { object_bytes_ = {}; }

  // ---- Text of the CLI --------------------------------------------------------------------

  /// The `pcapscope info FILE` text (`fileName` as given, `fileSize` on disk).
  std::string info_text(const std::string& file_name, bool gzip, double file_size) const {
    return pcapscope::capture::info_text(reader_.info(), file_name, gzip, static_cast<std::uint64_t>(file_size));
  }

  /// Narrows the flow table and the logs (dns, http, tls, quic, dhcp) to the flows that carry a
  /// packet of the row list (`pcapscope flows|dns|… --filter EXPR`, with the list set to the
  /// filter's selection); `false` shows every record again. Endpoints and objects stay whole.
  void table_filter(bool on) {
    shown_table_.clear();
    shown_.clear();
    flow_shown_.clear();
    if (!on) return;
    flow_shown_.assign(tracker().size() + 1, 0);
    const auto& flow = index().flow;
    for (auto row : list_) {
      if (row < flow.size() && flow[row] < flow_shown_.size()) flow_shown_[flow[row]] = 1;
    }
    flow_shown_[0] = 0;  // packets of no flow select no record
  }

  /// Records in table `flows`, `endpoints`, `dns`, `http`, `tls`, `quic`, `dhcp` or `objects`
  /// (the HTTP bodies; -1 for another name); under `table_filter`, the records shown.
  double table_size(const std::string& table) {
    double n = all_records(table);
    if (n < 0 || !narrowed(table)) return n;
    return static_cast<double>(shown(table).size());
  }

  /// Records `[start, start + count)` of a table (of the records shown under `table_filter`) as
  /// `pcapscope flows|endpoints|dns|… FILE --format ndjson|tsv [--filter EXPR]` prints them
  /// (TSV: the header line comes with record 0). JS asks for a table in pages, so memory holds
  /// one page of text, not the whole table.
  std::string table_text(const std::string& table, bool tsv, double start_d, double count_d) {
    auto fmt = tsv ? pcapscope::util::log_format::tsv : pcapscope::util::log_format::ndjson;
    std::string out;
    double size = table_size(table);
    if (!(start_d >= 0) || !(count_d >= 0) || size < 0) return out;
    auto start = static_cast<std::size_t>(std::min(start_d, size));
    auto end = static_cast<std::size_t>(std::min(start_d + count_d, size));
    const std::vector<std::size_t>* map = narrowed(table) ? &shown(table) : nullptr;
    for (std::size_t k = start; k < end; ++k) append_record(out, table, map ? (*map)[k] : k, fmt, k == 0);
    return out;
  }

 private:
  /// Records in a table, all of them (-1 for an unknown name).
  double all_records(const std::string& table) const {
    if (table == "http") return static_cast<double>(an_.http().entries().size());
    if (table == "tls") return static_cast<double>(an_.tls().entries().size());
    if (table == "quic") return static_cast<double>(an_.quic().entries().size());
    if (table == "dhcp") return static_cast<double>(an_.dhcp().entries().size());
    if (table == "objects") return static_cast<double>(an_.http().objects().size());
    if (table == "flows") return static_cast<double>(tracker().size());
    if (table == "endpoints") return static_cast<double>(an_.endpoints().ip().size() + an_.endpoints().mac().size());
    if (table == "dns") return static_cast<double>(an_.dns().entries().size());
    return -1;
  }

  /// True when `table_filter` narrows `table`.
  bool narrowed(const std::string& table) const {
    return !flow_shown_.empty() && table != "endpoints" && table != "objects";
  }
  /// True when flow `id` carries a packet of the `table_filter` list.
  bool flow_shown(std::uint32_t id) const { return id < flow_shown_.size() && flow_shown_[id]; }

  /// The records of `table` under `table_filter` (computed once per table).
  const std::vector<std::size_t>& shown(const std::string& table) {
    if (shown_table_ == table) return shown_;
    shown_table_ = table;
    shown_.clear();
    auto add = [&](const auto& entries, auto keep) {
      for (std::size_t i = 0; i < entries.size(); ++i) {
        if (keep(entries[i])) shown_.push_back(i);
      }
    };
    auto by_id = [&](const auto& e) { return flow_shown(e.id.flow_id); };
    if (table == "flows") {
      for (std::uint32_t id = 1; id <= tracker().size(); ++id) {
        if (flow_shown(id)) shown_.push_back(id - 1);
      }
    } else if (table == "dns") {
      add(an_.dns().entries(), [&](const auto& e) { return flow_shown(e.flow_id); });
    } else if (table == "http") {
      add(an_.http().entries(), [&](const auto& e) { return flow_shown(e.flow_id); });
    } else if (table == "tls") {
      add(an_.tls().entries(), by_id);
    } else if (table == "quic") {
      add(an_.quic().entries(), by_id);
    } else if (table == "dhcp") {
      add(an_.dhcp().entries(), [&](const auto& e) {
        return std::any_of(e.flow_ids.begin(), e.flow_ids.end(), [&](std::uint32_t id) { return flow_shown(id); });
      });
    }
    return shown_;
  }

  /// Appends record `k` of `table` (`header`: with the TSV header line).
  void append_record(std::string& out, const std::string& table, std::size_t k, pcapscope::util::log_format fmt,
                   bool header) {
    if (table == "flows") {
      pcapscope::flow::append_conn_record(out, tracker(), static_cast<std::uint32_t>(k + 1), fmt, header);
    } else if (table == "endpoints") {
      const auto& ip = an_.endpoints().ip();
      const auto& e = k < ip.size() ? ip[k] : an_.endpoints().mac()[k - ip.size()];
      pcapscope::flow::append_endpoint_record(out, e, fmt, header);
    } else if (table == "dns") {
      pcapscope::app::append_dns_record(out, an_.dns().entries()[k], fmt, header);
    } else if (table == "http") {
      pcapscope::app::append_http_record(out, an_.http().entries()[k], fmt, header);
    } else if (table == "tls") {
      pcapscope::app::append_tls_record(out, an_.tls().entries()[k], fmt, header);
    } else if (table == "quic") {
      pcapscope::app::append_quic_record(out, an_.quic().entries()[k], fmt, header);
    } else if (table == "dhcp") {
      pcapscope::app::append_dhcp_record(out, an_.dhcp().entries()[k], fmt, header);
    } else if (table == "objects") {
      const auto objects = an_.http().objects();
      if (object_names_.size() != objects.size()) object_names_ = pcapscope::app::http_object_file_names(objects);
      pcapscope::app::append_http_object_record(out, k, objects[k], object_names_[k], fmt, header);
    }
  }

  /// The index (from the pass).
  const pcapscope::index::packet_index& index() const noexcept { return an_.index(); }
  /// The flow table (from the pass).
  const pcapscope::flow::flow_tracker& tracker() const noexcept { return an_.flows(); }

  /// Re-reads rows from a window of source bytes JS copied to `ptr`: list entries (`list`) or
  /// rows `[k, k + count)`; calls `fn(row, record or null, error)` per row. Returns {ok,
  /// message, done, needOffset, needLength}: `done` rows were handled; when fewer than
  /// `count`, the next one needs the window `[needOffset, needOffset + needLength)`.
  template <class Fn>
  val over_window(const char* what, bool list, double k_d, double count_d, double window_offset, std::uintptr_t ptr,
                  std::size_t len, bool at_end, Fn&& fn) {
    val out = val::object();
    pcapscope::util::bytes data;
    const auto& ix = index();
    double limit = static_cast<double>(list ? list_.size() : ix.size());
    if (!finished_ || !in_buffer(ptr, len, data) || !(k_d >= 0) || !(count_d >= 0) || k_d + count_d > limit ||
        !(window_offset >= 0)) {
      out.set("ok", false);
      out.set("message", std::string(what) + "(): bad arguments (or called before finish())");
      out.set("done", 0);
      return out;
    }
    window_source src(static_cast<std::uint64_t>(window_offset), data);
    auto k = static_cast<std::size_t>(k_d);
    auto count = static_cast<std::size_t>(count_d);
    std::size_t done = 0;
    for (; done < count; ++done) {
      std::size_t i = list ? list_[k + done] : k + done;
      if (i >= ix.size()) {
        out.set("ok", false);
        out.set("message", std::string(what) + "(): no row " + std::to_string(i));
        out.set("done", static_cast<double>(done));
        return out;
      }
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
        fn(i, nullptr, err);
        continue;
      }
      fn(i, &r, err);
    }
    out.set("ok", true);
    out.set("done", static_cast<double>(done));
    return out;
  }

  /// Dissects row `i` re-read as `r` into pkt_ and returns its frame facts with the TCP
  /// context of its flow (relative Seq/Ack, scaled windows), as the CLI's packets/filter do.
  pcapscope::dissect::frame_meta dissect_row(std::size_t i, const pcapscope::capture::record& r) {
    pcapscope::dissect::dissect(r.data, r.link_type, pkt_, r.origlen);
    auto m = meta(i, r);
    if (auto id = index().flow[i]; id != 0) {
      pcapscope::flow::set_flow_context(tracker(), id, tracker().from_orig(r, pkt_, id), m);
    }
    return m;
  }

  /// Sets out.ranges (view of the plan) and out.total.
  val plan_view(val out) {
    plan_flat_.clear();
    for (const auto& r : plan_) {
      plan_flat_.push_back(static_cast<double>(r.offset));
      plan_flat_.push_back(static_cast<double>(r.length));
    }
    out.set("ok", true);
    out.set("ranges", val(typed_memory_view(plan_flat_.size(), plan_flat_.data())));
    out.set("total", static_cast<double>(place(plan_)));
    return out;
  }

  // pcap: opened at the first packet (its link type), as `pcapscope filter -o` does.
  void export_open_pcap(const pcapscope::capture::record* first) {
    const auto& info = reader_.info();
    const auto& ifaces = info.interfaces;
    std::uint32_t link = first ? first->link_type : (ifaces.empty() ? 1 : ifaces[0].link_type);
    bool nano = false;
    std::uint32_t snaplen = 262144;
    if (info.format == pcapscope::capture::file_format::pcap) {
      nano = info.variant == pcapscope::capture::pcap_variant::nanosecond;
      if (info.snaplen) snaplen = info.snaplen;
    } else {
      for (const auto& i : ifaces) {
        if (i.tsresol_binary ? i.tsresol_exp > 20 : i.tsresol_exp > 6) nano = true;
      }
      std::uint32_t idx = first ? first->interface : 0;
      if (idx < ifaces.size() && ifaces[idx].snaplen) snaplen = ifaces[idx].snaplen;
    }
    exp_link_ = link;
    exp_pcap_ = std::make_unique<pcapscope::writer::pcap_writer>(exp_sink_, link, nano, snaplen);
  }

  void export_open_pcapng() {
    const auto& info = reader_.info();
    std::vector<std::string> comments;
    if (!info.sections.empty()) comments = info.sections[0].comments;
    exp_pcapng_ = std::make_unique<pcapscope::writer::pcapng_writer>(exp_sink_, "pcapscope filter", comments);
  }

  void export_write(std::size_t i, const pcapscope::capture::record& r) {
    if (!exp_ok_) return;
    auto p = pcapscope::writer::packet_from_record(r, exp_comments_);
    ++exp_count_;
    if (!exp_ng_) {
      if (!exp_pcap_) export_open_pcap(&r);
      if (r.link_type != exp_link_) {
        exp_ok_ = false;
        exp_error_ = "packet " + std::to_string(i + 1) + " has link type " + std::to_string(r.link_type) +
                     " but the pcap file was started with " + std::to_string(exp_link_) +
                     " (a pcap file has one link type: write pcapng instead)";
        return;
      }
      exp_pcap_->write(p);
      return;
    }
    if (!exp_pcapng_) export_open_pcapng();
    const auto& ifaces = reader_.info().interfaces;
    if (exp_iface_map_.size() <= r.interface) exp_iface_map_.resize(r.interface + 1, -1);
    if (exp_iface_map_[r.interface] < 0) {
      pcapscope::writer::interface_desc d;
      d.link_type = r.link_type;
      if (r.interface < ifaces.size()) {
        const auto& f = ifaces[r.interface];
        d.snaplen = f.snaplen;
        d.tsresol = f.tsresol_binary ? 9 : static_cast<std::uint8_t>(f.tsresol_exp > 9 ? 9 : f.tsresol_exp);
        d.name = f.name;
        d.description = f.description;
        d.fcs_len_bits = f.fcs_len_bits;
      }
      exp_iface_map_[r.interface] = static_cast<std::int64_t>(exp_pcapng_->add_interface(d));
    }
    p.interface = static_cast<std::uint32_t>(exp_iface_map_[r.interface]);
    exp_pcapng_->write(p);
  }

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
    const auto& ix = index();
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
      pcapscope::flow::set_flow_context(tracker(), id, tracker().from_orig(*r, pkt_, id), m);
    }
    page_source_.push_back(strings_.intern(pcapscope::dissect::source_column(pkt_)));
    page_destination_.push_back(strings_.intern(pcapscope::dissect::destination_column(pkt_)));
    page_protocol_.push_back(strings_.intern(pcapscope::dissect::protocol_column(pkt_)));
    page_info_.push_back(strings_.intern(pcapscope::dissect::info_column(pkt_, m, r->data)));
  }

  /// Timestamp of the first packet that has one (the reference of the Time column).
  std::int64_t first_ts() {
    if (!first_ts_known_) {
      const auto& ix = index();
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

  // The pass: reader_ -> an_ (the analyzer: index, flows, endpoints, TCP reassembly, the
  // application logs and statistics; the CLI's `analyze` pass).
  pcapscope::analyze::analyzer an_;
  packet_cap cap_;
  reader reader_{&cap_};
  std::vector<std::string> object_names_;  // tshark's file names of the HTTP objects (lazily)
  std::vector<std::uint8_t> object_bytes_;  // the last extracted object
  byte_buffer buffer_;
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

  // Lists of rows, the display filter and its selection.
  std::vector<std::uint32_t> list_;
  pcapscope::filter::filter filter_;
  bool filter_ok_ = false;
  std::vector<std::uint32_t> sel_index_;
  std::vector<std::uint32_t> sel_bytes_;
  std::vector<std::uint32_t> sel_result_;
  std::uint64_t sel_unreadable_ = 0;

  // Tables narrowed to flows (table_filter): flows shown by id, and the records of the last
  // table asked for.
  std::vector<std::uint8_t> flow_shown_;
  std::string shown_table_;
  std::vector<std::size_t> shown_;

  // Export.
  pcapscope::writer::vector_sink exp_sink_;
  std::unique_ptr<pcapscope::writer::pcap_writer> exp_pcap_;
  std::unique_ptr<pcapscope::writer::pcapng_writer> exp_pcapng_;
  bool exp_ng_ = false;
  bool exp_ok_ = true;
  std::string exp_error_;
  std::uint64_t exp_count_ = 0;
  std::uint32_t exp_link_ = 0;
  std::vector<std::int64_t> exp_iface_map_;
  std::vector<std::string> exp_comments_;

  // Follow.
  std::vector<ranges_source::range> plan_;
  std::vector<double> plan_flat_;
  std::uint32_t plan_id_ = 0;
  follow_columns follow_;

  // Protocol hierarchy and time series views.
  std::vector<std::uint32_t> phs_parent_, phs_name_, phs_depth_;
  std::vector<double> phs_frames_, phs_bytes_;
  std::vector<std::vector<double>> series_;
};

/// Reads a capture once, front to back, keeping nothing: for `readPackets` (batches of records
/// JS turns into packet views after each feed) and for `npx pcapscope packets` (records
/// formatted by the CLI's packet formatter into text JS drains after each feed).
class packet_stream final : public pcapscope::capture::handler {
 public:
  packet_stream() = default;
  packet_stream(const packet_stream&) = delete;
  packet_stream& operator=(const packet_stream&) = delete;

  /// Switches to text output: `pcapscope packets --format ndjson|tsv --fields LIST`. {ok,
  /// message} (an unknown field name is an error, as in the CLI).
  call_status set_text(bool tsv, const std::string& fields) {
    std::vector<std::string> list;
    std::string bad;
    if (!pcapscope::cli::parse_field_list(fields, list, bad)) return {false, bad};
    needs_analysis_ = pcapscope::cli::fields_need_analysis(list);
    fmt_ = std::make_unique<pcapscope::cli::packet_formatter>(std::move(list), tsv, &app_);
    text_ += fmt_->header();
    return {};
  }

  /// True when the text fields include HTTP/TLS fields: the CLI then reads the file twice,
  /// first with `beginAnalysis` … `endAnalysis`, then to print.
  bool needs_analysis() const { return needs_analysis_; }

  /// Starts the analysis pass (records go to an analyzer until `endAnalysis`).
  void begin_analysis() {
    an_ = std::make_unique<pcapscope::analyze::analyzer>();
    reader_ = reader(this);
  }

  /// Ends the analysis pass: keeps the per-frame application fields and starts a fresh reader
  /// for the printing pass.
  void end_analysis() {
    if (!an_) return;
    reader_.finish();
    an_->finish();
    app_.collect(*an_);
    an_.reset();
    reader_ = reader(this);
    number_ = 0;
    buffer_.release();
  }

  /// A buffer of at least `n` bytes for the next chunk (re-read HEAPU8 afterwards).
  std::uintptr_t alloc(std::size_t n) {
    buffer_.grow_to(n);
    return reinterpret_cast<std::uintptr_t>(buffer_.data());
  }
  /// Parses `len` bytes at the `alloc` buffer.
  call_status feed(std::size_t len) {
    if (len > buffer_.size()) return {false, "feed() length exceeds the buffer"};
    return from(reader_.feed(pcapscope::util::bytes(buffer_.data(), len)));
  }
  /// Ends the input.
  call_status finish() { return from(reader_.finish()); }
  /// Counts `n` bytes not fed after a fatal error (for bytes_unparsed).
  void note_unread(double n) { reader_.note_unread(static_cast<std::uint64_t>(n)); }
  bool failed() const { return reader_.failed(); }
  std::string error() const { return reader_.info().error; }
  double error_offset() const { return reader_.info().fatal ? static_cast<double>(reader_.info().error_offset) : -1; }
  double packets() const { return static_cast<double>(reader_.info().packets); }
  std::string summary_json(const std::string& compression) const {
    return pcapscope::capture::summary_json(reader_.info(), compression);
  }
  /// Anomalies of severity error as "message\n" lines (the CLI warns about them on stderr).
  std::string error_anomalies() const {
    std::string out;
    for (const auto& a : reader_.info().anomalies) {
      if (a.level == pcapscope::capture::severity::error) out += a.message + "\n";
    }
    return out;
  }

  void on_interface(std::uint32_t i, const pcapscope::capture::interface_info& f) override {
    if (an_) an_->on_interface(i, f);
  }
  void on_anomaly(const pcapscope::capture::anomaly& a) override {
    if (an_) an_->on_anomaly(a);
  }

  void on_record(const pcapscope::capture::record& r) override {
    if (an_) {
      an_->on_record(r);
      return;
    }
    ++number_;
    if (fmt_) {
      pcapscope::dissect::dissect(r.data, r.link_type, pkt_, r.origlen);
      fmt_->append(pkt_, fmt_->observe(r, pkt_, number_), r.data, text_);
      return;
    }
    std::int64_t s = r.ts_ns / 1000000000, ns = r.ts_ns % 1000000000;
    if (ns < 0) {
      ns += 1000000000;
      --s;
    }
    b_sec_.push_back(static_cast<double>(s));
    b_nsec_.push_back(static_cast<std::uint32_t>(ns));
    b_caplen_.push_back(r.caplen);
    b_origlen_.push_back(r.origlen);
    b_iface_.push_back(r.kind == pcapscope::capture::record_kind::pcap_record ? -1 : static_cast<std::int32_t>(r.interface));
    b_link_.push_back(r.link_type);
    b_has_ts_.push_back(r.has_timestamp ? 1 : 0);
    b_data_.insert(b_data_.end(), r.data.begin(), r.data.end());
    b_ends_.push_back(static_cast<std::uint32_t>(b_data_.size()));
  }

  /// Records delivered since the last `clearBatch`, as views valid until the next call: sec
  /// (Float64Array, whole seconds since the epoch), nsec, caplen, origlen, ends (Uint32Array;
  /// ends of each record's bytes in data), iface (Int32Array, -1 for classic pcap), linkType
  /// (Uint16Array), hasTs (Uint8Array), data (Uint8Array), first (number of the first one).
  val batch() const {
    val out = val::object();
    out.set("sec", val(typed_memory_view(b_sec_.size(), b_sec_.data())));
    out.set("nsec", val(typed_memory_view(b_nsec_.size(), b_nsec_.data())));
    out.set("caplen", val(typed_memory_view(b_caplen_.size(), b_caplen_.data())));
    out.set("origlen", val(typed_memory_view(b_origlen_.size(), b_origlen_.data())));
    out.set("iface", val(typed_memory_view(b_iface_.size(), b_iface_.data())));
    out.set("linkType", val(typed_memory_view(b_link_.size(), b_link_.data())));
    out.set("hasTs", val(typed_memory_view(b_has_ts_.size(), b_has_ts_.data())));
    out.set("ends", val(typed_memory_view(b_ends_.size(), b_ends_.data())));
    out.set("data", val(typed_memory_view(b_data_.size(), b_data_.data())));
    out.set("first", static_cast<double>(number_ - b_ends_.size() + 1));
    return out;
  }
  /// Forgets the batch JS has copied.
  void clear_batch() {
    b_sec_.clear();
    b_nsec_.clear();
    b_caplen_.clear();
    b_origlen_.clear();
    b_iface_.clear();
    b_link_.clear();
    b_has_ts_.clear();
    b_ends_.clear();
    b_data_.clear();
  }
  /// Text formatted since the last call (and forgets it).
  std::string take_text() {
    std::string out;
    out.swap(text_);
    return out;
  }

 private:
  reader reader_{this};
  byte_buffer buffer_;
  std::uint64_t number_ = 0;
  std::unique_ptr<pcapscope::cli::packet_formatter> fmt_;
  std::unique_ptr<pcapscope::analyze::analyzer> an_;  // the first pass, for HTTP/TLS fields
  pcapscope::analyze::app_fields app_;
  bool needs_analysis_ = false;
  std::string text_;
  pcapscope::dissect::packet pkt_;
  std::vector<double> b_sec_;
  std::vector<std::uint32_t> b_nsec_, b_caplen_, b_origlen_, b_ends_;
  std::vector<std::int32_t> b_iface_;
  std::vector<std::uint16_t> b_link_;
  std::vector<std::uint8_t> b_has_ts_, b_data_;
};

/// Decodes single packets on demand (the lazy `.layers` / `.field()` of readPackets views):
/// JS copies a packet's bytes to `alloc(n)` and asks for its field tree or field values.
class packet_decoder {
 public:
  std::uintptr_t alloc(std::size_t n) {
    buffer_.grow_to(std::max<std::size_t>(n, 1));
    return reinterpret_cast<std::uintptr_t>(buffer_.data());
  }
  /// Frame facts for the next calls: packet `number`, time `sec` + `nsec`, lengths, interface
  /// (-1 for classic pcap), link type.
  void set_frame(double number, double sec, double nsec, bool has_ts, double origlen, double iface, double link) {
    m_ = {};
    m_.number = static_cast<std::uint64_t>(number);
    m_.ts_ns = static_cast<std::int64_t>(sec) * 1000000000 + static_cast<std::int64_t>(nsec);
    m_.has_timestamp = has_ts;
    m_.origlen = static_cast<std::uint32_t>(origlen);
    m_.interface = static_cast<std::int64_t>(iface);
    m_.link_type = static_cast<std::uint32_t>(link);
  }
  /// The field tree of the `len` bytes at the buffer (detail_json: {"fields":[…]}).
  std::string detail(std::size_t len) {
    auto data = bytes(len);
    m_.caplen = static_cast<std::uint32_t>(data.size());
    return pcapscope::dissect::detail_json(pcapscope::dissect::detail(data, m_));
  }
  /// The values of '\n'-separated field `names` as a JSON array of arrays (null for a name
  /// the dissectors do not know).
  std::string fields(std::size_t len, const std::string& names) {
    auto data = bytes(len);
    m_.caplen = static_cast<std::uint32_t>(data.size());
    pcapscope::dissect::dissect(data, static_cast<std::uint16_t>(m_.link_type), pkt_, m_.origlen);
    std::string out = "[";
    std::size_t start = 0;
    bool first = true;
    while (start <= names.size()) {
      auto nl = names.find('\n', start);
      auto name = std::string_view(names).substr(start, nl == std::string::npos ? std::string::npos : nl - start);
      if (!first) out += ',';
      first = false;
      vals_.clear();
      if (!pcapscope::dissect::field_values(pkt_, m_, data, name, vals_)) {
        out += "null";
      } else {
        out += '[';
        for (std::size_t k = 0; k < vals_.size(); ++k) {
          if (k) out += ',';
          pcapscope::util::append_json_string(out, vals_[k]);
        }
        out += ']';
      }
      if (nl == std::string::npos) break;
      start = nl + 1;
    }
    return out + "]";
  }

 private:
  pcapscope::util::bytes bytes(std::size_t len) const {
    return pcapscope::util::bytes(buffer_.data(), std::min(len, buffer_.size()));
  }
  byte_buffer buffer_;
  pcapscope::dissect::frame_meta m_;
  pcapscope::dissect::packet pkt_;
  std::vector<std::string> vals_;
};

/// Every field name `packets --fields` accepts, '\n'-separated (`--fields list`).
std::string known_fields() {
  std::string out;
  for (auto f : pcapscope::dissect::known_fields()) {
    out += f;
    out += '\n';
  }
  for (auto f : pcapscope::analyze::app_fields::names()) {
    out += f;
    out += '\n';
  }
  return out;
}


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
      .constructor<double>()
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
      .function("packetCap", &session::packet_cap_info)
      .function("indexColumns", &session::index_columns)
      .function("protocolNames", &session::protocol_names)
      .function("span", &session::span)
      .function("rows", &session::rows)
      .function("pageColumns", &session::page_columns)
      .function("packetDetail", &session::packet_detail)
      .function("listAlloc", &session::list_alloc)
      .function("listSize", &session::list_size)
      .function("listSpan", &session::list_span)
      .function("listRows", &session::list_rows)
      .function("selectCompile", &session::select_compile)
      .function("selectIndex", &session::select_index)
      .function("selectRows", &session::select_rows)
      .function("selectResult", &session::select_result)
      .function("selectUnreadable", &session::select_unreadable)
      .function("exportBegin", &session::export_begin)
      .function("exportRows", &session::export_rows)
      .function("exportEnd", &session::export_end)
      .function("exportBytes", &session::export_bytes)
      .function("exportClear", &session::export_clear)
      .function("followPlan", &session::follow_plan)
      .function("followRun", &session::follow_run)
      .function("followColumns", &session::follow_columns_view)
      .function("followClear", &session::follow_clear)
      .function("infoText", &session::info_text)
      .function("analysisJson", &session::analysis_json)
      .function("analysisText", &session::analysis_text)
      .function("statisticsJson", &session::statistics_json)
      .function("phsText", &session::phs_text)
      .function("protocolHierarchy", &session::protocol_hierarchy)
      .function("timeSeries", &session::time_series)
      .function("objectFlow", &session::object_flow)
      .function("objectRun", &session::object_run)
      .function("objectBytes", &session::object_bytes)
      .function("objectClear", &session::object_clear)
      .function("tableFilter", &session::table_filter)
      .function("tableSize", &session::table_size)
      .function("tableText", &session::table_text);
  class_<packet_stream>("PacketStream")
      .constructor<>()
      .function("setText", &packet_stream::set_text)
      .function("needsAnalysis", &packet_stream::needs_analysis)
      .function("beginAnalysis", &packet_stream::begin_analysis)
      .function("endAnalysis", &packet_stream::end_analysis)
      .function("alloc", &packet_stream::alloc)
      .function("feed", &packet_stream::feed)
      .function("finish", &packet_stream::finish)
      .function("noteUnread", &packet_stream::note_unread)
      .function("failed", &packet_stream::failed)
      .function("error", &packet_stream::error)
      .function("errorOffset", &packet_stream::error_offset)
      .function("packets", &packet_stream::packets)
      .function("summaryJson", &packet_stream::summary_json)
      .function("errorAnomalies", &packet_stream::error_anomalies)
      .function("batch", &packet_stream::batch)
      .function("clearBatch", &packet_stream::clear_batch)
      .function("takeText", &packet_stream::take_text);
  class_<packet_decoder>("PacketDecoder")
      .constructor<>()
      .function("alloc", &packet_decoder::alloc)
      .function("setFrame", &packet_decoder::set_frame)
      .function("detail", &packet_decoder::detail)
      .function("fields", &packet_decoder::fields);
  function("knownFields", &known_fields);
}
