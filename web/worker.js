// The module Web Worker that owns the wasm module: reads a File in slices through the pcapscope
// package, posts progress, honours cancel, and returns the summary. The page never touches wasm.
//
// Messages in:  {type: 'open', id, file}   {type: 'cancel', id}
// Messages out: {type: 'progress', id, bytesRead, total, packets, mbPerSec}
//               {type: 'summary', id, summary, seconds}
//               {type: 'error', id, name, message, offset}
//               {type: 'cancelled', id}
import { openCapture, preload, CaptureFormatError } from '../wasm/js/browser.js';

/** The one capture being read: its request id and how to stop it. */
let current = null;

/** Progress messages are throttled to this interval (the last one is always sent). */
const PROGRESS_INTERVAL_MS = 100;

preload().catch(() => {});  // warm up; a failure is reported by the first open

async function openFile(id, file) {
  current?.controller.abort();
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
    const summary = capture.summary();
    capture.close();
    const seconds = (performance.now() - started) / 1000;
    self.postMessage({ type: 'summary', id, summary, seconds });
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

self.onmessage = (event) => {
  const msg = event.data;
  if (msg.type === 'open') openFile(msg.id, msg.file);
  else if (msg.type === 'cancel' && current && current.id === msg.id) current.controller.abort();
};
