// source.js — where model bytes come from: typed arrays, a Response, a URL (fetched) or, in
// Node, a path or file: URL; and how to read a file beside it (a TF.js model's weight shards,
// relative to model.json). An HTML page or an HTTP error is reported as such.

export function isNode() {
  return typeof process === 'object' && process !== null && !!process.versions?.node && typeof window === 'undefined';
}

export function looksLikeHtml(bytes) {
  let i = 0;
  while (i < bytes.length && i < 64 && (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09 || bytes[i] === 0xef || bytes[i] === 0xbb || bytes[i] === 0xbf)) i++;
  return bytes[i] === 0x3c; // '<'
}

async function bytesFromResponse(response, where) {
  if (!response.ok) {
    throw new Error(`${where}: HTTP ${response.status} ${response.statusText || ''}`.trimEnd() + (response.url ? ` for ${response.url}` : ''));
  }
  const type = response.headers?.get?.('content-type') || '';
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (/text\/html/i.test(type) || looksLikeHtml(bytes)) {
    throw new Error(
      `${where}: the server sent an HTML page (${type || 'starts with <'}), not a model — is the URL right, and does the server serve the file?`,
    );
  }
  return bytes;
}

/** Node's fs, reached so that no bundler sees (or warns about) a Node built-in: Node ≥ 20.16
 * hands it over directly; older Node imports it by a name built at run time. */
async function nodeReadFile() {
  const fs = process.getBuiltinModule?.('node:fs/promises') ??
    await import(/* webpackIgnore: true */ /* @vite-ignore */ ['node:fs', 'promises'].join('/'));
  return fs.readFile;
}

/** Reads a path or URL (string or URL object): { bytes, sibling(relativePath) → bytes }. */
async function readLocation(text, isUrl, caller) {
  const where = `${caller}(${text})`;
  const protocol = /^([a-z][a-z0-9+.-]*):/i.exec(text)?.[1]?.toLowerCase();
  if (isNode() && (protocol === 'file' || !protocol || protocol.length === 1 /* C:\ */)) {
    const readFile = await nodeReadFile();
    const read = async (path, what) => {
      try {
        return new Uint8Array(await readFile(path));
      } catch (err) {
        throw new Error(`${where}: cannot read ${what}: ${err.message}`);
      }
    };
    const bytes = await read(protocol === 'file' ? new URL(text) : text, 'the file');
    // beside it: a file: URL resolves as a URL; a path by its directory
    const cut = Math.max(text.lastIndexOf('/'), text.lastIndexOf('\\'));
    const sibling = (rel) => read(protocol === 'file' ? new URL(rel, text) : text.slice(0, cut + 1) + rel, `'${rel}' beside it`);
    return { bytes, where, sibling };
  }
  if (typeof fetch !== 'function') throw new Error(`${where}: this runtime has no fetch()`);
  const get = async (url, what) => {
    let response;
    try {
      response = await fetch(url);
    } catch (err) {
      throw new Error(`${where}: fetch of ${what} failed: ${err.message}`);
    }
    return bytesFromResponse(response, `${where}: ${what}`);
  };
  const bytes = await get(text, 'the model');
  const base = typeof location === 'object' && location?.href ? new URL(text, location.href) : (isUrl || protocol ? new URL(text) : null);
  const sibling = (rel) => get(base ? new URL(rel, base).href : rel, `'${rel}'`);
  return { bytes, where, sibling };
}

/**
 * The bytes of a model source, a name for messages, and (for paths and URLs) a reader of
 * files beside it; sibling is null for bytes and Responses. caller names the public function
 * in messages about paths and URLs.
 */
export async function readSource(source, caller = 'loadModel') {
  if (source instanceof Uint8Array) return { bytes: source, where: 'loadModel', sibling: null };
  if (source instanceof ArrayBuffer) return { bytes: new Uint8Array(source), where: 'loadModel', sibling: null };
  if (ArrayBuffer.isView(source)) {
    return { bytes: new Uint8Array(source.buffer, source.byteOffset, source.byteLength), where: 'loadModel', sibling: null };
  }
  if (source && typeof source === 'object' && typeof source.arrayBuffer === 'function' && 'ok' in source) {
    const bytes = await bytesFromResponse(source, 'loadModel');
    const sibling = source.url && typeof fetch === 'function'
      ? async (rel) => bytesFromResponse(await fetch(new URL(rel, source.url).href), `loadModel: '${rel}'`) : null;
    return { bytes, where: 'loadModel', sibling };
  }
  const isUrl = typeof URL === 'function' && source instanceof URL;
  if (typeof source !== 'string' && !isUrl) {
    throw new Error(`loadModel: source must be a Uint8Array, ArrayBuffer, Response, URL, string or { modelJson, weights }, got ${source === null ? 'null' : typeof source}`);
  }
  return readLocation(String(source), isUrl, caller);
}
