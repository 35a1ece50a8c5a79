// index.js — the public entry point of wasm-cnn: the full engine, inference and training.
//
//   import { createModel, loadModel } from 'wasm-cnn';
//
// The functions are api.js's, the Model class model.js's with the training methods installed
// (training.js); 'wasm-cnn/infer' (infer.js) is the same API on a smaller module without
// training. See README.md for the API table and index.d.ts for the types.

import wasm from '../web/wasm-cnn-inline.js';
import { decodeBase64, provideEngine } from './engine.js';
import { Model } from './model.js';
import { installTraining } from './training.js';

provideEngine({ bytes: () => decodeBase64(wasm), training: true });
installTraining(Model);

export { Model };
export { createModel, engineInfo, loadDigitModel, loadModel } from './api.js';
export { preprocessDigit } from './preprocess.js';
export { createPool } from './pool.js';
