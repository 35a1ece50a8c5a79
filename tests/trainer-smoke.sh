#!/usr/bin/env bash
# trainer-smoke.sh — the native trainer behind `make weights`, in miniature:
#   1. one epoch on 6 000 MNIST images must run, write a model the JavaScript API loads — the
#      architecture of models/$DIGITS_ARCH.json (the Makefile's, as `make weights` trains it),
#      metadata name 'digits' — and a report whose test accuracy is above 85% (the full run is
#      `make weights`, minutes; not run in CI);
#   2. determinism, which `make weights` reproducing a file relies on: two tiny runs of the batch
#      norm candidate digits-net (moving statistics averaged over the threads) with the same
#      seed (2 threads) write identical bytes, and another seed different ones;
#   3. the kernels' contract the trainer relies on: a tiny run of the shipped architecture on
#      the SIMD kernels (compiled natively through src/simd128.h, the default) and one on the
#      scalar reference write the same bytes.
# Prints "trainer: N passed, N failed".
set -u
cd "$(dirname "$0")/.."
out=build/trainer-smoke
rm -rf "$out" && mkdir -p "$out"
pass=0; fail=0
arch=$(sed -n 's/^DIGITS_ARCH := //p' Makefile)
ok() { pass=$((pass + 1)); echo "ok      $1"; }
not_ok() { fail=$((fail + 1)); echo "not ok  $1"; }

if make --no-print-directory build/train-digits >/dev/null &&
   ./build/train-digits --arch "$arch" --epochs 1 --limit 6000 --out "$out/digits.wcnn" > "$out/log.txt" 2>&1; then
  ok "trainer runs and writes $out/digits.wcnn"
else
  not_ok "trainer runs"; tail -5 "$out/log.txt" 2>/dev/null
fi
acc=$(grep -o '\*\*test accuracy\*\* | \*\*[0-9.]*%' "$out/digits-report.md" 2>/dev/null | grep -o '[0-9.]*%' | tr -d '%')
if [ -n "$acc" ] && node -e "
  import('./js/index.js').then(async ({ loadModel, createModel }) => {
    const def = JSON.parse(require('fs').readFileSync('models/$arch.json', 'utf8'));
    const m = await loadModel('$out/digits.wcnn');
    const fresh = await createModel({ input: def.input, layers: def.layers });
    const arch = (x) => JSON.stringify(x.config().layers.map(({ name, ...rest }) => rest));
    if (m.metadata.name !== 'digits' || m.paramCount !== fresh.paramCount || arch(m) !== arch(fresh)) {
      console.error('not the architecture of models/$arch.json, or metadata name', m.metadata.name);
      process.exit(1);
    }
    process.exit($acc > 85 ? 0 : 1);
  }).catch((e) => { console.error(e.message); process.exit(1); });"; then
  ok "the model loads in JS, is models/$arch.json; report says ${acc}% after 1 epoch on 6 000 images"
else
  not_ok "model loads as models/$arch.json and report accuracy > 85% (got '${acc}')"
fi

# 512 training images, 500 held out (the test set is not read): seconds each
tiny() { ./build/train-digits --arch "${ARCH:-digits-net}" --epochs 1 --limit 512 --validation 500 --threads 2 --seed "$1" --out "$out/$2.wcnn" "${@:3}" > "$out/$2.txt" 2>&1; }
if tiny 7 a && tiny 7 b && tiny 8 c && cmp -s "$out/a.wcnn" "$out/b.wcnn" && ! cmp -s "$out/a.wcnn" "$out/c.wcnn"; then
  ok "same seed, same bytes ($(stat -c %s "$out/a.wcnn")-byte files); another seed, other bytes"
else
  not_ok "two runs with seed 7 write identical files, seed 8 a different one"
fi
if ARCH="$arch" tiny 7 d && ARCH="$arch" tiny 7 e --kernels scalar && cmp -s "$out/d.wcnn" "$out/e.wcnn"; then
  ok "SIMD and scalar kernels train $arch to the same bytes"
else
  not_ok "a run on the scalar kernels writes the bytes of the same run on the SIMD kernels"
fi
echo "trainer: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
