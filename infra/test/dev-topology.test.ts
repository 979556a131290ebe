import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { type LocalRedis, replicatedTopology } from '../dev/local-topologies.js';
import { anyFreePort } from '../dev/ports.js';
import { groupAlive } from '../dev/process-group.js';
import { RedisProcess } from '../dev/redis-process.js';
import { cleanup, connect, pidAlive, tempDir } from './helpers.js';

// The Redis half of `pnpm dev`: the same module the orchestrator runs, on free ports in a
// temp data dir (never the machine's 6379), checked the way the README tells a user to.

afterAll(cleanup);

async function stopAndExpectGone(local: LocalRedis): Promise<void> {
  const pids = local.nodes.map((n) => n.pid!);
  await local.stop();
  for (const pid of pids) {
    expect(pidAlive(pid), `pid ${pid}`).toBe(false);
    expect(groupAlive(pid), `process group ${pid}`).toBe(false);
  }
}

describe('replicated topology (master + replica, as in the seed)', () => {
  it('replicates a SET on the master to the replica, keeps the master durable, and stops every process', async () => {
    const dataRoot = tempDir('dev-topology');
    const local = await replicatedTopology.start({ dataRoot, basePort: await anyFreePort() });
    try {
      const [master, replica] = local.nodes as [RedisProcess, RedisProcess];
      expect(local.nodes.map((n) => n.name)).toEqual(['master', 'replica']);
      expect(master.port).not.toBe(6379);
      expect(local.env).toEqual({ REDIS_URL: master.url, REDIS_REPLICA_URLS: replica.url });
      expect(master.dataDir).toBe(join(dataRoot, 'master'));

      const writer: Redis = connect(master.port);
      const reader: Redis = connect(replica.port);
      await Promise.all([writer.connect(), reader.connect()]);
      await writer.set('test', 'Hello Redis');
      expect(await writer.call('WAIT', '1', '5000')).toBe(1);
      expect(await reader.get('test')).toBe('Hello Redis');
      expect(await reader.info('replication')).toMatch(/role:slave[\s\S]*master_link_status:up/);
      expect((await writer.call('CONFIG', 'GET', 'appendfsync')) as string[]).toEqual([
        'appendfsync',
        'everysec',
      ]);
      expect((await writer.call('CONFIG', 'GET', 'appendonly')) as string[]).toEqual(['appendonly', 'yes']);
      expect(local.tryCommands.join('\n')).toContain(`redis-cli -p ${replica.port} GET test`);
      expect(local.tryCommands.join('\n')).toContain(`redis-cli -p ${master.port} GET db:product:prod1`);
      writer.disconnect();
      reader.disconnect();
    } finally {
      await stopAndExpectGone(local);
    }
  });

  it('keeps the master data across a stop and a new start in the same data dir', async () => {
    const dataRoot = tempDir('dev-restart');
    const basePort = await anyFreePort();
    const first = await replicatedTopology.start({ dataRoot, basePort, replicas: 0 });
    const before = connect(first.nodes[0]!.port);
    await before.connect();
    await before.set('db:product:kept', '{"id":"kept"}');
    before.disconnect();
    await stopAndExpectGone(first);

    const second = await replicatedTopology.start({ dataRoot, basePort, replicas: 0 });
    try {
      const after = connect(second.nodes[0]!.port);
      await after.connect();
      expect(await after.get('db:product:kept')).toBe('{"id":"kept"}');
      after.disconnect();
    } finally {
      await stopAndExpectGone(second);
    }
  });
});

describe('RedisProcess', () => {
  it('stops a redis-server an earlier run left on the same data dir before starting', async () => {
    const dataDir = join(tempDir('stale'), 'master');
    const left = await RedisProcess.start({ name: 'left-behind', port: await anyFreePort(), dataDir });
    const leftPid = left.pid!;
    const fresh = await RedisProcess.start({ name: 'fresh', port: await anyFreePort(), dataDir });
    try {
      expect(pidAlive(leftPid)).toBe(false);
      expect(fresh.isRunning()).toBe(true);
    } finally {
      await fresh.stop();
      await left.stop();
    }
    expect(pidAlive(fresh.pid!)).toBe(false);
  });

  it('reports what redis-server said when it cannot start', async () => {
    const dataDir = join(tempDir('bad'), 'node');
    await expect(
      RedisProcess.start({
        name: 'bad',
        port: await anyFreePort(),
        dataDir,
        args: ['--maxmemory-policy', 'sometimes'],
      }),
    ).rejects.toThrow(/maxmemory-policy|sometimes/i);
  });
});
