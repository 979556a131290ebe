import { Cluster } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { type LocalRedis, localTopologies } from '../dev/local-topologies.js';
import { anyFreePort } from '../dev/ports.js';
import { cleanup, pidAlive, tempDir } from './helpers.js';

// `pnpm dev --cluster`'s Redis half, on free ports in a temp data dir (never 7000-7005 of a
// developer's running stack): the cluster forms, serves every slot, and a second start in the
// same data dir rejoins it with the data.

afterAll(cleanup);

function clusterClient(local: LocalRedis): Cluster {
  const nodes = (local.env.REDIS_CLUSTER_NODES ?? '').split(',').map((hp) => {
    const [host, port] = hp.split(':');
    return { host: host as string, port: Number(port) };
  });
  const client = new Cluster(nodes, { redisOptions: { maxRetriesPerRequest: 1 } });
  client.on('error', () => {});
  return client;
}

async function stopAndExpectGone(local: LocalRedis): Promise<void> {
  const pids = local.nodes.map((n) => n.pid as number);
  await local.stop();
  for (const pid of pids) expect(pidAlive(pid), `pid ${pid}`).toBe(false);
}

describe('cluster topology (pnpm dev --cluster)', () => {
  it('forms 3 masters with a replica each, keeps its data across a restart, and stops every process', async () => {
    const topology = localTopologies.cluster;
    if (!topology) throw new Error('no cluster topology registered');
    const dataRoot = tempDir('dev-cluster');
    // Far from the usual ports, with room for the +10000 bus ports.
    const basePort = 20_000 + ((await anyFreePort()) % 20_000);
    const first = await topology.start({ dataRoot, basePort });
    try {
      expect(first.nodes).toHaveLength(6);
      expect(first.env.REDIS_CLUSTER_NODES?.split(',')).toHaveLength(6);
      expect(first.tryCommands.join('\n')).toContain('CLUSTER INFO');
      const client = clusterClient(first);
      const info = String(await client.call('CLUSTER', 'INFO'));
      expect(info).toMatch(/cluster_state:ok/);
      expect(info).toMatch(/cluster_slots_assigned:16384/);
      expect(info).toMatch(/cluster_size:3/);
      await client.set('{db}:product:kept', '{"id":"kept"}');
      expect(await client.call('WAIT', '1', '5000')).toBe(1);
      client.disconnect();
    } finally {
      await stopAndExpectGone(first);
    }

    const second = await topology.start({ dataRoot, basePort });
    try {
      expect(second.env).toEqual(first.env);
      const client = clusterClient(second);
      expect(await client.get('{db}:product:kept')).toBe('{"id":"kept"}');
      client.disconnect();
    } finally {
      await stopAndExpectGone(second);
    }
  });
});
