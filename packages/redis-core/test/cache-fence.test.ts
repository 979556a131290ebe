import {
  cleanupAll,
  type RedisServer,
  startCluster,
  startRedis,
  type Cluster as TestCluster,
} from '@app/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cache, createCache } from '../src/cache/index.js';
import { loadConfig } from '../src/config/index.js';
import { createConnections, type RedisConnections } from '../src/connections/index.js';
import { createKeyspace, type Keyspace } from '../src/keys/index.js';

/**
 * The bulk-write race: the worker reads product v1, a catalog write lands and the API
 * invalidates the entry, then the worker's setMany would write v1 back for a whole TTL.
 */
interface Product {
  id: string;
  v: number;
}

function scenarios(setup: () => { cache: Cache; keys: Keyspace }) {
  it('skips an entry invalidated after the read started; a later getOrLoad loads the new value', async () => {
    const { cache, keys } = setup();
    const catalog = new Map<string, Product>([['race-1', { id: 'race-1', v: 1 }]]);
    const readStartedAt = Date.now();
    const read = catalog.get('race-1')!; // the worker's catalog read (v1)
    catalog.set('race-1', { id: 'race-1', v: 2 }); // a catalog write lands…
    await cache.invalidate('race-1'); // …and its onWrite invalidates the entry
    const written = await cache.setMany([['race-1', read]], 60, { readStartedAt });
    expect(await cache.peek('race-1')).toBeNull();
    expect(written).toBe(0);
    const loaded = await cache.getOrLoad('race-1', async () => catalog.get('race-1') ?? null);
    expect(loaded.source).toBe('database');
    expect(loaded.value).toEqual({ id: 'race-1', v: 2 });
    expect(keys.cacheFence(keys.cacheEntry('race-1'))).toContain('cache:fence:');
  });

  it('writes entries without an invalidation since the read, and fences only the invalidated one', async () => {
    const { cache } = setup();
    await cache.invalidate('calm-2'); // invalidated long "before" the read below
    const readStartedAt = Date.now() + 5000; // read started well after that fence (beyond the skew)
    const written = await cache.setMany(
      [
        ['calm-1', { id: 'calm-1', v: 1 }],
        ['calm-2', { id: 'calm-2', v: 1 }],
      ],
      60,
      { readStartedAt },
    );
    expect(written).toBe(2);
    expect((await cache.peek('calm-1'))?.value).toEqual({ id: 'calm-1', v: 1 });
    expect((await cache.peek('calm-2'))?.value).toEqual({ id: 'calm-2', v: 1 });

    const started = Date.now();
    await cache.invalidate('calm-1');
    const second = await cache.setMany(
      [
        ['calm-1', { id: 'calm-1', v: 9 }],
        ['calm-3', { id: 'calm-3', v: 1 }],
      ],
      60,
      { readStartedAt: started - 1 },
    );
    expect(await cache.peek('calm-1')).toBeNull();
    expect(second).toBe(1);
    expect((await cache.peek('calm-3'))?.value).toEqual({ id: 'calm-3', v: 1 });
  });

  it('drops a batch whose read is older than the fence can vouch for', async () => {
    const { cache } = setup();
    const written = await cache.setMany([['old-1', { id: 'old-1', v: 1 }]], 60, {
      readStartedAt: Date.now() - 60_000,
    });
    expect(written).toBe(0);
    expect(await cache.peek('old-1')).toBeNull();
  });
}

describe('setMany fence (standalone)', () => {
  let server: RedisServer;
  let connections: RedisConnections;
  let cache: Cache;
  const keys = createKeyspace();
  beforeAll(async () => {
    server = await startRedis();
    connections = createConnections({ kind: 'standalone', url: server.url }, { commandTimeoutMs: 1000 });
    cache = createCache({
      connections,
      keys,
      ttlSeconds: 60,
      jitter: 0,
      negativeTtlSeconds: 10,
      graceSeconds: 0,
    });
  });
  afterAll(async () => {
    cache.close();
    await connections.close();
  });
  scenarios(() => ({ cache, keys }));
});

describe('setMany fence (cluster)', () => {
  let cluster: TestCluster;
  let connections: RedisConnections;
  let cache: Cache;
  const keys = createKeyspace({ cluster: true });
  beforeAll(async () => {
    cluster = await startCluster();
    connections = createConnections(loadConfig({ REDIS_CLUSTER_NODES: cluster.addresses }).topology);
    cache = createCache({
      connections,
      keys,
      ttlSeconds: 60,
      jitter: 0,
      negativeTtlSeconds: 10,
      graceSeconds: 0,
    });
  }, 60_000);
  afterAll(async () => {
    cache.close();
    await connections.close();
    await cleanupAll();
  });
  scenarios(() => ({ cache, keys }));
});
