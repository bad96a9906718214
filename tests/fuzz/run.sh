#!/usr/bin/env bash
# Builds and runs one libFuzzer target: tests/fuzz/run.sh TARGET SECONDS
# Seeds come from ../shared/captures (when present) plus tests/fuzz/corpus/TARGET; findings
# land in tests/fuzz/crashes/; move each into tests/fuzz/regressions/ once fixed (a test reads them all).
set -euo pipefail
cd "$(dirname "$0")/../.."
target=${1:?usage: tests/fuzz/run.sh TARGET SECONDS}
secs=${2:-60}
out=build/fuzz
mkdir -p "$out" "tests/fuzz/corpus/$target" tests/fuzz/crashes
# Every core source except the native file/zlib front end.
srcs=$(find core/src -name '*.cpp' ! -name file.cpp ! -name '*_native.cpp' | sort)
clang++-14 -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -Icore/include "tests/fuzz/${target}.cpp" $srcs -o "$out/$target"
work="$out/corpus-$target"
mkdir -p "$work"
if [ -z "$(ls -A "$work")" ]; then
  if [ -d "tests/fuzz/seeds/$target" ]; then   # hand-written seeds (e.g. filter expressions)
    cp "tests/fuzz/seeds/$target"/* "$work/"
  elif [ -d ../shared/captures ]; then         # captures for the capture-level targets
    find ../shared/captures -type f \( -name '*.pcap' -o -name '*.pcapng' -o -name '*.cap' \) -size -200k \
      -exec cp {} "$work/" \;
  fi
fi
"$out/$target" -max_total_time="$secs" -max_len=262144 -artifact_prefix=tests/fuzz/crashes/ \
  -print_final_stats=1 "$work" "tests/fuzz/corpus/$target"
