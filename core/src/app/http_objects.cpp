// Export objects → HTTP on demand: a flow re-read with follow_flow and parsed again by a fresh
// http_logger that hands over the one body asked for (see app/http.hpp, docs/http.md).
#include <string>
#include <vector>

#include "pcapscope/app/http.hpp"
#include "pcapscope/reassembly/follow.hpp"

namespace pcapscope::app {

namespace {

// Hands each followed piece to the logger with its packet number and time.
class follow_to_http : public reassembly::follow_handler {
 public:
  follow_to_http(http_logger& log, const index::packet_index& ix, std::uint32_t flow_id)
      : log_(log), ix_(ix), flow_(flow_id) {}
  void on_segment(const reassembly::follow_segment& s, util::bytes data) override {
    stream_ctx c;
    c.flow_id = flow_;
    c.frame = s.packet;
    c.ts_ns = s.packet > 0 && s.packet <= ix_.size() ? ix_.ts_ns[static_cast<std::size_t>(s.packet - 1)] : 0;
    if (s.packet > 0) last_ = c;
    if (s.gap) log_.on_gap(c, s.dir, s.length);
    else log_.on_data(c, s.dir, data);
  }
  stream_ctx last() const { return last_; }

 private:
  http_logger& log_;
  const index::packet_index& ix_;
  std::uint32_t flow_;
  stream_ctx last_;
};

}  // namespace

bool http_log_flow(const capture::reader& rd, capture::random_access_source& src, const index::packet_index& ix,
                   const flow::flow_tracker& flows, std::uint32_t flow_id, http_logger& log, std::string& error) {
  follow_to_http h(log, ix, flow_id);
  reassembly::follow_summary summary;
  if (!reassembly::follow_flow(rd, src, ix, flows, flow_id, h, summary, error)) return false;
  stream_ctx c = h.last();
  c.flow_id = flow_id;
  log.on_close(c, 0);
  log.on_close(c, 1);
  return true;
}

bool extract_http_body(const capture::reader& rd, capture::random_access_source& src, const index::packet_index& ix,
                       const flow::flow_tracker& flows, const http_object& obj, std::vector<std::uint8_t>& out,
                       bool& complete, std::string& error, const http_limits& limits, std::uint64_t max_bytes) {
  out.clear();
  complete = false;
  http_logger log(&flows, limits);
  bool cut = false;
  log.collect_body(obj.flow_id, obj.dir, obj.message, [&](util::bytes b) {
    std::uint64_t room = max_bytes > out.size() ? max_bytes - out.size() : 0;
    if (b.size() > room) {
      cut = true;
      b = b.first(static_cast<std::size_t>(room));
    }
    out.insert(out.end(), b.begin(), b.end());
  });
  if (!http_log_flow(rd, src, ix, flows, obj.flow_id, log, error)) return false;
  log.finish();
  // The re-parse is the same parse, so the body is found again with its completeness.
  for (const auto& o : log.objects()) {
    if (o.dir == obj.dir && o.message == obj.message) {
      complete = o.complete && !cut && o.size == out.size();
      break;
    }
  }
  return true;
}

}  // namespace pcapscope::app
