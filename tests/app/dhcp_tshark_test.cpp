// DHCP messages against tshark 4.0, per frame: transaction id, message type, client MAC
// (chaddr and the client identifier's), host name, requested and assigned address, server id,
// lease time, vendor class, client FQDN and domain name, computed at test time on the corpus
// captures with DHCP (skipped without tshark or corpus). Differences are in docs/dhcp.md.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "pcapscope/app/dhcp.hpp"
#include "pcapscope/app/dhcp_log.hpp"
#include "pcapscope/capture/file.hpp"
#include "pcapscope/flow/flow.hpp"
#include "pcapscope/index/index.hpp"
#include "support/test_support.hpp"

namespace {

using namespace pcapscope;
using test::have_tshark;

constexpr int n_fields = 11;  // after frame.number
const char* field_names[n_fields] = {"dhcp.id", "dhcp.option.dhcp", "dhcp.hw.mac_addr", "dhcp.option.hostname",
                                     "dhcp.option.requested_ip_address", "dhcp.ip.your", "dhcp.option.dhcp_server_id",
                                     "dhcp.option.ip_address_lease_time", "dhcp.option.vendor_class_id",
                                     "dhcp.fqdn.name", "dhcp.option.domain_name"};
using frame_fields = std::array<std::string, n_fields>;


// Every frame's fields (one tshark run also gives the frame count); DHCP frames are those with a
// transaction id.
std::map<std::uint64_t, frame_fields> tshark_dhcp(const std::string& path, std::uint64_t& frames) {
  std::map<std::uint64_t, frame_fields> out;
  frames = 0;
  std::string cmd = "tshark -n -r '" + path + "' -T fields -e frame.number";
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
    frames = std::max<std::uint64_t>(frames, std::stoull(cols[0]));
    if (cols[1].empty()) continue;
    frame_fields f;
    for (int i = 0; i < n_fields; ++i) f[static_cast<std::size_t>(i)] = cols[static_cast<std::size_t>(i) + 1];
    out[std::stoull(cols[0])] = f;
  }
  return out;
}

std::string ip4(const std::array<std::uint8_t, 4>& a) {
  char b[16];
  std::snprintf(b, sizeof b, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
  return b;
}

std::string mac(util::bytes b) {
  std::string s;
  char t[4];
  for (std::size_t i = 0; i < b.size(); ++i) {
    std::snprintf(t, sizeof t, i ? ":%02x" : "%02x", b[i]);
    s += t;
  }
  return s;
}

// tshark prints option strings as they are (up to a NUL).
std::string str(util::bytes b) {
  std::string s;
  for (auto c : b) {
    if (c == 0) break;
    s += static_cast<char>(c);
  }
  return s;
}

// The analysis pass's job, done here: UDP payloads on port 67/68 go to the logger.
struct our_pass : capture::handler {
  flow::flow_tracker tracker;
  app::dhcp_logger log{&tracker};
  index::index_builder builder{nullptr, &tracker};
  std::uint64_t frame = 0;
  std::map<std::uint64_t, frame_fields> fields;
  std::set<std::uint64_t> anomalous;

  our_pass() {
    log.on_message_seen = [this](const app::stream_ctx& c, int, const app::dhcp_message& m) {
      auto& f = fields[c.frame];
      char xid[16];
      std::snprintf(xid, sizeof xid, "0x%08x", m.xid);
      f[0] = xid;
      if (m.msg_type) f[1] = std::to_string(m.msg_type);
      std::string macs;
      if (m.htype == 1 && m.hlen == 6) macs = mac(m.chaddr);
      if (m.client_id.size() == 7 && m.client_id[0] == 1) macs += (macs.empty() ? "" : ",") + mac(m.client_id.subspan(1));
      f[2] = macs;
      f[3] = str(m.host_name);
      if (m.has_requested_addr) f[4] = ip4(m.requested_addr);
      f[5] = ip4(m.yiaddr);
      if (m.has_server_id) f[6] = ip4(m.server_id);
      if (m.has_lease_time) f[7] = std::to_string(m.lease_time);
      f[8] = str(m.vendor_class);
      if (m.has_fqdn) {
        std::string q;
        m.fqdn_text(q);
        f[9] = q;
      }
      f[10] = str(m.domain_name);
      if (m.anomaly_count) anomalous.insert(c.frame);
    };
  }
  void on_record(const capture::record& r) override {
    ++frame;
    builder.on_record(r);
    const auto& p = builder.last_packet();
    if (p.count == 0) return;
    const auto& l = p.layers[p.count - 1];
    if (l.kind != dissect::proto::udp || (l.flags & dissect::layer_quoted)) return;
    if (!app::is_dhcp_port(l.udp.sport) || !app::is_dhcp_port(l.udp.dport)) return;
    const auto& fr = builder.last_flow_record();
    if (std::size_t{p.payload_offset} + p.payload_length > fr.data.size()) return;
    const auto& t = builder.last_track();
    app::stream_ctx ctx{t.id, frame, r.ts_ns};
    log.on_datagram(ctx, t.from_orig ? 0 : 1, fr.data.subspan(p.payload_offset, p.payload_length));
    if (p.first_anomaly != dissect::anomaly::none || r.caplen < r.origlen) anomalous.insert(frame);
  }
};

TEST(DhcpTsharkTest, PerMessageFieldsMatchTshark) {
  auto dir = test::corpus_dir();
  if (!dir) GTEST_SKIP() << "no corpus";
  if (!have_tshark()) GTEST_SKIP() << "no tshark";
  // The corpus captures the manifest lists with DHCP, plus two with DHCP among other traffic.
  std::vector<std::string> files = {"arkime/tests__pcap__arkime_synthetic.pcap",
                                    "pcapplusplus/Tests__Pcap++Test__PcapExamples__sll.pcap"};
  {
    std::ifstream manifest(*dir / "MANIFEST.tsv");
    std::string line;
    while (std::getline(manifest, line)) {
      auto name = line.substr(0, line.find('\t'));
      // The gopacket pcapng tests come in both byte orders with the same packets: one suffices.
      if (line.find("dhcp(") != std::string::npos && name.find("__be__") == std::string::npos) files.push_back(name);
    }
  }
  std::size_t renumbered = 0;
  std::uint64_t frames = 0, agree = 0, fields_total = 0, fields_agree = 0, malformed = 0, entries = 0;
  std::size_t used = 0;
  for (const auto& c : files) {
    auto path = (*dir / c).string();
    if (!std::filesystem::exists(path)) continue;
    std::uint64_t tshark_frames = 0;
    auto want = tshark_dhcp(path, tshark_frames);
    if (want.empty()) continue;  // tshark cannot read it (e.g. pcapng version 2)
    our_pass ours;
    std::string err;
    auto f = capture::capture_file::open(path, err);
    ASSERT_TRUE(f) << err;
    f->read_all(&ours);
    // tshark 4.0 numbers pcapng custom blocks as frames too: frame numbers differ then.
    if (tshark_frames != ours.frame) {
      ++renumbered;
      continue;
    }
    ++used;
    ours.log.finish();
    entries += ours.log.entries().size();
    int shown = 0;
    for (const auto& [frame, w] : want) {
      if (ours.anomalous.count(frame)) {
        ++malformed;  // cut by a snap length or malformed: counted, not required to agree
        continue;
      }
      ++frames;
      auto it = ours.fields.find(frame);
      if (it == ours.fields.end()) {
        if (shown++ < 8) ADD_FAILURE() << c << " frame " << frame << ": DHCP for tshark only";
        continue;
      }
      bool all = true;
      for (int i = 0; i < n_fields; ++i) {
        auto k = static_cast<std::size_t>(i);
        ++fields_total;
        if (it->second[k] == w[k]) {
          ++fields_agree;
          continue;
        }
        all = false;
        if (shown++ < 12) {
          ADD_FAILURE() << c << " frame " << frame << " " << field_names[i] << ": ours \"" << it->second[k]
                        << "\" tshark \"" << w[k] << "\"";
        }
      }
      if (all) ++agree;
    }
    for (const auto& [frame, got] : ours.fields) {
      if (!want.count(frame) && !ours.anomalous.count(frame) && shown++ < 5) ADD_FAILURE() << c << " frame " << frame << ": DHCP for us only";
    }
  }
  std::printf("[dhcp vs tshark] %zu captures: %llu well-formed frames, %llu identical, fields %llu/%llu; %llu "
              "malformed or cut frames skipped; %llu log entries; %zu captures skipped (tshark numbers other blocks as frames)\n",
              used, static_cast<unsigned long long>(frames), static_cast<unsigned long long>(agree),
              static_cast<unsigned long long>(fields_agree), static_cast<unsigned long long>(fields_total),
              static_cast<unsigned long long>(malformed), static_cast<unsigned long long>(entries), renumbered);
  EXPECT_GE(used, 10u);
  EXPECT_GT(frames, 10000u);
}

}  // namespace
