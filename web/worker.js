// The module Web Worker that owns the wasm module: reads a File in slices through the pcapscope
// package, posts progress, honours cancel, returns the summary, then keeps the capture open to
// answer the page's calls (packet-list pages, a packet's detail, tables, the display-filter
// selection, follow stream, export, timeline and statistics). The page never touches wasm.
//
// Messages in:  {type: 'open', id, file}   {type: 'cancel', id}
//               {type: 'call', id, req, method, args}   (methods: see CALLS below)
// Messages out: {type: 'progress', id, bytesRead, total, packets, mbPerSec}
//               {type: 'summary', id, summary, seconds, packetCount, capabilities, counts}
//               {type: 'error', id, name, message, offset}   {type: 'cancelled', id}
//               {type: 'part', req, result: [...]}  (pieces of a long array result)
//               {type: 'reply', req, result, parted?} | {type: 'reply', req, error, details}
//               {type: 'fatal', message}   the wasm instance failed; the page replaces the worker
// Typed arrays (rows, bytes, exports) are transferred, not cloned; tables come in parts of
// PART_SIZE records so that no single message takes long to clone on the page.
import { openCapture, preload, CaptureFormatError } from '../wasm/js/browser.js';

/** The one capture being read: its request id and how to stop it. */
let current = null;
/** The capture that was read last and answers calls: {id, capture, selection}. */
let open = null;

/**
 * The flows (ids, sorted) and their Zeek uids that the selected packets belong to, so the page
 * can narrow the conversation and log tables to what the display filter selects.
 */
async function flowsOf(capture, numbers) {
  open.flowColumn ??= capture.index().flow;
  if (!open.uidOfFlow) {
    open.uidOfFlow = new Map();
    for (const r of await capture.flows()) open.uidOfFlow.set(r.flow_id, r.uid);
  }
  const column = open.flowColumn;
  const seen = new Uint8Array(open.uidOfFlow.size + 2);
  const ids = [];
  for (const n of numbers) {
    const id = column[n - 1];
    if (id !== 0 && id < seen.length && !seen[id]) {
      seen[id] = 1;
      ids.push(id);
    }
  }
  ids.sort((a, b) => a - b);
  return { flows: Uint32Array.from(ids), uids: ids.map((id) => open.uidOfFlow.get(id)).filter(Boolean) };
}

/** Progress messages are throttled to this interval (the last one is always sent). */
const PROGRESS_INTERVAL_MS = 100;
/** Records per 'part' message of a table. */
const PART_SIZE = 250;
/** Capture methods the page may use when this build of the package has them. */
const OPTIONAL = ['select', 'follow', 'exportCapture', 'timeSeries', 'statistics', 'protocolHierarchy',
  'http', 'tls', 'quic', 'dhcp', 'objects', 'object'];
/** Tables a 'table' call may ask for (Capture methods returning arrays of records). */
const TABLES = new Set(['flows', 'endpoints', 'dns', 'http', 'tls', 'quic', 'dhcp', 'objects']);

const isFatal = (error) =>
  error instanceof WebAssembly.RuntimeError ||
  /Aborted\(|out of memory|\bOOM\b|memory access out of bounds/i.test(String(error?.message ?? error));

/** Tells the page the instance is broken (it terminates this worker and starts another). */
function fatal(error) {
  self.postMessage({ type: 'fatal', message: `${error?.name ?? 'Error'}: ${error?.message ?? error}` });
}

preload().catch(() => {});  // warm up; a failure is reported by the first open

async function openFile(id, file) {
  current?.controller.abort();
  if (open) {
    open.capture.close();
    open = null;
  }
  const controller = new AbortController();
  current = { id, controller };
  const started = performance.now();
  let lastPost = 0;
  const post = (p, force) => {
    const now = performance.now();
    if (!force && now - lastPost < PROGRESS_INTERVAL_MS) return;
    lastPost = now;
    const seconds = (now - started) / 1000;
    self.postMessage({
      type: 'progress',
      id,
      bytesRead: p.bytesRead,
      total: p.total,
      packets: p.packets,
      seconds,
      mbPerSec: seconds > 0 ? p.bytesRead / 1e6 / seconds : 0,
    });
  };
  try {
    const capture = await openCapture(file, {
      signal: controller.signal,
      onProgress: (p) => post(p, p.total !== null && p.bytesRead === p.total),
    });
    if (current?.id !== id) {  // superseded while finishing
      capture.close();
      return;
    }
    open = { id, capture, selection: null };
    const summary = capture.summary();
    const seconds = (performance.now() - started) / 1000;
    const capabilities = OPTIONAL.filter((m) => typeof capture[m] === 'function');
    self.postMessage({
      type: 'summary', id, summary, seconds, packetCount: capture.packetCount, capabilities, counts: tableCounts(capture),
    });
  } catch (error) {
    if (controller.signal.aborted) {
      self.postMessage({ type: 'cancelled', id });
    } else if (isFatal(error)) {
      fatal(error);
    } else {
      self.postMessage({
        type: 'error',
        id,
        name: error instanceof CaptureFormatError ? 'CaptureFormatError' : (error?.name ?? 'Error'),
        message: String(error?.message ?? error),
        offset: error?.offset,
      });
    }
  } finally {
    if (current?.id === id) current = null;
  }
}

/** A "nice" bucket width (seconds) giving at most `maxBuckets` buckets over `span` seconds. */
function bucketWidth(span, maxBuckets) {
  const steps = [1, 2, 5];
  for (let exp = -3; exp < 8; exp++) {
    for (const s of steps) {
      const width = s * 10 ** exp;
      if (span / width <= maxBuckets) return width;
    }
  }
  return 1e8;
}

/**
 * Packets and bytes per time bucket from the index: {start: seconds since the first packet of
 * bucket 0, width: bucket seconds, packets: Float64Array, bytes: Float64Array, untimed}.
 */
function timeline(index, maxBuckets) {
  const { ts, origlen, flags } = index;
  const n = ts.length;
  let first = -1;
  for (let i = 0; i < n; i++) if (!(flags[i] & 0x20)) { first = i; break; }
  if (first < 0) return { start: 0, width: 1, packets: new Float64Array(0), bytes: new Float64Array(0), untimed: n };
  const t0 = ts[first];
  const rel = new Float64Array(n);
  let lo = Infinity;
  let hi = -Infinity;
  let untimed = 0;
  for (let i = 0; i < n; i++) {
    if (flags[i] & 0x20) {
      rel[i] = NaN;
      untimed++;
      continue;
    }
    const r = Number(ts[i] - t0) / 1e9;
    rel[i] = r;
    if (r < lo) lo = r;
    if (r > hi) hi = r;
  }
  const width = bucketWidth(Math.max(hi - lo, 1e-3), maxBuckets);
  const start = Math.floor(lo / width) * width;
  const count = Math.max(1, Math.floor((hi - start) / width) + 1);
  const packets = new Float64Array(count);
  const bytes = new Float64Array(count);
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(rel[i])) continue;
    const b = Math.min(count - 1, Math.floor((rel[i] - start) / width));
    packets[b]++;
    bytes[b] += origlen[i];
  }
  return { start, width, packets, bytes, untimed };
}

/** Packet-size bins as Wireshark's Packet Lengths statistics. */
const SIZE_BINS = [[0, 19], [20, 39], [40, 79], [80, 159], [160, 319], [320, 639], [640, 1279],
  [1280, 2559], [2560, 5119], [5120, Infinity]];

/** Protocol breakdown (highest protocol per packet) and packet sizes, from the index. */
function indexStatistics(index) {
  const byTop = new Map();
  const sizes = SIZE_BINS.map(([lo, hi]) => ({ label: hi === Infinity ? `${lo} and more` : `${lo}–${hi}`, packets: 0, bytes: 0 }));
  const { top, origlen, protocolNames } = index;
  const counts = new Float64Array(256);
  const bytes = new Float64Array(256);
  for (let i = 0; i < top.length; i++) {
    counts[top[i]]++;
    bytes[top[i]] += origlen[i];
    const len = origlen[i];
    let b = 0;
    while (len > SIZE_BINS[b][1]) b++;
    sizes[b].packets++;
    sizes[b].bytes += len;
  }
  for (let code = 0; code < 256; code++) {
    if (!counts[code]) continue;
    const name = protocolNames[code] || 'other';
    const entry = byTop.get(name) ?? { name, packets: 0, bytes: 0 };
    entry.packets += counts[code];
    entry.bytes += bytes[code];
    byTop.set(name, entry);
  }
  const protocols = [...byTop.values()].sort((a, b) => b.packets - a.packets);
  return { protocols, sizes };
}

/** Top talkers (IP endpoints) and top services (responder port per transport) from the logs. */
function logStatistics(endpoints, flows, top = 10) {
  const ips = endpoints.filter((e) => e.type !== 'mac');
  const talkersByBytes = [...ips].sort((a, b) => b.bytes - a.bytes).slice(0, top)
    .map((e) => ({ address: e.address, packets: e.packets, bytes: e.bytes }));
  const talkersByPackets = [...ips].sort((a, b) => b.packets - a.packets).slice(0, top)
    .map((e) => ({ address: e.address, packets: e.packets, bytes: e.bytes }));
  const ports = new Map();
  for (const f of flows) {
    if (f.proto !== 'tcp' && f.proto !== 'udp') continue;
    const key = `${f.proto}/${f['id.resp_p']}`;
    const entry = ports.get(key) ?? { port: key, service: f.service ?? '', flows: 0, packets: 0, bytes: 0 };
    entry.flows++;
    entry.packets += f.orig_pkts + f.resp_pkts;
    entry.bytes += f.orig_ip_bytes + f.resp_ip_bytes;
    if (!entry.service && f.service) entry.service = f.service;
    ports.set(key, entry);
  }
  const services = [...ports.values()].sort((a, b) => b.flows - a.flows || b.bytes - a.bytes).slice(0, top);
  return { talkersByBytes, talkersByPackets, services };
}

/**
 * Rows of each table, from the analysis summary (known without building any record), so the
 * page can show counts and decide which tables to fetch at once; null without analysis().
 */
function tableCounts(capture) {
  if (typeof capture.analysis !== 'function') return null;
  try {
    const a = capture.analysis();
    return {
      ...a.records,
      flows: a.flows?.total ?? 0,
      endpoints: (a.endpoints?.ip ?? 0) + (a.endpoints?.mac ?? 0),
    };
  } catch {
    return null;
  }
}

/** What each call does with the open capture: returns [result, transfer?] or a parted array. */
const CALLS = {
  async rows(capture, { start, count, selectionId }) {
    const options = { start, count };
    if (selectionId) {
      if (open.selection?.id !== selectionId) throw new Error('the filter changed');
      options.selection = open.selection.result;
    }
    const rows = await capture.packets(options);
    return [rows, [rows.number.buffer, rows.time.buffer, rows.length.buffer]];
  },
  async packet(capture, { number }) {
    const packet = await capture.packet(number);
    return [packet, [packet.bytes.buffer]];
  },
  async table(capture, { name }) {
    if (!TABLES.has(name) || typeof capture[name] !== 'function') throw new Error(`no table ${name}`);
    return { parted: await capture[name]() };
  },
  async select(capture, { expr, selectionId }) {
    open.selection = null;
    const result = await capture.select(expr);
    open.selection = { id: selectionId, result };
    const numbers = result.numbers.slice();
    const { flows, uids } = await flowsOf(capture, result.numbers);
    return [{ count: result.count, numbers, flows, uids }, [numbers.buffer, flows.buffer]];
  },
  async clearSelection() {
    open.selection = null;
    return [null];
  },
  async follow(capture, { flowId }) {
    const result = await capture.follow(flowId);
    const transfer = [result.data?.buffer].filter(Boolean);
    return [result, transfer];
  },
  async exportCapture(capture, { format, selectionId }) {
    const options = { format };
    if (selectionId) {
      if (open.selection?.id !== selectionId) throw new Error('the filter changed');
      options.selection = open.selection.result;
    }
    const bytes = await capture.exportCapture(options);
    return [bytes, [bytes.buffer]];
  },
  async timeline(capture, { maxBuckets = 400 }) {
    let t;
    if (typeof capture.timeSeries === 'function') {
      // The package's series start at the first packet (frame.time_relative 0).
      const duration = Number(capture.summary().duration) || 0;
      const series = await capture.timeSeries({ bucketMs: Math.max(1, (duration * 1000) / maxBuckets) });
      t = {
        start: 0, width: series.bucketMs / 1000, packets: Float64Array.from(series.packets),
        bytes: Float64Array.from(series.bytes), untimed: 0, source: 'timeSeries',
      };
    } else {
      t = timeline(capture.index(), maxBuckets);
    }
    return [t, [t.packets.buffer, t.bytes.buffer]];
  },
  async statistics(capture) {
    const fromIndex = indexStatistics(capture.index());
    if (typeof capture.statistics !== 'function') {
      return [{ ...fromIndex, ...logStatistics(await capture.endpoints(), await capture.flows()) }];
    }
    // The package's figures (the same as `pcapscope analyze --json`).
    const s = await capture.statistics({ top: 10 });
    const talker = (e) => ({ address: e.addr, packets: e.packets, bytes: e.bytes });
    return [{
      protocols: fromIndex.protocols,
      talkersByBytes: s.top_talkers.by_bytes.map(talker),
      talkersByPackets: s.top_talkers.by_packets.map(talker),
      services: s.ports.map((p) => ({ port: `${p.proto}/${p.port}`, service: p.service ?? '', flows: p.flows, packets: p.packets, bytes: p.bytes })),
      serviceTotals: s.services,
      sizes: s.packet_lengths.map((b) => ({
        label: b.max_len === null || b.max_len === undefined ? `${b.min_len} and more` : `${b.min_len}–${b.max_len}`,
        packets: b.packets, bytes: b.bytes,
      })),
    }];
  },
  async hierarchy(capture) {
    return [typeof capture.protocolHierarchy === 'function' ? await capture.protocolHierarchy() : null];
  },
  async object(capture, { index }) {
    const object = await capture.object(index);
    const data = object?.data ?? object?.bytes;
    return [object, data?.buffer ? [data.buffer] : []];
  },
};

/** Answers a call about the open capture; replies go to request `req`. */
async function call(msg) {
  try {
    if (!open || open.id !== msg.id) throw new Error('that capture is no longer open');
    const fn = CALLS[msg.method];
    if (!fn) throw new Error(`no method ${msg.method}`);
    const out = await fn(open.capture, msg.args ?? {});
    if (out && out.parted) {
      const list = out.parted;
      for (let k = 0; k < list.length; k += PART_SIZE) {
        self.postMessage({ type: 'part', req: msg.req, result: list.slice(k, k + PART_SIZE) });
      }
      self.postMessage({ type: 'reply', req: msg.req, parted: true });
      return;
    }
    const [result, transfer = []] = out;
    self.postMessage({ type: 'reply', req: msg.req, result }, { transfer });
  } catch (error) {
    if (isFatal(error)) {
      fatal(error);
      return;
    }
    // Numbers attached to the error (a filter error's position) travel with it.
    const details = {};
    for (const [k, v] of Object.entries(error ?? {})) {
      if (typeof v === 'number' || typeof v === 'string') details[k] = v;
    }
    if (error?.name) details.name = error.name;
    self.postMessage({ type: 'reply', req: msg.req, error: String(error?.message ?? error), details });
  }
}

self.onmessage = (event) => {
  const msg = event.data;
  if (msg.type === 'open') openFile(msg.id, msg.file);
  else if (msg.type === 'cancel' && current && current.id === msg.id) current.controller.abort();
  else if (msg.type === 'call') call(msg);
};

self.addEventListener('unhandledrejection', (event) => {
  if (isFatal(event.reason)) fatal(event.reason);
});
