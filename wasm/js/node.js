// Node entry point of the pcapscope package: openCapture over paths, FileHandles and every
// source browsers have. The wasm module is loaded once, on first use.
import { open } from 'node:fs/promises';

import createPcapscopeModule from '../dist/pcapscope_wasm.mjs';
import { openCaptureWith, Capture, DEFAULT_CHUNK_SIZE } from './capture.js';

export { CaptureFormatError } from './errors.js';
export { Capture, DEFAULT_CHUNK_SIZE };

let modulePromise = null;

/** Loads (once) and returns the wasm module. */
function getModule() {
  modulePromise ??= createPcapscopeModule();
  return modulePromise;
}

/** Starts loading the wasm module ahead of the first openCapture. */
export async function preload() {
  await getModule();
}

function isFileHandle(value) {
  return value !== null && typeof value === 'object' && typeof value.fd === 'number' &&
    typeof value.read === 'function' && typeof value.stat === 'function';
}

/** Paths (string, URL) and FileHandles, read with positional reads from offset 0. */
async function openNodeSource(source, chunkSize) {
  let handle;
  let owned = false;
  if (typeof source === 'string' || source instanceof URL) {
    handle = await open(source, 'r');
    owned = true;
  } else if (isFileHandle(source)) {
    handle = source;
  } else {
    return null;
  }
  try {
    const stat = await handle.stat();
    // Regular files are read by position (independent of the handle's file position); pipes
    // and character devices sequentially.
    const positional = stat.isFile();
    let position = 0;
    let closed = false;
    return {
      total: positional ? stat.size : null,
      prefetchable: true,  // every chunk is a fresh buffer
      async read() {
        const buffer = new Uint8Array(chunkSize);
        const { bytesRead } = await handle.read(buffer, 0, chunkSize, positional ? position : null);
        if (bytesRead === 0) return null;
        position += bytesRead;
        return bytesRead === chunkSize ? buffer : buffer.subarray(0, bytesRead);
      },
      async close() {
        if (owned && !closed) {
          closed = true;
          await handle.close();
        }
      },
    };
  } catch (error) {
    if (owned) await handle.close().catch(() => {});
    throw error;
  }
}

/**
 * Reads a capture (pcap or pcapng, optionally gzip-compressed) and returns its summary.
 * @param {string | URL | import('node:fs/promises').FileHandle | Blob | ArrayBuffer | ArrayBufferView | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>} source
 * @param {import('./index.js').OpenOptions} [options]
 * @returns {Promise<Capture>}
 */
export function openCapture(source, options) {
  return openCaptureWith(getModule, source, options, openNodeSource);
}
