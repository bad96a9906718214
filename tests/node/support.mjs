// Shared helpers for the node tests: where the corpus and the native CLI are, hand-made
// captures, and running the CLI.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The developer corpus: `<repo>/../shared/captures` unless PCAPSCOPE_CAPTURES says otherwise. */
export const capturesDir =
  process.env.PCAPSCOPE_CAPTURES ?? resolve(repoRoot, '..', 'shared', 'captures');
export const hasCaptures = existsSync(capturesDir);

/** A small corpus file used by several tests (BSD, from dpkt). */
export const smallPcap = join(capturesDir, 'dpkt', 'examples__data__nb6-http.pcap');

/** Path of the native CLI: $PCAPSCOPE_CLI, else build/release or build/debug; null if none. */
export function findCli() {
  const candidates = [
    process.env.PCAPSCOPE_CLI,
    join(repoRoot, 'build', 'release', 'cli', 'pcapscope'),
    join(repoRoot, 'build', 'debug', 'cli', 'pcapscope'),
  ].filter(Boolean);
  return candidates.find((p) => existsSync(p) && statSync(p).isFile()) ?? null;
}

/** Runs `cli info FILE --json`; resolves to {code, stdout, stderr}. */
export function cliInfoJson(cli, file) {
  return new Promise((ok) => {
    execFile(cli, ['info', file, '--json'], { maxBuffer: 64 << 20, encoding: 'utf8' },
      (error, stdout, stderr) => ok({ code: error ? (error.code ?? 1) : 0, stdout, stderr }));
  });
}

/** Runs `cli ...args`; resolves to {code, stdout, stderr}. */
export function runCli(cli, args) {
  return new Promise((ok) => {
    execFile(cli, args, { maxBuffer: 256 << 20, encoding: 'utf8' },
      (error, stdout, stderr) => ok({ code: error ? (error.code ?? 1) : 0, stdout, stderr }));
  });
}

/**
 * A little-endian pcapng (Ethernet, one interface, ns timestamps) with `count` EPBs; packet i
 * carries an opt_comment of `commentLength(i)` bytes, so its block is longer than its data.
 */
export function makePcapng(count = 10, commentLength = () => 0) {
  const block = (type, body) => {
    const len = 12 + body.length;
    const b = Buffer.alloc(len);
    b.writeUInt32LE(type, 0);
    b.writeUInt32LE(len, 4);
    body.copy(b, 8);
    b.writeUInt32LE(len, len - 4);
    return b;
  };
  const pad4 = (buf) => Buffer.concat([buf, Buffer.alloc((4 - (buf.length % 4)) % 4)]);
  const option = (code, value) => {
    const head = Buffer.alloc(4);
    head.writeUInt16LE(code, 0);
    head.writeUInt16LE(value.length, 2);
    return pad4(Buffer.concat([head, value]));
  };
  const shb = Buffer.alloc(16);
  shb.writeUInt32LE(0x1a2b3c4d, 0);
  shb.writeUInt16LE(1, 4);
  shb.writeBigInt64LE(-1n, 8);
  const idb = Buffer.concat([
    Buffer.from([1, 0, 0, 0, 0, 0, 0, 0]),  // LINKTYPE_ETHERNET, reserved, snaplen 0
    option(9, Buffer.from([9])),            // if_tsresol: 1e-9
    Buffer.alloc(4),                        // opt_endofopt
  ]);
  const parts = [block(0x0a0d0d0a, shb), block(1, idb)];
  for (let i = 0; i < count; i++) {
    const caplen = 60 + ((i * 29) % 300);
    const data = Buffer.alloc(caplen);
    for (let j = 0; j < caplen; j++) data[j] = (i * 7 + j) & 0xff;
    data.writeUInt16BE(0x86dd, 12);  // IPv6 ethertype (the payload is junk: anomalies are fine)
    const head = Buffer.alloc(20);
    const ts = 1700000000_000000000n + BigInt(i) * 1234567n;
    head.writeUInt32LE(0, 0);
    head.writeUInt32LE(Number(ts >> 32n), 4);
    head.writeUInt32LE(Number(ts & 0xffffffffn), 8);
    head.writeUInt32LE(caplen, 12);
    head.writeUInt32LE(caplen + 4, 16);
    const n = commentLength(i);
    const options = n ? Buffer.concat([option(1, Buffer.alloc(n, 0x61 + (i % 26))), Buffer.alloc(4)]) : Buffer.alloc(0);
    parts.push(block(6, Buffer.concat([head, pad4(data), options])));
  }
  return new Uint8Array(Buffer.concat(parts));
}

/** Every capture-looking file under the corpus (pcap, pcapng, cap, and their .gz), sorted. */
export function corpusFiles() {
  const out = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.(pcap|pcapng|cap)(\.gz)?$|\.gz$/i.test(entry.name)) out.push(path);
    }
  };
  if (hasCaptures) walk(capturesDir);
  return out.sort();
}

/**
 * A classic little-endian microsecond pcap (Ethernet) with `count` packets of varying sizes,
 * made by hand so the chunking tests do not depend on the corpus.
 */
export function makePcap(count = 20) {
  const parts = [];
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(65535, 16);
  header.writeUInt32LE(1, 20);  // LINKTYPE_ETHERNET
  parts.push(header);
  for (let i = 0; i < count; i++) {
    const caplen = 14 + ((i * 37) % 200);
    const rec = Buffer.alloc(16 + caplen);
    rec.writeUInt32LE(1700000000 + i, 0);
    rec.writeUInt32LE((i * 123457) % 1000000, 4);
    rec.writeUInt32LE(caplen, 8);
    rec.writeUInt32LE(caplen + (i % 3), 12);
    for (let j = 0; j < caplen; j++) rec[16 + j] = (i + j) & 0xff;
    rec.writeUInt16BE(0x0800, 16 + 12);
    parts.push(rec);
  }
  return new Uint8Array(Buffer.concat(parts));
}

/** A ReadableStream that yields `bytes` in pieces of `size`. */
export function streamOf(bytes, size) {
  let pos = 0;
  return new ReadableStream({
    pull(controller) {
      if (pos >= bytes.length) {
        controller.close();
        return;
      }
      controller.enqueue(bytes.slice(pos, pos + size));
      pos += size;
    },
  });
}
