// bench/tfjs-model.js — a zoo model (bench/zoo.js modelSpec) as a TensorFlow.js layers model:
// the functional API (tfl.model), one tfjs-layers layer per wasm-cnn layer, with the same
// weights. For the benchmark's peers, so it builds only the model's output (no per-layer
// outputs) and supports the layer types the zoo uses; tests/js/support/graph-models.js is
// the tests' translator from layer *definitions*, this one reads the engine's resolved layers.
//
//   conv2d            tfl.layers.conv2d (kernelSize, strides, dilationRate, 'same'/'valid',
//                     useBias, the activation fused as Keras does)
//   depthwiseconv2d   tfl.layers.depthwiseConv2d (… depthMultiplier)
//   dense             tfl.layers.dense
//   batchnorm         tfl.layers.batchNormalization (axis −1, epsilon) + an activation layer
//   maxpool2d         tfl.layers.maxPooling2d;  avgpool2d: averagePooling2d ('valid')
//   globalavgpool2d   tfl.layers.globalAveragePooling2d; globalmaxpool2d likewise
//   flatten           tfl.layers.flatten (HWC order, as wasm-cnn)
//   add               tfl.layers.add + an activation layer
//   activation        tfl.layers.activation
// Anything else (groups, explicit pads, other activations) throws naming the layer.

const ACTIVATIONS = new Set(['linear', 'relu', 'relu6', 'sigmoid', 'tanh', 'softmax']);
/** tfjs-layers weight name (after the last '/') → wasm-cnn tensor name. */
const WEIGHT = { kernel: 'kernel', depthwise_kernel: 'kernel', bias: 'bias', gamma: 'gamma', beta: 'beta', moving_mean: 'movingMean', moving_variance: 'movingVariance' };

/**
 * tf: @tensorflow/tfjs-core, tfl: @tensorflow/tfjs-layers, spec: modelSpec(). Returns the
 * uncompiled tfl.LayersModel (input [n, h, w, c], output the last layer's).
 */
export function tfjsModel(tf, tfl, spec) {
  const where = (l) => `tfjs-model: layer ${l.index} (${l.name}, ${l.type})`;
  const act = (l) => {
    if (!ACTIVATIONS.has(l.activation)) throw new Error(`${where(l)}: activation ${l.activation} is not translated`);
    return l.activation;
  };
  const padding = (l) => {
    if (l.padding !== 'same' && l.padding !== 'valid') throw new Error(`${where(l)}: padding ${JSON.stringify(l.padding)}: only 'same' and 'valid' are translated`);
    return l.padding;
  };
  const input = tfl.input({ shape: spec.inputShape, name: 'x' });
  const sym = new Map([['input', input]]);
  const owners = []; // [layer index, tfjs layer holding its weights]
  for (const l of spec.layers) {
    const ins = l.inputs.map((n) => sym.get(n));
    const one = ins[0];
    let layer = null;
    let y;
    let fused = false; // the activation is an option of the tfjs layer
    switch (l.type) {
      case 'conv2d':
        if (l.groups !== 1) throw new Error(`${where(l)}: groups ${l.groups} is not translated`);
        layer = tfl.layers.conv2d({ filters: l.filters, kernelSize: l.kernel, strides: l.stride, dilationRate: l.dilation, padding: padding(l), useBias: l.useBias, activation: act(l) });
        fused = true;
        break;
      case 'depthwiseconv2d':
        layer = tfl.layers.depthwiseConv2d({ kernelSize: l.kernel, strides: l.stride, dilationRate: l.dilation, padding: padding(l), depthMultiplier: l.depthMultiplier, useBias: l.useBias, activation: act(l) });
        fused = true;
        break;
      case 'dense':
        layer = tfl.layers.dense({ units: l.units, useBias: l.useBias, activation: act(l) });
        fused = true;
        break;
      case 'batchnorm':
        if (!l.center || !l.scale) throw new Error(`${where(l)}: center/scale false is not translated`);
        layer = tfl.layers.batchNormalization({ axis: -1, epsilon: l.epsilon, momentum: l.momentum });
        break;
      case 'maxpool2d':
        y = tfl.layers.maxPooling2d({ poolSize: l.size, strides: l.stride, padding: padding(l) }).apply(one);
        break;
      case 'avgpool2d':
        if (l.padding !== 'valid') throw new Error(`${where(l)}: only 'valid' average pooling is translated`);
        y = tfl.layers.averagePooling2d({ poolSize: l.size, strides: l.stride, padding: 'valid' }).apply(one);
        break;
      case 'globalavgpool2d': y = tfl.layers.globalAveragePooling2d({}).apply(one); break;
      case 'globalmaxpool2d': y = tfl.layers.globalMaxPooling2d({}).apply(one); break;
      case 'flatten': y = tfl.layers.flatten({}).apply(one); break;
      case 'add': y = tfl.layers.add({}).apply(ins); break;
      case 'activation': y = one; break;
      default: throw new Error(`${where(l)}: this layer type is not translated`);
    }
    if (layer) {
      y = layer.apply(one);
      owners.push([l.index, layer]);
    }
    if (!fused && act(l) !== 'linear') y = tfl.layers.activation({ activation: act(l) }).apply(y);
    sym.set(l.name, y);
  }
  const model = tfl.model({ inputs: input, outputs: sym.get(spec.layers.at(-1).name) });
  for (const [i, layer] of owners) {
    const w = spec.weights[i];
    const tensors = layer.weights.map((lv) => {
      const name = WEIGHT[lv.originalName.split('/').pop().replace(/_\d+$/, '')];
      const values = w?.[name];
      const size = lv.shape.reduce((a, b) => a * b, 1);
      if (!values || values.length !== size) throw new Error(`${where(spec.layers[i])}: tfjs weight ${lv.originalName} [${lv.shape}] has no engine tensor of ${size} values`);
      return tf.tensor(values, lv.shape);
    });
    layer.setWeights(tensors); // copies into the layer's variables
    tf.dispose(tensors);
  }
  if (model.countParams() !== spec.paramCount) throw new Error(`tfjs-model: ${model.countParams()} parameters, the engine has ${spec.paramCount}`);
  return model;
}
