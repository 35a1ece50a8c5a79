// explain.js — the arithmetic behind one cell of one layer's output, in the lecture's terms:
// a k×k×p window of the layer's input times a filter w, summed, plus the bias b, gives
// z = wᵀx + b, and the activation a = f(z) is the cell of the map. Computed from the engine's
// own activations and weights for any model the page runs (nothing here knows LeNet), so the
// panel's result can be checked against the map: tests/js/explain.test.js does, for every
// layer type and option, against model.activations().
//
// DOM-free: the page (main.js) renders what explainCell returns.
//
// Layouts (the engine's, as getWeights returns them): activations are HWC; a conv kernel is
// [kh, kw, p, d] with p = input channels / groups; a depthwise kernel [kh, kw, C, multiplier]
// (output channel c·multiplier + m reads input channel c); a dense kernel [inputs, units].

const SELU_LAMBDA = 1.0507009873554805;
const SELU_ALPHA = 1.6732632423543772;
const sigmoid = (z) => 1 / (1 + Math.exp(-z));
const relu6 = (z) => Math.min(6, Math.max(0, z));

// erf (Abramowitz–Stegun 7.1.26 is too coarse for a 1e-5 check): a series / continued
// fraction pair accurate to ~1e-12, enough to show gelu's value.
function erf(x) {
  const s = Math.sign(x);
  const a = Math.abs(x);
  if (a < 2.5) {
    let term = a;
    let sum = a;
    for (let n = 1; n < 60; n++) {
      term *= (-a * a) / n;
      sum += term / (2 * n + 1);
    }
    return (s * 2 * sum) / Math.sqrt(Math.PI);
  }
  let f = 0;
  for (let n = 60; n >= 1; n--) f = n / 2 / (a + f);
  return s * (1 - Math.exp(-a * a) / (Math.sqrt(Math.PI) * (a + f)));
}

/** The activations (src/activation.c) as [name in the formula, f(z, alpha, beta)]; softmax is a row operation. */
export const ACTIVATIONS = {
  linear: ['', (z) => z],
  relu: ['ReLU', (z) => Math.max(0, z)],
  sigmoid: ['σ', sigmoid],
  tanh: ['tanh', Math.tanh],
  leakyrelu: ['LeakyReLU', (z, alpha) => (z > 0 ? z : alpha * z)],
  relu6: ['ReLU6', relu6],
  elu: ['ELU', (z, alpha) => (z > 0 ? z : alpha * Math.expm1(z))],
  selu: ['SELU', (z) => SELU_LAMBDA * (z > 0 ? z : SELU_ALPHA * Math.expm1(z))],
  gelu: ['GELU', (z) => 0.5 * z * (1 + erf(z * Math.SQRT1_2))],
  swish: ['swish', (z) => z * sigmoid(z)],
  hardsigmoid: ['hard σ', (z, alpha, beta) => Math.min(1, Math.max(0, alpha * z + beta))],
  hardswish: ['hard swish', (z) => (z * relu6(z + 3)) / 6],
  softplus: ['softplus', (z) => (z > 20 ? z : Math.log1p(Math.exp(z)))],
};

/** (h, w, c) of a shape: vectors are 1 × 1 × n. */
const hwc = (shape) => (shape.length === 3 ? shape : [1, 1, shape[0]]);

/**
 * The data a layer reads: its k-th input, by name. `acts` holds every layer's output
 * (model.activations(), by index); `input` is the model's input image.
 */
function source(model, acts, input, layer, k) {
  const name = layer.inputs[k];
  if (name === 'input') return { name, index: -1, shape: model.inputShape, data: input };
  const index = model.layers.findIndex((l) => l.name === name);
  return { name, index, shape: model.layers[index].outputShape, data: acts[index].data };
}

/**
 * Applies the layer's activation to z, where row(j) gives the pre-activation of element j of
 * the softmax row (the channels of one pixel, or the whole vector) and `at` is this cell's j.
 */
function activate(layer, z, row, at, width) {
  const act = layer.activation ?? 'linear';
  if (act === 'softmax') {
    const zs = Array.from({ length: width }, (_, j) => (j === at ? z : row(j)));
    const max = Math.max(...zs);
    const e = zs.map((v) => Math.exp(v - max));
    const sum = e.reduce((a, b) => a + b, 0);
    return { act, name: 'softmax', a: e[at] / sum, softmax: { z: zs, max, exp: e, sum, at } };
  }
  const [name, f] = ACTIVATIONS[act] ?? [act, null];
  if (!f) throw new Error(`explain: activation ${act} is not known to the page`);
  const alpha = layer.alpha ?? (act === 'leakyrelu' ? 0.3 : act === 'hardsigmoid' ? 1 / 6 : act === 'elu' ? 1 : 0);
  const beta = layer.beta ?? (act === 'hardsigmoid' ? 0.5 : 0);
  return { act, name, a: f(z, alpha, beta) };
}

/** The window of a conv/depthwise/pool output cell: taps (ky, kx) at input (iy, ix), or padding. */
function windowTaps(layer, y, x, [H, W]) {
  const [kh, kw] = layer.kernel ?? layer.size;
  const [sh, sw] = layer.stride;
  const [dh, dw] = layer.dilation ?? [1, 1];
  const [pt, , pl] = layer.pads;
  const taps = [];
  for (let ky = 0; ky < kh; ky++) {
    for (let kx = 0; kx < kw; kx++) {
      const iy = y * sh - pt + ky * dh;
      const ix = x * sw - pl + kx * dw;
      taps.push({ ky, kx, iy, ix, pad: iy < 0 || iy >= H || ix < 0 || ix >= W });
    }
  }
  return { kh, kw, sh, sw, dh, dw, taps, y0: y * sh - pt, x0: x * sw - pl, y1: y * sh - pt + (kh - 1) * dh, x1: x * sw - pl + (kw - 1) * dw };
}

/** z of a conv / depthwise output (y, x, c) and its terms, one group of taps per input channel. */
function convCell(model, layer, weights, src, y, x, c) {
  const [H, W, C] = hwc(src.shape);
  const d = layer.outputShape[2];
  const win = windowTaps(layer, y, x, [H, W]);
  const { kernel, bias } = weights;
  let channels; // [{ ci, widx(t) }]
  if (layer.type === 'depthwiseconv2d') {
    const m = layer.depthMultiplier;
    const ci = Math.floor(c / m);
    channels = [{ ci, w: (t) => kernel[((t.ky * win.kw + t.kx) * C + ci) * m + (c % m)] }];
  } else {
    const groups = layer.groups ?? 1;
    const p = C / groups;
    const g = Math.floor(c / (d / groups));
    channels = Array.from({ length: p }, (_, i) => ({ ci: g * p + i, w: (t) => kernel[((t.ky * win.kw + t.kx) * p + i) * d + c] }));
  }
  let sum = 0;
  const perChannel = channels.map(({ ci, w }) => {
    let part = 0;
    const terms = win.taps.map((t) => {
      const xv = t.pad ? 0 : src.data[(t.iy * W + t.ix) * C + ci];
      const wv = w(t);
      const product = xv * wv;
      part += product;
      return { ...t, x: xv, w: wv, product };
    });
    sum += part;
    return { channel: ci, sum: part, terms };
  });
  const b = layer.useBias === false || !bias ? 0 : bias[c];
  return { win, perChannel, sum, bias: layer.useBias === false ? null : b, z: sum + b, p: channels.length };
}

function poolCell(layer, src, y, x, c) {
  const [H, W, C] = hwc(src.shape);
  const win = windowTaps(layer, y, x, [H, W]);
  const terms = win.taps.map((t) => ({ ...t, x: t.pad ? null : src.data[(t.iy * W + t.ix) * C + c] }));
  const inside = terms.filter((t) => !t.pad);
  if (layer.type === 'maxpool2d') {
    let best = inside[0];
    for (const t of inside) if (t.x > best.x) best = t;
    return { win, terms, z: best.x, best };
  }
  const sum = inside.reduce((a, t) => a + t.x, 0);
  let divisor = inside.length;
  if (layer.countIncludePad) {
    // the window clipped to the padded input, as the engine (and PyTorch) count it
    const [pt, pb, pl, pr] = layer.pads;
    const yEnd = Math.min(win.y0 + win.kh, H + pb);
    const xEnd = Math.min(win.x0 + win.kw, W + pr);
    divisor = (yEnd - Math.max(win.y0, -pt)) * (xEnd - Math.max(win.x0, -pl));
  }
  return { win, terms, sum, divisor, z: sum / divisor };
}

/**
 * Explains output cell { y, x, c } of layer `index` (vectors: y = x = 0, c = the element).
 * `acts`: model.activations() of the last run (by layer index); `input`: that run's input.
 * Returns { layer, kind, cell, sources, z, a (the computed cell), value (the engine's), … }
 * with the kind's own terms (see the cases below).
 */
export function explainCell(model, acts, input, index, { y = 0, x = 0, c = 0 }) {
  const layer = model.layers[index];
  const [OH, OW, OC] = hwc(layer.outputShape);
  if (y < 0 || y >= OH || x < 0 || x >= OW || c < 0 || c >= OC) throw new Error(`explain: cell (${y}, ${x}, ${c}) is outside ${layer.name}'s output ${OH}×${OW}×${OC}`);
  const srcs = layer.inputs.map((_, k) => source(model, acts, input, layer, k));
  const src = srcs[0];
  const [H, W, C] = hwc(src.shape);
  const at = (s, yy, xx, cc) => s.data[(yy * hwc(s.shape)[1] + xx) * hwc(s.shape)[2] + cc];
  const value = acts[index].data[(y * OW + x) * OC + c];
  const base = { layer, index, kind: layer.type, cell: { y, x, c }, sources: srcs.map(({ name, index: i, shape }) => ({ name, index: i, shape })), value };
  let out;
  let zOf = null; // z of another element j of the softmax row (only built when needed)
  switch (layer.type) {
    case 'conv2d':
    case 'depthwiseconv2d': {
      const w = model.getWeights(index);
      out = convCell(model, layer, w, src, y, x, c);
      zOf = (j) => convCell(model, layer, w, src, y, x, j).z;
      break;
    }
    case 'maxpool2d':
    case 'avgpool2d':
      out = poolCell(layer, src, y, x, c);
      zOf = (j) => poolCell(layer, src, y, x, j).z;
      break;
    case 'globalavgpool2d':
    case 'globalmaxpool2d': {
      const vals = Array.from({ length: H * W }, (_, i) => src.data[i * C + c]);
      if (layer.type === 'globalmaxpool2d') {
        let best = 0;
        for (let i = 1; i < vals.length; i++) if (vals[i] > vals[best]) best = i;
        out = { count: vals.length, z: vals[best], best: { iy: Math.floor(best / W), ix: best % W } };
      } else {
        const sum = vals.reduce((a, b) => a + b, 0);
        out = { count: vals.length, sum, z: sum / vals.length };
      }
      break;
    }
    case 'dense': {
      const { kernel, bias } = model.getWeights(index);
      const n = src.data.length;
      const units = OC;
      const unitZ = (u) => {
        let s = 0;
        for (let i = 0; i < n; i++) s += src.data[i] * kernel[i * units + u];
        return s + (layer.useBias === false ? 0 : bias[u]);
      };
      const terms = Array.from({ length: n }, (_, i) => ({ i, x: src.data[i], w: kernel[i * units + c], product: src.data[i] * kernel[i * units + c] }));
      const sum = terms.reduce((a, t) => a + t.product, 0);
      const top = [...terms].sort((a, b) => Math.abs(b.product) - Math.abs(a.product));
      const b = layer.useBias === false ? null : bias[c];
      out = { n, sum, bias: b, z: sum + (b ?? 0), top: top.slice(0, 8), rest: top.slice(8).reduce((a, t) => a + t.product, 0), zeros: terms.filter((t) => t.x === 0).length };
      zOf = unitZ;
      break;
    }
    case 'batchnorm': {
      const t = model.getWeights(index);
      const eps = layer.epsilon;
      const xv = at(src, y, x, c);
      const mean = t.movingMean[c];
      const variance = t.movingVariance[c];
      const gamma = layer.scale === false ? 1 : t.gamma[c];
      const beta = layer.center === false ? 0 : t.beta[c];
      const bnZ = (j) => (layer.scale === false ? 1 : t.gamma[j]) * (at(src, y, x, j) - t.movingMean[j]) / Math.sqrt(t.movingVariance[j] + eps) + (layer.center === false ? 0 : t.beta[j]);
      out = { x: xv, mean, variance, eps, gamma, beta, z: (gamma * (xv - mean)) / Math.sqrt(variance + eps) + beta };
      zOf = bnZ;
      break;
    }
    case 'add':
    case 'multiply': {
      const terms = srcs.map((s) => {
        const [, , sc] = hwc(s.shape);
        // a (C) vector scales every pixel of a map (multiply): it is read at channel c
        const v = s.shape.length === 1 && layer.outputShape.length === 3 ? s.data[c] : at(s, y, x, c);
        return { name: s.name, x: v, broadcast: s.shape.length === 1 && layer.outputShape.length === 3, channels: sc };
      });
      const z = layer.type === 'add' ? terms.reduce((a, t) => a + t.x, 0) : terms.reduce((a, t) => a * t.x, 1);
      out = { terms, z };
      zOf = (j) => srcs.reduce((acc, s) => {
        const v = s.shape.length === 1 && layer.outputShape.length === 3 ? s.data[j] : at(s, y, x, j);
        return layer.type === 'add' ? acc + v : acc * v;
      }, layer.type === 'add' ? 0 : 1);
      break;
    }
    case 'concat': {
      let offset = 0;
      let k = 0;
      while (offset + hwc(srcs[k].shape)[2] <= c) offset += hwc(srcs[k++].shape)[2];
      out = { from: k, channel: c - offset, offset, z: at(srcs[k], y, x, c - offset) };
      break;
    }
    case 'flatten': {
      // HWC order: element c of the vector is (iy, ix, ic) of the map
      const ic = c % C;
      const ix = Math.floor(c / C) % W;
      const iy = Math.floor(c / (C * W));
      out = { iy, ix, ic, z: at(src, iy, ix, ic) };
      break;
    }
    case 'zeropad2d': {
      const [pt, , pl] = layer.pads;
      const iy = y - pt;
      const ix = x - pl;
      const pad = iy < 0 || iy >= H || ix < 0 || ix >= W;
      out = { iy, ix, pad, z: pad ? 0 : at(src, iy, ix, c) };
      break;
    }
    case 'activation':
    case 'dropout':
      out = { x: at(src, y, x, c), z: at(src, y, x, c) };
      zOf = (j) => at(src, y, x, j);
      break;
    default:
      throw new Error(`explain: no explanation for ${layer.type} layers yet`);
  }
  const act = activate(layer, out.z, zOf ?? (() => { throw new Error(`explain: softmax over ${layer.type}`); }), c, OC);
  return { ...base, ...out, ...act, receptive: receptiveField(model, index, { y0: y, y1: y, x0: x, x1: x }) };
}

/**
 * The part of the model's input that output box { y0, y1, x0, x1 } of layer `index` depends
 * on (inclusive bounds, clipped to the input), traced back through every path of a graph;
 * layers that mix all positions (dense, flatten, global pooling) make it the whole input.
 */
export function receptiveField(model, index, box) {
  const [IH, IW] = hwc(model.inputShape);
  const whole = { y0: 0, y1: IH - 1, x0: 0, x1: IW - 1 };
  const memo = new Map();
  const back = (i, b) => {
    const key = `${i}:${b.y0},${b.y1},${b.x0},${b.x1}`;
    if (memo.has(key)) return memo.get(key);
    const layer = model.layers[i];
    let r = null;
    for (const name of layer.inputs) {
      const shape = name === 'input' ? model.inputShape : model.layers.find((l) => l.name === name).outputShape;
      const [H, W] = hwc(shape);
      let nb;
      if (shape.length !== 3 || layer.outputShape.length !== 3 || /^global|^dense|^flatten/.test(layer.type)) nb = { y0: 0, y1: H - 1, x0: 0, x1: W - 1 };
      else if (layer.pads && (layer.kernel || layer.size)) {
        const [kh, kw] = layer.kernel ?? layer.size;
        const [sh, sw] = layer.stride;
        const [dh, dw] = layer.dilation ?? [1, 1];
        const [pt, , pl] = layer.pads;
        nb = { y0: b.y0 * sh - pt, y1: b.y1 * sh - pt + (kh - 1) * dh, x0: b.x0 * sw - pl, x1: b.x1 * sw - pl + (kw - 1) * dw };
      } else if (layer.type === 'zeropad2d') {
        const [pt, , pl] = layer.pads;
        nb = { y0: b.y0 - pt, y1: b.y1 - pt, x0: b.x0 - pl, x1: b.x1 - pl };
      } else nb = { ...b };
      nb = { y0: Math.max(0, nb.y0), y1: Math.min(H - 1, nb.y1), x0: Math.max(0, nb.x0), x1: Math.min(W - 1, nb.x1) };
      if (nb.y0 > nb.y1 || nb.x0 > nb.x1) continue; // only padding: no input cell
      const got = name === 'input' ? nb : back(model.layers.findIndex((l) => l.name === name), nb);
      if (got) r = r ? { y0: Math.min(r.y0, got.y0), y1: Math.max(r.y1, got.y1), x0: Math.min(r.x0, got.x0), x1: Math.max(r.x1, got.x1) } : got;
    }
    memo.set(key, r);
    return r;
  };
  if (model.inputShape.length !== 3) return whole;
  return back(index, box);
}
