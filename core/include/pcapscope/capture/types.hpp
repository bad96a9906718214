// What the capture readers produce: records, interfaces, sections, anomalies and the file summary.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "pcapscope/util/bytes.hpp"

namespace pcapscope::capture {

/// Container format of a capture.
enum class file_format : std::uint8_t { unknown, pcap, pcapng };

/// Returns "pcap", "pcapng" or "unknown".
std::string_view format_name(file_format f) noexcept;

/// Byte order a file (or pcapng section) was written in.
enum class byte_order : std::uint8_t { little, big };

/// Classic pcap variants, named by their magic number.
enum class pcap_variant : std::uint8_t {
  none,         ///< not a classic pcap file
  microsecond,  ///< a1b2c3d4: microsecond timestamps
  nanosecond,   ///< a1b23c4d: nanosecond timestamps
  kuznetsov,    ///< a1b2cd34: Alexey Kuznetsov's patched libpcap (24-byte record headers)
};

/// Returns the variant's name as shown by `pcapscope info` (e.g. "nanosecond").
std::string_view variant_name(pcap_variant v) noexcept;

/// How serious an anomaly is.
enum class severity : std::uint8_t {
  warning,  ///< something odd; reading went on
  error,    ///< data was lost (a record or block skipped, or reading stopped)
};

/// Every irregularity the readers can report, with a stable dotted name (see `anomaly_name`).
enum class anomaly_code : std::uint16_t {
  empty_file,                  ///< no bytes at all
  not_a_capture,               ///< the first bytes match no known capture format
  truncated_file_header,       ///< pcap file header or first pcapng block cut short
  truncated_record,            ///< the last record/block is cut short; earlier ones were delivered
  pcap_unusual_version,        ///< version other than 2.4 (accepted, as libpcap does)
  pcap_caplen_exceeds_snaplen, ///< captured length larger than the file's snaplen
  pcap_caplen_exceeds_origlen, ///< captured length larger than the original length
  caplen_exceeds_max,          ///< captured length larger than 262144 (still delivered if sane)
  record_too_large,            ///< length beyond the configured hard cap: reading stops here
  pcap_fcs_bits,               ///< link type field carries FCS information in its upper bits
  pcap_reserved_bits,          ///< link type field has reserved bits set
  pcapng_first_block_not_shb,  ///< a pcapng file must begin with a section header block
  pcapng_bad_byte_order_magic, ///< SHB byte-order magic is neither 1a2b3c4d nor 4d3c2b1a
  pcapng_unsupported_version,  ///< SHB major version other than 1
  pcapng_block_too_short,      ///< block total length below its type's minimum
  pcapng_length_not_multiple_of_4,  ///< block total length not a multiple of 4
  pcapng_trailer_mismatch,     ///< the length repeated at the end of a block differs
  pcapng_bad_options,          ///< an option runs past the end of its block
  pcapng_unknown_interface,    ///< packet refers to an interface not described in its section
  pcapng_packet_exceeds_block, ///< captured length larger than the room in its block
  pcapng_unknown_block,        ///< block type we do not know (skipped, counted)
  pcapng_custom_block,         ///< custom block (skipped, counted)
  pcapng_bad_tsresol,          ///< if_tsresol too fine to represent (clamped)
  pcapng_section_length_mismatch,  ///< section length differs from the bytes in the section
  pcapng_bad_name_record,      ///< malformed name resolution record
  packet_before_header,        ///< unreachable in well-formed input; kept for completeness
  timestamp_out_of_range,      ///< timestamp does not fit in signed 64-bit nanoseconds
  out_of_order_timestamp,      ///< a packet earlier than the one before it (counted once)
  pcap_fraction_overflow,      ///< µs/ns field of a pcap timestamp ≥ one second (carried over)
};

/// Stable dotted name of an anomaly code, e.g. "pcapng.trailer_mismatch".
std::string_view anomaly_name(anomaly_code c) noexcept;

/// Severity of an anomaly code.
severity anomaly_severity(anomaly_code c) noexcept;

/// One reported irregularity: what, where (byte offset in the decompressed input) and a sentence.
struct anomaly {
  anomaly_code code;         ///< what kind
  std::uint64_t offset = 0;  ///< byte offset of the record/block/field concerned
  std::string message;       ///< human-readable detail, with numbers
  /// How serious: `anomaly_severity(code)`, or error when this anomaly stopped reading.
  severity level = severity::warning;
};

/// Kind of block a record came from.
enum class record_kind : std::uint8_t {
  pcap_record,      ///< classic pcap record
  enhanced_packet,  ///< pcapng EPB
  simple_packet,    ///< pcapng SPB (no timestamp, interface 0)
  obsolete_packet,  ///< pcapng obsolete Packet Block (type 2)
};

/// One packet as read from the file. `data` and `options` point into the reader's buffers and
/// are valid only during the handler call that receives the record.
struct record {
  std::int64_t ts_ns = 0;            ///< absolute time, nanoseconds since the Unix epoch
  std::uint32_t caplen = 0;          ///< bytes captured (== data.size())
  std::uint32_t origlen = 0;         ///< bytes on the wire
  std::uint32_t interface = 0;       ///< index into capture_info::interfaces (global over sections)
  std::uint16_t link_type = 0;       ///< LINKTYPE_* value of the interface
  record_kind kind = record_kind::pcap_record;  ///< block kind
  bool has_timestamp = true;         ///< false for simple packet blocks
  bool options_swapped = false;      ///< options are in the non-host byte order
  std::uint32_t epb_flags = 0;       ///< epb_flags option (direction, reception type), 0 if absent
  std::uint64_t record_offset = 0;   ///< offset of the record header / block start
  std::uint64_t data_offset = 0;     ///< offset of the first packet byte
  std::uint32_t record_length = 0;   ///< bytes of the whole record/block including headers
  util::bytes data;                  ///< captured bytes
  util::bytes options;               ///< raw pcapng options of the block (empty for pcap)
};

/// Returns every opt_comment of a record's options, in order (allocates; call on demand).
std::vector<std::string> record_comments(const record& r);

/// Interface Statistics Block counters (absent ones stay empty).
struct interface_stats {
  std::int64_t ts_ns = 0;                    ///< when the counters were taken
  std::optional<std::int64_t> start_ns;      ///< isb_starttime
  std::optional<std::int64_t> end_ns;        ///< isb_endtime
  std::optional<std::uint64_t> if_recv;      ///< isb_ifrecv
  std::optional<std::uint64_t> if_drop;      ///< isb_ifdrop
  std::optional<std::uint64_t> filter_accept;  ///< isb_filteraccept
  std::optional<std::uint64_t> os_drop;      ///< isb_osdrop
  std::optional<std::uint64_t> usr_deliv;    ///< isb_usrdeliv
};

/// A capture interface (pcap has exactly one; pcapng one per IDB, numbered across sections).
struct interface_info {
  std::uint32_t section = 0;        ///< index into capture_info::sections
  std::uint16_t link_type = 0;      ///< LINKTYPE_* value
  std::uint32_t snaplen = 0;        ///< 0 means "no limit" in pcapng
  /// Timestamp units per second is 10^tsresol_exp (decimal) or 2^tsresol_exp (binary).
  std::uint8_t tsresol_exp = 6;
  bool tsresol_binary = false;      ///< if_tsresol had its high bit set (power of two)
  std::int64_t tsoffset_s = 0;      ///< if_tsoffset, seconds added to every timestamp
  std::int32_t fcs_len_bits = -1;   ///< FCS length in bits; -1 when unknown
  std::string name;                 ///< if_name
  std::string description;          ///< if_description
  std::string filter;               ///< if_filter (string form)
  std::string os;                   ///< if_os
  std::string hardware;             ///< if_hardware
  std::vector<std::string> comments;  ///< opt_comment
  std::uint64_t packets = 0;        ///< packets read on this interface
  std::vector<interface_stats> stats;  ///< every ISB seen for this interface
};

/// A pcapng section (classic pcap is reported as one section).
struct section_info {
  std::uint64_t offset = 0;        ///< where the SHB (or file header) starts
  byte_order order = byte_order::little;
  std::uint16_t version_major = 0;
  std::uint16_t version_minor = 0;
  std::int64_t declared_length = -1;  ///< section length field; -1 = unspecified
  std::string hardware;            ///< shb_hardware
  std::string os;                  ///< shb_os
  std::string user_application;    ///< shb_userappl
  std::vector<std::string> comments;  ///< opt_comment
  std::uint32_t first_interface = 0;  ///< global index of this section's first interface
  std::uint32_t interface_count = 0;  ///< interfaces described in this section
};

/// One name from a Name Resolution Block.
struct resolved_name {
  std::uint8_t family = 4;                 ///< 4 or 6
  std::array<std::uint8_t, 16> address{};  ///< first 4 bytes used for IPv4
  std::string name;
};

/// A Decryption Secrets Block, kept for later use (TLS key logs, WireGuard keys, ...).
struct decryption_secret {
  std::uint32_t type = 0;             ///< secrets type, e.g. 0x544c534b "TLSK"
  std::uint64_t offset = 0;           ///< block offset
  std::vector<std::uint8_t> data;     ///< secret bytes (bounded by reader_limits)
};

/// Counts of pcapng blocks by kind.
struct block_counts {
  std::uint64_t section_header = 0;
  std::uint64_t interface_description = 0;
  std::uint64_t enhanced_packet = 0;
  std::uint64_t simple_packet = 0;
  std::uint64_t obsolete_packet = 0;
  std::uint64_t name_resolution = 0;
  std::uint64_t interface_statistics = 0;
  std::uint64_t decryption_secrets = 0;
  std::uint64_t custom = 0;
  std::uint64_t unknown = 0;
};

/// Everything known about a capture after (or during) reading: format facts, interfaces,
/// packet and byte totals, time range, and every anomaly.
struct capture_info {
  file_format format = file_format::unknown;
  pcap_variant variant = pcap_variant::none;  ///< classic pcap only
  byte_order order = byte_order::little;      ///< of the first section
  std::uint16_t version_major = 0;            ///< of the first section / file header
  std::uint16_t version_minor = 0;
  std::uint32_t snaplen = 0;                  ///< classic pcap header snaplen
  std::uint32_t pcap_linktype_field = 0;      ///< classic pcap link type field, all 32 bits

  std::vector<section_info> sections;
  std::vector<interface_info> interfaces;
  std::vector<resolved_name> names;
  std::vector<decryption_secret> secrets;
  block_counts blocks;

  std::uint64_t packets = 0;          ///< records delivered to the handler
  std::uint64_t bytes_captured = 0;   ///< sum of caplen
  std::uint64_t bytes_original = 0;   ///< sum of origlen
  std::uint64_t packets_without_timestamp = 0;  ///< SPBs
  std::int64_t first_ns = 0;          ///< earliest timestamp (valid when packets_with_time > 0)
  std::int64_t last_ns = 0;           ///< latest timestamp
  std::uint64_t packets_with_time = 0;
  bool time_ordered = true;           ///< every timestamp >= the previous one
  std::uint32_t max_caplen = 0;       ///< largest caplen seen
  /// Finest timestamp resolution among interfaces, as decimal digits after the second (6, 9, …).
  std::uint8_t time_digits = 6;

  std::uint64_t records_lost = 0;     ///< records/blocks seen but not delivered (truncated, corrupt)
  std::uint64_t bytes_consumed = 0;   ///< input bytes parsed so far
  std::uint64_t bytes_unparsed = 0;   ///< input bytes left unread after a fatal error or truncation

  std::vector<anomaly> anomalies;     ///< the first reader_limits::max_anomalies anomalies
  std::uint64_t anomaly_total = 0;    ///< all anomalies, including those not kept
  /// Count of anomalies per code, indexed by the anomaly_code value (sized to the largest seen).
  std::vector<std::uint64_t> anomaly_counts;
  bool fatal = false;                 ///< reading stopped early (see `error`)
  std::string error;                  ///< the fatal error, with offset
  std::uint64_t error_offset = 0;     ///< byte offset of the fatal error (valid when `fatal`)
};

/// Formats nanoseconds since the epoch as seconds with `digits` decimals ("1700000000.123456").
std::string format_epoch(std::int64_t ns, int digits);

}  // namespace pcapscope::capture
