// QUIC long headers, Initial packet protection, Initial frames, CRYPTO reassembly and the
// quic.log builder (see app/quic.hpp and docs/quic.md).
#include "pcapscope/app/quic.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "pcapscope/app/tls.hpp"
#include "pcapscope/crypto/aes.hpp"
#include "pcapscope/crypto/gcm.hpp"
#include "pcapscope/crypto/hmac.hpp"

namespace pcapscope::app {

namespace {

using util::bytes;

// Initial salts: RFC 9001 §5.2 (v1), RFC 9369 §3.3.1 (v2), and the drafts' values
// (draft-ietf-quic-tls-22 §5.2, -23 §5.2 (used through -28), -29 §5.2 (used through -32)).
constexpr std::uint8_t salt_v1[20] = {0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17,
                                      0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a};
constexpr std::uint8_t salt_v2[20] = {0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6, 0xdb, 0x81, 0x93,
                                      0x81, 0xbe, 0x6e, 0x26, 0x9d, 0xcb, 0xf9, 0xbd, 0x2e, 0xd9};
constexpr std::uint8_t salt_d29[20] = {0xaf, 0xbf, 0xec, 0x28, 0x99, 0x93, 0xd2, 0x4c, 0x9e, 0x97,
                                       0x86, 0xf1, 0x9c, 0x61, 0x11, 0xe0, 0x43, 0x90, 0xa8, 0x99};
constexpr std::uint8_t salt_d23[20] = {0xc3, 0xee, 0xf7, 0x12, 0xc7, 0x2e, 0xbb, 0x5a, 0x11, 0xa7,
                                       0xd2, 0x43, 0x2b, 0xb4, 0x63, 0x65, 0xbe, 0xf9, 0xf5, 0x02};
constexpr std::uint8_t salt_d22[20] = {0x7f, 0xbc, 0xdb, 0x0e, 0x7c, 0x66, 0xbb, 0xe9, 0x19, 0x3a,
                                       0x96, 0xcd, 0x21, 0x51, 0x9e, 0xbd, 0x7a, 0x02, 0x64, 0x4a};

// The draft number a version follows for its Initial salt (0: unsupported, 100: v2).
int draft_of(std::uint32_t v) noexcept {
  if (v == quic_v1) return 34;
  if (v == quic_v2) return 100;
  if ((v >> 8) == 0xff0000) {
    int d = static_cast<int>(v & 0xFF);
    return d >= 22 && d <= 34 ? d : 0;
  }
  switch (v) {
    case 0xfaceb001: return 22;
    case 0xfaceb002:
    case 0xfaceb00e: return 27;
    default: return 0;
  }
}

const std::uint8_t* salt_for(int draft) noexcept {
  if (draft == 100) return salt_v2;
  if (draft <= 22) return salt_d22;
  if (draft <= 28) return salt_d23;
  if (draft <= 32) return salt_d29;
  return salt_v1;
}

std::string hex(bytes b) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  s.reserve(b.size() * 2);
  for (auto x : b) {
    s += digits[x >> 4];
    s += digits[x & 15];
  }
  return s;
}

// RFC 9000 §A.3: the packet number closest to the next expected one.
std::uint64_t decode_pn_impl(std::int64_t largest, std::uint64_t truncated, unsigned bits) noexcept {
  std::uint64_t expected = static_cast<std::uint64_t>(largest + 1);
  std::uint64_t win = std::uint64_t{1} << bits;
  std::uint64_t hwin = win / 2;
  std::uint64_t mask = win - 1;
  std::uint64_t candidate = (expected & ~mask) | truncated;
  if (candidate + hwin <= expected && candidate < (std::uint64_t{1} << 62) - win) return candidate + win;
  if (candidate > expected + hwin && candidate >= win) return candidate - win;
  return candidate;
}

void make_nonce(const quic_keys& k, std::uint64_t pn, std::uint8_t nonce[12]) noexcept {
  std::memcpy(nonce, k.iv.data(), 12);
  for (int i = 0; i < 8; ++i) nonce[11 - i] ^= static_cast<std::uint8_t>(pn >> (8 * i));
}

}  // namespace

std::string_view quic_anomaly_name(quic_anomaly a) noexcept {
  switch (a) {
    case quic_anomaly::none: return "quic.none";
    case quic_anomaly::truncated_header: return "quic.truncated_header";
    case quic_anomaly::bad_cid_length: return "quic.bad_cid_length";
    case quic_anomaly::bad_length: return "quic.bad_length";
    case quic_anomaly::short_packet: return "quic.short_packet";
    case quic_anomaly::decrypt_failed: return "quic.decrypt_failed";
    case quic_anomaly::bad_frame: return "quic.bad_frame";
    case quic_anomaly::unexpected_frame: return "quic.unexpected_frame";
    case quic_anomaly::too_many_packets: return "quic.too_many_packets";
    case quic_anomaly::crypto_beyond_cap: return "quic.crypto_beyond_cap";
    case quic_anomaly::crypto_too_fragmented: return "quic.crypto_too_fragmented";
    case quic_anomaly::crypto_memory_cap: return "quic.crypto_memory_cap";
    case quic_anomaly::crypto_conflict: return "quic.crypto_conflict";
    case quic_anomaly::handshake_too_long: return "quic.handshake_too_long";
    case quic_anomaly::unexpected_handshake: return "quic.unexpected_handshake";
    case quic_anomaly::bad_client_hello: return "quic.bad_client_hello";
    case quic_anomaly::unknown_version: return "quic.unknown_version";
    case quic_anomaly::count_: break;
  }
  return "quic.unknown";
}

std::string_view quic_packet_type_name(quic_packet_type t) noexcept {
  switch (t) {
    case quic_packet_type::initial: return "Initial";
    case quic_packet_type::zero_rtt: return "0-RTT";
    case quic_packet_type::handshake: return "Handshake";
    case quic_packet_type::retry: return "Retry";
    case quic_packet_type::version_negotiation: return "VersionNegotiation";
    case quic_packet_type::short_header: return "1-RTT";
  }
  return "?";
}

bool quic_version_supported(std::uint32_t version) noexcept { return draft_of(version) != 0; }

std::uint64_t quic_decode_packet_number(std::int64_t largest, std::uint64_t truncated, unsigned bits) noexcept {
  if (bits == 0 || bits > 32) return truncated;
  return decode_pn_impl(largest, truncated, bits);
}

std::string quic_version_name(std::uint32_t version) {
  char buf[32];
  if (version == quic_v1) return "1";
  if (version == quic_v2) return "quicv2";
  if ((version >> 8) == 0xff0000) {
    std::snprintf(buf, sizeof buf, "draft-%u", static_cast<unsigned>(version & 0xFF));
    return buf;
  }
  if ((version >> 8) == 0xfaceb0) {
    std::snprintf(buf, sizeof buf, "mvfst (%08x)", static_cast<unsigned>(version));
    return buf;
  }
  std::snprintf(buf, sizeof buf, "unknown-%x", static_cast<unsigned>(version));
  return buf;
}

std::uint64_t quic_varint(util::cursor& c) noexcept {
  std::uint8_t b = c.u8();
  std::size_t len = std::size_t{1} << (b >> 6);
  std::uint64_t v = b & 0x3F;
  for (std::size_t i = 1; i < len; ++i) v = (v << 8) | c.u8();
  return c.failed() ? 0 : v;
}

quic_anomaly quic_parse_long_header(bytes data, quic_long_header& out, std::size_t& at) noexcept {
  out = {};
  util::cursor c(data);
  out.first_byte = c.u8();
  auto ver = c.take(4);
  if (c.failed()) {
    at = c.position();
    return quic_anomaly::truncated_header;
  }
  out.version = util::load_be32(ver.data());
  bool known = out.version == 0 || quic_version_supported(out.version);
  std::uint8_t dlen = c.u8();
  if (known && dlen > 20) {
    at = c.position() - 1;
    return quic_anomaly::bad_cid_length;
  }
  out.dcid = c.take(dlen);
  std::uint8_t slen = c.u8();
  if (known && slen > 20) {
    at = c.position() - 1;
    return quic_anomaly::bad_cid_length;
  }
  out.scid = c.take(slen);
  if (c.failed()) {
    at = c.position();
    return quic_anomaly::truncated_header;
  }
  if (out.version == 0) {
    out.type = quic_packet_type::version_negotiation;
    out.pn_offset = c.position();
    out.packet_size = data.size();
    return quic_anomaly::none;
  }
  unsigned bits = (out.first_byte >> 4) & 3;
  if (out.version == quic_v2) bits = (bits + 3) & 3;  // v2: 1 Initial, 2 0-RTT, 3 Handshake, 0 Retry
  out.type = static_cast<quic_packet_type>(bits);
  if (!known) {
    out.pn_offset = c.position();
    out.packet_size = data.size();
    return quic_anomaly::none;
  }
  if (out.type == quic_packet_type::retry) {
    // Retry: the token, then a 16-byte integrity tag, up to the end of the datagram.
    std::size_t rest = c.remaining();
    out.token = c.take(rest >= 16 ? rest - 16 : rest);
    out.pn_offset = c.position();
    out.packet_size = data.size();
    return quic_anomaly::none;
  }
  if (out.type == quic_packet_type::initial) {
    std::uint64_t tl = quic_varint(c);
    if (!c.failed() && tl > c.remaining()) {
      at = c.position();
      return quic_anomaly::bad_length;
    }
    out.token = c.take(static_cast<std::size_t>(tl));
  }
  out.length = quic_varint(c);
  if (c.failed()) {
    at = c.position();
    return quic_anomaly::truncated_header;
  }
  out.pn_offset = c.position();
  if (out.length > c.remaining()) {
    at = out.pn_offset;
    return quic_anomaly::bad_length;
  }
  out.packet_size = out.pn_offset + static_cast<std::size_t>(out.length);
  return quic_anomaly::none;
}

bool quic_initial_keys(std::uint32_t version, bytes client_dcid, bool server, quic_keys& out) noexcept {
  int draft = draft_of(version);
  if (draft == 0) return false;
  auto initial = crypto::hkdf_extract(bytes(salt_for(draft), 20), client_dcid);
  crypto::digest256 secret{};
  if (!crypto::hkdf_expand_label(initial, server ? "server in" : "client in", {}, secret)) return false;
  bool v2 = draft == 100;
  return crypto::hkdf_expand_label(secret, v2 ? "quicv2 key" : "quic key", {}, out.key) &&
         crypto::hkdf_expand_label(secret, v2 ? "quicv2 iv" : "quic iv", {}, out.iv) &&
         crypto::hkdf_expand_label(secret, v2 ? "quicv2 hp" : "quic hp", {}, out.hp);
}

quic_anomaly quic_unprotect(bytes packet, const quic_long_header& h, const quic_keys& k,
                            std::int64_t largest_pn, quic_plain_packet& out) noexcept {
  std::size_t end = h.packet_size;
  std::size_t pn_off = h.pn_offset;
  if (end > packet.size() || pn_off > end) return quic_anomaly::bad_length;
  if (end - pn_off < 4 + 16) return quic_anomaly::short_packet;
  crypto::aes128 hp;
  hp.set_key(k.hp);
  std::uint8_t mask[16];
  hp.encrypt_block(packet.data() + pn_off + 4, mask);
  bool long_header = (packet[0] & 0x80) != 0;
  std::uint8_t b0 = static_cast<std::uint8_t>(packet[0] ^ (mask[0] & (long_header ? 0x0F : 0x1F)));
  std::uint8_t pn_len = static_cast<std::uint8_t>((b0 & 3) + 1);
  if (end - pn_off < pn_len + crypto::aes128_gcm::tag_size) return quic_anomaly::short_packet;
  out.header.assign(packet.begin(), packet.begin() + static_cast<std::ptrdiff_t>(pn_off + pn_len));
  out.header[0] = b0;
  std::uint64_t truncated = 0;
  for (std::size_t i = 0; i < pn_len; ++i) {
    out.header[pn_off + i] = static_cast<std::uint8_t>(out.header[pn_off + i] ^ mask[1 + i]);
    truncated = (truncated << 8) | out.header[pn_off + i];
  }
  out.pn_length = pn_len;
  out.packet_number = decode_pn_impl(largest_pn, truncated, 8u * pn_len);
  std::uint8_t nonce[12];
  make_nonce(k, out.packet_number, nonce);
  std::size_t ct_off = pn_off + pn_len;
  std::size_t ct_len = end - ct_off - crypto::aes128_gcm::tag_size;
  crypto::aes128_gcm gcm;
  gcm.set_key(k.key);
  out.payload.resize(ct_len);
  if (!gcm.decrypt(bytes(nonce, 12), out.header, packet.subspan(ct_off, ct_len),
                   packet.subspan(ct_off + ct_len, crypto::aes128_gcm::tag_size), out.payload)) {
    out.payload.clear();
    return quic_anomaly::decrypt_failed;
  }
  return quic_anomaly::none;
}

std::vector<std::uint8_t> quic_protect(bytes header, std::uint8_t pn_length, std::uint64_t packet_number,
                                       bytes payload, const quic_keys& k) {
  std::vector<std::uint8_t> out;
  if (pn_length < 1 || pn_length > 4 || header.size() < pn_length) return out;
  std::size_t pn_off = header.size() - pn_length;
  if (pn_length + payload.size() + 16 < 4 + 16) return out;  // no room for the sample
  std::uint8_t nonce[12];
  make_nonce(k, packet_number, nonce);
  crypto::aes128_gcm gcm;
  gcm.set_key(k.key);
  out.assign(header.begin(), header.end());
  out.resize(header.size() + payload.size() + 16);
  std::span<std::uint8_t> ct(out.data() + header.size(), payload.size());
  std::span<std::uint8_t, 16> tag(out.data() + header.size() + payload.size(), 16);
  gcm.encrypt(bytes(nonce, 12), header, payload, ct, tag);
  crypto::aes128 hp;
  hp.set_key(k.hp);
  std::uint8_t mask[16];
  hp.encrypt_block(out.data() + pn_off + 4, mask);
  out[0] = static_cast<std::uint8_t>(out[0] ^ (mask[0] & ((out[0] & 0x80) ? 0x0F : 0x1F)));
  for (std::size_t i = 0; i < pn_length; ++i) out[pn_off + i] = static_cast<std::uint8_t>(out[pn_off + i] ^ mask[1 + i]);
  return out;
}

bool quic_parse_frames(bytes payload, quic_frames& out) {
  out.crypto.clear();
  out.padding = out.ping = out.ack = out.frames = 0;
  out.connection_close = false;
  out.close_error = 0;
  out.close_application = false;
  out.problem = quic_anomaly::none;
  out.problem_offset = 0;
  util::cursor c(payload);
  auto fail = [&](quic_anomaly a, std::size_t at) {
    out.problem = a;
    out.problem_offset = static_cast<std::uint32_t>(at);
    return false;
  };
  while (!c.at_end()) {
    std::size_t pos = c.position();
    std::uint64_t type = quic_varint(c);
    if (c.failed()) return fail(quic_anomaly::bad_frame, pos);
    ++out.frames;
    switch (type) {
      case 0x00: {  // PADDING: count the whole run
        std::uint32_t run = 1;
        while (c.remaining() > 0 && payload[c.position()] == 0) {
          c.skip(1);
          ++run;
        }
        out.padding += run;
        break;
      }
      case 0x01:  // PING
        ++out.ping;
        break;
      case 0x02:
      case 0x03: {  // ACK: Largest, Delay, Range Count, First Range, Count x (Gap, Range) [, ECN]
        quic_varint(c);
        quic_varint(c);
        std::uint64_t count = quic_varint(c);
        quic_varint(c);
        // Each range reads at least two bytes, so a lying count ends at the payload's end.
        for (std::uint64_t i = 0; i < count && !c.failed(); ++i) {
          quic_varint(c);
          quic_varint(c);
        }
        if (type == 0x03) {
          quic_varint(c);
          quic_varint(c);
          quic_varint(c);
        }
        if (c.failed()) return fail(quic_anomaly::bad_frame, pos);
        ++out.ack;
        break;
      }
      case 0x06: {  // CRYPTO: Offset, Length, Data
        std::uint64_t off = quic_varint(c);
        std::uint64_t len = quic_varint(c);
        if (c.failed() || len > c.remaining() || off + len > (std::uint64_t{1} << 62) - 1) {
          return fail(quic_anomaly::bad_frame, pos);
        }
        auto data = c.take(static_cast<std::size_t>(len));
        if (out.crypto.size() < quic_frames::max_crypto) out.crypto.push_back({off, data});
        break;
      }
      case 0x1c:
      case 0x1d: {  // CONNECTION_CLOSE: Error Code, [Frame Type,] Reason Phrase Length, Reason
        out.close_error = quic_varint(c);
        if (type == 0x1c) quic_varint(c);
        std::uint64_t rlen = quic_varint(c);
        if (c.failed() || rlen > c.remaining()) return fail(quic_anomaly::bad_frame, pos);
        c.skip(static_cast<std::size_t>(rlen));
        out.connection_close = true;
        out.close_application = type == 0x1d;
        break;
      }
      default:
        return fail(quic_anomaly::unexpected_frame, pos);
    }
  }
  return true;
}

bool looks_like_quic(bytes udp_payload) noexcept {
  if (udp_payload.size() < 7 || (udp_payload[0] & 0x80) == 0) return false;
  quic_long_header h;
  std::size_t at = 0;
  if (quic_parse_long_header(udp_payload, h, at) != quic_anomaly::none) return false;
  if (h.version == 0) {
    // Version Negotiation: a non-empty list of 4-byte versions follows the connection IDs.
    std::size_t rest = udp_payload.size() - h.pn_offset;
    return rest >= 4 && rest % 4 == 0 && h.dcid.size() <= 20 && h.scid.size() <= 20;
  }
  if ((udp_payload[0] & 0x40) == 0) return false;  // fixed bit
  return quic_version_supported(h.version);
}

// ---------------------------------------------------------------------------------------------
// The logger.

namespace {

// One direction's CRYPTO stream at the Initial level: a dense buffer from offset 0 (grown to
// the highest byte received, at most max_crypto_bytes) and the received ranges, sorted and merged.
struct crypto_stream {
  std::vector<std::uint8_t> buf;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges;
  bool done = false;       // the first handshake message was handled (or given up)
};

}  // namespace

struct quic_flow_state {
  bool has_entry = false;
  std::size_t entry = 0;
  bool have_keys = false;
  std::vector<std::uint8_t> key_dcid;  // the client DCID the keys come from
  quic_keys keys[2];                 // client (0) and server (1) Initial keys
  std::int64_t largest_pn[2] = {-1, -1};
  crypto_stream crypto[2];
  std::uint64_t short_packets[2] = {0, 0};
};

quic_logger::quic_logger(const flow::flow_tracker* flows, quic_limits limits)
    : flows_(flows), limits_(limits) {}

quic_logger::~quic_logger() = default;

void quic_logger::finish() {
  states_.clear();
  buffered_ = 0;
}

quic_log_entry& quic_logger::entry_for(quic_flow_state& s, const stream_ctx& c, std::uint32_t version) {
  if (!s.has_entry) {
    s.has_entry = true;
    s.entry = entries_.size();
    auto& e = entries_.emplace_back();
    e.ts_ns = c.ts_ns;
    e.id = make_conn_id(flows_, c.flow_id);
    e.version = version;
  }
  return entries_[s.entry];
}

void quic_logger::add_history(quic_flow_state& s, int dir, char letter) {
  if (!s.has_entry) return;
  auto& h = entries_[s.entry].history;
  if (h.size() >= limits_.max_history) return;
  h += dir == 0 ? letter : static_cast<char>(letter - 'A' + 'a');
}

void quic_logger::anomaly(quic_flow_state* s, const stream_ctx& c, int dir, quic_anomaly a,
                          std::uint64_t offset) {
  ++counters_.anomalies[static_cast<std::size_t>(a)];
  if (!s || !s->has_entry) return;
  auto& list = entries_[s->entry].anomalies;
  if (list.size() < limits_.max_anomalies) {
    list.push_back({a, static_cast<std::uint8_t>(dir), c.frame, offset});
  }
}

void quic_logger::close_entry(quic_flow_state& s) {
  for (auto& cs : s.crypto) {
    buffered_ -= std::min<std::uint64_t>(buffered_, cs.buf.size());
    cs = {};
  }
  s.has_entry = false;
  s.have_keys = false;
  s.key_dcid.clear();
  s.largest_pn[0] = s.largest_pn[1] = -1;
  s.short_packets[0] = s.short_packets[1] = 0;
}

void quic_logger::on_datagram(const stream_ctx& c, int dir, bytes udp_payload) {
  ++counters_.datagrams;
  dir = dir == 0 ? 0 : 1;
  auto it = states_.find(c.flow_id);
  quic_flow_state* s = it == states_.end() ? nullptr : it->second.get();
  std::size_t off = 0;
  std::uint32_t packets = 0;
  while (off < udp_payload.size()) {
    bytes rest = udp_payload.subspan(off);
    if ((rest[0] & 0x80) == 0) {
      // Zero bytes after coalesced packets are padding; anything else is a 1-RTT packet, which
      // runs to the end of the datagram.
      if (off > 0 && std::all_of(rest.begin(), rest.end(), [](std::uint8_t b) { return b == 0; })) break;
      ++counters_.short_packets;
      if (s && s->has_entry) {
        auto n = ++s->short_packets[dir];
        if ((n & (n - 1)) == 0) add_history(*s, dir, 'O');  // 1, 2, 4, 8, … per direction
      }
      break;
    }
    if (++packets > limits_.max_packets_per_datagram) {
      anomaly(s, c, dir, quic_anomaly::too_many_packets, off);
      break;
    }
    quic_long_header h;
    std::size_t at = 0;
    auto a = quic_parse_long_header(rest, h, at);
    if (a != quic_anomaly::none) {
      anomaly(s, c, dir, a, off + at);
      break;
    }
    ++counters_.long_packets;
    if (!s) {
      auto& p = states_[c.flow_id];
      p = std::make_unique<quic_flow_state>();
      s = p.get();
    }
    process_packet(*s, c, dir, rest, h, off);
    if (h.packet_size == 0) break;
    off += h.packet_size;
  }
}

void quic_logger::process_packet(quic_flow_state& s, const stream_ctx& c, int dir, bytes packet,
                                 const quic_long_header& h, std::size_t base) {
  if (h.type == quic_packet_type::version_negotiation) {
    ++counters_.version_negotiation;
    return;
  }
  bool supported = quic_version_supported(h.version);
  quic_anomaly a = quic_anomaly::none;
  bool tried = false;
  if (supported && h.type == quic_packet_type::initial) {
    // Decrypt before touching the entry: a client Initial that only decrypts with keys from its
    // own DCID is a new connection reusing the flow, which ends the current entry.
    if (dir == 0 && !s.have_keys) {
      // The client's first Initial: its DCID keys both directions' Initial packets.
      s.have_keys = quic_initial_keys(h.version, h.dcid, false, s.keys[0]) &&
                    quic_initial_keys(h.version, h.dcid, true, s.keys[1]);
      s.key_dcid.assign(h.dcid.begin(), h.dcid.end());
    }
    if (s.have_keys) {
      tried = true;
      a = quic_unprotect(packet, h, s.keys[dir], s.largest_pn[dir], plain_);
      if (a == quic_anomaly::decrypt_failed && dir == 0 && !h.dcid.empty() &&
          !std::equal(h.dcid.begin(), h.dcid.end(), s.key_dcid.begin(), s.key_dcid.end())) {
        quic_keys fresh[2];
        if (quic_initial_keys(h.version, h.dcid, false, fresh[0]) &&
            quic_initial_keys(h.version, h.dcid, true, fresh[1]) &&
            quic_unprotect(packet, h, fresh[0], -1, plain_) == quic_anomaly::none) {
          close_entry(s);
          s.keys[0] = fresh[0];
          s.keys[1] = fresh[1];
          s.have_keys = true;
          s.key_dcid.assign(h.dcid.begin(), h.dcid.end());
          a = quic_anomaly::none;
        }
      }
    }
  }
  auto& e = entry_for(s, c, h.version);
  if (dir == 0 && !h.dcid.empty() && e.client_initial_dcid.empty()) e.client_initial_dcid = hex(h.dcid);
  if (dir == 0) {
    e.has_client_scid = true;
    e.client_scid = hex(h.scid);
  } else {
    e.has_server_scid = true;
    e.server_scid = hex(h.scid);
  }
  if (!supported) {
    add_history(s, dir, 'U');
    anomaly(&s, c, dir, quic_anomaly::unknown_version, base + 1);
    close_entry(s);
    return;
  }
  switch (h.type) {
    case quic_packet_type::handshake:
      ++counters_.handshake_packets;
      add_history(s, dir, 'H');
      return;
    case quic_packet_type::zero_rtt:
      ++counters_.zero_rtt_packets;
      add_history(s, dir, 'Z');
      return;
    case quic_packet_type::retry:
      ++counters_.retry_packets;
      add_history(s, dir, 'R');
      close_entry(s);
      return;
    case quic_packet_type::initial:
      break;
    default:
      return;
  }
  ++counters_.initial_packets;
  ++e.initial_packets;
  add_history(s, dir, 'I');
  if (!tried) return;
  if (a != quic_anomaly::none) {
    if (a == quic_anomaly::decrypt_failed) ++counters_.decrypt_failures;
    anomaly(&s, c, dir, a, base + h.pn_offset);
    return;
  }
  ++counters_.decrypted;
  ++e.decrypted;
  s.largest_pn[dir] = std::max<std::int64_t>(s.largest_pn[dir], static_cast<std::int64_t>(plain_.packet_number));
  quic_parse_frames(plain_.payload, frames_);
  if (frames_.problem != quic_anomaly::none) anomaly(&s, c, dir, frames_.problem, frames_.problem_offset);
  on_crypto(s, c, dir, frames_);
  if (frames_.connection_close && s.has_entry) {
    add_history(s, dir, 'C');
    close_entry(s);
  }
}

void quic_logger::on_crypto(quic_flow_state& s, const stream_ctx& c, int dir, const quic_frames& f) {
  auto& cs = s.crypto[dir];
  if (cs.done) return;
  const std::uint64_t cap = limits_.max_crypto_bytes;
  auto release = [&] {
    buffered_ -= std::min<std::uint64_t>(buffered_, cs.buf.size());
    cs.buf = {};
    cs.ranges = {};
    cs.done = true;
  };
  for (const auto& chunk : f.crypto) {
    if (chunk.data.empty()) continue;
    std::uint64_t start = chunk.offset;
    std::uint64_t end = start + chunk.data.size();
    bytes data = chunk.data;
    if (end > cap) {
      anomaly(&s, c, dir, quic_anomaly::crypto_beyond_cap, start);
      if (start >= cap) continue;
      data = data.first(static_cast<std::size_t>(cap - start));
      end = cap;
    }
    if (end > cs.buf.size()) {
      std::uint64_t growth = end - cs.buf.size();
      if (buffered_ + growth > limits_.max_total_buffered) {
        anomaly(&s, c, dir, quic_anomaly::crypto_memory_cap, start);
        continue;
      }
      cs.buf.resize(static_cast<std::size_t>(end));
      buffered_ += growth;
    }
    // Bytes already received must match (a retransmission); report the first conflict.
    bool conflict = false;
    for (const auto& [rs, re] : cs.ranges) {
      std::uint64_t lo = std::max(rs, start), hi = std::min(re, end);
      if (lo < hi && std::memcmp(cs.buf.data() + lo, data.data() + (lo - start), static_cast<std::size_t>(hi - lo)) != 0) {
        conflict = true;
        break;
      }
    }
    if (conflict) anomaly(&s, c, dir, quic_anomaly::crypto_conflict, start);
    std::memcpy(cs.buf.data() + start, data.data(), data.size());
    // Insert [start, end) and merge touching ranges.
    auto pos = std::lower_bound(cs.ranges.begin(), cs.ranges.end(), std::make_pair(start, end));
    cs.ranges.insert(pos, {start, end});
    std::size_t w = 0;
    for (std::size_t r = 1; r < cs.ranges.size(); ++r) {
      if (cs.ranges[r].first <= cs.ranges[w].second) {
        cs.ranges[w].second = std::max(cs.ranges[w].second, cs.ranges[r].second);
      } else {
        cs.ranges[++w] = cs.ranges[r];
      }
    }
    cs.ranges.resize(w + 1);
    if (cs.ranges.size() > limits_.max_crypto_ranges) {
      anomaly(&s, c, dir, quic_anomaly::crypto_too_fragmented, start);
      release();
      return;
    }
  }
  if (cs.ranges.empty() || cs.ranges[0].first != 0) return;
  std::uint64_t contiguous = cs.ranges[0].second;
  if (contiguous < 4) return;
  std::uint8_t type = cs.buf[0];
  std::uint64_t len = (std::uint64_t{cs.buf[1]} << 16) | (std::uint64_t{cs.buf[2]} << 8) | cs.buf[3];
  std::uint8_t want = dir == 0 ? tls_client_hello_type : tls_server_hello_type;
  if (type != want) {
    anomaly(&s, c, dir, quic_anomaly::unexpected_handshake, 0);
    release();
    return;
  }
  if (4 + len > cap) {
    anomaly(&s, c, dir, quic_anomaly::handshake_too_long, 0);
    release();
    return;
  }
  if (contiguous < 4 + len) return;
  bytes message(cs.buf.data(), static_cast<std::size_t>(4 + len));
  auto& e = entries_[s.entry];
  if (dir == 0) {
    tls_client_hello hello;
    if (parse_client_hello(message, hello)) {
      ++counters_.client_hellos;
      e.has_client_hello = true;
      e.server_name = hello.sni;
      if (!hello.alpn.empty()) e.client_protocol = hello.alpn[0];
      e.ja4 = ja4(hello, 'q');
      e.client_hello_frame = c.frame;
      add_history(s, dir, 'S');
    } else {
      anomaly(&s, c, dir, quic_anomaly::bad_client_hello, 0);
    }
  } else {
    tls_server_hello hello;
    if (parse_server_hello(message, hello)) {
      ++counters_.server_hellos;
      e.server_hello_frame = c.frame;
      e.server_cipher = hello.cipher_suite;
      add_history(s, dir, 'S');
    }
  }
  release();
}

}  // namespace pcapscope::app
