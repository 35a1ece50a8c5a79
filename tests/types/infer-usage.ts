// infer-usage.ts — compiled by tests/js/types.test.js with `strict`: 'wasm-cnn/infer''s types
// (js/infer.d.ts) accept the inference API and reject training (each @ts-expect-error must
// be needed: an unused directive is itself an error).
import { createModel, createPool, engineInfo, loadDigitModel, loadModel, preprocessDigit, Model, type LayerActivation, type Pool } from 'wasm-cnn/infer';
import * as full from 'wasm-cnn';

export async function use(bytes: Uint8Array): Promise<number> {
  const net: Model = await loadModel(bytes);
  const made = await createModel({ input: [8, 8, 1], layers: [{ type: 'flatten' }, { type: 'dense', units: 2 }], seed: 1 });
  const out: Float32Array = net.predict(new Float32Array(784));
  net.predictBatch(new Float32Array(784 * 2), 2, { batchSize: 1 });
  const acts: LayerActivation[] = net.activations();
  const file: Uint8Array = made.save();
  const text: string = net.summary() + (net instanceof Model ? 'a Model' : '');
  const digits = await loadDigitModel();
  digits.predict(preprocessDigit({ data: new Uint8ClampedArray(4 * 28 * 28), width: 28, height: 28 }));
  const pool: Pool = await createPool(net, { workers: 2 });
  await pool.predictBatch(new Float32Array(784), 1);
  const info = await engineInfo();
  const training: boolean = info.training;
  // a full entry's model is a source for this entry's pool too (its file is what the workers load)
  await createPool(await full.loadModel(bytes));

  // @ts-expect-error no training in wasm-cnn/infer
  await net.fit(new Float32Array(784), new Uint8Array(1));
  // @ts-expect-error no training in wasm-cnn/infer
  net.trainBatch(new Float32Array(784), new Uint8Array(1));
  // @ts-expect-error no training in wasm-cnn/infer
  net.setOptimizer({ optimizer: 'sgd' });
  // @ts-expect-error no training in wasm-cnn/infer
  net.evaluate(new Float32Array(784), new Uint8Array(1));
  // @ts-expect-error no training in wasm-cnn/infer
  net.gradients(new Float32Array(784), new Uint8Array(1));
  // @ts-expect-error no training in wasm-cnn/infer
  net.optimizer;
  // @ts-expect-error no optimiser to save in wasm-cnn/infer
  net.save({ withOptimizer: true });
  // @ts-expect-error models come from createModel and loadModel
  new Model();

  return out.length + acts.length + file.length + text.length + Number(training);
}
