#!/usr/bin/env bash
# trainer-smoke.sh — the native trainer behind `make weights`, in miniature: one epoch on 6 000
# MNIST images must run, write a model the JavaScript API loads, and a report whose test
# accuracy is above 85% (the full run is `make weights`, ~7 minutes; not run in CI).
# Prints "trainer: N passed, N failed".
set -u
cd "$(dirname "$0")/.."
out=build/trainer-smoke
rm -rf "$out" && mkdir -p "$out"
pass=0; fail=0
if make --no-print-directory build/train-digits >/dev/null &&
   ./build/train-digits --epochs 1 --limit 6000 --out "$out/digits.wcnn" > "$out/log.txt" 2>&1; then
  pass=$((pass + 1)); echo "ok      trainer runs and writes $out/digits.wcnn"
else
  fail=$((fail + 1)); echo "not ok  trainer runs"; cat "$out/log.txt" 2>/dev/null | tail -5
fi
acc=$(grep -o '\*\*test accuracy\*\* | \*\*[0-9.]*%' "$out/digits-report.md" 2>/dev/null | grep -o '[0-9.]*%' | tr -d '%')
if [ -n "$acc" ] && node -e "
  import('./js/index.js').then(async ({ loadModel }) => {
    const m = await loadModel('$out/digits.wcnn');
    if (m.metadata.name !== 'digits' || m.paramCount !== 61706) process.exit(1);
    process.exit($acc > 85 ? 0 : 1);
  }).catch((e) => { console.error(e.message); process.exit(1); });"; then
  pass=$((pass + 1)); echo "ok      the model loads in JS; report says ${acc}% after 1 epoch on 6 000 images"
else
  fail=$((fail + 1)); echo "not ok  model loads and report accuracy > 85% (got '${acc}')"
fi
echo "trainer: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
