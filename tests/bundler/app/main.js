// A user's app: imports the package by name, no loader configuration of any kind.
import { createModel, engineInfo, loadDigitModel } from 'wasm-cnn';

window.runModel = async ({ layers, seed, x }) => {
  const net = await createModel({ input: [28, 28, 1], layers, seed });
  const out = Array.from(net.predict(new Float32Array(x)));
  const worker = await new Promise((resolve, reject) => {
    const w = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
    w.onmessage = ({ data }) => resolve(data);
    w.onerror = (e) => reject(new Error(`worker: ${e.message}`));
    w.postMessage({ layers, seed, x });
  });
  net.dispose();
  return { out, worker, kernels: (await engineInfo()).kernels };
};
// The shipped digit model (its bytes are a lazily imported module the bundler splits out).
window.readDigit = async (pixels) => {
  const net = await loadDigitModel();
  const probs = net.predict(Float32Array.from(pixels, (v) => v / 255));
  net.dispose();
  return probs.indexOf(Math.max(...probs));
};
document.getElementById('result').textContent = 'ready';
window.ready = true;
