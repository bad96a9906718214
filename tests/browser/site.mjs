// Shared set-up of the browser tests: serve dist/ on 127.0.0.1 and open it in Debian's
// Chromium through playwright-core (never a downloaded browser); skips cleanly when any part
// is missing.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { serveStatic } from './static-server.mjs';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const distDir = join(repoRoot, 'dist');
export const samplePath = join(repoRoot, 'web', 'public', 'sample.pcapng');
const chromiumPath = process.env.PCAPSCOPE_CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/**
 * Opens the built site in a fresh Chromium profile, closed (then removed) after test `t`.
 * Every request the browser makes (page and workers) is recorded in `requests` (URLs).
 * `root` serves another directory instead of dist/ (its index page need not exist).
 * @returns {Promise<{page: import('playwright-core').Page, pageErrors: Error[], requests: string[], url: string} | null>}
 *   null when the test was skipped (no browser, no dist/, no playwright-core).
 */
export async function openSite(t, { viewport, root = distDir } = {}) {
  if (!existsSync(chromiumPath)) return t.skip(`no browser at ${chromiumPath}`), null;
  if (root === distDir && !existsSync(join(distDir, 'index.html'))) {
    return t.skip('dist/ is not built (npm run build)'), null;
  }
  let chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch {
    return t.skip('playwright-core is not installed (npm install)'), null;
  }
  const server = await serveStatic(root);
  t.after(() => server.close());
  const profile = await mkdtemp(join(tmpdir(), 'pcapscope-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    args: CHROMIUM_ARGS,
    acceptDownloads: true,
  });
  const requests = [];
  context.on('request', (request) => requests.push(request.url()));
  // After hooks run in order: the browser must be gone before its profile is removed.
  t.after(async () => {
    await context.close();
    await rm(profile, { recursive: true, force: true });
  });
  const page = context.pages()[0] ?? (await context.newPage());
  if (viewport) await page.setViewportSize(viewport);
  const pageErrors = [];
  page.on('pageerror', (error) => pageErrors.push(error));
  await page.goto(server.url);
  return { page, pageErrors, requests, url: server.url, profile };
}

/** Where the views' screenshots go (test artifacts; build/ is git-ignored). */
export const screenshotDir = join(repoRoot, 'build', 'screenshots');

/** Saves a screenshot of the page as build/screenshots/NAME.png. */
export async function screenshot(page, name, options = {}) {
  await mkdir(screenshotDir, { recursive: true });
  await page.screenshot({ path: join(screenshotDir, `${name}.png`), ...options });
}

/** Waits until capture `name` is open (its summary shown). */
export async function waitForCapture(page, name, timeout = 30000) {
  await page.waitForFunction(
    (n) => !document.querySelector('#app').hidden &&
      document.querySelector('#summary-title')?.textContent === n,
    name, { timeout });
}

/** Clicks tab `id` (summary, packets, conversations, …) and waits for its panel. */
export async function openTab(page, id) {
  await page.click(`#tab-${id}`);
  await page.waitForSelector(`#panel-${id}:not([hidden])`);
}

/** Dispatches a drop of `bytes` as file `name` on the page. */
export async function dropFile(page, bytes, name) {
  const dataTransfer = await page.evaluateHandle(async ([b64, n]) => {
    const raw = atob(b64);
    const data = new Uint8Array(raw.length);
    for (let i = 0; i < raw.length; i++) data[i] = raw.charCodeAt(i);
    const dt = new DataTransfer();
    dt.items.add(new File([data], n));
    return dt;
  }, [Buffer.from(bytes).toString('base64'), name]);
  await page.dispatchEvent('body', 'drop', { dataTransfer });
}

/** The native CLI: $PCAPSCOPE_CLI, else the newer of build/release and build/debug; or null. */
export function cliPath() {
  if (process.env.PCAPSCOPE_CLI) return process.env.PCAPSCOPE_CLI;
  const found = ['release', 'debug'].map((p) => join(repoRoot, 'build', p, 'cli', 'pcapscope')).filter(existsSync);
  found.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  return found[0] ?? null;
}

/** Runs the CLI; resolves to stdout (a Buffer); rejects on a non-zero exit. */
export function cli(args) {
  return new Promise((ok, fail) => {
    execFile(cliPath(), args, { maxBuffer: 1 << 30, encoding: 'buffer' }, (error, stdout, stderr) => {
      if (error) fail(new Error(`pcapscope ${args.join(' ')}: ${stderr.toString() || error.message}`));
      else ok(stdout);
    });
  });
}

/** Lines of NDJSON the CLI prints, parsed. */
export async function cliRecords(args) {
  const text = (await cli(args)).toString('utf8');
  return text.split('\n').filter(Boolean).map((line) => JSON.parse(line));
}

/**
 * Resident memory (bytes) of the browser started with profile directory `profile` and all
 * its child processes (renderer, worker, GPU), from ps; null when ps is unavailable.
 */
export function browserMemory(profile) {
  try {
    const rows = execFileSync('ps', ['-eo', 'pid=,ppid=,rss=,args='], { encoding: 'utf8' }).trim().split('\n')
      .map((line) => {
        const [pid, ppid, rss, ...args] = line.trim().split(/\s+/);
        return { pid: Number(pid), ppid: Number(ppid), rss: Number(rss) * 1024, args: args.join(' ') };
      });
    const roots = rows.filter((r) => r.args.includes(profile));
    const ids = new Set(roots.map((r) => r.pid));
    for (let grew = true; grew;) {
      grew = false;
      for (const r of rows) if (!ids.has(r.pid) && ids.has(r.ppid)) { ids.add(r.pid); grew = true; }
    }
    return rows.filter((r) => ids.has(r.pid)).reduce((sum, r) => sum + r.rss, 0);
  } catch {
    return null;
  }
}
