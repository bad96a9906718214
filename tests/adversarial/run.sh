#!/usr/bin/env bash
# Adversarial-capture suite: builds the release CLI if needed and runs tests/adversarial/run.py
# (generate every hostile capture, run it natively and in wasm, check, write
# build/adversarial/report.md). Usage: tests/adversarial/run.sh [--full] [run.py options]
# Needs /usr/bin/time (Debian package `time`), python3 and node; the wasm checks use wasm/dist
# (npm run build:wasm).
set -euo pipefail
cd "$(dirname "$0")/../.."
cli=${PCAPSCOPE_CLI:-build/release/cli/pcapscope}
if [ -z "${PCAPSCOPE_CLI:-}" ]; then
  cmake --preset release >/dev/null
  cmake --build --preset release --target pcapscope >/dev/null
fi
wasm=()
[ -f wasm/dist/pcapscope_wasm.wasm ] || { echo "adversarial: wasm/dist missing, skipping wasm (npm run build:wasm)" >&2; wasm=(--no-wasm); }
exec python3 tests/adversarial/run.py --cli "$cli" "${wasm[@]}" "$@"
