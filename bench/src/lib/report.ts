import type { Summary } from './stats.js';

/** One line of a suite's table: the median over rounds, its spread, and ratios. */
export interface Row extends Summary {
  id: string;
  name: string;
  /** Per-round ratio to the suite's baseline row (same round), when the suite has one. */
  vsBaseline?: Summary;
  /** Anything else worth printing (p50 next to a p99, counts…). */
  detail?: string;
  /** Unit when it differs from the suite's. */
  unit?: string;
  /** The figures behind `detail`, for targets and prose (p50/p99 ms, CPU µs, in flight…). */
  values?: Record<string, number>;
}

export interface SuiteResult {
  id: string;
  title: string;
  description: string;
  unit: string;
  higherIsBetter: boolean;
  rows: Row[];
  /** Row id the ratios are against. */
  baseline?: string;
  /** What the ratio column is against when it is not one row (e.g. "the same level's raw read"). */
  baselineLabel?: string;
  notes: string[];
  /** The suite could not run (e.g. a tool is missing): why. */
  skipped?: string;
}

export interface TargetResult {
  id: string;
  goal: string;
  measured: string;
  met: boolean;
  /** Why it is missed (or what the figure means), in a sentence or two. */
  note?: string;
}

export interface BenchReport {
  date: string;
  durationSec: number;
  machine: Record<string, string | number>;
  versions: Record<string, string>;
  config: Record<string, unknown>;
  suites: SuiteResult[];
  targets: TargetResult[];
}

export function fmt(n: number, unit = ''): string {
  if (!Number.isFinite(n)) return 'n/a';
  const abs = Math.abs(n);
  const digits = abs >= 1000 ? 0 : abs >= 100 ? 1 : abs >= 10 ? 2 : 3;
  const text = n.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
  return unit ? `${text} ${unit}` : text;
}

export function ratio(s: Summary | undefined): string {
  if (!s) return '';
  return `${s.median.toFixed(2)}x (${s.min.toFixed(2)}–${s.max.toFixed(2)})`;
}

/** Plain-text table for the terminal. */
export function textTable(suite: SuiteResult): string {
  const head = `\n== ${suite.title} ==\n${suite.description}`;
  if (suite.skipped) return `${head}\n  skipped: ${suite.skipped}\n`;
  const rows = suite.rows.map((r) => [
    r.name,
    fmt(r.median, r.unit ?? suite.unit),
    `${fmt(r.min)}–${fmt(r.max)}`,
    ratio(r.vsBaseline),
    r.detail ?? '',
  ]);
  const header = ['variant', 'median', 'spread (min–max)', suite.baseline ? 'vs baseline' : '', ''];
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((row) => row[i]!.length)));
  const line = (row: string[]) =>
    row
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  const notes = suite.notes.map((n) => `  note: ${n}`).join('\n');
  return `${head}\n${all.map(line).join('\n')}${notes ? `\n${notes}` : ''}\n`;
}
