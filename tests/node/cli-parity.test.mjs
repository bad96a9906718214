// The npm package's summary is the native CLI's: for every corpus capture,
// `pcapscope info FILE --json` and openCapture(FILE).summaryJson() print the same text.
// Inputs the package rejects (CaptureFormatError) must be ones the CLI fails on with no packets.
// Also the bin's options that re-read the capture (--filter, objects --extract) against the CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

import { openCapture, CaptureFormatError } from 'pcapscope';
import { capturesDir, hasCaptures, corpusFiles, findCli, cliInfoJson, repoRoot } from './support.mjs';

test('summary JSON equals `pcapscope info --json` on the corpus', async (t) => {
  if (!hasCaptures) return t.skip(`no corpus at ${capturesDir}`);
  const cli = findCli();
  if (!cli) return t.skip('no native CLI (set PCAPSCOPE_CLI or build the release/debug preset)');
  const files = corpusFiles();
  assert.ok(files.length > 0);
  let rejected = 0;
  for (const file of files) {
    await t.test(relative(capturesDir, file), async () => {
      const native = await cliInfoJson(cli, file);
      assert.ok(native.stdout.endsWith('\n'), `CLI output: ${native.stdout} ${native.stderr}`);
      const expected = native.stdout.slice(0, -1);
      let capture;
      try {
        capture = await openCapture(file);
      } catch (error) {
        if (!(error instanceof CaptureFormatError)) throw error;
        rejected++;
        const summary = JSON.parse(expected);
        assert.notEqual(native.code, 0, 'the CLI failed too');
        assert.equal(summary.packets, 0);
        if (summary.error !== null) assert.equal(error.message, summary.error);
        return;
      }
      try {
        assert.equal(capture.summaryJson(), expected);
      } finally {
        capture.close();
      }
    });
  }
  t.diagnostic(`${files.length} files, ${rejected} rejected as not captures`);
});

// The bin's --filter EXPR (flows and the logs narrowed to the flows of the matching packets)
// and objects --extract DIR (bodies decoded as the native CLI writes them) against the native CLI.
const bin = join(repoRoot, 'wasm', 'js', 'cli.js');

function run(cmd, args) {
  return new Promise((ok) => {
    execFile(cmd, args, { maxBuffer: 256 << 20, encoding: 'buffer' }, (error, stdout, stderr) =>
      ok({ code: error ? (error.code ?? 1) : 0, stdout, stderr: stderr.toString() }));
  });
}

test('npx pcapscope flows|dns|http|tls|quic|dhcp --filter prints what the native CLI prints', async (t) => {
  if (!hasCaptures) return t.skip(`no corpus at ${capturesDir}`);
  const cli = findCli();
  if (!cli) return t.skip('no native CLI (set PCAPSCOPE_CLI or build the release/debug preset)');
  const dnsFile = join(capturesDir, 'pcapplusplus', 'Tests__Pcap++Test__PcapExamples__DnsPackets.pcap');
  // Each narrows its table to some records, or to none (no TSV header then), or is an error.
  const cases = [
    [join(capturesDir, 'ja4', 'http1.pcapng'), [
      ['flows', '--filter', 'tcp.port == 80'], ['http', '--filter', 'tcp.dstport == 80', '--format', 'tsv'],
      ['http', '--filter', 'tcp.dstport == 80'], ['flows', '--filter', 'frame.len > 1000 && tcp', '--format', 'tsv'],
      ['flows', '--filter', 'ip.addr == 10.0.0.1'], ['endpoints', '--filter', 'tcp'], ['analyze', '--filter', 'tcp']]],
    [dnsFile, [['dns', '--filter', 'frame.len > 120'], ['dns', '--filter', 'frame.len > 120', '--format', 'tsv'],
      ['flows', '--filter', 'ip.dst == 10.0.0.1 || frame.len > 200']]],
    [join(capturesDir, 'ja4', 'tls-sni.pcapng'), [['tls', '--filter', 'frame.number <= 20', '--format', 'tsv'],
      ['flows', '--filter', 'frame.number <= 20']]],
    [join(capturesDir, 'ja4', 'dhcp.pcapng'), [['dhcp', '--filter', 'udp.port == 67'], ['dhcp', '--filter', 'tcp', '--format', 'tsv']]],
    [join(capturesDir, 'ja4', 'quic-tls-handshake.pcapng'), [['quic', '--filter', 'udp.length > 1200']]],
    // Filter errors (exit 2, the message and caret line on stderr) and the options' own errors.
    [join(capturesDir, 'ja4', 'http1.pcapng'), [['flows', '--filter', 'tcp.port == '], ['dns', '--filter', 'ip.srcc == 1.2.3.4'],
      ['http', '--filter', 'http.request.method == "GET"'], ['phs', '--filter', 'tcp'], ['phs', '--format', 'xml'],
      ['http', '--format', 'xml', '--filter', 'tcp'], ['flows', '--filter']]],
  ];
  for (const [file, commands] of cases) {
    if (!existsSync(file)) continue;
    for (const args of commands) {
      const full = [args[0], file, ...args.slice(1)];
      const [native, wasm] = await Promise.all([run(cli, full), run(process.execPath, [bin, ...full])]);
      assert.equal(wasm.code, native.code, `${full.join(' ')}: exit status (${wasm.stderr})`);
      assert.ok(wasm.stdout.equals(native.stdout), `${full.join(' ')}: output differs`);
      // Filter and option errors say the same (the usage text itself is the package's own).
      if (native.code === 2 && !native.stderr.includes('usage:')) {
        assert.equal(wasm.stderr, native.stderr, `${full.join(' ')}: message`);
      }
    }
  }
});

test('npx pcapscope objects --extract DIR writes the files the native CLI writes', async (t) => {
  if (!hasCaptures) return t.skip(`no corpus at ${capturesDir}`);
  const cli = findCli();
  if (!cli) return t.skip('no native CLI (set PCAPSCOPE_CLI or build the release/debug preset)');
  const dir = await mkdtemp(join(tmpdir(), 'pcapscope-objects-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  // gzip (and a zstd body left as sent), chunked, several objects per flow, truncated bodies.
  const files = [
    join(capturesDir, 'arkime', 'tests__pcap__http-content-gzip.pcap'),
    join(capturesDir, 'scapy', 'test__pcaps__http_compressed.pcap'),
    join(capturesDir, 'scapy', 'test__pcaps__http_compressed-zstd.pcap'),
    join(capturesDir, 'suricata-verify', 'tests__filestore-filecontainer-http__filecontainer-http.pcap'),
    join(capturesDir, 'ja4', 'http1.pcapng'),
    join(capturesDir, 'dpkt', 'examples__data__nb6-http.pcap'),
  ].filter((f) => existsSync(f));
  let written = 0;
  for (const [i, file] of files.entries()) {
    const nativeDir = join(dir, `native-${i}`);
    const wasmDir = join(dir, `wasm-${i}`);
    const native = await run(cli, ['objects', file, '--extract', nativeDir]);
    const wasm = await run(process.execPath, [bin, 'objects', file, '--extract', wasmDir]);
    assert.equal(wasm.code, native.code, `${file}: exit status (${wasm.stderr})`);
    assert.equal(wasm.stdout.length, 0);
    assert.equal(wasm.stderr.replaceAll(wasmDir, 'DIR'), native.stderr.replaceAll(nativeDir, 'DIR'), `${file}: stderr`);
    const names = (await readdir(nativeDir)).sort();
    assert.deepEqual((await readdir(wasmDir)).sort(), names, `${file}: file names`);
    for (const name of names) {
      const [a, b] = await Promise.all([readFile(join(nativeDir, name)), readFile(join(wasmDir, name))]);
      assert.ok(a.equals(b), `${file}: ${name} differs (${b.length} bytes, native ${a.length})`);
      written++;
    }
  }
  // Usage errors of the command's own options.
  for (const args of [['objects'], ['objects', files[0], '--format', 'xml'], ['objects', files[0], files[1]],
    ['objects', files[0], '--nope']]) {
    const [native, wasm] = await Promise.all([run(cli, args), run(process.execPath, [bin, ...args])]);
    assert.equal(wasm.code, native.code, args.join(' '));
    assert.equal(wasm.stderr, native.stderr, args.join(' '));
  }
  t.diagnostic(`${written} objects compared`);
});
