#!/usr/bin/env bash
# Instructions the wasm module's JIT code runs for one capture in Node (callgrind; TurboFan only,
# one thread), with the module's size: the deterministic figure wasm/README.md compares builds by
# (wall time on these shared machines moves by tens of percent).
#
#   bash bench/wasm_jit_instructions.sh [CAPTURE] [REPO]
#
# CAPTURE defaults to bench/out/prefix-100000.pcap (made by bench/run.sh); REPO is the tree whose
# bench/wasm_node.mjs and wasm/dist/ module are run (default: this one). V8's own compiler and
# runtime are not counted: only code callgrind cannot place in a file (`???:0x…`), the JIT's.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
capture=${1:-$here/bench/out/prefix-100000.pcap}
repo=${2:-$here}
out=$(mktemp /tmp/pcapscope-jit.XXXXXX)
trap 'rm -f "$out" "$out.err"' EXIT
valgrind --tool=callgrind --callgrind-out-file="$out" \
  node --no-liftoff --single-threaded "$repo/bench/wasm_node.mjs" "$capture" > /dev/null 2> "$out.err"
jit=$(callgrind_annotate --inclusive=no --threshold=100 "$out" 2>/dev/null |
  grep -E '\?\?\?:0x' | awk '{gsub(",", "", $1); s += $1} END {printf "%.1f", s / 1e6}')
wasm=$repo/wasm/dist/pcapscope_wasm.wasm
echo "JIT instructions: ${jit} M; .wasm $(stat -c %s "$wasm") B, gzip -9 $(gzip -9c "$wasm" | wc -c) B"
