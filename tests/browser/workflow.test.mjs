// Browser test of the analyst's workflow on the sample (dist/), every figure checked against
// the native CLI: a display filter selects what `pcapscope filter` selects; an invalid filter
// shows the CLI's message with a caret under the span; a conversation row leads to its packets
// and to follow stream, whose bytes equal `pcapscope follow --format raw`; the filtered packets
// export as pcap/pcapng byte-identical to `pcapscope filter -o`; brushing the timeline filters
// by frame.time_relative; the view state survives in the URL hash; tabs move with the arrows.
// Skips without chromium, playwright-core, dist/ or the CLI (or when the package has no select()).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { openCapture } from 'pcapscope';
import { cli, cliPath, cliRecords, openSite, openTab, samplePath, waitForCapture } from './site.mjs';

const rowNumbers = (page) =>
  page.$$eval('.packet-rows .packet-row:not([hidden]) .col-number', (els) => els.map((e) => Number(e.textContent)));

/** Waits until the filter status reads "N of M packets" and returns N. */
async function filteredCount(page) {
  await page.waitForFunction(() => /^[\d,]+ of [\d,]+ packets$/.test(document.querySelector('#filter-status')?.textContent ?? ''));
  return Number((await page.textContent('#filter-status')).split(' of ')[0].replaceAll(',', ''));
}

test('filter, follow, export and view state in the browser', async (t) => {
  if (!cliPath()) return t.skip('no native CLI (build/release or build/debug, or PCAPSCOPE_CLI)');
  const reference = await openCapture(samplePath);
  const capable = typeof reference.select === 'function' && typeof reference.follow === 'function' &&
    typeof reference.exportCapture === 'function';
  const flows = await reference.flows();
  const flowColumn = reference.index().flow;
  const total = reference.packetCount;
  await reference.close();
  if (!capable) return t.skip('the package has no select/follow/exportCapture yet');
  const site = await openSite(t, { viewport: { width: 1400, height: 1000 } });
  if (!site) return;
  const { page, pageErrors, url } = site;
  const dir = await mkdtemp(join(tmpdir(), 'pcapscope-workflow-'));
  t.after(() => rm(dir, { recursive: true, force: true }));

  await page.click('#sample');
  await waitForCapture(page, 'sample.pcapng');

  await t.test('a display filter selects what the CLI selects', async () => {
    const expr = 'tcp.port == 80 && frame.len > 100';
    const want = await cliRecords(['filter', samplePath, expr]);
    assert.ok(want.length > 0 && want.length < total);
    await openTab(page, 'packets');
    await page.fill('#filter', expr);
    await page.press('#filter', 'Enter');
    assert.equal(await filteredCount(page), want.length);
    await page.waitForFunction(() => document.querySelector('.packet-rows .packet-row .col-protocol')?.textContent !== '');
    const shown = await rowNumbers(page);
    assert.deepEqual(shown, want.slice(0, shown.length).map((r) => Number(r['frame.number'])));
    // Selecting a row shows that packet's detail.
    await page.click('.packet-rows .packet-row[data-row="1"]');
    await page.waitForFunction((n) => document.querySelector('#detail-title')?.textContent === `Packet ${n}`, want[1]['frame.number']);
    assert.match(await page.evaluate(() => location.hash), new RegExp(`packet=${want[1]['frame.number']}`));
  });

  await t.test('an invalid filter: the message and a caret under the span', async () => {
    await page.fill('#filter', 'tcp.prot == 80');
    await page.press('#filter', 'Enter');
    await page.waitForSelector('#filter-error:not([hidden])');
    const message = await page.textContent('#filter-error .filter-message');
    assert.match(message, /unknown field "tcp\.prot".*did you mean "tcp\.port"/);
    assert.equal(await page.textContent('#filter-error .filter-caret'), 'tcp.prot == 80\n^~~~~~~~');
    assert.equal(await page.getAttribute('#filter', 'aria-invalid'), 'true');
    await page.click('#filter-clear');
    await page.waitForSelector('#filter-error', { state: 'hidden' });
    await page.waitForFunction((n) => document.querySelector('#packets-count')?.textContent === `${n} packets`, total);
  });

  await t.test('the display filter narrows the conversation and DNS tables to its flows', async () => {
    // A conversation (or log record) is shown when one of its packets matches: the flows of
    // the packets `pcapscope filter` selects (ICMP errors quoting UDP/53 included, as tshark's
    // udp.port matches them), found through the index's flow column.
    const expr = 'udp.port == 53';
    const numbers = (await cliRecords(['filter', samplePath, expr, '--fields', 'frame.number'])).map((r) => Number(r['frame.number']));
    const ids = new Set(numbers.map((n) => flowColumn[n - 1]).filter((id) => id !== 0));
    const want = flows.filter((f) => ids.has(f.flow_id));
    assert.ok(want.length > 0 && want.length < flows.length);
    await page.fill('#filter', expr);
    await page.press('#filter', 'Enter');
    await filteredCount(page);
    await openTab(page, 'conversations');
    await page.waitForFunction((n) => document.querySelector('#conversations-count')?.textContent?.startsWith(`(${n} of`),
      want.length, { timeout: 20000 });
    const uids = new Set(want.map((f) => f.uid));
    const dnsWant = (await cliRecords(['dns', samplePath])).filter((r) => uids.has(r.uid)).length;
    await openTab(page, 'dns');
    // "(N of M)" when the filter hides some records, "(N)" when it hides none.
    await page.waitForFunction((n) => /^\((\d+) of |^\((\d+)\)$/.exec(document.querySelector('#dns-count')?.textContent ?? '')
      ?.slice(1).some((x) => Number(x) === n), dnsWant, { timeout: 20000 });
    await page.click('#filter-clear');
    await page.waitForFunction((n) => document.querySelector('#packets-count')?.textContent === `${n} packets`, total);
    await openTab(page, 'conversations');
    assert.equal(await page.textContent('#conversations-count'), `(${flows.length.toLocaleString('en-US')})`);
  });

  const flow = flows.find((f) => f.service === 'http' && f.proto === 'tcp');

  await t.test('a conversation leads to its packets', async () => {
    await openTab(page, 'conversations');
    const row = flows.indexOf(flow);
    await page.click(`#conversations-table tbody tr[data-index="${row}"] button:text-is("Packets")`);
    await page.waitForSelector('#panel-packets:not([hidden])');
    const expr = await page.inputValue('#filter');
    assert.match(expr, /tcp\.port == /);
    const want = await cliRecords(['filter', samplePath, expr]);
    assert.equal(await filteredCount(page), want.length);
    assert.equal(want.length, flow.orig_pkts + flow.resp_pkts);
  });

  await t.test('export of the filtered packets equals `pcapscope filter -o`', async () => {
    const expr = await page.inputValue('#filter');
    for (const format of ['pcap', 'pcapng']) {
      const [download] = await Promise.all([page.waitForEvent('download'), page.click(`#export-${format}`)]);
      assert.equal(download.suggestedFilename(), `sample-filtered.${format}`);
      const got = readFileSync(await download.path());
      const out = join(dir, `want.${format}`);
      await cli(['filter', samplePath, expr, '-o', out]);
      assert.ok(got.equals(readFileSync(out)), `${format}: the same bytes as the CLI writes`);
      const back = JSON.parse((await cli(['info', await download.path(), '--json'])).toString());
      assert.equal(back.packets, flow.orig_pkts + flow.resp_pkts);
    }
  });

  await t.test('follow stream: the bytes of `pcapscope follow --format raw`', async () => {
    // The conversation filter of the previous step narrows the table to one row: clear it so
    // rows sit at their positions in flows().
    await page.click('#filter-clear');
    await page.waitForFunction((n) => document.querySelector('#packets-count')?.textContent === `${n} packets`, total);
    await openTab(page, 'conversations');
    const row = flows.indexOf(flow);
    await page.click(`#conversations-table tbody tr[data-index="${row}"] button:text-is("Follow")`);
    await page.waitForFunction((id) => document.querySelector('#follow-head')?.textContent.startsWith(`Flow ${id} `), flow.flow_id);
    const want = await cli(['follow', samplePath, String(flow.flow_id), '--format', 'raw']);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#follow-download-raw')]);
    assert.ok(readFileSync(await download.path()).equals(want), 'downloaded bytes = CLI raw');
    // The client's request line shows in the client colour, the server's status line in the server's.
    const client = await page.$$eval('#follow-text .follow-client', (els) => els.map((e) => e.textContent).join(''));
    const server = await page.$$eval('#follow-text .follow-server', (els) => els.map((e) => e.textContent).join(''));
    assert.match(client, /^(GET|POST) \S+ HTTP\/1\.1\n/);
    assert.match(server, /^HTTP\/1\.1 \d{3} /);
    const json = JSON.parse((await cli(['follow', samplePath, String(flow.flow_id), '--format', 'json'])).toString());
    const clientBytes = Buffer.concat(json.segments.filter((s) => s.dir === 0 && s.data_base64).map((s) => Buffer.from(s.data_base64, 'base64')));
    await page.selectOption('#follow-dir', '0');
    await page.selectOption('#follow-mode', 'raw');
    const raw = (await page.textContent('#follow-text')).replaceAll('\n', '');
    assert.equal(raw, clientBytes.toString('hex'));
    await page.selectOption('#follow-mode', 'hex');
    assert.match(await page.textContent('#follow-text'), /^00000000 {2}[0-9a-f]{2} /);
    await page.selectOption('#follow-dir', 'both');
    await page.selectOption('#follow-mode', 'ascii');
    // A segment leads to its packet.
    const first = json.segments[0].packet;
    await page.click('#follow-text [data-packet]');
    await page.waitForFunction((n) => document.querySelector('#detail-title')?.textContent === `Packet ${n}`, first);
    // "Packets" filters on the stream, as Wireshark's Follow does: exactly this flow's packets.
    assert.ok(Number.isInteger(json.stream), 'the CLI names the tcp.stream');
    await openTab(page, 'follow');
    await page.click('#follow-packets');
    await page.waitForFunction((e) => document.querySelector('#filter')?.value === e, `tcp.stream == ${json.stream}`);
    assert.equal(await filteredCount(page), flow.orig_pkts + flow.resp_pkts);
  });

  await t.test('brushing the timeline filters by frame.time_relative', async () => {
    await page.click('#filter-clear');
    await openTab(page, 'timeline');
    const box = await page.locator('#timeline-chart .u-over').boundingBox();
    await page.mouse.move(box.x + box.width * 0.2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    await page.waitForSelector('#time-chip:not([hidden])');
    const hash = new URLSearchParams((await page.evaluate(() => location.hash)).slice(1));
    const [a, b] = hash.get('time').split(',');
    const want = await cliRecords(['filter', samplePath, `frame.time_relative >= ${a} && frame.time_relative <= ${b}`]);
    assert.ok(want.length > 0 && want.length < total);
    assert.equal(await filteredCount(page), want.length);
    // The tables keep the records that overlap the range.
    const shown = await page.textContent('#conversations-count');
    assert.match(shown, /^\(\d+ of \d+\)$/);
    await page.click('#time-chip button');
    await page.waitForSelector('#time-chip', { state: 'hidden' });
  });

  await t.test('the view state lives in the URL hash', async () => {
    const expr = 'udp';
    const want = await cliRecords(['filter', samplePath, expr]);
    await page.goto('about:blank');  // a fresh page load with the hash, not a hash change
    await page.goto(`${url}#tab=packets&filter=${encodeURIComponent(expr)}`);
    await page.click('#sample');
    await waitForCapture(page, 'sample.pcapng');
    assert.equal(await page.getAttribute('#tab-packets', 'aria-selected'), 'true');
    assert.equal(await page.inputValue('#filter'), expr);
    assert.equal(await filteredCount(page), want.length);
    // Arrow keys move between tabs, and the hash follows.
    await page.focus('#tab-packets');
    await page.keyboard.press('ArrowRight');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'tab-conversations');
    assert.match(await page.evaluate(() => location.hash), /tab=conversations/);
  });

  assert.deepEqual(pageErrors, []);
});
