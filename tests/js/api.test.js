// The JavaScript API's contract: misuse throws an Error naming the layer/argument and the
// problem; batches equal single predictions; activations are copies; dispose is final.
// Imported by package name: jest resolves it through package.json "exports", as for a user.
import { createModel, engineInfo } from 'wasm-cnn';
import { LENET } from '../fixtures.js';

const lenet = (seed = 1) => createModel({ input: [28, 28, 1], layers: LENET, seed });
const image = (k) => new Float32Array(784).map((_, i) => ((i * (k + 3)) % 97) / 96);

describe('definitions that break a rule', () => {
  const cases = [
    ['unknown layer type', [{ type: 'conv3d', filters: 1, kernel: 1 }], /layer 0: unknown layer type 'conv3d'.*did you mean 'conv2d'/],
    ['misspelt option', [{ type: 'conv2d', filter: 4, kernel: 3 }], /layer 0 \(conv2d\): unknown option 'filter'.*did you mean 'filters'/],
    ['missing filters', [{ type: 'conv2d', kernel: 3 }], /layer 0 \(conv2d\): needs 'filters'/],
    ['non-integer filters', [{ type: 'conv2d', filters: 2.5, kernel: 3 }], /layer 0 \(conv2d\): filters must be an integer, got 2.5/],
    ['kernel larger than padded input', [{ type: 'conv2d', filters: 1, kernel: 9 }], /layer 0 \(conv2d\): kernel 9x9 larger than padded input 8x8/],
    ['zero stride', [{ type: 'conv2d', filters: 1, kernel: 3, stride: 0 }], /layer 0 \(conv2d\): stride height must be positive, got 0/],
    ['bad padding', [{ type: 'conv2d', filters: 1, kernel: 3, padding: 'full' }], /padding must be 'valid', 'same', a number of pixels, \[height, width\] or \[top, bottom, left, right\], got 'full'/],
    ['a pool window wholly in the padding', [{ type: 'maxpool2d', size: 2, padding: [0, 0, 2, 0] }], /layer 0 \(maxpool2d\): window 0 along the width lies wholly in the padding/],
    ['groups that do not divide the channels', [{ type: 'conv2d', filters: 4, kernel: 1 }, { type: 'conv2d', filters: 4, kernel: 1, groups: 3 }], /layer 1 \(conv2d\): groups 3 does not divide the 4 input channels/],
    ['an option of another layer type', [{ type: 'conv2d', filters: 1, kernel: 3, ceilMode: true }], /layer 0 \(conv2d\): ceilMode does not apply to conv2d \(it is an option of maxpool2d, avgpool2d\)/],
    ['alpha on an activation without one', [{ type: 'conv2d', filters: 1, kernel: 3, activation: 'relu', alpha: 0.1 }], /layer 0 \(conv2d\): 'alpha' applies to the activations leakyrelu, elu, hardsigmoid, not relu/],
    ['a dropout rate of 1', [{ type: 'dropout', rate: 1 }], /layer 0 \(dropout\): rate must be in \[0, 1\), got 1/],
    ['a batchnorm epsilon of 0', [{ type: 'batchnorm', epsilon: 0 }], /layer 0 \(batchnorm\): epsilon must be a positive number \(at least 1e-30\), got 0/],
    ['dense on an unflattened input', [{ type: 'dense', units: 3 }], /layer 0 \(dense\): input is \(8, 8, 1\), not a vector: add a flatten/],
    ['conv after flatten', [{ type: 'flatten' }, { type: 'conv2d', filters: 1, kernel: 1 }], /layer 1 \(conv2d\): needs an \(h, w, c\) input, got a vector of 64 values/],
    ['unknown activation', [{ type: 'flatten' }, { type: 'dense', units: 2, activation: 'mish' }], /layer 1 \(dense\): unknown activation 'mish'/],
    ['window larger than input', [{ type: 'maxpool2d', size: 4 }, { type: 'maxpool2d', size: 3 }], /layer 1 \(maxpool2d\): window 3x3 larger than padded input 2x2/],
    ['kernel as a bad pair', [{ type: 'conv2d', filters: 1, kernel: [3] }], /kernel must be a number or \[height, width\], got \[3\]/],
    ['empty layer list', [], /layers must be a non-empty array/],
    ['a layer that is not an object', ['conv2d'], /layer 0: must be an object/],
  ];
  test.each(cases)('%s', async (_name, layers, message) => {
    await expect(createModel({ input: [8, 8, 1], layers, seed: 1 })).rejects.toThrow(message);
  });

  test('bad input shape, seed and options', async () => {
    await expect(createModel({ input: [8, 8], layers: [{ type: 'flatten' }] })).rejects.toThrow(/input must be \[height, width, channels\]/);
    await expect(createModel({ input: [8, 0, 1], layers: [{ type: 'flatten' }] })).rejects.toThrow(/input must be/);
    await expect(createModel({ input: [8, 8, 1], layers: [{ type: 'flatten' }], seed: -1 })).rejects.toThrow(/seed must be an integer/);
    await expect(createModel({ input: [8, 8, 1], layer: [] })).rejects.toThrow(/unknown option 'layer'/);
    await expect(createModel({ input: [8, 8, 1], layers: [{ type: 'flatten' }], metadata: { labels: 'a,b' } })).rejects.toThrow(/labels must be an array of strings/);
    await expect(createModel({ input: [100000, 1, 1], layers: [{ type: 'flatten' }] })).rejects.toThrow(/exceeds the limit 65536/);
  });
});

describe('misuse of a model', () => {
  let net;
  beforeAll(async () => { net = await lenet(); });
  afterAll(() => net.dispose());

  test('wrong input length, type and ImageData size', () => {
    expect(() => net.predict(new Float32Array(783))).toThrow('predict: input has 783 values, the model needs 784 = 28×28×1 (height×width×channels, HWC order)');
    expect(() => net.predict('pixels')).toThrow(/input must be a Float32Array of 784 values \(HWC\) or an ImageData, got string/);
    expect(() => net.predict()).toThrow(/got undefined/);
    const img = { data: new Uint8ClampedArray(20 * 20 * 4), width: 20, height: 20 };
    expect(() => net.predict(img)).toThrow('predict: ImageData is 20×20, the model needs 28×28 (width×height)');
    expect(() => net.predict({ data: new Uint8ClampedArray(10), width: 28, height: 28 })).toThrow(/must hold 3136 RGBA bytes, got 10/);
  });

  test('wrong batch arguments', () => {
    expect(() => net.predictBatch(new Float32Array(784 * 3), 2)).toThrow(/inputs has 2352 values, 2 images need 1568/);
    expect(() => net.predictBatch(new Float32Array(1000))).toThrow(/predictBatch: inputs has 1000 values, not a whole number of 784-value images \(28×28×1\)/);
    expect(() => net.predictBatch([image(0)], 2)).toThrow(/n is 2 but the array holds 1 images/);
    expect(() => net.predictBatch([image(0), new Float32Array(3)])).toThrow(/predictBatch: image 1: input has 3 values/);
    expect(() => net.predictBatch(image(0), 1, { batchSize: 0 })).toThrow(/batchSize must be a positive integer/);
  });

  test('wrong weights', () => {
    expect(() => net.setWeights(0, { kernel: new Float32Array(149) })).toThrow('setWeights: layer 0 (conv2d_1): kernel has 149 values, expected 150 = 5×5×1×6 (HWIO: [kh][kw][in/groups][filters])');
    expect(() => net.setWeights(5, { bias: [1, 2] })).toThrow('setWeights: layer 5 (dense_1): bias has 2 values, expected 120 = 120');
    expect(() => net.setWeights(1, { kernel: [] })).toThrow('setWeights: layer 1 (maxpool2d_1) has no weights');
    expect(() => net.setWeights(0, {})).toThrow(/expected \{ kernel, bias \}/);
    expect(() => net.getWeights(8)).toThrow('getWeights: layer index must be 0 to 7, got 8');
    expect(net.getWeights(1)).toBeNull();
  });

  test('activations before any prediction, and a bad image index', async () => {
    const fresh = await lenet();
    expect(() => fresh.activations()).toThrow(/nothing predicted yet/);
    fresh.predictBatch(new Float32Array(784 * 3), 3);
    expect(() => fresh.activations(3)).toThrow(/image must be 0 to 2/);
    fresh.dispose();
  });
});

describe('behaviour', () => {
  test('predictBatch equals predict image by image, across chunk boundaries', async () => {
    const net = await lenet(3);
    const n = 7;
    const flat = new Float32Array(784 * n);
    for (let k = 0; k < n; k++) flat.set(image(k), k * 784);
    const batch = net.predictBatch(flat, n, { batchSize: 3 }); // chunks of 3, 3, 1
    const list = net.predictBatch(Array.from({ length: n }, (_, k) => image(k)));
    for (let k = 0; k < n; k++) {
      const one = net.predict(image(k));
      expect(Array.from(batch.subarray(k * 10, k * 10 + 10))).toEqual(Array.from(one));
      expect(Array.from(list.subarray(k * 10, k * 10 + 10))).toEqual(Array.from(one));
    }
    net.dispose();
  });

  test('activations: one copy per layer, for the chosen image of the last batch', async () => {
    const net = await lenet(4);
    const out = net.predict(image(1));
    const acts = net.activations();
    expect(acts.map((a) => a.name)).toEqual(['conv2d_1', 'maxpool2d_1', 'conv2d_2', 'maxpool2d_2', 'flatten_1', 'dense_1', 'dense_2', 'dense_3']);
    expect(acts.map((a) => a.shape)).toEqual([[28, 28, 6], [14, 14, 6], [10, 10, 16], [5, 5, 16], [400], [120], [84], [10]]);
    expect(Array.from(acts[7].data)).toEqual(Array.from(out));
    // maxpool of the conv map, recomputed here from the conv activations (HWC)
    const conv = acts[0].data;
    const pool = acts[1].data;
    for (const [y, x, c] of [[0, 0, 0], [6, 9, 3], [13, 13, 5]]) {
      const cell = (yy, xx) => conv[(yy * 28 + xx) * 6 + c];
      const m = Math.max(cell(2 * y, 2 * x), cell(2 * y, 2 * x + 1), cell(2 * y + 1, 2 * x), cell(2 * y + 1, 2 * x + 1));
      expect(pool[(y * 14 + x) * 6 + c]).toBe(m);
    }
    expect(Array.from(acts[4].data)).toEqual(Array.from(acts[3].data)); // flatten: same values, HWC
    // copies: the next prediction does not change them
    const before = Array.from(acts[0].data);
    net.predict(image(2));
    expect(Array.from(acts[0].data)).toEqual(before);
    // for a batch, any image's activations
    const both = new Float32Array(784 * 2);
    both.set(image(5), 0);
    both.set(image(1), 784);
    net.predictBatch(both, 2);
    expect(Array.from(net.activations(1)[7].data)).toEqual(Array.from(out));
    expect(Array.from(net.activations()[7].data)).toEqual(Array.from(out));
    net.dispose();
  });

  test('activations after a chunked predictBatch: the last chunk by image index, a clear error for the rest', async () => {
    const net = await createModel({ input: [1, 1, 2], layers: [{ type: 'flatten' }, { type: 'dense', units: 1 }], seed: 1 });
    net.setWeights(1, { kernel: [1, 0], bias: [0] }); // output = first input value
    const out = net.predictBatch(Float32Array.from([0, 0, 1, 0, 2, 0, 3, 0, 4, 0]), 5, { batchSize: 2 });
    expect(Array.from(out)).toEqual([0, 1, 2, 3, 4]);
    expect(Array.from(net.activations()[1].data)).toEqual([4]);
    expect(Array.from(net.activations(4)[1].data)).toEqual([4]);
    expect(() => net.activations(0)).toThrow('activations(): image 0 is no longer in the engine: predictBatch ran 5 images in chunks of 2 and keeps only the last chunk (images 4 to 4); pass { batchSize: 5 } to keep them all');
    net.predictBatch(Float32Array.from([0, 0, 1, 0, 2, 0, 3, 0, 4, 0]), 5, { batchSize: 5 });
    expect(Array.from(net.activations(1)[1].data)).toEqual([1]);
    net.dispose();
  });

  test('predict(x, out) fills the caller’s array', async () => {
    const net = await lenet(2);
    const out = new Float32Array(10);
    expect(net.predict(image(0), out)).toBe(out);
    expect(Array.from(out)).toEqual(Array.from(net.predict(image(0))));
    expect(() => net.predict(image(0), new Float32Array(3))).toThrow(/out must be a Float32Array of at least 10 values/);
    net.dispose();
  });

  test('the same seed gives the same weights; different seeds differ; He/Glorot ranges', async () => {
    const [a, b, c] = await Promise.all([lenet(11), lenet(11), lenet(12)]);
    expect(a.getWeights(0)).toEqual(b.getWeights(0));
    expect(a.getWeights(0).kernel).not.toEqual(c.getWeights(0).kernel);
    const he = Math.sqrt(6 / 25); // conv2d_1 before relu: fan_in 5·5·1
    const k = a.getWeights(0).kernel;
    expect(Math.max(...k.map(Math.abs))).toBeLessThanOrEqual(he);
    expect(Math.max(...k.map(Math.abs))).toBeGreaterThan(0.8 * he);
    const glorot = Math.sqrt(6 / (84 + 10)); // dense_3 before softmax
    expect(Math.max(...a.getWeights(7).kernel.map(Math.abs))).toBeLessThanOrEqual(glorot);
    expect(Array.from(a.getWeights(7).bias)).toEqual(new Array(10).fill(0));
    for (const m of [a, b, c]) m.dispose();
  });

  test('summary, config and metadata', async () => {
    const net = await createModel({ input: [28, 28, 1], layers: LENET, seed: 1, metadata: { name: 'lenet' } });
    const s = net.summary();
    expect(s).toMatch(/conv2d_1 \(conv2d, relu\)\s+\[28, 28, 6\]\s+156\s+\[\(5·5·1\)\+1\]·6 = 156/);
    expect(s).toMatch(/dense_1 \(dense, relu\)\s+\[120\]\s+48,120\s+\(400\+1\)·120 = 48,120/);
    expect(s).toMatch(/Total params: 61,706/);
    const copy = await createModel({ ...net.config(), seed: 1 });
    expect(copy.layers).toEqual(net.layers);
    expect(Array.from(copy.predict(image(0)))).toEqual(Array.from(net.predict(image(0))));
    expect(net.metadata).toEqual({ name: 'lenet' });
    net.setMetadata({ name: 'renamed', labels: ['a', 'b'] });
    expect(net.metadata).toEqual({ name: 'renamed', labels: ['a', 'b'] });
    expect(() => net.setMetadata({ name: 5 })).toThrow(/metadata.name must be a string/);
    expect(() => net.setMetadata({ layer_names: 'a' })).toThrow(/metadata key 'layer_names' is reserved/);
    net.dispose();
    copy.dispose();
  });

  test('dispose: every later call throws a clear error; twice is harmless', async () => {
    const net = await lenet();
    net.dispose();
    net.dispose();
    expect(net.disposed).toBe(true);
    for (const call of [() => net.predict(image(0)), () => net.predictBatch(image(0), 1), () => net.activations(),
      () => net.getWeights(0), () => net.setWeights(0, { bias: new Float32Array(6) }), () => net.save(), () => net.summary(), () => net.metadata]) {
      expect(call).toThrow(/this model was disposed/);
    }
  });

  test('profile runs the model layer by layer: same results as predict, a time per layer', async () => {
    const net = await lenet(8);
    const x = image(3);
    const want = Array.from(net.predict(x));
    const p = net.profile(x, 1, { repeats: 5 });
    expect(p.layers.map((l) => l.name)).toEqual(net.layers.map((l) => l.name));
    expect(p.layers.every((l) => l.ms >= 0 && l.share >= 0 && l.share <= 1)).toBe(true);
    expect(p.totalMs).toBeCloseTo(p.layers.reduce((a, l) => a + l.ms, 0), 10);
    expect(Array.from(net.activations()[7].data)).toEqual(want); // layer by layer = the whole pass
    const batch = new Float32Array(784 * 3);
    for (let k = 0; k < 3; k++) batch.set(image(k), 784 * k);
    net.profile(batch, 3, { repeats: 2 });
    expect(Array.from(net.activations(2)[7].data)).toEqual(Array.from(net.predictBatch(batch, 3).subarray(20, 30)));
    expect(() => net.profile(batch, 2)).toThrow(/profile: inputs has \d+ values, 2 images need 1568 \(2×28×28×1\)/);
    net.dispose();
  });

  test('engineInfo reports SIMD kernels', async () => {
    const info = await engineInfo();
    expect(info.simd).toBe(true);
    expect(info.kernels).toBe('wasmsimd');
    expect(info.memoryBytes).toBeGreaterThan(0);
  });
});
