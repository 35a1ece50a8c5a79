// bench/stats.js — small statistics and formatting helpers of the benchmarks, and the
// machine's CPU use (/proc/stat) with the wait for a quiet machine they share.

import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';

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

// ─── The machine ─────────────────────────────────────────────────────────────────────────

/**
 * The whole machine's CPU seconds so far, from /proc/stat (USER_HZ = 100): busy (all but idle,
 * iowait and steal), steal (time the hypervisor gave to other guests), idle (idle + iowait);
 * null where there is no /proc/stat.
 */
export function systemCpu() {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const [user, nice, system, idle, iowait = 0, irq = 0, softirq = 0, steal = 0] = f;
    const hz = 100;
    return { busy: (user + nice + system + irq + softirq) / hz, steal: steal / hz, idle: (idle + iowait) / hz };
  } catch {
    return null;
  }
}

/**
 * Waits up to `minutes` for a quiet machine: a 1-minute load average < 0.5 and, over the last
 * 10 s, < 10% of one core busy. The machine has 2 cores: anything else running takes one of
 * them from a measurement (or from a pool's second worker). Returns what it found:
 * { quiet, waitedS, load, busy } (quiet false after the time ran out: the run goes on).
 */
export async function waitQuiet(minutes, log = (...a) => console.error(...a)) {
  const t0 = Date.now();
  const until = t0 + minutes * 60000;
  for (;;) {
    const a = systemCpu();
    await new Promise((r) => setTimeout(r, 10000));
    const b = systemCpu();
    const busy = a && b ? (b.busy - a.busy) / 10 : 0;
    const load = loadavg()[0];
    const found = { load, busy, waitedS: (Date.now() - t0) / 1000 };
    if (load < 0.5 && busy < 0.1) {
      log(`quiet: load average ${load.toFixed(2)} < 0.5, ${(100 * busy).toFixed(0)}% of a core busy over 10 s: starting`);
      return { quiet: true, ...found };
    }
    if (Date.now() > until) {
      log(`warning: not quiet after ${minutes} min (load average ${load.toFixed(2)}, ${(100 * busy).toFixed(0)}% of a core busy); running anyway`);
      return { quiet: false, ...found };
    }
    log(`waiting for a quiet machine: load average ${load.toFixed(2)}, ${(100 * busy).toFixed(0)}% of a core busy over 10 s`);
  }
}
