// What application-layer parsers receive with reassembled stream bytes (and UDP payloads), and
// the connection fields every Zeek-style log record starts with. The analysis pass
// (analyze/analyzer.hpp) owns the TCP reassembler and routes each flow's bytes to the parser
// its content calls for (service detection); parsers never see packets.
#pragma once

#include <cstdint>
#include <string>

#include "pcapscope/util/log_record.hpp"

namespace pcapscope::flow {
class flow_tracker;
}

namespace pcapscope::app {

/// Where a stream event happens: the flow, and the packet being processed when the bytes were
/// delivered. For reassembled data that is the packet that completed the delivery, which is the
/// frame tshark reports a reassembled PDU in.
struct stream_ctx {
  std::uint32_t flow_id = 0;  ///< 1-based flow id (`flow::flow_tracker`); 0: not tracked
  std::uint64_t frame = 0;    ///< 1-based number of the packet being processed
  std::int64_t ts_ns = 0;     ///< that packet's time (ns since the epoch)
};

/// The connection fields of a log record: Zeek's uid and id.orig_h/p, id.resp_h/p.
struct conn_id {
  std::uint32_t flow_id = 0;       ///< flow id (0: none)
  std::string uid;                 ///< uid (empty without a flow)
  std::string orig_h, resp_h;      ///< originator / responder address as text
  std::uint16_t orig_p = 0, resp_p = 0;  ///< originator / responder port
};

/// The conn_id of flow `flow_id` (fields empty when `flows` is null or the id is 0).
conn_id make_conn_id(const flow::flow_tracker* flows, std::uint32_t flow_id);

/// Adds uid, id.orig_h, id.orig_p, id.resp_h, id.resp_p to a log record (uid left out when empty).
void add_conn_id(util::log_record& r, const conn_id& c);

}  // namespace pcapscope::app
