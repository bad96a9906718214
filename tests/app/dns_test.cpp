// DNS parser and logger on hand-built messages: every supported record type, compression and
// hostile names, hostile counts, truncation at every byte, EDNS/ECS, DNS over TCP segments,
// query/response matching with RTT, and the fuzz regressions.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "pcapscope/app/dns.hpp"
#include "pcapscope/index/index.hpp"
#include "support/alloc_probe.hpp"
#include "support/test_support.hpp"

namespace {

using namespace pcapscope;
using app::dns_anomaly;
using bytevec = std::vector<std::uint8_t>;

// Builds DNS messages byte by byte.
struct msg_builder {
  bytevec b;
  msg_builder(std::uint16_t id, std::uint16_t flags, std::uint16_t qd, std::uint16_t an, std::uint16_t ns,
              std::uint16_t ar) {
    u16(id);
    u16(flags);
    u16(qd);
    u16(an);
    u16(ns);
    u16(ar);
  }
  std::uint16_t here() const { return static_cast<std::uint16_t>(b.size()); }
  msg_builder& u8(std::uint8_t v) {
    b.push_back(v);
    return *this;
  }
  msg_builder& u16(std::uint16_t v) {
    b.push_back(static_cast<std::uint8_t>(v >> 8));
    b.push_back(static_cast<std::uint8_t>(v));
    return *this;
  }
  msg_builder& u32(std::uint32_t v) {
    u16(static_cast<std::uint16_t>(v >> 16));
    return u16(static_cast<std::uint16_t>(v));
  }
  msg_builder& raw(const bytevec& v) {
    b.insert(b.end(), v.begin(), v.end());
    return *this;
  }
  // Labels of a dotted name, without the terminating root.
  msg_builder& labels(const std::string& dotted) {
    std::size_t start = 0;
    while (start < dotted.size()) {
      auto dot = dotted.find('.', start);
      if (dot == std::string::npos) dot = dotted.size();
      u8(static_cast<std::uint8_t>(dot - start));
      for (std::size_t i = start; i < dot; ++i) u8(static_cast<std::uint8_t>(dotted[i]));
      start = dot + 1;
    }
    return *this;
  }
  msg_builder& name(const std::string& dotted) { return labels(dotted).u8(0); }
  msg_builder& ptr(std::uint16_t off) { return u16(static_cast<std::uint16_t>(0xC000 | off)); }
  msg_builder& question(const std::string& n, std::uint16_t type, std::uint16_t klass = 1) {
    name(n);
    u16(type);
    return u16(klass);
  }
  // A record whose owner is a pointer to `owner`, with RDATA built by `rdata` (length patched).
  template <class F>
  msg_builder& rr(std::uint16_t owner, std::uint16_t type, std::uint32_t ttl, F&& rdata, std::uint16_t klass = 1) {
    ptr(owner);
    u16(type);
    u16(klass);
    u32(ttl);
    std::size_t len_at = b.size();
    u16(0);
    std::size_t start = b.size();
    rdata(*this);
    std::size_t len = b.size() - start;
    b[len_at] = static_cast<std::uint8_t>(len >> 8);
    b[len_at + 1] = static_cast<std::uint8_t>(len);
    return *this;
  }
};

std::string text(const app::dns_message& m, const app::dns_rr& rr) {
  std::string s;
  app::rdata_text(m, rr, s);
  return s;
}

// A response with one record of every supported type (and an OPT with ECS).
bytevec full_response() {
  msg_builder m(0x1234, 0x8180, 1, 12, 1, 1);
  m.question("www.example.com", app::dns_a);  // name at 12; "example.com" at 16
  m.rr(12, app::dns_cname, 300, [](msg_builder& x) { x.labels("web").ptr(16); });
  m.rr(12, app::dns_a, 60, [](msg_builder& x) { x.raw({192, 0, 2, 1}); });
  m.rr(12, app::dns_aaaa, 60, [](msg_builder& x) {
    x.raw({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1});
  });
  m.rr(16, app::dns_ns, 3600, [](msg_builder& x) { x.labels("ns1").ptr(16); });
  m.rr(16, app::dns_ptr, 3600, [](msg_builder& x) { x.labels("host").ptr(16); });
  m.rr(16, app::dns_mx, 3600, [](msg_builder& x) { x.u16(10).labels("mail").ptr(16); });
  m.rr(16, app::dns_txt, 3600, [](msg_builder& x) {
    x.u8(10).raw({'v', '=', 's', 'p', 'f', '1', ' ', '-', 'a', 'l'}).u8(2).raw({'l', '"'});
  });
  m.rr(16, app::dns_srv, 3600, [](msg_builder& x) { x.u16(1).u16(5).u16(5060).labels("sip").ptr(16); });
  m.rr(16, app::dns_caa, 3600, [](msg_builder& x) {
    x.u8(0).u8(5).raw({'i', 's', 's', 'u', 'e'}).raw({'c', 'a', '.', 'o', 'r', 'g'});
  });
  m.rr(12, app::dns_https, 300, [](msg_builder& x) {
    x.u16(1).u8(0);  // priority 1, target "."
    x.u16(app::svc_alpn).u16(6).u8(2).raw({'h', '2'}).u8(2).raw({'h', '3'});
    x.u16(app::svc_port).u16(2).u16(443);
    x.u16(app::svc_ipv4hint).u16(8).raw({192, 0, 2, 1, 192, 0, 2, 2});
    x.u16(app::svc_ipv6hint).u16(16).raw({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2});
  });
  m.rr(12, app::dns_svcb, 300, [](msg_builder& x) { x.u16(0).labels("svc").ptr(16); });  // alias mode
  m.rr(16, 99, 300, [](msg_builder& x) { x.raw({1, 2, 3}); });                          // SPF: raw
  m.rr(16, app::dns_soa, 900, [](msg_builder& x) {
    x.labels("ns1").ptr(16).labels("hostmaster").ptr(16).u32(2024010101).u32(7200).u32(3600).u32(1209600).u32(300);
  });
  // OPT: UDP 1232, extended rcode 0, version 0, DO set; ECS 192.0.2.0/24 scope 0.
  m.u8(0).u16(app::dns_opt).u16(1232).u32(0x00008000).u16(11);
  m.u16(8).u16(7).u16(1).u8(24).u8(0).raw({192, 0, 2});
  return m.b;
}

TEST(DnsParse, HeaderFlagsAndQuestion) {
  msg_builder m(0xbeef, 0x0100, 1, 0, 0, 0);
  m.question("www.Example.com", app::dns_aaaa);
  app::dns_message msg;
  ASSERT_TRUE(app::parse_dns(m.b, msg));
  EXPECT_EQ(msg.id, 0xbeef);
  EXPECT_FALSE(msg.qr());
  EXPECT_TRUE(msg.rd());
  EXPECT_FALSE(msg.ra());
  EXPECT_EQ(msg.opcode(), 0);
  EXPECT_EQ(msg.anomaly_count, 0);
  ASSERT_NE(msg.question(), nullptr);
  EXPECT_EQ(msg.name_text(msg.question()->name), "www.Example.com");
  EXPECT_EQ(msg.question()->type, app::dns_aaaa);
  EXPECT_EQ(msg.question()->klass, 1);
}

TEST(DnsParse, EveryRecordType) {
  auto b = full_response();
  app::dns_message m;
  ASSERT_TRUE(app::parse_dns(b, m));
  EXPECT_EQ(m.anomaly_count, 0) << app::dns_anomaly_name(m.anomalies[0].code) << "@" << m.anomalies[0].offset;
  EXPECT_TRUE(m.qr());
  EXPECT_TRUE(m.ra());
  EXPECT_EQ(m.rcode(), 0);
  ASSERT_EQ(m.records.size(), 15u);
  EXPECT_EQ(m.parsed[0], 1);
  EXPECT_EQ(m.parsed[1], 12);
  EXPECT_EQ(m.parsed[2], 1);
  EXPECT_EQ(m.parsed[3], 1);
  const auto& r = m.records;
  for (const auto& rr : r) EXPECT_TRUE(rr.rdata_ok) << rr.type;
  EXPECT_EQ(text(m, r[1]), "web.example.com");
  EXPECT_EQ(m.name_text(r[1].name), "www.example.com");
  EXPECT_EQ(r[1].ttl, 300u);
  EXPECT_EQ(text(m, r[2]), "192.0.2.1");
  EXPECT_EQ(text(m, r[3]), "2001:db8::1");
  EXPECT_EQ(text(m, r[4]), "ns1.example.com");
  EXPECT_EQ(m.name_text(r[4].name), "example.com");
  EXPECT_EQ(text(m, r[5]), "host.example.com");
  EXPECT_EQ(text(m, r[6]), "10 mail.example.com");
  EXPECT_EQ(text(m, r[7]), "\"v=spf1 -al\" \"l\\\"\"");
  EXPECT_EQ(text(m, r[8]), "1 5 5060 sip.example.com");
  EXPECT_EQ(text(m, r[9]), "0 issue \"ca.org\"");
  EXPECT_EQ(text(m, r[10]), "1 . alpn=h2,h3 port=443 ipv4hint=192.0.2.1,192.0.2.2 ipv6hint=2001:db8::2");
  EXPECT_EQ(text(m, r[11]), "0 svc.example.com");
  EXPECT_EQ(text(m, r[12]), "\\# 3");
  EXPECT_EQ(r[13].section, app::dns_section::authority);
  EXPECT_EQ(text(m, r[13]), "ns1.example.com hostmaster.example.com 2024010101 7200 3600 1209600 300");

  app::dns_rdata d;
  ASSERT_TRUE(app::decode_rdata(m, r[8], d));
  EXPECT_EQ(d.priority, 1);
  EXPECT_EQ(d.weight, 5);
  EXPECT_EQ(d.port, 5060);
  ASSERT_TRUE(app::decode_rdata(m, r[13], d));
  EXPECT_EQ(d.serial, 2024010101u);
  EXPECT_EQ(d.minimum, 300u);
  ASSERT_TRUE(app::decode_rdata(m, r[10], d));
  EXPECT_EQ(d.priority, 1);
  EXPECT_EQ(m.name_text(d.target), "");
  EXPECT_EQ(d.svc_params.size(), 10u + 6 + 12 + 20);
  ASSERT_TRUE(app::decode_rdata(m, r[9], d));
  EXPECT_EQ(util::as_chars(d.caa_tag), "issue");
  EXPECT_EQ(util::as_chars(d.caa_value), "ca.org");

  // EDNS
  EXPECT_EQ(r[14].section, app::dns_section::additional);
  EXPECT_EQ(r[14].type, app::dns_opt);
  EXPECT_TRUE(m.edns.present);
  EXPECT_EQ(m.edns.udp_size, 1232);
  EXPECT_TRUE(m.edns.do_bit);
  EXPECT_EQ(m.edns.version, 0);
  EXPECT_TRUE(m.edns.has_ecs);
  EXPECT_EQ(m.edns.ecs_family, 1);
  EXPECT_EQ(m.edns.ecs_source_prefix, 24);
  EXPECT_EQ(m.edns.ecs_scope_prefix, 0);
  EXPECT_EQ(m.edns.ecs_address[0], 192);
  EXPECT_EQ(m.edns.ecs_address[2], 2);
  EXPECT_EQ(m.edns.ecs_address[3], 0);
}

TEST(DnsParse, EdnsExtendedRcodeAndBadEcs) {
  msg_builder m(1, 0x8003, 0, 0, 0, 1);
  // OPT: extended rcode 1 ((1 << 4) | 3 = 19, BADTIME), version 0, DO clear; ECS IPv6 /56
  // with 8 address bytes instead of 7.
  m.u8(0).u16(app::dns_opt).u16(4096).u32(0x01000000).u16(16);
  m.u16(8).u16(12).u16(2).u8(56).u8(0).raw({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0});
  app::dns_message msg;
  ASSERT_TRUE(app::parse_dns(m.b, msg));
  EXPECT_TRUE(msg.edns.present);
  EXPECT_FALSE(msg.edns.do_bit);
  EXPECT_EQ(msg.full_rcode(), 19);
  EXPECT_TRUE(msg.edns.has_ecs);
  EXPECT_EQ(msg.edns.ecs_family, 2);
  EXPECT_TRUE(msg.has(dns_anomaly::bad_rdata));
  EXPECT_FALSE(msg.records[0].rdata_ok);

  // A second OPT is an anomaly; the first one's values stay.
  msg_builder two(1, 0x8000, 0, 0, 0, 2);
  two.u8(0).u16(app::dns_opt).u16(512).u32(0).u16(0);
  two.u8(0).u16(app::dns_opt).u16(4096).u32(0x8000).u16(0);
  ASSERT_TRUE(app::parse_dns(two.b, msg));
  EXPECT_EQ(msg.edns.udp_size, 512);
  EXPECT_TRUE(msg.has(dns_anomaly::multiple_opt));
}

TEST(DnsParse, BadRdataPerType) {
  auto one = [](std::uint16_t type, bytevec rdata) {
    msg_builder m(1, 0x8000, 1, 1, 0, 0);
    m.question("a.b", type);
    m.rr(12, type, 1, [&](msg_builder& x) { x.raw(rdata); });
    app::dns_message msg;
    app::parse_dns(m.b, msg);
    return msg.has(dns_anomaly::bad_rdata) && !msg.records.back().rdata_ok;
  };
  EXPECT_TRUE(one(app::dns_a, {1, 2, 3}));
  EXPECT_TRUE(one(app::dns_aaaa, {1, 2, 3, 4}));
  EXPECT_TRUE(one(app::dns_cname, {}));
  EXPECT_TRUE(one(app::dns_cname, {1, 'a', 0, 7}));  // bytes after the name
  EXPECT_TRUE(one(app::dns_mx, {0, 1}));
  EXPECT_TRUE(one(app::dns_srv, {0, 1, 0, 1, 0, 1}));
  EXPECT_TRUE(one(app::dns_soa, {0, 0, 1, 2, 3}));
  EXPECT_TRUE(one(app::dns_txt, {5, 'a'}));
  EXPECT_TRUE(one(app::dns_caa, {0, 9, 'x'}));
  EXPECT_TRUE(one(app::dns_https, {0, 1, 0, 0, 3, 0, 1, 5}));   // port of 1 byte
  EXPECT_TRUE(one(app::dns_https, {0, 1, 0, 0, 4, 0, 3, 1, 2, 3}));  // ipv4hint of 3 bytes
  EXPECT_TRUE(one(app::dns_https, {0, 1, 0, 0, 1, 0, 3, 5, 'h', '2'}));  // alpn overruns
  EXPECT_FALSE(one(app::dns_a, {1, 2, 3, 4}));
  EXPECT_FALSE(one(app::dns_txt, {}));
  EXPECT_FALSE(one(1234, {9, 9}));
}

// parse_dns checks an OPT record's options itself instead of through decode_rdata: the two
// must agree on every cut of the options, and an OPT record's anomaly is the same bad_rdata
// at its RDATA.
TEST(DnsParse, OptRecordCheckAgreesWithDecode) {
  const bytevec options = {0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8,  // cookie
                           0, 12, 0, 2, 0, 0};                   // padding
  for (std::size_t cut = 0; cut <= options.size(); ++cut) {
    msg_builder m(1, 0x8000, 0, 0, 0, 1);
    m.u8(0).u16(app::dns_opt).u16(1232).u32(0).u16(static_cast<std::uint16_t>(cut));
    m.raw(bytevec(options.begin(), options.begin() + static_cast<std::ptrdiff_t>(cut)));
    app::dns_message msg;
    ASSERT_TRUE(app::parse_dns(m.b, msg));
    ASSERT_EQ(msg.records.size(), 1u);
    const auto& rr = msg.records[0];
    app::dns_rdata d;
    const bool whole = cut == 0 || cut == 12 || cut == options.size();
    EXPECT_EQ(app::decode_rdata(msg, rr, d), whole) << cut;
    EXPECT_EQ(rr.rdata_ok, whole) << cut;
    EXPECT_EQ(msg.has(dns_anomaly::bad_rdata), !whole) << cut;
    EXPECT_EQ(msg.anomaly_count, whole ? 0 : 1) << cut;
    if (!whole) {
      EXPECT_EQ(msg.anomalies[0].offset, 12u + 11u) << cut;  // the RDATA, after root name and fixed part
    }
    EXPECT_TRUE(msg.edns.present);
    EXPECT_EQ(msg.edns.udp_size, 1232);
  }
}

TEST(DnsParse, CompressionChains) {
  // Question "a.b.example.com" at 12; answer owner "c" + pointer to "b.example.com" (at 14);
  // RDATA "d" + pointer to the owner (a pointer to a name that itself ends in a pointer).
  msg_builder m(7, 0x8000, 1, 1, 0, 0);
  m.question("a.b.example.com", app::dns_cname);
  std::uint16_t owner = m.here();
  m.labels("c").ptr(14).u16(app::dns_cname).u16(1).u32(5).u16(4).labels("d").ptr(owner);
  app::dns_message msg;
  ASSERT_TRUE(app::parse_dns(m.b, msg));
  EXPECT_EQ(msg.anomaly_count, 0);
  EXPECT_EQ(msg.name_text(msg.records[1].name), "c.b.example.com");
  EXPECT_EQ(text(msg, msg.records[1]), "d.c.b.example.com");
  // Escapes: a dot and a non-printable byte inside a label.
  msg_builder e(7, 0, 1, 0, 0, 0);
  e.u8(3).raw({'a', '.', 0x01}).u8(0).u16(1).u16(1);
  ASSERT_TRUE(app::parse_dns(e.b, msg));
  EXPECT_EQ(msg.name_text(12), "a\\.\\x01");
  // The root name.
  msg_builder root(7, 0, 1, 0, 0, 0);
  root.u8(0).u16(app::dns_ns).u16(1);
  ASSERT_TRUE(app::parse_dns(root.b, msg));
  EXPECT_EQ(msg.name_text(12), "");
  EXPECT_EQ(msg.anomaly_count, 0);
}

TEST(DnsParse, PointerLoopsAndForwardPointers) {
  app::dns_message msg;
  // Pointer to itself.
  msg_builder self(1, 0, 1, 0, 0, 0);
  self.ptr(12).u16(1).u16(1);
  ASSERT_TRUE(app::parse_dns(self.b, msg));
  EXPECT_TRUE(msg.has(dns_anomaly::name_loop));
  EXPECT_EQ(msg.anomalies[0].offset, 12u);
  EXPECT_EQ(msg.records.size(), 1u);  // the record's extent is still known
  EXPECT_FALSE(msg.records[0].rdata_ok);
  EXPECT_EQ(msg.name_text(12), "");
  // Pointer back into the same name: "a" then a pointer to the "a" label.
  msg_builder back(1, 0, 1, 0, 0, 0);
  back.labels("a").ptr(12).u16(1).u16(1);
  ASSERT_TRUE(app::parse_dns(back.b, msg));
  EXPECT_TRUE(msg.has(dns_anomaly::name_loop));
  EXPECT_EQ(msg.anomalies[0].offset, 14u);
  EXPECT_EQ(msg.name_text(12), "a");  // labels before the problem
  // Two names pointing at each other: the second name's pointer is fine (backwards), the
  // first one's goes forward.
  msg_builder mutual(1, 0, 2, 0, 0, 0);
  mutual.labels("x").ptr(20).u16(1).u16(1);  // 12: "x" -> 20 (forward)
  mutual.labels("y").ptr(12).u16(1).u16(1);  // 20: "y" -> 12 -> 20 ...
  ASSERT_TRUE(app::parse_dns(mutual.b, msg));
  EXPECT_TRUE(msg.has(dns_anomaly::name_pointer_forward));
  EXPECT_TRUE(msg.has(dns_anomaly::name_loop) || msg.anomaly_count >= 2);
  // Pointer past the end.
  msg_builder far(1, 0, 1, 0, 0, 0);
  far.ptr(0x3FFF).u16(1).u16(1);
  ASSERT_TRUE(app::parse_dns(far.b, msg));
  EXPECT_TRUE(msg.has(dns_anomaly::name_pointer_forward));
  // Reserved label types.
  msg_builder ext(1, 0, 1, 0, 0, 0);
  ext.u8(0x41).u8(0).u16(1).u16(1);
  ASSERT_TRUE(app::parse_dns(ext.b, msg));
  EXPECT_TRUE(msg.has(dns_anomaly::bad_label_type));
}

TEST(DnsParse, TooManyPointerJumps) {
  // Questions: the root, then 80 names each a single pointer to the previous question's name;
  // every question is valid on its own until the jump cap is passed.
  msg_builder m(1, 0, 81, 0, 0, 0);
  std::uint16_t prev = m.here();
  m.u8(0).u16(1).u16(1);
  for (int i = 0; i < 80; ++i) {
    std::uint16_t at = m.here();
    m.ptr(prev).u16(1).u16(1);
    prev = at;
  }
  app::dns_message msg;
  ASSERT_TRUE(app::parse_dns(m.b, msg));
  EXPECT_TRUE(msg.has(dns_anomaly::name_too_many_pointers));
  EXPECT_EQ(msg.records.size(), 81u);
  EXPECT_TRUE(msg.records[app::dns_max_pointer_jumps].rdata_ok);
  EXPECT_FALSE(msg.records[app::dns_max_pointer_jumps + 1].rdata_ok);
}

// An owner name that is a pointer to the last owner name walked is not walked again: it is
// valid with one jump more, up to the cap. Here a name of 63 jumps (through a chain of
// pointers in RDATA), one pointing to it (64 jumps: valid) and one to that (65: too many).
TEST(DnsParse, PointerToValidatedOwnerCountsItsJumps) {
  msg_builder m(1, 0x8000, 0, 4, 0, 0);
  m.u8(0).u16(1234).u16(1).u32(0).u16(1 + 62 * 2);  // RDATA: the root, then 62 pointers back
  std::uint16_t prev = m.here();
  m.u8(0);
  for (int i = 0; i < 62; ++i) {
    std::uint16_t at = m.here();
    m.ptr(prev);
    prev = at;
  }
  const std::uint16_t a2 = m.here();
  m.ptr(prev).u16(1234).u16(1).u32(0).u16(0);  // 63 jumps
  const std::uint16_t a3 = m.here();
  m.ptr(a2).u16(1234).u16(1).u32(0).u16(0);  // 64
  m.ptr(a3).u16(1234).u16(1).u32(0).u16(0);  // 65
  app::dns_message msg;
  ASSERT_TRUE(app::parse_dns(m.b, msg));
  ASSERT_EQ(msg.records.size(), 4u);
  EXPECT_TRUE(msg.records[1].rdata_ok);
  EXPECT_TRUE(msg.records[2].rdata_ok);
  EXPECT_FALSE(msg.records[3].rdata_ok);
  EXPECT_EQ(msg.anomaly_count, 1);
  EXPECT_TRUE(msg.has(dns_anomaly::name_too_many_pointers));
  EXPECT_EQ(msg.name_text(a3), "");
}

TEST(DnsParse, NamesLongerThan255) {
  app::dns_message msg;
  // Directly: 5 labels of 63 bytes.
  msg_builder m(1, 0, 1, 0, 0, 0);
  std::string l63(63, 'x');
  m.name(l63 + "." + l63 + "." + l63 + "." + l63 + "." + l63).u16(1).u16(1);
  ASSERT_TRUE(app::parse_dns(m.b, msg));
  EXPECT_TRUE(msg.has(dns_anomaly::name_too_long));
  EXPECT_LE(msg.name_text(12).size(), 255u);
  // Exactly 255 bytes is fine: 3 x 63 + 61 labels + root = 64*3 + 62 + 1 = 255.
  msg_builder ok(1, 0, 1, 0, 0, 0);
  ok.name(l63 + "." + l63 + "." + l63 + "." + std::string(61, 'y')).u16(1).u16(1);
  ASSERT_TRUE(app::parse_dns(ok.b, msg));
  EXPECT_EQ(msg.anomaly_count, 0);
  // Through compression: each question adds a 63-byte label in front of the previous one.
  msg_builder c(1, 0, 5, 0, 0, 0);
  std::uint16_t prev = c.here();
  c.name("z").u16(1).u16(1);
  for (int i = 0; i < 4; ++i) {
    std::uint16_t at = c.here();
    c.labels(l63).ptr(prev).u16(1).u16(1);
    prev = at;
  }
  ASSERT_TRUE(app::parse_dns(c.b, msg));
  EXPECT_TRUE(msg.has(dns_anomaly::name_too_long));
  EXPECT_EQ(msg.records.size(), 5u);
  EXPECT_TRUE(msg.records[3].rdata_ok);
  EXPECT_FALSE(msg.records[4].rdata_ok);
}

TEST(DnsParse, HostileCounts) {
  app::dns_message msg;
  msg_builder m(1, 0, 65535, 65535, 65535, 65535);
  {
    test::alloc_probe probe;
    ASSERT_TRUE(app::parse_dns(m.b, msg));
    EXPECT_EQ(probe.count(), 0u);  // nothing allocated for the claimed records
  }
  EXPECT_TRUE(msg.has(dns_anomaly::bad_count));
  EXPECT_EQ(msg.anomalies[0].offset, 12u);
  EXPECT_EQ(msg.records.size(), 0u);
  EXPECT_EQ(msg.count[0], 65535);

  // One real question, counts claim 65535 of everything.
  msg_builder q(1, 0, 65535, 65535, 0, 0);
  q.question("a", 1);
  ASSERT_TRUE(app::parse_dns(q.b, msg));
  EXPECT_EQ(msg.records.size(), 1u);
  EXPECT_TRUE(msg.has(dns_anomaly::bad_count));

  // 64 KB of root-name questions: parsing stops at the record cap.
  msg_builder big(1, 0, 65535, 0, 0, 0);
  big.b.resize(65535, 0);
  ASSERT_TRUE(app::parse_dns(big.b, msg));
  EXPECT_EQ(msg.records.size(), app::dns_max_records);
  EXPECT_TRUE(msg.has(dns_anomaly::too_many_records));

  // Bytes after the counted records.
  msg_builder trail(1, 0, 1, 0, 0, 0);
  trail.question("a", 1).raw({1, 2, 3});
  ASSERT_TRUE(app::parse_dns(trail.b, msg));
  EXPECT_TRUE(msg.has(dns_anomaly::trailing_data));
  EXPECT_EQ(msg.anomalies[0].offset, 19u);
}

TEST(DnsParse, TruncatedAtEveryByte) {
  auto full = full_response();
  app::dns_message msg;
  for (std::size_t n = 0; n < full.size(); ++n) {
    bytevec cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));  // exact size: ASan sees overreads
    bool ok = app::parse_dns(cut, msg);
    EXPECT_EQ(ok, n >= 12) << n;
    ASSERT_GT(msg.anomaly_count, 0) << "prefix of " << n << " bytes parsed without an anomaly";
    auto code = msg.anomalies[0].code;
    if (n < 12) {
      EXPECT_EQ(code, dns_anomaly::truncated_header);
    } else {
      EXPECT_TRUE(code == dns_anomaly::bad_count || code == dns_anomaly::truncated_record ||
                  code == dns_anomaly::truncated_name)
          << n << ": " << app::dns_anomaly_name(code);
      EXPECT_LE(msg.anomalies[0].offset, n);
    }
    for (const auto& rr : msg.records) {
      std::string s;
      msg.name_text(rr.name, s);
      app::rdata_text(msg, rr, s);
    }
  }
}

TEST(DnsParse, MdnsCacheFlushBit) {
  msg_builder m(0, 0x8400, 0, 1, 0, 0);
  m.name("printer.local").u16(app::dns_a).u16(0x8001).u32(120).u16(4).raw({10, 0, 0, 9});
  app::dns_message msg;
  ASSERT_TRUE(app::parse_dns(m.b, msg, true));
  EXPECT_EQ(msg.records[0].klass, 1);
  EXPECT_TRUE(msg.records[0].cache_flush);
  ASSERT_TRUE(app::parse_dns(m.b, msg, false));
  EXPECT_EQ(msg.records[0].klass, 0x8001);
}

TEST(DnsParse, AnomalyNamesAreDistinct) {
  std::vector<std::string> seen;
  for (int i = 1; i < static_cast<int>(dns_anomaly::count_); ++i) {
    std::string n(app::dns_anomaly_name(static_cast<dns_anomaly>(i)));
    EXPECT_EQ(n.rfind("dns.", 0), 0u) << n;
    EXPECT_EQ(std::find(seen.begin(), seen.end(), n), seen.end()) << n;
    seen.push_back(n);
  }
  EXPECT_EQ(app::dns_type_name(65), "HTTPS");
  EXPECT_EQ(app::dns_rcode_name(3), "NXDOMAIN");
  EXPECT_EQ(app::dns_class_name(1), "C_INTERNET");
}

// ---- packets: UDP/TCP framing, the logger ----

// Ethernet + IPv4 + UDP or TCP (PSH/ACK) carrying `payload`.
bytevec make_packet(bool tcp, std::uint8_t client, std::uint16_t sport, std::uint16_t dport, bool to_server,
                    const bytevec& payload) {
  bytevec b = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x08, 0x00};
  std::size_t l4 = tcp ? 20 : 8;
  std::size_t total = 20 + l4 + payload.size();
  std::uint8_t a = client, s = 53;
  b.insert(b.end(), {0x45, 0, static_cast<std::uint8_t>(total >> 8), static_cast<std::uint8_t>(total), 0, 1, 0x40,
                     0, 64, static_cast<std::uint8_t>(tcp ? 6 : 17), 0, 0, 10, 0, 0,
                     static_cast<std::uint8_t>(to_server ? a : s), 10, 0, 0,
                     static_cast<std::uint8_t>(to_server ? s : a)});
  std::uint32_t sum = 0;  // IPv4 header checksum
  for (std::size_t i = 14; i < 34; i += 2) sum += (b[i] << 8) | b[i + 1];
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  sum = ~sum & 0xFFFF;
  b[24] = static_cast<std::uint8_t>(sum >> 8);
  b[25] = static_cast<std::uint8_t>(sum);
  std::uint16_t sp = to_server ? sport : dport, dp = to_server ? dport : sport;
  if (tcp) {
    b.insert(b.end(), {static_cast<std::uint8_t>(sp >> 8), static_cast<std::uint8_t>(sp),
                       static_cast<std::uint8_t>(dp >> 8), static_cast<std::uint8_t>(dp), 0, 0, 0, 1, 0, 0, 0, 1,
                       0x50, 0x18, 0xff, 0xff, 0, 0, 0, 0});
  } else {
    std::size_t ul = 8 + payload.size();
    b.insert(b.end(), {static_cast<std::uint8_t>(sp >> 8), static_cast<std::uint8_t>(sp),
                       static_cast<std::uint8_t>(dp >> 8), static_cast<std::uint8_t>(dp),
                       static_cast<std::uint8_t>(ul >> 8), static_cast<std::uint8_t>(ul), 0, 0});
  }
  b.insert(b.end(), payload.begin(), payload.end());
  return b;
}

bytevec query(std::uint16_t id, const std::string& n, std::uint16_t type = 1) {
  msg_builder m(id, 0x0100, 1, 0, 0, 0);
  m.question(n, type);
  return m.b;
}

bytevec answer(std::uint16_t id, const std::string& n, std::uint8_t last, std::uint16_t rcode = 0) {
  msg_builder m(id, static_cast<std::uint16_t>(0x8180 | rcode), 1, rcode ? 0 : 1, 0, 0);
  m.question(n, 1);
  if (!rcode) m.rr(12, app::dns_a, 30, [&](msg_builder& x) { x.raw({192, 0, 2, last}); });
  return m.b;
}

bytevec tcp_framed(const std::vector<bytevec>& msgs) {
  bytevec out;
  for (const auto& m : msgs) {
    out.push_back(static_cast<std::uint8_t>(m.size() >> 8));
    out.push_back(static_cast<std::uint8_t>(m.size()));
    out.insert(out.end(), m.begin(), m.end());
  }
  return out;
}

// Runs packets through the index pass with the flow tracker and the DNS logger.
struct dns_run {
  flow::flow_tracker tracker;
  app::dns_logger log{&tracker};
  app::dns_index_handler h{log};
  index::index_builder builder{&h, &tracker};
  dns_run() { h.set_source(&builder); }
  void feed(std::int64_t ts_ms, const bytevec& pkt) {
    capture::record r;
    r.ts_ns = 1700000000000000000 + ts_ms * 1000000;
    r.caplen = r.origlen = static_cast<std::uint32_t>(pkt.size());
    r.link_type = 1;
    r.data = pkt;
    builder.on_record(r);
  }
};

TEST(DnsTransport, UdpPortsAndTcpSegments) {
  dissect::packet p;
  app::dns_payloads where;
  auto udp = make_packet(false, 1, 40000, 53, true, query(1, "a.example"));
  dissect::dissect(udp, 1, p);
  ASSERT_TRUE(app::find_dns(udp, p, where));
  EXPECT_EQ(where.count, 1);
  EXPECT_FALSE(where.tcp);
  EXPECT_EQ(where.offsets[0], 42u);
  for (std::uint16_t port : {std::uint16_t{5353}, std::uint16_t{5355}}) {
    auto m = make_packet(false, 1, port, port, true, query(0, "b.local"));
    dissect::dissect(m, 1, p);
    EXPECT_TRUE(app::find_dns(m, p, where)) << port;
  }
  auto other = make_packet(false, 1, 40000, 54, true, query(1, "a.example"));
  dissect::dissect(other, 1, p);
  EXPECT_FALSE(app::find_dns(other, p, where));

  // Two messages and the start of a third in one TCP segment.
  auto q3 = query(3, "c.example");
  auto seg = tcp_framed({query(1, "a.example"), query(2, "b.example")});
  seg.push_back(0);
  seg.push_back(static_cast<std::uint8_t>(q3.size()));
  seg.insert(seg.end(), q3.begin(), q3.begin() + 5);
  auto t = make_packet(true, 1, 40001, 53, true, seg);
  dissect::dissect(t, 1, p);
  ASSERT_TRUE(app::find_dns(t, p, where));
  EXPECT_TRUE(where.tcp);
  EXPECT_EQ(where.count, 2);
  EXPECT_EQ(where.problem.code, dns_anomaly::tcp_partial);
  app::dns_message msg;
  ASSERT_TRUE(app::parse_dns(where.messages[1], msg));
  EXPECT_EQ(msg.id, 2);
  EXPECT_EQ(msg.anomaly_count, 0);
  // A length prefix below the header size.
  auto bad = make_packet(true, 1, 40001, 53, true, {0, 3, 1, 2, 3});
  dissect::dissect(bad, 1, p);
  ASSERT_TRUE(app::find_dns(bad, p, where));
  EXPECT_EQ(where.count, 0);
  EXPECT_EQ(where.problem.code, dns_anomaly::tcp_short_length);
}

TEST(DnsLog, MatchesQueriesAndResponsesWithRtt) {
  dns_run run;
  run.feed(0, make_packet(false, 1, 40000, 53, true, query(0x10, "www.example.com")));
  run.feed(1, make_packet(false, 2, 40000, 53, true, query(0x10, "www.example.com")));  // other flow, same id
  run.feed(2, make_packet(false, 1, 40002, 53, true, query(0x11, "lost.example.com")));  // never answered
  run.feed(25, make_packet(false, 1, 40000, 53, false, answer(0x10, "WWW.example.COM", 7)));  // case differs
  run.feed(40, make_packet(false, 2, 40000, 53, false, answer(0x10, "other.example.com", 8)));  // wrong question
  run.feed(41, make_packet(false, 2, 40000, 53, false, answer(0x10, "www.example.com", 9, 3)));  // NXDOMAIN
  run.feed(50, make_packet(false, 3, 40003, 53, false, answer(0x99, "unsolicited.example", 1)));
  // DNS over TCP: query and response each in one segment.
  run.feed(60, make_packet(true, 4, 40004, 53, true, tcp_framed({query(0x20, "tcp.example")})));
  run.feed(75, make_packet(true, 4, 40004, 53, false, tcp_framed({answer(0x20, "tcp.example", 4)})));

  const auto& e = run.log.entries();
  ASSERT_EQ(e.size(), 6u);
  // 1: matched, rtt 25 ms, answers from the response, uid of the flow.
  EXPECT_TRUE(e[0].has_query && e[0].has_response);
  EXPECT_EQ(e[0].rtt_ns, 25000000);
  EXPECT_EQ(e[0].query, "www.example.com");
  EXPECT_EQ(e[0].orig_h, "10.0.0.1");
  EXPECT_EQ(e[0].resp_h, "10.0.0.53");
  EXPECT_EQ(e[0].orig_p, 40000);
  EXPECT_EQ(e[0].resp_p, 53);
  EXPECT_EQ(e[0].uid.size(), 18u);
  EXPECT_EQ(e[0].uid[0], 'C');
  ASSERT_EQ(e[0].answers.size(), 1u);
  EXPECT_EQ(e[0].answers[0], "192.0.2.7");
  EXPECT_EQ(e[0].ttls[0], 30u);
  EXPECT_TRUE(e[0].rd);
  EXPECT_TRUE(e[0].ra);
  EXPECT_FALSE(e[0].rejected);
  // 2: the other flow's query, answered by the NXDOMAIN (not by the wrong-question response).
  EXPECT_EQ(e[1].orig_h, "10.0.0.2");
  EXPECT_TRUE(e[1].has_response);
  EXPECT_EQ(e[1].rtt_ns, 40000000);
  EXPECT_EQ(e[1].rcode, 3);
  EXPECT_TRUE(e[1].rejected);
  EXPECT_TRUE(e[1].answers.empty());
  // 3: unanswered.
  EXPECT_EQ(e[2].query, "lost.example.com");
  EXPECT_FALSE(e[2].has_response);
  // 4: the wrong-question response on its own, then 5: the unsolicited one.
  EXPECT_EQ(e[3].query, "other.example.com");
  EXPECT_FALSE(e[3].has_query);
  EXPECT_EQ(e[3].ts_ns, 1700000000000000000 + 40000000);
  EXPECT_EQ(e[4].trans_id, 0x99);
  EXPECT_FALSE(e[4].has_query);
  EXPECT_EQ(e[4].orig_h, "10.0.0.3");  // the server-port heuristic makes the client the originator
  EXPECT_EQ(e[4].orig_p, 40003);
  // 6: TCP.
  EXPECT_TRUE(e[5].tcp);
  EXPECT_EQ(e[5].rtt_ns, 15000000);
  EXPECT_EQ(e[5].answers[0], "192.0.2.4");
  const auto& c = run.log.counters();
  EXPECT_EQ(c.messages, 9u);
  EXPECT_EQ(c.queries, 4u);
  EXPECT_EQ(c.responses, 5u);
  EXPECT_EQ(c.matched, 3u);
}

// Queries waiting for responses sit in a flat table (tombstones, rehashing): thousands of
// them on one flow, some under one transaction id, answered out of order and some never, pair
// as the rules say: same flow, id and question, the oldest query first.
TEST(DnsLog, ManyPendingQueriesPairOldestFirst) {
  dns_run run;
  std::int64_t t = 0;
  constexpr int n = 3000;
  auto name = [](int i) { return "h" + std::to_string(i % 7) + ".example"; };
  for (int i = 0; i < n; ++i) {
    // ids 0..2999, and 200 more under id 7 asking for h0.example (i = 7 asks it too).
    run.feed(t++, make_packet(false, 1, 40000, 53, true, query(static_cast<std::uint16_t>(i), name(i))));
  }
  for (int k = 0; k < 200; ++k) run.feed(t++, make_packet(false, 1, 40000, 53, true, query(7, name(7))));
  // Every other query answered, newest first (ids only: the question decides among the id-7 ones).
  for (int i = n - 1; i >= 0; i -= 2) {
    run.feed(t++, make_packet(false, 1, 40000, 53, false, answer(static_cast<std::uint16_t>(i), name(i), 1)));
  }
  // Id 7 answered 150 times more (with id 7's question, then 10 times with another name).
  for (int k = 0; k < 150; ++k) run.feed(t++, make_packet(false, 1, 40000, 53, false, answer(7, name(7), 2)));
  for (int k = 0; k < 10; ++k) run.feed(t++, make_packet(false, 1, 40000, 53, false, answer(7, "x.example", 3)));

  const auto& e = run.log.entries();
  ASSERT_EQ(e.size(), static_cast<std::size_t>(n + 200 + 10));
  for (int i = 0; i < n; ++i) {
    const auto row = e[static_cast<std::size_t>(i)];
    // Odd ids were answered, and id 7's first (oldest) query by the first of its 151 answers.
    EXPECT_EQ(row.has_response, i % 2 == 1) << i;
    EXPECT_EQ(row.query, name(i)) << i;
    if (i % 2 == 1) {
      // Answers went out newest first: query i (fed at time i) got answer number (n-1-i)/2.
      const std::int64_t answered_at = n + 200 + (n - 1 - i) / 2;
      EXPECT_EQ(row.rtt_ns, (answered_at - i) * 1000000) << i;
    }
  }
  // The 200 extra id-7 queries: the first 150 (oldest first) answered by the later answers.
  for (int k = 0; k < 200; ++k) {
    const auto row = e[static_cast<std::size_t>(n + k)];
    EXPECT_EQ(row.has_response, k < 150) << k;
    if (k < 150) {
      const std::int64_t answered_at = n + 200 + n / 2 + k;
      EXPECT_EQ(row.rtt_ns, (answered_at - (n + k)) * 1000000) << k;
    }
  }
  // The wrong-question answers match nothing.
  for (int k = 0; k < 10; ++k) EXPECT_FALSE(e[static_cast<std::size_t>(n + 200 + k)].has_query) << k;
  EXPECT_EQ(run.log.counters().matched, static_cast<std::uint64_t>(n / 2 + 150));
}

// dns_transport reads the dissector's summary instead of walking down the layers: on every
// packet of the corpus (as the index pass sees them, reassembled datagrams included) it names
// the layer the walk names.
TEST(DnsTransport, SummaryAgreesWithLayerWalk) {
  auto corpus = test::corpus_dir();
  if (!corpus) GTEST_SKIP() << "no capture corpus";
  // The walk: the last layer that is not data, if it is unquoted, whole UDP/TCP on a DNS port.
  auto walk = [](const dissect::packet& p) -> const dissect::layer* {
    int i = static_cast<int>(p.count) - 1;
    while (i >= 0 && p.layers[static_cast<std::size_t>(i)].kind == dissect::proto::data) --i;
    if (i < 0) return nullptr;
    const auto& l = p.layers[static_cast<std::size_t>(i)];
    if (l.flags & (dissect::layer_quoted | dissect::layer_partial | dissect::layer_fragment)) return nullptr;
    if (l.kind == dissect::proto::udp) {
      return app::is_dns_port(l.udp.sport) || app::is_dns_port(l.udp.dport) ? &l : nullptr;
    }
    if (l.kind == dissect::proto::tcp) return l.tcp.sport == 53 || l.tcp.dport == 53 ? &l : nullptr;
    return nullptr;
  };
  struct check : capture::handler {
    flow::flow_tracker tracker;
    index::index_builder builder{nullptr, &tracker};
    decltype(walk)& ref;
    std::size_t packets = 0, dns = 0, differ = 0;
    explicit check(decltype(walk)& w) : ref(w) {}
    void on_record(const capture::record& r) override {
      builder.on_record(r);
      const auto& p = builder.last_packet();
      ++packets;
      const auto* want = ref(p);
      if (want) ++dns;
      if (app::dns_transport(p) != want) ++differ;
    }
  };
  std::size_t packets = 0, dns = 0;
  test::for_each_corpus_capture(*corpus, [&](const std::string& name, capture::capture_file& f) {
    check c(walk);
    f.read_all(&c);
    EXPECT_EQ(c.differ, 0u) << name;
    packets += c.packets;
    dns += c.dns;
  });
  EXPECT_GT(dns, 0u);
  RecordProperty("packets", static_cast<int>(packets));
}

TEST(DnsLog, TcpMessageAcrossSegmentsIsSkippedNotMisread) {
  dns_run run;
  auto q2 = query(2, "two.example");
  auto seg1 = tcp_framed({query(1, "one.example")});
  seg1.push_back(0);
  seg1.push_back(static_cast<std::uint8_t>(q2.size()));
  seg1.insert(seg1.end(), q2.begin(), q2.begin() + 5);
  bytevec seg2(q2.begin() + 5, q2.end());
  auto q3 = tcp_framed({query(3, "three.example")});
  seg2.insert(seg2.end(), q3.begin(), q3.end());
  run.feed(0, make_packet(true, 1, 40000, 53, true, seg1));
  run.feed(1, make_packet(true, 1, 40000, 53, true, seg2));
  const auto& e = run.log.entries();
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[0].query, "one.example");
  EXPECT_EQ(e[1].query, "three.example");
  EXPECT_EQ(run.log.counters().tcp_partial, 1u);
  EXPECT_EQ(run.log.counters().tcp_continuations, 1u);
}

// Splits an Ethernet/IPv4 packet's IP payload after `first` bytes (a multiple of 8) into two
// fragments.
std::pair<bytevec, bytevec> fragment(const bytevec& pkt, std::size_t first) {
  auto make = [&](std::size_t from, std::size_t len, bool more) {
    bytevec f(pkt.begin(), pkt.begin() + 34);
    f.insert(f.end(), pkt.begin() + 34 + static_cast<std::ptrdiff_t>(from),
             pkt.begin() + 34 + static_cast<std::ptrdiff_t>(from + len));
    std::size_t total = 20 + len;
    f[16] = static_cast<std::uint8_t>(total >> 8);
    f[17] = static_cast<std::uint8_t>(total);
    std::uint16_t fo = static_cast<std::uint16_t>((more ? 0x2000 : 0) | (from / 8));
    f[20] = static_cast<std::uint8_t>(fo >> 8);
    f[21] = static_cast<std::uint8_t>(fo);
    f[24] = f[25] = 0;
    std::uint32_t sum = 0;
    for (std::size_t i = 14; i < 34; i += 2) sum += (f[i] << 8) | f[i + 1];
    while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
    sum = ~sum & 0xFFFF;
    f[24] = static_cast<std::uint8_t>(sum >> 8);
    f[25] = static_cast<std::uint8_t>(sum);
    return f;
  };
  std::size_t rest = pkt.size() - 34 - first;
  return {make(0, first, true), make(first, rest, false)};
}

TEST(DnsLog, ReassembledDatagramsOnlyOnce) {
  dns_run run;
  auto q = make_packet(false, 1, 40000, 53, true, query(0x31, "fragmented.example"));
  auto [f1, f2] = fragment(q, 24);
  run.feed(0, f1);  // first fragment: UDP header and the start of the message, not parsed alone
  EXPECT_EQ(run.log.counters().messages, 0u);
  run.feed(1, f2);  // completes the datagram
  ASSERT_EQ(run.log.entries().size(), 1u);
  EXPECT_EQ(run.log.entries()[0].query, "fragmented.example");
  EXPECT_TRUE(run.log.entries()[0].anomalies.empty());
  // Out of order: the first fragment completes the datagram.
  dns_run rev;
  rev.feed(0, f2);
  rev.feed(1, f1);
  ASSERT_EQ(rev.log.entries().size(), 1u);
  EXPECT_EQ(rev.log.entries()[0].query, "fragmented.example");
}

TEST(DnsLog, AnswerTextFollowsZeek) {
  dns_run run;
  auto b = full_response();
  run.feed(0, make_packet(false, 1, 40000, 53, true, query(0x1234, "www.example.com")));
  run.feed(1, make_packet(false, 1, 40000, 53, false, b));
  const auto& e = run.log.entries();
  ASSERT_EQ(e.size(), 1u);
  std::vector<std::string> want = {"web.example.com", "192.0.2.1", "2001:db8::1", "ns1.example.com",
                                   "host.example.com", "mail.example.com", "TXT 10 v=spf1 -al TXT 2 l\"",
                                   "sip.example.com", "0 issue ca.org",
                                   "1 . alpn=h2,h3 port=443 ipv4hint=192.0.2.1,192.0.2.2 ipv6hint=2001:db8::2",
                                   "0 svc.example.com", "<unknown type=99>"};
  EXPECT_EQ(e[0].answers, want);
  EXPECT_EQ(e[0].ttls.size(), want.size());
  EXPECT_TRUE(e[0].anomalies.empty());
}

// Every file in tests/fuzz/regressions named dns-* is a DNS message that once broke the parser.
TEST(DnsParse, FuzzRegressions) {
  std::filesystem::path dir = std::filesystem::path(PCAPSCOPE_SOURCE_DIR) / "tests/fuzz/regressions";
  if (!std::filesystem::exists(dir)) GTEST_SKIP();
  app::dns_message msg;
  int n = 0;
  for (const auto& f : std::filesystem::directory_iterator(dir)) {
    if (f.path().filename().string().rfind("dns-", 0) != 0) continue;
    auto bytes = test::read_file(f.path());
    for (bool mdns : {false, true}) {
      app::parse_dns(bytes, msg, mdns);
      for (const auto& rr : msg.records) {
        std::string s;
        msg.name_text(rr.name, s);
        app::rdata_text(msg, rr, s);
      }
    }
    ++n;
  }
  RecordProperty("files", n);
}

}  // namespace
