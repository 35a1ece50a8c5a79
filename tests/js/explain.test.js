// explain.test.js — the demo's explain panel (demo/explain.js) recomputes a cell of a layer's
// output from the layer's input window, weights and activation; the engine computed the same
// cell in C. For every layer type and window option (stride, dilation, groups, padding
// same/valid/explicit, ceilMode, countIncludePad, depth multiplier, no bias, every activation,
// softmax over a vector and over a pixel's channels) and the graph models of
// tests/js/support/graph-models.js, every cell (or a sample of 60 per layer on big ones) must
// equal model.activations()'s value within 2e-5 (relative to the layer's scale): the
// explanation is the engine's arithmetic, not a different one. Plus hand-computed checks of
// the window geometry and the receptive field.
import { createModel } from '../../js/index.js';
import { explainCell, receptiveField } from '../../demo/explain.js';
import { rng } from '../fixtures.js';
import { GRAPH_CASES } from './support/graph-models.js';

/** Random weights (seeded) in every tensor; variances positive and away from 0. */
function randomize(model, seed) {
  const r = rng(seed);
  model.layers.forEach((l, i) => {
    if (!l.tensors.length) return;
    const w = {};
    for (const t of l.tensors) {
      const a = new Float32Array(t.size);
      for (let k = 0; k < a.length; k++) a[k] = t.name === 'movingVariance' ? 0.2 + r() : (r() * 2 - 1) * (t.name === 'kernel' ? 0.7 : 0.5);
      w[t.name] = a;
    }
    model.setWeights(i, w);
  });
}

function checkAll(model, seed) {
  const r = rng(seed + 1);
  const [h, w, c] = model.inputShape.length === 3 ? model.inputShape : [1, 1, model.inputShape[0]];
  const x = new Float32Array(h * w * c).map(() => r() * 2 - 0.5);
  model.predict(x);
  const acts = model.activations();
  let checked = 0;
  model.layers.forEach((layer, i) => {
    const [OH, OW, OC] = layer.outputShape.length === 3 ? layer.outputShape : [1, 1, layer.outputShape[0]];
    const total = OH * OW * OC;
    const scale = Math.max(1, ...Array.from(acts[i].data, Math.abs));
    const cells = total <= 200 ? Array.from({ length: total }, (_, k) => k) : Array.from({ length: 60 }, () => Math.floor(r() * total));
    for (const k of cells) {
      const cell = { y: Math.floor(k / (OW * OC)), x: Math.floor(k / OC) % OW, c: k % OC };
      const e = explainCell(model, acts, x, i, cell);
      const want = acts[i].data[k];
      if (!(Math.abs(e.a - want) <= 2e-5 * scale) || e.value !== want) {
        throw new Error(`${layer.name} (${layer.type}${layer.activation !== 'linear' ? ` + ${layer.activation}` : ''}) cell ${JSON.stringify(cell)}: explained ${e.a}, engine ${want}`);
      }
      checked++;
    }
  });
  return checked;
}

const ACTS = ['relu', 'sigmoid', 'tanh', 'leakyrelu', 'relu6', 'elu', 'selu', 'gelu', 'swish', 'hardsigmoid', 'hardswish', 'softplus', 'linear'];

const CASES = [
  ['conv: same, stride 2, dilation 2, groups 2, every fused activation in turn', [9, 9, 4], (act) => [
    { type: 'conv2d', filters: 6, kernel: 3, stride: 2, dilation: 2, padding: 'same', groups: 2, activation: act },
  ]],
  ['conv: explicit asymmetric pads, no bias, 2×3 kernel, stride (1, 2); softmax over channels', [7, 8, 3], () => [
    { type: 'conv2d', filters: 4, kernel: [2, 3], stride: [1, 2], padding: [1, 0, 2, 1], useBias: false, activation: 'softmax' },
  ]],
  ['depthwise ×2, same, stride 2 → batchnorm → relu6', [8, 8, 3], () => [
    { type: 'depthwiseconv2d', kernel: 3, depthMultiplier: 2, stride: 2, padding: 'same' },
    { type: 'batchnorm', epsilon: 0.01 },
    { type: 'relu6' },
  ]],
  ['pools: max with dilation + ceilMode + explicit pads; avg countIncludePad and not; zeropad', [9, 9, 2], () => [
    { type: 'maxpool2d', size: 3, stride: 2, dilation: 2, padding: [1, 0, 1, 0], ceilMode: true },
    { type: 'zeropad2d', padding: [1, 2, 0, 1] },
    { type: 'avgpool2d', size: 3, stride: 2, padding: [1, 1, 1, 1], countIncludePad: true, ceilMode: true, name: 'avg_incl' },
    { type: 'avgpool2d', size: 2, stride: 1, padding: 'same', name: 'avg_excl' },
  ]],
  ['LeNet-like: conv valid → maxpool → flatten → dropout → dense tanh → dense softmax; batchnorm without scale/center', [12, 12, 1], () => [
    { type: 'conv2d', filters: 3, kernel: 5, activation: 'relu' },
    { type: 'batchnorm', scale: false, center: false },
    { type: 'maxpool2d', size: 2 },
    { type: 'flatten' },
    { type: 'dropout', rate: 0.3 },
    { type: 'dense', units: 7, activation: 'tanh' },
    { type: 'dense', units: 5, activation: 'softmax' },
  ]],
  ['global max and average pools, an activation layer per function, a softmax activation layer', [5, 4, 3], () => [
    { type: 'conv2d', filters: 5, kernel: 1 },
    ...ACTS.filter((a) => a !== 'linear').map((a) => ({ type: a })),
    { type: 'globalmaxpool2d', name: 'gmax' },
    { type: 'globalavgpool2d', name: 'gavg', inputs: ['activation_12'] },
    { type: 'add', inputs: ['gmax', 'gavg'] },
    { type: 'softmax' },
  ]],
];

describe('every explained cell equals the engine’s', () => {
  test.each(CASES.map(([name, input, layers], k) => [name, input, layers, k]))('%s', async (name, input, layersOf, k) => {
    const variants = name.startsWith('conv: same') ? ACTS.concat('softmax') : [undefined];
    let checked = 0;
    for (const [j, act] of variants.entries()) {
      const model = await createModel({ input, layers: layersOf(act) });
      randomize(model, 100 * k + j);
      checked += checkAll(model, 100 * k + j);
      model.dispose();
    }
    expect(checked).toBeGreaterThan(20);
  });

  test.each(GRAPH_CASES.map((g) => [g.key, g.name, g]))('graph %s: %s', async (key, name, g) => {
    const model = await createModel({ input: g.input, layers: g.layers });
    randomize(model, key.charCodeAt(0));
    expect(checkAll(model, key.charCodeAt(0))).toBeGreaterThan(20);
    model.dispose();
  });
});

describe('window and receptive field, by hand', () => {
  test('a 3×3 stride-2 same conv on 6×6: cell (0, 0) reads rows/columns 0–1 and padding above/left; (2, 2) reads 4–5 and padding below/right', async () => {
    // same, stride 2, k 3 on 6: out 3, total pad (3−1)·2 + 3 − 6 = 1 → top/left 0, bottom/right 1
    const model = await createModel({ input: [6, 6, 1], layers: [{ type: 'conv2d', filters: 1, kernel: 3, stride: 2, padding: 'same' }] });
    const x = new Float32Array(36).map((_, i) => i);
    model.setWeights(0, { kernel: new Float32Array(9).fill(1), bias: new Float32Array([0.5]) });
    model.predict(x);
    const acts = model.activations();
    const first = explainCell(model, acts, x, 0, { y: 0, x: 0, c: 0 });
    expect(first.perChannel[0].terms.filter((t) => !t.pad).map((t) => [t.iy, t.ix])).toEqual([[0, 0], [0, 1], [0, 2], [1, 0], [1, 1], [1, 2], [2, 0], [2, 1], [2, 2]]);
    const last = explainCell(model, acts, x, 0, { y: 2, x: 2, c: 0 });
    // rows 4, 5 (6 is padding) × columns 4, 5: 28 + 29 + 34 + 35 = 126, + 0.5
    expect(last.perChannel[0].terms.filter((t) => t.pad).length).toBe(5);
    expect(last.sum).toBe(126);
    expect(last.a).toBe(126.5);
    expect(last.receptive).toEqual({ y0: 4, y1: 5, x0: 4, x1: 5 });
    model.dispose();
  });

  test('LeNet-5: a conv2d_2 cell sees a 14×14 patch of the 28×28 input; maxpool2d_2 cell (0, 0) the 16×16 patch at the corner', async () => {
    const { LENET } = await import('../fixtures.js');
    const model = await createModel({ input: [28, 28, 1], layers: LENET });
    // conv2d_1 5×5 same (pad 2) → pool 2 → conv2d_2 5×5 valid: output (0, 0) reads pool rows
    // 0–4 = conv1 rows 0–9 = input rows −2…11 → 0…11; (9, 9): pool 9–13 → conv1 18–27 → input 16–29 → 16–27
    expect(receptiveField(model, 2, { y0: 0, y1: 0, x0: 0, x1: 0 })).toEqual({ y0: 0, y1: 11, x0: 0, x1: 11 });
    expect(receptiveField(model, 2, { y0: 9, y1: 9, x0: 9, x1: 9 })).toEqual({ y0: 16, y1: 27, x0: 16, x1: 27 });
    // maxpool2d_2 (0, 0) = conv2d_2 rows 0–1 → input 0…12 (13 rows: 0−2 … 1+4+… clipped)
    const rf = receptiveField(model, 3, { y0: 0, y1: 0, x0: 0, x1: 0 });
    expect(rf).toEqual({ y0: 0, y1: 13, x0: 0, x1: 13 });
    model.dispose();
  });
});
