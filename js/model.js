// model.js — the Model class: one C model (cnn_model *) inside the shared engine.
//
// Memory: the C side owns everything (parameters, activations for `capacity` images,
// metadata). JavaScript keeps only the pointer and small descriptions; every typed-array
// view on wasm memory is made at the moment of use, because a growing memory detaches old
// views. Results handed to callers are copies unless a caller passes its own output array.

import { INPUT, LAYER_INFO, MAX_INPUTS, TENSOR_INFO } from './abi.js';
import { describeLayer, layerConfig, layerFormula, layerNames, typeName } from './layers.js';
import { decodeMetadata, encodeMetadata } from './metadata.js';
import { isImageLike } from './image.js';
import { chunks, countImages, positiveOption, writeImage, writeImages } from './batch.js';
import { suggest } from './layers.js';

const DEFAULT_CHUNK = 64; // predictBatch runs at most this many images per engine call

// Frees a model's wasm memory if its Model object is garbage-collected without dispose().
const registry = typeof FinalizationRegistry === 'function'
  ? new FinalizationRegistry(({ engine, ptr }) => engine.c.cnn_model_free(ptr))
  : null;

function fmt(n) {
  return n.toLocaleString('en-US');
}

export class Model {
  /** @internal Use createModel() or loadModel(). Layer names come from `givenNames`, else
   * from the metadata key layer_names, else conv2d_1, conv2d_2 … */
  constructor(engine, ptr, givenNames = []) {
    this._engine = engine;
    this._ptr = ptr;
    // The last predict/predictBatch call: how many images it ran, and which of them are still
    // in the engine (a chunked batch keeps only its last chunk). Count 0: nothing predicted yet.
    this._last = { count: 0, first: 0, chunk: 0 };
    const c = engine.c;
    const n = c.cnn_model_layer_count(ptr);
    const tmp = engine.alloc(Math.max(LAYER_INFO.bytes, TENSOR_INFO.bytes), 'layer info');
    const infos = [];
    const tensors = [];
    try {
      for (let i = 0; i < n; i++) {
        engine.check(c.cnn_model_layer_info(ptr, i, tmp));
        infos.push(readStruct(engine, tmp, LAYER_INFO));
        const list = [];
        for (let t = 0; t < infos[i].n_tensors; t++) {
          engine.check(c.cnn_model_tensor_info(ptr, i, t, tmp));
          const ti = readStruct(engine, tmp, TENSOR_INFO);
          const shape = Array.from(engine.i32.subarray((tmp + TENSOR_INFO.shape) >> 2, ((tmp + TENSOR_INFO.shape) >> 2) + ti.rank));
          list.push(Object.freeze({ name: engine.cString(c.cnn_model_tensor_name(ptr, i, t)), shape: Object.freeze(shape), size: ti.size, trainable: ti.trainable === 1 }));
        }
        tensors.push(Object.freeze(list));
      }
    } finally {
      engine.free(tmp);
    }
    const meta = this._readMetadata();
    const stored = meta.layer_names ? meta.layer_names.split('\n') : [];
    const names = layerNames(infos.map((info) => typeName(info.type)), givenNames.length ? givenNames : stored);
    // each layer's inputs, by name ('input': the model's input)
    const buf = engine.alloc(4 * MAX_INPUTS, 'layer inputs');
    const inputs = [];
    try {
      for (let i = 0; i < n; i++) {
        const k = c.cnn_model_layer_inputs(ptr, i, buf, MAX_INPUTS);
        inputs.push(Object.freeze(Array.from(engine.i32.subarray(buf >> 2, (buf >> 2) + k), (j) => (j === INPUT ? 'input' : names[j]))));
      }
    } finally {
      engine.free(buf);
    }
    /** @type {ReadonlyArray<object>} */
    this.layers = Object.freeze(infos.map((info, i) => Object.freeze(describeLayer(
      info, (key) => c.cnn_model_option(ptr, i, key), (key) => c.cnn_model_option_float(ptr, i, key), tensors[i], i, names[i],
      inputs[i],
    ))));
    /** Whether any layer reads something other than the layer before it. */
    this.isGraph = this.layers.some((l, i) => l.inputs.length !== 1 || l.inputs[0] !== (i ? this.layers[i - 1].name : 'input'));
    this.inputShape = Object.freeze([...this.layers[0].inputShape]);
    this.outputShape = Object.freeze([...this.layers[n - 1].outputShape]);
    this.inputSize = this.inputShape.reduce((a, b) => a * b, 1);
    this.outputSize = this.outputShape.reduce((a, b) => a * b, 1);
    this.paramCount = this.layers.reduce((a, l) => a + l.params, 0);
    this.trainableParamCount = this.layers.reduce((a, l) => a + l.trainableParams, 0);
    const model = this;
    /** What batch.js and training.js work on: the narrow interface of this model. */
    this._core = Object.freeze({
      engine,
      get ptr() { return model._ptr; },
      inputShape: this.inputShape,
      inputSize: this.inputSize,
      outputSize: this.outputSize,
      layers: this.layers,
      live: (method) => model._live(method),
      reserve: (n) => model._reserve(n),
      /** Which images of a call of `count` (in chunks of `chunk`) are in the engine; 0: none. */
      setLast: (count, first, chunk) => model._setLast(count, first, chunk),
    });
    if (registry) registry.register(this, { engine, ptr }, this);
  }

  // ─── Lifetime ──────────────────────────────────────────────────────────────────────────
  _live(method) {
    if (!this._ptr) throw new Error(`model.${method}(): this model was disposed`);
    return this._ptr;
  }

  /** Frees the model's wasm memory. Any later call throws. Calling it twice is harmless. */
  dispose() {
    if (!this._ptr) return;
    if (registry) registry.unregister(this);
    this._engine.c.cnn_model_free(this._ptr);
    this._ptr = 0;
  }

  get disposed() {
    return !this._ptr;
  }

  // ─── Description ───────────────────────────────────────────────────────────────────────
  /** A text table: layer, output shape, parameters, and the formula for conv layers. */
  summary() {
    this._live('summary');
    // graph models get a column of each layer's inputs (sequential ones read the layer above)
    const graph = this.isGraph;
    const rows = [['Layer (type)', 'Output shape', 'Params', ...(graph ? ['Inputs'] : []), 'Formula']];
    rows.push(['input', `[${this.inputShape.join(', ')}]`, '0', ...(graph ? [''] : []), '']);
    for (const l of this.layers) {
      const formula = layerFormula(l);
      const act = l.activation !== 'linear' && l.type !== 'activation' ? `, ${l.activation}` : '';
      const kind = l.type === 'activation' ? l.activation : l.type;
      rows.push([`${l.name} (${kind}${act})`, `[${l.outputShape.join(', ')}]`, fmt(l.params), ...(graph ? [l.inputs.join(', ')] : []), formula]);
    }
    const widths = rows[0].map((_, j) => Math.max(...rows.map((r) => r[j].length)));
    const line = (r) => r.map((cell, j) => (j === 2 ? cell.padStart(widths[j]) : cell.padEnd(widths[j]))).join('   ').trimEnd();
    const rule = '─'.repeat(widths.reduce((a, b) => a + b + 3, -3));
    const totals = [`Total params: ${fmt(this.paramCount)}`];
    if (this.trainableParamCount !== this.paramCount) {
      totals.push(`Trainable params: ${fmt(this.trainableParamCount)}`, `Non-trainable params: ${fmt(this.paramCount - this.trainableParamCount)} (moving statistics)`);
    }
    return [line(rows[0]), rule, ...rows.slice(1).map(line), rule, ...totals].join('\n');
  }

  /** The layer objects that re-create this architecture with createModel(). */
  config() {
    return { input: [...this.inputShape], layers: this.layers.map((l, i) => layerConfig(l, i ? this.layers[i - 1].name : 'input')) };
  }

  // ─── Inference ─────────────────────────────────────────────────────────────────────────
  _reserve(n) {
    const e = this._engine;
    if (e.c.cnn_model_capacity(this._ptr) < n) e.check(e.c.cnn_model_reserve(this._ptr, n), 'predict');
  }

  /** Runs the first n input slots: images first … first + n − 1 of a call of `count` images
   * made in chunks of `chunk`. */
  _forward(n, first = 0, count = n, chunk = n) {
    const e = this._engine;
    e.check(e.c.cnn_model_forward(this._ptr, n), 'predict');
    this._setLast(count, first, chunk);
  }

  /** Which images of the last call are in the engine (see activations()); no allocation. */
  _setLast(count, first, chunk) {
    const last = this._last;
    last.count = count;
    last.first = first;
    last.chunk = chunk;
  }

  /**
   * Runs one image. Returns a new Float32Array of the outputs, or fills `out` if given.
   * @param {Float32Array|ArrayLike<number>|ImageData} input
   * @param {Float32Array} [out]
   */
  predict(input, out) {
    this._live('predict');
    this._reserve(1);
    writeImage(this._core, input, 0, 'predict');
    this._forward(1);
    return this._readOutput(0, this.outputSize, out, 'predict');
  }

  /**
   * Runs n images. `inputs` is one Float32Array of n·h·w·c values (n given or inferred), or an
   * array of images. Returns Float32Array(n · outputs). Runs in chunks of `batchSize` images
   * (default 64) so memory stays bounded however large n is.
   */
  predictBatch(inputs, n, options = {}) {
    this._live('predictBatch');
    if (n !== undefined && n !== null && typeof n === 'object') { options = n; n = undefined; }
    const count = countImages(this._core, inputs, n, 'predictBatch');
    const chunk = positiveOption(options.batchSize, DEFAULT_CHUNK, 'predictBatch', 'batchSize');
    const out = options.out ?? new Float32Array(count * this.outputSize);
    if (!(out instanceof Float32Array) || out.length < count * this.outputSize) {
      throw new Error(`predictBatch: out must be a Float32Array of at least ${count * this.outputSize} values`);
    }
    this._reserve(Math.min(chunk, count));
    const e = this._engine;
    for (const { start, m } of chunks(count, chunk)) {
      writeImages(this._core, inputs, start, m, null, 'predictBatch');
      this._forward(m, start, count, chunk);
      const res = e.f32View(e.c.cnn_model_output(this._ptr, -1), m * this.outputSize);
      out.set(res, start * this.outputSize);
    }
    return out;
  }

  _readOutput(slot, size, out, where) {
    const e = this._engine;
    const at = ((e.c.cnn_model_output(this._ptr, -1) >> 2) + slot * size);
    if (out === undefined) return e.f32.slice(at, at + size);
    if (!(out instanceof Float32Array) || out.length < size) {
      throw new Error(`${where}: out must be a Float32Array of at least ${size} values`);
    }
    out.set(e.f32.subarray(at, at + size));
    return out;
  }

  /**
   * Every layer's output for an image of the last predict/predictBatch call (default: the
   * last image). Each entry's `data` is a copy (a Float32Array you own), in HWC order.
   * A predictBatch larger than its batchSize (64) keeps only its last chunk in the engine.
   */
  activations(image) {
    this._live('activations');
    const { count, first, chunk } = this._last;
    if (!count) throw new Error('activations(): nothing predicted yet: call predict() first');
    const i = image === undefined ? count - 1 : image;
    if (!Number.isInteger(i) || i < 0 || i >= count) {
      throw new Error(`activations(): image must be 0 to ${count - 1} (the last call ran ${count} images), got ${image}`);
    }
    if (i < first) {
      throw new Error(
        `activations(): image ${i} is no longer in the engine: predictBatch ran ${count} images in chunks of ${chunk} and keeps only the last chunk (images ${first} to ${count - 1}); pass { batchSize: ${count} } to keep them all`,
      );
    }
    const slot = i - first;
    const e = this._engine;
    return this.layers.map((l, i) => {
      const size = l.outputShape.reduce((a, b) => a * b, 1);
      const ptr = e.c.cnn_model_output(this._ptr, i) + slot * size * 4;
      return { index: i, name: l.name, type: l.type, shape: [...l.outputShape], data: e.f32View(ptr, size).slice() };
    });
  }

  /**
   * Where the time goes: runs the model layer by layer `repeats` times (default 50) on n
   * images and returns each layer's median milliseconds: { totalMs, layers: [{ index, name,
   * type, ms, share }] }. The input is an image or a flat batch, as for predictBatch.
   */
  profile(inputs, n = 1, { repeats = 50 } = {}) {
    const ptr = this._live('profile');
    if (!Number.isInteger(repeats) || repeats < 1) throw new Error(`profile: repeats must be a positive integer, got ${repeats}`);
    const single = isImageLike(inputs) || (inputs && inputs.length === this.inputSize && !Array.isArray(inputs));
    const count = single ? 1 : countImages(this._core, inputs, n === 1 ? undefined : n, 'profile');
    this._reserve(count);
    if (single) writeImage(this._core, inputs, 0, 'profile');
    else writeImages(this._core, inputs, 0, count, null, 'profile');
    const c = this._engine.c;
    const now = typeof performance === 'object' ? () => performance.now() : () => Date.now();
    const samples = this.layers.map(() => []);
    for (let r = 0; r < repeats; r++) {
      for (let i = 0; i < this.layers.length; i++) {
        const t0 = now();
        this._engine.check(c.cnn_model_forward_layer(ptr, i, count), 'profile');
        samples[i].push(now() - t0);
      }
    }
    this._setLast(count, 0, count);
    const median = (a) => a.sort((x, y) => x - y)[a.length >> 1];
    const ms = samples.map(median);
    const total = ms.reduce((a, b) => a + b, 0);
    return {
      totalMs: total,
      layers: this.layers.map((l, i) => ({ index: i, name: l.name, type: l.type, ms: ms[i], share: total ? ms[i] / total : 0 })),
    };
  }

  // ─── Weights ───────────────────────────────────────────────────────────────────────────
  _layer(i, method) {
    this._live(method);
    if (!Number.isInteger(i) || i < 0 || i >= this.layers.length) {
      throw new Error(`${method}: layer index must be 0 to ${this.layers.length - 1}, got ${i}`);
    }
    return this.layers[i];
  }

  /**
   * Layer i's parameter tensors as copies, by name — conv2d/dense { kernel, bias } in Keras
   * layouts (conv HWIO [kh][kw][in/groups][filters], dense [in][units]), batchnorm { gamma,
   * beta, movingMean, movingVariance } — each with its shape as `<name>Shape`. Layers without
   * parameters return null.
   */
  getWeights(i) {
    const l = this._layer(i, 'getWeights');
    if (!l.tensors.length) return null;
    const e = this._engine;
    const out = {};
    l.tensors.forEach((t, k) => {
      out[t.name] = e.f32View(e.c.cnn_model_tensor(this._ptr, i, k), t.size).slice();
      out[`${t.name}Shape`] = [...t.shape];
    });
    return out;
  }

  /** Sets some or all of layer i's tensors by name (lengths checked; layouts as getWeights). */
  setWeights(i, weights) {
    const l = this._layer(i, 'setWeights');
    const where = `setWeights: layer ${i} (${l.name})`;
    if (!l.tensors.length) throw new Error(`${where} has no weights`);
    const names = l.tensors.map((t) => t.name);
    const list = `{ ${names.join(', ')} }`;
    if (!weights || typeof weights !== 'object') throw new Error(`${where}: expected ${list} (any may be left out)`);
    const given = Object.keys(weights).filter((k) => weights[k] !== undefined && !k.endsWith('Shape'));
    if (!given.length) throw new Error(`${where}: expected ${list} (any may be left out)`);
    for (const name of given) {
      const k = names.indexOf(name);
      if (k < 0) throw new Error(`${where}: no tensor '${name}'; this layer has ${names.join(', ')}` + suggest(name, names));
      const t = l.tensors[k];
      const arr = weights[name];
      if (!arr || typeof arr.length !== 'number' || typeof arr === 'string') {
        throw new Error(`${where}: ${name} must be a Float32Array or an array of numbers`);
      }
      if (arr.length !== t.size) {
        throw new Error(`${where}: ${name} has ${arr.length} values, expected ${t.size} = ${t.shape.join('×')}${LAYOUTS[l.type]?.[name] ? ` (${LAYOUTS[l.type][name]})` : ''}`);
      }
    }
    const e = this._engine;
    for (const name of given) e.f32.set(weights[name], e.c.cnn_model_tensor(this._ptr, i, names.indexOf(name)) >> 2);
  }

  // ─── Metadata and files ────────────────────────────────────────────────────────────────
  _readMetadata() {
    const e = this._engine;
    const ptr = e.c.cnn_model_metadata(this._ptr, e.scratch);
    const size = e.i32[e.scratch >> 2] >>> 0;
    return size ? decodeMetadata(e.u8.slice(ptr, ptr + size)) : {};
  }

  _userMetadata(meta) {
    const { layer_names: _ignored, ...rest } = meta;
    return rest;
  }

  _writeMetadata(meta) {
    const e = this._engine;
    const bytes = encodeMetadata(meta, true);
    const ptr = bytes.length ? e.copyIn(bytes, 'metadata') : 0;
    try {
      e.check(e.c.cnn_model_set_metadata(this._ptr, ptr, bytes.length), 'metadata');
    } finally {
      if (ptr) e.free(ptr);
    }
  }

  /**
   * Metadata saved with the model: { name?, labels?: string[], description?, …strings }.
   * Returns a copy.
   */
  get metadata() {
    this._live('metadata');
    return this._userMetadata(this._readMetadata());
  }

  /** Replaces the metadata (see the metadata getter). */
  setMetadata(meta) {
    this._live('setMetadata');
    encodeMetadata(meta); // validates the user's keys (layer_names is reserved)
    const keep = this._readMetadata().layer_names;
    this._writeMetadata(keep ? { ...meta, layer_names: keep } : meta);
  }

  /**
   * The model file (docs/model-format.md): architecture, weights, metadata; with
   * { withOptimizer: true } also the optimiser, its step count and state, so that training
   * resumes exactly where it stopped.
   */
  save({ withOptimizer = false } = {}) {
    const ptr = this._live('save');
    const e = this._engine;
    const flags = withOptimizer ? 1 : 0;
    if (withOptimizer && !this.optimizer) {
      throw new Error(`save: withOptimizer asked, but ${e.training ? 'no optimizer is set (setOptimizer or fit first)' : "this is wasm-cnn/infer, which has no training: import from 'wasm-cnn' to train"}`);
    }
    const size = e.c.cnn_model_save_size(ptr, flags);
    const buf = e.alloc(size, 'save');
    try {
      e.check(e.c.cnn_model_save(ptr, buf, size, flags, e.scratch), 'save');
      return e.u8.slice(buf, buf + size);
    } finally {
      e.free(buf);
    }
  }
}

// Training methods (setOptimizer, optimizer, trainBatch, fit, evaluate, gradients) are not
// here: the full entry point installs them (training.js, installTraining); wasm-cnn/infer
// leaves them out (infer.js).

/** Reads a struct of int32 fields (offsets from abi.js) at byte address ptr. */
function readStruct(engine, ptr, layout) {
  const i32 = engine.i32;
  const out = {};
  for (const [field, offset] of Object.entries(layout)) if (field !== 'bytes') out[field] = i32[(ptr + offset) >> 2];
  return out;
}

/** The layout a tensor's values are in, for messages. */
const LAYOUTS = {
  conv2d: { kernel: 'HWIO: [kh][kw][in/groups][filters]' },
  depthwiseconv2d: { kernel: '[kh][kw][in][depthMultiplier]' },
  dense: { kernel: '[in][units]' },
};


