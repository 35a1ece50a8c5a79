#!/usr/bin/env bash
# setup.sh — checks the toolchain the tests need and installs the npm packages (npm ci) when
# node_modules is missing or older than package-lock.json. It never installs system packages
# itself: it prints the exact apt-get command for whatever is missing.
set -u
cd "$(dirname "$0")/.."
missing=()
command -v emcc >/dev/null || missing+=(emscripten)
command -v clang >/dev/null || missing+=(clang)
ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1 || missing+=(libclang-rt-14-dev)
command -v cc >/dev/null || missing+=(gcc)
command -v make >/dev/null || missing+=(make)
[ -x /usr/bin/chromium ] || missing+=(chromium)
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  missing+=(nodejs npm)
elif [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 18 ]; then
  echo "setup: Node.js $(node --version) is too old; wasm-cnn needs Node 18 or newer" >&2
  exit 1
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: missing: ${missing[*]}" >&2
  echo "setup: install them with:  sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund || { echo "setup: npm ci failed" >&2; exit 1; }
fi
