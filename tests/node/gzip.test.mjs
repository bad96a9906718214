// gzip input (first bytes 1f 8b) is decompressed while streaming and gives the same summary
// as the plain capture, with compression "gzip".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

import { openCapture, CaptureFormatError } from 'pcapscope';
import { hasCaptures, capturesDir, smallPcap, makePcap, streamOf } from './support.mjs';

async function read(source, options) {
  const capture = await openCapture(source, options);
  try {
    return { summary: capture.summary(), json: capture.summaryJson(), readError: capture.readError };
  } finally {
    capture.close();
  }
}

/** The plain summary with compression "gzip" is what a gzip input must give. */
function asGzip(summary) {
  return { ...summary, compression: 'gzip' };
}

test('hand-made pcap: gzip gives the same summary, any chunk size and source', async (t) => {
  const plain = makePcap(50);
  const gz = gzipSync(plain);
  const expected = asGzip((await read(plain)).summary);
  assert.equal(expected.packets, 50);

  const dir = await mkdtemp(join(tmpdir(), 'pcapscope-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'hand.pcap.gz');
  await writeFile(path, gz);

  for (const [name, source, options] of [
    ['Uint8Array', gz, {}],
    ['Uint8Array, 1-byte chunks', gz, { chunkSize: 1 }],
    ['Blob, 7-byte chunks', new Blob([gz]), { chunkSize: 7 }],
    ['path', path, {}],
    ['stream', streamOf(gz, 100), { chunkSize: 64 }],
  ]) {
    const got = await read(source, options);
    assert.deepEqual(got.summary, expected, name);
    assert.equal(got.readError, null, name);
  }
});

test('corpus pcap, gzipped in the test, matches the plain one', async (t) => {
  if (!hasCaptures) return t.skip(`no corpus at ${capturesDir}`);
  const plain = readFileSync(smallPcap);
  const expected = asGzip((await read(plain)).summary);
  const got = await read(gzipSync(plain, { level: 9 }), { chunkSize: 4096 });
  assert.deepEqual(got.summary, expected);
  assert.ok(got.summary.packets > 0);
});

test('progress of gzip input counts compressed bytes', async () => {
  const gz = gzipSync(makePcap(200));
  let last;
  const capture = await openCapture(new Blob([gz]), { chunkSize: 256, onProgress: (p) => (last = p) });
  capture.close();
  assert.deepEqual(last, { bytesRead: gz.length, total: gz.length, packets: 200 });
});

test('concatenated gzip members are one capture', async () => {
  const plain = makePcap(30);
  const cut = 24 + 500;  // inside a record
  const gz = Buffer.concat([gzipSync(plain.subarray(0, cut)), gzipSync(plain.subarray(cut))]);
  const expected = asGzip((await read(plain)).summary);
  assert.deepEqual((await read(gz)).summary, expected);
});

test('truncated gzip keeps the packets read before the cut', async () => {
  const plain = makePcap(400);
  const gz = gzipSync(plain);
  const got = await read(gz.subarray(0, Math.floor(gz.length * 0.6)));
  assert.equal(got.summary.compression, 'gzip');
  assert.ok(got.summary.packets > 0 && got.summary.packets < 400, `${got.summary.packets}`);
  assert.match(got.readError, /^gzip: /);
});

test('gzip of a non-capture is a CaptureFormatError naming the content', async () => {
  const zip = Buffer.from('504b030414000000080000000000000000000000000000000000', 'hex');
  await assert.rejects(openCapture(gzipSync(zip)), (error) => {
    assert.ok(error instanceof CaptureFormatError);
    assert.match(error.message, /ZIP archive/);
    return true;
  });
});

test('data that only starts like gzip is a CaptureFormatError', async () => {
  const bogus = Buffer.from('1f8b0800000000000003ffffffffffffffffffffffffffff', 'hex');
  await assert.rejects(openCapture(bogus), CaptureFormatError);
});
