// libFuzzer target: the capture reader fed the input whole, then in chunks whose sizes come
// from the input itself; both must agree, and read_at must re-read every delivered record.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "pcapscope/capture/reader.hpp"
#include "pcapscope/capture/summary.hpp"
#include "pcapscope/dissect/detail.hpp"
#include "pcapscope/dissect/fields.hpp"

namespace {

using namespace pcapscope;

struct sink : capture::handler {
  std::vector<std::uint64_t> offsets;
  std::uint64_t sum = 0;
  dissect::packet pkt;
  std::vector<std::string> vals;
  void on_record(const capture::record& r) override {
    offsets.push_back(r.record_offset);
    for (auto b : r.data) sum += b;  // touch every byte the reader hands out
    // The dissectors and the field tree on every packet: byte ranges stay inside the packet.
    dissect::frame_meta m;
    m.caplen = r.caplen;
    m.origlen = r.origlen;
    m.link_type = r.link_type;
    for (const auto& n : dissect::detail(r.data, m)) {
      if (std::uint64_t{n.offset} + n.length > r.data.size()) std::abort();
    }
    // Every known field and the packet-list columns, as `pcapscope packets` prints them.
    dissect::dissect(r.data, r.link_type, pkt, r.origlen);
    m.tcp_relative = true;
    m.tcp_window_shift = 7;
    for (auto f : dissect::known_fields()) {
      vals.clear();
      dissect::field_values(pkt, m, r.data, f, vals);
    }
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  util::bytes in(data, size);
  sink whole;
  capture::reader a(&whole);
  a.feed(in);
  a.finish();
  (void)capture::summary_json(a.info());
  // Every input byte is accounted for: parsed, or counted as unparsed.
  if (a.info().bytes_consumed + a.info().bytes_unparsed != size) std::abort();
  if (a.info().packets != whole.offsets.size()) std::abort();

  sink chunked;
  capture::reader b(&chunked);
  std::size_t pos = 0, step = size ? (data[0] % 61) + 1 : 1;
  while (pos < size) {
    std::size_t n = std::min(step, size - pos);
    b.feed(in.subspan(pos, n));
    pos += n;
    step = (step * 7 + 3) % 97 + 1;
  }
  b.finish();
  if (whole.offsets != chunked.offsets || whole.sum != chunked.sum ||
      a.info().packets != b.info().packets || a.info().anomaly_total != b.info().anomaly_total ||
      a.info().records_lost != b.info().records_lost ||
      b.info().bytes_consumed + b.info().bytes_unparsed != size) {
    std::abort();
  }
  capture::memory_source src(in);
  std::vector<std::uint8_t> scratch;
  capture::record r;
  std::string err;
  for (auto off : whole.offsets) {
    if (!a.read_at(off, src, scratch, r, err)) std::abort();
  }
  a.read_at(size / 2, src, scratch, r, err);  // arbitrary offsets must fail cleanly
  return 0;
}
