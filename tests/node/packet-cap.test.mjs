// The packet cap (openCapture's maxPackets, issue 10): packets beyond it are read and counted
// (summary().packets, as `pcapscope info --json` counts them) but not analyzed, and the summary
// names where the cap was reached; below the cap the summary is the native CLI's, unchanged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { openCapture, DEFAULT_MAX_PACKETS } from 'pcapscope';
import { findCli, cliInfoJson, repoRoot } from './support.mjs';

const sample = join(repoRoot, 'web', 'public', 'sample.pcapng');

test('packets beyond maxPackets are counted, not indexed, with a wasm.packet_cap warning', async (t) => {
  if (!existsSync(sample)) return t.skip('no web/public/sample.pcapng');
  const cli = findCli();
  if (!cli) return t.skip('no native CLI (set PCAPSCOPE_CLI or build the release/debug preset)');
  const native = JSON.parse((await cliInfoJson(cli, sample)).stdout);
  assert.ok(native.packets > 150);
  const all = await openCapture(sample);
  const capped = await openCapture(sample, { maxPackets: 100 });
  try {
    const s = capped.summary();
    assert.equal(s.packets, native.packets);  // every packet read is counted
    assert.equal(s.bytes_consumed, native.bytes_consumed);
    assert.equal(s.packets_indexed, 100);
    assert.equal(capped.packetCount, 100);
    assert.equal(Object.keys(s).indexOf('packets_indexed'), Object.keys(s).indexOf('packets') + 1);
    assert.equal(s.anomaly_total, native.anomaly_total + 1);
    assert.equal(s.anomaly_counts['wasm.packet_cap'], 1);
    const offset = Number(all.index().offset[100]);  // record 101, as the uncapped pass saw it
    assert.deepEqual(s.anomalies.at(-1), {
      code: 'wasm.packet_cap',
      severity: 'warning',
      offset,
      message: `packet cap reached at packet 101 (offset ${offset}): ${native.packets - 100} packets counted, ` +
        'not indexed (openCapture option maxPackets: 100)',
    });
    // The analysis covers exactly the first 100 packets: the same as a capture of only those.
    const first = await all.exportCapture({ selection: Uint32Array.from({ length: 100 }, (_, k) => k + 1) });
    const head = await openCapture(first);
    try {
      assert.deepEqual(await capped.flows(), await head.flows());
      assert.deepEqual(await capped.dns(), await head.dns());
      assert.deepEqual(await capped.http(), await head.http());
      assert.equal(capped.protocolHierarchyText(), head.protocolHierarchyText());
    } finally {
      await head.close();
    }
    // Queries work on the indexed packets and reject the others.
    assert.equal((await capped.select('frame.number > 0')).count, 100);
    await assert.rejects(capped.packet(101), RangeError);
  } finally {
    await capped.close();
    await all.close();
  }
});

test('a capture within the cap has the native summary (no packets_indexed, no warning)', async (t) => {
  if (!existsSync(sample)) return t.skip('no web/public/sample.pcapng');
  const cli = findCli();
  if (!cli) return t.skip('no native CLI (set PCAPSCOPE_CLI or build the release/debug preset)');
  const expected = (await cliInfoJson(cli, sample)).stdout.slice(0, -1);
  for (const maxPackets of [undefined, JSON.parse(expected).packets]) {
    const capture = await openCapture(sample, { maxPackets });
    try {
      assert.equal(capture.summaryJson(), expected);
    } finally {
      await capture.close();
    }
  }
  assert.equal(DEFAULT_MAX_PACKETS, 2 ** 24);
});

test('maxPackets must be a positive integer', async () => {
  for (const maxPackets of [0, -1, 1.5, NaN, '10']) {
    await assert.rejects(openCapture(new Uint8Array(24), { maxPackets }), RangeError, String(maxPackets));
  }
});
