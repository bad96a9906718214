// Checks shared by the capture and writer tests: chunk-independence comparison of two reads and
// a small strict JSON parser (to validate summary_json without a third-party library).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "support/test_support.hpp"

namespace pcapscope::test {

/// Expects two reads of the same input to agree on every record and anomaly.
inline void expect_same_reads(const read_result& a, const read_result& b, const std::string& what) {
  SCOPED_TRACE(what);
  ASSERT_EQ(a.h.records.size(), b.h.records.size());
  for (std::size_t i = 0; i < a.h.records.size(); ++i) {
    SCOPED_TRACE("record " + std::to_string(i));
    const auto& x = a.h.records[i];
    const auto& y = b.h.records[i];
    EXPECT_EQ(x.r.ts_ns, y.r.ts_ns);
    EXPECT_EQ(x.r.caplen, y.r.caplen);
    EXPECT_EQ(x.r.origlen, y.r.origlen);
    EXPECT_EQ(x.r.interface, y.r.interface);
    EXPECT_EQ(x.r.link_type, y.r.link_type);
    EXPECT_EQ(x.r.kind, y.r.kind);
    EXPECT_EQ(x.r.has_timestamp, y.r.has_timestamp);
    EXPECT_EQ(x.r.epb_flags, y.r.epb_flags);
    EXPECT_EQ(x.r.record_offset, y.r.record_offset);
    EXPECT_EQ(x.r.data_offset, y.r.data_offset);
    EXPECT_EQ(x.r.record_length, y.r.record_length);
    EXPECT_EQ(x.data, y.data);
    EXPECT_EQ(x.options, y.options);
    EXPECT_EQ(x.comments, y.comments);
  }
  ASSERT_EQ(a.info.anomalies.size(), b.info.anomalies.size());
  for (std::size_t i = 0; i < a.info.anomalies.size(); ++i) {
    EXPECT_EQ(a.info.anomalies[i].code, b.info.anomalies[i].code) << "anomaly " << i;
    EXPECT_EQ(a.info.anomalies[i].offset, b.info.anomalies[i].offset) << "anomaly " << i;
  }
  EXPECT_EQ(a.h.anomalies.size(), b.h.anomalies.size());
  EXPECT_EQ(a.info.packets, b.info.packets);
  EXPECT_EQ(a.info.records_lost, b.info.records_lost);
  EXPECT_EQ(a.info.fatal, b.info.fatal);
  EXPECT_EQ(a.info.interfaces.size(), b.info.interfaces.size());
  EXPECT_EQ(a.info.sections.size(), b.info.sections.size());
  EXPECT_EQ(a.h.interface_events, b.h.interface_events);
}

/// Checks what must hold for any read: totals agree with the delivered records, every record
/// refers to a known interface, anomalies kept <= counted, and every input byte is accounted for.
inline void expect_invariants(const read_result& r, std::size_t input_size) {
  SCOPED_TRACE("invariants");
  const auto& info = r.info;
  EXPECT_EQ(info.packets, r.h.records.size());
  std::uint64_t cap = 0, orig = 0, with_time = 0, without = 0;
  std::uint32_t maxcap = 0;
  std::int64_t lo = 0, hi = 0;
  bool ordered = true, have_prev = false;
  std::int64_t prev = 0;
  std::vector<std::uint64_t> per_iface(info.interfaces.size());
  for (const auto& o : r.h.records) {
    EXPECT_EQ(o.r.caplen, o.data.size());
    cap += o.r.caplen;
    orig += o.r.origlen;
    maxcap = std::max(maxcap, o.r.caplen);
    EXPECT_LT(o.r.interface, info.interfaces.size());
    if (o.r.interface < info.interfaces.size()) {
      ++per_iface[o.r.interface];
      EXPECT_EQ(o.r.link_type, info.interfaces[o.r.interface].link_type);
    }
    EXPECT_LE(o.r.record_offset + 12, o.r.data_offset);
    EXPECT_LE(o.r.data_offset + o.r.caplen, o.r.record_offset + o.r.record_length);
    if (o.r.has_timestamp) {
      if (with_time == 0) lo = hi = o.r.ts_ns;
      lo = std::min(lo, o.r.ts_ns);
      hi = std::max(hi, o.r.ts_ns);
      if (have_prev && o.r.ts_ns < prev) ordered = false;
      prev = o.r.ts_ns;
      have_prev = true;
      ++with_time;
    } else {
      ++without;
    }
  }
  EXPECT_EQ(info.bytes_captured, cap);
  EXPECT_EQ(info.bytes_original, orig);
  EXPECT_EQ(info.max_caplen, maxcap);
  EXPECT_EQ(info.packets_with_time, with_time);
  EXPECT_EQ(info.packets_without_timestamp, without);
  if (with_time) {
    EXPECT_EQ(info.first_ns, lo);
    EXPECT_EQ(info.last_ns, hi);
  }
  EXPECT_EQ(info.time_ordered, ordered);
  for (std::size_t i = 0; i < per_iface.size(); ++i)
    EXPECT_EQ(info.interfaces[i].packets, per_iface[i]) << "interface " << i;
  EXPECT_LE(info.anomalies.size(), info.anomaly_total);
  EXPECT_EQ(r.h.anomalies.size(), info.anomaly_total);
  EXPECT_EQ(info.bytes_consumed + info.bytes_unparsed, input_size);
  EXPECT_EQ(info.fatal, !info.error.empty());
  EXPECT_EQ(r.h.interface_events.size(), info.interfaces.size());
  std::uint32_t next = 0;
  for (const auto& s : info.sections) {
    EXPECT_EQ(s.first_interface, next);
    next += s.interface_count;
  }
  if (info.format == capture::file_format::pcapng) {
    EXPECT_EQ(next, info.interfaces.size());
  }
}

/// Reads `bytes` whole, in 1-byte chunks, in a few fixed sizes and in random chunk sizes, and
/// expects every read to equal the whole read. Returns the whole read.
inline read_result read_all_ways(const std::vector<std::uint8_t>& bytes,
                                 capture::reader_limits limits = {}) {
  read_result whole = read_bytes(bytes, 0, limits);
  expect_invariants(whole, bytes.size());
  {
    auto one = read_bytes(bytes, 1, limits);
    expect_same_reads(whole, one, "1-byte chunks");
  }
  for (std::size_t c : {2u, 3u, 7u, 13u, 64u}) {
    auto r = read_bytes(bytes, c, limits);
    expect_same_reads(whole, r, "chunks of " + std::to_string(c));
  }
  const capture::reader_limits def{};
  // read_bytes_random_chunks uses default limits: only compare when those are in force.
  if (limits.max_block == def.max_block && limits.max_anomalies == def.max_anomalies &&
      limits.max_normal_caplen == def.max_normal_caplen && limits.max_names == def.max_names &&
      limits.max_secret_bytes == def.max_secret_bytes) {
    for (std::uint32_t seed : {1u, 2u, 3u, 42u}) {
      auto r = read_bytes_random_chunks(bytes, seed, 17);
      expect_same_reads(whole, r, "random chunks seed " + std::to_string(seed));
    }
  }
  return whole;
}

/// Number of anomalies with `code`.
inline std::size_t count_anomaly(const capture::capture_info& info, capture::anomaly_code code) {
  std::size_t n = 0;
  for (const auto& a : info.anomalies) n += a.code == code;
  return n;
}

/// The first anomaly with `code` (null if none).
inline const capture::anomaly* find_anomaly(const capture::capture_info& info,
                                            capture::anomaly_code code) {
  for (const auto& a : info.anomalies)
    if (a.code == code) return &a;
  return nullptr;
}

// ---------------------------------------------------------------------------------------------
// Minimal strict JSON parser (RFC 8259): enough to validate and inspect summary_json.

struct json_value {
  enum class kind { null, boolean, number, string, array, object } k = kind::null;
  bool b = false;
  std::string num;  ///< number text as written
  std::string s;
  std::vector<json_value> arr;
  std::vector<std::pair<std::string, json_value>> obj;

  const json_value* get(std::string_view key) const {
    for (const auto& [k2, v] : obj)
      if (k2 == key) return &v;
    return nullptr;
  }
};

class json_parser {
 public:
  explicit json_parser(std::string_view text) : t_(text) {}

  /// Parses the whole text; returns false (with `error`) on any syntax error.
  bool parse(json_value& out, std::string& error) {
    ws();
    if (!value(out, 0)) {
      error = err_.empty() ? "syntax error at " + std::to_string(p_) : err_;
      return false;
    }
    ws();
    if (p_ != t_.size()) {
      error = "trailing characters at " + std::to_string(p_);
      return false;
    }
    return true;
  }

 private:
  bool fail(const std::string& m) {
    if (err_.empty()) err_ = m + " at " + std::to_string(p_);
    return false;
  }
  void ws() {
    while (p_ < t_.size() && (t_[p_] == ' ' || t_[p_] == '\t' || t_[p_] == '\n' || t_[p_] == '\r'))
      ++p_;
  }
  bool lit(std::string_view w) {
    if (t_.substr(p_, w.size()) != w) return fail("bad literal");
    p_ += w.size();
    return true;
  }
  bool value(json_value& v, int depth) {
    if (depth > 64) return fail("too deep");
    if (p_ >= t_.size()) return fail("unexpected end");
    char c = t_[p_];
    if (c == '{') return object(v, depth);
    if (c == '[') return array(v, depth);
    if (c == '"') {
      v.k = json_value::kind::string;
      return string(v.s);
    }
    if (c == 't') {
      v.k = json_value::kind::boolean;
      v.b = true;
      return lit("true");
    }
    if (c == 'f') {
      v.k = json_value::kind::boolean;
      return lit("false");
    }
    if (c == 'n') return lit("null");
    return number(v);
  }
  bool number(json_value& v) {
    std::size_t s = p_;
    if (p_ < t_.size() && t_[p_] == '-') ++p_;
    if (p_ >= t_.size()) return fail("bad number");
    if (t_[p_] == '0') {
      ++p_;
    } else if (t_[p_] >= '1' && t_[p_] <= '9') {
      while (p_ < t_.size() && t_[p_] >= '0' && t_[p_] <= '9') ++p_;
    } else {
      return fail("bad value");
    }
    if (p_ < t_.size() && t_[p_] == '.') {
      ++p_;
      std::size_t d = p_;
      while (p_ < t_.size() && t_[p_] >= '0' && t_[p_] <= '9') ++p_;
      if (d == p_) return fail("bad fraction");
    }
    if (p_ < t_.size() && (t_[p_] == 'e' || t_[p_] == 'E')) {
      ++p_;
      if (p_ < t_.size() && (t_[p_] == '+' || t_[p_] == '-')) ++p_;
      std::size_t d = p_;
      while (p_ < t_.size() && t_[p_] >= '0' && t_[p_] <= '9') ++p_;
      if (d == p_) return fail("bad exponent");
    }
    v.k = json_value::kind::number;
    v.num = std::string(t_.substr(s, p_ - s));
    return true;
  }
  static int hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }
  void utf8(std::string& o, std::uint32_t cp) {
    if (cp < 0x80) {
      o += static_cast<char>(cp);
    } else if (cp < 0x800) {
      o += static_cast<char>(0xC0 | (cp >> 6));
      o += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      o += static_cast<char>(0xE0 | (cp >> 12));
      o += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      o += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      o += static_cast<char>(0xF0 | (cp >> 18));
      o += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      o += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      o += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }
  bool hex4(std::uint32_t& cp) {
    if (p_ + 4 > t_.size()) return fail("short \\u escape");
    cp = 0;
    for (int i = 0; i < 4; ++i) {
      int h = hex(t_[p_++]);
      if (h < 0) return fail("bad \\u escape");
      cp = cp * 16 + static_cast<std::uint32_t>(h);
    }
    return true;
  }
  bool string(std::string& o) {
    ++p_;  // opening quote
    while (true) {
      if (p_ >= t_.size()) return fail("unterminated string");
      auto c = static_cast<unsigned char>(t_[p_]);
      if (c == '"') {
        ++p_;
        return true;
      }
      if (c < 0x20) return fail("raw control character in string");
      if (c != '\\') {
        o += static_cast<char>(c);
        ++p_;
        continue;
      }
      ++p_;
      if (p_ >= t_.size()) return fail("bad escape");
      char e = t_[p_++];
      switch (e) {
        case '"': o += '"'; break;
        case '\\': o += '\\'; break;
        case '/': o += '/'; break;
        case 'b': o += '\b'; break;
        case 'f': o += '\f'; break;
        case 'n': o += '\n'; break;
        case 'r': o += '\r'; break;
        case 't': o += '\t'; break;
        case 'u': {
          std::uint32_t cp;
          if (!hex4(cp)) return false;
          if (cp >= 0xD800 && cp < 0xDC00) {
            if (t_.substr(p_, 2) != "\\u") return fail("lone surrogate");
            p_ += 2;
            std::uint32_t lo;
            if (!hex4(lo)) return false;
            if (lo < 0xDC00 || lo > 0xDFFF) return fail("bad surrogate pair");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          }
          utf8(o, cp);
          break;
        }
        default: return fail("bad escape");
      }
    }
  }
  bool array(json_value& v, int depth) {
    v.k = json_value::kind::array;
    ++p_;
    ws();
    if (p_ < t_.size() && t_[p_] == ']') {
      ++p_;
      return true;
    }
    while (true) {
      json_value e;
      ws();
      if (!value(e, depth + 1)) return false;
      v.arr.push_back(std::move(e));
      ws();
      if (p_ >= t_.size()) return fail("unterminated array");
      if (t_[p_] == ',') {
        ++p_;
        continue;
      }
      if (t_[p_] == ']') {
        ++p_;
        return true;
      }
      return fail("expected , or ]");
    }
  }
  bool object(json_value& v, int depth) {
    v.k = json_value::kind::object;
    ++p_;
    ws();
    if (p_ < t_.size() && t_[p_] == '}') {
      ++p_;
      return true;
    }
    while (true) {
      ws();
      if (p_ >= t_.size() || t_[p_] != '"') return fail("expected key");
      std::string key;
      if (!string(key)) return false;
      ws();
      if (p_ >= t_.size() || t_[p_] != ':') return fail("expected :");
      ++p_;
      ws();
      json_value e;
      if (!value(e, depth + 1)) return false;
      v.obj.emplace_back(std::move(key), std::move(e));
      ws();
      if (p_ >= t_.size()) return fail("unterminated object");
      if (t_[p_] == ',') {
        ++p_;
        continue;
      }
      if (t_[p_] == '}') {
        ++p_;
        return true;
      }
      return fail("expected , or }");
    }
  }

  std::string_view t_;
  std::size_t p_ = 0;
  std::string err_;
};

}  // namespace pcapscope::test
