// TCP stream reassembly (see reassembly/tcp_stream.hpp for the policy).
#include "pcapscope/reassembly/tcp_stream.hpp"

#include <algorithm>
#include <cstring>

namespace pcapscope::reassembly {

const char* stream_end_name(stream_end e) noexcept {
  switch (e) {
    case stream_end::none: return "none";
    case stream_end::fin: return "fin";
    case stream_end::rst: return "rst";
    case stream_end::cap: return "cap";
    case stream_end::end_of_capture: return "end_of_capture";
  }
  return "none";
}

void tcp_stream_counters::add(const tcp_stream_counters& o) noexcept {
  segments += o.segments;
  bytes_delivered += o.bytes_delivered;
  out_of_order += o.out_of_order;
  retransmissions += o.retransmissions;
  overlaps += o.overlaps;
  overlap_conflicts += o.overlap_conflicts;
  gaps += o.gaps;
  gap_bytes += o.gap_bytes;
  missed_bytes += o.missed_bytes;
  cap_hits += o.cap_hits;
  global_cap_hits += o.global_cap_hits;
  after_close += o.after_close;
  before_start += o.before_start;
}

tcp_stream::tcp_stream(stream_consumer* c, const tcp_limits& limits, tcp_budget* budget)
    : consumer_(c), limits_(limits), budget_(budget) {}

tcp_stream::~tcp_stream() {
  for (auto& d : dirs_) {
    release(d, d.charged);
    drop_recent(d);
  }
}

void tcp_stream::drop_recent(direction& d) noexcept {
  if (d.recent && budget_) budget_->used -= std::min(limits_.recheck_window, budget_->used);
  d.recent.reset();
  d.recent_len = 0;
}

void tcp_stream::reset() noexcept {
  for (auto& d : dirs_) {
    d.early.clear();
    release(d, d.charged);
    drop_recent(d);
    static_cast<direction_state&>(d) = {};
  }
  counters_ = {};
  rst_before_data_ = false;
}

void tcp_stream::release(direction& d, std::size_t n) noexcept {
  n = std::min(n, d.charged);
  d.charged -= n;
  if (budget_) budget_->used -= std::min(n, budget_->used);
}

void tcp_stream::deliver(int dir, util::bytes data, std::uint64_t tag) {
  if (data.empty()) return;
  direction& d = dirs_[dir];
  consumer_->on_data(dir, data, tag);
  counters_.bytes_delivered += data.size();
  const std::size_t w = limits_.recheck_window;
  if (w && !d.recent && !d.no_recent) {
    // The windows share the global budget but may take at most half of it, so that held
    // out-of-order bytes keep room; without room the direction goes without rechecks.
    if (budget_ && budget_->used + w > limits_.max_buffered_total / 2) {
      d.no_recent = true;
    } else {
      d.recent = std::unique_ptr<std::uint8_t[]>(new std::uint8_t[w]);  // uninitialized: written before read
      if (budget_) {
        budget_->used += w;
        budget_->peak = std::max(budget_->peak, budget_->used);
      }
    }
  }
  if (d.recent) {
    std::size_t k = std::min(data.size(), w);
    std::uint64_t off = d.next_off + data.size() - k;  // offset of the first byte kept
    const std::uint8_t* src = data.data() + (data.size() - k);
    std::size_t pos = static_cast<std::size_t>(off % w);
    std::size_t first = std::min(k, w - pos);
    std::memcpy(d.recent.get() + pos, src, first);
    if (k > first) std::memcpy(d.recent.get(), src + first, k - first);
    d.recent_len = std::min<std::uint64_t>(w, d.recent_len + data.size());
  }
  d.next_off += data.size();
  d.next_seq += static_cast<std::uint32_t>(data.size());
}

// `missed`: the bytes were sent but not captured (acknowledged, or cut by the snap length).
void tcp_stream::gap(int dir, std::uint64_t length, std::uint64_t tag, bool missed) {
  if (length == 0) return;
  direction& d = dirs_[dir];
  consumer_->on_gap(dir, length, tag);
  ++counters_.gaps;
  counters_.gap_bytes += length;
  d.gaps.bytes += length;
  if (missed) {
    consumer_->on_missed(dir, length);
    counters_.missed_bytes += length;
    d.gaps.missed_bytes += length;
  }
  d.next_off += length;
  d.next_seq += static_cast<std::uint32_t>(length);
  d.recent_len = 0;
}

// True when the bytes of `data` (at stream offset `off`) that are still in the recheck window
// equal what was delivered; bytes outside the window cannot be compared and count as equal.
bool tcp_stream::compare_delivered(const direction& d, std::uint64_t off, util::bytes data) const noexcept {
  const std::size_t w = limits_.recheck_window;
  if (!w || !d.recent || d.recent_len == 0) return true;
  std::uint64_t lo = std::max(off, d.next_off - d.recent_len);
  std::uint64_t hi = std::min(off + data.size(), d.next_off);
  for (std::uint64_t o = lo; o < hi; ++o) {
    if (d.recent[static_cast<std::size_t>(o % w)] != data[static_cast<std::size_t>(o - off)]) return false;
  }
  return true;
}

// Delivers held segments that are now contiguous with the delivered bytes.
void tcp_stream::drain(int dir) {
  direction& d = dirs_[dir];
  while (!d.early.empty()) {
    auto it = d.early.begin();
    if (it->first > d.next_off) break;
    held h = std::move(it->second);
    std::uint64_t start = it->first;
    d.early.erase(it);
    util::bytes b(h.data.get(), h.len);
    std::uint64_t cut = d.next_off - start;
    if (cut >= b.size()) {
      if (!compare_delivered(d, start, b)) ++counters_.overlap_conflicts;
    } else {
      if (cut && !compare_delivered(d, start, b.first(static_cast<std::size_t>(cut)))) ++counters_.overlap_conflicts;
      deliver(dir, b.subspan(static_cast<std::size_t>(cut)), h.tag);
    }
    release(d, h.len + limits_.segment_overhead);
  }
}

// Moves the delivery point forward to `target`: held bytes before it are delivered, holes
// become gaps (`missed` when the peer acknowledged them).
void tcp_stream::skip_to(int dir, std::uint64_t target, std::uint64_t tag, bool missed) {
  direction& d = dirs_[dir];
  while (d.next_off < target) {
    if (!d.early.empty() && d.early.begin()->first < target) {
      std::uint64_t start = d.early.begin()->first;
      if (start > d.next_off) gap(dir, start - d.next_off, d.early.begin()->second.tag, missed);
      drain(dir);
    } else {
      gap(dir, target - d.next_off, tag, missed);
    }
  }
  drain(dir);
}

// Delivers everything held (holes as gaps), up to the FIN when one was seen.
void tcp_stream::flush_all(int dir) {
  direction& d = dirs_[dir];
  if (!d.started) return;
  while (!d.early.empty()) {
    std::uint64_t start = d.early.begin()->first;
    if (d.fin_seen && start >= d.fin_off) break;
    if (start > d.next_off) gap(dir, start - d.next_off, d.early.begin()->second.tag, false);
    drain(dir);
  }
  if (d.fin_seen && d.next_off < d.fin_off) gap(dir, d.fin_off - d.next_off, 0, false);
}

void tcp_stream::close(int dir, stream_end reason) {
  direction& d = dirs_[dir];
  if (d.end != stream_end::none) return;
  d.end = reason;
  d.early.clear();
  release(d, d.charged);
  drop_recent(d);
  consumer_->on_close(dir, reason);
}

void tcp_stream::check_fin(int dir) {
  direction& d = dirs_[dir];
  if (d.end == stream_end::none && d.fin_seen && d.next_off >= d.fin_off) close(dir, stream_end::fin);
}

// Copies the parts of [off, off + data.size()) not already held; first data wins.
void tcp_stream::hold(int dir, std::uint64_t off, util::bytes data, std::uint64_t tag) {
  direction& d = dirs_[dir];
  const std::uint64_t end = off + data.size();
  struct piece {
    std::uint64_t start, end;
  };
  std::vector<piece> pieces;
  bool overlapped = false;
  std::uint64_t cur = off;
  auto it = d.early.upper_bound(off);
  if (it != d.early.begin()) {
    auto prev = std::prev(it);
    std::uint64_t pend = prev->first + prev->second.len;
    if (pend > off) {
      overlapped = true;
      std::uint64_t ov_end = std::min(pend, end);
      if (std::memcmp(prev->second.data.get() + (off - prev->first), data.data(), static_cast<std::size_t>(ov_end - off)) != 0) {
        ++counters_.overlap_conflicts;
      }
      cur = ov_end;
    }
  }
  for (; it != d.early.end() && it->first < end && cur < end; ++it) {
    if (it->first > cur) pieces.push_back({cur, it->first});
    std::uint64_t s = std::max(it->first, cur);
    std::uint64_t e = std::min<std::uint64_t>(it->first + it->second.len, end);
    if (e > s) {
      overlapped = true;
      if (std::memcmp(it->second.data.get() + (s - it->first), data.data() + (s - off), static_cast<std::size_t>(e - s)) != 0) {
        ++counters_.overlap_conflicts;
      }
      cur = std::max(cur, e);
    }
  }
  if (cur < end) pieces.push_back({cur, end});
  if (pieces.empty()) {
    ++counters_.retransmissions;
    return;
  }
  if (overlapped) ++counters_.overlaps;
  else ++counters_.out_of_order;
  std::size_t charge = 0;
  for (const auto& p : pieces) charge += static_cast<std::size_t>(p.end - p.start) + limits_.segment_overhead;

  if (budget_ && budget_->used + charge > limits_.max_buffered_total) {
    // Global cap: give up on this stream, handing over what it holds (with gaps).
    ++counters_.global_cap_hits;
    skip_to(dir, off, tag, false);
    deliver(dir, data.subspan(static_cast<std::size_t>(d.next_off > off ? std::min<std::uint64_t>(d.next_off - off, data.size()) : 0)), tag);
    for (int k = 0; k < 2; ++k) {
      flush_all(k);
      close(k, stream_end::cap);
    }
    return;
  }
  if (d.charged + charge > limits_.max_buffered_per_direction) {
    // Per-direction cap: skip the hole (gap), deliver what was held and this segment.
    ++counters_.cap_hits;
    skip_to(dir, off, tag, false);
    if (d.next_off == off) {
      deliver(dir, data, tag);
      drain(dir);
    } else {
      // Held bytes already covered part of this segment: deliver only the rest.
      std::uint64_t cut = std::min<std::uint64_t>(d.next_off - off, data.size());
      deliver(dir, data.subspan(static_cast<std::size_t>(cut)), tag);
      drain(dir);
    }
    return;
  }
  for (const auto& p : pieces) {
    held h;
    h.len = static_cast<std::uint32_t>(p.end - p.start);
    h.tag = tag;
    h.data = std::unique_ptr<std::uint8_t[]>(new std::uint8_t[h.len]);
    std::memcpy(h.data.get(), data.data() + (p.start - off), h.len);
    d.early.emplace(p.start, std::move(h));
  }
  d.charged += charge;
  if (budget_) {
    budget_->used += charge;
    budget_->peak = std::max(budget_->peak, budget_->used);
  }
}

void tcp_stream::add(int dir, const tcp_segment_view& s) {
  if (!add_fast(dir, s) && !add_fin(dir, s)) add_general(dir, s);
}

bool tcp_stream::add_fin(int dir, const tcp_segment_view& s) {
  direction& d = dirs_[dir];
  if ((s.flags & (tcp_syn | tcp_fin | tcp_rst | tcp_ack)) != (tcp_fin | tcp_ack) || !d.plain) return false;
  const direction& p = dirs_[1 - dir];
  if (p.ack_watch && static_cast<std::int32_t>(s.ack - p.next_seq) > 0) return false;
  if (s.seq != d.next_seq || s.data.size() < s.wire_len) return false;
  ++counters_.segments;
  d.max_end = std::max<std::uint64_t>(d.max_end, d.next_off + s.wire_len);
  deliver(dir, s.data.first(s.wire_len), s.tag);
  d.fin_seen = true;
  d.fin_off = d.next_off;
  close(dir, stream_end::fin);
  // What `refresh` would find: this direction ended, the other one is as it was.
  d.ack_watch = d.plain = false;
  return true;
}

void tcp_stream::add_general(int dir, const tcp_segment_view& s) {
  take(dir, s);
  refresh();
}

void tcp_stream::refresh() noexcept {
  for (auto& d : dirs_) {
    const bool open = d.started && d.end == stream_end::none;
    d.ack_watch = open && limits_.gap_on_ack;
    d.plain = open && !d.fin_seen && d.early.empty();
  }
}

void tcp_stream::take(int dir, const tcp_segment_view& s) {
  ++counters_.segments;
  const bool syn = (s.flags & tcp_syn) != 0;
  const bool fin = (s.flags & tcp_fin) != 0;
  const bool rst = (s.flags & tcp_rst) != 0;

  // The ACK tells what the peer's bytes up to it were sent: bytes never seen become a gap.
  if (limits_.gap_on_ack && (s.flags & tcp_ack) && !rst) {
    const int p = 1 - dir;
    direction& pd = dirs_[p];
    if (pd.started && pd.end == stream_end::none) {
      auto rel = static_cast<std::int32_t>(s.ack - pd.next_seq);
      if (rel > 0) {
        std::uint64_t target = pd.next_off + static_cast<std::uint64_t>(rel);
        // Never past what that side was seen sending: a bogus ACK cannot blind the stream.
        target = std::min(target, pd.max_end);
        if (pd.fin_seen) target = std::min(target, pd.fin_off);
        if (target > pd.next_off) skip_to(p, target, s.tag, true);
        check_fin(p);
      }
    }
  }

  direction& d = dirs_[dir];
  if (d.end != stream_end::none) {
    if (s.wire_len || fin) ++counters_.after_close;
    return;
  }
  if (rst) {
    if (counters_.bytes_delivered == 0 && counters_.gaps == 0 && dirs_[0].early.empty() && dirs_[1].early.empty()) {
      // A refused attempt (RST before any payload): a retried SYN may still open the
      // connection in this flow, so the RST only decides how `finish` ends the stream.
      rst_before_data_ = true;
      dirs_[0].started = dirs_[1].started = false;
      dirs_[0].fin_seen = dirs_[1].fin_seen = false;
      return;
    }
    for (int k = 0; k < 2; ++k) {
      flush_all(k);
      close(k, stream_end::rst);
    }
    return;
  }
  const std::uint32_t data_seq = syn ? s.seq + 1 : s.seq;
  if (!d.started) {
    // A pure ACK does not start a direction (keep-alives carry seq - 1).
    if (!syn && !fin && s.wire_len == 0) return;
    rst_before_data_ = false;
    d.started = true;
    d.next_seq = data_seq;
    d.next_off = 0;
  }
  auto rel = static_cast<std::int64_t>(static_cast<std::int32_t>(data_seq - d.next_seq));
  std::int64_t off = static_cast<std::int64_t>(d.next_off) + rel;
  std::int64_t len = s.wire_len;
  if (off + len > static_cast<std::int64_t>(d.max_end)) d.max_end = static_cast<std::uint64_t>(off + len);
  util::bytes data = s.data.first(std::min<std::size_t>(s.data.size(), s.wire_len));
  if (fin && !d.fin_seen && off + len >= static_cast<std::int64_t>(d.next_off)) {
    d.fin_seen = true;
    d.fin_off = static_cast<std::uint64_t>(off + len);
  }
  if (d.fin_seen && off + len > static_cast<std::int64_t>(d.fin_off)) {
    // Nothing is sent after the FIN: cut what claims to be.
    std::int64_t keep = std::max<std::int64_t>(0, static_cast<std::int64_t>(d.fin_off) - off);
    len = keep;
    if (static_cast<std::int64_t>(data.size()) > keep) data = data.first(static_cast<std::size_t>(keep));
  }
  if (len > 0) {
    if (off + len <= 0) {
      ++counters_.before_start;
    } else {
      if (off < 0) {
        std::size_t cut = static_cast<std::size_t>(-off);
        data = data.subspan(std::min(cut, data.size()));
        len += off;
        off = 0;
      }
      auto uoff = static_cast<std::uint64_t>(off);
      auto ulen = static_cast<std::uint64_t>(len);
      if (uoff + ulen <= d.next_off) {
        ++counters_.retransmissions;
        if (!compare_delivered(d, uoff, data)) ++counters_.overlap_conflicts;
      } else {
        if (uoff < d.next_off) {
          ++counters_.overlaps;
          std::uint64_t cut = d.next_off - uoff;
          std::size_t dcut = static_cast<std::size_t>(std::min<std::uint64_t>(cut, data.size()));
          if (!compare_delivered(d, uoff, data.first(dcut))) ++counters_.overlap_conflicts;
          data = data.subspan(dcut);
          uoff += cut;
          ulen -= cut;
        }
        if (uoff == d.next_off) {
          deliver(dir, data, s.tag);  // straight from the packet: no copy
          if (data.size() < ulen) gap(dir, ulen - data.size(), s.tag, true);  // cut by the snap length
          drain(dir);
        } else if (!data.empty()) {
          hold(dir, uoff, data, s.tag);
        }
      }
    }
  }
  if (d.end == stream_end::none) check_fin(dir);
}

void tcp_stream::finish() {
  for (int k = 0; k < 2; ++k) {
    if (dirs_[k].end != stream_end::none) continue;
    flush_all(k);
    close(k, dirs_[k].fin_seen ? stream_end::fin : rst_before_data_ ? stream_end::rst : stream_end::end_of_capture);
  }
  refresh();
}

tcp_reassembler::tcp_reassembler(stream_consumer* c, tcp_limits limits) : consumer_(c), limits_(limits) {}

tcp_reassembler::~tcp_reassembler() = default;

// Handles a segment of a flow without a stream when it can change nothing but the handshake
// state kept for the flow; false when it needs a stream. The cases mirror tcp_stream::add: with
// no stream, nothing was delivered, held or seen past a direction's start, so a segment
// without payload or FIN can only start a direction (SYN), reset the attempt (RST before any
// payload), or raise a direction's highest offset seen (sequence number past the start: that
// one takes a stream, as the peer's next ACK may then declare a gap).
inline bool tcp_reassembler::handshake_only(std::uint32_t flow_id, int dir, const tcp_segment_view& s) noexcept {
  if (s.wire_len || (s.flags & tcp_fin)) return false;
  std::uint8_t& bits = state_[flow_id];
  if (s.flags & tcp_rst) {
    bits = static_cast<std::uint8_t>((bits & ~(started_0 | started_1)) | rst_before_data);
    return true;
  }
  const bool syn = (s.flags & tcp_syn) != 0;
  const std::uint32_t data_seq = syn ? s.seq + 1 : s.seq;
  const std::uint8_t started = dir ? started_1 : started_0;
  if (!(bits & started)) {
    if (syn) {  // a pure ACK does not start a direction
      bits = static_cast<std::uint8_t>((bits | started) & ~rst_before_data);
      next_seq_[flow_id][dir] = data_seq;
    }
    return true;
  }
  return static_cast<std::int32_t>(data_seq - next_seq_[flow_id][dir]) <= 0;
}

// What `add` does not take by the stream's fast path: flows without a stream, and the rest of
// the segments of those with one. Kept small (what needs a stream is in `add_to_stream`), as
// most of its calls are for handshakes and the ACK after the end.
void tcp_reassembler::add_slow(std::uint32_t flow_id, int dir) {
  const tcp_segment_view& s = slow_;
  if (flow_id == 0) return;
  if (flow_id >= streams_.size()) grow(flow_id);
  if (!streams_[flow_id]) {
    if (state_[flow_id] & flow_ended) {
      ++done_.segments;
      if (s.wire_len || (s.flags & tcp_fin)) ++done_.after_close;
      return;
    }
    if (handshake_only(flow_id, dir, s)) {
      ++done_.segments;
      return;
    }
  }
  add_to_stream(flow_id, dir);
}

void tcp_reassembler::grow(std::uint32_t flow_id) {
  // 64 slots at a time (one resize per 64 flow ids, not per TCP flow): the vectors grow
  // geometrically, and at most 63 slots past the highest flow id are zeroed.
  const std::size_t n = (std::size_t{flow_id} | 63u) + 1;
  streams_.resize(n);
  state_.resize(n);
  next_seq_.resize(n);
}

// `add_slow` for a segment that needs a stream: the flow's, or a new one resuming from what
// its handshake told.
void tcp_reassembler::add_to_stream(std::uint32_t flow_id, int dir) {
  const tcp_segment_view& s = slow_;
  auto& st = streams_[flow_id];
  current_ = flow_id;
  if (!st) {
    // A stream that ended is reused (as new): no allocation per connection.
    if (spare_.empty()) {
      st = std::make_unique<tcp_stream>(consumer_, limits_, &budget_);
    } else {
      st = std::move(spare_.back());
      spare_.pop_back();
    }
    const std::uint8_t bits = state_[flow_id];
    for (int k = 0; k < 2; ++k) {
      if (bits & (k ? started_1 : started_0)) {
        st->dirs_[k].started = true;
        st->dirs_[k].next_seq = next_seq_[flow_id][k];
      }
    }
    st->rst_before_data_ = (bits & rst_before_data) != 0;
    st->refresh();
    ++open_;
    // Most first segments are the first bytes, in order: the inline path takes them.
    if (st->add_fast(dir, s)) return;
  }
  if (!st->add_fin(dir, s)) st->add_general(dir, s);
  if (st->closed()) {
    done_.add(st->counters());
    st->reset();
    spare_.push_back(std::move(st));
    state_[flow_id] = flow_ended;
    --open_;
  }
}

void tcp_reassembler::finish() {
  for (std::size_t id = 0; id < streams_.size(); ++id) {
    auto& st = streams_[id];
    if (!st) continue;
    current_ = static_cast<std::uint32_t>(id);
    st->finish();
    done_.add(st->counters());
    st.reset();
    --open_;
  }
}

tcp_stream_counters tcp_reassembler::counters() const noexcept {
  tcp_stream_counters c = done_;
  for (const auto& st : streams_) {
    if (st) c.add(st->counters());
  }
  return c;
}

}  // namespace pcapscope::reassembly
