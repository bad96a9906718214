// Writers for classic pcap (µs or ns) and pcapng (SHB, one IDB per interface, EPB with comments).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "pcapscope/capture/types.hpp"
#include "pcapscope/util/bytes.hpp"

namespace pcapscope::writer {

/// Where writers put bytes. Implementations: a vector (memory), a file (CLI), JS chunks (wasm).
class sink {
 public:
  virtual ~sink() = default;
  /// Appends bytes; returns false on failure (the writer then reports failure too).
  virtual bool write(util::bytes b) = 0;
};

/// A sink that appends to a byte vector.
class vector_sink final : public sink {
 public:
  bool write(util::bytes b) override {
    out.insert(out.end(), b.begin(), b.end());
    return true;
  }
  std::vector<std::uint8_t> out;  ///< everything written
};

/// A packet to write: time, lengths, bytes, interface and optional comments.
struct packet {
  std::int64_t ts_ns = 0;        ///< nanoseconds since the epoch
  std::uint32_t origlen = 0;     ///< original length (>= data.size(); 0 means data.size())
  std::uint32_t interface = 0;   ///< interface index (pcapng); ignored by the pcap writer
  util::bytes data;              ///< captured bytes
  std::vector<std::string_view> comments;  ///< opt_comment values (pcapng only)
  std::uint32_t epb_flags = 0;   ///< written when non-zero (pcapng only)
};

/// Writes classic pcap in host byte order.
class pcap_writer {
 public:
  /// Writes the file header. `nanosecond` selects the a1b23c4d magic.
  pcap_writer(sink& out, std::uint32_t link_type, bool nanosecond = false,
              std::uint32_t snaplen = 262144);
  /// Appends one record; timestamps are truncated to the file's precision.
  bool write(const packet& p);
  /// False once any write failed.
  bool ok() const noexcept { return ok_; }

 private:
  sink& out_;
  bool nano_;
  bool ok_ = true;
};

/// Description of one pcapng interface to write.
struct interface_desc {
  std::uint16_t link_type = 1;
  std::uint32_t snaplen = 0;
  std::uint8_t tsresol = 9;      ///< decimal exponent (6 = µs, 9 = ns)
  std::string name;              ///< if_name (omitted when empty)
  std::string description;       ///< if_description
  std::int32_t fcs_len_bits = -1;  ///< if_fcslen (omitted when < 0)
};

/// Writes pcapng in host byte order: one section, interfaces declared up front or on the fly.
class pcapng_writer {
 public:
  /// Writes the SHB with optional shb_userappl and comments.
  explicit pcapng_writer(sink& out, std::string_view user_application = "pcapscope",
                         const std::vector<std::string>& comments = {});
  /// Declares an interface (IDB); returns its index.
  std::uint32_t add_interface(const interface_desc& d);
  /// Appends an EPB for `p.interface` (which must have been declared).
  bool write(const packet& p);
  /// False once any write failed.
  bool ok() const noexcept { return ok_; }

 private:
  sink& out_;
  std::vector<interface_desc> ifaces_;
  std::vector<std::uint8_t> buf_;
  bool ok_ = true;
};

/// Converts a read record to a packet for writing (comments are read from its options into
/// `storage`, which must outlive the packet).
packet packet_from_record(const capture::record& r, std::vector<std::string>& storage);

}  // namespace pcapscope::writer
