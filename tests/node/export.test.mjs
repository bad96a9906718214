// Capture.exportCapture: the bytes equal what `pcapscope filter FILE EXPR -o OUT.pcap|.pcapng`
// writes, and they read back (with our reader and, when installed, tshark) as the same frames:
// timestamps, lengths and bytes of the selected packets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { openCapture, readPackets } from 'pcapscope';
import { findCli, runCli, makePcapng } from './support.mjs';
import { QUERY_FILES } from './select.test.mjs';

const FILTERS = ['tcp', 'frame.number <= 20 || udp', 'frame.len > 100000'];

function hasTshark() {
  try {
    execFileSync('tshark', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function packetsOf(bytes) {
  const out = [];
  for await (const p of readPackets(bytes)) out.push({ ts: p.ts, caplen: p.caplen, len: p.len, bytes: Buffer.from(p.bytes).toString('hex') });
  return out;
}

test('exportCapture equals `pcapscope filter -o` and reads back as the same frames', async (t) => {
  const cli = findCli();
  if (QUERY_FILES.length === 0) return t.skip('no corpus');
  const dir = await mkdtemp(join(tmpdir(), 'pcapscope-export-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const tshark = hasTshark();
  for (const file of QUERY_FILES) {
    await t.test(file.slice(file.lastIndexOf('/') + 1), async () => {
      const capture = await openCapture(file);
      const original = await packetsOf(await readFile(file).then((b) => (file.endsWith('.gz') ? null : b)) ?? file);
      try {
        for (const filter of FILTERS) {
          const sel = await capture.select(filter);
          for (const format of ['pcap', 'pcapng']) {
            const bytes = await capture.exportCapture({ filter, format });
            assert.ok(bytes instanceof Uint8Array);
            const viaSelection = await capture.exportCapture({ selection: sel, format });
            assert.deepEqual(viaSelection, bytes, 'filter and its selection export the same bytes');
            if (cli) {
              const out = join(dir, `out.${format}`);
              const r = await runCli(cli, ['filter', file, filter, '-o', out]);
              assert.equal(r.code, 0, r.stderr);
              assert.ok(Buffer.from(bytes).equals(await readFile(out)), `${filter} ${format}: bytes differ from the CLI's`);
            }
            const back = await packetsOf(bytes);
            const expected = Array.from(sel.numbers, (n) => original[n - 1]);
            if (format === 'pcap') {
              // pcap keeps µs unless the input had ns: compare times at the written precision.
              const us = (x) => x.map((p) => ({ ...p, ts: p.ts / 1000n }));
              assert.deepEqual(us(back), us(expected), `${filter} ${format}`);
            } else {
              assert.deepEqual(back, expected, `${filter} ${format}`);
            }
            if (tshark) {
              const path = join(dir, `back.${format}`);
              await writeFile(path, bytes);
              const lens = execFileSync('tshark', ['-r', path, '-T', 'fields', '-e', 'frame.cap_len'], { encoding: 'utf8' })
                .split('\n').filter(Boolean).map(Number);
              assert.deepEqual(lens, expected.map((p) => p.caplen), `tshark reads ${filter} ${format}`);
            }
          }
        }
      } finally {
        await capture.close();
      }
    });
  }
});

test('exportCapture of everything, of an empty selection, and bad arguments', async () => {
  const input = makePcapng(12, (i) => (i % 3 === 0 ? 9 : 0));  // some packets carry comments
  const capture = await openCapture(input);
  try {
    const all = await capture.exportCapture({ format: 'pcapng' });
    const back = await openCapture(all);
    assert.equal(back.packetCount, 12);
    assert.deepEqual(back.index().ts, capture.index().ts);
    await back.close();
    const empty = await capture.exportCapture({ selection: [], format: 'pcap' });
    assert.equal(empty.length, 24, 'a pcap file header only');
    const pcap = await openCapture(empty);
    assert.equal(pcap.packetCount, 0);
    await pcap.close();
    await assert.rejects(capture.exportCapture({ format: 'json' }), TypeError);
    await assert.rejects(capture.exportCapture({ filter: 'tcp.prot' }), { name: 'FilterError' });
    await assert.rejects(capture.exportCapture({ selection: [13] }), RangeError);
    await assert.rejects(capture.exportCapture({ signal: AbortSignal.abort() }), { name: 'AbortError' });
  } finally {
    await capture.close();
  }
});
