#!/usr/bin/env bash
# Builds the release preset, generates bench/out/bench.pcap once (deterministic, ~1 GB), and runs
# the read benchmark on it. Extra arguments go to read_bench (e.g. --runs 10 --chunk 262144).
# Results are appended, with machine facts, to bench/out/results.jsonl.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

cmake --preset release >/dev/null
cmake --build --preset release --target gen_capture read_bench

capture="${BENCH_CAPTURE:-bench/out/bench.pcap}"
mkdir -p "$(dirname "$capture")"
if [[ ! -f "$capture" ]]; then
  format=pcap
  [[ "$capture" == *.pcapng ]] && format=pcapng
  echo "generating $capture ($format, 2,000,000 packets, about 1 GB) ..."
  build/release/bench/gen_capture --format "$format" --out "$capture"
fi

model="$(lscpu 2>/dev/null | sed -n 's/^Model name:[[:space:]]*//p' | head -n1)"
echo "machine: $(nproc) CPUs, ${model:-unknown CPU}, $(uname -sr), $(date -u '+%Y-%m-%d %H:%M UTC')"
echo

out="$(mktemp)"
trap 'rm -f "$out"' EXIT
status=0
build/release/bench/read_bench "$capture" "$@" | tee "$out" || status=$?

json="$(grep '^{"bench":"read"' "$out" | tail -n1 || true)"
if [[ -n "$json" ]]; then
  printf '{"date":"%s","nproc":%s,"cpu":"%s","result":%s}\n' \
    "$(date -u '+%Y-%m-%dT%H:%M:%SZ')" "$(nproc)" "${model//\"/}" "$json" >> bench/out/results.jsonl
fi
exit "$status"
