// graph-tfjs.test.js — graph models (layers with `inputs`; add, concat, multiply) against
// @tensorflow/tfjs-layers 4.22 functional models, and hostile graph definitions and files.
//
// 1. Agreement with tfjs-layers. Each model of tests/js/support/graph-models.js
//    (GRAPH_CASES) is built twice: with createModel, and as a tf.model({ inputs, outputs })
//    made from the same layer objects by that file's buildTfl (tfl.layers.add /
//    concatenate / multiply; squeeze-and-excitation's (C) vector reshaped to [1, 1, C] before
//    the multiply, as Keras does). The cases:
//      a  ResNet basic block, 1×1 stride-2 projection skip, → global avg pool → dense softmax
//      b  MobileNet-v2 inverted residual (expand, relu6, depthwise, relu6, linear project,
//         add with the block input)
//      c  Inception-style block: 1×1 | 1×1 → 3×3 | maxpool 3×3/1 same → 1×1, concat
//      d  squeeze-and-excitation: multiply(map, vector)
//      e  a layer read by 3 later layers, an add of 3 inputs (default names throughout)
//      f  the model's input read twice, multiply of two maps, a flatten (which shares its
//         input's memory in the engine) read beside a global pooling of the same map,
//         concat of vectors
//    The same seeded random weights (mulberry32 from tests/fixtures.js; kernels, biases,
//    batchnorm gamma/beta/moving statistics) go into both. Compared:
//      * the engine's reading of the definition: every layer's name (default names counted
//        per type), its inputs and its output shape against an independent reading
//        (graph-models.js defaultNames/readersOf) and tfjs-layers' shapes;
//      * every layer's output (activations(b) for every image of a predictBatch) and the
//        output, in inference mode (batchnorm with the moving statistics);
//      * gradients(x, labels, n, { loss }): the loss, every kernel / bias / gamma / beta
//        gradient and the input gradient against tf.variableGrads / tf.grad of the same
//        loss on the tfjs side with the model applied with { training: false };
//      * three SGD steps of trainBatch (batchnorm in training mode: batch statistics,
//        moving-statistic updates) against tf.variableGrads of the model applied with
//        { training: true } + tf.train.sgd: every weight and moving statistic after each step.
//    Losses: cross-entropy = mean over the batch of logsumexp(z) − z[label], z the logits
//    (the last layer before its softmax; tfjs side: the same expression on the twin's linear
//    output); mse = mean over images and outputs of (y − t)².
//
//    Tolerances (both sides float32; measured maxima are printed at the end):
//      * forward, every value: |ours − tfjs| ≤ 1e-5 · max(1, |tfjs|)  (measured ≤ 2e-6: case
//        b, whose batchnorms see inputs of a few units);
//      * gradients, per tensor: max |ours − tfjs| ≤ 1e-5 · max |tfjs| (measured ≤ 6e-7);
//      * loss: |ours − tfjs| ≤ 1e-5 · max(1, |tfjs|);
//      * weights and moving statistics after SGD steps: ≤ 1e-5 · max(1, |tfjs|) (measured
//        ≤ 4e-7), and a step must move some weight by more than 100× that.
//
// 2. Structure through the API: summary()'s Inputs column, config() round trips (inputs only
//    where a layer does not read the previous one), save() / loadModel keep the graph bit for
//    bit, a definition that names only previous layers is not a graph (no GRPH section).
//
// 3. Hostile definitions (createModel rejects each with an Error naming the layer and the
//    rule) and hostile files: the GRPH section of a saved graph model corrupted (input
//    pointing forward, at itself, below −1; n_inputs 0, 33, 100 000, 2^32 − 1; section length
//    short, long, huge; bytes removed; section removed or repeated), the CRC-32 recomputed so
//    the damage reaches the reader; every word of GRPH set to a table of values; 1000 rejected
//    loads leave the wasm memory within 1 MiB of where it was.

import { jest } from '@jest/globals';
import { createModel, engineInfo, loadModel } from '../../js/index.js';
import { rng } from '../fixtures.js';
import {
  tf, buildTfl, randomWeights, setBoth, tflOutputs, tflGradients, trainableVars, lossT, engineName,
  defaultNames, readersOf, GRAPH_CASES,
} from './support/graph-models.js';

jest.setTimeout(60000);

const FWD_RTOL = 1e-5;
const GRAD_RTOL = 1e-5;
const LOSS_RTOL = 1e-5;
const UPDATE_RTOL = 1e-5;

const prod = (s) => s.reduce((a, b) => a * b, 1);
const stats = {};
const note = (key, v) => { stats[key] = Math.max(stats[key] ?? 0, v); };

/** Worst |a − b| / max(1, |b|) over n values (Infinity for NaN). */
function scaledDiff(a, offA, b, offB, n) {
  let worst = 0;
  for (let j = 0; j < n; j++) {
    const d = Math.abs(a[offA + j] - b[offB + j]) / Math.max(1, Math.abs(b[offB + j]));
    worst = Number.isNaN(d) ? Infinity : Math.max(worst, d);
  }
  return worst;
}

/** max |a − b| / max |b| (a length mismatch or NaN: Infinity). */
function gradDiff(a, b) {
  if (!a || a.length !== b.length) return Infinity;
  let d = 0;
  let s = 0;
  for (let k = 0; k < b.length; k++) {
    const e = Math.abs(a[k] - b[k]);
    d = Number.isNaN(e) ? Infinity : Math.max(d, e);
    s = Math.max(s, Math.abs(b[k]));
  }
  return s === 0 ? (d === 0 ? 0 : Infinity) : d / s;
}

/** Random images and labels for a case, from the PRNG `next`. */
function batchOf(c, next, outSize) {
  const n = c.batch;
  const range = c.inputRange ?? 1;
  const x = Float32Array.from({ length: n * prod(c.input) }, () => (2 * next() - 1) * range);
  const labels = c.loss === 'crossentropy'
    ? Int32Array.from({ length: n }, () => Math.floor(next() * outSize))
    : Float32Array.from({ length: n * outSize }, () => 2 * next() - 1);
  return { x, labels };
}

/** A case's engine model and tfjs twin with the same random weights. */
async function pair(c, seed) {
  const net = await createModel({ input: c.input, layers: c.layers, seed });
  const twin = buildTfl(c.input, c.layers);
  const next = rng(seed);
  const weights = randomWeights(net, next, { gain: c.weightGain ?? 1 });
  setBoth(net, twin, weights);
  return { net, twin, next, weights };
}

beforeAll(async () => {
  tf.env().set('IS_TEST', true); // silences tfjs's "install tfjs-node" banner only
  await tf.setBackend('cpu');
  await tf.ready();
});

afterAll(() => {
  const line = Object.entries(stats).map(([k, v]) => `${k} ${v.toExponential(2)}`).join(', ');
  console.log(`graph models vs tfjs-layers, largest differences: ${line}`);
});

// ─── 1. Agreement with tfjs-layers ─────────────────────────────────────────────────────────

const CASES = GRAPH_CASES.map((c, k) => [`(${c.key}) ${c.name}`, { ...c, seed: 0x9a0 + k }]);

describe('graph models agree with tfjs-layers 4.22 functional models', () => {
  test.each(CASES)('%s: names, inputs, shapes, every layer output, gradients', async (_, c) => {
    const { net, twin, next } = await pair(c, c.seed);
    try {
      // the engine reads the definition as the graph rules say, and shapes are tfjs's
      const names = defaultNames(c.layers);
      expect(net.layers.map((l) => l.name)).toEqual(names);
      if (c.expectNames) expect(names).toEqual(c.expectNames);
      expect(net.layers.map((l) => [...l.inputs])).toEqual(readersOf(c.layers));
      expect(net.isGraph).toBe(true);
      const tflShapes = twin.outputs.outputs.map((t) => t.shape.slice(1));
      expect(net.layers.map((l) => [...l.outputShape])).toEqual(tflShapes);

      const n = c.batch;
      const outSize = prod(net.outputShape);
      const { x, labels } = batchOf(c, next, outSize);

      // forward: every layer, every image
      const out = net.predictBatch(x, n);
      const ref = tflOutputs(twin, c.input, x, n);
      const fails = [];
      for (let b = 0; b < n; b++) {
        const acts = net.activations(b);
        expect(acts.map((a) => a.name)).toEqual(names);
        acts.forEach((a, i) => {
          const size = prod(ref[i].shape);
          expect(a.data.length).toBe(size);
          const e = scaledDiff(a.data, 0, ref[i].data, b * size, size);
          note('forward', e);
          if (!(e <= FWD_RTOL)) fails.push(`image ${b}, layer ${i} (${names[i]}): ${e.toExponential(3)}`);
        });
      }
      const eOut = scaledDiff(out, 0, ref.at(-1).data, 0, out.length);
      note('output', eOut);
      if (!(eOut <= FWD_RTOL)) fails.push(`predictBatch output: ${eOut.toExponential(3)}`);
      if (fails.length) throw new Error(`${c.name}: outputs differ from tfjs by more than ${FWD_RTOL}·max(1,|tfjs|):\n  ${fails.join('\n  ')}`);

      // gradients (inference mode on both sides)
      const ours = net.gradients(x, labels, n, { loss: c.loss });
      const truth = tflGradients(twin, c.layers, c.input, x, n, labels, c.loss);
      const eLoss = Math.abs(ours.loss - truth.loss) / Math.max(1, Math.abs(truth.loss));
      note('loss', eLoss);
      expect(eLoss).toBeLessThanOrEqual(LOSS_RTOL);
      const gFails = [];
      let tensors = 0;
      truth.layers.forEach((t, i) => {
        if (!t) {
          if (ours.layers[i] !== null) gFails.push(`layer ${i} (${names[i]}): gradients given for a layer without trainable tensors`);
          return;
        }
        for (const [nm, want] of Object.entries(t)) {
          const e = gradDiff(ours.layers[i]?.[nm], want);
          note(`${nm} gradient`, e);
          tensors++;
          if (!(e <= GRAD_RTOL)) gFails.push(`layer ${i} (${names[i]}) ${nm}: ${e.toExponential(3)}`);
        }
      });
      const eIn = gradDiff(ours.input, truth.input);
      note('input gradient', eIn);
      if (!(eIn <= GRAD_RTOL)) gFails.push(`input: ${eIn.toExponential(3)}`);
      if (gFails.length) throw new Error(`${c.name}: gradients differ from tfjs by more than ${GRAD_RTOL}·max|tfjs|:\n  ${gFails.join('\n  ')}`);
      expect(tensors).toBe(net.layers.reduce((s, l) => s + l.tensors.filter((t) => t.trainable).length, 0));
    } finally {
      net.dispose();
      twin.dispose();
    }
  });

  test.each(CASES)('%s: 3 SGD steps of trainBatch (batchnorm in training mode) match tfjs', async (_, c) => {
    const lr = 0.1;
    const { net, twin, next, weights } = await pair(c, c.seed + 100);
    try {
      net.setOptimizer({ optimizer: 'sgd', loss: c.loss, learningRate: lr });
      const outSize = prod(net.outputShape);
      const vars = c.layers.map((_, i) => trainableVars(twin, i));
      const list = vars.flatMap((v) => (v ? Object.values(v) : []));
      let moved = 0;
      for (let step = 0; step < 3; step++) {
        const { x, labels } = batchOf(c, next, outSize);
        const ourLoss = net.trainBatch(x, labels, c.batch);
        const sgd = tf.train.sgd(lr);
        const xT = tf.tensor4d(x, [c.batch, ...c.input]);
        const { value, grads } = tf.variableGrads(() => lossT(twin.lossModel.apply(xT, { training: true }), labels, c.loss), list);
        const want = value.dataSync()[0];
        sgd.applyGradients(grads);
        tf.dispose([xT, value, Object.values(grads)]);
        sgd.dispose();
        const eLoss = Math.abs(ourLoss - want) / Math.max(1, Math.abs(want));
        note('training loss', eLoss);
        expect(eLoss).toBeLessThanOrEqual(LOSS_RTOL);
        const fails = [];
        twin.owners.forEach((owner, i) => {
          if (!owner) return;
          const got = net.getWeights(i);
          for (const lv of owner.weights) {
            const nm = engineName(lv);
            const t = lv.read().dataSync();
            const e = got[nm]?.length === t.length ? scaledDiff(got[nm], 0, t, 0, t.length) : Infinity;
            note('weights after SGD steps', e);
            for (let k = 0; k < t.length; k++) moved = Math.max(moved, Math.abs(t[k] - weights[i][nm][k]));
            if (!(e <= UPDATE_RTOL)) fails.push(`layer ${i} ${nm}: ${e.toExponential(3)}`);
          }
        });
        if (fails.length) throw new Error(`${c.name}: after SGD step ${step + 1}:\n  ${fails.join('\n  ')}`);
      }
      expect(moved).toBeGreaterThan(100 * UPDATE_RTOL); // not vacuous
    } finally {
      net.dispose();
      twin.dispose();
    }
  });
});

// ─── 2. Structure through the API ──────────────────────────────────────────────────────────

/** The file's sections: [{ tag, at (header offset), len }] (META padded to 4 bytes). */
function sections(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = [];
  let at = 16;
  while (at + 8 <= bytes.length) {
    const tag = String.fromCharCode(...bytes.subarray(at, at + 4));
    const len = view.getUint32(at + 4, true);
    out.push({ tag, at, len });
    if (tag === 'END ') break;
    at += 8 + len + (tag === 'META' ? (4 - (len % 4)) % 4 : 0);
  }
  return out;
}

describe('graphs through summary(), config(), save() and loadModel', () => {
  const RES = GRAPH_CASES.find((c) => c.key === 'a');

  test('summary() has an Inputs column listing each layer\'s inputs; sequential models have none', async () => {
    const net = await createModel({ input: RES.input, layers: RES.layers, seed: 1 });
    const seq = await createModel({ input: [8, 8, 1], layers: [{ type: 'conv2d', filters: 2, kernel: 3 }, { type: 'flatten' }], seed: 1 });
    try {
      const s = net.summary();
      const lines = s.split('\n');
      expect(lines[0]).toMatch(/Layer \(type\)\s+Output shape\s+Params\s+Inputs/);
      const row = lines.find((l) => l.startsWith('sum (add)'));
      expect(row).toMatch(/\[4, 4, 6\]\s+0\s+bn_b, bn_proj/);
      expect(lines.find((l) => l.startsWith('proj (conv2d)'))).toMatch(/\s+input(\s|$)/);
      expect(seq.summary()).not.toMatch(/Inputs/);
    } finally {
      net.dispose();
      seq.dispose();
    }
  });

  test.each(CASES)('%s: config() round trips; save() → loadModel keeps the graph bit for bit', async (_, c) => {
    const { net, next } = await pair(c, c.seed + 200);
    try {
      const cfg = net.config();
      const readers = readersOf(c.layers);
      const names = defaultNames(c.layers);
      // inputs only where a layer does not read the one before it
      cfg.layers.forEach((l, i) => {
        const previous = i ? names[i - 1] : 'input';
        if (readers[i].length === 1 && readers[i][0] === previous) expect(l.inputs).toBeUndefined();
        else expect(l.inputs).toEqual(readers[i]);
      });
      const again = await createModel({ ...cfg, seed: c.seed + 200 });
      expect(again.layers).toEqual(net.layers);
      expect(again.isGraph).toBe(true);
      again.dispose();

      const bytes = net.save();
      expect(sections(bytes).map((s) => s.tag)).toContain('GRPH');
      const back = await loadModel(bytes);
      try {
        expect(back.isGraph).toBe(true);
        expect(back.layers).toEqual(net.layers);
        net.layers.forEach((_, i) => expect(back.getWeights(i)).toEqual(net.getWeights(i)));
        const { x } = batchOf(c, next, prod(net.outputShape));
        const a = net.predictBatch(x, c.batch);
        const b = back.predictBatch(x, c.batch);
        expect(Buffer.from(b.buffer)).toEqual(Buffer.from(a.buffer));
        const actsA = net.activations(c.batch - 1);
        back.activations(c.batch - 1).forEach((act, i) => expect(Buffer.from(act.data.buffer)).toEqual(Buffer.from(actsA[i].data.buffer)));
        expect(back.save()).toEqual(bytes);
      } finally {
        back.dispose();
      }
    } finally {
      net.dispose();
    }
  });

  test('a definition whose inputs all name the previous layer is not a graph: no GRPH, config() without inputs', async () => {
    const layers = [
      { type: 'conv2d', name: 'c', filters: 2, kernel: 3, inputs: ['input'] },
      { type: 'flatten', name: 'f', inputs: ['c'] },
      { type: 'dense', units: 3, inputs: ['f'] },
    ];
    const net = await createModel({ input: [5, 5, 1], layers, seed: 4 });
    const plain = await createModel({ input: [5, 5, 1], layers: layers.map(({ inputs: _i, ...l }) => l), seed: 4 });
    try {
      expect(net.isGraph).toBe(false);
      expect(net.layers.map((l) => [...l.inputs])).toEqual([['input'], ['c'], ['f']]);
      expect(net.config().layers.every((l) => l.inputs === undefined)).toBe(true);
      expect(sections(net.save()).map((s) => s.tag)).not.toContain('GRPH');
      expect(net.save()).toEqual(plain.save());
    } finally {
      net.dispose();
      plain.dispose();
    }
  });
});

// ─── 3. Hostile definitions ────────────────────────────────────────────────────────────────

describe('hostile graph definitions: createModel throws an Error naming the layer and the rule', () => {
  const conv = (name, extra = {}) => ({ type: 'conv2d', name, filters: 4, kernel: 3, padding: 'same', ...extra });
  const BAD = [
    ['an unknown input name', [conv('a'), conv('b'), { type: 'add', name: 's', inputs: ['a', 'nope'] }],
      /layer 2 \(add\): input 'nope' is not the name of an earlier layer \(earlier: input, a, b\)/],
    ['a forward reference', [conv('a', { inputs: ['c'] }), conv('b'), conv('c'), { type: 'add', inputs: ['a', 'c'] }],
      /layer 0 \(conv2d\): input 'c' is layer 2, which comes after it/],
    ['a self-reference', [conv('a'), conv('b'), { type: 'add', name: 's', inputs: ['a', 's'] }],
      /layer 2 \(add\): lists itself \('s'\) as an input/],
    ['a self-reference of a single-input layer', [conv('a'), conv('b', { inputs: ['b'] })],
      /layer 1 \(conv2d\): lists itself \('b'\)/],
    ['a 2-cycle a → b → a (reported as a forward reference)', [conv('a', { inputs: ['b'] }), conv('b', { inputs: ['a'] })],
      /layer 0 \(conv2d\): input 'b' is layer 1, which comes after it/],
    ['a duplicate name', [conv('x'), conv('x', { kernel: 1 })],
      /layer 1: the name 'x' is also layer 0's; names must be unique/],
    ["a name equal to another layer's default name", [conv('conv2d_2'), { type: 'conv2d', filters: 2, kernel: 1 }],
      /layer 1: the name 'conv2d_2' is also layer 0's/],
    ["the name 'input'", [conv('input')], /layer 0: the name 'input' is the model's input/],
    ['a layer whose output nothing reads', [conv('a'), conv('dead'), conv('c', { inputs: ['a'] })],
      /layer 1 \(conv2d\): no layer reads its output/],
    ['add of two different shapes (names both)', [conv('a'), conv('b', { filters: 5, inputs: ['input'] }), { type: 'add', inputs: ['a', 'b'] }],
      /layer 2 \(add\): input 0 \(layer 0\) is \(8, 8, 4\) but input 1 \(layer 1\) is \(8, 8, 5\)/],
    ['add of a map and a vector', [conv('a'), { type: 'globalavgpool2d', name: 'g' }, { type: 'add', inputs: ['a', 'g'] }],
      /layer 2 \(add\): input 0 \(layer 0\) is \(8, 8, 4\) but input 1 \(layer 1\) is \(4\)/],
    ['concat of maps with different h/w', [conv('a'), { type: 'maxpool2d', name: 'p', size: 2 }, { type: 'concat', inputs: ['a', 'p'] }],
      /layer 2 \(concat\): input 0 \(layer 0\) is 8x8 but input 1 \(layer 1\) is 4x4/],
    ['concat of a map and a vector', [conv('a'), { type: 'globalavgpool2d', name: 'g' }, { type: 'concat', inputs: ['a', 'g'] }],
      /layer 2 \(concat\): inputs 0 \(layer 0\) and 1 \(layer 1\) mix a map and a vector/],
    ['multiply by a vector of the wrong length', [conv('a'), { type: 'globalavgpool2d' }, { type: 'dense', name: 'd', units: 3 }, { type: 'multiply', inputs: ['a', 'd'] }],
      /layer 3 \(multiply\): input 1 \(layer 2\) is a vector of 3 values, but the maps have 4 channels/],
    ['a merge with one input', [conv('a'), conv('b'), { type: 'add', inputs: ['b'] }], /layer 2 \(add\): needs 2 or more inputs, got 1/],
    ['a merge without inputs', [conv('a'), { type: 'add' }], /layer 1 \(add\): needs 'inputs'/],
    ['a conv2d with two inputs', [conv('a'), conv('b'), conv('c', { inputs: ['a', 'b'] })], /layer 2 \(conv2d\): takes one input, got 2/],
    ['inputs that are not an array of names', [conv('a'), conv('b'), { type: 'add', inputs: 'a' }], /layer 2 \(add\): inputs must be a non-empty array of layer names/],
    ['inputs given as indices', [conv('a'), conv('b'), { type: 'add', inputs: [0, 1] }], /layer 2 \(add\): inputs must be a non-empty array of layer names/],
    ['an empty inputs array', [conv('a'), { type: 'add', inputs: [] }], /layer 1 \(add\): inputs must be a non-empty array/],
    ['an add with a fan-in of 10 000', [conv('a'), conv('b'), { type: 'add', inputs: Array(10000).fill('a') }], /layer 2 \(add\): 10000 inputs; a layer takes at most 32/],
    ['an add of 33 distinct layers', [...Array.from({ length: 33 }, (_, i) => ({ type: 'relu', name: `r${i}`, inputs: ['input'] })), { type: 'add', inputs: Array.from({ length: 33 }, (_, i) => `r${i}`) }],
      /layer 33 \(add\): 33 inputs; a layer takes at most 32/],
  ];

  test.each(BAD)('%s', async (_, layers, re) => {
    let err = null;
    try {
      (await createModel({ input: [8, 8, 3], layers, seed: 1 })).dispose();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(Error);
    expect(err.message).toMatch(re);
  });

  test('the limits themselves are accepted: an add of 32 inputs', async () => {
    const layers = [...Array.from({ length: 32 }, (_, i) => ({ type: 'relu', name: `r${i}`, inputs: ['input'] })), { type: 'add', inputs: Array.from({ length: 32 }, (_, i) => `r${i}`) }];
    const net = await createModel({ input: [2, 2, 1], layers, seed: 1 });
    const y = net.predict(Float32Array.from([1, -2, 3, 0.5]));
    expect(Array.from(y)).toEqual([32, 0, 96, 16]); // 32 · relu(x)
    net.dispose();
  });

  test('a definition of 10 000 layers is refused quickly, naming the limit', async () => {
    const before = (await engineInfo()).memoryBytes;
    for (const [what, layers] of [
      ['10 000 relu layers', Array.from({ length: 10000 }, () => ({ type: 'relu' }))],
      ['10 000 named layers, each reading the one before by name', Array.from({ length: 10000 }, (_, i) => ({ type: 'relu', name: `r${i}`, inputs: [i ? `r${i - 1}` : 'input'] }))],
    ]) {
      const t0 = performance.now();
      await expect(createModel({ input: [4, 4, 1], layers })).rejects.toThrow(/10000 layers; a model has at most 256/);
      const ms = performance.now() - t0;
      console.log(`${what}: refused in ${ms.toFixed(0)} ms`);
      expect(ms).toBeLessThan(3000);
    }
    const after = (await engineInfo()).memoryBytes;
    console.log(`wasm memory ${before} → ${after} bytes across the two refusals`);
    expect(after).toBe(before); // refused before anything reaches the engine
  });
});

// ─── 3b. Hostile files ─────────────────────────────────────────────────────────────────────

describe('hostile graph files: loadModel rejects a damaged GRPH section with a message, never crashes', () => {
  // CRC-32 as tests/js/model-file.test.js recomputes it (over everything before END).
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  function fixCrc(b) {
    let c = 0xffffffff;
    for (let i = 0; i < b.length - 12; i++) c = crcTable[(c ^ b[i]) & 0xff] ^ (c >>> 8);
    new DataView(b.buffer, b.byteOffset).setUint32(b.length - 4, (c ^ 0xffffffff) >>> 0, true);
    return b;
  }
  const u32 = (b, at, v) => { new DataView(b.buffer, b.byteOffset).setUint32(at, v >>> 0, true); return b; };
  /** bytes with `remove` bytes at `at` replaced by `insert`, the header's file size fixed. */
  const splice = (b, at, remove, insert = []) => {
    const out = new Uint8Array(b.length - remove + insert.length);
    out.set(b.subarray(0, at));
    out.set(insert, at);
    out.set(b.subarray(at + remove), at + insert.length);
    return u32(out, 12, out.length);
  };

  // a: conv, b: conv, s = add(a, b), global pool, dense softmax. GRPH payload, per layer
  // (n_inputs, inputs…): a (1, −1) b (1, 0) s (2, 0, 1) pool (1, 2) dense (1, 3): 44 bytes.
  const LAYERS = [
    { type: 'conv2d', name: 'a', filters: 3, kernel: 3, padding: 'same', activation: 'relu' },
    { type: 'conv2d', name: 'b', filters: 3, kernel: 3, padding: 'same' },
    { type: 'add', name: 's', inputs: ['a', 'b'] },
    { type: 'globalavgpool2d' },
    { type: 'dense', units: 2, activation: 'softmax' },
  ];
  let good;
  let G; // GRPH section header offset
  let P; // its payload
  beforeAll(async () => {
    const net = await createModel({ input: [6, 6, 2], layers: LAYERS, seed: 3 });
    good = net.save();
    net.dispose();
    const grph = sections(good).find((s) => s.tag === 'GRPH');
    G = grph.at;
    P = G + 8;
    // the layout the cases below rely on (docs/model-format.md 3.1a)
    expect(grph.len).toBe(44);
    expect(Array.from(new Int32Array(good.slice(P, P + 44).buffer))).toEqual([1, -1, 1, 0, 2, 0, 1, 1, 2, 1, 3]);
  });

  const CASES = () => [
    ["an input pointing forward (layer 1 reads layer 2)", fixCrc(u32(good.slice(), P + 12, 2)), /layer 1 \(conv2d\): input 0 is layer 2, which does not come before it/],
    ["an add input pointing past the end (layer 4)", fixCrc(u32(good.slice(), P + 24, 4)), /layer 2 \(add\): input 1 is layer 4, which does not come before it/],
    ['an input pointing at its own layer', fixCrc(u32(good.slice(), P + 24, 2)), /layer 2 \(add\): input 1 is the layer itself/],
    ['an input below −1', fixCrc(u32(good.slice(), P + 4, -2)), /layer 0 \(conv2d\): input 0 is layer -2, which does not come before it/],
    ['an input of 2^31 − 1', fixCrc(u32(good.slice(), P + 4, 0x7fffffff)), /layer 0 \(conv2d\): input 0 is layer 2147483647/],
    ['n_inputs 0', fixCrc(u32(good.slice(), P + 16, 0)), /layer 2 has 0 inputs; a layer takes 1 to 32/],
    ['n_inputs 33', fixCrc(u32(good.slice(), P + 16, 33)), /layer 2 has 33 inputs; a layer takes 1 to 32/],
    ['n_inputs 100 000', fixCrc(u32(good.slice(), P + 16, 100000)), /layer 2 has 100000 inputs; a layer takes 1 to 32/],
    ['n_inputs 2^32 − 1', fixCrc(u32(good.slice(), P + 16, 0xffffffff)), /layer 2 has 4294967295 inputs/],
    ['section length 4 short', fixCrc(u32(good.slice(), G + 4, 40)), /GRPH ends inside layer 4's inputs/],
    ['section length 4 long', fixCrc(u32(good.slice(), G + 4, 48)), /GRPH section has 4 bytes after the last layer's inputs/],
    ['section length 2^32 − 16', fixCrc(u32(good.slice(), G + 4, 0xfffffff0)), /model file truncated: GRPH needs 4294967280 bytes/],
    ["the last layer's input removed (length adjusted)", fixCrc(u32(splice(good, P + 40, 4), G + 4, 40)), /GRPH ends inside layer 4's inputs/],
    ['4 extra bytes (length adjusted)', fixCrc(u32(splice(good, P + 44, 0, [0, 0, 0, 0]), G + 4, 48)), /GRPH section has 4 bytes after the last layer's inputs/],
    ['the file cut inside GRPH', good.slice(0, P + 20), /model file truncated/],
    ['the GRPH section removed (the add then reads one input)', fixCrc(splice(good, G, 52)), /layer 2 \(add\): needs 2 or more inputs, got 1/],
    ['the GRPH section twice', fixCrc(splice(good, G, 0, good.slice(G, G + 52))), /expected the WGHT section at offset \d+, found 'GRPH'/],
    ['add(a, a): layer b unread', fixCrc(u32(good.slice(), P + 24, 0)), /layer 1 \(conv2d\): no layer reads its output/],
    ['the add given one input (length adjusted)', fixCrc(u32(u32(splice(good, P + 24, 4), P + 16, 1), G + 4, 40)), /layer 2 \(add\): needs 2 or more inputs, got 1/],
    ['a conv2d given two inputs (length adjusted)', fixCrc(u32(u32(splice(good, P + 16, 0, [0xff, 0xff, 0xff, 0xff]), P + 8, 2), G + 4, 48)), /layer 1 \(conv2d\): takes one input, got 2/],
    ['the dense reading the add (a map)', fixCrc(u32(good.slice(), P + 40, 2)), /layer 4 \(dense\): input is \(6, 6, 3\), not a vector/],
  ];

  test('each damaged file is rejected with its message and a CNN_STATUS code', async () => {
    for (const [name, bytes, re] of CASES()) {
      let err = null;
      try {
        (await loadModel(bytes)).dispose();
      } catch (e) {
        err = e;
      }
      expect({ name, message: err?.message }).toEqual({ name, message: expect.stringMatching(re) });
      expect(err.code).toMatch(/^CNN_STATUS_(BAD_FILE|TRUNCATED)$/);
    }
  });

  test('every GRPH word set to each of 14 values: rejected with a message, or a valid model that runs', async () => {
    const VALUES = [-3, -2, -1, 0, 1, 2, 3, 4, 5, 31, 32, 33, 0x7fffffff, 0xffffffff];
    let rejected = 0;
    let loaded = 0;
    const x = Float32Array.from({ length: 72 }, (_, i) => Math.sin(i));
    for (let w = 0; w < 11; w++) {
      for (const v of VALUES) {
        const bytes = fixCrc(u32(good.slice(), P + 4 * w, v));
        let net = null;
        try {
          net = await loadModel(bytes);
        } catch (e) {
          expect(e).toBeInstanceOf(Error);
          expect(e.message).toMatch(/^loadModel: model file/);
          expect(e.code).toMatch(/^CNN_STATUS_/);
          rejected++;
          continue;
        }
        try {
          loaded++;
          // a file that loads is a valid graph: every input earlier, every layer but the last read
          net.layers.forEach((l, i) => l.inputs.forEach((nm) => expect(nm === 'input' || net.layers.findIndex((m) => m.name === nm) < i).toBe(true)));
          const y = net.predict(x);
          expect(y.every(Number.isFinite)).toBe(true);
        } finally {
          net.dispose();
        }
      }
    }
    console.log(`GRPH word fuzz: ${rejected} rejected, ${loaded} loaded (valid alternatives)`);
    expect(rejected).toBeGreaterThan(100);
  });

  test('1000 rejected loads leave the wasm memory within 1 MiB', async () => {
    const cases = CASES();
    for (const [, bytes] of cases) await loadModel(bytes).catch(() => {}); // warm up
    const before = (await engineInfo()).memoryBytes;
    for (let i = 0; i < 1000; i++) {
      await expect(loadModel(cases[i % cases.length][1])).rejects.toThrow(/model file/);
    }
    const after = (await engineInfo()).memoryBytes;
    console.log(`1000 rejected graph-file loads: wasm memory ${before} → ${after} bytes`);
    expect(after - before).toBeLessThan(1 << 20);
  });
});
