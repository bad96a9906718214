// The npm package's summary is the native CLI's: for every corpus capture,
// `pcapscope info FILE --json` and openCapture(FILE).summaryJson() print the same text.
// Inputs the package rejects (CaptureFormatError) must be ones the CLI fails on with no packets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { relative } from 'node:path';

import { openCapture, CaptureFormatError } from 'pcapscope';
import { capturesDir, hasCaptures, corpusFiles, findCli, cliInfoJson } from './support.mjs';

test('summary JSON equals `pcapscope info --json` on the corpus', async (t) => {
  if (!hasCaptures) return t.skip(`no corpus at ${capturesDir}`);
  const cli = findCli();
  if (!cli) return t.skip('no native CLI (set PCAPSCOPE_CLI or build the release/debug preset)');
  const files = corpusFiles();
  assert.ok(files.length > 0);
  let rejected = 0;
  for (const file of files) {
    await t.test(relative(capturesDir, file), async () => {
      const native = await cliInfoJson(cli, file);
      assert.ok(native.stdout.endsWith('\n'), `CLI output: ${native.stdout} ${native.stderr}`);
      const expected = native.stdout.slice(0, -1);
      let capture;
      try {
        capture = await openCapture(file);
      } catch (error) {
        if (!(error instanceof CaptureFormatError)) throw error;
        rejected++;
        const summary = JSON.parse(expected);
        assert.notEqual(native.code, 0, 'the CLI failed too');
        assert.equal(summary.packets, 0);
        if (summary.error !== null) assert.equal(error.message, summary.error);
        return;
      }
      try {
        assert.equal(capture.summaryJson(), expected);
      } finally {
        capture.close();
      }
    });
  }
  t.diagnostic(`${files.length} files, ${rejected} rejected as not captures`);
});
