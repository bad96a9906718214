// Content-Encoding decoding of exported HTTP bodies with zlib (native builds only; the wasm
// build leaves decoding to JS DecompressionStream). Output is capped: a small body that inflates
// past http_limits::max_decoded_bytes stops there (http.decoded_too_large).
#include <zlib.h>

#include <string>
#include <vector>

#include "pcapscope/app/http.hpp"

namespace pcapscope::app {

namespace {

bool ieq(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Inflates with zlib `window_bits` (31: gzip, 15: zlib, -15: raw deflate, 47: auto gzip/zlib).
// Concatenated gzip members are decoded one after another. Returns decoded / failed / too_large.
http_decode_status inflate_all(util::bytes in, int window_bits, std::vector<std::uint8_t>& out, std::size_t max_out) {
  out.clear();
  z_stream z{};
  if (inflateInit2(&z, window_bits) != Z_OK) return http_decode_status::failed;
  z.next_in = const_cast<Bytef*>(in.data());
  std::size_t left = in.size();
  std::uint8_t buf[65536];
  http_decode_status st = http_decode_status::failed;
  bool done = false;
  while (!done) {
    const uInt feed = static_cast<uInt>(std::min<std::size_t>(left, 1u << 30));
    z.avail_in = feed;
    std::size_t before_in = z.avail_in;
    z.next_out = buf;
    z.avail_out = sizeof buf;
    int r = inflate(&z, Z_NO_FLUSH);
    left -= before_in - z.avail_in;
    std::size_t got = sizeof buf - z.avail_out;
    if (out.size() + got > max_out) {
      out.insert(out.end(), buf, buf + (max_out - out.size()));
      st = http_decode_status::too_large;
      break;
    }
    out.insert(out.end(), buf, buf + got);
    if (r == Z_STREAM_END) {
      st = http_decode_status::decoded;
      // Another gzip member may follow.
      if (window_bits > 15 && left > 0 && z.next_in[0] == 0x1F) {
        if (inflateReset(&z) != Z_OK) break;
        st = http_decode_status::failed;
        continue;
      }
      done = true;
    } else if (r == Z_BUF_ERROR && left == 0 && got == 0) {
      // Input ended before the stream did: keep what was decoded (tshark shows it too).
      st = out.empty() ? http_decode_status::failed : http_decode_status::decoded;
      done = true;
    } else if (r != Z_OK && r != Z_BUF_ERROR) {
      st = out.empty() ? http_decode_status::failed : http_decode_status::decoded;
      done = true;
    } else if (left == 0 && got == 0 && z.avail_in == 0) {
      st = out.empty() ? http_decode_status::failed : http_decode_status::decoded;
      done = true;
    }
  }
  inflateEnd(&z);
  return st;
}

}  // namespace

http_decode_status http_decode_body(util::bytes in, std::string_view content_encoding, std::vector<std::uint8_t>& out,
                                    std::size_t max_out) {
  auto enc = trim(content_encoding);
  if (enc.empty() || ieq(enc, "identity")) {
    out.assign(in.begin(), in.end());
    return http_decode_status::identity;
  }
  http_decode_status st;
  if (ieq(enc, "gzip") || ieq(enc, "x-gzip")) {
    st = inflate_all(in, 15 + 32, out, max_out);  // gzip (or a zlib stream mislabelled)
  } else if (ieq(enc, "deflate")) {
    st = inflate_all(in, 15, out, max_out);  // zlib wrapper, as RFC 9110 says
    if (st == http_decode_status::failed) st = inflate_all(in, -15, out, max_out);  // raw deflate, as IIS sends
  } else {
    out.assign(in.begin(), in.end());
    return http_decode_status::unsupported;
  }
  if (st == http_decode_status::failed) out.assign(in.begin(), in.end());
  return st;
}

bool export_http_object(const capture::reader& rd, capture::random_access_source& src, const index::packet_index& ix,
                        const flow::flow_tracker& flows, const http_object& obj, std::vector<std::uint8_t>& out,
                        http_decode_status& status, std::string& error, const http_limits& limits) {
  std::vector<std::uint8_t> raw;
  bool complete = false;
  if (!extract_http_body(rd, src, ix, flows, obj, raw, complete, error, limits)) return false;
  status = http_decode_body(raw, obj.content_encoding, out, limits.max_decoded_bytes);
  return true;
}

}  // namespace pcapscope::app
