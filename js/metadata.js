// metadata.js — model metadata as a JavaScript object ⇄ the META section bytes
// (docs/model-format.md): a count, then (key length, key, value length, value) per entry,
// UTF-8, little-endian lengths. `labels` is an array of strings, stored one per line.

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: false });

// Keys the package writes itself.
const RESERVED = new Set(['layer_names']);

/** Metadata object → META bytes. `internal` allows the reserved keys (used by the package). */
export function encodeMetadata(meta, internal = false) {
  if (meta === undefined || meta === null) return new Uint8Array(0);
  if (typeof meta !== 'object' || Array.isArray(meta)) {
    throw new Error(`metadata must be an object like { name, labels, description }, got ${Array.isArray(meta) ? 'an array' : typeof meta}`);
  }
  const entries = [];
  for (const [key, value] of Object.entries(meta)) {
    if (value === undefined) continue;
    if (RESERVED.has(key) && !internal) {
      throw new Error(`metadata key '${key}' is reserved: name layers with the layer option 'name'`);
    }
    let text;
    if (key === 'labels') {
      if (!Array.isArray(value) || value.some((v) => typeof v !== 'string' || v.includes('\n'))) {
        throw new Error('metadata.labels must be an array of strings without line breaks');
      }
      text = value.join('\n');
    } else if (typeof value === 'string') {
      text = value;
    } else {
      throw new Error(`metadata.${key} must be a string, got ${typeof value}`);
    }
    const k = encoder.encode(key);
    if (k.length === 0 || k.length > 255) throw new Error(`metadata key '${key}' must be 1 to 255 bytes`);
    const v = encoder.encode(text);
    if (v.length > 1 << 24) throw new Error(`metadata.${key} is ${v.length} bytes, over the 16 MiB limit`);
    entries.push(k, v);
  }
  if (entries.length === 0) return new Uint8Array(0);
  if (entries.length / 2 > 1024) throw new Error(`metadata has ${entries.length / 2} keys, over the limit 1024`);
  const size = 4 + entries.reduce((a, b) => a + 4 + b.length, 0);
  const out = new Uint8Array(size);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, entries.length / 2, true);
  let at = 4;
  for (const bytes of entries) {
    dv.setUint32(at, bytes.length, true);
    out.set(bytes, at + 4);
    at += 4 + bytes.length;
  }
  return out;
}

/** The engine has validated the bytes (cnn_metadata_check). */
export function decodeMetadata(bytes) {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = dv.getUint32(0, true);
  const meta = {};
  let at = 4;
  for (let i = 0; i < count; i++) {
    const parts = [];
    for (let j = 0; j < 2; j++) {
      const n = dv.getUint32(at, true);
      parts.push(decoder.decode(bytes.subarray(at + 4, at + 4 + n)));
      at += 4 + n;
    }
    const [key, value] = parts;
    meta[key] = key === 'labels' ? (value === '' ? [] : value.split('\n')) : value;
  }
  return meta;
}
