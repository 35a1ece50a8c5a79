// bench/zoo.js — the inference benchmark's model zoo (issue 12 §1): each model as a wasm-cnn
// layer list, its weights, its inputs and its work per image. bench/index.js is the harness;
// the peers get the same model from its resolved layers and weights (bench/tfjs-model.js for
// tfjs-layers, bench/onnx-model.js for onnxruntime-web).
//
//   lenet5     LeNet-5 (models/lenet5.json) with the MNIST weights of bench/lenet5-mnist.wcnn,
//              on MNIST test images
//   vgg        VGG-style CIFAR net, 32×32×3: conv 3×3 32 same, conv 3×3 32, maxpool 2,
//              conv 3×3 64 same, conv 3×3 64, maxpool 2, dense 512, dense 10 (ReLU)
//   mobilenet  MobileNet-v1-style, 96×96×3, width 0.25: conv 3×3/2, 13 depthwise-separable
//              blocks (depthwise 3×3 → batchnorm → ReLU6 → 1×1 conv → batchnorm → ReLU6),
//              global average pool, dense 10
//   resnet8    ResNet-8-style CIFAR net, 32×32×3: conv 3×3 16, three stages of one basic block
//              each (conv 3×3 → batchnorm → ReLU → conv 3×3 → batchnorm, + skip, ReLU) with 16,
//              32, 64 filters; stages 2 and 3 halve the size and their skips are 1×1 stride-2
//              projections (stage 1's is the identity: same shape), global average pool, dense 10
//
// Every model ends in softmax. The zoo's own weights are deterministic (mulberry32 from a
// seed per model): kernels He-uniform U(±√(6/fan-in)), biases U(±0.1); every batchnorm gets
// statistics calibrated on the model's own inputs (the moving mean and variance of what
// reaches it, perturbed by a few per cent) and gamma U(0.8, 1.2), beta U(±0.2), so the
// activations keep a trained network's scale through 27 batchnorms instead of exploding or
// vanishing, and every term of batchnorm (scale, shift, statistics) is exercised. Inputs are
// seeded uniform [0, 1) images (MNIST for LeNet-5).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { rng } from '../tests/fixtures.js'; // mulberry32, the tests' seeded PRNG
import { LENET, ROOT, mnistTestImages } from './lenet.js';

// ─── The definitions ─────────────────────────────────────────────────────────────────────

const conv3 = (filters, extra = {}) => ({ type: 'conv2d', filters, kernel: 3, activation: 'relu', ...extra });

/** conv (no bias: the batchnorm after it has the shift) → batchnorm with the activation. */
const convBn = (name, filters, kernel, stride, activation, extra = {}) => [
  { type: 'conv2d', name, filters, kernel, stride, padding: 'same', useBias: false, ...extra },
  { type: 'batchnorm', name: `${name}_bn`, activation },
];

function mobilenetLayers() {
  // [pointwise filters, depthwise stride] of MobileNet v1's 13 blocks, at width 0.25
  const blocks = [[16, 1], [32, 2], [32, 1], [64, 2], [64, 1], [128, 2], [128, 1], [128, 1], [128, 1], [128, 1], [128, 1], [256, 2], [256, 1]];
  const layers = [...convBn('conv1', 8, 3, 2, 'relu6')];
  blocks.forEach(([filters, stride], i) => {
    layers.push({ type: 'depthwiseconv2d', name: `dw${i + 1}`, kernel: 3, stride, padding: 'same', useBias: false },
      { type: 'batchnorm', name: `dw${i + 1}_bn`, activation: 'relu6' },
      ...convBn(`pw${i + 1}`, filters, 1, 1, 'relu6'));
  });
  layers.push({ type: 'globalavgpool2d', name: 'pool' }, { type: 'dense', name: 'fc', units: 10, activation: 'softmax' });
  return layers;
}

function resnet8Layers() {
  const layers = [...convBn('stem', 16, 3, 1, 'relu')];
  let from = 'stem_bn';
  [[16, 1], [32, 2], [64, 2]].forEach(([filters, stride], i) => {
    const s = `s${i + 1}`;
    layers.push(...convBn(`${s}a`, filters, 3, stride, 'relu', { inputs: [from] }), ...convBn(`${s}b`, filters, 3, 1, 'linear'));
    let skip = from;
    if (stride !== 1) {
      layers.push({ type: 'conv2d', name: `${s}proj`, filters, kernel: 1, stride, inputs: [from] });
      skip = `${s}proj`;
    }
    layers.push({ type: 'add', name: `${s}add`, inputs: [`${s}b_bn`, skip], activation: 'relu' });
    from = `${s}add`;
  });
  layers.push({ type: 'globalavgpool2d', name: 'pool' }, { type: 'dense', name: 'fc', units: 10, activation: 'softmax' });
  return layers;
}

/**
 * The zoo. engines: which of bench/engines.js's engines run the model (tfjs-cpu and convnetjs
 * take seconds per VGG batch, and convnetjs has no batchnorm: LeNet-5 only); pool: measured
 * at batch 256 against createPool (issue 12 §3).
 */
export const ZOO = [
  {
    key: 'lenet5', title: 'LeNet-5', input: [28, 28, 1], layers: LENET, pool: true,
    engines: ['wasm-cnn', 'tfjs-wasm', 'tfjs-cpu', 'ort-1t', 'ort-2t', 'convnetjs'],
    about: 'conv 5×5×6 same relu → maxpool 2 → conv 5×5×16 relu → maxpool 2 → flatten → dense 120 relu → 84 relu → 10 softmax; ' +
      'the MNIST-trained weights of bench/lenet5-mnist.wcnn; inputs: MNIST test images',
  },
  {
    key: 'vgg', title: 'VGG-style CIFAR net', input: [32, 32, 3], seed: 12, pool: true,
    layers: [conv3(32, { padding: 'same' }), conv3(32), { type: 'maxpool2d', size: 2 }, conv3(64, { padding: 'same' }), conv3(64),
      { type: 'maxpool2d', size: 2 }, { type: 'flatten' }, { type: 'dense', units: 512, activation: 'relu' }, { type: 'dense', units: 10, activation: 'softmax' }],
    engines: ['wasm-cnn', 'tfjs-wasm', 'ort-1t', 'ort-2t'],
    about: 'conv 3×3×32 same → conv 3×3×32 → maxpool 2 → conv 3×3×64 same → conv 3×3×64 → maxpool 2 → flatten → dense 512 → dense 10 softmax, ReLU after each conv and dense 512',
  },
  {
    key: 'mobilenet', title: 'MobileNet-v1-style, width 0.25', input: [96, 96, 3], seed: 13, layers: mobilenetLayers(),
    engines: ['wasm-cnn', 'tfjs-wasm', 'ort-1t', 'ort-2t'],
    about: 'conv 3×3/2 8 → 13 × (depthwise 3×3 [/2 in blocks 2, 4, 6, 12] → 1×1 conv 16 … 256), each conv without bias and followed by batchnorm + ReLU6 → global average pool → dense 10 softmax',
  },
  {
    key: 'resnet8', title: 'ResNet-8-style CIFAR net', input: [32, 32, 3], seed: 14, layers: resnet8Layers(),
    engines: ['wasm-cnn', 'tfjs-wasm', 'ort-1t', 'ort-2t'],
    about: 'conv 3×3 16 + batchnorm + ReLU → 3 basic blocks (conv 3×3 → batchnorm → ReLU → conv 3×3 → batchnorm, + skip, ReLU) of 16, 32/2, 64/2 filters; ' +
      'skips: identity in stage 1, 1×1 stride-2 conv projections in stages 2 and 3 → global average pool → dense 10 softmax',
  },
];

export const zooEntry = (key) => {
  const e = ZOO.find((m) => m.key === key);
  if (!e) throw new Error(`unknown zoo model '${key}'; models: ${ZOO.map((m) => m.key).join(', ')}`);
  return e;
};

export const LENET_WEIGHTS = join(ROOT, 'bench', 'lenet5-mnist.wcnn');
const LENET_PARAMS = 61706;

// ─── Inputs ──────────────────────────────────────────────────────────────────────────────

/** `count` input images of the model, HWC floats: MNIST test images, or seeded U[0, 1). */
export function zooImages(entry, count, seed = 1) {
  if (entry.key === 'lenet5') return mnistTestImages(count);
  const next = rng(seed * 7919 + entry.seed);
  return Float32Array.from({ length: count * entry.input.reduce((a, b) => a * b, 1) }, next);
}

/**
 * The correctness gate's inputs: `count` images, then for LeNet-5 `count` blends of two more
 * MNIST test images each (ambiguous digits: spread-out softmax outputs, so a small error in
 * any layer shows in the probabilities; on confident digits the softmax saturates and hides
 * it), for the others `count` more random images from another seed.
 */
export function gateImages(entry, count) {
  const size = entry.input.reduce((a, b) => a * b, 1);
  const out = new Float32Array(2 * count * size);
  if (entry.key !== 'lenet5') {
    out.set(zooImages(entry, count));
    out.set(zooImages(entry, count, 2), count * size);
    return out;
  }
  const pool = mnistTestImages(3 * count);
  out.set(pool.subarray(0, count * size));
  for (let i = 0; i < count; i++) {
    for (let j = 0; j < size; j++) out[(count + i) * size + j] = 0.5 * (pool[(count + 2 * i) * size + j] + pool[(count + 2 * i + 1) * size + j]);
  }
  return out;
}

// ─── Models ──────────────────────────────────────────────────────────────────────────────

/** LeNet-5 from bench/lenet5-mnist.wcnn; throws if the file is not models/lenet5.json's LeNet-5. */
async function lenet(api) {
  const net = await api.loadModel(readFileSync(LENET_WEIGHTS));
  const want = await api.createModel({ input: [28, 28, 1], layers: LENET, seed: 1 });
  const sig = (m) => JSON.stringify(m.layers.map((l) => [l.type, l.activation, l.outputShape, l.padding ?? null]));
  const same = sig(net) === sig(want) && net.paramCount === LENET_PARAMS && String(net.inputShape) === '28,28,1';
  const got = sig(net);
  want.dispose();
  if (!same) {
    net.dispose();
    throw new Error(`${LENET_WEIGHTS} is not the benchmark's LeNet-5 (models/lenet5.json): layers ${got}`);
  }
  return net;
}

/**
 * Seeded weights for every layer (see the header): kernels He-uniform, biases U(±0.1),
 * batchnorm gamma/beta random and its statistics calibrated, layer by layer in order, on
 * `calib` images: the mean and variance of what reaches it (its input layer's activations),
 * the mean shifted by U(±0.1)·σ and the variance scaled by U(0.8, 1.25).
 */
function seededWeights(net, entry, calib, n) {
  const next = rng(entry.seed);
  const u = (lo, hi) => lo + (hi - lo) * next();
  const fill = (len, f) => Float32Array.from({ length: len }, f);
  for (const l of net.layers) {
    const k = l.tensors.find((t) => t.name === 'kernel');
    if (!k) continue;
    // fan-in: every kernel axis but the last; a depthwise kernel [kh][kw][C][M] reads kh·kw
    const fanIn = (l.type === 'depthwiseconv2d' ? k.shape[0] * k.shape[1] : k.shape.slice(0, -1).reduce((a, b) => a * b, 1));
    const lim = Math.sqrt(6 / fanIn);
    const w = { kernel: fill(k.size, () => u(-lim, lim)) };
    if (l.useBias) w.bias = fill(l.outputShape.at(-1), () => u(-0.1, 0.1));
    net.setWeights(l.index, w);
  }
  const byName = new Map(net.layers.map((l) => [l.name, l]));
  for (const l of net.layers.filter((x) => x.type === 'batchnorm')) {
    const src = byName.get(l.inputs[0]);
    const c = l.outputShape.at(-1);
    const sum = new Float64Array(c);
    const sq = new Float64Array(c);
    let count = 0;
    net.predictBatch(calib, n, { batchSize: n });
    for (let i = 0; i < n; i++) {
      const a = net.activations(i).find((x) => x.name === src.name).data;
      for (let j = 0; j < a.length; j++) { sum[j % c] += a[j]; sq[j % c] += a[j] * a[j]; }
      count += a.length / c;
    }
    const mean = fill(c, (_, j) => sum[j] / count);
    const variance = fill(c, (_, j) => Math.max(1e-4, sq[j] / count - mean[j] * mean[j]));
    net.setWeights(l.index, {
      gamma: fill(c, () => u(0.8, 1.2)), beta: fill(c, () => u(-0.2, 0.2)),
      movingMean: mean.map((m, j) => m + u(-0.1, 0.1) * Math.sqrt(variance[j])), movingVariance: variance.map((v) => v * u(0.8, 1.25)),
    });
  }
}

/** The zoo model as a wasm-cnn Model (the caller disposes it). */
export async function zooModel(api, entry) {
  if (entry.key === 'lenet5') return lenet(api);
  const net = await api.createModel({ input: entry.input, layers: entry.layers, seed: entry.seed });
  net.setMetadata({ name: `bench zoo: ${entry.title}` });
  seededWeights(net, entry, zooImages(entry, 8, 3), 8);
  return net;
}

/**
 * What the peers are built from, as plain data (it crosses to worker threads): the model's
 * input shape, output size, resolved layers (model.layers: names, inputs, options, shapes)
 * and every layer's weights in Keras layouts (model.getWeights, null for layers without).
 */
export function modelSpec(net, entry) {
  return {
    key: entry.key, title: entry.title, inputShape: [...net.inputShape], outputSize: net.outputShape.reduce((a, b) => a * b, 1),
    layers: net.layers, weights: net.layers.map((l) => (l.tensors.length ? net.getWeights(l.index) : null)),
    paramCount: net.paramCount,
  };
}

/**
 * FLOPs per image of each layer, from its shapes: 2 per multiply-accumulate of conv2d
 * (out_h·out_w·filters·kh·kw·in_c/groups), depthwiseconv2d (out_h·out_w·C·M·kh·kw) and dense
 * (in·units). Biases, batchnorm, activations, pooling, adds and softmax are not counted (the
 * usual convention: they are a few flops per value, and memory-bound).
 */
export function layerFlops(layers) {
  return layers.map((l) => {
    let flops = 0;
    if (l.type === 'conv2d') {
      const [oh, ow, oc] = l.outputShape;
      flops = 2 * oh * ow * oc * l.kernel[0] * l.kernel[1] * (l.inputShape[2] / (l.groups ?? 1));
    } else if (l.type === 'depthwiseconv2d') {
      const [oh, ow, oc] = l.outputShape;
      flops = 2 * oh * ow * oc * l.kernel[0] * l.kernel[1];
    } else if (l.type === 'dense') {
      flops = 2 * l.inputShape[0] * l.outputShape[0];
    }
    return { name: l.name, type: l.type, flops };
  });
}
