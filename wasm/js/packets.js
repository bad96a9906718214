// readPackets: one pass over a capture for dpkt-style scripts. Records arrive in batches (one per
// chunk fed, copied out of wasm memory at once) and are handed out as lightweight PacketViews
// whose layers and field values are decoded on demand by the wasm dissectors. Nothing of the
// capture is kept beyond the current batch.
import { CaptureFormatError } from './errors.js';
import { abortable, DEFAULT_CHUNK_SIZE, readHead, replaying, toTree } from './capture.js';
import { openCommonSource, prefetching } from './sources.js';

/**
 * Opens `source` and yields its bytes in chunks, decompressing gzip input while streaming.
 * @returns {AsyncGenerator<Uint8Array>} and sets `state.gzip`
 */
export async function* inputChunks(source, { chunkSize = DEFAULT_CHUNK_SIZE, signal } = {}, openPlatformSource, state = {}) {
  if (!Number.isSafeInteger(chunkSize) || chunkSize < 1) {
    throw new RangeError(`chunkSize must be a positive integer, got ${chunkSize}`);
  }
  let src = openCommonSource(source, chunkSize);
  if (!src && openPlatformSource) src = await openPlatformSource(source, chunkSize);
  if (!src) {
    throw new TypeError('source must be a File, Blob, ArrayBuffer, typed array, ReadableStream or ' +
      'async iterable of bytes (or, in Node, a path or FileHandle)');
  }
  if (src.prefetchable) src = prefetching(src);
  let decompressed = null;
  try {
    const { chunks, head } = await readHead(src, 2, signal);
    const input = replaying(chunks, src);
    state.gzip = head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
    if (!state.gzip) {
      for (;;) {
        signal?.throwIfAborted();
        const chunk = await abortable(input.read(), signal);
        if (!chunk) return;
        yield chunk;
      }
    }
    const compressed = new ReadableStream({
      async pull(controller) {
        const chunk = await input.read();
        if (chunk) controller.enqueue(chunk);
        else controller.close();
      },
    }, { highWaterMark: 2 });
    decompressed = compressed.pipeThrough(new DecompressionStream('gzip')).getReader();
    for (;;) {
      signal?.throwIfAborted();
      let result;
      try {
        result = await abortable(decompressed.read(), signal);
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        decompressed = null;
        throw new GzipError(`gzip: ${error?.message ?? error}`);
      }
      if (result.done) {
        decompressed = null;
        return;
      }
      yield result.value;
    }
  } finally {
    if (decompressed) await decompressed.cancel().catch(() => {});
    await src.close();
  }
}

/** Corrupt or truncated gzip input (thrown by inputChunks). */
export class GzipError extends Error {
  constructor(message) {
    super(message);
    this.name = 'GzipError';
  }
}

let decoder = null;  // one PacketDecoder per module, shared by every view (never freed)

/**
 * One packet of readPackets: its record facts and bytes, with layers and field values decoded
 * on demand (each call dissects the bytes again in wasm; keep the result if you need it twice).
 * Fields are decoded without TCP context: tcp.seq / tcp.ack are the raw numbers (as
 * `tshark -o tcp.relative_sequence_numbers:FALSE`), windows unscaled.
 */
export class PacketView {
  #module;
  #iface;
  #link;
  #hasTs;
  #sec;
  #nsec;
  #layers = null;

  /** @internal */
  constructor(module, number, sec, nsec, hasTs, caplen, len, iface, link, bytes) {
    this.#module = module;
    /** 1-based packet number. */
    this.number = number;
    /** Captured length (= bytes.length). */
    this.caplen = caplen;
    /** Original length on the wire. */
    this.len = len;
    /** The captured bytes (a copy the view owns). */
    this.bytes = bytes;
    this.#sec = sec;
    this.#nsec = nsec;
    this.#hasTs = hasTs;
    this.#iface = iface;
    this.#link = link;
  }

  /** Timestamp in nanoseconds since the epoch, exact (BigInt); null without timestamp. */
  get ts() {
    return this.#hasTs ? BigInt(this.#sec) * 1000000000n + BigInt(this.#nsec) : null;
  }

  /** Timestamp in milliseconds since the epoch (a Number, for `new Date()`; µs precision). */
  get timestamp() {
    return this.#hasTs ? this.#sec * 1000 + this.#nsec / 1e6 : null;
  }

  /** LINKTYPE_* of the packet's interface (1 Ethernet, …). */
  get linkType() {
    return this.#link;
  }

  /** pcapng interface index, or -1 for classic pcap. */
  get interface() {
    return this.#iface;
  }

  /** The field tree (as Capture.packet(n).fields), decoded on first use. */
  get layers() {
    this.#layers ??= toTree(JSON.parse(this.#decode((d) => d.detail(this.bytes.length))).fields);
    return this.#layers;
  }

  /**
   * The first value of Wireshark field `name` (e.g. "ip.src", "tcp.dstport", "dns.qry.name")
   * as tshark prints it, or undefined when the packet has none. TypeError for an unknown name.
   * @param {string} name
   * @returns {string|undefined}
   */
  field(name) {
    return this.values(name)[0];
  }

  /**
   * Every value of field `name` in the packet, in order (a field may occur in several layers).
   * @param {string} name
   * @returns {string[]}
   */
  values(name) {
    const out = JSON.parse(this.#decode((d) => d.fields(this.bytes.length, String(name))))[0];
    if (out === null) throw new TypeError(`unknown field "${name}"`);
    return out;
  }

  #decode(fn) {
    decoder ??= new this.#module.PacketDecoder();
    const ptr = decoder.alloc(Math.max(1, this.bytes.length));
    this.#module.HEAPU8.set(this.bytes, ptr);  // after alloc: memory may have grown
    decoder.setFrame(this.number, this.#sec, this.#nsec, this.#hasTs, this.len, this.#iface, this.#link);
    return fn(decoder);
  }
}

/**
 * Reads a capture once and yields its packets as PacketViews (see index.d.ts).
 * @param {() => Promise<object>} getModule
 */
export async function* readPacketsWith(getModule, source, options = {}, openPlatformSource) {
  const { signal } = options;
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  signal?.throwIfAborted();
  const module = await abortable(getModule(), signal);
  const stream = new module.PacketStream();
  let views = [];
  const drain = () => {
    const b = stream.batch();
    const n = b.ends.length;
    if (n === 0) return;
    const [sec, nsec, caplen, origlen, iface, link, hasTs, ends] =
      [b.sec, b.nsec, b.caplen, b.origlen, b.iface, b.linkType, b.hasTs, b.ends].map((v) => v.slice());
    const data = b.data.slice();
    let begin = 0;
    for (let k = 0; k < n; k++) {
      views.push(new PacketView(module, b.first + k, sec[k], nsec[k], hasTs[k] === 1, caplen[k], origlen[k],
        iface[k], link[k], data.subarray(begin, ends[k])));
      begin = ends[k];
    }
    stream.clearBatch();
  };
  try {
    let failed = null;
    for await (const chunk of inputChunks(source, { chunkSize, signal }, openPlatformSource)) {
      for (let offset = 0; offset < chunk.byteLength && !failed; offset += chunkSize) {
        const piece = chunk.subarray(offset, offset + chunkSize);
        const ptr = stream.alloc(piece.byteLength);
        module.HEAPU8.set(piece, ptr);
        const status = stream.feed(piece.byteLength);
        drain();
        if (!status.ok) failed = status.message;
        const out = views;
        views = [];
        for (const v of out) yield v;
        signal?.throwIfAborted();
      }
      if (failed) break;
    }
    if (!failed) {
      const status = stream.finish();
      drain();
      for (const v of views) yield v;
      if (!status.ok) failed = status.message;
    }
    if (failed) {
      const offset = stream.errorOffset();
      throw new CaptureFormatError(stream.error() || failed, offset >= 0 ? { offset } : {});
    }
  } finally {
    stream.delete();
  }
}
