// Every capture of the shared corpus read by our reader, checked against what Wireshark's capinfos
// says about it (tests/oracle/capinfos_expected.tsv, made by tests/oracle/capinfos_expected.sh),
// and fed in random chunk sizes, checked against the same bytes fed whole.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "pcapscope/capture/file.hpp"
#include "pcapscope/capture/reader.hpp"
#include "pcapscope/capture/types.hpp"
#include "support/test_support.hpp"

namespace pcapscope::test {
namespace {

namespace fs = std::filesystem;

// Wireshark's encapsulation short names (what capinfos prints in "Encapsulation = … (N - name)")
// by LINKTYPE_* value. N there is Wireshark's WTAP_ENCAP_* number, unrelated to the LINKTYPE, so
// the names are what we compare. `pseudo_header` is how many bytes wiretap takes off the front of
// every packet of that link type (a pseudo-header it turns into metadata) and leaves out of the
// lengths capinfos adds up as "Data size"; -1 means variable (ERF).
// Made by `tests/oracle/capinfos_expected.sh --linktype-map` with Wireshark 4.0.17 (a one-packet
// pcap per link type 0..299, read by capinfos); link types missing here are ones Wireshark cannot
// read. Some legacy values are platform DLT_s that a Linux build of Wireshark maps as listed
// (10 = FDDI read as bit-swapped, 12 and 14 = raw IP, 16/18/19 = Linux ATM CLIP).
struct wtap_name {
  std::uint32_t link_type;
  std::string_view name;
  int pseudo_header = 0;
};
constexpr wtap_name kWtapNames[] = {
    {0, "null"}, {1, "ether"}, {2, "xeth"}, {3, "ax25"}, {6, "tr"}, {7, "arcnet"}, {8, "slip"},
    {9, "ppp"}, {10, "fddi-swapped"}, {11, "atm-rfc1483"}, {12, "rawip"}, {13, "enc"},
    {14, "rawip"}, {16, "linux-atm-clip"}, {18, "linux-atm-clip"}, {19, "linux-atm-clip"},
    {32, "redback"}, {50, "ppp"}, {51, "pppoes"}, {99, "symantec"}, {100, "atm-rfc1483"},
    {101, "rawip"}, {104, "chdlc"}, {105, "ieee-802-11"}, {106, "linux-atm-clip"}, {107, "frelay"},
    {108, "loop"}, {109, "enc"}, {112, "chdlc"}, {113, "linux-sll"}, {114, "ltalk"}, {117, "pflog"},
    {118, "ios"}, {119, "ieee-802-11-prism"}, {121, "hhdlc"}, {122, "ip-over-fc"},
    {123, "atm-pdus", 4}, {127, "ieee-802-11-radiotap"}, {128, "tzsp"}, {129, "arcnet_linux"},
    {130, "juniper-mlppp"}, {131, "juniper-mlfr"}, {133, "juniper-ggsn"}, {135, "juniper-atm2"},
    {136, "juniper-svcs"}, {137, "juniper-atm1"}, {138, "ap1394"}, {139, "mtp2-with-phdr", 4},
    {140, "mtp2"}, {141, "mtp3"}, {142, "sccp"}, {143, "docsis"}, {144, "irda", 16}, {147, "user0"},
    {148, "user1"}, {149, "user2"}, {150, "user3"}, {151, "user4"}, {152, "user5"}, {153, "user6"},
    {154, "user7"}, {155, "user8"}, {156, "user9"}, {157, "user10"}, {158, "user11"},
    {159, "user12"}, {160, "user13"}, {161, "user14"}, {162, "user15"}, {163, "ieee-802-11-avs"},
    {165, "bacnet-ms-tp"}, {167, "juniper-pppoe"}, {169, "gprs-llc"}, {170, "gfp-t"},
    {171, "gfp-f"}, {172, "gcom-tie1"}, {173, "gcom-serial"}, {177, "linux-lapd", 16},
    {178, "juniper-ether"}, {179, "juniper-ppp"}, {180, "juniper-frelay"}, {181, "juniper-chdlc"},
    {183, "juniper-vp"}, {184, "juniper-vn"}, {186, "usb-freebsd"}, {187, "bluetooth-h4"},
    {188, "ieee-802-16-mac-cps"}, {189, "usb-linux"}, {190, "can20b"}, {192, "ppi"}, {195, "wpan"},
    {196, "sita-wan", 5}, {197, "erf", -1}, {199, "ipmb-kontron"}, {200, "juniper-st"},
    {201, "bluetooth-h4-linux", 4}, {202, "ax25-kiss"}, {203, "lapd"},
    {204, "ppp-with-direction", 1}, {209, "i2c-linux", 5}, {210, "flexray"}, {211, "most"},
    {212, "lin"}, {213, "x2e-serial"}, {214, "x2e-xoraya"}, {215, "wpan-nonask-phy"},
    {220, "usb-linux-mmap"}, {224, "fc2"}, {225, "fc2sof"}, {226, "ipnet"}, {227, "socketcan"},
    {228, "rawip4"}, {229, "rawip6"}, {230, "wpan-nofcs"}, {231, "dbus"}, {235, "dvbci"},
    {236, "mux27010"}, {237, "s5066-dpdu"}, {239, "nflog"}, {240, "netanalyzer"},
    {241, "netanalyzer-transparent"}, {242, "ip-ib"}, {243, "mp2ts"}, {245, "nfc-llcp", 2},
    {248, "sctp"}, {249, "usb-usbpcap"}, {250, "rtac-serial"}, {251, "bluetooth-le-ll"},
    {252, "wireshark-upper-pdu"}, {253, "netlink"}, {254, "bluetooth-linux-monitor", 4},
    {255, "bluetooth-bredr-bb-rf"}, {256, "bluetooth-le-ll-rf"}, {258, "pktap"}, {259, "epon"},
    {260, "ipmi-trace"}, {264, "iso14443"}, {266, "usb-darwin"}, {268, "sdlc"}, {270, "loratap"},
    {271, "vsock"}, {272, "nordic_ble"}, {273, "docsis31_xra31"}, {274, "ether-mpacket"},
    {275, "dpauxmon"}, {276, "linux-sll2"}, {279, "ebhscr"}, {280, "vpp"}, {283, "wpan-tap"},
    {287, "zwave-serial"}, {288, "usb-20"}, {290, "etw"}, {292, "zbncp"}, {293, "usb-20-low"},
    {294, "usb-20-full"}, {295, "usb-20-high"},
};

const wtap_name* find_wtap(std::uint32_t link_type) {
  for (const auto& w : kWtapNames)
    if (w.link_type == link_type) return &w;
  return nullptr;
}

std::string wireshark_encap(std::uint32_t link_type) {
  const wtap_name* w = find_wtap(link_type);
  return w ? std::string(w->name)
           : "<LINKTYPE " + std::to_string(link_type) + " not in the test's table>";
}

// Adds up original lengths the way capinfos does: without the pseudo-headers wiretap strips.
class wireshark_data_size : public capture::handler {
 public:
  void on_record(const capture::record& r) override {
    const wtap_name* w = find_wtap(r.link_type);
    if (w && w->pseudo_header < 0) comparable = false;
    auto strip = static_cast<std::uint32_t>(w && w->pseudo_header > 0 ? w->pseudo_header : 0);
    total += r.origlen >= strip ? r.origlen - strip : 0;
  }
  std::uint64_t total = 0;
  bool comparable = true;
};

// Places where capinfos is wrong: the column is checked against our value instead, and we must
// report the anomaly named (at `offset`) for what we corrected. Everything else is compared with
// capinfos as is (allowing only for wiretap's pseudo-header stripping, see kWtapNames, and for
// link types Wireshark cannot read, see the test).
struct oracle_error {
  std::string_view path;
  std::string_view column;      // "first_time", "last_time", "data_bytes"
  std::string_view our_value;   // what we must report instead
  std::string_view anomaly;     // anomaly_name() we must report
  std::uint64_t offset;         // where
  std::string_view why;
};
constexpr oracle_error kOracleErrors[] = {
    // Record at offset 24: ts_sec 0x5c0f0681 (1544488577), ts_usec 0x4521776e (1159821166),
    // i.e. 1159.821166 s past the second; wiretap computes the nanoseconds as ts_usec * 1000
    // in 32 bits, which wraps to 179996080. We carry the excess into the seconds.
    {"tcpdump/tests__atm-oam-loopback-print-overrun.pcap", "first_time", "1544489736.821166",
     "pcap.fraction_overflow", 24,
     "capinfos: 32-bit overflow of ts_usec * 1000 (ts_usec 1159821166 >= 10^6)"},
    {"tcpdump/tests__atm-oam-loopback-print-overrun.pcap", "last_time", "1544489736.821166",
     "pcap.fraction_overflow", 24,
     "capinfos: 32-bit overflow of ts_usec * 1000 (ts_usec 1159821166 >= 10^6)"},
};

// The value a column must have: capinfos's, or ours from kOracleErrors.
std::string expected_value(const std::string& path, std::string_view column,
                           const std::string& capinfos_value, std::string* why) {
  for (const auto& e : kOracleErrors)
    if (e.path == path && e.column == column) {
      *why = " (not capinfos's " + capinfos_value + ": " + std::string(e.why) + ")";
      return std::string(e.our_value);
    }
  why->clear();
  return capinfos_value;
}

// One row of capinfos_expected.tsv.
struct expected_row {
  std::string path;        // relative to the corpus folder
  std::string status;      // "ok", "partial: …" or "error: …"
  std::string packets;     // "-" when unknown
  std::string first_time;  // epoch seconds, "-" when no packet has a time stamp
  std::string last_time;
  std::string data_bytes;
  std::string encaps;      // comma-separated Wireshark names, "-" when not listed
  std::string test_name;   // path turned into a GoogleTest name
};

// GoogleTest prints a parameter with this (instead of a byte dump) when a test fails.
[[maybe_unused]] void PrintTo(const expected_row& r, std::ostream* os) { *os << r.path; }

fs::path table_path() {
  return fs::path(PCAPSCOPE_SOURCE_DIR) / "tests" / "oracle" / "capinfos_expected.tsv";
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  std::istringstream in(s);
  while (std::getline(in, cur, sep)) out.push_back(cur);
  if (!s.empty() && s.back() == sep) out.emplace_back();
  return out;
}

std::vector<expected_row> load_table() {
  std::vector<expected_row> rows;
  std::ifstream in(table_path());
  std::set<std::string> names;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#' || line.rfind("path\t", 0) == 0) continue;
    auto c = split(line, '\t');
    if (c.size() != 7) continue;  // a malformed row shows up as a missing file in the coverage test
    expected_row r{c[0], c[1], c[2], c[3], c[4], c[5], c[6], {}};
    for (char ch : r.path)
      r.test_name += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
    while (!names.insert(r.test_name).second) r.test_name += "_";
    rows.push_back(std::move(r));
  }
  return rows;
}

const std::vector<expected_row>& table() {
  static const std::vector<expected_row> rows = load_table();
  return rows;
}

// "1498562616.007545" -> 1498562616007545000; nullopt when not a decimal number.
std::optional<std::int64_t> epoch_ns(std::string_view s) {
  bool neg = !s.empty() && s[0] == '-';
  if (neg) s.remove_prefix(1);
  auto dot = s.find('.');
  std::string_view whole = s.substr(0, dot);
  std::string frac(dot == std::string_view::npos ? "" : s.substr(dot + 1));
  if (whole.empty() || frac.size() > 9) return std::nullopt;
  frac.resize(9, '0');
  std::int64_t secs = 0, nanos = 0;
  auto r1 = std::from_chars(whole.data(), whole.data() + whole.size(), secs);
  auto r2 = std::from_chars(frac.data(), frac.data() + frac.size(), nanos);
  if (r1.ec != std::errc{} || r1.ptr != whole.data() + whole.size() || r2.ec != std::errc{} ||
      r2.ptr != frac.data() + frac.size())
    return std::nullopt;
  std::int64_t ns = secs * 1'000'000'000 + nanos;
  return neg ? -ns : ns;
}

std::uint64_t to_u64(const std::string& s) { return std::stoull(s); }

std::string anomaly_list(const capture::capture_info& info) {
  std::string out;
  for (const auto& a : info.anomalies) {
    out += "\n    ";
    out += capture::anomaly_name(a.code);
    out += " @" + std::to_string(a.offset) + ": " + a.message;
  }
  return out.empty() ? " (none)" : out;
}

std::string our_encaps(const capture::capture_info& info) {
  std::string out;
  for (const auto& i : info.interfaces) {
    if (!out.empty()) out += ',';
    out += wireshark_encap(i.link_type);
  }
  return out.empty() ? "-" : out;
}

class CapinfosAgreement : public ::testing::TestWithParam<expected_row> {};

TEST_P(CapinfosAgreement, matches) {
  const expected_row& row = GetParam();
  auto corpus = corpus_dir();
  if (!corpus) GTEST_SKIP() << "no corpus at " PCAPSCOPE_CORPUS_DIR;
  fs::path path = *corpus / row.path;
  if (!fs::exists(path)) GTEST_SKIP() << row.path << " is not in this corpus";
  SCOPED_TRACE(row.path + " (capinfos: " + row.status + ")");

  std::string open_error;
  auto file = capture::capture_file::open(path.string(), open_error);
  const bool capinfos_ok = row.status == "ok";
  if (!file) {
    // Not opening a file capinfos could not read at all is an error reported: fine.
    EXPECT_EQ(row.status.rfind("error", 0), 0u) << row.path << ": cannot open: " << open_error;
    return;
  }
  wireshark_data_size sizes;
  capture::status st = file->read_all(&sizes);
  const capture::capture_info& info = file->get_reader().info();
  const std::string ours = "\n  ours: packets " + std::to_string(info.packets) + ", fatal " +
                           (info.fatal ? "yes (" + info.error + ")" : std::string("no")) +
                           ", read_all " + (st.ok ? std::string("ok") : st.message) +
                           "\n  anomalies:" + anomaly_list(info);

  if (capinfos_ok) {
    std::string why;
    EXPECT_FALSE(info.fatal) << row.path << ": we stopped, capinfos read it all" << ours;
    EXPECT_EQ(info.packets, to_u64(row.packets)) << row.path << ": packet count" << ours;
    auto data = expected_value(row.path, "data_bytes", row.data_bytes, &why);
    if (sizes.comparable) {
      EXPECT_EQ(sizes.total, to_u64(data))
          << row.path << ": sum of original lengths less wiretap's pseudo-headers (capinfos data "
          << "size)" << why << "; ours in all: " << info.bytes_original;
    }
    if (row.first_time == "-") {
      EXPECT_EQ(info.packets_with_time, 0u) << row.path << ": capinfos saw no time stamp" << ours;
    } else {
      std::string why_last;
      auto first_s = expected_value(row.path, "first_time", row.first_time, &why);
      auto last_s = expected_value(row.path, "last_time", row.last_time, &why_last);
      auto first = epoch_ns(first_s), last = epoch_ns(last_s);
      ASSERT_TRUE(first && last) << "bad times in the table: " << first_s << " " << last_s;
      EXPECT_GT(info.packets_with_time, 0u) << row.path << ours;
      EXPECT_EQ(info.first_ns, *first) << row.path << ": first packet time: ours "
                                       << capture::format_epoch(info.first_ns, 9)
                                       << ", expected " << first_s << why;
      EXPECT_EQ(info.last_ns, *last) << row.path << ": last packet time: ours "
                                     << capture::format_epoch(info.last_ns, 9) << ", expected "
                                     << last_s << why_last;
    }
    EXPECT_EQ(our_encaps(info), row.encaps)
        << row.path << ": interface encapsulations (Wireshark names)";
    for (const auto& e : kOracleErrors) {
      if (e.path != row.path) continue;
      bool found = std::any_of(info.anomalies.begin(), info.anomalies.end(), [&](const auto& a) {
        return capture::anomaly_name(a.code) == e.anomaly && a.offset == e.offset;
      });
      EXPECT_TRUE(found) << row.path << ": we differ from capinfos on " << e.column
                         << " and must say why with " << e.anomaly << " @" << e.offset << ours;
    }
    return;
  }

  // capinfos failed. Wireshark not knowing a link type is its limitation, not damage in the
  // file: there we check that we read the link type it names, and nothing else.
  static const std::regex unsupported_link(R"(network type (\d+) unknown or unsupported)");
  std::smatch m;
  if (std::regex_search(row.status, m, unsupported_link)) {
    auto field = static_cast<std::uint32_t>(std::stoul(m[1].str()));
    EXPECT_EQ(info.pcap_linktype_field, field)
        << row.path << ": link type field that Wireshark does not support" << ours;
    return;
  }

  // Damaged or unsupported content: we must say so, as an error or at least an anomaly.
  EXPECT_TRUE(info.fatal || !info.anomalies.empty())
      << row.path << ": capinfos failed (" << row.status << ") but we report nothing" << ours;
  if (row.status.rfind("partial", 0) == 0) {
    // We deliver every readable record, so at least what capinfos read before its error.
    EXPECT_GE(info.packets, to_u64(row.packets))
        << row.path << ": capinfos read " << row.packets << " packets before its error" << ours;
  }
}

INSTANTIATE_TEST_SUITE_P(Corpus, CapinfosAgreement, ::testing::ValuesIn(table()),
                         [](const ::testing::TestParamInfo<expected_row>& p) {
                           return p.param.test_name;
                         });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(CapinfosAgreement);

// The table must list every capture of the corpus; otherwise rerun capinfos_expected.sh.
TEST(CorpusCapinfosTable, lists_every_capture) {
  auto corpus = corpus_dir();
  if (!corpus) GTEST_SKIP() << "no corpus at " PCAPSCOPE_CORPUS_DIR;
  ASSERT_FALSE(table().empty()) << "cannot read " << table_path();
  std::set<std::string> listed;
  for (const auto& r : table()) listed.insert(r.path);
  std::vector<std::string> missing;
  for (auto it = fs::recursive_directory_iterator(*corpus); it != fs::recursive_directory_iterator();
       ++it) {
    auto rel = it->path().lexically_relative(*corpus).generic_string();
    if (it->is_directory() && rel == "ja4/expected") {
      it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file() || rel == "MANIFEST.tsv" || rel == "SOURCES.md") continue;
    if (!listed.count(rel)) missing.push_back(rel);
  }
  std::sort(missing.begin(), missing.end());
  std::string list;
  for (const auto& m : missing) list += "\n  " + m;
  EXPECT_TRUE(missing.empty()) << missing.size()
                               << " corpus files are not in tests/oracle/capinfos_expected.tsv; "
                                  "rerun tests/oracle/capinfos_expected.sh:"
                               << list;
}

// Feeding a capture in random chunk sizes must give exactly what feeding it whole gives.
class ChunkedFeeding : public ::testing::TestWithParam<expected_row> {};

std::string describe(const owned_record& o) {
  const auto& r = o.r;
  return "offset " + std::to_string(r.record_offset) + " ts " + std::to_string(r.ts_ns) +
         " caplen " + std::to_string(r.caplen) + " origlen " + std::to_string(r.origlen) +
         " iface " + std::to_string(r.interface);
}

void expect_same(const read_result& whole, const read_result& chunked, const std::string& what) {
  const auto& a = whole.h.records;
  const auto& b = chunked.h.records;
  EXPECT_EQ(a.size(), b.size()) << what << ": record count";
  for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    const auto& x = a[i].r;
    const auto& y = b[i].r;
    bool same = x.record_offset == y.record_offset && x.data_offset == y.data_offset &&
                x.ts_ns == y.ts_ns && x.caplen == y.caplen && x.origlen == y.origlen &&
                x.interface == y.interface && x.link_type == y.link_type &&
                x.record_length == y.record_length && a[i].data == b[i].data &&
                a[i].options == b[i].options;
    if (!same) {
      ADD_FAILURE() << what << ": record " << i << " differs:\n  whole:   " << describe(a[i])
                    << "\n  chunked: " << describe(b[i])
                    << (a[i].data != b[i].data ? "\n  (packet bytes differ)" : "");
      return;  // one is enough to find the bug
    }
  }
  EXPECT_EQ(whole.info.fatal, chunked.info.fatal)
      << what << ": fatal: whole '" << whole.info.error << "', chunked '" << chunked.info.error
      << "'";
  EXPECT_EQ(whole.info.bytes_consumed, chunked.info.bytes_consumed) << what;
  EXPECT_EQ(whole.info.interfaces.size(), chunked.info.interfaces.size()) << what;
  std::string wa = anomaly_list(whole.info), ca = anomaly_list(chunked.info);
  EXPECT_EQ(wa, ca) << what << ": anomalies differ";
}

TEST_P(ChunkedFeeding, matches_whole) {
  const expected_row& row = GetParam();
  auto corpus = corpus_dir();
  if (!corpus) GTEST_SKIP() << "no corpus at " PCAPSCOPE_CORPUS_DIR;
  fs::path path = *corpus / row.path;
  if (!fs::exists(path)) GTEST_SKIP() << row.path << " is not in this corpus";
  auto bytes = read_file(path);
  if (capture::detect(bytes) == capture::detected::gzip)
    GTEST_SKIP() << "gzip: the reader takes decompressed bytes";
  SCOPED_TRACE(row.path);

  const read_result whole = read_bytes(bytes);
  for (std::uint32_t seed : {1u, 2u, 3u}) {
    expect_same(whole, read_bytes_random_chunks(bytes, seed),
                row.path + ", chunks of 1..4096 bytes, seed " + std::to_string(seed));
  }
  if (bytes.size() <= (256u << 10)) {
    expect_same(whole, read_bytes_random_chunks(bytes, 7u, 16),
                row.path + ", chunks of 1..16 bytes, seed 7");
  }
}

INSTANTIATE_TEST_SUITE_P(Corpus, ChunkedFeeding, ::testing::ValuesIn(table()),
                         [](const ::testing::TestParamInfo<expected_row>& p) {
                           return p.param.test_name;
                         });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(ChunkedFeeding);

}  // namespace
}  // namespace pcapscope::test
