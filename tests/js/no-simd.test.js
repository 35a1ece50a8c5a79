// A runtime without WebAssembly SIMD gets an error that says so, and names the browsers and
// Node versions that have it. (Simulated: WebAssembly.validate answers false for this file's
// fresh module registry; jest isolates modules per test file.)
test('createModel without WebAssembly SIMD fails with a clear message', async () => {
  const validate = WebAssembly.validate;
  WebAssembly.validate = () => false;
  try {
    const { createModel } = await import('../../js/index.js');
    await expect(createModel({ input: [2, 2, 1], layers: [{ type: 'flatten' }] }))
      .rejects.toThrow(/this runtime lacks WebAssembly SIMD.*Chrome 91\+, Firefox 89\+, Safari 16\.4\+/);
  } finally {
    WebAssembly.validate = validate;
  }
});
