// usage.ts — compiled by tests/js/types.test.js with `strict`: the hand-written index.d.ts
// must accept every documented use, and reject the misuses marked @ts-expect-error (an unused
// directive is itself an error, so a too-loose type fails the test too).
import { createModel, loadModel, loadDigitModel, engineInfo, preprocessDigit, type Model, type LayerActivation, type History } from 'wasm-cnn';

export async function tour(bytes: Uint8Array): Promise<number> {
  const net: Model = await createModel({
    input: [28, 28, 1],
    layers: [
      { type: 'conv2d', filters: 6, kernel: 5, stride: 1, padding: 'same', activation: 'relu' },
      { type: 'maxpool2d', size: 2 },
      { type: 'conv2d', filters: 16, kernel: [5, 5], padding: 2, name: 'conv_b' },
      { type: 'avgpool2d', size: [2, 2], stride: 2, padding: 'valid' },
      { type: 'relu' },
      { type: 'globalmaxpool2d' },
      { type: 'flatten' },
      { type: 'dense', units: 10, activation: 'softmax' },
      { type: 'activation', activation: 'linear' },
    ],
    seed: 1,
    metadata: { name: 'lenet', labels: ['0', '1'], description: '28×28 digits' },
  });
  const probs: Float32Array = net.predict(new Float32Array(784));
  net.predict({ data: new Uint8ClampedArray(28 * 28 * 4), width: 28, height: 28 }, probs);
  const batch: Float32Array = net.predictBatch(new Float32Array(784 * 2), 2, { batchSize: 1 });
  net.predictBatch([new Float32Array(784)], { out: batch });
  const acts: LayerActivation[] = net.activations(0);
  const w = net.getWeights(0);
  if (w) net.setWeights(0, { kernel: w.kernel, bias: [0, 0, 0, 0, 0, 0] });
  const text: string = net.summary();
  net.setOptimizer({ optimizer: 'sgd', learningRate: 0.1, momentum: 0.9, nesterov: true, schedule: { type: 'step', stepSize: 10, gamma: 0.5 } });
  const lossValue: number = net.trainBatch(new Float32Array(784), Uint8Array.of(3));
  const history: History = await net.fit(new Float32Array(784 * 2), [1, 2], {
    epochs: 2, batchSize: 1, optimizer: 'adam', weightDecay: 1e-4, schedule: { type: 'cosine' },
    signal: new AbortController().signal, onBatchEnd: ({ loss }) => void loss, validation: { inputs: new Float32Array(784), labels: [0] },
  });
  const { accuracy } = net.evaluate(new Float32Array(784), [7]);
  const grads = net.gradients(new Float32Array(784), [7], 1);
  const steps: number | undefined = net.optimizer?.steps;
  void lossValue; void history.stopped; void accuracy; void grads.input; void steps;
  const again = await loadModel(net.save({ withOptimizer: true }));
  const digits = await loadDigitModel();
  const x = preprocessDigit({ data: new Uint8ClampedArray(100 * 100 * 4), width: 100, height: 100 }, { polarity: 'auto' });
  if (!x.empty && x.bounds) digits.predict(x);
  digits.dispose();
  // @ts-expect-error: unknown polarity
  preprocessDigit({ data: new Uint8Array(4), width: 2, height: 2 }, { polarity: 'white' });
  const labels: string[] | undefined = again.metadata.labels as string[] | undefined;
  const info = await engineInfo();
  net.dispose();
  void text; void labels; void info.kernels; void acts[0].shape;
  await loadModel(new URL('file:///tmp/m.wcnn'));
  await loadModel('models/digits.wcnn');

  // @ts-expect-error: 'filters' is required for conv2d
  await createModel({ input: [28, 28, 1], layers: [{ type: 'conv2d', kernel: 3 }] });
  // @ts-expect-error: unknown layer type
  await createModel({ input: [28, 28, 1], layers: [{ type: 'conv3d', filters: 1, kernel: 3 }] });
  // @ts-expect-error: dropout takes no kernel
  await createModel({ input: [28, 28, 1], layers: [{ type: 'dropout', rate: 0.5, kernel: 3 }] });
  // @ts-expect-error: useBias is a boolean
  await createModel({ input: [28, 28, 1], layers: [{ type: 'conv2d', filters: 2, kernel: 3, useBias: 0 }] });
  // @ts-expect-error: input is [h, w, c]
  await createModel({ input: [28, 28], layers: [] });
  // @ts-expect-error: unknown activation
  await createModel({ input: [28, 28, 1], layers: [{ type: 'dense', units: 2, activation: 'mish' }] });
  // @ts-expect-error: predict needs an input
  again.predict();
  // @ts-expect-error: layers are read-only
  again.layers = [];
  // @ts-expect-error: unknown optimizer
  again.setOptimizer({ optimizer: 'rmsprop' });
  // @ts-expect-error: fit options are checked
  await again.fit(new Float32Array(784), [1], { epoch: 3 });
  return probs.length + batch.length;
}

/** A residual block: layers naming their inputs. */
export async function residual(): Promise<string[]> {
  const net = await createModel({
    input: [8, 8, 4],
    layers: [
      { type: 'conv2d', filters: 4, kernel: 3, padding: 'same', name: 'a' },
      { type: 'add', inputs: ['a', 'input'], activation: 'relu' },
      { type: 'concat', inputs: ['add_1', 'input'] },
      { type: 'globalavgpool2d', name: 'gap' },
      { type: 'multiply', inputs: ['concat_1', 'gap'] },
      { type: 'flatten' },
    ],
  });
  // @ts-expect-error: a merge needs its inputs
  await createModel({ input: [8, 8, 4], layers: [{ type: 'add' }] });
  return net.isGraph ? net.layers[1].inputs : [];
}

/** The layers real CNNs are made of (the registry's issue): every option typed. */
export async function mobile(): Promise<number> {
  const net = await createModel({
    input: [32, 32, 3],
    layers: [
      { type: 'zeropad2d', padding: [0, 1, 0, 1] },
      { type: 'conv2d', filters: 8, kernel: 3, stride: 2, useBias: false, padding: [1, 1, 1, 1] },
      { type: 'batchnorm', epsilon: 1e-5, momentum: 0.9, activation: 'relu6' },
      { type: 'depthwiseconv2d', kernel: 3, padding: 'same', depthMultiplier: 2, dilation: 2, activation: 'hardswish' },
      { type: 'conv2d', filters: 8, kernel: 1, groups: 2, activation: 'leakyrelu', alpha: 0.1 },
      { type: 'maxpool2d', size: 3, stride: 2, padding: 1, ceilMode: true, dilation: 1 },
      { type: 'avgpool2d', size: 2, countIncludePad: true },
      { type: 'gelu' },
      { type: 'silu' },
      { type: 'globalavgpool2d' },
      { type: 'dropout', rate: 0.2 },
      { type: 'dense', units: 10, activation: 'hardsigmoid', alpha: 0.2, beta: 0.5 },
    ],
  });
  const bn = net.getWeights(2);
  if (bn?.gamma && bn.movingVariance) net.setWeights(2, { gamma: bn.gamma, movingVariance: bn.movingVariance });
  const trainable: number = net.trainableParamCount + net.layers[2].trainableParams;
  const grads = net.gradients(new Float32Array(32 * 32 * 3), [1]);
  const g = grads.layers[2]?.gamma;
  return trainable + (g ? g.length : 0) + net.layers[1].tensors.length;
}
