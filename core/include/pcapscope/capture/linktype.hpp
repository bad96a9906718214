// Names of LINKTYPE_* values, as tcpdump.org lists them and as capinfos prints encapsulations.
#pragma once

#include <cstdint>
#include <string_view>

namespace pcapscope::capture {

/// LINKTYPE_ name without the prefix ("ETHERNET", "LINUX_SLL", …); empty when unknown.
std::string_view linktype_name(std::uint32_t link_type) noexcept;

/// Description of a link type ("Ethernet", "Linux cooked-mode capture v1", …); empty when unknown.
std::string_view linktype_description(std::uint32_t link_type) noexcept;

}  // namespace pcapscope::capture
