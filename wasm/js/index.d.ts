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
  /** The summary, parsed (a new object each call). */
  summary(): CaptureSummary;
  /** The summary JSON text, identical to `pcapscope info FILE --json` (without its newline). */
  summaryJson(): string;
  /** Frees the wasm memory held for this capture. Idempotent. */
  close(): void;
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
