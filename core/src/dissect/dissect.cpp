// Link → network → transport dissection over one packet's bytes into a fixed layer stack.
// Each parser decodes its header into a layer and says what comes next (an ethertype, an IP
// protocol, a link header…); the loop in `dissect` dispatches on that, so encapsulations nest
// to any order but never deeper than `max_layers`.
#include <algorithm>
#include <cstddef>
#include <cstring>

#include "pcapscope/dissect/packet.hpp"

namespace pcapscope::dissect {

namespace {

using util::bytes;
using util::load_be16;
using util::load_be32;

// What to parse next.
enum class next : std::uint8_t {
  stop,
  ethertype,  // value = ethertype
  ip_proto,   // value = IP protocol number
  eth,
  llc,
  ip_by_version,  // first nibble decides (raw IP, MPLS payload)
  ppp_proto,      // value = PPP protocol
  ppp,            // a PPP header (address/control optional)
  wlan,
  mpls_payload,
};

struct step {
  next what = next::stop;
  std::uint32_t value = 0;
};

struct ctx {
  bytes data;
  packet& out;
  std::uint32_t off = 0;   // where the next header starts
  std::uint32_t end = 0;   // end of captured bytes of the current payload (trimmed by lengths)
  std::uint32_t rend = 0;  // end of the current payload on the wire (reported length; >= end)
  bool in_icmp_error = false;  // inside the quoted packet of an ICMP error: truncation expected
  bool in_fragment = false;    // inside the first fragment of an IP datagram: lengths exceed it
  std::uint8_t link_depth = 0; // nested link headers (PPI) followed so far
  // For the packet's summary: the last VXLAN/Geneve layer outside quotes, and where the layer
  // carried by `out.net` sits (one past it and its extension/AH headers).
  std::uint8_t tunnel = packet::no_layer;
  std::uint8_t carried = packet::no_layer;

  std::size_t avail() const { return off < end ? end - off : 0; }
  std::uint32_t reported() const { return off < rend ? rend - off : 0; }

  // Payload of the header at `start` is `len` bytes long on the wire (IP/UDP/PPPoE/802.3 length).
  void trim(std::uint32_t start, std::uint32_t len) {
    std::uint64_t e = std::uint64_t{start} + len;
    if (e < rend) rend = static_cast<std::uint32_t>(e);
    if (rend < end) end = rend;
  }

  layer* push(proto p, std::uint32_t len) {
    if (out.count >= max_layers) {
      flag(anomaly::too_many_layers, off);
      return nullptr;
    }
    layer& l = out.layers[out.count++];
    // Zero the whole union: parsers set only the fields present in the header.
    std::memset(static_cast<void*>(&l), 0, sizeof l);
    l.kind = p;
    l.offset = static_cast<std::uint16_t>(std::min<std::uint32_t>(off, 0xFFFF));
    l.length = static_cast<std::uint16_t>(std::min<std::uint32_t>(len, 0xFFFF));
    // min(len, avail(), 0xFFFF), without the initializer-list std::min (a loop, per layer).
    l.captured = static_cast<std::uint16_t>(std::min(std::min(len, end - std::min(off, end)), 0xFFFFu));
    if (l.captured < len) {
      l.flags |= layer_partial;
      if (cut_counts(p)) out.irregular = true;
    }
    if (in_icmp_error) l.flags |= layer_quoted;
    return &l;
  }

  // Index of the layer pushed last.
  std::uint8_t last() const { return static_cast<std::uint8_t>(out.count - 1); }

  // Summary bookkeeping for an IP header just pushed as layer `l`.
  void note_ip(const layer& l) {
    ++out.ip_headers;
    if (l.flags & layer_quoted) return;
    out.net = last();
    out.tunnel = tunnel;
    out.transport = packet::no_layer;
    carried = static_cast<std::uint8_t>(out.count);
  }
  // … for a header of the chain between `out.net` and what it carries (IPv6 extension, AH).
  void note_between() {
    if (last() == carried) ++carried;
  }
  // … for a TCP/UDP/SCTP/ICMP/ICMPv6 header just pushed as layer `l`.
  void note_transport(const layer& l) {
    if (last() == carried && !(l.flags & layer_quoted)) out.transport = last();
  }
  // A cut (partial, malformed, fragment) on these kinds makes a packet irregular.
  static bool cut_counts(proto p) {
    return p == proto::ip || p == proto::ipv6 || p == proto::tcp || p == proto::udp || p == proto::sctp;
  }

  void flag(anomaly a, std::uint32_t at) {
    if (out.anomalies == 0) {
      out.first_anomaly = a;
      out.anomaly_offset = static_cast<std::uint16_t>(std::min<std::uint32_t>(at, 0xFFFF));
    }
    if (out.anomalies < 0xFF) ++out.anomalies;
  }

  // A header that needs `n` bytes but fewer remain: flag and stop. Inside an ICMP error quote
  // a short header is expected (the quote is cut by design) and is not an anomaly.
  bool need(std::uint32_t n) {
    if (avail() >= n) return true;
    if (!in_icmp_error) flag(anomaly::truncated, off);
    return false;
  }

  const std::uint8_t* p() const { return data.data() + off; }
};

// ---- link layer --------------------------------------------------------------------------

step parse_eth(ctx& c) {
  if (!c.need(14)) return {};
  std::uint16_t type = load_be16(c.p() + 12);
  // Cisco FabricPath: an outer MAC header with ethertype 0x8903 and a 2-byte FTag/TTL before
  // the inner frame. Wireshark claims it heuristically before the Ethernet dissector adds its
  // fields, so only the inner Ethernet header carries eth.*; we do the same.
  // The FabricPath frame ends in an FCS, which Wireshark strips.
  if (type == 0x8903 && c.avail() >= 16 + 14) {
    if (!c.push(proto::cfp, 16)) return {};
    c.off += 16;
    if (c.reported() >= 4) c.trim(c.off, c.reported() - 4);
    return {next::eth, 0};
  }
  auto* l = c.push(proto::eth, 14);
  if (!l) return {};
  std::copy_n(c.p(), 6, l->eth.dst.begin());
  std::copy_n(c.p() + 6, 6, l->eth.src.begin());
  l->eth.type = type;
  c.off += 14;
  if (type >= 0x0600) return {next::ethertype, type};
  // 802.3 length field: trims padding, LLC follows (raw IPX starts with ffff).
  c.trim(c.off, type);
  if (c.avail() >= 2 && c.p()[0] == 0xff && c.p()[1] == 0xff) return {};
  return {next::llc, 0};
}

step parse_llc(ctx& c) {
  if (!c.need(3)) return {};
  std::uint8_t dsap = c.p()[0], ssap = c.p()[1], control = c.p()[2];
  bool snap = dsap == 0xaa && ssap == 0xaa;
  std::uint32_t len = (control & 0x3) == 0x3 ? 3 : 4;
  if (snap) len = 8;
  if (!c.need(len)) return {};
  auto* l = c.push(proto::llc, len);
  if (!l) return {};
  l->llc.dsap = dsap;
  l->llc.ssap = ssap;
  l->llc.control = control;
  if (snap) {
    l->llc.oui = (std::uint32_t{c.p()[3]} << 16) | (std::uint32_t{c.p()[4]} << 8) | c.p()[5];
    l->llc.pid = load_be16(c.p() + 6);
  }
  c.off += len;
  if (snap && (l->llc.oui == 0 || l->llc.oui == 0xf8)) return {next::ethertype, l->llc.pid};
  if (dsap == 0x06 && ssap == 0x06) return {next::ethertype, 0x0800};  // IP over LLC
  return {};
}

step parse_vlan(ctx& c, std::uint16_t tpid) {
  if (!c.need(4)) return {};
  auto* l = c.push(proto::vlan, 4);
  if (!l) return {};
  if (c.out.vlan == packet::no_layer && !(l->flags & layer_quoted)) c.out.vlan = c.last();
  std::uint16_t tci = load_be16(c.p());
  l->vlan.tpid = tpid;
  l->vlan.pcp = static_cast<std::uint8_t>(tci >> 13);
  l->vlan.dei = (tci & 0x1000) != 0;
  l->vlan.id = tci & 0x0FFF;
  l->vlan.etype = load_be16(c.p() + 2);
  c.off += 4;
  if (l->vlan.etype < 0x0600) {  // 802.3 length inside the tag
    c.trim(c.off, l->vlan.etype);
    return {next::llc, 0};
  }
  return {next::ethertype, l->vlan.etype};
}

// Cisco VN-Tag (4 bytes of tag) and 802.1BR E-Tag (6 bytes), then the ethertype of what follows.
step parse_tag(ctx& c, proto kind, std::uint32_t tag_len) {
  if (!c.need(tag_len + 2)) return {};
  auto* l = c.push(kind, tag_len + 2);
  if (!l) return {};
  l->link.protocol = load_be16(c.p() + tag_len);
  c.off += tag_len + 2;
  return {next::ethertype, l->link.protocol};
}

// Next-protocol values shared by NSH and VXLAN-GPE.
step gpe_next(std::uint8_t np) {
  switch (np) {
    case 1: return {next::ethertype, 0x0800};
    case 2: return {next::ethertype, 0x86dd};
    case 3: return {next::eth, 0};
    case 4: return {next::ethertype, 0x894f};
    case 5: return {next::ethertype, 0x8847};
    default: return {};
  }
}

// Network Service Header (RFC 8300): length in 4-byte words, then the next protocol.
step parse_nsh(ctx& c) {
  if (!c.need(8)) return {};
  std::uint32_t len = (c.p()[1] & 0x3F) * 4u;
  std::uint8_t np = c.p()[3];
  if (len < 8) {
    c.flag(anomaly::truncated, c.off);
    return {};
  }
  if (!c.need(len)) return {};
  auto* l = c.push(proto::nsh, len);
  if (!l) return {};
  l->link.protocol = np;
  c.off += len;
  return gpe_next(np);
}

step parse_mpls(ctx& c) {
  // Label stack entries until the bottom-of-stack bit; bounded by the layer stack.
  for (std::size_t n = 0; n < max_layers; ++n) {
    if (!c.need(4)) return {};
    auto* l = c.push(proto::mpls, 4);
    if (!l) return {};
    std::uint32_t v = load_be32(c.p());
    l->mpls.label = v >> 12;
    l->mpls.exp = static_cast<std::uint8_t>((v >> 9) & 0x7);
    l->mpls.bottom = (v & 0x100) != 0;
    l->mpls.ttl = static_cast<std::uint8_t>(v & 0xFF);
    c.off += 4;
    if (l->mpls.bottom) break;
  }
  return {next::mpls_payload, 0};
}

step parse_mpls_payload(ctx& c) {
  if (c.avail() < 1) return {};
  std::uint8_t nibble = c.p()[0] >> 4;
  if (nibble == 4) return {next::ethertype, 0x0800};
  if (nibble == 6) return {next::ethertype, 0x86dd};
  if (nibble == 0) {  // pseudowire control word, then Ethernet
    if (!c.need(4)) return {};
    if (!c.push(proto::pwach, 4)) return {};
    c.off += 4;
    return {next::eth, 0};
  }
  return {};
}

step parse_pppoes(ctx& c) {
  if (!c.need(6)) return {};
  auto* l = c.push(proto::pppoes, 6);
  if (!l) return {};
  l->link.session = load_be16(c.p() + 2);
  std::uint16_t len = load_be16(c.p() + 4);
  c.off += 6;
  c.trim(c.off, len);
  return {next::ppp, 0};
}

step parse_ppp(ctx& c) {
  if (!c.need(1)) return {};
  std::uint32_t len = 0;
  if (c.avail() >= 2 && c.p()[0] == 0xff && c.p()[1] == 0x03) len = 2;  // HDLC address/control
  if (!c.need(len + 1)) return {};
  std::uint16_t protocol;
  if (c.p()[len] & 1) {  // protocol field compressed to one byte
    protocol = c.p()[len];
    len += 1;
  } else {
    if (!c.need(len + 2)) return {};
    protocol = load_be16(c.p() + len);
    len += 2;
  }
  auto* l = c.push(proto::ppp, len);
  if (!l) return {};
  l->link.protocol = protocol;
  c.off += len;
  return {next::ppp_proto, protocol};
}

step ppp_to_next(std::uint16_t protocol) {
  switch (protocol) {
    case 0x0021: return {next::ethertype, 0x0800};
    case 0x0057: return {next::ethertype, 0x86dd};
    case 0x0281: return {next::ethertype, 0x8847};
    default: return {};
  }
}

step parse_sll(ctx& c) {
  if (!c.need(16)) return {};
  auto* l = c.push(proto::sll, 16);
  if (!l) return {};
  l->link.pkttype = load_be16(c.p());
  l->link.hatype = load_be16(c.p() + 2);
  l->link.addr_len = static_cast<std::uint8_t>(std::min<std::uint16_t>(load_be16(c.p() + 4), 8));
  std::copy_n(c.p() + 6, 8, l->link.addr.begin());
  l->link.protocol = load_be16(c.p() + 14);
  c.off += 16;
  std::uint16_t pr = l->link.protocol;
  if (l->link.hatype == 824 /* ARPHRD_NETLINK */) return {};
  if (pr == 0x0004) return {next::llc, 0};
  if (pr == 0x0001) return {};  // 802.3 frames without LLC (Novell)
  return {next::ethertype, pr};
}

step parse_sll2(ctx& c) {
  if (!c.need(20)) return {};
  auto* l = c.push(proto::sll2, 20);
  if (!l) return {};
  l->link.protocol = load_be16(c.p());
  l->link.ifindex = load_be32(c.p() + 4);
  l->link.hatype = load_be16(c.p() + 8);
  l->link.pkttype = c.p()[10];
  l->link.addr_len = std::min<std::uint8_t>(c.p()[11], 8);
  std::copy_n(c.p() + 12, 8, l->link.addr.begin());
  c.off += 20;
  std::uint16_t pr = l->link.protocol;
  if (l->link.hatype == 824) return {};
  if (pr == 0x0004) return {next::llc, 0};
  if (pr == 0x0001) return {};
  return {next::ethertype, pr};
}

// BSD NULL (family in the capturing host's byte order) and OpenBSD LOOP (network order).
step parse_null(ctx& c, bool network_order) {
  if (!c.need(4)) return {};
  auto* l = c.push(proto::null, 4);
  if (!l) return {};
  std::uint32_t fam = load_be32(c.p());
  if (!network_order && (fam & 0xFFFF0000u) != 0) fam = __builtin_bswap32(fam);
  l->link.protocol = static_cast<std::uint16_t>(fam);
  c.off += 4;
  switch (fam) {
    case 2: return {next::ethertype, 0x0800};
    case 10: case 24: case 28: case 30: return {next::ethertype, 0x86dd};
    default: break;
  }
  // Some captures carry an ethertype here instead of a family.
  if (fam == 0x0800 || fam == 0x86dd) return {next::ethertype, fam};
  return {next::ip_by_version, 0};
}

// FDDI: frame control and two addresses, then LLC.
step parse_fddi(ctx& c) {
  if (!c.need(13)) return {};
  auto* l = c.push(proto::fddi, 13);
  if (!l) return {};
  l->link.protocol = c.p()[0];
  c.off += 13;
  return {next::llc, 0};
}

// Linux NFLOG: family, version, resource id, then TLVs (lengths in the capturing host's byte
// order, each padded to 4 bytes); the packet is the payload TLV (type 9).
step parse_nflog(ctx& c) {
  if (!c.need(4)) return {};
  std::uint8_t family = c.p()[0];
  std::uint32_t pos = 4;
  for (std::size_t n = 0; n < 64 && pos + 4 <= c.avail(); ++n) {
    const std::uint8_t* t = c.p() + pos;
    std::uint16_t tlen = util::load_u16(t, !util::host_is_little_endian());
    std::uint16_t ttype = util::load_u16(t + 2, !util::host_is_little_endian());
    if (tlen > 0x0FFF && __builtin_bswap16(tlen) <= 0x0FFF) {  // big-endian capturing host
      tlen = __builtin_bswap16(tlen);
      ttype = __builtin_bswap16(ttype);
    }
    if (tlen < 4) break;
    if ((ttype & 0x7FFF) == 9) {
      auto* l = c.push(proto::nflog, pos + 4);
      if (!l) return {};
      l->link.protocol = family;
      c.trim(c.off + pos + 4, tlen - 4u);
      c.off += pos + 4;
      if (family == 2) return {next::ethertype, 0x0800};
      if (family == 10) return {next::ethertype, 0x86dd};
      return {next::ip_by_version, 0};
    }
    pos += (tlen + 3u) & ~3u;
  }
  c.flag(anomaly::truncated, c.off);  // no payload TLV found
  return {};
}

// Cisco HDLC: address, control, then an ethertype.
step parse_chdlc(ctx& c) {
  if (!c.need(4)) return {};
  auto* l = c.push(proto::chdlc, 4);
  if (!l) return {};
  l->link.protocol = load_be16(c.p() + 2);
  c.off += 4;
  if (l->link.protocol == 0x8035) return {};  // SLARP here, not RARP
  return {next::ethertype, l->link.protocol};
}

// Frame Relay (RFC 2427): a Q.922 address of 2-4 bytes (EA bit ends it), then either UI control
// + NLPID (optionally after a pad byte), or Cisco's encapsulation with an ethertype.
step parse_fr(ctx& c) {
  std::uint32_t len = 0;
  for (; len < 4; ++len) {
    if (!c.need(len + 1)) return {};
    if (c.p()[len] & 1) break;
  }
  ++len;
  if (!c.need(len + 2)) return {};
  std::uint16_t protocol = 0;
  step s{};
  if (c.p()[len] == 0x03) {  // UI frame: NLPID follows
    std::uint32_t at = len + 1;
    if (c.p()[at] == 0x00) ++at;  // pad
    if (!c.need(at + 1)) return {};
    std::uint8_t nlpid = c.p()[at];
    protocol = nlpid;
    len = at + 1;
    if (nlpid == 0xcc) s = {next::ethertype, 0x0800};
    else if (nlpid == 0x8e) s = {next::ethertype, 0x86dd};
    else if (nlpid == 0x80) {  // SNAP: OUI + PID
      if (!c.need(len + 5)) return {};
      std::uint32_t oui = (std::uint32_t{c.p()[len]} << 16) | (std::uint32_t{c.p()[len + 1]} << 8) | c.p()[len + 2];
      std::uint16_t pid = load_be16(c.p() + len + 3);
      len += 5;
      if (oui == 0) s = {next::ethertype, pid};
      else if (oui == 0x0080c2 && (pid == 0x0001 || pid == 0x0007)) s = {next::eth, 0};  // bridged Ethernet
    }
  } else {  // Cisco encapsulation
    protocol = load_be16(c.p() + len);
    len += 2;
    s = {next::ethertype, protocol};
  }
  auto* l = c.push(proto::fr, len);
  if (!l) return {};
  l->link.protocol = protocol;
  c.off += len;
  return s;
}

// radiotap: length from its header; an FCS at the end of the frame is cut off when its flags say so.
step parse_radiotap(ctx& c) {
  if (!c.need(8)) return {};
  bool le_swap = !util::host_is_little_endian();
  std::uint16_t len = util::load_u16(c.p() + 2, le_swap);
  if (len < 8 || len > c.avail()) {
    c.flag(anomaly::truncated, c.off);
    return {};
  }
  auto* l = c.push(proto::radiotap, len);
  if (!l) return {};
  // Present bitmaps (chained by bit 31); fields follow, each aligned to its size.
  std::uint32_t pos = 4;
  std::uint32_t present = util::load_u32(c.p() + 4, le_swap);
  std::uint32_t first = present;
  while ((present & 0x80000000u) && pos + 8 <= len) {
    pos += 4;
    present = util::load_u32(c.p() + pos, le_swap);
  }
  pos += 4;
  bool fcs = false;
  if (first & 0x2) {  // Flags present
    if (first & 0x1) pos = ((pos + 7) & ~7u) + 8;  // TSFT: 8 bytes, 8-aligned
    if (pos < len) fcs = (c.p()[pos] & 0x10) != 0;
  }
  c.off += len;
  if (fcs && c.reported() >= 4) c.trim(c.off, c.reported() - 4);
  return {next::wlan, 0};
}

step parse_wlan(ctx& c) {
  if (!c.need(10)) return {};
  std::uint16_t fc = util::load_u16(c.p(), !util::host_is_little_endian());
  std::uint8_t type = (fc >> 2) & 0x3;
  std::uint8_t subtype = (fc >> 4) & 0xF;
  std::uint8_t flags = static_cast<std::uint8_t>(fc >> 8);
  std::uint32_t len = 24;
  if (type != 2) {  // management/control frames: header only
    auto* l = c.push(proto::wlan, std::min<std::uint32_t>(24, static_cast<std::uint32_t>(c.avail())));
    if (l) l->link.wlan_fc = fc;
    return {};
  }
  bool to_ds = flags & 0x1, from_ds = flags & 0x2;
  if (to_ds && from_ds) len += 6;
  bool qos = (subtype & 0x8) != 0;
  if (qos) len += 2;
  if (qos && (flags & 0x80)) len += 4;  // HT control
  if (!c.need(len)) return {};
  auto* l = c.push(proto::wlan, len);
  if (!l) return {};
  l->link.wlan_fc = fc;
  const std::uint8_t* a1 = c.p() + 4;
  const std::uint8_t* a2 = c.p() + 10;
  const std::uint8_t* a3 = c.p() + 16;
  const std::uint8_t* da = to_ds ? a3 : a1;
  const std::uint8_t* sa = from_ds ? (to_ds ? c.p() + 24 : a3) : a2;
  std::copy_n(da, 6, l->link.wlan_da.begin());
  std::copy_n(sa, 6, l->link.wlan_sa.begin());
  std::copy_n(to_ds ? a1 : (from_ds ? a2 : a3), 6, l->link.wlan_bssid.begin());
  c.off += len;
  if (flags & 0x40) return {};            // protected: payload is encrypted
  if (subtype & 0x4) return {};           // null data: no payload
  return {next::llc, 0};
}

// ---- network layer -----------------------------------------------------------------------

// ARP / RARP. A header cut short keeps the fields that fit (Wireshark shows those too).
step parse_arp(ctx& c) {
  if (!c.need(8)) return {};
  std::uint8_t hlen = c.p()[4], plen = c.p()[5];
  std::uint32_t len = 8 + 2u * hlen + 2u * plen;
  auto* l = c.push(proto::arp, len);
  if (!l) return {};
  if (l->captured < len && !c.in_icmp_error) c.flag(anomaly::truncated, c.off);
  l->arp.htype = load_be16(c.p());
  l->arp.ptype = load_be16(c.p() + 2);
  l->arp.hlen = hlen;
  l->arp.plen = plen;
  l->arp.opcode = load_be16(c.p() + 6);
  std::uint32_t have = l->captured;
  if (hlen == 6 && have >= 14u) std::copy_n(c.p() + 8, 6, l->arp.sha.begin());
  if (plen == 4 && have >= 8u + hlen + 4) std::copy_n(c.p() + 8 + hlen, 4, l->arp.spa.begin());
  if (hlen == 6 && have >= 8u + hlen + plen + 6) std::copy_n(c.p() + 8 + 6 + plen, 6, l->arp.tha.begin());
  if (plen == 4 && have >= len) std::copy_n(c.p() + 8 + 2 * hlen + 4, 4, l->arp.tpa.begin());
  c.off += have;
  return {};
}

// Whether the IPv4 header at `p` (`n` bytes, a multiple of 4) sums to 0xFFFF in ones'
// complement, i.e. its checksum is right. Ones' complement sums can be taken over 32-bit words
// and folded, and are independent of byte order up to a swap (RFC 1071, 2.B), which leaves
// 0xFFFF as it is: the words are loaded in host order, a few adds per header.
bool header_checksum_ok(const std::uint8_t* p, std::size_t n) {
  auto word = [p](std::size_t at) -> std::uint64_t { return util::load_u32(p + at, false); };
  std::uint64_t s = word(0) + word(4) + word(8) + word(12) + word(16);  // n >= 20
  for (std::size_t i = 20; i < n; i += 4) s += word(i);                 // options
  // At most 15 words: two folds bring the sum below 2^32 and two more below 2^16 (the second
  // of each pair adds at most the carry of the first).
  s = (s & 0xFFFFFFFF) + (s >> 32);
  s = (s & 0xFFFFFFFF) + (s >> 32);
  s = (s & 0xFFFF) + (s >> 16);
  s = (s & 0xFFFF) + (s >> 16);
  return s == 0xFFFF;
}

step parse_ipv6(ctx& c);

step parse_ipv4(ctx& c) {
  if (c.avail() >= 1 && (c.p()[0] >> 4) == 6) return parse_ipv6(c);  // as Wireshark does
  if (!c.need(1)) return {};
  std::uint8_t vihl = c.p()[0];
  std::uint32_t ihl = (vihl & 0xF) * 4u;
  if ((vihl >> 4) != 4) {
    c.flag(anomaly::ip_bogus_version, c.off);
    return {};
  }
  if (ihl < 20) {  // Wireshark stops before the addresses too
    c.flag(anomaly::ip_bogus_header_length, c.off);
    return {};
  }
  auto* l = c.push(proto::ip, ihl);
  if (!l) return {};
  c.note_ip(*l);
  auto& f = l->ip;
  std::uint32_t have = l->captured;
  std::uint32_t start = c.off;
  f.hdr_len = static_cast<std::uint8_t>(ihl);
  if (have < 20) {  // cut inside the fixed header: keep the fields that fit
    if (!c.in_icmp_error) c.flag(anomaly::truncated, start);
    std::uint8_t h[20] = {};
    std::copy_n(c.p(), have, h);
    if (have >= 4) f.total_len = load_be16(h + 2);
    if (have >= 6) f.id = load_be16(h + 4);
    f.flags = static_cast<std::uint8_t>(load_be16(h + 6) >> 13);
    f.frag_offset = load_be16(h + 6) & 0x1FFF;
    if ((f.flags & 0x1) || f.frag_offset) c.out.irregular = true;
    f.ttl = h[8];
    f.proto = h[9];
    std::copy_n(h + 12, 4, f.src.begin());
    std::copy_n(h + 16, 4, f.dst.begin());
    c.off += have;
    return {};
  }
  f.dsfield = c.p()[1];
  f.total_len = load_be16(c.p() + 2);
  f.id = load_be16(c.p() + 4);
  std::uint16_t ff = load_be16(c.p() + 6);
  f.flags = static_cast<std::uint8_t>(ff >> 13);
  f.frag_offset = ff & 0x1FFF;
  if ((f.flags & 0x1) || f.frag_offset) c.out.irregular = true;
  f.ttl = c.p()[8];
  f.proto = c.p()[9];
  f.checksum = load_be16(c.p() + 10);
  std::copy_n(c.p() + 12, 4, f.src.begin());
  std::copy_n(c.p() + 16, 4, f.dst.begin());
  if (ihl > have) {  // options cut by the capture
    if (!c.in_icmp_error) c.flag(anomaly::truncated, start);
    return {};
  }
  c.off += ihl;
  if (f.total_len < ihl) {
    // Wireshark treats total length 0 as "TSO: use the captured length" and flags others.
    if (f.total_len != 0) {
      c.flag(anomaly::ip_bogus_total_length, start);
      l->flags |= layer_malformed;
      c.out.irregular = true;
      return {};
    }
  } else {
    if (f.total_len > c.rend - start && !c.in_icmp_error && !c.in_fragment) {
      c.flag(anomaly::ip_bogus_total_length, start);
    }
    c.trim(start, f.total_len);  // drops Ethernet padding
  }
  if (f.frag_offset != 0) return {};  // later fragment: payload is not a header
  // First fragment: headers follow, but their lengths cover the whole datagram. The flag holds
  // for what this IP header carries (an inner, unfragmented IP header clears it).
  c.in_fragment = (f.flags & 0x1) != 0;
  if (c.in_fragment) l->flags |= layer_fragment;
  return {next::ip_proto, f.proto};
}

bool ipv6_ext_header(std::uint8_t nh) {
  return nh == 0 || nh == 43 || nh == 44 || nh == 60 || nh == 135 || nh == 139 || nh == 140;
}

step parse_ipv6(ctx& c) {
  if (!c.need(1)) return {};
  if ((c.p()[0] >> 4) != 6) {
    c.flag(anomaly::ip_bogus_version, c.off);
    return {};
  }
  auto* l = c.push(proto::ipv6, 40);
  if (!l) return {};
  c.note_ip(*l);
  auto& f = l->ipv6;
  std::uint8_t h[40] = {};
  std::copy_n(c.p(), l->captured, h);
  std::uint32_t v = load_be32(h);
  f.tclass = static_cast<std::uint8_t>((v >> 20) & 0xFF);
  f.flow = v & 0xFFFFF;
  f.plen = load_be16(h + 4);
  f.nxt = h[6];
  f.hlim = h[7];
  std::copy_n(h + 8, 16, f.src.begin());
  std::copy_n(h + 24, 16, f.dst.begin());
  if (l->captured < 40) {  // cut inside the fixed header: keep the fields that fit
    if (!c.in_icmp_error) c.flag(anomaly::truncated, c.off);
    c.off += l->captured;
    return {};
  }
  c.off += 40;
  bool outer_fragment = c.in_fragment;
  c.in_fragment = false;  // until a fragment header says otherwise
  if (f.plen != 0) {  // 0: jumbogram or TSO
    if (f.plen > c.reported() && !c.in_icmp_error && !outer_fragment) {
      c.flag(anomaly::ipv6_bogus_payload_length, c.off - 40);
    }
    c.trim(c.off, f.plen);
  }
  // Extension headers, capped.
  std::uint8_t nh = f.nxt;
  for (std::size_t n = 0; ipv6_ext_header(nh); ++n) {
    if (n >= max_ipv6_ext) {
      c.flag(anomaly::ipv6_ext_chain_too_long, c.off);
      return {};
    }
    if (!c.need(8)) return {};
    std::uint32_t len = nh == 44 ? 8 : (std::uint32_t{c.p()[1]} + 1) * 8;
    if (!c.need(len)) return {};
    auto* e = c.push(proto::ipv6_ext, len);
    if (!e) return {};
    c.note_between();
    e->ipv6_ext.type = nh;
    e->ipv6_ext.nxt = c.p()[0];
    if (nh == 44) {
      c.out.irregular = true;
      std::uint16_t fo = load_be16(c.p() + 2);
      e->ipv6_ext.frag_offset = fo >> 3;
      e->ipv6_ext.more_fragments = (fo & 1) != 0;
      e->ipv6_ext.frag_id = load_be32(c.p() + 4);
      c.off += len;
      nh = e->ipv6_ext.nxt;
      if (e->ipv6_ext.frag_offset != 0) return {};
      if (e->ipv6_ext.more_fragments) {
        e->flags |= layer_fragment;
        c.in_fragment = true;
      }
      continue;
    }
    c.off += len;
    nh = e->ipv6_ext.nxt;
  }
  return {next::ip_proto, nh};
}

step parse_ah(ctx& c) {
  if (!c.need(12)) return {};
  std::uint32_t len = (std::uint32_t{c.p()[1]} + 2) * 4;
  if (!c.need(len)) return {};
  std::uint8_t nh = c.p()[0];
  if (!c.push(proto::ah, len)) return {};
  c.note_between();
  c.off += len;
  return {next::ip_proto, nh};
}

bool icmp_is_error(std::uint8_t type) {
  return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

step parse_icmp(ctx& c, bool v6) {
  if (!c.need(4)) return {};
  std::uint32_t len = std::min<std::uint32_t>(8, static_cast<std::uint32_t>(c.avail()));
  auto* l = c.push(v6 ? proto::icmpv6 : proto::icmp, len);
  if (!l) return {};
  c.note_transport(*l);
  auto& f = l->icmp;
  f.type = c.p()[0];
  f.code = c.p()[1];
  f.checksum = load_be16(c.p() + 2);
  if (len >= 8) {
    f.id = load_be16(c.p() + 4);
    f.seq = load_be16(c.p() + 6);
  }
  c.off += len;
  bool error = v6 ? f.type >= 1 && f.type <= 4 : icmp_is_error(f.type);
  if (error && len == 8 && c.avail() >= 1 && !c.in_icmp_error) {
    c.in_icmp_error = true;  // the quoted packet is expected to be cut short
    c.in_fragment = false;
    return {next::ip_by_version, 0};
  }
  return {};
}

step parse_igmp(ctx& c) {
  if (!c.need(8)) return {};
  auto* l = c.push(proto::igmp, 8);
  if (!l) return {};
  l->igmp.type = c.p()[0];
  l->igmp.max_resp = c.p()[1];
  std::copy_n(c.p() + 4, 4, l->igmp.group.begin());
  c.off += 8;
  return {};
}

// PIM: a Register message (version 2, type 1) carries the multicast packet after 8 bytes.
step parse_pim(ctx& c) {
  if (!c.need(4)) return {};
  std::uint8_t vt = c.p()[0];
  bool reg = vt == 0x21 && c.avail() >= 8;
  auto* l = c.push(proto::pim, reg ? 8 : 4);
  if (!l) return {};
  l->link.protocol = vt;
  if (!reg) {
    c.off += 4;
    return {};
  }
  // A Null-Register carries just a dummy header; Wireshark dissects it like a real one.
  c.off += 8;
  return {next::ip_by_version, 0};
}

bool gre_aruba(std::uint16_t pt) {
  // Aruba's GRE protocol types for 802.11 frames (Wireshark's GRE_ARUBA_8200 … _8370, _9000).
  return (pt >= 0x8200 && pt <= 0x8370 && (pt & 0xF) == 0) || pt == 0x9000;
}

step parse_gre(ctx& c) {
  if (!c.need(4)) return {};
  std::uint16_t flags = load_be16(c.p());
  std::uint16_t pt = load_be16(c.p() + 2);
  std::uint8_t version = flags & 0x7;
  std::uint32_t len = 4;
  if (flags & 0xC000) len += 4;  // checksum (or routing present) + offset
  bool key = flags & 0x2000;
  std::uint32_t key_at = len;
  if (key) len += 4;
  if (flags & 0x1000) len += 4;  // sequence number
  if (version == 1) {            // enhanced GRE (PPTP): key always, ack optional
    len = 8 + ((flags & 0x1000) ? 4 : 0) + ((flags & 0x0080) ? 4 : 0);
    key_at = 4;
  }
  if (!c.need(len)) return {};
  auto* l = c.push(proto::gre, len);
  if (!l) return {};
  l->gre.flags = flags;
  l->gre.proto = pt;
  l->gre.has_key = key;
  if (key) l->gre.key = load_be32(c.p() + key_at);
  std::uint32_t start = c.off;
  c.off += len;
  if (version > 1 || (flags & 0x4000)) {  // unknown version, or source routing entries follow
    c.flag(anomaly::gre_unsupported, start);
    return {};
  }
  if (gre_aruba(pt)) return {next::wlan, 0};
  switch (pt) {
    case 0x6558: return {next::eth, 0};
    case 0x880b: return {next::ppp, 0};
    case 0x88be:  // ERSPAN: type II has a sequence number and an 8-byte header; type I neither
      if (!(flags & 0x1000)) return {next::eth, 0};
      if (!c.need(8)) return {};
      if (!c.push(proto::erspan, 8)) return {};
      c.off += 8;
      return {next::eth, 0};
    case 0x22eb: {  // ERSPAN type III: 12 bytes, 8 more when the O bit says a subheader follows
      if (!c.need(12)) return {};
      std::uint32_t elen = (c.p()[11] & 0x1) ? 20 : 12;
      if (!c.need(elen)) return {};
      if (!c.push(proto::erspan, elen)) return {};
      c.off += elen;
      return {next::eth, 0};
    }
    default: return {next::ethertype, pt};
  }
}

// ---- transport layer ---------------------------------------------------------------------

// Decodes the `n` option bytes at `o` of a TCP header whose bytes are all captured, one by one.
void tcp_option_list(tcp_fields& f, const std::uint8_t* o, std::uint32_t n) {
  for (std::uint32_t i = 0; i < n;) {
    std::uint8_t kind = o[i];
    if (kind == 0) break;
    if (kind == 1) {
      ++i;
      continue;
    }
    if (i + 1 >= n) break;
    std::uint8_t olen = o[i + 1];
    if (olen < 2 || i + olen > n) break;
    switch (kind) {
      case 2: if (olen == 4) f.mss = load_be16(o + i + 2); break;
      case 3: if (olen == 3) f.wscale = o[i + 2]; break;
      case 4: f.sack_perm = true; break;
      case 5: f.sack_blocks = static_cast<std::uint8_t>((olen - 2) / 8); break;
      case 8:
        if (olen == 10) {
          f.has_ts = true;
          f.ts_val = load_be32(o + i + 2);
          f.ts_ecr = load_be32(o + i + 6);
        }
        break;
      default: break;
    }
    i += olen;
  }
}

// The same, with the layouts most segments carry decoded in line: none; NOP, NOP, timestamps
// (what most segments of a connection carry, RFC 7323, appendix A); and MSS, SACK permitted,
// timestamps, NOP, window scale (a Linux SYN or SYN-ACK).
[[gnu::always_inline]] inline void tcp_options(tcp_fields& f, const std::uint8_t* o, std::uint32_t n) {
  if (n == 12 && load_be32(o) == 0x0101080a) {
    f.has_ts = true;
    f.ts_val = load_be32(o + 4);
    f.ts_ecr = load_be32(o + 8);
  } else if (n == 20 && load_be16(o) == 0x0204 && load_be32(o + 4) == 0x0402080a &&
             (load_be32(o + 16) >> 8) == 0x010303) {
    f.mss = load_be16(o + 2);
    f.sack_perm = true;
    f.has_ts = true;
    f.ts_val = load_be32(o + 8);
    f.ts_ecr = load_be32(o + 12);
    f.wscale = o[19];
  } else if (n != 0) {
    tcp_option_list(f, o, n);
  }
}

step parse_tcp(ctx& c) {
  // A header cut short (a quote in an ICMP error is usually cut after 8 bytes, a snap length
  // may cut anywhere) keeps the fields that fit, as Wireshark shows them.
  if (!c.need(4)) return {};
  std::uint32_t have = static_cast<std::uint32_t>(std::min<std::size_t>(c.avail(), 20));
  std::uint32_t hl = have >= 13 ? (c.p()[12] >> 4) * 4u : 20;
  bool bogus = hl < 20;
  auto* l = c.push(proto::tcp, bogus ? 20 : hl);
  if (!l) return {};
  c.note_transport(*l);
  auto& f = l->tcp;
  f.wscale = 0xff;
  f.sport = load_be16(c.p());
  f.dport = load_be16(c.p() + 2);
  if (have >= 20) {  // the whole fixed header: the usual case, without a test per field
    f.seq = load_be32(c.p() + 4);
    f.ack = load_be32(c.p() + 8);
    f.flags = load_be16(c.p() + 12) & 0x0FFF;
    f.window = load_be16(c.p() + 14);
    f.checksum = load_be16(c.p() + 16);
    f.urgent = load_be16(c.p() + 18);
  } else {
    if (have >= 8) f.seq = load_be32(c.p() + 4);
    if (have >= 12) f.ack = load_be32(c.p() + 8);
    if (have >= 14) f.flags = load_be16(c.p() + 12) & 0x0FFF;
    if (have >= 16) f.window = load_be16(c.p() + 14);
    if (have >= 18) f.checksum = load_be16(c.p() + 16);
  }
  f.hdr_len = static_cast<std::uint8_t>(hl);
  if (c.in_fragment) {  // tshark shows no segment length then
    l->flags |= layer_fragment;
    c.out.irregular = true;
  }
  if (!c.in_icmp_error && have < 13) {
    // Wireshark reads the data offset before it shows the sequence number: without it, only
    // the ports are decoded.
    l->captured = static_cast<std::uint16_t>(std::min<std::uint32_t>(have, 4));
    l->flags |= layer_malformed;
    c.out.irregular = true;
    c.flag(anomaly::truncated, c.off);
    c.off += have;
    return {};
  }
  if (bogus) {  // Wireshark computes the length, then stops after the sequence number
    if (!c.in_icmp_error) c.flag(anomaly::tcp_bogus_header_length, c.off);
    f.payload_len = c.reported() > hl ? c.reported() - hl : 0;
    c.off += have;
    return {};
  }
  // Segment length from the IP/UDP lengths, as on the wire (the capture may hold less). A
  // header longer than the segment is a "short segment": no length.
  if (hl <= c.reported()) {
    f.payload_len = c.reported() - hl;
  } else {
    l->flags |= layer_malformed;
    c.out.irregular = true;
    if (!c.in_icmp_error) c.flag(anomaly::tcp_bogus_header_length, c.off);
  }
  if (hl > c.avail()) {  // header (or its options) cut short
    if (!c.in_icmp_error && !(l->flags & layer_malformed)) c.flag(anomaly::truncated, c.off);
    c.off += static_cast<std::uint32_t>(c.avail());
    return {};
  }
  tcp_options(f, c.p() + 20, hl - 20);
  c.off += hl;
  return {};
}

// UDP ports whose payload we follow (tunnels), as Wireshark registers them.
enum class udp_tunnel : std::uint8_t { none, vxlan, vxlan_gpe, geneve, gtpu, teredo, l2tp };

udp_tunnel udp_tunnel_of(std::uint16_t port) {
  switch (port) {
    case 4789: return udp_tunnel::vxlan;
    case 4790: return udp_tunnel::vxlan_gpe;
    case 6081: return udp_tunnel::geneve;
    case 2152: return udp_tunnel::gtpu;
    case 3544: return udp_tunnel::teredo;
    case 1701: return udp_tunnel::l2tp;
    default: return udp_tunnel::none;
  }
}

step parse_vxlan(ctx& c) {
  if (!c.need(8)) return {};
  auto* v = c.push(proto::vxlan, 8);
  if (!v) return {};
  if (!(v->flags & layer_quoted)) c.tunnel = c.last();
  v->tunnel.vni = load_be32(c.p() + 4) >> 8;
  c.off += 8;
  return {next::eth, 0};
}

step parse_geneve(ctx& c) {
  if (!c.need(8)) return {};
  if ((c.p()[0] >> 6) != 0) return {};  // unknown version
  std::uint32_t len = 8 + (c.p()[0] & 0x3F) * 4u;
  if (!c.need(len)) return {};
  auto* g = c.push(proto::geneve, len);
  if (!g) return {};
  if (!(g->flags & layer_quoted)) c.tunnel = c.last();
  g->tunnel.proto = load_be16(c.p() + 2);
  g->tunnel.vni = load_be32(c.p() + 4) >> 8;
  c.off += len;
  if (g->tunnel.proto == 0x6558) return {next::eth, 0};
  return {next::ethertype, g->tunnel.proto};
}

// GTP-U (3GPP TS 29.281): a G-PDU carries an IP packet after the header and its extensions.
step parse_gtpu(ctx& c) {
  if (!c.need(8)) return {};
  std::uint8_t fl = c.p()[0];
  std::uint8_t type = c.p()[1];
  if ((fl >> 5) != 1 || !(fl & 0x10)) return {};  // not GTPv1 (GTP')
  std::uint32_t len = 8;
  if (fl & 0x07) {
    len += 4;
    if (!c.need(len)) return {};
    std::uint8_t nxt = (fl & 0x04) ? c.p()[len - 1] : 0;
    for (std::size_t n = 0; nxt != 0 && n < 16; ++n) {  // extension headers, bounded
      if (!c.need(len + 1)) return {};
      std::uint32_t elen = c.p()[len] * 4u;
      if (elen == 0 || !c.need(len + elen)) return {};
      len += elen;
      nxt = c.p()[len - 1];
    }
  }
  auto* g = c.push(proto::gtp, len);
  if (!g) return {};
  g->tunnel.vni = load_be32(c.p() + 4);  // TEID
  g->tunnel.proto = type;
  c.off += len;
  if (type != 0xff) return {};
  return {next::ip_by_version, 0};
}

// Teredo (RFC 4380): optional authentication and origin indication, then an IPv6 packet.
step parse_teredo(ctx& c) {
  std::uint32_t len = 0;
  if (c.avail() >= 4 && c.p()[0] == 0 && c.p()[1] == 1) {
    len = 4u + c.p()[2] + c.p()[3] + 8 + 1;
  }
  if (c.avail() >= len + 8 && c.p()[len] == 0 && c.p()[len + 1] == 0) len += 8;
  if (c.avail() < len + 40 || (c.p()[len] >> 4) != 6) return {};
  if (len) {
    if (!c.push(proto::teredo, len)) return {};
    c.off += len;
  }
  return {next::ethertype, 0x86dd};
}

// L2TPv2 (RFC 2661) data messages carry PPP.
step parse_l2tp(ctx& c) {
  if (!c.need(6)) return {};
  std::uint16_t fl = load_be16(c.p());
  if ((fl & 0xF) != 2 || (fl & 0x8000)) return {};  // not v2, or a control message
  std::uint32_t len = 2 + ((fl & 0x4000) ? 2 : 0) + 4 + ((fl & 0x0800) ? 4 : 0);
  if (fl & 0x0200) {
    if (!c.need(len + 2)) return {};
    len += 2 + load_be16(c.p() + len);
  }
  if (!c.need(len)) return {};
  auto* l = c.push(proto::l2tp, len);
  if (!l) return {};
  l->link.protocol = fl;
  c.off += len;
  return {next::ppp, 0};
}

step parse_udp(ctx& c) {
  if (!c.need(8) && c.avail() < 4) return {};  // flagged when short; ports need 4 bytes
  auto* l = c.push(proto::udp, 8);
  if (!l) return {};
  c.note_transport(*l);
  auto& f = l->udp;
  f.sport = load_be16(c.p());
  f.dport = load_be16(c.p() + 2);
  if (l->captured < 8) {  // cut short: ports (and the length when it fits) only
    if (l->captured >= 6) f.length = load_be16(c.p() + 4);
    c.off += l->captured;
    return {};
  }
  f.length = load_be16(c.p() + 4);
  f.checksum = load_be16(c.p() + 6);
  std::uint32_t start = c.off;
  c.off += 8;
  if (f.length >= 8 && f.length <= c.rend - start) {
    c.trim(start, f.length);
  } else if (!c.in_icmp_error && !c.in_fragment && f.length != 0) {
    c.flag(anomaly::udp_bogus_length, start);
  }
  if (c.in_icmp_error) return {};
  // Wireshark tries the lower port first; a tunnel on the higher port is followed only when the
  // lower one is unprivileged (and so, mostly, unclaimed).
  std::uint16_t lo = std::min(f.sport, f.dport), hi = std::max(f.sport, f.dport);
  udp_tunnel t = udp_tunnel_of(lo);
  if (t == udp_tunnel::none && lo >= 1024) t = udp_tunnel_of(hi);
  switch (t) {
    case udp_tunnel::vxlan: return parse_vxlan(c);
    case udp_tunnel::vxlan_gpe: {
      if (!c.need(8)) return {};
      auto* v = c.push(proto::vxlan, 8);
      if (!v) return {};
      if (!(v->flags & layer_quoted)) c.tunnel = c.last();
      v->tunnel.vni = load_be32(c.p() + 4) >> 8;
      v->tunnel.proto = c.p()[3];
      c.off += 8;
      return gpe_next(static_cast<std::uint8_t>(v->tunnel.proto));
    }
    case udp_tunnel::geneve: return parse_geneve(c);
    case udp_tunnel::gtpu: return parse_gtpu(c);
    case udp_tunnel::teredo: return parse_teredo(c);
    case udp_tunnel::l2tp: return parse_l2tp(c);
    case udp_tunnel::none: break;
  }
  return {};
}

step parse_sctp(ctx& c) {
  if (!c.need(12)) return {};
  auto* l = c.push(proto::sctp, 12);
  if (!l) return {};
  c.note_transport(*l);
  auto& f = l->sctp;
  f.sport = load_be16(c.p());
  f.dport = load_be16(c.p() + 2);
  f.vtag = load_be32(c.p() + 4);
  c.off += 12;
  // Count chunks (bounded by the data and by 255; each is at least 4 bytes).
  std::uint32_t pos = c.off;
  while (pos + 4 <= c.end && f.chunks < 255) {
    if (f.chunks == 0) f.first_chunk = c.data[pos];
    std::uint32_t clen = load_be16(c.data.data() + pos + 2);
    ++f.chunks;
    if (clen < 4) break;
    pos += (clen + 3) & ~3u;
  }
  return {};
}

step dispatch_ethertype(ctx& c, std::uint32_t et) {
  switch (et) {
    case 0x0800: return parse_ipv4(c);
    case 0x86dd: return parse_ipv6(c);
    case 0x0806: case 0x8035: return parse_arp(c);  // ARP, RARP
    case 0x8100: case 0x88a8: case 0x9100: case 0x9200: return parse_vlan(c, static_cast<std::uint16_t>(et));
    case 0x8926: return parse_tag(c, proto::vntag, 4);
    case 0x893f: return parse_tag(c, proto::etag, 6);
    case 0x894f: return parse_nsh(c);
    case 0x8847: case 0x8848: return parse_mpls(c);
    case 0x8864: return parse_pppoes(c);
    case 0x6558: return {next::eth, 0};
    default: return {};
  }
}

step dispatch_ip_proto(ctx& c, std::uint32_t p) {
  switch (p) {
    case 1: return parse_icmp(c, false);
    case 2: return parse_igmp(c);
    case 4: return parse_ipv4(c);
    case 6: return parse_tcp(c);
    case 17: return parse_udp(c);
    case 41: return parse_ipv6(c);
    case 47: return parse_gre(c);
    case 50:
      if (c.avail() >= 8 && c.push(proto::esp, 8)) c.off += 8;
      return {};
    case 51: return parse_ah(c);
    case 58: return parse_icmp(c, true);
    case 103: return parse_pim(c);
    case 132: return parse_sctp(c);
    case 137: return parse_mpls(c);  // MPLS-in-IP
    default: return {};
  }
}

step start_link(ctx& c, std::uint32_t link_type);

// PPI (Per-Packet Information): a little-endian header naming the link type of what follows.
step parse_ppi(ctx& c) {
  if (!c.need(8)) return {};
  bool le_swap = !util::host_is_little_endian();
  std::uint16_t len = util::load_u16(c.p() + 2, le_swap);
  std::uint32_t dlt = util::load_u32(c.p() + 4, le_swap);
  if (len < 8 || !c.need(len)) return {};
  auto* l = c.push(proto::ppi, len);
  if (!l) return {};
  l->link.protocol = static_cast<std::uint16_t>(dlt);
  c.off += len;
  if (dlt == 192 || ++c.link_depth > 1) return {};  // no PPI inside PPI
  return start_link(c, dlt);
}

step start_link(ctx& c, std::uint32_t link_type) {
  switch (link_type) {
    case 1: return {next::eth, 0};
    case 0: return parse_null(c, false);
    case 108: return parse_null(c, true);
    case 12: case 14: case 101: return {next::ip_by_version, 0};
    case 228: return {next::ethertype, 0x0800};
    case 229: return {next::ethertype, 0x86dd};
    case 9: case 50: case 204: return {next::ppp, 0};
    case 51: return parse_pppoes(c);
    case 10: return parse_fddi(c);
    case 104: return parse_chdlc(c);
    case 239: return parse_nflog(c);
    case 107: return parse_fr(c);
    case 113: return parse_sll(c);
    case 192: return parse_ppi(c);
    case 276: return parse_sll2(c);
    case 105: return {next::wlan, 0};
    case 127: return parse_radiotap(c);
    default:
      c.flag(anomaly::unknown_link_type, 0);
      return {};
  }
}

// ---- the common chain, straight-line ------------------------------------------------------
//
// Most packets are Ethernet (with at most one VLAN tag), IPv4 without options or IPv6 without
// extension headers, then TCP or UDP. These parse that chain without the dispatch loop and leave
// `c` and `out` exactly as the generic parsers above would. Each checks, before pushing
// anything, that its header is whole and plain (no cut, no anomaly, no fragment, no tunnel
// behind it); otherwise it returns the step that has the generic loop parse that same header.
// They run only on a packet just reset, outside ICMP quotes and IP fragments, with offsets below
// 64 KiB. Each is instantiated for the layer it pushes and the offset of its header (the chain's
// headers before TCP/UDP have fixed lengths), so that layer addresses and header offsets are
// constants. They leave the count and the summary to the end of the chain: `chain_done` when
// it is whole, `resume` and `go_on` (from the layers pushed) when the generic loop goes on. Their fallbacks
// are marked unlikely: GCC otherwise treats the chain as cold and zeroes each layer with a
// `rep stos`, slower than the few wide stores it emits for hot code.

// Starts layer `At` of a header of `len` bytes at `Off` that the caller found whole: its header
// fields, and its union cleared. Called after the caller has read all it needs from the packet
// bytes (a byte load may alias the layer), so that the compiler can drop the zeroing of what
// the caller's stores then overwrite.
template <std::uint8_t At, std::uint32_t Off>
layer& push_whole(ctx& c, proto p, std::uint32_t len) {
  static_assert(At < max_layers && Off < 0xFFFF);
  layer& l = c.out.layers[At];
  // The union (all that follows the header fields), then the header fields one by one: these
  // are constants or nearly, which the compiler merges into one store.
  std::memset(static_cast<void*>(&l.eth), 0, sizeof l - offsetof(layer, eth));
  l.kind = p;
  l.flags = 0;
  l.offset = static_cast<std::uint16_t>(Off);
  l.length = static_cast<std::uint16_t>(len);
  l.captured = static_cast<std::uint16_t>(len);
  return l;
}

// The generic loop goes on with `s` at `Off`, after the `N` layers pushed so far.
template <std::uint8_t N, std::uint32_t Off>
step resume(ctx& c, step s) {
  c.out.count = N;
  c.off = Off;
  return s;
}

// The chain ended with the TCP/UDP layer `At`, after the IP layer before it (and a VLAN tag when
// that one is layer 2): the count and the summary, as pushing them one by one would leave them.
template <std::uint8_t At>
step chain_done(ctx& c, proto top) {
  // One store: these are constants, and `count` comes right before the summary in `packet`.
  static_assert(offsetof(packet, top_kind) == offsetof(packet, count) + 7);
  c.out.count = At + 1;
  c.out.net = At - 1;
  c.out.transport = At;
  c.out.ip_headers = 1;
  c.out.vlan = At == 3 ? 1 : packet::no_layer;
  c.out.tunnel = packet::no_layer;
  c.out.irregular = false;
  c.out.top_kind = top;
  return {};
}

// TCP as layer `At` at `Off`, right after the IP header.
template <std::uint8_t At, std::uint32_t Off>
step fast_tcp(ctx& c) {
  constexpr step generic{next::ip_proto, 6};
  if (c.end < Off + 20) [[unlikely]] return resume<At, Off>(c, generic);
  const std::uint8_t* p = c.data.data() + Off;
  const std::uint32_t hl = (p[12] >> 4) * 4u;
  // Bogus, or cut (the captured part never exceeds the reported one, so the length fits both).
  if (hl < 20 || hl > c.end - Off) [[unlikely]] return resume<At, Off>(c, generic);
  const std::uint16_t sport = load_be16(p), dport = load_be16(p + 2);
  const std::uint32_t seq = load_be32(p + 4), ack = load_be32(p + 8);
  const std::uint16_t flags = load_be16(p + 12) & 0x0FFF, window = load_be16(p + 14);
  const std::uint16_t checksum = load_be16(p + 16), urgent = load_be16(p + 18);
  layer& l = push_whole<At, Off>(c, proto::tcp, hl);
  auto& f = l.tcp;
  f.sport = sport;
  f.dport = dport;
  f.seq = seq;
  f.ack = ack;
  f.flags = flags;
  f.window = window;
  f.checksum = checksum;
  f.urgent = urgent;
  f.hdr_len = static_cast<std::uint8_t>(hl);
  f.wscale = 0xff;
  f.payload_len = c.rend - Off - hl;
  tcp_options(f, p + 20, hl - 20);
  c.off = Off + hl;
  return chain_done<At>(c, proto::tcp);
}

// UDP as layer `At` at `Off`, right after the IP header.
template <std::uint8_t At, std::uint32_t Off>
step fast_udp(ctx& c) {
  constexpr step generic{next::ip_proto, 17};
  if (c.end < Off + 8) [[unlikely]] return resume<At, Off>(c, generic);
  const std::uint8_t* p = c.data.data() + Off;
  const std::uint16_t sport = load_be16(p), dport = load_be16(p + 2), length = load_be16(p + 4);
  if (length < 8 || length > c.rend - Off) [[unlikely]] return resume<At, Off>(c, generic);  // bogus length, or 0
  // A tunnel port (see parse_udp): the generic parser follows it. All of them lie in
  // [1701, 6081], which most ports do not.
  const std::uint16_t lo = std::min(sport, dport), hi = std::max(sport, dport);
  auto maybe_tunnel = [](std::uint16_t port) {
    return port >= 1701 && port <= 6081 && udp_tunnel_of(port) != udp_tunnel::none;
  };
  if (maybe_tunnel(lo) || (lo >= 1024 && maybe_tunnel(hi))) [[unlikely]] return resume<At, Off>(c, generic);
  const std::uint16_t checksum = load_be16(p + 6);
  layer& l = push_whole<At, Off>(c, proto::udp, 8);
  l.udp.sport = sport;
  l.udp.dport = dport;
  l.udp.length = length;
  l.udp.checksum = checksum;
  c.off = Off + 8;
  // The length lies within the reported payload (checked above), so it is the new end of it.
  c.rend = Off + length;
  c.end = std::min(c.end, c.rend);
  return chain_done<At>(c, proto::udp);
}

// What the IP header (layer `At`, ending at `Off`) carries: TCP or UDP straight on, anything
// else (or a TCP/UDP header the straight-line path leaves alone) through the generic loop.
template <std::uint8_t At, std::uint32_t Off>
step fast_l4(ctx& c, std::uint8_t ip_proto) {
  if (ip_proto == 6) return fast_tcp<At, Off>(c);
  if (ip_proto == 17) return fast_udp<At, Off>(c);
  return resume<At, Off>(c, {next::ip_proto, ip_proto});
}

// IPv4 as layer `At` at `Off`, then what it carries.
template <std::uint8_t At, std::uint32_t Off>
step fast_ipv4(ctx& c) {
  constexpr step generic{next::ethertype, 0x0800};
  if (c.end < Off + 20) [[unlikely]] return resume<At, Off>(c, generic);
  const std::uint8_t* p = c.data.data() + Off;
  const std::uint16_t total_len = load_be16(p + 2);
  // Version 4 without options; a total length neither bogus nor 0 (TSO); not a fragment (MF
  // and the offset clear).
  if (p[0] != 0x45 || total_len < 20 || total_len > c.rend - Off || (load_be16(p + 6) & 0x3FFF) != 0) [[unlikely]] {
    return resume<At, Off>(c, generic);
  }
  const std::uint8_t dsfield = p[1], flags = static_cast<std::uint8_t>(p[6] >> 5), ttl = p[8], ip_proto = p[9];
  const std::uint16_t id = load_be16(p + 4), checksum = load_be16(p + 10);
  std::uint64_t addrs;  // source and destination, as `src` and `dst` follow each other
  static_assert(offsetof(ip_fields, dst) == offsetof(ip_fields, src) + 4);
  std::memcpy(&addrs, p + 12, 8);
  layer& l = push_whole<At, Off>(c, proto::ip, 20);
  auto& f = l.ip;
  f.hdr_len = 20;
  f.dsfield = dsfield;
  f.total_len = total_len;
  f.id = id;
  f.flags = flags;
  f.ttl = ttl;
  f.proto = ip_proto;
  f.checksum = checksum;
  std::memcpy(f.src.data(), &addrs, 8);
  // The total length lies within the reported payload (checked above): it ends the payload.
  c.rend = Off + total_len;
  c.end = std::min(c.end, c.rend);
  return fast_l4<At + 1, Off + 20>(c, ip_proto);
}

// IPv6 as layer `At` at `Off`, then what it carries.
template <std::uint8_t At, std::uint32_t Off>
step fast_ipv6(ctx& c) {
  constexpr step generic{next::ethertype, 0x86dd};
  if (c.end < Off + 40) [[unlikely]] return resume<At, Off>(c, generic);
  const std::uint8_t* p = c.data.data() + Off;
  const std::uint16_t plen = load_be16(p + 4);
  const std::uint8_t nxt = p[6];
  // A payload length neither bogus nor 0 (jumbogram, TSO); no extension header.
  if ((p[0] >> 4) != 6 || plen == 0 || plen > c.rend - (Off + 40) || ipv6_ext_header(nxt)) [[unlikely]] {
    return resume<At, Off>(c, generic);
  }
  const std::uint32_t v = load_be32(p);
  const std::uint8_t hlim = p[7];
  // Source and destination as four words, not an array: clang keeps an array copied whole in
  // wasm's linear-memory stack, which gave `dissect` a stack frame on every call.
  std::uint64_t a0, a1, a2, a3;
  static_assert(offsetof(ipv6_fields, dst) == offsetof(ipv6_fields, src) + 16);
  std::memcpy(&a0, p + 8, 8);
  std::memcpy(&a1, p + 16, 8);
  std::memcpy(&a2, p + 24, 8);
  std::memcpy(&a3, p + 32, 8);
  layer& l = push_whole<At, Off>(c, proto::ipv6, 40);
  auto& f = l.ipv6;
  f.tclass = static_cast<std::uint8_t>((v >> 20) & 0xFF);
  f.flow = v & 0xFFFFF;
  f.plen = plen;
  f.nxt = nxt;
  f.hlim = hlim;
  std::memcpy(f.src.data(), &a0, 8);
  std::memcpy(f.src.data() + 8, &a1, 8);
  std::memcpy(f.dst.data(), &a2, 8);
  std::memcpy(f.dst.data() + 8, &a3, 8);
  // The payload length lies within the reported payload (checked above): it ends the payload.
  c.rend = Off + 40 + plen;
  c.end = std::min(c.end, c.rend);
  return fast_l4<At + 1, Off + 40>(c, nxt);
}

// The chain from the ethertype `type` of the header before layer `At` at `Off`.
template <std::uint8_t At, std::uint32_t Off>
step fast_l3(ctx& c, std::uint16_t type) {
  if (type == 0x0800) return fast_ipv4<At, Off>(c);
  if (type == 0x86dd) return fast_ipv6<At, Off>(c);
  return resume<At, Off>(c, {next::ethertype, type});
}

// The whole chain; `stop` only when it ended with a TCP or UDP header.
step fast_eth(ctx& c) {
  constexpr step generic_eth{next::eth, 0};
  if (c.end < 14) [[unlikely]] return resume<0, 0>(c, generic_eth);
  const std::uint8_t* p = c.data.data();
  const std::uint16_t type = load_be16(p + 12);
  // 802.3 length, FabricPath
  if (type < 0x0600 || type == 0x8903) [[unlikely]] return resume<0, 0>(c, generic_eth);
  // Both addresses at once: `src` follows `dst` in eth_fields, as in the header.
  static_assert(offsetof(eth_fields, src) == offsetof(eth_fields, dst) + 6);
  std::uint64_t addrs0;
  std::uint32_t addrs1;
  std::memcpy(&addrs0, p, 8);
  std::memcpy(&addrs1, p + 8, 4);
  layer& e = push_whole<0, 0>(c, proto::eth, 14);
  std::memcpy(e.eth.dst.data(), &addrs0, 8);
  std::memcpy(e.eth.dst.data() + 8, &addrs1, 4);
  e.eth.type = type;
  if (type == 0x0800 || type == 0x86dd) [[likely]] return fast_l3<1, 14>(c, type);
  const step generic{next::ethertype, type};
  if (type != 0x8100 && type != 0x88a8 && type != 0x9100 && type != 0x9200) return resume<1, 14>(c, generic);
  if (c.end < 18) [[unlikely]] return resume<1, 14>(c, generic);
  const std::uint16_t tci = load_be16(p + 14), etype = load_be16(p + 16);
  if (etype < 0x0600) [[unlikely]] return resume<1, 14>(c, generic);  // 802.3 length inside the tag
  layer& v = push_whole<1, 14>(c, proto::vlan, 4);
  v.vlan.tpid = type;
  v.vlan.pcp = static_cast<std::uint8_t>(tci >> 13);
  v.vlan.dei = (tci & 0x1000) != 0;
  v.vlan.id = tci & 0x0FFF;
  v.vlan.etype = etype;
  return fast_l3<2, 18>(c, etype);
}

}  // namespace

std::string_view proto_name(proto p) noexcept {
  switch (p) {
    case proto::eth: return "eth";
    case proto::llc: return "llc";
    case proto::vlan: return "vlan";
    case proto::mpls: return "mpls";
    case proto::pwach: return "pwach";
    case proto::pppoes: return "pppoes";
    case proto::ppp: return "ppp";
    case proto::sll: return "sll";
    case proto::sll2: return "sll";
    case proto::null: return "null";
    case proto::wlan: return "wlan";
    case proto::radiotap: return "radiotap";
    case proto::arp: return "arp";
    case proto::ip: return "ip";
    case proto::ipv6: return "ipv6";
    case proto::ipv6_ext: return "ipv6";
    case proto::ah: return "ah";
    case proto::esp: return "esp";
    case proto::icmp: return "icmp";
    case proto::icmpv6: return "icmpv6";
    case proto::igmp: return "igmp";
    case proto::gre: return "gre";
    case proto::vxlan: return "vxlan";
    case proto::geneve: return "geneve";
    case proto::tcp: return "tcp";
    case proto::udp: return "udp";
    case proto::sctp: return "sctp";
    case proto::cfp: return "cfp";
    case proto::vntag: return "vntag";
    case proto::erspan: return "erspan";
    case proto::gtp: return "gtp";
    case proto::teredo: return "teredo";
    case proto::l2tp: return "l2tp";
    case proto::pim: return "pim";
    case proto::fr: return "fr";
    case proto::chdlc: return "chdlc";
    case proto::ppi: return "ppi";
    case proto::fddi: return "fddi";
    case proto::nflog: return "nflog";
    case proto::nsh: return "nsh";
    case proto::etag: return "etag";
    case proto::data: return "data";
    case proto::none: case proto::count_: break;
  }
  return "";
}

std::string_view anomaly_name(anomaly a) noexcept {
  switch (a) {
    case anomaly::none: return "";
    case anomaly::truncated: return "frame.truncated_header";
    case anomaly::ip_bogus_header_length: return "ip.bogus_header_length";
    case anomaly::ip_bogus_total_length: return "ip.bogus_total_length";
    case anomaly::ipv6_bogus_payload_length: return "ipv6.bogus_payload_length";
    case anomaly::ipv6_ext_chain_too_long: return "ipv6.extension_chain_too_long";
    case anomaly::tcp_bogus_header_length: return "tcp.bogus_header_length";
    case anomaly::udp_bogus_length: return "udp.bogus_length";
    case anomaly::too_many_layers: return "frame.too_many_layers";
    case anomaly::unknown_link_type: return "frame.unknown_link_type";
    case anomaly::ip_bad_checksum: return "ip.bad_checksum";
    case anomaly::gre_unsupported: return "gre.unsupported";
    case anomaly::ip_bogus_version: return "ip.bogus_version";
    case anomaly::ip_fragment_overlap: return "ip.fragment_overlap_conflict";
    case anomaly::count_: break;
  }
  return "";
}

namespace {

// The last layer that is not an IPv6 extension header (nor undissected data).
proto top_of(const packet& p) noexcept {
  for (std::size_t i = p.count; i-- > 0;) {
    if (p.layers[i].kind != proto::data && p.layers[i].kind != proto::ipv6_ext) return p.layers[i].kind;
  }
  return proto::none;
}

}  // namespace

bool ipv4_checksum_ok(const layer& l, util::bytes data) noexcept {
  // Offsets and lengths are those of the first 64 KiB that `dissect` looked at.
  if (l.kind != proto::ip || l.length < 20 || l.captured < l.length || l.offset + std::size_t{l.length} > data.size()) {
    return false;
  }
  return header_checksum_ok(data.data() + l.offset, l.length);
}

void summarize(packet& p) noexcept {
  p.net = p.transport = p.vlan = p.tunnel = packet::no_layer;
  p.ip_headers = 0;
  p.irregular = false;
  constexpr std::uint8_t cut = layer_partial | layer_malformed | layer_fragment;
  std::uint8_t tunnel = packet::no_layer;
  const std::size_t n = std::min<std::size_t>(p.count, max_layers);
  for (std::size_t i = 0; i < n; ++i) {
    const layer& l = p.layers[i];
    const bool quoted = l.flags & layer_quoted;
    switch (l.kind) {
      case proto::ip:
        if ((l.ip.flags & 0x1) || l.ip.frag_offset) p.irregular = true;
        [[fallthrough]];
      case proto::ipv6:
        if (l.flags & cut) p.irregular = true;
        ++p.ip_headers;
        if (!quoted) {
          p.net = static_cast<std::uint8_t>(i);
          p.tunnel = tunnel;
        }
        break;
      case proto::tcp: case proto::udp: case proto::sctp:
        if (l.flags & cut) p.irregular = true;
        break;
      case proto::ipv6_ext:
        if (l.ipv6_ext.type == 44) p.irregular = true;
        break;
      case proto::vlan:
        if (!quoted && p.vlan == packet::no_layer) p.vlan = static_cast<std::uint8_t>(i);
        break;
      case proto::vxlan: case proto::geneve:
        if (!quoted) tunnel = static_cast<std::uint8_t>(i);
        break;
      default: break;
    }
  }
  if (p.net != packet::no_layer) {
    for (std::size_t i = p.net + 1u; i < n; ++i) {
      const layer& l = p.layers[i];
      if (l.flags & layer_quoted) break;
      if (l.kind == proto::ipv6_ext || l.kind == proto::ah) continue;
      if (l.kind == proto::tcp || l.kind == proto::udp || l.kind == proto::sctp || l.kind == proto::icmp ||
          l.kind == proto::icmpv6) {
        p.transport = static_cast<std::uint8_t>(i);
      }
      break;
    }
  }
  p.top_kind = top_of(p);
}

const layer* packet::last(proto p) const noexcept {
  for (std::size_t i = count; i-- > 0;) {
    if (layers[i].kind == p) return &layers[i];
  }
  return nullptr;
}

const layer* packet::first(proto p) const noexcept {
  for (std::size_t i = 0; i < count; ++i) {
    if (layers[i].kind == p) return &layers[i];
  }
  return nullptr;
}

namespace {

// Runs the dispatch loop from step `s` until a parser says stop. Not inlined into `run`, whose
// common case does not need its registers saved.
[[gnu::noinline]] void dispatch_loop(ctx& c, step s, packet& out) noexcept {
  for (std::size_t guard = 0; s.what != next::stop && guard < 4 * max_layers; ++guard) {
    switch (s.what) {
      case next::ethertype: s = dispatch_ethertype(c, s.value); break;
      case next::ip_proto: s = dispatch_ip_proto(c, s.value); break;
      case next::eth: s = parse_eth(c); break;
      case next::llc: s = parse_llc(c); break;
      case next::ip_by_version:
        if (c.avail() >= 1 && (c.p()[0] >> 4) == 4) s = parse_ipv4(c);
        else if (c.avail() >= 1 && (c.p()[0] >> 4) == 6) s = parse_ipv6(c);
        else s = {};
        break;
      case next::ppp_proto: s = ppp_to_next(static_cast<std::uint16_t>(s.value)); break;
      case next::ppp: s = parse_ppp(c); break;
      case next::wlan: s = parse_wlan(c); break;
      case next::mpls_payload: s = parse_mpls_payload(c); break;
      case next::stop: break;
    }
    if (out.count >= max_layers) break;
  }
  // Stopped by the stack (or the step guard) with more to parse: say so.
  if (s.what != next::stop && out.first_anomaly != anomaly::too_many_layers) c.flag(anomaly::too_many_layers, c.off);
}

// Parses from step `s` (the generic loop only when there is something left to parse: the
// common chain is done by then), then notes where the payload is.
[[gnu::always_inline]] inline void run(ctx& c, step s, packet& out) noexcept {
  if (s.what != next::stop) dispatch_loop(c, s, out);
  out.payload_offset = std::min<std::uint32_t>(c.off, c.end);
  out.payload_length = c.end > c.off ? c.end - c.off : 0;
  out.top_kind = top_of(out);
}

// The context of a dissection of `data` (see `dissect`).
ctx start(util::bytes data, packet& out, std::uint32_t wire_length) noexcept {
  // Offsets are 16-bit in layers; larger frames are dissected over their first 64 KiB.
  ctx c{data.first(std::min<std::size_t>(data.size(), 0xFFFF)), out};
  c.end = static_cast<std::uint32_t>(c.data.size());
  c.rend = std::max<std::uint32_t>(wire_length, static_cast<std::uint32_t>(data.size()));
  return c;
}

// The packet's anomalies and length, as a dissection starts.
void reset_anomalies(packet& out, util::bytes data) noexcept {
  out.first_anomaly = anomaly::none;
  out.anomalies = 0;
  out.anomaly_offset = 0;
  out.frame_length = static_cast<std::uint32_t>(data.size());
}

// … and its layer count and summary too.
void reset(packet& out, util::bytes data) noexcept {
  reset_anomalies(out, data);
  out.count = 0;
  out.net = out.transport = out.vlan = out.tunnel = packet::no_layer;
  out.ip_headers = 0;
  out.irregular = false;
}

// `dissect_generic`, out of line: `dissect` ends in a jump to it or to `go_on`, so that its
// straight-line path makes no call and keeps its context in registers, without a stack frame.
[[gnu::noinline]] void generic(util::bytes data, std::uint32_t link_type, packet& out, std::uint32_t wire_length) noexcept {
  reset(out, data);
  ctx c = start(data, out, wire_length);
  run(c, start_link(c, link_type), out);
}

// The generic loop from step `s`, where the straight-line path left off: at `off` in `data`
// (the packet's, whose length is in `out`), its payload trimmed to `end` (`rend` on the wire).
// Plain values, not the context, so that the context of the straight-line path stays in
// registers.
[[gnu::noinline]] void go_on(packet& out, const std::uint8_t* data, std::uint32_t off, std::uint32_t end,
                             std::uint32_t rend, step s) noexcept {
  ctx c{util::bytes(data, std::min<std::size_t>(out.frame_length, 0xFFFF)), out};
  c.off = off;
  c.end = end;
  c.rend = rend;
  // The summary of the layers the straight-line path pushed (Ethernet, a VLAN tag, an IP
  // header: all whole and plain), and the layer the IP header carries, as the generic parsers
  // would have noted them.
  summarize(c.out);
  if (c.out.net != packet::no_layer) c.carried = static_cast<std::uint8_t>(c.out.net + 1);
  run(c, s, c.out);
}

}  // namespace

void dissect(util::bytes data, std::uint32_t link_type, packet& out, std::uint32_t wire_length) noexcept {
  if (link_type != 1) return generic(data, link_type, out, wire_length);
  reset_anomalies(out, data);
  // The straight-line path runs on a context whose address never escapes, so that its fields
  // stay in registers; the generic loop goes on from where it left off, on a copy.
  ctx f = start(data, out, wire_length);
  const step s = fast_eth(f);
  if (s.what != next::stop) [[unlikely]] return go_on(out, data.data(), f.off, f.end, f.rend, s);
  // The straight-line path parsed the whole chain and wrote the count and the summary: the
  // payload follows the TCP/UDP header, which was whole, so before the end.
  out.payload_offset = f.off;
  out.payload_length = f.end - f.off;
}

void dissect_generic(util::bytes data, std::uint32_t link_type, packet& out, std::uint32_t wire_length) noexcept {
  generic(data, link_type, out, wire_length);
}

void dissect_transport(util::bytes payload, std::uint8_t ip_proto, packet& out) noexcept {
  reset(out, payload);
  ctx c{payload.first(std::min<std::size_t>(payload.size(), 0xFFFF)), out};
  c.end = static_cast<std::uint32_t>(c.data.size());
  c.rend = c.end;
  run(c, step{next::ip_proto, ip_proto}, out);
}

}  // namespace pcapscope::dissect
