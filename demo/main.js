// main.js — the demo: draw a digit, the shipped model reads it as you draw, and every layer's
// activations are shown. Or open your own model (.onnx, a TF.js model.json with its shards,
// .wcnn; picked or dropped anywhere on the page): its layers and activation maps, fed by the
// drawing pad (28×28×1 models), an image resized to its input, or random input. Uses only the
// package's public API ('wasm-cnn').
import { engineInfo, loadDigitModel, loadModel, preprocessDigit } from 'wasm-cnn';
import { explainCell } from './explain.js';
import { renderExplanation } from './explain-view.js';

const $ = (id) => document.getElementById(id);
const pad = $('pad');
const input28 = $('input28');
const zoom = $('zoom');

// ─── Colour scales ─────────────────────────────────────────────────────────────────────────
// Sequential (values ≥ 0: ReLU and pooling outputs): a magma-like ramp, black → yellow.
const SEQ = [[0, 0, 4], [59, 15, 112], [140, 41, 129], [222, 73, 104], [254, 159, 109], [252, 253, 191]];
// Diverging (values of both signs): blue → near-white → red, centred on 0.
const DIV = [[49, 54, 149], [116, 173, 209], [240, 240, 240], [244, 109, 67], [165, 0, 38]];

function ramp(stops, t) {
  const x = Math.min(1, Math.max(0, t)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  const f = x - i;
  const a = stops[i];
  const b = stops[i + 1];
  return [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f];
}

/** The colour scale of a layer: sequential 0..max if no value is negative, else ±max|v|. */
function scaleFor(data) {
  let min = Infinity;
  let max = -Infinity;
  for (const v of data) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (min >= 0) {
    const top = max > 0 ? max : 1;
    return { min: 0, max: top, color: (v) => ramp(SEQ, v / top) };
  }
  const m = Math.max(-min, max) || 1;
  return { min: -m, max: m, color: (v) => ramp(DIV, (v / m + 1) / 2) };
}

/** Paints an h×w image from rgbAt(i) → [r, g, b] (0..255) for pixel i = y·w + x. */
function paintRGB(canvas, h, w, rgbAt) {
  canvas.width = w;
  canvas.height = h;
  const c = canvas.getContext('2d');
  const img = c.createImageData(w, h);
  for (let i = 0; i < h * w; i++) {
    const [r, g, b] = rgbAt(i);
    img.data[4 * i] = r;
    img.data[4 * i + 1] = g;
    img.data[4 * i + 2] = b;
    img.data[4 * i + 3] = 255;
  }
  c.putImageData(img, 0, 0);
}

/** Paints an h×w map (channel c of an HWC array with C channels) into a canvas. */
function paint(canvas, data, h, w, C, c, color) {
  canvas.width = w;
  canvas.height = h;
  const ctx = canvas.getContext('2d');
  const img = ctx.createImageData(w, h);
  for (let i = 0; i < h * w; i++) {
    const [r, g, b] = color(data[i * C + c]);
    img.data[4 * i] = r;
    img.data[4 * i + 1] = g;
    img.data[4 * i + 2] = b;
    img.data[4 * i + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}

function legend(canvas, scale) {
  canvas.width = 1;
  canvas.height = 64;
  const ctx = canvas.getContext('2d');
  for (let y = 0; y < 64; y++) {
    const [r, g, b] = scale.color(scale.max - ((scale.max - scale.min) * y) / 63);
    ctx.fillStyle = `rgb(${r},${g},${b})`;
    ctx.fillRect(0, y, 1, 1);
  }
}

const fmt = (v) => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2));

const plural = (n, one, many = `${one}s`) => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

// ─── State ─────────────────────────────────────────────────────────────────────────────────
const root = document.documentElement;
let net = null; // the model the page runs
let current = {}; // what the page knows about it: { builtin, file, name, padMode, labels, outputs }
let lastInput = null; // the last input given to net.predict
let lastImage = null; // { bitmap, name }: the image fed to image models, re-used by the next one
let engineLine = '';
let bars = [];
let layerViews = [];
let loadToken = 0; // a newer open (or "back") makes older ones drop their result
let lastActs = null; // every layer's output for lastInput (model.activations())
let selected = null; // the explained cell: { index, y, x, c }
let sample = null; // the MNIST sample on the pad: { index, label }, until the pad is drawn on
let timed = {}; // the last repeated timing: { model, ms, runs } (shown while a stroke is drawn)

// For tests and the curious: the model the page runs and the last input it gave it.
window.demo = {
  get model() { return net; },
  get input() { return lastInput; },
};

const count = (key) => { root.dataset[key] = String(Number(root.dataset[key] || 0) + 1); };

// ─── Errors: shown in the page (an alert region), never only in the console ───────────────
const HINT = 'wasm-cnn opens an ONNX model (.onnx), a wasm-cnn model (.wcnn), or a TF.js layers model.json together with its weight shards (.bin). README, “Bring your own model”, lists the ops and layers it reads.';

function showError(title, message, hint = '') {
  const box = $('error');
  box.hidden = false; // visible first, then the text: screen readers announce the change
  $('error-title').textContent = title;
  $('error-message').textContent = message;
  $('error-hint').textContent = hint;
  $('error-hint').hidden = !hint;
  root.dataset.error = 'true';
  box.scrollIntoView?.({ block: 'nearest' });
}

function clearError() {
  $('error').hidden = true;
  delete root.dataset.error;
}
$('error-close').addEventListener('click', clearError);

// ─── A model on the page ───────────────────────────────────────────────────────────────────
/** Makes `model` the page's model: disposes the old one, rebuilds every view for it. */
function install(model, { builtin = false, file = null } = {}) {
  const old = net;
  net = model;
  lastInput = null;
  if (old && old !== model) old.dispose();
  const [h, w, c] = model.inputShape;
  const outputs = model.outputShape.length === 1 ? model.outputShape[0] : 0;
  const metaLabels = Array.isArray(model.metadata.labels) ? model.metadata.labels : [];
  selected = null;
  sample = null;
  current = {
    builtin,
    file,
    name: model.metadata.name || file || 'model',
    padMode: h === 28 && w === 28 && c === 1,
    outputs,
    labels: Array.from({ length: outputs }, (_, i) => metaLabels[i] || String(i)),
  };
  const params = model.paramCount.toLocaleString('en-US');
  $('engine').textContent = `${engineLine}; model “${current.name}”, ${params} parameters`;
  $('model-name').textContent = file && file !== current.name ? `“${current.name}”, from ${file}` : `“${current.name}”`;
  $('summary').textContent = model.summary();
  $('model-note').textContent = model.metadata.description ?? '';
  $('back').hidden = builtin;
  $('model-status').textContent = statusLine();
  root.dataset.model = builtin ? 'digits' : file;

  buildBars();
  buildLayerViews();
  buildFilters();
  setInputMode();
  resetExplain();
  showEmpty();
  if (current.padMode) predictPad(); // the pad may hold a drawing already
  else if (lastImage && (c === 1 || c === 3)) runImage();
}

function statusLine() {
  if (current.builtin) return `Running the digit model this package ships (${plural(net.layers.length, 'layer')}, trained on MNIST; its summary is below).`;
  const [h, w, c] = net.inputShape;
  return `Opened ${current.file}: “${current.name}”, ${plural(net.layers.length, 'layer')}, input ${h} × ${w} × ${c}, ` +
    `${plural(net.paramCount, 'parameter')}${net.isGraph ? ', a graph (branches or skip connections)' : ''}.`;
}

// Output bars: the digit model shows its 10 classes in order; other models their top 5.
const UNSURE = 0.6;
function buildBars() {
  const box = $('bars');
  box.replaceChildren();
  const { builtin, outputs } = current;
  const n = builtin ? outputs : Math.min(5, outputs);
  box.hidden = n === 0;
  box.classList.toggle('ranked', !builtin);
  box.setAttribute('aria-label', builtin ? 'Probability of each digit' : `The ${n} most likely of ${plural(outputs, 'class', 'classes')}`);
  bars = Array.from({ length: n }, (_, i) => {
    const row = document.createElement('div');
    row.className = 'bar';
    row.setAttribute('role', 'listitem');
    row.innerHTML = '<span class="label"></span><div class="track"><div class="fill"></div></div><span class="pct">–</span>';
    const label = row.querySelector('.label');
    label.textContent = builtin ? current.labels[i] : '';
    row.dataset.cls = String(i);
    row.title = 'Click: how this output is computed';
    row.addEventListener('click', () => {
      if (!lastInput) return;
      select({ index: net.layers.length - 1, y: 0, x: 0, c: Number(row.dataset.cls) });
    });
    box.append(row);
    return { row, label, fill: row.querySelector('.fill'), pct: row.querySelector('.pct') };
  });
}

/** The output as the bars show it: probabilities as they are, else a softmax of the logits. */
function readOutput(y) {
  const last = net.layers[net.layers.length - 1];
  const act = last.type === 'activation' ? last.activation : last.type === 'softmax' || last.type === 'sigmoid' ? last.type : last.activation;
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (const v of y) {
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
  }
  if (act === 'softmax' || (min >= 0 && Math.abs(sum - 1) < 1e-3)) return { p: y, kind: 'probabilities' };
  if (act === 'sigmoid') return { p: y, kind: 'sigmoid' };
  const e = y.map((v) => Math.exp(v - max));
  const s = e.reduce((a, b) => a + b, 0);
  return { p: e.map((v) => v / s), kind: 'softmax' };
}

function showOutput(y) {
  const { builtin, outputs, labels } = current;
  if (!outputs) {
    $('prediction').textContent = '–';
    $('prediction').classList.remove('long');
    $('confidence').textContent = `the output is a ${net.outputShape.join(' × ')} map`;
    $('output-note').textContent = 'The output is not a vector of classes: its maps are the last layer below.';
    return;
  }
  const { p, kind } = readOutput(y);
  let best = 0;
  for (let i = 1; i < p.length; i++) if (p[i] > p[best]) best = i;
  const pct = (v) => `${(v * 100).toFixed(1)}%`;
  let second = best === 0 ? 1 : 0;
  for (let i = 0; i < p.length; i++) if (i !== best && p[i] > p[second]) second = i;
  // A softmax always names a class; below 60 % the page says it is not sure instead.
  const unsure = kind !== 'sigmoid' && p.length > 1 && p[best] < UNSURE;
  $('prediction').textContent = unsure ? '?' : labels[best];
  $('prediction').classList.toggle('long', !unsure && labels[best].length > 2);
  const sure = kind === 'probabilities' ? `${pct(p[best])} sure` : kind === 'sigmoid' ? `${pct(p[best])} (sigmoid score)` : `${pct(p[best])} after a softmax`;
  $('confidence').textContent = unsure ? `not sure: ${labels[best]} or ${labels[second]}? (${pct(p[best])}, ${pct(p[second])})` : sure;
  const verdict = $('pad-verdict');
  verdict.hidden = !current.padMode;
  verdict.textContent = unsure ? `${labels[best]} or ${labels[second]}?` : `${labels[best]} · ${pct(p[best])}`;
  verdict.classList.toggle('unsure', unsure);
  root.dataset.predicted = labels[best];
  if (builtin) {
    bars.forEach((b, i) => {
      b.fill.style.width = pct(p[i]);
      b.pct.textContent = pct(p[i]);
      b.row.classList.toggle('top', i === best);
    });
    $('output-note').textContent = '';
    return;
  }
  const order = Array.from(p.keys()).sort((a, b) => p[b] - p[a]).slice(0, bars.length);
  order.forEach((k, i) => {
    const b = bars[i];
    b.row.dataset.cls = String(k);
    b.label.textContent = labels[k];
    b.label.title = `class ${k}${labels[k] !== String(k) ? ` (${labels[k]})` : ''}`;
    b.fill.style.width = pct(p[k]);
    b.pct.textContent = pct(p[k]);
    b.row.classList.toggle('top', i === 0);
    b.row.setAttribute('aria-label', `${labels[k]}: ${pct(p[k])}`);
  });
  const which = `The ${bars.length} most likely of ${plural(outputs, 'class', 'classes')}${net.metadata.labels ? '' : ' (no labels in the model: class indices)'}`;
  $('output-note').textContent = kind === 'probabilities' ? `${which}.`
    : kind === 'sigmoid' ? `${which}: sigmoid outputs, each class scored on its own.`
      : `${which}. The model ends without a softmax: the bars show a softmax of its raw outputs (logits).`;
}

// One block per layer: title, shape, parameters, its maps (at most 16 channels) and its legend.
// Small maps are drawn large enough to read and to click a cell of (a 5 × 5 map at 50 px).
const MAP_PX = { 28: 64, 14: 60, 10: 60, 7: 56, 5: 50 };
const MAX_CHANNELS = 16;
const MAX_STRIP_LABELS = 32;

function buildLayerViews() {
  $('activations').replaceChildren();
  const last = net.layers.length - 1;
  layerViews = net.layers.map((layer, i) => {
    const box = document.createElement('div');
    box.className = 'layer';
    box.innerHTML = '<div class="layer-head"><span class="layer-title"><span class="layer-name"></span> <span class="layer-meta kind"></span></span>' +
      '<span class="layer-meta shape"></span></div>' +
      '<div class="layer-body"><div class="maps"></div><div class="legend"><span class="hi"></span><canvas></canvas><span class="lo"></span></div></div>';
    const kind = layer.type === 'activation' ? layer.activation : `${layer.type}${layer.activation && layer.activation !== 'linear' ? ` + ${layer.activation}` : ''}`;
    box.querySelector('.layer-name').textContent = layer.name;
    box.querySelector('.kind').textContent = `(${kind})`;
    const from = net.isGraph && layer.inputs?.length ? ` · from ${layer.inputs.join(', ')}` : '';
    box.querySelector('.shape').textContent = `output [${layer.outputShape.join(' × ')}] · ${plural(layer.params, 'parameter')}${from}`;
    const maps = box.querySelector('.maps');
    const canvases = [];
    const wraps = [];
    const [h, w, c] = layer.outputShape;
    const asMaps = layer.outputShape.length === 3 && h * w > 1;
    if (asMaps) {
      const base = MAP_PX[Math.max(h, w)] ?? Math.max(48, Math.min(96, Math.max(h, w) * 3));
      const shown = Math.min(c, MAX_CHANNELS);
      for (let ch = 0; ch < shown; ch++) {
        const wrap = document.createElement('span');
        wrap.className = 'mapwrap';
        const cv = document.createElement('canvas');
        cv.className = 'map';
        cv.style.width = `${Math.round((base * w) / Math.max(h, w))}px`;
        cv.style.height = `${Math.round((base * h) / Math.max(h, w))}px`;
        cv.setAttribute('role', 'img');
        cv.setAttribute('aria-label', `${layer.name}, channel ${ch + 1} of ${c}`);
        cv.dataset.label = `${layer.name} · channel ${ch + 1}/${c} · ${w}×${h}`;
        cv.dataset.layer = String(i);
        cv.dataset.ch = String(ch);
        const marks = document.createElement('div');
        marks.className = 'marks';
        wrap.append(cv, marks);
        maps.append(wrap);
        canvases.push(cv);
        wraps.push(marks);
      }
      if (shown < c) {
        const note = document.createElement('span');
        note.className = 'layer-meta channels-note';
        note.textContent = `${shown} of ${c} channels shown`;
        maps.append(note);
      }
    } else {
      const n = layer.outputShape.reduce((a, b) => a * b, 1);
      const wrap = document.createElement('div');
      wrap.className = 'strip-wrap';
      const cv = document.createElement('canvas');
      cv.className = 'strip';
      cv.setAttribute('role', 'img');
      cv.setAttribute('aria-label', `${layer.name}: ${plural(n, 'value')}`);
      cv.dataset.label = `${layer.name} · ${plural(n, 'value')}`;
      cv.dataset.layer = String(i);
      const marks = document.createElement('div');
      marks.className = 'marks';
      wrap.append(cv, marks);
      if (n <= MAX_STRIP_LABELS) {
        // each element labelled: the classes for the output, indices elsewhere
        const labels = document.createElement('div');
        labels.className = 'strip-labels';
        labels.dataset.testid = 'strip-labels';
        labels.style.gridTemplateColumns = `repeat(${n}, 1fr)`;
        for (let k = 0; k < n; k++) {
          const span = document.createElement('span');
          span.textContent = i === last && current.outputs === n ? current.labels[k] : String(k);
          labels.append(span);
        }
        wrap.append(labels);
      }
      maps.append(wrap);
      canvases.push(cv);
      wraps.push(marks);
      if (i === last && current.outputs) {
        const note = document.createElement('span');
        note.className = 'layer-meta';
        const act = layer.type === 'activation' ? layer.activation : layer.activation === 'softmax' || layer.type === 'softmax' ? 'softmax' : '';
        note.textContent = act === 'softmax' ? 'the softmax: the probabilities in the bars above' : 'the output: the classes in the bars above';
        maps.append(note);
      }
    }
    $('activations').append(box);
    return { asMaps, canvases, marks: wraps, legendCanvas: box.querySelector('.legend canvas'), hi: box.querySelector('.hi'), lo: box.querySelector('.lo') };
  });
}

function showActivations() {
  lastActs = net.activations();
  for (const a of lastActs) {
    const view = layerViews[a.index];
    if (!view) continue;
    const scale = scaleFor(a.data);
    if (view.asMaps) {
      const [h, w, c] = a.shape;
      view.canvases.forEach((cv, ch) => paint(cv, a.data, h, w, c, ch, scale.color));
    } else {
      paint(view.canvases[0], a.data, 1, a.data.length, 1, 0, scale.color);
    }
    legend(view.legendCanvas, scale);
    view.hi.textContent = fmt(scale.max);
    view.lo.textContent = fmt(scale.min);
    for (const cv of view.canvases) cv.dataset.range = `${fmt(scale.min)} … ${fmt(scale.max)}`;
  }
}

// The first conv layer's filters (at most 16): one input channel on a diverging scale, or the
// three channels of an RGB model as colours.
function buildFilters() {
  const box = $('filters');
  box.replaceChildren();
  const first = net.layers.findIndex((l) => l.type === 'conv2d');
  $('filters-panel').hidden = first < 0;
  if (first < 0) return;
  const layer = net.layers[first];
  const { kernel, kernelShape } = net.getWeights(first);
  const [kh, kw, cin, cout] = kernelShape;
  const scale = scaleFor(kernel);
  const m = Math.max(-scale.min, scale.max) || 1;
  const rgb = cin === 3;
  const shown = Math.min(cout, MAX_CHANNELS);
  const note = $('filters-note');
  note.replaceChildren(`The ${kh} × ${kw} weights of each filter of `);
  const code = document.createElement('code');
  code.textContent = layer.name;
  note.append(code, rgb ? ' as colours: red, green and blue are the weights on the input\'s three channels, grey is 0'
    : `${cin > 1 ? `, input channel 1 of ${cin}` : ''}: blue negative, red positive`, shown < cout ? ` (${shown} of ${cout} shown).` : '.');
  for (let f = 0; f < shown; f++) {
    const fig = document.createElement('figure');
    const cv = document.createElement('canvas');
    cv.setAttribute('role', 'img');
    cv.setAttribute('aria-label', `filter ${f + 1} of ${layer.name}`);
    // kernel is HWIO: filter f, input channel i, at [y][x] is kernel[((y*kw + x)*cin + i)*cout + f]
    if (rgb) {
      const v = (p, i) => 128 + (127 * kernel[(p * cin + i) * cout + f]) / m;
      paintRGB(cv, kh, kw, (p) => [v(p, 0), v(p, 1), v(p, 2)]);
    } else {
      const plane = new Float32Array(kh * kw);
      for (let p = 0; p < kh * kw; p++) plane[p] = kernel[(p * cin) * cout + f];
      paint(cv, plane, kh, kw, 1, 0, (x) => ramp(DIV, (x / m + 1) / 2));
    }
    fig.append(cv);
    const cap = document.createElement('figcaption');
    cap.textContent = `filter ${f + 1}`;
    fig.append(cap);
    box.append(fig);
  }
}

// ─── Input: the drawing pad (28×28×1 models) or an image / random input (the others) ──────
const PAD_NOTE = $('input-note').textContent;

function setInputMode() {
  const [h, w, c] = net.inputShape;
  const { padMode } = current;
  $('pad-input').hidden = !padMode;
  $('samples-block').hidden = !padMode;
  $('image-input').hidden = padMode;
  $('draw-title').textContent = padMode ? 'Draw a digit' : 'Give it an image';
  $('input-grid').classList.toggle('grid', h === 28 && w === 28);
  input28.style.height = `${Math.round((112 * h) / w)}px`;
  input28.setAttribute('aria-label', `The ${h} by ${w} input the model sees`);
  $('input-note').textContent = padMode ? PAD_NOTE : describeInput();
  $('image-note').textContent = c === 1 || c === 3
    ? `The model takes ${h} × ${w} × ${c}: the image is resized (stretched) to ${w} × ${h}, ${c === 3 ? 'RGB' : 'luminance'} in [0, 1] (no mean/std normalisation; transparent pixels count as white).`
    : `The model takes ${h} × ${w} × ${c}: ${c} channels per pixel, which an image (1: grey, 3: RGB) cannot give. Random input still works.`;
}

function describeInput(what = '') {
  const [h, w, c] = net.inputShape;
  const kind = c === 3 ? 'RGB' : c === 1 ? 'grey' : `channel 1 of ${c}`;
  return `${what || 'The input'} as the model sees it: ${w} × ${h}, ${kind}.`;
}

function showInputView(x) {
  const [h, w, c] = net.inputShape;
  const byte = (v) => Math.max(0, Math.min(255, v * 255));
  if (c === 3) paintRGB(input28, h, w, (i) => [byte(x[3 * i]), byte(x[3 * i + 1]), byte(x[3 * i + 2])]);
  else if (c === 1) paint(input28, x, h, w, 1, 0, (v) => [byte(v), byte(v), byte(v)]);
  else paint(input28, x, h, w, c, 0, scaleFor(x).color);
}

/** Runs the model on x and shows everything: output, input view, activations. */
function run(x, prepMs, prepWhat) {
  let y;
  let ms;
  let runs = 1;
  try {
    const t1 = performance.now();
    y = net.predict(x);
    ms = performance.now() - t1;
    // Browsers round the clock (to 0.1 ms or coarser): a run shorter than 2 ms is timed again
    // over enough repeats (same input, same result) to make the average meaningful — once per
    // model and input kind, not on every frame of a stroke (the mean is kept and shown then).
    if (ms < 2 && drawing && timed.model === net) ({ ms, runs } = timed);
    else if (ms < 2) {
      const t2 = performance.now();
      let t3 = t2;
      runs = 0;
      while (t3 - t2 < 4 && runs < 200) {
        net.predict(x, y);
        runs++;
        t3 = performance.now();
      }
      ms = (t3 - t2) / runs;
      timed = { model: net, ms, runs };
    }
  } catch (err) {
    showError(`“${current.name}” could not run`, err.message);
    return;
  }
  lastInput = x;
  showOutput(y);
  $('timing').textContent = `inference ${ms < 0.1 ? ms.toFixed(3) : ms.toFixed(2)} ms${runs > 1 ? ` (mean of ${runs} runs)` : ''}${prepWhat ? ` · ${prepWhat} ${prepMs.toFixed(2)} ms` : ''}`;
  showInputView(x);
  showActivations();
  showSaliency(x, y);
  if (selected) explainSelected();
  showTruth();
  count('runs');
}

const imageCanvas = document.createElement('canvas');

/** The image (lastImage) resized to the model's input: luminance or RGB in [0, 1]. */
function runImage() {
  const [h, w, c] = net.inputShape;
  const { bitmap, name } = lastImage;
  if (c !== 1 && c !== 3) {
    showError(`Cannot feed ${name} to this model`, `The model takes ${c} channels per pixel; an image gives 1 (luminance) or 3 (RGB).`, 'Use “Random input” to explore this model.');
    return;
  }
  const t0 = performance.now();
  imageCanvas.width = w;
  imageCanvas.height = h;
  const c2d = imageCanvas.getContext('2d', { willReadFrequently: true });
  c2d.fillStyle = '#fff';
  c2d.fillRect(0, 0, w, h);
  c2d.imageSmoothingEnabled = true;
  c2d.imageSmoothingQuality = 'high';
  c2d.drawImage(bitmap, 0, 0, w, h);
  const d = c2d.getImageData(0, 0, w, h).data;
  const x = new Float32Array(h * w * c);
  for (let i = 0; i < h * w; i++) {
    if (c === 3) {
      x[3 * i] = d[4 * i] / 255;
      x[3 * i + 1] = d[4 * i + 1] / 255;
      x[3 * i + 2] = d[4 * i + 2] / 255;
    } else {
      x[i] = (0.299 * d[4 * i] + 0.587 * d[4 * i + 1] + 0.114 * d[4 * i + 2]) / 255; // Rec. 601 luma
    }
  }
  run(x, performance.now() - t0, 'resizing');
  $('input-note').textContent = describeInput(`${name} (${bitmap.width} × ${bitmap.height})`);
}

/** An image file: resized to an image model's input, or drawn on the pad for a 28×28×1 one. */
async function useImage(file) {
  clearError();
  let bitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    showError(`Could not read ${file.name}`, `${file.name} is not an image this browser can decode.`, 'Images: PNG or JPEG. Models: .onnx, .wcnn, or model.json with its .bin shards.');
    count('inputs');
    return;
  }
  if (current.padMode) {
    // black on white, fitted into the pad as a drawing; preprocessDigit detects either polarity
    const s = Math.min(pad.width / bitmap.width, pad.height / bitmap.height);
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, pad.width, pad.height);
    ctx.drawImage(bitmap, (pad.width - bitmap.width * s) / 2, (pad.height - bitmap.height * s) / 2, bitmap.width * s, bitmap.height * s);
    predictPad();
  } else {
    lastImage?.bitmap.close?.();
    lastImage = { bitmap, name: file.name };
    runImage();
  }
  count('inputs');
}

$('image-file').addEventListener('change', (e) => {
  const [file] = e.target.files;
  e.target.value = ''; // picking the same file again runs it again
  if (file) useImage(file);
});

$('random').addEventListener('click', () => {
  const [h, w, c] = net.inputShape;
  const x = new Float32Array(h * w * c);
  for (let i = 0; i < x.length; i++) x[i] = Math.random();
  clearError();
  run(x, 0, '');
  $('input-note').textContent = describeInput('Random input (uniform in [0, 1))');
  count('inputs');
});

// ─── Opening a model: picked or dropped files ──────────────────────────────────────────────
const isImage = (f) => /^image\//.test(f.type) || /\.(png|jpe?g|gif|webp|bmp|avif)$/i.test(f.name);
const baseName = (p) => {
  const last = p.split(/[\\/]/).pop();
  try {
    return decodeURIComponent(last);
  } catch {
    return last;
  }
};

/** Files from the picker or a drop: models (and shards) are opened, a lone image is input. */
function openFiles(list) {
  const files = [...list];
  if (!files.length) return;
  const models = files.filter((f) => !isImage(f));
  if (models.length) openModel(models);
  else useImage(files[0]);
}

/** What to give loadModel for these files: { source, file } (throws a readable Error). */
function chooseSource(read) {
  const names = read.map((f) => f.name).join(', ');
  for (const f of read) {
    if (!/\.json$/i.test(f.name) && f.bytes[0] !== 0x7b) continue;
    let json;
    try {
      json = JSON.parse(new TextDecoder().decode(f.bytes));
    } catch {
      continue; // loadModel says what is wrong with it if it is the only file
    }
    if (json && typeof json === 'object' && 'modelTopology' in json && 'weightsManifest' in json) return tfjsSource(f, json, read.filter((o) => o !== f));
  }
  if (read.every((f) => /\.bin$/i.test(f.name))) {
    throw new Error(`${names}: ${read.length === 1 ? 'a weight shard' : 'weight shards'} of a TF.js model, not a model: open ${read.length === 1 ? 'it' : 'them'} together with the model.json that lists ${read.length === 1 ? 'it' : 'them'}.`);
  }
  if (read.length === 1) return { source: read[0].bytes, file: read[0].name };
  const models = read.filter((f) => /\.(onnx|wcnn)$/i.test(f.name));
  if (models.length === 1) return { source: models[0].bytes, file: models[0].name };
  if (models.length > 1) throw new Error(`one model at a time, please: ${models.map((f) => f.name).join(', ')} are ${models.length} models.`);
  throw new Error(`none of ${names} is a model file (.onnx, .wcnn, or a TF.js model.json).`);
}

/** A TF.js model.json and the other files: { modelJson, weights: Map(manifest path → bytes) }. */
function tfjsSource(jsonFile, json, others) {
  const byName = new Map(others.map((o) => [o.name, o.bytes]));
  const weights = new Map();
  const missing = [];
  for (const group of Array.isArray(json.weightsManifest) ? json.weightsManifest : []) {
    for (const p of Array.isArray(group?.paths) ? group.paths : []) {
      if (typeof p !== 'string') continue; // the importer names what is wrong with the manifest
      const bytes = byName.get(baseName(p)) ?? byName.get(p.split(/[\\/]/).pop()) ?? byName.get(p);
      if (bytes) weights.set(p, bytes);
      else if (!missing.includes(baseName(p))) missing.push(baseName(p));
    }
  }
  if (missing.length) {
    throw new Error(`${jsonFile.name} lists ${plural(missing.length, 'weight file')} that ${missing.length === 1 ? 'was' : 'were'} not opened with it: ` +
      `${missing.join(', ')}. Pick (or drop) ${jsonFile.name} together with all its shards.`);
  }
  return { source: { modelJson: json, weights }, file: jsonFile.name };
}

async function openModel(files) {
  const token = ++loadToken;
  const names = files.map((f) => f.name).join(', ');
  clearError();
  root.dataset.state = 'loading';
  $('model-status').textContent = `Opening ${names}…`;
  try {
    const read = await Promise.all(files.map(async (f) => ({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) })));
    const { source, file } = chooseSource(read);
    const model = await loadModel(source);
    if (token !== loadToken) {
      model.dispose();
      return;
    }
    install(model, { file });
  } catch (err) {
    if (token !== loadToken) return;
    console.warn('demo: could not open', names, err);
    $('model-status').textContent = statusLine();
    showError(`Could not open ${names}`, err.message, HINT);
  } finally {
    if (token === loadToken) {
      root.dataset.state = 'ready';
      count('loads');
    }
  }
}

// A model made elsewhere in the page (the Train view, demo/train.js) becomes the page's model
// through this event: { bytes: Uint8Array (a .wcnn file), name }. It is opened like a file.
window.addEventListener('wcnn:use-model', (e) => {
  const { bytes, name = 'trained.wcnn' } = e.detail ?? {};
  if (bytes) openModel([new File([bytes], name)]);
});

$('model-file').addEventListener('change', (e) => {
  const files = [...e.target.files];
  e.target.value = ''; // picking the same files again opens them again
  openFiles(files);
});

$('back').addEventListener('click', async () => {
  const token = ++loadToken;
  clearError();
  try {
    const model = await loadDigitModel();
    if (token !== loadToken) model.dispose();
    else install(model, { builtin: true });
  } catch (err) {
    if (token === loadToken) showError('Could not load the digit model', err.message);
  } finally {
    if (token === loadToken) count('loads');
  }
});

// Drag and drop anywhere on the page.
const overlay = $('drop-overlay');
let dragDepth = 0;
const hasFiles = (e) => Array.from(e.dataTransfer?.types ?? []).includes('Files');
window.addEventListener('dragenter', (e) => {
  if (!hasFiles(e)) return;
  e.preventDefault();
  dragDepth++;
  overlay.hidden = false;
});
window.addEventListener('dragover', (e) => {
  if (!hasFiles(e)) return;
  e.preventDefault();
  e.dataTransfer.dropEffect = 'copy';
});
window.addEventListener('dragleave', (e) => {
  if (!hasFiles(e)) return;
  dragDepth = Math.max(0, dragDepth - 1);
  if (!dragDepth) overlay.hidden = true;
});
window.addEventListener('drop', (e) => {
  dragDepth = 0;
  overlay.hidden = true;
  if (!e.dataTransfer?.files?.length) return;
  e.preventDefault(); // (also keeps the file inputs from taking the drop themselves)
  openFiles(e.dataTransfer.files);
});

// ─── Drawing ───────────────────────────────────────────────────────────────────────────────
const ctx = pad.getContext('2d', { willReadFrequently: true });
let drawing = false;
let points = [];
let scheduled = false;

function sizePad() {
  // The drawing buffer follows the CSS size × devicePixelRatio, so strokes stay sharp.
  const rect = pad.getBoundingClientRect();
  if (!rect.width) return; // hidden (an image model): keep the drawing as it is
  const dpr = window.devicePixelRatio || 1;
  const size = Math.max(1, Math.round(rect.width * dpr));
  if (pad.width !== size) {
    const old = ctx.getImageData(0, 0, pad.width, pad.height);
    const tmp = document.createElement('canvas');
    tmp.width = pad.width;
    tmp.height = pad.height;
    tmp.getContext('2d').putImageData(old, 0, 0);
    pad.width = pad.height = size;
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, size, size);
    ctx.drawImage(tmp, 0, 0, size, size);
  }
}

function clearPad() {
  sample = null;
  delete root.dataset.sample;
  if (current.padMode) $('input-note').textContent = PAD_NOTE;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, pad.width, pad.height);
  showEmpty();
}
// MNIST strokes are about 1/8 of the digit's height; people draw digits about 2/3 of the pad.
const strokeWidth = () => pad.width * 0.075;

function toPad(e) {
  const rect = pad.getBoundingClientRect();
  return { x: ((e.clientX - rect.left) / rect.width) * pad.width, y: ((e.clientY - rect.top) / rect.height) * pad.height };
}

function stroke(from, mid, to) {
  // A quadratic curve through the midpoints keeps strokes smooth at any pointer rate.
  ctx.strokeStyle = '#000';
  ctx.lineWidth = strokeWidth();
  ctx.lineCap = 'round';
  ctx.lineJoin = 'round';
  ctx.beginPath();
  ctx.moveTo(from.x, from.y);
  ctx.quadraticCurveTo(mid.x, mid.y, to.x, to.y);
  ctx.stroke();
}

pad.addEventListener('pointerdown', (e) => {
  e.preventDefault();
  if (sample) {
    sample = null; // drawing over a sample: the pad is read from now on
    delete root.dataset.sample;
    $('input-note').textContent = PAD_NOTE;
  }
  pad.setPointerCapture(e.pointerId);
  drawing = true;
  const p = toPad(e);
  points = [p];
  ctx.fillStyle = '#000';
  ctx.beginPath();
  ctx.arc(p.x, p.y, strokeWidth() / 2, 0, Math.PI * 2);
  ctx.fill();
  schedulePredict();
});
pad.addEventListener('pointermove', (e) => {
  if (!drawing) return;
  const events = e.getCoalescedEvents ? e.getCoalescedEvents() : [e];
  for (const ev of events.length ? events : [e]) {
    const p = toPad(ev);
    const n = points.length;
    const last = points[n - 1];
    const prevMid = n > 1 ? { x: (points[n - 2].x + last.x) / 2, y: (points[n - 2].y + last.y) / 2 } : last;
    const mid = { x: (last.x + p.x) / 2, y: (last.y + p.y) / 2 };
    stroke(prevMid, last, mid);
    points.push(p);
  }
  schedulePredict();
});
function endStroke(e) {
  if (!drawing) return;
  drawing = false;
  const n = points.length;
  if (n > 1) stroke({ x: (points[n - 2].x + points[n - 1].x) / 2, y: (points[n - 2].y + points[n - 1].y) / 2 }, points[n - 1], points[n - 1]);
  if (e && pad.hasPointerCapture?.(e.pointerId)) pad.releasePointerCapture(e.pointerId);
  predictPad(); // and once more at the end of every stroke
}
pad.addEventListener('pointerup', endStroke);
pad.addEventListener('pointercancel', endStroke);

// Live prediction while drawing: at most once per animation frame.
function schedulePredict() {
  if (scheduled) return;
  scheduled = true;
  requestAnimationFrame(() => {
    scheduled = false;
    predictPad();
  });
}

$('clear').addEventListener('click', clearPad);
window.addEventListener('keydown', (e) => {
  if ((e.key === 'Escape' || e.key === 'Delete') && current.padMode && !e.target.closest?.('input, textarea')) clearPad();
});
new ResizeObserver(sizePad).observe(pad);

// ─── Samples ───────────────────────────────────────────────────────────────────────────────
/** The MNIST sample digits under the pad (click one: it is drawn on the pad). */
async function showSamples() {
  const samples = await (await fetch(new URL('./samples.json', import.meta.url))).json();
  for (const s of samples.digits) {
    const bytes = Uint8Array.from(atob(s.pixels), (ch) => ch.charCodeAt(0));
    const btn = document.createElement('button');
    btn.type = 'button';
    btn.className = 'sample';
    btn.setAttribute('aria-label', `MNIST test digit ${s.index}, a ${s.label}`);
    btn.title = `MNIST test image ${s.index} (label ${s.label})`;
    const cv = document.createElement('canvas');
    paint(cv, bytes, 28, 28, 1, 0, (v) => [v, v, v]);
    btn.append(cv);
    btn.addEventListener('click', () => {
      // The sample is fed as the 28×28 image it is (MNIST's own preprocessing is already in it);
      // the pad shows it enlarged, black on white. Drawing on the pad afterwards reads the pad.
      const img = new ImageData(28, 28);
      for (let i = 0; i < 784; i++) {
        const v = 255 - bytes[i];
        img.data.set([v, v, v, 255], i * 4);
      }
      const tmp = document.createElement('canvas');
      tmp.width = tmp.height = 28;
      tmp.getContext('2d').putImageData(img, 0, 0);
      ctx.imageSmoothingEnabled = true;
      ctx.drawImage(tmp, 0, 0, pad.width, pad.height);
      sample = { index: s.index, label: s.label };
      root.dataset.sample = String(s.index);
      run(Float32Array.from(bytes, (v) => v / 255), 0, '');
      $('input-note').textContent = `MNIST test image ${s.index} as it is (28 × 28, white on black, /255): no preprocessing.`;
    });
    $('samples').append(btn);
  }
}

// ─── Prediction and its views ──────────────────────────────────────────────────────────────
function showEmpty() {
  lastInput = null;
  lastActs = null;
  $('pad-verdict').hidden = true;
  delete root.dataset.predicted;
  showTruth();
  clearMarks();
  $('saliency').hidden = true;
  if (selected) $('explain').replaceChildren(Object.assign(document.createElement('p'), { className: 'note', textContent: `${net.layers[selected.index].name}: draw something to see this cell computed.` }));
  $('prediction').textContent = '–';
  $('prediction').classList.remove('long');
  $('confidence').textContent = current.padMode ? 'draw something' : 'give it an image, or random input';
  $('timing').textContent = '';
  $('output-note').textContent = '';
  for (const b of bars) {
    b.fill.style.width = '0';
    b.pct.textContent = '–';
    b.row.classList.remove('top');
    if (!current.builtin) b.label.textContent = '';
  }
  const [h, w] = net.inputShape;
  input28.width = w;
  input28.height = h;
  const c = input28.getContext('2d');
  c.fillStyle = '#000';
  c.fillRect(0, 0, w, h);
  for (const view of layerViews) {
    for (const cv of view.canvases) {
      const cc = cv.getContext('2d');
      cc.clearRect(0, 0, cv.width, cv.height);
    }
    view.hi.textContent = view.lo.textContent = '';
  }
}

function predictPad() {
  if (!current.padMode) return;
  const image = ctx.getImageData(0, 0, pad.width, pad.height);
  const t0 = performance.now();
  const x = preprocessDigit(image);
  const t1 = performance.now();
  if (x.empty) {
    showEmpty();
    return;
  }
  run(x, t1 - t0, 'preprocessing');
}

// ─── Explain a cell: its arithmetic (explain.js), the window it reads, its receptive field ──
function resetExplain() {
  $('explain').replaceChildren(Object.assign(document.createElement('p'), {
    className: 'note',
    textContent: 'Click or tap any cell of any map (or a bar, or a strip) to see how the layer computed it from its input: the window, the filter, the products, their sum, the bias and the activation. Arrow keys move the cell.',
  }));
}

/** (h, w, c) of a layer's output or of the input; vectors are 1 × 1 × n. */
const dims = (shape) => (shape.length === 3 ? shape : [1, 1, shape[0]]);

function select(cell) {
  const [h, w, c] = dims(net.layers[cell.index].outputShape);
  selected = { index: cell.index, y: Math.min(h - 1, Math.max(0, cell.y)), x: Math.min(w - 1, Math.max(0, cell.x)), c: Math.min(c - 1, Math.max(0, cell.c)) };
  explainSelected();
  count('explains');
}

function explainSelected() {
  if (!lastActs || !lastInput) return;
  let ex;
  try {
    ex = explainCell(net, lastActs, lastInput, selected.index, selected);
  } catch (err) {
    $('explain').replaceChildren(Object.assign(document.createElement('p'), { className: 'note', textContent: err.message }));
    clearMarks();
    return;
  }
  const last = selected.index === net.layers.length - 1 && current.outputs ? current.labels : null;
  renderExplanation($('explain'), ex, { labels: last });
  root.dataset.explained = `${ex.layer.name}:${ex.cell.y},${ex.cell.x},${ex.cell.c}`;
  drawMarks(ex);
}

function clearMarks() {
  for (const m of document.querySelectorAll('.mark')) m.remove();
}

/** A box (inclusive cell bounds, clipped) on an h × w map's marks layer. */
function mark(layerEl, box, h, w, cls) {
  const y0 = Math.max(0, box.y0);
  const x0 = Math.max(0, box.x0);
  const y1 = Math.min(h - 1, box.y1);
  const x1 = Math.min(w - 1, box.x1);
  if (y0 > y1 || x0 > x1 || !layerEl) return;
  const m = document.createElement('div');
  m.className = `mark ${cls}`;
  Object.assign(m.style, { left: `${(x0 / w) * 100}%`, top: `${(y0 / h) * 100}%`, width: `${((x1 - x0 + 1) / w) * 100}%`, height: `${((y1 - y0 + 1) / h) * 100}%` });
  layerEl.append(m);
}

/** Marks on the maps of `name` (a layer or the input) for channel ch (or all channels shown). */
function markSource(name, box, ch, cls) {
  if (name === 'input') {
    const [h, w] = dims(net.inputShape);
    mark($('input-marks'), box, h, w, cls);
    return;
  }
  const i = net.layers.findIndex((l) => l.name === name);
  const view = layerViews[i];
  if (!view) return;
  const [h, w, c] = dims(net.layers[i].outputShape);
  if (!view.asMaps) {
    // a strip: element positions along its width
    const n = h * w * c;
    const at = (box.y0 * w + box.x0) * c + (ch ?? 0);
    mark(view.marks[0], { y0: 0, y1: 0, x0: at, x1: at }, 1, n, cls);
    return;
  }
  const chans = ch === null ? view.marks.map((_, k) => k) : [ch];
  for (const k of chans) if (view.marks[k]) mark(view.marks[k], box, h, w, cls);
}

function drawMarks(ex) {
  clearMarks();
  const { y, x, c } = ex.cell;
  const view = layerViews[ex.index];
  const [h, w, C] = dims(ex.layer.outputShape);
  if (view.asMaps) mark(view.marks[c], { y0: y, y1: y, x0: x, x1: x }, h, w, 'cell');
  else mark(view.marks[0], { y0: 0, y1: 0, x0: (y * w + x) * C + c, x1: (y * w + x) * C + c }, 1, h * w * C, 'cell');
  const cellBox = { y0: y, y1: y, x0: x, x1: x };
  const src = ex.sources[0]?.name;
  switch (ex.kind) {
    case 'conv2d':
    case 'depthwiseconv2d':
      for (const ch of ex.perChannel) markSource(src, ex.win, ch.channel, 'window');
      break;
    case 'maxpool2d':
    case 'avgpool2d':
      markSource(src, ex.win, c, 'window');
      break;
    case 'globalavgpool2d':
    case 'globalmaxpool2d':
      markSource(src, { y0: 0, y1: 1e9, x0: 0, x1: 1e9 }, c, 'window');
      break;
    case 'concat':
      markSource(ex.sources[ex.from].name, cellBox, ex.channel, 'window');
      break;
    case 'flatten':
      markSource(src, { y0: ex.iy, y1: ex.iy, x0: ex.ix, x1: ex.ix }, ex.ic, 'window');
      break;
    case 'zeropad2d':
      if (!ex.pad) markSource(src, { y0: ex.iy, y1: ex.iy, x0: ex.ix, x1: ex.ix }, c, 'window');
      break;
    case 'dense':
      break; // every input value: the table lists the largest contributions
    default:
      for (const s of ex.sources) markSource(s.name, s.shape.length === 3 ? cellBox : { y0: 0, y1: 0, x0: 0, x1: 0 }, s.shape.length === 3 ? c : c, 'window');
  }
  if (ex.receptive && net.inputShape.length === 3) {
    const [ih, iw] = net.inputShape;
    mark($('input-marks'), ex.receptive, ih, iw, 'field');
  }
}

// Arrow keys move the selected cell (rows and columns of a map; elements of a vector).
window.addEventListener('keydown', (e) => {
  if (!selected || !lastInput || !/^Arrow/.test(e.key) || e.target.closest?.('input, textarea, select')) return;
  const shape = net.layers[selected.index].outputShape;
  const next = { ...selected };
  if (shape.length === 3 && shape[0] * shape[1] > 1) {
    if (e.key === 'ArrowLeft') next.x--;
    if (e.key === 'ArrowRight') next.x++;
    if (e.key === 'ArrowUp') next.y--;
    if (e.key === 'ArrowDown') next.y++;
  } else {
    next.c += e.key === 'ArrowLeft' || e.key === 'ArrowUp' ? -1 : 1;
  }
  e.preventDefault();
  select(next);
});

// ─── Saliency: the input gradient of the predicted class, over the input ──────────────────
let saliencyOn = false;
$('saliency-on').addEventListener('change', (e) => {
  saliencyOn = e.target.checked;
  $('saliency-note').hidden = !saliencyOn;
  if (lastInput) run(lastInput, 0, '');
  else $('saliency').hidden = true;
});

/**
 * For a model with a class vector: s = ∂ log p_best / ∂x (softmax models, gradients() with the
 * cross-entropy of the predicted class), or ∂ y_best / ∂x up to a factor (others: the mean
 * squared error against y + e_best), drawn red (> 0) / blue (< 0) over the input in grey.
 */
function showSaliency(x, y) {
  const cv = $('saliency');
  if (!saliencyOn || !current.outputs) {
    cv.hidden = true;
    return;
  }
  let best = 0;
  for (let i = 1; i < y.length; i++) if (y[i] > y[best]) best = i;
  const last = net.layers[net.layers.length - 1];
  let g;
  try {
    if (last.activation === 'softmax') g = net.gradients(x, Int32Array.of(best), 1, { loss: 'crossentropy' });
    else {
      const t = Float32Array.from(y);
      t[best] += 1;
      g = net.gradients(x, t, 1, { loss: 'mse' });
    }
  } catch (err) {
    cv.hidden = true;
    $('saliency-note').textContent = `Saliency is not available for this model: ${err.message}`;
    return;
  }
  const [h, w, c] = dims(net.inputShape);
  const s = new Float32Array(h * w);
  for (let i = 0; i < h * w; i++) for (let k = 0; k < c; k++) s[i] -= g.input[i * c + k];
  let m = 0;
  for (const v of s) m = Math.max(m, Math.abs(v));
  const grey = (i) => {
    let v = 0;
    for (let k = 0; k < c; k++) v += x[i * c + k];
    return Math.max(0, Math.min(1, v / c)) * 110;
  };
  paintRGB(cv, h, w, (i) => {
    const t = m ? s[i] / m : 0;
    const a = Math.min(1, Math.abs(t) * 1.5);
    const base = grey(i);
    const [r, gg, b] = t >= 0 ? [255, 70, 50] : [60, 140, 255];
    return [base + (r - base) * a, base + (gg - base) * a, base + (b - base) * a];
  });
  cv.hidden = false;
  cv.dataset.max = String(m);
  root.dataset.saliency = String(best);
}

/** The true label of a sample beside the prediction. */
function showTruth() {
  const box = $('truth');
  if (!sample || !lastInput || !current.padMode) {
    box.hidden = true;
    return;
  }
  const read = root.dataset.predicted;
  const right = read === String(sample.label);
  box.hidden = false;
  box.textContent = `MNIST test image ${sample.index}: its label is ${sample.label}${right ? ' ✓' : `, read as ${read ?? '?'}`}`;
  box.className = `truth ${right ? 'right' : 'wrong'}`;
}

// ─── Enlarge a map on hover or tap ─────────────────────────────────────────────────────────
const zoomCanvas = $('zoom-canvas');
function showZoom(cv, e) {
  zoomCanvas.width = cv.width;
  zoomCanvas.height = cv.height;
  zoomCanvas.getContext('2d').drawImage(cv, 0, 0);
  zoomCanvas.style.height = cv.height === 1 ? '24px' : '';
  $('zoom-label').textContent = `${cv.dataset.label}${cv.dataset.range ? ` · ${cv.dataset.range}` : ''}`;
  zoom.hidden = false;
  const x = Math.min(window.innerWidth - 230, e.clientX + 16);
  const y = Math.min(window.innerHeight - 250, e.clientY + 16);
  zoom.style.left = `${Math.max(4, x)}px`;
  zoom.style.top = `${Math.max(4, y)}px`;
}
$('activations').addEventListener('pointerover', (e) => {
  if (e.target.matches?.('canvas.map, canvas.strip')) showZoom(e.target, e);
});
$('activations').addEventListener('pointerout', (e) => {
  if (e.target.matches?.('canvas.map, canvas.strip')) zoom.hidden = true;
});
$('activations').addEventListener('click', (e) => {
  const cv = e.target;
  if (!cv.matches?.('canvas.map, canvas.strip')) {
    zoom.hidden = true;
    return;
  }
  zoom.hidden = true; // a click selects the cell: its explanation replaces the enlargement
  if (!lastInput) return;
  const index = Number(cv.dataset.layer);
  const r = cv.getBoundingClientRect();
  const fx = Math.min(0.9999, Math.max(0, (e.clientX - r.left) / r.width));
  const fy = Math.min(0.9999, Math.max(0, (e.clientY - r.top) / r.height));
  const [h, w, c] = net.layers[index].outputShape;
  if (cv.matches('canvas.map')) select({ index, y: Math.floor(fy * h), x: Math.floor(fx * w), c: Number(cv.dataset.ch) });
  else select({ index, y: 0, x: 0, c: Math.floor(fx * (net.layers[index].outputShape.length === 3 ? h * w * c : h)) });
});

// ─── Start ─────────────────────────────────────────────────────────────────────────────────
let digits;
try {
  digits = await loadDigitModel();
} catch (err) {
  $('engine').textContent = `The engine could not start: ${err.message}`;
  throw err;
}
const info = await engineInfo();
engineLine = `WebAssembly SIMD engine (${info.kernels} kernels), wasm-cnn ${info.version}`;
await showSamples();
sizePad();
ctx.fillStyle = '#fff';
ctx.fillRect(0, 0, pad.width, pad.height);
install(digits, { builtin: true });
document.documentElement.dataset.ready = 'true'; // for tests: the page is interactive
