// Zeek conn.log-style records of the flow table and per-address endpoint records, as NDJSON or
// TSV: the text `pcapscope flows` / `pcapscope endpoints` print and the wasm session returns.
#pragma once

#include <cstdint>
#include <string>

#include "pcapscope/capture/reader.hpp"
#include "pcapscope/flow/flow.hpp"
#include "pcapscope/util/json.hpp"

namespace pcapscope::index {
class index_builder;
}

namespace pcapscope::flow {

/// Appends flow `id` (1-based) of `t` as one conn.log record line (Zeek field names, TCP
/// metrics, `flow_id`); in TSV, `header` first adds the line of field names. Absent values are
/// left out of JSON and printed as "-" in TSV, as Zeek does.
void append_conn_record(std::string& out, const flow_tracker& t, std::uint32_t id, util::log_format fmt,
                        bool header);

/// Every flow of `t` as NDJSON, in flow-id order (the text `pcapscope flows FILE` prints).
std::string conn_log_json(const flow_tracker& t);

/// Appends one endpoint (IP or MAC) as a record line; in TSV, `header` first adds the field names.
void append_endpoint_record(std::string& out, const endpoint_stats& e, util::log_format fmt, bool header);

/// Every endpoint of `t` as NDJSON: IP endpoints, then MAC endpoints, each in first-seen order
/// (the text `pcapscope endpoints FILE` prints).
std::string endpoints_json(const endpoint_table& t);

/// A capture handler to chain behind an `index::index_builder` (as its `next`): feeds every
/// record with the builder's last packet and flow result to an `endpoint_table`.
class endpoint_index_handler : public capture::handler {
 public:
  /// `next` (may be null) receives every callback afterwards.
  explicit endpoint_index_handler(endpoint_table& table, capture::handler* next = nullptr)
      : table_(table), next_(next) {}
  /// The builder whose results are read (set before reading; the builder calls this handler).
  void set_source(const index::index_builder* b) noexcept { source_ = b; }
  /// Accounts the record, then passes it on.
  void on_record(const capture::record& r) override;
  /// Passed on.
  void on_interface(std::uint32_t i, const capture::interface_info& f) override {
    if (next_) next_->on_interface(i, f);
  }
  /// Passed on.
  void on_anomaly(const capture::anomaly& a) override {
    if (next_) next_->on_anomaly(a);
  }

 private:
  endpoint_table& table_;
  capture::handler* next_;
  const index::index_builder* source_ = nullptr;
};

}  // namespace pcapscope::flow
