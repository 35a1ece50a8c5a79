// import-onnx.test.js — js/import/onnx.js against onnxruntime-web 1.30 (wasm, one thread).
//
// Each model is written in the test (tests/js/support/onnx-build.js, with onnx-proto) the way
// torch.onnx.export writes it, imported with importOnnx, and run by both engines on the same
// seeded random images: NCHW for ORT, the same values transposed to NHWC for wasm-cnn (map
// outputs are transposed back). Agreement: |ours − ort| ≤ 1e-4 · (1 + |ort|) for every value.
// The largest error of each model is printed at the end (the "max error" table).
//
// Then the importer's refusals (unsupported op, two outputs, …) and hostile bytes: 2 000 seeded
// mutations and truncations of valid files, each of which must import or throw an Error (no
// other exception type, no hang, < 1 s), and hand-made hostile cases.

import * as ort from 'onnxruntime-web';
import { createModel } from '../../js/index.js';
import { importOnnx, looksLikeOnnx } from '../../js/import/onnx.js';
import { rng } from '../fixtures.js';
import { OnnxBuilder, f, nchwToNhwc, nhwcToNchw, tensor } from './support/onnx-build.js';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { onnx } = require('onnx-proto');

ort.env.wasm.numThreads = 1;
ort.env.wasm.proxy = false;
ort.env.logLevel = 'error';

const report = [];
afterAll(() => {
  const w = Math.max(...report.map((r) => r.name.length));
  process.stdout.write(`\nONNX import vs onnxruntime-web ${ort.env.versions?.web ?? ''}: max |ours − ort| / (1 + |ort|)\n` +
    report.map((r) => `  ${r.name.padEnd(w)}  ${r.err.toExponential(2)}  (${r.values} values, ${r.layers} layers)`).join('\n') + '\n');
});

const builder = (opset = 13, seed = 1) => new OnnxBuilder({ rand: rng(seed), opset });

/**
 * Imports `bytes`, runs it and ORT on n random images, checks agreement; returns the model
 * (disposed by the caller) and the largest relative error.
 */
async function agree(name, bytes, { n = 2, inputShape, tol = 1e-4, keep = false, vectorInput = false } = {}) {
  const model = await importOnnx(bytes, { createModel, inputShape });
  const [H, W, C] = model.inputShape;
  const r = rng(1000 + report.length);
  const x = Float32Array.from({ length: n * H * W * C }, () => r() * 4 - 2);
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'disabled', logSeverityLevel: 3 });
  const feedName = session.inputNames[0];
  const dims = vectorInput ? [n, C] : [n, C, H, W]; // an (N, K) input is (1, 1, K) in wasm-cnn
  const result = await session.run({ [feedName]: new ort.Tensor('float32', nhwcToNchw(x, n, H, W, C), dims) });
  const out = result[session.outputNames[0]];
  const ref = out.dims.length === 4 ? nchwToNhwc(out.data, ...out.dims) : out.data;
  const ours = model.predictBatch(x, n);
  expect(ours.length).toBe(ref.length);
  let err = 0;
  let worst = -1;
  for (let i = 0; i < ref.length; i++) {
    const e = Math.abs(ours[i] - ref[i]) / (1 + Math.abs(ref[i]));
    if (!(e <= err)) { err = e; worst = i; }
  }
  report.push({ name, err, values: ref.length, layers: model.layers.length });
  if (!(err <= tol)) throw new Error(`${name}: max error ${err} at ${worst}: ours ${ours[worst]}, ort ${ref[worst]}\n${model.summary()}`);
  await session.release?.();
  if (!keep) model.dispose();
  return { model, err, ref, x };
}

const types = (m) => m.layers.map((l) => (l.type === 'activation' ? l.activation : l.activation !== 'linear' ? `${l.type}+${l.activation}` : l.type));

// ─── (1) Conv + BN + ReLU ────────────────────────────────────────────────────────────────

test('(1) Conv+BN+ReLU blocks: BN folded into the conv, ReLU fused; a BN that cannot fold is a batchnorm layer', async () => {
  const b = builder(13, 1);
  let y = b.bn('bn0', 'x', 3); // on the input: nothing to fold into
  y = b.conv('conv1', y, { cin: 3, cout: 8, k: 3, pads: [1, 1, 1, 1] });
  y = b.bn('bn1', y, 8);
  y = b.op('Relu', [y], {}, 'relu1');
  y = b.conv('conv2', y, { cin: 8, cout: 6, k: 3, stride: 2, pads: [1, 0, 1, 0], bias: false });
  y = b.bn('bn2', y, 6, { epsilon: 1e-3 });
  y = b.op('Relu', [y], {}, 'relu2');
  y = b.bn('bn3', y, 6); // after an activation: a batchnorm layer
  const { model } = await agree('(1) conv+bn+relu', b.build({ input: ['x', ['N', 3, 9, 9]], output: y }), { keep: true });
  expect(types(model)).toEqual(['batchnorm', 'conv2d+relu', 'conv2d+relu', 'batchnorm']);
  expect(model.layers.map((l) => l.name)).toEqual(['/bn0/BatchNormalization', '/conv1/Conv', '/conv2/Conv', '/bn3/BatchNormalization']);
  expect(model.layers[2].useBias).toBe(true); // the folded BN gave the bias-free conv a bias
  expect(model.layers[0].epsilon).toBeCloseTo(1e-5, 10);
  expect(model.metadata).toEqual({ name: 'torch_jit', description: 'imported from ONNX (opset 13, producer pytorch 2.1.0)' });
  model.dispose();
});

// ─── (2) MobileNet: depthwise + pointwise, Clip 0..6 ────────────────────────────────────

test.each([[13, 'inputs'], [9, 'attributes']])('(2) depthwise + pointwise with Clip(0, 6) as relu6 (opset %i: min/max as %s)', async (opset) => {
  const b = builder(opset, 2);
  const clip = (x, scope) => {
    if (opset < 11) return b.op('Clip', [x], { min: f(0), max: f(6) }, scope);
    const lo = b.op('Constant', [], { value: tensor('', [], [0]) }, scope);
    const hi = b.weight(`${scope}.max`, [], { values: [6] });
    return b.op('Clip', [x, lo, hi], {}, scope);
  };
  let y = b.conv('features.0.0', 'x', { cin: 3, cout: 8, k: 3, stride: 2, pads: [1, 1, 1, 1] });
  y = clip(b.bn('features.0.1', y, 8), 'features.0.2');
  y = b.conv('features.1.dw', y, { cin: 8, cout: 8, k: 3, pads: [1, 1, 1, 1], group: 8, bias: false });
  y = clip(b.bn('features.1.bn1', y, 8), 'features.1.act1');
  y = b.conv('features.1.pw', y, { cin: 8, cout: 16, k: 1, bias: false });
  y = clip(b.bn('features.1.bn2', y, 16), 'features.1.act2');
  y = b.conv('features.2.dw', y, { cin: 16, cout: 32, k: 3, stride: 2, pads: [1, 1, 1, 1], group: 16 }); // depth multiplier 2
  y = clip(y, 'features.2.act');
  y = b.op('GlobalAveragePool', [y], {}, 'pool');
  y = b.op('Flatten', [y], { axis: 1 }, 'flat');
  y = b.gemm('classifier', y, 32, 10);
  const { model } = await agree(`(2) mobilenet opset ${opset}`, b.build({ input: ['x', ['N', 3, 16, 16]], output: y }), { keep: true });
  expect(types(model)).toEqual(['conv2d+relu6', 'depthwiseconv2d+relu6', 'conv2d+relu6', 'depthwiseconv2d+relu6', 'globalavgpool2d', 'dense']);
  expect(model.layers[3].depthMultiplier).toBe(2);
  model.dispose();
});

// ─── (3) Residual ────────────────────────────────────────────────────────────────────────

test('(3) residual blocks: Add of the skip, identity and 1×1 projection', async () => {
  const b = builder(13, 3);
  let x = b.op('Relu', [b.bn('bn0', b.conv('conv0', 'x', { cin: 3, cout: 8, k: 3, pads: [1, 1, 1, 1], bias: false }), 8)], {}, 'relu0');
  let y = b.op('Relu', [b.bn('l1.bn1', b.conv('l1.conv1', x, { cin: 8, cout: 8, k: 3, pads: [1, 1, 1, 1], bias: false }), 8)], {}, 'l1.relu');
  y = b.bn('l1.bn2', b.conv('l1.conv2', y, { cin: 8, cout: 8, k: 3, pads: [1, 1, 1, 1], bias: false }), 8);
  x = b.op('Relu', [b.op('Add', [y, x], {}, 'l1')], {}, 'l1.relu2');
  y = b.op('Relu', [b.bn('l2.bn1', b.conv('l2.conv1', x, { cin: 8, cout: 12, k: 3, stride: 2, pads: [1, 1, 1, 1], bias: false }), 12)], {}, 'l2.relu');
  y = b.bn('l2.bn2', b.conv('l2.conv2', y, { cin: 12, cout: 12, k: 3, pads: [1, 1, 1, 1], bias: false }), 12);
  const skip = b.bn('l2.down.1', b.conv('l2.down.0', x, { cin: 8, cout: 12, k: 1, stride: 2, bias: false }), 12);
  x = b.op('Relu', [b.op('Add', [y, skip], {}, 'l2')], {}, 'l2.relu2');
  const { model } = await agree('(3) residual', b.build({ input: ['x', ['N', 3, 10, 10]], output: x }), { keep: true });
  expect(types(model).filter((t) => t.startsWith('add'))).toEqual(['add+relu', 'add+relu']);
  expect(model.layers.at(-1).type).toBe('add');
  expect(model.layers.some((l) => l.type === 'batchnorm')).toBe(false);
  model.dispose();
});

// ─── (4) Flatten before Gemm: CHW rows → HWC rows ───────────────────────────────────────

test('(4) Flatten of a 3×3×4 map before Gemm: the dense rows are permuted CHW → HWC (and without that the answer is wrong)', async () => {
  const b = builder(13, 4);
  let y = b.op('Relu', [b.conv('conv1', 'x', { cin: 2, cout: 4, k: 3, pads: [1, 1, 1, 1] })], {}, 'relu1');
  y = b.op('MaxPool', [y], { kernel_shape: [2, 2], strides: [2, 2], pads: [0, 0, 0, 0] }, 'pool');
  y = b.op('Flatten', [y], { axis: 1 }, 'flat');
  y = b.gemm('fc1', y, 36, 12);
  y = b.op('Relu', [y], {}, 'relu2');
  y = b.gemm('fc2', y, 12, 5, { transB: 0 });
  const bytes = b.build({ input: ['x', ['N', 2, 6, 6]], output: y });
  const { model, ref, x } = await agree('(4) flatten 3x3x4 → gemm', bytes, { keep: true });
  expect(model.layers.map((l) => l.outputShape)).toEqual([[6, 6, 4], [3, 3, 4], [36], [12], [5]]);
  // the same weights with the rows in ONNX's CHW order: clearly wrong
  const i = model.layers.findIndex((l) => l.type === 'dense');
  const { kernel } = model.getWeights(i);
  const naive = new Float32Array(kernel.length);
  for (let j = 0; j < 36; j++) {
    const c = j % 4;
    const hw = (j - c) / 4;
    naive.set(kernel.subarray(j * 12, j * 12 + 12), (c * 9 + hw) * 12);
  }
  model.setWeights(i, { kernel: naive });
  const wrong = model.predictBatch(x, 2);
  const err = Math.max(...Array.from(wrong, (v, k) => Math.abs(v - ref[k]) / (1 + Math.abs(ref[k]))));
  expect(err).toBeGreaterThan(1e-2);
  model.dispose();
});

test('(4b) Flatten → BatchNorm1d → Gemm: per-unit statistics of a flattened map are permuted too', async () => {
  const b = builder(13, 44);
  let y = b.op('Relu', [b.conv('conv', 'x', { cin: 3, cout: 2, k: 3 })], {}, 'relu');
  y = b.op('Flatten', [y], { axis: 1 }, 'flat');
  y = b.bn('bn1d', y, 2 * 4 * 4);
  y = b.op('Add', [y, b.weight('shift', [32])], {}, 'shift'); // a per-unit constant: folded into the batchnorm
  y = b.gemm('fc', y, 32, 4);
  const { model } = await agree('(4b) flatten → bn1d → gemm', b.build({ input: ['x', ['N', 3, 6, 6]], output: y }), { keep: true });
  expect(types(model)).toEqual(['conv2d+relu', 'flatten', 'batchnorm', 'dense']);
  model.dispose();
});

// ─── (5) x.view(x.size(0), -1) ───────────────────────────────────────────────────────────

test.each([9, 13])('(5) x.view(x.size(0), -1) as Shape → Gather → Unsqueeze → Concat → Reshape (opset %i) before Gemm', async (opset) => {
  const b = builder(opset, 5);
  let y = b.op('Relu', [b.conv('conv', 'x', { cin: 3, cout: 5, k: 3 })], {}, 'relu');
  const shape = b.op('Shape', [y], {}, '');
  const zero = b.op('Constant', [], { value: tensor('', [], [0], 'int64') }, '');
  const n = b.op('Gather', [shape, zero], { axis: 0 }, '');
  const un = opset >= 13 ? b.op('Unsqueeze', [n, b.constInts([0])], {}, '') : b.op('Unsqueeze', [n], { axes: [0] }, '');
  const cat = b.op('Concat', [un, b.constInts([-1])], { axis: 0 }, '');
  y = b.op('Reshape', [y, cat], {}, '');
  y = b.gemm('fc', y, 5 * 4 * 4, 7);
  const { model } = await agree(`(5) view(N, -1) opset ${opset}`, b.build({ input: ['x', ['N', 3, 6, 6]], output: y }), { keep: true });
  expect(types(model)).toEqual(['conv2d+relu', 'flatten', 'dense']);
  model.dispose();
});

test('(5b) Reshape to (-1, k), (0, -1); Squeeze/Unsqueeze around a global pool; MatMul + Add', async () => {
  const b = builder(13, 55);
  let y = b.conv('conv', 'x', { cin: 2, cout: 4, k: 3 });
  const a = b.op('Reshape', [y, b.ints('s1', [-1, 64])], {}, 'r1'); // (-1, C·H·W)
  const c = b.op('Reshape', [y, b.ints('s2', [0, -1])], {}, 'r2'); // (0, -1)
  const fc = b.op('Gemm', [c, b.weight('fc.w', [64, 6]), b.weight('fc.b', [1, 6])], { alpha: f(0.5), beta: f(2), transB: 0 }, 'fc'); // alpha, beta folded
  y = b.op('Add', [b.gemm('fa', a, 64, 6), fc], {}, 'sum');
  const g = b.op('GlobalAveragePool', [b.conv('conv2', 'x', { cin: 2, cout: 6, k: 1 })], {}, 'gap');
  const sq = b.op('Squeeze', [g, b.ints('axes', [2, 3])], {}, 'sq');
  y = b.op('Mul', [y, sq], {}, 'gate');
  const mm = b.op('MatMul', [y, b.weight('mm.w', [6, 3])], {}, 'mm');
  y = b.op('Add', [mm, b.weight('mm.b', [3])], {}, 'mm');
  const { model } = await agree('(5b) reshape forms, squeeze, matmul', b.build({ input: ['x', ['N', 2, 6, 6]], output: y }), { keep: true });
  expect(types(model).at(-1)).toBe('dense');
  model.dispose();
});

// ─── (6) Pooling and Pad ─────────────────────────────────────────────────────────────────

test('(6) MaxPool ceil_mode, AveragePool count_include_pad (0 and 1) and ceil_mode, Pad', async () => {
  const b = builder(13, 6);
  let y = b.conv('conv', 'x', { cin: 3, cout: 4, k: 2 }); // 8×8
  y = b.op('MaxPool', [y], { ceil_mode: 1, kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [2, 2] }, 'mp'); // ceil: 5×5 (PyTorch drops the 5th? no: starts inside)
  y = b.op('MaxPool', [y], { ceil_mode: 1, kernel_shape: [2, 2], strides: [2, 2] }, 'mp2'); // 5 → 3 (ceil)
  y = b.op('Pad', [y, b.ints('pads', [0, 0, 1, 2, 0, 0, 2, 1])], { mode: 'constant' }, 'pad');
  const p1 = b.op('AveragePool', [y], { count_include_pad: 1, kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [2, 2] }, 'ap1');
  const p0 = b.op('AveragePool', [y], { count_include_pad: 0, kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [2, 2] }, 'ap0');
  y = b.op('Concat', [p1, p0], { axis: 1 }, 'cat');
  const { model } = await agree('(6) pools + pad', b.build({ input: ['x', ['N', 3, 9, 9]], output: y }), { keep: true });
  const mp = model.layers.find((l) => l.name === '/mp/MaxPool');
  expect(mp.ceilMode).toBe(true);
  expect(model.layers.find((l) => l.type === 'zeropad2d').padding).toEqual([1, 2, 2, 1]);
  expect(model.layers.filter((l) => l.countIncludePad).length).toBe(1);
  model.dispose();
});

// ONNX's shape inference (opset < 19) keeps a last ceil_mode window that starts in the right
// padding; ORT's kernels drop it, as PyTorch and wasm-cnn do (ORT warns that the declared and
// actual shapes differ). Compared here: the values ORT computes.
test.each([
  ['AveragePool', { ceil_mode: 1, count_include_pad: 1, kernel_shape: [2, 2], pads: [0, 0, 1, 1], strides: [2, 2] }],
  ['AveragePool', { ceil_mode: 1, count_include_pad: 0, kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [2, 2] }],
  ['AveragePool', { ceil_mode: 1, count_include_pad: 1, kernel_shape: [3, 3], strides: [2, 2] }],
  ['MaxPool', { ceil_mode: 1, kernel_shape: [2, 2], pads: [0, 1, 1, 0], strides: [2, 2] }],
])('(6c) %s %j: a last window in the right padding is dropped (PyTorch\'s rule, as ORT runs it)', async (op, attrs) => {
  const b = builder(13, 67);
  const y = b.op(op, [b.conv('c', 'x', { cin: 2, cout: 3, k: 1 })], attrs, 'p');
  await agree(`(6c) ${op} ${Object.entries(attrs).map(([k, v]) => `${k}=${v}`).join(' ')}`, b.build({ input: ['x', ['N', 2, 6, 6]], output: y }));
});

test('(6b) Pad with attributes (opset 9) before a valid conv; AveragePool over the whole map; dilated and grouped convs', async () => {
  const b = builder(9, 66);
  let y = b.op('Pad', ['x'], { mode: 'constant', pads: [0, 0, 2, 1, 0, 0, 0, 3], value: f(0) }, 'pad');
  y = b.conv('dil', y, { cin: 4, cout: 6, k: 3, dilations: [2, 1] });
  y = b.conv('grp', y, { cin: 6, cout: 4, k: 3, group: 2, pads: [1, 1, 1, 1] });
  y = b.op('AveragePool', [y], { kernel_shape: [3, 2], strides: [3, 2] }, 'ap');
  const { model } = await agree('(6b) pad opset 9, dilation, groups', b.build({ input: ['x', ['N', 4, 7, 5]], output: y }), { keep: true });
  expect(model.layers[2].groups).toBe(2);
  expect(model.layers[1].dilation).toEqual([2, 1]);
  model.dispose();
});

// ─── (7) Activations ─────────────────────────────────────────────────────────────────────

test('(7) swish as Mul(x, Sigmoid(x)), HardSwish, LeakyRelu (ONNX default alpha 0.01), Elu, HardSigmoid, Tanh, Softplus, Selu, Softmax', async () => {
  const b = builder(14, 7);
  let y = b.conv('c1', 'x', { cin: 3, cout: 6, k: 3, pads: [1, 1, 1, 1] });
  y = b.op('Mul', [y, b.op('Sigmoid', [y], {}, 'c1')], {}, 'c1'); // SiLU as torch exports it before opset 14
  y = b.op('HardSwish', [b.conv('c2', y, { cin: 6, cout: 6, k: 1 })], {}, 'hs');
  y = b.op('LeakyRelu', [b.conv('c3', y, { cin: 6, cout: 6, k: 1 })], {}, 'lr'); // alpha default 0.01
  y = b.op('LeakyRelu', [y], { alpha: 0.2 }, 'lr2');
  y = b.op('Elu', [b.conv('c4', y, { cin: 6, cout: 6, k: 1 })], { alpha: 0.7 }, 'elu');
  y = b.op('HardSigmoid', [b.conv('c5', y, { cin: 6, cout: 6, k: 1 })], {}, 'hsig');
  y = b.op('Tanh', [b.conv('c6', y, { cin: 6, cout: 6, k: 1 })], {}, 'tanh');
  y = b.op('Softplus', [b.conv('c7', y, { cin: 6, cout: 6, k: 1 })], {}, 'sp');
  y = b.op('Selu', [b.conv('c8', y, { cin: 6, cout: 6, k: 1 })], {}, 'selu');
  y = b.op('Softmax', [b.conv('c9', y, { cin: 6, cout: 5, k: 1 })], { axis: 1 }, 'sm'); // over the channels of each pixel
  const { model } = await agree('(7) activations', b.build({ input: ['x', ['N', 3, 5, 5]], output: y }), { keep: true });
  expect(types(model)).toEqual(['conv2d+swish', 'conv2d+hardswish', 'conv2d+leakyrelu', 'leakyrelu', 'conv2d+elu', 'conv2d+hardsigmoid', 'conv2d+tanh', 'conv2d+softplus', 'conv2d+selu', 'conv2d+softmax']);
  expect(model.layers[2].alpha).toBeCloseTo(0.01, 7);
  expect(model.layers[5].alpha).toBeCloseTo(0.2, 7);
  model.dispose();
});

test('(7b) Gelu (opset 20), swish on an unfusable input, HardSigmoid·x as hardswish, Softmax over Gemm logits (opset 11, axis 1)', async () => {
  let b = builder(20, 77);
  let y = b.op('Gelu', [b.conv('c1', 'x', { cin: 2, cout: 4, k: 3 })], {}, 'gelu');
  const s = b.op('Sigmoid', [y], {}, 'sw');
  y = b.op('Mul', [s, y], {}, 'sw'); // y is a fused conv+gelu: swish is its own layer
  const h = b.op('HardSigmoid', [y], { alpha: f(1 / 6), beta: f(0.5) }, 'hsw');
  y = b.op('Mul', [y, h], {}, 'hsw');
  let { model } = await agree('(7b) gelu, swish layer, hardsigmoid·x', b.build({ input: ['x', ['N', 2, 6, 6]], output: y }), { keep: true });
  expect(types(model)).toEqual(['conv2d+gelu', 'swish', 'hardswish']);
  model.dispose();

  b = builder(11, 78);
  y = b.op('Flatten', [b.op('Sigmoid', [b.conv('c', 'x', { cin: 1, cout: 3, k: 3 })], {}, 'sg')], { axis: 1 }, 'fl');
  y = b.op('Softmax', [b.gemm('fc', y, 3 * 4 * 4, 10)], { axis: 1 }, 'sm');
  ({ model } = await agree('(7c) softmax opset 11', b.build({ input: ['x', ['N', 1, 6, 6]], output: y }), { keep: true }));
  expect(types(model)).toEqual(['conv2d+sigmoid', 'flatten', 'dense+softmax']);
  model.dispose();
});

// ─── (8) Squeeze-and-excitation ──────────────────────────────────────────────────────────

test('(8) SE block: GlobalAveragePool → Conv1×1 → Relu → Conv1×1 → Sigmoid → Mul', async () => {
  const b = builder(13, 8);
  const x = b.op('Relu', [b.conv('conv', 'x', { cin: 3, cout: 8, k: 3, pads: [1, 1, 1, 1] })], {}, 'relu');
  let s = b.op('GlobalAveragePool', [x], {}, 'se');
  s = b.op('Relu', [b.conv('se.fc1', s, { cin: 8, cout: 4, k: 1 })], {}, 'se');
  s = b.op('Sigmoid', [b.conv('se.fc2', s, { cin: 4, cout: 8, k: 1 })], {}, 'se');
  let y = b.op('Mul', [x, s], {}, 'se');
  // the torch x.view(b, c) form: Flatten → Gemm → Relu → Gemm → Sigmoid → Reshape (N, C, 1, 1)
  let t = b.op('Flatten', [b.op('GlobalAveragePool', [y], {}, 'se2')], { axis: 1 }, 'se2');
  t = b.op('Sigmoid', [b.gemm('se2.fc2', b.op('Relu', [b.gemm('se2.fc1', t, 8, 2)], {}, 'se2'), 2, 8)], {}, 'se2');
  t = b.op('Reshape', [t, b.ints('se2.shape', [-1, 8, 1, 1])], {}, 'se2');
  y = b.op('Mul', [t, y], {}, 'se2');
  // and on a 1×1 map held as a map (a whole-map AveragePool, a real 1×1 conv): flattened to scale
  let u = b.op('AveragePool', [y], { kernel_shape: [5, 5], strides: [5, 5] }, 'se3');
  u = b.op('Sigmoid', [b.conv('se3.fc', u, { cin: 8, cout: 8, k: 1 })], {}, 'se3');
  y = b.op('Mul', [y, u], {}, 'se3');
  const { model } = await agree('(8) squeeze-and-excitation', b.build({ input: ['x', ['N', 3, 5, 5]], output: y }), { keep: true });
  const t8 = types(model);
  expect(t8.filter((k) => k === 'multiply')).toHaveLength(3);
  expect(t8).toContain('dense+sigmoid');
  expect(t8).toContain('flatten'); // the 1×1 map made a vector for the last multiply
  model.dispose();
});

// ─── (9) Concat ──────────────────────────────────────────────────────────────────────────

test('(9) Concat along channels (axis 1 and -3), with the input itself among the branches', async () => {
  const b = builder(13, 9);
  const a = b.op('Relu', [b.conv('b1', 'x', { cin: 3, cout: 4, k: 1 })], {}, 'b1');
  const c = b.op('Relu', [b.conv('b3', 'x', { cin: 3, cout: 5, k: 3, pads: [1, 1, 1, 1] })], {}, 'b3');
  let y = b.op('Concat', [a, c, 'x'], { axis: 1 }, 'cat');
  const d = b.conv('b5', y, { cin: 12, cout: 2, k: 3, pads: [1, 1, 1, 1] });
  y = b.op('Concat', [y, d], { axis: -3 }, 'cat2');
  const { model } = await agree('(9) concat', b.build({ input: ['x', ['N', 3, 6, 7]], output: y }), { keep: true });
  expect(model.layers.at(-1).outputShape).toEqual([6, 7, 14]);
  model.dispose();
});

// ─── (10) auto_pad ───────────────────────────────────────────────────────────────────────

test.each(['SAME_UPPER', 'SAME_LOWER'])('(10) auto_pad %s on convs (stride 1 and 2, even kernels) and pools', async (autoPad) => {
  const b = builder(13, 10);
  let y = b.conv('c1', 'x', { cin: 2, cout: 4, k: 4, autoPad }); // total pad 3: the odd pixel bottom/right (UPPER) or top/left (LOWER)
  y = b.conv('c2', y, { cin: 4, cout: 4, k: 3, stride: 2, autoPad }); // 9 → 5
  y = b.conv('c3', y, { cin: 4, cout: 3, k: [2, 3], stride: [2, 1], autoPad }); // (ORT refuses dilation with auto_pad)
  y = b.op('MaxPool', [y], { auto_pad: autoPad, kernel_shape: [2, 2], strides: [1, 1] }, 'mp');
  const a0 = b.op('AveragePool', [y], { auto_pad: autoPad, kernel_shape: [2, 3], strides: [2, 2] }, 'ap');
  const a1 = b.op('AveragePool', [y], { auto_pad: autoPad, count_include_pad: 1, kernel_shape: [2, 3], strides: [2, 2] }, 'ap1');
  y = b.op('Concat', [a0, a1], { axis: 1 }, 'cat');
  const { model } = await agree(`(10) auto_pad ${autoPad}`, b.build({ input: ['x', ['N', 2, 9, 8]], output: y }), { keep: true });
  if (autoPad === 'SAME_UPPER') expect(model.layers[0].padding).toBe('same');
  else expect(model.layers[0].pads).toEqual([2, 1, 2, 1]);
  model.dispose();
});

// ─── More forms torch writes ─────────────────────────────────────────────────────────────

test('input normalisation (Sub, Div by per-channel constants), Dropout/Identity, a float16 Constant cast to float, nameless nodes, duplicate names', async () => {
  const b = builder(13, 11);
  let y = b.op('Sub', ['x', b.weight('mean', [1, 3, 1, 1], { values: [0.485, 0.456, 0.406] })], {}, 'norm');
  y = b.op('Div', [y, b.weight('std', [3, 1, 1], { values: [0.229, 0.224, 0.225] })], {}, 'norm');
  y = b.op('Identity', [y], {}, 'id');
  const half = onnx.TensorProto.create({ dims: [4], dataType: onnx.TensorProto.DataType.FLOAT16, rawData: new Uint8Array(new Uint16Array([0x3c00, 0xb800, 0x3555, 0x0001]).buffer) });
  const bias = b.op('Cast', [b.op('Constant', [], { value: half }, 'h')], { to: 1 }, 'h');
  y = b.conv('conv', y, { cin: 3, cout: 4, k: 3 });
  y = b.op('Add', [y, b.op('Unsqueeze', [b.op('Unsqueeze', [bias, b.ints('a1', [1])], {}, 'u'), b.ints('a2', [2])], {}, 'u')], {}, 'bias'); // (4, 1, 1)
  b.rawNode('Dropout', [y], ['drop_out']); // no name: named after its output
  b.rawNode('Relu', ['drop_out'], ['relu_out']);
  b.rawNode('Relu', ['relu_out'], ['relu_out2']);
  b.rawNode('Sub', ['relu_out2', 'bias_c'], ['out']);
  b.weight('bias_c', [1], { values: [0.25] });
  b.nodes.at(-1).name = 'relu_out2'; // the name the nameless Relu before it gets: deduplicated
  const { model } = await agree('normalisation, dropout, float16, names', b.build({ input: ['x', ['N', 3, 6, 6]], output: 'out' }), { keep: true });
  expect(types(model)).toEqual(['batchnorm', 'conv2d+relu', 'relu', 'batchnorm']);
  expect(model.layers.map((l) => l.name)).toEqual(['/norm/Sub', '/conv/Conv', 'relu_out2', 'relu_out2_2']);
  model.dispose();
});

test('dynamic spatial dims take inputShape; a conflicting inputShape is an Error; vector (N, K) inputs', async () => {
  let b = builder(13, 12);
  let y = b.op('Relu', [b.conv('c', 'x', { cin: 3, cout: 2, k: 3 })], {}, 'r');
  let bytes = b.build({ input: ['x', ['N', 3, 'H', 'W']], output: y });
  await expect(importOnnx(bytes, { createModel })).rejects.toThrow(/loadModel: ONNX: the graph input 'x' is \(N, 3, H, W\): its height is not fixed; pass inputShape/);
  await expect(importOnnx(bytes, { createModel, inputShape: [7, 7, 4] })).rejects.toThrow(/its channels is 3, but inputShape says 4/);
  const { model } = await agree('dynamic H, W', bytes, { inputShape: [7, 5, 3], keep: true });
  expect(model.inputShape).toEqual([7, 5, 3]);
  model.dispose();

  b = builder(13, 13);
  y = b.op('Relu', [b.gemm('fc1', 'v', 10, 6)], {}, 'r');
  y = b.gemm('fc2', y, 6, 3);
  bytes = b.build({ input: ['v', ['N', 10]], output: y });
  await agree('vector input (N, 10)', bytes, { vectorInput: true });
});

// ─── Refusals ────────────────────────────────────────────────────────────────────────────

describe('refusals name the node, the op and the rule', () => {
  const small = (add) => {
    const b = builder(13, 20);
    const y = add(b, b.conv('c', 'x', { cin: 2, cout: 3, k: 3 }));
    return b.build({ input: ['x', ['N', 2, 5, 5]], output: y });
  };
  test('an unsupported op names the op, the node and the supported ops', async () => {
    const bytes = small((b, y) => b.op('LRN', [y], { size: 3 }, 'norm'));
    const err = await importOnnx(bytes, { createModel }).catch((e) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err.message).toMatch(/^loadModel: ONNX node '\/norm\/LRN' \(LRN\): this op is not supported .*supported ops: .*Conv.*MaxPool/);
  });
  test('two graph outputs', async () => {
    const b = builder(13, 21);
    const a = b.op('Relu', ['x'], {}, 'a');
    const c = b.op('Sigmoid', ['x'], {}, 'c');
    await expect(importOnnx(b.build({ input: ['x', ['N', 1, 3, 3]], output: [a, c] }), { createModel })).rejects.toThrow(
      "loadModel: ONNX: the graph has 2 outputs ('/a/Relu_output_0', '/c/Sigmoid_output_0'); wasm-cnn models have exactly one (their last layer)");
  });
  test.each([
    ['Clip(-1, 1)', (b, y) => b.op('Clip', [y, b.weight('lo', [], { values: [-1] }), b.weight('hi', [], { values: [1] })], {}, 'clip'), /\(Clip\): Clip\(-1, 1\) has no wasm-cnn equivalent/],
    ['Gelu tanh', (b, y) => { b.opset = 20; return b.op('Gelu', [y], { approximate: 'tanh' }, 'g'); }, /\(Gelu\): approximate 'tanh' is not supported/],
    ['Selu with other constants', (b, y) => b.op('Selu', [y], { alpha: f(2) }, 's'), /only the standard SELU constants/],
    ['Softmax over the width', (b, y) => b.op('Softmax', [y], { axis: 3 }, 's'), /softmax over axis 3 .* is not over the channels/],
    ['Softmax over a size-1 axis', (b, y) => b.op('Softmax', [b.op('GlobalAveragePool', [y], {}, 'g')], { axis: 2 }, 's'), /softmax over axis 2 of \(N, 3, 1, 1\)/],
    ['Softmax of opset 11 over C·H·W', (b, y) => { b.opset = 11; return b.op('Softmax', [y], { axis: 1 }, 's'); }, /softmax over axis 1 of \(N, 3, 3, 3\) \(opset 11\)/],
    ['an unknown attribute', (b, y) => b.op('Relu', [y], { alpha: f(0.1) }, 'r'), /unknown attribute 'alpha' \(Relu has none\)/],
    ['a misspelt attribute', (b, y) => b.op('MaxPool', [y], { kernel_shape: [2, 2], stride: [2, 2] }, 'p'), /unknown attribute 'stride' \(MaxPool has auto_pad, dilations, kernel_shape, pads, strides, ceil_mode, storage_order\)/],
    ['Pad reflect', (b, y) => b.op('Pad', [y, b.ints('p', [0, 0, 1, 1, 0, 0, 1, 1])], { mode: 'reflect' }, 'p'), /mode 'reflect' is not supported/],
    ['Pad on channels', (b, y) => b.op('Pad', [y, b.ints('p', [0, 1, 0, 0, 0, 0, 0, 0])], {}, 'p'), /only the height and width/],
    ['MaxPool storage_order', (b, y) => b.op('MaxPool', [y], { kernel_shape: [2, 2], storage_order: 1 }, 'p'), /storage_order 1/],
    ['a flattened map as the output', (b, y) => b.op('Flatten', [y], { axis: 1 }, 'f'), /the output '\/f\/Flatten_output_0' is a flattened \(3, 3, 3\) map/],
    ['Flatten axis 2', (b, y) => b.op('Flatten', [y], { axis: 2 }, 'f'), /only Flatten\(axis = 1\)/],
    ['Reshape to (N, 3, 9)', (b, y) => b.op('Reshape', [y, b.ints('s', [0, 3, 9])], {}, 'r'), /reshaping \(N, 3, 3, 3\) to \(1, 3, 9\) has no wasm-cnn equivalent/],
    ['Gemm transA', (b, y) => b.op('Gemm', [b.op('Flatten', [y], {}, 'f'), b.weight('w', [27, 2])], { transA: 1 }, 'g'), /transA 1 is not supported/],
    ['Add of a full-shape constant', (b, y) => b.op('Add', [y, b.weight('k', [1, 3, 3, 3])], {}, 'a'), /does not broadcast per channel/],
    ['Sub of two tensors', (b, y) => b.op('Sub', [y, y], {}, 's'), /Sub of two computed tensors is not supported/],
    ['a custom domain', (b, y) => { b.rawNode('FusedConv', [y], ['z'], {}, 'fc'); b.nodes.at(-1).domain = 'com.microsoft'; return 'z'; }, /operator domain 'com.microsoft' is not supported/],
    ['a missing initializer', (b, y) => b.op('Conv', [y, 'nowhere.weight'], { kernel_shape: [1, 1] }, 'k'), /reads 'nowhere.weight', which no node, initializer or graph input defines \(a missing initializer\?\)/],
  ])('%s', async (_name, add, message) => {
    const err = await importOnnx(small(add), { createModel, where: 'importOnnx' }).catch((e) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err.message).toMatch(/^importOnnx: /);
    expect(err.message).toMatch(message);
  });
});

// ─── Hostile bytes ───────────────────────────────────────────────────────────────────────

/**
 * importOnnx of bytes: { model } or { error } — anything but an Error fails the test; `ms` is
 * the import's time (and one prediction's).
 */
async function attempt(bytes, x) {
  const t0 = performance.now();
  let out;
  try {
    const model = await importOnnx(bytes, { createModel, inputShape: [5, 5, 2] });
    out = { model, y: model.predict(x ?? new Float32Array(model.inputSize)) };
  } catch (err) {
    if (!(err instanceof Error) || err.constructor !== Error) throw new Error(`threw ${err?.constructor?.name}: ${err?.message ?? err}`);
    out = { error: err.message };
  }
  out.ms = performance.now() - t0;
  return out;
}

/** ORT's output for one NHWC image (as NHWC), or null when ORT refuses the model. */
async function ortOutput(bytes, x, [H, W, C]) {
  try {
    const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'disabled', logSeverityLevel: 4 });
    try {
      const out = Object.values(await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', nhwcToNchw(x, 1, H, W, C), [1, C, H, W]) }))[0];
      return out.dims.length === 4 ? nchwToNhwc(out.data, ...out.dims) : out.data;
    } finally {
      await session.release();
    }
  } catch {
    return null;
  }
}

const seedModels = () => {
  const list = [];
  let b = builder(13, 30);
  let y = b.op('Relu', [b.bn('bn', b.conv('c', 'x', { cin: 2, cout: 3, k: 3, pads: [1, 1, 1, 1] }), 3)], {}, 'r');
  y = b.op('MaxPool', [y], { kernel_shape: [2, 2], strides: [2, 2], ceil_mode: 1 }, 'mp');
  y = b.op('Flatten', [y], { axis: 1 }, 'f');
  list.push(b.build({ input: ['x', ['N', 2, 5, 5]], output: b.gemm('fc', y, 27, 4) }));
  b = builder(9, 31);
  y = b.op('Relu', [b.conv('c', 'x', { cin: 2, cout: 4, k: 1 })], {}, 'r');
  const s = b.op('Sigmoid', [b.conv('se', b.op('GlobalAveragePool', [y], {}, 'g'), { cin: 4, cout: 4, k: 1 })], {}, 's');
  y = b.op('Mul', [y, s], {}, 'm');
  const shape = b.op('Shape', [y], {}, '');
  const n = b.op('Gather', [shape, b.op('Constant', [], { value: tensor('', [], [0], 'int64') }, '')], { axis: 0 }, '');
  y = b.op('Reshape', [y, b.op('Concat', [b.op('Unsqueeze', [n], { axes: [0] }, ''), b.constInts([-1])], { axis: 0 }, '')], {}, '');
  list.push(b.build({ input: ['x', ['N', 2, 'H', 'W']], output: b.gemm('fc', y, 100, 3) }));
  return list;
};

test('2 000 seeded mutations and truncations of valid files: each imports or throws an Error within 1 s, and what imports agrees with ORT', async () => {
  const seeds = seedModels();
  const r = rng(2024);
  const int = (n) => Math.floor(r() * n);
  const x = Float32Array.from({ length: 50 }, (_, k) => Math.sin(k * 1.7));
  const stats = { ok: 0, error: 0, compared: 0, ortRefused: 0, slowest: 0, messages: new Map() };
  for (let i = 0; i < 2000; i++) {
    const base = seeds[i % seeds.length];
    let bytes = new Uint8Array(base); // a copy (base may be a Node Buffer, whose slice() is a view)
    const kind = i % 6;
    if (kind === 0) bytes = bytes.subarray(0, int(bytes.length)); // truncation
    else if (kind === 1) for (let k = 1 + int(4); k > 0; k--) bytes[int(bytes.length)] = int(256); // random bytes
    else if (kind === 2) for (let k = 1 + int(3); k > 0; k--) bytes[int(bytes.length)] ^= 1 << int(8); // bit flips
    else if (kind === 3) { // a varint that claims a huge length
      const at = int(bytes.length);
      bytes = new Uint8Array([...bytes.subarray(0, at), 0xff, 0xff, 0xff, 0xff, 0x0f, ...bytes.subarray(at)]);
    } else if (kind === 4) { // a slice of the file copied elsewhere
      const a = int(bytes.length);
      const len = 1 + int(40);
      const at = int(bytes.length);
      bytes = new Uint8Array([...bytes.subarray(0, at), ...bytes.subarray(a, a + len), ...bytes.subarray(at)]);
    } else for (let k = 1 + int(2); k > 0; k--) { // ±1: dims, attributes, lengths off by one
      const at = int(bytes.length);
      bytes[at] = (bytes[at] + (r() < 0.5 ? 1 : 255)) & 255;
    }
    const res = await attempt(bytes, x);
    stats.slowest = Math.max(stats.slowest, res.ms);
    if (res.ms > 1000) throw new Error(`mutation ${i} took ${res.ms} ms`);
    if (res.error) {
      stats.error++;
      const key = res.error.replace(/\d+/g, 'N').slice(0, 60);
      stats.messages.set(key, (stats.messages.get(key) || 0) + 1);
      continue;
    }
    stats.ok++;
    // never a wrong answer: a mutated model that imports computes what ORT computes
    const ref = await ortOutput(bytes, x, res.model.inputShape);
    if (ref) {
      stats.compared++;
      expect(res.y.length).toBe(ref.length);
      for (let k = 0; k < ref.length; k++) {
        const ok = Number.isNaN(ref[k]) ? Number.isNaN(res.y[k]) : Math.abs(res.y[k] - ref[k]) <= 1e-4 * (1 + Math.abs(ref[k]));
        if (!ok) throw new Error(`mutation ${i}: output ${k} is ${res.y[k]}, ORT says ${ref[k]}`);
      }
    } else stats.ortRefused++;
    res.model.dispose();
  }
  report.push({ name: `fuzz: ${stats.ok} imported (${stats.compared} agree with ORT, ${stats.ortRefused} ORT refuses), ${stats.error} refused; slowest ${stats.slowest.toFixed(1)} ms`, err: 0, values: 2000, layers: 0 });
  if (process.env.ONNX_FUZZ_MESSAGES) process.stdout.write([...stats.messages].sort((a, b) => b[1] - a[1]).map(([m, k]) => `${k}\t${m}`).join('\n') + '\n');
  // an internal failure of the importer (a TypeError turned into an Error) would read so:
  expect([...stats.messages.keys()].filter((m) => m.includes('import failed'))).toEqual([]);
  expect(stats.ok + stats.error).toBe(2000);
  expect(stats.compared).toBeGreaterThan(100);
});

describe('hostile files', () => {
  const FLOAT = onnx.TensorProto.DataType.FLOAT;
  test('not ONNX: HTML, a wasm-cnn file, empty, random bytes', async () => {
    const html = new TextEncoder().encode('<!doctype html><html><body>404</body></html>');
    expect(looksLikeOnnx(html)).toBe(false);
    await expect(importOnnx(html, { createModel })).rejects.toThrow(/^loadModel: not an ONNX model: /);
    const m = await createModel({ input: [4, 4, 1], layers: [{ type: 'flatten' }], seed: 1 });
    const wcnn = m.save();
    m.dispose();
    expect(looksLikeOnnx(wcnn)).toBe(false);
    await expect(importOnnx(wcnn, { createModel })).rejects.toThrow(/^loadModel: not an ONNX model: /);
    expect(looksLikeOnnx(new Uint8Array(0))).toBe(false);
    await expect(importOnnx(new Uint8Array(0), { createModel })).rejects.toThrow(/^loadModel: not an ONNX model: no bytes/);
    for (const bytes of seedModels()) expect(looksLikeOnnx(bytes)).toBe(true);
    expect(looksLikeOnnx(Uint8Array.from({ length: 64 }, (_, i) => (i * 37 + 11) & 255))).toBe(false);
    await expect(importOnnx('model.onnx', { createModel })).rejects.toThrow(/not an ONNX model: expected a Uint8Array/);
  });

  test('truncation names the byte', async () => {
    const bytes = seedModels()[0];
    await expect(importOnnx(bytes.subarray(0, 100), { createModel })).rejects.toThrow(/^loadModel: ONNX: truncated at byte 100$/);
  });

  test('dims of 2^31, a dim of -1, external data', async () => {
    const mk = (t) => {
      const b = builder(13, 40);
      b.inits.push(t);
      return b.build({ input: ['x', ['N', 1, 4, 4]], output: b.op('Conv', ['x', t.name], { kernel_shape: [1, 1] }, 'c') });
    };
    await expect(importOnnx(mk(onnx.TensorProto.create({ name: 'w', dims: [2 ** 31, 1, 1, 1], dataType: FLOAT, rawData: new Uint8Array(8) })), { createModel }))
      .rejects.toThrow(/ONNX initializer 'w': \(2147483648, 1, 1, 1\) has over 2\^28 elements/);
    await expect(importOnnx(mk(onnx.TensorProto.create({ name: 'w', dims: [65536, 65536, 1, 1], dataType: FLOAT, rawData: new Uint8Array(8) })), { createModel }))
      .rejects.toThrow(/over 2\^28 elements/);
    await expect(importOnnx(mk(onnx.TensorProto.create({ name: 'w', dims: [-1, 1, 1, 1], dataType: FLOAT, rawData: new Uint8Array(4) })), { createModel }))
      .rejects.toThrow(/ONNX initializer 'w': dimension -1/);
    await expect(importOnnx(mk(onnx.TensorProto.create({ name: 'w', dims: [1, 1, 1, 1], dataType: FLOAT, rawData: new Uint8Array(3) })), { createModel }))
      .rejects.toThrow(/raw_data of 3 bytes/);
    await expect(importOnnx(mk(onnx.TensorProto.create({ name: 'w', dims: [1, 1, 1, 1], dataType: FLOAT, dataLocation: 1, externalData: [{ key: 'location', value: 'w.bin' }] })), { createModel }))
      .rejects.toThrow(/external data/);
    await expect(importOnnx(mk(onnx.TensorProto.create({ name: 'w', dims: [1, 1, 1, 1], dataType: onnx.TensorProto.DataType.STRING, stringData: [new Uint8Array(1)] })), { createModel }))
      .rejects.toThrow(/data type string is not supported/);
  });

  test('10 000 nodes: an Identity chain imports; a Relu chain is refused (over the layer limit), quickly', async () => {
    for (const op of ['Identity', 'Relu']) {
      const b = builder(13, 41);
      let y = b.conv('c', 'x', { cin: 2, cout: 1, k: 1 });
      for (let i = 0; i < 10000; i++) y = b.op(op, [y], {}, `n${i}`);
      const bytes = b.build({ input: ['x', ['N', 2, 5, 5]], output: y });
      const t0 = performance.now();
      const res = await attempt(bytes);
      expect(performance.now() - t0).toBeLessThan(1000);
      res.model?.dispose();
      if (op === 'Identity') expect(res.model).toBeDefined();
      else expect(res.error).toBe('loadModel: ONNX: the graph becomes over 4096 wasm-cnn layers; a wasm-cnn model has at most 256');
    }
  });

  test('a cycle (a node reading its own output), a value defined twice, a missing graph input', async () => {
    let b = builder(13, 42);
    b.rawNode('Relu', ['loop'], ['loop'], {}, 'self');
    b.rawNode('Add', ['x', 'loop'], ['y'], {}, 'add');
    await expect(importOnnx(b.build({ input: ['x', ['N', 1, 3, 3]], output: 'y' }), { createModel })).rejects.toThrow(/ONNX node 'self' \(Relu\) depends on its own output 'loop' \(a cycle in the graph\)/);
    b = builder(13, 43);
    b.rawNode('Relu', ['b'], ['a'], {}, 'one');
    b.rawNode('Relu', ['a'], ['b'], {}, 'two');
    await expect(importOnnx(b.build({ input: ['x', ['N', 1, 3, 3]], output: 'b' }), { createModel })).rejects.toThrow(/a cycle in the graph/);
    b = builder(13, 44);
    b.rawNode('Relu', ['x'], ['a'], {}, 'one');
    b.rawNode('Sigmoid', ['x'], ['a'], {}, 'two');
    await expect(importOnnx(b.build({ input: ['x', ['N', 1, 3, 3]], output: 'a' }), { createModel })).rejects.toThrow(/output 'a' is already defined/);
    b = builder(13, 45);
    b.rawNode('Relu', ['x'], ['a'], {}, 'one');
    await expect(importOnnx(b.build({ input: ['x', ['N', 1, 3, 3]], output: 'a', extraInputs: [['x2', ['N', 1, 3, 3]]] }), { createModel })).rejects.toThrow(/the graph has 2 inputs \('x', 'x2'\)/);
    b = builder(13, 46);
    await expect(importOnnx(b.build({ input: ['x', ['N', 1, 3, 3]], output: 'nothing' }), { createModel })).rejects.toThrow(/no node produces the graph output 'nothing'/);
  });

  test('NaN weights import and predict NaN (as ORT does): the importer does not judge values', async () => {
    const b = builder(13, 47);
    const w = b.weight('w', [2, 1, 1, 1], { values: [NaN, 1] });
    const y = b.op('Conv', ['x', w], { kernel_shape: [1, 1] }, 'c');
    const model = await importOnnx(b.build({ input: ['x', ['N', 1, 2, 2]], output: y }), { createModel });
    const out = model.predict(new Float32Array([1, 2, 3, 4]));
    expect(Array.from(out.filter((_, i) => i % 2 === 0)).every(Number.isNaN)).toBe(true);
    expect(Array.from(out.filter((_, i) => i % 2 === 1))).toEqual([1, 2, 3, 4]);
    model.dispose();
  });

  test('opset and IR version outside the supported range', async () => {
    for (const [opset, ir, msg] of [[5, 8, /ONNX opset 5 is not supported \(opsets 6 to 25 are\)/], [26, 8, /opset 26/], [13, 2, /IR version 2 is not supported/]]) {
      const b = new OnnxBuilder({ rand: rng(1), opset, irVersion: ir });
      const y = b.op('Relu', ['x'], {}, 'r');
      await expect(importOnnx(b.build({ input: ['x', ['N', 1, 2, 2]], output: y }), { createModel })).rejects.toThrow(msg);
    }
  });
});
