// openCapture: streams a capture source (plain or gzip) through the wasm reader chunk by chunk,
// building the per-packet index, and returns a Capture: the summary, and pages of packet-list
// rows and packet details computed by re-reading records from the source by offset. Shared by
// the Node and browser entry points, which supply the wasm module and platform-specific sources.
import { CaptureFormatError, FilterError } from './errors.js';
import { blobKeeper, openCommonSource, prefetching } from './sources.js';

/** Bytes read from the source per step unless `chunkSize` says otherwise. */
export const DEFAULT_CHUNK_SIZE = 1 << 20;

/**
 * Packets analyzed (indexed, tracked, logged) unless `maxPackets` says otherwise: 512 MiB of
 * index at 32 bytes per packet, well inside the 2 GiB the wasm memory can grow to. Later
 * packets are counted, not analyzed (a warning in the summary names where the cap was hit).
 */
export const DEFAULT_MAX_PACKETS = 1 << 24;

/** Largest source window read at once for a page of rows (a page takes several if needed). */
const MAX_WINDOW = 4 << 20;

/** Records of a table formatted per call into wasm (bounds the text held at once). */
const TABLE_PAGE = 4096;

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
function parseNdjson(text, out = []) {
  let begin = 0;
  while (begin < text.length) {
    let end = text.indexOf('\n', begin);
    if (end < 0) end = text.length;
    if (end > begin) out.push(JSON.parse(text.slice(begin, end)));
    begin = end + 1;
  }
  return out;
}

/** The 1-based packet numbers of a selection: {numbers}, a Uint32Array or an array. */
function selectionNumbers(selection) {
  const numbers = selection?.numbers ?? selection;
  if (numbers instanceof Uint32Array) return numbers;
  if (Array.isArray(numbers) || ArrayBuffer.isView(numbers)) return Uint32Array.from(numbers);
  throw new TypeError('selection must be {numbers}, a Uint32Array or an array of packet numbers');
}

/** Concatenates byte arrays into one. */
export function concatBytes(parts) {
  if (parts.length === 1) return parts[0];
  let n = 0;
  for (const p of parts) n += p.byteLength;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

/** The flat pre-order field list of detail_json (with depths) as a tree of nodes with children. */
export function toTree(flat) {
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

/**
 * The summary JSON with the packet cap's outcome when it was reached (else unchanged, as the
 * native CLI prints it): `packets_indexed` after `packets`, and a `wasm.packet_cap` warning.
 */
function withPacketCap(json, cap, indexed) {
  if (cap.beyond === 0) return json;
  const summary = JSON.parse(json);
  const out = {};
  for (const [key, value] of Object.entries(summary)) {
    out[key] = value;
    if (key === 'packets') out.packets_indexed = indexed;
  }
  const code = 'wasm.packet_cap';
  out.anomaly_total += 1;
  out.anomaly_counts[code] = 1;
  out.anomalies.push({
    code,
    severity: 'warning',
    offset: cap.firstOffset,
    message: `packet cap reached at packet ${cap.max + 1} (offset ${cap.firstOffset}): ` +
      `${cap.beyond} packets counted, not indexed (openCapture option maxPackets: ${cap.max})`,
  });
  return JSON.stringify(out);
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
    this.#json = withPacketCap(session.summaryJson(compression), session.packetCap(), session.packetCount());
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
    // The columns arrive as JS-owned typed arrays (copied out of wasm memory block by block).
    const v = session.indexColumns();
    const out = {
      ts: new BigInt64Array(v.ts.buffer),  // wasm memory is little-endian, as are hosts
      offset: new BigUint64Array(v.offset.buffer),
      caplen: v.caplen,
      origlen: v.origlen,
      flow: v.flow,
      interface: v.interface,
      top: v.top,
      flags: v.flags,
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
  packets({ start = 0, count = 100, selection } = {}) {
    if (selection !== undefined && selection !== null) {
      return this.#serial(() => this.#selectedPackets(start, count, selectionNumbers(selection)));
    }
    return this.#serial(() => this.#packets(start, count));
  }

  /**
   * The packets matching display filter `expr` (Wireshark syntax, the subset `pcapscope filter`
   * knows): decided from the index alone where possible, else by re-reading the undecided
   * packets from the source in windows of at most 4 MiB. Rejects with a FilterError (message,
   * start, end, hint) when `expr` does not compile; with `signal.reason` when aborted.
   * `onProgress({phase: 'index'|'bytes', done, total})` reports rows decided.
   * @param {string} expr
   * @param {{signal?: AbortSignal, onProgress?: (p: {phase: string, done: number, total: number}) => void}} [options]
   * @returns {Promise<{expr: string, count: number, numbers: Uint32Array}>} 1-based packet
   *   numbers, ascending
   */
  select(expr, { signal, onProgress } = {}) {
    return this.#serial(() => this.#select(expr, signal, onProgress));
  }

  /**
   * One flow's client and server bytes in order (Follow TCP/UDP Stream): TCP reassembled per
   * direction, UDP one piece per datagram. `segments[k]` = {dir (0 client, 1 server), gap
   * (true: `length` bytes are missing), packet (1-based number that carried them), length};
   * its bytes are `data.subarray(offsets[k], offsets[k] + length)` (none for gaps). `summary`
   * is what `pcapscope follow FILE FLOW --format json` prints besides the pieces.
   * @param {number} flowId 1-based (FlowRecord.flow_id)
   * @param {{signal?: AbortSignal}} [options]
   */
  follow(flowId, { signal } = {}) {
    return this.#serial(() => this.#follow(flowId, signal));
  }

  /**
   * The packets of a selection (or matching `filter`, or all) as a new capture file: the
   * bytes `pcapscope filter FILE EXPR -o OUT.pcap|OUT.pcapng` writes. pcap keeps the link
   * type, time precision and snap length (and fails on mixed link types); pcapng writes one
   * IDB per interface used and keeps comments.
   * @param {{filter?: string, selection?: {numbers: Uint32Array}|Uint32Array|number[],
   *   format?: 'pcap'|'pcapng', signal?: AbortSignal}} [options]
   * @returns {Promise<Uint8Array>}
   */
  exportCapture({ filter, selection, format = 'pcapng', signal } = {}) {
    if (format !== 'pcap' && format !== 'pcapng') {
      return Promise.reject(new TypeError(`format must be 'pcap' or 'pcapng', got ${format}`));
    }
    return this.#serial(() => this.#export(filter, selection, format, signal));
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
    return this.#serial(() => this.#table('flows'));
  }

  /**
   * The endpoints, IP addresses then MAC addresses, each in first-seen order ({address, type,
   * packets, bytes, tx_packets, tx_bytes, rx_packets, rx_bytes, flows, first_ts, last_ts}): the
   * records `pcapscope endpoints FILE` prints, parsed.
   */
  endpoints() {
    return this.#serial(() => this.#table('endpoints'));
  }

  /**
   * The DNS log, one object per query/response pair with Zeek dns.log field names (ts, uid,
   * id.*, proto, trans_id, rtt, query, qtype_name, rcode_name, answers, TTLs, …): the records
   * `pcapscope dns FILE` prints, parsed. Absent fields are left out.
   */
  dns() {
    return this.#serial(() => this.#table('dns'));
  }

  /**
   * The text `pcapscope info FILE` prints for this capture (`fileName` as it should appear,
   * `fileSize` the size on disk: the compressed size for gzip).
   * @param {string} fileName
   * @param {number} fileSize
   * @returns {string}
   */
  infoText(fileName, fileSize) {
    return this.#live().infoText(String(fileName), this.#compression === 'gzip', fileSize);
  }

  /**
   * A table as text, exactly as `pcapscope flows|endpoints|dns FILE --format ndjson|tsv`
   * prints it.
   * @param {'flows'|'endpoints'|'dns'} table
   * @param {'ndjson'|'tsv'} [format]
   * @returns {string}
   */
  tableText(table, format = 'ndjson', { start = 0, count = Infinity } = {}) {
    const size = this.tableSize(table);
    const end = Math.min(size, start + count);
    let out = '';
    for (let k = start; k < end; k += TABLE_PAGE) {
      out += this.#live().tableText(table, format === 'tsv', k, Math.min(TABLE_PAGE, end - k));
    }
    return out;
  }

  /**
   * Records in a table (`flows`, `endpoints`, `dns`); with tableText's {start, count}, a
   * large table can be printed page by page.
   * @param {string} table
   * @returns {number}
   */
  tableSize(table) {
    const size = this.#live().tableSize(table);
    if (size < 0) throw new TypeError(`no table ${table}`);
    return size;
  }

  /**
   * Narrows flows(), dns(), http(), tls(), quic(), dhcp() and tableText/tableSize of those
   * tables to the flows that carry a packet of `selection` (a select() result or packet
   * numbers), as `pcapscope flows|dns|… FILE --filter EXPR` prints them; null shows every
   * record again. Endpoints and objects are not narrowed.
   * @param {import('./index.js').SelectionLike | null} selection
   */
  filterTables(selection) {
    return this.#serial(() => {
      if (selection === null) {
        this.#live().tableFilter(false);
        return;
      }
      this.#setList(selectionNumbers(selection));
      this.#live().tableFilter(true);
    });
  }

  /** A whole table parsed, read from wasm in pages of TABLE_PAGE records. */
  #table(name) {
    const size = this.tableSize(name);
    const out = [];
    for (let k = 0; k < size; k += TABLE_PAGE) {
      parseNdjson(this.#live().tableText(name, false, k, TABLE_PAGE), out);
    }
    return out;
  }

  /**
   * The HTTP log: one object per request/response pair with Zeek http.log field names, the
   * records `pcapscope http FILE` prints, parsed.
   */
  http() {
    return this.#serial(() => this.#table('http'));
  }

  /** The TLS log (Zeek ssl.log names, JA3/JA4, certificates): `pcapscope tls FILE`, parsed. */
  tls() {
    return this.#serial(() => this.#table('tls'));
  }

  /** The QUIC log (versions, SNI, ALPN from decrypted Initial packets): `pcapscope quic FILE`, parsed. */
  quic() {
    return this.#serial(() => this.#table('quic'));
  }

  /** The DHCP log (Zeek dhcp.log names): `pcapscope dhcp FILE`, parsed. */
  dhcp() {
    return this.#serial(() => this.#table('dhcp'));
  }

  /**
   * The HTTP bodies that can be extracted (Wireshark's Export Objects → HTTP): one record per
   * body with its file name as tshark would write it, content type, size, packet and flow.
   * Their bytes are not kept: `object(i)` re-reads the flow and extracts one.
   */
  objects() {
    return this.#serial(() => this.#table('objects'));
  }

  /**
   * Extracts HTTP object `i` (0-based, as in objects()): its flow is re-read from the source
   * and parsed again. `bytes` is the body de-chunked but not decoded (Content-Encoding as
   * sent); `complete` is false when part of it was not captured.
   * @param {number} i
   * @param {{signal?: AbortSignal}} [options]
   * @returns {Promise<{index: number, bytes: Uint8Array, complete: boolean}>}
   */
  object(i, { signal } = {}) {
    return this.#serial(async () => {
      const flowId = this.#live().objectFlow(i);
      if (!Number.isInteger(i) || flowId === 0) throw new RangeError(`no object ${i}`);
      const r = await this.#runPlanned(flowId, (ptr, total, size) => this.#live().objectRun(i, ptr, total, size), signal);
      try {
        if (!r.ok) throw new Error(r.message);
        return { index: i, bytes: this.#live().objectBytes().slice(), complete: r.complete };
      } finally {
        this.#live().objectClear();
        this.#live().followClear();
      }
    });
  }

  /**
   * Packets and bytes per time bucket from the first packet on (all, and per transport class:
   * tcp, udp, icmp, other). `bucketMs` is rounded up to the collector's fine width (1 ms,
   * doubled as the capture's span requires); default: that width.
   * @param {{bucketMs?: number}} [options]
   */
  timeSeries({ bucketMs = 0 } = {}) {
    return this.#serial(() => {
      const v = this.#live().timeSeries(Math.round(bucketMs * 1e6));
      const copy = (name) => ({ packets: v[`${name}Packets`].slice(), bytes: v[`${name}Bytes`].slice() });
      return {
        start: BigInt(v.startSec) * 1000000000n + BigInt(v.startNsec),
        bucketMs: v.bucketNs / 1e6,
        packets: v.packets.slice(),
        bytes: v.bytes.slice(),
        classes: { tcp: copy('tcp'), udp: copy('udp'), icmp: copy('icmp'), other: copy('other') },
      };
    });
  }

  /**
   * Every statistic of the analysis as one object (the core's stats JSON): totals, protocol
   * hierarchy, time series at `bucketMs` (default automatic, at most ~1000 buckets), top talkers,
   * ports, services and packet sizes, `top` rows per list (default 20).
   * @param {{bucketMs?: number, top?: number}} [options]
   */
  statistics({ bucketMs = 0, top = 0 } = {}) {
    return this.#serial(() => JSON.parse(this.#live().statisticsJson(Math.round(bucketMs * 1e6), top)));
  }

  /**
   * The protocol hierarchy (tshark -z io,phs) as a tree: {name, frames, bytes, children}, the
   * root named "frame" holding every packet.
   */
  protocolHierarchy() {
    return this.#serial(() => {
      const v = this.#live().protocolHierarchy();
      const parent = v.parent.slice();
      const name = v.name.slice();
      const frames = v.frames.slice();
      const bytes = v.bytes.slice();
      const names = v.names.split('\n');
      const nodes = Array.from(parent, (_, k) => ({ name: k === 0 ? 'frame' : names[name[k]], frames: frames[k], bytes: bytes[k], children: [] }));
      for (let k = 1; k < nodes.length; k++) nodes[parent[k]].children.push(nodes[k]);
      return nodes[0] ?? { name: 'frame', frames: 0, bytes: 0, children: [] };
    });
  }

  /** The protocol hierarchy as `pcapscope phs FILE` (tshark -q -z io,phs) prints it. */
  protocolHierarchyText() {
    return this.#live().phsText();
  }

  /** The analysis summary, `pcapscope analyze FILE --json`, parsed. */
  analysis() {
    return JSON.parse(this.#live().analysisJson(this.#compression));
  }

  /** The analysis summary exactly as the core serialized it (`pcapscope analyze FILE --json`). */
  analysisJson() {
    return this.#live().analysisJson(this.#compression);
  }

  /** The analysis summary as `pcapscope analyze FILE` prints it (`fileName` as shown). */
  analysisText(fileName) {
    return this.#live().analysisText(String(fileName));
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

  /** Copies 1-based packet `numbers` into the session's row list (as 0-based rows). */
  #setList(numbers) {
    const total = this.#live().packetCount();
    const ptr = this.#live().listAlloc(numbers.length);
    const rows = new Uint32Array(this.#module.HEAPU8.buffer, ptr, numbers.length);
    for (let k = 0; k < numbers.length; k++) {
      const n = numbers[k];
      if (!(n >= 1 && n <= total) || !Number.isInteger(n)) {
        throw new RangeError(`no packet ${n} (the capture has ${total})`);
      }
      rows[k] = n - 1;
    }
  }

  /** Rows 0…n-1 as the session's row list. */
  #setAllRows() {
    const n = this.#live().packetCount();
    const ptr = this.#live().listAlloc(n);
    const rows = new Uint32Array(this.#module.HEAPU8.buffer, ptr, n);
    for (let k = 0; k < n; k++) rows[k] = k;
  }

  /**
   * Pages over list entries [0, n) in source windows: `call(k, count, windowOffset, w)` runs a
   * session list call on one window; `afterWindow(done)` runs after each.
   */
  async #overList(n, call, signal, afterWindow) {
    let done = 0;
    let need = null;
    let retries = 0;
    while (done < n) {
      signal?.throwIfAborted();
      const span = this.#live().listSpan(done, n - done, MAX_WINDOW);
      if (!(span.count > 0)) throw new Error(`row list entry ${done} names no packet`);
      let length = span.length;
      if (need && need.k === done) length = Math.max(length, need.length);
      const w = await this.#window(span.offset, length);
      signal?.throwIfAborted();
      const r = call(done, span.count, span.offset, w);
      if (!r.ok) throw new Error(r.message);
      done += r.done;
      if (r.done < span.count) {
        retries = r.done === 0 ? retries + 1 : 0;
        if (retries > 4) throw new Error('a packet cannot be re-read');
        need = { k: done, length: r.needLength };
      }
      afterWindow?.(done);
    }
  }

  async #selectedPackets(start, count, numbers) {
    if (!Number.isSafeInteger(start) || start < 0) throw new RangeError(`bad start: ${start}`);
    if (!Number.isSafeInteger(count) || count < 0) throw new RangeError(`bad count: ${count}`);
    start = Math.min(start, numbers.length);
    count = Math.min(count, numbers.length - start);
    this.#setList(numbers.subarray ? numbers.subarray(start, start + count) : numbers.slice(start, start + count));
    await this.#overList(count, (k, n, offset, w) =>
      this.#live().listRows(k, n, offset, w.ptr, w.size, k > 0, w.atEnd));
    const session = this.#live();
    if (count === 0) session.rows(0, 0, 0, session.alloc(1), 0, false, true);
    return { start, ...this.#page() };
  }

  /** The session's current page of rows, copied out and decoded. */
  #page() {
    const v = this.#live().pageColumns();
    const number = v.number.slice();
    const time = v.time.slice();
    const lengths = v.length.slice();
    const ids = [v.source.slice(), v.destination.slice(), v.protocol.slice(), v.info.slice()];
    const table = decodeStrings(v.strings, v.stringEnds);
    const [source, destination, protocol, info] = ids.map((col) => Array.from(col, (k) => table[k]));
    return { count: number.length, number, time, source, destination, protocol, length: lengths, info };
  }

  async #select(expr, signal, onProgress) {
    if (typeof expr !== 'string') throw new TypeError('select: expr must be a string');
    signal?.throwIfAborted();
    const c = this.#live().selectCompile(expr);
    if (!c.ok) throw new FilterError(c.message, { expr, start: c.start, end: c.end, hint: c.hint });
    const total = this.#live().packetCount();
    const STEP = 1 << 20;
    for (let s = 0; s < total; s += STEP) {
      if (signal) {
        await new Promise((ok) => setTimeout(ok, 0));  // let an abort be delivered
        signal.throwIfAborted();
      }
      this.#live().selectIndex(s, Math.min(STEP, total - s));
      onProgress?.({ phase: 'index', done: Math.min(total, s + STEP), total });
    }
    const candidates = this.#live().listSize();
    await this.#overList(candidates,
      (k, n, offset, w) => this.#live().selectRows(k, n, offset, w.ptr, w.size, w.atEnd), signal,
      (done) => onProgress?.({ phase: 'bytes', done, total: candidates }));
    const numbers = this.#live().selectResult().slice();
    return { expr, count: numbers.length, numbers };
  }

  async #export(filter, selection, format, signal) {
    let numbers = null;
    if (filter !== undefined && filter !== null) {
      numbers = (await this.#select(filter, signal)).numbers;
    } else if (selection !== undefined && selection !== null) {
      numbers = selectionNumbers(selection);
    }
    signal?.throwIfAborted();
    if (numbers) this.#setList(numbers);
    else this.#setAllRows();
    const n = this.#live().listSize();
    const parts = [];
    const drain = () => {
      const view = this.#live().exportBytes();
      if (view.length) parts.push(view.slice());
      this.#live().exportClear();
    };
    this.#live().exportBegin(format === 'pcapng');
    await this.#overList(n, (k, count, offset, w) =>
      this.#live().exportRows(k, count, offset, w.ptr, w.size, w.atEnd), signal, drain);
    const end = this.#live().exportEnd();
    drain();
    if (!end.ok) throw new Error(`exportCapture: ${end.message}`);
    return concatBytes(parts);
  }

  /**
   * Plans flow `flowId`, reads its ranges from the store, copies them back to back into the
   * session buffer and calls `run(ptr, total, sourceSize)`, again with a longer plan while the
   * run asks to retry. Resolves to the run's last result.
   */
  async #runPlanned(flowId, run, signal) {
    signal?.throwIfAborted();
    let plan = this.#live().followPlan(flowId);
    if (!plan.ok) throw new RangeError(plan.message);
    for (let attempt = 0; attempt < 5; attempt++) {
      const ranges = plan.ranges.slice();
      const total = plan.total;
      const parts = [];
      for (let k = 0; k < ranges.length; k += 2) {
        signal?.throwIfAborted();
        parts.push(await this.#read(ranges[k], ranges[k + 1]));
      }
      signal?.throwIfAborted();
      const session = this.#live();
      const ptr = session.alloc(Math.max(1, total));
      const heap = this.#module.HEAPU8;  // after alloc: memory may have grown
      let at = 0;
      for (let k = 0; k < parts.length; k++) {
        heap.set(parts[k], ptr + at);
        at += ranges[2 * k + 1];
      }
      const r = run(ptr, total, this.#store.size);
      if (!r.retry) return r;
      plan = r;
    }
    throw new Error(`flow ${flowId} cannot be re-read`);
  }

  async #follow(flowId, signal) {
    if (!Number.isSafeInteger(flowId)) throw new RangeError(`bad flow id: ${flowId}`);
    try {
      const r = await this.#runPlanned(flowId, (ptr, total, size) => this.#live().followRun(ptr, total, size), signal);
      if (!r.ok) throw new Error(r.message);
      const v = this.#live().followColumns();
      const dir = v.dir.slice();
      const gap = v.gap.slice();
      const packet = v.packet.slice();
      const length = v.length.slice();
      const offsets = v.offsets.slice();
      const data = v.data.slice();
      const segments = Array.from(dir, (d, k) => ({ dir: d, gap: gap[k] === 1, packet: packet[k], length: length[k] }));
      return { flowId, proto: r.proto, segments, data, offsets, summary: JSON.parse(r.summary) };
    } finally {
      this.#session?.followClear();
    }
  }

  /** Reads source bytes [offset, offset + length) (fewer at the end). */
  async #read(offset, length) {
    if (!this.#store) {
      throw new Error('packet bytes were not kept (openCapture with keepBytes: false)');
    }
    return this.#store.read(offset, length);
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
export function abortable(promise, signal) {
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
export async function readHead(src, n, signal) {
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
export function replaying(chunks, src) {
  let i = 0;
  return {
    total: src.total,
    read: () => (i < chunks.length ? Promise.resolve(chunks[i++]) : src.read()),
    close: () => src.close(),
  };
}

/** Largest chunk read straight into wasm memory (the session buffer holds two). */
const MAX_DIRECT_CHUNK = 64 << 20;

/**
 * Reads a regular file straight into wasm memory and feeds it, overlapping the two: the session
 * buffer holds two chunks; while one is parsed, the source's `readAt` (libuv's threads) fills the
 * other. `first` is the first chunk, already read (into JS memory, to look for gzip); the next
 * starts where it ends. `afterChunk()` runs after each chunk parsed (it may throw, to abort),
 * `onRead(n)` after each read.
 *
 * The parse may grow the wasm memory while a read is in flight, detaching the view the read was
 * given. V8 grows a wasm memory in place on 64-bit hosts (the only ones `readAt` is offered on),
 * so the read still lands in the session buffer; but the bytes are not trusted to it: a chunk
 * whose read saw the memory grow is read again into the grown memory. A read is always awaited
 * before the session buffer can be used for anything else (it is not abortable: libuv writes
 * until it ends).
 * @returns {Promise<{ok: boolean, message: string}>} the first failed feed's status, or ok
 */
async function readDirect(module, session, src, first, chunkSize, afterChunk, onRead) {
  const base = session.alloc(2 * chunkSize);
  module.HEAPU8.set(first, base);  // after alloc: memory may have grown
  let position = first.byteLength;
  let length = first.byteLength;
  let half = 0;  // the half holding the chunk to parse
  let pending = null;  // the read in flight: {heap, ptr, at, done}
  const issue = (ptr, at) => {
    const heap = module.HEAPU8.buffer;
    const done = src.readAt(new Uint8Array(heap, ptr, chunkSize), at);
    done.catch(() => {});  // awaited below, or in `finally`
    return { heap, ptr, at, done };
  };
  try {
    while (length > 0) {
      pending = issue(base + (1 - half) * chunkSize, position);
      const status = session.feed(base + half * chunkSize, length);
      if (!status.ok) return status;
      afterChunk();
      let n = await pending.done;
      while (module.HEAPU8.buffer !== pending.heap) {
        // The memory grew meanwhile (this parse, or another session's): read the chunk again.
        pending = issue(pending.ptr, pending.at);
        n = await pending.done;
      }
      pending = null;
      onRead(n);
      position += n;
      length = n;
      half = 1 - half;
    }
    return { ok: true, message: '' };
  } finally {
    if (pending) await pending.done.catch(() => {});
  }
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
  const maxPackets = options.maxPackets ?? DEFAULT_MAX_PACKETS;
  if (!Number.isSafeInteger(maxPackets) || maxPackets < 1) {
    throw new RangeError(`maxPackets must be a positive integer, got ${maxPackets}`);
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
  // Node's regular files and Blobs with BYOB streams are read into two buffers used in turn
  // (readInto); other sources, and gzip files once detected, chunk by chunk, read ahead when
  // their chunks are fresh buffers.
  let twoBuffers = typeof src.readInto === 'function';
  if (src.prefetchable && !twoBuffers) src = prefetching(src);

  let session = null;
  let decompressed = null;  // reader of the DecompressionStream output, for gzip input
  let keeper = null;        // keeps what is fed when the source cannot be re-read by offset
  let store = null;         // the capture's bytes by offset, handed to the Capture
  try {
    signal?.throwIfAborted();
    const module = await abortable(getModule(), signal);
    session = new module.Session(maxPackets);

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

    // Two buffers (readInto): the next chunk is read into one (by libuv's threads in Node, by
    // the browser's file pipe for a Blob) while the other is copied into the session buffer
    // and parsed. Node's regular files on 64-bit hosts (readAt) skip that copy: the two
    // buffers are the halves of the session buffer, in wasm memory (see readDirect).
    let spare = null;  // the buffer the next readInto fills
    let filled = null;  // the chunk read, not yet fed
    let gzip;
    let chunks = [];
    if (twoBuffers) {
      filled = await abortable(src.readInto(new Uint8Array(chunkSize)), signal);
      bytesRead += filled.byteLength;
      gzip = filled.byteLength >= 2 && filled[0] === 0x1f && filled[1] === 0x8b;
      if (gzip) {
        // Decompressed from chunks like any stream, the first one being this buffer.
        twoBuffers = false;
        chunks = [filled];
        if (src.prefetchable) src = prefetching(src);
      }
    } else {
      let head;
      ({ chunks, head } = await readHead(counting, 2, signal));
      gzip = head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
    }
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
    if (twoBuffers && typeof src.readAt === 'function' && chunkSize <= MAX_DIRECT_CHUNK) {
      const outcome = await readDirect(module, session, src, filled, chunkSize, () => {
        signal?.throwIfAborted();
        report();
      }, (n) => {
        bytesRead += n;
      });
      if (!outcome.ok) {
        failure = outcome.message;
        // Partial results stay readable; the rest of the input is only counted.
        if (session.packets() > 0 || options._acceptEmpty) await skipRest(input);
        report();
      }
    } else if (twoBuffers) {
      spare = new Uint8Array(chunkSize);
      while (filled.byteLength > 0) {
        const length = filled.byteLength;
        const next = src.readInto(spare);
        next.catch(() => {});  // awaited below, unless parsing stops first
        const ptr = session.alloc(length);
        module.HEAPU8.set(filled, ptr);  // after alloc: memory may have grown
        const status = session.feed(ptr, length);
        if (!status.ok) {
          failure = status.message;
          // Partial results stay readable; the rest of the input is only counted.
          if (session.packets() > 0 || options._acceptEmpty) await skipRest(input);
          report();
          break;
        }
        signal?.throwIfAborted();
        report();
        spare = new Uint8Array(filled.buffer, filled.byteOffset, chunkSize);  // fed: free again
        filled = await abortable(next, signal);
        bytesRead += filled.byteLength;
      }
    } else if (!gzip) {
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
          if (session.packets() > 0 || options._acceptEmpty) {
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
          if (!status.ok && session.packets() === 0 && !options._acceptEmpty) {
            failure = status.message;
            break;
          }
        }
        report();
      }
    }

    // options._acceptEmpty (the CLI's): a capture of no packets is returned, not rejected.
    if (failure !== null && session.packets() === 0 && !options._acceptEmpty) {
      const offset = session.errorOffset();
      throw new CaptureFormatError(session.error() || failure, offset >= 0 ? { offset } : {});
    }
    const end = session.finish();
    if (!end.ok && session.packets() === 0 && !options._acceptEmpty) {
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
