// training.js — training through the engine: setOptimizer, trainBatch, fit, evaluate,
// gradients, as functions over a model's core (model.js: engine, ptr, shapes, layers,
// reserve, setLast); the Model's methods call them, installed on the class by the full entry
// point (installTraining; wasm-cnn/infer never imports this file). The arithmetic is all in C
// (src/training.c); this file moves images (batch.js) and labels into the model's block and
// back.
//
// Labels: class indices (Uint8Array, Int32Array, or an array of integers) for cross-entropy;
// a Float32Array of n × outputs targets for mean squared error.

import { LOSSES, OPTIMIZER, OPTIMIZERS, SCHEDULES } from './abi.js';
import { shortFloat } from './layers.js';
import { chunks, countImages, positiveOption, writeImages } from './batch.js';

const NAMES = (table) => Object.fromEntries(Object.entries(table).map(([k, v]) => [v, k]));
const OPTIMIZER_NAMES = NAMES(OPTIMIZERS);
const LOSS_NAMES = NAMES(LOSSES);
const SCHEDULE_NAMES = NAMES(SCHEDULES);

const OPTIMIZER_OPTIONS = ['optimizer', 'loss', 'learningRate', 'momentum', 'nesterov', 'beta1', 'beta2', 'epsilon', 'weightDecay', 'schedule', 'seed'];

/** Cross-entropy for a softmax over one vector of classes; mean squared error otherwise. */
function defaultLoss(core) {
  const last = core.layers[core.layers.length - 1];
  const vector = last.outputShape.length === 1 || last.outputShape[0] * last.outputShape[1] === 1;
  return last.activation === 'softmax' && vector ? 'crossentropy' : 'mse';
}

/** Optimizer options (JavaScript names) → the 16-word cnn_optimizer record. */
function encodeOptimizer(core, options, where) {
  for (const key of Object.keys(options)) {
    if (!OPTIMIZER_OPTIONS.includes(key)) {
      throw new Error(`${where}: unknown option '${key}'; options are ${OPTIMIZER_OPTIONS.join(', ')}`);
    }
  }
  const type = options.optimizer ?? 'adam';
  if (!(type in OPTIMIZERS)) throw new Error(`${where}: optimizer must be 'adam' or 'sgd', got ${JSON.stringify(type)}`);
  const loss = options.loss ?? defaultLoss(core);
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

/**
 * Sets (and resets) the optimiser: { optimizer: 'adam' | 'sgd', loss, learningRate, momentum,
 * nesterov, beta1, beta2, epsilon, weightDecay, schedule, seed }.
 */
export function setOptimizer(core, options = {}) {
  const ptr = core.live('setOptimizer');
  const e = core.engine;
  const bytes = encodeOptimizer(core, options, 'setOptimizer');
  const at = e.alloc(bytes.length, 'optimizer');
  try {
    e.u8.set(bytes, at);
    e.check(e.c.cnn_model_set_optimizer(ptr, at), 'setOptimizer');
  } finally {
    e.free(at);
  }
}

/** The optimiser and its hyper-parameters, the steps taken and the current rate; or null. */
export function getOptimizer(core) {
  const ptr = core.live('optimizer');
  const e = core.engine;
  const at = e.alloc(OPTIMIZER.bytes + 4, 'optimizer');
  try {
    if (e.c.cnn_model_get_optimizer(ptr, at, at + OPTIMIZER.bytes) !== 0) return null;
    const bytes = e.u8.slice(at, at + OPTIMIZER.bytes);
    return decodeOptimizer(bytes, e.i32[(at + OPTIMIZER.bytes) >> 2] >>> 0, e.c.cnn_model_learning_rate(ptr));
  } finally {
    e.free(at);
  }
}

/** The loss in use: the given one, the optimiser's, or the output layer's natural one. */
function lossOf(core, given, where) {
  const loss = given ?? getOptimizer(core)?.loss ?? defaultLoss(core);
  if (!(loss in LOSSES)) throw new Error(`${where}: loss must be 'crossentropy' or 'mse', got ${JSON.stringify(loss)}`);
  return loss;
}

/** Writes the labels of images [from, from + m) (in `order` if given) to the block's
 * targets (validated before by checkLabels); returns their address. */
function writeLabels(core, labels, loss, from, m, order) {
  const e = core.engine;
  const ptr = e.c.cnn_model_targets(core.ptr);
  const O = core.outputSize;
  const base = ptr >> 2;
  if (loss === 'crossentropy') {
    const dst = e.i32;
    for (let i = 0; i < m; i++) dst[base + i] = labels[order ? order[from + i] : from + i];
  } else {
    const dst = e.f32;
    for (let i = 0; i < m; i++) {
      const k = order ? order[from + i] : from + i;
      dst.set(labels.subarray(k * O, (k + 1) * O), base + i * O);
    }
  }
  return ptr;
}

function checkLabels(core, labels, count, loss, where) {
  const O = core.outputSize;
  if (!labels || typeof labels.length !== 'number' || typeof labels === 'string') {
    throw new Error(`${where}: labels must be ${loss === 'crossentropy' ? 'class indices (Uint8Array, Int32Array or an array)' : `a Float32Array of n × ${O} targets`}`);
  }
  const want = loss === 'crossentropy' ? count : count * O;
  if (loss === 'mse' && !(labels instanceof Float32Array)) {
    throw new Error(`${where}: mse targets must be a Float32Array of ${want} values (n × ${O})`);
  }
  if (labels.length !== want) {
    throw new Error(`${where}: ${labels.length} labels for ${count} images; ${loss} needs ${want}${loss === 'mse' ? ` (n × ${O})` : ''}`);
  }
  if (loss === 'crossentropy') {
    for (let k = 0; k < count; k++) {
      const v = labels[k];
      if (!Number.isInteger(v) || v < 0 || v >= O) {
        throw new Error(`${where}: label ${k} is ${v}; class labels must be integers 0 to ${O - 1}`);
      }
    }
  }
}

/**
 * One optimiser step on n images. Returns the batch's mean loss, computed in the step
 * (before the update). Uses the current optimiser (Adam by default).
 */
export function trainBatch(core, inputs, labels, n) {
  const ptr = core.live('trainBatch');
  const count = countImages(core, inputs, n, 'trainBatch');
  checkLabels(core, labels, count, lossOf(core, undefined, 'trainBatch'), 'trainBatch');
  if (!getOptimizer(core)) setOptimizer(core, {});
  const opt = getOptimizer(core);
  core.reserve(count);
  const e = core.engine;
  writeImages(core, inputs, 0, count, null, 'trainBatch');
  const lp = writeLabels(core, labels, opt.loss, 0, count, null);
  core.setLast(0, 0, 0); // activations are mid-update: not offered
  const out = e.scratch;
  e.check(e.c.cnn_model_train_step(ptr, lp, count, out, out + 4), 'trainBatch');
  return e.f32[out >> 2];
}

/** Mean loss and accuracy over a data set, in chunks of batchSize (default 64). */
export function evaluate(core, inputs, labels, { batchSize, loss } = {}) {
  const ptr = core.live('evaluate');
  const count = countImages(core, inputs, undefined, 'evaluate');
  const lossName = lossOf(core, loss, 'evaluate');
  checkLabels(core, labels, count, lossName, 'evaluate');
  const chunk = Math.min(positiveOption(batchSize, 64, 'evaluate', 'batchSize'), count);
  core.reserve(chunk);
  const e = core.engine;
  let total = 0;
  let correct = 0;
  for (const { start, m } of chunks(count, chunk)) {
    writeImages(core, inputs, start, m, null, 'evaluate');
    const lp = writeLabels(core, labels, lossName, start, m, null);
    e.check(e.c.cnn_model_evaluate(ptr, LOSSES[lossName], lp, m, e.scratch, e.scratch + 4), 'evaluate');
    total += e.f32[e.scratch >> 2] * m;
    correct += e.i32[(e.scratch >> 2) + 1];
    core.setLast(count, start, chunk);
  }
  return { loss: total / count, accuracy: correct / count };
}

/**
 * Gradients of the mean loss of n images, without an update, the model as it predicts
 * (moving statistics, no dropout): { loss, layers: [{ <tensor>: Float32Array } | null per
 * layer] (its trainable tensors by name), input: Float32Array (n × input size) }. Copies.
 */
export function gradients(core, inputs, labels, n, { loss } = {}) {
  const ptr = core.live('gradients');
  const count = countImages(core, inputs, n, 'gradients');
  const lossName = lossOf(core, loss, 'gradients');
  checkLabels(core, labels, count, lossName, 'gradients');
  core.reserve(count);
  const e = core.engine;
  writeImages(core, inputs, 0, count, null, 'gradients');
  const lp = writeLabels(core, labels, lossName, 0, count, null);
  e.check(e.c.cnn_model_gradients(ptr, LOSSES[lossName], lp, count, e.scratch), 'gradients');
  core.setLast(count, 0, count);
  const lossValue = e.f32[e.scratch >> 2];
  const layers = core.layers.map((l, i) => {
    if (!l.trainableParams) return null;
    const grads = {};
    l.tensors.forEach((t, k) => {
      if (t.trainable) grads[t.name] = e.f32View(e.c.cnn_model_tensor_grad(ptr, i, k), t.size).slice();
    });
    return grads;
  });
  const input = e.f32View(e.c.cnn_model_input_grad(ptr), count * core.inputSize).slice();
  return { loss: lossValue, layers, input };
}

/**
 * Trains for `epochs` over (inputs, labels) in mini-batches, yielding to the event loop
 * between batches. Options: epochs (1), batchSize (32), shuffle (true), seed (0: the shuffle
 * order and, for a new optimiser, dropout's masks), optimizer settings (as setOptimizer;
 * given ones reset the optimiser, none keep the current one), validation { inputs, labels },
 * onBatchEnd, onEpochEnd, signal (AbortSignal). Resolves to a history: { loss[], accuracy[],
 * valLoss[], valAccuracy[], stopped }.
 */
export async function fit(core, inputs, labels, options = {}) {
  core.live('fit');
  const {
    epochs = 1, batchSize = 32, shuffle = true, seed = 0, validation, onBatchEnd, onEpochEnd, signal,
    ...optimizerOptions
  } = options;
  for (const key of Object.keys(optimizerOptions)) {
    if (!OPTIMIZER_OPTIONS.includes(key)) {
      throw new Error(`fit: unknown option '${key}'; options are epochs, batchSize, shuffle, seed, validation, onBatchEnd, onEpochEnd, signal, ${OPTIMIZER_OPTIONS.join(', ')}`);
    }
  }
  positiveOption(epochs, 1, 'fit', 'epochs');
  positiveOption(batchSize, 32, 'fit', 'batchSize');
  const count = countImages(core, inputs, undefined, 'fit');
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
    setOptimizer(core, { ...opts, seed: opts.seed ?? seed }); // dropout masks follow fit's seed
  }
  checkLabels(core, labels, count, lossOf(core, undefined, 'fit'), 'fit');
  if (!getOptimizer(core)) setOptimizer(core, { seed });
  const opt = getOptimizer(core);
  if (validation) {
    if (!validation.inputs || !validation.labels) throw new Error('fit: validation must be { inputs, labels }');
    checkLabels(core, validation.labels, countImages(core, validation.inputs, undefined, 'fit validation'), opt.loss, 'fit validation');
  }
  const chunk = Math.min(batchSize, count);
  core.reserve(chunk);
  const e = core.engine;
  const history = { loss: [], accuracy: [], valLoss: [], valAccuracy: [], stopped: false };
  let lastYield = now();
  for (let epoch = 0; epoch < epochs; epoch++) {
    const order = shuffle ? shuffled(count, (seed + epoch * 0x9e3779b9) >>> 0) : null;
    let lossSum = 0;
    let correctSum = 0;
    let seen = 0;
    const epochStart = now();
    let batch = 0;
    for (const { start, m } of chunks(count, batchSize)) {
      if (signal?.aborted) { history.stopped = true; break; }
      const t0 = now();
      writeImages(core, inputs, start, m, order, 'fit');
      const lp = writeLabels(core, labels, opt.loss, start, m, order);
      e.check(e.c.cnn_model_train_step(core.ptr, lp, m, e.scratch, e.scratch + 4), 'fit');
      const loss = e.f32[e.scratch >> 2];
      const correct = e.i32[(e.scratch >> 2) + 1];
      lossSum += loss * m;
      correctSum += correct;
      seen += m;
      const t1 = now();
      if (onBatchEnd) {
        await onBatchEnd({ epoch, batch, batches, loss, accuracy: correct / m, imagesPerSecond: m / Math.max((t1 - t0) / 1000, 1e-9) });
      }
      batch++;
      if (now() - lastYield > 16 || signal) { // keep the page responsive; see aborts
        await yieldToEventLoop();
        lastYield = now();
      }
    }
    core.setLast(0, 0, 0);
    if (!seen) break;
    const seconds = (now() - epochStart) / 1000;
    history.loss.push(lossSum / seen);
    history.accuracy.push(correctSum / seen);
    const logs = { epoch, loss: lossSum / seen, accuracy: correctSum / seen, imagesPerSecond: seen / Math.max(seconds, 1e-9), seconds };
    if (validation && !history.stopped) {
      const v = evaluate(core, validation.inputs, validation.labels, { batchSize: chunk, loss: opt.loss });
      history.valLoss.push(v.loss);
      history.valAccuracy.push(v.accuracy);
      Object.assign(logs, { valLoss: v.loss, valAccuracy: v.accuracy });
    }
    if (onEpochEnd) await onEpochEnd(logs);
    if (history.stopped) break;
  }
  return history;
}

/** The training methods of Model, installed by the full entry point (index.js). */
export function installTraining(Model) {
  // a model of the inference-only engine (only where both entries' sources share one program
  // and the infer engine was made first) has no training exports to call
  const core = (model, method) => {
    if (!model._engine.training) throw new Error(`model.${method}(): this model runs in the inference-only engine of wasm-cnn/infer, which has no training`);
    return model._core;
  };
  Object.assign(Model.prototype, {
    /** Sets (and resets) the optimiser. */
    setOptimizer(options = {}) { setOptimizer(core(this, 'setOptimizer'), options); },
    /** One optimiser step on n images; returns the batch's mean loss (before the update). */
    trainBatch(inputs, labels, n) { return trainBatch(core(this, 'trainBatch'), inputs, labels, n); },
    /** Mean loss and accuracy over a data set, in chunks of batchSize (default 64). */
    evaluate(inputs, labels, options) { return evaluate(core(this, 'evaluate'), inputs, labels, options); },
    /** Gradients of the mean loss of n images, without an update. */
    gradients(inputs, labels, n, options) { return gradients(core(this, 'gradients'), inputs, labels, n, options); },
    /** Mini-batch training; resolves to the history. */
    async fit(inputs, labels, options) { return fit(core(this, 'fit'), inputs, labels, options); },
  });
  Object.defineProperty(Model.prototype, 'optimizer', {
    /** The optimiser and its hyper-parameters, the steps taken and the current rate; or null. */
    get() { return this._engine.training ? getOptimizer(this._core) : null; },
    configurable: true,
  });
}
