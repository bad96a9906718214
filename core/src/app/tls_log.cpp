// ssl.log records as NDJSON/TSV and the TLS name tables (versions, cipher suites, groups,
// alerts, extensions) they print, with Zeek's spellings (see app/tls_log.hpp, docs/tls.md).
#include "pcapscope/app/tls_log.hpp"

#include <algorithm>
#include <cstdio>
#include <vector>

#include "pcapscope/util/log_record.hpp"

namespace pcapscope::app {

// A row of the table as its entry (here, with the log's other per-row code: compiled for size in
// the wasm build, and with it the copies of certificates it makes).
tls_log_entry tls_log_table::operator[](std::size_t i) const {
  const row& r = rows_[i];
  tls_log_entry e;
  e.ts_ns = r.ts_ns;
  e.id = make_conn_id(flows_, r.flow_id);
  e.version = r.version;
  e.has_cipher = (r.flags & f_has_cipher) != 0;
  e.cipher = r.cipher;
  e.curve = r.curve;
  e.server_name = text_.get(r.server_name);
  e.resumed = (r.flags & f_resumed) != 0;
  e.has_alert = (r.flags & f_has_alert) != 0;
  e.last_alert_level = r.last_alert_level;
  e.last_alert = r.last_alert;
  e.next_protocol = text_.get(r.next_protocol);
  e.established = (r.flags & f_established) != 0;
  auto long_history = r.history_len > history_inline ? long_history_.find(static_cast<std::uint32_t>(i)) : long_history_.end();
  if (long_history != long_history_.end()) {
    e.ssl_history = long_history->second;
  } else {
    e.ssl_history.assign(r.history, std::min<std::size_t>(r.history_len, history_inline));
  }
  e.subject = text_.get(r.subject);
  e.issuer = text_.get(r.issuer);
  e.client_subject = text_.get(r.client_subject);
  e.client_issuer = text_.get(r.client_issuer);
  e.ja3 = text_.get(r.ja3);
  e.ja3s = text_.get(r.ja3s);
  e.ja4 = text_.get(r.ja4);
  e.ja4_r = text_.get(r.ja4_r);
  e.client_version = r.client_version;
  std::string_view alpn = text_.get(r.client_alpn);
  while (!alpn.empty()) {
    std::size_t n = static_cast<std::uint8_t>(alpn[0]);
    e.client_alpn.emplace_back(alpn.substr(1, n));
    alpn.remove_prefix(std::min(alpn.size(), 1 + n));
  }
  e.sslv2_hello = (r.flags & f_sslv2) != 0;
  e.client_hello_frame = r.client_hello_frame;
  e.server_hello_frame = r.server_hello_frame;
  if (r.flags & f_hello) e.client_hellos.push_back({r.client_hello_frame, e.server_name, e.ja3, e.ja4, e.ja4_r});
  for (auto h = r.hellos_head; h != none; h = hellos_[h].next) {
    const hello& x = hellos_[h];
    e.client_hellos.push_back({x.frame, std::string(text_.get(x.sni)), std::string(text_.get(x.ja3)),
                               std::string(text_.get(x.ja4)), std::string(text_.get(x.ja4_r))});
  }
  for (std::size_t k = 0; k < r.chain_count[0]; ++k) e.server_certs.push_back(certs_[chains_[r.chain_at[0] + k]]);
  for (std::size_t k = 0; k < r.chain_count[1]; ++k) e.client_certs.push_back(certs_[chains_[r.chain_at[1] + k]]);
  for (auto a = r.anomalies_head; a != none; a = anomalies_[a].next) e.anomalies.push_back(anomalies_[a].at);
  return e;
}

namespace {

struct named {
  std::uint16_t value;
  const char* name;
};

// IANA names of the cipher suites seen in practice (Zeek prints the same names).
constexpr named cipher_names[] = {
    {0x0000, "TLS_NULL_WITH_NULL_NULL"},
    {0x0001, "TLS_RSA_WITH_NULL_MD5"},
    {0x0002, "TLS_RSA_WITH_NULL_SHA"},
    {0x0003, "TLS_RSA_EXPORT_WITH_RC4_40_MD5"},
    {0x0004, "TLS_RSA_WITH_RC4_128_MD5"},
    {0x0005, "TLS_RSA_WITH_RC4_128_SHA"},
    {0x0006, "TLS_RSA_EXPORT_WITH_RC2_CBC_40_MD5"},
    {0x0007, "TLS_RSA_WITH_IDEA_CBC_SHA"},
    {0x0008, "TLS_RSA_EXPORT_WITH_DES40_CBC_SHA"},
    {0x0009, "TLS_RSA_WITH_DES_CBC_SHA"},
    {0x000A, "TLS_RSA_WITH_3DES_EDE_CBC_SHA"},
    {0x000D, "TLS_DH_DSS_WITH_3DES_EDE_CBC_SHA"},
    {0x0010, "TLS_DH_RSA_WITH_3DES_EDE_CBC_SHA"},
    {0x0011, "TLS_DHE_DSS_EXPORT_WITH_DES40_CBC_SHA"},
    {0x0012, "TLS_DHE_DSS_WITH_DES_CBC_SHA"},
    {0x0013, "TLS_DHE_DSS_WITH_3DES_EDE_CBC_SHA"},
    {0x0014, "TLS_DHE_RSA_EXPORT_WITH_DES40_CBC_SHA"},
    {0x0015, "TLS_DHE_RSA_WITH_DES_CBC_SHA"},
    {0x0016, "TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA"},
    {0x0018, "TLS_DH_anon_WITH_RC4_128_MD5"},
    {0x001B, "TLS_DH_anon_WITH_3DES_EDE_CBC_SHA"},
    {0x002F, "TLS_RSA_WITH_AES_128_CBC_SHA"},
    {0x0030, "TLS_DH_DSS_WITH_AES_128_CBC_SHA"},
    {0x0031, "TLS_DH_RSA_WITH_AES_128_CBC_SHA"},
    {0x0032, "TLS_DHE_DSS_WITH_AES_128_CBC_SHA"},
    {0x0033, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA"},
    {0x0034, "TLS_DH_anon_WITH_AES_128_CBC_SHA"},
    {0x0035, "TLS_RSA_WITH_AES_256_CBC_SHA"},
    {0x0036, "TLS_DH_DSS_WITH_AES_256_CBC_SHA"},
    {0x0037, "TLS_DH_RSA_WITH_AES_256_CBC_SHA"},
    {0x0038, "TLS_DHE_DSS_WITH_AES_256_CBC_SHA"},
    {0x0039, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA"},
    {0x003A, "TLS_DH_anon_WITH_AES_256_CBC_SHA"},
    {0x003B, "TLS_RSA_WITH_NULL_SHA256"},
    {0x003C, "TLS_RSA_WITH_AES_128_CBC_SHA256"},
    {0x003D, "TLS_RSA_WITH_AES_256_CBC_SHA256"},
    {0x0040, "TLS_DHE_DSS_WITH_AES_128_CBC_SHA256"},
    {0x0041, "TLS_RSA_WITH_CAMELLIA_128_CBC_SHA"},
    {0x0044, "TLS_DHE_DSS_WITH_CAMELLIA_128_CBC_SHA"},
    {0x0045, "TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA"},
    {0x0067, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256"},
    {0x006A, "TLS_DHE_DSS_WITH_AES_256_CBC_SHA256"},
    {0x006B, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256"},
    {0x0084, "TLS_RSA_WITH_CAMELLIA_256_CBC_SHA"},
    {0x0087, "TLS_DHE_DSS_WITH_CAMELLIA_256_CBC_SHA"},
    {0x0088, "TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA"},
    {0x008A, "TLS_PSK_WITH_RC4_128_SHA"},
    {0x008B, "TLS_PSK_WITH_3DES_EDE_CBC_SHA"},
    {0x008C, "TLS_PSK_WITH_AES_128_CBC_SHA"},
    {0x008D, "TLS_PSK_WITH_AES_256_CBC_SHA"},
    {0x0096, "TLS_RSA_WITH_SEED_CBC_SHA"},
    {0x009A, "TLS_DHE_RSA_WITH_SEED_CBC_SHA"},
    {0x009C, "TLS_RSA_WITH_AES_128_GCM_SHA256"},
    {0x009D, "TLS_RSA_WITH_AES_256_GCM_SHA384"},
    {0x009E, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256"},
    {0x009F, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384"},
    {0x00A2, "TLS_DHE_DSS_WITH_AES_128_GCM_SHA256"},
    {0x00A3, "TLS_DHE_DSS_WITH_AES_256_GCM_SHA384"},
    {0x00A8, "TLS_PSK_WITH_AES_128_GCM_SHA256"},
    {0x00A9, "TLS_PSK_WITH_AES_256_GCM_SHA384"},
    {0x00FF, "TLS_EMPTY_RENEGOTIATION_INFO_SCSV"},
    {0x1301, "TLS_AES_128_GCM_SHA256"},
    {0x1302, "TLS_AES_256_GCM_SHA384"},
    {0x1303, "TLS_CHACHA20_POLY1305_SHA256"},
    {0x1304, "TLS_AES_128_CCM_SHA256"},
    {0x1305, "TLS_AES_128_CCM_8_SHA256"},
    {0x5600, "TLS_FALLBACK_SCSV"},
    {0xC001, "TLS_ECDH_ECDSA_WITH_NULL_SHA"},
    {0xC002, "TLS_ECDH_ECDSA_WITH_RC4_128_SHA"},
    {0xC003, "TLS_ECDH_ECDSA_WITH_3DES_EDE_CBC_SHA"},
    {0xC004, "TLS_ECDH_ECDSA_WITH_AES_128_CBC_SHA"},
    {0xC005, "TLS_ECDH_ECDSA_WITH_AES_256_CBC_SHA"},
    {0xC006, "TLS_ECDHE_ECDSA_WITH_NULL_SHA"},
    {0xC007, "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA"},
    {0xC008, "TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA"},
    {0xC009, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA"},
    {0xC00A, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA"},
    {0xC00B, "TLS_ECDH_RSA_WITH_NULL_SHA"},
    {0xC00C, "TLS_ECDH_RSA_WITH_RC4_128_SHA"},
    {0xC00D, "TLS_ECDH_RSA_WITH_3DES_EDE_CBC_SHA"},
    {0xC00E, "TLS_ECDH_RSA_WITH_AES_128_CBC_SHA"},
    {0xC00F, "TLS_ECDH_RSA_WITH_AES_256_CBC_SHA"},
    {0xC010, "TLS_ECDHE_RSA_WITH_NULL_SHA"},
    {0xC011, "TLS_ECDHE_RSA_WITH_RC4_128_SHA"},
    {0xC012, "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA"},
    {0xC013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"},
    {0xC014, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA"},
    {0xC015, "TLS_ECDH_anon_WITH_NULL_SHA"},
    {0xC016, "TLS_ECDH_anon_WITH_RC4_128_SHA"},
    {0xC017, "TLS_ECDH_anon_WITH_3DES_EDE_CBC_SHA"},
    {0xC018, "TLS_ECDH_anon_WITH_AES_128_CBC_SHA"},
    {0xC019, "TLS_ECDH_anon_WITH_AES_256_CBC_SHA"},
    {0xC023, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256"},
    {0xC024, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384"},
    {0xC025, "TLS_ECDH_ECDSA_WITH_AES_128_CBC_SHA256"},
    {0xC026, "TLS_ECDH_ECDSA_WITH_AES_256_CBC_SHA384"},
    {0xC027, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256"},
    {0xC028, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384"},
    {0xC029, "TLS_ECDH_RSA_WITH_AES_128_CBC_SHA256"},
    {0xC02A, "TLS_ECDH_RSA_WITH_AES_256_CBC_SHA384"},
    {0xC02B, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"},
    {0xC02C, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"},
    {0xC02D, "TLS_ECDH_ECDSA_WITH_AES_128_GCM_SHA256"},
    {0xC02E, "TLS_ECDH_ECDSA_WITH_AES_256_GCM_SHA384"},
    {0xC02F, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"},
    {0xC030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"},
    {0xC031, "TLS_ECDH_RSA_WITH_AES_128_GCM_SHA256"},
    {0xC032, "TLS_ECDH_RSA_WITH_AES_256_GCM_SHA384"},
    {0xC035, "TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA"},
    {0xC036, "TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA"},
    {0xC09C, "TLS_RSA_WITH_AES_128_CCM"},
    {0xC09D, "TLS_RSA_WITH_AES_256_CCM"},
    {0xC0AC, "TLS_ECDHE_ECDSA_WITH_AES_128_CCM"},
    {0xC0AD, "TLS_ECDHE_ECDSA_WITH_AES_256_CCM"},
    {0xC0AE, "TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8"},
    {0xC0AF, "TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8"},
    {0xCCA8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"},
    {0xCCA9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"},
    {0xCCAA, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256"},
    {0xCCAB, "TLS_PSK_WITH_CHACHA20_POLY1305_SHA256"},
    {0xCCAC, "TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256"},
    {0xCCAD, "TLS_DHE_PSK_WITH_CHACHA20_POLY1305_SHA256"},
    {0xD001, "TLS_ECDHE_PSK_WITH_AES_128_GCM_SHA256"},
};

// Named groups with the names Zeek's ec_curves table uses.
constexpr named group_names[] = {
    {1, "sect163k1"},         {2, "sect163r1"},         {3, "sect163r2"},
    {4, "sect193r1"},         {5, "sect193r2"},         {6, "sect233k1"},
    {7, "sect233r1"},         {8, "sect239k1"},         {9, "sect283k1"},
    {10, "sect283r1"},        {11, "sect409k1"},        {12, "sect409r1"},
    {13, "sect571k1"},        {14, "sect571r1"},        {15, "secp160k1"},
    {16, "secp160r1"},        {17, "secp160r2"},        {18, "secp192k1"},
    {19, "secp192r1"},        {20, "secp224k1"},        {21, "secp224r1"},
    {22, "secp256k1"},        {23, "secp256r1"},        {24, "secp384r1"},
    {25, "secp521r1"},        {26, "brainpoolP256r1"},  {27, "brainpoolP384r1"},
    {28, "brainpoolP512r1"},  {29, "x25519"},           {30, "x448"},
    {256, "ffdhe2048"},       {257, "ffdhe3072"},       {258, "ffdhe4096"},
    {259, "ffdhe6144"},       {260, "ffdhe8192"},       {0x11EC, "X25519MLKEM768"},
    {0x6399, "X25519Kyber768Draft00"}, {0xFF01, "arbitrary_explicit_prime_curves"},
    {0xFF02, "arbitrary_explicit_char2_curves"},
};

constexpr named alert_names[] = {
    {0, "close_notify"},          {10, "unexpected_message"},     {20, "bad_record_mac"},
    {21, "decryption_failed"},    {22, "record_overflow"},        {30, "decompression_failure"},
    {40, "handshake_failure"},    {41, "no_certificate"},         {42, "bad_certificate"},
    {43, "unsupported_certificate"}, {44, "certificate_revoked"}, {45, "certificate_expired"},
    {46, "certificate_unknown"},  {47, "illegal_parameter"},      {48, "unknown_ca"},
    {49, "access_denied"},        {50, "decode_error"},           {51, "decrypt_error"},
    {60, "export_restriction"},   {70, "protocol_version"},       {71, "insufficient_security"},
    {80, "internal_error"},       {86, "inappropriate_fallback"}, {90, "user_canceled"},
    {100, "no_renegotiation"},    {109, "missing_extension"},     {110, "unsupported_extension"},
    {111, "certificate_unobtainable"}, {112, "unrecognized_name"},
    {113, "bad_certificate_status_response"}, {114, "bad_certificate_hash_value"},
    {115, "unknown_psk_identity"}, {116, "certificate_required"}, {120, "no_application_protocol"},
};

constexpr named extension_names[] = {
    {0, "server_name"},           {1, "max_fragment_length"},     {5, "status_request"},
    {10, "supported_groups"},     {11, "ec_point_formats"},       {13, "signature_algorithms"},
    {14, "use_srtp"},             {15, "heartbeat"},              {16, "application_layer_protocol_negotiation"},
    {18, "signed_certificate_timestamp"}, {21, "padding"},        {22, "encrypt_then_mac"},
    {23, "extended_master_secret"}, {27, "compress_certificate"}, {28, "record_size_limit"},
    {35, "session_ticket"},    {41, "pre_shared_key"},         {42, "early_data"},
    {43, "supported_versions"},   {44, "cookie"},                 {45, "psk_key_exchange_modes"},
    {47, "certificate_authorities"}, {49, "post_handshake_auth"}, {50, "signature_algorithms_cert"},
    {51, "key_share"},            {57, "quic_transport_parameters"}, {13172, "next_protocol_negotiation"},
    {17513, "application_settings"}, {0xFE0D, "encrypted_client_hello"}, {0xFF01, "renegotiation_info"},
};

template <std::size_t N>
const char* find(const named (&table)[N], std::uint16_t v) {
  for (const auto& e : table) {
    if (e.value == v) return e.name;
  }
  return nullptr;
}

// Zeek's log escaping: printable ASCII kept (backslash too), other bytes as "\xNN".
std::string escaped(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (unsigned char ch : s) {
    if (ch >= 0x20 && ch < 0x7F) {
      out += static_cast<char>(ch);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", ch);
      out += buf;
    }
  }
  return out;
}

std::string x509_text(const x509_cert& c) {
  // One certificate as "subject|issuer|serial|not_before|not_after|key_type:bits|sig_alg|SANs".
  std::string s = escaped(c.subject);
  s += '|';
  s += escaped(c.issuer);
  return s;
}

}  // namespace

std::string tls_version_name(std::uint16_t v) {
  switch (v) {
    case 0x0002: return "SSLv2";
    case 0x0300: return "SSLv3";
    case 0x0301: return "TLSv10";
    case 0x0302: return "TLSv11";
    case 0x0303: return "TLSv12";
    case 0x0304: return "TLSv13";
    case 0xFEFF: return "DTLSv10";
    case 0xFEFD: return "DTLSv12";
    case 0xFEFC: return "DTLSv13";
    default: break;
  }
  if ((v >> 8) == 0x7F) return "TLSv13-draft" + std::to_string(v & 0xFF);
  char buf[24];
  std::snprintf(buf, sizeof buf, "unknown-0x%04x", v);
  return buf;
}

std::string tls_cipher_name(std::uint16_t suite) {
  if (const char* n = find(cipher_names, suite)) return n;
  char buf[24];
  std::snprintf(buf, sizeof buf, "unknown-0x%04x", suite);
  return buf;
}

std::string tls_group_name(std::uint16_t group) {
  if (const char* n = find(group_names, group)) return n;
  return "unknown-" + std::to_string(group);
}

std::string tls_alert_name(std::uint8_t description) {
  if (const char* n = find(alert_names, description)) return n;
  return "unknown-" + std::to_string(description);
}

std::string_view tls_extension_name(std::uint16_t type) noexcept {
  if (const char* n = find(extension_names, type)) return n;
  return {};
}

void append_tls_record(std::string& out, const tls_log_entry& e, util::log_format fmt, bool header) {
  util::log_record r;
  r.num("ts", util::zeek_seconds(e.ts_ns));
  add_conn_id(r, e.id);
  r.str("version", tls_version_name(e.version), e.version != 0);
  r.str("cipher", tls_cipher_name(e.cipher), e.has_cipher);
  r.str("curve", tls_group_name(e.curve), e.curve != 0);
  r.str("server_name", escaped(e.server_name), !e.server_name.empty());
  r.flag("resumed", e.resumed);
  r.str("last_alert", tls_alert_name(e.last_alert), e.has_alert);
  r.str("next_protocol", escaped(e.next_protocol), !e.next_protocol.empty());
  r.flag("established", e.established);
  r.str("ssl_history", e.ssl_history, !e.ssl_history.empty());
  r.str("subject", escaped(e.subject), !e.subject.empty());
  r.str("issuer", escaped(e.issuer), !e.issuer.empty());
  r.str("client_subject", escaped(e.client_subject), !e.client_subject.empty());
  r.str("client_issuer", escaped(e.client_issuer), !e.client_issuer.empty());
  r.str("ja3", e.ja3, !e.ja3.empty());
  r.str("ja3s", e.ja3s, !e.ja3s.empty());
  r.str("ja4", e.ja4, !e.ja4.empty());
  r.str("ja4_r", e.ja4_r, !e.ja4_r.empty());
  r.str("client_version", tls_version_name(e.client_version), e.client_version != 0);
  std::vector<std::string> alpn;
  for (const auto& a : e.client_alpn) alpn.push_back(escaped(a));
  r.str_list("client_alpn", std::move(alpn));
  r.num("client_hello_frame", e.client_hello_frame, e.client_hello_frame != 0);
  r.num("server_hello_frame", e.server_hello_frame, e.server_hello_frame != 0);
  // The server's chain: first certificate in detail, then every subject (Zeek keeps these in
  // x509.log; here they ride along).
  const x509_cert* leaf = e.server_certs.empty() ? nullptr : &e.server_certs[0];
  r.str("cert.subject_cn", leaf ? escaped(leaf->subject_cn) : "", leaf && !leaf->subject_cn.empty());
  r.str("cert.issuer_cn", leaf ? escaped(leaf->issuer_cn) : "", leaf && !leaf->issuer_cn.empty());
  r.str("cert.serial", leaf ? leaf->serial : "", leaf && !leaf->serial.empty());
  r.str("cert.not_valid_before", leaf ? x509_time_text(leaf->not_before) : "", leaf && leaf->has_validity);
  r.str("cert.not_valid_after", leaf ? x509_time_text(leaf->not_after) : "", leaf && leaf->has_validity);
  r.str("cert.key_type", leaf ? leaf->key_type : "", leaf && !leaf->key_type.empty());
  r.num("cert.key_length", leaf ? leaf->key_length : 0, leaf && leaf->key_length != 0);
  r.str("cert.sig_alg", leaf ? leaf->sig_alg : "", leaf && !leaf->sig_alg.empty());
  std::vector<std::string> sans;
  if (leaf) {
    for (const auto& s : leaf->san_dns) sans.push_back(escaped(s));
    for (const auto& s : leaf->san_ip) sans.push_back(s);
  }
  r.str_list("cert.san", std::move(sans));
  std::vector<std::string> chain;
  for (const auto& c : e.server_certs) chain.push_back(x509_text(c));
  r.str_list("cert_chain", std::move(chain));
  std::vector<std::string> anomalies;
  for (const auto& a : e.anomalies) {
    anomalies.push_back(std::string(tls_anomaly_name(a.code)) + "@" + std::to_string(a.dir) + ":" +
                        std::to_string(a.offset));
  }
  r.str_list("anomalies", std::move(anomalies));
  r.write(out, fmt, header);
}

std::string tls_log_ndjson(const tls_logger& log) {
  std::string out;
  for (const auto& e : log.entries()) append_tls_record(out, e, util::log_format::ndjson, false);
  return out;
}

}  // namespace pcapscope::app
