// Node entry point of the pcapscope package: openCapture over paths, FileHandles and every
// source browsers have. The wasm module is loaded once, on first use. Packet queries re-read
// files by position; gzip and stream input is kept in a temporary file while the capture is open.
import { openCaptureWith, Capture, DEFAULT_CHUNK_SIZE, DEFAULT_MAX_PACKETS } from './capture.js';
import { readPacketsWith, PacketView } from './packets.js';
import { getModule, openNodeSource, tempFileKeeper } from './node-platform.js';

export { CaptureFormatError, FilterError } from './errors.js';
export { Capture, DEFAULT_CHUNK_SIZE, DEFAULT_MAX_PACKETS, PacketView };
export { openCaptureInWorker, WorkerCapture } from './worker-host.js';

/** Starts loading the wasm module ahead of the first openCapture. */
export async function preload() {
  await getModule();
}

/**
 * Reads a capture (pcap or pcapng, optionally gzip-compressed) and returns its summary.
 * @param {string | URL | import('node:fs/promises').FileHandle | Blob | ArrayBuffer | ArrayBufferView | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>} source
 * @param {import('./index.js').OpenOptions} [options]
 * @returns {Promise<Capture>}
 */
export function openCapture(source, options) {
  return openCaptureWith(getModule, source, options, openNodeSource, tempFileKeeper);
}

/**
 * Reads a capture once, front to back, yielding one PacketView per packet (see index.d.ts);
 * nothing but the current batch of records is kept.
 * @param {string | URL | import('node:fs/promises').FileHandle | Blob | ArrayBuffer | ArrayBufferView | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>} source
 * @param {{chunkSize?: number, signal?: AbortSignal}} [options]
 * @returns {AsyncGenerator<PacketView>}
 */
export function readPackets(source, options) {
  return readPacketsWith(getModule, source, options, openNodeSource);
}
