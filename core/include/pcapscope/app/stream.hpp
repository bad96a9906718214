// What application-layer parsers receive with reassembled stream bytes (and UDP payloads), and
// the connection fields every Zeek-style log record starts with. The analysis pass
// (analyze/analyzer.hpp) owns the TCP reassembler and routes each flow's bytes to the parser
// its content calls for (service detection); parsers never see packets.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "pcapscope/util/log_record.hpp"

namespace pcapscope::flow {
class flow_tracker;
}

namespace pcapscope::app {

/// Where a stream event happens: the flow, and the packet being processed when the bytes were
/// delivered. For reassembled data that is the packet that completed the delivery, which is the
/// frame tshark reports a reassembled PDU in.
struct stream_ctx {
  std::uint32_t flow_id = 0;  ///< 1-based flow id (`flow::flow_tracker`); 0: not tracked
  std::uint64_t frame = 0;    ///< 1-based number of the packet being processed
  std::int64_t ts_ns = 0;     ///< that packet's time (ns since the epoch)
};

/// A stream parser's per-flow state by flow id: linear probing over the ids with a multiplicative
/// hash (ids are small sequential numbers; a node-based map cost a pointer chase and an
/// allocation per flow, and was a tenth of a parser's time). `T` may be incomplete where the
/// table is declared; it must be complete where the table is used and destroyed.
template <class T>
class flow_states {
 public:
  /// The state of `id`, or null.
  T* find(std::uint32_t id) const noexcept {
    if (slots_.empty()) return nullptr;
    for (std::size_t i = home(id);; i = (i + 1) & mask()) {
      const auto& s = slots_[i];
      if (!s.state) return nullptr;
      if (s.id == id) return s.state.get();
    }
  }
  /// The state of `id`; `make()` gives it (a std::unique_ptr<T>) when there is none yet.
  template <class Make>
  T& get(std::uint32_t id, Make&& make) {
    if (T* t = find(id)) return *t;
    if ((count_ + 1) * 4 > slots_.size() * 3) grow();
    std::size_t i = home(id);
    while (slots_[i].state) i = (i + 1) & mask();
    slots_[i].id = id;
    slots_[i].state = make();
    ++count_;
    return *slots_[i].state;
  }
  /// Frees the state of `id` (none: nothing happens).
  void erase(std::uint32_t id) {
    if (slots_.empty()) return;
    std::size_t i = home(id);
    while (slots_[i].state && slots_[i].id != id) i = (i + 1) & mask();
    if (!slots_[i].state) return;
    slots_[i].state.reset();
    --count_;
    // Backward shift: later members of the probe run move into the hole when their home
    // position allows, so that lookups never need tombstones.
    for (std::size_t j = (i + 1) & mask(); slots_[j].state; j = (j + 1) & mask()) {
      const std::size_t h = home(slots_[j].id);
      if (((j - h) & mask()) >= ((j - i) & mask())) {
        slots_[i] = std::move(slots_[j]);
        i = j;
      }
    }
  }
  /// The ids present, in no particular order.
  std::vector<std::uint32_t> ids() const {
    std::vector<std::uint32_t> v;
    v.reserve(count_);
    for (const auto& s : slots_) {
      if (s.state) v.push_back(s.id);
    }
    return v;
  }
  /// Calls `f(id, T&)` for each state.
  template <class F>
  void for_each(F&& f) const {
    for (const auto& s : slots_) {
      if (s.state) f(s.id, *s.state);
    }
  }
  std::size_t size() const noexcept { return count_; }
  void clear() {
    slots_.clear();
    count_ = 0;
  }

 private:
  struct slot {
    std::uint32_t id = 0;
    std::unique_ptr<T> state;  // null: free
  };
  std::size_t mask() const noexcept { return slots_.size() - 1; }
  std::size_t home(std::uint32_t id) const noexcept {
    return static_cast<std::size_t>((std::uint64_t{id} * 0x9E3779B97F4A7C15ull) >> shift_);
  }
  void grow() {
    std::vector<slot> old = std::move(slots_);
    const std::size_t n = old.empty() ? 64 : old.size() * 2;
    slots_ = std::vector<slot>(n);
    shift_ = 64;
    for (std::size_t k = n; k > 1; k >>= 1) --shift_;
    for (auto& s : old) {
      if (!s.state) continue;
      std::size_t i = home(s.id);
      while (slots_[i].state) i = (i + 1) & mask();
      slots_[i] = std::move(s);
    }
  }
  std::vector<slot> slots_;
  std::size_t count_ = 0;
  unsigned shift_ = 64;
};

/// The connection fields of a log record: Zeek's uid and id.orig_h/p, id.resp_h/p.
struct conn_id {
  std::uint32_t flow_id = 0;       ///< flow id (0: none)
  std::string uid;                 ///< uid (empty without a flow)
  std::string orig_h, resp_h;      ///< originator / responder address as text
  std::uint16_t orig_p = 0, resp_p = 0;  ///< originator / responder port
};

/// The conn_id of flow `flow_id` (fields empty when `flows` is null or the id is 0).
conn_id make_conn_id(const flow::flow_tracker* flows, std::uint32_t flow_id);

/// Adds uid, id.orig_h, id.orig_p, id.resp_h, id.resp_p to a log record (uid left out when empty).
void add_conn_id(util::log_record& r, const conn_id& c);

}  // namespace pcapscope::app
