// pcapscope command-line front end: `pcapscope info FILE... [--json]` (more commands follow the
// core as it grows).
#include <unistd.h>

#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

#include "pcapscope/capture/file.hpp"
#include "pcapscope/capture/info_text.hpp"
#include "pcapscope/capture/linktype.hpp"
#include "pcapscope/capture/summary.hpp"
#include "pcapscope/dissect/detail.hpp"
#include "pcapscope/dissect/fields.hpp"
#include "pcapscope/flow/flow.hpp"
#include "pcapscope/index/index.hpp"
#include "pcapscope/util/json.hpp"
#include "packet_format.hpp"
#include "flows_cmd.hpp"
#include "filter_cmd.hpp"
#include "follow_cmd.hpp"
#include "analyze_cmd.hpp"

namespace {

using namespace pcapscope;

constexpr const char* kUsage =
    "usage: pcapscope <command> [options] FILE...\n"
    "\n"
    "commands:\n"
    "  info FILE... [--json]   capture facts like capinfos: format, interfaces, packets,\n"
    "                          bytes, time range, rates, comments, anomalies\n"
    "  packets FILE [--format ndjson|tsv] [--fields f1,f2,...]\n"
    "                          one record per packet; keys are Wireshark field names; a field\n"
    "                          seen several times in a packet is an array (tsv: comma-joined)\n"
    "                          --fields list prints the known field names\n"
    "  detail FILE N [--json]  packet N's field tree (names, labels, values, byte ranges)\n"
    "                          and a hex dump\n"
    "  flows FILE [--format ndjson|tsv] [--filter EXPR]\n"
    "                          one record per flow with Zeek conn.log field names (ts, uid,\n"
    "                          id.orig_h, conn_state, history, community_id, ...) + TCP metrics\n"
    "  endpoints FILE [--format ndjson|tsv]\n"
    "                          per IP and MAC address: packets, bytes, flows, first/last seen\n"
    "  analyze FILE [--json]   the whole analysis in one pass: capture facts, flows and services,\n"
    "                          log record counts, reassembly and anomaly counters\n"
    "  dns FILE [--format ndjson|tsv] [--filter EXPR]\n"
    "                          one record per DNS query/response pair with Zeek dns.log field\n"
    "                          names (ts, uid, query, qtype_name, rcode_name, answers, TTLs, rtt...)\n"
    "  http|tls|quic|dhcp FILE [--format ndjson|tsv] [--filter EXPR]\n"
    "                          the HTTP, TLS (JA3, JA4, certificates), QUIC (SNI, ALPN, JA4 from\n"
    "                          decrypted Initials) and DHCP logs with Zeek field names\n"
    "                          --filter: only the records of flows with a packet matching the\n"
    "                          display filter (as the web app narrows its tables)\n"
    "  phs FILE                protocol hierarchy statistics, as tshark -q -z io,phs prints them\n"
    "  objects FILE [--extract DIR] [--format ndjson|tsv]\n"
    "                          HTTP bodies (Export Objects): listed, or written to DIR under\n"
    "                          tshark's file names (de-chunked, gzip/deflate decoded)\n"
    "  filter FILE EXPR [-o OUT.pcap|OUT.pcapng] [--format ndjson|tsv] [--fields f1,f2,...]\n"
    "                          packets matching a Wireshark display filter (4.0 subset), printed\n"
    "                          like `packets` or written with -o (exit 2 on a bad filter)\n"
    "  follow FILE FLOW [--format hex|raw|json]\n"
    "                          one flow's client and server bytes in order (TCP reassembled);\n"
    "                          FLOW is the flow_id or uid printed by `flows`, or tcp:N /\n"
    "                          udp:N for Wireshark's tcp.stream / udp.stream N\n"
    "\n"
    "FILE may be a .pcap or .pcapng file, optionally gzip-compressed, or - for stdin.\n"
    "Exit status: 0 ok (warnings on stderr), 1 a file could not be read (partial results are\n"
    "still printed), 2 usage error.\n";

// Shows bytes, %, MB/s and time left on stderr, at most every 200 ms, only on a terminal.
class progress_line {
 public:
  explicit progress_line(std::string name) : name_(std::move(name)), tty_(isatty(2) != 0) {}
  ~progress_line() { clear(); }

  void update(const capture::progress& p) {
    if (!tty_) return;
    auto now = std::chrono::steady_clock::now();
    if (now - last_ < std::chrono::milliseconds(200)) return;
    if (!shown_ && now - start_ < std::chrono::milliseconds(500)) return;  // short runs stay quiet
    last_ = now;
    shown_ = true;
    double secs = std::chrono::duration<double>(now - start_).count();
    double mbps = secs > 0 ? static_cast<double>(p.bytes_read) / secs / 1e6 : 0;
    char line[256];
    if (p.total > 0) {
      double frac = static_cast<double>(p.bytes_read) / static_cast<double>(p.total);
      double left = frac > 0 ? secs / frac - secs : 0;
      std::snprintf(line, sizeof line, "\r%s: %.0f/%.0f MB (%.0f%%), %" PRIu64 " packets, %.0f MB/s, %.0f s left ",
                    name_.c_str(), static_cast<double>(p.bytes_read) / 1e6,
                    static_cast<double>(p.total) / 1e6, frac * 100, p.packets, mbps, left);
    } else {
      std::snprintf(line, sizeof line, "\r%s: %.0f MB, %" PRIu64 " packets, %.0f MB/s ", name_.c_str(),
                    static_cast<double>(p.bytes_read) / 1e6, p.packets, mbps);
    }
    std::fputs(line, stderr);
  }

  void clear() {
    if (shown_) std::fputs("\r\033[K", stderr);
    shown_ = false;
  }

 private:
  std::string name_;
  bool tty_;
  bool shown_ = false;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_{};
};


int cmd_info(const std::vector<std::string>& files, bool json) {
  int rc = 0;
  bool first = true;
  if (json && files.size() > 1) std::printf("[");
  for (const auto& path : files) {
    std::string err;
    capture::file_options opts;
    progress_line prog(path);
    opts.on_progress = [&](const capture::progress& p) { prog.update(p); };
    auto f = capture::capture_file::open(path, err, opts);
    if (!f) {
      std::fprintf(stderr, "pcapscope: %s\n", err.c_str());
      rc = 1;
      continue;
    }
    auto st = f->read_all(nullptr);
    prog.clear();
    const auto& info = f->get_reader().info();
    if (!st.ok) {
      std::fprintf(stderr, "pcapscope: %s: %s\n", path.c_str(), st.message.c_str());
      rc = 1;
    } else {
      for (const auto& a : info.anomalies) {
        if (a.code == capture::anomaly_code::truncated_record) {
          std::fprintf(stderr, "pcapscope: %s: warning: %s\n", path.c_str(), a.message.c_str());
        }
      }
    }
    if (json) {
      if (!first) std::printf(",");
      std::string j = capture::summary_json(info, f->gzip() ? "gzip" : "none");
      std::fwrite(j.data(), 1, j.size(), stdout);
      if (files.size() == 1) std::printf("\n");
    } else {
      if (!first) std::printf("\n");
      std::string t = capture::info_text(info, f->path(), f->gzip(), f->file_size());
      std::fwrite(t.data(), 1, t.size(), stdout);
    }
    first = false;
  }
  if (json && files.size() > 1) std::printf("]\n");
  return rc;
}

}  // namespace

// Streams packets through the dissectors and prints the requested fields.
class packets_printer : public capture::handler {
 public:
  packets_printer(std::vector<std::string> fields, bool tsv, const analyze::app_fields* app)
      : fmt_(std::move(fields), tsv, app) {
    out_.reserve(1 << 16);
    out_ += fmt_.header();
  }
  ~packets_printer() override { flush(); }

  void on_record(const capture::record& r) override {
    dissect::dissect(r.data, r.link_type, pkt_, r.origlen);
    fmt_.append(pkt_, fmt_.observe(r, pkt_, ++number_), r.data, out_);
    if (out_.size() > (1 << 16)) flush();
  }

  void flush() {
    std::fwrite(out_.data(), 1, out_.size(), stdout);
    out_.clear();
  }

 private:
  cli::packet_formatter fmt_;
  std::uint64_t number_ = 0;
  dissect::packet pkt_;
  std::string out_;
};

int cmd_packets(const std::string& path, const std::string& format, const std::string& field_list) {
  std::vector<std::string> fields;
  if (field_list == "list") {
    for (auto f : dissect::known_fields()) std::printf("%s\n", std::string(f).c_str());
    for (auto f : analyze::app_fields::names()) std::printf("%s\n", std::string(f).c_str());
    return 0;
  }
  if (std::string bad; !cli::parse_field_list(field_list, fields, bad)) {
    std::fprintf(stderr, "pcapscope packets: unknown field \"%s\" (see --fields list)\n", bad.c_str());
    return 2;
  }
  if (format != "ndjson" && format != "tsv") {
    std::fprintf(stderr, "pcapscope packets: unknown format \"%s\" (ndjson or tsv)\n", format.c_str());
    return 2;
  }
  analyze::app_fields app;
  if (cli::fields_need_analysis(fields) && !cli::collect_app_fields(path, app)) return 1;
  std::string err;
  capture::file_options opts;
  progress_line prog(path);
  opts.on_progress = [&](const capture::progress& p) { prog.update(p); };
  auto f = capture::capture_file::open(path, err, opts);
  if (!f) {
    std::fprintf(stderr, "pcapscope: %s\n", err.c_str());
    return 1;
  }
  auto printer = std::make_unique<packets_printer>(fields, format == "tsv", &app);
  auto st = f->read_all(printer.get());
  printer.reset();
  prog.clear();
  std::fflush(stdout);
  const auto& info = f->get_reader().info();
  for (const auto& a : info.anomalies) {
    if (a.level == capture::severity::error && st.ok) {
      std::fprintf(stderr, "pcapscope: %s: warning: %s\n", path.c_str(), a.message.c_str());
    }
  }
  if (!st.ok) {
    std::fprintf(stderr, "pcapscope: %s: %s\n", path.c_str(), st.message.c_str());
    return 1;
  }
  return 0;
}

// Keeps a copy of packet `want` (1-based) while streaming.
// Keeps packet `want` (1-based) and what the flow table knows of it: the packets up to it are
// tracked (IP fragments reassembled first, as the index pass does), so that its detail shows
// Wireshark's stream index.
class pick_packet : public capture::handler {
 public:
  explicit pick_packet(std::uint64_t want) : want_(want) {}
  void on_record(const capture::record& r) override {
    if (++seen_ > want_) return;
    dissect::dissect(r.data, r.link_type, pkt_, r.origlen);
    const capture::record* rec = &r;
    const dissect::packet* p = pkt_.irregular ? merger_.add(r, pkt_, rec) : &pkt_;
    const flow::track_result t = p ? flows_.track(*rec, *p) : flow::track_result{};
    if (seen_ != want_) return;
    found_ = true;
    rec_ = r;
    bytes_.assign(r.data.begin(), r.data.end());
    rec_.data = bytes_;
    rec_.options = {};
    meta_ = dissect::meta_from_record(rec_, want_);
    flow::set_flow_context(flows_, t.id, t.from_orig, meta_);
  }
  bool found() const { return found_; }
  const capture::record& record() const { return rec_; }
  /// Packet `want`'s frame facts with its flow's context.
  const dissect::frame_meta& meta() const { return meta_; }
  std::uint64_t seen() const { return seen_; }

 private:
  std::uint64_t want_;
  std::uint64_t seen_ = 0;
  bool found_ = false;
  capture::record rec_;
  std::vector<std::uint8_t> bytes_;
  dissect::frame_meta meta_;
  dissect::packet pkt_;
  index::fragment_merger merger_;
  flow::flow_tracker flows_;
};

void hex_dump(util::bytes b) {
  for (std::size_t i = 0; i < b.size(); i += 16) {
    std::printf("%04zx  ", i);
    for (std::size_t k = 0; k < 16; ++k) {
      if (i + k < b.size()) std::printf("%02x ", b[i + k]);
      else std::printf("   ");
      if (k == 7) std::printf(" ");
    }
    std::printf(" ");
    for (std::size_t k = 0; k < 16 && i + k < b.size(); ++k) {
      auto c = b[i + k];
      std::putchar(c >= 0x20 && c < 0x7f ? c : '.');
    }
    std::printf("\n");
  }
}

int cmd_detail(const std::string& path, const std::string& number, bool json) {
  char* end = nullptr;
  unsigned long long n = std::strtoull(number.c_str(), &end, 10);
  if (number.empty() || *end != '\0' || n == 0) {
    std::fprintf(stderr, "pcapscope detail: packet number must be a positive integer, got \"%s\"\n", number.c_str());
    return 2;
  }
  std::string err;
  auto f = capture::capture_file::open(path, err);
  if (!f) {
    std::fprintf(stderr, "pcapscope: %s\n", err.c_str());
    return 1;
  }
  pick_packet pick(n);
  auto st = f->read_all(&pick);
  if (!pick.found()) {
    std::fprintf(stderr, "pcapscope: %s: no packet %llu (the file has %llu)%s%s\n", path.c_str(), n,
                 static_cast<unsigned long long>(pick.seen()), st.ok ? "" : "; ", st.ok ? "" : st.message.c_str());
    return 1;
  }
  const auto& r = pick.record();
  auto tree = dissect::detail(r.data, pick.meta());
  if (json) {
    std::string j = dissect::detail_json(tree);
    j.pop_back();  // add the bytes to the object
    j += ",\"bytes\":\"";
    static const char* hexd = "0123456789abcdef";
    for (auto b : r.data) {
      j += hexd[b >> 4];
      j += hexd[b & 15];
    }
    j += "\"}\n";
    std::fwrite(j.data(), 1, j.size(), stdout);
  } else {
    for (const auto& node : tree) {
      std::printf("%*s%s", node.depth * 4, "", node.label.c_str());
      if (node.length) std::printf("   [%u..%u]", node.offset, node.offset + node.length - 1);
      std::printf("\n");
    }
    std::printf("\n");
    hex_dump(r.data);
  }
  return 0;
}

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
    std::fputs(kUsage, args.empty() ? stderr : stdout);
    return args.empty() ? 2 : 0;
  }
  std::string cmd = args[0];
  if (cmd == "filter") return cli::cmd_filter(std::vector<std::string>(args.begin() + 1, args.end()));
  if (cmd == "follow") return cli::cmd_follow(std::vector<std::string>(args.begin() + 1, args.end()));
  if (cmd == "objects") return cli::cmd_objects(std::vector<std::string>(args.begin() + 1, args.end()));
  bool json = false;
  std::string format = "ndjson", fields, filter_expr;
  std::vector<std::string> files;
  for (std::size_t i = 1; i < args.size(); ++i) {
    if (args[i] == "--json") json = true;
    else if (args[i] == "--filter" && i + 1 < args.size()) {
      filter_expr = args[++i];
    } else if ((args[i] == "--format" || args[i] == "--fields") && i + 1 < args.size()) {
      (args[i] == "--format" ? format : fields) = args[i + 1];
      ++i;
    } else if (args[i].rfind("--format=", 0) == 0) format = args[i].substr(9);
    else if (args[i].rfind("--fields=", 0) == 0) fields = args[i].substr(9);
    else if (args[i].size() > 1 && args[i][0] == '-' ) {
      std::fprintf(stderr, "pcapscope: unknown option %s\n%s", args[i].c_str(), kUsage);
      return 2;
    } else files.push_back(args[i]);
  }
  if (cmd == "info") {
    if (files.empty()) {
      std::fprintf(stderr, "pcapscope info: no FILE given\n%s", kUsage);
      return 2;
    }
    return cmd_info(files, json);
  }
  if (cmd == "detail") {
    if (files.size() != 2) {
      std::fprintf(stderr, "pcapscope detail: give FILE and a packet number\n%s", kUsage);
      return 2;
    }
    return cmd_detail(files[0], files[1], json);
  }
  if (cmd == "packets") {
    if (fields == "list") return cmd_packets("", format, fields);
    if (files.size() != 1) {
      std::fprintf(stderr, "pcapscope packets: give exactly one FILE\n%s", kUsage);
      return 2;
    }
    return cmd_packets(files[0], format, fields);
  }
  if (cmd == "flows" || cmd == "endpoints") {
    if (files.size() != 1) {
      std::fprintf(stderr, "pcapscope %s: give exactly one FILE\n%s", cmd.c_str(), kUsage);
      return 2;
    }
    if (cmd == "flows") return cli::cmd_log("flows", files[0], format, filter_expr);
    return cli::cmd_endpoints(files[0], format);
  }
  if (cmd == "analyze" || cli::is_log_command(cmd)) {
    if (files.size() != 1) {
      std::fprintf(stderr, "pcapscope %s: give exactly one FILE\n%s", cmd.c_str(), kUsage);
      return 2;
    }
    return cmd == "analyze" ? cli::cmd_analyze(files[0], json) : cli::cmd_log(cmd, files[0], format, filter_expr);
  }
  std::fprintf(stderr, "pcapscope: unknown command \"%s\"\n%s", cmd.c_str(), kUsage);
  return 2;
}
