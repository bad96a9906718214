// `pcapscope endpoints` (see flows_cmd.hpp and docs/flows.md): the analysis pass (as in the wasm
// session); the records are formatted by the core (flow/conn_log.hpp). `flows` is a log command
// (analyze_cmd.cpp), so it takes --filter like the others.
#include "flows_cmd.hpp"

#include <cstdio>
#include <string>

#include "analyze_cmd.hpp"
#include "pcapscope/analyze/analyzer.hpp"
#include "pcapscope/capture/file.hpp"
#include "pcapscope/flow/conn_log.hpp"
#include "pcapscope/flow/flow.hpp"
#include "pcapscope/index/index.hpp"

namespace pcapscope::cli {

namespace {

int run(const std::string& path, capture::handler& h) {
  std::string err;
  auto f = capture::capture_file::open(path, err);
  if (!f) {
    std::fprintf(stderr, "pcapscope: %s\n", err.c_str());
    return 1;
  }
  auto st = f->read_all(&h);
  if (auto* a = dynamic_cast<analyze::analyzer*>(&h)) a->finish();
  if (!st.ok) {
    std::fprintf(stderr, "pcapscope: %s: %s\n", path.c_str(), st.message.c_str());
    return 1;
  }
  return 0;
}

bool check_format(const char* cmd, const std::string& format) {
  if (format == "ndjson" || format == "tsv") return true;
  std::fprintf(stderr, "pcapscope %s: unknown format \"%s\" (ndjson or tsv)\n", cmd, format.c_str());
  return false;
}

util::log_format to_format(const std::string& format) {
  return format == "tsv" ? util::log_format::tsv : util::log_format::ndjson;
}

// Writes `out` to stdout once it is large.
void flush_large(std::string& out) {
  if (out.size() > (1 << 16)) {
    std::fwrite(out.data(), 1, out.size(), stdout);
    out.clear();
  }
}

}  // namespace

int cmd_endpoints(const std::string& path, const std::string& format) {
  if (!check_format("endpoints", format)) return 2;
  auto& a = new_analysis();
  int rc = run(path, a);
  const auto& table = a.endpoints();
  auto fmt = to_format(format);
  std::string out;
  bool first = true;
  for (const auto* list : {&table.ip(), &table.mac()}) {
    for (const auto& e : *list) {
      flow::append_endpoint_record(out, e, fmt, first);
      first = false;
      flush_large(out);
    }
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return rc;
}

}  // namespace pcapscope::cli
