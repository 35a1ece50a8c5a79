// bench/engines.js — the inference benchmark's engines behind one interface.
//
//   const e = await ENGINES['tfjs-wasm'].create({ spec, modelBytes, onnxBytes });
//   e.predict(image)        → Float32Array(outputs)      (a Promise for async engines: e.async)
//   e.predictBatch(x, n)    → Float32Array(n · outputs)  (idem)
//   e.memory()              → { wasmBytes, note }         WebAssembly memory in use, if known
//   e.version, e.detail     what runs (package versions, backend, wasm build)
//
// spec is a zoo model (bench/zoo.js modelSpec: resolved layers + weights), modelBytes its
// wasm-cnn file, onnxBytes its ONNX form (bench/onnx-model.js). Every engine's package is
// imported inside create(), so timing create() from a fresh worker measures import + wasm
// compile + model build + weights. Each call does the engine's own per-call work: tensor
// creation, copies in and out, dataSync()/await, disposal.
//
// Inputs are in the engine's `layout` (ENGINES[k].layout): HWC images for all but ORT, which
// takes NCHW; the harness converts its images once, before anything is timed (a user feeds
// the layout the model was made for).

import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { tfjsModel } from './tfjs-model.js';

const require = createRequire(import.meta.url);

function pkgVersion(name) {
  let dir = dirname(require.resolve(name));
  for (let i = 0; i < 5; i++) {
    try {
      const p = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      if (p.name === name) return p.version;
    } catch { /* go up */ }
    dir = dirname(dir);
  }
  return '?';
}

// ─── WebAssembly memory watch ────────────────────────────────────────────────────────────
// Peers do not expose their wasm memory; this wraps WebAssembly.instantiate in the worker
// (before any engine is imported) and keeps every Memory the engine's modules import or
// export, plus the size of each module binary (which tells which .wasm build was loaded).

const watched = { memories: new Set(), modules: [] };
let watching = false;

export function watchWasm() {
  if (watching) return watched;
  watching = true;
  const keep = (imports, instance, bytes) => {
    if (bytes) watched.modules.push(bytes);
    for (const ns of Object.values(imports || {})) {
      for (const v of Object.values(ns || {})) if (v instanceof WebAssembly.Memory) watched.memories.add(v);
    }
    for (const v of Object.values(instance?.exports || {})) if (v instanceof WebAssembly.Memory) watched.memories.add(v);
  };
  const size = (src) => (src instanceof WebAssembly.Module ? 0 : src?.byteLength ?? 0);
  const instantiate = WebAssembly.instantiate;
  WebAssembly.instantiate = async function (src, imports) {
    const result = await instantiate.call(this, src, imports);
    keep(imports, result.instance ?? result, size(src));
    return result;
  };
  if (WebAssembly.instantiateStreaming) {
    const streaming = WebAssembly.instantiateStreaming;
    WebAssembly.instantiateStreaming = async function (src, imports) {
      const result = await streaming.call(this, src, imports);
      keep(imports, result.instance, 0);
      return result;
    };
  }
  return watched;
}

function watchedWasmBytes() {
  let max = 0;
  for (const m of watched.memories) max = Math.max(max, m.buffer.byteLength);
  return max || null;
}

// ─── wasm-cnn ────────────────────────────────────────────────────────────────────────────

async function createWasmCnn({ modelBytes }) {
  const api = await import('wasm-cnn'); // the package's entry point (dist/wasm-cnn.js), as users import it
  const net = await api.loadModel(modelBytes);
  const info = await api.engineInfo();
  return {
    async: false,
    version: info.version,
    detail: `'wasm-cnn' (dist/wasm-cnn.js) loadModel(bytes); kernels \`${info.kernels}\``,
    net,
    predict: (x) => net.predict(x),
    predictBatch: (x, n) => net.predictBatch(x, n, { batchSize: n }),
    memory: async () => ({ wasmBytes: (await api.engineInfo()).memoryBytes, note: 'engineInfo().memoryBytes' }),
    profile: (x, n, repeats) => net.profile(x, n, { repeats }),
    layers: net.layers,
    engineInfo: api.engineInfo,
    dispose: () => net.dispose(),
  };
}

/** createPool(model file, { workers }): the batch split over that many workers (issue 12 §3). */
async function createWasmCnnPool(workers, { modelBytes }) {
  const api = await import('wasm-cnn');
  const pool = await api.createPool(modelBytes, { workers });
  if (pool.workers !== workers) throw new Error(`createPool: asked for ${workers} workers, has ${pool.workers}`);
  const info = await api.engineInfo();
  return {
    async: true,
    version: info.version,
    detail: `'wasm-cnn' (dist/wasm-cnn.js) createPool(bytes, { workers: ${workers} }); await pool.predictBatch(x, n)`,
    predict: (x) => pool.predictBatch(x, 1),
    predictBatch: (x, n) => pool.predictBatch(x, n),
    memory: async () => ({ wasmBytes: null, note: 'in the pool\'s workers' }),
    dispose: () => pool.dispose(),
  };
}

// ─── TensorFlow.js (layers API) ──────────────────────────────────────────────────────────

async function createTfjs(backend, { spec }) {
  const tf = require('@tensorflow/tfjs-core');
  const tfl = require('@tensorflow/tfjs-layers');
  tf.enableProdMode(); // production mode, as a page would ship (no debug checks, no Node banner)
  let detail;
  if (backend === 'wasm') {
    const wasm = require('@tensorflow/tfjs-backend-wasm');
    // the SIMD build on one thread: no multithreading (the threaded build is not used)
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    tf.env().set('WASM_HAS_SIMD_SUPPORT', true);
    wasm.setWasmPaths(join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + '/');
    detail = `@tensorflow/tfjs-backend-wasm ${wasm.version_wasm}`;
  } else {
    require('@tensorflow/tfjs-backend-cpu');
    detail = `@tensorflow/tfjs-backend-cpu ${pkgVersion('@tensorflow/tfjs-backend-cpu')}`;
  }
  if (!(await tf.setBackend(backend))) throw new Error(`tfjs: setBackend('${backend}') failed`);
  await tf.ready();
  if (tf.getBackend() !== backend) throw new Error(`tfjs: backend is ${tf.getBackend()}, not ${backend}`);
  const model = tfjsModel(tf, tfl, spec);
  const run = (x, n) => {
    const input = tf.tensor4d(x, [n, ...spec.inputShape]);
    const y = model.predict(input);
    const out = y.dataSync();
    input.dispose();
    y.dispose();
    return out;
  };
  if (backend === 'wasm') {
    const simdBytes = statSize(join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist', 'tfjs-backend-wasm-simd.wasm'));
    const loaded = watched.modules.includes(simdBytes) ? 'tfjs-backend-wasm-simd.wasm' : null;
    if (watching && !loaded) throw new Error(`tfjs-wasm: the SIMD build (tfjs-backend-wasm-simd.wasm, ${simdBytes} bytes) was not the module loaded (saw ${watched.modules.join(', ')} bytes)`);
    detail += `, ${loaded ?? 'SIMD build'}, 1 thread; tfjs-core ${tf.version_core}, tfjs-layers ${tfl.version_layers}`;
  } else {
    detail += `; tfjs-core ${tf.version_core}, tfjs-layers ${tfl.version_layers}`;
  }
  return {
    async: false,
    version: tf.version_core,
    detail: `${detail}; layers API, functional (bench/tfjs-model.js) + setWeights; predict → dataSync()`,
    predict: (x) => run(x, 1),
    predictBatch: run,
    // milliseconds per kernel name over one call (tf.profile times each kernel the backend
    // runs; the '…__op' entries are the ops around kernels, left out so nothing counts twice)
    opProfile: async (x, n) => {
      const p = await tf.profile(() => run(x, n));
      const ms = {};
      for (const k of p.kernels) if (!k.name.endsWith('__op')) ms[k.name] = (ms[k.name] ?? 0) + k.kernelTimeMs;
      return ms;
    },
    memory: async () => {
      const b = backend === 'wasm' ? watchedWasmBytes() : null;
      return { wasmBytes: b, note: backend === 'wasm' ? 'the backend module\'s WebAssembly.Memory' : `JS typed arrays (tf.memory(): ${(tf.memory().numBytes / 1024).toFixed(0)} KiB in tensors)` };
    },
    dispose: () => model.dispose(),
  };
}

function statSize(file) {
  try {
    return readFileSync(file).byteLength;
  } catch {
    return -1;
  }
}

// ─── onnxruntime-web ─────────────────────────────────────────────────────────────────────

async function createOrt(threads, { onnxBytes, spec }) {
  const ort = await import('onnxruntime-web'); // in Node: dist/ort.node.min.mjs (wasm EP only)
  ort.env.logLevel = 'error';
  ort.env.wasm.numThreads = threads;
  ort.env.wasm.proxy = false;
  const session = await ort.InferenceSession.create(onnxBytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  if (ort.env.wasm.numThreads !== threads) throw new Error(`onnxruntime-web: asked for ${threads} threads, runs ${ort.env.wasm.numThreads}`);
  const [h, w, c] = spec.inputShape;
  const [input] = session.inputNames;
  const [output] = session.outputNames;
  const run = async (x, n) => {
    const result = await session.run({ [input]: new ort.Tensor('float32', x, [n, c, h, w]) });
    return result[output].data;
  };
  return {
    async: true,
    version: ort.env.versions?.web ?? pkgVersion('onnxruntime-web'),
    detail: `onnxruntime-web ${ort.env.versions?.web}, wasm EP (ort-wasm-simd-threaded.wasm), numThreads ${threads}; ONNX from bench/onnx-model.js (onnx-proto ${pkgVersion('onnx-proto')}); predict → await session.run(), output .data`,
    predict: (x) => run(x, 1),
    predictBatch: run,
    memory: async () => ({ wasmBytes: watchedWasmBytes(), note: 'the module\'s (shared) WebAssembly.Memory' }),
    dispose: () => session.release(),
  };
}

// ─── convnetjs ───────────────────────────────────────────────────────────────────────────

async function createConvnetjs({ spec }) {
  if (spec.key !== 'lenet5') throw new Error(`convnetjs: LeNet-5 only (its layers are written out below), not ${spec.key}`);
  const weights = spec.weights.filter(Boolean); // conv1, conv2, dense1, dense2, dense3
  const convnetjs = require('convnetjs');
  const net = new convnetjs.Net();
  net.makeLayers([
    { type: 'input', out_sx: 28, out_sy: 28, out_depth: 1 },
    { type: 'conv', sx: 5, filters: 6, stride: 1, pad: 2, activation: 'relu' },
    { type: 'pool', sx: 2, stride: 2 },
    { type: 'conv', sx: 5, filters: 16, stride: 1, pad: 0, activation: 'relu' },
    { type: 'pool', sx: 2, stride: 2 },
    { type: 'fc', num_neurons: 120, activation: 'relu' },
    { type: 'fc', num_neurons: 84, activation: 'relu' },
    { type: 'softmax', num_classes: 10 },
  ]);
  const weighted = net.layers.filter((l) => l.layer_type === 'conv' || l.layer_type === 'fc');
  if (weighted.length !== 5) throw new Error(`convnetjs: expected 5 weighted layers, got ${weighted.length}`);
  let params = 0;
  weighted.forEach((layer, li) => {
    const { kernel, bias } = weights[li];
    const outs = layer.out_depth;
    // conv filter o: Vol(sx, sy, in) with w[(fy·sx + fx)·in + i] = HWIO[fy][fx][i][o];
    // fc neuron u: w[i] over the HWC-flattened input = [in][units][i][u]
    const fanIn = kernel.length / outs;
    if (layer.filters.length !== outs || layer.filters[0].w.length !== fanIn || bias.length !== outs) {
      throw new Error(`convnetjs: layer ${li} shape mismatch (${layer.filters.length}×${layer.filters[0].w.length} vs ${outs}×${fanIn})`);
    }
    for (let o = 0; o < outs; o++) {
      const w = layer.filters[o].w;
      for (let k = 0; k < fanIn; k++) w[k] = kernel[k * outs + o];
      layer.biases.w[o] = bias[o];
    }
    params += kernel.length + bias.length;
  });
  if (params !== 61706) throw new Error(`convnetjs: ${params} parameters`);
  const input = new convnetjs.Vol(28, 28, 1, 0.0);
  const one = (x, out, at) => {
    input.w.set(x);
    const y = net.forward(input, false).w;
    for (let k = 0; k < 10; k++) out[at + k] = y[k];
  };
  return {
    async: false,
    version: pkgVersion('convnetjs'),
    detail: `convnetjs ${pkgVersion('convnetjs')} (plain JavaScript, Float64Array volumes); one image at a time: input Vol filled, net.forward(), output copied to a Float32Array`,
    predict: (x) => {
      const out = new Float32Array(10);
      one(x, out, 0);
      return out;
    },
    predictBatch: (x, n) => {
      const out = new Float32Array(n * 10);
      for (let i = 0; i < n; i++) one(x.subarray(i * 784, (i + 1) * 784), out, i * 10);
      return out;
    },
    memory: async () => ({ wasmBytes: null, note: 'JS typed arrays (no wasm)' }),
    dispose: () => {},
  };
}

// ─── The list ────────────────────────────────────────────────────────────────────────────

/**
 * key → { label, create(ctx), wasm, layout }; wasm-cnn first (the reference for correctness
 * and ratios). Which engines run which model: bench/zoo.js (ZOO[i].engines); the pool runs
 * only the batch-256 figure.
 */
export const ENGINES = {
  'wasm-cnn': { label: 'wasm-cnn', create: createWasmCnn, wasm: true, layout: 'nhwc' },
  'tfjs-wasm': { label: 'tfjs-wasm (SIMD, 1 thread)', create: (ctx) => createTfjs('wasm', ctx), wasm: true, layout: 'nhwc' },
  'tfjs-cpu': { label: 'tfjs-cpu', create: (ctx) => createTfjs('cpu', ctx), wasm: false, layout: 'nhwc' },
  'ort-1t': { label: 'onnxruntime-web, 1 thread', create: (ctx) => createOrt(1, ctx), wasm: true, layout: 'nchw' },
  'ort-2t': { label: 'onnxruntime-web, 2 threads', create: (ctx) => createOrt(2, ctx), wasm: true, layout: 'nchw' },
  convnetjs: { label: 'convnetjs', create: createConvnetjs, wasm: false, layout: 'nhwc' },
  'wasm-cnn-pool': { label: 'wasm-cnn, createPool (2 workers)', create: (ctx) => createWasmCnnPool(2, ctx), wasm: true, layout: 'nhwc', batchOnly: true },
};
