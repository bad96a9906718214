// Link → network → transport dissection over one packet's bytes into a fixed layer stack.
// Each parser decodes its header into a layer and says what comes next (an ethertype, an IP
// protocol, a link header…); the loop in `dissect` dispatches on that, so encapsulations nest
// to any order but never deeper than `max_layers`.
#include <algorithm>
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
    l.captured = static_cast<std::uint16_t>(std::min<std::size_t>({len, avail(), 0xFFFF}));
    if (l.captured < len) l.flags |= layer_partial;
    if (in_icmp_error) l.flags |= layer_quoted;
    return &l;
  }

  void flag(anomaly a, std::uint32_t at) {
    if (out.anomalies == 0) {
      out.first_anomaly = a;
      out.anomaly_offset = static_cast<std::uint16_t>(std::min<std::uint32_t>(at, 0xFFFF));
    }
    if (out.anomalies < 0xFF) ++out.anomalies;
  }

  // A header that needs `n` bytes but fewer remain: flag and stop. Inside an ICMP error quote
  // a short header is expected (the quote is cut by design) and is only noted.
  bool need(std::uint32_t n) {
    if (avail() >= n) return true;
    flag(in_icmp_error ? anomaly::icmp_quote_truncated : anomaly::truncated, off);
    return false;
  }

  const std::uint8_t* p() const { return data.data() + off; }
};

// ---- link layer --------------------------------------------------------------------------

step parse_eth(ctx& c) {
  if (!c.need(14)) return {};
  auto* l = c.push(proto::eth, 14);
  if (!l) return {};
  std::copy_n(c.p(), 6, l->eth.dst.begin());
  std::copy_n(c.p() + 6, 6, l->eth.src.begin());
  l->eth.type = load_be16(c.p() + 12);
  c.off += 14;
  if (l->eth.type >= 0x0600) return {next::ethertype, l->eth.type};
  // 802.3 length field: trims padding, LLC follows (raw IPX starts with ffff).
  c.end = std::min<std::uint32_t>(c.end, c.off + l->eth.type);
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
  std::uint16_t tci = load_be16(c.p());
  l->vlan.tpid = tpid;
  l->vlan.pcp = static_cast<std::uint8_t>(tci >> 13);
  l->vlan.dei = (tci & 0x1000) != 0;
  l->vlan.id = tci & 0x0FFF;
  l->vlan.etype = load_be16(c.p() + 2);
  c.off += 4;
  if (l->vlan.etype < 0x0600) {  // 802.3 length inside the tag
    c.end = std::min<std::uint32_t>(c.end, c.off + l->vlan.etype);
    return {next::llc, 0};
  }
  return {next::ethertype, l->vlan.etype};
}

step parse_mpls(ctx& c) {
  // Label stack entries until the bottom-of-stack bit.
  for (;;) {
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
  c.end = std::min<std::uint32_t>(c.end, c.off + len);
  return {next::ppp, 0};
}

step parse_ppp(ctx& c) {
  if (!c.need(1)) return {};
  std::uint32_t len = 0;
  if (c.avail() >= 2 && c.p()[0] == 0xff && c.p()[1] == 0x03) len = 2;  // HDLC address/control
  if (c.avail() < len + 1) {
    c.need(len + 1);
    return {};
  }
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

// radiotap: length from its header; an FCS at the end of the frame is cut off when its flags say so.
step parse_radiotap(ctx& c) {
  if (!c.need(8)) return {};
  std::uint16_t len = util::load_u16(c.p() + 2, !util::host_is_little_endian());
  if (len < 8 || len > c.avail()) {
    c.flag(anomaly::truncated, c.off);
    return {};
  }
  auto* l = c.push(proto::radiotap, len);
  if (!l) return {};
  // Present bitmaps (chained by bit 31); fields follow, each aligned to its size.
  bool le_swap = !util::host_is_little_endian();
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
  if (fcs && c.avail() >= 4) c.end -= 4;
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

step parse_arp(ctx& c) {
  if (!c.need(8)) return {};
  std::uint8_t hlen = c.p()[4], plen = c.p()[5];
  std::uint32_t len = 8 + 2u * hlen + 2u * plen;
  bool full = c.avail() >= len;
  if (!full) c.flag(anomaly::truncated, c.off);
  auto* l = c.push(proto::arp, full ? len : static_cast<std::uint32_t>(c.avail()));
  if (!l) return {};
  l->arp.htype = load_be16(c.p());
  l->arp.ptype = load_be16(c.p() + 2);
  l->arp.hlen = hlen;
  l->arp.plen = plen;
  l->arp.opcode = load_be16(c.p() + 6);
  if (full && hlen == 6) {
    std::copy_n(c.p() + 8, 6, l->arp.sha.begin());
    std::copy_n(c.p() + 8 + 6 + plen, 6, l->arp.tha.begin());
  }
  if (full && plen == 4) {
    std::copy_n(c.p() + 8 + hlen, 4, l->arp.spa.begin());
    std::copy_n(c.p() + 8 + 2 * hlen + 4, 4, l->arp.tpa.begin());
  }
  c.off += full ? len : static_cast<std::uint32_t>(c.avail());
  return {};
}

std::uint16_t ones_sum(const std::uint8_t* p, std::size_t n) {
  std::uint32_t s = 0;
  for (std::size_t i = 0; i + 1 < n; i += 2) s += load_be16(p + i);
  if (n & 1) s += std::uint32_t{p[n - 1]} << 8;
  while (s >> 16) s = (s & 0xFFFF) + (s >> 16);
  return static_cast<std::uint16_t>(s);
}

step parse_ipv4(ctx& c) {
  if (!c.need(20)) return {};
  std::uint8_t vihl = c.p()[0];
  std::uint32_t ihl = (vihl & 0xF) * 4u;
  if ((vihl >> 4) != 4 || ihl < 20 || ihl > c.avail()) {
    if (!c.in_icmp_error || ihl < 20) c.flag(anomaly::ip_bogus_header_length, c.off);
    auto* l = c.push(proto::ip, 20);
    if (l) {
      l->ip.hdr_len = static_cast<std::uint8_t>(ihl);
      l->ip.total_len = load_be16(c.p() + 2);
      l->ip.ttl = c.p()[8];
      l->ip.proto = c.p()[9];
      std::copy_n(c.p() + 12, 4, l->ip.src.begin());
      std::copy_n(c.p() + 16, 4, l->ip.dst.begin());
    }
    return {};
  }
  auto* l = c.push(proto::ip, ihl);
  if (!l) return {};
  auto& f = l->ip;
  f.hdr_len = static_cast<std::uint8_t>(ihl);
  f.dsfield = c.p()[1];
  f.total_len = load_be16(c.p() + 2);
  f.id = load_be16(c.p() + 4);
  std::uint16_t ff = load_be16(c.p() + 6);
  f.flags = static_cast<std::uint8_t>(ff >> 13);
  f.frag_offset = ff & 0x1FFF;
  f.ttl = c.p()[8];
  f.proto = c.p()[9];
  f.checksum = load_be16(c.p() + 10);
  std::copy_n(c.p() + 12, 4, f.src.begin());
  std::copy_n(c.p() + 16, 4, f.dst.begin());
  f.checksum_ok = ones_sum(c.p(), ihl) == 0xFFFF;
  std::uint32_t start = c.off;
  c.off += ihl;
  if (f.total_len < ihl) {
    // Wireshark treats total length 0 as "TSO: use the captured length" and flags others.
    if (f.total_len != 0) {
      c.flag(anomaly::ip_bogus_total_length, start);
      return {};
    }
  } else if (start + f.total_len <= c.end) {
    c.end = start + f.total_len;  // trim Ethernet padding
  } else if (!c.in_icmp_error) {
    c.flag(anomaly::ip_bogus_total_length, start);
  }
  if ((f.flags & 0x1) || f.frag_offset != 0) return {};  // fragment: payload is not a header
  return {next::ip_proto, f.proto};
}

step parse_ipv6(ctx& c) {
  if (!c.need(40)) return {};
  auto* l = c.push(proto::ipv6, 40);
  if (!l) return {};
  auto& f = l->ipv6;
  std::uint32_t v = load_be32(c.p());
  f.tclass = static_cast<std::uint8_t>((v >> 20) & 0xFF);
  f.flow = v & 0xFFFFF;
  f.plen = load_be16(c.p() + 4);
  f.nxt = c.p()[6];
  f.hlim = c.p()[7];
  std::copy_n(c.p() + 8, 16, f.src.begin());
  std::copy_n(c.p() + 24, 16, f.dst.begin());
  c.off += 40;
  if (c.off + f.plen <= c.end) {
    if (f.plen != 0) c.end = c.off + f.plen;  // 0: jumbogram or TSO
  } else if (!c.in_icmp_error) {
    c.flag(anomaly::ipv6_bogus_payload_length, c.off - 40);
  }
  // Extension headers, capped.
  std::uint8_t nh = f.nxt;
  for (std::size_t n = 0;; ++n) {
    if (nh != 0 && nh != 43 && nh != 44 && nh != 60 && nh != 135 && nh != 139 && nh != 140) break;
    if (n >= max_ipv6_ext) {
      c.flag(anomaly::ipv6_ext_chain_too_long, c.off);
      return {};
    }
    if (!c.need(8)) return {};
    std::uint32_t len = nh == 44 ? 8 : (std::uint32_t{c.p()[1]} + 1) * 8;
    if (!c.need(len)) return {};
    auto* e = c.push(proto::ipv6_ext, len);
    if (!e) return {};
    e->ipv6_ext.type = nh;
    e->ipv6_ext.nxt = c.p()[0];
    if (nh == 44) {
      std::uint16_t fo = load_be16(c.p() + 2);
      e->ipv6_ext.frag_offset = fo >> 3;
      e->ipv6_ext.more_fragments = (fo & 1) != 0;
      e->ipv6_ext.frag_id = load_be32(c.p() + 4);
      c.off += len;
      nh = e->ipv6_ext.nxt;
      if (e->ipv6_ext.frag_offset != 0 || e->ipv6_ext.more_fragments) return {};
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
  if (error && c.avail() >= (v6 ? 40u : 20u) && !c.in_icmp_error) {
    c.in_icmp_error = true;  // the quoted packet is expected to be cut short
    return {next::ethertype, v6 ? 0x86ddu : 0x0800u};
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

step parse_gre(ctx& c) {
  if (!c.need(4)) return {};
  std::uint16_t flags = load_be16(c.p());
  std::uint16_t pt = load_be16(c.p() + 2);
  std::uint32_t len = 4;
  if (flags & 0x8000) len += 4;  // checksum + reserved
  bool key = flags & 0x2000;
  std::uint32_t key_at = len;
  if (key) len += 4;
  if (flags & 0x1000) len += 4;  // sequence number
  if ((flags & 0x7) == 1) {      // enhanced GRE (PPTP): key always, ack optional
    len = 8 + ((flags & 0x1000) ? 4 : 0) + ((flags & 0x0080) ? 4 : 0);
    key = false;
  }
  if (!c.need(len)) return {};
  auto* l = c.push(proto::gre, len);
  if (!l) return {};
  l->gre.flags = flags;
  l->gre.proto = pt;
  l->gre.has_key = key;
  if (key) l->gre.key = load_be32(c.p() + key_at);
  c.off += len;
  switch (pt) {
    case 0x6558: return {next::eth, 0};
    case 0x880b: return {next::ppp, 0};
    case 0x88be:  // ERSPAN type II: 8-byte header then Ethernet
      if (!c.need(8)) return {};
      c.off += 8;
      return {next::eth, 0};
    default: return {next::ethertype, pt};
  }
}

// ---- transport layer ---------------------------------------------------------------------

step parse_tcp(ctx& c) {
  if (!c.need(20)) return {};
  std::uint32_t hl = (c.p()[12] >> 4) * 4u;
  bool bogus = hl < 20 || hl > c.avail();
  if (bogus && !(c.in_icmp_error && hl >= 20)) c.flag(anomaly::tcp_bogus_header_length, c.off);
  auto* l = c.push(proto::tcp, bogus ? 20 : hl);
  if (!l) return {};
  auto& f = l->tcp;
  f.sport = load_be16(c.p());
  f.dport = load_be16(c.p() + 2);
  f.seq = load_be32(c.p() + 4);
  f.ack = load_be32(c.p() + 8);
  f.hdr_len = static_cast<std::uint8_t>(hl);
  f.flags = load_be16(c.p() + 12) & 0x0FFF;
  f.window = load_be16(c.p() + 14);
  f.checksum = load_be16(c.p() + 16);
  f.urgent = load_be16(c.p() + 18);
  f.wscale = 0xff;
  if (bogus) {
    c.off += static_cast<std::uint32_t>(std::min<std::size_t>(20, c.avail()));
    f.payload_len = 0;
    return {};
  }
  // Options.
  const std::uint8_t* o = c.p() + 20;
  std::uint32_t n = hl - 20;
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
  c.off += hl;
  f.payload_len = static_cast<std::uint32_t>(c.avail());
  return {};
}

step parse_udp(ctx& c) {
  if (!c.need(8)) return {};
  auto* l = c.push(proto::udp, 8);
  if (!l) return {};
  auto& f = l->udp;
  f.sport = load_be16(c.p());
  f.dport = load_be16(c.p() + 2);
  f.length = load_be16(c.p() + 4);
  f.checksum = load_be16(c.p() + 6);
  std::uint32_t start = c.off;
  c.off += 8;
  if (f.length >= 8 && start + f.length <= c.end) {
    c.end = start + f.length;
  } else if (!c.in_icmp_error && f.length != 0) {
    c.flag(anomaly::udp_bogus_length, start);
  }
  if (c.in_icmp_error) return {};
  if (f.dport == 4789 || f.sport == 4789) {  // VXLAN
    if (c.avail() >= 8 && (c.p()[0] & 0x08)) {
      auto* v = c.push(proto::vxlan, 8);
      if (!v) return {};
      v->tunnel.vni = load_be32(c.p() + 4) >> 8;
      c.off += 8;
      return {next::eth, 0};
    }
  }
  if (f.dport == 6081 || f.sport == 6081) {  // Geneve
    if (c.avail() >= 8 && (c.p()[0] >> 6) == 0) {
      std::uint32_t len = 8 + (c.p()[0] & 0x3F) * 4u;
      if (!c.need(len)) return {};
      auto* g = c.push(proto::geneve, len);
      if (!g) return {};
      g->tunnel.proto = load_be16(c.p() + 2);
      g->tunnel.vni = load_be32(c.p() + 4) >> 8;
      c.off += len;
      if (g->tunnel.proto == 0x6558) return {next::eth, 0};
      return {next::ethertype, g->tunnel.proto};
    }
  }
  return {};
}

step parse_sctp(ctx& c) {
  if (!c.need(12)) return {};
  auto* l = c.push(proto::sctp, 12);
  if (!l) return {};
  auto& f = l->sctp;
  f.sport = load_be16(c.p());
  f.dport = load_be16(c.p() + 2);
  f.vtag = load_be32(c.p() + 4);
  c.off += 12;
  // Count chunks (bounded by the data; each is at least 4 bytes).
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
    case 0x0806: return parse_arp(c);
    case 0x8100: case 0x88a8: case 0x9100: case 0x9200: return parse_vlan(c, static_cast<std::uint16_t>(et));
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
    case 132: return parse_sctp(c);
    case 137: return parse_mpls(c);  // MPLS-in-IP
    default: return {};
  }
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
    case 113: return parse_sll(c);
    case 276: return parse_sll2(c);
    case 105: return {next::wlan, 0};
    case 127: return parse_radiotap(c);
    default:
      c.flag(anomaly::unknown_link_type, 0);
      return {};
  }
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
    case anomaly::count_: break;
  }
  return "";
}

proto packet::top() const noexcept {
  for (std::size_t i = count; i-- > 0;) {
    if (layers[i].kind != proto::data && layers[i].kind != proto::ipv6_ext) return layers[i].kind;
  }
  return proto::none;
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

void dissect(util::bytes data, std::uint32_t link_type, packet& out) noexcept {
  out.count = 0;
  out.first_anomaly = anomaly::none;
  out.anomaly_offset = 0;
  out.anomalies = 0;
  out.frame_length = static_cast<std::uint32_t>(data.size());
  // Offsets are 16-bit in layers; larger frames are dissected over their first 64 KiB.
  ctx c{data.first(std::min<std::size_t>(data.size(), 0xFFFF)), out};
  c.end = static_cast<std::uint32_t>(c.data.size());
  step s = start_link(c, link_type);
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
  out.payload_offset = std::min<std::uint32_t>(c.off, c.end);
  out.payload_length = c.end > c.off ? c.end - c.off : 0;
}

}  // namespace pcapscope::dissect
