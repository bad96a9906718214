// Tables above the eager threshold (`?eager-rows=N`; 20,000 rows by default) are fetched on the
// first visit of their tab: until then their badge shows the row count from the analysis
// summary and the table is empty; a visit fetches and shows them, and the views that need the
// conversations (Follow from an HTTP record) fetch them on demand. Here the sample is opened
// with a threshold of 10 rows, so its larger tables take the lazy path. The expected counts
// come from the native CLI. Skips without chromium, dist/ or the CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { cliPath, cliRecords, openSite, openTab, samplePath, waitForCapture } from './site.mjs';

const number = (text) => Number(String(text).replace(/\D/g, ''));

test('large tables are fetched when their tab is first shown', async (t) => {
  if (!cliPath()) return t.skip('no native CLI (cmake --build --preset release)');
  const site = await openSite(t);
  if (!site) return;
  const { page, pageErrors, url } = site;
  const flows = await cliRecords(['flows', samplePath]);
  const http = await cliRecords(['http', samplePath]);
  const dns = await cliRecords(['dns', samplePath]);
  assert.ok(flows.length > 10 && http.length > 10 && dns.length > 10, 'the sample has more than 10 flows, HTTP and DNS records');

  await page.goto(`${url}?eager-rows=10`);
  await page.setInputFiles('#file', samplePath);
  await waitForCapture(page, 'sample.pcapng');

  // Not fetched yet: the badges come from the summary, the tables are empty.
  assert.equal(number(await page.textContent('#tab-conversations .badge')), flows.length);
  assert.equal(number(await page.textContent('#tab-http .badge')), http.length);
  assert.equal(number(await page.textContent('#tab-dns .badge')), dns.length);
  assert.equal(await page.textContent('#conversations-count'), '');
  assert.equal(await page.locator('#http-count').count(), 0);

  await openTab(page, 'dns');
  await page.waitForFunction(() => document.querySelector('#dns-count')?.textContent.startsWith('('));
  assert.equal(number(await page.textContent('#dns-count')), dns.length);
  assert.equal(await page.textContent('#conversations-count'), '', 'visiting DNS fetches only DNS');

  // Follow from an HTTP record needs the conversations: they are fetched on demand.
  await openTab(page, 'http');
  await page.waitForFunction(() => document.querySelector('#http-count')?.textContent.startsWith('('));
  assert.equal(number(await page.textContent('#http-count')), http.length);
  await page.click('#http-log button:text-is("Follow")');
  await page.waitForSelector('#panel-follow:not([hidden])');
  await page.waitForSelector('#panel-follow .follow-client', { timeout: 20000 });
  await page.waitForFunction(() => document.querySelector('#conversations-count')?.textContent.startsWith('('));
  assert.equal(number(await page.textContent('#conversations-count')), flows.length);
  assert.deepEqual(pageErrors, []);
});
