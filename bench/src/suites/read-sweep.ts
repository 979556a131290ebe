import type { BenchConfig } from '../lib/config.js';
import { READ_VARIANTS, type ReadVariant, readSetup, touchAll } from '../lib/read-setup.js';
import type { Row, SuiteResult } from '../lib/report.js';
import { interleave, keyOrder, throughput, type Variant } from '../lib/rounds.js';
import { quantile, roundRatios } from '../lib/stats.js';

/** The reads in flight of the sweep, and the L2 variants compared at each level. */
export const SWEEP_LEVELS = [1, 8, 64, 256] as const;
export const SWEEP_VARIANTS: ReadVariant[] = ['rawAuto', 'oursL2', 'bentoL2', 'cacheManager', 'rawGet'];
/** The peers of the L2 hit (the target: ours >= the best of them at every level). */
export const SWEEP_PEERS: ReadVariant[] = ['bentoL2', 'cacheManager'];

export const sweepRowId = (variant: ReadVariant, level: number) => `${variant}@${level}`;

/**
 * L2 cache hits at 1, 8, 64 and 256 reads in flight: throughput and per-read latency (p50, p99),
 * ours against the L2 peers and the raw auto-pipelined GET + PTTL. Each level is its own set
 * of interleaved rounds; ratios are against the raw read of the same level and round.
 */
export async function readSweepSuite(cfg: BenchConfig): Promise<SuiteResult> {
  const setup = await readSetup(cfg);
  const order = keyOrder(setup.keys);
  const durationMs = Math.max(200, Math.round(cfg.durationMs / 2));
  const rows: Row[] = [];
  for (const op of SWEEP_VARIANTS) await touchAll(setup.ops[op], setup.keys);
  const callsBefore = setup.loaderCalls();
  // BENCH_SWEEP_LEVELS=1,64 narrows a development run; `pnpm bench` runs every level.
  const levels = (process.env.BENCH_SWEEP_LEVELS?.split(',').map(Number) ?? [...SWEEP_LEVELS]).filter(
    (n) => Number.isInteger(n) && n > 0,
  );
  for (const level of levels) {
    const opts = { concurrency: level, durationMs, order, latency: true };
    const p50 = new Map<string, number[]>();
    const p99 = new Map<string, number[]>();
    const cpu = new Map<string, number[]>();
    const variants: Variant[] = SWEEP_VARIANTS.map((key) => ({
      name: key,
      warmup: async () => {
        await throughput(setup.ops[key], { ...opts, durationMs: Math.min(cfg.warmupMs, durationMs) });
      },
      measure: async () => {
        const t = await throughput(setup.ops[key], opts);
        p50.set(key, [...(p50.get(key) ?? []), t.p50Ms!]);
        p99.set(key, [...(p99.get(key) ?? []), t.p99Ms!]);
        cpu.set(key, [...(cpu.get(key) ?? []), t.cpuUsPerOp]);
        return t.opsPerSec;
      },
    }));
    const results = await interleave(variants, cfg.rounds);
    const base = results.get('rawAuto')!.samples;
    for (const key of SWEEP_VARIANTS) {
      const lat = {
        p50Ms: quantile(p50.get(key)!, 0.5),
        p99Ms: quantile(p99.get(key)!, 0.5),
        nodeCpuUs: quantile(cpu.get(key)!, 0.5),
      };
      rows.push({
        id: sweepRowId(key, level),
        name: `${level} in flight: ${READ_VARIANTS[key]}`,
        ...results.get(key)!,
        vsBaseline: roundRatios(results.get(key)!.samples, base),
        detail: `p50 ${lat.p50Ms.toFixed(3)} ms, p99 ${lat.p99Ms.toFixed(3)} ms; ${lat.nodeCpuUs.toFixed(1)} µs Node CPU per read`,
        values: { concurrency: level, ...lat },
      });
    }
  }
  const misses = setup.loaderCalls() - callsBefore;
  await setup.close();
  return {
    id: 'read-sweep',
    title: 'Cache hits by reads in flight (L2)',
    description: `${cfg.keys.toLocaleString('en')} keys of ${cfg.valueBytes}-byte JSON, uniform random, ${durationMs} ms per round; latency is per read (median over rounds of each round's p50 and p99). Ratios against the raw auto-pipelined GET + PTTL at the same level.`,
    unit: 'ops/s',
    higherIsBetter: true,
    baseline: 'rawAuto',
    baselineLabel: 'raw auto-pipelined GET + PTTL, same level',
    rows,
    notes: [`loader calls during the timed rounds (must be 0, all hits): ${misses}`],
  };
}
