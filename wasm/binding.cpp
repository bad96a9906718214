// Embind boundary of the wasm module: one `Session` object with coarse calls. Input bytes are
// copied by JS into a buffer the session owns (HEAPU8.set + feed), results leave as one JSON
// string; errors are returned as status objects, never thrown (the module has no exceptions).
#include <emscripten/bind.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "pcapscope/capture/reader.hpp"
#include "pcapscope/capture/summary.hpp"
#include "pcapscope/capture/types.hpp"

namespace {

using pcapscope::capture::reader;

/// What `feed` and `finish` return to JS: `{ok, message}`.
struct call_status {
  bool ok = true;        ///< false once the reader stopped on a fatal error (or a bad call)
  std::string message;   ///< the error, with its offset; empty when ok
};

call_status from(const pcapscope::capture::status& s) { return {s.ok, s.message}; }

/// One capture being read: a push reader plus the input buffer JS writes chunks into.
class session {
 public:
  /// Returns the address of a session-owned buffer of at least `n` bytes for the next chunk.
  /// May grow the wasm memory: JS must re-read HEAPU8 after this call.
  std::uintptr_t alloc(std::size_t n) {
    if (buffer_.size() < n) buffer_.resize(n);
    return reinterpret_cast<std::uintptr_t>(buffer_.data());
  }

  /// Parses `len` bytes at `ptr`, which must lie in the buffer returned by `alloc`.
  call_status feed(std::uintptr_t ptr, std::size_t len) {
    if (finished_) return {false, "feed() called after finish()"};
    const auto base = reinterpret_cast<std::uintptr_t>(buffer_.data());
    if (ptr < base || ptr - base > buffer_.size() || len > buffer_.size() - (ptr - base)) {
      return {false, "feed() range is outside the session buffer"};
    }
    // The one place a JS-provided address becomes a view; checked against buffer_ above.
    pcapscope::util::bytes chunk{buffer_.data() + (ptr - base), len};
    return from(reader_.feed(chunk));
  }

  /// Ends the input (an incomplete last record becomes an anomaly). Idempotent.
  call_status finish() {
    if (finished_) return {!reader_.failed(), reader_.info().error};
    finished_ = true;
    buffer_ = {};  // no more input: give the memory back
    return from(reader_.finish());
  }

  /// The capture summary as JSON (the same text as `pcapscope info --json`).
  std::string summary_json(const std::string& compression) const {
    return pcapscope::capture::summary_json(reader_.info(), compression);
  }

  /// True once reading stopped on a fatal error.
  bool failed() const { return reader_.failed(); }
  /// The fatal error, with its offset ("" when none).
  std::string error() const { return reader_.info().error; }
  /// Offset of the error that stopped reading, or -1 when reading did not stop.
  double error_offset() const {
    const auto& info = reader_.info();
    return info.fatal ? static_cast<double>(info.error_offset) : -1;
  }
  /// Packets delivered so far (for progress; exact below 2^53).
  double packets() const { return static_cast<double>(reader_.info().packets); }
  /// Input bytes parsed so far.
  double bytes_consumed() const { return static_cast<double>(reader_.info().bytes_consumed); }

 private:
  reader reader_;
  std::vector<std::uint8_t> buffer_;
  bool finished_ = false;
};

}  // namespace

EMSCRIPTEN_BINDINGS(pcapscope) {
  using namespace emscripten;
  value_object<call_status>("CallStatus")
      .field("ok", &call_status::ok)
      .field("message", &call_status::message);
  class_<session>("Session")
      .constructor<>()
      .function("alloc", &session::alloc)
      .function("feed", &session::feed)
      .function("finish", &session::finish)
      .function("summaryJson", &session::summary_json)
      .function("failed", &session::failed)
      .function("error", &session::error)
      .function("errorOffset", &session::error_offset)
      .function("packets", &session::packets)
      .function("bytesConsumed", &session::bytes_consumed);
}
