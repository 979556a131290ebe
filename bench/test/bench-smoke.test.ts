import { describe, expect, it } from 'vitest';
import { runBench, SUITES } from '../src/bench.js';
import { loadBenchConfig } from '../src/lib/config.js';
import { renderMarkdown } from '../src/lib/markdown.js';
import { redisBenchmarkBin } from '../src/suites/warm.js';

/** Row ids every suite must report: a suite that silently loses a variant fails here. */
const EXPECTED_ROWS: Record<string, string[]> = {
  'cache-read': [
    'rawAuto',
    'raw',
    'rawGet',
    'oursL2',
    'oursL1',
    'bentoL2',
    'bentoL1',
    'bentoL1Only',
    'cacheManager',
  ],
  'read-sweep': [1, 8, 64, 256].flatMap((n) =>
    ['rawAuto', 'oursL2', 'bentoL2', 'cacheManager', 'rawGet'].map((v) => `${v}@${n}`),
  ),
  invalidation: ['ours', 'bento'],
  http: ['expressOk', 'expressGet', 'apiL2', 'apiL1', 'expressGetHot', 'apiL2Hot', 'apiL1Hot'],
  warm: ['redisBenchmark', 'ours', 'rawPipeline'],
  stampede: ['ours', 'bentocache', 'cacheManager'],
  catalog: ['categoryUncached', 'categoryCached', 'priceUncached', 'priceCached', 'memoryPerProduct'],
  postgres: [
    'select',
    'hit',
    'http-select',
    'http-hit',
    'commit-invalidation-p50',
    'commit-invalidation-p99',
  ],
};

describe('pnpm bench in quick mode', () => {
  it('runs every suite on tiny sizes and reports every row, target and ratio', async () => {
    const cfg = loadBenchConfig({
      BENCH_QUICK: '1',
      BENCH_ROUNDS: '2',
      BENCH_DURATION_MS: '200',
      BENCH_WARMUP_MS: '100',
      BENCH_KEYS: '200',
      BENCH_HTTP_DURATION_S: '1',
      BENCH_INVALIDATIONS: '20',
      BENCH_WARM_COUNT: '2000',
      BENCH_CATALOG_COUNT: '2000',
      BENCH_CATALOG_QUERIES: '20',
      BENCH_STAMPEDE: '40',
    });
    // redis-benchmark is optional: without it the warm suite compares with the raw pipeline only.
    if (!(await redisBenchmarkBin())) EXPECTED_ROWS.warm = ['ours', 'rawPipeline'];
    const lines: string[] = [];
    const report = await runBench(cfg, (line) => lines.push(line));

    expect(report.suites.map((s) => s.id)).toEqual(Object.keys(SUITES));
    for (const suite of report.suites) {
      expect(suite.skipped, `${suite.id}: ${suite.skipped}`).toBeUndefined();
      expect(suite.rows.map((r) => r.id)).toEqual(EXPECTED_ROWS[suite.id]);
      for (const row of suite.rows) {
        expect(Number.isFinite(row.median), `${suite.id}/${row.id} median`).toBe(true);
        expect(row.min).toBeLessThanOrEqual(row.max);
        // Rows in the suite's own unit are compared; a latency row in a throughput suite is not.
        const latencyInThroughputSuite = row.unit === 'ms' && suite.unit !== 'ms';
        if (suite.baseline && !latencyInThroughputSuite)
          expect(Number.isFinite(row.vsBaseline?.median), `${suite.id}/${row.id} ratio`).toBe(true);
      }
    }
    // Sanity of what the figures mean, not of their size (tiny runs are noisy).
    const read = report.suites.find((s) => s.id === 'cache-read')!;
    expect(read.notes.join(' ')).toContain('must be 0, all hits): 0');
    const stampede = report.suites.find((s) => s.id === 'stampede')!;
    expect(stampede.notes.join(' ')).toContain('did not get the value: 0');
    const http = report.suites.find((s) => s.id === 'http')!;
    expect(http.notes.join(' ')).toContain('timeouts over all rounds: 0');

    expect(report.targets.length).toBeGreaterThanOrEqual(20);
    for (const t of report.targets) expect(t.measured, t.id).not.toBe('not measured');
    const md = renderMarkdown(report, { intro: 'intro', analysis: 'analysis' });
    for (const suite of report.suites) for (const row of suite.rows) expect(md).toContain(row.name);
    expect(md).toContain(report.machine.node as string);
  });
});
