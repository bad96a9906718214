// libFuzzer target: the whole pass from bytes: reader -> analyzer (index, IP reassembly, flow
// table, endpoints, TCP reassembly with small caps, service detection, DNS and the application
// loggers) -> every log formatted. Checks that every packet gets exactly one index row, flow ids
// stay in range and the reassembly caps hold.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "pcapscope/analyze/analyzer.hpp"
#include "pcapscope/app/dns_log.hpp"
#include "pcapscope/capture/reader.hpp"
#include "pcapscope/capture/summary.hpp"
#include "pcapscope/flow/conn_log.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace pcapscope;
  util::bytes in(data, size);
  analyze::options opts;
  // Small caps so the fuzzer reaches the cap paths with small inputs.
  opts.tcp.max_buffered_per_direction = 4096;
  opts.tcp.max_buffered_total = 16384;
  opts.tcp.recheck_window = (size & 1) ? 256 : 0;
  analyze::analyzer an(opts);
  capture::reader rd(&an);
  // Two chunks split inside the input, as a streaming caller would feed it.
  std::size_t cut = size ? data[size - 1] * size / 256 : 0;
  rd.feed(in.first(cut));
  rd.feed(in.subspan(cut));
  rd.finish();
  an.finish();

  const auto& info = rd.info();
  if (info.bytes_consumed + info.bytes_unparsed != size) std::abort();
  const auto& idx = an.index();
  if (idx.size() != info.packets) std::abort();
  const auto& flows = an.flows();
  for (std::size_t i = 0; i < idx.size(); ++i) {
    if (idx.flow[i] > flows.size()) std::abort();
  }
  if (an.tcp_peak_buffered() > opts.tcp.max_buffered_total) std::abort();

  std::string out = capture::summary_json(info);
  for (std::uint32_t id = 1; id <= flows.size(); ++id) {
    flow::append_conn_record(out, flows, id, util::log_format::ndjson, id == 1);
    flow::append_conn_record(out, flows, id, util::log_format::tsv, id == 1);
    (void)an.kind(id);
  }
  out += flow::endpoints_json(an.endpoints());
  out += app::dns_log_ndjson(an.dns());
  bool first = true;
  for (const auto& e : an.dns().entries()) {
    app::append_dns_record(out, e, util::log_format::tsv, first);
    first = false;
  }
  return 0;
}
