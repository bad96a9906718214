// The npm package as users get it: `npm pack` produces a tarball with everything the exports map,
// the types and the bin need; installed offline into a fresh project it imports from JS, type-checks
// from TypeScript (`tsc --noEmit`, strict), analyzes a capture and runs `npx pcapscope`.
// `npm pack` runs with --ignore-scripts here: the prepack script (npm run build:wasm) is what a
// fresh clone needs, while this test uses the module already built in wasm/dist/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile, mkdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { repoRoot } from './support.mjs';

function run(cmd, args, cwd) {
  return new Promise((ok) => {
    execFile(cmd, args, { cwd, maxBuffer: 64 << 20, encoding: 'utf8', env: { ...process.env, npm_config_update_notifier: 'false' } },
      (error, stdout, stderr) => ok({ code: error ? (error.code ?? 1) : 0, stdout, stderr }));
  });
}

const sample = join(repoRoot, 'web', 'public', 'sample.pcapng');
const tsc = join(repoRoot, 'node_modules', '.bin', 'tsc');

test('npm pack → install into a fresh project → import from JS and TypeScript, run the bin', async (t) => {
  if (!existsSync(join(repoRoot, 'wasm', 'dist', 'pcapscope_wasm.wasm'))) return t.skip('wasm not built (npm run build:wasm)');
  const dir = await mkdtemp(join(tmpdir(), 'pcapscope-pack-'));
  t.after(() => rm(dir, { recursive: true, force: true }));

  const pack = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], repoRoot);
  assert.equal(pack.code, 0, pack.stderr);
  const [info] = JSON.parse(pack.stdout);
  const files = info.files.map((f) => f.path).sort();
  for (const needed of ['package.json', 'wasm/README.md', 'wasm/dist/pcapscope_wasm.mjs', 'wasm/dist/pcapscope_wasm.wasm',
    'wasm/js/index.d.ts', 'wasm/js/node.js', 'wasm/js/browser.js', 'wasm/js/cli.js', 'wasm/js/worker.js',
    'wasm/js/worker-host.js', 'wasm/js/capture.js', 'wasm/js/packets.js']) {
    assert.ok(files.includes(needed), `tarball lacks ${needed}`);
  }
  assert.ok(!files.some((f) => f.startsWith('web/') || f.startsWith('core/') || f.startsWith('tests/')), 'only the package');
  t.diagnostic(`${info.filename}: ${info.size} bytes packed, ${info.unpackedSize} unpacked, ${files.length} files`);

  const project = join(dir, 'app');
  await mkdir(project);
  await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  const install = await run('npm', ['install', '--offline', '--no-audit', '--no-fund', join(dir, info.filename)], project);
  assert.equal(install.code, 0, install.stderr);

  await writeFile(join(project, 'main.mjs'), `
import { openCapture, readPackets, FilterError } from 'pcapscope';
const capture = await openCapture(process.argv[2]);
const sel = await capture.select('tcp.len > 0');
const flows = await capture.flows();
const follow = await capture.follow(flows.find((f) => f.proto === 'tcp').flow_id);
const exported = await capture.exportCapture({ selection: sel, format: 'pcap' });
let n = 0;
for await (const p of readPackets(exported)) n++;
const bad = await capture.select('tcp.prot').catch((e) => e instanceof FilterError);
console.log(JSON.stringify({ packets: capture.packetCount, selected: sel.count, reread: n, follow: follow.data.length, bad }));
await capture.close();
`);
  const js = await run(process.execPath, ['main.mjs', sample], project);
  assert.equal(js.code, 0, js.stderr);
  const result = JSON.parse(js.stdout);
  assert.ok(result.packets > 0 && result.selected > 0 && result.follow > 0, js.stdout);
  assert.equal(result.reread, result.selected);
  assert.equal(result.bad, true);

  await writeFile(join(project, 'main.ts'), `
import { openCapture, readPackets, FilterError, CaptureFormatError, type Capture, type Selection,
  type FollowResult, type PacketView, type FlowRecord } from 'pcapscope';

async function analyze(path: string): Promise<number> {
  const capture: Capture = await openCapture(path, { chunkSize: 1 << 16, onProgress: (p) => void p.bytesRead });
  const sel: Selection = await capture.select('udp', { signal: AbortSignal.timeout(10000) });
  const page = await capture.packets({ start: 0, count: 10, selection: sel });
  const info: string[] = page.info;
  const flows: FlowRecord[] = await capture.flows();
  const f: FollowResult = await capture.follow(flows[0].flow_id);
  const bytes: Uint8Array = await capture.exportCapture({ filter: 'tcp', format: 'pcapng' });
  for await (const p of readPackets(bytes)) {
    const v: PacketView = p;
    const src: string | undefined = v.field('ip.src');
    const ts: bigint | null = v.ts;
    void src; void ts;
  }
  try {
    await capture.select('tcp.prot');
  } catch (e) {
    if (e instanceof FilterError) return e.start + e.end;
    if (e instanceof CaptureFormatError) return e.offset ?? -1;
  }
  await capture.close();
  return info.length + f.segments.length + sel.numbers.length;
}
void analyze;
`);
  await writeFile(join(project, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { strict: true, noEmit: true, target: 'es2022', module: 'nodenext', moduleResolution: 'nodenext', lib: ['es2022', 'dom'], skipLibCheck: false },
    files: ['main.ts'],
  }));
  if (!existsSync(tsc)) return t.skip('no typescript in node_modules (npm ci)');
  const check = await run(tsc, ['-p', project], project);
  assert.equal(check.code, 0, check.stdout + check.stderr);
  // A type error is reported (the check is not vacuous).
  await writeFile(join(project, 'bad.ts'), `import { openCapture } from 'pcapscope';\nconst n: string = (await openCapture('x')).packetCount;\nexport { n };\n`);
  await writeFile(join(project, 'tsconfig.bad.json'), JSON.stringify({ extends: './tsconfig.json', files: ['bad.ts'] }));
  const bad = await run(tsc, ['-p', join(project, 'tsconfig.bad.json')], project);
  assert.notEqual(bad.code, 0, 'tsc flags a wrong type');

  const bin = await run(process.execPath, [join(project, 'node_modules', '.bin', 'pcapscope'), 'info', sample, '--json'], project);
  assert.equal(bin.code, 0, bin.stderr);
  assert.equal(JSON.parse(bin.stdout).packets, result.packets);
  assert.ok((await readdir(join(project, 'node_modules', 'pcapscope', 'wasm', 'dist'))).includes('pcapscope_wasm.wasm'));
  assert.equal(JSON.parse(await readFile(join(project, 'node_modules', 'pcapscope', 'package.json'), 'utf8')).dependencies, undefined,
    'no runtime dependencies');
});
