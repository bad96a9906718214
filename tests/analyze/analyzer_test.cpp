// The one-pass analyzer: stream classification, DNS over TCP from reassembled streams (split
// length prefixes, several messages per segment), application logs reached through it, the
// index it builds equal to the plain index pass, and — on the corpus, against tshark — DNS over
// TCP messages and the service given to flows carrying TLS ClientHellos and HTTP requests.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "pcapscope/analyze/analyzer.hpp"
#include "pcapscope/analyze/report.hpp"
#include "pcapscope/capture/file.hpp"
#include "pcapscope/capture/reader.hpp"
#include "support/packets.hpp"
#include "support/test_support.hpp"

namespace {

using namespace pcapscope;
using test::host;

std::string b(std::initializer_list<int> v) {
  std::string s;
  for (int x : v) s.push_back(static_cast<char>(x));
  return s;
}

// A DNS query for example.com A IN, and its response with one A record (1.2.3.4, TTL 60).
std::string dns_query(std::uint16_t id) {
  return b({id >> 8, id & 0xff, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0}) + "\x07" "example\x03" "com" + b({0, 0, 1, 0, 1});
}
std::string dns_response(std::uint16_t id) {
  return b({id >> 8, id & 0xff, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0}) + "\x07" "example\x03" "com" +
         b({0, 0, 1, 0, 1, 0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 1, 2, 3, 4});
}
std::string prefixed(const std::string& m) { return b({static_cast<int>(m.size() >> 8), static_cast<int>(m.size() & 0xff)}) + m; }

// Runs the analyzer over bytes in one go.
void analyze_bytes(analyze::analyzer& a, const std::vector<std::uint8_t>& bytes, capture::capture_info* info = nullptr) {
  capture::reader rd(&a);
  rd.feed(bytes);
  rd.finish();
  a.finish();
  if (info) *info = rd.info();
}

TEST(AnalyzerClassify, ByContentThenPort) {
  flow::service svc;
  auto cls = [&](const std::string& s, int dir, std::uint16_t op, std::uint16_t rp) {
    return analyze::classify_stream(util::bytes(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()), dir, op,
                                    rp, svc);
  };
  EXPECT_EQ(cls("GET / HTTP/1.1\r\n", 0, 40000, 9999), analyze::stream_kind::http);
  EXPECT_EQ(svc, flow::service::http);
  EXPECT_EQ(cls("HTTP/1.1 200 OK\r\n", 1, 40000, 9999), analyze::stream_kind::http);
  EXPECT_EQ(cls("GET /very/long/path", 0, 40000, 9999), analyze::stream_kind::http);  // line not complete yet
  EXPECT_EQ(cls("OPTIONS sip:a@b SIP/2.0\r\nVia: x\r\n", 0, 40000, 5060), analyze::stream_kind::other);
  EXPECT_EQ(cls(b({0x16, 0x03, 0x01, 0x02, 0x00}), 0, 40000, 8443), analyze::stream_kind::tls);
  EXPECT_EQ(svc, flow::service::ssl);
  EXPECT_EQ(cls(b({0x16, 0x03, 0x09, 0x02, 0x00}), 0, 40000, 8443), analyze::stream_kind::other);  // no such version
  EXPECT_EQ(cls("SSH-2.0-OpenSSH_9.2\r\n", 1, 40000, 22), analyze::stream_kind::other);
  EXPECT_EQ(svc, flow::service::ssh);
  EXPECT_EQ(cls("220 mail.example.com ESMTP\r\n", 1, 40000, 25), analyze::stream_kind::other);
  EXPECT_EQ(svc, flow::service::smtp);
  EXPECT_EQ(cls("220 ProFTPD\r\n", 1, 40000, 21), analyze::stream_kind::other);
  EXPECT_EQ(svc, flow::service::ftp);
  EXPECT_EQ(cls("* OK IMAP4rev1\r\n", 1, 40000, 143), analyze::stream_kind::other);
  EXPECT_EQ(svc, flow::service::imap);
  EXPECT_EQ(cls("+OK POP3 ready\r\n", 1, 40000, 110), analyze::stream_kind::other);
  EXPECT_EQ(svc, flow::service::pop3);
  EXPECT_EQ(cls(b({0, 29}), 0, 40000, 53), analyze::stream_kind::dns);
  EXPECT_EQ(cls(b({0, 5}), 0, 40000, 53), analyze::stream_kind::undecided);  // too short for DNS, too short to tell
  EXPECT_EQ(cls("GE", 0, 40000, 80), analyze::stream_kind::undecided);
  EXPECT_EQ(cls("\x01\x02garbage", 0, 40000, 80), analyze::stream_kind::http);  // mid-stream on an HTTP port
  EXPECT_EQ(svc, flow::service::none);
  EXPECT_EQ(cls("\x01\x02garbage", 0, 40000, 9999), analyze::stream_kind::other);
}

TEST(AnalyzerDns, TcpMessagesAcrossAndWithinSegments) {
  host c{1, 40000}, s{2, 53};
  std::string q1 = prefixed(dns_query(0x1111)), r1 = prefixed(dns_response(0x1111));
  std::string q2 = prefixed(dns_query(0x2222)), r2 = prefixed(dns_response(0x2222));
  // The first query split inside its length prefix and again in its body; both responses in one
  // segment; the second query whole.
  auto pk = test::tcp_conversation(c, s, {{true, q1.substr(0, 1)},
                                          {true, q1.substr(1, 10)},
                                          {true, q1.substr(11) + q2},
                                          {false, r1 + r2}});
  analyze::analyzer a;
  analyze_bytes(a, test::pcap_of(pk));
  const auto& e = a.dns().entries();
  ASSERT_EQ(e.size(), 2u);
  for (const auto& x : e) {
    EXPECT_TRUE(x.tcp);
    EXPECT_TRUE(x.has_query);
    EXPECT_TRUE(x.has_response);
    EXPECT_EQ(x.query, "example.com");
    ASSERT_EQ(x.answers.size(), 1u);
    EXPECT_EQ(x.answers[0], "1.2.3.4");
  }
  EXPECT_EQ(e[0].trans_id, 0x1111);
  EXPECT_EQ(e[1].trans_id, 0x2222);
  EXPECT_EQ(a.dns().counters().stream_messages, 4u);
  EXPECT_EQ(a.dns().counters().tcp_partial, 0u);
  EXPECT_EQ(a.kind(1), analyze::stream_kind::dns);
  EXPECT_EQ(flow::service_name(static_cast<flow::service>(a.flows().get(1).svc)), "dns");
}

TEST(AnalyzerDns, TcpMessageCutByEndOfCaptureIsPartial) {
  host c{1, 40000}, s{2, 53};
  std::string q = prefixed(dns_query(0x3333));
  auto pk = test::tcp_conversation(c, s, {{true, q.substr(0, 9)}});
  pk.resize(4);  // no FIN: the capture ends inside the message
  analyze::analyzer a;
  analyze_bytes(a, test::pcap_of(pk));
  EXPECT_TRUE(a.dns().entries().empty());
  EXPECT_EQ(a.dns().counters().tcp_partial, 1u);
}

TEST(AnalyzerDns, ShortLengthPrefixStopsTheDirection) {
  host c{1, 40000}, s{2, 53};
  std::string q = prefixed(dns_query(0x4444));
  auto pk = test::tcp_conversation(c, s, {{true, q}, {true, b({0, 3, 1, 2, 3})}, {true, q}});
  analyze::analyzer a;
  analyze_bytes(a, test::pcap_of(pk));
  EXPECT_EQ(a.dns().entries().size(), 1u);  // the query after the bad prefix is not trusted
  EXPECT_EQ(a.dns().counters().anomalies[static_cast<std::size_t>(app::dns_anomaly::tcp_short_length)], 1u);
}

TEST(AnalyzerHttp, ContentDecidesOnAnyPort) {
  host c{1, 40000}, s{2, 8081};
  auto pk = test::tcp_conversation(
      c, s, {{true, "GET /x HTTP/1.1\r\nHost: h\r\n\r\n"}, {false, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi"}});
  analyze::analyzer a;
  capture::capture_info info;
  analyze_bytes(a, test::pcap_of(pk), &info);
  ASSERT_EQ(a.http().entries().size(), 1u);
  EXPECT_EQ(a.http().entries()[0].method, "GET");
  EXPECT_EQ(a.http().entries()[0].uri, "/x");
  EXPECT_EQ(flow::service_name(static_cast<flow::service>(a.flows().get(1).svc)), "http");
  EXPECT_EQ(a.stats().packets(), info.packets);
  std::string j = analyze::analysis_json(a, info);
  EXPECT_NE(j.find("\"http\":1"), std::string::npos) << j;
  EXPECT_NE(j.find("\"statistics\":{"), std::string::npos);
}

// Bytes the peer acknowledged that the capture lacks are Zeek's missed_bytes and history G:
// Zeek sums the content_gap lengths (base/protocols/conn/main.zeek) and marks 'G'/'g' per
// gap (TCP_Endpoint::Gap), only while both sides are established (TCP_Reassembler::Gap). A
// hole nothing acknowledged, or one in a connection picked up mid-way, is not counted.
TEST(AnalyzerConn, MissedBytesComeFromAcknowledgedGaps) {
  using test::tcp_ack;
  using test::tcp_fin;
  using test::tcp_segment;
  using test::tcp_syn;
  std::vector<std::vector<std::uint8_t>> pk;
  for (int port : {40001, 40002, 40003}) {
    host c{1, static_cast<std::uint16_t>(port)}, s{2, 8080};
    const bool acked = port != 40002, handshake = port != 40003;
    if (handshake) {
      pk.push_back(tcp_segment(c, s, tcp_syn, 1000, 0, ""));
      pk.push_back(tcp_segment(s, c, tcp_syn | tcp_ack, 5000, 1001, ""));
      pk.push_back(tcp_segment(c, s, tcp_ack, 1001, 5001, ""));
    }
    pk.push_back(tcp_segment(c, s, tcp_ack, 1001, 5001, "aaaa"));
    // 1005..1009 ("bbbbb") sent but not captured.
    pk.push_back(tcp_segment(c, s, tcp_ack, 1010, 5001, "cccc"));
    pk.push_back(tcp_segment(s, c, tcp_ack, 5001, acked ? 1014 : 1005, ""));
    pk.push_back(tcp_segment(c, s, tcp_fin | tcp_ack, 1014, 5001, ""));
    pk.push_back(tcp_segment(s, c, tcp_fin | tcp_ack, 5001, acked ? 1015 : 1005, ""));
  }
  analyze::analyzer a;
  analyze_bytes(a, test::pcap_of(pk));
  ASSERT_EQ(a.flows().size(), 3u);
  const std::string h1(a.flows().get(1).history_view()), h2(a.flows().get(2).history_view()),
      h3(a.flows().get(3).history_view());
  EXPECT_EQ(a.flows().missed_bytes(1), 5u);
  EXPECT_EQ(std::count(h1.begin(), h1.end(), 'G'), 1) << h1;
  EXPECT_EQ(a.flows().missed_bytes(2), 0u);  // never acknowledged
  EXPECT_EQ(h2.find_first_of("Gg"), std::string::npos) << h2;
  EXPECT_EQ(a.flows().missed_bytes(3), 0u);  // partial connection
  EXPECT_EQ(h3.find_first_of("Gg"), std::string::npos) << h3;
  EXPECT_EQ(a.tcp_counters().missed_bytes, 10u);  // reassembly itself sees both acknowledged holes
}

TEST(AnalyzerOptions, LoggersCanBeTurnedOff) {
  host c{1, 40000}, s{2, 80};
  auto pk = test::tcp_conversation(c, s, {{true, "GET / HTTP/1.1\r\n\r\n"}});
  analyze::options o;
  o.http = false;
  analyze::analyzer a(o);
  analyze_bytes(a, test::pcap_of(pk));
  EXPECT_TRUE(a.http().entries().empty());
  EXPECT_EQ(a.kind(1), analyze::stream_kind::other);
}

// ---- corpus ----

std::vector<std::string> corpus_files() {
  return {"dpkt/examples__data__nb6-http.pcap",
          "arkime/tests__pcap__arkime_synthetic.pcap",
          "suricata-verify/tests__dns-reversed-tcp-1__dns.pcap",
          "zeek/testing__btest__Traces__dns-inverse-query.pcap",
          "ja4/badcurveball.pcap",
          "ja4/http1.pcapng",
          "ja4/gre-erspan-vxlan.pcap",
          "ja4/ipv6.pcapng"};
}

struct analyzed {
  std::unique_ptr<analyze::analyzer> a = std::make_unique<analyze::analyzer>();
  capture::capture_info info;
  bool ok = false;
};

analyzed run_file(const std::string& path) {
  analyzed r;
  std::string err;
  auto f = capture::capture_file::open(path, err);
  if (!f) return r;
  f->read_all(r.a.get());
  r.a->finish();
  r.info = f->get_reader().info();
  r.ok = true;
  return r;
}

TEST(AnalyzerCorpus, IndexEqualsThePlainIndexPassAndEveryPacketIsCounted) {
  auto dir = test::corpus_dir();
  if (!dir) GTEST_SKIP() << "no corpus";
  for (const auto& name : corpus_files()) {
    std::string path = (*dir / name).string();
    auto r = run_file(path);
    if (!r.ok) continue;
    flow::flow_tracker tracker;
    index::index_builder plain(nullptr, &tracker);
    std::string err;
    auto f = capture::capture_file::open(path, err);
    ASSERT_TRUE(f);
    f->read_all(&plain);
    const auto& x = r.a->index();
    const auto& y = plain.index();
    ASSERT_EQ(x.size(), y.size()) << name;
    EXPECT_EQ(x.flow, y.flow) << name;
    EXPECT_EQ(x.top, y.top) << name;
    EXPECT_EQ(x.flags, y.flags) << name;
    EXPECT_EQ(r.a->flows().size(), tracker.size()) << name;
    EXPECT_EQ(r.a->counters().packets, r.info.packets) << name;
    EXPECT_EQ(r.a->stats().packets(), r.info.packets) << name;
  }
}

// tshark's DNS-over-TCP messages: (is response, first question name) per message.
std::multiset<std::pair<int, std::string>> tshark_tcp_dns(const std::string& path) {
  std::multiset<std::pair<int, std::string>> out;
  std::istringstream in(test::command_output("tshark -n -r '" + path +
                                             "' -Y 'dns && tcp' -T fields -E aggregator='|' -e dns.flags.response "
                                             "-e dns.qry.name"));
  std::string line;
  while (std::getline(in, line)) {
    auto tab = line.find('\t');
    std::string flags = line.substr(0, tab), names = tab == std::string::npos ? "" : line.substr(tab + 1);
    std::vector<std::string> fl, nm;
    std::istringstream a(flags), c(names);
    for (std::string t; std::getline(a, t, '|');) fl.push_back(t);
    for (std::string t; std::getline(c, t, '|');) nm.push_back(t);
    for (std::size_t i = 0; i < fl.size(); ++i) {
      std::string n = i < nm.size() ? nm[i] : "";
      if (n == "<Root>") n.clear();  // tshark's name for the root; the log's query is empty
      out.insert({fl[i] == "1" || fl[i] == "True" ? 1 : 0, n});
    }
  }
  return out;
}

TEST(AnalyzerCorpus, DnsOverTcpAgreesWithTshark) {
  auto dir = test::corpus_dir();
  if (!dir) GTEST_SKIP() << "no corpus";
  if (!test::have_tshark()) GTEST_SKIP() << "no tshark";
  std::size_t compared = 0;
  for (const auto& name : {"arkime/tests__pcap__arkime_synthetic.pcap", "suricata-verify/tests__dns-reversed-tcp-1__dns.pcap",
                           "zeek/testing__btest__Traces__dns-inverse-query.pcap"}) {
    std::string path = (*dir / name).string();
    auto r = run_file(path);
    if (!r.ok) continue;
    std::multiset<std::pair<int, std::string>> ours;
    for (const auto& e : r.a->dns().entries()) {
      if (!e.tcp) continue;
      if (e.has_query) ours.insert({0, e.query});
      if (e.has_response) ours.insert({1, e.query});
    }
    auto want = tshark_tcp_dns(path);
    EXPECT_EQ(ours, want) << name;
    compared += want.size();
  }
  EXPECT_GT(compared, 0u);
}

// Frames where tshark sees a TLS ClientHello / an HTTP request.
std::vector<std::uint64_t> tshark_frames(const std::string& path, const std::string& filter) {
  std::vector<std::uint64_t> out;
  std::istringstream in(test::command_output("tshark -n -r '" + path + "' -Y '" + filter + "' -T fields -e frame.number"));
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(std::stoull(line));
  }
  return out;
}

TEST(AnalyzerCorpus, FlowsWithClientHellosAreSslAndWithRequestsHttp) {
  auto dir = test::corpus_dir();
  if (!dir) GTEST_SKIP() << "no corpus";
  if (!test::have_tshark()) GTEST_SKIP() << "no tshark";
  std::size_t checked = 0, agree = 0;
  for (const auto& name : corpus_files()) {
    std::string path = (*dir / name).string();
    auto r = run_file(path);
    if (!r.ok) continue;
    auto check = [&](const std::string& filter, std::string_view svc) {
      for (auto frame : tshark_frames(path, filter)) {
        if (frame == 0 || frame > r.a->index().size()) continue;
        std::uint32_t id = r.a->index().flow[frame - 1];
        if (id == 0) continue;
        ++checked;
        auto got = flow::service_name(static_cast<flow::service>(r.a->flows().get(id).svc));
        if (got == svc) ++agree;
        else ADD_FAILURE() << name << " frame " << frame << ": service \"" << got << "\", expected " << svc;
      }
    };
    check("tcp && tls.handshake.type == 1", "ssl");
    check("tcp && http.request", "http");
  }
  EXPECT_GT(checked, 10u);
  EXPECT_EQ(agree, checked);
}

}  // namespace
