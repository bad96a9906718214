// Every view of the built site (dist/) renders the sample, with the figures the package and
// the CLI give: Summary, Timeline (packets per bucket add up), Statistics (protocol breakdown
// sums to the packet count; top talkers = the CLI's endpoints), Protocols (the package's
// hierarchy), Packets (follow stream from a packet), Conversations, Endpoints, DNS, HTTP (an
// exported object downloads with its bytes) and TLS when the package has them. Accessibility basics: ARIA tabs/tabpanels, tables and tree; every control labelled.
// Screenshots of each view, light and dark, go to build/screenshots/.
// Skips without chromium, playwright-core, dist/ or the CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import { openCapture } from 'pcapscope';

import { cli, cliPath, cliRecords, openSite, openTab, samplePath, screenshot, waitForCapture } from './site.mjs';

const number = (text) => Number(text.replace(/[^\d]/g, ''));

test('every view renders the sample', async (t) => {
  if (!cliPath()) return t.skip('no native CLI');
  const site = await openSite(t, { viewport: { width: 1440, height: 1000 } });
  if (!site) return;
  const { page, pageErrors } = site;
  const info = JSON.parse((await cli(['info', samplePath, '--json'])).toString());
  const endpoints = await cliRecords(['endpoints', samplePath]);
  const flows = await cliRecords(['flows', samplePath]);
  // What the package gives in Node for the views without a CLI counterpart here.
  const reference = {};
  {
    const c = await openCapture(samplePath);
    if (typeof c.protocolHierarchy === 'function') reference.hierarchy = await c.protocolHierarchy();
    if (typeof c.http === 'function') {
      reference.http = await c.http();
      reference.tls = await c.tls();
      reference.objects = await c.objects();
      reference.object0 = (await c.object(0)).bytes;
    }
    await c.close();
  }

  await page.click('#sample');
  await waitForCapture(page, 'sample.pcapng');
  await page.waitForFunction(() => ['conversations', 'endpoints', 'dns'].every((n) =>
    document.querySelector(`#${n}-count`)?.textContent.startsWith('(')));
  const tabs = await page.$$eval('[role="tab"]:not([hidden])', (els) => els.map((e) => e.id.slice(4)));
  for (const tab of ['summary', 'timeline', 'statistics', 'hierarchy', 'packets', 'conversations', 'endpoints', 'dns']) {
    assert.ok(tabs.includes(tab), `a ${tab} tab`);
  }

  await t.test('summary', async () => {
    await openTab(page, 'summary');
    assert.equal(number(await page.textContent('[data-field="packets"]')), info.packets);
    assert.ok(await page.locator('#summary-interfaces tbody tr').count() >= 1);
  });

  await t.test('timeline: the buckets hold every packet', async () => {
    await openTab(page, 'timeline');
    await page.waitForSelector('#timeline-chart canvas');
    const facts = await page.$$eval('#timeline-facts dt', (dts) => Object.fromEntries(dts.map((dt) => [dt.textContent, dt.nextElementSibling.textContent])));
    assert.equal(number(facts.Packets), info.packets);
  });

  await t.test('statistics: protocols add up, top talkers are the CLI endpoints', async () => {
    await openTab(page, 'statistics');
    await page.waitForSelector('#stats-protocols tbody tr');
    const protocols = await page.$$eval('#stats-protocols tbody tr', (rows) => rows.map((r) => r.cells[2].textContent));
    assert.equal(protocols.reduce((s, p) => s + number(p), 0), info.packets);
    const talkers = await page.$$eval('#stats-talkers-bytes tbody tr', (rows) => rows.map((r) => r.cells[0].textContent));
    const want = endpoints.filter((e) => e.type !== 'mac').sort((a, b) => b.bytes - a.bytes).slice(0, 10);
    assert.deepEqual(talkers.slice(0, 3), want.slice(0, 3).map((e) => e.address));
    const services = (await page.$$eval('#stats-services tbody tr', (rows) => rows.map((r) => [r.cells[0].textContent, r.cells[2].textContent])))
      .map(([label, count]) => [label, number(count)]);
    const dnsFlows = flows.filter((f) => f.proto === 'udp' && f['id.resp_p'] === 53).length;
    assert.deepEqual(services.find(([label]) => label.startsWith('udp/53')), ['udp/53 (dns)', dnsFlows]);
    const sizes = await page.$$eval('#stats-sizes tbody tr', (rows) => rows.map((r) => r.cells[2].textContent));
    assert.equal(sizes.reduce((s, p) => s + number(p), 0), info.packets);
  });

  await t.test('protocols: the package hierarchy, frame first', async () => {
    await openTab(page, 'hierarchy');
    await page.waitForFunction(() => document.querySelector('#hierarchy')?.children.length > 0);
    if (!reference.hierarchy) return;
    const rows = await page.$$eval('#hierarchy tbody tr', (trs) => trs.map((r) => [r.cells[0].textContent, r.cells[2].textContent]));
    const flat = [];
    const walk = (node) => { flat.push([node.name, node.frames.toLocaleString('en-US')]); node.children.forEach(walk); };
    walk(reference.hierarchy);
    assert.deepEqual(rows, flat);
    assert.deepEqual(rows[0], ['frame', info.packets.toLocaleString('en-US')]);
  });

  await t.test('HTTP and TLS: the package rows; an exported object downloads', async (s) => {
    if (!reference.http) return s.skip('the package has no http()');
    await openTab(page, 'http');
    await page.waitForSelector('#http-table tbody tr:not(.spacer)');
    assert.equal(number(await page.textContent('#http-count')), reference.http.length);
    assert.equal(number(await page.textContent('#objects-count')), reference.objects.length);
    assert.ok(reference.objects.length > 0);
    const [download] = await Promise.all([page.waitForEvent('download'),
      page.click('#objects-table tbody tr[data-index="0"] button:text-is("Save")')]);
    assert.equal(download.suggestedFilename(), reference.objects[0].filename);
    assert.ok(readFileSync(await download.path()).equals(Buffer.from(reference.object0)), 'the object bytes');
    await openTab(page, 'tls');
    assert.equal(number(await page.textContent('#tls-count')), reference.tls.length);
    const sni = await page.$$eval('#tls-table tbody tr:not(.spacer)', (rows) => rows.map((r) =>
      r.cells[[...r.closest('table').tHead.rows[0].cells].findIndex((c) => c.textContent === 'server_name')].textContent));
    assert.deepEqual(sni, reference.tls.slice(0, sni.length).map((r) => r.server_name ?? ''));
  });

  await t.test('packets: ARIA table, tree, and follow stream from a packet', async () => {
    await openTab(page, 'packets');
    await page.waitForFunction(() => document.querySelector('.packet-rows .packet-row .col-protocol')?.textContent !== '');
    const flow = flows.find((f) => f.service === 'ssl');
    const rows = await cliRecords(['filter', samplePath, `tcp.srcport == ${flow['id.orig_p']} && tcp.len > 0`]);
    const n = Number(rows[0]['frame.number']);
    await page.focus('#packet-list');
    await page.keyboard.press('Home');
    for (let k = 1; k < n; k++) await page.keyboard.press('ArrowDown');
    await page.waitForFunction((k) => document.querySelector('#detail-title')?.textContent === `Packet ${k}`, n);
    await page.waitForSelector('#detail-tree [role="tree"] [role="treeitem"]');
    assert.equal(await page.getAttribute('.packet-row.selected', 'aria-selected'), 'true');
    if (await page.isVisible('#tab-follow')) {
      await page.waitForSelector('#follow-packet:not([disabled])');
      await screenshot(page, 'packets');
      await page.click('#follow-packet');
      await page.waitForFunction((id) => document.querySelector('#follow-head')?.textContent.startsWith(`Flow ${id} `), flow.flow_id);
      await screenshot(page, 'follow');
    } else {
      await screenshot(page, 'packets');
    }
  });

  await t.test('every tab renders, with ARIA roles and labelled controls', async () => {
    for (const tab of tabs) {
      await openTab(page, tab);
      assert.equal(await page.getAttribute(`#tab-${tab}`, 'aria-selected'), 'true');
      assert.equal(await page.getAttribute(`#panel-${tab}`, 'role'), 'tabpanel');
      assert.equal(await page.getAttribute(`#panel-${tab}`, 'aria-labelledby'), `tab-${tab}`);
      const text = (await page.textContent(`#panel-${tab}`)).trim();
      assert.ok(text.length > 20, `${tab} shows something`);
      const table = await page.$(`#panel-${tab} table.records`);
      if (table) {
        await page.waitForSelector(`#panel-${tab} table.records tbody tr:not(.spacer)`);
        const count = number(await page.textContent(`#panel-${tab} [id$="-count"]`));
        assert.ok(count > 0, `${tab}: rows`);
      }
      await page.waitForTimeout(tab === 'timeline' || tab === 'statistics' ? 400 : 100);
      if (tab !== 'packets' && tab !== 'follow') await screenshot(page, tab);
    }
    assert.equal(await page.getAttribute('#tabs', 'role'), 'tablist');
    const unlabelled = await page.$$eval('input:not([type="file"]):not([hidden]), select, textarea', (els) =>
      els.filter((e) => !e.labels?.length && !e.getAttribute('aria-label')).map((e) => e.id || e.outerHTML.slice(0, 60)));
    assert.deepEqual(unlabelled, []);
    const unnamedButtons = await page.$$eval('button', (els) =>
      els.filter((e) => !(e.textContent.trim() || e.getAttribute('aria-label') || e.title)).map((e) => e.outerHTML.slice(0, 80)));
    assert.deepEqual(unnamedButtons, []);
  });

  await t.test('endpoints: the CLI rows', async () => {
    await openTab(page, 'endpoints');
    assert.equal(number(await page.textContent('#endpoints-count')), endpoints.length);
    const first = await page.$$eval('#endpoints-table tbody tr:not(.spacer)', (rows) => rows.slice(0, 5).map((r) => r.cells[1].textContent));
    assert.deepEqual(first, endpoints.slice(0, 5).map((e) => e.address));
  });

  await t.test('dark theme follows prefers-color-scheme', async () => {
    const light = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    await page.emulateMedia({ colorScheme: 'dark' });
    const dark = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert.notEqual(dark, light);
    for (const tab of ['conversations', 'statistics', 'timeline']) {
      await openTab(page, tab);
      await page.waitForTimeout(200);
      await screenshot(page, `${tab}-dark`);
    }
    await page.emulateMedia({ colorScheme: 'light' });
  });

  assert.deepEqual(pageErrors, []);
});
