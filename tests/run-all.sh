#!/usr/bin/env bash
# run-all.sh — every test suite, then one line "N passed, N failed" (the sum over suites).
# Exit status non-zero if anything failed. Each suite prints its own "name: N passed, N failed";
# a suite that dies without that line counts as one failure.
set -u
cd "$(dirname "$0")/.."
mkdir -p build
total_pass=0
total_fail=0

# run NAME COMMAND…: runs a suite, echoes its output, adds its counts.
run() {
  local name=$1; shift
  echo "━━━ $name: $*"
  local log="build/suite-$name.log"
  "$@" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  local line
  line=$(grep -E '^[a-z0-9-]+: [0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1)
  if [ -z "$line" ]; then
    echo "$name: no summary line (exit $rc): counted as 1 failed"
    total_fail=$((total_fail + 1))
    return
  fi
  local p f
  p=$(sed -E 's/.*: ([0-9]+) passed.*/\1/' <<<"$line")
  f=$(sed -E 's/.* ([0-9]+) failed$/\1/' <<<"$line")
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi   # a crash after the summary still fails
  total_pass=$((total_pass + p))
  total_fail=$((total_fail + f))
}

run c-native make --no-print-directory test-c
run c-wasm make --no-print-directory test-c-wasm
run jest bash tests/jest-count.sh
run fuzz bash tests/fuzz-count.sh
run trainer bash tests/trainer-smoke.sh
run browser node tests/browser/run.js
run pool node tests/browser/pool.js
run infer node tests/browser/infer.js
run package node tests/browser/package.js
run demo node tests/browser/demo.js
run train node tests/browser/train.js
run bundler node tests/bundler/run.js

echo "━━━"
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
