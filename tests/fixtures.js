// fixtures.js — definitions shared by the jest and browser tests.
import { readFileSync } from 'node:fs';

/** LeNet-5 as the issues define it: 28×28×1 → 10, 61 706 parameters (models/lenet5.json, the
 * one definition the C tests, train/ and bench/ share). */
export const LENET = JSON.parse(readFileSync(new URL('../models/lenet5.json', import.meta.url), 'utf8')).layers;

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
