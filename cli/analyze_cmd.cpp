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
#include "pcapscope/capture/file.hpp"
#include "pcapscope/stats/stats.hpp"

namespace pcapscope::cli {

namespace {

// Runs the pass; prints the read error (with its offset) and returns false on one, leaving
// the partial results in `a`.
bool run(const std::string& path, analyze::analyzer& a, std::unique_ptr<capture::capture_file>& f, bool& read_ok) {
  std::string err;
  f = capture::capture_file::open(path, err);
  if (!f) {
    std::fprintf(stderr, "pcapscope: %s\n", err.c_str());
    return false;
  }
  auto st = f->read_all(&a);
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

int cmd_log(const std::string& log, const std::string& path, const std::string& format) {
  if (format != "ndjson" && format != "tsv") {
    std::fprintf(stderr, "pcapscope %s: unknown format \"%s\" (ndjson or tsv)\n", log.c_str(), format.c_str());
    return 2;
  }
  const auto fmt = format == "tsv" ? util::log_format::tsv : util::log_format::ndjson;
  analyze::analyzer& a = new_analysis();
  std::unique_ptr<capture::capture_file> f;
  bool ok = true;
  if (!run(path, a, f, ok)) return 1;
  if (log == "dns") {
    const auto& e = a.dns().entries();
    print_records(e.size(), [&](std::string& out, std::size_t i, bool header) {
      app::append_dns_record(out, e[i], fmt, header);
    });
  } else if (log == "http") {
    const auto& e = a.http().entries();
    print_records(e.size(), [&](std::string& out, std::size_t i, bool header) {
      app::append_http_record(out, e[i], fmt, header);
    });
  } else if (log == "tls") {
    const auto& e = a.tls().entries();
    print_records(e.size(), [&](std::string& out, std::size_t i, bool header) {
      app::append_tls_record(out, e[i], fmt, header);
    });
  } else if (log == "quic") {
    const auto& e = a.quic().entries();
    print_records(e.size(), [&](std::string& out, std::size_t i, bool header) {
      app::append_quic_record(out, e[i], fmt, header);
    });
  } else if (log == "dhcp") {
    const auto& e = a.dhcp().entries();
    print_records(e.size(), [&](std::string& out, std::size_t i, bool header) {
      app::append_dhcp_record(out, e[i], fmt, header);
    });
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
  std::vector<app::http_object> objs = a.http().objects();
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
