// zoo.test.js — the benchmark's model zoo (bench/zoo.js) means the same model in all three
// engines the benchmark compares: wasm-cnn runs the zoo's layer list; tfjs-layers 4.22 (cpu
// backend) runs bench/tfjs-model.js's functional twin and onnxruntime-web 1.30 (one thread)
// runs bench/onnx-model.js's ONNX file, both built from the engine's resolved layers and
// weights. If a translator put a kernel in the wrong layout, a flattened map's rows in the
// wrong order, a padding on the wrong side or a batchnorm statistic in the wrong slot, the
// benchmark's correctness gate would stop every run; this catches it in make test, on two
// inputs per model (not the gate's own). Also: the work per image of the VGG net and
// its parameter count against hand-computed values, and the zoo's weights being the same on
// every build (seeded).

import * as ort from 'onnxruntime-web';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import * as api from '../../js/index.js';
import { gateImages, layerFlops, modelSpec, ZOO, zooEntry, zooImages, zooModel } from '../../bench/zoo.js';
import { tfjsModel } from '../../bench/tfjs-model.js';
import { onnxModel } from '../../bench/onnx-model.js';
import { nhwcToNchw } from './support/onnx-build.js';

ort.env.wasm.numThreads = 1;
ort.env.wasm.proxy = false;
ort.env.logLevel = 'error';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const maxDiff = (a, b) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

describe.each(ZOO.map((e) => [e.key, e]))('%s', (key, entry) => {
  test('wasm-cnn, tfjs-layers and onnxruntime-web agree on its outputs', async () => {
    const net = await zooModel(api, entry);
    try {
      const spec = modelSpec(net, entry);
      const n = 2;
      // inputs the benchmark does not use: another seed; for LeNet-5, blends of two MNIST test
      // images (ambiguous digits: spread-out probabilities, where clean digits give ~1 and 0s)
      const size = entry.input.reduce((a, b) => a * b, 1);
      const x = key === 'lenet5' ? gateImages(entry, n).slice(n * size) : zooImages(entry, n, 99);
      const ours = net.predictBatch(x, n);
      expect(ours.length).toBe(n * 10);

      const twin = tfjsModel(tf, tfl, spec);
      const input = tf.tensor4d(x, [n, ...spec.inputShape]);
      const y = twin.predict(input);
      const theirs = y.dataSync();
      tf.dispose([input, y]);
      twin.dispose();

      const session = await ort.InferenceSession.create(onnxModel(spec), { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
      const [h, w, c] = spec.inputShape;
      const result = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', nhwcToNchw(x, n, h, w, c), [n, c, h, w]) });
      const fromOrt = result[session.outputNames[0]].data;
      await session.release();

      // softmax outputs; the probabilities must be spread out for the comparison to mean much
      expect(Math.max(...ours)).toBeLessThan(0.99);
      const tol = key === 'mobilenet' ? 3e-5 : 1e-5; // as the benchmark's gate (bench/index.js TOLERANCE)
      expect(maxDiff(ours, theirs)).toBeLessThan(tol);
      expect(maxDiff(ours, fromOrt)).toBeLessThan(tol);
    } finally {
      net.dispose();
    }
  });
});

test('the VGG net: parameters and work per image as computed by hand', async () => {
  const net = await zooModel(api, zooEntry('vgg'));
  try {
    // conv 3·3·3·32 + 32, 3·3·32·32 + 32, 3·3·32·64 + 64, 3·3·64·64 + 64; dense 6·6·64·512 + 512, 512·10 + 10
    expect(net.paramCount).toBe(896 + 9248 + 18496 + 36928 + 1180160 + 5130);
    const flops = layerFlops(net.layers);
    // 2 × MACs: 32·32·32·27, 30·30·32·288, 15·15·64·288, 13·13·64·576, 2304·512, 512·10
    expect(flops.filter((l) => l.flops).map((l) => l.flops)).toEqual([
      2 * 32 * 32 * 32 * 27, 2 * 30 * 30 * 32 * 288, 2 * 15 * 15 * 64 * 288, 2 * 13 * 13 * 64 * 576, 2 * 2304 * 512, 2 * 512 * 10,
    ]);
  } finally {
    net.dispose();
  }
});

test('depthwise work is counted once per channel, not per channel pair', async () => {
  const net = await zooModel(api, zooEntry('mobilenet'));
  try {
    const i = net.layers.findIndex((l) => l.name === 'dw2'); // 3×3, stride 2, on 48×48×16 → 24×24×16
    expect(net.layers[i].outputShape).toEqual([24, 24, 16]);
    expect(layerFlops(net.layers)[i].flops).toBe(2 * 24 * 24 * 16 * 9);
  } finally {
    net.dispose();
  }
});

test('the zoo\'s weights are the same on every build (seeded), and its batchnorms are not the identity', async () => {
  const entry = zooEntry('resnet8');
  const a = await zooModel(api, entry);
  const b = await zooModel(api, entry);
  try {
    const sa = modelSpec(a, entry);
    const sb = modelSpec(b, entry);
    sa.weights.forEach((w, i) => {
      if (!w) return;
      for (const name of Object.keys(w).filter((k) => !k.endsWith('Shape'))) expect(Array.from(sb.weights[i][name])).toEqual(Array.from(w[name]));
    });
    const bn = sa.weights[sa.layers.findIndex((l) => l.type === 'batchnorm')];
    for (const [name, identity] of [['gamma', 1], ['beta', 0], ['movingMean', 0], ['movingVariance', 1]]) {
      expect(Array.from(bn[name]).some((v) => Math.abs(v - identity) > 0.01)).toBe(true);
    }
  } finally {
    a.dispose();
    b.dispose();
  }
});
