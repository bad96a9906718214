// Follow stream: re-reads one flow's packets through the index and reassembles them (see
// reassembly/follow.hpp).
#include "pcapscope/reassembly/follow.hpp"

#include <algorithm>

#include "pcapscope/reassembly/ip_defrag.hpp"

namespace pcapscope::reassembly {

namespace {

// Turns the stream's callbacks into follow pieces.
class piece_adapter final : public stream_consumer {
 public:
  piece_adapter(follow_handler& out, follow_summary& s) : out_(out), s_(s) {}
  void on_data(int dir, util::bytes data, std::uint64_t tag) override {
    s_.bytes[dir] += data.size();
    out_.on_segment({static_cast<std::uint8_t>(dir), false, tag, data.size()}, data);
  }
  void on_gap(int dir, std::uint64_t length, std::uint64_t tag) override {
    out_.on_segment({static_cast<std::uint8_t>(dir), true, tag, length}, {});
  }
  void on_close(int dir, stream_end reason) override { s_.end[dir] = reason; }

 private:
  follow_handler& out_;
  follow_summary& s_;
};

// Keeps the pieces in a follow_result, merging consecutive bytes of one direction and packet.
class collector final : public follow_handler {
 public:
  explicit collector(follow_result& r) : r_(r) {}
  void on_segment(const follow_segment& s, util::bytes data) override {
    if (!s.gap && !r_.segments.empty()) {
      auto& last = r_.segments.back();
      if (!last.gap && last.dir == s.dir && last.packet == s.packet) {
        last.length += data.size();
        r_.data.insert(r_.data.end(), data.begin(), data.end());
        return;
      }
    }
    r_.segments.push_back(s);
    r_.offsets.push_back(r_.data.size());
    r_.data.insert(r_.data.end(), data.begin(), data.end());
  }

 private:
  follow_result& r_;
};

// Rebuilds the IP datagram completed by row `row` (dissected into `pkt` from `data`): re-reads
// the fragment rows before it (flow id 0, within the reassembly timeout) into a fresh
// defragmenter, then adds this packet's fragment. On success `merged` holds the outer layers
// plus the reassembled transport and `datagram` its bytes.
bool rebuild_datagram(const capture::reader& rd, capture::random_access_source& src, const index::packet_index& ix,
                      std::size_t row, const dissect::packet& pkt, util::bytes data, dissect::packet& merged,
                      std::vector<std::uint8_t>& datagram) {
  fragment fr;
  if (!find_fragment(pkt, data, fr)) return false;
  defrag_limits lim;
  std::vector<std::size_t> rows;
  for (std::size_t j = row; j-- > 0 && rows.size() < 4096;) {
    if (ix.ts_ns[j] < ix.ts_ns[row] - lim.timeout_ns) break;
    if (ix.flow[j] == 0) rows.push_back(j);
  }
  std::reverse(rows.begin(), rows.end());
  ip_defragmenter df(lim);
  std::vector<std::uint8_t> scratch;
  capture::record r;
  std::string err;
  auto p = std::make_unique<dissect::packet>();
  fragment other;
  for (std::size_t j : rows) {
    if (!rd.read_at(ix.offset[j], src, scratch, r, err)) continue;
    dissect::dissect(r.data, r.link_type, *p, r.origlen);
    if (!find_fragment(*p, r.data, other)) continue;
    if (other.family != fr.family || other.id != fr.id || other.src != fr.src || other.dst != fr.dst) continue;
    other.ts_ns = r.ts_ns;
    df.add(other);
  }
  fr.ts_ns = ix.ts_ns[row];
  if (df.add(fr) != defrag_status::complete) return false;
  datagram.assign(df.datagram().begin(), df.datagram().end());
  dissect::dissect_transport(datagram, df.datagram_proto(), *p);
  merged.count = 0;
  for (std::size_t i = 0; i <= fr.layer && i < dissect::max_layers; ++i) merged.layers[merged.count++] = pkt.layers[i];
  for (std::size_t i = 0; i < p->count && merged.count < dissect::max_layers; ++i) merged.layers[merged.count++] = p->layers[i];
  merged.payload_offset = p->payload_offset;
  merged.payload_length = p->payload_length;
  merged.frame_length = pkt.frame_length;
  dissect::summarize(merged);
  return true;
}

}  // namespace

tcp_limits follow_limits() noexcept {
  tcp_limits l;
  l.recheck_window = 2048;
  return l;
}

bool follow_flow(const capture::reader& rd, capture::random_access_source& src, const index::packet_index& ix,
                 const flow::flow_tracker& flows, std::uint32_t flow_id, follow_handler& out,
                 follow_summary& summary, std::string& error, const tcp_limits& limits) {
  summary = {};
  if (flow_id == 0 || flow_id > flows.size()) {
    error = "no flow " + std::to_string(flow_id) + " (the capture has " + std::to_string(flows.size()) + ")";
    return false;
  }
  const flow::flow_record& f = flows.get(flow_id);
  summary.proto = f.proto();
  const bool tcp = f.proto() == flow::ip_proto_tcp;
  piece_adapter adapter(out, summary);
  tcp_budget budget;
  tcp_stream stream(&adapter, limits, &budget);
  std::vector<std::uint8_t> scratch, datagram;
  capture::record rec;
  std::string err;
  auto pkt = std::make_unique<dissect::packet>();
  auto merged = std::make_unique<dissect::packet>();
  for (std::size_t i = 0; i < ix.size(); ++i) {
    if (ix.flow[i] != flow_id) continue;
    ++summary.packets;
    if (!rd.read_at(ix.offset[i], src, scratch, rec, err)) {
      ++summary.unreadable;
      continue;
    }
    dissect::dissect(rec.data, rec.link_type, *pkt, rec.origlen);
    const dissect::packet* seen = pkt.get();
    util::bytes data = rec.data;
    if (ix.flags[i] & index::flag_reassembled) {
      if (!rebuild_datagram(rd, src, ix, i, *pkt, rec.data, *merged, datagram)) {
        ++summary.unreadable;
        continue;
      }
      seen = merged.get();
      data = datagram;
    }
    flow::flow_key k;
    bool side0 = true, one_way = false;
    if (!flow::make_key(*seen, k, side0, one_way) || !(k == f.key)) {
      ++summary.unreadable;
      continue;
    }
    const int dir = (side0 ? 0 : 1) == f.side(0) ? 0 : 1;
    const std::uint64_t number = i + 1;
    transport_view tv;
    bool has_transport = find_transport(*seen, data, tv);
    if (tcp) {
      if (!has_transport || tv.proto != flow::ip_proto_tcp) continue;
      tv.tcp.tag = number;
      stream.add(dir, tv.tcp);
      continue;
    }
    util::bytes payload = tv.payload;
    if (!has_transport) {
      if (seen->payload_offset < data.size()) {
        payload = data.subspan(seen->payload_offset,
                               std::min<std::size_t>(seen->payload_length, data.size() - seen->payload_offset));
      }
    }
    if (payload.empty()) continue;
    summary.bytes[dir] += payload.size();
    out.on_segment({static_cast<std::uint8_t>(dir), false, number, payload.size()}, payload);
  }
  if (tcp) {
    stream.finish();
    summary.counters = stream.counters();
  }
  return true;
}

bool follow_flow(const capture::reader& rd, capture::random_access_source& src, const index::packet_index& ix,
                 const flow::flow_tracker& flows, std::uint32_t flow_id, follow_result& out, std::string& error,
                 const tcp_limits& limits) {
  out = {};
  collector c(out);
  return follow_flow(rd, src, ix, flows, flow_id, c, out.summary, error, limits);
}

}  // namespace pcapscope::reassembly
