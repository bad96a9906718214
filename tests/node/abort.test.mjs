// AbortSignal stops reading promptly with the signal's reason (an AbortError by default).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

import { openCapture } from 'pcapscope';
import { makePcap } from './support.mjs';

const isAbortError = (error) => error?.name === 'AbortError';

test('an already aborted signal rejects at once', async () => {
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(openCapture(makePcap(5), { signal: controller.signal }), isAbortError);
});

test('abort during reading stops it (path, Blob, gzip)', async (t) => {
  const bytes = makePcap(2000);
  const dir = await mkdtemp(join(tmpdir(), 'pcapscope-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'big.pcap');
  await writeFile(path, bytes);
  for (const [name, source] of [
    ['path', path],
    ['Blob', new Blob([bytes])],
    ['gzip', gzipSync(bytes)],
  ]) {
    const controller = new AbortController();
    let calls = 0;
    let callsAfterAbort = 0;
    await assert.rejects(
      openCapture(source, {
        chunkSize: 1024,
        signal: controller.signal,
        onProgress: () => {
          if (controller.signal.aborted) callsAfterAbort++;
          if (++calls === 3) controller.abort();
        },
      }),
      isAbortError,
      name,
    );
    assert.equal(callsAfterAbort, 0, `${name}: no progress after abort`);
  }
});

test('a timer can abort a long read of a file (reading lets timers run)', async (t) => {
  // A timer armed once reading has begun must get its turn before the file is read to its end
  // (it would not if chunks were read synchronously, one after the other).
  const dir = await mkdtemp(join(tmpdir(), 'pcapscope-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'long.pcap');
  await writeFile(path, makePcap(20000));
  const controller = new AbortController();
  let armed = false;
  await assert.rejects(
    openCapture(path, {
      chunkSize: 256,
      signal: controller.signal,
      onProgress: () => {
        if (armed) return;
        armed = true;
        setTimeout(() => controller.abort(), 0);
      },
    }),
    isAbortError,
  );
});

test('abort while waiting on a stalled stream rejects promptly', async () => {
  const controller = new AbortController();
  let cancelled = false;
  const stalled = new ReadableStream({
    start(c) {
      c.enqueue(makePcap(3));  // then nothing more, ever
    },
    cancel() {
      cancelled = true;
    },
  });
  setTimeout(() => controller.abort(), 50);
  const started = Date.now();
  await assert.rejects(openCapture(stalled, { signal: controller.signal }), isAbortError);
  assert.ok(Date.now() - started < 2000);
  assert.ok(cancelled, 'the stream was cancelled');
});

test('a custom abort reason is passed through', async () => {
  const controller = new AbortController();
  const reason = new Error('user gave up');
  controller.abort(reason);
  await assert.rejects(openCapture(makePcap(1), { signal: controller.signal }), (e) => e === reason);
});
