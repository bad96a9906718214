#!/usr/bin/env bash
# Sets up, builds and runs every test: native GoogleTest (debug and ASan+UBSan) via ctest, the
# tshark oracles (L2-L4 and application fields per packet; conversations and followed TCP
# streams), node tests for the wasm module and npm API, browser tests of the web app, a 60 s
# smoke pass of every fuzz target, the adversarial captures (natively and in wasm), and the
# benchmark suite in its tiny mode (no timing asserted).
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

echo "== oracle: application fields (DNS, HTTP, TLS) per packet against tshark's defaults"
python3 tests/oracle/tshark_packets_compare.py --app --cli build/debug/cli/pcapscope --jobs "$jobs" --top 3

echo "== oracle: conversations (tcp.stream/udp.stream, conv tables) and followed TCP streams against tshark"
python3 tests/oracle/tshark_streams_compare.py --cli build/debug/cli/pcapscope --jobs "$jobs" --top 3

echo "== native: ASan+UBSan build + ctest"
cmake --preset asan >/dev/null
cmake --build --preset asan -j "$jobs"
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --preset asan -j "$jobs"

echo "== wasm + web build"
npm run build

echo "== node tests (wasm module, npm API) and browser tests"
export PCAPSCOPE_CLI="$PWD/build/debug/cli/pcapscope"
npm test

echo "== fuzz: a ${FUZZ_SECONDS:-60} s smoke pass of every libFuzzer target (kept regressions replayed first)"
bash scripts/fuzz-smoke.sh "${FUZZ_SECONDS:-60}"

echo "== adversarial captures, natively and in wasm"
env -u PCAPSCOPE_CLI bash tests/adversarial/run.sh   # builds and uses the release CLI

echo "== benchmark suite, tiny mode (proves it runs; no timing asserted)"
bash bench/run.sh --tiny
