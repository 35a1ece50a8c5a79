// Memory: no allocation per inference. After the first prediction has sized everything, 10 000
// more predictions (and batches, activations, weights reads) leave the wasm memory exactly
// as large as it was, and create/dispose cycles do not leak.
import { createModel, engineInfo } from '../../js/index.js';
import { LENET } from '../fixtures.js';

test('10 000 predictions do not grow the wasm memory', async () => {
  const net = await createModel({ input: [28, 28, 1], layers: LENET, seed: 1 });
  const x = new Float32Array(784).map((_, i) => (i % 13) / 13);
  const out = new Float32Array(10);
  net.predict(x);
  const before = (await engineInfo()).memoryBytes;
  const first = Array.from(net.predict(x));
  for (let i = 0; i < 10000; i++) {
    x[i % 784] = (i % 7) / 7; // a different image each time
    net.predict(x, out);
  }
  net.activations();
  net.getWeights(0);
  expect((await engineInfo()).memoryBytes).toBe(before);
  expect(out.every(Number.isFinite)).toBe(true);
  expect(first.reduce((a, b) => a + b)).toBeCloseTo(1, 5);
  net.dispose();
});

test('repeated batches of the same size do not grow it either', async () => {
  const net = await createModel({ input: [28, 28, 1], layers: LENET, seed: 1 });
  const xs = new Float32Array(784 * 64).fill(0.25);
  net.predictBatch(xs, 64);
  const before = (await engineInfo()).memoryBytes;
  for (let i = 0; i < 200; i++) net.predictBatch(xs, 64);
  for (let i = 0; i < 200; i++) net.predictBatch(xs.subarray(0, 784 * 10), 10);
  expect((await engineInfo()).memoryBytes).toBe(before);
  net.dispose();
});

test('create → predict → dispose cycles do not leak', async () => {
  const cycle = async () => {
    const net = await createModel({ input: [28, 28, 1], layers: LENET, seed: 2, metadata: { name: 'x' } });
    net.predictBatch(new Float32Array(784 * 8), 8);
    net.save();
    net.dispose();
  };
  await cycle();
  const before = (await engineInfo()).memoryBytes;
  for (let i = 0; i < 300; i++) await cycle();
  expect((await engineInfo()).memoryBytes).toBe(before);
});

test('views survive memory growth: results stay right after a big allocation', async () => {
  const net = await createModel({ input: [28, 28, 1], layers: LENET, seed: 3 });
  const x = new Float32Array(784).map((_, i) => (i % 5) / 5);
  const want = Array.from(net.predict(x));
  const before = (await engineInfo()).memoryBytes;
  const big = await createModel({ input: [256, 256, 3], layers: [{ type: 'conv2d', filters: 16, kernel: 3, padding: 'same' }], seed: 1 });
  big.predictBatch(new Float32Array(256 * 256 * 3 * 4), 4, { batchSize: 4 }); // grows the memory
  expect((await engineInfo()).memoryBytes).toBeGreaterThan(before);
  expect(Array.from(net.predict(x))).toEqual(want);
  big.dispose();
  net.dispose();
});
