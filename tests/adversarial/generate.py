#!/usr/bin/env python3
"""Writes the adversarial captures of issue 10 (and the bad-input part of issue 4) into a
directory, plus cases.json describing each one (packets written, flows, the anomalies it must
produce). Python 3 standard library only; deterministic (fixed seeds).

    python3 tests/adversarial/generate.py OUT_DIR [--full] [--only NAME,NAME]

Default sizes keep the whole suite (generation + runs) within a few minutes on 2 cores;
--full uses the sizes named in the issues (2M SYN-only flows, 1M tiny segments, 100k 64 KB
fragment sets, a 10 GB gzip bomb, ...).
"""
import argparse
import gzip
import json
import os
import random
import struct
import sys
import zlib

# ---------------------------------------------------------------- packet builders

MAC_A = bytes.fromhex('020000000001')
MAC_B = bytes.fromhex('020000000002')


def csum(data):
    if len(data) % 2:
        data += b'\0'
    s = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def eth(payload, etype=0x0800):
    return MAC_B + MAC_A + struct.pack('!H', etype) + payload


def ip4(src, dst, proto, payload, ident=0, frag=0, mf=False, df=False, total=None):
    flags = (0x2000 if mf else 0) | (0x4000 if df else 0) | (frag // 8)
    tl = total if total is not None else 20 + len(payload)
    h = struct.pack('!BBHHHBBH4s4s', 0x45, 0, tl & 0xffff, ident & 0xffff, flags, 64, proto, 0, src, dst)
    h = h[:10] + struct.pack('!H', csum(h)) + h[12:]
    return h + payload


def tcp(sport, dport, seq, ack, flags, payload=b'', window=65535):
    return struct.pack('!HHIIBBHHH', sport, dport, seq & 0xffffffff, ack & 0xffffffff, 5 << 4, flags,
                       window, 0, 0) + payload


def udp(sport, dport, payload):
    return struct.pack('!HHHH', sport, dport, 8 + len(payload), 0) + payload


def a4(n):
    return struct.pack('!I', n)


SYN, ACK, PSH, FIN, RST = 0x02, 0x10, 0x08, 0x01, 0x04
CLI, SRV = a4(0x0a000001), a4(0x0a000002)


class Pcap:
    """Classic pcap writer (microsecond, little-endian), optionally gzip-compressed."""

    def __init__(self, path, linktype=1, snaplen=262144, compress=False):
        raw = open(path, 'wb')
        self.f = gzip.GzipFile(fileobj=raw, mode='wb', compresslevel=9, mtime=0) if compress else raw
        self.raw = raw
        self.buf = []
        self.size = 0
        self.count = 0
        self.t = 1_700_000_000_000_000  # µs
        self.f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, snaplen, linktype))
        self.bytes_out = 24

    def add(self, frame, caplen=None, origlen=None, dt=10):
        self.t += dt
        cl = len(frame) if caplen is None else caplen
        ol = len(frame) if origlen is None else origlen
        self.buf.append(struct.pack('<IIII', self.t // 1_000_000, self.t % 1_000_000, cl, ol))
        self.buf.append(frame)
        self.size += 16 + len(frame)
        self.count += 1
        if self.size > (4 << 20):
            self.flush()

    def write_raw(self, data):
        self.flush()
        self.f.write(data)
        self.bytes_out += len(data)

    def flush(self):
        if self.buf:
            data = b''.join(self.buf)
            self.f.write(data)
            self.bytes_out += len(data)
            self.buf = []
            self.size = 0

    def close(self):
        self.flush()
        self.f.close()
        if self.f is not self.raw:
            self.raw.close()


def tcp_flow(p, sport, dport, client_data_segments, server_reply=b'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n',
             src=CLI, dst=SRV, isn_c=1000, isn_s=5000):
    """A complete TCP connection: handshake, client segments, one server reply, FIN/ACK teardown."""
    def c(flags, seq, ack, data=b''):
        p.add(eth(ip4(src, dst, 6, tcp(sport, dport, seq, ack, flags, data))))

    def s(flags, seq, ack, data=b''):
        p.add(eth(ip4(dst, src, 6, tcp(dport, sport, seq, ack, flags, data))))

    c(SYN, isn_c, 0)
    s(SYN | ACK, isn_s, isn_c + 1)
    c(ACK, isn_c + 1, isn_s + 1)
    seq = isn_c + 1
    for d in client_data_segments:
        c(ACK | PSH, seq, isn_s + 1, d)
        seq += len(d)
    s(ACK | PSH, isn_s + 1, seq, server_reply)
    sseq = isn_s + 1 + len(server_reply)
    c(FIN | ACK, seq, sseq)
    s(FIN | ACK, sseq, seq + 1)
    c(ACK, seq + 1, sseq + 1)


def segments(data, mss=1460):
    return [data[i:i + mss] for i in range(0, len(data), mss)]


# ---------------------------------------------------------------- pcapng

def pcapng_block(btype, body, total=None, trailer=None):
    body += b'\0' * (-len(body) % 4)
    tl = 12 + len(body)
    return struct.pack('<II', btype, tl if total is None else total) + body + \
        struct.pack('<I', tl if trailer is None else trailer)


def pcapng_shb():
    return pcapng_block(0x0A0D0D0A, struct.pack('<IHHq', 0x1A2B3C4D, 1, 0, -1))


def pcapng_idb():
    return pcapng_block(1, struct.pack('<HHI', 1, 0, 0))


def pcapng_epb(frame, ts):
    return pcapng_block(6, struct.pack('<IIIII', 0, ts >> 32, ts & 0xffffffff, len(frame), len(frame)) + frame)


def small_frame(i):
    return eth(ip4(CLI, SRV, 17, udp(10000 + i % 50000, 9, b'x' * 32)))


# ---------------------------------------------------------------- cases

CASES = []


def case(fn):
    CASES.append(fn)
    return fn


def meta(name, path, written, expect, flows=None, count_min=None, count_max=None, note='', log=None,
         decompressed=None):
    """written: records (packets) put in the file. count_min/max bound packets + records_lost
    (a fatal stop leaves the rest unparsed, counted in bytes_unparsed instead). expect: groups of
    anomaly names; each group needs one of its names somewhere in the outputs."""
    return {
        'name': name, 'file': os.path.basename(path), 'bytes': os.path.getsize(path), 'written': written,
        'count_min': written if count_min is None else count_min,
        'count_max': written if count_max is None else count_max,
        'flows': flows, 'expect': expect, 'note': note, 'log': log,
        'decompressed_bytes': decompressed,
    }


@case
def caplen_ffffffff(out, full):
    path = os.path.join(out, 'caplen_ffffffff.pcap')
    p = Pcap(path)
    n = 1000
    for i in range(n):
        p.add(small_frame(i))
    p.write_raw(struct.pack('<IIII', 1700000001, 0, 0xFFFFFFFF, 0xFFFFFFFF) + b'\xaa' * 64)
    p.close()
    return meta('caplen_ffffffff', path, n + 1, [['capture.record_too_large']], count_min=n, count_max=n + 1,
                note='record header claiming caplen 0xFFFFFFFF after 1000 packets: reading stops there')


def pcapng_bad_length(out, name, bad_block, expect, resync, note):
    path = os.path.join(out, name + '.pcapng')
    n = 1000
    with open(path, 'wb') as f:
        f.write(pcapng_shb() + pcapng_idb())
        ts = 1_700_000_000_000_000
        f.write(b''.join(pcapng_epb(small_frame(i), ts + i) for i in range(n)))
        f.write(bad_block)
        f.write(b''.join(pcapng_epb(small_frame(i), ts + n + i) for i in range(n)))
    # A stop leaves the second half unparsed; a resync reads it.
    return meta(name, path, 2 * n + 1, expect, count_min=n, count_max=2 * n + 1, note=note)


@case
def pcapng_len_0(out, full):
    return pcapng_bad_length(out, 'pcapng_len_0', struct.pack('<II', 6, 0) + b'\0' * 24,
                             [['pcapng.block_too_short']], False, 'EPB with block total length 0')


@case
def pcapng_len_12(out, full):
    return pcapng_bad_length(out, 'pcapng_len_12', struct.pack('<III', 6, 12, 12),
                             [['pcapng.block_too_short']], True, 'EPB with block total length 12 (below its 32)')


@case
def pcapng_len_huge(out, full):
    return pcapng_bad_length(out, 'pcapng_len_huge', struct.pack('<II', 6, 0xFFFFFFF0) + b'\0' * 24,
                             [['capture.record_too_large']], False, 'EPB with block total length 0xFFFFFFF0')


@case
def pcapng_len_not4(out, full):
    frame = small_frame(7)
    body = struct.pack('<IIIII', 0, 0, 0, len(frame), len(frame)) + frame
    total = 8 + len(body) + 1 + 4  # one byte of padding short: 107 for this frame
    assert total % 4
    bad = struct.pack('<II', 6, total) + body + b'\0' + struct.pack('<I', total)
    return pcapng_bad_length(out, 'pcapng_len_not4', bad, [['pcapng.length_not_multiple_of_4']], True,
                             'EPB whose total length is not a multiple of 4 (its trailer agrees)')


@case
def pcapng_len_not4_stop(out, full):
    frame = small_frame(7)
    body = struct.pack('<IIIII', 0, 0, 0, len(frame), len(frame)) + frame
    total = 8 + len(body) + 1 + 4
    bad = struct.pack('<II', 6, total) + body + b'\0' + struct.pack('<I', total + 1)
    return pcapng_bad_length(out, 'pcapng_len_not4_stop', bad, [['pcapng.length_not_multiple_of_4']], False,
                             'EPB whose total length is not a multiple of 4 and whose trailer disagrees')


def dns_header(ident, qd=1, an=0):
    return struct.pack('!HHHHHH', ident, 0x8180, qd, an, 0, 0)


@case
def dns_pointer_loops(out, full):
    path = os.path.join(out, 'dns_pointer_loops.pcap')
    p = Pcap(path)
    n = 1_000_000 if full else 50_000
    msgs = []
    # Question name = pointer to itself (offset 12).
    msgs.append(lambda i: dns_header(i) + b'\xc0\x0c' + b'\x00\x01\x00\x01')
    # Two-name cycle: name at 12 -> label + pointer to 19, name at 19 -> label + pointer to 12.
    msgs.append(lambda i: dns_header(i, qd=2) + b'\x01a\xc0\x13' + b'\x00\x01\x00\x01' + b'\x01b\xc0\x0c' +
                b'\x00\x01\x00\x01')
    # A long backward chain of pointers (each to the previous pointer), then an answer pointing in.
    def chain(i):
        body = bytearray(dns_header(i, qd=1, an=1)) + b'\x00' + b'\x00\x01\x00\x01'
        prev = 12
        for _ in range(200):
            here = len(body)
            body += struct.pack('!H', 0xC000 | prev)
            prev = here
        body += struct.pack('!HHHIH', 0xC000 | prev, 1, 1, 60, 4) + b'\x01\x02\x03\x04'
        return bytes(body)
    msgs.append(chain)
    # Forward pointer past the end.
    msgs.append(lambda i: dns_header(i) + b'\xc3\xff' + b'\x00\x01\x00\x01')
    for i in range(n):
        m = msgs[i % len(msgs)](i & 0xffff)
        p.add(eth(ip4(SRV, CLI, 17, udp(53, 20000 + i % 40000, m))))
    p.close()
    return meta('dns_pointer_loops', path, n, [['dns.name_loop'], ['dns.name_too_many_pointers', 'dns.name_loop']],
                flows=None, note='DNS responses whose names are compression-pointer loops/chains', log='dns')


def nested_packet(kind, depth):
    if kind == 'vlan':
        inner = ip4(CLI, SRV, 17, udp(1, 2, b'v'))
        return MAC_B + MAC_A + b''.join(struct.pack('!HH', 0x8100, i & 0xfff) for i in range(depth)) + \
            struct.pack('!H', 0x0800) + inner
    if kind == 'mpls':
        labels = b''.join(struct.pack('!I', ((i & 0xfffff) << 12) | (0x100 if i == depth - 1 else 0) | 64)
                          for i in range(depth))
        return eth(labels + ip4(CLI, SRV, 17, udp(1, 2, b'm')), 0x8847)
    # GRE in IPv4, nested: the innermost payload first, each level wraps it in IPv4 + GRE.
    pkt = ip4(CLI, SRV, 17, udp(1, 2, b'g'))
    for i in range(depth):
        pkt = ip4(a4(0x0b000000 + (i & 0xffff)), a4(0x0c000000 + (i & 0xffff)), 47,
                  struct.pack('!HH', 0, 0x0800) + pkt, total=min(65535, 24 + len(pkt)))
    return eth(pkt)


@case
def nested_encapsulation(out, full):
    path = os.path.join(out, 'nested_encapsulation.pcap')
    p = Pcap(path)
    depth = 10_000
    reps = 1000 if full else 100
    pk = {k: nested_packet(k, depth) for k in ('vlan', 'mpls', 'gre')}
    # GRE at depth 10,000 is 240 KB: under the 256 KiB normal caplen.
    for i in range(reps):
        for k in ('vlan', 'mpls', 'gre'):
            p.add(pk[k])
    p.close()
    return meta('nested_encapsulation', path, 3 * reps, [['frame.too_many_layers']],
                note='10,000 nested VLAN tags, MPLS labels, GRE-in-IPv4 layers per packet')


@case
def ipv6_ext_chain(out, full):
    path = os.path.join(out, 'ipv6_ext_chain.pcap')
    p = Pcap(path)
    n = 20_000 if full else 2000
    exts = bytearray()
    count = 1000
    for i in range(count):
        nxt = 60 if i < count - 1 else 17  # destination options ... then UDP
        exts += struct.pack('!BB', nxt, 0) + b'\x01\x04\0\0\0\0'  # PadN
    payload = bytes(exts) + udp(1, 2, b'6')
    src = bytes.fromhex('20010db8000000000000000000000001')
    dst = bytes.fromhex('20010db8000000000000000000000002')
    hdr = struct.pack('!IHBB', 0x60000000, len(payload), 0, 64) + src + dst  # first: hop-by-hop (0)
    frame = eth(hdr + payload, 0x86DD)
    for _ in range(n):
        p.add(frame)
    p.close()
    return meta('ipv6_ext_chain', path, n, [['ipv6.extension_chain_too_long']],
                note='IPv6 packets with 1,000 extension headers')


@case
def fragments_overlap_teardrop(out, full):
    path = os.path.join(out, 'fragments_overlap_teardrop.pcap')
    p = Pcap(path)
    n = 200_000 if full else 20_000
    written = 0
    for i in range(n):
        ident = i & 0xffff
        src = a4(0x0a100000 + i)
        kind = i % 3
        if kind == 0:  # overlap with different bytes
            u = udp(1000, 2000, b'A' * 40)
            p.add(eth(ip4(src, SRV, 17, u[:24], ident, 0, mf=True)))
            p.add(eth(ip4(src, SRV, 17, b'B' * 24, ident, 16, mf=True)))
            p.add(eth(ip4(src, SRV, 17, u[24:], ident, 24, mf=False)))
            written += 3
        elif kind == 1:  # teardrop: the second fragment lies inside the first and ends before it
            p.add(eth(ip4(src, SRV, 17, udp(1000, 2000, b'T' * 64), ident, 0, mf=True)))
            p.add(eth(ip4(src, SRV, 17, b'X' * 8, ident, 24, mf=False)))
            written += 2
        else:  # ping of death: fragments reaching past 65535
            p.add(eth(ip4(src, SRV, 1, b'\x08\0\0\0\0\0\0\0' + b'P' * 1472, ident, 0, mf=True)))
            p.add(eth(ip4(src, SRV, 1, b'P' * 1480, ident, 65528 - 8, mf=False)))
            written += 2
    p.close()
    return meta('fragments_overlap_teardrop', path, written, [['ip.fragment_overlap_conflict', 'ip_defrag.overlap_conflict'], ['ip_defrag.oversize']],
                note='overlapping fragments with different bytes, teardrop, fragments past 65535')


def incomplete_sets(out, name, n, piece):
    path = os.path.join(out, name + '.pcap')
    p = Pcap(path)
    for i in range(n):
        src = a4(0x0a200000 + i)
        ident = i & 0xffff
        # First and last fragment of a 64 KB datagram; everything between never comes.
        p.add(eth(ip4(src, SRV, 17, udp(1, 2, b'F' * (piece - 8)), ident, 0, mf=True)))
        p.add(eth(ip4(src, SRV, 17, b'L' * piece, ident, 65528 - piece, mf=False)))
    p.close()
    # Beyond 65,536 incomplete datagrams or 64 MiB held (each fragment charged its bytes + 64),
    # the oldest are evicted (counted).
    evicts = n > 65536 or n * 2 * (piece + 64) > (64 << 20)
    return meta(name, path, 2 * n, [['ip_defrag.evicted']] if evicts else [],
                note='first and last fragment (%d bytes each) of %d different 64 KB datagrams, the middle '
                'never sent' % (piece, n))


@case
def fragments_incomplete_64k(out, full):
    return incomplete_sets(out, 'fragments_incomplete_64k', 100_000 if full else 12_000, 1480)


@case
def fragments_incomplete_many(out, full):
    return incomplete_sets(out, 'fragments_incomplete_many', 1_000_000 if full else 70_000, 8)


@case
def tcp_tiny_out_of_order(out, full):
    path = os.path.join(out, 'tcp_tiny_out_of_order.pcap')
    p = Pcap(path)
    n = 1_000_000 if full else 100_000
    isn_c, isn_s = 1000, 5000
    sport, dport = 40000, 80
    c = lambda fl, seq, ack, d=b'': p.add(eth(ip4(CLI, SRV, 6, tcp(sport, dport, seq, ack, fl, d))))
    s = lambda fl, seq, ack, d=b'': p.add(eth(ip4(SRV, CLI, 6, tcp(dport, sport, seq, ack, fl, d))))
    c(SYN, isn_c, 0)
    s(SYN | ACK, isn_s, isn_c + 1)
    c(ACK, isn_c + 1, isn_s + 1)
    # 1-byte segments in blocks of 100,000, shuffled, each block's first byte last: everything
    # is held out of order until its hole fills, and at 64 B of bookkeeping per held segment the
    # 4 MiB per-direction cap is reached after ~60,000 of them.
    base = isn_c + 1
    rnd = random.Random(4)
    for blk in range(0, n, 100_000):
        order = list(range(blk + 1, min(blk + 100_000, n)))
        rnd.shuffle(order)
        for k in order + [blk]:
            c(ACK | PSH, base + k, isn_s + 1, b'%c' % (97 + k % 26))
    c(FIN | ACK, base + n, isn_s + 1)
    s(FIN | ACK, isn_s + 1, base + n + 1)
    c(ACK, base + n + 1, isn_s + 2)
    p.close()
    return meta('tcp_tiny_out_of_order', path, n + 6, [['tcp_reassembly.cap_hit', 'tcp.cap_hit']], flows=1,
                note='%d one-byte TCP segments shuffled within blocks of 100,000' % n)


def syn_flood(out, name, n):
    path = os.path.join(out, name + '.pcap')
    p = Pcap(path)
    for i in range(n):
        src = a4(0x0a000000 + (i >> 14))
        p.add(eth(ip4(src, SRV, 6, tcp(1024 + (i & 0x3fff), 80, i * 7919, 0, SYN))), dt=1)
    p.close()
    return meta(name, path, n, [], flows=n, note='%d distinct SYN-only flows' % n)


@case
def syn_only_flows(out, full):
    return syn_flood(out, 'syn_only_flows', 2_000_000 if full else 200_000)


@case
def syn_only_flows_1m(out, full):
    if not full:
        return None
    return syn_flood(out, 'syn_only_flows_1m', 1_000_000)


@case
def tcp_overlap_conflicts(out, full):
    path = os.path.join(out, 'tcp_overlap_conflicts.pcap')
    p = Pcap(path)
    flows = 2000 if full else 120
    per = 500
    rnd = random.Random(7)
    written = 0
    for fidx in range(flows):
        sport = 20000 + fidx
        isn_c, isn_s = 100000 * fidx, 7
        c = lambda fl, seq, ack, d=b'': p.add(eth(ip4(CLI, SRV, 6, tcp(sport, 80, seq, ack, fl, d))))
        s = lambda fl, seq, ack, d=b'': p.add(eth(ip4(SRV, CLI, 6, tcp(80, sport, seq, ack, fl, d))))
        c(SYN, isn_c, 0)
        s(SYN | ACK, isn_s, isn_c + 1)
        c(ACK, isn_c + 1, isn_s + 1)
        seq = isn_c + 1
        written += 3
        for k in range(per):
            # Two different early copies of the bytes after a hole (the second overlapping the
            # first by 100 - shift bytes), then the hole, then a differing retransmission of
            # bytes already delivered.
            shift = rnd.randrange(1, 50)
            c(ACK | PSH, seq + 100, isn_s + 1, bytes([97 + k % 26]) * 100)
            c(ACK | PSH, seq + 100 + shift, isn_s + 1, bytes([48 + k % 10]) * 100)
            c(ACK | PSH, seq, isn_s + 1, bytes([65 + k % 26]) * 100)
            c(ACK | PSH, seq + shift, isn_s + 1, bytes([33 + k % 10]) * 100)
            written += 4
            seq += 200 + shift
        c(FIN | ACK, seq, isn_s + 1)
        s(FIN | ACK, isn_s + 1, seq + 1)
        written += 2
    p.close()
    return meta('tcp_overlap_conflicts', path, written, [['tcp_reassembly.overlap_conflict', 'tcp.overlap_conflict']], flows=flows,
                note='retransmissions and overlaps carrying different bytes (%d flows)' % flows)


@case
def http_header_10mb(out, full):
    path = os.path.join(out, 'http_header_10mb.pcap')
    p = Pcap(path)
    size = 10 << 20
    req = b'GET / HTTP/1.1\r\nHost: example.com\r\nX-Long: ' + b'a' * size + b'\r\n\r\n'
    segs = segments(req)
    tcp_flow(p, 40001, 80, segs)
    p.close()
    return meta('http_header_10mb', path, len(segs) + 7, [['http.line_too_long', 'http.header_block_too_large']],
                flows=1, note='HTTP request with a 10 MB header line', log='http')


@case
def tls_record_16mb(out, full):
    path = os.path.join(out, 'tls_record_16mb.pcap')
    p = Pcap(path)
    # A record header with the largest length (65535, above TLS's 18432), and a handshake
    # message claiming 16 MB (0xFFFFFF) in records of legal size, 4 MB of it sent.
    big_record = b'\x16\x03\x01\xff\xff' + b'\x01\xff\xff\xff' + b'\0' * 65531
    hs = b'\x01\xff\xff\xff' + b'\0' * (4 << 20)
    recs = b''.join(b'\x16\x03\x01' + struct.pack('!H', len(c)) + c
                    for c in (hs[i:i + 16384] for i in range(0, len(hs), 16384)))
    s1, s2 = segments(big_record), segments(recs)
    tcp_flow(p, 40002, 443, s1, server_reply=b'\x15\x03\x01\x00\x02\x02\x28')
    tcp_flow(p, 40003, 443, s2, server_reply=b'\x15\x03\x01\x00\x02\x02\x28')
    p.close()
    return meta('tls_record_16mb', path, len(s1) + len(s2) + 14,
                [['tls.record_too_long'], ['tls.handshake_too_long']], flows=2,
                note='TLS record of length 65535 and a handshake message claiming 16 MB', log='tls')


@case
def gzip_bomb_capture(out, full):
    """A .pcap.gz whose decompressed capture is huge: max-size packets of zeros."""
    path = os.path.join(out, 'gzip_bomb_capture.pcap.gz')
    total = (10 << 30) if full else (256 << 20)
    frame_len = 262144 - 16
    zeros = b'\0' * frame_len
    hdr = struct.pack('<IIII', 1700000000, 0, frame_len, frame_len)
    rec = hdr + zeros
    n = total // len(rec)
    # Compress one record once and repeat the compressed stream pattern via a raw deflate stream
    # of a repeated block: zlib per block at level 9 (fast enough for 10 GB? no: reuse output).
    co = zlib.compressobj(9, zlib.DEFLATED, 31)
    with open(path, 'wb') as f:
        f.write(co.compress(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 262144, 1)))
        block = rec * 64
        for _ in range(n // 64):
            f.write(co.compress(block))
        f.write(co.compress(rec * (n % 64)))
        f.write(co.flush())
    return meta('gzip_bomb_capture', path, n, [], note='gzip capture of %d MB decompressing to %.1f GB (%d zero '
                'packets of 256 KB)' % (os.path.getsize(path) >> 20, (24 + n * len(rec)) / 2**30, n),
                decompressed=24 + n * len(rec))


@case
def gzip_bomb_zero_records(out, full):
    """A .pcap.gz of a pcap header followed by nothing but zeros: every 16 zero bytes are a
    record header with caplen 0 and timestamp 0, so the packet count (and the index) grows
    with the decompressed size. --full stops at 1 GiB (67M records): 10 GiB would need ~21 GiB
    of index at 32 bytes per packet (see the report)."""
    path = os.path.join(out, 'gzip_bomb_zero_records.pcap.gz')
    total = (1 << 30) if full else (64 << 20)
    co = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = b'\0' * (1 << 20)
    with open(path, 'wb') as f:
        f.write(co.compress(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 262144, 1)))
        for _ in range(total >> 20):
            f.write(co.compress(block))
        f.write(co.flush())
    n = total // 16
    return meta('gzip_bomb_zero_records', path, n, [], note='gzip capture: header + %d MiB of zeros (%d empty '
                'records)' % (total >> 20, n), decompressed=24 + total)


@case
def gzip_bomb_http_body(out, full):
    path = os.path.join(out, 'gzip_bomb_http_body.pcap')
    p = Pcap(path)
    size = (1 << 30) if full else (64 << 20)
    co = zlib.compressobj(9, zlib.DEFLATED, 31)
    body = co.compress(b'\0' * size) + co.flush()
    resp = b'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n' % \
        len(body) + body
    req = b'GET /bomb HTTP/1.1\r\nHost: example.com\r\nAccept-Encoding: gzip\r\n\r\n'
    isn_c, isn_s, sport = 1000, 5000, 40004
    c = lambda fl, seq, ack, d=b'': p.add(eth(ip4(CLI, SRV, 6, tcp(sport, 80, seq, ack, fl, d))))
    s = lambda fl, seq, ack, d=b'': p.add(eth(ip4(SRV, CLI, 6, tcp(80, sport, seq, ack, fl, d))))
    c(SYN, isn_c, 0)
    s(SYN | ACK, isn_s, isn_c + 1)
    c(ACK, isn_c + 1, isn_s + 1)
    c(ACK | PSH, isn_c + 1, isn_s + 1, req)
    cseq = isn_c + 1 + len(req)
    seq = isn_s + 1
    segs = segments(resp)
    for d in segs:
        s(ACK | PSH, seq, cseq, d)
        seq += len(d)
    c(FIN | ACK, cseq, seq)
    s(FIN | ACK, seq, cseq + 1)
    c(ACK, cseq + 1, seq + 1)
    p.close()
    return meta('gzip_bomb_http_body', path, len(segs) + 7, [], flows=1,
                note='HTTP response with Content-Encoding: gzip, %d MB decompressing from %d KB' %
                (size >> 20, len(body) >> 10), log='http')


def benign(out, name, target_bytes):
    """A benign capture of about `target_bytes`: HTTP-like TCP connections and DNS queries."""
    path = os.path.join(out, name + '.pcap')
    p = Pcap(path)
    rnd = random.Random(1)
    i = 0
    while p.bytes_out + p.size < target_bytes:
        if i % 4 == 3:
            q = dns_header(i & 0xffff) + b'\x07example\x03com\x00\x00\x01\x00\x01'
            p.add(eth(ip4(CLI, SRV, 17, udp(30000 + i % 30000, 53, q))))
            p.add(eth(ip4(SRV, CLI, 17, udp(53, 30000 + i % 30000, q + b'\xc0\x0c\x00\x01\x00\x01\0\0\0\x3c\0\x04\x01\x02\x03\x04'))))
        else:
            body = b'GET /%d HTTP/1.1\r\nHost: example.com\r\n\r\n' % i
            tcp_flow(p, 1024 + i % 60000, 80, [body] + [bytes([rnd.randrange(256)]) * 1400] * rnd.randrange(1, 8),
                     src=a4(0x0a300000 + i % 5000), isn_c=rnd.randrange(1 << 32))
        i += 1
    p.close()
    return meta(name, path, p.count, [], note='benign reference')


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('out')
    ap.add_argument('--full', action='store_true', help='the sizes named in the issues')
    ap.add_argument('--only', default='', help='comma-separated case names')
    ap.add_argument('--benign', default='', help='only write benign references of these sizes (bytes, comma-separated) and benign.json')
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    only = set(filter(None, args.only.split(',')))
    results = []
    for fn in ([] if args.benign else CASES):
        if only and fn.__name__ not in only:
            continue
        m = fn(args.out, args.full)
        if m:
            results.append(m)
            print('generated %-28s %12d bytes %9d packets' % (m['name'], m['bytes'], m['written']), file=sys.stderr)
    if args.benign:  # benign references only: benign.json
        results = [benign(args.out, 'benign_%s' % size, int(size)) for size in args.benign.split(',') if size]
        with open(os.path.join(args.out, 'benign.json'), 'w') as f:
            json.dump(results, f, indent=1)
        return
    with open(os.path.join(args.out, 'cases.json'), 'w') as f:
        json.dump(results, f, indent=1)


if __name__ == '__main__':
    main()
