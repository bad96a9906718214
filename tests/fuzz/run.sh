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
srcs=$(ls core/src/capture/{types,detect,reader,linktype,summary_json}.cpp core/src/util/json.cpp core/src/writer/writer.cpp core/src/dissect/*.cpp core/src/index/*.cpp core/src/reassembly/ip_defrag.cpp core/src/flow/*.cpp core/src/util/sha1.cpp core/src/app/*.cpp)
clang++-14 -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -Icore/include "tests/fuzz/${target}.cpp" $srcs -o "$out/$target"
work="$out/corpus-$target"
mkdir -p "$work"
if [ -d ../shared/captures ] && [ -z "$(ls -A "$work")" ]; then
  find ../shared/captures -type f \( -name '*.pcap' -o -name '*.pcapng' -o -name '*.cap' \) -size -200k \
    -exec cp {} "$work/" \;
fi
"$out/$target" -max_total_time="$secs" -max_len=262144 -artifact_prefix=tests/fuzz/crashes/ \
  -print_final_stats=1 "$work" "tests/fuzz/corpus/$target"
