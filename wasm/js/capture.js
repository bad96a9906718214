// openCapture: streams a capture source (plain or gzip) through the wasm reader chunk by chunk,
// building the per-packet index, and returns a Capture: the summary, and pages of packet-list
// rows and packet details computed by re-reading records from the source by offset. Shared by
// the Node and browser entry points, which supply the wasm module and platform-specific sources.
import { CaptureFormatError } from './errors.js';
import { blobKeeper, openCommonSource, prefetching } from './sources.js';

/** Bytes read from the source per step unless `chunkSize` says otherwise. */
export const DEFAULT_CHUNK_SIZE = 1 << 20;

/** Largest source window read at once for a page of rows (a page takes several if needed). */
const MAX_WINDOW = 4 << 20;

/** Copies the string table of a page out of wasm memory and decodes it once per string. */
function decodeStrings(bytesView, endsView) {
  const bytes = bytesView.slice();
  const ends = endsView.slice();
  const decoder = new TextDecoder();
  const out = new Array(ends.length);
  let begin = 0;
  for (let k = 0; k < ends.length; k++) {
    out[k] = decoder.decode(bytes.subarray(begin, ends[k]));
    begin = ends[k];
  }
  return out;
}

/** Parses NDJSON text (one object per line) into an array of plain objects. */
function parseNdjson(text) {
  const out = [];
  let begin = 0;
  while (begin < text.length) {
    let end = text.indexOf('\n', begin);
    if (end < 0) end = text.length;
    if (end > begin) out.push(JSON.parse(text.slice(begin, end)));
    begin = end + 1;
  }
  return out;
}

/** The flat pre-order field list of detail_json (with depths) as a tree of nodes with children. */
function toTree(flat) {
  const roots = [];
  const stack = [];
  for (const f of flat) {
    const node = { name: f.name, label: f.label, value: f.value, offset: f.offset, length: f.length, children: [] };
    while (stack.length > f.depth) stack.pop();
    (stack.length ? stack[stack.length - 1].children : roots).push(node);
    stack.push(node);
  }
  return roots;
}

/** A capture that has been read: its summary, its packet index, and queries by packet. */
export class Capture {
  #module;
  #session;
  #store;
  #json;
  #compression;
  #readError;
  #queue = Promise.resolve();  // queries run one at a time (they share the session's page)

  /** @internal created by openCapture */
  constructor(module, session, compression, readError, store) {
    this.#module = module;
    this.#session = session;
    this.#compression = compression;
    this.#readError = readError;
    this.#store = store;
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

  /** Number of packets (rows of the packet list). */
  get packetCount() {
    return this.#live().packetCount();
  }

  /** The summary object: the same JSON as `pcapscope info FILE --json`, parsed. */
  summary() {
    return JSON.parse(this.#json);
  }

  /** The summary exactly as the core serialized it (byte-identical to the native CLI). */
  summaryJson() {
    return this.#json;
  }

  /**
   * The per-packet index, copied out of wasm memory (about 28 bytes per packet; a new copy each
   * call): ts (BigInt64Array, ns since the epoch: exact, unlike a double), offset
   * (BigUint64Array, record offset in the decompressed input), caplen, origlen (Uint32Array),
   * interface (Uint16Array), top (Uint8Array, code of the highest protocol: a name in
   * `protocolNames`), flags (Uint8Array: 0x0f anomaly code, 0x10 completed an IP datagram (top
   * is the reassembled payload's protocol), 0x20 no timestamp, 0x40 cut by
   * the snap length, 0x80 more than one anomaly).
   */
  index() {
    const session = this.#live();
    const v = session.indexColumns();
    // Copy every view before the next call into the module (memory growth detaches them).
    const out = {
      ts: new BigInt64Array(v.ts.slice().buffer),  // wasm memory is little-endian, as are hosts
      offset: new BigUint64Array(v.offset.slice().buffer),
      caplen: v.caplen.slice(),
      origlen: v.origlen.slice(),
      interface: v.interface.slice(),
      top: v.top.slice(),
      flags: v.flags.slice(),
    };
    out.protocolNames = session.protocolNames().split('\n');
    return out;
  }

  /**
   * Packet-list rows [start, start + count) (0-based rows; row i is packet number i + 1),
   * clamped to the capture, as columns: number, time (seconds since the first packet, NaN
   * without timestamp), length (frame.len) as typed arrays; source, destination, protocol, info
   * as arrays of strings. Each row's record is re-read from the source and dissected.
   */
  packets({ start = 0, count = 100 } = {}) {
    return this.#serial(() => this.#packets(start, count));
  }

  /**
   * Packet `number` (1-based, as in the packet list and `pcapscope detail FILE N`) in full:
   * its field tree (nodes {name, label, value, offset, length, children}; offset/length are
   * the bytes of the packet the field covers) and its captured bytes.
   */
  packet(number) {
    return this.#serial(() => this.#packet(number));
  }

  /**
   * The flows (conversations), one object per flow in flow-id order with Zeek conn.log field
   * names (ts, uid, id.orig_h, id.orig_p, id.resp_h, id.resp_p, proto, service, duration,
   * orig_bytes, resp_bytes, conn_state, history, orig_pkts, …, community_id, flow_id): the
   * records `pcapscope flows FILE` prints, parsed. Absent fields are left out.
   */
  flows() {
    return this.#serial(() => parseNdjson(this.#live().flowsNdjson()));
  }

  /**
   * The endpoints, IP addresses then MAC addresses, each in first-seen order ({address, type,
   * packets, bytes, tx_packets, tx_bytes, rx_packets, rx_bytes, flows, first_ts, last_ts}): the
   * records `pcapscope endpoints FILE` prints, parsed.
   */
  endpoints() {
    return this.#serial(() => parseNdjson(this.#live().endpointsNdjson()));
  }

  /**
   * The DNS log, one object per query/response pair with Zeek dns.log field names (ts, uid,
   * id.*, proto, trans_id, rtt, query, qtype_name, rcode_name, answers, TTLs, …): the records
   * `pcapscope dns FILE` prints, parsed. Absent fields are left out.
   */
  dns() {
    return this.#serial(() => parseNdjson(this.#live().dnsNdjson()));
  }

  /** Frees the wasm memory and the kept bytes (a temporary file for gzip input in Node). */
  close() {
    if (this.#session) {
      this.#session.delete();
      this.#session = null;
    }
    const store = this.#store;
    this.#store = null;
    return store ? store.close().catch(() => {}) : Promise.resolve();
  }

  #live() {
    if (!this.#session) throw new Error('the capture is closed');
    return this.#session;
  }

  #serial(fn) {
    const run = this.#queue.then(fn);
    this.#queue = run.catch(() => {});
    return run;
  }

  /** Reads source bytes [offset, offset + length) and copies them into the session buffer. */
  async #window(offset, length) {
    if (!this.#store) {
      throw new Error('packet bytes were not kept (openCapture with keepBytes: false)');
    }
    const bytes = await this.#store.read(offset, length);
    const session = this.#live();  // closed while reading?
    const ptr = session.alloc(Math.max(1, bytes.byteLength));
    this.#module.HEAPU8.set(bytes, ptr);  // after alloc: memory may have grown
    return { ptr, size: bytes.byteLength, atEnd: bytes.byteLength < length };
  }

  async #packets(start, count) {
    const total = this.#live().packetCount();
    if (!Number.isSafeInteger(start) || start < 0) throw new RangeError(`bad start: ${start}`);
    if (!Number.isSafeInteger(count) || count < 0) throw new RangeError(`bad count: ${count}`);
    start = Math.min(start, total);
    count = Math.min(count, total - start);
    let done = 0;
    let need = null;  // {row, length}: the window a record going past the last one needed
    let retries = 0;
    while (done < count) {
      const row = start + done;
      const span = this.#live().span(row, count - done, MAX_WINDOW);
      let length = span.length;
      if (need && need.row === row) length = Math.max(length, need.length);
      const w = await this.#window(span.offset, length);
      const r = this.#live().rows(row, span.count, span.offset, w.ptr, w.size, done > 0, w.atEnd);
      if (!r.ok) throw new Error(r.message);
      done += r.done;
      if (r.done < span.count) {
        retries = r.done === 0 ? retries + 1 : 0;
        if (retries > 4) throw new Error(`packet ${start + done + 1} cannot be re-read`);
        need = { row: start + done, length: r.needLength };
      }
    }
    const session = this.#live();
    if (count === 0) session.rows(0, 0, 0, session.alloc(1), 0, false, true);
    const v = session.pageColumns();
    const number = v.number.slice();
    const time = v.time.slice();
    const lengths = v.length.slice();
    const ids = [v.source.slice(), v.destination.slice(), v.protocol.slice(), v.info.slice()];
    const table = decodeStrings(v.strings, v.stringEnds);
    const [source, destination, protocol, info] = ids.map((col) => Array.from(col, (k) => table[k]));
    return { start, count, number, time, source, destination, protocol, length: lengths, info };
  }

  async #packet(number) {
    const total = this.#live().packetCount();
    if (!Number.isSafeInteger(number) || number < 1 || number > total) {
      throw new RangeError(`no packet ${number} (the capture has ${total})`);
    }
    const span = this.#live().span(number - 1, 1, MAX_WINDOW);
    let length = span.length;
    for (let attempt = 0; attempt < 5; attempt++) {
      const w = await this.#window(span.offset, length);
      const r = this.#live().packetDetail(number - 1, span.offset, w.ptr, w.size, w.atEnd);
      if (!r.ok) throw new Error(r.message);
      if (r.json !== undefined) {
        const bytes = r.bytes.slice();
        return { number, fields: toTree(JSON.parse(r.json).fields), bytes };
      }
      length = Math.max(length, r.needLength);
    }
    throw new Error(`packet ${number} cannot be re-read`);
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
 * copy per piece); `afterPiece(bytesFed)` runs after each piece that was parsed. The caller
 * keeps the bytes re-readable (a store or a keeper).
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
 * @param {() => ReturnType<typeof blobKeeper>} [createKeeper] keeps bytes that cannot be
 *   re-read from the source (gzip, streams); a Blob by default
 */
export async function openCaptureWith(getModule, source, options = {}, openPlatformSource,
  createKeeper = blobKeeper) {
  const { onProgress, signal } = options;
  const keepBytes = options.keepBytes ?? true;
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
  let keeper = null;        // keeps what is fed when the source cannot be re-read by offset
  let store = null;         // the capture's bytes by offset, handed to the Capture
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
    if (keepBytes && (gzip || !src.randomAccess)) keeper = await createKeeper();
    // Bytes go to the keeper before the reader sees them, while the reader still wants them.
    const keep = async (chunk) => {
      if (keeper && !session.failed()) await keeper.append(chunk);
    };

    // Where reading stopped early: a fatal reader error, or a decompression error.
    let failure = null;
    // An input (decompression) error after which the partial summary is still returned.
    let readError = null;
    if (!gzip) {
      for (;;) {
        signal?.throwIfAborted();
        const chunk = await abortable(input.read(), signal);
        if (!chunk) break;
        await keep(chunk);
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
          await keep(result.value);
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
    if (keeper) {
      store = await keeper.finish();
      keeper = null;
    } else if (keepBytes && src.randomAccess) {
      store = src.randomAccess();  // takes over what it needs (e.g. an opened file)
    }
    const capture = new Capture(module, session, gzip ? 'gzip' : 'none', readError, store);
    session = null;  // owned by the capture now
    store = null;
    return capture;
  } finally {
    if (decompressed) await decompressed.cancel().catch(() => {});
    await src.close();
    session?.delete();
    await keeper?.discard().catch(() => {});
    await store?.close().catch(() => {});
  }
}
