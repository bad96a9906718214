// Deterministic generator of a realistic Ethernet capture (IPv4/IPv6, 802.1Q, TCP with HTTP/1.1
// and TLS 1.3, DNS, ICMP, ICMPv6, ARP), written with pcapscope's own writers: the benchmark input
// and the web app's sample capture.
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pcapscope/util/bytes.hpp"
#include "pcapscope/writer/writer.hpp"

namespace pcapscope::bench {
namespace {

using buf = std::vector<std::uint8_t>;
using mac = std::array<std::uint8_t, 6>;
using addr6 = std::array<std::uint8_t, 16>;

// ---------------------------------------------------------------------------------------------
// Randomness: our own generator and integer-only helpers, so the output is byte-identical on
// every platform and standard library (std::*_distribution results are implementation-defined).

/// xoshiro256** seeded through splitmix64.
class prng {
 public:
  explicit prng(std::uint64_t seed) noexcept {
    for (auto& s : s_) {
      seed += 0x9e3779b97f4a7c15ull;
      std::uint64_t z = seed;
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
      s = z ^ (z >> 31);
    }
  }
  std::uint64_t next() noexcept {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }
  std::uint32_t u32() noexcept { return static_cast<std::uint32_t>(next() >> 32); }
  /// Uniform in [0, n) by multiply-shift; n > 0.
  std::uint32_t below(std::uint32_t n) noexcept {
    return static_cast<std::uint32_t>((std::uint64_t{u32()} * n) >> 32);
  }
  /// Uniform in [lo, hi].
  std::uint32_t range(std::uint32_t lo, std::uint32_t hi) noexcept { return lo + below(hi - lo + 1); }
  /// True with probability percent/100.
  bool chance(std::uint32_t percent) noexcept { return below(100) < percent; }
  /// A size between lo and hi, roughly log-uniform: a power-of-two bucket, then uniform in it.
  std::uint32_t log_size(std::uint32_t lo, std::uint32_t hi) noexcept {
    std::uint32_t buckets = 0;
    for (std::uint64_t v = lo; v < hi; v *= 2) ++buckets;
    if (buckets == 0) return lo;
    const std::uint32_t k = below(buckets);
    const std::uint64_t a = std::uint64_t{lo} << k;
    const std::uint64_t b = std::min<std::uint64_t>(a * 2, hi);
    return static_cast<std::uint32_t>(a + below(static_cast<std::uint32_t>(b - a)));
  }
  /// Fills `n` bytes at the end of `out` with random bytes.
  void fill(buf& out, std::size_t n) {
    const std::size_t at = out.size();
    out.resize(at + n);
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
      const std::uint64_t v = next();
      std::memcpy(out.data() + at + i, &v, 8);
    }
    if (i < n) {
      const std::uint64_t v = next();
      std::memcpy(out.data() + at + i, &v, n - i);
    }
  }
  template <class T, std::size_t N>
  const T& pick(const std::array<T, N>& a) noexcept {
    return a[below(static_cast<std::uint32_t>(N))];
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) noexcept { return (x << k) | (x >> (64 - k)); }
  std::array<std::uint64_t, 4> s_{};
};

// ---------------------------------------------------------------------------------------------
// Byte building.

void put8(buf& b, std::uint32_t v) { b.push_back(static_cast<std::uint8_t>(v)); }
void put16(buf& b, std::uint32_t v) {
  put8(b, v >> 8);
  put8(b, v & 0xff);
}
void put32(buf& b, std::uint32_t v) {
  put16(b, v >> 16);
  put16(b, v & 0xffff);
}
void put(buf& b, std::span<const std::uint8_t> s) { b.insert(b.end(), s.begin(), s.end()); }
void put(buf& b, std::string_view s) { b.insert(b.end(), s.begin(), s.end()); }
void set16(buf& b, std::size_t at, std::uint32_t v) {
  b[at] = static_cast<std::uint8_t>(v >> 8);
  b[at + 1] = static_cast<std::uint8_t>(v);
}
void set24(buf& b, std::size_t at, std::uint32_t v) {
  b[at] = static_cast<std::uint8_t>(v >> 16);
  set16(b, at + 1, v & 0xffff);
}

/// Remembers where a length field of `width` bytes sits and fills it with the bytes written after
/// it (TLS and DNS are full of these).
class length_field {
 public:
  length_field(buf& b, int width) : b_(b), at_(b.size()), width_(width) {
    for (int i = 0; i < width; ++i) b.push_back(0);
  }
  void close() {
    const auto n = static_cast<std::uint32_t>(b_.size() - at_ - static_cast<std::size_t>(width_));
    if (width_ == 1) b_[at_] = static_cast<std::uint8_t>(n);
    if (width_ == 2) set16(b_, at_, n);
    if (width_ == 3) set24(b_, at_, n);
  }

 private:
  buf& b_;
  std::size_t at_;
  int width_;
};

/// Adds big-endian 16-bit words of `n` bytes to a ones'-complement accumulator.
std::uint64_t sum16(const std::uint8_t* p, std::size_t n, std::uint64_t acc) noexcept {
  for (; n >= 2; p += 2, n -= 2) acc += static_cast<std::uint32_t>((p[0] << 8) | p[1]);
  if (n) acc += static_cast<std::uint32_t>(p[0] << 8);
  return acc;
}
std::uint16_t fold(std::uint64_t acc) noexcept {
  while (acc >> 16) acc = (acc & 0xffff) + (acc >> 16);
  return static_cast<std::uint16_t>(~acc & 0xffff);
}

// ---------------------------------------------------------------------------------------------
// The network: a router (gateway + DNS resolver) serving three subnets, two of them VLAN-tagged
// (router on a stick), dual-stack clients, and a set of named servers on the internet.

constexpr mac router_mac{0x00, 0x1e, 0x49, 0x5c, 0x7a, 0x01};
constexpr mac broadcast_mac{0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

struct subnet {
  std::uint16_t vlan;   // 0 = untagged
  std::uint32_t v4;     // network address, /24; the router is .1
  addr6 v6;             // /64 prefix; the router is ::1
};

constexpr std::array<subnet, 3> subnets{{
    {0, 0xc0a80100u, {0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01}},   // 192.168.1.0/24, 2001:db8:1::/64
    {20, 0x0a140000u, {0x20, 0x01, 0x0d, 0xb8, 0x00, 0x20}},  // 10.20.0.0/24, 2001:db8:20::/64
    {30, 0x0a1e0000u, {0x20, 0x01, 0x0d, 0xb8, 0x00, 0x30}},  // 10.30.0.0/24, 2001:db8:30::/64
}};

struct client {
  mac hw{};
  const subnet* net = nullptr;
  std::uint32_t v4 = 0;
  addr6 v6{};     // global (prefix + EUI-64)
  addr6 v6ll{};   // link-local (fe80:: + EUI-64)
  std::uint16_t next_port = 0;
  std::uint16_t ip_id = 0;
};

struct server {
  std::string_view name;
  std::string_view cname;  // canonical name the resolver answers with first ("" = none)
  std::uint32_t v4;
  std::uint16_t v6_suffix;  // 2001:db8:f00d::<suffix>
  std::uint8_t hops;
  std::string_view software;
};

constexpr std::array<server, 12> servers{{
    {"www.example.com", "", 0xcb00710au, 0x10, 12, "nginx/1.24.0"},
    {"api.example.com", "api.edge.example.net", 0xcb00710bu, 0x11, 11, "nginx/1.24.0"},
    {"static.example.org", "cdn-7.edge.example.net", 0xc6336414u, 0x20, 9, "cloudfront"},
    {"img.example.org", "cdn-7.edge.example.net", 0xc6336414u, 0x20, 9, "cloudfront"},
    {"login.example.net", "", 0xc6336415u, 0x21, 14, "Apache/2.4.57 (Debian)"},
    {"mail.example.com", "", 0xcb00711eu, 0x30, 13, "Apache/2.4.57 (Debian)"},
    {"news.example.org", "", 0xc6336428u, 0x40, 17, "nginx/1.22.1"},
    {"shop.example.net", "shop.lb.example.net", 0xc6336429u, 0x41, 15, "envoy"},
    {"video.example.com", "", 0xcb007132u, 0x50, 10, "ATS/9.2.3"},
    {"docs.example.org", "", 0xcb007133u, 0x51, 16, "gunicorn"},
    {"update.example.com", "", 0xc633643cu, 0x60, 12, "nginx/1.24.0"},
    {"telemetry.example.net", "", 0xc633643du, 0x61, 18, "envoy"},
}};

addr6 server_v6(const server& s) {
  addr6 a{0x20, 0x01, 0x0d, 0xb8, 0xf0, 0x0d};
  a[14] = static_cast<std::uint8_t>(s.v6_suffix >> 8);
  a[15] = static_cast<std::uint8_t>(s.v6_suffix);
  return a;
}
addr6 router_v6(const subnet& n) {
  addr6 a = n.v6;
  a[15] = 1;
  return a;
}
addr6 router_v6ll() {
  addr6 a{0xfe, 0x80};
  a[8] = router_mac[0] ^ 0x02;
  a[9] = router_mac[1];
  a[10] = router_mac[2];
  a[11] = 0xff;
  a[12] = 0xfe;
  a[13] = router_mac[3];
  a[14] = router_mac[4];
  a[15] = router_mac[5];
  return a;
}

std::vector<client> make_clients(prng& rng, std::size_t count) {
  constexpr std::array<std::array<std::uint8_t, 3>, 6> ouis{{
      {0x3c, 0xa9, 0xf4}, {0xf0, 0x18, 0x98}, {0xa4, 0x83, 0xe7},
      {0x00, 0x1b, 0x21}, {0xdc, 0xa6, 0x32}, {0x8c, 0x85, 0x90},
  }};
  std::vector<client> out(count);
  for (std::size_t i = 0; i < count; ++i) {
    client& c = out[i];
    const auto& oui = rng.pick(ouis);
    c.hw = {oui[0], oui[1], oui[2], static_cast<std::uint8_t>(rng.below(256)),
            static_cast<std::uint8_t>(rng.below(256)), static_cast<std::uint8_t>(i)};
    c.net = &subnets[i % 5 == 3 ? 1 : (i % 5 == 4 ? 2 : 0)];  // 40% of hosts on VLANs 20/30
    c.v4 = c.net->v4 + 10 + static_cast<std::uint32_t>(i);
    c.v6 = c.net->v6;
    c.v6ll = addr6{0xfe, 0x80};
    const std::array<std::uint8_t, 8> iid{static_cast<std::uint8_t>(c.hw[0] ^ 0x02), c.hw[1], c.hw[2],
                                          0xff, 0xfe, c.hw[3], c.hw[4], c.hw[5]};
    std::copy(iid.begin(), iid.end(), c.v6.begin() + 8);
    std::copy(iid.begin(), iid.end(), c.v6ll.begin() + 8);
    c.next_port = static_cast<std::uint16_t>(rng.range(32768, 60999));
    c.ip_id = static_cast<std::uint16_t>(rng.u32());
  }
  return out;
}

/// Next source port from Linux's default ephemeral range, skipping the UDP traceroute ports
/// (33434-33534) that Wireshark would flag as a possible traceroute.
std::uint16_t ephemeral_port(client& c) {
  std::uint16_t p = c.next_port;
  if (p >= 33434 && p <= 33534) p = 33535;
  c.next_port = static_cast<std::uint16_t>(p >= 60999 ? 32768 : p + 1);
  return p;
}

// ---------------------------------------------------------------------------------------------
// Sessions: each plans all its frames up front (back to back in one buffer); the main loop then
// interleaves frames of several live sessions and stamps them with an increasing clock.

struct session {
  buf bytes;                        // frames back to back
  std::vector<std::uint32_t> ends;  // end offset of each frame
  std::size_t next = 0;             // next frame to emit
  std::size_t remaining() const noexcept { return ends.size() - next; }
  void clear() {
    bytes.clear();
    ends.clear();
    next = 0;
  }
};

/// Addresses of the two ends of a conversation as seen on the capture link: the client, and the
/// peer behind `peer_hw` (the router, or a multicast/broadcast group).
struct path {
  mac client_hw{};
  mac peer_hw{};
  std::uint16_t vlan = 0;
  bool v6 = false;
  std::uint32_t c4 = 0, s4 = 0;
  addr6 c6{}, s6{};
  std::uint8_t c_ttl = 64, s_ttl = 64;
  std::uint16_t* c_id = nullptr;  // the client's IPv4 identification counter
  std::uint16_t s_id = 0;
  std::uint32_t c_flow = 0, s_flow = 0;  // IPv6 flow labels
};

constexpr std::size_t no_checksum = static_cast<std::size_t>(-1);

/// Starts a frame: Ethernet (+ 802.1Q) header; returns the offset of the network header.
std::size_t begin_frame(session& s, const mac& dst, const mac& src, std::uint16_t vlan,
                        std::uint16_t ethertype) {
  buf& b = s.bytes;
  put(b, dst);
  put(b, src);
  if (vlan != 0) {
    put16(b, 0x8100);
    put16(b, vlan);  // priority 0, DEI 0
  }
  put16(b, ethertype);
  return b.size();
}

/// Ends a frame: pads it to the Ethernet minimum of 60 bytes (without FCS).
void end_frame(session& s) {
  const std::size_t start = s.ends.empty() ? 0 : s.ends.back();
  if (s.bytes.size() - start < 60) s.bytes.resize(start + 60, 0);
  s.ends.push_back(static_cast<std::uint32_t>(s.bytes.size()));
}

/// Starts an IP packet of `proto` from the client (or to it); returns the network header offset.
std::size_t begin_ip(session& s, path& p, bool from_client, std::uint8_t proto) {
  buf& b = s.bytes;
  const std::size_t l3 = from_client ? begin_frame(s, p.peer_hw, p.client_hw, p.vlan, p.v6 ? 0x86dd : 0x0800)
                                     : begin_frame(s, p.client_hw, p.peer_hw, p.vlan, p.v6 ? 0x86dd : 0x0800);
  if (p.v6) {
    put32(b, (6u << 28) | ((from_client ? p.c_flow : p.s_flow) & 0xfffff));
    put16(b, 0);  // payload length, set by end_ip
    put8(b, proto);
    put8(b, from_client ? p.c_ttl : p.s_ttl);
    put(b, from_client ? p.c6 : p.s6);
    put(b, from_client ? p.s6 : p.c6);
  } else {
    put8(b, 0x45);
    put8(b, 0);
    put16(b, 0);  // total length, set by end_ip
    std::uint16_t id = 0;
    if (from_client) {
      id = (*p.c_id)++;
    } else {
      id = p.s_id++;
    }
    put16(b, id);
    put16(b, 0x4000);  // don't fragment
    put8(b, from_client ? p.c_ttl : p.s_ttl);
    put8(b, proto);
    put16(b, 0);  // header checksum, set by end_ip
    put32(b, from_client ? p.c4 : p.s4);
    put32(b, from_client ? p.s4 : p.c4);
  }
  return l3;
}

/// Ends an IP packet started at `l3`: lengths, IPv4 header checksum, and the transport checksum
/// at `csum_at` bytes into the transport header (with the pseudo-header unless ICMPv4).
void end_ip(session& s, bool v6, std::size_t l3, std::uint8_t proto, std::size_t csum_at) {
  buf& b = s.bytes;
  const std::size_t l4 = l3 + (v6 ? 40 : 20);
  const auto l4_len = static_cast<std::uint32_t>(b.size() - l4);
  std::uint64_t acc = 0;
  if (v6) {
    set16(b, l3 + 4, l4_len);
    acc = sum16(&b[l3 + 8], 32, 0);
  } else {
    set16(b, l3 + 2, 20 + l4_len);
    set16(b, l3 + 10, fold(sum16(&b[l3], 20, 0)));
    acc = sum16(&b[l3 + 12], 8, 0);
  }
  if (csum_at != no_checksum) {
    acc = (!v6 && proto == 1) ? 0 : acc + l4_len + proto;  // ICMPv4 has no pseudo-header
    std::uint16_t c = fold(sum16(&b[l4], l4_len, acc));
    if (proto == 17 && c == 0) c = 0xffff;
    set16(b, l4 + csum_at, c);
  }
  end_frame(s);
}

// ---------------------------------------------------------------------------------------------
// Content: words for text bodies, HTTP dates.

constexpr std::array<std::string_view, 48> words{
    "lorem",  "ipsum",   "dolor",   "sit",      "amet",    "consectetur", "adipiscing", "elit",
    "sed",    "do",      "eiusmod", "tempor",   "packet",  "capture",     "network",    "flow",
    "stream", "segment", "latency", "window",   "router",  "switch",      "frame",      "header",
    "offset", "payload", "session", "protocol", "request", "response",    "server",     "client",
    "cache",  "static",  "content", "service",  "status",  "update",      "report",     "metric",
    "query",  "answer",  "record",  "domain",   "token",   "secure",      "channel",    "index"};

void append_words(prng& rng, buf& b, std::size_t target) {
  while (b.size() < target) {
    put(b, rng.pick(words));
    put8(b, rng.chance(8) ? '\n' : ' ');
  }
  b.resize(target);
}

/// Text body of exactly `n` bytes that looks like HTML, CSS or JavaScript.
void text_body(prng& rng, buf& b, std::size_t n, std::string_view kind) {
  const std::size_t end = b.size() + n;
  if (kind == "html") {
    put(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>");
    put(b, rng.pick(words));
    put(b, "</title></head>\n<body>\n");
    while (b.size() + 80 < end) {
      put(b, "<p>");
      append_words(rng, b, std::min(end, b.size() + rng.range(40, 400)));
      put(b, "</p>\n");
    }
    if (b.size() + 15 <= end) {
      b.resize(end - 15, ' ');
      put(b, "</body></html>\n");
    }
  } else if (kind == "css") {
    while (b.size() + 60 < end) {
      put(b, ".");
      put(b, rng.pick(words));
      put(b, "-");
      put(b, rng.pick(words));
      put(b, " { margin: 0 auto; padding: 4px 8px; color: #333; }\n");
    }
  } else {
    while (b.size() + 60 < end) {
      put(b, "function ");
      put(b, rng.pick(words));
      put(b, "_");
      put(b, rng.pick(words));
      put(b, "(a, b) { return a.length + b; }\n");
    }
  }
  if (b.size() < end) append_words(rng, b, end);
  b.resize(end);
}

/// A valid JSON document of exactly `n` bytes (n >= 32).
void json_body(prng& rng, buf& b, std::size_t n) {
  const std::size_t end = b.size() + n;
  put(b, "{\"page\":1,\"items\":[");
  bool first = true;
  char item[160];
  while (true) {
    // One random draw per statement: argument evaluation order is unspecified.
    const std::uint32_t id = rng.below(100000);
    const std::string_view w1 = rng.pick(words);
    const std::string_view w2 = rng.pick(words);
    const std::uint32_t score = rng.below(1000);
    const int len = std::snprintf(item, sizeof item, "%s{\"id\":%u,\"name\":\"%.*s %.*s\",\"score\":%u}",
                                  first ? "" : ",", id, static_cast<int>(w1.size()), w1.data(),
                                  static_cast<int>(w2.size()), w2.data(), score);
    if (b.size() + static_cast<std::size_t>(len) + 2 > end) break;
    put(b, std::string_view(item, static_cast<std::size_t>(len)));
    first = false;
  }
  b.resize(end - 2, ' ');  // whitespace between tokens is valid JSON
  put(b, "]}");
}

/// RFC 7231 IMF-fixdate for nanoseconds since the epoch ("Tue, 14 Nov 2023 22:13:20 GMT").
std::string http_date(std::int64_t ns) {
  static constexpr std::array<const char*, 7> wd{"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};
  static constexpr std::array<const char*, 12> mon{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::int64_t secs = ns / 1000000000;
  std::int64_t days = secs / 86400;
  const std::int64_t sod = secs % 86400;
  const char* weekday = wd[static_cast<std::size_t>(days % 7)];
  // Howard Hinnant's civil_from_days.
  days += 719468;
  const std::int64_t era = days / 146097;
  const std::int64_t doe = days - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const std::int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const std::int64_t m = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  char out[40];
  std::snprintf(out, sizeof out, "%s, %02d %s %04d %02d:%02d:%02d GMT", weekday, static_cast<int>(d),
                mon[static_cast<std::size_t>(m - 1)], static_cast<int>(y), static_cast<int>(sod / 3600),
                static_cast<int>(sod / 60 % 60), static_cast<int>(sod % 60));
  return out;
}

// ---------------------------------------------------------------------------------------------
// TCP: a connection that tracks sequence numbers, acknowledgements and timestamps, acks every
// second full segment, and never sends a duplicate ACK.

struct tcp_conn {
  path p;
  std::uint16_t c_port = 0, s_port = 0;
  std::uint32_t nxt[2]{};        // next sequence number to send: [0] client, [1] server
  std::uint32_t last_ack[2]{};   // last ack number sent
  std::uint32_t unacked[2]{};    // segments received and not yet acknowledged
  std::uint32_t received[2]{};   // data segments received in all
  std::uint32_t tsval[2]{};      // TCP timestamp clocks
  bool synced = false;
};

/// Appends one TCP segment from the client (`dir` 0) or the server (1).
void tcp_segment(prng& rng, session& s, tcp_conn& c, int dir, std::uint8_t flags,
                 std::span<const std::uint8_t> payload) {
  constexpr std::uint8_t fin = 0x01, syn = 0x02, ack = 0x10;
  buf& b = s.bytes;
  const int peer = 1 - dir;
  const std::size_t l3 = begin_ip(s, c.p, dir == 0, 6);
  c.tsval[dir] += rng.below(2);
  put16(b, dir == 0 ? c.c_port : c.s_port);
  put16(b, dir == 0 ? c.s_port : c.c_port);
  put32(b, c.nxt[dir]);
  const std::uint32_t ack_no = (flags & ack) ? c.nxt[peer] : 0;
  put32(b, ack_no);
  const bool is_syn = (flags & syn) != 0;
  put8(b, (is_syn ? 10u : 8u) << 4);  // header length in 32-bit words
  put8(b, flags);
  if (is_syn) {
    put16(b, dir == 0 ? 64240 : 65160);  // unscaled in SYNs
  } else {
    put16(b, dir == 0 ? 502 : 509);      // scaled by 2^7
  }
  put16(b, 0);  // checksum
  put16(b, 0);  // urgent pointer
  if (is_syn) {
    put8(b, 2), put8(b, 4), put16(b, c.p.v6 ? 1440 : 1460);     // MSS
    put8(b, 4), put8(b, 2);                                     // SACK permitted
    put8(b, 8), put8(b, 10), put32(b, c.tsval[dir]), put32(b, (flags & ack) ? c.tsval[peer] : 0);
    put8(b, 1), put8(b, 3), put8(b, 3), put8(b, 7);             // NOP, window scale 7
  } else {
    put8(b, 1), put8(b, 1);
    put8(b, 8), put8(b, 10), put32(b, c.tsval[dir]), put32(b, c.tsval[peer]);
  }
  put(b, payload);
  end_ip(s, c.p.v6, l3, 6, 16);
  c.nxt[dir] += static_cast<std::uint32_t>(payload.size()) + ((flags & (syn | fin)) ? 1u : 0u);
  if (flags & ack) {
    c.last_ack[dir] = ack_no;
    c.unacked[dir] = 0;
  }
  if (!payload.empty()) {
    ++c.unacked[peer];
    ++c.received[peer];
  }
}

constexpr std::uint8_t tcp_fin = 0x01, tcp_syn = 0x02, tcp_psh = 0x08, tcp_ack = 0x10;

/// Sends a pure ACK from `dir` when it has something new to acknowledge.
void tcp_ack_if_needed(prng& rng, session& s, tcp_conn& c, int dir) {
  if (c.unacked[dir] > 0 && c.last_ack[dir] != c.nxt[1 - dir]) tcp_segment(rng, s, c, dir, tcp_ack, {});
}

void tcp_open(prng& rng, session& s, tcp_conn& c) {
  c.nxt[0] = rng.u32();
  c.nxt[1] = rng.u32();
  c.tsval[0] = rng.u32();
  c.tsval[1] = rng.u32();
  tcp_segment(rng, s, c, 0, tcp_syn, {});
  tcp_segment(rng, s, c, 1, tcp_syn | tcp_ack, {});
  tcp_segment(rng, s, c, 0, tcp_ack, {});
  c.unacked[0] = c.unacked[1] = 0;
}

/// Sends `data` from `dir` in MSS-sized segments. The receiver acks every segment while in
/// quick-ack mode (its first 16 segments, as Linux does), then every second one.
void tcp_send(prng& rng, session& s, tcp_conn& c, int dir, std::span<const std::uint8_t> data) {
  const std::size_t mss = c.p.v6 ? 1428 : 1448;  // MSS minus the 12 bytes of timestamp option
  for (std::size_t off = 0; off < data.size();) {
    const std::size_t n = std::min(mss, data.size() - off);
    const bool last = off + n == data.size();
    tcp_segment(rng, s, c, dir, static_cast<std::uint8_t>(tcp_ack | (last ? tcp_psh : 0)),
                data.subspan(off, n));
    off += n;
    const int peer = 1 - dir;
    const std::uint32_t every = c.received[peer] <= 16 ? 1 : 2;
    if (c.unacked[peer] >= every && !last) tcp_ack_if_needed(rng, s, c, peer);
  }
}

/// Closes the connection: `dir` sends FIN, the peer answers FIN, the closer acks.
void tcp_close(prng& rng, session& s, tcp_conn& c, int dir) {
  tcp_segment(rng, s, c, dir, tcp_fin | tcp_ack, {});
  tcp_segment(rng, s, c, 1 - dir, tcp_fin | tcp_ack, {});
  tcp_segment(rng, s, c, dir, tcp_ack, {});
}

// ---------------------------------------------------------------------------------------------
// The generator: profiles, session kinds, and the interleaving loop.

/// Shape of the generated traffic.
struct profile {
  std::uint32_t concurrency;   // sessions interleaved at once
  std::uint32_t max_body;      // largest HTTP/TLS response body
  std::uint32_t min_gap_ns;    // gap between consecutive frames
  std::uint32_t max_gap_ns;
  std::uint32_t max_requests;  // requests per keep-alive connection
  /// Session mix, cumulative percentages: HTTP, TLS, DNS, ICMP echo, ICMPv6; ARP the rest.
  std::array<std::uint32_t, 5> mix;
};

/// The benchmark capture: ~525 bytes per packet, ~28k packets/s.
constexpr profile bench_profile{24, 32768, 1000, 70000, 6, {20, 42, 88, 93, 97}};
/// The web demo sample: few flows at a time, small bodies, browsing-like pacing.
constexpr profile sample_profile{5, 6000, 200000, 40000000, 2, {26, 60, 84, 90, 96}};

class generator {
 public:
  generator(std::uint64_t seed, const profile& prof, std::int64_t start_ns)
      : rng_(seed), prof_(prof), clock_ns_(start_ns) {
    clients_ = make_clients(rng_, 48);
  }

  /// Plans the next session into `s`; tries to keep within `budget` frames (budget >= 1).
  void plan(session& s, std::uint64_t budget) {
    for (int attempt = 0; attempt < 4; ++attempt) {
      s.clear();
      const std::uint32_t r = rng_.below(100);
      const auto& m = prof_.mix;
      if (r < m[0]) {
        plan_http(s);
      } else if (r < m[1]) {
        plan_tls(s);
      } else if (r < m[2]) {
        plan_lookup(s);
      } else if (r < m[3]) {
        plan_ping(s);
      } else if (r < m[4]) {
        plan_icmpv6(s);
      } else {
        plan_arp(s);
      }
      if (s.ends.size() <= budget) return;
    }
    // Near the end of the capture: something small that fits exactly.
    s.clear();
    if (budget >= 2) {
      plan_lookup(s);
    } else {
      plan_router_solicitation(s, pick_client());
    }
  }

  /// Advances the capture clock and returns the next frame time.
  std::int64_t tick() {
    clock_ns_ += prof_.min_gap_ns + rng_.below(prof_.max_gap_ns - prof_.min_gap_ns + 1);
    return clock_ns_;
  }
  prng& rng() { return rng_; }

 private:
  /// Response body size: mostly small API-style answers, some page assets and downloads.
  std::uint32_t body_size() {
    if (rng_.chance(75)) return rng_.log_size(60, 2000);
    return rng_.log_size(2000, prof_.max_body);
  }

  client& pick_client() { return clients_[rng_.below(static_cast<std::uint32_t>(clients_.size()))]; }

  path ip_path(client& c, bool v6, std::uint32_t s4, const addr6& s6, std::uint8_t s_ttl) {
    path p;
    p.client_hw = c.hw;
    p.peer_hw = router_mac;
    p.vlan = c.net->vlan;
    p.v6 = v6;
    p.c4 = c.v4;
    p.s4 = s4;
    p.c6 = c.v6;
    p.s6 = s6;
    p.c_ttl = 64;
    p.s_ttl = s_ttl;
    p.c_id = &c.ip_id;
    p.s_id = static_cast<std::uint16_t>(rng_.u32());
    p.c_flow = rng_.u32() & 0xfffff;
    p.s_flow = rng_.u32() & 0xfffff;
    return p;
  }

  tcp_conn connect(client& c, const server& srv, bool v6, std::uint16_t port) {
    tcp_conn t;
    t.p = ip_path(c, v6, srv.v4, server_v6(srv), static_cast<std::uint8_t>(64 - srv.hops));
    t.c_port = ephemeral_port(c);
    t.s_port = port;
    return t;
  }

  /// A standalone DNS lookup from a random client.
  void plan_lookup(session& s) {
    client& c = pick_client();
    const bool v6 = rng_.chance(30);
    plan_dns(s, c, v6, nullptr);
  }

  // --- DNS ------------------------------------------------------------------------------------

  /// Writes a domain name with RFC 1035 compression against names already in the message.
  void dns_name(buf& b, std::size_t msg, std::string_view name) {
    while (!name.empty()) {
      for (const auto& [suffix, at] : dns_names_) {
        if (suffix == name) {
          put16(b, 0xc000u | static_cast<std::uint32_t>(at));
          return;
        }
      }
      const std::size_t here = b.size() - msg;
      if (here < 0x3fff) dns_names_.emplace_back(name, here);
      const std::size_t dot = name.find('.');
      const std::string_view label = name.substr(0, dot);
      put8(b, static_cast<std::uint32_t>(label.size()));
      put(b, label);
      name = dot == std::string_view::npos ? std::string_view{} : name.substr(dot + 1);
    }
    put8(b, 0);
  }

  void dns_rr_head(buf& b, std::size_t msg, std::string_view name, std::uint32_t type, std::uint32_t ttl) {
    dns_name(b, msg, name);
    put16(b, type);
    put16(b, 1);  // class IN
    put32(b, ttl);
  }

  void edns_opt(buf& b) {
    put8(b, 0);         // root
    put16(b, 41);       // OPT
    put16(b, 1232);     // UDP payload size
    put32(b, 0);        // extended rcode, version, flags
    put16(b, 0);        // no options
  }

  /// A DNS query for `srv` (A or AAAA; a random name under a zone gets NXDOMAIN when `srv` is
  /// null) and its response. Over IPv6 when `v6`.
  void plan_dns(session& s, client& c, bool v6, const server* srv, bool want_aaaa = false) {
    static constexpr std::array<std::string_view, 5> missing{
        "wpad.example.com", "_ldap._tcp.dc.example.com", "printer.local.example.org",
        "cdn-old.example.net", "beacon.example.org"};
    std::string qname;
    const bool nx = srv == nullptr && rng_.chance(15);
    if (srv == nullptr && !nx) srv = &rng_.pick(servers);
    qname = nx ? std::string(rng_.pick(missing)) : std::string(srv->name);
    const std::uint32_t qtype = want_aaaa || (v6 && rng_.chance(60)) || rng_.chance(25) ? 28 : 1;

    const subnet& net = *c.net;
    path p = ip_path(c, v6, net.v4 + 1, router_v6(net), 64);
    const std::uint16_t cport = ephemeral_port(c);
    const std::uint16_t id = static_cast<std::uint16_t>(rng_.u32());

    // Query.
    {
      buf& b = s.bytes;
      const std::size_t l3 = begin_ip(s, p, true, 17);
      const std::size_t udp = b.size();
      put16(b, cport), put16(b, 53), put16(b, 0), put16(b, 0);
      const std::size_t msg = b.size();
      dns_names_.clear();
      put16(b, id), put16(b, 0x0100), put16(b, 1), put16(b, 0), put16(b, 0), put16(b, 1);
      dns_name(b, msg, qname);
      put16(b, qtype), put16(b, 1);
      edns_opt(b);
      set16(b, udp + 4, static_cast<std::uint32_t>(b.size() - udp));
      end_ip(s, v6, l3, 17, 6);
    }
    // Response.
    {
      buf& b = s.bytes;
      const std::size_t l3 = begin_ip(s, p, false, 17);
      const std::size_t udp = b.size();
      put16(b, 53), put16(b, cport), put16(b, 0), put16(b, 0);
      const std::size_t msg = b.size();
      dns_names_.clear();
      put16(b, id);
      put16(b, nx ? 0x8183 : 0x8180);  // response, RD, RA (+ NXDOMAIN)
      put16(b, 1);
      const std::size_t ancount = b.size();
      put16(b, 0), put16(b, nx ? 1 : 0), put16(b, 1);
      dns_name(b, msg, qname);
      put16(b, qtype), put16(b, 1);
      std::uint32_t answers = 0;
      if (nx) {
        const std::string_view zone = std::string_view(qname).substr(qname.find("example."));
        dns_rr_head(b, msg, zone, 6, 900);  // SOA
        length_field rd(b, 2);
        dns_name(b, msg, "ns1." + std::string(zone));
        dns_name(b, msg, "hostmaster." + std::string(zone));
        put32(b, 2023111401), put32(b, 7200), put32(b, 3600), put32(b, 1209600), put32(b, 300);
        rd.close();
      } else {
        std::string target(srv->name);
        if (!srv->cname.empty()) {
          dns_rr_head(b, msg, target, 5, rng_.range(60, 3600));  // CNAME
          length_field rd(b, 2);
          dns_name(b, msg, srv->cname);
          rd.close();
          target = srv->cname;
          ++answers;
        }
        const std::uint32_t n = rng_.range(1, 2);
        const std::uint32_t ttl = rng_.range(20, 300);
        for (std::uint32_t i = 0; i < n; ++i) {
          dns_rr_head(b, msg, target, qtype, ttl);
          if (qtype == 1) {
            put16(b, 4);
            put32(b, srv->v4 + i);
          } else {
            put16(b, 16);
            addr6 a = server_v6(*srv);
            a[15] = static_cast<std::uint8_t>(a[15] + i);
            put(b, a);
          }
          ++answers;
        }
      }
      set16(b, ancount, answers);
      edns_opt(b);
      set16(b, udp + 4, static_cast<std::uint32_t>(b.size() - udp));
      end_ip(s, v6, l3, 17, 6);
    }
  }

  // --- HTTP -----------------------------------------------------------------------------------

  void plan_http(session& s) {
    static constexpr std::array<std::string_view, 5> agents{
        "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/119.0.0.0 Safari/537.36",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_1) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/17.1 Safari/605.1.15",
        "curl/7.88.1", "Debian APT-HTTP/1.3 (2.6.1)"};
    client& c = pick_client();
    const server& srv = rng_.pick(servers);
    const bool v6 = rng_.chance(30);
    if (rng_.chance(40)) plan_dns(s, c, v6, &srv, v6);
    tcp_conn t = connect(c, srv, v6, 80);
    tcp_open(rng_, s, t);
    const std::string_view agent = rng_.pick(agents);
    const std::uint32_t requests = rng_.range(1, prof_.max_requests);
    const bool server_closes = rng_.chance(30);
    buf req, resp;
    for (std::uint32_t i = 0; i < requests; ++i) {
      const bool last = i + 1 == requests;
      const std::uint32_t kind = rng_.below(6);
      static constexpr std::array<std::string_view, 6> kinds{"html", "css", "js", "json", "bin", "json"};
      char target[96];
      switch (kind) {
        case 0: std::snprintf(target, sizeof target, "/%s/index.html", rng_.pick(words).data()); break;
        case 1: std::snprintf(target, sizeof target, "/static/css/site.%08x.css", rng_.u32()); break;
        case 2: std::snprintf(target, sizeof target, "/static/js/app.%08x.js", rng_.u32()); break;
        case 3: std::snprintf(target, sizeof target, "/api/v1/items?page=%u&limit=50", rng_.range(1, 40)); break;
        case 4: {
          const std::uint32_t major = rng_.range(1, 9);
          const std::uint32_t minor = rng_.range(0, 30);
          std::snprintf(target, sizeof target, "/downloads/pkg-%u.%u.bin", major, minor);
          break;
        }
        default: std::snprintf(target, sizeof target, "/api/v1/events"); break;
      }
      const bool post = kind == 5;
      req.clear();
      put(req, post ? "POST " : "GET ");
      put(req, target);
      put(req, " HTTP/1.1\r\nHost: ");
      put(req, srv.name);
      put(req, "\r\nUser-Agent: ");
      put(req, agent);
      put(req, "\r\nAccept: ");
      put(req, kind == 0 ? "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8" : "*/*");
      put(req, "\r\nAccept-Language: en-US,en;q=0.5\r\nAccept-Encoding: gzip, deflate\r\nConnection: keep-alive\r\n");
      if (post) {
        const std::uint32_t n = rng_.range(64, 900);
        char h[96];
        std::snprintf(h, sizeof h, "Content-Type: application/json\r\nContent-Length: %u\r\n\r\n", n);
        put(req, h);
        json_body(rng_, req, n);
      } else {
        if (rng_.chance(15)) put(req, "If-None-Match: \"5e1f-60a9b3c1\"\r\n");
        put(req, "\r\n");
      }
      tcp_send(rng_, s, t, 0, req);

      // Response.
      const bool not_modified = !post && std::string_view(
          reinterpret_cast<const char*>(req.data()), req.size()).find("If-None-Match") != std::string_view::npos;
      const bool not_found = !not_modified && rng_.chance(5);
      std::uint32_t body = 0;
      std::string_view type = "text/html; charset=utf-8";
      if (not_found) {
        body = rng_.range(150, 400);
      } else if (!not_modified) {
        body = body_size();
        if (kinds[kind] == "css") type = "text/css";
        if (kinds[kind] == "js") type = "application/javascript";
        if (kinds[kind] == "json") type = "application/json";
        if (kinds[kind] == "bin") type = "application/octet-stream";
        if (post) body = rng_.range(40, 200);
      }
      resp.clear();
      put(resp, not_modified ? "HTTP/1.1 304 Not Modified\r\n"
                             : (not_found ? "HTTP/1.1 404 Not Found\r\n"
                                          : (post ? "HTTP/1.1 201 Created\r\n" : "HTTP/1.1 200 OK\r\n")));
      put(resp, "Date: ");
      put(resp, http_date(clock_ns_));
      put(resp, "\r\nServer: ");
      put(resp, srv.software);
      put(resp, "\r\n");
      if (!not_modified) {
        char h[160];
        std::snprintf(h, sizeof h, "Content-Type: %.*s\r\nContent-Length: %u\r\n",
                      static_cast<int>(type.size()), type.data(), body);
        put(resp, h);
      }
      put(resp, "ETag: \"5e1f-60a9b3c1\"\r\nCache-Control: max-age=3600\r\n");
      put(resp, last && server_closes ? "Connection: close\r\n\r\n" : "Connection: keep-alive\r\n\r\n");
      if (not_found) {
        text_body(rng_, resp, body, "html");
      } else if (!not_modified) {
        if (type == "application/json") {
          json_body(rng_, resp, body);
        } else if (type == "application/octet-stream") {
          rng_.fill(resp, body);
        } else {
          text_body(rng_, resp, body, kinds[kind]);
        }
      }
      tcp_send(rng_, s, t, 1, resp);
      if (!last || !server_closes) tcp_ack_if_needed(rng_, s, t, 0);
    }
    tcp_close(rng_, s, t, server_closes ? 1 : 0);
  }

  // --- TLS 1.3 --------------------------------------------------------------------------------

  /// A TLS record header of `length` bytes, followed by that many random bytes when `random_body`
  /// (encrypted records), else by nothing (the caller writes the body).
  void tls_record(buf& b, std::uint32_t type, std::uint32_t length, bool random_body) {
    put8(b, type);
    put16(b, 0x0303);
    put16(b, length);
    if (random_body) rng_.fill(b, length);
  }

  void client_hello(buf& b, std::string_view sni, bool chrome) {
    static constexpr std::array<std::uint16_t, 16> grease{0x0a0a, 0x1a1a, 0x2a2a, 0x3a3a, 0x4a4a, 0x5a5a,
                                                          0x6a6a, 0x7a7a, 0x8a8a, 0x9a9a, 0xaaaa, 0xbaba,
                                                          0xcaca, 0xdada, 0xeaea, 0xfafa};
    put8(b, 22);
    put16(b, 0x0301);
    length_field rec(b, 2);
    put8(b, 1);  // ClientHello
    length_field hs(b, 3);
    put16(b, 0x0303);
    rng_.fill(b, 32);  // random
    put8(b, 32);
    rng_.fill(b, 32);  // legacy session id
    {
      length_field suites(b, 2);
      if (chrome) put16(b, rng_.pick(grease));
      for (std::uint32_t cs : {0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8,
                               0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035}) {
        put16(b, cs);
      }
      suites.close();
    }
    put8(b, 1), put8(b, 0);  // compression: null
    length_field exts(b, 2);
    auto ext = [&](std::uint32_t type) {
      put16(b, type);
      return length_field(b, 2);
    };
    if (chrome) {
      auto e = ext(rng_.pick(grease));
      e.close();
    }
    {
      auto e = ext(0);  // server_name
      length_field list(b, 2);
      put8(b, 0);  // host_name
      length_field n(b, 2);
      put(b, sni);
      n.close();
      list.close();
      e.close();
    }
    { auto e = ext(23); e.close(); }  // extended_master_secret
    { auto e = ext(0xff01); put8(b, 0); e.close(); }  // renegotiation_info
    {
      auto e = ext(10);  // supported_groups
      length_field l(b, 2);
      if (chrome) put16(b, rng_.pick(grease));
      for (std::uint32_t g : {0x001d, 0x0017, 0x0018}) put16(b, g);
      l.close();
      e.close();
    }
    { auto e = ext(11); put8(b, 1); put8(b, 0); e.close(); }  // ec_point_formats
    { auto e = ext(35); e.close(); }                           // session_ticket
    {
      auto e = ext(16);  // ALPN
      length_field l(b, 2);
      put8(b, 2), put(b, "h2");
      put8(b, 8), put(b, "http/1.1");
      l.close();
      e.close();
    }
    { auto e = ext(5); put8(b, 1); put16(b, 0); put16(b, 0); e.close(); }  // status_request
    {
      auto e = ext(13);  // signature_algorithms
      length_field l(b, 2);
      for (std::uint32_t a : {0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601}) put16(b, a);
      l.close();
      e.close();
    }
    { auto e = ext(18); e.close(); }  // signed_certificate_timestamp
    {
      auto e = ext(51);  // key_share
      length_field l(b, 2);
      put16(b, 0x001d);
      put16(b, 32);
      rng_.fill(b, 32);
      l.close();
      e.close();
    }
    { auto e = ext(45); put8(b, 1); put8(b, 1); e.close(); }  // psk_key_exchange_modes
    {
      auto e = ext(43);  // supported_versions
      length_field l(b, 1);
      if (chrome) put16(b, rng_.pick(grease));
      put16(b, 0x0304);
      put16(b, 0x0303);
      l.close();
      e.close();
    }
    exts.close();
    hs.close();
    rec.close();
  }

  void server_hello(buf& b, std::span<const std::uint8_t> session_id) {
    put8(b, 22);
    put16(b, 0x0303);
    length_field rec(b, 2);
    put8(b, 2);  // ServerHello
    length_field hs(b, 3);
    put16(b, 0x0303);
    rng_.fill(b, 32);
    put8(b, 32);
    put(b, session_id);
    put16(b, 0x1301);  // TLS_AES_128_GCM_SHA256
    put8(b, 0);
    length_field exts(b, 2);
    put16(b, 43), put16(b, 2), put16(b, 0x0304);  // supported_versions: TLS 1.3
    put16(b, 51), put16(b, 36), put16(b, 0x001d), put16(b, 32);  // key_share x25519
    rng_.fill(b, 32);
    exts.close();
    hs.close();
    rec.close();
  }

  /// Encrypted application data of `n` plaintext bytes as TLS 1.3 records (16 KiB maximum).
  void tls_app_data(buf& b, std::uint32_t n) {
    while (n > 0) {
      const std::uint32_t chunk = std::min<std::uint32_t>(n, 16384);
      tls_record(b, 23, chunk + 17, true);  // + inner content type + AEAD tag
      n -= chunk;
    }
  }

  void plan_tls(session& s) {
    client& c = pick_client();
    const server& srv = rng_.pick(servers);
    const bool v6 = rng_.chance(30);
    if (rng_.chance(40)) plan_dns(s, c, v6, &srv, v6);
    tcp_conn t = connect(c, srv, v6, 443);
    tcp_open(rng_, s, t);
    buf out;
    client_hello(out, srv.name, rng_.chance(60));
    const std::span<const std::uint8_t> sid(out.data() + 5 + 4 + 2 + 32 + 1, 32);
    buf flight;
    server_hello(flight, sid);
    tls_record(flight, 20, 1, false);
    put8(flight, 1);  // ChangeCipherSpec
    tls_record(flight, 23, rng_.range(2400, 5200), true);  // EncryptedExtensions..Finished
    tcp_send(rng_, s, t, 0, out);
    tcp_send(rng_, s, t, 1, flight);
    const std::uint32_t requests = rng_.range(1, prof_.max_requests);
    for (std::uint32_t i = 0; i < requests; ++i) {
      out.clear();
      if (i == 0) {
        tls_record(out, 20, 1, false);
        put8(out, 1);
        tls_record(out, 23, 53, true);  // Finished
      }
      tls_app_data(out, rng_.range(80, 700));
      tcp_send(rng_, s, t, 0, out);
      out.clear();
      if (i == 0) {
        tls_record(out, 23, rng_.range(200, 280), true);  // NewSessionTicket x2
        tls_record(out, 23, rng_.range(200, 280), true);
      }
      tls_app_data(out, body_size());
      tcp_send(rng_, s, t, 1, out);
      tcp_ack_if_needed(rng_, s, t, 0);
    }
    out.clear();
    tls_record(out, 23, 19, true);  // close_notify alert, encrypted
    tcp_send(rng_, s, t, 0, out);
    tcp_close(rng_, s, t, 0);
  }

  // --- ICMP, ICMPv6, ARP ----------------------------------------------------------------------

  void plan_ping(session& s) {
    client& c = pick_client();
    const server& srv = rng_.pick(servers);
    path p = ip_path(c, false, srv.v4, server_v6(srv), static_cast<std::uint8_t>(64 - srv.hops));
    const std::uint16_t id = static_cast<std::uint16_t>(rng_.u32());
    const std::uint32_t n = rng_.range(1, 4);
    for (std::uint32_t seq = 1; seq <= n; ++seq) {
      for (int dir = 0; dir < 2; ++dir) {
        buf& b = s.bytes;
        const std::size_t l3 = begin_ip(s, p, dir == 0, 1);
        put8(b, dir == 0 ? 8 : 0), put8(b, 0), put16(b, 0);
        put16(b, id), put16(b, seq);
        put(b, "abcdefghijklmnopqrstuvwabcdefghi");  // the classic 32-byte ping payload
        end_ip(s, false, l3, 1, 2);
      }
    }
  }

  void plan_router_solicitation(session& s, client& c) {
    path p = ip_path(c, true, 0, addr6{0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02}, 255);
    p.c6 = c.v6ll;
    p.c_ttl = 255;
    p.peer_hw = {0x33, 0x33, 0, 0, 0, 0x02};
    buf& b = s.bytes;
    const std::size_t l3 = begin_ip(s, p, true, 58);
    put8(b, 133), put8(b, 0), put16(b, 0), put32(b, 0);
    put8(b, 1), put8(b, 1), put(b, c.hw);  // source link-layer address
    end_ip(s, true, l3, 58, 2);
  }

  void plan_icmpv6(session& s) {
    client& c = pick_client();
    const std::uint32_t kind = rng_.below(3);
    if (kind == 0) {  // echo to a server
      const server& srv = rng_.pick(servers);
      path p = ip_path(c, true, 0, server_v6(srv), static_cast<std::uint8_t>(64 - srv.hops));
      const std::uint16_t id = static_cast<std::uint16_t>(rng_.u32());
      const std::uint32_t n = rng_.range(1, 3);
      for (std::uint32_t seq = 1; seq <= n; ++seq) {
        for (int dir = 0; dir < 2; ++dir) {
          buf& b = s.bytes;
          const std::size_t l3 = begin_ip(s, p, dir == 0, 58);
          put8(b, dir == 0 ? 128 : 129), put8(b, 0), put16(b, 0);
          put16(b, id), put16(b, seq);
          rng_.fill(b, 56);
          end_ip(s, true, l3, 58, 2);
        }
      }
    } else if (kind == 1) {  // neighbor solicitation for the router, and its advertisement
      const addr6 target = router_v6(*c.net);
      addr6 solicited{0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff, target[13], target[14], target[15]};
      path p = ip_path(c, true, 0, solicited, 255);
      p.c_ttl = 255;
      p.peer_hw = {0x33, 0x33, 0xff, target[13], target[14], target[15]};
      buf& b = s.bytes;
      std::size_t l3 = begin_ip(s, p, true, 58);
      put8(b, 135), put8(b, 0), put16(b, 0), put32(b, 0);
      put(b, target);
      put8(b, 1), put8(b, 1), put(b, c.hw);
      end_ip(s, true, l3, 58, 2);
      path r = ip_path(c, true, 0, target, 255);
      r.c_ttl = 255;
      l3 = begin_ip(s, r, false, 58);
      put8(b, 136), put8(b, 0), put16(b, 0), put32(b, 0xe0000000u);  // router, solicited, override
      put(b, target);
      put8(b, 2), put8(b, 1), put(b, router_mac);
      end_ip(s, true, l3, 58, 2);
    } else {
      plan_router_solicitation(s, c);
      // The router answers with an advertisement to all nodes.
      path p = ip_path(c, true, 0, router_v6ll(), 255);
      p.c6 = addr6{0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01};
      p.client_hw = {0x33, 0x33, 0, 0, 0, 0x01};
      buf& b = s.bytes;
      const std::size_t l3 = begin_ip(s, p, false, 58);
      put8(b, 134), put8(b, 0), put16(b, 0);
      put8(b, 64), put8(b, 0), put16(b, 1800);  // hop limit, flags, router lifetime
      put32(b, 0), put32(b, 0);                  // reachable time, retrans timer
      put8(b, 1), put8(b, 1), put(b, router_mac);  // source link-layer address
      put8(b, 5), put8(b, 1), put16(b, 0), put32(b, 1500);  // MTU
      put8(b, 3), put8(b, 4), put8(b, 64), put8(b, 0xc0);  // prefix information, L+A
      put32(b, 2592000), put32(b, 604800), put32(b, 0);
      put(b, c.net->v6);  // the /64 prefix, zero-padded to 16 bytes
      end_ip(s, true, l3, 58, 2);
    }
  }

  void plan_arp(session& s) {
    client& c = pick_client();
    const std::uint32_t gw = c.net->v4 + 1;
    for (int dir = 0; dir < 2; ++dir) {
      buf& b = s.bytes;
      if (dir == 0) {
        begin_frame(s, broadcast_mac, c.hw, c.net->vlan, 0x0806);
      } else {
        begin_frame(s, c.hw, router_mac, c.net->vlan, 0x0806);
      }
      put16(b, 1), put16(b, 0x0800), put8(b, 6), put8(b, 4), put16(b, dir == 0 ? 1 : 2);
      if (dir == 0) {
        put(b, c.hw), put32(b, c.v4), put(b, mac{}), put32(b, gw);
      } else {
        put(b, router_mac), put32(b, gw), put(b, c.hw), put32(b, c.v4);
      }
      end_frame(s);
    }
  }

  prng rng_;
  profile prof_;
  std::int64_t clock_ns_;
  std::vector<client> clients_;
  std::vector<std::pair<std::string, std::size_t>> dns_names_;
};

// ---------------------------------------------------------------------------------------------
// Output.

/// A sink writing to a stdio file with a large buffer.
class file_sink final : public writer::sink {
 public:
  explicit file_sink(std::FILE* f) : f_(f) {}
  bool write(util::bytes b) override { return std::fwrite(b.data(), 1, b.size(), f_) == b.size(); }

 private:
  std::FILE* f_;
};

struct options {
  std::uint64_t packets = 2000000;
  bool pcapng = false;
  bool nanosecond = false;
  bool sample = false;
  std::uint64_t seed = 0x70636170ull;  // "pcap"
  std::string out = "bench/out/bench.pcap";
};

int usage(const char* argv0, int code) {
  std::fprintf(code ? stderr : stdout,
               "usage: %s [--packets N] [--format pcap|pcapng] [--out PATH] [--seed N]\n"
               "          [--nanosecond] [--sample]\n"
               "Writes a deterministic synthetic Ethernet capture (default: 2000000 packets, about\n"
               "1 GB, classic pcap, to bench/out/bench.pcap). --sample uses small bodies, few\n"
               "concurrent flows and millisecond gaps (for a small demo capture).\n",
               argv0);
  return code;
}

int run(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", argv[i]);
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--packets") {
      o.packets = std::strtoull(value(), nullptr, 10);
    } else if (a == "--format") {
      const std::string_view f = value();
      if (f != "pcap" && f != "pcapng") return usage(argv[0], 2);
      o.pcapng = f == "pcapng";
    } else if (a == "--out") {
      o.out = value();
    } else if (a == "--seed") {
      o.seed = std::strtoull(value(), nullptr, 0);
    } else if (a == "--nanosecond") {
      o.nanosecond = true;
    } else if (a == "--sample") {
      o.sample = true;
    } else if (a == "--help" || a == "-h") {
      return usage(argv[0], 0);
    } else {
      std::fprintf(stderr, "unknown option %s\n", argv[i]);
      return usage(argv[0], 2);
    }
  }

  const std::string partial = o.out + ".partial";
  std::FILE* f = std::fopen(partial.c_str(), "wb");
  if (f == nullptr) {
    std::perror(partial.c_str());
    return 1;
  }
  std::vector<char> stdio_buf(4u << 20);
  std::setvbuf(f, stdio_buf.data(), _IOFBF, stdio_buf.size());
  file_sink out(f);

  const auto t0 = std::chrono::steady_clock::now();
  constexpr std::int64_t start_ns = 1700000000'000000000;  // 2023-11-14 22:13:20 UTC
  generator gen(o.seed, o.sample ? sample_profile : bench_profile, start_ns);
  const profile& prof = o.sample ? sample_profile : bench_profile;

  std::unique_ptr<writer::pcap_writer> pcap;
  std::unique_ptr<writer::pcapng_writer> pcapng;
  char comment[128];
  std::snprintf(comment, sizeof comment, "synthetic capture by pcapscope gen_capture, seed %llu, %llu packets",
                static_cast<unsigned long long>(o.seed), static_cast<unsigned long long>(o.packets));
  if (o.pcapng) {
    pcapng = std::make_unique<writer::pcapng_writer>(out, "pcapscope gen_capture",
                                                     std::vector<std::string>{comment});
    writer::interface_desc d;
    d.link_type = 1;
    d.snaplen = 262144;
    d.tsresol = o.nanosecond ? 9 : 6;
    d.name = "eth0";
    d.description = "synthetic LAN uplink (VLANs 20, 30 tagged)";
    pcapng->add_interface(d);
  } else {
    pcap = std::make_unique<writer::pcap_writer>(out, 1, o.nanosecond);
  }

  std::vector<session> live(prof.concurrency);
  std::vector<std::size_t> active;  // indexes into live
  std::vector<std::size_t> idle;
  for (std::size_t i = 0; i < live.size(); ++i) idle.push_back(live.size() - 1 - i);
  std::uint64_t emitted = 0, pending = 0, bytes = 0;
  prng& rng = gen.rng();
  bool ok = true;
  while (emitted < o.packets && ok) {
    while (!idle.empty() && emitted + pending < o.packets) {
      const std::size_t i = idle.back();
      idle.pop_back();
      gen.plan(live[i], o.packets - emitted - pending);
      pending += live[i].ends.size();
      active.push_back(i);
    }
    if (active.empty()) break;
    const std::size_t slot = rng.below(static_cast<std::uint32_t>(active.size()));
    session& s = live[active[slot]];
    const std::size_t start = s.next == 0 ? 0 : s.ends[s.next - 1];
    const std::size_t end = s.ends[s.next];
    writer::packet p;
    p.ts_ns = gen.tick();
    if (!o.nanosecond) p.ts_ns -= p.ts_ns % 1000;
    p.data = util::bytes(s.bytes.data() + start, end - start);
    if (emitted == 0 && o.pcapng) p.comments.emplace_back(comment);
    ok = pcap ? pcap->write(p) : pcapng->write(p);
    bytes += end - start;
    ++emitted;
    --pending;
    if (++s.next == s.ends.size()) {
      idle.push_back(active[slot]);
      active[slot] = active.back();
      active.pop_back();
    }
  }
  if (std::fclose(f) != 0) ok = false;
  if (!ok) {
    std::fprintf(stderr, "writing %s failed\n", partial.c_str());
    std::remove(partial.c_str());
    return 1;
  }
  if (std::rename(partial.c_str(), o.out.c_str()) != 0) {
    std::perror(o.out.c_str());
    return 1;
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::fprintf(stderr, "%s: %llu packets, %llu packet bytes (%.1f per packet), %s, %.2f s\n",
               o.out.c_str(), static_cast<unsigned long long>(emitted),
               static_cast<unsigned long long>(bytes), emitted ? static_cast<double>(bytes) / static_cast<double>(emitted) : 0.0,
               o.pcapng ? "pcapng" : "pcap", secs);
  return 0;
}

}  // namespace
}  // namespace pcapscope::bench

int main(int argc, char** argv) { return pcapscope::bench::run(argc, argv); }
