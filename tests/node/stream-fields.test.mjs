// tcp.stream / udp.stream in the npm package, on a hand-made capture: Capture.select on a
// stream selects exactly its packets (plain flows decided from the flow table, a flow inside
// IP-in-IP and an ICMP error quoting a TCP header re-read and decided from their bytes), the
// same as `pcapscope filter`; packet(n) shows Wireshark's generated "[Stream index: N]" under
// the packet's own TCP/UDP header, not under one an ICMP error quotes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { openCapture } from 'pcapscope';
import { pcapOf as capturePcap } from '../browser/captures.mjs';
import { findCli, runCli } from './support.mjs';

const SYN = 0x02, ACK = 0x10, PSH = 0x08, FIN = 0x01;

/** IPv4 10.0.0.src → 10.0.0.dst carrying `l4` (IP protocol `proto`), without Ethernet. */
function ipv4(src, dst, proto, l4) {
  const h = Buffer.from([0x45, 0, 0, 0, 0, 1, 0x40, 0, 64, proto, 0, 0, 10, 0, 0, src, 10, 0, 0, dst]);
  h.writeUInt16BE(20 + l4.length, 2);
  return Buffer.concat([h, l4]);
}

/** Ethernet around an IPv4 packet. */
function eth(src, dst, ip) {
  return Buffer.concat([Buffer.from([2, 0, 0, 0, 0, dst, 2, 0, 0, 0, 0, src, 0x08, 0x00]), ip]);
}

/** A TCP segment [src, sport] → [dst, dport] as an IPv4 packet. */
function tcpIp([src, sport], [dst, dport], flags, seq, ack, payload = '') {
  const h = Buffer.alloc(20);
  h.writeUInt16BE(sport, 0);
  h.writeUInt16BE(dport, 2);
  h.writeUInt32BE(seq, 4);
  h.writeUInt32BE(ack, 8);
  h[12] = 0x50;
  h[13] = flags;
  h.writeUInt16BE(0xffff, 14);
  return ipv4(src, dst, 6, Buffer.concat([h, Buffer.from(payload)]));
}

function udpIp([src, sport], [dst, dport], payload) {
  const h = Buffer.alloc(8);
  h.writeUInt16BE(sport, 0);
  h.writeUInt16BE(dport, 2);
  h.writeUInt16BE(8 + payload.length, 4);
  return ipv4(src, dst, 17, Buffer.concat([h, Buffer.from(payload)]));
}

const frame = (ip) => eth(ip[15], ip[19], ip);

/** A classic pcap of `frames` (the browser tests' builder), as the bytes openCapture takes. */
const pcapOf = (frames) => new Uint8Array(capturePcap(frames));

const A = [1, 40001], B = [1, 40002], T = [1, 40003], web = [2, 80], alt = [2, 8080];
const U0 = [1, 5000], U1 = [1, 5001], dns = [3, 53];

// Frame numbers and streams: tcp.stream 0 = A<->web (2, 3, 10), 1 = B<->alt (4, 6, 7, 11),
// 2 = T<->web inside IP-in-IP (9, 12); udp.stream 0 = U0<->dns (1, 8), 1 = U1->dns (13);
// 5 is an ICMP error quoting B's SYN, 14 one quoting U1's datagram.
const FRAMES = [
  frame(udpIp(U0, dns, 'query')),                                                       // 1
  frame(tcpIp(A, web, SYN, 1000, 0)),                                                   // 2
  frame(tcpIp(web, A, SYN | ACK, 5000, 1001)),                                          // 3
  frame(tcpIp(B, alt, SYN, 2000, 0)),                                                   // 4
  frame(ipv4(2, 1, 1, Buffer.concat([Buffer.from([3, 3, 0, 0, 0, 0, 0, 0]), tcpIp(B, alt, SYN, 2000, 0)]))),  // 5
  frame(tcpIp(alt, B, SYN | ACK, 6000, 2001)),                                          // 6
  frame(tcpIp(B, alt, PSH | ACK, 2001, 6001, 'hello')),                                 // 7
  frame(udpIp(dns, U0, 'answer')),                                                      // 8
  eth(5, 6, ipv4(5, 6, 4, tcpIp(T, web, SYN, 3000, 0))),                                // 9
  frame(tcpIp(A, web, ACK, 1001, 5001)),                                                // 10
  frame(tcpIp(B, alt, FIN | ACK, 2006, 6001)),                                          // 11
  eth(6, 5, ipv4(6, 5, 4, tcpIp(web, T, SYN | ACK, 7000, 3001))),                       // 12
  frame(udpIp(U1, dns, 'again')),                                                       // 13
  frame(ipv4(3, 1, 1, Buffer.concat([Buffer.from([3, 3, 0, 0, 0, 0, 0, 0]), udpIp(U1, dns, 'again')]))),      // 14
];

const SELECTIONS = [
  ['tcp.stream == 1', [4, 6, 7, 11]],
  ['tcp.stream == 0', [2, 3, 10]],
  ['tcp.stream == 2', [9, 12]],
  ['tcp.stream >= 1', [4, 6, 7, 9, 11, 12]],
  ['udp.stream == 0', [1, 8]],
  ['udp.stream in {1, 5}', [13]],
  ['tcp.stream == 1 && tcp.len > 0', [7]],
  ['frame.number > 5 && tcp.stream == 1', [6, 7, 11]],
  ['!tcp.stream && !udp.stream', [5, 14]],
];

/** `f` (Ethernet + IPv4) as a last IP fragment at offset 800 whose first fragment never comes. */
function loneFragment(f) {
  const g = Buffer.from(f);
  g.writeUInt16BE(0x1234, 14 + 4);  // identification
  g.writeUInt16BE(100, 14 + 6);     // no DF, no MF, offset 100 × 8
  return g;
}

/** The nodes named `name` anywhere in a packet's field tree. */
function nodesNamed(nodes, name, out = []) {
  for (const n of nodes) {
    if (n.name === name) out.push(n);
    nodesNamed(n.children, name, out);
  }
  return out;
}

test('select on tcp.stream / udp.stream selects exactly the stream', async () => {
  const bytes = pcapOf(FRAMES);
  // Whole buffer, and small chunks (undecided rows re-read through several windows).
  for (const options of [{}, { chunkSize: 200 }]) {
    const capture = await openCapture(bytes, options);
    try {
      assert.equal(capture.packetCount, FRAMES.length);
      for (const [expr, want] of SELECTIONS) {
        const sel = await capture.select(expr);
        assert.deepEqual(Array.from(sel.numbers), want, `${expr} ${JSON.stringify(options)}`);
        assert.equal(sel.count, want.length);
      }
      // The flow ids behind the streams: tcp.stream 1 is the third flow (after U0, A).
      const flows = await capture.flows();
      assert.deepEqual(flows.map((f) => [f.flow_id, f['id.orig_p']]).slice(0, 3), [[1, 5000], [2, 40001], [3, 40002]]);
    } finally {
      await capture.close();
    }
  }
});

test('select on streams equals `pcapscope filter`', async (t) => {
  const cli = findCli();
  if (!cli) return t.skip('no native CLI (set PCAPSCOPE_CLI or build the release/debug preset)');
  const dir = await mkdtemp(join(tmpdir(), 'pcapscope-stream-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'streams.pcap');
  await writeFile(path, pcapOf(FRAMES));
  const capture = await openCapture(path);
  try {
    for (const [expr, want] of SELECTIONS) {
      const r = await runCli(cli, ['filter', path, expr, '--fields', 'frame.number']);
      assert.equal(r.code, 0, r.stderr);
      const native = r.stdout.split('\n').filter(Boolean).map((line) => Number(JSON.parse(line)['frame.number']));
      assert.deepEqual(native, want, `CLI: ${expr}`);
      assert.deepEqual(Array.from((await capture.select(expr)).numbers), native, expr);
    }
  } finally {
    await capture.close();
  }
});

test('packet(n) shows the stream index of its own TCP/UDP header', async () => {
  const capture = await openCapture(pcapOf(FRAMES));
  try {
    const cases = [
      [4, 'tcp.stream', '1'], [7, 'tcp.stream', '1'], [3, 'tcp.stream', '0'], [9, 'tcp.stream', '2'],
      [1, 'udp.stream', '0'], [13, 'udp.stream', '1'],
    ];
    for (const [number, name, value] of cases) {
      const p = await capture.packet(number);
      const other = name === 'tcp.stream' ? 'udp.stream' : 'tcp.stream';
      const proto = name.slice(0, 3);
      const header = p.fields.find((n) => n.name === proto);
      assert.ok(header, `packet ${number} has a ${proto} tree`);
      const found = header.children.filter((n) => n.name === name);
      assert.deepEqual(found.map(({ label, value: v, length }) => ({ label, value: v, length })),
        [{ label: `[Stream index: ${value}]`, value, length: 0 }], `packet ${number} ${name}`);
      assert.deepEqual(nodesNamed(p.fields, other), [], `packet ${number} has no ${other}`);
    }
    // ICMP errors: the quoted headers have no stream index.
    for (const number of [5, 14]) {
      const p = await capture.packet(number);
      assert.ok(nodesNamed(p.fields, 'icmp').length > 0, `packet ${number} is ICMP`);
      assert.deepEqual(nodesNamed(p.fields, 'tcp.stream'), [], `packet ${number}`);
      assert.deepEqual(nodesNamed(p.fields, 'udp.stream'), [], `packet ${number}`);
    }
  } finally {
    await capture.close();
  }
});

test('a lone IP fragment takes no stream number (select and `pcapscope filter` agree)', async (t) => {
  // A datagram never completed has no flow, so no tcp.stream / udp.stream number: B's SYN is
  // tcp.stream 1 and U0's datagram udp.stream 0, as tshark numbers them.
  const frames = [
    frame(tcpIp(A, web, SYN, 1000, 0)),                               // 1: tcp 0
    loneFragment(frame(tcpIp([1, 40009], [4, 80], SYN, 1, 0, 'abcd'))),  // 2: IP proto 6
    frame(tcpIp(B, alt, SYN, 2000, 0)),                               // 3: tcp 1
    loneFragment(frame(udpIp([1, 5009], [4, 53], 'abcd'))),           // 4: IP proto 17
    frame(udpIp(U0, dns, 'query')),                                   // 5: udp 0
    frame(tcpIp(web, A, SYN | ACK, 5000, 1001)),                      // 6: tcp 0
  ];
  const cases = [['tcp.stream == 1', [3]], ['udp.stream == 0', [5]], ['tcp.stream == 0', [1, 6]], ['tcp.stream >= 2', []]];
  const capture = await openCapture(pcapOf(frames));
  try {
    for (const [expr, want] of cases) {
      assert.deepEqual(Array.from((await capture.select(expr)).numbers), want, expr);
    }
  } finally {
    await capture.close();
  }
  const cli = findCli();
  if (!cli) return t.skip('no native CLI (set PCAPSCOPE_CLI or build the release/debug preset)');
  const dir = await mkdtemp(join(tmpdir(), 'pcapscope-stream-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'fragments.pcap');
  await writeFile(path, pcapOf(frames));
  for (const [expr, want] of cases) {
    const r = await runCli(cli, ['filter', path, expr, '--fields', 'frame.number']);
    assert.equal(r.code, 0, r.stderr);
    const native = r.stdout.split('\n').filter(Boolean).map((line) => Number(JSON.parse(line)['frame.number']));
    assert.deepEqual(native, want, `CLI: ${expr}`);
  }
});
