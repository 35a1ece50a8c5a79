// helpers.js — builds TensorFlow.js layers models, saves them as tfjs would (model.json +
// one weight shard) and compares their predictions with an imported wasm-cnn model; used by
// tests/js/import-tfjs.test.js.

import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { rng as mulberry32 } from '../../../fixtures.js';

export { tf, tfl };

export const SHARD = 'group1-shard1of1.bin';

/** A seeded generator: uniform(lo, hi), floats(n, lo, hi). */
export function makeRng(seed) {
  const next = mulberry32(seed);
  const uniform = (lo, hi) => lo + (hi - lo) * next();
  return {
    next,
    uniform,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    floats(n, lo = -1, hi = 1) {
      const a = new Float32Array(n);
      for (let i = 0; i < n; i++) a[i] = uniform(lo, hi);
      return a;
    },
  };
}

/** Joins tfjs' WeightData (an ArrayBuffer or a list of them) into one Uint8Array. */
function joinWeightData(data) {
  if (!data) return new Uint8Array(0);
  if (!Array.isArray(data)) return new Uint8Array(data.slice(0));
  const total = data.reduce((a, b) => a + b.byteLength, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const b of data) {
    out.set(new Uint8Array(b), at);
    at += b.byteLength;
  }
  return out;
}

/**
 * Saves a tfjs LayersModel with a custom IO handler and builds the model.json tfjs writes:
 * { format, generatedBy, convertedBy, modelTopology, weightsManifest: [{ paths, weights }] }.
 * → { modelJson, bytes (the one shard), specs }.
 */
export async function saveTfjs(model) {
  let artifacts;
  await model.save(tf.io.withSaveHandler(async (a) => {
    artifacts = a;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  const modelJson = JSON.parse(JSON.stringify({
    format: artifacts.format,
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy,
    modelTopology: artifacts.modelTopology,
    weightsManifest: [{ paths: [SHARD], weights: artifacts.weightSpecs }],
  }));
  return { modelJson, bytes: joinWeightData(artifacts.weightData), specs: artifacts.weightSpecs };
}

/**
 * Gives every weight of a tfjs model seeded random values: kernels scaled by 1/√fan-in,
 * biases and BN betas/means small, gammas around 1, moving variances in [0.5, 1.5].
 */
export function randomizeWeights(model, seed) {
  const r = makeRng(seed);
  const values = model.weights.map((w) => {
    const n = w.shape.reduce((a, b) => a * b, 1);
    const name = w.originalName ?? w.name;
    let data;
    if (/moving_variance$/.test(name)) data = r.floats(n, 0.5, 1.5);
    else if (/gamma$/.test(name)) data = r.floats(n, 0.6, 1.4);
    else if (/(bias|beta|moving_mean)$/.test(name)) data = r.floats(n, -0.3, 0.3);
    else {
      const fanIn = w.shape.length > 1 ? w.shape.slice(0, -1).reduce((a, b) => a * b, 1) : 1;
      const s = 1.6 / Math.sqrt(fanIn);
      data = r.floats(n, -s, s);
    }
    return tf.tensor(data, w.shape);
  });
  model.setWeights(values);
  values.forEach((t) => t.dispose());
}

/** tfjs predictions of n random images (NHWC or NCHW as the model expects) → { x, y }. */
export function tfjsPredict(model, n, seed, lo = -1, hi = 1) {
  const shape = model.inputs[0].shape.slice(1);
  const size = shape.reduce((a, b) => a * b, 1);
  const x = makeRng(seed).floats(n * size, lo, hi);
  const y = tf.tidy(() => model.predict(tf.tensor(x, [n, ...shape])).dataSync().slice());
  return { x, y, shape, size };
}

/** channels_first images [n][C][H][W] → our [n][H][W][C]. */
export function chwToHwc(x, n, [c, h, w]) {
  const out = new Float32Array(x.length);
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      for (let y = 0; y < h; y++) {
        for (let xx = 0; xx < w; xx++) out[b * c * h * w + (y * w + xx) * c + ch] = x[b * c * h * w + (ch * h + y) * w + xx];
      }
    }
  }
  return out;
}

/** max |a − b| / (1 + |b|) over two arrays (Infinity for a length mismatch or non-finite values). */
export function maxRelAbsError(a, b) {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const e = Math.abs(a[i] - b[i]) / (1 + Math.abs(b[i]));
    if (!(e <= m)) m = Number.isNaN(e) ? Infinity : e;
  }
  return m;
}
