// index.js — the public entry point of wasm-cnn.
//
//   import { createModel, loadModel } from 'wasm-cnn';
//
// Everything here is async only because the engine is instantiated on first use; after that,
// models run synchronously (predict, activations, getWeights …). See README.md for the API
// table and index.d.ts for the types.

import { decodeBase64, getEngine, SIMD_SUPPORT } from './engine.js';
import { encodeLayers } from './layers.js';
import { encodeMetadata } from './metadata.js';
import { Model } from './model.js';

export { Model };
export { preprocessDigit } from './preprocess.js';

const VERSION = '0.1.0';

function checkInputShape(input) {
  if (!Array.isArray(input) || input.length !== 3 || !input.every((v) => Number.isInteger(v) && v > 0)) {
    throw new Error(`createModel: input must be [height, width, channels] of positive integers, got ${JSON.stringify(input)}`);
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

function isNode() {
  return typeof process === 'object' && process !== null && !!process.versions?.node && typeof window === 'undefined';
}

function looksLikeHtml(bytes) {
  let i = 0;
  while (i < bytes.length && i < 64 && (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09 || bytes[i] === 0xef || bytes[i] === 0xbb || bytes[i] === 0xbf)) i++;
  return bytes[i] === 0x3c; // '<'
}

async function bytesFromResponse(response, where) {
  if (!response.ok) {
    throw new Error(`${where}: HTTP ${response.status} ${response.statusText || ''}`.trimEnd() + (response.url ? ` for ${response.url}` : ''));
  }
  const type = response.headers?.get?.('content-type') || '';
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (/text\/html/i.test(type) || looksLikeHtml(bytes)) {
    throw new Error(
      `${where}: the server sent an HTML page (${type || 'starts with <'}), not a wasm-cnn model — is the URL right, and does the server serve the file?`,
    );
  }
  return bytes;
}

async function readSource(source) {
  if (source instanceof Uint8Array) return source;
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  if (ArrayBuffer.isView(source)) return new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
  if (source && typeof source === 'object' && typeof source.arrayBuffer === 'function' && 'ok' in source) {
    return bytesFromResponse(source, 'loadModel');
  }
  const isUrl = typeof URL === 'function' && source instanceof URL;
  if (typeof source !== 'string' && !isUrl) {
    throw new Error(`loadModel: source must be a Uint8Array, ArrayBuffer, Response, URL or string, got ${source === null ? 'null' : typeof source}`);
  }
  const text = String(source);
  const where = `loadModel(${text})`;
  const protocol = /^([a-z][a-z0-9+.-]*):/i.exec(text)?.[1]?.toLowerCase();
  if (isNode() && (protocol === 'file' || !protocol || protocol.length === 1 /* C:\ */)) {
    // Node's fs, reached so that no bundler sees (or warns about) a Node built-in: Node ≥ 20.16
    // hands it over directly; older Node imports it by a name built at run time.
    const { readFile } = process.getBuiltinModule?.('node:fs/promises') ??
      await import(/* webpackIgnore: true */ /* @vite-ignore */ ['node:fs', 'promises'].join('/'));
    const path = protocol === 'file' ? new URL(text) : text;
    try {
      return new Uint8Array(await readFile(path));
    } catch (err) {
      throw new Error(`${where}: cannot read the file: ${err.message}`);
    }
  }
  if (typeof fetch !== 'function') throw new Error(`${where}: this runtime has no fetch()`);
  let response;
  try {
    response = await fetch(text);
  } catch (err) {
    throw new Error(`${where}: fetch failed: ${err.message}`);
  }
  return bytesFromResponse(response, where);
}

/**
 * Loads a model file: Uint8Array | ArrayBuffer | Response | URL | string (fetched in
 * browsers; a path or file: URL in Node).
 */
export async function loadModel(source) {
  const bytes = await readSource(source);
  const where = typeof source === 'string' || (typeof URL === 'function' && source instanceof URL) ? `loadModel(${source})` : 'loadModel';
  if (looksLikeHtml(bytes)) {
    throw new Error(`${where}: these bytes are an HTML page, not a wasm-cnn model (a wrong URL, or a server that answers every path with index.html?)`);
  }
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
 * The digit model wasm-cnn ships (models/digits.wcnn, trained by `make weights`): LeNet-5,
 * 28×28×1 input (white digit on black, values in [0, 1], MNIST-style centred), 10 outputs
 * (softmax over "0"–"9"); see models/digits-report.md for its accuracy. Its bytes are
 * inlined in a module imported on first call, so bundlers split it out with no
 * configuration. The raw file is also exported as 'wasm-cnn/models/digits.wcnn'.
 */
export async function loadDigitModel() {
  const { default: base64 } = await import('../models/digits.js');
  return loadModel(decodeBase64(base64));
}

/**
 * What is running: { version, simd, kernels, memoryBytes }. memoryBytes is the size of the
 * engine's WebAssembly memory (all models share it).
 */
export async function engineInfo() {
  const e = await getEngine();
  return { version: VERSION, simd: true, kernels: e.kernels, memoryBytes: e.memory.buffer.byteLength, simdSupport: SIMD_SUPPORT };
}
