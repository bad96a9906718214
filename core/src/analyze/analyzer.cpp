// The one-pass analysis (see analyze/analyzer.hpp): index builder → flow tracker → endpoints →
// TCP reassembly → stream classification → application loggers.
#include "pcapscope/analyze/analyzer.hpp"

#include <algorithm>
#include <cstring>

#include "pcapscope/reassembly/follow.hpp"

namespace pcapscope::analyze {

namespace {

bool starts_with(util::bytes b, std::string_view s) noexcept {
  return b.size() >= s.size() && std::memcmp(b.data(), s.data(), s.size()) == 0;
}

bool is_http_request_start(util::bytes b) noexcept {
  static constexpr std::string_view methods[] = {"GET ", "POST ", "HEAD ", "PUT ", "DELETE ", "OPTIONS ",
                                                 "CONNECT ", "TRACE ", "PATCH ", "PROPFIND ", "PROPPATCH ",
                                                 "MKCOL ", "COPY ", "MOVE ", "LOCK ", "UNLOCK ", "SEARCH "};
  for (auto m : methods) {
    if (starts_with(b, m)) return true;
  }
  return false;
}

bool either(std::uint16_t a, std::uint16_t b, std::uint16_t port) noexcept { return a == port || b == port; }

}  // namespace

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

// Receives every reassembled stream's events and hands them to the flow's logger.
class analyzer::stream_router final : public reassembly::stream_consumer {
 public:
  explicit stream_router(analyzer& a) : a_(a) {}

  void on_data(int dir, util::bytes data, std::uint64_t) override {
    const std::uint32_t id = a_.reasm_.current_flow();
    auto k = static_cast<stream_kind>(a_.kinds_[id]);
    if (k == stream_kind::undecided) {
      k = decide(id, dir, data);
      if (k == stream_kind::undecided) return;
    }
    app::stream_ctx c = context(id);
    switch (k) {
      case stream_kind::dns: a_.dns_.on_data(c, dir, data); break;
      default: break;
    }
  }

  void on_gap(int dir, std::uint64_t length, std::uint64_t) override {
    const std::uint32_t id = a_.reasm_.current_flow();
    app::stream_ctx c = context(id);
    switch (static_cast<stream_kind>(a_.kinds_[id])) {
      case stream_kind::dns: a_.dns_.on_gap(c, dir, length); break;
      default: break;
    }
  }

  void on_close(int dir, reassembly::stream_end) override {
    const std::uint32_t id = a_.reasm_.current_flow();
    app::stream_ctx c = context(id);
    switch (static_cast<stream_kind>(a_.kinds_[id])) {
      case stream_kind::dns: a_.dns_.on_close(c, dir); break;
      default: break;
    }
  }

 private:
  app::stream_ctx context(std::uint32_t id) const noexcept {
    app::stream_ctx c = a_.ctx_;
    c.flow_id = id;
    return c;
  }

  stream_kind decide(std::uint32_t id, int dir, util::bytes data) noexcept {
    const auto& f = a_.tracker_.get(id);
    flow::service svc = flow::service::none;
    stream_kind k = classify_stream(data, dir, f.port(0), f.port(1), svc);
    if (k == stream_kind::undecided) return k;
    if (k == stream_kind::dns && !a_.opts_.dns) k = stream_kind::other;
    a_.kinds_[id] = static_cast<std::uint8_t>(k);
    ++a_.counters_.streams_classified;
    if (svc != flow::service::none) a_.tracker_.set_service(id, svc);
    return k;
  }

  analyzer& a_;
};

analyzer::analyzer(options opts)
    : opts_(opts),
      builder_(nullptr, &tracker_),
      dns_(&tracker_),
      router_(std::make_unique<stream_router>(*this)),
      reasm_(router_.get(), opts.tcp) {
  dns_.set_tcp_from_streams(opts_.reassemble && opts_.dns);
}

analyzer::~analyzer() = default;

void analyzer::on_record(const capture::record& r) {
  builder_.on_record(r);
  ++counters_.packets;
  const auto& p = builder_.last_packet();
  const auto& rec = builder_.last_flow_record();
  const auto& t = builder_.last_track();
  ctx_.frame = counters_.packets;
  ctx_.ts_ns = rec.ts_ns;
  ctx_.flow_id = t.id;
  if (opts_.endpoints) endpoints_.add(rec, p, t);
  if (opts_.dns) dns_.on_packet(rec, p, t);
  if (t.id == 0) return;
  if (kinds_.size() <= t.id) kinds_.resize(std::max<std::size_t>(t.id + 1, kinds_.size() * 2), 0);
  reassembly::transport_view tv;
  if (!reassembly::find_transport(p, rec.data, tv)) return;
  const int dir = t.from_orig ? 0 : 1;
  if (tv.proto == flow::ip_proto_tcp) {
    if (!opts_.reassemble) return;
    ++counters_.tcp_segments;
    tv.tcp.tag = ctx_.frame;
    reasm_.add(t.id, dir, tv.tcp);
  } else if (tv.proto == flow::ip_proto_udp && !tv.payload.empty()) {
    const auto& f = tracker_.get(t.id);
    route_udp(ctx_, dir, tv.payload, f.port(dir), f.port(dir ^ 1));
  }
}

void analyzer::route_udp(const app::stream_ctx&, int, util::bytes, std::uint16_t, std::uint16_t) {
  ++counters_.udp_datagrams;  // DNS over UDP is logged per packet (dns_logger::on_packet)
}

void analyzer::finish() {
  if (finished_) return;
  finished_ = true;
  ctx_.flow_id = 0;
  if (opts_.reassemble) reasm_.finish();
}

}  // namespace pcapscope::analyze
