// bench/onnx-model.js — a zoo model (bench/zoo.js modelSpec) as an ONNX model for
// onnxruntime-web: opset 13, float32, input 'x' [N, C, H, W] (a dynamic batch N), written with
// the tests' OnnxBuilder (tests/js/support/onnx-build.js, on the npm package onnx-proto).
//
//   conv2d            Conv (kernel HWIO → OIHW, group, strides, dilations, pads)
//   depthwiseconv2d   Conv with group = C (kernel [kh][kw][C][M] is HWIO with I = 1, O = C·M:
//                     output channel c·M + m in both)
//   batchnorm         BatchNormalization (the moving statistics; ORT folds it into the Conv
//                     before it when optimising the graph, as a deployed model would be)
//   dense             Gemm (kernel [in][units] as B, no transpose)
//   maxpool2d         MaxPool; avgpool2d: AveragePool (count_include_pad)
//   globalavgpool2d   GlobalAveragePool + Flatten; globalmaxpool2d likewise
//   flatten           Flatten (axis 1)
//   add               Add (chained for more than two inputs)
//   activations       Relu, Clip(0, 6) for relu6, Sigmoid, Tanh, Softmax (axis −1, on vectors)
//
// wasm-cnn (like Keras) is NHWC and flattens in HWC order; ONNX is NCHW and flattens in CHW
// order, so a dense layer reading a flatten of an (h, w, c) map gets its kernel rows permuted
// (row c·h·w + y·w + x ← row (y·w + x)·c + c): free at run time, where a Transpose node before
// the Flatten would cost ORT a copy per call. Pads [top, bottom, left, right] become ONNX's
// [top, left, bottom, right]. Inputs must be given NCHW (the harness converts them once).

import { OnnxBuilder, f } from '../tests/js/support/onnx-build.js';

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

const onnxPads = ([t, b, l, r]) => [t, l, b, r];

/** spec: modelSpec(). Returns the .onnx file's bytes (a Uint8Array). */
export function onnxModel(spec) {
  const b = new OnnxBuilder({ opset: 13, producer: ['wasm-cnn bench/onnx-model.js', ''] });
  const where = (l) => `onnx-model: layer ${l.index} (${l.name}, ${l.type})`;
  // per symbol: its ONNX tensor name and, for a flattened map, the (h, w, c) it came from
  const sym = new Map([['input', { name: 'x', flatFrom: null }]]);
  let clip = null; // Clip's bounds, as shared scalar initializers
  const activation = (l, y, vector) => {
    switch (l.activation) {
      case 'linear': return y;
      case 'relu': return b.op('Relu', [y], {}, l.name);
      case 'sigmoid': return b.op('Sigmoid', [y], {}, l.name);
      case 'tanh': return b.op('Tanh', [y], {}, l.name);
      case 'relu6':
        clip ??= [b.weight('relu6.min', [], { values: [0] }), b.weight('relu6.max', [], { values: [6] })];
        return b.op('Clip', [y, ...clip], {}, l.name);
      case 'softmax':
        if (!vector) throw new Error(`${where(l)}: softmax over a map's channels is not translated`);
        return b.op('Softmax', [y], { axis: -1 }, l.name);
      default: throw new Error(`${where(l)}: activation ${l.activation} is not translated`);
    }
  };
  for (const l of spec.layers) {
    const ins = l.inputs.map((n) => sym.get(n));
    const x = ins[0].name;
    const w = spec.weights[l.index];
    const window = { strides: l.stride, pads: l.pads && onnxPads(l.pads) };
    let y;
    let flatFrom = null;
    switch (l.type) {
      case 'conv2d':
      case 'depthwiseconv2d': {
        const [kh, kw] = l.kernel;
        const cout = l.outputShape[2];
        const depthwise = l.type === 'depthwiseconv2d';
        const group = depthwise ? l.inputShape[2] : l.groups;
        const cin = depthwise ? 1 : l.inputShape[2] / group;
        const inputs = [x, b.weight(`${l.name}.weight`, [cout, cin, kh, kw], { values: hwioToOihw(w.kernel, kh, kw, cin, cout) })];
        if (l.useBias) inputs.push(b.weight(`${l.name}.bias`, [cout], { values: w.bias }));
        y = b.op('Conv', inputs, { kernel_shape: l.kernel, dilations: l.dilation, group, ...window }, l.name);
        break;
      }
      case 'batchnorm': {
        if (!l.center || !l.scale) throw new Error(`${where(l)}: center/scale false is not translated`);
        const c = l.outputShape.at(-1);
        const t = (name, v) => b.weight(`${l.name}.${name}`, [c], { values: v });
        y = b.op('BatchNormalization', [x, t('weight', w.gamma), t('bias', w.beta), t('running_mean', w.movingMean), t('running_var', w.movingVariance)],
          { epsilon: f(l.epsilon) }, l.name);
        break;
      }
      case 'dense': {
        const [n, units] = [l.inputShape[0], l.units];
        const from = ins[0].flatFrom;
        const kernel = from ? hwcRowsToChw(w.kernel, ...from, units) : w.kernel;
        const inputs = [x, b.weight(`${l.name}.weight`, [n, units], { values: kernel })];
        if (l.useBias) inputs.push(b.weight(`${l.name}.bias`, [units], { values: w.bias }));
        y = b.op('Gemm', inputs, { alpha: f(1), beta: f(1) }, l.name);
        break;
      }
      case 'maxpool2d':
        y = b.op('MaxPool', [x], { kernel_shape: l.size, dilations: l.dilation, ceil_mode: l.ceilMode ? 1 : 0, ...window }, l.name);
        break;
      case 'avgpool2d':
        y = b.op('AveragePool', [x], { kernel_shape: l.size, ceil_mode: l.ceilMode ? 1 : 0, count_include_pad: l.countIncludePad ? 1 : 0, ...window }, l.name);
        break;
      case 'globalavgpool2d':
      case 'globalmaxpool2d':
        y = b.op(l.type === 'globalavgpool2d' ? 'GlobalAveragePool' : 'GlobalMaxPool', [x], {}, l.name);
        y = b.op('Flatten', [y], { axis: 1 }, l.name); // [N, C, 1, 1] → [N, C]
        break;
      case 'flatten':
        y = b.op('Flatten', [x], { axis: 1 }, l.name);
        flatFrom = l.inputShape;
        break;
      case 'add':
        y = ins.slice(1).reduce((acc, s) => b.op('Add', [acc, s.name], {}, l.name), x);
        break;
      case 'activation':
        y = x;
        flatFrom = ins[0].flatFrom;
        break;
      default: throw new Error(`${where(l)}: this layer type is not translated`);
    }
    // an activation keeps the order of the values, so a flattened map stays one
    sym.set(l.name, { name: activation(l, y, l.outputShape.length === 1), flatFrom });
  }
  const [h, w, c] = spec.inputShape;
  return b.build({ input: ['x', ['N', c, h, w]], output: sym.get(spec.layers.at(-1).name).name, outputDims: ['N', spec.outputSize], name: spec.key });
}
