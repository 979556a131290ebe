import { afterAll, describe, expect, it } from 'vitest';
import {
  cleanupAll,
  startCluster,
  startRedis,
  startReplicated,
  startSentinels,
  waitUntil,
} from '../src/index.js';

afterAll(cleanupAll);

describe('startRedis', () => {
  it('starts a real server on a free port, never the shared 6379', async () => {
    const server = await startRedis();
    expect(server.port).not.toBe(6379);
    const client = server.client();
    await client.set('k', 'v');
    expect(await client.get('k')).toBe('v');
    expect(await client.info('server')).toMatch(/redis_version:/);
  });

  it('keeps acknowledged AOF writes across kill -9 and restart', async () => {
    const server = await startRedis({ appendonly: true, args: ['--appendfsync', 'always'] });
    const client = server.client();
    for (let i = 0; i < 100; i++) await client.set(`item:${i}`, String(i));
    const pid = server.pid;
    await server.kill();
    expect(server.isRunning()).toBe(false);
    await server.start();
    expect(server.pid).not.toBe(pid);
    const after = server.client();
    expect(await after.dbsize()).toBe(100);
    expect(await after.get('item:99')).toBe('99');
  });

  it('pause makes commands time out while the socket stays open; resume recovers', async () => {
    const server = await startRedis();
    const client = server.client({ commandTimeout: 300 });
    await client.ping();
    server.pause();
    await expect(client.ping()).rejects.toThrow(/timed out/i);
    server.resume();
    expect(await client.ping()).toBe('PONG');
  });

  it('stop then start keeps the port and loses nothing written with AOF', async () => {
    const server = await startRedis({ appendonly: true });
    const port = server.port;
    const c = server.client();
    await c.set('durable', 'yes');
    await server.restart();
    expect(server.port).toBe(port);
    expect(await server.client().get('durable')).toBe('yes');
  });
});

describe('startReplicated', () => {
  it('replicates a SET on the master to every replica', async () => {
    const { master, replicas } = await startReplicated({ replicas: 2 });
    await master.client().set('test', 'Hello Redis');
    for (const replica of replicas) {
      const r = replica.client();
      await waitUntil(async () => (await r.get('test')) === 'Hello Redis', 5_000);
      expect(await r.info('replication')).toMatch(/role:slave[\s\S]*master_link_status:up/);
    }
  });
});

describe('startSentinels', () => {
  it('fails over to the replica when the master is killed', async () => {
    const { master, replicas } = await startReplicated({ replicas: 1 });
    const sentinels = await startSentinels({ master, downAfterMs: 500, failoverTimeoutMs: 2000 });
    expect(await sentinels.currentMaster()).toEqual({ host: master.host, port: master.port });
    await master.kill();
    await waitUntil(async () => (await sentinels.currentMaster()).port === replicas[0]!.port, 20_000);
    expect(await replicas[0]!.client().info('replication')).toMatch(/role:master/);
  }, 40_000);
});

describe('startCluster', () => {
  it('starts 3 masters and 3 replicas with every slot served', async () => {
    const cluster = await startCluster();
    expect(cluster.masters).toHaveLength(3);
    expect(cluster.replicas).toHaveLength(3);
    const info = (await cluster.masters[0]!.client().call('CLUSTER', 'INFO')) as string;
    expect(info).toMatch(/cluster_slots_assigned:16384/);
    expect(info).toMatch(/cluster_state:ok/);
  }, 60_000);
});
