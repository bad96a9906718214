// The npm package's tables (flows, endpoints, dns) are the native CLI's: for a few corpus
// captures, capture.flows() / endpoints() / dns() equal `pcapscope flows|endpoints|dns FILE
// --format ndjson` parsed (both sides format records with the same core code).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { openCapture } from 'pcapscope';
import { capturesDir, hasCaptures, findCli, runCli, repoRoot } from './support.mjs';

/** Corpus files with DNS (UDP and TCP), TCP and UDP flows, IPv6, pcapng and gzip input. */
const TABLE_FILES = [
  'pcapplusplus/Tests__Pcap++Test__PcapExamples__DnsPackets.pcap',
  'pcapplusplus/Tests__ExamplesTest__pcap_examples__many-protocols.pcap',
  'suricata-verify/tests__dns-reversed-tcp-1__dns.pcap',
  'dpkt/examples__data__nb6-http.pcap',
  'ja4/ipv6.pcapng',
  'scapy/test__pcaps__tls_tcp_frag.pcap.gz',
];

const TABLES = ['flows', 'endpoints', 'dns'];

function parseNdjson(text) {
  return text.split('\n').filter((line) => line.length > 0).map((line) => JSON.parse(line));
}

async function checkAgainstCli(t, cli, file) {
  const capture = await openCapture(file);
  try {
    for (const table of TABLES) {
      const native = await runCli(cli, [table, file, '--format', 'ndjson']);
      assert.ok(native.stdout === '' || native.stdout.endsWith('\n'), `${table}: ${native.stderr}`);
      const expected = parseNdjson(native.stdout);
      const actual = await capture[table]();
      assert.ok(Array.isArray(actual));
      assert.deepEqual(actual, expected, `${table} differs from the CLI`);
      t.diagnostic(`${table}: ${actual.length} records`);
    }
  } finally {
    await capture.close();
  }
}

test('flows, endpoints and dns equal the native CLI on corpus captures', async (t) => {
  if (!hasCaptures) return t.skip(`no corpus at ${capturesDir}`);
  const cli = findCli();
  if (!cli) return t.skip('no native CLI (set PCAPSCOPE_CLI or build the release/debug preset)');
  let checked = 0;
  for (const name of TABLE_FILES) {
    const file = join(capturesDir, name);
    if (!existsSync(file)) continue;
    checked++;
    await t.test(name, (st) => checkAgainstCli(st, cli, file));
  }
  if (checked === 0) t.skip('none of the table files is in the corpus');
});

test('the web sample has TCP flows and DNS transactions, as the CLI says', async (t) => {
  const sample = join(repoRoot, 'web', 'public', 'sample.pcapng');
  if (!existsSync(sample)) return t.skip('no web/public/sample.pcapng');
  const capture = await openCapture(sample);
  try {
    const [flows, endpoints, dns] = [await capture.flows(), await capture.endpoints(), await capture.dns()];
    assert.ok(flows.some((f) => f.proto === 'tcp'), 'a TCP flow');
    assert.ok(dns.length > 0, 'a DNS transaction');
    assert.ok(endpoints.length > 0, 'an endpoint');
    flows.forEach((f, i) => assert.equal(f.flow_id, i + 1));
    const cli = findCli();
    if (cli) await checkAgainstCli(t, cli, sample);
  } finally {
    await capture.close();
  }
});

test('tables reject after close()', async () => {
  const sample = join(repoRoot, 'web', 'public', 'sample.pcapng');
  if (!existsSync(sample)) return;
  const capture = await openCapture(sample);
  await capture.close();
  await assert.rejects(capture.flows(), /closed/);
  await assert.rejects(capture.dns(), /closed/);
});
