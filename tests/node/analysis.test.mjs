// The analysis pass in the wasm session (analyze::analyzer, as `pcapscope analyze`): the HTTP,
// TLS, QUIC, DHCP and DNS logs, the analysis summary and the protocol hierarchy equal the native
// CLI's (`pcapscope http|tls|quic|dhcp|dns|phs|analyze --json`); HTTP objects equal what
// `tshark --export-objects http` writes; time series and the hierarchy add up to the capture.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { openCapture } from 'pcapscope';
import { capturesDir, findCli, runCli, repoRoot } from './support.mjs';

const FILES = [
  join(repoRoot, 'web', 'public', 'sample.pcapng'),
  join(capturesDir, 'dpkt', 'examples__data__nb6-http.pcap'),
  join(capturesDir, 'ja4', 'dhcp.pcapng'),
  join(capturesDir, 'ja4', 'quic-tls-handshake.pcapng'),
  join(capturesDir, 'ja4', 'http1.pcapng'),
  join(capturesDir, 'ja4', 'tls12.pcap'),
  join(capturesDir, 'arkime', 'tests__pcap__http-content-gzip.pcap'),
  join(capturesDir, 'ndpi', 'tests__cfgs__default__pcap__quic-v2.pcapng'),
  join(capturesDir, 'scapy', 'test__pcaps__tls_tcp_frag.pcap.gz'),
].filter((f) => existsSync(f));

const LOGS = ['http', 'tls', 'quic', 'dhcp', 'dns', 'objects'];

const ndjson = (text) => text.split('\n').filter(Boolean).map((l) => JSON.parse(l));

test('logs, analysis summary and protocol hierarchy equal the native CLI', async (t) => {
  const cli = findCli();
  if (!cli) return t.skip('no native CLI (set PCAPSCOPE_CLI or build the release/debug preset)');
  const seen = Object.fromEntries(LOGS.map((l) => [l, 0]));
  for (const file of FILES) {
    await t.test(file.slice(file.lastIndexOf('/') + 1), async () => {
      const capture = await openCapture(file);
      try {
        for (const log of LOGS) {
          const r = await runCli(cli, [log, file]);
          if (log === 'objects' && r.code === 2) continue;  // a CLI from before `objects`
          assert.equal(r.code, 0, r.stderr);
          const records = await capture[log]();
          assert.deepEqual(records, ndjson(r.stdout), `${log} differs`);
          seen[log] += records.length;
          const tsv = await runCli(cli, [log, file, '--format', 'tsv']);
          assert.equal(capture.tableText(log, 'tsv'), tsv.stdout, `${log} tsv differs`);
        }
        const analyze = await runCli(cli, ['analyze', file, '--json']);
        assert.equal(capture.analysisJson(), analyze.stdout);
        assert.deepEqual(capture.analysis(), JSON.parse(analyze.stdout));
        const phs = await runCli(cli, ['phs', file]);
        assert.equal(capture.protocolHierarchyText(), phs.stdout);
      } finally {
        await capture.close();
      }
    });
  }
  // The files exercise every log (a test that compares empty tables would prove little).
  for (const log of LOGS.filter((l) => l !== 'objects')) assert.ok(seen[log] > 0 || FILES.length < 5, `no ${log} records in the test files`);
});

test('HTTP objects equal `tshark --export-objects http` (names and bytes)', async (t) => {
  try {
    execFileSync('tshark', ['--version'], { stdio: 'ignore' });
  } catch {
    return t.skip('no tshark');
  }
  const files = FILES.filter((f) => /http/.test(f));
  if (files.length === 0) return t.skip('no HTTP captures');
  const dir = await mkdtemp(join(tmpdir(), 'pcapscope-objects-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  let checked = 0;
  for (const [k, file] of files.entries()) {
    const out = join(dir, String(k));
    execFileSync('tshark', ['-r', file, '-q', '--export-objects', `http,${out}`], { stdio: 'ignore' });
    const capture = await openCapture(file);
    try {
      const objects = await capture.objects();
      assert.ok(objects.length > 0, file);
      for (const [i, o] of objects.entries()) {
        assert.equal(o.index, i);
        const { bytes, complete } = await capture.object(i);
        assert.equal(bytes.length, o.size);
        assert.equal(complete, o.complete);
        if (o.content_encoding) continue;  // tshark writes decoded bodies; ours are as sent
        const expected = await readFile(join(out, o.filename));
        assert.ok(Buffer.from(bytes).equals(expected), `${file} object ${i} (${o.filename})`);
        checked++;
      }
      await assert.rejects(capture.object(objects.length), RangeError);
      await assert.rejects(capture.object(0, { signal: AbortSignal.abort() }), { name: 'AbortError' });
    } finally {
      await capture.close();
    }
  }
  assert.ok(checked > 0);
});

test('time series and protocol hierarchy add up to the capture', async (t) => {
  if (FILES.length === 0) return t.skip('no captures');
  for (const file of FILES.slice(0, 4)) {
    const capture = await openCapture(file);
    try {
      const summary = capture.summary();
      const sum = (a) => a.reduce((x, y) => x + y, 0);
      for (const bucketMs of [0, 1, 1000, 60000]) {
        const ts = await capture.timeSeries({ bucketMs });
        assert.ok(ts.packets instanceof Float64Array);
        assert.equal(typeof ts.start, 'bigint');
        assert.ok(ts.bucketMs >= bucketMs && ts.bucketMs > 0);
        assert.equal(sum(ts.packets), summary.packets - summary.packets_without_timestamp);
        assert.equal(sum(ts.bytes), sum(Object.values(ts.classes).map((c) => sum(c.bytes))));
        for (const c of Object.values(ts.classes)) assert.equal(c.packets.length, ts.packets.length);
        if (bucketMs === 0) {
          const fine = ts.bucketMs;
          assert.equal((await capture.timeSeries({ bucketMs: fine * 3 })).bucketMs, fine * 3);
        }
      }
      const root = await capture.protocolHierarchy();
      assert.equal(root.frames, summary.packets);
      assert.equal(root.bytes, summary.bytes_original);
      const check = (node) => {
        assert.ok(sum(node.children.map((c) => c.frames)) <= node.frames);
        node.children.forEach(check);
      };
      check(root);
      const stats = await capture.statistics({ top: 3 });
      assert.equal(stats.packets, summary.packets);
      assert.ok(stats.top_talkers === undefined || JSON.stringify(stats.top_talkers).length > 0);
    } finally {
      await capture.close();
    }
  }
});
