// pcap and pcapng writers (host byte order; readers handle either order).
#include "pcapscope/writer/writer.hpp"

#include <cstring>

#include "../capture/options.hpp"

namespace pcapscope::writer {

namespace {

template <class T>
void put(std::vector<std::uint8_t>& b, T v) {
  auto at = b.size();
  b.resize(at + sizeof(T));
  std::memcpy(b.data() + at, &v, sizeof(T));
}

void pad4(std::vector<std::uint8_t>& b) {
  while (b.size() % 4) b.push_back(0);
}

void put_option(std::vector<std::uint8_t>& b, std::uint16_t code, util::bytes v) {
  put<std::uint16_t>(b, code);
  put<std::uint16_t>(b, static_cast<std::uint16_t>(v.size()));
  b.insert(b.end(), v.begin(), v.end());
  pad4(b);
}

void put_option(std::vector<std::uint8_t>& b, std::uint16_t code, std::string_view s) {
  // Options hold at most 65535 bytes; longer strings are cut (comments rarely come close).
  if (s.size() > 0xFFFF) s = s.substr(0, 0xFFFF);
  put_option(b, code, util::bytes(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()));
}

// Starts a block: type and a placeholder length.
std::size_t begin_block(std::vector<std::uint8_t>& b, std::uint32_t type) {
  b.clear();
  put<std::uint32_t>(b, type);
  put<std::uint32_t>(b, 0);
  return 0;
}

// Ends a block: end-of-options (if any were written), trailer, and the length in the header.
void end_block(std::vector<std::uint8_t>& b, bool had_options) {
  if (had_options) put<std::uint32_t>(b, 0);  // opt_endofopt, length 0
  auto total = static_cast<std::uint32_t>(b.size() + 4);
  put<std::uint32_t>(b, total);
  std::memcpy(b.data() + 4, &total, 4);
}

}  // namespace

pcap_writer::pcap_writer(sink& out, std::uint32_t link_type, bool nanosecond, std::uint32_t snaplen)
    : out_(out), nano_(nanosecond) {
  std::vector<std::uint8_t> h;
  put<std::uint32_t>(h, nanosecond ? 0xa1b23c4d : 0xa1b2c3d4);
  put<std::uint16_t>(h, 2);
  put<std::uint16_t>(h, 4);
  put<std::int32_t>(h, 0);
  put<std::uint32_t>(h, 0);
  put<std::uint32_t>(h, snaplen);
  put<std::uint32_t>(h, link_type);
  ok_ = out_.write(h);
}

bool pcap_writer::write(const packet& p) {
  std::uint8_t h[16];
  // Floor division keeps pre-1970 times consistent (the format stores unsigned seconds).
  std::int64_t sec = p.ts_ns / 1000000000;
  std::int64_t frac = p.ts_ns % 1000000000;
  if (frac < 0) {
    frac += 1000000000;
    --sec;
  }
  auto caplen = static_cast<std::uint32_t>(p.data.size());
  std::uint32_t v[4] = {static_cast<std::uint32_t>(sec),
                        static_cast<std::uint32_t>(nano_ ? frac : frac / 1000), caplen,
                        p.origlen ? p.origlen : caplen};
  std::memcpy(h, v, sizeof h);
  ok_ = ok_ && out_.write(util::bytes(h, sizeof h)) && out_.write(p.data);
  return ok_;
}

pcapng_writer::pcapng_writer(sink& out, std::string_view user_application,
                             const std::vector<std::string>& comments)
    : out_(out) {
  begin_block(buf_, 0x0A0D0D0A);
  put<std::uint32_t>(buf_, 0x1A2B3C4D);
  put<std::uint16_t>(buf_, 1);
  put<std::uint16_t>(buf_, 0);
  put<std::int64_t>(buf_, -1);
  bool opts = false;
  for (const auto& c : comments) {
    put_option(buf_, capture::opt_comment, c);
    opts = true;
  }
  if (!user_application.empty()) {
    put_option(buf_, 4, user_application);
    opts = true;
  }
  end_block(buf_, opts);
  ok_ = out_.write(buf_);
}

std::uint32_t pcapng_writer::add_interface(const interface_desc& d) {
  begin_block(buf_, 0x00000001);
  put<std::uint16_t>(buf_, d.link_type);
  put<std::uint16_t>(buf_, 0);
  put<std::uint32_t>(buf_, d.snaplen);
  bool opts = false;
  if (!d.name.empty()) {
    put_option(buf_, 2, d.name);
    opts = true;
  }
  if (!d.description.empty()) {
    put_option(buf_, 3, d.description);
    opts = true;
  }
  if (d.tsresol != 6) {
    std::uint8_t r = d.tsresol;
    put_option(buf_, 9, util::bytes(&r, 1));
    opts = true;
  }
  if (d.fcs_len_bits >= 0) {
    auto f = static_cast<std::uint8_t>(d.fcs_len_bits);
    put_option(buf_, 13, util::bytes(&f, 1));
    opts = true;
  }
  end_block(buf_, opts);
  ok_ = ok_ && out_.write(buf_);
  ifaces_.push_back(d);
  return static_cast<std::uint32_t>(ifaces_.size() - 1);
}

bool pcapng_writer::write(const packet& p) {
  if (p.interface >= ifaces_.size()) {
    ok_ = false;
    return false;
  }
  const auto& d = ifaces_[p.interface];
  // Timestamp in the interface's units (decimal resolution only: the writer declares it).
  std::uint64_t units_per_s = 1;
  for (unsigned i = 0; i < d.tsresol && i < 19; ++i) units_per_s *= 10;
  auto ns = static_cast<util::uint128>(static_cast<std::uint64_t>(p.ts_ns < 0 ? 0 : p.ts_ns));
  auto units = static_cast<std::uint64_t>(ns * units_per_s / 1000000000u);
  auto caplen = static_cast<std::uint32_t>(p.data.size());
  begin_block(buf_, 0x00000006);
  put<std::uint32_t>(buf_, p.interface);
  put<std::uint32_t>(buf_, static_cast<std::uint32_t>(units >> 32));
  put<std::uint32_t>(buf_, static_cast<std::uint32_t>(units));
  put<std::uint32_t>(buf_, caplen);
  put<std::uint32_t>(buf_, p.origlen ? p.origlen : caplen);
  buf_.insert(buf_.end(), p.data.begin(), p.data.end());
  pad4(buf_);
  bool opts = false;
  for (auto c : p.comments) {
    put_option(buf_, capture::opt_comment, c);
    opts = true;
  }
  if (p.epb_flags) {
    std::uint8_t f[4];
    std::memcpy(f, &p.epb_flags, 4);
    put_option(buf_, 2, util::bytes(f, 4));
    opts = true;
  }
  end_block(buf_, opts);
  ok_ = ok_ && out_.write(buf_);
  return ok_;
}

packet packet_from_record(const capture::record& r, std::vector<std::string>& storage) {
  packet p;
  p.ts_ns = r.ts_ns;
  p.origlen = r.origlen;
  p.interface = r.interface;
  p.data = r.data;
  p.epb_flags = r.epb_flags;
  storage = capture::record_comments(r);
  for (const auto& s : storage) p.comments.push_back(s);
  return p;
}

}  // namespace pcapscope::writer
