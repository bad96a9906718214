// The per-packet index (see index/index.hpp).
#include "pcapscope/index/index.hpp"

#include <algorithm>

namespace pcapscope::index {

void packet_index::reserve(std::size_t n) {
  ts_ns.reserve(n);
  offset.reserve(n);
  caplen.reserve(n);
  origlen.reserve(n);
  flow.reserve(n);
  interface.reserve(n);
  top.reserve(n);
  flags.reserve(n);
}

void packet_index::push(const capture::record& r, const dissect::packet& p, std::uint32_t flow_id) {
  ts_ns.push_back(r.ts_ns);
  offset.push_back(r.record_offset);
  caplen.push_back(r.caplen);
  origlen.push_back(r.origlen);
  flow.push_back(flow_id);
  interface.push_back(static_cast<std::uint16_t>(std::min<std::uint32_t>(r.interface, 0xFFFF)));
  top.push_back(static_cast<std::uint8_t>(p.top()));
  auto f = static_cast<std::uint8_t>(static_cast<std::uint8_t>(p.first_anomaly) & flag_anomaly_mask);
  if (!r.has_timestamp) f |= flag_no_timestamp;
  if (r.caplen < r.origlen) f |= flag_truncated;
  if (p.anomalies > 1) f |= flag_more_anomalies;
  flags.push_back(f);
}

std::size_t packet_index::memory_bytes() const noexcept {
  return ts_ns.capacity() * 8 + offset.capacity() * 8 + caplen.capacity() * 4 +
         origlen.capacity() * 4 + flow.capacity() * 4 + interface.capacity() * 2 + top.capacity() +
         flags.capacity();
}

void index_builder::on_record(const capture::record& r) {
  dissect::dissect(r.data, r.link_type, pkt_, r.origlen);
  index_.push(r, pkt_);
  if (flows_) index_.flow.back() = flows_->track(r, pkt_).id;
  ++proto_counts_[static_cast<std::size_t>(pkt_.top())];
  if (pkt_.first_anomaly != dissect::anomaly::none) {
    ++anomaly_counts_[static_cast<std::size_t>(pkt_.first_anomaly)];
  }
  if (next_) next_->on_record(r);
}

}  // namespace pcapscope::index
