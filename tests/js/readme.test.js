// readme.test.js — every code block in README.md, run the way a reader would run it.
//
// ```js blocks: each is written to a file in a scratch folder where 'wasm-cnn' resolves to this
// package's built entry point (node_modules/wasm-cnn is the repository: package.json "exports"),
// beside the files the snippets name: model.onnx (written as torch.onnx.export writes one),
// web_model/model.json with its shard (saved by tfjs-layers) and dynamic.onnx (open H and W).
// A block whose first line is a comment naming a file (`// app.cjs — …`) is written under that
// name (a .cjs runs as CommonJS); the others as snippet-N.mjs. Each runs in its own `node`
// process and must exit 0 with nothing on stderr; where a snippet's comment says what it prints,
// that is checked against a value computed by hand below.
// ```sh blocks: the `npx wasm-cnn …` lines are run (the package's bin, as npx runs it); the
// others (make, npm install) are this repository's build and npm itself, not run here.
// A block with no language or another one fails the test: every block is run or marked shell.
// All snippets are Node snippets; none needs a DOM (predict takes ImageData-like objects).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rng } from '../fixtures.js';
import { OnnxBuilder } from './support/onnx-build.js';
import { SHARD, saveTfjs, tfl } from './support/tfjs-import/helpers.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

/** The fenced blocks of a Markdown text: [{ lang, code, line }]. */
function codeBlocks(text) {
  const blocks = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(.*)$/.exec(lines[i]);
    if (!open) continue;
    const end = lines.findIndex((l, k) => k > i && /^```\s*$/.test(l));
    if (end < 0) throw new Error(`README.md:${i + 1}: a code block that is never closed`);
    blocks.push({ lang: open[1].trim(), code: lines.slice(i + 1, end).join('\n') + '\n', line: i + 1 });
    i = end;
  }
  return blocks;
}

const BLOCKS = codeBlocks(README);
const JS = BLOCKS.filter((b) => b.lang === 'js');

// What snippets print, where their comments say so: a marker in the snippet → a check.
const PRINTS = [
  // Quick start: conv 5×5×1→6 (5·5·1+1)·6 = 156, maxpool to 14×14×6, flatten 1176, dense
  // (1176+1)·10 = 11 770: 11 926 parameters
  { marker: 'const copy = await loadModel(net.save())', check: (out) => expect(out).toContain('Total params: 11,926') },
  { marker: "inputs: ['bn2', 'input']", check: (out) => expect(out).toBe("[ 'bn2', 'input' ]\n") },
  { marker: '// app.cjs', check: (out) => expect(out).toBe('wasmsimd [ 2 ]\n') },
  { marker: '// a white stroke: "1"', check: (out) => expect(out).toBe('1\n') },
  // model.onnx below: conv 3×3×1→4 (3·3·1+1)·4 = 40, flatten 6·6·4 = 144, dense (144+1)·3 = 435;
  // activations: the conv's [6, 6, 4] map first, the [3] output last
  {
    marker: "loadModel('model.onnx')",
    check: (out) => {
      expect(out).toContain('Total params: 475');
      expect(out.replace(/\s+/g, ' ')).toMatch(/\[ \[ 6, 6, 4 \], .*\[ 3 \] \]/);
    },
  },
];

let dir;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wasm-cnn-readme-'));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(ROOT, join(dir, 'node_modules', 'wasm-cnn'), 'dir');
  // model.onnx: 8×8×1 → conv 3×3 (4) → relu → flatten → gemm (3)
  const b = new OnnxBuilder({ rand: rng(3) });
  let y = b.op('Relu', [b.conv('conv1', 'x', { cin: 1, cout: 4, k: 3 })], {}, 'relu1');
  y = b.op('Flatten', [y], { axis: 1 }, 'flatten');
  writeFileSync(join(dir, 'model.onnx'), b.build({ input: ['x', ['N', 1, 8, 8]], output: b.gemm('fc', y, 144, 3) }));
  // dynamic.onnx: (N, 3, H, W) → conv 3×3 same (2) → global average pool → flatten
  const d = new OnnxBuilder({ rand: rng(4) });
  const g = d.op('GlobalAveragePool', [d.conv('conv1', 'x', { cin: 3, cout: 2, k: 3, pads: [1, 1, 1, 1] })], {}, 'pool');
  writeFileSync(join(dir, 'dynamic.onnx'), d.build({ input: ['x', ['N', 3, 'H', 'W']], output: d.op('Flatten', [g], { axis: 1 }, 'flatten') }));
  // web_model/: a tfjs-layers model saved as model.json + one shard
  const keras = tfl.sequential({ layers: [
    tfl.layers.conv2d({ inputShape: [8, 8, 1], filters: 2, kernelSize: 3, activation: 'relu' }),
    tfl.layers.flatten(),
    tfl.layers.dense({ units: 3, activation: 'softmax' }),
  ] });
  const { modelJson, bytes } = await saveTfjs(keras);
  mkdirSync(join(dir, 'web_model'));
  writeFileSync(join(dir, 'web_model', 'model.json'), JSON.stringify(modelJson));
  writeFileSync(join(dir, 'web_model', SHARD), bytes);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(args) {
  const r = spawnSync(process.execPath, args, { cwd: dir, encoding: 'utf8', timeout: 60000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr + (r.error ? String(r.error) : '') };
}

test('every code block is marked: ```js (run below) or ```sh', () => {
  const unmarked = BLOCKS.filter((b) => b.lang !== 'js' && b.lang !== 'sh');
  expect(unmarked.map((b) => `README.md:${b.line}: \`\`\`${b.lang}`)).toEqual([]);
  expect(JS.length).toBeGreaterThanOrEqual(PRINTS.length);
});

test('every check of what a snippet prints finds its snippet', () => {
  for (const p of PRINTS) expect([p.marker, JS.filter((b) => b.code.includes(p.marker)).length]).toEqual([p.marker, 1]);
});

test.each(JS.map((b, i) => [b.line, i, b]))('README.md:%i: the ```js block runs (snippet %i)', (line, i, { code }) => {
  const named = /^\/\/ ([\w.-]+\.[cm]?js)\b/.exec(code)?.[1];
  const file = named ?? `snippet-${i}.mjs`;
  writeFileSync(join(dir, file), code);
  const { status, stdout, stderr } = run([file]);
  expect({ status, stderr }).toEqual({ status: 0, stderr: '' });
  for (const p of PRINTS) if (code.includes(p.marker)) p.check(stdout);
});

const NPX = BLOCKS.filter((b) => b.lang === 'sh').flatMap((b) => b.code.split('\n').filter((l) => l.startsWith('npx wasm-cnn ')));

test.each(NPX)('README: `%s` runs', (line) => {
  const args = line.replace(/\s+#.*$/, '').trim().split(/\s+/).slice(2);
  const { status, stdout, stderr } = run([join('node_modules', 'wasm-cnn', 'bin', 'wasm-cnn.js'), ...args]);
  expect({ status, stderr }).toEqual({ status: 0, stderr: '' });
  expect(stdout).toMatch(args[0] === 'convert' ? /→ .*\.wcnn: \d+ layers/ : /Total params: /);
});
