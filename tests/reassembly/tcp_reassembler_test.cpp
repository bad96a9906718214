// TCP reassembly of many flows in one pass: a stream given up by a flow that ended and reused
// by a later one, and a FIN taken without the general path, change nothing in what is
// delivered or counted.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "pcapscope/reassembly/tcp_stream.hpp"

namespace {

using namespace pcapscope;
using namespace pcapscope::reassembly;

// Per flow (as the reassembler names it while calling): bytes with gaps as "<gap N>", missed
// bytes, tags and end reasons.
class per_flow : public stream_consumer {
 public:
  explicit per_flow(const tcp_reassembler* r = nullptr) : r_(r) {}
  void set(const tcp_reassembler* r) { r_ = r; }
  struct flow {
    std::string text[2];
    std::uint64_t missed[2] = {};
    std::vector<std::uint64_t> tags[2];
    std::string ends;  // "<dir>:<reason>" per close, in order
  };
  void on_data(int dir, util::bytes data, std::uint64_t tag) override {
    auto& f = flows[r_->current_flow()];
    f.text[dir].append(reinterpret_cast<const char*>(data.data()), data.size());
    f.tags[dir].push_back(tag);
  }
  void on_gap(int dir, std::uint64_t length, std::uint64_t) override {
    flows[r_->current_flow()].text[dir] += "<gap " + std::to_string(length) + ">";
  }
  void on_missed(int dir, std::uint64_t length) override { flows[r_->current_flow()].missed[dir] += length; }
  void on_close(int dir, stream_end reason) override {
    flows[r_->current_flow()].ends += std::to_string(dir) + ":" + stream_end_name(reason) + " ";
  }
  std::map<std::uint32_t, flow> flows;

 private:
  const tcp_reassembler* r_;
};

struct segment {
  std::uint32_t flow;
  int dir;
  tcp_segment_view v;
};

// One connection of flow `id`: handshake, a few segments of data each way (some lost, resent,
// early, or cut short), FINs (some with data, some past a hole, some missing) or a RST, and the
// last ACK; or, now and then, a handshake alone.
std::vector<segment> connection(std::mt19937& rng, std::uint32_t id, const std::string& bytes) {
  auto rnd = [&](std::size_t n) { return static_cast<std::uint32_t>(rng() % n); };
  std::vector<segment> out;
  const std::uint32_t isn[2] = {static_cast<std::uint32_t>(rng()), static_cast<std::uint32_t>(rng())};
  std::uint32_t next[2] = {isn[0] + 1, isn[1] + 1};
  auto add = [&](int dir, std::uint32_t seq, std::uint16_t flags, std::uint32_t len, std::size_t cut) {
    segment g{id, dir, {}};
    g.v.seq = seq;
    g.v.ack = next[1 - dir];
    g.v.flags = flags;
    g.v.wire_len = len;
    g.v.data = util::bytes(reinterpret_cast<const std::uint8_t*>(bytes.data()) + (seq - isn[dir]) % 500, cut);
    g.v.tag = out.size() + 1;
    out.push_back(g);
  };
  add(0, isn[0], tcp_syn, 0, 0);
  add(1, isn[1], tcp_syn | tcp_ack, 0, 0);
  add(0, next[0], tcp_ack, 0, 0);
  if (rnd(10) == 0) return out;
  const int n = static_cast<int>(rnd(8));
  for (int i = 0; i < n; ++i) {
    const int dir = static_cast<int>(rnd(2));
    const std::uint32_t len = 1 + rnd(40);
    const std::uint32_t kind = rnd(20);
    if (kind == 0) {  // lost
      next[dir] += len;
      continue;
    }
    if (kind == 1) {  // the next one comes first, then this one
      add(dir, next[dir] + len, tcp_ack, 7, 7);
      add(dir, next[dir], tcp_ack, len, len);
      next[dir] += len + 7;
      continue;
    }
    add(dir, next[dir], tcp_ack, len, kind == 2 ? rnd(len) : len);  // kind 2: cut by the snap length
    if (kind == 3) add(dir, next[dir], tcp_ack, len, len);            // resent
    next[dir] += len;
    if (rnd(3) == 0) add(1 - dir, next[1 - dir], tcp_ack, 0, 0);       // a pure ACK
  }
  if (rnd(8) == 0) {
    add(static_cast<int>(rnd(2)), next[0], tcp_rst | tcp_ack, 0, 0);
    return out;
  }
  for (int k = 0; k < 2; ++k) {
    const int dir = rnd(2) ? k : 1 - k;
    if (rnd(12) == 0) continue;  // never sent its FIN
    const std::uint32_t len = rnd(3) == 0 ? 1 + rnd(20) : 0;
    const std::uint32_t hole = rnd(10) == 0 ? 1 + rnd(5) : 0;
    add(dir, next[dir] + hole, tcp_fin | tcp_ack, len, len);
    next[dir] += hole + len + 1;
  }
  add(static_cast<int>(rnd(2)), next[0], tcp_ack, 0, 0);
  return out;
}

// Many connections interleaved through one reassembler (streams that ended reused by later
// flows) give, flow by flow, what each gives alone through a reassembler of its own.
TEST(TcpReassemblerTest, ReusedStreamsActAsNew) {
  std::mt19937 rng(77);
  std::string bytes(600, 'x');
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>('A' + i % 53);
  for (int round = 0; round < 40; ++round) {
    tcp_limits l;
    l.recheck_window = round % 2 ? 64 : 0;
    // A few hundred connections, at most ~8 open at once: the later ones get reused streams.
    std::vector<std::vector<segment>> conns;
    for (std::uint32_t id = 1; id <= 300; ++id) conns.push_back(connection(rng, id, bytes));
    std::vector<segment> all;
    std::vector<std::size_t> at(conns.size(), 0);
    std::size_t first = 0;
    while (first < conns.size()) {
      const std::size_t c = first + rng() % std::min<std::size_t>(8, conns.size() - first);
      if (at[c] < conns[c].size()) all.push_back(conns[c][at[c]++]);
      while (first < conns.size() && at[first] == conns[first].size()) ++first;
    }
    per_flow shared_out;
    tcp_reassembler shared(&shared_out, l);
    shared_out.set(&shared);
    for (const auto& g : all) shared.add(g.flow, g.dir, g.v);
    // Streams of flows that ended during the pass were there for the flows after them.
    int ended = 0;
    for (const auto& [id, f] : shared_out.flows) ended += std::count(f.ends.begin(), f.ends.end(), ':') == 2;
    EXPECT_GT(ended, 100) << "round " << round;
    shared.finish();

    per_flow alone_out;
    tcp_stream_counters sum;
    for (const auto& conn : conns) {
      tcp_reassembler alone(&alone_out, l);
      alone_out.set(&alone);
      for (const auto& g : conn) alone.add(g.flow, g.dir, g.v);
      alone.finish();
      sum.add(alone.counters());
    }
    ASSERT_EQ(shared_out.flows.size(), alone_out.flows.size()) << "round " << round;
    for (const auto& [id, f] : alone_out.flows) {
      const auto& s = shared_out.flows[id];
      for (int d = 0; d < 2; ++d) {
        ASSERT_EQ(s.text[d], f.text[d]) << "round " << round << " flow " << id;
        ASSERT_EQ(s.tags[d], f.tags[d]) << "round " << round << " flow " << id;
        ASSERT_EQ(s.missed[d], f.missed[d]) << "round " << round << " flow " << id;
      }
      ASSERT_EQ(s.ends, f.ends) << "round " << round << " flow " << id;
    }
    const tcp_stream_counters c = shared.counters();
    EXPECT_EQ(c.segments, sum.segments) << "round " << round;
    EXPECT_EQ(c.segments, all.size()) << "round " << round;
    EXPECT_EQ(c.bytes_delivered, sum.bytes_delivered) << "round " << round;
    EXPECT_EQ(c.out_of_order, sum.out_of_order) << "round " << round;
    EXPECT_EQ(c.retransmissions, sum.retransmissions) << "round " << round;
    EXPECT_EQ(c.overlaps, sum.overlaps) << "round " << round;
    EXPECT_EQ(c.overlap_conflicts, sum.overlap_conflicts) << "round " << round;
    EXPECT_EQ(c.gaps, sum.gaps) << "round " << round;
    EXPECT_EQ(c.gap_bytes, sum.gap_bytes) << "round " << round;
    EXPECT_EQ(c.missed_bytes, sum.missed_bytes) << "round " << round;
    EXPECT_EQ(c.after_close, sum.after_close) << "round " << round;
    EXPECT_EQ(c.before_start, sum.before_start) << "round " << round;
    EXPECT_EQ(shared.budget().used, 0u) << "round " << round;
    EXPECT_EQ(shared.open_streams(), 0u) << "round " << round;
  }
}

// A FIN on a healthy direction (taken without the general path) ends that direction only
// once its bytes are in, and nothing the direction sends after it is delivered.
TEST(TcpReassemblerTest, FinEndsItsDirectionAndBytesAfterItAreIgnored) {
  per_flow out;
  tcp_reassembler r(&out);
  out.set(&r);
  auto seg = [](std::uint32_t seq, std::uint16_t flags, const char* data, std::uint32_t ack = 0) {
    tcp_segment_view v;
    v.seq = seq;
    v.ack = ack;
    v.flags = flags;
    v.wire_len = static_cast<std::uint32_t>(std::char_traits<char>::length(data));
    v.data = util::bytes(reinterpret_cast<const std::uint8_t*>(data), v.wire_len);
    return v;
  };
  r.add(1, 0, seg(100, tcp_syn, ""));
  r.add(1, 1, seg(500, tcp_syn | tcp_ack, "", 101));
  r.add(1, 0, seg(101, tcp_ack, "hello ", 501));
  r.add(1, 0, seg(107, tcp_fin | tcp_ack, "world", 501));
  EXPECT_EQ(out.flows[1].ends, "0:fin ");
  EXPECT_EQ(r.open_streams(), 1u);
  // After the FIN (at the FIN octet's place, and past it): counted, not delivered.
  r.add(1, 0, seg(112, tcp_ack, "late", 501));
  r.add(1, 0, seg(113, tcp_ack, "later", 501));
  r.add(1, 1, seg(501, tcp_ack, "reply", 113));
  r.add(1, 1, seg(506, tcp_fin | tcp_ack, "", 113));
  EXPECT_EQ(out.flows[1].text[0], "hello world");
  EXPECT_EQ(out.flows[1].text[1], "reply");
  EXPECT_EQ(out.flows[1].ends, "0:fin 1:fin ");
  EXPECT_EQ(r.open_streams(), 0u);
  const auto c = r.counters();
  EXPECT_EQ(c.segments, 8u);
  EXPECT_EQ(c.after_close, 2u);
  EXPECT_EQ(c.bytes_delivered, 16u);
}

}  // namespace
