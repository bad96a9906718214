// `pcapscope analyze` and the application-log commands: one analysis pass over the file, then
// the summary or one log printed by the core's formatters (the wasm session uses the same ones).
#include "analyze_cmd.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>

#include "pcapscope/analyze/analyzer.hpp"
#include "pcapscope/analyze/report.hpp"
#include "pcapscope/app/dhcp_log.hpp"
#include "pcapscope/app/dns_log.hpp"
#include "pcapscope/app/http_log.hpp"
#include "pcapscope/app/quic_log.hpp"
#include "pcapscope/app/tls_log.hpp"
#include "filter_cmd.hpp"
#include "pcapscope/capture/file.hpp"
#include "pcapscope/dissect/fields.hpp"
#include "pcapscope/flow/conn_log.hpp"
#include "pcapscope/stats/stats.hpp"

namespace pcapscope::cli {

namespace {

// The analysis pass, plus (with a display filter) the flows that have a matching packet. Each
// packet is dissected from its own bytes and given the TCP context of its flow, as `pcapscope
// filter` evaluates it, so the flows are those of the packets `filter` selects.
class filtered_pass final : public capture::handler {
 public:
  filtered_pass(analyze::analyzer& a, const filter::filter* f) : a_(a), f_(f) {}
  void on_record(const capture::record& r) override {
    a_.on_record(r);
    if (!f_) return;
    ++number_;
    std::uint32_t id = a_.index().flow.back();
    if (id == 0 || (id < selected_.size() && selected_[id])) return;
    dissect::dissect(r.data, r.link_type, pkt_, r.origlen);
    dissect::frame_meta m = dissect::meta_from_record(r, number_);
    const auto& t = a_.builder().last_track();
    if (t.id != 0) flow::set_flow_context(a_.flows(), t.id, t.from_orig, m);
    if (!f_->matches(pkt_, m, r.data)) return;
    if (selected_.size() <= id) selected_.resize(std::max<std::size_t>(id + 1, selected_.size() * 2), 0);
    selected_[id] = 1;
  }
  void on_interface(std::uint32_t i, const capture::interface_info& f) override { a_.on_interface(i, f); }
  void on_anomaly(const capture::anomaly& x) override { a_.on_anomaly(x); }
  /// True when flow `id` passes (always without a filter).
  bool selected(std::uint32_t id) const noexcept { return !f_ || (id < selected_.size() && selected_[id]); }

 private:
  analyze::analyzer& a_;
  const filter::filter* f_;
  std::uint64_t number_ = 0;
  dissect::packet pkt_;
  std::vector<std::uint8_t> selected_;
};

// Runs the pass; prints the read error (with its offset) and returns false on one, leaving
// the partial results in `a`.
bool run(const std::string& path, analyze::analyzer& a, std::unique_ptr<capture::capture_file>& f, bool& read_ok,
         capture::handler* front = nullptr) {
  std::string err;
  f = capture::capture_file::open(path, err);
  if (!f) {
    std::fprintf(stderr, "pcapscope: %s\n", err.c_str());
    return false;
  }
  auto st = f->read_all(front ? front : &a);
  a.finish();
  read_ok = st.ok;
  if (!st.ok) std::fprintf(stderr, "pcapscope: %s: %s\n", path.c_str(), st.message.c_str());
  return true;
}

// Writes records through `append(out, i, header)` in 64 KB pieces.
template <typename Append>
void print_records(std::size_t n, Append append) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    append(out, i, i == 0);
    if (out.size() > (1 << 16)) {
      std::fwrite(out.data(), 1, out.size(), stdout);
      out.clear();
    }
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
}

}  // namespace

analyze::analyzer& new_analysis() {
  static auto* kept = new std::vector<std::unique_ptr<analyze::analyzer>>;
  kept->push_back(std::make_unique<analyze::analyzer>());
  return *kept->back();
}

bool is_log_command(const std::string& name) {
  return name == "dns" || name == "http" || name == "tls" || name == "quic" || name == "dhcp" || name == "phs";
}

int cmd_analyze(const std::string& path, bool json) {
  analyze::analyzer& a = new_analysis();
  std::unique_ptr<capture::capture_file> f;
  bool ok = true;
  if (!run(path, a, f, ok)) return 1;
  const auto& info = f->get_reader().info();
  std::string out = json ? analyze::analysis_json(a, info, f->gzip() ? "gzip" : "none")
                         : analyze::analysis_text(a, info, path);
  std::fwrite(out.data(), 1, out.size(), stdout);
  return ok ? 0 : 1;
}

int cmd_log(const std::string& log, const std::string& path, const std::string& format,
            const std::string& filter_expr) {
  if (format != "ndjson" && format != "tsv") {
    std::fprintf(stderr, "pcapscope %s: unknown format \"%s\" (ndjson or tsv)\n", log.c_str(), format.c_str());
    return 2;
  }
  filter::filter flt;
  const bool filtering = !filter_expr.empty();
  if (filtering && log == "phs") {
    std::fprintf(stderr, "pcapscope phs: --filter applies to the flow and log tables\n");
    return 2;
  }
  if (filtering && !compile_filter(log.c_str(), filter_expr, flt)) return 2;
  const auto fmt = format == "tsv" ? util::log_format::tsv : util::log_format::ndjson;
  analyze::analyzer& a = new_analysis();
  filtered_pass pass(a, filtering ? &flt : nullptr);
  std::unique_ptr<capture::capture_file> f;
  bool ok = true;
  if (!run(path, a, f, ok, &pass)) return 1;
  // Prints the records whose index `keep` lets through (the TSV header with the first one
  // printed). `keep` reads the flow id without building the entry where the table allows it:
  // a TLS or DNS entry is built from its compact row (certificates and all) only to be printed.
  auto print = [&](const auto& entries, auto keep, auto append) {
    std::vector<std::size_t> shown;
    for (std::size_t i = 0; i < entries.size(); ++i) {
      if (keep(i)) shown.push_back(i);
    }
    print_records(shown.size(), [&](std::string& out, std::size_t k, bool header) {
      append(out, entries[shown[k]], fmt, header);
    });
  };
  if (log == "flows") {
    std::vector<std::uint32_t> ids;
    for (std::uint32_t id = 1; id <= a.flows().size(); ++id) {
      if (pass.selected(id)) ids.push_back(id);
    }
    print_records(ids.size(), [&](std::string& out, std::size_t k, bool header) {
      flow::append_conn_record(out, a.flows(), ids[k], fmt, header);
    });
  } else if (log == "dns") {
    const auto& t = a.dns().entries();
    print(t, [&](std::size_t i) { return !filtering || pass.selected(t.flow_id(i)); }, app::append_dns_record);
  } else if (log == "http") {
    const auto t = a.http().entries();
    print(t, [&](std::size_t i) { return !filtering || pass.selected(t[i].flow_id); }, app::append_http_record);
  } else if (log == "tls") {
    const auto& t = a.tls().entries();
    print(t, [&](std::size_t i) { return !filtering || pass.selected(t.flow_id(i)); }, app::append_tls_record);
  } else if (log == "quic") {
    const auto& t = a.quic().entries();
    print(t, [&](std::size_t i) { return !filtering || pass.selected(t[i].id.flow_id); }, app::append_quic_record);
  } else if (log == "dhcp") {
    const auto& t = a.dhcp().entries();
    print(t, [&](std::size_t i) {
      for (auto id : t[i].flow_ids) {
        if (pass.selected(id)) return true;
      }
      return !filtering;
    }, app::append_dhcp_record);
  } else if (log == "phs") {
    std::string out = stats::phs_text(a.stats());
    std::fwrite(out.data(), 1, out.size(), stdout);
  }
  return ok ? 0 : 1;
}

int cmd_objects(const std::vector<std::string>& args) {
  std::string path, dir, format = "ndjson";
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--extract" && i + 1 < args.size()) {
      dir = args[++i];
    } else if (args[i] == "--format" && i + 1 < args.size()) {
      format = args[++i];
    } else if (!args[i].empty() && args[i][0] == '-' && args[i] != "-") {
      std::fprintf(stderr, "pcapscope objects: unknown option %s\n", args[i].c_str());
      return 2;
    } else if (path.empty()) {
      path = args[i];
    } else {
      std::fprintf(stderr, "pcapscope objects: give one FILE\n");
      return 2;
    }
  }
  if (path.empty() || (format != "ndjson" && format != "tsv")) {
    std::fprintf(stderr, "usage: pcapscope objects FILE [--extract DIR] [--format ndjson|tsv]\n");
    return 2;
  }
  analyze::analyzer& a = new_analysis();
  std::unique_ptr<capture::capture_file> f;
  bool ok = true;
  if (!run(path, a, f, ok)) return 1;
  // tshark lists (and names, de-duplicating) objects in the order of their completing frames.
  const auto all = a.http().objects();
  std::vector<app::http_object> objs(all.begin(), all.end());
  std::stable_sort(objs.begin(), objs.end(), [](const auto& x, const auto& y) { return x.frame < y.frame; });
  auto names = app::http_object_file_names(objs);
  if (dir.empty()) {
    const auto fmt = format == "tsv" ? util::log_format::tsv : util::log_format::ndjson;
    print_records(objs.size(), [&](std::string& out, std::size_t i, bool header) {
      app::append_http_object_record(out, i, objs[i], names[i], fmt, header);
    });
    return ok ? 0 : 1;
  }
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    std::fprintf(stderr, "pcapscope objects: cannot create %s: %s\n", dir.c_str(), ec.message().c_str());
    return 1;
  }
  int rc = ok ? 0 : 1;
  std::vector<std::uint8_t> body;
  for (std::size_t i = 0; i < objs.size(); ++i) {
    app::http_decode_status st{};
    std::string err;
    body.clear();
    if (!app::export_http_object(f->get_reader(), *f, a.index(), a.flows(), objs[i], body, st, err)) {
      std::fprintf(stderr, "pcapscope objects: %s: %s\n", names[i].c_str(), err.c_str());
      rc = 1;
      continue;
    }
    auto out_path = std::filesystem::path(dir) / names[i];
    std::ofstream out(out_path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(body.data()), static_cast<std::streamsize>(body.size()));
    if (!out) {
      std::fprintf(stderr, "pcapscope objects: cannot write %s\n", out_path.c_str());
      rc = 1;
    }
  }
  std::fprintf(stderr, "pcapscope objects: %zu objects written to %s\n", objs.size(), dir.c_str());
  return rc;
}

}  // namespace pcapscope::cli
