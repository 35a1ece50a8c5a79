// onnx-backend.test.js — js/import/onnx.js (through loadModel) on ONNX's own backend test data.
//
// The data are copied unchanged from github.com/onnx/onnx at commit
// 928f94127f1706f03cf6025307307272853d0fca (2026-07-20, the last before "Remove node test
// artifacts (#7959)"): onnx/backend/test/data/node/<test>/ → tests/onnx-backend/<test>/ and
// onnx/backend/test/data/pytorch-converted/<test>/ → tests/onnx-backend/pytorch-converted/<test>/
// (Apache-2.0; see tests/onnx-backend/README.md). Each folder is model.onnx and
// test_data_set_0/{input_k,output_0}.pb (TensorProto), read here with onnx-proto (the schema
// compiled for protobufjs), not with the importer's own reader.
//
// Per test: the NCHW input_0 becomes N NHWC images (an (N, K) input: N vectors), run with
// predictBatch; a map output is turned back to NCHW; the result must match output_0 with the
// ONNX backend runner's tolerance (onnx/backend/test/loader: rtol 1e-3, atol 1e-7 — none of
// these tests has a data.json that changes it): |ours − expected| ≤ 1e-7 + 1e-3·|expected|,
// and the shapes must agree. Every passing test also holds at the tighter
// |ours − expected| ≤ 1e-6 + 1e-5·|expected|, except test_averagepool_2d_ceil_last_window_starts_on_pad,
// whose expected values are hand-written with 4 decimals (0.1511 for 1.3595 / 9 = 0.151056):
// its error, 5.6e-5, is the rounding of the reference, 29 % of ONNX's tolerance.
// The max errors are printed at the end.
//
// How a test is fed to wasm-cnn (column "how"):
//   as is   the model file as ONNX wrote it.
//   bound   the model has its weights as extra graph inputs (Conv's W, BatchNormalization's
//           scale/B/mean/var, Gemm's B/C, MatMul's B, Clip's min): wasm-cnn models have one
//           input, so the file as is must be refused ("the graph has 2 inputs ('x', 'W')") —
//           asserted — and then input_1.pb … are added as initializers of the same names
//           (ONNX's own meaning of an initializer that shares a graph input's name: its value),
//           in memory; the files are not changed.
//   4-D     an element-wise test on a (3, 4, 5) or (3) tensor: a CNN engine takes (N, C, H, W)
//           or (N, K) inputs, so the file as is must be refused ("is (3, 4, 5): wasm-cnn takes
//           images …") — asserted — and then the same model, with the declared input and output
//           shapes changed to (3, 4, 5, 1) / (1, 3, 1, 1), runs on the same data. Only ops that
//           do not depend on the shape get this, plus test_softmax_axis_1 (opset 13: a softmax
//           along axis 1 alone, which stays axis 1, the channels, in (3, 4, 5, 1)).
//
// Passed (93; the table of max errors is printed at the end):
//   as is   MaxPool 2-D: test_maxpool_2d_{default, pads, strides, same_upper, same_lower, ceil,
//           ceil_output_size_reduce_by_one, dilations, precomputed_pads, precomputed_strides,
//           precomputed_same_upper}; AveragePool 2-D: test_averagepool_2d_{default, pads,
//           pads_count_include_pad, strides, same_upper, same_lower, ceil,
//           ceil_last_window_starts_on_pad, precomputed_pads, precomputed_pads_count_include_pad,
//           precomputed_strides, precomputed_same_upper}; test_globalaveragepool(_precomputed),
//           test_globalmaxpool(_precomputed); Softmax on (N, K): test_softmax_example,
//           test_softmax_large_number; pytorch-converted (weights as initializers): test_Conv2d,
//           _depthwise, _depthwise_padded, _depthwise_strided, _depthwise_with_multiplier,
//           _dilated, _groups, _groups_thnn, _no_bias, _padding, _strided, test_BatchNorm2d_eval,
//           _momentum_eval, test_AvgPool2d(_stride), test_MaxPool2d, test_Linear, test_ReLU,
//           test_Sigmoid, test_Tanh, test_Softplus, test_Softmax, test_softmax_lastdim,
//           test_ZeroPad2d
//   bound   Conv: test_basic_conv_with_padding, test_basic_conv_without_padding,
//           test_conv_with_strides_padding, test_conv_with_strides_no_padding,
//           test_conv_with_autopad_same (SAME_LOWER, stride 2),
//           test_conv_with_strides_and_asymmetric_padding; test_batchnorm_example,
//           test_batchnorm_epsilon; Gemm: test_gemm_default_{no_bias, vector_bias, zero_bias,
//           scalar_bias, single_elem_vector_bias}, test_gemm_alpha, test_gemm_beta,
//           test_gemm_transposeB; test_matmul_2d
//   4-D     test_relu, test_leakyrelu(_default, _example), test_sigmoid(_example),
//           test_tanh(_example), test_elu(_default, _example), test_selu_default,
//           test_hardsigmoid(_default, _example), test_hardswish, test_hardswish_expanded
//           (HardSigmoid(1/6, 1/2) · x → hardswish), test_softplus(_example),
//           test_gelu_default_1, test_gelu_default_2, test_softmax_axis_1,
//           test_clip_default_min (bound and 4-D: Clip(0) → relu)
//
// Refused (54) with an Error (asserted: the message, which names the op where an op is refused).
// "doc": where the limit is written — H the header of js/import/onnx.js, R README.md, E only
// in the error message.
//
//   test                                      how      message (abridged)                                  doc
//   test_maxpool_1d_default                   as is    input (1, 3, 32): takes (N, C, H, W) or (N, K)      H R
//   test_averagepool_1d_default               as is    input (1, 3, 32): same                              H R
//   test_maxpool_3d_dilations                 as is    input (1, 1, 4, 4, 4): same                         H R
//   test_averagepool_3d_dilations_small       as is    input (1, 1, 4, 4, 4): same                         H R
//   test_averagepool_2d_dilations             as is    (AveragePool): average pooling with dilation        R
//   test_maxpool_2d_uint8                     as is    input holds uint8, not float32                      H
//   test_maxpool_with_argmax_2d_precomputed_pads, _strides
//                                             as is    the graph has 2 outputs ('y', 'z') (MaxPool Indices) H
//   test_batchnorm_example_training_mode, test_batchnorm_epsilon_training_mode
//                                             bound    the graph has 3 outputs (running mean / var)        H
//   test_gemm_transposeA, test_gemm_all_attributes
//                                             bound    (Gemm): transA 1 is not supported                   E
//   test_gemm_default_matrix_bias             bound    (Gemm): C (3, 4) is not a bias of 4 values          E
//   test_matmul_4d                            bound    (MatMul): needs an (N, K) input, got (N, 2, 3, 4)   R
//   test_flatten_axis0, _axis2, _axis3, _negative_axis1, _negative_axis2, _negative_axis4
//                                             as is    (Flatten): only Flatten(axis = 1)                   H
//   test_flatten_axis1, _default_axis, _negative_axis3
//                                             as is    the output is a flattened (C, H, W) map (CHW in     H
//                                                      ONNX, HWC in wasm-cnn): not a graph output
//   test_softmax_axis_0, _axis_2, _default_axis, _negative_axis
//                                             as is    input (3, 4, 5): takes (N, C, H, W) or (N, K)       H R
//   test_softmax_example_expanded             as is    (ReduceMax): this op is not supported               H
//   test_logsoftmax_example_1                 as is    (LogSoftmax): this op is not supported              H
//   test_selu, test_selu_example              4-D      (Selu): alpha 2, gamma 3: only the standard SELU    E
//   test_gelu_tanh_1, test_gelu_tanh_2        4-D      (Gelu): approximate 'tanh' is not supported         R
//   test_swish                                4-D      (Swish): this op is not supported (opset 24's op)   H
//   test_clip, test_clip_default_max, test_clip_default_inbounds, test_clip_example,
//   test_clip_inbounds, test_clip_outbounds, test_clip_splitbounds, test_clip_min_greater_than_max
//                                             bound/4-D (Clip): Clip(min, max) has no equivalent   H
//                                                      (only Clip(0, 6) = relu6 and Clip(0) = relu)
//   test_lrn_default                          as is    (LRN): this op is not supported                     H
//   test_instancenorm_example                 bound    (InstanceNormalization): not supported              H
//   test_lppool_2d_default                    as is    (LpPool): this op is not supported                  H
//   test_depthtospace_example                 as is    (DepthToSpace): this op is not supported            H
//   test_spacetodepth_example                 as is    (SpaceToDepth): this op is not supported            H
//   test_constant_pad                         bound    (Pad): padding with 1.2 is not supported (only 0)   H
//   test_squeeze                              bound    (Squeeze): squeezing the batch axis                 E
//   test_identity                             as is    the output is the input itself: nothing to compute  E
//   test_dropout_default                      4-D      the output is the input itself (Dropout → nothing)  E
//   test_add, test_mul                        as is    the graph has 2 inputs ('x', 'y')                   H
//   test_concat_2d_axis_1                     as is    the graph has 2 inputs ('value0', 'value1')         H
//
// Skipped (not copied): the other tests with two data inputs (test_add_*, test_sub*, test_mul_*,
// test_div*, test_concat_*, test_max_*, test_min_*, test_sum_*, test_mean_*, test_prelu_*) and
// integer variants (…_int8, …_uint64: not float32); 3-D pools of 130–750 KB (rank-5 inputs;
// test_maxpool_3d_dilations and test_averagepool_3d_dilations_small stand for them); the
// *_expanded / *_expanded_ver18 function bodies (CastLike, Where, Less, Exp, ReduceMax …: not
// supported; test_hardswish_expanded runs, test_softmax_example_expanded is the copied example);
// test_dropout_* other than test_dropout_default, test_reshape_*, test_unsqueeze_*,
// test_transpose_* (3-D inputs, shape ops); test_convtranspose_*, test_convinteger_*,
// test_lrn, test_instancenorm_epsilon, the other test_lppool_*, test_celu (opset 28 > 25),
// test_mish, test_softsign, test_thresholdedrelu, test_shrink_*, test_erf (ops not supported);
// test_edge_pad / test_reflect_pad (int32 input, non-constant modes); and from
// pytorch-converted test_MaxPool2d_stride_padding_dilation (4 MB of data) and the 1-D / 3-D /
// PReLU / ConvTranspose tests.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { loadModel } from '../../js/index.js';

const require = createRequire(import.meta.url);
const { onnx } = require('onnx-proto');

const DATA = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'onnx-backend');
const RTOL = 1e-3; // onnx/backend/test/loader/__init__.py defaults
const ATOL = 1e-7;
const TIGHT_RTOL = 1e-5;
const TIGHT_ATOL = 1e-6;
const ROUNDED_REFERENCE = new Set(['test_averagepool_2d_ceil_last_window_starts_on_pad']);

const PASS = 'pass';
const pt = (name) => [`pytorch-converted/${name}`, '', PASS];

// [folder, how ('' as is | 'bind' | '4d' | 'bind+4d'), PASS or the refusal's message]
const CASES = [
  ...['default', 'pads', 'strides', 'same_upper', 'same_lower', 'ceil', 'ceil_output_size_reduce_by_one', 'dilations',
    'precomputed_pads', 'precomputed_strides', 'precomputed_same_upper'].map((s) => [`test_maxpool_2d_${s}`, '', PASS]),
  ...['default', 'pads', 'pads_count_include_pad', 'strides', 'same_upper', 'same_lower', 'ceil', 'ceil_last_window_starts_on_pad',
    'precomputed_pads', 'precomputed_pads_count_include_pad', 'precomputed_strides', 'precomputed_same_upper'].map((s) => [`test_averagepool_2d_${s}`, '', PASS]),
  ['test_globalaveragepool', '', PASS],
  ['test_globalaveragepool_precomputed', '', PASS],
  ['test_globalmaxpool', '', PASS],
  ['test_globalmaxpool_precomputed', '', PASS],
  ['test_softmax_example', '', PASS],
  ['test_softmax_large_number', '', PASS],
  ...['test_basic_conv_with_padding', 'test_basic_conv_without_padding', 'test_conv_with_strides_padding', 'test_conv_with_strides_no_padding',
    'test_conv_with_autopad_same', 'test_conv_with_strides_and_asymmetric_padding'].map((n) => [n, 'bind', PASS]),
  ['test_batchnorm_example', 'bind', PASS],
  ['test_batchnorm_epsilon', 'bind', PASS],
  ...['default_no_bias', 'default_vector_bias', 'default_zero_bias', 'default_scalar_bias', 'default_single_elem_vector_bias', 'alpha', 'beta',
    'transposeB'].map((s) => [`test_gemm_${s}`, 'bind', PASS]),
  ['test_matmul_2d', 'bind', PASS],
  ...['test_relu', 'test_leakyrelu', 'test_leakyrelu_default', 'test_leakyrelu_example', 'test_sigmoid', 'test_sigmoid_example', 'test_tanh',
    'test_tanh_example', 'test_elu', 'test_elu_default', 'test_elu_example', 'test_selu_default', 'test_hardsigmoid', 'test_hardsigmoid_default',
    'test_hardsigmoid_example', 'test_hardswish', 'test_hardswish_expanded', 'test_softplus', 'test_softplus_example', 'test_gelu_default_1',
    'test_gelu_default_2', 'test_softmax_axis_1'].map((n) => [n, '4d', PASS]),
  ['test_clip_default_min', 'bind+4d', PASS],
  ...['Conv2d', 'Conv2d_depthwise', 'Conv2d_depthwise_padded', 'Conv2d_depthwise_strided', 'Conv2d_depthwise_with_multiplier', 'Conv2d_dilated',
    'Conv2d_groups', 'Conv2d_groups_thnn', 'Conv2d_no_bias', 'Conv2d_padding', 'Conv2d_strided', 'BatchNorm2d_eval', 'BatchNorm2d_momentum_eval',
    'AvgPool2d', 'AvgPool2d_stride', 'MaxPool2d', 'Linear', 'ReLU', 'Sigmoid', 'Tanh', 'Softplus', 'Softmax', 'softmax_lastdim', 'ZeroPad2d'].map((n) => pt(`test_${n}`)),

  // refused
  ['test_maxpool_1d_default', '', /the graph input 'x' is \(1, 3, 32\): wasm-cnn takes images \(N, C, H, W\) or vectors \(N, K\)/],
  ['test_averagepool_1d_default', '', /the graph input 'x' is \(1, 3, 32\): wasm-cnn takes images \(N, C, H, W\) or vectors \(N, K\)/],
  ['test_maxpool_3d_dilations', '', /the graph input 'x' is \(1, 1, 4, 4, 4\): wasm-cnn takes images/],
  ['test_averagepool_3d_dilations_small', '', /the graph input 'x' is \(1, 1, 4, 4, 4\): wasm-cnn takes images/],
  ['test_averagepool_2d_dilations', '', /\(AveragePool\): dilations \(2, 2\): average pooling with dilation is not supported/],
  ['test_maxpool_2d_uint8', '', /the graph input 'x' holds uint8, not float32/],
  ['test_maxpool_with_argmax_2d_precomputed_pads', '', /the graph has 2 outputs \('y', 'z'\); wasm-cnn models have exactly one/],
  ['test_maxpool_with_argmax_2d_precomputed_strides', '', /the graph has 2 outputs \('y', 'z'\); wasm-cnn models have exactly one/],
  ['test_batchnorm_example_training_mode', 'bind', /the graph has 3 outputs \('y', 'output_mean', 'output_var'\)/],
  ['test_batchnorm_epsilon_training_mode', 'bind', /the graph has 3 outputs \('y', 'output_mean', 'output_var'\)/],
  ['test_gemm_transposeA', 'bind', /\(Gemm\): transA 1 is not supported/],
  ['test_gemm_all_attributes', 'bind', /\(Gemm\): transA 1 is not supported/],
  ['test_gemm_default_matrix_bias', 'bind', /\(Gemm\): C \(3, 4\) is not a bias of 4 values/],
  ['test_matmul_4d', 'bind', /\(MatMul\): needs an \(N, K\) input, got \(N, 2, 3, 4\)/],
  ...[['axis0', 0], ['axis2', 2], ['axis3', 3], ['negative_axis1', 3], ['negative_axis2', 2], ['negative_axis4', 0]].map(([s, a]) => [`test_flatten_${s}`, '',
    new RegExp(`\\(Flatten\\): axis ${a}: only Flatten\\(axis = 1\\), which keeps the batch axis, is supported`)]),
  ['test_flatten_axis1', '', /the output 'b' is a flattened \(3, 4, 5\) map, whose elements wasm-cnn orders HWC and ONNX CHW/],
  ['test_flatten_negative_axis3', '', /the output 'b' is a flattened \(3, 4, 5\) map, whose elements wasm-cnn orders HWC and ONNX CHW/],
  ['test_flatten_default_axis', '', /the output 'b' is a flattened \(4, 3, 2\) map, whose elements wasm-cnn orders HWC and ONNX CHW/],
  ...['axis_0', 'axis_2', 'default_axis', 'negative_axis'].map((s) => [`test_softmax_${s}`, '', /the graph input 'x' is \(3, 4, 5\): wasm-cnn takes images/]),
  ['test_softmax_example_expanded', '', /\(ReduceMax\): this op is not supported by the wasm-cnn ONNX importer/],
  ['test_logsoftmax_example_1', '', /\(LogSoftmax\): this op is not supported by the wasm-cnn ONNX importer/],
  ['test_selu', '4d', /\(Selu\): alpha 2, gamma 3: only the standard SELU constants are supported/],
  ['test_selu_example', '4d', /\(Selu\): alpha 2, gamma 3: only the standard SELU constants are supported/],
  ['test_gelu_tanh_1', '4d', /\(Gelu\): approximate 'tanh' is not supported/],
  ['test_gelu_tanh_2', '4d', /\(Gelu\): approximate 'tanh' is not supported/],
  ['test_swish', '4d', /\(Swish\): this op is not supported by the wasm-cnn ONNX importer/],
  ...[['test_clip', 'bind+4d', '-1, 1'], ['test_clip_default_max', 'bind+4d', '-Infinity, 0'], ['test_clip_default_inbounds', '4d', '-Infinity, Infinity'],
    ['test_clip_example', 'bind+4d', '-1, 1'], ['test_clip_inbounds', 'bind+4d', '-5, 5'], ['test_clip_outbounds', 'bind+4d', '-5, 5'],
    ['test_clip_splitbounds', 'bind+4d', '-5, 5'], ['test_clip_min_greater_than_max', 'bind+4d', '2, 1']].map(([n, how, b]) => [n, how,
    new RegExp(`\\(Clip\\): Clip\\(${b}\\) has no wasm-cnn equivalent \\(Clip\\(0, 6\\) is relu6, Clip\\(0\\) is relu\\)`)]),
  ['test_lrn_default', '', /\(LRN\): this op is not supported by the wasm-cnn ONNX importer/],
  ['test_instancenorm_example', 'bind', /\(InstanceNormalization\): this op is not supported by the wasm-cnn ONNX importer/],
  ['test_lppool_2d_default', '', /\(LpPool\): this op is not supported by the wasm-cnn ONNX importer/],
  ['test_depthtospace_example', '', /\(DepthToSpace\): this op is not supported by the wasm-cnn ONNX importer/],
  ['test_spacetodepth_example', '', /\(SpaceToDepth\): this op is not supported by the wasm-cnn ONNX importer/],
  ['test_constant_pad', 'bind', /\(Pad\): padding with 1\.2\d* is not supported \(only 0\)/],
  ['test_squeeze', 'bind', /\(Squeeze\): squeezing the batch axis is not supported/],
  ['test_identity', '', /the output 'y' is the input itself: there is nothing to compute/],
  ['test_dropout_default', '4d', /the output 'y' is the input itself: there is nothing to compute/],
  ['test_add', '', /the graph has 2 inputs \('x', 'y'\); wasm-cnn models have exactly one/],
  ['test_mul', '', /the graph has 2 inputs \('x', 'y'\); wasm-cnn models have exactly one/],
  ['test_concat_2d_axis_1', '', /the graph has 2 inputs \('value0', 'value1'\); wasm-cnn models have exactly one/],
];

// ─── Reading the test data (onnx-proto) ───────────────────────────────────────────────────

/** A TensorProto file → { name, dims, dataType, data (float32 only), proto }. */
function readTensor(file) {
  const t = onnx.TensorProto.decode(fs.readFileSync(file));
  const dims = t.dims.map(Number);
  const n = dims.reduce((a, b) => a * b, 1);
  let data = null;
  if (t.dataType === onnx.TensorProto.DataType.FLOAT) {
    if (t.rawData && t.rawData.length) {
      expect(t.rawData.length).toBe(4 * n);
      const dv = new DataView(t.rawData.buffer, t.rawData.byteOffset, t.rawData.byteLength);
      data = new Float32Array(n);
      for (let i = 0; i < n; i++) data[i] = dv.getFloat32(4 * i, true);
    } else {
      expect(t.floatData.length).toBe(n);
      data = Float32Array.from(t.floatData);
    }
  }
  return { name: t.name, dims, dataType: t.dataType, data, proto: t };
}

function readCase(folder) {
  const dir = path.join(DATA, folder);
  const set = path.join(dir, 'test_data_set_0');
  const files = fs.readdirSync(set);
  const numbered = (prefix) => files.filter((f) => new RegExp(`^${prefix}_\\d+\\.pb$`).test(f))
    .sort((a, b) => parseInt(a.slice(prefix.length + 1), 10) - parseInt(b.slice(prefix.length + 1), 10))
    .map((f) => readTensor(path.join(set, f)));
  const bytes = new Uint8Array(fs.readFileSync(path.join(dir, 'model.onnx')));
  return { bytes, model: onnx.ModelProto.decode(bytes), inputs: numbered('input'), outputs: numbered('output') };
}

/** The graph inputs after the first, given the values of input_1.pb … as initializers. */
function bindInputs(c) {
  const m = onnx.ModelProto.decode(c.bytes);
  const g = m.graph;
  expect(c.inputs.length).toBe(g.input.length);
  for (let k = 1; k < g.input.length; k++) {
    const t = onnx.TensorProto.decode(onnx.TensorProto.encode(c.inputs[k].proto).finish());
    t.name = g.input[k].name;
    g.initializer.push(t);
  }
  return onnx.ModelProto.encode(m).finish();
}

/** (a, b, c) → (a, b, c, 1); (n) → (1, n, 1, 1). */
const to4d = (d) => (d.length === 3 ? [...d, 1] : d.length === 1 ? [1, d[0], 1, 1] : null);

/** The model with its input 0 and output 0 declared with the 4-D shapes. */
function declare4d(bytes) {
  const m = onnx.ModelProto.decode(bytes);
  for (const v of [m.graph.input[0], m.graph.output[0]]) {
    const dims = to4d(v.type.tensorType.shape.dim.map((d) => Number(d.dimValue)));
    v.type.tensorType.shape = onnx.TensorShapeProto.create({ dim: dims.map((d) => onnx.TensorShapeProto.Dimension.create({ dimValue: d })) });
  }
  return onnx.ModelProto.encode(m).finish();
}

// ─── Layouts ──────────────────────────────────────────────────────────────────────────────

function nchwToNhwc(x, [N, C, H, W]) {
  const y = new Float32Array(x.length);
  for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) y[((n * H + h) * W + w) * C + c] = x[((n * C + c) * H + h) * W + w];
  return y;
}

function nhwcToNchw(y, N, [H, W, C]) {
  const x = new Float32Array(y.length);
  for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) x[((n * C + c) * H + h) * W + w] = y[((n * H + h) * W + w) * C + c];
  return x;
}

// ─── The tests ────────────────────────────────────────────────────────────────────────────

async function refusal(bytes) {
  let model;
  try {
    model = await loadModel(bytes);
  } catch (err) {
    return err;
  }
  const summary = model.summary();
  model.dispose();
  throw new Error(`expected the importer to refuse this model, but it loaded:\n${summary}`);
}

async function expectRefused(bytes, re) {
  const err = await refusal(bytes);
  expect(Object.prototype.toString.call(err)).toBe('[object Error]');
  expect(err.message).toMatch(/^loadModel: /);
  expect(err.message).toMatch(re);
  return err.message;
}

const passed = [];
const refused = [];
const started = Date.now();

afterAll(() => {
  const w = Math.max(...passed.map((r) => r.name.length));
  const lines = passed.map((r) => `  ${r.name.padEnd(w)}  ${r.how.padEnd(9)}  ${String(r.values).padStart(5)}  ${r.maxAbs.toExponential(2).padStart(9)}  ${r.maxRel.toExponential(2).padStart(9)}  ${(100 * r.used).toFixed(2).padStart(6)} %`);
  const worst = passed.reduce((a, r) => (r.used > a.used ? r : a), passed[0] ?? { used: 0, name: '-' });
  process.stdout.write(`\nONNX backend tests (onnx 928f941), ${passed.length} passed, ${refused.length} refused with a named Error, ${((Date.now() - started) / 1000).toFixed(1)} s\n` +
    `  ${'test'.padEnd(w)}  how        values   max|err|   max rel   of ONNX tolerance (1e-7 + 1e-3·|expected|)\n${lines.join('\n')}\n` +
    `  largest share of the tolerance: ${(100 * worst.used).toFixed(2)} % (${worst.name})\n` +
    `Refused:\n${refused.map((r) => `  ${r.name}: ${r.message.replace(/; supported ops: .*/, '')}`).join('\n')}\n`);
});

test('the copied data: every listed folder is present, and nothing else', () => {
  const listed = new Set(CASES.map(([f]) => f));
  const present = [
    ...fs.readdirSync(DATA).filter((f) => f.startsWith('test_')),
    ...fs.readdirSync(path.join(DATA, 'pytorch-converted')).map((f) => `pytorch-converted/${f}`),
  ];
  expect(present.sort()).toEqual([...listed].sort());
  expect(CASES.length).toBe(listed.size);
});

describe.each(CASES)('%s', (folder, how, expectation) => {
  const name = folder;
  test(expectation === PASS ? `${how || 'as is'}: matches ONNX's expected output` : `${how || 'as is'}: refused with a clear Error`, async () => {
    const c = readCase(folder);
    const g = c.model.graph;
    let bytes = c.bytes;
    let dims = c.inputs[0].dims;
    let want = c.outputs[0];
    let wantDims = want.dims;
    if (how.includes('bind')) {
      const names = g.input.map((v) => `'${v.name}'`).join(', ');
      await expectRefused(bytes, `the graph has ${g.input.length} inputs (${names}); wasm-cnn models have exactly one`);
      bytes = bindInputs(c);
    }
    if (how.includes('4d')) {
      await expectRefused(bytes, `the graph input '${g.input[0].name}' is (${dims.join(', ')}): wasm-cnn takes images (N, C, H, W) or vectors (N, K)`);
      dims = to4d(dims);
      wantDims = to4d(wantDims);
      bytes = declare4d(bytes);
    }
    if (expectation !== PASS) {
      refused.push({ name, message: await expectRefused(bytes, expectation) });
      return;
    }

    const model = await loadModel(bytes);
    try {
      const N = dims[0];
      const four = dims.length === 4;
      expect(dims.length === 4 || dims.length === 2).toBe(true);
      expect(model.inputShape).toEqual(four ? [dims[2], dims[3], dims[1]] : [1, 1, dims[1]]);
      const x = c.inputs[0].data;
      const out = model.predictBatch(four ? nchwToNhwc(x, dims) : x, N);
      const os = model.outputShape;
      const ours = os.length === 3 ? [N, os[2], os[0], os[1]] : [N, os[0]];
      // (N, C, 1, 1) and (N, C) are one layout: a vector output (after a global pool) is ONNX's
      // (N, C, 1, 1), and an (N, K) model's activations are wasm-cnn [1, 1, K] maps
      const flat = (d) => (d.length === 4 && d[2] === 1 && d[3] === 1 ? d.slice(0, 2) : d).join();
      if (flat(ours) !== flat(wantDims)) throw new Error(`${name}: wasm-cnn computes (${ours.join(', ')}), ONNX expects (${wantDims.join(', ')})`);
      const got = os.length === 3 ? nhwcToNchw(out, N, os) : out;
      expect(got.length).toBe(want.data.length);
      let maxAbs = 0;
      let maxRel = 0;
      let used = 0;
      const bad = [];
      const loose = [];
      for (let i = 0; i < got.length; i++) {
        const e = want.data[i];
        const d = Math.abs(got[i] - e);
        if (!(d <= ATOL + RTOL * Math.abs(e))) bad.push(i);
        if (!(d <= TIGHT_ATOL + TIGHT_RTOL * Math.abs(e))) loose.push(i);
        maxAbs = Math.max(maxAbs, d);
        if (e !== 0) maxRel = Math.max(maxRel, d / Math.abs(e));
        used = Math.max(used, d / (ATOL + RTOL * Math.abs(e)));
      }
      const show = (idx) => idx.slice(0, 5).map((i) => `[${i}] expected ${want.data[i]}, got ${got[i]}`).join('; ');
      if (bad.length) throw new Error(`${name}: ${bad.length} of ${got.length} values outside ONNX's tolerance (rtol ${RTOL}, atol ${ATOL}): ${show(bad)}`);
      if (loose.length && !ROUNDED_REFERENCE.has(name)) throw new Error(`${name}: ${loose.length} values outside the tight tolerance (rtol ${TIGHT_RTOL}, atol ${TIGHT_ATOL}): ${show(loose)}`);
      passed.push({ name, how: how === 'bind' ? 'bound' : how === '4d' ? '4-D' : how === 'bind+4d' ? 'bound+4-D' : 'as is', values: got.length, maxAbs, maxRel, used });
    } finally {
      model.dispose();
    }
  });
});
