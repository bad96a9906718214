// The per-packet index: one compact row per packet (struct of arrays, 32 bytes per packet),
// built while streaming; everything else about a packet is re-read from the source by offset.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "pcapscope/capture/reader.hpp"
#include "pcapscope/dissect/packet.hpp"
#include "pcapscope/flow/flow.hpp"
#include "pcapscope/reassembly/ip_defrag.hpp"

namespace pcapscope::index {

static_assert(static_cast<unsigned>(dissect::anomaly::count_) <= 16, "anomaly codes must fit in 4 bits");

/// Row flags (the high bits of `flags`; the low 4 bits hold the dissect::anomaly code).
enum row_flag : std::uint8_t {
  flag_anomaly_mask = 0x0F,  ///< first dissection anomaly of the packet (dissect::anomaly)
  flag_reassembled = 0x10,   ///< this packet completed an IP datagram: `top` is the reassembled
                             ///< payload's protocol, not what the packet's own bytes show
  flag_no_timestamp = 0x20,  ///< record had no timestamp (pcapng SPB)
  flag_truncated = 0x40,     ///< captured length < original length (snaplen cut)
  flag_more_anomalies = 0x80,  ///< more than one dissection anomaly
};

/// One column of the index, stored in fixed blocks of `block_rows` values: appending never
/// moves what is stored (a growing std::vector needs its old and new arrays at once, and in
/// wasm, whose memory never shrinks, that doubling peak stays as heap size), at most one
/// block is partly empty, and row access stays O(1) (a shift and a mask).
template <class T>
class column {
  friend struct packet_index;  // appends whole rows through its own cursor (packet_index::push)

 public:
  static constexpr std::size_t block_shift = 16;
  /// Values per block (64 Ki: 512 KiB blocks for 8-byte values).
  static constexpr std::size_t block_rows = std::size_t{1} << block_shift;

  column() = default;
  /// Copies the values (into blocks of its own, as many as `o` has).
  column(const column& o) : size_(o.size_), capacity_(o.capacity_) {
    blocks_.reserve(o.blocks_.size());
    for (std::size_t k = 0; k < o.blocks_.size(); ++k) {
      blocks_.push_back(std::unique_ptr<T[]>(new T[block_rows]));
      const std::size_t at = std::min(size_, k << block_shift);
      std::copy_n(o.blocks_[k].get(), std::min(block_rows, size_ - at), blocks_.back().get());
    }
  }
  column& operator=(const column& o) {
    if (this != &o) *this = column(o);
    return *this;
  }
  column(column&&) noexcept = default;
  column& operator=(column&&) noexcept = default;

  /// Number of values.
  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  /// Value `i` (< size()).
  T& operator[](std::size_t i) noexcept { return blocks_[i >> block_shift][i & mask]; }
  const T& operator[](std::size_t i) const noexcept { return blocks_[i >> block_shift][i & mask]; }
  /// The last value (size() > 0).
  T& back() noexcept { return (*this)[size_ - 1]; }
  const T& back() const noexcept { return (*this)[size_ - 1]; }
  /// Appends `v`; allocates a new block every `block_rows` values.
  void push_back(T v) {
    if (size_ == capacity_) add_block();
    blocks_[size_ >> block_shift][size_ & mask] = v;
    ++size_;
  }
  /// Allocates the blocks for `n` values now.
  void reserve(std::size_t n) {
    blocks_.reserve((n + block_rows - 1) >> block_shift);
    while (capacity_ < n) add_block();
  }
  /// Values the allocated blocks hold.
  std::size_t capacity() const noexcept { return capacity_; }
  /// Blocks holding values (the last one may be partly filled).
  std::size_t block_count() const noexcept { return (size_ + block_rows - 1) >> block_shift; }
  /// The values of block `k` (< block_count()): values `[k * block_rows, …)`, contiguous.
  std::span<const T> block(std::size_t k) const noexcept {
    return {blocks_[k].get(), std::min(block_rows, size_ - (k << block_shift))};
  }
  /// Same values in the same order.
  friend bool operator==(const column& a, const column& b) noexcept {
    if (a.size_ != b.size_) return false;
    for (std::size_t k = 0; k < a.block_count(); ++k) {
      auto x = a.block(k);
      if (!std::equal(x.begin(), x.end(), b.block(k).begin())) return false;
    }
    return true;
  }

 private:
  static constexpr std::size_t mask = block_rows - 1;
  void add_block() {
    // Not zero-filled (a value is read only after it was appended): `new T[]` leaves it as it
    // is, as make_unique_for_overwrite would, which Emscripten's libc++ 13 lacks.
    blocks_.push_back(std::unique_ptr<T[]>(new T[block_rows]));
    capacity_ += block_rows;
  }
  std::vector<std::unique_ptr<T[]>> blocks_;  // each of block_rows values
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;  // blocks_.size() * block_rows, kept to test cheaply per push
};

/// Columns of the index. Row i describes the i-th packet (0-based) of the capture.
struct packet_index {
  column<std::int64_t> ts_ns;        ///< timestamp, ns since the epoch
  column<std::uint64_t> offset;      ///< record offset in the (decompressed) input
  column<std::uint32_t> caplen;      ///< captured length
  column<std::uint32_t> origlen;     ///< original length
  column<std::uint32_t> flow;        ///< flow id (filled by the flow table; 0 until then)
  column<std::uint16_t> interface;   ///< interface index (saturates at 65535)
  column<std::uint8_t> top;          ///< dissect::proto of the highest layer
  column<std::uint8_t> flags;        ///< row_flag bits + anomaly code

  /// Number of rows.
  std::size_t size() const noexcept { return ts_ns.size(); }
  /// Bytes used per row by the columns (the design budget is 32).
  static constexpr std::size_t row_bytes = 8 + 8 + 4 + 4 + 4 + 2 + 1 + 1;
  /// Reserves room for `n` rows.
  void reserve(std::size_t n);
  /// Appends one row (`flow_id`: the packet's flow, 0 for none; `row_flags`: row_flag bits to
  /// set besides those the record and packet give).
  void push(const capture::record& r, const dissect::packet& p, std::uint32_t flow_id = 0,
            std::uint8_t row_flags = 0) {
    const std::size_t n = size();
    if (n >= at_.room) make_room();
    // Everything is read before the first store, and the byte columns are stored last: a byte
    // store may alias anything (the record, the packet, the cursor), which would make the
    // compiler load it all again after it. A wider store aliases only values of its own type,
    // so each of those columns' block pointer is loaded right before its store, which leaves
    // enough registers to hold the values without spilling them.
    const std::int64_t ts = r.ts_ns;
    const std::uint64_t off = r.record_offset;
    const std::uint32_t cap = r.caplen, orig = r.origlen;
    const auto ifc = static_cast<std::uint16_t>(std::min<std::uint32_t>(r.interface, 0xFFFF));
    const auto tp = static_cast<std::uint8_t>(p.top());
    auto f = static_cast<std::uint8_t>((static_cast<std::uint8_t>(p.first_anomaly) & flag_anomaly_mask) | row_flags);
    if (!r.has_timestamp) f |= flag_no_timestamp;
    if (cap < orig) f |= flag_truncated;
    if (p.anomalies > 1) f |= flag_more_anomalies;
    const std::size_t i = n & (column<std::uint8_t>::block_rows - 1);
    at_.ts_ns[i] = ts;
    at_.offset[i] = off;
    at_.caplen[i] = cap;
    at_.origlen[i] = orig;
    at_.flow[i] = flow_id;
    at_.interface[i] = ifc;
    std::uint8_t* const top_at = at_.top;
    std::uint8_t* const flags_at = at_.flags;
    top_at[i] = tp;
    flags_at[i] = f;
    ++ts_ns.size_;
    ++offset.size_;
    ++caplen.size_;
    ++origlen.size_;
    ++flow.size_;
    ++interface.size_;
    ++top.size_;
    ++flags.size_;
  }
  /// Bytes held by the columns (allocated blocks).
  std::size_t memory_bytes() const noexcept;

 private:
  // Allocates a block in every full column and points at_ at the block row size() goes into.
  void make_room();
  // The block of every column that the next rows go into (blocks of all columns start at the
  // same rows), and the row that block ends at (or the least capacity): a row push checks this
  // one bound, then stores without looking a block up per column. A copy (or move) starts
  // without one, as its blocks are not those pointed at: its first push sets it.
  struct cursor {
    std::int64_t* ts_ns = nullptr;
    std::uint64_t* offset = nullptr;
    std::uint32_t* caplen = nullptr;
    std::uint32_t* origlen = nullptr;
    std::uint32_t* flow = nullptr;
    std::uint16_t* interface = nullptr;
    std::uint8_t* top = nullptr;
    std::uint8_t* flags = nullptr;
    std::size_t room = 0;
    cursor() = default;
    cursor(const cursor&) noexcept {}
    cursor& operator=(const cursor&) noexcept {
      room = 0;  // the pointers are not read until make_room sets them again
      return *this;
    }
  };
  cursor at_;
};

/// IP reassembly ahead of the flow tracker, as the index pass does it: the packet completing a
/// datagram is seen as its outer layers plus the reassembled transport, and fragments still
/// waiting get no flow (Zeek counts a reassembled datagram once). For consumers that dissect
/// and track packets themselves (`pcapscope packets`), so that their flows are the index's.
class fragment_merger {
 public:
  /// `p` is record `r` dissected, with `irregular` set. Returns what the flow tracker sees, and
  /// sets `rec` to the record it sees: `&p` and `&r` when `p` is no IP fragment; the merged
  /// packet and a copy of `r` whose data is the datagram when `p` completes one; null while its
  /// datagram is incomplete.
  const dissect::packet* add(const capture::record& r, const dissect::packet& p, const capture::record*& rec);
  /// IP reassembly counters.
  const reassembly::defrag_counters& counters() const noexcept { return defrag_.counters(); }
  /// The record of the last datagram completed.
  const capture::record& datagram_record() const noexcept { return reassembled_rec_; }

 private:
  reassembly::ip_defragmenter defrag_;
  reassembly::fragment frag_;
  dissect::packet inner_;
  dissect::packet merged_;
  capture::record reassembled_rec_;
};

/// A capture handler that dissects every record (L2–L4) and appends its index row; chain
/// another handler behind it to see the records too.
class index_builder : public capture::handler {
 public:
  /// `next` (may be null) receives every callback after the index is updated. With `flows`
  /// (may be null), every packet is also assigned to a flow and the `flow` column filled.
  explicit index_builder(capture::handler* next = nullptr, flow::flow_tracker* flows = nullptr)
      : next_(next), flows_(flows) {}
  void on_record(const capture::record& r) override;
  void on_interface(std::uint32_t i, const capture::interface_info& f) override {
    if (next_) next_->on_interface(i, f);
  }
  void on_anomaly(const capture::anomaly& a) override {
    if (next_) next_->on_anomaly(a);
  }
  /// The index so far.
  const packet_index& index() const noexcept { return index_; }
  /// Packets per top protocol, indexed by dissect::proto.
  const std::vector<std::uint64_t>& protocol_counts() const noexcept { return proto_counts_; }
  /// The packet as the last row and flow saw it (reassembled transport when that packet
  /// completed a datagram); valid until the next record.
  const dissect::packet& last_packet() const noexcept { return *last_seen_; }
  /// The record as the flow tracker saw it (its data is the reassembled datagram then); valid
  /// while the last record is being handled, as that record.
  const capture::record& last_flow_record() const noexcept { return *last_rec_; }
  /// The flow tracker's answer for the last record (id 0 when it was not tracked).
  const flow::track_result& last_track() const noexcept { return last_track_; }
  /// IP reassembly counters.
  const reassembly::defrag_counters& defrag_counters() const noexcept { return merger_.counters(); }
  /// Packets per dissection anomaly, indexed by dissect::anomaly.
  const std::vector<std::uint64_t>& anomaly_counts() const noexcept { return anomaly_counts_; }

 private:
  capture::handler* next_;
  flow::flow_tracker* flows_;
  packet_index index_;
  dissect::packet pkt_;
  // IP reassembly: the packet completing a datagram is indexed (top protocol) and given to the
  // flow tracker as its outer layers plus the reassembled transport; fragments still waiting
  // get no flow (flow id 0).
  fragment_merger merger_;
  const dissect::packet* last_seen_ = &pkt_;
  // The record the flow tracker saw: the caller's record, or the merger's copy whose data is
  // the reassembled datagram when the packet completed one. Not copied otherwise: a record copy
  // per packet is a memcpy call in wasm.
  const capture::record* last_rec_ = &merger_.datagram_record();
  flow::track_result last_track_;
  std::vector<std::uint64_t> proto_counts_ = std::vector<std::uint64_t>(static_cast<std::size_t>(dissect::proto::count_));
  std::vector<std::uint64_t> anomaly_counts_ = std::vector<std::uint64_t>(static_cast<std::size_t>(dissect::anomaly::count_));
};

}  // namespace pcapscope::index
