// Browser test over corpus captures (../shared/captures): each one loaded through the file
// input and again through a dispatched drop event shows the summary, flow, endpoint and DNS
// counts (and HTTP/TLS/QUIC/DHCP row counts where the package and the CLI have those logs)
// that the native CLI prints. Skips without the corpus, the CLI, chromium or dist/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';

import { cli, cliPath, cliRecords, dropFile, openSite, openTab, repoRoot, waitForCapture } from './site.mjs';

const capturesDir = process.env.PCAPSCOPE_CAPTURES ?? join(repoRoot, '..', 'shared', 'captures');
const FILES = [
  'arkime/tests__pcap__arkime_synthetic.pcap',
  'wiregasm/samples__dns_port.pcap',
  'wiregasm/samples__http2-16-ssl.pcapng',
  'zeek/testing__btest__Traces__http__1000-requests-one-dropped-response.pcap.gz',
];
/** Tab id, CLI command, and the count element of each log compared. */
const LOGS = [
  ['conversations', 'flows'],
  ['endpoints', 'endpoints'],
  ['dns', 'dns'],
  ['http', 'http'],
  ['tls', 'tls'],
  ['quic', 'quic'],
  ['dhcp', 'dhcp'],
];

/** Records the CLI prints for `command`, or null when this CLI has no such command. */
async function cliCount(command, file) {
  try {
    return (await cliRecords([command, file])).length;
  } catch (error) {
    if (/unknown command|usage/i.test(error.message)) return null;
    throw error;
  }
}

const number = (text) => Number(text.replace(/[^\d]/g, ''));

async function check(page, file) {
  const name = basename(file);
  await waitForCapture(page, name, 60000);
  const info = JSON.parse((await cli(['info', file, '--json'])).toString());
  assert.equal(number(await page.textContent('[data-field="packets"]')), info.packets, `${name}: packets`);
  assert.match(await page.textContent('[data-field="bytes-captured"]'), new RegExp(`\\(${info.bytes_captured.toLocaleString('en-US')} bytes\\)|^${info.bytes_captured} bytes$`));
  assert.equal(await page.textContent('[data-field="compression"]'), info.compression);
  for (const [tab, command] of LOGS) {
    const visible = await page.isVisible(`#tab-${tab}`);
    if (!visible) continue;  // this build of the package has no such log
    const want = await cliCount(command, file);
    if (want === null) continue;
    await page.waitForFunction((t) => document.querySelector(`#${t}-count`)?.textContent.startsWith('('), tab, { timeout: 30000 });
    assert.equal(number(await page.textContent(`#${tab}-count`)), want, `${name}: ${command} rows`);
  }
  await openTab(page, 'packets');
  assert.equal(number(await page.textContent('#packets-count')), info.packets);
}

test('corpus captures: the page shows what the CLI prints', async (t) => {
  const files = FILES.map((f) => join(capturesDir, f)).filter(existsSync);
  if (files.length === 0) return t.skip('no corpus at ../shared/captures');
  if (!cliPath()) return t.skip('no native CLI');
  const site = await openSite(t, { viewport: { width: 1400, height: 1000 } });
  if (!site) return;
  const { page, pageErrors } = site;
  for (const file of files) {
    await t.test(`${basename(file)} through the file input`, async () => {
      await page.setInputFiles('#file', file);
      await check(page, file);
    });
    await t.test(`${basename(file)} dropped on the page`, async () => {
      await dropFile(page, readFileSync(file), basename(file));
      await check(page, file);
    });
  }
  assert.deepEqual(pageErrors, []);
});
