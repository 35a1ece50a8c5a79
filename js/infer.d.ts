// infer.d.ts — the types of 'wasm-cnn/infer' (infer.js): those of 'wasm-cnn' (index.d.ts),
// with a Model without training: no setOptimizer, optimizer, trainBatch, fit, evaluate or
// gradients (at run time they throw an Error saying to import 'wasm-cnn'), and save() without
// withOptimizer.
import type * as full from './index.js';

export type {
  Size2, Activation, ActivationName, Padding, Conv2DLayer, DepthwiseConv2DLayer, Pool2DLayer,
  GlobalPoolLayer, DenseLayer, FlattenLayer, ZeroPad2DLayer, BatchNormLayer, DropoutLayer,
  MergeLayer, ActivationLayer, ShorthandActivationLayer, LayerDefinition, LayerType, Shape,
  Metadata, ModelDefinition, TensorInfo, LayerInfo, LayerActivation, Weights, ImageLike,
  ModelInput, PredictBatchOptions, Pool, PreprocessedDigit,
} from './index.js';
export { preprocessDigit, engineInfo } from './index.js';

type TrainingMember = 'setOptimizer' | 'optimizer' | 'trainBatch' | 'fit' | 'evaluate' | 'gradients' | 'save';

/** A model of the inference-only entry: wasm-cnn's Model without training. */
export interface Model extends Omit<full.Model, TrainingMember> {
  /** The model file (docs/model-format.md). */
  save(): Uint8Array;
}
/** The class, for instanceof; models come from createModel, loadModel and loadDigitModel. */
export declare const Model: abstract new (...args: never[]) => Model;

/** What createPool loads: a Model (its save() bytes), or anything loadModel takes. */
export type PoolSource = Exclude<full.PoolSource, full.Model> | Model;

export declare function createModel(definition: full.ModelDefinition): Promise<Model>;
export declare function loadModel(...args: Parameters<typeof full.loadModel>): Promise<Model>;
export declare function loadDigitModel(): Promise<Model>;
export declare function createPool(source: PoolSource, options?: Parameters<typeof full.createPool>[1]): Promise<full.Pool>;
