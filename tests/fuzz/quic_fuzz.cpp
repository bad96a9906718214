// libFuzzer target: the QUIC logger on a sequence of datagrams. The input is a list of records
// [control byte][16-bit length][bytes]: control bit 0 is the direction; with bit 1 set the bytes
// are a plaintext Initial payload that the harness encrypts (v1 keys of a fixed DCID, packet
// number from bits 2-7), so the fuzzer reaches frame parsing and CRYPTO reassembly past the AEAD
// tag check; otherwise they are a raw UDP payload. The whole input is also parsed as frames and
// as a long header. Checks: caps on entries' history and anomalies, buffered bytes bounded.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "pcapscope/app/quic.hpp"
#include "pcapscope/app/quic_log.hpp"

namespace {

using namespace pcapscope;

std::vector<std::uint8_t> protect(std::uint32_t pn, pcapscope::util::bytes payload) {
  static const std::uint8_t dcid[8] = {0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08};
  static app::quic_keys keys = [] {
    app::quic_keys k;
    app::quic_initial_keys(app::quic_v1, util::bytes(dcid, 8), false, k);
    return k;
  }();
  std::vector<std::uint8_t> h = {0xc3, 0, 0, 0, 1, 8};
  h.insert(h.end(), dcid, dcid + 8);
  h.push_back(0);  // SCID length
  h.push_back(0);  // token length
  std::size_t len = 4 + payload.size() + 16;
  h.push_back(static_cast<std::uint8_t>(0x40 | ((len >> 8) & 0x3F)));
  h.push_back(static_cast<std::uint8_t>(len));
  for (int i = 3; i >= 0; --i) h.push_back(static_cast<std::uint8_t>(pn >> (8 * i)));
  return app::quic_protect(h, 4, pn, payload, keys);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  util::bytes in(data, size);
  app::quic_frames frames;
  app::quic_parse_frames(in, frames);
  if (frames.crypto.size() > app::quic_frames::max_crypto) std::abort();
  for (const auto& c : frames.crypto) {
    if (c.data.data() < data || c.data.data() + c.data.size() > data + size) std::abort();
  }
  app::quic_long_header h;
  std::size_t at = 0;
  if (app::quic_parse_long_header(in, h, at) == app::quic_anomaly::none && h.packet_size > size) std::abort();
  app::looks_like_quic(in);

  app::quic_limits limits;
  limits.max_total_buffered = 256 * 1024;
  app::quic_logger log(nullptr, limits);
  std::size_t pos = 0;
  std::uint64_t frame = 0;
  while (pos + 3 <= size) {
    std::uint8_t control = data[pos];
    std::size_t len = (std::size_t{data[pos + 1]} << 8) | data[pos + 2];
    pos += 3;
    if (len > size - pos) len = size - pos;
    util::bytes rec(data + pos, len);
    pos += len;
    ++frame;
    app::stream_ctx c{static_cast<std::uint32_t>(1 + (control >> 7)), frame, static_cast<std::int64_t>(frame)};
    int dir = control & 1;
    if (control & 2) {
      auto pkt = protect(static_cast<std::uint32_t>((control >> 2) & 0x1F), rec);
      log.on_datagram(c, dir, pkt);
    } else {
      log.on_datagram(c, dir, rec);
    }
  }
  std::string out;
  for (const auto& e : log.entries()) {
    if (e.history.size() > limits.max_history) std::abort();
    if (e.anomalies.size() > limits.max_anomalies) std::abort();
    app::append_quic_record(out, e, util::log_format::ndjson, false);
  }
  log.finish();
  return 0;
}
