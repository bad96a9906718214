// `pcapscope info` text (see info_text.hpp): moved from cli/main.cpp so that the wasm module
// prints the same bytes as the native CLI.
#include "pcapscope/capture/info_text.hpp"

#include <cinttypes>
#include <cstdio>
#include <ctime>

#include "pcapscope/capture/linktype.hpp"

namespace pcapscope::capture {

namespace {

std::string utc_time(std::int64_t ns, int digits) {
  std::int64_t sec = ns / 1000000000;
  std::int64_t frac = ns % 1000000000;
  if (frac < 0) {
    frac += 1000000000;
    --sec;
  }
  std::time_t t = static_cast<std::time_t>(sec);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  std::string s = buf;
  if (digits > 0) {
    char f[16];
    std::snprintf(f, sizeof f, "%09" PRId64, frac);
    s += '.';
    s.append(f, static_cast<std::size_t>(digits));
  }
  return s + " UTC";
}

std::string with_units(double v, const char* unit) {
  const char* prefixes[] = {"", "k", "M", "G", "T"};
  int i = 0;
  while (v >= 1000 && i < 4) {
    v /= 1000;
    ++i;
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3f %s%s", v, prefixes[i], unit);
  return buf;
}

}  // namespace

std::string info_text(const capture_info& info, std::string_view file_name, bool gzip, std::uint64_t file_size) {
  std::string out;
  char buf[512];
  auto line = [&](const char* k, const std::string& v) {
    std::snprintf(buf, sizeof buf, "%-24s", k);
    out += buf;
    out += v.c_str();  // as printf("%s") printed it: up to a NUL byte
    out += '\n';
  };
  line("File name:", std::string(file_name));
  std::string type = std::string(format_name(info.format));
  if (info.format != file_format::unknown) {
    type += " (";
    if (info.format == file_format::pcap) {
      type += std::string(variant_name(info.variant)) + " timestamps, ";
    }
    type += info.order == byte_order::big ? "big-endian" : "little-endian";
    if (!info.sections.empty()) {
      type += ", version " + std::to_string(info.version_major) + "." + std::to_string(info.version_minor);
    }
    type += ")";
  }
  line("File type:", type);
  line("Compression:", gzip ? "gzip" : "none");
  line("File size:", std::to_string(file_size) + " bytes");
  if (info.format == file_format::pcap) line("Snapshot length:", std::to_string(info.snaplen));
  line("Number of packets:", std::to_string(info.packets));
  line("Data size:", std::to_string(info.bytes_captured) + " bytes captured, " +
                         std::to_string(info.bytes_original) + " bytes on the wire");
  if (info.packets_with_time > 0) {
    int d = info.time_digits;
    double dur = static_cast<double>(info.last_ns - info.first_ns) / 1e9;
    line("First packet time:", utc_time(info.first_ns, d) + " (" + format_epoch(info.first_ns, d) + ")");
    line("Last packet time:", utc_time(info.last_ns, d) + " (" + format_epoch(info.last_ns, d) + ")");
    line("Capture duration:", format_epoch(info.last_ns - info.first_ns, d) + " seconds");
    if (dur > 0) {
      line("Data byte rate:", with_units(static_cast<double>(info.bytes_captured) / dur, "B/s"));
      line("Data bit rate:", with_units(static_cast<double>(info.bytes_captured) * 8 / dur, "bit/s"));
      line("Average packet rate:", with_units(static_cast<double>(info.packets) / dur, "packets/s"));
    }
  }
  if (info.packets > 0) {
    std::snprintf(buf, sizeof buf, "%.2f bytes", static_cast<double>(info.bytes_captured) / static_cast<double>(info.packets));
    line("Average packet size:", buf);
  }
  if (info.packets_without_timestamp) line("Packets without time:", std::to_string(info.packets_without_timestamp));
  line("Strict time order:", info.time_ordered ? "True" : "False");
  line("Number of interfaces:", std::to_string(info.interfaces.size()));
  for (std::size_t i = 0; i < info.interfaces.size(); ++i) {
    const auto& ifc = info.interfaces[i];
    std::string desc = std::to_string(ifc.link_type);
    auto name = linktype_name(ifc.link_type);
    auto ldesc = linktype_description(ifc.link_type);
    if (!name.empty()) desc = std::string(ldesc) + " (" + desc + ", " + std::string(name) + ")";
    else desc = "unknown link type " + desc;
    out += "Interface #" + std::to_string(i) + ":\n";
    line("  Encapsulation:", desc);
    if (!ifc.name.empty()) line("  Name:", ifc.name);
    if (!ifc.description.empty()) line("  Description:", ifc.description);
    line("  Snapshot length:", std::to_string(ifc.snaplen));
    line("  Time resolution:", (ifc.tsresol_binary ? "2^-" : "10^-") + std::to_string(ifc.tsresol_exp) + " s");
    if (ifc.fcs_len_bits >= 0) line("  FCS length:", std::to_string(ifc.fcs_len_bits) + " bits");
    if (!ifc.filter.empty()) line("  Capture filter:", ifc.filter);
    if (!ifc.os.empty()) line("  Operating system:", ifc.os);
    line("  Packets:", std::to_string(ifc.packets));
    for (const auto& c : ifc.comments) line("  Comment:", c);
    if (!ifc.stats.empty()) {
      const auto& s = ifc.stats.back();
      if (s.if_recv) line("  Received (ISB):", std::to_string(*s.if_recv));
      if (s.if_drop) line("  Dropped (ISB):", std::to_string(*s.if_drop));
    }
  }
  for (const auto& s : info.sections) {
    if (!s.hardware.empty()) line("Capture hardware:", s.hardware);
    if (!s.os.empty()) line("Capture oper-sys:", s.os);
    if (!s.user_application.empty()) line("Capture application:", s.user_application);
    for (const auto& c : s.comments) line("Capture comment:", c);
  }
  if (info.format == file_format::pcapng && info.sections.size() > 1) {
    line("Sections:", std::to_string(info.sections.size()));
  }
  if (!info.names.empty()) line("Resolved names:", std::to_string(info.names.size()));
  if (!info.secrets.empty()) line("Decryption secrets:", std::to_string(info.secrets.size()));
  if (info.records_lost) line("Records lost:", std::to_string(info.records_lost));
  line("Anomalies:", std::to_string(info.anomaly_total));
  for (const auto& a : info.anomalies) {
    out += "  [";
    out += a.level == severity::error ? "error" : "warning";
    out += "] ";
    out += std::string(anomaly_name(a.code)).c_str();
    out += " @" + std::to_string(a.offset) + ": ";
    out += a.message.c_str();
    out += '\n';
  }
  if (info.anomaly_total > info.anomalies.size()) {
    out += "  … and " + std::to_string(info.anomaly_total - info.anomalies.size()) + " more\n";
  }
  return out;
}

}  // namespace pcapscope::capture
