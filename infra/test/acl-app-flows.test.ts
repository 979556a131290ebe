import {
  type Cache,
  type Catalog,
  checkQueueRedisPolicy,
  createCache,
  createCatalog,
  createConnections,
  createHistory,
  createJobProducer,
  createKeyspace,
  createReplication,
  createStats,
  JOB,
  type RedisConnections,
  redisInfo,
} from '@app/redis-core';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitForLinkUp } from '../dev/local-topologies.js';
import { cleanup, demoPasswords, inspector, startFromConf } from './helpers.js';
import { workerUserFlow } from './worker-flow.js';

// Least privilege that still works: the real @app/redis-core code paths the API and the worker
// run, logged in as the `app` and `worker` users of users.acl, against servers started from
// the committed database.conf (master + replica) and queue.conf. A missing permission shows up
// here as NOPERM instead of in production.

const keys = createKeyspace();
const url = (user: 'app' | 'worker', port: number) =>
  `redis://${user}:${demoPasswords[user]}@127.0.0.1:${port}`;
const open: RedisConnections[] = [];

let ports: { master: number; replica: number; queue: number };

function connectAs(user: 'app' | 'worker'): RedisConnections {
  const connections = createConnections(
    { kind: 'replicated', url: url(user, ports.master), replicaUrls: [url(user, ports.replica)] },
    { queueRedisUrl: url(user, ports.queue), commandTimeoutMs: 2_000 },
  );
  open.push(connections);
  return connections;
}

function cacheFor(connections: RedisConnections, stats?: ReturnType<typeof createStats>): Cache {
  return createCache({
    connections,
    keys,
    stats,
    ttlSeconds: 60,
    jitter: 0.1,
    negativeTtlSeconds: 10,
    graceSeconds: 0,
  });
}

beforeAll(async () => {
  const master = await startFromConf('database.conf');
  const replica = await startFromConf('database.conf', {
    args: ['--replicaof', '127.0.0.1', String(master.port)],
  });
  const queue = await startFromConf('queue.conf');
  await waitForLinkUp(replica.port, 15_000, inspector);
  ports = { master: master.port, replica: replica.port, queue: queue.port };
});

afterAll(async () => {
  await Promise.all(open.map((c) => c.close().catch(() => undefined)));
  await cleanup();
});

describe('the app user runs everything the API does', () => {
  let connections: RedisConnections;
  let catalog: Catalog;

  beforeAll(() => {
    connections = connectAs('app');
    catalog = createCatalog({ connections, keys });
  });

  it('seeds, reads, searches and updates the catalog (Lua writes keep every index)', async () => {
    expect(await catalog.seedIfEmpty()).toBeGreaterThan(0);
    expect((await catalog.get('prod1', { consistent: true }))?.name).toBe('Smartphone Premium');
    expect((await catalog.byCategory('electronics')).count).toBeGreaterThan(0);
    expect((await catalog.byPrice({ max: 1000 })).products.length).toBeGreaterThan(0);
    expect((await catalog.searchByName('smart')).map((p) => p.id)).toContain('prod1');
    expect((await catalog.update('prod1', { price: 849.99 })).price).toBe(849.99);
    expect((await catalog.checkConsistency()).ok).toBe(true);
  });

  it('reads through the cache, records stats and history, browses keys with SCAN', async () => {
    const stats = createStats({ connections, keys, flushIntervalMs: 60_000 });
    const cache = cacheFor(connections, stats);
    const load = () => catalog.get('prod1', { consistent: true });
    expect((await cache.getOrLoad('prod1', load)).source).toBe('database');
    expect((await cache.getOrLoad('prod1', load)).source).toBe('cache');
    expect(
      (await cache.getOrLoadQuery('by-price', { max: 1000 }, () => catalog.byPrice({ max: 1000 }))).source,
    ).toBe('database');
    expect((await cache.scanKeys({ pattern: 'data:*', count: 100 })).keys.map((k) => k.key)).toContain(
      'data:prod1',
    );
    expect(await cache.invalidate('prod1')).toBe(true);
    await stats.flush();
    expect((await stats.snapshot()).requests).toBeGreaterThanOrEqual(2);
    expect(await stats.hotIds({ sinceMs: 60_000, limit: 10 })).toContain('prod1');
    const history = createHistory({ connections, keys });
    await history.record('smartphone');
    expect((await history.top(5))[0]?.query).toBe('smartphone');
    expect((await redisInfo(connections.writer)).role).toBe('master');
    cache.close();
    await stats.close();
  });

  it('checks replication (INFO on every node, probe, WAIT) and enqueues jobs on the queue Redis', async () => {
    const replication = createReplication({ connections, keys });
    const status = await replication.status();
    expect(status.replicas).toHaveLength(1);
    expect(status.replicas[0]?.linkStatus).toBe('up');
    const probe = await replication.probe(3_000);
    expect(probe.results[0]?.arrivedMs).not.toBeNull();
    await replication.close();

    const producer = createJobProducer({
      connection: connections.queueConnectionOptions(),
      prefix: keys.jobsPrefix,
    });
    const job = await producer.enqueue(JOB.warmAll, {});
    expect(job.name).toBe(JOB.warmAll);
    // The readiness check: CONFIG is refused to the app user, INFO still tells the policy.
    const queueClient = new Redis(url('app', ports.queue), { maxRetriesPerRequest: 1 });
    try {
      expect(await checkQueueRedisPolicy(queueClient)).toMatchObject({ ok: true, policy: 'noeviction' });
    } finally {
      queueClient.disconnect();
    }
    await producer.close();
  });
});

describe('the worker user runs what the worker does', () => {
  it('consumes a job from the queue Redis, warms the cache from the catalog, writes its heartbeat', async () => {
    const connections = connectAs('worker');
    const catalog = createCatalog({ connections, keys });
    const stats = createStats({ connections, keys, flushIntervalMs: 60_000 });
    const cache = cacheFor(connections, stats);
    const app = connectAs('app');
    try {
      await workerUserFlow({
        connections,
        app,
        keys,
        catalog,
        cache,
        workerId: 'acl-test.1.abc',
        duringJob: () => stats.hotIds({ sinceMs: 60_000, limit: 10 }),
      });
    } finally {
      cache.close();
      await stats.close();
    }
  });
});
