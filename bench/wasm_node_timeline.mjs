// Where Node's pass spends its time along the file: runs the npm package's openCapture on FILE
// PASSES times in one process (default 2: the first pass is the cold one the suite times, the
// later ones run on code V8 has already optimized and memory already touched) and prints, per
// pass, the whole time, the time at which the pass had read 1, 4, 8, 16, 28, 48, 80, 160, 320
// and 640 MiB (from onProgress), the ms per MiB after 80 MiB, and the process's minor page
// faults during the pass. Diagnostic only (bench/README.md, Fourteenth round); V8 flags such as
// --no-liftoff --no-wasm-lazy-compilation can be given to node to compare.
//
//   node bench/wasm_node_timeline.mjs FILE [PASSES]
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

import { openCapture, preload } from '../wasm/js/node.js';

const path = process.argv[2];
const passes = Number(process.argv[3] ?? 2);
if (!path || !(passes >= 1)) {
  console.error('usage: node bench/wasm_node_timeline.mjs FILE [PASSES]');
  process.exit(2);
}

// Minor page faults of the process so far (field 10 of /proc/self/stat), or null.
function minorFaults() {
  try {
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
    return Number(fields[7]);
  } catch {
    return null;
  }
}

const MIB = 1 << 20;
const marks = [1, 4, 8, 16, 28, 48, 80, 160, 320, 640];
await preload();
for (let pass = 0; pass < passes; pass++) {
  const progress = [];  // [ms since the start, MiB read]
  const faults0 = minorFaults();
  const t0 = performance.now();
  const capture = await openCapture(path, {
    onProgress: (p) => progress.push([performance.now() - t0, p.bytesRead / MIB]),
  });
  const total = performance.now() - t0;
  const faults = faults0 === null ? null : minorFaults() - faults0;
  const at = (mib) => progress.find(([, read]) => read >= mib)?.[0] ?? null;
  const reached = marks.filter((mib) => at(mib) !== null);
  const read = progress.length ? progress[progress.length - 1][1] : 0;
  const after80 = at(80) !== null && read > 80 ? (total - at(80)) / (read - 80) : null;
  console.log(JSON.stringify({
    pass,
    ms: Math.round(total),
    packets: capture.summary().packets,
    ms_at_mib: Object.fromEntries(reached.map((mib) => [mib, Math.round(at(mib))])),
    ms_per_mib_after_80: after80 === null ? null : Number(after80.toFixed(3)),
    minor_faults: faults,
  }));
  await capture.close?.();
}
