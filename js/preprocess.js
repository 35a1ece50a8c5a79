// preprocess.js — a drawing → the 28×28 input a digit model trained on MNIST expects, made
// the way MNIST itself was made (LeCun et al.): the ink's bounding box is scaled so that its
// longer side is 20 px, keeping the aspect ratio, with anti-aliasing (area averaging); the
// result is placed in a 28×28 field so that its centre of mass is at the centre. Values in
// [0, 1], digit white on black.
//
// Skipping these steps is why drawn digits get misread: a digit drawn small in a corner, or
// dark on light, looks nothing like the training data.

const FIELD = 28;
const BOX = 20;

function describe(x) {
  if (x === null || x === undefined) return String(x);
  return typeof x === 'object' ? x.constructor?.name ?? 'an object' : typeof x;
}

/**
 * The image as ink intensities in [0, 1] (before polarity), one per pixel. RGBA with
 * transparency is composited over the background that contrasts with its strokes.
 */
function toGrey(image, where) {
  if (!image || typeof image !== 'object' || typeof image.width !== 'number' || typeof image.height !== 'number' || !image.data) {
    throw new Error(`${where}: image must be an ImageData or { data, width, height }, got ${describe(image)}`);
  }
  const { data, width: w, height: h } = image;
  if (!Number.isInteger(w) || !Number.isInteger(h) || w < 1 || h < 1) {
    throw new Error(`${where}: width and height must be positive integers, got ${w}×${h}`);
  }
  const n = w * h;
  const grey = new Float32Array(n);
  const scale = data instanceof Float32Array || data instanceof Float64Array ? 1 : 1 / 255;
  if (data.length === n) {
    for (let i = 0; i < n; i++) grey[i] = data[i] * scale;
  } else if (data.length === 4 * n) {
    let transparent = false;
    let darkInk = 0;
    let lightInk = 0;
    for (let i = 0; i < n; i++) {
      const a = data[4 * i + 3] * scale;
      if (a < 1) transparent = true;
      if (a > 0) {
        const l = (0.299 * data[4 * i] + 0.587 * data[4 * i + 1] + 0.114 * data[4 * i + 2]) * scale;
        if (l < 0.5) darkInk += a; else lightInk += a;
      }
    }
    // Transparent pixels show the background: white behind dark strokes, black behind light ones.
    const back = transparent && darkInk >= lightInk ? 1 : 0;
    for (let i = 0; i < n; i++) {
      const a = transparent ? data[4 * i + 3] * scale : 1;
      const l = (0.299 * data[4 * i] + 0.587 * data[4 * i + 1] + 0.114 * data[4 * i + 2]) * scale;
      grey[i] = a * l + (1 - a) * back;
    }
  } else {
    throw new Error(`${where}: data has ${data.length} values; a ${w}×${h} image needs ${4 * n} (RGBA) or ${n} (one channel)`);
  }
  return { grey, w, h };
}

/** Area-averaging resample of src (sw×sh, region x0, y0, rw×rh) to dw×dh. */
function resampleArea(src, sw, x0, y0, rw, rh, dw, dh) {
  const out = new Float32Array(dw * dh);
  const fx = rw / dw;
  const fy = rh / dh;
  for (let y = 0; y < dh; y++) {
    const ya = y0 + y * fy;
    const yb = ya + fy;
    for (let x = 0; x < dw; x++) {
      const xa = x0 + x * fx;
      const xb = xa + fx;
      let sum = 0;
      for (let sy = Math.floor(ya); sy < Math.ceil(yb); sy++) {
        const wy = Math.min(yb, sy + 1) - Math.max(ya, sy);
        if (wy <= 0) continue;
        for (let sx = Math.floor(xa); sx < Math.ceil(xb); sx++) {
          const wx = Math.min(xb, sx + 1) - Math.max(xa, sx);
          if (wx > 0) sum += src[sy * sw + sx] * wx * wy;
        }
      }
      out[y * dw + x] = sum / (fx * fy);
    }
  }
  return out;
}

/**
 * Turns a drawing into the model's input. Returns a Float32Array(28·28) (white digit on
 * black, in [0, 1]) with three extra properties: `empty` (no ink: the array is all zeros),
 * `inverted` (the drawing was dark on light), and `bounds` ({ x, y, width, height } of the ink
 * in the source image, or null).
 *
 * image: ImageData or { data, width, height } with RGBA or one channel; 8-bit values, or
 * floats in [0, 1]. Options: polarity 'auto' (default: a light border means dark ink),
 * 'light-on-dark' or 'dark-on-light'; threshold (0.1): the ink level, as a fraction of the
 * strongest ink, that counts for the bounding box.
 */
export function preprocessDigit(image, options = {}) {
  const where = 'preprocessDigit';
  const { polarity = 'auto', threshold = 0.1, ...rest } = options;
  const unknown = Object.keys(rest);
  if (unknown.length) throw new Error(`${where}: unknown option '${unknown[0]}'; options are polarity, threshold`);
  if (!['auto', 'light-on-dark', 'dark-on-light'].includes(polarity)) {
    throw new Error(`${where}: polarity must be 'auto', 'light-on-dark' or 'dark-on-light', got ${JSON.stringify(polarity)}`);
  }
  if (typeof threshold !== 'number' || !(threshold > 0 && threshold < 1)) {
    throw new Error(`${where}: threshold must be a number in (0, 1), got ${threshold}`);
  }
  const { grey, w, h } = toGrey(image, where);

  // Polarity: the background is what the border mostly is.
  let inverted = polarity === 'dark-on-light';
  if (polarity === 'auto') {
    let border = 0;
    let count = 0;
    for (let x = 0; x < w; x++) { border += grey[x] + grey[(h - 1) * w + x]; count += 2; }
    for (let y = 1; y < h - 1; y++) { border += grey[y * w] + grey[y * w + w - 1]; count += 2; }
    inverted = border / count > 0.5;
  }
  let max = 0;
  for (let i = 0; i < grey.length; i++) {
    if (inverted) grey[i] = 1 - grey[i];
    if (grey[i] > max) max = grey[i];
  }
  const out = new Float32Array(FIELD * FIELD);
  out.inverted = inverted;
  out.empty = max < 0.02;
  out.bounds = null;
  if (out.empty) return out;

  // Normalise the strongest ink to 1, then find the bounding box of ink above the threshold.
  let x0 = w;
  let y0 = h;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const v = (grey[y * w + x] /= max);
      if (v > threshold) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  }
  for (let i = 0; i < grey.length; i++) if (grey[i] <= threshold * 0.5) grey[i] = 0; // faint noise away
  const bw = x1 - x0 + 1;
  const bh = y1 - y0 + 1;
  out.bounds = { x: x0, y: y0, width: bw, height: bh };

  // Longer side to 20 px, aspect kept, area averaging.
  const s = BOX / Math.max(bw, bh);
  const dw = Math.max(1, Math.round(bw * s));
  const dh = Math.max(1, Math.round(bh * s));
  const box = resampleArea(grey, w, x0, y0, bw, bh, dw, dh);

  // Centre of mass (pixel centres at i + 0.5) to the centre of the 28×28 field.
  let mass = 0;
  let cx = 0;
  let cy = 0;
  for (let y = 0; y < dh; y++) {
    for (let x = 0; x < dw; x++) {
      const v = box[y * dw + x];
      mass += v;
      cx += v * (x + 0.5);
      cy += v * (y + 0.5);
    }
  }
  const ox = FIELD / 2 - cx / mass; // field position of the box's left edge
  const oy = FIELD / 2 - cy / mass;
  // Place with a fractional shift (bilinear), so the centre lands exactly.
  for (let y = 0; y < FIELD; y++) {
    const sy = y - oy;
    const y0i = Math.floor(sy);
    const ty = sy - y0i;
    for (let x = 0; x < FIELD; x++) {
      const sx = x - ox;
      const x0i = Math.floor(sx);
      const tx = sx - x0i;
      let v = 0;
      for (let dy = 0; dy < 2; dy++) {
        const yy = y0i + dy;
        if (yy < 0 || yy >= dh) continue;
        const wy = dy ? ty : 1 - ty;
        for (let dx = 0; dx < 2; dx++) {
          const xx = x0i + dx;
          if (xx < 0 || xx >= dw) continue;
          v += box[yy * dw + xx] * wy * (dx ? tx : 1 - tx);
        }
      }
      out[y * FIELD + x] = v > 1 ? 1 : v;
    }
  }
  return out;
}
