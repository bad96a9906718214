// openCapture: streams a capture source (plain or gzip) through the wasm reader chunk by chunk
// and returns its summary. Shared by the Node and browser entry points, which supply the wasm
// module and any platform-specific sources.
import { CaptureFormatError } from './errors.js';
import { openCommonSource, prefetching } from './sources.js';

/** Bytes read from the source per step unless `chunkSize` says otherwise. */
export const DEFAULT_CHUNK_SIZE = 1 << 20;

/** A capture that has been read: its summary and, later, queries. */
export class Capture {
  #session;
  #json;
  #compression;
  #readError;

  /** @internal created by openCapture */
  constructor(session, compression, readError) {
    this.#session = session;
    this.#compression = compression;
    this.#readError = readError;
    this.#json = session.summaryJson(compression);
  }

  /**
   * Why the input could not be read to its end although packets were read (e.g. corrupt or
   * truncated gzip data), or null. Errors of the capture format itself are in summary().error.
   */
  get readError() {
    return this.#readError;
  }

  /** "none" or "gzip". */
  get compression() {
    return this.#compression;
  }

  /** The summary object: the same JSON as `pcapscope info FILE --json`, parsed. */
  summary() {
    return JSON.parse(this.#json);
  }

  /** The summary exactly as the core serialized it (byte-identical to the native CLI). */
  summaryJson() {
    return this.#json;
  }

  /** Frees the wasm memory held for this capture. Idempotent. */
  close() {
    if (this.#session) {
      this.#session.delete();
      this.#session = null;
    }
  }
}

/** Rejects as soon as `signal` aborts, whatever `promise` is doing. */
function abortable(promise, signal) {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** Reads chunks until at least `n` bytes (or the end) to look at the first bytes. */
async function readHead(src, n, signal) {
  const chunks = [];
  let length = 0;
  while (length < n) {
    const chunk = await abortable(src.read(), signal);
    if (!chunk) break;
    if (chunk.byteLength === 0) continue;
    chunks.push(chunk);
    length += chunk.byteLength;
  }
  const head = new Uint8Array(Math.min(n, length));
  let filled = 0;
  for (const chunk of chunks) {
    if (filled === head.length) break;
    const part = chunk.subarray(0, head.length - filled);
    head.set(part, filled);
    filled += part.byteLength;
  }
  return { chunks, head };
}

/** A source that first replays `chunks`, then continues with `src`. */
function replaying(chunks, src) {
  let i = 0;
  return {
    total: src.total,
    read: () => (i < chunks.length ? Promise.resolve(chunks[i++]) : src.read()),
    close: () => src.close(),
  };
}

/**
 * Feeds the wasm session in pieces of at most `chunkSize`, copying each into its buffer (one
 * copy per piece); `afterPiece(bytesFed)` runs after each piece that was parsed.
 * @returns {{ok: boolean, message: string}}
 */
function feedBytes(module, session, bytes, chunkSize, afterPiece) {
  for (let offset = 0; offset < bytes.byteLength; offset += chunkSize) {
    const piece = bytes.subarray(offset, offset + chunkSize);
    const ptr = session.alloc(piece.byteLength);
    module.HEAPU8.set(piece, ptr);  // re-read HEAPU8 after alloc: memory may have grown
    const status = session.feed(ptr, piece.byteLength);
    if (status.ok) afterPiece?.(offset + piece.byteLength);
    else {
      // The reader stopped: the rest of this chunk only counts as unparsed.
      feedIgnored(session, bytes.byteLength - offset - piece.byteLength, chunkSize);
      return status;
    }
  }
  return { ok: true, message: '' };
}

/**
 * Tells the session about `count` more input bytes after it has stopped on a fatal error: the
 * reader only counts them as unparsed (reader.hpp), so the buffer's contents do not matter and
 * the source need not be read. Keeps `bytes_unparsed` equal to the native CLI's.
 */
function feedIgnored(session, count, chunkSize) {
  if (count <= 0) return;
  const size = Math.min(count, chunkSize);
  const ptr = session.alloc(size);
  while (count > 0) {
    const n = Math.min(count, size);
    session.feed(ptr, n);
    count -= n;
  }
}

/**
 * Opens and reads a capture. See index.d.ts for the options and errors.
 * @param {() => Promise<object>} getModule resolves to the instantiated wasm module
 * @param {(source: unknown, chunkSize: number) => Promise<import('./sources.js').ChunkSource|null>} [openPlatformSource]
 */
export async function openCaptureWith(getModule, source, options = {}, openPlatformSource) {
  const { onProgress, signal } = options;
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  if (!Number.isSafeInteger(chunkSize) || chunkSize < 1) {
    throw new RangeError(`chunkSize must be a positive integer, got ${chunkSize}`);
  }
  signal?.throwIfAborted();

  let src = openCommonSource(source, chunkSize);
  // Not abortable: an open that finished after the abort would leak its file handle; the
  // signal is checked right after, with the source closed by the `finally` below.
  if (!src && openPlatformSource) src = await openPlatformSource(source, chunkSize);
  if (!src) {
    throw new TypeError(
      'openCapture: source must be a File, Blob, ArrayBuffer, typed array, ReadableStream or ' +
        'async iterable of bytes (or, in Node, a path or FileHandle)',
    );
  }
  if (src.prefetchable) src = prefetching(src);

  let session = null;
  let decompressed = null;  // reader of the DecompressionStream output, for gzip input
  try {
    signal?.throwIfAborted();
    const module = await abortable(getModule(), signal);
    session = new module.Session();

    let bytesRead = 0;
    const total = src.total;
    const counting = {
      total,
      read: async () => {
        const chunk = await src.read();
        if (chunk) bytesRead += chunk.byteLength;
        return chunk;
      },
      close: () => src.close(),
    };
    const report = (bytes = bytesRead) =>
      onProgress?.({ bytesRead: bytes, total, packets: session.packets() });

    // Counts the rest of a plain input as unparsed: without reading it when the size is known.
    const skipRest = async (rest) => {
      if (total !== null) {
        feedIgnored(session, total - bytesRead, chunkSize);
        bytesRead = total;
        return;
      }
      for (;;) {
        signal?.throwIfAborted();
        const chunk = await abortable(rest.read(), signal);
        if (!chunk) break;
        feedIgnored(session, chunk.byteLength, chunkSize);
      }
    };

    const { chunks, head } = await readHead(counting, 2, signal);
    const gzip = head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
    const input = replaying(chunks, counting);

    // Where reading stopped early: a fatal reader error, or a decompression error.
    let failure = null;
    // An input (decompression) error after which the partial summary is still returned.
    let readError = null;
    if (!gzip) {
      for (;;) {
        signal?.throwIfAborted();
        const chunk = await abortable(input.read(), signal);
        if (!chunk) break;
        // Progress after every piece of chunkSize, however the source cuts its chunks.
        const before = bytesRead - chunk.byteLength;
        const status = feedBytes(module, session, chunk, chunkSize, (fed) => {
          signal?.throwIfAborted();
          report(before + fed);
        });
        if (!status.ok) {
          failure = status.message;
          if (session.packets() > 0) {
            // Partial results stay readable; the rest of the input is only counted.
            await skipRest(input);
          }
          report();
          break;
        }
      }
    } else {
      // Decompressed while streaming; compressed chunks are pulled as the reader consumes the
      // decompressed ones, with two queued so reading overlaps decompression.
      const compressed = new ReadableStream(
        {
          async pull(controller) {
            const chunk = await input.read();
            if (chunk) controller.enqueue(chunk);
            else controller.close();
          },
        },
        { highWaterMark: 2 },
      );
      decompressed = compressed.pipeThrough(new DecompressionStream('gzip')).getReader();
      for (;;) {
        signal?.throwIfAborted();
        let result;
        try {
          result = await abortable(decompressed.read(), signal);
        } catch (error) {
          if (signal?.aborted) throw signal.reason;
          failure = `gzip: ${error?.message ?? error}`;
          readError = failure;
          decompressed = null;
          break;
        }
        if (result.done) {
          decompressed = null;
          break;
        }
        // After a fatal error the decompressed size is still needed for bytes_unparsed (as the
        // native CLI reports it), so decompression goes on and the reader counts what follows.
        if (session.failed()) {
          feedIgnored(session, result.value.byteLength, chunkSize);
        } else {
          const status = feedBytes(module, session, result.value, chunkSize);
          if (!status.ok && session.packets() === 0) {
            failure = status.message;
            break;
          }
        }
        report();
      }
    }

    if (failure !== null && session.packets() === 0) {
      const offset = session.errorOffset();
      throw new CaptureFormatError(session.error() || failure, offset >= 0 ? { offset } : {});
    }
    const end = session.finish();
    if (!end.ok && session.packets() === 0) {
      const offset = session.errorOffset();
      throw new CaptureFormatError(end.message || session.error(), offset >= 0 ? { offset } : {});
    }
    report();
    const capture = new Capture(session, gzip ? 'gzip' : 'none', readError);
    session = null;  // owned by the capture now
    return capture;
  } finally {
    if (decompressed) await decompressed.cancel().catch(() => {});
    await src.close();
    session?.delete();
  }
}
