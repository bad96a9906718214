#!/usr/bin/env bash
# Builds (tests/fuzz/build.sh: core compiled once, shared by every target) and runs one libFuzzer
# target: tests/fuzz/run.sh TARGET SECONDS [extra libFuzzer flags...]
# Seeds: tests/fuzz/seeds/TARGET and tests/fuzz/corpus/TARGET; the capture-level targets
# (reader_fuzz, pcapng_fuzz: pcapng files only, pipeline_fuzz) also get the captures under 200 KB
# from ../shared/captures; tests/fuzz/dicts/TARGET.dict is used when there is one. The working
# corpus grows in build/fuzz/corpus-TARGET. Findings land in
# tests/fuzz/crashes/; once fixed, keep each as tests/fuzz/regressions/TARGET/NAME (replayed by
# scripts/fuzz-smoke.sh for every target, and for the capture targets by the GoogleTest suite).
set -euo pipefail
cd "$(dirname "$0")/../.."
target=${1:?usage: tests/fuzz/run.sh TARGET SECONDS}
secs=${2:-60}
shift $(( $# >= 2 ? 2 : $# ))
out=build/fuzz
bash tests/fuzz/build.sh "$target"
mkdir -p tests/fuzz/crashes
work="$out/corpus-$target"
mkdir -p "$work"
seed_dirs=()
for d in "tests/fuzz/seeds/$target" "tests/fuzz/corpus/$target"; do
  [ -d "$d" ] && seed_dirs+=("$d")
done
if [ -z "$(ls -A "$work")" ] && [ -d ../shared/captures ]; then
  case "$target" in
    reader_fuzz|pipeline_fuzz)
      find ../shared/captures -type f \( -name '*.pcap' -o -name '*.pcapng' -o -name '*.cap' \) -size -200k \
        -exec cp {} "$work/" \; ;;
    pcapng_fuzz)   # pcapng files (by their first four bytes), whatever their names
      find ../shared/captures -type f -size -200k -print0 |
        while IFS= read -r -d '' f; do
          [ "$(head -c4 "$f" | od -An -tx1 | tr -d ' \n')" = 0a0d0d0a ] && cp "$f" "$work/$(basename "$f")" || true
        done ;;
  esac
fi
dict=()
[ -f "tests/fuzz/dicts/$target.dict" ] && dict=("-dict=tests/fuzz/dicts/$target.dict")
"$out/$target" -max_total_time="$secs" -max_len=262144 -timeout=30 -artifact_prefix=tests/fuzz/crashes/ \
  -print_final_stats=1 "${dict[@]}" "$@" "$work" "${seed_dirs[@]}"
