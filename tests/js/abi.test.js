// abi.test.js — JavaScript and C agree: the constants in js/abi.js (generated from the C
// headers by tools/abi-gen.c) against what the running wasm engine reports about itself, and
// every struct offset exercised by reading a layer whose every field is known.
import { getEngine } from '../../js/engine.js';
import * as ABI from '../../js/abi.js';
import { DESCRIPTORS } from '../../js/layers.js';
import { createModel } from '../../js/index.js';

let e;
beforeAll(async () => { e = await getEngine(); });

test('layer type codes and names are the engine\'s', () => {
  for (const [name, code] of Object.entries(ABI.LAYER_TYPES)) expect(e.cString(e.c.cnn_layer_type_name(code))).toBe(name);
  expect(e.cString(e.c.cnn_layer_type_name(Math.max(...Object.values(ABI.LAYER_TYPES)) + 1))).toBe('unknown');
  // every registered type has exactly one JavaScript descriptor, and no descriptor lacks a type
  expect(Object.keys(DESCRIPTORS).sort()).toEqual(Object.keys(ABI.LAYER_TYPES).sort());
});

test('activation codes, option keys and kinds are the engine\'s', () => {
  for (const [name, code] of Object.entries(ABI.ACTIVATIONS)) expect(e.cString(e.c.cnn_activation_name(code))).toBe(name);
  for (const [name, key] of Object.entries(ABI.OPTIONS)) {
    expect(e.cString(e.c.cnn_option_name(key))).toBe(name);
    expect(e.c.cnn_option_kind(key)).toBe(ABI.OPTION_KINDS[key] === 'float' ? 2 : 1);
  }
});

test('struct offsets: a layer whose every field is known reads back exactly', async () => {
  // (7, 9, 4) → conv2d 6 filters, kernel 3×2, stride 2×1, explicit pads (1, 0, 2, 1), groups 2, no bias
  const net = await createModel({ input: [7, 9, 4], layers: [
    { type: 'conv2d', filters: 6, kernel: [3, 2], stride: [2, 1], padding: [1, 0, 2, 1], groups: 2, useBias: false, activation: 'elu', alpha: 0.5 },
    { type: 'flatten' }, { type: 'batchnorm', center: false, epsilon: 0.25 },
  ], seed: 1 });
  const l = net.layers[0];
  // out h = floor((7 + 1 − 3) / 2) + 1 = 3; out w = floor((9 + 3 − 2) / 1) + 1 = 11
  expect(l).toMatchObject({ type: 'conv2d', activation: 'elu', alpha: 0.5, inputShape: [7, 9, 4], outputShape: [3, 11, 6],
    pads: [1, 0, 2, 1], padding: [1, 0, 2, 1], kernel: [3, 2], stride: [2, 1], dilation: [1, 1], groups: 2, useBias: false,
    params: 3 * 2 * 2 * 6, trainableParams: 72 });
  expect(l.tensors).toEqual([{ name: 'kernel', shape: [3, 2, 2, 6], size: 72, trainable: true }]);
  const bn = net.layers[2];
  expect(bn).toMatchObject({ type: 'batchnorm', inputShape: [198], epsilon: 0.25, momentum: 0.99, center: false, scale: true,
    params: 3 * 198, trainableParams: 198 });
  expect(bn.tensors.map((t) => [t.name, t.trainable])).toEqual([['gamma', true], ['movingMean', false], ['movingVariance', false]]);
  // the optimizer record: every field written is read back
  net.setOptimizer({ optimizer: 'sgd', loss: 'mse', learningRate: 0.5, momentum: 0.25, nesterov: true, weightDecay: 0.125,
    schedule: { type: 'cosine', decaySteps: 7, minLearningRate: 0.0625 }, seed: 4242 });
  expect(net.optimizer).toEqual({ optimizer: 'sgd', loss: 'mse', learningRate: 0.5, momentum: 0.25, nesterov: true,
    weightDecay: 0.125, schedule: { type: 'cosine', decaySteps: 7, minLearningRate: 0.0625 }, seed: 4242, steps: 0,
    currentLearningRate: 0.5 });
  net.dispose();
});
