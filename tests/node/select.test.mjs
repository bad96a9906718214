// Capture.select and packets({selection}): the matching packet numbers equal the native CLI's
// `pcapscope filter FILE EXPR` (itself checked against tshark), whether the filter is decided
// from the index alone or needs the packets re-read; bad expressions reject with a FilterError
// carrying the core's message and byte range; an AbortSignal stops a selection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { openCapture, FilterError } from 'pcapscope';
import { capturesDir, findCli, runCli, repoRoot, makePcapng } from './support.mjs';

export const QUERY_FILES = [
  join(repoRoot, 'web', 'public', 'sample.pcapng'),
  join(capturesDir, 'dpkt', 'examples__data__nb6-http.pcap'),
  join(capturesDir, 'pcapplusplus', 'Tests__ExamplesTest__pcap_examples__many-protocols.pcap'),
  join(capturesDir, 'ja4', 'ipv6.pcapng'),
  join(capturesDir, 'scapy', 'test__pcaps__tls_tcp_frag.pcap.gz'),
  join(capturesDir, 'pcapplusplus', 'Tests__ExamplesTest__pcap_examples__ip-frag.pcap'),
].filter((f) => existsSync(f));

const EXPRESSIONS = [
  'frame.number >= 3 && frame.number <= 40',     // index only
  'frame.len > 200',                              // index only
  'tcp',                                          // protocol: index where top is tcp, else bytes
  'udp.port == 53 || udp.length > 100',
  'tcp.flags.syn == 1 && tcp.flags.ack == 0',
  'ip.addr == 10.0.0.1 || ipv6',
  '!(tcp.port == 443) && ip',
  'tcp.len > 0 && tcp.seq_raw > 100000',
];

async function cliNumbers(cli, file, expr) {
  const r = await runCli(cli, ['filter', file, expr, '--fields', 'frame.number']);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.split('\n').filter(Boolean).map((line) => Number(JSON.parse(line)['frame.number']));
}

test('select equals `pcapscope filter` on corpus captures', async (t) => {
  const cli = findCli();
  if (!cli) return t.skip('no native CLI (set PCAPSCOPE_CLI or build the release/debug preset)');
  if (QUERY_FILES.length === 0) return t.skip('no corpus');
  for (const file of QUERY_FILES) {
    await t.test(file.slice(file.lastIndexOf('/') + 1), async () => {
      const capture = await openCapture(file);
      try {
        for (const expr of EXPRESSIONS) {
          const expected = await cliNumbers(cli, file, expr);
          const sel = await capture.select(expr);
          assert.ok(sel.numbers instanceof Uint32Array);
          assert.equal(sel.expr, expr);
          assert.deepEqual(Array.from(sel.numbers), expected, expr);
          assert.equal(sel.count, expected.length);
        }
      } finally {
        await capture.close();
      }
    });
  }
});

test('packets({selection}) pages over the selection with the same rows as packets()', async (t) => {
  const file = QUERY_FILES[0];
  if (!file) return t.skip('no capture');
  const capture = await openCapture(file, { chunkSize: 4096 });
  try {
    const sel = await capture.select('tcp.len > 0');
    assert.ok(sel.count > 10, 'a selection of several packets');
    const all = await capture.packets({ start: 0, count: capture.packetCount });
    const seen = [];
    for (let start = 0; start < sel.count; start += 7) {
      const page = await capture.packets({ start, count: 7, selection: sel });
      assert.equal(page.start, start);
      for (let k = 0; k < page.count; k++) {
        const row = page.number[k] - 1;
        seen.push(page.number[k]);
        assert.equal(page.info[k], all.info[row]);
        assert.equal(page.source[k], all.source[row]);
        assert.equal(page.time[k], all.time[row]);
      }
    }
    assert.deepEqual(seen, Array.from(sel.numbers));
    // A plain array and a bare Uint32Array work too; past the end gives an empty page.
    const page = await capture.packets({ start: 0, count: 2, selection: [sel.numbers[1], sel.numbers[0]] });
    assert.deepEqual(Array.from(page.number), [sel.numbers[1], sel.numbers[0]]);
    assert.equal((await capture.packets({ start: sel.count, count: 5, selection: sel.numbers })).count, 0);
    await assert.rejects(capture.packets({ selection: [0] }), RangeError);
    await assert.rejects(capture.packets({ selection: [capture.packetCount + 1] }), RangeError);
  } finally {
    await capture.close();
  }
});

test('a bad expression rejects with FilterError: the core message and byte range', async (t) => {
  const capture = await openCapture(makePcapng(5));
  try {
    const cases = [
      ['tcp.prot == 80', 0, 8],
      ['ip.src == ', null, null],
      ['frame.len >', null, null],
      ['tcp && (udp', null, null],
    ];
    const cli = findCli();
    for (const [expr, start, end] of cases) {
      const error = await capture.select(expr).then(() => null, (e) => e);
      assert.ok(error instanceof FilterError, `${expr}: ${error}`);
      assert.equal(error.name, 'FilterError');
      assert.equal(error.expr, expr);
      assert.ok(error.start >= 0 && error.end >= error.start && error.end <= expr.length + 1, `${expr}: ${error.start}-${error.end}`);
      if (start !== null) assert.deepEqual([error.start, error.end], [start, end]);
      if (cli) {
        const r = await runCli(cli, ['filter', join(repoRoot, 'web', 'public', 'sample.pcapng'), expr]);
        assert.equal(r.code, 2);
        assert.equal(r.stderr.split('\n')[0], `pcapscope filter: ${error.message}`);
        // The CLI marks the same range under the expression.
        const marks = r.stderr.split('\n')[2];
        assert.equal(marks.indexOf('^') - 2, error.start);
      }
    }
    assert.match((await capture.select('tcp.prot == 1').catch((e) => e)).hint, /tcp\.port/);
    await assert.rejects(capture.select(42), TypeError);
    // The capture still answers after a bad filter.
    assert.equal((await capture.select('frame')).count, 5);
    assert.equal((await capture.select('')).count, 5);
  } finally {
    await capture.close();
  }
});

test('select reports progress and stops on abort', async (t) => {
  const file = QUERY_FILES[0];
  if (!file) return t.skip('no capture');
  const capture = await openCapture(file);
  try {
    const events = [];
    const sel = await capture.select('tcp.len > 0', { onProgress: (p) => events.push(p) });
    assert.ok(events.some((e) => e.phase === 'index'));
    assert.ok(events.some((e) => e.phase === 'bytes'));
    const last = events.filter((e) => e.phase === 'bytes').at(-1);
    assert.equal(last.done, last.total);
    const aborted = AbortSignal.abort();
    await assert.rejects(capture.select('tcp', { signal: aborted }), { name: 'AbortError' });
    const controller = new AbortController();
    const pending = capture.select('tcp.len > 0', { signal: controller.signal });
    controller.abort();
    await assert.rejects(pending, { name: 'AbortError' });
    // Partial state does not leak into the next selection.
    assert.deepEqual(Array.from((await capture.select('tcp.len > 0')).numbers), Array.from(sel.numbers));
  } finally {
    await capture.close();
  }
});

test('selections page, filter and export over records longer than their window guess', async () => {
  // Every other packet carries a 3000-byte comment: its block runs far past caplen + slack, so
  // the list calls ask for a longer window (needOffset/needLength) and continue.
  const bytes = makePcapng(30, (i) => (i % 2 ? 3000 : 0));
  const capture = await openCapture(bytes, { chunkSize: 1000 });
  try {
    const sel = await capture.select('frame.len > 0 && eth');
    assert.equal(sel.count, 30);
    const page = await capture.packets({ start: 0, count: 30, selection: sel });
    const direct = await capture.packets({ start: 0, count: 30 });
    assert.deepEqual(page.info, direct.info);
    const exported = await capture.exportCapture({ selection: sel, format: 'pcapng' });
    const back = await openCapture(exported);
    assert.equal(back.packetCount, 30);
    assert.deepEqual(back.index().caplen, capture.index().caplen);
    await back.close();
  } finally {
    await capture.close();
  }
});
