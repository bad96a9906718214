// Typed errors: non-captures are CaptureFormatError (with what they look like and an offset);
// after a mid-file error the partial summary stays readable with summary().error set.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { openCapture, CaptureFormatError } from 'pcapscope';
import { makePcap } from './support.mjs';

test('a ZIP archive is named as such', async () => {
  const zip = Buffer.from('504b0304140000000800aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 'hex');
  for (const chunkSize of [1, 4096]) {
    await assert.rejects(openCapture(new Blob([zip]), { chunkSize }), (error) => {
      assert.ok(error instanceof CaptureFormatError);
      assert.ok(error instanceof Error);
      assert.equal(error.name, 'CaptureFormatError');
      assert.equal(error.message, 'not a pcap/pcapng file: starts with 50 4b 03 04 (a ZIP archive?)');
      assert.equal(error.offset, 0);
      return true;
    });
  }
});

test('an empty input is a CaptureFormatError', async () => {
  await assert.rejects(openCapture(new Uint8Array(0)), (error) => {
    assert.ok(error instanceof CaptureFormatError);
    assert.match(error.message, /empty/);
    return true;
  });
});

test('a capture cut inside its file header is a CaptureFormatError', async () => {
  await assert.rejects(openCapture(makePcap(1).subarray(0, 10)), CaptureFormatError);
});

test('text is not a capture', async () => {
  const text = new TextEncoder().encode('GET / HTTP/1.1\r\nHost: example.com\r\n\r\n');
  await assert.rejects(openCapture(text), (error) => {
    assert.ok(error instanceof CaptureFormatError);
    assert.match(error.message, /^not a pcap\/pcapng file: starts with 47 45 54 20/);
    return true;
  });
});

test('a fatal error mid-file keeps the packets before it', async () => {
  const good = makePcap(10);
  // A record header claiming 2 GiB: beyond the reader's hard cap, so reading stops there.
  const bad = Buffer.alloc(16);
  bad.writeUInt32LE(0x7fffffff, 8);
  bad.writeUInt32LE(0x7fffffff, 12);
  const tail = Buffer.alloc(5000, 0xab);
  const bytes = Buffer.concat([good, bad, tail]);
  for (const chunkSize of [7, 4096, bytes.length]) {
    for (const source of [bytes, new Blob([bytes])]) {
      const capture = await openCapture(source, { chunkSize });
      const s = capture.summary();
      capture.close();
      assert.equal(s.packets, 10);
      assert.equal(typeof s.error, 'string');
      assert.match(s.error, /\d/);  // names the offset
      assert.equal(s.bytes_consumed + s.bytes_unparsed, bytes.length, `chunkSize ${chunkSize}`);
    }
  }
});

test('a truncated last record is an anomaly, not an error', async () => {
  const bytes = makePcap(10);
  const capture = await openCapture(bytes.subarray(0, bytes.length - 5));
  const s = capture.summary();
  capture.close();
  assert.equal(s.packets, 9);
  assert.equal(s.error, null);
  assert.ok(s.anomalies.some((a) => a.code.includes('truncated')), JSON.stringify(s.anomalies));
});
