// fuzz-importers.js — the ONNX and TF.js importers against mutated model files, for a given
// number of seconds (make fuzz: FUZZ_SECONDS). Each input is a valid seed file (ONNX: the
// backend test models in tests/onnx-backend and two models written here; TF.js: a saved
// tfjs-layers model) damaged by seeded byte edits, truncation, extension, or (JSON) a field
// replaced by a hostile value. loadModel must resolve to a model or reject with an Error, in
// under 2 s, and the engine's memory must stay bounded. A failing input is saved to
// build/fuzz-importer-<n>.{onnx,json} with the seed that made it.
//   node fuzz/fuzz-importers.js SECONDS
import { readdirSync, readFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { engineInfo, loadModel } from '../js/index.js';
import { rng } from '../tests/fixtures.js';
import { OnnxBuilder, f } from '../tests/js/support/onnx-build.js';
import { saveTfjs, randomizeWeights, tfl } from '../tests/js/support/tfjs-import/helpers.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const seconds = Number(process.argv[2] ?? 60);
const deadline = Date.now() + seconds * 1000;

// ─── Seeds ─────────────────────────────────────────────────────────────────────────────────
const onnxSeeds = [];
const backend = join(root, 'tests/onnx-backend');
const walk = (dir) => {
  if (!existsSync(dir)) return;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) walk(join(dir, e.name));
    else if (e.name === 'model.onnx') onnxSeeds.push(readFileSync(join(dir, e.name)));
  }
};
walk(backend);
{
  // a conv → BN → relu → pool → flatten → gemm model and a residual one, written here so the
  // fuzzer runs without test data
  const b = new OnnxBuilder({ rand: rng(1), opset: 13 });
  let x = b.conv('c1', 'x', { cin: 2, cout: 3, pads: [1, 1, 1, 1] });
  x = b.bn('bn1', x, 3);
  x = b.op('Relu', [x]);
  x = b.op('MaxPool', [x], { kernel_shape: [2, 2], strides: [2, 2] });
  x = b.op('Flatten', [x], { axis: 1 });
  x = b.gemm('fc', x, 12, 4);
  onnxSeeds.push(b.build({ input: ['x', [1, 2, 4, 4]], output: x, outputDims: [1, 4] }));
  const g = new OnnxBuilder({ rand: rng(2), opset: 11 });
  const y = g.conv('c1', 'x', { cin: 2, cout: 2, pads: [1, 1, 1, 1] });
  const s = g.op('Add', [y, 'x']);
  const p = g.op('GlobalAveragePool', [g.op('Clip', [s], { min: f(0), max: f(6) })]);
  onnxSeeds.push(g.build({ input: ['x', [1, 2, 5, 5]], output: p, outputDims: [1, 2, 1, 1] }));
}
const m = tfl.sequential();
m.add(tfl.layers.conv2d({ inputShape: [6, 6, 2], filters: 3, kernelSize: 3, activation: 'relu' }));
m.add(tfl.layers.batchNormalization());
m.add(tfl.layers.maxPooling2d({ poolSize: 2 }));
m.add(tfl.layers.flatten());
m.add(tfl.layers.dense({ units: 4, activation: 'softmax' }));
randomizeWeights(m, 3);
const tfjsSeed = await saveTfjs(m);

// ─── Mutations ─────────────────────────────────────────────────────────────────────────────
const HOSTILE = [0, -1, 2 ** 31, 2 ** 53, -(2 ** 31), 1e308, NaN, null, '', 'x'.repeat(10000), [], {}, [2 ** 31, 2 ** 31], true];

function mutateBytes(bytes, r) {
  const b = new Uint8Array(bytes);
  const kind = Math.floor(r() * 4);
  if (kind === 0) return b.slice(0, Math.floor(r() * b.length));               // truncate
  if (kind === 1) {                                                              // extend
    const e = new Uint8Array(b.length + 1 + Math.floor(r() * 64));
    e.set(b);
    for (let i = b.length; i < e.length; i++) e[i] = Math.floor(r() * 256);
    return e;
  }
  const edits = 1 + Math.floor(r() * 8);                                         // flip / set bytes
  for (let k = 0; k < edits; k++) {
    const at = Math.floor(r() * b.length);
    b[at] = kind === 2 ? b[at] ^ (1 << Math.floor(r() * 8)) : [0, 0xff, 0x7f, 0x80, 0x08][Math.floor(r() * 5)];
  }
  return b;
}

function mutateJson(json, r) {
  const copy = JSON.parse(JSON.stringify(json));
  const paths = [];
  const visit = (o, p) => {
    if (o && typeof o === 'object') for (const k of Object.keys(o)) { paths.push([...p, k]); visit(o[k], [...p, k]); }
  };
  visit(copy, []);
  const edits = 1 + Math.floor(r() * 3);
  for (let k = 0; k < edits; k++) {
    const path = paths[Math.floor(r() * paths.length)];
    let o = copy;
    for (const key of path.slice(0, -1)) o = o?.[key];
    if (!o || typeof o !== 'object') continue;
    const last = path[path.length - 1];
    if (r() < 0.2) delete o[last];
    else o[last] = structuredClone(HOSTILE[Math.floor(r() * HOSTILE.length)]);   /* a fresh value: no cycles */
  }
  return copy;
}

// ─── The run ───────────────────────────────────────────────────────────────────────────────
mkdirSync(join(root, 'build'), { recursive: true });
const mem0 = (await engineInfo()).memoryBytes;
let runs = 0, imported = 0, refused = 0, failures = 0, slowest = 0;
const fail = (seed, what, file, bytes) => {
  failures++;
  const out = join(root, `build/fuzz-importer-${seed}.${file}`);
  writeFileSync(out, bytes);
  console.log(`FAIL seed ${seed}: ${what} (input saved as ${out})`);
};
for (let seed = 1; Date.now() < deadline; seed++) {
  const r = rng(seed * 2654435761);
  const onnx = r() < 0.6;
  let source, file, raw;
  if (onnx) {
    raw = mutateBytes(onnxSeeds[Math.floor(r() * onnxSeeds.length)], r);
    source = raw;
    file = 'onnx';
  } else {
    const json = r() < 0.7 ? mutateJson(tfjsSeed.modelJson, r) : tfjsSeed.modelJson;
    const weights = r() < 0.5 ? mutateBytes(tfjsSeed.bytes, r) : tfjsSeed.bytes;
    source = { modelJson: json, weights };
    raw = new TextEncoder().encode(JSON.stringify(json));
    file = 'json';
  }
  const t0 = performance.now();
  try {
    const net = await loadModel(source);
    imported++;
    net.dispose();
  } catch (err) {
    if (!(err instanceof Error) || !err.message) fail(seed, `threw ${String(err)} (not an Error with a message)`, file, raw);
    else refused++;
  }
  const ms = performance.now() - t0;
  slowest = Math.max(slowest, ms);
  if (ms > 2000) fail(seed, `took ${ms.toFixed(0)} ms`, file, raw);
  runs++;
}
const mem1 = (await engineInfo()).memoryBytes;
// models are freed after each run; the memory may have grown to hold the largest, not more
if (mem1 > Math.max(mem0, 64 * 2 ** 20)) fail(0, `wasm memory grew from ${mem0} to ${mem1} bytes`, 'txt', new TextEncoder().encode(''));
console.log(`fuzz-importers: ${runs} inputs in ${seconds} s (${onnxSeeds.length} ONNX seeds, 1 TF.js seed): ${imported} imported, ${refused} refused with an Error, ${failures} failures; slowest ${slowest.toFixed(0)} ms; wasm memory ${mem0} → ${mem1} bytes`);
process.exit(failures ? 1 : 0);
