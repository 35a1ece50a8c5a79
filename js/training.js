// training.js — training through the engine: setOptimizer, trainBatch, fit, evaluate,
// gradients. Installed on Model.prototype by model.js; the arithmetic is all in C
// (src/training.c), this file moves images and labels into the model's block and back.
//
// Labels: class indices (Uint8Array, Int32Array, or an array of integers) for cross-entropy;
// a Float32Array of n × outputs targets for mean squared error.

import { LOSSES, OPTIMIZER, OPTIMIZERS, SCHEDULES } from './abi.js';
import { shortFloat } from './layers.js';

const NAMES = (table) => Object.fromEntries(Object.entries(table).map(([k, v]) => [v, k]));
const OPTIMIZER_NAMES = NAMES(OPTIMIZERS);
const LOSS_NAMES = NAMES(LOSSES);
const SCHEDULE_NAMES = NAMES(SCHEDULES);

const OPTIMIZER_OPTIONS = ['optimizer', 'loss', 'learningRate', 'momentum', 'nesterov', 'beta1', 'beta2', 'epsilon', 'weightDecay', 'schedule', 'seed'];

/** Cross-entropy for a softmax over one vector of classes; mean squared error otherwise. */
function defaultLoss(model) {
  const last = model.layers[model.layers.length - 1];
  const vector = last.outputShape.length === 1 || last.outputShape[0] * last.outputShape[1] === 1;
  return last.activation === 'softmax' && vector ? 'crossentropy' : 'mse';
}

/** Optimizer options (JavaScript names) → the 16-word cnn_optimizer record. */
function encodeOptimizer(model, options, where) {
  for (const key of Object.keys(options)) {
    if (!OPTIMIZER_OPTIONS.includes(key)) {
      throw new Error(`${where}: unknown option '${key}'; options are ${OPTIMIZER_OPTIONS.join(', ')}`);
    }
  }
  const type = options.optimizer ?? 'adam';
  if (!(type in OPTIMIZERS)) throw new Error(`${where}: optimizer must be 'adam' or 'sgd', got ${JSON.stringify(type)}`);
  const loss = options.loss ?? defaultLoss(model);
  if (!(loss in LOSSES)) throw new Error(`${where}: loss must be 'crossentropy' or 'mse', got ${JSON.stringify(loss)}`);
  const num = (key, fallback) => {
    const v = options[key] ?? fallback;
    if (typeof v !== 'number' || Number.isNaN(v)) throw new Error(`${where}: ${key} must be a number, got ${JSON.stringify(v)}`);
    return v;
  };
  const view = new DataView(new ArrayBuffer(OPTIMIZER.bytes));
  const i32 = (field, v) => view.setInt32(OPTIMIZER[field], v, true);
  const f32 = (field, v) => view.setFloat32(OPTIMIZER[field], v, true);
  i32('type', OPTIMIZERS[type]);
  i32('loss', LOSSES[loss]);
  f32('learning_rate', num('learningRate', type === 'adam' ? 1e-3 : 0.01));
  f32('momentum', num('momentum', 0));
  i32('nesterov', options.nesterov ? 1 : 0);
  f32('beta1', num('beta1', 0.9));
  f32('beta2', num('beta2', 0.999));
  f32('epsilon', num('epsilon', 1e-7));
  f32('weight_decay', num('weightDecay', 0));
  const schedule = options.schedule ?? { type: 'constant' };
  if (typeof schedule !== 'object' || !(schedule.type in SCHEDULES)) {
    throw new Error(`${where}: schedule must be { type: 'constant' | 'step' | 'cosine', … }, got ${JSON.stringify(schedule)}`);
  }
  i32('schedule', SCHEDULES[schedule.type]);
  i32('step_size', schedule.type === 'step' ? schedule.stepSize ?? 0 : 1);
  f32('gamma', schedule.type === 'step' ? schedule.gamma ?? 0.1 : 1);
  i32('decay_steps', schedule.type === 'cosine' ? schedule.decaySteps ?? 0 : 1);
  f32('min_learning_rate', schedule.type === 'cosine' ? schedule.minLearningRate ?? 0 : 0);
  if (options.seed !== undefined && !(Number.isInteger(options.seed) && options.seed >= 0 && options.seed <= 0xffffffff)) {
    throw new Error(`${where}: seed must be an integer from 0 to 2^32-1, got ${JSON.stringify(options.seed)}`);
  }
  view.setUint32(OPTIMIZER.seed, options.seed ?? 0, true);
  return new Uint8Array(view.buffer);
}

function decodeOptimizer(bytes, steps, currentRate) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, OPTIMIZER.bytes);
  const i32 = (field) => view.getInt32(OPTIMIZER[field], true);
  const f32 = (field) => shortFloat(view.getFloat32(OPTIMIZER[field], true));
  const out = {
    optimizer: OPTIMIZER_NAMES[i32('type')],
    loss: LOSS_NAMES[i32('loss')],
    learningRate: f32('learning_rate'),
  };
  if (out.optimizer === 'sgd') Object.assign(out, { momentum: f32('momentum'), nesterov: !!i32('nesterov') });
  else Object.assign(out, { beta1: f32('beta1'), beta2: f32('beta2'), epsilon: f32('epsilon') });
  out.weightDecay = f32('weight_decay');
  const type = SCHEDULE_NAMES[i32('schedule')];
  out.schedule = type === 'step' ? { type, stepSize: i32('step_size'), gamma: f32('gamma') }
    : type === 'cosine' ? { type, decaySteps: i32('decay_steps'), minLearningRate: f32('min_learning_rate') } : { type };
  out.seed = view.getUint32(OPTIMIZER.seed, true);
  out.steps = steps;
  out.currentLearningRate = shortFloat(Math.fround(currentRate));
  return out;
}

/** Yields to the event loop (so pages stay responsive and signals are seen). */
function yieldToEventLoop() {
  if (typeof setImmediate === 'function') return new Promise((r) => setImmediate(r));
  if (typeof MessageChannel === 'function') {
    return new Promise((r) => {
      const ch = new MessageChannel();
      ch.port1.onmessage = () => { ch.port1.close(); r(); };
      ch.port2.postMessage(0);
    });
  }
  return new Promise((r) => setTimeout(r, 0));
}

/** Deterministic shuffling (mulberry32 + Fisher–Yates). */
function shuffled(n, seed) {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    const tmp = order[i]; order[i] = order[j]; order[j] = tmp;
  }
  return order;
}

const now = () => (typeof performance === 'object' ? performance.now() : Date.now());

export const trainingMethods = {
  /**
   * Sets (and resets) the optimiser: { optimizer: 'adam' | 'sgd', loss, learningRate,
   * momentum, nesterov, beta1, beta2, epsilon, weightDecay, schedule }.
   */
  setOptimizer(options = {}) {
    const ptr = this._live('setOptimizer');
    const e = this._engine;
    const bytes = encodeOptimizer(this, options, 'setOptimizer');
    const at = e.alloc(bytes.length, 'optimizer');
    try {
      e.u8.set(bytes, at);
      e.check(e.c.cnn_model_set_optimizer(ptr, at), 'setOptimizer');
    } finally {
      e.free(at);
    }
  },

  /** The optimiser and its hyper-parameters, the steps taken and the current rate; or null. */
  get optimizer() {
    const ptr = this._live('optimizer');
    const e = this._engine;
    const at = e.alloc(OPTIMIZER.bytes + 4, 'optimizer');
    try {
      if (e.c.cnn_model_get_optimizer(ptr, at, at + OPTIMIZER.bytes) !== 0) return null;
      const bytes = e.u8.slice(at, at + OPTIMIZER.bytes);
      return decodeOptimizer(bytes, e.i32[(at + OPTIMIZER.bytes) >> 2] >>> 0, e.c.cnn_model_learning_rate(ptr));
    } finally {
      e.free(at);
    }
  },

  _ensureOptimizer() {
    if (!this.optimizer) this.setOptimizer({});
    return this.optimizer;
  },

  /** Writes labels of images [from, from + m) of `labels` (in `order` if given) to the block
   * (validated before by _checkLabels). */
  _writeLabels(labels, loss, from, m, order) {
    const e = this._engine;
    const ptr = e.c.cnn_model_targets(this._ptr);
    const O = this.outputSize;
    if (loss === 'crossentropy') {
      const dst = e.i32;
      const base = ptr >> 2;
      for (let i = 0; i < m; i++) dst[base + i] = labels[order ? order[from + i] : from + i]; // checked
    } else {
      const dst = e.f32;
      const base = ptr >> 2;
      for (let i = 0; i < m; i++) {
        const k = order ? order[from + i] : from + i;
        dst.set(labels.subarray(k * O, (k + 1) * O), base + i * O);
      }
    }
    return ptr;
  },

  _checkLabels(labels, count, loss, where) {
    if (!labels || typeof labels.length !== 'number' || typeof labels === 'string') {
      throw new Error(`${where}: labels must be ${loss === 'crossentropy' ? 'class indices (Uint8Array, Int32Array or an array)' : `a Float32Array of n × ${this.outputSize} targets`}`);
    }
    const want = loss === 'crossentropy' ? count : count * this.outputSize;
    if (loss === 'mse' && !(labels instanceof Float32Array)) {
      throw new Error(`${where}: mse targets must be a Float32Array of ${want} values (n × ${this.outputSize})`);
    }
    if (labels.length !== want) {
      throw new Error(`${where}: ${labels.length} labels for ${count} images; ${loss} needs ${want}${loss === 'mse' ? ` (n × ${this.outputSize})` : ''}`);
    }
    if (loss === 'crossentropy') {
      const O = this.outputSize;
      for (let k = 0; k < count; k++) {
        const v = labels[k];
        if (!Number.isInteger(v) || v < 0 || v >= O) {
          throw new Error(`${where}: label ${k} is ${v}; class labels must be integers 0 to ${O - 1}`);
        }
      }
    }
  },

  /** Copies images [from, from + m) (in `order` if given) into input slots 0 … m − 1. */
  _writeImages(inputs, from, m, order, where) {
    const e = this._engine;
    if (Array.isArray(inputs)) {
      for (let i = 0; i < m; i++) this._writeInput(inputs[order ? order[from + i] : from + i], i, where);
      return;
    }
    const S = this.inputSize;
    const base = e.c.cnn_model_input(this._ptr) >> 2;
    const f32 = e.f32;
    if (!order) {
      f32.set(inputs.subarray(from * S, (from + m) * S), base);
      return;
    }
    for (let i = 0; i < m; i++) {
      const k = order[from + i];
      f32.set(inputs.subarray(k * S, (k + 1) * S), base + i * S);
    }
  },

  _imageCount(inputs, n, where) {
    if (Array.isArray(inputs)) return n ?? inputs.length;
    if (!(inputs instanceof Float32Array)) {
      throw new Error(`${where}: inputs must be a Float32Array of n × ${this.inputSize} values or an array of images`);
    }
    const count = n ?? inputs.length / this.inputSize;
    if (!Number.isInteger(count) || count < 1 || inputs.length !== count * this.inputSize) {
      throw new Error(`${where}: inputs has ${inputs.length} values, not a whole number of ${this.inputSize}-value images${n ? ` (n = ${n})` : ''}`);
    }
    return count;
  },

  /**
   * One optimiser step on n images. Returns the batch's mean loss, computed in the step
   * (before the update). Uses the current optimiser (Adam by default).
   */
  trainBatch(inputs, labels, n) {
    const ptr = this._live('trainBatch');
    const count = this._imageCount(inputs, n, 'trainBatch');
    this._checkLabels(labels, count, this.optimizer?.loss ?? defaultLoss(this), 'trainBatch');
    const opt = this._ensureOptimizer();
    this._reserve(count);
    const e = this._engine;
    this._writeImages(inputs, 0, count, null, 'trainBatch');
    const lp = this._writeLabels(labels, opt.loss, 0, count, null);
    this._setLast(0, 0, 0); // activations are mid-update: not offered
    const out = e.scratch;
    e.check(e.c.cnn_model_train_step(ptr, lp, count, out, out + 4), 'trainBatch');
    return e.f32[out >> 2];
  },

  /** Mean loss and accuracy over a data set, in chunks of batchSize (default 64). */
  evaluate(inputs, labels, { batchSize = 64, loss } = {}) {
    const ptr = this._live('evaluate');
    const count = this._imageCount(inputs, undefined, 'evaluate');
    const lossName = loss ?? this.optimizer?.loss ?? defaultLoss(this);
    if (!(lossName in LOSSES)) throw new Error(`evaluate: loss must be 'crossentropy' or 'mse', got ${JSON.stringify(lossName)}`);
    this._checkLabels(labels, count, lossName, 'evaluate');
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`evaluate: batchSize must be a positive integer, got ${batchSize}`);
    const chunk = Math.min(batchSize, count);
    this._reserve(chunk);
    const e = this._engine;
    let total = 0;
    let correct = 0;
    for (let start = 0; start < count; start += chunk) {
      const m = Math.min(chunk, count - start);
      this._writeImages(inputs, start, m, null, 'evaluate');
      const lp = this._writeLabels(labels, lossName, start, m, null);
      e.check(e.c.cnn_model_evaluate(ptr, LOSSES[lossName], lp, m, e.scratch, e.scratch + 4), 'evaluate');
      total += e.f32[e.scratch >> 2] * m;
      correct += e.i32[(e.scratch >> 2) + 1];
      this._setLast(count, start, chunk);
    }
    return { loss: total / count, accuracy: correct / count };
  },

  /**
   * Gradients of the mean loss of n images, without an update: { loss, layers: [{ kernel,
   * bias } | null per layer], input: Float32Array (n × input size) }. Copies.
   */
  gradients(inputs, labels, n, { loss } = {}) {
    const ptr = this._live('gradients');
    const count = this._imageCount(inputs, n, 'gradients');
    const lossName = loss ?? this.optimizer?.loss ?? defaultLoss(this);
    if (!(lossName in LOSSES)) throw new Error(`gradients: loss must be 'crossentropy' or 'mse', got ${JSON.stringify(lossName)}`);
    this._checkLabels(labels, count, lossName, 'gradients');
    this._reserve(count);
    const e = this._engine;
    this._writeImages(inputs, 0, count, null, 'gradients');
    const lp = this._writeLabels(labels, lossName, 0, count, null);
    e.check(e.c.cnn_model_gradients(ptr, LOSSES[lossName], lp, count, e.scratch), 'gradients');
    this._setLast(count, 0, count);
    const lossValue = e.f32[e.scratch >> 2];
    const layers = this.layers.map((l, i) => {
      if (!l.trainableParams) return null;
      const grads = {};
      l.tensors.forEach((t, k) => {
        if (t.trainable) grads[t.name] = e.f32View(e.c.cnn_model_tensor_grad(ptr, i, k), t.size).slice();
      });
      return grads;
    });
    const input = e.f32View(e.c.cnn_model_input_grad(ptr), count * this.inputSize).slice();
    return { loss: lossValue, layers, input };
  },

  /**
   * Trains for `epochs` over (inputs, labels) in mini-batches, yielding to the event loop
   * between batches. Options: epochs (1), batchSize (32), shuffle (true), seed (0), optimizer
   * settings (as setOptimizer; given ones reset the optimiser, none keep the current one),
   * validation { inputs, labels }, onBatchEnd, onEpochEnd, signal (AbortSignal).
   * Resolves to a history: { loss[], accuracy[], valLoss[], valAccuracy[], stopped }.
   */
  async fit(inputs, labels, options = {}) {
    this._live('fit');
    const {
      epochs = 1, batchSize = 32, shuffle = true, seed = 0, validation, onBatchEnd, onEpochEnd, signal,
      ...optimizerOptions
    } = options;
    for (const key of Object.keys(optimizerOptions)) {
      if (!OPTIMIZER_OPTIONS.includes(key)) {
        throw new Error(`fit: unknown option '${key}'; options are epochs, batchSize, shuffle, seed, validation, onBatchEnd, onEpochEnd, signal, ${OPTIMIZER_OPTIONS.join(', ')}`);
      }
    }
    if (!Number.isInteger(epochs) || epochs < 1) throw new Error(`fit: epochs must be a positive integer, got ${epochs}`);
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`fit: batchSize must be a positive integer, got ${batchSize}`);
    const count = this._imageCount(inputs, undefined, 'fit');
    const batches = Math.ceil(count / batchSize);
    if (Object.keys(optimizerOptions).length) {
      const opts = { ...optimizerOptions };
      // Schedules may be given in epochs here: { type: 'step', everyEpochs, gamma },
      // { type: 'cosine' } (decays over the whole fit unless decaySteps is given).
      if (opts.schedule?.type === 'step' && opts.schedule.everyEpochs !== undefined) {
        const { everyEpochs, ...rest } = opts.schedule;
        opts.schedule = { ...rest, stepSize: everyEpochs * batches };
      }
      if (opts.schedule?.type === 'cosine' && opts.schedule.decaySteps === undefined) {
        opts.schedule = { ...opts.schedule, decaySteps: epochs * batches };
      }
      this.setOptimizer({ ...opts, seed: opts.seed ?? seed }); // dropout masks follow fit's seed
    }
    this._checkLabels(labels, count, this.optimizer?.loss ?? defaultLoss(this), 'fit');
    if (!this.optimizer) this.setOptimizer({ seed });
    const opt = this.optimizer;
    if (validation) {
      if (!validation.inputs || !validation.labels) throw new Error('fit: validation must be { inputs, labels }');
      this._checkLabels(validation.labels, this._imageCount(validation.inputs, undefined, 'fit validation'), opt.loss, 'fit validation');
    }
    const chunk = Math.min(batchSize, count);
    this._reserve(chunk);
    const e = this._engine;
    const history = { loss: [], accuracy: [], valLoss: [], valAccuracy: [], stopped: false };
    let lastYield = now();
    for (let epoch = 0; epoch < epochs; epoch++) {
      const order = shuffle ? shuffled(count, (seed + epoch * 0x9e3779b9) >>> 0) : null;
      let lossSum = 0;
      let correctSum = 0;
      let seen = 0;
      const epochStart = now();
      for (let batch = 0; batch < batches; batch++) {
        if (signal?.aborted) { history.stopped = true; break; }
        const start = batch * batchSize;
        const m = Math.min(batchSize, count - start);
        const t0 = now();
        this._writeImages(inputs, start, m, order, 'fit');
        const lp = this._writeLabels(labels, opt.loss, start, m, order);
        e.check(e.c.cnn_model_train_step(this._ptr, lp, m, e.scratch, e.scratch + 4), 'fit');
        const loss = e.f32[e.scratch >> 2];
        const correct = e.i32[(e.scratch >> 2) + 1];
        lossSum += loss * m;
        correctSum += correct;
        seen += m;
        const t1 = now();
        if (onBatchEnd) {
          await onBatchEnd({ epoch, batch, batches, loss, accuracy: correct / m, imagesPerSecond: m / Math.max((t1 - t0) / 1000, 1e-9) });
        }
        if (now() - lastYield > 16 || signal) { // keep the page responsive; see aborts
          await yieldToEventLoop();
          lastYield = now();
        }
      }
      this._setLast(0, 0, 0);
      if (!seen) break;
      const seconds = (now() - epochStart) / 1000;
      history.loss.push(lossSum / seen);
      history.accuracy.push(correctSum / seen);
      const logs = { epoch, loss: lossSum / seen, accuracy: correctSum / seen, imagesPerSecond: seen / Math.max(seconds, 1e-9), seconds };
      if (validation && !history.stopped) {
        const v = this.evaluate(validation.inputs, validation.labels, { batchSize: chunk, loss: opt.loss });
        history.valLoss.push(v.loss);
        history.valAccuracy.push(v.accuracy);
        Object.assign(logs, { valLoss: v.loss, valAccuracy: v.accuracy });
      }
      if (onEpochEnd) await onEpochEnd(logs);
      if (history.stopped) break;
    }
    return history;
  },
};
