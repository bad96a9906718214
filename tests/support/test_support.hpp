// Shared test helpers: a handler that keeps copies of records, chunked feeding, file access.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "pcapscope/capture/file.hpp"
#include "pcapscope/capture/reader.hpp"

namespace pcapscope::test {

/// A record copied out of the reader's buffers (records are views valid only in the callback).
struct owned_record {
  capture::record r;                 ///< data/options point into the vectors below
  std::vector<std::uint8_t> data;
  std::vector<std::uint8_t> options;
  std::vector<std::string> comments;
};

/// Keeps every record, interface and anomaly the reader reports.
class collecting_handler : public capture::handler {
 public:
  void on_record(const capture::record& r) override;
  void on_interface(std::uint32_t index, const capture::interface_info& iface) override;
  void on_anomaly(const capture::anomaly& a) override;

  std::vector<owned_record> records;
  std::vector<std::uint32_t> interface_events;
  std::vector<capture::anomaly> anomalies;
};

/// Result of reading bytes through a fresh reader.
struct read_result {
  collecting_handler h;
  capture::capture_info info;
  capture::status feed_status;
  capture::status finish_status;
};

/// Feeds `bytes` in chunks of `chunk` bytes (0 = whole) and finishes.
read_result read_bytes(const std::vector<std::uint8_t>& bytes, std::size_t chunk = 0,
                       capture::reader_limits limits = {});

/// Feeds `bytes` in pseudo-random chunk sizes from 1 to `max_chunk` (deterministic by `seed`).
read_result read_bytes_random_chunks(const std::vector<std::uint8_t>& bytes, std::uint32_t seed,
                                     std::size_t max_chunk = 4096);

/// Reads a whole file into memory.
std::vector<std::uint8_t> read_file(const std::filesystem::path& p);

/// The shared corpus folder (../shared/captures next to the repo), if present.
std::optional<std::filesystem::path> corpus_dir();

/// Opens every file under `corpus` that the reader recognizes and calls `fn(name, file)` with
/// its path relative to `corpus`; other files are skipped.
void for_each_corpus_capture(const std::filesystem::path& corpus,
                             const std::function<void(const std::string&, capture::capture_file&)>& fn);

/// Calls `check(record)` on every record of every corpus capture. A non-empty string it returns
/// is a mismatch: the first five are reported as test failures with the capture's name and the
/// record's offset. Returns the number of mismatches.
std::uint64_t check_corpus_records(const std::filesystem::path& corpus,
                                   const std::function<std::string(const capture::record&)>& check);

/// 32-bit pseudo-random draws (std::mt19937's result type is wider on LP64).
struct random32 {
  std::mt19937 g;
  std::uint32_t operator()() { return static_cast<std::uint32_t>(g()); }
};

/// Builds packet bytes field by field (big-endian unless the name says `le`).
struct bytes_out {
  std::vector<std::uint8_t> v;
  bytes_out& u8(unsigned x) {
    v.push_back(static_cast<std::uint8_t>(x));
    return *this;
  }
  bytes_out& be16(unsigned x) { return u8(x >> 8).u8(x); }
  bytes_out& le16(unsigned x) { return u8(x).u8(x >> 8); }
  bytes_out& be32(std::uint32_t x) { return be16(x >> 16).be16(x & 0xFFFF); }
  bytes_out& le32(std::uint32_t x) { return le16(x & 0xFFFF).le16(x >> 16); }
  bytes_out& fill(std::size_t n, unsigned b = 0) {
    v.insert(v.end(), n, static_cast<std::uint8_t>(b));
    return *this;
  }
  bytes_out& raw(const std::vector<std::uint8_t>& b) {
    v.insert(v.end(), b.begin(), b.end());
    return *this;
  }
  std::size_t size() const { return v.size(); }
  /// Overwrites the big-endian 16-bit value at `at` (a length known only later).
  void put16(std::size_t at, unsigned x) {
    v[at] = static_cast<std::uint8_t>(x >> 8);
    v[at + 1] = static_cast<std::uint8_t>(x);
  }
};

/// What the built `pcapscope` CLI printed and returned.
struct cli_result {
  int status = -1;   ///< exit status (-1: not run, e.g. the CLI is not built)
  std::string out;   ///< standard output
  std::string err;   ///< standard error
};

/// True when the test binary knows where the built CLI is (PCAPSCOPE_CLI).
bool cli_available();

/// Runs `pcapscope ARGS` (ARGS as shell words) and captures its output.
cli_result run_cli(const std::string& args);

/// True when tshark runs on this machine (oracle tests skip without it).
bool have_tshark();

/// Runs a shell command and returns its standard output (stderr is discarded).
std::string command_output(const std::string& cmd);

/// Splits `s` at every `sep` (empty fields kept: "a,,b" → a, "", b; "" → one empty field), as
/// tshark's -T fields columns and aggregated occurrences need.
std::vector<std::string> split(const std::string& s, char sep);

/// True when the code of an anomaly appears in `info`.
bool has_anomaly(const capture::capture_info& info, capture::anomaly_code code);

}  // namespace pcapscope::test
