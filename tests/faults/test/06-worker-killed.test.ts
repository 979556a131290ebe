/**
 * 6. Worker killed mid-job. Every worker here is the shipped process (`node --import tsx
 * apps/worker/src/index.ts`). SIGKILL during a long warm job: BullMQ's lock expires, another
 * worker process finds the job stalled, runs it again and completes it once. SIGTERM during
 * 10 active jobs: the process finishes them, exits 0, and leaves no stalled job behind.
 */
import {
  createCatalog,
  createConnections,
  createKeyspace,
  generateProducts,
  JOB,
  type RedisConnections,
  readWorkerStatus,
} from '@app/redis-core';
import { cleanupAll, type RedisServer, startRedis, waitUntil } from '@app/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { sleep } from '../src/http.js';
import { jobProgress, jobRuns, watchJobs } from '../src/job-watch.js';
import { recordResult } from '../src/results.js';
import { killWorkerProcesses, startWorkerProcess } from '../src/worker-process.js';

const keys = createKeyspace();
const open: { close(): Promise<unknown> }[] = [];
afterAll(async () => {
  killWorkerProcesses();
  for (const o of open.reverse()) await o.close().catch(() => undefined);
  await cleanupAll();
});

async function setup(server: RedisServer, products: number) {
  const connections: RedisConnections = createConnections({ kind: 'standalone', url: server.url });
  open.push(connections);
  await createCatalog({ connections, keys }).seedIfEmpty(generateProducts(products, { seed: 6 }));
  const jobs = await watchJobs(connections, keys);
  open.push(jobs);
  return { connections, producer: jobs.producer, seen: jobs.seen };
}

async function countCacheEntries(server: RedisServer): Promise<number> {
  const client = server.client();
  let cursor = '0';
  let n = 0;
  do {
    const [next, batch] = await client.scan(cursor, 'MATCH', 'data:*', 'COUNT', 1000);
    n += batch.length;
    cursor = next;
  } while (cursor !== '0');
  return n;
}

describe('worker killed mid-job', () => {
  it('SIGKILL mid-job: the job is retried by another worker process and completed once', async () => {
    const server = await startRedis({ appendonly: true });
    const { producer, seen, connections } = await setup(server, 2000);
    const env = {
      REDIS_URL: server.url,
      ORIGIN_DELAY_MS: '250',
      WORKER_CONCURRENCY: '1',
      WORKER_LOCK_DURATION_MS: '1500',
      WORKER_STALLED_INTERVAL_MS: '500',
    };
    const doomed = await startWorkerProcess(env);
    // 20 batches × 250 ms of simulated origin latency: a job of about 5 s.
    const job = await producer.enqueue(JOB.warmAll, { batchSize: 100 });
    await waitUntil(async () => (await jobProgress(producer, job.id)) > 0, 15_000);
    const progressAtKill = await jobProgress(producer, job.id);
    doomed.child.kill('SIGKILL');
    const killedAt = Date.now();
    expect((await doomed.exited).signal).toBe('SIGKILL');

    const rescuer = await startWorkerProcess(env);
    await waitUntil(() => seen.completed.includes(job.id), 30_000, 'the killed job never completed');
    const completedAfterMs = Date.now() - killedAt;
    await sleep(1500); // a late duplicate completion would show up here
    const done = await producer.get(job.id);
    const raw = await producer.queue.getJob(job.id);
    const entries = await countCacheEntries(server);
    const status = await readWorkerStatus(connections.writer, keys);

    recordResult('06-worker-killed-sigkill', {
      fault:
        'SIGKILL of the worker process during a 2,000-product warm job (lock 1.5 s, stalled check 0.5 s)',
      progress_at_kill: progressAtKill,
      completed_after_kill_ms: completedAfterMs,
      ...jobRuns(seen, job.id, done),
      cache_entries: entries,
      processed_by_rescuer: raw?.processedBy?.includes(String(rescuer.pid)) ?? null,
    });
    expect(seen.stalled.filter((id) => id === job.id)).toHaveLength(1);
    expect(seen.completed.filter((id) => id === job.id)).toHaveLength(1);
    expect(seen.failed).toEqual([]);
    expect(done?.state).toBe('completed');
    expect((done?.result as { items?: number } | undefined)?.items).toBe(2000);
    expect(entries).toBe(2000);
    expect(status.lastResults[JOB.warmAll]).toMatchObject({ jobId: job.id, ok: true });
    expect(await producer.counts()).toMatchObject({ active: 0, waiting: 0, failed: 0 });
  }, 90_000);

  it('SIGTERM during 10 active jobs: all complete, exit 0, 0 stalled', async () => {
    const server = await startRedis({ appendonly: true });
    const { producer, seen } = await setup(server, 50);
    const env = {
      REDIS_URL: server.url,
      ORIGIN_DELAY_MS: '1500',
      WORKER_CONCURRENCY: '10',
      WORKER_LOCK_DURATION_MS: '2000',
      WORKER_STALLED_INTERVAL_MS: '1000',
    };
    const worker = await startWorkerProcess(env);
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push((await producer.enqueue(JOB.warmAll, {})).id);
    await waitUntil(async () => (await producer.counts()).active === 10, 15_000);
    const signalledAt = Date.now();
    worker.child.kill('SIGTERM');
    const exit = await worker.exited;
    const exitAfterMs = Date.now() - signalledAt;
    const countsAtExit = await producer.counts();

    // Another worker process, checking for stalled jobs every 0.5 s, finds nothing to recover.
    const checker = await startWorkerProcess({ ...env, WORKER_STALLED_INTERVAL_MS: '500' });
    await sleep(2500);
    checker.child.kill('SIGTERM');
    await checker.exited;

    recordResult('06-worker-killed-sigterm', {
      fault: 'SIGTERM of the worker process with 10 active jobs (each ~1.5 s)',
      exit,
      exit_after_ms: exitAfterMs,
      counts_at_exit: countsAtExit,
      completed_events: ids.filter((id) => seen.completed.includes(id)).length,
      stalled_events: seen.stalled.length,
    });
    expect(exit).toEqual({ code: 0, signal: null });
    expect(exitAfterMs).toBeLessThan(10_000);
    expect(countsAtExit).toMatchObject({ active: 0, waiting: 0, completed: 10, failed: 0 });
    expect(seen.stalled).toEqual([]);
    expect(ids.filter((id) => seen.completed.includes(id))).toHaveLength(10);
  }, 90_000);
});
