// One record of a Zeek-style log (conn, dns, http, ssl, ...) built cell by cell and written as
// an NDJSON line or a TSV row, so every log prints absent values, booleans and lists the same way.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "pcapscope/util/json.hpp"

namespace pcapscope::util {

/// Ordered cells of one log line. In JSON an absent cell is left out; in TSV it prints "-"
/// (Zeek's unset), an empty text or list "(empty)", a boolean T/F, a list comma-joined.
class log_record {
 public:
  log_record() { cells_.reserve(32); }
  /// A number given as text (e.g. `zeek_seconds(ns)`), written unquoted in JSON.
  log_record& num(const char* name, std::string value, bool present = true);
  /// An unsigned integer.
  log_record& num(const char* name, std::uint64_t value, bool present = true);
  /// A string.
  log_record& str(const char* name, std::string value, bool present = true);
  /// A boolean (true/false in JSON, T/F in TSV).
  log_record& flag(const char* name, bool value, bool present = true);
  /// A list of strings; absent when empty unless `present_when_empty`.
  log_record& str_list(const char* name, std::vector<std::string> values, bool present_when_empty = false);
  /// A list of numbers given as text; absent when empty unless `present_when_empty`.
  log_record& num_list(const char* name, std::vector<std::string> values, bool present_when_empty = false);
  /// Appends the record to `out` as one line; in TSV, `header` first adds the field names.
  void write(std::string& out, log_format fmt, bool header) const;

 private:
  struct cell {
    enum kind_t : std::uint8_t { number, text, boolean, text_list, number_list } kind;
    const char* name;
    std::string value;
    std::vector<std::string> list;
    bool present;
  };
  std::vector<cell> cells_;
};

}  // namespace pcapscope::util
