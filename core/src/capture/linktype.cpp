// LINKTYPE_* names and descriptions (from the tcpdump.org link-layer header types registry).
#include "pcapscope/capture/linktype.hpp"

#include <algorithm>
#include <iterator>

namespace pcapscope::capture {

namespace {

struct linktype_entry {
  std::uint32_t value;
  std::string_view name;
  std::string_view description;
};

// Sorted by value for binary search.
constexpr linktype_entry kLinktypes[] = {
    {0, "NULL", "BSD loopback"},
    {1, "ETHERNET", "Ethernet"},
    {3, "AX25", "AX.25"},
    {6, "IEEE802_5", "Token Ring"},
    {7, "ARCNET_BSD", "ARCNET (BSD)"},
    {8, "SLIP", "SLIP"},
    {9, "PPP", "PPP"},
    {10, "FDDI", "FDDI"},
    {12, "RAW", "Raw IP (OpenBSD value)"},
    {14, "RAW", "Raw IP (BSD/OS value)"},
    {50, "PPP_HDLC", "PPP in HDLC-like framing"},
    {51, "PPP_ETHER", "PPPoE"},
    {100, "ATM_RFC1483", "RFC 1483 LLC/SNAP-encapsulated ATM"},
    {101, "RAW", "Raw IP"},
    {104, "C_HDLC", "Cisco HDLC"},
    {105, "IEEE802_11", "IEEE 802.11"},
    {107, "FRELAY", "Frame Relay"},
    {108, "LOOP", "OpenBSD loopback"},
    {113, "LINUX_SLL", "Linux cooked-mode capture v1"},
    {114, "LTALK", "Apple LocalTalk"},
    {117, "PFLOG", "OpenBSD pflog"},
    {119, "IEEE802_11_PRISM", "IEEE 802.11 with Prism header"},
    {122, "IP_OVER_FC", "IP over Fibre Channel"},
    {123, "SUNATM", "SunATM"},
    {127, "IEEE802_11_RADIOTAP", "IEEE 802.11 with radiotap header"},
    {129, "ARCNET_LINUX", "ARCNET (Linux)"},
    {138, "APPLE_IP_OVER_IEEE1394", "Apple IP over IEEE 1394"},
    {139, "MTP2_WITH_PHDR", "MTP2 with pseudo-header"},
    {140, "MTP2", "MTP2"},
    {141, "MTP3", "MTP3"},
    {142, "SCCP", "SCCP"},
    {143, "DOCSIS", "DOCSIS"},
    {144, "LINUX_IRDA", "Linux IrDA"},
    {147, "USER0", "User-defined 0"},
    {148, "USER1", "User-defined 1"},
    {149, "USER2", "User-defined 2"},
    {150, "USER3", "User-defined 3"},
    {151, "USER4", "User-defined 4"},
    {152, "USER5", "User-defined 5"},
    {153, "USER6", "User-defined 6"},
    {154, "USER7", "User-defined 7"},
    {155, "USER8", "User-defined 8"},
    {156, "USER9", "User-defined 9"},
    {157, "USER10", "User-defined 10"},
    {158, "USER11", "User-defined 11"},
    {159, "USER12", "User-defined 12"},
    {160, "USER13", "User-defined 13"},
    {161, "USER14", "User-defined 14"},
    {162, "USER15", "User-defined 15"},
    {163, "IEEE802_11_AVS", "IEEE 802.11 with AVS header"},
    {165, "BACNET_MS_TP", "BACnet MS/TP"},
    {166, "PPP_PPPD", "PPP (pppd)"},
    {169, "GPRS_LLC", "GPRS LLC"},
    {170, "GPF_T", "GPF-T"},
    {171, "GPF_F", "GPF-F"},
    {177, "LINUX_LAPD", "Linux LAPD"},
    {182, "MFR", "Multi-link Frame Relay"},
    {187, "BLUETOOTH_HCI_H4", "Bluetooth HCI UART"},
    {189, "USB_LINUX", "Linux USB"},
    {192, "PPI", "Per-Packet Information"},
    {195, "IEEE802_15_4_WITHFCS", "IEEE 802.15.4 with FCS"},
    {196, "SITA", "SITA"},
    {197, "ERF", "Endace ERF"},
    {201, "BLUETOOTH_HCI_H4_WITH_PHDR", "Bluetooth HCI UART with direction"},
    {202, "AX25_KISS", "AX.25 KISS"},
    {203, "LAPD", "LAPD"},
    {204, "PPP_WITH_DIR", "PPP with direction"},
    {205, "C_HDLC_WITH_DIR", "Cisco HDLC with direction"},
    {206, "FRELAY_WITH_DIR", "Frame Relay with direction"},
    {207, "LAPB_WITH_DIR", "LAPB with direction"},
    {209, "IPMB_LINUX", "IPMB (Linux)"},
    {210, "FLEXRAY", "FlexRay"},
    {212, "LIN", "LIN"},
    {215, "IEEE802_15_4_NONASK_PHY", "IEEE 802.15.4 with PHY"},
    {220, "USB_LINUX_MMAPPED", "Linux USB (memory-mapped)"},
    {224, "FC_2", "Fibre Channel FC-2"},
    {225, "FC_2_WITH_FRAME_DELIMS", "Fibre Channel FC-2 with frame delimiters"},
    {226, "IPNET", "Solaris ipnet"},
    {227, "CAN_SOCKETCAN", "SocketCAN"},
    {228, "IPV4", "Raw IPv4"},
    {229, "IPV6", "Raw IPv6"},
    {230, "IEEE802_15_4_NOFCS", "IEEE 802.15.4 without FCS"},
    {231, "DBUS", "D-Bus"},
    {235, "DVB_CI", "DVB-CI"},
    {236, "MUX27010", "MUX27010"},
    {237, "STANAG_5066_D_PDU", "STANAG 5066 D_PDU"},
    {239, "NFLOG", "Linux netfilter log"},
    {240, "NETANALYZER", "Hilscher netANALYZER"},
    {241, "NETANALYZER_TRANSPARENT", "Hilscher netANALYZER transparent"},
    {242, "IPOIB", "IP over InfiniBand"},
    {243, "MPEG_2_TS", "MPEG-2 transport stream"},
    {244, "NG40", "ng40"},
    {245, "NFC_LLCP", "NFC LLCP"},
    {247, "INFINIBAND", "InfiniBand"},
    {248, "SCTP", "SCTP"},
    {249, "USBPCAP", "USBPcap"},
    {250, "RTAC_SERIAL", "RTAC serial"},
    {251, "BLUETOOTH_LE_LL", "Bluetooth LE link layer"},
    {253, "NETLINK", "Linux netlink"},
    {254, "BLUETOOTH_LINUX_MONITOR", "Bluetooth Linux monitor"},
    {255, "BLUETOOTH_BREDR_BB", "Bluetooth BR/EDR baseband"},
    {256, "BLUETOOTH_LE_LL_WITH_PHDR", "Bluetooth LE link layer with pseudo-header"},
    {257, "PROFIBUS_DL", "PROFIBUS data link"},
    {258, "PKTAP", "Apple PKTAP"},
    {259, "EPON", "Ethernet passive optical network"},
    {260, "IPMI_HPM_2", "IPMI HPM.2"},
    {261, "ZWAVE_R1_R2", "Z-Wave R1/R2"},
    {262, "ZWAVE_R3", "Z-Wave R3"},
    {263, "WATTSTOPPER_DLM", "WattStopper DLM"},
    {264, "ISO_14443", "ISO 14443"},
    {265, "RDS", "Radio data system"},
    {266, "USB_DARWIN", "USB (Darwin)"},
    {268, "SDLC", "SDLC"},
    {270, "LORATAP", "LoRaTap"},
    {271, "VSOCK", "Linux vsock"},
    {272, "NORDIC_BLE", "Nordic BLE sniffer"},
    {273, "DOCSIS31_XRA31", "DOCSIS 3.1 XRA31"},
    {274, "ETHERNET_MPACKET", "Ethernet mPackets"},
    {275, "DISPLAYPORT_AUX", "DisplayPort AUX"},
    {276, "LINUX_SLL2", "Linux cooked-mode capture v2"},
    {278, "OPENVIZSLA", "OpenVizsla"},
    {279, "EBHSCR", "EBHSCR"},
    {280, "VPP_DISPATCH", "VPP graph dispatch"},
    {281, "DSA_TAG_BRCM", "Broadcom DSA tag"},
    {282, "DSA_TAG_BRCM_PREPEND", "Broadcom DSA tag (prepended)"},
    {283, "IEEE802_15_4_TAP", "IEEE 802.15.4 TAP"},
    {284, "DSA_TAG_DSA", "Marvell DSA tag"},
    {285, "DSA_TAG_EDSA", "Marvell EDSA tag"},
    {286, "ELEE", "ELEE lawful intercept"},
    {287, "Z_WAVE_SERIAL", "Z-Wave serial"},
    {288, "USB_2_0", "USB 2.0"},
    {289, "ATSC_ALP", "ATSC ALP"},
    {290, "ETW", "Event Tracing for Windows"},
    {292, "ZBOSS_NCP", "ZBOSS NCP"},
    {293, "USB_2_0_LOW_SPEED", "USB 2.0 low speed"},
    {294, "USB_2_0_FULL_SPEED", "USB 2.0 full speed"},
    {295, "USB_2_0_HIGH_SPEED", "USB 2.0 high speed"},
    {296, "AUERSWALD_LOG", "Auerswald log"},
    {297, "ZWAVE_TAP", "Z-Wave TAP"},
    {298, "SILABS_DEBUG_CHANNEL", "Silicon Labs debug channel"},
    {299, "FIRA_UCI", "FiRa UCI"},
    {300, "MDB", "MDB"},
    {301, "DECT_NR", "DECT NR+"},
};

const linktype_entry* find(std::uint32_t v) {
  auto it = std::lower_bound(std::begin(kLinktypes), std::end(kLinktypes), v,
                             [](const linktype_entry& e, std::uint32_t x) { return e.value < x; });
  return it != std::end(kLinktypes) && it->value == v ? it : nullptr;
}

}  // namespace

std::string_view linktype_name(std::uint32_t link_type) noexcept {
  const auto* e = find(link_type);
  return e ? e->name : std::string_view{};
}

std::string_view linktype_description(std::uint32_t link_type) noexcept {
  const auto* e = find(link_type);
  return e ? e->description : std::string_view{};
}

}  // namespace pcapscope::capture
