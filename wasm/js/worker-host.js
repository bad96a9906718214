// openCaptureInWorker: the Capture API on the page, run by a module Web Worker that owns the wasm
// module (worker.js). Calls become messages (worker-protocol.js); results come back with their
// typed arrays transferred. Synchronous facts (summary, packetCount, …) are sent once at open.
import { CaptureFormatError, FilterError } from './errors.js';
import { CAPTURE_METHODS } from './worker-protocol.js';

/** Rebuilds a typed error from its plain data. */
function toError(data) {
  let error;
  if (data.name === 'CaptureFormatError') error = new CaptureFormatError(data.message, { offset: data.offset });
  else if (data.name === 'FilterError') error = new FilterError(data.message, data);
  else if (data.name === 'AbortError') error = new DOMException(data.message, 'AbortError');
  else if (data.name === 'RangeError') error = new RangeError(data.message);
  else if (data.name === 'TypeError') error = new TypeError(data.message);
  else {
    error = new Error(data.message);
    if (data.name) error.name = data.name;
  }
  if (data.code !== undefined) error.code = data.code;
  return error;
}

/** The page side of one worker connection: numbered requests and their replies. */
class Channel {
  #port;
  #next = 1;
  #pending = new Map();

  constructor(port) {
    this.#port = port;
    port.addEventListener('message', (event) => {
      const msg = event.data;
      const entry = this.#pending.get(msg?.id);
      if (!entry) return;
      if (msg.progress !== undefined) {
        entry.onProgress?.(msg.progress);
        return;
      }
      this.#pending.delete(msg.id);
      if (msg.ok) entry.resolve(msg.result);
      else entry.reject(toError(msg.error));
    });
    port.addEventListener('error', (event) => this.#failAll(event?.error ?? new Error('the worker failed')));
    port.start?.();
  }

  /** Sends `msg` as a request; resolves with the result. */
  request(msg, { signal, onProgress, transfer = [] } = {}) {
    if (signal?.aborted) return Promise.reject(signal.reason);
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        this.#pending.delete(id);
        this.#port.postMessage({ op: 'abort', target: id });
        reject(signal.reason);
      };
      const done = (fn) => (value) => {
        signal?.removeEventListener('abort', onAbort);
        fn(value);
      };
      this.#pending.set(id, { resolve: done(resolve), reject: done(reject), onProgress });
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#port.postMessage({ ...msg, id }, transfer);
    });
  }

  #failAll(error) {
    for (const entry of this.#pending.values()) entry.reject(error);
    this.#pending.clear();
  }
}

/** Splits {signal, onProgress} (which stay on the page) from options that can be posted. */
function split(options = {}) {
  const { signal, onProgress, ...rest } = options ?? {};
  return { signal, onProgress, rest };
}

/**
 * A capture opened by openCaptureInWorker: the Capture API, each method a request to the
 * worker. `summary()`, `summaryJson()`, `packetCount`, `compression` and `readError` are
 * synchronous (sent at open); `index()` returns a Promise here.
 */
export class WorkerCapture {
  #channel;
  #handle;
  #facts;
  #terminate;
  #closed = false;

  /** @internal */
  constructor(channel, facts, terminate) {
    this.#channel = channel;
    this.#handle = facts.capture;
    this.#facts = facts;
    this.#terminate = terminate;
  }

  get packetCount() {
    return this.#facts.packetCount;
  }
  get compression() {
    return this.#facts.compression;
  }
  get readError() {
    return this.#facts.readError;
  }
  summary() {
    return JSON.parse(this.#facts.summaryJson);
  }
  summaryJson() {
    return this.#facts.summaryJson;
  }

  /** Closes the capture in the worker (and the worker, if openCaptureInWorker created it). */
  async close() {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.#channel.request({ op: 'close', capture: this.#handle });
    } finally {
      this.#terminate?.();
    }
  }

  /** @internal */
  _call(method, args) {
    if (this.#closed) return Promise.reject(new Error('the capture is closed'));
    // The last plain-object argument may hold a signal and an onProgress callback.
    let signal;
    let onProgress;
    const posted = args.map((a) => {
      if (a && typeof a === 'object' && !ArrayBuffer.isView(a) && !Array.isArray(a) &&
          ('signal' in a || 'onProgress' in a)) {
        const s = split(a);
        signal = s.signal;
        onProgress = s.onProgress;
        return s.rest;
      }
      return a;
    });
    return this.#channel.request({ op: 'call', capture: this.#handle, method, args: posted }, { signal, onProgress });
  }
}
for (const method of CAPTURE_METHODS) {
  WorkerCapture.prototype[method] = function (...args) {
    return this._call(method, args);
  };
}

/**
 * Opens a capture in a module Web Worker (browsers): the same API as openCapture, with the wasm
 * module, the File and the work off the page's thread. Results' typed arrays are transferred.
 * `options.worker` may be a Worker (or MessagePort) already serving captures (worker.js), which
 * is then left running; by default a new Worker is started and terminated by close().
 * `options.transfer: true` transfers an ArrayBuffer / typed-array source instead of copying it
 * (the caller's buffer is then detached); a ReadableStream source is always transferred.
 * @param {Blob | ArrayBuffer | ArrayBufferView | ReadableStream<Uint8Array>} source
 * @param {import('./index.js').OpenOptions & {worker?: Worker | MessagePort, transfer?: boolean}} [options]
 * @returns {Promise<WorkerCapture>}
 */
export async function openCaptureInWorker(source, options = {}) {
  const { signal, onProgress, rest } = split(options);
  const { worker: given, transfer: transferSource, ...posted } = rest;
  let worker = given;
  let terminate = null;
  if (!worker) {
    worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
    terminate = () => worker.terminate();
  }
  const channel = new Channel(worker);
  const transfer = [];
  if (typeof ReadableStream !== 'undefined' && source instanceof ReadableStream) transfer.push(source);
  else if (transferSource && source instanceof ArrayBuffer) transfer.push(source);
  else if (transferSource && ArrayBuffer.isView(source)) transfer.push(source.buffer);
  try {
    const facts = await channel.request({ op: 'open', source, options: posted }, { signal, onProgress, transfer });
    return new WorkerCapture(channel, facts, terminate);
  } catch (error) {
    terminate?.();
    throw error;
  }
}
