// Benchmark suite (bench/suite.py): end to end in headless Chromium — a page picks the capture
// file in an <input type=file> (as a user would) and runs the npm package's browser
// openCapture on the File (read in 1 MiB chunks, BYOB, fed to the wasm pass on the page's thread).
// Serves the repository's wasm/ directory itself on 127.0.0.1 (no build of the web app
// needed); drives Debian's Chromium through playwright-core. Prints one JSON line: packets,
// seconds (openCapture only; the module is loaded first), load_seconds (with --from-memory, also
// the reading of the File into memory), page errors.
// With --read-only the page only reads the File to its end as openCapture does (the package's
// source for a Blob; bytes counted, nothing parsed): the browser's own file-reading time, the
// floor under the end-to-end figure.
// With --from-memory the page first reads the whole File into one ArrayBuffer (untimed), then
// times openCapture on those bytes: Chromium's wasm on the same pass with no file reading.
// cpu_seconds is the CPU time (user + system) the browser's own processes spent during the
// timed call, from /proc (Linux; absent elsewhere), and cpu_by_process splits it into the
// browser process, the renderers (the page and its workers) and the others (GPU, utility).
// Exit status 3 when Chromium or playwright-core is missing (the suite then skips this).
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
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
  import { DEFAULT_CHUNK_SIZE } from '/wasm/js/capture.js';
  import { openCommonSource } from '/wasm/js/sources.js';
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
  // Reads the File as openCapture does (the package's own source: BYOB reads into two buffers
  // used in turn where the stream has them), without parsing: bytes counted.
  window.benchRead = async () => {
    const t0 = performance.now();
    const src = openCommonSource(document.querySelector('#f').files[0], DEFAULT_CHUNK_SIZE);
    let bytes = 0;
    if (src.readInto) {
      const buffers = [new Uint8Array(DEFAULT_CHUNK_SIZE), new Uint8Array(DEFAULT_CHUNK_SIZE)];
      for (let i = 0; ; i ^= 1) {
        const chunk = await src.readInto(buffers[i]);
        if (!chunk.byteLength) break;
        bytes += chunk.byteLength;
        buffers[i] = new Uint8Array(chunk.buffer, 0, DEFAULT_CHUNK_SIZE);
      }
    } else {
      for (let chunk; (chunk = await src.read());) bytes += chunk.byteLength;
    }
    await src.close();
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

/**
 * CPU seconds (user + system) of every process descended from this one (the browser's), by
 * pid with its kind (`--type=` of its command line; none: the browser process). Empty where
 * /proc cannot be read.
 */
async function browserCpu() {
  const all = new Map();
  let entries = [];
  try {
    entries = await readdir('/proc');
  } catch {
    return all;
  }
  for (const e of entries) {
    if (!/^[0-9]+$/.test(e)) continue;
    try {
      const stat = await readFile(`/proc/${e}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');  // from field 3, the state
      // NUL-separated, or one string once Chromium has retitled the process.
      const args = (await readFile(`/proc/${e}/cmdline`, 'utf8')).split(/[\0 ]/);
      const type = args.find((a) => a.startsWith('--type='))?.slice(7) ?? 'browser';
      all.set(Number(e), { ppid: Number(f[1]), type, cpu: (Number(f[11]) + Number(f[12])) / 100 });  // USER_HZ
    } catch {
      // the process ended meanwhile
    }
  }
  const mine = new Set([process.pid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const [pid, p] of all) {
      if (!mine.has(pid) && mine.has(p.ppid)) {
        mine.add(pid);
        grew = true;
      }
    }
  }
  mine.delete(process.pid);
  return new Map([...all].filter(([pid]) => mine.has(pid)));
}

/** What the browser's processes spent between two browserCpu() samples, by kind. */
function cpuSpent(before, after) {
  const by = { browser: 0, renderer: 0, other: 0 };
  for (const [pid, p] of after) {
    const spent = p.cpu - (before.get(pid)?.cpu ?? 0);
    by[p.type === 'browser' || p.type === 'renderer' ? p.type : 'other'] += spent;
  }
  const round = (x) => Math.round(x * 100) / 100;
  return { cpu_seconds: round(by.browser + by.renderer + by.other),
    cpu_by_process: { browser: round(by.browser), renderer: round(by.renderer), other: round(by.other) } };
}

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
  // The module is loaded (and, --from-memory, the File read) before the timed call, so the CPU
  // sample around the whole call counts some of that too: the figure is an upper bound.
  const before = await browserCpu();
  const r = await page.evaluate(([readOnly, fromMemory]) => (readOnly ? window.benchRead() : window.benchRun(fromMemory)),
    [readOnly, fromMemory]);
  const cpu = before.size ? cpuSpent(before, await browserCpu()) : {};
  console.log(JSON.stringify({ ...r, ...cpu, errors }));
} catch (e) {
  console.error(String(e?.stack ?? e));
  status = 1;
} finally {
  await context?.close();
  await rm(profile, { recursive: true, force: true });
  server.close();
}
process.exit(status);
