// DHCP parser and logger on hand-built messages (RFC 2131/2132 layouts written out here): a full
// DISCOVER/OFFER/REQUEST/ACK exchange through the flow tracker, option overload, client FQDN in
// both encodings, relay agent sub-options, every named anomaly, the transaction window, and the
// dhcp.log record format.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>
#include <vector>

#include "pcapscope/app/dhcp.hpp"
#include "pcapscope/app/dhcp_log.hpp"
#include "pcapscope/flow/flow.hpp"
#include "support/packets.hpp"

namespace {

using namespace pcapscope;
using bytes_t = std::vector<std::uint8_t>;

using pcapscope::test::put16;
using pcapscope::test::put32;

const std::array<std::uint8_t, 6> client_mac = {0x00, 0x0c, 0x29, 0x1f, 0x74, 0x06};

// A BOOTP header (236 bytes) + magic cookie + `options` (code, length, value... as given).
bytes_t dhcp(std::uint8_t op, std::uint32_t xid, std::array<std::uint8_t, 4> yiaddr, const bytes_t& options,
             bool cookie = true, std::uint8_t hlen = 6) {
  bytes_t b = {op, 1, hlen, 0};
  put32(b, xid);
  put16(b, 0);
  put16(b, 0x8000);
  b.resize(b.size() + 4, 0);                       // ciaddr
  b.insert(b.end(), yiaddr.begin(), yiaddr.end());  // yiaddr
  b.resize(b.size() + 8, 0);                       // siaddr, giaddr
  b.insert(b.end(), client_mac.begin(), client_mac.end());
  b.resize(236, 0);                                // rest of chaddr, sname, file
  if (cookie) b.insert(b.end(), {99, 130, 83, 99});
  b.insert(b.end(), options.begin(), options.end());
  return b;
}

bytes_t opt(std::uint8_t code, const std::string& v) {
  bytes_t b = {code, static_cast<std::uint8_t>(v.size())};
  b.insert(b.end(), v.begin(), v.end());
  return b;
}
bytes_t opt(std::uint8_t code, std::initializer_list<std::uint8_t> v) {
  bytes_t b = {code, static_cast<std::uint8_t>(v.size())};
  b.insert(b.end(), v.begin(), v.end());
  return b;
}
bytes_t cat(std::initializer_list<bytes_t> parts) {
  bytes_t r;
  for (const auto& p : parts) r.insert(r.end(), p.begin(), p.end());
  return r;
}

// Ethernet + IPv4 + UDP around a payload.
bytes_t frame(std::array<std::uint8_t, 4> src, std::uint16_t sport, std::array<std::uint8_t, 4> dst,
              std::uint16_t dport, const bytes_t& payload) {
  bytes_t b = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0x0c, 0x29, 0x1f, 0x74, 0x06, 0x08, 0x00, 0x45, 0};
  put16(b, static_cast<std::uint16_t>(28 + payload.size()));
  put32(b, 0);
  b.push_back(64);
  b.push_back(17);
  put16(b, 0);
  b.insert(b.end(), src.begin(), src.end());
  b.insert(b.end(), dst.begin(), dst.end());
  put16(b, sport);
  put16(b, dport);
  put16(b, static_cast<std::uint16_t>(8 + payload.size()));
  put16(b, 0);
  b.insert(b.end(), payload.begin(), payload.end());
  return b;
}

// Tracks frames and hands their UDP payloads to a logger, as the analysis pass does.
struct rig {
  flow::flow_tracker tracker;
  app::dhcp_logger log{&tracker};
  dissect::packet p;
  std::uint64_t n = 0;
  void feed(const bytes_t& f, std::int64_t ts) {
    capture::record r;
    r.data = f;
    r.caplen = r.origlen = static_cast<std::uint32_t>(f.size());
    r.link_type = 1;
    r.ts_ns = ts;
    dissect::dissect(r.data, 1, p, r.origlen);
    auto t = tracker.track(r, p);
    app::stream_ctx c{t.id, ++n, ts};
    log.on_datagram(c, t.from_orig ? 0 : 1, util::bytes(f).subspan(p.payload_offset, p.payload_length));
  }
};

const std::array<std::uint8_t, 4> zero4 = {0, 0, 0, 0}, bcast = {255, 255, 255, 255}, server = {192, 168, 1, 1},
                                  leased = {192, 168, 1, 4};

TEST(DhcpTest, FullExchangeBecomesOneEntry) {
  rig r;
  const std::int64_t t0 = 1700000000000000000;
  auto client_opts = [](std::uint8_t type) {
    return cat({opt(53, {type}), opt(61, {1, 0x00, 0x0c, 0x29, 0x1f, 0x74, 0x06}), opt(50, {192, 168, 1, 4}),
                opt(12, "laptop"), opt(60, "MSFT 5.0"), opt(55, {1, 3, 6, 15}), bytes_t{255}});
  };
  auto server_opts = [](std::uint8_t type) {
    return cat({opt(53, {type}), opt(54, {192, 168, 1, 1}), opt(51, {0, 1, 0x51, 0x80}), opt(1, {255, 255, 255, 0}),
                opt(3, {192, 168, 1, 1}), opt(15, "home.arpa"), bytes_t{255, 0, 0, 0}});
  };
  r.feed(frame(zero4, 68, bcast, 67, dhcp(1, 0x1234, zero4, client_opts(1))), t0);
  r.feed(frame(server, 67, bcast, 68, dhcp(2, 0x1234, leased, server_opts(2))), t0 + 1000000);
  r.feed(frame(zero4, 68, bcast, 67, dhcp(1, 0x1234, zero4, client_opts(3))), t0 + 2000000);
  r.feed(frame(server, 67, bcast, 68, dhcp(2, 0x1234, leased, server_opts(5))), t0 + 3500000);
  r.log.finish();
  ASSERT_EQ(r.log.entries().size(), 1u);
  const auto& e = r.log.entries()[0];
  EXPECT_EQ(e.msg_types, (std::vector<std::string>{"DISCOVER", "OFFER", "REQUEST", "ACK"}));
  EXPECT_EQ(e.ts_ns, t0);
  EXPECT_EQ(e.last_ns - e.ts_ns, 3500000);
  EXPECT_EQ(e.mac, "00:0c:29:1f:74:06");
  EXPECT_EQ(e.host_name, "laptop");
  EXPECT_EQ(e.requested_addr, "192.168.1.4");
  EXPECT_EQ(e.assigned_addr, "192.168.1.4");
  EXPECT_EQ(e.client_addr, "192.168.1.4");  // the client sent from 0.0.0.0: the assigned address
  EXPECT_EQ(e.server_addr, "192.168.1.1");
  EXPECT_EQ(e.server_port, 67);
  EXPECT_EQ(e.client_port, 68);
  EXPECT_TRUE(e.has_lease_time);
  EXPECT_EQ(e.lease_time, 86400u);
  EXPECT_EQ(e.domain, "home.arpa");
  EXPECT_EQ(e.client_software, "MSFT 5.0");
  EXPECT_EQ(e.params, (std::vector<std::uint8_t>{1, 3, 6, 15}));
  EXPECT_EQ(e.uids.size(), 2u);  // the client's broadcast flow and the server's
  EXPECT_TRUE(e.anomalies.empty());
  const auto& c = r.log.counters();
  EXPECT_EQ(c.messages, 4u);
  EXPECT_EQ(c.requests, 2u);
  EXPECT_EQ(c.replies, 2u);
  EXPECT_EQ(c.by_type[5], 1u);

  std::string json;
  app::append_dhcp_record(json, e, util::log_format::ndjson, false);
  for (const char* k : {"\"ts\":1700000000.000000", "\"client_addr\":\"192.168.1.4\"", "\"server_addr\":\"192.168.1.1\"",
                        "\"mac\":\"00:0c:29:1f:74:06\"", "\"host_name\":\"laptop\"", "\"domain\":\"home.arpa\"",
                        "\"requested_addr\":\"192.168.1.4\"", "\"assigned_addr\":\"192.168.1.4\"",
                        "\"lease_time\":86400.0", "\"msg_types\":[\"DISCOVER\",\"OFFER\",\"REQUEST\",\"ACK\"]",
                        "\"duration\":0.003500", "\"client_software\":\"MSFT 5.0\"", "\"trans_id\":\"0x00001234\"",
                        "\"params\":[1,3,6,15]"}) {
    EXPECT_NE(json.find(k), std::string::npos) << k << "\n" << json;
  }
  EXPECT_EQ(json.find("client_fqdn"), std::string::npos);  // absent values are left out
  std::string tsv;
  app::append_dhcp_record(tsv, e, util::log_format::tsv, true);
  EXPECT_EQ(tsv.rfind("ts\tuids\tclient_addr\tserver_addr\t", 0), 0u) << tsv;
  EXPECT_NE(tsv.find("\tlaptop\t-\thome.arpa\t"), std::string::npos) << tsv;
  EXPECT_EQ(app::dhcp_log_ndjson(r.log), json);
}

TEST(DhcpTest, TransactionsSplitByIdAndWindow) {
  app::dhcp_logger log;
  auto m = dhcp(1, 7, zero4, cat({opt(53, {1}), bytes_t{255}}));
  auto other = dhcp(1, 8, zero4, cat({opt(53, {1}), bytes_t{255}}));
  const std::int64_t t0 = 1700000000000000000;
  log.on_datagram({0, 1, t0}, 0, m);
  log.on_datagram({0, 2, t0 + 1000}, 0, other);
  log.on_datagram({0, 3, t0 + 29'000'000'000}, 0, m);  // within 30 s: same entry
  log.on_datagram({0, 4, t0 + 31'000'000'000}, 0, m);  // later: a new one
  ASSERT_EQ(log.entries().size(), 3u);
  EXPECT_EQ(log.entries()[0].msg_types.size(), 2u);
  EXPECT_EQ(log.entries()[1].xid, 8u);
  EXPECT_EQ(log.entries()[2].ts_ns, t0 + 31'000'000'000);
  EXPECT_TRUE(log.entries()[0].uids.empty());  // no flow tracker
  EXPECT_EQ(log.entries()[0].client_addr, "");
  EXPECT_EQ(log.entries()[0].messages, 2u);

  // Timestamps at both ends of the range: separate entries, no overflow.
  app::dhcp_logger extremes;
  extremes.on_datagram({0, 1, std::numeric_limits<std::int64_t>::max()}, 0, m);
  extremes.on_datagram({0, 2, std::numeric_limits<std::int64_t>::min()}, 0, m);
  EXPECT_EQ(extremes.entries().size(), 2u);

  // One transaction id flooded: the entry's lists stay bounded, the count does not.
  app::dhcp_logger flood;
  for (int i = 0; i < 1000; ++i) flood.on_datagram({static_cast<std::uint32_t>(i + 1), 1, t0 + i}, 0, m);
  ASSERT_EQ(flood.entries().size(), 1u);
  EXPECT_EQ(flood.entries()[0].messages, 1000u);
  EXPECT_EQ(flood.entries()[0].msg_types.size(), app::dhcp_logger::max_entry_list);
  EXPECT_EQ(flood.entries()[0].flow_ids.size(), app::dhcp_logger::max_entry_list);
}

TEST(DhcpTest, HeaderFieldsAndPadding) {
  auto b = dhcp(2, 0xdeadbeef, leased, cat({bytes_t{0, 0}, opt(53, {5}), bytes_t{0}, opt(51, {0, 0, 0x0e, 0x10}), bytes_t{255}}));
  app::dhcp_message m;
  ASSERT_TRUE(app::parse_dhcp(b, m));
  EXPECT_TRUE(m.has_cookie);
  EXPECT_EQ(m.op, 2);
  EXPECT_EQ(m.xid, 0xdeadbeefu);
  EXPECT_EQ(m.flags, 0x8000);
  EXPECT_EQ(m.yiaddr, leased);
  EXPECT_EQ(m.chaddr.size(), 6u);
  EXPECT_EQ(m.chaddr[5], 0x06);
  EXPECT_EQ(m.msg_type, 5);
  EXPECT_EQ(m.lease_time, 3600u);
  EXPECT_EQ(m.option_count, 2);
  EXPECT_EQ(m.options[0].code, 53);
  EXPECT_EQ(m.options[0].offset, 240u + 2 + 2);
  EXPECT_EQ(m.anomaly_count, 0);
  EXPECT_TRUE(app::looks_like_dhcp(b));
  EXPECT_EQ(app::dhcp_message_type_name(8), "INFORM");
  EXPECT_EQ(app::dhcp_message_type_name(200), "");
}

TEST(DhcpTest, OptionOverloadReadsFileAndSname) {
  auto b = dhcp(1, 1, zero4, cat({opt(53, {3}), opt(52, {3}), bytes_t{255}}));
  // 'file' (offset 108) holds a host name, 'sname' (offset 44) a vendor class.
  auto file = opt(12, "in-file");
  file.push_back(255);
  std::copy(file.begin(), file.end(), b.begin() + 108);
  auto sname = opt(60, "in-sname");
  sname.push_back(255);
  std::copy(sname.begin(), sname.end(), b.begin() + 44);
  app::dhcp_message m;
  ASSERT_TRUE(app::parse_dhcp(b, m));
  EXPECT_EQ(m.overload, 3);
  EXPECT_EQ(util::as_chars(m.host_name), "in-file");
  EXPECT_EQ(util::as_chars(m.vendor_class), "in-sname");
  EXPECT_EQ(m.options[2].area, 1);
  EXPECT_EQ(m.options[3].area, 2);
  EXPECT_EQ(m.anomaly_count, 0);
  // Overload found inside 'file' is not honoured.
  auto bad = dhcp(1, 1, zero4, cat({opt(52, {1}), bytes_t{255}}));
  auto nested = opt(52, {2});
  nested.push_back(255);
  std::copy(nested.begin(), nested.end(), bad.begin() + 108);
  ASSERT_TRUE(app::parse_dhcp(bad, m));
  EXPECT_TRUE(m.has(app::dhcp_anomaly::bad_overload));
  EXPECT_EQ(m.overload, 1);
}

TEST(DhcpTest, ClientFqdnAndRelayAgent) {
  bytes_t wire = {0x05, 0, 0, 4, 'h', 'o', 's', 't', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0};
  bytes_t fq = {81, static_cast<std::uint8_t>(wire.size())};
  fq.insert(fq.end(), wire.begin(), wire.end());
  bytes_t relay = {82, 12, 1, 4, 'e', 't', 'h', '0', 2, 4, 0xde, 0xad, 0xbe, 0xef};
  auto b = dhcp(1, 1, zero4, cat({fq, relay, bytes_t{255}}));
  app::dhcp_message m;
  ASSERT_TRUE(app::parse_dhcp(b, m));
  std::string s;
  m.fqdn_text(s);
  EXPECT_EQ(s, "host.example.com");
  EXPECT_EQ(util::as_chars(m.relay_circuit_id), "eth0");
  EXPECT_EQ(m.relay_remote_id.size(), 4u);
  s.clear();
  app::dhcp_text(m.relay_remote_id, s);
  EXPECT_EQ(s, "\\xde\\xad\\xbe\\xef");
  auto ascii = dhcp(1, 1, zero4, cat({opt(81, std::string("\x00\x00\x00pc.lan", 9)), bytes_t{255}}));
  ASSERT_TRUE(app::parse_dhcp(ascii, m));
  s.clear();
  m.fqdn_text(s);
  EXPECT_EQ(s, "pc.lan");

  app::dhcp_logger log;
  log.on_datagram({0, 1, 5}, 0, b);
  ASSERT_EQ(log.entries().size(), 1u);
  EXPECT_EQ(log.entries()[0].client_fqdn, "host.example.com");
  EXPECT_EQ(log.entries()[0].circuit_id, "eth0");
  EXPECT_EQ(log.entries()[0].agent_remote_id, "\\xde\\xad\\xbe\\xef");
}

TEST(DhcpTest, AnomaliesAreNamedWithOffsets) {
  app::dhcp_message m;
  bytes_t short_msg(100, 0);
  EXPECT_FALSE(app::parse_dhcp(short_msg, m));
  EXPECT_TRUE(m.has(app::dhcp_anomaly::truncated_header));

  auto bootp = dhcp(1, 1, zero4, {}, false);
  ASSERT_TRUE(app::parse_dhcp(bootp, m));
  EXPECT_FALSE(m.has_cookie);
  EXPECT_TRUE(m.has(app::dhcp_anomaly::no_magic_cookie));
  EXPECT_FALSE(app::looks_like_dhcp(bootp));

  // A host name that claims 50 bytes with 3 left: cut at the option's code byte (offset 243).
  auto lying = dhcp(1, 1, zero4, cat({opt(53, {1}), bytes_t{12, 50, 'a', 'b', 'c'}}));
  ASSERT_TRUE(app::parse_dhcp(lying, m));
  EXPECT_EQ(m.msg_type, 1);
  ASSERT_EQ(m.anomaly_count, 1);
  EXPECT_EQ(m.anomalies[0].code, app::dhcp_anomaly::truncated_option);
  EXPECT_EQ(m.anomalies[0].offset, 243u);
  EXPECT_TRUE(m.host_name.empty());

  auto no_end = dhcp(1, 1, zero4, opt(53, {1}));
  ASSERT_TRUE(app::parse_dhcp(no_end, m));
  EXPECT_TRUE(m.has(app::dhcp_anomaly::no_end_option));

  auto bad_len = dhcp(1, 1, zero4, cat({opt(50, {10, 0, 0}), opt(53, {0}), opt(53, {2}), bytes_t{255}}));
  ASSERT_TRUE(app::parse_dhcp(bad_len, m));
  EXPECT_TRUE(m.has(app::dhcp_anomaly::bad_option_length));
  EXPECT_FALSE(m.has_requested_addr);
  EXPECT_TRUE(m.has(app::dhcp_anomaly::bad_message_type));
  EXPECT_TRUE(m.has(app::dhcp_anomaly::duplicate_option));
  EXPECT_EQ(m.msg_type, 0);  // the first one is kept

  auto bad_op = dhcp(7, 1, zero4, bytes_t{255}, true, 20);
  ASSERT_TRUE(app::parse_dhcp(bad_op, m));
  EXPECT_TRUE(m.has(app::dhcp_anomaly::bad_op));
  EXPECT_TRUE(m.has(app::dhcp_anomaly::bad_hlen));
  EXPECT_EQ(m.chaddr.size(), 16u);

  bytes_t many;
  for (int i = 0; i < 200; ++i) many.insert(many.end(), {250, 0});
  many.push_back(255);
  ASSERT_TRUE(app::parse_dhcp(dhcp(1, 1, zero4, many), m));
  EXPECT_EQ(m.option_count, app::dhcp_max_options);
  EXPECT_EQ(m.options_unlisted, 200u - app::dhcp_max_options);
  EXPECT_TRUE(m.has(app::dhcp_anomaly::too_many_options));
  EXPECT_EQ(m.anomaly_count, 1);

  EXPECT_EQ(app::dhcp_anomaly_name(app::dhcp_anomaly::truncated_option), "dhcp.truncated_option");

  // The logger counts them and keeps them on the entry.
  app::dhcp_logger log;
  log.on_datagram({0, 1, 1}, 0, lying);
  log.on_datagram({0, 2, 2}, 0, short_msg);
  EXPECT_EQ(log.counters().datagrams, 2u);
  EXPECT_EQ(log.counters().messages, 1u);
  EXPECT_EQ(log.counters().anomalies[static_cast<std::size_t>(app::dhcp_anomaly::truncated_option)], 1u);
  EXPECT_EQ(log.counters().anomalies[static_cast<std::size_t>(app::dhcp_anomaly::truncated_header)], 1u);
  ASSERT_EQ(log.entries().size(), 1u);
  std::string json;
  app::append_dhcp_record(json, log.entries()[0], util::log_format::ndjson, false);
  EXPECT_NE(json.find("\"anomalies\":[\"dhcp.truncated_option@243\"]"), std::string::npos) << json;
}

// Invariants the fuzz target checks, on one input.
void check_invariants(const bytes_t& in) {
  app::dhcp_message m;
  bool ok = app::parse_dhcp(in, m);
  ASSERT_EQ(ok, in.size() >= app::dhcp_header_size);
  const std::uint8_t* lo = in.data();
  const std::uint8_t* hi = in.data() + in.size();
  for (auto v : {m.chaddr, m.sname, m.file, m.host_name, m.domain_name, m.vendor_class, m.param_list, m.client_id,
                 m.message, m.fqdn_name, m.relay_circuit_id, m.relay_remote_id, m.relay_subscriber_id}) {
    ASSERT_TRUE(v.empty() || (v.data() >= lo && v.data() + v.size() <= hi));
  }
  for (std::size_t i = 0; i < m.option_count; ++i) {
    ASSERT_LE(std::size_t{m.options[i].offset} + m.options[i].length, in.size());
  }
  app::dhcp_logger log;
  log.on_datagram({0, 1, 1}, 0, in);
  std::string out;
  for (const auto& e : log.entries()) app::append_dhcp_record(out, e, util::log_format::tsv, true);
}

TEST(DhcpTest, MutatedMessagesKeepInvariants) {
  auto base = dhcp(1, 9, zero4, cat({opt(53, {3}), opt(52, {3}), opt(12, "host"), opt(81, {5, 0, 0, 3, 'a', 'b', 'c', 0}),
                                     bytes_t{82, 6, 1, 1, 'x', 2, 1, 'y'}, opt(55, {1, 3}), bytes_t{255}}));
  std::uint32_t x = 12345;
  auto rnd = [&] {
    x = x * 1103515245u + 12345u;
    return x >> 8;
  };
  for (int i = 0; i < 3000; ++i) {
    auto b = base;
    int flips = 1 + static_cast<int>(rnd() % 8);
    for (int k = 0; k < flips; ++k) b[rnd() % b.size()] = static_cast<std::uint8_t>(rnd());
    if (rnd() % 4 == 0) b.resize(rnd() % b.size());
    check_invariants(b);
  }
}

// Inputs the fuzz target once broke (tests/fuzz/regressions/dhcp_fuzz/), if any.
TEST(DhcpTest, FuzzRegressions) {
  std::filesystem::path dir = std::filesystem::path(PCAPSCOPE_SOURCE_DIR) / "tests/fuzz/regressions/dhcp_fuzz";
  if (!std::filesystem::is_directory(dir)) GTEST_SKIP() << "no regressions recorded";
  for (const auto& f : std::filesystem::directory_iterator(dir)) {
    std::ifstream in(f.path(), std::ios::binary);
    bytes_t b((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    SCOPED_TRACE(f.path().string());
    check_invariants(b);
  }
}

}  // namespace
