// `pcapscope follow`: index pass with flows, then the chosen flow re-read by offset and
// reassembled (see follow_cmd.hpp and core/include/pcapscope/reassembly/follow.hpp).
#include "follow_cmd.hpp"

#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "pcapscope/capture/file.hpp"
#include "pcapscope/flow/flow.hpp"
#include "pcapscope/index/index.hpp"
#include "pcapscope/reassembly/follow.hpp"
#include "pcapscope/util/json.hpp"
#include "pcapscope/util/sha1.hpp"

namespace pcapscope::cli {

const char* const follow_usage =
    "  follow FILE FLOW [--format hex|raw|json]\n"
    "                          one flow's bytes in order, client and server (Follow TCP/UDP\n"
    "                          Stream); FLOW is the flow_id or uid printed by `flows`, or\n"
    "                          tcp:N / udp:N for Wireshark's tcp.stream / udp.stream N. hex: like\n"
    "                          `tshark -z follow,tcp,raw,N` (server lines start with a tab);\n"
    "                          raw: the bytes of both directions concatenated; json: pieces with\n"
    "                          dir, packet and data_base64 or gap\n";

namespace {

enum class fmt { hex, raw, json };

std::string endpoint_text(const flow::flow_record& f, int d) {
  std::string a = flow::format_address(f.addr(d), f.key.ipv6());
  if (f.key.ipv6()) a = "[" + a + "]";
  return a + ":" + std::to_string(f.port(d));
}

const char* proto_text(std::uint8_t p) {
  return p == flow::ip_proto_tcp ? "tcp" : p == flow::ip_proto_udp ? "udp" : "ip";
}

// Prints pieces as they come (the stream is never held whole).
class printer final : public reassembly::follow_handler {
 public:
  explicit printer(fmt f) : f_(f) {}
  ~printer() override { flush(); }
  void on_segment(const reassembly::follow_segment& s, util::bytes data) override {
    static const char* hexd = "0123456789abcdef";
    switch (f_) {
      case fmt::raw:
        out_.append(reinterpret_cast<const char*>(data.data()), data.size());
        break;
      case fmt::hex:
        if (s.dir == 1) out_ += '\t';
        if (s.gap) {
          out_ += '[';
          out_ += std::to_string(s.length);
          out_ += " bytes missing]";
        } else {
          for (auto b : data) {
            out_ += hexd[b >> 4];
            out_ += hexd[b & 15];
          }
        }
        out_ += '\n';
        break;
      case fmt::json:
        out_ += first_ ? "\n" : ",\n";
        first_ = false;
        out_ += "{\"dir\":";
        out_ += std::to_string(s.dir);
        out_ += ",\"packet\":";
        out_ += std::to_string(s.packet);
        if (s.gap) {
          out_ += ",\"gap\":";
          out_ += std::to_string(s.length);
          out_ += '}';
        } else {
          out_ += ",\"data_base64\":\"";
          util::append_base64(out_, data);
          out_ += "\"}";
        }
        break;
    }
    if (out_.size() > (1 << 16)) flush();
  }
  void flush() {
    std::fwrite(out_.data(), 1, out_.size(), stdout);
    out_.clear();
  }

 private:
  fmt f_;
  bool first_ = true;
  std::string out_;
};

}  // namespace

int cmd_follow(const std::vector<std::string>& args) {
  std::string format = "hex";
  std::vector<std::string> pos;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--format" && i + 1 < args.size()) format = args[++i];
    else if (args[i].rfind("--format=", 0) == 0) format = args[i].substr(9);
    else if (args[i].size() > 1 && args[i][0] == '-') {
      std::fprintf(stderr, "pcapscope follow: unknown option %s\nusage:\n%s", args[i].c_str(), follow_usage);
      return 2;
    } else pos.push_back(args[i]);
  }
  if (pos.size() != 2) {
    std::fprintf(stderr, "pcapscope follow: give FILE and FLOW\nusage:\n%s", follow_usage);
    return 2;
  }
  fmt f;
  if (format == "hex") f = fmt::hex;
  else if (format == "raw") f = fmt::raw;
  else if (format == "json") f = fmt::json;
  else {
    std::fprintf(stderr, "pcapscope follow: unknown format \"%s\" (hex, raw or json)\n", format.c_str());
    return 2;
  }
  const std::string& path = pos[0];
  const std::string& flow_arg = pos[1];
  std::uint32_t id = 0;
  bool by_uid = !flow_arg.empty() && flow_arg[0] == 'C';
  // tcp:N / udp:N: Wireshark's stream index (0-based, per protocol).
  std::uint8_t stream_proto = flow_arg.rfind("tcp:", 0) == 0 ? flow::ip_proto_tcp
                              : flow_arg.rfind("udp:", 0) == 0 ? flow::ip_proto_udp
                                                               : 0;
  std::int64_t stream = -1;
  if (!by_uid) {
    const std::string digits = stream_proto ? flow_arg.substr(4) : flow_arg;
    char* end = nullptr;
    unsigned long v = std::strtoul(digits.c_str(), &end, 10);
    if (digits.empty() || digits[0] < '0' || digits[0] > '9' || *end != '\0' || (v == 0 && !stream_proto) || v > 0xFFFFFFFFul) {
      std::fprintf(stderr,
                   "pcapscope follow: FLOW must be a flow_id (1, 2, ...), a uid (C...), or tcp:N / udp:N (N = 0, 1, ...), "
                   "got \"%s\"\n",
                   flow_arg.c_str());
      return 2;
    }
    if (stream_proto) stream = static_cast<std::int64_t>(v);
    else id = static_cast<std::uint32_t>(v);
  }
  std::string err;
  capture::file_options opts;
  opts.keep_decompressed = true;  // gzip input: follow re-reads records by offset
  auto file = capture::capture_file::open(path, err, opts);
  if (!file) {
    std::fprintf(stderr, "pcapscope: %s\n", err.c_str());
    return 1;
  }
  flow::flow_tracker tracker;
  index::index_builder builder(nullptr, &tracker);
  auto st = file->read_all(&builder);
  int rc = 0;
  if (!st.ok) {
    std::fprintf(stderr, "pcapscope: %s: %s\n", path.c_str(), st.message.c_str());
    rc = 1;
  }
  if (by_uid) {
    for (std::uint32_t k = 1; k <= tracker.size() && !id; ++k) {
      if (flow::uid(tracker.get(k)) == flow_arg) id = k;
    }
    if (!id) {
      std::fprintf(stderr, "pcapscope follow: %s: no flow with uid %s\n", path.c_str(), flow_arg.c_str());
      return 1;
    }
  }
  if (stream_proto) {
    for (std::uint32_t k = 1; k <= tracker.size() && !id; ++k) {
      if (tracker.get(k).proto() == stream_proto && tracker.stream_index(k) == stream) id = k;
    }
    if (!id) {
      std::fprintf(stderr, "pcapscope follow: %s: no %s stream %lld\n", path.c_str(), proto_text(stream_proto),
                   static_cast<long long>(stream));
      return 1;
    }
  }
  if (id > tracker.size()) {
    std::fprintf(stderr, "pcapscope follow: %s: no flow %u (the capture has %zu)\n", path.c_str(), id, tracker.size());
    return 1;
  }
  const auto& rec = tracker.get(id);
  const char* proto = proto_text(rec.proto());
  if (f == fmt::hex) {
    std::printf("\n===================================================================\n");
    std::printf("Follow: %s,raw\nFilter: flow %u\nNode 0: %s\nNode 1: %s\n", proto, id, endpoint_text(rec, 0).c_str(),
                endpoint_text(rec, 1).c_str());
  } else if (f == fmt::json) {
    std::string h = "{\"flow_id\":" + std::to_string(id) + ",\"uid\":";
    util::append_json_string(h, flow::uid(rec));
    h += ",\"proto\":\"" + std::string(proto) + "\",";
    // Wireshark's tcp.stream / udp.stream of the flow (what its Follow filters on).
    if (const std::int64_t s = tracker.stream_index(id); s >= 0) h += "\"stream\":" + std::to_string(s) + ",";
    h += "\"client\":";
    util::append_json_string(h, endpoint_text(rec, 0));
    h += ",\"server\":";
    util::append_json_string(h, endpoint_text(rec, 1));
    h += ",\"segments\":[";
    std::fwrite(h.data(), 1, h.size(), stdout);
  }
  reassembly::follow_summary sum;
  {
    printer p(f);
    if (!reassembly::follow_flow(file->get_reader(), *file, builder.index(), tracker, id, p, sum, err)) {
      std::fprintf(stderr, "pcapscope follow: %s: %s\n", path.c_str(), err.c_str());
      return 1;
    }
  }
  if (f == fmt::hex) {
    std::printf("===================================================================\n");
  } else if (f == fmt::json) {
    const auto& c = sum.counters;
    std::printf("],\n\"bytes\":[%" PRIu64 ",%" PRIu64 "],\"packets\":%" PRIu64, sum.bytes[0], sum.bytes[1], sum.packets);
    if (rec.proto() == flow::ip_proto_tcp) {
      std::printf(",\"end\":[\"%s\",\"%s\"],\"out_of_order\":%" PRIu64 ",\"retransmissions\":%" PRIu64
                  ",\"overlaps\":%" PRIu64 ",\"overlap_conflicts\":%" PRIu64 ",\"gaps\":%" PRIu64
                  ",\"gap_bytes\":%" PRIu64 ",\"cap_hits\":%" PRIu64,
                  reassembly::stream_end_name(sum.end[0]), reassembly::stream_end_name(sum.end[1]), c.out_of_order,
                  c.retransmissions, c.overlaps, c.overlap_conflicts, c.gaps, c.gap_bytes, c.cap_hits);
    }
    std::printf(",\"unreadable\":%" PRIu64 "}\n", sum.unreadable);
  }
  if (sum.unreadable) {
    std::fprintf(stderr, "pcapscope follow: %s: %" PRIu64 " packets of flow %u could not be re-read\n", path.c_str(),
                 sum.unreadable, id);
  }
  return rc;
}

}  // namespace pcapscope::cli
