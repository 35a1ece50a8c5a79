// explain-view.js — renders an explanation (explain.js) as the lecture writes it: the window x
// of the layer's input, the filter w, the products, z = wᵀx + b, a = f(z); for pooling the
// window and its max or mean; for batchnorm, dense, softmax and merges their formulas with the
// numbers in. The result element carries the computed value (data-value) beside the map's.

const el = (tag, props = {}, ...children) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'className') e.className = v;
    else if (k === 'text') e.textContent = v;
    else if (k.startsWith('data-')) e.setAttribute(k, v);
    else e[k] = v;
  }
  e.append(...children.filter((c) => c !== null && c !== undefined));
  return e;
};

/** A number as the panel shows it: 4 significant figures, no exponent for ordinary values. */
export const num = (v) => {
  if (v === null || v === undefined) return '';
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-4) return v.toExponential(2);
  return Number(v.toPrecision(4)).toString();
};
const short = (v) => (v === 0 ? '0' : Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2));

/** Rows of (label, value) steps in a two-column grid. */
function steps(rows) {
  const box = el('div', { className: 'steps' });
  for (const [k, v, cls] of rows) box.append(el('span', { className: 'k', text: k }), el('span', { className: cls ?? '', text: v }));
  return box;
}

/** A kh × kw table of cells; cell(t) → { text, cls }. */
function grid(kh, kw, cells, caption) {
  const table = el('table', { className: 'cells' });
  for (let ky = 0; ky < kh; ky++) {
    const tr = el('tr');
    for (let kx = 0; kx < kw; kx++) {
      const { text, cls, title } = cells(ky, kx);
      tr.append(el('td', { className: cls ?? '', text, title: title ?? '' }));
    }
    table.append(tr);
  }
  return el('figure', {}, el('div', { className: 'scroll-x' }, table), el('figcaption', { text: caption }));
}

const where = (ex) => {
  const [, , OC] = ex.layer.outputShape.length === 3 ? ex.layer.outputShape : [1, 1, ex.layer.outputShape[0]];
  const { y, x, c } = ex.cell;
  return ex.layer.outputShape.length === 3 ? `row ${y}, column ${x}, channel ${c + 1} of ${OC}` : `element ${c} of ${OC}`;
};

/** The activation step: a = f(z) (softmax: its table). */
function activationRows(ex, labels) {
  if (ex.act === 'linear') return { rows: [['a = z', num(ex.a)]], extra: null };
  if (ex.act === 'softmax') {
    const s = ex.softmax;
    const table = el('table', { className: 'list' }, el('tr', {}, el('th', { text: 'j' }), el('th', { text: 'z_j' }), el('th', { text: 'e^(z_j − max)' }), el('th', { text: 'p_j' })));
    const order = s.z.map((_, j) => j);
    const shown = order.length <= 12 ? order : [...order].sort((a, b) => s.z[b] - s.z[a]).slice(0, 12).sort((a, b) => a - b);
    if (!shown.includes(s.at)) shown.push(s.at);
    for (const j of shown) {
      table.append(el('tr', { className: j === s.at ? 'me' : '' }, el('td', { text: labels?.[j] ?? String(j) }), el('td', { text: num(s.z[j]) }), el('td', { text: num(s.exp[j]) }), el('td', { text: num(s.exp[j] / s.sum) })));
    }
    return {
      rows: [['softmax', `p_j = e^(z_j − max z) / Σ_k e^(z_k − max z), max z = ${num(s.max)}, Σ = ${num(s.sum)}`],
        ['a', `${num(s.exp[s.at])} / ${num(s.sum)} = ${num(ex.a)}`]],
      extra: el('div', {}, table, shown.length < s.z.length ? el('p', { className: 'note', text: `the ${shown.length} largest of ${s.z.length} shown` }) : null),
    };
  }
  const f = { relu: 'max(0, z)', relu6: 'min(6, max(0, z))', leakyrelu: 'z > 0 ? z : α·z', sigmoid: '1 / (1 + e^−z)', tanh: 'tanh z' }[ex.act];
  return { rows: [[`a = ${ex.name}(z)`, `${f ? `${f} = ` : ''}${num(ex.a)}`]], extra: null };
}

/** The conv/depthwise window: per input channel (the 3 that contribute most), x, w and x·w grids. */
function convBody(ex) {
  const { kh, kw, sh, sw, dh, dw } = ex.win;
  const from = ex.sources[0].name === 'input' ? 'the input' : ex.sources[0].name;
  const parts = [];
  const kind = ex.kind === 'depthwiseconv2d' ? 'depthwise: one input channel per filter' : ex.p < (ex.sources[0].shape[2] ?? 1) ? 'a group of the input channels' : 'all input channels';
  parts.push(el('p', { className: 'formula', text: `z = wᵀx + b over a ${kh}×${kw}×${ex.p} window of ${from} (${kind}); stride ${sh}×${sw}${dh > 1 || dw > 1 ? `, dilation ${dh}×${dw}` : ''}, window rows ${ex.win.y0}…${ex.win.y1}, columns ${ex.win.x0}…${ex.win.x1}` }));
  const chans = [...ex.perChannel].sort((a, b) => Math.abs(b.sum) - Math.abs(a.sum));
  const shown = chans.slice(0, 3).sort((a, b) => a.channel - b.channel);
  for (const ch of shown) {
    const t = (ky, kx) => ch.terms[ky * kw + kx];
    parts.push(el('div', { className: 'chan', text: `input channel ${ch.channel + 1}: Σ x·w = ${num(ch.sum)}` }));
    parts.push(el('div', { className: 'grids' },
      grid(kh, kw, (ky, kx) => (t(ky, kx).pad ? { text: '0', cls: 'pad', title: `padding (row ${t(ky, kx).iy}, column ${t(ky, kx).ix})` } : { text: short(t(ky, kx).x), title: `x at row ${t(ky, kx).iy}, column ${t(ky, kx).ix}: ${t(ky, kx).x}` }), 'x (window; italic 0: padding)'),
      grid(kh, kw, (ky, kx) => ({ text: short(t(ky, kx).w), title: String(t(ky, kx).w) }), 'w (filter)'),
      grid(kh, kw, (ky, kx) => ({ text: short(t(ky, kx).product), cls: t(ky, kx).pad ? 'pad' : '', title: String(t(ky, kx).product) }), 'x·w')));
  }
  if (chans.length > shown.length) {
    const rest = chans.filter((c) => !shown.includes(c));
    const list = rest.sort((a, b) => a.channel - b.channel).slice(0, 24).map((c) => `ch ${c.channel + 1}: ${num(c.sum)}`).join(' · ');
    parts.push(el('p', { className: 'note', text: `The other ${rest.length} input channels (largest |Σ| shown above): ${list}${rest.length > 24 ? ' …' : ''}` }));
  }
  return parts;
}

/** The panel's content for an explanation. `labels`: class names for the output layer. */
export function renderExplanation(box, ex, { labels = null } = {}) {
  const title = el('h3', { text: `${ex.layer.name} (${ex.kind}${ex.layer.activation && ex.layer.activation !== 'linear' && ex.kind !== 'activation' ? ` + ${ex.layer.activation}` : ''}) · ${where(ex)}` });
  const body = [title];
  let rows = [];
  switch (ex.kind) {
    case 'conv2d':
    case 'depthwiseconv2d':
      body.push(...convBody(ex));
      rows = [['Σ x·w', `${num(ex.sum)} (${ex.perChannel.length * ex.win.kh * ex.win.kw} products)`], ['b', ex.bias === null ? 'none (useBias: false)' : num(ex.bias)], ['z = Σ + b', num(ex.z)]];
      break;
    case 'maxpool2d':
    case 'avgpool2d': {
      const { kh, kw } = ex.win;
      const t = (ky, kx) => ex.terms[ky * kw + kx];
      body.push(el('p', { className: 'formula', text: `${ex.kind === 'maxpool2d' ? 'the largest' : 'the mean'} of the ${kh}×${kw} window of ${ex.sources[0].name}, channel ${ex.cell.c + 1}; rows ${ex.win.y0}…${ex.win.y1}, columns ${ex.win.x0}…${ex.win.x1}` }));
      body.push(el('div', { className: 'grids' }, grid(kh, kw, (ky, kx) => (t(ky, kx).pad ? { text: '–', cls: 'pad', title: 'padding: not part of the window' } : { text: short(t(ky, kx).x), cls: ex.best === t(ky, kx) ? 'best' : '' }), 'x (window)')));
      rows = ex.kind === 'maxpool2d' ? [['z = max', `${num(ex.z)} at row ${ex.best.iy}, column ${ex.best.ix}`]]
        : [['Σ x', num(ex.sum)], ['÷', `${ex.divisor} cells${ex.layer.countIncludePad ? ' (padding counted)' : ''}`], ['z = Σ ÷ n', num(ex.z)]];
      break;
    }
    case 'globalavgpool2d':
    case 'globalmaxpool2d':
      body.push(el('p', { className: 'formula', text: `over all ${ex.count} cells of ${ex.sources[0].name}, channel ${ex.cell.c + 1}` }));
      rows = ex.kind === 'globalmaxpool2d' ? [['z = max', `${num(ex.z)} at row ${ex.best.iy}, column ${ex.best.ix}`]] : [['Σ x', num(ex.sum)], ['z = Σ ÷ n', `${num(ex.sum)} ÷ ${ex.count} = ${num(ex.z)}`]];
      break;
    case 'dense': {
      body.push(el('p', { className: 'formula', text: `z = wᵀx + b over the ${ex.n} values of ${ex.sources[0].name}; the largest contributions w_i·x_i:` }));
      const table = el('table', { className: 'list' }, el('tr', {}, el('th', { text: 'i' }), el('th', { text: 'x_i' }), el('th', { text: 'w_i' }), el('th', { text: 'w_i·x_i' })));
      for (const t of ex.top) table.append(el('tr', {}, el('td', { text: String(t.i) }), el('td', { text: num(t.x) }), el('td', { text: num(t.w) }), el('td', { text: num(t.product) })));
      body.push(table);
      rows = [['the other terms', `${num(ex.rest)} (${ex.n - ex.top.length} terms, ${ex.zeros} with x_i = 0)`], ['Σ w·x', num(ex.sum)], ['b', ex.bias === null ? 'none' : num(ex.bias)], ['z = Σ + b', num(ex.z)]];
      break;
    }
    case 'batchnorm':
      body.push(el('p', { className: 'formula', text: 'z = γ·(x − μ) / √(σ² + ε) + β, with the moving mean μ and variance σ² learnt in training' }));
      rows = [['x', num(ex.x)], ['μ, σ², ε', `${num(ex.mean)}, ${num(ex.variance)}, ${num(ex.eps)}`], ['γ, β', `${num(ex.gamma)}, ${num(ex.beta)}`],
        ['z', `${num(ex.gamma)}·(${num(ex.x)} − ${num(ex.mean)}) / √(${num(ex.variance)} + ${num(ex.eps)}) + ${num(ex.beta)} = ${num(ex.z)}`]];
      break;
    case 'add':
    case 'multiply':
      body.push(el('p', { className: 'formula', text: `the ${ex.kind === 'add' ? 'sum' : 'product'} of the same cell of each input` }));
      rows = ex.terms.map((t) => [t.name, `${num(t.x)}${t.broadcast ? ` (a vector: its element ${ex.cell.c})` : ''}`]);
      rows.push([`z = ${ex.kind === 'add' ? 'Σ' : 'Π'}`, num(ex.z)]);
      break;
    case 'concat':
      rows = [['from', `${ex.sources[ex.from].name}, channel ${ex.channel + 1} (channels ${ex.offset + 1}… of the output are its)`], ['z', num(ex.z)]];
      break;
    case 'flatten':
      rows = [['from', `${ex.sources[0].name} at row ${ex.iy}, column ${ex.ix}, channel ${ex.ic + 1} (element ${ex.cell.c} in row-major H·W·C order)`], ['z', num(ex.z)]];
      break;
    case 'zeropad2d':
      rows = [['from', ex.pad ? 'padding: 0' : `${ex.sources[0].name} at row ${ex.iy}, column ${ex.ix}`], ['z', num(ex.z)]];
      break;
    case 'dropout':
      rows = [['z = x', `${num(ex.z)} (dropout only acts in training)`]];
      break;
    default:
      rows = [['z = x', num(ex.z)]];
  }
  const act = activationRows(ex, labels);
  rows.push(...act.rows);
  // the sum, bias, z and a first (what the cell is), then the window's detail
  const out = body.slice(0, 2);
  out.push(steps(rows));
  const same = Math.abs(ex.a - ex.value) <= 1e-5 * Math.max(1, Math.abs(ex.value));
  out.push(el('p', {},
    el('span', { text: 'result: ' }),
    el('output', { className: 'result', text: num(ex.a), 'data-testid': 'explain-result', 'data-value': String(ex.a) }),
    el('span', { className: same ? 'check' : 'check off', text: same ? `  = the map's cell (${num(ex.value)}) ✓` : `  ≠ the map's cell ${num(ex.value)}` })));
  if (ex.receptive) {
    const r = ex.receptive;
    out.push(el('p', { className: 'note', text: `Receptive field on the model's input: rows ${r.y0}…${r.y1}, columns ${r.x0}…${r.x1} (${r.y1 - r.y0 + 1} × ${r.x1 - r.x0 + 1}), dashed on the input; the window it reads is boxed on ${ex.sources.map((x) => x.name).join(', ')}.` }));
  }
  out.push(...body.slice(2));
  if (act.extra) out.push(act.extra);
  box.replaceChildren(...out);
}
