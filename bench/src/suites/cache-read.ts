import { startRedis } from '@app/testing';
import { Redis } from 'ioredis';
import type { BenchConfig } from '../lib/config.js';
import { benchValues } from '../lib/data.js';
import { ourStack } from '../lib/ours.js';
import { bentocacheL1L2, bentocacheL2, cacheManagerRedis, type PeerCache } from '../lib/peers.js';
import { redisCpuUs } from '../lib/redis-cpu.js';
import type { SuiteResult } from '../lib/report.js';
import { interleave, keyOrder, throughput, type Variant } from '../lib/rounds.js';
import { quantile, roundRatios } from '../lib/stats.js';

export const READ_VARIANTS = {
  raw: 'raw ioredis GET + JSON.parse',
  rawAuto: 'raw ioredis GET + JSON.parse, auto-pipelining',
  oursL2: 'ours getOrLoad, L2 (Redis) hit',
  oursL1: 'ours getOrLoad, near-cache hit',
  bentoL2: 'bentocache getOrSet, L2 hit',
  bentoL1: 'bentocache getOrSet, L1+L2+bus hit',
  cacheManager: 'cache-manager wrap (@keyv/redis) hit',
} as const;

const NEAR_BYTES = 64 * 1024 * 1024;

/**
 * Cache-hit throughput: N keys of ~300-byte JSON, uniform random, `concurrency` reads in
 * flight, one process; every variant reads every key from a warm cache.
 */
export async function cacheReadSuite(cfg: BenchConfig): Promise<SuiteResult> {
  const server = await startRedis();
  const url = server.url;
  const values = benchValues(cfg.keys, cfg.valueBytes);
  const ids = values.map((v) => v.id);
  const order = keyOrder(values.length);
  const ttlMs = 3600_000;
  const opts = { concurrency: cfg.concurrency, durationMs: cfg.durationMs, order };
  let loaderCalls = 0;
  const loaders = values.map((v) => () => {
    loaderCalls++;
    return Promise.resolve(v);
  });

  // Raw baseline: the data:<id> keys hold the plain JSON (the same bytes our cache stores).
  const raw = new Redis(url);
  const rawAuto = new Redis(url, { enableAutoPipelining: true });
  const seed = raw.pipeline();
  for (const v of values) seed.set(`data:${v.id}`, JSON.stringify(v), 'PX', ttlMs);
  await seed.exec();
  const rawKeys = ids.map((id) => `data:${id}`);

  const l2 = ourStack(url);
  const l1 = ourStack(url, { nearCacheBytes: NEAR_BYTES });
  const peers: Record<string, PeerCache> = {
    bentoL2: bentocacheL2(url),
    bentoL1: bentocacheL1L2(url, NEAR_BYTES),
    cacheManager: cacheManagerRedis(url),
  };
  const peerKeys: Record<string, string[]> = {
    bentoL2: ids.map((id) => `bl2:${id}`),
    bentoL1: ids.map((id) => `bl1:${id}`),
    cacheManager: ids.map((id) => `cm:${id}`),
  };
  for (const [name, peer] of Object.entries(peers)) {
    for (let i = 0; i < values.length; i += 500) {
      await Promise.all(values.slice(i, i + 500).map((v, j) => peer.set(peerKeys[name]![i + j]!, v, ttlMs)));
    }
  }

  const ops: Record<keyof typeof READ_VARIANTS, (i: number) => Promise<unknown>> = {
    raw: async (i) => JSON.parse((await raw.get(rawKeys[i]!))!),
    rawAuto: async (i) => JSON.parse((await rawAuto.get(rawKeys[i]!))!),
    oursL2: (i) => l2.cache.getOrLoad(ids[i]!, loaders[i]!),
    oursL1: (i) => l1.cache.getOrLoad(ids[i]!, loaders[i]!),
    bentoL2: (i) => peers.bentoL2!.getOrSet(peerKeys.bentoL2![i]!, loaders[i]!, ttlMs),
    bentoL1: (i) => peers.bentoL1!.getOrSet(peerKeys.bentoL1![i]!, loaders[i]!, ttlMs),
    cacheManager: (i) => peers.cacheManager!.getOrSet(peerKeys.cacheManager![i]!, loaders[i]!, ttlMs),
  };
  const cpu = new Map<string, number[]>();
  const redisCpu = new Map<string, number[]>();
  const admin = server.client();
  const variants: Variant[] = Object.entries(ops).map(([key, op]) => ({
    name: key,
    warmup: async () => {
      // Every key once (fills the L1s), then a short timed-like run for the JIT.
      for (let i = 0; i < values.length; i += 256) {
        await Promise.all(ids.slice(i, i + 256).map((_, j) => op(i + j)));
      }
      await throughput(op, { ...opts, durationMs: cfg.warmupMs });
    },
    measure: async () => {
      const redisBefore = await redisCpuUs(admin);
      const t = await throughput(op, opts);
      cpu.set(key, [...(cpu.get(key) ?? []), t.cpuUsPerOp]);
      const ops = (t.opsPerSec * cfg.durationMs) / 1000;
      redisCpu.set(key, [...(redisCpu.get(key) ?? []), ((await redisCpuUs(admin)) - redisBefore) / ops]);
      return t.opsPerSec;
    },
  }));

  const callsBefore = loaderCalls;
  const results = await interleave(variants, cfg.rounds);
  const missesDuringRounds = loaderCalls - callsBefore;

  await Promise.all([l2.close(), l1.close(), ...Object.values(peers).map((p) => p.close())]);
  raw.disconnect();
  rawAuto.disconnect();
  await server.destroy();

  const base = results.get('raw')!.samples;
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
    })),
    baseline: 'raw',
    notes: [`loader calls during the timed rounds (must be 0, all hits): ${missesDuringRounds}`],
  };
}
