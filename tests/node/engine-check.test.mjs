// The module needs WebAssembly SIMD (wasm/libc_mem.cpp); engines without it get an error that
// says so (wasm/js/engine-check.js, used by the browser entry point) instead of a CompileError.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { explainLoadFailure, hasWasmSimd } from '../../wasm/js/engine-check.js';

test('engine check: Node has WebAssembly SIMD, and load errors pass through unchanged', () => {
  assert.equal(hasWasmSimd(), true);
  const error = new Error('network');
  assert.equal(explainLoadFailure(error), error);
});

test('engine check: without SIMD, the load error names what is missing', (t) => {
  t.mock.method(WebAssembly, 'validate', () => false);
  assert.equal(hasWasmSimd(), false);
  const compile = new WebAssembly.CompileError('invalid opcode 0xfd');
  const explained = explainLoadFailure(compile);
  assert.match(explained.message, /needs WebAssembly SIMD/);
  assert.match(explained.message, /Safari 16\.4/);
  assert.equal(explained.cause, compile);
});
