// The hand-written index.d.ts and infer.d.ts, checked by the TypeScript compiler as a user's
// project would see them: `import … from 'wasm-cnn'` ('wasm-cnn/infer') resolved through
// package.json "exports" (types condition), strict mode. tests/types/usage.ts and
// infer-usage.ts hold the uses and the rejected misuses.
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

test('index.d.ts and infer.d.ts accept the documented API and reject misuse (tsc --strict)', () => {
  const files = ['usage.ts', 'infer-usage.ts'].map((f) => fileURLToPath(new URL(`../types/${f}`, import.meta.url)));
  const program = ts.createProgram(files, {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
    types: [],
  });
  const diagnostics = ts.getPreEmitDiagnostics(program).map((d) =>
    `${d.file ? `${d.file.fileName}:${d.file.getLineAndCharacterOfPosition(d.start).line + 1}: ` : ''}${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
  expect(diagnostics).toEqual([]);
});
