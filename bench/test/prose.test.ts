import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderMarkdown } from '../src/lib/markdown.js';
import type { BenchReport } from '../src/lib/report.js';
import { evaluateTargets } from '../src/lib/targets.js';
import { analysis, intro, WHY_MISSED } from '../src/prose.js';

/**
 * Every figure the prose states must come from the run's data: the page is rendered from a
 * recorded report (a quick run of `pnpm bench`), and each number in the hand-written parts must
 * be one of the report's numbers (as stored, or rounded to the digits the prose shows).
 */
const fixture = JSON.parse(
  readFileSync(new URL('./fixtures/report.json', import.meta.url), 'utf8'),
) as BenchReport;

// A number standing alone: not part of a name (L1, p99, RESP2, cache-read-n), an issue (#111).
const NUMBER = /(?<![\w.#-])\d[\d,]*(?:\.\d+)?/g;

/** Prose without code spans and link targets (file names, env values and URLs are not figures). */
function figuresIn(text: string): string[] {
  const bare = text.replace(/`[^`]*`/g, ' ').replace(/\]\([^)]*\)/g, ']');
  return [...bare.matchAll(NUMBER)].map((m) => m[0].replace(/,/g, ''));
}

/** Every number of the report: numeric values, and the numbers written inside its strings. */
function dataNumbers(report: unknown): number[] {
  const out: number[] = [];
  const walk = (v: unknown) => {
    if (typeof v === 'number') out.push(v);
    else if (typeof v === 'string') for (const f of figuresIn(v)) out.push(Number(f));
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(report);
  return out;
}

function notInData(prose: string, report: BenchReport): string[] {
  const data = dataNumbers(report);
  return figuresIn(prose).filter((figure) => {
    const digits = figure.split('.')[1]?.length ?? 0;
    return !data.some((n) => n.toFixed(digits) === figure);
  });
}

function prose(report: BenchReport): string {
  return [intro(report), analysis(report), ...Object.values(WHY_MISSED)].join('\n');
}

describe('benchmarks page prose', () => {
  it('states only figures found in the run data', () => {
    const report = { ...fixture, targets: evaluateTargets(fixture.suites) };
    expect(notInData(prose(report), report)).toEqual([]);
    // The rendered page carries the prose with its figures.
    const md = renderMarkdown(report, { intro: intro(report), analysis: analysis(report) });
    expect(md).toContain(analysis(report).trim().slice(0, 200));
  });

  it('changes its figures with the data (none is fixed in the text)', () => {
    // Scale every measured value: a figure written into the text would not follow.
    const scaled = JSON.parse(JSON.stringify(fixture), (key, v) =>
      typeof v === 'number' && !['cores', 'concurrency', 'rounds'].includes(key) ? v * 1.37 : v,
    ) as BenchReport;
    scaled.targets = evaluateTargets(scaled.suites);
    const original = { ...fixture, targets: evaluateTargets(fixture.suites) };
    expect(analysis(scaled)).not.toEqual(analysis(original));
    expect(notInData(prose(scaled), scaled)).toEqual([]);
  });

  it('catches a figure typed into the prose', () => {
    const report = { ...fixture, targets: evaluateTargets(fixture.suites) };
    expect(notInData(`${prose(report)}\nThe p50 is a third of 0.333 ms.`, report)).toEqual(['0.333']);
  });
});
