// Packet-list pages (packets) and packet details (packet) of the npm package: the same values
// as the native CLI (`pcapscope packets … --format ndjson`, `pcapscope detail FILE N --json`)
// on corpus captures (pcap, pcapng, gzip), and the same results from every kind of source,
// including records whose block is longer than the first window read (pcapng comments).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, open, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

import { openCapture } from 'pcapscope';
import {
  capturesDir, hasCaptures, findCli, runCli, makePcap, makePcapng, streamOf,
} from './support.mjs';

/** Corpus files checked against the CLI: pcap, pcapng (two link types), gzip pcap and pcapng. */
const PARITY_FILES = [
  'dpkt/examples__data__nb6-http.pcap',
  'ja4/ipv6.pcapng',
  'ja4/tls-handshake.pcapng',
  'scapy/test__pcaps__tls_tcp_frag.pcap.gz',
  'scapy/test__pcaps__dcerpc_privacy_krb.pcapng.gz',
];

const CLI_FIELDS = [
  'frame.number', 'frame.time_epoch', 'frame.len', '_ws.col.Protocol', '_ws.col.Info',
  'ip.src', 'ip.dst', 'ipv6.src', 'ipv6.dst',
];

/** Every row of the capture, read in pages of `pageSize`, as one set of columns. */
async function allRows(capture, pageSize) {
  const out = { number: [], time: [], source: [], destination: [], protocol: [], length: [], info: [] };
  for (let start = 0; start < capture.packetCount; start += pageSize) {
    const page = await capture.packets({ start, count: pageSize });
    assert.equal(page.start, start);
    assert.equal(page.count, Math.min(pageSize, capture.packetCount - start));
    assert.ok(page.number instanceof Float64Array && page.time instanceof Float64Array);
    assert.ok(page.length instanceof Uint32Array);
    for (const key of Object.keys(out)) out[key].push(...page[key]);
  }
  return out;
}

/** The tree of packet() flattened back to detail_json's pre-order list with depths. */
function flatten(nodes, depth = 0, out = []) {
  for (const { children, ...node } of nodes) {
    out.push({ ...node, depth });
    flatten(children, depth + 1, out);
  }
  return out;
}

/** "1388651869.848747000" → ns as a BigInt. */
function epochNs(text) {
  const [sec, frac = ''] = text.split('.');
  return BigInt(sec) * 1000000000n + BigInt((frac + '000000000').slice(0, 9));
}

const lastOf = (v) => (Array.isArray(v) ? v[v.length - 1] : v);

test('packets() and packet(n) equal the native CLI on corpus captures', async (t) => {
  if (!hasCaptures) return t.skip(`no corpus at ${capturesDir}`);
  const cli = findCli();
  if (!cli) return t.skip('no native CLI (set PCAPSCOPE_CLI or build the release/debug preset)');
  const listed = await runCli(cli, ['packets', join(capturesDir, PARITY_FILES[0]), '--fields', 'list']);
  const known = new Set(listed.stdout.split(/\s+/));
  const fields = CLI_FIELDS.filter((f) => known.has(f));
  for (const name of PARITY_FILES) {
    const file = join(capturesDir, name);
    await t.test(name, async () => {
      const native = await runCli(cli, ['packets', file, '--format', 'ndjson', '--fields', fields.join(',')]);
      assert.equal(native.code, 0, native.stderr);
      const expected = native.stdout.trimEnd().split('\n').map((line) => JSON.parse(line));
      const capture = await openCapture(file);
      try {
        assert.equal(capture.packetCount, expected.length);
        const rows = await allRows(capture, 7);  // odd page size: pages end mid-way anywhere
        const first = epochNs(expected[0]['frame.time_epoch']);
        expected.forEach((e, i) => {
          const where = `${name} packet ${i + 1}`;
          assert.equal(rows.number[i], Number(e['frame.number']), where);
          assert.equal(rows.length[i], Number(e['frame.len']), where);
          assert.equal(rows.protocol[i], e['_ws.col.Protocol'] ?? '', where);
          assert.equal(rows.info[i], e['_ws.col.Info'] ?? '', where);
          assert.equal(rows.time[i], Number(epochNs(e['frame.time_epoch']) - first) / 1e9, where);
          // Source/Destination are the innermost network addresses when there are any.
          const src = [lastOf(e['ip.src']), lastOf(e['ipv6.src'])].filter(Boolean);
          const dst = [lastOf(e['ip.dst']), lastOf(e['ipv6.dst'])].filter(Boolean);
          if (src.length) assert.ok(src.includes(rows.source[i]), `${where}: ${rows.source[i]} ∉ ${src}`);
          if (dst.length) assert.ok(dst.includes(rows.destination[i]), `${where}: ${rows.destination[i]} ∉ ${dst}`);
        });

        const n = capture.packetCount;
        for (const number of new Set([1, Math.ceil(n / 2), n])) {
          const cliDetail = await runCli(cli, ['detail', file, String(number), '--json']);
          assert.equal(cliDetail.code, 0, cliDetail.stderr);
          const want = JSON.parse(cliDetail.stdout);
          const got = await capture.packet(number);
          assert.equal(got.number, number);
          assert.deepEqual(flatten(got.fields), want.fields, `${name} detail ${number}`);
          assert.equal(Buffer.from(got.bytes).toString('hex'), want.bytes, `${name} bytes ${number}`);
        }
      } finally {
        await capture.close();
      }
    });
  }
});

/** Everything packets()/packet() give for a capture, for comparing sources. */
async function everything(source, options) {
  const capture = await openCapture(source, options);
  try {
    const rows = await allRows(capture, 5);
    const details = [];
    for (let n = 1; n <= capture.packetCount; n++) {
      const p = await capture.packet(n);
      details.push({ fields: p.fields, bytes: [...p.bytes] });
    }
    return { count: capture.packetCount, compression: capture.compression, rows, details };
  } finally {
    await capture.close();
  }
}

test('every source gives the same rows and details (plain, gzip, streams, long pcapng blocks)', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'pcapscope-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  // Comments of 0…3000 bytes: blocks far longer than caplen + the window slack.
  for (const [kind, bytes] of [
    ['pcap', makePcap(23)],
    ['pcapng', makePcapng(23, (i) => (i % 4 === 1 ? 300 + i * 130 : 0))],
  ]) {
    const path = join(dir, `hand.${kind}`);
    const gzPath = `${path}.gz`;
    const gz = gzipSync(bytes);
    await writeFile(path, bytes);
    await writeFile(gzPath, gz);
    const reference = await everything(bytes);
    assert.equal(reference.count, 23);
    assert.equal(reference.details[22].bytes.length, reference.rows.length[22] - (kind === 'pcapng' ? 4 : 22 % 3));
    const handle = await open(path, 'r');
    t.after(() => handle.close().catch(() => {}));
    for (const [name, source, options] of [
      ['Blob', new Blob([bytes]), {}],
      ['path', path, {}],
      ['FileHandle', handle, {}],
      ['stream', streamOf(bytes, 77), {}],
      ['gzip bytes', gz, { chunkSize: 100 }],
      ['gzip path', gzPath, {}],
      ['gzip Blob', new Blob([gz]), {}],
      ['gzip stream', streamOf(gz, 50), {}],
    ]) {
      const got = await everything(source, options);
      assert.deepEqual(got.rows, reference.rows, `${kind} ${name}`);
      assert.deepEqual(got.details, reference.details, `${kind} ${name}`);
    }
  }
});

test('index() columns agree with packets()', async () => {
  const capture = await openCapture(makePcapng(12, (i) => (i === 3 ? 999 : 0)));
  try {
    const index = capture.index();
    assert.equal(index.ts.length, 12);
    assert.ok(index.ts instanceof BigInt64Array && index.offset instanceof BigUint64Array);
    assert.equal(index.ts[1] - index.ts[0], 1234567n);
    const page = await capture.packets({ start: 0, count: 12 });
    for (let i = 0; i < 12; i++) {
      assert.equal(page.length[i], index.origlen[i]);
      assert.equal(page.time[i], Number(index.ts[i] - index.ts[0]) / 1e9);
    }
    assert.equal(index.offset[0], 28n + 32n);  // after the SHB (28) and the IDB (32)
    assert.equal(index.protocolNames[index.top[0]].length > 0, true);
  } finally {
    await capture.close();
  }
});

test('paging edges: clamped pages, bad arguments, closed capture', async () => {
  const capture = await openCapture(makePcap(10));
  const empty = await capture.packets({ start: 10, count: 5 });
  assert.equal(empty.count, 0);
  assert.equal(empty.number.length, 0);
  const tail = await capture.packets({ start: 8, count: 100 });
  assert.deepEqual([...tail.number], [9, 10]);
  await assert.rejects(capture.packets({ start: -1 }), RangeError);
  await assert.rejects(capture.packet(0), RangeError);
  await assert.rejects(capture.packet(11), RangeError);
  // Concurrent queries are serialized and each gets its own page.
  const [a, b] = await Promise.all([capture.packets({ start: 0, count: 3 }), capture.packets({ start: 5, count: 2 })]);
  assert.deepEqual([...a.number], [1, 2, 3]);
  assert.deepEqual([...b.number], [6, 7]);
  await capture.close();
  assert.throws(() => capture.packetCount, /closed/);
  await assert.rejects(capture.packets(), /closed/);
});

test('gzip in Node keeps its decompressed bytes in a temporary file removed by close()', async (t) => {
  // A private TMPDIR (os.tmpdir() reads it on each call): other test files run in parallel.
  const dir = await mkdtemp(join(tmpdir(), 'pcapscope-tmp-'));
  const saved = process.env.TMPDIR;
  process.env.TMPDIR = dir;
  t.after(async () => {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
    await rm(dir, { recursive: true, force: true });
  });
  const capture = await openCapture(gzipSync(makePcap(5)));
  assert.equal((await readdir(dir)).length, 1);
  assert.equal((await capture.packet(5)).number, 5);
  await capture.close();
  assert.deepEqual(await readdir(dir), []);
});

test('keepBytes: false reads the summary only', async () => {
  const capture = await openCapture(gzipSync(makePcap(5)), { keepBytes: false });
  assert.equal(capture.summary().packets, 5);
  await assert.rejects(capture.packet(1), /not kept/);
  await capture.close();
});

test('a corpus gzip capture gives the same rows as its plain bytes', async (t) => {
  if (!hasCaptures) return t.skip(`no corpus at ${capturesDir}`);
  const plain = readFileSync(join(capturesDir, 'dpkt/examples__data__nb6-http.pcap'));
  const a = await everything(plain);
  const b = await everything(gzipSync(plain));
  assert.deepEqual(b.rows, a.rows);
  assert.deepEqual(b.details, a.details);
});
