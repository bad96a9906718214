// Size-optimized regions of a speed-optimized source file, for the wasm build.
//
// The wasm module has a size budget (.wasm <= 600 KB, <= 250 KB gzipped; issue 6), so most of
// the core is compiled there with -Oz. A file that is per-packet code in part (the statistics
// collector's straight path, the TLS record framing, the DNS message parser) and per-capture or
// per-row code for the rest (JSON, tables, finish) can then be compiled -O3 as a whole, with the
// cold part put between PCAPSCOPE_SIZE_BEGIN and PCAPSCOPE_SIZE_END: every function defined
// there gets clang's `minsize` attribute, which is what -Oz gives a function (wasm/README.md,
// "Size-optimized regions", has what it bought). The native build is unaffected: the macros
// are empty unless the compiler is Emscripten's clang.
//
// The pragma cannot appear inside a class: a member function defined there takes
// PCAPSCOPE_SIZE_FN before its declaration instead.
//
// Only functions *defined* in the region get the attribute. Keep inline helpers that the hot
// path calls outside it: they are inlined by the caller's rules anyway, but a minsize callee
// lowers the threshold the inliner gives the call.
#pragma once

#if defined(__EMSCRIPTEN__) && defined(__clang__)
#define PCAPSCOPE_SIZE_BEGIN _Pragma("clang attribute push (__attribute__((minsize)), apply_to = function)")
#define PCAPSCOPE_SIZE_END _Pragma("clang attribute pop")
#define PCAPSCOPE_SIZE_FN __attribute__((minsize))
#else
#define PCAPSCOPE_SIZE_BEGIN
#define PCAPSCOPE_SIZE_END
#define PCAPSCOPE_SIZE_FN
#endif
