// main.js — the demo: draw a digit, the shipped model reads it as you draw, and every layer's
// activations are shown. Uses only the package's public API ('wasm-cnn').
import { engineInfo, loadDigitModel, preprocessDigit } from 'wasm-cnn';

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

// ─── Start ─────────────────────────────────────────────────────────────────────────────────
let net;
try {
  net = await loadDigitModel();
} catch (err) {
  $('engine').textContent = `The engine could not start: ${err.message}`;
  throw err;
}
const info = await engineInfo();
$('engine').textContent = `WebAssembly SIMD engine (${info.kernels} kernels), wasm-cnn ${info.version}; model “${net.metadata.name}”, ${net.paramCount.toLocaleString('en-US')} parameters`;
$('summary').textContent = net.summary();
$('model-note').textContent = net.metadata.description ?? '';
const labels = net.metadata.labels ?? Array.from({ length: 10 }, (_, i) => String(i));

// Probability bars.
const bars = labels.map((label) => {
  const row = document.createElement('div');
  row.className = 'bar';
  row.setAttribute('role', 'listitem');
  row.innerHTML = `<span>${label}</span><div class="track"><div class="fill"></div></div><span class="pct">–</span>`;
  $('bars').append(row);
  return { row, fill: row.querySelector('.fill'), pct: row.querySelector('.pct') };
});

// One block per layer: title, shape, parameters, its maps and its legend.
const MAP_PX = { 28: 56, 14: 56, 10: 50, 5: 40 };
const layerViews = net.layers.map((layer, i) => {
  const box = document.createElement('div');
  box.className = 'layer';
  const shape = `[${layer.outputShape.join(' × ')}]`;
  const kind = layer.type === 'activation' ? layer.activation : `${layer.type}${layer.activation !== 'linear' ? ` + ${layer.activation}` : ''}`;
  box.innerHTML = `<div class="layer-head"><span class="layer-title">${layer.name} <span class="layer-meta">(${kind})</span></span>` +
    `<span class="layer-meta">output ${shape} · ${layer.params.toLocaleString('en-US')} parameters</span></div>` +
    '<div class="layer-body"><div class="maps"></div><div class="legend"><span class="hi"></span><canvas></canvas><span class="lo"></span></div></div>';
  const maps = box.querySelector('.maps');
  const canvases = [];
  if (layer.outputShape.length === 3) {
    const [h, w, c] = layer.outputShape;
    const px = MAP_PX[h] ?? Math.max(36, Math.min(64, h * 2));
    for (let ch = 0; ch < c; ch++) {
      const cv = document.createElement('canvas');
      cv.className = 'map';
      cv.style.width = cv.style.height = `${px}px`;
      cv.setAttribute('role', 'img');
      cv.setAttribute('aria-label', `${layer.name}, channel ${ch + 1} of ${c}`);
      cv.dataset.label = `${layer.name} · channel ${ch + 1}/${c} · ${w}×${h}`;
      maps.append(cv);
      canvases.push(cv);
    }
  } else {
    const cv = document.createElement('canvas');
    cv.className = 'strip';
    cv.setAttribute('role', 'img');
    cv.setAttribute('aria-label', `${layer.name}: ${layer.outputShape[0]} values`);
    cv.dataset.label = `${layer.name} · ${layer.outputShape[0]} values`;
    maps.append(cv);
    canvases.push(cv);
    if (i === net.layers.length - 1) {
      const note = document.createElement('span');
      note.className = 'layer-meta';
      note.textContent = 'the softmax: the probabilities in the bars above';
      maps.append(note);
    }
  }
  $('activations').append(box);
  return { layer, canvases, legendCanvas: box.querySelector('.legend canvas'), hi: box.querySelector('.hi'), lo: box.querySelector('.lo') };
});

// The first conv layer's filters.
const first = net.layers.findIndex((l) => l.type === 'conv2d');
if (first >= 0) {
  const { kernel, kernelShape } = net.getWeights(first);
  const [kh, kw, cin, cout] = kernelShape;
  const scale = scaleFor(kernel);
  const m = Math.max(-scale.min, scale.max);
  for (let f = 0; f < cout; f++) {
    const fig = document.createElement('figure');
    const cv = document.createElement('canvas');
    cv.setAttribute('role', 'img');
    cv.setAttribute('aria-label', `filter ${f + 1} of ${net.layers[first].name}`);
    // kernel is HWIO: filter f, input channel 0, at [y][x] is kernel[((y*kw + x)*cin + 0)*cout + f]
    const plane = new Float32Array(kh * kw);
    for (let p = 0; p < kh * kw; p++) plane[p] = kernel[(p * cin) * cout + f];
    paint(cv, plane, kh, kw, 1, 0, (v) => ramp(DIV, (v / m + 1) / 2));
    fig.append(cv);
    const cap = document.createElement('figcaption');
    cap.textContent = `filter ${f + 1}`;
    fig.append(cap);
    $('filters').append(fig);
  }
}

// ─── Drawing ───────────────────────────────────────────────────────────────────────────────
const ctx = pad.getContext('2d', { willReadFrequently: true });
let drawing = false;
let points = [];
let scheduled = false;

function sizePad() {
  // The drawing buffer follows the CSS size × devicePixelRatio, so strokes stay sharp.
  const rect = pad.getBoundingClientRect();
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
  predict(); // and once more at the end of every stroke
}
pad.addEventListener('pointerup', endStroke);
pad.addEventListener('pointercancel', endStroke);

// Live prediction while drawing: at most once per animation frame.
function schedulePredict() {
  if (scheduled) return;
  scheduled = true;
  requestAnimationFrame(() => {
    scheduled = false;
    predict();
  });
}

$('clear').addEventListener('click', clearPad);
window.addEventListener('keydown', (e) => {
  if ((e.key === 'Escape' || e.key === 'Delete') && !e.target.closest?.('input, textarea')) clearPad();
});
new ResizeObserver(sizePad).observe(pad);

// ─── Samples ───────────────────────────────────────────────────────────────────────────────
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
    // The sample, as black ink on the white pad, scaled to fill it like a drawing would.
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
    predict();
  });
  $('samples').append(btn);
}

// ─── Prediction and its views ──────────────────────────────────────────────────────────────
function showEmpty() {
  $('prediction').textContent = '–';
  $('confidence').textContent = 'draw something';
  $('timing').textContent = '';
  for (const b of bars) {
    b.fill.style.width = '0';
    b.pct.textContent = '–';
    b.row.classList.remove('top');
  }
  const c = input28.getContext('2d');
  c.fillStyle = '#000';
  c.fillRect(0, 0, 28, 28);
  for (const view of layerViews) {
    for (const cv of view.canvases) {
      const cc = cv.getContext('2d');
      cc.clearRect(0, 0, cv.width, cv.height);
    }
    view.hi.textContent = view.lo.textContent = '';
  }
}

function predict() {
  const image = ctx.getImageData(0, 0, pad.width, pad.height);
  const t0 = performance.now();
  const x = preprocessDigit(image);
  const t1 = performance.now();
  if (x.empty) {
    showEmpty();
    return;
  }
  const probs = net.predict(x);
  const t2 = performance.now();
  const best = probs.indexOf(Math.max(...probs));
  $('prediction').textContent = labels[best];
  $('confidence').textContent = `${(probs[best] * 100).toFixed(1)}% sure`;
  $('timing').textContent = `inference ${(t2 - t1).toFixed(2)} ms · preprocessing ${(t1 - t0).toFixed(2)} ms`;
  bars.forEach((b, i) => {
    b.fill.style.width = `${(probs[i] * 100).toFixed(1)}%`;
    b.pct.textContent = `${(probs[i] * 100).toFixed(1)}%`;
    b.row.classList.toggle('top', i === best);
  });
  paint(input28, x, 28, 28, 1, 0, (v) => [v * 255, v * 255, v * 255]);
  for (const a of net.activations()) {
    const view = layerViews[a.index];
    const scale = scaleFor(a.data);
    if (a.shape.length === 3) {
      const [h, w, c] = a.shape;
      view.canvases.forEach((cv, ch) => paint(cv, a.data, h, w, c, ch, scale.color));
    } else {
      paint(view.canvases[0], a.data, 1, a.shape[0], 1, 0, scale.color);
    }
    legend(view.legendCanvas, scale);
    view.hi.textContent = fmt(scale.max);
    view.lo.textContent = fmt(scale.min);
    for (const cv of view.canvases) cv.dataset.range = `${fmt(scale.min)} … ${fmt(scale.max)}`;
  }
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
  if (e.target.matches?.('canvas.map, canvas.strip')) showZoom(e.target, e);
  else zoom.hidden = true;
});

sizePad();
clearPad();
document.documentElement.dataset.ready = 'true'; // for tests: the page is interactive
