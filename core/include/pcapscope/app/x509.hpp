// A strictly bounded DER / X.509 certificate reader: subject and issuer (CN and full DN text),
// subject alternative names, validity, serial, public key type and size, signature algorithm.
// Every TLV is checked against its parent; nothing is read past a TLV's end. See docs/tls.md.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "pcapscope/util/bytes.hpp"

namespace pcapscope::app {

/// Problems found in a certificate; parsing stops at the first structural one and keeps what
/// was read before it.
enum class x509_anomaly : std::uint8_t {
  none,
  truncated,          ///< a TLV's header or contents run past the end of its parent
  bad_length,         ///< a length that is not DER (indefinite, more than 4 length bytes, …)
  bad_tag,            ///< an element with an unexpected tag
  too_deep,           ///< nesting deeper than `x509_max_depth`
  bad_time,           ///< a UTCTime / GeneralizedTime that does not parse
  bad_oid,            ///< an OBJECT IDENTIFIER that does not decode
  trailing_data,      ///< bytes after the certificate's outer SEQUENCE
  too_many_names,     ///< more SANs or RDNs than the caps (the rest skipped)
  count_
};

/// Stable name of an X.509 anomaly, e.g. "x509.truncated".
std::string_view x509_anomaly_name(x509_anomaly a) noexcept;

/// Caps of the reader.
inline constexpr std::size_t x509_max_depth = 16;        ///< TLV nesting levels
inline constexpr std::size_t x509_max_sans = 256;         ///< SANs kept per certificate
inline constexpr std::size_t x509_max_rdns = 64;          ///< attributes read per name
inline constexpr std::size_t x509_max_text = 1024;        ///< bytes kept of one text value

/// What was read from one certificate.
struct x509_cert {
  bool ok = false;                 ///< the TBSCertificate was read completely
  std::uint8_t version = 1;        ///< 1, 2 or 3
  std::string serial;              ///< serial number as upper-case hex (Zeek's certificate.serial)
  std::string subject;             ///< subject DN text, RFC 4514 order ("CN=a,O=b,C=US")
  std::string issuer;              ///< issuer DN text
  std::string subject_cn;          ///< the subject's (last) common name
  std::string issuer_cn;           ///< the issuer's (last) common name
  std::int64_t not_before = 0;     ///< validity start, seconds since the epoch
  std::int64_t not_after = 0;      ///< validity end, seconds since the epoch
  bool has_validity = false;       ///< both times parsed
  std::string sig_alg;             ///< signature algorithm ("sha256WithRSAEncryption", or the OID)
  std::string key_alg;             ///< key algorithm ("rsaEncryption", "id-ecPublicKey", …)
  std::string key_type;            ///< "rsa", "ec", "dsa", "ed25519", "ed448", … (Zeek's key_type)
  std::uint32_t key_length = 0;    ///< RSA/DSA modulus bits, EC field bits (Zeek's key_length)
  std::string curve;               ///< EC named curve ("prime256v1", or the OID)
  std::vector<std::string> san_dns;   ///< SAN dNSName entries
  std::vector<std::string> san_ip;    ///< SAN iPAddress entries as text
  std::vector<std::string> san_email; ///< SAN rfc822Name entries
  std::vector<std::string> san_uri;   ///< SAN uniformResourceIdentifier entries
  bool is_ca = false;              ///< basicConstraints cA
  x509_anomaly anomaly = x509_anomaly::none;  ///< first problem found
  std::uint32_t anomaly_offset = 0;           ///< where (byte offset in the DER)
};

/// Reads one DER certificate. Returns `out.ok`. Work is linear in `der.size()`, memory bounded
/// by the caps above; never reads outside `der`.
bool parse_x509(util::bytes der, x509_cert& out);

/// Formats a UNIX time as "YYYY-MM-DDTHH:MM:SSZ".
std::string x509_time_text(std::int64_t t);

}  // namespace pcapscope::app
