// The flow tracker reads a packet's layer summary (dissect::packet::net, transport, vlan,
// tunnel, ip_headers, irregular) instead of walking its layers: on every packet of the shared
// corpus, as the index builder hands packets to the tracker (IP-reassembled ones included), the
// summary must give the key, direction and `flow_layered` the walk gives, and the tracker (whose
// plain TCP/UDP packets take a path of their own) must put the packet in the flow and direction
// of the walk's key; and a summary that disagrees with the layers must be caught by the check.
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "pcapscope/capture/file.hpp"
#include "pcapscope/flow/flow.hpp"
#include "pcapscope/index/index.hpp"
#include "support/test_support.hpp"

namespace {

using namespace pcapscope;
using dissect::packet;

TEST(FlowSummaryScan, SummaryGivesTheKeysOfTheLayersOnTheCorpus) {
  auto corpus = test::corpus_dir();
  if (!corpus) GTEST_SKIP() << "corpus not present";
  // Chained behind the index builder: sees each packet as the tracker saw it.
  struct checker : capture::handler {
    const index::index_builder* b = nullptr;
    const flow::flow_tracker* tracker = nullptr;
    std::string file;
    std::uint64_t packets = 0, keyed = 0, layered = 0, vlan = 0, vni = 0, icmp_one_way = 0, reassembled = 0;
    std::uint64_t tracked = 0, mismatches = 0, flow_mismatches = 0;
    void on_record(const capture::record& r) override {
      const packet& p = b->last_packet();
      ++packets;
      flow::flow_key k;
      bool side0 = false, one_way = false;
      if (flow::make_key(p, k, side0, one_way)) {
        ++keyed;
        vlan += (k.ctx & flow::ctx_has_vlan) != 0;
        vni += (k.ctx & flow::ctx_has_vni) != 0;
        icmp_one_way += one_way;
        // Fragments still waiting for the rest of their datagram are not tracked (id 0).
        if (const flow::track_result& t = b->last_track(); t.id != 0) {
          ++tracked;
          const flow::flow_record& f = tracker->get(t.id);
          if ((!(f.key == k) || f.side(t.from_orig ? 0 : 1) != (side0 ? 0 : 1)) && ++flow_mismatches <= 5) {
            ADD_FAILURE() << file << ": the tracker's flow or direction is not the layers' at record offset "
                          << r.record_offset;
          }
        }
      }
      layered += !flow::plain_ip_packet(p);
      reassembled += (b->index().flags.back() & index::flag_reassembled) != 0;
      if (!flow::summary_matches_layers(p) && ++mismatches <= 5) {
        ADD_FAILURE() << file << ": the summary disagrees with the layers at record offset " << r.record_offset;
      }
    }
  } c;
  test::for_each_corpus_capture(*corpus, [&](const std::string& name, capture::capture_file& f) {
    flow::flow_tracker tracker;
    index::index_builder b(&c, &tracker);
    c.b = &b;
    c.tracker = &tracker;
    c.file = name;
    f.read_all(&b);
  });
  EXPECT_EQ(c.mismatches, 0u);
  EXPECT_EQ(c.flow_mismatches, 0u);
  // The corpus has the cases the summary must get right: VLANs, VXLAN/Geneve, layered packets
  // (tunnels, ICMP errors, fragments), one-way ICMP, reassembled datagrams.
  EXPECT_GT(c.packets, 10000u);
  EXPECT_GT(c.keyed, 10000u);
  EXPECT_GT(c.tracked, 10000u);
  EXPECT_GT(c.layered, 0u);
  EXPECT_GT(c.vlan, 0u);
  EXPECT_GT(c.vni, 0u);
  EXPECT_GT(c.icmp_one_way, 0u);
  EXPECT_GT(c.reassembled, 0u);
  std::cout << c.packets << " packets, " << c.keyed << " with a flow key (" << c.vlan << " VLAN, " << c.vni
            << " VNI, " << c.icmp_one_way << " one-way ICMP), " << c.layered << " layered, " << c.reassembled
            << " reassembled\n";
}

// Ethernet + 802.1Q (VLAN 7) + IPv4 + TCP 40000 -> 443, no payload.
std::vector<std::uint8_t> vlan_tcp() {
  std::vector<std::uint8_t> b(12, 2);
  for (unsigned x : {0x81u, 0x00u, 0x00u, 0x07u, 0x08u, 0x00u}) b.push_back(static_cast<std::uint8_t>(x));
  const std::uint8_t ip[20] = {0x45, 0, 0, 40, 0, 1, 0x40, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2};
  b.insert(b.end(), ip, ip + 20);
  const std::uint8_t tcp[20] = {0x9c, 0x40, 0x01, 0xbb, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0};
  b.insert(b.end(), tcp, tcp + 20);
  return b;
}

TEST(FlowSummaryScan, StaleSummaryIsCaught) {
  const auto bytes = vlan_tcp();
  packet good;
  dissect::dissect(bytes, 1, good);
  ASSERT_EQ(good.count, 4);
  ASSERT_TRUE(flow::summary_matches_layers(good));
  flow::flow_key k;
  bool side0 = false, one_way = false;
  ASSERT_TRUE(flow::make_key(good, k, side0, one_way));
  EXPECT_EQ(k.vlan(), 7);
  EXPECT_EQ(k.proto(), flow::ip_proto_tcp);

  packet p = good;
  p.vlan = packet::no_layer;  // the key would lose its VLAN
  EXPECT_FALSE(flow::summary_matches_layers(p));
  p = good;
  p.net = packet::no_layer;  // no flow at all
  EXPECT_FALSE(flow::summary_matches_layers(p));
  p = good;
  p.net = 0;  // the Ethernet header as the IP header
  EXPECT_FALSE(flow::summary_matches_layers(p));
  p = good;
  p.irregular = true;  // flow_layered
  EXPECT_FALSE(flow::summary_matches_layers(p));
  p = good;
  p.ip_headers = 2;
  EXPECT_FALSE(flow::summary_matches_layers(p));
  p = good;
  p.tunnel = 1;  // a VNI (from the VLAN layer's bytes) the packet does not have
  EXPECT_FALSE(flow::summary_matches_layers(p));
  // A packet put together by hand and then summarized agrees again.
  dissect::summarize(p);
  EXPECT_TRUE(flow::summary_matches_layers(p));
}

}  // namespace
