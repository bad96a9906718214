#!/usr/bin/env python3
"""Writes hand-made DHCP (BOOTP + options) messages into tests/fuzz/seeds/dhcp_fuzz/ for the
dhcp_fuzz target: the exchanges and the option layouts the parser handles (message types,
option overload into sname/file, relay-agent sub-options, client FQDN in both encodings, client
id, parameter list, routers, DNS servers, padding), so that fuzzing starts from each of them.
Rerun to regenerate: python3 tests/fuzz/make_dhcp_seeds.py"""
import os
import struct

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'seeds', 'dhcp_fuzz')
MAGIC = bytes([99, 130, 83, 99])


def opt(code, data):
    return bytes([code, len(data)]) + data


def bootp(op, xid, ciaddr=b'\0' * 4, yiaddr=b'\0' * 4, giaddr=b'\0' * 4, sname=b'', file=b'',
          chaddr=bytes.fromhex('020000aabbcc'), hops=0, flags=0):
    return (struct.pack('!BBBBIHH', op, 1, 6, hops, xid, 0, flags) + ciaddr + yiaddr + b'\0' * 4 + giaddr
            + chaddr.ljust(16, b'\0') + sname.ljust(64, b'\0') + file.ljust(128, b'\0'))


def fqdn_wire(name):
    return b''.join(bytes([len(p)]) + p.encode() for p in name.split('.')) + b'\0'


def write(name, msg):
    with open(os.path.join(OUT, name), 'wb') as f:
        f.write(msg)


def main():
    os.makedirs(OUT, exist_ok=True)
    params = opt(55, bytes([1, 3, 6, 15, 28, 42, 119, 121, 252]))
    cid = opt(61, b'\x01' + bytes.fromhex('020000aabbcc'))
    write('discover.bin', bootp(1, 0x1234) + MAGIC + opt(53, b'\x01') + cid + params
          + opt(12, b'laptop-7') + opt(60, b'MSFT 5.0') + b'\xff')
    lease = (opt(54, bytes([192, 168, 0, 1])) + opt(51, struct.pack('!I', 86400)) + opt(1, bytes([255, 255, 255, 0]))
             + opt(3, bytes([192, 168, 0, 1, 192, 168, 0, 2])) + opt(6, bytes([8, 8, 8, 8, 1, 1, 1, 1]))
             + opt(15, b'example.org'))
    write('offer.bin', bootp(2, 0x1234, yiaddr=bytes([192, 168, 0, 23])) + MAGIC + opt(53, b'\x02') + lease + b'\xff')
    write('request-fqdn-wire.bin', bootp(1, 0x1234) + MAGIC + opt(53, b'\x03') + cid
          + opt(50, bytes([192, 168, 0, 23])) + opt(81, b'\x05\x00\x00' + fqdn_wire('laptop-7.example.org')) + params
          + b'\x00\x00\xff')
    write('request-fqdn-ascii.bin', bootp(1, 0x1234) + MAGIC + opt(53, b'\x03')
          + opt(81, b'\x01\xff\xff' + b'laptop-7.example.org') + b'\xff')
    write('ack.bin', bootp(2, 0x1234, yiaddr=bytes([192, 168, 0, 23])) + MAGIC + opt(53, b'\x05') + lease
          + opt(58, struct.pack('!I', 43200)) + opt(59, struct.pack('!I', 75600)) + b'\xff')
    write('nak.bin', bootp(2, 0x99) + MAGIC + opt(53, b'\x06') + opt(56, b'requested address not available') + b'\xff')
    write('release-decline-inform.bin', bootp(1, 0x77, ciaddr=bytes([10, 0, 0, 5])) + MAGIC + opt(53, b'\x08')
          + opt(53, b'\x07') + b'\xff')
    relay = opt(82, opt(1, b'eth0/1/3:vlan42') + opt(2, bytes.fromhex('001122334455')) + opt(6, b'subscriber-9'))
    write('relayed.bin', bootp(1, 0x4242, giaddr=bytes([10, 1, 2, 1]), hops=1) + MAGIC + opt(53, b'\x01') + cid
          + relay + b'\xff')
    # Option overload (52): 3 = both sname and file carry options, each ending in 255.
    write('overload.bin', bootp(2, 0x5151, yiaddr=bytes([10, 9, 8, 7]),
                                sname=opt(15, b'in-sname.example') + b'\xff',
                                file=opt(12, b'in-file-host') + opt(6, bytes([9, 9, 9, 9])) + b'\xff')
          + MAGIC + opt(53, b'\x05') + opt(52, b'\x03') + b'\xff')
    # A long option split over two occurrences (RFC 3396 concatenation) and a truncated one at the end.
    write('split-and-truncated.bin', bootp(1, 0x6262) + MAGIC + opt(53, b'\x01') + opt(12, b'part-one-')
          + opt(12, b'part-two') + bytes([55, 40, 1, 3]))
    write('bootp-no-magic.bin', bootp(1, 0x7373, sname=b'bootserver', file=b'/boot/pxelinux.0'))


if __name__ == '__main__':
    main()
