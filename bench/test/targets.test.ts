import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { BenchReport, SuiteResult } from '../src/lib/report.js';
import { evaluateTargets } from '../src/lib/targets.js';

const fixture = JSON.parse(
  readFileSync(new URL('./fixtures/report.json', import.meta.url), 'utf8'),
) as BenchReport;

/** The fixture with the postgres suite's commit→invalidation p99 row set to `p99` ms. */
function withPostgresP99(p99: number): SuiteResult[] {
  return fixture.suites.map((s) =>
    s.id !== 'postgres'
      ? s
      : {
          ...s,
          rows: s.rows.map((r) =>
            r.id === 'commit-invalidation-p99'
              ? { ...r, median: p99, min: p99, max: p99, samples: [p99] }
              : r,
          ),
        },
  );
}

describe('issue #16 target: commit→invalidation p99 <= 10 ms', () => {
  const target = (suites: SuiteResult[]) =>
    evaluateTargets(suites).find((t) => t.id === 'postgres-invalidation');

  it("is measured from the postgres suite's p99 row and met at 10 ms or less", () => {
    expect(target(withPostgresP99(7))).toMatchObject({
      met: true,
      measured: expect.stringContaining('7.00 ms'),
    });
    expect(target(withPostgresP99(10))?.met).toBe(true);
    const missed = target(withPostgresP99(10.5));
    expect(missed).toMatchObject({ met: false, measured: expect.stringContaining('10.50 ms') });
    expect(missed?.note).toBeTruthy();
  });

  it('says "not measured" when the postgres suite did not run', () => {
    const skipped = fixture.suites.map((s) => (s.id === 'postgres' ? { ...s, skipped: 'no PostgreSQL' } : s));
    expect(target(skipped)).toMatchObject({ measured: 'not measured', met: false });
  });
});
