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
 * @property {(buffer: Uint8Array) => Promise<number>} [readInto]  reads the next bytes into
 *   `buffer` (Node, regular files): how many, fewer than its length only at the end; shares
 *   its position with `read`. Never given a view of wasm memory: the read is in flight while
 *   wasm runs, and memory growth would detach the view
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
 * 1 or 4 MiB (with or without reading one slice ahead), so slices are only the fallback. The
 * stream is read four chunks ahead (Chromium's are 2 MiB): a read that waits for the parse of
 * the chunk before leaves the browser's file pipe idle meanwhile (bench capture: openCapture
 * ~9 % faster than reading on demand; reading alone takes 0.8-1.1 s of its ~1.3 s).
 */
function fromBlob(blob, chunkSize) {
  const randomAccess = () => blobStore(blob);
  if (typeof blob.stream === 'function') {
    return prefetching({ ...fromStream(blob.stream()), total: blob.size, randomAccess }, BLOB_READ_AHEAD);
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

/** Pulls from a ReadableStream of bytes; cancels it when closed early. */
function fromStream(stream) {
  const reader = stream.getReader();
  let done = false;
  return {
    total: null,
    async read() {
      if (done) return null;
      const { value, done: end } = await reader.read();
      if (end) {
        done = true;
        return null;
      }
      return toBytes(value);
    },
    async close() {
      if (!done) {
        done = true;
        await reader.cancel().catch(() => {});
      }
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
