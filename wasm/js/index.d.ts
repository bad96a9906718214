// Type declarations of the pcapscope npm package (Node and browser entry points share them).

/** Progress of openCapture, reported after each chunk. */
export interface Progress {
  /** Source bytes read so far (compressed bytes for gzip input). */
  bytesRead: number;
  /** Source size in bytes, or null when unknown (streams, pipes). */
  total: number | null;
  /** Packets read so far. */
  packets: number;
}

/** Options of openCapture. */
export interface OpenOptions {
  /** Called after each chunk (and once at the end). */
  onProgress?: (progress: Progress) => void;
  /** Aborts reading: openCapture rejects with `signal.reason` (an AbortError by default). */
  signal?: AbortSignal;
  /** Bytes read (and fed to the parser) per step; default 1 MiB. */
  chunkSize?: number;
  /**
   * Keep a re-readable copy of input that cannot be re-read by offset (gzip, streams), which
   * packets() and packet() need; default true. The copy is a Blob in browsers (which may keep
   * large blobs on disk), a temporary file in Node (deleted by close() or at exit). Files,
   * Blobs, paths and byte arrays are re-read in place and never copied. false: summary only.
   */
  keepBytes?: boolean;
  /**
   * Packets analyzed (indexed, assigned to flows, logged, counted in statistics); default
   * 16,777,216 (2^24: 512 MiB of index). Later packets are still read and counted in
   * `summary().packets`; the summary then has `packets_indexed` and a `wasm.packet_cap`
   * warning ("packet cap reached at packet N (offset X): M packets counted, not indexed").
   */
  maxPackets?: number;
}

/** One page of the packet list, as columns (row k is packet number[k]). */
export interface PacketRows {
  /** First row (0-based) and rows returned (clamped to the capture). */
  start: number;
  count: number;
  /** Packet numbers, 1-based. */
  number: Float64Array;
  /** Seconds since the first packet (frame.time_relative); NaN for a packet without timestamp. */
  time: Float64Array;
  /** Original length (frame.len). */
  length: Uint32Array;
  /** Innermost network-layer source (else link-layer), as Wireshark's Source column. */
  source: string[];
  destination: string[];
  /** Highest protocol identified, as Wireshark names it ("TCP", "DNS", …). */
  protocol: string[];
  /** Wireshark-like Info column. */
  info: string[];
}

/** A set of packets: the result of select(), or their 1-based numbers. */
export type SelectionLike = Selection | Uint32Array | number[];

/** The result of Capture.select. */
export interface Selection {
  /** The expression. */
  expr: string;
  /** Matching packets. */
  count: number;
  /** 1-based packet numbers, ascending. */
  numbers: Uint32Array;
}

/** Progress of Capture.select: rows decided from the index, then undecided rows re-read. */
export interface SelectProgress {
  phase: 'index' | 'bytes';
  done: number;
  total: number;
}

/** One piece of a followed stream. */
export interface FollowSegment {
  /** 0 client (originator), 1 server (responder). */
  dir: 0 | 1;
  /** true: `length` bytes are missing here (not captured). */
  gap: boolean;
  /** 1-based number of the packet that carried the bytes (a gap: the packet that revealed it, 0 at the end). */
  packet: number;
  /** Bytes in this piece (or missing). */
  length: number;
}

/** A followed flow (`pcapscope follow FILE FLOW --format json`, as typed arrays). */
export interface FollowResult {
  flowId: number;
  proto: 'tcp' | 'udp' | 'ip';
  segments: FollowSegment[];
  /** The bytes of all pieces back to back: piece k is data.subarray(offsets[k], offsets[k] + segments[k].length). */
  data: Uint8Array;
  offsets: Float64Array;
  summary: {
    flow_id: number;
    uid: string;
    proto: 'tcp' | 'udp' | 'ip';
    /** "addr:port" ("[v6]:port"). */
    client: string;
    server: string;
    /** Bytes delivered per direction [client, server]. */
    bytes: [number, number];
    packets: number;
    /** TCP: how each direction ended ("fin", "rst", "none", …). */
    end?: [string, string];
    out_of_order?: number;
    retransmissions?: number;
    overlaps?: number;
    overlap_conflicts?: number;
    gaps?: number;
    gap_bytes?: number;
    cap_hits?: number;
    /** Packets of the flow that could not be re-read. */
    unreadable: number;
  };
}

/** One node of a packet's field tree. */
export interface FieldNode {
  /** Wireshark field or protocol name ("ip", "ip.src", …). */
  name: string;
  /** Display text ("Source Address: 10.0.0.1"). */
  label: string;
  /** Value as tshark prints it. */
  value: string;
  /** Bytes of the packet the field covers: [offset, offset + length); length 0 = generated. */
  offset: number;
  length: number;
  children: FieldNode[];
}

/** One packet in full (what `pcapscope detail FILE N --json` prints). */
export interface PacketDetail {
  /** 1-based packet number. */
  number: number;
  /** Protocols (and the frame) at the top, their fields below. */
  fields: FieldNode[];
  /** The captured bytes. */
  bytes: Uint8Array;
}

/** The per-packet index, copied out of wasm memory (32 bytes per packet). */
export interface PacketIndex {
  /** Timestamps, ns since the epoch (exact). */
  ts: BigInt64Array;
  /** Record offsets in the (decompressed) input. */
  offset: BigUint64Array;
  caplen: Uint32Array;
  origlen: Uint32Array;
  /** Flow id of each packet (FlowRecord.flow_id; 0: no flow, e.g. non-IP or a fragment still waiting). */
  flow: Uint32Array;
  /** Interface index (saturates at 65535). */
  interface: Uint16Array;
  /** Code of the highest protocol identified: a name in protocolNames. */
  top: Uint8Array;
  /** 0x0f: first dissection anomaly code; 0x10 completed an IP datagram (top is the reassembled payload's); 0x20 no timestamp; 0x40 cut by the snap length; 0x80 several anomalies. */
  flags: Uint8Array;
  /** Names of the `top` codes ("" for none, "eth", "ip", "tcp", …). */
  protocolNames: string[];
}

/** One capture interface (pcap has one; pcapng one per Interface Description Block). */
export interface InterfaceSummary {
  index: number;
  section: number;
  /** LINKTYPE_* value. */
  link_type: number;
  /** e.g. "ETHERNET"; empty when unknown. */
  link_type_name: string;
  /** e.g. "Ethernet"; empty when unknown. */
  link_type_description: string;
  /** 0 means no limit (pcapng). */
  snaplen: number;
  /** "1e-6", "1e-9", "2^-20", … */
  timestamp_resolution: string;
  timestamp_offset_s?: number;
  fcs_len_bits?: number;
  name?: string;
  description?: string;
  filter?: string;
  os?: string;
  hardware?: string;
  comments?: string[];
  packets: number;
  /** The last Interface Statistics Block seen for this interface. */
  statistics?: {
    time: string;
    if_recv?: number;
    if_drop?: number;
    filter_accept?: number;
    os_drop?: number;
    usr_deliv?: number;
  };
}

/** A pcapng section (classic pcap is reported as one section). */
export interface SectionSummary {
  offset: number;
  byte_order: 'little' | 'big';
  version: string;
  /** pcapng only; -1 when unspecified. */
  declared_length?: number;
  hardware?: string;
  os?: string;
  user_application?: string;
  comments?: string[];
  interfaces: number;
}

/** One irregularity found while reading. */
export interface Anomaly {
  /** Stable dotted name, e.g. "pcapng.trailer_mismatch". */
  code: string;
  severity: 'warning' | 'error';
  /** Byte offset in the (decompressed) input. */
  offset: number;
  message: string;
}

/**
 * The capture summary: exactly the JSON object `pcapscope info FILE --json` prints.
 * Times are epoch seconds as decimal strings with `time_digits` decimals (no precision lost).
 */
export interface CaptureSummary {
  format: 'pcap' | 'pcapng' | 'unknown';
  /** Classic pcap only: "microsecond", "nanosecond", "kuznetsov". */
  variant?: string;
  compression: 'none' | 'gzip';
  byte_order: 'little' | 'big';
  version: string;
  /** Classic pcap only. */
  snaplen?: number;
  /** Packets read (all of them, also those beyond the packet cap). */
  packets: number;
  /** Only when the packet cap (`maxPackets`) was reached: the packets analyzed and indexed. */
  packets_indexed?: number;
  bytes_captured: number;
  bytes_original: number;
  max_caplen: number;
  first_time: string | null;
  last_time: string | null;
  duration: string | null;
  data_rate_bytes_per_s: number | null;
  packet_rate_per_s: number | null;
  average_packet_size: number | null;
  packets_without_timestamp: number;
  time_ordered: boolean;
  time_digits: number;
  interfaces: InterfaceSummary[];
  sections: SectionSummary[];
  /** pcapng only. */
  blocks?: {
    section_header: number;
    interface_description: number;
    enhanced_packet: number;
    simple_packet: number;
    obsolete_packet: number;
    name_resolution: number;
    interface_statistics: number;
    decryption_secrets: number;
    custom: number;
    unknown: number;
  };
  /** pcapng only. */
  resolved_names?: number;
  /** pcapng only. */
  decryption_secrets?: { type: string; offset: number; bytes: number }[];
  records_lost: number;
  bytes_consumed: number;
  bytes_unparsed: number;
  anomaly_total: number;
  anomaly_counts: Record<string, number>;
  /** The first anomalies (up to the reader's limit); anomaly_total counts all. */
  anomalies: Anomaly[];
  /** Why reading stopped early (with its offset), or null. */
  error: string | null;
}

/**
 * One flow (conversation): Zeek conn.log field names, the record `pcapscope flows FILE
 * --format ndjson` prints. Optional fields are absent when Zeek leaves them unset.
 */
export interface FlowRecord {
  /** Start time, epoch seconds (six decimals). */
  ts: number;
  uid: string;
  'id.orig_h': string;
  'id.orig_p': number;
  'id.resp_h': string;
  'id.resp_p': number;
  proto: 'tcp' | 'udp' | 'icmp' | 'unknown_transport';
  service?: string;
  /** Seconds; absent for single-instant flows (as orig_bytes and resp_bytes). */
  duration?: number;
  orig_bytes?: number;
  resp_bytes?: number;
  conn_state: string;
  missed_bytes: number;
  history?: string;
  orig_pkts: number;
  orig_ip_bytes: number;
  resp_pkts: number;
  resp_ip_bytes: number;
  ip_proto: number;
  vlan?: number;
  vni?: number;
  community_id: string;
  /** TCP only. */
  retransmissions?: number;
  out_of_order?: number;
  dup_acks?: number;
  zero_windows?: number;
  /** Handshake round-trip times in seconds (TCP, when seen). */
  rtt?: number;
  rtt_syn_synack?: number;
  rtt_synack_ack?: number;
  /** 1-based flow id (the index's `flow` column; `pcapscope follow FILE FLOW`). */
  flow_id: number;
}

/** One endpoint: the record `pcapscope endpoints FILE --format ndjson` prints. */
export interface EndpointRecord {
  address: string;
  type: 'ipv4' | 'ipv6' | 'mac';
  packets: number;
  bytes: number;
  tx_packets: number;
  tx_bytes: number;
  rx_packets: number;
  rx_bytes: number;
  flows: number;
  first_ts: number;
  last_ts: number;
}

/**
 * One DNS query/response pair: Zeek dns.log field names, the record `pcapscope dns FILE
 * --format ndjson` prints. Optional fields are absent when unset.
 */
export interface DnsRecord {
  ts: number;
  uid?: string;
  'id.orig_h': string;
  'id.orig_p': number;
  'id.resp_h': string;
  'id.resp_p': number;
  proto: 'tcp' | 'udp';
  trans_id: number;
  /** Seconds between query and response (when both were seen). */
  rtt?: number;
  query?: string;
  qclass?: number;
  qclass_name?: string;
  qtype?: number;
  qtype_name?: string;
  rcode?: number;
  rcode_name?: string;
  AA: boolean;
  TC: boolean;
  RD: boolean;
  RA: boolean;
  Z: number;
  answers?: string[];
  TTLs?: number[];
  rejected: boolean;
  /** "code@offset" of each anomaly found in the messages. */
  anomalies?: string[];
}

/** Tables the CLI prints: tableText / tableSize names. */
export type TableName = 'flows' | 'endpoints' | 'dns' | 'http' | 'tls' | 'quic' | 'dhcp' | 'objects';

/** Connection fields every log record carries (Zeek names). */
export interface ConnId {
  /** Epoch seconds (six decimals). */
  ts: number;
  uid?: string;
  'id.orig_h': string;
  'id.orig_p': number;
  'id.resp_h': string;
  'id.resp_p': number;
}

/** One HTTP request/response pair (Zeek http.log names, plus frames); absent fields are unset. */
export interface HttpRecord extends ConnId {
  trans_depth: number;
  method?: string;
  host?: string;
  uri?: string;
  referrer?: string;
  version?: string;
  user_agent?: string;
  request_body_len: number;
  response_body_len: number;
  status_code?: number;
  status_msg?: string;
  tags: string[];
  orig_mime_types?: string[];
  resp_mime_types?: string[];
  request_frame?: number;
  response_frame?: number;
  [field: string]: unknown;
}

/** One TLS handshake (Zeek ssl.log names, JA3/JA4, certificate facts). */
export interface TlsRecord extends ConnId {
  version?: string;
  cipher?: string;
  server_name?: string;
  resumed: boolean;
  established: boolean;
  ssl_history?: string;
  ja3?: string;
  ja3s?: string;
  ja4?: string;
  client_alpn?: string[];
  [field: string]: unknown;
}

/** One QUIC connection (versions, SNI, ALPN and JA4 from the decrypted Initial packets). */
export interface QuicRecord extends ConnId {
  version?: string;
  server_name?: string;
  client_protocol?: string;
  history?: string;
  ja4?: string;
  [field: string]: unknown;
}

/** One DHCP exchange (Zeek dhcp.log names). */
export interface DhcpRecord {
  ts: number;
  uids: string[];
  client_addr?: string;
  server_addr?: string;
  mac?: string;
  assigned_addr?: string;
  lease_time?: number;
  msg_types: string[];
  trans_id: string;
  [field: string]: unknown;
}

/** One extractable HTTP body. */
export interface HttpObjectRecord {
  /** 0-based: the argument of object(i). */
  index: number;
  /** Packet that completed the message (tshark's). */
  frame: number;
  hostname?: string;
  content_type?: string;
  content_encoding?: string;
  /** Body bytes (de-chunked, not decoded). */
  size: number;
  /** The file name `tshark --export-objects http` writes. */
  filename: string;
  flow_id: number;
  dir: 0 | 1;
  kind: 'request' | 'response';
  message: number;
  entry: number;
  complete: boolean;
  [field: string]: unknown;
}

/** Packets and bytes per time bucket (Float64Array; exact below 2^53). */
export interface TimeSeries {
  /** Start of bucket 0 (the first packet's time), ns since the epoch. */
  start: bigint;
  /** Width of each bucket. */
  bucketMs: number;
  packets: Float64Array;
  bytes: Float64Array;
  classes: Record<'tcp' | 'udp' | 'icmp' | 'other', { packets: Float64Array; bytes: Float64Array }>;
}

/** One protocol of the hierarchy. */
export interface ProtocolNode {
  name: string;
  frames: number;
  /** Frame bytes (original lengths). */
  bytes: number;
  children: ProtocolNode[];
}

/** The statistics object (docs/statistics.md). */
export interface Statistics {
  packets: number;
  bytes: number;
  first_time: number | string | null;
  last_time: number | string | null;
  protocol_hierarchy: { frames: number; bytes: number; capped: number; children: unknown[] };
  time_series: { start_time: number | string; bucket_ns: number; fine_bucket_ns: number; packets: number[]; bytes: number[]; [k: string]: unknown };
  top_talkers: { endpoints: number; by_bytes: unknown[]; by_packets: unknown[] };
  ports: { proto: string; port: number; service?: string; flows: number; packets: number; bytes: number }[];
  services: { service: string; flows: number; packets: number; bytes: number }[];
  packet_lengths: { min_len: number; max_len: number | null; packets: number; bytes: number; smallest: number | null; largest: number | null }[];
  [k: string]: unknown;
}

/** The analysis summary (`pcapscope analyze FILE --json`; docs/analyze.md). */
export interface AnalysisSummary {
  format: string;
  compression: 'none' | 'gzip';
  packets: number;
  flows: unknown;
  records: Record<string, number>;
  [k: string]: unknown;
}

/** A capture that has been read. */
export declare class Capture {
  private constructor();
  /** "none" or "gzip". */
  readonly compression: 'none' | 'gzip';
  /**
   * Why the input could not be read to its end although packets were read (e.g. corrupt or
   * truncated gzip data), or null. Errors of the capture format itself are in summary().error.
   */
  readonly readError: string | null;
  /** Number of packets (rows of the packet list). */
  readonly packetCount: number;
  /** The summary, parsed (a new object each call). */
  summary(): CaptureSummary;
  /** The summary JSON text, identical to `pcapscope info FILE --json` (without its newline). */
  summaryJson(): string;
  /** The per-packet index (a new copy each call). */
  index(): PacketIndex;
  /**
   * Rows [start, start + count) of the packet list (0-based: row i is packet i + 1), clamped
   * to the capture; default {start: 0, count: 100}. Each row's record is re-read from the
   * source by offset and dissected (queries run one at a time).
   */
  packets(range?: { start?: number; count?: number; selection?: SelectionLike }): Promise<PacketRows>;
  /**
   * The packets matching a display filter (the subset of Wireshark's language `pcapscope
   * filter` knows), as 1-based numbers: decided from the index alone where possible, else by
   * re-reading the undecided packets in windows of at most 4 MiB (memory stays bounded: 4 bytes
   * per matching or undecided packet). Rejects with FilterError on a bad expression, with
   * `signal.reason` when aborted.
   */
  select(expr: string, options?: { signal?: AbortSignal; onProgress?: (progress: SelectProgress) => void }): Promise<Selection>;
  /** One flow's bytes in order, client and server (Follow TCP/UDP Stream). RangeError for an unknown flow. */
  follow(flowId: number, options?: { signal?: AbortSignal }): Promise<FollowResult>;
  /**
   * The packets of `selection`, or matching `filter`, or all, as a new capture file: the bytes
   * `pcapscope filter FILE EXPR -o OUT.pcap|OUT.pcapng` writes. Default format pcapng.
   */
  exportCapture(options?: { filter?: string; selection?: SelectionLike; format?: 'pcap' | 'pcapng'; signal?: AbortSignal }): Promise<Uint8Array>;
  /** The text `pcapscope info FILE` prints (`fileName` as shown, `fileSize` on disk). */
  infoText(fileName: string, fileSize: number): string;
  /** A table as `pcapscope flows|endpoints|dns FILE --format ndjson|tsv` prints it. */
  tableText(table: TableName, format?: 'ndjson' | 'tsv', range?: { start?: number; count?: number }): string;
  /** Records in a table (for printing it page by page with tableText's range). */
  tableSize(table: TableName): number;
  /**
   * Narrows flows(), dns(), http(), tls(), quic(), dhcp() and tableText/tableSize of those
   * tables to the flows that carry a packet of `selection`, as `pcapscope flows|dns|… FILE
   * --filter EXPR` prints them; null shows every record again (endpoints, objects: never narrowed).
   */
  filterTables(selection: SelectionLike | null): Promise<void>;
  /** Packet `number` (1-based) in full: field tree and bytes. RangeError outside 1…packetCount. */
  packet(number: number): Promise<PacketDetail>;
  /** Every flow (conn.log records, flow-id order), as `pcapscope flows FILE` prints them. */
  flows(): Promise<FlowRecord[]>;
  /** Every IP then MAC endpoint, as `pcapscope endpoints FILE` prints them. */
  endpoints(): Promise<EndpointRecord[]>;
  /** The DNS log (dns.log records), as `pcapscope dns FILE` prints them. */
  dns(): Promise<DnsRecord[]>;
  /** The HTTP log (http.log records), as `pcapscope http FILE` prints them. */
  http(): Promise<HttpRecord[]>;
  /** The TLS log (ssl.log records with JA3/JA4 and certificates), as `pcapscope tls FILE` prints them. */
  tls(): Promise<TlsRecord[]>;
  /** The QUIC log, as `pcapscope quic FILE` prints it. */
  quic(): Promise<QuicRecord[]>;
  /** The DHCP log (dhcp.log records), as `pcapscope dhcp FILE` prints them. */
  dhcp(): Promise<DhcpRecord[]>;
  /** The HTTP bodies that can be extracted (Export Objects → HTTP); bytes via object(i). */
  objects(): Promise<HttpObjectRecord[]>;
  /**
   * Extracts object `i` (0-based) by re-reading its flow: the body de-chunked, not decoded
   * (Content-Encoding as sent); `complete` false when part of it was not captured.
   */
  object(i: number, options?: { signal?: AbortSignal }): Promise<{ index: number; bytes: Uint8Array; complete: boolean }>;
  /** Packets and bytes per time bucket (all and per transport class); `bucketMs` rounded up to the fine width. */
  timeSeries(options?: { bucketMs?: number }): Promise<TimeSeries>;
  /** Every statistic of the analysis (the core's stats JSON): hierarchy, series, top talkers, ports, services, sizes. */
  statistics(options?: { bucketMs?: number; top?: number }): Promise<Statistics>;
  /** The protocol hierarchy (tshark -z io,phs) as a tree; the root "frame" holds every packet. */
  protocolHierarchy(): Promise<ProtocolNode>;
  /** The protocol hierarchy as `pcapscope phs FILE` prints it. */
  protocolHierarchyText(): string;
  /** The analysis summary, `pcapscope analyze FILE --json`, parsed. */
  analysis(): AnalysisSummary;
  /** The analysis summary JSON text as the CLI prints it. */
  analysisJson(): string;
  /** The analysis summary as `pcapscope analyze FILE` prints it. */
  analysisText(fileName: string): string;
  /** Frees the wasm memory and the kept bytes (a temporary file in Node). Idempotent. */
  close(): Promise<void>;
}

/** The input is not a capture (or reading failed before the first packet). */
export declare class CaptureFormatError extends Error {
  constructor(message: string, details?: { offset?: number; cause?: unknown });
  readonly name: 'CaptureFormatError';
  /** Byte offset (in the decompressed input) where reading failed, when known. */
  readonly offset: number | undefined;
}

/** A display filter that does not compile. */
export declare class FilterError extends Error {
  constructor(message: string, details?: { expr?: string; start?: number; end?: number; hint?: string });
  readonly name: 'FilterError';
  /** The expression. */
  readonly expr: string;
  /** Byte range [start, end) of the offending text in `expr` (0-based). */
  readonly start: number;
  readonly end: number;
  /** e.g. `did you mean "tcp.port"?` (may be empty). */
  readonly hint: string;
}

/**
 * One packet of readPackets. Layers and field values are decoded on demand (each call
 * dissects the bytes again); fields have no TCP context: tcp.seq/tcp.ack are the raw numbers
 * and windows unscaled (the packet list's relative numbers need the whole flow).
 */
export declare class PacketView {
  private constructor();
  /** 1-based packet number. */
  readonly number: number;
  /** Captured and original length. */
  readonly caplen: number;
  readonly len: number;
  /** The captured bytes (owned by the view). */
  readonly bytes: Uint8Array;
  /** Nanoseconds since the epoch, exact; null for a packet without timestamp (pcapng SPB). */
  readonly ts: bigint | null;
  /** Milliseconds since the epoch as a Number (for `new Date()`); null without timestamp. */
  readonly timestamp: number | null;
  /** LINKTYPE_* of the packet's interface. */
  readonly linkType: number;
  /** pcapng interface index; -1 for classic pcap. */
  readonly interface: number;
  /** The field tree (as Capture.packet(n).fields). */
  readonly layers: FieldNode[];
  /** First value of a Wireshark field ("ip.src", "udp.dstport", …) or undefined; TypeError for an unknown name. */
  field(name: string): string | undefined;
  /** Every value of the field in the packet, in order. */
  values(name: string): string[];
}

/**
 * Reads a capture once, front to back (pcap/pcapng, gzip detected), yielding one PacketView
 * per packet; only the current batch of records (about one chunk) is in memory. After a fatal
 * format error the packets before it are yielded, then the iteration throws CaptureFormatError.
 */
export declare function readPackets(
  source: CaptureSource,
  options?: { chunkSize?: number; signal?: AbortSignal },
): AsyncGenerator<PacketView, void, undefined>;

/** Capture methods proxied to a worker: every query returns a Promise. */
export interface WorkerCapture
  extends Omit<Capture, 'index' | 'infoText' | 'tableText' | 'tableSize' | 'protocolHierarchyText' | 'analysis' | 'analysisJson' | 'analysisText'> {
  /** The analysis summary (a Promise here). */
  analysis(): Promise<AnalysisSummary>;
  /** The protocol hierarchy text (a Promise here). */
  protocolHierarchyText(): Promise<string>;
  /** The per-packet index (a Promise here). */
  index(): Promise<PacketIndex>;
}

/**
 * Browsers: opens a capture in a module Web Worker (the package's `./worker` entry) that owns
 * the wasm module and the work; the same Capture API, results' typed arrays transferred.
 * `worker`: an existing Worker/MessagePort serving captures (left running); by default a new
 * Worker is started and terminated by close(). `transfer`: transfer an ArrayBuffer/typed-array
 * source instead of copying it.
 */
export declare function openCaptureInWorker(
  source: Blob | ArrayBuffer | ArrayBufferView | ReadableStream<Uint8Array>,
  options?: OpenOptions & { worker?: Worker | MessagePort; transfer?: boolean },
): Promise<WorkerCapture>;

/** Anything openCapture reads. In Node also a path (string or file: URL) or a FileHandle. */
export type CaptureSource =
  | Blob
  | ArrayBuffer
  | ArrayBufferView
  | ReadableStream<Uint8Array>
  | AsyncIterable<Uint8Array>
  | string
  | URL
  | { fd: number; read: Function; stat: Function };

/**
 * Reads a capture (pcap or pcapng, plain or gzip-compressed; gzip is detected from its first
 * bytes and decompressed while streaming) chunk by chunk and returns its summary.
 * Files, Blobs and paths are never read whole into memory.
 *
 * Rejects with CaptureFormatError when the input is not a capture or reading failed before the
 * first packet; with `signal.reason` when aborted. After a later error the partial result is
 * returned, with `summary().error` (or `readError`) set.
 */
export declare function openCapture(source: CaptureSource, options?: OpenOptions): Promise<Capture>;

/** Starts loading the wasm module ahead of the first openCapture. */
export declare function preload(): Promise<void>;

/** The default chunk size: 1 MiB. */
export declare const DEFAULT_CHUNK_SIZE: number;

/** The default packet cap of openCapture (`maxPackets`): 2^24 = 16,777,216 packets. */
export declare const DEFAULT_MAX_PACKETS: number;
