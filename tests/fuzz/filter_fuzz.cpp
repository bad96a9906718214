// libFuzzer target: display-filter compilation on arbitrary text, and evaluation of whatever
// compiles over a few fixed packets (by bytes and from an index row), never crashing or hanging.
#include <cstdint>
#include <string_view>
#include <vector>

#include "pcapscope/dissect/fields.hpp"
#include "pcapscope/filter/filter.hpp"

namespace {

using namespace pcapscope;

// Ethernet/VLAN/IPv4/TCP SYN with options, and Ethernet/IPv6/UDP.
const std::vector<std::uint8_t> kTcp = {
    0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0x81, 0x00, 0x00, 0x14,
    0x08, 0x00, 0x45, 0x00, 0x00, 0x30, 0x12, 0x34, 0x40, 0x00, 0x40, 0x06, 0x00, 0x00, 0xc0, 0xa8,
    0x01, 0x02, 0x0a, 0x00, 0x00, 0x01, 0xc8, 0x22, 0x01, 0xbb, 0x00, 0x00, 0x03, 0xe8, 0x00, 0x00,
    0x00, 0x00, 0x70, 0x02, 0xfa, 0xf0, 0x00, 0x00, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x01, 0x03,
    0x03, 0x07};
const std::vector<std::uint8_t> kUdp6 = {
    0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0x86, 0xdd, 0x60, 0x00,
    0x00, 0x00, 0x00, 0x0c, 0x11, 0x40, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
    0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0x30, 0x39, 0x00, 0x35, 0x00, 0x0c,
    0x00, 0x00, 'a', 'b', 'c', 'd'};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view expr(reinterpret_cast<const char*>(data), size);
  filter::filter f;
  filter::error err;
  if (!filter::filter::compile(expr, f, err)) {
    (void)err.to_string();
    return 0;
  }
  std::uint64_t n = 0;
  for (const auto* pkt : {&kTcp, &kUdp6}) {
    dissect::packet p;
    dissect::dissect(*pkt, 1, p);
    dissect::frame_meta m;
    m.number = ++n;
    m.ts_ns = 1700000000000000000 + static_cast<std::int64_t>(n);
    m.caplen = m.origlen = static_cast<std::uint32_t>(pkt->size());
    m.link_type = 1;
    bool by_bytes = f.matches(p, m, *pkt);
    filter::index_row row;
    row.number = m.number;
    row.ts_ns = m.ts_ns;
    row.caplen = row.origlen = m.caplen;
    row.top = p.top();
    auto v = f.matches_index(row);
    // The index verdict, when decided, must agree with evaluation over the bytes.
    if (v != filter::verdict::unknown && (v == filter::verdict::yes) != by_bytes) __builtin_trap();
  }
  return 0;
}
