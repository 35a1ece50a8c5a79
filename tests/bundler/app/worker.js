// The same package import inside a bundled module worker.
import { createModel } from 'wasm-cnn';

self.onmessage = async ({ data: { layers, seed, x } }) => {
  const net = await createModel({ input: [28, 28, 1], layers, seed });
  self.postMessage(Array.from(net.predict(new Float32Array(x))));
  net.dispose();
};
