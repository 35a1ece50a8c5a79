// layers.js — the one place where JavaScript layer objects become the engine's layer specs
// (12 int32 values each, the layout of cnn_layer_spec in src/cnn.h), and back.
//
//   { type: 'conv2d', filters: 6, kernel: 5, stride: 1, padding: 'same', activation: 'relu' }
//
// Validation here is about the JavaScript shape of an object (unknown type, a typo in an
// option name, a string where a number belongs); the rules about sizes (kernel larger than
// the padded input, dense on an unflattened input …) are checked once, by the engine.

export const LAYER_TYPES = {
  conv2d: 1, maxpool2d: 2, avgpool2d: 3, globalavgpool2d: 4, globalmaxpool2d: 5,
  dense: 6, flatten: 7, activation: 8,
};
export const ACTIVATIONS = { linear: 0, relu: 1, sigmoid: 2, tanh: 3, softmax: 4 };
const PADDING = { valid: 0, same: 1, explicit: 2 };
export const SPEC_INTS = 12;

const TYPE_NAMES = Object.fromEntries(Object.entries(LAYER_TYPES).map(([k, v]) => [v, k]));
const ACTIVATION_NAMES = Object.fromEntries(Object.entries(ACTIVATIONS).map(([k, v]) => [v, k]));

// The options each type accepts (besides `type` and `name`).
const OPTIONS = {
  conv2d: ['filters', 'kernel', 'stride', 'padding', 'activation'],
  maxpool2d: ['size', 'stride', 'padding', 'activation'],
  avgpool2d: ['size', 'stride', 'padding', 'activation'],
  globalavgpool2d: ['activation'],
  globalmaxpool2d: ['activation'],
  dense: ['units', 'activation'],
  flatten: ['activation'],
  activation: ['activation'],
};

function describe(value) {
  if (typeof value === 'string') return `'${value}'`;
  if (Array.isArray(value)) return `[${value.map(describe).join(', ')}]`;
  if (value === null || typeof value !== 'object') return String(value);
  return Object.prototype.toString.call(value);
}

/** Edit distance, for "did you mean" hints on misspelt options. */
function distance(a, b) {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++)
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
  return d[a.length][b.length];
}

function suggest(word, choices) {
  let best = null;
  let bestD = 3;
  for (const c of choices) {
    const dd = distance(word.toLowerCase(), c);
    if (dd < bestD) { best = c; bestD = dd; }
  }
  return best ? ` (did you mean '${best}'?)` : '';
}

function positiveInt(where, what, value) {
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`${where}: ${what} must be a positive integer, got ${describe(value)}`);
  }
  return value;
}

/** A number or [h, w] → [h, w]. */
function pair(where, what, value) {
  if (Array.isArray(value)) {
    if (value.length !== 2) {
      throw new Error(`${where}: ${what} must be a number or [height, width], got ${describe(value)}`);
    }
    return [positiveInt(where, `${what}[0]`, value[0]), positiveInt(where, `${what}[1]`, value[1])];
  }
  const v = positiveInt(where, what, value);
  return [v, v];
}

function activationCode(where, value) {
  if (value === undefined || value === null) return 0;
  if (typeof value !== 'string' || !(value in ACTIVATIONS)) {
    throw new Error(
      `${where}: unknown activation ${describe(value)}; one of ${Object.keys(ACTIVATIONS).join(', ')}` +
        (typeof value === 'string' ? suggest(value, Object.keys(ACTIVATIONS)) : ''),
    );
  }
  return ACTIVATIONS[value];
}

/**
 * Turns layer objects into an Int32Array of specs (SPEC_INTS per layer).
 * Also returns each layer's resolved name.
 */
export function encodeLayers(layers) {
  if (!Array.isArray(layers) || layers.length === 0) {
    throw new Error(`createModel: layers must be a non-empty array, got ${describe(layers)}`);
  }
  const specs = new Int32Array(layers.length * SPEC_INTS);
  const names = [];
  layers.forEach((layer, i) => {
    if (!layer || typeof layer !== 'object') {
      throw new Error(`layer ${i}: must be an object like { type: 'conv2d', … }, got ${describe(layer)}`);
    }
    let type = layer.type;
    let activation = layer.activation;
    // { type: 'relu' } is shorthand for { type: 'activation', activation: 'relu' }.
    if (typeof type === 'string' && type in ACTIVATIONS) {
      if (activation !== undefined) {
        throw new Error(`layer ${i} (${type}): a standalone activation layer takes no 'activation' option`);
      }
      activation = type;
      type = 'activation';
    }
    if (typeof type !== 'string' || !(type in LAYER_TYPES)) {
      const all = [...Object.keys(LAYER_TYPES), ...Object.keys(ACTIVATIONS)];
      throw new Error(
        `layer ${i}: unknown layer type ${describe(type)}; one of ${all.join(', ')}` +
          (typeof type === 'string' ? suggest(type, all) : ''),
      );
    }
    const where = `layer ${i} (${type})`;
    for (const key of Object.keys(layer)) {
      if (key === 'type' || key === 'name' || OPTIONS[type].includes(key)) continue;
      throw new Error(
        `${where}: unknown option '${key}'; ${type} takes ${OPTIONS[type].join(', ')}` + suggest(key, OPTIONS[type]),
      );
    }
    if (type === 'activation' && activation === undefined) {
      throw new Error(`${where}: needs an 'activation' (${Object.keys(ACTIVATIONS).join(', ')})`);
    }
    const s = specs.subarray(i * SPEC_INTS, (i + 1) * SPEC_INTS);
    s[0] = LAYER_TYPES[type];
    s[1] = activationCode(where, activation);
    if (type === 'conv2d' || type === 'maxpool2d' || type === 'avgpool2d') {
      const conv = type === 'conv2d';
      if (conv) {
        if (layer.filters === undefined) throw new Error(`${where}: needs 'filters' (the number of filters d)`);
        s[2] = positiveInt(where, 'filters', layer.filters);
      }
      const sizeKey = conv ? 'kernel' : 'size';
      if (layer[sizeKey] === undefined) throw new Error(`${where}: needs '${sizeKey}' (a number or [height, width])`);
      const [kh, kw] = pair(where, sizeKey, layer[sizeKey]);
      // Pooling strides default to the window size; convolution strides to 1.
      const [sh, sw] = layer.stride === undefined ? (conv ? [1, 1] : [kh, kw]) : pair(where, 'stride', layer.stride);
      s[3] = kh; s[4] = kw; s[5] = sh; s[6] = sw;
      const p = layer.padding === undefined ? 'valid' : layer.padding;
      if (typeof p === 'number' || Array.isArray(p)) {
        if (!conv) throw new Error(`${where}: padding must be 'valid' or 'same', got ${describe(p)}`);
        const [ph, pw] = Array.isArray(p) ? p : [p, p];
        for (const v of [ph, pw]) {
          if (!Number.isInteger(v) || v < 0) {
            throw new Error(`${where}: padding must be 'valid', 'same' or a number of pixels >= 0, got ${describe(p)}`);
          }
        }
        if (Array.isArray(p) && p.length !== 2) {
          throw new Error(`${where}: padding must be a number or [height, width], got ${describe(p)}`);
        }
        s[7] = PADDING.explicit; s[8] = ph; s[9] = pw;
      } else if (p === 'valid' || p === 'same') {
        s[7] = PADDING[p];
      } else {
        throw new Error(
          `${where}: padding must be 'valid', 'same'${conv ? ' or a number of pixels' : ''}, got ${describe(p)}`,
        );
      }
    } else if (type === 'dense') {
      if (layer.units === undefined) throw new Error(`${where}: needs 'units'`);
      s[2] = positiveInt(where, 'units', layer.units);
    }
    if (layer.name !== undefined && typeof layer.name !== 'string') {
      throw new Error(`${where}: name must be a string, got ${describe(layer.name)}`);
    }
    names.push(layer.name);
  });
  return { specs, names };
}

/** Default names: conv2d_1, conv2d_2, maxpool2d_1 … (or the name a layer was given). */
export function layerNames(types, given = []) {
  const count = {};
  return types.map((t, i) => {
    count[t] = (count[t] || 0) + 1;
    return given[i] || `${t}_${count[t]}`;
  });
}

/** cnn_layer_info (28 int32) → the JavaScript description of a layer. */
export function decodeInfo(ints, index, name) {
  const spec = ints.subarray(0, SPEC_INTS);
  const type = TYPE_NAMES[spec[0]];
  const shape = (rank, h, w, c) => (rank === 3 ? [h, w, c] : [c]);
  const info = {
    index,
    name,
    type,
    activation: ACTIVATION_NAMES[spec[1]],
    inputShape: shape(ints[12], ints[13], ints[14], ints[15]),
    outputShape: shape(ints[16], ints[17], ints[18], ints[19]),
    params: ints[26],
  };
  if (type === 'conv2d' || type === 'maxpool2d' || type === 'avgpool2d') {
    const key = type === 'conv2d' ? 'kernel' : 'size';
    info[key] = [spec[3], spec[4]];
    info.stride = [spec[5], spec[6]];
    info.padding = spec[7] === PADDING.explicit ? [spec[8], spec[9]] : spec[7] === PADDING.same ? 'same' : 'valid';
    // Resolved zero padding [top, bottom, left, right] ('same' puts the odd pixel last).
    info.pads = [ints[20], ints[21], ints[22], ints[23]];
  }
  if (type === 'conv2d') info.filters = spec[2];
  if (type === 'dense') info.units = spec[2];
  info.kernelSize = ints[24];
  info.biasSize = ints[25];
  return info;
}

/** The layer object that would re-create a layer (used by model.config()). */
export function layerConfig(info) {
  const out = { type: info.type };
  if (info.type === 'conv2d') Object.assign(out, { filters: info.filters, kernel: info.kernel, stride: info.stride, padding: info.padding });
  if (info.type === 'maxpool2d' || info.type === 'avgpool2d') Object.assign(out, { size: info.size, stride: info.stride, padding: info.padding });
  if (info.type === 'dense') out.units = info.units;
  if (info.activation !== 'linear' || info.type === 'activation') out.activation = info.activation;
  out.name = info.name;
  return out;
}
