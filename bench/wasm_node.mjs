// Benchmark suite (bench/suite.py): the npm package's openCapture in Node on a capture file —
// the wasm build reads the file in 1 MiB chunks and runs the analysis pass of `pcapscope
// analyze` (index, flows, endpoints, reassembly, application logs, statistics). Prints one
// JSON line: packets, seconds, cpu_seconds and main_cpu_seconds (the process's and its main
// thread's; openCapture only: module load excluded, it is done first), load_seconds, and the
// wasm memory size after the pass. Usage: node bench/wasm_node.mjs FILE [--warm]
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

import { openCapture, preload } from '../wasm/js/node.js';

// The wasm memory is internal to the package; catch it as the module is instantiated (the
// first Memory export of the instance) to report its size after the pass.
let wasmMemory = null;
for (const name of ['instantiate', 'instantiateStreaming']) {
  const original = WebAssembly[name];
  if (typeof original !== 'function') continue;
  WebAssembly[name] = async function (...args) {
    const result = await original.apply(this, args);
    const instance = result instanceof WebAssembly.Instance ? result : result.instance;
    for (const value of Object.values(instance?.exports ?? {})) {
      if (value instanceof WebAssembly.Memory) {
        wasmMemory ??= value;
        break;
      }
    }
    return result;
  };
}

const path = process.argv[2];
if (!path) {
  console.error('usage: node bench/wasm_node.mjs FILE');
  process.exit(2);
}
// CPU seconds of the main thread (the pass itself; libuv's reads, V8's compiling and GC run on
// other threads): utime + stime of /proc/self/task/PID/stat, in clock ticks (USER_HZ, 100 on
// Linux). Null where there is no /proc.
function mainThreadCpu() {
  try {
    const fields = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

const t0 = performance.now();
await preload();
// --warm (a reference, not the target's figure): open the capture once untimed first, so that
// the timed pass runs code V8 has already optimized, in a wasm memory already grown (the first
// pass's baseline-compiled code and page faults are what it leaves out; wasm/README.md, "JIT
// warm-up").
if (process.argv.includes('--warm')) await (await openCapture(path)).close();
const t1 = performance.now();
const cpu1 = process.cpuUsage();
const main1 = mainThreadCpu();
const capture = await openCapture(path);
const main2 = mainThreadCpu();
const cpu = process.cpuUsage(cpu1);
const t2 = performance.now();
const packets = capture.packetCount;
const summaryError = capture.summary().error ?? null;
const wasmBytes = wasmMemory ? wasmMemory.buffer.byteLength : null;  // it only grows: the peak
await capture.close();
console.log(JSON.stringify({
  packets,
  seconds: (t2 - t1) / 1000,
  cpu_seconds: (cpu.user + cpu.system) / 1e6,  // of the process: also V8's background compiling and GC
  main_cpu_seconds: main1 === null || main2 === null ? null : main2 - main1,  // 10 ms resolution
  load_seconds: (t1 - t0) / 1000,  // with --warm, the untimed pass as well
  wasm_memory_bytes: wasmBytes,
  error: summaryError,
}));
