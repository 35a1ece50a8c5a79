#!/usr/bin/env node
// wasm-cnn — the package's command line.
//
//   npx wasm-cnn convert <model.onnx | model.json | model.wcnn> <out.wcnn> [--input-shape h,w,c]
//   npx wasm-cnn summary <model.onnx | model.json | model.wcnn> [--input-shape h,w,c]
//
// convert reads any model loadModel reads (ONNX from PyTorch, TF.js layers model.json with its
// shards beside it, wasm-cnn) and writes a .wcnn; summary prints the layers, shapes and
// parameter counts. Exit status 0 on success, 1 on an error (its message on stderr), 2 on
// bad usage.
import { writeFileSync } from 'node:fs';
import { loadModel } from '../dist/wasm-cnn.js';

const USAGE = `usage:
  wasm-cnn convert <model.onnx|model.json|model.wcnn> <out.wcnn> [--input-shape h,w,c]
  wasm-cnn summary <model.onnx|model.json|model.wcnn> [--input-shape h,w,c]`;

function fail(message, code = 1) {
  process.stderr.write(`wasm-cnn: ${message}\n`);
  process.exit(code);
}

const args = process.argv.slice(2);
let inputShape;
const at = args.indexOf('--input-shape');
if (at >= 0) {
  const value = args[at + 1];
  inputShape = value?.split(',').map(Number);
  if (!inputShape || inputShape.length !== 3 || !inputShape.every((v) => Number.isInteger(v) && v > 0)) {
    fail(`--input-shape takes h,w,c (three positive integers), got ${value === undefined ? 'nothing' : `'${value}'`}\n${USAGE}`, 2);
  }
  args.splice(at, 2);
}
const [command, input, output, ...extra] = args;
if (command === '--help' || command === '-h' || command === 'help') {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
if (!command) fail(USAGE, 2);
if (command !== 'convert' && command !== 'summary') fail(`unknown command '${command}'\n${USAGE}`, 2);
if (!input) fail(`${command} needs a model file\n${USAGE}`, 2);
if (command === 'convert' && !output) fail(`convert needs an output file (…/model.wcnn)\n${USAGE}`, 2);
if (extra.length || (command === 'summary' && output)) fail(`unexpected argument '${command === 'summary' ? output : extra[0]}'\n${USAGE}`, 2);

try {
  const model = await loadModel(input, inputShape ? { inputShape } : {});
  if (command === 'summary') {
    process.stdout.write(`${model.summary()}\n`);
  } else {
    const bytes = model.save();
    writeFileSync(output, bytes);
    process.stdout.write(`${input} → ${output}: ${model.layers.length} layers, ${model.paramCount.toLocaleString('en-US')} parameters, input [${model.inputShape.join(', ')}], ${bytes.length.toLocaleString('en-US')} bytes\n`);
  }
  model.dispose();
} catch (err) {
  fail(err.message);
}
