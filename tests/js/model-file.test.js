// Model files through the JavaScript API: save → load is bit-exact (weights, outputs,
// metadata, names), every kind of source loads, and damaged bytes are rejected with a message
// that says what is wrong. Offsets follow docs/model-format.md.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createModel, loadModel } from '../../js/index.js';
import { rng } from '../fixtures.js';

const LAYERS = [
  { type: 'conv2d', filters: 4, kernel: 3, padding: 'same', activation: 'relu' },
  { type: 'maxpool2d', size: 2 },
  { type: 'conv2d', filters: 5, kernel: [2, 3], stride: [1, 2], padding: 1, activation: 'tanh' },
  { type: 'avgpool2d', size: 2, padding: 'same' },
  { type: 'flatten' },
  { type: 'dense', units: 7, activation: 'sigmoid' },
  { type: 'dense', units: 3, activation: 'softmax' },
];

async function sample() {
  const net = await createModel({
    input: [9, 10, 2], layers: LAYERS, seed: 5,
    metadata: { name: 'sample', labels: ['cat', 'dog', 'bird'], description: '9×10×2 floats in [0, 1]', author: 'tests' },
  });
  const r = rng(9);
  for (const l of net.layers) {
    if (!l.params) continue;
    const w = net.getWeights(l.index);
    net.setWeights(l.index, { kernel: w.kernel.map(() => r() - 0.5), bias: w.bias.map(() => r() - 0.5) });
  }
  const x = new Float32Array(180).map(() => r());
  return { net, x };
}

describe('save → load', () => {
  test('bit-exact outputs, weights, activations, metadata, shapes', async () => {
    const { net, x } = await sample();
    const bytes = net.save();
    const again = await loadModel(bytes);
    expect(again.layers).toEqual(net.layers);
    expect(again.metadata).toEqual({ name: 'sample', labels: ['cat', 'dog', 'bird'], description: '9×10×2 floats in [0, 1]', author: 'tests' });
    for (const l of net.layers) expect(again.getWeights(l.index)).toEqual(net.getWeights(l.index));
    const a = net.predict(x);
    const b = again.predict(x);
    expect(Buffer.from(b.buffer)).toEqual(Buffer.from(a.buffer)); // bit for bit
    const actsA = net.activations();
    const actsB = again.activations();
    actsA.forEach((act, i) => expect(Buffer.from(actsB[i].data.buffer)).toEqual(Buffer.from(act.data.buffer)));
    expect(again.save()).toEqual(bytes); // and saving again gives the same bytes
    net.dispose();
    again.dispose();
  });

  test('custom layer names survive a round trip', async () => {
    const net = await createModel({ input: [4, 4, 1], layers: [{ type: 'conv2d', filters: 2, kernel: 3, name: 'edges' }, { type: 'flatten' }], seed: 1 });
    expect(net.layers.map((l) => l.name)).toEqual(['edges', 'flatten_1']);
    expect(net.metadata).toEqual({});
    const again = await loadModel(net.save());
    expect(again.layers.map((l) => l.name)).toEqual(['edges', 'flatten_1']);
    net.dispose();
    again.dispose();
  });

  test('every source kind: Uint8Array, ArrayBuffer, Buffer, path, file: URL (string and URL), Response', async () => {
    const { net, x } = await sample();
    const bytes = net.save();
    const want = net.predict(x);
    const dir = mkdtempSync(join(tmpdir(), 'wasm-cnn-'));
    const path = join(dir, 'model.wcnn');
    writeFileSync(path, bytes);
    const sources = [
      bytes, bytes.slice().buffer, Buffer.from(bytes), path, pathToFileURL(path).href, pathToFileURL(path),
      new Response(bytes, { headers: { 'content-type': 'application/octet-stream' } }),
    ];
    for (const source of sources) {
      const m = await loadModel(source);
      expect(Array.from(m.predict(x))).toEqual(Array.from(want));
      m.dispose();
    }
    net.dispose();
  });
});

describe('every layer type and option survives a file and config()', () => {
  // one of everything the registry added, with non-default values
  const EVERYTHING = {
    input: [13, 11, 4],
    layers: [
      { type: 'zeropad2d', padding: [1, 0, 2, 1] },
      { type: 'conv2d', filters: 6, kernel: [3, 2], stride: [2, 1], dilation: [1, 2], padding: [1, 2, 0, 1], groups: 2, useBias: false, activation: 'leakyrelu', alpha: 0.125 },
      { type: 'batchnorm', epsilon: 0.01, momentum: 0.9, center: false, activation: 'relu6' },
      { type: 'depthwiseconv2d', kernel: 3, padding: 'same', depthMultiplier: 2, dilation: 2, activation: 'hardswish' },
      { type: 'maxpool2d', size: 2, stride: 1, padding: [0, 1], ceilMode: true, dilation: 2 },
      { type: 'avgpool2d', size: 3, stride: 2, padding: 1, countIncludePad: true, ceilMode: true, activation: 'elu', alpha: 0.5 },
      { type: 'swish' }, { type: 'gelu' }, { type: 'selu' }, { type: 'softplus' },
      { type: 'hardsigmoid', alpha: 0.2, beta: 0.5 },
      { type: 'globalmaxpool2d' },
      { type: 'dropout', rate: 0.25 },
      { type: 'dense', units: 5, useBias: false },
      { type: 'batchnorm', scale: false },
      { type: 'dense', units: 3, activation: 'softmax' },
    ],
  };

  test('save → load: the same layers, tensors and outputs, bit for bit; config() re-creates it', async () => {
    const net = await createModel({ ...EVERYTHING, seed: 3 });
    const r = rng(11);
    // non-trivial weights everywhere, moving statistics included
    net.layers.forEach((l, i) => {
      if (!l.tensors.length) return;
      const w = {};
      for (const t of l.tensors) w[t.name] = Float32Array.from({ length: t.size }, () => (t.name === 'movingVariance' ? 0.5 + r() : r() - 0.5));
      net.setWeights(i, w);
    });
    const x = Float32Array.from({ length: 2 * 13 * 11 * 4 }, () => r());
    const want = net.predictBatch(x, 2);
    const back = await loadModel(net.save());
    expect(back.layers).toEqual(net.layers);
    net.layers.forEach((l, i) => expect(back.getWeights(i)).toEqual(net.getWeights(i)));
    expect(Array.from(back.predictBatch(x, 2))).toEqual(Array.from(want));
    // config() lists exactly the non-default options, and re-creates the same architecture
    const cfg = net.config();
    expect(cfg.layers.map(({ name: _n, ...rest }) => rest)).toEqual(EVERYTHING.layers.map((l) => {
      // shorthand activation layers come back in their long form, sizes as [h, w]
      if (['swish', 'gelu', 'selu', 'softplus', 'hardsigmoid'].includes(l.type)) {
        const { type, ...opts } = l;
        return { type: 'activation', activation: type, ...opts };
      }
      const out = { ...l };
      for (const k of ['kernel', 'size', 'stride', 'dilation']) if (typeof out[k] === 'number') out[k] = [out[k], out[k]];
      return out;
    }));
    const again = await createModel({ ...cfg, seed: 3 });
    expect(again.layers).toEqual(net.layers);
    for (const m of [net, back, again]) m.dispose();
  });
});

describe('graph models in files and config()', () => {
  test('a residual + concat + scale graph: save → load keeps inputs and outputs; config() re-creates it; default names stay valid', async () => {
    // referring to layers by their default names only: the file stores indices, and loading
    // names the layers the same way again
    const def = { input: [6, 6, 2], layers: [
      { type: 'conv2d', filters: 2, kernel: 3, padding: 'same', activation: 'relu' },
      { type: 'conv2d', filters: 2, kernel: 3, padding: 'same' },
      { type: 'add', inputs: ['conv2d_2', 'input'], activation: 'relu' },
      { type: 'concat', inputs: ['add_1', 'conv2d_1', 'input'] },
      { type: 'globalavgpool2d' },
      { type: 'multiply', inputs: ['concat_1', 'globalavgpool2d_1'] },
      { type: 'flatten' },
      { type: 'dense', units: 3, activation: 'softmax' },
    ] };
    const net = await createModel({ ...def, seed: 5 });
    expect(net.isGraph).toBe(true);
    expect(net.layers.map((l) => l.inputs)).toEqual([['input'], ['conv2d_1'], ['conv2d_2', 'input'], ['add_1', 'conv2d_1', 'input'],
      ['concat_1'], ['concat_1', 'globalavgpool2d_1'], ['multiply_1'], ['flatten_1']]);
    const r = rng(3);
    const x = Float32Array.from({ length: 3 * 72 }, () => r() - 0.5);
    const back = await loadModel(net.save());
    expect(back.layers).toEqual(net.layers);
    expect(Array.from(back.predictBatch(x, 3))).toEqual(Array.from(net.predictBatch(x, 3)));
    expect(back.activations(1).map((a) => a.name)).toEqual(net.layers.map((l) => l.name));
    const again = await createModel({ ...net.config(), seed: 5 });
    expect(again.layers).toEqual(net.layers);
    expect(Array.from(again.predictBatch(x, 3))).toEqual(Array.from(net.predictBatch(x, 3)));
    expect(net.summary()).toMatch(/Inputs/);
    expect(net.summary()).toMatch(/add_1 \(add, relu\)\s+\[6, 6, 2\]\s+0\s+conv2d_2, input/);
    for (const m of [net, back, again]) m.dispose();
  });

  test('sequential models: no Inputs column, no inputs in config(), and their files have no GRPH section', async () => {
    const net = await createModel({ input: [4, 4, 1], layers: [{ type: 'conv2d', filters: 1, kernel: 3 }, { type: 'flatten' }], seed: 1 });
    expect(net.isGraph).toBe(false);
    expect(net.summary()).not.toMatch(/Inputs/);
    expect(net.config().layers.some((l) => 'inputs' in l)).toBe(false);
    expect(Buffer.from(net.save()).includes(Buffer.from('GRPH'))).toBe(false);
    net.dispose();
  });
});

describe('rejections', () => {
  test('sources that are not models say so', async () => {
    const html = '<!DOCTYPE html><html><body>Not Found</body></html>';
    await expect(loadModel(new TextEncoder().encode(html))).rejects.toThrow(/HTML page, not a model/);
    await expect(loadModel(new Response(html, { headers: { 'content-type': 'text/html' } }))).rejects.toThrow(/server sent an HTML page/);
    await expect(loadModel(new Response('x', { status: 404, statusText: 'Not Found' }))).rejects.toThrow(/HTTP 404 Not Found/);
    await expect(loadModel('/no/such/dir/model.wcnn')).rejects.toThrow(/loadModel\(\/no\/such\/dir\/model.wcnn\): cannot read the file/);
    await expect(loadModel(42)).rejects.toThrow(/source must be a Uint8Array, ArrayBuffer, Response, URL, string or \{ modelJson, weights \}, got number/);
    await expect(loadModel(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]))).rejects.toThrow(/bytes are a WebAssembly module/);
    await expect(loadModel(new Uint8Array(0))).rejects.toThrow(/not a wasm-cnn model: 0 bytes/);
  });

  // Each case damages a valid file; fixCrc recomputes the checksum so the damage reaches the
  // check it is aimed at.
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  function fixCrc(b) {
    let c = 0xffffffff;
    for (let i = 0; i < b.length - 12; i++) c = crcTable[(c ^ b[i]) & 0xff] ^ (c >>> 8);
    new DataView(b.buffer).setUint32(b.length - 4, (c ^ 0xffffffff) >>> 0, true);
    return b;
  }
  const u32 = (b, at, v) => { new DataView(b.buffer, b.byteOffset).setUint32(at, v, true); return b; };

  test('a table of damaged files, each rejected with its message', async () => {
    const net = await createModel({ input: [6, 6, 2], layers: [
      { type: 'conv2d', filters: 3, kernel: 3, padding: 'same', activation: 'relu' },
      { type: 'maxpool2d', size: 2 }, { type: 'flatten' }, { type: 'dense', units: 4, activation: 'softmax' },
    ], seed: 7 });
    const good = net.save();
    net.dispose();
    const ARCH = 24; // header 16 + section header 8
    // ARCH payload (format version 2): 16, then per layer type, option count and the (key,
    // value) pairs of its non-default options: conv2d 5 (8 + 40), maxpool2d 2 (8 + 16: the
    // window; its stride is the default), flatten 0 (8), dense 2 (8 + 16). Layer 0's options
    // in key order: activation, units, …
    const WGHT = ARCH + 16 + 48 + 24 + 8 + 24;
    const FILTERS = ARCH + 16 + 8 + 8 + 4; // layer 0's option 1 (units)'s value
    const size = good.length;
    const cases = [
      ['truncated in layer 0 weights', good.slice(0, WGHT + 8 + 40), /model file truncated: the weights need \d+ bytes, 40 remain/],
      ['truncated in layer 3 weights', good.slice(0, size - 40), /model file truncated: the weights need 676 bytes, \d+ remain/],
      ['truncated header', good.slice(0, 10), /header needs 16 bytes/],
      ['truncated checksum', good.slice(0, size - 2), /checksum needs 4 bytes/],
      ['oversized: trailing garbage', (() => { const b = new Uint8Array(size + 5); b.set(good); return b; })(), /5 bytes after its declared end/],
      ['one flipped weight bit', (() => { const b = good.slice(); b[WGHT + 8 + 50] ^= 1; return b; })(), /damaged: CRC-32/],
      ['wrong magic (text-mode transfer)', (() => { const b = good.slice(); b[4] = 0x0a; return b; })(), /transferred as text/],
      ['future version', fixCrc(u32(good.slice(), 8, 3)), /version 3 is not supported \(this engine reads versions 1 and 2\)/],
      ['layer count 0', fixCrc(u32(good.slice(), ARCH + 12, 0)), /0 layers; must be 1 to 256/],
      ['layer count 2^32−1', fixCrc(u32(good.slice(), ARCH + 12, 0xffffffff)), /4294967295 layers/],
      ['unknown layer type', fixCrc(u32(good.slice(), ARCH + 16, 77)), /invalid architecture: layer 0: unknown layer type 77/],
      ['filters 2^31−1 (overflow)', fixCrc(u32(good.slice(), FILTERS, 0x7fffffff)), /exceeds the limit/],
      ['input 70000 wide', fixCrc(u32(good.slice(), ARCH + 4, 70000)), /input shape \(6, 70000, 2\) exceeds the limit/],
      ['weights section of the wrong size', fixCrc(u32(good.slice(), WGHT + 4, 12)), /WGHT section holds 12 bytes, the architecture needs 676/],
      ['an option key of another layer type', fixCrc(u32(good.slice(), FILTERS - 4, 25 /* rate */)), /layer 0 \(conv2d\): rate does not apply to conv2d/],
      ['too many options', fixCrc(u32(good.slice(), ARCH + 16 + 4, 1000)), /layer 0 has 1000 options, at most 20/],
      ['sections out of order', fixCrc(u32(good.slice(), 16, 0x54484757 /* 'WGHT' */)), /expected the ARCH section at offset 16, found 'WGHT'/],
    ];
    for (const [name, bytes, message] of cases) {
      let err = null;
      try {
        (await loadModel(bytes)).dispose();
      } catch (e) {
        err = e;
      }
      expect({ name, message: err && err.message }).toEqual({ name, message: expect.stringMatching(message) });
      expect(err.code).toMatch(/^CNN_STATUS_/);
    }
  });

  test('every truncation of a valid file is rejected, none crashes', async () => {
    const { net } = await sample();
    const good = net.save();
    net.dispose();
    for (let n = 0; n < good.length; n += 7) {
      await expect(loadModel(good.slice(0, n))).rejects.toThrow(/model|bytes/);
    }
  });
});
