// DHCP (BOOTP with RFC 2132 options): a zero-copy message parser with named anomalies, and a
// Zeek dhcp.log-style logger that groups messages by transaction id. See docs/dhcp.md.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "pcapscope/app/stream.hpp"
#include "pcapscope/util/bytes.hpp"

namespace pcapscope::flow {
class flow_tracker;
}

namespace pcapscope::app {

/// Problems found in a DHCP message, each reported with the byte offset (within the UDP
/// payload) where it was found. Malformed messages still yield everything parsed before.
enum class dhcp_anomaly : std::uint8_t {
  none,
  truncated_header,    ///< fewer than the 236 bytes of the BOOTP header
  bad_op,              ///< op is neither 1 (BOOTREQUEST) nor 2 (BOOTREPLY)
  bad_hlen,            ///< hardware address length above 16 (chaddr's size)
  no_magic_cookie,     ///< no 99.130.83.99 after the header (plain BOOTP: no options)
  truncated_option,    ///< an option's length byte or value runs past the end of its area
  no_end_option,       ///< an options area without End (255)
  bad_option_length,   ///< a length that does not fit the option's type (e.g. a 3-byte address)
  bad_overload,        ///< option 52 not 1..3, or found outside the options field
  duplicate_option,    ///< a single-valued option sent again (the first one is kept)
  too_many_options,    ///< more options than `dhcp_max_options` (the rest are not listed)
  bad_message_type,    ///< option 53 with a value outside 1..18
  count_
};

/// Stable name of a DHCP anomaly, e.g. "dhcp.truncated_option".
std::string_view dhcp_anomaly_name(dhcp_anomaly a) noexcept;

/// Name of a DHCP message type (option 53) as Zeek's DHCP::message_types ("DISCOVER",
/// "OFFER", "REQUEST", "DECLINE", "ACK", "NAK", "RELEASE", "INFORM", "FORCERENEW", ...;
/// empty when unknown).
std::string_view dhcp_message_type_name(std::uint8_t type) noexcept;

/// Limits that keep hostile messages cheap.
inline constexpr std::size_t dhcp_header_size = 236;   ///< BOOTP fixed header (without the cookie)
inline constexpr std::size_t dhcp_max_options = 96;    ///< options listed per message
inline constexpr std::size_t dhcp_max_anomalies = 8;   ///< anomalies kept per message

/// Where an option was found: the area (0 options field, 1 'file', 2 'sname'), its code, and
/// its value's offset and length within the message.
struct dhcp_option {
  std::uint8_t code = 0;     ///< option code
  std::uint8_t area = 0;     ///< 0 options, 1 file (overload 1), 2 sname (overload 2)
  std::uint16_t length = 0;  ///< value length
  std::uint32_t offset = 0;  ///< value start within the message
};

/// An anomaly with the offset in the message where it was found.
struct dhcp_anomaly_at {
  dhcp_anomaly code = dhcp_anomaly::none;  ///< what
  std::uint32_t offset = 0;                ///< where (byte offset within the message)
};

/// A parsed DHCP message: the BOOTP header and the options the logs use, as values or views
/// into `data` (nothing copied). Reusable: `parse_dhcp` resets it.
struct dhcp_message {
  util::bytes data;                 ///< the message (UDP payload); views point into it
  bool header_ok = false;           ///< the 236-byte BOOTP header was present
  bool has_cookie = false;          ///< the DHCP magic cookie followed (options were parsed)
  std::uint8_t op = 0;              ///< 1 BOOTREQUEST (client), 2 BOOTREPLY (server)
  std::uint8_t htype = 0;           ///< hardware type (1 Ethernet)
  std::uint8_t hlen = 0;            ///< hardware address length
  std::uint8_t hops = 0;            ///< relay hops
  std::uint32_t xid = 0;            ///< transaction id
  std::uint16_t secs = 0;           ///< seconds since the client began
  std::uint16_t flags = 0;          ///< flags (0x8000 broadcast)
  std::array<std::uint8_t, 4> ciaddr{}, yiaddr{}, siaddr{}, giaddr{};  ///< addresses of the header
  util::bytes chaddr;               ///< client hardware address (hlen bytes, at most 16)
  util::bytes sname;                ///< server host name field (64 bytes, NUL-padded)
  util::bytes file;                 ///< boot file name field (128 bytes, NUL-padded)

  std::uint8_t msg_type = 0;        ///< option 53 (0: absent)
  bool has_requested_addr = false;  ///< option 50 present
  std::array<std::uint8_t, 4> requested_addr{};  ///< option 50: requested IP address
  bool has_server_id = false;       ///< option 54 present
  std::array<std::uint8_t, 4> server_id{};       ///< option 54: server identifier
  bool has_lease_time = false;      ///< option 51 present
  std::uint32_t lease_time = 0;     ///< option 51: lease time in seconds
  bool has_subnet_mask = false;     ///< option 1 present
  std::array<std::uint8_t, 4> subnet_mask{};     ///< option 1
  util::bytes routers;              ///< option 3: router addresses (4 bytes each)
  util::bytes dns_servers;          ///< option 6: DNS server addresses (4 bytes each)
  util::bytes host_name;            ///< option 12
  util::bytes domain_name;          ///< option 15
  util::bytes vendor_class;         ///< option 60 (vendor class identifier)
  util::bytes param_list;           ///< option 55: requested option codes
  util::bytes client_id;            ///< option 61: type byte, then the identifier
  util::bytes message;              ///< option 56: error message text
  bool has_fqdn = false;            ///< option 81 present (and at least 3 bytes)
  std::uint8_t fqdn_flags = 0;      ///< option 81 flags (0x04: E, the name is in DNS wire format)
  util::bytes fqdn_name;            ///< option 81 domain name (wire or ASCII, per the E flag)
  util::bytes relay_circuit_id;     ///< option 82 sub-option 1 (agent circuit id)
  util::bytes relay_remote_id;      ///< option 82 sub-option 2 (agent remote id)
  util::bytes relay_subscriber_id;  ///< option 82 sub-option 6 (subscriber id)
  std::uint8_t overload = 0;        ///< option 52 (1 file, 2 sname, 3 both; 0 absent)

  std::array<dhcp_option, dhcp_max_options> options{};  ///< options in order of appearance
  std::uint8_t option_count = 0;    ///< options listed
  std::uint32_t options_unlisted = 0;  ///< options found beyond `dhcp_max_options` (parsed, not listed)
  std::array<dhcp_anomaly_at, dhcp_max_anomalies> anomalies{};  ///< first anomalies found
  std::uint8_t anomaly_count = 0;   ///< anomalies found (may exceed the kept ones)

  /// True when an anomaly of kind `a` was found (among the kept ones).
  bool has(dhcp_anomaly a) const noexcept;
  /// True for a client message (BOOTREQUEST).
  bool from_client() const noexcept { return op == 1; }
  /// Appends the client FQDN (option 81) as text: labels joined by '.' when in wire format,
  /// else the ASCII name; bytes outside printable ASCII escaped as "\\xNN".
  void fqdn_text(std::string& out) const;
};

/// Appends bytes as text, escaping bytes outside printable ASCII and '\\' as "\\xNN" and
/// dropping trailing NULs (DHCP's strings are often NUL-terminated or padded).
void dhcp_text(util::bytes b, std::string& out);

/// Parses one DHCP message (its bytes must outlive `out`'s use). Returns `out.header_ok`.
/// Never reads outside `data`; the work is bounded by its size. Options follow RFC 2131/2132:
/// the options field first, then 'file' and 'sname' when option 52 says they hold options;
/// Pad (0) is skipped and End (255) ends an area.
bool parse_dhcp(util::bytes data, dhcp_message& out) noexcept;

/// True when `port` is DHCP's server (67) or client (68) port.
inline bool is_dhcp_port(std::uint16_t port) noexcept { return port == 67 || port == 68; }

/// True when `payload` looks like a DHCP message: a BOOTP header with op 1 or 2 and the magic
/// cookie at offset 236 (for service detection by content).
bool looks_like_dhcp(util::bytes payload) noexcept;

/// One dhcp.log entry: the messages of one transaction id (Zeek field names; docs/dhcp.md).
struct dhcp_log_entry {
  std::int64_t ts_ns = 0;          ///< ts: first message
  std::int64_t last_ns = 0;        ///< time of the last message (duration = last - ts)
  std::uint32_t xid = 0;           ///< transaction id
  std::uint64_t messages = 0;      ///< messages joined into this entry
  std::vector<std::string> uids;   ///< uids of the flows the messages came in (first-seen order)
  std::vector<std::uint32_t> flow_ids;  ///< their flow ids
  std::string client_addr;         ///< client_addr
  std::string server_addr;         ///< server_addr
  std::uint16_t client_port = 0;   ///< client_port (0: unknown)
  std::uint16_t server_port = 0;   ///< server_port (0: unknown)
  std::string mac;                 ///< mac: client hardware address ("aa:bb:cc:dd:ee:ff")
  std::string host_name;           ///< host_name (option 12, client)
  std::string client_fqdn;         ///< client_fqdn (option 81, client)
  std::string domain;              ///< domain (option 15, server)
  std::string requested_addr;      ///< requested_addr (option 50, client)
  std::string assigned_addr;       ///< assigned_addr (yiaddr of a server reply)
  bool has_lease_time = false;     ///< lease_time present
  std::uint32_t lease_time = 0;    ///< lease_time (option 51, server), seconds
  std::string client_message;      ///< client_message (option 56 from the client)
  std::string server_message;      ///< server_message (option 56 from the server)
  std::vector<std::string> msg_types;  ///< msg_types, in order
  std::string client_software;     ///< client_software: vendor class (option 60) from the client
  std::string server_software;     ///< server_software: vendor class from the server
  std::string circuit_id;          ///< circuit_id (option 82.1)
  std::string agent_remote_id;     ///< agent_remote_id (option 82.2)
  std::string subscriber_id;       ///< subscriber_id (option 82.6)
  std::vector<std::uint8_t> params;  ///< parameter request list (option 55) of the first client message with one
  std::vector<dhcp_anomaly_at> anomalies;  ///< anomalies of its messages (capped)
};

/// Counters of the DHCP logger.
struct dhcp_counters {
  std::uint64_t datagrams = 0;   ///< datagrams given to the logger
  std::uint64_t messages = 0;    ///< of which had a BOOTP header
  std::uint64_t requests = 0;    ///< BOOTREQUEST messages
  std::uint64_t replies = 0;     ///< BOOTREPLY messages
  std::array<std::uint64_t, 19> by_type{};  ///< messages per option-53 type (0: none / unknown)
  std::array<std::uint64_t, static_cast<std::size_t>(dhcp_anomaly::count_)> anomalies{};  ///< by code
};

/// Builds dhcp.log entries from UDP payloads: messages with the same transaction id within
/// `dhcp_join_window_ns` of the transaction's first message form one entry (Zeek's grouping).
class dhcp_logger {
 public:
  /// A transaction's messages are joined for this long after its first one (Zeek's 30 s
  /// DHCP::max_txid_watch_time).
  static constexpr std::int64_t dhcp_join_window_ns = 30'000'000'000;
  /// Most anomalies kept per entry.
  static constexpr std::size_t max_entry_anomalies = 16;
  /// Most message types and flows kept per entry (a flood of one transaction id stays bounded;
  /// `dhcp_log_entry::messages` still counts every message).
  static constexpr std::size_t max_entry_list = 64;

  /// `flows` (may be null) gives uids and addresses; without it those fields stay empty.
  explicit dhcp_logger(const flow::flow_tracker* flows = nullptr) : flows_(flows) {}
  /// One UDP payload of flow `c.flow_id`, sent by its originator (dir 0) or responder (dir 1).
  void on_datagram(const stream_ctx& c, int dir, util::bytes udp_payload);
  /// Ends the pass (no more messages join open transactions).
  void finish();
  /// The entries, in order of their first message.
  const std::vector<dhcp_log_entry>& entries() const noexcept { return entries_; }
  /// Counters.
  const dhcp_counters& counters() const noexcept { return counters_; }
  /// Called for every parsed message (valid during the call only), for tools and tests.
  std::function<void(const stream_ctx&, int dir, const dhcp_message&)> on_message_seen;

 private:
  const flow::flow_tracker* flows_;
  std::vector<dhcp_log_entry> entries_;
  std::unordered_map<std::uint32_t, std::size_t> open_;  // xid -> entry index
  dhcp_counters counters_;
  dhcp_message msg_;
};

}  // namespace pcapscope::app
