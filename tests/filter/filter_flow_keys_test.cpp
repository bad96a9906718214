// select_index with the flow table decides ip.addr, ipv6.addr, tcp.port and udp.port tests
// from flow keys for rows whose flow carries only plain packets (one IP header, no fragment,
// whole headers). Over the corpus (tunnels, ICMP errors, fragments, IPv6, many link types),
// every row it decides must agree with matches() on the packet's own bytes, and on plain
// traffic it must decide most rows. Skips without ../shared/captures.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "pcapscope/analyze/analyzer.hpp"
#include "pcapscope/capture/reader.hpp"
#include "pcapscope/dissect/packet.hpp"
#include "pcapscope/filter/filter.hpp"
#include "support/test_support.hpp"

namespace {

using namespace pcapscope;

const char* const exprs[] = {
    "tcp.port == 80",
    "tcp.port != 443",
    "udp.port in {53, 67..68, 5353}",
    "tcp.port >= 1024 && udp.port < 1024",
    "ip.addr == 10.0.0.0/8 || ip.addr == 192.168.0.0/16",
    "ip.addr != 192.168.1.1",
    "ipv6.addr == fe80::/10",
    "!(udp.port == 53) && frame.len > 100",
    "tcp.port in {80, 443, 8000..8080} xor ip.addr == 172.16.0.0/12",
};

struct tally {
  std::size_t rows = 0;     ///< rows × expressions
  std::size_t decided = 0;  ///< decided with the flow table
  std::size_t by_keys = 0;  ///< of those, undecided without it
};

// Runs every expression over one capture; returns how many rows the flow keys decided.
tally check_capture(const std::filesystem::path& path) {
  tally t;
  auto bytes = test::read_file(path);
  analyze::analyzer a;
  {
    capture::reader rd(&a);
    rd.feed(bytes);
    rd.finish();
    a.finish();
  }
  auto got = test::read_bytes(bytes);
  const auto& ix = a.index();
  if (ix.size() != got.h.records.size()) {
    ADD_FAILURE() << path << ": index rows " << ix.size() << " vs records " << got.h.records.size();
    return t;
  }
  for (const char* e : exprs) {
    filter::filter f;
    filter::error err;
    EXPECT_TRUE(filter::filter::compile(e, f, err)) << e;
    std::vector<filter::verdict> without(ix.size()), with(ix.size());
    f.select_index(ix, 0, ix.size(), without.data());
    f.select_index(ix, 0, ix.size(), with.data(), &a.flows());
    // In windows (as the wasm session asks), with the per-flow answers kept across calls.
    std::vector<filter::verdict> windows(ix.size());
    for (std::size_t at = 0; at < ix.size(); at += 100) f.select_index(ix, at, 100, windows.data() + at, &a.flows());
    EXPECT_TRUE(windows == with) << path << ": " << e;
    dissect::packet pkt;
    for (std::size_t i = 0; i < ix.size(); ++i) {
      const auto& r = got.h.records[i].r;
      // The flow table only ever turns `unknown` into an answer.
      if (without[i] != filter::verdict::unknown) {
        EXPECT_EQ(with[i], without[i]) << path << " row " << i << ": " << e;
      }
      ++t.rows;
      if (with[i] == filter::verdict::unknown) continue;
      ++t.decided;
      if (without[i] == filter::verdict::unknown) ++t.by_keys;
      dissect::dissect(r.data, r.link_type, pkt, r.origlen);
      dissect::frame_meta m;
      m.number = i + 1;
      m.ts_ns = r.ts_ns;
      m.caplen = r.caplen;
      m.origlen = r.origlen;
      m.link_type = r.link_type;
      bool want = f.matches(pkt, m, r.data);
      EXPECT_EQ(with[i] == filter::verdict::yes, want) << path << " frame " << i + 1 << ": " << e;
    }
  }
  return t;
}

TEST(FilterFlowKeys, AnswersAgreeWithTheBytesOverTheCorpus) {
  auto dir = test::corpus_dir();
  if (!dir) GTEST_SKIP() << "no ../shared/captures";
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::recursive_directory_iterator(*dir)) {
    if (!e.is_regular_file() || e.file_size() > 300 * 1024) continue;
    auto name = e.path().filename().string();
    for (const char* ext : {".pcap", ".pcapng", ".cap"}) {
      if (name.size() > std::string(ext).size() && name.ends_with(ext)) files.push_back(e.path());
    }
  }
  std::sort(files.begin(), files.end());
  ASSERT_GT(files.size(), 50u);
  tally all;
  for (const auto& p : files) {
    auto t = check_capture(p);
    all.rows += t.rows;
    all.decided += t.decided;
    all.by_keys += t.by_keys;
  }
  // Mostly plain traffic: three quarters of this HTTP capture's rows are decided without their bytes
  // (not its ICMP error, L2TP tunnel or PPPoE control packets).
  auto plain = check_capture(*dir / "dpkt" / "examples__data__nb6-http.pcap");
  EXPECT_GT(plain.decided * 4, plain.rows * 3) << plain.decided << " of " << plain.rows;
  EXPECT_GT(plain.by_keys * 2, plain.rows) << plain.by_keys << " of " << plain.rows;
  EXPECT_GT(all.by_keys, all.rows / 4) << all.by_keys << " of " << all.rows;
  std::printf("%zu captures: %zu of %zu row tests decided from the index, %zu by flow keys\n", files.size(),
              all.decided, all.rows, all.by_keys);
}

}  // namespace
