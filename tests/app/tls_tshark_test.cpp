// TLS over whole captures through the analysis pass: (1) the JA3 and SNI of every ClientHello
// against tshark 4.0's tls.handshake.ja3 / tls.handshake.extensions_server_name, computed at
// test time; (2) JA4 and JA4_r against FoxIO's published values for their own captures
// (../shared/captures/ja4/expected/*.json). Skipped without the corpus (or tshark for (1)).
// Differences are listed in docs/tls.md.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "pcapscope/analyze/analyzer.hpp"
#include "pcapscope/app/tls.hpp"
#include "pcapscope/capture/file.hpp"
#include "support/test_support.hpp"

namespace {

using namespace pcapscope;
using test::have_tshark;
using test::split;




// One ClientHello: the frame completing it, its JA3 and SNI.
struct hello {
  std::uint64_t frame;
  std::string ja3, sni;
};

std::vector<hello> tshark_hellos(const std::string& path) {
  std::vector<hello> out;
  std::string text = test::command_output("tshark -n -r '" + path +
                                 "' -Y 'tcp && tls.handshake.type == 1' -T fields -e frame.number"
                                 " -e tls.handshake.ja3 -e tls.handshake.extensions_server_name 2>/dev/null");
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    auto cols = split(line, '\t');
    if (cols.size() != 3 || cols[0].empty()) continue;
    // Several hellos in one frame come comma-joined.
    auto ja3s = split(cols[1], ',');
    auto snis = split(cols[2], ',');
    for (std::size_t i = 0; i < ja3s.size(); ++i) {
      if (ja3s[i].empty()) continue;
      out.push_back({std::stoull(cols[0]), ja3s[i], i < snis.size() ? snis[i] : ""});
    }
  }
  return out;
}

// Runs the analysis pass over a file.
std::unique_ptr<analyze::analyzer> analyze_file(const std::string& path) {
  analyze::options o;
  o.http = o.dhcp = o.quic = o.stats = o.endpoints = false;
  auto a = std::make_unique<analyze::analyzer>(o);
  std::string err;
  auto f = capture::capture_file::open(path, err);
  if (!f) return nullptr;
  f->read_all(a.get());
  a->finish();
  return a;
}

std::vector<hello> our_hellos(const analyze::analyzer& a) {
  std::vector<hello> out;
  for (const auto& e : a.tls().entries()) {
    for (const auto& h : e.client_hellos) {
      if (!h.ja3.empty()) out.push_back({h.frame, h.ja3, h.sni});
    }
  }
  return out;
}

// Every corpus capture tshark finds TLS ClientHellos over TCP in (MANIFEST.tsv's
// TLS-ClientHello flag, and FoxIO's TLS captures).
const char* ja3_cases[] = {
    "ja4/tls-handshake.pcapng",
    "ja4/tls-sni.pcapng",
    "ja4/tls3.pcapng",
    "ja4/ssh2.pcapng",
    "ja4/http2-with-cookies.pcapng",
    "ja4/tls12.pcap",
    "ja4/macos_tcp_flags.pcap",
    "ja4/tls-alpn-h2.pcap",
    "ja4/badcurveball.pcap",
    "ja4/ipv6.pcapng",
    "ja4/https-connect.pcap",
    "suricata-verify/tests__tls__tls-subjectaltname__input.pcap",
    "pcapplusplus/Tests__ExamplesTest__pcap_examples__many-protocols.pcap",
    "suricata-verify/tests__base64-decode-5885__input.pcap",
    "ndpi/tests__cfgs__default__pcap__zoom.pcap",
    "arkime/tests__pcap__arkime_synthetic.pcap",
    "ndpi/tests__cfgs__default__pcap__tls_certificate_too_long.pcap",
    "ndpi/tests__cfgs__default__pcap__KakaoTalk_chat.pcap",
    "ndpi/tests__cfgs__default__pcap__safari.pcap",
    "ndpi/tests__cfgs__default__pcap__steam.pcapng",
    "ndpi/tests__cfgs__default__pcap__ocs.pcap",
    "ndpi/tests__cfgs__default__pcap__anyconnect-vpn.pcap",
    "ndpi/tests__cfgs__default__pcap__forticlient.pcap",
    "suricata-verify/tests__tls__tls-cert-issuer__tls.pcap",
    "ndpi/tests__cfgs__default__pcap__gnutella.pcap",
    "pcapplusplus/Tests__Pcap++Test__PcapExamples__example.pcap",
    "pcap-parser/assets__err-buffertoosmall.pcapng",
    "ndpi/tests__cfgs__default__pcap__vxlan.pcap",
    "ndpi/tests__cfgs__default__pcap__KakaoTalk_talk.pcap",
    "ndpi/tests__cfgs__default__pcap__emotet.pcap",
    "pcapplusplus/Tests__Pcap++Test__PcapExamples__many_interfaces-1.pcapng",
    "suricata-verify/tests__tls__tls-bypass-missing-event__tor_bl.pcap",
    "ndpi/tests__cfgs__default__pcap__tls_long_cert.pcap",
    "zeek/testing__btest__Traces__smtp.pcap",
    "ndpi/tests__cfgs__default__pcap__tls_with_huge_ch.pcapng",
    "zeek/testing__btest__Traces__tls__ocsp-stapling.pcap",
    "pcapplusplus/Tests__Packet++Test__PacketExamples__SSL-ClientHello1.pcap",
    "wiregasm/samples__http2-16-ssl.pcapng",
    "ndpi/tests__cfgs__default__pcap__nomachine.pcapng",
    "zeek/testing__btest__Traces__globus-url-copy-bad-encoding.pcap",
    "arkime/tests__pcap__curl-enabled-tls13.pcap",
    "ndpi/tests__cfgs__default__pcap__443-curl.pcap",
    "arkime/tests__pcap__https-connect.pcap",
    "arkime/tests__pcap__https2-301-get.pcap",
};

TEST(TlsTsharkTest, Ja3AndSniPerClientHelloMatchTshark) {
  auto dir = test::corpus_dir();
  if (!dir) GTEST_SKIP() << "no corpus";
  if (!have_tshark()) GTEST_SKIP() << "no tshark";
  std::size_t total = 0, matched = 0, same_frame = 0, ours_total = 0, files = 0, not_tls_stream = 0;
  // tshark's start-up dominates: run a few at once, ahead of our own pass.
  std::vector<std::string> paths;
  for (const char* name : ja3_cases) {
    auto path = (*dir / name).string();
    if (std::filesystem::exists(path)) paths.push_back(path);
  }
  std::vector<std::future<std::vector<hello>>> pending(paths.size());
  constexpr std::size_t ahead = 4;
  for (std::size_t i = 0; i < paths.size() && i < ahead; ++i) {
    pending[i] = std::async(std::launch::async, tshark_hellos, paths[i]);
  }
  for (std::size_t k = 0; k < paths.size(); ++k) {
    if (k + ahead < paths.size()) pending[k + ahead] = std::async(std::launch::async, tshark_hellos, paths[k + ahead]);
    const auto& path = paths[k];
    auto name = std::filesystem::path(path).filename().string();
    ++files;
    auto want = pending[k].get();
    auto a = analyze_file(path);
    ASSERT_TRUE(a) << path;
    auto got = our_hellos(*a);
    ours_total += got.size();
    // Multiset match on (ja3, sni); frames compared for the matched ones.
    std::multimap<std::pair<std::string, std::string>, std::uint64_t> pool;
    for (const auto& h : got) pool.emplace(std::make_pair(h.ja3, h.sni), h.frame);
    int shown = 0;
    for (const auto& w : want) {
      ++total;
      auto range = pool.equal_range({w.ja3, w.sni});
      if (range.first == range.second) {
        // A stream that did not start with TLS (HTTP CONNECT tunnels, protocols that switch to
        // TLS after a preamble): the analysis pass routes it elsewhere. Counted apart.
        const auto& flows = a->index().flow;
        std::uint32_t flow = w.frame - 1 < flows.size() ? flows[w.frame - 1] : 0;
        if (a->kind(flow) != analyze::stream_kind::tls) {
          ++not_tls_stream;
          std::cout << "  not a TLS stream for the analysis pass: " << name << " frame " << w.frame << "\n";
          continue;
        }
        if (shown++ < 5) ADD_FAILURE() << name << " frame " << w.frame << ": tshark ja3 " << w.ja3 << " sni '" << w.sni
                                       << "' not found among ours";
        continue;
      }
      ++matched;
      auto best = range.first;
      for (auto it = range.first; it != range.second; ++it) {
        if (it->second == w.frame) best = it;
      }
      if (best->second == w.frame) {
        ++same_frame;
      } else {
        std::cout << "  other frame: " << name << " tshark " << w.frame << ", ours " << best->second << "\n";
      }
      pool.erase(best);
    }
    for (const auto& [key, frame] : pool) {
      if (shown++ < 8) {
        std::cout << "  extra (not in tshark): " << name << " frame " << frame << " ja3 " << key.first << " sni '"
                  << key.second << "'\n";
      }
    }
  }
  if (files == 0) GTEST_SKIP() << "no TLS captures in the corpus";
  double pct = total ? 100.0 * static_cast<double>(matched) / static_cast<double>(total) : 100.0;
  std::size_t in_tls = total - not_tls_stream;
  double pct_tls = in_tls ? 100.0 * static_cast<double>(matched) / static_cast<double>(in_tls) : 100.0;
  std::cout << "TLS ClientHellos: tshark " << total << ", ours " << ours_total << ", matched " << matched << " ("
            << pct << "%; " << pct_tls << "% of the " << in_tls << " in streams the pass reads as TLS), same frame "
            << same_frame << " in " << files << " files\n";
  EXPECT_GE(pct_tls, 99.0);
  EXPECT_GE(pct, 97.0);
  EXPECT_GT(total, 250u);
}

// --- Certificates ------------------------------------------------------------------------------

// Serial numbers (lower-case hex, leading zero bytes dropped), SAN dNSNames and validity times
// ("YYYY-MM-DD HH:MM:SS") of every certificate in Certificate messages, per tshark. Frames that
// also carry a CertificateStatus are left out: tshark's x509af fields there include the OCSP
// responder's certificate, which is not part of the chain.
struct cert_facts {
  std::multiset<std::string> serials, dns_names, times;
};

std::string normal_serial(std::string s) {
  for (auto& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  s.erase(std::remove(s.begin(), s.end(), ':'), s.end());
  while (s.size() > 2 && s.compare(0, 2, "00") == 0) s.erase(0, 2);
  return s;
}

cert_facts tshark_certs(const std::string& path) {
  cert_facts out;
  std::string text = test::command_output("tshark -n -r '" + path +
                                 "' -Y 'tcp && tls.handshake.type == 11 && !(tls.handshake.type == 22)' -T fields -e x509af.serialNumber"
                                 " -e x509ce.dNSName -e x509af.utcTime -e x509af.generalizedTime 2>/dev/null");
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    auto cols = split(line, '\t');
    if (cols.size() != 4) continue;
    for (const auto& v : split(cols[0], ',')) {
      if (!v.empty()) out.serials.insert(normal_serial(v));
    }
    for (const auto& v : split(cols[1], ',')) {
      if (!v.empty()) out.dns_names.insert(v);
    }
    for (int c = 2; c <= 3; ++c) {
      for (const auto& v : split(cols[static_cast<std::size_t>(c)], ',')) {
        if (v.size() >= 19) out.times.insert(v.substr(0, 19));
      }
    }
  }
  return out;
}

cert_facts our_certs(const analyze::analyzer& a) {
  cert_facts out;
  for (const auto& e : a.tls().entries()) {
    for (const auto* chain : {&e.server_certs, &e.client_certs}) {
      for (const auto& c : *chain) {
        out.serials.insert(normal_serial(c.serial));
        for (const auto& d : c.san_dns) out.dns_names.insert(d);
        if (c.has_validity) {
          for (auto t : {c.not_before, c.not_after}) {
            auto x = app::x509_time_text(t);  // "YYYY-MM-DDTHH:MM:SSZ"
            x[10] = ' ';
            out.times.insert(x.substr(0, 19));
          }
        }
      }
    }
  }
  return out;
}

// How many of `want` are found in `got` (multiset intersection size).
std::size_t common(const std::multiset<std::string>& want, std::multiset<std::string> got) {
  std::size_t n = 0;
  for (const auto& w : want) {
    auto it = got.find(w);
    if (it != got.end()) {
      ++n;
      got.erase(it);
    }
  }
  return n;
}

const char* cert_cases[] = {
    "suricata-verify/tests__tls__tls-cert-issuer__tls.pcap",
    "suricata-verify/tests__tls__tls-subjectaltname__input.pcap",
    "ndpi/tests__cfgs__default__pcap__tls_certificate_too_long.pcap",
    "ndpi/tests__cfgs__default__pcap__tls_long_cert.pcap",
    "zeek/testing__btest__Traces__tls__ocsp-stapling.pcap",
    "ja4/tls12.pcap",
    "ndpi/tests__cfgs__default__pcap__anyconnect-vpn.pcap",
    "ndpi/tests__cfgs__default__pcap__KakaoTalk_chat.pcap",
    "suricata-verify/tests__base64-decode-5885__input.pcap",
    "pcapplusplus/Tests__ExamplesTest__pcap_examples__many-protocols.pcap",
};

TEST(TlsTsharkTest, CertificateFieldsMatchTshark) {
  auto dir = test::corpus_dir();
  if (!dir) GTEST_SKIP() << "no corpus";
  if (!have_tshark()) GTEST_SKIP() << "no tshark";
  std::size_t want[3] = {}, got[3] = {};
  const char* what[3] = {"serials", "SAN dNSNames", "validity times"};
  for (const char* name : cert_cases) {
    auto path = (*dir / name).string();
    if (!std::filesystem::exists(path)) continue;
    auto t = tshark_certs(path);
    auto a = analyze_file(path);
    ASSERT_TRUE(a) << path;
    auto o = our_certs(*a);
    const std::multiset<std::string>* tw[3] = {&t.serials, &t.dns_names, &t.times};
    const std::multiset<std::string>* ow[3] = {&o.serials, &o.dns_names, &o.times};
    for (int k = 0; k < 3; ++k) {
      std::size_t c = common(*tw[k], *ow[k]);
      want[k] += tw[k]->size();
      got[k] += c;
      if (c != tw[k]->size()) {
        std::cout << "  " << name << ": " << what[k] << " " << c << "/" << tw[k]->size() << "\n";
      }
    }
  }
  for (int k = 0; k < 3; ++k) {
    std::cout << "certificates, " << what[k] << ": " << got[k] << "/" << want[k] << " as tshark\n";
    EXPECT_GE(100 * got[k], 99 * want[k]) << what[k];
  }
  EXPECT_GT(want[0], 20u);
}

// --- FoxIO JA4 expected values -------------------------------------------------------------

// The flat objects of an expected/*.json array: key -> value (strings and numbers as text).
std::vector<std::map<std::string, std::string>> read_expected(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  std::string s = ss.str();
  std::vector<std::map<std::string, std::string>> out;
  std::size_t i = 0;
  auto skip_ws = [&] {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  };
  auto read_string = [&] {
    std::string v;
    ++i;  // opening quote
    while (i < s.size() && s[i] != '"') {
      if (s[i] == '\\' && i + 1 < s.size()) ++i;
      v += s[i++];
    }
    ++i;
    return v;
  };
  while (i < s.size()) {
    if (s[i] != '{') {
      ++i;
      continue;
    }
    ++i;
    std::map<std::string, std::string> obj;
    for (;;) {
      skip_ws();
      if (i >= s.size() || s[i] == '}') break;
      if (s[i] == ',') {
        ++i;
        continue;
      }
      if (s[i] != '"') return out;  // not the flat shape this reader knows
      std::string key = read_string();
      skip_ws();
      if (i < s.size() && s[i] == ':') ++i;
      skip_ws();
      std::string value;
      if (i < s.size() && s[i] == '"') {
        value = read_string();
      } else {
        while (i < s.size() && s[i] != ',' && s[i] != '}' && !std::isspace(static_cast<unsigned char>(s[i]))) value += s[i++];
      }
      obj[key] = value;
    }
    ++i;
    out.push_back(std::move(obj));
  }
  return out;
}

TEST(TlsTsharkTest, Ja4MatchesFoxioExpectedValues) {
  auto dir = test::corpus_dir();
  if (!dir) GTEST_SKIP() << "no corpus";
  auto expected_dir = *dir / "ja4" / "expected";
  if (!std::filesystem::exists(expected_dir)) GTEST_SKIP() << "no ja4 captures";
  std::size_t total = 0, matched = 0, raw_matched = 0, files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(expected_dir)) {
    auto json = entry.path();
    auto capture = *dir / "ja4" / json.stem();  // "tls12.pcap.json" -> "tls12.pcap"
    if (!std::filesystem::exists(capture)) continue;
    // TCP ClientHellos only ('t'); QUIC ('q') is the QUIC logger's.
    std::vector<std::map<std::string, std::string>> rows;
    for (auto& row : read_expected(json.string())) {
      bool tcp = false;
      for (const auto& [k, v] : row) {
        if (k.rfind("JA4.", 0) == 0 && !v.empty() && v[0] == 't') tcp = true;
      }
      if (tcp) rows.push_back(std::move(row));
    }
    if (rows.empty()) continue;
    ++files;
    auto a = analyze_file(capture.string());
    ASSERT_TRUE(a) << capture;
    // Our hellos by connection (client address and port, server address and port).
    std::map<std::string, std::vector<app::tls_hello_info>> ours;
    for (const auto& e : a->tls().entries()) {
      std::string key = e.id.orig_h + " " + std::to_string(e.id.orig_p) + " " + e.id.resp_h + " " +
                        std::to_string(e.id.resp_p);
      auto& v = ours[key];
      v.insert(v.end(), e.client_hellos.begin(), e.client_hellos.end());
    }
    for (const auto& row : rows) {
      std::string key = row.at("src") + " " + row.at("srcport") + " " + row.at("dst") + " " + row.at("dstport");
      auto it = ours.find(key);
      for (int n = 1; n <= 8; ++n) {
        auto w = row.find("JA4." + std::to_string(n));
        if (w == row.end()) break;
        ++total;
        const app::tls_hello_info* h = nullptr;
        if (it != ours.end() && static_cast<std::size_t>(n) <= it->second.size()) h = &it->second[static_cast<std::size_t>(n - 1)];
        if (h && h->ja4 == w->second) {
          ++matched;
        } else {
          ADD_FAILURE() << json.filename() << " stream " << row.at("stream") << " (" << key << ") JA4." << n
                        << ": want " << w->second << ", got " << (h ? h->ja4 : std::string("(none)"));
        }
        auto wr = row.find("JA4_r." + std::to_string(n));
        if (wr != row.end() && h && h->ja4_r == wr->second) {
          ++raw_matched;
        } else if (wr != row.end()) {
          ADD_FAILURE() << json.filename() << " stream " << row.at("stream") << " JA4_r." << n << ": want "
                        << wr->second << ", got " << (h ? h->ja4_r : std::string("(none)"));
        }
      }
    }
  }
  if (files == 0) GTEST_SKIP() << "no TCP JA4 expectations";
  std::cout << "JA4: " << matched << "/" << total << " match FoxIO (JA4_r " << raw_matched << ") in " << files
            << " captures\n";
  EXPECT_GT(total, 100u);
}

}  // namespace
