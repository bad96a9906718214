// `pcapscope dns` (see dns_cmd.hpp and docs/dns.md): the index pass with the flow tracker and a
// DNS logger chained behind the index builder, printed with Zeek dns.log field names (records
// formatted by the core, app/dns_log.hpp, as the wasm session does).
#include "dns_cmd.hpp"

#include <cstdio>
#include <string>

#include "pcapscope/app/dns.hpp"
#include "pcapscope/app/dns_log.hpp"
#include "pcapscope/capture/file.hpp"
#include "pcapscope/flow/flow.hpp"
#include "pcapscope/index/index.hpp"

namespace pcapscope::cli {

int cmd_dns(const std::string& path, const std::string& format) {
  if (format != "ndjson" && format != "tsv") {
    std::fprintf(stderr, "pcapscope dns: unknown format \"%s\" (ndjson or tsv)\n", format.c_str());
    return 2;
  }
  std::string err;
  auto f = capture::capture_file::open(path, err);
  if (!f) {
    std::fprintf(stderr, "pcapscope: %s\n", err.c_str());
    return 1;
  }
  flow::flow_tracker tracker;
  app::dns_logger log(&tracker);
  app::dns_index_handler dns(log);
  index::index_builder builder(&dns, &tracker);
  dns.set_source(&builder);
  auto st = f->read_all(&builder);
  int rc = 0;
  if (!st.ok) {
    std::fprintf(stderr, "pcapscope: %s: %s\n", path.c_str(), st.message.c_str());
    rc = 1;
  }
  auto fmt = format == "tsv" ? util::log_format::tsv : util::log_format::ndjson;
  std::string out;
  bool first = true;
  for (const auto& e : log.entries()) {
    app::append_dns_record(out, e, fmt, first);
    first = false;
    if (out.size() > (1 << 16)) {
      std::fwrite(out.data(), 1, out.size(), stdout);
      out.clear();
    }
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return rc;
}

}  // namespace pcapscope::cli
