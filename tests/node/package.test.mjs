// The npm package loads in Node through its exports map, and its sources are all accepted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { open, mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

import * as pcapscope from 'pcapscope';
import { makePcap, streamOf } from './support.mjs';

const { openCapture, CaptureFormatError, DEFAULT_CHUNK_SIZE } = pcapscope;

test('exports map resolves the node entry point', () => {
  assert.equal(typeof openCapture, 'function');
  assert.equal(typeof CaptureFormatError, 'function');
  assert.equal(DEFAULT_CHUNK_SIZE, 1 << 20);
});

test('every kind of source gives the same summary', async (t) => {
  const bytes = makePcap(25);
  const dir = await mkdtemp(join(tmpdir(), 'pcapscope-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'hand.pcap');
  await writeFile(path, bytes);

  const reference = await openCapture(bytes);
  const expected = reference.summaryJson();
  reference.close();
  assert.equal(JSON.parse(expected).packets, 25);

  const handle = await open(path, 'r');
  t.after(() => handle.close());
  const sources = {
    Uint8Array: bytes,
    ArrayBuffer: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
    DataView: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength),
    Blob: new Blob([bytes]),
    File: new File([bytes], 'hand.pcap'),
    ReadableStream: streamOf(bytes, 100),
    AsyncIterable: (async function* () {
      yield bytes.subarray(0, 50);
      yield bytes.subarray(50);
    })(),
    'path string': path,
    'file: URL': pathToFileURL(path),
    FileHandle: handle,
  };
  for (const [name, source] of Object.entries(sources)) {
    const capture = await openCapture(source, { chunkSize: 333 });
    assert.equal(capture.summaryJson(), expected, name);
    assert.equal(capture.compression, 'none');
    capture.close();
    capture.close();  // idempotent
  }
});

test('progress reports bytes, total and packets, ending at the total', async () => {
  const bytes = makePcap(40);
  const events = [];
  const capture = await openCapture(new Blob([bytes]), {
    chunkSize: 512,
    onProgress: (p) => events.push(p),
  });
  capture.close();
  assert.ok(events.length >= Math.ceil(bytes.length / 512));
  for (let i = 1; i < events.length; i++) {
    assert.ok(events[i].bytesRead >= events[i - 1].bytesRead);
    assert.ok(events[i].packets >= events[i - 1].packets);
  }
  const last = events.at(-1);
  assert.deepEqual(last, { bytesRead: bytes.length, total: bytes.length, packets: 40 });
});

test('stream sources report total null', async () => {
  const bytes = makePcap(3);
  let last;
  const capture = await openCapture(streamOf(bytes, 10), { onProgress: (p) => (last = p) });
  capture.close();
  assert.equal(last.total, null);
  assert.equal(last.bytesRead, bytes.length);
});

test('bad arguments are rejected', async () => {
  await assert.rejects(openCapture(42), TypeError);
  await assert.rejects(openCapture(makePcap(1), { chunkSize: 0 }), RangeError);
  await assert.rejects(openCapture(makePcap(1), { chunkSize: 1.5 }), RangeError);
  await assert.rejects(openCapture('/nonexistent/pcapscope/file.pcap'), { code: 'ENOENT' });
});
