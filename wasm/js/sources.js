// Turns the sources every platform has (Blob/File, ArrayBuffer, typed arrays, ReadableStream,
// async iterables) into one pull interface: `read()` resolves to the next Uint8Array or null.
// Sources that can be re-read by offset (bytes, Blobs) also hand out a ByteStore, which packet
// queries use after reading; for the others (streams, gzip) a keeper (`blobKeeper`) keeps what
// was fed so it can be re-read.

/**
 * @typedef {object} ChunkSource
 * @property {number|null} total  size in bytes when known
 * @property {() => Promise<Uint8Array|null>} read  next chunk, null at the end
 * @property {() => Promise<void>} close  releases what the source opened (safe to call twice)
 * @property {(buffer: Uint8Array) => Promise<Uint8Array>} [readInto]  reads the next bytes
 *   into `buffer` (Node's regular files; Blobs whose stream has a BYOB reader) and resolves to
 *   them, from the start of `buffer`'s memory: fewer than its length only at the end. The view
 *   may be over a new ArrayBuffer (a BYOB read transfers the one it fills): the caller passes
 *   the returned view's memory to the next call and no longer uses `buffer`. Shares its
 *   position with `read`. Never given a view of wasm memory: the read is in flight while wasm
 *   runs, and memory growth would detach the view (nor can wasm memory be transferred)
 * @property {boolean} [prefetchable]  every chunk `read` returns is a fresh buffer
 * @property {() => ByteStore} [randomAccess]  the same bytes by offset; what the store uses is
 *   then owned by the store (close() of the source leaves it open)
 */

/**
 * @typedef {object} ByteStore  the (decompressed) capture's bytes, re-readable by offset
 * @property {number} size  bytes stored
 * @property {(offset: number, length: number) => Promise<Uint8Array>} read  bytes
 *   [offset, offset + length), fewer only at the end
 * @property {() => Promise<void>} close  releases them (safe to call twice)
 */

/** A ByteStore over bytes in memory (views, no copy: the caller must not change them). */
export function bytesStore(bytes) {
  return {
    size: bytes.byteLength,
    read: async (offset, length) => bytes.subarray(offset, offset + length),
    async close() {},
  };
}

/** A ByteStore over a Blob (or File): each read is one slice. */
export function blobStore(blob) {
  return {
    size: blob.size,
    read: async (offset, length) =>
      new Uint8Array(await blob.slice(offset, Math.min(blob.size, offset + length)).arrayBuffer()),
    async close() {},
  };
}

/**
 * Keeps the bytes fed to the reader (decompressed gzip, streams) as a Blob, built from parts of
 * about 8 MiB so that browsers can move it to disk (Chromium keeps large blobs in files); in
 * Node, Blobs stay in memory (the Node entry point uses a temporary file instead).
 * @returns {{append: (chunk: Uint8Array) => void, finish: () => Promise<ByteStore>, discard: () => Promise<void>}}
 */
export function blobKeeper() {
  const PART = 8 << 20;
  let parts = [];
  let pending = [];
  let pendingBytes = 0;
  const flush = () => {
    if (pending.length) parts.push(new Blob(pending));
    pending = [];
    pendingBytes = 0;
  };
  return {
    append(chunk) {
      pending.push(chunk.slice());  // the source may reuse its buffer
      pendingBytes += chunk.byteLength;
      if (pendingBytes >= PART) flush();
    },
    async finish() {
      flush();
      const blob = new Blob(parts);
      parts = [];
      return blobStore(blob);
    },
    async discard() {
      parts = [];
      pending = [];
    },
  };
}

/** Wraps whole bytes in memory: chunks are views, nothing is copied. */
function fromBytes(bytes, chunkSize) {
  let pos = 0;
  return {
    total: bytes.byteLength,
    randomAccess: () => bytesStore(bytes),
    async read() {
      if (pos >= bytes.byteLength) return null;
      const chunk = bytes.subarray(pos, pos + chunkSize);
      pos += chunk.byteLength;
      return chunk;
    },
    async close() {},
  };
}

/** Chunks of a Blob's stream read ahead of the parse (see fromBlob). */
const BLOB_READ_AHEAD = 4;

/**
 * Reads a Blob (or File) as a stream of chunks; the whole file is never in memory at once.
 * `blob.stream()` was measured 2-3x faster in Chromium than `slice(...).arrayBuffer()` per
 * 1 or 4 MiB (with or without reading one slice ahead), so slices are only the fallback.
 * Where the stream has a BYOB reader (Chromium, Firefox, Node), it is read into buffers the
 * caller hands back (`readInto`): Chromium's default reader returns each 64 KiB piece of its
 * file pipe in a new ArrayBuffer, so reading 1 GB touched 1 GB of fresh memory (262k page
 * faults in the renderer, ~0.45 of its ~1.1 CPU-seconds; with BYOB reads 10k faults and 0.7
 * CPU-s). Otherwise the stream is read four chunks ahead: a read that waits for the parse of
 * the chunk before leaves the browser's file pipe idle meanwhile (bench capture: openCapture
 * ~9 % faster than reading on demand).
 */
function fromBlob(blob, chunkSize) {
  const randomAccess = () => blobStore(blob);
  if (typeof blob.stream === 'function') {
    const stream = blob.stream();
    const byob = fromByteStream(stream, chunkSize);
    if (byob) return { ...byob, total: blob.size, randomAccess };
    return prefetching({ ...fromStream(stream), total: blob.size, randomAccess }, BLOB_READ_AHEAD);
  }
  let pos = 0;
  return {
    total: blob.size,
    randomAccess,
    async read() {
      if (pos >= blob.size) return null;
      const end = Math.min(blob.size, pos + chunkSize);
      const chunk = new Uint8Array(await blob.slice(pos, end).arrayBuffer());
      pos = end;
      return chunk;
    },
    async close() {},
  };
}

// Readers of streams being read, referenced from module scope until their stream ends or is
// closed. Chromium (156) loses a pending BYOB read of a Blob's stream when garbage collection
// runs while nothing but the read's own promise chain (stream, pending read, our continuation,
// the reader) references it: openCapture of the 1 GB bench capture stalled for good in about
// one run of ten, and at once with allocation churn beside the reads; never with the reader
// referenced from here. Its default reader completed the same churn in 6 runs of 6, but its
// readers are kept here too: nothing about the loss looked specific to BYOB reads.
const readersInUse = new Set();

/**
 * Pulls from a byte stream through a BYOB reader, each chunk filled to `chunkSize` bytes
 * (fewer only at the end) from however the stream cuts its pieces; null when the stream has no
 * BYOB reader (then it is left unlocked). `read` fills a new buffer per chunk; `readInto` fills
 * the caller's (see ChunkSource).
 * @returns {ChunkSource|null}
 */
export function fromByteStream(stream, chunkSize) {
  let reader;
  try {
    reader = stream.getReader({ mode: 'byob' });
  } catch {
    return null;  // not a byte stream, or a runtime without BYOB readers
  }
  readersInUse.add(reader);
  let done = false;
  let inFlight = null;
  // Reads into `view` until it is full or the stream ends; the bytes read, from its start.
  const fill = async (view) => {
    let memory = view.buffer;
    const start = view.byteOffset;
    const capacity = view.byteLength;
    let filled = 0;
    while (filled < capacity && !done) {
      const { value, done: end } = await reader.read(new Uint8Array(memory, start + filled, capacity - filled));
      if (value) memory = value.buffer;  // the filled view's memory, transferred
      if (end) {
        done = true;
        readersInUse.delete(reader);
      } else {
        filled += value.byteLength;
      }
    }
    return new Uint8Array(memory, start, filled);
  };
  const track = (promise) => {
    inFlight = promise;
    promise.catch(() => {});  // surfaced to the caller awaiting it
    return promise;
  };
  return {
    total: null,
    prefetchable: true,  // read() fills a fresh buffer per chunk
    readInto: (buffer) => track(fill(buffer)),
    async read() {
      const chunk = await track(fill(new Uint8Array(chunkSize)));
      return chunk.byteLength ? chunk : null;
    },
    async close() {
      if (!done) {
        done = true;
        await reader.cancel().catch(() => {});  // ends a pending read too
      }
      await inFlight?.catch(() => {});
      readersInUse.delete(reader);
      try {
        reader.releaseLock();
      } catch {
        // an old runtime with a read still pending: the stream is cancelled anyway
      }
    },
  };
}

/** Pulls from a ReadableStream of bytes; cancels it when closed early. */
function fromStream(stream) {
  const reader = stream.getReader();
  readersInUse.add(reader);
  let done = false;
  return {
    total: null,
    async read() {
      if (done) return null;
      const { value, done: end } = await reader.read();
      if (end) {
        done = true;
        readersInUse.delete(reader);
        return null;
      }
      return toBytes(value);
    },
    async close() {
      if (!done) {
        done = true;
        await reader.cancel().catch(() => {});
      }
      readersInUse.delete(reader);
      try {
        reader.releaseLock();
      } catch {
        // a read still pending on an old runtime: the stream is cancelled anyway
      }
    },
  };
}

/** Pulls from any async iterable of byte chunks (e.g. a Node Readable). */
function fromAsyncIterable(iterable) {
  const it = iterable[Symbol.asyncIterator]();
  let done = false;
  return {
    total: null,
    async read() {
      if (done) return null;
      const { value, done: end } = await it.next();
      if (end) {
        done = true;
        return null;
      }
      return toBytes(value);
    },
    async close() {
      if (!done) {
        done = true;
        if (typeof it.return === 'function') await Promise.resolve(it.return()).catch(() => {});
      }
    },
  };
}

/** Checks that a stream chunk is bytes and views it as a Uint8Array. */
function toBytes(value) {
  if (value instanceof Uint8Array) return value;
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) {
    return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  }
  throw new TypeError('stream chunks must be Uint8Array, ArrayBuffer or ArrayBufferView');
}

/**
 * Opens the sources common to browsers and Node; returns null for anything else so an
 * entry point can add its own (paths, file handles).
 * @returns {ChunkSource|null}
 */
export function openCommonSource(source, chunkSize) {
  if (source instanceof ArrayBuffer) return fromBytes(new Uint8Array(source), chunkSize);
  if (typeof SharedArrayBuffer !== 'undefined' && source instanceof SharedArrayBuffer) {
    return fromBytes(new Uint8Array(source), chunkSize);
  }
  if (ArrayBuffer.isView(source)) {
    const bytes = new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
    return fromBytes(bytes, chunkSize);
  }
  if (typeof Blob !== 'undefined' && source instanceof Blob) return fromBlob(source, chunkSize);
  if (typeof ReadableStream !== 'undefined' && source instanceof ReadableStream) {
    return fromStream(source);
  }
  if (source && typeof source[Symbol.asyncIterator] === 'function') {
    return fromAsyncIterable(source);
  }
  return null;
}

/**
 * Keeps `depth` reads in flight ahead of the consumer, so reading the next chunks overlaps
 * parsing this one. Only for sources whose chunks are fresh buffers (`prefetchable`, or a
 * Blob's stream). Each read starts when the one before it has returned, so the source never
 * sees two at once.
 * @param {ChunkSource} src
 * @param {number} [depth]
 * @returns {ChunkSource}
 */
export function prefetching(src, depth = 1) {
  const queue = [];  // reads started, in order
  let last = Promise.resolve(true);  // the read started last (truthy: not at the end)
  const pull = () => {
    last = last.then((chunk) => (chunk ? src.read() : null));
    last.catch(() => {});  // surfaced by the read() that returns it
    queue.push(last);
  };
  return {
    total: src.total,
    randomAccess: src.randomAccess,
    read() {
      while (queue.length <= depth) pull();
      return queue.shift();
    },
    async close() {
      await last.catch(() => {});
      queue.length = 0;
      await src.close();
    },
  };
}
