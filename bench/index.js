// bench/index.js — the inference benchmark (issues 5 and 12): `npm run bench`.
//
// A model zoo (bench/zoo.js: LeNet-5 with MNIST weights; a VGG-style CIFAR net; a
// MobileNet-v1-style net, width 0.25, at 96×96; a ResNet-8-style CIFAR net), the same weights
// in every engine, each engine in its own worker thread of one Node process:
//
//   wasm-cnn       the package entry (dist/wasm-cnn.js, built from js/ and web/ by make)
//   tfjs-wasm      @tensorflow/tfjs-core + tfjs-layers + tfjs-backend-wasm (SIMD build, 1 thread)
//   ort-1t/-2t     onnxruntime-web, wasm execution provider, numThreads 1 and 2
//   tfjs-cpu       @tensorflow/tfjs-backend-cpu          } LeNet-5 only (seconds per VGG batch;
//   convnetjs      convnetjs 0.3.0 (plain JavaScript)     } convnetjs has no batchnorm)
//   wasm-cnn-pool  createPool(model, { workers: 2 }): batch 256 only (issue 12 §3; LeNet, VGG)
//
// Figures per model: (a) batch-1 latency, (b) batch-64 images/s and effective GFLOP/s,
// (f) wasm-cnn's per-layer profile (share, GFLOP/s, fraction of the peak) and time per layer
// type beside tfjs-wasm's per-kernel profile (tf.profile); for LeNet and VGG, batch 256 on
// createPool's 2 workers against one thread and ORT on 2 threads. Once: (g) a wasm SIMD
// mul+add peak probe (bench/peak.c, measured in every round of every model), and for
// LeNet-5 (c) load + init + first inference in a fresh worker, (d) gzip size of what a page
// downloads, (h) WebAssembly memory after a batch of 64. Then the targets of issue 12 (and
// issue 5's still open), each met or missed and by how much.
// A correctness gate runs first for every model: every engine's outputs on 16 inputs, one per
// call and as one batch, must match wasm-cnn's within the model's tolerance, or nothing is
// timed.
//
// Method: per model, warm-up, then ROUNDS rounds; in each round every engine is measured once
// per figure, one engine at a time, the engine order rotated every round; a measurement lasts
// ≥ SECONDS. Reported: medians over rounds with min–max, and per-round ratios against
// wasm-cnn (> 1 always means wasm-cnn is better) with their median.
//
// Usage:
//   npm run bench                        defaults (ROUNDS=7, SECONDS=1); writes bench/RESULTS.md
//   node bench/index.js --quick          3 rounds of 0.3 s; writes build/bench-results.md
//   node bench/index.js --models=vgg,mobilenet --engines=ort-1t,tfjs-wasm --figures=throughput,profile,peak
//   options: --rounds=N --seconds=S --models=LIST --engines=LIST --figures=LIST --out=FILE --no-make
//            --wait-quiet[=MINUTES] (wait for a 1-minute load average < 0.5 first, default 30)
//   environment: ROUNDS, SECONDS, OUT (as the options)
//   models: lenet5, vgg, mobilenet, resnet8
//   figures: latency, throughput, pool, load (also gives memory), profile, peak; sizes always.
// Only a full run (all models, engines and figures, not --quick) writes bench/RESULTS.md by
// default.
//
// The pieces are exported for scripts: runBenchmark(options), startEngine(key, ctx, …),
// loadProbe(…), buildPeak(), ensureBuilt(), engineSizes (./sizes.js), ENGINES (./engines.js),
// ZOO (./zoo.js), onnxModel (./onnx-model.js).

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { nhwcToNchw } from '../tests/js/support/onnx-build.js';
import { ENGINES } from './engines.js';
import { ROOT } from './lenet.js';
import { onnxModel } from './onnx-model.js';
import { engineSizes } from './sizes.js';
import { fmt, fmtRange, fmtRatio, kib, max, median, mib, min, pct, systemCpu, table, waitQuiet } from './stats.js';
import { gateImages, layerFlops, modelSpec, ZOO, zooImages, zooModel } from './zoo.js';

export { ENGINES, engineSizes, onnxModel, ZOO };

const WORKER = new URL('./worker.js', import.meta.url);
const PEAK_C = join(ROOT, 'bench', 'peak.c');
const PEAK_WASM = join(ROOT, 'build', 'peak.wasm');
const CHECK_IMAGES = 8; // the gate: 2 × 8 inputs; the first 8 are also the latency inputs
const BATCH = 64;
const POOL_BATCH = 256;
const POOL_ENGINES = ['wasm-cnn', 'wasm-cnn-pool', 'ort-2t']; // the batch-256 figure
const PEER_KEYS = Object.keys(ENGINES).filter((k) => !ENGINES[k].batchOnly);
const ALL_FIGURES = ['latency', 'throughput', 'pool', 'load', 'profile', 'peak'];
/**
 * The gate's limit, max abs difference of the softmax outputs: 1e-5 (as issue 5 set it for
 * LeNet-5); 3e-5 for the 56-layer MobileNet, where float32 rounding through 27 conv layers
 * leaves every engine a few 1e-6 from every other: on the gate's 16 inputs ORT with and
 * without its graph optimisations differ by 5.1e-6, tfjs-cpu and unoptimised ORT by 9.0e-6
 * (wasm-cnn and either: 3–6e-6).
 */
const TOLERANCE = { lenet5: 1e-5, vgg: 1e-5, mobilenet: 3e-5, resnet8: 1e-5 };
const log = (...a) => console.error(...a);
const wall = () => performance.timeOrigin + performance.now();
const SETTLE_MS = 50; // pause before each measurement: lets GC and busy-waiting threads settle
const settle = () => new Promise((r) => setTimeout(r, SETTLE_MS));
const prod = (s) => s.reduce((a, b) => a * b, 1);
const rotate = (list, r) => list.map((_, i) => list[(i + r) % list.length]);

// ─── Options ─────────────────────────────────────────────────────────────────────────────

export function parseOptions(argv = process.argv.slice(2), env = process.env) {
  const o = {
    quick: false, rounds: null, seconds: null, engines: [...PEER_KEYS], figures: [...ALL_FIGURES], models: ZOO.map((m) => m.key),
    out: env.OUT || null, make: true, waitQuiet: 0, argv,
  };
  const list = (v) => v.split(',').map((s) => s.trim()).filter(Boolean);
  for (const arg of argv) {
    const [k, v] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, null];
    if (k === '--quick') o.quick = true;
    else if (k === '--rounds') o.rounds = Number(v);
    else if (k === '--seconds') o.seconds = Number(v);
    else if (k === '--out') o.out = v;
    else if (k === '--no-make') o.make = false;
    else if (k === '--wait-quiet') o.waitQuiet = v === null ? 30 : Number(v);
    else if (k === '--engines') o.engines = list(v);
    else if (k === '--figures') o.figures = list(v);
    else if (k === '--models') o.models = list(v);
    else if (k === '--help' || k === '-h') o.help = true;
    else throw new Error(`unknown option ${arg} (see the top of bench/index.js)`);
  }
  o.rounds ??= env.ROUNDS !== undefined ? Number(env.ROUNDS) : o.quick ? 3 : 7;
  o.seconds ??= env.SECONDS !== undefined ? Number(env.SECONDS) : o.quick ? 0.3 : 1;
  if (!Number.isInteger(o.rounds) || o.rounds < 1) throw new Error(`rounds must be a positive integer, got ${o.rounds}`);
  if (!(o.seconds > 0)) throw new Error(`seconds must be > 0, got ${o.seconds}`);
  if (!(o.waitQuiet >= 0)) throw new Error(`--wait-quiet takes minutes ≥ 0, got ${o.waitQuiet}`);
  for (const e of o.engines) if (!PEER_KEYS.includes(e)) throw new Error(`unknown engine '${e}'; engines: ${PEER_KEYS.join(', ')} (the pool comes with the figure 'pool')`);
  for (const f of o.figures) if (!ALL_FIGURES.includes(f)) throw new Error(`unknown figure '${f}'; figures: ${ALL_FIGURES.join(', ')} (sizes are always measured)`);
  for (const m of o.models) if (!ZOO.some((z) => z.key === m)) throw new Error(`unknown model '${m}'; models: ${ZOO.map((z) => z.key).join(', ')}`);
  o.engines = PEER_KEYS.filter((e) => e === 'wasm-cnn' || o.engines.includes(e)); // wasm-cnn first, always
  o.models = ZOO.map((z) => z.key).filter((k) => o.models.includes(k));
  o.full = !o.quick && o.engines.length === PEER_KEYS.length && ALL_FIGURES.every((f) => o.figures.includes(f)) && o.models.length === ZOO.length;
  o.out ??= o.full ? join(ROOT, 'bench', 'RESULTS.md') : join(ROOT, 'build', 'bench-results.md');
  o.warmup = Math.max(0.15, Math.min(0.5, o.seconds / 2));
  return o;
}

// ─── Build checks ────────────────────────────────────────────────────────────────────────

/** web/ and models/digits.js up to date with src/ (asks make itself: `make -q all`). */
export function ensureBuilt({ make = true } = {}) {
  const q = spawnSync('make', ['-q', 'all'], { cwd: ROOT, encoding: 'utf8' });
  if (q.error) throw new Error(`cannot run make (${q.error.message}); install it (apt-get install -y make)`);
  if (q.status === 0) return { rebuilt: false };
  if (!make) throw new Error('web/wasm-cnn.wasm or web/wasm-cnn-inline.js is older than src/ (or missing): run `make all` first (or drop --no-make)');
  log('web/ is older than src/ (or missing): running `make all` …');
  const r = spawnSync('make', ['all'], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`make all failed (exit ${r.status}):\n${(r.stdout + r.stderr).split('\n').slice(-30).join('\n')}`);
  return { rebuilt: true };
}

/** build/peak.wasm from bench/peak.c, if missing or older. */
export function buildPeak() {
  if (existsSync(PEAK_WASM) && statSync(PEAK_WASM).mtimeMs >= statSync(PEAK_C).mtimeMs) return { built: false, wasm: PEAK_WASM };
  mkdirSync(join(ROOT, 'build'), { recursive: true });
  const args = ['-O3', '-msimd128', '--no-entry', '-sSTANDALONE_WASM', '-sEXPORTED_FUNCTIONS=_run', '-o', relative(ROOT, PEAK_WASM), relative(ROOT, PEAK_C)];
  log(`building build/peak.wasm: NODE_PATH=/usr/share/nodejs emcc ${args.join(' ')}`);
  const r = spawnSync('emcc', args, { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NODE_PATH: '/usr/share/nodejs' } });
  if (r.error) throw new Error(`cannot run emcc (${r.error.message}): apt-get install -y emscripten`);
  if (r.status !== 0) throw new Error(`emcc failed building build/peak.wasm:\n${r.stdout}${r.stderr}`);
  return { built: true, wasm: PEAK_WASM };
}

// ─── Workers ─────────────────────────────────────────────────────────────────────────────

class WorkerHandle {
  constructor(name, workerData, timeoutMs) {
    this.name = name;
    this.timeoutMs = timeoutMs;
    this.pending = new Map();
    this.nextId = 1;
    this.worker = new Worker(WORKER, { workerData });
    this.ready = new Promise((resolve, reject) => {
      this._readyResolve = resolve;
      this._readyReject = reject;
    });
    this.worker.on('message', (m) => {
      if (m.ready) return this._readyResolve(this);
      if (m.id === undefined) {
        if (m.error) this._fail(new Error(`${name}: ${m.error}`));
        return;
      }
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      clearTimeout(p.timer);
      if (m.error) p.reject(new Error(`${name}: ${m.error}`));
      else p.resolve(m.result);
    });
    this.worker.on('error', (err) => this._fail(new Error(`${name}: worker error: ${err?.stack ?? err}`)));
    this.worker.on('exit', (code) => { if (!this.closing) this._fail(new Error(`${name}: worker exited (code ${code})`)); });
  }

  _fail(err) {
    this.failed = err;
    this._readyReject(err);
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(err);
    }
    this.pending.clear();
  }

  call(cmd, args = {}, timeoutMs = this.timeoutMs) {
    if (this.failed) return Promise.reject(this.failed);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${this.name}: '${cmd}' did not answer within ${(timeoutMs / 1000).toFixed(0)} s`));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.worker.postMessage({ id, cmd, ...args });
    });
  }

  async terminate() {
    this.closing = true;
    await this.worker.terminate();
  }
}

/** A persistent engine worker; resolves once the model is built. */
export async function startEngine(key, ctx, { images, pool, inputSize, outputSize, timeoutMs = 120000 } = {}) {
  const h = new WorkerHandle(key, { mode: 'engine', engine: key, ctx, images, pool, inputSize, outputSize }, timeoutMs);
  const ready = await Promise.race([h.ready, new Promise((_, rej) => setTimeout(() => rej(new Error(`${key}: not ready within ${timeoutMs / 1000} s`)), timeoutMs))]);
  return ready;
}

/** Load + init + first inference of one engine in a fresh worker, then memory after batch 64. */
export function loadProbe(key, ctx, image, batch64, outputSize, timeoutMs = 120000) {
  return new Promise((resolve, reject) => {
    const created = wall();
    const worker = new Worker(WORKER, { workerData: { mode: 'load', engine: key, ctx, image, batch64, outputSize } });
    let done = false;
    const finish = (fn) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      worker.terminate().then(fn, fn);
    };
    const timer = setTimeout(() => finish(() => reject(new Error(`${key}: load probe did not finish within ${timeoutMs / 1000} s`))), timeoutMs);
    worker.on('message', (m) => {
      const received = wall();
      if (m.error) finish(() => reject(new Error(`${key} (load probe): ${m.error}`)));
      else finish(() => resolve({ ...m.result, bootMs: m.result.startedAt - created, mainMs: received - created }));
    });
    worker.on('error', (err) => finish(() => reject(new Error(`${key} (load probe): ${err?.stack ?? err}`))));
    worker.on('exit', (code) => finish(() => reject(new Error(`${key} (load probe): worker exited (code ${code}) before answering`))));
  });
}

// ─── Environment ─────────────────────────────────────────────────────────────────────────

function machine() {
  let info = '';
  try { info = readFileSync('/proc/cpuinfo', 'utf8'); } catch { /* not Linux */ }
  const field = (name) => (info.match(new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm')) || [])[1];
  const logical = (info.match(/^processor\s*:/gm) || []).length || cpus().length;
  const family = field('cpu family');
  return {
    cpu: `${field('model name') ?? cpus()[0]?.model ?? 'unknown'}${family ? ` (family ${family}, model ${field('model')})` : ''}`,
    logical,
    coresPerSocket: field('cpu cores'),
    mhz: Number(field('cpu MHz')) || null,
    node: process.version,
    v8: process.versions.v8,
  };
}

function gitState() {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src', 'js', 'Makefile'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      .split('\n').filter(Boolean).map((l) => l.slice(3));
    return `${head}${dirty.length ? ` + uncommitted changes in ${dirty.join(', ')}` : ''}`;
  } catch {
    return 'unknown (no git)';
  }
}

/** Size and mtime of the engine's build output, to notice a rebuild during the run. */
function buildStamp() {
  return ['web/wasm-cnn-inline.js', 'web/wasm-cnn.wasm'].map((f) => {
    try { const st = statSync(join(ROOT, f)); return `${f}:${st.size}:${st.mtimeMs}`; } catch { return `${f}:missing`; }
  }).join(' ');
}

function commandLine(opts) {
  const envs = ['ROUNDS', 'SECONDS', 'OUT'].filter((k) => process.env[k] !== undefined).map((k) => `${k}=${process.env[k]}`);
  const args = opts.argv.join(' ');
  const base = process.env.npm_lifecycle_event === 'bench' ? `npm run bench${args ? ` -- ${args}` : ''}` : `node bench/index.js${args ? ` ${args}` : ''}`;
  return [...envs, base].join(' ');
}

// ─── The benchmark ───────────────────────────────────────────────────────────────────────

/** Largest |a[i] − b[i]| and where (NaN counts as the largest). */
function maxAbsDiff(a, b) {
  if (a.length !== b.length) return { diff: Infinity, at: -1 };
  let d = 0;
  let at = 0;
  for (let i = 0; i < a.length; i++) {
    const x = Math.abs(a[i] - b[i]);
    if (!(x <= d)) { d = x; at = i; }
  }
  return { diff: Number.isNaN(d) ? Infinity : d, at };
}

/**
 * One zoo model through every figure: its engines' workers started, the gate, warm-up, the
 * rounds, the workers closed. Returns what the report needs.
 */
async function runModel(entry, api, opts, peakWorker) {
  const fig = new Set(opts.figures);
  const net = await zooModel(api, entry);
  const spec = modelSpec(net, entry);
  const modelBytes = net.save();
  const flops = layerFlops(net.layers);
  const layers = net.layers;
  net.dispose();
  const flopsPerImage = flops.reduce((a, l) => a + l.flops, 0);
  const engines = PEER_KEYS.filter((k) => opts.engines.includes(k) && entry.engines.includes(k));
  const poolKeys = fig.has('pool') && entry.pool ? POOL_ENGINES.filter((k) => k === 'wasm-cnn-pool' || engines.includes(k)) : [];
  const all = [...engines, ...poolKeys.filter((k) => !engines.includes(k))];
  const onnxBytes = all.some((k) => ENGINES[k].layout === 'nchw') ? onnxModel(spec) : null;
  const size = prod(spec.inputShape);
  const out = spec.outputSize;
  const [h, w, c] = spec.inputShape;
  const layout = (k, x) => (ENGINES[k].layout === 'nchw' ? nhwcToNchw(x, x.length / size, h, w, c) : x);
  const gate = gateImages(entry, CHECK_IMAGES);
  const images = gate.slice(0, CHECK_IMAGES * size);
  const pool = zooImages(entry, POOL_BATCH);
  const ctx = { spec, modelBytes, onnxBytes };
  const tolerance = TOLERANCE[entry.key];
  log(`\n${entry.title}: ${layers.length} layers, ${spec.paramCount} parameters, ${(flopsPerImage / 1e6).toFixed(3)} MFLOP per image; engines ${all.join(', ')}`);

  const workers = {};
  const closeAll = () => Promise.allSettled(Object.values(workers).map((wk) => wk.terminate()));
  try {
    const callTimeout = Math.max(120000, opts.seconds * 40000);
    const started = await Promise.allSettled(all.map((k) => startEngine(k, ctx, {
      images: layout(k, images), pool: layout(k, pool), inputSize: size, outputSize: out, timeoutMs: callTimeout,
    })));
    started.forEach((s, i) => { if (s.status === 'fulfilled') workers[all[i]] = s.value; });
    const failed = started.map((s, i) => [all[i], s]).filter(([, s]) => s.status === 'rejected');
    if (failed.length) {
      throw new Error(`${entry.key}: engine(s) failed to start: ${failed.map(([k, s]) => `\n  ${k}: ${String(s.reason?.message ?? s.reason).split('\n').slice(0, 3).join(' | ')}`).join('')}` +
        '\n(leave an engine out with --engines=…, e.g. --engines=tfjs-wasm,ort-1t)');
    }
    const details = {};
    for (const k of all) details[k] = await workers[k].call('info');

    // ── correctness gate ──
    const n = 2 * CHECK_IMAGES;
    const outputs = {};
    for (const k of all) outputs[k] = await workers[k].call('check', { images: layout(k, gate), n });
    const reference = outputs['wasm-cnn'].single;
    const agreement = {};
    const failures = [];
    for (const k of all) {
      let single = 0;
      let batch = 0;
      for (let i = 0; i < n; i++) {
        const s = maxAbsDiff(outputs[k].single[i], reference[i]);
        const b = maxAbsDiff(outputs[k].batch.subarray(i * out, (i + 1) * out), reference[i]);
        single = Math.max(single, s.diff);
        batch = Math.max(batch, b.diff);
        if (!(s.diff <= tolerance)) failures.push(`${k}, input ${i}, one per call: output ${s.at} differs by ${s.diff.toExponential(2)}`);
        if (!(b.diff <= tolerance)) failures.push(`${k}, input ${i}, batch of ${n}: output ${b.at} differs by ${b.diff.toExponential(2)}`);
      }
      agreement[k] = { single, batch };
    }
    if (failures.length) {
      throw new Error(`CORRECTNESS GATE FAILED (${entry.title}): outputs differ from wasm-cnn's by more than ${tolerance} (max abs diff); nothing was timed.\n  ${failures.slice(0, 12).join('\n  ')}`);
    }
    const predicted = reference.slice(0, CHECK_IMAGES).map((o) => o.indexOf(Math.max(...o)));
    log(`correctness gate passed: every engine within ${tolerance} of wasm-cnn on ${n} inputs (largest difference ${Math.max(...Object.values(agreement).flatMap((a) => [a.single, a.batch])).toExponential(2)})`);

    // ── warm-up ──
    const wu = opts.warmup;
    for (const k of engines) {
      if (fig.has('latency')) await workers[k].call('latency', { seconds: wu, minCalls: 10 });
      if (fig.has('throughput')) await workers[k].call('throughput', { n: BATCH, seconds: wu, minCalls: 1 });
    }
    for (const k of poolKeys) await workers[k].call('throughput', { n: POOL_BATCH, seconds: wu, minCalls: 1 });
    let lat1 = 0.05;
    let ms64 = 5;
    const ops = fig.has('profile') && engines.includes('tfjs-wasm');
    if (fig.has('profile')) {
      const a = await workers['wasm-cnn'].call('latency', { seconds: wu, minCalls: 10 });
      const b = await workers['wasm-cnn'].call('throughput', { n: BATCH, seconds: wu, minCalls: 1 });
      lat1 = a.medianMs;
      ms64 = b.ms / b.calls;
      await workers['wasm-cnn'].call('profile', { n: 1, repeats: 20 });
      await workers['wasm-cnn'].call('profile', { n: BATCH, repeats: 3 });
      if (ops) await workers['tfjs-wasm'].call('ops', { n: BATCH });
    }
    if (peakWorker) await peakWorker.call('peak', { seconds: wu });

    // ── rounds ──
    const R = { latency: {}, tp: { [BATCH]: {}, [POOL_BATCH]: {} }, load: {}, profile: { 1: [], [BATCH]: [] }, ops: [], peak: [] };
    for (const k of all) {
      R.latency[k] = [];
      R.tp[BATCH][k] = [];
      R.tp[POOL_BATCH][k] = [];
      R.load[k] = [];
    }
    const secs = opts.seconds;
    // each profile call takes about half a measurement: repeats × the layers' time
    const repeats1 = Math.max(20, Math.min(20000, Math.round((secs * 500) / (lat1 * 1.3))));
    const repeats64 = Math.max(3, Math.min(2000, Math.round((secs * 500) / (ms64 * 1.3))));
    const load = fig.has('load') && entry.key === 'lenet5';
    for (let r = 0; r < opts.rounds; r++) {
      const tr = wall();
      const order = rotate(engines, r);
      const line = [];
      if (fig.has('latency')) {
        for (const k of order) {
          await settle();
          R.latency[k].push(await workers[k].call('latency', { seconds: secs, minCalls: 5 }));
        }
        line.push(`latency ms ${engines.map((k) => `${k} ${fmt(R.latency[k][r].meanMs)}`).join(', ')}`);
      }
      if (fig.has('throughput')) {
        for (const k of order) {
          await settle();
          R.tp[BATCH][k].push(await workers[k].call('throughput', { n: BATCH, seconds: secs, minCalls: 1 }));
        }
        line.push(`b${BATCH} img/s ${engines.map((k) => `${k} ${fmt(R.tp[BATCH][k][r].ips)}`).join(', ')}`);
      }
      if (poolKeys.length) {
        for (const k of rotate(poolKeys, r)) {
          await settle();
          R.tp[POOL_BATCH][k].push(await workers[k].call('throughput', { n: POOL_BATCH, seconds: secs, minCalls: 2 }));
        }
        line.push(`b${POOL_BATCH} img/s ${poolKeys.map((k) => `${k} ${fmt(R.tp[POOL_BATCH][k][r].ips)}`).join(', ')}`);
      }
      if (load) {
        for (const k of order) {
          await settle();
          const res = await loadProbe(k, ctx, layout(k, images.subarray(0, size)), layout(k, pool.slice(0, BATCH * size)), out);
          const d = maxAbsDiff(res.output, reference[0]);
          if (!(d.diff <= tolerance)) throw new Error(`CORRECTNESS: ${k}'s first prediction in a fresh worker differs from wasm-cnn's by ${d.diff.toExponential(2)}`);
          R.load[k].push(res);
        }
        line.push(`load ms ${engines.map((k) => `${k} ${fmt(R.load[k][r].loadMs)}`).join(', ')}`);
      }
      if (fig.has('profile')) {
        await settle();
        R.profile[1].push(await workers['wasm-cnn'].call('profile', { n: 1, repeats: repeats1 }));
        R.profile[BATCH].push(await workers['wasm-cnn'].call('profile', { n: BATCH, repeats: repeats64 }));
        if (ops) R.ops.push(await workers['tfjs-wasm'].call('ops', { n: BATCH }));
      }
      if (peakWorker) {
        await settle();
        R.peak.push(await peakWorker.call('peak', { seconds: secs }));
        line.push(`peak ${fmt(R.peak[r].gflops)} GFLOP/s`);
      }
      log(`${entry.key} round ${r + 1}/${opts.rounds} (${((wall() - tr) / 1000).toFixed(1)} s): ${line.join('; ')}`);
    }
    return {
      entry, spec: { paramCount: spec.paramCount, inputShape: spec.inputShape, outputSize: out }, layers, flops, flopsPerImage, engines, poolKeys,
      details, agreement, tolerance, predicted, R, repeats1, repeats64, ops, onnxKiB: onnxBytes ? onnxBytes.length / 1024 : null,
    };
  } finally {
    await closeAll();
  }
}

export async function runBenchmark(opts = parseOptions([])) {
  const T0 = wall();
  const fig = new Set(opts.figures);
  const quiet = opts.waitQuiet ? await waitQuiet(opts.waitQuiet, log) : null;
  const loadStart = loadavg();
  const date = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const mach = machine();
  log(`bench — ${mach.cpu}, ${mach.logical} logical CPUs, Node ${mach.node}; load average ${loadStart.map((x) => x.toFixed(2)).join(' ')}`);
  if (loadStart[0] >= 0.5) log('warning: the machine is not quiet (1-minute load average ≥ 0.5): figures will be noisy (--wait-quiet waits)');
  const built = ensureBuilt({ make: opts.make });
  const peakBuild = fig.has('peak') ? buildPeak() : null;
  const stampStart = buildStamp();
  const sysStart = systemCpu(); // after the builds: other processes' CPU time from here on
  const ownStart = process.cpuUsage();
  const api = await import('wasm-cnn'); // the package's entry point, as users import it
  const sizes = engineSizes();

  let peakWorker = null;
  try {
    if (fig.has('peak')) {
      peakWorker = new WorkerHandle('peak', { mode: 'peak', wasm: PEAK_WASM }, 120000);
      await peakWorker.ready;
    }
    const models = [];
    for (const key of opts.models) models.push(await runModel(ZOO.find((z) => z.key === key), api, opts, peakWorker));
    const loadEnd = loadavg();
    const rebuiltDuring = buildStamp() !== stampStart;
    if (rebuiltDuring) log('warning: web/wasm-cnn.wasm or web/wasm-cnn-inline.js changed during the run (a rebuild): rounds may mix two builds');
    const sysEnd = systemCpu();
    const own = process.cpuUsage(ownStart);
    const others = sysStart && sysEnd ? {
      seconds: Math.max(0, sysEnd.busy - sysStart.busy - (own.user + own.system) / 1e6),
      steal: sysEnd.steal - sysStart.steal,
    } : null;
    const details = {};
    for (const m of models) for (const [k, d] of Object.entries(m.details)) details[k] ??= d;
    return makeReport({
      opts, fig, date, mach, quiet, loadStart, loadEnd, others, rebuiltDuring, seconds: (wall() - T0) / 1000, built, peakBuild, details, sizes, models,
    });
  } finally {
    await peakWorker?.terminate();
  }
}

// ─── Report ──────────────────────────────────────────────────────────────────────────────

/**
 * Layer types of wasm-cnn's profile and tfjs-wasm's kernels, grouped by the work they do, for
 * the per-type comparison. wasm-cnn fuses an activation into the layer before it (conv2d +
 * relu, batchnorm + relu6); tfjs-layers fuses it into conv2d/depthwise/dense but runs it as
 * kernels of its own after batchnorm and add, so those count in the elementwise group.
 */
const TYPE_GROUPS = [
  { name: 'conv2d', ours: ['conv2d'], tfjs: ['Conv2D', 'FusedConv2D'] },
  { name: 'depthwiseconv2d', ours: ['depthwiseconv2d'], tfjs: ['DepthwiseConv2dNative', 'FusedDepthwiseConv2D'] },
  { name: 'dense (+ softmax)', ours: ['dense'], tfjs: ['MatMul', '_FusedMatMul', 'BatchMatMul', 'Softmax'] },
  { name: 'batchnorm, activations, add', ours: ['batchnorm', 'activation', 'add'], tfjs: ['FusedBatchNorm', 'Relu', 'Relu6', 'Minimum', 'Maximum', 'ClipByValue', 'Add', 'AddN', 'Sigmoid', 'Tanh'] },
  { name: 'pooling, flatten', ours: ['maxpool2d', 'avgpool2d', 'globalavgpool2d', 'globalmaxpool2d', 'flatten'], tfjs: ['MaxPool', 'AvgPool', 'Mean', 'Max', 'Reshape'] },
];

function makeReport(x) {
  const { opts, fig, models, sizes } = x;
  const rounds = opts.rounds;
  const label = (k) => ENGINES[k].label;
  const md = [];
  const p = (s = '') => md.push(s);
  const perRound = (fn) => Array.from({ length: rounds }, (_, r) => fn(r));
  const ratioCell = (rs) => `**${fmtRatio(median(rs))}** (${fmtRange(rs, fmtRatio)})`;
  const byKey = Object.fromEntries(models.map((m) => [m.entry.key, m]));
  const has = (m, k) => m.engines.includes(k);

  // per-round series of one model
  const lat = (m, k) => m.R.latency[k].map((v) => v.meanMs);
  const ips = (m, n, k) => m.R.tp[n][k].map((v) => v.ips);
  const latRatio = (m, k) => perRound((r) => m.R.latency[k][r].meanMs / m.R.latency['wasm-cnn'][r].meanMs);
  const tpRatio = (m, n, k, ours = 'wasm-cnn') => perRound((r) => m.R.tp[n][ours][r].ips / m.R.tp[n][k][r].ips);
  const layerGflops = (m, n, i) => m.R.profile[n].map((pr) => (m.flops[i].flops * n) / (pr.layers[i].ms * 1e6));
  const ofPeak = (m, i) => perRound((r) => (m.flops[i].flops * BATCH) / (m.R.profile[BATCH][r].layers[i].ms * 1e6) / m.R.peak[r].gflops);
  /** per round: the faster of `ks` at batch 1 and its time / ours */
  const fasterLat = (m, ks) => perRound((r) => {
    const k = ks.reduce((b, e) => (m.R.latency[e][r].meanMs < m.R.latency[b][r].meanMs ? e : b), ks[0]);
    return { k, ratio: m.R.latency[k][r].meanMs / m.R.latency['wasm-cnn'][r].meanMs };
  });
  const who = (series) => [...new Set(series.map((s) => s.k))].map((k) => `${label(k)} in ${series.filter((s) => s.k === k).length}/${rounds} rounds`).join(', ');
  const peakOf = (m) => m.R.peak.map((v) => v.gflops);
  const gflops64 = (m, k) => ips(m, BATCH, k).map((v) => (v * m.flopsPerImage) / 1e9);

  p('# Inference benchmark: a model zoo in wasm-cnn, TensorFlow.js, ONNX Runtime Web (and convnetjs)');
  p();
  p('Written by `npm run bench` (bench/index.js); every number below was measured by that run. Why the unmet targets are unmet: [GAPS.md](GAPS.md) (written by hand from these tables).');
  p();
  const quietRow = x.quiet ? [['quiet machine?', x.quiet.quiet
    ? `yes: waited ${x.quiet.waitedS.toFixed(0)} s for a 1-minute load average < 0.5 and < 10% of a core busy (found ${x.quiet.load.toFixed(2)}, ${(100 * x.quiet.busy).toFixed(0)}%)`
    : `**no**: after ${x.quiet.waitedS.toFixed(0)} s of waiting the load average was ${x.quiet.load.toFixed(2)} and ${(100 * x.quiet.busy).toFixed(0)}% of a core busy; ran anyway (figures noisier)`]] : [];
  p(table([
    ['', ''],
    ['date', x.date],
    ['machine', `${x.mach.cpu}; ${x.mach.logical} logical CPUs${x.mach.coresPerSocket ? ` (${x.mach.coresPerSocket} cores per socket per /proc/cpuinfo)` : ''}${x.mach.mhz ? `, cpu MHz ${x.mach.mhz.toFixed(0)} (/proc/cpuinfo)` : ''}`],
    ...quietRow,
    ['load average (1, 5, 15 min)', `start ${x.loadStart.map((v) => v.toFixed(2)).join(' ')}; end ${x.loadEnd.map((v) => v.toFixed(2)).join(' ')} (the end figure includes this benchmark's own load)`],
    ...(x.others ? [['other CPU work during the run', `${x.others.seconds.toFixed(1)} CPU-s by other processes (/proc/stat busy time minus this process's own), ` +
      `${(100 * x.others.seconds / x.seconds).toFixed(1)}% of one core over the run (after the build checks); steal ${x.others.steal.toFixed(1)} s`]] : []),
    ['Node', `${x.mach.node} (V8 ${x.mach.v8})`],
    ['wasm-cnn', `${x.details['wasm-cnn'].version}, ${x.details['wasm-cnn'].detail}; git ${gitState()}${x.built.rebuilt ? '; `make all` was run first' : ''}` +
      (x.rebuiltDuring ? '; **warning: web/ was rebuilt during the run, so the rounds may mix two builds**' : '')],
    ...Object.keys(ENGINES).filter((k) => k !== 'wasm-cnn' && x.details[k]).map((k) => [label(k), x.details[k].detail]),
    ['command', `\`${commandLine(opts)}\` — ROUNDS=${rounds}, SECONDS=${opts.seconds}, warm-up ${opts.warmup} s; ran ${x.seconds.toFixed(0)} s`],
  ], ['l', 'l']));
  p();

  // ── the zoo ──
  p('## The models');
  p();
  p('Defined in bench/zoo.js as wasm-cnn layer lists; the peers get the same model and weights: tfjs-layers through the functional API (bench/tfjs-model.js), ' +
    'ORT as ONNX (bench/onnx-model.js: kernels OIHW, a dense kernel after a flatten with its rows in CHW order, batchnorm as BatchNormalization, ReLU6 as Clip), its inputs given NCHW. ' +
    'The zoo\'s weights are seeded (He-uniform kernels, random biases; every batchnorm with random gamma/beta and moving statistics calibrated on the model\'s inputs, then perturbed), ' +
    'its inputs seeded U[0, 1) images; LeNet-5 has MNIST-trained weights (bench/lenet5-mnist.wcnn) and MNIST test images. ' +
    'Work per image: 2 × the multiply-accumulates of conv, depthwise and dense layers, from the layer shapes (biases, batchnorm, activations, pooling, adds, softmax not counted).');
  p();
  p(table([
    ['model', 'input', 'layers', 'parameters', 'MFLOP / image', 'ONNX file KiB', 'engines'],
    ...models.map((m) => [m.entry.title, m.spec.inputShape.join('×'), m.layers.length, m.spec.paramCount.toLocaleString('en-US').replace(/,/g, ' '),
      (m.flopsPerImage / 1e6).toFixed(3), m.onnxKiB ? m.onnxKiB.toFixed(0) : '—', [...m.engines, ...m.poolKeys.filter((k) => !m.engines.includes(k))].map((k) => k).join(', ')]),
  ], ['l', 'l', 'r', 'r', 'r', 'r', 'l']));
  p();
  for (const m of models) p(`- **${m.entry.title}**: ${m.entry.about}.`);
  p();
  p(`**Correctness gate** (before any timing, per model): outputs on ${2 * CHECK_IMAGES} inputs (LeNet-5: ${CHECK_IMAGES} MNIST test images and ${CHECK_IMAGES} blends of two more each, ` +
    'ambiguous digits whose softmax outputs are spread out so small errors show; the others: seeded random images), one input per call and as one batch, ' +
    'against wasm-cnn\'s one-input outputs. Max abs difference of the softmax outputs, one per call / batch:');
  p();
  const gateEngines = Object.keys(ENGINES).filter((k) => models.some((m) => m.agreement[k]));
  p(table([
    ['model', 'limit', ...gateEngines.map(label)],
    ...models.map((m) => [m.entry.title, m.tolerance.toExponential(0), ...gateEngines.map((k) => (m.agreement[k] ? `${m.agreement[k].single.toExponential(1)} / ${m.agreement[k].batch.toExponential(1)}` : '—'))]),
  ]));
  p();
  if (byKey.lenet5) p(`LeNet-5's predicted digits for the first ${CHECK_IMAGES} test images: ${byKey.lenet5.predicted.join(' ')}.`);
  p();
  p('Ratios are taken **within each round** (same round, neighbouring measurements) and oriented so that **> 1 means wasm-cnn is better**: ' +
    'time ratios are peer / wasm-cnn, throughput ratios wasm-cnn / peer. Each cell: median over rounds, min–max in brackets.');
  p();

  // ── summary ──
  const peers1 = ['tfjs-wasm', 'ort-1t', 'ort-2t'];
  if (fig.has('latency') || fig.has('throughput')) {
    p('## Summary: wasm-cnn on one thread against each peer');
    p();
    const rows = [['model', 'wasm-cnn batch 1 (ms)', ...peers1.map((k) => `batch 1: ${label(k)} / wasm-cnn`), `wasm-cnn batch ${BATCH} (img/s)`,
      ...peers1.map((k) => `batch ${BATCH}: wasm-cnn / ${label(k)}`), `wasm-cnn GFLOP/s (b${BATCH})`]];
    for (const m of models) {
      rows.push([m.entry.title,
        fig.has('latency') ? `**${fmt(median(lat(m, 'wasm-cnn')))}**` : '—',
        ...peers1.map((k) => (fig.has('latency') && has(m, k) ? ratioCell(latRatio(m, k)) : '—')),
        fig.has('throughput') ? `**${fmt(median(ips(m, BATCH, 'wasm-cnn')))}**` : '—',
        ...peers1.map((k) => (fig.has('throughput') && has(m, k) ? ratioCell(tpRatio(m, BATCH, k)) : '—')),
        fig.has('throughput') ? `${fmt(median(gflops64(m, 'wasm-cnn')))}${fig.has('peak') ? ` (${pct(median(perRound((r) => gflops64(m, 'wasm-cnn')[r] / m.R.peak[r].gflops)))} of peak)` : ''}` : '—']);
    }
    p(table(rows));
    p();
  }

  // ── targets ──
  const targets = [];
  const target = (what, series, goal, detail) => targets.push({ what, value: series ? median(series) : NaN, range: series, goal, detail });
  for (const m of models) {
    const t = m.entry.title;
    if (fig.has('throughput')) {
      for (const k of ['tfjs-wasm', 'ort-1t']) {
        if (has(m, k)) target(`${t}: batch ${BATCH} ≥ 1.5× ${label(k)}`, tpRatio(m, BATCH, k), 1.5, `${fmt(median(ips(m, BATCH, 'wasm-cnn')))} vs ${fmt(median(ips(m, BATCH, k)))} img/s`);
      }
    }
    if (fig.has('latency') && has(m, 'tfjs-wasm') && has(m, 'ort-1t')) {
      const f = fasterLat(m, ['tfjs-wasm', 'ort-1t']);
      target(`${t}: batch 1 ≥ 2× the faster of tfjs-wasm and ORT 1 thread`, f.map((v) => v.ratio), 2, `wasm-cnn ${fmt(median(lat(m, 'wasm-cnn')))} ms; faster peer: ${who(f)}`);
    }
  }
  const lenet = byKey.lenet5;
  if (lenet) {
    if (fig.has('latency') && has(lenet, 'ort-1t') && has(lenet, 'ort-2t')) {
      const f = fasterLat(lenet, ['ort-1t', 'ort-2t']);
      target('LeNet-5: batch-1 latency ≤ 1/3 of ORT\'s (the faster of 1 and 2 threads)', f.map((v) => v.ratio), 3, `wasm-cnn ${fmt(median(lat(lenet, 'wasm-cnn')))} ms; ${who(f)}`);
    }
    if (fig.has('throughput') && has(lenet, 'tfjs-wasm')) target(`LeNet-5: batch ${BATCH} ≥ 2× tfjs-wasm`, tpRatio(lenet, BATCH, 'tfjs-wasm'), 2, '');
    if (fig.has('profile') && fig.has('peak')) {
      const first = lenet.flops.findIndex((l) => l.type === 'conv2d');
      target(`LeNet-5: the first conv layer (${lenet.flops[first].name}) at batch ${BATCH} ≥ 50% of the mul+add peak`, ofPeak(lenet, first), 0.5,
        `${fmt(median(layerGflops(lenet, BATCH, first)))} GFLOP/s of ${fmt(median(peakOf(lenet)))}`);
    }
  }
  if (byKey.vgg && fig.has('profile') && fig.has('peak')) {
    const m = byKey.vgg;
    m.flops.forEach((l, i) => {
      if (l.type === 'conv2d') target(`VGG: ${l.name} (${m.layers[i].kernel.join('×')}×${m.layers[i].inputShape[2]} → ${m.layers[i].filters}) at batch ${BATCH} ≥ 60% of the peak`, ofPeak(m, i), 0.6, `${fmt(median(layerGflops(m, BATCH, i)))} GFLOP/s`);
    });
  }
  for (const m of models.filter((mm) => mm.poolKeys.includes('wasm-cnn-pool'))) {
    target(`${m.entry.title}: batch ${POOL_BATCH}, createPool 2 workers ≥ 1.8× one thread`, tpRatio(m, POOL_BATCH, 'wasm-cnn', 'wasm-cnn-pool'), 1.8,
      `${fmt(median(ips(m, POOL_BATCH, 'wasm-cnn-pool')))} vs ${fmt(median(ips(m, POOL_BATCH, 'wasm-cnn')))} img/s`);
    if (m.poolKeys.includes('ort-2t')) {
      target(`${m.entry.title}: batch ${POOL_BATCH}, createPool 2 workers ≥ 1.5× ORT 2 threads`, tpRatio(m, POOL_BATCH, 'ort-2t', 'wasm-cnn-pool'), 1.5,
        `${fmt(median(ips(m, POOL_BATCH, 'wasm-cnn-pool')))} vs ${fmt(median(ips(m, POOL_BATCH, 'ort-2t')))} img/s`);
    }
  }
  const isShare = (t) => t.goal < 1;
  // a figure that rounds to its goal but misses it gets a digit more, so the table never says
  // "1.50× missed, goal 1.50×"
  const show = (t, v) => {
    const text = (x) => (isShare(t) ? pct(x) : fmtRatio(x));
    if (v === t.goal || v > t.goal || text(v) !== text(t.goal)) return text(v);
    return isShare(t) ? `${(100 * v).toFixed(1)}%` : `${v.toFixed(3)}×`;
  };
  p('## Targets (issue 12 §2, §3), from this run');
  p();
  p('Each measured figure is the median of per-round values (ratios > 1: wasm-cnn better; "of the peak": the layer\'s GFLOP/s over the mul+add peak (g) of the same round). ' +
    '"How far": the factor still missing (goal / measured).');
  p();
  p(table([
    ['target', 'measured (min–max)', 'goal', 'status', 'how far', 'detail'],
    ...targets.map((t) => [t.what, `**${show(t, t.value)}** (${fmtRange(t.range, (v) => show(t, v))})`, show(t, t.goal),
      t.value >= t.goal ? '**met**' : '**missed**', t.value >= t.goal ? '' : `×${(t.goal / t.value).toFixed(2)}`, t.detail]),
  ], ['l', 'l', 'r', 'l', 'r', 'l']));
  p();
  p(`${targets.filter((t) => t.value >= t.goal).length} of ${targets.length} met.`);
  p();

  // ── per model ──
  for (const m of models) {
    const E = m.engines;
    const peers = E.filter((k) => k !== 'wasm-cnn');
    p(`## ${m.entry.title}`);
    p();
    p(`${m.entry.about}. ${m.spec.paramCount.toLocaleString('en-US').replace(/,/g, ' ')} parameters, **${(m.flopsPerImage / 1e6).toFixed(3)} MFLOP per image**.`);
    p();
    if (fig.has('latency')) {
      p(`### (a) Batch-1 latency, ${m.entry.title}`);
      p();
      p(`One image in, ${m.spec.outputSize} outputs out as a JS \`Float32Array\`, including each engine's per-call work; calls repeated for ≥ ${opts.seconds} s per round, the figure is elapsed time / calls; ` +
        'per-call p50/p90: medians over rounds of each round\'s per-call quantiles.');
      p();
      p(table([
        ['engine', 'ms per call (median)', 'min–max over rounds', 'per-call p50', 'per-call p90', 'peer / wasm-cnn (time)'],
        ...E.map((k) => [label(k), `**${fmt(median(lat(m, k)))}**`, fmtRange(lat(m, k)), fmt(median(m.R.latency[k].map((v) => v.medianMs))),
          fmt(median(m.R.latency[k].map((v) => v.p90Ms))), k === 'wasm-cnn' ? '1 (reference)' : ratioCell(latRatio(m, k))]),
      ]));
      p();
    }
    if (fig.has('throughput')) {
      p(`### (b) Batch ${BATCH}: images/s and effective GFLOP/s, ${m.entry.title}`);
      p();
      p(`One call with the whole batch (wasm-cnn: \`predictBatch(x, ${BATCH}, { batchSize: ${BATCH} })\`), repeated for ≥ ${opts.seconds} s; GFLOP/s = ${(m.flopsPerImage / 1e6).toFixed(3)} MFLOP × images/s` +
        `${fig.has('peak') ? '; "of peak": over the one-thread mul+add peak (g) of the same round (ORT on 2 threads has two cores)' : ''}; ` +
        '"CPUs busy": the process\'s CPU time / wall time meanwhile (the other workers idle).');
      p();
      p(table([
        ['engine', 'img/s (median)', 'min–max', 'wasm-cnn / peer', 'GFLOP/s', ...(fig.has('peak') ? ['of peak'] : []), 'CPUs busy'],
        ...E.map((k) => [label(k), `**${fmt(median(ips(m, BATCH, k)))}**`, fmtRange(ips(m, BATCH, k)), k === 'wasm-cnn' ? '1 (reference)' : ratioCell(tpRatio(m, BATCH, k)),
          fmt(median(gflops64(m, k))), ...(fig.has('peak') ? [pct(median(perRound((r) => gflops64(m, k)[r] / m.R.peak[r].gflops)))] : []),
          median(m.R.tp[BATCH][k].map((v) => v.cores)).toFixed(2)]),
      ]));
      p();
    }
    if (fig.has('profile')) {
      p(`### (f) wasm-cnn per layer, ${m.entry.title}: \`net.profile(input, n, { repeats })\``);
      p();
      p(`Each layer's median time over the repeats (${m.repeats1} at batch 1, ${m.repeats64} at batch ${BATCH}), the median over rounds shown; GFLOP/s from the layer's MFLOP × n` +
        `; "ns per output value": the batch-${BATCH} time over the values the layer writes (for layers without multiply-adds: batchnorm, activations, pooling, adds)` +
        `${fig.has('peak') ? `; "of peak": the layer's GFLOP/s at batch ${BATCH} over the mul+add peak (g) of the same round, median over rounds` : ''}.`);
      p();
      const msOf = (n, i) => median(m.R.profile[n].map((pr) => pr.layers[i].ms));
      const shareOf = (n, i) => median(m.R.profile[n].map((pr) => pr.layers[i].share));
      const tot = (n) => median(m.R.profile[n].map((pr) => pr.totalMs));
      const fl = m.flops;
      p(table([
        ['layer', 'type', 'output', 'MFLOP / image', 'batch 1: µs', 'share', 'GFLOP/s', `batch ${BATCH}: ms`, 'share', 'GFLOP/s', 'ns per output value', ...(fig.has('peak') ? ['of peak'] : [])],
        ...m.layers.map((l, i) => [l.name, `${l.type}${l.activation !== 'linear' ? ` + ${l.activation}` : ''}`, l.outputShape.join('×'), fl[i].flops ? (fl[i].flops / 1e6).toFixed(4) : '—',
          fmt(msOf(1, i) * 1000), pct(shareOf(1, i)), fl[i].flops ? fmt(median(layerGflops(m, 1, i))) : '—',
          fmt(msOf(BATCH, i)), pct(shareOf(BATCH, i)), fl[i].flops ? fmt(median(layerGflops(m, BATCH, i))) : '—',
          fmt((msOf(BATCH, i) * 1e6) / (BATCH * prod(l.outputShape))),
          ...(fig.has('peak') ? [fl[i].flops ? `**${pct(median(ofPeak(m, i)))}**` : ''] : [])]),
        ['total', '', '', (m.flopsPerImage / 1e6).toFixed(4), fmt(tot(1) * 1000), '', fmt(median(m.R.profile[1].map((pr) => m.flopsPerImage / (pr.totalMs * 1e6)))),
          fmt(tot(BATCH)), '', fmt(median(m.R.profile[BATCH].map((pr) => (m.flopsPerImage * BATCH) / (pr.totalMs * 1e6)))), '', ...(fig.has('peak') ? [''] : [])],
      ], ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r']));
      p();
      if (fig.has('latency') && fig.has('throughput')) {
        p(`Whole calls, for comparison: batch 1 ${fmt(median(lat(m, 'wasm-cnn')) * 1000)} µs per \`predict\`; batch ${BATCH} ${fmt((BATCH / median(ips(m, BATCH, 'wasm-cnn'))) * 1000)} ms per \`predictBatch\` ` +
          '(including the JS API around the layers; the profile\'s total is a sum of per-layer medians).');
        p();
      }
      // per layer type, against tfjs-wasm's kernels
      const groupMs = (pr, g) => pr.layers.filter((l) => g.ours.includes(l.type)).reduce((a, l) => a + l.ms, 0);
      const groupFlops = (g) => m.layers.reduce((a, l, i) => a + (g.ours.includes(l.type) ? m.flops[i].flops : 0), 0);
      const groups = TYPE_GROUPS.filter((g) => m.layers.some((l) => g.ours.includes(l.type)));
      const tfMs = (ops, g) => Object.entries(ops).reduce((a, [k, v]) => a + (g.tfjs.includes(k) ? v : 0), 0);
      const known = new Set(TYPE_GROUPS.flatMap((g) => g.tfjs));
      const rows = [['layer type', 'layers', `wasm-cnn ms (b${BATCH})`, 'share', 'GFLOP/s', ...(m.ops ? [`tfjs-wasm ms (b${BATCH}, its kernels)`, 'share', 'GFLOP/s', 'tfjs-wasm / wasm-cnn (time)'] : [])]];
      for (const g of groups) {
        const ours = perRound((r) => groupMs(m.R.profile[BATCH][r], g));
        const share = perRound((r) => ours[r] / m.R.profile[BATCH][r].totalMs);
        const f = groupFlops(g) * BATCH;
        const row = [g.name, m.layers.filter((l) => g.ours.includes(l.type)).length, `**${fmt(median(ours))}**`, pct(median(share)), f ? fmt(median(ours.map((v) => f / (v * 1e6)))) : '—'];
        if (m.ops) {
          const theirs = m.R.ops.map((o) => tfMs(o, g));
          const tshare = m.R.ops.map((o, r) => theirs[r] / Object.values(o).reduce((a, b) => a + b, 0));
          row.push(`**${fmt(median(theirs))}**`, pct(median(tshare)), f ? fmt(median(theirs.map((v) => f / (v * 1e6)))) : '—', fmtRatio(median(perRound((r) => theirs[r] / ours[r]))));
        }
        rows.push(row);
      }
      if (m.ops) {
        const other = m.R.ops.map((o) => Object.entries(o).reduce((a, [k, v]) => a + (known.has(k) ? 0 : v), 0));
        const names = [...new Set(m.R.ops.flatMap((o) => Object.keys(o)).filter((k) => !known.has(k)))];
        rows.push([`other tfjs kernels${names.length ? ` (${names.join(', ')})` : ''}`, '', '—', '', '', fmt(median(other)), pct(median(m.R.ops.map((o, r) => other[r] / Object.values(o).reduce((a, b) => a + b, 0)))), '', '']);
      }
      rows.push(['total', m.layers.length, fmt(tot(BATCH)), '', fmt(median(m.R.profile[BATCH].map((pr) => (m.flopsPerImage * BATCH) / (pr.totalMs * 1e6)))),
        ...(m.ops ? [fmt(median(m.R.ops.map((o) => Object.values(o).reduce((a, b) => a + b, 0)))), '', '', ''] : [])]);
      p(`**By layer type, batch ${BATCH}**${m.ops ? ', beside tfjs-wasm\'s own profile (`tf.profile` of one `predict` + `dataSync`: each kernel\'s time; one profiled call per round, median over rounds)' : ''}. ` +
        'wasm-cnn runs an activation inside the layer before it; tfjs fuses it into conv/depthwise/dense but runs it as its own kernels after batchnorm and add (counted in that row).');
      p();
      p(table(rows));
      p();
    }
  }

  // ── every core ──
  const poolModels = models.filter((m) => m.poolKeys.includes('wasm-cnn-pool'));
  if (poolModels.length) {
    p(`## Every core: batch ${POOL_BATCH} on createPool's 2 workers (issue 12 §3)`);
    p();
    p(`\`createPool(model file, { workers: 2 })\`, \`await pool.predictBatch(x, ${POOL_BATCH})\` (the batch split in two, one half per worker) against one thread (\`predictBatch(x, ${POOL_BATCH}, { batchSize: ${POOL_BATCH} })\`) ` +
      `and ORT on 2 threads, in the same rounds (order rotated); each ≥ ${opts.seconds} s and ≥ 2 calls per round. On this 2-core machine anything else running takes one of the two cores from the pool.`);
    p();
    for (const m of poolModels) {
      p(table([
        [`${m.entry.title}, batch ${POOL_BATCH}`, 'img/s (median)', 'min–max', 'pool / this (per round)', 'CPUs busy'],
        ...m.poolKeys.map((k) => [label(k), `**${fmt(median(ips(m, POOL_BATCH, k)))}**`, fmtRange(ips(m, POOL_BATCH, k)),
          k === 'wasm-cnn-pool' ? '1 (reference)' : ratioCell(tpRatio(m, POOL_BATCH, k, 'wasm-cnn-pool')), median(m.R.tp[POOL_BATCH][k].map((v) => v.cores)).toFixed(2)]),
      ]));
      p();
      const cores = median(m.R.tp[POOL_BATCH]['wasm-cnn-pool'].map((v) => v.cores));
      if (cores < 1.5) {
        p(`**Warning: the pool's workers got ${cores.toFixed(2)} cores (CPU time / wall time, median over rounds), not 2: other processes held the second core, ` +
          'so these figures say nothing about the pool on an idle machine.**');
        p();
      }
    }
  }

  // ── peak ──
  if (fig.has('peak')) {
    const g = models.flatMap(peakOf);
    const chains = models.flatMap((m) => m.R.peak.map((v) => v.chains));
    p('## (g) WebAssembly SIMD mul+add peak, one thread');
    p();
    p('bench/peak.c (build/peak.wasm, `emcc -O3 -msimd128`): 8, 10 and 12 independent chains `v = v * m + a` on f32x4 (wasm SIMD has no FMA), everything in registers; ' +
      `each chain count run for ≥ ${fmt(opts.seconds / 3)} s, the best of the three is the round's peak; 2 flops per lane per mul+add. Measured in every round of every model; ` +
      'each model\'s "of peak" figures use the peak of the same round.');
    p();
    p(table([
      ['', 'GFLOP/s (median)', 'min–max', 'best chain count (rounds)'],
      ...models.map((m) => [`during ${m.entry.title}`, fmt(median(peakOf(m))), fmtRange(peakOf(m)), '']),
      ['all rounds', `**${fmt(median(g))}**`, fmtRange(g), [8, 10, 12].map((c) => `${c}: ${chains.filter((v) => v === c).length}`).join(', ')],
    ]));
    p();
    if (x.mach.mhz) {
      p(`At the ${x.mach.mhz.toFixed(0)} MHz that /proc/cpuinfo reports, the median peak is ${(median(g) * 1000 / x.mach.mhz).toFixed(1)} flops per cycle; ` +
        'a core with two f32x4 mul and two f32x4 add pipes does 16, so more than 16 means the core runs above that clock (boost).');
      p();
    }
  }

  // ── LeNet-5 only: load, size, memory (issue 5) ──
  if (lenet) lenetExtras(p, x, lenet, { label, perRound, ratioCell, has });

  // ── per-round ratios ──
  if (fig.has('latency') || fig.has('throughput')) {
    p('## Per-round ratios (> 1: wasm-cnn better)');
    p();
    const rr = [['ratio', ...perRound((r) => `r${r + 1}`), 'median']];
    const row = (name, v) => rr.push([name, ...v.map(fmt), `**${fmt(median(v))}**`]);
    for (const m of models) {
      for (const k of m.engines.filter((e) => e !== 'wasm-cnn')) {
        if (fig.has('latency')) row(`${m.entry.key}: batch 1, ${label(k)} / wasm-cnn`, latRatio(m, k));
        if (fig.has('throughput')) row(`${m.entry.key}: batch ${BATCH}, wasm-cnn / ${label(k)}`, tpRatio(m, BATCH, k));
      }
      for (const k of m.poolKeys.filter((e) => e !== 'wasm-cnn-pool')) row(`${m.entry.key}: batch ${POOL_BATCH}, pool / ${label(k)}`, tpRatio(m, POOL_BATCH, k, 'wasm-cnn-pool'));
    }
    p(table(rr));
    p();
  }

  // ── notes ──
  p('## What each engine\'s timing includes');
  p();
  p('- Each model in turn: its engines each in their own worker thread of one Node process; measurements run one at a time (the other workers idle), timed inside the worker (no message passing timed). ' +
    `Warm-up first: ${opts.warmup} s of each figure per engine (enough for V8 to tier the wasm and JS up).`);
  p('- **wasm-cnn**: `net.predict(x)` → a new `Float32Array` (copies the image into wasm memory, runs every layer, copies the outputs out); `net.predictBatch(x, n, { batchSize: n })` likewise for n images in one call. ' +
    'The model is the wasm-cnn file (`model.save()` of the zoo model) loaded with `loadModel(bytes)`.');
  p('- **tfjs-wasm / tfjs-cpu**: `tf.tensor4d(x, [n, h, w, c])`, `model.predict()`, `dataSync()`, then both tensors disposed; a layers-API functional model (bench/tfjs-model.js) with `setWeights`; production mode (`tf.enableProdMode()`). ' +
    'tfjs-wasm runs the SIMD build on one thread (WASM_HAS_MULTITHREAD_SUPPORT off; the module loaded is checked to be tfjs-backend-wasm-simd.wasm).');
  p('- **onnxruntime-web**: `new ort.Tensor(\'float32\', x, [n, c, h, w])` (the images converted to NCHW once, before timing), `await session.run()`, the output tensor\'s `.data`; wasm execution provider, graph optimisation \'all\' ' +
    '(it folds batchnorm into the conv before it and fuses activations); in Node the package\'s entry is dist/ort.node.min.mjs with ort-wasm-simd-threaded.wasm; with numThreads 2 its intra-op thread pool runs on Emscripten pthreads. The `await` is part of its per-call cost.');
  p('- **convnetjs** (LeNet-5): its `Vol` input (reused) filled from the image, `net.forward()`, the outputs copied into a `Float32Array`; no batch API, so a batch is a loop over images; Float64Array volumes.');
  p('- **createPool**: the pool\'s two workers each hold the model; `pool.predictBatch` copies the batch\'s halves to them and gathers the outputs in order; its time includes those transfers.');
  p(`- A pause of ${SETTLE_MS} ms precedes each measurement (lets GC and any busy-waiting threads of the previous engine settle).`);
  p(`- Statistics: ${rounds} rounds per model; in each round every engine is measured once per figure, one engine at a time, the engine order rotated by one each round. Medians and min–max are over rounds.`);
  p('- The machine has 2 cores and other work may run: compare ratios from the same run, not absolute figures across runs.');
  p();
  return md.join('\n');
}

/** LeNet-5's figures from issue 5 that the zoo models do not repeat: (c) load, (d) size, (h) memory, and their targets. */
function lenetExtras(p, x, m, { label, perRound, ratioCell }) {
  const { fig, sizes } = x;
  const E = m.engines;
  const loadMs = (k) => m.R.load[k].map((v) => v.loadMs);
  const loadRatio = (k) => perRound((r) => m.R.load[k][r].loadMs / m.R.load['wasm-cnn'][r].loadMs);
  p('## LeNet-5: load, download size, memory (issue 5)');
  p();
  if (fig.has('load')) {
    p('### (c) Load + init + first inference, fresh worker (ms)');
    p();
    p('A new worker thread per engine per round. Timed inside it, from the `import()` of the engine\'s package through reading + compiling + instantiating its wasm, ' +
      'building the model with its weights (wasm-cnn: `loadModel(bytes)` of the model file; tfjs: the functional model + `setWeights`; ORT: `InferenceSession.create(onnx bytes)`; convnetjs: `makeLayers` + weights), ' +
      'to the first prediction\'s `Float32Array` in hand. Not included, shown apart: Node\'s start-up of the worker thread (until the worker module\'s first statement) and the harness\'s own imports ' +
      '(bench/engines.js, which imports no engine); "from worker start" adds the latter.');
    p();
    const col = (k, f) => fmt(median(m.R.load[k].map(f)));
    p(table([
      ['engine', 'ms (median)', 'min–max', 'peer / wasm-cnn (time)', 'of which: import + wasm + model', 'first predict', 'from worker start', 'Node worker start-up (not incl.)'],
      ...E.map((k) => [label(k), `**${fmt(median(loadMs(k)))}**`, fmtRange(loadMs(k)), k === 'wasm-cnn' ? '1 (reference)' : ratioCell(loadRatio(k)),
        col(k, (v) => v.createMs), col(k, (v) => v.firstMs), col(k, (v) => v.fromStartMs), col(k, (v) => v.bootMs)]),
    ]));
    p();
  }
  p('### (d) Download size: JS + wasm a browser page needs (gzip -9)');
  p();
  p(table([
    ['engine', 'files', 'raw KiB', 'gzip KiB, each file gzipped, summed', 'gzip KiB, one concatenation', 'peer / wasm-cnn (summed)'],
    ...E.filter((k, i, a) => k !== 'ort-2t' || !a.includes('ort-1t')).map((k) => [
      k.startsWith('ort') ? 'onnxruntime-web (1 and 2 threads: the same files)' : label(k), sizes[k].what, kib(sizes[k].raw), `**${kib(sizes[k].gzipSum)}**`, kib(sizes[k].gzipConcat),
      k === 'wasm-cnn' ? '1 (reference)' : fmtRatio(sizes[k].gzipSum / sizes['wasm-cnn'].gzipSum)]),
    ['wasm-cnn, source files (extra)', sizes['wasm-cnn'].source.what, kib(sizes['wasm-cnn'].source.raw), `**${kib(sizes['wasm-cnn'].source.gzipSum)}**`, kib(sizes['wasm-cnn'].source.gzipConcat), '—'],
  ], ['l', 'l', 'r', 'r', 'r', 'r']));
  p();
  p(`wasm-cnn's files: ${sizes['wasm-cnn'].files.map((f) => `${f.file} ${kib(f.gzip)}`).join(', ')} KiB gzipped. ` +
    (E.includes('tfjs-wasm') && E.includes('tfjs-cpu') ? `tfjs with the ES5 \`.min.js\` bundles instead of es2017: wasm ${kib(sizes['tfjs-wasm'].es5.gzipSum)} KiB, cpu ${kib(sizes['tfjs-cpu'].es5.gzipSum)} KiB. ` : '') +
    (E.includes('ort-1t') ? `ORT's other wasm-only packaging (${sizes['ort-1t'].alternative.files.map((f) => f.file.replace('node_modules/onnxruntime-web/dist/', '')).join(' + ')}): ${kib(sizes['ort-1t'].alternative.gzipSum)} KiB.` : ''));
  p();
  if (fig.has('load')) {
    p(`### (h) WebAssembly memory after loading LeNet-5 and predicting one batch of ${BATCH}`);
    p();
    p('Measured in the fresh worker of (c), after its first prediction and one batch of 64. wasm-cnn: `engineInfo().memoryBytes`; ' +
      'peers: the byte length of the WebAssembly.Memory their module imports or exports (WebAssembly.instantiate is wrapped in the worker before the engine is imported).');
    p();
    p(table([
      ['engine', 'wasm memory (MiB)', 'how'],
      ...E.map((k) => {
        const b = m.R.load[k].map((v) => v.memory.wasmBytes).filter((v) => v);
        const note = m.R.load[k].at(-1).memory.note;
        return [label(k), b.length ? `**${mib(median(b))}**${min(b) !== max(b) ? ` (${mib(min(b))}–${mib(max(b))})` : ''}` : '— (no wasm)', note];
      }),
    ], ['l', 'r', 'l']));
    p();
  }
  const mark = (ok) => (ok ? '**met**' : '**missed**');
  const rows = [['issue 5 target (LeNet-5)', 'measured', 'status']];
  if (fig.has('load')) {
    const v = median(loadMs('wasm-cnn'));
    rows.push(['load + init + first inference ≤ 10 ms (fresh worker)', `${fmt(v)} ms (${fmtRange(loadMs('wasm-cnn'))})`, mark(v <= 10)]);
  }
  rows.push(['JS + wasm ≤ 25 KiB gzip (each file gzipped, summed)', `${kib(sizes['wasm-cnn'].gzipSum)} KiB (one concatenation: ${kib(sizes['wasm-cnn'].gzipConcat)} KiB)`, mark(sizes['wasm-cnn'].gzipSum <= 25 * 1024)]);
  if (fig.has('load')) {
    const v = median(m.R.load['wasm-cnn'].map((r) => r.memory.wasmBytes));
    rows.push([`wasm memory after LeNet-5 + batch ${BATCH} ≤ 8 MiB`, `${mib(v)} MiB (${v} bytes)`, mark(v <= 8 * 1048576)]);
  }
  p(table(rows, ['l', 'l', 'l']));
  p();
}

// ─── CLI ─────────────────────────────────────────────────────────────────────────────────

async function cli() {
  let opts;
  try {
    opts = parseOptions();
  } catch (err) {
    log(`bench: ${err.message}`);
    process.exit(2);
  }
  if (opts.help) {
    const src = readFileSync(fileURLToPath(import.meta.url), 'utf8');
    console.log(src.slice(0, src.indexOf('\nimport ')).replace(/^\/\/ ?/gm, ''));
    return;
  }
  const t0 = wall();
  try {
    const text = await runBenchmark(opts);
    mkdirSync(join(opts.out, '..'), { recursive: true });
    writeFileSync(opts.out, text + '\n');
    console.log(text);
    log(`wrote ${relative(process.cwd(), opts.out) || opts.out} in ${((wall() - t0) / 1000).toFixed(0)} s${opts.full ? '' : ' (not a full run: bench/RESULTS.md untouched)'}`);
    process.exitCode = 0;
  } catch (err) {
    log(`\nbench: ${process.env.DEBUG ? err?.stack ?? err : err?.message ?? err}${process.env.DEBUG ? '' : '\n(DEBUG=1 shows the stack)'}`);
    process.exitCode = 1;
  }
  setTimeout(() => process.exit(process.exitCode), 200).unref();
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await cli();
