/**
 * 22. A replica cut off by the network. Master on n1, replica on n2 (database.conf, the
 * replicated topology REDIS_URL + REDIS_REPLICA_URLS), the shipped API process on a1.
 * (a) The replica cut off from everyone: reads fall back to the master, the API's own writes are
 *     read back fresh, and reads return to the replica after the heal.
 * (b) The replica cut off from its master only: it still answers the API, its link still says
 *     "up" (Redis notices after repl-timeout, 60 s) and few writes keep its lag in bytes small,
 *     so it serves old data until the master's count of seconds since its last acknowledgement
 *     passes redis-core's bound. Another writer (the test, on the master) updates a product every
 *     100 ms; reads through the API are compared with what the master held when each began.
 */
import {
  cleanupAll,
  createNetwork,
  netnsSupport,
  type RedisServer,
  registerCleanup,
  startReplicated,
  waitUntil,
} from '@app/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { adminHeaders } from '../src/api.js';
import { replicatedDatabaseLines } from '../src/database-guard.js';
import { type HostApp, startApiOnHost } from '../src/host-apps.js';
import { type Answer, call, histogram, round, sleep } from '../src/http.js';
import { recordResult } from '../src/results.js';

const COMMAND_TIMEOUT_MS = 1000; // the shipped default (REDIS_COMMAND_TIMEOUT_MS)
const ACK_SILENCE_S = 2; // redis-core's MAX_ACK_SILENCE_SECONDS
const HEALTH_INTERVAL_MS = 500; // redis-core's replica health check period
// Silence is counted in whole seconds from the last once-a-second acknowledgement, and seen at
// the next health check: reads leave a replica cut off from its master by then.
const STALE_BOUND_MS = (ACK_SILENCE_S + 2) * 1000 + HEALTH_INTERVAL_MS;
const support = await netnsSupport();
if (!support.ok) console.warn(`[faults] SKIPPED 22-partition-replica-cut-off: ${support.reason}`);

afterEach(async () => {
  await cleanupAll();
});

const keyspaceHits = async (server: RedisServer) =>
  Number(/keyspace_hits:(\d+)/.exec(await server.client().info('stats'))?.[1] ?? 0);

/** True when most of 10 catalog reads through the API were served by `server`. */
async function serves(api: HostApp, server: RedisServer): Promise<boolean> {
  const before = await keyspaceHits(server);
  for (let i = 0; i < 10; i++) await call(api.base, 'GET', '/api/db/product/prod1');
  return (await keyspaceHits(server)) - before >= 5;
}

const priceOf = (a: Answer) => (a.body as { data?: { price?: number } } | null)?.data?.price;

describe.skipIf(!support.ok)('network partition: a replica cut off', () => {
  it('cut off from everyone: reads fall back to the master, 0 stale; cut off from its master only: no stale read after the acknowledgement bound', async () => {
    const net = await createNetwork();
    const n1 = await net.addHost('n1');
    const n2 = await net.addHost('n2');
    const a1 = await net.addHost('a1');
    const rep = await startReplicated({
      replicas: 1,
      appendonly: true,
      configLines: replicatedDatabaseLines(),
      place: (i) => [n1, n2][i]!.placement(6379),
    });
    const replica = rep.replicas[0] as RedisServer;
    const api = await startApiOnHost(a1, {
      REDIS_URL: rep.master.url,
      REDIS_REPLICA_URLS: replica.url,
      SEED_CATALOG: 'true',
    });
    await waitUntil(() => serves(api, replica), 30_000, 'the replica never served reads');

    // (a) Cut off from everyone, for 4 s: reads through the API, and write-then-read rounds.
    const reads: Answer[] = [];
    let stop = false;
    // A failing run leaves no client loop behind.
    registerCleanup(async () => {
      stop = true;
    });
    const reader = (async () => {
      const paths = ['/api/db/product/prod1', '/api/db/list?limit=3', '/api/db/category/electronics'];
      for (let i = 0; !stop; i++) {
        reads.push(await call(api.base, 'GET', paths[i % paths.length] as string, { timeoutMs: 10_000 }));
        await sleep(10);
      }
    })();
    await sleep(500);
    const cutAt = Date.now();
    await net.isolate(n2);
    let ownStale = 0;
    let ownRounds = 0;
    while (Date.now() < cutAt + 4000) {
      const price = 2000 + ownRounds + Math.random();
      const put = await call(api.base, 'PUT', '/api/db/product/prod2', {
        body: { price },
        headers: adminHeaders,
      });
      expect(put.status).toBe(200);
      const read = await call(api.base, 'GET', '/api/db/product/prod2');
      ownRounds += 1;
      if (priceOf(read) !== price) ownStale += 1;
    }
    const masterServedDuringCut = await serves(api, rep.master);
    stop = true;
    await reader;
    const duringCut = reads.filter((r) => r.startedAt >= cutAt);
    await net.heal();
    const healedAt = Date.now();
    await waitUntil(() => serves(api, replica), 30_000, 'reads never returned to the replica after the heal');
    const backOnReplicaMs = Date.now() - healedAt;

    // (b) Cut off from its master only: the API still reaches it.
    const masterCutAt = Date.now();
    await net.partition([n2], [n1]);
    const master = rep.master.client();
    const template = JSON.parse((await master.get('db:product:prod3')) as string) as Record<string, unknown>;
    const written: { price: number; at: number }[] = [];
    const write = async (price: number) => {
      await master.set('db:product:prod3', JSON.stringify({ ...template, price }));
      written.push({ price, at: Date.now() });
    };
    await write(3000);
    const replicaHitsBefore = await keyspaceHits(replica);
    const staleReads: { startedAt: number; ms: number }[] = [];
    const otherReads: Answer[] = [];
    stop = false;
    const comparer = (async () => {
      while (!stop) {
        const latest = written[written.length - 1] as { price: number; at: number };
        const read = await call(api.base, 'GET', '/api/db/product/prod3', { timeoutMs: 10_000 });
        otherReads.push(read);
        // Prices only grow: an older one is stale (a newer one was written during the read).
        const seen = priceOf(read) ?? 0;
        if (read.status === 200 && seen < latest.price) {
          // How long ago the value it returned had been replaced on the master.
          const replacedAt = written.find((w) => w.price > seen)?.at ?? latest.at;
          staleReads.push({ startedAt: read.startedAt, ms: read.startedAt - replacedAt });
        }
        await sleep(10);
      }
    })();
    while (Date.now() < masterCutAt + STALE_BOUND_MS + 2000) {
      await sleep(100);
      await write((written[written.length - 1]?.price ?? 3000) + 1);
    }
    stop = true;
    await comparer;
    const replicaHits = (await keyspaceHits(replica)) - replicaHitsBefore;
    const staleBeyondBound = staleReads.filter((r) => r.startedAt > masterCutAt + STALE_BOUND_MS);
    await net.heal();

    const figures = {
      cut_from_everyone: {
        reads: duringCut.length,
        statuses: histogram(duringCut),
        max_latency_ms: round(Math.max(...duringCut.map((r) => r.ms))),
        own_write_then_read_rounds: ownRounds,
        own_stale_reads: ownStale,
        master_served_reads: masterServedDuringCut,
        back_on_replica_after_heal_ms: backOnReplicaMs,
      },
      cut_from_master_only: {
        reads: otherReads.length,
        replica_keyspace_hits: replicaHits,
        statuses: histogram(otherReads),
        writes_on_master: written.length,
        stale_reads_within_bound: staleReads.length - staleBeyondBound.length,
        last_stale_read_after_cut_ms: staleReads.length
          ? Math.max(...staleReads.map((r) => r.startedAt)) - masterCutAt
          : null,
        oldest_stale_read_ms: round(Math.max(0, ...staleReads.map((r) => r.ms))),
        stale_reads_beyond_bound: staleBeyondBound.length,
        stale_bound_ms: STALE_BOUND_MS,
      },
    };
    recordResult('22-partition-replica-cut-off', figures);

    expect(duringCut.length).toBeGreaterThan(20);
    expect(duringCut.every((r) => r.status === 200)).toBe(true);
    // A read in flight on the replica at the cut waits one command timeout, then goes to the master.
    expect(figures.cut_from_everyone.max_latency_ms).toBeLessThan(COMMAND_TIMEOUT_MS + 500);
    expect(ownRounds).toBeGreaterThan(5);
    expect(ownStale).toBe(0);
    expect(masterServedDuringCut).toBe(true);
    expect(otherReads.every((r) => r.status === 200)).toBe(true);
    // The comparison sees stale reads when there are some: the replica served old data until the
    // silence passed the bound (what the bound allows)…
    expect(staleReads.length).toBeGreaterThan(0);
    // …and none after: a replica cut off from its master leaves the rotation within seconds.
    expect(staleBeyondBound).toEqual([]);
  }, 120_000);
});
