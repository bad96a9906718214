// QUIC against tshark on the corpus captures with QUIC (skipped without tshark or corpus): the
// ClientHellos tshark finds in decrypted Initial packets (`quic && tls.handshake.type==1`, which
// tshark decrypts with the same RFC 9001 initial secrets) must be found by our logger with the
// same server name, first ALPN protocol and completing frame; and JA4 computed from tshark's
// ClientHello fields (FoxIO's algorithm, written out below) must equal ours. FoxIO's expected
// JSON files hold no QUIC JA4 values for their two QUIC captures (inspected: only TCP entries),
// so tshark's fields are the oracle here. Differences are in docs/quic.md.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "pcapscope/app/quic.hpp"
#include "pcapscope/app/tls.hpp"
#include "pcapscope/capture/file.hpp"
#include "pcapscope/flow/flow.hpp"
#include "pcapscope/index/index.hpp"
#include "pcapscope/util/sha256.hpp"
#include "support/test_support.hpp"

namespace {

using namespace pcapscope;
using test::have_tshark;
using test::split;



// One ClientHello as tshark shows it.
struct tshark_hello {
  std::string sni, alpn_first, ja4;
};

constexpr const char* tshark_fields[] = {
    "frame.number", "tls.handshake.extensions_server_name", "tls.handshake.extensions_alpn_str",
    "tls.handshake.ciphersuite", "tls.handshake.extension.type", "tls.handshake.sig_hash_alg",
    "tls.handshake.extensions.supported_version", "tls.handshake.version"};

std::uint16_t num(const std::string& s) { return static_cast<std::uint16_t>(std::stoul(s, nullptr, 0)); }

bool grease(std::uint16_t v) { return (v & 0x0F0F) == 0x0A0A && (v >> 8) == (v & 0xFF); }

std::string hex4(std::uint16_t v) {
  char b[8];
  std::snprintf(b, sizeof b, "%04x", v);
  return b;
}

std::string sha12(const std::string& s) {
  auto d = util::sha256_digest(util::bytes(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()));
  std::string out;
  for (std::size_t i = 0; i < 6; ++i) {
    char b[4];
    std::snprintf(b, sizeof b, "%02x", d[i]);
    out += b;
  }
  return out;
}

// JA4 (FoxIO, BSD-3) from tshark's fields, for transport 'q'.
std::string ja4_from_fields(const std::vector<std::string>& cols) {
  auto list = [&](std::size_t i) {
    std::vector<std::uint16_t> v;
    if (cols[i].empty()) return v;
    for (const auto& x : split(cols[i], ',')) {
      auto n = num(x);
      if (!grease(n)) v.push_back(n);
    }
    return v;
  };
  auto ciphers = list(3), exts = list(4), sigs = list(5), versions = list(6);
  std::uint16_t ver = versions.empty() ? num(cols[7]) : *std::max_element(versions.begin(), versions.end());
  std::string v = ver == 0x0304 ? "13" : ver == 0x0303 ? "12" : ver == 0x0302 ? "11" : ver == 0x0301 ? "10" : "00";
  bool sni = std::find(exts.begin(), exts.end(), 0) != exts.end();
  std::string alpn = "00";
  if (!cols[2].empty()) {
    std::string first = split(cols[2], ',')[0];
    if (!first.empty()) {
      auto alnum = [](char ch) { return std::isalnum(static_cast<unsigned char>(ch)) != 0; };
      if (alnum(first.front()) && alnum(first.back())) {
        alpn = std::string{first.front()} + first.back();
      } else {
        char b[8];
        std::snprintf(b, sizeof b, "%02x", static_cast<unsigned char>(first.front()));
        std::string h1 = b;
        std::snprintf(b, sizeof b, "%02x", static_cast<unsigned char>(first.back()));
        alpn = std::string{h1[0]} + b[1];
      }
    }
  }
  char head[32];
  std::snprintf(head, sizeof head, "q%s%c%02zu%02zu", v.c_str(), sni ? 'd' : 'i', std::min<std::size_t>(ciphers.size(), 99),
                std::min<std::size_t>(exts.size(), 99));
  std::sort(ciphers.begin(), ciphers.end());
  std::string cs;
  for (auto c : ciphers) cs += (cs.empty() ? "" : ",") + hex4(c);
  std::vector<std::uint16_t> sorted_exts;
  for (auto e : exts) {
    if (e != 0x0000 && e != 0x0010) sorted_exts.push_back(e);
  }
  std::sort(sorted_exts.begin(), sorted_exts.end());
  std::string es;
  for (auto e : sorted_exts) es += (es.empty() ? "" : ",") + hex4(e);
  std::string ss;
  for (auto s : sigs) ss += (ss.empty() ? "" : ",") + hex4(s);
  std::string ext_part = sigs.empty() ? es : es + "_" + ss;
  return std::string(head) + alpn + "_" + (ciphers.empty() ? "000000000000" : sha12(cs)) + "_" +
         (sorted_exts.empty() ? "000000000000" : sha12(ext_part));
}

std::map<std::uint64_t, tshark_hello> tshark_hellos(const std::string& path) {
  std::map<std::uint64_t, tshark_hello> out;
  std::string cmd = "tshark -n -r '" + path + "' -Y 'quic && tls.handshake.type==1' -T fields -E occurrence=a";
  for (auto f : tshark_fields) cmd += std::string(" -e ") + f;
  cmd += " 2>/dev/null";
  std::string all = test::command_output(cmd);
  std::istringstream in(all);
  std::string line;
  while (std::getline(in, line)) {
    auto cols = split(line, '\t');
    if (cols.size() != std::size(tshark_fields) || cols[0].empty()) continue;
    tshark_hello h;
    h.sni = cols[1];
    h.alpn_first = cols[2].empty() ? "" : split(cols[2], ',')[0];
    // Two ClientHellos in one frame would merge their fields: leave JA4 out then.
    if (cols[7].find(',') == std::string::npos) h.ja4 = ja4_from_fields(cols);
    out[std::stoull(cols[0])] = h;
  }
  return out;
}

// Our pass: the index builder tracks flows and dissects; every UDP payload goes to the logger.
struct our_pass : capture::handler {
  flow::flow_tracker tracker;
  index::index_builder builder{nullptr, &tracker};
  app::quic_logger log{&tracker};
  std::uint64_t frame = 0;
  void on_record(const capture::record& r) override {
    ++frame;
    builder.on_record(r);
    const auto& p = builder.last_packet();
    const auto& t = builder.last_track();
    if (t.id == 0 || p.top() != dissect::proto::udp || p.payload_length == 0) return;
    const auto* udp = p.last(dissect::proto::udp);
    if (!udp || (udp->flags & dissect::layer_quoted)) return;
    auto data = builder.last_flow_record().data;
    if (std::size_t{p.payload_offset} + p.payload_length > data.size()) return;
    log.on_datagram({t.id, frame, r.ts_ns}, t.from_orig ? 0 : 1, data.subspan(p.payload_offset, p.payload_length));
  }
};

const char* const cases[] = {
    "arkime/tests__pcap__arkime_synthetic.pcap",
    "arkime/tests__pcap__quic34.pcap",
    "ndpi/tests__cfgs__default__pcap__quic-33.pcapng",
    "ndpi/tests__cfgs__default__pcap__quic-mvfst-22.pcap",
    "ndpi/tests__cfgs__default__pcap__quic-v2.pcapng",
    "ndpi/tests__cfgs__default__pcap__quic_frags_ch_out_of_order_same_packet_craziness.pcapng",
    "pcapplusplus/Tests__Pcap++Test__PcapExamples__many_interfaces-1.pcapng",
    "suricata-verify/tests__quic-ack3__input.pcap",
    "ja4/quic-tls-handshake.pcapng",
    "ja4/chrome-cloudflare-quic-with-secrets.pcapng",
};

TEST(QuicTsharkTest, ClientHellosMatchTshark) {
  auto dir = test::corpus_dir();
  if (!dir) GTEST_SKIP() << "no corpus";
  if (!have_tshark()) GTEST_SKIP() << "no tshark";
  std::size_t files = 0, want_total = 0, found = 0, sni_agree = 0, alpn_agree = 0, ja4_total = 0, ja4_agree = 0;
  std::size_t extra = 0;
  for (const char* c : cases) {
    auto path = (*dir / c).string();
    if (!std::filesystem::exists(path)) continue;
    ++files;
    auto want = tshark_hellos(path);
    our_pass ours;
    std::string err;
    auto f = capture::capture_file::open(path, err);
    ASSERT_TRUE(f) << err;
    f->read_all(&ours);
    ours.log.finish();
    std::map<std::uint64_t, const app::quic_log_entry*> got;
    for (const auto& e : ours.log.entries()) {
      if (e.has_client_hello) got[e.client_hello_frame] = &e;
    }
    for (const auto& [frame, w] : want) {
      ++want_total;
      auto it = got.find(frame);
      if (it == got.end()) {
        ADD_FAILURE() << c << " frame " << frame << ": tshark has a ClientHello (SNI \"" << w.sni << "\"), we do not";
        continue;
      }
      ++found;
      const auto& e = *it->second;
      if (e.server_name == w.sni) ++sni_agree;
      else ADD_FAILURE() << c << " frame " << frame << " SNI: ours \"" << e.server_name << "\" tshark \"" << w.sni << "\"";
      if (e.client_protocol == w.alpn_first) ++alpn_agree;
      else ADD_FAILURE() << c << " frame " << frame << " ALPN: ours \"" << e.client_protocol << "\" tshark \"" << w.alpn_first << "\"";
      if (!w.ja4.empty()) {
        ++ja4_total;
        if (e.ja4 == w.ja4) ++ja4_agree;
        else ADD_FAILURE() << c << " frame " << frame << " JA4: ours " << e.ja4 << " from tshark's fields " << w.ja4;
      }
    }
    for (const auto& [frame, e] : got) {
      if (!want.count(frame)) {
        ++extra;
        ADD_FAILURE() << c << " frame " << frame << ": we have a ClientHello (SNI \"" << e->server_name << "\"), tshark does not";
      }
    }
  }
  if (files == 0) GTEST_SKIP() << "no QUIC captures in the corpus";
  std::printf("[quic-tshark] files %zu, tshark ClientHellos %zu, found %zu, SNI agree %zu, ALPN agree %zu, JA4 %zu/%zu, extra %zu\n",
              files, want_total, found, sni_agree, alpn_agree, ja4_agree, ja4_total, extra);
  EXPECT_GT(want_total, 10u);
}

}  // namespace
