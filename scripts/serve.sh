#!/usr/bin/env bash
# Sets up, builds the wasm core and the static site, and serves it on http://127.0.0.1:${PORT:-8080}/
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh build
npm run build
echo "serving dist/ on http://127.0.0.1:${PORT:-8080}/ (Ctrl-C to stop)"
exec npm run serve -- --port "${PORT:-8080}"
