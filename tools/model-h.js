// model-h.js — writes the C form of JSON model definitions (models/*.json: { about, input,
// layers }) for the C tests and the trainer: the specs the JavaScript API would hand the engine
// (js/layers.js's encodeLayers), printed as designated initializers with the option names of
// js/abi.js.
//
//   node tools/model-h.js models/lenet5.json LENET > build/lenet5.h
//     one definition under a C name: NAME_H, NAME_W, NAME_C (the input shape), NAME[] and
//     NAME_LAYERS (the layer specs and their count), NAME_SUMMARY (one line naming the layers)
//   node tools/model-h.js --table models/*.json > build/model-defs.h
//     every definition given, each under its file's name (digits-bn.json: DIGITS_BN), and
//     MODEL_DEFS[] / N_MODEL_DEFS: { name, file, about, summary, layers, n_layers, h, w, c } —
//     the architectures the trainer (make weights) can train, by file name
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { encodeLayers } from '../js/layers.js';
import { LAYER_TYPES, OPTIONS, OPTION_KINDS, SPEC } from '../js/abi.js';

const typeName = Object.fromEntries(Object.entries(LAYER_TYPES).map(([k, v]) => [v, k]));
const keyName = Object.fromEntries(Object.entries(OPTIONS).map(([k, v]) => [v, k]));
// a C float literal: always with a point or an exponent ("1f" is not C)
const cFloat = (x) => { const s = String(x); return /[.e]/.test(s) ? `${s}f` : `${s}.0f`; };
const cString = (s) => JSON.stringify(s); // JSON's escapes are C's for these texts

/** The layer specs' C initializers, one line per layer. */
function specLines(def) {
  const { bytes, count } = encodeLayers(def.layers);
  const view = new DataView(bytes.buffer);
  const lines = [];
  for (let i = 0; i < count; i++) {
    const at = i * SPEC.bytes;
    const type = view.getInt32(at + SPEC.type, true);
    const fields = [`.type = CNN_LAYER_${typeName[type].toUpperCase()}`];
    const opts = [];
    for (let j = 0; ; j++) {
      const o = at + SPEC.options + j * SPEC.optionBytes;
      if (o >= at + SPEC.n_inputs) break;
      const key = view.getInt32(o, true);
      if (!key) break;
      const value = OPTION_KINDS[key] === 'float' ? `.f = ${cFloat(view.getFloat32(o + 4, true))}` : `.i = ${view.getInt32(o + 4, true)}`;
      opts.push(`{ CNN_OPT_${keyName[key].toUpperCase()}, ${value} }`);
    }
    if (opts.length) fields.push(`.options = { ${opts.join(', ')} }`);
    const nInputs = view.getInt32(at + SPEC.n_inputs, true);
    if (nInputs) {
      const inputs = Array.from({ length: nInputs }, (_, q) => view.getInt32(at + SPEC.inputs + 4 * q, true));
      fields.push(`.n_inputs = ${nInputs}, .inputs = { ${inputs.map((v) => (v < 0 ? 'CNN_INPUT' : v)).join(', ')} }`);
    }
    lines.push(`    { ${fields.join(', ')} },`);
  }
  return lines;
}

/** "conv2d 3×3×16 same relu → batchnorm → …": what each layer is, in the words of the JSON. */
function summary(layer) {
  const { type, name: _n, inputs: _i, ...o } = layer;
  const k = (v) => (Array.isArray(v) ? v.join('×') : `${v}×${v}`);
  const parts = [type === 'conv2d' ? 'conv' : type];
  if (o.kernel !== undefined) parts.push(`${k(o.kernel)}${o.filters !== undefined ? `×${o.filters}` : ''}`);
  if (o.size !== undefined) parts.push(String(o.size));
  if (o.units !== undefined) parts.push(String(o.units));
  if (o.rate !== undefined) parts.push(String(o.rate));
  for (const key of ['stride', 'padding', 'activation']) if (o[key] !== undefined && !(key === 'padding' && o[key] === 'valid')) parts.push(key === 'stride' ? `stride ${o[key]}` : o[key]);
  return parts.join(' ');
}

/** One definition's C block under `name`. */
function block(file, def, name) {
  const [h, w, c] = def.input;
  return `/* ${file}: ${String(def.about ?? '').replaceAll('*/', '* /')} */
#define ${name}_H ${h}
#define ${name}_W ${w}
#define ${name}_C ${c}
static const cnn_layer_spec ${name}[] = {
${specLines(def).join('\n')}
};
#define ${name}_LAYERS ((int)(sizeof ${name} / sizeof *${name}))
#define ${name}_SUMMARY ${cString(def.layers.map(summary).join(' → '))}
`;
}

const args = process.argv.slice(2);
const read = (file) => JSON.parse(readFileSync(file, 'utf8'));
const cName = (file) => basename(file, '.json').toUpperCase().replace(/[^A-Z0-9]/g, '_');
if (args[0] === '--table' && args.length > 1) {
  const files = args.slice(1);
  const defs = files.map((f) => [f, read(f), cName(f)]);
  process.stdout.write(`/* model-defs.h — GENERATED from ${files.join(', ')} by tools/model-h.js --table (make);
 * do not edit. The architectures the trainer knows, by file name. */
#ifndef WASM_CNN_MODEL_DEFS_H
#define WASM_CNN_MODEL_DEFS_H

#include "../src/cnn.h"

${defs.map(([f, def, name]) => block(f, def, name)).join('\n')}
typedef struct model_def {
    const char *name, *file, *about, *summary;
    const cnn_layer_spec *layers;
    int n_layers, h, w, c;
} model_def;

static const model_def MODEL_DEFS[] = {
${defs.map(([f, def, name]) => `    { ${cString(basename(f, '.json'))}, ${cString(f)}, ${cString(def.about)}, ${name}_SUMMARY, ${name}, ${name}_LAYERS, ${name}_H, ${name}_W, ${name}_C },`).join('\n')}
};
#define N_MODEL_DEFS ((int)(sizeof MODEL_DEFS / sizeof *MODEL_DEFS))

#endif
`);
} else if (args.length === 2 && /^[A-Z][A-Z0-9_]*$/.test(args[1])) {
  const [file, name] = args;
  const guard = `WASM_CNN_${name}_H`;
  process.stdout.write(`/* ${basename(file, '.json')}.h — GENERATED from ${file} by tools/model-h.js (make); do not edit. */
#ifndef ${guard}
#define ${guard}

#include "../src/cnn.h"

${block(file, read(file), name)}
#endif
`);
} else {
  console.error('usage: node tools/model-h.js MODEL.json C_NAME   (C_NAME in capitals, e.g. LENET)\n       node tools/model-h.js --table MODEL.json ...');
  process.exit(2);
}
