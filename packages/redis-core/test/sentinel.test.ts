import {
  cleanupAll,
  type RedisServer,
  type Sentinels,
  startReplicated,
  startSentinels,
  waitUntil,
} from '@app/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/index.js';
import { createConnections, type RedisClient, type RedisConnections } from '../src/connections/index.js';
import { createKeyspace } from '../src/keys/index.js';
import { createReplication, type Replication } from '../src/replication/index.js';

afterAll(cleanupAll);

async function portOf(client: RedisClient): Promise<number> {
  return Number(/tcp_port:(\d+)/.exec(await client.info('server'))?.[1]);
}

describe('sentinel topology', () => {
  let master: RedisServer;
  let replica: RedisServer;
  let sentinels: Sentinels;
  let conns: RedisConnections;
  let replication: Replication;

  beforeAll(async () => {
    const rep = await startReplicated({ replicas: 1 });
    master = rep.master;
    replica = rep.replicas[0] as RedisServer;
    sentinels = await startSentinels({ master, downAfterMs: 500, failoverTimeoutMs: 2000 });
    // Configured the way the apps are: from the environment.
    const config = loadConfig({ REDIS_SENTINELS: sentinels.addresses, REDIS_SENTINEL_NAME: sentinels.name });
    conns = createConnections(config.topology, { commandTimeoutMs: 1000 });
    replication = createReplication({ connections: conns, keys: createKeyspace() });
  });

  afterAll(async () => {
    await replication.close();
    await conns.close();
  });

  it('writes through the master the sentinels name and reads from the replica', async () => {
    await conns.writer.set('before-failover', 'yes');
    expect(await portOf(conns.writer)).toBe(master.port);
    await waitUntil(() => conns.reader() !== conns.writer, 5_000);
    expect(await portOf(conns.reader())).toBe(replica.port);
    await waitUntil(async () => (await conns.reader().get('before-failover')) === 'yes', 2_000);
    expect(conns.replicas).toEqual([]);
  });

  it('discovers master and replicas through the sentinels', async () => {
    const status = await replication.status();
    expect(status.topology).toBe('sentinel');
    expect(status.master).toMatchObject({
      url: `redis://127.0.0.1:${master.port}`,
      role: 'master',
      up: true,
    });
    expect(status.replicas).toHaveLength(1);
    expect(status.replicas[0]).toMatchObject({
      url: `redis://127.0.0.1:${replica.port}`,
      role: 'replica',
      up: true,
    });
    const probe = await replication.probe();
    expect(probe.results).toHaveLength(1);
    expect(probe.results[0]?.arrivedMs).not.toBeNull();
    expect(await replication.waitForReplicas(1, 1_000)).toEqual({ acknowledged: 1 });
  });

  it('follows a failover: the writer reaches the promoted replica', async () => {
    await master.kill();
    await waitUntil(async () => (await sentinels.currentMaster()).port === replica.port, 20_000);
    // Writes succeed again, on the new master, without rebuilding the connections.
    await waitUntil(
      async () => {
        await conns.writer.set('after-failover', 'yes');
        return (await portOf(conns.writer)) === replica.port;
      },
      10_000,
      'writer never reached the new master',
    );
    expect(await conns.writer.get('before-failover')).toBe('yes');
    // No replica is left: reads fall back to the writer.
    await waitUntil(() => conns.reader() === conns.writer, 5_000);
    expect(await conns.reader().get('after-failover')).toBe('yes');

    const status = await replication.status();
    expect(status.master).toMatchObject({
      url: `redis://127.0.0.1:${replica.port}`,
      role: 'master',
      up: true,
    });
    // The sentinels now list the dead old master as a replica of the new one.
    expect(status.replicas).toEqual([
      expect.objectContaining({ url: `redis://127.0.0.1:${master.port}`, up: false }),
    ]);
  }, 40_000);
});
