// bench/start.js — how long a program waits for its first LeNet-5 output: import the entry
// point, make the engine, load the model file, predict one image. The full entry
// (dist/wasm-cnn.js) against the inference-only one (dist/infer.js), each run in a fresh Node
// process (nothing compiled or cached yet), alternating, so both see the same machine. With
// --browser, the same in fresh Chromium pages (tests/browser/chromium.js) served from this
// repository by demo/serve.js. A benchmark, not a test.
//
//   node bench/start.js [--runs=N] [--browser]
//
// Each run reports, in milliseconds from just before `import()`: import (the module evaluated),
// engine (engineInfo(): the wasm decoded, compiled and instantiated),
// load (loadModel of bench/lenet5-mnist.wcnn's bytes, read before the clock starts), predict
// (the first predict, of an MNIST-like 28×28 image), and total. The figures are medians over
// N runs per entry (default 21); outputs are checked equal bit for bit between the entries.

import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './lenet.js';
import { median, fmt } from './stats.js';

const args = Object.fromEntries(process.argv.slice(2).map((a) => {
  const [k, v] = a.replace(/^--/, '').split('=');
  return [k, v ?? true];
}));
const runs = Number(args.runs ?? 21);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer, got ${args.runs}`);

const ENTRIES = { full: 'dist/wasm-cnn.js', infer: 'dist/infer.js' };
const MODEL = 'bench/lenet5-mnist.wcnn';
const STEPS = ['import', 'engine', 'load', 'predict', 'total'];

// One run, as a module's code: `entryUrl` and `modelBytes` are defined before it. An image
// with some structure (a ring), so the first predict is not of zeros.
const RUN = `
const image = new Float32Array(784);
for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) {
  const r = Math.hypot(y - 13.5, x - 13.5);
  image[y * 28 + x] = r > 6 && r < 9 ? 1 : 0;
}
const t = [performance.now()];
const api = await import(entryUrl);
t.push(performance.now());
await api.engineInfo();
t.push(performance.now());
const model = await api.loadModel(modelBytes);
t.push(performance.now());
const out = model.predict(image);
t.push(performance.now());
const ms = {};
['import', 'engine', 'load', 'predict'].forEach((k, i) => { ms[k] = t[i + 1] - t[i]; });
ms.total = t[4] - t[0];
const result = { ms, out: Array.from(out) };
`;

function nodeRun(entry) {
  const code = `import { readFileSync } from 'node:fs';
await import('data:text/javascript,export default 0'); // Node's module loader ready, as in a running program
const entryUrl = ${JSON.stringify(new URL(`../${entry}`, import.meta.url).href)};
const modelBytes = new Uint8Array(readFileSync(${JSON.stringify(join(ROOT, MODEL))}));
${RUN}
console.log(JSON.stringify(result));`;
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8' }));
}

async function browserRunner() {
  const { launchChromium } = await import('../tests/browser/chromium.js');
  const { serveDemo } = await import('../demo/serve.js');
  const browser = await launchChromium();
  const { server, url: demo } = await serveDemo({ port: 0 });
  const url = new URL(demo).origin;
  return {
    async run(entry) {
      // a fresh context: no module, compiled code or HTTP cache shared between runs
      const context = await browser.newContext();
      const page = await context.newPage();
      // an empty page of the server's origin, so that the entry and the model are same-origin
      await page.route(`${url}/start.html`, (route) => route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>start</title>' }));
      await page.goto(`${url}/start.html`);
      const modelUrl = `${url}/${MODEL}`;
      const result = await page.evaluate(async ({ entryUrl, modelUrl, run }) => {
        const modelBytes = new Uint8Array(await (await fetch(modelUrl)).arrayBuffer());
        // the run's code as an async function of its two inputs
        const fn = new Function('entryUrl', 'modelBytes', `return (async () => { ${run}; return result; })();`);
        return fn(entryUrl, modelBytes);
      }, { entryUrl: `${url}/${entry}`, modelUrl, run: RUN });
      await context.close();
      return result;
    },
    async close() {
      server.close();
      await browser.close();
    },
  };
}

async function main() {
  const where = args.browser ? 'Chromium pages' : 'Node processes';
  const runner = args.browser ? await browserRunner() : { run: async (entry) => nodeRun(entry), close() {} };
  const samples = { full: [], infer: [] };
  let reference = null;
  try {
    for (let r = 0; r < runs; r++) {
      for (const name of r % 2 ? ['infer', 'full'] : ['full', 'infer']) {
        const { ms, out } = await runner.run(ENTRIES[name]);
        reference ??= out;
        if (out.some((v, i) => !Object.is(v, reference[i]))) {
          throw new Error(`start: ${name}'s output differs from the first run's: ${out} vs ${reference}`);
        }
        samples[name].push(ms);
      }
    }
  } finally {
    await runner.close();
  }
  console.log(`First LeNet-5 output, medians of ${runs} fresh ${where} per entry (ms; Node ${process.version}):\n`);
  console.log(`| entry | ${STEPS.join(' | ')} |`);
  console.log(`|---|${STEPS.map(() => '---:').join('|')}|`);
  for (const name of ['full', 'infer']) {
    console.log(`| ${ENTRIES[name]} | ${STEPS.map((k) => fmt(median(samples[name].map((s) => s[k])))).join(' | ')} |`);
  }
  const ratio = median(samples.infer.map((s, i) => s.total / samples.full[i].total));
  console.log(`\ninfer/full total, median of the per-round ratios: ${fmt(ratio)}`);
}

await main();
