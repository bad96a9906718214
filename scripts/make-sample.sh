#!/usr/bin/env bash
# Writes web/public/sample.pcapng, the web app's "Open sample" capture (~500 packets, < 200 KB:
# flows, DNS, HTTP, TLS with SNI), with the benchmark's deterministic generator; then checks it
# with tshark when tshark is installed.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

cmake --preset release >/dev/null
cmake --build --preset release --target gen_capture

sample=web/public/sample.pcapng
mkdir -p "$(dirname "$sample")"
build/release/bench/gen_capture --sample --format pcapng --packets 500 --out "$sample"

size=$(stat -c %s "$sample")
if (( size >= 200 * 1024 )); then
  echo "error: $sample is $size bytes (limit 200 KiB)" >&2
  exit 1
fi

if command -v tshark >/dev/null 2>&1; then
  count() { tshark -r "$sample" -Y "$1" 2>/dev/null | wc -l; }
  sni=$(count tls.handshake.extensions_server_name)
  http=$(count http.request)
  dns=$(count dns)
  bad=$(count '_ws.malformed || _ws.expert.severity >= "warning"')
  echo "tshark: $sni TLS ClientHellos with SNI, $http HTTP requests, $dns DNS messages, $bad malformed/warnings"
  if (( sni == 0 || http == 0 || dns == 0 || bad != 0 )); then
    echo "error: $sample does not decode as expected" >&2
    exit 1
  fi
fi
echo "wrote $sample ($size bytes)"
