// Connection fields of log records (see app/stream.hpp).
#include "pcapscope/app/stream.hpp"

#include "pcapscope/flow/flow.hpp"

namespace pcapscope::app {

conn_id make_conn_id(const flow::flow_tracker* flows, std::uint32_t flow_id) {
  conn_id c;
  c.flow_id = flow_id;
  if (!flows || flow_id == 0 || flow_id > flows->size()) return c;
  const auto& f = flows->get(flow_id);
  c.uid = flow::uid(f);
  c.orig_h = flow::format_address(f.addr(0), f.key.ipv6());
  c.resp_h = flow::format_address(f.addr(1), f.key.ipv6());
  c.orig_p = f.port(0);
  c.resp_p = f.port(1);
  return c;
}

void add_conn_id(util::log_record& r, const conn_id& c) {
  r.str("uid", c.uid, !c.uid.empty());
  r.str("id.orig_h", c.orig_h);
  r.num("id.orig_p", c.orig_p);
  r.str("id.resp_h", c.resp_h);
  r.num("id.resp_p", c.resp_p);
}

}  // namespace pcapscope::app
