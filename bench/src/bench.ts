import { cleanupAll } from '@app/testing';
import type { BenchConfig } from './lib/config.js';
import { machineInfo, versions } from './lib/machine.js';
import { type BenchReport, type SuiteResult, textTable } from './lib/report.js';
import { evaluateTargets } from './lib/targets.js';
import { cacheReadSuite } from './suites/cache-read.js';
import { catalogSuite } from './suites/catalog.js';
import { httpSuite } from './suites/http.js';
import { invalidationSuite } from './suites/invalidation.js';
import { postgresSuite } from './suites/postgres.js';
import { readSweepSuite } from './suites/read-sweep.js';
import { stampedeSuite } from './suites/stampede.js';
import { warmSuite } from './suites/warm.js';

export const SUITES: Record<string, (cfg: BenchConfig) => Promise<SuiteResult>> = {
  'cache-read': cacheReadSuite,
  'read-sweep': readSweepSuite,
  invalidation: invalidationSuite,
  http: httpSuite,
  warm: warmSuite,
  stampede: stampedeSuite,
  catalog: catalogSuite,
  postgres: postgresSuite,
};

/**
 * Runs every suite (each on its own fresh redis-server(s) from @app/testing, never the shared
 * 6379) and returns the report. A suite that throws is reported as skipped with its error,
 * so one broken suite does not hide the others' figures.
 */
export async function runBench(
  cfg: BenchConfig,
  log: (line: string) => void = console.log,
): Promise<BenchReport> {
  const started = performance.now();
  const machine = await machineInfo();
  const suites: SuiteResult[] = [];
  try {
    for (const [id, suite] of Object.entries(SUITES)) {
      if (cfg.only.length > 0 && !cfg.only.includes(id)) continue;
      const t0 = performance.now();
      log(`-- ${id}…`);
      let result: SuiteResult;
      try {
        result = await suite(cfg);
      } catch (err) {
        result = {
          id,
          title: id,
          description: '',
          unit: '',
          higherIsBetter: true,
          rows: [],
          notes: [],
          skipped: `failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
        };
      }
      suites.push(result);
      log(`${textTable(result)}  (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    }
  } finally {
    await cleanupAll();
  }
  const { only, ...settings } = cfg;
  return {
    date: new Date().toISOString(),
    durationSec: (performance.now() - started) / 1000,
    machine,
    versions: versions(),
    config: { ...settings, ...(only.length ? { only: only.join(',') } : {}) },
    suites,
    targets: evaluateTargets(suites),
  };
}
