// tfjs-agreement.test.js — the engine against an independent truth: TensorFlow.js.
//
// Hundreds of random (but valid, and deterministic) sequential models are built with our
// JavaScript API, given random weights through setWeights, and run on random inputs. The same
// computation is done with @tensorflow/tfjs-core ops on the pure-JavaScript cpu backend, with
// the same weights and inputs, and every layer's activation (net.activations(), for every
// image of a batch) and the final outputs must agree.
//
// Tolerance: |ours − tfjs| ≤ 1e-4 · max(1, |tfjs|) for every value, i.e. 1e-4 absolute for
// values of magnitude ≤ 1 and 1e-4 relative above that (weights are scaled He-style so
// activations stay O(1); the relative part only matters for the occasional value of a few
// units or tens after several layers, where float32 summation order alone moves the last
// digits). NaN/±Inf on either side count as a mismatch unless both sides are identical.
//
// Independence notes (where we deliberately do not trust a tfjs shortcut):
//  * Explicit numeric padding is done with tf.pad + 'valid' convolution, not tf.conv2d(x, w,
//    s, <number>): tfjs 4.22's getPadAndOutInfo computes the output shape for a numeric pad
//    with the kernel *height* and stride *height* on both axes (computeOutputShape2D is called
//    with filterHeight and strideHeight only), which is wrong for non-square kernels/strides.
//  * avgPool 'same': the tfjs cpu kernel (pool() in tfjs-backend-cpu) divides by `count`, the
//    number of window cells inside the input — TensorFlow's rule, and ours. The targeted tests
//    below also check that rule against a plain-JavaScript reference and hand-computed values,
//    so the random tests do not rest on tfjs alone for it.
//  * Shapes: our engine's layer.outputShape, the shape the generator derives from TensorFlow's
//    formulas, and the shape of the tfjs result must all agree.
//
// Everything random comes from a seeded PRNG (mulberry32); Math.random is never used.

import { jest } from '@jest/globals';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { createModel } from '../../js/index.js';
import { rng as mulberry32 } from '../fixtures.js';

jest.setTimeout(120000);

// ─── Deterministic randomness ─────────────────────────────────────────────────────────────

class Rng {
  constructor(seed) { this.next = mulberry32(seed); }
  /** Integer in [lo, hi]. */
  int(lo, hi) { return lo + Math.floor(this.next() * (hi - lo + 1)); }
  chance(p) { return this.next() < p; }
  uniform(lo, hi) { return lo + (hi - lo) * this.next(); }
  pick(arr) { return arr[Math.floor(this.next() * arr.length)]; }
  /** pairs: [[value, weight], …] */
  weighted(pairs) {
    const total = pairs.reduce((a, [, w]) => a + w, 0);
    let x = this.next() * total;
    for (const [v, w] of pairs) {
      if ((x -= w) < 0) return v;
    }
    return pairs[pairs.length - 1][0];
  }
  floats(n, lo, hi) {
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) a[i] = this.uniform(lo, hi);
    return a;
  }
}

const MASTER_SEED = 0x5eed2024;
const N_MODELS = 400;
const GROUP = 50;
const TOL = 1e-4;

function modelSeed(idx) {
  return (Math.imul(idx + 1, 0x9e3779b1) ^ MASTER_SEED) >>> 0;
}

// ─── Random architectures (TensorFlow shape rules, tracked while generating) ──────────────

const ACTIVATIONS = ['linear', 'relu', 'sigmoid', 'tanh', 'softmax'];

function randActivation(r) {
  return r.weighted([['linear', 3], ['relu', 3], ['sigmoid', 1.5], ['tanh', 1.5], ['softmax', 1.2]]);
}

/** Output size along one axis. pad: 'valid' | 'same' | number of zero pixels each side. */
function outDim(n, k, s, pad) {
  if (pad === 'same') return Math.ceil(n / s);
  const p = pad === 'valid' ? 0 : pad;
  return Math.floor((n + 2 * p - k) / s) + 1;
}

/** [top, bottom] (or [left, right]) zero padding along one axis. */
function padAmounts(n, k, s, pad) {
  if (pad === 'valid') return [0, 0];
  if (typeof pad === 'number') return [pad, pad];
  const o = Math.ceil(n / s);
  const total = Math.max((o - 1) * s + k - n, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

const numOrPair = (r, a, b) => (a === b && r.chance(0.5) ? a : [a, b]);

/**
 * One random valid model. Every layer gets a resolved description `d` (used for the tfjs
 * truth and the failure messages) next to the object given to createModel.
 */
function generateModel(idx) {
  const seed = modelSeed(idx);
  const r = new Rng(seed);
  const h = r.int(1, 13);
  const w = r.chance(0.4) ? h : r.int(1, 13);
  const c = r.int(1, 17);
  let st = { rank: 3, h, w, c };
  const nLayers = r.int(1, 6);
  const layers = [];
  const desc = [];
  for (let li = 0; li < nLayers; li++) {
    let type;
    if (st.rank === 3) {
      type = r.weighted([
        ['conv2d', 5], ['maxpool2d', 2], ['avgpool2d', 2], ['globalavgpool2d', 0.7],
        ['globalmaxpool2d', 0.7], ['flatten', 0.7], ['act', 1.3],
      ]);
    } else {
      type = r.weighted([['dense', 4], ['act', 1.5], ['flatten', 0.4]]);
    }
    const act = randActivation(r);
    const withAct = (obj) => {
      if (act !== 'linear' || r.chance(0.3)) obj.activation = act;
      return obj;
    };
    if (type === 'conv2d') {
      const mode = r.weighted([['valid', 3], ['same', 3], ['number', 2.5], ['pair', 0.7]]);
      let pad;
      let padOpt;
      if (mode === 'valid' || mode === 'same') {
        pad = [mode, mode];
        padOpt = mode === 'valid' && r.chance(0.3) ? undefined : mode;
      } else if (mode === 'number') {
        const p = r.int(0, 3);
        pad = [p, p];
        padOpt = p;
      } else {
        pad = [r.int(0, 3), r.int(0, 3)];
        padOpt = [...pad];
      }
      let kh = r.int(1, 7);
      let kw = r.chance(0.55) ? kh : r.int(1, 7);
      if (pad[0] !== 'same') kh = Math.min(kh, st.h + 2 * (pad[0] === 'valid' ? 0 : pad[0]));
      if (pad[1] !== 'same') kw = Math.min(kw, st.w + 2 * (pad[1] === 'valid' ? 0 : pad[1]));
      const sh = r.int(1, 3);
      const sw = r.chance(0.6) ? sh : r.int(1, 3);
      const oh = outDim(st.h, kh, sh, pad[0]);
      const ow = outDim(st.w, kw, sw, pad[1]);
      // up to 20 filters: the engine's SIMD gemv has 16- and 4-wide column tiles and a tail
      let filters = r.chance(0.25) ? r.int(13, 20) : r.int(1, 12);
      // Keep the tfjs cpu (plain JavaScript) reference fast: ≤ ~250k multiply-adds per image.
      while (filters > 1 && oh * ow * kh * kw * st.c * filters > 250000) filters--;
      const obj = { type: 'conv2d', filters, kernel: numOrPair(r, kh, kw) };
      if (!(sh === 1 && sw === 1 && r.chance(0.4))) obj.stride = numOrPair(r, sh, sw);
      if (padOpt !== undefined) obj.padding = padOpt;
      layers.push(withAct(obj));
      desc.push({
        type, act, kernel: [kh, kw], stride: [sh, sw], pad, filters,
        pads: [...padAmounts(st.h, kh, sh, pad[0]), ...padAmounts(st.w, kw, sw, pad[1])],
        inC: st.c,
      });
      st = { rank: 3, h: oh, w: ow, c: filters };
    } else if (type === 'maxpool2d' || type === 'avgpool2d') {
      const mode = r.chance(0.5) ? 'same' : 'valid';
      let kh = r.chance(0.1) ? r.int(5, 6) : r.int(1, 4);
      let kw = r.chance(0.55) ? kh : r.int(1, 4);
      if (mode === 'valid') { kh = Math.min(kh, st.h); kw = Math.min(kw, st.w); }
      let sh = kh;
      let sw = kw;
      const obj = { type, size: numOrPair(r, kh, kw) };
      if (r.chance(0.6)) {
        sh = r.int(1, 3);
        sw = r.chance(0.6) ? sh : r.int(1, 3);
        obj.stride = numOrPair(r, sh, sw);
      }
      if (mode === 'same' || r.chance(0.5)) obj.padding = mode;
      layers.push(withAct(obj));
      const oh = outDim(st.h, kh, sh, mode);
      const ow = outDim(st.w, kw, sw, mode);
      desc.push({
        type, act, size: [kh, kw], stride: [sh, sw], pad: [mode, mode],
        pads: [...padAmounts(st.h, kh, sh, mode), ...padAmounts(st.w, kw, sw, mode)],
      });
      st = { rank: 3, h: oh, w: ow, c: st.c };
    } else if (type === 'globalavgpool2d' || type === 'globalmaxpool2d') {
      layers.push(withAct({ type }));
      desc.push({ type, act });
      st = { rank: 1, c: st.c };
    } else if (type === 'flatten') {
      layers.push(withAct({ type }));
      desc.push({ type, act });
      st = { rank: 1, c: st.rank === 3 ? st.h * st.w * st.c : st.c };
    } else if (type === 'dense') {
      const units = r.chance(0.3) ? r.int(16, 24) : r.int(1, 15);
      layers.push(withAct({ type, units }));
      desc.push({ type, act, units, inC: st.c });
      st = { rank: 1, c: units };
    } else {
      // standalone activation, both spellings
      const a = r.pick(ACTIVATIONS);
      layers.push(r.chance(0.7) ? { type: a } : { type: 'activation', activation: a });
      desc.push({ type: 'activation', act: a });
    }
    desc[desc.length - 1].outShape = st.rank === 3 ? [st.h, st.w, st.c] : [st.c];
  }
  // How to run it: one image through predict(), or a batch through predictBatch() — in one
  // engine call, or in chunks of `chunk` images (predictBatch's batchSize option).
  const run = r.weighted([['predict', 0.55], ['batch', 0.35], ['chunked', 0.1]]);
  const batch = run === 'predict' ? 1 : r.int(2, run === 'chunked' ? 5 : 4);
  const chunk = run === 'chunked' ? r.int(1, batch - 1) : undefined;
  return { idx, seed, input: [h, w, c], layers, desc, run, batch, chunk };
}

const MODELS = Array.from({ length: N_MODELS }, (_, i) => generateModel(i));

// ─── Random weights and inputs ────────────────────────────────────────────────────────────

/** Per layer with parameters: { kernel, bias, kernelShape }, from the model's own seed. */
function makeWeights(m) {
  const r = new Rng(m.seed ^ 0xa5a5a5a5);
  return m.desc.map((d) => {
    if (d.type === 'conv2d' || d.type === 'dense') {
      const kernelShape = d.type === 'conv2d' ? [d.kernel[0], d.kernel[1], d.inC, d.filters] : [d.inC, d.units];
      const fanIn = kernelShape.slice(0, -1).reduce((a, b) => a * b, 1);
      const limit = Math.sqrt(6 / fanIn) * r.pick([0.5, 1, 1, 1.5]);
      const n = kernelShape.reduce((a, b) => a * b, 1);
      return { kernel: r.floats(n, -limit, limit), bias: r.floats(kernelShape.at(-1), -0.5, 0.5), kernelShape };
    }
    return null;
  });
}

function makeInput(m) {
  const r = new Rng(m.seed ^ 0x3c3c3c3c);
  const scale = r.pick([1, 1, 1, 3]);
  const offset = r.pick([0, 0, 0.5, -0.5]);
  return r.floats(m.batch * m.input[0] * m.input[1] * m.input[2], offset - scale, offset + scale);
}

// ─── The truth: tfjs-core ops on the cpu backend ──────────────────────────────────────────

function tfActivation(x, act) {
  switch (act) {
    case 'linear': return x;
    case 'relu': return tf.relu(x);
    case 'sigmoid': return tf.sigmoid(x);
    case 'tanh': return tf.tanh(x);
    case 'softmax': return tf.softmax(x); // over the last axis, any rank
    default: throw new Error(`unknown activation ${act}`);
  }
}

/**
 * Runs the model description with tfjs. Returns, per layer, { shape (without batch), data
 * (Float32Array of batch · size, batch-major) }.
 */
function tfForward(m, weights, input) {
  const out = [];
  tf.tidy(() => {
    let x = tf.tensor4d(input, [m.batch, ...m.input]);
    m.desc.forEach((d, i) => {
      switch (d.type) {
        case 'conv2d': {
          const W = tf.tensor4d(weights[i].kernel, weights[i].kernelShape);
          let xin = x;
          let pad = 'valid';
          if (d.pad[0] === 'same') {
            pad = 'same';
          } else if (typeof d.pad[0] === 'number') {
            // explicit zero padding, then a 'valid' convolution (see the header comment)
            xin = tf.pad(x, [[0, 0], [d.pad[0], d.pad[0]], [d.pad[1], d.pad[1]], [0, 0]]);
          }
          x = tf.add(tf.conv2d(xin, W, d.stride, pad), tf.tensor1d(weights[i].bias));
          break;
        }
        case 'maxpool2d':
          x = tf.maxPool(x, d.size, d.stride, d.pad[0]);
          break;
        case 'avgpool2d':
          x = tf.avgPool(x, d.size, d.stride, d.pad[0]);
          break;
        case 'globalavgpool2d':
          x = tf.mean(x, [1, 2]);
          break;
        case 'globalmaxpool2d':
          x = tf.max(x, [1, 2]);
          break;
        case 'flatten':
          x = tf.reshape(x, [m.batch, -1]); // NHWC row-major → HWC order per image
          break;
        case 'dense':
          x = tf.add(tf.matMul(x, tf.tensor2d(weights[i].kernel, weights[i].kernelShape)), tf.tensor1d(weights[i].bias));
          break;
        case 'activation':
          break;
        default:
          throw new Error(`unknown layer type ${d.type}`);
      }
      x = tfActivation(x, d.act);
      out.push({ shape: x.shape.slice(1), data: x.dataSync().slice() });
    });
  });
  return out;
}

// ─── Comparison ───────────────────────────────────────────────────────────────────────────

const stats = { models: 0, values: 0, maxAbs: 0, maxScaled: 0, maxAbsWhere: '' };

/** Max |a − b| and the worst scaled error over a[offA …] vs b[offB …], n values. */
function compare(ours, offA, truth, offB, n) {
  let maxAbs = 0;
  let maxScaled = 0;
  let worst = 0;
  for (let j = 0; j < n; j++) {
    const a = ours[offA + j];
    const b = truth[offB + j];
    let scaled;
    let diff;
    if (Number.isFinite(a) && Number.isFinite(b)) {
      diff = Math.abs(a - b);
      scaled = diff / Math.max(1, Math.abs(b));
    } else {
      diff = scaled = Object.is(a, b) ? 0 : Infinity;
    }
    if (diff > maxAbs) maxAbs = diff;
    if (scaled > maxScaled) {
      maxScaled = scaled;
      worst = j;
    }
  }
  return { maxAbs, maxScaled, worst };
}

function describeModel(m) {
  return `model ${m.idx} (seed ${m.seed}) input [${m.input}] ` +
    `${m.run === 'predict' ? 'predict' : `predictBatch n=${m.batch}${m.chunk ? ` batchSize=${m.chunk}` : ''}`}\n  layers: ${JSON.stringify(m.layers)}`;
}

function shapeEq(a, b) {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Builds, runs and checks one model. Returns a list of failure messages (empty if fine). */
async function checkModel(m) {
  const fails = [];
  const fail = (msg) => fails.push(msg);
  const weights = makeWeights(m);
  const input = makeInput(m);
  const net = await createModel({ input: m.input, layers: m.layers, seed: (m.seed * 7 + 1) >>> 0 });
  try {
    // Architecture: the engine's shapes against TensorFlow's formulas.
    if (net.layers.length !== m.desc.length) {
      fail(`engine has ${net.layers.length} layers, expected ${m.desc.length}`);
      return fails;
    }
    m.desc.forEach((d, i) => {
      const l = net.layers[i];
      if (!shapeEq(l.outputShape, d.outShape)) {
        fail(`layer ${i} (${l.type}): engine outputShape [${l.outputShape}], TensorFlow rules give [${d.outShape}]`);
      }
      if (d.pads && !shapeEq(l.pads, d.pads)) {
        fail(`layer ${i} (${l.type}): engine pads [${l.pads}] (top, bottom, left, right), TensorFlow gives [${d.pads}]`);
      }
    });
    if (fails.length) return fails;

    // Weights in, and read back unchanged.
    weights.forEach((wt, i) => {
      if (!wt) {
        if (net.getWeights(i) !== null) fail(`layer ${i}: getWeights should be null for a layer without parameters`);
        return;
      }
      net.setWeights(i, { kernel: wt.kernel, bias: wt.bias });
      const back = net.getWeights(i);
      if (!shapeEq(back.kernelShape, wt.kernelShape)) fail(`layer ${i}: kernelShape [${back.kernelShape}], expected [${wt.kernelShape}]`);
      if (compare(back.kernel, 0, wt.kernel, 0, wt.kernel.length).maxAbs !== 0 || back.kernel.length !== wt.kernel.length ||
          compare(back.bias, 0, wt.bias, 0, wt.bias.length).maxAbs !== 0 || back.bias.length !== wt.bias.length) {
        fail(`layer ${i}: getWeights does not return what setWeights stored`);
      }
    });
    if (fails.length) return fails;

    const truth = tfForward(m, weights, input);
    const inSize = m.input[0] * m.input[1] * m.input[2];
    const outSize = net.outputSize;

    // Forward pass through our API; per-image activations.
    let outputs;
    const actsPerImage = [];
    if (m.run === 'predict') {
      outputs = net.predict(input);
      actsPerImage.push(net.activations());
    } else if (m.run === 'batch') {
      outputs = net.predictBatch(input, m.batch);
      for (let b = 0; b < m.batch; b++) actsPerImage.push(net.activations(b));
    } else {
      // Chunked: every output is checked; activations() (no argument) is the last image.
      // (activations(b) indexes the last *chunk*, see the report, so it is not used here.)
      outputs = net.predictBatch(input, m.batch, { batchSize: m.chunk });
      actsPerImage.push(net.activations());
    }

    const last = m.desc.length - 1;
    const check = (what, b, i, ours, offA, n) => {
      const t = truth[i];
      const size = t.shape.reduce((a, v) => a * v, 1);
      if (n !== size) {
        fail(`${what}: image ${b}, layer ${i}: engine gives ${n} values, tfjs ${size} (shape [${t.shape}])`);
        return;
      }
      const res = compare(ours, offA, t.data, b * size, n);
      stats.values += n;
      if (res.maxAbs > stats.maxAbs) {
        stats.maxAbs = res.maxAbs;
        stats.maxAbsWhere = `model ${m.idx}, layer ${i} (${m.desc[i].type}), |value| ${Math.abs(t.data[b * size + res.worst]).toFixed(3)}`;
      }
      if (res.maxScaled > stats.maxScaled) stats.maxScaled = res.maxScaled;
      if (!(res.maxScaled <= TOL)) {
        const j = res.worst;
        fail(`${what}: image ${b}, layer ${i} ${net.layers[i].name} (${m.desc[i].type}${m.desc[i].act !== 'linear' ? `, ${m.desc[i].act}` : ''}) ` +
          `shape [${t.shape}]: max |diff| = ${res.maxAbs.toExponential(3)}, max diff/max(1,|tfjs|) = ` +
          `${res.maxScaled.toExponential(3)} > ${TOL}; worst at element ${j}: ours ${ours[offA + j]}, tfjs ${t.data[b * size + j]}`);
      }
    };

    // predict(): activations() is that image; unchunked predictBatch: activations(b) is image
    // b; chunked: activations() is the last image.
    actsPerImage.forEach((acts, k) => {
      const b = m.run === 'chunked' ? m.batch - 1 : k;
      if (acts.length !== m.desc.length) {
        fail(`activations(): ${acts.length} entries for ${m.desc.length} layers`);
        return;
      }
      acts.forEach((a, i) => {
        if (!shapeEq(a.shape, truth[i].shape)) fail(`activations(): layer ${i} shape [${a.shape}], tfjs [${truth[i].shape}]`);
        else check('activations()', b, i, a.data, 0, a.data.length);
      });
    });

    if (!shapeEq(truth[last].shape, net.outputShape)) {
      fail(`final output: engine outputShape [${net.outputShape}], tfjs [${truth[last].shape}]`);
    }
    if (outputs.length !== m.batch * outSize) {
      fail(`final output: ${outputs.length} values, expected ${m.batch} × ${outSize}`);
    }
    for (let b = 0; b < m.batch; b++) check('final output', b, last, outputs, b * outSize, outSize);

    // After a batch, a single predict() on the same model (capacity > 1) must still be right.
    if (m.run !== 'predict') {
      const b = m.batch - 1;
      const one = net.predict(input.subarray(b * inSize, (b + 1) * inSize));
      check('predict() after predictBatch', b, last, one, 0, one.length);
      net.activations().forEach((a, i) => check('activations() after predictBatch+predict', b, i, a.data, 0, a.data.length));
    }
    stats.models++;
  } finally {
    net.dispose();
  }
  return fails;
}

// ─── Tests ────────────────────────────────────────────────────────────────────────────────

beforeAll(async () => {
  tf.env().set('IS_TEST', true); // silences tfjs's "install tfjs-node" console banner only
  await tf.setBackend('cpu');
  await tf.ready();
});

afterAll(() => {
  // One line for the record (max diffs over everything compared in this run).
  console.log(
    `tfjs agreement: ${stats.models} random models, ${stats.values} values compared, ` +
      `max |diff| ${stats.maxAbs.toExponential(3)} (${stats.maxAbsWhere}), ` +
      `max diff/max(1,|tfjs|) ${stats.maxScaled.toExponential(3)}`,
  );
});

test('tfjs-core loads under jest ESM and runs on the cpu backend', () => {
  expect(tf.getBackend()).toBe('cpu');
  expect(typeof tf.conv2d).toBe('function');
  const y = tf.tidy(() => tf.conv2d(tf.ones([1, 3, 3, 1]), tf.ones([2, 2, 1, 1]), 1, 'valid').dataSync().slice());
  expect(Array.from(y)).toEqual([4, 4, 4, 4]);
});

test('the random models cover every layer type, activation, padding mode and shape feature', () => {
  const seen = new Map();
  const see = (k) => seen.set(k, (seen.get(k) || 0) + 1);
  for (const m of MODELS) {
    see(`channels:${m.input[2]}`);
    if (m.input[0] % 2 === 1 || m.input[1] % 2 === 1) see('odd input size');
    if (m.batch > 1) see('batch');
    if (m.chunk) see('chunked predictBatch');
    m.desc.forEach((d, i) => {
      see(`type:${d.type}`);
      see(`act:${d.act}`);
      if (d.type === 'activation') see(`standalone:${d.act}`);
      if (d.type === 'conv2d') {
        if (d.filters >= 16) see('conv filters >= 16');
        see(`kernel:${d.kernel[0]}`);
        see(`kernel:${d.kernel[1]}`);
        see(`stride:${d.stride[0]}`);
        see(`stride:${d.stride[1]}`);
        if (d.kernel[0] !== d.kernel[1]) see('non-square kernel');
        if (d.stride[0] !== d.stride[1]) see('non-square stride');
        const p = m.layers[i].padding;
        see(`conv padding:${p === undefined ? 'valid' : typeof p === 'number' ? 'number' : Array.isArray(p) ? 'pair' : p}`);
        if (d.pads[0] !== d.pads[1] || d.pads[2] !== d.pads[3]) see('asymmetric same padding');
      }
      if (d.type === 'maxpool2d' || d.type === 'avgpool2d') {
        see(`${d.type} padding:${d.pad[0]}`);
        if (d.size[0] !== d.size[1]) see('non-square pool');
        if (m.layers[i].stride === undefined) see('pool default stride');
      }
      if (d.type === 'flatten' && i > 0 && m.desc[i - 1].outShape.length === 1) see('flatten on a vector');
      if (d.type === 'flatten' && i === 0) see('flatten first');
      if (d.type === 'dense' && d.units >= 16) see('dense units >= 16');
      if (d.act === 'softmax' && d.outShape.length === 3) see('softmax on a 3-D map');
    });
  }
  const need = [
    ...Array.from({ length: 17 }, (_, i) => `channels:${i + 1}`),
    ...Array.from({ length: 7 }, (_, i) => `kernel:${i + 1}`),
    'stride:1', 'stride:2', 'stride:3', 'non-square kernel', 'non-square stride', 'odd input size', 'batch',
    'type:conv2d', 'type:maxpool2d', 'type:avgpool2d', 'type:globalavgpool2d', 'type:globalmaxpool2d',
    'type:dense', 'type:flatten', 'type:activation',
    ...ACTIVATIONS.map((a) => `act:${a}`), ...ACTIVATIONS.map((a) => `standalone:${a}`),
    'conv padding:valid', 'conv padding:same', 'conv padding:number', 'conv padding:pair',
    'asymmetric same padding', 'maxpool2d padding:valid', 'maxpool2d padding:same',
    'avgpool2d padding:valid', 'avgpool2d padding:same', 'non-square pool', 'pool default stride',
    'flatten on a vector', 'flatten first', 'softmax on a 3-D map', 'chunked predictBatch',
    'conv filters >= 16', 'dense units >= 16',
  ];
  const missing = need.filter((k) => !seen.get(k));
  expect(missing).toEqual([]);
  expect(MODELS.length).toBeGreaterThanOrEqual(200);
});

const groups = Array.from({ length: Math.ceil(N_MODELS / GROUP) }, (_, g) => [g * GROUP, Math.min(N_MODELS, (g + 1) * GROUP)]);

test.each(groups)('random models %i–%i agree with tfjs on every layer', async (start, end) => {
  // Each failing model is reported once, with its layer list, then its mismatches in
  // network order (the first one is usually the cause, later layers inherit it).
  const reports = [];
  for (let i = start; i < end; i++) {
    let lines;
    try {
      lines = await checkModel(MODELS[i]);
    } catch (err) {
      lines = [`threw: ${err.stack || err}`];
    }
    if (lines.length) {
      const shown = lines.slice(0, 4).map((l) => `  ${l}`);
      if (lines.length > 4) shown.push(`  … and ${lines.length - 4} more mismatches in this model`);
      reports.push(`${describeModel(MODELS[i])}\n${shown.join('\n')}`);
    }
  }
  if (reports.length) {
    throw new Error(`${reports.length} of ${end - start} models disagree with tfjs (tolerance ${TOL}·max(1,|tfjs|)):\n\n` +
      `${reports.slice(0, 6).join('\n\n')}${reports.length > 6 ? `\n\n… and ${reports.length - 6} more models` : ''}`);
  }
});

// ─── Targeted tests for classic bugs ──────────────────────────────────────────────────────

/** Plain-JavaScript conv2d (TensorFlow definition), NHWC/HWIO, one image, explicit pads. */
function refConv2d(x, [H, W, C], kernel, [KH, KW], D, bias, [SH, SW], [PT, PB, PL, PR]) {
  const OH = Math.floor((H + PT + PB - KH) / SH) + 1;
  const OW = Math.floor((W + PL + PR - KW) / SW) + 1;
  const y = new Float64Array(OH * OW * D);
  for (let oy = 0; oy < OH; oy++) {
    for (let ox = 0; ox < OW; ox++) {
      for (let d = 0; d < D; d++) {
        let s = bias[d];
        for (let ky = 0; ky < KH; ky++) {
          for (let kx = 0; kx < KW; kx++) {
            const iy = oy * SH - PT + ky;
            const ix = ox * SW - PL + kx;
            if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
            for (let c = 0; c < C; c++) s += x[(iy * W + ix) * C + c] * kernel[((ky * KW + kx) * C + c) * D + d];
          }
        }
        y[(oy * OW + ox) * D + d] = s;
      }
    }
  }
  return { shape: [OH, OW, D], data: y };
}

/** Plain-JavaScript pooling: max ignores padded cells; avg divides by the cells inside. */
function refPool(kind, x, [H, W, C], [KH, KW], [SH, SW], [PT, , PL], [OH, OW]) {
  const y = new Float64Array(OH * OW * C);
  for (let oy = 0; oy < OH; oy++) {
    for (let ox = 0; ox < OW; ox++) {
      for (let c = 0; c < C; c++) {
        let acc = kind === 'max' ? -Infinity : 0;
        let count = 0;
        for (let ky = 0; ky < KH; ky++) {
          for (let kx = 0; kx < KW; kx++) {
            const iy = oy * SH - PT + ky;
            const ix = ox * SW - PL + kx;
            if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
            const v = x[(iy * W + ix) * C + c];
            acc = kind === 'max' ? Math.max(acc, v) : acc + v;
            count++;
          }
        }
        y[(oy * OW + ox) * C + c] = kind === 'max' ? acc : acc / count;
      }
    }
  }
  return y;
}

function maxDiff(a, b) {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Number.isFinite(a[i]) && Number.isFinite(b[i]) ? Math.abs(a[i] - b[i]) : Infinity);
  return m;
}

function ramp(n, scale = 1) {
  return Float32Array.from({ length: n }, (_, i) => ((i * 37) % 23) / 11 * scale - scale);
}

describe('targeted checks', () => {
  test("'same' padding with even kernels and stride 2 puts the odd pixel bottom/right", async () => {
    // in 7×7: kernel [2,4], stride 2 → out 4×4; pad rows total 1 → (0,1); cols total 3 → (1,2).
    // A one-hot kernel (tap at ky=0,kx=0) makes the output a shifted copy of the input, so a
    // (1,0)/(2,1) split would show up as a whole-pixel shift, not a rounding difference.
    const cases = [
      { input: [7, 7, 3], kernel: [2, 4], stride: 2, pads: [0, 1, 1, 2] },
      { input: [8, 6, 2], kernel: [4, 2], stride: [2, 1], pads: [1, 1, 0, 1] },
      { input: [5, 9, 1], kernel: [6, 6], stride: [3, 2], pads: [2, 2, 2, 3] },
      { input: [1, 4, 2], kernel: 2, stride: 2, pads: [0, 1, 0, 0] },
    ];
    for (const cs of cases) {
      const [H, W, C] = cs.input;
      const [KH, KW] = Array.isArray(cs.kernel) ? cs.kernel : [cs.kernel, cs.kernel];
      const [SH, SW] = Array.isArray(cs.stride) ? cs.stride : [cs.stride, cs.stride];
      const D = 3;
      const net = await createModel({ input: cs.input, layers: [{ type: 'conv2d', filters: D, kernel: cs.kernel, stride: cs.stride, padding: 'same' }], seed: 1 });
      try {
        expect(net.layers[0].pads).toEqual(cs.pads);
        expect(net.outputShape).toEqual([Math.ceil(H / SH), Math.ceil(W / SW), D]);
        for (const oneHot of [true, false]) {
          const kernel = oneHot ? new Float32Array(KH * KW * C * D) : ramp(KH * KW * C * D, 0.3);
          if (oneHot) for (let c = 0; c < C; c++) kernel[c * D + (c % D)] = 1; // ky=0, kx=0
          const bias = Float32Array.from([0.25, -0.5, 0.125]);
          net.setWeights(0, { kernel, bias });
          const x = ramp(H * W * C);
          const ours = net.predict(x);
          const ref = refConv2d(x, cs.input, kernel, [KH, KW], D, bias, [SH, SW], cs.pads);
          expect(ref.shape).toEqual(net.outputShape);
          const truth = tf.tidy(() => tf.add(tf.conv2d(tf.tensor4d(x, [1, H, W, C]), tf.tensor4d(kernel, [KH, KW, C, D]), [SH, SW], 'same'), tf.tensor1d(bias)).dataSync().slice());
          const dRef = maxDiff(ours, ref.data);
          const dTf = maxDiff(ours, truth);
          if (dRef > TOL || dTf > TOL) throw new Error(`same padding ${JSON.stringify(cs)} oneHot=${oneHot}: max diff vs reference ${dRef}, vs tfjs ${dTf}`);
        }
      } finally {
        net.dispose();
      }
    }
  });

  test("avgpool 'same' divides by the cells inside the input at the borders (and maxpool ignores padding)", async () => {
    const shape = [5, 5, 3];
    const [H, W, C] = shape;
    const net = await createModel({
      input: shape,
      layers: [
        { type: 'avgpool2d', size: 3, stride: 2, padding: 'same' }, // 3×3, pads (1,1,1,1)
        { type: 'maxpool2d', size: [2, 3], stride: [1, 2], padding: 'same' },
      ],
    });
    try {
      expect(net.layers[0].outputShape).toEqual([3, 3, 3]);
      expect(net.layers[0].pads).toEqual([1, 1, 1, 1]);
      // A constant input stays constant: dividing by kh·kw at the border would give 4/9, 6/9.
      net.predict(new Float32Array(H * W * C).fill(2));
      for (const v of net.activations()[0].data) expect(v).toBeCloseTo(2, 6);

      // Hand-computed corner: top-left window covers rows 0–1, cols 0–1 → mean of 4 cells.
      const x = Float32Array.from({ length: H * W * C }, (_, i) => (i % C === 0 ? Math.floor(i / C) : -(i % 7) - 1));
      net.predict(x);
      const acts = net.activations();
      const avg = acts[0].data;
      expect(avg[0]).toBeCloseTo((0 + 1 + 5 + 6) / 4, 5); // channel 0, pixel (0,0): values are pixel indices
      expect(avg[(0 * 3 + 1) * C]).toBeCloseTo((1 + 2 + 3 + 6 + 7 + 8) / 6, 5); // (0,1): 2×3 cells
      expect(avg[(1 * 3 + 1) * C]).toBeCloseTo((6 + 7 + 8 + 11 + 12 + 13 + 16 + 17 + 18) / 9, 5); // centre: 9 cells
      expect(avg[(2 * 3 + 2) * C]).toBeCloseTo((18 + 19 + 23 + 24) / 4, 5); // bottom-right: 4 cells

      const refAvg = refPool('avg', x, shape, [3, 3], [2, 2], net.layers[0].pads, [3, 3]);
      const tfAvg = tf.tidy(() => tf.avgPool(tf.tensor4d(x, [1, ...shape]), 3, 2, 'same').dataSync().slice());
      expect(maxDiff(avg, refAvg)).toBeLessThanOrEqual(TOL);
      expect(maxDiff(tfAvg, refAvg)).toBeLessThanOrEqual(TOL); // tfjs agrees with TF's rule too

      // Max pool 'same' over all-negative values (channels 1, 2): padded zeros must never win.
      const mx = acts[1].data;
      const [OH, OW] = acts[1].shape;
      const refMax = refPool('max', avg, [3, 3, C], [2, 3], [1, 2], net.layers[1].pads, [OH, OW]);
      expect(maxDiff(mx, refMax)).toBeLessThanOrEqual(TOL);
      for (let p = 0; p < OH * OW; p++) for (let c = 1; c < C; c++) expect(mx[p * C + c]).toBeLessThan(0);
      const tfMax = tf.tidy(() => tf.maxPool(tf.tensor4d(avg, [1, 3, 3, C]), [2, 3], [1, 2], 'same').dataSync().slice());
      expect(maxDiff(mx, tfMax)).toBeLessThanOrEqual(TOL);
    } finally {
      net.dispose();
    }
  });

  test('softmax on a 3-D map is over the channels of each pixel (conv activation and standalone layer)', async () => {
    const shape = [3, 4, 2];
    const net = await createModel({
      input: shape,
      layers: [
        { type: 'conv2d', filters: 5, kernel: [2, 3], padding: 'same', activation: 'softmax' },
        { type: 'conv2d', filters: 4, kernel: 1 },
        { type: 'softmax' },
      ],
    });
    try {
      const r = new Rng(99);
      const w0 = r.floats(2 * 3 * 2 * 5, -2, 2);
      const b0 = r.floats(5, -1, 1);
      // Large weights on layer 1 so the standalone softmax sees logits in the hundreds:
      // without max-subtraction exp() would overflow to Infinity/NaN.
      const w1 = r.floats(5 * 4, -400, 400);
      const b1 = r.floats(4, -50, 50);
      net.setWeights(0, { kernel: w0, bias: b0 });
      net.setWeights(1, { kernel: w1, bias: b1 });
      const x = r.floats(3 * 4 * 2, -1, 1);
      net.predict(x);
      const acts = net.activations();
      const truth = [];
      tf.tidy(() => {
        const a0 = tf.softmax(tf.add(tf.conv2d(tf.tensor4d(x, [1, ...shape]), tf.tensor4d(w0, [2, 3, 2, 5]), 1, 'same'), tf.tensor1d(b0)));
        const a1 = tf.add(tf.conv2d(a0, tf.tensor4d(w1, [1, 1, 5, 4]), 1, 'valid'), tf.tensor1d(b1));
        const a2 = tf.softmax(a1);
        truth.push(a0.dataSync().slice(), a1.dataSync().slice(), a2.dataSync().slice());
      });
      for (const i of [0, 2]) {
        const { data, shape: s } = acts[i];
        const C = s[2];
        for (let p = 0; p < s[0] * s[1]; p++) {
          let sum = 0;
          for (let c = 0; c < C; c++) {
            expect(Number.isFinite(data[p * C + c])).toBe(true);
            sum += data[p * C + c];
          }
          expect(sum).toBeCloseTo(1, 5); // each pixel sums to 1 …
        }
        const total = data.reduce((a, v) => a + v, 0);
        expect(total).toBeCloseTo(s[0] * s[1], 3); // … so the map sums to h·w, not 1
      }
      expect(maxDiff(acts[0].data, truth[0])).toBeLessThanOrEqual(TOL);
      // Layer 1 has values in the hundreds: compare relative to magnitude.
      const rel = maxDiff(acts[1].data, truth[1]) / Math.max(1, ...Array.from(truth[1], Math.abs));
      expect(rel).toBeLessThanOrEqual(TOL);
      expect(maxDiff(acts[2].data, truth[2])).toBeLessThanOrEqual(TOL);
    } finally {
      net.dispose();
    }
  });

  test('explicit padding wider than the kernel (windows wholly in the padding give the bias)', async () => {
    const shape = [2, 3, 2];
    const net = await createModel({ input: shape, layers: [{ type: 'conv2d', filters: 2, kernel: [1, 2], stride: [2, 1], padding: 3 }] });
    try {
      const kernel = ramp(1 * 2 * 2 * 2, 0.7);
      const bias = Float32Array.from([0.5, -1.5]);
      net.setWeights(0, { kernel, bias });
      const x = ramp(2 * 3 * 2);
      const ours = net.predict(x);
      const ref = refConv2d(x, shape, kernel, [1, 2], 2, bias, [2, 1], [3, 3, 3, 3]);
      expect(net.outputShape).toEqual(ref.shape); // [(2+6−1)/2+1, (3+6−2)+1, 2] = [4, 8, 2]
      expect(maxDiff(ours, ref.data)).toBeLessThanOrEqual(TOL);
      expect(Array.from(ours.subarray(0, 2))).toEqual([0.5, -1.5]); // top-left: all padding
      const truth = tf.tidy(() => {
        const xp = tf.pad(tf.tensor4d(x, [1, ...shape]), [[0, 0], [3, 3], [3, 3], [0, 0]]);
        return tf.add(tf.conv2d(xp, tf.tensor4d(kernel, [1, 2, 2, 2]), [2, 1], 'valid'), tf.tensor1d(bias)).dataSync().slice();
      });
      expect(maxDiff(ours, truth)).toBeLessThanOrEqual(TOL);
    } finally {
      net.dispose();
    }
  });
});
