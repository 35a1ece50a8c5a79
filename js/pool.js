// pool.js — createPool: one model in N workers (Web Workers in browsers, worker_threads in
// Node), a batch split into contiguous parts that run in parallel.
//
//   const pool = await createPool(model, { workers: 4 });
//   const probs = await pool.predictBatch(images, n);   // one Float32Array, in input order
//   pool.dispose();
//
// How a worker starts without a file to host: its code is WORKER_SOURCE below, a string, run
// as a Blob-URL classic worker in browsers and as `new Worker(code, { eval: true })` in Node.
// It imports nothing: the main thread compiles the engine's inlined WebAssembly module once
// and posts the compiled WebAssembly.Module (structured-cloneable to workers, no
// SharedArrayBuffer, no COOP/COEP) with the model file's bytes; the worker instantiates it and
// drives the C engine through the same exports js/engine.js and js/model.js use
// (cnn_model_load, cnn_model_forward …), in the same chunks of 64 images as predictBatch, so
// its outputs are those of model.predictBatch bit for bit.
//
// Why not a worker that imports the entry module by import.meta.url: under a bundler the
// package is not a module of its own. A Vite build inlines it into the app's entry chunk, so
// import.meta.url is the app's chunk, and importing it in a worker runs the whole app there
// (document is not defined…). A code string is the same in every bundle, dev server and Node.
// It is a string, not a function's toString(), so no minifier, transpiler or coverage
// instrumentation can rewrite it into something that needs helpers from outside.
//
// Node's built-ins (worker_threads, os) are reached as js/source.js reaches node:fs, so no
// bundler sees them.

import { LAYER_INFO } from './abi.js';
import { loadModel } from './api.js';
import { countImages, describeInput } from './batch.js';
import { getEngine } from './engine.js';
import { imageToFloats, isImageLike } from './image.js';
import { isNode } from './source.js';

const CHUNK = 64; // images per engine call in a worker: model.predictBatch's default batchSize
const MESSAGE_BYTES = 4 << 20; // inputs per message: up to 4 MiB (at least one image)
const IN_FLIGHT = 2; // messages sent ahead to each worker

// The worker: a classic script with no imports. It answers { id, type: 'init', module, bytes,
// info } (instantiate the engine, load the model file; reply with the shapes) and { id, type:
// 'run', input, n } (reply with the outputs, and the input's buffer back for reuse, both
// transferred); any failure becomes { id, ok: false, message, code }. A host line for the
// platform is appended (see spawn).
const WORKER_SOURCE = `'use strict';
let c = null;
let memory = null;
let model = 0;
let inputSize = 0;
let outputSize = 0;
const CHUNK = ${CHUNK};
const utf8 = new TextDecoder();
function cString(p) {
  const u8 = new Uint8Array(memory.buffer);
  let end = p;
  while (u8[end] !== 0) end++;
  return utf8.decode(u8.subarray(p, end));
}
function check(status, where) {
  if (status === 0) return;
  const message = cString(c.cnn_error_message());
  const err = new Error(where ? where + ': ' + message : message);
  err.code = cString(c.cnn_status_name(status));
  throw err;
}
function alloc(bytes, what) {
  const p = c.malloc(Math.max(bytes, 1));
  if (!p) throw new Error('out of memory allocating ' + bytes + ' bytes for ' + what);
  return p;
}
async function init(msg) {
  const made = await WebAssembly.instantiate(msg.module, { env: { emscripten_notify_memory_growth() {} } });
  c = (made.instance || made).exports;
  memory = c.memory;
  c._initialize();
  const scratch = alloc(64, 'scratch');
  const bytes = msg.bytes;
  const file = alloc(bytes.length, 'the model file');
  new Uint8Array(memory.buffer).set(bytes, file);
  try {
    check(c.cnn_model_load(scratch, file, bytes.length), 'loadModel');
  } finally {
    c.free(file);
  }
  model = new Int32Array(memory.buffer)[scratch >> 2];
  c.free(scratch);
  const L = msg.info;
  const at = alloc(L.bytes, 'layer info');
  const field = (name) => new Int32Array(memory.buffer)[(at + L[name]) >> 2];
  const shape = (rank, h, w, ch) => (rank === 3 ? [h, w, ch] : [ch]);
  check(c.cnn_model_layer_info(model, 0, at), 'loadModel');
  const inputShape = shape(field('in_rank'), field('in_h'), field('in_w'), field('in_c'));
  check(c.cnn_model_layer_info(model, c.cnn_model_layer_count(model) - 1, at), 'loadModel');
  const outputShape = shape(field('out_rank'), field('out_h'), field('out_w'), field('out_c'));
  c.free(at);
  inputSize = inputShape.reduce((a, b) => a * b, 1);
  outputSize = outputShape.reduce((a, b) => a * b, 1);
  return { inputShape, outputShape };
}
function run(input, n) {
  if (!Number.isInteger(n) || n < 1) throw new Error('n must be a positive integer, got ' + n);
  if (!input || input.length !== n * inputSize) {
    throw new Error('input has ' + (input ? input.length : input) + ' values, ' + n + ' images need ' + n * inputSize);
  }
  const out = new Float32Array(n * outputSize);
  const need = Math.min(n, CHUNK);
  if (c.cnn_model_capacity(model) < need) check(c.cnn_model_reserve(model, need));
  for (let start = 0; start < n; start += CHUNK) {
    const m = Math.min(CHUNK, n - start);
    new Float32Array(memory.buffer).set(input.subarray(start * inputSize, (start + m) * inputSize), c.cnn_model_input(model) >> 2);
    check(c.cnn_model_forward(model, m));
    out.set(new Float32Array(memory.buffer, c.cnn_model_output(model, -1), m * outputSize), start * outputSize);
  }
  return out;
}
async function handle(msg, reply) {
  try {
    if (msg.type === 'init') {
      const shapes = await init(msg);
      reply({ id: msg.id, ok: true, inputShape: shapes.inputShape, outputShape: shapes.outputShape });
    } else if (msg.type === 'run') {
      const output = run(msg.input, msg.n);
      // the input's buffer goes back too, for the next chunk: no fresh memory per call
      reply({ id: msg.id, ok: true, output, input: msg.input.buffer }, [output.buffer, msg.input.buffer]);
    } else {
      throw new Error('unknown request ' + msg.type);
    }
  } catch (err) {
    reply({ id: msg.id, ok: false, message: String((err && err.message) || err), code: err && err.code });
  }
}
`;

// Node evaluates the code as CommonJS, or as an ES module (no require) when the parent runs
// with --input-type=module, whose flags workers inherit.
const NODE_HOST = `function listen(threads) {
  const port = threads.parentPort;
  port.on('message', (msg) => handle(msg, (reply, transfer) => port.postMessage(reply, transfer || [])));
}
if (typeof require === 'function') listen(require('node:worker_threads'));
else if (typeof process.getBuiltinModule === 'function') listen(process.getBuiltinModule('node:worker_threads'));
else import('node:worker_threads').then(listen);
`;
const BROWSER_HOST = `self.onmessage = (event) => handle(event.data, (reply, transfer) => self.postMessage(reply, transfer || []));
`;

/** A Node built-in, reached so that no bundler sees it (as js/source.js reaches node:fs). */
async function nodeBuiltin(name) {
  return process.getBuiltinModule?.(`node:${name}`) ??
    await import(/* webpackIgnore: true */ /* @vite-ignore */ ['node', name].join(':'));
}

/** The machine's parallelism: os.availableParallelism() in Node, navigator.hardwareConcurrency
 * in browsers (and Web Workers); 2 where neither says. */
async function defaultWorkers() {
  if (isNode()) {
    const os = await nodeBuiltin('os');
    return Math.max(1, typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length);
  }
  const n = typeof navigator === 'object' && navigator ? navigator.hardwareConcurrency : 0;
  return Number.isInteger(n) && n > 0 ? n : 2;
}

/**
 * One worker, the same shape on both platforms: post(msg, transfer), and callbacks
 * onMessage(data), onFail(message) (it died or could not start); ref/unref keep Node's event
 * loop alive only while work is pending.
 */
async function spawn(index, onMessage, onFail) {
  if (isNode()) {
    const { Worker } = await nodeBuiltin('worker_threads');
    const w = new Worker(WORKER_SOURCE + NODE_HOST, { eval: true, name: `wasm-cnn pool worker ${index}` });
    w.on('message', onMessage);
    w.on('error', (err) => onFail(err && err.message ? err.message : String(err)));
    w.on('messageerror', (err) => onFail(`a message could not be read: ${err && err.message}`));
    w.on('exit', (code) => onFail(`it exited (code ${code})`));
    return {
      post: (msg, transfer) => w.postMessage(msg, transfer),
      terminate: () => { w.removeAllListeners('exit'); w.terminate(); },
      ref: () => w.ref(),
      unref: () => w.unref(),
    };
  }
  if (typeof Worker !== 'function' || typeof Blob !== 'function' || typeof URL?.createObjectURL !== 'function') {
    throw new Error('createPool: this runtime has no Web Workers (Worker, Blob, URL.createObjectURL)');
  }
  const url = URL.createObjectURL(new Blob([WORKER_SOURCE + BROWSER_HOST], { type: 'text/javascript' }));
  let w;
  try {
    w = new Worker(url, { name: `wasm-cnn pool worker ${index}` });
  } catch (err) {
    throw new Error(`createPool: worker ${index} could not start: ${err.message} (a Content-Security-Policy must allow worker-src blob:)`);
  } finally {
    // the worker's script was resolved when it was constructed; the URL is no longer needed
    URL.revokeObjectURL(url);
  }
  w.onmessage = (event) => onMessage(event.data);
  w.onerror = (event) => {
    event.preventDefault?.();
    onFail(event.message || 'it could not start (does a Content-Security-Policy forbid worker-src blob:?)');
  };
  w.onmessageerror = () => onFail('a message could not be read');
  return { post: (msg, transfer) => w.postMessage(msg, transfer), terminate: () => w.terminate(), ref() {}, unref() {} };
}

/** A Model (duck-typed: one from another copy of the package is a Model too). */
function isModel(x) {
  return !!x && typeof x === 'object' && typeof x.save === 'function' && typeof x.predictBatch === 'function' && 'disposed' in x;
}

/** The bytes of the model file the workers load. */
async function modelBytes(source, inputShape) {
  if (isModel(source)) {
    if (source.disposed) throw new Error('createPool: the model was disposed');
    if (inputShape !== undefined) throw new Error('createPool: inputShape applies to a source that leaves it open, not to a Model');
    return source.save();
  }
  // a wasm-cnn file's bytes go to the workers as they are: each loads them (and reports
  // what is wrong with them); anything else (a path, a URL, ONNX, TF.js …) is loaded here
  // once by loadModel, and its wasm-cnn file is what the workers load
  const view = source instanceof ArrayBuffer ? new Uint8Array(source)
    : ArrayBuffer.isView(source) ? new Uint8Array(source.buffer, source.byteOffset, source.byteLength) : null;
  if (view && view.length >= 4 && view[0] === 0x57 && view[1] === 0x43 && view[2] === 0x4e && view[3] === 0x4e && inputShape === undefined) {
    // a view into a larger buffer would post the whole buffer to every worker
    return view.byteLength === view.buffer.byteLength ? view : view.slice();
  }
  const model = await loadModel(source, inputShape === undefined ? {} : { inputShape });
  try {
    return model.save();
  } finally {
    model.dispose();
  }
}

/**
 * Loads the same model in `workers` workers (default: the machine's parallelism).
 *   source: a Model (its save() bytes), or what loadModel takes: a wasm-cnn file's bytes
 *           (Uint8Array, ArrayBuffer), a path or URL, ONNX or TF.js (converted here, once).
 *   options.workers: how many; options.inputShape: as for loadModel.
 * Resolves when every worker has loaded the model; a worker that fails rejects it with that
 * worker's message (and stops the others).
 */
export async function createPool(source, options = {}) {
  if (!options || typeof options !== 'object') throw new Error('createPool: options must be an object like { workers: 4 }');
  const { workers, inputShape, ...rest } = options;
  const unknown = Object.keys(rest);
  if (unknown.length) throw new Error(`createPool: unknown option '${unknown[0]}'; options are workers, inputShape`);
  if (workers !== undefined && !(Number.isInteger(workers) && workers >= 1)) {
    throw new Error(`createPool: workers must be a positive integer, got ${workers}`);
  }
  if (source === undefined || source === null) {
    throw new Error(`createPool: source must be a Model, a model file's bytes, a path or a URL, got ${source}`);
  }
  const count = workers ?? await defaultWorkers();
  const bytes = await modelBytes(source, inputShape);
  // the entry point's engine module (the full one, or wasm-cnn/infer's), compiled once per
  // page/process by engine.js (with its clear error where WebAssembly SIMD is missing)
  const { module } = await getEngine();
  const pool = new Pool(count);
  try {
    await pool._start(module, bytes);
  } catch (err) {
    pool.dispose();
    throw err;
  }
  return pool;
}

class Pool {
  constructor(count) {
    this._count = count;
    this._handles = [];
    this._pending = new Map(); // id → { resolve, reject, worker }
    this._busy = new Array(count).fill(0); // pending requests per worker (Node: ref while > 0)
    this._spare = Array.from({ length: count }, () => []); // input buffers the workers gave back
    this._nextId = 1;
    this._disposed = false;
    this._broken = null; // the message of a worker that died
    this.inputShape = null;
    this.outputShape = null;
  }

  /** How many workers the pool runs. */
  get workers() {
    return this._count;
  }

  get disposed() {
    return this._disposed;
  }

  async _start(module, bytes) {
    for (let i = 0; i < this._count; i++) {
      this._handles.push(await spawn(i, (data) => this._settle(data), (message) => this._fail(i, message)));
    }
    const info = { ...LAYER_INFO };
    const results = await Promise.allSettled(this._handles.map((_, i) => this._request(i, { type: 'init', module, bytes, info }, [], 'createPool')));
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    const { inputShape, outputShape } = results[0].value;
    this.inputShape = Object.freeze([...inputShape]);
    this.outputShape = Object.freeze([...outputShape]);
    this._inputSize = inputShape.reduce((a, b) => a * b, 1);
    this._outputSize = outputShape.reduce((a, b) => a * b, 1);
    this._core = { inputSize: this._inputSize, inputShape: this.inputShape }; // what countImages reads
  }

  _request(worker, msg, transfer, where) {
    return new Promise((resolve, reject) => {
      const id = this._nextId++;
      this._pending.set(id, { resolve, reject, worker, where });
      if (this._busy[worker]++ === 0) this._handles[worker].ref();
      try {
        this._handles[worker].post({ ...msg, id }, transfer);
      } catch (err) {
        this._done(id);
        reject(new Error(`${where}: could not send to worker ${worker}: ${err.message}`));
      }
    });
  }

  _done(id) {
    const p = this._pending.get(id);
    if (!p) return null;
    this._pending.delete(id);
    if (--this._busy[p.worker] === 0 && this._handles[p.worker]) this._handles[p.worker].unref();
    return p;
  }

  _settle(data) {
    const p = this._done(data && data.id);
    if (!p) return;
    if (data.ok) {
      p.resolve(data);
      return;
    }
    const err = new Error(`${p.where}: worker ${p.worker}: ${data.message}`);
    if (data.code) err.code = data.code;
    p.reject(err);
  }

  /** A worker died or could not start: every pending request fails, and so does later work. */
  _fail(worker, message) {
    if (this._disposed) return;
    this._broken ??= `pool.predictBatch(): worker ${worker} stopped (${message}); this pool cannot run: create a new one`;
    for (const [id, p] of [...this._pending]) {
      this._done(id);
      p.reject(new Error(`${p.where}: worker ${worker} stopped: ${message}`));
    }
  }

  _live() {
    if (this._disposed) throw new Error('pool.predictBatch(): this pool was disposed');
    if (this._broken) throw new Error(this._broken);
  }

  /**
   * Runs n images (a flat typed array of n·h·w·c values, or an array of images: Float32Arrays
   * or ImageData) split into contiguous parts, one per worker, in parallel; resolves to
   * Float32Array(n · outputs) in input order. The caller's arrays are copied, never detached.
   */
  async predictBatch(inputs, n) {
    this._live();
    const where = 'pool.predictBatch';
    const count = countImages(this._core, inputs, n, where);
    if (Array.isArray(inputs)) inputs.forEach((img, k) => checkImage(img, this._inputSize, this.inputShape, `${where}: image ${k}`));
    const out = new Float32Array(count * this._outputSize);
    const call = { inputs, out, failed: false };
    const parts = splitBatch(count, this._count);
    await Promise.all(parts.map(({ start, m }, worker) => this._stream(call, worker, start, m).catch((err) => {
      call.failed = true; // the other workers' parts stop at their next message
      throw err;
    })));
    return out;
  }

  /**
   * One worker's part, images [start, start + m), as messages of ≤ 4 MiB of inputs with at
   * most IN_FLIGHT of them sent ahead: the worker always has its next message while the main
   * thread copies the one after, and the messages' buffers come back to be filled again, so
   * memory stays bounded however large the batch and a steady stream allocates nothing large
   * (a fresh buffer costs page faults: 0.45 ms for LeNet's 128 images, ~8% of their time).
   * Messages are few (a Node message costs ~0.1 ms): LeNet's batch of 256 is one per worker.
   */
  _stream(call, worker, start, m) {
    const S = this._inputSize;
    const O = this._outputSize;
    const per = Math.max(1, Math.floor(MESSAGE_BYTES / (4 * S)));
    const where = 'pool.predictBatch';
    return new Promise((resolve, reject) => {
      let sent = 0;
      let done = 0;
      const send = () => {
        const first = start + sent;
        const k = Math.min(per, m - sent);
        sent += k;
        const x = this._buffer(worker, k * S);
        packImages(call.inputs, first, k, S, this.inputShape, x);
        this._request(worker, { type: 'run', input: x, n: k }, [x.buffer], where).then((data) => {
          this._recycle(worker, data.input);
          call.out.set(data.output, first * O);
          done += k;
          if (done === m) resolve();
          else if (sent < m && !call.failed) send();
          else if (call.failed) resolve(); // another part failed: the call rejects with its error
        }).catch(reject);
      };
      try {
        for (let i = 0; i < IN_FLIGHT && sent < m; i++) send();
      } catch (err) {
        reject(err);
      }
    });
  }

  /** A Float32Array of `size` floats on a buffer this worker gave back, or on a new one. */
  _buffer(worker, size) {
    const spare = this._spare[worker];
    const i = spare.findIndex((b) => b.byteLength >= size * 4);
    if (i >= 0) return new Float32Array(spare.splice(i, 1)[0], 0, size);
    return new Float32Array(size);
  }

  _recycle(worker, buffer) {
    const spare = this._spare[worker];
    if (buffer && buffer.byteLength && spare && spare.length <= IN_FLIGHT) spare.push(buffer);
  }

  /** Stops the workers; pending and later predictBatch calls reject. Calling it twice is harmless. */
  dispose() {
    if (this._disposed) return;
    this._disposed = true;
    for (const [id, p] of [...this._pending]) {
      this._done(id);
      p.reject(new Error(`${p.where === 'createPool' ? 'createPool' : 'pool.predictBatch()'}: this pool was disposed`));
    }
    for (const h of this._handles) h.terminate();
    this._handles = [];
    this._spare = this._spare.map(() => []);
  }
}

/** n images in `workers` contiguous parts, sizes differing by at most one: [{ start, m }]. */
function splitBatch(n, workers) {
  const k = Math.min(n, workers);
  const base = Math.floor(n / k);
  const extra = n % k;
  const parts = [];
  for (let i = 0, start = 0; i < k; i++) {
    const m = base + (i < extra ? 1 : 0);
    parts.push({ start, m });
    start += m;
  }
  return parts;
}

/** Throws naming the problem if `img` is not one image of `S` floats (or an ImageData of the
 * model's size). */
function checkImage(img, S, shape, where) {
  if (isImageLike(img)) {
    if (img.width !== shape[1] || img.height !== shape[0]) {
      throw new Error(`${where}: ImageData is ${img.width}×${img.height}, the model needs ${shape[1]}×${shape[0]} (width×height)`);
    }
    return;
  }
  if (!img || typeof img.length !== 'number' || typeof img === 'string') {
    throw new Error(`${where}: input must be a Float32Array of ${S} values (HWC) or an ImageData, got ${describeInput(img)}`);
  }
  if (img.length !== S) {
    throw new Error(`${where}: input has ${img.length} values, the model needs ${S} = ${shape.join('×')} (height×width×channels, HWC order)`);
  }
}

/** Copies images [start, start + m) of `inputs` (checked) into `x` (m·S floats). */
function packImages(inputs, start, m, S, shape, x) {
  if (!Array.isArray(inputs)) {
    x.set(inputs.subarray(start * S, (start + m) * S));
    return;
  }
  for (let i = 0; i < m; i++) {
    const k = start + i;
    const img = inputs[k];
    const dst = x.subarray(i * S, (i + 1) * S);
    if (isImageLike(img)) imageToFloats(img, shape, dst, `pool.predictBatch: image ${k}`);
    else dst.set(img);
  }
}
