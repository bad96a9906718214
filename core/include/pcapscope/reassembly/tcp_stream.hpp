// TCP stream reassembly: per-direction in-order byte delivery to a consumer, with bounded
// out-of-order buffering, gap markers, overlap policy and a termination reason per stream.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include "pcapscope/util/bytes.hpp"

namespace pcapscope::reassembly {

/// Why a direction of a stream ended.
enum class stream_end : std::uint8_t {
  none,            ///< still open
  fin,             ///< FIN reached (all bytes before it delivered, holes as gaps)
  rst,             ///< a RST from either side
  cap,             ///< the global buffering cap was hit: the stream was abandoned
  end_of_capture,  ///< `finish` was called while still open
};

/// Stable name of a termination reason ("fin", "rst", "cap", "end_of_capture", "none").
const char* stream_end_name(stream_end e) noexcept;

/// Receives a stream's bytes in order. Direction 0 is the originator (client), 1 the responder.
class stream_consumer {
 public:
  virtual ~stream_consumer() = default;
  /// In-order bytes of direction `dir`; `tag` is what the caller passed with the segment that
  /// carried them (e.g. the packet number). The view is valid only during the call.
  virtual void on_data(int dir, util::bytes data, std::uint64_t tag) = 0;
  /// `length` bytes of direction `dir` are missing (not captured, or skipped to respect a cap);
  /// the next `on_data` continues after them, so parsers can resynchronize.
  virtual void on_gap(int dir, std::uint64_t length, std::uint64_t tag) = 0;
  /// Follows `on_gap` when its bytes were sent but not captured: the peer acknowledged past
  /// them, or the snap length cut them off. Holes that nothing acknowledged, handed over at a
  /// cap, a RST, a FIN or the end, do not come here. This is what Zeek counts as missed_bytes
  /// and marks G/g in the history (reassembly cannot tell the connection state Zeek also
  /// requires). Default: nothing.
  virtual void on_missed([[maybe_unused]] int dir, [[maybe_unused]] std::uint64_t length) {}
  /// Direction `dir` ended; called exactly once per direction.
  virtual void on_close(int dir, stream_end reason) = 0;
};

/// Caps on what a stream may buffer. Buffered segments are charged their bytes plus
/// `segment_overhead`, so many tiny segments cannot exceed the caps either.
struct tcp_limits {
  std::size_t max_buffered_per_direction = 4u << 20;  ///< out-of-order bytes held per direction
  std::size_t max_buffered_total = 256u << 20;         ///< over all streams sharing a `tcp_budget`
  std::size_t segment_overhead = 64;                   ///< bookkeeping charged per held segment
  /// Bytes most recently delivered per direction kept to compare retransmissions of delivered
  /// bytes against (a differing one is an `overlap_conflicts` anomaly); 0: only held bytes are
  /// compared. Off by default in a whole-capture pass, where copying every delivered byte would
  /// cost more than the rest of reassembly (bench/README.md); follow turns it on. The windows
  /// are charged to the shared budget and take at most half of it (beyond that, none).
  std::size_t recheck_window = 0;
  /// Skip forward (gap) when the peer acknowledges bytes that were never seen.
  bool gap_on_ack = true;
};

/// Buffered-bytes accounting shared by the streams of one pass (the global cap).
struct tcp_budget {
  std::size_t used = 0;  ///< bytes charged by all streams
  std::size_t peak = 0;  ///< highest `used` seen
};

/// Per-stream (and, summed, per-pass) anomaly and activity counters.
struct tcp_stream_counters {
  std::uint64_t segments = 0;          ///< segments offered
  std::uint64_t bytes_delivered = 0;   ///< bytes passed to on_data
  std::uint64_t out_of_order = 0;      ///< segments buffered because they arrived early
  std::uint64_t retransmissions = 0;   ///< segments carrying only bytes already delivered or held
  std::uint64_t overlaps = 0;          ///< segments partly overlapping delivered or held bytes
  std::uint64_t overlap_conflicts = 0; ///< overlaps/retransmissions whose bytes differ (first kept)
  std::uint64_t gaps = 0;              ///< gap markers delivered
  std::uint64_t gap_bytes = 0;         ///< bytes covered by gap markers
  std::uint64_t missed_bytes = 0;      ///< of those, bytes sent but not captured (see `on_missed`)
  std::uint64_t cap_hits = 0;          ///< per-direction cap reached (forced gap)
  std::uint64_t global_cap_hits = 0;   ///< global cap reached (stream abandoned)
  std::uint64_t after_close = 0;       ///< segments ignored because their direction had ended
  std::uint64_t before_start = 0;      ///< segments entirely before a mid-stream start

  /// Adds `o` to these counters.
  void add(const tcp_stream_counters& o) noexcept;
};

/// Gap bytes of one direction of a stream.
struct gap_tally {
  std::uint64_t bytes = 0;         ///< bytes covered by gap markers
  std::uint64_t missed_bytes = 0;  ///< of those, sent but not captured (`stream_consumer::on_missed`)
};

/// TCP flag bits as in the header (`dissect::tcp_fields::flags`).
enum tcp_flag : std::uint16_t { tcp_fin = 0x01, tcp_syn = 0x02, tcp_rst = 0x04, tcp_ack = 0x10 };

/// One TCP segment as the stream needs it.
struct tcp_segment_view {
  std::uint32_t seq = 0;       ///< sequence number
  std::uint32_t ack = 0;       ///< acknowledgment number (used when `flags & tcp_ack`)
  std::uint16_t flags = 0;     ///< header flags
  std::uint32_t wire_len = 0;  ///< payload length on the wire (tcp.len)
  util::bytes data;            ///< captured payload (a prefix of the wire payload)
  std::uint64_t tag = 0;       ///< passed back with the bytes (e.g. packet number)
};

/// Reassembles both directions of one TCP connection. Policy: each direction starts at its SYN
/// (seq + 1) or, picked up mid-way, at the first sequence number seen; sequence numbers are
/// compared modulo 2^32 relative to the next expected byte (64-bit stream offsets, so wraps are
/// followed); in-order bytes are delivered straight from the segment (no copy); early segments
/// are copied and held until the hole before them fills, the peer acknowledges past the hole
/// (gap; never past the highest byte seen from that side), a cap is hit (gap) or the stream
/// ends (gap); the first bytes seen for an offset win, differing later copies are counted as
/// `overlap_conflicts`. A FIN ends its direction once every
/// byte before it was delivered; a RST ends both, except a RST before any payload (a refused
/// attempt, which a retried SYN may follow in the same flow): that one only makes `finish` end
/// the stream with `rst`.
class tcp_stream {
 public:
  /// `c` must outlive the stream; `budget` (may be null) is shared with other streams for the
  /// global cap.
  explicit tcp_stream(stream_consumer* c, const tcp_limits& limits = {}, tcp_budget* budget = nullptr);
  /// Frees what is held (without calling the consumer) and returns it to the budget.
  ~tcp_stream();
  tcp_stream(const tcp_stream&) = delete;
  tcp_stream& operator=(const tcp_stream&) = delete;

  /// Offers a segment sent in direction `dir` (0 originator, 1 responder).
  void add(int dir, const tcp_segment_view& s);
  /// `add` without its shortcuts (the inline path for pure ACKs and in-order bytes, the one for
  /// a FIN in order): every segment through the general one. The two give the same events and
  /// counters; this is the reference the tests compare `add` with.
  void add_general(int dir, const tcp_segment_view& s);
  /// Ends the capture: held bytes are delivered (holes as gaps), open directions closed with
  /// `fin` (FIN seen) or `end_of_capture`. Idempotent.
  void finish();

  /// True once both directions have ended.
  bool closed() const noexcept { return dirs_[0].end != stream_end::none && dirs_[1].end != stream_end::none; }
  /// How direction `dir` ended (`none` while open).
  stream_end end_reason(int dir) const noexcept { return dirs_[dir].end; }
  /// Bytes currently held out of order, both directions (recheck windows not included).
  std::size_t buffered() const noexcept { return dirs_[0].charged + dirs_[1].charged; }
  /// Counters of this stream.
  const tcp_stream_counters& counters() const noexcept { return counters_; }
  /// Gap bytes of direction `dir`.
  const gap_tally& gaps(int dir) const noexcept { return dirs_[dir].gaps; }

 private:
  friend class tcp_reassembler;  // resumes a stream from its handshake state
  struct held {
    std::unique_ptr<std::uint8_t[]> data;
    std::uint32_t len = 0;
    std::uint64_t tag = 0;
  };
  // A direction's fields but the two containers (`reset` clears them in one assignment).
  struct direction_state {
    bool started = false;
    bool fin_seen = false;
    bool no_recent = false;       // no room for the recheck window: go without
    stream_end end = stream_end::none;
    std::uint32_t next_seq = 0;   // sequence number of next_off
    std::uint64_t next_off = 0;   // stream offset of the next byte to deliver
    std::uint64_t fin_off = 0;    // offset of the FIN octet
    std::uint64_t max_end = 0;    // highest stream offset this side was seen sending up to
    std::uint64_t recent_len = 0; // valid bytes in `recent` (ending at next_off)
    std::size_t charged = 0;      // bytes charged to the caps
    gap_tally gaps;
    // What `add_fast` tests, one byte each instead of the fields they derive from; `refresh`
    // recomputes them after anything but `add_fast` ran.
    bool ack_watch = false;  // started and open, with gap_on_ack: a peer's ACK may skip a hole
    bool plain = false;      // started, open, no FIN seen, nothing held
  };
  struct direction : direction_state {
    std::map<std::uint64_t, held> early;  // offset -> held segment (non-overlapping)
    std::unique_ptr<std::uint8_t[]> recent;  // ring of the last delivered bytes
  };

  // The two segments that make up nearly all of a healthy connection, inlined into the callers:
  // a pure ACK or the next in-order bytes (whole) of a started, open direction without a FIN
  // seen or bytes held, with no SYN, FIN or RST, acknowledging nothing the peer has not sent.
  // Does what `add_general` does for them; false, with nothing changed, for any other segment.
  bool add_fast(int dir, const tcp_segment_view& s);
  // The end of a healthy direction: a FIN (with ACK, without SYN or RST) whose bytes, if any,
  // are the next in-order ones (whole), on a direction `add_fast` would take bytes for. Does
  // what `add_general` does for it (delivers, closes the direction); false, with nothing
  // changed, for any other segment.
  bool add_fin(int dir, const tcp_segment_view& s);
  // `add_general` but for the `refresh` after it.
  void take(int dir, const tcp_segment_view& s);
  void refresh() noexcept;
  // Back to the state of a new stream (same consumer, limits and budget), holding nothing.
  void reset() noexcept;
  void deliver(int dir, util::bytes data, std::uint64_t tag);
  void gap(int dir, std::uint64_t length, std::uint64_t tag, bool missed);
  void drain(int dir);
  void skip_to(int dir, std::uint64_t off, std::uint64_t tag, bool missed);
  void flush_all(int dir);
  void close(int dir, stream_end reason);
  void check_fin(int dir);
  bool compare_delivered(const direction& d, std::uint64_t off, util::bytes data) const noexcept;
  void hold(int dir, std::uint64_t off, util::bytes data, std::uint64_t tag);
  void release(direction& d, std::size_t n) noexcept;
  void drop_recent(direction& d) noexcept;

  stream_consumer* consumer_;
  tcp_limits limits_;
  tcp_budget* budget_;
  direction dirs_[2];
  tcp_stream_counters counters_;
  bool rst_before_data_ = false;  // a RST came before any payload (a refused attempt)
};

[[gnu::always_inline]] inline bool tcp_stream::add_fast(int dir, const tcp_segment_view& s) {
  // Unsigned: the peer's index is one XOR, with no sign extension.
  const auto di = static_cast<unsigned>(dir);
  direction& d = dirs_[di];
  if ((s.flags & (tcp_syn | tcp_fin | tcp_rst)) || !d.plain) return false;
  if (s.flags & tcp_ack) {
    const direction& p = dirs_[di ^ 1];
    if (p.ack_watch && static_cast<std::int32_t>(s.ack - p.next_seq) > 0) return false;
  }
  if (s.wire_len == 0) {
    // It can only raise the highest offset seen (a keep-alive is below it).
    const std::int64_t off = static_cast<std::int64_t>(d.next_off) + static_cast<std::int32_t>(s.seq - d.next_seq);
    if (off > static_cast<std::int64_t>(d.max_end)) d.max_end = static_cast<std::uint64_t>(off);
  } else {
    if (s.seq != d.next_seq || s.data.size() < s.wire_len) return false;
    // Straight from the packet to the consumer (no copy).
    d.max_end = std::max<std::uint64_t>(d.max_end, d.next_off + s.wire_len);
    const util::bytes data = s.data.first(s.wire_len);
    ++counters_.segments;
    if (limits_.recheck_window) {
      deliver(dir, data, s.tag);
    } else {
      // The stream's state first, the consumer last: with nothing left to do after it, the
      // call can end the caller's code (a jump, with no registers saved for after it).
      counters_.bytes_delivered += data.size();
      d.next_off += data.size();
      d.next_seq += static_cast<std::uint32_t>(data.size());
      consumer_->on_data(dir, data, s.tag);
    }
    return true;
  }
  ++counters_.segments;
  return true;
}

/// Streams of many flows in one pass, found by flow id (as `flow::flow_tracker` assigns),
/// sharing one consumer and one global budget. A flow's stream is created when a segment first
/// needs one (payload, a FIN, or a sequence number past what its SYN announced, which may make
/// a gap) and given up when both directions end (kept for the next flow that needs one: never
/// more are held than were open at once). Until then the flow costs 17 bytes here (an
/// empty stream slot, the next sequence number per direction, and what its SYNs and RSTs told)
/// instead of a stream (~400 bytes): a SYN flood holds no stream at all. A flow that never
/// needs a stream is never heard of by the consumer (no `on_close`): it has no bytes.
class tcp_reassembler {
 public:
  /// `c` receives every stream's events (`current_flow()` tells whose); must outlive this.
  explicit tcp_reassembler(stream_consumer* c, tcp_limits limits = {});
  /// Frees the streams still open (call `finish` first to have them delivered and closed).
  ~tcp_reassembler();
  tcp_reassembler(const tcp_reassembler&) = delete;
  tcp_reassembler& operator=(const tcp_reassembler&) = delete;

  /// Offers a segment of flow `flow_id` (1-based) in direction `dir`.
  [[gnu::always_inline]] void add(std::uint32_t flow_id, int dir, const tcp_segment_view& s) {
    // Inline (forced: GCC declines once it has put the consumer's call in): most segments
    // belong to a stream that takes them by `tcp_stream::add_fast`.
    if (flow_id < streams_.size()) {
      if (tcp_stream* st = streams_[flow_id].get()) {
        current_ = flow_id;
        if (st->add_fast(dir, s)) return;
      }
    }
    // Through a member, not `s` itself or a copy on the stack: with no address of `s` taken
    // the compiler keeps it in registers, and the caller needs no stack frame for it.
    slow_ = s;
    add_slow(flow_id, dir);
  }
  /// Finishes every open stream (end of capture).
  void finish();
  /// The flow whose stream is calling the consumer.
  std::uint32_t current_flow() const noexcept { return current_; }
  /// Counters summed over all streams (freed ones included), and the segments of flows that
  /// have none.
  tcp_stream_counters counters() const noexcept;
  /// Streams currently open.
  std::size_t open_streams() const noexcept { return open_; }
  /// The global budget (bytes held now and at peak).
  const tcp_budget& budget() const noexcept { return budget_; }

 private:
  // `state_` bits of a flow.
  enum : std::uint8_t { flow_ended = 0x1, started_0 = 0x2, started_1 = 0x4, rst_before_data = 0x8 };
  bool handshake_only(std::uint32_t flow_id, int dir, const tcp_segment_view& s) noexcept;
  void add_slow(std::uint32_t flow_id, int dir);
  // Out of `add_slow`, which most of its calls (handshakes, the ACK after the end) leave early.
  [[gnu::noinline]] void grow(std::uint32_t flow_id);
  [[gnu::noinline]] void add_to_stream(std::uint32_t flow_id, int dir);

  stream_consumer* consumer_;
  tcp_limits limits_;
  tcp_budget budget_;
  std::vector<std::unique_ptr<tcp_stream>> streams_;  // by flow id
  std::vector<std::uint8_t> state_;                    // by flow id: flow_ended, or the handshake bits
  std::vector<std::array<std::uint32_t, 2>> next_seq_; // by flow id: per direction, while it has no stream
  std::vector<std::unique_ptr<tcp_stream>> spare_;     // streams that ended, reset, for reuse
  tcp_stream_counters done_;  // counters of ended streams and of segments that needed none
  std::uint32_t current_ = 0;
  std::size_t open_ = 0;
  tcp_segment_view slow_;  // the segment `add` hands to `add_slow`
};

}  // namespace pcapscope::reassembly
