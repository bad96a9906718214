// The summary does not depend on how the input is cut into chunks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import { openCapture } from 'pcapscope';
import { hasCaptures, capturesDir, smallPcap, makePcap, streamOf } from './support.mjs';
import { join } from 'node:path';

async function summaryWith(source, chunkSize) {
  const capture = await openCapture(source, chunkSize === undefined ? {} : { chunkSize });
  try {
    return capture.summaryJson();
  } finally {
    capture.close();
  }
}

test('hand-made pcap: 1, 7, 4096 and whole-file chunks agree', async () => {
  const bytes = makePcap(30);
  const whole = await summaryWith(bytes, bytes.length);
  assert.equal(JSON.parse(whole).packets, 30);
  for (const size of [1, 7, 4096, undefined]) {
    assert.equal(await summaryWith(bytes, size), whole, `chunkSize ${size}`);
  }
  // Stream chunks that do not line up with the feed size either.
  assert.equal(await summaryWith(streamOf(bytes, 13), 5), whole, 'stream of 13, feed 5');
});

const corpusSamples = [
  smallPcap,
  join(capturesDir, 'gopacket', 'pcapgo__tests__le__test202.pcapng'),
  join(capturesDir, 'gopacket', 'pcapgo__tests__be__test006.pcapng'),
];

for (const file of corpusSamples) {
  test(`corpus ${file.split('/').slice(-2).join('/')}: chunk sizes agree`, async (t) => {
    if (!hasCaptures) return t.skip(`no corpus at ${capturesDir}`);
    let bytes;
    try {
      bytes = new Uint8Array(readFileSync(file));
    } catch {
      return t.skip(`${file} is absent`);
    }
    const whole = await summaryWith(bytes, bytes.length);
    for (const size of [1, 7, 4096]) {
      assert.equal(await summaryWith(bytes, size), whole, `chunkSize ${size}`);
    }
    assert.equal(await summaryWith(file, 7), whole, 'path, chunkSize 7');
    assert.equal(await summaryWith(new Blob([bytes]), 4096), whole, 'Blob, chunkSize 4096');
  });
}
