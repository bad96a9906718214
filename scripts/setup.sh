#!/usr/bin/env bash
# Installs what building and testing pcapscope needs on Debian 12, skipping what is present.
# Usage: scripts/setup.sh [build|test]   (test adds the oracles, the browser, clang + libFuzzer
# for the fuzz smoke pass, and libpcap/dpkt for the benchmark baselines)
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:-build}
pkgs=(cmake ninja-build g++ libgtest-dev googletest zlib1g-dev emscripten python3)
if [ "$mode" = test ]; then
  pkgs+=(tshark wireshark-common chromium clang-14 libclang-rt-14-dev libpcap-dev python3-dpkt time)
fi

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v node >/dev/null; then
  echo "setup: Node.js 20 or newer is required (https://nodejs.org or your distribution)" >&2
  exit 1
fi
node_major=$(node -p 'process.versions.node.split(".")[0]')
node_minor=$(node -p 'process.versions.node.split(".")[1]')
if [ "$node_major" -lt 20 ] || { [ "$node_major" -eq 20 ] && [ "$node_minor" -lt 16 ]; }; then
  echo "setup: Node.js >= 20.16 is required, found $(node --version)" >&2
  exit 1
fi

# npm ci only when node_modules is missing or older than the lock file.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi
