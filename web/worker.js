// The module Web Worker that owns the wasm module: reads a File in slices through the pcapscope
// package, posts progress, honours cancel, returns the summary, then keeps the capture open to
// answer the page's queries (pages of packet-list rows, one packet's detail, the conversation,
// endpoint and DNS tables). The page never touches wasm.
//
// Messages in:  {type: 'open', id, file}   {type: 'cancel', id}
//               {type: 'rows', id, req, start, count}   {type: 'packet', id, req, number}
//               {type: 'table', id, req, name: 'flows' | 'endpoints' | 'dns'}
// Messages out: {type: 'progress', id, bytesRead, total, packets, mbPerSec}
//               {type: 'summary', id, summary, seconds, packetCount}
//               {type: 'error', id, name, message, offset}
//               {type: 'cancelled', id}
//               {type: 'reply', id, req, result} | {type: 'reply', id, req, error}
// Row columns and packet bytes are transferred (typed arrays), not cloned; tables (one plain
// object per flow / endpoint / DNS transaction, far fewer than packets) are cloned.
import { openCapture, preload, CaptureFormatError } from '../wasm/js/browser.js';

/** The one capture being read: its request id and how to stop it. */
let current = null;
/** The capture that was read last and answers queries: {id, capture}. */
let open = null;

/** Progress messages are throttled to this interval (the last one is always sent). */
const PROGRESS_INTERVAL_MS = 100;

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
    open = { id, capture };
    const summary = capture.summary();
    const seconds = (performance.now() - started) / 1000;
    self.postMessage({ type: 'summary', id, summary, seconds, packetCount: capture.packetCount });
  } catch (error) {
    if (controller.signal.aborted) {
      self.postMessage({ type: 'cancelled', id });
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

/** Tables a 'table' query may ask for (Capture methods). */
const TABLES = new Set(['flows', 'endpoints', 'dns']);

/** Answers a query about the open capture; replies go to request `req`. */
async function query(msg) {
  const reply = (result, transfer = []) =>
    self.postMessage({ type: 'reply', id: msg.id, req: msg.req, result }, { transfer });
  try {
    if (!open || open.id !== msg.id) throw new Error('that capture is no longer open');
    if (msg.type === 'rows') {
      const rows = await open.capture.packets({ start: msg.start, count: msg.count });
      reply(rows, [rows.number.buffer, rows.time.buffer, rows.length.buffer]);
    } else if (msg.type === 'table') {
      if (!TABLES.has(msg.name)) throw new Error(`no table ${msg.name}`);
      reply(await open.capture[msg.name]());
    } else {
      const packet = await open.capture.packet(msg.number);
      reply(packet, [packet.bytes.buffer]);
    }
  } catch (error) {
    self.postMessage({ type: 'reply', id: msg.id, req: msg.req, error: String(error?.message ?? error) });
  }
}

self.onmessage = (event) => {
  const msg = event.data;
  if (msg.type === 'open') openFile(msg.id, msg.file);
  else if (msg.type === 'cancel' && current && current.id === msg.id) current.controller.abort();
  else if (msg.type === 'rows' || msg.type === 'packet' || msg.type === 'table') query(msg);
};
