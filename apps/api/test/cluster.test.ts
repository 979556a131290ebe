import type { CacheKeysResponse, ProbeResponse, ReplicationResponse } from '@app/api-types';
import { cleanupAll, type RedisServer, startTestRedis, type TestRedis, waitUntil } from '@app/testing';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, buildTestApi, sleep, type TestApi } from './helpers.js';

/**
 * What only a cluster has, seen through the API: shards in the replication view and the probe,
 * key placement (catalog in one slot, cache entries on every master, BullMQ in one slot), the
 * key browser and invalidation across masters, and catalog reads from replicas that still see
 * this instance's own writes. The rest of the API runs on the cluster in the cluster pass.
 */

let redis: TestRedis;
let api: TestApi;

beforeAll(async () => {
  redis = await startTestRedis({ kind: 'cluster' });
  api = await buildTestApi(redis);
  for (let i = 0; i < 30; i++) await request(api.app).get(`/api/data/${['prod1', 'prod2', 'prod3'][i % 3]}`);
  for (let i = 0; i < 30; i++) await api.services.cache.set(`spread-${i}`, { i });
}, 90_000);
afterAll(async () => {
  await api?.close();
  await cleanupAll();
});

/** Keys stored on one node, by SCAN. */
async function keysOn(node: RedisServer, pattern: string): Promise<string[]> {
  const c = node.client();
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await c.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    found.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  c.disconnect();
  return found;
}

describe('key placement', () => {
  it('keeps the catalog in one slot, spreads cache entries over every master, and BullMQ in one slot', async () => {
    const keys = api.services.keys;
    const client = redis.client();
    const catalogKeys = [
      keys.product('prod1'),
      keys.products(),
      keys.category('electronics'),
      keys.categories(),
      keys.productsByPrice(),
      keys.productsByName(),
    ];
    const slots = await Promise.all(catalogKeys.map((k) => client.call('CLUSTER', 'KEYSLOT', k)));
    expect(new Set(slots).size).toBe(1);

    await request(api.app).post('/api/jobs/warm-top').set(admin).send({ n: 3 }).expect(202);
    const masters = await redis.masters();
    expect(masters).toHaveLength(3);
    const perMaster = await Promise.all(
      masters.map(async (m) => ({
        data: (await keysOn(m, 'data:*')).length,
        catalog: (await keysOn(m, '{db}:*')).length,
        jobs: (await keysOn(m, '{bull}:*')).length,
      })),
    );
    expect(perMaster.every((m) => m.data > 0)).toBe(true);
    expect(perMaster.filter((m) => m.catalog > 0)).toHaveLength(1);
    expect(perMaster.filter((m) => m.jobs > 0)).toHaveLength(1);
    // The seed's names are not there: only the hash-tagged ones.
    expect(await redis.scanKeys('db:*')).toEqual([]);
  });
});

describe('replication view and probe, per shard', () => {
  it('shows three shards, each with its slots, its master and its replica with link and lag', async () => {
    const body = (await request(api.app).get('/api/replication').expect(200)).body as ReplicationResponse;
    expect(body.topology).toBe('cluster');
    const shards = body.shards ?? [];
    expect(shards).toHaveLength(3);
    const slots = shards.flatMap((s) => s.slots).reduce((n, [from, to]) => n + to - from + 1, 0);
    expect(slots).toBe(16384);
    const masterPorts = (await redis.masters()).map((m) => m.port).sort();
    expect(shards.map((s) => Number(s.master.url.split(':').at(-1))).sort()).toEqual(masterPorts);
    for (const shard of shards) {
      expect(shard.master).toMatchObject({ role: 'master', up: true, connected_replicas: 1 });
      expect(shard.replicas).toHaveLength(1);
      expect(shard.replicas[0]).toMatchObject({ role: 'replica', up: true, link_status: 'up' });
      expect(shard.replicas[0]?.lag_bytes).toBeGreaterThanOrEqual(0);
    }
  });

  it('probes every replica of every shard', async () => {
    const probe = (await request(api.app).post('/api/replication/probe').set(admin).expect(200))
      .body as ProbeResponse;
    const replicaPorts = (redis.cluster?.replicas ?? []).map((r) => r.port).sort();
    expect(probe.results.map((r) => Number(r.url.split(':').at(-1))).sort()).toEqual(replicaPorts);
    for (const result of probe.results) expect(result.arrived_ms).toEqual(expect.any(Number));
  });
});

describe('key browser and invalidation across masters', () => {
  it('pages through every master with one cursor and finds exactly what SCAN finds on each node', async () => {
    const expected = new Set(await redis.scanKeys('data:*'));
    expect(expected.size).toBeGreaterThanOrEqual(33);
    const first = (await request(api.app).get('/api/cache/keys?pattern=data:*&count=1000').expect(200))
      .body as CacheKeysResponse;
    // One page holds the keys of all three shards, not only of the first node.
    expect(new Set(first.keys.map((k) => k.key))).toEqual(expected);
    expect(first.cursor).toBe('0');

    const seen = new Set<string>();
    let cursor = '0';
    let pages = 0;
    do {
      const page = (
        await request(api.app).get(`/api/cache/keys?pattern=data:*&count=4&cursor=${cursor}`).expect(200)
      ).body as CacheKeysResponse;
      for (const k of page.keys) seen.add(k.key);
      cursor = page.cursor;
      pages++;
    } while (cursor !== '0' && pages < 100);
    expect(seen).toEqual(expected);
    expect(pages).toBeGreaterThan(3);
    await request(api.app).get('/api/cache/keys?cursor=7-0').expect(400);
  });

  it('invalidates a prefix on every master', async () => {
    const res = await request(api.app).delete('/api/cache/prefix?prefix=data:spread-').set(admin).expect(200);
    expect(res.body.deleted).toBe(30);
    expect(await redis.scanKeys('data:spread-*')).toEqual([]);
    expect((await redis.scanKeys('data:prod*')).length).toBe(3);
  });
});

describe('catalog reads on replicas (scaleReads) with read-your-writes', () => {
  it('reads products from the catalog shard replica, yet always sees its own writes at once', async () => {
    const replicas = redis.cluster?.replicas ?? [];
    const getsOnReplicas = async () => {
      let total = 0;
      for (const r of replicas) {
        const c = r.client();
        total += Number(/cmdstat_get:calls=(\d+)/.exec(await c.info('commandstats'))?.[1] ?? 0);
        c.disconnect();
      }
      return total;
    };
    // No write of this instance for a while: reads may go to replicas.
    await sleep(2200);
    const before = await getsOnReplicas();
    await waitUntil(async () => {
      await request(api.app).get('/api/db/product/prod1').expect(200);
      return (await getsOnReplicas()) > before;
    }, 10_000);

    for (let i = 0; i < 20; i++) {
      await request(api.app)
        .put('/api/db/product/prod2')
        .set(admin)
        .send({ price: 100 + i })
        .expect(200);
      const read = await request(api.app).get('/api/db/product/prod2').expect(200);
      expect(read.body.data.price).toBe(100 + i);
    }
  });
});

describe('a whole shard down (master and replica)', () => {
  it('answers 503 (never 500), readiness says which, and comes back when the shard does', async () => {
    const keys = api.services.keys;
    const client = redis.client();
    const slotOf = async (key: string) => Number(await client.call('CLUSTER', 'KEYSLOT', key));
    const guarded = new Set([await slotOf(keys.products()), await slotOf(`${keys.jobsPrefix}:x`)]);
    const ranges = (await client.call('CLUSTER', 'SLOTS')) as [
      number,
      number,
      [string, number],
      [string, number],
    ][];
    // A shard with neither the catalog nor the queue: what it held was cache, lost without harm.
    const shard = ranges.find(([from, to]) => ![...guarded].some((s) => s >= from && s <= to));
    if (!shard) throw new Error('every shard holds the catalog or the queue');
    const doomed = (redis.cluster?.nodes ?? []).filter(
      (n) => n.port === shard[2][1] || n.port === shard[3]?.[1],
    );
    expect(doomed).toHaveLength(2);
    for (const node of doomed) await node.kill();

    // Each surviving node marks the shard failed on its own clock (node timeout, then the FAIL
    // broadcast), and until then it still serves its own slots. A 503 alone is not that moment:
    // readiness also answers 503 when its PING or CLUSTER INFO times out on a loaded machine, and
    // a loaded run once saw a 503 and then a 200. So wait until every survivor says fail, then
    // until readiness (which asks one node) names it.
    await redis.cluster?.waitForState('fail', 20_000);
    let ready: request.Response | undefined;
    await waitUntil(async () => {
      ready = await request(api.app).get('/readyz');
      return ready.status === 503 && /cluster_state:fail/.test(ready.body.details?.redis ?? '');
    }, 10_000);
    expect(ready?.status).toBe(503);
    expect(ready?.body.status).toBe('unavailable');
    for (const path of [
      '/api/data/prod1',
      '/api/db/product/prod1',
      '/api/db/list',
      '/api/stats',
      '/api/history',
    ]) {
      const res = await request(api.app).get(path);
      expect(res.status, path).toBe(503);
      expect(res.body.code, path).toBe('E_REDIS_UNAVAILABLE');
    }
    const write = await request(api.app)
      .post('/api/db/add')
      .set(admin)
      .send({ id: 'during-outage', name: 'Outage', price: 1, category: 'misc' });
    expect(write.status).toBe(503);

    for (const node of doomed) await node.start();
    // Likewise on the way back: each node clears the failure when it hears from the shard again.
    await redis.cluster?.waitForOk(30_000);
    await waitUntil(async () => (await request(api.app).get('/readyz')).status === 200, 30_000);
    await waitUntil(async () => (await request(api.app).get('/api/data/prod1')).status === 200, 10_000);
    expect((await request(api.app).get('/api/db/product/prod2').expect(200)).body.data.id).toBe('prod2');
  }, 90_000);
});
