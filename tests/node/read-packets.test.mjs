// readPackets: one pass yielding lightweight packet views. Their numbers, times, lengths and
// bytes equal the index and packet details of openCapture; lazily decoded fields equal the
// native CLI's `pcapscope packets --fields` for fields that need no TCP context; the result does
// not depend on the chunk size; gzip input works; errors after some packets end the iteration
// with a CaptureFormatError; an AbortSignal stops it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { openCapture, readPackets, PacketView, CaptureFormatError } from 'pcapscope';
import { capturesDir, findCli, runCli, repoRoot, makePcap, streamOf } from './support.mjs';

const sample = join(repoRoot, 'web', 'public', 'sample.pcapng');
const gz = join(capturesDir, 'scapy', 'test__pcaps__tls_tcp_frag.pcap.gz');

async function collect(source, options) {
  const out = [];
  for await (const p of readPackets(source, options)) out.push(p);
  return out;
}

test('views match the index and packet details', async (t) => {
  for (const file of [sample, gz]) {
    if (!existsSync(file)) continue;
    const packets = await collect(file);
    const capture = await openCapture(file);
    try {
      const ix = capture.index();
      assert.equal(packets.length, capture.packetCount);
      packets.forEach((p, i) => {
        assert.ok(p instanceof PacketView);
        assert.equal(p.number, i + 1);
        assert.equal(p.ts, ix.ts[i]);
        assert.equal(typeof p.timestamp, 'number');
        assert.equal(Math.round(p.timestamp), Math.round(Number(ix.ts[i] / 1000n) / 1000));
        assert.equal(p.caplen, ix.caplen[i]);
        assert.equal(p.len, ix.origlen[i]);
        assert.equal(p.bytes.length, p.caplen);
      });
      for (const n of [1, Math.ceil(packets.length / 2), packets.length]) {
        const detail = await capture.packet(n);
        assert.deepEqual(packets[n - 1].bytes, detail.bytes);
        assert.deepEqual(packets[n - 1].layers.map((l) => l.name), detail.fields.map((l) => l.name));
      }
    } finally {
      await capture.close();
    }
  }
});

test('field() and values() equal `pcapscope packets --fields` (fields without TCP context)', async (t) => {
  const cli = findCli();
  if (!cli || !existsSync(sample)) return t.skip('no native CLI or sample');
  const fields = ['frame.number', 'eth.src', 'ip.src', 'ip.dst', 'ip.ttl', 'ipv6.src', 'udp.srcport', 'tcp.dstport', 'tcp.flags', 'tcp.len', 'frame.len'];
  const r = await runCli(cli, ['packets', sample, '--fields', fields.join(',')]);
  assert.equal(r.code, 0, r.stderr);
  const expected = r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const packets = await collect(sample);
  packets.forEach((p, i) => {
    for (const f of fields) {
      const want = expected[i][f];
      const values = p.values(f);
      assert.deepEqual(values, want === undefined ? [] : Array.isArray(want) ? want : [want], `packet ${i + 1} ${f}`);
      assert.equal(p.field(f), values[0]);
    }
  });
  assert.throws(() => packets[0].field('no.such.field'), TypeError);
});

test('the same packets whatever the chunk size and source kind', async () => {
  const bytes = makePcap(60);
  const reference = await collect(bytes);
  assert.equal(reference.length, 60);
  const key = (ps) => ps.map((p) => [p.number, p.ts, p.caplen, p.len, Buffer.from(p.bytes).toString('hex')].join(' '));
  for (const chunkSize of [1, 7, 100, 4096]) {
    assert.deepEqual(key(await collect(bytes, { chunkSize })), key(reference), `chunkSize ${chunkSize}`);
  }
  assert.deepEqual(key(await collect(streamOf(bytes, 33))), key(reference), 'stream');
  assert.deepEqual(key(await collect(new Blob([bytes]))), key(reference), 'blob');
  // Timestamps: µs pcap, exact BigInt ns.
  assert.equal(reference[1].ts, 1700000001n * 1000000000n + 123457000n);
});

test('errors: not a capture, cut after some packets, abort', async () => {
  await assert.rejects(collect(new TextEncoder().encode('hello, not a capture')), CaptureFormatError);
  const bytes = makePcap(10);
  const broken = bytes.slice();
  // Packet 6's header claims a huge caplen: reading stops there with a fatal error.
  let at = 24;
  for (let i = 0; i < 5; i++) at += 16 + new DataView(bytes.buffer).getUint32(at + 8, true);
  new DataView(broken.buffer).setUint32(at + 8, 0x7fffffff, true);
  const seen = [];
  const error = await (async () => {
    for await (const p of readPackets(broken)) seen.push(p.number);
  })().then(() => null, (e) => e);
  assert.deepEqual(seen, [1, 2, 3, 4, 5], 'the packets before the error are yielded');
  assert.ok(error instanceof CaptureFormatError, String(error));
  assert.equal(error.offset, at);
  // Breaking out of the loop early is fine; an aborted signal stops it.
  for await (const p of readPackets(bytes)) if (p.number === 2) break;
  const controller = new AbortController();
  const got = [];
  await assert.rejects((async () => {
    for await (const p of readPackets(bytes, { chunkSize: 50, signal: controller.signal })) {
      got.push(p.number);
      if (p.number === 3) controller.abort();
    }
  })(), { name: 'AbortError' });
  assert.ok(got.length < 10);
});
