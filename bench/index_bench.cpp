// Index-pass benchmark: our reader + L2–L4 dissection + one index row per packet (and, as
// further variants, the flow table filling the index's flow column, and TCP stream reassembly
// into a no-op consumer on top of that), timed against
// baselines measured in the same run on the same file: a plain read() of the file and, when
// libpcap is available, a C loop over pcap_next_ex that decodes Ethernet/VLAN/IPv4/IPv6/TCP/UDP
// by hand and counts flows in a hash map (the classic "C libpcap" reference point).
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <limits>
#include <string>
#include <unordered_map>
#include <vector>

#include "pcapscope/capture/file.hpp"
#include "pcapscope/capture/reader.hpp"
#include "pcapscope/flow/flow.hpp"
#include "pcapscope/index/index.hpp"
#include "pcapscope/reassembly/follow.hpp"
#include "pcapscope/reassembly/tcp_stream.hpp"

#ifdef PCAPSCOPE_HAVE_LIBPCAP
#include <pcap/pcap.h>
#endif

namespace {

using namespace pcapscope;
using clock_type = std::chrono::steady_clock;

volatile std::uint64_t g_sink = 0;

[[noreturn]] void die(const std::string& m) {
  std::fprintf(stderr, "index_bench: %s\n", m.c_str());
  std::exit(1);
}

std::uint64_t read_plain(const std::string& path, std::size_t chunk) {
  std::vector<std::uint8_t> buf(chunk);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) die("cannot open " + path);
  std::uint64_t total = 0;
  for (;;) {
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n <= 0) break;
    total += static_cast<std::uint64_t>(n);
    g_sink = g_sink + buf[0];
  }
  ::close(fd);
  return 0;
}

// The classic "C loop walking record headers over mmap": maps the file and hops from record
// header to record header, summing captured lengths (pcap only; the suite's other reference).
std::uint64_t mmap_walk(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) die("cannot open " + path);
  struct stat st {};
  ::fstat(fd, &st);
  auto size = static_cast<std::size_t>(st.st_size);
  void* m = size ? ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0) : MAP_FAILED;
  ::close(fd);
  if (m == MAP_FAILED) die("cannot mmap " + path);
  const auto* d = static_cast<const std::uint8_t*>(m);
  std::uint64_t packets = 0, caplen_sum = 0;
  std::uint32_t magic = 0;
  if (size >= 24) std::memcpy(&magic, d, 4);
  const bool swapped = magic == 0xd4c3b2a1u || magic == 0x4d3cb2a1u;
  if (magic == 0xa1b2c3d4u || magic == 0xa1b23c4du || swapped) {
    for (std::size_t off = 24; off + 16 <= size;) {
      std::uint32_t caplen;
      std::memcpy(&caplen, d + off + 8, 4);
      if (swapped) caplen = __builtin_bswap32(caplen);
      off += 16 + std::size_t{caplen};
      if (off > size) break;
      ++packets;
      caplen_sum += caplen;
    }
  }
  ::munmap(m, size);
  g_sink = g_sink + caplen_sum;
  return packets;
}

// Our reader alone: records delivered to a handler that only counts them.
class count_handler final : public capture::handler {
 public:
  void on_record(const capture::record& r) override {
    ++packets;
    bytes += r.caplen;
  }
  std::uint64_t packets = 0, bytes = 0;
};

// Streams `path` through capture::capture_file::read_all, as the CLI reads its input (through
// mappings unless PCAPSCOPE_NO_MMAP=1), into `h`.
void read_file(const std::string& path, std::size_t chunk, capture::handler* h) {
  std::string err;
  capture::file_options opts;
  opts.chunk_size = chunk;
  auto f = capture::capture_file::open(path, err, opts);
  if (!f) die(err);
  auto st = f->read_all(h);
  if (!st.ok) die(st.message);
}

std::uint64_t reader_only(const std::string& path, std::size_t chunk) {
  count_handler h;
  read_file(path, chunk, &h);
  g_sink = g_sink + h.bytes;
  return h.packets;
}

struct index_result {
  std::uint64_t packets = 0;
  std::size_t index_bytes = 0;
  std::size_t flows = 0;
  std::size_t flow_bytes = 0;
};

// A consumer that only touches what it is given (the cost of reassembly itself).
class noop_consumer final : public reassembly::stream_consumer {
 public:
  void on_data(int, util::bytes data, std::uint64_t) override { bytes += data.size(); }
  void on_gap(int, std::uint64_t length, std::uint64_t) override { gaps += length; }
  void on_close(int, reassembly::stream_end) override { ++closes; }
  std::uint64_t bytes = 0, gaps = 0, closes = 0;
};

// Gives each record to its index builder, then hands the record's TCP segment to its flow's
// stream: the same steps as analyze::analyzer::on_record's for a TCP packet (which holds its
// builder the same way, calling it directly instead of being called back after each row).
class reassembly_feed final : public capture::handler {
 public:
  reassembly_feed(flow::flow_tracker* flows, reassembly::tcp_reassembler* r) : b_(nullptr, flows), r_(r) {}
  void on_record(const capture::record& r) override {
    b_.on_record(r);
    const auto& p = b_.last_packet();
    const auto& t = b_.last_track();
    if (p.transport == dissect::packet::no_layer) return;
    const dissect::layer& tl = p.layers[p.transport];
    reassembly::tcp_segment_view s;
    if (tl.kind != dissect::proto::tcp || t.id == 0 || !reassembly::tcp_segment_of(p, tl, b_.last_flow_record().data, s)) return;
    r_->add(t.id, t.from_orig ? 0 : 1, s);
  }
  void on_interface(std::uint32_t i, const capture::interface_info& f) override { b_.on_interface(i, f); }
  void on_anomaly(const capture::anomaly& a) override { b_.on_anomaly(a); }
  const index::index_builder& builder() const noexcept { return b_; }

 private:
  index::index_builder b_;
  reassembly::tcp_reassembler* r_;
};

struct reassembly_info {
  std::uint64_t bytes = 0, gaps = 0;
  std::size_t peak_buffered = 0;
  reassembly::tcp_stream_counters counters;
};
reassembly_info g_reassembly;

index_result index_pass(const std::string& path, std::size_t chunk, bool with_flows = false,
                        bool with_reassembly = false, std::size_t recheck_window = reassembly::tcp_limits{}.recheck_window) {
  flow::flow_tracker tracker;
  noop_consumer consumer;
  reassembly::tcp_limits limits;
  limits.recheck_window = recheck_window;
  reassembly::tcp_reassembler reasm(&consumer, limits);
  index::index_builder plain(nullptr, with_flows ? &tracker : nullptr);
  reassembly_feed feed(&tracker, &reasm);
  const index::index_builder& b = with_reassembly ? feed.builder() : plain;
  read_file(path, chunk, with_reassembly ? static_cast<capture::handler*>(&feed) : &plain);
  if (with_reassembly) {
    reasm.finish();
    g_reassembly = {consumer.bytes, consumer.gaps, reasm.budget().peak, reasm.counters()};
  }
  return {b.index().size(), b.index().size() * index::packet_index::row_bytes, tracker.size(),
          tracker.memory_bytes()};
}

#ifdef PCAPSCOPE_HAVE_LIBPCAP
// The reference C loop: libpcap reads, hand decode to L4, flows counted by 5-tuple hash.
struct flow_key {
  std::uint8_t src[16], dst[16];
  std::uint16_t sport, dport;
  std::uint8_t proto, v6;
  bool operator==(const flow_key& o) const { return std::memcmp(this, &o, sizeof *this) == 0; }
};
struct flow_hash {
  std::size_t operator()(const flow_key& k) const {
    std::uint64_t h = 1469598103934665603ull;
    const auto* p = reinterpret_cast<const std::uint8_t*>(&k);
    for (std::size_t i = 0; i < sizeof k; ++i) h = (h ^ p[i]) * 1099511628211ull;
    return h;
  }
};

std::uint64_t libpcap_loop(const std::string& path) {
  char err[PCAP_ERRBUF_SIZE];
  pcap_t* p = pcap_open_offline(path.c_str(), err);
  if (!p) die(std::string("libpcap: ") + err);
  std::unordered_map<flow_key, std::uint64_t, flow_hash> flows;
  pcap_pkthdr* h;
  const u_char* d;
  std::uint64_t packets = 0;
  while (pcap_next_ex(p, &h, &d) == 1) {
    ++packets;
    std::size_t off = 14, len = h->caplen;
    if (len < 14) continue;
    std::uint16_t et = static_cast<std::uint16_t>((d[12] << 8) | d[13]);
    while ((et == 0x8100 || et == 0x88a8) && off + 4 <= len) {
      et = static_cast<std::uint16_t>((d[off + 2] << 8) | d[off + 3]);
      off += 4;
    }
    flow_key k{};
    std::size_t l4;
    if (et == 0x0800 && off + 20 <= len) {
      std::size_t ihl = (d[off] & 0xF) * 4u;
      k.proto = d[off + 9];
      std::memcpy(k.src, d + off + 12, 4);
      std::memcpy(k.dst, d + off + 16, 4);
      l4 = off + ihl;
    } else if (et == 0x86dd && off + 40 <= len) {
      k.proto = d[off + 6];
      k.v6 = 1;
      std::memcpy(k.src, d + off + 8, 16);
      std::memcpy(k.dst, d + off + 24, 16);
      l4 = off + 40;
    } else {
      continue;
    }
    if ((k.proto == 6 || k.proto == 17) && l4 + 4 <= len) {
      k.sport = static_cast<std::uint16_t>((d[l4] << 8) | d[l4 + 1]);
      k.dport = static_cast<std::uint16_t>((d[l4 + 2] << 8) | d[l4 + 3]);
    }
    ++flows[k];
  }
  pcap_close(p);
  g_sink = g_sink + flows.size();
  return packets;
}
#endif

struct variant {
  const char* name;
  const char* key;
  std::function<std::uint64_t()> run;
  double best = std::numeric_limits<double>::infinity();
  std::uint64_t packets = 0;
  std::vector<double> times = {};
  std::vector<double> cpu = {};  // user + system CPU seconds of each run
  double best_cpu = std::numeric_limits<double>::infinity();
};

// User + system CPU time of this process so far. On a loaded machine (other jobs competing for
// the cores) CPU time is much steadier than wall time: waiting for a core is not counted.
double cpu_seconds() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  auto tv = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) * 1e-6; };
  return tv(ru.ru_utime) + tv(ru.ru_stime);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) die("usage: index_bench FILE [--runs N] [--only KEY[,KEY...]]");
  std::string path = argv[1];
  int runs = 5;
  std::string only;  // comma-separated variant keys; empty: all
  for (int i = 2; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], "--runs") == 0) runs = std::max(1, std::atoi(argv[i + 1]));
    if (std::strcmp(argv[i], "--only") == 0) only = argv[i + 1];
  }
  const std::size_t chunk = 1u << 20;
  std::size_t index_bytes = 0;
  std::vector<variant> vs;
  vs.push_back({"read() only (baseline)", "read", [&] { return read_plain(path, chunk); }});
  vs.push_back({"mmap record-header walk", "mmap", [&] { return mmap_walk(path); }});
#ifdef PCAPSCOPE_HAVE_LIBPCAP
  vs.push_back({"libpcap C loop to L4 + flow map", "libpcap", [&] { return libpcap_loop(path); }});
#endif
  vs.push_back({"ours: reader only (count records)", "reader", [&] { return reader_only(path, chunk); }});
  vs.push_back({"ours: read + L2-L4 dissect + index", "index", [&] {
                  auto r = index_pass(path, chunk);
                  index_bytes = r.index_bytes;
                  return r.packets;
                }});
  index_result flow_info;
  vs.push_back({"ours: index + flow table (flow column)", "index_flows", [&] {
                  flow_info = index_pass(path, chunk, true);
                  return flow_info.packets;
                }});
  vs.push_back({"ours: index + flows + TCP + 2K recheck", "index_flows_tcp_recheck", [&] {
                  return index_pass(path, chunk, true, true, 2048).packets;
                }});
  vs.push_back({"ours: index + flows + TCP reassembly", "index_flows_tcp", [&] {
                  flow_info = index_pass(path, chunk, true, true);
                  return flow_info.packets;
                }});
  if (!only.empty()) {
    // One process per variant (bench/suite.py): its own peak RSS, nothing left over from others.
    std::vector<variant> picked;
    std::string list = "," + only + ",";
    for (auto& v : vs) {
      std::string k = ",";  // (built in steps: GCC 12 warns falsely about "," + s + ",")
      k += v.key;
      k += ',';
      if (list.find(k) != std::string::npos) picked.push_back(std::move(v));
    }
    if (picked.empty()) die("no variant named " + only);
    vs = std::move(picked);
  }
  read_plain(path, chunk);  // warm the page cache
  for (int r = 0; r < runs; ++r) {
    for (auto& v : vs) {
      double c0 = cpu_seconds();
      auto t0 = clock_type::now();
      v.packets = v.run();
      double s = std::chrono::duration<double>(clock_type::now() - t0).count();
      double c = cpu_seconds() - c0;
      v.times.push_back(s);
      v.cpu.push_back(c);
      if (s < v.best) v.best = s;
      if (c < v.best_cpu) v.best_cpu = c;
    }
  }
  std::uint64_t file_bytes = 0;
  {
    int fd = ::open(path.c_str(), O_RDONLY);
    file_bytes = static_cast<std::uint64_t>(::lseek(fd, 0, SEEK_END));
    ::close(fd);
  }
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  if (!only.empty()) {
    // Machine-readable only: every run's time, the packet count, and what the pass built.
    std::printf("{\"bench\":\"index\",\"bytes\":%llu,\"maxrss_kb\":%ld", static_cast<unsigned long long>(file_bytes),
                ru.ru_maxrss);
    for (const auto& v : vs) {
      std::printf(",\"%s\":{\"packets\":%llu,\"times\":[", v.key, static_cast<unsigned long long>(v.packets));
      for (std::size_t i = 0; i < v.times.size(); ++i) std::printf("%s%.5f", i ? "," : "", v.times[i]);
      std::printf("],\"cpu\":[");
      for (std::size_t i = 0; i < v.cpu.size(); ++i) std::printf("%s%.4f", i ? "," : "", v.cpu[i]);
      std::printf("]}");
    }
    if (index_bytes) std::printf(",\"index_bytes\":%zu", index_bytes);
    if (flow_info.flows) std::printf(",\"flows\":%zu,\"flow_bytes\":%zu", flow_info.flows, flow_info.flow_bytes);
    if (g_reassembly.bytes) {
      std::printf(",\"tcp_bytes_delivered\":%llu,\"tcp_gap_bytes\":%llu,\"tcp_peak_held\":%zu",
                  static_cast<unsigned long long>(g_reassembly.bytes),
                  static_cast<unsigned long long>(g_reassembly.gaps), g_reassembly.peak_buffered);
    }
    std::printf("}\n");
    return 0;
  }
  auto by_key = [&](const char* k) -> const variant& {
    for (const auto& v : vs)
      if (std::strcmp(v.key, k) == 0) return v;
    return vs.front();
  };
  const variant& ours = by_key("index");
  const variant& with_flows = by_key("index_flows");
  const variant& with_tcp = by_key("index_flows_tcp");
  const variant& recheck = by_key("index_flows_tcp_recheck");
  std::printf("%s: %llu bytes, %llu packets, best of %d\n", path.c_str(),
              static_cast<unsigned long long>(file_bytes), static_cast<unsigned long long>(ours.packets), runs);
  std::printf("%-38s %8s %8s %9s %9s %10s %9s\n", "variant", "best s", "GB/s", "Mpkt/s", "/ index", "best cpu s",
              "/ index");
  for (const auto& v : vs) {
    std::printf("%-38s %8.3f %8.2f %9.2f %8.2fx %10.3f %8.2fx\n", v.name, v.best,
                static_cast<double>(file_bytes) / 1e9 / v.best, static_cast<double>(ours.packets) / 1e6 / v.best,
                v.best / ours.best, v.best_cpu, v.best_cpu / ours.best_cpu);
  }
  std::printf("index: %.1f bytes/packet\n", static_cast<double>(index_bytes) / static_cast<double>(ours.packets));
  std::printf("flows: %zu, %.1f bytes/flow, flow table adds %.1f%% to the index pass\n", flow_info.flows,
              flow_info.flows ? static_cast<double>(flow_info.flow_bytes) / static_cast<double>(flow_info.flows) : 0.0,
              (with_flows.best / ours.best - 1) * 100);
  const auto& rc = g_reassembly.counters;
  std::printf("TCP reassembly (no-op consumer) adds %.1f%% to index + flows; flows + reassembly add %.1f%% to the "
              "index pass (target <= 30%%; by CPU time %.1f%%); %llu bytes delivered, %llu gap bytes, %llu segments "
              "held out of order, peak %zu bytes held\n",
              (with_tcp.best / with_flows.best - 1) * 100, (with_tcp.best / ours.best - 1) * 100,
              (with_tcp.best_cpu / ours.best_cpu - 1) * 100,
              static_cast<unsigned long long>(g_reassembly.bytes), static_cast<unsigned long long>(g_reassembly.gaps),
              static_cast<unsigned long long>(rc.out_of_order), g_reassembly.peak_buffered);
  std::printf("with a 2 KiB retransmission recheck window per direction (follow's setting): adds %.1f%% to index + flows\n",
              (recheck.best / with_flows.best - 1) * 100);
  std::printf("{\"bench\":\"index\",\"bytes\":%llu,\"packets\":%llu", static_cast<unsigned long long>(file_bytes),
              static_cast<unsigned long long>(ours.packets));
  for (const auto& v : vs) std::printf(",\"%s_s\":%.4f", v.key, v.best);
  std::printf("}\n");
  return 0;
}
