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

void packet_index::make_room() {
  const std::size_t n = size();
  const std::size_t k = n >> column<std::uint8_t>::block_shift;
  std::size_t room = (k + 1) << column<std::uint8_t>::block_shift;  // the end of the block of row n
  auto grow = [&](auto& c) {
    if (c.size() == c.capacity()) c.reserve(c.size() + 1);
    room = std::min(room, c.capacity());
    return c.blocks_[k].get();
  };
  at_.ts_ns = grow(ts_ns);
  at_.offset = grow(offset);
  at_.caplen = grow(caplen);
  at_.origlen = grow(origlen);
  at_.flow = grow(flow);
  at_.interface = grow(interface);
  at_.top = grow(top);
  at_.flags = grow(flags);
  at_.room = room;
}

std::size_t packet_index::memory_bytes() const noexcept {
  return ts_ns.capacity() * 8 + offset.capacity() * 8 + caplen.capacity() * 4 +
         origlen.capacity() * 4 + flow.capacity() * 4 + interface.capacity() * 2 + top.capacity() +
         flags.capacity();
}

const dissect::packet* fragment_merger::add(const capture::record& r, const dissect::packet& p,
                                            const capture::record*& rec) {
  rec = &r;
  if (!reassembly::find_fragment(p, r.data, frag_)) return &p;
  frag_.ts_ns = r.ts_ns;
  if (defrag_.add(frag_) != reassembly::defrag_status::complete) return nullptr;
  // Outer layers up to the fragmenting IP header, then the reassembled transport.
  dissect::dissect_transport(defrag_.datagram(), defrag_.datagram_proto(), inner_);
  merged_.count = 0;
  for (std::size_t i = 0; i <= frag_.layer && i < dissect::max_layers; ++i) merged_.layers[merged_.count++] = p.layers[i];
  for (std::size_t i = 0; i < inner_.count && merged_.count < dissect::max_layers; ++i) {
    merged_.layers[merged_.count++] = inner_.layers[i];
  }
  merged_.first_anomaly = p.first_anomaly != dissect::anomaly::none ? p.first_anomaly : inner_.first_anomaly;
  merged_.anomaly_offset = p.first_anomaly != dissect::anomaly::none ? p.anomaly_offset : 0;
  merged_.anomalies = static_cast<std::uint8_t>(std::min(255, p.anomalies + inner_.anomalies));
  if (defrag_.datagram_had_conflict()) {
    if (merged_.anomalies == 0) merged_.first_anomaly = dissect::anomaly::ip_fragment_overlap;
    if (merged_.anomalies < 255) ++merged_.anomalies;
  }
  merged_.payload_offset = inner_.payload_offset;  // into the datagram, as flow_rec.data
  merged_.payload_length = inner_.payload_length;
  merged_.frame_length = p.frame_length;
  dissect::summarize(merged_);
  reassembled_rec_ = r;
  reassembled_rec_.data = defrag_.datagram();
  rec = &reassembled_rec_;
  return &merged_;
}

void index_builder::on_record(const capture::record& r) {
  dissect::dissect(r.data, r.link_type, pkt_, r.origlen);
  const dissect::packet* seen = &pkt_;  // what the row and the flow tracker see
  last_rec_ = &r;  // the record as the flow tracker sees it (replaced below by a reassembly)
  bool to_flows = flows_ != nullptr;
  // Only an irregular packet can be a fragment: most packets skip the call.
  if (pkt_.irregular) {
    seen = merger_.add(r, pkt_, last_rec_);
    if (!seen) {  // a fragment of a datagram still incomplete
      seen = &pkt_;
      to_flows = false;
    }
  }
  last_seen_ = seen;
  last_track_ = {};
  if (to_flows) last_track_ = flows_->track(*last_rec_, *seen);
  index_.push(r, *seen, last_track_.id, seen != &pkt_ ? flag_reassembled : 0);
  ++proto_counts_[static_cast<std::size_t>(seen->top())];
  if (seen->first_anomaly != dissect::anomaly::none) {
    ++anomaly_counts_[static_cast<std::size_t>(seen->first_anomaly)];
  }
  if (next_) next_->on_record(r);
}

}  // namespace pcapscope::index
