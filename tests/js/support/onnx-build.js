// onnx-build.js — writes small ONNX models for tests/js/import-onnx.test.js, the way
// torch.onnx.export writes them (node names '/scope/Op', outputs '/scope/Op_output_0',
// initializers 'scope.weight' with raw_data, a dynamic batch dimension 'N'), with the npm
// package onnx-proto (ONNX's schema compiled for protobufjs), as bench/onnx-model.js does.
//
//   const b = new OnnxBuilder({ rand: rng(1), opset: 13 });
//   let y = b.conv('conv1', 'x', { cin: 3, cout: 8, k: 3, pads: [1, 1, 1, 1] });
//   y = b.op('Relu', [y], {}, 'relu1');
//   const bytes = b.build({ input: ['x', ['N', 3, 8, 8]], output: y });

import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { onnx } = require('onnx-proto');

const T = onnx.TensorProto.DataType;
const AT = onnx.AttributeProto.AttributeType;

/** Marks an attribute value as a float (or floats) when it is written as an integer. */
export const f = (v) => ({ float: v });

function attribute(name, v) {
  const A = (o) => onnx.AttributeProto.create({ name, ...o });
  if (v && typeof v === 'object' && 'float' in v) {
    return Array.isArray(v.float) ? A({ type: AT.FLOATS, floats: v.float }) : A({ type: AT.FLOAT, f: v.float });
  }
  if (v instanceof onnx.TensorProto) return A({ type: AT.TENSOR, t: v });
  if (typeof v === 'string') return A({ type: AT.STRING, s: new TextEncoder().encode(v) });
  if (typeof v === 'number') return Number.isInteger(v) ? A({ type: AT.INT, i: v }) : A({ type: AT.FLOAT, f: v });
  if (Array.isArray(v)) return v.every(Number.isInteger) ? A({ type: AT.INTS, ints: v }) : A({ type: AT.FLOATS, floats: v });
  throw new Error(`onnx-build: attribute ${name}: cannot encode ${v}`);
}

/** A TensorProto: float32 (raw_data), or int64 (int64_data). */
export function tensor(name, dims, values, type = 'float') {
  if (type === 'int64') return onnx.TensorProto.create({ name, dims, dataType: T.INT64, int64Data: Array.from(values) });
  const f32 = Float32Array.from(values);
  return onnx.TensorProto.create({ name, dims, dataType: T.FLOAT, rawData: new Uint8Array(f32.buffer) });
}

function valueInfo(name, dims, elemType = T.FLOAT) {
  const dim = (d) => (typeof d === 'string' ? onnx.TensorShapeProto.Dimension.create({ dimParam: d }) : onnx.TensorShapeProto.Dimension.create({ dimValue: d }));
  return onnx.ValueInfoProto.create({
    name,
    type: onnx.TypeProto.create({ tensorType: onnx.TypeProto.Tensor.create({ elemType, shape: dims ? onnx.TensorShapeProto.create({ dim: dims.map(dim) }) : undefined }) }),
  });
}

export class OnnxBuilder {
  constructor({ rand, opset = 13, irVersion = 8, producer = ['pytorch', '2.1.0'] } = {}) {
    this.rand = rand;
    this.opset = opset;
    this.irVersion = irVersion;
    this.producer = producer;
    this.nodes = [];
    this.inits = [];
    this.count = new Map();
  }

  uniform(n, lo, hi) {
    return Float32Array.from({ length: n }, () => lo + (hi - lo) * this.rand());
  }

  /** An initializer of random floats in [lo, hi) (or the given values); returns its name. */
  weight(name, dims, { lo = -0.5, hi = 0.5, values } = {}) {
    const n = dims.reduce((a, b) => a * b, 1);
    this.inits.push(tensor(name, dims, values ?? this.uniform(n, lo, hi)));
    return name;
  }

  /** An int64 initializer; returns its name. */
  ints(name, values, dims = [values.length]) {
    this.inits.push(tensor(name, dims, values, 'int64'));
    return name;
  }

  /**
   * A node named '/scope/Op' (made unique) whose outputs are '<name>_output_k'; returns the
   * first output's name (or all of them with { outputs: n }).
   */
  op(opType, inputs, attrs = {}, scope = '', { outputs = 1, name } = {}) {
    let base = name ?? `${scope ? `/${scope}` : ''}/${opType}`;
    const k = this.count.get(base) || 0;
    this.count.set(base, k + 1);
    if (k) base += `_${k}`;
    const outs = Array.from({ length: outputs }, (_, i) => `${base}_output_${i}`);
    this.nodes.push(onnx.NodeProto.create({
      name: base, opType, input: inputs, output: outs,
      attribute: Object.entries(attrs).filter(([, v]) => v !== undefined).map(([n, v]) => attribute(n, v)),
    }));
    return outputs === 1 ? outs[0] : outs;
  }

  /** A raw node (any names), for hand-made graphs. */
  rawNode(opType, input, output, attrs = {}, name = '') {
    this.nodes.push(onnx.NodeProto.create({ name, opType, input, output, attribute: Object.entries(attrs).map(([n, v]) => attribute(n, v)) }));
  }

  /** A Constant node holding an int64 vector (as torch writes shape arithmetic). */
  constInts(values, scope = '', dims = [values.length]) {
    return this.op('Constant', [], { value: tensor('', dims, values, 'int64') }, scope);
  }

  conv(scope, x, { cin, cout, k = 3, stride, pads, group = 1, dilations, bias = true, autoPad }) {
    const kk = Array.isArray(k) ? k : [k, k];
    const w = this.weight(`${scope}.weight`, [cout, cin / group, ...kk], { lo: -0.4, hi: 0.4 });
    const inputs = [x, w];
    if (bias) inputs.push(this.weight(`${scope}.bias`, [cout], { lo: -0.2, hi: 0.2 }));
    const s = stride === undefined ? undefined : Array.isArray(stride) ? stride : [stride, stride];
    return this.op('Conv', inputs, {
      auto_pad: autoPad,
      dilations: dilations ?? (autoPad ? undefined : [1, 1]),
      group: group !== 1 || !autoPad ? group : undefined,
      kernel_shape: kk,
      pads: autoPad ? undefined : pads ?? [0, 0, 0, 0],
      strides: s ?? (autoPad ? undefined : [1, 1]),
    }, scope);
  }

  bn(scope, x, c, { epsilon = 1e-5 } = {}) {
    const inputs = [x, this.weight(`${scope}.weight`, [c], { lo: 0.5, hi: 1.5 }), this.weight(`${scope}.bias`, [c], { lo: -0.3, hi: 0.3 }),
      this.weight(`${scope}.running_mean`, [c], { lo: -0.3, hi: 0.3 }), this.weight(`${scope}.running_var`, [c], { lo: 0.3, hi: 1.5 })];
    return this.op('BatchNormalization', inputs, { epsilon: f(epsilon), momentum: f(0.9) }, scope);
  }

  gemm(scope, x, k, n, { transB = 1 } = {}) {
    const w = this.weight(`${scope}.weight`, transB ? [n, k] : [k, n], { lo: -0.3, hi: 0.3 });
    const b = this.weight(`${scope}.bias`, [n], { lo: -0.2, hi: 0.2 });
    return this.op('Gemm', [x, w, b], { alpha: f(1), beta: f(1), transB }, scope);
  }

  /** The model's bytes. output: a name or a list of names (for the two-outputs test). */
  build({ input, output, outputDims, name = 'torch_jit', extraInputs = [] }) {
    const outs = Array.isArray(output) ? output : [output];
    const graph = onnx.GraphProto.create({
      name,
      node: this.nodes,
      initializer: this.inits,
      input: [valueInfo(input[0], input[1]), ...extraInputs.map(([n, d]) => valueInfo(n, d))],
      output: outs.map((o) => valueInfo(o, outputDims)),
    });
    const model = onnx.ModelProto.create({
      irVersion: this.irVersion,
      producerName: this.producer[0],
      producerVersion: this.producer[1],
      opsetImport: [onnx.OperatorSetIdProto.create({ domain: '', version: this.opset })],
      graph,
    });
    const err = onnx.ModelProto.verify(model);
    if (err) throw new Error(`onnx-build: invalid ModelProto: ${err}`);
    return onnx.ModelProto.encode(model).finish();
  }
}

/** NHWC images → NCHW (n images of h×w×c). */
export function nhwcToNchw(x, n, h, w, c) {
  const out = new Float32Array(x.length);
  for (let b = 0; b < n; b++) for (let y = 0; y < h; y++) for (let z = 0; z < w; z++) for (let k = 0; k < c; k++) out[((b * c + k) * h + y) * w + z] = x[((b * h + y) * w + z) * c + k];
  return out;
}

/** NCHW → NHWC. */
export function nchwToNhwc(x, n, c, h, w) {
  const out = new Float32Array(x.length);
  for (let b = 0; b < n; b++) for (let k = 0; k < c; k++) for (let y = 0; y < h; y++) for (let z = 0; z < w; z++) out[((b * h + y) * w + z) * c + k] = x[((b * c + k) * h + y) * w + z];
  return out;
}
