// Native input: stream a capture file (plain or gzip-compressed) through a reader, and re-read
// records from it by offset.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "pcapscope/capture/reader.hpp"

namespace pcapscope::capture {

/// Progress of a streaming pass: input bytes read so far out of the file size.
struct progress {
  std::uint64_t bytes_read = 0;  ///< compressed bytes for gzip input
  std::uint64_t total = 0;       ///< file size (0 if unknown, e.g. a pipe)
  std::uint64_t packets = 0;
};

/// Options of `open_file`.
struct file_options {
  std::size_t chunk_size = 1u << 20;  ///< bytes per read(), and per progress report
  /// Read a plain (uncompressed) regular file through memory mappings of 8 MB windows instead
  /// of copying it with read(): the records are parsed where the page cache holds them, with
  /// the next 64 KB prefetched. If the file shrinks while it is mapped, the vanished bytes read
  /// as 0xFF (a SIGBUS handler, installed on first use and chaining to the one it replaced,
  /// maps them) and `read_all` reports where; false (or PCAPSCOPE_NO_MMAP=1 in the
  /// environment) always uses read().
  bool map_input = true;
  /// Bytes mapped at a time with `map_input` (rounded up to whole pages): bounds the file pages
  /// the process maps at once.
  std::size_t map_window = std::size_t{8} << 20;
  /// Keep decompressed bytes of gzip input in an unlinked temporary file so `read_at` works.
  bool keep_decompressed = false;
  /// Called after each chunk (may be empty).
  std::function<void(const progress&)> on_progress;
  /// Limits for the reader.
  reader_limits limits{};
};

/// A capture file opened natively. `read_all` streams it through a reader; afterwards records
/// can be re-read by offset (decompressed offsets for gzip input).
class capture_file final : public random_access_source {
 public:
  ~capture_file() override;
  /// Opens `path`; returns null with `error` set when it cannot be opened.
  static std::unique_ptr<capture_file> open(const std::string& path, std::string& error,
                                            file_options opts = {});

  /// Streams the whole file into a reader that reports to `h` (may be null). On a read error,
  /// corrupt gzip, or a file that shrank while it was read, the reader's summary is kept and
  /// `status` says what failed and where.
  status read_all(handler* h);
  /// True when the last `read_all` read the file through memory mappings (see `map_input`).
  bool mapped() const noexcept { return mapped_; }

  /// The reader used by read_all (summary, read_at); call read_all first.
  const reader& get_reader() const noexcept { return *reader_; }
  /// True when the input was gzip-compressed.
  bool gzip() const noexcept { return gzip_; }
  /// Size of the file on disk.
  std::uint64_t file_size() const noexcept { return size_; }
  /// Path given to open.
  const std::string& path() const noexcept { return path_; }

  std::size_t read(std::uint64_t offset, std::span<std::uint8_t> out) override;

 private:
  capture_file() = default;
  // read_all for a plain regular file through mappings; false (nothing fed) when the first
  // window cannot be mapped, so read() takes over.
  bool read_mapped(status& st);
  int fd_ = -1;
  int tmp_fd_ = -1;  // decompressed copy of gzip input
  bool gzip_ = false;
  bool mapped_ = false;
  std::uint64_t size_ = 0;
  std::string path_;
  file_options opts_;
  std::unique_ptr<reader> reader_;
};

}  // namespace pcapscope::capture
