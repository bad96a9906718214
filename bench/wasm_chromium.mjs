// Benchmark suite (bench/suite.py): end to end in headless Chromium — a page picks the capture
// file in an <input type=file> (as a user would) and runs the npm package's browser
// openCapture on the File (1 MiB slices fed to the wasm index pass on the page's thread).
// Serves the repository's wasm/ directory itself on 127.0.0.1 (no build of the web app
// needed); drives Debian's Chromium through playwright-core. Prints one JSON line: packets,
// seconds (openCapture only; the module is loaded first), load_seconds (with --from-memory, also
// the reading of the File into memory), page errors.
// With --read-only the page only reads the File's stream to its end (bytes counted, nothing
// parsed): the browser's own file-reading time, the floor under the end-to-end figure.
// With --from-memory the page first reads the whole File into one ArrayBuffer (untimed), then
// times openCapture on those bytes: Chromium's wasm on the same pass with no file reading.
// Exit status 3 when Chromium or playwright-core is missing (the suite then skips this).
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const chromiumPath = process.env.PCAPSCOPE_CHROMIUM ?? '/usr/bin/chromium';
const file = process.argv[2];
const readOnly = process.argv.includes('--read-only');
const fromMemory = process.argv.includes('--from-memory');
if (!file) {
  console.error('usage: node bench/wasm_chromium.mjs FILE [--read-only]');
  process.exit(2);
}
if (!existsSync(chromiumPath)) {
  console.error(`no browser at ${chromiumPath}`);
  process.exit(3);
}
let chromium;
try {
  ({ chromium } = await import('playwright-core'));
} catch {
  console.error('playwright-core is not installed (npm install)');
  process.exit(3);
}

const PAGE = `<!doctype html><meta charset="utf-8"><title>bench</title><input type="file" id="f">
<script type="module">
  import { openCapture, preload } from '/wasm/js/browser.js';
  window.benchRun = async (fromMemory) => {
    const t0 = performance.now();
    await preload();
    const file = document.querySelector('#f').files[0];
    const source = fromMemory ? await file.arrayBuffer() : file;
    const t1 = performance.now();
    const capture = await openCapture(source);
    const t2 = performance.now();
    const packets = capture.packetCount;
    await capture.close();
    return { packets, seconds: (t2 - t1) / 1000, load_seconds: (t1 - t0) / 1000 };
  };
  // Reads the File as openCapture does (its stream), without parsing: bytes and chunks counted.
  window.benchRead = async () => {
    const t0 = performance.now();
    const reader = document.querySelector('#f').files[0].stream().getReader();
    let bytes = 0;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      bytes += value.byteLength;
    }
    return { bytes, seconds: (performance.now() - t0) / 1000 };
  };
  window.benchReady = true;
</script>`;
const TYPES = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm' };

const server = createServer(async (req, res) => {
  const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
  if (path === '/') {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(PAGE);
    return;
  }
  const local = normalize(join(root, path));
  if (!local.startsWith(join(root, 'wasm') + '/')) {
    res.writeHead(404);
    res.end();
    return;
  }
  try {
    const body = await readFile(local);
    res.writeHead(200, { 'content-type': TYPES[extname(local)] ?? 'application/octet-stream' });
    res.end(body);
  } catch {
    res.writeHead(404);
    res.end();
  }
});
await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
const url = `http://127.0.0.1:${server.address().port}/`;

const profile = await mkdtemp(join(tmpdir(), 'pcapscope-bench-chromium-'));
let context;
let status = 0;
try {
  context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(url);
  await page.waitForFunction(() => window.benchReady === true, null, { timeout: 30000 });
  await page.setInputFiles('#f', file);  // a local browser reads the path itself (no upload)
  const r = await page.evaluate(([readOnly, fromMemory]) => (readOnly ? window.benchRead() : window.benchRun(fromMemory)),
    [readOnly, fromMemory]);
  console.log(JSON.stringify({ ...r, errors }));
} catch (e) {
  console.error(String(e?.stack ?? e));
  status = 1;
} finally {
  await context?.close();
  await rm(profile, { recursive: true, force: true });
  server.close();
}
process.exit(status);
