// Internals shared by the filter compiler, evaluator and field table: typed values and fields.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "pcapscope/dissect/fields.hpp"
#include "pcapscope/dissect/packet.hpp"
#include "pcapscope/util/bytes.hpp"

namespace pcapscope::filter::detail {

/// Types a value can have (Wireshark's FT_* families that our fields use).
enum class vtype : std::uint8_t {
  none,
  uint,     ///< unsigned integer (`u`)
  sint,     ///< signed integer (`i`): only negative literals
  boolean,  ///< 0/1 in `u`
  ipv4,     ///< `u` host order, bytes in `a[0..4)`, `prefix` bits
  ipv6,     ///< bytes in `a`, `prefix` bits
  ether,    ///< bytes in `a[0..6)`
  bytes,    ///< view `p`/`len`, or inline `a[0..n)` when `p` is null
  proto,    ///< a protocol: its header bytes (`p`/`len`) and the data to its end (`len_all`)
  reltime,  ///< nanoseconds in `i`
  abstime,  ///< nanoseconds since the epoch in `i`
};

/// Human name of a type, for error messages.
std::string_view type_name(vtype t) noexcept;

/// One typed value: a field occurrence, a literal or a function result. Trivial (no member
/// initializers) so value buffers on the evaluation path cost nothing to declare; extractors
/// set every member the value's type uses (`value v{}` zeroes a fresh one).
struct value {
  vtype type;
  std::uint8_t prefix;      ///< significant bits (ipv4 ≤ 32, ipv6 ≤ 128)
  std::uint8_t n;           ///< inline bytes in `a`
  const std::uint8_t* p;    ///< bytes/proto view (null: the bytes are inline in `a`)
  std::uint32_t len;        ///< bytes at `p`
  std::uint32_t len_all;    ///< proto: bytes from `p` to the end of the protocol's data
  std::uint64_t u;
  std::int64_t i;
  std::array<std::uint8_t, 16> a;
};

/// The byte representation of a byte-like value (ether, ipv4, ipv6, bytes, proto header).
inline util::bytes bytes_of(const value& v) noexcept {
  if (v.p) return {v.p, v.len};
  return {v.a.data(), v.n};
}

/// Values of the common kinds (field extractors, and the filter's answers from flow keys).
inline std::uint32_t put_uint(value* out, std::uint64_t v) {
  out->type = vtype::uint;
  out->p = nullptr;
  out->u = v;
  return 1;
}
inline std::uint32_t put_ipv4(value* out, const std::array<std::uint8_t, 4>& a) {
  out->type = vtype::ipv4;
  out->prefix = 32;
  out->n = 4;
  out->p = nullptr;
  std::copy(a.begin(), a.end(), out->a.begin());
  out->u = (std::uint32_t{a[0]} << 24) | (std::uint32_t{a[1]} << 16) | (std::uint32_t{a[2]} << 8) | a[3];
  return 1;
}
inline std::uint32_t put_ipv6(value* out, const std::array<std::uint8_t, 16>& a) {
  out->type = vtype::ipv6;
  out->prefix = 128;
  out->n = 16;
  out->p = nullptr;
  out->a = a;
  return 1;
}

/// Most values one operand can have in one packet (two per layer for either-side fields).
inline constexpr std::size_t max_values = 2 * dissect::max_layers;

/// What evaluation sees of one packet.
struct context {
  const dissect::packet* pkt = nullptr;  ///< null when evaluating from an index row
  const dissect::frame_meta* meta = nullptr;
  util::bytes data;
  std::int64_t origin = 0;               ///< frame.time_relative origin
};

using layer_fn = std::uint32_t (*)(const dissect::layer&, const context&, std::size_t layer_index, value* out);
using frame_fn = std::uint32_t (*)(const context&, value* out);

/// One filterable name.
struct field_def {
  std::string_view name;
  vtype type = vtype::none;
  std::uint8_t size = 0;       ///< integer size in bytes (range check of literals)
  std::uint8_t hex_digits = 0; ///< tshark prints it as 0x%0*x (consistency test)
  std::array<dissect::proto, 2> kinds{dissect::proto::none, dissect::proto::none};  ///< layer kinds
  layer_fn from_layer = nullptr;  ///< per-layer extractor (layer fields and protocols)
  frame_fn from_frame = nullptr;  ///< frame-level extractor
  bool from_index = false;        ///< frame-level and known from an index row
  bool is_proto = false;          ///< a protocol name (presence, slices, contains)
};

/// Every field and protocol the filter knows, sorted by name.
const std::vector<field_def>& field_table();
/// Looks a name up; null when unknown.
const field_def* find_field(std::string_view name) noexcept;

/// Loads every value of field `f` in the packet (only layer number `layer` of its kind when
/// > 0; from the end when < 0). Returns how many were written to `out` (≤ max_values).
std::uint32_t load_field(const field_def& f, int layer, const context& c, value* out) noexcept;

/// Formats a field value as `tshark -T fields` would (consistency tests).
std::string format_value(const field_def& f, const value& v);

}  // namespace pcapscope::filter::detail
