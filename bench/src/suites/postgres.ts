import {
  createCacheInvalidator,
  createChangeStreamConsumer,
  createPostgresStore,
} from '@app/catalog-postgres';
import { generateProducts, type Product } from '@app/redis-core';
import { startPostgres, startRedis } from '@app/testing';
import autocannon from 'autocannon';
import { startBundledChild } from '../lib/bundled-child.js';
import type { BenchConfig } from '../lib/config.js';
import { ourStack } from '../lib/ours.js';
import type { Row, SuiteResult } from '../lib/report.js';
import { interleave, keyOrder, throughput } from '../lib/rounds.js';
import { roundRatios, summarize } from '../lib/stats.js';

const PRODUCTS = 1000;

/**
 * The postgres store (CATALOG_STORE=postgres), on a PostgreSQL and a Redis of the suite's own:
 * - a cache hit (`getOrLoad`, Redis) against the primary-key SELECT the loader runs, through
 *   the same pg pool, closed-loop, interleaved rounds;
 * - commit→invalidation: single-row UPDATEs committed one after another while the change-stream
 *   consumer runs; the latency is from PostgreSQL's commit timestamp to Redis acknowledging the
 *   invalidation (what the consumer reports in /metrics), p50 and p99 over every commit.
 */
export async function postgresSuite(cfg: BenchConfig): Promise<SuiteResult> {
  const pg = await startPostgres();
  const redis = await startRedis();
  const store = createPostgresStore(pg.url(), { max: 10 });
  const ours = ourStack(redis.url, { ttlSeconds: 3600 });
  const products = generateProducts(PRODUCTS, { seed: 16 });
  await store.catalog.seedIfEmpty(products);
  const ids = products.map((p) => p.id);
  const order = keyOrder(ids.length);
  const select = (i: number) => store.catalog.get(ids[order[i & (order.length - 1)]! % ids.length]!);
  const hit = (i: number) => {
    const id = ids[order[i & (order.length - 1)]! % ids.length]!;
    return ours.cache.getOrLoad<Product>(id, () => store.catalog.get(id));
  };
  for (let i = 0; i < ids.length; i++) await hit(i);

  const opts = { concurrency: cfg.concurrency, durationMs: cfg.durationMs, order, latency: true };
  const p50 = new Map<string, number[]>();
  /** One closed-loop variant; its p50 is kept beside the ops/s the rounds compare. */
  const variant = (name: string, op: (i: number) => Promise<unknown>) => ({
    name,
    warmup: async () => void (await throughput(op, { ...opts, durationMs: cfg.warmupMs })),
    measure: async () => {
      const t = await throughput(op, opts);
      p50.set(name, [...(p50.get(name) ?? []), t.p50Ms ?? Number.NaN]);
      return t.opsPerSec;
    },
  });
  const summaries = await interleave([variant('select', select), variant('hit', hit)], cfg.rounds);
  const selectOps = summaries.get('select')!;
  const hitOps = summaries.get('hit')!;

  // HTTP: our API on the postgres store (every id a Redis hit) vs a bare Express handler running
  // the SELECT, each server in its own process, autocannon in this one, the same random ids.
  const api = await startBundledChild('http-server.ts');
  const apiPort = (
    await api.request<{ port: number }>({
      type: 'start',
      url: redis.url,
      variant: 'api',
      env: {
        RATE_LIMIT_PER_MINUTE: '0',
        SEED_CATALOG: 'false',
        CATALOG_STORE: 'postgres',
        DATABASE_URL: pg.url(),
      },
    })
  ).port;
  const bare = await startBundledChild('pg-select-server.ts');
  const barePort = (await bare.request<{ port: number }>({ type: 'start', databaseUrl: pg.url() })).port;
  const load = async (port: number, seconds: number) => {
    let i = 0;
    const r = await autocannon({
      url: `http://127.0.0.1:${port}`,
      connections: cfg.httpConnections,
      duration: seconds,
      requests: [
        {
          method: 'GET',
          setupRequest: (req) => ({ ...req, path: `/api/data/${ids[order[i++ & 0xffff]! % ids.length]}` }),
        },
      ],
    });
    return r.requests.average;
  };
  const httpVariant = (name: string, port: number) => ({
    name,
    warmup: async () => void (await load(port, Math.max(1, Math.round(cfg.warmupMs / 1000)))),
    measure: () => load(port, cfg.httpDurationSec),
  });
  const http = await interleave(
    [httpVariant('http-select', barePort), httpVariant('http-hit', apiPort)],
    cfg.rounds,
  );
  for (const child of [api, bare]) {
    await child.request({ type: 'stop' }).catch(() => {});
    await child.stop();
  }
  const httpSelect = http.get('http-select')!;
  const httpHit = http.get('http-hit')!;

  // Commit → invalidation, with the consumer the worker runs.
  const consumer = createChangeStreamConsumer({
    databaseUrl: pg.url(),
    pool: store.pool,
    applier: createCacheInvalidator(ours.cache),
    retryDelayMs: 200,
  });
  consumer.start();
  const deadline = Date.now() + 30_000;
  while (consumer.state !== 'streaming' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const updates = Math.min(cfg.invalidations, 2000);
  for (let i = 0; i < updates; i++) {
    await store.pool.query('UPDATE products SET price = price + 1 WHERE id = $1', [ids[i % ids.length]]);
  }
  while (consumer.stats().commits < updates && Date.now() < deadline + 30_000) {
    await new Promise((r) => setTimeout(r, 20));
  }
  const stream = consumer.stats();
  await consumer.stop();
  await ours.close();
  await store.close();

  const latencyRow = (id: string, name: string, value: number | null): Row => ({
    id,
    name,
    unit: 'ms',
    ...summarize([value ?? Number.NaN]),
    detail: `${stream.latencyMs.samples} commits (PostgreSQL commit timestamp → Redis acknowledged the invalidation)`,
  });
  const p50Of = (name: string) => summarize(p50.get(name) ?? []).median;
  return {
    id: 'postgres',
    title: 'PostgreSQL store: cache hit vs primary-key SELECT, commit→invalidation',
    description:
      `${PRODUCTS} products in a PostgreSQL 15 of the suite's own (fsync off), ${cfg.concurrency} operations in flight, ` +
      `${cfg.rounds} interleaved rounds of ${cfg.durationMs} ms. The SELECT goes through the pg pool the loader uses.`,
    unit: 'ops/s',
    higherIsBetter: true,
    baseline: 'select',
    rows: [
      {
        id: 'select',
        name: 'SELECT … WHERE id = $1 (pg pool)',
        ...selectOps,
        vsBaseline: roundRatios(selectOps.samples, selectOps.samples),
        detail: `p50 ${p50Of('select').toFixed(3)} ms`,
      },
      {
        id: 'hit',
        name: 'getOrLoad hit (Redis)',
        ...hitOps,
        vsBaseline: roundRatios(hitOps.samples, selectOps.samples),
        detail: `p50 ${p50Of('hit').toFixed(3)} ms`,
      },
      {
        id: 'http-select',
        name: 'HTTP: bare Express handler running the SELECT',
        unit: 'req/s',
        ...httpSelect,
        vsBaseline: roundRatios(httpSelect.samples, httpSelect.samples),
      },
      {
        id: 'http-hit',
        name: 'HTTP: ours GET /api/data/:id, Redis hit (postgres store)',
        unit: 'req/s',
        ...httpHit,
        vsBaseline: roundRatios(httpHit.samples, httpSelect.samples),
      },
      latencyRow('commit-invalidation-p50', 'commit → invalidation, p50', stream.latencyMs.p50),
      latencyRow('commit-invalidation-p99', 'commit → invalidation, p99', stream.latencyMs.p99),
    ],
    notes: [
      `Commit→invalidation measured over ${updates} single-row UPDATEs committed one after another; ` +
        'the consumer confirms each position only after Redis applied it.',
      `HTTP rows: autocannon -c ${cfg.httpConnections}, ${cfg.httpDurationSec} s per round; their ratio is against the bare SELECT handler; both servers run as esbuild bundles on plain Node, as pnpm start runs the API.`,
    ],
  };
}
