// Browser smoke test of the built site (dist/): the page loads, a capture set on the file
// input (and one dropped on the page) is read by the worker, and its summary appears with the
// right packet count; a non-capture shows the format error. Skips without chromium or dist/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

import { dropFile, openSite, waitForCapture } from './site.mjs';
import { makePcap } from '../node/support.mjs';


test('the site reads captures in the browser', async (t) => {
  const site = await openSite(t);
  if (!site) return;
  const { page, pageErrors } = site;

  const expectedPackets = 37;
  const sample = Buffer.from(makePcap(expectedPackets));
  const files = await mkdtemp(join(tmpdir(), 'pcapscope-'));
  t.after(() => rm(files, { recursive: true, force: true }));
  const samplePcap = join(files, 'hand.pcap');
  await writeFile(samplePcap, sample);

  await t.test('file picker', async () => {
    await page.setInputFiles('#file', samplePcap);
    await waitForCapture(page, 'hand.pcap');
    const packets = await page.textContent('[data-field="packets"]');
    assert.equal(packets.replace(/,/g, ''), String(expectedPackets));
    assert.match(await page.textContent('[data-field="format"]'), /^pcap /);
    assert.equal(await page.textContent('[data-field="compression"]'), 'none');
    assert.equal(await page.locator('#summary-interfaces tbody tr').count(), 1);
  });

  await t.test('drop anywhere on the page', async () => {
    await dropFile(page, sample, 'dropped.pcap');
    await waitForCapture(page, 'dropped.pcap');
    const packets = await page.textContent('[data-field="packets"]');
    assert.equal(packets.replace(/,/g, ''), String(expectedPackets));
  });

  await t.test('gzip input is decompressed in the browser', async () => {
    const gz = join(files, 'sample.pcap.gz');
    await writeFile(gz, gzipSync(sample));
    await page.setInputFiles('#file', gz);
    await waitForCapture(page, 'sample.pcap.gz');
    assert.equal(await page.textContent('[data-field="compression"]'), 'gzip');
    const packets = await page.textContent('[data-field="packets"]');
    assert.equal(packets.replace(/,/g, ''), String(expectedPackets));
  });

  await t.test('a non-capture shows what it looks like', async () => {
    const zip = join(files, 'archive.zip');
    await writeFile(zip, Buffer.from('504b0304140000000800aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 'hex'));
    await page.setInputFiles('#file', zip);
    await page.waitForSelector('#error:not([hidden])', { timeout: 20000 });
    assert.match(await page.textContent('#error'), /ZIP archive/);
    assert.ok(await page.locator('#app').isHidden());
    assert.ok(await page.locator('#open').isVisible(), 'the page still offers to open a file');
  });

  await t.test('open sample button', async () => {
    await page.click('#sample');
    await waitForCapture(page, 'sample.pcapng');
    const packets = Number((await page.textContent('[data-field="packets"]')).replace(/,/g, ''));
    assert.ok(packets > 0);
    assert.ok(await page.locator('#summary-interfaces tbody tr').count() > 0);
  });

  assert.deepEqual(pageErrors, []);
});
