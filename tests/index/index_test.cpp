// The index: one 32-byte row per packet, filled while streaming, with no heap allocation per
// packet in steady state (checked with a counting global operator new).
#include <gtest/gtest.h>


#include "pcapscope/capture/reader.hpp"
#include "pcapscope/filter/filter.hpp"
#include "pcapscope/index/index.hpp"
#include "pcapscope/writer/writer.hpp"

#include "support/alloc_probe.hpp"

namespace {

using namespace pcapscope;

// An Ethernet/IPv4/TCP packet with `payload` bytes, or Ethernet/IPv6/UDP when `v6`.
std::vector<std::uint8_t> make_packet(std::uint32_t i, bool v6, std::size_t payload) {
  std::vector<std::uint8_t> b = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
  if (!v6) {
    b.insert(b.end(), {0x08, 0x00});
    std::size_t total = 20 + 20 + payload;
    b.insert(b.end(), {0x45, 0, static_cast<std::uint8_t>(total >> 8), static_cast<std::uint8_t>(total),
                       0, 1, 0x40, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, static_cast<std::uint8_t>(i >> 8),
                       static_cast<std::uint8_t>(i)});
    b.insert(b.end(), {0xc3, 0x50, 0x01, 0xbb, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x18, 0xff, 0xff, 0, 0, 0, 0});
  } else {
    b.insert(b.end(), {0x86, 0xdd});
    std::size_t plen = 8 + payload;
    b.insert(b.end(), {0x60, 0, 0, 0, static_cast<std::uint8_t>(plen >> 8), static_cast<std::uint8_t>(plen), 17, 64});
    for (int k = 0; k < 32; ++k) b.push_back(static_cast<std::uint8_t>(k == 15 || k == 31 ? 1 + (i & 1) : 0));
    b.insert(b.end(), {0x30, 0x39, 0x00, 0x35, static_cast<std::uint8_t>(plen >> 8), static_cast<std::uint8_t>(plen), 0, 0});
  }
  b.resize(b.size() + payload, 0x61);
  return b;
}

std::vector<std::uint8_t> make_capture(std::uint32_t n) {
  writer::vector_sink s;
  writer::pcap_writer w(s, 1, true);
  for (std::uint32_t i = 0; i < n; ++i) {
    auto pkt = make_packet(i, i % 3 == 0, 40 + (i * 37) % 1400);
    writer::packet p;
    p.ts_ns = 1700000000000000000 + std::int64_t{i} * 1000;
    p.data = pkt;
    w.write(p);
  }
  return s.out;
}

TEST(IndexTest, RowsDescribeEveryPacket) {
  auto cap = make_capture(300);
  index::index_builder b;
  capture::reader r(&b);
  r.feed(cap);
  r.finish();
  const auto& ix = b.index();
  ASSERT_EQ(ix.size(), 300u);
  EXPECT_EQ(ix.offset[0], 24u);
  EXPECT_EQ(ix.ts_ns[5], 1700000000000000000 + 5000);
  EXPECT_EQ(ix.top[0], static_cast<std::uint8_t>(dissect::proto::udp));
  EXPECT_EQ(ix.top[1], static_cast<std::uint8_t>(dissect::proto::tcp));
  EXPECT_EQ(ix.flags[1], 0u);
  EXPECT_EQ(b.protocol_counts()[static_cast<std::size_t>(dissect::proto::udp)], 100u);
  EXPECT_EQ(b.protocol_counts()[static_cast<std::size_t>(dissect::proto::tcp)], 200u);
  // Offsets chain: each record is 16 bytes of header plus its captured length.
  for (std::size_t i = 1; i < ix.size(); ++i) {
    EXPECT_EQ(ix.offset[i], ix.offset[i - 1] + 16 + ix.caplen[i - 1]);
  }
}

TEST(IndexTest, RowBudgetIs32Bytes) {
  static_assert(index::packet_index::row_bytes <= 32);
  auto cap = make_capture(1000);
  index::index_builder b;
  capture::reader r(&b);
  r.feed(cap);
  r.finish();
  auto ix = b.index();
  auto exact = ix.size() * index::packet_index::row_bytes;
  EXPECT_LE(exact, ix.size() * 32);
}

TEST(IndexTest, ColumnsGrowByBlocksWithoutMovingRows) {
  using col = index::column<std::uint32_t>;
  const std::size_t n = 2 * col::block_rows + 5;  // two full blocks and a partial one
  col c;
  c.push_back(7);
  const std::uint32_t* first = &c[0];
  for (std::size_t i = 1; i < n; ++i) c.push_back(static_cast<std::uint32_t>(i * 3));
  ASSERT_EQ(c.size(), n);
  EXPECT_EQ(&c[0], first);  // growing never moved stored rows (a std::vector would have)
  EXPECT_EQ(c[0], 7u);
  EXPECT_EQ(c[col::block_rows - 1], (col::block_rows - 1) * 3);
  EXPECT_EQ(c[col::block_rows], col::block_rows * 3);
  EXPECT_EQ(c.back(), (n - 1) * 3);
  // At most one block is partly filled.
  EXPECT_EQ(c.capacity(), 3 * col::block_rows);
  ASSERT_EQ(c.block_count(), 3u);
  EXPECT_EQ(c.block(0).size(), col::block_rows);
  EXPECT_EQ(c.block(2).size(), 5u);
  EXPECT_EQ(c.block(1)[0], col::block_rows * 3);
  EXPECT_EQ(c.block(2).back(), (n - 1) * 3);
  col d = c;
  EXPECT_TRUE(d == c);
  d[col::block_rows + 1] = 0;
  EXPECT_FALSE(d == c);
  d = c;  // copies again, into blocks of its own
  EXPECT_TRUE(d == c);
  EXPECT_NE(&d[0], &c[0]);
  col e;
  e.reserve(col::block_rows + 1);
  EXPECT_EQ(e.capacity(), 2 * col::block_rows);
  EXPECT_EQ(e.size(), 0u);
}

TEST(IndexTest, MemoryIsTheRowsRoundedUpToOneBlock) {
  constexpr std::uint32_t n = 70000;  // a full block and a partial one per column
  auto cap = make_capture(n);
  index::index_builder b;
  capture::reader r(&b);
  r.feed(cap);
  r.finish();
  const auto& ix = b.index();
  ASSERT_EQ(ix.size(), n);
  EXPECT_EQ(ix.memory_bytes(), 2 * index::column<std::uint8_t>::block_rows * index::packet_index::row_bytes);
  EXPECT_EQ(ix.ts_ns[n - 1], 1700000000000000000 + std::int64_t{n - 1} * 1000);
  EXPECT_EQ(ix.offset[n - 1], ix.offset[n - 2] + 16 + ix.caplen[n - 2]);
}

TEST(IndexTest, NoHeapAllocationPerPacket) {
  if (!test::alloc_probe::enabled()) GTEST_SKIP() << "allocation counting is off under sanitizers";
  constexpr std::uint32_t n = 20000;
  auto cap = make_capture(n);
  index::index_builder b;
  capture::reader r(&b);
  // Warm up on the first part (columns grow geometrically), then count on the rest.
  std::size_t half = cap.size() / 2;
  r.feed(util::bytes(cap.data(), half));
  test::alloc_probe probe;
  r.feed(util::bytes(cap.data() + half, cap.size() - half));
  r.finish();
  auto allocs = probe.count();
  ASSERT_EQ(b.index().size(), n);
  // A new block per column every 65,536 rows plus one buffered record across the split: a
  // handful, not one per packet (10,000 packets were indexed while counting).
  EXPECT_LE(allocs, 8u * 2 + 4) << allocs << " allocations for " << n / 2 << " packets";
}

TEST(IndexTest, HostileFramesGetAnomalyCodes) {
  // IPv4 with IHL 3: bogus header length, flagged in the row.
  std::vector<std::uint8_t> pkt = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x08, 0x00, 0x43, 0, 0, 20,
                                   0, 0, 0, 0, 64, 6, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8};
  writer::vector_sink s;
  writer::pcap_writer w(s, 1);
  writer::packet p;
  p.data = pkt;
  w.write(p);
  index::index_builder b;
  capture::reader r(&b);
  r.feed(s.out);
  r.finish();
  ASSERT_EQ(b.index().size(), 1u);
  EXPECT_EQ(b.index().flags[0] & index::flag_anomaly_mask,
            static_cast<std::uint8_t>(dissect::anomaly::ip_bogus_header_length));
  EXPECT_EQ(b.anomaly_counts()[static_cast<std::size_t>(dissect::anomaly::ip_bogus_header_length)], 1u);
}

}  // namespace

namespace {

using namespace pcapscope;

// Ethernet + IPv4 fragment of a UDP datagram (id 0x4242) carrying `payload`.
std::vector<std::uint8_t> ip_fragment(std::uint16_t offset_bytes, bool more, const std::vector<std::uint8_t>& payload) {
  std::vector<std::uint8_t> b = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x08, 0x00};
  std::size_t total = 20 + payload.size();
  std::uint16_t ff = static_cast<std::uint16_t>((more ? 0x2000 : 0) | (offset_bytes / 8));
  b.insert(b.end(), {0x45, 0, static_cast<std::uint8_t>(total >> 8), static_cast<std::uint8_t>(total), 0x42, 0x42,
                     static_cast<std::uint8_t>(ff >> 8), static_cast<std::uint8_t>(ff), 64, 17, 0, 0,
                     10, 0, 0, 1, 10, 0, 0, 2});
  b.insert(b.end(), payload.begin(), payload.end());
  return b;
}

TEST(IndexTest, FragmentedDatagramIsReassembledForTheRowAndTheFlow) {
  // A UDP datagram (8-byte header + 1992 bytes) to port 53 in two fragments, the last one first.
  std::vector<std::uint8_t> udp = {0x30, 0x39, 0x00, 0x35, 0x07, 0xd0, 0, 0};
  udp.resize(2000, 0x61);
  std::vector<std::uint8_t> first(udp.begin(), udp.begin() + 1480), rest(udp.begin() + 1480, udp.end());
  writer::vector_sink s;
  writer::pcap_writer w(s, 1);
  auto f2 = ip_fragment(1480, false, rest);
  auto f1 = ip_fragment(0, true, first);
  for (const auto* f : {&f2, &f1}) {
    writer::packet p;
    p.data = *f;
    w.write(p);
  }
  // What the flow tracker saw of each record, read by a handler chained behind the builder.
  struct flow_record_sizes : capture::handler {
    const index::index_builder* b = nullptr;
    std::vector<std::size_t> sizes;
    dissect::packet last;
    void on_record(const capture::record&) override {
      sizes.push_back(b->last_flow_record().data.size());
      last = b->last_packet();
    }
  } seen;
  flow::flow_tracker flows;
  index::index_builder b(&seen, &flows);
  seen.b = &b;
  capture::reader r(&b);
  r.feed(s.out);
  r.finish();
  const auto& ix = b.index();
  ASSERT_EQ(ix.size(), 2u);
  EXPECT_EQ(ix.flow[0], 0u);  // waiting for the rest: no flow yet
  EXPECT_NE(ix.flow[1], 0u);  // completes the datagram: counted once in its UDP flow
  EXPECT_EQ(ix.top[1], static_cast<std::uint8_t>(dissect::proto::udp));
  EXPECT_NE(ix.flags[1] & index::flag_reassembled, 0);
  EXPECT_EQ(ix.flags[0] & index::flag_reassembled, 0);
  EXPECT_EQ(b.defrag_counters().completed, 1u);
  EXPECT_EQ(seen.sizes, (std::vector<std::size_t>{f2.size(), udp.size()}));  // fragment, then datagram
  // The merged packet (eth, the first fragment's ip, the reassembled udp) has its summary: the
  // ip header (MF set) is that of a fragment, so the packet is irregular.
  EXPECT_EQ(seen.last.count, 3u);
  EXPECT_EQ(seen.last.net, 1u);
  EXPECT_EQ(seen.last.transport, 2u);
  EXPECT_EQ(seen.last.ip_headers, 1u);
  EXPECT_TRUE(seen.last.irregular);
  EXPECT_EQ(seen.last.top(), dissect::proto::udp);
  // The filter does not answer layer tests from a reassembled row's top protocol.
  filter::filter f;
  filter::error err;
  ASSERT_TRUE(filter::filter::compile("udp", f, err));
  EXPECT_EQ(f.matches_index(filter::row_from_index(ix, 1)), filter::verdict::unknown);
}

}  // namespace
