// Byte builders for the capture tests: classic pcap headers/records and pcapng blocks with
// options, in either byte order, assembled from the format specifications (not from the reader).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace pcapscope::test::build {

using byte_vec = std::vector<std::uint8_t>;

/// Appends integers in a chosen byte order.
struct out {
  bool big = false;
  byte_vec v;

  explicit out(bool big_endian = false) : big(big_endian) {}

  out& u8(std::uint8_t x) {
    v.push_back(x);
    return *this;
  }
  out& u16(std::uint16_t x) {
    if (big) {
      v.push_back(static_cast<std::uint8_t>(x >> 8));
      v.push_back(static_cast<std::uint8_t>(x));
    } else {
      v.push_back(static_cast<std::uint8_t>(x));
      v.push_back(static_cast<std::uint8_t>(x >> 8));
    }
    return *this;
  }
  out& u32(std::uint32_t x) {
    for (int i = 0; i < 4; ++i) {
      int shift = big ? (3 - i) * 8 : i * 8;
      v.push_back(static_cast<std::uint8_t>(x >> shift));
    }
    return *this;
  }
  out& u64(std::uint64_t x) {
    for (int i = 0; i < 8; ++i) {
      int shift = big ? (7 - i) * 8 : i * 8;
      v.push_back(static_cast<std::uint8_t>(x >> shift));
    }
    return *this;
  }
  out& raw(const byte_vec& b) {
    v.insert(v.end(), b.begin(), b.end());
    return *this;
  }
  out& raw(std::string_view s) {
    v.insert(v.end(), s.begin(), s.end());
    return *this;
  }
  out& pad4() {
    while (v.size() % 4) v.push_back(0);
    return *this;
  }
};

/// Concatenates byte vectors.
inline byte_vec cat(std::initializer_list<byte_vec> parts) {
  byte_vec r;
  for (const auto& p : parts) r.insert(r.end(), p.begin(), p.end());
  return r;
}

/// Deterministic packet payload of `n` bytes starting at `seed`.
inline byte_vec payload(std::size_t n, std::uint8_t seed = 0) {
  byte_vec r(n);
  for (std::size_t i = 0; i < n; ++i) r[i] = static_cast<std::uint8_t>(seed + i * 7 + 1);
  return r;
}

// ---------------------------------------------------------------------------------------------
// Classic pcap (draft-ietf-opsawg-pcap)

constexpr std::uint32_t magic_us = 0xa1b2c3d4;
constexpr std::uint32_t magic_ns = 0xa1b23c4d;
constexpr std::uint32_t magic_kuznetsov = 0xa1b2cd34;

/// 24-byte file header. `big` selects the byte order the file is written in.
inline byte_vec pcap_header(bool big, std::uint32_t magic = magic_us, std::uint32_t snaplen = 65535,
                            std::uint32_t linktype_field = 1, std::uint16_t major = 2,
                            std::uint16_t minor = 4) {
  out o(big);
  o.u32(magic).u16(major).u16(minor).u32(0).u32(0).u32(snaplen).u32(linktype_field);
  return o.v;
}

/// 16-byte record header + data. `caplen` defaults to data.size() (pass a different one to lie).
inline byte_vec pcap_record(bool big, std::uint32_t sec, std::uint32_t frac, const byte_vec& data,
                            std::uint32_t origlen = 0, std::int64_t caplen = -1) {
  out o(big);
  o.u32(sec).u32(frac);
  o.u32(caplen < 0 ? static_cast<std::uint32_t>(data.size()) : static_cast<std::uint32_t>(caplen));
  o.u32(origlen ? origlen : static_cast<std::uint32_t>(data.size()));
  o.raw(data);
  return o.v;
}

/// Kuznetsov's 24-byte record header: the usual 16 bytes plus ifindex (u32), protocol (u16),
/// pkt_type (u8) and one pad byte.
inline byte_vec kuznetsov_record(bool big, std::uint32_t sec, std::uint32_t usec,
                                 const byte_vec& data, std::uint32_t origlen = 0) {
  out o(big);
  o.u32(sec).u32(usec).u32(static_cast<std::uint32_t>(data.size()));
  o.u32(origlen ? origlen : static_cast<std::uint32_t>(data.size()));
  o.u32(2).u16(0x0800).u8(0).u8(0);
  o.raw(data);
  return o.v;
}

// ---------------------------------------------------------------------------------------------
// pcapng (draft-ietf-opsawg-pcapng)

constexpr std::uint32_t bt_shb = 0x0A0D0D0A;
constexpr std::uint32_t bt_idb = 0x00000001;
constexpr std::uint32_t bt_pb = 0x00000002;
constexpr std::uint32_t bt_spb = 0x00000003;
constexpr std::uint32_t bt_nrb = 0x00000004;
constexpr std::uint32_t bt_isb = 0x00000005;
constexpr std::uint32_t bt_epb = 0x00000006;
constexpr std::uint32_t bt_dsb = 0x0000000A;
constexpr std::uint32_t bt_custom = 0x00000BAD;
constexpr std::uint32_t bt_custom_nocopy = 0x40000BAD;

// Option codes.
constexpr std::uint16_t opt_endofopt = 0;
constexpr std::uint16_t opt_comment = 1;
constexpr std::uint16_t shb_hardware = 2;
constexpr std::uint16_t shb_os = 3;
constexpr std::uint16_t shb_userappl = 4;
constexpr std::uint16_t if_name = 2;
constexpr std::uint16_t if_description = 3;
constexpr std::uint16_t if_tsresol = 9;
constexpr std::uint16_t if_filter = 11;
constexpr std::uint16_t if_os = 12;
constexpr std::uint16_t if_fcslen = 13;
constexpr std::uint16_t if_tsoffset = 14;
constexpr std::uint16_t if_hardware = 15;
constexpr std::uint16_t epb_flags = 2;
constexpr std::uint16_t epb_dropcount = 4;
constexpr std::uint16_t isb_starttime = 2;
constexpr std::uint16_t isb_endtime = 3;
constexpr std::uint16_t isb_ifrecv = 4;
constexpr std::uint16_t isb_ifdrop = 5;
constexpr std::uint16_t isb_filteraccept = 6;
constexpr std::uint16_t isb_osdrop = 7;
constexpr std::uint16_t isb_usrdeliv = 8;
constexpr std::uint16_t nrb_record_end = 0;
constexpr std::uint16_t nrb_record_ipv4 = 1;
constexpr std::uint16_t nrb_record_ipv6 = 2;

/// An option list: code, length, value padded to 32 bits; `end()` appends opt_endofopt.
struct options {
  out o;
  explicit options(bool big = false) : o(big) {}

  options& bytes(std::uint16_t code, const byte_vec& value) {
    o.u16(code).u16(static_cast<std::uint16_t>(value.size())).raw(value).pad4();
    return *this;
  }
  options& str(std::uint16_t code, std::string_view s) {
    o.u16(code).u16(static_cast<std::uint16_t>(s.size())).raw(s).pad4();
    return *this;
  }
  options& u8(std::uint16_t code, std::uint8_t x) {
    o.u16(code).u16(1).u8(x).pad4();
    return *this;
  }
  options& u32(std::uint16_t code, std::uint32_t x) {
    o.u16(code).u16(4).u32(x);
    return *this;
  }
  options& u64(std::uint16_t code, std::uint64_t x) {
    o.u16(code).u16(8).u64(x);
    return *this;
  }
  /// A timestamp option (isb_starttime/endtime): upper 32 bits then lower 32 bits.
  options& ts(std::uint16_t code, std::uint64_t units) {
    o.u16(code).u16(8).u32(static_cast<std::uint32_t>(units >> 32)).u32(static_cast<std::uint32_t>(units));
    return *this;
  }
  options& end() {
    o.u16(opt_endofopt).u16(0);
    return *this;
  }
  byte_vec done() const { return o.v; }
};

/// A generic block: type, total length, body padded to 32 bits, total length.
/// `len_override` replaces the leading length field, `trailer_override` the trailing one
/// (0 = use the real length).
inline byte_vec block(bool big, std::uint32_t type, const byte_vec& body,
                      std::uint32_t len_override = 0, std::uint32_t trailer_override = 0) {
  byte_vec padded = body;
  while (padded.size() % 4) padded.push_back(0);
  std::uint32_t total = static_cast<std::uint32_t>(padded.size() + 12);
  out o(big);
  o.u32(type).u32(len_override ? len_override : total).raw(padded);
  o.u32(trailer_override ? trailer_override : total);
  return o.v;
}

/// Section Header Block.
inline byte_vec shb(bool big, const byte_vec& opts = {}, std::int64_t section_length = -1,
                    std::uint16_t major = 1, std::uint16_t minor = 0,
                    std::uint32_t bom = 0x1A2B3C4D) {
  out b(big);
  b.u32(bom).u16(major).u16(minor).u64(static_cast<std::uint64_t>(section_length)).raw(opts);
  return block(big, bt_shb, b.v);
}

/// Interface Description Block.
inline byte_vec idb(bool big, std::uint16_t linktype = 1, std::uint32_t snaplen = 0,
                    const byte_vec& opts = {}) {
  out b(big);
  b.u16(linktype).u16(0).u32(snaplen).raw(opts);
  return block(big, bt_idb, b.v);
}

/// Body of an Enhanced Packet Block (without type/length/trailer).
inline byte_vec epb_body(bool big, std::uint32_t iface, std::uint64_t ts, const byte_vec& data,
                         std::uint32_t origlen = 0, const byte_vec& opts = {},
                         std::int64_t caplen = -1) {
  out b(big);
  b.u32(iface).u32(static_cast<std::uint32_t>(ts >> 32)).u32(static_cast<std::uint32_t>(ts));
  b.u32(caplen < 0 ? static_cast<std::uint32_t>(data.size()) : static_cast<std::uint32_t>(caplen));
  b.u32(origlen ? origlen : static_cast<std::uint32_t>(data.size()));
  b.raw(data).pad4().raw(opts);
  return b.v;
}

/// Enhanced Packet Block.
inline byte_vec epb(bool big, std::uint32_t iface, std::uint64_t ts, const byte_vec& data,
                    std::uint32_t origlen = 0, const byte_vec& opts = {}) {
  return block(big, bt_epb, epb_body(big, iface, ts, data, origlen, opts));
}

/// Simple Packet Block: original length + data (the block may hold less than origlen).
inline byte_vec spb(bool big, std::uint32_t origlen, const byte_vec& data) {
  out b(big);
  b.u32(origlen).raw(data);
  return block(big, bt_spb, b.v);
}

/// Obsolete Packet Block (type 2): 16-bit interface id, 16-bit drops count.
inline byte_vec packet_block(bool big, std::uint16_t iface, std::uint64_t ts,
                             const byte_vec& data, std::uint32_t origlen = 0,
                             const byte_vec& opts = {}) {
  out b(big);
  b.u16(iface).u16(0).u32(static_cast<std::uint32_t>(ts >> 32)).u32(static_cast<std::uint32_t>(ts));
  b.u32(static_cast<std::uint32_t>(data.size()));
  b.u32(origlen ? origlen : static_cast<std::uint32_t>(data.size()));
  b.raw(data).pad4().raw(opts);
  return block(big, bt_pb, b.v);
}

/// Name resolution record helpers.
inline byte_vec nrb_ipv4(bool big, std::initializer_list<std::uint8_t> addr,
                         std::initializer_list<std::string_view> names) {
  out v(big);
  for (auto a : addr) v.u8(a);
  for (auto n : names) v.raw(n).u8(0);
  out r(big);
  r.u16(nrb_record_ipv4).u16(static_cast<std::uint16_t>(v.v.size())).raw(v.v).pad4();
  return r.v;
}
inline byte_vec nrb_ipv6(bool big, const byte_vec& addr16,
                         std::initializer_list<std::string_view> names) {
  out v(big);
  v.raw(addr16);
  for (auto n : names) v.raw(n).u8(0);
  out r(big);
  r.u16(nrb_record_ipv6).u16(static_cast<std::uint16_t>(v.v.size())).raw(v.v).pad4();
  return r.v;
}
/// Name Resolution Block: records, nrb_record_end, then options.
inline byte_vec nrb(bool big, const byte_vec& records, const byte_vec& opts = {}) {
  out b(big);
  b.raw(records).u16(nrb_record_end).u16(0).raw(opts);
  return block(big, bt_nrb, b.v);
}

/// Interface Statistics Block.
inline byte_vec isb(bool big, std::uint32_t iface, std::uint64_t ts, const byte_vec& opts = {}) {
  out b(big);
  b.u32(iface).u32(static_cast<std::uint32_t>(ts >> 32)).u32(static_cast<std::uint32_t>(ts)).raw(opts);
  return block(big, bt_isb, b.v);
}

/// Decryption Secrets Block.
inline byte_vec dsb(bool big, std::uint32_t secrets_type, const byte_vec& secrets,
                    const byte_vec& opts = {}) {
  out b(big);
  b.u32(secrets_type).u32(static_cast<std::uint32_t>(secrets.size())).raw(secrets).pad4().raw(opts);
  return block(big, bt_dsb, b.v);
}

/// Custom Block (0x00000BAD or 0x40000BAD): private enterprise number + data.
inline byte_vec custom(bool big, std::uint32_t type, std::uint32_t pen, const byte_vec& data) {
  out b(big);
  b.u32(pen).raw(data);
  return block(big, type, b.v);
}

/// ns → units of 10^-exp seconds (for building timestamps).
inline std::uint64_t units(std::uint64_t sec, std::uint64_t frac, int exp) {
  std::uint64_t scale = 1;
  for (int i = 0; i < exp; ++i) scale *= 10;
  return sec * scale + frac;
}

}  // namespace pcapscope::test::build
