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

/** The per-packet index, copied out of wasm memory (about 28 bytes per packet). */
export interface PacketIndex {
  /** Timestamps, ns since the epoch (exact). */
  ts: BigInt64Array;
  /** Record offsets in the (decompressed) input. */
  offset: BigUint64Array;
  caplen: Uint32Array;
  origlen: Uint32Array;
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
  packets: number;
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
  packets(range?: { start?: number; count?: number }): Promise<PacketRows>;
  /** Packet `number` (1-based) in full: field tree and bytes. RangeError outside 1…packetCount. */
  packet(number: number): Promise<PacketDetail>;
  /** Every flow (conn.log records, flow-id order), as `pcapscope flows FILE` prints them. */
  flows(): Promise<FlowRecord[]>;
  /** Every IP then MAC endpoint, as `pcapscope endpoints FILE` prints them. */
  endpoints(): Promise<EndpointRecord[]>;
  /** The DNS log (dns.log records), as `pcapscope dns FILE` prints them. */
  dns(): Promise<DnsRecord[]>;
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
