// run.js — tests of the package in a real browser: headless Chromium (Debian's) driven by
// playwright-core, pages served by demo/serve.js (sirv). Prints "browser: N passed, N failed".
//
// What it proves: the same `import` works in a page and in a module Web Worker with no loader
// configuration; results are bit-identical to Node's; loadModel fetches URLs and reports a
// 404 or an HTML page plainly; ImageData inputs work. Any console error or failed request
// fails the test that caused it.
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { launchChromium, watchPage, runner, assert } from './chromium.js';
import { serveDemo } from '../../demo/serve.js';
import { createModel } from '../../js/index.js';
import { LENET } from '../fixtures.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const X = Array.from({ length: 784 }, (_, i) => ((i * 37) % 101) / 100);

// Node's answers, the truth the browser must reproduce bit for bit (same wasm module).
const reference = await createModel({ input: [28, 28, 1], layers: LENET, seed: 7 });
const expected = Array.from(reference.predict(new Float32Array(X)));
mkdirSync(`${root}/build`, { recursive: true });
writeFileSync(`${root}/build/browser-test.wcnn`, reference.save());
writeFileSync(`${root}/build/browser-test.html`, '<!doctype html><title>not a model</title>');

const { server, url } = await serveDemo({ port: 0 }); // the repository as static files
const base = new URL(url).origin;

const browser = await launchChromium();

const suite = runner('browser');
async function test(name, fn, { allow404 = false } = {}) {
  const page = await browser.newPage();
  const problems = [];
  watchPage(page, problems, { allow404 });
  try {
    await suite.test(name, async () => {
      await page.goto(`${base}/tests/browser/page.html`);
      await page.waitForFunction(() => window.ready === true, null, { timeout: 20000 });
      await fn(page);
    }, problems);
  } finally {
    await page.close();
  }
}

await test('page: createModel + predict equals Node bit for bit', async (page) => {
  const got = await page.evaluate(async ({ layers, x }) => {
    const net = await window.cnn.createModel({ input: [28, 28, 1], layers, seed: 7 });
    const out = Array.from(net.predict(new Float32Array(x)));
    net.dispose();
    return out;
  }, { layers: LENET, x: X });
  assert(got.length === 10 && got.every((v, i) => v === expected[i]), `page output ${got} differs from Node ${expected}`);
});

await test('worker: the same import works in a module Web Worker', async (page) => {
  const got = await page.evaluate(({ layers, x }) => new Promise((resolve, reject) => {
    const w = new Worker('/tests/browser/worker.js', { type: 'module' });
    w.onmessage = ({ data }) => (data.error ? reject(new Error(data.error)) : resolve(data));
    w.onerror = (e) => reject(new Error(`worker error: ${e.message}`));
    w.postMessage({ layers, input: [28, 28, 1], seed: 7, x });
  }), { layers: LENET, x: X });
  assert(got.kernels === 'wasmsimd', `worker kernels ${got.kernels}`);
  assert(got.output.every((v, i) => v === expected[i]), `worker output ${got.output} differs from Node ${expected}`);
});

await test('loadModel(url) fetches a model file and predicts like the original', async (page) => {
  const got = await page.evaluate(async (x) => {
    const net = await window.cnn.loadModel('/build/browser-test.wcnn');
    const out = Array.from(net.predict(new Float32Array(x)));
    net.dispose();
    return out;
  }, X);
  assert(got.every((v, i) => v === expected[i]), 'loaded model output differs');
});

await test('loadModel reports a 404 and an HTML page plainly', async (page) => {
  const messages = await page.evaluate(async () => {
    const out = [];
    for (const url of ['/build/no-such-model.wcnn', '/build/browser-test.html']) {
      try { await window.cnn.loadModel(url); out.push('loaded?!'); } catch (e) { out.push(e.message); }
    }
    return out;
  });
  assert(/HTTP 404/.test(messages[0]), `404 message: ${messages[0]}`);
  assert(/HTML page/.test(messages[1]), `HTML message: ${messages[1]}`);
}, { allow404: true });

await test('predict(ImageData) uses luminance in [0, 1]', async (page) => {
  const got = await page.evaluate(async () => {
    // 1×1 conv with weight 1: the output is the input the engine saw.
    const net = await window.cnn.createModel({ input: [2, 2, 1], layers: [{ type: 'conv2d', filters: 1, kernel: 1 }], seed: 1 });
    net.setWeights(0, { kernel: [1], bias: [0] });
    const img = new ImageData(new Uint8ClampedArray([255, 255, 255, 255, 0, 0, 0, 255, 255, 0, 0, 255, 0, 0, 255, 255]), 2, 2);
    const out = Array.from(net.predict(img));
    let err = '';
    try { net.predict(new ImageData(3, 3)); } catch (e) { err = e.message; }
    net.dispose();
    return { out, err };
  });
  const want = [1, 0, 0.299, 0.114];
  assert(got.out.every((v, i) => Math.abs(v - want[i]) < 1e-6), `ImageData → ${got.out}, expected ${want}`);
  assert(/ImageData is 3×3, the model needs 2×2/.test(got.err), `size error: ${got.err}`);
});

await browser.close();
server.close();
reference.dispose();
suite.finish();
