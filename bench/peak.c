// bench/peak.c — the single-thread WebAssembly SIMD peak probe of the inference benchmark.
//
// WebAssembly SIMD has no fused multiply-add, so a convolution's inner loop is an f32x4 mul
// followed by an f32x4 add. This measures how many of those pairs one core sustains when
// nothing else limits it: CHAINS independent chains v = v * m + a (no loads, no stores, every
// value in a register), so the only limits are the mul/add units' throughput and latency.
// Flops counted: one mul + one add per lane = 2 flops per lane, 8 per f32x4 step.
//
//   float run(int iters, float m, float a, int chains)   chains ∈ {8, 10, 12}
//
// runs `iters` steps of every chain and returns the sum of all lanes (so nothing is dead
// code). m and a come in as arguments so the engine keeps them in registers.
//
// Built by bench/index.js: NODE_PATH=/usr/share/nodejs emcc -O3 -msimd128 --no-entry
// -sSTANDALONE_WASM -sEXPORTED_FUNCTIONS=_run -o build/peak.wasm bench/peak.c

#include <wasm_simd128.h>

#define STEP(v) v = wasm_f32x4_add(wasm_f32x4_mul(v, vm), va)

static float sum4(v128_t v) {
  return wasm_f32x4_extract_lane(v, 0) + wasm_f32x4_extract_lane(v, 1) + wasm_f32x4_extract_lane(v, 2) +
         wasm_f32x4_extract_lane(v, 3);
}

#define INIT(k) v128_t v##k = wasm_f32x4_splat(0.01f * (k + 1))

static float run8(int iters, v128_t vm, v128_t va) {
  INIT(0); INIT(1); INIT(2); INIT(3); INIT(4); INIT(5); INIT(6); INIT(7);
  for (int i = 0; i < iters; i++) {
    STEP(v0); STEP(v1); STEP(v2); STEP(v3); STEP(v4); STEP(v5); STEP(v6); STEP(v7);
  }
  return sum4(v0) + sum4(v1) + sum4(v2) + sum4(v3) + sum4(v4) + sum4(v5) + sum4(v6) + sum4(v7);
}

static float run10(int iters, v128_t vm, v128_t va) {
  INIT(0); INIT(1); INIT(2); INIT(3); INIT(4); INIT(5); INIT(6); INIT(7); INIT(8); INIT(9);
  for (int i = 0; i < iters; i++) {
    STEP(v0); STEP(v1); STEP(v2); STEP(v3); STEP(v4); STEP(v5); STEP(v6); STEP(v7); STEP(v8); STEP(v9);
  }
  return sum4(v0) + sum4(v1) + sum4(v2) + sum4(v3) + sum4(v4) + sum4(v5) + sum4(v6) + sum4(v7) + sum4(v8) +
         sum4(v9);
}

static float run12(int iters, v128_t vm, v128_t va) {
  INIT(0); INIT(1); INIT(2); INIT(3); INIT(4); INIT(5); INIT(6); INIT(7); INIT(8); INIT(9); INIT(10); INIT(11);
  for (int i = 0; i < iters; i++) {
    STEP(v0); STEP(v1); STEP(v2); STEP(v3); STEP(v4); STEP(v5); STEP(v6); STEP(v7); STEP(v8); STEP(v9);
    STEP(v10); STEP(v11);
  }
  return sum4(v0) + sum4(v1) + sum4(v2) + sum4(v3) + sum4(v4) + sum4(v5) + sum4(v6) + sum4(v7) + sum4(v8) +
         sum4(v9) + sum4(v10) + sum4(v11);
}

float run(int iters, float m, float a, int chains) {
  v128_t vm = wasm_f32x4_splat(m), va = wasm_f32x4_splat(a);
  if (chains == 8) return run8(iters, vm, va);
  if (chains == 10) return run10(iters, vm, va);
  if (chains == 12) return run12(iters, vm, va);
  return -1.0f;
}
