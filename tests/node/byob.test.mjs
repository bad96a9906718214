// BYOB reading of byte streams (sources.js `fromByteStream`, used for a Blob's stream): chunks
// are filled to the chunk size from however the stream cuts its pieces, readInto fills the
// caller's memory (transferred, handed back in the returned view), the end, errors and an early
// close reach the stream, and a stream without BYOB reads falls back to the default reader.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { openCapture } from '../../wasm/js/node.js';
import { fromByteStream } from '../../wasm/js/sources.js';
import { hasCaptures, smallPcap } from './support.mjs';
import { readFileSync } from 'node:fs';

// Deterministic bytes (a linear congruential sequence), so a misplaced piece shows.
function bytesOf(n) {
  const b = new Uint8Array(n);
  let x = 12345;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

// A byte stream handing out `data` in pieces of the sizes in `cuts` (cycled), each enqueued as
// a fresh buffer, as a browser's file pipe does; `log` records cancel and pulls.
function byteStream(data, cuts, log = {}) {
  let pos = 0;
  let k = 0;
  log.pulls = 0;
  return new ReadableStream({
    type: 'bytes',
    pull(controller) {
      log.pulls += 1;
      if (pos >= data.length) {
        controller.close();
        controller.byobRequest?.respond(0);
        return;
      }
      const n = Math.min(cuts[k++ % cuts.length], data.length - pos);
      controller.enqueue(data.slice(pos, pos + n));
      pos += n;
    },
    cancel(reason) {
      log.cancelled = reason ?? true;
    },
  });
}

const CUTS = [1, 7, 65536, 3, 200000, 4095, 4097, 131072];

test('readInto fills whole chunks from pieces of any size, in the memory handed over', async () => {
  const data = bytesOf(1_300_001);
  const chunkSize = 100_000;
  const src = fromByteStream(byteStream(data, CUTS), chunkSize);
  assert.ok(src, 'a byte stream has a BYOB reader');
  const got = [];
  let buffer = new Uint8Array(chunkSize);
  for (;;) {
    const given = buffer;
    const chunk = await src.readInto(given);
    if (chunk.byteLength) assert.equal(given.byteLength, 0, 'the memory passed in was transferred');
    assert.equal(chunk.byteOffset, 0, 'the bytes start at the start of the memory');
    assert.equal(chunk.buffer.byteLength, chunkSize, 'the same memory comes back');
    if (chunk.byteLength === 0) break;
    got.push(chunk.slice());
    buffer = new Uint8Array(chunk.buffer, 0, chunkSize);
  }
  const sizes = got.map((c) => c.byteLength);
  assert.deepEqual(sizes.slice(0, -1), Array(sizes.length - 1).fill(chunkSize), 'full chunks but the last');
  assert.equal(sizes.at(-1), data.length % chunkSize);
  assert.deepEqual(Buffer.concat(got), Buffer.from(data));
  assert.equal((await src.readInto(new Uint8Array(8))).byteLength, 0, 'the end stays the end');
  await src.close();
});

test('read gives fresh full chunks, then null', async () => {
  const data = bytesOf(777_777);
  const src = fromByteStream(byteStream(data, CUTS.slice().reverse()), 65536);
  const got = [];
  for (let chunk; (chunk = await src.read());) got.push(chunk);
  assert.equal(new Set(got.map((c) => c.buffer)).size, got.length, 'each chunk its own buffer');
  assert.ok(got.slice(0, -1).every((c) => c.byteLength === 65536));
  assert.deepEqual(Buffer.concat(got), Buffer.from(data));
  assert.equal(await src.read(), null);
  await src.close();
});

test('closing early cancels the stream, also with a read pending', async () => {
  const log = {};
  const src = fromByteStream(byteStream(bytesOf(1 << 20), [4096], log), 256 << 10);
  await src.readInto(new Uint8Array(256 << 10));
  const pending = src.readInto(new Uint8Array(256 << 10));
  await src.close();
  assert.ok(log.cancelled, 'the stream was cancelled');
  const rest = await pending;  // ended by the cancel: whatever it had, no more
  assert.ok(rest.byteLength <= 256 << 10);
  assert.ok(log.pulls < 100, `no reading after the cancel (${log.pulls} pulls)`);
});

test('an error of the stream reaches the read that meets it', async () => {
  let n = 0;
  const stream = new ReadableStream({
    type: 'bytes',
    pull(controller) {
      if (++n === 3) controller.error(new Error('disk gone'));
      else controller.enqueue(new Uint8Array(1000).fill(n));
    },
  });
  const src = fromByteStream(stream, 1500);
  assert.equal((await src.read()).byteLength, 1500);
  await assert.rejects(src.read(), /disk gone/);
  await src.close();
});

test('a stream without BYOB reads is left to the default reader', async () => {
  const stream = new ReadableStream({
    pull(controller) {
      controller.enqueue(new Uint8Array([1, 2, 3]));
      controller.close();
    },
  });
  assert.equal(fromByteStream(stream, 1024), null);
  assert.equal(stream.locked, false, 'not locked by the attempt');
  const { value } = await stream.getReader().read();
  assert.deepEqual([...value], [1, 2, 3]);
});

test('a Blob is analyzed alike through BYOB reads and through a default-reader stream', { skip: !hasCaptures }, async () => {
  const bytes = readFileSync(smallPcap);
  // A Blob whose stream is not a byte stream (as in browsers without BYOB support).
  class PlainStreamBlob extends Blob {
    stream() {
      const reader = super.stream().getReader();
      return new ReadableStream({
        async pull(controller) {
          const { value, done } = await reader.read();
          if (done) controller.close();
          else controller.enqueue(value);
        },
      });
    }
  }
  const summaries = [];
  for (const blob of [new Blob([bytes]), new PlainStreamBlob([bytes])]) {
    for (const chunkSize of [4096, 1 << 20]) {
      const capture = await openCapture(blob, { chunkSize });
      summaries.push(JSON.stringify(capture.summary()));
      await capture.close();
    }
  }
  assert.ok(JSON.parse(summaries[0]).packets > 0);
  for (const s of summaries.slice(1)) assert.equal(s, summaries[0]);
});
