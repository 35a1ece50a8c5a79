// package.test.js — the package as npm publishes it and as Node loads it.
//
// Contents (`npm pack --dry-run --json`): every file in the tarball is one a user imports or
// reads — a target of package.json's main/types/exports/bin, a module or file those entry
// points reach (import, import(), new URL(…, import.meta.url), followed from the files
// themselves), a document README.md links, or package.json/README.md/LICENSE — and every such
// file is in it. So no js/ sources that dist/ already contains, no C sources, no source maps
// (and no module whose sourceMappingURL names one).
// Metadata: the LICENSE text is the licence package.json names; repository, homepage and
// bugs name one repository. README.md's links resolve for a reader of the package: relative
// links to files in the tarball, #anchors to headings.
// Node: loadDigitModel() reads models/digits.wcnn beside dist/ (a new model per call, outputs
// equal to loadModel of the file); a copy of the entry point without that file rejects with an
// Error naming the file: URL and the fix, and loads once the file is there. require('wasm-cnn')
// behaves as README.md's table says for this Node.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as pkgModule from 'wasm-cnn';

const { loadDigitModel, loadModel } = pkgModule;
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

const packed = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }))[0];
const FILES = packed.files.map((f) => f.path).sort();

/** Every path a value of "exports" names (strings, condition objects, nested). */
function exportTargets(value) {
  if (typeof value === 'string') return [value];
  if (value && typeof value === 'object') return Object.values(value).flatMap(exportTargets);
  return [];
}

/** README.md's relative link targets (no scheme, no bare #anchor), without their #fragment. */
function readmeFiles() {
  return [...README.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]).filter((l) => !/^[a-z]+:/i.test(l) && !l.startsWith('#')).map((l) => normalize(l.split('#')[0]));
}

/** The files the entry points reach, followed through relative imports and asset URLs. */
function reachable(entries) {
  const seen = new Set();
  const visit = (file) => {
    file = normalize(file);
    if (seen.has(file)) return;
    seen.add(file);
    if (!/\.(js|ts)$/.test(file) || !existsSync(join(ROOT, file))) return;
    const text = readFileSync(join(ROOT, file), 'utf8');
    const specs = [
      ...text.matchAll(/(?:\bimport\s*\(\s*|\bfrom\s*|\bimport\s+)["'](\.{1,2}\/[^"']+)["']/g),
      ...text.matchAll(/new URL\(\s*["'](\.{1,2}\/[^"']+)["']\s*,\s*import\.meta\.url\s*\)/g),
    ].map((m) => m[1]);
    for (const spec of specs) {
      let target = join(dirname(file), spec);
      if (file.endsWith('.d.ts')) target = target.replace(/\.js$/, '.d.ts'); // a .d.ts imports types by their .js name
      visit(target);
    }
  };
  entries.forEach(visit);
  return seen;
}

test('the tarball holds exactly what users import or read', () => {
  const entries = [PKG.main, PKG.types, ...exportTargets(PKG.exports), ...Object.values(PKG.bin ?? {})].filter(Boolean);
  const wanted = new Set([...reachable(entries), ...readmeFiles(), 'package.json', 'README.md', 'LICENSE']);
  console.log(`npm pack: ${FILES.length} files, ${packed.size} bytes packed, ${packed.unpackedSize} unpacked`);
  expect({ missing: [...wanted].filter((f) => !FILES.includes(f)).sort(), unwanted: FILES.filter((f) => !wanted.has(f)) })
    .toEqual({ missing: [], unwanted: [] });
  // what the issue named, said once more plainly
  expect(FILES.filter((f) => /^js\/.*\.js$|^src\/|\.map$|^models\/digits\.js$|^web\/.*\.js$/.test(f))).toEqual([]);
  // and no shipped module points tools at a source map that is not shipped (esbuild's plain
  // --sourcemap links one: the build writes them with --sourcemap=external)
  const dangling = FILES.filter((f) => f.endsWith('.js')).flatMap((f) => [...readFileSync(join(ROOT, f), 'utf8').matchAll(/\/\/# sourceMappingURL=(\S+)/g)]
    .map((m) => normalize(join(dirname(f), m[1]))).filter((map) => !FILES.includes(map)).map((map) => `${f} → ${map}`));
  expect(dangling).toEqual([]);
});

test('LICENSE is the licence package.json names; repository, homepage and bugs agree', () => {
  expect(PKG.license).toBe('MIT');
  const license = readFileSync(join(ROOT, 'LICENSE'), 'utf8');
  expect(license).toMatch(/^MIT License\n\nCopyright \(c\) \d{4} /);
  expect(license).toContain('Permission is hereby granted, free of charge, to any person obtaining a copy');
  const repo = /^git\+(https:\/\/github\.com\/[\w.-]+\/[\w.-]+)\.git$/.exec(PKG.repository?.url)?.[1];
  expect(repo).toBeTruthy();
  expect(PKG.homepage).toBe(`${repo}#readme`);
  expect(PKG.bugs?.url).toBe(`${repo}/issues`);
});

test("README.md's links resolve for a reader of the package: files in the tarball, anchors to headings", () => {
  const slug = (h) => h.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
  const headings = new Set([...README.matchAll(/^#{1,6} (.+)$/gm)].map((m) => slug(m[1])));
  const anchors = [...README.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1]);
  expect(anchors.length).toBeGreaterThan(0);
  expect(anchors.filter((a) => !headings.has(a))).toEqual([]);
  expect(readmeFiles().filter((f) => !FILES.includes(f))).toEqual([]);
});

test('loadDigitModel() reads models/digits.wcnn: a new model per call, outputs equal to loadModel of the file', async () => {
  const [a, b] = [await loadDigitModel(), await loadDigitModel()];
  const file = await loadModel(join(ROOT, 'models/digits.wcnn'));
  expect(a).not.toBe(b);
  const x = Float32Array.from({ length: 784 }, (_, i) => ((i * 29) % 97) / 96);
  const want = Array.from(file.predict(x));
  a.dispose(); // the other model is its own
  expect(Array.from(b.predict(x))).toEqual(want);
  expect(() => a.predict(x)).toThrow(/disposed/);
  b.dispose();
  file.dispose();
});

describe('in a scratch folder', () => {
  let dir;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'wasm-cnn-package-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const node = (args, cwd = dir) => spawnSync(process.execPath, args, { cwd, encoding: 'utf8', timeout: 60000 });

  test('the entry point without its digit model file: an Error naming the file: URL and the fix; loads once the file is there', () => {
    // a copy of the built entry point where models/digits.wcnn is not (as a bundle that left it behind)
    const copy = join(dir, 'copy');
    mkdirSync(join(copy, 'dist'), { recursive: true });
    writeFileSync(join(copy, 'package.json'), '{ "type": "module" }');
    cpSync(join(ROOT, 'dist/wasm-cnn.js'), join(copy, 'dist/wasm-cnn.js'));
    const missing = join(copy, 'models/digits.wcnn');
    const r = node(['--input-type=module', '-e', `
      import { copyFileSync, mkdirSync } from 'node:fs';
      const { loadDigitModel } = await import(${JSON.stringify(join(copy, 'dist/wasm-cnn.js'))});
      const first = await loadDigitModel().then(() => 'loaded', (e) => e.message);
      mkdirSync(${JSON.stringify(join(copy, 'models'))});
      copyFileSync(${JSON.stringify(join(ROOT, 'models/digits.wcnn'))}, ${JSON.stringify(missing)}); // the fix
      const net = await loadDigitModel(); // the failed read is not cached
      console.log(JSON.stringify({ first, labels: net.metadata.labels }));`]);
    expect(r.stderr).toBe('');
    const { first, labels } = JSON.parse(r.stdout);
    expect(first).toContain(`loadDigitModel(file://${missing}): cannot read the file: ENOENT`);
    expect(first).toContain(`serve node_modules/wasm-cnn/models/digits.wcnn at file://${missing}, or load it with loadModel(`);
    expect(labels).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  });

  test("require('wasm-cnn') on this Node is what README.md's table says", () => {
    mkdirSync(join(dir, 'node_modules'), { recursive: true });
    symlinkSync(ROOT, join(dir, 'node_modules', 'wasm-cnn'), 'dir');
    const script = "const m = require('wasm-cnn'); m.loadDigitModel().then((n) => console.log(JSON.stringify({ keys: Object.keys(m), name: n.metadata.name })))";
    const [major, minor] = process.versions.node.split('.').map(Number);
    const requireEsm = major > 22 || (major === 22 && minor >= 12) || (major === 20 && minor >= 19);
    const r = node(['-e', script]);
    if (requireEsm) { // 20.19+, 22.12+: the module's exports, as import gives them
      if (major === 20) expect(r.stderr).toBe(''); // no ExperimentalWarning on 20.19+ (early 22.x releases print one)
      expect(JSON.parse(r.stdout)).toEqual({ keys: Object.keys(pkgModule), name: 'digits' });
    } else {
      expect(r.stderr).toContain('ERR_REQUIRE_ESM');
    }
    if (process.features.require_module !== undefined) { // the flag exists: 20.17+, 22+
      const off = node(['--no-experimental-require-module', '-e', script]);
      expect(off.status).not.toBe(0);
      expect(off.stderr).toContain('ERR_REQUIRE_ESM');
    }
    console.log(`Node ${process.version}: require('wasm-cnn') ${requireEsm ? 'returns the exports' : 'throws ERR_REQUIRE_ESM'}`);
  });
});

test('the package entry point has no base64 copy of the digit model', () => {
  const entry = readFileSync(join(ROOT, 'dist/wasm-cnn.js'), 'utf8');
  const start = readFileSync(join(ROOT, 'models/digits.wcnn')).toString('base64').slice(0, 64);
  expect(entry.includes(start)).toBe(false);
  expect(entry).toContain('new URL("../models/digits.wcnn",import.meta.url)'); // the form bundlers recognise
});
