// DNS messages against tshark, per frame: transaction id, QR, question names and types, rcode,
// A/AAAA/CNAME records (all sections) and the answer count, computed at test time on corpus
// captures with DNS (skipped without tshark or corpus). Differences are in docs/dns.md.
#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "pcapscope/app/dns.hpp"
#include "pcapscope/capture/file.hpp"
#include "pcapscope/flow/flow.hpp"
#include "pcapscope/index/index.hpp"
#include "support/test_support.hpp"

namespace {

using namespace pcapscope;
using test::have_tshark;

constexpr int n_fields = 9;  // after frame.number
const char* field_names[n_fields] = {"dns.id", "dns.flags.response", "dns.qry.name", "dns.qry.type",
                                     "dns.flags.rcode", "dns.a", "dns.aaaa", "dns.cname", "dns.count.answers"};
using frame_fields = std::array<std::string, n_fields>;


std::map<std::uint64_t, frame_fields> tshark_dns(const std::string& path) {
  std::map<std::uint64_t, frame_fields> out;
  std::string cmd = "tshark -n -r '" + path + "' -Y 'dns || mdns || llmnr' -T fields -e frame.number";
  for (auto f : field_names) cmd += std::string(" -e ") + f;
  cmd += " 2>/dev/null";
  std::string all = test::command_output(cmd);
  std::istringstream in(all);
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> cols;
    std::size_t start = 0;
    for (;;) {
      auto tab = line.find('\t', start);
      cols.push_back(line.substr(start, tab == std::string::npos ? std::string::npos : tab - start));
      if (tab == std::string::npos) break;
      start = tab + 1;
    }
    if (cols.size() != n_fields + 1) continue;
    frame_fields f;
    for (int i = 0; i < n_fields; ++i) f[static_cast<std::size_t>(i)] = cols[static_cast<std::size_t>(i) + 1];
    out[std::stoull(cols[0])] = f;
  }
  return out;
}

// Our name escapes ("\\xNN", "\\.") as tshark 4.0 prints them: control bytes in octal
// ("\\022") or C escapes ("\\r"), bytes above 0x7f as U+FFFD, dots and backslashes as they are.
std::string tshark_style(const std::string& n) {
  std::string out;
  for (std::size_t i = 0; i < n.size(); ++i) {
    if (n[i] == '\\' && i + 1 < n.size() && (n[i + 1] == '.' || n[i + 1] == '\\')) {
      out += n[++i];  // tshark does not escape these
    } else if (n[i] == '\\' && i + 3 < n.size() && n[i + 1] == 'x') {
      unsigned v = static_cast<unsigned>(std::stoul(n.substr(i + 2, 2), nullptr, 16));
      static const char* c_escapes = "abtnvfr";  // 7..13
      if (v >= 0x80) {
        out += "\xEF\xBF\xBD";
      } else if (v >= 7 && v <= 13) {
        out += '\\';
        out += c_escapes[v - 7];
      } else {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\%03o", v);
        out += buf;
      }
      i += 3;
    } else {
      out += n[i];
    }
  }
  return out.empty() ? "<Root>" : out;
}

void join(std::string& s, const std::string& v) {
  if (!s.empty()) s += ',';
  s += v;
}

// Our fields per frame, joined over the frame's messages as tshark joins occurrences.
struct our_pass : capture::handler {
  flow::flow_tracker tracker;
  app::dns_logger log{&tracker};
  app::dns_index_handler h{log};
  index::index_builder builder{&h, &tracker};
  std::uint64_t frame = 0;
  std::map<std::uint64_t, frame_fields> fields;
  std::set<std::uint64_t> quoted;   // frames whose only UDP/TCP is inside an ICMP error
  std::set<std::uint64_t> partial;  // frames with a TCP DNS message spanning segments
  std::set<std::uint64_t> anomalous;  // frames with a DNS or dissection anomaly
  std::set<std::uint64_t> other_port;  // frames that are not DNS by their ports
  app::dns_payloads where;

  our_pass() {
    h.set_source(&builder);
    log.on_message_seen = [this](const capture::record&, const app::dns_payloads&, const app::dns_message& m) {
      auto& f = fields[frame];
      char id[16];
      std::snprintf(id, sizeof id, "0x%04x", m.id);
      join(f[0], id);
      join(f[1], m.qr() ? "1" : "0");
      for (const auto& rr : m.records) {
        if (rr.section == app::dns_section::question) {
          join(f[2], tshark_style(m.name_text(rr.name)));
          join(f[3], std::to_string(rr.type));
          continue;
        }
        app::dns_rdata d;
        if (!app::decode_rdata(m, rr, d)) continue;
        if (rr.type == app::dns_a || rr.type == app::dns_aaaa) {
          std::string s;
          app::rdata_text(m, rr, s);
          join(f[rr.type == app::dns_a ? 5 : 6], s);
        } else if (rr.type == app::dns_cname) {
          join(f[7], tshark_style(m.name_text(d.target)));
        }
      }
      if (m.qr()) join(f[4], std::to_string(m.rcode()));
      // tshark names the UPDATE sections zones/prerequisites/updates/additional: no
      // dns.count.answers then.
      if (m.opcode() != 5) join(f[8], std::to_string(m.count[1]));
      if (m.anomaly_count) anomalous.insert(frame);
    };
  }
  void on_record(const capture::record& r) override {
    ++frame;
    std::uint64_t before = log.counters().tcp_partial + log.counters().tcp_continuations;
    builder.on_record(r);
    if (log.counters().tcp_partial + log.counters().tcp_continuations != before) partial.insert(frame);
    const auto& p = builder.last_packet();
    if (!app::find_dns(builder.last_flow_record().data, p, where)) other_port.insert(frame);
    if (p.first_anomaly != dissect::anomaly::none) anomalous.insert(frame);
    for (std::size_t i = 0; i < p.count; ++i) {
      if ((p.layers[i].flags & dissect::layer_quoted) &&
          (p.layers[i].kind == dissect::proto::udp || p.layers[i].kind == dissect::proto::tcp)) {
        quoted.insert(frame);
      }
    }
  }
};

struct corpus_case {
  const char* path;
};

const corpus_case cases[] = {
    {"dpkt/examples__data__nb6-http.pcap"},
    {"arkime/tests__pcap__dns-mx.pcap"},
    {"arkime/tests__pcap__arkime_synthetic.pcap"},
    {"arkime/tests__pcap__v6.pcap"},
    {"pcapplusplus/Tests__Pcap++Test__PcapExamples__DnsPackets.pcap"},
    {"ndpi/tests__cfgs__default__pcap__anyconnect-vpn.pcap"},
    {"ndpi/tests__cfgs__default__pcap__tls_certificate_too_long.pcap"},
    {"suricata-verify/tests__dns-reversed-tcp-1__dns.pcap"},
    {"zeek/testing__btest__Traces__dns-inverse-query.pcap"},
    {"dpkt/examples__data__truncated_dns.pcap"},
    {"pcap-parser/assets__wireshark_samples-test.pcapng"},
    {"ndpi/tests__cfgs__default__pcap__fuzz-2006-06-26-2594.pcap"},
    {"arkime/tests__pcap__ipv6-gtp6.pcap"},
    {"arkime/tests__pcap__dns-update.pcap"},
    {"zeek/testing__btest__Traces__erspan.pcap"},
    {"zeek/testing__btest__Traces__wlanmon.pcap"},
    {"tcpdump/tests__nflog.pcap"},
    {"pcapplusplus/Tests__Pcap++Test__PcapExamples__sll.pcap"},
    {"ndpi/tests__cfgs__default__pcap__KakaoTalk_chat.pcap"},
    {"dpkt/examples__data__truncated_dns_2.pcap"},
    {"ndpi/tests__cfgs__default__pcap__someip_sd_sample.pcap"},
};

TEST(DnsTsharkTest, PerMessageFieldsMatchTshark) {
  auto dir = test::corpus_dir();
  if (!dir) GTEST_SKIP() << "no corpus";
  if (!have_tshark()) GTEST_SKIP() << "no tshark";
  std::uint64_t frames = 0, agree = 0, field_total = 0, field_agree = 0, skipped_quoted = 0, skipped_partial = 0,
                skipped_port = 0, malformed_frames = 0, malformed_fields = 0, malformed_agree = 0;
  for (const auto& c : cases) {
    auto path = (*dir / c.path).string();
    if (!std::filesystem::exists(path)) continue;
    auto want = tshark_dns(path);
    our_pass ours;
    std::string err;
    auto f = capture::capture_file::open(path, err);
    ASSERT_TRUE(f) << err;
    f->read_all(&ours);
    int shown = 0;
    for (const auto& [frame, w] : want) {
      if (ours.quoted.count(frame)) {
        ++skipped_quoted;
        continue;
      }
      if (ours.other_port.count(frame)) {
        ++skipped_port;
        continue;
      }
      if (ours.partial.count(frame) && !ours.fields.count(frame)) {
        ++skipped_partial;
        continue;
      }
      bool malformed = ours.anomalous.count(frame) != 0;
      ++(malformed ? malformed_frames : frames);
      const frame_fields empty{};
      auto it = ours.fields.find(frame);
      const frame_fields& got = it == ours.fields.end() ? empty : it->second;
      bool all = true;
      for (int i = 0; i < n_fields; ++i) {
        ++(malformed ? malformed_fields : field_total);
        if (got[static_cast<std::size_t>(i)] == w[static_cast<std::size_t>(i)]) {
          ++(malformed ? malformed_agree : field_agree);
          continue;
        }
        all = false;
        if (malformed) continue;  // malformed messages: counted, not required to agree (docs/dns.md)
        if (shown++ < 12) {
          ADD_FAILURE() << c.path << " frame " << frame << " " << field_names[i] << ": ours \""
                        << got[static_cast<std::size_t>(i)] << "\" tshark \"" << w[static_cast<std::size_t>(i)] << "\"";
        }
      }
      if (all && !malformed) ++agree;
    }
    // Frames we see as DNS that tshark does not.
    for (const auto& [frame, got] : ours.fields) {
      if (!want.count(frame) && shown++ < 5) ADD_FAILURE() << c.path << " frame " << frame << ": DNS for us only";
    }
  }
  std::printf("[dns vs tshark] well-formed: %llu frames, %llu identical, fields %llu/%llu; malformed: %llu frames, "
              "fields %llu/%llu; skipped: %llu quoted in ICMP, "
              "%llu TCP messages spanning segments, %llu not on a DNS port\n",
              static_cast<unsigned long long>(frames), static_cast<unsigned long long>(agree),
              static_cast<unsigned long long>(field_agree), static_cast<unsigned long long>(field_total),
              static_cast<unsigned long long>(malformed_frames), static_cast<unsigned long long>(malformed_agree),
              static_cast<unsigned long long>(malformed_fields),
              static_cast<unsigned long long>(skipped_quoted), static_cast<unsigned long long>(skipped_partial),
              static_cast<unsigned long long>(skipped_port));
  EXPECT_GT(frames, 500u);
}

}  // namespace
