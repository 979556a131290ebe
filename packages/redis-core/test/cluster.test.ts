import { cleanupAll, startCluster, type Cluster as TestCluster, waitUntil } from '@app/testing';
import type { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/index.js';
import { createConnections, type RedisConnections } from '../src/connections/index.js';
import { createKeyspace } from '../src/keys/index.js';
import { keySlot } from '../src/keys/slot.js';
import { createReplication, type Replication } from '../src/replication/index.js';

afterAll(cleanupAll);

describe('cluster topology', () => {
  let cluster: TestCluster;
  let conns: RedisConnections;
  let replication: Replication;
  let admin: Redis;
  const keys = createKeyspace({ cluster: true });

  beforeAll(async () => {
    cluster = await startCluster();
    conns = createConnections(loadConfig({ REDIS_CLUSTER_NODES: cluster.addresses }).topology);
    replication = createReplication({ connections: conns, keys });
    admin = cluster.masters[0]!.client();
    await waitUntil(() => conns.reader() !== conns.writer, 10_000);
    // A fresh cluster lists no replica in CLUSTER SLOTS until it replicated something: write
    // to every shard, then the reader's periodic slot refresh finds the replicas.
    for (let i = 0; i < 30; i++) await conns.writer.set(keys.cacheEntry(`warm${i}`), 'x');
    await waitUntil(() => (conns.reader() as Cluster).nodes('slave').length === 3, 20_000);
  }, 90_000);

  afterAll(async () => {
    await replication.close();
    await conns.close();
  });

  it('hashes catalog keys to one slot, as the server computes it', async () => {
    const catalog = [keys.product('prod1'), keys.products(), keys.category('audio'), keys.productsByPrice()];
    const slots = await Promise.all(
      catalog.map(async (k) => Number(await admin.call('CLUSTER', 'KEYSLOT', k))),
    );
    expect(new Set(slots).size).toBe(1);
    // The package's own slot function agrees with the server.
    for (const key of [...catalog, keys.cacheEntry('p1'), keys.statsHot(), 'foo', keys.lock('data:p1')]) {
      expect(keySlot(key)).toBe(Number(await admin.call('CLUSTER', 'KEYSLOT', key)));
    }
  });

  it('runs multi-key catalog writes without CROSSSLOT and spreads cache entries', async () => {
    expect(conns.isCluster).toBe(true);
    const result = await conns.writer
      .multi()
      .set(keys.product('prod1'), '{"id":"prod1","price":999.99}')
      .sadd(keys.products(), 'prod1')
      .sadd(keys.category('electronics'), 'prod1')
      .zadd(keys.productsByPrice(), 999.99, 'prod1')
      .exec();
    expect(result?.every(([err]) => err === null)).toBe(true);
    expect(await conns.writer.sinter(keys.products(), keys.category('electronics'))).toEqual(['prod1']);
    for (let i = 0; i < 30; i++) await conns.writer.set(keys.cacheEntry(`p${i}`), String(i), 'EX', 60);
    const perMaster = await Promise.all(cluster.masters.map((m) => m.client().dbsize()));
    expect(perMaster.filter((n) => n > 0).length).toBe(3);
  });

  it('reads through replicas with the reader', async () => {
    await conns.writer.set(keys.cacheEntry('read-me'), 'from-replica');
    const getsOnReplicas = async () => {
      let total = 0;
      for (const r of cluster.replicas) {
        total += Number(/cmdstat_get:calls=(\d+)/.exec(await r.client().info('commandstats'))?.[1] ?? 0);
      }
      return total;
    };
    const before = await getsOnReplicas();
    await waitUntil(
      async () => (await conns.reader().get(keys.cacheEntry('read-me'))) === 'from-replica',
      3_000,
    );
    expect(await getsOnReplicas()).toBeGreaterThan(before);
    expect((conns.reader() as Cluster).options.scaleReads).toBe('slave');
    expect((conns.writer as Cluster).options.scaleReads).toBe('master');
  });

  it('reports every shard with its slots, master and replica', async () => {
    const status = await replication.status();
    expect(status.topology).toBe('cluster');
    expect(status.shards).toHaveLength(3);
    const slotCount = status.shards!.flatMap((s) => s.slots).reduce((n, [a, b]) => n + b - a + 1, 0);
    expect(slotCount).toBe(16384);
    const masterUrls = cluster.masters.map((m) => `redis://127.0.0.1:${m.port}`).sort();
    expect(status.shards!.map((s) => s.master.url).sort()).toEqual(masterUrls);
    for (const shard of status.shards!) {
      expect(shard.master).toMatchObject({ role: 'master', up: true, connectedReplicas: 1 });
      expect(shard.replicas).toHaveLength(1);
      expect(shard.replicas[0]).toMatchObject({ role: 'replica', up: true, linkStatus: 'up' });
    }
    expect(status.master).toEqual(status.shards![0]!.master);
    expect(status.replicas).toHaveLength(3);
  });

  it('probes every replica of every shard and waits on each master', async () => {
    const probe = await replication.probe();
    expect(probe.error).toBeUndefined();
    expect(probe.results.map((r) => r.url).sort()).toEqual(
      cluster.replicas.map((r) => `redis://127.0.0.1:${r.port}`).sort(),
    );
    expect(probe.results.every((r) => r.arrivedMs !== null && r.arrivedMs < 2_000)).toBe(true);
    expect(await replication.waitForReplicas(1, 1_000)).toEqual({ acknowledged: 1, perMaster: [1, 1, 1] });
  });

  it('fails a command within the command timeout when its shard master hangs', async () => {
    const key = keys.cacheEntry('hang');
    const slot = keySlot(key);
    const status = await replication.status();
    const shard = status.shards!.find((s) => s.slots.some(([a, b]) => slot >= a && slot <= b))!;
    const owner = cluster.masters.find((m) => shard.master.url.endsWith(`:${m.port}`))!;
    // Shorter than the 2 s node timeout, so no failover starts.
    owner.pause();
    try {
      const t0 = performance.now();
      await expect(conns.writer.get(key)).rejects.toThrow(/timed out/i);
      expect(performance.now() - t0).toBeLessThan(1_000 + 300);
    } finally {
      owner.resume();
    }
    expect(await conns.writer.get(key)).toBeNull();
  });

  it('gives BullMQ a cluster client with the hash-tagged prefix', async () => {
    const queue = conns.queueConnectionOptions() as Cluster;
    expect(queue.isCluster).toBe(true);
    expect(queue.options.redisOptions?.maxRetriesPerRequest).toBeNull();
    expect(keys.jobsPrefix).toBe('{bull}');
  });
});
