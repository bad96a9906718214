// Recognizes captures (and common non-captures) by their first bytes.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>

#include "pcapscope/capture/reader.hpp"

namespace pcapscope::capture {

namespace {

struct known_magic {
  const char* bytes;
  std::size_t len;
  const char* what;
};

// Formats people drop by mistake; the message names the likely one.
constexpr known_magic kOthers[] = {
    {"PK\x03\x04", 4, "a ZIP archive?"},
    {"BZh", 3, "a bzip2 file? decompress it first"},
    {"\xfd\x37\x7a\x58\x5a\x00", 6, "an xz file? decompress it first"},
    {"\x28\xb5\x2f\xfd", 4, "a zstd file? decompress it first"},
    {"\x04\x22\x4d\x18", 4, "an LZ4 file? decompress it first"},
    {"7z\xbc\xaf\x27\x1c", 6, "a 7-Zip archive?"},
    {"Rar!", 4, "a RAR archive?"},
    {"%PDF", 4, "a PDF document?"},
    {"\x89PNG", 4, "a PNG image?"},
    {"\x7f" "ELF", 4, "an ELF executable?"},
    {"snoop\0\0\0", 8, "a Solaris snoop capture, which pcapscope does not read; convert it with editcap"},
    {"GMBU", 4, "a Microsoft Network Monitor 2 capture, which pcapscope does not read; convert it with editcap"},
    {"RTSS", 4, "a Microsoft Network Monitor 1 capture, which pcapscope does not read; convert it with editcap"},
    {"XCP\0", 4, "a NetXray/Sniffer capture, which pcapscope does not read; convert it with editcap"},
    {"TRSNIFF data", 12, "a Sniffer capture, which pcapscope does not read; convert it with editcap"},
};

bool starts_with(util::bytes head, const known_magic& m) {
  return m.bytes && head.size() >= m.len && std::memcmp(head.data(), m.bytes, m.len) == 0;
}

}  // namespace

detected detect(util::bytes head) noexcept {
  if (head.size() >= 2 && head[0] == 0x1f && head[1] == 0x8b) return detected::gzip;
  if (head.size() < 4) return detected::need_more;
  std::uint32_t le = util::load_u32(head.data(), !util::host_is_little_endian());
  switch (le) {
    case 0xa1b2c3d4: case 0xd4c3b2a1:
    case 0xa1b23c4d: case 0x4d3cb2a1:
    case 0xa1b2cd34: case 0x34cdb2a1:
      return detected::pcap;
    case 0x0a0d0d0a:
      return detected::pcapng;
    default:
      return detected::other;
  }
}

std::string describe_unknown(util::bytes head) {
  std::string s = "not a pcap/pcapng file: ";
  if (head.empty()) return s + "it is empty";
  s += "starts with";
  char buf[8];
  for (std::size_t i = 0; i < std::min<std::size_t>(head.size(), 4); ++i) {
    std::snprintf(buf, sizeof buf, " %02x", head[i]);
    s += buf;
  }
  for (const auto& m : kOthers) {
    if (starts_with(head, m)) return s + " (" + m.what + ")";
  }
  // Text-looking input (HTML, JSON, a hex dump, a log) is a common mistake too.
  std::size_t n = std::min<std::size_t>(head.size(), 64);
  bool text = n > 0 && std::all_of(head.begin(), head.begin() + static_cast<std::ptrdiff_t>(n),
                                   [](std::uint8_t b) { return b == '\t' || b == '\n' || b == '\r' || (b >= 0x20 && b < 0x7f); });
  if (text) {
    if (head[0] == '<') return s + " (an HTML/XML document?)";
    if (head[0] == '{' || head[0] == '[') return s + " (a JSON document?)";
    return s + " (a text file?)";
  }
  return s;
}

std::size_t memory_source::read(std::uint64_t offset, std::span<std::uint8_t> out) {
  if (offset >= data_.size()) return 0;
  std::size_t n = std::min<std::size_t>(out.size(), data_.size() - static_cast<std::size_t>(offset));
  std::copy_n(data_.begin() + static_cast<std::ptrdiff_t>(offset), n, out.begin());
  return n;
}

}  // namespace pcapscope::capture
