// Names of formats, variants and anomalies; record comments; epoch formatting.
#include "pcapscope/capture/types.hpp"

#include <cstdio>

#include "options.hpp"

namespace pcapscope::capture {

std::string_view format_name(file_format f) noexcept {
  switch (f) {
    case file_format::pcap: return "pcap";
    case file_format::pcapng: return "pcapng";
    case file_format::unknown: break;
  }
  return "unknown";
}

std::string_view variant_name(pcap_variant v) noexcept {
  switch (v) {
    case pcap_variant::microsecond: return "microsecond";
    case pcap_variant::nanosecond: return "nanosecond";
    case pcap_variant::kuznetsov: return "kuznetsov";
    case pcap_variant::none: break;
  }
  return "none";
}

std::string_view anomaly_name(anomaly_code c) noexcept {
  switch (c) {
    case anomaly_code::empty_file: return "capture.empty_file";
    case anomaly_code::not_a_capture: return "capture.not_a_capture";
    case anomaly_code::truncated_file_header: return "capture.truncated_file_header";
    case anomaly_code::truncated_record: return "capture.truncated_record";
    case anomaly_code::pcap_unusual_version: return "pcap.unusual_version";
    case anomaly_code::pcap_caplen_exceeds_snaplen: return "pcap.caplen_exceeds_snaplen";
    case anomaly_code::pcap_caplen_exceeds_origlen: return "capture.caplen_exceeds_origlen";
    case anomaly_code::caplen_exceeds_max: return "capture.caplen_exceeds_max";
    case anomaly_code::record_too_large: return "capture.record_too_large";
    case anomaly_code::pcap_fcs_bits: return "pcap.fcs_bits";
    case anomaly_code::pcap_reserved_bits: return "pcap.reserved_bits";
    case anomaly_code::pcapng_first_block_not_shb: return "pcapng.first_block_not_shb";
    case anomaly_code::pcapng_bad_byte_order_magic: return "pcapng.bad_byte_order_magic";
    case anomaly_code::pcapng_unsupported_version: return "pcapng.unsupported_version";
    case anomaly_code::pcapng_block_too_short: return "pcapng.block_too_short";
    case anomaly_code::pcapng_length_not_multiple_of_4: return "pcapng.length_not_multiple_of_4";
    case anomaly_code::pcapng_trailer_mismatch: return "pcapng.trailer_mismatch";
    case anomaly_code::pcapng_bad_options: return "pcapng.bad_options";
    case anomaly_code::pcapng_unknown_interface: return "pcapng.unknown_interface";
    case anomaly_code::pcapng_packet_exceeds_block: return "pcapng.packet_exceeds_block";
    case anomaly_code::pcapng_unknown_block: return "pcapng.unknown_block";
    case anomaly_code::pcapng_custom_block: return "pcapng.custom_block";
    case anomaly_code::pcapng_bad_tsresol: return "pcapng.bad_tsresol";
    case anomaly_code::pcapng_section_length_mismatch: return "pcapng.section_length_mismatch";
    case anomaly_code::pcapng_bad_name_record: return "pcapng.bad_name_record";
    case anomaly_code::packet_before_header: return "capture.packet_before_header";
    case anomaly_code::timestamp_out_of_range: return "capture.timestamp_out_of_range";
    case anomaly_code::out_of_order_timestamp: return "capture.out_of_order_timestamp";
    case anomaly_code::pcap_fraction_overflow: return "pcap.fraction_overflow";
  }
  return "capture.unknown";
}

severity anomaly_severity(anomaly_code c) noexcept {
  switch (c) {
    case anomaly_code::empty_file:
    case anomaly_code::not_a_capture:
    case anomaly_code::truncated_file_header:
    case anomaly_code::truncated_record:
    case anomaly_code::record_too_large:
    case anomaly_code::pcapng_first_block_not_shb:
    case anomaly_code::pcapng_bad_byte_order_magic:
    case anomaly_code::pcapng_unsupported_version:
    case anomaly_code::pcapng_block_too_short:
    case anomaly_code::pcapng_unknown_interface:
    case anomaly_code::pcapng_packet_exceeds_block:
    case anomaly_code::packet_before_header:
      return severity::error;
    default:
      return severity::warning;
  }
}

std::vector<std::string> record_comments(const record& r) {
  std::vector<std::string> out;
  for_each_option(r.options, r.options_swapped, [&](std::uint16_t code, util::bytes value) {
    if (code == opt_comment) out.emplace_back(util::as_chars(value));
  });
  return out;
}

std::string format_epoch(std::int64_t ns, int digits) {
  if (digits < 0) digits = 0;
  if (digits > 9) digits = 9;
  bool neg = ns < 0;
  // Work in unsigned to format INT64_MIN safely.
  std::uint64_t mag = neg ? std::uint64_t(0) - static_cast<std::uint64_t>(ns) : static_cast<std::uint64_t>(ns);
  std::uint64_t sec = mag / 1000000000u;
  std::uint64_t frac = mag % 1000000000u;
  char buf[48];
  int n = std::snprintf(buf, sizeof buf, "%s%llu", neg ? "-" : "", static_cast<unsigned long long>(sec));
  std::string s(buf, static_cast<std::size_t>(n));
  if (digits > 0) {
    std::snprintf(buf, sizeof buf, "%09llu", static_cast<unsigned long long>(frac));
    s += '.';
    s.append(buf, static_cast<std::size_t>(digits));
  }
  return s;
}

}  // namespace pcapscope::capture
