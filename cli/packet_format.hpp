// One packet as a `pcapscope packets` / `pcapscope filter` record (TSV line or NDJSON object),
// with Wireshark's TCP context (relative Seq/Ack, scaled windows) from a flow table.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "pcapscope/analyze/app_fields.hpp"
#include "pcapscope/capture/types.hpp"
#include "pcapscope/dissect/fields.hpp"
#include "pcapscope/flow/flow.hpp"
#include "pcapscope/index/index.hpp"

namespace pcapscope::cli {

/// Parses a comma-separated field list (empty: the default fields): dissector fields and the
/// application fields of analyze::app_fields. On an unknown name, returns false with `bad` set.
bool parse_field_list(const std::string& list, std::vector<std::string>& fields, std::string& bad);

/// True when one of `fields` needs an analysis pass first (HTTP, TLS fields).
bool fields_need_analysis(const std::vector<std::string>& fields);

/// Runs the analysis over `path` and keeps the application fields per frame; false (with a
/// message on stderr) when the file cannot be read that way (e.g. standard input).
bool collect_app_fields(const std::string& path, analyze::app_fields& out);

/// Formats packets with the chosen fields; keeps the flow table the TCP context comes from.
class packet_formatter {
 public:
  /// `fields`: Wireshark field names; `tsv`: tab-separated values, else NDJSON.
  packet_formatter(std::vector<std::string> fields, bool tsv, const analyze::app_fields* app = nullptr);

  /// The TSV header line (empty for NDJSON).
  std::string header() const;
  /// Frame facts of packet `number` (1-based), with TCP context. Call it for every packet,
  /// printed or not, so the flow table sees the whole capture in order.
  dissect::frame_meta observe(const capture::record& r, const dissect::packet& p, std::uint64_t number);
  /// Appends the record of one packet to `out`.
  void append(const dissect::packet& p, const dissect::frame_meta& m, util::bytes data, std::string& out);

 private:
  std::vector<std::string> fields_;
  bool tsv_;
  const analyze::app_fields* app_;
  analyze::app_fields no_app_;  // DNS fields still come from the packet bytes
  flow::flow_tracker flows_;
  index::fragment_merger merger_;  // IP fragments reassembled before tracking, as the index pass
  std::vector<std::string> vals_;
  void values(const dissect::packet& p, const dissect::frame_meta& m, util::bytes data, const std::string& f);
};

}  // namespace pcapscope::cli
