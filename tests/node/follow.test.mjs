// Capture.follow: for every flow of a few corpus captures (TCP with retransmissions and gaps,
// UDP, IP fragments), the pieces, their bytes and the summary equal `pcapscope follow FILE FLOW
// --format json`; the flow's packets are re-read from the source by offset in one batch.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { openCapture } from 'pcapscope';
import { findCli, runCli } from './support.mjs';
import { QUERY_FILES } from './select.test.mjs';

test('follow equals `pcapscope follow --format json` for every flow', async (t) => {
  const cli = findCli();
  if (!cli) return t.skip('no native CLI (set PCAPSCOPE_CLI or build the release/debug preset)');
  if (QUERY_FILES.length === 0) return t.skip('no corpus');
  for (const file of QUERY_FILES) {
    await t.test(file.slice(file.lastIndexOf('/') + 1), async (st) => {
      const capture = await openCapture(file, { chunkSize: 3000 });
      try {
        const flows = await capture.flows();
        // Every flow of small captures; the first 40 of large ones.
        let bytes = 0;
        for (const flow of flows.slice(0, 40)) {
          const r = await runCli(cli, ['follow', file, String(flow.flow_id), '--format', 'json']);
          assert.equal(r.code, 0, r.stderr);
          const expected = JSON.parse(r.stdout);
          const got = await capture.follow(flow.flow_id);
          assert.equal(got.flowId, flow.flow_id);
          assert.equal(got.proto, expected.proto);
          assert.equal(got.segments.length, expected.segments.length, `flow ${flow.flow_id}`);
          got.segments.forEach((s, k) => {
            const e = expected.segments[k];
            assert.equal(s.dir, e.dir);
            assert.equal(s.packet, e.packet);
            if (e.gap !== undefined) {
              assert.equal(s.gap, true);
              assert.equal(s.length, e.gap);
            } else {
              assert.equal(s.gap, false);
              const data = got.data.subarray(got.offsets[k], got.offsets[k] + s.length);
              assert.equal(Buffer.from(data).toString('base64'), e.data_base64, `flow ${flow.flow_id} piece ${k}`);
            }
          });
          const { segments: _, ...summary } = expected;
          assert.deepEqual(got.summary, summary);
          bytes += got.data.length;
        }
        st.diagnostic(`${Math.min(40, flows.length)} flows, ${bytes} bytes`);
      } finally {
        await capture.close();
      }
    });
  }
});

test('follow rejects unknown flows and aborts', async (t) => {
  const file = QUERY_FILES[0];
  if (!file) return t.skip('no capture');
  const capture = await openCapture(file);
  try {
    const n = (await capture.flows()).length;
    await assert.rejects(capture.follow(0), RangeError);
    await assert.rejects(capture.follow(n + 1), RangeError);
    await assert.rejects(capture.follow(1.5), RangeError);
    await assert.rejects(capture.follow(1, { signal: AbortSignal.abort() }), { name: 'AbortError' });
    assert.ok((await capture.follow(1)).segments.length > 0, 'still usable');
  } finally {
    await capture.close();
  }
  await assert.rejects(capture.follow(1), /closed/);
});
