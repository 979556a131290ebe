/**
 * 23. A worker cut off from the queue Redis in the middle of a job. The catalog and the cache
 * on d1 (database.conf), BullMQ's Redis on q1 (queue.conf, QUEUE_REDIS_URL), two shipped worker
 * processes on w1 and w2. One of them takes a 2,000-product warm job; the network between its
 * host and q1 is cut (it still reaches d1, so it keeps warming: the worst case for "exactly
 * once"). Its lock expires, the other finds the job stalled and runs it again. Measured: how the job ended, how many
 * times it completed, and whether the cache holds exactly what one run writes.
 */
import { isDeepStrictEqual } from 'node:util';
import {
  createCatalog,
  createConnections,
  createKeyspace,
  generateProducts,
  JOB,
  type RedisConnections,
} from '@app/redis-core';
import { cleanupAll, createNetwork, netnsSupport, waitUntil } from '@app/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { replicatedDatabaseLines } from '../src/database-guard.js';
import { startWorkerOnHost } from '../src/host-apps.js';
import { sleep } from '../src/http.js';
import { roleConfLines } from '../src/infra-conf.js';
import { jobProgress, jobRuns, watchJobs } from '../src/job-watch.js';
import { recordResult } from '../src/results.js';

const PRODUCTS = 2000;
const support = await netnsSupport();
if (!support.ok) console.warn(`[faults] SKIPPED 23-partition-worker-cut-off: ${support.reason}`);

const keys = createKeyspace();
const open: { close(): Promise<unknown> }[] = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close().catch(() => undefined);
  await cleanupAll();
});

/** Every data:* entry: key → its raw value. */
async function cacheEntries(connections: RedisConnections): Promise<Map<string, string>> {
  const client = connections.writer;
  const out = new Map<string, string>();
  let cursor = '0';
  do {
    const [next, batch] = await client.scan(cursor, 'MATCH', 'data:*', 'COUNT', 1000);
    const values = batch.length ? await client.mget(batch) : [];
    for (const [i, key] of batch.entries()) out.set(key, values[i] ?? '');
    cursor = next;
  } while (cursor !== '0');
  return out;
}

describe.skipIf(!support.ok)('network partition: a worker cut off from the queue Redis mid-job', () => {
  it('the job is run again by another worker and completed once; the cache holds what one run writes', async () => {
    const net = await createNetwork();
    const d1 = await net.addHost('d1');
    const q1 = await net.addHost('q1');
    const w1 = await net.addHost('w1');
    const w2 = await net.addHost('w2');
    const database = await d1.startRedis({
      role: 'standalone',
      configLines: replicatedDatabaseLines(),
      appendonly: true,
    });
    const queue = await q1.startRedis({
      role: 'standalone',
      configLines: roleConfLines('queue'),
      appendonly: true,
    });
    // The test's own clients go through tunnels, which no partition cuts.
    const [dTunnel, qTunnel] = await Promise.all([d1.tunnel(6379), q1.tunnel(6379)]);
    const connections = createConnections(
      { kind: 'standalone', url: `redis://127.0.0.1:${dTunnel.port}` },
      { queueRedisUrl: `redis://127.0.0.1:${qTunnel.port}` },
    );
    open.push(connections);
    await createCatalog({ connections, keys }).seedIfEmpty(generateProducts(PRODUCTS, { seed: 23 }));
    const jobs = await watchJobs(connections, keys);
    open.push(jobs);
    const { producer, seen } = jobs;

    const env = {
      REDIS_URL: database.url,
      QUEUE_REDIS_URL: queue.url,
      ORIGIN_DELAY_MS: '250',
      WORKER_CONCURRENCY: '1',
      WORKER_LOCK_DURATION_MS: '1500',
      WORKER_STALLED_INTERVAL_MS: '500',
    };
    // Both workers run before the job exists (starting one takes seconds on a busy machine, longer
    // than the job); the one that takes it is cut off, the other must rescue it.
    const workers = await Promise.all([startWorkerOnHost(w1, env), startWorkerOnHost(w2, env)]);
    // 40 batches × 250 ms of simulated origin latency: a job of about 10 s.
    const job = await producer.enqueue(JOB.warmAll, { batchSize: 50 });
    const progress = () => jobProgress(producer, job.id);
    await waitUntil(async () => (await progress()) > 0, 20_000, 'no worker started the job');
    const takenBy = (await producer.queue.getJob(job.id))?.processedBy ?? '';
    const cutOff = workers.find((w) => takenBy.includes(String(w.pid)));
    if (!cutOff) throw new Error(`the job was taken by "${takenBy}", none of ${workers.map((w) => w.pid)}`);
    const rescuer = workers.find((w) => w !== cutOff) as (typeof workers)[number];
    const progressAtCut = await progress();
    const cutAt = Date.now();
    await net.partition([cutOff.host], [q1]);
    await waitUntil(() => seen.completed.includes(job.id), 60_000, 'the job never completed');
    const completedAfterMs = Date.now() - cutAt;
    // The cut-off worker kept warming meanwhile; let it finish its copy before looking at the cache.
    await sleep(6000);
    await net.heal();
    const healedAt = Date.now();
    await sleep(3000); // the cut-off worker reaches the queue again: a late completion or failure would land here
    const done = await producer.get(job.id);
    const raw = await producer.queue.getJob(job.id);

    // The cache holds exactly one entry per product, each the product as the catalog has it.
    const entries = await cacheEntries(connections);
    const catalog = createCatalog({ connections, keys });
    let mismatched = 0;
    for (const product of generateProducts(PRODUCTS, { seed: 23 })) {
      const stored = entries.get(`data:${product.id}`);
      const fresh = await catalog.get(product.id);
      // A cache entry is the product's plain JSON (no grace period configured).
      if (!stored || !isDeepStrictEqual(JSON.parse(stored), fresh)) mismatched += 1;
    }
    // After the heal the cut-off worker serves the queue again: a new job completes.
    const next = await producer.enqueue(JOB.warmAll, { batchSize: 500 });
    await waitUntil(
      () => seen.completed.includes(next.id),
      30_000,
      'no worker completed a job after the heal',
    );
    const nextDoneAfterHealMs = Date.now() - healedAt;

    const figures = {
      fault:
        'the worker running a 2,000-product warm job cut off from the queue Redis (still reaching the catalog/cache Redis)',
      progress_at_cut: progressAtCut,
      completed_after_cut_ms: completedAfterMs,
      ...jobRuns(seen, job.id, done),
      attempts_made: raw?.attemptsMade,
      cache_entries: entries.size,
      entries_not_matching_catalog: mismatched,
      processed_by_rescuer: raw?.processedBy?.includes(String(rescuer.pid)) ?? null,
      workers_alive: { cut_off: cutOff.isRunning(), rescuer: rescuer.isRunning() },
      cut_off_host: cutOff.host.name,
      next_job_completed_after_heal_ms: nextDoneAfterHealMs,
    };
    recordResult('23-partition-worker-cut-off', figures);

    expect(progressAtCut).toBeLessThan(PRODUCTS);
    expect(figures.stalled_events).toBe(1);
    expect(figures.completed_events).toBe(1);
    expect(figures.failed_events).toBe(0);
    expect(done?.state).toBe('completed');
    expect(figures.items_in_result).toBe(PRODUCTS);
    expect(entries.size).toBe(PRODUCTS);
    expect(mismatched).toBe(0);
    expect(cutOff.isRunning()).toBe(true);
    expect(rescuer.isRunning()).toBe(true);
  }, 150_000);
});
