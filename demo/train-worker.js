// train-worker.js — the Train view's worker (demo/train.js starts it as a module worker):
// fetches the packed MNIST subset once, builds the chosen model, trains it with model.fit and
// reports as it goes. The page's thread only draws; the engine here is a second instance of
// the package (workers do not see the page's import map, hence the relative import).
//
// Messages in:  { type: 'check', id, layers }            build and dispose: summary or error
//               { type: 'train', layers, name, epochs, batchSize, learningRate, images, seed?, dataUrl }
//               { type: 'stop' }                         ends the run after the current batch
// Messages out: { type: 'checked', id, summary, paramCount, layerCount } | { …, error }
//               { type: 'status', text }                 what it is doing (fetching, building)
//               { type: 'data', train, test }            the data set is ready (image counts)
//               { type: 'model', summary, paramCount, layerCount, seed, totalSteps, filterLayer }
//               { type: 'progress', step, totalSteps, epoch, epochs, batch, batches, seen,
//                 loss, accuracy, imagesPerSecond, seconds }   at most every PROGRESS_MS
//               { type: 'filters', kernel, shape }       the first conv's HWIO kernel (a copy)
//               { type: 'eval', seen, epoch, loss, accuracy, stopped }  on the 2 000 test images
//               { type: 'done', bytes, stopped, accuracy, seconds, seen }  bytes: the .wcnn file
//               { type: 'error', text, missingData? }
import { createModel } from '../dist/wasm-cnn.js';

const PROGRESS_MS = 80; // a progress message at most this often (the plot's resolution)
const FILTERS_MS = 250; // the first layer's weights at most this often
const MAX_PARAMS = 5_000_000; // past this, one epoch would take many minutes here
const INPUT = [28, 28, 1];

let data = null; // { train: { x, y, n }, test: { x, y, n } }
let controller = null; // the running fit's AbortController
let stopAsked = false; // a Stop that came before fit started (while fetching or building)

const post = (msg, transfer) => self.postMessage(msg, transfer ?? []);

// ─── The data: build/demo/mnist-train.bin.gz (tools/mnist-pack.js has the layout) ─────────
const HEADER = 32;

async function loadData(url) {
  const res = await fetch(url);
  if (!res.ok) {
    const err = new Error(`${new URL(url).pathname}: HTTP ${res.status}`);
    err.missingData = true;
    throw err;
  }
  let bytes = new Uint8Array(await res.arrayBuffer());
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) { // gzip (a server may also have inflated it already)
    if (typeof DecompressionStream !== 'function') throw new Error('this browser has no DecompressionStream to inflate the training data (Chrome 80, Firefox 113, Safari 16.4 or later)');
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
    bytes = new Uint8Array(await new Response(stream).arrayBuffer());
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = new TextDecoder().decode(bytes.subarray(0, 8));
  if (magic !== 'wcnnMNST' || view.getUint32(8, true) !== 1 || view.getUint32(12, true) !== 4) {
    throw new Error(`${new URL(url).pathname} is not a packed MNIST file of version 1 (rebuild it with make)`);
  }
  const [rows, cols, nTrain, nTest] = [16, 20, 24, 28].map((at) => view.getUint32(at, true));
  const size = rows * cols;
  const want = HEADER + nTrain + nTest + ((nTrain + nTest) * size) / 2;
  if (rows !== 28 || cols !== 28 || bytes.length !== want) throw new Error(`${new URL(url).pathname}: ${bytes.length} bytes, the header promises ${want}`);
  const levels = Float32Array.from({ length: 16 }, (_, q) => q / 15);
  const images = (first, n) => { // 4-bit pixels → floats in [0, 1], (n, 28, 28, 1)
    const x = new Float32Array(n * size);
    const packed = bytes.subarray(HEADER + nTrain + nTest + (first * size) / 2);
    for (let i = 0; i < x.length; i += 2) {
      const b = packed[i >> 1];
      x[i] = levels[b >> 4];
      x[i + 1] = levels[b & 15];
    }
    return x;
  };
  return {
    train: { n: nTrain, x: images(0, nTrain), y: bytes.slice(HEADER, HEADER + nTrain) },
    test: { n: nTest, x: images(nTrain, nTest), y: bytes.slice(HEADER + nTrain, HEADER + nTrain + nTest) },
  };
}

// ─── The model ────────────────────────────────────────────────────────────────────────────
/** Builds the layers on a 28×28×1 input and checks it can learn digits; throws naming why not. */
async function build(layers, seed) {
  if (!Array.isArray(layers) || !layers.length) throw new Error('the layer list must be a non-empty JSON array of layers, like [{ "type": "flatten" }, { "type": "dense", "units": 10, "activation": "softmax" }]');
  const model = await createModel({ input: INPUT, layers, seed });
  try {
    const out = model.outputShape.reduce((a, b) => a * b, 1);
    if (out !== 10) throw new Error(`the last layer gives ${out} output${out === 1 ? '' : 's'} (${model.outputShape.join('×')}); digits need 10: end with { "type": "dense", "units": 10, "activation": "softmax" }`);
    const last = model.layers[model.layers.length - 1];
    if (last.activation !== 'softmax') throw new Error(`the last layer (${last.name}) has activation '${last.activation}'; training here uses cross-entropy over the 10 digits, which needs "activation": "softmax"`);
    if (model.paramCount > MAX_PARAMS) throw new Error(`${model.paramCount.toLocaleString('en')} parameters is more than this page trains (${MAX_PARAMS.toLocaleString('en')} at most)`);
  } catch (err) {
    model.dispose();
    throw err;
  }
  return model;
}

const firstConv = (model) => model.layers.findIndex((l) => l.type === 'conv2d');

function postFilters(model, index) {
  if (index < 0) return;
  const { kernel, kernelShape } = model.getWeights(index);
  post({ type: 'filters', kernel, shape: kernelShape }, [kernel.buffer]);
}

// ─── Training ─────────────────────────────────────────────────────────────────────────────
async function train({ layers, name, epochs, batchSize, learningRate, images, seed, dataUrl }) {
  if (!data) {
    post({ type: 'status', text: 'Fetching the training data…' });
    data = await loadData(dataUrl);
  }
  post({ type: 'data', train: data.train.n, test: data.test.n });
  const n = Math.min(images, data.train.n);
  const x = data.train.x.subarray(0, n * 784);
  const y = data.train.y.subarray(0, n);
  const test = data.test;

  const model = await build(layers, seed); // no seed: a random one (model.seed)
  try {
    await run(model, { name, epochs, batchSize, learningRate, x, y, n, test });
  } finally {
    if (!model.disposed) model.dispose();
  }
}

async function run(model, { name, epochs, batchSize, learningRate, x, y, n, test }) {
  const filterLayer = firstConv(model);
  const batches = Math.ceil(n / batchSize);
  const totalSteps = batches * epochs;
  post({ type: 'model', summary: model.summary(), paramCount: model.paramCount, layerCount: model.layers.length, seed: model.seed, totalSteps, filterLayer: filterLayer < 0 ? null : model.layers[filterLayer].name });
  postFilters(model, filterLayer);
  const before = model.evaluate(test.x, test.y);
  post({ type: 'eval', seen: 0, epoch: 0, loss: before.loss, accuracy: before.accuracy, stopped: false });

  controller = new AbortController();
  if (stopAsked) controller.abort();
  const start = performance.now();
  let seen = 0;
  let step = 0;
  // what the next progress message averages: the batches since the last one
  let acc = { loss: 0, correct: 0, images: 0, since: start, seenAt: 0 };
  let lastFilters = start;
  const flush = (epoch, batch, now) => {
    if (!acc.images) return;
    post({
      type: 'progress', step, totalSteps, epoch, epochs, batch, batches, seen,
      loss: acc.loss / acc.images, accuracy: acc.correct / acc.images,
      imagesPerSecond: (seen - acc.seenAt) / Math.max((now - acc.since) / 1000, 1e-6), seconds: (now - start) / 1000,
    });
    acc = { loss: 0, correct: 0, images: 0, since: now, seenAt: seen };
  };
  let lastEpoch = 0;
  let lastBatch = 0;
  const history = await model.fit(x, y, {
    epochs, batchSize, learningRate, optimizer: 'adam', seed: model.seed, signal: controller.signal,
    validation: { inputs: test.x, labels: test.y },
    onBatchEnd: ({ epoch, batch, loss, accuracy }) => {
      const m = Math.min(batchSize, n - batch * batchSize);
      seen += m;
      step++;
      acc.loss += loss * m;
      acc.correct += accuracy * m;
      acc.images += m;
      lastEpoch = epoch;
      lastBatch = batch + 1;
      const now = performance.now();
      if (now - acc.since >= PROGRESS_MS || batch + 1 === batches) flush(epoch, batch + 1, now);
      if (now - lastFilters >= FILTERS_MS) {
        postFilters(model, filterLayer);
        lastFilters = now;
      }
    },
    onEpochEnd: ({ epoch, valLoss, valAccuracy }) => {
      flush(epoch, batches, performance.now());
      post({ type: 'eval', seen, epoch: epoch + 1, loss: valLoss, accuracy: valAccuracy, stopped: false });
    },
  });
  controller = null;
  flush(lastEpoch, lastBatch, performance.now());
  postFilters(model, filterLayer);
  let accuracy = history.valAccuracy.at(-1) ?? before.accuracy;
  if (history.stopped) { // fit evaluates only whole epochs: the model as Stop left it
    const after = model.evaluate(test.x, test.y);
    accuracy = after.accuracy;
    post({ type: 'eval', seen, epoch: seen / n, loss: after.loss, accuracy, stopped: true });
  }
  const seconds = (performance.now() - start) / 1000;
  const epochsDone = +(seen / n).toFixed(2);
  model.setMetadata({
    name,
    labels: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
    description: `Trained in the browser (wasm-cnn demo, Train view) on ${n.toLocaleString('en')} MNIST images for ${epochsDone} epoch${epochsDone === 1 ? '' : 's'}: batch ${batchSize}, Adam, learning rate ${learningRate}, seed ${model.seed}; ${(accuracy * 100).toFixed(1)} % on ${test.n.toLocaleString('en')} held-out MNIST test images.`,
  });
  const bytes = model.save();
  post({ type: 'done', bytes, stopped: history.stopped, accuracy, seconds, seen }, [bytes.buffer]);
}

self.onmessage = async ({ data: msg }) => {
  if (msg.type === 'stop') {
    stopAsked = true;
    controller?.abort();
    return;
  }
  if (msg.type === 'check') {
    try {
      const model = await build(msg.layers, 1);
      post({ type: 'checked', id: msg.id, summary: model.summary(), paramCount: model.paramCount, layerCount: model.layers.length });
      model.dispose();
    } catch (err) {
      post({ type: 'checked', id: msg.id, error: err.message });
    }
    return;
  }
  if (msg.type === 'train') {
    stopAsked = false;
    try {
      await train(msg);
    } catch (err) {
      controller = null;
      post({ type: 'error', text: err.message, missingData: !!err.missingData });
    }
  }
};
