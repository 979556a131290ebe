import {
  cleanupAll,
  type RedisServer,
  startCluster,
  startRedis,
  type Cluster as TestCluster,
} from '@app/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Cache,
  createCache,
  createConnections,
  createKeyspace,
  type Keyspace,
  loadConfig,
  type RedisConnections,
} from '../src/index.js';

/**
 * The bulk-write race, fenced by catalog versions (no clocks): the worker reads product v1, a
 * change to v2 is invalidated with its version, then the worker's setMany would write v1 back
 * for a whole TTL. The fence (highest version invalidated) refuses it; v2 and later pass.
 */
interface Product {
  id: string;
  v: number;
}

function scenarios(setup: () => { cache: Cache; keys: Keyspace }) {
  it('refuses an entry read at a version below the fence; the version read after the change passes', async () => {
    const { cache } = setup();
    const read = { id: 'race-1', v: 1 }; // the worker's catalog read, version 1
    await cache.invalidate('race-1', { version: 2 }); // the change to version 2 is invalidated
    expect(await cache.setMany([['race-1', read]], 60, { versions: [1] })).toBe(0);
    expect(await cache.peek('race-1')).toBeNull();
    expect(await cache.setMany([['race-1', { id: 'race-1', v: 2 }]], 60, { versions: [2] })).toBe(1);
    expect((await cache.peek<Product>('race-1'))?.value).toEqual({ id: 'race-1', v: 2 });
  });

  it('nothing read after a change is ever skipped, however soon after (no clock margin)', async () => {
    const { cache } = setup();
    const ids = Array.from({ length: 500 }, (_, i) => `fresh-${i}`);
    // 500 products just written: each invalidated with the version the write gave it…
    await cache.invalidateVersions(ids.map((id) => ({ id, version: 7 })));
    // …and warmed at once with what was read after those writes.
    const written = await cache.setMany(
      ids.map((id): [string, Product] => [id, { id, v: 7 }]),
      60,
      { versions: ids.map(() => 7) },
    );
    expect(written).toBe(500);
  });

  it('a fence only rises: replaying an older change does not lower it', async () => {
    const { cache } = setup();
    await cache.invalidate('mono-1', { version: 9 });
    await cache.invalidateVersions([{ id: 'mono-1', version: 4 }]);
    expect(await cache.setMany([['mono-1', { id: 'mono-1', v: 8 }]], 60, { versions: [8] })).toBe(0);
  });

  it('a delete of unknown version fences every version; a plain invalidate fences nothing', async () => {
    const { cache } = setup();
    await cache.invalidateVersions([{ id: 'gone-1', version: null }]);
    expect(await cache.setMany([['gone-1', { id: 'gone-1', v: 1e12 }]], 60, { versions: [1e12] })).toBe(0);
    await cache.invalidate('plain-1');
    expect(await cache.setMany([['plain-1', { id: 'plain-1', v: 0 }]], 60, { versions: [0] })).toBe(1);
  });

  it('invalidation also removes the entry and its loader lock, so an in-flight load cannot store', async () => {
    const { cache } = setup();
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const load = cache.getOrLoad<Product>('inflight-1', async () => {
      await gate;
      return { id: 'inflight-1', v: 1 };
    });
    await new Promise((r) => setTimeout(r, 50));
    await cache.invalidateVersions([{ id: 'inflight-1', version: 2 }]);
    release();
    expect((await load).value).toEqual({ id: 'inflight-1', v: 1 });
    expect(await cache.peek('inflight-1')).toBeNull();
  });

  it('flushEntries drops every entry and loader lock, keeps the fences', async () => {
    const { cache } = setup();
    await cache.setMany([
      ['flush-1', { id: 'flush-1', v: 1 }],
      ['flush-2', { id: 'flush-2', v: 1 }],
    ]);
    await cache.invalidate('flush-3', { version: 5 });
    expect(await cache.flushEntries()).toBeGreaterThanOrEqual(2);
    expect(await cache.peek('flush-1')).toBeNull();
    expect(await cache.setMany([['flush-3', { id: 'flush-3', v: 4 }]], 60, { versions: [4] })).toBe(0);
  });

  it('rejects versions that do not match the entries, and a read older than the fences live', async () => {
    const { cache } = setup();
    await expect(cache.setMany([['bad-1', { id: 'bad-1', v: 1 }]], 60, { versions: [] })).rejects.toThrow(
      /one finite number per entry/,
    );
    const written = await cache.setMany([['old-1', { id: 'old-1', v: 1 }]], 60, {
      versions: [1],
      readAt: performance.now() - 10 * 60_000,
    });
    expect(written).toBe(0);
  });
}

function cacheOn(connections: RedisConnections, keys: Keyspace): Cache {
  return createCache({
    connections,
    keys,
    ttlSeconds: 60,
    jitter: 0,
    negativeTtlSeconds: 10,
    graceSeconds: 0,
  });
}

describe('version fence (standalone)', () => {
  let server: RedisServer;
  let connections: RedisConnections;
  let cache: Cache;
  const keys = createKeyspace();
  beforeAll(async () => {
    server = await startRedis();
    connections = createConnections({ kind: 'standalone', url: server.url }, { commandTimeoutMs: 1000 });
    cache = cacheOn(connections, keys);
  });
  afterAll(async () => {
    cache.close();
    await connections.close();
  });
  scenarios(() => ({ cache, keys }));
});

describe('version fence (cluster)', () => {
  let cluster: TestCluster;
  let connections: RedisConnections;
  let cache: Cache;
  const keys = createKeyspace({ cluster: true });
  beforeAll(async () => {
    cluster = await startCluster();
    connections = createConnections(loadConfig({ REDIS_CLUSTER_NODES: cluster.addresses }).topology);
    cache = cacheOn(connections, keys);
  }, 60_000);
  afterAll(async () => {
    cache.close();
    await connections.close();
    await cleanupAll();
  });
  scenarios(() => ({ cache, keys }));
});
