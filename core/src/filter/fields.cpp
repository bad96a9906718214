// The filter's typed field table: Wireshark names → extractors over the layer stack and the
// frame metadata. Presence rules mirror dissect/fields.cpp (checked by a test on the corpus).
#include <algorithm>
#include <cstdio>

#include "internal.hpp"

namespace pcapscope::filter::detail {

namespace {

using dissect::layer;
using dissect::proto;

bool has(const layer& l, std::uint32_t off, std::uint32_t size) { return l.captured >= off + size; }
bool tcp_ok(const layer& l) { return l.tcp.hdr_len >= 20; }
bool arp_ipv4(const layer& l) { return (l.arp.ptype == 0x0800 || l.arp.ptype == 0x00cc) && l.arp.plen == 4; }

std::uint32_t put_bool(value* out, bool b) {
  out->type = vtype::boolean;
  out->p = nullptr;
  out->u = b ? 1 : 0;
  return 1;
}
std::uint32_t put_ether(value* out, const std::array<std::uint8_t, 6>& a) {
  out->type = vtype::ether;
  out->n = 6;
  out->p = nullptr;
  std::copy(a.begin(), a.end(), out->a.begin());
  return 1;
}

// End of the data a protocol at layer `idx` can see (Wireshark shrinks the tvb to the IP
// datagram's length): the nearest IPv4/IPv6 layer at or before it bounds it.
std::uint32_t data_end(const context& c, std::size_t idx) {
  std::size_t size = c.data.size();
  for (std::size_t k = idx + 1; k-- > 0;) {
    const layer& l = c.pkt->layers[k];
    std::size_t end = size;
    if (l.kind == proto::ip && has(l, 2, 2) && l.ip.total_len >= l.ip.hdr_len) end = l.offset + std::size_t{l.ip.total_len};
    else if (l.kind == proto::ipv6 && has(l, 4, 2) && l.ipv6.plen) end = l.offset + 40 + std::size_t{l.ipv6.plen};
    else continue;
    return static_cast<std::uint32_t>(std::min(end, size));
  }
  return static_cast<std::uint32_t>(size);
}

std::uint32_t proto_value(const layer& l, const context& c, std::size_t idx, value* out) {
  out->type = vtype::proto;
  out->n = 0;
  out->p = nullptr;
  out->len = 0;
  out->len_all = 0;
  if (c.data.size() >= l.offset) {
    std::uint32_t avail = static_cast<std::uint32_t>(c.data.size() - l.offset);
    out->p = c.data.data() + l.offset;
    out->len = std::min<std::uint32_t>(l.captured, avail);
    std::uint32_t end = data_end(c, idx);
    out->len_all = end > l.offset ? std::min(end - l.offset, avail) : out->len;
    if (out->len_all < out->len) out->len_all = out->len;
    // Wireshark's ICMP / ICMPv6 items span the whole message, not just the header.
    if (l.kind == proto::icmp || l.kind == proto::icmpv6) out->len = out->len_all;
  }
  return 1;
}

// Field definitions ------------------------------------------------------------------------

struct builder {
  std::vector<field_def> v;

  void frame(std::string_view name, vtype t, std::uint8_t size, frame_fn fn, bool index) {
    field_def f;
    f.name = name;
    f.type = t;
    f.size = size;
    f.from_frame = fn;
    f.from_index = index;
    v.push_back(f);
  }
  void lay(std::string_view name, vtype t, std::uint8_t size, proto k, layer_fn fn, std::uint8_t hex = 0) {
    field_def f;
    f.name = name;
    f.type = t;
    f.size = size;
    f.hex_digits = hex;
    f.kinds = {k, proto::none};
    f.from_layer = fn;
    v.push_back(f);
  }
  void prot(std::string_view name, proto k1, proto k2 = proto::none) {
    field_def f;
    f.name = name;
    f.type = vtype::proto;
    f.kinds = {k1, k2};
    f.from_layer = proto_value;
    f.is_proto = true;
    v.push_back(f);
  }
};

#define LAYER_FN \
  []([[maybe_unused]] const layer& l, [[maybe_unused]] const context& c, [[maybe_unused]] std::size_t idx, \
     value* o) -> std::uint32_t
#define FRAME_FN []([[maybe_unused]] const context& c, value* o) -> std::uint32_t

std::vector<field_def> build() {
  builder b;
  // frame
  {
    field_def f;
    f.name = "frame";
    f.type = vtype::proto;
    f.is_proto = true;
    f.from_frame = FRAME_FN {
      o->type = vtype::proto;
      o->n = 0;
      o->p = c.data.data();
      o->len = static_cast<std::uint32_t>(c.data.size());
      o->len_all = o->len;
      return 1;
    };
    f.from_index = true;  // presence only; slices and contains need the bytes
    b.v.push_back(f);
  }
  b.frame("frame.number", vtype::uint, 4, FRAME_FN { return put_uint(o, c.meta->number); }, true);
  b.frame("frame.len", vtype::uint, 4, FRAME_FN { return put_uint(o, c.meta->origlen); }, true);
  b.frame("frame.cap_len", vtype::uint, 4, FRAME_FN { return put_uint(o, c.meta->caplen); }, true);
  b.frame("frame.interface_id", vtype::uint, 4, FRAME_FN {
    if (c.meta->interface < 0) return 0;
    return put_uint(o, static_cast<std::uint64_t>(c.meta->interface));
  }, false);
  b.frame("frame.time_epoch", vtype::reltime, 0, FRAME_FN {
    if (!c.meta->has_timestamp) return 0;
    o->type = vtype::reltime;  // FT_RELATIVE_TIME in Wireshark 4.0
    o->p = nullptr;
    o->i = c.meta->ts_ns;
    return 1;
  }, true);
  b.frame("frame.time_relative", vtype::reltime, 0, FRAME_FN {
    if (!c.meta->has_timestamp) return 0;
    o->type = vtype::reltime;
    o->p = nullptr;
    o->i = c.meta->ts_ns - c.origin;
    return 1;
  }, true);

  // protocols (Wireshark names)
  b.prot("eth", proto::eth);
  b.prot("llc", proto::llc);
  b.prot("vlan", proto::vlan);
  b.prot("mpls", proto::mpls);
  b.prot("pwach", proto::pwach);
  b.prot("pppoes", proto::pppoes);
  b.prot("ppp", proto::ppp);
  b.prot("sll", proto::sll, proto::sll2);
  b.prot("null", proto::null);
  b.prot("wlan", proto::wlan);
  b.prot("radiotap", proto::radiotap);
  b.prot("arp", proto::arp);
  b.prot("ip", proto::ip);
  b.prot("ipv6", proto::ipv6);
  b.prot("ah", proto::ah);
  b.prot("esp", proto::esp);
  b.prot("icmp", proto::icmp);
  b.prot("icmpv6", proto::icmpv6);
  b.prot("igmp", proto::igmp);
  b.prot("gre", proto::gre);
  b.prot("vxlan", proto::vxlan);
  b.prot("geneve", proto::geneve);
  b.prot("tcp", proto::tcp);
  b.prot("udp", proto::udp);
  b.prot("sctp", proto::sctp);
  b.prot("cfp", proto::cfp);
  b.prot("vntag", proto::vntag);
  b.prot("erspan", proto::erspan);
  b.prot("gtp", proto::gtp);
  b.prot("teredo", proto::teredo);
  b.prot("l2tp", proto::l2tp);
  b.prot("pim", proto::pim);
  b.prot("fr", proto::fr);
  b.prot("chdlc", proto::chdlc);
  b.prot("ppi", proto::ppi);
  b.prot("fddi", proto::fddi);
  b.prot("nflog", proto::nflog);
  b.prot("nsh", proto::nsh);
  b.prot("etag", proto::etag);
  b.prot("data", proto::data);

  // Ethernet
  b.lay("eth.src", vtype::ether, 0, proto::eth, LAYER_FN { return put_ether(o, l.eth.src); });
  b.lay("eth.dst", vtype::ether, 0, proto::eth, LAYER_FN { return put_ether(o, l.eth.dst); });
  b.lay("eth.addr", vtype::ether, 0, proto::eth, LAYER_FN { return put_ether(o, l.eth.dst) + put_ether(o + 1, l.eth.src); });
  b.lay("eth.type", vtype::uint, 2, proto::eth, LAYER_FN { return l.eth.type >= 0x600 ? put_uint(o, l.eth.type) : 0; }, 4);
  b.lay("vlan.id", vtype::uint, 2, proto::vlan, LAYER_FN { return l.vlan.tpid != 0x88a8 ? put_uint(o, l.vlan.id) : 0; });
  b.lay("ieee8021ad.id", vtype::uint, 2, proto::vlan, LAYER_FN { return l.vlan.tpid == 0x88a8 ? put_uint(o, l.vlan.id) : 0; });
  b.lay("mpls.label", vtype::uint, 4, proto::mpls, LAYER_FN { return put_uint(o, l.mpls.label); });
  // IPv4
  b.lay("ip.src", vtype::ipv4, 0, proto::ip, LAYER_FN { return has(l, 12, 4) ? put_ipv4(o, l.ip.src) : 0; });
  b.lay("ip.dst", vtype::ipv4, 0, proto::ip, LAYER_FN { return has(l, 16, 4) ? put_ipv4(o, l.ip.dst) : 0; });
  b.lay("ip.addr", vtype::ipv4, 0, proto::ip, LAYER_FN {
    std::uint32_t n = 0;
    if (has(l, 12, 4)) n += put_ipv4(o + n, l.ip.src);
    if (has(l, 16, 4)) n += put_ipv4(o + n, l.ip.dst);
    return n;
  });
  b.lay("ip.proto", vtype::uint, 1, proto::ip, LAYER_FN { return has(l, 9, 1) ? put_uint(o, l.ip.proto) : 0; });
  b.lay("ip.ttl", vtype::uint, 1, proto::ip, LAYER_FN { return has(l, 8, 1) ? put_uint(o, l.ip.ttl) : 0; });
  b.lay("ip.id", vtype::uint, 2, proto::ip, LAYER_FN { return has(l, 4, 2) ? put_uint(o, l.ip.id) : 0; }, 4);
  b.lay("ip.len", vtype::uint, 2, proto::ip, LAYER_FN { return has(l, 2, 2) ? put_uint(o, l.ip.total_len) : 0; });
  b.lay("ip.hdr_len", vtype::uint, 1, proto::ip, LAYER_FN { return put_uint(o, l.ip.hdr_len); });
  b.lay("ip.flags.df", vtype::boolean, 1, proto::ip, LAYER_FN { return has(l, 6, 2) ? put_bool(o, l.ip.flags & 0x2) : 0; });
  b.lay("ip.flags.mf", vtype::boolean, 1, proto::ip, LAYER_FN { return has(l, 6, 2) ? put_bool(o, l.ip.flags & 0x1) : 0; });
  b.lay("ip.frag_offset", vtype::uint, 2, proto::ip, LAYER_FN { return has(l, 6, 2) ? put_uint(o, l.ip.frag_offset) : 0; });
  // IPv6
  b.lay("ipv6.src", vtype::ipv6, 0, proto::ipv6, LAYER_FN { return has(l, 8, 16) ? put_ipv6(o, l.ipv6.src) : 0; });
  b.lay("ipv6.dst", vtype::ipv6, 0, proto::ipv6, LAYER_FN { return has(l, 24, 16) ? put_ipv6(o, l.ipv6.dst) : 0; });
  b.lay("ipv6.addr", vtype::ipv6, 0, proto::ipv6, LAYER_FN {
    std::uint32_t n = 0;
    if (has(l, 8, 16)) n += put_ipv6(o + n, l.ipv6.src);
    if (has(l, 24, 16)) n += put_ipv6(o + n, l.ipv6.dst);
    return n;
  });
  b.lay("ipv6.nxt", vtype::uint, 1, proto::ipv6, LAYER_FN { return has(l, 6, 1) ? put_uint(o, l.ipv6.nxt) : 0; });
  b.lay("ipv6.hlim", vtype::uint, 1, proto::ipv6, LAYER_FN { return has(l, 7, 1) ? put_uint(o, l.ipv6.hlim) : 0; });
  b.lay("ipv6.plen", vtype::uint, 2, proto::ipv6, LAYER_FN { return has(l, 4, 2) ? put_uint(o, l.ipv6.plen) : 0; });
  // ARP
  b.lay("arp.opcode", vtype::uint, 2, proto::arp, LAYER_FN { return has(l, 6, 2) ? put_uint(o, l.arp.opcode) : 0; });
  b.lay("arp.src.proto_ipv4", vtype::ipv4, 0, proto::arp, LAYER_FN {
    return arp_ipv4(l) && !(l.flags & dissect::layer_partial) ? put_ipv4(o, l.arp.spa) : 0;
  });
  b.lay("arp.dst.proto_ipv4", vtype::ipv4, 0, proto::arp, LAYER_FN {
    return arp_ipv4(l) && !(l.flags & dissect::layer_partial) ? put_ipv4(o, l.arp.tpa) : 0;
  });
  // ICMP
  b.lay("icmp.type", vtype::uint, 1, proto::icmp, LAYER_FN { return put_uint(o, l.icmp.type); });
  b.lay("icmp.code", vtype::uint, 1, proto::icmp, LAYER_FN { return put_uint(o, l.icmp.code); });
  b.lay("icmpv6.type", vtype::uint, 1, proto::icmpv6, LAYER_FN { return put_uint(o, l.icmp.type); });
  b.lay("icmpv6.code", vtype::uint, 1, proto::icmpv6, LAYER_FN { return put_uint(o, l.icmp.code); });
  // TCP
  b.lay("tcp.srcport", vtype::uint, 2, proto::tcp, LAYER_FN { return put_uint(o, l.tcp.sport); });
  b.lay("tcp.dstport", vtype::uint, 2, proto::tcp, LAYER_FN { return put_uint(o, l.tcp.dport); });
  b.lay("tcp.port", vtype::uint, 2, proto::tcp, LAYER_FN { return put_uint(o, l.tcp.sport) + put_uint(o + 1, l.tcp.dport); });
  b.lay("tcp.seq_raw", vtype::uint, 4, proto::tcp, LAYER_FN {
    return !(l.flags & dissect::layer_quoted) && has(l, 4, 4) ? put_uint(o, l.tcp.seq) : 0;
  });
  b.lay("tcp.ack_raw", vtype::uint, 4, proto::tcp, LAYER_FN { return tcp_ok(l) && has(l, 8, 4) ? put_uint(o, l.tcp.ack) : 0; });
  b.lay("tcp.flags", vtype::uint, 2, proto::tcp, LAYER_FN { return tcp_ok(l) && has(l, 12, 2) ? put_uint(o, l.tcp.flags) : 0; }, 4);
#define TCP_FLAG(name, bit) \
  b.lay(name, vtype::boolean, 1, proto::tcp, LAYER_FN { return tcp_ok(l) && has(l, 12, 2) ? put_bool(o, l.tcp.flags & (bit)) : 0; })
  TCP_FLAG("tcp.flags.fin", 0x001);
  TCP_FLAG("tcp.flags.syn", 0x002);
  TCP_FLAG("tcp.flags.reset", 0x004);
  TCP_FLAG("tcp.flags.push", 0x008);
  TCP_FLAG("tcp.flags.ack", 0x010);
  TCP_FLAG("tcp.flags.urg", 0x020);
  TCP_FLAG("tcp.flags.ece", 0x040);
  TCP_FLAG("tcp.flags.cwr", 0x080);
  TCP_FLAG("tcp.flags.ae", 0x100);
  TCP_FLAG("tcp.flags.res", 0xe00);
#undef TCP_FLAG
  b.lay("tcp.window_size_value", vtype::uint, 2, proto::tcp, LAYER_FN { return tcp_ok(l) && has(l, 14, 2) ? put_uint(o, l.tcp.window) : 0; });
  b.lay("tcp.hdr_len", vtype::uint, 1, proto::tcp, LAYER_FN { return put_uint(o, l.tcp.hdr_len); });
  b.lay("tcp.len", vtype::uint, 4, proto::tcp, LAYER_FN {
    return !(l.flags & (dissect::layer_quoted | dissect::layer_malformed | dissect::layer_fragment)) ? put_uint(o, l.tcp.payload_len) : 0;
  });
  // The stream of the packet's flow (frame_meta, from the flow table), on the packet's own
  // transport header only (not a tunnel's outer UDP header, nor one an ICMP error quotes), as
  // `pcapscope packets` prints it.
  constexpr layer_fn stream = LAYER_FN {
    if (!c.meta || !c.pkt || idx != c.pkt->transport) return 0;
    const std::int64_t s = l.kind == proto::tcp ? c.meta->tcp_stream : c.meta->udp_stream;
    return s >= 0 ? put_uint(o, static_cast<std::uint64_t>(s)) : 0;
  };
  b.lay("tcp.stream", vtype::uint, 4, proto::tcp, stream);
  b.lay("tcp.options.mss_val", vtype::uint, 2, proto::tcp, LAYER_FN { return l.tcp.mss ? put_uint(o, l.tcp.mss) : 0; });
  b.lay("tcp.options.wscale.shift", vtype::uint, 1, proto::tcp, LAYER_FN { return l.tcp.wscale != 0xff ? put_uint(o, l.tcp.wscale) : 0; });
  // UDP, SCTP
  b.lay("udp.srcport", vtype::uint, 2, proto::udp, LAYER_FN { return put_uint(o, l.udp.sport); });
  b.lay("udp.dstport", vtype::uint, 2, proto::udp, LAYER_FN { return put_uint(o, l.udp.dport); });
  b.lay("udp.port", vtype::uint, 2, proto::udp, LAYER_FN { return put_uint(o, l.udp.sport) + put_uint(o + 1, l.udp.dport); });
  b.lay("udp.length", vtype::uint, 2, proto::udp, LAYER_FN { return has(l, 4, 2) ? put_uint(o, l.udp.length) : 0; });
  b.lay("udp.stream", vtype::uint, 4, proto::udp, stream);
  b.lay("sctp.srcport", vtype::uint, 2, proto::sctp, LAYER_FN { return put_uint(o, l.sctp.sport); });
  b.lay("sctp.dstport", vtype::uint, 2, proto::sctp, LAYER_FN { return put_uint(o, l.sctp.dport); });
  b.lay("sctp.port", vtype::uint, 2, proto::sctp, LAYER_FN { return put_uint(o, l.sctp.sport) + put_uint(o + 1, l.sctp.dport); });
  // Tunnels
  b.lay("gre.proto", vtype::uint, 2, proto::gre, LAYER_FN { return put_uint(o, l.gre.proto); }, 4);
  b.lay("vxlan.vni", vtype::uint, 3, proto::vxlan, LAYER_FN { return put_uint(o, l.tunnel.vni); });
  b.lay("geneve.vni", vtype::uint, 3, proto::geneve, LAYER_FN { return put_uint(o, l.tunnel.vni); }, 6);

  std::sort(b.v.begin(), b.v.end(), [](const field_def& x, const field_def& y) { return x.name < y.name; });
  return std::move(b.v);
}

#undef LAYER_FN
#undef FRAME_FN

}  // namespace

std::string_view type_name(vtype t) noexcept {
  switch (t) {
    case vtype::none: return "nothing";
    case vtype::uint: return "unsigned integer";
    case vtype::sint: return "signed integer";
    case vtype::boolean: return "boolean";
    case vtype::ipv4: return "IPv4 address";
    case vtype::ipv6: return "IPv6 address";
    case vtype::ether: return "Ethernet address";
    case vtype::bytes: return "byte sequence";
    case vtype::proto: return "protocol";
    case vtype::reltime: return "time offset";
    case vtype::abstime: return "date and time";
  }
  return "?";
}

const std::vector<field_def>& field_table() {
  static const std::vector<field_def> t = build();
  return t;
}

const field_def* find_field(std::string_view name) noexcept {
  const auto& t = field_table();
  auto it = std::lower_bound(t.begin(), t.end(), name, [](const field_def& f, std::string_view n) { return f.name < n; });
  if (it == t.end() || it->name != name) return nullptr;
  return &*it;
}

std::uint32_t load_field(const field_def& f, int layer_no, const context& c, value* out) noexcept {
  if (f.from_frame) {
    if (layer_no > 1 || layer_no < -1) return 0;
    return f.from_frame(c, out);
  }
  if (!c.pkt || !f.from_layer) return 0;
  const auto& p = *c.pkt;
  std::uint32_t n = 0;
  if (layer_no < 0) {
    int seen = 0;
    for (std::size_t i = p.count; i-- > 0;) {
      const auto& l = p.layers[i];
      if (l.kind != f.kinds[0] && (f.kinds[1] == dissect::proto::none || l.kind != f.kinds[1])) continue;
      if (--seen == layer_no) return f.from_layer(l, c, i, out);
    }
    return 0;
  }
  int seen = 0;
  for (std::size_t i = 0; i < p.count; ++i) {
    const auto& l = p.layers[i];
    if (l.kind != f.kinds[0] && (f.kinds[1] == dissect::proto::none || l.kind != f.kinds[1])) continue;
    ++seen;
    if (layer_no > 0 && seen != layer_no) continue;
    n += f.from_layer(l, c, i, out + n);
  }
  return n;
}

std::string format_value(const field_def& f, const value& v) {
  char buf[64];
  switch (v.type) {
    case vtype::uint:
      if (f.hex_digits) std::snprintf(buf, sizeof buf, "0x%0*llx", f.hex_digits, static_cast<unsigned long long>(v.u));
      else std::snprintf(buf, sizeof buf, "%llu", static_cast<unsigned long long>(v.u));
      return buf;
    case vtype::boolean: return v.u ? "1" : "0";
    case vtype::ipv4: {
      std::array<std::uint8_t, 4> a{v.a[0], v.a[1], v.a[2], v.a[3]};
      return dissect::format_ipv4(a);
    }
    case vtype::ipv6: return dissect::format_ipv6(v.a);
    case vtype::ether: {
      std::array<std::uint8_t, 6> a{v.a[0], v.a[1], v.a[2], v.a[3], v.a[4], v.a[5]};
      return dissect::format_mac(a);
    }
    default: return "";
  }
}

}  // namespace pcapscope::filter::detail
