#!/usr/bin/env python3
"""dpkt baseline of the benchmark suite (bench/suite.py): reads a pcap or pcapng file with dpkt,
decodes every packet to L4 (Ethernet with 802.1Q tags, IPv4/IPv6, TCP/UDP ports) and counts
bidirectional flows in a dict, the way a typical dpkt script would. Prints one JSON line:
{"packets": N, "flows": F, "seconds": T} (T: time inside the loop, startup excluded).

Needs Debian's python3-dpkt (run it with /usr/bin/python3 if another python3 comes first in PATH).
"""
import json
import sys
import time

import dpkt


def main() -> int:
    if len(sys.argv) != 2:
        print("usage: dpkt_baseline.py FILE", file=sys.stderr)
        return 2
    path = sys.argv[1]
    t0 = time.perf_counter()
    packets = 0
    flows = {}
    with open(path, "rb") as f:
        magic = f.read(4)
        f.seek(0)
        reader = dpkt.pcapng.Reader(f) if magic == b"\x0a\x0d\x0d\x0a" else dpkt.pcap.Reader(f)
        for _ts, buf in reader:
            packets += 1
            try:
                eth = dpkt.ethernet.Ethernet(buf)  # 802.1Q tags are parsed here
            except (dpkt.UnpackError, IndexError, ValueError):
                continue
            ip = eth.data
            if isinstance(ip, dpkt.ip.IP):
                proto = ip.p
            elif isinstance(ip, dpkt.ip6.IP6):
                proto = ip.nxt
            else:
                continue
            l4 = ip.data
            sport = dport = 0
            if isinstance(l4, (dpkt.tcp.TCP, dpkt.udp.UDP)):
                sport, dport = l4.sport, l4.dport
            a, b = (ip.src, sport), (ip.dst, dport)
            key = (a, b, proto) if a <= b else (b, a, proto)
            flows[key] = flows.get(key, 0) + 1
    seconds = time.perf_counter() - t0
    print(json.dumps({"packets": packets, "flows": len(flows), "seconds": round(seconds, 4)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
