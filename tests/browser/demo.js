// demo.js — the demo in a real browser: headless Chromium (Debian's) driven by
// playwright-core, the page served by demo/serve.js. Draws digits with real mouse moves on
// the pad and checks what the page shows. Prints "demo: N passed, N failed"; screenshots go
// to test-output/demo/. Any console error or failed request fails the test that caused it.
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { launchChromium, watchPage, runner, assert } from './chromium.js';
import { serveDemo } from '../../demo/serve.js';

const out = fileURLToPath(new URL('../../test-output/demo/', import.meta.url));
mkdirSync(out, { recursive: true });
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
    assert(stats.length === 8, `expected 8 layers of maps, got ${stats.length}`);
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
  assert((await page.locator('#filters canvas').count()) === 6, 'six first-layer filters');
  assert(/Total params: 61,706/.test(await page.locator('#summary').textContent()), 'the model summary');
  assert(/WebAssembly SIMD engine \(wasmsimd kernels\)/.test(await page.locator('#engine').textContent()), 'the engine line');
  assert(/inference \d+\.\d\d ms/.test(await page.locator('#timing').textContent()), 'the inference time');
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

await browser.close();
server.close();
console.log(`screenshots: ${out}`);
suite.finish();
