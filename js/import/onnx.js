// onnx.js — ONNX models (opsets 6–25, IR version ≥ 3) as wasm-cnn models.
//
//   const model = await importOnnx(bytes, { createModel, inputShape: [h, w, c] });
//
// The graph is read with ./protobuf.js, lowered node by node to wasm-cnn layer objects (in
// topological order, only the nodes the graph's one output depends on), built with the
// engine's createModel, and given the ONNX weights with setWeights. The result is an ordinary
// model: its input is NHWC [H, W, C] where the ONNX input is NCHW (N, C, H, W) (N is ignored:
// wasm-cnn runs images one by one), and a map output is HWC where ONNX's is CHW.
//
// What is lowered to what (everything else is an Error naming the node and the op, never a
// silent skip):
//   Conv → conv2d (group → groups), or depthwiseconv2d when group = in channels; weights
//     OIHW → HWIO / [kh][kw][C][M]; pads (x1_begin, x2_begin, x1_end, x2_end) → [top, bottom,
//     left, right]; auto_pad SAME_UPPER → 'same', SAME_LOWER → explicit pads.
//   BatchNormalization, and Add/Sub/Mul/Div of a per-channel constant → folded into the layer
//     before (conv, depthwise, dense, batchnorm) when that layer's output is read by nothing
//     else; otherwise a batchnorm layer (a constant affine becomes a batchnorm with mean 0,
//     variance 1 − 2⁻¹⁰ and epsilon 2⁻¹⁰, which sum to 1 exactly in float32).
//   Activations (Relu, LeakyRelu, Clip(0, 6) / Clip(0), Sigmoid, Tanh, Elu, Selu, HardSigmoid,
//     HardSwish, Gelu, Softplus, Softmax, Mul(x, Sigmoid(x)) → swish, Mul(x, HardSigmoid(x))
//     with alpha 1/6 → hardswish) → the layer before's `activation` when it has none and
//     nothing else reads it, else an activation layer.
//   MaxPool / AveragePool / GlobalAveragePool / GlobalMaxPool, Pad (constant 0 on H/W) →
//     zeropad2d, Flatten / Reshape / Squeeze / Unsqueeze to a flat vector → flatten,
//     Gemm / MatMul with a constant B → dense, Add / Mul / Concat of tensors → add / multiply /
//     concat, Dropout / Identity → nothing.
//   Constants, initializers and shape arithmetic (Shape, Gather, Unsqueeze, Squeeze, Concat,
//     Cast, Slice, Reshape, Add/Sub/Mul/Div of constants) are evaluated at import time, with
//     the batch dimension taken as 1.
//
// Strictness: an attribute the importer does not know is an Error (it would otherwise be a
// silent skip); so are extra outputs that are read (MaxPool's Indices, Dropout's mask),
// non-float inputs, opsets outside 6–25, several graph inputs or outputs. Shapes are checked
// twice: the importer computes every layer's output shape by ONNX's rules (ceil_mode as ORT
// and PyTorch run it: a last window that would start in the right padding is dropped), and
// refuses the model if the engine's shape differs. Errors are plain Errors whose message
// starts with `where` ('loadModel: …'), and names the node and the op.
//
// Two layout facts carry the correctness of the import:
//   * a flatten of an ONNX map is in CHW order, wasm-cnn's in HWC order: a vector made by
//     flattening a (C, H, W) map with C > 1 and H·W > 1 remembers that order, and the dense
//     layer that reads it gets its kernel rows permuted (as do per-unit constants; a graph
//     output or a concat in that order is an Error);
//   * a global pool's (N, C, 1, 1) output is a (C) vector in wasm-cnn: a 1×1 Conv on it becomes
//     a dense layer, its product with a map (squeeze-and-excitation) a multiply with a vector.

import { MAX_LAYERS } from '../abi.js';
import { decodeModel, tensorData } from './protobuf.js';

export { looksLikeOnnx } from './protobuf.js';

const OPSET_MIN = 6;
const OPSET_MAX = 25;
const AFFINE_EPS = 2 ** -10; // batchnorm epsilon for constant affines: (1 − eps) + eps = 1 in float32
const FLT_MAX = 3.4028234663852886e38;
const FOLDABLE = new Set(['conv2d', 'depthwiseconv2d', 'dense']);

class ImportError extends Error {}

/**
 * Converts an ONNX model (bytes of a .onnx file) into a wasm-cnn Model.
 * @param {Uint8Array} bytes
 * @param {{ createModel: Function, inputShape?: number[], where?: string }} options
 */
export async function importOnnx(bytes, { createModel, inputShape, where = 'loadModel' } = {}) {
  if (typeof createModel !== 'function') throw new Error(`${where}: importOnnx needs { createModel } (wasm-cnn's createModel)`);
  if (inputShape !== undefined && !(Array.isArray(inputShape) && inputShape.length === 3 && inputShape.every((v) => Number.isInteger(v) && v > 0))) {
    throw new Error(`${where}: inputShape must be [height, width, channels] of positive integers, got ${JSON.stringify(inputShape)}`);
  }
  let plan;
  try {
    plan = convert(bytes, inputShape);
  } catch (err) {
    if (err instanceof ImportError || (err instanceof Error && /^(not an ONNX model|ONNX)/.test(err.message))) {
      throw new Error(`${where}: ${err.message}`);
    }
    throw new Error(`${where}: ONNX import failed: ${err && err.message ? err.message : String(err)}`);
  }
  let model;
  try {
    model = await createModel({ input: plan.input, layers: plan.layers, seed: 0 });
  } catch (err) {
    const e = new Error(`${where}: ONNX import: wasm-cnn cannot build the converted model: ${err.message}`);
    if (err.code) e.code = err.code;
    e.cause = err;
    throw e;
  }
  try {
    model.layers.forEach((l, i) => {
      const want = plan.shapes[i];
      if (l.outputShape.length !== want.length || l.outputShape.some((v, k) => v !== want[k])) {
        throw new Error(`${where}: ONNX import: layer '${l.name}' (${l.type}) outputs (${l.outputShape.join(', ')}) in wasm-cnn but (${want.join(', ')}) by the ONNX graph's rules; refusing a model that would compute something else`);
      }
      if (plan.weights[i]) model.setWeights(i, plan.weights[i]);
    });
    model.setMetadata(plan.metadata);
  } catch (err) {
    model.dispose();
    throw new Error(`${where}: ONNX import: ${err.message}`);
  }
  return model;
}

// ─── Small helpers ─────────────────────────────────────────────────────────────────────────

const prod = (a) => a.reduce((x, y) => x * y, 1);
const same = (a, b) => a.length === b.length && a.every((v, i) => v === b[i]);
const fmtDims = (d) => `(${d.join(', ')})`;

/** Index in an ONNX CHW flattening of the element at HWC position j of a (C, H, W) map. */
function chwIndex(j, [C, H, W]) {
  const c = j % C;
  const hw = (j - c) / C;
  return c * H * W + hw;
}

/** A per-element vector in ONNX (CHW) order → wasm-cnn's (HWC) order. */
function toPhysicalOrder(values, order) {
  if (!order) return values;
  const out = new Float32Array(values.length);
  for (let j = 0; j < out.length; j++) out[j] = values[chwIndex(j, order)];
  return out;
}

const ATTR = { 1: 'FLOAT', 2: 'INT', 3: 'STRING', 4: 'TENSOR', 5: 'GRAPH', 6: 'FLOATS', 7: 'INTS', 8: 'STRINGS', 9: 'TENSORS', 10: 'GRAPHS' };

// ─── The converter ─────────────────────────────────────────────────────────────────────────

function convert(bytes, inputShape) {
  if (!(bytes instanceof Uint8Array)) throw new ImportError('not an ONNX model: expected a Uint8Array');
  const m = decodeModel(bytes);
  if (m.irVersion === null || !m.graph) {
    throw new ImportError(`not an ONNX model: no ${m.irVersion === null ? 'ir_version' : 'graph'} (${bytes.length} bytes)`);
  }
  if (m.irVersion < 3) throw new ImportError(`ONNX IR version ${m.irVersion} is not supported (3 or later)`);
  const opsetEntry = m.opsets.find((o) => o.domain === '' || o.domain === 'ai.onnx');
  if (!opsetEntry) throw new ImportError('ONNX: the model imports no version of the default operator set (ai.onnx)');
  const opset = opsetEntry.version;
  if (!(opset >= OPSET_MIN && opset <= OPSET_MAX)) {
    throw new ImportError(`ONNX opset ${opset} is not supported (opsets ${OPSET_MIN} to ${OPSET_MAX} are)`);
  }
  const g = m.graph;
  if (g.sparse) throw new ImportError('ONNX: sparse initializers are not supported');

  // ── initializers (decoded on first use), the input and the output ──
  const inits = new Map();
  for (const t of g.initializers) inits.set(t.name, t);
  const constCache = new Map();
  const constOf = (name) => {
    if (!constCache.has(name)) constCache.set(name, { k: 'const', c: constFromTensor(inits.get(name), `ONNX initializer '${name}'`) });
    return constCache.get(name);
  };

  const realInputs = g.inputs.filter((v) => !inits.has(v.name));
  if (realInputs.length !== 1) {
    throw new ImportError(`ONNX: the graph has ${realInputs.length} inputs${realInputs.length ? ` (${realInputs.map((v) => `'${v.name}'`).join(', ')})` : ''}; wasm-cnn models have exactly one`);
  }
  if (g.outputs.length !== 1) {
    throw new ImportError(`ONNX: the graph has ${g.outputs.length} outputs${g.outputs.length ? ` (${g.outputs.map((v) => `'${v.name}'`).join(', ')})` : ''}; wasm-cnn models have exactly one (their last layer)`);
  }
  const inputInfo = realInputs[0];
  const outName = g.outputs[0].name;
  const { input, inputValue } = resolveInput(inputInfo, inputShape);

  // ── producers, then the nodes the output needs, in topological order ──
  const nodes = g.nodes;
  const label = (n) => (n.name ? `'${n.name}'` : `#${nodes.indexOf(n)}${n.outputs[0] ? ` (output '${n.outputs[0]}')` : ''}`);
  const producers = new Map();
  nodes.forEach((n, i) => {
    n.outputs.forEach((o) => {
      if (!o) return;
      if (producers.has(o) || inits.has(o) || o === inputInfo.name) {
        throw new ImportError(`ONNX node ${label(n)} (${n.opType}): its output '${o}' is already defined (by ${producers.has(o) ? `node ${label(nodes[producers.get(o)])}` : inits.has(o) ? 'an initializer' : 'the graph input'}); ONNX values are assigned once`);
      }
      producers.set(o, i);
    });
  });
  const order = [];
  {
    const start = producers.get(outName);
    if (start === undefined) {
      if (outName === inputInfo.name) throw new ImportError(`ONNX: the output '${outName}' is the input itself: there is nothing to compute`);
      if (inits.has(outName)) throw new ImportError(`ONNX: the output '${outName}' is a constant`);
      throw new ImportError(`ONNX: no node produces the graph output '${outName}'`);
    }
    const state = new Uint8Array(nodes.length);
    const stack = [[start, 0]];
    state[start] = 1;
    while (stack.length) {
      const top = stack[stack.length - 1];
      const n = nodes[top[0]];
      if (top[1] < n.inputs.length) {
        const name = n.inputs[top[1]++];
        if (!name) continue;
        const p = producers.get(name);
        if (p === undefined) {
          if (!inits.has(name) && name !== inputInfo.name) {
            throw new ImportError(`ONNX node ${label(n)} (${n.opType}) reads '${name}', which no node, initializer or graph input defines (a missing initializer?)`);
          }
          continue;
        }
        if (state[p] === 1) throw new ImportError(`ONNX node ${label(nodes[p])} (${nodes[p].opType}) depends on its own output '${name}' (a cycle in the graph)`);
        if (state[p] === 0) {
          state[p] = 1;
          stack.push([p, 0]);
        }
      } else {
        state[top[0]] = 2;
        order.push(top[0]);
        stack.pop();
      }
    }
  }

  // ── how many times each value is read (Shape reads only a shape: not counted) ──
  const uses = new Map();
  const use = (name, k = 1) => uses.set(name, (uses.get(name) || 0) + k);
  for (const i of order) {
    const n = nodes[i];
    if (n.opType === 'Shape' || n.opType === 'Size') continue;
    for (const name of n.inputs) if (name) use(name);
  }
  use(outName);
  const usesOf = (name) => uses.get(name) || 0;

  // ── x · sigmoid(x) → swish, x · hardsigmoid(x) (alpha 1/6, beta 1/2) → hardswish ──
  const gated = new Map(); // Mul node index → [x, activation]
  const skipped = new Set();
  for (const i of order) {
    const n = nodes[i];
    if (n.opType !== 'Mul' || n.inputs.length !== 2 || (n.domain && n.domain !== 'ai.onnx')) continue;
    for (const [s, x] of [[n.inputs[1], n.inputs[0]], [n.inputs[0], n.inputs[1]]]) {
      const p = producers.get(s);
      if (p === undefined || !x || usesOf(s) !== 1 || nodes[p].inputs[0] !== x || (nodes[p].domain && nodes[p].domain !== 'ai.onnx')) continue;
      const q = nodes[p];
      if (q.outputs.length !== 1 || [...q.attrs].some(([k, a]) => !a.type || !(ATTRIBUTES[q.opType] ?? []).includes(k))) continue; // refused where it stands
      let act = null;
      if (q.opType === 'Sigmoid') act = 'swish';
      else if (q.opType === 'HardSigmoid') {
        const a = q.attrs.get('alpha')?.f ?? 0.2;
        const b = q.attrs.get('beta')?.f ?? 0.5;
        if (Math.abs(a - 1 / 6) < 1e-6 && b === 0.5) act = 'hardswish';
      }
      if (!act) continue;
      gated.set(i, [x, act]);
      skipped.add(p);
      use(x, -1);
      break;
    }
  }

  // ── lowering ──
  const budget = { left: CONST_LIMIT };
  const values = new Map();
  const layers = [];
  const taken = new Set(['input']);
  const INPUT = { name: 'input', type: 'input', uses: Infinity, act: null };
  values.set(inputInfo.name, { ...inputValue, L: INPUT });

  const suffix = new Map(); // base name → the next suffix to try (no quadratic search)
  const uniqueName = (base) => {
    base = base.replace(/[\r\n]/g, ' ');
    let name = base;
    let k = suffix.get(base) ?? 2;
    while (taken.has(name)) name = `${base}_${k++}`;
    suffix.set(base, k);
    taken.add(name);
    return name;
  };

  // What every node's handler works with (one shared prototype: a node costs one small object).
  const proto = {
    // attributes
    attr(name, type) {
      const a = this.node.attrs.get(name);
      if (!a) return undefined;
      const have = a.type;
      if (have !== type) throw this.fail(`attribute '${name}' is ${ATTR[have] ?? `of type ${have}`}, expected ${ATTR[type]}`);
      return a;
    },
    int(name, def) {
      const a = this.attr(name, 2);
      if (!a) return def;
      if (!Number.isSafeInteger(a.i)) throw this.fail(`attribute '${name}' = ${a.i} is out of range`);
      return a.i;
    },
    ints(name, def) {
      const a = this.attr(name, 7);
      if (!a) return def;
      if (!a.ints.every(Number.isSafeInteger)) throw this.fail(`attribute '${name}' has out-of-range values`);
      return a.ints;
    },
    float(name, def) {
      const a = this.attr(name, 1);
      return a ? a.f ?? 0 : def;
    },
    str(name, def) {
      const a = this.attr(name, 3);
      return a ? a.s ?? '' : def;
    },
    // inputs
    tensor(k) {
      const v = this.ins[k];
      if (!v) throw this.fail(`input ${k}${this.node.inputs[k] ? ` '${this.node.inputs[k]}'` : ''} is missing`);
      if (v.k !== 'tensor') throw this.fail(`input ${k} '${this.node.inputs[k]}' is a constant; wasm-cnn needs a computed tensor here`);
      return v;
    },
    /** Constant input k ({ dims, data, kind }), or undefined when optional and absent. */
    konst(k, what, optional = false) {
      const v = this.ins[k];
      if (!v) {
        if (optional) return undefined;
        throw this.fail(`input ${k} (${what}) is missing`);
      }
      if (v.k !== 'const') throw this.fail(`input ${k} (${what}) '${this.node.inputs[k]}' must be a constant (an initializer or Constant), not a computed tensor`);
      return v.c;
    },
    floats(k, what, optional) {
      const c = this.konst(k, what, optional);
      if (!c) return c;
      if (c.kind !== 'float') throw this.fail(`input ${k} (${what}) must hold floats`);
      return c;
    },
    /** Extra outputs (Indices, mask, running statistics …) must not be read. */
    onlyFirstOutput() {
      this.node.outputs.slice(1).forEach((o) => {
        if (o && usesOf(o)) throw this.fail(`its output '${o}' is read by the graph; only the first output can be imported`);
      });
    },
    // producing values
    /** A new layer for this node; its output is output 0. */
    layer(type, opts, inputs, dims, phys, order = null, weights = null, suffix = '') {
      const L = {
        name: uniqueName((this.node.name || this.node.outputs.find(Boolean) || this.node.opType) + suffix),
        type, opts, inputs: inputs.map((v) => v.L), act: null, w: weights, uses: 0, flat: null, phys,
      };
      layers.push(L);
      if (layers.length > 16 * MAX_LAYERS) throw new ImportError(`ONNX: the graph becomes over ${16 * MAX_LAYERS} wasm-cnn layers; a wasm-cnn model has at most ${MAX_LAYERS}`);
      return { k: 'tensor', L, dims, phys, order };
    },
    /** Sets output 0 to a value made by a new layer. */
    emit(type, opts, inputs, dims, phys, order = null, weights = null) {
      const v = this.layer(type, opts, inputs, dims, phys, order, weights);
      v.L.uses = usesOf(this.node.outputs[0]);
      values.set(this.node.outputs[0], v);
      return v;
    },
    /** Output 0 is `v` (or v with other logical dims): an existing layer's output. */
    alias(v, changes = {}) {
      const out = { ...v, ...changes };
      if (v.k === 'tensor') v.L.uses += usesOf(this.node.outputs[0]) - 1;
      values.set(this.node.outputs[0], out);
      return out;
    },
    /** Whether v's layer may be changed (an activation or an affine folded into it): no
     * activation yet, and nothing but this node reads it. */
    sole(v) {
      return v.L !== INPUT && v.L.uses === 1 && !v.L.act;
    },
    /** v as a wasm-cnn vector: a 1×1 map gets a flatten layer (once). */
    vector(v) {
      if (v.phys.length === 1) return v;
      if (v.phys[0] !== 1 || v.phys[1] !== 1) throw this.fail(`internal: a (${v.phys.join(', ')}) map where a vector is needed`);
      if (!v.L.flat) {
        const f = this.layer('flatten', {}, [v], [v.phys[2]], [v.phys[2]], null, null, '/flatten');
        v.L.flat = f.L;
      }
      return { ...v, L: v.L.flat, phys: [v.phys[2]] };
    },
  };
  function makeContext(node, ins, fail, gate) {
    const ctx = Object.create(proto);
    ctx.node = node;
    ctx.ins = ins;
    ctx.fail = fail;
    ctx.budget = budget;
    ctx.opset = opset;
    ctx.gated = gate;
    return ctx;
  }

  for (const idx of order) {
    if (skipped.has(idx)) continue;
    const node = nodes[idx];
    const op = node.opType;
    const fail = (msg) => new ImportError(`ONNX node ${label(node)} (${op}): ${msg}`);
    if (node.domain && node.domain !== 'ai.onnx') {
      throw fail(`operator domain '${node.domain}' is not supported (only the default ONNX domain is); supported ops: ${SUPPORTED_OPS.join(', ')}`);
    }
    const ins = node.inputs.map((name) => (name ? values.get(name) ?? (inits.has(name) ? constOf(name) : undefined) : undefined));
    const ctx = makeContext(node, ins, fail, gated.get(idx));
    if (CONST_OPS[op] && ins.length && ins.every((v) => !v || v.k === 'const') && ins.some(Boolean)) {
      checkAttributes(node, fail);
      const v = CONST_OPS[op](ctx, ins.map((v) => v && v.c));
      values.set(node.outputs[0], { k: 'const', c: v });
      continue;
    }
    const handler = HANDLERS[op];
    if (!handler) {
      throw fail(`this op is not supported by the wasm-cnn ONNX importer; supported ops: ${SUPPORTED_OPS.join(', ')}`);
    }
    checkAttributes(node, fail);
    handler(ctx);
  }


  // ── the output ──
  const outV = values.get(outName);
  if (!outV || outV.k !== 'tensor') throw new ImportError(`ONNX: the output '${outName}' is a constant; there is nothing to compute`);
  if (outV.L === INPUT) throw new ImportError(`ONNX: the output '${outName}' is the input itself: there is nothing to compute`);
  if (outV.order) {
    throw new ImportError(`ONNX: the output '${outName}' is a flattened (${outV.order.join(', ')}) map, whose elements wasm-cnn orders HWC and ONNX CHW; add a layer after the flatten (e.g. Gemm) or output the map`);
  }
  const outType = g.outputs[0].type;
  if (outType && outType.elemType && outType.elemType !== 1) {
    throw new ImportError(`ONNX: the output '${outName}' is declared ${ELEM_NAMES[outType.elemType] ?? `of type ${outType.elemType}`}, not float32`);
  }
  const declared = outType?.shape;
  if (declared && declared.length) {
    const full = [1, ...outV.dims];
    const fixed = declared.map((d) => (d.value > 0 && !d.param ? d.value : null));
    if (fixed.length !== full.length || fixed.some((d, i) => i > 0 && d !== null && d !== full[i])) {
      throw new ImportError(`ONNX: the output '${outName}' is declared ${fmtDims(declared.map((d) => d.param || d.value))} but the graph computes ${fmtDims(['N', ...outV.dims])}`);
    }
  }

  // ── the layers the output needs, each after its inputs, the output last ──
  const sorted = [];
  {
    const done = new Set([INPUT]);
    const stack = [[outV.L, 0]];
    const onStack = new Set([outV.L]);
    while (stack.length) {
      const top = stack[stack.length - 1];
      const L = top[0];
      if (top[1] < L.inputs.length) {
        const d = L.inputs[top[1]++];
        if (!done.has(d) && !onStack.has(d)) {
          onStack.add(d);
          stack.push([d, 0]);
        }
      } else {
        done.add(L);
        sorted.push(L);
        stack.pop();
      }
    }
  }
  if (sorted.length > MAX_LAYERS) {
    throw new ImportError(`ONNX: the graph becomes ${sorted.length} wasm-cnn layers; a wasm-cnn model has at most ${MAX_LAYERS}`);
  }
  const layerObjects = sorted.map((L, i) => {
    const { merge, ...opts } = L.opts;
    const o = { type: L.type, name: L.name, ...opts };
    const names = L.inputs.map((d) => d.name);
    const previous = i ? sorted[i - 1].name : 'input';
    if (names.length !== 1 || names[0] !== previous || merge) o.inputs = names;
    if (L.act) Object.assign(o, L.act);
    if (L.type === 'activation') {
      delete o.type;
      o.type = L.act.activation;
      delete o.activation;
    }
    return o;
  });
  const weights = sorted.map((L, i) => {
    if (!L.w) return null;
    if (FOLDABLE.has(L.type)) {
      if (L.w.bias) return { kernel: L.w.kernel, bias: L.w.bias };
      layerObjects[i].useBias = false;
      return { kernel: L.w.kernel };
    }
    return L.w;
  });
  const producer = [m.producerName, m.producerVersion].filter(Boolean).join(' ') || 'unknown';
  return {
    input,
    layers: layerObjects,
    weights,
    shapes: sorted.map((L) => L.phys),
    metadata: { name: g.name || 'onnx model', description: `imported from ONNX (opset ${opset}, producer ${producer})` },
  };
}

/** The graph input → wasm-cnn's input [H, W, C] and its value. */
function resolveInput(info, inputShape) {
  const t = info.type;
  const where = `ONNX: the graph input '${info.name}'`;
  if (!t) throw new ImportError(`${where} is not a tensor`);
  if (t.elemType !== 1) throw new ImportError(`${where} holds ${ELEM_NAMES[t.elemType] ?? `type ${t.elemType}`}, not float32`);
  const dims = (t.shape || []).map((d) => (d.value > 0 && !d.param ? d.value : null));
  const shown = fmtDims((t.shape || []).map((d) => d.param || (d.value > 0 ? d.value : '?')));
  if (dims.length === 4) {
    const [, C, H, W] = dims;
    const pick = (v, k, what) => {
      if (v !== null) {
        if (inputShape && inputShape[k] !== v) throw new ImportError(`${where} is ${shown}: its ${what} is ${v}, but inputShape says ${inputShape[k]}`);
        if (v > 65535) throw new ImportError(`${where} is ${shown}: ${what} ${v} is too large`);
        return v;
      }
      if (!inputShape) throw new ImportError(`${where} is ${shown}: its ${what} is not fixed; pass inputShape: [height, width, channels]`);
      return inputShape[k];
    };
    const input = [pick(H, 0, 'height'), pick(W, 1, 'width'), pick(C, 2, 'channels')];
    return { input, inputValue: { k: 'tensor', dims: [input[2], input[0], input[1]], phys: input, order: null } };
  }
  if (dims.length === 2) {
    let K = dims[1];
    if (K === null) {
      if (!inputShape || inputShape[0] !== 1 || inputShape[1] !== 1) throw new ImportError(`${where} is ${shown}: its size is not fixed; pass inputShape: [1, 1, size]`);
      K = inputShape[2];
    }
    return { input: [1, 1, K], inputValue: { k: 'tensor', dims: [K], phys: [1, 1, K], order: null } };
  }
  throw new ImportError(`${where} is ${shown}: wasm-cnn takes images (N, C, H, W) or vectors (N, K)`);
}

const ELEM_NAMES = { 2: 'uint8', 3: 'int8', 6: 'int32', 7: 'int64', 9: 'bool', 10: 'float16', 11: 'float64' };

function constFromTensor(t, what) {
  const { kind, data } = tensorData(t, what);
  return { dims: t.dims.slice(), data, kind };
}

// ─── Window geometry (Conv, MaxPool, AveragePool) ─────────────────────────────────────────

/**
 * The padding option and output size of a window op on an (H, W) input: auto_pad, pads,
 * and ceil_mode as ORT's kernels, PyTorch and wasm-cnn's engine compute it (a last window that
 * would start in the right padding is dropped).
 */
function windowGeometry(ctx, H, W, [kh, kw], [sh, sw], [dh, dw], ceil) {
  const auto = ctx.str('auto_pad', 'NOTSET');
  const pads = ctx.ints('pads', [0, 0, 0, 0]);
  if (pads.length !== 4) throw ctx.fail(`pads ${fmtDims(pads)} must have 4 values for a 2-D window`);
  if (pads.some((p) => p < 0 || p > 65535)) throw ctx.fail(`pads ${fmtDims(pads)} must be 0 to 65535`);
  const ext = [(kh - 1) * dh + 1, (kw - 1) * dw + 1];
  const ins = [H, W];
  const st = [sh, sw];
  if (auto === 'SAME_UPPER' || auto === 'SAME_LOWER') {
    const out = ins.map((n, a) => Math.ceil(n / st[a]));
    const total = out.map((o, a) => Math.max(0, (o - 1) * st[a] + ext[a] - ins[a]));
    if (auto === 'SAME_UPPER') return { padding: 'same', ceil: false, out };
    const lo = total.map((t) => t - Math.floor(t / 2));
    const hi = total.map((t) => Math.floor(t / 2));
    return { padding: [lo[0], hi[0], lo[1], hi[1]], ceil: false, out };
  }
  let p;
  if (auto === 'VALID') p = [0, 0, 0, 0];
  else if (auto === 'NOTSET' || auto === '') p = [pads[0], pads[2], pads[1], pads[3]];
  else throw ctx.fail(`auto_pad '${auto}' is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID`);
  const out = ins.map((n, a) => {
    const lo = p[2 * a];
    const padded = n + lo + p[2 * a + 1];
    if (ext[a] > padded) throw ctx.fail(`the ${kh}×${kw} window (span ${ext[a]}) is larger than the padded input (${padded}) along ${a ? 'the width' : 'the height'}`);
    let o = Math.floor((padded - ext[a]) / st[a]) + 1;
    if (ceil && (padded - ext[a]) % st[a]) {
      o++;
      if ((o - 1) * st[a] >= n + lo) o--;
    }
    return o;
  });
  return { padding: p.every((v) => v === 0) ? 'valid' : p, ceil: !!ceil, out };
}

function pairOf(ctx, name, def) {
  const v = ctx.ints(name, def);
  if (v.length !== 2) throw ctx.fail(`${name} ${fmtDims(v)}: only 2-D ops (two values) are supported`);
  if (v.some((x) => x < 1 || x > 65535)) throw ctx.fail(`${name} ${fmtDims(v)} must be 1 to 65535`);
  return v;
}

function needMap(ctx, x, what) {
  if (x.dims.length !== 3) throw ctx.fail(`${what} needs an (N, C, H, W) input, got ${fmtDims(['N', ...x.dims])}`);
}

// ─── Handlers ──────────────────────────────────────────────────────────────────────────────

function conv(ctx) {
  const x = ctx.tensor(0);
  needMap(ctx, x, 'Conv');
  const Wt = ctx.floats(1, 'W');
  const B = ctx.floats(2, 'B', true);
  if (Wt.dims.length !== 4) throw ctx.fail(`only 2-D convolutions are supported (W of rank 4), W is ${fmtDims(Wt.dims)}`);
  const [O, Ig, kh, kw] = Wt.dims;
  const [C, H, W] = x.dims;
  const group = ctx.int('group', 1);
  const ks = ctx.ints('kernel_shape', null);
  if (ks && !same(ks, [kh, kw])) throw ctx.fail(`kernel_shape ${fmtDims(ks)} does not match W ${fmtDims(Wt.dims)}`);
  if (group < 1 || C !== Ig * group || O % group) {
    throw ctx.fail(`W ${fmtDims(Wt.dims)} with group ${group} does not fit an input of ${C} channels`);
  }
  if (B && B.data.length !== O) throw ctx.fail(`B has ${B.data.length} values, expected ${O}`);
  const stride = pairOf(ctx, 'strides', [1, 1]);
  const dilation = pairOf(ctx, 'dilations', [1, 1]);
  const w = Wt.data;
  const bias = B ? Float32Array.from(B.data) : null;
  if (x.phys.length === 1) {
    // a (C, 1, 1) map that wasm-cnn holds as a vector (after a global pool): a 1×1 conv is a dense layer
    const pads = ctx.ints('pads', [0, 0, 0, 0]);
    if (kh !== 1 || kw !== 1 || group !== 1 || pads.some(Boolean)) {
      throw ctx.fail(`its input is a (N, ${C}, 1, 1) global-pool output, which wasm-cnn holds as a vector: only a 1×1 convolution with group 1 and no pads is supported on it`);
    }
    const kernel = new Float32Array(C * O);
    for (let o = 0; o < O; o++) for (let i = 0; i < C; i++) kernel[i * O + o] = w[o * C + i];
    ctx.emit('dense', { units: O }, [x], [O, 1, 1], [O], null, { kernel, bias });
    return;
  }
  const geo = windowGeometry(ctx, H, W, [kh, kw], stride, dilation, false);
  const [oh, ow] = geo.out;
  const common = { kernel: [kh, kw], stride, dilation, padding: geo.padding };
  if (group > 1 && Ig === 1 && group === C) {
    const M = O / C;
    const kernel = new Float32Array(w.length); // [kh][kw][C][M] ← [C·M][1][kh][kw]
    for (let co = 0; co < O; co++) for (let y = 0; y < kh; y++) for (let z = 0; z < kw; z++) kernel[(y * kw + z) * O + co] = w[(co * kh + y) * kw + z];
    ctx.emit('depthwiseconv2d', { ...common, depthMultiplier: M }, [x], [O, oh, ow], [oh, ow, O], null, { kernel, bias });
    return;
  }
  const kernel = new Float32Array(w.length); // HWIO [kh][kw][I/g][O] ← OIHW
  for (let o = 0; o < O; o++) {
    for (let i = 0; i < Ig; i++) {
      for (let y = 0; y < kh; y++) for (let z = 0; z < kw; z++) kernel[((y * kw + z) * Ig + i) * O + o] = w[((o * Ig + i) * kh + y) * kw + z];
    }
  }
  ctx.emit('conv2d', { filters: O, ...common, ...(group > 1 ? { groups: group } : {}) }, [x], [O, oh, ow], [oh, ow, O], null, { kernel, bias });
}

function pool(ctx) {
  const op = ctx.node.opType;
  const x = ctx.tensor(0);
  needMap(ctx, x, op);
  ctx.onlyFirstOutput();
  if (!ctx.node.attrs.has('kernel_shape')) throw ctx.fail('kernel_shape is missing');
  const size = pairOf(ctx, 'kernel_shape', undefined);
  const stride = pairOf(ctx, 'strides', [1, 1]);
  const dilation = pairOf(ctx, 'dilations', [1, 1]);
  const ceil = ctx.int('ceil_mode', 0);
  const [C, H, W] = x.dims;
  const opts = { size, stride };
  if (op === 'MaxPool') {
    if (ctx.int('storage_order', 0) !== 0) throw ctx.fail('storage_order 1 (column-major indices) is not supported');
    if (dilation[0] !== 1 || dilation[1] !== 1) opts.dilation = dilation;
  } else {
    if (dilation[0] !== 1 || dilation[1] !== 1) throw ctx.fail(`dilations ${fmtDims(dilation)}: average pooling with dilation is not supported`);
    if (ctx.int('count_include_pad', 0)) opts.countIncludePad = true;
  }
  if (x.phys.length === 1) {
    if (size[0] === 1 && size[1] === 1 && !ctx.ints('pads', [0, 0, 0, 0]).some(Boolean)) return void ctx.alias(x);
    throw ctx.fail('its input is a 1×1 global-pool output, which wasm-cnn holds as a vector');
  }
  const geo = windowGeometry(ctx, H, W, size, stride, dilation, ceil);
  opts.padding = geo.padding;
  if (geo.ceil && geo.padding !== 'same') opts.ceilMode = true;
  const [oh, ow] = geo.out;
  ctx.emit(op === 'MaxPool' ? 'maxpool2d' : 'avgpool2d', opts, [x], [C, oh, ow], [oh, ow, C]);
}

function globalPool(ctx) {
  const x = ctx.tensor(0);
  needMap(ctx, x, ctx.node.opType);
  if (x.phys.length === 1) return void ctx.alias(x);
  const C = x.dims[0];
  ctx.emit(ctx.node.opType === 'GlobalMaxPool' ? 'globalmaxpool2d' : 'globalavgpool2d', {}, [x], [C, 1, 1], [C]);
}

/** Output 0 = x flattened to (N, C·H·W) (or x itself when it is already a vector). */
function flattenTo(ctx, x) {
  if (x.dims.length === 1) return void ctx.alias(x);
  const n = prod(x.dims);
  if (x.phys.length === 1) return void ctx.alias(x, { dims: [n] });
  const [C, H, W] = x.dims;
  ctx.emit('flatten', {}, [x], [n], [n], C > 1 && H * W > 1 ? [C, H, W] : null);
}

/** Output 0 = x with the ONNX shape (1, …dims) when wasm-cnn can express it. */
function reshapeTo(ctx, x, target) {
  const full = [1, ...x.dims];
  if (same(target, full)) return void ctx.alias(x);
  const n = prod(x.dims);
  if (target.length === 2 && target[0] === 1 && target[1] === n) return void flattenTo(ctx, x);
  if (x.dims.length === 1 && same(target, [1, n, 1, 1])) {
    if (x.order) throw ctx.fail(`a flattened (${x.order.join(', ')}) map viewed as (N, ${n}, 1, 1) is not supported`);
    return void ctx.alias(x, { dims: [n, 1, 1] });
  }
  throw ctx.fail(`reshaping ${fmtDims(['N', ...x.dims])} to ${fmtDims(target)} has no wasm-cnn equivalent (supported: flattening to (N, ${n}), and (N, C) ↔ (N, C, 1, 1))`);
}

/** ONNX Reshape's target (0: copy, -1: infer) resolved against dims. */
function resolveShape(ctx, dims, shape, allowzero) {
  const total = prod(dims);
  let infer = -1;
  const out = shape.map((s, i) => {
    if (s === 0 && !allowzero) {
      if (i >= dims.length) throw ctx.fail(`shape ${fmtDims(shape)}: 0 at position ${i} copies a dimension the input ${fmtDims(dims)} does not have`);
      return dims[i];
    }
    if (s === -1) {
      if (infer >= 0) throw ctx.fail(`shape ${fmtDims(shape)} has two -1`);
      infer = i;
      return 1;
    }
    if (!Number.isSafeInteger(s) || s < 0) throw ctx.fail(`shape ${fmtDims(shape)} has ${s}`);
    return s;
  });
  const known = prod(out);
  if (infer >= 0) {
    if (known === 0 || total % known) throw ctx.fail(`cannot reshape ${fmtDims(dims)} to ${fmtDims(shape)}`);
    out[infer] = total / known;
  } else if (known !== total) throw ctx.fail(`cannot reshape ${fmtDims(dims)} (${total} values) to ${fmtDims(shape)}`);
  return out;
}

function intsOf(ctx, c, what) {
  if (c.kind !== 'int') throw ctx.fail(`${what} must be integers`);
  if (c.dims.length > 1) throw ctx.fail(`${what} must be a 1-D tensor`);
  return Array.from(c.data);
}

function axesInput(ctx, k, attrName) {
  if (ctx.opset >= 13 && ctx.ins[k]) return intsOf(ctx, ctx.konst(k, attrName), attrName);
  return ctx.ints(attrName, undefined);
}

function dense(ctx, B, transB, alpha, biasConst, beta) {
  const t = ctx.tensor(0);
  if (t.dims.length !== 1) throw ctx.fail(`needs an (N, K) input, got ${fmtDims(['N', ...t.dims])}`);
  const x = ctx.vector(t);
  if (B.dims.length !== 2) throw ctx.fail(`B must be a 2-D constant, got ${fmtDims(B.dims)}`);
  const K = x.dims[0];
  const [bk, N] = transB ? [B.dims[1], B.dims[0]] : B.dims;
  if (bk !== K) throw ctx.fail(`B ${fmtDims(B.dims)}${transB ? ' (transposed)' : ''} does not fit an input of ${K} values`);
  const kernel = new Float32Array(K * N);
  const b = B.data;
  for (let j = 0; j < K; j++) {
    const r = x.order ? chwIndex(j, x.order) : j; // row of the ONNX (CHW) flattening
    for (let n = 0; n < N; n++) kernel[j * N + n] = alpha * (transB ? b[n * K + r] : b[r * N + n]);
  }
  let bias = null;
  if (biasConst) {
    const c = biasConst.data;
    const ok = c.length === 1 || (c.length === N && biasConst.dims[biasConst.dims.length - 1] === N);
    if (!ok) throw ctx.fail(`C ${fmtDims(biasConst.dims)} is not a bias of ${N} values`);
    bias = new Float32Array(N);
    for (let n = 0; n < N; n++) bias[n] = beta * c[c.length === 1 ? 0 : n];
  }
  ctx.emit('dense', { units: N }, [x], [N], [N], null, { kernel, bias });
}

/**
 * A per-channel constant broadcast against tensor x (ONNX rank 1 + x.dims.length) → a
 * Float32Array of x's channels (or units), or throws.
 */
function perChannel(ctx, x, c) {
  const R = 1 + x.dims.length;
  const Cx = x.dims[0];
  const aligned = new Array(R).fill(1);
  if (c.dims.length > R) throw ctx.fail(`the constant ${fmtDims(c.dims)} has more dimensions than the tensor ${fmtDims(['N', ...x.dims])}`);
  let at = R - c.dims.length;
  if (ctx.opset < 7) {
    if (!ctx.int('broadcast', 0)) {
      if (prod(c.dims) !== 1 && c.dims.length !== R) throw ctx.fail('a constant of another shape needs broadcast = 1 (opset < 7)');
    } else {
      const axis = ctx.int('axis', null);
      if (axis !== null) at = axis < 0 ? axis + R : axis;
    }
  }
  if (at < 0 || at + c.dims.length > R) throw ctx.fail(`cannot broadcast the constant ${fmtDims(c.dims)}`);
  c.dims.forEach((d, i) => { aligned[at + i] = d; });
  const ok = aligned.every((d, i) => d === 1 || (i === 1 && d === Cx));
  if (!ok) {
    throw ctx.fail(`the constant ${fmtDims(c.dims)} does not broadcast per channel over ${fmtDims(['N', ...x.dims])}; wasm-cnn can apply a constant per channel (or per unit) only`);
  }
  const out = new Float32Array(Cx);
  for (let i = 0; i < Cx; i++) out[i] = c.data[c.data.length === 1 ? 0 : i];
  return toPhysicalOrder(out, x.order);
}

/** y = x · scale + shift per channel: folded into the layer before when possible. */
function affine(ctx, x, scale, shift) {
  const L = x.L;
  const C = x.phys[x.phys.length - 1];
  if (ctx.sole(x) && FOLDABLE.has(L.type)) {
    const { kernel } = L.w;
    if (!L.w.bias) L.w.bias = new Float32Array(C);
    const bias = L.w.bias;
    if (scale) for (let i = 0; i < kernel.length; i++) kernel[i] *= scale[i % C];
    for (let o = 0; o < C; o++) bias[o] = bias[o] * (scale ? scale[o] : 1) + (shift ? shift[o] : 0);
    return void ctx.alias(x);
  }
  if (ctx.sole(x) && L.type === 'batchnorm') {
    for (let o = 0; o < C; o++) {
      if (scale) L.w.gamma[o] *= scale[o];
      L.w.beta[o] = L.w.beta[o] * (scale ? scale[o] : 1) + (shift ? shift[o] : 0);
    }
    return void ctx.alias(x);
  }
  ctx.emit('batchnorm', { epsilon: AFFINE_EPS }, [x], x.dims, x.phys, x.order, {
    gamma: scale ?? new Float32Array(C).fill(1),
    beta: shift ?? new Float32Array(C),
    movingMean: new Float32Array(C),
    movingVariance: new Float32Array(C).fill(1 - AFFINE_EPS),
  });
}

function batchNormalization(ctx) {
  const x = ctx.tensor(0);
  ctx.onlyFirstOutput();
  if (ctx.int('training_mode', 0)) throw ctx.fail('training_mode 1 is not supported (inference only)');
  if (ctx.opset < 9 && ctx.int('spatial', 1) !== 1) throw ctx.fail('spatial 0 is not supported');
  const eps = ctx.float('epsilon', 1e-5);
  const C = x.dims[0];
  const t = ['scale', 'B', 'mean', 'var'].map((what, k) => {
    const c = ctx.floats(k + 1, what);
    if (c.data.length !== C) throw ctx.fail(`${what} has ${c.data.length} values, the input has ${C} channels`);
    return toPhysicalOrder(c.data, x.order);
  });
  const [gamma, beta, mean, variance] = t;
  if (ctx.sole(x) && FOLDABLE.has(x.L.type)) {
    const s = new Float32Array(C);
    const b = new Float32Array(C);
    for (let c = 0; c < C; c++) {
      const k = gamma[c] / Math.sqrt(variance[c] + Math.fround(eps));
      s[c] = k;
      b[c] = beta[c] - mean[c] * k;
    }
    return void affine(ctx, x, s, b);
  }
  ctx.emit('batchnorm', { epsilon: eps }, [x], x.dims, x.phys, x.order, {
    gamma: Float32Array.from(gamma), beta: Float32Array.from(beta), movingMean: Float32Array.from(mean), movingVariance: Float32Array.from(variance),
  });
}

/** Applies an activation to input 0: fused into its layer, or a layer of its own. */
function activate(ctx, act, x = ctx.tensor(0)) {
  if (ctx.sole(x)) {
    x.L.act = act;
    return void ctx.alias(x);
  }
  const { activation, ...rest } = act;
  ctx.emit('activation', rest, [x], x.dims, x.phys, x.order).L.act = act;
}

function softmax(ctx) {
  const x = ctx.tensor(0);
  const R = 1 + x.dims.length;
  let axis = ctx.int('axis', ctx.opset >= 13 ? -1 : 1);
  if (axis < 0) axis += R;
  const spatial = R === 4 ? x.dims[1] * x.dims[2] : 1;
  const ok = ctx.opset >= 13
    ? axis === 1 && (R === 2 || R === 4) // (N, K) over K; (N, C, H, W) over C, per pixel
    : axis === 1 && (R === 2 || spatial === 1); // over all of dims[axis:], which is C only when H·W = 1
  if (!ok) {
    throw ctx.fail(`softmax over axis ${axis} of ${fmtDims(['N', ...x.dims])} (opset ${ctx.opset}) is not over the channels; wasm-cnn's softmax is over the last (channel) axis`);
  }
  activate(ctx, { activation: 'softmax' }, x);
}

function scalarOf(ctx, k, what) {
  const c = ctx.konst(k, what, true);
  if (!c) return undefined;
  if (c.data.length !== 1) throw ctx.fail(`${what} must be a scalar`);
  return Number(c.data[0]);
}

function clip(ctx) {
  let min;
  let max;
  if (ctx.opset < 11) {
    min = ctx.float('min', -FLT_MAX);
    max = ctx.float('max', FLT_MAX);
  } else {
    min = scalarOf(ctx, 1, 'min') ?? -Infinity;
    max = scalarOf(ctx, 2, 'max') ?? Infinity;
  }
  if (min === 0 && max === 6) return void activate(ctx, { activation: 'relu6' });
  if (min === 0 && max >= FLT_MAX) return void activate(ctx, { activation: 'relu' });
  throw ctx.fail(`Clip(${min}, ${max}) has no wasm-cnn equivalent (Clip(0, 6) is relu6, Clip(0) is relu)`);
}

function elementwise(ctx) {
  const op = ctx.node.opType;
  if (ctx.gated) {
    const [name, act] = ctx.gated;
    const k = ctx.node.inputs.indexOf(name);
    return void activate(ctx, { activation: act }, ctx.tensor(k));
  }
  if (ctx.ins.length !== 2) throw ctx.fail(`expected 2 inputs, got ${ctx.ins.length}`);
  const [a, b] = [0, 1].map((k) => {
    const v = ctx.ins[k];
    if (!v) throw ctx.fail(`input ${k} is missing`);
    return v;
  });
  if (a.k === 'tensor' && b.k === 'tensor') {
    if (op === 'Sub' || op === 'Div') throw ctx.fail(`${op} of two computed tensors is not supported (wasm-cnn has add and multiply)`);
    return void merge(ctx, op === 'Add' ? 'add' : 'multiply', [a, b]);
  }
  const xFirst = a.k === 'tensor';
  const x = xFirst ? a : b;
  const c = (xFirst ? b : a).c;
  if (c.kind !== 'float') throw ctx.fail('the constant operand must hold floats');
  const v = perChannel(ctx, x, c);
  const C = v.length;
  if (op === 'Add') return void affine(ctx, x, null, v);
  if (op === 'Sub') return void (xFirst ? affine(ctx, x, null, v.map((t) => -t)) : affine(ctx, x, new Float32Array(C).fill(-1), v));
  if (op === 'Mul') return void affine(ctx, x, v, null);
  if (!xFirst) throw ctx.fail('a constant divided by a tensor is not supported');
  affine(ctx, x, v.map((t) => 1 / t), null);
}

/** add / multiply of tensors: equal shapes; multiply also (N, C, 1, 1) × (N, C, H, W). */
function merge(ctx, type, xs) {
  const big = xs.reduce((p, v) => (prod(v.dims) > prod(p.dims) ? v : p));
  const parts = xs.map((v) => {
    if (same(v.dims, big.dims)) return v;
    if (type === 'multiply' && big.dims.length === 3 && same(v.dims, [big.dims[0], 1, 1])) return ctx.vector(v);
    throw ctx.fail(`${fmtDims(['N', ...v.dims])} and ${fmtDims(['N', ...big.dims])}: wasm-cnn's ${type} needs inputs of one shape${type === 'multiply' ? ', or (N, C, 1, 1) times (N, C, H, W)' : ''}`);
  });
  // 1×1 maps and vectors of one logical shape: all as vectors
  const anyVec = parts.some((v) => same(v.dims, big.dims) && v.phys.length === 1);
  const ins = parts.map((v) => (anyVec && same(v.dims, big.dims) && v.phys.length === 3 ? ctx.vector(v) : v));
  const full = ins.filter((v) => same(v.dims, big.dims));
  const order = full[0].order;
  if (full.some((v) => (v.order || []).join() !== (order || []).join())) throw ctx.fail('its inputs are vectors in different element orders (one a flattened map)');
  ctx.emit(type, { merge: true }, ins, big.dims, full[0].phys, order);
}

function concat(ctx) {
  const xs = ctx.ins.map((v, k) => {
    if (!v) throw ctx.fail(`input ${k} is missing`);
    if (v.k !== 'tensor') throw ctx.fail(`input ${k} '${ctx.node.inputs[k]}' is a constant; only computed tensors can be concatenated`);
    return v;
  });
  const R = 1 + xs[0].dims.length;
  let axis = ctx.int('axis', ctx.opset < 4 ? 1 : undefined);
  if (axis === undefined) throw ctx.fail('axis is missing');
  if (axis < 0) axis += R;
  if (xs.some((v) => v.dims.length !== R - 1)) throw ctx.fail('its inputs have different ranks');
  if (axis !== 1) throw ctx.fail(`concatenation along axis ${axis} of ${fmtDims(['N', ...xs[0].dims])} is not along the channels (axis 1)`);
  if (xs.length === 1) return void ctx.alias(xs[0]);
  const rest = xs[0].dims.slice(1);
  if (xs.some((v) => !same(v.dims.slice(1), rest))) throw ctx.fail(`its inputs ${xs.map((v) => fmtDims(['N', ...v.dims])).join(', ')} differ in more than the channels`);
  if (xs.some((v) => v.order)) throw ctx.fail('concatenating a flattened map (CHW order in ONNX, HWC in wasm-cnn) is not supported');
  const total = xs.reduce((a, v) => a + v.dims[0], 0);
  const dims = [total, ...rest];
  if (xs.some((v) => v.phys.length === 1) || rest.length === 0) {
    ctx.emit('concat', { merge: true }, xs.map((v) => ctx.vector(v)), dims, [total]);
  } else {
    ctx.emit('concat', { merge: true }, xs, dims, [rest[0], rest[1], total]);
  }
}

function pad(ctx) {
  const x = ctx.tensor(0);
  const mode = ctx.str('mode', 'constant');
  if (mode !== 'constant') throw ctx.fail(`mode '${mode}' is not supported (only constant zero padding)`);
  let pads;
  let value = 0;
  let axes = null;
  if (ctx.opset < 11) {
    pads = ctx.ints('pads', undefined) ?? ctx.ints('paddings', undefined);
    if (!pads) throw ctx.fail('pads is missing');
    value = ctx.float('value', 0);
  } else {
    pads = intsOf(ctx, ctx.konst(1, 'pads'), 'pads');
    value = scalarOf(ctx, 2, 'constant_value') ?? 0;
    const ax = ctx.konst(3, 'axes', true);
    if (ax) axes = intsOf(ctx, ax, 'axes');
  }
  if (value !== 0) throw ctx.fail(`padding with ${value} is not supported (only 0)`);
  const R = 1 + x.dims.length;
  axes = (axes ?? [...Array(R).keys()]).map((a) => (a < 0 ? a + R : a));
  if (pads.length !== 2 * axes.length) throw ctx.fail(`pads ${fmtDims(pads)} must have ${2 * axes.length} values`);
  const before = new Array(R).fill(0);
  const after = new Array(R).fill(0);
  axes.forEach((a, i) => {
    if (a < 0 || a >= R) throw ctx.fail(`axis ${a} out of range`);
    before[a] = pads[i];
    after[a] = pads[i + axes.length];
  });
  if (before.concat(after).every((p) => p === 0)) return void ctx.alias(x);
  if (R !== 4 || before[0] || before[1] || after[0] || after[1]) throw ctx.fail(`pads ${fmtDims(pads)}: only the height and width of an (N, C, H, W) tensor can be padded`);
  if (before.concat(after).some((p) => p < 0 || p > 65535)) throw ctx.fail(`pads ${fmtDims(pads)}: negative pads (cropping) are not supported`);
  if (x.phys.length === 1) throw ctx.fail('its input is a 1×1 global-pool output, which wasm-cnn holds as a vector');
  const [C, H, W] = x.dims;
  const [t, l, b, r] = [before[2], before[3], after[2], after[3]];
  ctx.emit('zeropad2d', { padding: [t, b, l, r] }, [x], [C, H + t + b, W + l + r], [H + t + b, W + l + r, C]);
}

function passThrough(ctx) {
  const v = ctx.ins[0];
  if (!v) throw ctx.fail('input 0 is missing');
  ctx.onlyFirstOutput();
  if (ctx.node.opType === 'Dropout' && ctx.opset >= 12 && ctx.ins[2]) {
    const t = ctx.konst(2, 'training_mode');
    if (t.data[0]) throw ctx.fail('training_mode true: dropout in training mode is not supported');
  }
  if (v.k === 'const') return void ctx.alias(v);
  ctx.alias(v);
}

function constantNode(ctx) {
  const n = ctx.node;
  let c;
  if (n.attrs.has('value')) c = constFromTensor(ctx.attr('value', 4).t, `ONNX node '${n.name}' value`);
  else if (n.attrs.has('value_float')) c = { dims: [], data: Float32Array.of(ctx.float('value_float')), kind: 'float' };
  else if (n.attrs.has('value_floats')) { const f = ctx.attr('value_floats', 6).floats; c = { dims: [f.length], data: Float32Array.from(f), kind: 'float' }; }
  else if (n.attrs.has('value_int')) c = { dims: [], data: [ctx.int('value_int')], kind: 'int' };
  else if (n.attrs.has('value_ints')) { const v = ctx.ints('value_ints'); c = { dims: [v.length], data: v.slice(), kind: 'int' }; }
  else throw ctx.fail('only value, value_float(s) and value_int(s) constants are supported');
  ctx.alias({ k: 'const', c });
}

function shapeNode(ctx) {
  const v = ctx.ins[0];
  if (!v) throw ctx.fail('input 0 is missing');
  const dims = v.k === 'const' ? v.c.dims : [1, ...v.dims];
  const R = dims.length;
  const norm = (a) => Math.min(R, Math.max(0, a < 0 ? a + R : a));
  const out = dims.slice(norm(ctx.int('start', 0)), norm(ctx.int('end', R)));
  ctx.alias({ k: 'const', c: { dims: [out.length], data: out, kind: 'int' } });
}

function squeezeLike(ctx) {
  const op = ctx.node.opType;
  const x = ctx.tensor(0);
  const full = [1, ...x.dims];
  let axes = axesInput(ctx, 1, 'axes');
  if (op === 'Unsqueeze') {
    if (!axes) throw ctx.fail('axes is missing');
    const R = full.length + axes.length;
    const norm = new Set(axes.map((a) => (a < 0 ? a + R : a)));
    const out = [];
    let k = 0;
    for (let i = 0; i < R; i++) out.push(norm.has(i) ? 1 : full[k++]);
    return void reshapeTo(ctx, x, out);
  }
  const R = full.length;
  axes = (axes ?? full.map((d, i) => (d === 1 && i > 0 ? i : -1)).filter((i) => i >= 0)).map((a) => (a < 0 ? a + R : a));
  if (axes.includes(0)) throw ctx.fail('squeezing the batch axis is not supported');
  if (axes.some((a) => full[a] !== 1)) throw ctx.fail(`axes ${fmtDims(axes)} are not all of size 1 in ${fmtDims(['N', ...x.dims])}`);
  reshapeTo(ctx, x, full.filter((_, i) => !axes.includes(i)));
}

/** Each op's attributes (all opsets 6–25): an attribute the importer does not know would be
 * a silent skip, so it is an Error. */
const WINDOW_ATTRS = ['auto_pad', 'dilations', 'kernel_shape', 'pads', 'strides'];
const ATTRIBUTES = {
  Conv: [...WINDOW_ATTRS, 'group'],
  MaxPool: [...WINDOW_ATTRS, 'ceil_mode', 'storage_order'],
  AveragePool: [...WINDOW_ATTRS, 'ceil_mode', 'count_include_pad'],
  BatchNormalization: ['epsilon', 'momentum', 'spatial', 'is_test', 'training_mode'],
  LeakyRelu: ['alpha'],
  Elu: ['alpha'],
  HardSigmoid: ['alpha', 'beta'],
  Selu: ['alpha', 'gamma'],
  Gelu: ['approximate'],
  Clip: ['min', 'max'],
  Softmax: ['axis'],
  Flatten: ['axis'],
  Reshape: ['allowzero', 'shape'],
  Squeeze: ['axes'],
  Unsqueeze: ['axes'],
  Gemm: ['alpha', 'beta', 'transA', 'transB', 'broadcast'],
  Add: ['broadcast', 'axis'],
  Sub: ['broadcast', 'axis'],
  Mul: ['broadcast', 'axis'],
  Div: ['broadcast', 'axis'],
  Concat: ['axis'],
  Pad: ['mode', 'pads', 'value', 'paddings'],
  Dropout: ['ratio', 'is_test', 'seed'],
  Constant: ['value', 'value_float', 'value_floats', 'value_int', 'value_ints', 'value_string', 'value_strings', 'sparse_value'],
  Shape: ['start', 'end'],
  Cast: ['to', 'saturate', 'round_mode'],
  Gather: ['axis'],
  Slice: ['starts', 'ends', 'axes'],
};

/** Outputs an op may have (others: 1). */
const OUTPUTS = { MaxPool: 2, Dropout: 2, BatchNormalization: 5 };

/** A node's attributes are all known and typed, and its outputs as many as its op has. */
function checkAttributes(node, fail) {
  const known = ATTRIBUTES[node.opType] ?? [];
  for (const [name, a] of node.attrs) {
    if (!known.includes(name)) {
      throw fail(`unknown attribute '${name}' (${node.opType} has ${known.length ? known.join(', ') : 'none'}): the importer does not skip what it does not understand`);
    }
    if (!a.type) throw fail(`attribute '${name}' has no type (AttributeProto.type is required)`);
  }
  const most = OUTPUTS[node.opType] ?? 1;
  if (node.outputs.length > most || !node.outputs[0]) {
    throw fail(`${node.outputs.length} outputs${node.outputs[0] ? '' : ' (the first one unnamed)'}; ${node.opType} has ${most === 1 ? 'one' : `1 to ${most}`}`);
  }
}

const act = (activation, extra) => (ctx) => activate(ctx, { activation, ...(extra ? extra(ctx) : {}) });

const HANDLERS = {
  Conv: conv,
  MaxPool: pool,
  AveragePool: pool,
  GlobalAveragePool: globalPool,
  GlobalMaxPool: globalPool,
  BatchNormalization: batchNormalization,
  Relu: act('relu'),
  Sigmoid: act('sigmoid'),
  Tanh: act('tanh'),
  Softplus: act('softplus'),
  HardSwish: act('hardswish'),
  LeakyRelu: act('leakyrelu', (ctx) => ({ alpha: ctx.float('alpha', 0.01) })),
  Elu: act('elu', (ctx) => ({ alpha: ctx.float('alpha', 1) })),
  HardSigmoid: act('hardsigmoid', (ctx) => ({ alpha: ctx.float('alpha', 0.2), beta: ctx.float('beta', 0.5) })),
  Selu(ctx) {
    const a = ctx.float('alpha', 1.67326319217681884765625);
    const g = ctx.float('gamma', 1.05070102214813232421875);
    if (Math.abs(a - 1.6732632423543772) > 1e-6 || Math.abs(g - 1.0507009873554805) > 1e-6) throw ctx.fail(`alpha ${a}, gamma ${g}: only the standard SELU constants are supported`);
    activate(ctx, { activation: 'selu' });
  },
  Gelu(ctx) {
    const approx = ctx.str('approximate', 'none');
    if (approx !== 'none') throw ctx.fail(`approximate '${approx}' is not supported (wasm-cnn's gelu is the exact erf form)`);
    activate(ctx, { activation: 'gelu' });
  },
  Clip: clip,
  Softmax: softmax,
  Flatten(ctx) {
    const x = ctx.tensor(0);
    const R = 1 + x.dims.length;
    let axis = ctx.int('axis', 1);
    if (axis < 0) axis += R;
    if (axis !== 1) throw ctx.fail(`axis ${axis}: only Flatten(axis = 1), which keeps the batch axis, is supported`);
    flattenTo(ctx, x);
  },
  Reshape(ctx) {
    const x = ctx.tensor(0);
    let shape;
    if (ctx.opset < 5 || (!ctx.ins[1] && ctx.node.attrs.has('shape'))) shape = ctx.ints('shape', []);
    else shape = intsOf(ctx, ctx.konst(1, 'shape'), 'shape');
    reshapeTo(ctx, x, resolveShape(ctx, [1, ...x.dims], shape, ctx.int('allowzero', 0)));
  },
  Squeeze: squeezeLike,
  Unsqueeze: squeezeLike,
  Gemm(ctx) {
    if (ctx.int('transA', 0)) throw ctx.fail('transA 1 is not supported');
    dense(ctx, ctx.floats(1, 'B'), ctx.int('transB', 0), ctx.float('alpha', 1), ctx.floats(2, 'C', true), ctx.float('beta', 1));
  },
  MatMul(ctx) {
    dense(ctx, ctx.floats(1, 'B (a constant weight matrix)'), 0, 1, null, 1);
  },
  Add: elementwise,
  Sub: elementwise,
  Mul: elementwise,
  Div: elementwise,
  Concat: concat,
  Pad: pad,
  Dropout: passThrough,
  Identity: passThrough,
  Constant: constantNode,
  Shape: shapeNode,
};

// ─── Constant evaluation (shape arithmetic) ────────────────────────────────────────────────

// Shape arithmetic is small: the constants evaluated at import time may hold 2^24 values in
// all (a budget per import, so a hostile graph cannot multiply memory node by node).
const CONST_LIMIT = 1 << 24;

function constOut(ctx, dims, data, kind) {
  ctx.budget.left -= data.length;
  if (ctx.budget.left < 0 || prod(dims) !== data.length) throw ctx.fail(`evaluating constants of over ${CONST_LIMIT} values in all is not supported`);
  return { dims, data: kind === 'float' ? Float32Array.from(data) : Array.from(data), kind };
}

function constBinary(ctx, [a, b]) {
  const op = ctx.node.opType;
  if (!a || !b) throw ctx.fail('expected 2 inputs');
  if (a.kind !== b.kind) throw ctx.fail('operands of different types');
  const na = a.data.length;
  const nb = b.data.length;
  if (na !== nb && na !== 1 && nb !== 1) throw ctx.fail(`constants ${fmtDims(a.dims)} and ${fmtDims(b.dims)}: only equal shapes or a scalar are evaluated`);
  const dims = na >= nb ? (na === nb && b.dims.length > a.dims.length ? b.dims : a.dims) : b.dims;
  const n = Math.max(na, nb);
  const out = new Array(n);
  const int = a.kind === 'int';
  for (let i = 0; i < n; i++) {
    const x = Number(a.data[na === 1 ? 0 : i]);
    const y = Number(b.data[nb === 1 ? 0 : i]);
    let r;
    if (op === 'Add') r = x + y;
    else if (op === 'Sub') r = x - y;
    else if (op === 'Mul') r = x * y;
    else {
      if (int && y === 0) throw ctx.fail('integer division by zero');
      r = int ? Math.trunc(x / y) : x / y;
    }
    out[i] = r;
  }
  return constOut(ctx, dims.slice(), out, a.kind);
}

const CONST_OPS = {
  Identity: (ctx, [x]) => x,
  Dropout: (ctx, [x]) => x,
  Add: constBinary,
  Sub: constBinary,
  Mul: constBinary,
  Div: constBinary,
  Cast(ctx, [x]) {
    const to = ctx.int('to', undefined);
    if ([1, 10, 11, 16].includes(to)) return constOut(ctx, x.dims.slice(), x.data, 'float');
    if ([2, 3, 4, 5, 6, 7, 12, 13].includes(to)) return constOut(ctx, x.dims.slice(), Array.from(x.data, (v) => Math.trunc(Number(v))), 'int');
    if (to === 9) return constOut(ctx, x.dims.slice(), Array.from(x.data, (v) => (v ? 1 : 0)), 'int');
    throw ctx.fail(`Cast to type ${to} is not supported`);
  },
  Reshape(ctx, [x, s]) {
    const shape = s ? intsOf(ctx, s, 'shape') : ctx.ints('shape', []);
    return { ...x, dims: resolveShape(ctx, x.dims, shape, ctx.int('allowzero', 0)) };
  },
  Flatten(ctx, [x]) {
    let axis = ctx.int('axis', 1);
    if (axis < 0) axis += x.dims.length;
    return { ...x, dims: [prod(x.dims.slice(0, axis)), prod(x.dims.slice(axis))] };
  },
  Unsqueeze(ctx, [x]) {
    const axes = axesInput(ctx, 1, 'axes');
    if (!axes) throw ctx.fail('axes is missing');
    const R = x.dims.length + axes.length;
    const set = new Set(axes.map((a) => (a < 0 ? a + R : a)));
    const dims = [];
    let k = 0;
    for (let i = 0; i < R; i++) dims.push(set.has(i) ? 1 : x.dims[k++]);
    if (k !== x.dims.length) throw ctx.fail(`axes ${fmtDims(axes)} out of range`);
    return { ...x, dims };
  },
  Squeeze(ctx, [x]) {
    const R = x.dims.length;
    const axes = (axesInput(ctx, 1, 'axes') ?? x.dims.map((d, i) => (d === 1 ? i : -1)).filter((i) => i >= 0)).map((a) => (a < 0 ? a + R : a));
    if (axes.some((a) => x.dims[a] !== 1)) throw ctx.fail(`cannot squeeze axes ${fmtDims(axes)} of ${fmtDims(x.dims)}`);
    return { ...x, dims: x.dims.filter((_, i) => !axes.includes(i)) };
  },
  Concat(ctx, xs) {
    if (xs.some((x) => !x)) throw ctx.fail('an input is missing');
    const R = xs[0].dims.length;
    let axis = ctx.int('axis', 0);
    if (axis < 0) axis += R;
    if (xs.some((x) => x.dims.length !== R || x.kind !== xs[0].kind)) throw ctx.fail('constants of different ranks or types');
    if (axis < 0 || axis >= R) throw ctx.fail(`axis ${axis} out of range`);
    const outer = prod(xs[0].dims.slice(0, axis));
    const out = [];
    for (let o = 0; o < outer; o++) {
      for (const x of xs) {
        if (!same(x.dims.slice(0, axis), xs[0].dims.slice(0, axis)) || !same(x.dims.slice(axis + 1), xs[0].dims.slice(axis + 1))) throw ctx.fail('constants of mismatched shapes');
        const block = prod(x.dims.slice(axis));
        for (let i = 0; i < block; i++) out.push(x.data[o * block + i]);
        if (out.length > ctx.budget.left) throw ctx.fail(`evaluating constants of over ${CONST_LIMIT} values in all is not supported`);
      }
    }
    const dims = xs[0].dims.slice();
    dims[axis] = xs.reduce((a, x) => a + x.dims[axis], 0);
    return constOut(ctx, dims, out, xs[0].kind);
  },
  Gather(ctx, [x, idx]) {
    if (!x || !idx) throw ctx.fail('expected 2 inputs');
    if (idx.kind !== 'int') throw ctx.fail('indices must be integers');
    const R = x.dims.length;
    let axis = ctx.int('axis', 0);
    if (axis < 0) axis += R;
    if (axis < 0 || axis >= R) throw ctx.fail(`axis ${axis} out of range for ${fmtDims(x.dims)}`);
    const outer = prod(x.dims.slice(0, axis));
    const inner = prod(x.dims.slice(axis + 1));
    const n = x.dims[axis];
    const out = [];
    for (let o = 0; o < outer; o++) {
      for (const raw of idx.data) {
        const j = raw < 0 ? raw + n : raw;
        if (!(j >= 0 && j < n)) throw ctx.fail(`index ${raw} out of range (${n})`);
        for (let i = 0; i < inner; i++) out.push(x.data[(o * n + j) * inner + i]);
        if (out.length > ctx.budget.left) throw ctx.fail(`evaluating constants of over ${CONST_LIMIT} values in all is not supported`);
      }
    }
    return constOut(ctx, [...x.dims.slice(0, axis), ...idx.dims, ...x.dims.slice(axis + 1)], out, x.kind);
  },
  Slice(ctx, ins) {
    const x = ins[0];
    let starts;
    let ends;
    let axes;
    let steps;
    if (ctx.opset < 10) {
      starts = ctx.ints('starts', []);
      ends = ctx.ints('ends', []);
      axes = ctx.ints('axes', undefined);
    } else {
      starts = intsOf(ctx, ctx.konst(1, 'starts'), 'starts');
      ends = intsOf(ctx, ctx.konst(2, 'ends'), 'ends');
      if (ins[3]) axes = intsOf(ctx, ins[3], 'axes');
      if (ins[4]) steps = intsOf(ctx, ins[4], 'steps');
    }
    if (x.dims.length !== 1) throw ctx.fail(`slicing a constant of rank ${x.dims.length} is not supported (rank 1 is)`);
    axes = axes ?? [0];
    if (starts.length !== 1 || ends.length !== 1 || axes.length !== 1 || (axes[0] !== 0 && axes[0] !== -1)) throw ctx.fail('only one axis of a 1-D constant can be sliced');
    const n = x.dims[0];
    const step = steps ? steps[0] : 1;
    if (!step) throw ctx.fail('step 0');
    const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));
    let s = starts[0] < 0 ? starts[0] + n : starts[0];
    let e = ends[0] < 0 ? ends[0] + n : ends[0];
    s = step > 0 ? clamp(s, 0, n) : clamp(s, 0, n - 1);
    e = step > 0 ? clamp(e, 0, n) : clamp(e, -1, n - 1);
    const out = [];
    for (let i = s; step > 0 ? i < e : i > e; i += step) out.push(x.data[i]);
    return constOut(ctx, [out.length], out, x.kind);
  },
  Shape(ctx, [x]) {
    const R = x.dims.length;
    const norm = (a) => Math.min(R, Math.max(0, a < 0 ? a + R : a));
    const out = x.dims.slice(norm(ctx.int('start', 0)), norm(ctx.int('end', R)));
    return { dims: [out.length], data: out, kind: 'int' };
  },
};

/** The ops the importer reads, for error messages. */
export const SUPPORTED_OPS = Object.freeze([...new Set([...Object.keys(HANDLERS), ...Object.keys(CONST_OPS)])].sort()
  .map((op) => (HANDLERS[op] ? op : `${op} (of constants)`)));

