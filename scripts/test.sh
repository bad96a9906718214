#!/usr/bin/env bash
# Sets up, builds and runs every test: native GoogleTest (debug and ASan+UBSan) via ctest,
# node tests for the wasm module and npm API, and browser tests of the web app.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test

jobs=$(nproc)
echo "== native: debug build + ctest"
cmake --preset debug >/dev/null
cmake --build --preset debug -j "$jobs"
ctest --preset debug -j "$jobs"

echo "== oracle: per-packet L2-L4 fields against tshark over ../shared/captures (skips without it)"
python3 tests/oracle/tshark_packets_compare.py --cli build/debug/cli/pcapscope --jobs "$jobs" --top 3

echo "== native: ASan+UBSan build + ctest"
cmake --preset asan >/dev/null
cmake --build --preset asan -j "$jobs"
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --preset asan -j "$jobs"

echo "== wasm + web build"
npm run build

echo "== node tests (wasm module, npm API) and browser tests"
export PCAPSCOPE_CLI="$PWD/build/debug/cli/pcapscope"
npm test
