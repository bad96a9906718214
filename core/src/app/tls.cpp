// TLS: ClientHello / ServerHello parsers (also used by QUIC) and the ssl.log builder that reads
// records and handshake messages from reassembled streams (see app/tls.hpp, docs/tls.md).
#include "pcapscope/app/tls.hpp"

#include <algorithm>
#include <array>
#include <cstring>

#include "pcapscope/util/md5.hpp"
#include "pcapscope/util/size_opt.hpp"

namespace pcapscope::app {

namespace {

using util::bytes;
using util::cursor;

constexpr std::uint8_t ct_ccs = 20, ct_alert = 21, ct_handshake = 22, ct_application = 23, ct_heartbeat = 24;

// The random of a HelloRetryRequest (RFC 8446 4.1.3): SHA-256 of "HelloRetryRequest".
constexpr std::uint8_t hrr_random[32] = {
    0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
    0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C};

std::uint32_t be24(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 16) | (std::uint32_t{p[1]} << 8) | std::uint32_t{p[2]};
}

std::uint16_t u16(cursor& c) {
  auto b = c.take(2);
  return b.size() == 2 ? util::load_be16(b.data()) : 0;
}

std::uint32_t u24(cursor& c) {
  auto b = c.take(3);
  return b.size() == 3 ? be24(b.data()) : 0;
}

void add_anomaly(std::vector<tls_anomaly_at>& v, tls_anomaly a, std::size_t offset) {
  if (v.size() < 16) v.push_back({a, 0, offset});
}

// A vector of 16-bit values from `b` (an odd trailing byte is reported by the caller).
void read_u16_list(bytes b, std::vector<std::uint16_t>& out) {
  out.reserve(out.size() + b.size() / 2);
  for (std::size_t i = 0; i + 1 < b.size(); i += 2) out.push_back(util::load_be16(b.data() + i));
}

// A length-prefixed sub-block of an extension: takes `len_bytes` (1 or 2) of length, then that
// many bytes; returns false when they do not fit.
bool take_vector(cursor& c, int len_bytes, bytes& out) {
  std::size_t n = len_bytes == 1 ? c.u8() : u16(c);
  if (c.failed() || n > c.remaining()) return false;
  out = c.take(n);
  return true;
}

// Reads one ClientHello extension's body into `out`. Returns false when its inner lengths do
// not add up (what was read stays).
bool read_client_extension(std::uint16_t type, bytes data, tls_client_hello& out) {
  cursor c(data);
  bytes v;
  switch (type) {
    case 0x0000: {  // server_name
      if (data.empty()) return true;  // empty in a ServerHello echo; tolerated here too
      if (!take_vector(c, 2, v)) return false;
      cursor l(v);
      bool ok = true;
      while (l.remaining() > 0) {
        std::uint8_t name_type = l.u8();
        bytes name;
        if (!take_vector(l, 2, name)) {
          ok = false;
          break;
        }
        if (name_type == 0 && out.sni.empty()) out.sni.assign(util::as_chars(name));
      }
      return ok && c.at_end();
    }
    case 0x000a:  // supported_groups
      if (!take_vector(c, 2, v)) return false;
      read_u16_list(v, out.supported_groups);
      return c.at_end() && v.size() % 2 == 0;
    case 0x000b:  // ec_point_formats
      if (!take_vector(c, 1, v)) return false;
      out.ec_point_formats.assign(v.begin(), v.end());
      return c.at_end();
    case 0x000d:  // signature_algorithms
      if (!take_vector(c, 2, v)) return false;
      read_u16_list(v, out.signature_algorithms);
      return c.at_end() && v.size() % 2 == 0;
    case 0x0010: {  // application_layer_protocol_negotiation
      if (!take_vector(c, 2, v)) return false;
      cursor l(v);
      while (l.remaining() > 0) {
        bytes p;
        if (!take_vector(l, 1, p)) return false;
        out.alpn.emplace_back(util::as_chars(p));
      }
      return c.at_end();
    }
    case 0x0023:  // session_ticket
      out.has_session_ticket = true;
      out.session_ticket_length = static_cast<std::uint32_t>(data.size());
      return true;
    case 0x0029:  // pre_shared_key
      out.has_pre_shared_key = true;
      return true;
    case 0x002a:  // early_data
      out.has_early_data = true;
      return true;
    case 0x002b:  // supported_versions
      if (!take_vector(c, 1, v)) return false;
      read_u16_list(v, out.supported_versions);
      return c.at_end() && v.size() % 2 == 0;
    case 0x002d:  // psk_key_exchange_modes
      if (!take_vector(c, 1, v)) return false;
      out.psk_key_exchange_modes.assign(v.begin(), v.end());
      return c.at_end();
    case 0x0033: {  // key_share
      if (!take_vector(c, 2, v)) return false;
      cursor l(v);
      while (l.remaining() > 0) {
        std::uint16_t group = u16(l);
        bytes key;
        if (l.failed() || !take_vector(l, 2, key)) return false;
        out.key_share_groups.push_back(group);
      }
      return c.at_end();
    }
    default:
      return true;
  }
}

// Walks an extensions block: calls `on_ext(type, data, offset_of_type)` for each; reports
// length problems and duplicates at their offsets (`base` is the block's offset in the message).
template <class F>
void walk_extensions(cursor& body, std::size_t base_of_body, std::vector<tls_anomaly_at>& anomalies, F&& on_ext) {
  std::size_t len_at = base_of_body + body.position();
  std::uint16_t ext_len = u16(body);
  if (body.failed()) {
    add_anomaly(anomalies, tls_anomaly::truncated_message, len_at);
    return;
  }
  bytes block;
  if (ext_len > body.remaining()) {
    add_anomaly(anomalies, tls_anomaly::bad_extension_length, len_at);
    block = body.take(body.remaining());
  } else {
    block = body.take(ext_len);
  }
  std::size_t block_base = len_at + 2;
  cursor e(block);
  // One bit per extension type. Only the words in use are cleared (`touched` says which): a
  // hello has a few dozen extensions, and clearing all 8 KiB cost more than the whole parse.
  std::array<std::uint64_t, 1024> seen;
  std::array<std::uint64_t, 16> touched{};
  while (e.remaining() > 0) {
    std::size_t at = block_base + e.position();
    if (e.remaining() < 4) {
      add_anomaly(anomalies, tls_anomaly::bad_extension_length, at);
      break;
    }
    std::uint16_t type = u16(e);
    std::uint16_t len = u16(e);
    if (len > e.remaining()) {
      add_anomaly(anomalies, tls_anomaly::bad_extension_length, at);
      break;
    }
    bytes data = e.take(len);
    const std::size_t wi = type >> 6;
    const std::uint64_t tbit = std::uint64_t{1} << (wi & 63);
    if (!(touched[wi >> 6] & tbit)) {
      touched[wi >> 6] |= tbit;
      seen[wi] = 0;
    }
    auto& word = seen[wi];
    std::uint64_t bit = std::uint64_t{1} << (type & 63);
    if (word & bit) add_anomaly(anomalies, tls_anomaly::duplicate_extension, at);
    word |= bit;
    on_ext(type, data, at);
  }
}

// Opens a handshake message of `type`: returns the body cursor's bytes (cut to what is present)
// and reports a short message.
bool open_message(bytes msg, std::uint8_t type, bytes& body, std::vector<tls_anomaly_at>& anomalies) {
  if (msg.size() < 4 || msg[0] != type) return false;
  std::uint32_t len = be24(msg.data() + 1);
  if (len > msg.size() - 4) {
    add_anomaly(anomalies, tls_anomaly::truncated_message, msg.size());
    body = msg.subspan(4);
  } else {
    body = msg.subspan(4, len);
  }
  return true;
}

// Empties a hello for the next parse, keeping the capacity of its lists (the logger parses
// every hello into the same object, so steady-state parsing does not allocate).
void reset_hello(tls_client_hello& h) {
  h.legacy_version = 0;
  h.sslv2 = false;
  h.session_id.clear();
  h.cipher_suites.clear();
  h.compression_methods.clear();
  h.extensions.clear();
  h.sni.clear();
  h.alpn.clear();
  h.supported_groups.clear();
  h.ec_point_formats.clear();
  h.signature_algorithms.clear();
  h.supported_versions.clear();
  h.key_share_groups.clear();
  h.psk_key_exchange_modes.clear();
  h.has_session_ticket = false;
  h.session_ticket_length = 0;
  h.has_pre_shared_key = false;
  h.has_early_data = false;
  h.complete = false;
  h.anomalies.clear();
}

void reset_hello(tls_server_hello& h) {
  h.legacy_version = 0;
  h.selected_version = 0;
  h.hello_retry = false;
  h.session_id.clear();
  h.cipher_suite = 0;
  h.compression_method = 0;
  h.extensions.clear();
  h.alpn.clear();
  h.key_share_group = 0;
  h.has_pre_shared_key = false;
  h.has_session_ticket = false;
  h.complete = false;
  h.anomalies.clear();
}

}  // namespace

bool parse_client_hello(bytes msg, tls_client_hello& out) {
  reset_hello(out);
  bytes body;
  if (!open_message(msg, tls_client_hello_type, body, out.anomalies)) return false;
  cursor c(body);
  out.legacy_version = u16(c);
  c.skip(32);  // random
  std::uint8_t sid_len = c.u8();
  bytes sid = c.take(sid_len);
  out.session_id.assign(sid.begin(), sid.end());
  std::size_t cs_at = 4 + c.position();
  std::uint16_t cs_len = u16(c);
  if (c.failed()) {
    add_anomaly(out.anomalies, tls_anomaly::truncated_message, 4 + c.position());
    return false;
  }
  bytes cs = c.take(std::min<std::size_t>(cs_len, c.remaining()));
  read_u16_list(cs, out.cipher_suites);
  if (cs.size() < cs_len) {
    add_anomaly(out.anomalies, tls_anomaly::truncated_message, cs_at);
    return true;
  }
  if (cs_len % 2) add_anomaly(out.anomalies, tls_anomaly::bad_extension_length, cs_at);
  std::uint8_t comp_len = c.u8();
  bytes comp = c.take(comp_len);
  if (c.failed()) {
    add_anomaly(out.anomalies, tls_anomaly::truncated_message, 4 + c.position());
    return true;
  }
  out.compression_methods.assign(comp.begin(), comp.end());
  if (c.remaining() > 0) {
    walk_extensions(c, 4, out.anomalies, [&](std::uint16_t type, bytes data, std::size_t at) {
      out.extensions.push_back(type);
      if (!read_client_extension(type, data, out)) add_anomaly(out.anomalies, tls_anomaly::bad_extension_length, at);
    });
  }
  if (c.remaining() > 0) add_anomaly(out.anomalies, tls_anomaly::trailing_data, 4 + c.position());
  out.complete = out.anomalies.empty();
  return true;
}

bool parse_sslv2_client_hello(bytes record, tls_client_hello& out) {
  reset_hello(out);
  out.sslv2 = true;
  if (record.size() < 2 || !(record[0] & 0x80)) return false;
  std::size_t len = (std::size_t{record[0] & 0x7Fu} << 8) | record[1];
  bytes body = record.subspan(2, std::min(len, record.size() - 2));
  if (body.size() < len) add_anomaly(out.anomalies, tls_anomaly::truncated_message, record.size());
  cursor c(body);
  std::uint8_t type = c.u8();
  out.legacy_version = u16(c);
  std::uint16_t spec_len = u16(c), sid_len = u16(c), challenge_len = u16(c);
  if (c.failed() || type != 1) {
    add_anomaly(out.anomalies, tls_anomaly::truncated_message, 2 + c.position());
    return false;
  }
  bytes specs = c.take(std::min<std::size_t>(spec_len, c.remaining()));
  for (std::size_t i = 0; i + 2 < specs.size(); i += 3) {
    if (specs[i] == 0) out.cipher_suites.push_back(util::load_be16(specs.data() + i + 1));
  }
  bytes sid = c.take(sid_len);
  out.session_id.assign(sid.begin(), sid.end());
  c.skip(challenge_len);
  if (c.failed() || specs.size() < spec_len) add_anomaly(out.anomalies, tls_anomaly::truncated_message, 2 + c.position());
  else if (c.remaining() > 0) add_anomaly(out.anomalies, tls_anomaly::trailing_data, 2 + c.position());
  add_anomaly(out.anomalies, tls_anomaly::sslv2_client_hello, 0);
  out.complete = c.at_end() && !c.failed();
  return true;
}

bool parse_server_hello(bytes msg, tls_server_hello& out) {
  reset_hello(out);
  bytes body;
  if (!open_message(msg, tls_server_hello_type, body, out.anomalies)) return false;
  cursor c(body);
  out.legacy_version = u16(c);
  bytes random = c.take(32);
  out.hello_retry = random.size() == 32 && std::memcmp(random.data(), hrr_random, 32) == 0;
  std::uint8_t sid_len = c.u8();
  bytes sid = c.take(sid_len);
  out.session_id.assign(sid.begin(), sid.end());
  out.cipher_suite = u16(c);
  if (c.failed()) {
    add_anomaly(out.anomalies, tls_anomaly::truncated_message, 4 + c.position());
    return false;
  }
  out.selected_version = out.legacy_version;
  out.compression_method = c.u8();
  if (c.failed()) {
    add_anomaly(out.anomalies, tls_anomaly::truncated_message, 4 + c.position());
    return true;
  }
  if (c.remaining() > 0) {
    walk_extensions(c, 4, out.anomalies, [&](std::uint16_t type, bytes data, std::size_t at) {
      out.extensions.push_back(type);
      cursor e(data);
      bool ok = true;
      switch (type) {
        case 0x002b: {  // supported_versions: the selected version
          std::uint16_t v = u16(e);
          ok = e.at_end() && !e.failed();
          if (ok) out.selected_version = v;
          break;
        }
        case 0x0010: {  // ALPN: one protocol
          bytes list, p;
          ok = take_vector(e, 2, list);
          if (ok) {
            cursor l(list);
            ok = take_vector(l, 1, p) && l.at_end();
            if (ok) out.alpn.assign(util::as_chars(p));
          }
          break;
        }
        case 0x0033:  // key_share: group (+ key, except in a HelloRetryRequest)
          out.key_share_group = u16(e);
          ok = !e.failed();
          break;
        case 0x0029:
          out.has_pre_shared_key = true;
          break;
        case 0x0023:
          out.has_session_ticket = true;
          break;
        default:
          break;
      }
      if (!ok) add_anomaly(out.anomalies, tls_anomaly::bad_extension_length, at);
    });
  }
  if (c.remaining() > 0) add_anomaly(out.anomalies, tls_anomaly::trailing_data, 4 + c.position());
  out.complete = out.anomalies.empty();
  return true;
}

// Names, certificates, gaps, closes and rows: per connection or per read, not per record (for
// size in the wasm build: util/size_opt.hpp).
PCAPSCOPE_SIZE_BEGIN

std::string_view tls_anomaly_name(tls_anomaly a) noexcept {
  switch (a) {
    case tls_anomaly::none: return "tls.none";
    case tls_anomaly::record_too_long: return "tls.record_too_long";
    case tls_anomaly::bad_record_type: return "tls.bad_record_type";
    case tls_anomaly::bad_record_version: return "tls.bad_record_version";
    case tls_anomaly::handshake_too_long: return "tls.handshake_too_long";
    case tls_anomaly::truncated_message: return "tls.truncated_message";
    case tls_anomaly::bad_extension_length: return "tls.bad_extension_length";
    case tls_anomaly::duplicate_extension: return "tls.duplicate_extension";
    case tls_anomaly::trailing_data: return "tls.trailing_data";
    case tls_anomaly::sslv2_client_hello: return "tls.sslv2_client_hello";
    case tls_anomaly::gap: return "tls.gap";
    case tls_anomaly::resync: return "tls.resync";
    case tls_anomaly::lost_sync: return "tls.lost_sync";
    case tls_anomaly::bad_alert: return "tls.bad_alert";
    case tls_anomaly::bad_ccs: return "tls.bad_ccs";
    case tls_anomaly::bad_certificate: return "tls.bad_certificate";
    case tls_anomaly::too_many_certificates: return "tls.too_many_certificates";
    case tls_anomaly::unexpected_message: return "tls.unexpected_message";
    case tls_anomaly::truncated_stream: return "tls.truncated_stream";
    case tls_anomaly::count_: break;
  }
  return "tls.unknown";
}

// ---------------------------------------------------------------------------------------------
// The logger.

PCAPSCOPE_SIZE_END

namespace {

enum class rec_mode : std::uint8_t { start, header, body, sslv2, resync, stopped };

// Record-layer and handshake-reassembly state of one direction.
struct dir_state {
  rec_mode mode = rec_mode::start;
  std::uint64_t offset = 0;          // stream bytes consumed (gaps included)
  std::array<std::uint8_t, 5> hdr{};  // record header being collected / resync window
  std::uint8_t hdr_have = 0;
  std::uint8_t rec_type = 0;
  bool rec_encrypted = false;        // the current record began after this side switched
  std::uint32_t rec_left = 0;        // body bytes of the current record still to come
  std::uint64_t rec_start = 0;       // stream offset of the current record
  std::vector<std::uint8_t> body;    // alert / CCS / SSLv2 record bytes
  std::vector<std::uint8_t> hs;      // handshake bytes not yet forming a whole message
  std::size_t hs_pos = 0;            // start of the unconsumed handshake bytes in `hs`
  std::uint32_t hs_skip = 0;         // bytes of an oversized message still to discard
  bool hs_desync = false;            // a gap inside a handshake record: wait for a record start
  bool ccs_unsure = false;           // a CCS whose meaning the next handshake message decides
  bool encrypted = false;            // this side switched to encryption
  bool closed = false;
  std::uint64_t resync_budget = 0;
};

// Everything JA3 and JA4_r (TCP) are made of, GREASE dropped as they drop it, as bytes: the
// versions, each list with its length, and the first ALPN value's end bytes. Equal keys give
// equal fingerprints, and GREASE values (random per connection) do not split the cache.
void hello_fingerprint_key(const tls_client_hello& ch, std::string& out) {
  out.resize(16 + 2 * (ch.cipher_suites.size() + ch.extensions.size() + ch.supported_groups.size() +
                       ch.signature_algorithms.size()) + ch.ec_point_formats.size() + 5 * 4);
  char* const base = out.data();
  char* p = base;
  auto put16 = [&p](std::uint16_t v) {
    std::memcpy(p, &v, 2);
    p += 2;
  };
  auto put_list = [&](const std::vector<std::uint16_t>& values) {
    char* count_at = p;
    p += 4;
    std::uint32_t n = 0;
    for (auto v : values) {
      if (tls_is_grease(v)) continue;
      put16(v);
      ++n;
    }
    std::memcpy(count_at, &n, 4);
  };
  put16(ch.legacy_version);
  put16(ch.max_version());
  put_list(ch.cipher_suites);
  put_list(ch.extensions);
  put_list(ch.supported_groups);
  put_list(ch.signature_algorithms);
  const auto formats = static_cast<std::uint32_t>(ch.ec_point_formats.size());
  std::memcpy(p, &formats, 4);
  p += 4;
  if (formats > 0) std::memcpy(p, ch.ec_point_formats.data(), formats);
  p += formats;
  const bool alpn = !ch.alpn.empty() && !ch.alpn[0].empty();
  *p++ = alpn ? 1 : 0;
  *p++ = alpn ? ch.alpn[0].front() : 0;
  *p++ = alpn ? ch.alpn[0].back() : 0;
  out.resize(static_cast<std::size_t>(p - base));
}

bool plausible_header(const std::uint8_t* h, std::uint32_t max_record) {
  if (h[0] < ct_ccs || h[0] > ct_heartbeat) return false;
  if (h[1] != 3 || h[2] > 4) return false;
  std::uint32_t len = util::load_be16(h + 3);
  return len >= 1 && len <= max_record;
}

}  // namespace

// Per-flow state: two directions and what the handshake told so far.
struct tls_flow_state {
  std::array<dir_state, 2> d;
  bool has_entry = false;
  std::size_t entry = 0;
  int client_dir = 0;              // side that sent the ClientHello (0 until one is seen)
  bool client_hello_seen = false;
  bool server_hello_seen = false;
  bool done = false;               // established (Zeek stops analysing here) or both sides stopped
  std::uint16_t version = 0;       // selected version
  std::uint16_t cipher = 0;
  bool tls13 = false;
  std::vector<std::uint8_t> client_session_id;
  bool client_ticket_empty_session = false;
  bool client_psk = false;
  bool client_key_exchange_seen = false;
  bool hrr_pending = false;
  std::vector<tls_anomaly_at> pending;  // anomalies before the entry existed
  std::uint8_t hellos = 0;         // ClientHellos listed after the entry's first

  tls_logger& log;
  explicit tls_flow_state(tls_logger& l) : log(l) {}

  using row = tls_log_table::row;

  row& ensure_entry(const stream_ctx& c) {
    if (!has_entry) {
      has_entry = true;
      entry = log.entries_.rows_.size();
      auto& e = log.entries_.rows_.emplace_back();
      e.ts_ns = c.ts_ns;
      e.flow_id = c.flow_id;  // uid and addresses are read from the flow when the entry is
      ++log.counters_.flows;
      for (const auto& a : pending) add_anomaly(e, a);
      pending.clear();
    }
    return log.entries_.rows_[entry];
  }

  void add_anomaly(row& e, const tls_anomaly_at& at) {
    if (e.anomaly_count >= log.limits_.max_anomalies) return;
    auto& list = log.entries_.anomalies_;
    const auto id = static_cast<std::uint32_t>(list.size());
    list.push_back({at, tls_log_table::none});
    if (e.anomalies_tail == tls_log_table::none) {
      e.anomalies_head = id;
    } else {
      list[e.anomalies_tail].next = id;
    }
    e.anomalies_tail = id;
    ++e.anomaly_count;
  }

  void anomaly(int dir, tls_anomaly a, std::uint64_t offset) {
    ++log.counters_.anomalies[static_cast<std::size_t>(a)];
    tls_anomaly_at at{a, static_cast<std::uint8_t>(dir), offset};
    if (has_entry) {
      add_anomaly(log.entries_.rows_[entry], at);
    } else if (pending.size() < log.limits_.max_anomalies) {
      pending.push_back(at);
    }
  }

  // Appends a letter to ssl_history (at most 100): in the row while it fits, then as a string
  // on the side.
  void add_history(row& e, char letter) {
    if (e.history_len >= 100) return;
    if (e.history_len < tls_log_table::history_inline) {
      e.history[e.history_len++] = letter;
      return;
    }
    auto& h = log.entries_.long_history_[static_cast<std::uint32_t>(entry)];
    if (h.empty()) h.assign(e.history, e.history_len);
    h += letter;
    ++e.history_len;
  }

  void history(const stream_ctx& c, int dir, char letter) {
    auto& e = ensure_entry(c);
    bool is_client = dir == client_dir;
    add_history(e, is_client ? static_cast<char>(letter - 'a' + 'A') : letter);
  }

  void stop(int dir) {
    auto& s = d[static_cast<std::size_t>(dir)];
    s.mode = rec_mode::stopped;
    s.hs.clear();
    s.hs.shrink_to_fit();
    s.body.clear();
    s.body.shrink_to_fit();
    s.hs_pos = 0;
    if (d[0].mode == rec_mode::stopped && d[1].mode == rec_mode::stopped) done = true;
  }

  void switch_to_encrypted(const stream_ctx& c, int dir) {
    (void)c;
    auto& s = d[static_cast<std::size_t>(dir)];
    s.encrypted = true;
    s.hs.clear();
    s.hs_pos = 0;
    s.hs_skip = 0;
  }

  // A record whose contents are encrypted (Zeek's ciphertext record): establishes the session
  // once both sides switched.
  void ciphertext_record(const stream_ctx& c) {
    if (d[0].encrypted && d[1].encrypted && has_entry) {
      auto& e = log.entries_.rows_[entry];
      if (!(e.flags & tls_log_table::f_established)) {
        e.flags |= tls_log_table::f_established;
        ++log.counters_.established;
      }
      done = true;  // like Zeek, stop analysing once established
      for (auto& s : d) {
        s.hs.clear();
        s.hs.shrink_to_fit();
        s.body.clear();
        s.body.shrink_to_fit();
      }
    }
    (void)c;
  }

  void on_data(const stream_ctx& c, int dir, bytes data);
  void on_gap(const stream_ctx& c, int dir, std::uint64_t length);
  void on_close(const stream_ctx& c, int dir);

 private:
  void start_bytes(const stream_ctx& c, int dir, bytes& data);
  void header_bytes(const stream_ctx& c, int dir, bytes& data);
  void body_bytes(const stream_ctx& c, int dir, bytes& data);
  void sslv2_bytes(const stream_ctx& c, int dir, bytes& data);
  void resync_bytes(const stream_ctx& c, int dir, bytes& data);
  void begin_record(const stream_ctx& c, int dir);
  void end_record(const stream_ctx& c, int dir);
  void handshake_bytes(const stream_ctx& c, int dir, bytes data);
  void handshake_message(const stream_ctx& c, int dir, bytes msg, std::uint64_t msg_offset);
  void client_hello(const stream_ctx& c, int dir, const tls_client_hello& ch);
  void fingerprints(const tls_client_hello& ch, util::text_ref& ja3, util::text_ref& ja4, util::text_ref& ja4_r);
  void server_hello(const stream_ctx& c, int dir, bytes msg, std::uint64_t msg_offset);
  void certificate(const stream_ctx& c, int dir, bytes msg, std::uint64_t msg_offset);
  std::pair<std::uint32_t, bool> certificate_id(bytes der);
  void server_key_exchange(bytes msg);
};

void tls_flow_state::on_data(const stream_ctx& c, int dir, bytes data) {
  auto& s = d[static_cast<std::size_t>(dir)];
  while (!data.empty() && !done) {
    switch (s.mode) {
      case rec_mode::start: start_bytes(c, dir, data); break;
      case rec_mode::header: header_bytes(c, dir, data); break;
      case rec_mode::body: body_bytes(c, dir, data); break;
      case rec_mode::sslv2: sslv2_bytes(c, dir, data); break;
      case rec_mode::resync: resync_bytes(c, dir, data); break;
      case rec_mode::stopped: s.offset += data.size(); return;
    }
  }
}

// The first bytes of a direction: a TLS record header, or an SSLv2-compatible ClientHello.
void tls_flow_state::start_bytes(const stream_ctx& c, int dir, bytes& data) {
  auto& s = d[static_cast<std::size_t>(dir)];
  while (s.hdr_have < 3 && !data.empty()) {
    s.hdr[s.hdr_have++] = data[0];
    data = data.subspan(1);
    ++s.offset;
  }
  if (s.hdr_have < 3) return;
  if ((s.hdr[0] & 0x80) && (s.hdr[2] == 1 || s.hdr[2] == 4)) {
    // SSLv2 record: 2-byte header, then message type 1 (client hello) or 4 (server hello).
    if (s.hdr[2] == 4) {
      // An SSLv2 ServerHello: an SSLv2 session, which is not read further.
      auto& e = ensure_entry(c);
      e.version = 0x0002;
      history(c, dir, 's');
      stop(dir);
      return;
    }
    s.rec_left = ((std::uint32_t{s.hdr[0] & 0x7Fu} << 8) | s.hdr[1]);
    if (s.rec_left > log.limits_.max_record) {
      anomaly(dir, tls_anomaly::record_too_long, 0);
      stop(dir);
      return;
    }
    s.body.assign(s.hdr.begin(), s.hdr.begin() + 3);
    s.rec_left = s.rec_left >= 1 ? s.rec_left - 1 : 0;
    s.hdr_have = 0;
    s.mode = rec_mode::sslv2;
    return;
  }
  s.mode = rec_mode::header;
}

void tls_flow_state::sslv2_bytes(const stream_ctx& c, int dir, bytes& data) {
  auto& s = d[static_cast<std::size_t>(dir)];
  std::size_t n = std::min<std::size_t>(s.rec_left, data.size());
  s.body.insert(s.body.end(), data.begin(), data.begin() + static_cast<std::ptrdiff_t>(n));
  data = data.subspan(n);
  s.offset += n;
  s.rec_left -= static_cast<std::uint32_t>(n);
  if (s.rec_left > 0) return;
  tls_client_hello& ch = log.hello_;
  parse_sslv2_client_hello(s.body, ch);
  ++log.counters_.records;
  ensure_entry(c);
  for (auto a : ch.anomalies) anomaly(dir, a.code, s.offset - s.body.size() + a.offset);
  client_hello(c, dir, ch);
  s.body.clear();
  s.mode = rec_mode::header;
}

void tls_flow_state::header_bytes(const stream_ctx& c, int dir, bytes& data) {
  auto& s = d[static_cast<std::size_t>(dir)];
  std::size_t n = std::min<std::size_t>(5u - s.hdr_have, data.size());
  std::memcpy(s.hdr.data() + s.hdr_have, data.data(), n);
  s.hdr_have = static_cast<std::uint8_t>(s.hdr_have + n);
  data = data.subspan(n);
  s.offset += n;
  if (s.hdr_have == 5) begin_record(c, dir);
}

void tls_flow_state::begin_record(const stream_ctx& c, int dir) {
  auto& s = d[static_cast<std::size_t>(dir)];
  s.hdr_have = 0;
  s.rec_start = s.offset - 5;
  std::uint8_t type = s.hdr[0];
  std::uint32_t len = util::load_be16(s.hdr.data() + 3);
  if (type < ct_ccs || type > ct_heartbeat) {
    anomaly(dir, tls_anomaly::bad_record_type, s.rec_start);
    if (has_entry) history(c, dir, 'q');
    stop(dir);
    return;
  }
  if (s.hdr[1] != 3) {
    anomaly(dir, tls_anomaly::bad_record_version, s.rec_start + 1);
    stop(dir);
    return;
  }
  if (len > log.limits_.max_record) {
    anomaly(dir, tls_anomaly::record_too_long, s.rec_start + 3);
    stop(dir);
    return;
  }
  ensure_entry(c);
  ++log.counters_.records;
  s.rec_type = type;
  s.rec_left = len;
  s.rec_encrypted = s.encrypted;
  s.body.clear();
  s.mode = rec_mode::body;
  if (s.hs_desync && type == ct_handshake) {
    // After a gap inside handshake records, restart at this record boundary.
    s.hs_desync = false;
    s.hs.clear();
    s.hs_pos = 0;
    s.hs_skip = 0;
  }
  if (len == 0) end_record(c, dir);
}

void tls_flow_state::body_bytes(const stream_ctx& c, int dir, bytes& data) {
  auto& s = d[static_cast<std::size_t>(dir)];
  std::size_t n = std::min<std::size_t>(s.rec_left, data.size());
  bytes part = data.subspan(0, n);
  data = data.subspan(n);
  s.rec_left -= static_cast<std::uint32_t>(n);
  if (s.rec_type == ct_ccs) {
    s.body.insert(s.body.end(), part.begin(), part.end());  // never encrypted
  } else if (!s.encrypted && !s.rec_encrypted) {
    if (s.rec_type == ct_handshake) {
      if (!s.hs_desync) {
        s.offset += n;
        handshake_bytes(c, dir, part);
        if (done || s.mode != rec_mode::body) return;
        if (s.rec_left == 0) end_record(c, dir);
        return;
      }
    } else if (s.rec_type == ct_alert) {
      s.body.insert(s.body.end(), part.begin(), part.end());
    }
  }
  s.offset += n;
  if (s.rec_left == 0) end_record(c, dir);
}

void tls_flow_state::end_record(const stream_ctx& c, int dir) {
  auto& s = d[static_cast<std::size_t>(dir)];
  if (s.mode == rec_mode::stopped) return;
  s.mode = rec_mode::header;
  std::uint8_t type = s.rec_type;
  if (type == ct_ccs) {
    if (s.body.size() != 1 || s.body[0] != 1) anomaly(dir, tls_anomaly::bad_ccs, s.rec_start + 5);
    history(c, dir, 'i');
    if (dir == client_dir && client_ticket_empty_session && !client_key_exchange_seen) {
      ensure_entry(c).flags |= tls_log_table::f_resumed;
    }
    // TLS 1.3 sends ChangeCipherSpec only for middlebox compatibility: it switches nothing
    // (a second ClientHello may follow it in the clear after a HelloRetryRequest).
    // A client CCS before any ServerHello was seen (the server's side may be missing from the
    // capture) is only believed once a handshake record follows that is not a ClientHello.
    if (!s.encrypted && !tls13) {
      if (dir == client_dir && !server_hello_seen) {
        s.ccs_unsure = true;
      } else {
        switch_to_encrypted(c, dir);
      }
    }
    s.body.clear();
    return;
  }
  if (s.rec_encrypted) {
    ciphertext_record(c);
    return;
  }
  if (type == ct_application) {
    if (s.ccs_unsure || (tls13 && server_hello_seen && dir == client_dir)) {
      s.ccs_unsure = false;
      // A TLS 1.3 client that sends no ChangeCipherSpec switches with its first encrypted record.
      switch_to_encrypted(c, dir);
      ciphertext_record(c);
      return;
    }
    history(c, dir, 'd');
    return;
  }
  if (type == ct_alert) {
    if (s.body.empty() || s.body.size() % 2 != 0) {
      anomaly(dir, tls_anomaly::bad_alert, s.rec_start + 5);
    }
    auto& e = ensure_entry(c);
    for (std::size_t i = 0; i + 1 < s.body.size(); i += 2) {
      ++log.counters_.alerts;
      e.flags |= tls_log_table::f_has_alert;
      e.last_alert_level = s.body[i];
      e.last_alert = s.body[i + 1];
      history(c, dir, 'l');
    }
    s.body.clear();
    return;
  }
  if (type == ct_heartbeat) {
    history(c, dir, 'b');
    return;
  }
}

void tls_flow_state::handshake_bytes(const stream_ctx& c, int dir, bytes data) {
  auto& s = d[static_cast<std::size_t>(dir)];
  std::uint64_t data_end = s.offset;  // stream offset just after `data`
  if (s.hs_skip > 0) {
    std::size_t n = std::min<std::size_t>(s.hs_skip, data.size());
    s.hs_skip -= static_cast<std::uint32_t>(n);
    data = data.subspan(n);
    if (data.empty()) return;
  }
  if (s.hs_pos > 0) {
    s.hs.erase(s.hs.begin(), s.hs.begin() + static_cast<std::ptrdiff_t>(s.hs_pos));
    s.hs_pos = 0;
  }
  // Work directly on `data` when nothing is buffered (the common case: whole messages).
  bool direct = s.hs.empty();
  bytes view;
  if (direct) {
    view = data;
  } else {
    s.hs.insert(s.hs.end(), data.begin(), data.end());
    view = s.hs;
  }
  std::size_t pos = 0;
  while (view.size() - pos >= 4) {
    std::uint32_t len = be24(view.data() + pos + 1);
    if (s.ccs_unsure) {
      s.ccs_unsure = false;
      if (view[pos] != tls_client_hello_type || len > log.limits_.max_record) {
        switch_to_encrypted(c, dir);  // encrypted Finished after a real CCS
        return;
      }
    }
    std::uint64_t msg_offset = data_end - (view.size() - pos);
    if (len > log.limits_.max_handshake) {
      anomaly(dir, tls_anomaly::handshake_too_long, msg_offset + 1);
      std::size_t have = view.size() - pos - 4;
      if (have >= len) {
        pos += 4 + len;
        continue;
      }
      s.hs_skip = static_cast<std::uint32_t>(len - have);
      pos = view.size();
      break;
    }
    if (view.size() - pos - 4 < len) break;
    handshake_message(c, dir, view.subspan(pos, 4 + len), msg_offset);
    pos += 4 + len;
    if (done || s.encrypted || s.mode == rec_mode::stopped) {
      s.hs.clear();
      s.hs_pos = 0;
      return;
    }
  }
  if (direct) {
    s.hs.assign(view.begin() + static_cast<std::ptrdiff_t>(pos), view.end());
  } else if (pos == s.hs.size()) {
    s.hs.clear();
  } else {
    s.hs_pos = pos;
  }
}

void tls_flow_state::handshake_message(const stream_ctx& c, int dir, bytes msg, std::uint64_t msg_offset) {
  ++log.counters_.handshake_messages;
  std::uint8_t type = msg[0];
  tls_client_hello& ch = log.hello_;
  bool is_ch = false;
  switch (type) {
    case tls_client_hello_type:
      if (client_hello_seen && dir != client_dir) anomaly(dir, tls_anomaly::unexpected_message, msg_offset);
      if (parse_client_hello(msg, ch)) {
        for (auto a : ch.anomalies) anomaly(dir, a.code, msg_offset + a.offset);
        is_ch = true;
        client_hello(c, dir, ch);
      } else {
        anomaly(dir, tls_anomaly::truncated_message, msg_offset);
        history(c, dir, 'c');
      }
      break;
    case tls_server_hello_type:
      server_hello(c, dir, msg, msg_offset);
      break;
    case tls_certificate:
      history(c, dir, 'x');
      certificate(c, dir, msg, msg_offset);
      break;
    case tls_server_key_exchange:
      history(c, dir, 'k');
      server_key_exchange(msg);
      break;
    case tls_client_key_exchange:
      if (dir == client_dir) client_key_exchange_seen = true;
      history(c, dir, 'g');
      break;
    case tls_hello_request: history(c, dir, 'h'); break;
    case tls_hello_verify_request: history(c, dir, 'v'); break;
    case tls_new_session_ticket: history(c, dir, 't'); break;
    case tls_end_of_early_data: history(c, dir, 'e'); break;
    case tls_hello_retry_request: history(c, dir, 'j'); break;
    case tls_encrypted_extensions: history(c, dir, 'o'); break;
    case tls_certificate_request: history(c, dir, 'r'); break;
    case tls_server_hello_done: history(c, dir, 'n'); break;
    case tls_certificate_verify: history(c, dir, 'y'); break;
    case tls_finished: history(c, dir, 'f'); break;
    case tls_certificate_url: history(c, dir, 'w'); break;
    case tls_certificate_status: history(c, dir, 'u'); break;
    case tls_supplemental_data: history(c, dir, 'a'); break;
    case tls_key_update: history(c, dir, 'p'); break;
    case tls_message_hash: history(c, dir, 'm'); break;
    default: history(c, dir, 'z'); break;
  }
  if (log.on_handshake_seen) log.on_handshake_seen(c, dir, type, is_ch ? &ch : nullptr);
}

void tls_flow_state::client_hello(const stream_ctx& c, int dir, const tls_client_hello& ch) {
  ++log.counters_.client_hellos;
  auto& e = ensure_entry(c);
  if (!client_hello_seen) {
    client_hello_seen = true;
    if (dir != client_dir) {
      client_dir = dir;
      add_history(e, '^');
    }
    auto& text = log.entries_.text_;
    e.server_name = text.add(ch.sni);
    e.client_version = ch.max_version();
    if (!ch.alpn.empty()) {
      // Each name as a length byte and its bytes (ALPN names are at most 255 bytes).
      log.text_.clear();
      for (const auto& a : ch.alpn) {
        log.text_ += static_cast<char>(a.size());
        log.text_ += a;
      }
      e.client_alpn = text.add(log.text_);
    }
    if (ch.sslv2) e.flags |= tls_log_table::f_sslv2;
    e.client_hello_frame = c.frame;
    if (!ch.sslv2) fingerprints(ch, e.ja3, e.ja4, e.ja4_r);
  }
  // The first hello is the entry's own (frame, SNI, fingerprints); later ones (≤ 7) are listed.
  if (!(e.flags & tls_log_table::f_hello)) {
    e.flags |= tls_log_table::f_hello;
  } else if (hellos < 7) {
    ++hellos;
    auto& list = log.entries_.hellos_;
    const auto id = static_cast<std::uint32_t>(list.size());
    auto& h = list.emplace_back();
    h.frame = c.frame;
    h.sni = log.entries_.text_.add(ch.sni);
    if (!ch.sslv2) fingerprints(ch, h.ja3, h.ja4, h.ja4_r);
    if (e.hellos_tail == tls_log_table::none) {
      e.hellos_head = id;
    } else {
      list[e.hellos_tail].next = id;
    }
    e.hellos_tail = id;
  }
  bool zero_sid = std::all_of(ch.session_id.begin(), ch.session_id.end(), [](std::uint8_t b) { return b == 0; });
  if (!ch.session_id.empty() && !zero_sid) {
    client_session_id = ch.session_id;
    client_ticket_empty_session = false;
  } else if (ch.has_session_ticket && ch.session_ticket_length > 0) {
    client_ticket_empty_session = true;
  }
  if (ch.has_pre_shared_key) client_psk = true;
  history(c, dir, 'c');
}

PCAPSCOPE_SIZE_FN void tls_flow_state::fingerprints(const tls_client_hello& ch, util::text_ref& ja3, util::text_ref& ja4,
                                  util::text_ref& ja4_r) {
  hello_fingerprint_key(ch, log.hello_key_);
  auto v = log.hello_cache_.get(log.hello_key_, [&] {
    auto& text = log.entries_.text_;
    tls_logger::hello_fingerprints f;
    ja3_string(ch, log.text_);
    f.ja3 = log.ja3_cache_.get(log.text_, [&] {
      return tls_logger::fingerprint_text{text.add(util::md5_hex(log.text_)), {}};
    }).text;
    app::ja4_r(ch, 't', log.text_);
    auto r = log.ja4_cache_.get(log.text_, [&] {
      return tls_logger::fingerprint_text{text.add(ja4_from_r(log.text_)), text.add(log.text_)};
    });
    f.ja4 = r.text;
    f.ja4_r = r.text2;
    return f;
  });
  ja3 = v.ja3;
  ja4 = v.ja4;
  ja4_r = v.ja4_r;
}

void tls_flow_state::server_hello(const stream_ctx& c, int dir, bytes msg, std::uint64_t msg_offset) {
  tls_server_hello& sh = log.server_hello_;
  auto& e = ensure_entry(c);
  if (client_hello_seen && dir == client_dir) anomaly(dir, tls_anomaly::unexpected_message, msg_offset);
  if (!parse_server_hello(msg, sh)) {
    anomaly(dir, tls_anomaly::truncated_message, msg_offset);
    history(c, dir, 's');
    return;
  }
  for (auto a : sh.anomalies) anomaly(dir, a.code, msg_offset + a.offset);
  ++log.counters_.server_hellos;
  if (!client_hello_seen && dir == client_dir) {
    // The responder sent the hello only (the ClientHello was not seen): roles follow the hello.
    client_dir = 1 - dir;
  }
  server_hello_seen = true;
  version = sh.selected_version;
  cipher = sh.cipher_suite;
  tls13 = version == 0x0304 || (version >> 8) == 0x7F;
  e.version = version;
  e.flags |= tls_log_table::f_has_cipher;
  e.cipher = sh.cipher_suite;
  if (sh.key_share_group) e.curve = sh.key_share_group;
  if (!sh.alpn.empty()) e.next_protocol = log.entries_.text_.add(sh.alpn);
  if (e.server_hello_frame == 0) e.server_hello_frame = c.frame;
  ja3s_string(sh, log.text_);
  e.ja3s = log.ja3s_cache_.get(log.text_, [&] {
    return tls_logger::fingerprint_text{log.entries_.text_.add(util::md5_hex(log.text_)), {}};
  }).text;
  if (!client_session_id.empty() && client_session_id == sh.session_id && !tls13) e.flags |= tls_log_table::f_resumed;
  if (sh.has_pre_shared_key && client_psk) e.flags |= tls_log_table::f_resumed;
  history(c, dir, sh.hello_retry ? 'j' : 's');
  if (tls13 && !sh.hello_retry) switch_to_encrypted(c, dir);
  auto& client = d[static_cast<std::size_t>(client_dir)];
  if (client.ccs_unsure && !tls13) {
    client.ccs_unsure = false;
    switch_to_encrypted(c, client_dir);
  }
}

PCAPSCOPE_SIZE_BEGIN

std::pair<std::uint32_t, bool> tls_flow_state::certificate_id(bytes der) {
  // Servers send the same chain to every client: each distinct certificate is read and kept once.
  std::string_view key = util::as_chars(der);
  auto it = log.cert_ids_.find(key);
  if (it != log.cert_ids_.end()) return it->second;
  auto& table = log.entries_;
  const auto id = static_cast<std::uint32_t>(table.certs_.size());
  const bool ok = parse_x509(der, table.certs_.emplace_back());
  log.cert_ids_.emplace(table.text_.get(table.text_.add(key)), std::pair{id, ok});
  return {id, ok};
}

void tls_flow_state::certificate(const stream_ctx& c, int dir, bytes msg, std::uint64_t msg_offset) {
  if (tls13) return;  // TLS 1.3 certificates are encrypted; a plaintext one is not read
  auto& e = ensure_entry(c);
  auto& table = log.entries_;
  const int side = dir == client_dir ? 1 : 0;
  const bool first_chain = e.chain_count[side] == 0;
  if (first_chain) e.chain_at[side] = static_cast<std::uint32_t>(table.chains_.size());
  std::uint64_t base = msg_offset;
  cursor m(msg.subspan(4));
  std::uint32_t list_len = u24(m);
  if (m.failed() || list_len != m.remaining()) {
    anomaly(dir, tls_anomaly::truncated_message, base);
  }
  cursor l(m.take(std::min<std::size_t>(list_len, m.remaining())));
  std::uint32_t count = 0;
  while (l.remaining() > 0) {
    std::uint32_t len = u24(l);
    if (l.failed() || len > l.remaining()) {
      anomaly(dir, tls_anomaly::truncated_message, base);
      break;
    }
    bytes der = l.take(len);
    if (count >= log.limits_.max_certificates) {
      anomaly(dir, tls_anomaly::too_many_certificates, base);
      break;
    }
    ++count;
    auto [id, ok] = certificate_id(der);
    if (!ok) anomaly(dir, tls_anomaly::bad_certificate, base);
    ++log.counters_.certificates;
    if (first_chain) {
      table.chains_.push_back(id);
      ++e.chain_count[side];
    }
  }
  if (first_chain && e.chain_count[side] > 0) {
    const x509_cert& leaf = table.certs_[table.chains_[e.chain_at[side]]];
    (side == 1 ? e.client_subject : e.subject) = table.text_.add(leaf.subject);
    (side == 1 ? e.client_issuer : e.issuer) = table.text_.add(leaf.issuer);
  }
}

void tls_flow_state::server_key_exchange(bytes msg) {
  // ECDHE / ECDH_anon suites: curve_type 3 (named_curve), then the group.
  if (!has_entry || msg.size() < 7 || msg[4] != 3) return;
  auto name = tls_cipher_name(cipher);
  if (name.find("_ECDHE_") == std::string::npos && name.find("_ECDH_anon_") == std::string::npos) return;
  log.entries_.rows_[entry].curve = util::load_be16(msg.data() + 5);
}

void tls_flow_state::resync_bytes(const stream_ctx& c, int dir, bytes& data) {
  auto& s = d[static_cast<std::size_t>(dir)];
  while (!data.empty()) {
    if (s.resync_budget == 0) {
      anomaly(dir, tls_anomaly::lost_sync, s.offset);
      stop(dir);
      s.offset += data.size();
      data = {};
      return;
    }
    --s.resync_budget;
    if (s.hdr_have == 5) {
      std::memmove(s.hdr.data(), s.hdr.data() + 1, 4);
      s.hdr_have = 4;
    }
    s.hdr[s.hdr_have++] = data[0];
    data = data.subspan(1);
    ++s.offset;
    if (s.hdr_have == 5 && plausible_header(s.hdr.data(), log.limits_.max_record) &&
        (s.hdr[0] != ct_ccs || util::load_be16(s.hdr.data() + 3) == 1)) {
      ++log.counters_.resyncs;
      anomaly(dir, tls_anomaly::resync, s.offset - 5);
      s.hs.clear();
      s.hs_pos = 0;
      s.hs_skip = 0;
      s.hs_desync = false;
      begin_record(c, dir);
      return;
    }
  }
}

void tls_flow_state::on_gap(const stream_ctx& c, int dir, std::uint64_t length) {
  (void)c;
  auto& s = d[static_cast<std::size_t>(dir)];
  ++log.counters_.gaps;
  if (done || s.mode == rec_mode::stopped) {
    s.offset += length;
    return;
  }
  bool skippable = s.mode == rec_mode::body &&
                   (s.encrypted || s.rec_type == ct_application || s.rec_type == ct_heartbeat);
  if (skippable && length <= s.rec_left) {
    // Bytes the parser would skip anyway: the record layer stays in step.
    s.rec_left -= static_cast<std::uint32_t>(length);
    s.offset += length;
    if (s.rec_left == 0) end_record(c, dir);
    return;
  }
  anomaly(dir, tls_anomaly::gap, s.offset);
  if (s.mode == rec_mode::body && length < s.rec_left) {
    // Inside a record: skip the rest of it; handshake reassembly restarts at the next record.
    s.rec_left -= static_cast<std::uint32_t>(length);
    s.offset += length;
    if (s.rec_type == ct_handshake) s.hs_desync = true;
    s.body.clear();
    return;
  }
  s.offset += length;
  s.mode = rec_mode::resync;
  s.hdr_have = 0;
  s.hs.clear();
  s.hs_pos = 0;
  s.hs_skip = 0;
  s.body.clear();
  s.resync_budget = log.limits_.resync_window;
}

void tls_flow_state::on_close(const stream_ctx& c, int dir) {
  (void)c;
  auto& s = d[static_cast<std::size_t>(dir)];
  if (s.closed) return;
  s.closed = true;
  if (!done && has_entry) {
    bool mid = (s.mode == rec_mode::header && s.hdr_have > 0) || s.mode == rec_mode::sslv2 ||
               (s.mode == rec_mode::body && !s.encrypted && s.rec_type == ct_handshake && s.rec_left > 0) ||
               (!s.encrypted && s.hs.size() > s.hs_pos);
    if (mid) anomaly(dir, tls_anomaly::truncated_stream, s.offset);
  }
}

tls_logger::tls_logger(const flow::flow_tracker* flows, tls_limits limits) : limits_(limits) {
  entries_.flows_ = flows;
}

tls_logger::~tls_logger() = default;

PCAPSCOPE_SIZE_END

tls_flow_state& tls_logger::state_for(const stream_ctx& c) {
  return states_.get(c.flow_id, [this] { return std::make_unique<tls_flow_state>(*this); });
}

bool tls_logger::on_data(const stream_ctx& c, int dir, util::bytes data) {
  if (dir != 0 && dir != 1) return true;
  auto& st = state_for(c);
  if (!st.done) st.on_data(c, dir, data);
  return !st.done;
}

PCAPSCOPE_SIZE_BEGIN

void tls_logger::on_gap(const stream_ctx& c, int dir, std::uint64_t length) {
  if (dir != 0 && dir != 1) return;
  state_for(c).on_gap(c, dir, length);
}

void tls_logger::on_close(const stream_ctx& c, int dir) {
  if (dir != 0 && dir != 1) return;
  tls_flow_state* st = states_.find(c.flow_id);
  if (!st) return;
  st->on_close(c, dir);
  if (st->d[0].closed && st->d[1].closed) states_.erase(c.flow_id);
}

std::size_t tls_logger::buffered() const noexcept {
  std::size_t n = 0;
  states_.for_each([&n](std::uint32_t, const tls_flow_state& st) {
    for (const auto& s : st.d) n += s.hs.size() + s.body.size();
  });
  return n;
}

void tls_logger::finish() {
  states_.for_each([](std::uint32_t id, tls_flow_state& st) {
    stream_ctx c;
    c.flow_id = id;
    for (int dir = 0; dir < 2; ++dir) st.on_close(c, dir);
  });
  states_.clear();
}

PCAPSCOPE_SIZE_END

}  // namespace pcapscope::app
