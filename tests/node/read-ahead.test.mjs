// Reading ahead (sources.js `prefetching`, used for Node files and a Blob's stream): chunks come
// back in order and complete, the source never has two reads at once, the end and an error
// reach the consumer at their place, and closing waits for the reads in flight.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { prefetching } from '../../wasm/js/sources.js';

// A source of `n` chunks [i] that answers after a random delay, records overlapping reads and,
// with `failAt`, rejects that read.
function slowSource(n, { failAt = -1 } = {}) {
  let next = 0;
  let active = 0;
  const log = { maxActive: 0, reads: 0, closed: false };
  return {
    log,
    total: null,
    async read() {
      active += 1;
      log.maxActive = Math.max(log.maxActive, active);
      log.reads += 1;
      await new Promise((ok) => setTimeout(ok, Math.floor(Math.random() * 3)));
      active -= 1;
      const i = next++;
      if (i === failAt) throw new Error(`read ${i} failed`);
      return i < n ? new Uint8Array([i]) : null;
    },
    async close() {
      log.closed = true;
    },
  };
}

for (const depth of [1, 4]) {
  test(`depth ${depth}: every chunk once, in order, then the end; one read at a time`, async () => {
    const src = slowSource(25);
    const ahead = prefetching(src, depth);
    const got = [];
    for (;;) {
      const chunk = await ahead.read();
      if (!chunk) break;
      got.push(chunk[0]);
      await new Promise((ok) => setTimeout(ok, Math.floor(Math.random() * 3)));  // "parsing"
    }
    assert.deepEqual(got, Array.from({ length: 25 }, (_, i) => i));
    assert.equal(await ahead.read(), null, 'the end stays the end');
    assert.equal(src.log.maxActive, 1);
    assert.ok(src.log.reads <= 26, `the source is not read past its end (${src.log.reads} reads)`);
    await ahead.close();
    assert.ok(src.log.closed);
  });

  test(`depth ${depth}: a failed read reaches the consumer at its place`, async () => {
    const ahead = prefetching(slowSource(25, { failAt: 6 }), depth);
    for (let i = 0; i < 6; i++) assert.equal((await ahead.read())[0], i);
    await assert.rejects(ahead.read(), /read 6 failed/);
    await ahead.close();
  });
}

test('depth 4 keeps four reads started ahead of the consumer', async () => {
  const src = slowSource(100);
  const ahead = prefetching(src, 4);
  await ahead.read();
  await new Promise((ok) => setTimeout(ok, 50));  // the reads ahead complete meanwhile
  assert.equal(src.log.reads, 5, 'the chunk returned and four more');
  await ahead.close();
  assert.equal(src.log.reads, 5, 'closing starts no read');
});
