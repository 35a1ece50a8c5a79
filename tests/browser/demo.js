// demo.js — the demo in a real browser: headless Chromium (Debian's) driven by
// playwright-core, the page served by demo/serve.js. Draws digits with real mouse moves on
// the pad and checks what the page shows; opens models of its own (.wcnn, ONNX, TF.js) with
// the page's file picker and by a drop. Prints "demo: N passed, N failed"; screenshots go
// to test-output/demo/. Any console error or failed request fails the test that caused it.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';
import { launchChromium, watchPage, runner, assert } from './chromium.js';
import { serveDemo } from '../../demo/serve.js';
import { createModel, loadModel } from '../../dist/wasm-cnn.js'; // the build the page runs
import { OnnxBuilder } from '../js/support/onnx-build.js';
import { rng } from '../fixtures.js';

const out = fileURLToPath(new URL('../../test-output/demo/', import.meta.url));
mkdirSync(out, { recursive: true });
const repo = fileURLToPath(new URL('../../', import.meta.url));
// the shipped digit model as Node reads it: what the page must show when it opens the file
const SHIPPED = await loadModel(new Uint8Array(readFileSync(join(repo, 'models/digits.wcnn'))));
const SHIPPED_PARAMS = new RegExp(`Total params: ${SHIPPED.paramCount.toLocaleString('en-US')}\\b`);
const tmp = mkdtempSync(join(tmpdir(), 'wasm-cnn-demo-')); // models and images the tests pick
const { server, url } = await serveDemo({ port: 0 });
const browser = await launchChromium();

const suite = runner('demo');
const problems = [];

async function openDemo(viewport) {
  const page = await browser.newPage({ viewport });
  watchPage(page, problems);
  await page.goto(url);
  await page.waitForSelector('html[data-ready="true"]', { timeout: 30000 });
  return page;
}

async function test(name, fn) {
  problems.length = 0;
  await suite.test(name, fn, problems);
}

/** Draws strokes (lists of [x, y] in 0..1 of the pad) with real mouse moves. */
async function draw(page, strokes) {
  const box = await page.getByTestId('pad').boundingBox();
  for (const stroke of strokes) {
    const [x0, y0] = stroke[0];
    await page.mouse.move(box.x + x0 * box.width, box.y + y0 * box.height);
    await page.mouse.down();
    for (let i = 1; i < stroke.length; i++) {
      const [xa, ya] = stroke[i - 1];
      const [xb, yb] = stroke[i];
      for (let s = 1; s <= 6; s++) { // intermediate moves, as a hand would make
        const t = s / 6;
        await page.mouse.move(box.x + (xa + (xb - xa) * t) * box.width, box.y + (ya + (yb - ya) * t) * box.height);
      }
    }
    await page.mouse.up();
  }
}

const ellipse = (cx, cy, rx, ry, n = 36) => Array.from({ length: n + 2 }, (_, i) => {
  const a = -Math.PI / 2 + (i / n) * 2 * Math.PI;
  return [cx + rx * Math.cos(a), cy + ry * Math.sin(a)];
});
const DIGITS = [
  ['1', [[[0.5, 0.16], [0.49, 0.5], [0.48, 0.84]]]],
  ['0', [ellipse(0.5, 0.5, 0.2, 0.31)]],
  ['7', [[[0.27, 0.2], [0.73, 0.2], [0.55, 0.52], [0.43, 0.84]]]],
  ['4', [[[0.62, 0.16], [0.28, 0.6], [0.76, 0.6]], [[0.6, 0.36], [0.6, 0.86]]]],
];

/** What the activation canvases hold: per layer, painted (not transparent) and varied. */
async function activationStats(page) {
  return page.evaluate(() => [...document.querySelectorAll('[data-testid="activations"] .layer')].map((layer) => {
    const canvases = [...layer.querySelectorAll('canvas.map, canvas.strip')];
    let painted = 0;
    let varied = 0;
    for (const cv of canvases) {
      const d = cv.getContext('2d').getImageData(0, 0, cv.width, cv.height).data;
      let opaque = true;
      let different = false;
      for (let i = 0; i < d.length; i += 4) {
        if (d[i + 3] !== 255) opaque = false;
        if (d[i] !== d[0] || d[i + 1] !== d[1] || d[i + 2] !== d[2]) different = true;
      }
      painted += opaque && d.length > 0;
      varied += different;
    }
    return { name: layer.querySelector('.layer-title').textContent, canvases: canvases.length, painted, varied };
  }));
}

await test('drawing 1, 0, 7 and 4 with the mouse: each is read right, every layer is shown', async () => {
  const page = await openDemo({ width: 1280, height: 1000 });
  for (const [digit, strokes] of DIGITS) {
    await page.getByTestId('clear').click();
    await draw(page, strokes);
    await page.waitForTimeout(100);
    const shown = await page.getByTestId('prediction').textContent();
    const padInk = await page.getByTestId('pad').evaluate((cv) => {
      const d = cv.getContext('2d').getImageData(0, 0, cv.width, cv.height).data;
      let dark = 0;
      for (let i = 0; i < d.length; i += 4) dark += d[i] < 128;
      return dark / (d.length / 4);
    });
    assert(padInk > 0.02 && padInk < 0.5, `the pad holds ${(padInk * 100).toFixed(1)}% ink after drawing a ${digit}`);
    // (an element screenshot first: it makes Chromium commit the canvas before the full page)
    await page.getByTestId('pad').screenshot({ path: `${out}pad-${digit}.png` });
    await page.screenshot({ path: `${out}drawn-${digit}.png`, fullPage: true });
    assert(shown === digit, `drew a ${digit}, the page says ${shown}`);
    const stats = await activationStats(page);
    const layers = await page.evaluate(() => window.demo.model.layers.length);
    assert(stats.length === layers, `expected ${layers} layers of maps, got ${stats.length}`);
    for (const s of stats) {
      assert(s.canvases > 0 && s.painted === s.canvases, `${s.name}: ${s.painted}/${s.canvases} maps painted`);
      assert(s.varied > 0, `${s.name}: every map is one flat colour`);
    }
    const input = await page.getByTestId('input28').evaluate((cv) => {
      const d = cv.getContext('2d').getImageData(0, 0, 28, 28).data;
      let ink = 0;
      for (let i = 0; i < d.length; i += 4) ink += d[i] > 128;
      return ink;
    });
    assert(input > 20, `the 28×28 view shows ${input} bright pixels`);
  }
  await page.close();
});

await test('Clear button and Escape reset the prediction and the views', async () => {
  const page = await openDemo({ width: 1280, height: 1000 });
  await draw(page, DIGITS[0][1]);
  assert((await page.getByTestId('prediction').textContent()) === '1', 'a 1 first');
  await page.getByTestId('clear').click();
  assert((await page.getByTestId('prediction').textContent()) === '–', 'Clear did not reset the prediction');
  const dark = await page.getByTestId('input28').evaluate((cv) => cv.getContext('2d').getImageData(0, 0, 28, 28).data.every((v, i) => i % 4 === 3 || v === 0));
  assert(dark, 'the 28×28 view is not blank after Clear');
  await draw(page, DIGITS[1][1]);
  assert((await page.getByTestId('prediction').textContent()) === '0', 'then a 0');
  await page.keyboard.press('Escape');
  assert((await page.getByTestId('prediction').textContent()) === '–', 'Escape did not clear');
  await page.close();
});

await test('a sample MNIST digit, the filters, the summary and the engine line are shown', async () => {
  const page = await openDemo({ width: 1280, height: 1000 });
  const samples = page.locator('.sample');
  assert((await samples.count()) === 20, 'expected 20 sample digits');
  const label = await samples.nth(14).getAttribute('aria-label');
  await samples.nth(14).click();
  const want = label.match(/a (\d)$/)[1];
  assert((await page.getByTestId('prediction').textContent()) === want, `sample ${label}: the page says ${await page.getByTestId('prediction').textContent()}`);
  const { filters, params } = await page.evaluate(() => {
    const m = window.demo.model;
    const first = m.layers.find((l) => l.type === 'conv2d');
    return { filters: Math.min(16, first.outputShape[2]), params: m.paramCount.toLocaleString('en-US') };
  });
  assert((await page.locator('#filters canvas').count()) === filters, `${filters} first-layer filters`);
  assert(new RegExp(`Total params: ${params}`).test(await page.locator('#summary').textContent()), 'the model summary');
  assert(/WebAssembly SIMD engine \(wasmsimd kernels\)/.test(await page.locator('#engine').textContent()), 'the engine line');
  const timing = await page.locator('#timing').textContent();
  const ms = Number(/inference (\d+\.\d+) ms/.exec(timing)?.[1]);
  // below 2 ms the page times repeated runs: the mean is then finer than the browser's clock
  assert(ms > 0 && (ms >= 2 || /\(mean of \d+ runs\)/.test(timing)), `the inference time: ${timing}`);
  // hovering a map enlarges it
  await page.locator('canvas.map').first().hover();
  assert(await page.locator('#zoom').isVisible(), 'hovering a map shows the enlarged view');
  await page.screenshot({ path: `${out}sample.png`, fullPage: true });
  await page.close();
});

await test('a phone-sized viewport: one column, drawing with touch-sized strokes still works', async () => {
  const page = await openDemo({ width: 390, height: 844 });
  const box = await page.getByTestId('pad').boundingBox();
  assert(box.width <= 390 && box.width > 250, `the pad is ${box.width}px wide in a 390px viewport`);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert(overflow <= 0, `the page is ${overflow}px wider than the phone`);
  await draw(page, DIGITS[2][1]);
  assert((await page.getByTestId('prediction').textContent()) === '7', 'a 7 on the phone layout');
  // (an element screenshot first: it makes Chromium commit the canvas before the full page)
  await page.getByTestId('pad').screenshot({ path: `${out}phone-pad.png` });
  await page.screenshot({ path: `${out}phone.png`, fullPage: true });
  await page.close();
});

// ─── Opening models of one's own ──────────────────────────────────────────────────────────

/** A counter the page keeps on <html> (loads: model opens finished, ok or not; inputs: images / random inputs used). */
const counter = (page, key) => page.evaluate((k) => Number(document.documentElement.dataset[k] || 0), key);
async function after(page, key, action) {
  const before = await counter(page, key);
  await action();
  await page.waitForFunction(([k, n]) => Number(document.documentElement.dataset[k] || 0) > n, [key, before], { timeout: 20000 });
}
/** Picks files with the page's "Open a model" picker; resolves once the page opened them or failed. */
const pickModel = (page, paths) => after(page, 'loads', () => page.getByTestId('model-file').setInputFiles(paths));
const pickImage = (page, path) => after(page, 'inputs', () => page.getByTestId('image-file').setInputFiles(path));
const errorText = async (page) => ((await page.getByTestId('error').isVisible()) ? page.getByTestId('error').textContent() : null);
const bitsOf = (f32) => Array.from(new Uint32Array(Float32Array.from(f32).buffer));

/** A minimal PNG encoder (8-bit RGBA, no filtering): rgbaAt(x, y) → [r, g, b, a]. */
function png(width, height, rgbaAt) {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc32 = (buf) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(td));
    return Buffer.concat([len, td, crc]);
  };
  const raw = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) raw.set(rgbaAt(x, y), y * (width * 4 + 1) + 1 + x * 4);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 6, 0, 0, 0], 8); // 8 bits, RGBA, deflate, no filter method, no interlace
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

await test('opening models/digits.wcnn with the picker: its summary and maps, a drawn 7 is read, the old model is disposed; back to the digit model', async () => {
  const page = await openDemo({ width: 1280, height: 1000 });
  const old = await page.evaluateHandle(() => window.demo.model);
  await pickModel(page, join(repo, 'models/digits.wcnn'));
  assert((await errorText(page)) === null, `an error is shown: ${await errorText(page)}`);
  assert(/Opened digits\.wcnn/.test(await page.getByTestId('model-status').textContent()), 'the status names the file');
  assert(SHIPPED_PARAMS.test(await page.getByTestId('summary').textContent()), `the summary of the opened model (${SHIPPED_PARAMS})`);
  assert(/digits/.test(await page.getByTestId('model-name').textContent()), 'the model name');
  assert(await page.getByTestId('back').isVisible(), 'a "back to the digit model" button');
  const gone = await old.evaluate((m) => { try { m.predict(new Float32Array(784)); return 'alive'; } catch (e) { return e.message; } });
  assert(/disposed/.test(gone), `the previous model is disposed (${gone})`);
  await draw(page, DIGITS[2][1]);
  await page.waitForTimeout(100);
  assert((await page.getByTestId('prediction').textContent()) === '7', `drew a 7, the page says ${await page.getByTestId('prediction').textContent()}`);
  const stats = await activationStats(page);
  assert(stats.length === SHIPPED.layers.length, `expected ${SHIPPED.layers.length} layers of maps, got ${stats.length}`);
  for (const s of stats) assert(s.canvases > 0 && s.painted === s.canvases && s.varied > 0, `${s.name}: ${s.painted}/${s.canvases} maps painted, ${s.varied} varied`);
  const ranked = await page.locator('[data-testid="bars"] .bar .label').allTextContents();
  assert(ranked.length === 5 && ranked[0] === '7', `the top 5 classes, a 7 first: ${ranked}`);
  assert((await page.evaluate(() => window.demo.input.length)) === 784, 'window.demo.input is the 28×28 input');
  await page.getByTestId('pad').screenshot({ path: `${out}wcnn-pad.png` });
  await page.screenshot({ path: `${out}wcnn-opened.png`, fullPage: true });
  await after(page, 'loads', () => page.getByTestId('back').click());
  assert(await page.getByTestId('back').isHidden(), 'back at the digit model, the button is hidden');
  assert((await page.locator('[data-testid="bars"] .bar').count()) === 10, 'the digit model shows its 10 bars again');
  assert((await page.getByTestId('prediction').textContent()) === '7', 'and reads the 7 still on the pad');
  await page.close();
});

await test('an ONNX model (conv → relu → pool → flatten → gemm, 32×32×3) and a picked 40×30 PNG: layers, maps, and bit for bit what Node predicts', async () => {
  const b = new OnnxBuilder({ rand: rng(7), opset: 13 });
  let y = b.conv('conv1', 'x', { cin: 3, cout: 8, k: 3, pads: [1, 1, 1, 1] });
  y = b.op('Relu', [y], {}, 'relu1');
  y = b.op('MaxPool', [y], { kernel_shape: [2, 2], strides: [2, 2], pads: [0, 0, 0, 0] }, 'pool');
  y = b.op('Flatten', [y], { axis: 1 }, 'flat');
  y = b.gemm('fc', y, 16 * 16 * 8, 10);
  const bytes = b.build({ input: ['x', ['N', 3, 32, 32]], output: y });
  const onnxPath = join(tmp, 'tiny-cnn.onnx');
  writeFileSync(onnxPath, bytes);
  // red on the left, blue on the right, a green band over the top third
  const pngPath = join(tmp, 'red-blue-40x30.png');
  writeFileSync(pngPath, png(40, 30, (x, yy) => (yy < 10 ? [0, 255, 0, 255] : x < 20 ? [255, 0, 0, 255] : [0, 0, 255, 255])));

  const page = await openDemo({ width: 1280, height: 1000 });
  await pickModel(page, onnxPath);
  assert((await errorText(page)) === null, `an error is shown: ${await errorText(page)}`);
  const summary = await page.getByTestId('summary').textContent();
  for (const name of ['/conv1/Conv', '/pool/MaxPool', '/flat/Flatten', '/fc/Gemm', 'Total params: 20,714']) assert(summary.includes(name), `the summary shows ${name}:\n${summary}`);
  assert(/tiny-cnn\.onnx/.test(await page.getByTestId('model-name').textContent()), 'the file name is shown');
  const shape = await page.evaluate(() => window.demo.model.inputShape);
  assert(JSON.stringify(shape) === '[32,32,3]', `inputShape ${JSON.stringify(shape)}`);
  assert(await page.getByTestId('pad').isHidden(), 'no drawing pad for a 32×32×3 model');
  assert(await page.getByTestId('random').isVisible(), 'a random input button');
  await pickImage(page, pngPath);
  assert((await errorText(page)) === null, `an error is shown: ${await errorText(page)}`);
  const stats = await activationStats(page);
  assert(stats.length === 4, `expected 4 layers of maps, got ${stats.length}`);
  assert(stats[0].canvases === 8 && stats[1].canvases === 8, `8 maps for the conv and the pool: ${JSON.stringify(stats)}`);
  for (const s of stats) assert(s.canvases > 0 && s.painted === s.canvases && s.varied > 0, `${s.name}: ${s.painted}/${s.canvases} maps painted, ${s.varied} varied`);
  const view = await page.getByTestId('input28').evaluate((cv) => [cv.width, cv.height]);
  assert(view.join() === '32,32', `the input view is ${view}`);

  const fromPage = await page.evaluate(() => {
    const x = window.demo.input;
    return { x: Array.from(x), bits: Array.from(new Uint32Array(x.buffer, x.byteOffset, x.length)), y: Array.from(new Uint32Array(window.demo.model.predict(x).buffer)) };
  });
  const px = (row, col) => fromPage.x.slice((row * 32 + col) * 3, (row * 32 + col) * 3 + 3);
  const near = (got, want) => got.every((v, i) => Math.abs(v - want[i]) < 0.05);
  assert(near(px(24, 4), [1, 0, 0]) && near(px(24, 28), [0, 0, 1]) && near(px(3, 16), [0, 1, 0]), `the image resized to 32×32 RGB in [0, 1]: ${px(24, 4)} ${px(24, 28)} ${px(3, 16)}`);
  const node = await loadModel(bytes);
  const want = bitsOf(node.predict(new Float32Array(new Uint32Array(fromPage.bits).buffer)));
  node.dispose();
  assert(want.length === 10 && want.every((v, i) => v === fromPage.y[i]), `the page's outputs differ from Node's:\n${fromPage.y}\n${want}`);
  const out10 = new Float32Array(new Uint32Array(want).buffer);
  const best = out10.indexOf(Math.max(...out10));
  const ranked = await page.locator('[data-testid="bars"] .bar .label').allTextContents();
  assert(ranked.length === 5 && ranked[0] === String(best) && (await page.getByTestId('prediction').textContent()) === String(best), `the top class is ${best}; the page ranks ${ranked}`);
  await page.screenshot({ path: `${out}onnx-image.png`, fullPage: true });
  await page.close();
});

await test('a TF.js model.json with its shard (picked together) loads and runs random input as tfjs does; model.json alone names the missing shard', async () => {
  const { saveTfjs, randomizeWeights, maxRelAbsError, SHARD, tf, tfl } = await import('../js/support/tfjs-import/helpers.js');
  tf.env().set('PROD', true); // no "install our node backend" banner in the test log
  const keras = tfl.sequential({
    name: 'tiny_keras',
    layers: [
      tfl.layers.conv2d({ inputShape: [12, 12, 3], filters: 4, kernelSize: 3, activation: 'relu', name: 'c1' }),
      tfl.layers.maxPooling2d({ poolSize: 2, name: 'p1' }),
      tfl.layers.flatten({ name: 'flat' }),
      tfl.layers.dense({ units: 3, activation: 'softmax', name: 'out' }),
    ],
  });
  randomizeWeights(keras, 3);
  const { modelJson, bytes } = await saveTfjs(keras);
  const dir = join(tmp, 'tfjs');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'model.json'), JSON.stringify(modelJson));
  writeFileSync(join(dir, SHARD), bytes);

  const page = await openDemo({ width: 1280, height: 1000 });
  await pickModel(page, [join(dir, 'model.json')]);
  const err = await errorText(page);
  assert(err && err.includes(SHARD) && /model\.json/.test(err), `the error names the missing shard: ${err}`);
  assert(/Running the digit model/.test(await page.getByTestId('model-status').textContent()), 'the digit model still runs');
  await page.screenshot({ path: `${out}tfjs-missing-shard.png` });
  await pickModel(page, [join(dir, 'model.json'), join(dir, SHARD)]);
  assert((await errorText(page)) === null, `an error is shown: ${await errorText(page)}`);
  const summary = await page.getByTestId('summary').textContent();
  for (const name of ['c1', 'p1', 'flat', 'out', 'Total params: 415']) assert(summary.includes(name), `the summary shows ${name}:\n${summary}`);
  assert(/tiny_keras/.test(await page.getByTestId('model-name').textContent()), 'the model name');
  assert(JSON.stringify(await page.evaluate(() => window.demo.model.inputShape)) === '[12,12,3]', 'inputShape [12, 12, 3]');
  await after(page, 'inputs', () => page.getByTestId('random').click());
  const stats = await activationStats(page);
  assert(stats.length === 4 && stats.every((s) => s.canvases > 0 && s.painted === s.canvases), `maps of 4 layers painted: ${JSON.stringify(stats)}`);
  const { x, y } = await page.evaluate(() => ({ x: Array.from(window.demo.input), y: Array.from(window.demo.model.predict(window.demo.input)) }));
  const ref = tf.tidy(() => keras.predict(tf.tensor(x, [1, 12, 12, 3])).dataSync().slice());
  const e = maxRelAbsError(Float32Array.from(y), ref);
  assert(e < 1e-5, `the page's outputs differ from tfjs's by ${e}`);
  assert((await page.locator('[data-testid="bars"] .bar').count()) === 3, 'three classes, three bars');
  await page.screenshot({ path: `${out}tfjs-opened.png`, fullPage: true });
  await page.close();
});

await test('files that are not models: a .txt, an HTML page, an ONNX op the engine lacks — the error box says why, the digit model keeps running', async () => {
  const txt = join(tmp, 'notes.txt');
  writeFileSync(txt, 'just some notes, not a model\n');
  const html = join(tmp, 'index.html');
  writeFileSync(html, '<!doctype html><html><body>404</body></html>\n');
  const b = new OnnxBuilder({ rand: rng(1), opset: 13 });
  const t = b.op('Transpose', [b.conv('c', 'x', { cin: 1, cout: 2, k: 3 })], { perm: [0, 2, 3, 1] }, 't');
  const onnx = join(tmp, 'transpose.onnx');
  writeFileSync(onnx, b.build({ input: ['x', ['N', 1, 8, 8]], output: t }));

  const page = await openDemo({ width: 1280, height: 1000 });
  for (const [path, want] of [[txt, /Could not open notes\.txt[\s\S]*not a wasm-cnn model/], [html, /HTML page/], [onnx, /Transpose/]]) {
    await pickModel(page, path);
    const err = await errorText(page);
    assert(err && want.test(err), `${path}: the error box says ${err}`);
    if (path === txt) await page.screenshot({ path: `${out}error-not-a-model.png` });
  }
  assert((await page.getByTestId('error').getAttribute('role')) === 'alert', 'the error box is an alert region');
  assert(JSON.stringify(await page.evaluate(() => window.demo.model.inputShape)) === '[28,28,1]', 'the digit model is still loaded');
  await page.locator('.sample').nth(0).click();
  assert(/^\d$/.test(await page.getByTestId('prediction').textContent()), 'and still reads a sample');
  await page.getByRole('button', { name: 'Dismiss the error' }).click();
  assert((await errorText(page)) === null, 'the error box can be dismissed');
  await page.close();
});

/** A DataTransfer made in the page holding one file with these bytes (as a drop would). */
const dataTransfer = (page, bytes, name) => page.evaluateHandle(([data, fileName]) => {
  const transfer = new DataTransfer();
  transfer.items.add(new File([Uint8Array.from(atob(data), (c) => c.charCodeAt(0))], fileName, { type: 'application/octet-stream' }));
  return transfer;
}, [Buffer.from(bytes).toString('base64'), name]);

await test('dropping a .wcnn on the page (a DataTransfer drop event) opens it; a dropped graph model with 24 channels shows 16 maps per layer and its skip connection', async () => {
  const page = await openDemo({ width: 1280, height: 1000 });
  const dt = await dataTransfer(page, readFileSync(join(repo, 'models/digits.wcnn')), 'dropped.wcnn');
  await page.dispatchEvent('main', 'dragenter', { dataTransfer: dt });
  assert(await page.locator('#drop-overlay').isVisible(), 'dragging files over the page shows the drop overlay');
  await after(page, 'loads', () => page.dispatchEvent('[data-testid="activations"]', 'drop', { dataTransfer: dt }));
  assert(await page.locator('#drop-overlay').isHidden(), 'the overlay is gone after the drop');
  assert((await errorText(page)) === null, `an error is shown: ${await errorText(page)}`);
  assert(/Opened dropped\.wcnn/.test(await page.getByTestId('model-status').textContent()), 'the status names the dropped file');
  assert(SHIPPED_PARAMS.test(await page.getByTestId('summary').textContent()), `its summary (${SHIPPED_PARAMS})`);
  await draw(page, DIGITS[0][1]);
  assert((await page.getByTestId('prediction').textContent()) === '1', 'and it reads a drawn 1');

  const graph = await createModel({
    input: [20, 20, 3],
    layers: [
      { type: 'conv2d', filters: 24, kernel: 3, padding: 'same', activation: 'relu', name: 'c1' },
      { type: 'conv2d', filters: 24, kernel: 3, padding: 'same', name: 'c2' },
      { type: 'add', inputs: ['c2', 'c1'], activation: 'relu', name: 'skip' },
      { type: 'globalavgpool2d', name: 'gap' },
      { type: 'dense', units: 12, activation: 'softmax', name: 'out' },
    ],
    seed: 5,
    metadata: { name: 'skip-net', labels: Array.from({ length: 12 }, (_, i) => `class ${String.fromCharCode(65 + i)}`) },
  });
  const graphBytes = graph.save();
  graph.dispose();
  await after(page, 'loads', async () => page.dispatchEvent('body', 'drop', { dataTransfer: await dataTransfer(page, graphBytes, 'skip.wcnn') }));
  assert((await errorText(page)) === null, `an error is shown: ${await errorText(page)}`);
  assert(/skip-net/.test(await page.getByTestId('model-name').textContent()), 'the model name from its metadata');
  await after(page, 'inputs', () => page.getByTestId('random').click());
  const stats = await activationStats(page);
  assert(stats.map((s) => s.canvases).join() === '16,16,16,1,1', `16 maps for the 24-channel layers, strips for the vectors: ${JSON.stringify(stats)}`);
  for (const s of stats) assert(s.painted === s.canvases && s.varied > 0, `${s.name}: ${s.painted}/${s.canvases} maps painted, ${s.varied} varied`);
  const notes = await page.locator('.channels-note').allTextContents();
  assert(notes.length === 3 && notes.every((t) => t === '16 of 24 channels shown'), `a note per capped layer: ${notes}`);
  assert(/from c2, c1/.test(await page.locator('.layer').nth(2).textContent()), 'the add layer names its inputs');
  const ranked = await page.locator('[data-testid="bars"] .bar .label').allTextContents();
  assert(ranked.length === 5 && ranked.every((t) => /^class [A-L]$/.test(t)), `the top 5 with the model's labels: ${ranked}`);
  await page.screenshot({ path: `${out}graph-dropped.png`, fullPage: true });
  await page.close();
});

// ─── The explain panel, saliency, samples, layout ─────────────────────────────────────────

/** The engine's value of the explained cell (root.dataset.explained = "layer:y,x,c"). */
const explainedCell = (page) => page.evaluate(() => {
  const [name, pos] = document.documentElement.dataset.explained.split(':');
  const [y, x, c] = pos.split(',').map(Number);
  const m = window.demo.model;
  const i = m.layers.findIndex((l) => l.name === name);
  const shape = m.layers[i].outputShape;
  const [h, w, C] = shape.length === 3 ? shape : [1, 1, shape[0]];
  return { name, y, x, c, type: m.layers[i].type, value: m.activations()[i].data[(y * w + x) * C + c] };
});
const explainValue = async (page) => Number(await page.getByTestId('explain-result').getAttribute('data-value'));

await test('explain: clicking the brightest conv2d cell shows its window, filter, products, sum, bias and a value equal to the map; every layer’s cells too; arrow keys move the cell', async () => {
  const page = await openDemo({ width: 1280, height: 800 });
  await draw(page, DIGITS[2][1]);
  // the brightest cell of the first conv layer's first channel, found in the model itself
  const target = await page.evaluate(() => {
    const m = window.demo.model;
    const i = m.layers.findIndex((l) => l.type === 'conv2d');
    const a = m.activations()[i];
    const [h, w, C] = a.shape;
    let best = 0;
    for (let k = 0; k < h * w; k++) if (a.data[k * C] > a.data[best * C]) best = k;
    return { i, y: Math.floor(best / w), x: best % w, h, w, value: a.data[best * C], activation: m.config().layers[i].activation ?? 'linear' };
  });
  const map = page.locator(`canvas.map[data-layer="${target.i}"][data-ch="0"]`);
  const box = await map.boundingBox();
  await map.click({ position: { x: ((target.x + 0.5) / target.w) * box.width, y: ((target.y + 0.5) / target.h) * box.height } });
  const panel = page.getByTestId('explain');
  const text = await panel.textContent();
  const got = await explainValue(page);
  assert(Math.abs(got - target.value) <= 1e-5 * Math.max(1, Math.abs(target.value)), `explained ${got}, the map holds ${target.value}`);
  assert(target.value > 0, 'the brightest cell is positive');
  const f = { relu: 'ReLU', linear: 'a = z' }[target.activation]; // the layer's own activation
  assert(f, `the test knows the first conv layer's activation (${target.activation})`);
  for (const word of ['wᵀx + b', 'Σ x·w', 'b', 'z = Σ + b', f, 'x (window', 'w (filter)', 'x·w', 'Receptive field']) assert(text.includes(word), `the panel shows “${word}”: ${text.slice(0, 300)}`);
  assert((await panel.locator('table.cells').count()) >= 3, 'x, w and x·w grids');
  assert((await page.locator('#input-marks .mark.window').count()) === 1 && (await page.locator('#input-marks .mark.field').count()) === 1, 'the window and the receptive field are drawn on the input');
  assert((await map.locator('xpath=..').locator('.mark.cell').count()) === 1, 'the cell is marked on its map');
  await page.screenshot({ path: `${out}explain-conv.png` });
  // arrow keys: one column right, one row down — each explained value is the engine's
  for (const [key, dy, dx] of [['ArrowRight', 0, 1], ['ArrowDown', 1, 0]]) {
    const before = await explainedCell(page);
    await page.keyboard.press(key);
    const after = await explainedCell(page);
    assert(after.y === Math.min(before.y + dy, target.h - 1) && after.x === Math.min(before.x + dx, target.w - 1), `${key}: ${JSON.stringify(before)} → ${JSON.stringify(after)}`);
    assert(Math.abs((await explainValue(page)) - after.value) <= 1e-5 * Math.max(1, Math.abs(after.value)), `${key}: the value follows`);
  }
  // one cell of every layer (the middle of its first map or strip)
  const layers = await page.evaluate(() => window.demo.model.layers.length);
  const kinds = [];
  for (let i = 0; i < layers; i++) {
    const cv = page.locator(`canvas[data-layer="${i}"]`).first();
    await cv.click({ position: { x: ((await cv.boundingBox()).width * 0.55), y: ((await cv.boundingBox()).height * 0.5) } });
    const cell = await explainedCell(page);
    const v = await explainValue(page);
    kinds.push(cell.type);
    assert(Math.abs(v - cell.value) <= 1e-5 * Math.max(1, Math.abs(cell.value)), `${cell.name} (${cell.type}) ${cell.y},${cell.x},${cell.c}: explained ${v}, engine ${cell.value}`);
    assert(/= the map's cell/.test(await page.getByTestId('explain').textContent()), `${cell.name}: the panel agrees with the map`);
  }
  // the panel follows the drawing
  const before = await explainValue(page);
  await page.getByTestId('clear').click();
  await draw(page, DIGITS[1][1]);
  const cell = await explainedCell(page);
  const now = await explainValue(page);
  assert(now !== before && Math.abs(now - cell.value) <= 1e-5 * Math.max(1, Math.abs(cell.value)), `after a new drawing the panel shows ${now} (was ${before}; the engine ${cell.value})`);
  // a bar explains its output (the softmax)
  await page.locator('[data-testid="bars"] .bar').nth(0).click();
  assert(/softmax/.test(await page.getByTestId('explain').textContent()), 'a bar explains the softmax output');
  console.log(`      explained: ${kinds.join(', ')}`);
  await page.close();
});

await test('explain on a graph model and a dense-softmax output: add, batchnorm, depthwise, pool and dense cells equal the engine’s', async () => {
  const page = await openDemo({ width: 1280, height: 900 });
  const model = await createModel({
    input: [28, 28, 1],
    layers: [
      { type: 'conv2d', filters: 4, kernel: 3, stride: 2, padding: 'same', name: 'c1', activation: 'relu6' },
      { type: 'depthwiseconv2d', kernel: 3, padding: 'same', dilation: 2, name: 'dw' },
      { type: 'batchnorm', name: 'bn' },
      { type: 'add', inputs: ['bn', 'c1'], activation: 'relu', name: 'skip' },
      { type: 'avgpool2d', size: 3, stride: 2, padding: [1, 1, 1, 1], countIncludePad: true, name: 'pool' },
      { type: 'flatten', name: 'flat' },
      { type: 'dense', units: 10, activation: 'softmax', name: 'out' },
    ],
    seed: 3,
    metadata: { name: 'explain-graph' },
  });
  const r = rng(7);
  const bn = model.layers[2];
  model.setWeights(2, Object.fromEntries(bn.tensors.map((t) => [t.name, new Float32Array(t.size).map(() => (t.name === 'movingVariance' ? 0.5 + r() : r() - 0.5))])));
  const bytes = model.save();
  model.dispose();
  await after(page, 'loads', async () => page.dispatchEvent('body', 'drop', { dataTransfer: await dataTransfer(page, bytes, 'graph.wcnn') }));
  await draw(page, DIGITS[3][1]);
  for (let i = 0; i < 7; i++) {
    const cv = page.locator(`canvas[data-layer="${i}"]`).first();
    const b = await cv.boundingBox();
    await cv.click({ position: { x: b.width * 0.4, y: b.height * 0.6 } });
    const cell = await explainedCell(page);
    const v = await explainValue(page);
    assert(Math.abs(v - cell.value) <= 1e-5 * Math.max(1, Math.abs(cell.value)), `${cell.name} (${cell.type}) ${cell.y},${cell.x},${cell.c}: explained ${v}, engine ${cell.value}`);
  }
  await page.screenshot({ path: `${out}explain-graph.png` });
  await page.close();
});

await test('saliency: switched on, the input gradient of the predicted class is drawn over the input (red and blue), and follows the drawing; off hides it', async () => {
  const page = await openDemo({ width: 1280, height: 800 });
  await draw(page, DIGITS[2][1]);
  await page.getByTestId('saliency-toggle').check();
  const sal = page.getByTestId('saliency');
  assert(await sal.isVisible(), 'the saliency map is shown');
  const stats = () => sal.evaluate((cv) => {
    const d = cv.getContext('2d').getImageData(0, 0, cv.width, cv.height).data;
    let red = 0;
    let blue = 0;
    for (let i = 0; i < d.length; i += 4) {
      if (d[i] > d[i + 2] + 60) red++;
      if (d[i + 2] > d[i] + 60) blue++;
    }
    return { red, blue, max: Number(cv.dataset.max), cls: document.documentElement.dataset.saliency, predicted: document.documentElement.dataset.predicted };
  });
  const a = await stats();
  assert(a.red > 5 && a.blue > 5 && a.max > 0, `red ${a.red}, blue ${a.blue} pixels, max |∂| ${a.max}`);
  assert(a.cls === a.predicted || a.predicted === undefined, `saliency for class ${a.cls}, predicted ${a.predicted}`);
  // the heat map is the engine's input gradient: compare one pixel's sign with gradients() in the page
  const agree = await page.evaluate(() => {
    const m = window.demo.model;
    const x = window.demo.input;
    const y = m.predict(x);
    let best = 0;
    for (let i = 1; i < y.length; i++) if (y[i] > y[best]) best = i;
    const g = m.gradients(x, Int32Array.of(best), 1, { loss: 'crossentropy' }).input;
    let k = 0;
    for (let i = 1; i < g.length; i++) if (Math.abs(g[i]) > Math.abs(g[k])) k = i;
    const cv = document.querySelector('[data-testid="saliency"]');
    const d = cv.getContext('2d').getImageData(k % 28, Math.floor(k / 28), 1, 1).data;
    return { wantRed: g[k] < 0, red: d[0] > d[2] };
  });
  assert(agree.wantRed === agree.red, `the strongest pixel's colour follows the sign of −∂L/∂x: ${JSON.stringify(agree)}`);
  await page.getByTestId('saliency').screenshot({ path: `${out}saliency.png` });
  await page.getByTestId('clear').click();
  await draw(page, DIGITS[1][1]);
  const b = await stats();
  assert(b.max !== a.max, 'the saliency follows the new drawing');
  await page.getByTestId('saliency-toggle').uncheck();
  assert(!(await sal.isVisible()), 'off: hidden');
  await page.close();
});

await test('the 20 MNIST samples are fed as they are (no preprocessing) and read right, with their true label shown', async () => {
  const page = await openDemo({ width: 1280, height: 800 });
  const samples = page.locator('.sample');
  const wrong = [];
  for (let i = 0; i < (await samples.count()); i++) {
    const label = await samples.nth(i).getAttribute('aria-label');
    const [, index, want] = label.match(/digit (\d+), a (\d)$/);
    await samples.nth(i).click();
    // the input is the sample's bytes / 255 exactly
    const same = await page.evaluate(async (idx) => {
      const s = (await (await fetch('./samples.json')).json()).digits.find((d) => d.index === idx);
      const bytes = Uint8Array.from(atob(s.pixels), (c) => c.charCodeAt(0));
      const x = window.demo.input;
      return x.length === 784 && bytes.every((b, k) => Math.abs(x[k] - b / 255) < 1e-7);
    }, Number(index));
    assert(same, `sample ${index}: the model's input is the 28×28 image itself`);
    const read = await page.evaluate(() => document.documentElement.dataset.predicted);
    const truth = await page.getByTestId('truth').textContent();
    assert(truth.includes(`its label is ${want}`), `sample ${index}: the truth line says “${truth}”`);
    if (read !== want) wrong.push(`${index}: ${want} read as ${read}`);
  }
  assert(wrong.length === 0, `misread samples: ${wrong.join('; ')}`);
  // drawing over a sample reads the pad again (preprocessed) and drops the label
  await page.getByTestId('pad').scrollIntoViewIfNeeded();
  await draw(page, DIGITS[0][1]);
  assert(!(await page.getByTestId('truth').isVisible()), 'the true label goes once the pad is drawn on');
  await page.close();
});

await test('labels and sizes: the output strip is labelled 0–9, small maps are at least 48 px, an unsure reading says so', async () => {
  const page = await openDemo({ width: 1280, height: 800 });
  await draw(page, DIGITS[2][1]);
  const strips = await page.locator('[data-testid="activations"] .layer').last().locator('.strip-labels span').allTextContents();
  assert(strips.join('') === '0123456789', `the output strip's labels: ${strips}`);
  const small = await page.evaluate(() => [...document.querySelectorAll('canvas.map')].map((c) => c.getBoundingClientRect().width).reduce((a, b) => Math.min(a, b), Infinity));
  assert(small >= 48, `the smallest map is drawn ${small}px wide`);
  // an unsure reading: scribbles until the model is below 60 % (found by the model itself)
  const scribbles = [
    [[[0.2, 0.5], [0.8, 0.5]]],
    [[[0.3, 0.3], [0.7, 0.7]], [[0.7, 0.3], [0.3, 0.7]]],
    [[[0.5, 0.2], [0.5, 0.8]], [[0.2, 0.5], [0.8, 0.5]]],
    [ellipse(0.35, 0.35, 0.12, 0.12), [[0.5, 0.5], [0.8, 0.85]]],
    [[[0.3, 0.25], [0.7, 0.25], [0.3, 0.75], [0.7, 0.75]]],
    [ellipse(0.5, 0.35, 0.15, 0.12), [[0.62, 0.4], [0.4, 0.82]], [[0.3, 0.6], [0.7, 0.6]]],
  ];
  // then seeded random scribbles (1–3 strokes of 2–4 points): a better model is sure of more shapes
  const r = rng(11);
  const point = () => [0.15 + 0.7 * r(), 0.15 + 0.7 * r()];
  for (let k = 0; k < 60; k++) scribbles.push(Array.from({ length: 1 + Math.floor(3 * r()) }, () => Array.from({ length: 2 + Math.floor(3 * r()) }, point)));
  let found = null;
  for (const strokes of scribbles) {
    await page.getByTestId('clear').click();
    await draw(page, strokes);
    const p = await page.evaluate(() => Array.from(window.demo.model.predict(window.demo.input)));
    const order = p.map((v, i) => [v, i]).sort((a, b) => b[0] - a[0]);
    if (order[0][0] < 0.6) {
      found = order;
      break;
    }
  }
  assert(found, `none of the ${scribbles.length} scribbles left the model unsure (< 60 %)`);
  const [[, a], [, b]] = found;
  const conf = await page.locator('#confidence').textContent();
  assert(conf.startsWith(`not sure: ${a} or ${b}?`), `unsure at ${(found[0][0] * 100).toFixed(1)}%: the page says “${conf}”`);
  assert((await page.getByTestId('prediction').textContent()) === '?', 'no confident label');
  await page.screenshot({ path: `${out}unsure.png` });
  await page.close();
});

await test('layout: at 1280×800 the prediction and the first layers’ maps are in view without scrolling; on a 390×844 phone the answer stays in view while drawing', async () => {
  const page = await openDemo({ width: 1280, height: 800 });
  await draw(page, DIGITS[2][1]);
  await page.evaluate(() => window.scrollTo(0, 0));
  const inView = (sel) => page.locator(sel).first().evaluate((e) => {
    const r = e.getBoundingClientRect();
    return r.width > 0 && r.top >= 0 && r.bottom <= window.innerHeight && r.left >= 0 && r.right <= window.innerWidth;
  });
  assert(await inView('[data-testid="prediction"]'), 'the prediction is in view at 1280×800');
  assert(await inView('[data-testid="bars"]'), 'the bars are in view at 1280×800');
  for (const i of [0, 1]) assert(await inView(`canvas.map[data-layer="${i}"]`), `layer ${i}'s maps are in view at 1280×800`);
  await page.screenshot({ path: `${fileURLToPath(new URL('../../test-output/', import.meta.url))}desktop-1280x800.png` });
  await page.close();
  const phone = await openDemo({ width: 390, height: 844 });
  const pad = await phone.getByTestId('pad').boundingBox();
  await phone.mouse.move(pad.x + pad.width * 0.27, pad.y + pad.height * 0.2);
  await phone.mouse.down();
  for (const [x, y] of [[0.73, 0.2], [0.6, 0.45], [0.5, 0.65], [0.43, 0.84]]) await phone.mouse.move(pad.x + pad.width * x, pad.y + pad.height * y, { steps: 6 });
  // mid-stroke: the answer is on the pad, in view
  const verdict = phone.getByTestId('pad-verdict');
  assert(await verdict.isVisible(), 'the answer shows on the pad while drawing');
  const vb = await verdict.boundingBox();
  assert(vb.y >= 0 && vb.y + vb.height <= 844, `the answer is in view: ${JSON.stringify(vb)}`);
  assert(/^7 · \d/.test(await verdict.textContent()), `the answer reads ${await verdict.textContent()}`);
  await phone.screenshot({ path: `${fileURLToPath(new URL('../../test-output/', import.meta.url))}phone-390x844-drawing.png` });
  await phone.mouse.up();
  await phone.close();
});

await test('About is README.md rendered: headings, tables and code, no raw Markdown', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  watchPage(page, problems);
  await page.goto(`${url}about.html`);
  await page.waitForSelector('html[data-ready="true"]');
  const readme = readFileSync(join(repo, 'README.md'), 'utf8');
  const want = { h2: (readme.match(/^## /gm) ?? []).length, tables: (readme.match(/^\|\s*:?-{2,}/gm) ?? []).length, pre: (readme.match(/^\s*```/gm) ?? []).length / 2 };
  const got = await page.evaluate(() => ({ h2: document.querySelectorAll('#readme h2').length, tables: document.querySelectorAll('#readme table').length, pre: document.querySelectorAll('#readme pre').length, text: document.querySelector('#readme').innerText }));
  assert(got.h2 === want.h2 && got.tables === want.tables && got.pre === want.pre, `rendered ${JSON.stringify({ ...got, text: undefined })}, README has ${JSON.stringify(want)}`);
  assert(!/^#{1,6} |^\|[-: |]+\|$|\*\*/m.test(got.text), 'no raw Markdown in the page');
  assert((await page.locator('footer, header a[href="demo/"]').count()) >= 1, 'a way back to the demo');
  await page.screenshot({ path: `${out}about.png` });
  await page.close();
});

await browser.close();
server.close();
rmSync(tmp, { recursive: true, force: true });
console.log(`screenshots: ${out}`);
suite.finish();
