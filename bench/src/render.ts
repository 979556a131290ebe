import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderMarkdown } from './lib/markdown.js';
import type { BenchReport } from './lib/report.js';
import { evaluateTargets } from './lib/targets.js';
import { analysis, intro } from './prose.js';

/**
 * Re-renders docs/benchmarks.md from docs/benchmarks.json (the figures of the last full run)
 * after the hand-written prose changed; the figures themselves come only from `pnpm bench`.
 */
const dir = process.env.BENCH_OUT ?? fileURLToPath(new URL('../../docs', import.meta.url));
const report = JSON.parse(readFileSync(`${dir}/benchmarks.json`, 'utf8')) as BenchReport;
report.targets = evaluateTargets(report.suites);
writeFileSync(`${dir}/benchmarks.json`, `${JSON.stringify(report, null, 2)}\n`);
writeFileSync(
  `${dir}/benchmarks.md`,
  renderMarkdown(report, { intro: intro(report), analysis: analysis(report) }),
);
console.log(`rendered ${dir}/benchmarks.md from benchmarks.json (${report.date})`);
