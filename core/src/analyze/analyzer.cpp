// The one-pass analysis (see analyze/analyzer.hpp): index builder → flow tracker → endpoints →
// TCP reassembly → stream classification → application loggers.
#include "pcapscope/analyze/analyzer.hpp"

#include <algorithm>
#include <cstring>
#include <unordered_map>

#include "pcapscope/reassembly/follow.hpp"
#include "pcapscope/util/size_opt.hpp"

namespace pcapscope::analyze {

namespace {

bool starts_with(util::bytes b, std::string_view s) noexcept {
  return b.size() >= s.size() && std::memcmp(b.data(), s.data(), s.size()) == 0;
}

// A request line: a known method, and — when the line is complete in `b` — "HTTP/" as its
// version (so SIP's "OPTIONS sip:x SIP/2.0" or RTSP's "DESCRIBE ... RTSP/1.0" are not HTTP).
bool is_http_request_start(util::bytes b) noexcept {
  static constexpr std::string_view methods[] = {"GET ", "POST ", "HEAD ", "PUT ", "DELETE ", "OPTIONS ",
                                                 "CONNECT ", "TRACE ", "PATCH ", "PROPFIND ", "PROPPATCH ",
                                                 "MKCOL ", "COPY ", "MOVE ", "LOCK ", "UNLOCK ", "SEARCH ",
                                                 "RPC_IN_DATA ", "RPC_OUT_DATA "};
  bool method = false;
  for (auto m : methods) {
    if (starts_with(b, m)) {
      method = true;
      break;
    }
  }
  if (!method) return false;
  std::string_view line(reinterpret_cast<const char*>(b.data()), std::min<std::size_t>(b.size(), 8192));
  auto eol = line.find('\n');
  if (eol == std::string_view::npos) return true;  // the line continues: the method decides
  return line.substr(0, eol).find(" HTTP/") != std::string_view::npos;
}

bool either(std::uint16_t a, std::uint16_t b, std::uint16_t port) noexcept { return a == port || b == port; }

// The start of an SSDP datagram: a status line, or a request line of any method token
// ("M-SEARCH * HTTP/1.1", "NOTIFY * HTTP/1.1") that names an HTTP version.
bool is_ssdp_start(util::bytes b) noexcept {
  if (starts_with(b, "HTTP/1.")) return true;
  std::string_view s(reinterpret_cast<const char*>(b.data()), std::min<std::size_t>(b.size(), 1024));
  auto line = s.substr(0, s.find('\n'));
  if (line.size() == s.size()) return false;  // no complete line
  std::size_t i = 0;
  while (i < line.size() && ((line[i] >= 'A' && line[i] <= 'Z') || line[i] == '-' || line[i] == '_')) ++i;
  return i > 0 && i < line.size() && line[i] == ' ' && line.find(" HTTP/1.", i) != std::string_view::npos;
}

}  // namespace

// Once per stream direction, or per capture (the constructor, finish): for size in the wasm build
// (util/size_opt.hpp), as are the router's events other than data.
PCAPSCOPE_SIZE_BEGIN

stream_kind classify_stream(util::bytes d, int dir, std::uint16_t op, std::uint16_t rp, flow::service& svc) noexcept {
  svc = flow::service::none;
  if (either(op, rp, 53) && d.size() >= 2) {  // DNS over TCP: a length prefix of a plausible message
    std::size_t len = (std::size_t{d[0]} << 8) | d[1];
    if (len >= 12) {
      svc = flow::service::dns;
      return stream_kind::dns;
    }
  }
  if (d.size() < 4) return stream_kind::undecided;
  // TLS: a handshake (or, picked up later, alert/application data) record of a known version.
  if ((d[0] == 0x16 || d[0] == 0x15 || d[0] == 0x17 || d[0] == 0x14) && d[1] == 0x03 && d[2] <= 0x04) {
    svc = flow::service::ssl;
    return stream_kind::tls;
  }
  if (is_http_request_start(d) || starts_with(d, "HTTP/1.")) {
    svc = flow::service::http;
    return stream_kind::http;
  }
  if (starts_with(d, "SSH-")) {
    svc = flow::service::ssh;
    return stream_kind::other;
  }
  // Text protocols with a server greeting or a client command.
  if (dir == 1 && starts_with(d, "220")) {
    svc = either(op, rp, 21) ? flow::service::ftp : flow::service::smtp;
    return stream_kind::other;
  }
  if (dir == 0 && (starts_with(d, "EHLO ") || starts_with(d, "HELO ") || starts_with(d, "ehlo ") ||
                   starts_with(d, "helo "))) {
    svc = flow::service::smtp;
    return stream_kind::other;
  }
  if (dir == 0 && (starts_with(d, "USER ") || starts_with(d, "user "))) {
    svc = either(op, rp, 110) ? flow::service::pop3 : flow::service::ftp;
    return stream_kind::other;
  }
  if (dir == 1 && starts_with(d, "+OK")) {
    svc = flow::service::pop3;
    return stream_kind::other;
  }
  if (dir == 1 && starts_with(d, "* OK")) {
    svc = flow::service::imap;
    return stream_kind::other;
  }
  // Picked up in the middle of an HTTP exchange on an HTTP port: the logger resynchronizes at
  // the next start line.
  if (either(op, rp, 80) || either(op, rp, 8080) || either(op, rp, 8000)) return stream_kind::http;
  return stream_kind::other;
}

PCAPSCOPE_SIZE_END

// Receives every reassembled stream's events and hands them to the flow's logger.
class analyzer::stream_router final : public reassembly::stream_consumer {
 public:
  explicit stream_router(analyzer& a) : a_(a) {}

  // Most deliveries are muted (TLS after its handshake) or go to a decided stream's logger: those
  // return or jump on at once, before any register is saved; the rest take `first_data`.
  void on_data(int dir, util::bytes data, std::uint64_t) override {
    const std::uint32_t id = a_.reasm_.current_flow();
    const std::uint8_t kind = a_.kinds_[id];
    if (kind & kind_muted) return;
    if (kind != static_cast<std::uint8_t>(stream_kind::undecided) && probes_.empty()) {
      return route(static_cast<stream_kind>(kind), id, dir, data);
    }
    first_data(static_cast<stream_kind>(kind), id, dir, data);
  }

  PCAPSCOPE_SIZE_FN void on_gap(int dir, std::uint64_t length, std::uint64_t) override {
    const std::uint32_t id = a_.reasm_.current_flow();
    const auto k = static_cast<stream_kind>(a_.kinds_[id] & ~kind_muted);
    if (!probes_.empty()) flush_probe(k, id, dir);
    app::stream_ctx c = context(id);
    switch (k) {
      case stream_kind::dns: a_.dns_.on_gap(c, dir, length); break;
      case stream_kind::http: a_.http_.on_gap(c, dir, length); break;
      case stream_kind::tls: a_.tls_.on_gap(c, dir, length); break;
      default: break;
    }
  }

  // Bytes sent but not captured: the flow table counts them as Zeek does (missed_bytes, G/g).
  PCAPSCOPE_SIZE_FN void on_missed(int dir, std::uint64_t length) override {
    a_.tracker_.note_gap(a_.reasm_.current_flow(), dir, length);
  }

  PCAPSCOPE_SIZE_FN void on_close(int dir, reassembly::stream_end) override {
    const std::uint32_t id = a_.reasm_.current_flow();
    const auto k = static_cast<stream_kind>(a_.kinds_[id] & ~kind_muted);
    if (!probes_.empty()) flush_probe(k, id, dir);
    app::stream_ctx c = context(id);
    switch (k) {
      case stream_kind::dns: a_.dns_.on_close(c, dir); break;
      case stream_kind::http: a_.http_.on_close(c, dir); break;
      case stream_kind::tls: a_.tls_.on_close(c, dir); break;
      default: break;
    }
  }

 private:
  // The bytes of a direction still undecided, or of a flow whose other direction (or this one)
  // has probe bytes held.
  [[gnu::noinline]] PCAPSCOPE_SIZE_FN void first_data(stream_kind k, std::uint32_t id, int dir, util::bytes data) {
    if (k == stream_kind::undecided) {
      // Too few bytes to tell (a split length prefix, a 2-byte first segment): keep them until
      // the next delivery decides, then replay them to the logger.
      const std::uint64_t key = (std::uint64_t{id} << 1) | static_cast<unsigned>(dir);
      auto it = probes_.find(key);
      if (it == probes_.end()) {
        k = decide(id, dir, data);
        if (k == stream_kind::undecided) {
          probes_[key].assign(data.begin(), data.end());
          return;
        }
      } else {
        it->second.insert(it->second.end(), data.begin(), data.end());
        k = decide(id, dir, util::bytes(it->second));
        if (k == stream_kind::undecided) return;
        std::vector<std::uint8_t> held = std::move(it->second);
        probes_.erase(it);
        route(k, id, dir, util::bytes(held));
        return;
      }
    }
    if (!probes_.empty()) flush_probe(k, id, dir);
    route(k, id, dir, data);
  }

  [[gnu::noinline]] void route(stream_kind k, std::uint32_t id, int dir, util::bytes data) {
    app::stream_ctx c = context(id);
    // TLS that starts later in a stream: after an HTTP CONNECT was answered, after STARTTLS, or
    // after some other preamble. A delivery that begins with a ClientHello record switches the
    // flow to the TLS logger from there on.
    if ((k == stream_kind::http || k == stream_kind::other) && a_.opts_.tls && data.size() >= 6 &&
        data[0] == 0x16 && data[1] == 0x03 && data[2] <= 0x04 && data[5] == 0x01) {
      k = stream_kind::tls;
      a_.kinds_[id] = static_cast<std::uint8_t>(k);
      const auto& f = a_.tracker_.get(id);
      if (f.svc == 0 || f.svc == static_cast<std::uint8_t>(flow::service::smtp) ||
          f.svc == static_cast<std::uint8_t>(flow::service::ftp) ||
          f.svc == static_cast<std::uint8_t>(flow::service::pop3) ||
          f.svc == static_cast<std::uint8_t>(flow::service::imap)) {
        a_.tracker_.set_service(id, flow::service::ssl);
      }
    }
    switch (k) {
      case stream_kind::dns: a_.dns_.on_data(c, dir, data); break;
      case stream_kind::http: a_.http_.on_data(c, dir, data); break;
      case stream_kind::tls:
        if (!a_.tls_.on_data(c, dir, data)) a_.kinds_[id] |= kind_muted;
        break;
      default: break;
    }
  }

  // Delivers (or, still undecided, drops) the bytes held for a direction.
  PCAPSCOPE_SIZE_FN void flush_probe(stream_kind k, std::uint32_t id, int dir) {
    auto it = probes_.find((std::uint64_t{id} << 1) | static_cast<unsigned>(dir));
    if (it == probes_.end()) return;
    std::vector<std::uint8_t> held = std::move(it->second);
    probes_.erase(it);
    if (k != stream_kind::undecided) route(k, id, dir, util::bytes(held));
  }

  app::stream_ctx context(std::uint32_t id) const noexcept {
    app::stream_ctx c = a_.ctx_;
    c.flow_id = id;
    return c;
  }

  PCAPSCOPE_SIZE_FN stream_kind decide(std::uint32_t id, int dir, util::bytes data) noexcept {
    const auto& f = a_.tracker_.get(id);
    flow::service svc = flow::service::none;
    stream_kind k = classify_stream(data, dir, f.port(0), f.port(1), svc);
    if (k == stream_kind::undecided) return k;
    if ((k == stream_kind::dns && !a_.opts_.dns) || (k == stream_kind::http && !a_.opts_.http) ||
        (k == stream_kind::tls && !a_.opts_.tls)) {
      k = stream_kind::other;
    }
    a_.kinds_[id] = static_cast<std::uint8_t>(k);
    ++a_.counters_.streams_classified;
    if (svc != flow::service::none) a_.tracker_.set_service(id, svc);
    return k;
  }

  analyzer& a_;
  // Bytes of undecided directions ((flow id << 1) | dir); a few bytes each (see classify_stream).
  std::unordered_map<std::uint64_t, std::vector<std::uint8_t>> probes_;
};

PCAPSCOPE_SIZE_BEGIN

analyzer::analyzer(options opts)
    : opts_(opts),
      builder_(nullptr, &tracker_),
      dns_(&tracker_),
      http_(&tracker_, opts.http_limits),
      tls_(&tracker_, opts.tls_limits),
      quic_(&tracker_),
      dhcp_(&tracker_),
      stats_(&tracker_, opts.endpoints ? &endpoints_ : nullptr),
      router_(std::make_unique<stream_router>(*this)),
      reasm_(router_.get(), opts.tcp) {
  dns_.set_tcp_from_streams(opts_.reassemble && opts_.dns);
  // Fed from streams, the logger parses no single segment: they need not go to it at all.
  dns_segments_ = opts_.dns && !opts_.reassemble;
  if (opts_.tls_handshake_frames) {
    tls_.on_handshake_seen = [this](const app::stream_ctx& c, int, std::uint8_t type, const app::tls_client_hello*) {
      tls_handshakes_.emplace_back(c.frame, type);
    };
  }
}

analyzer::~analyzer() = default;

PCAPSCOPE_SIZE_END

void analyzer::on_record(const capture::record& r) {
  builder_.on_record(r);
  ++counters_.packets;
  const auto& p = builder_.last_packet();
  const auto& rec = builder_.last_flow_record();
  const auto& t = builder_.last_track();
  ctx_.frame = counters_.packets;
  ctx_.ts_ns = rec.ts_ns;
  ctx_.flow_id = t.id;
  // Flow ids are given out in order: a flow's kind slot is made with the flow, so that no
  // packet needs to check for it.
  if (t.created && kinds_.size() <= t.id) kinds_.resize(t.id + 1);
  if (opts_.endpoints) endpoints_.add(rec, p, t);
  std::string_view app;
  // The summary names the transport layer; what is not TCP or UDP is of no logger's here.
  if (p.transport != dissect::packet::no_layer) {
    const dissect::layer& tl = p.layers[p.transport];
    if (tl.kind == dissect::proto::tcp) {
      if (dns_segments_) dns_.on_packet(rec, p, t);
      reassembly::tcp_segment_view s;
      if (t.id != 0 && reassembly::tcp_segment_of(p, tl, rec.data, s)) {
        if (opts_.reassemble) {
          ++counters_.tcp_segments;
          s.tag = ctx_.frame;
          reasm_.add(t.id, t.from_orig ? 0 : 1, s);
        }
        if (s.wire_len != 0) app = kind_name(static_cast<stream_kind>(kinds_[t.id] & ~kind_muted));
      }
    } else if (tl.kind == dissect::proto::udp) {
      if (opts_.dns) dns_.on_packet(rec, p, t);
      if (t.id != 0) {
        const util::bytes payload = reassembly::udp_payload_of(tl, rec.data);
        if (!payload.empty()) {
          const int dir = t.from_orig ? 0 : 1;
          const auto& f = tracker_.get(t.id);
          app = route_udp(ctx_, dir, payload, f.port(dir), f.port(dir ^ 1));
        }
      }
    }
  }
  if (opts_.stats) stats_.on_packet(rec, p, t, app);
}

std::string_view analyzer::route_udp(const app::stream_ctx& c, int dir, util::bytes payload, std::uint16_t sport,
                                     std::uint16_t dport) {
  ++counters_.udp_datagrams;
  auto& kind = kinds_[c.flow_id];
  if (kind == static_cast<std::uint8_t>(stream_kind::undecided)) {
    // DNS over UDP is logged per packet by dns_logger::on_packet; named here for statistics.
    if (app::is_dns_port(sport) || app::is_dns_port(dport)) {
      kind = static_cast<std::uint8_t>(stream_kind::dns);
    } else if (opts_.dhcp && (sport == 67 || sport == 68 || dport == 67 || dport == 68) && app::looks_like_dhcp(payload)) {
      kind = static_cast<std::uint8_t>(stream_kind::dhcp);
      tracker_.set_service(c.flow_id, flow::service::dhcp);
    } else if (opts_.http && (sport == 1900 || dport == 1900) && is_ssdp_start(payload)) {
      // SSDP: HTTP messages in UDP datagrams (tshark shows them with its http.* fields).
      kind = static_cast<std::uint8_t>(stream_kind::http);
    } else if (opts_.quic && app::looks_like_quic(payload)) {
      kind = static_cast<std::uint8_t>(stream_kind::quic);
      tracker_.set_service(c.flow_id, flow::service::quic);
    } else {
      return {};  // decided by a later datagram, if ever
    }
    ++counters_.streams_classified;
  }
  auto k = static_cast<stream_kind>(kind);
  switch (k) {
    case stream_kind::dhcp: dhcp_.on_datagram(c, dir, payload); break;
    case stream_kind::quic: quic_.on_datagram(c, dir, payload); break;
    case stream_kind::http:
      http_.on_datagram(c, dir, payload);
      return "ssdp";  // tshark's protocol hierarchy names HTTP over UDP so
    default: break;
  }
  return kind_name(k);
}

PCAPSCOPE_SIZE_BEGIN

void analyzer::finish() {
  if (finished_) return;
  finished_ = true;
  ctx_.flow_id = 0;
  if (opts_.reassemble) reasm_.finish();
  http_.finish();
  tls_.finish();
  quic_.finish();
  dhcp_.finish();
  stats_.finish();
}

PCAPSCOPE_SIZE_END

}  // namespace pcapscope::analyze
