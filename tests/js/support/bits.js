// bits.js — seeded inputs and bit-for-bit comparison, for the tests that compare two ways of
// running one model (the pool against predictBatch, the infer entry against the full one).

/** n images of `size` values in [0, 1), from a seed (an inline LCG: closures are slow under jest). */
export function images(n, seed, size = 784) {
  const x = new Float32Array(n * size);
  let s = seed >>> 0;
  for (let i = 0; i < x.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    x[i] = s / 4294967296;
  }
  return x;
}

/** Bit-for-bit equality of two typed arrays of one kind, reporting the first difference. */
export function expectSame(got, want) {
  expect(got.constructor).toBe(want.constructor);
  expect(got.length).toBe(want.length);
  const first = got.findIndex((v, i) => !Object.is(v, want[i]));
  expect(first === -1 ? 'identical' : `value ${first}: ${got[first]} ≠ ${want[first]}`).toBe('identical');
}
