// batch.js — how images reach the engine, for every caller (predict, predictBatch, profile,
// evaluate, fit, trainBatch, gradients): one way to count a batch, one image writer, one chunk
// loop. They work on a model's core (model.js): { engine, ptr, inputShape, inputSize,
// outputSize, reserve(n) } — never on the Model itself.

import { imageToFloats, isImageLike } from './image.js';

export function describeInput(x) {
  if (x === null || x === undefined) return String(x);
  if (typeof x === 'object') return x.constructor ? x.constructor.name : 'an object';
  return typeof x;
}

/**
 * How many images `inputs` holds: an array of images (each a Float32Array of inputSize values
 * or an ImageData), or one flat typed array of n · inputSize values. `n`, if given, must agree.
 */
export function countImages(core, inputs, n, where) {
  const size = core.inputSize;
  const list = Array.isArray(inputs);
  if (!list && !ArrayBuffer.isView(inputs)) {
    throw new Error(`${where}: inputs must be a Float32Array of n·${size} values or an array of images, got ${describeInput(inputs)}`);
  }
  const count = n === undefined || n === null ? (list ? inputs.length : inputs.length / size) : n;
  if (!Number.isInteger(count) || count < 1) {
    throw new Error(list || n !== undefined && n !== null
      ? `${where}: n must be a positive integer, got ${count}`
      : `${where}: inputs has ${inputs.length} values, not a whole number of ${size}-value images (${core.inputShape.join('×')})`);
  }
  if (list && inputs.length !== count) throw new Error(`${where}: n is ${count} but the array holds ${inputs.length} images`);
  if (!list && inputs.length !== count * size) {
    throw new Error(`${where}: inputs has ${inputs.length} values, ${count} images need ${count * size} (${count}×${core.inputShape.join('×')})`);
  }
  return count;
}

/** Writes one image (Float32Array-like in HWC order, or ImageData) into input slot `slot`. */
export function writeImage(core, input, slot, where) {
  const e = core.engine;
  const size = core.inputSize;
  const base = (e.c.cnn_model_input(core.ptr) >> 2) + slot * size;
  if (isImageLike(input)) {
    imageToFloats(input, core.inputShape, e.f32.subarray(base, base + size), where);
    return;
  }
  if (!input || typeof input.length !== 'number' || typeof input === 'string') {
    throw new Error(`${where}: input must be a Float32Array of ${size} values (HWC) or an ImageData, got ${describeInput(input)}`);
  }
  if (input.length !== size) {
    throw new Error(
      `${where}: input has ${input.length} values, the model needs ${size} = ${core.inputShape.join('×')} (height×width×channels, HWC order)`,
    );
  }
  e.f32.set(input, base);
}

/** Copies images [from, from + m) of `inputs` (in `order` if given) into input slots 0 … m − 1. */
export function writeImages(core, inputs, from, m, order, where) {
  if (Array.isArray(inputs)) {
    for (let i = 0; i < m; i++) {
      const k = order ? order[from + i] : from + i;
      writeImage(core, inputs[k], i, `${where}: image ${k}`);
    }
    return;
  }
  const e = core.engine;
  const S = core.inputSize;
  const base = e.c.cnn_model_input(core.ptr) >> 2;
  const f32 = e.f32;
  if (!order) {
    f32.set(inputs.subarray(from * S, (from + m) * S), base);
    return;
  }
  for (let i = 0; i < m; i++) {
    const k = order[from + i];
    f32.set(inputs.subarray(k * S, (k + 1) * S), base + i * S);
  }
}

/** The chunks of a batch of `count` images, `size` at a time: [{ start, m }]. */
export function* chunks(count, size) {
  for (let start = 0; start < count; start += size) yield { start, m: Math.min(size, count - start) };
}

/** A positive integer option (batchSize, …), or the default. */
export function positiveOption(value, fallback, where, name) {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < 1) throw new Error(`${where}: ${name} must be a positive integer, got ${v}`);
  return v;
}
