// Native input: plain or gzip-compressed capture files streamed through the push reader.
#include "pcapscope/capture/file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace pcapscope::capture {

namespace {

// Reads up to n bytes at the current position, retrying on EINTR; -1 on error.
ssize_t read_some(int fd, std::uint8_t* p, std::size_t n) {
  for (;;) {
    ssize_t r = ::read(fd, p, n);
    if (r < 0 && errno == EINTR) continue;
    return r;
  }
}

bool write_all(int fd, const std::uint8_t* p, std::size_t n) {
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

int make_temp_file() {
  const char* dir = std::getenv("TMPDIR");
  std::string tmpl = std::string(dir && *dir ? dir : "/tmp") + "/pcapscope-XXXXXX";
  std::vector<char> name(tmpl.begin(), tmpl.end());
  name.push_back('\0');
  int fd = ::mkstemp(name.data());
  if (fd >= 0) ::unlink(name.data());  // removed when closed
  return fd;
}

}  // namespace

capture_file::~capture_file() {
  if (fd_ >= 0) ::close(fd_);
  if (tmp_fd_ >= 0) ::close(tmp_fd_);
}

std::unique_ptr<capture_file> capture_file::open(const std::string& path, std::string& error,
                                                 file_options opts) {
  int fd = path == "-" ? ::dup(0) : ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    error = path + ": cannot open: " + std::strerror(errno);
    return nullptr;
  }
  struct stat st{};
  if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    ::close(fd);
    error = path + ": is a directory";
    return nullptr;
  }
  std::unique_ptr<capture_file> f(new capture_file());
  f->fd_ = fd;
  f->path_ = path;
  f->size_ = S_ISREG(st.st_mode) ? static_cast<std::uint64_t>(st.st_size) : 0;
  if (opts.chunk_size == 0) opts.chunk_size = 1u << 20;
  f->opts_ = std::move(opts);
  f->reader_ = std::make_unique<reader>(nullptr, f->opts_.limits);  // replaced by read_all
  return f;
}

status capture_file::read_all(handler* h) {
  reader_ = std::make_unique<reader>(h, opts_.limits);
  std::vector<std::uint8_t> in(opts_.chunk_size);
  progress prog;
  prog.total = size_;
  status st;

  // Peek at the first bytes to decide between plain and gzip input.
  ssize_t n = read_some(fd_, in.data(), in.size());
  if (n < 0) {
    st.ok = false;
    st.message = path_ + ": read error: " + std::strerror(errno);
    return st;
  }
  gzip_ = n >= 2 && in[0] == 0x1f && in[1] == 0x8b;

  if (!gzip_) {
    while (n > 0) {
      prog.bytes_read += static_cast<std::uint64_t>(n);
      bool ok = reader_->feed(util::bytes(in.data(), static_cast<std::size_t>(n))).ok;
      prog.packets = reader_->info().packets;
      if (opts_.on_progress) opts_.on_progress(prog);
      if (!ok) {  // reading stopped: the rest of the file is counted, not read
        if (size_ > prog.bytes_read) reader_->note_unread(size_ - prog.bytes_read);
        n = 0;
        break;
      }
      n = read_some(fd_, in.data(), in.size());
    }
    if (n < 0) {
      st.ok = false;
      st.message = path_ + ": read error at offset " + std::to_string(prog.bytes_read) + ": " +
                   std::strerror(errno);
    }
    auto fin = reader_->finish();
    if (st.ok && !fin.ok) st = fin;
    return st;
  }

  // gzip: inflate while streaming (concatenated members too); optionally keep the
  // decompressed bytes in an unlinked temporary file so records can be re-read by offset.
  if (opts_.keep_decompressed) {
    tmp_fd_ = make_temp_file();
    if (tmp_fd_ < 0) {
      st.ok = false;
      st.message = std::string("cannot create a temporary file for decompressed data: ") + std::strerror(errno);
      return st;
    }
  }
  z_stream z{};
  if (inflateInit2(&z, 15 + 16) != Z_OK) {
    st.ok = false;
    st.message = "zlib initialisation failed";
    return st;
  }
  std::vector<std::uint8_t> out(opts_.chunk_size);
  bool done = false;
  std::uint64_t produced = 0;
  while (n > 0 && !done) {
    prog.bytes_read += static_cast<std::uint64_t>(n);
    z.next_in = in.data();
    z.avail_in = static_cast<uInt>(n);
    while (z.avail_in > 0) {
      z.next_out = out.data();
      z.avail_out = static_cast<uInt>(out.size());
      int rc = inflate(&z, Z_NO_FLUSH);
      std::size_t got = out.size() - z.avail_out;
      if (got) {
        if (!reader_->feed(util::bytes(out.data(), got)).ok) done = true;
        if (tmp_fd_ >= 0 && !write_all(tmp_fd_, out.data(), got)) {
          st.ok = false;
          st.message = std::string("cannot write decompressed data to a temporary file: ") + std::strerror(errno);
        }
        produced += got;
      }
      if (done) break;
      if (rc == Z_STREAM_END) {
        // Another gzip member may follow.
        if (z.avail_in > 0) {
          inflateReset(&z);
          continue;
        }
        break;
      }
      if (rc != Z_OK && rc != Z_BUF_ERROR) {
        st.ok = false;
        st.message = path_ + ": corrupt gzip data after " + std::to_string(produced) +
                     " decompressed bytes (" + (z.msg ? z.msg : "inflate error") + ")";
        done = true;
        break;
      }
      if (rc == Z_BUF_ERROR && got == 0) break;
    }
    prog.packets = reader_->info().packets;
    if (opts_.on_progress) opts_.on_progress(prog);
    if (!done) n = read_some(fd_, in.data(), in.size());
  }
  inflateEnd(&z);
  auto fin = reader_->finish();
  if (st.ok && !fin.ok) st = fin;
  return st;
}

std::size_t capture_file::read(std::uint64_t offset, std::span<std::uint8_t> out) {
  int fd = gzip_ ? tmp_fd_ : fd_;
  if (fd < 0) return 0;
  std::size_t total = 0;
  while (total < out.size()) {
    ssize_t r = ::pread(fd, out.data() + total, out.size() - total,
                        static_cast<off_t>(offset + total));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    total += static_cast<std::size_t>(r);
  }
  return total;
}

}  // namespace pcapscope::capture
