// The field tree of one packet, built from its layer stack with byte ranges for each field.
#include "pcapscope/dissect/detail.hpp"

#include <algorithm>
#include <cstdio>

#include "pcapscope/capture/linktype.hpp"
#include "pcapscope/capture/types.hpp"
#include "pcapscope/util/json.hpp"

namespace pcapscope::dissect {

namespace {

std::string hex(std::uint32_t v, int width) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%0*x", width, v);
  return buf;
}

std::string num(std::uint64_t v) { return std::to_string(v); }

// Collects nodes; a header cut short by the captured length keeps only the fields whose bytes
// were captured (the protocol node is clamped to what is there).
class tree {
 public:
  tree(std::vector<field_node>& out, std::uint32_t captured) : out_(out), limit_(captured) {}

  void proto(std::string name, std::string label, std::uint32_t off, std::uint32_t len) {
    off = std::min(off, limit_);
    len = std::min(len, limit_ - off);
    out_.push_back({std::move(name), std::move(label), "", off, len, 0});
  }
  void field(std::string name, const char* what, std::string value, std::uint32_t off,
             std::uint32_t len, std::uint16_t depth = 1) {
    if (std::uint64_t{off} + len > limit_) return;
    std::string label = std::string(what) + ": " + value;
    out_.push_back({std::move(name), std::move(label), std::move(value), off, len, depth});
  }
  void field_shown(std::string name, std::string label, std::string value, std::uint32_t off,
                   std::uint32_t len, std::uint16_t depth = 1) {
    if (std::uint64_t{off} + len > limit_) return;
    out_.push_back({std::move(name), std::move(label), std::move(value), off, len, depth});
  }

 private:
  std::vector<field_node>& out_;
  std::uint32_t limit_;
};

const char* ip_proto_name(std::uint8_t p) {
  switch (p) {
    case 1: return "ICMP";
    case 2: return "IGMP";
    case 4: return "IPIP";
    case 6: return "TCP";
    case 17: return "UDP";
    case 41: return "IPv6";
    case 47: return "GRE";
    case 50: return "ESP";
    case 51: return "AH";
    case 58: return "ICMPv6";
    case 132: return "SCTP";
    default: return nullptr;
  }
}

std::string proto_value(std::uint8_t p) {
  const char* n = ip_proto_name(p);
  return n ? std::string(n) + " (" + num(p) + ")" : num(p);
}

// Wireshark's generated "[Stream index: N]" of a TCP/UDP header (not one an ICMP error quotes).
void stream_index(tree& t, const layer& l, const char* name, std::int64_t s, std::uint32_t o) {
  if (s < 0 || (l.flags & layer_quoted)) return;
  std::string v = num(static_cast<std::uint64_t>(s));
  t.field_shown(name, "[Stream index: " + v + "]", v, o, 0);
}

void add_layer(tree& t, const layer& l, const packet& p, util::bytes data, const frame_meta& m) {
  const std::uint32_t o = l.offset;
  switch (l.kind) {
    case proto::eth:
      t.proto("eth", "Ethernet II, Src: " + format_mac(l.eth.src) + ", Dst: " + format_mac(l.eth.dst), o, l.length);
      t.field("eth.dst", "Destination", format_mac(l.eth.dst), o, 6);
      t.field("eth.src", "Source", format_mac(l.eth.src), o + 6, 6);
      if (l.eth.type >= 0x600) t.field("eth.type", "Type", hex(l.eth.type, 4), o + 12, 2);
      else t.field("eth.len", "Length", num(l.eth.type), o + 12, 2);
      break;
    case proto::llc:
      t.proto("llc", "Logical-Link Control", o, l.length);
      t.field("llc.dsap", "DSAP", hex(l.llc.dsap, 2), o, 1);
      t.field("llc.ssap", "SSAP", hex(l.llc.ssap, 2), o + 1, 1);
      t.field("llc.control", "Control field", hex(l.llc.control, 2), o + 2, 1);
      if (l.length == 8) {
        t.field("llc.oui", "Organization Code", hex(l.llc.oui, 6), o + 3, 3);
        t.field("llc.pid", "PID", hex(l.llc.pid, 4), o + 6, 2);
      }
      break;
    case proto::vlan: {
      bool ad = l.vlan.tpid == 0x88a8;
      std::string pfx = ad ? "ieee8021ad" : "vlan";
      t.proto(pfx, std::string(ad ? "IEEE 802.1ad" : "802.1Q Virtual LAN") + ", PRI: " + num(l.vlan.pcp) +
                       ", DEI: " + num(l.vlan.dei) + ", ID: " + num(l.vlan.id), o, 4);
      t.field(pfx + ".priority", "Priority", num(l.vlan.pcp), o, 2);
      t.field(pfx + (ad ? ".dei" : ".dei"), "DEI", num(l.vlan.dei), o, 2);
      t.field(pfx + ".id", "ID", num(l.vlan.id), o, 2);
      t.field(ad ? "ieee8021ad.etype" : "vlan.etype", "Type", hex(l.vlan.etype, 4), o + 2, 2);
      break;
    }
    case proto::mpls:
      t.proto("mpls", "MultiProtocol Label Switching Header, Label: " + num(l.mpls.label) + ", Exp: " +
                          num(l.mpls.exp) + ", S: " + num(l.mpls.bottom) + ", TTL: " + num(l.mpls.ttl), o, 4);
      t.field("mpls.label", "MPLS Label", num(l.mpls.label), o, 3);
      t.field("mpls.exp", "MPLS Experimental Bits", num(l.mpls.exp), o + 2, 1);
      t.field("mpls.bottom", "MPLS Bottom Of Label Stack", num(l.mpls.bottom), o + 2, 1);
      t.field("mpls.ttl", "MPLS TTL", num(l.mpls.ttl), o + 3, 1);
      break;
    case proto::pwach:
      t.proto("pwethcw", "PW Ethernet Control Word", o, 4);
      break;
    case proto::pppoes:
      t.proto("pppoes", "PPP-over-Ethernet Session", o, 6);
      t.field("pppoe.session_id", "Session ID", hex(l.link.session, 4), o + 2, 2);
      break;
    case proto::ppp:
      t.proto("ppp", "Point-to-Point Protocol", o, l.length);
      t.field("ppp.protocol", "Protocol", hex(l.link.protocol, 4), o + l.length - 2, 2);
      break;
    case proto::sll:
    case proto::sll2:
      t.proto("sll", l.kind == proto::sll ? "Linux cooked capture v1" : "Linux cooked capture v2", o, l.length);
      t.field("sll.pkttype", "Packet type", num(l.link.pkttype), l.kind == proto::sll ? o : o + 10,
              l.kind == proto::sll ? 2 : 1);
      t.field("sll.hatype", "Link-layer address type", num(l.link.hatype), l.kind == proto::sll ? o + 2 : o + 8, 2);
      t.field("sll.etype", "Protocol", hex(l.link.protocol, 4), l.kind == proto::sll ? o + 14 : o, 2);
      if (l.kind == proto::sll2) t.field("sll.ifindex", "Interface index", num(l.link.ifindex), o + 4, 4);
      break;
    case proto::null:
      t.proto("null", "Null/Loopback", o, 4);
      t.field("null.family", "Family", num(l.link.protocol), o, 4);
      break;
    case proto::radiotap:
      t.proto("radiotap", "Radiotap Header", o, l.length);
      t.field("radiotap.length", "Header length", num(l.length), o + 2, 2);
      break;
    case proto::wlan:
      t.proto("wlan", "IEEE 802.11", o, l.length);
      t.field("wlan.fc", "Frame Control Field", hex(static_cast<std::uint16_t>((l.link.wlan_fc << 8) | (l.link.wlan_fc >> 8)), 4), o, 2);
      if (l.length >= 24) {
        t.field("wlan.da", "Destination address", format_mac(l.link.wlan_da), o + 4, 6);
        t.field("wlan.sa", "Source address", format_mac(l.link.wlan_sa), o + 10, 6);
        t.field("wlan.bssid", "BSS Id", format_mac(l.link.wlan_bssid), o + 16, 6);
      }
      break;
    case proto::arp: {
      const auto& a = l.arp;
      t.proto("arp", std::string("Address Resolution Protocol (") +
                         (a.opcode == 1 ? "request" : a.opcode == 2 ? "reply" : "opcode " + num(a.opcode)) + ")",
              o, l.length);
      t.field("arp.hw.type", "Hardware type", num(a.htype), o, 2);
      t.field("arp.proto.type", "Protocol type", hex(a.ptype, 4), o + 2, 2);
      t.field("arp.hw.size", "Hardware size", num(a.hlen), o + 4, 1);
      t.field("arp.proto.size", "Protocol size", num(a.plen), o + 5, 1);
      t.field("arp.opcode", "Opcode", num(a.opcode), o + 6, 2);
      if (l.length >= 28 && a.hlen == 6 && a.plen == 4) {
        t.field("arp.src.hw_mac", "Sender MAC address", format_mac(a.sha), o + 8, 6);
        t.field("arp.src.proto_ipv4", "Sender IP address", format_ipv4(a.spa), o + 14, 4);
        t.field("arp.dst.hw_mac", "Target MAC address", format_mac(a.tha), o + 18, 6);
        t.field("arp.dst.proto_ipv4", "Target IP address", format_ipv4(a.tpa), o + 24, 4);
      }
      break;
    }
    case proto::ip: {
      const auto& f = l.ip;
      t.proto("ip", "Internet Protocol Version 4, Src: " + format_ipv4(f.src) + ", Dst: " + format_ipv4(f.dst), o, l.length);
      t.field("ip.version", "Version", "4", o, 1);
      t.field_shown("ip.hdr_len", "Header Length: " + num(f.hdr_len) + " bytes (" + num(f.hdr_len / 4u) + ")",
                    num(f.hdr_len), o, 1);
      t.field("ip.dsfield", "Differentiated Services Field", hex(f.dsfield, 2), o + 1, 1);
      t.field("ip.len", "Total Length", num(f.total_len), o + 2, 2);
      t.field("ip.id", "Identification", hex(f.id, 4) + " (" + num(f.id) + ")", o + 4, 2);
      t.field("ip.flags", "Flags", hex(f.flags, 2), o + 6, 1);
      t.field("ip.flags.df", "Don't fragment", (f.flags & 2) ? "Set" : "Not set", o + 6, 1, 2);
      t.field("ip.flags.mf", "More fragments", (f.flags & 1) ? "Set" : "Not set", o + 6, 1, 2);
      t.field("ip.frag_offset", "Fragment Offset", num(f.frag_offset * 8u), o + 6, 2);
      t.field("ip.ttl", "Time to Live", num(f.ttl), o + 8, 1);
      t.field("ip.proto", "Protocol", proto_value(f.proto), o + 9, 1);
      t.field("ip.checksum", "Header Checksum", hex(f.checksum, 4) + (ipv4_checksum_ok(l, data) ? " [correct]" : " [incorrect]"), o + 10, 2);
      t.field("ip.src", "Source Address", format_ipv4(f.src), o + 12, 4);
      t.field("ip.dst", "Destination Address", format_ipv4(f.dst), o + 16, 4);
      if (l.length > 20) t.field("ip.options", "Options", num(l.length - 20u) + " bytes", o + 20, l.length - 20u);
      break;
    }
    case proto::ipv6: {
      const auto& f = l.ipv6;
      t.proto("ipv6", "Internet Protocol Version 6, Src: " + format_ipv6(f.src) + ", Dst: " + format_ipv6(f.dst), o, 40);
      t.field("ipv6.version", "Version", "6", o, 1);
      t.field("ipv6.tclass", "Traffic Class", hex(f.tclass, 2), o, 2);
      t.field("ipv6.flow", "Flow Label", hex(f.flow, 5), o + 1, 3);
      t.field("ipv6.plen", "Payload Length", num(f.plen), o + 4, 2);
      t.field("ipv6.nxt", "Next Header", proto_value(f.nxt), o + 6, 1);
      t.field("ipv6.hlim", "Hop Limit", num(f.hlim), o + 7, 1);
      t.field("ipv6.src", "Source Address", format_ipv6(f.src), o + 8, 16);
      t.field("ipv6.dst", "Destination Address", format_ipv6(f.dst), o + 24, 16);
      break;
    }
    case proto::ipv6_ext: {
      const auto& e = l.ipv6_ext;
      const char* n = e.type == 0 ? "IPv6 Hop-by-Hop Option" : e.type == 43 ? "Routing Header for IPv6"
                    : e.type == 44 ? "Fragment Header for IPv6" : e.type == 60 ? "Destination Options for IPv6"
                    : "IPv6 Extension Header";
      t.field_shown("ipv6.ext", n, num(e.type), o, l.length, 1);
      t.field("ipv6.nxt", "Next Header", proto_value(e.nxt), o, 1, 2);
      if (e.type == 44) {
        t.field("ipv6.fragment.offset", "Offset", num(e.frag_offset), o + 2, 2, 2);
        t.field("ipv6.fragment.more", "More Fragments", e.more_fragments ? "Yes" : "No", o + 3, 1, 2);
        t.field("ipv6.fragment.id", "Identification", hex(e.frag_id, 8), o + 4, 4, 2);
      }
      break;
    }
    case proto::icmp:
    case proto::icmpv6: {
      bool v6 = l.kind == proto::icmpv6;
      std::string pf = v6 ? "icmpv6" : "icmp";
      t.proto(pf, v6 ? "Internet Control Message Protocol v6" : "Internet Control Message Protocol", o, l.length);
      t.field(pf + ".type", "Type", num(l.icmp.type), o, 1);
      t.field(pf + ".code", "Code", num(l.icmp.code), o + 1, 1);
      t.field(pf + ".checksum", "Checksum", hex(l.icmp.checksum, 4), o + 2, 2);
      bool echo = v6 ? (l.icmp.type == 128 || l.icmp.type == 129) : (l.icmp.type == 0 || l.icmp.type == 8);
      if (echo && l.length >= 8) {
        t.field(pf + (v6 ? ".echo.identifier" : ".ident"), "Identifier", num(l.icmp.id) + " (" + hex(l.icmp.id, 4) + ")", o + 4, 2);
        t.field(pf + (v6 ? ".echo.sequence_number" : ".seq"), "Sequence Number", num(l.icmp.seq), o + 6, 2);
      }
      break;
    }
    case proto::igmp:
      t.proto("igmp", "Internet Group Management Protocol", o, l.length);
      t.field("igmp.type", "Type", hex(l.igmp.type, 2), o, 1);
      t.field("igmp.maddr", "Multicast Address", format_ipv4(l.igmp.group), o + 4, 4);
      break;
    case proto::gre:
      t.proto("gre", "Generic Routing Encapsulation", o, l.length);
      t.field("gre.flags_and_version", "Flags and Version", hex(l.gre.flags, 4), o, 2);
      t.field("gre.proto", "Protocol Type", hex(l.gre.proto, 4), o + 2, 2);
      if (l.gre.has_key) t.field("gre.key", "Key", hex(l.gre.key, 8), o + l.length - 4 - ((l.gre.flags & 0x1000) ? 4 : 0), 4);
      break;
    case proto::vxlan:
      t.proto("vxlan", "Virtual eXtensible Local Area Network", o, 8);
      t.field("vxlan.vni", "VXLAN Network Identifier (VNI)", num(l.tunnel.vni), o + 4, 3);
      break;
    case proto::geneve:
      t.proto("geneve", "Generic Network Virtualization Encapsulation", o, l.length);
      t.field("geneve.proto_type", "Protocol Type", hex(l.tunnel.proto, 4), o + 2, 2);
      t.field("geneve.vni", "Virtual Network Identifier (VNI)", hex(l.tunnel.vni, 6), o + 4, 3);
      break;
    case proto::ah:
      t.proto("ah", "Authentication Header", o, l.length);
      break;
    case proto::esp:
      t.proto("esp", "Encapsulating Security Payload", o, l.length);
      break;
    case proto::tcp: {
      const auto& f = l.tcp;
      t.proto("tcp", "Transmission Control Protocol, Src Port: " + num(f.sport) + ", Dst Port: " + num(f.dport) +
                         ", Len: " + num(f.payload_len), o, l.length);
      t.field("tcp.srcport", "Source Port", num(f.sport), o, 2);
      t.field("tcp.dstport", "Destination Port", num(f.dport), o + 2, 2);
      stream_index(t, l, "tcp.stream", m.tcp_stream, o);
      t.field("tcp.seq_raw", "Sequence Number (raw)", num(f.seq), o + 4, 4);
      t.field("tcp.ack_raw", "Acknowledgment number (raw)", num(f.ack), o + 8, 4);
      t.field_shown("tcp.hdr_len", "Header Length: " + num(f.hdr_len) + " bytes (" + num(f.hdr_len / 4u) + ")",
                    num(f.hdr_len), o + 12, 1);
      t.field("tcp.flags", "Flags", hex(f.flags, 3), o + 12, 2);
      static const char* names[] = {"tcp.flags.fin", "tcp.flags.syn", "tcp.flags.reset", "tcp.flags.push",
                                    "tcp.flags.ack", "tcp.flags.urg", "tcp.flags.ece", "tcp.flags.cwr", "tcp.flags.ns"};
      static const char* labels[] = {"Fin", "Syn", "Reset", "Push", "Acknowledgment", "Urgent", "ECN-Echo",
                                     "Congestion Window Reduced", "Nonce"};
      for (int i = 8; i >= 0; --i) {
        t.field(names[i], labels[i], (f.flags >> i) & 1 ? "Set" : "Not set", o + (i == 8 ? 12u : 13u), 1, 2);
      }
      t.field("tcp.window_size_value", "Window", num(f.window), o + 14, 2);
      t.field("tcp.checksum", "Checksum", hex(f.checksum, 4), o + 16, 2);
      t.field("tcp.urgent_pointer", "Urgent Pointer", num(f.urgent), o + 18, 2);
      if (l.length > 20) {  // options present and inside the captured bytes
        t.field_shown("tcp.options", "Options: (" + num(l.length - 20u) + " bytes)", "", o + 20, l.length - 20u);
        if (f.mss) t.field("tcp.options.mss_val", "Maximum segment size", num(f.mss) + " bytes", o + 20, 0, 2);
        if (f.wscale != 0xff) t.field("tcp.options.wscale.shift", "Window scale shift", num(f.wscale), o + 20, 0, 2);
        if (f.sack_perm) t.field_shown("tcp.options.sack_perm", "TCP SACK Permitted Option: True", "1", o + 20, 0, 2);
        if (f.has_ts) {
          t.field("tcp.options.timestamp.tsval", "Timestamp value", num(f.ts_val), o + 20, 0, 2);
          t.field("tcp.options.timestamp.tsecr", "Timestamp echo reply", num(f.ts_ecr), o + 20, 0, 2);
        }
      }
      t.field("tcp.len", "TCP Segment Len", num(f.payload_len), o, 0);
      break;
    }
    case proto::udp:
      t.proto("udp", "User Datagram Protocol, Src Port: " + num(l.udp.sport) + ", Dst Port: " + num(l.udp.dport), o, 8);
      t.field("udp.srcport", "Source Port", num(l.udp.sport), o, 2);
      t.field("udp.dstport", "Destination Port", num(l.udp.dport), o + 2, 2);
      t.field("udp.length", "Length", num(l.udp.length), o + 4, 2);
      t.field("udp.checksum", "Checksum", hex(l.udp.checksum, 4), o + 6, 2);
      stream_index(t, l, "udp.stream", m.udp_stream, o);
      break;
    case proto::sctp:
      t.proto("sctp", "Stream Control Transmission Protocol, Src Port: " + num(l.sctp.sport) + ", Dst Port: " + num(l.sctp.dport), o, 12);
      t.field("sctp.srcport", "Source port", num(l.sctp.sport), o, 2);
      t.field("sctp.dstport", "Destination port", num(l.sctp.dport), o + 2, 2);
      t.field("sctp.verification_tag", "Verification tag", hex(l.sctp.vtag, 8), o + 4, 4);
      t.field_shown("sctp.chunk_count", "Chunks: " + num(l.sctp.chunks), num(l.sctp.chunks), o + 12, 0);
      break;
    case proto::data:
    case proto::none:
    case proto::count_:
      break;
    default:  // protocols without a detailed tree yet: the header as one node
      t.proto(std::string(proto_name(l.kind)), std::string(proto_name(l.kind)), o, l.length);
      break;
  }
  (void)p;
}

}  // namespace

std::vector<field_node> detail(util::bytes data, const frame_meta& m) {
  packet p;
  dissect(data, m.link_type, p, m.origlen);
  std::vector<field_node> out;
  auto cap = static_cast<std::uint32_t>(data.size());
  tree t(out, cap);
  t.proto("frame", "Frame " + num(m.number) + ": " + num(m.origlen) + " bytes on wire, " + num(cap) + " bytes captured", 0, cap);
  if (m.interface >= 0) t.field("frame.interface_id", "Interface id", num(static_cast<std::uint64_t>(m.interface)), 0, 0);
  auto lt_name = capture::linktype_name(m.link_type);
  t.field("frame.encap_type", "Encapsulation type",
          lt_name.empty() ? num(m.link_type) : std::string(capture::linktype_description(m.link_type)) + " (" + num(m.link_type) + ")", 0, 0);
  if (m.has_timestamp) t.field("frame.time_epoch", "Epoch Time", capture::format_epoch(m.ts_ns, 9) + " seconds", 0, 0);
  t.field("frame.number", "Frame Number", num(m.number), 0, 0);
  t.field("frame.len", "Frame Length", num(m.origlen) + " bytes", 0, 0);
  t.field("frame.cap_len", "Capture Length", num(cap) + " bytes", 0, 0);
  std::string protos;
  for (std::size_t i = 0; i < p.count; ++i) {
    auto n = proto_name(p.layers[i].kind);
    if (n.empty() || (i && proto_name(p.layers[i - 1].kind) == n && p.layers[i].kind == proto::ipv6_ext)) continue;
    protos += protos.empty() ? "" : ":";
    protos += n;
  }
  t.field("frame.protocols", "Protocols in frame", protos, 0, 0);
  if (p.first_anomaly != anomaly::none) {
    t.field_shown("_ws.malformed", "[Malformed or unusual: " + std::string(anomaly_name(p.first_anomaly)) +
                                       " at byte " + num(p.anomaly_offset) + "]",
                  std::string(anomaly_name(p.first_anomaly)), p.anomaly_offset, 0);
  }
  for (std::size_t i = 0; i < p.count; ++i) add_layer(t, p.layers[i], p, data, m);
  if (p.payload_length > 0) {
    t.proto("data", "Data (" + num(p.payload_length) + " bytes)", p.payload_offset, p.payload_length);
    t.field("data.len", "Length", num(p.payload_length), p.payload_offset, p.payload_length);
  }
  return out;
}

std::string detail_json(const std::vector<field_node>& tree) {
  util::json_writer j;
  j.begin_object().key("fields").begin_array();
  for (const auto& n : tree) {
    j.begin_object();
    j.key("name").value(n.name);
    j.key("label").value(n.label);
    j.key("value").value(n.value);
    j.key("offset").value(std::uint64_t{n.offset});
    j.key("length").value(std::uint64_t{n.length});
    j.key("depth").value(static_cast<unsigned>(n.depth));
    j.end_object();
  }
  j.end_array().end_object();
  return j.take();
}

}  // namespace pcapscope::dissect
