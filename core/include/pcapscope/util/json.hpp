// A minimal streaming JSON writer (objects, arrays, strings with escaping, numbers).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace pcapscope::util {

/// Appends JSON text to a string. Commas are inserted automatically; keys are written with
/// `key()` inside objects. Invalid UTF-8 bytes are escaped as \u00XX so output is always valid.
class json_writer {
 public:
  /// Starts an object (after a key, in an array, or at top level).
  json_writer& begin_object();
  /// Ends the innermost object.
  json_writer& end_object();
  /// Starts an array.
  json_writer& begin_array();
  /// Ends the innermost array.
  json_writer& end_array();
  /// Writes an object key.
  json_writer& key(std::string_view k);
  /// Writes a string value.
  json_writer& value(std::string_view s);
  /// Writes a string value (avoids the bool overload for literals).
  json_writer& value(const char* s) { return value(std::string_view(s)); }
  /// Writes an integer value.
  json_writer& value(std::int64_t v);
  /// Writes an unsigned integer value.
  json_writer& value(std::uint64_t v);
  /// Writes an int value.
  json_writer& value(int v) { return value(static_cast<std::int64_t>(v)); }
  /// Writes an unsigned value.
  json_writer& value(unsigned v) { return value(static_cast<std::uint64_t>(v)); }
  /// Writes a floating-point value (finite; NaN/inf become null).
  json_writer& value(double v);
  /// Writes true/false.
  json_writer& value(bool b);
  /// Writes null.
  json_writer& null();
  /// The text so far.
  const std::string& str() const noexcept { return out_; }
  /// Moves the text out.
  std::string take() { return std::move(out_); }

 private:
  void comma();
  std::string out_;
  // Per open container: nothing written yet (bytes, not vector<bool>: its bit packing cost the
  // wasm module 2 KB of code).
  std::vector<std::uint8_t> first_;
  bool after_key_ = false;
};

/// Appends `s` as a JSON string literal (with quotes) to `out`.
void append_json_string(std::string& out, std::string_view s);

/// Output formats of the Zeek-style logs (conn, endpoints, dns): one JSON object per line, or
/// tab-separated values with a header line.
enum class log_format { ndjson, tsv };

/// Seconds with six decimals (Zeek's precision) from nanoseconds: "1700000000.123456".
std::string zeek_seconds(std::int64_t ns);

}  // namespace pcapscope::util
