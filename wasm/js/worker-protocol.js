// The message protocol between openCaptureInWorker (worker-host.js, on the page) and the module
// Web Worker that owns the wasm module and the captures (worker.js). Requests carry an id; the
// worker answers each with {id, ok, result | error} and may send {id, progress} before. Typed
// arrays in results are fresh copies, so their buffers are transferred, never cloned.
//
//   page → worker: {id, op: 'open', source, options: {chunkSize, keepBytes, maxPackets}}
//                  {id, op: 'call', capture, method, args}   (args: plain data; no signals)
//                  {op: 'abort', target}                     (aborts request `target`)
//                  {id, op: 'close', capture}
//   worker → page: {id, progress}  {id, ok: true, result}  {id, ok: false, error}

/** Capture methods the worker runs for the page (everything asynchronous or data-only). */
export const CAPTURE_METHODS = [
  'index', 'packets', 'packet', 'select', 'follow', 'exportCapture', 'flows', 'endpoints', 'dns',
  'http', 'tls', 'quic', 'dhcp', 'timeSeries', 'statistics', 'protocolHierarchy', 'objects', 'object',
  'protocolHierarchyText', 'analysis', 'filterTables',
];

/** Methods whose options accept {signal, onProgress}, as their last argument. */
const OPTION_ARG = { select: 1, follow: 1, exportCapture: 0, object: 1 };

/** Buffers of the typed arrays in `value` (top level, arrays and plain objects, 3 levels). */
export function transferables(value, out = [], depth = 0) {
  if (value === null || typeof value !== 'object' || depth > 3) return out;
  if (ArrayBuffer.isView(value)) {
    if (!out.includes(value.buffer) && !(typeof SharedArrayBuffer !== 'undefined' &&
        value.buffer instanceof SharedArrayBuffer)) out.push(value.buffer);
    return out;
  }
  if (Array.isArray(value)) {
    for (const v of value.length > 64 ? [] : value) transferables(v, out, depth + 1);
    return out;
  }
  for (const v of Object.values(value)) transferables(v, out, depth + 1);
  return out;
}

/** An error as plain data (the fields of CaptureFormatError, FilterError, AbortError). */
export function errorData(error) {
  const e = error ?? {};
  return {
    name: e.name ?? 'Error', message: e.message ?? String(error), offset: e.offset,
    expr: e.expr, start: e.start, end: e.end, hint: e.hint, code: e.code,
  };
}

/**
 * Serves captures over `port` (the worker's `self`, or a MessagePort): opens them with
 * `openCapture` and runs their methods on request.
 * @param {{postMessage: Function, addEventListener: Function, start?: Function}} port
 * @param {(source: unknown, options: object) => Promise<object>} openCapture
 */
export function serveCaptures(port, openCapture) {
  const captures = new Map();
  const controllers = new Map();
  let nextCapture = 1;
  const reply = (id, result) => {
    let transfer = [];
    try {
      transfer = transferables(result);
      port.postMessage({ id, ok: true, result }, transfer);
    } catch (error) {
      port.postMessage({ id, ok: false, error: errorData(error) });
    }
  };
  const fail = (id, error) => port.postMessage({ id, ok: false, error: errorData(error) });

  port.addEventListener('message', async (event) => {
    const msg = event.data;
    if (!msg || typeof msg !== 'object') return;
    if (msg.op === 'abort') {
      controllers.get(msg.target)?.abort(new DOMException('This operation was aborted', 'AbortError'));
      return;
    }
    const { id } = msg;
    const controller = new AbortController();
    controllers.set(id, controller);
    const onProgress = (progress) => port.postMessage({ id, progress });
    try {
      if (msg.op === 'open') {
        const capture = await openCapture(msg.source, { ...msg.options, signal: controller.signal, onProgress });
        const handle = nextCapture++;
        captures.set(handle, capture);
        reply(id, {
          capture: handle, summaryJson: capture.summaryJson(), packetCount: capture.packetCount,
          compression: capture.compression, readError: capture.readError,
        });
      } else if (msg.op === 'call') {
        const capture = captures.get(msg.capture);
        if (!capture) throw new Error('the capture is closed');
        if (!CAPTURE_METHODS.includes(msg.method) || typeof capture[msg.method] !== 'function') {
          throw new TypeError(`no method ${msg.method}`);
        }
        const args = [...(msg.args ?? [])];
        const at = OPTION_ARG[msg.method];
        if (at !== undefined) args[at] = { ...(args[at] ?? {}), signal: controller.signal, onProgress };
        reply(id, await capture[msg.method](...args));
      } else if (msg.op === 'close') {
        const capture = captures.get(msg.capture);
        captures.delete(msg.capture);
        await capture?.close();
        reply(id, null);
      }
    } catch (error) {
      fail(id, error);
    } finally {
      controllers.delete(id);
    }
  });
  port.start?.();
}
