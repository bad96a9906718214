// Streaming (push) reader for classic pcap and pcapng: feed any chunk size, records may span
// chunks; plus random access to one record by its offset.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "pcapscope/capture/types.hpp"
#include "pcapscope/util/bytes.hpp"

namespace pcapscope::capture {

/// Receives what the reader finds, in file order. Records are views valid only during the call.
class handler {
 public:
  virtual ~handler() = default;
  /// One packet.
  virtual void on_record(const record& r) = 0;
  /// A new interface was described (pcap: once, from the file header).
  virtual void on_interface(std::uint32_t /*index*/, const interface_info& /*iface*/) {}
  /// An anomaly was found (also stored in capture_info, up to the limit).
  virtual void on_anomaly(const anomaly& /*a*/) {}
};

/// Bounds the reader keeps to whatever the input claims.
struct reader_limits {
  /// Largest record or block accepted; larger ones stop reading (the length is not trusted
  /// with an allocation). Also bounds what is buffered across chunks.
  std::uint32_t max_block = 64u << 20;
  /// Captured lengths above this are flagged `caplen_exceeds_max` (still delivered).
  std::uint32_t max_normal_caplen = 262144;
  /// Anomalies kept with their messages; the rest are only counted.
  std::uint32_t max_anomalies = 1000;
  /// Bytes of decryption secrets kept in total.
  std::uint32_t max_secret_bytes = 16u << 20;
  /// Names from name resolution blocks kept.
  std::uint32_t max_names = 1u << 20;
};

/// Result of a call: ok, or the reason reading stopped.
struct status {
  bool ok = true;              ///< false once reading has stopped on a fatal error
  std::string message;         ///< the error, with its offset
};

/// What the first bytes of an input look like.
enum class detected : std::uint8_t { need_more, pcap, pcapng, gzip, other };

/// Classifies the first bytes of an input (needs 4 bytes to decide).
detected detect(util::bytes head) noexcept;

/// Names what a non-capture file looks like from its first bytes, e.g.
/// "not a pcap/pcapng file: starts with 50 4b 03 04 (a ZIP archive?)".
std::string describe_unknown(util::bytes head);

/// Reads random-access bytes of the (decompressed) capture: used by `reader::read_at`.
class random_access_source {
 public:
  virtual ~random_access_source() = default;
  /// Copies up to `out.size()` bytes at `offset` into `out`; returns how many were copied
  /// (fewer only at the end of the input).
  virtual std::size_t read(std::uint64_t offset, std::span<std::uint8_t> out) = 0;
};

/// A random_access_source over bytes already in memory.
class memory_source final : public random_access_source {
 public:
  /// Views `data`, which must outlive the source.
  explicit memory_source(util::bytes data) noexcept : data_(data) {}
  std::size_t read(std::uint64_t offset, std::span<std::uint8_t> out) override;

 private:
  util::bytes data_;
};

/// How far ahead of the record it is parsing the reader asks the CPU to fetch a chunk's bytes
/// (a prefetch hint every 64 bytes, spread over the records: memory reads overlap the parsing
/// instead of stalling it). It stops at the chunk's end: a caller feeding consecutive pieces of
/// one buffer (capture_file's mapped windows) prefetches the first bytes of the next piece.
/// 0 in WebAssembly, which has no prefetch instruction.
#if defined(__wasm__)
inline constexpr std::size_t reader_prefetch_ahead = 0;
#else
inline constexpr std::size_t reader_prefetch_ahead = 2048;
#endif

/// Push reader for pcap and pcapng. Detects the format from the first bytes; gzip input must
/// be decompressed by the caller (see capture/file.hpp natively, DecompressionStream in JS).
class reader {
 public:
  /// `h` may be null (only the summary is kept); it must outlive the reader.
  explicit reader(handler* h = nullptr, reader_limits limits = {});
  ~reader();
  reader(const reader&) = delete;
  reader& operator=(const reader&) = delete;
  reader(reader&&) noexcept;
  reader& operator=(reader&&) noexcept;

  /// Parses `chunk`, delivering every record completed by it. Any chunk size works; bytes of an
  /// incomplete record are kept until the next call. After a fatal error, further input is
  /// counted as unparsed and ignored.
  status feed(util::bytes chunk);
  /// Ends the input: a record left incomplete becomes a `truncated_record` anomaly.
  status finish();
  /// Counts `n` input bytes the caller did not feed because reading had already stopped.
  void note_unread(std::uint64_t n) noexcept;

  /// The summary so far. Its packet and byte totals and time range are brought up to date at
  /// the end of each `feed` and before each anomaly is reported, not at every record: a
  /// handler reading them during `on_record` may see totals without the chunk's last records.
  const capture_info& info() const noexcept;
  /// True once reading stopped on a fatal error.
  bool failed() const noexcept;

  /// Re-reads the record (packet block) that starts at `offset` from `src`, using the section
  /// and interface state learnt while streaming. Its bytes are kept in `scratch`, which `out`
  /// then views. Returns false with `error` set when there is no packet record at `offset`.
  bool read_at(std::uint64_t offset, random_access_source& src, std::vector<std::uint8_t>& scratch,
               record& out, std::string& error) const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace pcapscope::capture
