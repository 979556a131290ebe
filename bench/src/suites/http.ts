import { startRedis } from '@app/testing';
import autocannon from 'autocannon';
import { type Child, startChild } from '../lib/child.js';
import type { BenchConfig } from '../lib/config.js';
import { benchValues, seedCacheEntries } from '../lib/data.js';
import { redisCpuUs } from '../lib/redis-cpu.js';
import type { SuiteResult } from '../lib/report.js';
import { interleave, keyOrder, type Variant } from '../lib/rounds.js';
import { quantile, roundRatios } from '../lib/stats.js';

/**
 * The API's settings in this benchmark: the shipped defaults (LOG_LEVEL=info: errors, writes and
 * slow requests logged, fast successful GETs at debug) except the per-client rate limit, which
 * is off: every request comes from one IP, which the default 600/min would refuse after 600.
 */
export const API_BENCH_ENV = {
  RATE_LIMIT_PER_MINUTE: '0',
  CACHE_TTL_SECONDS: '3600',
  SEED_CATALOG: 'false',
};

const VARIANTS = {
  expressOk: { label: 'Express 5 returning {ok:true}', variant: 'express-ok', env: {} },
  expressGet: { label: 'bare Express handler: one ioredis GET', variant: 'express-get', env: {} },
  apiL2: {
    label: 'ours GET /api/data/:id, L2 (Redis) hit',
    variant: 'api',
    env: { ...API_BENCH_ENV, NEAR_CACHE: 'false' },
  },
  apiL1: {
    label: 'ours GET /api/data/:id, near-cache hit',
    variant: 'api',
    env: { ...API_BENCH_ENV, NEAR_CACHE: 'true' },
  },
} as const;

interface Usage {
  cpuUs: number;
  requests: number;
}

async function load(port: number, ids: string[], durationSec: number, connections: number) {
  const order = keyOrder(ids.length, 1 << 16, 9);
  let i = 0;
  const result = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections,
    duration: durationSec,
    requests: [
      {
        method: 'GET',
        setupRequest: (req) => ({ ...req, path: `/api/data/${ids[order[i++ & 0xffff]!]}` }),
      },
    ],
  });
  return {
    rps: result.requests.average,
    bad: result.non2xx + result.errors + result.timeouts,
    p99: result.latency.p99,
  };
}

/**
 * HTTP cache hits under autocannon (-c 50): each server runs in its own process; autocannon runs
 * in this one. Every variant reads the same warm `data:<id>` keys in the same random order.
 */
export async function httpSuite(cfg: BenchConfig): Promise<SuiteResult> {
  const server = await startRedis();
  const values = benchValues(cfg.keys, cfg.valueBytes);
  const ids = values.map((v) => v.id);
  await seedCacheEntries(server.url, values);

  const servers: Record<string, { child: Child; port: number }> = {};
  for (const [id, v] of Object.entries(VARIANTS)) {
    const child = startChild('http-server.ts');
    const { port } = await child.request<{ port: number }>({
      type: 'start',
      url: server.url,
      variant: v.variant,
      env: v.env,
    });
    servers[id] = { child, port };
  }
  let bad = 0;
  const admin = server.client();
  const cpu = new Map<string, number[]>();
  const redisCpu = new Map<string, number[]>();
  const p99 = new Map<string, number[]>();
  const variants: Variant[] = Object.keys(VARIANTS).map((id) => ({
    name: id,
    warmup: async () => {
      await load(servers[id]!.port, ids, Math.max(1, Math.round(cfg.warmupMs / 1000)), cfg.httpConnections);
    },
    measure: async () => {
      const child = servers[id]!.child;
      const before = await child.request<Usage>({ type: 'usage' });
      const redisBefore = await redisCpuUs(admin);
      const r = await load(servers[id]!.port, ids, cfg.httpDurationSec, cfg.httpConnections);
      const after = await child.request<Usage>({ type: 'usage' });
      const served = Math.max(1, after.requests - before.requests);
      cpu.set(id, [...(cpu.get(id) ?? []), (after.cpuUs - before.cpuUs) / served]);
      redisCpu.set(id, [...(redisCpu.get(id) ?? []), ((await redisCpuUs(admin)) - redisBefore) / served]);
      bad += r.bad;
      p99.set(id, [...(p99.get(id) ?? []), r.p99]);
      return r.rps;
    },
  }));
  const results = await interleave(variants, cfg.rounds);
  for (const s of Object.values(servers)) {
    await s.child.request({ type: 'stop' }).catch(() => {});
    await s.child.stop();
  }
  await server.destroy();

  const base = results.get('expressGet')!.samples;
  return {
    id: 'http',
    title: 'HTTP cache hits (autocannon)',
    description: `${cfg.httpConnections} connections, ${cfg.httpDurationSec} s per round, ${cfg.keys.toLocaleString('en')} keys of ${cfg.valueBytes}-byte JSON, random ids. API settings: ${Object.entries(
      API_BENCH_ENV,
    )
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')}.`,
    unit: 'req/s',
    higherIsBetter: true,
    baseline: 'expressGet',
    rows: Object.entries(VARIANTS).map(([id, v]) => ({
      id,
      name: v.label,
      ...results.get(id)!,
      vsBaseline: roundRatios(results.get(id)!.samples, base),
      detail: `server ${quantile(cpu.get(id)!, 0.5).toFixed(0)} µs CPU/req, Redis ${quantile(redisCpu.get(id)!, 0.5).toFixed(1)} µs CPU/req; latency p99 ${Math.max(...(p99.get(id) ?? [Number.NaN]))} ms (worst round)`,
    })),
    notes: [`non-2xx, errors and timeouts over all rounds: ${bad}`],
  };
}
