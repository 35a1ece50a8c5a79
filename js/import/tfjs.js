// import/tfjs.js — TensorFlow.js layers-format models (model.json + binary weight shards, as
// tensorflowjs_converter writes them from Keras and tf.LayersModel.save() writes them) → an
// ordinary wasm-cnn Model.
//
//   const model = await importTfjs(modelJson, weights, { createModel, inputShape, where });
//
// modelJson: the parsed model.json (a JSON string or its bytes are accepted too). weights: all
// shards concatenated in manifest order (Uint8Array | ArrayBuffer), or a Map / plain object
// from shard path to bytes, or async (path) => bytes. The Keras graph is read into wasm-cnn
// layers (one per Keras layer, named as in Keras; SeparableConv2D becomes a depthwiseconv2d
// '<name>_depthwise' and a 1×1 conv2d '<name>'), every shape is inferred here in Keras terms
// and every weight is checked against the layer that uses it — names, shapes, dtypes and
// byte lengths — before anything is allocated from a declared size. Anything that cannot be
// reproduced exactly is an Error naming the layer and what is supported; nothing is skipped.
//
// Layouts: channels_last models map one to one (Keras kernels are HWIO like ours). For
// channels_first models the input [C, H, W] becomes our [H, W, C]; a Flatten or Reshape of a
// CHW map produces Keras' C·H·W order, so the next Dense kernel's rows (or a BatchNormalization's
// vectors) are permuted from CHW to our HWC order. A 1×1 map from GlobalPooling(keepdims) or
// Reshape([1, 1, C]) is carried as a vector: a 1×1 Conv2D on it becomes dense, a Multiply with
// a map becomes our vector × map multiply (squeeze-and-excitation). Dense on a channels_last
// map becomes a 1×1 conv2d, a vector input [n] becomes our [1, 1, n] input and a flatten.

import { MAX_INPUTS as MAX_MERGE_INPUTS, MAX_LAYERS as MAX_OUR_LAYERS } from '../abi.js'; // the engine's limits

const MAX_KERAS_LAYERS = 2048; // read from model.json (wasm-cnn models have at most MAX_OUR_LAYERS)
const MAX_VALUES = 2 ** 28; // values in one activation tensor (the engine's limit)
const MAX_GEOMETRY = 65536; // kernel, stride, dilation, padding, spatial size
const MAX_CHANNELS = 1 << 24;
const MAX_SPECS = 100000; // weight entries in the manifest
const MAX_PATHS = 100000; // shard files
const MAX_WEIGHT_BYTES = 2 ** 32;
const MAX_NAME = 1024; // characters in a layer or weight name

const SUPPORTED = [
  'InputLayer', 'Conv2D', 'DepthwiseConv2D', 'SeparableConv2D', 'MaxPooling2D', 'AveragePooling2D',
  'GlobalAveragePooling2D', 'GlobalMaxPooling2D', 'Dense', 'Flatten', 'Reshape', 'Dropout',
  'BatchNormalization', 'Activation', 'ReLU', 'LeakyReLU', 'ELU', 'Softmax', 'ZeroPadding2D', 'Add',
  'Concatenate', 'Multiply',
];
const CLASS_ALIASES = {
  Convolution2D: 'Conv2D', SeparableConvolution2D: 'SeparableConv2D', MaxPool2D: 'MaxPooling2D',
  AvgPool2D: 'AveragePooling2D', GlobalAvgPool2D: 'GlobalAveragePooling2D', GlobalMaxPool2D: 'GlobalMaxPooling2D',
};
const MODEL_CLASSES = ['Sequential', 'Model', 'Functional'];
// Keras activation names → ours (hard_sigmoid, leaky_relu: see activationOf).
const ACTIVATIONS = {
  linear: 'linear', relu: 'relu', sigmoid: 'sigmoid', tanh: 'tanh', softmax: 'softmax', elu: 'elu', selu: 'selu',
  softplus: 'softplus', relu6: 'relu6', gelu: 'gelu', swish: 'swish', silu: 'swish', hard_silu: 'hardswish',
  hard_swish: 'hardswish',
};
const ACTIVATION_LIST = [...Object.keys(ACTIVATIONS), 'hard_sigmoid', 'leaky_relu'].join(', ');

// Errors this module makes (plain Errors); anything else reaching the top is wrapped.
const ours = new WeakSet();
function mkError(message, code) {
  const err = new Error(message);
  if (code !== undefined) err.code = code;
  ours.add(err);
  return err;
}

const own = (o, k) => Object.prototype.hasOwnProperty.call(o, k);
const isObj = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const clip = (s, n = 80) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** A short description of any value, for messages (never stringifies large structures). */
function show(v) {
  if (typeof v === 'string') return `'${clip(v, 60)}'`;
  if (v === null || typeof v !== 'object') return String(v);
  if (Array.isArray(v)) {
    if (v.length <= 8 && v.every((x) => x === null || typeof x !== 'object')) return `[${v.map(show).join(', ')}]`;
    return `an array of ${v.length}`;
  }
  return 'an object';
}

function looksLikeHtml(bytes) {
  let i = 0;
  while (i < bytes.length && i < 64 && [0x20, 0x0a, 0x0d, 0x09, 0xef, 0xbb, 0xbf].includes(bytes[i])) i++;
  return bytes[i] === 0x3c; // '<'
}

function toBytes(v) {
  if (v instanceof Uint8Array) return v;
  if (v instanceof ArrayBuffer || (typeof SharedArrayBuffer === 'function' && v instanceof SharedArrayBuffer)) return new Uint8Array(v);
  if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  return null;
}

/** true for a TensorFlow.js layers-format model.json object (never throws). */
export function looksLikeTfjsModelJson(obj) {
  try {
    if (!isObj(obj)) return false;
    return (isObj(obj.modelTopology) && Array.isArray(obj.weightsManifest)) || obj.format === 'layers-model';
  } catch {
    return false;
  }
}

/**
 * Imports a TensorFlow.js layers-format model: modelJson (parsed model.json), weights (see the
 * file header), { createModel (wasm-cnn's), inputShape ([h, w, c] for inputs with unknown
 * spatial size), where (the prefix of error messages) } → Promise<Model>.
 */
export async function importTfjs(modelJson, weights, options = {}) {
  const { createModel, inputShape, where: given = 'loadModel' } = isObj(options) ? options : {};
  const where = typeof given === 'string' ? clip(given, 200) : 'loadModel';
  try {
    return await run(modelJson, weights, createModel, inputShape, where);
  } catch (err) {
    if (ours.has(err)) throw err;
    const wrapped = mkError(`${where}: TensorFlow.js import failed (internal error: ${err && err.name}: ${err && err.message})`);
    wrapped.cause = err;
    throw wrapped;
  }
}

async function run(json, weights, createModel, inputShape, where) {
  const fail = (msg) => mkError(`${where}: ${msg}`);
  if (typeof createModel !== 'function') throw fail("importTfjs needs { createModel } (wasm-cnn's createModel)");
  const model = parseJson(json, fail);
  const topo = readTopology(model, fail);
  const plan = convert(topo, inputShape, peekShapes(model.weightsManifest), fail);
  const manifest = readManifest(model.weightsManifest, plan, topo, fail);
  const shards = await readShards(weights, manifest, fail);
  const tensors = new Map(); // our layer name → { tensor name: Float32Array }
  for (const w of plan.weights) {
    let data = decodeWeight(w, shards[w.src.group], fail);
    if (w.perm) data = permuteRows(data, w.perm);
    if (!tensors.has(w.layer)) tensors.set(w.layer, {});
    tensors.get(w.layer)[w.tensor] = data;
  }

  let net;
  try {
    net = await createModel({ input: plan.input, layers: plan.layers, seed: 1 });
  } catch (err) {
    throw mkError(`${where}: the TensorFlow.js model does not fit wasm-cnn: ${err && err.message}`, err && err.code);
  }
  try {
    net.layers.forEach((l, i) => {
      const shape = plan.shapes.get(l.name);
      if (!shape || shape.join() !== l.outputShape.join()) {
        throw fail(`internal error: layer '${clip(l.name)}' has shape [${l.outputShape}], the importer expected [${shape}]`);
      }
      if (!l.tensors.length) return;
      const given = tensors.get(l.name) ?? {};
      for (const t of l.tensors) {
        if (!given[t.name]) throw fail(`internal error: no ${t.name} for layer '${clip(l.name)}'`);
      }
      net.setWeights(i, given);
    });
    net.setMetadata({ name: plan.name, description: `imported from TensorFlow.js layers format (${plan.version})` });
  } catch (err) {
    net.dispose();
    if (ours.has(err)) throw err;
    throw mkError(`${where}: setting the TensorFlow.js weights failed: ${err && err.message}`);
  }
  return net;
}

// ─── model.json ────────────────────────────────────────────────────────────────────────────

function parseJson(json, fail) {
  let text = null;
  const bytes = toBytes(json);
  if (bytes) {
    if (looksLikeHtml(bytes)) throw fail('model.json is an HTML page, not a TensorFlow.js model (a wrong URL, or a server that answers every path with index.html?)');
    text = new TextDecoder('utf-8').decode(bytes);
  } else if (typeof json === 'string') {
    text = json;
  }
  if (text !== null) {
    if (/^[\s\ufeff]*</.test(text.slice(0, 256))) {
      throw fail('model.json is an HTML page, not a TensorFlow.js model (a wrong URL, or a server that answers every path with index.html?)');
    }
    try {
      json = JSON.parse(text.replace(/^\ufeff/, ''));
    } catch (err) {
      throw fail(`model.json is not valid JSON (${clip(String(err && err.message), 120)})`);
    }
  }
  if (!isObj(json)) throw fail(`a TensorFlow.js model.json must be an object with modelTopology and weightsManifest, got ${show(json)}`);
  return json;
}

/** A [layer name, node index, tensor index] reference (Keras 2 / tfjs, or Keras 3 keras_history). */
function refName(ref, what, fail) {
  if (!Array.isArray(ref) || typeof ref[0] !== 'string') throw fail(`${what}: expected [layer name, node index, tensor index], got ${show(ref)}`);
  const [name, node = 0, tensor = 0] = ref;
  if (node !== 0 || tensor !== 0) {
    throw fail(`${what}: '${clip(ref[0])}' node ${show(node)} tensor ${show(tensor)}: shared layers (called more than once) and layers with several outputs are not supported`);
  }
  return name;
}

/** Every keras_history in a Keras 3 inbound node's args, in order. */
function kerasHistories(v, out, budget, depth = 0) {
  if (depth > 8 || budget.n-- <= 0) return;
  if (Array.isArray(v)) {
    for (const x of v) kerasHistories(x, out, budget, depth + 1);
  } else if (isObj(v)) {
    if (v.class_name === '__keras_tensor__' && isObj(v.config)) out.push(v.config.keras_history);
    else if (isObj(v.config) && 'keras_history' in v.config) out.push(v.config.keras_history);
  }
}

function readTopology(json, fail) {
  if (json.format !== undefined && json.format !== null && json.format !== 'layers-model') {
    if (json.format === 'graph-model') {
      throw fail("this is a TensorFlow.js graph model (format 'graph-model'); only the layers format (format 'layers-model': tensorflowjs_converter --output_format tfjs_layers_model, or tf.LayersModel.save) can be imported");
    }
    throw fail(`model.json format is ${show(json.format)}; expected 'layers-model'`);
  }
  const topo = json.modelTopology;
  if (!isObj(topo)) throw fail(`model.json has no modelTopology object (got ${show(topo)}); is it a TensorFlow.js layers model?`);
  const mc = isObj(topo.model_config) ? topo.model_config : topo;
  const cls = mc.class_name;
  const cfg = mc.config;
  if (!MODEL_CLASSES.includes(cls)) {
    throw fail(`modelTopology class_name is ${show(cls)}; expected one of ${MODEL_CLASSES.join(', ')}`);
  }
  const sequential = cls === 'Sequential';
  const list = sequential && Array.isArray(cfg) ? cfg : isObj(cfg) ? cfg.layers : undefined;
  if (!Array.isArray(list) || list.length === 0) throw fail(`the ${cls} model has no layers list (config.layers is ${show(list)})`);
  if (list.length > MAX_KERAS_LAYERS) throw fail(`the model has ${list.length} layers; at most ${MAX_KERAS_LAYERS} can be read (a wasm-cnn model has at most ${MAX_OUR_LAYERS})`);

  const nodes = list.map((e, i) => {
    if (!isObj(e)) throw fail(`layer ${i} of the model: expected { class_name, config }, got ${show(e)}`);
    const raw = e.class_name;
    if (typeof raw !== 'string' || !raw) throw fail(`layer ${i} of the model: class_name must be a string, got ${show(raw)}`);
    const config = e.config === undefined ? {} : e.config;
    if (!isObj(config)) throw fail(`layer ${i} (${clip(raw)}): config must be an object, got ${show(config)}`);
    const name = e.name ?? config.name;
    if (typeof name !== 'string' || !name || name.length > MAX_NAME || /[\r\n]/.test(name)) {
      throw fail(`layer ${i} (${clip(raw)}): name must be a string of 1 to ${MAX_NAME} characters without line breaks, got ${show(name)}`);
    }
    const node = { name, cls: own(CLASS_ALIASES, raw) ? CLASS_ALIASES[raw] : raw, config, index: i, inbound: [], keras3: 'registered_name' in e || 'module' in e };
    node.where = `layer '${clip(name)}' (${clip(raw)})`;
    if (MODEL_CLASSES.includes(node.cls)) throw fail(`${node.where}: nested models are not supported; save the model with its layers inlined`);
    if (!sequential) {
      const inb = e.inbound_nodes ?? [];
      if (!Array.isArray(inb)) throw fail(`${node.where}: inbound_nodes must be an array, got ${show(inb)}`);
      if (node.cls === 'InputLayer') {
        if (inb.length) throw fail(`${node.where}: an InputLayer has no inbound nodes`);
      } else {
        if (inb.length === 0) throw fail(`${node.where}: is not connected to anything (no inbound_nodes)`);
        if (inb.length > 1) throw fail(`${node.where}: is called ${inb.length} times (a shared layer); not supported`);
        let refs = inb[0];
        if (isObj(refs)) { // Keras 3: { args: [KerasTensor | [KerasTensor, …]], kwargs }
          const found = [];
          kerasHistories(refs.args, found, { n: 10000 });
          refs = found;
        }
        if (!Array.isArray(refs) || refs.length === 0) throw fail(`${node.where}: cannot read its inbound node ${show(inb[0])}`);
        if (refs.length > MAX_MERGE_INPUTS) throw fail(`${node.where}: ${refs.length} inputs; at most ${MAX_MERGE_INPUTS}`);
        node.inbound = refs.map((r) => refName(r, `${node.where} inbound node`, fail));
      }
    }
    return node;
  });
  const byName = new Map();
  for (const n of nodes) {
    if (byName.has(n.name)) throw fail(`two layers are named '${clip(n.name)}'`);
    byName.set(n.name, n);
  }

  let input;
  let output;
  if (sequential) {
    let rest = nodes;
    if (nodes[0].cls === 'InputLayer') {
      input = nodes[0];
      rest = nodes.slice(1);
    } else {
      const c = nodes[0].config;
      let name = `${nodes[0].name}_input`;
      while (byName.has(name)) name += '_';
      input = { name, cls: 'InputLayer', where: `the input of ${nodes[0].where}`, inbound: [], index: -1,
        config: { batch_input_shape: c.batch_input_shape ?? c.batch_shape ?? (Array.isArray(c.input_shape) && c.input_shape.length <= 8 ? [null, ...c.input_shape] : isObj(cfg) ? cfg.build_input_shape : undefined) } };
      byName.set(name, input);
    }
    if (rest.length === 0) throw fail('the Sequential model has no layers besides its input');
    let prev = input.name;
    for (const n of rest) {
      if (n.cls === 'InputLayer') throw fail(`${n.where}: an InputLayer can only be a Sequential model's first layer`);
      n.inbound = [prev];
      prev = n.name;
    }
    output = rest[rest.length - 1];
    return { name: isObj(cfg) ? cfg.name : undefined, nodes: [input, ...rest], input, output, byName, topo, json };
  }

  const refsOf = (v, what) => {
    if (!Array.isArray(v) || v.length === 0) throw fail(`model config ${what} must be a list of [layer name, 0, 0], got ${show(v)}`);
    const list2 = typeof v[0] === 'string' ? [v] : v;
    return list2.map((r) => refName(r, `model config ${what}`, fail));
  };
  const ins = refsOf(cfg.input_layers, 'input_layers');
  const outs = refsOf(cfg.output_layers, 'output_layers');
  if (ins.length !== 1) throw fail(`the model has ${ins.length} inputs; wasm-cnn models have one`);
  if (outs.length !== 1) throw fail(`the model has ${outs.length} outputs; wasm-cnn models have one`);
  input = byName.get(ins[0]);
  output = byName.get(outs[0]);
  if (!input || input.cls !== 'InputLayer') throw fail(`model input '${clip(ins[0])}' is not an InputLayer of the model`);
  if (!output) throw fail(`model output '${clip(outs[0])}' is not a layer of the model`);
  for (const n of nodes) {
    for (const r of n.inbound) if (!byName.has(r)) throw fail(`${n.where}: its input '${clip(r)}' is not a layer of the model`);
  }
  // Every layer must lead to the output; the input must be reached.
  const needed = new Set([output.name]);
  const stack = [output];
  while (stack.length) {
    for (const r of stack.pop().inbound) {
      if (!needed.has(r)) {
        needed.add(r);
        stack.push(byName.get(r));
      }
    }
  }
  const dangling = nodes.filter((n) => !needed.has(n.name));
  if (dangling.length) {
    throw fail(`layers that do not lead to the output (${dangling.slice(0, 5).map((n) => `'${clip(n.name)}'`).join(', ')}${dangling.length > 5 ? ' …' : ''}); a wasm-cnn model has one output and no unused branches`);
  }
  // Topological order, keeping the file's order where the graph allows.
  const order = [];
  const done = new Set();
  for (let progress = true; progress && order.length < nodes.length;) {
    progress = false;
    for (const n of nodes) {
      if (!done.has(n.name) && n.inbound.every((r) => done.has(r))) {
        done.add(n.name);
        order.push(n);
        progress = true;
      }
    }
  }
  if (order.length < nodes.length) {
    const stuck = nodes.find((n) => !done.has(n.name));
    throw fail(`the layer graph has a cycle (through ${stuck.where})`);
  }
  return { name: cfg.name, nodes: order, input, output, byName, topo, json };
}

// ─── Keras layers → wasm-cnn layers ──────────────────────────────────────────────────────
// A tensor as we carry it: { ref (our layer name or 'input'), shape (ours: [h, w, c] or [n]),
// kind ('map', 'vec', or 'vec11': a Keras [1, 1, C] / [C, 1, 1] kept as our vector), perm
// ([h, w, c] when a vector holds a CHW-ordered flatten of an h×w×c map, channels_first) }.

function convert(topo, inputShape, peek, fail) {
  const { nodes, input, output } = topo;
  const kv = typeof topo.topo.keras_version === 'string' ? topo.topo.keras_version : '';
  // Keras 3 (its layer entries carry module / registered_name) differs in hard_sigmoid
  const keras3 = /^[3-9]\./.test(kv) || (!kv && nodes.some((n) => n.keras3));
  // data format: one for the whole model
  let cf = null;
  let cfAt = null;
  for (const n of nodes) {
    if (n.cls === 'Flatten' || !('data_format' in n.config) || n.config.data_format == null) continue;
    const f = n.config.data_format;
    if (f !== 'channels_first' && f !== 'channels_last') throw fail(`${n.where}: data_format ${show(f)}; expected 'channels_last' or 'channels_first'`);
    if (cf === null) {
      cf = f === 'channels_first';
      cfAt = n;
    } else if (cf !== (f === 'channels_first')) {
      throw fail(`${n.where} is ${f} but ${cfAt.where} is ${cf ? 'channels_first' : 'channels_last'}: models that mix data formats are not supported`);
    }
  }
  cf = !!cf;

  const layers = [];
  const shapes = new Map();
  const weights = []; // { key, layer, tensor, shape (Keras), perm?, node }
  const byLayer = new Map(); // Keras name → Map(suffix → weight entry)
  const used = new Set(['input']);
  const reserved = new Set(nodes.map((n) => n.name));
  const claim = (name, own) => {
    let n = name;
    for (let k = 1; used.has(n) || ((!own || n !== name) && reserved.has(n)); k++) n = `${name}_${k}`;
    used.add(n);
    return n;
  };
  const emit = (layer, from, shape) => {
    if (layers.length >= MAX_OUR_LAYERS) throw fail(`the model needs more than ${MAX_OUR_LAYERS} wasm-cnn layers (the engine's limit)`);
    const prev = layers.length ? layers[layers.length - 1].name : 'input';
    if (['add', 'concat', 'multiply'].includes(layer.type) || from.length !== 1 || from[0] !== prev) layer.inputs = from;
    layers.push(layer);
    shapes.set(layer.name, shape);
    return layer.name;
  };
  const need = (node, suffix, layer, tensor, shape, perm) => {
    const w = { key: `${node.name}/${suffix}`, layer, tensor, shape, perm, node };
    if (!byLayer.has(node.name)) byLayer.set(node.name, new Map());
    byLayer.get(node.name).set(suffix, w);
    weights.push(w);
  };

  // ── input
  const ic = input.config;
  const bis = ic.batch_input_shape ?? ic.batch_shape ?? (Array.isArray(ic.input_shape) && ic.input_shape.length <= 8 ? [null, ...ic.input_shape] : undefined);
  if (!Array.isArray(bis) || (bis.length !== 4 && bis.length !== 2)) {
    throw fail(`${input.where}: input shape ${show(bis)}; expected [batch, height, width, channels] (or [batch, channels, height, width] for channels_first) or [batch, units]`);
  }
  const dims = bis.slice(1).map((d) => {
    if (d === null || d === undefined || d === -1) return null;
    if (!Number.isInteger(d) || d < 1 || d > MAX_CHANNELS) throw fail(`${input.where}: input shape ${show(bis)} has a bad dimension ${show(d)}`);
    return d;
  });
  if (inputShape !== undefined && !(Array.isArray(inputShape) && inputShape.length === 3 && inputShape.every((v) => Number.isInteger(v) && v > 0 && v <= MAX_CHANNELS))) {
    throw fail(`inputShape must be [height, width, channels] of positive integers, got ${show(inputShape)}`);
  }
  let x;
  let ourInput;
  if (dims.length === 3) {
    const hwc = cf ? [dims[1], dims[2], dims[0]] : dims;
    ourInput = hwc.map((d, i) => {
      if (d === null && !inputShape) {
        throw fail(`${input.where}: the input shape ${show(bis)} has unknown dimensions; pass inputShape: [height, width, channels]`);
      }
      if (d !== null && inputShape && inputShape[i] !== d) {
        throw fail(`inputShape ${show(inputShape)} does not match the model's input ${show(bis)} (${cf ? 'channels_first: [C, H, W]' : '[H, W, C]'})`);
      }
      return d ?? inputShape[i];
    });
    x = { ref: 'input', shape: ourInput, kind: 'map' };
  } else {
    let n = dims[0];
    if (inputShape && !(inputShape[0] === 1 && inputShape[1] === 1 && (n === null || inputShape[2] === n))) {
      throw fail(`inputShape ${show(inputShape)} does not match the model's vector input ${show(bis)} (use [1, 1, ${n ?? 'n'}])`);
    }
    n = n ?? inputShape?.[2];
    if (!n) throw fail(`${input.where}: the input shape ${show(bis)} has an unknown size; pass inputShape: [1, 1, n]`);
    ourInput = [1, 1, n];
    const name = claim(input.name, true);
    x = { ref: emit({ type: 'flatten', name }, ['input'], [n]), shape: [n], kind: 'vec' };
  }
  if (ourInput[0] > MAX_GEOMETRY || ourInput[1] > MAX_GEOMETRY || ourInput[0] * ourInput[1] * ourInput[2] > MAX_VALUES) {
    throw fail(`the input ${show(ourInput)} is too large (at most ${MAX_VALUES} values)`);
  }
  const tensors = new Map([[input.name, x]]);

  for (const node of nodes) {
    if (node === input) continue;
    if (node.cls === 'InputLayer') throw fail(`${node.where}: a second input; wasm-cnn models have one`);
    const handler = own(HANDLERS, node.cls) ? HANDLERS[node.cls] : null;
    if (!handler) throw fail(`${node.where} is not supported; supported layers: ${SUPPORTED.join(', ')}`);
    const ctx = { node, c: node.config, cf, keras3, fail: (msg) => fail(`${node.where}: ${msg}`), emit, claim, need, peek: (suffix) => peek.get(`${node.name}/${suffix}`) };
    const out = handler(ctx, node.inbound.map((r) => tensors.get(r)));
    for (const d of out.shape) {
      if (!Number.isInteger(d) || d < 1) throw ctx.fail(`its output would be empty (shape ${show(out.shape)})`);
    }
    if (out.shape.reduce((a, b) => a * b, 1) > MAX_VALUES) throw ctx.fail(`its output ${show(out.shape)} has more than ${MAX_VALUES} values`);
    tensors.set(node.name, out);
  }
  const y = tensors.get(output.name);
  if (y.ref === 'input' || !layers.length) throw fail('the model computes nothing (its output is its input)');
  if (y.perm) throw fail(`${output.where}: the output is a channels_first flatten (C·H·W order); not supported as the model's output`);
  if (layers[layers.length - 1].name !== y.ref) throw fail('internal error: the output is not the last layer');
  const version = [kv && (kv.startsWith('tfjs') ? kv : `Keras ${kv}`), topo.json.convertedBy || (kv ? null : topo.json.generatedBy)]
    .filter((s) => typeof s === 'string' && s).map((s) => clip(s, 80)).join(' / ') || 'unknown version';
  const name = typeof topo.name === 'string' && topo.name ? clip(topo.name, 200) : 'tfjs model';
  return { input: ourInput, layers, shapes, weights, byLayer, name, version, cf };
}

// ── option readers (ctx.fail names the layer) ──

function intOpt(ctx, key, def, min = 1, max = MAX_GEOMETRY) {
  const v = ctx.c[key] ?? def;
  if (!Number.isInteger(v) || v < min || v > max) throw ctx.fail(`${key} must be an integer from ${min} to ${max}, got ${show(v)}`);
  return v;
}

function pairOpt(ctx, key, def, min = 1) {
  let v = ctx.c[key] ?? def;
  if (Number.isInteger(v)) v = [v, v];
  if (!Array.isArray(v) || v.length !== 2 || !v.every((d) => Number.isInteger(d) && d >= min && d <= MAX_GEOMETRY)) {
    throw ctx.fail(`${key} must be an integer or [height, width] of integers from ${min} to ${MAX_GEOMETRY}, got ${show(v)}`);
  }
  return [v[0], v[1]];
}

function boolOpt(ctx, key, def) {
  const v = ctx.c[key] ?? def;
  if (typeof v !== 'boolean') throw ctx.fail(`${key} must be true or false, got ${show(v)}`);
  return v;
}

function numOpt(ctx, key, def, ok, rule) {
  const v = ctx.c[key] ?? def;
  if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v)) throw ctx.fail(`${key} must be ${rule}, got ${show(v)}`);
  return v;
}

function paddingOpt(ctx) {
  const p = ctx.c.padding ?? 'valid';
  if (p !== 'valid' && p !== 'same') throw ctx.fail(`padding ${show(p)} is not supported; ${ctx.node.cls} takes 'valid' or 'same'`);
  return p;
}

/** A layer's `activation` → our options ({} for linear); `out` is the tensor it applies to. */
function activationOf(ctx, value, out) {
  let v = value;
  if (isObj(v) && typeof v.config === 'string') v = v.config; // Keras 3 serialised function
  if (isObj(v) && typeof v.class_name === 'string') v = v.class_name;
  if (v === null || v === undefined || v === 'linear') return {};
  if (v === 'hard_sigmoid' || v === 'hardSigmoid') {
    // tfjs-layers 4.22 and Keras 2: clip(0.2·x + 0.5, 0, 1); Keras 3: relu6(x + 3) / 6.
    return ctx.keras3 ? { activation: 'hardsigmoid' } : { activation: 'hardsigmoid', alpha: 0.2, beta: 0.5 };
  }
  if (v === 'leaky_relu') return { activation: 'leakyrelu', alpha: 0.2 }; // Keras 3's default negative_slope
  const a = typeof v === 'string' && own(ACTIVATIONS, v) ? ACTIVATIONS[v] : null;
  if (!a) throw ctx.fail(`activation ${show(v)} is not supported; supported: ${ACTIVATION_LIST}`);
  if (a === 'softmax' && out.kind !== 'vec' && ctx.cf) {
    throw ctx.fail("activation 'softmax' on a channels_first map is over its last axis (width); not supported");
  }
  return a === 'linear' ? {} : { activation: a };
}

function single(ctx, ins) {
  if (ins.length !== 1) throw ctx.fail(`takes one input, got ${ins.length}`);
  return ins[0];
}

function needMap(ctx, x) {
  if (x.kind !== 'map') throw ctx.fail(`needs an image-like (height, width, channels) input; its input is a vector of ${x.shape[0]}`);
  return x.shape;
}

/** Output size along one axis for a window of effective size ek, stride s. */
function outDim(ctx, n, ek, s, padding) {
  if (padding === 'same') return Math.ceil(n / s);
  if (n < ek) throw ctx.fail(`its window (${ek}) is larger than its input (${n}) with padding 'valid'`);
  return Math.floor((n - ek) / s) + 1;
}

/** Keras' channel axis of tensor x (normalised to 0…rank−1), for axis options. */
function isChannelAxis(ctx, x, axis) {
  const rank = x.kind === 'vec' ? 2 : 4;
  if (Array.isArray(axis) && axis.length === 1) axis = axis[0];
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) throw ctx.fail(`axis ${show(axis)} is not an axis of a rank-${rank} tensor`);
  const a = axis < 0 ? axis + rank : axis;
  return a === (x.kind === 'vec' ? 1 : ctx.cf ? 1 : 3);
}

function windowed(ctx, x, kind) {
  const [h, w, c] = needMap(ctx, x);
  const kernel = pairOpt(ctx, kind === 'pool' ? 'pool_size' : 'kernel_size', kind === 'pool' ? [2, 2] : undefined);
  const stride = kind === 'pool' ? pairOpt(ctx, 'strides', kernel) : pairOpt(ctx, 'strides', [1, 1]);
  const dilation = kind === 'pool' ? [1, 1] : pairOpt(ctx, 'dilation_rate', [1, 1]);
  const padding = paddingOpt(ctx);
  const ek = kernel.map((k, i) => (k - 1) * dilation[i] + 1);
  const out = [outDim(ctx, h, ek[0], stride[0], padding), outDim(ctx, w, ek[1], stride[1], padding)];
  return { h, w, c, kernel, stride, dilation, padding, out };
}

const dilationOpt = (d) => (d[0] === 1 && d[1] === 1 ? {} : { dilation: d });

function conv2d(ctx, ins) {
  const x = single(ctx, ins);
  const filters = intOpt(ctx, 'filters', undefined, 1, MAX_CHANNELS);
  const useBias = boolOpt(ctx, 'use_bias', true);
  const groups = intOpt(ctx, 'groups', 1, 1, MAX_CHANNELS);
  const name = ctx.claim(ctx.node.name, true);
  if (x.kind === 'vec11') {
    // a 1×1 convolution of a 1×1 map: dense on the vector (kernel [1][1][in][out] = [in][out])
    const k = pairOpt(ctx, 'kernel_size');
    paddingOpt(ctx);
    pairOpt(ctx, 'strides', [1, 1]);
    if (k[0] !== 1 || k[1] !== 1 || groups !== 1) throw ctx.fail(`a ${k[0]}×${k[1]} kernel${groups > 1 ? ` in ${groups} groups` : ''} on a 1×1 map (from GlobalPooling keepdims or Reshape [1, 1, C]) is not supported; only 1×1 kernels`);
    const out = { ref: null, shape: [filters], kind: 'vec11' };
    out.ref = ctx.emit({ type: 'dense', name, units: filters, useBias, ...activationOf(ctx, ctx.c.activation, out) }, [x.ref], out.shape);
    ctx.need(ctx.node, 'kernel', name, 'kernel', [1, 1, x.shape[0], filters]);
    if (useBias) ctx.need(ctx.node, 'bias', name, 'bias', [filters]);
    return out;
  }
  const g = windowed(ctx, x, 'conv');
  if (g.c % groups || filters % groups) throw ctx.fail(`groups ${groups} must divide the ${g.c} input channels and the ${filters} filters`);
  const out = { ref: null, shape: [...g.out, filters], kind: 'map' };
  const layer = { type: 'conv2d', name, filters, kernel: g.kernel, stride: g.stride, ...dilationOpt(g.dilation), padding: g.padding,
    ...(groups > 1 ? { groups } : {}), useBias, ...activationOf(ctx, ctx.c.activation, out) };
  out.ref = ctx.emit(layer, [x.ref], out.shape);
  ctx.need(ctx.node, 'kernel', name, 'kernel', [...g.kernel, g.c / groups, filters]);
  if (useBias) ctx.need(ctx.node, 'bias', name, 'bias', [filters]);
  return out;
}

function depthwise(ctx, ins, separable) {
  const x = single(ctx, ins);
  const g = windowed(ctx, x, 'conv');
  // tfjs-layers 4.22 leaves depth_multiplier out of SeparableConv2D configs: the kernel says it
  const declared = separable && ctx.c.depth_multiplier == null ? ctx.peek('depthwise_kernel')?.[3] : undefined;
  const mult = intOpt(ctx, 'depth_multiplier', Number.isInteger(declared) && declared > 0 ? declared : 1, 1, MAX_CHANNELS);
  const useBias = boolOpt(ctx, 'use_bias', true);
  const m = g.c * mult;
  const dw = { type: 'depthwiseconv2d', name: '', kernel: g.kernel, stride: g.stride, ...dilationOpt(g.dilation), padding: g.padding,
    depthMultiplier: mult, useBias: separable ? false : useBias };
  if (!separable) {
    dw.name = ctx.claim(ctx.node.name, true);
    const out = { ref: null, shape: [...g.out, m], kind: 'map' };
    Object.assign(dw, activationOf(ctx, ctx.c.activation, out));
    out.ref = ctx.emit(dw, [x.ref], out.shape);
    ctx.need(ctx.node, 'depthwise_kernel', dw.name, 'kernel', [...g.kernel, g.c, mult]);
    if (useBias) ctx.need(ctx.node, 'bias', dw.name, 'bias', [m]);
    return out;
  }
  const filters = intOpt(ctx, 'filters', undefined, 1, MAX_CHANNELS);
  dw.name = ctx.claim(`${ctx.node.name}_depthwise`, false);
  const name = ctx.claim(ctx.node.name, true);
  const mid = ctx.emit(dw, [x.ref], [...g.out, m]);
  const out = { ref: null, shape: [...g.out, filters], kind: 'map' };
  out.ref = ctx.emit({ type: 'conv2d', name, filters, kernel: 1, useBias, ...activationOf(ctx, ctx.c.activation, out) }, [mid], out.shape);
  ctx.need(ctx.node, 'depthwise_kernel', dw.name, 'kernel', [...g.kernel, g.c, mult]);
  ctx.need(ctx.node, 'pointwise_kernel', name, 'kernel', [1, 1, m, filters]);
  if (useBias) ctx.need(ctx.node, 'bias', name, 'bias', [filters]);
  return out;
}

function pool(ctx, ins, type) {
  const x = single(ctx, ins);
  const g = windowed(ctx, x, 'pool');
  const out = { ref: null, shape: [...g.out, g.c], kind: 'map' };
  out.ref = ctx.emit({ type, name: ctx.claim(ctx.node.name, true), size: g.kernel, stride: g.stride, padding: g.padding }, [x.ref], out.shape);
  return out;
}

function globalPool(ctx, ins, type) {
  const x = single(ctx, ins);
  const kind = boolOpt(ctx, 'keepdims', false) ? 'vec11' : 'vec';
  if (x.kind === 'vec11') return { ...x, kind }; // pooling a 1×1 map: the identity
  const [, , c] = needMap(ctx, x);
  return { ref: ctx.emit({ type, name: ctx.claim(ctx.node.name, true) }, [x.ref], [c]), shape: [c], kind };
}

function dense(ctx, ins) {
  const x = single(ctx, ins);
  const units = intOpt(ctx, 'units', undefined, 1, MAX_CHANNELS);
  const useBias = boolOpt(ctx, 'use_bias', true);
  const name = ctx.claim(ctx.node.name, true);
  if (x.kind === 'map') {
    // Dense on a (h, w, c) map acts on the last axis: a 1×1 convolution (channels_last only).
    if (ctx.cf) throw ctx.fail('Dense on a channels_first map acts on its width axis; not supported (Flatten or pool first)');
    const out = { ref: null, shape: [x.shape[0], x.shape[1], units], kind: 'map' };
    out.ref = ctx.emit({ type: 'conv2d', name, filters: units, kernel: 1, useBias, ...activationOf(ctx, ctx.c.activation, out) }, [x.ref], out.shape);
    ctx.need(ctx.node, 'kernel', name, 'kernel', [x.shape[2], units]);
    if (useBias) ctx.need(ctx.node, 'bias', name, 'bias', [units]);
    return out;
  }
  const out = { ref: null, shape: [units], kind: x.kind };
  out.ref = ctx.emit({ type: 'dense', name, units, useBias, ...activationOf(ctx, ctx.c.activation, out) }, [x.ref], out.shape);
  ctx.need(ctx.node, 'kernel', name, 'kernel', [x.shape[0], units], x.perm);
  if (useBias) ctx.need(ctx.node, 'bias', name, 'bias', [units]);
  return out;
}

function flatten(ctx, ins, isReshape) {
  const x = single(ctx, ins);
  if (x.kind !== 'map') return { ...x, kind: 'vec' };
  const [h, w, c] = x.shape;
  const n = h * w * c;
  // Keras/tfjs Flatten with data_format channels_first first transposes to channels_last (HWC
  // order, as ours); otherwise (and always for Reshape) it flattens the tensor as stored.
  let perm;
  if (ctx.cf) perm = isReshape || ctx.c.data_format !== 'channels_first' ? [h, w, c] : undefined;
  else if (!isReshape && ctx.c.data_format === 'channels_first') throw ctx.fail('Flatten with data_format channels_first in a channels_last model is not supported');
  if (perm && (c === 1 || h * w === 1)) perm = undefined; // CHW = HWC
  return { ref: ctx.emit({ type: 'flatten', name: ctx.claim(ctx.node.name, true) }, [x.ref], [n]), shape: [n], kind: 'vec', ...(perm ? { perm } : {}) };
}

function reshape(ctx, ins) {
  const x = single(ctx, ins);
  const t = ctx.c.target_shape;
  if (!Array.isArray(t) || t.length === 0 || t.length > 8 || !t.every((d) => d === null || d === -1 || (Number.isInteger(d) && d >= 1 && d <= MAX_VALUES))) {
    throw ctx.fail(`target_shape must be a list of positive integers (one may be -1), got ${show(t)}`);
  }
  const n = x.shape.reduce((a, b) => a * b, 1);
  const unknown = t.filter((d) => d === null || d === -1).length;
  const known = t.reduce((a, d) => (d === null || d === -1 ? a : a * d), 1);
  if (unknown > 1 || (unknown ? n % known !== 0 : known !== n)) throw ctx.fail(`cannot reshape ${n} values to ${show(t)}`);
  const target = t.map((d) => (d === null || d === -1 ? n / known : d));
  const kerasShape = x.kind === 'vec' ? x.shape : x.kind === 'vec11' ? (ctx.cf ? [n, 1, 1] : [1, 1, n]) : ctx.cf ? [x.shape[2], x.shape[0], x.shape[1]] : x.shape;
  if (target.join() === kerasShape.join()) return x;
  if (target.length === 1) return flatten(ctx, ins, true);
  const as11 = ctx.cf ? [n, 1, 1] : [1, 1, n];
  if (target.join() === as11.join() && !x.perm && x.kind !== 'map') return { ...x, kind: 'vec11' };
  throw ctx.fail(`Reshape from ${show(kerasShape)} to ${show(t)} is not supported; supported: to a vector [n], to [${ctx.cf ? 'C, 1, 1' : '1, 1, C'}] from a vector (squeeze-and-excitation), or to the same shape`);
}

function batchnorm(ctx, ins) {
  const x = single(ctx, ins);
  if (!isChannelAxis(ctx, x, ctx.c.axis ?? -1)) throw ctx.fail(`axis ${show(ctx.c.axis)} is not the channel axis (${x.kind === 'vec' ? '-1' : ctx.cf ? '1, channels_first' : '-1 or 3'}); only batch normalisation over channels is supported`);
  if (ctx.c.renorm === true) throw ctx.fail('renorm is not supported');
  const epsilon = numOpt(ctx, 'epsilon', 0.001, (v) => v > 0, 'a positive number');
  const momentum = numOpt(ctx, 'momentum', 0.99, (v) => v >= 0 && v <= 1, 'a number from 0 to 1');
  const center = boolOpt(ctx, 'center', true);
  const scale = boolOpt(ctx, 'scale', true);
  const name = ctx.claim(ctx.node.name, true);
  const c = x.shape[x.shape.length - 1];
  const ref = ctx.emit({ type: 'batchnorm', name, epsilon, momentum, center, scale }, [x.ref], x.shape);
  if (scale) ctx.need(ctx.node, 'gamma', name, 'gamma', [c], x.perm);
  if (center) ctx.need(ctx.node, 'beta', name, 'beta', [c], x.perm);
  ctx.need(ctx.node, 'moving_mean', name, 'movingMean', [c], x.perm);
  ctx.need(ctx.node, 'moving_variance', name, 'movingVariance', [c], x.perm);
  return { ...x, ref };
}

/** A standalone activation layer: `a` is our options ({} = linear). */
function activationLayer(ctx, ins, a) {
  const x = single(ctx, ins);
  const layer = { type: 'activation', name: ctx.claim(ctx.node.name, true), activation: 'linear', ...a };
  return { ...x, ref: ctx.emit(layer, [x.ref], x.shape) };
}

function merge(ctx, ins, type) {
  if (ins.length < 2) throw ctx.fail(`merges 2 or more inputs, got ${ins.length}`);
  const name = ctx.claim(ctx.node.name, true);
  const refs = ins.map((t) => t.ref);
  const permKey = (t) => (t.perm ? t.perm.join() : '');
  if (type === 'concat') {
    const axis = ctx.c.axis ?? -1;
    if (ins.some((t) => t.perm)) throw ctx.fail('concatenating channels_first flattens (C·H·W order) is not supported');
    const kind = ins[0].kind;
    if (!ins.every((t) => t.kind === kind)) throw ctx.fail('concatenates maps and vectors (or vectors of different ranks); not supported');
    if (!isChannelAxis(ctx, ins[0], axis)) throw ctx.fail(`axis ${show(axis)} is not the channel axis; only concatenation along channels is supported`);
    if (kind === 'map' && !ins.every((t) => t.shape[0] === ins[0].shape[0] && t.shape[1] === ins[0].shape[1])) {
      throw ctx.fail(`its inputs differ in height or width (${ins.map((t) => show(t.shape)).join(', ')})`);
    }
    const shape = [...ins[0].shape];
    shape[shape.length - 1] = ins.reduce((a, t) => a + t.shape[t.shape.length - 1], 0);
    return { ref: ctx.emit({ type, name, inputs: refs }, refs, shape), shape, kind };
  }
  const maps = ins.filter((t) => t.kind === 'map');
  const vecs = ins.filter((t) => t.kind !== 'map');
  if (maps.length && vecs.length) {
    // a per-channel vector times a map: ours (squeeze-and-excitation); add cannot broadcast
    const v = vecs[0];
    const ok = type === 'multiply' && ins.length === 2 && !v.perm && v.shape[0] === maps[0].shape[2] && (v.kind === 'vec11' || !ctx.cf);
    if (!ok) {
      throw ctx.fail(`${type === 'add' ? 'adds' : 'multiplies'} ${ins.map((t) => show(t.shape)).join(' and ')}: mixing a map with a vector is supported only for Multiply of two inputs, an (h, w, C) map and a ${ctx.cf ? '[C, 1, 1]' : 'C'} vector`);
    }
    return { ref: ctx.emit({ type, name, inputs: refs }, refs, maps[0].shape), shape: maps[0].shape, kind: 'map' };
  }
  const s0 = ins[0].shape.join();
  if (!ins.every((t) => t.shape.join() === s0 && permKey(t) === permKey(ins[0]))) {
    throw ctx.fail(`its inputs differ in shape (${ins.map((t) => show(t.shape)).join(', ')}); broadcasting is not supported`);
  }
  const kind = maps.length ? 'map' : ins.some((t) => t.kind === 'vec11') ? 'vec11' : 'vec';
  return { ref: ctx.emit({ type, name, inputs: refs }, refs, ins[0].shape), shape: ins[0].shape, kind, ...(ins[0].perm ? { perm: ins[0].perm } : {}) };
}

const HANDLERS = {
  Conv2D: conv2d,
  DepthwiseConv2D: (ctx, ins) => depthwise(ctx, ins, false),
  SeparableConv2D: (ctx, ins) => depthwise(ctx, ins, true),
  MaxPooling2D: (ctx, ins) => pool(ctx, ins, 'maxpool2d'),
  AveragePooling2D: (ctx, ins) => pool(ctx, ins, 'avgpool2d'),
  GlobalAveragePooling2D: (ctx, ins) => globalPool(ctx, ins, 'globalavgpool2d'),
  GlobalMaxPooling2D: (ctx, ins) => globalPool(ctx, ins, 'globalmaxpool2d'),
  Dense: dense,
  Flatten: (ctx, ins) => flatten(ctx, ins, false),
  Reshape: reshape,
  Dropout(ctx, ins) {
    const x = single(ctx, ins);
    const rate = numOpt(ctx, 'rate', 0.5, (v) => v >= 0 && v < 1, 'a number from 0 to below 1');
    if (ctx.c.noise_shape != null) throw ctx.fail('noise_shape is not supported');
    return { ...x, ref: ctx.emit({ type: 'dropout', name: ctx.claim(ctx.node.name, true), rate }, [x.ref], x.shape) };
  },
  BatchNormalization: batchnorm,
  Activation(ctx, ins) {
    if (ctx.c.activation == null) throw ctx.fail(`needs an activation (${ACTIVATION_LIST})`);
    return activationLayer(ctx, ins, activationOf(ctx, ctx.c.activation, single(ctx, ins)));
  },
  ReLU(ctx, ins) {
    const max = ctx.c.max_value ?? null;
    const slope = numOpt(ctx, 'negative_slope', 0, () => true, 'a number');
    if (numOpt(ctx, 'threshold', 0, () => true, 'a number') !== 0) throw ctx.fail(`threshold ${show(ctx.c.threshold)} is not supported (only 0)`);
    if (slope !== 0) {
      if (max !== null) throw ctx.fail('negative_slope together with max_value is not supported');
      return activationLayer(ctx, ins, { activation: 'leakyrelu', alpha: slope });
    }
    if (max === null) return activationLayer(ctx, ins, { activation: 'relu' });
    if (max === 6) return activationLayer(ctx, ins, { activation: 'relu6' });
    throw ctx.fail(`max_value ${show(max)} is not supported; ReLU takes max_value null (relu) or 6 (relu6)`);
  },
  LeakyReLU(ctx, ins) {
    const key = 'alpha' in ctx.c || !('negative_slope' in ctx.c) ? 'alpha' : 'negative_slope';
    return activationLayer(ctx, ins, { activation: 'leakyrelu', alpha: numOpt(ctx, key, 0.3, () => true, 'a number') });
  },
  ELU: (ctx, ins) => activationLayer(ctx, ins, { activation: 'elu', alpha: numOpt(ctx, 'alpha', 1, () => true, 'a number') }),
  Softmax(ctx, ins) {
    const x = single(ctx, ins);
    const axis = ctx.c.axis ?? -1;
    if (!isChannelAxis(ctx, x, axis)) throw ctx.fail(`axis ${show(axis)} is not the channel axis; only a softmax over channels (or a vector) is supported`);
    return activationLayer(ctx, ins, { activation: 'softmax' });
  },
  ZeroPadding2D(ctx, ins) {
    const x = single(ctx, ins);
    const [h, w, c] = needMap(ctx, x);
    let p = ctx.c.padding ?? 1;
    if (Number.isInteger(p)) p = [[p, p], [p, p]];
    else if (Array.isArray(p) && p.length === 2 && p.every(Number.isInteger)) p = [[p[0], p[0]], [p[1], p[1]]];
    const pads = Array.isArray(p) && p.length === 2 && p.every((a) => Array.isArray(a) && a.length === 2) ? p.flat() : null;
    if (!pads || !pads.every((v) => Number.isInteger(v) && v >= 0 && v <= MAX_GEOMETRY)) {
      throw ctx.fail(`padding must be n, [h, w] or [[top, bottom], [left, right]] of integers from 0 to ${MAX_GEOMETRY}, got ${show(ctx.c.padding)}`);
    }
    const shape = [h + pads[0] + pads[1], w + pads[2] + pads[3], c];
    return { ref: ctx.emit({ type: 'zeropad2d', name: ctx.claim(ctx.node.name, true), padding: pads }, [x.ref], shape), shape, kind: 'map' };
  },
  Add: (ctx, ins) => merge(ctx, ins, 'add'),
  Multiply: (ctx, ins) => merge(ctx, ins, 'multiply'),
  Concatenate: (ctx, ins) => merge(ctx, ins, 'concat'),
};
for (const k of SUPPORTED) if (k !== 'InputLayer' && !HANDLERS[k]) throw new Error(`tfjs importer: no handler for ${k}`);

// ─── Weights ─────────────────────────────────────────────────────────────────────────────

const DTYPE_BYTES = { float32: 4, int32: 4, bool: 1, complex64: 8 };
const QUANT_BYTES = { uint8: 1, uint16: 2, float16: 2 };

/** 'layer/suffix' → declared shape, for options a config leaves out (a first look; checked later). */
function peekShapes(manifest) {
  const out = new Map();
  let budget = MAX_SPECS;
  for (const g of Array.isArray(manifest) ? manifest : []) {
    if (!isObj(g) || !Array.isArray(g.weights)) continue;
    for (const w of g.weights) {
      if (--budget < 0) return out;
      if (isObj(w) && typeof w.name === 'string' && w.name.length <= MAX_NAME && Array.isArray(w.shape)) {
        out.set(w.name.replace(/:\d+$/, '').split('/').slice(-2).join('/'), w.shape);
      }
    }
    if (--budget < 0) return out;
  }
  return out;
}

/** Reads weightsManifest: byte layout of every group, and where each needed weight lies. */
function readManifest(manifest, plan, topo, fail) {
  if (manifest === undefined || manifest === null) manifest = [];
  if (!Array.isArray(manifest)) throw fail(`weightsManifest must be a list of { paths, weights }, got ${show(manifest)}`);
  const groups = [];
  let specs = 0;
  let paths = 0;
  let total = 0;
  const found = new Set();
  manifest.forEach((g, gi) => {
    const gw = `weightsManifest[${gi}]`;
    if (!isObj(g) || !Array.isArray(g.paths) || !Array.isArray(g.weights)) throw fail(`${gw} must be { paths: [...], weights: [...] }, got ${show(g)}`);
    if ((paths += g.paths.length) > MAX_PATHS || (specs += g.weights.length) > MAX_SPECS) throw fail('weightsManifest lists too many files or weights');
    g.paths.forEach((p) => {
      if (typeof p !== 'string' || !p || p.length > 4096) throw fail(`${gw}.paths: a path must be a non-empty string, got ${show(p)}`);
    });
    let offset = 0;
    for (const w of g.weights) {
      if (!isObj(w) || typeof w.name !== 'string' || !w.name || w.name.length > MAX_NAME) throw fail(`${gw}: a weight must be { name (a string of 1 to ${MAX_NAME} characters), shape, dtype }, got ${show(isObj(w) ? w.name : w)}`);
      const wn = `weight '${clip(w.name)}'`;
      const { shape, dtype, quantization: q } = w;
      if (!Array.isArray(shape) || shape.length > 8 || !shape.every((d) => Number.isInteger(d) && d >= 0 && d < 2 ** 31)) {
        throw fail(`${wn}: shape must be a list of at most 8 non-negative integers, got ${show(shape)}`);
      }
      const count = shape.reduce((a, b) => a * b, 1);
      let size;
      if (q !== undefined && q !== null) {
        if (!isObj(q) || !own(QUANT_BYTES, q.dtype)) throw fail(`${wn}: quantization ${show(isObj(q) ? q.dtype : q)} is not supported; uint8, uint16 or float16`);
        size = QUANT_BYTES[q.dtype];
      } else if (typeof dtype === 'string' && own(DTYPE_BYTES, dtype)) {
        size = DTYPE_BYTES[dtype];
      } else {
        throw fail(`${wn}: dtype ${show(dtype)} is not supported (float32, or quantized uint8 / uint16 / float16)`);
      }
      const bytes = count * size;
      const entry = matchWeight(w, plan, topo, fail);
      if (entry) {
        if (found.has(entry.key)) throw fail(`${wn}: ${entry.node.where} has its '${entry.key.slice(entry.node.name.length + 1)}' twice in the manifest`);
        found.add(entry.key);
        if (shape.join() !== entry.shape.join()) {
          throw fail(`${wn} has shape ${show(shape)}, but ${entry.node.where} needs ${show(entry.shape)} — the weights of another model?`);
        }
        if (dtype !== 'float32') throw fail(`${wn} has dtype ${show(dtype)}; ${entry.node.where} needs float32 weights`);
        if (q && q.dtype !== 'float16' && !(Number.isFinite(q.scale) && Number.isFinite(q.min))) {
          throw fail(`${wn}: ${q.dtype} quantization needs finite scale and min, got ${show(q.scale)}, ${show(q.min)}`);
        }
        entry.src = { group: gi, offset, count, q: q ? q.dtype : null, scale: q?.scale, min: q?.min, name: w.name };
      }
      offset += bytes;
    }
    groups.push({ paths: g.paths, bytes: offset, count: g.weights.length });
    total += offset;
  });
  if (total > MAX_WEIGHT_BYTES) throw fail(`weightsManifest declares ${total > 1e15 ? total.toExponential(2) : total} bytes of weights; at most ${MAX_WEIGHT_BYTES}`);
  const missing = plan.weights.filter((w) => !w.src);
  if (missing.length) {
    const w = missing[0];
    throw fail(`${w.node.where}: its weight '${w.key}' is not in the weightsManifest${missing.length > 1 ? ` (nor ${missing.length - 1} more)` : ''}`);
  }
  return { groups, total };
}

/** The planned weight a manifest entry is, null for one that is safely unused, or an Error. */
function matchWeight(w, plan, topo, fail) {
  const name = w.name.replace(/:\d+$/, '');
  const parts = name.split('/');
  const suffix = parts[parts.length - 1];
  let node = null;
  for (let k = 0; k < parts.length - 1 && !node; k++) node = topo.byName.get(parts.slice(k, -1).join('/')) ?? null;
  if (!node) {
    if (w.group === 'optimizer') return null;
    throw fail(`weight '${clip(w.name)}' belongs to no layer of this model — the weights of another model?`);
  }
  const entry = plan.byLayer.get(node.name)?.get(suffix);
  if (entry) return entry;
  // Keras 3 keeps a random-seed state variable in Dropout-like layers: not a parameter.
  if (w.group === 'optimizer' || suffix === 'seed_generator_state' || (node.cls === 'Dropout' && w.dtype !== 'float32')) return null;
  const has = [...(plan.byLayer.get(node.name)?.keys() ?? [])];
  throw fail(`weight '${clip(w.name)}': ${node.where} has no weight '${clip(suffix)}' (${has.length ? `it has ${has.join(', ')}` : 'it has none'}) — the weights of another model?`);
}

/** The bytes of every weight group, checked against the manifest's declared lengths. */
async function readShards(weights, manifest, fail) {
  const { groups, total } = manifest;
  const all = toBytes(weights);
  if (all) {
    if (all.length !== total) {
      throw fail(`the weights have ${all.length} bytes, but the weightsManifest declares ${total} (${groups.reduce((a, g) => a + g.paths.length, 0)} files) — a truncated download, or the weights of another model?${looksLikeHtml(all) ? ' (they look like an HTML page)' : ''}`);
    }
    let at = 0;
    return groups.map((g) => all.subarray(at, (at += g.bytes)));
  }
  if (weights === undefined || weights === null) {
    if (total === 0 && groups.every((g) => g.paths.length === 0)) return groups.map(() => new Uint8Array(0));
    throw fail(`the model has ${total} bytes of weights in ${groups.map((g) => g.paths.join(', ')).join(', ')}; pass them`);
  }
  let get;
  if (typeof weights === 'function') {
    get = async (p) => {
      try {
        return await weights(p);
      } catch (err) {
        throw fail(`cannot read the weights file '${clip(p)}': ${err && err.message}`);
      }
    };
  } else if (weights instanceof Map || isObj(weights)) {
    const has = (k) => (weights instanceof Map ? weights.has(k) : own(weights, k));
    const at = (k) => (weights instanceof Map ? weights.get(k) : weights[k]);
    get = async (p) => {
      const base = p.split('/').pop();
      if (has(p)) return at(p);
      if (has(base)) return at(base);
      const keys = weights instanceof Map ? [...weights.keys()] : Object.keys(weights);
      throw fail(`the weights file '${clip(p)}' is missing (given: ${keys.slice(0, 5).map((k) => show(k)).join(', ')}${keys.length > 5 ? ' …' : ''})`);
    };
  } else {
    throw fail(`weights must be bytes (Uint8Array / ArrayBuffer), a Map or object from file path to bytes, or a function (path) => bytes; got ${show(weights)}`);
  }
  const files = await Promise.all(groups.map((g) => Promise.all(g.paths.map(async (p) => {
    const b = toBytes(await get(p));
    if (!b) throw fail(`the weights file '${clip(p)}' is not bytes (Uint8Array or ArrayBuffer)`);
    return b;
  }))));
  return groups.map((g, gi) => {
    const parts = files[gi];
    const got = parts.reduce((a, b) => a + b.length, 0);
    if (got !== g.bytes) {
      const html = parts.find(looksLikeHtml) ? ' (a file looks like an HTML page: a wrong URL?)' : '';
      throw fail(`the weights files ${g.paths.map((p) => `'${clip(p, 60)}'`).join(', ')} have ${got} bytes, but the weightsManifest declares ${g.bytes} for their ${g.count} weights — a truncated download, or the weights of another model?${html}`);
    }
    if (parts.length === 1) return parts[0];
    const joined = new Uint8Array(got);
    let at = 0;
    for (const b of parts) {
      joined.set(b, at);
      at += b.length;
    }
    return joined;
  });
}

function half(h) {
  const e = (h >> 10) & 31;
  const f = h & 1023;
  const v = e === 0 ? f * 2 ** -24 : e === 31 ? (f ? NaN : Infinity) : (1 + f / 1024) * 2 ** (e - 15);
  return h & 0x8000 ? -v : v;
}

/** One weight as float32 values in its Keras layout (dequantised), checked finite. */
function decodeWeight(w, bytes, fail) {
  const { offset, count, q, scale, min, name } = w.src;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(count);
  if (!q) {
    const start = bytes.byteOffset + offset;
    if (start % 4 === 0) out.set(new Float32Array(bytes.buffer, start, count));
    else for (let i = 0; i < count; i++) out[i] = view.getFloat32(offset + 4 * i, true);
  } else if (q === 'uint8') {
    for (let i = 0; i < count; i++) out[i] = bytes[offset + i] * scale + min;
  } else if (q === 'uint16') {
    for (let i = 0; i < count; i++) out[i] = view.getUint16(offset + 2 * i, true) * scale + min;
  } else {
    for (let i = 0; i < count; i++) out[i] = half(view.getUint16(offset + 2 * i, true));
  }
  for (let i = 0; i < count; i++) {
    if (!Number.isFinite(out[i])) throw fail(`weight '${clip(name)}' holds ${out[i]} at index ${i} — a corrupt file, or the weights of another model?`);
  }
  return out;
}

/** Rows of a [C·H·W][k] matrix in Keras' channels_first flatten order → our H·W·C order. */
function permuteRows(data, [h, w, c]) {
  const n = h * w * c;
  const k = data.length / n;
  const out = new Float32Array(data.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let ch = 0; ch < c; ch++) {
        const from = (ch * h * w + y * w + x) * k;
        out.set(data.subarray(from, from + k), ((y * w + x) * c + ch) * k);
      }
    }
  }
  return out;
}
