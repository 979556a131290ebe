import type { BenchConfig } from '../lib/config.js';
import { READ_VARIANTS, readSetup, touchAll } from '../lib/read-setup.js';
import { redisCpuUs } from '../lib/redis-cpu.js';
import type { SuiteResult } from '../lib/report.js';
import { interleave, keyOrder, throughput, type Variant } from '../lib/rounds.js';
import { quantile, roundRatios } from '../lib/stats.js';

export { READ_VARIANTS };

/**
 * Cache-hit throughput: N keys of ~300-byte JSON, uniform random, `concurrency` reads in
 * flight, one process; every variant reads every key from a warm cache. The baseline is the
 * raw read doing the same work as ours (GET + PTTL) at its fastest (auto-pipelining).
 */
export async function cacheReadSuite(cfg: BenchConfig): Promise<SuiteResult> {
  const setup = await readSetup(cfg);
  const order = keyOrder(setup.keys);
  const opts = { concurrency: cfg.concurrency, durationMs: cfg.durationMs, order };
  const cpu = new Map<string, number[]>();
  const redisCpu = new Map<string, number[]>();
  const variants: Variant[] = Object.entries(setup.ops).map(([key, op]) => ({
    name: key,
    warmup: async () => {
      await touchAll(op, setup.keys);
      await throughput(op, { ...opts, durationMs: cfg.warmupMs });
    },
    measure: async () => {
      const redisBefore = await redisCpuUs(setup.admin);
      const t = await throughput(op, opts);
      cpu.set(key, [...(cpu.get(key) ?? []), t.cpuUsPerOp]);
      const ops = (t.opsPerSec * cfg.durationMs) / 1000;
      const redisUs = (await redisCpuUs(setup.admin)) - redisBefore;
      redisCpu.set(key, [...(redisCpu.get(key) ?? []), redisUs / ops]);
      return t.opsPerSec;
    },
  }));

  const callsBefore = setup.loaderCalls();
  const results = await interleave(variants, cfg.rounds);
  const missesDuringRounds = setup.loaderCalls() - callsBefore;
  await setup.close();

  const base = results.get('rawAuto')!.samples;
  return {
    id: 'cache-read',
    title: 'Cache hit throughput (one process)',
    description: `${cfg.keys.toLocaleString('en')} keys of ${cfg.valueBytes}-byte JSON, uniform random, ${cfg.concurrency} reads in flight, ${cfg.durationMs} ms per round.`,
    unit: 'ops/s',
    higherIsBetter: true,
    rows: Object.entries(READ_VARIANTS).map(([key, label]) => ({
      id: key,
      name: label,
      ...results.get(key)!,
      vsBaseline: roundRatios(results.get(key)!.samples, base),
      detail: `CPU per op: ${quantile(cpu.get(key)!, 0.5).toFixed(2)} µs Node, ${quantile(redisCpu.get(key)!, 0.5).toFixed(2)} µs Redis`,
      values: { nodeCpuUs: quantile(cpu.get(key)!, 0.5), redisCpuUs: quantile(redisCpu.get(key)!, 0.5) },
    })),
    baseline: 'rawAuto',
    notes: [`loader calls during the timed rounds (must be 0, all hits): ${missesDuringRounds}`],
  };
}
