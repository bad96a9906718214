// The whole analysis in one streaming pass: the index (L2–L4 rows), the flow table, endpoints,
// TCP reassembly, service detection from content, and the application loggers (DNS over UDP and
// TCP; HTTP, TLS, QUIC, DHCP) and statistics. `pcapscope analyze`, the per-protocol CLI commands
// and the wasm session all run this one pass; nothing here keeps packet bytes.
#pragma once

#include <cstdint>
#include <iterator>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "pcapscope/app/dhcp.hpp"
#include "pcapscope/app/dns.hpp"
#include "pcapscope/app/http.hpp"
#include "pcapscope/app/quic.hpp"
#include "pcapscope/app/tls.hpp"
#include "pcapscope/app/stream.hpp"
#include "pcapscope/capture/reader.hpp"
#include "pcapscope/flow/flow.hpp"
#include "pcapscope/index/index.hpp"
#include "pcapscope/reassembly/tcp_stream.hpp"
#include "pcapscope/stats/stats.hpp"

namespace pcapscope::analyze {

/// What the pass does beyond the index and flow table.
struct options {
  bool reassemble = true;             ///< TCP reassembly (needed by every TCP application logger)
  bool dns = true;                    ///< DNS log (UDP per packet; TCP from reassembled streams)
  bool endpoints = true;              ///< IP and MAC endpoint tables
  bool http = true;                   ///< HTTP/1.x log (needs `reassemble`)
  bool tls = true;                    ///< TLS log with JA3/JA4 and certificates (needs `reassemble`)
  bool dhcp = true;                   ///< DHCP log
  bool quic = true;                   ///< QUIC log (Initial packets decrypted for SNI, ALPN, JA4)
  bool stats = true;                  ///< protocol hierarchy, time series, top-N, packet sizes
  app::http_limits http_limits;       ///< HTTP parser caps
  app::tls_limits tls_limits;         ///< TLS parser caps
  /// Keep the frame and type of every TLS handshake message (for tls.handshake.type per packet).
  bool tls_handshake_frames = false;
  reassembly::tcp_limits tcp;         ///< reassembly caps (defaults: 4 MB per direction, 256 MB total)
};

/// How the application data of a flow was classified (one byte per flow; TCP streams and UDP
/// flows alike).
enum class stream_kind : std::uint8_t {
  undecided,  ///< no payload seen yet (or too little to tell)
  dns,        ///< DNS over TCP (length-prefixed messages)
  http,       ///< HTTP/1.x
  tls,        ///< TLS records
  quic,       ///< QUIC (UDP): every datagram of the flow goes to the QUIC logger
  dhcp,       ///< DHCP (UDP)
  other,      ///< recognized (ssh, smtp, ...) or unknown: bytes not parsed further
};

/// The application-protocol name of a stream kind for statistics ("dns", "http", "tls", "quic",
/// "dhcp"; empty for the others). Inline: the analysis pass asks it of every TCP payload.
inline std::string_view kind_name(stream_kind k) noexcept {
  static constexpr std::string_view names[] = {{}, "dns", "http", "tls", "quic", "dhcp", {}};
  const auto i = static_cast<std::size_t>(k);
  return i < std::size(names) ? names[i] : std::string_view{};
}

/// Counters of the pass itself.
struct analysis_counters {
  std::uint64_t packets = 0;           ///< records seen
  std::uint64_t tcp_segments = 0;      ///< TCP segments offered to reassembly
  std::uint64_t udp_datagrams = 0;     ///< UDP datagrams routed to loggers
  std::uint64_t streams_classified = 0;  ///< TCP flows given a stream kind other than undecided
};

/// Runs the analysis: give it to a capture reader (or a capture_file) as the handler, then
/// call `finish()` once the input ended. Flow ids, frame numbers and the index are the same
/// as the plain index pass's.
class analyzer : public capture::handler {
 public:
  /// A pass with `opts`.
  explicit analyzer(options opts = {});
  ~analyzer() override;
  analyzer(const analyzer&) = delete;
  analyzer& operator=(const analyzer&) = delete;

  /// Indexes, tracks and analyzes one record.
  void on_record(const capture::record& r) override;
  /// Passed to the index builder.
  void on_interface(std::uint32_t i, const capture::interface_info& f) override { builder_.on_interface(i, f); }
  /// Passed to the index builder.
  void on_anomaly(const capture::anomaly& a) override { builder_.on_anomaly(a); }
  /// End of input: reassembly flushes (holes as gaps), loggers complete pending records.
  /// Idempotent.
  void finish();

  /// The index builder (index, protocol counts, dissection anomalies, defrag counters).
  const index::index_builder& builder() const noexcept { return builder_; }
  /// The index.
  const index::packet_index& index() const noexcept { return builder_.index(); }
  /// The flow table.
  const flow::flow_tracker& flows() const noexcept { return tracker_; }
  /// Endpoint tables (empty unless `options::endpoints`).
  const flow::endpoint_table& endpoints() const noexcept { return endpoints_; }
  /// The DNS log.
  const app::dns_logger& dns() const noexcept { return dns_; }
  /// The HTTP log.
  const app::http_logger& http() const noexcept { return http_; }
  /// The TLS log.
  const app::tls_logger& tls() const noexcept { return tls_; }
  /// The QUIC log.
  const app::quic_logger& quic() const noexcept { return quic_; }
  /// The DHCP log.
  const app::dhcp_logger& dhcp() const noexcept { return dhcp_; }
  /// (frame, handshake type) of every TLS handshake message, in order (with
  /// `options::tls_handshake_frames`).
  const std::vector<std::pair<std::uint64_t, std::uint8_t>>& tls_handshakes() const noexcept { return tls_handshakes_; }
  /// Statistics (valid after `finish`).
  const stats::collector& stats() const noexcept { return stats_; }
  /// TCP reassembly counters summed over all streams.
  reassembly::tcp_stream_counters tcp_counters() const noexcept { return reasm_.counters(); }
  /// Peak bytes held out of order by reassembly.
  std::size_t tcp_peak_buffered() const noexcept { return reasm_.budget().peak; }
  /// How the data of flow `id` was classified.
  stream_kind kind(std::uint32_t id) const noexcept {
    return id < kinds_.size() ? static_cast<stream_kind>(kinds_[id] & ~kind_muted) : stream_kind::undecided;
  }
  /// Counters of the pass.
  const analysis_counters& counters() const noexcept { return counters_; }
  /// The options in effect.
  const options& opts() const noexcept { return opts_; }

 private:
  class stream_router;
  std::string_view route_udp(const app::stream_ctx& c, int dir, util::bytes payload, std::uint16_t sport,
                             std::uint16_t dport);

  options opts_;
  flow::flow_tracker tracker_;
  index::index_builder builder_;
  flow::endpoint_table endpoints_;
  app::dns_logger dns_;
  app::http_logger http_;
  app::tls_logger tls_;
  app::quic_logger quic_;
  app::dhcp_logger dhcp_;
  stats::collector stats_;
  std::unique_ptr<stream_router> router_;
  reassembly::tcp_reassembler reasm_;
  // A stream's logger wants none of its later bytes (TLS once the handshake is over): the
  // router drops them before the call; gaps and the close still reach the logger.
  static constexpr std::uint8_t kind_muted = 0x80;
  std::vector<std::uint8_t> kinds_;  // stream_kind by flow id, | kind_muted (a slot per flow)
  // TCP segments go to the DNS logger too (without reassembly: it then reads single segments).
  bool dns_segments_ = false;
  std::vector<std::pair<std::uint64_t, std::uint8_t>> tls_handshakes_;
  app::stream_ctx ctx_;              // the packet being processed
  analysis_counters counters_;
  bool finished_ = false;

  friend class stream_router;
};

/// Classifies a TCP stream from its first bytes in one direction (`dir` 0: originator) and the
/// flow's ports; sets `svc` to the service name it implies (none when unknown). Returns
/// `undecided` when `data` is too short to tell.
stream_kind classify_stream(util::bytes data, int dir, std::uint16_t orig_port, std::uint16_t resp_port,
                            flow::service& svc) noexcept;

}  // namespace pcapscope::analyze
