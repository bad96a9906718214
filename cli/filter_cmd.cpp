// `pcapscope filter`: selects packets with a display filter and prints them (like `packets`) or
// writes them to a pcap / pcapng file with our writers.
#include "filter_cmd.hpp"

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "pcapscope/capture/file.hpp"
#include "pcapscope/dissect/fields.hpp"
#include "pcapscope/filter/filter.hpp"
#include "pcapscope/util/json.hpp"
#include "pcapscope/writer/writer.hpp"

#include "packet_format.hpp"

namespace pcapscope::cli {

const char* const filter_usage =
    "  filter FILE EXPR [-o OUT.pcap|OUT.pcapng] [--format ndjson|tsv] [--fields f1,f2,...]\n"
    "                          packets matching a Wireshark display filter (a subset of 4.0's\n"
    "                          language): printed like `packets`, or written with -o (pcap keeps\n"
    "                          the link type and time precision; pcapng one IDB per interface\n"
    "                          used, comments kept); --explain prints the compiled filter\n";

namespace {

class file_sink final : public writer::sink {
 public:
  explicit file_sink(std::FILE* f) : f_(f) {}
  bool write(util::bytes b) override { return b.empty() || std::fwrite(b.data(), 1, b.size(), f_) == b.size(); }

 private:
  std::FILE* f_;
};

enum class out_format { none, pcap, pcapng };

// Streams packets through the filter; prints or writes the matching ones.
class selector final : public capture::handler {
 public:
  selector(const filter::filter& f, std::vector<std::string> fields, bool tsv, out_format of, std::FILE* out,
           const capture::capture_file* file)
      : filter_(f), fmt_(std::move(fields), tsv), format_(of), sink_(out), file_(file) {
    if (format_ == out_format::none) {
      text_.reserve(1 << 16);
      text_ += fmt_.header();
    }
  }

  void on_interface(std::uint32_t index, const capture::interface_info& info) override {
    if (interfaces_.size() <= index) interfaces_.resize(index + 1);
    interfaces_[index] = info;
  }

  void on_record(const capture::record& r) override {
    ++number_;
    // Index-only filters are decided without dissecting; printing still needs the layers.
    bool dissected = filter_.needs_bytes() || format_ == out_format::none;
    if (dissected) dissect::dissect(r.data, r.link_type, pkt_, r.origlen);
    dissect::frame_meta m = dissected ? fmt_.observe(r, pkt_, number_) : dissect::meta_from_record(r, number_);
    if (!filter_.matches(pkt_, m, r.data)) return;
    ++selected_;
    if (format_ == out_format::none) {
      fmt_.append(pkt_, m, r.data, text_);
      if (text_.size() > (1 << 16)) flush();
    } else if (ok_) {
      write(r);
    }
  }

  void finish() {
    if (format_ == out_format::pcap && !pcap_) open_pcap(nullptr);
    if (format_ == out_format::pcapng && !pcapng_) open_pcapng();
    flush();
  }

  void flush() {
    if (!text_.empty()) std::fwrite(text_.data(), 1, text_.size(), stdout);
    text_.clear();
  }

  std::uint64_t seen() const { return number_; }
  std::uint64_t selected() const { return selected_; }
  bool ok() const { return ok_ && (!pcap_ || pcap_->ok()) && (!pcapng_ || pcapng_->ok()); }
  const std::string& error() const { return error_; }

 private:
  void open_pcap(const capture::record* first) {
    const auto& info = file_->get_reader().info();
    std::uint32_t link = first ? first->link_type : (interfaces_.empty() ? 1 : interfaces_[0].link_type);
    bool nano = false;
    std::uint32_t snaplen = 262144;
    if (info.format == capture::file_format::pcap) {
      nano = info.variant == capture::pcap_variant::nanosecond;
      if (info.snaplen) snaplen = info.snaplen;
    } else {
      // pcapng input: nanoseconds when any interface is finer than microseconds.
      for (const auto& i : interfaces_) {
        if (i.tsresol_binary ? i.tsresol_exp > 20 : i.tsresol_exp > 6) nano = true;
      }
      std::uint32_t idx = first ? first->interface : 0;
      if (idx < interfaces_.size() && interfaces_[idx].snaplen) snaplen = interfaces_[idx].snaplen;
    }
    pcap_link_ = link;
    pcap_ = std::make_unique<writer::pcap_writer>(sink_, link, nano, snaplen);
  }

  void open_pcapng() {
    const auto& info = file_->get_reader().info();
    std::vector<std::string> comments;
    if (!info.sections.empty()) comments = info.sections[0].comments;
    pcapng_ = std::make_unique<writer::pcapng_writer>(sink_, "pcapscope filter", comments);
  }

  void write(const capture::record& r) {
    auto p = writer::packet_from_record(r, comments_);
    if (format_ == out_format::pcap) {
      if (!pcap_) open_pcap(&r);
      if (r.link_type != pcap_link_) {
        ok_ = false;
        error_ = "packet " + std::to_string(number_) + " has link type " + std::to_string(r.link_type) +
                 " but the pcap file was started with " + std::to_string(pcap_link_) +
                 " (a pcap file has one link type: write .pcapng instead)";
        return;
      }
      pcap_->write(p);
      return;
    }
    if (!pcapng_) open_pcapng();
    if (iface_map_.size() <= r.interface) iface_map_.resize(r.interface + 1, -1);
    if (iface_map_[r.interface] < 0) {
      writer::interface_desc d;
      d.link_type = r.link_type;
      if (r.interface < interfaces_.size()) {
        const auto& i = interfaces_[r.interface];
        d.snaplen = i.snaplen;
        d.tsresol = i.tsresol_binary ? 9 : static_cast<std::uint8_t>(i.tsresol_exp > 9 ? 9 : i.tsresol_exp);
        d.name = i.name;
        d.description = i.description;
        d.fcs_len_bits = i.fcs_len_bits;
      }
      iface_map_[r.interface] = static_cast<std::int64_t>(pcapng_->add_interface(d));
    }
    p.interface = static_cast<std::uint32_t>(iface_map_[r.interface]);
    pcapng_->write(p);
  }

  const filter::filter& filter_;
  packet_formatter fmt_;
  out_format format_;
  file_sink sink_;
  const capture::capture_file* file_;
  std::vector<capture::interface_info> interfaces_;
  std::vector<std::int64_t> iface_map_;
  std::unique_ptr<writer::pcap_writer> pcap_;
  std::unique_ptr<writer::pcapng_writer> pcapng_;
  std::uint32_t pcap_link_ = 0;
  std::vector<std::string> comments_;
  dissect::packet pkt_;
  std::string text_;
  std::uint64_t number_ = 0;
  std::uint64_t selected_ = 0;
  bool ok_ = true;
  std::string error_;
};

bool ends_with(const std::string& s, const char* suffix) {
  std::size_t n = std::strlen(suffix);
  return s.size() >= n && s.compare(s.size() - n, n, suffix) == 0;
}

}  // namespace

bool compile_filter(const char* cmd, const std::string& expr, filter::filter& out) {
  filter::error err;
  if (filter::filter::compile(expr, out, err)) return true;
  std::fprintf(stderr, "pcapscope %s: %s\n  %s\n  %*s", cmd, err.to_string().c_str(), expr.c_str(),
               static_cast<int>(err.begin), "");
  for (std::uint32_t k = err.begin; k < std::max(err.end, err.begin + 1); ++k) std::fputc(k == err.begin ? '^' : '~', stderr);
  std::fputc('\n', stderr);
  return false;
}

int cmd_filter(const std::vector<std::string>& args) {
  std::string format = "ndjson", field_list, out_path;
  bool explain = false;
  std::vector<std::string> pos;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const auto& a = args[i];
    if ((a == "-o" || a == "--format" || a == "--fields") && i + 1 < args.size()) {
      (a == "-o" ? out_path : a == "--format" ? format : field_list) = args[++i];
    } else if (a.rfind("--format=", 0) == 0) format = a.substr(9);
    else if (a.rfind("--fields=", 0) == 0) field_list = a.substr(9);
    else if (a == "--explain") explain = true;
    else if (a == "-o" || a == "--format" || a == "--fields") {
      std::fprintf(stderr, "pcapscope filter: %s needs a value\n", a.c_str());
      return 2;
    } else pos.push_back(a);  // EXPR may start with '!' or '-'
  }
  if (pos.size() != 2) {
    std::fprintf(stderr, "pcapscope filter: give FILE and EXPR\nusage:\n%s", filter_usage);
    return 2;
  }
  const std::string& path = pos[0];
  const std::string& expr = pos[1];
  filter::filter flt;
  if (!compile_filter("filter", expr, flt)) return 2;
  if (explain) std::fputs(flt.describe().c_str(), stderr);
  std::vector<std::string> fields;
  if (std::string bad; !parse_field_list(field_list, fields, bad)) {
    std::fprintf(stderr, "pcapscope filter: unknown field \"%s\" (see pcapscope packets x --fields list)\n", bad.c_str());
    return 2;
  }
  if (format != "ndjson" && format != "tsv") {
    std::fprintf(stderr, "pcapscope filter: unknown format \"%s\" (ndjson or tsv)\n", format.c_str());
    return 2;
  }
  out_format of = out_format::none;
  if (!out_path.empty()) {
    if (ends_with(out_path, ".pcapng")) of = out_format::pcapng;
    else if (ends_with(out_path, ".pcap")) of = out_format::pcap;
    else {
      std::fprintf(stderr, "pcapscope filter: -o needs a .pcap or .pcapng file name, got \"%s\"\n", out_path.c_str());
      return 2;
    }
  }
  std::string open_err;
  auto file = capture::capture_file::open(path, open_err);
  if (!file) {
    std::fprintf(stderr, "pcapscope: %s\n", open_err.c_str());
    return 1;
  }
  std::FILE* out = nullptr;
  if (of != out_format::none) {
    out = std::fopen(out_path.c_str(), "wb");
    if (!out) {
      std::fprintf(stderr, "pcapscope filter: cannot write %s: %s\n", out_path.c_str(), std::strerror(errno));
      return 1;
    }
  }
  int rc = 0;
  {
    selector sel(flt, fields, format == "tsv", of, out, file.get());
    auto st = file->read_all(&sel);
    sel.finish();
    std::fflush(stdout);
    if (!st.ok) {
      std::fprintf(stderr, "pcapscope: %s: %s\n", path.c_str(), st.message.c_str());
      rc = 1;
    }
    if (!sel.ok()) {
      std::fprintf(stderr, "pcapscope filter: %s: %s\n", out_path.c_str(),
                   sel.error().empty() ? "write failed" : sel.error().c_str());
      rc = 1;
    }
    if (of != out_format::none && rc == 0) {
      std::fprintf(stderr, "pcapscope filter: %" PRIu64 " of %" PRIu64 " packets written to %s\n", sel.selected(),
                   sel.seen(), out_path.c_str());
    }
  }
  if (out && std::fclose(out) != 0 && rc == 0) {
    std::fprintf(stderr, "pcapscope filter: cannot write %s: %s\n", out_path.c_str(), std::strerror(errno));
    rc = 1;
  }
  return rc;
}

}  // namespace pcapscope::cli
