// libFuzzer target: the DHCP parser alone, then the logger and its record formatter; every view
// and option offset must stay inside the message, counts within their caps, and a message must
// parse the same way twice.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "pcapscope/app/dhcp.hpp"
#include "pcapscope/app/dhcp_log.hpp"

namespace {

using namespace pcapscope;

bool inside(util::bytes v, const std::uint8_t* data, std::size_t size) {
  return v.empty() || (v.data() >= data && v.data() + v.size() <= data + size);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  util::bytes in(data, size);
  static app::dhcp_message m, again;
  bool ok = app::parse_dhcp(in, m);
  if (ok != (size >= app::dhcp_header_size)) std::abort();
  if (m.option_count > app::dhcp_max_options) std::abort();
  for (std::size_t i = 0; i < m.option_count; ++i) {
    const auto& o = m.options[i];
    if (std::size_t{o.offset} + o.length > size || o.area > 2) std::abort();
  }
  for (auto v : {m.chaddr, m.sname, m.file, m.host_name, m.domain_name, m.vendor_class, m.param_list, m.client_id,
                 m.message, m.fqdn_name, m.relay_circuit_id, m.relay_remote_id, m.relay_subscriber_id, m.routers,
                 m.dns_servers}) {
    if (!inside(v, data, size)) std::abort();
  }
  if (m.chaddr.size() > 16) std::abort();
  if (m.overload > 3) std::abort();
  std::string s;
  m.fqdn_text(s);
  if (s.size() > 4 * size) std::abort();
  app::parse_dhcp(in, again);
  if (again.option_count != m.option_count || again.anomaly_count != m.anomaly_count || again.xid != m.xid ||
      again.msg_type != m.msg_type) {
    std::abort();
  }
  app::dhcp_logger log;
  log.on_datagram({0, 1, 1}, 0, in);
  log.on_datagram({0, 2, 2}, 1, in);
  log.finish();
  std::string out;
  for (const auto& e : log.entries()) {
    app::append_dhcp_record(out, e, util::log_format::ndjson, false);
    app::append_dhcp_record(out, e, util::log_format::tsv, true);
  }
  return 0;
}
