// Read-throughput benchmark: our streaming reader against plain read() of the same file, in the
// same chunk size, from the page cache; prints a table and one JSON line.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "pcapscope/capture/file.hpp"
#include "pcapscope/capture/reader.hpp"

namespace pcapscope::bench {
namespace {

using clock_type = std::chrono::steady_clock;

/// Keeps results observable so the compiler cannot drop the work that produced them.
volatile std::uint64_t g_sink = 0;

/// Does nothing per record: measures the reader itself plus one virtual call per packet.
class noop_handler final : public capture::handler {
 public:
  void on_record(const capture::record&) override {}
};

/// Counts packets and sums their captured lengths (what an index pass needs at the least).
class count_handler final : public capture::handler {
 public:
  void on_record(const capture::record& r) override {
    ++packets;
    bytes += r.caplen;
  }
  std::uint64_t packets = 0;
  std::uint64_t bytes = 0;
};

/// Reads every captured byte of every packet (a stand-in for a dissector touching the data).
class touch_handler final : public capture::handler {
 public:
  void on_record(const capture::record& r) override {
    std::uint64_t s = 0;
    for (std::uint8_t b : r.data) s += b;
    sum += s;
    ++packets;
  }
  std::uint64_t packets = 0;
  std::uint64_t sum = 0;
};

/// One measured variant: the best (shortest) time over the runs, and what it read.
struct variant {
  std::string name;
  std::string key;  // JSON key
  std::function<std::uint64_t()> run;  // returns packets read (0 for the baseline)
  double best_s = std::numeric_limits<double>::infinity();
  std::uint64_t packets = 0;
};

[[noreturn]] void die(const std::string& message) {
  std::fprintf(stderr, "read_bench: %s\n", message.c_str());
  std::exit(1);
}

/// Plain read() of the whole file in `chunk`-byte reads: the ceiling for any reader. Like
/// capture_file::read_all, every pass allocates its own buffer, so all variants read into
/// buffers placed alike (where the buffer lands measurably changed results).
std::uint64_t read_plain(const std::string& path, std::size_t chunk) {
  std::vector<std::uint8_t> buffer(chunk);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) die("cannot open " + path + ": " + std::strerror(errno));
  std::uint64_t total = 0;
  std::uint8_t first = 0;
  for (;;) {
    const ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0) die(std::string("read: ") + std::strerror(errno));
    if (n == 0) break;
    first ^= buffer[0];  // touch one byte per chunk, as a consumer would
    total += static_cast<std::uint64_t>(n);
  }
  ::close(fd);
  g_sink = g_sink + total + first;
  return total;
}

/// The same read() loop feeding our push reader.
std::uint64_t read_feed(const std::string& path, std::size_t chunk, capture::handler& h) {
  std::vector<std::uint8_t> buffer(chunk);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) die("cannot open " + path + ": " + std::strerror(errno));
  capture::reader rd(&h);
  for (;;) {
    const ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0) die(std::string("read: ") + std::strerror(errno));
    if (n == 0) break;
    const capture::status st = rd.feed(util::bytes(buffer.data(), static_cast<std::size_t>(n)));
    if (!st.ok) die("reader stopped: " + st.message);
  }
  const capture::status st = rd.finish();
  ::close(fd);
  if (!st.ok) die("reader stopped: " + st.message);
  if (rd.info().fatal) die("reader failed: " + rd.info().error);
  return rd.info().packets;
}

/// capture_file::open + read_all, as the CLI reads a file.
std::uint64_t read_file_all(const std::string& path, std::size_t chunk, capture::handler& h) {
  std::string error;
  capture::file_options opts;
  opts.chunk_size = chunk;
  auto f = capture::capture_file::open(path, error, opts);
  if (!f) die("cannot open " + path + ": " + error);
  const capture::status st = f->read_all(&h);
  if (!st.ok) die("read_all failed: " + st.message);
  if (f->get_reader().info().fatal) die("reader failed: " + f->get_reader().info().error);
  return f->get_reader().info().packets;
}

std::string json_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char u[8];
      std::snprintf(u, sizeof u, "\\u%04x", static_cast<unsigned>(c));
      out += u;
    } else {
      out += c;
    }
  }
  return out;
}

int usage(const char* argv0, int code) {
  std::fprintf(code ? stderr : stdout,
               "usage: %s FILE [--runs N] [--chunk BYTES] [--require-gbps X]\n"
               "Reads FILE (pcap or pcapng) from the page cache with plain read() and with the\n"
               "pcapscope reader, best of N runs (default 7) in chunks (default 1048576 bytes).\n"
               "--require-gbps exits with status 3 when the reader is slower than X GB/s.\n",
               argv0);
  return code;
}

int run(int argc, char** argv) {
  std::string path;
  int runs = 7;
  std::size_t chunk = 1u << 20;
  double require_gbps = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) die(std::string(a) + " needs a value");
      return argv[++i];
    };
    if (a == "--runs") {
      runs = std::max(1, std::atoi(value()));
    } else if (a == "--chunk") {
      chunk = std::max<std::size_t>(1, std::strtoull(value(), nullptr, 10));
    } else if (a == "--require-gbps") {
      require_gbps = std::atof(value());
    } else if (a == "--help" || a == "-h") {
      return usage(argv[0], 0);
    } else if (!a.empty() && a[0] == '-') {
      return usage(argv[0], 2);
    } else {
      path = a;
    }
  }
  if (path.empty()) return usage(argv[0], 2);

  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) die("cannot stat " + path + ": " + std::strerror(errno));
  const auto file_bytes = static_cast<std::uint64_t>(st.st_size);

  // Warm the page cache: two full passes, so every run below reads from memory.
  {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
      ::posix_fadvise(fd, 0, 0, POSIX_FADV_WILLNEED);
      ::close(fd);
    }
    read_plain(path, chunk);
    read_plain(path, chunk);
  }

  noop_handler noop;
  count_handler counter;
  touch_handler toucher;
  std::vector<variant> variants;
  variants.push_back({"read() only (baseline)", "baseline", [&] {
                        read_plain(path, chunk);
                        return std::uint64_t{0};
                      }});
  variants.push_back({"reader.feed, no-op handler", "feed_noop", [&] { return read_feed(path, chunk, noop); }});
  variants.push_back({"capture_file::read_all, no-op", "read_all_noop",
                      [&] { return read_file_all(path, chunk, noop); }});
  variants.push_back({"capture_file::read_all, caplen sum", "read_all_count", [&] {
                        counter = {};
                        const auto n = read_file_all(path, chunk, counter);
                        g_sink = g_sink + counter.bytes;
                        if (counter.packets != n) die("count handler saw a different packet count");
                        return n;
                      }});
  variants.push_back({"capture_file::read_all, touch all bytes", "read_all_touch", [&] {
                        toucher = {};
                        const auto n = read_file_all(path, chunk, toucher);
                        g_sink = g_sink + toucher.sum;
                        if (toucher.packets != n) die("touch handler saw a different packet count");
                        return n;
                      }});

  // Interleave the variants in every run so drift (frequency, other load) hits them alike.
  for (int r = 0; r < runs; ++r) {
    for (auto& v : variants) {
      const auto t0 = clock_type::now();
      const std::uint64_t packets = v.run();
      const double s = std::chrono::duration<double>(clock_type::now() - t0).count();
      v.best_s = std::min(v.best_s, s);
      v.packets = packets;
    }
  }
  const std::uint64_t packets = variants[1].packets;
  for (const auto& v : variants) {
    if (&v != &variants[0] && v.packets != packets) die("variants disagree on the packet count");
  }

  const double base_s = variants[0].best_s;
  const auto mbps = [&](double s) { return static_cast<double>(file_bytes) / 1e6 / s; };
  const auto gbps = [&](double s) { return static_cast<double>(file_bytes) / 1e9 / s; };
  const auto pps = [&](double s) { return static_cast<double>(packets) / s; };

  std::printf("file %s: %llu bytes, %llu packets, chunk %zu bytes, best of %d runs (MB = 1e6 bytes)\n\n",
              path.c_str(), static_cast<unsigned long long>(file_bytes),
              static_cast<unsigned long long>(packets), chunk, runs);
  std::printf("%-40s %9s %9s %7s %10s %9s\n", "variant", "best s", "MB/s", "GB/s", "Mpkt/s", "/read()");
  for (const auto& v : variants) {
    std::printf("%-40s %9.4f %9.0f %7.2f %10.2f %9.3f\n", v.name.c_str(), v.best_s, mbps(v.best_s),
                gbps(v.best_s), &v == &variants[0] ? 0.0 : pps(v.best_s) / 1e6, base_s / v.best_s);
  }

  const double ours_s = variants[1].best_s;
  const double ours_gbps = gbps(ours_s);
  std::printf("\nreader: %.2f GB/s, %.2f Mpkt/s = %.3f x read() (%.2f GB/s); target >= 2 GB/s: %s\n\n",
              ours_gbps, pps(ours_s) / 1e6, base_s / ours_s, gbps(base_s), ours_gbps >= 2.0 ? "met" : "NOT met");

  std::string json = "{\"bench\":\"read\",\"file\":\"" + json_escape(path) + "\"";
  char num[256];
  std::snprintf(num, sizeof num, ",\"bytes\":%llu,\"packets\":%llu,\"chunk\":%zu,\"runs\":%d",
                static_cast<unsigned long long>(file_bytes), static_cast<unsigned long long>(packets), chunk,
                runs);
  json += num;
  std::snprintf(num, sizeof num, ",\"ours_gbps\":%.3f,\"baseline_gbps\":%.3f,\"ratio\":%.3f,\"ours_mpps\":%.3f",
                ours_gbps, gbps(base_s), base_s / ours_s, pps(ours_s) / 1e6);
  json += num;
  for (const auto& v : variants) {
    std::snprintf(num, sizeof num, ",\"%s\":{\"s\":%.6f,\"mbps\":%.1f,\"gbps\":%.3f,\"mpps\":%.3f,\"ratio\":%.3f}",
                  v.key.c_str(), v.best_s, mbps(v.best_s), gbps(v.best_s),
                  &v == &variants[0] ? 0.0 : pps(v.best_s) / 1e6, base_s / v.best_s);
    json += num;
  }
  std::snprintf(num, sizeof num, ",\"target_gbps\":2.0,\"meets_target\":%s}", ours_gbps >= 2.0 ? "true" : "false");
  json += num;
  std::printf("%s\n", json.c_str());

  if (require_gbps > 0 && ours_gbps < require_gbps) return 3;
  return 0;
}

}  // namespace
}  // namespace pcapscope::bench

int main(int argc, char** argv) { return pcapscope::bench::run(argc, argv); }
