// Flow counts and per-flow packet/byte totals against `tshark -q -z conv,tcp -z conv,udp`,
// computed at test time on a handful of corpus captures (skipped without tshark or corpus).
// Known differences are documented in docs/flows.md.
#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "pcapscope/capture/file.hpp"
#include "pcapscope/flow/flow.hpp"
#include "pcapscope/index/index.hpp"
#include "support/test_support.hpp"

namespace {

using namespace pcapscope;
using test::have_tshark;

struct totals {
  std::uint64_t frames = 0;
  std::uint64_t bytes = 0;
  std::uint64_t bytes_unit = 1;  // tshark prints large sizes in kB/MB: compare within one unit
  std::uint64_t conversations = 0;
};

using table = std::map<std::string, totals>;  // "tcp a:p <-> b:p" (endpoints sorted) -> totals


std::string conv_key(const char* proto, std::string a, std::string b) {
  if (b < a) std::swap(a, b);
  return std::string(proto) + " " + a + " <-> " + b;
}

std::uint64_t unit_of(const std::string& u) {
  if (u == "bytes") return 1;
  if (u == "kB") return 1000;
  if (u == "MB") return 1000000;
  if (u == "GB") return 1000000000;
  return 0;
}

// Parses the conv tables: one line per conversation, "A <-> B  f bytes  f bytes  f bytes ...".
table tshark_conversations(const std::string& path) {
  table t;
  std::string cmd = "tshark -n -r '" + path + "' -q -z conv,tcp -z conv,udp 2>/dev/null";
  std::string all = test::command_output(cmd);
  std::istringstream in(all);
  std::string line;
  const char* proto = "";
  while (std::getline(in, line)) {
    if (line.rfind("TCP Conversations", 0) == 0) proto = "tcp";
    if (line.rfind("UDP Conversations", 0) == 0) proto = "udp";
    if (line.find(" <-> ") == std::string::npos) continue;
    // Tokens: A <-> B, then frames/bytes/unit for <-, ->, total, then start and duration.
    std::istringstream ts(line);
    std::vector<std::string> tok;
    std::string x;
    while (ts >> x) tok.push_back(x);
    if (tok.size() < 12) continue;
    auto& e = t[conv_key(proto, tok[0], tok[2])];
    std::uint64_t total_frames = std::stoull(tok[9]);
    std::uint64_t unit = unit_of(tok[11]);
    e.frames += total_frames;
    e.bytes += std::stoull(tok[10]) * (unit ? unit : 1);
    e.bytes_unit = std::max(e.bytes_unit, unit ? unit : 1);
    ++e.conversations;
  }
  return t;
}

std::string endpoint_text(const flow::flow_record& f, int d) {
  auto a = flow::format_address(f.addr(d), f.key.ipv6());
  return a + ":" + std::to_string(f.port(d));
}

table our_conversations(const std::string& path, std::size_t& flows) {
  table t;
  std::string err;
  auto file = capture::capture_file::open(path, err);
  if (!file) return t;
  flow::flow_tracker tracker;
  index::index_builder b(nullptr, &tracker);
  file->read_all(&b);
  const auto& ix = b.index();
  std::vector<std::uint64_t> bytes(tracker.size() + 1), frames(tracker.size() + 1);
  for (std::size_t i = 0; i < ix.size(); ++i) {
    bytes[ix.flow[i]] += ix.origlen[i];
    ++frames[ix.flow[i]];
  }
  flows = tracker.size();
  for (std::uint32_t id = 1; id <= tracker.size(); ++id) {
    const auto& f = tracker.get(id);
    const char* proto = f.proto() == flow::ip_proto_tcp ? "tcp" : f.proto() == flow::ip_proto_udp ? "udp" : nullptr;
    if (!proto) continue;
    auto& e = t[conv_key(proto, endpoint_text(f, 0), endpoint_text(f, 1))];
    e.frames += frames[id];
    e.bytes += bytes[id];
    ++e.conversations;
  }
  return t;
}

struct case_ {
  const char* file;
  std::size_t max_mismatches;  // conversations allowed to differ (see docs/flows.md)
};

TEST(FlowTsharkTest, ConversationsMatchTshark) {
  auto dir = test::corpus_dir();
  if (!dir) GTEST_SKIP() << "corpus not present";
  if (!have_tshark()) GTEST_SKIP() << "tshark not installed";
  const case_ cases[] = {
      {"ja4/tls-handshake.pcapng", 0},
      {"ja4/http1.pcapng", 0},
      {"ja4/ssh-scp-1050.pcap", 0},
      {"ja4/v6.pcap", 0},
      {"ndpi/tests__cfgs__default__pcap__443-curl.pcap", 0},
      {"ndpi/tests__cfgs__default__pcap__ftp.pcap", 0},
      {"ndpi/tests__cfgs__default__pcap__git.pcap", 0},
      {"ndpi/tests__cfgs__default__pcap__zoom.pcap", 0},  // GTP-U outer conversation skipped
      {"suricata-verify/tests__smb2-01__smb2-peter.pcap", 0},
      // One UDP datagram with length field 0: tshark marks it malformed and leaves it out of the
      // conversation; we count it (malformed input is data).
      {"arkime/tests__pcap__arkime_synthetic.pcap", 1},
  };
  int checked = 0;
  for (const auto& c : cases) {
    auto path = (*dir / c.file).string();
    if (!std::filesystem::exists(path)) continue;
    ++checked;
    auto theirs = tshark_conversations(path);
    std::size_t flows = 0;
    auto ours = our_conversations(path, flows);
    std::size_t mismatches = 0;
    std::string report;
    for (const auto& [k, t] : theirs) {
      auto it = ours.find(k);
      if (it == ours.end()) {
        // The outer UDP conversation of a tunnel (GTP-U, VXLAN, VXLAN-GPE, Geneve): we keep
        // only the inner flow (docs/flows.md).
        bool tunnel = false;
        for (const char* port : {":2152", ":4789", ":4790", ":6081"}) {
          std::string p = port;
          if (k.find(p + " ") != std::string::npos ||
              (k.size() >= p.size() && k.compare(k.size() - p.size(), p.size(), p) == 0))
            tunnel = true;
        }
        if (tunnel) continue;
        ++mismatches;
        report += "  only tshark: " + k + "\n";
        continue;
      }
      const auto& o = it->second;
      std::uint64_t diff = o.bytes > t.bytes ? o.bytes - t.bytes : t.bytes - o.bytes;
      if (o.frames != t.frames || o.conversations != t.conversations || diff >= t.bytes_unit) {
        ++mismatches;
        report += "  differs: " + k + " frames " + std::to_string(o.frames) + "/" + std::to_string(t.frames) +
                  " bytes " + std::to_string(o.bytes) + "/" + std::to_string(t.bytes) + " flows " +
                  std::to_string(o.conversations) + "/" + std::to_string(t.conversations) + "\n";
      }
    }
    for (const auto& [k, o] : ours) {
      if (!theirs.count(k)) {
        ++mismatches;
        report += "  only ours: " + k + "\n";
      }
    }
    EXPECT_LE(mismatches, c.max_mismatches)
        << c.file << ": " << theirs.size() << " tshark conversations, " << ours.size() << " ours\n" << report;
    std::printf("%s: %zu tshark tcp/udp conversations, %zu ours (%zu flows of all protocols), %zu differ\n", c.file,
                theirs.size(), ours.size(), flows, mismatches);
  }
  if (checked == 0) GTEST_SKIP() << "none of the chosen captures is in the corpus";
}

}  // namespace
