// infer.js — the inference-only entry point, 'wasm-cnn/infer': the API of 'wasm-cnn' without
// training, on a module built without it (web/wasm-cnn-infer.wasm: no backward passes, no
// optimisers, no training exports; see src/internal.h, CNN_INFERENCE_ONLY).
//
//   import { loadModel } from 'wasm-cnn/infer';
//
// The same functions (api.js), Model class (model.js), pool and preprocessing as index.js, so
// outputs are those of the full entry bit for bit. What is left out: setOptimizer, optimizer,
// trainBatch, fit, evaluate, gradients, save({ withOptimizer }). Calling one throws an Error
// that says so (the `optimizer` getter is null: no model here has one); a model file with an
// optimiser loads, its optimiser state skipped. This file never imports training.js.

import wasm from '../web/wasm-cnn-infer-inline.js';
import { provideEngine } from './engine.js';
import { Model } from './model.js';

// The module is inlined as hexadecimal (web/embed.js --hex): 6 KiB less to download than base64
// once gzipped; decoded natively (Uint8Array.fromHex, Node's Buffer) where the platform can.
const NIBBLE = new Uint8Array(128);
for (let i = 0; i < 16; i++) NIBBLE['0123456789abcdef'.charCodeAt(i)] = i;

function decodeHex(text) {
  if (typeof Uint8Array.fromHex === 'function') return Uint8Array.fromHex(text);
  if (typeof Buffer === 'function' && typeof Buffer.from === 'function') {
    const b = Buffer.from(text, 'hex');
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  }
  const out = new Uint8Array(text.length >> 1);
  for (let i = 0, j = 0; i < out.length; i++, j += 2) out[i] = (NIBBLE[text.charCodeAt(j)] << 4) | NIBBLE[text.charCodeAt(j + 1)];
  return out;
}

provideEngine({ bytes: () => decodeHex(wasm), training: false });

for (const method of ['setOptimizer', 'trainBatch', 'evaluate', 'gradients', 'fit']) {
  // (where both entries' sources share one program, the full entry's methods stay)
  if (!(method in Model.prototype)) {
    Object.defineProperty(Model.prototype, method, {
      value() {
        throw new Error(`model.${method}(): wasm-cnn/infer is the inference-only entry, without training: import from 'wasm-cnn' to train`);
      },
      configurable: true,
      writable: true,
    });
  }
}
if (!('optimizer' in Model.prototype)) {
  Object.defineProperty(Model.prototype, 'optimizer', { get: () => null, configurable: true });
}

export { Model };
export { createModel, engineInfo, loadDigitModel, loadModel } from './api.js';
export { preprocessDigit } from './preprocess.js';
export { createPool } from './pool.js';
