// bench/pool.js — a zoo model (bench/zoo.js; LeNet-5 by default), batch 256: images per
// second of one thread (model.predictBatch) against createPool's workers (pool.predictBatch),
// interleaved round by round in one process, so both see the same machine. A benchmark, not a
// test. npm run bench measures the same pool beside ORT on 2 threads (bench/RESULTS.md); this
// script looks closer: undisturbed rounds apart, and the machine's own ceiling.
//
//   node bench/pool.js [--model=lenet5|vgg|mobilenet|resnet8] [--rounds=N] [--workers=W]
//                      [--batch=B] [--source] [--wait-quiet[=MINUTES]] [--max-minutes=M]
//
// The machine has 2 cores: anything else running takes a worker's core, so compare only runs
// made on a quiet machine (--wait-quiet waits up to MINUTES, default 30, for a 1-minute load
// average < 0.5 and < 10% of a core busy over 10 s, as npm run bench does: bench/stats.js).
//
// Defaults: LeNet-5 with the MNIST weights of bench/lenet5-mnist.wcnn, 30 rounds, 2 workers,
// batch 256, the package's entry point (dist/wasm-cnn.js; --source: js/index.js); the inputs
// are the zoo model's (MNIST test images for LeNet-5); outputs are checked equal bit for bit
// before anything is timed.
//
// A block times one side over ≥ 5 calls and ≥ 400 ms. The machine drifts between speeds, so
// each pool block sits between two 1-thread blocks and is compared with their mean: the
// figures are medians over rounds, the speed-up the median of the per-round ratios. Beside
// it, the machine's own ceiling: W one-worker pools at once, each on a whole batch of its own
// (nothing split), against 1 thread. A round in which the rest of the
// machine used ≥ 0.15 of a core (/proc/stat) is reported apart; the run goes on until it has
// N undisturbed rounds (or M minutes, default 10, have passed).
import { cpus, loadavg } from 'node:os';
import { median, fmt, fmtRatio, systemCpu, waitQuiet } from './stats.js';
import { zooEntry, zooImages, zooModel } from './zoo.js';

const args = Object.fromEntries(process.argv.slice(2).map((a) => {
  const [k, v] = a.replace(/^--/, '').split('=');
  return [k, v ?? true];
}));
const rounds = Number(args.rounds ?? 30);
const workers = Number(args.workers ?? 2);
const batch = Number(args.batch ?? 256);
for (const [k, v] of Object.entries({ rounds, workers, batch })) {
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${k} must be a positive integer, got ${v}`);
}
const entry = zooEntry(args.model ?? 'lenet5');
if (args['wait-quiet']) await waitQuiet(args['wait-quiet'] === true ? 30 : Number(args['wait-quiet']), console.log);
const lib = await import(args.source ? '../js/index.js' : 'wasm-cnn');

const model = await zooModel(lib, entry);
const images = zooImages(entry, batch);
const pool = await lib.createPool(model, { workers });
// the machine's own ceiling: `workers` engines at once, each on a whole batch of its own (one
// worker each: no batch to split), against one alone
const solos = await Promise.all(Array.from({ length: workers }, () => lib.createPool(model, { workers: 1 })));

// the same answers, bit for bit, before anything is timed
const want = model.predictBatch(images, batch);
const got = await pool.predictBatch(images, batch);
if (got.length !== want.length || !got.every((v, i) => v === want[i])) throw new Error('the pool\'s outputs differ from model.predictBatch');

/**
 * Images per second of `run` over ≥ 5 calls and ≥ 400 ms, and the CPU the rest of the machine
 * used meanwhile, in cores (all CPU time in /proc/stat less this process's, workers included):
 * on a 2-core machine, anything else running takes a worker's core.
 */
async function rate(run) {
  const sys0 = systemCpu();
  const cpu0 = process.cpuUsage();
  let calls = 0;
  const t0 = performance.now();
  let t = t0;
  do {
    await run();
    calls++;
    t = performance.now();
  } while (calls < 5 || t - t0 < 400);
  const seconds = (t - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const ours = (cpu.user + cpu.system) / 1e6;
  const sys1 = systemCpu();
  const others = sys0 && sys1 ? Math.max(0, (sys1.busy - sys0.busy - ours) / seconds) : 0;
  return { rate: (calls * batch) / seconds, others, cores: ours / seconds };
}
const single = () => model.predictBatch(images, batch);
const parallel = () => pool.predictBatch(images, batch);
const ceiling = () => Promise.all(solos.map((p) => p.predictBatch(images, batch)));

// warm-up: every side's code reaches its optimised tier
for (let i = 0; i < 3; i++) { await rate(single); await rate(parallel); await rate(ceiling); }

// The machine drifts between speeds (DEVELOPERS.md: two, ~1.5× apart), so the sides alternate,
// 1 thread, pool, 1 thread, pool … and each pool block is compared with the mean of the
// 1-thread blocks on either side of it. Rounds until `rounds` undisturbed ones (the rest of
// the machine used < 0.15 of a core during all three blocks), or --max-minutes (default 10).
const maxMinutes = Number(args['max-minutes'] ?? 10);
const deadline = Date.now() + maxMinutes * 60000;
const all = [];
let before = await rate(single);
while (all.filter((x) => x.clean).length < rounds && Date.now() < deadline) {
  const p = await rate(parallel);
  const c = await rate(ceiling);
  const after = await rate(single);
  const s = (before.rate + after.rate) / 2;
  all.push({
    single: s, pool: p.rate, ratio: p.rate / s, cores: p.cores, ceiling: (workers * c.rate) / s,
    clean: before.others < 0.15 && p.others < 0.15 && c.others < 0.15 && after.others < 0.15,
  });
  before = after;
}
pool.dispose();
for (const p of solos) p.dispose();
model.dispose();

const clean = all.filter((x) => x.clean);
const load = loadavg()[0];
console.log(`${entry.title}, batch ${batch}; Node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model?.trim()})${args.source ? '; js/ source' : ''}`);
const report = (label, rows) => {
  if (!rows.length) { console.log(`  ${label}: none`); return; }
  const ratios = rows.map((x) => x.ratio);
  console.log(`  ${label}: ${rows.length} rounds`);
  console.log(`    1 thread  (model.predictBatch)   ${fmt(median(rows.map((x) => x.single))).padStart(7)} images/s`);
  console.log(`    pool of ${workers} (pool.predictBatch)   ${fmt(median(rows.map((x) => x.pool))).padStart(7)} images/s (this process used ${fmt(median(rows.map((x) => x.cores)))} cores)`);
  console.log(`    speed-up ${fmtRatio(median(ratios))} (median of per-round ratios; range ${fmt(Math.min(...ratios))}–${fmt(Math.max(...ratios))})`);
  console.log(`    the machine's ceiling: ${workers} engines at once, each on its own batch of ${batch}, give ${fmtRatio(median(rows.map((x) => x.ceiling)))} one thread's images/s`);
};
report('undisturbed rounds (the rest of the machine used < 0.15 of a core)', clean);
report('every round', all);
if (clean.length < rounds) console.log(`  note: only ${clean.length} of ${rounds} undisturbed rounds in ${maxMinutes} min: the machine was busy`);
console.log(`  1-minute load average at the end: ${load.toFixed(2)}`);
