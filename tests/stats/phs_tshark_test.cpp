// Protocol hierarchy and packet sizes against tshark 4.0, computed at test time on corpus
// captures (skipped without tshark or the corpus): the link-to-transport part of `-z io,phs`
// must agree exactly (frames and bytes per path), the application layer is reported; the
// `-z plen,tree` bins must agree exactly. Differences are described in docs/statistics.md.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "stats/stats_driver.hpp"
#include "support/test_support.hpp"

namespace {

using namespace pcapscope;
using test::have_tshark;



struct counts {
  std::uint64_t frames = 0, bytes = 0;
  bool operator==(const counts& o) const { return frames == o.frames && bytes == o.bytes; }
};
using path_map = std::map<std::string, counts>;  // "eth:ip:udp" -> counts

// Parses io,phs text (tshark's or ours) into paths. tshark 4.0 shows a packet comment as a
// top-level "pkt_comment" protocol above the frame's real layers: it is dropped here and its
// subtree merged into the top level (later tshark versions skip it too).
path_map parse_phs(const std::string& text) {
  path_map out;
  std::istringstream in(text);
  std::string line;
  std::vector<std::string> stack;
  bool body = false;
  while (std::getline(in, line)) {
    if (line.rfind("Filter:", 0) == 0) {
      body = true;
      continue;
    }
    if (!body || line.empty()) continue;
    if (line[0] == '=') break;
    std::size_t indent = line.find_first_not_of(' ');
    std::size_t depth = indent / 2;
    std::istringstream ls(line);
    std::string name, f, b;
    ls >> name >> f >> b;
    if (f.rfind("frames:", 0) != 0 || b.rfind("bytes:", 0) != 0) continue;
    stack.resize(depth);
    stack.push_back(name);
    std::string path;
    for (const auto& s : stack) {
      if (&s == &stack[0] && s == "pkt_comment") continue;
      if (!path.empty()) path += ':';
      path += s;
    }
    if (path.empty()) continue;
    auto& c = out[path];
    c.frames += std::stoull(f.substr(7));
    c.bytes += std::stoull(b.substr(6));
  }
  return out;
}

// Link-to-transport protocol names as tshark shows them in io,phs.
const std::set<std::string>& l2_l4_names() {
  static const std::set<std::string> s = {
      "eth", "llc", "vlan", "ieee8021ad", "mpls", "pwethcw", "pppoes", "ppp", "sll", "null", "wlan",
      "wlan_radio", "radiotap", "arp", "ip", "ipv6", "ah", "esp", "icmp", "icmpv6", "igmp", "gre",
      "vxlan", "geneve", "tcp", "udp", "sctp", "cfp", "vntag", "erspan", "gtp", "teredo", "l2tp",
      "pim", "fr", "chdlc", "ppi", "fddi", "nsh", "etag", "raw"};
  return s;
}

// Keeps the paths made only of link-to-transport names.
path_map l2_l4(const path_map& m) {
  path_map out;
  for (const auto& [path, c] : m) {
    bool ok = true;
    std::size_t start = 0;
    for (;;) {
      auto colon = path.find(':', start);
      if (!l2_l4_names().count(path.substr(start, colon == std::string::npos ? std::string::npos : colon - start))) ok = false;
      if (colon == std::string::npos) break;
      start = colon + 1;
    }
    if (ok) out[path] = c;
  }
  return out;
}

const char* cases[] = {
    "arkime/tests__pcap__arkime_synthetic.pcap",
    "arkime/tests__pcap__v6.pcap",
    "arkime/tests__pcap__mpls-basic.pcap",
    "pcapplusplus/Tests__Pcap++Test__PcapExamples__sll.pcap",
    "pcapplusplus/Tests__Pcap++Test__PcapExamples__raw_ip.pcap",
    "pcapplusplus/Tests__ExamplesTest__expected_output__ipfragutil_bpf_filter.pcap",
    "zeek/testing__btest__Traces__wlanmon.pcap",
    "zeek/testing__btest__Traces__erspan.pcap",
    "libpcap/tests__filter__wpa-Induction.pcap",
    "suricata-verify/tests__defrag__bug-6887-defrag-ipv6-tcp__frag-ip-tcp.pcap",
    "tcpdump/tests__nflog.pcap",
    "gopacket/pcapgo__tests__le__test009.pcapng",
    "dpkt/examples__data__nb6-http.pcap",
    "ndpi/tests__cfgs__default__pcap__anyconnect-vpn.pcap",
};

TEST(PhsTsharkTest, LinkToTransportPathsMatchTshark) {
  auto dir = test::corpus_dir();
  if (!dir) GTEST_SKIP() << "no corpus";
  if (!have_tshark()) GTEST_SKIP() << "no tshark";
  std::size_t files = 0, paths = 0, app_paths = 0, app_agree = 0;
  for (const char* c : cases) {
    auto path = (*dir / c).string();
    if (!std::filesystem::exists(path)) continue;
    ++files;
    auto want_all = parse_phs(test::command_output("tshark -n -q -z io,phs -r '" + path + "' 2>/dev/null"));
    test::stats_pass pass;
    pass.use_port_rule = true;
    ASSERT_TRUE(test::run_stats(path, pass)) << path;
    auto got_all = parse_phs(stats::phs_text(pass.stats));
    auto want = l2_l4(want_all), got = l2_l4(got_all);
    ASSERT_FALSE(want.empty()) << c;
    int shown = 0;
    for (const auto& [p, w] : want) {
      auto it = got.find(p);
      if (it == got.end()) {
        if (shown++ < 8) ADD_FAILURE() << c << ": " << p << " tshark " << w.frames << "/" << w.bytes << ", missing in ours";
      } else if (!(it->second == w) && shown++ < 8) {
        ADD_FAILURE() << c << ": " << p << " tshark frames " << w.frames << " bytes " << w.bytes << ", ours "
                      << it->second.frames << " " << it->second.bytes;
      }
    }
    for (const auto& [p, g] : got) {
      if (!want.count(p) && shown++ < 8) ADD_FAILURE() << c << ": " << p << " only in ours (" << g.frames << ")";
    }
    paths += want.size();
    // Application layer (port rule only): paths with one more name than their L2-L4 parent.
    for (const auto& [p, w] : want_all) {
      if (want.count(p)) continue;
      auto parent = p.substr(0, p.rfind(':'));
      if (p.find(':') == std::string::npos || !want.count(parent)) continue;
      ++app_paths;
      auto it = got_all.find(p);
      if (it != got_all.end() && it->second == w) ++app_agree;
    }
  }
  std::printf("[phs vs tshark] %zu captures, %zu link-to-transport paths compared; application paths "
              "identical (port rule for dns/dhcp, 'data' otherwise): %zu of %zu\n",
              files, paths, app_agree, app_paths);
  EXPECT_GE(files, 10u);
}

// With the analysis's application names matching tshark's, the text is byte-identical.
TEST(PhsTsharkTest, TextIdenticalOnDhcpCapture) {
  auto dir = test::corpus_dir();
  if (!dir) GTEST_SKIP() << "no corpus";
  if (!have_tshark()) GTEST_SKIP() << "no tshark";
  auto path = (*dir / "libpcap/tests__filter__dhcp-rfc3004.pcap").string();
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "capture missing";
  test::stats_pass pass;
  pass.use_port_rule = true;
  ASSERT_TRUE(test::run_stats(path, pass));
  EXPECT_EQ(stats::phs_text(pass.stats), test::command_output("tshark -n -q -z io,phs -r '" + path + "' 2>/dev/null"));
}

// tshark's plen,tree rows: "<range> <count> ..." for the ten bins.
std::vector<std::uint64_t> tshark_plen(const std::string& path) {
  std::vector<std::uint64_t> out;
  std::istringstream in(test::command_output("tshark -n -q -z plen,tree -r '" + path + "' 2>/dev/null"));
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    std::string range, a, b;
    ls >> range;
    if (range.empty() || !std::isdigit(static_cast<unsigned char>(range[0]))) continue;
    if (range == "5120") ls >> a >> b;  // "5120 and greater"
    std::string count;
    ls >> count;
    if (count.empty() || !std::isdigit(static_cast<unsigned char>(count[0]))) continue;
    out.push_back(std::stoull(count));
  }
  return out;
}

TEST(PhsTsharkTest, PacketLengthBinsMatchTshark) {
  auto dir = test::corpus_dir();
  if (!dir) GTEST_SKIP() << "no corpus";
  if (!have_tshark()) GTEST_SKIP() << "no tshark";
  std::size_t files = 0;
  for (const char* c : {"arkime/tests__pcap__arkime_synthetic.pcap", "pcapplusplus/Tests__Pcap++Test__PcapExamples__sll.pcap",
                        "zeek/testing__btest__Traces__erspan.pcap", "dpkt/examples__data__nb6-http.pcap",
                        "libpcap/tests__filter__wpa-Induction.pcap"}) {
    auto path = (*dir / c).string();
    if (!std::filesystem::exists(path)) continue;
    ++files;
    auto want = tshark_plen(path);
    ASSERT_EQ(want.size(), stats::plen_bins) << c;
    test::stats_pass pass;
    ASSERT_TRUE(test::run_stats(path, pass));
    for (std::size_t i = 0; i < stats::plen_bins; ++i) {
      EXPECT_EQ(pass.stats.plen().count[i], want[i]) << c << " bin " << stats::plen_bin_low(i);
    }
  }
  EXPECT_GE(files, 3u);
}

}  // namespace
