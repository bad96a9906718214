// libFuzzer target: the pcapng reader. Input that does not start with a Section Header Block
// gets a valid little-endian SHB + Ethernet IDB in front, so mutations land in block parsing
// (lengths, options, EPB/SPB/NRB/ISB/DSB bodies) instead of being rejected by the magic.
// Checks the reader's accounting invariants, whole vs chunked feeding, and read_at.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "pcapscope/capture/reader.hpp"
#include "pcapscope/capture/summary.hpp"

namespace {

using namespace pcapscope;

// SHB (28 bytes, section length -1) + IDB (20 bytes, LINKTYPE_ETHERNET, snaplen 0).
const std::uint8_t kPrefix[] = {
    0x0a, 0x0d, 0x0d, 0x0a, 28, 0, 0, 0, 0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 28, 0, 0, 0,
    1, 0, 0, 0, 20, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 20, 0, 0, 0};

struct sink : capture::handler {
  std::uint64_t input_size = 0;
  std::vector<std::uint64_t> offsets;
  std::uint64_t sum = 0;
  std::uint64_t comments = 0;
  void on_record(const capture::record& r) override {
    if (r.data.size() != r.caplen) std::abort();
    if (r.record_offset + r.record_length > input_size) std::abort();
    if (r.data_offset < r.record_offset || r.data_offset + r.caplen > r.record_offset + r.record_length) std::abort();
    if (r.options.size() > r.record_length) std::abort();
    offsets.push_back(r.record_offset);
    for (auto b : r.data) sum += b;
    for (auto b : r.options) sum += b;
    for (const auto& c : capture::record_comments(r)) comments += c.size();
  }
};

void check_info(const capture::capture_info& i, std::uint64_t size) {
  if (i.bytes_consumed + i.bytes_unparsed != size) std::abort();
  if (i.anomalies.size() > 1000 || i.anomalies.size() > i.anomaly_total) std::abort();
  std::uint64_t by_code = 0;
  for (auto n : i.anomaly_counts) by_code += n;
  if (by_code != i.anomaly_total) std::abort();
  std::uint64_t per_if = 0;
  for (const auto& f : i.interfaces) per_if += f.packets;
  if (per_if != i.packets) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<std::uint8_t> buf;
  if (size < 4 || std::memcmp(data, kPrefix, 4) != 0) buf.assign(kPrefix, kPrefix + sizeof kPrefix);
  buf.insert(buf.end(), data, data + size);
  util::bytes in(buf.data(), buf.size());

  sink whole;
  whole.input_size = in.size();
  capture::reader a(&whole);
  a.feed(in);
  a.finish();
  check_info(a.info(), in.size());
  if (a.info().packets != whole.offsets.size()) std::abort();
  (void)capture::summary_json(a.info());

  // Byte-at-a-time feeding for the first bytes (block headers split everywhere), then chunks
  // whose sizes come from the input.
  sink chunked;
  chunked.input_size = in.size();
  capture::reader b(&chunked);
  std::size_t pos = 0, step = 1;
  while (pos < in.size()) {
    std::size_t n = std::min(step, in.size() - pos);
    b.feed(in.subspan(pos, n));
    pos += n;
    step = pos < 64 ? 1 : (step * 13 + in[pos - 1]) % 509 + 1;
  }
  b.finish();
  check_info(b.info(), in.size());
  if (whole.offsets != chunked.offsets || whole.sum != chunked.sum || whole.comments != chunked.comments ||
      a.info().anomaly_total != b.info().anomaly_total || a.info().records_lost != b.info().records_lost) {
    std::abort();
  }

  capture::memory_source src(in);
  std::vector<std::uint8_t> scratch;
  capture::record r;
  std::string err;
  for (auto off : whole.offsets) {
    if (!a.read_at(off, src, scratch, r, err)) std::abort();
  }
  return 0;
}
