// DNS message parser (names with bounded decompression, typed RDATA, EDNS), locating DNS in
// packets (UDP 53/5353/5355, TCP 53 within one segment) and the dns.log builder.
#include "pcapscope/app/dns.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "pcapscope/dissect/fields.hpp"
#include "pcapscope/index/index.hpp"
#include "pcapscope/util/size_opt.hpp"

namespace pcapscope::app {

namespace {

using util::bytes;
using util::load_be16;
using util::load_be32;

// The result of walking one name.
struct name_walk {
  std::uint32_t end = dns_no_name;  // offset just after the name where it started (dns_no_name:
                                    // unknown, the walk failed before leaving the first segment)
  dns_anomaly_at problem;           // none when the name is valid
  std::uint32_t jumps = 0;          // compression pointers followed (when valid)
};

// Walks the name at `off`, calling `on_label(label)` for each label in order. Compression
// pointers must point before the start of the segment being read (so every jump goes strictly
// backwards and a walk ends after at most size/2 jumps); their number and the name's wire
// length are capped.
template <class F>
name_walk walk_name(bytes d, std::uint32_t off, F&& on_label) noexcept {
  name_walk w;
  std::size_t pos = off, seg_start = off, wire = 0, jumps = 0;
  auto fail = [&](dns_anomaly a, std::size_t at) {
    w.problem = {a, static_cast<std::uint32_t>(at)};
    return w;
  };
  if (pos < d.size()) {
    // The labels before the first pointer (all of most names), with the checks below in one:
    // a plain label whose next byte is inside the message and within 254 wire bytes of the
    // start (so the name can still end within 255). Anything else is left to the loop below.
    const std::size_t last = std::min(d.size() - 1, std::size_t{off} + dns_max_name_wire - 1);
    for (std::size_t b = d[pos]; b - 1 < 63 && pos + 1 + b <= last; b = d[pos]) {
      on_label(d.subspan(pos + 1, b));
      pos += 1 + b;
    }
    wire = pos - off;
  }
  for (;;) {
    if (pos >= d.size()) return fail(dns_anomaly::truncated_name, pos);
    std::uint8_t b = d[pos];
    if (b == 0) {
      if (w.end == dns_no_name) w.end = static_cast<std::uint32_t>(pos + 1);
      w.jumps = static_cast<std::uint32_t>(jumps);
      return w;
    }
    switch (b & 0xC0) {
      case 0xC0: {
        if (pos + 1 >= d.size()) return fail(dns_anomaly::truncated_name, pos);
        std::size_t ptr = (std::size_t{b & 0x3Fu} << 8) | d[pos + 1];
        if (w.end == dns_no_name) w.end = static_cast<std::uint32_t>(pos + 2);
        if (ptr > pos) return fail(dns_anomaly::name_pointer_forward, pos);
        if (ptr >= seg_start) return fail(dns_anomaly::name_loop, pos);
        if (++jumps > dns_max_pointer_jumps) return fail(dns_anomaly::name_too_many_pointers, pos);
        pos = seg_start = ptr;
        break;
      }
      case 0x40:
      case 0x80:
        return fail(dns_anomaly::bad_label_type, pos);
      default: {
        std::size_t len = b;
        if (pos + 1 + len > d.size()) return fail(dns_anomaly::truncated_name, pos);
        wire += 1 + len;
        if (wire + 1 > dns_max_name_wire) return fail(dns_anomaly::name_too_long, pos);
        on_label(d.subspan(pos + 1, len));
        pos += 1 + len;
      }
    }
  }
}

// Checks a name inside RDATA that must start at `off` and end at or before `limit`; returns the
// offset after it in `end`.
dns_anomaly_at rdata_name(bytes d, std::uint32_t off, std::uint32_t limit, std::uint32_t& end) noexcept {
  if (off >= limit) return {dns_anomaly::bad_rdata, off};
  auto w = walk_name(d, off, [](bytes) {});
  if (w.problem.code != dns_anomaly::none) return w.problem;
  if (w.end > limit) return {dns_anomaly::bad_rdata, off};
  end = w.end;
  return {};
}

// Where the name at `off` ends (the offset after its root byte) when it is written without
// pointers and walk_name would find it valid; 0 otherwise (walk it to know more). Each label
// must be plain, with what follows it inside the message and within 254 wire bytes of the
// start (so the name still ends within 255 with its root byte).
std::size_t plain_name_end(bytes d, std::size_t off) noexcept {
  if (off >= d.size()) return 0;
  const std::size_t last = std::min(d.size() - 1, off + dns_max_name_wire - 1);
  std::size_t pos = off;
  for (;;) {
    const std::size_t b = d[pos];
    if (b == 0) return pos + 1;
    if (b > 63) return 0;
    pos += 1 + b;
    if (pos > last) return 0;
  }
}

// The labels of the name at `off` in wire form without compression: each label's length byte
// and bytes, without the root byte; for a name that fails to parse, the labels before the
// problem (the ones name_text shows). A valid name without pointers (most questions) is
// returned as a view of `d` itself; any other is copied into `buf` by walk_name.
bytes name_labels(bytes d, std::uint32_t off, std::array<std::uint8_t, dns_max_name_wire>& buf) noexcept {
  if (const std::size_t end = plain_name_end(d, off)) return d.subspan(off, end - 1 - off);
  std::size_t n = 0;  // at most 254: walk_name hands over labels of 254 wire bytes at most
  walk_name(d, off, [&](bytes label) {
    buf[n++] = static_cast<std::uint8_t>(label.size());
    std::memcpy(buf.data() + n, label.data(), label.size());
    n += label.size();
  });
  return {buf.data(), n};
}

// Appends the text of a name given by its labels (as name_labels returns them): labels joined
// by '.', "" for the root, bytes outside printable ASCII and '.' or '\\' inside a label escaped.
// Text of names and records: made when a row is read, not per message (for size in the wasm
// build: util/size_opt.hpp; the same below).
PCAPSCOPE_SIZE_BEGIN

void append_labels_text(bytes labels, std::string& out) {
  // Written into a buffer first, appended once. A name's labels are within 254 wire bytes and
  // a byte becomes at most 4 characters (a length byte 1, its '.'), so it cannot overflow.
  static const char* hexd = "0123456789abcdef";
  // Bytes printed as they are: one table lookup for the usual label byte.
  static constexpr auto plain = [] {
    std::array<bool, 256> t{};
    for (int c = 0x21; c < 0x7F; ++c) t[static_cast<std::size_t>(c)] = c != '.' && c != '\\';
    return t;
  }();
  if (labels.size() > dns_max_name_wire) labels = labels.first(dns_max_name_wire);
  char buf[4 * dns_max_name_wire];
  char* p = buf;
  std::size_t i = 0;
  while (i < labels.size()) {
    const std::size_t end = std::min(labels.size(), i + 1 + labels[i]);
    if (p != buf) *p++ = '.';
    for (++i; i < end; ++i) {
      const std::uint8_t c = labels[i];
      if (plain[c]) {
        *p++ = static_cast<char>(c);
      } else if (c == '.' || c == '\\') {
        *p++ = '\\';
        *p++ = static_cast<char>(c);
      } else {
        *p++ = '\\';
        *p++ = 'x';
        *p++ = hexd[c >> 4];
        *p++ = hexd[c & 15];
      }
    }
  }
  out.append(buf, static_cast<std::size_t>(p - buf));
}

// Validates the SvcParams of an SVCB/HTTPS record.
PCAPSCOPE_SIZE_END

bool svc_params_ok(bytes p) noexcept {
  std::size_t pos = 0;
  while (pos < p.size()) {
    if (p.size() - pos < 4) return false;
    std::uint16_t key = load_be16(&p[pos]);
    std::size_t len = load_be16(&p[pos + 2]);
    pos += 4;
    if (p.size() - pos < len) return false;
    bytes v = p.subspan(pos, len);
    switch (key) {
      case svc_alpn: {
        if (v.empty()) return false;
        std::size_t i = 0;
        while (i < v.size()) {
          if (v[i] == 0 || i + 1 + v[i] > v.size()) return false;
          i += 1 + v[i];
        }
        break;
      }
      case svc_port:
        if (len != 2) return false;
        break;
      case svc_ipv4hint:
        if (len == 0 || len % 4) return false;
        break;
      case svc_ipv6hint:
        if (len == 0 || len % 16) return false;
        break;
      case svc_no_default_alpn:
        if (len != 0) return false;
        break;
      default:
        break;
    }
    pos += len;
  }
  return true;
}

// Do the options of an OPT record's RDATA (code, length, value)* fill it exactly?
bool opt_options_ok(bytes rd) noexcept {
  std::size_t i = 0;
  while (i < rd.size()) {
    if (rd.size() - i < 4) return false;
    std::size_t len = load_be16(&rd[i + 2]);
    if (rd.size() - i - 4 < len) return false;
    i += 4 + len;
  }
  return true;
}

// Decodes RDATA; returns the first problem (none when fine).
dns_anomaly_at decode(const dns_message& m, const dns_rr& rr, dns_rdata& out) noexcept {
  out = dns_rdata{};
  out.type = rr.type;
  bytes d = m.data;
  if (std::size_t{rr.rdata_offset} + rr.rdata_length > d.size()) return {dns_anomaly::truncated_record, rr.rdata_offset};
  const std::uint32_t off = rr.rdata_offset;
  const std::uint32_t limit = off + rr.rdata_length;
  bytes rd = d.subspan(off, rr.rdata_length);
  out.raw = rd;
  const dns_anomaly_at bad{dns_anomaly::bad_rdata, off};
  std::uint32_t end = 0;
  switch (rr.type) {
    case dns_a:
    case dns_aaaa: {
      std::size_t want = rr.type == dns_a ? 4 : 16;
      if (rd.size() != want) return bad;
      std::copy(rd.begin(), rd.end(), out.addr.begin());
      out.addr_len = static_cast<std::uint8_t>(want);
      return {};
    }
    case dns_ns:
    case dns_cname:
    case dns_ptr:
    case dns_dname: {
      auto p = rdata_name(d, off, limit, end);
      if (p.code != dns_anomaly::none) return p;
      out.target = off;
      return end == limit ? dns_anomaly_at{} : bad;
    }
    case dns_mx: {
      if (rd.size() < 3) return bad;
      out.priority = load_be16(&rd[0]);
      auto p = rdata_name(d, off + 2, limit, end);
      if (p.code != dns_anomaly::none) return p;
      out.target = off + 2;
      return end == limit ? dns_anomaly_at{} : bad;
    }
    case dns_srv: {
      if (rd.size() < 7) return bad;
      out.priority = load_be16(&rd[0]);
      out.weight = load_be16(&rd[2]);
      out.port = load_be16(&rd[4]);
      auto p = rdata_name(d, off + 6, limit, end);
      if (p.code != dns_anomaly::none) return p;
      out.target = off + 6;
      return end == limit ? dns_anomaly_at{} : bad;
    }
    case dns_soa: {
      auto p = rdata_name(d, off, limit, end);
      if (p.code != dns_anomaly::none) return p;
      out.target = off;
      std::uint32_t rname = end;
      p = rdata_name(d, rname, limit, end);
      if (p.code != dns_anomaly::none) return p;
      out.rname = rname;
      if (limit - end != 20) return bad;
      const std::uint8_t* q = d.data() + end;
      out.serial = load_be32(q);
      out.refresh = load_be32(q + 4);
      out.retry = load_be32(q + 8);
      out.expire = load_be32(q + 12);
      out.minimum = load_be32(q + 16);
      return {};
    }
    case dns_txt: {
      std::size_t i = 0;
      while (i < rd.size()) {
        if (i + 1 + rd[i] > rd.size()) return bad;
        i += 1 + rd[i];
      }
      out.strings = rd;
      return {};
    }
    case dns_caa: {
      if (rd.size() < 2) return bad;
      out.caa_flags = rd[0];
      std::size_t tl = rd[1];
      if (tl == 0 || 2 + tl > rd.size()) return bad;
      out.caa_tag = rd.subspan(2, tl);
      out.caa_value = rd.subspan(2 + tl);
      return {};
    }
    case dns_svcb:
    case dns_https: {
      if (rd.size() < 3) return bad;
      out.priority = load_be16(&rd[0]);
      auto p = rdata_name(d, off + 2, limit, end);
      if (p.code != dns_anomaly::none) return p;
      out.target = off + 2;
      out.svc_params = d.subspan(end, limit - end);
      return svc_params_ok(out.svc_params) ? dns_anomaly_at{} : bad;
    }
    case dns_opt:
      return opt_options_ok(rd) ? dns_anomaly_at{} : bad;
    default:
      return {};
  }
}

// decode()'s verdict on a record's RDATA (the decoded fields are not needed).
dns_anomaly_at check_rdata(const dns_message& m, const dns_rr& rr) noexcept {
  dns_rdata rd;
  return decode(m, rr, rd);
}

// Fills EDNS facts from an OPT record.
bool read_opt(const dns_message& m, const dns_rr& rr, dns_edns& e) noexcept {
  e.present = true;
  e.udp_size = rr.klass;
  e.ext_rcode = static_cast<std::uint8_t>(rr.ttl >> 24);
  e.version = static_cast<std::uint8_t>(rr.ttl >> 16);
  e.do_bit = (rr.ttl & 0x8000) != 0;
  bytes rd = m.data.subspan(rr.rdata_offset, rr.rdata_length);
  std::size_t i = 0;
  bool ok = true;
  while (rd.size() - i >= 4) {
    std::uint16_t code = load_be16(&rd[i]);
    std::size_t len = load_be16(&rd[i + 2]);
    if (rd.size() - i - 4 < len) return false;
    bytes v = rd.subspan(i + 4, len);
    if (code == 8) {  // client subnet (RFC 7871)
      if (v.size() < 4) {
        ok = false;
      } else {
        e.has_ecs = true;
        e.ecs_family = load_be16(&v[0]);
        e.ecs_source_prefix = v[2];
        e.ecs_scope_prefix = v[3];
        std::size_t n = v.size() - 4;
        std::size_t max = e.ecs_family == 1 ? 4 : e.ecs_family == 2 ? 16 : 0;
        std::size_t want = (std::size_t{e.ecs_source_prefix} + 7) / 8;
        if (n > max || n != want) ok = false;
        std::copy_n(v.begin() + 4, std::min<std::size_t>(n, 16), e.ecs_address.begin());
      }
    }
    i += 4 + len;
  }
  return ok && i == rd.size();
}

void add_anomaly(dns_message& m, dns_anomaly_at a) noexcept {
  if (m.anomaly_count < dns_max_anomalies) m.anomalies[m.anomaly_count] = a;
  if (m.anomaly_count < 255) ++m.anomaly_count;
}

PCAPSCOPE_SIZE_BEGIN

void append_escaped_label(bytes label, std::string& out) {
  static const char* hexd = "0123456789abcdef";
  for (std::uint8_t c : label) {
    if (c == '.' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c > 0x20 && c < 0x7F) {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += hexd[c >> 4];
      out += hexd[c & 15];
    }
  }
}

// Written through a buffer, without a temporary string (rdata_text's addresses; dns.log's
// A and AAAA answers go through zeek_address_answer). The dissector's formatting, as
// flow::format_address uses it. `len` is 4 or 16.
void append_address(const std::uint8_t* a, std::size_t len, std::string& out) {
  char buf[48];
  out.append(buf, len == 16 ? dissect::put_ipv6(buf, a) : dissect::put_ipv4(buf, a));
}

void append_char_string(bytes s, std::string& out) {
  out += '"';
  for (std::uint8_t c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c >= 0x20 && c < 0x7F) {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\%03u", c);
      out += buf;
    }
  }
  out += '"';
}

void append_target(const dns_message& m, std::uint32_t off, std::string& out) {
  std::size_t before = out.size();
  m.name_text(off, out);
  if (out.size() == before) out += '.';
}

}  // namespace

std::string_view dns_anomaly_name(dns_anomaly a) noexcept {
  switch (a) {
    case dns_anomaly::none: return "none";
    case dns_anomaly::truncated_header: return "dns.truncated_header";
    case dns_anomaly::truncated_name: return "dns.truncated_name";
    case dns_anomaly::name_loop: return "dns.name_loop";
    case dns_anomaly::name_pointer_forward: return "dns.name_pointer_forward";
    case dns_anomaly::name_too_many_pointers: return "dns.name_too_many_pointers";
    case dns_anomaly::name_too_long: return "dns.name_too_long";
    case dns_anomaly::bad_label_type: return "dns.bad_label_type";
    case dns_anomaly::truncated_record: return "dns.truncated_record";
    case dns_anomaly::bad_count: return "dns.bad_count";
    case dns_anomaly::bad_rdata: return "dns.bad_rdata";
    case dns_anomaly::trailing_data: return "dns.trailing_data";
    case dns_anomaly::too_many_records: return "dns.too_many_records";
    case dns_anomaly::multiple_opt: return "dns.multiple_opt";
    case dns_anomaly::tcp_partial: return "dns.tcp_partial";
    case dns_anomaly::tcp_short_length: return "dns.tcp_short_length";
    case dns_anomaly::count_: break;
  }
  return "dns.unknown";
}

std::string_view dns_type_name(std::uint16_t t) noexcept {
  switch (t) {
    case 1: return "A";
    case 2: return "NS";
    case 3: return "MD";
    case 4: return "MF";
    case 5: return "CNAME";
    case 6: return "SOA";
    case 7: return "MB";
    case 8: return "MG";
    case 9: return "MR";
    case 10: return "NULL";
    case 11: return "WKS";
    case 12: return "PTR";
    case 13: return "HINFO";
    case 14: return "MINFO";
    case 15: return "MX";
    case 16: return "TXT";
    case 17: return "RP";
    case 18: return "AFSDB";
    case 24: return "SIG";
    case 25: return "KEY";
    case 28: return "AAAA";
    case 29: return "LOC";
    case 33: return "SRV";
    case 35: return "NAPTR";
    case 36: return "KX";
    case 37: return "CERT";
    case 39: return "DNAME";
    case 41: return "OPT";
    case 42: return "APL";
    case 43: return "DS";
    case 44: return "SSHFP";
    case 45: return "IPSECKEY";
    case 46: return "RRSIG";
    case 47: return "NSEC";
    case 48: return "DNSKEY";
    case 49: return "DHCID";
    case 50: return "NSEC3";
    case 51: return "NSEC3PARAM";
    case 52: return "TLSA";
    case 53: return "SMIMEA";
    case 55: return "HIP";
    case 59: return "CDS";
    case 60: return "CDNSKEY";
    case 61: return "OPENPGPKEY";
    case 62: return "CSYNC";
    case 63: return "ZONEMD";
    case 64: return "SVCB";
    case 65: return "HTTPS";
    case 99: return "SPF";
    case 249: return "TKEY";
    case 250: return "TSIG";
    case 251: return "IXFR";
    case 252: return "AXFR";
    case 253: return "MAILB";
    case 254: return "MAILA";
    case 255: return "*";
    case 256: return "URI";
    case 257: return "CAA";
    case 32769: return "DLV";
    default: return {};
  }
}

std::string_view dns_class_name(std::uint16_t c) noexcept {
  switch (c) {
    case 1: return "C_INTERNET";
    case 2: return "C_CSNET";
    case 3: return "C_CHAOS";
    case 4: return "C_HESIOD";
    case 254: return "C_NONE";
    case 255: return "C_ANY";
    default: return {};
  }
}

std::string_view dns_rcode_name(std::uint16_t r) noexcept {
  switch (r) {
    case 0: return "NOERROR";
    case 1: return "FORMERR";
    case 2: return "SERVFAIL";
    case 3: return "NXDOMAIN";
    case 4: return "NOTIMP";
    case 5: return "REFUSED";
    case 6: return "YXDOMAIN";
    case 7: return "YXRRSET";
    case 8: return "NXRRSET";
    case 9: return "NOTAUTH";
    case 10: return "NOTZONE";
    case 16: return "BADVERS";
    case 17: return "BADKEY";
    case 18: return "BADTIME";
    case 19: return "BADMODE";
    case 20: return "BADNAME";
    case 21: return "BADALG";
    case 22: return "BADTRUNC";
    case 23: return "BADCOOKIE";
    default: return {};
  }
}

bool dns_message::has(dns_anomaly a) const noexcept {
  std::size_t n = std::min<std::size_t>(anomaly_count, dns_max_anomalies);
  for (std::size_t i = 0; i < n; ++i) {
    if (anomalies[i].code == a) return true;
  }
  return false;
}

void dns_message::name_text(std::uint32_t offset, std::string& out) const {
  std::array<std::uint8_t, dns_max_name_wire> buf;
  append_labels_text(name_labels(data, offset, buf), out);
}

PCAPSCOPE_SIZE_END

bool parse_dns(bytes data, dns_message& out, bool mdns) {
  out.data = data;
  out.header_ok = false;
  out.id = out.flags = 0;
  std::fill(std::begin(out.count), std::end(out.count), 0);
  std::fill(std::begin(out.parsed), std::end(out.parsed), 0);
  out.records.clear();
  out.question_labels = {};
  out.edns = {};
  out.anomaly_count = 0;
  if (data.size() < 12) {
    add_anomaly(out, {dns_anomaly::truncated_header, static_cast<std::uint32_t>(data.size())});
    return false;
  }
  out.header_ok = true;
  out.id = load_be16(&data[0]);
  out.flags = load_be16(&data[2]);
  for (std::size_t s = 0; s < 4; ++s) out.count[s] = load_be16(&data[4 + 2 * s]);
  const std::size_t size = data.size();
  std::size_t pos = 12;
  // Where the last owner name walked without a problem starts, and the pointers it followed.
  // An owner name that is just a pointer there (most answers point to the question) is valid
  // too, one jump more, and ends after the pointer: no need to walk it again.
  std::uint32_t valid_at = dns_no_name, valid_jumps = 0;
  for (int s = 0; s < 4; ++s) {
    for (std::uint32_t i = 0; i < out.count[s]; ++i) {
      // Work per iteration is bounded and every iteration consumes at least 5 bytes, so the
      // counts cannot make this loop long nor allocate beyond what the bytes hold.
      if (pos >= size) {
        add_anomaly(out, {dns_anomaly::bad_count, static_cast<std::uint32_t>(pos)});
        return true;
      }
      if (out.records.size() >= dns_max_records) {
        add_anomaly(out, {dns_anomaly::too_many_records, static_cast<std::uint32_t>(pos)});
        return true;
      }
      dns_rr rr;
      rr.name = static_cast<std::uint32_t>(pos);
      rr.section = static_cast<dns_section>(s);
      name_walk w;
      const bool to_valid = size - pos >= 2 && (data[pos] & 0xC0) == 0xC0 &&
                            (std::size_t{data[pos] & 0x3Fu} << 8 | data[pos + 1]) == valid_at;
      if (to_valid && valid_at < pos && valid_jumps < dns_max_pointer_jumps) {
        w.end = static_cast<std::uint32_t>(pos + 2);
      } else if (const std::size_t plain_end = plain_name_end(data, pos)) {  // most questions, OPT's root
        w.end = static_cast<std::uint32_t>(plain_end);
        valid_at = rr.name;
        valid_jumps = 0;
        if (s == 0 && i == 0) out.question_labels = data.subspan(pos, plain_end - 1 - pos);
      } else {
        w = walk_name(data, rr.name, [](bytes) {});
        if (w.problem.code == dns_anomaly::none) {
          valid_at = rr.name;
          valid_jumps = w.jumps;
        }
      }
      if (w.problem.code != dns_anomaly::none) {
        add_anomaly(out, w.problem);
        if (w.end == dns_no_name) return true;  // cannot tell where the record continues
      }
      pos = w.end;
      std::size_t fixed = s == 0 ? 4 : 10;
      if (size - pos < fixed) {
        add_anomaly(out, {dns_anomaly::truncated_record, static_cast<std::uint32_t>(pos)});
        if (out.records.empty()) out.question_labels = {};  // no question after all
        return true;
      }
      rr.type = load_be16(&data[pos]);
      rr.klass = load_be16(&data[pos + 2]);
      if (mdns && rr.type != dns_opt) {
        rr.cache_flush = (rr.klass & 0x8000) != 0;
        rr.klass &= 0x7FFF;
      }
      if (s > 0) {
        rr.ttl = load_be32(&data[pos + 4]);
        rr.rdata_length = load_be16(&data[pos + 8]);
        rr.rdata_offset = static_cast<std::uint32_t>(pos + 10);
        if (size - pos - 10 < rr.rdata_length) {
          add_anomaly(out, {dns_anomaly::truncated_record, static_cast<std::uint32_t>(pos)});
          return true;
        }
        pos += 10 + rr.rdata_length;
        const bool owner_ok = w.problem.code == dns_anomaly::none;
        if (rr.type == dns_opt) {
          // decode() checks only that the options fill the RDATA. read_opt, which the first OPT
          // record needs anyway, finds that too (and a bad client subnet): either is the one
          // bad_rdata at the RDATA's start.
          if (out.edns.present) {
            const bool options_ok = opt_options_ok(data.subspan(rr.rdata_offset, rr.rdata_length));
            if (!options_ok) add_anomaly(out, {dns_anomaly::bad_rdata, rr.rdata_offset});
            add_anomaly(out, {dns_anomaly::multiple_opt, rr.name});
            rr.rdata_ok = options_ok && owner_ok;
          } else {
            const bool opt_ok = read_opt(out, rr, out.edns);
            if (!opt_ok) add_anomaly(out, {dns_anomaly::bad_rdata, rr.rdata_offset});
            rr.rdata_ok = opt_ok && owner_ok;
          }
        } else {
          // An A or AAAA record of its size (the commonest) decodes without a problem.
          const bool address = (rr.type == dns_a && rr.rdata_length == 4) || (rr.type == dns_aaaa && rr.rdata_length == 16);
          const auto p = address ? dns_anomaly_at{} : check_rdata(out, rr);
          rr.rdata_ok = p.code == dns_anomaly::none && owner_ok;
          if (p.code != dns_anomaly::none) add_anomaly(out, p);
        }
      } else {
        pos += 4;
        rr.rdata_ok = w.problem.code == dns_anomaly::none;
      }
      out.records.push_back(rr);
      ++out.parsed[s];
    }
  }
  if (pos < size) add_anomaly(out, {dns_anomaly::trailing_data, static_cast<std::uint32_t>(pos)});
  return true;
}

bool decode_rdata(const dns_message& m, const dns_rr& rr, dns_rdata& out) noexcept {
  return decode(m, rr, out).code == dns_anomaly::none;
}

PCAPSCOPE_SIZE_BEGIN

void rdata_text(const dns_message& m, const dns_rr& rr, std::string& out) {
  dns_rdata d;
  decode(m, rr, d);
  char buf[96];
  switch (rr.type) {
    case dns_a:
    case dns_aaaa:
      if (d.addr_len) append_address(d.addr.data(), d.addr_len, out);
      return;
    case dns_ns:
    case dns_cname:
    case dns_ptr:
    case dns_dname:
      if (d.target != dns_no_name) append_target(m, d.target, out);
      return;
    case dns_mx:
      if (d.target == dns_no_name) return;
      out += std::to_string(d.priority) + " ";
      append_target(m, d.target, out);
      return;
    case dns_srv:
      if (d.target == dns_no_name) return;
      std::snprintf(buf, sizeof buf, "%u %u %u ", d.priority, d.weight, d.port);
      out += buf;
      append_target(m, d.target, out);
      return;
    case dns_soa:
      if (d.rname == dns_no_name) return;
      append_target(m, d.target, out);
      out += ' ';
      append_target(m, d.rname, out);
      std::snprintf(buf, sizeof buf, " %u %u %u %u %u", d.serial, d.refresh, d.retry, d.expire, d.minimum);
      out += buf;
      return;
    case dns_txt: {
      std::size_t i = 0;
      bool first = true;
      while (i < d.strings.size() && i + 1 + d.strings[i] <= d.strings.size()) {
        if (!first) out += ' ';
        first = false;
        append_char_string(d.strings.subspan(i + 1, d.strings[i]), out);
        i += 1 + d.strings[i];
      }
      return;
    }
    case dns_caa:
      if (d.caa_tag.empty()) return;
      out += std::to_string(d.caa_flags) + " ";
      out += util::as_chars(d.caa_tag);
      out += ' ';
      append_char_string(d.caa_value, out);
      return;
    case dns_svcb:
    case dns_https: {
      if (d.target == dns_no_name) return;
      out += std::to_string(d.priority) + " ";
      append_target(m, d.target, out);
      bytes p = d.svc_params;
      std::size_t i = 0;
      while (p.size() - i >= 4) {
        std::uint16_t key = load_be16(&p[i]);
        std::size_t len = load_be16(&p[i + 2]);
        if (p.size() - i - 4 < len) break;
        bytes v = p.subspan(i + 4, len);
        i += 4 + len;
        out += ' ';
        switch (key) {
          case svc_alpn: {
            out += "alpn=";
            std::size_t k = 0;
            bool first = true;
            while (k < v.size() && k + 1 + v[k] <= v.size()) {
              if (!first) out += ',';
              first = false;
              append_escaped_label(v.subspan(k + 1, v[k]), out);
              k += 1 + v[k];
            }
            break;
          }
          case svc_no_default_alpn: out += "no-default-alpn"; break;
          case svc_port:
            out += "port=";
            if (len == 2) out += std::to_string(load_be16(v.data()));
            break;
          case svc_ipv4hint:
          case svc_ipv6hint: {
            std::size_t step = key == svc_ipv4hint ? 4 : 16;
            out += key == svc_ipv4hint ? "ipv4hint=" : "ipv6hint=";
            for (std::size_t k = 0; k + step <= v.size(); k += step) {
              if (k) out += ',';
              append_address(v.data() + k, step, out);
            }
            break;
          }
          default: {
            out += key == svc_mandatory ? "mandatory" : key == svc_ech ? "ech" : "key" + std::to_string(key);
            out += "=<" + std::to_string(len) + " bytes>";
          }
        }
      }
      return;
    }
    default:
      std::snprintf(buf, sizeof buf, "\\# %u", rr.rdata_length);
      out += buf;
      return;
  }
}

PCAPSCOPE_SIZE_END

namespace {

// find_dns for a packet whose dns_transport is `l` (not null).
bool find_dns_at(bytes data, const dissect::packet& p, const dissect::layer& l, dns_payloads& out, std::uint32_t skip) noexcept {
  out.count = 0;
  out.missing = 0;
  out.tcp = false;
  out.sport = out.dport = 0;
  out.problem = {};
  const int i = static_cast<int>(&l - p.layers.data());
  const bool tcp = l.kind == dissect::proto::tcp;
  const std::uint16_t sport = tcp ? l.tcp.sport : l.udp.sport, dport = tcp ? l.tcp.dport : l.udp.dport;
  // A transport header read from the packet's own bytes behind a fragment's IP header is a
  // datagram's first part. (When the index builder reassembled a datagram, the transport
  // layers come from the datagram: their offsets restart at 0, before the IP header's.)
  for (int j = i - 1; j >= 0; --j) {
    const auto& n = p.layers[static_cast<std::size_t>(j)];
    if (n.offset >= l.offset) break;
    if (n.kind == dissect::proto::ipv6_ext && n.ipv6_ext.type == 44 &&
        (n.ipv6_ext.more_fragments || n.ipv6_ext.frag_offset)) {
      return false;
    }
    if (n.kind == dissect::proto::ip && ((n.ip.flags & 0x1) || n.ip.frag_offset)) return false;
    if (n.kind == dissect::proto::ip || n.kind == dissect::proto::ipv6) break;
  }
  out.tcp = tcp;
  out.sport = sport;
  out.dport = dport;
  if (p.payload_length == 0 || p.payload_offset >= data.size()) return false;
  const std::size_t base = p.payload_offset;
  bytes pay = data.subspan(base, std::min<std::size_t>(p.payload_length, data.size() - base));
  if (!out.tcp) {
    out.messages[0] = pay;
    out.offsets[0] = static_cast<std::uint32_t>(base);
    out.count = 1;
    return true;
  }
  std::size_t pos = std::min<std::size_t>(skip, pay.size());
  while (pos < pay.size() && out.count < dns_payloads::max_messages) {
    if (pay.size() - pos < 2) {
      out.problem = {dns_anomaly::tcp_partial, static_cast<std::uint32_t>(base + pos)};
      break;
    }
    std::size_t len = load_be16(&pay[pos]);
    if (len < 12) {
      out.problem = {dns_anomaly::tcp_short_length, static_cast<std::uint32_t>(base + pos)};
      break;
    }
    if (pay.size() - pos - 2 < len) {
      out.problem = {dns_anomaly::tcp_partial, static_cast<std::uint32_t>(base + pos)};
      out.missing = static_cast<std::uint32_t>(len - (pay.size() - pos - 2));
      break;
    }
    out.messages[out.count] = pay.subspan(pos + 2, len);
    out.offsets[out.count] = static_cast<std::uint32_t>(base + pos + 2);
    ++out.count;
    pos += 2 + len;
  }
  return true;
}

}  // namespace

bool find_dns(bytes data, const dissect::packet& p, dns_payloads& out, std::uint32_t skip) noexcept {
  const dissect::layer* t = dns_transport(p);
  if (!t) {
    out.count = 0;
    out.missing = 0;
    out.tcp = false;
    out.sport = out.dport = 0;
    out.problem = {};
    return false;
  }
  return find_dns_at(data, p, *t, out, skip);
}

// ---- dns.log ----

namespace {

// Bytes kept in the log's text arena (labels, addresses) as bytes again.
bytes stored_bytes(std::string_view s) noexcept { return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()}; }

// Are two names, given by their labels (name_labels), the same but for ASCII case? That is
// what comparing their texts case-insensitively gives: the text is made label by label and
// escaping writes no capital letters. Length bytes (1..63) are no letters, so the labels line
// up in both or the bytes differ.
bool same_labels(std::string_view a, bytes labels) {
  const std::string_view b = util::as_chars(labels);
  if (a.size() != b.size()) return false;
  // A response repeats its query's question byte for byte (case folding is the exception).
  if (a.empty() || std::memcmp(a.data(), b.data(), a.size()) == 0) return true;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// The labels of the first question's name (name_labels), as parse_dns found them when it can.
bytes question_labels(const dns_message& m, std::array<std::uint8_t, dns_max_name_wire>& buf) noexcept {
  if (!m.question_labels.empty()) return m.question_labels;
  return name_labels(m.data, m.records[0].name, buf);
}

// Where the name that dns.log shows for an NS, CNAME, PTR, DNAME, MX, SRV or SOA answer starts
// (dns_no_name when its RDATA holds none): decode()'s `target`. A record whose RDATA parse_dns
// found sound (rdata_ok) has it at a fixed place; any other is decoded.
std::uint32_t answer_target(const dns_message& m, const dns_rr& rr) noexcept {
  if (rr.rdata_ok) {
    switch (rr.type) {
      case dns_mx: return rr.rdata_offset + 2;
      case dns_srv: return rr.rdata_offset + 6;
      default: return rr.rdata_offset;  // NS, CNAME, PTR, DNAME, SOA (its mname)
    }
  }
  dns_rdata d;
  decode(m, rr, d);
  return d.target;
}

// Zeek's rendering of an answer in dns.log's `answers`, for the types whose text the log table
// does not make itself when an entry is read (addresses and names: see on_message).
PCAPSCOPE_SIZE_BEGIN

void zeek_answer(const dns_message& m, const dns_rr& rr, std::string& out) {
  dns_rdata d;
  decode(m, rr, d);
  switch (rr.type) {
    case dns_ns:
    case dns_cname:
    case dns_ptr:
    case dns_dname:  // as rdata_text, from the RDATA decoded here
      if (d.target != dns_no_name) append_target(m, d.target, out);
      return;
    case dns_svcb:
    case dns_https:
      rdata_text(m, rr, out);
      return;
    case dns_mx:
    case dns_srv:
    case dns_soa:  // Zeek logs the exchange, the target, the primary name server
      if (d.target != dns_no_name) m.name_text(d.target, out);
      return;
    case dns_txt: {
      std::size_t i = 0;
      bool first = true;
      while (i < d.strings.size() && i + 1 + d.strings[i] <= d.strings.size()) {
        if (!first) out += ' ';
        first = false;
        out += "TXT " + std::to_string(d.strings[i]) + " ";
        out += util::as_chars(d.strings.subspan(i + 1, d.strings[i]));
        i += 1 + d.strings[i];
      }
      return;
    }
    case dns_caa:
      out += std::to_string(d.caa_flags) + " ";
      out += util::as_chars(d.caa_tag);
      out += ' ';
      out += util::as_chars(d.caa_value);
      return;
    default:
      out += "<unknown type=" + std::to_string(rr.type) + ">";
  }
}

// Source and destination address text of the innermost IP header that is not quoted.
void packet_addresses(const dissect::packet& p, std::string& src, std::string& dst) {
  for (int i = static_cast<int>(p.count) - 1; i >= 0; --i) {
    const auto& l = p.layers[static_cast<std::size_t>(i)];
    if (l.flags & dissect::layer_quoted) continue;
    std::array<std::uint8_t, 16> a{}, b{};
    if (l.kind == dissect::proto::ip) {
      std::copy(l.ip.src.begin(), l.ip.src.end(), a.begin());
      std::copy(l.ip.dst.begin(), l.ip.dst.end(), b.begin());
      src = flow::format_address(a, false);
      dst = flow::format_address(b, false);
      return;
    }
    if (l.kind == dissect::proto::ipv6) {
      src = flow::format_address(l.ipv6.src, true);
      dst = flow::format_address(l.ipv6.dst, true);
      return;
    }
  }
}

}  // namespace

PCAPSCOPE_SIZE_END

void dns_logger::log_packet(const capture::record& r, const dissect::packet& p, const flow::track_result& t,
                            const dissect::layer& l) {
  // A TCP segment continuing a message from an earlier one: skip what is owed first.
  const std::uint64_t dir_key = (std::uint64_t{t.id} << 1) | (t.from_orig ? 1u : 0u);
  std::uint32_t skip = 0;
  auto owed = t.id != 0 && !tcp_owed_.empty() ? tcp_owed_.find(dir_key) : tcp_owed_.end();
  if (owed != tcp_owed_.end()) skip = owed->second;
  if (!find_dns_at(r.data, p, l, where_, skip)) return;
  if (tcp_from_streams_ && where_.tcp) return;  // reassembled streams come through on_data
  if (owed != tcp_owed_.end() && p.payload_length > 0) {
    ++counters_.tcp_continuations;
    if (owed->second == UINT32_MAX) {  // even the length prefix was cut: skip one segment
      tcp_owed_.erase(owed);
      return;
    }
    if (owed->second >= p.payload_length) {  // the whole segment belongs to the unfinished message
      owed->second -= p.payload_length;
      if (owed->second == 0) tcp_owed_.erase(owed);
      return;
    }
    tcp_owed_.erase(owed);  // find_dns skipped the owed bytes
  }
  if (where_.problem.code != dns_anomaly::none) {
    if (where_.problem.code == dns_anomaly::tcp_partial) {
      ++counters_.tcp_partial;
      if (t.id != 0) tcp_owed_[dir_key] = where_.missing ? where_.missing : UINT32_MAX;
    }
    ++counters_.anomalies[static_cast<std::size_t>(where_.problem.code)];
  }
  bool mdns = where_.sport == 5353 || where_.dport == 5353;
  origin o{r.ts_ns, t.id, where_.tcp, where_.sport, where_.dport, &p};
  for (std::size_t i = 0; i < where_.count; ++i) {
    if (!parse_dns(where_.messages[i], msg_, mdns)) {
      ++counters_.anomalies[static_cast<std::size_t>(dns_anomaly::truncated_header)];
      continue;
    }
    ++counters_.messages;
    for (std::size_t k = 0; k < std::min<std::size_t>(msg_.anomaly_count, dns_max_anomalies); ++k) {
      ++counters_.anomalies[static_cast<std::size_t>(msg_.anomalies[k].code)];
    }
    if (on_message_seen) on_message_seen(r, where_, msg_);
    on_message(o, msg_);
  }
}

void dns_logger::parse_and_log(const origin& o, util::bytes message, bool mdns) {
  if (!parse_dns(message, msg_, mdns)) {
    ++counters_.anomalies[static_cast<std::size_t>(dns_anomaly::truncated_header)];
    return;
  }
  ++counters_.messages;
  ++counters_.stream_messages;
  for (std::size_t k = 0; k < std::min<std::size_t>(msg_.anomaly_count, dns_max_anomalies); ++k) {
    ++counters_.anomalies[static_cast<std::size_t>(msg_.anomalies[k].code)];
  }
  on_message(o, msg_);
}

// DNS over TCP, gaps and closes: rare.
PCAPSCOPE_SIZE_BEGIN

void dns_logger::on_data(const stream_ctx& c, int dir, util::bytes data) {
  auto& sd = streams_[(std::uint64_t{c.flow_id} << 1) | static_cast<unsigned>(dir & 1)];
  if (sd.lost) return;
  origin o{c.ts_ns, c.flow_id, true, 0, 0, nullptr};
  if (flows_ && c.flow_id != 0 && c.flow_id <= flows_->size()) {
    const auto& f = flows_->get(c.flow_id);
    o.sport = f.port(dir & 1);
    o.dport = f.port((dir & 1) ^ 1);
  }
  while (!data.empty()) {
    // Whole messages straight from the delivered bytes when nothing is pending.
    if (sd.buf.empty() && data.size() >= 2) {
      std::size_t len = (std::size_t{data[0]} << 8) | data[1];
      if (len < 12) {
        ++counters_.anomalies[static_cast<std::size_t>(dns_anomaly::tcp_short_length)];
        sd.lost = true;  // not a message boundary we can trust any more
        return;
      }
      if (data.size() >= 2 + len) {
        parse_and_log(o, data.subspan(2, len), false);
        data = data.subspan(2 + len);
        continue;
      }
    }
    // Accumulate: first the two length bytes, then the message they announce.
    std::size_t want = 2;
    if (sd.buf.size() >= 2) want = 2 + ((std::size_t{sd.buf[0]} << 8) | sd.buf[1]);
    std::size_t take = std::min(want - sd.buf.size(), data.size());
    sd.buf.insert(sd.buf.end(), data.begin(), data.begin() + static_cast<std::ptrdiff_t>(take));
    data = data.subspan(take);
    if (sd.buf.size() == 2) {
      std::size_t len = (std::size_t{sd.buf[0]} << 8) | sd.buf[1];
      if (len < 12) {
        ++counters_.anomalies[static_cast<std::size_t>(dns_anomaly::tcp_short_length)];
        sd.lost = true;
        sd.buf.clear();
        return;
      }
      sd.buf.reserve(2 + len);
      continue;
    }
    if (sd.buf.size() >= 2 && sd.buf.size() == want) {
      parse_and_log(o, util::bytes(sd.buf.data() + 2, sd.buf.size() - 2), false);
      sd.buf.clear();
      sd.buf.shrink_to_fit();
    }
  }
}

void dns_logger::on_gap(const stream_ctx& c, int dir, std::uint64_t) {
  auto& sd = streams_[(std::uint64_t{c.flow_id} << 1) | static_cast<unsigned>(dir & 1)];
  if (!sd.lost) ++counters_.stream_gaps;
  sd.lost = true;
  sd.buf.clear();
  sd.buf.shrink_to_fit();
}

void dns_logger::on_close(const stream_ctx& c, int dir) {
  auto it = streams_.find((std::uint64_t{c.flow_id} << 1) | static_cast<unsigned>(dir & 1));
  if (it == streams_.end()) return;
  if (!it->second.buf.empty()) {
    ++counters_.tcp_partial;
    ++counters_.anomalies[static_cast<std::size_t>(dns_anomaly::tcp_partial)];
  }
  streams_.erase(it);
}

PCAPSCOPE_SIZE_END

dns_log_table::row& dns_logger::new_entry(const origin& o, const dns_message& m) {
  auto& e = entries_.rows_.emplace_back();
  e.ts_ns = o.ts_ns;
  e.flow_id = o.flow_id;
  if (o.tcp) e.flags |= dns_log_table::f_tcp;
  e.trans_id = m.id;
  e.opcode = m.opcode();
  if (flows_ && o.flow_id != 0 && o.flow_id <= flows_->size()) {
    // uid and addresses are read from the flow when the entry is (they never change).
    const auto& f = flows_->get(o.flow_id);
    e.orig_p = f.port(0);
    e.resp_p = f.port(1);
  } else {
    std::string orig, resp;
    if (o.packet) packet_addresses(*o.packet, orig, resp);
    orig += ' ';
    orig += resp;
    e.hosts = entries_.text_.add(orig);
    e.orig_p = o.sport;
    e.resp_p = o.dport;
  }
  if (const dns_rr* q = m.question()) {
    e.flags |= dns_log_table::f_question;
    std::array<std::uint8_t, dns_max_name_wire> buf;  // (not initialised: name_labels writes what it returns)
    e.query = entries_.text_.add(util::as_chars(question_labels(m, buf)));
    e.qtype = q->type;
    e.qclass = q->klass;
  }
  return e;
}

void dns_logger::on_message(const origin& o, const dns_message& m) {
  const std::uint64_t key = (std::uint64_t{o.flow_id} << 16) | m.id;
  const auto n_anom = static_cast<std::uint8_t>(std::min<std::size_t>(m.anomaly_count, dns_max_anomalies));
  auto& table = entries_;
  // AA, TC and RA of the latest message.
  auto header_flags = [&m](std::uint16_t flags) {
    flags &= static_cast<std::uint16_t>(~(dns_log_table::f_aa | dns_log_table::f_tc | dns_log_table::f_ra));
    if (m.aa()) flags |= dns_log_table::f_aa;
    if (m.tc()) flags |= dns_log_table::f_tc;
    if (m.ra()) flags |= dns_log_table::f_ra;
    return flags;
  };
  auto add_anomalies = [&](dns_log_table::row& e, int which) {
    e.anomalies_at[which] = static_cast<std::uint32_t>(table.anomalies_.size());
    e.anomaly_count[which] = n_anom;
    for (std::size_t k = 0; k < n_anom; ++k) table.anomalies_.push_back(m.anomalies[k]);
  };
  if (!m.qr()) {
    ++counters_.queries;
    auto& e = new_entry(o, m);
    e.flags |= dns_log_table::f_query;
    if (m.rd()) e.flags |= dns_log_table::f_rd;
    e.flags = header_flags(e.flags);
    e.z = m.z();
    add_anomalies(e, 0);
    pending_.add(key, static_cast<std::uint32_t>(table.rows_.size() - 1));
    return;
  }
  ++counters_.responses;
  const dns_rr* q = m.question();
  dns_log_table::row* e = nullptr;
  constexpr std::size_t none = static_cast<std::size_t>(-1);
  std::size_t best = none;
  std::uint32_t best_entry = 0;
  bool have_name = false;  // the question's labels are in `labels` (found for the first candidate)
  std::array<std::uint8_t, dns_max_name_wire> buf;
  bytes labels;
  pending_.each(key, [&](std::size_t slot, std::uint32_t entry) {
    const auto& c = table.rows_[entry];
    if (q) {
      if (!(c.flags & dns_log_table::f_question) || c.qtype != q->type || c.qclass != q->klass) return;
      if (!have_name) {
        labels = question_labels(m, buf);
        have_name = true;
      }
      if (!same_labels(table.text_.get(c.query), labels)) return;
    }
    if (best == none || entry < best_entry) {  // the oldest query
      best = slot;
      best_entry = entry;
    }
  });
  if (best != none) {
    e = &table.rows_[best_entry];
    pending_.erase(best);
    e->rtt_ns = o.ts_ns - e->ts_ns;
    ++counters_.matched;
  } else {
    e = &new_entry(o, m);
    if (m.rd()) e->flags |= dns_log_table::f_rd;
  }
  e->flags |= dns_log_table::f_response;
  e->rcode = m.rcode();
  e->flags = header_flags(e->flags);
  e->z = m.z();
  if (m.count[1] == 0 && m.count[2] == 0 && m.count[3] == 0) e->flags |= dns_log_table::f_rejected;
  e->answers_at = static_cast<std::uint32_t>(table.answers_.size());
  using form = dns_log_table::answer_form;
  for (const auto& rr : m.records) {
    if (rr.section != dns_section::answer) continue;
    dns_log_table::answer& a = table.answers_.emplace_back();
    a.ttl = rr.ttl;
    switch (rr.type) {
      case dns_a:
      case dns_aaaa:
        // The address bytes (text when read); none when the RDATA is not an address of the
        // type's size (parse_dns keeps only records whose RDATA lies in the message).
        if (rr.rdata_length == (rr.type == dns_a ? 4u : 16u) && std::size_t{rr.rdata_offset} + rr.rdata_length <= m.data.size()) {
          a.form = rr.type == dns_a ? form::ipv4 : form::ipv6;
          a.text = table.text_.add(util::as_chars(m.data.subspan(rr.rdata_offset, rr.rdata_length)));
        }
        break;
      case dns_ns:
      case dns_cname:
      case dns_ptr:
      case dns_dname:
      case dns_mx:
      case dns_srv:
      case dns_soa:
        // The name's labels: rdata_text's target ("." for the root) for the first four; Zeek
        // logs the exchange, the target, the primary name server of the others.
        if (const std::uint32_t target = answer_target(m, rr); target != dns_no_name) {
          a.form = rr.type == dns_mx || rr.type == dns_srv || rr.type == dns_soa ? form::name : form::name_or_dot;
          a.text = table.text_.add(util::as_chars(name_labels(m.data, target, buf)));
        }
        break;
      default:
        text_.clear();
        zeek_answer(m, rr, text_);
        a.text = table.text_.add(text_);
    }
    ++e->answer_count;
  }
  add_anomalies(*e, 1);
}

void dns_logger::pending_queries::add(std::uint64_t key, std::uint32_t entry) {
  if ((used_ + 1) * 4 > slots_.size() * 3) rehash();
  const std::size_t mask = slots_.size() - 1;
  std::size_t i = home(key) & mask;
  while (slots_[i].state == live) i = (i + 1) & mask;
  if (slots_[i].state == empty) ++used_;
  slots_[i] = {key, entry, live};
  ++live_;
}

PCAPSCOPE_SIZE_BEGIN

void dns_logger::pending_queries::rehash() {
  // Twice the size when at least half the slots are live, else the same size without its
  // tombstones (queries answered long ago).
  std::size_t size = slots_.empty() ? 64 : live_ * 2 >= slots_.size() ? slots_.size() * 2 : slots_.size();
  std::vector<slot> old(size);
  old.swap(slots_);
  used_ = live_ = 0;
  const std::size_t mask = size - 1;
  for (const auto& s : old) {
    if (s.state != live) continue;
    std::size_t i = home(s.key) & mask;
    while (slots_[i].state != empty) i = (i + 1) & mask;
    slots_[i] = s;
    ++used_;
    ++live_;
  }
}

dns_log_entry dns_log_table::operator[](std::size_t i) const {
  const row& r = rows_[i];
  dns_log_entry e;
  e.ts_ns = r.ts_ns;
  e.flow_id = r.flow_id;
  if (flows_ && r.flow_id != 0 && r.flow_id <= flows_->size()) {
    const auto& f = flows_->get(r.flow_id);
    e.uid = flow::uid(f);
    e.orig_h = flow::format_address(f.addr(0), f.key.ipv6());
    e.resp_h = flow::format_address(f.addr(1), f.key.ipv6());
  } else {
    auto hosts = text_.get(r.hosts);
    auto space = hosts.find(' ');
    if (space != std::string_view::npos) {
      e.orig_h = hosts.substr(0, space);
      e.resp_h = hosts.substr(space + 1);
    }
  }
  e.orig_p = r.orig_p;
  e.resp_p = r.resp_p;
  e.tcp = (r.flags & f_tcp) != 0;
  e.trans_id = r.trans_id;
  e.has_query = (r.flags & f_query) != 0;
  e.has_response = (r.flags & f_response) != 0;
  e.rtt_ns = r.rtt_ns;
  append_labels_text(stored_bytes(text_.get(r.query)), e.query);
  e.has_question = (r.flags & f_question) != 0;
  e.qclass = r.qclass;
  e.qtype = r.qtype;
  e.rcode = r.rcode;
  e.opcode = r.opcode;
  e.aa = (r.flags & f_aa) != 0;
  e.tc = (r.flags & f_tc) != 0;
  e.rd = (r.flags & f_rd) != 0;
  e.ra = (r.flags & f_ra) != 0;
  e.z = r.z;
  e.answers.reserve(r.answer_count);
  e.ttls.reserve(r.answer_count);
  for (std::size_t k = 0; k < r.answer_count; ++k) {
    const answer& a = answers_[r.answers_at + k];
    const std::string_view stored = text_.get(a.text);
    std::string& t = e.answers.emplace_back();
    switch (a.form) {
      case answer_form::text: t = stored; break;
      case answer_form::ipv4:
      case answer_form::ipv6: {
        // As rdata_text prints addresses (the dissector's formatting).
        char buf[48];
        const bytes addr = stored_bytes(stored);
        if (a.form == answer_form::ipv4 && addr.size() == 4) t.assign(buf, dissect::put_ipv4(buf, addr.data()));
        if (a.form == answer_form::ipv6 && addr.size() == 16) t.assign(buf, dissect::put_ipv6(buf, addr.data()));
        break;
      }
      case answer_form::name:
      case answer_form::name_or_dot:
        append_labels_text(stored_bytes(stored), t);
        // push_back, not `t = "."`: GCC 12 reports a false -Wrestrict overlap for the assignment.
        if (t.empty() && a.form == answer_form::name_or_dot) t.push_back('.');
        break;
    }
    e.ttls.push_back(a.ttl);
  }
  e.rejected = (r.flags & f_rejected) != 0;
  for (int which = 0; which < 2; ++which) {
    for (std::size_t k = 0; k < r.anomaly_count[which]; ++k) e.anomalies.push_back(anomalies_[r.anomalies_at[which] + k]);
  }
  return e;
}

void dns_index_handler::on_record(const capture::record& r) {
  if (source_) log_.on_packet(source_->last_flow_record(), source_->last_packet(), source_->last_track());
  if (next_) next_->on_record(r);
}

PCAPSCOPE_SIZE_END

}  // namespace pcapscope::app
