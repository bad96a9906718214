// Push reader for classic pcap and pcapng. Records inside a chunk are parsed in place; only a
// record that spans chunks is copied (into `pending_`, bounded by reader_limits::max_block).
#include "pcapscope/capture/reader.hpp"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <limits>
#include <string>

#include "options.hpp"
#include "pcapscope/util/size_opt.hpp"

namespace pcapscope::capture {

namespace {

using util::bytes;

constexpr std::uint32_t kShb = 0x0A0D0D0A;
constexpr std::uint32_t kIdb = 0x00000001;
constexpr std::uint32_t kObsoletePb = 0x00000002;
constexpr std::uint32_t kSpb = 0x00000003;
constexpr std::uint32_t kNrb = 0x00000004;
constexpr std::uint32_t kIsb = 0x00000005;
constexpr std::uint32_t kEpb = 0x00000006;
constexpr std::uint32_t kDsb = 0x0000000A;
constexpr std::uint32_t kCustom = 0x00000BAD;
constexpr std::uint32_t kCustomNoCopy = 0x40000BAD;
constexpr std::uint32_t kByteOrderMagic = 0x1A2B3C4D;

constexpr std::uint32_t kPcapHeaderLen = 24;

// Smallest legal total length of each block type (header, fixed fields, trailer).
std::uint32_t min_block_length(std::uint32_t type) {
  switch (type) {
    case kShb: return 28;
    case kIdb: return 20;
    case kEpb: return 32;
    case kObsoletePb: return 32;
    case kSpb: return 16;
    case kIsb: return 24;
    case kDsb: return 20;
    default: return 12;
  }
}

std::string hex32(std::uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

[[gnu::cold, gnu::noinline]] std::string fmt(const char* f, auto... args) {
  char buf[512];
  int n = std::snprintf(buf, sizeof buf, f, args...);
  if (n < 0) return {};
  return std::string(buf, static_cast<std::size_t>(std::min<int>(n, sizeof buf - 1)));
}

// How a raw timestamp of one interface becomes nanoseconds.
struct ts_conv {
  enum class mode : std::uint8_t { mul, div, shift } how = mode::mul;
  std::uint64_t factor = 1000;  // mul/div factor, or shift count
  std::int64_t offset_ns = 0;   // if_tsoffset in ns
};

// Converts; returns false when the result does not fit in int64.
bool convert_ts(const ts_conv& c, std::uint64_t raw, std::int64_t& out) {
  util::uint128 v;
  switch (c.how) {
    case ts_conv::mode::mul: v = static_cast<util::uint128>(raw) * c.factor; break;
    case ts_conv::mode::div: v = raw / c.factor; break;
    case ts_conv::mode::shift:
    default: v = (static_cast<util::uint128>(raw) * 1000000000u) >> c.factor; break;
  }
  if (v > static_cast<util::uint128>(std::numeric_limits<std::int64_t>::max())) return false;
  auto s = static_cast<std::int64_t>(v);
  if (__builtin_add_overflow(s, c.offset_ns, &out)) return false;
  return true;
}

std::uint64_t pow10(unsigned e) {
  std::uint64_t v = 1;
  while (e--) v *= 10;
  return v;
}

// Result of sizing the next unit (file header, record, or block) from its first bytes.
struct unit_size {
  enum class kind : std::uint8_t { need_more, known, fatal } k = kind::need_more;
  std::uint32_t n = 0;  // bytes needed (need_more: at least this many) or unit size (known)
};

// Prefetch hints for the cache lines from `ahead` up to reader_prefetch_ahead bytes past `at`
// (the record being parsed) or `end` (the chunk's), whichever comes first; `ahead` moves past
// them. Called per record, it spreads the requests between the records' parsing (~8 per record
// of the bench capture), so that memory reads overlap the parsing. Requesting a whole 64 KiB
// step at once before parsing it (as capture_file did) stalled on the full line-fill buffers
// instead (bench/README.md, "Eleventh round").
[[gnu::always_inline]] inline void prefetch_ahead([[maybe_unused]] const std::uint8_t*& ahead,
                                                  [[maybe_unused]] const std::uint8_t* at,
                                                  [[maybe_unused]] const std::uint8_t* end) noexcept {
  if constexpr (reader_prefetch_ahead != 0) {
    const std::uint8_t* to = end - at > std::ptrdiff_t{reader_prefetch_ahead} ? at + reader_prefetch_ahead : end;
    for (; ahead < to; ahead += 64) __builtin_prefetch(ahead);
  }
}

}  // namespace

struct reader::impl {
  enum class state : std::uint8_t { start, pcap, pcapng, stopped };

  handler* h;
  reader_limits lim;
  capture_info info;
  state st = state::start;
  std::vector<std::uint8_t> pending;
  std::uint64_t offset = 0;  // offset of the next unparsed byte (start of `pending` if any)

  // Classic pcap.
  bool pcap_swap = false;
  std::uint32_t pcap_rec_hdr = 16;
  std::uint32_t pcap_frac_mult = 1000;  // fraction unit → ns
  std::uint32_t pcap_frac_limit = 1000000;  // fractions of one second: 1e9 / pcap_frac_mult

  // pcapng: current section.
  bool sec_swap = false;
  std::uint32_t sec_index = 0;
  // Per global interface: timestamp conversion.
  std::vector<ts_conv> conv;

  bool have_last = false;
  std::int64_t last_ts = 0;
  bool reported_order = false;
  std::size_t secret_bytes = 0;
  bool finished = false;

  impl(handler* hh, reader_limits l) : h(hh), lim(l) {}

  // ---- reporting -------------------------------------------------------------------------

  [[gnu::cold, gnu::noinline]] void report(anomaly_code code, std::uint64_t off, std::string msg,
                                           bool fatal = false) {
    ++info.anomaly_total;
    auto idx = static_cast<std::size_t>(code);
    if (info.anomaly_counts.size() <= idx) info.anomaly_counts.resize(idx + 1);
    ++info.anomaly_counts[idx];
    anomaly a{code, off, std::move(msg), fatal ? severity::error : anomaly_severity(code)};
    if (h) h->on_anomaly(a);
    if (info.anomalies.size() < lim.max_anomalies) info.anomalies.push_back(std::move(a));
  }

  // Stops reading: everything from `off` on is unparsed.
  void stop(anomaly_code code, std::uint64_t off, std::string msg) {
    info.fatal = true;
    info.error = msg;
    info.error_offset = off;
    report(code, off, std::move(msg), true);
    st = state::stopped;
  }

  // Counts a record into the summary and hands it on. Inlined into the per-record loops (the
  // wasm build does not inline it by itself); the rare out-of-order report is out of line.
  [[gnu::always_inline]] void deliver(record& r) {
    count(r);
    if (h) h->on_record(r);
  }

  [[gnu::always_inline]] void count(const record& r) {
    auto& ifc = info.interfaces[r.interface];
    ++ifc.packets;
    ++info.packets;
    info.bytes_captured += r.caplen;
    info.bytes_original += r.origlen;
    info.max_caplen = std::max(info.max_caplen, r.caplen);
    if (r.has_timestamp) {
      if (info.packets_with_time == 0) {
        info.first_ns = info.last_ns = r.ts_ns;
      } else {
        info.first_ns = std::min(info.first_ns, r.ts_ns);
        info.last_ns = std::max(info.last_ns, r.ts_ns);
      }
      ++info.packets_with_time;
      if (have_last && r.ts_ns < last_ts) [[unlikely]] out_of_order(r.record_offset);
      have_last = true;
      last_ts = r.ts_ns;
    } else {
      ++info.packets_without_timestamp;
    }
  }

  [[gnu::cold, gnu::noinline]] void out_of_order(std::uint64_t off) {
    info.time_ordered = false;
    if (reported_order) return;
    reported_order = true;
    report(anomaly_code::out_of_order_timestamp, off,
           fmt("packet %" PRIu64 " at offset %" PRIu64
               " is earlier than the packet before it (reported once)",
               info.packets, off));
  }

  PCAPSCOPE_SIZE_FN void add_interface(interface_info ifc, ts_conv c) {
    auto idx = static_cast<std::uint32_t>(info.interfaces.size());
    info.interfaces.push_back(std::move(ifc));
    conv.push_back(c);
    if (h) h->on_interface(idx, info.interfaces.back());
  }

  // ---- sizing ----------------------------------------------------------------------------

  unit_size size_next(bytes avail) {
    switch (st) {
      case state::start: {
        if (avail.size() < 4) return {unit_size::kind::need_more, 4};
        auto d = detect(avail);
        if (d == detected::pcap) return {unit_size::kind::known, kPcapHeaderLen};
        if (d == detected::pcapng) {
          st = state::pcapng;
          info.format = file_format::pcapng;  // even if its first SHB turns out corrupt
          return size_block(avail);
        }
        if (d == detected::gzip) {
          stop(anomaly_code::not_a_capture, 0,
               "gzip-compressed input reached the reader undecompressed (open it through "
               "capture_file or openCapture, which decompress it)");
        } else {
          stop(anomaly_code::not_a_capture, 0, describe_unknown(avail.first(std::min<std::size_t>(avail.size(), 16))));
        }
        return {unit_size::kind::fatal, 0};
      }
      case state::pcap: {
        if (avail.size() < pcap_rec_hdr) return {unit_size::kind::need_more, pcap_rec_hdr};
        std::uint32_t caplen = util::load_u32(avail.data() + 8, pcap_swap);
        if (caplen > lim.max_block - pcap_rec_hdr) {
          ++info.records_lost;  // a record header was read; its packet is not delivered
          stop(anomaly_code::record_too_large, offset,
               fmt("record at offset %" PRIu64 " claims a captured length of %u bytes "
                   "(limit %u); the file is corrupt from here, reading stopped",
                   offset, caplen, lim.max_block));
          return {unit_size::kind::fatal, 0};
        }
        return {unit_size::kind::known, pcap_rec_hdr + caplen};
      }
      case state::pcapng: return size_block(avail);
      case state::stopped: break;
    }
    return {unit_size::kind::fatal, 0};
  }

  unit_size size_block(bytes avail) {
    if (avail.size() < 8) return {unit_size::kind::need_more, 8};
    bool swap = sec_swap;
    std::uint32_t type = util::load_u32(avail.data(), swap);
    if (type == kShb) {
      if (avail.size() < 12) return {unit_size::kind::need_more, 12};
      std::uint32_t bom = util::load_u32(avail.data() + 8, false);
      if (bom == kByteOrderMagic) {
        swap = false;
      } else if (bom == __builtin_bswap32(kByteOrderMagic)) {
        swap = true;
      } else {
        stop(anomaly_code::pcapng_bad_byte_order_magic, offset,
             fmt("section header block at offset %" PRIu64 " has byte-order magic %s "
                 "(expected 1a2b3c4d in either order); reading stopped",
                 offset, hex32(bom).c_str()));
        return {unit_size::kind::fatal, 0};
      }
    } else if (info.sections.empty()) {
      stop(anomaly_code::pcapng_first_block_not_shb, offset,
           fmt("pcapng block at offset %" PRIu64 " (type %s) comes before any section header block",
               offset, hex32(type).c_str()));
      return {unit_size::kind::fatal, 0};
    }
    std::uint32_t len = util::load_u32(avail.data() + 4, swap);
    // A packet block whose length stops reading is counted lost (its header was read).
    if ((len < 12 || len > lim.max_block) && is_packet_block(type)) ++info.records_lost;
    if (len < 12) {
      stop(anomaly_code::pcapng_block_too_short, offset,
           fmt("pcapng block at offset %" PRIu64 " (type %s) has total length %u, less than "
               "the minimum of 12; cannot find the next block, reading stopped",
               offset, hex32(type).c_str(), len));
      return {unit_size::kind::fatal, 0};
    }
    if (len > lim.max_block) {
      stop(anomaly_code::record_too_large, offset,
           fmt("pcapng block at offset %" PRIu64 " (type %s) claims %u bytes (limit %u); "
               "the file is corrupt from here, reading stopped",
               offset, hex32(type).c_str(), len, lim.max_block));
      return {unit_size::kind::fatal, 0};
    }
    return {unit_size::kind::known, len};
  }

  // ---- units -----------------------------------------------------------------------------

  void consume(bytes unit, std::uint64_t off) {
    switch (st) {
      case state::start: pcap_file_header(unit); break;
      case state::pcap:
        if (pcap_swap) {
          pcap_record<true>(unit, off);
        } else {
          pcap_record<false>(unit, off);
        }
        break;
      case state::pcapng: block(unit, off); break;
      case state::stopped: break;
    }
  }

  PCAPSCOPE_SIZE_FN void pcap_file_header(bytes hdr) {
    std::uint32_t magic = util::load_u32(hdr.data(), false);
    bool swap = false;
    std::uint32_t m = magic;
    if (m != 0xa1b2c3d4 && m != 0xa1b23c4d && m != 0xa1b2cd34) {
      swap = true;
      m = __builtin_bswap32(m);
    }
    pcap_swap = swap;
    info.format = file_format::pcap;
    bool big = util::host_is_little_endian() == swap;
    info.order = big ? byte_order::big : byte_order::little;
    switch (m) {
      case 0xa1b23c4d:
        info.variant = pcap_variant::nanosecond;
        pcap_frac_mult = 1;
        pcap_frac_limit = 1000000000;
        info.time_digits = 9;
        break;
      case 0xa1b2cd34:
        info.variant = pcap_variant::kuznetsov;
        pcap_rec_hdr = 24;
        break;
      default:
        info.variant = pcap_variant::microsecond;
        break;
    }
    util::cursor c(hdr.subspan(4), swap);
    info.version_major = c.u16();
    info.version_minor = c.u16();
    c.skip(8);  // thiszone, sigfigs: unused by every current writer
    info.snaplen = c.u32();
    std::uint32_t lt = c.u32();
    info.pcap_linktype_field = lt;
    if (info.version_major != 2 || info.version_minor != 4) {
      report(anomaly_code::pcap_unusual_version, 4,
             fmt("pcap file header has version %u.%u (expected 2.4); reading it as 2.4",
                 info.version_major, info.version_minor));
    }
    section_info sec;
    sec.offset = 0;
    sec.order = info.order;
    sec.version_major = info.version_major;
    sec.version_minor = info.version_minor;
    sec.interface_count = 1;
    info.sections.push_back(sec);

    interface_info ifc;
    ifc.link_type = static_cast<std::uint16_t>(lt & 0xFFFF);
    ifc.snaplen = info.snaplen;
    ifc.tsresol_exp = info.variant == pcap_variant::nanosecond ? 9 : 6;
    if (lt & 0x04000000u) {
      ifc.fcs_len_bits = static_cast<std::int32_t>(((lt >> 28) & 0xF) * 16);
      report(anomaly_code::pcap_fcs_bits, 20,
             fmt("link type field 0x%08x says every packet ends with a %d-bit FCS", lt,
                 ifc.fcs_len_bits));
    }
    if (lt & 0x03FF0000u) {
      report(anomaly_code::pcap_reserved_bits, 20,
             fmt("link type field 0x%08x has reserved bits 16-25 set; using link type %u", lt,
                 lt & 0xFFFFu));
    }
    st = state::pcap;
    add_interface(std::move(ifc), {});
  }

  // The pcap records lying entirely in `chunk` from `pos` on, parsed in one loop: the
  // per-packet path, with the byte order and the record header length (16, or 24 in
  // Kuznetsov's files) template parameters (no per-field byte-order test, constant offsets)
  // and no unit sizing through the state switch. Returns where it stopped: the chunk's end, or
  // a record that is incomplete or too large, which the general loop in `feed` then handles.
  //
  // A record that changes nothing but the running totals (no anomaly, no new largest caplen,
  // not earlier than the latest time so far) is only added to totals kept in locals, which
  // reach `info` when the loop ends or before any other record (which `pcap_record_slow`
  // counts exactly as `deliver` does, its reports then seeing up-to-date totals). The record
  // handed on is one object whose fields common to every pcap record are set once.
  template <bool Swap, std::uint32_t Hdr>
  std::size_t pcap_records(bytes chunk, std::size_t pos) {
    const std::uint8_t* const data = chunk.data();
    const std::uint8_t* const end = data + chunk.size();
    const std::uint32_t max_caplen = lim.max_block - Hdr;
    const std::uint32_t frac_limit = pcap_frac_limit;
    const std::int64_t frac_mult = pcap_frac_mult;
    // Captured lengths up to this draw no snaplen or caplen_exceeds_max report.
    const std::uint32_t quiet_caplen =
        std::min(info.snaplen == 0 ? std::numeric_limits<std::uint32_t>::max() : info.snaplen,
                 lim.max_normal_caplen);
    handler* const hh = h;
    // A record's file offset is its address plus `delta` (modulo 2^64): one add per record,
    // where offset-from-position arithmetic took three more instructions (a register short).
    const std::uint64_t delta = offset - pos - reinterpret_cast<std::uintptr_t>(data);

    record r;
    r.interface = 0;
    r.link_type = info.interfaces[0].link_type;
    r.kind = record_kind::pcap_record;

    // The records counted in locals since `info` was last brought up to date: how many, from
    // where (their captured bytes are the bytes from there on less their headers), and the sum
    // of their original lengths.
    std::uint64_t n = 0, original = 0;
    const std::uint8_t* p = data + pos;
    const std::uint8_t* since = p;
    // A record needs the general count when its caplen is above `fast_caplen` (new largest,
    // or an anomaly) or its time is below `latest` (the latest time so far, or the largest
    // value before the first timed record so that it sets first_ns).
    std::uint32_t fast_caplen = 0;
    std::int64_t latest = 0;
    auto reload = [&] {
      fast_caplen = std::min(info.max_caplen, quiet_caplen);
      latest = have_last ? info.last_ns : std::numeric_limits<std::int64_t>::max();
    };
    auto store = [&] {
      if (n == 0) return;
      info.interfaces[0].packets += n;
      info.packets += n;
      info.packets_with_time += n;
      info.bytes_captured += static_cast<std::uint64_t>(p - since) - n * Hdr;
      info.bytes_original += original;
      // Every locally counted record was at or after `latest`, which each of them raised.
      info.last_ns = latest;
      last_ts = latest;
      n = original = 0;
    };
    reload();
    const std::uint8_t* ahead = p;  // prefetch_ahead's cursor
    while (static_cast<std::size_t>(end - p) >= Hdr) {
      prefetch_ahead(ahead, p, end);
      std::uint32_t caplen = util::load_u32(p + 8, Swap);
      if (caplen > max_caplen || caplen > static_cast<std::size_t>(end - p) - Hdr) break;
      std::uint32_t sec = util::load_u32(p, Swap);
      std::uint32_t frac = util::load_u32(p + 4, Swap);
      std::uint32_t origlen = util::load_u32(p + 12, Swap);
      std::int64_t ts = static_cast<std::int64_t>(sec) * 1000000000 + frac * frac_mult;
      r.ts_ns = ts;
      r.caplen = caplen;
      r.origlen = origlen;
      r.record_offset = reinterpret_cast<std::uintptr_t>(p) + delta;
      r.data_offset = r.record_offset + Hdr;
      r.record_length = Hdr + caplen;
      r.data = bytes(p + Hdr, caplen);
      if (frac >= frac_limit || caplen > fast_caplen || caplen > origlen || ts < latest) [[unlikely]] {
        store();
        pcap_record_slow(r, frac);
        reload();
        since = p + Hdr + caplen;
      } else {
        ++n;
        original += origlen;
        latest = ts;
      }
      if (hh) hh->on_record(r);
      p += Hdr + caplen;
    }
    store();
    pos = static_cast<std::size_t>(p - data);
    offset = reinterpret_cast<std::uintptr_t>(p) + delta;
    info.bytes_consumed = offset;
    return pos;
  }

  // The checks and count of `pcap_record` for a record of the loop above that needs them.
  [[gnu::cold, gnu::noinline]] void pcap_record_slow(const record& r, std::uint32_t frac) {
    pcap_checks(frac, r.caplen, r.origlen, r.record_offset);
    count(r);
  }

  // One whole pcap record (header and captured bytes); the anomaly reports are out of line.
  template <bool Swap>
  [[gnu::always_inline]] void pcap_record(bytes rec, std::uint64_t off) {
    std::uint32_t sec = util::load_u32(rec.data(), Swap);
    std::uint32_t frac = util::load_u32(rec.data() + 4, Swap);
    std::uint32_t caplen = util::load_u32(rec.data() + 8, Swap);
    std::uint32_t origlen = util::load_u32(rec.data() + 12, Swap);
    record r;
    r.ts_ns = static_cast<std::int64_t>(sec) * 1000000000 +
              static_cast<std::int64_t>(frac) * pcap_frac_mult;
    r.caplen = caplen;
    r.origlen = origlen;
    r.interface = 0;
    r.link_type = info.interfaces[0].link_type;
    r.kind = record_kind::pcap_record;
    r.record_offset = off;
    r.data_offset = off + pcap_rec_hdr;
    r.record_length = static_cast<std::uint32_t>(rec.size());
    r.data = rec.subspan(pcap_rec_hdr, caplen);
    pcap_checks(frac, caplen, origlen, off);
    deliver(r);
  }

  // The per-record reports of classic pcap, in the order they are made.
  [[gnu::always_inline]] void pcap_checks(std::uint32_t frac, std::uint32_t caplen,
                                          std::uint32_t origlen, std::uint64_t off) {
    if (frac >= pcap_frac_limit) [[unlikely]] fraction_overflow(frac, off);
    if (caplen > info.snaplen && info.snaplen != 0) [[unlikely]] caplen_exceeds_snaplen(caplen, off);
    check_lengths(caplen, origlen, off);
  }

  [[gnu::cold, gnu::noinline]] void fraction_overflow(std::uint32_t frac, std::uint64_t off) {
    report(anomaly_code::pcap_fraction_overflow, off,
           fmt("record at offset %" PRIu64 " has a sub-second field of %u %s (not below one "
               "second); carried into the seconds",
               off, frac, pcap_frac_mult == 1 ? "ns" : "µs"));
  }

  [[gnu::cold, gnu::noinline]] void caplen_exceeds_snaplen(std::uint32_t caplen, std::uint64_t off) {
    report(anomaly_code::pcap_caplen_exceeds_snaplen, off,
           fmt("record at offset %" PRIu64 " has captured length %u, larger than the file's "
               "snaplen %u",
               off, caplen, info.snaplen));
  }

  void check_lengths(std::uint32_t caplen, std::uint32_t origlen, std::uint64_t off) {
    if (caplen > origlen || caplen > lim.max_normal_caplen) [[unlikely]] bad_lengths(caplen, origlen, off);
  }

  [[gnu::cold, gnu::noinline]] void bad_lengths(std::uint32_t caplen, std::uint32_t origlen, std::uint64_t off) {
    if (caplen > origlen) {
      report(anomaly_code::pcap_caplen_exceeds_origlen, off,
             fmt("record at offset %" PRIu64 " has captured length %u, larger than its "
                 "original length %u",
                 off, caplen, origlen));
    }
    if (caplen > lim.max_normal_caplen) {
      report(anomaly_code::caplen_exceeds_max, off,
             fmt("record at offset %" PRIu64 " has captured length %u, larger than %u",
                 off, caplen, lim.max_normal_caplen));
    }
  }

  // ---- pcapng ----------------------------------------------------------------------------

  void block(bytes b, std::uint64_t off) {
    std::uint32_t len = static_cast<std::uint32_t>(b.size());
    // The SHB decides its own byte order; other blocks use the section's.
    bool swap = sec_swap;
    std::uint32_t type = util::load_u32(b.data(), swap);
    if (type == kShb) swap = util::load_u32(b.data() + 8, false) != kByteOrderMagic;
    std::uint32_t trailer = util::load_u32(b.data() + len - 4, swap);
    if (len % 4 != 0) {
      if (trailer != len) {
        if (is_packet_block(type)) ++info.records_lost;
        stop(anomaly_code::pcapng_length_not_multiple_of_4, off,
             fmt("pcapng block at offset %" PRIu64 " (type %s) has total length %u, not a "
                 "multiple of 4, and its trailer (%u) does not confirm it; reading stopped",
                 off, hex32(type).c_str(), len, trailer));
        return;
      }
      report(anomaly_code::pcapng_length_not_multiple_of_4, off,
             fmt("pcapng block at offset %" PRIu64 " (type %s) has total length %u, not a "
                 "multiple of 4 (its trailer agrees; read as is)",
                 off, hex32(type).c_str(), len));
    } else if (trailer != len) {
      if (type == kShb) {
        stop(anomaly_code::pcapng_trailer_mismatch, off,
             fmt("section header block at offset %" PRIu64 " has total length %u but its "
                 "trailer says %u; its section cannot be read, reading stopped",
                 off, len, trailer));
        return;
      }
      report(anomaly_code::pcapng_trailer_mismatch, off,
             fmt("pcapng block at offset %" PRIu64 " (type %s) has total length %u but its "
                 "trailer says %u; block skipped",
                 off, hex32(type).c_str(), len, trailer));
      if (is_packet_block(type)) ++info.records_lost;
      return;
    }
    if (len < min_block_length(type)) {
      report(anomaly_code::pcapng_block_too_short, off,
             fmt("pcapng block at offset %" PRIu64 " (type %s) has total length %u, less than "
                 "the %u its type needs; block skipped",
                 off, hex32(type).c_str(), len, min_block_length(type)));
      if (is_packet_block(type)) ++info.records_lost;
      if (type == kShb) stop(anomaly_code::pcapng_block_too_short, off, "section header block too short; reading stopped");
      return;
    }
    bytes body = b.subspan(8, len - 12);
    switch (type) {
      case kShb: ++info.blocks.section_header; shb(body, off, swap); break;
      case kIdb: ++info.blocks.interface_description; idb(body, off); break;
      case kEpb: ++info.blocks.enhanced_packet; packet_block(type, b, off); break;
      case kSpb: ++info.blocks.simple_packet; packet_block(type, b, off); break;
      case kObsoletePb: ++info.blocks.obsolete_packet; packet_block(type, b, off); break;
      case kNrb: ++info.blocks.name_resolution; nrb(body, off); break;
      case kIsb: ++info.blocks.interface_statistics; isb(body, off); break;
      case kDsb: ++info.blocks.decryption_secrets; dsb(body, off); break;
      case kCustom:
      case kCustomNoCopy:
        ++info.blocks.custom;
        report(anomaly_code::pcapng_custom_block, off,
               fmt("custom block at offset %" PRIu64 " (%u bytes) skipped", off, len));
        break;
      default:
        ++info.blocks.unknown;
        report(anomaly_code::pcapng_unknown_block, off,
               fmt("unknown pcapng block type %s at offset %" PRIu64 " (%u bytes) skipped",
                   hex32(type).c_str(), off, len));
        break;
    }
  }

  static bool is_packet_block(std::uint32_t type) {
    return type == kEpb || type == kSpb || type == kObsoletePb;
  }

  PCAPSCOPE_SIZE_FN void close_section(std::uint64_t end) {
    if (info.sections.empty() || info.format != file_format::pcapng) return;
    auto& s = info.sections.back();
    if (s.declared_length < 0) return;
    // The section length counts the bytes after the SHB; we recorded the SHB's end in hardware
    // of nothing: recompute from the stored SHB length.
    std::uint64_t actual = end - s.offset - shb_len_;
    if (static_cast<std::uint64_t>(s.declared_length) != actual) {
      report(anomaly_code::pcapng_section_length_mismatch, s.offset,
             fmt("section at offset %" PRIu64 " declares %" PRId64 " bytes but holds %" PRIu64,
                 s.offset, s.declared_length, actual));
    }
  }
  std::uint64_t shb_len_ = 0;

  // Reads options, reporting ones that run past the block.
  template <class Fn>
  void options(bytes opts, std::uint64_t off, const char* what, Fn&& fn) {
    if (!for_each_option(opts, sec_swap, fn)) {
      report(anomaly_code::pcapng_bad_options, off,
             fmt("options of the %s at offset %" PRIu64 " run past the end of the block; "
                 "the rest were ignored",
                 what, off));
    }
  }

  PCAPSCOPE_SIZE_FN void shb(bytes body, std::uint64_t off, bool swap) {
    close_section(off);
    util::cursor c(body, swap);
    c.skip(4);  // byte-order magic, already checked
    section_info s;
    s.offset = off;
    s.version_major = c.u16();
    s.version_minor = c.u16();
    s.declared_length = static_cast<std::int64_t>(c.u64());
    bool big = util::host_is_little_endian() == swap;
    s.order = big ? byte_order::big : byte_order::little;
    s.first_interface = static_cast<std::uint32_t>(info.interfaces.size());
    shb_len_ = body.size() + 12;
    if (info.sections.empty()) {
      info.format = file_format::pcapng;
      info.time_digits = 0;  // raised by each interface's resolution
      info.order = s.order;
      info.version_major = s.version_major;
      info.version_minor = s.version_minor;
    }
    sec_swap = swap;
    sec_index = static_cast<std::uint32_t>(info.sections.size());
    if (s.version_major != 1) {
      info.sections.push_back(std::move(s));
      stop(anomaly_code::pcapng_unsupported_version, off,
           fmt("section at offset %" PRIu64 " has pcapng version %u.%u; only 1.x is defined, "
               "reading stopped",
               off, info.sections.back().version_major, info.sections.back().version_minor));
      return;
    }
    options(body.subspan(16), off, "section header block", [&](std::uint16_t code, bytes v) {
      switch (code) {
        case opt_comment: s.comments.emplace_back(util::as_chars(v)); break;
        case 2: s.hardware = util::as_chars(v); break;
        case 3: s.os = util::as_chars(v); break;
        case 4: s.user_application = util::as_chars(v); break;
        default: break;
      }
    });
    info.sections.push_back(std::move(s));
  }

  PCAPSCOPE_SIZE_FN void idb(bytes body, std::uint64_t off) {
    util::cursor c(body, sec_swap);
    interface_info ifc;
    ifc.section = sec_index;
    ifc.link_type = c.u16();
    c.skip(2);
    ifc.snaplen = c.u32();
    std::uint8_t tsresol = 6;
    options(body.subspan(8), off, "interface description block", [&](std::uint16_t code, bytes v) {
      switch (code) {
        case opt_comment: ifc.comments.emplace_back(util::as_chars(v)); break;
        case 2: ifc.name = util::as_chars(v); break;
        case 3: ifc.description = util::as_chars(v); break;
        case 9: if (!v.empty()) tsresol = v[0]; break;
        case 11: if (v.size() > 1) ifc.filter = util::as_chars(v.subspan(1)); break;
        case 12: ifc.os = util::as_chars(v); break;
        case 13: if (!v.empty()) ifc.fcs_len_bits = v[0]; break;
        case 14:
          if (v.size() >= 8) ifc.tsoffset_s = static_cast<std::int64_t>(util::load_u64(v.data(), sec_swap));
          break;
        case 15: ifc.hardware = util::as_chars(v); break;
        default: break;
      }
    });
    ts_conv cv;
    ifc.tsresol_binary = (tsresol & 0x80) != 0;
    unsigned e = tsresol & 0x7F;
    if (ifc.tsresol_binary) {
      if (e > 63) {
        report(anomaly_code::pcapng_bad_tsresol, off,
               fmt("if_tsresol 2^-%u at offset %" PRIu64 " is too fine; using 2^-63", e, off));
        e = 63;
      }
      cv.how = ts_conv::mode::shift;
      cv.factor = e;
      // Decimal digits needed to show one unit: ceil(e * log10(2)).
      info.time_digits = std::max<std::uint8_t>(info.time_digits, static_cast<std::uint8_t>(std::min<unsigned>(9, (e * 30103 + 99999) / 100000)));
    } else {
      if (e > 19) {
        report(anomaly_code::pcapng_bad_tsresol, off,
               fmt("if_tsresol 10^-%u at offset %" PRIu64 " is too fine; using 10^-19", e, off));
        e = 19;
      }
      if (e <= 9) {
        cv.how = ts_conv::mode::mul;
        cv.factor = pow10(9 - e);
      } else {
        cv.how = ts_conv::mode::div;
        cv.factor = pow10(e - 9);
      }
      info.time_digits = std::max<std::uint8_t>(info.time_digits, static_cast<std::uint8_t>(std::min(9u, e)));
    }
    ifc.tsresol_exp = static_cast<std::uint8_t>(e);
    if (__builtin_mul_overflow(ifc.tsoffset_s, std::int64_t{1000000000}, &cv.offset_ns)) {
      report(anomaly_code::timestamp_out_of_range, off,
             fmt("if_tsoffset %" PRId64 " s at offset %" PRIu64 " is out of range; ignored",
                 ifc.tsoffset_s, off));
      cv.offset_ns = 0;
    }
    ++info.sections.back().interface_count;
    add_interface(std::move(ifc), cv);
  }

  // Parses an EPB/SPB/obsolete PB (whole block `b`) into `r`. Pure: returns the anomaly that
  // prevents delivery (the record is then lost) or nothing. Used by streaming and read_at.
  struct packet_problem {
    bool bad = false;
    anomaly_code code{};
    std::string message;
    bool ts_overflow = false;  // not fatal: the timestamp was clamped
  };

  packet_problem parse_packet(std::uint32_t type, bytes b, std::uint64_t off, bool swap,
                              std::uint32_t first_iface, std::uint32_t iface_count,
                              record& r) const {
    packet_problem p;
    std::uint32_t len = static_cast<std::uint32_t>(b.size());
    util::cursor c(b.subspan(8, len - 12), swap);
    std::uint32_t local_iface = 0;
    std::uint64_t raw_ts = 0;
    std::uint32_t caplen = 0, origlen = 0;
    std::size_t header = 0;  // bytes before packet data, counted from the block start
    if (type == kEpb) {
      local_iface = c.u32();
      raw_ts = (std::uint64_t{c.u32()} << 32);
      raw_ts |= c.u32();
      caplen = c.u32();
      origlen = c.u32();
      header = 28;
      r.kind = record_kind::enhanced_packet;
    } else if (type == kObsoletePb) {
      local_iface = c.u16();
      c.skip(2);  // drops count
      raw_ts = (std::uint64_t{c.u32()} << 32);
      raw_ts |= c.u32();
      caplen = c.u32();
      origlen = c.u32();
      header = 28;
      r.kind = record_kind::obsolete_packet;
    } else {  // SPB
      origlen = c.u32();
      header = 12;
      r.kind = record_kind::simple_packet;
    }
    if (local_iface >= iface_count) {
      p = {true, anomaly_code::pcapng_unknown_interface,
           fmt("packet block at offset %" PRIu64 " refers to interface %u but its section "
               "describes %u; packet skipped",
               off, local_iface, iface_count)};
      return p;
    }
    std::uint32_t iface = first_iface + local_iface;
    const auto& ifc = info.interfaces[iface];
    std::size_t room = len - 4 - header;
    if (type == kSpb) {
      caplen = origlen;
      if (ifc.snaplen != 0) caplen = std::min(caplen, ifc.snaplen);
      caplen = static_cast<std::uint32_t>(std::min<std::size_t>(caplen, room));
      r.has_timestamp = false;
      r.ts_ns = 0;
    } else {
      if (caplen > room) {
        p = {true, anomaly_code::pcapng_packet_exceeds_block,
             fmt("packet block at offset %" PRIu64 " claims %u captured bytes but the block "
                 "holds only %zu; packet skipped",
                 off, caplen, room)};
        return p;
      }
      r.has_timestamp = true;
      if (!convert_ts(conv[iface], raw_ts, r.ts_ns)) {
        r.ts_ns = std::numeric_limits<std::int64_t>::max();
        p.ts_overflow = true;
      }
    }
    std::size_t padded = (std::size_t{caplen} + 3u) & ~std::size_t{3};
    std::size_t opt_start = header + std::min(padded, room);
    r.caplen = caplen;
    r.origlen = origlen;
    r.interface = iface;
    r.link_type = ifc.link_type;
    r.record_offset = off;
    r.data_offset = off + header;
    r.record_length = len;
    r.data = b.subspan(header, caplen);
    r.options = b.subspan(opt_start, len - 4 - opt_start);
    r.options_swapped = swap;
    r.epb_flags = 0;
    if (type != kSpb) {
      for_each_option(r.options, swap, [&](std::uint16_t code, bytes v) {
        if (code == 2 && v.size() >= 4) r.epb_flags = util::load_u32(v.data(), swap);
      });
    }
    return p;
  }

  void packet_block(std::uint32_t type, bytes b, std::uint64_t off) {
    const auto& sec = info.sections.back();
    record r;
    auto p = parse_packet(type, b, off, sec_swap, sec.first_interface, sec.interface_count, r);
    if (p.bad) {
      ++info.records_lost;
      report(p.code, off, std::move(p.message));
      return;
    }
    if (p.ts_overflow) {
      report(anomaly_code::timestamp_out_of_range, off,
             fmt("packet block at offset %" PRIu64 " has a timestamp beyond the year 2262", off));
    }
    if (!for_each_option(r.options, sec_swap, [](std::uint16_t, bytes) {})) {
      report(anomaly_code::pcapng_bad_options, off,
             fmt("options of the packet block at offset %" PRIu64 " run past the end of the block",
                 off));
    }
    check_lengths(r.caplen, r.origlen, off);
    deliver(r);
  }

  PCAPSCOPE_SIZE_FN void nrb(bytes body, std::uint64_t off) {
    util::cursor c(body, sec_swap);
    while (c.remaining() >= 4) {
      std::uint16_t type = c.u16();
      std::uint16_t len = c.u16();
      if (type == 0) {  // nrb_record_end; options follow
        options(body.subspan(c.position()), off, "name resolution block", [](std::uint16_t, bytes) {});
        return;
      }
      if (len > c.remaining()) break;
      bytes v = c.take(len);
      c.skip(std::min<std::size_t>((4 - len % 4) % 4, c.remaining()));
      std::size_t alen = type == 1 ? 4 : type == 2 ? 16 : 0;
      if (alen == 0) continue;  // unknown record type: skip
      if (v.size() < alen) {
        report(anomaly_code::pcapng_bad_name_record, off,
               fmt("name record in block at offset %" PRIu64 " is shorter than its address", off));
        continue;
      }
      // One record may carry several zero-terminated names for the same address.
      bytes names = v.subspan(alen);
      if (names.empty() || names[0] == 0) {
        report(anomaly_code::pcapng_bad_name_record, off,
               fmt("name record in block at offset %" PRIu64 " has an address but no name", off));
      }
      while (!names.empty() && info.names.size() < lim.max_names) {
        auto end = std::find(names.begin(), names.end(), std::uint8_t{0});
        auto n = static_cast<std::size_t>(end - names.begin());
        if (n > 0) {
          resolved_name rn;
          rn.family = type == 1 ? 4 : 6;
          std::copy_n(v.begin(), alen, rn.address.begin());
          rn.name = util::as_chars(names.first(n));
          info.names.push_back(std::move(rn));
        }
        names = names.subspan(std::min(n + 1, names.size()));
      }
    }
    report(anomaly_code::pcapng_bad_name_record, off,
           fmt("name resolution block at offset %" PRIu64 " has no end record or a record "
               "running past the block",
               off));
  }

  PCAPSCOPE_SIZE_FN void isb(bytes body, std::uint64_t off) {
    util::cursor c(body, sec_swap);
    std::uint32_t local = c.u32();
    std::uint64_t raw = (std::uint64_t{c.u32()} << 32);
    raw |= c.u32();
    const auto& sec = info.sections.back();
    if (local >= sec.interface_count) {
      report(anomaly_code::pcapng_unknown_interface, off,
             fmt("interface statistics block at offset %" PRIu64 " refers to interface %u but "
                 "its section describes %u; ignored",
                 off, local, sec.interface_count));
      return;
    }
    std::uint32_t iface = sec.first_interface + local;
    interface_stats s;
    auto ts = [&](std::uint64_t v) {
      std::int64_t ns = 0;
      convert_ts(conv[iface], v, ns);
      return ns;
    };
    s.ts_ns = ts(raw);
    options(body.subspan(12), off, "interface statistics block", [&](std::uint16_t code, bytes v) {
      if (v.size() < 8) return;
      std::uint64_t x = code == 2 || code == 3
                            ? (std::uint64_t{util::load_u32(v.data(), sec_swap)} << 32) |
                                  util::load_u32(v.data() + 4, sec_swap)
                            : util::load_u64(v.data(), sec_swap);
      switch (code) {
        case 2: s.start_ns = ts(x); break;
        case 3: s.end_ns = ts(x); break;
        case 4: s.if_recv = x; break;
        case 5: s.if_drop = x; break;
        case 6: s.filter_accept = x; break;
        case 7: s.os_drop = x; break;
        case 8: s.usr_deliv = x; break;
        default: break;
      }
    });
    info.interfaces[iface].stats.push_back(s);
  }

  PCAPSCOPE_SIZE_FN void dsb(bytes body, std::uint64_t off) {
    util::cursor c(body, sec_swap);
    decryption_secret d;
    d.type = c.u32();
    std::uint32_t n = c.u32();
    d.offset = off;
    if (n > c.remaining()) {
      report(anomaly_code::pcapng_packet_exceeds_block,
             off, fmt("decryption secrets block at offset %" PRIu64 " claims %u bytes of secrets "
                      "but holds %zu; kept what is there",
                      off, n, c.remaining()));
      n = static_cast<std::uint32_t>(c.remaining());
    }
    bytes v = c.take(n);
    if (secret_bytes + v.size() <= lim.max_secret_bytes) {
      d.data.assign(v.begin(), v.end());
      secret_bytes += v.size();
    }
    info.secrets.push_back(std::move(d));
  }

  // ---- driving ---------------------------------------------------------------------------

  status result() const {
    status s;
    s.ok = !info.fatal;
    s.message = info.error;
    return s;
  }

  status feed(bytes chunk) {
    std::size_t pos = 0;
    if (st == state::stopped) {
      info.bytes_unparsed += chunk.size();
      return result();
    }
    // Complete a unit begun in an earlier chunk.
    while (!pending.empty() && st != state::stopped) {
      auto u = size_next(pending);
      if (u.k == unit_size::kind::fatal) break;
      std::size_t want = u.n - std::min<std::size_t>(u.n, pending.size());
      std::size_t take = std::min(want, chunk.size() - pos);
      pending.insert(pending.end(), chunk.begin() + static_cast<std::ptrdiff_t>(pos),
                     chunk.begin() + static_cast<std::ptrdiff_t>(pos + take));
      pos += take;
      if (pending.size() < u.n) return result();  // chunk exhausted
      if (u.k == unit_size::kind::known) {
        consume(pending, offset);
        offset += pending.size();
        info.bytes_consumed = offset;
        pending.clear();
      }
    }
    if (st == state::stopped) {
      info.bytes_unparsed += pending.size() + (chunk.size() - pos);
      pending.clear();
      return result();
    }
    // Units entirely inside this chunk are parsed in place, the bytes ahead of each prefetched
    // as pcap_records does.
    const std::uint8_t* ahead = chunk.data() + pos;
    while (pos < chunk.size()) {
      if (st == state::pcap) {
        if (pcap_rec_hdr == 16) {
          pos = pcap_swap ? pcap_records<true, 16>(chunk, pos) : pcap_records<false, 16>(chunk, pos);
        } else {
          pos = pcap_swap ? pcap_records<true, 24>(chunk, pos) : pcap_records<false, 24>(chunk, pos);
        }
        if (pos == chunk.size()) break;
      }
      ahead = std::max(ahead, chunk.data() + pos);  // pcap_records went past it
      prefetch_ahead(ahead, chunk.data() + pos, chunk.data() + chunk.size());
      bytes avail = chunk.subspan(pos);
      auto u = size_next(avail);
      if (u.k == unit_size::kind::fatal) {
        info.bytes_unparsed += avail.size();
        return result();
      }
      if (u.k == unit_size::kind::need_more || u.n > avail.size()) {
        // No reserve(u.n): the claimed size is only a claim; grow with the bytes that arrive.
        pending.assign(avail.begin(), avail.end());
        break;
      }
      consume(avail.first(u.n), offset);
      offset += u.n;
      pos += u.n;
      info.bytes_consumed = offset;
      if (st == state::stopped) {
        info.bytes_unparsed += chunk.size() - pos;
        break;
      }
    }
    return result();
  }

  PCAPSCOPE_SIZE_FN status finish() {
    if (finished) return result();  // idempotent
    finished = true;
    if (st == state::stopped) return result();
    if (offset == 0 && pending.empty()) {
      stop(anomaly_code::empty_file, 0, "not a pcap/pcapng file: it is empty");
      return result();
    }
    if (!pending.empty()) {
      auto u = size_next(pending);
      if (st == state::stopped) {
        info.bytes_unparsed += pending.size();
        pending.clear();
        return result();
      }
      std::string what;
      if (st == state::start || (st == state::pcapng && info.sections.empty())) {
        if (pending.size() < 4) {
          stop(anomaly_code::not_a_capture, 0, describe_unknown(pending) + " (only " + std::to_string(pending.size()) + " bytes)");
          info.bytes_unparsed += pending.size();
          pending.clear();
          return result();
        }
        report(anomaly_code::truncated_file_header, 0,
               fmt("file ends after %zu bytes, inside the %s file header (%u bytes)",
                   pending.size(), st == state::start ? "pcap" : "pcapng", u.n),
               true);
        info.fatal = true;
        info.error_offset = 0;
        info.error = info.anomalies.empty() ? std::string("truncated file header") : info.anomalies.back().message;
      } else {
        const char* unit = st == state::pcap ? "record" : "block";
        bool packet = st == state::pcap ||
                      (pending.size() >= 4 && is_packet_block(util::load_u32(pending.data(), sec_swap)));
        if (packet) ++info.records_lost;
        if (u.k == unit_size::kind::known) {
          report(anomaly_code::truncated_record, offset,
                 fmt("the last %s, at offset %" PRIu64 ", is cut short: it needs %u bytes, the "
                     "file has %zu; all %" PRIu64 " packets before it were read",
                     unit, offset, u.n, pending.size(), info.packets));
        } else {
          report(anomaly_code::truncated_record, offset,
                 fmt("the file ends %zu bytes into the header of a %s at offset %" PRIu64
                     "; all %" PRIu64 " packets before it were read",
                     pending.size(), unit, offset, info.packets));
        }
      }
      info.bytes_unparsed += pending.size();
      pending.clear();
    }
    if (st == state::pcapng) close_section(offset);
    return result();
  }

  PCAPSCOPE_SIZE_FN bool read_at(std::uint64_t off, random_access_source& src, std::vector<std::uint8_t>& scratch,
               record& out, std::string& error) const {
    auto read_exact = [&](std::uint64_t at, std::size_t n) {
      scratch.resize(n);
      return src.read(at, scratch) == n;
    };
    if (info.format == file_format::pcap) {
      if (off < kPcapHeaderLen || !read_exact(off, pcap_rec_hdr)) {
        error = fmt("no pcap record at offset %" PRIu64, off);
        return false;
      }
      std::uint32_t caplen = util::load_u32(scratch.data() + 8, pcap_swap);
      if (caplen > lim.max_block - pcap_rec_hdr || !read_exact(off, pcap_rec_hdr + caplen)) {
        error = fmt("record at offset %" PRIu64 " is cut short or corrupt", off);
        return false;
      }
      util::cursor c(scratch, pcap_swap);
      std::uint32_t sec = c.u32();
      std::uint32_t frac = c.u32();
      out = record{};
      out.caplen = c.u32();
      out.origlen = c.u32();
      out.ts_ns = static_cast<std::int64_t>(sec) * 1000000000 + static_cast<std::int64_t>(frac) * pcap_frac_mult;
      out.link_type = info.interfaces[0].link_type;
      out.record_offset = off;
      out.data_offset = off + pcap_rec_hdr;
      out.record_length = pcap_rec_hdr + caplen;
      out.data = bytes(scratch).subspan(pcap_rec_hdr, caplen);
      return true;
    }
    if (info.format != file_format::pcapng || info.sections.empty()) {
      error = "no capture was read";
      return false;
    }
    // The section holding `off` is the last one starting before it.
    auto it = std::upper_bound(info.sections.begin(), info.sections.end(), off,
                               [](std::uint64_t o, const section_info& s) { return o < s.offset; });
    if (it == info.sections.begin()) {
      error = fmt("offset %" PRIu64 " is before the first section", off);
      return false;
    }
    const section_info& sec = *std::prev(it);
    bool swap = (sec.order == byte_order::big) == util::host_is_little_endian();
    if (!read_exact(off, 8)) {
      error = fmt("offset %" PRIu64 " is past the end of the capture", off);
      return false;
    }
    std::uint32_t type = util::load_u32(scratch.data(), swap);
    std::uint32_t len = util::load_u32(scratch.data() + 4, swap);
    if (!is_packet_block(type)) {
      error = fmt("the block at offset %" PRIu64 " (type %s) is not a packet block", off, hex32(type).c_str());
      return false;
    }
    if (len < min_block_length(type) || len > lim.max_block || !read_exact(off, len) ||
        util::load_u32(scratch.data() + len - 4, swap) != len) {
      error = fmt("packet block at offset %" PRIu64 " is corrupt or cut short", off);
      return false;
    }
    out = record{};
    auto p = parse_packet(type, scratch, off, swap, sec.first_interface, sec.interface_count, out);
    if (p.bad) {
      error = p.message;
      return false;
    }
    return true;
  }
};

reader::reader(handler* h, reader_limits limits) : impl_(std::make_unique<impl>(h, limits)) {}
reader::~reader() = default;
reader::reader(reader&&) noexcept = default;
reader& reader::operator=(reader&&) noexcept = default;

status reader::feed(util::bytes chunk) { return impl_->feed(chunk); }
status reader::finish() { return impl_->finish(); }
void reader::note_unread(std::uint64_t n) noexcept { impl_->info.bytes_unparsed += n; }
const capture_info& reader::info() const noexcept { return impl_->info; }
bool reader::failed() const noexcept { return impl_->info.fatal; }

bool reader::read_at(std::uint64_t offset, random_access_source& src,
                     std::vector<std::uint8_t>& scratch, record& out, std::string& error) const {
  return impl_->read_at(offset, src, scratch, out, error);
}

}  // namespace pcapscope::capture
