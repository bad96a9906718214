// Reading a File through the package's source for Blobs (wasm/js/sources.js: BYOB reads into
// two buffers used in turn, as openCapture does) while the page allocates garbage: every byte
// arrives, in order, and no read is lost. Chromium 156 dropped a pending BYOB read of a Blob's
// stream when garbage collection ran while only the read's own promise chain referenced the
// stream; sources.js keeps its readers referenced (`readersInUse`), without which this test
// stalls. Serves the repository's wasm/ directory (no build of the site needed). Skips without
// chromium or playwright-core.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { openSite, repoRoot } from './site.mjs';

const SIZE = 160 * 1024 * 1024 + 12345;  // not a whole number of chunks
const PASSES = 12;
const PASS_TIMEOUT_MS = 45000;

// Byte i of the file: the high byte of a multiplicative hash of i (a misplaced chunk shows).
const byteAt = (i) => (Math.imul(i, 2654435761) >>> 24) & 0xff;

// The checksum the page computes over each chunk of CHUNK bytes: every 4093rd byte (from the
// chunk's start) times its position mod 251 plus one, and the chunk's last byte, mod 2^32.
const CHUNK = 1 << 20;
function checksum(size) {
  let sum = 0;
  for (let at = 0; at < size; at += CHUNK) {
    const n = Math.min(CHUNK, size - at);
    for (let k = 0; k < n; k += 4093) sum = (sum + byteAt(at + k) * (((at + k) % 251) + 1)) >>> 0;
    sum = (sum + byteAt(at + n - 1)) >>> 0;
  }
  return sum;
}

test('a File read through BYOB buffers arrives whole while garbage is collected', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'pcapscope-blob-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'data.bin');
  const want = checksum(SIZE);
  const file = await open(path, 'w');
  const piece = new Uint8Array(1 << 24);
  for (let at = 0; at < SIZE; at += piece.length) {
    const n = Math.min(piece.length, SIZE - at);
    for (let k = 0; k < n; k++) piece[k] = byteAt(at + k);
    await file.write(piece, 0, n);
  }
  await file.close();

  const site = await openSite(t, { root: join(repoRoot, 'wasm') });
  if (!site) return;
  const { page, pageErrors } = site;
  await page.setContent('<input type="file" id="f">');
  await page.setInputFiles('#f', path);
  for (let pass = 1; pass <= PASSES; pass++) {
    const run = page.evaluate(async () => {
      const { openCommonSource } = await import('/js/sources.js');
      const file = document.querySelector('#f').files[0];
      try {
        const chunkSize = 1 << 20;  // CHUNK
        const src = openCommonSource(file, chunkSize);
        if (!src.readInto) return { byob: false };
        let bytes = 0;
        let sum = 0;
        let spare = new Uint8Array(chunkSize);
        let filled = await src.readInto(new Uint8Array(chunkSize));
        while (filled.byteLength > 0) {
          const next = src.readInto(spare);  // in flight while this chunk is used, as in openCapture
          // Garbage while the read is pending, as the parse of a chunk makes.
          const junk = [];
          for (let j = 0; j < 30000; j++) junk.push({ a: j, b: [j] });
          self.junk = junk;
          // Bytes sampled where a misplaced or lost piece would show (a full pass over each
          // chunk here would leave the pipe full whenever the next read is made).
          for (let k = 0; k < filled.byteLength; k += 4093) {
            sum = (sum + filled[k] * (((bytes + k) % 251) + 1)) >>> 0;
          }
          sum = (sum + filled[filled.byteLength - 1]) >>> 0;
          bytes += filled.byteLength;
          spare = new Uint8Array(filled.buffer, 0, chunkSize);
          filled = await next;
        }
        await src.close();
        return { byob: true, bytes, sum };
      } catch (error) {
        return { error: String(error) };
      }
    });
    let timer;
    const stalled = new Promise((_, fail) => {
      timer = setTimeout(() => fail(new Error(`pass ${pass}: a read never completed`)), PASS_TIMEOUT_MS);
    });
    const r = await Promise.race([run, stalled]).finally(() => clearTimeout(timer));
    assert.equal(r.error, undefined);
    assert.ok(r.byob, 'Chromium gives a Blob\'s stream a BYOB reader');
    assert.equal(r.bytes, SIZE, `pass ${pass}: every byte`);
    assert.equal(r.sum, want, `pass ${pass}: the bytes in order`);
  }
  assert.deepEqual(pageErrors, []);
});
