// What the Node entry point (node.js) and the CLI (cli.js) share: the wasm module, loaded once,
// and Node's sources: paths and FileHandles read by position, temporary files keeping gzip and
// stream input re-readable.
import { rmSync } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import createPcapscopeModule from '../dist/pcapscope_wasm.mjs';

let modulePromise = null;

/** Loads (once) and returns the wasm module. */
export function getModule() {
  modulePromise ??= createPcapscopeModule();
  return modulePromise;
}

/** A ByteStore over a file handle (positional reads); closes the handle if `owned`. */
function handleStore(handle, size, owned, onClose) {
  let closed = false;
  return {
    size,
    async read(offset, length) {
      const n = Math.max(0, Math.min(length, size - offset));
      const buffer = new Uint8Array(n);
      let filled = 0;
      while (filled < n) {
        const { bytesRead } = await handle.read(buffer, filled, n - filled, offset + filled);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      return filled === n ? buffer : buffer.subarray(0, filled);
    },
    async close() {
      if (closed) return;
      closed = true;
      if (owned) await handle.close().catch(() => {});
      await onClose?.();
    },
  };
}

/** Temporary directories of open captures, removed at exit if close() was never called. */
const liveTempDirs = new Set();
let exitHookInstalled = false;

/**
 * Keeps the bytes fed to the reader (decompressed gzip, streams) in a temporary file, so memory
 * does not grow with the capture; the file is deleted by Capture.close() (or at process exit).
 */
export async function tempFileKeeper() {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const dir of liveTempDirs) rmSync(dir, { recursive: true, force: true });
    });
  }
  const dir = await mkdtemp(join(tmpdir(), 'pcapscope-'));
  liveTempDirs.add(dir);
  const removeDir = async () => {
    liveTempDirs.delete(dir);
    await rm(dir, { recursive: true, force: true });
  };
  let handle;
  try {
    handle = await open(join(dir, 'capture'), 'w+');
  } catch (error) {
    await removeDir();
    throw error;
  }
  let size = 0;
  return {
    async append(chunk) {
      let written = 0;
      while (written < chunk.byteLength) {
        const { bytesWritten } = await handle.write(chunk, written, chunk.byteLength - written, size + written);
        written += bytesWritten;
      }
      size += chunk.byteLength;
    },
    finish: async () => handleStore(handle, size, true, removeDir),
    async discard() {
      await handle.close().catch(() => {});
      await removeDir();
    },
  };
}

/**
 * A fresh buffer of `n` bytes, not zero-filled (`new Uint8Array(n)` zeroes it, a pass over the
 * whole input for chunks that `read` overwrites); only the bytes read are ever looked at.
 */
function uninitialized(n) {
  const b = Buffer.allocUnsafeSlow(n);  // never pooled: its own ArrayBuffer
  return new Uint8Array(b.buffer, b.byteOffset, n);
}

function isFileHandle(value) {
  return value !== null && typeof value === 'object' && typeof value.fd === 'number' &&
    typeof value.read === 'function' && typeof value.stat === 'function';
}

// Whether V8 keeps a wasm memory at one address as it grows: on 64-bit hosts it reserves the
// memory's maximum (or 8 GiB with guard regions) when the memory is made and grows within it.
const wasmMemoryStaysPut = ['x64', 'arm64', 'ppc64', 's390x', 'riscv64', 'loong64'].includes(process.arch);

/** Paths (string, URL) and FileHandles, read with positional reads from offset 0. */
export async function openNodeSource(source, chunkSize) {
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
    let inFlight = null;  // the last readInto
    let closed = false;
    let handedOver = false;
    return {
      total: positional ? stat.size : null,
      // Regular files are re-read by position for packet queries; the store then owns the
      // handle we opened (a caller's FileHandle stays the caller's, open until they close it).
      randomAccess: positional
        ? () => {
          handedOver = true;
          return handleStore(handle, stat.size, owned);
        }
        : undefined,
      prefetchable: true,  // every chunk is a fresh buffer
      // Regular files: the next bytes into the caller's `buffer` (reused from call to call),
      // fewer than its length only at the end of the file.
      readInto: positional
        ? (buffer) => {
          inFlight = handle.read(buffer, 0, buffer.byteLength, position).then(({ bytesRead }) => {
            position += bytesRead;
            return buffer.subarray(0, bytesRead);
          });
          return inFlight;
        }
        : undefined,
      // Regular files on 64-bit hosts: up to `target.byteLength` bytes at `position` into
      // `target`, a view of the wasm memory (openCaptureWith's direct reads). Resolves to the
      // count read. libuv writes through the address it was given while wasm may run and grow
      // the memory; V8 reserves a wasm memory's whole maximum up front on 64-bit hosts and
      // grows it in place, so that address stays the memory's. 32-bit hosts copy instead.
      readAt: positional && wasmMemoryStaysPut
        ? (target, at) => {
          inFlight = handle.read(target, 0, target.byteLength, at).then(({ bytesRead }) => bytesRead);
          return inFlight;
        }
        : undefined,
      async read() {
        const buffer = uninitialized(chunkSize);
        const { bytesRead } = await handle.read(buffer, 0, chunkSize, positional ? position : null);
        if (bytesRead === 0) return null;
        position += bytesRead;
        return bytesRead === chunkSize ? buffer : buffer.subarray(0, bytesRead);
      },
      async close() {
        await inFlight?.catch(() => {});
        if (owned && !closed && !handedOver) {
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

