import {
  cleanupAll,
  freePort,
  type RedisServer,
  type Replicated,
  startRedis,
  startReplicated,
  waitUntil,
} from '@app/testing';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConnections, type RedisClient, type RedisConnections } from '../src/connections/index.js';
import { createKeyspace } from '../src/keys/index.js';

afterAll(cleanupAll);

/** Which server answered: its tcp_port from INFO server. */
async function portOf(client: RedisClient): Promise<number> {
  return Number(/tcp_port:(\d+)/.exec(await client.info('server'))?.[1]);
}

/** Polls `check` every 10 ms; returns how long it took to become true. */
async function timeUntil(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<number> {
  const start = performance.now();
  await waitUntilFast(check, timeoutMs, what);
  return performance.now() - start;
}

async function waitUntilFast(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string) {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    try {
      if (await check()) return;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`${what}: not within ${timeoutMs} ms`);
}

describe('replicated: writer on the master, reader on a healthy replica', () => {
  let rep: Replicated;
  let master: RedisServer;
  let replica: RedisServer;
  let conns: RedisConnections;

  beforeAll(async () => {
    rep = await startReplicated({ replicas: 1 });
    master = rep.master;
    replica = rep.replicas[0] as RedisServer;
    // Library defaults: 1 s command timeout, health check every 500 ms.
    conns = createConnections({ kind: 'replicated', url: master.url, replicaUrls: [replica.url] });
    await waitUntilFast(() => conns.replicas[0]?.healthy === true, 5_000, 'replica healthy');
  });

  afterAll(async () => {
    await conns.close();
  });

  it('writes to the master and reads from the replica', async () => {
    expect(conns.isCluster).toBe(false);
    expect(conns.replicas.map((r) => r.url)).toEqual([replica.url]);
    await conns.writer.set('greeting', 'Hello Redis');
    expect(await portOf(conns.writer)).toBe(master.port);
    expect(conns.reader()).not.toBe(conns.writer);
    expect(await portOf(conns.reader())).toBe(replica.port);
    await waitUntil(async () => (await conns.reader().get('greeting')) === 'Hello Redis', 2_000);
    expect(conns.replicas[0]?.lagBytes).toBeGreaterThanOrEqual(0);
  });

  it('falls back to the master within 1 s when the replica is killed, and returns after restart', async () => {
    await replica.kill();
    const fallback = await timeUntil(() => conns.reader() === conns.writer, 1_000, 'fallback after kill');
    expect(fallback).toBeLessThan(1_000);
    // Reads keep working, served by the master.
    expect(await conns.reader().get('greeting')).toBe('Hello Redis');
    expect(await portOf(conns.reader())).toBe(master.port);

    await replica.start();
    await rep.waitForSync();
    await waitUntilFast(() => conns.reader() !== conns.writer, 10_000, 'replica back in rotation');
    expect(await portOf(conns.reader())).toBe(replica.port);
  });

  it('falls back to the master within 1 s when the replica hangs (SIGSTOP), and returns after SIGCONT', async () => {
    replica.pause();
    try {
      const fallback = await timeUntil(() => conns.reader() === conns.writer, 1_000, 'fallback after pause');
      expect(fallback).toBeLessThan(1_000);
      const t0 = performance.now();
      expect(await conns.reader().get('greeting')).toBe('Hello Redis');
      expect(performance.now() - t0).toBeLessThan(200);
      expect(conns.replicas[0]?.healthy).toBe(false);
    } finally {
      replica.resume();
    }
    await waitUntilFast(() => conns.reader() !== conns.writer, 5_000, 'replica back after resume');
    expect(await portOf(conns.reader())).toBe(replica.port);
  });

  it('falls back while the replica lags more than maxReplicaLagBytes, and returns once it caught up', async () => {
    const strict = createConnections(
      { kind: 'replicated', url: master.url, replicaUrls: [replica.url] },
      { maxReplicaLagBytes: 10_000 },
    );
    const replicaAdmin = replica.client();
    try {
      await waitUntilFast(() => strict.reader() !== strict.writer, 5_000, 'replica healthy');
      // CLIENT PAUSE WRITE on a replica stops it applying the replication stream while it
      // still answers INFO: a lagging replica that is up.
      await replicaAdmin.call('CLIENT', 'PAUSE', '10000', 'WRITE');
      for (let i = 0; i < 40; i++) await strict.writer.set(`lag:${i}`, 'x'.repeat(1000));
      await waitUntilFast(() => strict.reader() === strict.writer, 1_500, 'fallback on lag');
      expect(strict.replicas[0]?.reachable).toBe(true);
      expect(strict.replicas[0]?.lagBytes).toBeGreaterThan(10_000);
      expect(strict.replicas[0]?.lastError).toMatch(/lag/);

      await replicaAdmin.call('CLIENT', 'UNPAUSE');
      await waitUntilFast(() => strict.reader() !== strict.writer, 3_000, 'replica caught up');
      expect(strict.replicas[0]?.lagBytes).toBeLessThanOrEqual(10_000);
    } finally {
      await replicaAdmin.call('CLIENT', 'UNPAUSE').catch(() => {});
      await strict.close();
    }
  });

  it('takes a replica out of rotation as soon as a read through it fails', async () => {
    // A health check so rare that only the failed call can explain the switch.
    const slow = createConnections(
      { kind: 'replicated', url: master.url, replicaUrls: [replica.url] },
      { healthCheckIntervalMs: 600_000, commandTimeoutMs: 300 },
    );
    try {
      await waitUntilFast(() => slow.reader() !== slow.writer, 5_000, 'replica healthy');
      const viaReplica = slow.reader();
      replica.pause();
      await expect(viaReplica.get('greeting')).rejects.toThrow(/timed out/i);
      expect(slow.reader()).toBe(slow.writer);
      replica.resume();
      // Back once a check sees it answering and acknowledging the master again (a replica the
      // master has not heard from for over 2 s stays out: its next ACK is up to 1 s away).
      await waitUntilFast(
        async () => {
          await slow.checkReplicas();
          return slow.reader() !== slow.writer;
        },
        5_000,
        'replica back in rotation',
      );
    } finally {
      if (replica.isPaused()) replica.resume();
      await slow.close();
    }
  });

  it('gives BullMQ blocking-safe options for the master', async () => {
    const options = conns.queueConnectionOptions();
    expect(options).toMatchObject({ host: '127.0.0.1', port: master.port, maxRetriesPerRequest: null });
    const keys = createKeyspace();
    const queue = new Queue('connections-test', { connection: options as never, prefix: keys.jobsPrefix });
    try {
      const job = await queue.add('warm-all', { n: 1 });
      expect(await queue.getJobCounts('waiting')).toEqual({ waiting: 1 });
      expect(await conns.writer.exists(`bull:connections-test:${job.id}`)).toBe(1);
    } finally {
      await queue.obliterate({ force: true });
      await queue.close();
    }
  });

  it('serves reads from a replica that still answers while the master is down', async () => {
    const extra = await startReplicated({ replicas: 1 });
    const c = createConnections(
      { kind: 'replicated', url: extra.master.url, replicaUrls: [extra.replicas[0]!.url] },
      { commandTimeoutMs: 300 },
    );
    try {
      await c.writer.set('survives', 'yes');
      // The replica must hold the write before the master dies (replication is asynchronous).
      const direct = extra.replicas[0]!.client();
      await waitUntilFast(async () => (await direct.get('survives')) === 'yes', 5_000, 'write replicated');
      await waitUntilFast(() => c.reader() !== c.writer, 5_000, 'replica healthy');
      await extra.master.kill();
      await waitUntilFast(() => c.replicas[0]?.healthy === false, 2_000, 'replica link down');
      expect(c.replicas[0]?.reachable).toBe(true);
      expect(c.reader()).not.toBe(c.writer);
      expect(await c.reader().get('survives')).toBe('yes');
      await expect(c.writer.get('survives')).rejects.toThrow();
    } finally {
      await c.close();
    }
  });

  it('connects the subscriber only on first use', async () => {
    const names = async () => String(await conns.writer.call('CLIENT', 'LIST'));
    expect(await names()).not.toMatch(/name=subscriber/);
    const received = new Promise<string>((resolve) =>
      conns.subscriber.on('message', (_ch, msg) => resolve(msg)),
    );
    await conns.subscriber.subscribe('events');
    expect(await names()).toMatch(/name=subscriber/);
    await conns.writer.publish('events', 'hello');
    expect(await received).toBe('hello');
  });
});

describe('no call hangs when Redis is gone', () => {
  it('rejects within the command timeout when a standalone server is killed, and recovers after restart', async () => {
    const server = await startRedis();
    const conns = createConnections({ kind: 'standalone', url: server.url }, { commandTimeoutMs: 300 });
    try {
      await conns.writer.set('k', 'v');
      expect(conns.reader()).toBe(conns.writer);
      await server.kill();
      for (let i = 0; i < 3; i++) {
        const t0 = performance.now();
        await expect(conns.writer.get('k')).rejects.toThrow();
        expect(performance.now() - t0).toBeLessThan(300 + 250);
      }
      await server.start();
      await waitUntil(async () => (await conns.writer.ping()) === 'PONG', 5_000);
    } finally {
      const t0 = performance.now();
      await conns.close();
      expect(performance.now() - t0).toBeLessThan(1_000);
    }
  });

  it('rejects within the command timeout when the server hangs (SIGSTOP)', async () => {
    const server = await startRedis();
    const conns = createConnections({ kind: 'standalone', url: server.url }, { commandTimeoutMs: 300 });
    try {
      await conns.writer.ping();
      server.pause();
      const t0 = performance.now();
      await expect(conns.writer.get('k')).rejects.toThrow(/timed out/i);
      expect(performance.now() - t0).toBeLessThan(300 + 250);
    } finally {
      server.resume();
      await conns.close();
    }
  });

  it('rejects within the command timeout when nothing ever listened', async () => {
    const port = await freePort();
    const conns = createConnections(
      { kind: 'standalone', url: `redis://127.0.0.1:${port}` },
      { commandTimeoutMs: 300 },
    );
    try {
      const t0 = performance.now();
      await expect(conns.writer.get('k')).rejects.toThrow();
      expect(performance.now() - t0).toBeLessThan(300 + 250);
    } finally {
      await conns.close();
    }
  });

  it('does not loop forever on READONLY from a node that is no longer a master', async () => {
    const { replicas } = await startReplicated({ replicas: 1 });
    const demoted = replicas[0] as RedisServer;
    const conns = createConnections({ kind: 'standalone', url: demoted.url }, { commandTimeoutMs: 300 });
    try {
      const t0 = performance.now();
      await expect(conns.writer.set('k', 'v')).rejects.toThrow(/READONLY|timed out/);
      expect(performance.now() - t0).toBeLessThan(300 + 250);
      // Reads still work on that node.
      expect(await conns.writer.get('nothing')).toBeNull();
    } finally {
      await conns.close();
    }
  });
});

describe('close()', () => {
  it('quits every client it made, subscriber included', async () => {
    const server = await startRedis();
    const conns = createConnections({ kind: 'standalone', url: server.url });
    await conns.writer.ping();
    const subscriber = conns.subscriber;
    await subscriber.subscribe('x');
    await conns.close();
    expect((conns.writer as Redis).status).toBe('end');
    expect((subscriber as Redis).status).toBe('end');
    expect(() => conns.subscriber).toThrow(/closed/);
    const admin = new Redis(server.url);
    try {
      const clients = String(await admin.call('CLIENT', 'LIST'))
        .trim()
        .split('\n');
      expect(clients).toHaveLength(1); // only this admin connection
    } finally {
      admin.disconnect();
    }
  });
});
