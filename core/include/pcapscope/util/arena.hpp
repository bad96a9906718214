// Append-only storage for logs that grow with the capture: text in fixed chunks addressed by
// small references, and records in fixed-size blocks. Nothing ever moves, so growing never
// copies what is stored (a doubling vector briefly holds old and new copies: 1.5-2x its size at
// the peak) and references stay valid.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

namespace pcapscope::util {

/// Where a text is in a `text_arena` (12 bytes; the empty text is all zeros).
struct text_ref {
  std::uint32_t chunk = 0;   ///< chunk index
  std::uint32_t offset = 0;  ///< byte offset in the chunk
  std::uint32_t length = 0;  ///< bytes
};

/// Texts stored one after another in 1 MiB chunks (a longer text gets a chunk of its own).
class text_arena {
 public:
  static constexpr std::size_t chunk_size = std::size_t{1} << 20;  ///< bytes of a chunk

  /// Stores `s` and returns where it is.
  text_ref add(std::string_view s) {
    text_ref r;
    if (s.empty()) return r;
    r.length = static_cast<std::uint32_t>(s.size());
    if (s.size() > chunk_size) {  // a chunk of its own; the current chunk stays current
      chunks_.emplace_back(new char[s.size()]);
      bytes_ += s.size();
      std::memcpy(chunks_.back().get(), s.data(), s.size());
      r.chunk = static_cast<std::uint32_t>(chunks_.size() - 1);
      return r;
    }
    if (chunk_size - used_ < s.size()) {
      chunks_.emplace_back(new char[chunk_size]);  // not zeroed: pages are touched as filled
      bytes_ += chunk_size;
      current_ = chunks_.size() - 1;
      used_ = 0;
    }
    r.chunk = static_cast<std::uint32_t>(current_);
    r.offset = static_cast<std::uint32_t>(used_);
    std::memcpy(chunks_[current_].get() + used_, s.data(), s.size());
    used_ += s.size();
    return r;
  }

  /// The text at `r`.
  std::string_view get(text_ref r) const noexcept {
    if (r.length == 0) return {};
    return {chunks_[r.chunk].get() + r.offset, r.length};
  }

  /// Bytes allocated.
  std::size_t memory() const noexcept { return bytes_ + chunks_.capacity() * sizeof(chunks_[0]); }

 private:
  std::vector<std::unique_ptr<char[]>> chunks_;
  std::size_t current_ = 0;  // the chunk being filled
  std::size_t used_ = chunk_size;  // bytes used in it (none yet: full)
  std::size_t bytes_ = 0;  // bytes allocated for chunks
};

/// A growing sequence of `T` in blocks of `block` elements: appending never moves elements.
template <class T, std::size_t block = 1024>
class block_vector {
 public:
  /// Appends a default value and returns it.
  T& emplace_back() {
    if (size_ % block == 0) blocks_.push_back(std::make_unique<T[]>(block));
    return blocks_.back()[size_++ % block];
  }
  /// Appends `v`.
  void push_back(const T& v) { emplace_back() = v; }
  /// Element `i`.
  T& operator[](std::size_t i) noexcept { return blocks_[i / block][i % block]; }
  /// Element `i`.
  const T& operator[](std::size_t i) const noexcept { return blocks_[i / block][i % block]; }
  /// Elements.
  std::size_t size() const noexcept { return size_; }
  /// True without elements.
  bool empty() const noexcept { return size_ == 0; }
  /// Bytes allocated.
  std::size_t memory() const noexcept { return blocks_.size() * block * sizeof(T) + blocks_.capacity() * sizeof(blocks_[0]); }

 private:
  std::vector<std::unique_ptr<T[]>> blocks_;
  std::size_t size_ = 0;
};

}  // namespace pcapscope::util
