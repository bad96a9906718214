// Browser test of the Conversations and DNS tables on the built site (dist/): opening the
// sample shows one row per flow and per DNS transaction (the counts the npm package gives in
// Node), with the package's values; clicking a header sorts (again: reverses); past 5,000
// records the table renders 5,000 rows and says so.
// Skips without chromium, playwright-core or dist/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { openCapture } from 'pcapscope';
import { openSite, openTab, samplePath, waitForCapture } from './site.mjs';


/** A pcap of `count` UDP/IPv4 packets, each its own flow (source port 10000 + i). */
function manyFlows(count) {
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
    '303900450008' + '0000', 'hex');                                 // UDP → 69, empty
  for (let i = 0; i < count; i++) {
    const at = 24 + i * rec;
    buf.writeUInt32LE(1700000000, at);
    buf.writeUInt32LE(i, at + 4);
    buf.writeUInt32LE(42, at + 8);
    buf.writeUInt32LE(42, at + 12);
    frame.copy(buf, at + 16);
    buf.writeUInt16BE(10000 + i, at + 16 + 34);
  }
  return buf;
}

const tableRows = (page, selector) =>
  page.$$eval(`${selector} tbody tr:not(.spacer)`, (rows) => rows.map((r) => [...r.cells].map((c) => c.textContent)));
const tableHeads = (page, selector) =>
  page.$$eval(`${selector} thead th`, (cells) => cells.map((c) => c.textContent));

test('conversations and DNS tables in the browser', async (t) => {
  if (!existsSync(samplePath)) return t.skip('no web/public/sample.pcapng');
  const site = await openSite(t, { viewport: { width: 1400, height: 2400 } });  // every sample row in view
  if (!site) return;
  const { page, pageErrors } = site;

  // What the package computes in Node for the same sample.
  const reference = await openCapture(samplePath);
  const flows = await reference.flows();
  const dns = await reference.dns();
  await reference.close();
  assert.ok(flows.some((f) => f.proto === 'tcp'), 'the sample has TCP flows');
  assert.ok(dns.length > 0, 'the sample has DNS');

  await page.click('#sample');
  await waitForCapture(page, 'sample.pcapng');
  await page.waitForFunction(() => document.querySelector('#conversations-count')?.textContent !== '' &&
    document.querySelector('#dns-count')?.textContent !== '', null, { timeout: 20000 });
  await openTab(page, 'conversations');

  await t.test('conversations: one row per flow, in flow order', async () => {
    assert.equal(await page.textContent('#conversations-count'), `(${flows.length.toLocaleString('en-US')})`);
    const heads = await tableHeads(page, '#conversations-table');
    assert.deepEqual(heads, ['', 'Flow', 'Start (UTC)', 'Originator', 'Responder', 'Proto', 'Service', 'Duration (s)',
      'Orig bytes', 'Resp bytes', 'Packets', 'State', 'History']);
    assert.equal(await page.getAttribute('#tab-conversations', 'aria-selected'), 'true');
    assert.match(await page.textContent('#tab-conversations'), new RegExp(`${flows.length}$`));
    const rows = (await tableRows(page, '#conversations-table')).map((r) => r.slice(2));
    assert.equal(rows.length, flows.length);
    const tcpRow = rows.findIndex((r) => r[3] === 'tcp');
    assert.ok(tcpRow >= 0, 'a TCP row');
    const f = flows[tcpRow];
    assert.ok(rows[tcpRow][1].endsWith(`:${f['id.orig_p']}`) && rows[tcpRow][1].includes(f['id.orig_h']));
    assert.ok(rows[tcpRow][2].endsWith(`:${f['id.resp_p']}`) && rows[tcpRow][2].includes(f['id.resp_h']));
    assert.equal(rows[tcpRow][9], f.conn_state);
    assert.equal(rows[tcpRow][10], f.history ?? '');
    assert.equal(rows[tcpRow][8], String(f.orig_pkts + f.resp_pkts));
  });

  await t.test('clicking a header sorts, clicking again reverses', async () => {
    const packetsColumn = 10;
    const counts = (rows) => rows.map((r) => Number(r[packetsColumn].replaceAll(',', '')));
    await page.click('#conversations-table thead th:nth-child(11) button');
    await page.waitForSelector('#conversations-table th[aria-sort="ascending"]');
    const up = counts(await tableRows(page, '#conversations-table'));
    assert.deepEqual(up, [...up].sort((a, b) => a - b));
    await page.click('#conversations-table thead th:nth-child(11) button');
    await page.waitForSelector('#conversations-table th[aria-sort="descending"]');
    const down = counts(await tableRows(page, '#conversations-table'));
    assert.deepEqual(down, [...down].sort((a, b) => b - a));
    assert.equal(down[0], Math.max(...flows.map((f) => f.orig_pkts + f.resp_pkts)));
  });

  await t.test('search narrows the rows, downloads have what is shown', async () => {
    const service = 'http';
    const want = flows.filter((f) => f.service === service).length;  // no other column holds "http"
    await page.fill('#conversations-search', service);
    await page.waitForFunction((n) => document.querySelectorAll('#conversations-table tbody tr:not(.spacer)').length === n, want);
    const rows = await tableRows(page, '#conversations-table');
    assert.ok(want > 0 && want < flows.length, `${want} HTTP flows`);
    assert.ok(rows.every((r) => r.join(' ').toLowerCase().includes(service)));
    assert.equal(await page.textContent('#conversations-count'), `(${rows.length} of ${flows.length})`);
    const [csv] = await Promise.all([page.waitForEvent('download'), page.click('#panel-conversations button:text-is("CSV")')]);
    const text = readFileSync(await csv.path(), 'utf8');
    const lines = text.trimEnd().split('\r\n');
    assert.equal(lines.length, rows.length + 1);
    assert.match(lines[0], /^Flow,Start \(UTC\),Originator,Responder,Proto,Service/);
    const [json] = await Promise.all([page.waitForEvent('download'), page.click('#panel-conversations button:text-is("JSON")')]);
    const records = JSON.parse(readFileSync(await json.path(), 'utf8'));
    assert.equal(records.length, rows.length);
    assert.ok(records.every((r) => r.service === service || JSON.stringify(r).toLowerCase().includes(service)));
    await page.fill('#conversations-search', '');
    await page.waitForFunction((n) => document.querySelectorAll('#conversations-table tbody tr:not(.spacer)').length === n, flows.length);
  });

  await t.test('DNS: one row per transaction with query, type, rcode, answers', async () => {
    await openTab(page, 'dns');
    assert.equal(await page.textContent('#dns-count'), `(${dns.length.toLocaleString('en-US')})`);
    const heads = await tableHeads(page, '#dns-table');
    assert.deepEqual(heads, ['', 'Time (UTC)', 'Client', 'Server', 'Query', 'Type', 'Rcode', 'Answers', 'RTT (s)']);
    const rows = (await tableRows(page, '#dns-table')).map((r) => r.slice(1));
    assert.equal(rows.length, dns.length);
    for (let k = 0; k < Math.min(rows.length, 10); k++) {
      const d = dns[k];
      assert.equal(rows[k][3], d.query ?? '');
      assert.equal(rows[k][4], d.qtype_name ?? '');
      assert.equal(rows[k][5], d.rcode_name ?? '');
      assert.equal(rows[k][6], (d.answers ?? []).join(', '));
      assert.equal(rows[k][7], typeof d.rtt === 'number' ? d.rtt.toFixed(6) : '');
    }
    assert.ok(rows.some((r) => r[3] !== ''), 'a row with a query name');
  });

  await t.test('6,000 flows: a small DOM, the end by scrolling, sorting over all', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pcapscope-tables-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const file = join(dir, 'many-flows.pcap');
    await writeFile(file, manyFlows(6000));
    await page.setInputFiles('#file', file);
    await page.waitForFunction(
      () => document.querySelector('#conversations-count')?.textContent === '(6,000)', null, { timeout: 20000 });
    await openTab(page, 'conversations');
    const rendered = () => page.$$eval('#conversations-table tbody tr:not(.spacer)', (rows) => rows.map((r) => Number(r.cells[1].textContent.replaceAll(',', ''))));
    const first = await rendered();
    assert.ok(first.length > 10 && first.length < 200, `${first.length} rows in the DOM`);
    assert.equal(first[0], 1);
    await page.$eval('#panel-conversations .record-scroll', (el) => { el.scrollTop = el.scrollHeight; });
    await page.waitForFunction(() => [...document.querySelectorAll('#conversations-table tbody tr:not(.spacer)')].at(-1)?.cells[1].textContent === '6,000');
    const last = await rendered();
    assert.ok(last.length < 200, `${last.length} rows in the DOM`);
    last.forEach((n, k) => k && assert.equal(n, last[k - 1] + 1));
    // Sorting by flow id, descending, brings the last flow to the top.
    await page.click('#conversations-table thead th[data-key="flow_id"] button');
    await page.click('#conversations-table thead th[data-key="flow_id"] button');
    await page.waitForFunction(() => document.querySelector('#conversations-table tbody tr:not(.spacer)')?.cells[1].textContent === '6,000');
    assert.equal(await page.textContent('#dns-count'), '(0)');
  });

  assert.deepEqual(pageErrors, []);
});
