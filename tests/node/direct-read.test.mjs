// Reading straight into wasm memory (capture.js `readDirect`, for sources with `readAt`: Node's
// regular files on 64-bit hosts): the same results as the copying paths, a chunk whose read
// saw the memory grow is read again, a failed read rejects with no read left in flight.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import { openCapture } from 'pcapscope';
import { openCaptureWith } from '../../wasm/js/capture.js';
import { getModule } from '../../wasm/js/node-platform.js';
import { hasCaptures, makePcap, smallPcap } from './support.mjs';

async function summaryOf(capturePromise) {
  const capture = await capturePromise;
  try {
    return capture.summaryJson();
  } finally {
    capture.close();
  }
}

// A file-like source over `bytes` offering readInto (the first chunk) and readAt, as
// node-platform.js does for a regular file. `onReadAt(call, target, at)` runs before each
// readAt copies its bytes and may return 'landed' when it wrote the target itself.
function fileLike(bytes, onReadAt = () => {}) {
  let position = 0;
  let inFlight = 0;
  const log = { readAt: 0, positions: new Set(), maxInFlight: 0, closedWithReadsInFlight: false };
  return {
    log,
    total: bytes.length,
    randomAccess: undefined,
    async readInto(buffer) {
      const n = Math.min(buffer.byteLength, bytes.length - position);
      buffer.set(bytes.subarray(position, position + n));
      position += n;
      return buffer.subarray(0, n);
    },
    async readAt(target, at) {
      const call = log.readAt++;
      log.positions.add(at);
      inFlight += 1;
      log.maxInFlight = Math.max(log.maxInFlight, inFlight);
      const n = Math.max(0, Math.min(target.byteLength, bytes.length - at));
      try {
        await new Promise((ok) => setImmediate(ok));
        const action = onReadAt(call, target, at);
        if (action === 'landed') return n;
        if (action?.short !== undefined) return action.short;
        // libuv writes through the address it was given; a detached view (the memory grew) only
        // means this fake cannot: the bytes landed where the reader must not trust them.
        if (target.byteLength === 0) return n;
        target.set(bytes.subarray(at, at + n));
        return n;
      } finally {
        inFlight -= 1;
      }
    },
    async read() {
      throw new Error('read() is not used for a file read by position');
    },
    async close() {
      if (inFlight > 0) log.closedWithReadsInFlight = true;
    },
  };
}

test('a chunk whose read saw the wasm memory grow is read again', async () => {
  const bytes = makePcap(400);
  const expected = await summaryOf(openCapture(bytes, { chunkSize: 1000 }));
  const module = await getModule();
  let grown = 0;
  // Read 3 lands garbage (0xFF) in its chunk, and the memory grows while it is in flight
  // (another session allocates 64 MiB): only reading it again gives the right bytes.
  const src = fileLike(bytes, (call, target) => {
    if (call !== 3) return undefined;
    target.fill(0xff);
    const pages = module.HEAPU8.buffer.byteLength;
    const other = new module.Session(1);
    other.alloc(pages + (64 << 20));
    other.delete();
    grown = module.HEAPU8.buffer.byteLength - pages;
    assert.equal(target.byteLength, 0, 'the view the read was given is detached');
    return 'landed';
  });
  const summary = await summaryOf(openCaptureWith(getModule, 'fake', { chunkSize: 1000 }, async () => src));
  assert.ok(grown > 0, 'the memory grew');
  assert.equal(summary, expected);
  // Every chunk after the first was read, the ones in flight during the grow twice.
  assert.ok(src.log.readAt > src.log.positions.size, `${src.log.readAt} reads of ${src.log.positions.size} chunks`);
  assert.equal(src.log.maxInFlight, 1, 'one read in flight at a time');
});

test('chunk sizes agree between direct reads and copied bytes', async () => {
  const bytes = makePcap(50);
  const expected = await summaryOf(openCapture(bytes, { chunkSize: bytes.length }));
  for (const chunkSize of [1, 24, 97, 4096]) {
    const src = fileLike(bytes);
    const got = await summaryOf(openCaptureWith(getModule, 'fake', { chunkSize }, async () => src));
    assert.equal(got, expected, `chunkSize ${chunkSize}`);
    assert.ok(src.log.readAt > 0, 'read by position');
  }
});

test('short reads in the middle of the file: reading goes on from where each ended', async () => {
  const bytes = makePcap(300);
  const expected = await summaryOf(openCapture(bytes, { chunkSize: 700 }));
  // Reads 2 and 5 return a third of what was asked (as a read cut short may): the next read
  // starts where each ended, not a chunk further.
  const src = fileLike(bytes, (call, target, at) => {
    if (call !== 2 && call !== 5) return undefined;
    const n = Math.floor(target.byteLength / 3);
    target.set(bytes.subarray(at, at + n));
    return { short: n };
  });
  const got = await summaryOf(openCaptureWith(getModule, 'fake', { chunkSize: 700 }, async () => src));
  assert.equal(got, expected);
});

test('a failed read rejects, and the source closes with no read in flight', async () => {
  const bytes = makePcap(200);
  const src = fileLike(bytes, (call) => {
    if (call === 2) throw new Error('EIO: simulated read error');
  });
  await assert.rejects(
    openCaptureWith(getModule, 'fake', { chunkSize: 512 }, async () => src),
    /simulated read error/,
  );
  assert.equal(src.log.closedWithReadsInFlight, false);
});

test('a capture that stops parsing: partial results, the read in flight awaited', async () => {
  // Records 0-9 fine, then a record header claiming a huge length: the reader stops there.
  const good = makePcap(10);
  const bad = new Uint8Array(good.length + 16 + 4096);
  bad.set(good);
  new DataView(bad.buffer).setUint32(good.length + 8, 0x7fffffff, true);  // caplen
  new DataView(bad.buffer).setUint32(good.length + 12, 0x7fffffff, true);  // origlen
  const expected = JSON.parse(await summaryOf(openCapture(bad, { chunkSize: 256 })));
  const src = fileLike(bad);
  const got = JSON.parse(await summaryOf(openCaptureWith(getModule, 'fake', { chunkSize: 256 }, async () => src)));
  assert.equal(got.packets, 10);
  assert.deepEqual(got, expected);
  assert.equal(src.log.closedWithReadsInFlight, false);
});

test('a corpus file by path equals its bytes', async (t) => {
  if (!hasCaptures) return t.skip('no corpus');
  const bytes = new Uint8Array(readFileSync(smallPcap));
  for (const chunkSize of [64, 1 << 20]) {
    assert.equal(
      await summaryOf(openCapture(smallPcap, { chunkSize })),
      await summaryOf(openCapture(bytes, { chunkSize })),
      `chunkSize ${chunkSize}`,
    );
  }
});
