// The statistics collector's per-capture side: packet-length bins summed, the per-port and
// per-service tables, time series at a coarser bucket, top talkers (see stats/stats.hpp).
// Apart from collector.cpp, whose straight path runs per packet: the wasm build compiles this
// file for size, and with it the sort instantiations it needs (std::sort of the port table at
// -O3 took 12.8 KB of the module; wasm/CMakeLists.txt).
#include <algorithm>
#include <array>
#include <map>

#include "pcapscope/flow/flow.hpp"
#include "pcapscope/stats/stats.hpp"

namespace pcapscope::stats {

const plen_stats& collector::plen() const noexcept {
  if (plen_summed_at_ != packets_) {
    for (std::size_t bin = 0; bin < plen_bins - 2; ++bin) {
      plen_.count[bin] = plen_.bytes[bin] = 0;
      plen_.min[bin] = plen_.max[bin] = 0;
      for (std::uint32_t len = plen_low[bin]; len < plen_low[bin + 1]; ++len) {
        const std::uint64_t n = len_count_[len];
        if (n == 0) continue;
        if (plen_.count[bin] == 0) plen_.min[bin] = len;
        plen_.max[bin] = len;
        plen_.count[bin] += n;
        plen_.bytes[bin] += n * len;
      }
    }
    plen_summed_at_ = packets_;
  }
  return plen_;
}

void collector::finish() {
  if (finished_at_ == packets_) return;
  finished_at_ = packets_;
  ports_.clear();
  services_.clear();
  if (!flows_) return;
  struct acc {
    port_stats s;
    std::array<std::uint64_t, static_cast<std::size_t>(flow::service::count_)> svc{};
  };
  std::map<std::uint32_t, acc> by_port;  // (proto << 16) | port
  std::array<port_stats, static_cast<std::size_t>(flow::service::count_)> by_svc{};
  // The endpoint table keeps every flow's frame bytes and packets.
  const flow::endpoint_table& table = shared_endpoints_ ? *shared_endpoints_ : endpoints_;
  for (std::uint32_t id = 1; id <= flows_->size(); ++id) {
    const std::uint64_t packets = table.flow_packets(id);
    if (packets == 0) continue;
    const std::uint64_t bytes = table.flow_bytes(id);
    const auto& f = flows_->get(id);
    std::size_t svc = f.svc < by_svc.size() ? f.svc : 0;
    auto& sv = by_svc[svc];
    ++sv.flows;
    sv.packets += packets;
    sv.bytes += bytes;
    std::uint8_t pr = f.proto();
    if (pr != flow::ip_proto_tcp && pr != flow::ip_proto_udp && pr != flow::ip_proto_sctp) continue;
    auto& a = by_port[(std::uint32_t{pr} << 16) | f.port(1)];
    a.s.ip_proto = pr;
    a.s.port = f.port(1);
    ++a.s.flows;
    a.s.packets += packets;
    a.s.bytes += bytes;
    ++a.svc[svc];
  }
  auto by_bytes = [](const port_stats& a, const port_stats& b) {
    if (a.bytes != b.bytes) return a.bytes > b.bytes;
    if (a.packets != b.packets) return a.packets > b.packets;
    if (a.ip_proto != b.ip_proto) return a.ip_proto < b.ip_proto;
    if (a.port != b.port) return a.port < b.port;
    return a.service < b.service;
  };
  for (auto& [key, a] : by_port) {
    std::size_t best = 0;
    for (std::size_t s = 1; s < a.svc.size(); ++s) {
      if (a.svc[s] > a.svc[best] || (best == 0 && a.svc[s] > 0)) best = s;
    }
    a.s.service = std::string(flow::service_name(static_cast<flow::service>(best)));
    ports_.push_back(std::move(a.s));
  }
  std::sort(ports_.begin(), ports_.end(), by_bytes);
  for (std::size_t s = 0; s < by_svc.size(); ++s) {
    if (by_svc[s].flows == 0) continue;
    by_svc[s].service = std::string(flow::service_name(static_cast<flow::service>(s)));
    services_.push_back(by_svc[s]);
  }
  std::sort(services_.begin(), services_.end(), by_bytes);
}

time_series collector::series(std::int64_t bucket_ns) const {
  time_series out;
  std::int64_t w = std::max(bucket_ns, fine_ns_);
  std::int64_t k = w / fine_ns_ + (w % fine_ns_ != 0 ? 1 : 0);  // round up without overflow
  if (k > (std::int64_t{1} << 62) / fine_ns_) k = (std::int64_t{1} << 62) / fine_ns_;
  out.start_ns = series_t0_;
  out.bucket_ns = k * fine_ns_;
  std::size_t fine = buckets_.size() / series_stride;
  auto kk = static_cast<std::size_t>(k);
  std::size_t n = fine == 0 ? 0 : (fine + kk - 1) / kk;
  out.packets.assign(n, 0);
  out.bytes.assign(n, 0);
  for (std::size_t c = 0; c < out.class_packets.size(); ++c) {
    out.class_packets[c].assign(n, 0);
    out.class_bytes[c].assign(n, 0);
  }
  for (std::size_t i = 0; i < fine; ++i) {
    const std::uint64_t* b = buckets_.data() + i * series_stride;
    std::size_t j = i / kk;
    for (std::size_t c = 0; c < out.class_packets.size(); ++c) {
      out.packets[j] += b[2 * c];
      out.bytes[j] += b[2 * c + 1];
      out.class_packets[c][j] += b[2 * c];
      out.class_bytes[c][j] += b[2 * c + 1];
    }
  }
  return out;
}

namespace {

std::vector<std::size_t> top_by(const std::vector<talker>& v, std::size_t n, bool bytes_first) {
  std::vector<std::size_t> idx(v.size());
  for (std::size_t i = 0; i < idx.size(); ++i) idx[i] = i;
  auto key = [&](std::size_t i, bool bytes) {
    return bytes ? v[i].tx_bytes + v[i].rx_bytes : v[i].tx_packets + v[i].rx_packets;
  };
  auto less = [&](std::size_t a, std::size_t b) {
    auto a1 = key(a, bytes_first), b1 = key(b, bytes_first);
    if (a1 != b1) return a1 > b1;
    auto a2 = key(a, !bytes_first), b2 = key(b, !bytes_first);
    if (a2 != b2) return a2 > b2;
    return a < b;
  };
  n = std::min(n, idx.size());
  std::partial_sort(idx.begin(), idx.begin() + static_cast<std::ptrdiff_t>(n), idx.end(), less);
  idx.resize(n);
  return idx;
}

}  // namespace

std::vector<std::size_t> collector::top_talkers_by_bytes(std::size_t n) const {
  return top_by(endpoints(), n, true);
}

std::vector<std::size_t> collector::top_talkers_by_packets(std::size_t n) const {
  return top_by(endpoints(), n, false);
}

std::size_t collector::memory_bytes() const noexcept {
  std::size_t m = nodes_.capacity() * sizeof(phs_node) + (end_frames_.capacity() + end_bytes_.capacity()) * 8 + memo_.capacity() * sizeof(phs_memo) +
                  apps_.capacity() * sizeof(app_entry) + buckets_.capacity() * 8 + len_count_.capacity() * 8 +
                  endpoints_.memory_bytes();
  for (const auto& s : names_) m += s.capacity() + sizeof s;
  return m;
}

}  // namespace pcapscope::stats
