// HTTP parser and logger on hand-built streams: every framing rule (Content-Length, chunked
// with trailers, close-delimited, HEAD/1xx/204/304, 100-continue, CONNECT and 101 tunnels),
// pipelining and matching, gaps and resynchronization, limits and hostile input, MIME sniffing,
// export-object names, extraction in collect mode, Content-Encoding decoding, and the fuzz
// regressions. Every stream is fed whole, one byte at a time and in random splits: the results
// must be identical.
#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <memory>
#include <set>
#include <random>
#include <string>
#include <vector>

#include "pcapscope/app/http.hpp"
#include "pcapscope/app/http_log.hpp"
#include "support/test_support.hpp"

#define PCAPSCOPE_HTTP_FUZZ_NO_MAIN
#include "fuzz/http_fuzz.cpp"

namespace {

using namespace pcapscope;
using app::http_anomaly;

// One step of a hand-built connection.
struct step {
  int dir = 0;
  enum kind_t { data, gap, close } kind = data;
  std::string bytes;
  std::uint64_t gap_len = 0;
};

step to_server(std::string s) { return {0, step::data, std::move(s), 0}; }
step to_client(std::string s) { return {1, step::data, std::move(s), 0}; }
step gap_in(int dir, std::uint64_t n) { return {dir, step::gap, {}, n}; }
step close_of(int dir) { return {dir, step::close, {}, 0}; }

struct run_result {
  std::shared_ptr<app::http_logger> log;  // owns what entries and objects view
  std::vector<app::http_log_entry> entries;
  std::vector<app::http_object> objects;
  app::http_counters counters;
  std::string text;           // log + objects + counters, for comparing runs
  std::size_t peak_buffered = 0;
  std::string collected;      // collect-mode body, when asked
};

// Feeds the steps (step i is frame i + 1). `split`: 0 whole, 1 one byte at a time, else a seed
// for random piece sizes. `cut_at` (with `split` 0): each data step in two pieces, its first
// `cut_at` bytes and the rest.
run_result run(const std::vector<step>& steps, std::uint32_t split, app::http_limits lim = {},
               int collect_dir = -1, std::uint32_t collect_message = 0, bool finish = true, std::size_t cut_at = 0) {
  run_result out;
  out.log = std::make_shared<app::http_logger>(nullptr, lim);
  auto& log = *out.log;
  if (collect_dir >= 0) {
    log.collect_body(7, collect_dir, collect_message,
                     [&](util::bytes b) { out.collected.append(reinterpret_cast<const char*>(b.data()), b.size()); });
  }
  std::mt19937 rng(split);
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const auto& s = steps[i];
    app::stream_ctx c;
    c.flow_id = 7;
    c.frame = i + 1;
    c.ts_ns = static_cast<std::int64_t>(i + 1) * 1'000'000'000;
    if (s.kind == step::gap) {
      log.on_gap(c, s.dir, s.gap_len);
    } else if (s.kind == step::close) {
      log.on_close(c, s.dir);
    } else {
      const auto* p = reinterpret_cast<const std::uint8_t*>(s.bytes.data());
      std::size_t pos = 0;
      while (pos < s.bytes.size()) {
        std::size_t n = s.bytes.size() - pos;
        if (split == 1) n = 1;
        else if (split > 1) n = std::min<std::size_t>(n, 1 + rng() % 13);
        else if (pos == 0 && cut_at > 0 && cut_at < n) n = cut_at;
        log.on_data(c, s.dir, util::bytes(p + pos, n));
        pos += n;
        out.peak_buffered = std::max(out.peak_buffered, log.buffered());
      }
    }
  }
  if (finish) log.finish();
  const auto entries = log.entries();
  const auto objects = log.objects();
  out.entries.assign(entries.begin(), entries.end());
  out.objects.assign(objects.begin(), objects.end());
  out.counters = log.counters();
  out.text = app::http_log_ndjson(log) + app::http_objects_ndjson(log);
  for (auto v : out.counters.anomalies) out.text += std::to_string(v) + " ";
  return out;
}

// Runs whole, byte by byte and with three random splits; all must agree. Returns the whole run.
run_result run_all(const std::vector<step>& steps, app::http_limits lim = {}, int collect_dir = -1,
                   std::uint32_t collect_message = 0) {
  auto whole = run(steps, 0, lim, collect_dir, collect_message);
  for (std::uint32_t split : {1u, 2u, 3u, 99u}) {
    auto other = run(steps, split, lim, collect_dir, collect_message);
    EXPECT_EQ(whole.text, other.text) << "split " << split;
    EXPECT_EQ(whole.collected, other.collected) << "split " << split;
  }
  return whole;
}

bool has(const app::http_log_entry& e, http_anomaly a) {
  return std::find(e.anomalies.begin(), e.anomalies.end(), a) != e.anomalies.end();
}

std::uint64_t count(const run_result& r, http_anomaly a) { return r.counters.anomalies[static_cast<std::size_t>(a)]; }

std::uint64_t anomaly_total(const run_result& r) {
  std::uint64_t n = 0;
  for (auto v : r.counters.anomalies) n += v;
  return n;
}

const char* get_example =
    "GET /index.html?x=1 HTTP/1.1\r\nHost: www.example.com:8080\r\nUser-Agent: curl/8.0\r\n"
    "Referer: http://a.example/\r\nOrigin: http://a.example\r\nAccept: */*\r\n\r\n";

TEST(HttpTest, SimpleRequestAndResponse) {
  auto r = run_all({to_server(get_example),
                    to_client("HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: 15\r\n\r\n"
                              "<html>hi</html>")});
  ASSERT_EQ(r.entries.size(), 1u);
  const auto& e = r.entries[0];
  EXPECT_EQ(e.method, "GET");
  EXPECT_EQ(e.uri, "/index.html?x=1");
  EXPECT_EQ(e.host, "www.example.com");
  EXPECT_EQ(e.host_header, "www.example.com:8080");
  EXPECT_EQ(e.user_agent, "curl/8.0");
  EXPECT_EQ(e.referrer, "http://a.example/");
  EXPECT_EQ(e.origin, "http://a.example");
  EXPECT_EQ(e.version, "1.1");
  EXPECT_EQ(e.trans_depth, 1u);
  EXPECT_EQ(e.status_code, 200);
  EXPECT_EQ(e.status_msg, "OK");
  EXPECT_EQ(e.response_body_len, 15u);
  EXPECT_EQ(e.request_body_len, 0u);
  EXPECT_EQ(e.request_frame, 1u);
  EXPECT_EQ(e.response_frame, 2u);
  EXPECT_EQ(e.ts_ns, 1'000'000'000);
  EXPECT_EQ(e.resp_content_type, "text/html; charset=utf-8");
  EXPECT_EQ(e.resp_mime_type, "text/html");
  EXPECT_EQ(e.orig_mime_type, "");
  EXPECT_TRUE(e.response_complete);
  EXPECT_TRUE(e.anomalies.empty());
  ASSERT_EQ(r.objects.size(), 1u);
  EXPECT_EQ(r.objects[0].filename, "index.html?x=1");
  EXPECT_EQ(r.objects[0].content_type, "text/html");
  EXPECT_EQ(r.objects[0].hostname, "www.example.com:8080");
  EXPECT_EQ(r.objects[0].frame, 2u);
  EXPECT_EQ(r.objects[0].size, 15u);
  EXPECT_TRUE(r.objects[0].response);
  EXPECT_EQ(app::http_object_file_names(r.objects)[0], "index.html%3fx=1");
  EXPECT_EQ(anomaly_total(r), 0u);
}

TEST(HttpTest, LogRecordFields) {
  auto r = run_all({to_server(get_example), to_client("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")});
  ASSERT_EQ(r.entries.size(), 1u);
  std::string line;
  app::append_http_record(line, r.entries[0], util::log_format::ndjson, false);
  EXPECT_NE(line.find("\"method\":\"GET\""), std::string::npos) << line;
  EXPECT_NE(line.find("\"status_code\":404"), std::string::npos) << line;
  EXPECT_NE(line.find("\"trans_depth\":1"), std::string::npos) << line;
  EXPECT_NE(line.find("\"request_frame\":1"), std::string::npos) << line;
  EXPECT_NE(line.find("\"response_frame\":2"), std::string::npos) << line;
  EXPECT_NE(line.find("\"tags\":[]"), std::string::npos) << line;
  EXPECT_NE(line.find("\"proto\":\"tcp\""), std::string::npos) << line;
  std::string tsv;
  app::append_http_record(tsv, r.entries[0], util::log_format::tsv, true);
  EXPECT_EQ(tsv.rfind("ts\tuid\tid.orig_h", 0), 0u) << tsv;
  EXPECT_NE(tsv.find("\tstatus_code\t"), std::string::npos);
}

// SSDP (UPnP Device Architecture 2.0, section 1.3): HTTPU/HTTPMU messages, one per datagram,
// with an empty body. Each is an entry of its own; a response without Content-Length ends with
// its datagram; nothing is paired, exported or counted as unmatched.
TEST(HttpTest, DatagramsAreWholeMessages) {
  app::http_logger log;
  auto send = [&](int dir, std::uint64_t frame, std::string_view text) {
    app::stream_ctx c;
    c.flow_id = 3;
    c.frame = frame;
    c.ts_ns = static_cast<std::int64_t>(frame) * 1'000'000'000;
    log.on_datagram(c, dir, util::bytes(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
  };
  send(0, 1, "M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: \"ssdp:discover\"\r\nMX: 2\r\n"
             "ST: ssdp:all\r\nUSER-AGENT: Linux/5.10 UPnP/2.0 test/1.0\r\n\r\n");
  send(1, 2, "HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age=1800\r\nEXT:\r\nLOCATION: http://192.0.2.7:49152/d.xml\r\n"
             "ST: upnp:rootdevice\r\nUSN: uuid:1::upnp:rootdevice\r\n\r\n");
  send(0, 3, "NOTIFY * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nNT: upnp:rootdevice\r\nNTS: ssdp:alive\r\n\r\n");
  send(0, 4, "M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: \"ssdp:disc");  // cut short
  log.finish();
  const auto& e = log.entries();
  ASSERT_EQ(e.size(), 4u);
  EXPECT_EQ(e[0].method, "M-SEARCH");
  EXPECT_EQ(e[0].uri, "*");
  EXPECT_EQ(e[0].host_header, "239.255.255.250:1900");
  EXPECT_EQ(e[0].user_agent, "Linux/5.10 UPnP/2.0 test/1.0");
  EXPECT_EQ(e[0].request_frame, 1u);
  EXPECT_FALSE(e[0].has_response);
  EXPECT_FALSE(e[1].has_request);
  EXPECT_EQ(e[1].status_code, 200);
  EXPECT_EQ(e[1].response_frame, 2u);
  EXPECT_TRUE(e[1].anomalies.empty());
  EXPECT_EQ(e[2].method, "NOTIFY");
  EXPECT_EQ(e[2].request_frame, 3u);
  EXPECT_EQ(e[3].request_frame, 0u);  // never complete
  EXPECT_TRUE(has(e[3], http_anomaly::truncated_message));
  for (const auto& x : e) {
    EXPECT_TRUE(x.udp);
    EXPECT_EQ(x.trans_depth, 1u);
  }
  EXPECT_EQ(log.counters().datagrams, 4u);
  EXPECT_EQ(log.counters().unmatched, 0u);
  EXPECT_EQ(log.counters().connections, 0u);
  EXPECT_TRUE(log.objects().empty());
  EXPECT_EQ(log.buffered(), 0u);
  std::string line;
  app::append_http_record(line, e[2], util::log_format::ndjson, false);
  EXPECT_NE(line.find("\"proto\":\"udp\""), std::string::npos) << line;
}

TEST(HttpTest, KeepAliveAndPipelining) {
  auto r = run_all({to_server("GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n"
                              "POST /c HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello"),
                    to_client("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\naa"
                              "HTTP/1.1 301 Moved\r\nContent-Length: 0\r\n\r\n"),
                    to_client("HTTP/1.1 201 Created\r\nContent-Length: 3\r\n\r\nccc"),
                    to_server("GET /d HTTP/1.1\r\nHost: h\r\n\r\n"),
                    to_client("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nd")});
  ASSERT_EQ(r.entries.size(), 4u);
  const char* uris[] = {"/a", "/b", "/c", "/d"};
  int codes[] = {200, 301, 201, 200};
  std::uint64_t resp_frames[] = {2, 2, 3, 5};
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(r.entries[i].uri, uris[i]);
    EXPECT_EQ(r.entries[i].status_code, codes[i]);
    EXPECT_EQ(r.entries[i].trans_depth, i + 1);
    EXPECT_EQ(r.entries[i].response_frame, resp_frames[i]);
  }
  EXPECT_EQ(r.entries[2].request_body_len, 5u);
  EXPECT_EQ(r.entries[2].orig_mime_type, "text/plain");
  EXPECT_EQ(r.counters.requests, 4u);
  EXPECT_EQ(r.counters.responses, 4u);
  // Bodies: "aa", "hello" (request), "ccc", "d".
  ASSERT_EQ(r.objects.size(), 4u);
  EXPECT_FALSE(r.objects[0].response);  // the POST body completed first (frame 1)
  EXPECT_EQ(r.objects[0].filename, "c");
  EXPECT_EQ(r.objects[0].message, 3u);
  EXPECT_EQ(anomaly_total(r), 0u);
}

TEST(HttpTest, ChunkedWithExtensionsAndTrailers) {
  std::vector<step> s = {to_server("GET /chunky HTTP/1.1\r\nHost: h\r\n\r\n"),
                         to_client("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n"
                                   "5;name=value\r\n{\"a\":\r\n"
                                   "B\r\n 1, \"b\": 2}\r\n"
                                   "0\r\nX-Checksum: abc\r\nX-Other: 1\r\n\r\n"
                                   "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
                         to_server("GET /next HTTP/1.1\r\n\r\n")};
  auto r = run_all(s, {}, 1, 1);
  ASSERT_EQ(r.entries.size(), 3u);
  EXPECT_EQ(r.entries[0].response_body_len, 16u);
  EXPECT_TRUE(r.entries[0].response_complete);
  EXPECT_EQ(r.entries[0].resp_mime_type, "application/json");
  EXPECT_EQ(r.collected, "{\"a\": 1, \"b\": 2}");
  // The second response came before its request: unmatched, then the request waits.
  EXPECT_EQ(r.entries[1].status_code, 200);
  EXPECT_FALSE(r.entries[1].has_request);
  EXPECT_TRUE(has(r.entries[1], http_anomaly::unmatched_response));
  EXPECT_EQ(r.entries[2].uri, "/next");
  EXPECT_FALSE(r.entries[2].has_response);
  EXPECT_EQ(count(r, http_anomaly::bad_chunk_size), 0u);
}

TEST(HttpTest, ChunkSizeOverflowIsAnAnomalyAndParsingResumes) {
  auto r = run_all({to_server("GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\n"),
                    to_client("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                              "FFFFFFFFFFFFFFFFFFFFFFFF\r\nxxxx\r\n"
                              "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")});
  ASSERT_EQ(r.entries.size(), 2u);
  EXPECT_TRUE(has(r.entries[0], http_anomaly::bad_chunk_size));
  EXPECT_FALSE(r.entries[0].response_complete);
  EXPECT_EQ(r.entries[1].status_code, 200);
  EXPECT_EQ(r.entries[1].response_body_len, 2u);
  EXPECT_EQ(r.counters.resyncs, 1u);
}

TEST(HttpTest, CloseDelimitedBodyEndsAtClose) {
  auto r = run_all({to_server("GET /old HTTP/1.0\r\n\r\n"), to_client("HTTP/1.0 200 OK\r\nContent-Type: image/png\r\n\r\n"),
                    to_client(std::string("\x89PNG\r\n\x1a\n", 8) + "rest of the picture"), close_of(0),
                    close_of(1)},
                   {}, 1, 1);
  ASSERT_EQ(r.entries.size(), 1u);
  EXPECT_EQ(r.entries[0].response_body_len, 27u);
  EXPECT_EQ(r.entries[0].response_frame, 5u);  // the close
  EXPECT_TRUE(r.entries[0].response_complete);
  EXPECT_EQ(r.entries[0].resp_mime_type, "image/png");
  EXPECT_EQ(r.collected.size(), 27u);
  EXPECT_EQ(anomaly_total(r), 0u);
  // Without a close, the end of the capture completes it in the last data packet.
  auto open = run_all({to_server("GET /old HTTP/1.0\r\n\r\n"), to_client("HTTP/1.0 200 OK\r\n\r\nabc")});
  EXPECT_EQ(open.entries[0].response_body_len, 3u);
  EXPECT_EQ(open.entries[0].response_frame, 2u);
}

TEST(HttpTest, HeadAnd204And304HaveNoBody) {
  auto r = run_all({to_server("HEAD /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\nGET /c HTTP/1.1\r\n\r\nGET /d HTTP/1.1\r\n\r\n"),
                    to_client("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"
                              "HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n"
                              "HTTP/1.1 304 Not Modified\r\nContent-Length: 20\r\nTransfer-Encoding: chunked\r\n\r\n"
                              "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nbody")});
  ASSERT_EQ(r.entries.size(), 4u);
  EXPECT_EQ(r.entries[0].status_code, 200);
  EXPECT_EQ(r.entries[0].response_body_len, 0u);
  EXPECT_EQ(r.entries[1].status_code, 204);
  EXPECT_EQ(r.entries[2].status_code, 304);
  EXPECT_EQ(r.entries[3].status_code, 200);
  EXPECT_EQ(r.entries[3].response_body_len, 4u);
  EXPECT_EQ(r.objects.size(), 1u);
}

TEST(HttpTest, InterimResponsesAnd100Continue) {
  auto r = run_all({to_server("PUT /up HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n"),
                    to_client("HTTP/1.1 100 Continue\r\n\r\n"), to_server("data"),
                    to_client("HTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n")});
  ASSERT_EQ(r.entries.size(), 1u);
  EXPECT_EQ(r.entries[0].request_body_len, 4u);
  EXPECT_EQ(r.entries[0].info_code, 102);
  EXPECT_EQ(r.entries[0].info_msg, "Processing");
  EXPECT_EQ(r.entries[0].status_code, 201);
  EXPECT_EQ(r.entries[0].request_frame, 3u);
  EXPECT_EQ(r.counters.interim, 2u);
  EXPECT_EQ(anomaly_total(r), 0u);
}

TEST(HttpTest, ExpectContinueRefusedBodyNeverSent) {
  // The server refuses at once; the client sends its next request instead of the body.
  auto r = run_all({to_server("POST /big HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 100000\r\n\r\n"),
                    to_client("HTTP/1.1 417 Expectation Failed\r\nContent-Length: 0\r\n\r\n"),
                    to_server("GET /small HTTP/1.1\r\nHost: h\r\n\r\n"),
                    to_client("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")});
  ASSERT_EQ(r.entries.size(), 2u);
  EXPECT_EQ(r.entries[0].status_code, 417);
  EXPECT_EQ(r.entries[0].request_body_len, 0u);
  EXPECT_EQ(r.entries[0].tags, app::http_tag_expect_continue_no_body);
  EXPECT_EQ(app::http_tag_names(r.entries[0].tags), std::vector<std::string>{"expect_continue_no_body"});
  EXPECT_EQ(r.entries[1].uri, "/small");
  EXPECT_EQ(r.entries[1].status_code, 200);
  // The body does come after a final answer (servers that ignore Expect): it is a body.
  auto b = run_all({to_server("POST /x HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 6\r\n\r\n"),
                    to_client("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"), to_server("a=b&c="),
                    to_server("GET /y HTTP/1.1\r\n\r\n")});
  ASSERT_EQ(b.entries.size(), 2u);
  EXPECT_EQ(b.entries[0].request_body_len, 6u);
  EXPECT_EQ(b.entries[1].uri, "/y");
}

TEST(HttpTest, ConnectTunnelStopsParsing) {
  static const char raw_hello[] = "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03GET / HTTP/1.1\r\n\r\n";
  std::string hello(raw_hello, sizeof raw_hello - 1);
  auto r = run_all({to_server("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n"), to_server(hello),
                    to_client("HTTP/1.1 200 Connection established\r\n\r\n"),
                    to_client(std::string("\x16\x03\x03\x00\x30", 5) + std::string(48, 'x')), to_server(hello)});
  ASSERT_EQ(r.entries.size(), 1u);
  EXPECT_EQ(r.entries[0].method, "CONNECT");
  EXPECT_EQ(r.entries[0].uri, "example.com:443");
  EXPECT_EQ(r.entries[0].status_code, 200);
  EXPECT_EQ(r.entries[0].tags, app::http_tag_tunnel);
  EXPECT_EQ(app::http_tag_names(r.entries[0].tags), std::vector<std::string>{"tunnel"});
  EXPECT_EQ(r.counters.tunnels, 1u);
  EXPECT_EQ(r.counters.requests, 1u);  // the "GET" inside the TLS bytes is not a request
  EXPECT_EQ(anomaly_total(r), 0u);
  // A refused CONNECT keeps HTTP going.
  auto refused = run_all({to_server("CONNECT a:443 HTTP/1.1\r\n\r\n"),
                          to_client("HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 3\r\n\r\nno!"),
                          to_server("CONNECT a:443 HTTP/1.1\r\nProxy-Authorization: x\r\n\r\n"),
                          to_client("HTTP/1.1 200 OK\r\n\r\n")});
  ASSERT_EQ(refused.entries.size(), 2u);
  EXPECT_EQ(refused.entries[0].status_code, 407);
  EXPECT_EQ(refused.entries[1].status_code, 200);
}

TEST(HttpTest, SwitchingProtocolsIsATunnel) {
  auto r = run_all({to_server("GET /chat HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"),
                    to_client("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81\x05hello"),
                    to_server("\x81\x85garbage")});
  ASSERT_EQ(r.entries.size(), 1u);
  EXPECT_EQ(r.entries[0].status_code, 101);
  EXPECT_EQ(r.counters.tunnels, 1u);
  EXPECT_EQ(anomaly_total(r), 0u);
}

TEST(HttpTest, RequestsFromTheResponderDirection) {
  // The originator was guessed wrong: requests arrive in direction 1.
  auto r = run_all({to_client("GET /rev HTTP/1.1\r\nHost: r\r\n\r\n"),
                    to_server("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc")});
  ASSERT_EQ(r.entries.size(), 1u);
  EXPECT_EQ(r.entries[0].request_dir, 1);
  EXPECT_EQ(r.entries[0].status_code, 200);
  EXPECT_EQ(r.objects[0].dir, 0);
  EXPECT_EQ(anomaly_total(r), 0u);
}

TEST(HttpTest, LooseStartLinesAsTsharkReadsThem) {
  auto r = run_all({to_server("OPTIONS\r\nHost: h\r\n\r\nOPTIONS HTTP/1.1\r\n\r\nCCM_POST / HTTP/1.\r\n\r\n"
                              "M-SEARCH * HTTP/1.1\r\n\r\n\r\n\r\nGET /after-crlf HTTP/1.1\r\n\r\n")});
  ASSERT_EQ(r.entries.size(), 5u);
  EXPECT_EQ(r.entries[0].method, "OPTIONS");
  EXPECT_EQ(r.entries[0].uri, "");
  EXPECT_EQ(r.entries[1].uri, "HTTP/1.1");
  EXPECT_EQ(r.entries[2].method, "CCM_POST");
  EXPECT_EQ(r.entries[3].method, "M-SEARCH");
  EXPECT_EQ(r.entries[4].uri, "/after-crlf");
  EXPECT_EQ(anomaly_total(r), 0u);
}

TEST(HttpTest, GarbageIsSkippedToTheNextStartLine) {
  auto r = run_all({to_server("\x01\x02 binary junk\r\nmore junk\nGET /ok HTTP/1.1\r\n\r\n")});
  ASSERT_EQ(r.entries.size(), 1u);
  EXPECT_EQ(r.entries[0].uri, "/ok");
  EXPECT_EQ(count(r, http_anomaly::bad_start_line), 1u);
  EXPECT_EQ(r.counters.resyncs, 1u);
}

TEST(HttpTest, GapInsideBodyKeepsFraming) {
  auto r = run_all({to_server("GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\n"),
                    to_client("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n01"), gap_in(1, 5), to_client("789"),
                    to_client("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx")});
  ASSERT_EQ(r.entries.size(), 2u);
  EXPECT_EQ(r.entries[0].response_body_len, 5u);  // bytes seen (the 5 missing are not counted)
  EXPECT_FALSE(r.entries[0].response_complete);
  EXPECT_TRUE(has(r.entries[0], http_anomaly::body_gap));
  EXPECT_EQ(r.entries[1].status_code, 200);
  EXPECT_TRUE(r.entries[1].response_complete);
  EXPECT_FALSE(r.objects[0].complete);
  EXPECT_EQ(r.counters.resyncs, 0u);
}

TEST(HttpTest, GapAcrossMessagesResynchronizes) {
  auto r = run_all({to_server("GET /a HTTP/1.1\r\n\r\n"), to_client("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n01"),
                    gap_in(1, 40),  // the rest of the body and the start of the next response
                    to_server("GET /b HTTP/1.1\r\n\r\nGET /c HTTP/1.1\r\n\r\n"),
                    to_client("ength: 3\r\n\r\nabcHTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\nno")});
  ASSERT_EQ(r.entries.size(), 3u);
  EXPECT_TRUE(has(r.entries[0], http_anomaly::body_gap));
  EXPECT_EQ(count(r, http_anomaly::gap_resync), 1u);
  // "abcHTTP/1.1 404" is not at a line start: the next start line is lost too (as it would be).
  EXPECT_EQ(r.counters.resyncs, 0u);
  // With the response at a line start it is found.
  auto ok = run_all({to_server("GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\n"),
                     to_client("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n01"), gap_in(1, 40),
                     to_client("junk\r\nHTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\nno")});
  ASSERT_EQ(ok.entries.size(), 2u);
  EXPECT_EQ(ok.entries[1].status_code, 404);
  EXPECT_EQ(ok.counters.resyncs, 1u);
  // A gap right before a start line: the data after the gap starts a line.
  auto at_start = run_all({to_server("GET /a HTTP/1.1\r\n\r\n"), gap_in(0, 100), to_server("GET /z HTTP/1.1\r\n\r\n")});
  ASSERT_EQ(at_start.entries.size(), 2u);
  EXPECT_EQ(at_start.entries[1].uri, "/z");
}

TEST(HttpTest, GapInHeadersAbortsTheMessage) {
  auto r = run_all({to_server("GET /a HTTP/1.1\r\nHost: h"), gap_in(0, 10), to_server("\r\n\r\nGET /b HTTP/1.1\r\n\r\n")});
  ASSERT_EQ(r.entries.size(), 2u);
  EXPECT_TRUE(has(r.entries[0], http_anomaly::gap_resync));
  EXPECT_EQ(r.entries[1].uri, "/b");
}

TEST(HttpTest, TruncatedAtTheEnd) {
  auto r = run_all({to_server("POST /p HTTP/1.1\r\nContent-Length: 100\r\n\r\nabc")});
  ASSERT_EQ(r.entries.size(), 1u);
  EXPECT_EQ(r.entries[0].request_body_len, 3u);
  EXPECT_FALSE(r.entries[0].request_complete);
  EXPECT_TRUE(has(r.entries[0], http_anomaly::truncated_message));
  ASSERT_EQ(r.objects.size(), 1u);
  EXPECT_FALSE(r.objects[0].complete);
}

TEST(HttpTest, ContentLengthProblems) {
  auto r = run_all({to_server("GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\nGET /c HTTP/1.1\r\n\r\n"),
                    to_client("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"
                              "2\r\nab\r\n0\r\n\r\n"
                              "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nxyz"),
                    close_of(1)});
  ASSERT_EQ(r.entries.size(), 3u);
  EXPECT_TRUE(has(r.entries[0], http_anomaly::te_and_content_length));
  EXPECT_EQ(r.entries[0].response_body_len, 2u);
  EXPECT_TRUE(has(r.entries[1], http_anomaly::bad_content_length));
  EXPECT_EQ(r.entries[1].response_body_len, 3u);  // conflicting lengths: read until close
  auto huge = run_all({to_server("POST /h HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n"
                                 "GET /next HTTP/1.1\r\n\r\n")});
  ASSERT_EQ(huge.entries.size(), 2u);
  EXPECT_TRUE(has(huge.entries[0], http_anomaly::bad_content_length));
  EXPECT_EQ(huge.entries[1].uri, "/next");
}

TEST(HttpTest, HeaderLimits) {
  std::string many = "GET /many HTTP/1.1\r\n";
  for (int i = 0; i < 250; ++i) many += "X-H" + std::to_string(i) + ": v\r\n";
  many += "\r\nGET /after HTTP/1.1\r\n\r\n";
  auto r = run_all({to_server(many)});
  ASSERT_EQ(r.entries.size(), 2u);
  EXPECT_TRUE(has(r.entries[0], http_anomaly::too_many_headers));
  EXPECT_EQ(r.entries[1].uri, "/after");
  EXPECT_EQ(r.counters.resyncs, 1u);
}

TEST(HttpTest, TenMegabyteHeaderLineIsBounded) {
  std::string big = "GET /big HTTP/1.1\r\nX-Big: " + std::string(10u << 20, 'A') + "\r\n\r\nGET /after HTTP/1.1\r\n\r\n";
  app::http_limits lim;
  for (std::uint32_t split : {0u, 7u}) {
    auto r = run({to_server(big)}, split, lim);
    ASSERT_EQ(r.entries.size(), 2u);
    EXPECT_TRUE(has(r.entries[0], http_anomaly::line_too_long));
    EXPECT_TRUE(has(r.entries[0], http_anomaly::header_block_too_large));
    EXPECT_EQ(r.entries[1].uri, "/after");
    EXPECT_LE(r.peak_buffered, lim.max_line);
  }
  // The same line as a start line.
  auto r = run({to_server("GET /" + std::string(10u << 20, 'B') + " HTTP/1.1\r\n\r\nGET /ok HTTP/1.1\r\n\r\n")}, 5, lim);
  EXPECT_EQ(count(r, http_anomaly::line_too_long), 1u);
  ASSERT_EQ(r.entries.size(), 1u);
  EXPECT_EQ(r.entries[0].uri, "/ok");
  EXPECT_LE(r.peak_buffered, lim.max_line);
}

TEST(HttpTest, GlobalBufferBudget) {
  app::http_limits lim;
  lim.max_buffered_total = 100;
  app::http_logger log(nullptr, lim);
  std::string partial = "GET /" + std::string(80, 'a');
  for (std::uint32_t f = 1; f <= 3; ++f) {
    app::stream_ctx c;
    c.flow_id = f;
    c.frame = f;
    log.on_data(c, 0, util::bytes(reinterpret_cast<const std::uint8_t*>(partial.data()), partial.size()));
    EXPECT_LE(log.buffered(), 100u);
  }
  EXPECT_GE(log.counters().anomalies[static_cast<std::size_t>(http_anomaly::buffer_budget)], 1u);
  log.finish();
  EXPECT_EQ(log.buffered(), 0u);
}

TEST(HttpTest, PendingRequestsAreCapped) {
  app::http_limits lim;
  lim.max_pending = 3;
  std::string reqs;
  for (int i = 0; i < 5; ++i) reqs += "GET /" + std::to_string(i) + " HTTP/1.1\r\n\r\n";
  auto r = run_all({to_server(reqs), to_client("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")}, lim);
  ASSERT_EQ(r.entries.size(), 5u);
  EXPECT_EQ(count(r, http_anomaly::too_many_pending), 2u);
  EXPECT_EQ(r.entries[2].status_code, 200);  // /0 and /1 were dropped from the queue
}

TEST(HttpTest, HostileInputsDoNotBreakEquivalence) {
  std::mt19937 rng(42);
  const char* pieces[] = {"GET / HTTP/1.1\r\n", "HTTP/1.1 200 OK\r\n", "Content-Length: 5\r\n", "Transfer-Encoding: chunked\r\n",
                          "\r\n", "5\r\n", "hello", "0\r\n", "ffffffff\r\n", "HEAD /h HTTP/1.0\r\n", "Expect: 100-continue\r\n",
                          "HTTP/1.1 100 Continue\r\n", "CONNECT a:1 HTTP/1.1\r\n", "\n", "X: y\r\n", " folded\r\n",
                          "HTTP/1.1 101 Switching\r\n", "\x16\x03\x01", "HTTP/1.1 304 NM\r\n"};
  for (int round = 0; round < 300; ++round) {
    std::vector<step> steps;
    int n = 1 + static_cast<int>(rng() % 12);
    for (int i = 0; i < n; ++i) {
      int dir = static_cast<int>(rng() % 2);
      auto k = rng() % 10;
      if (k == 0) {
        steps.push_back(gap_in(dir, 1 + rng() % 40));
      } else if (k == 1) {
        steps.push_back(close_of(dir));
      } else {
        std::string s;
        int m = 1 + static_cast<int>(rng() % 8);
        for (int j = 0; j < m; ++j) s += pieces[rng() % (sizeof pieces / sizeof pieces[0])];
        steps.push_back({dir, step::data, s, 0});
      }
    }
    app::http_limits lim;
    lim.max_line = 40;
    lim.max_header_bytes = 120;
    lim.max_headers = 5;
    auto whole = run(steps, 0, lim);
    for (std::uint32_t split : {1u, 1000u + round}) {
      auto other = run(steps, split, lim);
      ASSERT_EQ(whole.text, other.text) << "round " << round << " split " << split;
    }
  }
}

// Header lines that arrive whole are parsed in place by a loop of their own (one scan for the
// line end and the colon, sixteen bytes at a time); lines cut by a delivery's end go through the
// line buffer. Both must agree at every split point, on every kind of line: names around the
// lengths looked at, colons and line ends on either side of a 16-byte step, spaces and CRs
// around names, obs-folds, lines without a colon, empty names and values, and each limit at its
// edge.
std::string header_block_variants() {
  std::string h = "GET /v HTTP/1.1\r\n";
  h += "HOST :  host.example  \r\n";         // trimmed name and value
  h += "Host: second.example\r\n";           // the first Host counts
  h += "\rUser-Agent: after-cr\r\n";         // a CR before the name is trimmed
  h += "user-agent: ignored\r\n";
  h += "X-No-Colon\r\n";                     // http.bad_header_line
  h += "NoColon\r\nA:b\r\n";                  // the same, with a colon in the next line's first 16 bytes
  h += " folded: continuation\r\n";          // obs-fold
  h += "\tfolded\r\n";
  h += ": empty name\r\n";
  h += "Referer:http://r.example:80/a:b\r\n";  // colons in the value, no space
  h += "Origin:\r\n";                        // empty value
  h += "Hoss: same length as Host\r\n";
  h += "Content-Typo: same length as Content-Type\r\n";
  h += std::string(31, 'H') + ": v\r\n" + std::string(32, 'H') + ": v\r\n";  // names of 31 and 32 characters
  h += "content-type: Text/Plain; x=1\r\n";
  h += "Content-Length: 3\n";                // bare LF
  for (std::size_t name = 13; name <= 19; ++name) h += std::string(name, 'N') + ": x\r\n";  // colon at 13..19
  for (std::size_t len : {14u, 15u, 16u, 17u, 30u, 31u, 32u, 33u, 47u, 48u}) {
    h += "X-L: " + std::string(len - 7, 'v') + "\r\n";  // line ends around the 16-byte steps
  }
  h += "X-Colon-Late" + std::string(20, '-') + ":v\r\n";
  h += "\r\nabc";
  return h;
}

// Each data step delivered in two pieces, its first `at` bytes and the rest (same frame).
run_result run_split_at(const std::vector<step>& steps, std::size_t at, const app::http_limits& lim) {
  return run(steps, 0, lim, -1, 0, true, at);
}

TEST(HttpTest, HeaderLinesInPlaceMatchTheLineBuffer) {
  const std::string block = header_block_variants();
  const std::vector<step> steps = {to_server(block),
                                   to_client("HTTP/1.1 200 OK\r\nContent-Type: TEXT/plain\r\nContent-Length: 2\r\n\r\nok")};
  auto whole = run(steps, 0);
  ASSERT_EQ(whole.entries.size(), 1u);
  const auto& e = whole.entries[0];
  EXPECT_EQ(e.host_header, "host.example");
  EXPECT_EQ(e.user_agent, "after-cr");
  EXPECT_EQ(e.referrer, "http://r.example:80/a:b");
  EXPECT_TRUE(e.has_origin);
  EXPECT_EQ(e.origin, "");
  EXPECT_EQ(e.orig_content_type, "Text/Plain; x=1");
  EXPECT_EQ(e.request_body_len, 3u);
  EXPECT_EQ(e.resp_content_type, "TEXT/plain");
  ASSERT_EQ(whole.objects.size(), 2u);
  EXPECT_EQ(whole.objects[0].content_type, "text/plain");
  EXPECT_EQ(whole.objects[1].content_type, "text/plain");
  EXPECT_EQ(count(whole, http_anomaly::bad_header_line), 2u);
  EXPECT_EQ(anomaly_total(whole), 2u);
  EXPECT_EQ(whole.text, run(steps, 1, {}).text);

  // Limits at and around their edges: the line length (line_too_long, the global budget), the
  // block size and the header count.
  const std::size_t lines = static_cast<std::size_t>(std::count(block.begin(), block.end(), '\n'));
  std::vector<app::http_limits> limits(1);
  for (std::size_t v : {20u, 33u, 34u, 35u, 46u, 47u, 48u}) {
    limits.emplace_back().max_line = v;
    limits.emplace_back().max_buffered_total = v;
  }
  for (std::size_t v = block.size() - 12; v <= block.size() + 1; ++v) limits.emplace_back().max_header_bytes = v;
  for (std::size_t v = 100; v <= 200; v += 25) limits.emplace_back().max_header_bytes = v;
  for (std::size_t v = lines - 4; v <= lines; ++v) limits.emplace_back().max_headers = v;
  limits.emplace_back().max_headers = 3;
  for (const auto& lim : limits) {
    const auto by_byte = run(steps, 1, lim);
    for (std::size_t at = 0; at <= block.size(); ++at) {
      ASSERT_EQ(run_split_at(steps, at, lim).text, by_byte.text)
          << "split at " << at << " max_line " << lim.max_line << " budget " << lim.max_buffered_total << " block "
          << lim.max_header_bytes << " headers " << lim.max_headers;
    }
  }
}

// Values of the fields that repeat (Host, User-Agent, Content-Type, …) are looked up among the
// field's recent values before the text store; many values that share the lookup's slots, in
// interleaved connections, must each come back as sent.
TEST(HttpTest, RepeatedValuesComeBackAsSent) {
  app::http_logger log;
  std::vector<std::string> want_ua, want_host, want_type;
  std::uint64_t frame = 0;
  for (int i = 0; i < 400; ++i) {
    const std::uint32_t flow = 1 + static_cast<std::uint32_t>(i % 7);
    const std::string ua = "agent/" + std::to_string(i % 37) + std::string(static_cast<std::size_t>(i % 5), 'x');
    const std::string host = "h" + std::to_string(i % 23) + ".example";
    const std::string type = (i % 3 == 0 ? "Text/" : "text/") + std::string(i % 2 ? "html" : "css") + "; q=" +
                             std::to_string(i % 11);
    want_ua.push_back(ua);
    want_host.push_back(host);
    want_type.push_back(type);
    const std::string req = "GET /" + std::to_string(i) + " HTTP/1.1\r\nHost: " + host + "\r\nUser-Agent: " + ua + "\r\n\r\n";
    const std::string resp = "HTTP/1.1 200 OK\r\nContent-Type: " + type + "\r\nContent-Length: 1\r\n\r\nx";
    app::stream_ctx c;
    c.flow_id = flow;
    c.frame = ++frame;
    log.on_data(c, 0, util::bytes(reinterpret_cast<const std::uint8_t*>(req.data()), req.size()));
    c.frame = ++frame;
    log.on_data(c, 1, util::bytes(reinterpret_cast<const std::uint8_t*>(resp.data()), resp.size()));
  }
  log.finish();
  ASSERT_EQ(log.entries().size(), want_ua.size());
  ASSERT_EQ(log.objects().size(), want_ua.size());
  for (std::size_t i = 0; i < want_ua.size(); ++i) {
    const auto e = log.entry(i);
    EXPECT_EQ(e.user_agent, want_ua[i]) << i;
    EXPECT_EQ(e.host, want_host[i]) << i;
    EXPECT_EQ(e.resp_content_type, want_type[i]) << i;
    std::string media = want_type[i].substr(0, want_type[i].find(';'));
    for (auto& ch : media) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    EXPECT_EQ(log.object(i).content_type, media) << i;
  }
}

// The media type the sniffer gives `s`.
std::string sniff(const std::string& s) {
  return std::string(app::http_sniff_mime(util::bytes(reinterpret_cast<const std::uint8_t*>(s.data()), s.size())));
}

TEST(HttpTest, SniffTable) {
  EXPECT_EQ(sniff(""), "");
  EXPECT_EQ(sniff("  <!DOCTYPE html><html>"), "text/html");
  EXPECT_EQ(sniff("\xEF\xBB\xBF<html>"), "text/html");
  EXPECT_EQ(sniff("<?xml version=\"1.0\"?><a/>"), "application/xml");
  EXPECT_EQ(sniff("<?xml version=\"1.0\"?><svg xmlns=1>"), "image/svg+xml");
  EXPECT_EQ(sniff("{\"a\": 1}"), "application/json");
  EXPECT_EQ(sniff("[1, 2]"), "application/json");
  EXPECT_EQ(sniff("[section]\nkey=1"), "text/plain");
  EXPECT_EQ(sniff(std::string("\x89PNG\r\n\x1a\n\0\0", 10)), "image/png");
  EXPECT_EQ(sniff("\xFF\xD8\xFF\xE0"), "image/jpeg");
  EXPECT_EQ(sniff("GIF89a...."), "image/gif");
  EXPECT_EQ(sniff("%PDF-1.7"), "application/pdf");
  EXPECT_EQ(sniff(std::string("PK\x03\x04\x14\0", 6)), "application/zip");
  EXPECT_EQ(sniff(std::string("\x1f\x8b\x08\0", 4)), "application/x-gzip");
  EXPECT_EQ(sniff(std::string("\x30\x82\x03\x10\x30\x82\x02\xf8", 8)), "application/x-x509-ca-cert");
  EXPECT_EQ(sniff(std::string("MZ\x90\0", 4)), "application/x-dosexec");
  EXPECT_EQ(sniff(std::string("\0\x01\x02\x03", 4)), "application/octet-stream");
  EXPECT_EQ(sniff("plain words"), "text/plain");
}

// Signatures are checked by first byte: where two could match, the order of the table (docs/http.md)
// decides — those before the MP4 box win over it, the box over those after.
TEST(HttpTest, SniffSignatureOrder) {
  const std::string box = "ftyp";
  EXPECT_EQ(sniff(std::string("PK\x03\x04", 4) + box), "application/zip");
  EXPECT_EQ(sniff("GIF89a" + box), "image/gif");
  EXPECT_EQ(sniff("RIFF" + box + "WEBP"), "image/webp");
  EXPECT_EQ(sniff("RIFF" + box + "AVI "), "video/mp4");
  EXPECT_EQ(sniff("Rar!" + box), "video/mp4");
  EXPECT_EQ(sniff("Rar!\x1a\x07"), "application/x-rar");
  EXPECT_EQ(sniff("MZ\x90\x01" + box), "video/mp4");
  EXPECT_EQ(sniff(std::string("BM\x10\x20\0\0\0\0\0\0\x36\0\0\0", 14)), "image/bmp");
  EXPECT_EQ(sniff(std::string("BM\x10\x20", 4) + box + std::string(6, '\0')), "video/mp4");
  EXPECT_EQ(sniff(std::string("\0\0\1\0", 4) + box), "video/mp4");
  EXPECT_EQ(sniff(std::string("\0\0\1\0\1\0", 6)), "image/x-icon");
  EXPECT_EQ(sniff(std::string("\0asm\1\0\0\0", 8)), "application/wasm");
  EXPECT_EQ(sniff("MSCF\0\0\0\0"), "application/vnd.ms-cab-compressed");
  EXPECT_EQ(sniff("MZ"), "application/x-dosexec");
  EXPECT_EQ(sniff("\x7F" "ELF\2\1"), "application/x-executable");
  EXPECT_EQ(sniff("OggS\0\2"), "application/ogg");
  EXPECT_EQ(sniff("ID3\4\0"), "audio/mpeg");
  EXPECT_EQ(sniff("7z\xBC\xAF\x27\x1C\0\4"), "application/x-7z-compressed");
  EXPECT_EQ(sniff("wOFF\0\1"), "font/woff");
  EXPECT_EQ(sniff("wOF2\0\1"), "font/woff2");
  EXPECT_EQ(sniff("wOFX"), "text/plain");
  EXPECT_EQ(sniff("-----BEGIN CERTIFICATE-----\nMIIB"), "application/x-x509-ca-cert");
  EXPECT_EQ(sniff("-----BEGIN KEY-----"), "text/plain");
  EXPECT_EQ(sniff("%PDF-1.4"), "application/pdf");
  EXPECT_EQ(sniff("%PDX"), "text/plain");
  EXPECT_EQ(sniff("\x89PNG\r\n\x1a"), "application/octet-stream");  // one byte short
}

// The sniffer's binary test looks at 16 bytes at a time and only at the bytes a word test
// flags: every byte value at every position (after a line end, whose borrow flags a following
// space; before and after the 16-byte steps) gives the verdict of a byte-by-byte look.
TEST(HttpTest, SniffBinaryByteAnywhere) {
  auto binary = [](unsigned v) { return v < 0x20 && v != '\t' && v != '\n' && v != '\r' && v != '\f' && v != 0x1B; };
  for (std::size_t size : {1u, 7u, 8u, 15u, 16u, 17u, 31u, 32u, 33u, 47u, 256u}) {
    for (std::size_t at = 0; at < size; ++at) {
      for (unsigned v = 0; v < 256; ++v) {
        for (bool after_lf : {false, true}) {
          if (after_lf && at == 0) continue;
          std::string s(size, 'a');
          if (after_lf) s[at - 1] = '\n';
          s[at] = static_cast<char>(v);
          const auto got = app::http_sniff_mime(util::bytes(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()));
          // 'a' filler: no signature, no markup or JSON start, except a lone '{' or '[' (after
          // leading whitespace) that is JSON.
          const bool lone_json = (v == '{' || v == '[') && at + 1 == size && (at == 0 || (after_lf && at == 1));
          ASSERT_EQ(got, binary(v) ? "application/octet-stream" : lone_json ? "application/json" : "text/plain")
              << "size " << size << " at " << at << " byte " << v << (after_lf ? " after LF" : "");
        }
      }
    }
  }
}

TEST(HttpTest, ExportFileNamesLikeTshark) {
  EXPECT_EQ(app::http_object_base_name(true, "/a/b/c.js", 9, "x"), "c.js");
  EXPECT_EQ(app::http_object_base_name(true, "/", 9, ""), "/");
  EXPECT_EQ(app::http_object_base_name(true, "", 9, ""), ".");
  EXPECT_EQ(app::http_object_base_name(true, "/dir/", 9, ""), "dir");
  EXPECT_EQ(app::http_object_base_name(true, "/q.php?u=/x/y", 9, ""), "y");
  EXPECT_EQ(app::http_object_base_name(true, "HTTP/1.1", 9, ""), "1.1");
  EXPECT_EQ(app::http_object_base_name(false, "", 182, ""), "object182");
  EXPECT_EQ(app::http_object_base_name(false, "", 3, "text/html"), "object3.text/html");
  std::vector<app::http_object> objs(7);
  const char* bases[] = {"/", "/", "*", ".", ".", "1.1", "object3.text/html"};
  for (std::size_t i = 0; i < objs.size(); ++i) objs[i].filename = bases[i];
  auto names = app::http_object_file_names(objs);
  std::vector<std::string> want = {"%2f", "%2f(1)", "%2a", ".", "(1).", "1.1", "object3.text%2fhtml"};
  EXPECT_EQ(names, want);
  std::vector<app::http_object> dup(3);
  for (auto& o : dup) o.filename = "1.1";
  EXPECT_EQ(app::http_object_file_names(dup), (std::vector<std::string>{"1.1", "1(1).1", "1(2).1"}));
  // A suffixed name another object already took is skipped.
  std::vector<app::http_object> taken(3);
  taken[0].filename = "a(1).html";
  taken[1].filename = taken[2].filename = "a.html";
  EXPECT_EQ(app::http_object_file_names(taken), (std::vector<std::string>{"a(1).html", "a.html", "a(2).html"}));
  // Past 1,000 tries (Wireshark's gui_max_export_objects) the last one is used again.
  std::vector<app::http_object> many(1200);
  for (auto& o : many) o.filename = "index.html";
  auto mn = app::http_object_file_names(many);
  EXPECT_EQ(mn[0], "index.html");
  EXPECT_EQ(mn[1], "index(1).html");
  EXPECT_EQ(mn[998], "index(998).html");
  EXPECT_EQ(mn[999], "index(999).html");
  EXPECT_EQ(mn[1000], "index(999).html");
  EXPECT_EQ(mn[1199], "index(999).html");
  std::vector<app::http_object> longname(1);
  longname[0].filename = std::string(300, 'n') + ".txt";
  auto ln = app::http_object_file_names(longname);
  EXPECT_EQ(ln[0].size(), 255u);
  EXPECT_EQ(ln[0].substr(251), ".txt");
}

// The log keeps each distinct value once and an entry in a few hundred bytes (issue 6: at most
// 400 per entry all-in); views of repeated values share their bytes.
TEST(HttpTest, LogStorageIsCompact) {
  const std::string ua(120, 'u');
  std::vector<step> steps;
  constexpr int n = 3000;
  for (int i = 0; i < n; ++i) {
    steps.push_back(to_server("GET /item/" + std::to_string(i) + " HTTP/1.1\r\nHost: shop.example:8080\r\nUser-Agent: " + ua +
                              "\r\nReferer: http://shop.example/list\r\n\r\n"));
    steps.push_back(to_client("HTTP/1.1 200 OK\r\nContent-Type: Text/HTML; charset=utf-8\r\nContent-Length: 5\r\n\r\nhello"));
  }
  auto r = run(steps, 0);
  ASSERT_EQ(r.entries.size(), static_cast<std::size_t>(n));
  const auto& first = r.entries.front();
  const auto& last = r.entries.back();
  EXPECT_EQ(last.uri, "/item/" + std::to_string(n - 1));
  EXPECT_EQ(last.user_agent, ua);
  EXPECT_EQ(last.host, "shop.example");
  EXPECT_EQ(last.resp_mime_type, "text/plain");  // sniffed; the Content-Type's media type is lowercased for objects
  EXPECT_EQ(r.objects.back().content_type, "text/html");
  EXPECT_EQ(first.user_agent.data(), last.user_agent.data());
  EXPECT_EQ(first.referrer.data(), last.referrer.data());
  EXPECT_EQ(first.resp_content_type.data(), last.resp_content_type.data());
  EXPECT_LE(r.log->memory_bytes() / n, 400u);
}

// A value longer than the text store's 64 KiB blocks is kept whole, and values after it too.
TEST(HttpTest, LongValuesAreKeptWhole) {
  app::http_limits lim;
  lim.max_line = lim.max_value = 300u << 10;
  lim.max_header_bytes = 1u << 20;
  const std::string uri = "/" + std::string(150000, 'a');
  const std::string agent(70000, 'b');
  auto r = run_all({to_server("GET " + uri + " HTTP/1.1\r\nUser-Agent: " + agent + "\r\n\r\nGET /short HTTP/1.1\r\n\r\n")},
                   lim);
  ASSERT_EQ(r.entries.size(), 2u);
  EXPECT_EQ(r.entries[0].uri, uri);
  EXPECT_EQ(r.entries[0].user_agent, agent);
  EXPECT_EQ(r.entries[1].uri, "/short");
}

TEST(HttpTest, CollectModeSelectsOneBody) {
  std::vector<step> s = {to_server("POST /a HTTP/1.1\r\nContent-Length: 3\r\n\r\nreq"
                                   "GET /b HTTP/1.1\r\n\r\n"),
                         to_client("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nres1"
                                   "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nres\r\n1\r\n2\r\n0\r\n\r\n")};
  EXPECT_EQ(run_all(s, {}, 0, 1).collected, "req");
  EXPECT_EQ(run_all(s, {}, 1, 1).collected, "res1");
  EXPECT_EQ(run_all(s, {}, 1, 2).collected, "res2");
  EXPECT_EQ(run_all(s, {}, 0, 2).collected, "");
}

std::vector<std::uint8_t> zcompress(const std::string& s, int window_bits) {
  z_stream z{};
  deflateInit2(&z, 9, Z_DEFLATED, window_bits, 9, Z_DEFAULT_STRATEGY);
  std::vector<std::uint8_t> out(deflateBound(&z, s.size()) + 64);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(s.data()));
  z.avail_in = static_cast<uInt>(s.size());
  z.next_out = out.data();
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

TEST(HttpTest, DecodeBodies) {
  std::string text;
  for (int i = 0; i < 1000; ++i) text += "line " + std::to_string(i) + "\n";
  std::vector<std::uint8_t> out;
  auto gz = zcompress(text, 31);
  EXPECT_EQ(app::http_decode_body(gz, "gzip", out, 1u << 20), app::http_decode_status::decoded);
  EXPECT_EQ(std::string(out.begin(), out.end()), text);
  EXPECT_EQ(app::http_decode_body(gz, "X-GZIP", out, 1u << 20), app::http_decode_status::decoded);
  auto zl = zcompress(text, 15);
  EXPECT_EQ(app::http_decode_body(zl, "deflate", out, 1u << 20), app::http_decode_status::decoded);
  EXPECT_EQ(std::string(out.begin(), out.end()), text);
  auto raw = zcompress(text, -15);
  EXPECT_EQ(app::http_decode_body(raw, "deflate", out, 1u << 20), app::http_decode_status::decoded);
  EXPECT_EQ(std::string(out.begin(), out.end()), text);
  // Two gzip members.
  auto two = gz;
  auto second = zcompress("tail", 31);
  two.insert(two.end(), second.begin(), second.end());
  EXPECT_EQ(app::http_decode_body(two, "gzip", out, 1u << 20), app::http_decode_status::decoded);
  EXPECT_EQ(std::string(out.begin(), out.end()), text + "tail");
  // Unsupported, identity and garbage keep the input.
  std::vector<std::uint8_t> junk = {1, 2, 3, 4, 5};
  EXPECT_EQ(app::http_decode_body(junk, "br", out, 100), app::http_decode_status::unsupported);
  EXPECT_EQ(out, junk);
  EXPECT_EQ(app::http_decode_body(junk, "", out, 100), app::http_decode_status::identity);
  EXPECT_EQ(app::http_decode_body(junk, "gzip", out, 100), app::http_decode_status::failed);
  EXPECT_EQ(out, junk);
  // A bomb: 64 MiB of zeros from ~64 KiB, capped at 1 MiB.
  auto bomb = zcompress(std::string(64u << 20, '\0'), 31);
  EXPECT_LT(bomb.size(), 100u << 10);
  EXPECT_EQ(app::http_decode_body(bomb, "gzip", out, 1u << 20), app::http_decode_status::too_large);
  EXPECT_EQ(out.size(), 1u << 20);
}

TEST(HttpTest, AnomalyNamesAreDistinct) {
  std::set<std::string> names;
  for (int i = 0; i < static_cast<int>(http_anomaly::count_); ++i) {
    auto n = std::string(app::http_anomaly_name(static_cast<http_anomaly>(i)));
    EXPECT_EQ(n.rfind("http.", 0), 0u);
    EXPECT_TRUE(names.insert(n).second) << n;
  }
}

// The fuzz target's own check on scripts built here (its format: a seed byte, then segments).
TEST(HttpTest, FuzzHarnessAcceptsHandBuiltScripts) {
  auto seg = [](std::string& out, int dir, int kind, const std::string& data, std::size_t len) {
    out += static_cast<char>(dir | (kind << 1) | static_cast<int>((len >> 8) << 3));
    out += static_cast<char>(len & 255);
    if (kind < 2) out += data;
  };
  std::string script(1, '\x2a');
  std::string req = "POST /p HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n";
  std::string resp = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n";
  seg(script, 0, 0, req, req.size());
  seg(script, 1, 0, resp.substr(0, 25), 25);
  seg(script, 0, 0, "hello", 5);
  seg(script, 1, 0, resp.substr(25), resp.size() - 25);
  seg(script, 1, 2, "", 40);  // gap
  seg(script, 0, 3, "", 0);   // close
  std::string whole, split;
  const auto* d = reinterpret_cast<const std::uint8_t*>(script.data());
  EXPECT_TRUE(http_fuzz::check(d, script.size(), &whole, &split)) << whole << "\n" << split;
  EXPECT_NE(whole.find("\"status_code\":200"), std::string::npos) << whole;
  EXPECT_NE(whole.find("\"request_body_len\":5"), std::string::npos) << whole;
}

// Inputs kept in tests/fuzz/regressions/http_fuzz/ (the fuzz target's script format) run the
// fuzz target's check: whole and chunked runs agree, buffering within limits.
TEST(HttpTest, FuzzRegressions) {
  std::filesystem::path dir = std::filesystem::path(PCAPSCOPE_SOURCE_DIR) / "tests/fuzz/regressions/http_fuzz";
  if (!std::filesystem::is_directory(dir)) GTEST_SKIP() << "no regressions kept";
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    auto bytes = test::read_file(e.path());
    std::string whole, split;
    EXPECT_TRUE(http_fuzz::check(bytes.data(), bytes.size(), &whole, &split)) << e.path() << "\n" << whole << "\n" << split;
  }
}

}  // namespace
