// load-formats.test.js — loadModel reads every format from its bytes, never its name: a
// wasm-cnn file, a TF.js layers model (a path or file: URL to model.json with its shards read
// beside it, or { modelJson, weights }), and says clearly what it cannot read. The command
// line (bin/wasm-cnn.js) converts and summarises them. The importers' own correctness is in
// import-tfjs.test.js and import-onnx.test.js; this is the routing and the files.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createModel, loadModel } from '../../js/index.js';
import { SHARD, randomizeWeights, saveTfjs, tfl, tfjsPredict, maxRelAbsError } from './support/tfjs-import/helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'wasm-cnn-load-'));

async function kerasModel() {
  const m = tfl.sequential();
  m.add(tfl.layers.conv2d({ inputShape: [8, 8, 2], filters: 4, kernelSize: 3, activation: 'relu', name: 'c1' }));
  m.add(tfl.layers.maxPooling2d({ poolSize: 2 }));
  m.add(tfl.layers.flatten());
  m.add(tfl.layers.dense({ units: 3, activation: 'softmax', name: 'out' }));
  randomizeWeights(m, 7);
  const saved = await saveTfjs(m);
  const { x, y } = tfjsPredict(m, 4, 11);
  m.dispose();
  return { ...saved, x, y };
}

describe('TF.js layers models through loadModel', () => {
  let k;
  beforeAll(async () => {
    k = await kerasModel();
    writeFileSync(join(dir, 'model.json'), JSON.stringify(k.modelJson));
    writeFileSync(join(dir, SHARD), k.bytes);
  });

  test('a path to model.json: the shards are read beside it; predictions equal tfjs', async () => {
    const net = await loadModel(join(dir, 'model.json'));
    expect(net.inputShape).toEqual([8, 8, 2]);
    expect(net.layers.map((l) => l.name)).toContain('c1');
    expect(maxRelAbsError(net.predictBatch(k.x, 4), k.y)).toBeLessThan(1e-5);
    net.dispose();
  });

  test('a file: URL, and { modelJson, weights } held in memory, give the same model', async () => {
    const a = await loadModel(pathToFileURL(join(dir, 'model.json')));
    const b = await loadModel({ modelJson: k.modelJson, weights: k.bytes });
    expect(Array.from(b.predictBatch(k.x, 4))).toEqual(Array.from(a.predictBatch(k.x, 4)));
    a.dispose(); b.dispose();
  });

  test('model.json bytes alone, a missing shard, JSON that is not a model: clear errors', async () => {
    const json = new TextEncoder().encode(JSON.stringify(k.modelJson));
    await expect(loadModel(json)).rejects.toThrow(/TF\.js model\.json needs its weight shards: pass the path or URL of model\.json/);
    const lonely = mkdtempSync(join(tmpdir(), 'wasm-cnn-lonely-'));
    writeFileSync(join(lonely, 'model.json'), JSON.stringify(k.modelJson));
    await expect(loadModel(join(lonely, 'model.json'))).rejects.toThrow(/cannot read 'group1-shard1of1\.bin' beside it/);
    await expect(loadModel(new TextEncoder().encode('{"hello": 1}'))).rejects.toThrow(/JSON file that is not a TF\.js layers model/);
    await expect(loadModel(new TextEncoder().encode('{"hello": '))).rejects.toThrow(/look like JSON but do not parse/);
    await expect(loadModel(new Uint8Array(8), { inputShape: [1, 2] })).rejects.toThrow(/inputShape must be \[height, width, channels\]/);
    await expect(loadModel(new Uint8Array(8), { shape: [1, 2, 3] })).rejects.toThrow(/unknown option 'shape'/);
  });

  test('an imported model is an ordinary model: activations(), save(), and fit fine-tunes it', async () => {
    const net = await loadModel(join(dir, 'model.json'));
    net.predict(k.x.subarray(0, 128));
    expect(net.activations().map((a) => a.name)).toEqual(net.layers.map((l) => l.name));
    const labels = new Uint8Array([0, 1, 2, 1]);
    const before = net.evaluate(k.x, labels).loss;
    const history = await net.fit(k.x, labels, { epochs: 20, batchSize: 4, learningRate: 0.01, shuffle: false });
    expect(history.loss.length).toBe(20);
    expect(net.evaluate(k.x, labels).loss).toBeLessThan(before); // it learns these 4 images
    const again = await loadModel(net.save());
    expect(Array.from(again.predictBatch(k.x, 4))).toEqual(Array.from(net.predictBatch(k.x, 4)));
    net.dispose(); again.dispose();
  });

  test('the command line converts model.json to .wcnn (the same predictions) and summarises it', async () => {
    const out = join(dir, 'converted.wcnn');
    const log = execFileSync('node', ['bin/wasm-cnn.js', 'convert', join(dir, 'model.json'), out], { encoding: 'utf8' });
    expect(log).toMatch(/model\.json → .*converted\.wcnn: 4 layers, .* parameters, input \[8, 8, 2\]/);
    const net = await loadModel(readFileSync(out));
    expect(maxRelAbsError(net.predictBatch(k.x, 4), k.y)).toBeLessThan(1e-5);
    net.dispose();
    const summary = execFileSync('node', ['bin/wasm-cnn.js', 'summary', join(dir, 'model.json')], { encoding: 'utf8' });
    expect(summary).toMatch(/c1 \(conv2d, relu\)\s+\[6, 6, 4\]\s+76/);
  });
});

describe('the command line says what is wrong', () => {
  const run = (...args) => spawnSync('node', ['bin/wasm-cnn.js', ...args], { encoding: 'utf8' });
  test('usage errors exit 2; a file it cannot read exits 1 with the reason', async () => {
    expect(run().status).toBe(2);
    const unknown = run('frobnicate', 'x');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command 'frobnicate'/);
    expect(run('convert', 'models/digits.wcnn').stderr).toMatch(/convert needs an output file/);
    expect(run('summary', 'models/digits.wcnn', '--input-shape', '1,2').stderr).toMatch(/--input-shape takes h,w,c/);
    const missing = run('summary', join(dir, 'nope.onnx'));
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/cannot read the file/);
    const html = join(dir, 'page.onnx');
    writeFileSync(html, '<!doctype html><title>404</title>');
    expect(run('summary', html).stderr).toMatch(/HTML page, not a model/);
    // a .wcnn round trip through convert keeps it bit for bit
    const out = join(dir, 'digits.wcnn');
    expect(run('convert', 'models/digits.wcnn', out).status).toBe(0);
    const a = await loadModel('models/digits.wcnn');
    const b = await loadModel(out);
    const x = new Float32Array(784).map((_, i) => (i % 17) / 16);
    expect(Array.from(b.predict(x))).toEqual(Array.from(a.predict(x)));
    a.dispose(); b.dispose();
  });
});

test('createModel refuses a layer name with a line break (names are stored one per line)', async () => {
  await expect(createModel({ input: [2, 2, 1], layers: [{ type: 'relu', name: 'a\nb' }, { type: 'flatten' }] }))
    .rejects.toThrow(/layer 0: the name "a\\nb" has a line break/);
});
