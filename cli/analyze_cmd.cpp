// `pcapscope analyze` and the application-log commands: one analysis pass over the file, then
// the summary or one log printed by the core's formatters (the wasm session uses the same ones).
#include "analyze_cmd.hpp"

#include <cstdio>
#include <memory>

#include "pcapscope/analyze/analyzer.hpp"
#include "pcapscope/analyze/report.hpp"
#include "pcapscope/app/dns_log.hpp"
#include "pcapscope/capture/file.hpp"

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

bool is_log_command(const std::string& name) { return name == "dns"; }

int cmd_analyze(const std::string& path, bool json) {
  analyze::analyzer a;
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
  analyze::analyzer a;
  std::unique_ptr<capture::capture_file> f;
  bool ok = true;
  if (!run(path, a, f, ok)) return 1;
  if (log == "dns") {
    const auto& e = a.dns().entries();
    print_records(e.size(), [&](std::string& out, std::size_t i, bool header) {
      app::append_dns_record(out, e[i], fmt, header);
    });
  }
  return ok ? 0 : 1;
}

}  // namespace pcapscope::cli
