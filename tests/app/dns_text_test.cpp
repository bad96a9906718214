// DNS names and dns.log texts made from what the logger stores (names as labels, addresses as
// bytes): name_text against a plain reference walk at every offset of mutated messages (both
// the in-place path for uncompressed names and the walk for the rest), each answer type's text
// against the parser's public decoding, and query/response pairing by name.
#include <gtest/gtest.h>

#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "pcapscope/app/dns.hpp"
#include "pcapscope/index/index.hpp"
#include "support/test_support.hpp"

namespace {

using namespace pcapscope;
using bytevec = std::vector<std::uint8_t>;

// DNS messages byte by byte.
struct msg {
  bytevec b;
  msg(std::uint16_t id, std::uint16_t flags, std::uint16_t qd, std::uint16_t an) {
    u16(id).u16(flags).u16(qd).u16(an).u16(0).u16(0);
  }
  msg& u8(std::uint8_t v) {
    b.push_back(v);
    return *this;
  }
  msg& u16(std::uint16_t v) { return u8(static_cast<std::uint8_t>(v >> 8)).u8(static_cast<std::uint8_t>(v)); }
  msg& u32(std::uint32_t v) { return u16(static_cast<std::uint16_t>(v >> 16)).u16(static_cast<std::uint16_t>(v)); }
  msg& raw(const bytevec& v) {
    b.insert(b.end(), v.begin(), v.end());
    return *this;
  }
  // One label per element (so a label may hold '.' or any byte).
  msg& labels(const std::vector<std::string>& ls) {
    for (const auto& l : ls) {
      u8(static_cast<std::uint8_t>(l.size()));
      for (char c : l) u8(static_cast<std::uint8_t>(c));
    }
    return *this;
  }
  msg& ptr(std::uint16_t off) { return u16(static_cast<std::uint16_t>(0xC000 | off)); }
  msg& question(const std::vector<std::string>& ls, std::uint16_t type = 1) { return labels(ls).u8(0).u16(type).u16(1); }
  // A record owned by the name at `owner`; `rdata` writes its RDATA (the length is patched).
  template <class F>
  msg& rr(std::uint16_t owner, std::uint16_t type, F&& rdata) {
    ptr(owner).u16(type).u16(1).u32(60);
    const std::size_t at = b.size();
    u16(0);
    rdata(*this);
    const std::size_t len = b.size() - at - 2;
    b[at] = static_cast<std::uint8_t>(len >> 8);
    b[at + 1] = static_cast<std::uint8_t>(len);
    return *this;
  }
};

// The text of the name at `off` by the documented rules, written plainly: labels joined by '.',
// pointers only backwards and before the segment being read, at most 64 of them, 255 wire
// bytes with the root; on a problem, the labels before it.
std::string reference_text(const bytevec& d, std::size_t off) {
  std::string out;
  std::size_t pos = off, seg = off, wire = 0, jumps = 0;
  bool first = true;
  while (pos < d.size() && d[pos] != 0) {
    const std::uint8_t b = d[pos];
    if ((b & 0xC0) == 0xC0) {
      if (pos + 1 >= d.size()) break;
      const std::size_t p = (std::size_t{b & 0x3Fu} << 8) | d[pos + 1];
      if (p > pos || p >= seg || ++jumps > 64) break;
      pos = seg = p;
      continue;
    }
    if (b & 0xC0) break;
    if (pos + 1 + b > d.size()) break;
    wire += 1 + b;
    if (wire + 1 > 255) break;
    if (!first) out += '.';
    first = false;
    for (std::size_t i = pos + 1; i <= pos + b; ++i) {
      const std::uint8_t c = d[i];
      if (c == '.' || c == '\\') {
        out += '\\';
        out += static_cast<char>(c);
      } else if (c > 0x20 && c < 0x7F) {
        out += static_cast<char>(c);
      } else {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\x%02x", c);
        out += buf;
      }
    }
    pos += 1 + b;
  }
  return out;
}

// Messages with plain, escaped, compressed and overlong names.
std::vector<bytevec> sample_messages() {
  std::vector<bytevec> out;
  {
    msg m(1, 0x8180, 1, 4);
    m.question({"www", "Example", "com"});  // 12; "Example.com" at 16
    m.rr(12, app::dns_cname, [](msg& x) { x.labels({"a.b", std::string("\x01\x7f\\", 3)}).ptr(16); });
    m.rr(12, app::dns_mx, [](msg& x) { x.u16(5).labels({"mail"}).ptr(12); });
    m.rr(16, app::dns_ns, [](msg& x) { x.labels({"ns"}).u8(0); });
    m.rr(16, app::dns_a, [](msg& x) { x.raw({192, 0, 2, 1}); });
    out.push_back(m.b);
  }
  {
    // Names at and just over the 255-byte limit, uncompressed and through a pointer.
    msg m(2, 0x8180, 2, 1);
    std::vector<std::string> ls(4, std::string(62, 'x'));
    ls.push_back(std::string(1, 'y'));  // 4*63 + 2 = 254 wire bytes, 255 with the root: fits
    m.question(ls);
    std::vector<std::string> over(4, std::string(62, 'z'));
    over.push_back("yy");  // 256 with the root: too long
    m.question(over);
    m.rr(12, app::dns_cname, [](msg& x) { x.labels({"q"}).ptr(12); });  // 256: too long
    out.push_back(m.b);
  }
  {
    // Pointer chains and a loop.
    msg m(3, 0x8180, 1, 2);
    m.question({"c", "b", "example", "org"});
    m.rr(14, app::dns_ptr, [](msg& x) { x.labels({"d"}).ptr(12); });
    m.rr(12, app::dns_cname, [&](msg& x) { x.labels({"e"}).ptr(static_cast<std::uint16_t>(x.b.size() - 1)); });
    out.push_back(m.b);
  }
  return out;
}

TEST(DnsNames, TextAgreesWithReferenceAtEveryOffsetOfMutatedMessages) {
  test::random32 rnd{std::mt19937(7)};
  std::size_t names = 0;
  for (const auto& base : sample_messages()) {
    for (int round = 0; round < 300; ++round) {
      bytevec d = base;
      if (round > 0) {  // round 0: as built
        const int changes = 1 + static_cast<int>(rnd() % 3);
        for (int k = 0; k < changes; ++k) {
          const std::size_t at = 12 + rnd() % (d.size() - 12);
          const std::uint32_t r = rnd();
          // Mostly small values (length bytes, pointers' high bytes), some any byte.
          d[at] = static_cast<std::uint8_t>(r % 4 == 0 ? (r >> 8) : r % 4 == 1 ? 0xC0 : (r >> 8) % 70);
        }
        if (rnd() % 4 == 0) d.resize(12 + rnd() % (d.size() - 12));
      }
      app::dns_message m;
      app::parse_dns(d, m);
      for (std::size_t off = 0; off <= d.size(); ++off) {
        ASSERT_EQ(m.name_text(static_cast<std::uint32_t>(off)), reference_text(d, off))
            << "message " << base[1] << " round " << round << " offset " << off;
        ++names;
      }
    }
  }
  EXPECT_GT(names, 100000u);
}

// Ethernet + IPv4 + UDP between 10.0.0.`client` and 10.0.0.53.
bytevec udp_packet(std::uint8_t client, bool to_server, const bytevec& payload) {
  test::bytes_out o;
  o.raw({0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x08, 0x00});
  const std::size_t total = 28 + payload.size();
  const std::uint8_t src = to_server ? client : 53, dst = to_server ? 53 : client;
  bytevec ip = {0x45, 0, static_cast<std::uint8_t>(total >> 8), static_cast<std::uint8_t>(total), 0, 1, 0x40, 0, 64, 17,
                0, 0, 10, 0, 0, src, 10, 0, 0, dst};
  std::uint32_t sum = 0;
  for (std::size_t i = 0; i < 20; i += 2) sum += (ip[i] << 8) | ip[i + 1];
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  sum = ~sum & 0xFFFF;
  ip[10] = static_cast<std::uint8_t>(sum >> 8);
  ip[11] = static_cast<std::uint8_t>(sum);
  o.raw(ip);
  const std::uint16_t sp = to_server ? 40000 : 53, dp = to_server ? 53 : 40000;
  o.be16(sp).be16(dp).be16(static_cast<unsigned>(8 + payload.size())).be16(0);
  o.raw(payload);
  return o.v;
}

// The index pass with the flow tracker and the DNS logger.
struct dns_run {
  flow::flow_tracker tracker;
  app::dns_logger log{&tracker};
  app::dns_index_handler h{log};
  index::index_builder builder{&h, &tracker};
  std::int64_t ms = 0;
  dns_run() { h.set_source(&builder); }
  void feed(const bytevec& pkt) {
    capture::record r;
    r.ts_ns = 1700000000000000000 + ++ms * 1000000;
    r.caplen = r.origlen = static_cast<std::uint32_t>(pkt.size());
    r.link_type = 1;
    r.data = pkt;
    builder.on_record(r);
  }
};

// What dns.log shows for an answer, from the parser's public decoding (Zeek's rendering).
std::string expected_answer(const app::dns_message& m, const app::dns_rr& rr) {
  std::string s;
  app::dns_rdata d;
  app::decode_rdata(m, rr, d);
  switch (rr.type) {
    case app::dns_a:
    case app::dns_aaaa:
      app::rdata_text(m, rr, s);  // empty when not an address of the type's size
      return s;
    case app::dns_ns:
    case app::dns_cname:
    case app::dns_ptr:
    case app::dns_dname:
      if (d.target != app::dns_no_name) s = m.name_text(d.target);
      return d.target != app::dns_no_name && s.empty() ? "." : s;
    case app::dns_mx:
    case app::dns_srv:
    case app::dns_soa:
      return d.target != app::dns_no_name ? m.name_text(d.target) : s;
    default:
      return "?";
  }
}

TEST(DnsLog, StoredNamesAndAddressesReadBackAsTheirText) {
  msg q(0x42, 0x0100, 1, 0);
  q.question({"Host", "a.b", std::string("\x01\\ ", 3), "example"});
  msg r(0x42, 0x8180, 1, 14);
  r.question({"host", "A.B", std::string("\x01\\ ", 3), "EXAMPLE"});  // 12; "A.B..." at 17
  r.rr(12, app::dns_a, [](msg& x) { x.raw({192, 0, 2, 1}); });
  r.rr(12, app::dns_a, [](msg& x) { x.raw({192, 0, 2, 1, 9}); });  // 5 bytes: no address
  r.rr(12, app::dns_aaaa, [](msg& x) { x.raw({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}); });
  r.rr(12, app::dns_aaaa, [](msg& x) { x.raw({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 198, 51, 100, 7}); });
  r.rr(12, app::dns_cname, [](msg& x) { x.labels({"web"}).ptr(17); });
  r.rr(12, app::dns_cname, [](msg& x) { x.u8(0); });                  // the root: "."
  r.rr(12, app::dns_ptr, [](msg& x) { x.labels({"p"}).u8(0).u8(7); });  // a byte after the name
  r.rr(12, app::dns_ns, [](msg& x) { x.labels({"ns"}).ptr(0x3FF); });   // forward pointer
  r.rr(12, app::dns_mx, [](msg& x) { x.u16(10).labels({"mx"}).ptr(17); });
  r.rr(12, app::dns_mx, [](msg& x) { x.u16(10); });  // no exchange
  r.rr(12, app::dns_srv, [](msg& x) { x.u16(1).u16(2).u16(5060).labels({"sip"}).ptr(17); });
  r.rr(12, app::dns_soa, [](msg& x) {
    x.labels({"ns1"}).ptr(17).labels({"hostmaster"}).ptr(17).u32(1).u32(2).u32(3).u32(4).u32(5);
  });
  r.rr(12, app::dns_soa, [](msg& x) { x.labels({"ns1"}).ptr(17).u8(3); });  // rname cut: mname still logged
  r.rr(12, app::dns_dname, [](msg& x) { x.u8(0); });                        // the root again

  dns_run run;
  run.feed(udp_packet(1, true, q.b));
  run.feed(udp_packet(1, false, r.b));
  const auto& log = run.log.entries();
  ASSERT_EQ(log.size(), 1u);  // paired: the names differ only in case
  const auto e = log[0];
  EXPECT_TRUE(e.has_query && e.has_response);
  EXPECT_EQ(e.query, "Host.a\\.b.\\x01\\\\\\x20.example");

  app::dns_message m;
  ASSERT_TRUE(app::parse_dns(r.b, m));
  std::vector<std::string> want;
  for (const auto& rr : m.records) {
    if (rr.section == app::dns_section::answer) want.push_back(expected_answer(m, rr));
  }
  ASSERT_EQ(want.size(), 14u);
  EXPECT_EQ(e.answers, want);
  // And as written out, so the oracle above is checked too.
  const std::string mx = "mx.A\\.B.\\x01\\\\\\x20.EXAMPLE";
  const std::vector<std::string> literal = {
      "192.0.2.1", "", "2001:db8::1", "::ffff:198.51.100.7", "web.A\\.B.\\x01\\\\\\x20.EXAMPLE", ".", "p", "",
      mx, "", "sip.A\\.B.\\x01\\\\\\x20.EXAMPLE", "ns1.A\\.B.\\x01\\\\\\x20.EXAMPLE",
      "ns1.A\\.B.\\x01\\\\\\x20.EXAMPLE", "."};
  EXPECT_EQ(e.answers, literal);
}

// A query and a response pair only when their question names are the same but for ASCII case:
// the same bytes split into other labels are another name.
TEST(DnsLog, PairingComparesNamesLabelByLabel) {
  dns_run run;
  msg q1(7, 0x0100, 1, 0);
  q1.question({"a.b", "Example"});  // text "a\.b.Example"
  msg r1(7, 0x8180, 1, 0);
  r1.question({"a", "b", "example"});  // text "a.b.example": not the query's name
  msg r2(7, 0x8180, 1, 0);
  r2.question({"A.B", "EXAMPLE"});  // the query's name
  msg q2(8, 0x0100, 1, 0);
  q2.question({std::string("\xc3\x89t\xc3\xa9", 5)});  // bytes above 0x7F do not fold
  msg r3(8, 0x8180, 1, 0);
  r3.question({std::string("\xe3\x89T\xe3\xa9", 5)});
  msg r4(8, 0x8180, 1, 0);
  r4.question({std::string("\xc3\x89T\xc3\xa9", 5)});
  for (const auto* p : {&q1, &r1, &r2, &q2, &r3, &r4}) run.feed(udp_packet(1, p == &q1 || p == &q2, p->b));
  const auto& log = run.log.entries();
  ASSERT_EQ(log.size(), 4u);
  EXPECT_EQ(log[0].query, "a\\.b.Example");
  EXPECT_TRUE(log[0].has_response);
  EXPECT_EQ(log[0].rtt_ns, 2000000);  // r2, not r1
  EXPECT_EQ(log[1].query, "a.b.example");
  EXPECT_FALSE(log[1].has_query);
  EXPECT_EQ(log[2].query, "\\xc3\\x89t\\xc3\\xa9");
  EXPECT_EQ(log[2].rtt_ns, 2000000);  // r4, not r3
  EXPECT_EQ(log[3].query, "\\xe3\\x89T\\xe3\\xa9");
  EXPECT_FALSE(log[3].has_query);
  EXPECT_EQ(run.log.counters().matched, 2u);
}

// parse_dns hands the logger the first question's labels when the name is plain (no pointer,
// valid); any other question name is walked again, with the same result as name_text.
TEST(DnsParse, QuestionLabelsOnlyForPlainNames) {
  app::dns_message m;
  msg plain(1, 0x0100, 1, 0);
  plain.question({"www", "Example", "com"});
  ASSERT_TRUE(app::parse_dns(plain.b, m));
  const bytevec want = {3, 'w', 'w', 'w', 7, 'E', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm'};
  EXPECT_EQ(bytevec(m.question_labels.begin(), m.question_labels.end()), want);

  msg two(1, 0x0100, 2, 0);
  two.question({"first"}).question({"second"});
  ASSERT_TRUE(app::parse_dns(two.b, m));
  EXPECT_EQ(util::as_chars(m.question_labels), std::string("\x05" "first"));

  msg root(2, 0x0100, 1, 0);
  root.question({});
  ASSERT_TRUE(app::parse_dns(root.b, m));
  EXPECT_TRUE(m.question_labels.empty());

  msg bad_label(3, 0x0100, 1, 0);
  bad_label.labels({"ok"}).u8(0x41).u8('x').u8(0).u16(1).u16(1);  // label type 0x40
  ASSERT_TRUE(app::parse_dns(bad_label.b, m));
  EXPECT_TRUE(m.question_labels.empty());
  EXPECT_TRUE(m.has(app::dns_anomaly::bad_label_type));

  msg no_question(4, 0x8180, 0, 1);
  no_question.labels({"owner"}).u8(0).u16(app::dns_a).u16(1).u32(1).u16(4).raw({192, 0, 2, 1});
  ASSERT_TRUE(app::parse_dns(no_question.b, m));
  EXPECT_TRUE(m.question_labels.empty());  // an answer's owner is no question

  msg cut(5, 0x0100, 1, 0);
  cut.labels({"cut"}).u8(0).u8(0);  // the name, then one byte of its type
  ASSERT_TRUE(app::parse_dns(cut.b, m));
  EXPECT_EQ(m.question(), nullptr);
  EXPECT_TRUE(m.question_labels.empty());
}

TEST(DnsLog, QuestionsThatAreNotPlainAreLoggedAndPairedByTheirText) {
  // Question names through a pointer into the header: with id 0x00NN the name at offset 0 is
  // the root; at offset 2 (the flags) a query has the label "\x00" and a response (0x81) a
  // label of the reserved type 0x80.
  msg q1(0x0007, 0x0100, 1, 0);
  q1.labels({"x"}).ptr(0).u16(1).u16(1);  // "x"
  msg r1(0x0007, 0x8180, 1, 0);
  r1.labels({"X"}).ptr(0).u16(1).u16(1);  // "X": the same name
  msg q2(0x0008, 0x0100, 1, 0);
  q2.labels({"y"}).ptr(2).u16(1).u16(1);  // "y.\x00"
  msg r2(0x0008, 0x8180, 1, 0);
  r2.labels({"y"}).ptr(2).u16(1).u16(1);  // "y", then the bad label
  dns_run run;
  for (const auto* p : {&q1, &r1, &q2, &r2}) run.feed(udp_packet(1, p == &q1 || p == &q2, p->b));
  const auto& log = run.log.entries();
  ASSERT_EQ(log.size(), 3u);
  EXPECT_EQ(log[0].query, "x");
  EXPECT_TRUE(log[0].has_response);
  EXPECT_EQ(log[1].query, "y.\\x00");
  EXPECT_FALSE(log[1].has_response);
  EXPECT_EQ(log[2].query, "y");
  EXPECT_FALSE(log[2].has_query);
  ASSERT_EQ(log[2].anomalies.size(), 1u);
  EXPECT_EQ(log[2].anomalies[0].code, app::dns_anomaly::bad_label_type);
  EXPECT_EQ(run.log.counters().matched, 1u);
}

}  // namespace
