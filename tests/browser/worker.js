// A module Web Worker that imports the package the way users do and answers one request:
// { layers, input, seed, x } → { output } or { error }.
import { createModel, engineInfo } from '/js/index.js';

self.onmessage = async ({ data }) => {
  try {
    const net = await createModel({ input: data.input, layers: data.layers, seed: data.seed });
    const output = Array.from(net.predict(new Float32Array(data.x)));
    const info = await engineInfo();
    net.dispose();
    self.postMessage({ output, kernels: info.kernels });
  } catch (err) {
    self.postMessage({ error: String(err && err.message) });
  }
};
