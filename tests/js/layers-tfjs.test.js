// layers-tfjs.test.js — the new layers and options against TensorFlow.js 4.22, forward and
// gradients, on random (seeded) shapes and options.
//
// Covered: conv2d with dilation, groups, useBias: false and padding [h, w] / [top, bottom,
// left, right]; depthwiseconv2d (depthMultiplier, dilation, every padding form, useBias);
// maxpool2d / avgpool2d with every padding form, ceilMode (PyTorch's rule), countIncludePad
// and (max) dilation; zeropad2d; batchnorm (inference with the moving statistics, and
// training: batch statistics, moving-statistic updates and back-propagation against
// tfjs-layers 4.22); dropout (identity outside training, inverted dropout in training,
// deterministic); the activations leakyrelu, relu6, elu, selu, gelu, swish/silu, hardsigmoid,
// hardswish and softplus as layer options and as standalone layers; invalid options.
//
// How: each random case is a one- or two-layer model made with createModel and given random
// weights with setWeights; the same model is computed with tfjs-core ops (cpu backend) by
// tests/js/support/tfjs-reference.js from the same layer objects and weights. Compared:
//   * every layer's activation for every image (predict / predictBatch + activations(b)) and
//     the output;
//   * net.gradients(x, targets, n, { loss: 'mse' }) — loss, input gradient and every weight
//     gradient (layers[i] keyed by tensor name: kernel, bias, gamma, beta; null for a layer
//     without trainable tensors) — with tf.grads of the same mse: mean over images and
//     outputs of (y − t)², y the model's output after its last activation (no softmax
//     cross-entropy is involved; 30 % of the cases append a linear 1×1 conv2d, so the layer
//     under test is also seen feeding another layer).
//
// Tolerances (float32 on both sides, different summation orders):
//   * forward:    |ours − tfjs| ≤ 1e-4 · max(1, |tfjs|) for every value (TOL), as in
//                 tfjs-agreement.test.js;
//   * gradients:  per tensor, max |ours − tfjs| ≤ 1e-4 · max |tfjs| + 1e-7 (GRAD_RTOL,
//                 GRAD_ATOL): relative to the tensor's scale, because single elements of a
//                 gradient can be cancellations of large terms; the 1e-7 only matters for an
//                 all-zero gradient (e.g. every unit of a relu6 saturated). 1e-4 is ten times
//                 tighter than tfjs-training.test.js; the self-checks below show the tfjs
//                 references themselves within a tenth of these budgets of float64
//                 plain-JavaScript loops (on every conv/depthwise/pool/zeropad case used here,
//                 on a grid over ±8 for the activations, on random batches for batchnorm);
//   * loss:       |ours − tfjs| ≤ 1e-5 · max(1, |tfjs|);
//   * training:   weights and moving statistics after each SGD step ≤ 1e-4 · max(1, |tfjs|).
//
// tfjs 4.22 bugs and limits met here (each one is a self-check below, so a tfjs upgrade that
// changes it shows up):
//   * tfjs-layers BatchNormalization cannot train with scale: false or center: false:
//     layers/normalization.js:213 calls normalizeBatchInTraining(input, this.gamma.read(),
//     this.beta.read(), …) and this.gamma / this.beta are undefined → TypeError. Those cases
//     use the core-ops trainer of the support file (the same formulas; it agrees with
//     tfjs-layers bit for bit where tfjs-layers works).
//   * tf.batchNorm without a scale (or an offset) cannot be differentiated: the tape meets
//     the undefined input (TypeError). The references pass γ = 1 / β = 0 constants.
//   * tf.conv2d and tf.depthwiseConv2d: dilation only with stride 1, and no gradient at all
//     with dilation > 1 ("dilation rates greater than 1 are not yet supported in
//     gradients"). The references insert zeros into the kernel instead.
//   * no StridedSlice gradient, no pooling with explicit pads / ceilMode / countIncludePad,
//     tf.pool refuses dilation with stride > 1, and AvgPool's gradient is wrong at the borders
//     of 'same' windows (see tfjs-training.test.js): pooling is built from gathered taps.
//   * tf.leakyRelu's default alpha is 0.2 (ours, Keras': 0.3); tf.elu has no alpha; there is
//     no tf.gelu (tfjs-layers' 'gelu' activation is 0.5·x·(1 + erf(x/√2)), written the same).
//
// Batchnorm training in tfjs-layers 4.22 (read in node_modules/@tensorflow/tfjs-layers):
//   dist/layers/normalization.js:74 (regularNormalizeBatchInTraining): mean and variance from
//   tfc.moments(x, reductionAxes) over every axis but the last; tfjs-core dist/ops/moments.js:48–49:
//   variance = mean(square(x − mean)) — the BIASED batch variance (÷ N, no Bessel correction),
//   used both to normalise and for the moving variance. normalization.js:214–219
//   (doMovingAverage): moving ← moving − (moving − batch) · (1 − momentum), tensor ops in
//   float32 (decay = 1 − momentum computed in float64 first); lines 228–230 update the moving
//   mean and the moving variance in the training forward pass, i.e. with the statistics of
//   the batch before the weights are updated. The output is tf.batchNorm(x, mean, variance,
//   β, γ, ε) = (x − mean)/√(variance + ε)·γ + β with gradients flowing through mean and
//   variance (tfjs-core gradients/FusedBatchNorm_grad.js + the Mean/Square/Sub gradients), i.e.
//   the full batch-norm backward. (The loaded node build, dist/tf-layers.node.js, holds the same
//   code: lines 31976–31980 and 32136–32152.)
//
// Decisions where the API description leaves room (documented where used):
//   * countIncludePad with ceilMode: the divisor counts the window's cells inside the padded
//     input, never the ceilMode overhang beyond the padding (PyTorch's avg_pool2d rule).
//   * 'same' padding with dilation: TensorFlow's rule with the effective kernel (k−1)·d+1 (also
//     at stride > 1, where TensorFlow itself refuses dilation). ceilMode is not combined with
//     'same'. Pool padding is kept ≤ half the effective window (PyTorch's limit) and no window
//     lies wholly in the padding.
//   * activation options given on the layer object: alpha (leakyrelu 0.3, elu 1), alpha and
//     beta (hardsigmoid: 1/6 and 0.5 by default, i.e. relu6(x + 3)/6).
//   * gradients() on a model with batchnorm may use the batch statistics (training mode) or
//     the moving ones (inference mode); the API does not say. Both references are computed and
//     the engine must match one of them (the log says which); gradients() must not change the
//     moving statistics. Batchnorm back-propagation in training is pinned down by trainBatch
//     against tfjs-layers.
//   * dropout: rate 0 must train bit-identically to no dropout layer; the mask is checked
//     through a one-step SGD update of a dense layer behind it (see the dropout tests).
//   * batchnorm's params count (2 or 4 per channel) is not checked.
//
// Everything random comes from seeded PRNGs (mulberry32 from tests/fixtures.js); Math.random is
// never used.

import { jest } from '@jest/globals';
import { createModel } from '../../js/index.js';
import { rng as mulberry32 } from '../fixtures.js';
import {
  tf, tfl, resolveModel, resolveLayer, outDim, paramNames, referenceRun,
  conv2dT, depthwiseT, poolT, dilateKernel, activationT, batchnormT, convJS, poolJS, erf64,
  activationJS, batchnormTrainJS, tflModel, coreTrainer, forwardT,
} from './support/tfjs-reference.js';

jest.setTimeout(120000);

const TOL = 1e-4;
const GRAD_RTOL = 1e-4;
const GRAD_ATOL = 1e-7;
const LOSS_RTOL = 1e-5;
const UPDATE_TOL = 1e-4;
// The references must be this close to float64 loops: a tenth of the budget.
const SELF_TOL = TOL / 10;
const SELF_GRAD_RTOL = GRAD_RTOL / 10;

// ─── Deterministic randomness ─────────────────────────────────────────────────────────────

class Rng {
  constructor(seed) { this.next = mulberry32(seed); }
  int(lo, hi) { return lo + Math.floor(this.next() * (hi - lo + 1)); }
  chance(p) { return this.next() < p; }
  uniform(lo, hi) { return lo + (hi - lo) * this.next(); }
  pick(arr) { return arr[Math.floor(this.next() * arr.length)]; }
  weighted(pairs) {
    const total = pairs.reduce((a, [, w]) => a + w, 0);
    let x = this.next() * total;
    for (const [v, w] of pairs) if ((x -= w) < 0) return v;
    return pairs[pairs.length - 1][0];
  }
  floats(n, lo, hi) {
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) a[i] = this.uniform(lo, hi);
    return a;
  }
  /** n distinct values spread over [lo, hi] in random order (no max-pool ties). */
  distinct(n, lo, hi) {
    const idx = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [idx[i], idx[j]] = [idx[j], idx[i]];
    }
    return Float32Array.from(idx, (k) => lo + (hi - lo) * (k + 0.25 + 0.5 * this.next()) / n);
  }
}

const MASTER_SEED = 0x1a7e45;
function seedOf(kind, k) {
  let h = 2166136261;
  for (const ch of kind) h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
  return (Math.imul(k + 1, 0x9e3779b1) ^ h ^ MASTER_SEED) >>> 0;
}
const round3 = (v) => Math.round(v * 1000) / 1000;
const numOrPair = (r, a, b) => (a === b && r.chance(0.5) ? a : [a, b]);
const prod = (s) => s.reduce((a, b) => a * b, 1);

// ─── Random cases ────────────────────────────────────────────────────────────────────────

const NEW_ACTIVATIONS = ['leakyrelu', 'relu6', 'elu', 'selu', 'gelu', 'swish', 'silu', 'hardsigmoid', 'hardswish', 'softplus'];

function activationOptions(r, obj, name) {
  if (name === 'leakyrelu' && r.chance(0.6)) obj.alpha = round3(r.uniform(0.01, 0.6));
  if (name === 'elu' && r.chance(0.5)) obj.alpha = round3(r.uniform(0.2, 2));
  if (name === 'hardsigmoid' && r.chance(0.6)) {
    if (r.chance(0.5)) { obj.alpha = 0.2; obj.beta = 0.5; } // ONNX HardSigmoid's defaults
    else { obj.alpha = round3(r.uniform(0.05, 0.5)); obj.beta = round3(r.uniform(0.2, 0.8)); }
  }
  return obj;
}

function drawActivation(r, obj, linearWeight = 3) {
  const name = r.weighted([['linear', linearWeight], ['relu', 0.4], ...NEW_ACTIVATIONS.map((a) => [a, 0.6])]);
  if (name === 'linear') { if (r.chance(0.2)) obj.activation = 'linear'; return obj; }
  obj.activation = name;
  return activationOptions(r, obj, name);
}

/** A padding option in one of the forms, pads 0..maxPad. */
function drawPadding(r, maxPad, forms = ['default', 'valid', 'same', 'number', 'pair', 'quad']) {
  const w = { default: 1, valid: 1, same: 2, number: 1.5, pair: 1.5, quad: 2.5 };
  const mode = r.weighted(forms.map((f) => [f, w[f]]));
  switch (mode) {
    case 'default': return undefined;
    case 'valid': case 'same': return mode;
    case 'number': return r.int(0, maxPad);
    case 'pair': return [r.int(0, maxPad), r.int(0, maxPad)];
    default: {
      const q = [r.int(0, maxPad), r.int(0, maxPad), r.int(0, maxPad), r.int(0, maxPad)];
      if (q[0] === q[1] && q[2] === q[3]) q[r.int(0, 1) * 2 + r.int(0, 1)] = (q[0] + 1) % (maxPad + 1); // asymmetric
      return q;
    }
  }
}

const paddingForm = (p) => (p === undefined ? 'default' : typeof p === 'string' ? p : typeof p === 'number' ? 'number' : p.length === 2 ? 'pair' : 'quad');

/** Wraps a layer under test into a case; maybe appends a linear 1×1 conv. */
function finishCase(r, kind, k, input, layers, extra = {}) {
  if (extra.append !== false && r.chance(0.3)) {
    const d = resolveModel(input, layers).at(-1);
    if (d.outShape.length === 3) layers.push({ type: 'conv2d', filters: r.int(1, 3), kernel: 1 });
  }
  const descs = resolveModel(input, layers);
  const seed = seedOf(kind, k);
  return { kind, name: `${kind} case ${k} (seed ${seed})`, input, layers, descs, batch: extra.batch ?? r.int(1, 3), seed, ...extra };
}

function conv2dCase(k) {
  const r = new Rng(seedOf('conv2d', k));
  for (;;) {
    const gKind = r.weighted([['one', 4], ['some', 3], ['channels', 2]]);
    let G;
    let cin;
    let filters;
    if (gKind === 'one') { G = 1; cin = r.int(1, 5); filters = r.int(1, 6); }
    else if (gKind === 'some') { G = r.int(2, 3); cin = G * r.int(1, 2); filters = G * r.int(1, 3); }
    else { G = r.int(2, 6); cin = G; filters = G * r.int(1, 2); } // groups = channels
    const h = r.int(1, 9);
    const w = r.chance(0.4) ? h : r.int(1, 9);
    const layer = { type: 'conv2d', filters };
    let kh = r.int(1, 4);
    let kw = r.chance(0.5) ? kh : r.int(1, 4);
    let dh = r.weighted([[1, 3], [2, 2], [3, 1]]);
    let dw = r.chance(0.5) ? dh : r.weighted([[1, 3], [2, 2], [3, 1]]);
    const sh = r.int(1, 3);
    const sw = r.chance(0.6) ? sh : r.int(1, 3);
    let padding = drawPadding(r, 3);
    if (r.chance(0.12)) { kh = h; kw = w; dh = 1; dw = 1; padding = r.pick([undefined, 'valid']); } // kernel = input
    layer.kernel = numOrPair(r, kh, kw);
    if (dh !== 1 || dw !== 1 || r.chance(0.15)) layer.dilation = numOrPair(r, dh, dw);
    if (G !== 1 || r.chance(0.2)) layer.groups = G;
    if (sh !== 1 || sw !== 1 || r.chance(0.2)) layer.stride = numOrPair(r, sh, sw);
    if (padding !== undefined) layer.padding = padding;
    if (r.chance(0.35)) layer.useBias = false;
    else if (r.chance(0.15)) layer.useBias = true;
    drawActivation(r, layer);
    let d;
    try { d = resolveLayer(layer, [h, w, cin]); } catch { continue; }
    if (prod(d.outShape) * kh * kw * (cin / G) > 6000) continue;
    return finishCase(r, 'conv2d', k, [h, w, cin], [layer]);
  }
}

function depthwiseCase(k) {
  const r = new Rng(seedOf('depthwiseconv2d', k));
  for (;;) {
    const c = r.int(1, 5);
    const m = r.weighted([[1, 2], [2, 2], [3, 1]]);
    const h = r.int(1, 9);
    const w = r.chance(0.4) ? h : r.int(1, 9);
    let kh = r.int(1, 4);
    let kw = r.chance(0.5) ? kh : r.int(1, 4);
    let dh = r.weighted([[1, 3], [2, 2], [3, 1]]);
    let dw = r.chance(0.5) ? dh : r.weighted([[1, 3], [2, 2], [3, 1]]);
    const sh = r.int(1, 3);
    const sw = r.chance(0.6) ? sh : r.int(1, 3);
    let padding = drawPadding(r, 3);
    if (r.chance(0.1)) { kh = h; kw = w; dh = 1; dw = 1; padding = 'valid'; }
    const layer = { type: 'depthwiseconv2d', kernel: numOrPair(r, kh, kw) };
    if (m !== 1 || r.chance(0.2)) layer.depthMultiplier = m;
    if (dh !== 1 || dw !== 1 || r.chance(0.15)) layer.dilation = numOrPair(r, dh, dw);
    if (sh !== 1 || sw !== 1 || r.chance(0.2)) layer.stride = numOrPair(r, sh, sw);
    if (padding !== undefined) layer.padding = padding;
    if (r.chance(0.35)) layer.useBias = false;
    drawActivation(r, layer);
    try { resolveLayer(layer, [h, w, c]); } catch { continue; }
    return finishCase(r, 'depthwiseconv2d', k, [h, w, c], [layer]);
  }
}

function poolCase(type, k) {
  const r = new Rng(seedOf(type, k));
  const max = type === 'maxpool2d';
  for (;;) {
    const c = r.int(1, 4);
    const h = r.int(1, 9);
    const w = r.chance(0.4) ? h : r.int(1, 9);
    let kh = r.int(1, 4);
    let kw = r.chance(0.5) ? kh : r.int(1, 4);
    const layer = { type };
    let dil = [1, 1];
    if (max && r.chance(0.45)) dil = [r.int(1, 3), r.int(1, 3)];
    if (max && dil[0] === 1 && dil[1] === 1 && r.chance(0.1)) dil = [2, 2];
    let stride = r.chance(0.35) ? undefined : [r.int(1, 3), r.int(1, 3)];
    let padding = drawPadding(r, 2);
    let ceil = padding !== 'same' && r.chance(0.45);
    if (r.chance(0.08)) { kh = h; kw = w; dil = [1, 1]; padding = 'valid'; ceil = false; stride = undefined; } // window = input
    const ek = [(kh - 1) * dil[0] + 1, (kw - 1) * dil[1] + 1];
    if (Array.isArray(padding) || typeof padding === 'number') { // ≤ half the effective window
      const lim = (v, axis) => Math.min(v, Math.floor(ek[axis] / 2));
      if (typeof padding === 'number') padding = lim(padding, 0) === lim(padding, 1) ? lim(padding, 0) : [lim(padding, 0), lim(padding, 1)];
      else if (padding.length === 2) padding = [lim(padding[0], 0), lim(padding[1], 1)];
      else padding = [lim(padding[0], 0), lim(padding[1], 0), lim(padding[2], 1), lim(padding[3], 1)];
    }
    layer.size = numOrPair(r, kh, kw);
    if (stride) layer.stride = numOrPair(r, ...stride);
    if (padding !== undefined) layer.padding = padding;
    if (dil[0] !== 1 || dil[1] !== 1) layer.dilation = numOrPair(r, ...dil);
    if (ceil) layer.ceilMode = true;
    else if (r.chance(0.15)) layer.ceilMode = false;
    if (!max) {
      if (r.chance(0.5)) layer.countIncludePad = true;
      else if (r.chance(0.2)) layer.countIncludePad = false;
    }
    drawActivation(r, layer, 8);
    try { resolveLayer(layer, [h, w, c]); } catch { continue; }
    return finishCase(r, type, k, [h, w, c], [layer], { distinctInput: true });
  }
}

function zeropadCase(k) {
  const r = new Rng(seedOf('zeropad2d', k));
  const c = r.int(1, 4);
  const h = r.int(1, 7);
  const w = r.int(1, 7);
  const padding = drawPadding(r, 3, ['number', 'pair', 'quad']);
  const layer = { type: 'zeropad2d', padding };
  const shape = r.weighted([['alone', 1], ['then conv', 1.5], ['after conv', 1]]);
  let layers;
  if (shape === 'alone') layers = [layer];
  else if (shape === 'then conv') {
    const d = resolveLayer(layer, [h, w, c]);
    layers = [layer, { type: 'conv2d', filters: r.int(1, 3), kernel: [r.int(1, Math.min(3, d.outShape[0])), r.int(1, Math.min(3, d.outShape[1]))], activation: r.pick(['linear', 'gelu', 'leakyrelu']) }];
  } else {
    layers = [{ type: 'conv2d', filters: r.int(1, 3), kernel: 1, activation: r.pick(['linear', 'relu6', 'selu']) }, layer];
  }
  return finishCase(r, 'zeropad2d', k, [h, w, c], layers, { append: false });
}

function batchnormCase(k) {
  const r = new Rng(seedOf('batchnorm', k));
  const c = r.int(1, 5);
  const input = [r.int(1, 5), r.int(1, 5), c];
  const bn = { type: 'batchnorm' };
  if (r.chance(0.4)) bn.epsilon = r.pick([1e-5, 1e-2, 0.1, 0.5]);
  if (r.chance(0.3)) bn.momentum = r.pick([0.9, 0.5]);
  if (r.chance(0.3)) bn.center = false;
  else if (r.chance(0.2)) bn.center = true;
  if (r.chance(0.3)) bn.scale = false;
  else if (r.chance(0.2)) bn.scale = true;
  drawActivation(r, bn, 4);
  const where = r.weighted([['map', 2], ['after conv', 1.5], ['vector', 1], ['after dense', 1]]);
  let layers;
  if (where === 'map') layers = [bn];
  else if (where === 'after conv') layers = [{ type: 'conv2d', filters: r.int(1, 4), kernel: r.int(1, Math.min(3, input[0], input[1])) }, bn];
  else if (where === 'vector') layers = [{ type: 'flatten' }, bn];
  else layers = [{ type: 'flatten' }, { type: 'dense', units: r.int(1, 6) }, bn];
  // batch ≥ 2 so that the training-mode reference (batch statistics) is not degenerate
  return finishCase(r, 'batchnorm', k, input, layers, { batch: r.int(2, 4), where, append: where === 'map' });
}

/** One activation, four settings: standalone ({ type: name }), on a conv2d, on a dense, { type: 'activation', activation: name }. */
function activationCase(name, k) {
  const r = new Rng(seedOf(`act:${name}`, k));
  const c = r.int(1, 4);
  const input = [r.int(1, 6), r.int(1, 6), c];
  const setting = ['standalone', 'conv2d', 'dense', 'activation layer'][k % 4];
  let layers;
  if (setting === 'standalone' || setting === 'activation layer') {
    const layer = setting === 'standalone' ? { type: name } : { type: 'activation', activation: name };
    layers = [activationOptions(r, layer, name)];
  } else if (setting === 'conv2d') {
    layers = [activationOptions(r, { type: 'conv2d', filters: r.int(1, 4), kernel: r.int(1, 3), padding: 'same', activation: name }, name)];
  } else {
    layers = [{ type: 'flatten' }, activationOptions(r, { type: 'dense', units: r.int(1, 8), activation: name }, name)];
  }
  // pre-activations over ±8: relu6's and hardsigmoid's clipping, elu's and selu's saturation
  return finishCase(r, `act:${name}`, k, input, layers, { setting, inputRange: setting === 'conv2d' || setting === 'dense' ? 1 : 8, weightScale: 4, append: false });
}

const CASES = {
  conv2d: Array.from({ length: 28 }, (_, k) => conv2dCase(k)),
  depthwiseconv2d: Array.from({ length: 18 }, (_, k) => depthwiseCase(k)),
  maxpool2d: Array.from({ length: 20 }, (_, k) => poolCase('maxpool2d', k)),
  avgpool2d: Array.from({ length: 20 }, (_, k) => poolCase('avgpool2d', k)),
  zeropad2d: Array.from({ length: 8 }, (_, k) => zeropadCase(k)),
  batchnorm: Array.from({ length: 14 }, (_, k) => batchnormCase(k)),
  activations: NEW_ACTIVATIONS.flatMap((a) => Array.from({ length: 4 }, (_, k) => activationCase(a, k))),
};

// ─── Weights, inputs, targets ─────────────────────────────────────────────────────────────

/** Per layer, the API's weight object (getWeights layout) or null. */
function makeWeights(c) {
  const r = new Rng(c.seed ^ 0xa5a5a5a5);
  return c.descs.map((d) => {
    const names = paramNames(d);
    if (d.type === 'batchnorm') {
      const C = d.channels;
      const w = {
        movingMean: r.floats(C, -0.5, 0.5),
        movingVariance: r.floats(C, 0.3, 2),
      };
      if (d.scale) w.gamma = Float32Array.from(r.floats(C, 0.5, 1.5), (v) => (r.chance(0.2) ? -v : v));
      if (d.center) w.beta = r.floats(C, -0.5, 0.5);
      return w;
    }
    if (!names.length) return null;
    const w = {};
    const fanIn = prod(d.kernelShape.slice(0, -1)) / (d.type === 'depthwiseconv2d' ? d.kernelShape[2] : 1);
    const limit = Math.sqrt(6 / fanIn) * (c.weightScale ?? 1) * r.pick([0.5, 1, 1.5]);
    w.kernel = r.floats(prod(d.kernelShape), -limit, limit);
    if (names.includes('bias')) w.bias = r.floats(d.outShape.at(-1), -0.5, 0.5);
    return w;
  });
}

function makeData(c) {
  const r = new Rng(c.seed ^ 0x3c3c3c3c);
  const n = c.batch;
  const range = c.inputRange ?? 1;
  const size = n * prod(c.input);
  const x = c.distinctInput ? r.distinct(size, -range, range) : r.floats(size, -range, range);
  const target = r.floats(n * prod(c.descs.at(-1).outShape), -1, 1);
  return { x, target };
}

// ─── Comparison helpers ───────────────────────────────────────────────────────────────────

const stats = {};
function note(key, value) { stats[key] = Math.max(stats[key] ?? 0, value); }

function maxAbs(a) {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/** Max |a − b| (Infinity for NaN or a length mismatch). */
function maxDiff(a, b) {
  if (!a || !b || a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    m = Number.isNaN(d) ? Infinity : Math.max(m, d);
  }
  return m;
}

/** Worst |a − b| / max(1, |b|) and where, over n values from the offsets. */
function scaledDiff(ours, offA, truth, offB, n) {
  let worst = 0;
  let at = 0;
  for (let j = 0; j < n; j++) {
    const a = ours[offA + j];
    const b = truth[offB + j];
    const s = Number.isFinite(a) && Number.isFinite(b) ? Math.abs(a - b) / Math.max(1, Math.abs(b)) : (Object.is(a, b) ? 0 : Infinity);
    if (!(s <= worst)) { worst = s; at = j; }
  }
  return { worst, at };
}

/** Gradient tensors: failure message or null. */
function gradFail(what, ours, truth, key, record = true) {
  if (!ours || typeof ours.length !== 'number') return `${what}: missing (got ${ours === null ? 'null' : typeof ours})`;
  if (ours.length !== truth.length) return `${what}: ${ours.length} values, tfjs ${truth.length}`;
  const scale = maxAbs(truth);
  const d = maxDiff(ours, truth);
  if (record) note(`${key} grad (diff/max|grad|)`, d / Math.max(scale, 1e-30));
  return d <= GRAD_RTOL * scale + GRAD_ATOL ? null : `${what}: max |ours − tfjs| ${d.toExponential(3)}, max |tfjs| ${scale.toExponential(3)}`;
}

const shapeEq = (a, b) => Array.isArray(a) && a.length === b.length && a.every((v, i) => v === b[i]);

/** Compares gradients() with a reference; returns failure messages (record: note the differences). */
function compareGradients(c, ours, ref, record = true) {
  const fails = [];
  const lossErr = Math.abs(ours.loss - ref.loss) / Math.max(1, Math.abs(ref.loss));
  if (record) note('loss rel', lossErr);
  if (!(lossErr <= LOSS_RTOL)) fails.push(`gradients(): loss ${ours.loss}, tfjs ${ref.loss}`);
  const f = gradFail('input gradient', ours.input, ref.input, 'input', record);
  if (f) fails.push(f);
  if (!Array.isArray(ours.layers) || ours.layers.length !== c.descs.length) {
    fails.push(`gradients().layers: expected ${c.descs.length} entries`);
    return fails;
  }
  c.descs.forEach((d, i) => {
    const names = paramNames(d);
    const o = ours.layers[i];
    if (!names.length) {
      if (o != null && Object.values(o).some((v) => v != null)) fails.push(`layer ${i} (${d.type}): gradient entry for a layer without trainable tensors`);
      return;
    }
    if (!o) { fails.push(`layer ${i} (${d.type}): no gradients`); return; }
    for (const nm of names) {
      const e = gradFail(`layer ${i} (${d.type}) ${nm} gradient`, o[nm], ref.layers[i][nm], 'weight', record);
      if (e) fails.push(e);
    }
    for (const nm of ['kernel', 'bias', 'gamma', 'beta']) {
      if (!names.includes(nm) && o[nm] != null) fails.push(`layer ${i} (${d.type}): has a ${nm} gradient but no ${nm}`);
    }
  });
  return fails;
}

/** Tensors a layer does not have because of its options (null or absent in getWeights). */
function absentTensors(d) {
  if (d.type === 'conv2d' || d.type === 'depthwiseconv2d') return d.useBias ? [] : ['bias'];
  if (d.type === 'batchnorm') return [...(d.scale ? [] : ['gamma']), ...(d.center ? [] : ['beta'])];
  return [];
}

/**
 * Builds the case's model, sets weights, compares shapes, weights round trip, every layer's
 * activations and gradients with the references. Returns failure messages.
 */
async function checkCase(c) {
  const fails = [];
  const { descs } = c;
  const weights = makeWeights(c);
  const { x, target } = makeData(c);
  const n = c.batch;
  let net;
  try {
    net = await createModel({ input: c.input, layers: c.layers, seed: c.seed });
  } catch (err) {
    return [`createModel threw: ${err.message}`];
  }
  try {
    // Shapes and parameter counts against the rules.
    if (net.layers.length !== descs.length) return [`engine has ${net.layers.length} layers, expected ${descs.length}`];
    descs.forEach((d, i) => {
      const l = net.layers[i];
      if (!shapeEq(l.outputShape, d.outShape)) fails.push(`layer ${i} (${d.type}): outputShape [${l.outputShape}], expected [${d.outShape}]`);
      if (d.pads && Array.isArray(l.pads) && !d.ceilMode && !shapeEq(l.pads, d.pads)) fails.push(`layer ${i} (${d.type}): pads [${l.pads}], expected [${d.pads}]`);
      if (d.type === 'conv2d' || d.type === 'depthwiseconv2d') {
        const p = prod(d.kernelShape) + (d.useBias ? d.outShape[2] : 0);
        if (l.params !== p) fails.push(`layer ${i} (${d.type}): params ${l.params}, expected ${p}`);
      } else if (d.type !== 'batchnorm' && d.type !== 'dense' && l.params) {
        fails.push(`layer ${i} (${d.type}): params ${l.params} for a layer without weights`);
      }
    });
    if (fails.length) return fails;

    // Weights in, read back unchanged; absent tensors are null/absent.
    weights.forEach((w, i) => {
      const d = descs[i];
      if (!w) {
        if (net.getWeights(i) !== null) fails.push(`layer ${i} (${d.type}): getWeights should be null`);
        return;
      }
      net.setWeights(i, w);
      const back = net.getWeights(i);
      for (const [nm, arr] of Object.entries(w)) {
        if (maxDiff(back?.[nm], arr) !== 0) fails.push(`layer ${i} (${d.type}): getWeights().${nm} is not what setWeights stored`);
      }
      for (const nm of absentTensors(d)) {
        if (back?.[nm] != null) fails.push(`layer ${i} (${d.type}): getWeights().${nm} should be null or absent`);
      }
    });
    if (fails.length) return fails;

    // Forward: every layer, every image.
    const ref = referenceRun(c.input, descs, weights, x, n, target);
    const out = n === 1 ? net.predict(x) : net.predictBatch(x, n);
    const last = descs.length - 1;
    const check = (what, b, i, data, off) => {
      const size = prod(ref.acts[i].shape);
      const { worst, at } = scaledDiff(data, off, ref.acts[i].data, b * size, size);
      note(`forward ${descs[i].type}`, worst);
      if (!(worst <= TOL)) {
        fails.push(`${what}: image ${b}, layer ${i} (${descs[i].type}${descs[i].act.name !== 'linear' ? `, ${descs[i].act.name}` : ''}): ` +
          `max diff/max(1,|tfjs|) ${worst.toExponential(3)} at ${at}: ours ${data[off + at]}, tfjs ${ref.acts[i].data[b * size + at]}`);
      }
    };
    for (let b = 0; b < n; b++) {
      const acts = n === 1 ? net.activations() : net.activations(b);
      acts.forEach((a, i) => {
        if (!shapeEq(a.shape, ref.acts[i].shape)) fails.push(`activations(): layer ${i} shape [${a.shape}], tfjs [${ref.acts[i].shape}]`);
        else check('activations()', b, i, a.data, 0);
      });
    }
    const outSize = prod(descs[last].outShape);
    if (out.length !== n * outSize) fails.push(`output: ${out.length} values, expected ${n * outSize}`);
    else for (let b = 0; b < n; b++) check('output', b, last, out, b * outSize);
    if (fails.length) return fails;

    // Gradients of the mse.
    const bnIdx = descs.map((d, i) => (d.type === 'batchnorm' ? i : -1)).filter((i) => i >= 0);
    const ours = net.gradients(x, target, n, { loss: 'mse' });
    if (!bnIdx.length) {
      fails.push(...compareGradients(c, ours, ref));
    } else {
      // Batch statistics or moving statistics: either is accepted (see the header).
      const refTrain = referenceRun(c.input, descs, weights, x, n, target, { training: true });
      const fTrain = compareGradients(c, ours, refTrain, false);
      const fInfer = compareGradients(c, ours, ref, false);
      const count = (key) => { stats[key] = (stats[key] ?? 0) + 1; };
      if (!fTrain.length) {
        compareGradients(c, ours, refTrain);
        count('batchnorm gradients() in training mode (cases)');
      } else if (!fInfer.length) {
        compareGradients(c, ours, ref);
        count('batchnorm gradients() in inference mode (cases)');
      } else fails.push('gradients() match neither batch statistics nor moving statistics:', ...fTrain.map((s) => `  training mode: ${s}`), ...fInfer.map((s) => `  inference mode: ${s}`));
      for (const i of bnIdx) {
        const back = net.getWeights(i);
        if (maxDiff(back.movingMean, weights[i].movingMean) !== 0 || maxDiff(back.movingVariance, weights[i].movingVariance) !== 0) {
          fails.push(`layer ${i} (batchnorm): gradients() changed the moving statistics`);
        }
      }
    }
  } catch (err) {
    fails.push(`threw: ${err.stack || err}`);
  } finally {
    net.dispose();
  }
  return fails;
}

function describeCase(c) {
  return `${c.name}: input [${c.input}], batch ${c.batch}\n  layers: ${JSON.stringify(c.layers)}`;
}

async function runCases(list) {
  const reports = [];
  for (const c of list) {
    const lines = await checkCase(c);
    if (lines.length) {
      const shown = lines.slice(0, 5).map((l) => `  ${l}`);
      if (lines.length > 5) shown.push(`  … and ${lines.length - 5} more`);
      reports.push(`${describeCase(c)}\n${shown.join('\n')}`);
    }
  }
  if (reports.length) {
    throw new Error(`${reports.length} of ${list.length} cases disagree with tfjs (forward ${TOL}·max(1,|tfjs|), gradients ${GRAD_RTOL}·max|tfjs| + ${GRAD_ATOL}):\n\n` +
      `${reports.slice(0, 6).join('\n\n')}${reports.length > 6 ? `\n\n… and ${reports.length - 6} more cases` : ''}`);
  }
}

// ─── Setup ───────────────────────────────────────────────────────────────────────────────

beforeAll(async () => {
  tf.env().set('IS_TEST', true); // silences tfjs's "install tfjs-node" banner only
  await tf.setBackend('cpu');
  await tf.ready();
});

afterAll(() => {
  const line = Object.entries(stats).map(([k, v]) => `${k} ${Number.isInteger(v) ? v : v.toExponential(2)}`).join(', ');
  console.log(`layers vs tfjs, largest differences seen: ${line}`);
});

// ═════════════════════════════════════════════════════════════════════════════════════════
// Reference self-checks: the tfjs references against tfjs's own ops and float64 loops.
// These do not use the engine and pass on their own.
// ═════════════════════════════════════════════════════════════════════════════════════════

/** sum(f(x, …) ⊙ R) and its gradients with respect to every argument. */
function tfValueAndGrads(f, args, R) {
  return tf.tidy(() => {
    const ts = args.map(([data, shape]) => tf.tensor(data, shape));
    const y = f(...ts);
    const Rt = tf.tensor(R, y.shape);
    const gs = tf.grads((...a) => tf.sum(tf.mul(f(...a), Rt)))(ts);
    return { y: y.dataSync().slice(), shape: y.shape, grads: gs.map((g) => g.dataSync().slice()) };
  });
}

/** max |a − b| / max(1, |b|) over all values. */
function relErr(a, b) {
  if (a.length !== b.length) return Infinity;
  return scaledDiff(a, 0, b, 0, a.length).worst;
}

/** max |a − b| / max|b|. */
function gradErr(a, b) {
  return maxDiff(a, b) / Math.max(maxAbs(b), 1e-30);
}

describe('reference self-checks (tfjs references vs tfjs ops and float64 loops; no engine)', () => {
  // Every reference disposes what it makes (tests that expect tfjs to throw are elsewhere: a
  // throwing gradient leaves the tensors of its unfinished scopes behind).
  let tensorsAtStart;
  beforeEach(() => { tensorsAtStart = tf.memory().numTensors; });
  afterEach(() => { expect(tf.memory().numTensors).toBe(tensorsAtStart); });

  test('tfjs-core and tfjs-layers 4.22 load under jest ESM on the cpu backend', () => {
    expect(tf.getBackend()).toBe('cpu');
    expect(tf.version_core).toBe('4.22.0');
    expect(tfl.version_layers).toBe('4.22.0');
  });

  test('conv2d reference = tf.conv2d when groups = 1 and dilation = 1 (forward and gradients)', () => {
    const r = new Rng(101);
    for (let k = 0; k < 10; k++) {
      const [h, w, c, f] = [r.int(2, 8), r.int(2, 8), r.int(1, 4), r.int(1, 4)];
      const kk = r.int(1, Math.min(h, w, 4));
      const s = r.int(1, 3);
      const mode = r.pick(['valid', 'same', 'number']);
      const pad = mode === 'number' ? r.int(0, 2) : mode; // square kernel and stride: tfjs's numeric pad is right then
      const d = resolveLayer({ type: 'conv2d', filters: f, kernel: kk, stride: s, padding: pad }, [h, w, c]);
      const n = r.int(1, 2);
      const x = r.floats(n * h * w * c, -1, 1);
      const kern = r.floats(kk * kk * c * f, -1, 1);
      const bias = r.floats(f, -1, 1);
      const R = r.floats(n * prod(d.outShape), -1, 1);
      const args = [[x, [n, h, w, c]], [kern, d.kernelShape], [bias, [f]]];
      const ours = tfValueAndGrads((a, b, cc) => conv2dT(a, d, b, cc), args, R);
      const direct = tfValueAndGrads((a, b, cc) => tf.add(tf.conv2d(a, b, s, pad), cc), args, R);
      expect(ours.shape).toEqual(direct.shape);
      expect(relErr(ours.y, direct.y)).toBeLessThanOrEqual(1e-6);
      ours.grads.forEach((g, i) => expect(gradErr(g, direct.grads[i])).toBeLessThanOrEqual(1e-6));
    }
  });

  test('dilated kernels with zeros inserted = tf.conv2d / tf.depthwiseConv2d dilations at stride 1', () => {
    const r = new Rng(102);
    for (let k = 0; k < 6; k++) {
      const [h, w, c] = [r.int(6, 9), r.int(6, 9), r.int(1, 3)];
      const dil = [r.int(1, 3), r.int(2, 3)];
      const kern = [r.int(1, 3), r.int(1, 3)];
      const x = tf.tensor4d(r.floats(h * w * c, -1, 1), [1, h, w, c]);
      const kc = tf.tensor4d(r.floats(kern[0] * kern[1] * c * 2, -1, 1), [...kern, c, 2]);
      const a = tf.tidy(() => tf.conv2d(x, dilateKernel(kc, dil), 1, 'valid').dataSync());
      const b = tf.tidy(() => tf.conv2d(x, kc, 1, 'valid', 'NHWC', dil).dataSync());
      expect(relErr(a, b)).toBeLessThanOrEqual(1e-6);
      const a2 = tf.tidy(() => tf.depthwiseConv2d(x, dilateKernel(kc, dil), 1, 'valid').dataSync());
      const b2 = tf.tidy(() => tf.depthwiseConv2d(x, kc, 1, 'valid', 'NHWC', dil).dataSync());
      expect(relErr(a2, b2)).toBeLessThanOrEqual(1e-6);
      tf.dispose([x, kc]);
    }
  });

  test('conv2d / depthwiseconv2d / pooling / zeropad references = float64 loops on every random case (forward and backward)', () => {
    let worstF = 0;
    let worstG = 0;
    const all = [...CASES.conv2d, ...CASES.depthwiseconv2d, ...CASES.maxpool2d, ...CASES.avgpool2d, ...CASES.zeropad2d];
    for (const c of all) {
      const d = c.descs.find((dd) => ['conv2d', 'depthwiseconv2d', 'maxpool2d', 'avgpool2d', 'zeropad2d'].includes(dd.type) && (c.kind === 'zeropad2d' ? dd.type === 'zeropad2d' : true));
      const r = new Rng(c.seed ^ 0x77);
      const n = c.batch;
      const x = c.distinctInput ? r.distinct(n * prod(d.inShape), -1, 1) : r.floats(n * prod(d.inShape), -1, 1);
      const R = r.floats(n * prod(d.outShape), -1, 1);
      const xShape = [n, ...d.inShape];
      let ours;
      let js;
      if (d.type === 'conv2d' || d.type === 'depthwiseconv2d') {
        const kern = r.floats(prod(d.kernelShape), -1, 1);
        const bias = d.useBias ? r.floats(d.outShape[2], -1, 1) : null;
        const f = d.type === 'conv2d' ? conv2dT : depthwiseT;
        const args = [[x, xShape], [kern, d.kernelShape], ...(bias ? [[bias, [d.outShape[2]]]] : [])];
        ours = tfValueAndGrads((a, b, cc) => f(a, d, b, cc), args, R);
        const j = convJS(x, n, d, kern, bias);
        const bw = j.backward(R);
        js = { y: j.y, grads: [bw.dx, bw.dk, ...(bias ? [bw.db] : [])] };
      } else if (d.type === 'zeropad2d') {
        ours = tfValueAndGrads((a) => tf.pad(a, [[0, 0], [d.pads[0], d.pads[1]], [d.pads[2], d.pads[3]], [0, 0]]), [[x, xShape]], R);
        const [H, W, C] = d.inShape;
        const [OH, OW] = d.outShape;
        const y = new Float64Array(n * OH * OW * C);
        const dx = new Float64Array(x.length);
        for (let b = 0; b < n; b++) for (let i = 0; i < H; i++) for (let jx = 0; jx < W; jx++) for (let ch = 0; ch < C; ch++) {
          const o = ((b * OH + i + d.pads[0]) * OW + jx + d.pads[2]) * C + ch;
          const src = ((b * H + i) * W + jx) * C + ch;
          y[o] = x[src];
          dx[src] = R[o];
        }
        js = { y, grads: [dx] };
      } else {
        ours = tfValueAndGrads((a) => poolT(a, d), [[x, xShape]], R);
        const j = poolJS(x, n, d);
        js = { y: j.y, grads: [j.backward(R).dx] };
      }
      expect(ours.shape.slice(1)).toEqual(d.outShape);
      const ef = relErr(ours.y, js.y);
      worstF = Math.max(worstF, ef);
      if (!(ef <= SELF_TOL)) throw new Error(`${c.name} ${d.type}: forward reference off by ${ef}`);
      ours.grads.forEach((g, i) => {
        const eg = gradErr(g, js.grads[i]);
        worstG = Math.max(worstG, eg);
        if (!(eg <= SELF_GRAD_RTOL)) throw new Error(`${c.name} ${d.type}: gradient ${i} of the reference off by ${eg}`);
      });
    }
    note('self: layers vs float64 forward', worstF);
    note('self: layers vs float64 grads', worstG);
  });

  test('depthwiseconv2d reference = tf.depthwiseConv2d with its own stride/dilation where tfjs allows it, and = grouped conv2d (groups = channels)', () => {
    const r = new Rng(103);
    for (let k = 0; k < 8; k++) {
      const [h, w, c, m] = [r.int(4, 8), r.int(4, 8), r.int(1, 4), r.int(1, 3)];
      const dilated = k % 2 === 0;
      const layer = { type: 'depthwiseconv2d', kernel: r.int(1, 3), depthMultiplier: m, stride: dilated ? 1 : r.int(1, 3), dilation: dilated ? r.int(2, 3) : 1, padding: 'same' };
      const d = resolveLayer(layer, [h, w, c]);
      const x = r.floats(h * w * c, -1, 1);
      const kern = r.floats(prod(d.kernelShape), -1, 1);
      const direct = tf.tidy(() => tf.depthwiseConv2d(tf.tensor4d(x, [1, h, w, c]), tf.tensor4d(kern, d.kernelShape), layer.stride, 'same', 'NHWC', layer.dilation).dataSync());
      const ours = tf.tidy(() => depthwiseT(tf.tensor4d(x, [1, h, w, c]), d, tf.tensor4d(kern, d.kernelShape), null).dataSync());
      expect(relErr(ours, direct)).toBeLessThanOrEqual(1e-6);
      // Keras layout [kh][kw][in][multiplier], output channel c·multiplier + m: the same array
      // as a grouped conv2d kernel [kh][kw][1][c·multiplier] with groups = c.
      const g = resolveLayer({ ...layer, type: 'conv2d', filters: c * m, groups: c }, [h, w, c]);
      const asConv = tf.tidy(() => conv2dT(tf.tensor4d(x, [1, h, w, c]), g, tf.tensor4d(kern, g.kernelShape), null).dataSync());
      expect(relErr(ours, asConv)).toBeLessThanOrEqual(1e-6);
    }
  });

  test("pooling reference = tf.maxPool / tf.avgPool ('valid', 'same', −∞ or zero padding + 'valid') and tf.pool with dilation at stride 1", () => {
    const r = new Rng(104);
    for (let k = 0; k < 12; k++) {
      const [h, w, c] = [r.int(3, 9), r.int(3, 9), r.int(1, 3)];
      const size = [r.int(1, 3), r.int(1, 3)];
      const stride = [r.int(1, 3), r.int(1, 3)];
      const x = tf.tensor4d(r.distinct(h * w * c, -1, 1), [1, h, w, c]);
      for (const mode of ['valid', 'same']) {
        const dm = resolveLayer({ type: 'maxpool2d', size, stride, padding: mode }, [h, w, c]);
        const da = resolveLayer({ type: 'avgpool2d', size, stride, padding: mode }, [h, w, c]);
        tf.tidy(() => {
          expect(relErr(poolT(x, dm).dataSync(), tf.maxPool(x, size, stride, mode).dataSync())).toBe(0);
          // tf.avgPool 'same' divides by the cells inside the input: countIncludePad false
          expect(relErr(poolT(x, da).dataSync(), tf.avgPool(x, size, stride, mode).dataSync())).toBeLessThanOrEqual(1e-6);
        });
      }
      // explicit asymmetric pads (no ceilMode): max = −∞ padding + 'valid'; avg with
      // countIncludePad = zero padding + 'valid'
      const pads = [r.int(0, Math.floor(size[0] / 2)), r.int(0, Math.floor(size[0] / 2)), r.int(0, Math.floor(size[1] / 2)), r.int(0, Math.floor(size[1] / 2))];
      const padArg = [[0, 0], [pads[0], pads[1]], [pads[2], pads[3]], [0, 0]];
      const dm = resolveLayer({ type: 'maxpool2d', size, stride, padding: pads }, [h, w, c]);
      const da = resolveLayer({ type: 'avgpool2d', size, stride, padding: pads, countIncludePad: true }, [h, w, c]);
      tf.tidy(() => {
        expect(relErr(poolT(x, dm).dataSync(), tf.maxPool(tf.pad(x, padArg, -Infinity), size, stride, 'valid').dataSync())).toBe(0);
        expect(relErr(poolT(x, da).dataSync(), tf.avgPool(tf.pad(x, padArg), size, stride, 'valid').dataSync())).toBeLessThanOrEqual(1e-6);
      });
      // dilation (stride 1 only in tf.pool)
      const dil = [r.int(1, 3), r.int(2, 3)];
      const dd = resolveLayer({ type: 'maxpool2d', size, stride: 1, dilation: dil, padding: 'valid' }, [h + 6, w + 6, c]);
      tf.tidy(() => {
        const xb = tf.pad(x, [[0, 0], [3, 3], [3, 3], [0, 0]], 0.5);
        expect(relErr(poolT(xb, dd).dataSync(), tf.pool(xb, size, 'max', 'valid', dil, 1).dataSync())).toBe(0);
      });
      x.dispose();
    }
  });

  test('ceilMode follows PyTorch: ceil, but the last window must start inside the input or the leading padding', () => {
    // (n, pad before, pad after, effective kernel, stride). PyTorch's pooling_output_shape:
    // kernel 2 stride 2 on 5 → ceil(3/2)+1 = 3 (floor: 2); kernel 3 stride 2 pad 1 on 6 →
    // ceil(5/2)+1 = 4, last window starts at 6 < 6 + 1: kept (floor: 3); kernel 2 stride 2
    // pad 1 on 5 → ceil(5/2)+1 = 4, but the last window would start at 6 ≥ 5 + 1, in the
    // trailing padding: 3; kernel 1 stride 2 pad 1 on 4 → 4, last start 6 ≥ 4 + 1: 3.
    expect(outDim(5, 0, 0, 2, 2, true)).toBe(3);
    expect(outDim(5, 0, 0, 2, 2, false)).toBe(2);
    expect(outDim(6, 1, 1, 3, 2, true)).toBe(4);
    expect(outDim(6, 1, 1, 3, 2, false)).toBe(3);
    expect(outDim(5, 1, 1, 2, 2, true)).toBe(3);
    expect(outDim(5, 0, 0, 2, 3, true)).toBe(2);
    expect(outDim(4, 1, 1, 1, 2, true)).toBe(3);
    expect(outDim(4, 1, 1, 1, 2, false)).toBe(3);
    expect(outDim(7, 0, 0, 3, 2, true)).toBe(3);
    expect(outDim(8, 0, 0, 3, 2, true)).toBe(4);
    // countIncludePad with the overhang: [5] kernel 2 stride 2 ceil → windows [0,1] [2,3] [4,(5)]:
    // the last one divides by 1 with or without countIncludePad (PyTorch's avg_pool2d).
    const d1 = resolveLayer({ type: 'avgpool2d', size: [1, 2], stride: [1, 2], ceilMode: true, countIncludePad: true }, [1, 5, 1]);
    expect(Array.from(d1.counts)).toEqual([2, 2, 1]);
    const d2 = resolveLayer({ type: 'avgpool2d', size: [1, 3], stride: [1, 2], padding: [0, 0, 1, 1], ceilMode: true, countIncludePad: true }, [1, 6, 1]);
    // 6 cells, padding 1 each side: windows start at input column −1, 1, 3, 5 (ceil(5/2)+1 = 4;
    // the last starts inside the input). The last one covers column 5, the right padding and
    // one overhang cell: 2 with the padding counted (PyTorch: hend = min(5 + 3, 6 + 1)), 1
    // without; the first covers the left padding and columns 0, 1: 3 and 2.
    expect(d2.outShape).toEqual([1, 4, 1]);
    expect(Array.from(d2.counts)).toEqual([3, 3, 3, 2]);
    const d3 = resolveLayer({ type: 'avgpool2d', size: [1, 3], stride: [1, 2], padding: [0, 0, 1, 1], ceilMode: true }, [1, 6, 1]);
    expect(Array.from(d3.counts)).toEqual([2, 3, 3, 1]);
  });

  test('activations in tfjs ops = float64 formulas (values and derivatives); tf.erf and erf64 agree', () => {
    // erf64 against known values
    expect(erf64(0.5)).toBeCloseTo(0.5204998778130465, 14);
    expect(erf64(1)).toBeCloseTo(0.8427007929497149, 14);
    expect(erf64(-2)).toBeCloseTo(-0.9953222650189527, 14);
    expect(erf64(3.5)).toBeCloseTo(0.9999992569016276, 14);
    const xs = Float32Array.from({ length: 801 }, (_, i) => -8 + i * 0.02 + 0.001); // no kink exactly hit
    const xT = tf.tensor1d(xs);
    const erfT = tf.tidy(() => tf.erf(xT).dataSync());
    expect(Math.max(...Array.from(xs, (v, i) => Math.abs(erfT[i] - erf64(v))))).toBeLessThan(1e-6);
    const variants = [
      { name: 'leakyrelu', alpha: 0.3 }, { name: 'leakyrelu', alpha: 0.05 }, { name: 'relu6' }, { name: 'elu', alpha: 1 },
      { name: 'elu', alpha: 0.7 }, { name: 'selu' }, { name: 'gelu' }, { name: 'swish' },
      { name: 'hardsigmoid', alpha: 1 / 6, beta: 0.5 }, { name: 'hardsigmoid', alpha: 0.2, beta: 0.5 }, { name: 'hardswish' }, { name: 'softplus' },
    ];
    let worst = 0;
    for (const a of variants) {
      const [y, g] = tf.tidy(() => [activationT(xT, a).dataSync(), tf.grad((z) => tf.sum(activationT(z, a)))(xT).dataSync()]);
      xs.forEach((v, i) => {
        const [fy, fg] = activationJS(a, v);
        const e = Math.max(Math.abs(y[i] - fy) / Math.max(1, Math.abs(fy)), Math.abs(g[i] - fg) / Math.max(1, Math.abs(fg)));
        worst = Math.max(worst, e);
        if (!(e <= SELF_TOL)) throw new Error(`${JSON.stringify(a)} at x = ${v}: tfjs ${y[i]} / ${g[i]}, float64 ${fy} / ${fg}`);
      });
    }
    note('self: activations vs float64', worst);
    // hardsigmoid's default is relu6(x + 3)/6 (not Keras 2's 0.2·x + 0.5); hardswish = x·relu6(x+3)/6
    tf.tidy(() => {
      const hs = activationT(xT, { name: 'hardsigmoid', alpha: 1 / 6, beta: 0.5 }).dataSync();
      const r6 = tf.div(tf.relu6(tf.add(xT, 3)), 6).dataSync();
      expect(maxDiff(hs, r6)).toBeLessThan(1e-6);
    });
    // tfjs's own leakyRelu default alpha is 0.2, not the API's 0.3: always passed explicitly
    tf.tidy(() => {
      expect(tf.leakyRelu(tf.scalar(-1)).dataSync()[0]).toBeCloseTo(-0.2, 6);
      expect(activationT(tf.scalar(-1), { name: 'leakyrelu', alpha: 0.3 }).dataSync()[0]).toBeCloseTo(-0.3, 6);
    });
    // selu's constants are tfjs's (ops/selu_util.js)
    tf.tidy(() => expect(tf.selu(tf.scalar(-1)).dataSync()[0]).toBeCloseTo(activationJS({ name: 'selu' }, -1)[0], 6));
    xT.dispose();
  });

  test('batchnorm inference reference = tf.batchNorm = (x − μ)/√(σ² + ε)·γ + β in float64', () => {
    const r = new Rng(105);
    for (let k = 0; k < 6; k++) {
      const C = r.int(1, 5);
      const shape = k % 2 ? [2, r.int(1, 4), r.int(1, 4), C] : [3, C];
      const x = r.floats(prod(shape), -2, 2);
      const [mm, mv, g, b] = [r.floats(C, -1, 1), r.floats(C, 0.2, 2), r.floats(C, -2, 2), r.floats(C, -1, 1)];
      const eps = r.pick([1e-3, 1e-5, 0.1]);
      tf.tidy(() => {
        const T = (a) => tf.tensor1d(a);
        const ours = batchnormT(tf.tensor(x, shape), T(mm), T(mv), T(g), T(b), eps).dataSync();
        const direct = tf.batchNorm(tf.tensor(x, shape), T(mm), T(mv), T(b), T(g), eps).dataSync();
        const js = Float64Array.from(x, (v, i) => (v - mm[i % C]) / Math.sqrt(mv[i % C] + eps) * g[i % C] + b[i % C]);
        expect(relErr(ours, js)).toBeLessThanOrEqual(SELF_TOL);
        expect(relErr(direct, js)).toBeLessThanOrEqual(SELF_TOL);
      });
    }
  });

  test('batchnorm training backward in tfjs (tf.grads through tf.moments and tf.batchNorm) = the textbook formula in float64', () => {
    const r = new Rng(106);
    for (let k = 0; k < 6; k++) {
      const C = r.int(1, 4);
      const shape = k % 2 ? [r.int(2, 4), r.int(1, 3), r.int(1, 3), C] : [r.int(2, 5), C];
      const x = r.floats(prod(shape), -2, 2);
      const gamma = k === 4 ? null : r.floats(C, -2, 2);
      const beta = k === 5 ? null : r.floats(C, -1, 1);
      const eps = r.pick([1e-3, 0.1]);
      const R = r.floats(prod(shape), -1, 1);
      const d = { type: 'batchnorm', act: { name: 'linear' }, epsilon: eps, scale: !!gamma, center: !!beta };
      const args = [[x, shape], ...(gamma ? [[gamma, [C]]] : []), ...(beta ? [[beta, [C]]] : [])];
      const ours = tfValueAndGrads((xx, ...ps) => {
        const p = {};
        if (gamma) p.gamma = ps.shift();
        if (beta) p.beta = ps.shift();
        return forwardT([d], [p], xx, { training: true })[0];
      }, args, R);
      const js = batchnormTrainJS(x, C, gamma, beta, eps);
      const bw = js.backward(R);
      expect(relErr(ours.y, js.y)).toBeLessThanOrEqual(SELF_TOL);
      const want = [bw.dx, ...(gamma ? [bw.dgamma] : []), ...(beta ? [bw.dbeta] : [])];
      ours.grads.forEach((g, i) => expect(gradErr(g, want[i])).toBeLessThanOrEqual(SELF_GRAD_RTOL));
    }
  });
});

describe('reference self-checks: batchnorm training in tfjs-layers 4.22', () => {
  test('the core-ops trainer = tfjs-layers (conv → batchnorm → dense, 3 SGD steps): losses, weights, moving statistics', async () => {
    const r = new Rng(107);
    const input = [6, 5, 2];
    const layers = [{ type: 'conv2d', filters: 3, kernel: 2, activation: 'relu' }, { type: 'batchnorm', momentum: 0.9, activation: 'tanh' }, { type: 'flatten' }, { type: 'dense', units: 4 }];
    const descs = resolveModel(input, layers);
    const w = [{ kernel: r.floats(24, -1, 1), bias: r.floats(3, -0.3, 0.3) },
      { gamma: r.floats(3, 0.5, 1.5), beta: r.floats(3, -0.5, 0.5), movingMean: r.floats(3, -0.5, 0.5), movingVariance: r.floats(3, 0.5, 2) },
      null, { kernel: r.floats(60 * 4, -0.3, 0.3), bias: r.floats(4, -0.3, 0.3) }];
    const core = coreTrainer(input, descs, w, 0.3);
    const lay = tflModel(input, layers, descs, w, 0.3);
    try {
      for (let s = 0; s < 3; s++) {
        const x = r.floats(4 * prod(input), -1, 1);
        const t = r.floats(16, -1, 1);
        const l1 = core.step(x, t, 4);
        const l2 = await lay.step(x, t, 4);
        expect(Math.abs(l1 - l2)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(l2)));
        const a = core.weights();
        const b = lay.weights();
        a.forEach((o, i) => o && Object.keys(o).forEach((nm) => expect(relErr(o[nm], b[i][nm])).toBeLessThanOrEqual(1e-6)));
      }
    } finally {
      core.dispose();
      lay.dispose();
    }
  });

  test('the moving variance is updated with the biased batch variance (÷ N), moving ← moving − (moving − batch)·(1 − momentum)', async () => {
    const r = new Rng(108);
    const input = [2, 3, 2];
    const C = 2;
    const layers = [{ type: 'batchnorm', momentum: 0.6 }];
    const descs = resolveModel(input, layers);
    const w = [{ gamma: r.floats(C, 0.5, 1.5), beta: r.floats(C, -0.5, 0.5), movingMean: r.floats(C, -0.5, 0.5), movingVariance: r.floats(C, 0.5, 2) }];
    const lay = tflModel(input, layers, descs, w, 0.1);
    try {
      const n = 3;
      const x = r.floats(n * prod(input), -2, 2);
      await lay.step(x, r.floats(n * prod(input), -1, 1), n);
      const got = lay.weights()[0];
      const m = x.length / C;
      for (let c = 0; c < C; c++) {
        let mean = 0;
        for (let i = c; i < x.length; i += C) mean += x[i] / m;
        let ss = 0;
        for (let i = c; i < x.length; i += C) ss += (x[i] - mean) ** 2;
        const biased = w[0].movingVariance[c] - (w[0].movingVariance[c] - ss / m) * (1 - 0.6);
        const unbiased = w[0].movingVariance[c] - (w[0].movingVariance[c] - ss / (m - 1)) * (1 - 0.6);
        expect(Math.abs(got.movingVariance[c] - biased)).toBeLessThan(1e-5);
        expect(Math.abs(got.movingVariance[c] - unbiased)).toBeGreaterThan(1e-3);
        expect(Math.abs(got.movingMean[c] - (w[0].movingMean[c] - (w[0].movingMean[c] - mean) * 0.4))).toBeLessThan(1e-5);
      }
    } finally {
      lay.dispose();
    }
  });

  test('tfjs-layers 4.22 cannot train batchnorm with scale: false or center: false (so those cases use the core-ops trainer)', async () => {
    const r = new Rng(109);
    const input = [2, 2, 2];
    for (const opt of [{ scale: false }, { center: false }]) {
      const layers = [{ type: 'batchnorm', ...opt }];
      const descs = resolveModel(input, layers);
      const w = [{ gamma: r.floats(2, 0.5, 1.5), beta: r.floats(2, -0.5, 0.5), movingMean: r.floats(2, -0.5, 0.5), movingVariance: r.floats(2, 0.5, 2) }];
      if (opt.scale === false) delete w[0].gamma;
      if (opt.center === false) delete w[0].beta;
      const lay = tflModel(input, layers, descs, w, 0.1);
      try {
        await expect(lay.step(r.floats(16, -1, 1), r.floats(16, -1, 1), 2)).rejects.toThrow(/Cannot read properties of undefined \(reading 'read'\)/);
      } finally {
        lay.dispose();
      }
    }
  });
});

describe('reference self-checks: tfjs 4.22 limitations the references work around (each expected to throw)', () => {
  test('tf.conv2d / tf.depthwiseConv2d have no gradient with dilation > 1 (hence zero-inserted kernels)', () => {
    const x = tf.ones([1, 5, 5, 1]);
    const kc = tf.ones([2, 2, 1, 1]);
    expect(() => tf.grad((z) => tf.sum(tf.conv2d(z, kc, 1, 'valid', 'NHWC', 2)))(x)).toThrow(/dilation rates greater than 1/);
    expect(() => tf.grad((z) => tf.sum(tf.depthwiseConv2d(z, kc, 1, 'valid', 'NHWC', 2)))(x)).toThrow(/dilation rates greater than 1/);
    expect(() => tf.depthwiseConv2d(x, kc, 2, 'valid', 'NHWC', 2)).toThrow(/strides or dilations must be 1/);
    tf.dispose([x, kc]);
  });

  test('tf.batchNorm without a scale or an offset cannot be differentiated (hence γ = 1 / β = 0 constants)', () => {
    const x = tf.ones([2, 2]);
    const m = tf.zeros([2]);
    const v = tf.ones([2]);
    expect(() => tf.grad((z) => tf.sum(tf.batchNorm(z, m, v, m)))(x)).toThrow(/undefined/);
    expect(() => tf.grad((z) => tf.sum(tf.batchNorm(z, m, v, undefined, v)))(x)).toThrow(/undefined/);
    tf.dispose([x, m, v]);
  });

  test('no gradient for tf.greater (so elu with alpha is written with relu, not tf.where(x > 0, …))', () => {
    const x = tf.tensor1d([-1, 2]);
    expect(() => tf.grad((z) => tf.sum(tf.where(tf.greater(z, 0), z, tf.expm1(z))))(x)).toThrow(/gradient function not found for Greater/);
    x.dispose();
  });
});

test('the random cases cover every layer, option, padding form and edge case', () => {
  const seen = new Set();
  const see = (k) => seen.add(k);
  for (const list of Object.values(CASES)) {
    for (const c of list) {
      if (c.batch > 1) see('batch > 1');
      if (c.layers.length > 1) see(`${c.kind}: two layers`);
      c.descs.forEach((d, i) => {
        const l = c.layers[i];
        if (d.act.name !== 'linear') {
          const name = l.activation ?? l.type; // as spelt (silu stays silu)
          if (NEW_ACTIVATIONS.includes(l.type)) see(`activation:${name} standalone`);
          else if (l.type === 'activation') see(`activation:${name} (activation layer)`);
          else see(`activation:${name}`);
        }
        if (d.type === 'conv2d' || d.type === 'depthwiseconv2d' || d.type === 'maxpool2d' || d.type === 'avgpool2d' || d.type === 'zeropad2d') {
          if (i === 0 || d.type === 'zeropad2d') see(`${d.type} padding:${paddingForm(l.padding)}`);
          if (d.pads && (d.pads[0] !== d.pads[1] || d.pads[2] !== d.pads[3])) see(`${d.type} asymmetric pads`);
        }
        if (d.type === 'conv2d' || d.type === 'depthwiseconv2d' || d.type === 'maxpool2d' || d.type === 'avgpool2d') {
          if (d.dilation.some((v) => v === 2)) see(`${d.type} dilation 2`);
          if (d.dilation.some((v) => v === 3)) see(`${d.type} dilation 3`);
          if (d.dilation.some((v) => v > 1) && d.stride.some((v) => v > 1)) see(`${d.type} dilation with stride > 1`);
          if (d.stride[0] > d.kernel[0] || d.stride[1] > d.kernel[1]) see(`${d.type} stride > kernel`);
          if (d.ek[0] === d.inShape[0] + d.pads[0] + d.pads[1] && d.ek[1] === d.inShape[1] + d.pads[2] + d.pads[3]) see(`${d.type} window = padded input`);
          if (d.kernel[0] !== d.kernel[1]) see(`${d.type} non-square`);
          if (l.padding === 'same' && d.dilation.some((v) => v > 1)) see(`${d.type} same with dilation`);
        }
        if (d.type === 'conv2d' && i === 0) {
          if (d.groups > 1) see('conv2d groups > 1');
          if (d.groups > 1 && d.groups === d.inShape[2]) see('conv2d groups = channels');
          if (d.groups > 1 && d.groups < d.inShape[2]) see('conv2d groups < channels');
          if (!d.useBias) see('conv2d useBias false');
        }
        if (d.type === 'depthwiseconv2d') {
          if (d.multiplier > 1) see('depthwise multiplier > 1');
          if (!d.useBias) see('depthwise useBias false');
        }
        if (d.type === 'maxpool2d' || d.type === 'avgpool2d') {
          if (c.layers[i].ceilMode) see(`${d.type} ceilMode`);
          const [h, w] = d.inShape;
          if (d.ceilMode && (d.outShape[0] > outDim(h, d.pads[0], d.pads[1], d.ek[0], d.stride[0]) ||
            d.outShape[1] > outDim(w, d.pads[2], d.pads[3], d.ek[1], d.stride[1]))) see(`${d.type} ceilMode adds a window`);
          if (l.stride === undefined) see(`${d.type} default stride`);
        }
        if (d.type === 'avgpool2d' && d.countIncludePad) {
          see('avgpool2d countIncludePad');
          if (d.pads.some((p) => p > 0)) see('avgpool2d countIncludePad with padding');
        }
        if (d.type === 'batchnorm') {
          see(`batchnorm ${d.inShape.length === 3 ? 'map' : 'vector'}`);
          if (!d.center) see('batchnorm center false');
          if (!d.scale) see('batchnorm scale false');
          if (l.epsilon !== undefined) see('batchnorm epsilon');
        }
        if (l.alpha !== undefined) see(`${d.act.name} alpha`);
      });
    }
  }
  const need = [
    'batch > 1', 'conv2d: two layers', 'maxpool2d: two layers', 'zeropad2d: two layers', 'batchnorm: two layers',
    ...['conv2d', 'depthwiseconv2d', 'maxpool2d', 'avgpool2d'].flatMap((t) => [
      ...['default', 'valid', 'same', 'number', 'pair', 'quad'].map((p) => `${t} padding:${p}`),
      `${t} asymmetric pads`, `${t} stride > kernel`, `${t} window = padded input`, `${t} non-square`,
    ]),
    ...['number', 'pair', 'quad'].map((p) => `zeropad2d padding:${p}`), 'zeropad2d asymmetric pads',
    ...['conv2d', 'depthwiseconv2d', 'maxpool2d'].flatMap((t) => [`${t} dilation 2`, `${t} dilation 3`, `${t} dilation with stride > 1`, `${t} same with dilation`]),
    'conv2d groups > 1', 'conv2d groups = channels', 'conv2d groups < channels', 'conv2d useBias false',
    'depthwise multiplier > 1', 'depthwise useBias false',
    'maxpool2d ceilMode', 'avgpool2d ceilMode', 'maxpool2d ceilMode adds a window', 'avgpool2d ceilMode adds a window',
    'maxpool2d default stride', 'avgpool2d default stride', 'avgpool2d countIncludePad', 'avgpool2d countIncludePad with padding',
    'batchnorm map', 'batchnorm vector', 'batchnorm center false', 'batchnorm scale false', 'batchnorm epsilon',
    ...NEW_ACTIVATIONS.flatMap((a) => [`activation:${a} standalone`, `activation:${a}`]),
    'activation:gelu (activation layer)',
    'leakyrelu alpha', 'elu alpha', 'hardsigmoid alpha',
  ];
  expect(need.filter((k) => !seen.has(k))).toEqual([]);
});

// ═════════════════════════════════════════════════════════════════════════════════════════
// The engine against the references
// ═════════════════════════════════════════════════════════════════════════════════════════

describe('new layers agree with tfjs: every activation and the gradients of the mse', () => {
  test.each(Object.keys(CASES).map((k) => [k, CASES[k].length]))('%s (%i random cases)', async (kind) => {
    await runCases(CASES[kind]);
  });
});

// ─── Batchnorm training against tfjs-layers ──────────────────────────────────────────────

const BN_TRAINING = [
  { name: 'batchnorm alone on a map (momentum 0.9)', input: [4, 5, 3], layers: [{ type: 'batchnorm', momentum: 0.9 }], batch: 4, lr: 0.2 },
  {
    name: 'conv2d → batchnorm (default momentum, epsilon) → dense',
    input: [7, 6, 2],
    layers: [{ type: 'conv2d', filters: 4, kernel: 3, activation: 'relu' }, { type: 'batchnorm' }, { type: 'flatten' }, { type: 'dense', units: 3 }],
    batch: 3, lr: 0.1,
  },
  {
    name: "batchnorm over a vector's units (momentum 0.8, epsilon 0.01, relu) between dense layers",
    input: [3, 3, 2],
    layers: [{ type: 'flatten' }, { type: 'dense', units: 6 }, { type: 'batchnorm', momentum: 0.8, epsilon: 0.01, activation: 'relu' }, { type: 'dense', units: 2 }],
    batch: 5, lr: 0.2,
  },
  {
    name: "conv2d 'same' stride 2 (no bias) → batchnorm (tanh) → globalavgpool2d → dense",
    input: [6, 7, 3],
    layers: [{ type: 'conv2d', filters: 5, kernel: 3, stride: 2, padding: 'same', useBias: false }, { type: 'batchnorm', momentum: 0.5, activation: 'tanh' }, { type: 'globalavgpool2d' }, { type: 'dense', units: 3 }],
    batch: 2, lr: 0.3,
  },
  // tfjs-layers 4.22 cannot train these (see the self-checks): the core-ops trainer is the truth.
  {
    name: 'conv2d → batchnorm (scale: false) → dense [core-ops trainer]',
    input: [5, 5, 2],
    layers: [{ type: 'conv2d', filters: 3, kernel: 2 }, { type: 'batchnorm', scale: false, momentum: 0.7 }, { type: 'flatten' }, { type: 'dense', units: 3 }],
    batch: 3, lr: 0.2, core: true,
  },
  { name: 'batchnorm (center: false) on a map [core-ops trainer]', input: [3, 4, 2], layers: [{ type: 'batchnorm', center: false, epsilon: 0.1 }], batch: 3, lr: 0.3, core: true },
  {
    name: 'batchnorm (center: false, scale: false) on a vector → dense [core-ops trainer]',
    input: [2, 3, 2],
    layers: [{ type: 'flatten' }, { type: 'batchnorm', center: false, scale: false, momentum: 0.9 }, { type: 'dense', units: 3 }],
    batch: 4, lr: 0.2, core: true,
  },
].map((c, k) => ({ ...c, seed: seedOf('bn-train', k), descs: resolveModel(c.input, c.layers) }));

describe('batchnorm training (3 SGD steps of trainBatch) agrees with tfjs-layers 4.22', () => {
  test.each(BN_TRAINING.map((c) => [c.name, c]))('%s', async (_, c) => {
    const r = new Rng(c.seed);
    const weights = makeWeights({ ...c, weightScale: 1 });
    const net = await createModel({ input: c.input, layers: c.layers, seed: c.seed });
    const truth = c.core ? coreTrainer(c.input, c.descs, weights, c.lr) : tflModel(c.input, c.layers, c.descs, weights, c.lr);
    try {
      weights.forEach((w, i) => { if (w) net.setWeights(i, w); });
      net.setOptimizer({ optimizer: 'sgd', loss: 'mse', learningRate: c.lr });
      const outSize = prod(c.descs.at(-1).outShape);
      let moved = 0;
      for (let s = 0; s < 3; s++) {
        const x = r.floats(c.batch * prod(c.input), -1.5, 1.5);
        const t = r.floats(c.batch * outSize, -1, 1);
        const ours = net.trainBatch(x, t, c.batch);
        const want = await truth.step(x, t, c.batch);
        const lossErr = Math.abs(ours - want) / Math.max(1, Math.abs(want));
        note('bn training loss rel', lossErr);
        if (!(lossErr <= LOSS_RTOL)) throw new Error(`step ${s + 1}: trainBatch loss ${ours}, tfjs ${want}`);
        const ref = truth.weights();
        const fails = [];
        ref.forEach((o, i) => {
          if (!o) return;
          const back = net.getWeights(i);
          for (const [nm, arr] of Object.entries(o)) {
            const { worst } = scaledDiff(back?.[nm] ?? [], 0, arr, 0, arr.length);
            const e = back?.[nm]?.length === arr.length ? worst : Infinity;
            note(`bn training ${nm}`, e);
            moved = Math.max(moved, maxDiff(arr, weights[i][nm]));
            if (!(e <= UPDATE_TOL)) fails.push(`layer ${i} (${c.descs[i].type}) ${nm}: max diff/max(1,|tfjs|) ${e.toExponential(3)}`);
          }
        });
        if (fails.length) throw new Error(`${c.name}: after step ${s + 1}:\n  ${fails.join('\n  ')}\n  layers: ${JSON.stringify(c.layers)}`);
      }
      expect(moved).toBeGreaterThan(10 * UPDATE_TOL); // not vacuous

      // Inference after training uses the (updated) moving statistics.
      const n = 2;
      const x = r.floats(n * prod(c.input), -1.5, 1.5);
      const final = truth.weights();
      const ref = referenceRun(c.input, c.descs, c.descs.map((d, i) => final[i] ?? weights[i]), x, n, null);
      const out = net.predictBatch(x, n);
      const { worst } = scaledDiff(out, 0, ref.acts.at(-1).data, 0, out.length);
      note('bn predict after training', worst);
      expect(worst).toBeLessThanOrEqual(TOL);
    } finally {
      truth.dispose();
      net.dispose();
    }
  });
});

// ─── Dropout ─────────────────────────────────────────────────────────────────────────────

describe('dropout', () => {
  const INPUT = [6, 6, 2];
  const withDropout = (rate) => [
    { type: 'conv2d', filters: 3, kernel: 3, activation: 'relu' },
    { type: 'dropout', rate },
    { type: 'flatten' },
    { type: 'dense', units: 4 },
  ];
  const without = () => withDropout(0).filter((l) => l.type !== 'dropout');
  /** Same weights on both (the dropout layer has none). */
  function copyWeights(from, to) {
    let j = 0;
    from.layers.forEach((l, i) => {
      if (l.type === 'dropout') return;
      while (to.layers[j].type === 'dropout') j++;
      const w = from.getWeights(i);
      if (w) to.setWeights(j, { kernel: w.kernel, bias: w.bias });
      j++;
    });
  }
  const data = (seed, n) => {
    const r = new Rng(seed);
    return { x: r.floats(n * prod(INPUT), -1, 1), t: r.floats(n * 4, -1, 1) };
  };
  const allWeights = (net) => net.layers.map((_, i) => net.getWeights(i)).filter(Boolean).flatMap((w) => [Array.from(w.kernel), Array.from(w.bias)]);

  test('identity in predict, predictBatch, activations and evaluate (rates 0.1, 0.5, 0.9)', async () => {
    for (const rate of [0.1, 0.5, 0.9]) {
      const a = await createModel({ input: INPUT, layers: withDropout(rate), seed: 11 });
      const b = await createModel({ input: INPUT, layers: without(), seed: 12 });
      try {
        copyWeights(a, b);
        expect(a.layers[1].outputShape).toEqual(a.layers[0].outputShape);
        const { x, t } = data(21, 5);
        expect(Array.from(a.predictBatch(x, 5))).toEqual(Array.from(b.predictBatch(x, 5)));
        const one = x.subarray(0, prod(INPUT));
        expect(Array.from(a.predict(one))).toEqual(Array.from(b.predict(one)));
        const acts = a.activations();
        expect(Array.from(acts[1].data)).toEqual(Array.from(acts[0].data));
        const ea = a.evaluate(x, t);
        const eb = b.evaluate(x, t);
        expect(ea.loss).toBe(eb.loss);
      } finally {
        a.dispose();
        b.dispose();
      }
    }
  });

  test('rate 0 trains exactly like no dropout layer; rate 0.5 trains differently (dropout is active in training)', async () => {
    const mk = async (layers) => createModel({ input: INPUT, layers, seed: 31 });
    const ref = await mk(without());
    const zero = await mk(withDropout(0));
    const half = await mk(withDropout(0.5));
    try {
      copyWeights(zero, ref);
      copyWeights(zero, half);
      const { x, t } = data(41, 16);
      const opts = { epochs: 2, batchSize: 4, seed: 5, optimizer: 'sgd', learningRate: 0.05, loss: 'mse' };
      await ref.fit(x, t, opts);
      await zero.fit(x, t, opts);
      await half.fit(x, t, opts);
      expect(allWeights(zero)).toEqual(allWeights(ref));
      expect(maxDiff(allWeights(half).flat(), allWeights(ref).flat())).toBeGreaterThan(1e-4);
    } finally {
      ref.dispose();
      zero.dispose();
      half.dispose();
    }
  });

  test('two fits with the same seeds give bit-identical weights', async () => {
    const run = async () => {
      const net = await createModel({ input: INPUT, layers: withDropout(0.4), seed: 51 });
      const { x, t } = data(61, 12);
      await net.fit(x, t, { epochs: 2, batchSize: 4, seed: 9, optimizer: 'sgd', learningRate: 0.05, loss: 'mse' });
      const w = allWeights(net);
      net.dispose();
      return w;
    };
    expect(await run()).toEqual(await run());
  });

  test('inverted dropout in trainBatch: each unit is zeroed or scaled by 1/(1 − rate), about rate of them zeroed (read through one SGD step of a dense layer)', async () => {
    // [flatten, dropout(r), dense(1)], batch 1, mse, SGD: with z = mask ⊙ x / (1 − r) the dense
    // output is y = k·z + b, dL/dy = 2(y − t), so Δb = −lr·2(y − t) and Δk_j = Δb · z_j. Hence
    // Δk_j / (x_j · Δb) is 0 (dropped) or 1/(1 − r) (kept), for every unit; y rebuilt from that
    // mask must give Δb and trainBatch's loss (y − t)². A second step draws a new mask.
    const rate = 0.3;
    const units = 400;
    const input = [20, 20, 1];
    const net = await createModel({ input, layers: [{ type: 'flatten' }, { type: 'dropout', rate }, { type: 'dense', units: 1 }], seed: 71 });
    try {
      const r = new Rng(81);
      const lr = 0.01;
      net.setOptimizer({ optimizer: 'sgd', loss: 'mse', learningRate: lr });
      const masks = [];
      for (let step = 0; step < 2; step++) {
        const k0 = r.floats(units, -0.1, 0.1);
        net.setWeights(2, { kernel: k0, bias: new Float32Array([0]) });
        const x = Float32Array.from(r.floats(units, 0.2, 1), (v) => (r.chance(0.5) ? v : -v));
        const t = new Float32Array([5]);
        const loss = net.trainBatch(x, t, 1);
        const { kernel, bias } = net.getWeights(2);
        const db = bias[0];
        expect(Math.abs(db)).toBeGreaterThan(1e-3);
        const mask = [];
        let y = 0;
        for (let j = 0; j < units; j++) {
          const ratio = (kernel[j] - k0[j]) / (x[j] * db);
          const kept = Math.abs(ratio - 1 / (1 - rate)) < 1e-3 * (1 / (1 - rate));
          const dropped = Math.abs(ratio) < 1e-3;
          if (!kept && !dropped) throw new Error(`unit ${j}: update ratio ${ratio}, expected 0 or ${1 / (1 - rate)}`);
          mask.push(kept ? 1 : 0);
          if (kept) y += k0[j] * x[j] / (1 - rate);
        }
        expect(Math.abs(db - (-lr * 2 * (y - t[0])))).toBeLessThan(1e-4 * Math.abs(db));
        expect(Math.abs(loss - (y - t[0]) ** 2)).toBeLessThan(1e-4 * loss);
        const dropped = mask.filter((m) => m === 0).length;
        const sd = Math.sqrt(units * rate * (1 - rate));
        expect(Math.abs(dropped - units * rate)).toBeLessThan(5 * sd); // 5 standard deviations
        masks.push(mask.join(''));
      }
      expect(masks[0]).not.toBe(masks[1]);
    } finally {
      net.dispose();
    }
  });
});

// ─── Invalid options ─────────────────────────────────────────────────────────────────────

describe('invalid options throw an Error naming the layer index, the type, the option and the rule', () => {
  // The bad layer sits at different indices after valid layers; input 8×8×6.
  const pre = [{ type: 'relu' }, { type: 'zeropad2d', padding: 1 }]; // keeps 10×10×6 after both
  const at = (i, bad) => [...pre.slice(0, i), bad];
  const BAD = [
    [at(1, { type: 'conv2d', filters: 4, kernel: 3, groups: 4 }), /layer 1 \(conv2d\)[\s\S]*groups/, 'groups 4 does not divide 6 input channels'],
    [at(0, { type: 'conv2d', filters: 5, kernel: 3, groups: 3 }), /layer 0 \(conv2d\)[\s\S]*groups/, 'groups 3 does not divide 5 filters'],
    [at(2, { type: 'conv2d', filters: 6, kernel: 3, groups: 0 }), /layer 2 \(conv2d\)[\s\S]*groups/, 'groups 0'],
    [at(2, { type: 'conv2d', filters: 4, kernel: 3, dilation: 0 }), /layer 2 \(conv2d\)[\s\S]*dilation/, 'dilation 0'],
    [at(1, { type: 'conv2d', filters: 4, kernel: 3, dilation: [2, 0] }), /layer 1 \(conv2d\)[\s\S]*dilation/, 'dilation [2, 0]'],
    [at(0, { type: 'depthwiseconv2d', kernel: 3, dilation: 0 }), /layer 0 \(depthwiseconv2d\)[\s\S]*dilation/, 'depthwise dilation 0'],
    [at(1, { type: 'maxpool2d', size: 2, dilation: 0 }), /layer 1 \(maxpool2d\)[\s\S]*dilation/, 'maxpool dilation 0'],
    [at(1, { type: 'dropout', rate: 1 }), /layer 1 \(dropout\)[\s\S]*rate/, 'rate 1'],
    [at(2, { type: 'dropout', rate: -0.1 }), /layer 2 \(dropout\)[\s\S]*rate/, 'rate −0.1'],
    [at(0, { type: 'batchnorm', epsilon: 0 }), /layer 0 \(batchnorm\)[\s\S]*epsilon/, 'epsilon 0'],
    [at(2, { type: 'batchnorm', epsilon: -1e-3 }), /layer 2 \(batchnorm\)[\s\S]*epsilon/, 'epsilon −1e-3'],
    [at(1, { type: 'depthwiseconv2d', kernel: 3, depthMultiplier: 0 }), /layer 1 \(depthwiseconv2d\)[\s\S]*depthMultiplier/, 'depthMultiplier 0'],
    [at(2, { type: 'conv2d', filters: 2, kernel: 3, padding: -1 }), /layer 2 \(conv2d\)[\s\S]*padding/, 'conv padding −1'],
    [at(0, { type: 'conv2d', filters: 2, kernel: 3, padding: [1, -1] }), /layer 0 \(conv2d\)[\s\S]*padding/, 'conv padding [1, −1]'],
    [at(1, { type: 'depthwiseconv2d', kernel: 3, padding: [0, 0, -2, 0] }), /layer 1 \(depthwiseconv2d\)[\s\S]*padding/, 'depthwise padding [0, 0, −2, 0]'],
    [at(2, { type: 'zeropad2d', padding: -1 }), /layer 2 \(zeropad2d\)[\s\S]*padding/, 'zeropad −1'],
    [at(0, { type: 'zeropad2d', padding: [1, 2, -3, 0] }), /layer 0 \(zeropad2d\)[\s\S]*padding/, 'zeropad [1, 2, −3, 0]'],
    [at(1, { type: 'maxpool2d', size: 2, padding: [-1, 0, 0, 0] }), /layer 1 \(maxpool2d\)[\s\S]*padding/, 'maxpool padding [−1, 0, 0, 0]'],
    [at(2, { type: 'avgpool2d', size: 2, padding: [0, -1] }), /layer 2 \(avgpool2d\)[\s\S]*padding/, 'avgpool padding [0, −1]'],
    [at(1, { type: 'conv2d', filters: 2, kernel: 3, ceilMode: true }), /layer 1 \(conv2d\)[\s\S]*ceilMode/, 'ceilMode on conv2d'],
    [at(0, { type: 'depthwiseconv2d', kernel: 3, ceilMode: true }), /layer 0 \(depthwiseconv2d\)[\s\S]*ceilMode/, 'ceilMode on depthwiseconv2d'],
  ];

  test.each(BAD.map(([layers, re, what]) => [what, layers, re]))('%s', async (_, layers, re) => {
    let err = null;
    try {
      const net = await createModel({ input: [8, 8, 6], layers });
      net.dispose();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(Error);
    expect(err.message).toMatch(re);
    // the option and the layer type are known: the message is about the value
    expect(err.message).not.toMatch(/unknown (option|layer type)/);
  });

  test('the same layers with valid values are accepted (the failures above are about the one value)', async () => {
    const good = [
      at(1, { type: 'conv2d', filters: 4, kernel: 3, groups: 2 }),
      at(0, { type: 'conv2d', filters: 6, kernel: 3, groups: 3 }),
      at(2, { type: 'conv2d', filters: 4, kernel: 3, dilation: [2, 1] }),
      at(0, { type: 'depthwiseconv2d', kernel: 3, dilation: 2, depthMultiplier: 2 }),
      at(1, { type: 'maxpool2d', size: 2, dilation: 2, padding: [1, 0, 0, 1], ceilMode: true }),
      at(1, { type: 'dropout', rate: 0 }),
      at(2, { type: 'dropout', rate: 0.99 }),
      at(0, { type: 'batchnorm', epsilon: 1e-9 }),
      at(2, { type: 'zeropad2d', padding: [0, 2, 1, 0] }),
      at(2, { type: 'avgpool2d', size: 2, padding: [0, 1], countIncludePad: true }),
    ];
    for (const layers of good) {
      const net = await createModel({ input: [8, 8, 6], layers });
      net.dispose();
    }
  });
});
