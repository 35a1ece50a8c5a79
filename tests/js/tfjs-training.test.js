// tfjs-training.test.js — training against an independent trainer: TensorFlow.js.
//
// Claim: one SGD step from the same weights on the same batch gives the same updated weights
// as @tensorflow/tfjs-core (tf.variableGrads + tf.train.sgd, cpu backend), and so do three
// steps of momentum SGD (plain and Nesterov) and of Adam.
//
// For every case the model is built with createModel, given weights from a seeded PRNG with
// setWeights, and the same model is written in tfjs-core ops from the layer definitions, with
// tf.variable weights made from our getWeights() (same layouts: conv HWIO, dense [in][units],
// NHWC inputs — nothing is converted). Compared:
//   * the loss, the gradients of every kernel and bias (net.gradients vs tf.variableGrads)
//     and the input gradient (net.gradients().input vs tf.grad wrt the input batch);
//   * the weights after net.trainBatch with setOptimizer({ optimizer: 'sgd', learningRate })
//     vs after tf.train.sgd(learningRate).applyGradients.
//
// Tolerances (float32 on both sides, different summation orders):
//   * updated weights:  max |ours − tfjs| ≤ 1e-4 (UPDATE_TOL), every kernel and bias value;
//   * gradients:        per tensor, max |ours − tfjs| ≤ 1e-3 · max |tfjs| + 1e-7 (GRAD_RTOL,
//                       GRAD_ATOL): a relative error against the tensor's scale, since single
//                       elements of a gradient can be tiny cancellations of large terms;
//   * loss:             |ours − tfjs| ≤ 1e-5 · max(1, |tfjs|).
//   Adam is discussed where it is tested.
//
// Losses as our engine defines them: crossentropy = mean over the batch of
// −log softmax(logits)[label], the logits being the last layer's output before its softmax
// (here written as mean(logSumExp(z) − Σ onehot·z) in tfjs ops: tf.losses.softmaxCrossEntropy
// computes the same but its custom gradient trips tfjs's kernel memory-leak check); mse =
// mean over images and outputs of (y − t)² on the activated output
// (tf.losses.meanSquaredError).
//
// Independence notes (where a tfjs shortcut is deliberately not used):
//  * avgpool 'same': the tfjs 4.22 cpu kernel AvgPoolGrad multiplies every window by
//    1 / (kh·kw), while its forward AvgPool divides border windows by the number of cells
//    inside the input (TensorFlow's rule, and ours) — so tf.avgPool(…, 'same') has a wrong
//    gradient at the borders. Here avgpool 'same' is built as a 'valid' average pool of the
//    explicitly zero-padded input (whose gradient is right: every window is full), times
//    kh·kw / count, with count (cells inside the input) computed in plain JavaScript.
//  * Explicit numeric conv padding is tf.pad + a 'valid' convolution, not tf.conv2d(x, w, s,
//    <number>) (tfjs computes numeric-pad shapes with the kernel and stride height only).
//  * Explicit padding is kept below the kernel size in the random models: a window wholly in
//    the padding outputs exactly the bias, and a global max over several such equal values
//    is a tie that tfjs's max gradient sends to every tied cell (ours to one).
//
// Everything random comes from seeded PRNGs (mulberry32 from tests/fixtures.js).

import { jest } from '@jest/globals';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
// tfjs-core 4.x registers no gradient functions by itself (its package leaves that to
// dist/register_all_gradients.js, an ES module that jest cannot load from a package without
// "type": "module"); @tensorflow/tfjs-layers' node build bundles tfjs-core's gradient
// configs and registers them in tfjs's global registry when imported. Used only for that.
import '@tensorflow/tfjs-layers';
import { createModel } from '../../js/index.js';
import { LENET, rng as mulberry32 } from '../fixtures.js';

jest.setTimeout(180000); // generous: the machine may be busy

const UPDATE_TOL = 1e-4;
const GRAD_RTOL = 1e-3;
const GRAD_ATOL = 1e-7;
const LOSS_RTOL = 1e-5;
const SGD_LR = 0.5; // large, so that a step moves weights far more than the tolerance

// ─── Deterministic randomness ─────────────────────────────────────────────────────────────

class Rng {
  constructor(seed) { this.next = mulberry32(seed); }
  int(lo, hi) { return lo + Math.floor(this.next() * (hi - lo + 1)); }
  uniform(lo, hi) { return lo + (hi - lo) * this.next(); }
  pick(arr) { return arr[Math.floor(this.next() * arr.length)]; }
  floats(n, lo, hi) {
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) a[i] = this.uniform(lo, hi);
    return a;
  }
}

// ─── Layer definitions → resolved descriptions (TensorFlow's shape rules) ─────────────────

const ACTIVATIONS = ['linear', 'relu', 'sigmoid', 'tanh', 'softmax'];
const pairOf = (v) => (Array.isArray(v) ? v : [v, v]);

/** [before, after] zero padding along one axis for 'same' (the odd pixel after). */
function samePads(n, k, s) {
  const total = Math.max((Math.ceil(n / s) - 1) * s + k - n, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

function resolve(input, layers) {
  let [h, w, c] = input;
  let rank = 3;
  return layers.map((l) => {
    let { type } = l;
    let act = l.activation ?? 'linear';
    if (ACTIVATIONS.includes(type)) { act = type; type = 'activation'; }
    const d = { type, act, inShape: rank === 3 ? [h, w, c] : [c] };
    if (type === 'conv2d' || type === 'maxpool2d' || type === 'avgpool2d') {
      const conv = type === 'conv2d';
      const [kh, kw] = pairOf(conv ? l.kernel : l.size);
      const [sh, sw] = l.stride === undefined ? (conv ? [1, 1] : [kh, kw]) : pairOf(l.stride);
      const p = l.padding ?? 'valid';
      d.mode = typeof p === 'string' ? p : 'explicit';
      const [ph, pw] = typeof p === 'string' ? [0, 0] : pairOf(p);
      d.pads = d.mode === 'same' ? [...samePads(h, kh, sh), ...samePads(w, kw, sw)] : [ph, ph, pw, pw];
      d.size = [kh, kw];
      d.stride = [sh, sw];
      h = Math.floor((h + d.pads[0] + d.pads[1] - kh) / sh) + 1;
      w = Math.floor((w + d.pads[2] + d.pads[3] - kw) / sw) + 1;
      if (conv) c = l.filters;
    } else if (type === 'globalavgpool2d' || type === 'globalmaxpool2d') {
      rank = 1;
    } else if (type === 'flatten') {
      if (rank === 3) c *= h * w;
      rank = 1;
    } else if (type === 'dense') {
      c = l.units;
    }
    d.outShape = rank === 3 ? [h, w, c] : [c];
    return d;
  });
}

// ─── The same model in tfjs-core ops ──────────────────────────────────────────────────────

function tfActivation(x, act) {
  switch (act) {
    case 'linear': return x;
    case 'relu': return tf.relu(x);
    case 'sigmoid': return tf.sigmoid(x);
    case 'tanh': return tf.tanh(x);
    case 'softmax': return tf.softmax(x); // last axis: the channels of each pixel on a 3-D map
    default: throw new Error(`unknown activation ${act}`);
  }
}

/** Cells of each 'same' pooling window inside the input, [1, oh, ow, 1] (plain JavaScript). */
function windowCounts(d) {
  const [H, W] = d.inShape;
  const [oh, ow] = d.outShape;
  const counts = new Float32Array(oh * ow);
  const inside = (o, s, pad, k, n) => Math.min(o * s - pad + k, n) - Math.max(o * s - pad, 0);
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      counts[y * ow + x] = inside(y, d.stride[0], d.pads[0], d.size[0], H) * inside(x, d.stride[1], d.pads[2], d.size[1], W);
    }
  }
  return counts;
}

const padNHWC = (x, [t, b, l, r]) => tf.pad(x, [[0, 0], [t, b], [l, r], [0, 0]]);

/** Forward pass; returns the last layer's output before (z) and after (y) its activation. */
function tfForward(desc, vars, x) {
  let z = x;
  let y = x;
  desc.forEach((d, i) => {
    let t = y;
    switch (d.type) {
      case 'conv2d':
        t = d.mode === 'explicit'
          ? tf.conv2d(padNHWC(t, d.pads), vars[i].kernel, d.stride, 'valid')
          : tf.conv2d(t, vars[i].kernel, d.stride, d.mode);
        t = tf.add(t, vars[i].bias);
        break;
      case 'maxpool2d':
        t = tf.maxPool(t, d.size, d.stride, d.mode);
        break;
      case 'avgpool2d':
        if (d.mode === 'same') { // see the header: not tf.avgPool(…, 'same')
          const sums = tf.mul(tf.avgPool(padNHWC(t, d.pads), d.size, d.stride, 'valid'), d.size[0] * d.size[1]);
          t = tf.div(sums, tf.tensor4d(d.counts, [1, d.outShape[0], d.outShape[1], 1]));
        } else {
          t = tf.avgPool(t, d.size, d.stride, 'valid');
        }
        break;
      case 'globalavgpool2d': t = tf.mean(t, [1, 2]); break;
      case 'globalmaxpool2d': t = tf.max(t, [1, 2]); break;
      case 'flatten': t = tf.reshape(t, [t.shape[0], -1]); break; // NHWC row-major = HWC per image
      case 'dense': t = tf.add(tf.matMul(t, vars[i].kernel), vars[i].bias); break;
      case 'activation': break;
      default: throw new Error(`unknown layer type ${d.type}`);
    }
    z = t;
    y = tfActivation(t, d.act);
  });
  return { z, y };
}

/** The tfjs side of a case: variables from our getWeights, loss, gradients, optimiser steps. */
class TfTrainer {
  constructor(c, weights) {
    this.c = c;
    this.vars = weights.map((w) => w && tf.tidy(() => ({
      kernel: tf.variable(tf.tensor(w.kernel, w.kernelShape)),
      bias: tf.variable(tf.tensor1d(w.bias)),
    })));
    this.list = this.vars.flatMap((v) => (v ? [v.kernel, v.bias] : []));
  }

  loss(x, labels) {
    const { c } = this;
    const n = x.shape[0];
    const { z, y } = tfForward(c.desc, this.vars, x);
    if (c.loss === 'crossentropy') {
      const logits = tf.reshape(z, [n, -1]);
      const onehot = tf.cast(tf.oneHot(tf.tensor1d(Int32Array.from(labels), 'int32'), logits.shape[1]), 'float32');
      // −log softmax(z)[label] = logsumexp(z) − z[label], averaged over the batch
      return tf.mean(tf.sub(tf.logSumExp(logits, 1), tf.sum(tf.mul(onehot, logits), 1)));
    }
    return tf.losses.meanSquaredError(tf.tensor2d(labels, [n, c.outSize]), tf.reshape(y, [n, -1])); // mean over all
  }

  input(x, n) { return tf.tensor4d(x, [n, ...this.c.input]); }

  /**
   * Gradients of the mean loss, tf.variableGrads for the weights and tf.grad for the input:
   * { loss, layers: [{ kernel, bias } | null], input } like net.gradients(). With an optimiser,
   * applies those weight gradients with it (one step: the variables change).
   */
  step(optimizer, xData, labels, n, { input = false } = {}) {
    const x = this.input(xData, n);
    const { value, grads } = tf.variableGrads(() => this.loss(x, labels), this.list);
    const out = {
      loss: value.dataSync()[0],
      layers: this.vars.map((v) => v && { kernel: grads[v.kernel.name].dataSync().slice(), bias: grads[v.bias.name].dataSync().slice() }),
    };
    if (input) out.input = tf.tidy(() => tf.grad((xx) => this.loss(xx, labels))(x).dataSync().slice());
    if (optimizer) optimizer.applyGradients(grads);
    tf.dispose([x, value, grads]);
    return out;
  }

  weights() {
    return this.vars.map((v) => v && { kernel: v.kernel.dataSync().slice(), bias: v.bias.dataSync().slice() });
  }

  dispose() { tf.dispose(this.list); }
}

// ─── Cases ────────────────────────────────────────────────────────────────────────────────

/** Builds our model with PRNG weights (He-uniform kernels, small biases) and its batches. */
async function setup(spec) {
  const desc = resolve(spec.input, spec.layers);
  for (const d of desc) if (d.type === 'avgpool2d' && d.mode === 'same') d.counts = windowCounts(d);
  const net = await createModel({ input: spec.input, layers: spec.layers, seed: spec.seed });
  // The engine's shapes must be TensorFlow's before anything else is compared.
  expect(net.layers.map((l) => l.outputShape)).toEqual(desc.map((d) => d.outShape));
  desc.forEach((d, i) => { if (d.pads) expect(net.layers[i].pads).toEqual(d.pads); });
  const r = new Rng(spec.seed ^ 0x5eed);
  net.layers.forEach((l, i) => {
    if (!l.params) return;
    const { kernelShape } = net.getWeights(i);
    const fanIn = kernelShape.slice(0, -1).reduce((a, b) => a * b, 1);
    const limit = Math.sqrt(6 / fanIn) * (spec.weightScale ?? 1);
    net.setWeights(i, { kernel: r.floats(l.kernelSize, -limit, limit), bias: r.floats(l.biasSize, -0.2, 0.2) });
  });
  const c = { ...spec, desc, outSize: net.outputSize, inSize: net.inputSize };
  const batch = () => {
    const x = r.floats(spec.batch * c.inSize, -1, 1);
    const labels = spec.loss === 'crossentropy'
      ? Int32Array.from({ length: spec.batch }, () => r.int(0, c.outSize - 1))
      : r.floats(spec.batch * c.outSize, spec.targetRange?.[0] ?? -1, spec.targetRange?.[1] ?? 1);
    return { x, labels };
  };
  const weights = net.layers.map((_, i) => net.getWeights(i));
  return { net, c, batch, weights };
}

// Hand-written cases.
const NAMED = [
  { name: 'LeNet-5, 28×28×1, batch 8, crossentropy', input: [28, 28, 1], layers: LENET, batch: 8, loss: 'crossentropy', seed: 1001 },
  {
    name: "avgpool 'same', stride-2 conv with explicit padding, tanh/sigmoid, globalavgpool, dense, mse",
    input: [11, 12, 3],
    layers: [
      { type: 'conv2d', filters: 6, kernel: 3, stride: 2, padding: 1, activation: 'tanh' }, // → 6×6×6
      { type: 'avgpool2d', size: 3, stride: 2, padding: 'same' }, // → 3×3×6, border windows 4 and 6 cells
      { type: 'conv2d', filters: 7, kernel: [2, 3], stride: [1, 2], padding: [1, 2], activation: 'sigmoid' }, // → 4×3×7
      { type: 'globalavgpool2d' },
      { type: 'dense', units: 5, activation: 'tanh' },
      { type: 'dense', units: 3, activation: 'sigmoid' },
    ],
    batch: 6, loss: 'mse', targetRange: [0, 1], seed: 1002,
  },
  {
    name: 'standalone softmax over channels, maxpool (valid and same), crossentropy',
    input: [10, 9, 2],
    layers: [
      { type: 'conv2d', filters: 6, kernel: 3, padding: 'same' }, // → 10×9×6
      { type: 'softmax' }, // over the 6 channels of every pixel
      { type: 'maxpool2d', size: 2 }, // → 5×4×6
      { type: 'conv2d', filters: 8, kernel: 3, activation: 'relu' }, // → 3×2×8
      { type: 'maxpool2d', size: [2, 3], stride: [1, 2], padding: 'same' }, // → 3×1×8
      { type: 'flatten' },
      { type: 'dense', units: 5, activation: 'softmax' },
    ],
    batch: 5, loss: 'crossentropy', weightScale: 2, seed: 1003,
  },
  {
    name: 'softmax over channels as the output, maxpool, mse on a 3-D map',
    input: [7, 8, 3],
    layers: [
      { type: 'conv2d', filters: 5, kernel: 2, stride: 1, padding: 'valid', activation: 'relu' }, // → 6×7×5
      { type: 'maxpool2d', size: 3, stride: 2, padding: 'same' }, // → 3×4×5
      { type: 'conv2d', filters: 4, kernel: 1 },
      { type: 'softmax' },
    ],
    batch: 3, loss: 'mse', targetRange: [0, 1], seed: 1004,
  },
];

// Random architectures. The PRNG draws sizes, channels, kernels, activations and the head;
// conv padding modes, strides and the head are rotated across the models (and checked below)
// so that strides 1–3, every padding mode and every head are certain to appear.
const CONV_MODES = ['valid', 'same', 'number', 'pair'];
function randomSpec(k) {
  const seed = (Math.imul(k + 1, 0x9e3779b1) ^ 0x7a1e5eed) >>> 0;
  const r = new Rng(seed);
  let [h, w] = [r.int(8, 13), r.int(8, 13)];
  const input = [h, w, r.int(1, 6)];
  const layers = [];
  const nConv = r.int(2, 3);
  const dim = (n, kk, s, mode, p) => (mode === 'same' ? Math.ceil(n / s) : Math.floor((n + 2 * p - kk) / s) + 1);
  for (let j = 0; j < nConv; j++) {
    const mode = CONV_MODES[(k + j) % 4];
    const stride = [1 + ((k + j) % 3), 1 + ((k + 2 * j + 1) % 3)];
    let kh = r.int(1, 5);
    let kw = r.next() < 0.6 ? kh : r.int(1, 5);
    let pad;
    if (mode === 'number') pad = r.int(0, Math.min(kh, kw) - 1);
    if (mode === 'pair') pad = [r.int(0, kh - 1), r.int(0, kw - 1)];
    const [ph, pw] = typeof pad === 'number' ? [pad, pad] : pad ?? [0, 0];
    if (mode !== 'same') { kh = Math.min(kh, h + 2 * ph); kw = Math.min(kw, w + 2 * pw); }
    const layer = { type: 'conv2d', filters: r.int(5, 9), kernel: [kh, kw], stride };
    if (mode !== 'valid' || r.next() < 0.5) layer.padding = mode === 'number' || mode === 'pair' ? pad : mode;
    const act = r.pick(['relu', 'relu', 'tanh', 'sigmoid', 'linear', 'softmax']);
    if (act !== 'linear') layer.activation = act;
    layers.push(layer);
    h = dim(h, kh, stride[0], mode, ph);
    w = dim(w, kw, stride[1], mode, pw);
    if (j < nConv - 1 && r.next() < 0.6 && h >= 2 && w >= 2) { // a pooling layer in between
      const type = r.pick(['maxpool2d', 'avgpool2d']);
      const pmode = r.pick(['valid', 'same']);
      const size = pmode === 'valid' ? [Math.min(r.int(2, 3), h), Math.min(r.int(2, 3), w)] : [r.int(2, 3), r.int(2, 3)];
      const ps = [r.int(1, 2), r.int(1, 3)];
      layers.push({ type, size, stride: ps, padding: pmode });
      h = dim(h, size[0], ps[0], pmode, 0);
      w = dim(w, size[1], ps[1], pmode, 0);
    }
  }
  const head = ['globalavgpool2d', 'globalmaxpool2d', 'flatten', 'map'][k % 4];
  let loss = 'mse';
  if (head !== 'map') {
    layers.push({ type: head });
    if (r.next() < 0.5) layers.push({ type: 'dense', units: r.int(5, 12), activation: r.pick(['relu', 'tanh', 'sigmoid']) });
    const softmax = r.next() < 0.6;
    layers.push({ type: 'dense', units: r.int(2, 7), activation: softmax ? 'softmax' : r.pick(['linear', 'tanh', 'sigmoid']) });
    if (softmax) loss = 'crossentropy';
  }
  return { name: `random model ${k} (seed ${seed})`, input, layers, batch: r.int(2, 5), loss, seed };
}
const RANDOM = Array.from({ length: 6 }, (_, k) => randomSpec(k));
const CASES = [...NAMED, ...RANDOM];

// ─── Comparison and the record ────────────────────────────────────────────────────────────

function maxAbs(a) {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

function maxDiff(a, b) {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    m = Number.isNaN(d) ? Infinity : Math.max(m, d);
  }
  return m;
}

const stats = {};
function note(key, value) { stats[key] = Math.max(stats[key] ?? 0, value); }

function checkLoss(what, ours, truth) {
  const err = Math.abs(ours - truth) / Math.max(1, Math.abs(truth));
  note('loss rel', err);
  if (!(err <= LOSS_RTOL)) throw new Error(`${what}: loss ${ours}, tfjs ${truth}`);
}

/** Per-tensor scaled gradient comparison; returns failure messages. */
function compareGradients(ours, truth) {
  const fails = [];
  const one = (what, a, b, key) => {
    const scale = maxAbs(b);
    const d = maxDiff(a, b);
    note(`${key} grad scaled`, d / Math.max(scale, 1e-30));
    if (!(d <= GRAD_RTOL * scale + GRAD_ATOL)) fails.push(`${what}: max |diff| ${d.toExponential(3)}, max |tfjs| ${scale.toExponential(3)}`);
  };
  truth.layers.forEach((t, i) => {
    if (!t) { if (ours.layers[i] !== null) fails.push(`layer ${i}: gradient for a layer without parameters`); return; }
    one(`layer ${i} kernel gradient`, ours.layers[i].kernel, t.kernel, 'weight');
    one(`layer ${i} bias gradient`, ours.layers[i].bias, t.bias, 'weight');
  });
  one('input gradient', ours.input, truth.input, 'input');
  return fails;
}

/** Compares our weights with tfjs's; returns { maxDiff, moved (largest |change|), fails }. */
function compareWeights(net, tfw, before, tol, key) {
  let worst = 0;
  let moved = 0;
  const fails = [];
  tfw.forEach((t, i) => {
    if (!t) return;
    const ours = net.getWeights(i);
    for (const part of ['kernel', 'bias']) {
      const d = maxDiff(ours[part], t[part]);
      worst = Math.max(worst, d);
      moved = Math.max(moved, maxDiff(t[part], before[i][part]));
      if (!(d <= tol)) fails.push(`layer ${i} ${part}: max |ours − tfjs| ${d.toExponential(3)} > ${tol}`);
    }
  });
  note(`${key} update diff`, worst);
  return { worst, moved, fails };
}

// ─── Tests ────────────────────────────────────────────────────────────────────────────────

let tensorsAtStart;
beforeAll(async () => {
  tf.env().set('IS_TEST', true); // silences tfjs's "install tfjs-node" console banner only
  await tf.setBackend('cpu');
  await tf.ready();
  tensorsAtStart = tf.memory().numTensors;
});

afterAll(() => {
  console.log(`tfjs training agreement, largest differences seen: ${Object.entries(stats).map(([k, v]) => `${k} ${v.toExponential(2)}`).join(', ')}`);
});

afterEach(() => {
  // Every test disposes what it made: variables, optimiser state, intermediate tensors.
  expect(tf.memory().numTensors).toBe(tensorsAtStart);
});

test('the cases cover the layer types, activations, strides 1–3, every padding mode and both losses', () => {
  const seen = new Set();
  for (const spec of CASES) {
    seen.add(`loss:${spec.loss}`);
    resolve(spec.input, spec.layers).forEach((d, i) => {
      seen.add(`type:${d.type}`);
      seen.add(`act:${d.act}`);
      if (d.stride) d.stride.forEach((s) => seen.add(`${d.type} stride:${s}`));
      if (d.mode) seen.add(`${d.type} padding:${d.mode === 'explicit' ? (Array.isArray(spec.layers[i].padding) ? 'pair' : 'number') : d.mode}`);
      if (d.type === 'conv2d' && d.outShape[2] > 4) seen.add('conv channels > 4');
      if (d.type === 'activation') seen.add(`standalone:${d.act}`);
      if (d.act === 'softmax' && d.outShape.length === 3) seen.add('softmax on a 3-D map');
      if (d.mode === 'same' && (d.pads[0] !== d.pads[1] || d.pads[2] !== d.pads[3])) seen.add('asymmetric same padding');
    });
  }
  const need = [
    'loss:crossentropy', 'loss:mse', 'type:conv2d', 'type:maxpool2d', 'type:avgpool2d', 'type:globalavgpool2d',
    'type:globalmaxpool2d', 'type:flatten', 'type:dense', 'type:activation', ...ACTIVATIONS.map((a) => `act:${a}`),
    'conv2d stride:1', 'conv2d stride:2', 'conv2d stride:3', 'conv2d padding:valid', 'conv2d padding:same',
    'conv2d padding:number', 'conv2d padding:pair', 'maxpool2d padding:valid', 'maxpool2d padding:same',
    'avgpool2d padding:valid', 'avgpool2d padding:same', 'conv channels > 4', 'standalone:softmax',
    'softmax on a 3-D map', 'asymmetric same padding',
  ];
  expect(need.filter((k) => !seen.has(k))).toEqual([]);
});

describe('gradients and one SGD step agree with tfjs', () => {
  test.each(CASES.map((c) => [c.name, c]))('%s', async (_, spec) => {
    const { net, c, batch, weights } = await setup(spec);
    const trainer = new TfTrainer(c, weights);
    const sgd = tf.train.sgd(SGD_LR);
    try {
      const { x, labels } = batch();
      // Gradients (no update), ours and tfjs's; tfjs then applies its gradients with SGD.
      const ours = net.gradients(x, labels, c.batch, { loss: c.loss });
      const truth = trainer.step(sgd, x, labels, c.batch, { input: true });
      checkLoss('gradients()', ours.loss, truth.loss);
      const fails = compareGradients(ours, truth);
      if (fails.length) throw new Error(`${c.name}: gradients disagree with tfjs (≤ ${GRAD_RTOL}·max|tfjs| + ${GRAD_ATOL}):\n  ${fails.join('\n  ')}\n  layers: ${JSON.stringify(c.layers)}`);

      // One SGD step from the same weights on the same batch.
      net.setOptimizer({ optimizer: 'sgd', loss: c.loss, learningRate: SGD_LR });
      checkLoss('trainBatch', net.trainBatch(x, labels, c.batch), truth.loss);
      const res = compareWeights(net, trainer.weights(), weights, UPDATE_TOL, 'sgd');
      if (res.fails.length) throw new Error(`${c.name}: weights after one SGD step disagree:\n  ${res.fails.join('\n  ')}`);
      // Not vacuous: the step moved some weight by far more than the tolerance.
      expect(res.moved).toBeGreaterThan(10 * UPDATE_TOL);
    } finally {
      sgd.dispose();
      trainer.dispose();
      net.dispose();
    }
  });
});

/**
 * Runs `steps` optimiser steps on both sides (a fresh batch each step) and compares the
 * weights after every step.
 */
async function multiStep(spec, ourOptions, tfOptimizer, steps, tol, key) {
  const { net, c, batch, weights } = await setup(spec);
  const trainer = new TfTrainer(c, weights);
  const opt = tfOptimizer();
  try {
    net.setOptimizer({ loss: c.loss, ...ourOptions });
    let res;
    for (let s = 0; s < steps; s++) {
      const { x, labels } = batch();
      checkLoss(`step ${s + 1}`, net.trainBatch(x, labels, c.batch), trainer.step(opt, x, labels, c.batch).loss);
      res = compareWeights(net, trainer.weights(), weights, tol, key);
      if (res.fails.length) throw new Error(`${c.name}, ${JSON.stringify(ourOptions)}: after step ${s + 1}:\n  ${res.fails.join('\n  ')}`);
    }
    expect(res.moved).toBeGreaterThan(10 * tol);
    return res;
  } finally {
    disposeOptimizer(opt);
    trainer.dispose();
    net.dispose();
  }
}

/** tfjs 4.22's MomentumOptimizer.dispose() forgets the −lr scalar its SGD base made. */
function disposeOptimizer(opt) {
  opt.dispose();
  if (opt.c && !opt.c.isDisposed) opt.c.dispose();
}

// The multi-step tests use two small hand-written models: on tfjs's pure JavaScript cpu
// backend one LeNet-5 backward pass (batch 8) takes about a second in plain node and several
// under jest, nearly all in Conv2DBackpropFilter; the whole file should stay near 20 s.
const MSE_CASE = NAMED[1];
const SOFTMAX_CASE = NAMED[2];

describe('several steps with optimiser state agree with tfjs', () => {
  // tfjs MomentumOptimizer: accum = m·accum + g; w += −lr·accum, or with useNesterov
  // w += −lr·(g + m·accum) — the same formulas as ours, so the tolerance is UPDATE_TOL.
  test.each([['mse model', MSE_CASE], ['softmax/maxpool model', SOFTMAX_CASE]])('3 steps of SGD with momentum 0.9: %s', async (_, spec) => {
    await multiStep(spec, { optimizer: 'sgd', learningRate: 0.05, momentum: 0.9 }, () => tf.train.momentum(0.05, 0.9), 3, UPDATE_TOL, 'momentum');
  });

  test.each([['mse model', MSE_CASE], ['softmax/maxpool model', SOFTMAX_CASE]])('3 steps of Nesterov SGD (momentum 0.9): %s', async (_, spec) => {
    await multiStep(spec, { optimizer: 'sgd', learningRate: 0.05, momentum: 0.9, nesterov: true }, () => tf.train.momentum(0.05, 0.9, true), 3, UPDATE_TOL, 'nesterov');
  });

  // Adam. tfjs 4.22 (optimizers/adam_optimizer.js): m̂ = m / (1 − β1^t), v̂ = v / (1 − β2^t)
  // with β^t kept as a float32 running product, and w += −lr · m̂ / (sqrt(v̂) + ε): epsilon is
  // added to sqrt(v̂), as in Kingma & Ba. Ours folds the bias corrections into the step:
  // w −= lr·sqrt(1 − β2^t)/(1 − β1^t) · m / (sqrt(v) + ε·sqrt(1 − β2^t)) — the same number
  // (multiply numerator and denominator of tfjs's form by sqrt(1 − β2^t)), so the formulas do
  // not differ and tf.train.adam is compared directly; no separate JavaScript model of Adam is
  // needed for the expected values (one is used below only to show that the test can tell
  // the epsilon placements apart).
  //
  // Tolerance: Adam normalises the step, so a weight moves by up to about lr per step whatever
  // its gradient; where |g| is of the order of ε the normalised step m̂/(sqrt(v̂)+ε) ≈ g/(|g|+ε)
  // is steep in g (slope up to 1/ε) and float32 gradient differences are amplified. With lr =
  // 1e-3 a weight moves ≤ ~3e-3 in three steps; we require the same 1e-4 (3 % of the full
  // movement) and check it with ε = 1e-7 (tfjs's default, where only tiny gradients are
  // sensitive) and ε = 1e-3 (of the order of sqrt(v̂), where a misplaced epsilon shows).
  const ADAM_TOL = 1e-4;
  test.each([
    ['mse model', 1e-7, MSE_CASE], ['mse model', 1e-3, MSE_CASE],
    ['softmax/maxpool model', 1e-7, SOFTMAX_CASE], ['softmax/maxpool model', 1e-3, SOFTMAX_CASE],
  ])('3 steps of Adam (lr 1e-3, β 0.9/0.999): %s, ε = %p', async (_, eps, spec) => {
    await multiStep(spec, { optimizer: 'adam', learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: eps },
      () => tf.train.adam(1e-3, 0.9, 0.999, eps), 3, ADAM_TOL, `adam eps=${eps}`);
  });

  test('the Adam check can tell the epsilon placements apart (ε = 1e-3, mse model)', async () => {
    // Expected values computed in JavaScript (float64) from tfjs's gradients, for the right
    // placement (ε added to sqrt(v̂)) and, with the same gradients, a wrong one (ε added to
    // sqrt(v), i.e. not scaled by sqrt(1 − β2^t) in our folded form). Ours must match the first within ADAM_TOL, and the
    // two must differ by more than ADAM_TOL, or the Adam tests above would prove nothing
    // about the placement.
    const { net, c, batch, weights } = await setup(MSE_CASE);
    const trainer = new TfTrainer(c, weights);
    try {
      const [lr, b1, b2, eps] = [1e-3, 0.9, 0.999, 1e-3];
      net.setOptimizer({ optimizer: 'adam', loss: c.loss, learningRate: lr, beta1: b1, beta2: b2, epsilon: eps });
      const flat = (ws) => ws.flatMap((w) => (w ? [w.kernel, w.bias] : []));
      const right = flat(weights).map((a) => Float64Array.from(a));
      const wrong = flat(weights).map((a) => Float64Array.from(a));
      const state = right.map((a) => ({ m: new Float64Array(a.length), v: new Float64Array(a.length) }));
      for (let t = 1; t <= 3; t++) {
        const { x, labels } = batch();
        net.trainBatch(x, labels, c.batch);
        // tfjs's gradients at the right trajectory's weights
        tf.tidy(() => trainer.list.forEach((v, k) => v.assign(tf.tensor(Float32Array.from(right[k]), v.shape))));
        const g = flat(trainer.step(null, x, labels, c.batch).layers);
        const c1 = 1 - Math.fround(b1) ** t;
        const c2 = 1 - Math.fround(b2) ** t;
        g.forEach((gk, k) => {
          const { m, v } = state[k];
          for (let j = 0; j < gk.length; j++) {
            m[j] = b1 * m[j] + (1 - b1) * gk[j];
            v[j] = b2 * v[j] + (1 - b2) * gk[j] * gk[j];
            right[k][j] -= lr * (m[j] / c1) / (Math.sqrt(v[j] / c2) + eps);
            wrong[k][j] -= lr * (m[j] / c1) / (Math.sqrt(v[j]) / Math.sqrt(c2) + eps / Math.sqrt(c2));
          }
        });
      }
      const ours = flat(net.layers.map((_, i) => net.getWeights(i)));
      const dRight = Math.max(...ours.map((a, k) => maxDiff(a, right[k])));
      const dPlacements = Math.max(...right.map((a, k) => maxDiff(a, wrong[k])));
      note('adam vs JS reference', dRight);
      note('adam placement gap', dPlacements);
      expect(dRight).toBeLessThanOrEqual(ADAM_TOL);
      expect(dPlacements).toBeGreaterThan(3 * ADAM_TOL);
    } finally {
      trainer.dispose();
      net.dispose();
    }
  });

  test('SGD with weight decay: wd·w is added to kernel gradients only (tfjs: loss + wd/2·Σ‖kernel‖²)', async () => {
    const wd = 0.05;
    const { net, c, batch, weights } = await setup(MSE_CASE);
    const trainer = new TfTrainer(c, weights);
    const baseLoss = trainer.loss.bind(trainer);
    trainer.loss = (x, labels) => tf.add(baseLoss(x, labels),
      tf.mul(wd / 2, tf.addN(trainer.vars.filter(Boolean).map((v) => tf.sum(tf.square(v.kernel))))));
    const sgd = tf.train.sgd(SGD_LR);
    try {
      const { x, labels } = batch();
      net.setOptimizer({ optimizer: 'sgd', loss: c.loss, learningRate: SGD_LR, weightDecay: wd });
      net.trainBatch(x, labels, c.batch); // its loss excludes the penalty; not compared
      trainer.step(sgd, x, labels, c.batch);
      const res = compareWeights(net, trainer.weights(), weights, UPDATE_TOL, 'weight decay');
      expect(res.moved).toBeGreaterThan(10 * UPDATE_TOL);
      if (res.fails.length) throw new Error(`weight decay:\n  ${res.fails.join('\n  ')}`);
    } finally {
      sgd.dispose();
      trainer.dispose();
      net.dispose();
    }
  });
});
