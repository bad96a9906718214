// Followed TCP streams against `tshark -q -z follow,tcp,raw,N` on corpus captures, computed at
// test time (skipped without tshark or corpus): per direction the bytes must be identical, and
// the number of direction switches too. Known differences (docs/reassembly.md) are avoided by
// the choice of captures. tshark's stream N is matched to our flow by the
// endpoints in its "Node 0/1" header (the i-th stream of a 5-tuple to our i-th flow of it).
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "pcapscope/capture/file.hpp"
#include "pcapscope/flow/flow.hpp"
#include "pcapscope/index/index.hpp"
#include "pcapscope/reassembly/follow.hpp"
#include "support/test_support.hpp"

namespace {

using namespace pcapscope;
using test::have_tshark;



// One followed stream: its endpoints and its chunks (direction 0 = node 0), hex-encoded.
struct followed {
  std::string node[2];
  std::vector<std::pair<int, std::string>> chunks;
  std::string bytes(int dir) const {
    std::string s;
    for (const auto& c : chunks)
      if (c.first == dir) s += c.second;
    return s;
  }
  // Direction switches: consecutive chunks of one direction merged.
  std::vector<std::pair<int, std::string>> merged() const {
    std::vector<std::pair<int, std::string>> m;
    for (const auto& c : chunks) {
      if (!m.empty() && m.back().first == c.first) m.back().second += c.second;
      else m.push_back(c);
    }
    return m;
  }
};

// " bytes missing in capture file]" in hex.
const std::string missing_hex = "206279746573206d697373696e6720696e20636170747572652066696c655d";

std::vector<followed> tshark_streams(const std::string& path, int count) {
  std::string cmd = "tshark -n -q -r '" + path + "'";
  for (int i = 0; i < count; ++i) cmd += " -z follow,tcp,raw," + std::to_string(i);
  cmd += " 2>/dev/null";
  std::istringstream in(test::command_output(cmd));
  std::vector<followed> out;
  std::string line;
  followed* cur = nullptr;
  while (std::getline(in, line)) {
    if (line.rfind("Follow: tcp", 0) == 0) {
      out.emplace_back();
      cur = &out.back();
    } else if (!cur || line.rfind("=====", 0) == 0 || line.rfind("Filter:", 0) == 0) {
      continue;
    } else if (line.rfind("Node 0: ", 0) == 0) {
      cur->node[0] = line.substr(8);
    } else if (line.rfind("Node 1: ", 0) == 0) {
      cur->node[1] = line.substr(8);
    } else if (!line.empty()) {
      bool server = line[0] == '\t';
      std::string h = server ? line.substr(1) : line;
      // tshark writes a hole as the text "[N bytes missing in capture file]"; we deliver a
      // gap piece instead: both are left out of the comparison.
      if (h.rfind("5b", 0) == 0 && h.find(missing_hex) != std::string::npos) continue;
      cur->chunks.emplace_back(server ? 1 : 0, h);
    }
  }
  return out;
}

std::string endpoint(const flow::flow_record& f, int d) {
  std::string a = flow::format_address(f.addr(d), f.key.ipv6());
  if (f.key.ipv6()) a = "[" + a + "]";
  return a + ":" + std::to_string(f.port(d));
}

std::string pair_key(std::string a, std::string b) {
  if (b < a) std::swap(a, b);
  return a + " " + b;
}

std::string hex(util::bytes b) {
  static const char* d = "0123456789abcdef";
  std::string s;
  for (auto x : b) {
    s += d[x >> 4];
    s += d[x & 15];
  }
  return s;
}

struct case_ {
  const char* file;
  std::size_t max_byte_mismatches;    // directions whose bytes differ (see below)
  std::size_t max_switch_mismatches;  // streams whose direction switches differ
};

TEST(FollowTsharkTest, TcpStreamsMatchTsharkFollow) {
  auto dir = test::corpus_dir();
  if (!dir) GTEST_SKIP() << "corpus not present";
  if (!have_tshark()) GTEST_SKIP() << "tshark not installed";
  const case_ cases[] = {
      {"dpkt/examples__data__nb6-http.pcap", 0, 0},
      {"ndpi/tests__cfgs__default__pcap__ftp.pcap", 0, 0},
      {"ndpi/tests__cfgs__default__pcap__git.pcap", 0, 0},
      {"ndpi/tests__cfgs__default__pcap__443-curl.pcap", 0, 0},
      {"suricata-verify/tests__smtp-data-rejected__10.7.29.101_49898-178.63.41.150_25.pcap", 0, 0},
      {"suricata-verify/tests__filestore-filecontainer-http__filecontainer-http.pcap", 0, 0},
      {"ja4/tls-sni.pcapng", 0, 0},
      {"arkime/tests__pcap__arkime_synthetic.pcap", 0, 0},
      // A refused attempt (SYN, RST) retried in the same flow, and many retransmissions.
      {"ndpi/tests__cfgs__default__pcap__rtsp.pcap", 0, 0},
      // Streams picked up mid-way (tshark's "[1 bytes missing in capture file]" marker).
      {"ndpi/tests__cfgs__default__pcap__anyconnect-vpn.pcap", 0, 0},
  };
  // More files (corpus-relative, ':'-separated) can be checked ad hoc with
  // PCAPSCOPE_FOLLOW_EXTRA=dir/a.pcap:dir/b.pcap (no mismatch allowed).
  std::vector<case_> all(std::begin(cases), std::end(cases));
  std::vector<std::string> extra;
  if (const char* e = std::getenv("PCAPSCOPE_FOLLOW_EXTRA")) {
    std::string list = e;
    for (std::size_t a = 0; a < list.size();) {
      std::size_t b = list.find(':', a);
      if (b == std::string::npos) b = list.size();
      if (b > a) extra.push_back(list.substr(a, b - a));
      a = b + 1;
    }
  }
  for (const auto& x : extra) all.push_back({x.c_str(), 0, 0});
  std::size_t compared = 0;
  for (const auto& c : all) {
    auto path = (*dir / c.file).string();
    if (!std::filesystem::exists(path)) continue;
    SCOPED_TRACE(c.file);
    std::string err;
    auto file = capture::capture_file::open(path, err);
    ASSERT_TRUE(file) << err;
    flow::flow_tracker tracker;
    index::index_builder b(nullptr, &tracker);
    file->read_all(&b);
    // Our TCP flows by endpoint pair, in id order.
    std::map<std::string, std::vector<std::uint32_t>> ours;
    int tcp_flows = 0;
    for (std::uint32_t id = 1; id <= tracker.size(); ++id) {
      const auto& f = tracker.get(id);
      if (f.proto() != flow::ip_proto_tcp) continue;
      ++tcp_flows;
      ours[pair_key(endpoint(f, 0), endpoint(f, 1))].push_back(id);
    }
    auto theirs = tshark_streams(path, std::min(tcp_flows + 2, 80));
    std::map<std::string, std::size_t> used;
    std::size_t byte_mismatch = 0, switch_mismatch = 0, unmatched = 0, here = 0;
    for (const auto& t : theirs) {
      if (t.node[0].empty() || t.node[0] == ":0") continue;  // past the last stream
      auto key = pair_key(t.node[0], t.node[1]);
      auto it = ours.find(key);
      std::size_t k = used[key]++;
      if (it == ours.end() || k >= it->second.size()) {
        ++unmatched;
        ADD_FAILURE() << "tshark stream " << key << " has no flow of ours";
        continue;
      }
      std::uint32_t id = it->second[k];
      const auto& f = tracker.get(id);
      int flip = endpoint(f, 0) == t.node[0] ? 0 : 1;  // our dir 0 is tshark node `flip`
      reassembly::follow_result r;
      ASSERT_TRUE(reassembly::follow_flow(file->get_reader(), *file, b.index(), tracker, id, r, err)) << err;
      followed o;
      for (std::size_t i = 0; i < r.segments.size(); ++i) {
        if (r.segments[i].gap) continue;  // tshark writes nothing for missing bytes
        o.chunks.emplace_back(r.segments[i].dir ^ flip, hex(r.bytes_of(i)));
      }
      for (int d = 0; d < 2; ++d) {
        if (o.bytes(d) != t.bytes(d)) {
          ++byte_mismatch;
          ADD_FAILURE() << "flow " << id << " (" << key << ") node " << d << ": " << o.bytes(d).size() / 2
                        << " bytes, tshark " << t.bytes(d).size() / 2;
        }
      }
      if (o.merged().size() != t.merged().size()) ++switch_mismatch;
      ++compared;
      ++here;
    }
    EXPECT_LE(byte_mismatch, c.max_byte_mismatches);
    EXPECT_LE(switch_mismatch, c.max_switch_mismatches);
    EXPECT_EQ(unmatched, 0u);
    std::printf("[ follow   ] %s: %zu streams compared, %zu byte mismatches, %zu switch mismatches\n", c.file,
                here, byte_mismatch, switch_mismatch);
  }
  EXPECT_GT(compared, 0u);
}

}  // namespace
