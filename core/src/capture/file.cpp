// Native input: plain or gzip-compressed capture files streamed through the push reader.
#include "pcapscope/capture/file.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>
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

// Mapped input. A file that shrinks while a window of it is mapped (truncated by another
// process) turns reads of the vanished pages into SIGBUS. The handler below replaces such a page
// with one of 0xFF bytes (no valid pcap record length nor pcapng block, so the reader stops
// there with an error) and marks the window; read_mapped then reports it. Faults outside the
// registered windows go to the disposition the handler replaced.
constexpr std::size_t map_step = std::size_t{64} << 10;  // fed at a time

struct guarded_window {
  std::atomic<std::uintptr_t> begin{0}, end{0};
  std::atomic<std::uintptr_t> hit{0};  // first vanished address, 0: none
};
constexpr int max_guarded = 64;
guarded_window g_guarded[max_guarded];
struct sigaction g_previous_sigbus {};
std::uintptr_t g_page_size = 4096;
std::once_flag g_sigbus_once;

void on_sigbus(int sig, siginfo_t* info, void* ctx) {
  const auto a = reinterpret_cast<std::uintptr_t>(info->si_addr);
  for (auto& w : g_guarded) {
    const std::uintptr_t b = w.begin.load(std::memory_order_acquire);  // 0: slot free or being set
    if (b == 0 || a < b || a >= w.end.load(std::memory_order_acquire)) continue;
    const std::uintptr_t page = g_page_size;
    void* at = reinterpret_cast<void*>(a & ~(page - 1));
    void* m = ::mmap(at, page, PROT_READ | PROT_WRITE, MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) break;
    std::memset(m, 0xFF, page);
    std::uintptr_t none = 0;
    w.hit.compare_exchange_strong(none, a, std::memory_order_acq_rel);
    return;  // the faulting read is retried and sees 0xFF bytes
  }
  const struct sigaction& prev = g_previous_sigbus;
  if ((prev.sa_flags & SA_SIGINFO) && prev.sa_sigaction) {
    prev.sa_sigaction(sig, info, ctx);
  } else if (prev.sa_handler != SIG_DFL && prev.sa_handler != SIG_IGN) {
    prev.sa_handler(sig);
  } else if (prev.sa_handler == SIG_IGN && info->si_code <= 0) {
    // sent by a process (kill, raise) and ignored before: still ignored
  } else {
    ::signal(sig, SIG_DFL);  // the default action, as without this handler
    ::raise(sig);
  }
}

// Registers [p, p + n) for on_sigbus for its lifetime; `ok` is false when all slots are taken
// (the caller then reads with read()).
class sigbus_guard {
 public:
  sigbus_guard(const std::uint8_t* p, std::size_t n) noexcept {
    std::call_once(g_sigbus_once, [] {
      if (const long ps = ::sysconf(_SC_PAGESIZE); ps > 0) g_page_size = static_cast<std::uintptr_t>(ps);
      struct sigaction sa {};
      sa.sa_sigaction = on_sigbus;
      sa.sa_flags = SA_SIGINFO | SA_NODEFER;
      sigemptyset(&sa.sa_mask);
      ::sigaction(SIGBUS, &sa, &g_previous_sigbus);
    });
    for (auto& w : g_guarded) {
      std::uintptr_t free_slot = 0;
      if (w.end.load(std::memory_order_relaxed) != 0) continue;
      // Claim the slot by its end, then publish the begin.
      if (!w.end.compare_exchange_strong(free_slot, reinterpret_cast<std::uintptr_t>(p) + n)) continue;
      w.hit.store(0, std::memory_order_relaxed);
      w.begin.store(reinterpret_cast<std::uintptr_t>(p), std::memory_order_release);
      slot_ = &w;
      return;
    }
  }
  ~sigbus_guard() {
    if (!slot_) return;
    slot_->begin.store(0, std::memory_order_release);
    slot_->end.store(0, std::memory_order_release);
  }
  sigbus_guard(const sigbus_guard&) = delete;
  sigbus_guard& operator=(const sigbus_guard&) = delete;
  bool ok() const noexcept { return slot_ != nullptr; }
  // The first address that vanished (0: none).
  std::uintptr_t hit() const noexcept { return slot_ ? slot_->hit.load(std::memory_order_acquire) : 0; }

 private:
  guarded_window* slot_ = nullptr;
};

bool mapping_disabled() {
  const char* v = std::getenv("PCAPSCOPE_NO_MMAP");
  return v && *v && std::strcmp(v, "0") != 0;
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
  mapped_ = false;
  status st;
  if (opts_.map_input && size_ > 0 && path_ != "-" && !mapping_disabled()) {
    std::uint8_t magic[2] = {};
    if (::pread(fd_, magic, 2, 0) == 2 && !(magic[0] == 0x1f && magic[1] == 0x8b) && read_mapped(st)) return st;
  }
  std::vector<std::uint8_t> in(opts_.chunk_size);
  progress prog;
  prog.total = size_;

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

bool capture_file::read_mapped(status& st) {
  progress prog;
  prog.total = size_;
  const long ps = ::sysconf(_SC_PAGESIZE);
  const std::uint64_t page = ps > 0 ? static_cast<std::uint64_t>(ps) : 4096;
  const std::uint64_t window = std::max<std::uint64_t>(page, (opts_.map_window + page - 1) / page * page);
  std::uint64_t off = 0, next_report = opts_.chunk_size;
  bool stopped = false;
  for (;;) {
    // The size is taken again at each window: a file that grows while it is read is read to
    // its new end, as read() would.
    struct stat sb {};
    if (::fstat(fd_, &sb) != 0) {
      if (off == 0) return false;  // nothing fed yet: read() does it all
      st.ok = false;
      st.message = path_ + ": cannot stat the file at offset " + std::to_string(off) + ": " + std::strerror(errno);
      break;
    }
    const auto size = static_cast<std::uint64_t>(sb.st_size);
    if (off >= size) break;
    // Mappings start at a page boundary; `off` is one except after the file grew.
    const std::uint64_t base = off / page * page;
    const auto len = static_cast<std::size_t>(std::min<std::uint64_t>(window, size - base));
    const std::size_t skip = static_cast<std::size_t>(off - base);
    void* m = ::mmap(nullptr, len, PROT_READ, MAP_PRIVATE, fd_, static_cast<off_t>(base));
    if (m == MAP_FAILED) {
      if (off == 0) return false;  // nothing fed yet: read() does it all
      st.ok = false;
      st.message = path_ + ": cannot map bytes at offset " + std::to_string(off) + ": " + std::strerror(errno);
      break;
    }
    const auto* d = static_cast<const std::uint8_t*>(m);
    {
      sigbus_guard guard(d, len);
      if (!guard.ok()) {
        ::munmap(m, len);
        if (off == 0) return false;
        st.ok = false;
        st.message = path_ + ": too many files mapped at once (offset " + std::to_string(off) + ")";
        break;
      }
      ::madvise(m, len, MADV_SEQUENTIAL);
      mapped_ = true;
      for (std::size_t o = skip; o < len && !stopped; o += map_step) {
        const std::size_t n = std::min(map_step, len - o);
        // The reader prefetches the bytes ahead of each record up to the end of the step; the
        // first bytes of the next step are asked for here, so its first records do not wait
        // on memory either.
        for (std::size_t q = o + n, e = std::min(len, o + n + capture::reader_prefetch_ahead); q < e; q += 64) {
          __builtin_prefetch(d + q);
        }
        const bool ok = reader_->feed(util::bytes(d + o, n)).ok;
        prog.bytes_read = base + o + n;
        if (guard.hit()) {
          struct stat now {};
          const bool known = ::fstat(fd_, &now) == 0;
          st.ok = false;
          st.message = path_ + ": the file shrank while it was being read" +
                       (known ? " (to " + std::to_string(now.st_size) + " bytes)" : std::string()) +
                       ": reading stopped at offset " + std::to_string(prog.bytes_read) +
                       "; records after the new end are not valid";
          stopped = true;
        } else if (!ok) {
          stopped = true;  // reading stopped: the rest of the file is counted, not read
        }
        if (prog.bytes_read >= next_report || stopped || o + n == len) {
          prog.packets = reader_->info().packets;
          if (opts_.on_progress) opts_.on_progress(prog);
          next_report = prog.bytes_read + opts_.chunk_size;
        }
      }
    }
    ::munmap(m, len);
    off = base + len;
    if (stopped) {
      if (st.ok && size > prog.bytes_read) reader_->note_unread(size - prog.bytes_read);
      break;
    }
  }
  auto fin = reader_->finish();
  if (st.ok && !fin.ok) st = fin;
  return true;
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
