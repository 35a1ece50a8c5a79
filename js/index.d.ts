// index.d.ts — hand-written types for wasm-cnn; mirrors js/index.js and js/model.js one to one.

/** A number, or [height, width]. */
export type Size2 = number | [number, number];
export type Activation = 'linear' | 'relu' | 'sigmoid' | 'tanh' | 'softmax';
/** 'valid', 'same' (TensorFlow's rule: odd pixel bottom/right), or zero pixels on every side. */
export type Padding = 'valid' | 'same' | number | [number, number];

interface LayerBase {
  /** Shown in summaries and activations; defaults to conv2d_1, conv2d_2, maxpool2d_1 … */
  name?: string;
}
export interface Conv2DLayer extends LayerBase {
  type: 'conv2d';
  /** d: the number of filters (output channels). */
  filters: number;
  kernel: Size2;
  /** Default 1. */
  stride?: Size2;
  /** Default 'valid'. */
  padding?: Padding;
  activation?: Activation;
}
export interface Pool2DLayer extends LayerBase {
  type: 'maxpool2d' | 'avgpool2d';
  size: Size2;
  /** Default: the window size. */
  stride?: Size2;
  /** Default 'valid'. Average pooling divides by the cells inside the input. */
  padding?: 'valid' | 'same';
  activation?: Activation;
}
export interface GlobalPoolLayer extends LayerBase {
  type: 'globalavgpool2d' | 'globalmaxpool2d';
  activation?: Activation;
}
export interface DenseLayer extends LayerBase {
  type: 'dense';
  units: number;
  activation?: Activation;
}
export interface FlattenLayer extends LayerBase {
  type: 'flatten';
  activation?: Activation;
}
export interface ActivationLayer extends LayerBase {
  type: 'activation';
  activation: Activation;
}
/** { type: 'relu' } is shorthand for { type: 'activation', activation: 'relu' }. */
export interface ShorthandActivationLayer extends LayerBase {
  type: Activation;
}
export type LayerDefinition =
  | Conv2DLayer | Pool2DLayer | GlobalPoolLayer | DenseLayer | FlattenLayer | ActivationLayer
  | ShorthandActivationLayer;

export type LayerType =
  | 'conv2d' | 'maxpool2d' | 'avgpool2d' | 'globalavgpool2d' | 'globalmaxpool2d' | 'dense'
  | 'flatten' | 'activation';

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

export interface LayerInfo {
  index: number;
  name: string;
  type: LayerType;
  activation: Activation;
  inputShape: Shape;
  outputShape: Shape;
  /** Weights + biases: conv [(kh·kw·p)+1]·d, dense (in+1)·units, else 0. */
  params: number;
  kernelSize: number;
  biasSize: number;
  /** conv2d */
  filters?: number;
  kernel?: [number, number];
  /** maxpool2d / avgpool2d */
  size?: [number, number];
  stride?: [number, number];
  padding?: 'valid' | 'same' | [number, number];
  /** Resolved zero padding [top, bottom, left, right]. */
  pads?: [number, number, number, number];
  /** dense */
  units?: number;
}

export interface LayerActivation {
  index: number;
  name: string;
  type: LayerType;
  shape: Shape;
  /** A copy you own, HWC order. */
  data: Float32Array;
}

export interface Weights {
  /** conv2d: HWIO [kh][kw][in][out]; dense: [in][units] (Keras layouts). */
  kernel: Float32Array;
  bias: Float32Array;
  kernelShape: number[];
  biasShape: number[];
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
  setWeights(i: number, weights: { kernel?: ArrayLike<number>; bias?: ArrayLike<number> }): void;
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
    layers: Array<{ kernel: Float32Array; bias: Float32Array } | null>;
    input: Float32Array;
  };
  /** Frees the model's WebAssembly memory; later calls throw. */
  dispose(): void;
}

export declare function createModel(definition: ModelDefinition): Promise<Model>;
/** Uint8Array | ArrayBuffer | Response | URL | string (fetched in browsers; a path or file: URL in Node). */
export declare function loadModel(source: Uint8Array | ArrayBuffer | ArrayBufferView | Response | URL | string): Promise<Model>;
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

/** The digit model wasm-cnn ships (LeNet-5 on MNIST; see models/digits-report.md). */
export declare function loadDigitModel(): Promise<Model>;
export declare function engineInfo(): Promise<{
  version: string;
  simd: boolean;
  kernels: 'wasmsimd' | 'scalar';
  /** Size of the engine's WebAssembly memory, shared by all models. */
  memoryBytes: number;
  simdSupport: string;
}>;
