// The HTTP logger's fast paths against what they short-cut: the connection cache (flows whose
// ids share a cache slot, a flow id seen again after its connection was dropped), the inline
// ring of requests awaiting responses (past its four entries and back), the one-space header
// value trim, and the MIME sniffer's 64-byte text scan (a control byte at every position).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "pcapscope/app/http.hpp"

namespace {

using namespace pcapscope;

util::bytes as_bytes(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

void feed(app::http_logger& log, std::uint32_t flow, int dir, const std::string& s, std::uint64_t frame) {
  app::stream_ctx c;
  c.flow_id = flow;
  c.frame = frame;
  c.ts_ns = static_cast<std::int64_t>(frame) * 1000;
  log.on_data(c, dir, as_bytes(s));
}

void close_both(app::http_logger& log, std::uint32_t flow, std::uint64_t frame) {
  app::stream_ctx c;
  c.flow_id = flow;
  c.frame = frame;
  log.on_close(c, 0);
  log.on_close(c, 1);
}

std::string request(const std::string& uri) { return "GET " + uri + " HTTP/1.1\r\nHost: h\r\n\r\n"; }

std::string response(int code, const std::string& body) {
  return "HTTP/1.1 " + std::to_string(code) + " X\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
         body;
}

// Flows 1, 257, 513, … share a slot of the 256-slot connection cache: each message is split
// in two and the flows take turns, so every call finds another flow's connection in the slot.
TEST(HttpFastPath, FlowsSharingACacheSlotKeepTheirOwnState) {
  app::http_logger log;
  const std::vector<std::uint32_t> flows = {1, 257, 513, 769, 2};
  std::uint64_t frame = 1;
  for (int round = 0; round < 3; ++round) {
    for (std::size_t k = 0; k < flows.size(); ++k) {
      feed(log, flows[k], 0, "GET /f" + std::to_string(flows[k]) + "/r" + std::to_string(round) + " HT", frame++);
    }
    for (std::size_t k = 0; k < flows.size(); ++k) feed(log, flows[k], 0, "TP/1.1\r\nHost: a\r\n\r\n", frame++);
    for (std::size_t k = 0; k < flows.size(); ++k) {
      feed(log, flows[k], 1, response(250 + static_cast<int>(k), "b" + std::to_string(flows[k])), frame++);
    }
  }
  log.finish();
  ASSERT_EQ(log.entries().size(), flows.size() * 3);
  for (std::size_t i = 0; i < log.entries().size(); ++i) {
    const auto e = log.entry(i);
    const std::size_t k = i % flows.size();
    const auto round = i / flows.size();
    EXPECT_EQ(e.flow_id, flows[k]);
    EXPECT_EQ(e.uri, "/f" + std::to_string(flows[k]) + "/r" + std::to_string(round));
    EXPECT_EQ(e.trans_depth, round + 1);
    EXPECT_EQ(e.status_code, 250 + k);  // (not 204: a 204 has no body)
    EXPECT_EQ(e.response_body_len, 1 + std::to_string(flows[k]).size());
  }
  EXPECT_EQ(log.counters().connections, flows.size());
}

// A flow whose both directions closed is dropped; the same id seen again (and a flow sharing
// its cache slot in between) starts a new connection: transaction depth 1 again.
TEST(HttpFastPath, DroppedConnectionIsNotFoundAgain) {
  app::http_logger log;
  feed(log, 7, 0, request("/a"), 1);
  feed(log, 7, 1, response(200, "x"), 2);
  close_both(log, 7, 3);
  feed(log, 7 + 256, 0, request("/b"), 4);
  feed(log, 7, 0, request("/c"), 5);
  feed(log, 7, 1, response(404, ""), 6);
  log.finish();
  ASSERT_EQ(log.entries().size(), 3u);
  EXPECT_EQ(log.entry(0).trans_depth, 1u);
  EXPECT_EQ(log.entry(1).flow_id, 7u + 256);
  EXPECT_EQ(log.entry(2).uri, "/c");
  EXPECT_EQ(log.entry(2).trans_depth, 1u);
  EXPECT_EQ(log.entry(2).status_code, 404);
  EXPECT_EQ(log.counters().connections, 3u);
}

// Pipelined requests past the inline ring (4) and back into it, the ring wrapping around:
// each response goes to the oldest request waiting.
TEST(HttpFastPath, PipelinedRequestsPastTheInlineRingMatchInOrder) {
  app::http_logger log;
  std::uint64_t frame = 1;
  int next_uri = 0, next_code = 200;
  auto requests = [&](int n) {
    std::string s;
    for (int i = 0; i < n; ++i) s += request("/" + std::to_string(next_uri++));
    feed(log, 1, 0, s, frame++);
  };
  auto responses = [&](int n) {
    std::string s;
    for (int i = 0; i < n; ++i) s += response(next_code++, "");
    feed(log, 1, 1, s, frame++);
  };
  requests(3);
  responses(2);  // 1 waiting, ring head moved
  requests(3);   // 4 waiting: the ring wraps
  requests(5);   // 9 waiting: spilled
  responses(9);  // empty again
  requests(2);   // back in the ring
  responses(1);
  requests(4);   // 5 waiting: spilled again
  responses(5);
  log.finish();
  ASSERT_EQ(log.entries().size(), static_cast<std::size_t>(next_uri));
  for (int i = 0; i < next_uri; ++i) {
    const auto e = log.entry(static_cast<std::size_t>(i));
    EXPECT_EQ(e.uri, "/" + std::to_string(i));
    EXPECT_EQ(e.status_code, 200 + i) << i;
    EXPECT_TRUE(e.anomalies.empty()) << i;
  }
  EXPECT_EQ(log.counters().unmatched, 0u);
}

// max_pending with the queue in the ring and spilled: the oldest request is dropped each time.
TEST(HttpFastPath, TooManyPendingDropsTheOldestInRingAndVector) {
  for (std::size_t max_pending : {2u, 3u, 6u}) {
    app::http_limits lim;
    lim.max_pending = max_pending;
    app::http_logger log(nullptr, lim);
    std::string s;
    for (int i = 0; i < 8; ++i) s += request("/" + std::to_string(i));
    feed(log, 1, 0, s, 1);
    std::string r;
    for (std::size_t i = 0; i < max_pending; ++i) r += response(200 + static_cast<int>(i), "");
    feed(log, 1, 1, r, 2);
    log.finish();
    ASSERT_EQ(log.entries().size(), 8u);
    const std::size_t dropped = 8 - max_pending;
    EXPECT_EQ(log.counters().anomalies[static_cast<std::size_t>(app::http_anomaly::too_many_pending)], dropped);
    for (std::size_t i = 0; i < 8; ++i) {
      const auto e = log.entry(i);
      if (i < dropped) {
        EXPECT_FALSE(e.has_response) << max_pending << " " << i;
      } else {
        EXPECT_EQ(e.status_code, 200 + (i - dropped)) << max_pending << " " << i;
      }
    }
  }
}

// Header values with and without the usual single space: the fast trim gives what trim() gives.
TEST(HttpFastPath, HeaderValueTrimming) {
  struct test_case {
    std::string line, want;
    bool has;
  };
  const std::vector<test_case> cases = {
      {"User-Agent: a", "a", true},          {"User-Agent:a", "a", true},
      {"User-Agent:  a", "a", true},         {"User-Agent: a ", "a", true},
      {"User-Agent: a\t", "a", true},        {"User-Agent: \ta", "a", true},
      {"User-Agent: ", "", true},            {"User-Agent:", "", true},
      {"User-Agent:   ", "", true},          {"User-Agent: a b", "a b", true},
      {"User-Agent: \xC3\xA9t\xC3\xA9", "\xC3\xA9t\xC3\xA9", true},
      {"User-Agent: x\xC3\xA9", "x\xC3\xA9", true},
  };
  for (const auto& tc : cases) {
    app::http_logger log;
    feed(log, 1, 0, "GET / HTTP/1.1\r\n" + tc.line + "\r\n\r\n", 1);
    log.finish();
    ASSERT_EQ(log.entries().size(), 1u) << tc.line;
    EXPECT_EQ(log.entry(0).has_user_agent, tc.has) << tc.line;
    EXPECT_EQ(log.entry(0).user_agent, tc.want) << tc.line;
  }
}

// A binary byte anywhere in the first bytes makes a body binary; the text controls (tab, LF,
// CR, FF, ESC) anywhere do not. Every position of bodies up to 300 bytes: the 64-byte steps,
// the 16-byte steps after them and the last bytes.
TEST(HttpFastPath, SniffFindsAControlByteAtEveryPosition) {
  for (std::size_t n : {1u, 15u, 16u, 17u, 63u, 64u, 65u, 100u, 127u, 128u, 200u, 256u, 300u}) {
    for (std::size_t at = 0; at < n; ++at) {
      std::string body(n, 'a');
      body[0] = 'x';
      body[at] = '\x01';
      EXPECT_EQ(app::http_sniff_mime(as_bytes(body)), "application/octet-stream") << n << " " << at;
      for (char ok : {'\t', '\n', '\r', '\f', '\x1b'}) {
        std::string text(n, 'a');
        text[0] = 'x';
        if (at > 0) text[at] = ok;
        EXPECT_EQ(app::http_sniff_mime(as_bytes(text)), "text/plain") << n << " " << at << " " << int(ok);
      }
      // Many allowed controls plus one binary byte after them.
      std::string mixed(n, '\n');
      mixed[0] = 'x';
      mixed[at] = '\x02';
      if (at > 0) {
        EXPECT_EQ(app::http_sniff_mime(as_bytes(mixed)), "application/octet-stream") << n << " " << at;
      }
    }
  }
}

}  // namespace
