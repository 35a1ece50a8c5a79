// protobuf.js — a small, bounds-checked reader for the parts of ONNX's protobuf schema
// (onnx.proto, IR version 3 and later) that js/import/onnx.js needs: ModelProto, GraphProto,
// NodeProto, AttributeProto, TensorProto, ValueInfoProto / TypeProto / TensorShapeProto and
// OperatorSetIdProto. Field numbers are those of onnx.proto (as compiled in the npm package
// onnx-proto 8.0.1). Every other field is skipped by its wire type.
//
// Why hand-written: size, and strictness. The importer reads ~45 fields of 12 messages, once.
// Measured (esbuild --minify, gzip -9): this file is 4.1 KiB; protobufjs 6.11's minimal
// runtime alone is 7.2 KiB, plus pbjs's decode functions for the same 12 messages (taken from
// onnx-proto 8.0.1's generated code) 1.5 KiB, 8.5 KiB together; onnx-proto as published
// (encode, decode, verify and JSON conversion of every ONNX message) with that runtime is
// 21.2 KiB. And a reader written for a model loader can be strict where a general one is not:
//
//   * every length is checked against the bytes that remain (of the file, and of the enclosing
//     message) before anything is sliced or allocated, so no input allocates more than a small
//     multiple of its own size; tensor data are views on the file's bytes until used;
//   * recursion is bounded by the schema: the reader follows only Model → Graph → Node →
//     Attribute → Tensor and Graph → ValueInfo → Type → Shape → Dimension; subgraphs
//     (attributes g / graphs, used by If/Loop/Scan) and every other nested type are skipped
//     without being parsed, so a hostile file cannot nest the reader deeply;
//   * counts of parsed messages are capped (nodes, initializers, attributes …; see LIMITS),
//     and a tensor's declared dims allocate nothing: its values are counted in the file first;
//   * errors are plain Errors with a message: "ONNX: truncated at byte N" when a length or a
//     varint runs past the end of the file, "not an ONNX model: …" for bytes that do not
//     parse as the schema (a wire type that does not fit the field, a length that runs past
//     its message, a malformed varint, protobuf groups). Nothing else is thrown.
//
// Numbers: varints are read as a (low, high) pair of 32-bit halves and returned as a JavaScript
// number (int64 two's complement: exact within ±2^53, which covers every dimension and index
// the importer accepts; larger values are rejected later, by their users).

export const LIMITS = Object.freeze({
  nodes: 100000, // nodes of the graph
  initializers: 100000,
  valueInfos: 10000, // graph inputs / outputs
  attributes: 1000, // per node
  ioNames: 10000, // inputs / outputs per node
  opsets: 1000,
  dims: 64, // rank of a tensor or a shape
  elements: 2 ** 28, // product of a tensor's dims
});

const decoder = new TextDecoder('utf-8', { fatal: false });

function notOnnx(message) {
  return new Error(`not an ONNX model: ${message}`);
}

function truncated(at) {
  return new Error(`ONNX: truncated at byte ${at}`);
}

// A reader over buf[pos, end): `end` is the end of the message being read (buf.length: the file's).
class Reader {
  constructor(buf, pos, end) {
    this.buf = buf;
    this.pos = pos;
    this.end = end;
  }

  varint() {
    const buf = this.buf;
    const start = this.pos;
    let p = start;
    let lo = 0;
    let hi = 0;
    for (let i = 0; i < 10; i++) {
      if (p >= this.end) throw p >= buf.length ? truncated(buf.length) : notOnnx(`a varint at byte ${start} runs past its message`);
      const b = buf[p++];
      if (i < 4) lo |= (b & 0x7f) << (7 * i);
      else if (i === 4) {
        lo |= (b & 0x0f) << 28;
        hi |= (b & 0x7f) >>> 4;
      } else hi |= (b & 0x7f) << (7 * i - 32);
      if (b < 0x80) {
        this.pos = p;
        return (hi | 0) * 4294967296 + (lo >>> 0);
      }
    }
    throw notOnnx(`malformed varint at byte ${start} (more than 10 bytes)`);
  }

  /** n bytes: [start, end) after checking they exist. */
  take(n, what) {
    const start = this.pos;
    if (start + n > this.end) {
      if (start + n > this.buf.length) throw truncated(this.buf.length);
      throw notOnnx(`${what} at byte ${start} (${n} bytes) runs past its message (which ends at byte ${this.end})`);
    }
    this.pos = start + n;
    return start;
  }

  /** A length-delimited field's range, as a sub-reader. */
  sub(what) {
    const at = this.pos;
    const n = this.varint();
    if (n < 0) throw notOnnx(`${what} at byte ${at} has a negative length`);
    if (n > this.end - this.pos) {
      if (this.pos + n > this.buf.length) throw truncated(this.buf.length);
      throw notOnnx(`${what} at byte ${at} claims ${n} bytes, more than its message holds (${this.end - this.pos})`);
    }
    const start = this.take(n, what);
    return new Reader(this.buf, start, start + n);
  }

  string(what) {
    const r = this.sub(what);
    return decoder.decode(this.buf.subarray(r.pos, r.end));
  }

  float() {
    const at = this.take(4, 'a float');
    return new DataView(this.buf.buffer, this.buf.byteOffset + at, 4).getFloat32(0, true);
  }

  double() {
    const at = this.take(8, 'a double');
    return new DataView(this.buf.buffer, this.buf.byteOffset + at, 8).getFloat64(0, true);
  }

  skip(wire, field, at) {
    if (wire === 0) this.varint();
    else if (wire === 1) this.take(8, 'a fixed64');
    else if (wire === 2) this.sub(`field ${field}`);
    else if (wire === 5) this.take(4, 'a fixed32');
    else throw notOnnx(`field ${field} at byte ${at} has wire type ${wire} (${wire === 3 || wire === 4 ? 'protobuf groups are not used by ONNX' : 'no such wire type'})`);
  }

  /**
   * Reads every field of the message: visit(field, wire, at) returns false for a field it
   * does not read (skipped by its wire type).
   */
  fields(visit) {
    while (this.pos < this.end) {
      const at = this.pos;
      const tag = this.varint();
      const field = Math.floor(tag / 8);
      const wire = tag % 8;
      if (field < 1 || field > 536870911) throw notOnnx(`field number ${field} at byte ${at}`);
      if (!visit(field, wire, at)) this.skip(wire, field, at);
    }
  }
}

function expect(wire, want, message, name, at) {
  if (wire !== want) throw notOnnx(`${message}.${name} at byte ${at} has wire type ${wire}, expected ${want}`);
}

function push(list, value, cap, what) {
  if (list.length >= cap) throw notOnnx(`more than ${cap} ${what}`);
  list.push(value);
}

/** A repeated varint field (packed, or one value per field). */
function varints(r, wire, list, message, name, at) {
  if (wire === 0) list.push(r.varint());
  else if (wire === 2) {
    const s = r.sub(`${message}.${name}`);
    while (s.pos < s.end) list.push(s.varint());
  } else throw notOnnx(`${message}.${name} at byte ${at} has wire type ${wire}`);
}

// ─── The messages ─────────────────────────────────────────────────────────────────────────

function readDim(r) {
  const d = { value: null, param: '' };
  r.fields((f, w, at) => {
    if (f === 1) { expect(w, 0, 'Dimension', 'dim_value', at); d.value = r.varint(); return true; }
    if (f === 2) { expect(w, 2, 'Dimension', 'dim_param', at); d.param = r.string('dim_param'); return true; }
    return false;
  });
  return d;
}

function readShape(r) {
  const dims = [];
  r.fields((f, w, at) => {
    if (f !== 1) return false;
    expect(w, 2, 'TensorShapeProto', 'dim', at);
    push(dims, readDim(r.sub('TensorShapeProto.dim')), LIMITS.dims, 'dims in a shape');
    return true;
  });
  return dims;
}

function readType(r) {
  let tensor = null;
  r.fields((f, w, at) => {
    if (f !== 1) return false; // sequence, map, optional, sparse types: skipped
    expect(w, 2, 'TypeProto', 'tensor_type', at);
    const t = { elemType: 0, shape: null };
    const s = r.sub('TypeProto.tensor_type');
    s.fields((g, v, at2) => {
      if (g === 1) { expect(v, 0, 'TypeProto.Tensor', 'elem_type', at2); t.elemType = s.varint(); return true; }
      if (g === 2) { expect(v, 2, 'TypeProto.Tensor', 'shape', at2); t.shape = readShape(s.sub('shape')); return true; }
      return false;
    });
    tensor = t;
    return true;
  });
  return tensor;
}

function readValueInfo(r) {
  const v = { name: '', type: null };
  r.fields((f, w, at) => {
    if (f === 1) { expect(w, 2, 'ValueInfoProto', 'name', at); v.name = r.string('ValueInfoProto.name'); return true; }
    if (f === 2) { expect(w, 2, 'ValueInfoProto', 'type', at); v.type = readType(r.sub('ValueInfoProto.type')); return true; }
    return false;
  });
  return v;
}

/**
 * A TensorProto. Its data stay where they are in the file: `parts` lists the ranges (and
 * single values) of each data field; tensorData() decodes them.
 */
function readTensor(r) {
  const t = { name: '', dims: [], dataType: 0, parts: [], external: false, segmented: false, bytes: r.buf, at: r.pos };
  r.fields((f, w, at) => {
    switch (f) {
      case 1: varints(r, w, t.dims, 'TensorProto', 'dims', at); if (t.dims.length > LIMITS.dims) throw notOnnx(`a tensor of rank ${t.dims.length}`); return true;
      case 2: expect(w, 0, 'TensorProto', 'data_type', at); t.dataType = r.varint(); return true;
      case 3: t.segmented = true; return false;
      case 8: expect(w, 2, 'TensorProto', 'name', at); t.name = r.string('TensorProto.name'); return true;
      case 13: t.external = true; return false;
      case 14: expect(w, 0, 'TensorProto', 'data_location', at); if (r.varint() === 1) t.external = true; return true;
      case 4: case 5: case 7: case 9: case 10: case 11: {
        if (f === 9) expect(w, 2, 'TensorProto', 'raw_data', at);
        if (t.parts.length >= 1 << 20) throw notOnnx('a tensor with over 2^20 data fields');
        if (w === 2) {
          const s = r.sub(`TensorProto field ${f}`);
          t.parts.push({ field: f, start: s.pos, end: s.end });
          return true;
        }
        // one value per field (unpacked): kept as numbers, consecutive ones in one part
        expect(w, f === 4 ? 5 : f === 10 ? 1 : 0, 'TensorProto', `field ${f}`, at);
        const v = f === 4 ? r.float() : f === 10 ? r.double() : r.varint();
        const last = t.parts[t.parts.length - 1];
        if (last && last.values && last.field === f) last.values.push(v);
        else t.parts.push({ field: f, values: [v] });
        return true;
      }
      default: return false;
    }
  });
  return t;
}

function readAttribute(r) {
  const a = { name: '', type: 0, f: undefined, i: undefined, s: undefined, t: undefined, floats: [], ints: [], strings: [], hasGraph: false, at: r.pos };
  r.fields((f, w, at) => {
    switch (f) {
      case 1: expect(w, 2, 'AttributeProto', 'name', at); a.name = r.string('AttributeProto.name'); return true;
      case 2: expect(w, 5, 'AttributeProto', 'f', at); a.f = r.float(); return true;
      case 3: expect(w, 0, 'AttributeProto', 'i', at); a.i = r.varint(); return true;
      case 4: expect(w, 2, 'AttributeProto', 's', at); a.s = r.string('AttributeProto.s'); return true;
      case 5: expect(w, 2, 'AttributeProto', 't', at); a.t = readTensor(r.sub('AttributeProto.t')); return true;
      case 6: case 11: a.hasGraph = true; return false; // subgraphs: skipped, never parsed
      case 7:
        if (w === 5) a.floats.push(r.float());
        else {
          expect(w, 2, 'AttributeProto', 'floats', at);
          const s = r.sub('AttributeProto.floats');
          if ((s.end - s.pos) % 4) throw notOnnx(`AttributeProto.floats at byte ${at}: ${s.end - s.pos} bytes, not a multiple of 4`);
          while (s.pos < s.end) a.floats.push(s.float());
        }
        return true;
      case 8: varints(r, w, a.ints, 'AttributeProto', 'ints', at); return true;
      case 9: expect(w, 2, 'AttributeProto', 'strings', at); push(a.strings, r.string('AttributeProto.strings'), LIMITS.ioNames, 'strings in an attribute'); return true;
      case 20: expect(w, 0, 'AttributeProto', 'type', at); a.type = r.varint(); return true;
      default: return false;
    }
  });
  return a;
}

function readNode(r) {
  const n = { name: '', opType: '', domain: '', inputs: [], outputs: [], attrs: new Map(), at: r.pos };
  r.fields((f, w, at) => {
    switch (f) {
      case 1: expect(w, 2, 'NodeProto', 'input', at); push(n.inputs, r.string('NodeProto.input'), LIMITS.ioNames, 'inputs of a node'); return true;
      case 2: expect(w, 2, 'NodeProto', 'output', at); push(n.outputs, r.string('NodeProto.output'), LIMITS.ioNames, 'outputs of a node'); return true;
      case 3: expect(w, 2, 'NodeProto', 'name', at); n.name = r.string('NodeProto.name'); return true;
      case 4: expect(w, 2, 'NodeProto', 'op_type', at); n.opType = r.string('NodeProto.op_type'); return true;
      case 7: expect(w, 2, 'NodeProto', 'domain', at); n.domain = r.string('NodeProto.domain'); return true;
      case 5: {
        expect(w, 2, 'NodeProto', 'attribute', at);
        if (n.attrs.size >= LIMITS.attributes) throw notOnnx(`a node with over ${LIMITS.attributes} attributes`);
        const a = readAttribute(r.sub('NodeProto.attribute'));
        n.attrs.set(a.name, a);
        return true;
      }
      default: return false;
    }
  });
  return n;
}

function readGraph(r) {
  const g = { name: '', nodes: [], initializers: [], inputs: [], outputs: [], sparse: 0 };
  r.fields((f, w, at) => {
    switch (f) {
      case 1: expect(w, 2, 'GraphProto', 'node', at); push(g.nodes, readNode(r.sub('GraphProto.node')), LIMITS.nodes, 'nodes'); return true;
      case 2: expect(w, 2, 'GraphProto', 'name', at); g.name = r.string('GraphProto.name'); return true;
      case 5: expect(w, 2, 'GraphProto', 'initializer', at); push(g.initializers, readTensor(r.sub('GraphProto.initializer')), LIMITS.initializers, 'initializers'); return true;
      case 11: expect(w, 2, 'GraphProto', 'input', at); push(g.inputs, readValueInfo(r.sub('GraphProto.input')), LIMITS.valueInfos, 'graph inputs'); return true;
      case 12: expect(w, 2, 'GraphProto', 'output', at); push(g.outputs, readValueInfo(r.sub('GraphProto.output')), LIMITS.valueInfos, 'graph outputs'); return true;
      case 15: g.sparse++; return false;
      default: return false;
    }
  });
  return g;
}

/**
 * Decodes an ONNX ModelProto: { irVersion, producerName, producerVersion, opsets: [{ domain,
 * version }], graph: { name, nodes, initializers, inputs, outputs, sparse } }.
 */
export function decodeModel(bytes) {
  if (!(bytes instanceof Uint8Array)) throw new Error('not an ONNX model: expected a Uint8Array');
  if (bytes.length === 0) throw notOnnx('no bytes');
  const m = { irVersion: null, producerName: '', producerVersion: '', opsets: [], graph: null };
  const r = new Reader(bytes, 0, bytes.length);
  r.fields((f, w, at) => {
    switch (f) {
      case 1: expect(w, 0, 'ModelProto', 'ir_version', at); m.irVersion = r.varint(); return true;
      case 2: expect(w, 2, 'ModelProto', 'producer_name', at); m.producerName = r.string('ModelProto.producer_name'); return true;
      case 3: expect(w, 2, 'ModelProto', 'producer_version', at); m.producerVersion = r.string('ModelProto.producer_version'); return true;
      case 7: expect(w, 2, 'ModelProto', 'graph', at); m.graph = readGraph(r.sub('ModelProto.graph')); return true;
      case 8: {
        expect(w, 2, 'ModelProto', 'opset_import', at);
        const s = r.sub('ModelProto.opset_import');
        const o = { domain: '', version: 0 };
        s.fields((g, v, at2) => {
          if (g === 1) { expect(v, 2, 'OperatorSetIdProto', 'domain', at2); o.domain = s.string('domain'); return true; }
          if (g === 2) { expect(v, 0, 'OperatorSetIdProto', 'version', at2); o.version = s.varint(); return true; }
          return false;
        });
        push(m.opsets, o, LIMITS.opsets, 'opset imports');
        return true;
      }
      default: return false;
    }
  });
  return m;
}

// ─── Tensor data ──────────────────────────────────────────────────────────────────────────

export const DATA_TYPES = Object.freeze({ 1: 'float32', 2: 'uint8', 3: 'int8', 4: 'uint16', 5: 'int16', 6: 'int32', 7: 'int64', 8: 'string', 9: 'bool', 10: 'float16', 11: 'float64', 12: 'uint32', 13: 'uint64', 16: 'bfloat16' });

function half(bits) {
  const s = bits & 0x8000 ? -1 : 1;
  const e = (bits >> 10) & 0x1f;
  const m = bits & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/** Values (float32, float16, bfloat16, float64: 'float'; integer types and bool: 'int'). */
const KINDS = { 1: ['float', 4], 10: ['float', 2], 16: ['float', 2], 11: ['float', 8], 2: ['int', 1], 3: ['int', 1], 4: ['int', 2], 5: ['int', 2], 6: ['int', 4], 7: ['int', 8], 9: ['int', 1], 12: ['int', 4], 13: ['int', 8] };

/** The number of elements of dims, checked: every dim an integer ≥ 0, the product ≤ LIMITS.elements. */
export function elementCount(dims, what) {
  let n = 1;
  for (const d of dims) {
    if (!Number.isSafeInteger(d) || d < 0) throw new Error(`${what}: dimension ${d} in (${dims.join(', ')})`);
    n *= d;
    if (n > LIMITS.elements) throw new Error(`${what}: (${dims.join(', ')}) has over 2^28 elements`);
  }
  return n;
}

/**
 * A tensor's values: { kind: 'float', data: Float32Array } or { kind: 'int', data: number[] }
 * (int64 as numbers, exact within ±2^53). Throws for external data, strings, unknown types
 * and data whose length does not match the dims.
 */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

export function tensorData(t, what) {
  if (t.external) throw new Error(`${what}: the data are stored outside the .onnx file (external data), which this importer does not read; save the model with its weights inside`);
  if (t.segmented) throw new Error(`${what}: a segmented tensor (TensorProto.segment) is not supported`);
  const kind = KINDS[t.dataType];
  if (!kind) throw new Error(`${what}: data type ${DATA_TYPES[t.dataType] ?? t.dataType} is not supported (float32, float16, bfloat16, float64 and integers are)`);
  const n = elementCount(t.dims, what);
  const [k, size] = kind;
  const raw = t.parts.filter((p) => p.field === 9);
  const typed = t.parts.filter((p) => p.field !== 9);
  if (raw.length && typed.length) throw new Error(`${what}: both raw_data and typed data fields`);
  const fail = (count) => new Error(`${what}: ${count} values for dims (${t.dims.join(', ')}) = ${n}`);
  // the values present are counted before anything is allocated: dims alone allocate nothing
  const want = { 1: 4, 11: 10, 7: 7, 13: 11, 12: 11 }[t.dataType] ?? 5;
  let present = 0;
  for (const p of raw.length ? [raw[raw.length - 1]] : typed) {
    if (p.field !== 9 && p.field !== want) throw new Error(`${what}: ${DATA_TYPES[t.dataType]} data in TensorProto field ${p.field}`);
    if (p.values) present += p.values.length;
    else if (p.field === 9) present += (p.end - p.start) / size;
    else if (p.field === 4 || p.field === 10) present += (p.end - p.start) / (p.field === 4 ? 4 : 8);
    else for (let i = p.start; i < p.end; i++) if (t.bytes[i] < 0x80) present++;
  }
  if (present !== n) throw fail(raw.length ? `raw_data of ${raw[raw.length - 1].end - raw[raw.length - 1].start} bytes (${size} per value) holds ${present}` : present);
  const out = k === 'float' ? new Float32Array(n) : new Array(n).fill(0);
  if (raw.length) {
    // the last raw_data wins (protobuf's rule for a repeated scalar field)
    const p = raw[raw.length - 1];
    const bytes = p.end - p.start;
    const base = t.bytes;
    if (t.dataType === 1 && LITTLE_ENDIAN) {
      // float32, the weights of nearly every model: one copy of the bytes (aligned by it)
      return { kind: k, data: new Float32Array(Uint8Array.prototype.slice.call(base, p.start, p.start + n * 4).buffer) };
    }
    const dv = new DataView(base.buffer, base.byteOffset + p.start, bytes);
    for (let i = 0; i < n; i++) {
      const o = i * size;
      switch (t.dataType) {
        case 1: out[i] = dv.getFloat32(o, true); break;
        case 10: out[i] = half(dv.getUint16(o, true)); break;
        case 16: out[i] = new Float32Array(new Uint32Array([dv.getUint16(o, true) << 16]).buffer)[0]; break;
        case 11: out[i] = dv.getFloat64(o, true); break;
        case 2: case 9: out[i] = dv.getUint8(o); break;
        case 3: out[i] = dv.getInt8(o); break;
        case 4: out[i] = dv.getUint16(o, true); break;
        case 5: out[i] = dv.getInt16(o, true); break;
        case 6: out[i] = dv.getInt32(o, true); break;
        case 12: out[i] = dv.getUint32(o, true); break;
        default: out[i] = dv.getInt32(o + 4, true) * 4294967296 + dv.getUint32(o, true); break; // int64, uint64
      }
    }
    return { kind: k, data: out };
  }
  // typed fields: float_data (4) for float32; int32_data (5) for int32 and the smaller types,
  // float16 and bfloat16 (bits); int64_data (7); double_data (10); uint64_data (11)
  let count = 0;
  const base = t.bytes;
  const put = (v) => {
    if (count >= n) throw fail('more than that');
    if (t.dataType === 10) v = half(v & 0xffff);
    else if (t.dataType === 16) v = new Float32Array(new Uint32Array([(v & 0xffff) << 16]).buffer)[0];
    out[count++] = v;
  };
  for (const p of typed) {
    const fix = (v) => (p.field === 5 ? v | 0 : p.field === 11 && v < 0 ? v + 18446744073709551616 : v); // int32_data: sign-extended varints
    if (p.values) {
      for (const v of p.values) put(fix(v));
    } else if (p.field === 4 || p.field === 10) {
      const w = p.field === 4 ? 4 : 8;
      const len = p.end - p.start;
      if (len % w) throw new Error(`${what}: packed data of ${len} bytes, not a multiple of ${w}`);
      if (len / w > n - count) throw fail('more than that');
      const dv = new DataView(base.buffer, base.byteOffset + p.start, len);
      for (let o = 0; o < len; o += w) put(w === 4 ? dv.getFloat32(o, true) : dv.getFloat64(o, true));
    } else {
      const r = new Reader(base, p.start, p.end);
      while (r.pos < r.end) put(fix(r.varint()));
    }
  }
  if (count !== n) throw fail(count);
  return { kind: k, data: out };
}

// ─── The sniff ────────────────────────────────────────────────────────────────────────────

const MODEL_FIELDS = { 1: 0, 2: 2, 3: 2, 4: 2, 5: 0, 6: 2, 7: 2, 8: 2, 14: 2, 20: 2, 25: 2 };

/**
 * Whether these bytes look like an ONNX ModelProto: the first fields (up to 4) are ModelProto
 * fields with their wire types and lengths inside the bytes, and one of them is ir_version
 * (a small number), graph or opset_import. Cheap: reads at most a few dozen bytes.
 */
export function looksLikeOnnx(bytes) {
  if (!(bytes instanceof Uint8Array) || bytes.length < 2) return false;
  try {
    const r = new Reader(bytes, 0, bytes.length);
    let seen = false;
    for (let k = 0; k < 4 && r.pos < r.end; k++) {
      const tag = r.varint();
      const field = Math.floor(tag / 8);
      const wire = tag % 8;
      if (MODEL_FIELDS[field] !== wire) return false;
      if (field === 1) {
        const v = r.varint();
        if (v < 1 || v > 100) return false;
        seen = true;
      } else if (wire === 0) r.varint();
      else {
        const n = r.varint();
        if (n > r.end - r.pos) return false;
        if (field === 7 || field === 8) seen = true;
        r.pos += n;
        if (field === 2 && n > 0 && bytes[r.pos - n] < 0x20) return false; // producer_name is text
      }
    }
    return seen;
  } catch {
    return false;
  }
}
