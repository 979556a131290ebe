import { WHY_MISSED } from '../prose.js';
import { SWEEP_LEVELS, SWEEP_PEERS, sweepRowId } from '../suites/read-sweep.js';
import type { Row, SuiteResult, TargetResult } from './report.js';

/**
 * The targets, each checked against figures of the same run. WHY_MISSED (prose.ts)
 * holds the analysis of a target the measurements miss; it is printed only when it is missed.
 */

function row(suites: SuiteResult[], suite: string, id: string): Row | undefined {
  return suites.find((s) => s.id === suite && !s.skipped)?.rows.find((r) => r.id === id);
}

const x = (n: number) => `${n.toFixed(2)}x`;
const ms = (n: number) => `${n.toFixed(2)} ms`;

export function evaluateTargets(suites: SuiteResult[]): TargetResult[] {
  const out: TargetResult[] = [];
  const add = (
    id: string,
    goal: string,
    value: number | undefined,
    met: (v: number) => boolean,
    show: (v: number) => string,
    extra = '',
  ) => {
    if (value === undefined || !Number.isFinite(value)) {
      out.push({ id, goal, measured: 'not measured', met: false, note: 'the suite did not run' });
      return;
    }
    const ok = met(value);
    out.push({
      id,
      goal,
      measured: `${show(value)}${extra}`,
      met: ok,
      ...(ok || !WHY_MISSED[id] ? {} : { note: WHY_MISSED[id] }),
    });
  };
  const ratioOf = (suite: string, id: string) => row(suites, suite, id)?.vsBaseline?.median;
  const medianOf = (suite: string, id: string) => row(suites, suite, id)?.median;

  add(
    'l2-hit',
    'getOrLoad cache hit, L2 only, 64 in flight: >= 0.90x raw auto-pipelined ioredis GET + PTTL + JSON.parse',
    ratioOf('cache-read', 'oursL2'),
    (v) => v >= 0.9,
    x,
  );
  add(
    'l1-hit',
    'getOrLoad with the near-cache: >= 10x raw auto-pipelined GET + PTTL',
    ratioOf('cache-read', 'oursL1'),
    (v) => v >= 10,
    x,
  );
  const lead = (ours: string, peers: string[]) => {
    const o = medianOf('cache-read', ours);
    const best = Math.max(...peers.map((p) => medianOf('cache-read', p) ?? Number.NaN));
    return o === undefined ? undefined : o / best;
  };
  add(
    'lead-l2',
    'L2 hit leads every L2 peer (bentocache L2, cache-manager)',
    lead('oursL2', ['bentoL2', 'cacheManager']),
    (v) => v > 1,
    (v) => `${x(v)} the best peer`,
  );
  add(
    'lead-l1',
    'near-cache hit leads bentocache L1+L2',
    lead('oursL1', ['bentoL1']),
    (v) => v > 1,
    (v) => `${x(v)} bentocache L1+L2`,
  );
  for (const level of SWEEP_LEVELS) {
    const ours = row(suites, 'read-sweep', sweepRowId('oursL2', level))?.median;
    const best = Math.max(
      ...SWEEP_PEERS.map((p) => row(suites, 'read-sweep', sweepRowId(p, level))?.median ?? Number.NaN),
    );
    add(
      `sweep-${level}`,
      `L2 hit with ${level} in flight: >= 1.0x the best L2 peer`,
      ours === undefined ? undefined : ours / best,
      (v) => v >= 1.0,
      (v) => `${x(v)} the best peer`,
    );
  }
  const p50Of = (variant: string) =>
    row(suites, 'read-sweep', sweepRowId(variant as never, 1))?.values?.p50Ms;
  const oursP50 = p50Of('oursL2');
  const rawP50 = p50Of('rawAuto');
  add(
    'sweep-p50',
    'L2 hit with 1 in flight: p50 within 1.1x of a raw auto-pipelined GET + PTTL',
    oursP50 === undefined || rawP50 === undefined ? undefined : oursP50 / rawP50,
    (v) => v <= 1.1,
    (v) => `${x(v)} (${oursP50!.toFixed(3)} ms against ${rawP50!.toFixed(3)} ms)`,
  );
  add(
    'invalidation',
    'a write from another process is seen within 10 ms p99',
    medianOf('invalidation', 'ours'),
    (v) => v <= 10,
    ms,
    ' (median of per-round p99)',
  );
  add(
    'postgres-invalidation',
    'postgres store: commit→invalidation latency p99 <= 10 ms here (PostgreSQL commit timestamp → Redis acknowledged)',
    medianOf('postgres', 'commit-invalidation-p99'),
    (v) => v <= 10,
    ms,
    ' (p99 over every commit of the run)',
  );
  add(
    'http-l2',
    'GET /api/data/:id hit, shipped defaults, random ids: >= 0.90x the bare handler (GET + PTTL, same Express settings)',
    ratioOf('http', 'apiL2'),
    (v) => v >= 0.9,
    x,
  );
  add(
    'http-l2-hot',
    'GET /api/data/:id hit, shipped defaults, one hot id: >= 0.90x the bare handler',
    ratioOf('http', 'apiL2Hot'),
    (v) => v >= 0.9,
    x,
  );
  add(
    'http-l1',
    'GET /api/data/:id hit with the near-cache: >= 1.0x the bare handler',
    ratioOf('http', 'apiL1'),
    (v) => v >= 1.0,
    x,
  );
  const warm = suites.find((s) => s.id === 'warm');
  const warmAgainstBenchmark = warm?.baseline === 'redisBenchmark';
  add(
    'warm',
    "warming with the worker's fenced setMany: >= 1.5x redis-benchmark's unpipelined (-P 1) SET rate, same value size",
    warmAgainstBenchmark ? ratioOf('warm', 'ours') : undefined,
    (v) => v >= 1.5,
    x,
  );
  const stampede = row(suites, 'stampede', 'ours');
  add(
    'stampede',
    '1,000 concurrent misses from 2 processes: exactly 1 loader call',
    stampede?.max,
    (v) => v === 1 && stampede!.min === 1,
    (v) => `max ${v} per round (min ${stampede!.min})`,
  );
  add(
    'category-uncached',
    'category page (20 by price), uncached: p99 < 5 ms',
    medianOf('catalog', 'categoryUncached'),
    (v) => v < 5,
    ms,
  );
  add(
    'price-uncached',
    'price-range page, uncached: p99 < 5 ms',
    medianOf('catalog', 'priceUncached'),
    (v) => v < 5,
    ms,
  );
  add(
    'category-cached',
    'category page, cached: p99 < 1 ms',
    medianOf('catalog', 'categoryCached'),
    (v) => v < 1,
    ms,
  );
  add(
    'price-cached',
    'price-range page, cached: p99 < 1 ms',
    medianOf('catalog', 'priceCached'),
    (v) => v < 1,
    ms,
  );
  add(
    'memory',
    'memory per product <= 1.3x its JSON length',
    ratioOf('catalog', 'memoryPerProduct'),
    (v) => v <= 1.3,
    x,
  );
  return out;
}
