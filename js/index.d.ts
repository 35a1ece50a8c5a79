// index.d.ts — hand-written types for wasm-cnn; mirrors js/index.js and js/model.js one to one.

/** A number, or [height, width]. */
export type Size2 = number | [number, number];
export type Activation =
  | 'linear' | 'relu' | 'sigmoid' | 'tanh' | 'softmax' | 'leakyrelu' | 'relu6' | 'elu' | 'selu'
  | 'gelu' | 'swish' | 'hardsigmoid' | 'hardswish' | 'softplus';
/** What `activation` accepts: an activation, or 'silu' (= 'swish'). */
export type ActivationName = Activation | 'silu';
/**
 * 'valid', 'same' (TensorFlow's rule: out = ceil(in / stride), the odd pixel bottom/right), or
 * zero pixels: p on every side, [h, w] (top and bottom h, left and right w), or
 * [top, bottom, left, right].
 */
export type Padding = 'valid' | 'same' | number | [number, number] | [number, number, number, number];

interface LayerBase {
  /** Shown in summaries and activations, and how `inputs` refer to it; defaults to conv2d_1,
   * conv2d_2, maxpool2d_1 … Names are unique; 'input' is the model's input. */
  name?: string;
  /** Graph models: the names of the earlier layers it reads ('input': the model's input).
   * Default: the layer before it. */
  inputs?: string[];
  /** Applied to the output (default 'linear'). */
  activation?: ActivationName;
  /** leakyrelu (default 0.3), elu (1) and hardsigmoid (1/6): the activation's alpha. */
  alpha?: number;
  /** hardsigmoid: max(0, min(1, alpha·x + beta)), beta default 0.5. */
  beta?: number;
}
export interface Conv2DLayer extends LayerBase {
  type: 'conv2d';
  /** d: the number of filters (output channels). */
  filters: number;
  kernel: Size2;
  /** Default 1. */
  stride?: Size2;
  /** Default 1: taps (dilation − 1) pixels apart. */
  dilation?: Size2;
  /** Default 'valid'. */
  padding?: Padding;
  /** Default 1; divides the input channels and filters. Kernel HWIO [kh][kw][in/groups][filters]. */
  groups?: number;
  /** Default true; without it the layer has kh·kw·p·d parameters. */
  useBias?: boolean;
}
export interface DepthwiseConv2DLayer extends LayerBase {
  type: 'depthwiseconv2d';
  kernel: Size2;
  stride?: Size2;
  dilation?: Size2;
  padding?: Padding;
  /** Outputs per input channel (default 1): output channel c·depthMultiplier + m. Kernel [kh][kw][in][depthMultiplier]. */
  depthMultiplier?: number;
  useBias?: boolean;
}
export interface Pool2DLayer extends LayerBase {
  type: 'maxpool2d' | 'avgpool2d';
  size: Size2;
  /** Default: the window size. */
  stride?: Size2;
  /** Default 'valid'. Padded cells never win a max. */
  padding?: Padding;
  /** Default false: round the output size down; true: up (PyTorch ceil_mode). */
  ceilMode?: boolean;
  /** maxpool2d only (default 1). */
  dilation?: Size2;
  /** avgpool2d only. Default false: divide by the cells inside the input; true: by the whole window within the padded input. */
  countIncludePad?: boolean;
}
export interface GlobalPoolLayer extends LayerBase {
  type: 'globalavgpool2d' | 'globalmaxpool2d';
}
export interface DenseLayer extends LayerBase {
  type: 'dense';
  units: number;
  /** Default true. */
  useBias?: boolean;
}
export interface FlattenLayer extends LayerBase {
  type: 'flatten';
}
export interface ZeroPad2DLayer extends LayerBase {
  type: 'zeropad2d';
  padding: number | [number, number] | [number, number, number, number];
}
/** Batch normalisation over the last axis (channels, or a vector's units). */
export interface BatchNormLayer extends LayerBase {
  type: 'batchnorm';
  /** Default 0.001. */
  epsilon?: number;
  /** Moving-average momentum, default 0.99. */
  momentum?: number;
  /** Default true: has beta. */
  center?: boolean;
  /** Default true: has gamma. */
  scale?: boolean;
}
/** Inverted dropout in training (fit, trainBatch); the identity everywhere else. */
export interface DropoutLayer extends LayerBase {
  type: 'dropout';
  /** In [0, 1), default 0.5. */
  rate?: number;
}
/** Graph merges (they need `inputs`): add (2+ inputs of one shape), concat (along the channel
 * axis; inputs differ only in channels), multiply (one shape, or a (C) vector times an (h, w, C) map). */
export interface MergeLayer extends LayerBase {
  type: 'add' | 'concat' | 'multiply';
  inputs: string[];
}
export interface ActivationLayer extends LayerBase {
  type: 'activation';
  activation: ActivationName;
}
/** { type: 'relu' } is shorthand for { type: 'activation', activation: 'relu' }. */
export interface ShorthandActivationLayer extends Omit<LayerBase, 'activation'> {
  type: ActivationName;
}
export type LayerDefinition =
  | Conv2DLayer | DepthwiseConv2DLayer | Pool2DLayer | GlobalPoolLayer | DenseLayer | FlattenLayer
  | ZeroPad2DLayer | BatchNormLayer | DropoutLayer | MergeLayer | ActivationLayer | ShorthandActivationLayer;

export type LayerType =
  | 'conv2d' | 'depthwiseconv2d' | 'maxpool2d' | 'avgpool2d' | 'globalavgpool2d' | 'globalmaxpool2d'
  | 'dense' | 'flatten' | 'activation' | 'zeropad2d' | 'batchnorm' | 'dropout' | 'add' | 'concat' | 'multiply';

/** [height, width, channels] for maps, [n] for vectors. */
export type Shape = [number, number, number] | [number];

export interface Metadata {
  name?: string;
  labels?: string[];
  /** What the model expects as input, in words. */
  description?: string;
  [key: string]: string | string[] | undefined;
}

export interface ModelDefinition {
  /** [height, width, channels] */
  input: [number, number, number];
  layers: LayerDefinition[];
  /** Deterministic initialisation (He-uniform before relu, Glorot-uniform otherwise). Random if left out. */
  seed?: number;
  metadata?: Metadata;
}

/** A layer's parameter tensor: conv2d/dense kernel and bias; batchnorm gamma, beta, movingMean, movingVariance. */
export interface TensorInfo {
  name: string;
  shape: number[];
  size: number;
  /** false for state the optimiser does not update (batchnorm's moving statistics). */
  trainable: boolean;
}

export interface LayerInfo {
  index: number;
  name: string;
  type: LayerType;
  activation: Activation;
  alpha?: number;
  beta?: number;
  /** The shape of its first input. */
  inputShape: Shape;
  outputShape: Shape;
  /** The names of the layers it reads ('input': the model's input). */
  inputs: string[];
  /** Values in all its tensors: conv [(kh·kw·p)+1]·d, dense (in+1)·units, batchnorm 4·c, … */
  params: number;
  /** Values in its trainable tensors. */
  trainableParams: number;
  tensors: TensorInfo[];
  /** `<tensor name>Size` for each tensor, e.g. kernelSize, biasSize. */
  [size: `${string}Size`]: number;
  /** conv2d */
  filters?: number;
  groups?: number;
  useBias?: boolean;
  kernel?: [number, number];
  dilation?: [number, number];
  /** depthwiseconv2d */
  depthMultiplier?: number;
  /** maxpool2d / avgpool2d */
  size?: [number, number];
  stride?: [number, number];
  ceilMode?: boolean;
  countIncludePad?: boolean;
  padding?: Padding;
  /** Resolved zero padding [top, bottom, left, right]. */
  pads?: [number, number, number, number];
  /** dense */
  units?: number;
  /** batchnorm */
  epsilon?: number;
  momentum?: number;
  center?: boolean;
  scale?: boolean;
  /** dropout */
  rate?: number;
}

export interface LayerActivation {
  index: number;
  name: string;
  type: LayerType;
  shape: Shape;
  /** A copy you own, HWC order. */
  data: Float32Array;
}

/**
 * A layer's tensors by name, each with `<name>Shape`: conv2d { kernel (HWIO
 * [kh][kw][in/groups][filters]), bias }, depthwiseconv2d { kernel ([kh][kw][in][depthMultiplier]),
 * bias }, dense { kernel ([in][units]), bias }, batchnorm { gamma, beta, movingMean,
 * movingVariance } (Keras layouts and names). A bias is absent with useBias false.
 */
export interface Weights {
  kernel?: Float32Array;
  bias?: Float32Array;
  gamma?: Float32Array;
  beta?: Float32Array;
  movingMean?: Float32Array;
  movingVariance?: Float32Array;
  [shape: `${string}Shape`]: number[];
}

/** An RGBA image: ImageData, or anything with the same three fields. */
export interface ImageLike {
  data: Uint8ClampedArray | Uint8Array;
  width: number;
  height: number;
}

export type ModelInput = Float32Array | ArrayLike<number> | ImageLike;

export interface PredictBatchOptions {
  /** Images per engine call (default 64); bounds memory for large n. */
  batchSize?: number;
  /** Write the outputs here instead of a new array. */
  out?: Float32Array;
}

export type Loss = 'crossentropy' | 'mse';
export type Schedule =
  | { type: 'constant' }
  /** lr · gamma^floor(step / stepSize); in fit, `everyEpochs` may replace stepSize. */
  | { type: 'step'; stepSize?: number; everyEpochs?: number; gamma?: number }
  /** From lr to minLearningRate over decaySteps (fit: the whole run by default). */
  | { type: 'cosine'; decaySteps?: number; minLearningRate?: number };

export interface OptimizerOptions {
  /** Default 'adam'. */
  optimizer?: 'adam' | 'sgd';
  /** Default: 'crossentropy' for a softmax output, else 'mse'. */
  loss?: Loss;
  /** Default 1e-3 (adam), 0.01 (sgd). */
  learningRate?: number;
  /** SGD: v = μ·v + g; w −= lr·v. Default 0. */
  momentum?: number;
  nesterov?: boolean;
  /** Adam: defaults 0.9, 0.999, 1e-7. */
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  /** L2 on kernels (not biases): g += weightDecay · w. Default 0. */
  weightDecay?: number;
  schedule?: Schedule;
  /** Training randomness (dropout masks, with the step count). Default 0; fit passes its seed. */
  seed?: number;
}

export interface OptimizerState {
  optimizer: 'adam' | 'sgd';
  loss: Loss;
  learningRate: number;
  momentum?: number;
  nesterov?: boolean;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  weightDecay: number;
  schedule: Schedule;
  seed: number;
  /** Optimiser steps taken. */
  steps: number;
  /** The rate the next step uses, after the schedule. */
  currentLearningRate: number;
}

/** Class indices for cross-entropy; n × outputs targets (Float32Array) for mse. */
export type Labels = Uint8Array | Int32Array | ArrayLike<number> | Float32Array;

export interface BatchLogs {
  epoch: number;
  batch: number;
  batches: number;
  loss: number;
  accuracy: number;
  imagesPerSecond: number;
}
export interface EpochLogs {
  epoch: number;
  loss: number;
  accuracy: number;
  imagesPerSecond: number;
  seconds: number;
  valLoss?: number;
  valAccuracy?: number;
}

export interface FitOptions extends OptimizerOptions {
  /** Default 1. */
  epochs?: number;
  /** Default 32. */
  batchSize?: number;
  /** Default true (deterministic, from `seed`). */
  shuffle?: boolean;
  seed?: number;
  validation?: { inputs: Float32Array | ModelInput[]; labels: Labels };
  onBatchEnd?: (logs: BatchLogs) => void | Promise<void>;
  onEpochEnd?: (logs: EpochLogs) => void | Promise<void>;
  /** Stops cleanly between batches. */
  signal?: AbortSignal;
}

export interface History {
  loss: number[];
  accuracy: number[];
  valLoss: number[];
  valAccuracy: number[];
  /** true if the signal stopped it. */
  stopped: boolean;
}

export declare class Model {
  private constructor();
  readonly layers: ReadonlyArray<Readonly<LayerInfo>>;
  readonly inputShape: Readonly<[number, number, number]>;
  readonly outputShape: Readonly<Shape>;
  readonly inputSize: number;
  readonly outputSize: number;
  readonly paramCount: number;
  /** Parameters the optimiser updates (paramCount less batchnorm's moving statistics). */
  readonly trainableParamCount: number;
  /** Whether some layer reads something other than the layer before it. */
  readonly isGraph: boolean;
  /** The seed createModel used (absent on loaded models). */
  seed?: number;
  readonly disposed: boolean;
  /** A copy of the metadata saved with the model. */
  readonly metadata: Metadata;

  /** Text table: layer, output shape, parameters, and formulas. */
  summary(): string;
  /** The definition that re-creates this architecture with createModel. */
  config(): { input: [number, number, number]; layers: LayerDefinition[] };
  /** One image in, the outputs out (a new array, or `out` filled). */
  predict(input: ModelInput, out?: Float32Array): Float32Array;
  /** n images (one flat Float32Array of n·h·w·c, or an array of images) → n·outputs values. */
  predictBatch(inputs: Float32Array | ModelInput[], n?: number, options?: PredictBatchOptions): Float32Array;
  predictBatch(inputs: Float32Array | ModelInput[], options?: PredictBatchOptions): Float32Array;
  /** Each layer's median time over `repeats` runs (default 50) on n images. */
  profile(inputs: ModelInput | Float32Array, n?: number, options?: { repeats?: number }): {
    totalMs: number;
    layers: Array<{ index: number; name: string; type: LayerType; ms: number; share: number }>;
  };
  /** Every layer's output for an image of the last predict/predictBatch (default: the last image). */
  activations(image?: number): LayerActivation[];
  /** Copies of layer i's parameters, or null for layers without any. */
  getWeights(i: number): Weights | null;
  /** Sets any of layer i's tensors by name (lengths checked). */
  setWeights(i: number, weights: { [tensor: string]: ArrayLike<number> | undefined }): void;
  setMetadata(metadata: Metadata): void;
  /** The model file (docs/model-format.md); withOptimizer adds the optimiser state to resume training. */
  save(options?: { withOptimizer?: boolean }): Uint8Array;

  /** Sets (and resets) the optimiser. fit and trainBatch use Adam if none is set. */
  setOptimizer(options?: OptimizerOptions): void;
  /** The optimiser in use, or null. */
  readonly optimizer: OptimizerState | null;
  /** One optimiser step on n images; returns the batch's mean loss (computed before the update). */
  trainBatch(inputs: Float32Array | ModelInput[], labels: Labels, n?: number): number;
  /** Mini-batch training; yields to the event loop between batches. */
  fit(inputs: Float32Array | ModelInput[], labels: Labels, options?: FitOptions): Promise<History>;
  evaluate(inputs: Float32Array | ModelInput[], labels: Labels, options?: { batchSize?: number; loss?: Loss }): { loss: number; accuracy: number };
  /** Gradients of the mean loss, no update: per layer (null without parameters) and for the input. */
  gradients(inputs: Float32Array | ModelInput[], labels: Labels, n?: number, options?: { loss?: Loss }): {
    loss: number;
    /** Per layer, the gradients of its trainable tensors by name ({ kernel, bias }, { gamma, beta } …); null if it has none. */
    layers: Array<{ [tensor: string]: Float32Array } | null>;
    input: Float32Array;
  };
  /** Frees the model's WebAssembly memory; later calls throw. */
  dispose(): void;
}

export declare function createModel(definition: ModelDefinition): Promise<Model>;
/** Uint8Array | ArrayBuffer | Response | URL | string (fetched in browsers; a path or file: URL in Node). */
export declare function loadModel(source: Uint8Array | ArrayBuffer | ArrayBufferView | Response | URL | string): Promise<Model>;
/** What createPool loads: a Model (its save() bytes), or anything loadModel takes. */
export type PoolSource = Model | Uint8Array | ArrayBuffer | ArrayBufferView | Response | URL | string | { modelJson: object; weights: ArrayBuffer | Uint8Array | Record<string, ArrayBuffer | Uint8Array> };

/** One model in several workers (Web Workers in browsers, worker_threads in Node). */
export interface Pool {
  /** How many workers run the model. */
  readonly workers: number;
  readonly inputShape: Readonly<[number, number, number]>;
  readonly outputShape: Readonly<Shape>;
  readonly disposed: boolean;
  /**
   * n images (one flat typed array of n·h·w·c values, or an array of images) split into
   * contiguous parts, one per worker, run in parallel → n·outputs values in input order, equal
   * to model.predictBatch bit for bit. The inputs are copied (never detached). Rejects with an
   * Error on a wrong input, a worker's error (its message), or after dispose().
   */
  predictBatch(inputs: Float32Array | ModelInput[], n?: number): Promise<Float32Array>;
  /** Terminates the workers; pending and later calls reject. */
  dispose(): void;
}

/**
 * Loads the same model in `workers` workers (default: navigator.hardwareConcurrency in
 * browsers, os.availableParallelism() in Node). No file to host, no SharedArrayBuffer, no
 * COOP/COEP. `inputShape` as for loadModel.
 */
export declare function createPool(source: PoolSource, options?: { workers?: number; inputShape?: [number, number, number] }): Promise<Pool>;
/** What preprocessDigit returns: the 28·28 input, plus what it found. */
export interface PreprocessedDigit extends Float32Array {
  /** No ink: the array is all zeros. */
  empty: boolean;
  /** The drawing was dark on light (and was inverted). */
  inverted: boolean;
  /** Where the ink is in the source image, or null when empty. */
  bounds: { x: number; y: number; width: number; height: number } | null;
}

/**
 * A drawing → the 28×28 input of an MNIST-trained model, the way MNIST was made: ink bounding
 * box scaled to 20 px on its longer side (area averaging, aspect kept), centred by centre of
 * mass in a 28×28 field, white on black in [0, 1]. Detects dark-on-light drawings.
 */
export declare function preprocessDigit(
  image: ImageLike | { data: Uint8Array | Uint8ClampedArray | Float32Array; width: number; height: number },
  options?: { polarity?: 'auto' | 'light-on-dark' | 'dark-on-light'; threshold?: number },
): PreprocessedDigit;

/** The digit model wasm-cnn ships: a 98 778-parameter CNN trained on MNIST by `make weights`, 99.56% on its test images (models/digits-report.md). A new model on every call. */
export declare function loadDigitModel(): Promise<Model>;
export declare function engineInfo(): Promise<{
  version: string;
  simd: boolean;
  kernels: 'wasmsimd' | 'scalar';
  /** Size of the engine's WebAssembly memory, shared by all models. */
  memoryBytes: number;
  simdSupport: string;
  /** false in the inference-only engine ('wasm-cnn/infer'). */
  training: boolean;
}>;
