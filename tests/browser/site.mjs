// Shared set-up of the browser tests: serve dist/ on 127.0.0.1 and open it in Debian's
// Chromium through playwright-core (never a downloaded browser); skips cleanly when any part
// is missing.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
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
 * @returns {Promise<{page: import('playwright-core').Page, pageErrors: Error[], url: string} | null>}
 *   null when the test was skipped (no browser, no dist/, no playwright-core).
 */
export async function openSite(t, { viewport } = {}) {
  if (!existsSync(chromiumPath)) return t.skip(`no browser at ${chromiumPath}`), null;
  if (!existsSync(join(distDir, 'index.html'))) return t.skip('dist/ is not built (npm run build)'), null;
  let chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch {
    return t.skip('playwright-core is not installed (npm install)'), null;
  }
  const server = await serveStatic(distDir);
  t.after(() => server.close());
  const profile = await mkdtemp(join(tmpdir(), 'pcapscope-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    args: CHROMIUM_ARGS,
  });
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
  return { page, pageErrors, url: server.url };
}
