// bench/stats.js — small statistics and formatting helpers of the benchmarks.

export const median = (xs) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Nearest-rank quantile (p in [0, 1]). */
export const quantile = (xs, p) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return NaN;
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))];
};

export const min = (xs) => Math.min(...xs.filter((x) => Number.isFinite(x)));
export const max = (xs) => Math.max(...xs.filter((x) => Number.isFinite(x)));

/** 3 significant figures, no exponent for usual magnitudes. */
export function fmt(x) {
  if (!Number.isFinite(x)) return '—';
  const a = Math.abs(x);
  if (a >= 1000) return Math.round(x).toLocaleString('en-US').replace(/,/g, ' ');
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  if (a >= 1) return x.toFixed(2);
  if (a >= 0.1) return x.toFixed(3);
  if (a >= 0.01) return x.toFixed(4);
  return x.toPrecision(3);
}

export const fmtRatio = (x) => (Number.isFinite(x) ? `${fmt(x)}×` : '—');
export const fmtRange = (xs, f = fmt) => `${f(min(xs))}–${f(max(xs))}`;
export const kib = (bytes) => (bytes / 1024).toFixed(1);
export const mib = (bytes) => (bytes / 1048576).toFixed(2);
export const pct = (x) => (Number.isFinite(x) ? `${(100 * x).toFixed(0)}%` : '—');

/** A markdown table; the first row is the header; numeric-looking columns right-aligned. */
export function table(rows, align) {
  const head = rows[0];
  const al = align ?? head.map((_, i) => (i === 0 ? 'l' : 'r'));
  const lines = [
    `| ${head.join(' | ')} |`,
    `|${al.map((a) => (a === 'r' ? '---:' : '---')).join('|')}|`,
    ...rows.slice(1).map((r) => `| ${r.join(' | ')} |`),
  ];
  return lines.join('\n');
}
