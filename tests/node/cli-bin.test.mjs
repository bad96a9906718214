// The package's bin (`npx pcapscope info|packets|flows|endpoints|dns FILE`, wasm/js/cli.js)
// prints the same bytes and exits with the same status as the native CLI on several corpus
// captures (pcap, pcapng, gzip, a non-capture, a truncated file, stdin), for every command it has.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { capturesDir, findCli, repoRoot } from './support.mjs';

const bin = join(repoRoot, 'wasm', 'js', 'cli.js');
// `npx pcapscope info|packets|flows|endpoints|dns|http|tls|quic|dhcp|objects|phs|analyze`.

function run(cmd, args, input) {
  return new Promise((ok) => {
    const child = execFile(cmd, args, { maxBuffer: 256 << 20, encoding: 'buffer' }, (error, stdout, stderr) =>
      ok({ code: error ? (error.code ?? 1) : 0, stdout, stderr: stderr.toString() }));
    if (input) child.stdin.end(input);
    else child.stdin.end();
  });
}

const FILES = [
  join(repoRoot, 'web', 'public', 'sample.pcapng'),
  join(capturesDir, 'ja4', 'http1.pcapng'),
  join(capturesDir, 'dpkt', 'examples__data__nb6-http.pcap'),
  join(capturesDir, 'pcapplusplus', 'Tests__Pcap++Test__PcapExamples__DnsPackets.pcap'),
  join(capturesDir, 'ja4', 'ipv6.pcapng'),
  join(capturesDir, 'scapy', 'test__pcaps__tls_tcp_frag.pcap.gz'),
  join(capturesDir, 'suricata-verify', 'tests__dns-reversed-tcp-1__dns.pcap'),
].filter((f) => existsSync(f));

const COMMANDS = [
  ['info'], ['info', '--json'], ['packets'], ['packets', '--format', 'tsv'],
  ['packets', '--fields', 'frame.number,ip.src,tcp.seq,tcp.ack,tcp.window_size,udp.length'],
  ['packets', '--fields', 'frame.number,http.host,http.request.uri,tls.handshake.extensions_server_name,dns.qry.name'],
  ['flows'], ['flows', '--format', 'tsv'], ['endpoints'], ['endpoints', '--format=tsv'], ['dns'], ['dns', '--format', 'tsv'],
  ['http'], ['tls', '--format', 'tsv'], ['quic'], ['dhcp'], ['objects'], ['phs'], ['analyze'], ['analyze', '--json'],
];

test('npx pcapscope prints what the native CLI prints', async (t) => {
  const cli = findCli();
  if (!cli) return t.skip('no native CLI (set PCAPSCOPE_CLI or build the release/debug preset)');
  const dir = await mkdtemp(join(tmpdir(), 'pcapscope-cli-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const notCapture = join(dir, 'notes.txt');
  await writeFile(notCapture, 'hello, this is not a capture\n');
  const truncated = join(dir, 'cut.pcapng');
  await writeFile(truncated, (await readFile(FILES[0])).subarray(0, 5000));
  for (const [i, file] of [...FILES, notCapture, truncated].entries()) {
    // Every command on the first two files; the main ones on the others (each run starts node).
    const few = ['info', 'packets', 'flows', 'dns', 'http', 'tls'];
    for (const args of i < 2 ? COMMANDS : COMMANDS.filter((c) => c.length === 1 && few.includes(c[0]))) {
      const full = [args[0], file, ...args.slice(1)];
      const [native, wasm] = await Promise.all([run(cli, full), run(process.execPath, [bin, ...full])]);
      assert.equal(wasm.code, native.code, `${full.join(' ')}: exit status (${wasm.stderr})`);
      assert.ok(wasm.stdout.equals(native.stdout), `${full.join(' ')}: output differs`);
    }
  }
  // Several files, stdin, the field list, usage errors.
  const many = ['info', ...FILES.slice(0, 3), notCapture];
  for (const args of [many, [...many, '--json'], ['packets', 'x', '--fields', 'list'], ['flows'], ['bogus', FILES[0]],
    ['packets', FILES[0], '--fields', 'no.such'], ['flows', FILES[0], '--format', 'xml'], ['info', FILES[0], '--nope']]) {
    const [native, wasm] = await Promise.all([run(cli, args), run(process.execPath, [bin, ...args])]);
    assert.equal(wasm.code, native.code, args.join(' '));
    assert.ok(wasm.stdout.equals(native.stdout), `${args.join(' ')}: output differs`);
  }
  const input = await readFile(FILES[0]);
  for (const args of [['packets', '-'], ['info', '-', '--json'], ['flows', '-']]) {
    const [native, wasm] = await Promise.all([run(cli, args, input), run(process.execPath, [bin, ...args], input)]);
    assert.equal(wasm.code, native.code, args.join(' '));
    assert.ok(wasm.stdout.equals(native.stdout), `${args.join(' ')} < file: output differs`);
  }
});
