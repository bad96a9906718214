// Privacy and safety of the built site (dist/): a strict Content-Security-Policy (no remote
// origins) that the app works under without a single violation; no request leaves 127.0.0.1;
// a hostile capture (markup and scripts in DNS names, HTTP URIs and headers, TLS SNI, and the
// file name) shows its strings as text on every tab and in follow stream, and creates no
// element; the worker survives an engine failure (a wasm trap) with a clear message, and the
// page opens captures again.
// Skips without chromium, playwright-core or dist/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { openCapture } from 'pcapscope';
import { clientHello, dnsExchange, pcapOf, tcpConversation, udpFrame } from './captures.mjs';
import { distDir, openSite, openTab, screenshot, waitForCapture } from './site.mjs';

const IMG = '<img src=x onerror=window.__pwned=1>';
const SCRIPT = '<script>window.__pwned=2</script>';

/** A capture whose every string field carries markup. */
function hostileCapture() {
  const frames = [];
  const dns = dnsExchange(0x4242, [IMG, SCRIPT, 'example'], [SCRIPT, 'evil']);
  frames.push(udpFrame('10.0.0.5', '10.0.0.53', 40000, 53, dns.query));
  frames.push(udpFrame('10.0.0.53', '10.0.0.5', 53, 40000, dns.response));
  const body = Buffer.from(`<html>${SCRIPT}${IMG}</html>`);
  const request = Buffer.from(
    `GET /${encodeURI('x')}${SCRIPT}?q=${IMG} HTTP/1.1\r\nHost: ${IMG}\r\nUser-Agent: ${SCRIPT}\r\n` +
    `Referer: javascript:window.__pwned=3\r\n\r\n`, 'latin1');
  const response = Buffer.concat([Buffer.from(
    `HTTP/1.1 200 ${IMG}\r\nContent-Type: text/html\r\nContent-Length: ${body.length}\r\n` +
    `Content-Disposition: attachment; filename="${SCRIPT}.html"\r\n\r\n`, 'latin1'), body]);
  frames.push(...tcpConversation('10.0.0.5', '10.0.0.80', 41000, 80, request, response));
  frames.push(...tcpConversation('10.0.0.5', '10.0.0.43', 41001, 443, clientHello(IMG.replaceAll(' ', '_')), Buffer.alloc(0)));
  return pcapOf(frames);
}

/** Elements no capture string may ever turn into. */
const injected = (page) => page.evaluate(() => ({
  elements: [...document.querySelectorAll('img, iframe, object, embed, script:not([src]), [onerror], [onload]')]
    .map((e) => e.outerHTML.slice(0, 80)),
  pwned: window.__pwned ?? null,
  violations: window.__cspViolations ?? [],
}));

test('privacy and safety', async (t) => {
  const site = await openSite(t, { viewport: { width: 1400, height: 1000 } });
  if (!site) return;
  const { page, pageErrors, requests, url } = site;
  await page.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  await page.reload();

  await t.test('the built page has a strict CSP without remote origins', () => {
    const html = readFileSync(join(distDir, 'index.html'), 'utf8');
    const meta = /<meta http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html);
    assert.ok(meta, 'a CSP meta element');
    const policy = meta[1].replaceAll('&#39;', "'");
    assert.match(policy, /default-src 'none'/);
    assert.match(policy, /script-src 'self' 'wasm-unsafe-eval'(;|$)/);
    assert.match(policy, /style-src 'self'(;|$)/);
    assert.match(policy, /connect-src 'self'(;|$)/);
    assert.doesNotMatch(policy, /https?:|\*|'unsafe-inline'|'unsafe-eval'/);
    assert.doesNotMatch(html, /<script>(?!<\/script>)|style="/, 'no inline script or style');
  });

  const dir = await mkdtemp(join(tmpdir(), 'pcapscope-hostile-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const name = `${IMG}.pcap`;
  const path = join(dir, name);
  await writeFile(path, hostileCapture());
  const reference = await openCapture(path);
  const dnsRecords = await reference.dns();
  const flows = await reference.flows();
  const canFollow = typeof reference.follow === 'function';
  await reference.close();
  assert.ok(dnsRecords.some((d) => d.query?.includes('<img')), 'the core parses the hostile DNS name');

  await t.test('a hostile capture: every string is text, nothing is created or run', async () => {
    await page.setInputFiles('#file', path);
    await waitForCapture(page, name);
    assert.equal(await page.textContent('#summary-title'), name);
    const tabs = await page.$$eval('[role="tab"]:not([hidden])', (els) => els.map((e) => e.id.slice(4)));
    for (const tab of tabs) {
      await openTab(page, tab);
      await page.waitForTimeout(300);
    }
    // DNS names reach the table as text.
    await openTab(page, 'dns');
    await page.waitForFunction((n) => document.querySelectorAll('#dns-table tbody tr').length === n, dnsRecords.length);
    const dnsText = await page.textContent('#dns-table tbody');
    // (the core escapes spaces and dots inside labels Zeek-style: "<img\\x20src=x…")
    assert.ok(dnsText.includes(dnsRecords[0].query) && dnsText.includes(dnsRecords[0].answers[0]),
      'the DNS query and answer names are shown as text');
    assert.match(dnsText, /<img\\x20src=x/);
    // Every packet's detail and bytes.
    await openTab(page, 'packets');
    await page.focus('#packet-list');
    await page.keyboard.press('Home');
    const count = await page.$eval('#packets-count', (el) => Number(el.textContent.replace(/\D/g, '')));
    for (let n = 1; n <= count; n++) {
      await page.waitForFunction((k) => document.querySelector('#detail-title')?.textContent === `Packet ${k}` &&
        document.querySelector('#detail-hex .hex-line'), n);
      if (n === 1) {
        const ascii = await page.$$eval('#detail-hex .hex-ascii', (els) => els.map((e) => e.textContent).join(''));
        assert.ok(ascii.includes('<img src=x'), 'the bytes show the markup as text');
      }
      if (n < count) await page.keyboard.press('ArrowDown');
    }
    // Follow every conversation.
    if (canFollow) {
      for (const flow of flows) {
        await openTab(page, 'conversations');
        await page.click(`#conversations-table tbody tr[data-index="${flow.flow_id - 1}"] button:text-is("Follow")`);
        await page.waitForFunction((id) => document.querySelector('#follow-head')?.textContent.startsWith(`Flow ${id} `), flow.flow_id);
        for (const mode of ['ascii', 'hex', 'raw']) await page.selectOption('#follow-mode', mode);
      }
    }
    await screenshot(page, 'hostile');
    const result = await injected(page);
    assert.deepEqual(result, { elements: [], pwned: null, violations: [] });
  });

  await t.test('the sample on every tab: no CSP violation', async () => {
    await page.click('#sample');
    await waitForCapture(page, 'sample.pcapng');
    const tabs = await page.$$eval('[role="tab"]:not([hidden])', (els) => els.map((e) => e.id.slice(4)));
    for (const tab of tabs) {
      await openTab(page, tab);
      await page.waitForTimeout(300);
    }
    assert.deepEqual((await injected(page)).violations, []);
  });

  await t.test('the engine fails (wasm trap): a clear message, and the page opens captures again', async () => {
    const worker = page.workers()[0];
    assert.ok(worker, 'the module worker runs');
    await worker.evaluate(() => {
      setTimeout(() => { throw new WebAssembly.RuntimeError('unreachable executed (test)'); });
    });
    await page.waitForSelector('#error:not([hidden])');
    const message = await page.textContent('#error');
    assert.match(message, /analysis engine stopped while working on sample\.pcapng/);
    assert.match(message, /unreachable executed \(test\)/);
    assert.match(message, /restarted/);
    assert.ok(await page.locator('#app').isHidden());
    await page.click('#sample');
    await waitForCapture(page, 'sample.pcapng');
    await openTab(page, 'packets');
    await page.waitForFunction(() => document.querySelector('.packet-rows .packet-row .col-protocol')?.textContent !== '');
    assert.ok(await page.locator('#error').isHidden());
  });

  await t.test('no request left 127.0.0.1', () => {
    const origin = new URL(url).origin;
    const outside = requests.filter((r) => !r.startsWith(`${origin}/`) && !r.startsWith('blob:') && !r.startsWith('data:'));
    assert.deepEqual(outside, []);
    assert.ok(requests.length > 3, `${requests.length} requests recorded`);
  });

  assert.deepEqual(pageErrors, []);
});
