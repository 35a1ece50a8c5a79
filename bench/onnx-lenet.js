// bench/onnx-lenet.js — the benchmark's LeNet-5 as an ONNX model (bytes), built in JavaScript
// with the npm package onnx-proto (ONNX's protobuf schema compiled for protobufjs).
//
//   x [N,1,28,28] → Conv 5×5×6 pads [2,2,2,2] → Relu → MaxPool 2 → Conv 5×5×16 → Relu →
//   MaxPool 2 → Flatten → Gemm 400×120 → Relu → Gemm 120×84 → Relu → Gemm 84×10 → Softmax → y
//
// Opset 13, IR version 8, float32, dynamic batch dimension "N". The weights arrive in Keras
// layouts (conv HWIO, dense [in][units]) and are converted here: conv kernels to OIHW; and
// because ONNX flattens NCHW in CHW order while wasm-cnn (like Keras) flattens HWC, the rows
// of the first dense kernel are permuted (row c·H·W + h·W + w ← row (h·W + w)·C + c). That
// permutation costs ORT nothing at run time (a Transpose node before Flatten would).
// With one input channel, an NHWC image and an NCHW image are the same floats.

import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** HWIO [kh][kw][in][out] → OIHW [out][in][kh][kw]. */
export function hwioToOihw(kernel, kh, kw, cin, cout) {
  const out = new Float32Array(kernel.length);
  for (let y = 0; y < kh; y++) {
    for (let x = 0; x < kw; x++) {
      for (let i = 0; i < cin; i++) {
        for (let o = 0; o < cout; o++) out[((o * cin + i) * kh + y) * kw + x] = kernel[((y * kw + x) * cin + i) * cout + o];
      }
    }
  }
  return out;
}

/** A dense kernel [h·w·c][units] whose rows are in HWC order → rows in CHW order. */
export function hwcRowsToChw(kernel, h, w, c, units) {
  const out = new Float32Array(kernel.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let ch = 0; ch < c; ch++) {
        const from = ((y * w + x) * c + ch) * units;
        const to = ((ch * h + y) * w + x) * units;
        out.set(kernel.subarray(from, from + units), to);
      }
    }
  }
  return out;
}

/**
 * weights: [conv1, conv2, dense1, dense2, dense3], each { kernel, bias } in Keras layouts.
 * Returns the model as a Uint8Array (an .onnx file's bytes).
 */
export function buildOnnxLenet(weights) {
  const { onnx } = require('onnx-proto');
  const FLOAT = onnx.TensorProto.DataType.FLOAT;
  const [c1, c2, d1, d2, d3] = weights;
  const initializers = [];
  const init = (name, dims, data) => {
    const n = dims.reduce((a, b) => a * b, 1);
    if (data.length !== n) throw new Error(`onnx-lenet: ${name} has ${data.length} values, expected ${dims.join('×')}`);
    const f32 = data instanceof Float32Array ? data : Float32Array.from(data);
    initializers.push(onnx.TensorProto.create({
      name,
      dims,
      dataType: FLOAT,
      rawData: new Uint8Array(f32.buffer.slice(f32.byteOffset, f32.byteOffset + f32.byteLength)),
    }));
  };
  init('W1', [6, 1, 5, 5], hwioToOihw(c1.kernel, 5, 5, 1, 6));
  init('B1', [6], c1.bias);
  init('W2', [16, 6, 5, 5], hwioToOihw(c2.kernel, 5, 5, 6, 16));
  init('B2', [16], c2.bias);
  init('W3', [400, 120], hwcRowsToChw(d1.kernel, 5, 5, 16, 120));
  init('B3', [120], d1.bias);
  init('W4', [120, 84], d2.kernel);
  init('B4', [84], d2.bias);
  init('W5', [84, 10], d3.kernel);
  init('B5', [10], d3.bias);

  const ints = (name, v) => onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INTS, ints: v });
  const int = (name, v) => onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INT, i: v });
  const node = (opType, input, output, attribute = []) =>
    onnx.NodeProto.create({ opType, input, output, attribute, name: output[0] });
  const nodes = [
    node('Conv', ['x', 'W1', 'B1'], ['c1'], [ints('kernel_shape', [5, 5]), ints('pads', [2, 2, 2, 2]), ints('strides', [1, 1])]),
    node('Relu', ['c1'], ['r1']),
    node('MaxPool', ['r1'], ['p1'], [ints('kernel_shape', [2, 2]), ints('strides', [2, 2])]),
    node('Conv', ['p1', 'W2', 'B2'], ['c2'], [ints('kernel_shape', [5, 5]), ints('pads', [0, 0, 0, 0]), ints('strides', [1, 1])]),
    node('Relu', ['c2'], ['r2']),
    node('MaxPool', ['r2'], ['p2'], [ints('kernel_shape', [2, 2]), ints('strides', [2, 2])]),
    node('Flatten', ['p2'], ['f'], [int('axis', 1)]),
    node('Gemm', ['f', 'W3', 'B3'], ['g1']),
    node('Relu', ['g1'], ['h1']),
    node('Gemm', ['h1', 'W4', 'B4'], ['g2']),
    node('Relu', ['g2'], ['h2']),
    node('Gemm', ['h2', 'W5', 'B5'], ['g3']),
    node('Softmax', ['g3'], ['y'], [int('axis', -1)]),
  ];
  const dim = (d) => (typeof d === 'string' ? onnx.TensorShapeProto.Dimension.create({ dimParam: d }) : onnx.TensorShapeProto.Dimension.create({ dimValue: d }));
  const valueInfo = (name, dims) => onnx.ValueInfoProto.create({
    name,
    type: onnx.TypeProto.create({ tensorType: onnx.TypeProto.Tensor.create({ elemType: FLOAT, shape: onnx.TensorShapeProto.create({ dim: dims.map(dim) }) }) }),
  });
  const graph = onnx.GraphProto.create({
    name: 'lenet5',
    node: nodes,
    initializer: initializers,
    input: [valueInfo('x', ['N', 1, 28, 28])],
    output: [valueInfo('y', ['N', 10])],
  });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'wasm-cnn bench/onnx-lenet.js',
    opsetImport: [onnx.OperatorSetIdProto.create({ domain: '', version: 13 })],
    graph,
  });
  const err = onnx.ModelProto.verify(model);
  if (err) throw new Error(`onnx-lenet: invalid ModelProto: ${err}`);
  return onnx.ModelProto.encode(model).finish();
}
