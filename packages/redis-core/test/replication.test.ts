import { cleanupAll, type RedisServer, type Replicated, startReplicated, waitUntil } from '@app/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConnections, type RedisConnections } from '../src/connections/index.js';
import { ValidationError } from '../src/errors.js';
import { createKeyspace } from '../src/keys/index.js';
import { createReplication, type Replication } from '../src/replication/index.js';

afterAll(cleanupAll);

describe('replication of a master with two replicas', () => {
  let rep: Replicated;
  let master: RedisServer;
  let r1: RedisServer;
  let r2: RedisServer;
  let conns: RedisConnections;
  let replication: Replication;
  const keys = createKeyspace();

  beforeAll(async () => {
    rep = await startReplicated({ replicas: 2 });
    master = rep.master;
    [r1, r2] = rep.replicas as [RedisServer, RedisServer];
    conns = createConnections(
      { kind: 'replicated', url: master.url, replicaUrls: [r1.url, r2.url] },
      { commandTimeoutMs: 500 },
    );
    replication = createReplication({ connections: conns, keys });
  });

  afterAll(async () => {
    await replication.close();
    await conns.close();
  });

  it('replicates a SET on the master to each replica', async () => {
    await conns.writer.set(
      keys.product('prod1'),
      JSON.stringify({ id: 'prod1', name: 'Smartphone Premium' }),
    );
    for (const replica of [r1, r2]) {
      const client = replica.client();
      await waitUntil(async () => (await client.get('db:product:prod1')) !== null, 2_000);
      expect(JSON.parse((await client.get('db:product:prod1')) as string).name).toBe('Smartphone Premium');
    }
  });

  it('reports role, link, offsets and lag of every node', async () => {
    await conns.writer.set('status:x', '1');
    await waitUntil(async () => (await replication.status()).replicas.every((r) => r.lagBytes === 0), 3_000);
    const status = await replication.status();
    expect(status.topology).toBe('replicated');
    expect(status.checkedAt).toBeGreaterThan(Date.now() - 5_000);
    expect(status.master).toMatchObject({
      url: master.url,
      role: 'master',
      up: true,
      connectedReplicas: 2,
      lagBytes: null,
    });
    expect(status.master.offset).toBeGreaterThan(0);
    expect(status.replicas.map((r) => r.url)).toEqual([r1.url, r2.url]);
    for (const replica of status.replicas) {
      expect(replica).toMatchObject({ role: 'replica', up: true, linkStatus: 'up', lagBytes: 0 });
      expect(replica.offset).toBe(status.master.offset);
      expect(replica.lastIoSecondsAgo).toBeGreaterThanOrEqual(0);
      expect(replica.error).toBeUndefined();
    }
  });

  it('times the probe token arriving on each replica', async () => {
    const probe = await replication.probe();
    expect(probe.token).toMatch(/^[a-z0-9]+-[0-9a-f]{12}$/);
    expect(probe.writtenAt).toBeGreaterThan(Date.now() - 5_000);
    expect(probe.error).toBeUndefined();
    expect(probe.results.map((r) => r.url)).toEqual([r1.url, r2.url]);
    for (const result of probe.results) {
      expect(result.arrivedMs).not.toBeNull();
      expect(result.arrivedMs).toBeGreaterThanOrEqual(0);
      expect(result.arrivedMs).toBeLessThan(2_000);
    }
    // The probe key is removed afterwards (and expires in 10 s anyway).
    await waitUntil(async () => (await conns.writer.exists(keys.probe(probe.token))) === 0, 1_000);
  });

  it('sharedProbe: one probe per period between processes, the others read the stored result', async () => {
    const other = createReplication({ connections: conns, keys });
    try {
      await master.client().del(keys.probeLock(), keys.probeLast());
      const first = await replication.sharedProbe({ everyMs: 1000 });
      const second = await other.sharedProbe({ everyMs: 1000 });
      expect(first?.results.map((r) => r.arrivedMs)).toEqual([expect.any(Number), expect.any(Number)]);
      // The lock is taken: the second process did not probe, it got the first one's result.
      expect(second?.token).toBe(first?.token);
      await new Promise((r) => setTimeout(r, 1000));
      const third = await other.sharedProbe({ everyMs: 1000 });
      expect(third?.token).not.toBe(first?.token);
      await expect(replication.sharedProbe({ everyMs: 10 })).rejects.toThrow(/everyMs/);
    } finally {
      await other.close();
    }
  });

  it('reports how many replicas acknowledged with WAIT', async () => {
    await conns.writer.set('wait:x', '1');
    expect(await replication.waitForReplicas(2, 1_000)).toEqual({ acknowledged: 2 });
    await expect(replication.waitForReplicas(-1, 100)).rejects.toBeInstanceOf(ValidationError);
    await expect(replication.waitForReplicas(1, 0)).rejects.toBeInstanceOf(ValidationError);
  });

  it('shows a paused replica: no arrival, down in status, lag growing with writes, one WAIT ack', async () => {
    r2.pause();
    try {
      const probe = await replication.probe(400);
      const byUrl = Object.fromEntries(probe.results.map((r) => [r.url, r]));
      expect(byUrl[r1.url]?.arrivedMs).not.toBeNull();
      expect(byUrl[r2.url]?.arrivedMs).toBeNull();

      const before = (await replication.status()).replicas[1];
      expect(before).toMatchObject({ url: r2.url, up: false });
      expect(before?.error).toMatch(/timed out/i);
      for (let i = 0; i < 20; i++) await conns.writer.set(`bulk:${i}`, 'x'.repeat(1000));
      const after = (await replication.status()).replicas[1];
      // The master still counts what the paused replica last acknowledged.
      expect(after?.lagBytes).toBeGreaterThan((before?.lagBytes ?? 0) + 20_000);

      const t0 = performance.now();
      expect(await replication.waitForReplicas(2, 300)).toEqual({ acknowledged: 1 });
      expect(performance.now() - t0).toBeGreaterThanOrEqual(290);
    } finally {
      r2.resume();
    }
    await waitUntil(
      async () => (await replication.status()).replicas.every((r) => r.up && r.lagBytes === 0),
      5_000,
    );
  });

  it('shows a killed replica as down without throwing', async () => {
    await r1.kill();
    try {
      const status = await replication.status();
      expect(status.replicas[0]).toMatchObject({ url: r1.url, up: false, role: 'unknown' });
      expect(status.replicas[0]?.error).toBeTruthy();
      expect(status.replicas[1]).toMatchObject({ up: true, linkStatus: 'up' });
      expect(status.master.connectedReplicas).toBe(1);
      const probe = await replication.probe(300);
      expect(probe.results[0]?.arrivedMs).toBeNull();
      expect(probe.results[1]?.arrivedMs).not.toBeNull();

      // Polled every second by the monitor: a dead node must not make status() wait the whole
      // command timeout (2 s here), or every other poll would time out.
      const slowConns = createConnections(
        { kind: 'replicated', url: master.url, replicaUrls: [r1.url, r2.url] },
        { commandTimeoutMs: 2000 },
      );
      const slowReplication = createReplication({ connections: slowConns, keys });
      try {
        for (let i = 0; i < 3; i++) {
          const started = performance.now();
          const polled = await slowReplication.status();
          const elapsed = performance.now() - started;
          expect(polled.replicas[0]?.up).toBe(false);
          expect(polled.replicas[1]?.up).toBe(true);
          expect(elapsed).toBeLessThan(1500);
        }
      } finally {
        await slowReplication.close();
        await slowConns.close();
      }
    } finally {
      await r1.start();
    }
    await rep.waitForSync();
    // Our client to r1 reconnects on its own (≤ 1 s apart): later tests start from all nodes up.
    await waitUntil(async () => (await replication.status()).replicas.every((r) => r.up), 5_000);
  });

  it('announces a replica that drops its connection, and reads it down at once, not after the INFO timeout', async () => {
    // A 2 s command timeout: an INFO sent to the dead node would wait 750 ms (the INFO budget).
    const slowConns = createConnections(
      { kind: 'replicated', url: master.url, replicaUrls: [r1.url, r2.url] },
      { commandTimeoutMs: 2000 },
    );
    const watched = createReplication({ connections: slowConns, keys });
    let changes = 0;
    const stop = watched.onNodeChange(() => changes++);
    try {
      await waitUntil(async () => (await watched.status()).replicas.every((r) => r.up), 5_000);
      expect(changes).toBe(0);
      await r2.kill();
      await waitUntil(() => changes > 0, 5_000);
      const status = await watched.status();
      expect(status.replicas[1]).toMatchObject({ url: r2.url, up: false });
      expect(status.replicas[1]?.error).toMatch(/^connection lost/);
      expect(status.replicas[0]?.up).toBe(true);
      const seen = changes;
      await r2.start();
      await waitUntil(() => changes > seen, 5_000);
      await waitUntil(async () => (await watched.status()).replicas[1]?.up === true, 5_000);
    } finally {
      stop();
      await watched.close();
      await slowConns.close();
      await r2.start();
    }
    await rep.waitForSync();
  });

  it('lists the replicas a standalone master reports', async () => {
    const standalone = createConnections({ kind: 'standalone', url: master.url });
    const view = createReplication({ connections: standalone, keys });
    try {
      const status = await view.status();
      expect(status.topology).toBe('standalone');
      expect(status.master).toMatchObject({ role: 'master', up: true, connectedReplicas: 2 });
      expect(status.replicas.map((r) => r.url).sort()).toEqual(
        [r1.port, r2.port].map((p) => `redis://127.0.0.1:${p}`).sort(),
      );
      expect(status.replicas.every((r) => r.up && r.linkStatus === 'up')).toBe(true);
      const probe = await view.probe();
      expect(probe.results.every((r) => r.arrivedMs !== null)).toBe(true);
    } finally {
      await view.close();
      await standalone.close();
    }
  });

  it('shows the master down without throwing, and the probe reports why', async () => {
    await master.kill();
    const status = await replication.status();
    expect(status.master).toMatchObject({ url: master.url, up: false });
    expect(status.master.error).toBeTruthy();
    expect(status.replicas.every((r) => r.up && r.linkStatus === 'down')).toBe(true);
    const probe = await replication.probe(300);
    expect(probe.error).toMatch(/could not write the probe/);
    expect(probe.results.every((r) => r.arrivedMs === null)).toBe(true);
  });
});
