import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runBench } from './bench.js';
import { loadBenchConfig } from './lib/config.js';
import { renderMarkdown } from './lib/markdown.js';
import { analysis, intro } from './prose.js';

/**
 * `pnpm bench`: every suite, peers side by side, then docs/benchmarks.md and .json.
 * BENCH_QUICK=1 for a smoke run; BENCH_ONLY=cache-read,http to run some suites;
 * BENCH_OUT=<dir> to write the report elsewhere (a partial or quick run never overwrites docs/
 * unless BENCH_OUT says so).
 */
const cfg = loadBenchConfig();
const report = await runBench(cfg);
console.log('\n== Targets ==');
for (const t of report.targets) console.log(`${t.met ? 'MET   ' : 'MISSED'} ${t.goal}: ${t.measured}`);

const partial = cfg.quick || cfg.only.length > 0;
const outDir =
  process.env.BENCH_OUT ?? (partial ? null : fileURLToPath(new URL('../../docs', import.meta.url)));
if (outDir) {
  mkdirSync(outDir, { recursive: true });
  writeFileSync(`${outDir}/benchmarks.json`, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(
    `${outDir}/benchmarks.md`,
    renderMarkdown(report, { intro: intro(report), analysis: analysis(report) }),
  );
  console.log(`\nwrote ${outDir}/benchmarks.md and benchmarks.json`);
} else {
  console.log('\n(quick or partial run: docs/ left untouched; set BENCH_OUT=<dir> to write the report)');
}
process.exit(0);
