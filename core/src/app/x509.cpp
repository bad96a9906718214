// Bounded DER / X.509 reader (see app/x509.hpp): every TLV is read through `der_reader`, which
// checks each length against the enclosing element before anything is looked at.
#include "pcapscope/app/x509.hpp"

#include <algorithm>
#include <cstdio>
#include <utility>

namespace pcapscope::app {

namespace {

using util::bytes;

// One DER element: its tag byte, contents and where it starts in the certificate.
struct tlv {
  std::uint8_t tag = 0;
  bytes value;
  std::size_t offset = 0;        // of the tag byte, within the certificate
  std::size_t value_offset = 0;  // of the contents
};

// Reads consecutive TLVs from one element's contents. The first problem is kept in `problem`
// (with its certificate offset) and every later read fails.
class der_reader {
 public:
  der_reader(bytes data, std::size_t base, x509_anomaly& problem, std::uint32_t& problem_at)
      : data_(data), base_(base), problem_(problem), problem_at_(problem_at) {}

  bool at_end() const { return pos_ >= data_.size(); }
  std::size_t position() const { return base_ + pos_; }

  // Reads the next element; false at the end or on a problem (recorded).
  bool next(tlv& out) {
    if (problem_ != x509_anomaly::none || pos_ >= data_.size()) return false;
    std::size_t start = pos_;
    std::uint8_t tag = data_[pos_++];
    if ((tag & 0x1F) == 0x1F) return fail(x509_anomaly::bad_tag, start);  // multi-byte tags: not in X.509
    if (pos_ >= data_.size()) return fail(x509_anomaly::truncated, start);
    std::size_t len = data_[pos_++];
    if (len & 0x80) {
      std::size_t n = len & 0x7F;
      if (n == 0 || n > 4) return fail(x509_anomaly::bad_length, start + 1);
      if (n > data_.size() - pos_) return fail(x509_anomaly::truncated, start + 1);
      len = 0;
      for (std::size_t i = 0; i < n; ++i) len = (len << 8) | data_[pos_++];
    }
    if (len > data_.size() - pos_) return fail(x509_anomaly::truncated, start);
    out.tag = tag;
    out.value = data_.subspan(pos_, len);
    out.offset = base_ + start;
    out.value_offset = base_ + pos_;
    pos_ += len;
    return true;
  }

  // Reads the next element and requires `tag`.
  bool expect(std::uint8_t tag, tlv& out) {
    if (!next(out)) {
      if (problem_ == x509_anomaly::none) fail(x509_anomaly::truncated, pos_);
      return false;
    }
    if (out.tag != tag) return fail(x509_anomaly::bad_tag, out.offset - base_);
    return true;
  }

  // Looks at the next element's tag without consuming it (0 at the end).
  std::uint8_t peek_tag() const { return pos_ < data_.size() ? data_[pos_] : 0; }

  // A reader over the contents of `t`.
  der_reader inner(const tlv& t) { return der_reader(t.value, t.value_offset, problem_, problem_at_); }

  // Records a problem at an absolute (certificate) offset.
  bool fail_at(x509_anomaly a, std::size_t offset) { return fail(a, offset - base_); }

  bool fail(x509_anomaly a, std::size_t local_offset) {
    if (problem_ == x509_anomaly::none) {
      problem_ = a;
      problem_at_ = static_cast<std::uint32_t>(base_ + local_offset);
    }
    pos_ = data_.size();
    return false;
  }

 private:
  bytes data_;
  std::size_t base_;
  std::size_t pos_ = 0;
  x509_anomaly& problem_;
  std::uint32_t& problem_at_;
};

constexpr std::uint8_t tag_boolean = 0x01, tag_integer = 0x02, tag_bit_string = 0x03, tag_octet_string = 0x04,
                       tag_oid = 0x06, tag_utf8 = 0x0C, tag_printable = 0x13,
                       tag_teletex = 0x14, tag_ia5 = 0x16, tag_utc_time = 0x17, tag_generalized_time = 0x18,
                       tag_universal = 0x1C, tag_bmp = 0x1E, tag_sequence = 0x30, tag_set = 0x31;

// Checks that every constructed element nests at most `x509_max_depth` deep and that all
// lengths agree, without interpreting anything. Work is linear in the input.
bool check_structure(bytes data, std::size_t base, std::size_t depth, x509_anomaly& problem, std::uint32_t& at) {
  if (depth > x509_max_depth) {
    problem = x509_anomaly::too_deep;
    at = static_cast<std::uint32_t>(base);
    return false;
  }
  der_reader r(data, base, problem, at);
  tlv t;
  while (r.next(t)) {
    if ((t.tag & 0x20) && !check_structure(t.value, t.value_offset, depth + 1, problem, at)) return false;
  }
  return problem == x509_anomaly::none;
}

// Dotted text of an OBJECT IDENTIFIER; false when it does not decode.
bool oid_text(bytes v, std::string& out) {
  out.clear();
  if (v.empty() || v.size() > 64) return false;
  std::uint64_t value = 0;
  std::size_t groups = 0;
  bool first = true;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (groups == 0 && v[i] == 0x80) return false;  // non-minimal encoding
    value = (value << 7) | (v[i] & 0x7Fu);
    if (++groups > 9) return false;
    if (v[i] & 0x80) continue;
    if (first) {
      std::uint64_t a = value < 80 ? value / 40 : 2;
      out += std::to_string(a);
      out += '.';
      out += std::to_string(value - a * 40);
      first = false;
    } else {
      out += '.';
      out += std::to_string(value);
    }
    value = 0;
    groups = 0;
  }
  return groups == 0;
}

struct oid_name {
  const char* oid;
  const char* name;
};

// Signature and key algorithms (OpenSSL's long names, as Zeek's x509.log prints them).
constexpr oid_name algorithm_names[] = {
    {"1.2.840.113549.1.1.1", "rsaEncryption"},
    {"1.2.840.113549.1.1.2", "md2WithRSAEncryption"},
    {"1.2.840.113549.1.1.4", "md5WithRSAEncryption"},
    {"1.2.840.113549.1.1.5", "sha1WithRSAEncryption"},
    {"1.2.840.113549.1.1.10", "rsassaPss"},
    {"1.2.840.113549.1.1.11", "sha256WithRSAEncryption"},
    {"1.2.840.113549.1.1.12", "sha384WithRSAEncryption"},
    {"1.2.840.113549.1.1.13", "sha512WithRSAEncryption"},
    {"1.2.840.113549.1.1.14", "sha224WithRSAEncryption"},
    {"1.2.840.10045.2.1", "id-ecPublicKey"},
    {"1.2.840.10045.4.1", "ecdsa-with-SHA1"},
    {"1.2.840.10045.4.3.1", "ecdsa-with-SHA224"},
    {"1.2.840.10045.4.3.2", "ecdsa-with-SHA256"},
    {"1.2.840.10045.4.3.3", "ecdsa-with-SHA384"},
    {"1.2.840.10045.4.3.4", "ecdsa-with-SHA512"},
    {"1.2.840.10040.4.1", "dsaEncryption"},
    {"1.2.840.10040.4.3", "dsaWithSHA1"},
    {"2.16.840.1.101.3.4.3.2", "dsa_with_SHA256"},
    {"1.3.101.112", "ED25519"},
    {"1.3.101.113", "ED448"},
    {"1.3.101.110", "X25519"},
    {"1.3.101.111", "X448"},
};

// Named curves: OpenSSL's short name and the field size in bits.
struct curve_info {
  const char* oid;
  const char* name;
  std::uint32_t bits;
};
constexpr curve_info curves[] = {
    {"1.2.840.10045.3.1.7", "prime256v1", 256}, {"1.3.132.0.34", "secp384r1", 384},
    {"1.3.132.0.35", "secp521r1", 521},         {"1.3.132.0.33", "secp224r1", 224},
    {"1.3.132.0.10", "secp256k1", 256},         {"1.2.840.10045.3.1.1", "prime192v1", 192},
    {"1.3.36.3.3.2.8.1.1.7", "brainpoolP256r1", 256}, {"1.3.36.3.3.2.8.1.1.11", "brainpoolP384r1", 384},
    {"1.3.36.3.3.2.8.1.1.13", "brainpoolP512r1", 512},
};

// Attribute types of names, with the short names of RFC 4514 / OpenSSL.
constexpr oid_name attribute_names[] = {
    {"2.5.4.3", "CN"},           {"2.5.4.4", "SN"},
    {"2.5.4.5", "serialNumber"}, {"2.5.4.6", "C"},
    {"2.5.4.7", "L"},            {"2.5.4.8", "ST"},
    {"2.5.4.9", "street"},       {"2.5.4.10", "O"},
    {"2.5.4.11", "OU"},          {"2.5.4.12", "title"},
    {"2.5.4.15", "businessCategory"}, {"2.5.4.17", "postalCode"},
    {"2.5.4.42", "GN"},          {"2.5.4.43", "initials"},
    {"2.5.4.46", "dnQualifier"}, {"2.5.4.65", "pseudonym"},
    {"0.9.2342.19200300.100.1.25", "DC"}, {"0.9.2342.19200300.100.1.1", "UID"},
    {"1.2.840.113549.1.9.1", "emailAddress"},
    {"1.3.6.1.4.1.311.60.2.1.1", "jurisdictionL"},
    {"1.3.6.1.4.1.311.60.2.1.2", "jurisdictionST"},
    {"1.3.6.1.4.1.311.60.2.1.3", "jurisdictionC"},
};

template <std::size_t N>
const char* lookup(const oid_name (&table)[N], const std::string& oid) {
  for (const auto& e : table) {
    if (oid == e.oid) return e.name;
  }
  return nullptr;
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x110000) {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += '?';
  }
}

// A directory string as UTF-8 (at most `x509_max_text` bytes of input are read).
std::string string_value(const tlv& t) {
  bytes v = t.value.subspan(0, std::min(t.value.size(), x509_max_text));
  std::string s;
  switch (t.tag) {
    case tag_bmp:
      for (std::size_t i = 0; i + 1 < v.size(); i += 2) append_utf8(s, util::load_be16(v.data() + i));
      break;
    case tag_universal:
      for (std::size_t i = 0; i + 3 < v.size(); i += 4) append_utf8(s, util::load_be32(v.data() + i));
      break;
    case tag_teletex:  // read as Latin-1, like OpenSSL
      for (auto b : v) append_utf8(s, b);
      break;
    case tag_utf8:
    case tag_printable:
    case tag_ia5:
    default:  // UTF-8, or ASCII-compatible: kept as they are
      s.assign(util::as_chars(v));
      break;
  }
  return s;
}

// Escapes a value for RFC 4514 text.
void append_dn_value(std::string& out, const std::string& v) {
  for (std::size_t i = 0; i < v.size(); ++i) {
    char ch = v[i];
    bool special = ch == ',' || ch == '+' || ch == '"' || ch == '\\' || ch == '<' || ch == '>' || ch == ';' ||
                   (i == 0 && (ch == '#' || ch == ' ')) || (i + 1 == v.size() && ch == ' ');
    if (special) out += '\\';
    out += ch;
  }
}

std::string hex_upper(bytes v) {
  static constexpr char digits[] = "0123456789ABCDEF";
  std::string s;
  for (auto b : v) {
    s += digits[b >> 4];
    s += digits[b & 15];
  }
  return s;
}

// Reads a Name: the RFC 4514 text (last RDN first) and the last CN.
bool read_name(der_reader& parent, std::string& text, std::string& cn, std::pair<x509_anomaly, std::uint32_t>& soft) {
  tlv name;
  if (!parent.expect(tag_sequence, name)) return false;
  der_reader rdns = parent.inner(name);
  std::vector<std::string> parts;  // one per RDN, in order of appearance
  tlv rdn;
  std::size_t attributes = 0;
  while (rdns.next(rdn)) {
    if (rdn.tag != tag_set) return rdns.fail_at(x509_anomaly::bad_tag, rdn.offset);
    der_reader atvs = rdns.inner(rdn);
    std::string part;
    tlv atv;
    while (atvs.next(atv)) {
      if (atv.tag != tag_sequence) return atvs.fail_at(x509_anomaly::bad_tag, atv.offset);
      if (++attributes > x509_max_rdns) {
        if (soft.first == x509_anomaly::none) soft = {x509_anomaly::too_many_names, static_cast<std::uint32_t>(atv.offset)};
        continue;
      }
      der_reader f = atvs.inner(atv);
      tlv type, value;
      if (!f.expect(tag_oid, type) || !f.next(value)) return false;
      std::string oid;
      if (!oid_text(type.value, oid)) return f.fail_at(x509_anomaly::bad_oid, type.offset);
      if (!part.empty()) part += '+';
      const char* short_name = lookup(attribute_names, oid);
      part += short_name ? short_name : oid;
      part += '=';
      std::string sv = string_value(value);
      append_dn_value(part, sv);
      if (oid == "2.5.4.3") cn = sv;
    }
    parts.push_back(std::move(part));
  }
  for (std::size_t i = parts.size(); i-- > 0;) {
    if (text.size() > x509_max_text) break;
    if (parts[i].empty()) continue;  // attributes past the cap
    if (!text.empty()) text += ',';
    text += parts[i];
  }
  return rdns.at_end();
}

std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

bool read_time(const tlv& t, std::int64_t& out) {
  auto s = util::as_chars(t.value);
  std::size_t year_digits;
  if (t.tag == tag_utc_time) year_digits = 2;
  else if (t.tag == tag_generalized_time) year_digits = 4;
  else return false;
  // YY[YY]MMDDHHMM[SS]Z (fractions of GeneralizedTime ignored; offsets other than Z rejected).
  if (s.size() < year_digits + 8 + 1 || s.back() != 'Z') return false;
  auto digits = [&](std::size_t at, std::size_t n, int& v) {
    v = 0;
    for (std::size_t i = at; i < at + n; ++i) {
      if (i >= s.size() || s[i] < '0' || s[i] > '9') return false;
      v = v * 10 + (s[i] - '0');
    }
    return true;
  };
  int year, mon, day, hour, min, sec = 0;
  if (!digits(0, year_digits, year)) return false;
  std::size_t p = year_digits;
  if (!digits(p, 2, mon) || !digits(p + 2, 2, day) || !digits(p + 4, 2, hour) || !digits(p + 6, 2, min)) return false;
  p += 8;
  if (s[p] != 'Z') {
    if (!digits(p, 2, sec)) return false;
    p += 2;
    if (year_digits == 4 && p < s.size() && s[p] == '.') {
      ++p;
      while (p < s.size() && s[p] >= '0' && s[p] <= '9') ++p;
    }
  }
  if (p + 1 != s.size()) return false;
  if (year_digits == 2) year += year >= 50 ? 1900 : 2000;
  if (mon < 1 || mon > 12 || day < 1 || day > 31 || hour > 23 || min > 59 || sec > 60) return false;
  out = days_from_civil(year, static_cast<unsigned>(mon), static_cast<unsigned>(day)) * 86400 + hour * 3600 +
        min * 60 + sec;
  return true;
}

// Bits of a positive INTEGER's value (leading zero bytes and bits not counted).
std::uint32_t integer_bits(bytes v) {
  std::size_t i = 0;
  while (i < v.size() && v[i] == 0) ++i;
  if (i == v.size()) return 0;
  std::uint32_t bits = static_cast<std::uint32_t>((v.size() - i) * 8);
  for (std::uint8_t top = v[i]; !(top & 0x80); top = static_cast<std::uint8_t>(top << 1)) --bits;
  return bits;
}

void read_public_key(der_reader& parent, x509_cert& out) {
  tlv spki;
  if (!parent.expect(tag_sequence, spki)) return;
  der_reader r = parent.inner(spki);
  tlv alg, key;
  if (!r.expect(tag_sequence, alg)) return;
  der_reader a = r.inner(alg);
  tlv alg_oid, params;
  if (!a.expect(tag_oid, alg_oid)) return;
  bool has_params = a.next(params);
  std::string oid;
  if (!oid_text(alg_oid.value, oid)) {
    a.fail_at(x509_anomaly::bad_oid, alg_oid.offset);
    return;
  }
  const char* name = lookup(algorithm_names, oid);
  out.key_alg = name ? name : oid;
  if (!r.expect(tag_bit_string, key) || key.value.empty()) return;
  bytes bits = key.value.subspan(1);  // after the unused-bits count
  // The key contents are nested DER only for RSA; a problem there is not a certificate problem,
  // so it is read with its own problem slot.
  x509_anomaly local = x509_anomaly::none;
  std::uint32_t local_at = 0;
  if (oid == "1.2.840.113549.1.1.1" || oid == "1.2.840.113549.1.1.10") {
    out.key_type = "rsa";
    der_reader k(bits, key.value_offset + 1, local, local_at);
    tlv seq, modulus;
    if (k.expect(tag_sequence, seq)) {
      der_reader m = k.inner(seq);
      if (m.expect(tag_integer, modulus)) out.key_length = integer_bits(modulus.value);
    }
  } else if (oid == "1.2.840.10045.2.1") {
    out.key_type = "ecdsa";
    std::string curve_oid;
    if (has_params && params.tag == tag_oid && oid_text(params.value, curve_oid)) {
      out.curve = curve_oid;
      for (const auto& c : curves) {
        if (curve_oid == c.oid) {
          out.curve = c.name;
          out.key_length = c.bits;
        }
      }
    }
  } else if (oid == "1.2.840.10040.4.1") {
    out.key_type = "dsa";
    if (has_params && params.tag == tag_sequence) {
      der_reader p(params.value, params.value_offset, local, local_at);
      tlv prime;
      if (p.expect(tag_integer, prime)) out.key_length = integer_bits(prime.value);
    }
  } else if (oid == "1.3.101.112") {
    out.key_type = "ed25519";
    out.key_length = 256;
  } else if (oid == "1.3.101.113") {
    out.key_type = "ed448";
    out.key_length = 456;
  }
}

std::string ip_text(bytes v) {
  char buf[64];
  if (v.size() == 4) {
    std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", v[0], v[1], v[2], v[3]);
    return buf;
  }
  if (v.size() == 16) {
    std::string s;
    for (std::size_t i = 0; i < 16; i += 2) {
      if (i) s += ':';
      std::snprintf(buf, sizeof buf, "%x", util::load_be16(v.data() + i));
      s += buf;
    }
    return s;
  }
  return hex_upper(v);
}

void read_extensions(der_reader& parent, const tlv& wrapper, x509_cert& out,
                     std::pair<x509_anomaly, std::uint32_t>& soft) {
  der_reader w = parent.inner(wrapper);
  tlv list;
  if (!w.expect(tag_sequence, list)) return;
  der_reader exts = w.inner(list);
  tlv ext;
  while (exts.next(ext)) {
    if (ext.tag != tag_sequence) {
      exts.fail_at(x509_anomaly::bad_tag, ext.offset);
      return;
    }
    der_reader e = exts.inner(ext);
    tlv id, value;
    if (!e.expect(tag_oid, id)) return;
    if (e.peek_tag() == tag_boolean) {
      tlv critical;
      e.next(critical);
    }
    if (!e.expect(tag_octet_string, value)) return;
    std::string oid;
    if (!oid_text(id.value, oid)) continue;
    if (oid == "2.5.29.17") {  // subjectAltName
      der_reader v(value.value, value.value_offset, out.anomaly, out.anomaly_offset);
      tlv names;
      if (!v.expect(tag_sequence, names)) return;
      der_reader n = v.inner(names);
      tlv gn;
      std::size_t count = 0;
      while (n.next(gn)) {
        if (++count > x509_max_sans) {
          if (soft.first == x509_anomaly::none) soft = {x509_anomaly::too_many_names, static_cast<std::uint32_t>(gn.offset)};
          break;
        }
        auto text = [&] { return std::string(util::as_chars(gn.value.subspan(0, std::min(gn.value.size(), x509_max_text)))); };
        switch (gn.tag) {
          case 0x81: out.san_email.push_back(text()); break;
          case 0x82: out.san_dns.push_back(text()); break;
          case 0x86: out.san_uri.push_back(text()); break;
          case 0x87: out.san_ip.push_back(ip_text(gn.value)); break;
          default: break;
        }
      }
    } else if (oid == "2.5.29.19") {  // basicConstraints
      x509_anomaly local = x509_anomaly::none;
      std::uint32_t local_at = 0;
      der_reader v(value.value, value.value_offset, local, local_at);
      tlv seq, ca;
      if (v.expect(tag_sequence, seq)) {
        der_reader b = v.inner(seq);
        if (b.peek_tag() == tag_boolean && b.next(ca)) out.is_ca = ca.value.size() == 1 && ca.value[0] != 0;
      }
    }
  }
}

}  // namespace

std::string_view x509_anomaly_name(x509_anomaly a) noexcept {
  switch (a) {
    case x509_anomaly::none: return "x509.none";
    case x509_anomaly::truncated: return "x509.truncated";
    case x509_anomaly::bad_length: return "x509.bad_length";
    case x509_anomaly::bad_tag: return "x509.bad_tag";
    case x509_anomaly::too_deep: return "x509.too_deep";
    case x509_anomaly::bad_time: return "x509.bad_time";
    case x509_anomaly::bad_oid: return "x509.bad_oid";
    case x509_anomaly::trailing_data: return "x509.trailing_data";
    case x509_anomaly::too_many_names: return "x509.too_many_names";
    case x509_anomaly::count_: break;
  }
  return "x509.unknown";
}

bool parse_x509(bytes der, x509_cert& out) {
  out = x509_cert{};
  der_reader top(der, 0, out.anomaly, out.anomaly_offset);
  tlv cert;
  if (!top.expect(tag_sequence, cert)) return false;
  std::size_t cert_end = top.position();
  // Problems that do not stop reading (bad times, capped lists), reported when nothing worse was.
  std::pair<x509_anomaly, std::uint32_t> soft{x509_anomaly::none, 0};
  if (!check_structure(cert.value, cert.value_offset, 1, out.anomaly, out.anomaly_offset)) return false;
  der_reader c = top.inner(cert);
  tlv tbs;
  if (!c.expect(tag_sequence, tbs)) return false;
  der_reader t = c.inner(tbs);
  tlv el;
  if (t.peek_tag() == 0xA0) {  // [0] EXPLICIT version
    t.next(el);
    der_reader v = t.inner(el);
    tlv ver;
    if (!v.expect(tag_integer, ver)) return false;
    if (ver.value.size() == 1 && ver.value[0] <= 2) out.version = static_cast<std::uint8_t>(ver.value[0] + 1);
  }
  if (!t.expect(tag_integer, el)) return false;
  {
    bytes serial = el.value;
    while (serial.size() > 1 && serial[0] == 0) serial = serial.subspan(1);
    out.serial = hex_upper(serial.subspan(0, std::min<std::size_t>(serial.size(), 64)));
  }
  if (!t.expect(tag_sequence, el)) return false;  // signature (repeated outside the TBS)
  if (!read_name(t, out.issuer, out.issuer_cn, soft)) return false;
  tlv validity;
  if (!t.expect(tag_sequence, validity)) return false;
  {
    der_reader v = t.inner(validity);
    tlv nb, na;
    if (!v.next(nb) || !v.next(na)) {
      v.fail_at(x509_anomaly::truncated, validity.offset);
      return false;
    }
    out.has_validity = read_time(nb, out.not_before) && read_time(na, out.not_after);
    if (!out.has_validity) soft = {x509_anomaly::bad_time, static_cast<std::uint32_t>(nb.offset)};
  }
  if (!read_name(t, out.subject, out.subject_cn, soft)) return false;
  read_public_key(t, out);
  if (out.anomaly != x509_anomaly::none) return false;
  while (t.next(el)) {
    if (el.tag == 0xA3) read_extensions(t, el, out, soft);
  }
  // signatureAlgorithm
  tlv sig_alg;
  if (c.expect(tag_sequence, sig_alg)) {
    der_reader a = c.inner(sig_alg);
    tlv oid_el;
    std::string oid;
    if (a.expect(tag_oid, oid_el) && oid_text(oid_el.value, oid)) {
      const char* name = lookup(algorithm_names, oid);
      out.sig_alg = name ? name : oid;
    }
  }
  if (out.anomaly == x509_anomaly::none && soft.first != x509_anomaly::none) {
    out.anomaly = soft.first;
    out.anomaly_offset = soft.second;
  }
  if (cert_end < der.size() && out.anomaly == x509_anomaly::none) {
    out.anomaly = x509_anomaly::trailing_data;
    out.anomaly_offset = static_cast<std::uint32_t>(cert_end);
  }
  out.ok = out.anomaly == x509_anomaly::none || out.anomaly == x509_anomaly::too_many_names ||
           out.anomaly == x509_anomaly::bad_time;
  return out.ok;
}

std::string x509_time_text(std::int64_t t) {
  std::int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
  std::int64_t secs = t - days * 86400;
  // civil_from_days
  days += 719468;
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const auto doe = static_cast<unsigned>(days - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) ++y;
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lldZ", static_cast<long long>(y), m, d,
                static_cast<long long>(secs / 3600), static_cast<long long>((secs / 60) % 60),
                static_cast<long long>(secs % 60));
  return buf;
}

}  // namespace pcapscope::app
