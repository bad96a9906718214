#!/usr/bin/env bash
# The benchmark suite (issue 9) in one command: builds the release binaries, generates the
# deterministic capture once, then runs bench/suite.py, which measures every baseline (cat,
# read(), mmap header walk, libpcap C loop, dpkt, tshark) and every pcapscope variant (reader,
# index pass, flows, reassembly, `pcapscope analyze`, wasm in Node, headless Chromium) on it in
# interleaved rounds and writes bench/RESULTS.md (+ bench/out/results.json).
#
#   bash bench/run.sh                 # full run: 1 GB / 2M-packet capture, ~5 min on 2 cores
#   bash bench/run.sh --tiny          # ~10 MB capture, one run each, missing tools skipped;
#                                     # report in bench/out/RESULTS-tiny.md (CI: proves it works)
#   bash bench/run.sh --runs 9        # other options go to bench/suite.py (--help lists them)
#
# BENCH_BUILD=DIR builds in DIR (Release, Ninja) instead of the `release` preset's build/release;
# BENCH_CAPTURE=PATH benchmarks another pcap file (generated if absent). No timing is asserted.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

tiny=0
for arg in "$@"; do [[ "$arg" == "--tiny" ]] && tiny=1; done

if [[ -n "${BENCH_BUILD:-}" ]]; then
  build="$BENCH_BUILD"
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
else
  build=build/release
  cmake --preset release >/dev/null
fi
cmake --build "$build" --target gen_capture index_bench pcapscope

if (( tiny )); then
  capture="${BENCH_CAPTURE:-bench/out/tiny.pcap}"
  packets=20000   # ~10 MB
else
  capture="${BENCH_CAPTURE:-bench/out/bench.pcap}"
  packets=2000000 # ~1.08 GB
fi
mkdir -p "$(dirname "$capture")"
if [[ ! -f "$capture" ]]; then
  echo "generating $capture ($packets packets) ..." >&2
  "$build/bench/gen_capture" --packets "$packets" --out "$capture"
fi

python3 bench/suite.py --build "$build" --capture "$capture" "$@"
