// digits.js — the bytes of the digit model wasm-cnn ships, models/digits.wcnn, read from the
// package itself; not the model (index.js's loadDigitModel builds a fresh one from them on
// every call).
//
// The file is found with new URL('../models/digits.wcnn', import.meta.url): the same path from
// js/ (the sources) and from dist/ (the built entry points), both one level below the package
// root. That exact expression — a literal path, import.meta.url — is what bundlers recognise
// (Vite in build and dev, webpack 5, Parcel): they emit the file as an asset and rewrite the
// URL, so apps need no configuration. Node reads it from disk (a file: URL); browsers and
// workers fetch it; an app served from a CDN fetches it beside the entry point. The binary
// file replaced a base64 copy in JavaScript (a third larger, and parsed as code): a bundler
// that leaves the file behind (esbuild, Rollup without a plugin) gets an error saying where
// the file was looked for and what to do, never a silent failure.

import { readSource } from './source.js';

let bytesPromise = null;

/** The file's bytes, read once per page, worker or process (a failed read is retried). */
export function digitModelBytes() {
  if (!bytesPromise) {
    bytesPromise = readDigitModel();
    bytesPromise.catch(() => {
      bytesPromise = null; // a later call tries again (the file may be served by then)
    });
  }
  return bytesPromise;
}

async function readDigitModel() {
  const url = new URL('../models/digits.wcnn', import.meta.url);
  try {
    return (await readSource(url, 'loadDigitModel')).bytes;
  } catch (err) {
    throw new Error(`${err.message} — the package's models/digits.wcnn is not beside the code that loads it. ` +
      'Bundlers that emit files named by new URL(…, import.meta.url) (Vite, webpack 5, Parcel) copy it themselves; ' +
      'others (esbuild, Rollup without a plugin) leave it behind: serve node_modules/wasm-cnn/models/digits.wcnn at ' +
      `${url.href}, or load it with loadModel(its URL or bytes)`);
  }
}
