/**
 * 4. Replica down or lagging. A master and one replica (REDIS_URL + REDIS_REPLICA_URLS, the
 * replicated topology); the replica reaches its master through a relay that can delay the
 * replication stream. Faults: replication lagging by 300 ms (the replica still answers reads,
 * with old data), replica hung (SIGSTOP), replica killed. Measured: how long until reads are
 * served by the master, what reads answered meanwhile, and stale reads right after a write.
 */
import { cleanupAll, type RedisServer, startRedis, waitForLinkUp, waitUntil } from '@app/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminHeaders, type RunningApi, startApi } from '../src/api.js';
import { type Answer, call, histogram, percentile, round, sleep } from '../src/http.js';
import { type LagProxy, startLagProxy } from '../src/lag-proxy.js';
import { recordResult } from '../src/results.js';

const COMMAND_TIMEOUT_MS = 1000; // the shipped default
const FALLBACK_BOUND_MS = 1000;

let master: RedisServer;
let replica: RedisServer;
let proxy: LagProxy;
let api: RunningApi;
const measured: Record<string, unknown> = {};

beforeAll(async () => {
  master = await startRedis({ appendonly: true });
  proxy = await startLagProxy({ host: master.host, port: master.port });
  replica = await startRedis({ args: ['--replicaof', '127.0.0.1', String(proxy.port)] });
  await waitForLinkUp(replica);
  api = await startApi(
    { REDIS_URL: master.url, REDIS_REPLICA_URLS: replica.url, RATE_LIMIT_PER_MINUTE: '0' },
    { seed: true },
  );
  await waitUntil(() => api.services.connections.reader() !== api.services.connections.writer, 10_000);
});

afterAll(async () => {
  recordResult('04-replica-down-or-lagging', measured);
  await api?.close();
  await proxy?.close();
  await cleanupAll();
});

/** True once catalog reads through the API are served by the replica (its keyspace hits grow). */
async function replicaServesReads(): Promise<boolean> {
  const hits = async () => Number(/keyspace_hits:(\d+)/.exec(await replica.client().info('stats'))?.[1] ?? 0);
  const before = await hits();
  for (let i = 0; i < 10; i++) await call(api.base, 'GET', '/api/db/product/prod1');
  return (await hits()) - before >= 5;
}

/** Writes a new price, then reads the product back at once through both read routes. */
async function writeThenRead(rounds: number, id: string) {
  let stale = 0;
  let failed = 0;
  const examples: string[] = [];
  for (let i = 1; i <= rounds; i++) {
    const price = 1000 + i + Math.random();
    const put = await call(api.base, 'PUT', `/api/db/product/${id}`, {
      body: { price },
      headers: adminHeaders,
    });
    if (put.status !== 200) {
      failed += 1;
      continue;
    }
    for (const path of [`/api/db/product/${id}`, `/api/data/${id}`]) {
      const read = await call(api.base, 'GET', path);
      const seen = (read.body as { data?: { price?: number } } | null)?.data?.price;
      if (read.status !== 200) failed += 1;
      else if (seen !== price) {
        stale += 1;
        if (examples.length < 3) examples.push(`${path}: wrote ${price}, read ${seen}`);
      }
    }
  }
  return { rounds, stale, failed, examples };
}

/** Reads in a loop from `t0` until `durationMs` later, logging each answer. */
async function readsDuring(durationMs: number, fault: () => Promise<void> | void) {
  const log: Answer[] = [];
  let stop = false;
  const paths = ['/api/db/product/prod1', '/api/db/list?limit=3', '/api/db/category/electronics'];
  const loops = Array.from({ length: 3 }, async (_, k) => {
    let i = k;
    while (!stop) {
      log.push(await call(api.base, 'GET', paths[i++ % paths.length] as string, { timeoutMs: 10_000 }));
      await sleep(5);
    }
  });
  await sleep(300);
  const faultAt = Date.now();
  await fault();
  let readerIsWriterAt: number | null = null;
  const watch = setInterval(() => {
    if (readerIsWriterAt === null && api.services.connections.reader() === api.services.connections.writer)
      readerIsWriterAt = Date.now();
  }, 5);
  await sleep(durationMs);
  stop = true;
  await Promise.all(loops);
  clearInterval(watch);
  const after = log.filter((a) => a.startedAt >= faultAt);
  const bad = after.filter((a) => a.status !== 200);
  const lastBadEnd = Math.max(0, ...bad.map((a) => a.startedAt + a.ms - faultAt));
  return {
    reads: after.length,
    statuses: histogram(after),
    failed: bad.length,
    reader_on_master_after_ms: readerIsWriterAt === null ? null : (readerIsWriterAt as number) - faultAt,
    reads_ok_again_after_ms: round(lastBadEnd),
    failed_reads_started_after_1s: bad.filter((a) => a.startedAt - faultAt >= FALLBACK_BOUND_MS).length,
    max_latency_ms: round(Math.max(...after.map((a) => a.ms))),
    p99_latency_ms: round(
      percentile(
        after.map((a) => a.ms),
        99,
      ),
    ),
    last: after,
  };
}

describe('replica down or lagging', () => {
  it('a client reads its own writes with a healthy replica (0 stale of 200 reads)', async () => {
    await waitUntil(replicaServesReads, 10_000, 'reads never went to the replica');
    const result = await writeThenRead(100, 'prod1');
    measured.read_your_writes_healthy = result;
    expect(result.failed).toBe(0);
    expect(result.stale).toBe(0);
  }, 60_000);

  it('replication lagging 300 ms: still 0 stale reads after a write', async () => {
    proxy.setDelay(300);
    await sleep(500);
    const result = await writeThenRead(50, 'prod2');
    proxy.setDelay(0);
    measured.read_your_writes_lagging_300ms = result;
    expect(result.failed).toBe(0);
    expect(result.stale).toBe(0);
  }, 60_000);

  it('replica hung (SIGSTOP): reads go to the master within 1 s', async () => {
    await waitUntil(replicaServesReads, 10_000, 'reads never went to the replica');
    const { last, ...result } = await readsDuring(2500, () => replica.pause());
    const ryw = await writeThenRead(20, 'prod3');
    measured.replica_paused = { ...result, read_your_writes: ryw };
    replica.resume();
    expect(result.reader_on_master_after_ms).not.toBeNull();
    expect(result.reader_on_master_after_ms as number).toBeLessThanOrEqual(FALLBACK_BOUND_MS);
    expect(result.failed_reads_started_after_1s).toBe(0);
    expect(result.reads_ok_again_after_ms).toBeLessThanOrEqual(FALLBACK_BOUND_MS + COMMAND_TIMEOUT_MS);
    expect(last.every((a) => a.status === 200 || a.status === 503)).toBe(true);
    expect(ryw.stale).toBe(0);
  }, 60_000);

  it('replica killed: reads go to the master within 1 s', async () => {
    await waitForLinkUp(replica);
    await waitUntil(replicaServesReads, 10_000, 'reads never went to the replica');
    const { last, ...result } = await readsDuring(2500, () => replica.kill());
    const ryw = await writeThenRead(20, 'prod3');
    measured.replica_killed = { ...result, read_your_writes: ryw };
    expect(result.reader_on_master_after_ms as number).toBeLessThanOrEqual(FALLBACK_BOUND_MS);
    expect(result.failed_reads_started_after_1s).toBe(0);
    expect(result.reads_ok_again_after_ms).toBeLessThanOrEqual(FALLBACK_BOUND_MS + COMMAND_TIMEOUT_MS);
    expect(last.every((a) => a.status === 200 || a.status === 503)).toBe(true);
    expect(ryw.stale).toBe(0);
    // The replica comes back: reads return to it by themselves.
    await replica.start();
    await waitUntil(replicaServesReads, 10_000, 'reads never went back to the replica');
  }, 60_000);
});
