// IPv4/IPv6 fragment reassembly (see reassembly/ip_defrag.hpp for the policy and the caps).
#include "pcapscope/reassembly/ip_defrag.hpp"

#include <algorithm>
#include <cstring>
#include <list>
#include <map>
#include <unordered_map>

namespace pcapscope::reassembly {

namespace {

constexpr std::uint32_t kMaxDatagram = 65535;

struct key {
  std::array<std::uint8_t, 16> src, dst;
  std::uint32_t id;
  std::uint8_t family, proto;
  bool operator==(const key& o) const {
    return id == o.id && family == o.family && proto == o.proto && src == o.src && dst == o.dst;
  }
};

struct key_hash {
  std::size_t operator()(const key& k) const noexcept {
    std::uint64_t h = 1469598103934665603ull;
    auto mix = [&](const std::uint8_t* p, std::size_t n) {
      for (std::size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 1099511628211ull;
    };
    mix(k.src.data(), 16);
    mix(k.dst.data(), 16);
    std::uint8_t tail[6] = {static_cast<std::uint8_t>(k.id), static_cast<std::uint8_t>(k.id >> 8),
                            static_cast<std::uint8_t>(k.id >> 16), static_cast<std::uint8_t>(k.id >> 24),
                            k.family, k.proto};
    mix(tail, sizeof tail);
    return static_cast<std::size_t>(h);
  }
};

// One run of payload bytes as a fragment brought them (only bytes no earlier fragment had).
struct piece {
  std::unique_ptr<std::uint8_t[]> data;
  std::uint32_t len = 0;
};

// An incomplete datagram: its fragments' bytes as they came, not a buffer up to the highest
// offset seen (a first fragment at offset 65,528 costs its own bytes, not 64 KB); the
// datagram is assembled only once [0, total) is covered.
struct entry {
  std::map<std::uint32_t, piece> pieces;  // offset -> bytes; disjoint, within [0, total) once known
  std::uint32_t held = 0;          // payload bytes in `pieces`
  std::size_t charged = 0;         // held bytes plus the per-piece overhead, as counted in `bytes`
  std::uint32_t total = 0;         // payload length, known once the last fragment arrived
  bool have_last = false;
  bool conflict = false;
  std::int64_t first_ts = 0;
  std::uint8_t proto = 0;
  std::list<key>::iterator age;    // position in the creation order
};

}  // namespace

struct ip_defragmenter::impl {
  defrag_limits lim;
  std::unordered_map<key, entry, key_hash> table;
  std::list<key> order;  // oldest first
  std::size_t bytes = 0;

  void drop(std::unordered_map<key, entry, key_hash>::iterator it) {
    bytes -= it->second.charged;
    order.erase(it->second.age);
    table.erase(it);
  }

  // Cuts what `e` holds at `total` (data past the end that came before the last fragment).
  void trim(entry& e, std::uint32_t total) {
    for (auto it = e.pieces.lower_bound(total); it != e.pieces.end();) {
      release(e, it->second.len + lim.piece_overhead);
      e.held -= it->second.len;
      it = e.pieces.erase(it);
    }
    if (e.pieces.empty()) return;
    auto& [off, p] = *std::prev(e.pieces.end());
    if (off + p.len > total) {
      std::uint32_t cut = off + p.len - total;
      release(e, cut);
      e.held -= cut;
      p.len -= cut;
    }
  }

  void release(entry& e, std::size_t n) {
    e.charged -= n;
    bytes -= n;
  }
};

ip_defragmenter::ip_defragmenter(defrag_limits limits) : impl_(std::make_unique<impl>()) {
  impl_->lim = limits;
}
ip_defragmenter::~ip_defragmenter() = default;

std::size_t ip_defragmenter::buffered_bytes() const noexcept { return impl_->bytes; }
std::size_t ip_defragmenter::pending_datagrams() const noexcept { return impl_->table.size(); }

defrag_status ip_defragmenter::add(const fragment& f) {
  auto& s = *impl_;
  ++counters_.fragments;
  done_ = {};
  // Expire datagrams that waited too long (capture time).
  while (!s.order.empty()) {
    auto it = s.table.find(s.order.front());
    if (it == s.table.end() || f.ts_ns - it->second.first_ts <= s.lim.timeout_ns) break;
    ++counters_.timed_out;
    s.drop(it);
  }
  auto len = static_cast<std::uint32_t>(f.payload.size());
  std::uint64_t end = std::uint64_t{f.offset} + len;
  if (end > kMaxDatagram) {
    ++counters_.oversize;
    return defrag_status::dropped;
  }
  key k{f.src, f.dst, f.id, f.family, f.proto};
  auto it = s.table.find(k);
  if (it == s.table.end()) {
    while (s.table.size() >= s.lim.max_datagrams && !s.order.empty()) {
      ++counters_.evicted;
      s.drop(s.table.find(s.order.front()));
    }
    if (s.lim.max_datagrams == 0) {
      ++counters_.evicted;
      return defrag_status::dropped;
    }
    s.order.push_back(k);
    entry e;
    e.first_ts = f.ts_ns;
    e.proto = f.proto;
    e.age = std::prev(s.order.end());
    it = s.table.emplace(k, std::move(e)).first;
  }
  entry& e = it->second;

  // The last fragment fixes the length; a second, different claim is a conflict.
  auto stop = static_cast<std::uint32_t>(end);
  if (!f.more) {
    if (e.have_last && e.total != stop) {
      e.conflict = true;
      ++counters_.overlap_conflicts;
    } else if (!e.have_last) {
      e.have_last = true;
      e.total = stop;
      s.trim(e, stop);
    }
  }
  if (e.have_last && stop > e.total) {  // data past the end: keep what is inside
    e.conflict = true;
    ++counters_.overlap_conflicts;
    stop = e.total;
  }
  std::uint32_t start = std::min(f.offset, stop);

  // The parts of [start, stop) not held yet; the parts already held are compared (first data
  // wins).
  const std::uint8_t* src = f.payload.data();
  std::vector<std::pair<std::uint32_t, std::uint32_t>> fresh;  // [first, second)
  bool overlapped = false;
  auto compare = [&](const piece& p, std::uint32_t p_off, std::uint32_t a, std::uint32_t b) {
    overlapped = true;
    if (std::memcmp(p.data.get() + (a - p_off), src + (a - f.offset), b - a) != 0 && !e.conflict) {
      e.conflict = true;
      ++counters_.overlap_conflicts;
    }
  };
  if (start < stop) {
    std::uint32_t cur = start;
    auto p = e.pieces.upper_bound(start);
    if (p != e.pieces.begin()) {
      auto prev = std::prev(p);
      std::uint32_t pend = prev->first + prev->second.len;
      if (pend > start) {
        cur = std::min(pend, stop);
        compare(prev->second, prev->first, start, cur);
      }
    }
    for (; p != e.pieces.end() && p->first < stop; ++p) {
      if (p->first > cur) fresh.emplace_back(cur, p->first);
      std::uint32_t b = std::min(p->first + p->second.len, stop);
      compare(p->second, p->first, p->first, b);
      cur = std::max(cur, b);
    }
    if (cur < stop) fresh.emplace_back(cur, stop);
  }
  if (overlapped) ++counters_.overlaps;

  if (!fresh.empty()) {
    std::size_t charge = 0;
    for (const auto& [a, b] : fresh) charge += (b - a) + s.lim.piece_overhead;
    // Respect the byte cap: evict the oldest other datagrams first.
    while (s.bytes + charge > s.lim.max_bytes && s.order.size() > 1) {
      auto victim = s.table.find(s.order.front());
      if (victim == it) victim = s.table.find(*std::next(s.order.begin()));
      ++counters_.evicted;
      s.drop(victim);
    }
    if (s.bytes + charge > s.lim.max_bytes) {
      ++counters_.evicted;
      s.drop(it);
      return defrag_status::dropped;
    }
    for (const auto& [a, b] : fresh) {
      piece np;
      np.len = b - a;
      np.data = std::unique_ptr<std::uint8_t[]>(new std::uint8_t[np.len]);
      std::memcpy(np.data.get(), src + (a - f.offset), np.len);
      e.pieces.emplace(a, std::move(np));
      e.held += b - a;
    }
    e.charged += charge;
    s.bytes += charge;
  }

  // Pieces are disjoint and inside [0, total): holding `total` bytes means complete.
  if (e.have_last && e.total > 0 && e.held == e.total) {
    done_storage_.resize(e.total);
    for (const auto& [off, p] : e.pieces) std::memcpy(done_storage_.data() + off, p.data.get(), p.len);
    done_ = done_storage_;
    done_proto_ = e.proto;
    done_conflict_ = e.conflict;
    s.drop(it);
    ++counters_.completed;
    return defrag_status::complete;
  }
  if (e.have_last && e.total == 0) {  // a lone empty last fragment: nothing to wait for
    s.drop(it);
    return defrag_status::dropped;
  }
  return defrag_status::pending;
}

bool find_fragment(const dissect::packet& p, util::bytes data, fragment& out) noexcept {
  // A fragment is an IPv4 header with MF or an offset, or an IPv6 fragment header: either makes
  // the packet irregular, so the (rare) others need no walk.
  if (!p.irregular) return false;
  for (std::size_t i = p.count; i-- > 0;) {
    const auto& l = p.layers[i];
    if (l.flags & dissect::layer_quoted) continue;
    if (l.kind == dissect::proto::ip) {
      const auto& ip = l.ip;
      if (!((ip.flags & 1) || ip.frag_offset)) continue;
      if (l.flags & (dissect::layer_partial | dissect::layer_malformed)) return false;
      std::size_t begin = std::size_t{l.offset} + ip.hdr_len;
      std::size_t end = std::min<std::size_t>(std::size_t{l.offset} + ip.total_len, data.size());
      if (begin > end) return false;
      out.family = 4;
      out.src = {};
      out.dst = {};
      std::copy(ip.src.begin(), ip.src.end(), out.src.begin());
      std::copy(ip.dst.begin(), ip.dst.end(), out.dst.begin());
      out.id = ip.id;
      out.proto = ip.proto;
      out.offset = std::uint32_t{ip.frag_offset} * 8u;
      out.more = (ip.flags & 1) != 0;
      out.payload = data.subspan(begin, end - begin);
      out.layer = static_cast<std::uint8_t>(i);
      return true;
    }
    if (l.kind == dissect::proto::ipv6_ext && l.ipv6_ext.type == 44) {
      const auto& fr = l.ipv6_ext;
      if (fr.frag_offset == 0 && !fr.more_fragments) continue;  // atomic fragment
      const dissect::layer* v6 = nullptr;
      for (std::size_t k = i; k-- > 0;) {
        if (p.layers[k].kind == dissect::proto::ipv6) {
          v6 = &p.layers[k];
          break;
        }
      }
      if (!v6 || (l.flags & dissect::layer_partial)) return false;
      std::size_t begin = std::size_t{l.offset} + 8;
      std::size_t end = std::min<std::size_t>(std::size_t{v6->offset} + 40 + v6->ipv6.plen, data.size());
      if (begin > end) return false;
      out.family = 6;
      out.src = v6->ipv6.src;
      out.dst = v6->ipv6.dst;
      out.id = fr.frag_id;
      out.proto = fr.nxt;
      out.offset = std::uint32_t{fr.frag_offset} * 8u;
      out.more = fr.more_fragments;
      out.payload = data.subspan(begin, end - begin);
      out.layer = static_cast<std::uint8_t>(i);
      return true;
    }
    if (l.kind == dissect::proto::ip || l.kind == dissect::proto::ipv6) return false;
  }
  return false;
}

}  // namespace pcapscope::reassembly
