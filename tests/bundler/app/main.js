// A user's app: imports the package by name, no loader configuration of any kind.
import { createModel, engineInfo, loadDigitModel, loadModel } from 'wasm-cnn';
import { loadModel as loadInferModel } from 'wasm-cnn/infer';

// One request to the bundled module worker (worker.js): resolves to its answer.
function askWorker(message) {
  return new Promise((resolve, reject) => {
    const w = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
    w.onmessage = ({ data }) => {
      w.terminate();
      if (data.error) reject(new Error(`worker: ${data.error}`));
      else resolve(data.out);
    };
    w.onerror = (e) => reject(new Error(`worker: ${e.message}`));
    w.postMessage(message);
  });
}

window.runModel = async ({ layers, seed, x }) => {
  const net = await createModel({ input: [28, 28, 1], layers, seed });
  const out = Array.from(net.predict(new Float32Array(x)));
  const worker = await askWorker({ layers, seed, x });
  net.dispose();
  return { out, worker, kernels: (await engineInfo()).kernels };
};
// The shipped digit model: its file (models/digits.wcnn) is an asset the bundler emitted.
// Each call loads a model of its own and returns its ten outputs.
window.readDigit = async (pixels) => {
  const net = await loadDigitModel();
  const probs = Array.from(net.predict(Float32Array.from(pixels, (v) => v / 255)));
  net.dispose();
  return probs;
};
window.readDigitInWorker = (pixels) => askWorker({ digit: pixels });
// A user's own model file (ONNX, TF.js, .wcnn): the importers load from chunks of their own.
window.summaryOf = async (source) => {
  const net = await loadModel(source);
  const text = net.summary();
  net.dispose();
  return text;
};
// The inference-only entry: a model file on its own, smaller engine.
window.inferOf = async (bytes, x) => {
  const net = await loadInferModel(new Uint8Array(bytes));
  const out = Array.from(net.predict(new Float32Array(x)));
  net.dispose();
  return out;
};
document.getElementById('result').textContent = 'ready';
window.ready = true;
