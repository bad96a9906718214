// The wasm module uses WebAssembly SIMD (wasm/libc_mem.cpp). An engine without it refuses the
// module with a CompileError about an unknown opcode; say what is missing instead.

// The smallest module with a SIMD instruction: (func (result v128) i32.const 0 i8x16.splat
// i8x16.popcnt), as the wasm-feature-detect project probes for SIMD.
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11,
]);

/** Whether this engine validates WebAssembly SIMD code. */
export function hasWasmSimd() {
  return typeof WebAssembly === 'object' && WebAssembly.validate(SIMD_PROBE);
}

/**
 * The error to report when loading the module failed with `error`: a clear one when the engine
 * lacks WebAssembly or its SIMD, else `error` itself.
 * @param {unknown} error
 */
export function explainLoadFailure(error) {
  if (typeof WebAssembly !== 'object') {
    return new Error('pcapscope needs WebAssembly, which this environment does not have', { cause: error });
  }
  if (!hasWasmSimd()) {
    return new Error('pcapscope needs WebAssembly SIMD, which this browser does not have ' +
      '(Chrome and Edge 91 or later, Firefox 89, Safari 16.4)', { cause: error });
  }
  return error;
}
