// The same package import inside a bundled module worker: { layers, seed, x } runs a fresh
// model, { digit } reads MNIST pixels (0–255) with the shipped digit model; answers { out } or
// { error }.
import { createModel, loadDigitModel } from 'wasm-cnn';

self.onmessage = async ({ data }) => {
  try {
    const net = data.digit ? await loadDigitModel() : await createModel({ input: [28, 28, 1], layers: data.layers, seed: data.seed });
    const x = data.digit ? Float32Array.from(data.digit, (v) => v / 255) : new Float32Array(data.x);
    self.postMessage({ out: Array.from(net.predict(x)) });
    net.dispose();
  } catch (err) {
    self.postMessage({ error: String(err && err.message) });
  }
};
