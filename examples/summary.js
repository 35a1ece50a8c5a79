// summary.js — the smallest tour of wasm-cnn: build LeNet-5, print its summary, run one
// image, print what every layer produced. `make demo` runs it until the browser demo lands.
import { createModel, engineInfo } from '../js/index.js';

const net = await createModel({
  input: [28, 28, 1],
  layers: [
    { type: 'conv2d', filters: 6, kernel: 5, padding: 'same', activation: 'relu' },
    { type: 'maxpool2d', size: 2 },
    { type: 'conv2d', filters: 16, kernel: 5, activation: 'relu' },
    { type: 'maxpool2d', size: 2 },
    { type: 'flatten' },
    { type: 'dense', units: 120, activation: 'relu' },
    { type: 'dense', units: 84, activation: 'relu' },
    { type: 'dense', units: 10, activation: 'softmax' },
  ],
  seed: 1,
});
console.log(net.summary());

// A vertical bar, like a drawn "1" (untrained weights: the probabilities mean nothing yet).
const image = new Float32Array(28 * 28);
for (let y = 4; y < 24; y++) for (let x = 13; x < 16; x++) image[y * 28 + x] = 1;
const t0 = performance.now();
const probs = net.predict(image);
const ms = performance.now() - t0;
console.log(`\nprediction (${ms.toFixed(2)} ms): [${Array.from(probs, (p) => p.toFixed(3)).join(', ')}]`);

console.log('\nactivations:');
for (const a of net.activations()) {
  let min = Infinity;
  let max = -Infinity;
  for (const v of a.data) { min = Math.min(min, v); max = Math.max(max, v); }
  console.log(`  ${a.name.padEnd(12)} [${a.shape.join(', ')}]`.padEnd(32) + `min ${min.toFixed(3)}  max ${max.toFixed(3)}`);
}
const info = await engineInfo();
console.log(`\nengine: wasm-cnn ${info.version}, ${info.kernels} kernels, ${(info.memoryBytes / 1024).toFixed(0)} KiB of wasm memory`);
net.dispose();
