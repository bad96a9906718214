// DHCP message parser (RFC 2131 header, RFC 2132 options, RFC 3046 relay agent, RFC 4702
// client FQDN) and the dhcp.log logger (see app/dhcp.hpp and docs/dhcp.md).
#include "pcapscope/app/dhcp.hpp"

#include <algorithm>

#include "pcapscope/flow/flow.hpp"

namespace pcapscope::app {

namespace {

constexpr std::uint8_t cookie[4] = {99, 130, 83, 99};

void flag(dhcp_message& m, dhcp_anomaly a, std::size_t at) {
  if (m.anomaly_count < dhcp_max_anomalies) {
    m.anomalies[m.anomaly_count] = {a, static_cast<std::uint32_t>(at)};
  }
  if (m.anomaly_count < 0xFF) ++m.anomaly_count;
}

std::array<std::uint8_t, 4> addr4(const std::uint8_t* p) { return {p[0], p[1], p[2], p[3]}; }

// Relay Agent Information (option 82): sub-options code, length, value.
void parse_relay(dhcp_message& m, std::size_t off, std::size_t len) {
  std::size_t pos = off, end = off + len;
  while (pos + 2 <= end) {
    std::uint8_t code = m.data[pos], sl = m.data[pos + 1];
    if (pos + 2 + sl > end) {
      flag(m, dhcp_anomaly::truncated_option, pos);
      return;
    }
    auto v = m.data.subspan(pos + 2, sl);
    if (code == 1 && m.relay_circuit_id.empty()) m.relay_circuit_id = v;
    else if (code == 2 && m.relay_remote_id.empty()) m.relay_remote_id = v;
    else if (code == 6 && m.relay_subscriber_id.empty()) m.relay_subscriber_id = v;
    pos += 2u + sl;
  }
  if (pos != end) flag(m, dhcp_anomaly::truncated_option, pos);
}

// Takes one option's value; `seen` tracks single-valued options already taken.
void take_option(dhcp_message& m, std::uint8_t code, std::size_t off, std::size_t len, std::size_t at,
                 std::array<bool, 256>& seen) {
  const std::uint8_t* v = m.data.data() + off;
  auto view = m.data.subspan(off, len);
  switch (code) {  // the options read below; any other may repeat freely
    case 1: case 3: case 6: case 12: case 15: case 50: case 51: case 53: case 54: case 55: case 56:
    case 60: case 61: case 81: case 82: break;
    default: return;
  }
  if (seen[code]) {
    // RFC 3396 splits long options into several; the first part is kept.
    flag(m, dhcp_anomaly::duplicate_option, at);
    return;
  }
  seen[code] = true;
  auto want = [&](bool ok) {
    if (!ok) flag(m, dhcp_anomaly::bad_option_length, at);
    return ok;
  };
  switch (code) {
    case 1:
      if (want(len == 4)) {
        m.has_subnet_mask = true;
        m.subnet_mask = addr4(v);
      }
      break;
    case 3: if (want(len >= 4 && len % 4 == 0)) m.routers = view; break;
    case 6: if (want(len >= 4 && len % 4 == 0)) m.dns_servers = view; break;
    case 12: if (want(len >= 1)) m.host_name = view; break;
    case 15: if (want(len >= 1)) m.domain_name = view; break;
    case 50:
      if (want(len == 4)) {
        m.has_requested_addr = true;
        m.requested_addr = addr4(v);
      }
      break;
    case 51:
      if (want(len == 4)) {
        m.has_lease_time = true;
        m.lease_time = util::load_be32(v);
      }
      break;
    case 53:
      if (want(len == 1)) {
        m.msg_type = v[0];
        if (v[0] == 0 || v[0] > 18) flag(m, dhcp_anomaly::bad_message_type, at);
      }
      break;
    case 54:
      if (want(len == 4)) {
        m.has_server_id = true;
        m.server_id = addr4(v);
      }
      break;
    case 55: if (want(len >= 1)) m.param_list = view; break;
    case 56: if (want(len >= 1)) m.message = view; break;
    case 60: if (want(len >= 1)) m.vendor_class = view; break;
    case 61: if (want(len >= 2)) m.client_id = view; break;
    case 81:
      if (want(len >= 3)) {
        m.has_fqdn = true;
        m.fqdn_flags = v[0];
        m.fqdn_name = m.data.subspan(off + 3, len - 3);
      }
      break;
    case 82: parse_relay(m, off, len); break;
    default: break;
  }
}

// Parses the options in [begin, end) of area `area`; returns the overload value found (area 0).
void parse_area(dhcp_message& m, std::size_t begin, std::size_t end, std::uint8_t area,
                std::array<bool, 256>& seen) {
  std::size_t pos = begin;
  while (pos < end) {
    std::uint8_t code = m.data[pos];
    if (code == 0) {  // Pad
      ++pos;
      continue;
    }
    if (code == 255) return;  // End
    if (pos + 2 > end) {
      flag(m, dhcp_anomaly::truncated_option, pos);
      return;
    }
    std::size_t len = m.data[pos + 1];
    if (pos + 2 + len > end) {
      flag(m, dhcp_anomaly::truncated_option, pos);
      return;
    }
    if (m.option_count < dhcp_max_options) {
      m.options[m.option_count++] = {code, area, static_cast<std::uint16_t>(len), static_cast<std::uint32_t>(pos + 2)};
    } else if (m.options_unlisted++ == 0) {
      flag(m, dhcp_anomaly::too_many_options, pos);
    }
    if (code == 52) {
      if (area != 0 || len != 1 || m.data[pos + 2] < 1 || m.data[pos + 2] > 3 || m.overload != 0) {
        flag(m, dhcp_anomaly::bad_overload, pos);
      } else {
        m.overload = m.data[pos + 2];
      }
    } else {
      take_option(m, code, pos + 2, len, pos, seen);
    }
    pos += 2 + len;
  }
  // The options field must end with End; 'file' and 'sname' may simply run out.
  if (area == 0) flag(m, dhcp_anomaly::no_end_option, end);
}

void hex_byte(std::uint8_t c, std::string& out) {
  static const char* digits = "0123456789abcdef";
  out += "\\x";
  out += digits[c >> 4];
  out += digits[c & 0xF];
}

}  // namespace

std::string_view dhcp_anomaly_name(dhcp_anomaly a) noexcept {
  switch (a) {
    case dhcp_anomaly::none: return "";
    case dhcp_anomaly::truncated_header: return "dhcp.truncated_header";
    case dhcp_anomaly::bad_op: return "dhcp.bad_op";
    case dhcp_anomaly::bad_hlen: return "dhcp.bad_hlen";
    case dhcp_anomaly::no_magic_cookie: return "dhcp.no_magic_cookie";
    case dhcp_anomaly::truncated_option: return "dhcp.truncated_option";
    case dhcp_anomaly::no_end_option: return "dhcp.no_end_option";
    case dhcp_anomaly::bad_option_length: return "dhcp.bad_option_length";
    case dhcp_anomaly::bad_overload: return "dhcp.bad_overload";
    case dhcp_anomaly::duplicate_option: return "dhcp.duplicate_option";
    case dhcp_anomaly::too_many_options: return "dhcp.too_many_options";
    case dhcp_anomaly::bad_message_type: return "dhcp.bad_message_type";
    case dhcp_anomaly::count_: break;
  }
  return "";
}

std::string_view dhcp_message_type_name(std::uint8_t type) noexcept {
  static constexpr std::string_view names[] = {
      "",           "DISCOVER",        "OFFER",           "REQUEST",       "DECLINE",
      "ACK",        "NAK",             "RELEASE",         "INFORM",        "FORCERENEW",
      "LEASEQUERY", "LEASEUNASSIGNED", "LEASEUNKNOWN",    "LEASEACTIVE",   "BULKLEASEQUERY",
      "LEASEQUERYDONE", "ACTIVELEASEQUERY", "LEASEQUERYSTATUS", "TLS"};
  return type < std::size(names) ? names[type] : std::string_view{};
}

bool dhcp_message::has(dhcp_anomaly a) const noexcept {
  std::size_t n = std::min<std::size_t>(anomaly_count, dhcp_max_anomalies);
  for (std::size_t i = 0; i < n; ++i) {
    if (anomalies[i].code == a) return true;
  }
  return false;
}

void dhcp_text(util::bytes b, std::string& out) {
  std::size_t n = b.size();
  while (n > 0 && b[n - 1] == 0) --n;
  for (std::size_t i = 0; i < n; ++i) {
    std::uint8_t c = b[i];
    if (c < 0x20 || c >= 0x7f || c == '\\') hex_byte(c, out);
    else out += static_cast<char>(c);
  }
}

void dhcp_message::fqdn_text(std::string& out) const {
  if (!(fqdn_flags & 0x04)) {
    dhcp_text(fqdn_name, out);
    return;
  }
  // DNS wire format without compression (RFC 4702 section 2.3.1): labels until the root.
  std::size_t pos = 0;
  bool first = true;
  while (pos < fqdn_name.size()) {
    std::size_t len = fqdn_name[pos];
    if (len == 0 || len > 63 || pos + 1 + len > fqdn_name.size()) break;
    if (!first) out += '.';
    first = false;
    for (std::size_t i = 0; i < len; ++i) {
      std::uint8_t c = fqdn_name[pos + 1 + i];
      if (c <= 0x20 || c >= 0x7f || c == '\\' || c == '.') hex_byte(c, out);
      else out += static_cast<char>(c);
    }
    pos += 1 + len;
  }
}

bool parse_dhcp(util::bytes data, dhcp_message& out) noexcept {
  out = dhcp_message{};
  out.data = data;
  if (data.size() < dhcp_header_size) {
    flag(out, dhcp_anomaly::truncated_header, data.size());
    return false;
  }
  const std::uint8_t* p = data.data();
  out.header_ok = true;
  out.op = p[0];
  out.htype = p[1];
  out.hlen = p[2];
  out.hops = p[3];
  out.xid = util::load_be32(p + 4);
  out.secs = util::load_be16(p + 8);
  out.flags = util::load_be16(p + 10);
  out.ciaddr = addr4(p + 12);
  out.yiaddr = addr4(p + 16);
  out.siaddr = addr4(p + 20);
  out.giaddr = addr4(p + 24);
  if (out.op != 1 && out.op != 2) flag(out, dhcp_anomaly::bad_op, 0);
  if (out.hlen > 16) flag(out, dhcp_anomaly::bad_hlen, 2);
  out.chaddr = data.subspan(28, std::min<std::size_t>(out.hlen, 16));
  out.sname = data.subspan(44, 64);
  out.file = data.subspan(108, 128);
  if (data.size() < dhcp_header_size + 4 || !std::equal(cookie, cookie + 4, p + dhcp_header_size)) {
    flag(out, dhcp_anomaly::no_magic_cookie, dhcp_header_size);
    return true;
  }
  out.has_cookie = true;
  std::array<bool, 256> seen{};
  parse_area(out, dhcp_header_size + 4, data.size(), 0, seen);
  if (out.overload & 1) parse_area(out, 108, 236, 1, seen);
  if (out.overload & 2) parse_area(out, 44, 108, 2, seen);
  return true;
}

bool looks_like_dhcp(util::bytes payload) noexcept {
  return payload.size() >= dhcp_header_size + 4 && (payload[0] == 1 || payload[0] == 2) &&
         std::equal(cookie, cookie + 4, payload.data() + dhcp_header_size);
}

}  // namespace pcapscope::app
