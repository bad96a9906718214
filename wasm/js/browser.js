// Browser (and Web Worker) entry point of the pcapscope package. The wasm file is located next
// to the glue module via import.meta.url, which bundlers such as Vite rewrite to an asset URL.
import createPcapscopeModule from '../dist/pcapscope_wasm.mjs';
import { openCaptureWith, Capture, DEFAULT_CHUNK_SIZE, DEFAULT_MAX_PACKETS } from './capture.js';
import { readPacketsWith, PacketView } from './packets.js';
import { explainLoadFailure } from './engine-check.js';

export { CaptureFormatError, FilterError } from './errors.js';
export { Capture, DEFAULT_CHUNK_SIZE, DEFAULT_MAX_PACKETS, PacketView };
export { openCaptureInWorker, WorkerCapture } from './worker-host.js';

let modulePromise = null;

/** Loads (once) and returns the wasm module. */
function getModule() {
  modulePromise ??= createPcapscopeModule().catch((error) => {
    modulePromise = null;  // allow a retry (e.g. after a network error)
    throw explainLoadFailure(error);
  });
  return modulePromise;
}

/** Starts loading the wasm module ahead of the first openCapture. */
export async function preload() {
  await getModule();
}

/**
 * Reads a capture (pcap or pcapng, optionally gzip-compressed) and returns its summary.
 * @param {Blob | ArrayBuffer | ArrayBufferView | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>} source
 * @param {import('./index.js').OpenOptions} [options]
 * @returns {Promise<Capture>}
 */
export function openCapture(source, options) {
  return openCaptureWith(getModule, source, options);
}

/**
 * Reads a capture once, front to back, yielding one PacketView per packet (see index.d.ts);
 * nothing but the current batch of records is kept.
 * @param {Blob | ArrayBuffer | ArrayBufferView | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>} source
 * @param {{chunkSize?: number, signal?: AbortSignal}} [options]
 * @returns {AsyncGenerator<PacketView>}
 */
export function readPackets(source, options) {
  return readPacketsWith(getModule, source, options);
}
