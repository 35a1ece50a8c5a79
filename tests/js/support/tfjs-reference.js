// tfjs-reference.js — reference implementations of the new layers (conv2d with dilation,
// groups, useBias and explicit asymmetric pads; depthwiseconv2d; max/avg pooling with every
// padding form, ceilMode, countIncludePad and dilation; zeropad2d; batchnorm; dropout; the new
// activations) for tests/js/layers-tfjs.test.js.
//
// Two independent references for each layer:
//  * tfjs-core 4.22 ops (NHWC, cpu backend), differentiable, so tf.grads gives the gradients
//    of any scalar loss with respect to the input and every weight tensor;
//  * plain JavaScript loops in float64 (forward and backward), used by the self-checks to
//    show that the tfjs construction is right where tfjs has no op of its own.
//
// Where tfjs 4.22 cannot express a layer directly (every workaround is checked against the
// plain-JavaScript loops and, where tfjs has a direct op, against that op):
//  * explicit (and asymmetric) padding: tf.pad, then a 'valid' op. tf.conv2d(x, w, s, <number>)
//    is not used (tfjs computes numeric-pad output shapes with the kernel and stride *height*
//    on both axes; see tfjs-agreement.test.js).
//  * dilation: tf.conv2d / tf.depthwiseConv2d accept dilations only with stride 1, and their
//    gradients (gradients/Conv2D_grad.js, gradients/DepthwiseConv2dNative_grad.js) assert
//    "dilation rates greater than 1 are not yet supported". So the dilated kernel is built
//    explicitly — zeros inserted between the taps with reshape + tf.pad + tf.slice, all of
//    them differentiable — and convolved with dilation 1 at any stride.
//  * groups: tf.split of the input channels and of the kernel's output axis, one conv per
//    group, tf.concat.
//  * pooling: tf.maxPool/tf.avgPool know 'valid'/'same' only, no ceilMode, no
//    countIncludePad, no dilation at stride > 1 (tf.pool: "dilations > 1 and strides > 1"
//    unsupported), and tfjs 4.22's AvgPool gradient is wrong at the borders of 'same' windows
//    (tfjs-training.test.js). Pooling is therefore written as "taps": the input padded (−∞ for
//    max, 0 for avg) and, for every kernel tap (ky, kx), the strided cells it sees picked with
//    tf.gather (tfjs has no StridedSlice gradient; GatherV2 has one); max/sum over the stacked
//    taps; the average divides by a per-window count computed in plain JavaScript.
//  * gelu: tfjs-core has no gelu op; written as 0.5·x·(1 + erf(x/√2)) with tf.erf (the same
//    expression as tfjs-layers' 'gelu' activation, activations.js class Gelu).
//  * leakyrelu: tf.leakyRelu's default alpha is 0.2 (ops/leaky_relu.js); the API's default is
//    Keras' 0.3, so alpha is always passed explicitly.
//  * elu with alpha ≠ 1: tf.elu has no alpha; written as relu(x) + α·expm1(−relu(−x)) (tfjs has no
//    gradient for tf.greater, so tf.where(x > 0, …) cannot be differentiated).
//  * batchnorm in training: the formulas of tfjs-layers 4.22 (layers/normalization.js), written
//    with tfjs-core ops so that center: false / scale: false can be trained too (tfjs-layers
//    4.22 crashes on those, see the test file).

import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
// tfjs-core 4.x registers no gradients by itself; tfjs-layers' node build registers
// tfjs-core's gradient configs when imported (see tfjs-training.test.js). It is also the
// BatchNormalization truth for training.
import * as tfl from '@tensorflow/tfjs-layers';

export { tf, tfl };

// ─── Layer definitions → resolved descriptions ───────────────────────────────────────────

/** Activation names usable as a layer's `activation` and as standalone layer types. */
export const ACTIVATION_NAMES = [
  'linear', 'relu', 'sigmoid', 'tanh', 'softmax',
  'leakyrelu', 'relu6', 'elu', 'selu', 'gelu', 'swish', 'silu', 'hardsigmoid', 'hardswish', 'softplus',
];

export const pairOf = (v, dflt) => (v === undefined ? [dflt, dflt] : Array.isArray(v) ? [...v] : [v, v]);

/** [before, after] padding for TensorFlow's 'same' along one axis (the odd pixel after). */
export function samePads(n, ek, s) {
  const total = Math.max((Math.ceil(n / s) - 1) * s + ek - n, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

/**
 * A `padding` option → [top, bottom, left, right]. Forms: 'valid' (or undefined), 'same'
 * (TensorFlow's rule with the effective, dilated kernel), a number, [h, w] (symmetric per
 * axis), [top, bottom, left, right].
 */
export function resolvePads(padding, [h, w], [ekh, ekw], [sh, sw]) {
  if (padding === undefined || padding === 'valid') return [0, 0, 0, 0];
  if (padding === 'same') return [...samePads(h, ekh, sh), ...samePads(w, ekw, sw)];
  if (typeof padding === 'number') return [padding, padding, padding, padding];
  if (Array.isArray(padding) && padding.length === 2) return [padding[0], padding[0], padding[1], padding[1]];
  if (Array.isArray(padding) && padding.length === 4) return [...padding];
  throw new Error(`bad padding ${JSON.stringify(padding)}`);
}

/**
 * Output size along one axis: floor((n + pb + pa − ek) / s) + 1, or with ceilMode PyTorch's
 * rule: ceil instead of floor, then one less if the last window would start at or beyond
 * n + pb (it must start inside the input or the leading padding).
 */
export function outDim(n, pb, pa, ek, s, ceilMode = false) {
  const span = n + pb + pa - ek;
  if (span < 0) return 0;
  let o = (ceilMode ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
  if (ceilMode && (o - 1) * s >= n + pb) o--;
  return o;
}

function resolveActivation(l, name) {
  let a = name ?? 'linear';
  if (a === 'silu') a = 'swish';
  const act = { name: a };
  if (a === 'leakyrelu') act.alpha = l.alpha ?? 0.3;
  if (a === 'elu') act.alpha = l.alpha ?? 1;
  if (a === 'hardsigmoid') { act.alpha = l.alpha ?? 1 / 6; act.beta = l.beta ?? 0.5; }
  return act;
}

/**
 * Resolves one layer object (the API's options and defaults) on an input shape.
 * Returns { type, act, inShape, outShape, … } or throws for an invalid definition (used by
 * the case generators to stay valid; the engine's own messages are tested separately).
 */
export function resolveLayer(l, inShape) {
  let { type } = l;
  let actName = l.activation;
  if (ACTIVATION_NAMES.includes(type)) { actName = type; type = 'activation'; }
  const d = { type, act: resolveActivation(l, actName), inShape: [...inShape] };
  const spatial = inShape.length === 3;
  const [h, w, c] = spatial ? inShape : [1, 1, inShape[0]];
  const windowed = (kernel, stride, dilation, padding, ceilMode) => {
    if (!spatial) throw new Error(`${type} needs an (h, w, c) input`);
    d.kernel = pairOf(kernel);
    d.stride = stride;
    d.dilation = pairOf(dilation, 1);
    d.ek = [(d.kernel[0] - 1) * d.dilation[0] + 1, (d.kernel[1] - 1) * d.dilation[1] + 1];
    d.pads = resolvePads(padding, [h, w], d.ek, d.stride);
    if (d.pads.some((p) => !(Number.isInteger(p) && p >= 0))) throw new Error('negative padding');
    d.ceilMode = !!ceilMode;
    const oh = outDim(h, d.pads[0], d.pads[1], d.ek[0], d.stride[0], d.ceilMode);
    const ow = outDim(w, d.pads[2], d.pads[3], d.ek[1], d.stride[1], d.ceilMode);
    if (oh < 1 || ow < 1) throw new Error('window larger than the padded input');
    return [oh, ow];
  };
  switch (type) {
    case 'conv2d': {
      d.groups = l.groups ?? 1;
      d.filters = l.filters;
      d.useBias = l.useBias ?? true;
      if (c % d.groups || d.filters % d.groups) throw new Error('groups must divide channels and filters');
      const [oh, ow] = windowed(l.kernel, pairOf(l.stride, 1), l.dilation, l.padding, false);
      d.kernelShape = [d.kernel[0], d.kernel[1], c / d.groups, d.filters];
      d.outShape = [oh, ow, d.filters];
      break;
    }
    case 'depthwiseconv2d': {
      d.multiplier = l.depthMultiplier ?? 1;
      d.useBias = l.useBias ?? true;
      const [oh, ow] = windowed(l.kernel, pairOf(l.stride, 1), l.dilation, l.padding, false);
      d.kernelShape = [d.kernel[0], d.kernel[1], c, d.multiplier];
      d.outShape = [oh, ow, c * d.multiplier];
      break;
    }
    case 'maxpool2d':
    case 'avgpool2d': {
      const size = pairOf(l.size);
      d.countIncludePad = !!l.countIncludePad;
      const [oh, ow] = windowed(size, l.stride === undefined ? [...size] : pairOf(l.stride), type === 'maxpool2d' ? l.dilation : 1, l.padding, l.ceilMode);
      d.outShape = [oh, ow, c];
      d.counts = windowCounts(d, [h, w], [oh, ow]);
      if (d.counts.some((k) => k === 0)) throw new Error('a pooling window has no cell inside the input');
      break;
    }
    case 'zeropad2d': {
      if (!spatial) throw new Error('zeropad2d needs an (h, w, c) input');
      d.pads = resolvePads(l.padding, [h, w], [1, 1], [1, 1]);
      d.outShape = [h + d.pads[0] + d.pads[1], w + d.pads[2] + d.pads[3], c];
      break;
    }
    case 'batchnorm':
      d.epsilon = l.epsilon ?? 1e-3;
      d.momentum = l.momentum ?? 0.99;
      d.center = l.center ?? true;
      d.scale = l.scale ?? true;
      d.channels = inShape[inShape.length - 1];
      d.outShape = [...inShape];
      break;
    case 'dropout':
      d.rate = l.rate;
      d.outShape = [...inShape];
      break;
    case 'dense':
      if (spatial) throw new Error('dense needs a vector input');
      d.units = l.units;
      d.kernelShape = [inShape[0], l.units];
      d.outShape = [l.units];
      break;
    case 'flatten':
      d.outShape = [inShape.reduce((a, b) => a * b, 1)];
      break;
    case 'globalavgpool2d':
    case 'globalmaxpool2d':
      d.outShape = [c];
      break;
    case 'activation':
      d.outShape = [...inShape];
      break;
    default:
      throw new Error(`unknown layer type ${type}`);
  }
  return d;
}

export function resolveModel(input, layers) {
  let shape = input;
  return layers.map((l) => {
    const d = resolveLayer(l, shape);
    shape = d.outShape;
    return d;
  });
}

/** Trainable tensor names of a resolved layer, in the order used by the references. */
export function paramNames(d) {
  switch (d.type) {
    case 'conv2d':
    case 'depthwiseconv2d':
      return d.useBias ? ['kernel', 'bias'] : ['kernel'];
    case 'dense':
      return ['kernel', 'bias'];
    case 'batchnorm':
      return [...(d.scale ? ['gamma'] : []), ...(d.center ? ['beta'] : [])];
    default:
      return [];
  }
}

export function paramShape(d, name) {
  if (name === 'kernel') return d.kernelShape;
  if (name === 'bias') return [d.outShape[d.outShape.length - 1]];
  return [d.channels]; // gamma, beta, movingMean, movingVariance
}

/**
 * Per pooling window (oh × ow), the divisor of an average / the number of cells a max sees:
 * cells inside the input; with countIncludePad, cells inside the explicitly padded input
 * (PyTorch's avg_pool2d: the ceilMode overhang beyond the padding is never counted).
 */
export function windowCounts(d, [H, W], [OH, OW]) {
  const counts = new Float64Array(OH * OW);
  const axis = (o, s, pb, pa, k, dil, n, includePad) => {
    let m = 0;
    for (let t = 0; t < k; t++) {
      const i = o * s - pb + t * dil;
      if (includePad ? i < n + pa : i >= 0 && i < n) m++;
    }
    return m;
  };
  const inc = d.type === 'avgpool2d' && d.countIncludePad;
  for (let y = 0; y < OH; y++) {
    for (let x = 0; x < OW; x++) {
      counts[y * OW + x] = axis(y, d.stride[0], d.pads[0], d.pads[1], d.kernel[0], d.dilation[0], H, inc) *
        axis(x, d.stride[1], d.pads[2], d.pads[3], d.kernel[1], d.dilation[1], W, inc);
    }
  }
  // Windows with no cell inside the input (all padding) are reported as 0 even with
  // countIncludePad, so that generators can reject them.
  if (inc) {
    const inside = windowCounts({ ...d, countIncludePad: false }, [H, W], [OH, OW]);
    inside.forEach((v, i) => { if (v === 0) counts[i] = 0; });
  }
  return counts;
}

// ─── tfjs-core references (differentiable) ───────────────────────────────────────────────

const padNHWC = (x, [t, b, l, r], value = 0) => tf.pad(x, [[0, 0], [t, b], [l, r], [0, 0]], value);

/**
 * Inserts dilation − 1 zeros between the taps of a [kh, kw, a, b] kernel (conv HWIO or
 * depthwise [kh][kw][in][mult]): [(kh−1)·dh+1, (kw−1)·dw+1, a, b]. Differentiable.
 */
export function dilateKernel(k, [dh, dw]) {
  let [kh, kw, a, b] = k.shape;
  let out = k;
  if (dh > 1) {
    out = tf.reshape(out, [kh, 1, kw * a * b]);
    out = tf.pad(out, [[0, 0], [0, dh - 1], [0, 0]]);
    out = tf.reshape(out, [kh * dh, kw, a, b]);
    kh = (kh - 1) * dh + 1;
    out = tf.slice(out, [0, 0, 0, 0], [kh, kw, a, b]);
  }
  if (dw > 1) {
    out = tf.reshape(out, [kh, kw, 1, a * b]);
    out = tf.pad(out, [[0, 0], [0, 0], [0, dw - 1], [0, 0]]);
    out = tf.reshape(out, [kh, kw * dw, a, b]);
    kw = (kw - 1) * dw + 1;
    out = tf.slice(out, [0, 0, 0, 0], [kh, kw, a, b]);
  }
  return out;
}

/** conv2d: explicit pads, dilation (zero-inserted kernel), groups (split/concat), bias or not. */
export function conv2dT(x, d, kernel, bias) {
  const xp = padNHWC(x, d.pads);
  const k = dilateKernel(kernel, d.dilation);
  let y;
  if (d.groups === 1) {
    y = tf.conv2d(xp, k, d.stride, 'valid');
  } else {
    const xs = tf.split(xp, d.groups, 3);
    const ks = tf.split(k, d.groups, 3);
    y = tf.concat(xs.map((xi, g) => tf.conv2d(xi, ks[g], d.stride, 'valid')), 3);
  }
  return bias ? tf.add(y, bias) : y;
}

/** depthwiseconv2d: tf.depthwiseConv2d (output channel c·multiplier + m) on the padded input. */
export function depthwiseT(x, d, kernel, bias) {
  const y = tf.depthwiseConv2d(padNHWC(x, d.pads), dilateKernel(kernel, d.dilation), d.stride, 'valid');
  return bias ? tf.add(y, bias) : y;
}

/** Max/avg pooling as stacked taps (see the header). */
export function poolT(x, d) {
  const [, H, W] = x.shape;
  const [oh, ow] = d.outShape;
  const [pt, pb, pl, pr] = d.pads;
  const [sh, sw] = d.stride;
  const [dh, dw] = d.dilation;
  const [kh, kw] = d.kernel;
  // extra cells for the ceilMode overhang (never counted, never the max)
  const extraB = Math.max(0, (oh - 1) * sh + d.ek[0] - (H + pt + pb));
  const extraR = Math.max(0, (ow - 1) * sw + d.ek[1] - (W + pl + pr));
  const max = d.type === 'maxpool2d';
  const xp = padNHWC(x, [pt, pb + extraB, pl, pr + extraR], max ? -Infinity : 0);
  const taps = [];
  for (let ky = 0; ky < kh; ky++) {
    const rows = tf.tensor1d(Int32Array.from({ length: oh }, (_, i) => ky * dh + i * sh), 'int32');
    const xr = tf.gather(xp, rows, 1);
    for (let kx = 0; kx < kw; kx++) {
      const cols = tf.tensor1d(Int32Array.from({ length: ow }, (_, i) => kx * dw + i * sw), 'int32');
      taps.push(tf.gather(xr, cols, 2));
    }
  }
  const stacked = tf.stack(taps, 0);
  if (max) return tf.max(stacked, 0);
  return tf.div(tf.sum(stacked, 0), tf.tensor4d(Float32Array.from(d.counts), [1, oh, ow, 1]));
}

export const SELU_ALPHA = 1.6732632423543772848170429916717;
export const SELU_SCALE = 1.0507009873554804934193349852946;

/** An activation (resolved: { name, alpha?, beta? }) in tfjs ops. */
export function activationT(x, a) {
  switch (a.name) {
    case 'linear': return x;
    case 'relu': return tf.relu(x);
    case 'sigmoid': return tf.sigmoid(x);
    case 'tanh': return tf.tanh(x);
    case 'softmax': return tf.softmax(x);
    case 'leakyrelu': return tf.leakyRelu(x, a.alpha); // tfjs's own default would be 0.2
    case 'relu6': return tf.relu6(x);
    // elu with any alpha: relu(x) + α·expm1(−relu(−x)) (tf.where would need a Greater gradient)
    case 'elu': return a.alpha === 1 ? tf.elu(x) : tf.add(tf.relu(x), tf.mul(a.alpha, tf.expm1(tf.neg(tf.relu(tf.neg(x))))));
    case 'selu': return tf.selu(x);
    case 'gelu': return tf.mul(tf.mul(0.5, x), tf.add(1, tf.erf(tf.div(x, Math.SQRT2))));
    case 'swish': return tf.mul(x, tf.sigmoid(x));
    case 'hardsigmoid': return tf.clipByValue(tf.add(tf.mul(a.alpha, x), a.beta), 0, 1);
    case 'hardswish': return tf.div(tf.mul(x, tf.relu6(tf.add(x, 3))), 6);
    case 'softplus': return tf.softplus(x);
    default: throw new Error(`unknown activation ${a.name}`);
  }
}

/** Batch-norm with given statistics over the last axis: (x − μ)/√(σ² + ε)·γ + β. */
export function batchnormT(x, mean, variance, gamma, beta, epsilon) {
  let y = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, epsilon)));
  if (gamma) y = tf.mul(y, gamma);
  if (beta) y = tf.add(y, beta);
  return y;
}

/**
 * The model's forward pass in tfjs ops. `p[i]` holds layer i's tensors by name (kernel,
 * bias, gamma, beta, movingMean, movingVariance). Returns every layer's output.
 * training: batchnorm uses the batch statistics (tfjs-layers: tf.moments over every axis but
 * the last, i.e. the *biased* variance; output tf.batchNorm) and pushes
 * { layer, mean, variance } (Float32Arrays) to `stats`; dropout is identity in both modes
 * (training with dropout is not compared against tfjs).
 */
export function forwardT(descs, p, x, { training = false, stats = null } = {}) {
  const outs = [];
  let t = x;
  descs.forEach((d, i) => {
    const w = p[i] || {};
    switch (d.type) {
      case 'conv2d': t = conv2dT(t, d, w.kernel, w.bias); break;
      case 'depthwiseconv2d': t = depthwiseT(t, d, w.kernel, w.bias); break;
      case 'maxpool2d':
      case 'avgpool2d': t = poolT(t, d); break;
      case 'zeropad2d': t = padNHWC(t, d.pads); break;
      case 'batchnorm':
        if (training) {
          const axes = Array.from({ length: t.rank - 1 }, (_, k) => k);
          const { mean, variance } = tf.moments(t, axes);
          if (stats) stats.push({ layer: i, mean: mean.dataSync().slice(), variance: variance.dataSync().slice() });
          // γ = 1 / β = 0 constants when scale / center is false: tf.batchNorm without a
          // scale or an offset cannot be differentiated in tfjs 4.22 (the tape meets the
          // undefined input: "Cannot read properties of undefined (reading 'dataId')" for a
          // missing scale, "… (reading 'id')" for a missing offset).
          t = tf.batchNorm(t, mean, variance, w.beta ?? tf.zerosLike(mean), w.gamma ?? tf.onesLike(mean), d.epsilon);
        } else {
          t = batchnormT(t, w.movingMean, w.movingVariance, w.gamma, w.beta, d.epsilon);
        }
        break;
      case 'dropout': break;
      case 'dense': t = tf.add(tf.matMul(t, w.kernel), w.bias); break;
      case 'flatten': t = tf.reshape(t, [t.shape[0], -1]); break;
      case 'globalavgpool2d': t = tf.mean(t, [1, 2]); break;
      case 'globalmaxpool2d': t = tf.max(t, [1, 2]); break;
      case 'activation': break;
      default: throw new Error(`unknown layer type ${d.type}`);
    }
    t = activationT(t, d.act);
    outs.push(t);
  });
  return outs;
}

/** mse as the engine defines it: mean over images and outputs of (y − t)². */
export const mseT = (y, target) => tf.mean(tf.square(tf.sub(tf.reshape(y, target.shape), target)));

/**
 * The reference for one model and batch: every layer's output (Float32Array, n·size,
 * image-major), the mse loss against `target` (n × outputs) and its gradients with respect to
 * the input and every trainable tensor ({ loss, input, layers: [{ kernel, bias } | { gamma,
 * beta } | null] }), like the API's gradients(). weights[i]: the API's getWeights layout
 * (Float32Arrays; bias/gamma/beta null or absent when the layer has none).
 */
export function referenceRun(input, descs, weights, xData, n, target, { training = false } = {}) {
  return tf.tidy(() => {
    const x = tf.tensor4d(xData, [n, ...input]);
    const consts = descs.map((d, i) => {
      const w = weights[i];
      if (!w) return {};
      const o = {};
      for (const name of ['kernel', 'bias', 'gamma', 'beta', 'movingMean', 'movingVariance']) {
        if (w[name] != null) o[name] = tf.tensor(w[name], paramShape(d, name));
      }
      return o;
    });
    const names = descs.map((d, i) => paramNames(d).filter((nm) => consts[i][nm]));
    const flat = [];
    descs.forEach((d, i) => names[i].forEach((nm) => flat.push([i, nm])));
    const tTarget = target ? tf.tensor2d(target, [n, target.length / n]) : null;
    const outs = forwardT(descs, consts, x, { training });
    const acts = outs.map((o) => ({ shape: o.shape.slice(1), data: o.dataSync().slice() }));
    if (!tTarget) return { acts };
    const lossOf = (xx, ...ps) => {
      const p = consts.map((c) => ({ ...c }));
      flat.forEach(([i, nm], k) => { p[i][nm] = ps[k]; });
      const o = forwardT(descs, p, xx, { training });
      return mseT(o[o.length - 1], tTarget);
    };
    const loss = lossOf(x, ...flat.map(([i, nm]) => consts[i][nm])).dataSync()[0];
    const grads = tf.grads(lossOf)([x, ...flat.map(([i, nm]) => consts[i][nm])]);
    const layers = descs.map((d) => (paramNames(d).length ? {} : null));
    flat.forEach(([i, nm], k) => { layers[i][nm] = grads[k + 1].dataSync().slice(); });
    return { acts, loss, input: grads[0].dataSync().slice(), layers };
  });
}

// ─── Plain-JavaScript references (float64 loops, forward and backward) ───────────────────

/**
 * Grouped, dilated, strided conv2d with explicit pads, NHWC / HWIO [kh][kw][c/g][f], n images.
 * Returns { y, backward(dy) → { dx, dk, db } } (Float64Arrays). Depthwise conv with
 * multiplier m is this with groups = c and f = c·m on the same kernel array.
 */
export function convJS(x, n, d, kernel, bias) {
  const [H, W, C] = d.inShape;
  const [OH, OW, F] = d.outShape;
  const [KH, KW] = d.kernel;
  const [SH, SW] = d.stride;
  const [DH, DW] = d.dilation;
  const [PT, , PL] = d.pads;
  const G = d.groups ?? C; // depthwise: groups = channels
  const CG = C / G;
  const FG = F / G;
  const visit = (fn) => {
    for (let b = 0; b < n; b++) {
      for (let oy = 0; oy < OH; oy++) {
        for (let ox = 0; ox < OW; ox++) {
          for (let f = 0; f < F; f++) {
            const o = ((b * OH + oy) * OW + ox) * F + f;
            const g = Math.floor(f / FG);
            for (let ky = 0; ky < KH; ky++) {
              const iy = oy * SH - PT + ky * DH;
              if (iy < 0 || iy >= H) continue;
              for (let kx = 0; kx < KW; kx++) {
                const ix = ox * SW - PL + kx * DW;
                if (ix < 0 || ix >= W) continue;
                for (let ci = 0; ci < CG; ci++) {
                  fn(o, ((b * H + iy) * W + ix) * C + g * CG + ci, ((ky * KW + kx) * CG + ci) * F + f, f);
                }
              }
            }
          }
        }
      }
    }
  };
  const y = new Float64Array(n * OH * OW * F);
  for (let o = 0; o < y.length; o++) y[o] = bias ? bias[o % F] : 0;
  visit((o, xi, ki) => { y[o] += x[xi] * kernel[ki]; });
  const backward = (dy) => {
    const dx = new Float64Array(x.length);
    const dk = new Float64Array(kernel.length);
    const db = new Float64Array(F);
    for (let o = 0; o < dy.length; o++) db[o % F] += dy[o];
    visit((o, xi, ki) => { dx[xi] += dy[o] * kernel[ki]; dk[ki] += dy[o] * x[xi]; });
    return { dx, dk, db };
  };
  return { y, backward };
}

/** Max/avg pooling (pads, ceilMode, dilation, countIncludePad), n images; y and backward(dy). */
export function poolJS(x, n, d) {
  const [H, W, C] = d.inShape;
  const [OH, OW] = d.outShape;
  const max = d.type === 'maxpool2d';
  const y = new Float64Array(n * OH * OW * C);
  const argmax = new Int32Array(y.length);
  const cells = [];
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < OH; oy++) {
      for (let ox = 0; ox < OW; ox++) {
        for (let c = 0; c < C; c++) {
          const o = ((b * OH + oy) * OW + ox) * C + c;
          const list = [];
          for (let ky = 0; ky < d.kernel[0]; ky++) {
            const iy = oy * d.stride[0] - d.pads[0] + ky * d.dilation[0];
            if (iy < 0 || iy >= H) continue;
            for (let kx = 0; kx < d.kernel[1]; kx++) {
              const ix = ox * d.stride[1] - d.pads[2] + kx * d.dilation[1];
              if (ix < 0 || ix >= W) continue;
              list.push(((b * H + iy) * W + ix) * C + c);
            }
          }
          cells[o] = list;
          if (max) {
            let best = list[0];
            for (const i of list) if (x[i] > x[best]) best = i;
            y[o] = x[best];
            argmax[o] = best;
          } else {
            let s = 0;
            for (const i of list) s += x[i];
            y[o] = s / d.counts[oy * OW + ox];
          }
        }
      }
    }
  }
  const backward = (dy) => {
    const dx = new Float64Array(x.length);
    for (let o = 0; o < y.length; o++) {
      if (max) dx[argmax[o]] += dy[o];
      else for (const i of cells[o]) dx[i] += dy[o] / d.counts[Math.floor(o / C) % (OH * OW)];
    }
    return { dx };
  };
  return { y, backward };
}

/** erf in float64 (Abramowitz–Stegun 7.1.26 is what tfjs uses; this is a series/continued fraction, ~1e-15). */
export function erf64(x) {
  const ax = Math.abs(x);
  let r;
  if (ax < 3) { // Taylor series
    let term = ax;
    let sum = ax;
    for (let k = 1; k < 200; k++) {
      term *= -ax * ax / k;
      const add = term / (2 * k + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    r = (2 / Math.sqrt(Math.PI)) * sum;
  } else { // erfc continued fraction (Lentz)
    let f = ax;
    let C = ax;
    let D = 0;
    for (let k = 1; k < 300; k++) {
      const a = k / 2;
      D = ax + a * D;
      D = 1 / D;
      C = ax + a / C;
      const delta = C * D;
      f *= delta;
      if (Math.abs(delta - 1) < 1e-16) break;
    }
    r = 1 - Math.exp(-ax * ax) / (f * Math.sqrt(Math.PI));
  }
  return x < 0 ? -r : r;
}

/** Scalar activation and its derivative in float64 (the definitions the API names). */
export function activationJS(a, x) {
  const sig = (v) => 1 / (1 + Math.exp(-v));
  switch (a.name) {
    case 'leakyrelu': return x > 0 ? [x, 1] : [a.alpha * x, a.alpha];
    case 'relu6': return [Math.min(Math.max(x, 0), 6), x > 0 && x < 6 ? 1 : 0];
    case 'elu': return x > 0 ? [x, 1] : [a.alpha * Math.expm1(x), a.alpha * Math.exp(x)];
    case 'selu': return x > 0 ? [SELU_SCALE * x, SELU_SCALE] : [SELU_SCALE * SELU_ALPHA * Math.expm1(x), SELU_SCALE * SELU_ALPHA * Math.exp(x)];
    case 'gelu': {
      const cdf = 0.5 * (1 + erf64(x / Math.SQRT2));
      return [x * cdf, cdf + x * Math.exp(-x * x / 2) / Math.sqrt(2 * Math.PI)];
    }
    case 'swish': return [x * sig(x), sig(x) + x * sig(x) * (1 - sig(x))];
    case 'hardsigmoid': {
      const v = a.alpha * x + a.beta;
      return [Math.min(Math.max(v, 0), 1), v > 0 && v < 1 ? a.alpha : 0];
    }
    case 'hardswish': {
      const r6 = Math.min(Math.max(x + 3, 0), 6);
      return [x * r6 / 6, r6 / 6 + (x > -3 && x < 3 ? x / 6 : 0)];
    }
    case 'softplus': return [Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x))), sig(x)];
    default: throw new Error(`no scalar reference for ${a.name}`);
  }
}

/**
 * Batch-norm in training over the last axis, plain JavaScript: forward with the biased batch
 * variance and the textbook backward dx = γ/σ·(dy − mean(dy) − x̂·mean(dy·x̂)).
 */
export function batchnormTrainJS(x, C, gamma, beta, eps) {
  const m = x.length / C;
  const mean = new Float64Array(C);
  const vari = new Float64Array(C);
  for (let i = 0; i < x.length; i++) mean[i % C] += x[i] / m;
  for (let i = 0; i < x.length; i++) vari[i % C] += (x[i] - mean[i % C]) ** 2 / m;
  const xhat = Float64Array.from(x, (v, i) => (v - mean[i % C]) / Math.sqrt(vari[i % C] + eps));
  const g = (c) => (gamma ? gamma[c] : 1);
  const y = Float64Array.from(xhat, (v, i) => g(i % C) * v + (beta ? beta[i % C] : 0));
  const backward = (dy) => {
    const sdy = new Float64Array(C);
    const sdyx = new Float64Array(C);
    for (let i = 0; i < x.length; i++) { sdy[i % C] += dy[i]; sdyx[i % C] += dy[i] * xhat[i]; }
    const dx = Float64Array.from(x, (_, i) => {
      const c = i % C;
      return g(c) / Math.sqrt(vari[c] + eps) * (dy[i] - sdy[c] / m - xhat[i] * sdyx[c] / m);
    });
    return { dx, dgamma: sdyx, dbeta: sdy };
  };
  return { y, mean, variance: vari, backward };
}

// ─── Training references for batchnorm (SGD, mse) ────────────────────────────────────────

/**
 * The model in tfjs-layers 4.22 (tf.sequential), for the layer types the batchnorm training
 * tests use: conv2d (groups 1, dilation 1, 'valid'/'same'), batchnorm, flatten, dense,
 * globalavgpool2d and activations tfjs-layers spells the same way. Weights from `weights`
 * (the API's getWeights layout); compiled with tf.train.sgd(lr) and 'meanSquaredError'
 * (mean over the last axis, then over the batch: the mean over everything, as ours).
 */
export function tflModel(input, layers, descs, weights, lr) {
  const TFL_ACT = { relu: 'relu', tanh: 'tanh', sigmoid: 'sigmoid', elu: 'elu', selu: 'selu', relu6: 'relu6', softplus: 'softplus', gelu: 'gelu' };
  const model = tfl.sequential();
  const withShape = (cfg) => (model.layers.length === 0 ? { ...cfg, inputShape: input } : cfg);
  const owners = []; // [our layer index, tfjs-layers layer]
  layers.forEach((l, i) => {
    const d = descs[i];
    let layer;
    switch (d.type) {
      case 'conv2d':
        if (d.groups !== 1 || d.dilation.some((v) => v !== 1) || (l.padding ?? 'valid') !== 'valid' && l.padding !== 'same') throw new Error('tflModel: plain conv2d only');
        layer = tfl.layers.conv2d(withShape({ filters: d.filters, kernelSize: d.kernel, strides: d.stride, padding: l.padding ?? 'valid', useBias: d.useBias }));
        break;
      case 'batchnorm':
        layer = tfl.layers.batchNormalization(withShape({ axis: -1, momentum: d.momentum, epsilon: d.epsilon, center: d.center, scale: d.scale }));
        break;
      case 'flatten': layer = tfl.layers.flatten(withShape({})); break;
      case 'dense': layer = tfl.layers.dense(withShape({ units: d.units })); break;
      case 'globalavgpool2d': layer = tfl.layers.globalAveragePooling2d(withShape({})); break;
      case 'activation': break;
      default: throw new Error(`tflModel: ${d.type} not supported`);
    }
    if (layer) { model.add(layer); owners.push([i, layer]); }
    if (d.act.name !== 'linear') {
      if (!TFL_ACT[d.act.name]) throw new Error(`tflModel: activation ${d.act.name} not supported`);
      model.add(tfl.layers.activation(withShape({ activation: TFL_ACT[d.act.name] })));
    }
  });
  const order = (d) => (d.type === 'batchnorm' ? [...paramNames(d), 'movingMean', 'movingVariance'] : paramNames(d));
  owners.forEach(([i, layer]) => {
    const d = descs[i];
    const names = order(d);
    if (names.length) layer.setWeights(names.map((nm) => tf.tensor(weights[i][nm], paramShape(d, nm))));
  });
  const sgd = tf.train.sgd(lr);
  model.compile({ optimizer: sgd, loss: 'meanSquaredError' });
  return {
    model,
    /** One trainOnBatch step; resolves to the loss (computed before the update). */
    async step(xData, target, n) {
      const x = tf.tensor4d(xData, [n, ...input]);
      const t = tf.tensor2d(target, [n, target.length / n]);
      const y = model.outputs[0].shape.length === 4 ? tf.reshape(t, [n, ...model.outputs[0].shape.slice(1)]) : t;
      const loss = await model.trainOnBatch(x, y);
      tf.dispose([x, t, y]);
      return Array.isArray(loss) ? loss[0] : loss;
    },
    /** Weights in the API's layout, by our layer index. */
    weights() {
      const out = descs.map(() => null);
      owners.forEach(([i, layer]) => {
        const names = order(descs[i]);
        if (!names.length) return;
        const ws = layer.getWeights();
        out[i] = Object.fromEntries(names.map((nm, k) => [nm, ws[k].dataSync().slice()]));
      });
      return out;
    },
    dispose() { model.dispose(); sgd.dispose(); },
  };
}

/**
 * The same training in tfjs-core ops (tf.variableGrads + tf.train.sgd), with tfjs-layers'
 * batchnorm semantics (forwardT with training: true; moving statistics updated after the
 * forward pass as normalization.js's doMovingAverage does: m ← m − (m − batch)·(1 − momentum),
 * in float32 tensor ops). Works for every layer type forwardT knows, and for batchnorm with
 * center: false / scale: false, which tfjs-layers 4.22 cannot train.
 */
export function coreTrainer(input, descs, weights, lr) {
  const vars = descs.map((d, i) => {
    const o = {};
    for (const nm of paramNames(d)) o[nm] = tf.variable(tf.tensor(weights[i][nm], paramShape(d, nm)));
    if (d.type === 'batchnorm') {
      o.movingMean = tf.tensor(weights[i].movingMean, paramShape(d, 'movingMean'));
      o.movingVariance = tf.tensor(weights[i].movingVariance, paramShape(d, 'movingVariance'));
    }
    return o;
  });
  const list = descs.flatMap((d, i) => paramNames(d).map((nm) => vars[i][nm]));
  const sgd = tf.train.sgd(lr);
  return {
    step(xData, target, n) {
      const x = tf.tensor4d(xData, [n, ...input]);
      const t = tf.tensor2d(target, [n, target.length / n]);
      const stats = [];
      const { value, grads } = tf.variableGrads(() => {
        stats.length = 0;
        const outs = forwardT(descs, vars, x, { training: true, stats });
        return mseT(outs[outs.length - 1], t);
      }, list);
      const loss = value.dataSync()[0];
      for (const { layer, mean, variance } of stats) {
        const d = descs[layer];
        const v = vars[layer];
        const update = (old, batch) => tf.tidy(() => tf.sub(old, tf.mul(tf.sub(old, tf.tensor1d(batch)), 1 - d.momentum)));
        const [m, s] = [update(v.movingMean, mean), update(v.movingVariance, variance)];
        tf.dispose([v.movingMean, v.movingVariance]);
        v.movingMean = m;
        v.movingVariance = s;
      }
      sgd.applyGradients(grads);
      tf.dispose([x, t, value, grads]);
      return loss;
    },
    weights() {
      return descs.map((d, i) => {
        const names = d.type === 'batchnorm' ? [...paramNames(d), 'movingMean', 'movingVariance'] : paramNames(d);
        return names.length ? Object.fromEntries(names.map((nm) => [nm, vars[i][nm].dataSync().slice()])) : null;
      });
    },
    dispose() {
      sgd.dispose();
      vars.forEach((o) => tf.dispose(Object.values(o)));
    },
  };
}
