// bench/sizes.js — what a browser page downloads for each engine: the JS + wasm files, each
// gzipped at level 9 (the sum), and all of them as one gzipped concatenation.
//
// wasm-cnn: the package's entry point dist/wasm-cnn.js (the dynamic import() of the shipped
// digit model, models/digits.js, is left out: that is a model, not the engine); the source
// files it is built from are an extra row, the inference-only entry dist/infer.js another.
// `node bench/sizes.js` prints wasm-cnn's rows.
// Peers: the minified browser bundles from each package's dist/.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ROOT } from './lenet.js';

const gz = (buf) => gzipSync(buf, { level: 9 }).byteLength;

function stripComments(src) {
  // enough for import scanning: drop block comments and line comments outside strings
  return src.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}

/** The static import graph of an ES module: { files: [abs paths], dynamic: [specifiers] }. */
export function staticImports(entry) {
  const files = [];
  const dynamic = [];
  const seen = new Set();
  const visit = (file) => {
    if (seen.has(file)) return;
    seen.add(file);
    files.push(file);
    const src = stripComments(readFileSync(file, 'utf8'));
    // statements start a line or follow a ';' (not a message's words, such as "import from 'x'")
    const re = /(?:^|;)[ \t]*(?:import|export)\s*(?:[\w$*\s{},]+?\s*from\s*)?['"]([^'"]+)['"]/gm;
    let m;
    while ((m = re.exec(src))) {
      const spec = m[1];
      if (!spec.startsWith('.')) throw new Error(`sizes: ${relative(ROOT, file)} imports the package '${spec}'; only relative imports are followed`);
      visit(resolve(dirname(file), spec));
    }
    const dyn = /\bimport\s*\(\s*(?:\/\*[^*]*\*\/\s*)*['"]([^'"]+)['"]\s*\)/g;
    while ((m = dyn.exec(readFileSync(file, 'utf8')))) dynamic.push(`${m[1]} (in ${relative(ROOT, file)})`);
  };
  visit(entry);
  return { files, dynamic };
}

function measure(files) {
  const bufs = files.map((f) => {
    if (!existsSync(f)) throw new Error(`sizes: ${relative(ROOT, f)} is missing`);
    return readFileSync(f);
  });
  return {
    files: files.map((f, i) => ({ file: relative(ROOT, f), raw: bufs[i].byteLength, gzip: gz(bufs[i]) })),
    raw: bufs.reduce((a, b) => a + b.byteLength, 0),
    gzipSum: bufs.reduce((a, b) => a + gz(b), 0),
    gzipConcat: gz(Buffer.concat(bufs)),
  };
}

const nm = (...p) => join(ROOT, 'node_modules', ...p);

/** key → { files, raw, gzipSum, gzipConcat, what } for the benchmark's engines. */
export function engineSizes() {
  // What a page loads: the package's entry point (package.json "exports" → dist/wasm-cnn.js, one
  // minified module with the wasm inlined), as for the peers' minified bundles. The source
  // files it is built from (js/*.js, unminified) are shown as an extra row.
  const dist = join(ROOT, 'dist', 'wasm-cnn.js');
  if (!existsSync(dist)) throw new Error('sizes: dist/wasm-cnn.js is missing: run make');
  const dyn = [...readFileSync(dist, 'utf8').matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1]);
  const out = {};
  out['wasm-cnn'] = {
    ...measure([dist]),
    what: `dist/wasm-cnn.js, the package's entry point (one minified module, the wasm inlined as base64); excluded: ${dyn.length ? dyn.join(', ') : 'nothing'} (imported lazily: the digit model, not the engine)`,
    dynamicExcluded: dyn,
  };
  // the inference-only entry ('wasm-cnn/infer': the API without training, its own smaller
  // module, inlined as hexadecimal), measured the same way
  const infer = join(ROOT, 'dist', 'infer.js');
  if (!existsSync(infer)) throw new Error('sizes: dist/infer.js is missing: run make');
  out['wasm-cnn'].infer = {
    ...measure([infer]),
    what: "dist/infer.js, the entry point 'wasm-cnn/infer' (inference only; web/wasm-cnn-infer.wasm inlined as hexadecimal)",
  };
  const ours = staticImports(join(ROOT, 'js', 'index.js'));
  out['wasm-cnn'].source = {
    ...measure(ours.files),
    what: `the ${ours.files.length} source files js/index.js imports statically (unminified, comments included), incl. web/wasm-cnn-inline.js`,
  };
  const tfWasm = [nm('@tensorflow/tfjs-core/dist/tf-core.es2017.min.js'), nm('@tensorflow/tfjs-layers/dist/tf-layers.es2017.min.js'),
    nm('@tensorflow/tfjs-backend-wasm/dist/tf-backend-wasm.es2017.min.js'), nm('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm')];
  const tfWasmEs5 = [nm('@tensorflow/tfjs-core/dist/tf-core.min.js'), nm('@tensorflow/tfjs-layers/dist/tf-layers.min.js'),
    nm('@tensorflow/tfjs-backend-wasm/dist/tf-backend-wasm.min.js'), nm('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm')];
  out['tfjs-wasm'] = { ...measure(tfWasm), what: 'es2017 minified bundles tf-core + tf-layers + tf-backend-wasm, and tfjs-backend-wasm-simd.wasm', es5: measure(tfWasmEs5) };
  const tfCpu = [nm('@tensorflow/tfjs-core/dist/tf-core.es2017.min.js'), nm('@tensorflow/tfjs-layers/dist/tf-layers.es2017.min.js'),
    nm('@tensorflow/tfjs-backend-cpu/dist/tf-backend-cpu.es2017.min.js')];
  const tfCpuEs5 = [nm('@tensorflow/tfjs-core/dist/tf-core.min.js'), nm('@tensorflow/tfjs-layers/dist/tf-layers.min.js'),
    nm('@tensorflow/tfjs-backend-cpu/dist/tf-backend-cpu.min.js')];
  out['tfjs-cpu'] = { ...measure(tfCpu), what: 'es2017 minified bundles tf-core + tf-layers + tf-backend-cpu', es5: measure(tfCpuEs5) };
  // ORT: the wasm-only build, either the bundle with the Emscripten glue inside, or the
  // small entry that imports the glue (ort-wasm-simd-threaded.mjs) at run time; the smaller.
  const wasm = nm('onnxruntime-web/dist/ort-wasm-simd-threaded.wasm');
  const ortA = measure([nm('onnxruntime-web/dist/ort.wasm.bundle.min.mjs'), wasm]);
  const ortB = measure([nm('onnxruntime-web/dist/ort.wasm.min.mjs'), nm('onnxruntime-web/dist/ort-wasm-simd-threaded.mjs'), wasm]);
  const ort = ortA.gzipSum <= ortB.gzipSum ? ortA : ortB;
  const other = ort === ortA ? ortB : ortA;
  const ortEntry = { ...ort, what: 'the wasm-only build (the smaller of: ort.wasm.bundle.min.mjs, or ort.wasm.min.mjs + ort-wasm-simd-threaded.mjs) + ort-wasm-simd-threaded.wasm (the one wasm build, used for 1 and 2 threads)', alternative: other };
  out['ort-1t'] = ortEntry;
  out['ort-2t'] = ortEntry;
  out.convnetjs = { ...measure([nm('convnetjs/build/convnet-min.js')]), what: 'build/convnet-min.js (no wasm)' };
  return out;
}

/** What an app that imports only loadModel (and predicts) ships of an entry, once bundled and
 * minified by esbuild (it drops the exports the app does not use): gzip bytes. */
export async function appSize(entry) {
  const { build } = await import('esbuild');
  const app = `import { loadModel } from ${JSON.stringify(join(ROOT, entry))};\n` +
    'loadModel(new Uint8Array(0)).then((m) => console.log(m.predict(new Float32Array(m.inputSize))));\n';
  const out = await build({ stdin: { contents: app, resolveDir: ROOT }, bundle: true, minify: true, format: 'esm', target: 'es2020',
    external: ['./import/onnx.js', './import/tfjs.js'], write: false, logLevel: 'silent' });
  return gz(out.outputFiles[0].contents);
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(ROOT, 'bench', 'sizes.js')) {
  const w = engineSizes()['wasm-cnn'];
  for (const [name, m] of [['full', w], ['infer', w.infer], ['sources', w.source]]) {
    console.log(`${name}: ${(m.gzipSum / 1024).toFixed(1)} KiB gzip (${m.gzipSum} bytes; raw ${m.raw}) — ${m.what}`);
  }
  for (const entry of ['dist/wasm-cnn.js', 'dist/infer.js']) {
    const bytes = await appSize(entry);
    console.log(`an app importing only loadModel from ${entry}, bundled by esbuild: ${(bytes / 1024).toFixed(1)} KiB gzip (${bytes} bytes)`);
  }
}
