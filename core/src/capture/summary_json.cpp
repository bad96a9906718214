// The capture summary as JSON, shared by the CLI (`info --json`), the wasm binding and npm.
#include <cstdio>

#include "pcapscope/capture/linktype.hpp"
#include "pcapscope/capture/summary.hpp"
#include "pcapscope/util/json.hpp"

namespace pcapscope::capture {

namespace {

std::string_view order_name(byte_order o) { return o == byte_order::big ? "big" : "little"; }

std::string version_string(std::uint16_t major, std::uint16_t minor) {
  return std::to_string(major) + "." + std::to_string(minor);
}

std::string resolution_string(const interface_info& i) {
  if (i.tsresol_binary) return "2^-" + std::to_string(i.tsresol_exp);
  return "1e-" + std::to_string(i.tsresol_exp);
}

void strings(util::json_writer& j, std::string_view k, const std::vector<std::string>& v) {
  j.key(k).begin_array();
  for (const auto& s : v) j.value(s);
  j.end_array();
}

void optional_u64(util::json_writer& j, std::string_view k, const std::optional<std::uint64_t>& v) {
  if (v) j.key(k).value(*v);
}

}  // namespace

std::string summary_json(const capture_info& info, std::string_view compression) {
  util::json_writer j;
  const int digits = info.time_digits;
  j.begin_object();
  j.key("format").value(format_name(info.format));
  if (info.format == file_format::pcap) j.key("variant").value(variant_name(info.variant));
  j.key("compression").value(compression);
  j.key("byte_order").value(order_name(info.order));
  j.key("version").value(version_string(info.version_major, info.version_minor));
  if (info.format == file_format::pcap) j.key("snaplen").value(std::uint64_t{info.snaplen});
  j.key("packets").value(info.packets);
  j.key("bytes_captured").value(info.bytes_captured);
  j.key("bytes_original").value(info.bytes_original);
  j.key("max_caplen").value(std::uint64_t{info.max_caplen});
  if (info.packets_with_time > 0) {
    j.key("first_time").value(format_epoch(info.first_ns, digits));
    j.key("last_time").value(format_epoch(info.last_ns, digits));
    std::int64_t dur = info.last_ns - info.first_ns;
    j.key("duration").value(format_epoch(dur, digits));
    double secs = static_cast<double>(dur) / 1e9;
    if (secs > 0) {
      j.key("data_rate_bytes_per_s").value(static_cast<double>(info.bytes_captured) / secs);
      j.key("packet_rate_per_s").value(static_cast<double>(info.packets) / secs);
    } else {
      j.key("data_rate_bytes_per_s").null();
      j.key("packet_rate_per_s").null();
    }
  } else {
    j.key("first_time").null();
    j.key("last_time").null();
    j.key("duration").null();
    j.key("data_rate_bytes_per_s").null();
    j.key("packet_rate_per_s").null();
  }
  if (info.packets > 0) {
    j.key("average_packet_size").value(static_cast<double>(info.bytes_captured) /
                                       static_cast<double>(info.packets));
  } else {
    j.key("average_packet_size").null();
  }
  j.key("packets_without_timestamp").value(info.packets_without_timestamp);
  j.key("time_ordered").value(info.time_ordered);
  j.key("time_digits").value(static_cast<unsigned>(info.time_digits));

  j.key("interfaces").begin_array();
  for (std::size_t i = 0; i < info.interfaces.size(); ++i) {
    const auto& f = info.interfaces[i];
    j.begin_object();
    j.key("index").value(static_cast<std::uint64_t>(i));
    j.key("section").value(std::uint64_t{f.section});
    j.key("link_type").value(std::uint64_t{f.link_type});
    j.key("link_type_name").value(linktype_name(f.link_type));
    j.key("link_type_description").value(linktype_description(f.link_type));
    j.key("snaplen").value(std::uint64_t{f.snaplen});
    j.key("timestamp_resolution").value(resolution_string(f));
    if (f.tsoffset_s != 0) j.key("timestamp_offset_s").value(f.tsoffset_s);
    if (f.fcs_len_bits >= 0) j.key("fcs_len_bits").value(static_cast<std::int64_t>(f.fcs_len_bits));
    if (!f.name.empty()) j.key("name").value(f.name);
    if (!f.description.empty()) j.key("description").value(f.description);
    if (!f.filter.empty()) j.key("filter").value(f.filter);
    if (!f.os.empty()) j.key("os").value(f.os);
    if (!f.hardware.empty()) j.key("hardware").value(f.hardware);
    if (!f.comments.empty()) strings(j, "comments", f.comments);
    j.key("packets").value(f.packets);
    if (!f.stats.empty()) {
      const auto& s = f.stats.back();
      j.key("statistics").begin_object();
      j.key("time").value(format_epoch(s.ts_ns, digits));
      optional_u64(j, "if_recv", s.if_recv);
      optional_u64(j, "if_drop", s.if_drop);
      optional_u64(j, "filter_accept", s.filter_accept);
      optional_u64(j, "os_drop", s.os_drop);
      optional_u64(j, "usr_deliv", s.usr_deliv);
      j.end_object();
    }
    j.end_object();
  }
  j.end_array();

  j.key("sections").begin_array();
  for (const auto& s : info.sections) {
    j.begin_object();
    j.key("offset").value(s.offset);
    j.key("byte_order").value(order_name(s.order));
    j.key("version").value(version_string(s.version_major, s.version_minor));
    if (info.format == file_format::pcapng) j.key("declared_length").value(s.declared_length);
    if (!s.hardware.empty()) j.key("hardware").value(s.hardware);
    if (!s.os.empty()) j.key("os").value(s.os);
    if (!s.user_application.empty()) j.key("user_application").value(s.user_application);
    if (!s.comments.empty()) strings(j, "comments", s.comments);
    j.key("interfaces").value(std::uint64_t{s.interface_count});
    j.end_object();
  }
  j.end_array();

  if (info.format == file_format::pcapng) {
    const auto& b = info.blocks;
    j.key("blocks").begin_object();
    j.key("section_header").value(b.section_header);
    j.key("interface_description").value(b.interface_description);
    j.key("enhanced_packet").value(b.enhanced_packet);
    j.key("simple_packet").value(b.simple_packet);
    j.key("obsolete_packet").value(b.obsolete_packet);
    j.key("name_resolution").value(b.name_resolution);
    j.key("interface_statistics").value(b.interface_statistics);
    j.key("decryption_secrets").value(b.decryption_secrets);
    j.key("custom").value(b.custom);
    j.key("unknown").value(b.unknown);
    j.end_object();
    j.key("resolved_names").value(static_cast<std::uint64_t>(info.names.size()));
    j.key("decryption_secrets").begin_array();
    for (const auto& s : info.secrets) {
      j.begin_object();
      char buf[16];
      std::snprintf(buf, sizeof buf, "0x%08x", s.type);
      j.key("type").value(std::string_view(buf));
      j.key("offset").value(s.offset);
      j.key("bytes").value(static_cast<std::uint64_t>(s.data.size()));
      j.end_object();
    }
    j.end_array();
  }

  j.key("records_lost").value(info.records_lost);
  j.key("bytes_consumed").value(info.bytes_consumed);
  j.key("bytes_unparsed").value(info.bytes_unparsed);
  j.key("anomaly_total").value(info.anomaly_total);
  j.key("anomaly_counts").begin_object();
  for (std::size_t c = 0; c < info.anomaly_counts.size(); ++c) {
    if (info.anomaly_counts[c]) j.key(anomaly_name(static_cast<anomaly_code>(c))).value(info.anomaly_counts[c]);
  }
  j.end_object();
  j.key("anomalies").begin_array();
  for (const auto& a : info.anomalies) {
    j.begin_object();
    j.key("code").value(anomaly_name(a.code));
    j.key("severity").value(a.level == severity::error ? "error" : "warning");
    j.key("offset").value(a.offset);
    j.key("message").value(a.message);
    j.end_object();
  }
  j.end_array();
  if (info.fatal) {
    j.key("error").value(info.error);
  } else {
    j.key("error").null();
  }
  j.end_object();
  return j.take();
}

}  // namespace pcapscope::capture
