// bench/ab.js — A/B of two builds of the engine's wasm on one model, interleaved in one process.
//
//   node bench/ab.js A.wasm B.wasm [batch=64] [model=bench/lenet5-mnist.wcnn]
//
// For kernel work: build a variant (make web/wasm-cnn.wasm, copy it aside), change the C, build
// again, and compare. Both modules run in this process, their measurements alternate round by
// round (the order flipped each round), so slow phases of a noisy machine hit both alike.
// Prints per layer the 10th-percentile time per image over 60 rounds (the fast end: the least
// disturbed runs) and B/A; below 1 means B is faster. Raw wasm exports only, no JS API around.
import { readFileSync } from 'node:fs';

const [fileA, fileB, batchArg, modelArg] = process.argv.slice(2);
if (!fileA || !fileB) {
  console.error('usage: node bench/ab.js A.wasm B.wasm [batch=64] [model=bench/lenet5-mnist.wcnn]');
  process.exit(2);
}
const n = Number(batchArg || 64);
if (!Number.isInteger(n) || n < 1) throw new Error(`batch must be a positive integer, got ${batchArg}`);
const model = readFileSync(modelArg || new URL('./lenet5-mnist.wcnn', import.meta.url));

async function instantiate(file) {
  const { instance } = await WebAssembly.instantiate(readFileSync(file), { env: { emscripten_notify_memory_growth() {} } });
  const c = instance.exports;
  c._initialize();
  const scratch = c.malloc(8), bytes = c.malloc(model.length);
  new Uint8Array(c.memory.buffer).set(model, bytes);
  const status = c.cnn_model_load(scratch, bytes, model.length);
  if (status) throw new Error(`${file}: cnn_model_load failed with status ${status}`);
  const m = new Int32Array(c.memory.buffer)[scratch >> 2];
  if (c.cnn_model_reserve(m, n)) throw new Error(`${file}: cnn_model_reserve(${n}) failed`);
  // the input's size from layer 0's cnn_layer_info: in_rank, in_h, in_w, in_c after the type
  // and activation (builds since the layer registry, which export cnn_option_kind), or after
  // the 12-int spec (older builds, so that A/B runs against them)
  const info = c.malloc(64 * 4);
  c.cnn_model_layer_info(m, 0, info);
  const [, h, w, ch] = new Int32Array(c.memory.buffer, info + (c.cnn_option_kind ? 2 : 12) * 4, 4);
  const f32 = new Float32Array(c.memory.buffer), at = c.cnn_model_input(m) >> 2;
  for (let i = 0; i < n * h * w * ch; i++) f32[at + i] = (i % 23) / 23; // deterministic, not all zero
  return { c, m, layers: c.cnn_model_layer_count(m) };
}

const A = await instantiate(fileA), B = await instantiate(fileB);
if (A.layers !== B.layers) throw new Error('the two builds disagree on the layer count');
const L = A.layers, reps = n === 1 ? 50 : 3, ROUNDS = 60;
const times = { A: Array.from({ length: L + 1 }, () => []), B: Array.from({ length: L + 1 }, () => []) };
for (let w = 0; w < 30; w++) { A.c.cnn_model_forward(A.m, n); B.c.cnn_model_forward(B.m, n); } // tier-up
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, E] of round % 2 ? [['A', A], ['B', B]] : [['B', B], ['A', A]]) {
    for (let i = 0; i <= L; i++) {
      const t0 = performance.now();
      for (let r = 0; r < reps; r++) i < L ? E.c.cnn_model_forward_layer(E.m, i, n) : E.c.cnn_model_forward(E.m, n);
      times[name][i].push(((performance.now() - t0) / reps / n) * 1000);
    }
  }
}
const p10 = (a) => a.slice().sort((x, y) => x - y)[Math.floor(a.length / 10)];
console.log(`batch ${n}, µs per image (p10 of ${ROUNDS} rounds), A = ${fileA}, B = ${fileB}`);
for (let i = 0; i <= L; i++) {
  const a = p10(times.A[i]), b = p10(times.B[i]);
  console.log(`${(i < L ? `layer ${i}` : 'whole').padEnd(8)} A ${a.toFixed(2).padStart(8)}  B ${b.toFixed(2).padStart(8)}  B/A ${(b / a).toFixed(3)}`);
}
