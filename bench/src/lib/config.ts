/**
 * Benchmark settings from the environment, so a full run stays under ~10 minutes on a
 * 2-core machine and a smoke run (BENCH_QUICK=1) takes seconds. The defaults are the sizes
 * the issue names; nothing here is tuned per target.
 */
export interface BenchConfig {
  quick: boolean;
  /** Interleaved rounds per comparison (each figure is the median of these). */
  rounds: number;
  /** One timed throughput run, ms. */
  durationMs: number;
  /** Untimed run before the rounds, ms (JIT, connection pools). */
  warmupMs: number;
  /** Keys of the read benchmarks. */
  keys: number;
  /** Bytes of JSON per value in the read benchmarks. */
  valueBytes: number;
  /** Operations in flight in the read benchmarks. */
  concurrency: number;
  httpDurationSec: number;
  /**
   * Interleaved rounds of the HTTP suite: more than the others, since three processes (autocannon,
   * the server, Redis) share two cores and one round's ratio swings widely (0.61x to 1.13x for the
   * same server in one 5-round run); the median of more rounds moves less.
   */
  httpRounds: number;
  httpConnections: number;
  /** Writes timed in the invalidation benchmark. */
  invalidations: number;
  warmCount: number;
  catalogCount: number;
  /** Page queries timed per round in the catalog benchmark. */
  catalogQueries: number;
  stampedeConcurrency: number;
  /** Suites to run (all when empty). */
  only: string[];
}

function int(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, got '${raw}'`);
  return Math.round(n);
}

export function loadBenchConfig(env: NodeJS.ProcessEnv = process.env): BenchConfig {
  const quick = env.BENCH_QUICK === '1' || env.BENCH_QUICK === 'true';
  const d = quick
    ? {
        rounds: 2,
        durationMs: 300,
        warmupMs: 100,
        keys: 500,
        http: 1,
        httpRounds: 2,
        inv: 30,
        warm: 5000,
        catalog: 3000,
        queries: 50,
        stampede: 100,
      }
    : {
        rounds: 5,
        durationMs: 2000,
        warmupMs: 500,
        keys: 10_000,
        http: 3,
        httpRounds: 9,
        inv: 500,
        warm: 100_000,
        catalog: 100_000,
        queries: 500,
        stampede: 1000,
      };
  return {
    quick,
    rounds: int(env, 'BENCH_ROUNDS', d.rounds),
    durationMs: int(env, 'BENCH_DURATION_MS', d.durationMs),
    warmupMs: int(env, 'BENCH_WARMUP_MS', d.warmupMs),
    keys: int(env, 'BENCH_KEYS', d.keys),
    valueBytes: int(env, 'BENCH_VALUE_BYTES', 300),
    concurrency: int(env, 'BENCH_CONCURRENCY', 64),
    httpDurationSec: int(env, 'BENCH_HTTP_DURATION_S', d.http),
    httpRounds: int(env, 'BENCH_HTTP_ROUNDS', d.httpRounds),
    httpConnections: int(env, 'BENCH_HTTP_CONNECTIONS', 50),
    invalidations: int(env, 'BENCH_INVALIDATIONS', d.inv),
    warmCount: int(env, 'BENCH_WARM_COUNT', d.warm),
    catalogCount: int(env, 'BENCH_CATALOG_COUNT', d.catalog),
    catalogQueries: int(env, 'BENCH_CATALOG_QUERIES', d.queries),
    stampedeConcurrency: int(env, 'BENCH_STAMPEDE', d.stampede),
    only: (env.BENCH_ONLY ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  };
}
