// Hand-computed forward passes through the JavaScript API: every expected number is worked
// out in the comment beside it, the textbook way (cross-correlation, zero padding, HWC).
import { createModel } from '../../js/index.js';

/** One-layer model with given weights; returns its output for `input`. */
async function run1(input, inShape, layer, weights) {
  const net = await createModel({ input: inShape, layers: [layer], seed: 1 });
  if (weights) net.setWeights(0, weights);
  const out = net.predict(Float32Array.from(input));
  const shape = net.outputShape;
  net.dispose();
  return { out: Array.from(out), shape };
}

const IN3x3 = [1, 2, 3, 4, 5, 6, 7, 8, 9];
const IN4x4 = Array.from({ length: 16 }, (_, i) => i + 1);

describe('conv2d by hand', () => {
  test('single channel, valid: 3×3 input, 2×2 kernel [[1,2],[3,4]], bias 0.5', async () => {
    // (0,0) 1·1+2·2+4·3+5·4 = 37; (0,1) 2+6+15+24 = 47; (1,0) 4+10+21+32 = 67; (1,1) 5+12+24+36 = 77
    const { out, shape } = await run1(IN3x3, [3, 3, 1], { type: 'conv2d', filters: 1, kernel: 2 },
      { kernel: [1, 2, 3, 4], bias: [0.5] });
    expect(shape).toEqual([2, 2, 1]);
    expect(out).toEqual([37.5, 47.5, 67.5, 77.5]);
  });

  test('zero padding 1: 2×2 input, 3×3 kernel of ones sees all four values everywhere', async () => {
    // out (2 + 2·1 − 3)/1 + 1 = 2 per side; each window covers 1+2+3+4 = 10
    const { out, shape } = await run1([1, 2, 3, 4], [2, 2, 1], { type: 'conv2d', filters: 1, kernel: 3, padding: 1 },
      { kernel: new Array(9).fill(1), bias: [0] });
    expect(shape).toEqual([2, 2, 1]);
    expect(out).toEqual([10, 10, 10, 10]);
  });

  test("'same' with an even kernel pads bottom/right, as TensorFlow does", async () => {
    // 2×2 ones on 3×3: total padding 1, all at the bottom/right: (0,0) 1+2+4+5 = 12,
    // (0,2) 3+6 = 9, (2,0) 7+8 = 15, (2,2) 9, (1,1) 5+6+8+9 = 28
    const { out } = await run1(IN3x3, [3, 3, 1], { type: 'conv2d', filters: 1, kernel: 2, padding: 'same' },
      { kernel: [1, 1, 1, 1], bias: [0] });
    expect(out).toEqual([12, 16, 9, 24, 28, 15, 15, 17, 9]);
  });

  test('multi-channel k×k×3 with bias: two filters', async () => {
    // input 2×2×3 = 1..12 (HWC). filter 0: all ones → 78 + 1 = 79.
    // filter 1: ones on channel 0 only → 1 + 4 + 7 + 10 = 22, − 2 = 20.
    const kernel = [];
    for (let tap = 0; tap < 4; tap++) for (let c = 0; c < 3; c++) kernel.push(1, c === 0 ? 1 : 0); // HWIO
    const { out } = await run1(Array.from({ length: 12 }, (_, i) => i + 1), [2, 2, 3],
      { type: 'conv2d', filters: 2, kernel: 2 }, { kernel, bias: [1, -2] });
    expect(out).toEqual([79, 20]);
  });

  test('stride 2: 3×3 kernel on 5×5', async () => {
    // 5×5 input 1..25, 3×3 ones, stride 2, valid: out 2×2, window sums with top-left at
    // (0,0): 1+2+3+6+7+8+11+12+13 = 63; two columns right adds 2 to each of the nine values:
    // (0,2) 63 + 18 = 81; two rows down adds 10 to each: (2,0) 63 + 90 = 153; (2,2) 63 + 108 = 171
    const { out, shape } = await run1(Array.from({ length: 25 }, (_, i) => i + 1), [5, 5, 1],
      { type: 'conv2d', filters: 1, kernel: 3, stride: 2 }, { kernel: new Array(9).fill(1), bias: [0] });
    expect(shape).toEqual([2, 2, 1]);
    expect(out).toEqual([63, 81, 153, 171]);
  });

  test('non-square kernel and stride: [1, 2] kernel, [2, 1] stride', async () => {
    // rows 0 and 2 of the 3×3 input, horizontal pairs: (1+2, 2+3), (7+8, 8+9)
    const { out, shape } = await run1(IN3x3, [3, 3, 1], { type: 'conv2d', filters: 1, kernel: [1, 2], stride: [2, 1] },
      { kernel: [1, 1], bias: [0] });
    expect(shape).toEqual([2, 2, 1]);
    expect(out).toEqual([3, 5, 15, 17]);
  });

  test('fused relu', async () => {
    const { out } = await run1([1, -2, 3, -4], [2, 2, 1], { type: 'conv2d', filters: 1, kernel: 1, activation: 'relu' },
      { kernel: [-1], bias: [0] });
    expect(out).toEqual([0, 2, 0, 4]);
  });
});

describe('pooling by hand', () => {
  test('max 2×2 on 4×4: [6, 8, 14, 16]', async () => {
    expect((await run1(IN4x4, [4, 4, 1], { type: 'maxpool2d', size: 2 })).out).toEqual([6, 8, 14, 16]);
  });
  test('avg 2×2 on 4×4: [3.5, 5.5, 11.5, 13.5]', async () => {
    expect((await run1(IN4x4, [4, 4, 1], { type: 'avgpool2d', size: 2 })).out).toEqual([3.5, 5.5, 11.5, 13.5]);
  });
  test("avg 'same' averages only the cells inside the input", async () => {
    // 3×3 → 2×2: (1+2+4+5)/4 = 3, (3+6)/2 = 4.5, (7+8)/2 = 7.5, 9/1 = 9
    expect((await run1(IN3x3, [3, 3, 1], { type: 'avgpool2d', size: 2, padding: 'same' })).out).toEqual([3, 4.5, 7.5, 9]);
  });
  test("max 'same': padded cells never win, even over negative values", async () => {
    expect((await run1(IN3x3.map((v) => -v), [3, 3, 1], { type: 'maxpool2d', size: 2, padding: 'same' })).out)
      .toEqual([-1, -3, -7, -9]);
  });
  test('max 3×3 stride 1 keeps channels apart', async () => {
    // 3×3×2: channel 0 = 1..9, channel 1 = 9..1 → both maxima 9
    const x = [];
    for (let i = 0; i < 9; i++) x.push(i + 1, 9 - i);
    expect((await run1(x, [3, 3, 2], { type: 'maxpool2d', size: 3, stride: 1 })).out).toEqual([9, 9]);
  });
  test('global average and global max', async () => {
    // 2×2×2: channel 0 = 1, 2, 3, 4 → mean 2.5, max 4; channel 1 = −1, 5, 0, 2 → 1.5, 5
    const x = [1, -1, 2, 5, 3, 0, 4, 2];
    expect((await run1(x, [2, 2, 2], { type: 'globalavgpool2d' })).out).toEqual([2.5, 1.5]);
    expect((await run1(x, [2, 2, 2], { type: 'globalmaxpool2d' })).out).toEqual([4, 5]);
  });
});

describe('dense, flatten and activations by hand', () => {
  test('flatten → dense: [1,2,3]·[[1,0],[0,1],[1,1]] + [0.5,−1] = [4.5, 4]', async () => {
    const net = await createModel({ input: [1, 1, 3], layers: [{ type: 'flatten' }, { type: 'dense', units: 2 }], seed: 1 });
    net.setWeights(1, { kernel: [1, 0, 0, 1, 1, 1], bias: [0.5, -1] });
    expect(Array.from(net.predict(Float32Array.of(1, 2, 3)))).toEqual([4.5, 4]);
    net.dispose();
  });
  test('flatten keeps HWC order', async () => {
    const x = Array.from({ length: 12 }, (_, i) => i);
    expect((await run1(x, [2, 3, 2], { type: 'flatten' })).out).toEqual(x);
  });
  test('sigmoid(ln 3) = 3/4, tanh(ln 2) = 0.6, softmax(0, ln 3) = (1/4, 3/4), relu', async () => {
    expect((await run1([Math.log(3)], [1, 1, 1], { type: 'sigmoid' })).out[0]).toBeCloseTo(0.75, 6);
    expect((await run1([Math.log(2)], [1, 1, 1], { type: 'tanh' })).out[0]).toBeCloseTo(0.6, 6);
    const sm = (await run1([0, Math.log(3)], [1, 1, 2], { type: 'activation', activation: 'softmax' })).out;
    expect(sm[0]).toBeCloseTo(0.25, 6);
    expect(sm[1]).toBeCloseTo(0.75, 6);
    expect((await run1([-1, 0, 2], [1, 1, 3], { type: 'relu' })).out).toEqual([0, 0, 2]);
    expect((await run1([-1, 0, 2], [1, 1, 3], { type: 'linear' })).out).toEqual([-1, 0, 2]);
  });
  test('softmax of huge logits does not overflow', async () => {
    expect((await run1([1000, 1000], [1, 1, 2], { type: 'softmax' })).out).toEqual([0.5, 0.5]);
  });
});

describe('parameter counts [(k·k·p)+1]·d and shapes', () => {
  test('32×32×3: conv k5 d8 → 608; k3 d16 → 1168; k1 d32 → 544', async () => {
    const net = await createModel({
      input: [32, 32, 3],
      layers: [
        { type: 'conv2d', filters: 8, kernel: 5 },
        { type: 'conv2d', filters: 16, kernel: 3 },
        { type: 'conv2d', filters: 32, kernel: 1 },
      ],
      seed: 1,
    });
    expect(net.layers.map((l) => l.params)).toEqual([(5 * 5 * 3 + 1) * 8, (3 * 3 * 8 + 1) * 16, (1 * 1 * 16 + 1) * 32]);
    expect(net.layers.map((l) => l.params)).toEqual([608, 1168, 544]);
    expect(net.paramCount).toBe(608 + 1168 + 544);
    expect(net.summary()).toContain('[(5·5·3)+1]·8 = 608');
    net.dispose();
  });

  test('LeNet chain 28→28→14→10→5→400→120→84→10, 61 706 parameters', async () => {
    const net = await createModel({
      input: [28, 28, 1],
      layers: [
        { type: 'conv2d', filters: 6, kernel: 5, stride: 1, padding: 'same', activation: 'relu' },
        { type: 'maxpool2d', size: 2 },
        { type: 'conv2d', filters: 16, kernel: 5, activation: 'relu' },
        { type: 'maxpool2d', size: 2 },
        { type: 'flatten' },
        { type: 'dense', units: 120, activation: 'relu' },
        { type: 'dense', units: 84, activation: 'relu' },
        { type: 'dense', units: 10, activation: 'softmax' },
      ],
      seed: 1,
    });
    expect(net.inputShape).toEqual([28, 28, 1]);
    expect(net.layers.map((l) => l.outputShape)).toEqual([
      [28, 28, 6], [14, 14, 6], [10, 10, 16], [5, 5, 16], [400], [120], [84], [10],
    ]);
    expect(net.layers.map((l) => l.params)).toEqual([156, 0, 2416, 0, 0, 48120, 10164, 850]);
    expect(net.paramCount).toBe(61706);
    expect(net.outputShape).toEqual([10]);
    net.dispose();
  });
});
