// layers.js — the layer types as JavaScript sees them: one descriptor per type drives
// encoding layer objects into the engine's specs, decoding the engine's layer descriptions
// (model.layers), config() and summary()'s parameter formulas.
//
//   { type: 'conv2d', filters: 6, kernel: 5, stride: 1, padding: 'same', activation: 'relu' }
//
// A spec is the C struct cnn_layer_spec: a type code and up to MAX_OPTIONS (key, value) pairs;
// codes, keys and offsets come from js/abi.js, generated from the C headers. Validation here
// is about the JavaScript shape of an option (unknown type, a typo in an option name, a string
// where a number belongs); the rules about values (ranges, divisibility, a kernel larger than
// the padded input, dense on an unflattened input …) are checked once, by the engine, whose
// messages name the layer, the option and the rule.

import { ACTIVATIONS, INPUT, LAYER_TYPES, MAX_INPUTS, MAX_LAYERS, MAX_OPTIONS, OPTIONS as KEY, OPTION_KINDS, PADDING, SPEC } from './abi.js';

export { LAYER_TYPES, ACTIVATIONS };
const TYPE_NAMES = Object.fromEntries(Object.entries(LAYER_TYPES).map(([k, v]) => [v, k]));
const ACTIVATION_NAMES = Object.fromEntries(Object.entries(ACTIVATIONS).map(([k, v]) => [v, k]));
/** Activation aliases users write: silu is swish (PyTorch's name). */
const ACTIVATION_ALIASES = { silu: 'swish' };

export function describe(value) {
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

export function suggest(word, choices) {
  let best = null;
  let bestD = 3;
  for (const c of choices) {
    const dd = distance(word.toLowerCase(), c.toLowerCase());
    if (dd < bestD) { best = c; bestD = dd; }
  }
  return best ? ` (did you mean '${best}'?)` : '';
}

// ─── Option codecs: a JavaScript option ↔ (key, value) pairs and back ───────────────────
// encode(value, where) → [[key, int32 or float], …]; decode(get, getFloat, info) → the value
// as users write it; def: the value that is the default (config() leaves it out).

function integer(where, what, value) {
  if (!Number.isInteger(value)) throw new Error(`${where}: ${what} must be an integer, got ${describe(value)}`);
  return value;
}

const int = (key, def) => ({
  encode: (v, where, name) => [[KEY[key], integer(where, name, v)]],
  decode: (get) => get(KEY[key]),
  def,
});

const float = (key, def) => ({
  encode: (v, where, name) => {
    if (typeof v !== 'number') throw new Error(`${where}: ${name} must be a number, got ${describe(v)}`);
    return [[KEY[key], v]];
  },
  decode: (get, getFloat) => shortFloat(getFloat(KEY[key])),
  def,
});

const bool = (key, def) => ({
  encode: (v, where, name) => {
    if (typeof v !== 'boolean') throw new Error(`${where}: ${name} must be true or false, got ${describe(v)}`);
    return [[KEY[key], v ? 1 : 0]];
  },
  decode: (get) => get(KEY[key]) !== 0,
  def,
});

/** A number or [h, w] → two keys. */
const pair = (kh, kw, def) => ({
  encode: (v, where, name) => {
    if (Array.isArray(v)) {
      if (v.length !== 2) throw new Error(`${where}: ${name} must be a number or [height, width], got ${describe(v)}`);
      return [[KEY[kh], integer(where, `${name}[0]`, v[0])], [KEY[kw], integer(where, `${name}[1]`, v[1])]];
    }
    const n = integer(where, name, v);
    return [[KEY[kh], n], [KEY[kw], n]];
  },
  decode: (get) => [get(KEY[kh]), get(KEY[kw])],
  def: def === undefined ? undefined : [def, def],
});

/** A pooling stride: as pair, and without it the window size (the engine's stride 0). */
const poolStride = {
  ...pair('stride_h', 'stride_w'),
  decode: (get) => [get(KEY.stride_h) || get(KEY.kernel_h), get(KEY.stride_w) || get(KEY.kernel_w)],
  isDefault: (v, layer) => v[0] === layer.size[0] && v[1] === layer.size[1],
};

/** 'valid' | 'same' | p | [h, w] | [top, bottom, left, right]. */
const padding = {
  encode: (p, where) => {
    if (p === 'valid' || p === 'same') return [[KEY.padding, PADDING[p]]];
    const bad = () => new Error(`${where}: padding must be 'valid', 'same', a number of pixels, [height, width] or [top, bottom, left, right], got ${describe(p)}`);
    let pads;
    if (typeof p === 'number') pads = [p, p, p, p];
    else if (Array.isArray(p) && p.length === 2) pads = [p[0], p[0], p[1], p[1]];
    else if (Array.isArray(p) && p.length === 4) pads = p;
    else throw bad();
    if (!pads.every(Number.isInteger)) throw bad();
    return [[KEY.padding, PADDING.explicit], [KEY.pad_top, pads[0]], [KEY.pad_bottom, pads[1]],
      [KEY.pad_left, pads[2]], [KEY.pad_right, pads[3]]];
  },
  decode: (get) => {
    const mode = get(KEY.padding);
    if (mode === PADDING.same) return 'same';
    if (mode !== PADDING.explicit) return 'valid';
    const [t, b, l, r] = [get(KEY.pad_top), get(KEY.pad_bottom), get(KEY.pad_left), get(KEY.pad_right)];
    if (t === b && l === r) return t === l ? t : [t, l];
    return [t, b, l, r];
  },
  def: 'valid',
};

/** zeropad2d's padding: a number, [h, w] or [top, bottom, left, right] of zero pixels. */
const zeroPadding = {
  encode: (p, where) => {
    if (p === 'valid' || p === 'same') throw new Error(`${where}: padding must be a number, [height, width] or [top, bottom, left, right], got ${describe(p)}`);
    return padding.encode(p, where).slice(1);
  },
  decode: (get) => {
    const [t, b, l, r] = [get(KEY.pad_top), get(KEY.pad_bottom), get(KEY.pad_left), get(KEY.pad_right)];
    if (t === b && l === r) return t === l ? t : [t, l];
    return [t, b, l, r];
  },
};

/** A float32 as the shortest decimal that round-trips through float32 (0.001, not 0.0010000000474974513). */
export function shortFloat(v) {
  for (let digits = 1; digits < 10; digits++) {
    const d = Number(v.toPrecision(digits));
    if (Math.fround(d) === v) return d;
  }
  return v;
}

// ─── The descriptors ─────────────────────────────────────────────────────────────────────
// options: the layer's own options (besides type, name, activation, alpha, beta), in the
// order config() lists them; required: those without a default; formula(layer): summary()'s
// parameter count as a formula.

const fmt = (n) => n.toLocaleString('en-US');
const windowOptions = (size) => ({
  [size]: pair('kernel_h', 'kernel_w'),
  stride: pair('stride_h', 'stride_w', 1),
  dilation: pair('dilation_h', 'dilation_w', 1),
  padding,
});

export const DESCRIPTORS = {
  conv2d: {
    options: { filters: int('units'), ...windowOptions('kernel'), groups: int('groups', 1), useBias: bool('use_bias', true) },
    required: ['filters', 'kernel'],
    formula: (l) => {
      const [kh, kw] = l.kernel;
      const p = l.inputShape[2] / l.groups;
      const w = `${kh}·${kw}·${p}${l.groups > 1 ? ` (${l.inputShape[2]}/${l.groups} groups)` : ''}`;
      return l.useBias ? `[(${w})+1]·${l.filters} = ${fmt(l.params)}` : `(${w})·${l.filters} = ${fmt(l.params)}`;
    },
  },
  depthwiseconv2d: {
    options: { ...windowOptions('kernel'), depthMultiplier: int('depth_multiplier', 1), useBias: bool('use_bias', true) },
    required: ['kernel'],
    formula: (l) => {
      const [kh, kw] = l.kernel;
      const cm = `${l.inputShape[2]}·${l.depthMultiplier}`;
      return l.useBias ? `(${kh}·${kw}+1)·${cm} = ${fmt(l.params)}` : `${kh}·${kw}·${cm} = ${fmt(l.params)}`;
    },
  },
  maxpool2d: {
    options: { size: pair('kernel_h', 'kernel_w'), stride: poolStride, dilation: pair('dilation_h', 'dilation_w', 1), padding, ceilMode: bool('ceil_mode', false) },
    required: ['size'],
  },
  avgpool2d: {
    options: { size: pair('kernel_h', 'kernel_w'), stride: poolStride, padding, ceilMode: bool('ceil_mode', false), countIncludePad: bool('count_include_pad', false) },
    required: ['size'],
  },
  globalavgpool2d: { options: {} },
  globalmaxpool2d: { options: {} },
  dense: {
    options: { units: int('units'), useBias: bool('use_bias', true) },
    required: ['units'],
    formula: (l) => (l.useBias ? `(${l.inputShape[0]}+1)·${l.units} = ${fmt(l.params)}` : `${l.inputShape[0]}·${l.units} = ${fmt(l.params)}`),
  },
  flatten: { options: {} },
  activation: { options: {} },
  zeropad2d: { options: { padding: zeroPadding }, required: ['padding'] },
  batchnorm: {
    options: { epsilon: float('epsilon', 0.001), momentum: float('momentum', 0.99), center: bool('center', true), scale: bool('scale', true) },
    formula: (l) => {
      const c = l.inputShape.at(-1);
      const k = (l.scale ? 1 : 0) + (l.center ? 1 : 0);
      return `${k ? `${k}·${c} trainable + ` : ''}2·${c} moving = ${fmt(l.params)}`;
    },
  },
  dropout: { options: { rate: float('rate', 0.5) } },
  // graph merges: 2 or more `inputs`
  add: { options: {}, merge: true },
  concat: { options: {}, merge: true },
  multiply: { options: {}, merge: true },
};

// Activations that take options on the same layer object.
const ACTIVATION_OPTIONS = { leakyrelu: ['alpha'], elu: ['alpha'], hardsigmoid: ['alpha', 'beta'] };

function activationName(where, value) {
  if (value === undefined || value === null) return 'linear';
  const name = typeof value === 'string' ? ACTIVATION_ALIASES[value] ?? value : value;
  if (typeof name !== 'string' || !(name in ACTIVATIONS)) {
    const all = [...Object.keys(ACTIVATIONS), ...Object.keys(ACTIVATION_ALIASES)];
    throw new Error(
      `${where}: unknown activation ${describe(value)}; one of ${all.join(', ')}` +
        (typeof value === 'string' ? suggest(value, all) : ''),
    );
  }
  return name;
}

/** A layer object's type as the engine knows it ({ type: 'relu' } is an activation layer). */
function canonicalType(layer) {
  const t = layer && typeof layer === 'object' ? layer.type : undefined;
  const a = typeof t === 'string' ? ACTIVATION_ALIASES[t] ?? t : t;
  return typeof a === 'string' && a in ACTIVATIONS ? 'activation' : t;
}

/**
 * Every layer's name (given, or conv2d_1, add_1 … as layerNames makes them), checked: a name
 * is a string, used once, and not 'input'. */
function namesOf(layers) {
  layers.forEach((layer, i) => {
    if (layer && typeof layer === 'object' && layer.name !== undefined && (typeof layer.name !== 'string' || layer.name === '')) {
      throw new Error(`layer ${i} (${layer.type}): name must be a non-empty string, got ${describe(layer.name)}`);
    }
  });
  const names = layerNames(layers.map(canonicalType), layers.map((l) => (l && typeof l === 'object' ? l.name : undefined)));
  const seen = new Map();
  names.forEach((name, i) => {
    if (/[\r\n]/.test(name)) throw new Error(`layer ${i}: the name ${JSON.stringify(name)} has a line break; names are one line`);
    if (name === 'input') throw new Error(`layer ${i}: the name 'input' is the model's input; choose another`);
    if (seen.has(name)) throw new Error(`layer ${i}: the name '${name}' is also layer ${seen.get(name)}'s; names must be unique`);
    seen.set(name, i);
  });
  return names;
}

/**
 * A layer's `inputs` (names of earlier layers, or 'input') as engine indices (-1: the model's
 * input); null when it reads the previous layer (the default).
 */
function resolveInputs(layer, i, names, where) {
  const given = layer.inputs;
  if (given === undefined) return null;
  if (!Array.isArray(given) || given.length === 0 || !given.every((n) => typeof n === 'string')) {
    throw new Error(`${where}: inputs must be a non-empty array of layer names (or 'input'), got ${describe(given)}`);
  }
  if (given.length > MAX_INPUTS) throw new Error(`${where}: ${given.length} inputs; a layer takes at most ${MAX_INPUTS}`);
  return given.map((name) => {
    if (name === 'input') return INPUT;
    const j = names.indexOf(name);
    if (j === i) throw new Error(`${where}: lists itself ('${name}') as an input`);
    if (j > i) {
      throw new Error(`${where}: input '${name}' is layer ${j}, which comes after it: list the layers so that every input comes earlier`);
    }
    if (j < 0) {
      const earlier = ['input', ...names.slice(0, i)];
      throw new Error(`${where}: input '${name}' is not the name of an earlier layer (earlier: ${earlier.join(', ')})` + suggest(name, earlier));
    }
    return j;
  });
}

/** Writes one layer object as a cnn_layer_spec at byte `at` of `view` (a DataView). */
function encodeLayer(layer, i, view, at, names) {
  if (!layer || typeof layer !== 'object' || Array.isArray(layer)) {
    throw new Error(`layer ${i}: must be an object like { type: 'conv2d', … }, got ${describe(layer)}`);
  }
  let type = layer.type;
  let activation = layer.activation;
  // { type: 'relu' } is shorthand for { type: 'activation', activation: 'relu' }.
  const asActivation = typeof type === 'string' ? ACTIVATION_ALIASES[type] ?? type : type;
  if (typeof asActivation === 'string' && asActivation in ACTIVATIONS) {
    if (activation !== undefined) {
      throw new Error(`layer ${i} (${type}): a standalone activation layer takes no 'activation' option`);
    }
    activation = asActivation;
    type = 'activation';
  }
  if (typeof type !== 'string' || !(type in DESCRIPTORS)) {
    const all = [...Object.keys(DESCRIPTORS), ...Object.keys(ACTIVATIONS), ...Object.keys(ACTIVATION_ALIASES)];
    throw new Error(
      `layer ${i}: unknown layer type ${describe(type)}; one of ${all.join(', ')}` +
        (typeof type === 'string' ? suggest(type, all) : ''),
    );
  }
  const where = `layer ${i} (${type})`;
  const d = DESCRIPTORS[type];
  const act = activationName(where, activation);
  const inputs = resolveInputs(layer, i, names, where);
  if (type === 'activation' && activation === undefined) {
    throw new Error(`${where}: needs an 'activation' (${Object.keys(ACTIVATIONS).join(', ')})`);
  }
  const actOptions = ACTIVATION_OPTIONS[act] ?? [];
  const own = Object.keys(d.options);
  const accepted = ['type', 'name', 'inputs', 'activation', ...own, ...actOptions];
  for (const key of Object.keys(layer)) {
    if (accepted.includes(key) || layer[key] === undefined) continue;
    if (key === 'alpha' || key === 'beta') {
      throw new Error(`${where}: '${key}' applies to the activations ${Object.keys(ACTIVATION_OPTIONS).filter((a) => ACTIVATION_OPTIONS[a].includes(key)).join(', ')}, not ${act}`);
    }
    const takes = [...own, 'activation', ...actOptions];
    const owners = Object.keys(DESCRIPTORS).filter((t) => key in DESCRIPTORS[t].options);
    if (owners.length) {
      throw new Error(`${where}: ${key} does not apply to ${type} (it is an option of ${owners.join(', ')}); ${type} takes ${takes.join(', ')}`);
    }
    throw new Error(`${where}: unknown option '${key}'; ${type} takes ${takes.join(', ')}` + suggest(key, takes));
  }
  for (const key of d.required ?? []) {
    if (layer[key] === undefined) throw new Error(`${where}: needs '${key}'`);
  }
  if (d.merge && layer.inputs === undefined) {
    throw new Error(`${where}: needs 'inputs', the names of the 2 or more layers it merges (or 'input')`);
  }
  const pairs = [];
  if (act !== 'linear') pairs.push([KEY.activation, ACTIVATIONS[act]]);
  for (const key of actOptions) if (layer[key] !== undefined) pairs.push(...float(key).encode(layer[key], where, key));
  for (const [key, codec] of Object.entries(d.options)) {
    if (layer[key] !== undefined) pairs.push(...codec.encode(layer[key], where, key));
  }
  if (pairs.length > MAX_OPTIONS) throw new Error(`${where}: ${pairs.length} options, at most ${MAX_OPTIONS}`);
  view.setInt32(at + SPEC.type, LAYER_TYPES[type], true);
  if (inputs) {
    view.setInt32(at + SPEC.n_inputs, inputs.length, true);
    inputs.forEach((j, k) => view.setInt32(at + SPEC.inputs + 4 * k, j, true));
  }
  pairs.forEach(([key, value], j) => {
    const o = at + SPEC.options + j * SPEC.optionBytes;
    view.setInt32(o, key, true);
    if (OPTION_KINDS[key] === 'float') view.setFloat32(o + 4, value, true);
    else view.setInt32(o + 4, value, true);
  });
  return layer.name;
}

/**
 * Turns layer objects into the bytes of n cnn_layer_spec structs (SPEC.bytes each), and
 * each layer's given name.
 */
export function encodeLayers(layers) {
  if (!Array.isArray(layers) || layers.length === 0) {
    throw new Error(`createModel: layers must be a non-empty array, got ${describe(layers)}`);
  }
  // before any work on them: a huge definition is refused at once, allocating nothing
  if (layers.length > MAX_LAYERS) throw new Error(`createModel: ${layers.length} layers; a model has at most ${MAX_LAYERS}`);
  const bytes = new Uint8Array(layers.length * SPEC.bytes);
  const view = new DataView(bytes.buffer);
  const all = namesOf(layers);
  const names = layers.map((layer, i) => encodeLayer(layer, i, view, i * SPEC.bytes, all));
  return { bytes, count: layers.length, names };
}

/** Default names: conv2d_1, conv2d_2, maxpool2d_1 … (or the name a layer was given). */
export function layerNames(types, given = []) {
  const count = {};
  return types.map((t, i) => {
    count[t] = (count[t] || 0) + 1;
    return given[i] || `${t}_${count[t]}`;
  });
}

export function typeName(code) {
  return TYPE_NAMES[code];
}

/**
 * The JavaScript description of a layer from what the engine reports: `info` (the decoded
 * cnn_layer_info), `get(key)` / `getFloat(key)` (resolved options) and `tensors` ([{ name,
 * shape, size, trainable }]).
 */
export function describeLayer(info, get, getFloat, tensors, index, name, inputs) {
  const type = TYPE_NAMES[info.type];
  const shape = (rank, h, w, c) => (rank === 3 ? [h, w, c] : [c]);
  const act = ACTIVATION_NAMES[info.activation];
  const layer = {
    index,
    name,
    type,
    activation: act,
    inputShape: shape(info.in_rank, info.in_h, info.in_w, info.in_c),
    outputShape: shape(info.out_rank, info.out_h, info.out_w, info.out_c),
    params: info.params,
    trainableParams: info.trainable,
    tensors,
    inputs,
  };
  for (const key of ACTIVATION_OPTIONS[act] ?? []) layer[key] = shortFloat(getFloat(KEY[key]));
  for (const [key, codec] of Object.entries(DESCRIPTORS[type].options)) layer[key] = codec.decode(get, getFloat, layer);
  if ('padding' in DESCRIPTORS[type].options) {
    // Resolved zero padding [top, bottom, left, right] ('same' puts the odd pixel last).
    layer.pads = [info.pad_top, info.pad_bottom, info.pad_left, info.pad_right];
  }
  for (const t of tensors) layer[`${t.name}Size`] = t.size;
  return layer;
}

function sameValue(a, b) {
  return Array.isArray(a) ? Array.isArray(b) && a.length === b.length && a.every((v, i) => v === b[i]) : a === b;
}

/** The layer object that re-creates a layer (model.config()): options that differ from their
 * defaults, and `inputs` unless it reads the layer before it. */
export function layerConfig(layer, previous) {
  const out = { type: layer.type };
  if (layer.inputs.length !== 1 || layer.inputs[0] !== previous) out.inputs = [...layer.inputs];
  for (const [key, codec] of Object.entries(DESCRIPTORS[layer.type].options)) {
    const v = layer[key];
    const isDefault = codec.isDefault ? codec.isDefault(v, layer) : codec.def !== undefined && sameValue(v, codec.def);
    if (!isDefault) out[key] = v;
  }
  if (layer.activation !== 'linear' || layer.type === 'activation') out.activation = layer.activation;
  for (const key of ACTIVATION_OPTIONS[layer.activation] ?? []) out[key] = layer[key];
  out.name = layer.name;
  return out;
}

/** summary()'s formula for a layer's parameters ('' for layers without any). */
export function layerFormula(layer) {
  const f = DESCRIPTORS[layer.type].formula;
  return f && layer.params ? f(layer) : '';
}
