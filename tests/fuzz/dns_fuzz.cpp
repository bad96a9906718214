// libFuzzer target: the DNS message parser alone (plain and mDNS class handling), then every
// name and RDATA rendered; offsets must stay inside the message and names within their caps.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "pcapscope/app/dns.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace pcapscope;
  util::bytes in(data, size);
  static app::dns_message m;
  std::string s;
  for (bool mdns : {false, true}) {
    bool ok = app::parse_dns(in, m, mdns);
    if (ok != (size >= 12)) std::abort();
    if (m.records.size() > app::dns_max_records) std::abort();
    for (const auto& rr : m.records) {
      if (rr.name >= size) std::abort();
      if (rr.section != app::dns_section::question &&
          std::size_t{rr.rdata_offset} + rr.rdata_length > size) std::abort();
      s.clear();
      m.name_text(rr.name, s);
      if (s.size() > 4 * app::dns_max_name_wire) std::abort();  // "\xNN" is the widest escape
      s.clear();
      app::rdata_text(m, rr, s);
      app::dns_rdata d;
      app::decode_rdata(m, rr, d);
      if (!d.raw.empty() && (d.raw.data() < data || d.raw.data() + d.raw.size() > data + size)) std::abort();
    }
  }
  return 0;
}
