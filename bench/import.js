// bench/import.js — how long importing a ~1 MB model takes: ONNX (a MobileNet-v1-style net
// written the way torch.onnx.export writes it) through loadModel vs onnxruntime-web's
// InferenceSession.create, and TF.js layers (the same kind of net saved by tfjs-layers) through
// loadModel vs tfjs's loadLayersModel; then the converted .wcnn through loadModel. Each
// figure: the first call in a fresh process (cold: module load and JIT included) and the
// median of 15 more (warm), each engine measured in its own process.
//   node bench/import.js
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'wasm-cnn-import-'));

if (process.argv[2] === 'measure') {
  // one engine in this process: node bench/import.js measure <engine> <file>
  const [, , , engine, file] = process.argv;
  const bytes = new Uint8Array(readFileSync(file));
  let load;
  if (engine === 'wasm-cnn') {
    const { loadModel } = await import('../js/index.js');
    load = async () => (await loadModel(file.endsWith('.json') ? file : bytes)).dispose();
  } else if (engine === 'ort') {
    const ort = await import('onnxruntime-web');
    ort.env.wasm.numThreads = 1;
    load = async () => (await ort.InferenceSession.create(bytes)).release();
  } else {
    const tf = await import('@tensorflow/tfjs-core');
    await import('@tensorflow/tfjs-backend-cpu');
    const tfl = await import('@tensorflow/tfjs-layers');
    const json = JSON.parse(readFileSync(file, 'utf8'));
    const weights = readFileSync(join(file, '..', json.weightsManifest[0].paths[0]));
    const weightData = weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength);
    load = async () => (await tfl.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest[0].weights, weightData }))).dispose();
  }
  const times = [];
  for (let r = 0; r < 16; r++) {
    const t = performance.now();
    await load();
    times.push(performance.now() - t);
  }
  const warm = times.slice(1).sort((a, b) => a - b);
  console.log(JSON.stringify({ cold: times[0], warm: warm[warm.length >> 1] }));
  process.exit(0);
}

// ─── Build the models ──────────────────────────────────────────────────────────────────────
const { OnnxBuilder } = await import('../tests/js/support/onnx-build.js');
const { rng } = await import('../tests/fixtures.js');
const b = new OnnxBuilder({ rand: rng(5), opset: 13 });
let x = b.op('Relu', [b.bn('stem_bn', b.conv('stem', 'x', { cin: 3, cout: 16, stride: 2, pads: [1, 1, 1, 1] }), 16)]);
let c = 16;
const blocks = [[32, 1], [64, 2], [64, 1], [128, 2], [128, 1], [256, 2], [256, 1], [256, 1], [384, 2]]; // ≈ 1 MB of float32 weights
blocks.forEach(([cout, s], i) => {
  x = b.op('Clip', [b.bn(`dwbn${i}`, b.conv(`dw${i}`, x, { cin: c, cout: c, group: c, stride: s, pads: [1, 1, 1, 1] }), c)], {}, `relu6dw${i}`);
  x = b.op('Clip', [b.bn(`pwbn${i}`, b.conv(`pw${i}`, x, { cin: c, cout, k: 1 }), cout)], {}, `relu6pw${i}`);
  c = cout;
});
// Clip(0, 6) with min/max as inputs (opset ≥ 11)
for (const n of b.nodes) if (n.opType === 'Clip') n.input.push(b.weight(`${n.name}.min`, [], { values: [0] }), b.weight(`${n.name}.max`, [], { values: [6] }));
x = b.gemm('fc', b.op('Flatten', [b.op('GlobalAveragePool', [x])], { axis: 1 }), c, 10);
const onnxBytes = b.build({ input: ['x', [1, 3, 96, 96]], output: x, outputDims: [1, 10] });
writeFileSync(join(dir, 'mobilenet.onnx'), onnxBytes);

const { saveTfjs, randomizeWeights, tfl } = await import('../tests/js/support/tfjs-import/helpers.js');
const m = tfl.sequential();
m.add(tfl.layers.conv2d({ inputShape: [96, 96, 3], filters: 16, kernelSize: 3, strides: 2, padding: 'same', useBias: false }));
m.add(tfl.layers.batchNormalization());
m.add(tfl.layers.reLU({ maxValue: 6 }));
for (const [cout, s] of blocks) {
  m.add(tfl.layers.depthwiseConv2d({ kernelSize: 3, strides: s, padding: 'same', useBias: false }));
  m.add(tfl.layers.batchNormalization());
  m.add(tfl.layers.reLU({ maxValue: 6 }));
  m.add(tfl.layers.conv2d({ filters: cout, kernelSize: 1, useBias: false }));
  m.add(tfl.layers.batchNormalization());
  m.add(tfl.layers.reLU({ maxValue: 6 }));
}
m.add(tfl.layers.globalAveragePooling2d({}));
m.add(tfl.layers.dense({ units: 10, activation: 'softmax' }));
randomizeWeights(m, 9);
const saved = await saveTfjs(m);
writeFileSync(join(dir, 'model.json'), JSON.stringify(saved.modelJson));
writeFileSync(join(dir, saved.modelJson.weightsManifest[0].paths[0]), saved.bytes);

// the converted .wcnn
execFileSync('node', [join(root, 'bin/wasm-cnn.js'), 'convert', join(dir, 'mobilenet.onnx'), join(dir, 'mobilenet.wcnn')]);

const run = (engine, file) => JSON.parse(execFileSync('node', [fileURLToPath(import.meta.url), 'measure', engine, file], { encoding: 'utf8' }).trim().split('\n').pop());
const row = (what, size, r) => `| ${what} | ${(size / 1e6).toFixed(2)} MB | ${r.cold.toFixed(1)} ms | ${r.warm.toFixed(1)} ms |`;
console.log(`| import | file | cold (first call, fresh process) | warm (median of 15) |\n|---|---|---|---|`);
console.log(row('ONNX → wasm-cnn loadModel', onnxBytes.length, run('wasm-cnn', join(dir, 'mobilenet.onnx'))));
console.log(row('ONNX → onnxruntime-web 1.30 InferenceSession.create (1 thread)', onnxBytes.length, run('ort', join(dir, 'mobilenet.onnx'))));
console.log(row('TF.js model.json + shard → wasm-cnn loadModel', saved.bytes.length, run('wasm-cnn', join(dir, 'model.json'))));
console.log(row('TF.js model.json + shard → tfjs-layers 4.22 loadLayersModel (cpu)', saved.bytes.length, run('tfjs', join(dir, 'model.json'))));
console.log(row('the converted .wcnn → wasm-cnn loadModel', readFileSync(join(dir, 'mobilenet.wcnn')).length, run('wasm-cnn', join(dir, 'mobilenet.wcnn'))));
