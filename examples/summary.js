// summary.js — the smallest tour of wasm-cnn, run by `make demo` until the browser demo lands:
// load the digit model we ship, print its summary, draw two digits as pixels, classify them,
// and show what every layer produced.
import { engineInfo, loadDigitModel } from '../js/index.js';

const net = await loadDigitModel();
console.log(net.summary());

/** A 28×28 MNIST-style image (white on black) from a stroke function. */
function draw(ink) {
  const img = new Float32Array(28 * 28);
  for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) img[y * 28 + x] = Math.max(0, Math.min(1, ink(x - 13.5, y - 13.5)));
  return img;
}
const one = draw((x, y) => (Math.abs(y) < 10 ? 1.6 - Math.abs(x + y * 0.15) : 0));                 // a slanted bar
const zero = draw((x, y) => 1.6 - Math.abs(Math.hypot(x / 6.5, y / 9.5) - 1) * 8);                  // an ellipse

for (const [name, image] of [['a drawn 1', one], ['a drawn 0', zero]]) {
  const t0 = performance.now();
  const probs = net.predict(image);
  const ms = performance.now() - t0;
  const best = probs.indexOf(Math.max(...probs));
  console.log(`\n${name}:`);
  for (let y = 2; y < 26; y += 2) {
    let row = '   ';
    for (let x = 0; x < 28; x++) row += ' .:-=+*#%@'[Math.round(image[y * 28 + x] * 9)];
    console.log(row);
  }
  console.log(`  → "${net.metadata.labels[best]}" with probability ${probs[best].toFixed(3)} (${ms.toFixed(2)} ms)`);
}

console.log('\nactivations of the last image:');
for (const a of net.activations()) {
  let min = Infinity;
  let max = -Infinity;
  for (const v of a.data) { min = Math.min(min, v); max = Math.max(max, v); }
  console.log(`  ${a.name.padEnd(12)} [${a.shape.join(', ')}]`.padEnd(34) + `min ${min.toFixed(3)}  max ${max.toFixed(3)}`);
}
const info = await engineInfo();
console.log(`\nengine: wasm-cnn ${info.version}, ${info.kernels} kernels, ${(info.memoryBytes / 1024).toFixed(0)} KiB of wasm memory`);
net.dispose();
