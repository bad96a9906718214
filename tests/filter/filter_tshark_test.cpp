// Display filters checked against tshark 4.0 on corpus captures: every expression must select
// exactly the frames `tshark -Y EXPR` selects; typed field values agree with `packets`; files
// written by `pcapscope filter -o` are read back by tshark with the selected frames and bytes.
// Skips when tshark or the corpus is absent. tshark's answers are cached in build/filter-oracle-cache
// (keyed by file, size, mtime, expression, options and tshark version): a cold run takes ~2-4 min
// on 2 cores, a warm one a second.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "../../core/src/filter/internal.hpp"
#include "pcapscope/capture/file.hpp"
#include "pcapscope/dissect/fields.hpp"
#include "pcapscope/filter/filter.hpp"
#include "support/test_support.hpp"

namespace {

using namespace pcapscope;
namespace fs = std::filesystem;

// Captures chosen for variety: tunnels with several IP layers (GRE/ERSPAN, VXLAN), IPv6, ARP and
// Linux cooked capture, PPPoE, MPLS, 802.1Q/QinQ, several pcapng interfaces and link types,
// snaplen-cut packets.
const char* const kFiles[] = {
    "zeek/testing__btest__Traces__erspan.pcap",
    "arkime/tests__pcap__v6.pcap",
    "pcapplusplus/Tests__Pcap++Test__PcapExamples__sll.pcap",
    "pcapplusplus/Tests__Pcap++Test__PcapExamples__many_interfaces-1.pcapng",
    "dpkt/examples__data__nb6-http.pcap",
    "arkime/tests__pcap__mpls-basic.pcap",
    "ndpi/tests__cfgs__default__pcap__vxlan.pcap",
    "tcpdump/tests__802.1ad_QinQ.pcap",
    "suricata-verify/tests__tls__tls-cert-issuer__tls.pcap",
    "dpkt/examples__data__truncated_dns.pcap",
};

struct filter_case {
  const char* ours;
  const char* tshark = nullptr;  // when tshark 4.0 spells it differently (xor is 4.2+)
  bool may_select_nothing = false;
};

// Every operator and field kind of the language; some are chosen to select nothing on most files
// and something on one (tunnels, PPPoE, MPLS …).
const filter_case kCases[] = {
    // protocol presence
    {"tcp"}, {"udp && !tcp"}, {"ip"}, {"ipv6"}, {"arp"}, {"icmp || icmpv6"}, {"eth and not ip"},
    {"vlan"}, {"sll"}, {"pppoes && ppp"}, {"mpls"}, {"gre"}, {"vxlan"}, {"frame"},
    // frame fields (answered from the index)
    {"frame.len > 100"}, {"frame.len <= 60"}, {"frame.len ge 1000"}, {"frame.number < 10 or frame.number > 50"},
    {"frame.number in {1, 3..5, 0x10}"}, {"frame.time_relative > 1.5"}, {"frame.time_relative <= 0.01"},
    {"frame.time_epoch > 1000000000.5"}, {"frame.cap_len != frame.len"}, {"frame.interface_id == 10"},
    // IPv4 addresses, CIDR, either-side and multi-occurrence semantics
    {"ip.src == 10.0.0.0/8"}, {"ip.addr == 192.168.0.0/16"}, {"ip.addr != 10.200.0.3"},
    {"ip.addr !== 10.200.0.3"}, {"ip.addr ~= 192.168.69.2"}, {"ip.src === 10.200.0.3"},
    {"ip.src > ip.dst"}, {"ip.dst < 128.0.0.0"}, {"ip.addr#1 == 10.200.0.3"}, {"count(ip.addr) > 2"},
    {"ip.src in {10.200.0.3, 192.168.69.0/24}"},
    // integers: decimal, hex, octal, word operators
    {"ip.ttl == 64"}, {"ip.ttl == 0100"}, {"ip.ttl lt 64"}, {"ip.proto == 17 and ip.len > 100"},
    {"ip.id == 0x0000"}, {"ip.flags.df == 1"}, {"ip.flags.mf"}, {"ip.frag_offset > 0"},
    {"tcp.srcport gt 1024 and ip.ttl le 128"}, {"eth.type == 0x0800"}, {"eth.type in {0x0806, 0x86dd}"},
    // IPv6
    {"ipv6.addr == fe80::/10"}, {"ipv6.src == 3ffe:501:4819::42"}, {"ipv6.addr"}, {"ipv6.hlim == 255"},
    {"ipv6.nxt == 58 || ipv6.plen < 40"},
    // Ethernet addresses and slices
    {"eth.addr == ff:ff:ff:ff:ff:ff"}, {"eth.dst == ffff.ffff.ffff"}, {"eth.src[0:3] == 00:60:97"},
    {"eth.dst[:2] == 33:33"}, {"eth.src[-2:] == 69:ea"}, {"eth.src[4-5] == 69:ea"}, {"eth.src[5] == ea"},
    {"eth.src[0:2,4] == 00:60:69"}, {"eth.src > 00:0c:29:00:00:00"}, {"eth.src contains 60:97"},
    {"len(eth.src) == 6"},
    // TCP / UDP, sets with ranges, all-not-equal vs negation
    {"tcp.port in {80, 443, 8000..8080}"}, {"tcp.port == 80"}, {"tcp.dstport >= 1024"},
    {"tcp.port != 80"}, {"!(tcp.port == 80)"}, {"not tcp.port == 80"}, {"tcp.port not in {80, 22}"},
    {"tcp.flags.syn == 1 && tcp.flags.ack == 0"}, {"tcp.flags == 0x018"}, {"tcp.flags.push"},
    {"tcp.flags.reset == True"}, {"tcp.len > 0"}, {"tcp.len == 0 and tcp.flags.fin == 1"},
    {"tcp.window_size_value < 1000"}, {"tcp.seq_raw > 2147483648"}, {"tcp.hdr_len > 20"},
    {"tcp.options.mss_val >= 1400"}, {"udp.port == 53"}, {"udp.port in {53, 67..68, 123}"},
    {"udp.length < 100"}, {"udp.srcport == udp.dstport"}, {"tcp.srcport < tcp.dstport"},
    // other protocols' fields
    {"arp.opcode == 2"}, {"arp.src.proto_ipv4 == 192.168.0.0/16"}, {"icmp.type == 8"},
    {"icmpv6.type in {135, 136}"}, {"vlan.id == 2001"}, {"ieee8021ad.id == 200"}, {"ieee8021ad.id"}, {"mpls.label > 16"},
    {"gre.proto == 0x6558"}, {"vxlan.vni > 0"},
    // protocol slices, contains, matches, strings
    {"ip[0] == 45"}, {"ip[0:2] == 45:00"}, {"tcp[13] == 02"}, {"frame[0:2] == 00:04"},
    {"frame[1] == 0x04"}, {"len(ip) > 20"}, {"len(udp) == 8"}, {"frame contains \"GET\""},
    {"frame contains 47:45:54"}, {"frame contains \"\\x47\\x45T\""}, {"frame contains \"\\107ET\""},
    {"tcp contains \"HTTP\""}, {"frame matches \"http/1\\\\.[01]\""}, {"frame matches \"(?-i)GET /\""},
    {"frame matches r\"(?i)host: [a-z0-9.]+\""}, {"frame ~ \"^\\\\x00\""}, {"frame[14] == 'E'"},
    {"ip.dst[3] == 0xff"}, {"ip.dst[3] == ff", nullptr, true}  /* "ff" is a Wireshark protocol, not bytes */, {"ip.src[0:2] == c0:a8"}, {"len(icmp) == 40"},
    {"icmp contains 45:00"}, {"udp contains 00:01"}, {"eth[12:2] == 08:00"}, {"len(eth) == 14"},
    {"sll[0:2] == 00:00"}, {"arp[6:2] == 00:01"}, {"ip matches \"host:\""}, {"tcp matches \"^\\\\x00\\\\x50\""},
    {"ipv6.src[0:2] == fe:80"}, {"eth.src matches \"\\\\x60\\\\x97\""}, {"len(frame.len) == 4"},
    // boolean structure
    {"(tcp || udp) and not ip"}, {"tcp && ip.ttl > 60 || udp && ip.ttl < 60"},
    {"tcp ^^ ip.flags.df == 1", "(tcp && !(ip.flags.df == 1)) || (!tcp && ip.flags.df == 1)"},
    {"udp xor ipv6", "(udp && !ipv6) || (!udp && ipv6)"},
};

std::string tshark_version() {
  static std::string v = [] {
    std::string out;
    if (std::FILE* p = popen("tshark -v 2>/dev/null | head -1", "r")) {
      char buf[256];
      while (std::fgets(buf, sizeof buf, p)) out += buf;
      pclose(p);
    }
    return out;
  }();
  return v;
}

std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) {
    if (c == '\'') q += "'\\''";
    else q += c;
  }
  return q + "'";
}

std::string run(const std::string& cmd) {
  std::string out;
  if (std::FILE* p = popen(cmd.c_str(), "r")) {
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    pclose(p);
  }
  return out;
}

std::uint64_t fnv(const std::string& s) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

const char* const kTsharkOptions =
    " -o ip.defragment:FALSE -o ipv6.defragment:FALSE -o tcp.desegment_tcp_streams:FALSE";

// Frame numbers tshark selects (cached by file, size, mtime, expression and tshark version).
std::set<std::uint64_t> tshark_select(const fs::path& file, const std::string& expr, bool& error_out) {
  std::error_code ec;
  auto size = fs::file_size(file, ec);
  auto mtime = fs::last_write_time(file, ec).time_since_epoch().count();
  std::string key = file.string() + "|" + std::to_string(size) + "|" + std::to_string(mtime) + "|" + expr + "|" +
                    tshark_version() + kTsharkOptions;
#ifdef PCAPSCOPE_SOURCE_DIR
  fs::path dir = fs::path(PCAPSCOPE_SOURCE_DIR) / "build" / "filter-oracle-cache";  // shared by all presets
#else
  fs::path dir = fs::current_path() / "filter-oracle-cache";
#endif
  fs::create_directories(dir, ec);
  char name[32];
  std::snprintf(name, sizeof name, "%016llx.txt", static_cast<unsigned long long>(fnv(key)));
  fs::path cached = dir / name;
  std::string out;
  if (fs::exists(cached, ec)) {
    std::ifstream in(cached);
    out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  } else {
    out = run("tshark -n -r " + shell_quote(file.string()) + kTsharkOptions + " -Y " + shell_quote(expr) +
              " -T fields -e frame.number 2>&1; echo \"rc=$?\"");
    fs::path tmp = cached;
    tmp += ".tmp" + std::to_string(getpid());
    std::ofstream(tmp) << out;
    fs::rename(tmp, cached, ec);
  }
  std::set<std::uint64_t> frames;
  std::istringstream lines(out);
  std::string line;
  error_out = false;
  while (std::getline(lines, line)) {
    if (line.rfind("rc=", 0) == 0) {
      if (line != "rc=0") error_out = true;
      continue;
    }
    if (line.empty() || line.find("Running as user") != std::string::npos) continue;
    if (line[0] < '0' || line[0] > '9') {
      error_out = true;
      continue;
    }
    frames.insert(std::stoull(line));
  }
  return frames;
}

// Packets of a capture, kept in memory with their metadata.
struct loaded {
  std::vector<test::owned_record> records;
  std::vector<dissect::frame_meta> meta;
};

class keep_all final : public capture::handler {
 public:
  void on_record(const capture::record& r) override {
    test::owned_record o;
    o.r = r;
    o.data.assign(r.data.begin(), r.data.end());
    o.options.assign(r.options.begin(), r.options.end());
    out.records.push_back(std::move(o));
    dissect::frame_meta m;
    m.number = out.records.size();
    m.ts_ns = r.ts_ns;
    m.has_timestamp = r.has_timestamp;
    m.caplen = r.caplen;
    m.origlen = r.origlen;
    m.interface = r.kind == capture::record_kind::pcap_record ? -1 : static_cast<std::int64_t>(r.interface);
    m.link_type = r.link_type;
    out.meta.push_back(m);
  }
  loaded out;
};

loaded load(const fs::path& p) {
  std::string err;
  auto f = capture::capture_file::open(p.string(), err);
  keep_all k;
  if (f) f->read_all(&k);
  for (auto& o : k.out.records) {
    o.r.data = o.data;
    o.r.options = o.options;
  }
  return std::move(k.out);
}

bool have_tshark() { return !tshark_version().empty(); }

std::vector<fs::path> files() {
  std::vector<fs::path> v;
  auto dir = test::corpus_dir();
  if (!dir) return v;
  for (const char* f : kFiles) {
    if (fs::exists(*dir / f)) v.push_back(*dir / f);
  }
  return v;
}

TEST(FilterTshark, SelectsTheSameFramesAsTshark) {
  auto fl = files();
  if (fl.empty() || !have_tshark()) GTEST_SKIP() << "corpus or tshark absent";
  ASSERT_GE(std::size(kCases), 40u);
  // Ask tshark for every (file, expression) pair, a few at a time.
  struct job {
    std::size_t file, expr;
    std::set<std::uint64_t> frames;
    bool error = false;
  };
  std::vector<job> jobs;
  for (std::size_t f = 0; f < fl.size(); ++f) {
    for (std::size_t e = 0; e < std::size(kCases); ++e) jobs.push_back({f, e, {}, false});
  }
  std::size_t next = 0;
  std::mutex mu;
  auto worker = [&] {
    while (true) {
      std::size_t i;
      {
        std::lock_guard<std::mutex> lock(mu);
        if (next >= jobs.size()) return;
        i = next++;
      }
      const auto& c = kCases[jobs[i].expr];
      jobs[i].frames = tshark_select(fl[jobs[i].file], c.tshark ? c.tshark : c.ours, jobs[i].error);
    }
  };
  std::vector<std::thread> pool;
  unsigned n = std::max(2u, std::min(8u, std::thread::hardware_concurrency() * 2));
  for (unsigned t = 0; t < n; ++t) pool.emplace_back(worker);
  for (auto& t : pool) t.join();

  std::vector<filter::filter> compiled(std::size(kCases));
  for (std::size_t e = 0; e < std::size(kCases); ++e) {
    filter::error err;
    ASSERT_TRUE(filter::filter::compile(kCases[e].ours, compiled[e], err)) << kCases[e].ours << ": " << err.to_string();
  }
  std::size_t compared = 0, selected_total = 0;
  std::vector<std::size_t> hits(std::size(kCases));
  for (std::size_t f = 0; f < fl.size(); ++f) {
    auto cap = load(fl[f]);
    std::vector<std::vector<bool>> ours(std::size(kCases), std::vector<bool>(cap.records.size()));
    for (auto& c : compiled) {
      if (!cap.records.empty()) c.set_time_origin(cap.records[0].r.ts_ns);
    }
    dissect::packet pkt;
    for (std::size_t i = 0; i < cap.records.size(); ++i) {
      const auto& r = cap.records[i].r;
      dissect::dissect(r.data, r.link_type, pkt, r.origlen);
      for (std::size_t e = 0; e < compiled.size(); ++e) ours[e][i] = compiled[e].matches(pkt, cap.meta[i], r.data);
    }
    for (const auto& j : jobs) {
      if (j.file != f) continue;
      const auto& c = kCases[j.expr];
      EXPECT_FALSE(j.error) << "tshark rejected \"" << (c.tshark ? c.tshark : c.ours) << "\"";
      std::vector<std::uint64_t> only_ours, only_tshark;
      for (std::size_t i = 0; i < cap.records.size(); ++i) {
        bool t = j.frames.count(i + 1) > 0;
        if (ours[j.expr][i] && !t) only_ours.push_back(i + 1);
        if (!ours[j.expr][i] && t) only_tshark.push_back(i + 1);
        if (t) ++hits[j.expr];
      }
      ++compared;
      selected_total += j.frames.size();
      auto show = [](const std::vector<std::uint64_t>& v) {
        std::string s;
        for (std::size_t k = 0; k < v.size() && k < 10; ++k) s += std::to_string(v[k]) + " ";
        if (v.size() > 10) s += "… (" + std::to_string(v.size()) + ")";
        return s;
      };
      EXPECT_TRUE(only_ours.empty() && only_tshark.empty())
          << fl[f].filename().string() << ": \"" << c.ours << "\"\n  only pcapscope: " << show(only_ours)
          << "\n  only tshark: " << show(only_tshark);
    }
  }
  // Every expression selects something on at least one file (so each is really exercised).
  for (std::size_t e = 0; e < std::size(kCases); ++e) {
    if (!kCases[e].may_select_nothing) {
      EXPECT_GT(hits[e], 0u) << "\"" << kCases[e].ours << "\" selects nothing on any test file";
    }
  }
  RecordProperty("comparisons", static_cast<int>(compared));
  RecordProperty("frames_selected", static_cast<int>(selected_total));
}

// The filter's typed values, printed like tshark, are what `pcapscope packets` prints.
TEST(FilterTshark, TypedFieldsAgreeWithPacketsFields) {
  auto fl = files();
  if (fl.empty()) GTEST_SKIP() << "corpus absent";
  using namespace filter::detail;
  std::size_t checked = 0;
  for (const auto& path : fl) {
    auto cap = load(path);
    dissect::packet pkt;
    std::vector<std::string> want;
    value vals[max_values];
    for (std::size_t i = 0; i < cap.records.size(); ++i) {
      const auto& r = cap.records[i].r;
      dissect::dissect(r.data, r.link_type, pkt, r.origlen);
      context c;
      c.pkt = &pkt;
      c.meta = &cap.meta[i];
      c.data = r.data;
      for (const auto& f : field_table()) {
        if (f.is_proto || f.type == vtype::reltime) continue;
        want.clear();
        if (!dissect::field_values(pkt, cap.meta[i], r.data, f.name, want)) continue;  // filter-only field
        std::uint32_t n = load_field(f, 0, c, vals);
        std::vector<std::string> got;
        for (std::uint32_t k = 0; k < n; ++k) got.push_back(format_value(f, vals[k]));
        ASSERT_EQ(got, want) << path.filename().string() << " frame " << i + 1 << " field " << f.name;
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 10000u);
}

#ifdef PCAPSCOPE_CLI
// `pcapscope filter FILE EXPR -o OUT` writes exactly the selected packets: tshark reads OUT
// with the same frame count, and re-writes it with the same bytes, lengths and times.
TEST(FilterTshark, ExportedFilesReadBackByTshark) {
  auto fl = files();
  if (fl.empty() || !have_tshark()) GTEST_SKIP() << "corpus or tshark absent";
  fs::path tmp = fs::temp_directory_path() / ("pcapscope-filter-" + std::to_string(getpid()));
  fs::create_directories(tmp);
  const struct {
    const char* file;
    const char* expr;
  } cases[] = {
      {"pcapplusplus/Tests__Pcap++Test__PcapExamples__sll.pcap", "tcp.port == 80 || arp"},
      {"arkime/tests__pcap__v6.pcap", "ipv6.addr == fe80::/10 or tcp.flags.syn == 1"},
      {"pcapplusplus/Tests__Pcap++Test__PcapExamples__many_interfaces-1.pcapng", "frame.number > 3 && !(frame.len in {60..70})"},
      {"zeek/testing__btest__Traces__erspan.pcap", "frame contains \"HTTP\""},
      {"gopacket/pcapgo__tests__le__test201.pcapng", "frame"},
  };
  auto dir = *test::corpus_dir();
  for (const auto& c : cases) {
    fs::path in = dir / c.file;
    if (!fs::exists(in)) continue;
    auto cap = load(in);
    filter::filter flt;
    filter::error err;
    ASSERT_TRUE(filter::filter::compile(c.expr, flt, err)) << err.to_string();
    std::vector<std::size_t> sel;
    dissect::packet pkt;
    for (std::size_t i = 0; i < cap.records.size(); ++i) {
      const auto& r = cap.records[i].r;
      dissect::dissect(r.data, r.link_type, pkt, r.origlen);
      if (flt.matches(pkt, cap.meta[i], r.data)) sel.push_back(i);
    }
    ASSERT_FALSE(sel.empty()) << c.expr;
    bool single_link = true;
    for (auto i : sel) single_link = single_link && cap.records[i].r.link_type == cap.records[sel[0]].r.link_type;
    for (const char* ext : {".pcap", ".pcapng"}) {
      if (std::string(ext) == ".pcap" && !single_link) continue;
      fs::path out = tmp / (std::string("out") + ext);
      std::string cmd = std::string(PCAPSCOPE_CLI) + " filter " + shell_quote(in.string()) + " " + shell_quote(c.expr) +
                        " -o " + shell_quote(out.string()) + " 2>/dev/null";
      ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
      // tshark's own count of frames in the file
      std::string count = run("tshark -r " + shell_quote(out.string()) + " -T fields -e frame.number 2>/dev/null | wc -l");
      EXPECT_EQ(std::stoull(count), sel.size()) << c.file << " " << ext;
      // tshark re-writes what it read; our reader then compares bytes, lengths and times
      fs::path again = tmp / (std::string("again") + ext);
      std::string fmt = std::string(ext) == ".pcap" ? "pcap" : "pcapng";
      std::string cmd2 = "tshark -r " + shell_quote(out.string()) + " -F " + fmt + " -w " + shell_quote(again.string()) + " 2>/dev/null";
      ASSERT_EQ(std::system(cmd2.c_str()), 0) << cmd2;
      auto back = load(again);
      ASSERT_EQ(back.records.size(), sel.size()) << c.file << " " << ext;
      // pcap keeps the file's precision: compare times at that precision
      std::int64_t unit = 1;
      if (std::string(ext) == ".pcap") {
        auto data = test::read_file(in);
        bool nano = data.size() >= 4 && ((data[0] == 0x4d && data[1] == 0x3c) || (data[0] == 0xa1 && data[2] == 0x3c));
        bool pcapng = data.size() >= 4 && data[0] == 0x0a;
        unit = nano || pcapng ? 1 : 1000;
      }
      for (std::size_t k = 0; k < sel.size(); ++k) {
        const auto& a = cap.records[sel[k]].r;
        const auto& b = back.records[k].r;
        ASSERT_EQ(std::vector<std::uint8_t>(a.data.begin(), a.data.end()), std::vector<std::uint8_t>(b.data.begin(), b.data.end()))
            << c.file << " " << ext << " selected packet " << k;
        EXPECT_EQ(a.origlen, b.origlen);
        EXPECT_EQ(a.link_type, b.link_type);
        EXPECT_EQ(a.ts_ns / unit, b.ts_ns / unit) << c.file << " " << ext << " packet " << k;
      }
    }
  }
  fs::remove_all(tmp);
}

TEST(FilterCli, BadFilterExitsTwoWithPositionedMessage) {
  auto err = fs::temp_directory_path() / ("pcapscope-filter-err-" + std::to_string(getpid()));
  std::string cmd = std::string(PCAPSCOPE_CLI) + " filter /nonexistent.pcap 'tcp.prot == 80' 2>" + err.string();
  int rc = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(rc));
  EXPECT_EQ(WEXITSTATUS(rc), 2);
  std::ifstream in(err);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("unknown field \"tcp.prot\" at 1\xe2\x80\x93" "8; did you mean \"tcp.port\"?"), std::string::npos) << text;
  EXPECT_NE(text.find("^~~~~~~~"), std::string::npos) << text;
  fs::remove(err);
}
#endif

}  // namespace
