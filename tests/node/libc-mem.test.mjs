// The wasm module's own memcmp, memchr, memcpy and memset (wasm/libc_mem.cpp): its check program,
// built by the wasm preset next to the module (`npm run build:wasm`), compares them with
// byte-by-byte references at every length up to 80 and every alignment, and on buffers that end
// at the wasm memory's last byte (the SIMD memchr loads whole aligned 16-byte blocks).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { repoRoot } from './support.mjs';

const program = join(repoRoot, 'build', 'wasm', 'wasm', 'libc_mem_test.cjs');

test('libc_mem: memcmp, memchr, memcpy and memset agree with byte-by-byte references', async () => {
  assert.ok(existsSync(program), `${program} is missing: run npm run build:wasm first`);
  const { code, stdout, stderr } = await new Promise((ok) => {
    execFile(process.execPath, [program], { encoding: 'utf8', maxBuffer: 1 << 20 }, (err, stdout, stderr) =>
      ok({ code: err ? err.code ?? 1 : 0, stdout, stderr }));
  });
  assert.equal(code, 0, `${stdout.slice(0, 2000)}${stderr.slice(-2000)}`);
  assert.equal(stdout.trim(), 'ok');
});
