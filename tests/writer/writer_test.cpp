// pcap and pcapng writers: exact header bytes, round trips through the reader, failing sinks,
// and acceptance of written files by capinfos and tshark when they are installed.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

#include "capture/builders.hpp"
#include "capture/check.hpp"
#include "pcapscope/capture/reader.hpp"
#include "pcapscope/writer/writer.hpp"
#include "support/test_support.hpp"

namespace pcapscope::test {
namespace {

using namespace build;
namespace w = pcapscope::writer;

constexpr bool host_little = __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__;

std::uint32_t host_u32(const byte_vec& b, std::size_t off) {
  std::uint32_t v;
  std::memcpy(&v, b.data() + off, 4);
  return v;
}
std::uint16_t host_u16(const byte_vec& b, std::size_t off) {
  std::uint16_t v;
  std::memcpy(&v, b.data() + off, 2);
  return v;
}

TEST(PcapWriter, HeaderBytesMicroseconds) {
  w::vector_sink s;
  w::pcap_writer pw(s, 1);
  EXPECT_TRUE(pw.ok());
  ASSERT_EQ(s.out.size(), 24u);
  EXPECT_EQ(host_u32(s.out, 0), 0xa1b2c3d4u);
  EXPECT_EQ(host_u16(s.out, 4), 2);
  EXPECT_EQ(host_u16(s.out, 6), 4);
  EXPECT_EQ(host_u32(s.out, 8), 0u);
  EXPECT_EQ(host_u32(s.out, 12), 0u);
  EXPECT_EQ(host_u32(s.out, 16), 262144u);
  EXPECT_EQ(host_u32(s.out, 20), 1u);
}

TEST(PcapWriter, HeaderBytesNanoseconds) {
  w::vector_sink s;
  w::pcap_writer pw(s, 113, true, 1000);
  ASSERT_EQ(s.out.size(), 24u);
  EXPECT_EQ(host_u32(s.out, 0), 0xa1b23c4du);
  EXPECT_EQ(host_u32(s.out, 16), 1000u);
  EXPECT_EQ(host_u32(s.out, 20), 113u);
}

TEST(PcapWriter, RecordsReadBackAtFilePrecision) {
  for (bool nano : {false, true}) {
    SCOPED_TRACE(nano ? "ns" : "us");
    w::vector_sink s;
    w::pcap_writer pw(s, 1, nano);
    auto d1 = payload(60, 1);
    auto d2 = payload(33, 2);
    w::packet p1;
    p1.ts_ns = 1700000000123456789;
    p1.origlen = 1514;
    p1.data = util::bytes(d1.data(), d1.size());
    w::packet p2;
    p2.ts_ns = 1700000001000000999;
    p2.data = util::bytes(d2.data(), d2.size());  // origlen 0 = data.size()
    EXPECT_TRUE(pw.write(p1));
    EXPECT_TRUE(pw.write(p2));
    EXPECT_TRUE(pw.ok());
    EXPECT_EQ(s.out.size(), 24u + 16 + 60 + 16 + 33);
    // Record header of the first packet.
    EXPECT_EQ(host_u32(s.out, 24), 1700000000u);
    EXPECT_EQ(host_u32(s.out, 28), nano ? 123456789u : 123456u);
    EXPECT_EQ(host_u32(s.out, 32), 60u);
    EXPECT_EQ(host_u32(s.out, 36), 1514u);

    auto res = read_all_ways(s.out);
    EXPECT_EQ(res.info.anomaly_total, 0u);
    EXPECT_EQ(res.info.variant, nano ? capture::pcap_variant::nanosecond
                                     : capture::pcap_variant::microsecond);
    EXPECT_EQ(res.info.order, host_little ? capture::byte_order::little : capture::byte_order::big);
    ASSERT_EQ(res.h.records.size(), 2u);
    EXPECT_EQ(res.h.records[0].r.ts_ns, nano ? 1700000000123456789 : 1700000000123456000);
    EXPECT_EQ(res.h.records[0].r.caplen, 60u);
    EXPECT_EQ(res.h.records[0].r.origlen, 1514u);
    EXPECT_EQ(res.h.records[0].data, d1);
    EXPECT_EQ(res.h.records[1].r.ts_ns, nano ? 1700000001000000999 : 1700000001000000000);
    EXPECT_EQ(res.h.records[1].r.origlen, 33u);
    EXPECT_EQ(res.h.records[1].data, d2);
  }
}

TEST(PcapWriter, RoundTripFromReadRecords) {
  for (bool nano : {false, true}) {
    auto src = cat({pcap_header(true, nano ? magic_ns : magic_us, 65535, 1),
                    pcap_record(true, 1700000000, nano ? 1 : 999999, payload(70, 1), 80),
                    pcap_record(true, 1700000003, 42, payload(1, 2)),
                    pcap_record(true, 1700000004, 0, payload(0, 3), 60)});
    auto first = read_bytes(src);
    ASSERT_EQ(first.h.records.size(), 3u);
    w::vector_sink s;
    w::pcap_writer pw(s, 1, nano);
    for (const auto& o : first.h.records) {
      std::vector<std::string> storage;
      auto p = w::packet_from_record(o.r, storage);
      EXPECT_TRUE(pw.write(p));
    }
    auto second = read_all_ways(s.out);
    ASSERT_EQ(second.h.records.size(), 3u);
    for (std::size_t i = 0; i < 3; ++i) {
      EXPECT_EQ(second.h.records[i].r.ts_ns, first.h.records[i].r.ts_ns);
      EXPECT_EQ(second.h.records[i].r.caplen, first.h.records[i].r.caplen);
      EXPECT_EQ(second.h.records[i].r.origlen, first.h.records[i].r.origlen);
      EXPECT_EQ(second.h.records[i].data, first.h.records[i].data);
    }
    EXPECT_EQ(second.info.anomaly_total, 0u);
  }
}

// --- pcapng ----------------------------------------------------------------------------------

TEST(PcapngWriter, SectionInterfacesPacketsAndComments) {
  w::vector_sink s;
  w::pcapng_writer nw(s, "pcapscope-test", {"file comment", "second file comment"});
  w::interface_desc a;
  a.link_type = 1;
  a.snaplen = 65535;
  a.tsresol = 9;
  a.name = "eth0";
  a.description = "first";
  w::interface_desc b;
  b.link_type = 101;
  b.tsresol = 6;
  b.name = "tun0";
  b.fcs_len_bits = 32;
  EXPECT_EQ(nw.add_interface(a), 0u);
  EXPECT_EQ(nw.add_interface(b), 1u);

  auto d0 = payload(61, 1);
  auto d1 = payload(40, 2);
  auto d2 = payload(8, 3);
  w::packet p0;
  p0.ts_ns = 1700000000123456789;
  p0.origlen = 1500;
  p0.data = util::bytes(d0.data(), d0.size());
  p0.comments = {"packet comment", "another"};
  p0.epb_flags = 0x1;
  w::packet p1;
  p1.ts_ns = 1700000001123456789;
  p1.interface = 1;
  p1.data = util::bytes(d1.data(), d1.size());
  w::packet p2;
  p2.ts_ns = 1700000005000000001;
  p2.data = util::bytes(d2.data(), d2.size());
  p2.epb_flags = 0x2;
  EXPECT_TRUE(nw.write(p0));
  EXPECT_TRUE(nw.write(p1));
  EXPECT_TRUE(nw.write(p2));
  EXPECT_TRUE(nw.ok());
  ASSERT_GE(s.out.size(), 28u);
  EXPECT_EQ(s.out.size() % 4, 0u);
  EXPECT_EQ(host_u32(s.out, 0), 0x0A0D0D0Au);
  EXPECT_EQ(host_u32(s.out, 8), 0x1A2B3C4Du);

  auto res = read_all_ways(s.out);
  const auto& info = res.info;
  EXPECT_EQ(info.anomaly_total, 0u) << (info.anomalies.empty() ? "" : info.anomalies[0].message);
  EXPECT_EQ(info.format, capture::file_format::pcapng);
  ASSERT_EQ(info.sections.size(), 1u);
  EXPECT_EQ(info.sections[0].user_application, "pcapscope-test");
  EXPECT_EQ(info.sections[0].comments,
            (std::vector<std::string>{"file comment", "second file comment"}));
  EXPECT_EQ(info.sections[0].version_major, 1);
  ASSERT_EQ(info.interfaces.size(), 2u);
  EXPECT_EQ(info.interfaces[0].link_type, 1);
  EXPECT_EQ(info.interfaces[0].snaplen, 65535u);
  EXPECT_EQ(info.interfaces[0].tsresol_exp, 9);
  EXPECT_EQ(info.interfaces[0].name, "eth0");
  EXPECT_EQ(info.interfaces[0].description, "first");
  EXPECT_EQ(info.interfaces[0].fcs_len_bits, -1);
  EXPECT_EQ(info.interfaces[1].link_type, 101);
  EXPECT_EQ(info.interfaces[1].tsresol_exp, 6);
  EXPECT_EQ(info.interfaces[1].name, "tun0");
  EXPECT_EQ(info.interfaces[1].fcs_len_bits, 32);

  ASSERT_EQ(res.h.records.size(), 3u);
  const auto& r0 = res.h.records[0];
  EXPECT_EQ(r0.r.kind, capture::record_kind::enhanced_packet);
  EXPECT_EQ(r0.r.ts_ns, 1700000000123456789);
  EXPECT_EQ(r0.r.caplen, 61u);
  EXPECT_EQ(r0.r.origlen, 1500u);
  EXPECT_EQ(r0.r.interface, 0u);
  EXPECT_EQ(r0.r.epb_flags, 1u);
  EXPECT_EQ(r0.data, d0);
  EXPECT_EQ(r0.comments, (std::vector<std::string>{"packet comment", "another"}));
  const auto& r1 = res.h.records[1];
  EXPECT_EQ(r1.r.interface, 1u);
  EXPECT_EQ(r1.r.link_type, 101);
  EXPECT_EQ(r1.r.ts_ns, 1700000001123456000);  // µs interface: truncated
  EXPECT_EQ(r1.r.origlen, 40u);
  EXPECT_EQ(r1.r.epb_flags, 0u);
  EXPECT_TRUE(r1.comments.empty());
  EXPECT_EQ(r1.data, d1);
  EXPECT_EQ(res.h.records[2].r.ts_ns, 1700000005000000001);
  EXPECT_EQ(res.h.records[2].r.epb_flags, 2u);
  EXPECT_EQ(res.h.records[2].data, d2);
}

TEST(PcapngWriter, RoundTripFromMultiSectionRead) {
  // Source: two sections, three interfaces, comments and flags.
  auto src = cat({shb(false), idb(false, 1, 0, options(false).u8(if_tsresol, 9).str(if_name, "x").end().done()),
                  idb(false, 105, 0),
                  epb(false, 0, 1700000000000000007ull, payload(30, 1), 31,
                      options(false).u32(epb_flags, 1).str(opt_comment, "k").end().done()),
                  epb(false, 1, 1700000000000001ull, payload(31, 2)), shb(true), idb(true, 113, 0),
                  epb(true, 0, 1700000002000000ull, payload(32, 3), 0,
                      options(true).str(opt_comment, "big").str(opt_comment, "two").end().done())});
  auto first = read_bytes(src);
  ASSERT_EQ(first.h.records.size(), 3u);
  ASSERT_EQ(first.info.interfaces.size(), 3u);

  w::vector_sink s;
  w::pcapng_writer nw(s);
  for (const auto& i : first.info.interfaces) {
    w::interface_desc d;
    d.link_type = i.link_type;
    d.snaplen = i.snaplen;
    d.tsresol = i.tsresol_exp;
    d.name = i.name;
    nw.add_interface(d);
  }
  for (const auto& o : first.h.records) {
    std::vector<std::string> storage;
    auto p = w::packet_from_record(o.r, storage);
    EXPECT_EQ(p.interface, o.r.interface);
    EXPECT_EQ(p.epb_flags, o.r.epb_flags);
    EXPECT_TRUE(nw.write(p));
  }
  auto second = read_all_ways(s.out);
  EXPECT_EQ(second.info.anomaly_total, 0u);
  ASSERT_EQ(second.h.records.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    SCOPED_TRACE(i);
    const auto& x = first.h.records[i];
    const auto& y = second.h.records[i];
    EXPECT_EQ(y.r.ts_ns, x.r.ts_ns);
    EXPECT_EQ(y.r.caplen, x.r.caplen);
    EXPECT_EQ(y.r.origlen, x.r.origlen);
    EXPECT_EQ(y.r.interface, x.r.interface);
    EXPECT_EQ(y.r.link_type, x.r.link_type);
    EXPECT_EQ(y.r.epb_flags, x.r.epb_flags);
    EXPECT_EQ(y.data, x.data);
    EXPECT_EQ(y.comments, x.comments);
  }
  EXPECT_EQ(second.h.records[0].comments, std::vector<std::string>{"k"});
  EXPECT_EQ(second.h.records[2].comments, (std::vector<std::string>{"big", "two"}));
  EXPECT_EQ(second.info.interfaces[0].name, "x");
}

TEST(PcapngWriter, MillisecondAndMicrosecondInterfacesTruncate) {
  w::vector_sink s;
  w::pcapng_writer nw(s);
  w::interface_desc ms;
  ms.tsresol = 3;
  w::interface_desc us;
  us.tsresol = 6;
  nw.add_interface(ms);
  nw.add_interface(us);
  auto d = payload(12);
  w::packet p;
  p.ts_ns = 1700000000987654321;
  p.data = util::bytes(d.data(), d.size());
  EXPECT_TRUE(nw.write(p));
  p.interface = 1;
  p.ts_ns = 1700000001987654321;
  EXPECT_TRUE(nw.write(p));
  auto res = read_all_ways(s.out);
  ASSERT_EQ(res.h.records.size(), 2u);
  EXPECT_EQ(res.info.interfaces[0].tsresol_exp, 3);
  EXPECT_EQ(res.h.records[0].r.ts_ns, 1700000000987000000);
  EXPECT_EQ(res.h.records[1].r.ts_ns, 1700000001987654000);
  EXPECT_EQ(res.info.time_digits, 6);
}

TEST(PcapngWriter, UndeclaredInterfaceIsRefused) {
  w::vector_sink s;
  w::pcapng_writer nw(s);
  nw.add_interface({});
  auto before = s.out.size();
  auto d = payload(4);
  w::packet p;
  p.interface = 3;
  p.data = util::bytes(d.data(), d.size());
  EXPECT_FALSE(nw.write(p));
  EXPECT_EQ(s.out.size(), before);
}

class failing_sink final : public w::sink {
 public:
  bool write(util::bytes) override { return false; }
};

TEST(Writers, FailingSinkReportsFailure) {
  auto d = payload(10);
  w::packet p;
  p.data = util::bytes(d.data(), d.size());
  {
    failing_sink fs;
    w::pcap_writer pw(fs, 1);
    EXPECT_FALSE(pw.ok());
    EXPECT_FALSE(pw.write(p));
    EXPECT_FALSE(pw.ok());
  }
  {
    failing_sink fs;
    w::pcapng_writer nw(fs);
    nw.add_interface({});
    EXPECT_FALSE(nw.write(p));
    EXPECT_FALSE(nw.ok());
  }
}

// --- external oracles ----------------------------------------------------------------------------

std::string run(const std::string& cmd, int& rc) {
  std::string out;
  FILE* f = popen(cmd.c_str(), "r");
  if (!f) {
    rc = -1;
    return out;
  }
  char buf[4096];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  rc = pclose(f);
  return out;
}

// Packet count from `capinfos -c -M -T` (a header line, then "name<TAB>count").
long capinfos_count(const std::string& path) {
  int rc = 0;
  auto out = run("/usr/bin/capinfos -c -M -T '" + path + "' 2>&1", rc);
  EXPECT_EQ(rc, 0) << out;
  auto last_nl = out.find_last_of('\n', out.size() >= 2 ? out.size() - 2 : 0);
  std::string line = out.substr(last_nl == std::string::npos ? 0 : last_nl + 1);
  auto tab = line.rfind('\t');
  if (tab == std::string::npos) {
    ADD_FAILURE() << "unexpected capinfos output: " << out;
    return -1;
  }
  return std::strtol(line.c_str() + tab + 1, nullptr, 10);
}

long tshark_count(const std::string& path) {
  int rc = 0;
  auto out = run("/usr/bin/tshark -r '" + path + "' -T fields -e frame.number 2>/dev/null", rc);
  EXPECT_EQ(rc, 0) << out;
  long lines = 0;
  for (char c : out) lines += c == '\n';
  return lines;
}

void write_file(const std::filesystem::path& p, const byte_vec& b) {
  std::ofstream f(p, std::ios::binary);
  f.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

TEST(WriterOracle, CapinfosAndTsharkAcceptWrittenFiles) {
  if (!std::filesystem::exists("/usr/bin/capinfos") || !std::filesystem::exists("/usr/bin/tshark"))
    GTEST_SKIP() << "capinfos/tshark not installed";
  auto dir = std::filesystem::temp_directory_path() /
             ("pcapscope_writer_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);

  std::vector<byte_vec> datas;
  for (int i = 0; i < 7; ++i) datas.push_back(payload(static_cast<std::size_t>(60 + i * 11), static_cast<std::uint8_t>(i)));

  auto make_packets = [&]() {
    std::vector<w::packet> ps;
    for (std::size_t i = 0; i < datas.size(); ++i) {
      w::packet p;
      p.ts_ns = 1700000000000000000 + static_cast<std::int64_t>(i) * 1000123457;
      p.data = util::bytes(datas[i].data(), datas[i].size());
      p.origlen = static_cast<std::uint32_t>(datas[i].size() + (i % 2) * 100);
      p.interface = static_cast<std::uint32_t>(i % 2);
      if (i % 3 == 0) p.comments = {"comment \"quoted\"", "second"};
      p.epb_flags = i % 2 ? 1 : 2;
      ps.push_back(p);
    }
    return ps;
  };

  struct file_case {
    std::string name;
    byte_vec bytes;
  };
  std::vector<file_case> files;
  for (bool nano : {false, true}) {
    w::vector_sink s;
    w::pcap_writer pw(s, 1, nano);
    for (const auto& p : make_packets()) EXPECT_TRUE(pw.write(p));
    files.push_back({nano ? "ns.pcap" : "us.pcap", s.out});
  }
  {
    w::vector_sink s;
    w::pcapng_writer nw(s, "pcapscope-test", {"hello"});
    w::interface_desc a;
    a.name = "eth0";
    w::interface_desc b;
    b.link_type = 1;
    b.tsresol = 6;
    b.fcs_len_bits = 0;
    nw.add_interface(a);
    nw.add_interface(b);
    for (const auto& p : make_packets()) EXPECT_TRUE(nw.write(p));
    files.push_back({"out.pcapng", s.out});
  }
  const auto packets = make_packets();
  for (const auto& f : files) {
    SCOPED_TRACE(f.name);
    auto path = (dir / f.name).string();
    write_file(path, f.bytes);
    EXPECT_EQ(capinfos_count(path), static_cast<long>(datas.size()));
    EXPECT_EQ(tshark_count(path), static_cast<long>(datas.size()));
    // Per packet, tshark's epoch time (always 9 digits), wire length and captured length.
    int rc = 0;
    auto fields = run("/usr/bin/tshark -r '" + path +
                          "' -T fields -e frame.time_epoch -e frame.len -e frame.cap_len 2>/dev/null",
                      rc);
    std::string want;
    for (std::size_t i = 0; i < packets.size(); ++i) {
      const auto& p = packets[i];
      bool micro = f.name == "us.pcap" || (f.name == "out.pcapng" && p.interface == 1);
      std::int64_t ts = micro ? p.ts_ns - p.ts_ns % 1000 : p.ts_ns;
      char line[128];
      std::snprintf(line, sizeof line, "%lld.%09lld\t%u\t%zu\n",
                    static_cast<long long>(ts / 1000000000), static_cast<long long>(ts % 1000000000),
                    p.origlen, p.data.size());
      want += line;
    }
    EXPECT_EQ(fields, want);
    // Our own reader agrees too.
    auto res = read_bytes(f.bytes);
    EXPECT_EQ(res.info.packets, datas.size());
    EXPECT_EQ(res.info.anomaly_total, 0u);
  }
  // tshark sees the packet comments written into the pcapng file.
  int rc = 0;
  auto out = run("/usr/bin/tshark -r '" + (dir / "out.pcapng").string() +
                     "' -T fields -e frame.comment 2>/dev/null", rc);
  if (out.find("comment") == std::string::npos) {
    // Newer tshark names the field pkt_comment / frame.comment differently; try the other.
    out = run("/usr/bin/tshark -r '" + (dir / "out.pcapng").string() +
                  "' -T fields -e pkt_comment 2>/dev/null", rc);
  }
  EXPECT_NE(out.find("comment \"quoted\""), std::string::npos) << out;
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace pcapscope::test
