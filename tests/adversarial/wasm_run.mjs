// Runs one capture through the npm package in Node (wasm/js/node.js): openCapture, then
// summary() and every log the Capture offers (flows, dns, http, tls, ..., and the analysis
// report when present). Prints one JSON line: counts, which of the given anomaly names appear
// in the results, the wasm memory size (it never shrinks, so this is the peak) and timings.
//   node tests/adversarial/wasm_run.mjs FILE [NAME,NAME...]
import { performance } from 'node:perf_hooks';

// Find the module's memory: exported by the instance, or created by the glue and imported.
const memories = [];
const OrigMemory = WebAssembly.Memory;
WebAssembly.Memory = function Memory(desc) {
  const m = new OrigMemory(desc);
  memories.push(m);
  return m;
};
WebAssembly.Memory.prototype = OrigMemory.prototype;
for (const name of ['instantiate', 'instantiateStreaming']) {
  const orig = WebAssembly[name];
  if (!orig) continue;
  WebAssembly[name] = async (...args) => {
    const r = await orig.apply(WebAssembly, args);
    const inst = r instanceof WebAssembly.Instance ? r : r.instance;
    for (const v of Object.values(inst?.exports ?? {})) if (v instanceof OrigMemory) memories.push(v);
    return r;
  };
}

const [file, namesArg = ''] = process.argv.slice(2);
const names = namesArg.split(',').filter(Boolean);
const out = { ok: true, error: null, calls: {}, found: [] };
const t0 = performance.now();
let capture = null;
const texts = [];
try {
  const { openCapture } = await import('../../wasm/js/node.js');
  capture = await openCapture(file);
  out.open_s = (performance.now() - t0) / 1000;
  const s = capture.summary();
  out.packets = s.packets;
  out.records_lost = s.records_lost;
  out.bytes_consumed = s.bytes_consumed;
  out.bytes_unparsed = s.bytes_unparsed;
  out.anomaly_counts = s.anomaly_counts;
  out.summary_error = s.error;
  out.readError = capture.readError ? String(capture.readError.message ?? capture.readError) : null;
  texts.push(capture.summaryJson());
  // Whatever logs and reports this version of the package has.
  for (const m of ['flows', 'dns', 'http', 'tls', 'dhcp', 'analysis', 'analyze', 'report']) {
    if (typeof capture[m] !== 'function') continue;
    const t = performance.now();
    try {
      const v = await capture[m]();
      out.calls[m] = { seconds: (performance.now() - t) / 1000, records: Array.isArray(v) ? v.length : null };
      // Look for the names record by record (a whole large log would not fit one string).
      for (const rec of Array.isArray(v) ? v : [v]) {
        if (out.found.length === names.length) break;
        const text = JSON.stringify(rec);
        for (const n of names) if (!out.found.includes(n) && text.includes(n)) out.found.push(n);
      }
    } catch (e) {
      out.calls[m] = { error: String(e?.message ?? e) };
      out.ok = false;
    }
  }
  for (const n of names) if (!out.found.includes(n) && texts.some((t) => t.includes(n))) out.found.push(n);
} catch (e) {
  out.ok = false;
  out.error = String(e?.stack ?? e);
} finally {
  try { await capture?.close(); } catch { /* reported above if it matters */ }
}
out.seconds = (performance.now() - t0) / 1000;
out.wasm_memory_bytes = Math.max(0, ...memories.map((m) => m.buffer.byteLength));
process.stdout.write(JSON.stringify(out) + '\n');
process.exitCode = out.ok ? 0 : 1;
