// fixtures.js — definitions shared by the jest and browser tests.

/** LeNet-5 as the issues define it: 28×28×1 → 10, 61 706 parameters. */
export const LENET = [
  { type: 'conv2d', filters: 6, kernel: 5, stride: 1, padding: 'same', activation: 'relu' },
  { type: 'maxpool2d', size: 2 },
  { type: 'conv2d', filters: 16, kernel: 5, activation: 'relu' },
  { type: 'maxpool2d', size: 2 },
  { type: 'flatten' },
  { type: 'dense', units: 120, activation: 'relu' },
  { type: 'dense', units: 84, activation: 'relu' },
  { type: 'dense', units: 10, activation: 'softmax' },
];

/** A small deterministic PRNG (mulberry32): uniform in [0, 1). */
export function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
