// lenet5-h.js — writes the C form of models/lenet5.json (the one LeNet-5 definition) for the C
// tests and the trainer: the specs the JavaScript API would hand the engine (js/layers.js's
// encodeLayers), printed as designated initializers with the option names of js/abi.js.
// Usage: node tools/lenet5-h.js > build/lenet5.h
import { readFileSync } from 'node:fs';
import { encodeLayers } from '../js/layers.js';
import { LAYER_TYPES, OPTIONS, OPTION_KINDS, SPEC } from '../js/abi.js';

const def = JSON.parse(readFileSync(new URL('../models/lenet5.json', import.meta.url), 'utf8'));
const { bytes, count } = encodeLayers(def.layers);
const view = new DataView(bytes.buffer);
const typeName = Object.fromEntries(Object.entries(LAYER_TYPES).map(([k, v]) => [v, k]));
const keyName = Object.fromEntries(Object.entries(OPTIONS).map(([k, v]) => [v, k]));
const lines = [];
for (let i = 0; i < count; i++) {
  const at = i * SPEC.bytes;
  const type = view.getInt32(at + SPEC.type, true);
  const opts = [];
  for (let j = 0; ; j++) {
    const o = at + SPEC.options + j * SPEC.optionBytes;
    if (o >= at + SPEC.bytes) break;
    const key = view.getInt32(o, true);
    if (!key) break;
    const value = OPTION_KINDS[key] === 'float' ? `.f = ${view.getFloat32(o + 4, true)}f` : `.i = ${view.getInt32(o + 4, true)}`;
    opts.push(`{ CNN_OPT_${keyName[key].toUpperCase()}, ${value} }`);
  }
  const t = `CNN_LAYER_${typeName[type].toUpperCase()}`;
  lines.push(opts.length ? `    { .type = ${t}, .options = { ${opts.join(', ')} } },` : `    { .type = ${t} },`);
}
const [h, w, c] = def.input;
process.stdout.write(`/* lenet5.h — GENERATED from models/lenet5.json by tools/lenet5-h.js (make); do not edit.
 * ${def.about} */
#ifndef WASM_CNN_LENET5_H
#define WASM_CNN_LENET5_H

#include "../src/cnn.h"

#define LENET_H ${h}
#define LENET_W ${w}
#define LENET_C ${c}
static const cnn_layer_spec LENET[] = {
${lines.join('\n')}
};
#define LENET_LAYERS ((int)(sizeof LENET / sizeof *LENET))

#endif
`);
