// api.js — the functions both entry points export, index.js (the full engine) and infer.js
// (wasm-cnn/infer, inference only): createModel, loadModel, loadDigitModel, engineInfo. They
// run on the engine module the entry point provided (engine.js, provideEngine).
//
// Everything here is async only because the engine is instantiated on first use; after that,
// models run synchronously (predict, activations, getWeights …). See README.md for the API
// table and index.d.ts for the types.

import { digitModelBytes } from './digits.js';
import { getEngine, SIMD_SUPPORT } from './engine.js';
import { encodeLayers } from './layers.js';
import { encodeMetadata } from './metadata.js';
import { Model } from './model.js';
import { looksLikeHtml, readSource } from './source.js';

const VERSION = '0.1.0';

function checkInputShape(input, what = 'createModel: input') {
  if (!Array.isArray(input) || input.length !== 3 || !input.every((v) => Number.isInteger(v) && v > 0)) {
    throw new Error(`${what} must be [height, width, channels] of positive integers, got ${JSON.stringify(input)}`);
  }
}

/**
 * Builds a model from layer objects; weights are initialised deterministically from `seed`
 * (He-uniform before relu, Glorot-uniform otherwise, biases 0). Without a seed, a random one
 * is drawn and reported as model.seed.
 */
export async function createModel(definition) {
  if (!definition || typeof definition !== 'object') {
    throw new Error('createModel: expected { input: [h, w, c], layers: [...], seed?, metadata? }');
  }
  const { input, layers, seed, metadata, ...rest } = definition;
  const unknown = Object.keys(rest);
  if (unknown.length) throw new Error(`createModel: unknown option '${unknown[0]}'; options are input, layers, seed, metadata`);
  checkInputShape(input);
  if (seed !== undefined && !(Number.isInteger(seed) && seed >= 0 && seed <= 0xffffffff)) {
    throw new Error(`createModel: seed must be an integer from 0 to 2^32-1, got ${seed}`);
  }
  const { bytes: specs, count, names } = encodeLayers(layers);
  encodeMetadata(metadata); // validates it before the engine is touched
  const useSeed = seed ?? ((Math.random() * 0x100000000) >>> 0);

  const e = await getEngine();
  const specPtr = e.copyIn(specs, 'layer specs');
  let ptr = 0;
  try {
    const status = e.c.cnn_model_create(e.scratch, input[0], input[1], input[2], specPtr, count, useSeed);
    e.check(status, 'createModel');
    ptr = e.i32[e.scratch >> 2];
  } finally {
    e.free(specPtr);
  }
  let model;
  try {
    model = new Model(e, ptr, names);
    if (metadata !== undefined || names.some(Boolean)) {
      model._writeMetadata(names.some(Boolean) ? { ...metadata, layer_names: model.layers.map((l) => l.name).join('\n') } : metadata);
    }
  } catch (err) {
    if (model) model.dispose();
    else e.c.cnn_model_free(ptr);
    throw err;
  }
  model.seed = useSeed;
  return model;
}

/**
 * Loads a model: a wasm-cnn file, an ONNX model (PyTorch's export) or a TF.js layers model
 * (model.json and its weight shards, as tensorflowjs_converter and tfjs model.save() write
 * them). The format is detected from the bytes, never from a file name.
 *   source: Uint8Array | ArrayBuffer | Response | URL | string (fetched in browsers; a path or
 *           file: URL in Node) | { modelJson, weights } (a TF.js model held in memory: the parsed
 *           model.json, and the shards as one buffer in manifest order or a map path → bytes)
 *   options.inputShape: [h, w, c] where the source leaves spatial dimensions dynamic.
 * The importers load on first use (a separate chunk: apps that never import pay nothing).
 */
export async function loadModel(source, options = {}) {
  if (!options || typeof options !== 'object') throw new Error('loadModel: options must be an object like { inputShape: [h, w, c] }');
  const { inputShape, ...rest } = options;
  const unknown = Object.keys(rest);
  if (unknown.length) throw new Error(`loadModel: unknown option '${unknown[0]}'; the option is inputShape`);
  if (inputShape !== undefined) checkInputShape(inputShape, 'loadModel: inputShape');
  if (source && typeof source === 'object' && 'modelJson' in source) {
    const { importTfjs } = await import('./import/tfjs.js');
    return importTfjs(source.modelJson, source.weights, { createModel, inputShape, where: 'loadModel' });
  }
  const { bytes, where, sibling } = await readSource(source);
  if (isWcnn(bytes)) return loadWcnn(bytes, where);
  if (looksLikeHtml(bytes)) {
    throw new Error(`${where}: these bytes are an HTML page, not a model (a wrong URL, or a server that answers every path with index.html?)`);
  }
  if (looksLikeJson(bytes)) {
    let json;
    try {
      json = JSON.parse(new TextDecoder().decode(bytes));
    } catch (err) {
      throw new Error(`${where}: the bytes look like JSON but do not parse: ${err.message}`);
    }
    const { importTfjs, looksLikeTfjsModelJson } = await import('./import/tfjs.js');
    if (!looksLikeTfjsModelJson(json)) {
      throw new Error(`${where}: a JSON file that is not a TF.js layers model (no modelTopology and weightsManifest); wasm-cnn reads .wcnn, .onnx and TF.js model.json files`);
    }
    if (!sibling) {
      throw new Error(`${where}: a TF.js model.json needs its weight shards: pass the path or URL of model.json (the shards are read beside it), or { modelJson, weights }`);
    }
    return importTfjs(json, sibling, { createModel, inputShape, where });
  }
  // an ONNX ModelProto starts with field 1 (ir_version, a varint: byte 0x08) in every
  // exporter we know; only then is the importer worth loading to look closer
  if (bytes[0] === 0x08) {
    const { importOnnx, looksLikeOnnx } = await import('./import/onnx.js');
    if (looksLikeOnnx(bytes)) return importOnnx(bytes, { createModel, inputShape, where });
  }
  return loadWcnn(bytes, where); // the engine says what the bytes are not
}

const WCNN_MAGIC = [0x57, 0x43, 0x4e, 0x4e];
function isWcnn(bytes) {
  return bytes.length >= 4 && WCNN_MAGIC.every((b, i) => bytes[i] === b);
}

function looksLikeJson(bytes) {
  let i = 0;
  while (i < bytes.length && i < 64 && (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09 || bytes[i] === 0xef || bytes[i] === 0xbb || bytes[i] === 0xbf)) i++;
  return bytes[i] === 0x7b; // '{'
}

/** A wasm-cnn model file, through the engine's own reader. */
async function loadWcnn(bytes, where) {
  const e = await getEngine();
  const ptr = e.copyIn(bytes, 'model file');
  let model = 0;
  try {
    e.check(e.c.cnn_model_load(e.scratch, ptr, bytes.length), where);
    model = e.i32[e.scratch >> 2];
  } finally {
    e.free(ptr);
  }
  try {
    return new Model(e, model);
  } catch (err) {
    e.c.cnn_model_free(model);
    throw err;
  }
}

/**
 * The digit model wasm-cnn ships (models/digits.wcnn, trained by `make weights`): 28×28×1
 * input (white digit on black, values in [0, 1], MNIST-style centred), 10 outputs (softmax
 * over "0"–"9"); see models/digits-report.md for its architecture and accuracy. The file is
 * read once, from beside the package's code (digits.js says how bundlers find it); every call
 * returns a new model of its own. The raw file is also exported as
 * 'wasm-cnn/models/digits.wcnn'.
 */
export async function loadDigitModel() {
  // straight to the engine's reader: an app that only loads this model never pulls in the
  // importers (a bundled worker, which cannot split chunks, would otherwise inline them)
  return loadWcnn(await digitModelBytes(), 'loadDigitModel');
}

/**
 * What is running: { version, simd, kernels, memoryBytes, training }. memoryBytes is the size
 * of the engine's WebAssembly memory (all models share it); training is false in the
 * inference-only engine (wasm-cnn/infer).
 */
export async function engineInfo() {
  const e = await getEngine();
  return { version: VERSION, simd: true, kernels: e.kernels, memoryBytes: e.memory.buffer.byteLength, simdSupport: SIMD_SUPPORT, training: e.training };
}
