#!/usr/bin/env bash
# Builds libFuzzer targets: tests/fuzz/build.sh [TARGET...]  (no argument: every tests/fuzz/*_fuzz.cpp)
# The core is compiled once (CMake + Ninja in build/fuzz/core, incremental) with
# -fsanitize=fuzzer-no-link,address,undefined; each target is one .cpp linked against it, so
# adding a target costs one compile. Binaries land in build/fuzz/TARGET. Needs clang-14 and
# libclang-rt-14-dev (the libFuzzer and sanitizer runtimes). FUZZ_OUT (default build/fuzz) and
# FUZZ_EXTRA_FLAGS (e.g. -fno-sanitize=shift-exponent to look past a known, unfixed finding)
# give a separate build.
set -euo pipefail
cd "$(dirname "$0")/../.."
CXX=${FUZZ_CXX:-clang++-14}
out=${FUZZ_OUT:-build/fuzz}
mkdir -p "$out"
if ! command -v "$CXX" >/dev/null; then
  echo "fuzz: $CXX not found (apt-get install clang-14 libclang-rt-14-dev)" >&2
  exit 2
fi
flags="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined ${FUZZ_EXTRA_FLAGS:-}"

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for f in tests/fuzz/*_fuzz.cpp; do targets+=("$(basename "$f" .cpp)"); done
fi

# One build at a time (several helpers/CI steps may call this concurrently).
exec 9>"$out/.build.lock"
flock 9

if [ ! -f "$out/core/build.ninja" ]; then
  cmake -S . -B "$out/core" -G Ninja -DCMAKE_BUILD_TYPE=None -DCMAKE_CXX_COMPILER="$CXX" \
    -DCMAKE_CXX_FLAGS="$flags -fsanitize=fuzzer-no-link -Wno-unused-command-line-argument" \
    -DPCAPSCOPE_BUILD_TESTS=OFF -DPCAPSCOPE_BUILD_CLI=OFF -DPCAPSCOPE_BUILD_BENCH=OFF >"$out/core-configure.log"
fi
if ! cmake --build "$out/core" --target pcapscope_core -j "${FUZZ_JOBS:-$(nproc)}" >"$out/core-build.log" 2>&1; then
  grep -E "error|Error" "$out/core-build.log" | head -20 >&2
  echo "fuzz: building the core failed (see $out/core-build.log)" >&2
  exit 2
fi
lib="$out/core/core/libpcapscope_core.a"

for t in "${targets[@]}"; do
  src="tests/fuzz/$t.cpp"
  [ -f "$src" ] || { echo "fuzz: no such target: $src" >&2; exit 2; }
  bin="$out/$t"
  if [ -x "$bin" ] && [ "$bin" -nt "$src" ] && [ "$bin" -nt "$lib" ] &&
     [ -z "$(find core/include -name '*.hpp' -newer "$bin" | head -1)" ]; then continue; fi
  # shellcheck disable=SC2086
  if ! $CXX -std=c++20 $flags -fsanitize=fuzzer -Icore/include "$src" "$lib" -lz -o "$bin.tmp" \
      2>"$out/$t-build.log"; then
    cat "$out/$t-build.log" >&2
    echo "fuzz: building $t failed" >&2
    exit 2
  fi
  mv "$bin.tmp" "$bin"
done
