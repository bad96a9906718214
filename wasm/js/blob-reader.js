// Reading a Blob (or File) on a thread of its own. In Chromium, taking a File's stream apart
// costs the thread that reads it about as much as parsing what it delivers (bench capture: the
// stream alone 0.8-1.1 s, the whole pass 1.3 s), so a small dedicated worker reads and hands the
// chunks over (transferred, not copied) while the calling thread parses. Node reads files on
// its thread pool in the same way (node-platform.js).
//
// The worker answers one request at a time: {blob, ahead} starts reading, and it sends at most
// `ahead` chunks more than the caller has taken ({more: n} gives credit back), so a slow parse
// never makes it buffer the file. It answers {chunk}, then {end} or {error}.

/** Chunks a worker may deliver before the caller takes them (Chromium's are 2 MiB). */
export const WORKER_READ_AHEAD = 8;

/**
 * Worker side: serves reading requests arriving on `port` (the worker's global scope, or a
 * MessagePort in tests).
 */
export function serveBlobReads(port) {
  let reader = null;
  let credit = 0;
  let pumping = false;
  const pump = async () => {
    if (pumping) return;
    pumping = true;
    try {
      while (reader && credit > 0) {
        const { value, done } = await reader.read();
        if (!reader) break;  // cancelled meanwhile
        if (done) {
          reader = null;
          port.postMessage({ end: true });
          break;
        }
        credit -= 1;
        // A chunk that is its whole buffer moves to the caller; a view into a larger one is
        // copied, since the rest of that buffer may still be in use here.
        const whole = value.byteOffset === 0 && value.byteLength === value.buffer.byteLength;
        port.postMessage({ chunk: value }, whole ? [value.buffer] : []);
      }
    } catch (error) {
      reader = null;
      port.postMessage({ error: String(error?.message ?? error) });
    }
    pumping = false;
  };
  port.onmessage = ({ data }) => {
    if (data.blob) {
      reader = data.blob.stream().getReader();
      credit = data.ahead;
    } else if (data.cancel) {
      reader?.cancel().catch(() => {});
      reader = null;
      return;
    } else {
      credit += data.more;
    }
    pump();
  };
}

/**
 * Calling side: a ChunkSource (sources.js) of `blob`'s bytes read by the worker behind `port`
 * (a Worker running read-worker.js, or a MessagePort in tests).
 * @param {Blob} blob
 * @param {{postMessage: Function, onmessage?: any, onerror?: any, onmessageerror?: any}} port
 * @param {object} how
 * @param {() => import('./sources.js').ChunkSource} how.fallback  the source to read from
 *   instead when the worker fails before its first answer (it could not start: a
 *   Content-Security-Policy without worker-src, an unsupported module worker)
 * @param {() => void} how.release  stops the worker (called once, by close or on fallback)
 * @param {number} [how.ahead]
 */
export function readThroughPort(blob, port, { fallback, release, ahead = WORKER_READ_AHEAD }) {
  const arrived = [];  // answers not yet taken
  let wake = null;
  let answered = false;
  let released = false;
  let instead = null;  // the fallback source, once switched to
  const free = () => {
    if (!released) {
      released = true;
      release();
    }
  };
  const deliver = (message) => {
    arrived.push(message);
    if (wake) {
      const w = wake;
      wake = null;
      w();
    }
  };
  port.onmessage = ({ data }) => {
    answered = true;
    deliver(data);
  };
  port.onerror = (event) => {
    event?.preventDefault?.();  // reported by the read that meets it, not as an uncaught error
    deliver({ failed: event?.message || 'the file-reading worker failed to start or stopped' });
  };
  port.onmessageerror = () => deliver({ failed: 'a chunk from the file-reading worker could not be received' });
  port.postMessage({ blob, ahead });

  return {
    total: blob.size,
    async read() {
      if (instead) return instead.read();
      while (arrived.length === 0) await new Promise((ok) => { wake = ok; });
      const message = arrived[0];
      if (message.chunk) {
        arrived.shift();
        port.postMessage({ more: 1 });
        return message.chunk;
      }
      if (message.end) return null;  // stays at the head: the end stays the end
      if (message.failed && !answered) {
        // Nothing was read through the worker: read on this thread from the start.
        free();
        instead = fallback();
        return instead.read();
      }
      throw new Error(`reading the file failed: ${message.error ?? message.failed}`);
    },
    async close() {
      if (instead) await instead.close();
      if (!released) {
        try {
          port.postMessage({ cancel: true });
        } catch {
          // the port is already closed
        }
      }
      free();
    },
  };
}
