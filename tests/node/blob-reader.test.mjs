// Reading a Blob on a worker of its own (blob-reader.js): both sides over a real MessageChannel
// (what a Worker's postMessage does), plus ports that fail in the ways a browser's can.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MessageChannel } from 'node:worker_threads';

import { readThroughPort, serveBlobReads } from '../../wasm/js/blob-reader.js';

// A Blob of `size` pseudo-random bytes in parts of `part` bytes (so its stream has several
// chunks), and the bytes themselves.
function randomBlob(size, part = 64 * 1024) {
  const bytes = new Uint8Array(size);
  let x = 0x2545f491;
  for (let i = 0; i < size; i++) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    bytes[i] = x & 0xff;
  }
  const parts = [];
  for (let i = 0; i < size; i += part) parts.push(bytes.slice(i, i + part));
  return { blob: new Blob(parts), bytes };
}

async function readAll(src) {
  const chunks = [];
  for (;;) {
    const chunk = await src.read();
    if (!chunk) break;
    chunks.push(chunk);
  }
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return { out, chunks: chunks.length };
}

// A channel whose far end runs the worker's side, counting the chunks it sends.
function channel() {
  const { port1, port2 } = new MessageChannel();
  const sent = { chunks: 0 };
  const post = port2.postMessage.bind(port2);
  port2.postMessage = (message, transfer) => {
    if (message.chunk) sent.chunks += 1;
    post(message, transfer);
  };
  serveBlobReads(port2);
  const release = () => {
    port1.close();
    port2.close();
  };
  return { port: port1, sent, release };
}

const never = () => assert.fail('no fallback expected');

test('every byte arrives once, in order, then the end (which stays the end)', async () => {
  const { blob, bytes } = randomBlob(3 * 1024 * 1024 + 12345);
  const { port, release } = channel();
  let released = 0;
  const src = readThroughPort(blob, port, { fallback: never, release: () => { released += 1; release(); } });
  assert.equal(src.total, blob.size);
  const { out, chunks } = await readAll(src);
  assert.ok(chunks > 1, `several chunks (${chunks})`);
  assert.deepEqual(out, bytes);
  assert.equal(await src.read(), null);
  await src.close();
  await src.close();
  assert.equal(released, 1, 'the worker is stopped once');
});

test('an empty Blob is the end at once', async () => {
  const { port, release } = channel();
  const src = readThroughPort(new Blob([]), port, { fallback: never, release });
  assert.equal(await src.read(), null);
  await src.close();
});

test('the worker reads at most `ahead` chunks past what the caller has taken', async () => {
  const { blob } = randomBlob(2 * 1024 * 1024, 16 * 1024);
  const { port, sent, release } = channel();
  const ahead = 3;
  const src = readThroughPort(blob, port, { fallback: never, release, ahead });
  let taken = 0;
  for (;;) {
    const chunk = await src.read();
    if (!chunk) break;
    taken += 1;
    await new Promise((ok) => setTimeout(ok, 1));  // a slow parse: the worker must wait
    assert.ok(sent.chunks <= taken + ahead, `sent ${sent.chunks} after ${taken} taken`);
  }
  assert.equal(sent.chunks, taken);
  await src.close();
});

test('closing mid-way stops the reading', async () => {
  const { blob } = randomBlob(4 * 1024 * 1024, 16 * 1024);
  const { port, sent, release } = channel();
  const src = readThroughPort(blob, port, { fallback: never, release: () => {}, ahead: 2 });
  assert.ok(await src.read());
  await src.close();
  await new Promise((ok) => setTimeout(ok, 20));
  assert.ok(sent.chunks <= 3, `the worker stopped (${sent.chunks} chunks sent)`);
  release();
});

// A port that never answers and reports `event` as a worker error, like a Worker whose script
// cannot load.
function failingPort(afterChunks = []) {
  const port = {
    posted: [],
    postMessage(message) {
      this.posted.push(message);
      if (message.blob) {
        setTimeout(() => {
          for (const chunk of afterChunks) port.onmessage({ data: { chunk } });
          port.onerror({ message: 'script failed to load', preventDefault() {} });
        }, 1);
      }
    },
  };
  return port;
}

test('a worker that fails before its first answer falls back to reading here, from the start', async () => {
  const { blob, bytes } = randomBlob(300000);
  let released = 0;
  let fellBack = 0;
  const fallback = () => {
    fellBack += 1;
    const reader = blob.stream().getReader();
    return {
      read: async () => {
        const { value, done } = await reader.read();
        return done ? null : value;
      },
      close: async () => {},
    };
  };
  const src = readThroughPort(blob, failingPort(), { fallback, release: () => { released += 1; } });
  const { out } = await readAll(src);
  assert.deepEqual(out, bytes);
  assert.equal(fellBack, 1);
  assert.equal(released, 1, 'the failed worker is stopped');
  await src.close();
  assert.equal(released, 1);
});

test('a worker that fails after delivering data is an error where it happened, not a fallback', async () => {
  const first = new Uint8Array([1, 2, 3]);
  const src = readThroughPort(new Blob([first, new Uint8Array(10)]), failingPort([first]),
    { fallback: never, release: () => {} });
  assert.deepEqual(await src.read(), first);
  await assert.rejects(src.read(), /reading the file failed: script failed to load/);
  await assert.rejects(src.read(), /reading the file failed/, 'the error stays');
  await src.close();
});

test('a read error in the worker reaches the caller with its message', async () => {
  const { port1, port2 } = new MessageChannel();
  // A Blob-like whose stream fails after one chunk.
  const broken = {
    size: 8,
    stream: () => new ReadableStream({
      start(c) {
        c.enqueue(new Uint8Array([9, 9, 9, 9]));
      },
      pull(c) {
        c.error(new Error('NotReadableError: the file changed'));
      },
    }),
  };
  serveBlobReads({
    postMessage: (m, t) => port2.postMessage(m, t),
    set onmessage(f) {
      port2.onmessage = ({ data }) => f({ data: data.blob ? { ...data, blob: broken } : data });
    },
  });
  const src = readThroughPort(new Blob([new Uint8Array(8)]), port1, { fallback: never, release: () => {} });
  assert.deepEqual(await src.read(), new Uint8Array([9, 9, 9, 9]));
  await assert.rejects(src.read(), /reading the file failed: NotReadableError: the file changed/);
  await src.close();
  port1.close();
  port2.close();
});
