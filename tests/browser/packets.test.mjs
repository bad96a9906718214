// Browser test of the packet list and packet detail on the built site (dist/): the sample's
// rows appear (the same values as the npm package gives in Node), End selects the last packet,
// arrow keys move the selection, clicking a row shows its field tree, clicking a field
// highlights its bytes; gzip input is re-read from its decompressed Blob; a capture of 400,000
// packets scrolls with a small, fixed DOM.
// Skips without chromium, playwright-core or dist/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

import { openCapture } from 'pcapscope';
import { openSite, openTab, samplePath, waitForCapture } from './site.mjs';


/** A pcap of `count` minimal UDP/IPv4 packets (42 bytes), built fast for the size test. */
function manyPackets(count) {
  const rec = 16 + 42;
  const buf = Buffer.alloc(24 + count * rec);
  buf.writeUInt32LE(0xa1b2c3d4, 0);
  buf.writeUInt16LE(2, 4);
  buf.writeUInt16LE(4, 6);
  buf.writeUInt32LE(65535, 16);
  buf.writeUInt32LE(1, 20);
  const frame = Buffer.from(
    '020000000002' + '020000000001' + '0800' +                      // Ethernet
    '4500001c0000400040110000' + '0a000001' + '0a000002' +           // IPv4, UDP, no checksum
    '303900350008' + '0000', 'hex');                                 // UDP 12345 → 53, empty
  for (let i = 0; i < count; i++) {
    const at = 24 + i * rec;
    buf.writeUInt32LE(1700000000 + Math.floor(i / 1000), at);
    buf.writeUInt32LE((i % 1000) * 1000, at + 4);
    buf.writeUInt32LE(42, at + 8);
    buf.writeUInt32LE(42, at + 12);
    frame.copy(buf, at + 16);
  }
  return buf;
}

const visibleRows = (page) =>
  page.$$eval('.packet-rows .packet-row:not([hidden])', (rows) =>
    rows.map((r) => [...r.children].map((c) => c.textContent)));

test('packet list and detail in the browser', async (t) => {
  const site = await openSite(t, { viewport: { width: 1400, height: 1000 } });
  if (!site) return;
  const { page, pageErrors } = site;

  // What the package computes in Node for the same sample.
  const reference = await openCapture(samplePath);
  t.after(() => reference.close());
  const total = reference.packetCount;
  const firstRows = await reference.packets({ start: 0, count: 5 });

  await t.test('the sample shows its rows', async () => {
    await page.click('#sample');
    await waitForCapture(page, 'sample.pcapng');
    await openTab(page, 'packets');
    await page.waitForFunction(
      () => document.querySelector('.packet-rows .packet-row .col-protocol')?.textContent !== '',
      null, { timeout: 20000 });
    const rows = await visibleRows(page);
    assert.ok(rows.length > 5 && rows.length < 60, `${rows.length} rows in the DOM`);
    for (let k = 0; k < 5; k++) {
      assert.deepEqual(rows[k], [
        String(k + 1), firstRows.time[k].toFixed(6), firstRows.source[k],
        firstRows.destination[k], firstRows.protocol[k], String(firstRows.length[k]),
        firstRows.info[k],
      ]);
    }
    assert.equal(await page.textContent('#packets-count'), `${total.toLocaleString('en-US')} packets`);
  });

  await t.test('End selects the last packet, arrows move', async () => {
    await page.focus('#packet-list');
    await page.keyboard.press('End');
    await page.waitForFunction(
      (n) => document.querySelector('.packet-row.selected .col-number')?.textContent === String(n) &&
        document.querySelector('.packet-row.selected .col-protocol')?.textContent !== '',
      total, { timeout: 10000 });
    await page.waitForFunction((n) => document.querySelector('#detail-title')?.textContent === `Packet ${n}`, total);
    await page.keyboard.press('ArrowUp');
    await page.waitForFunction(
      (n) => document.querySelector('.packet-row.selected .col-number')?.textContent === String(n),
      total - 1);
    await page.keyboard.press('Home');
    await page.waitForFunction(
      () => document.querySelector('.packet-row.selected .col-number')?.textContent === '1');
    await page.keyboard.press('PageDown');
    const afterPageDown = Number(await page.textContent('.packet-row.selected .col-number'));
    assert.ok(afterPageDown > 5, `PageDown went to ${afterPageDown}`);
  });

  await t.test('clicking a row shows its tree; clicking a field highlights its bytes', async () => {
    await page.keyboard.press('Home');
    await page.click('.packet-rows .packet-row[data-row="2"]');
    await page.waitForFunction(() => document.querySelector('#detail-title')?.textContent === 'Packet 3');
    await page.waitForSelector('#detail-tree .field-label');
    const want = await reference.packet(3);
    const topLabels = await page.$$eval('#detail-tree > .field-tree > li > .field-label', (els) => els.map((e) => e.textContent));
    assert.deepEqual(topLabels, want.fields.map((f) => f.label));
    const hexBytes = await page.$$eval('#detail-hex .hex-bytes span', (els) => els.map((e) => e.textContent).join(''));
    assert.equal(hexBytes, Buffer.from(want.bytes).toString('hex'));

    // A field with bytes inside the second protocol (e.g. an address), visible without expanding.
    const field = want.fields[1].children.find((f) => f.length > 0);
    const label = page.locator(`#detail-tree .field-label[data-name="${field.name}"]`).first();
    await label.click();
    const highlighted = await page.$$eval('#detail-hex .hex-bytes span.hl', (els) => els.map((e) => e.textContent).join(''));
    assert.equal(highlighted, Buffer.from(want.bytes.subarray(field.offset, field.offset + field.length)).toString('hex'));
    assert.equal(await page.locator('#detail-hex .hex-ascii span.hl').count(), field.length);

    // Collapsing a protocol hides its fields.
    const item = page.locator('#detail-tree > .field-tree > li').nth(1);
    await item.locator('> .field-toggle').click();
    assert.ok(await label.isHidden());
  });

  await t.test('gzip input: rows and details re-read from the decompressed Blob', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pcapscope-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const gz = join(dir, 'sample.pcapng.gz');
    await writeFile(gz, gzipSync(readFileSync(samplePath)));
    await page.setInputFiles('#file', gz);
    await waitForCapture(page, 'sample.pcapng.gz');
    await openTab(page, 'packets');
    await page.waitForFunction(
      () => document.querySelector('.packet-rows .packet-row .col-protocol')?.textContent !== '',
      null, { timeout: 20000 });
    assert.equal(await page.textContent('[data-field="compression"]'), 'gzip');
    await page.focus('#packet-list');
    await page.keyboard.press('End');
    const last = await reference.packets({ start: total - 1, count: 1 });
    await page.waitForFunction(
      (info) => document.querySelector('.packet-row.selected .col-info')?.textContent === info,
      last.info[0], { timeout: 10000 });
    await page.waitForSelector('#detail-hex .hex-bytes span');
    const want = await reference.packet(total);
    const hexBytes = await page.$$eval('#detail-hex .hex-bytes span', (els) => els.map((e) => e.textContent).join(''));
    assert.equal(hexBytes, Buffer.from(want.bytes).toString('hex'));
  });

  await t.test('400,000 packets: small DOM, End, and the middle by scrolling', async () => {
    const count = 400_000;
    const dir = await mkdtemp(join(tmpdir(), 'pcapscope-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const path = join(dir, 'many.pcap');
    await writeFile(path, manyPackets(count));
    await page.setInputFiles('#file', path);
    await waitForCapture(page, 'many.pcap', 60000);
    await openTab(page, 'packets');
    await page.waitForFunction(
      () => document.querySelector('.packet-rows .packet-row .col-protocol')?.textContent === 'UDP',
      null, { timeout: 60000 });
    await page.focus('#packet-list');
    await page.keyboard.press('End');
    await page.waitForFunction(
      (n) => document.querySelector('.packet-row.selected .col-number')?.textContent === String(n) &&
        document.querySelector('.packet-row.selected .col-info')?.textContent.startsWith('12345 → 53'),
      count, { timeout: 20000 });
    // Scroll to the middle: the rows shown are around the middle and load.
    await page.$eval('#packet-list', (el) => { el.scrollTop = (el.scrollHeight - el.clientHeight) / 2; });
    // Every row shown loaded (on a busy machine the rows after the first can still be loading).
    await page.waitForFunction((n) => {
      const rows = [...document.querySelectorAll('.packet-rows .packet-row:not([hidden])')];
      const first = Number(rows[0]?.children[0].textContent);
      return rows.length > 0 && Math.abs(first - n / 2) < 1000 &&
        rows.every((r, k) => Number(r.children[0].textContent) === first + k &&
          r.querySelector('.col-protocol').textContent === 'UDP');
    }, count, { timeout: 20000 });
    const rows = await visibleRows(page);
    const first = Number(rows[0][0]);
    assert.ok(Math.abs(first - count / 2) < 1000, `first row shown: ${first}`);
    assert.ok(rows.length < 60, `${rows.length} rows in the DOM`);
    rows.slice(1).forEach((r, k) => assert.equal(Number(r[0]), first + k + 1));
  });

  assert.deepEqual(pageErrors, []);
});
