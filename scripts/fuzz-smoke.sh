#!/usr/bin/env bash
# CI smoke pass over every libFuzzer target (tests/fuzz/*_fuzz.cpp, whatever exists):
#   scripts/fuzz-smoke.sh [SECONDS]   (default 60 per target)
# Builds the core once with the sanitizers (tests/fuzz/build.sh), then for each target replays
# its kept regressions (tests/fuzz/regressions/TARGET/*, and the loose files there that belong to
# it) and fuzzes for SECONDS from its seeds (with tests/fuzz/dicts/TARGET.dict when there is one).
# Exits non-zero on any finding (crash, sanitizer report, leak, timeout, out of memory) or build
# failure; findings are written to build/fuzz/smoke-findings/.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
bash tests/fuzz/build.sh
findings=build/fuzz/smoke-findings
mkdir -p "$findings"
failed=()
for src in tests/fuzz/*_fuzz.cpp; do
  t=$(basename "$src" .cpp)
  bin=build/fuzz/$t
  log=build/fuzz/smoke-$t.log
  reg=tests/fuzz/regressions/$t
  # The kept regressions: the target's folder, and the files loose in tests/fuzz/regressions/
  # that the GoogleTest suites read by name (dns-* for the DNS parser, filter-* for the filter
  # compiler, the others for the capture-level targets).
  replay=()
  [ -d "$reg" ] && while IFS= read -r -d '' f; do replay+=("$f"); done < <(find "$reg" -maxdepth 1 -type f -print0)
  while IFS= read -r -d '' f; do
    name=$(basename "$f")
    case "$t:$name" in
      dns_fuzz:dns-*|filter_fuzz:filter-*) replay+=("$f") ;;
      reader_fuzz:dns-*|reader_fuzz:filter-*|pipeline_fuzz:dns-*|pipeline_fuzz:filter-*) ;;
      reader_fuzz:*|pipeline_fuzz:*) replay+=("$f") ;;
    esac
  done < <(find tests/fuzz/regressions -maxdepth 1 -type f -print0)
  if [ ${#replay[@]} -gt 0 ]; then
    if ! "$bin" -timeout=30 -artifact_prefix="$findings/$t-" "${replay[@]}" >"$log.replay" 2>&1; then
      echo "fuzz-smoke: $t: a kept regression fails again (see $log.replay)"
      tail -30 "$log.replay"
      failed+=("$t(regression)")
      continue
    fi
  fi
  work=$(mktemp -d)
  seeds=()
  for d in "tests/fuzz/seeds/$t" "tests/fuzz/corpus/$t" "build/fuzz/corpus-$t"; do
    [ -d "$d" ] && seeds+=("$d")
  done
  case "$t" in
    reader_fuzz|pcapng_fuzz|pipeline_fuzz)
      [ -d ../shared/captures ] && find ../shared/captures -type f \( -name '*.pcap' -o -name '*.pcapng' \) \
        -size -64k -exec cp {} "$work/" \; ;;
  esac
  dict=()
  [ -f "tests/fuzz/dicts/$t.dict" ] && dict=("-dict=tests/fuzz/dicts/$t.dict")
  if "$bin" -max_total_time="$secs" -max_len=262144 -timeout=30 -rss_limit_mb=2048 "${dict[@]}" \
      -artifact_prefix="$findings/$t-" -print_final_stats=1 "$work" "${seeds[@]}" >"$log" 2>&1; then
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 || true)
    echo "fuzz-smoke: $t ok ($execs runs, $cov)"
  else
    echo "fuzz-smoke: $t FOUND A PROBLEM (log: $log; input: $(ls -t "$findings"/"$t"-* 2>/dev/null | head -1))"
    grep -A25 -m1 -E "ERROR: |runtime error|==ERROR|deadly signal" "$log" || tail -30 "$log"
    failed+=("$t")
  fi
  rm -rf "$work"
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz-smoke: failures: ${failed[*]}"
  exit 1
fi
echo "fuzz-smoke: every target passed"
