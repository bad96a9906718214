#!/usr/bin/env node
// `npx pcapscope info|packets|flows|endpoints|dns FILE …`: the native CLI's commands over the
// wasm module, printing the same bytes (and exit status: 0 ok, 1 a file could not be read,
// 2 usage error). FILE is a .pcap/.pcapng file, optionally gzip-compressed, or - for stdin.
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import zlib from 'node:zlib';

import { openCaptureWith } from './capture.js';
import { getModule, openNodeSource } from './node-platform.js';
import { inputChunks, GzipError } from './packets.js';

const USAGE =
  'usage: pcapscope <command> [options] FILE...\n' +
  '\n' +
  'commands (the npm package runs a subset of the native CLI\'s):\n' +
  '  info FILE... [--json]   capture facts like capinfos: format, interfaces, packets,\n' +
  '                          bytes, time range, rates, comments, anomalies\n' +
  '  packets FILE [--format ndjson|tsv] [--fields f1,f2,...]\n' +
  '                          one record per packet; keys are Wireshark field names\n' +
  '                          --fields list prints the known field names\n' +
  '  flows FILE [--format ndjson|tsv] [--filter EXPR]\n' +
  '                          one Zeek conn.log record per flow\n' +
  '  endpoints FILE [--format ndjson|tsv]  per IP and MAC address\n' +
  '  dns FILE [--format ndjson|tsv] [--filter EXPR]\n' +
  '                          one Zeek dns.log record per query/response\n' +
  '  http|tls|quic|dhcp FILE [--format ndjson|tsv] [--filter EXPR]\n' +
  '                          one record per transaction / handshake / connection / lease\n' +
  '                          --filter: only the records of flows with a packet matching the\n' +
  '                          display filter (as the web app narrows its tables)\n' +
  '  phs FILE                protocol hierarchy, as tshark -q -z io,phs\n' +
  '  objects FILE [--extract DIR] [--format ndjson|tsv]\n' +
  '                          the HTTP bodies (Export Objects): listed, or written to DIR\n' +
  '  analyze FILE [--json]   the whole analysis in one pass: counts, logs, reassembly\n' +
  '\n' +
  'FILE may be a .pcap or .pcapng file, optionally gzip-compressed, or - for stdin.\n' +
  'Exit status: 0 ok (warnings on stderr), 1 a file could not be read (partial results are\n' +
  'still printed), 2 usage error.\n';

const ERRNO_TEXT = {
  ENOENT: 'No such file or directory',
  EACCES: 'Permission denied',
  EISDIR: 'Is a directory',
  ENOTDIR: 'Not a directory',
  EMFILE: 'Too many open files',
};

/** Writes to stdout, waiting when the pipe is full. */
async function out(text) {
  if (!text) return;
  if (!process.stdout.write(text)) await new Promise((ok) => process.stdout.once('drain', ok));
}

function warn(text) {
  process.stderr.write(`pcapscope: ${text}\n`);
}

/** The source for FILE: stdin for "-", else the path. */
function sourceOf(path) {
  return path === '-' ? process.stdin : path;
}

/** Opens FILE as the native CLI does (summary kept even when nothing could be read). */
async function open(path, keepBytes = false) {
  try {
    return await openCaptureWith(getModule, sourceOf(path), { keepBytes, _acceptEmpty: true }, openNodeSource);
  } catch (error) {
    if (error?.code && ERRNO_TEXT[error.code]) warn(`${path}: cannot open: ${ERRNO_TEXT[error.code]}`);
    else warn(`${path}: ${error?.message ?? error}`);
    return null;
  }
}

/** The reason reading stopped early (fatal capture error or bad gzip), or null. */
function failureOf(capture) {
  return capture.summary().error ?? capture.readError;
}

async function cmdInfo(files, json) {
  let rc = 0;
  let first = true;
  if (json && files.length > 1) await out('[');
  for (const path of files) {
    const capture = await open(path);
    if (!capture) {
      rc = 1;
      continue;
    }
    try {
      const summary = capture.summary();
      const failure = failureOf(capture);
      if (failure) {
        warn(`${path}: ${failure}`);
        rc = 1;
      } else {
        for (const a of summary.anomalies) {
          if (a.code === 'capture.truncated_record') warn(`${path}: warning: ${a.message}`);
        }
      }
      if (json) {
        await out((first ? '' : ',') + capture.summaryJson() + (files.length === 1 ? '\n' : ''));
      } else {
        const size = path === '-' ? summary.bytes_consumed + summary.bytes_unparsed : (await stat(path)).size;
        await out((first ? '' : '\n') + capture.infoText(path, size));
      }
      first = false;
    } finally {
      await capture.close();
    }
  }
  if (json && files.length > 1) await out(']\n');
  return rc;
}

/**
 * Compiles a display filter as the native CLI does before reading: true when it compiles, else
 * its error with a caret line under the offending text on stderr (the caller exits with 2).
 */
async function compileFilter(cmd, expr) {
  const module = await getModule();
  const session = new module.Session(1);
  try {
    const c = session.selectCompile(expr);
    if (c.ok) return true;
    const marks = '^' + '~'.repeat(Math.max(c.end, c.start + 1) - c.start - 1);
    process.stderr.write(`pcapscope ${cmd}: ${c.message}\n  ${expr}\n  ${' '.repeat(c.start)}${marks}\n`);
    return false;
  } finally {
    session.delete();
  }
}

async function cmdTable(table, path, format, filterExpr = '') {
  if (format !== 'ndjson' && format !== 'tsv') {
    process.stderr.write(`pcapscope ${table}: unknown format "${format}" (ndjson or tsv)\n`);
    return 2;
  }
  // As the native CLI: --filter narrows flows and the logs; endpoints and objects ignore it.
  const filtering = filterExpr !== '' && table !== 'endpoints' && table !== 'objects';
  if (filtering && !(await compileFilter(table, filterExpr))) return 2;
  const capture = await open(path, filtering);
  if (!capture) return 1;
  try {
    const failure = failureOf(capture);
    if (failure) warn(`${path}: ${failure}`);
    if (filtering) await capture.filterTables(await capture.select(filterExpr));
    const size = capture.tableSize(table);
    for (let k = 0; k < size; k += 4096) await out(capture.tableText(table, format, { start: k, count: 4096 }));
    return failure ? 1 : 0;
  } finally {
    await capture.close();
  }
}

/** The largest decoded HTTP body written (`http_limits::max_decoded_bytes`, bomb protection). */
const MAX_DECODED_BYTES = 256 << 20;

/**
 * An HTTP body decoded by its Content-Encoding as the native CLI writes it (zlib, as
 * `app::http_decode_body`): gzip/x-gzip (a zlib stream too), deflate (zlib, else raw deflate);
 * whatever decodes before an error or the end of the data is kept; the body as sent when
 * nothing decodes or the encoding is another; at most MAX_DECODED_BYTES.
 */
async function decodeBody(body, contentEncoding = '') {
  const enc = contentEncoding.replace(/^[ \t]+|[ \t]+$/g, '').toLowerCase();
  if (enc === '' || enc === 'identity') return body;
  const inflate = (make) => new Promise((ok) => {
    const parts = [];
    let size = 0;
    const z = make({ finishFlush: zlib.constants.Z_SYNC_FLUSH });
    const done = () => {
      const out = Buffer.concat(parts);
      ok(out.subarray(0, Math.min(out.length, MAX_DECODED_BYTES)));
    };
    z.on('data', (chunk) => {
      parts.push(chunk);
      size += chunk.length;
      if (size > MAX_DECODED_BYTES) {
        z.removeAllListeners('data');
        z.destroy();
        done();
      }
    });
    z.on('end', done);
    z.on('error', done);
    z.end(body);
  });
  let out;
  if (enc === 'gzip' || enc === 'x-gzip') {
    out = await inflate(zlib.createUnzip);  // gzip, or a zlib stream mislabelled
  } else if (enc === 'deflate') {
    out = await inflate(zlib.createInflate);  // zlib wrapper, as RFC 9110 says
    if (out.length === 0) out = await inflate(zlib.createInflateRaw);  // raw deflate, as IIS sends
  } else {
    return body;
  }
  return out.length > 0 ? out : body;
}

/** `pcapscope objects FILE [--extract DIR] [--format ndjson|tsv]` (its own options, as natively). */
async function cmdObjects(args) {
  let path = '';
  let dir = '';
  let format = 'ndjson';
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--extract' && i + 1 < args.length) dir = args[++i];
    else if (a === '--format' && i + 1 < args.length) format = args[++i];
    else if (a !== '' && a[0] === '-' && a !== '-') {
      process.stderr.write(`pcapscope objects: unknown option ${a}\n`);
      return 2;
    } else if (path === '') path = a;
    else {
      process.stderr.write('pcapscope objects: give one FILE\n');
      return 2;
    }
  }
  if (path === '' || (format !== 'ndjson' && format !== 'tsv')) {
    process.stderr.write('usage: pcapscope objects FILE [--extract DIR] [--format ndjson|tsv]\n');
    return 2;
  }
  if (dir === '') return cmdTable('objects', path, format);
  const capture = await open(path, true);
  if (!capture) return 1;
  try {
    const failure = failureOf(capture);
    if (failure) warn(`${path}: ${failure}`);
    try {
      await mkdir(dir, { recursive: true });
    } catch (error) {
      process.stderr.write(`pcapscope objects: cannot create ${dir}: ${ERRNO_TEXT[error?.code] ?? error?.message}\n`);
      return 1;
    }
    let rc = failure ? 1 : 0;
    const objects = await capture.objects();
    for (const [i, o] of objects.entries()) {
      let body;
      try {
        body = (await capture.object(i)).bytes;
      } catch (error) {
        process.stderr.write(`pcapscope objects: ${o.filename}: ${error?.message ?? error}\n`);
        rc = 1;
        continue;
      }
      const outPath = join(dir, o.filename);
      try {
        await writeFile(outPath, await decodeBody(body, o.content_encoding));
      } catch {
        process.stderr.write(`pcapscope objects: cannot write ${outPath}\n`);
        rc = 1;
      }
    }
    process.stderr.write(`pcapscope objects: ${objects.length} objects written to ${dir}\n`);
    return rc;
  } finally {
    await capture.close();
  }
}

async function cmdAnalyze(cmd, path, json, format, filterExpr = '') {
  // phs is one of the native CLI's log commands: the same checks first.
  if (cmd === 'phs' && format !== 'ndjson' && format !== 'tsv') {
    process.stderr.write(`pcapscope phs: unknown format "${format}" (ndjson or tsv)\n`);
    return 2;
  }
  if (cmd === 'phs' && filterExpr !== '') {
    process.stderr.write('pcapscope phs: --filter applies to the flow and log tables\n');
    return 2;
  }
  const capture = await open(path);
  if (!capture) return 1;
  try {
    const failure = failureOf(capture);
    if (failure) warn(`${path}: ${failure}`);
    if (cmd === 'phs') await out(capture.protocolHierarchyText());
    else if (json) await out(capture.analysisJson());
    else await out(capture.analysisText(path));
    return failure ? 1 : 0;
  } finally {
    await capture.close();
  }
}

async function cmdPackets(path, format, fields) {
  const module = await getModule();
  if (fields === 'list') {
    await out(module.knownFields());
    return 0;
  }
  if (format !== 'ndjson' && format !== 'tsv') {
    process.stderr.write(`pcapscope packets: unknown format "${format}" (ndjson or tsv)\n`);
    return 2;
  }
  const stream = new module.PacketStream();
  try {
    const set = stream.setText(format === 'tsv', fields);
    if (!set.ok) {
      process.stderr.write(`pcapscope packets: unknown field "${set.message}" (see --fields list)\n`);
      return 2;
    }
    const chunkSize = 1 << 20;
    // Feeds the whole input; `print` writes the formatted text after each piece.
    const pass = async (print) => {
      for await (const chunk of inputChunks(sourceOf(path), { chunkSize }, openNodeSource)) {
        if (stream.failed()) continue;
        for (let at = 0; at < chunk.byteLength; at += chunkSize) {
          const piece = chunk.subarray(at, at + chunkSize);
          const ptr = stream.alloc(piece.byteLength);
          module.HEAPU8.set(piece, ptr);
          const status = stream.feed(piece.byteLength);
          if (print) await out(stream.takeText());
          if (!status.ok) break;
        }
      }
    };
    let failure = null;
    try {
      if (stream.needsAnalysis()) {
        // HTTP and TLS fields come from an analysis pass over the file first (as the CLI).
        if (path === '-') {
          process.stderr.write('pcapscope: HTTP and TLS fields need a file (two passes), not standard input\n');
          return 1;
        }
        stream.beginAnalysis();
        await pass(false).catch((error) => {
          if (!(error instanceof GzipError)) throw error;  // reported by the printing pass
        });
        stream.endAnalysis();
      }
      await pass(true);
    } catch (error) {
      if (!(error instanceof GzipError)) {
        if (error?.code && ERRNO_TEXT[error.code]) warn(`${path}: cannot open: ${ERRNO_TEXT[error.code]}`);
        else warn(`${path}: ${error?.message ?? error}`);
        return 1;
      }
      failure = error.message;
    }
    const end = stream.finish();
    await out(stream.takeText());
    if (!failure && !end.ok) failure = stream.error() || end.message;
    if (!failure) {
      for (const line of stream.errorAnomalies().split('\n').filter(Boolean)) warn(`${path}: warning: ${line}`);
      return 0;
    }
    warn(`${path}: ${failure}`);
    return 1;
  } finally {
    stream.delete();
  }
}

/** Runs the CLI with `args` (argv without node and the script); resolves to the exit status. */
export async function main(args) {
  if (args.length === 0 || ['-h', '--help', 'help'].includes(args[0])) {
    (args.length === 0 ? process.stderr : process.stdout).write(USAGE);
    return args.length === 0 ? 2 : 0;
  }
  const cmd = args[0];
  if (cmd === 'objects') return cmdObjects(args.slice(1));
  let json = false;
  let format = 'ndjson';
  let fields = '';
  let filterExpr = '';
  const files = [];
  for (let i = 1; i < args.length; i++) {
    const a = args[i];
    if (a === '--json') json = true;
    else if (a === '--filter' && i + 1 < args.length) filterExpr = args[++i];
    else if ((a === '--format' || a === '--fields') && i + 1 < args.length) {
      if (a === '--format') format = args[++i];
      else fields = args[++i];
    } else if (a.startsWith('--format=')) format = a.slice(9);
    else if (a.startsWith('--fields=')) fields = a.slice(9);
    else if (a.length > 1 && a[0] === '-') {
      process.stderr.write(`pcapscope: unknown option ${a}\n${USAGE}`);
      return 2;
    } else files.push(a);
  }
  if (cmd === 'info') {
    if (files.length === 0) {
      process.stderr.write(`pcapscope info: no FILE given\n${USAGE}`);
      return 2;
    }
    return cmdInfo(files, json);
  }
  if (cmd === 'packets') {
    if (fields === 'list') return cmdPackets('', format, fields);
    if (files.length !== 1) {
      process.stderr.write(`pcapscope packets: give exactly one FILE\n${USAGE}`);
      return 2;
    }
    return cmdPackets(files[0], format, fields);
  }
  if (cmd === 'analyze' || cmd === 'phs') {
    if (files.length !== 1) {
      process.stderr.write(`pcapscope ${cmd}: give exactly one FILE\n${USAGE}`);
      return 2;
    }
    return cmdAnalyze(cmd, files[0], json, format, filterExpr);
  }
  if (['flows', 'endpoints', 'dns', 'http', 'tls', 'quic', 'dhcp'].includes(cmd)) {
    if (files.length !== 1) {
      process.stderr.write(`pcapscope ${cmd}: give exactly one FILE\n${USAGE}`);
      return 2;
    }
    return cmdTable(cmd, files[0], format, filterExpr);
  }
  process.stderr.write(`pcapscope: unknown command "${cmd}"\n${USAGE}`);
  return 2;
}

main(process.argv.slice(2)).then((rc) => {
  process.exitCode = rc;
}, (error) => {
  warn(error?.stack ?? String(error));
  process.exitCode = 1;
});
