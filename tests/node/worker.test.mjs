// openCaptureInWorker, as far as Node allows: the page side (worker-host.js) talks over a
// MessageChannel to the worker side (worker-protocol.js) serving openCapture in this thread, the
// same code worker.js runs in a browser's module Worker. Results equal the direct Capture's,
// typed arrays arrive transferred, errors keep their types, progress and abort cross over.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { openCapture, FilterError, CaptureFormatError } from 'pcapscope';
import { openCaptureInWorker, WorkerCapture } from '../../wasm/js/worker-host.js';
import { serveCaptures, transferables } from '../../wasm/js/worker-protocol.js';
import { repoRoot, makePcap } from './support.mjs';

const sample = join(repoRoot, 'web', 'public', 'sample.pcapng');

function channel(t) {
  const { port1, port2 } = new MessageChannel();
  serveCaptures(port2, openCapture);
  t.after(() => {
    port1.close();
    port2.close();
  });
  return port1;
}

test('the proxied API answers as the direct one', async (t) => {
  if (!existsSync(sample)) return t.skip('no web/public/sample.pcapng');
  const worker = channel(t);
  const progress = [];
  const bytes = new Uint8Array(await (await import('node:fs/promises')).readFile(sample));
  const remote = await openCaptureInWorker(new Blob([bytes]), { worker, chunkSize: 8192, onProgress: (p) => progress.push(p) });
  const local = await openCapture(sample);
  try {
    assert.ok(remote instanceof WorkerCapture);
    assert.ok(progress.length > 1 && progress.at(-1).bytesRead === bytes.length);
    assert.equal(remote.packetCount, local.packetCount);
    assert.equal(remote.summaryJson(), local.summaryJson());
    assert.deepEqual(remote.summary(), local.summary());
    assert.equal(remote.compression, 'none');
    assert.deepEqual(await remote.index(), local.index());
    assert.deepEqual(await remote.packets({ start: 5, count: 20 }), await local.packets({ start: 5, count: 20 }));
    assert.deepEqual(await remote.packet(7), await local.packet(7));
    assert.deepEqual(await remote.flows(), await local.flows());
    assert.deepEqual(await remote.dns(), await local.dns());
    const sel = await remote.select('tcp.len > 0');
    assert.ok(sel.numbers instanceof Uint32Array);
    assert.deepEqual(sel, await local.select('tcp.len > 0'));
    assert.deepEqual(await remote.packets({ start: 0, count: 5, selection: sel }),
      await local.packets({ start: 0, count: 5, selection: sel }));
    assert.deepEqual(await remote.follow(2), await local.follow(2));
    assert.deepEqual(await remote.exportCapture({ filter: 'udp', format: 'pcap' }),
      await local.exportCapture({ filter: 'udp', format: 'pcap' }));
    for (const method of ['endpoints', 'http', 'tls', 'quic', 'dhcp', 'objects', 'protocolHierarchy', 'statistics']) {
      assert.deepEqual(await remote[method](), await local[method](), method);
    }
    assert.deepEqual(await remote.timeSeries({ bucketMs: 500 }), await local.timeSeries({ bucketMs: 500 }));
    assert.deepEqual(await remote.object(0), await local.object(0));
    assert.deepEqual(await remote.analysis(), local.analysis());
    assert.equal(await remote.protocolHierarchyText(), local.protocolHierarchyText());
    // Typed errors survive the trip.
    const error = await remote.select('tcp.prot == 1').catch((e) => e);
    assert.ok(error instanceof FilterError);
    assert.deepEqual([error.start, error.end, error.expr], [0, 8, 'tcp.prot == 1']);
    await assert.rejects(remote.packet(0), RangeError);
    await assert.rejects(remote.select('tcp', { signal: AbortSignal.abort() }), { name: 'AbortError' });
  } finally {
    await remote.close();
    await local.close();
  }
  await assert.rejects(remote.flows(), /closed/);
});

test('open errors, abort and transfer lists', async (t) => {
  const worker = channel(t);
  await assert.rejects(openCaptureInWorker(new TextEncoder().encode('not a capture at all'), { worker }), CaptureFormatError);
  await assert.rejects(openCaptureInWorker(makePcap(5), { worker, signal: AbortSignal.abort() }), { name: 'AbortError' });
  // A transferred source is detached on the page; a copied one stays usable.
  const kept = makePcap(5);
  const a = await openCaptureInWorker(kept, { worker });
  assert.equal(kept.byteLength > 0, true);
  assert.equal(a.packetCount, 5);
  await a.close();
  const moved = makePcap(5);
  const b = await openCaptureInWorker(moved, { worker, transfer: true });
  assert.equal(moved.byteLength, 0, 'transferred');
  assert.equal(b.packetCount, 5);
  await b.close();
  // Result buffers are listed for transfer (each once).
  const u = new Uint8Array(4);
  assert.deepEqual(transferables({ a: u, b: [u.subarray(1)], c: { d: new Float64Array(2) } }).length, 2);
});
