import { afterAll, describe, expect, it } from 'vitest';
import { cleanupAll, startTestRedis, testTopologyKind } from '../src/index.js';

afterAll(cleanupAll);

describe('TEST_REDIS_TOPOLOGY', () => {
  it('is standalone unless it says cluster, and refuses anything else', () => {
    expect(testTopologyKind({})).toBe('standalone');
    expect(testTopologyKind({ TEST_REDIS_TOPOLOGY: ' Cluster ' })).toBe('cluster');
    expect(testTopologyKind({ TEST_REDIS_TOPOLOGY: 'standalone' })).toBe('standalone');
    expect(() => testTopologyKind({ TEST_REDIS_TOPOLOGY: 'sentinel' })).toThrow(/TEST_REDIS_TOPOLOGY/);
  });
});

describe('startTestRedis', () => {
  it('standalone: REDIS_URL, one master, plain BullMQ prefixes', async () => {
    const redis = await startTestRedis({ kind: 'standalone' });
    expect(redis.env).toEqual({ REDIS_URL: redis.server?.url });
    expect(await redis.masters()).toEqual([redis.server]);
    await redis.client().set('ratelimit:a:1', '1');
    expect(await redis.scanKeys('ratelimit:*')).toEqual(['ratelimit:a:1']);
    expect(redis.queuePrefix('sched')).toBe('sched');
  });

  it('cluster: REDIS_CLUSTER_NODES, keys found on every master, replicas already listed for reads', async () => {
    const redis = await startTestRedis({ kind: 'cluster' });
    expect(redis.env.REDIS_CLUSTER_NODES?.split(',')).toHaveLength(6);
    expect(await redis.masters()).toHaveLength(3);
    const keys = Array.from({ length: 30 }, (_, i) => `data:k${i}`);
    for (const key of keys) await redis.client().set(key, '1');
    expect((await redis.scanKeys('data:*')).sort()).toEqual([...keys].sort());
    expect(await redis.del(keys)).toBe(30);
    expect(redis.queuePrefix('sched')).toBe('{sched}');
    // CLUSTER SLOTS lists each shard's replica: scaleReads clients can use them from the start.
    const slots = (await redis.client().call('CLUSTER', 'SLOTS')) as unknown[][];
    expect(slots.every((range) => range.length >= 4)).toBe(true);
    await redis.configSet('maxmemory-policy', 'allkeys-lru');
    for (const node of redis.nodes()) {
      const c = node.client();
      expect(await c.config('GET', 'maxmemory-policy')).toEqual(['maxmemory-policy', 'allkeys-lru']);
      c.disconnect();
    }
  });
});
