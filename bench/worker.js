// bench/worker.js — one engine of the inference benchmark in its own worker thread.
//
// workerData.mode:
//   'engine'  build the engine once, then answer measurement requests from bench/index.js:
//             { cmd: 'check' | 'latency' | 'throughput' | 'profile' | 'ops' | 'memory' | 'info', … }
//   'load'    a fresh worker: time from the engine's import through compiling its wasm,
//             building the model with its weights and the first prediction (a Float32Array in
//             hand); also when this module's first statement ran (Node's worker start-up
//             before it, and this harness's own imports after it, are reported apart); then
//             predict a batch of 64 and report the engine's WebAssembly memory; then exit.
//   'peak'    the wasm SIMD mul+add peak probe (build/peak.wasm), on request.
//
// workerData.inputSize / outputSize: floats per image in and out (the zoo model's); images
// arrive in the engine's layout (bench/engines.js), already converted.
//
// Timing is done here, inside the worker, so message passing is never timed.

const T_FIRST = performance.now(); // the first statement: "worker start"
const T_START = performance.timeOrigin + T_FIRST; // comparable with the main thread's clock

const { parentPort, workerData } = await import('node:worker_threads');

const now = () => performance.now();

async function loadMode() {
  const { ENGINES, watchWasm } = await import('./engines.js'); // the harness (engines are imported in create)
  watchWasm();
  const t0 = now();
  const engine = await ENGINES[workerData.engine].create(workerData.ctx); // import + wasm + model + weights
  const t1 = now();
  const first = engine.async ? await engine.predict(workerData.image) : engine.predict(workerData.image);
  const t2 = now();
  const output = Float32Array.from(first);
  // memory after LeNet + one batch of 64
  const b64 = engine.async ? await engine.predictBatch(workerData.batch64, 64) : engine.predictBatch(workerData.batch64, 64);
  if (b64.length !== 64 * workerData.outputSize) throw new Error(`predictBatch(64) returned ${b64.length} values`);
  const memory = await engine.memory();
  return {
    loadMs: t2 - t0, createMs: t1 - t0, firstMs: t2 - t1, harnessMs: t0 - T_FIRST, fromStartMs: t2 - T_FIRST,
    startedAt: T_START, output, memory,
  };
}

// ─── Persistent engine ───────────────────────────────────────────────────────────────────

function makeMeasure(engine, images, pool, inputSize, outputSize) {
  const imgs = [];
  for (let i = 0; i < images.length / inputSize; i++) imgs.push(images.subarray(i * inputSize, (i + 1) * inputSize));
  const mask = imgs.length - 1; // a power of two (8)
  if (imgs.length & mask) throw new Error(`latency images: ${imgs.length}, not a power of two`);

  // batch-1 latency: one image in, its outputs out, repeated for ≥ seconds (and ≥ minCalls)
  function latencySync(seconds, minCalls) {
    const predict = engine.predict;
    const times = [];
    let calls = 0;
    const t0 = now();
    let t = t0;
    do {
      const a = now();
      const y = predict(imgs[calls & mask]);
      t = now();
      if (y.length !== outputSize) throw new Error(`predict returned ${y.length} values`);
      times.push(t - a);
      calls++;
    } while (t - t0 < seconds * 1000 || calls < minCalls);
    return summarize(times, t - t0, calls);
  }
  async function latencyAsync(seconds, minCalls) {
    const predict = engine.predict;
    const times = [];
    let calls = 0;
    const t0 = now();
    let t = t0;
    do {
      const a = now();
      const y = await predict(imgs[calls & mask]);
      t = now();
      if (y.length !== outputSize) throw new Error(`predict returned ${y.length} values`);
      times.push(t - a);
      calls++;
    } while (t - t0 < seconds * 1000 || calls < minCalls);
    return summarize(times, t - t0, calls);
  }
  function summarize(times, totalMs, calls) {
    times.sort((a, b) => a - b);
    const q = (p) => times[Math.min(times.length - 1, Math.floor(p * times.length))];
    return { meanMs: totalMs / calls, medianMs: q(0.5), p90Ms: q(0.9), calls, totalMs };
  }

  // throughput: predictBatch of n images (one call, no chunking), repeated for ≥ seconds
  async function throughput(n, seconds, minCalls) {
    if (n * inputSize > pool.length) throw new Error(`throughput: batch ${n} > pool of ${pool.length / inputSize} images`);
    const x = pool.subarray(0, n * inputSize);
    let calls = 0;
    const cpu0 = process.cpuUsage(); // the whole process: every other worker is idle meanwhile
    const t0 = now();
    let t = t0;
    do {
      const y = engine.async ? await engine.predictBatch(x, n) : engine.predictBatch(x, n);
      if (y.length !== n * outputSize) throw new Error(`predictBatch(${n}) returned ${y.length} values`);
      calls++;
      t = now();
    } while (t - t0 < seconds * 1000 || calls < minCalls);
    const ms = t - t0;
    const cpu = process.cpuUsage(cpu0);
    return { ips: (n * calls) / (ms / 1000), calls, ms, cores: (cpu.user + cpu.system) / 1000 / ms };
  }

  return {
    latency: (seconds, minCalls = 1) => (engine.async ? latencyAsync(seconds, minCalls) : latencySync(seconds, minCalls)),
    throughput,
  };
}

async function engineMode() {
  const { ENGINES, watchWasm } = await import('./engines.js');
  watchWasm();
  const engine = await ENGINES[workerData.engine].create(workerData.ctx);
  const { inputSize, outputSize } = workerData;
  const measure = makeMeasure(engine, workerData.images, workerData.pool, inputSize, outputSize);
  const handlers = {
    info: async () => ({ version: engine.version, detail: engine.detail, layers: engine.layers ?? null }),
    // outputs for the check images: one at a time, and as one batch
    check: async ({ images, n }) => {
      const single = [];
      for (let i = 0; i < n; i++) {
        const x = images.subarray(i * inputSize, (i + 1) * inputSize);
        single.push(Float32Array.from(engine.async ? await engine.predict(x) : engine.predict(x)));
      }
      const batch = Float32Array.from(engine.async ? await engine.predictBatch(images, n) : engine.predictBatch(images, n));
      return { single, batch };
    },
    latency: async ({ seconds, minCalls }) => measure.latency(seconds, minCalls),
    throughput: async ({ n, seconds, minCalls }) => measure.throughput(n, seconds, minCalls ?? 1),
    profile: async ({ n, repeats }) => {
      if (!engine.profile) throw new Error(`${workerData.engine} has no profile()`);
      return engine.profile(workerData.pool.subarray(0, n * inputSize), n, repeats);
    },
    // time per kernel of one batch (tfjs: tf.profile), for the per-layer-type comparison
    ops: async ({ n }) => {
      if (!engine.opProfile) throw new Error(`${workerData.engine} has no opProfile()`);
      return engine.opProfile(workerData.pool.subarray(0, n * inputSize), n);
    },
    memory: async () => engine.memory(),
  };
  parentPort.on('message', async ({ id, cmd, ...args }) => {
    try {
      if (!handlers[cmd]) throw new Error(`unknown command ${cmd}`);
      parentPort.postMessage({ id, result: await handlers[cmd](args) });
    } catch (err) {
      parentPort.postMessage({ id, error: `${err?.stack ?? err}` });
    }
  });
  parentPort.postMessage({ ready: true });
}

// ─── Peak probe ──────────────────────────────────────────────────────────────────────────

async function peakMode() {
  const { readFile } = await import('node:fs/promises');
  const { instance } = await WebAssembly.instantiate(await readFile(workerData.wasm), {});
  instance.exports._initialize?.();
  const run = instance.exports.run;
  const CHAINS = [8, 10, 12];
  const M = 0.999999;
  const A = 1e-7;
  for (const c of CHAINS) if (run(1000, M, A, c) < 0) throw new Error(`peak.wasm: run(…, ${c}) not supported`);
  const iters = {}; // per chain count: iterations for ~0.1 s, refined as we go
  for (const c of CHAINS) {
    let n = 1e5;
    for (;;) {
      const t0 = now();
      run(n, M, A, c);
      const ms = now() - t0;
      if (ms > 50) { iters[c] = Math.ceil(n * (100 / ms)); break; }
      n *= 4;
    }
  }
  // one measurement: each chain count for ≥ seconds/3; the best GFLOP/s is the peak
  const measure = async ({ seconds }) => {
    const out = {};
    for (const c of CHAINS) {
      let steps = 0;
      let sink = 0;
      const t0 = now();
      let t = t0;
      do {
        sink += run(iters[c], M, A, c);
        steps += iters[c];
        t = now();
      } while (t - t0 < (seconds * 1000) / CHAINS.length);
      if (!Number.isFinite(sink)) throw new Error('peak.wasm: non-finite result');
      out[c] = (steps * c * 8) / ((t - t0) * 1e6); // GFLOP/s: 4 lanes × (mul + add) per chain step
    }
    const best = CHAINS.reduce((b, c) => (out[c] > out[b] ? c : b), CHAINS[0]);
    return { gflops: out[best], chains: best, byChains: out };
  };
  parentPort.on('message', async ({ id, cmd, ...args }) => {
    try {
      if (cmd !== 'peak') throw new Error(`unknown command ${cmd}`);
      parentPort.postMessage({ id, result: await measure(args) });
    } catch (err) {
      parentPort.postMessage({ id, error: `${err?.stack ?? err}` });
    }
  });
  parentPort.postMessage({ ready: true });
}

try {
  if (workerData.mode === 'load') parentPort.postMessage({ result: await loadMode() });
  else if (workerData.mode === 'engine') await engineMode();
  else if (workerData.mode === 'peak') await peakMode();
  else throw new Error(`unknown mode ${workerData.mode}`);
} catch (err) {
  parentPort.postMessage({ error: `${err?.stack ?? err}` });
}
