// The hand-written index.d.ts, checked by the TypeScript compiler as a user's project would
// see it: `import … from 'wasm-cnn'` resolved through package.json "exports" (types
// condition), strict mode. tests/types/usage.ts holds the uses and the rejected misuses.
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

test('index.d.ts accepts the documented API and rejects misuse (tsc --strict)', () => {
  const file = fileURLToPath(new URL('../types/usage.ts', import.meta.url));
  const program = ts.createProgram([file], {
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
