import { startRedis } from '@app/testing';
import autocannon from 'autocannon';
import { startBundledChild } from '../lib/bundled-child.js';
import type { Child } from '../lib/child.js';
import type { BenchConfig } from '../lib/config.js';
import { benchValues, seedCacheEntries } from '../lib/data.js';
import { redisCpuUs } from '../lib/redis-cpu.js';
import type { SuiteResult } from '../lib/report.js';
import { interleave, keyOrder, type Variant } from '../lib/rounds.js';
import { quantile, roundRatios } from '../lib/stats.js';

/**
 * The API's settings in this benchmark: the shipped defaults (every variable unset: TTL, seed,
 * job events, LOG_LEVEL=info…) except the per-client rate limit, which is off: every request
 * comes from one IP, which the default 600/min would refuse after 600.
 */
export const API_BENCH_ENV = {
  RATE_LIMIT_PER_MINUTE: '0',
};

const SERVERS = {
  expressOk: { label: 'Express 5 returning {ok:true}', variant: 'express-ok', env: {} },
  expressGet: {
    label: 'bare Express handler: ioredis GET + PTTL (auto-pipelining)',
    variant: 'express-get',
    env: {},
  },
  apiL2: { label: 'ours GET /api/data/:id, L2 (Redis) hit', variant: 'api', env: API_BENCH_ENV },
  apiL1: {
    label: 'ours GET /api/data/:id, near-cache hit (NEAR_CACHE=true)',
    variant: 'api',
    env: { ...API_BENCH_ENV, NEAR_CACHE: 'true' },
  },
} as const;
type ServerId = keyof typeof SERVERS;

/** The key patterns: N random ids, and one hot id for every request. */
export const HTTP_PATTERNS = { random: 'random ids', hot: 'one hot id' } as const;
type Pattern = keyof typeof HTTP_PATTERNS;
/** Rows: every server on random ids; the bare handler and ours on the hot id. */
const ROWS: [ServerId, Pattern][] = [
  ['expressOk', 'random'],
  ['expressGet', 'random'],
  ['apiL2', 'random'],
  ['apiL1', 'random'],
  ['expressGet', 'hot'],
  ['apiL2', 'hot'],
  ['apiL1', 'hot'],
];
/**
 * The order the rows are measured in, each of ours next to the bare handler on the same keys;
 * the rounds mirror it (rounds.ts), so every ratio compares two runs seconds apart, each going
 * first in every other round.
 */
const MEASURE_ORDER: [ServerId, Pattern][] = [
  ['expressOk', 'random'],
  ['apiL1', 'random'],
  ['expressGet', 'random'],
  ['apiL2', 'random'],
  ['apiL2', 'hot'],
  ['expressGet', 'hot'],
  ['apiL1', 'hot'],
];
export const httpRowId = (server: ServerId, pattern: Pattern) =>
  pattern === 'random' ? server : `${server}Hot`;

interface Usage {
  cpuUs: number;
  requests: number;
}

async function load(port: number, ids: string[], durationSec: number, connections: number) {
  const order = ids.length === 1 ? new Uint32Array(1 << 16) : keyOrder(ids.length, 1 << 16, 9);
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
 * in this one. Every variant reads the same warm `data:<id>` keys in the same order: N random
 * ids, or one hot id.
 */
export async function httpSuite(cfg: BenchConfig): Promise<SuiteResult> {
  const server = await startRedis();
  const values = benchValues(cfg.keys, cfg.valueBytes);
  const ids = values.map((v) => v.id);
  const hot = [ids[0]!];
  await seedCacheEntries(server.url, values);

  const servers = {} as Record<ServerId, { child: Child; port: number }>;
  for (const [id, v] of Object.entries(SERVERS) as [ServerId, (typeof SERVERS)[ServerId]][]) {
    const child = await startBundledChild('http-server.ts');
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
  const keysOf = (pattern: Pattern) => (pattern === 'hot' ? hot : ids);
  const variants: Variant[] = MEASURE_ORDER.map(([sid, pattern]) => {
    const id = httpRowId(sid, pattern);
    return {
      name: id,
      warmup: async () => {
        const seconds = Math.max(1, Math.round(cfg.warmupMs / 1000));
        await load(servers[sid].port, keysOf(pattern), seconds, cfg.httpConnections);
      },
      measure: async () => {
        const child = servers[sid].child;
        const before = await child.request<Usage>({ type: 'usage' });
        const redisBefore = await redisCpuUs(admin);
        const r = await load(servers[sid].port, keysOf(pattern), cfg.httpDurationSec, cfg.httpConnections);
        const after = await child.request<Usage>({ type: 'usage' });
        const served = Math.max(1, after.requests - before.requests);
        cpu.set(id, [...(cpu.get(id) ?? []), (after.cpuUs - before.cpuUs) / served]);
        redisCpu.set(id, [...(redisCpu.get(id) ?? []), ((await redisCpuUs(admin)) - redisBefore) / served]);
        bad += r.bad;
        p99.set(id, [...(p99.get(id) ?? []), r.p99]);
        return r.rps;
      },
    };
  });
  const results = await interleave(variants, cfg.httpRounds, undefined, 'mirror');
  for (const s of Object.values(servers)) {
    await s.child.request({ type: 'stop' }).catch(() => {});
    await s.child.stop();
  }
  await server.destroy();

  return {
    id: 'http',
    title: 'HTTP cache hits (autocannon)',
    description: `${cfg.httpConnections} connections, ${cfg.httpRounds} interleaved rounds of ${cfg.httpDurationSec} s (each of ours measured next to the bare handler, the order reversed every other round), ${cfg.keys.toLocaleString('en')} keys of ${cfg.valueBytes}-byte JSON: random ids, then one hot id. The API runs with its shipped defaults except ${Object.entries(
      API_BENCH_ENV,
    )
      .map(([k, v]) => `${k}=${v}`)
      .join(
        ' ',
      )} (the rate limit off); both Express baselines have the API's Express settings (no ETag, no x-powered-by). Every server runs as an esbuild bundle on plain Node, as pnpm start runs the API. Ratios against the bare handler on the same keys.`,
    unit: 'req/s',
    higherIsBetter: true,
    baseline: 'expressGet',
    baselineLabel: 'bare handler, same keys',
    rows: ROWS.map(([sid, pattern]) => {
      const id = httpRowId(sid, pattern);
      const base = results.get(httpRowId('expressGet', pattern))!.samples;
      const serverCpu = quantile(cpu.get(id)!, 0.5);
      const redisUs = quantile(redisCpu.get(id)!, 0.5);
      const worstP99 = Math.max(...(p99.get(id) ?? [Number.NaN]));
      return {
        id,
        name: `${HTTP_PATTERNS[pattern]}: ${SERVERS[sid].label}`,
        ...results.get(id)!,
        vsBaseline: roundRatios(results.get(id)!.samples, base),
        detail: `server ${serverCpu.toFixed(0)} µs CPU/req, Redis ${redisUs.toFixed(1)} µs CPU/req; latency p99 ${worstP99} ms (worst round)`,
        values: { serverCpuUs: serverCpu, redisCpuUs: redisUs, worstP99Ms: worstP99 },
      };
    }),
    notes: [`non-2xx, errors and timeouts over all rounds: ${bad}`],
  };
}
