/**
 * The worker as a real process (`node --import tsx src/index.ts`), killed and stopped by signals.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createJobProducer, generateProducts, JOB, readWorkerStatus } from '@app/redis-core';
import { cleanupAll, startTestRedis, type TestRedis, waitUntil } from '@app/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { buildEnv, finished } from './helpers.js';

const appDir = fileURLToPath(new URL('..', import.meta.url));
const children: ChildProcess[] = [];

interface WorkerProcess {
  child: ChildProcess;
  output: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

async function startWorkerProcess(redis: TestRedis, env: Record<string, string>): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/index.ts'], {
    cwd: appDir,
    env: {
      ...process.env,
      ...redis.env,
      WORKER_WARM_ON_START: 'false',
      WORKER_REFRESH_EVERY_SECONDS: '0',
      SEED_CATALOG: 'false',
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const output: string[] = [];
  child.stdout?.on('data', (d: Buffer) => output.push(d.toString()));
  child.stderr?.on('data', (d: Buffer) => output.push(d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  await waitUntil(() => output.join('').includes('cache worker started'), 20_000).catch(() => {
    throw new Error(`worker process did not start:\n${output.join('')}`);
  });
  return { child, output, exited };
}

afterAll(async () => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await cleanupAll();
});

describe('worker process', () => {
  it('on an empty database it seeds the catalog, so warm-on-start caches the seed products', async () => {
    const redis = await startTestRedis();
    const worker = await startWorkerProcess(redis, { SEED_CATALOG: 'true', WORKER_WARM_ON_START: 'true' });
    const client = redis.client();
    // One EXISTS per key: on a cluster the three entries live in different slots.
    const cached = async () =>
      (await Promise.all(['data:prod1', 'data:prod2', 'data:prod3'].map((k) => client.exists(k)))).every(
        (n) => n === 1,
      );
    await waitUntil(cached, 15_000);
    expect(JSON.parse((await client.get('data:prod1')) ?? '{}')).toMatchObject({
      name: 'Smartphone Premium',
    });
    expect(await client.ttl('data:prod1')).toBeGreaterThan(0);
    worker.child.kill('SIGTERM');
    expect((await worker.exited).code).toBe(0);
  });

  it('a worker killed with SIGKILL mid-job: its job is retried and completed by another worker', async () => {
    const redis = await startTestRedis();
    const env = buildEnv(redis);
    const producer = createJobProducer({ connection: env.connection, prefix: env.keys.jobsPrefix });
    try {
      await env.catalog.seedIfEmpty(generateProducts(2000, { seed: 11 }));
      const events = await env.events();
      const stalled: string[] = [];
      events.on('stalled', ({ jobId }) => stalled.push(jobId));

      // 20 batches × 250 ms of simulated origin latency: a 5 s job. Short lock and stalled check
      // (both shared settings of every worker of the queue) so the kill shows quickly.
      const doomed = await startWorkerProcess(redis, {
        ORIGIN_DELAY_MS: '250',
        WORKER_CONCURRENCY: '1',
        WORKER_LOCK_DURATION_MS: '1500',
        WORKER_STALLED_INTERVAL_MS: '500',
      });
      const view = await producer.enqueue(JOB.warmAll, { batchSize: 100 });
      await waitUntil(async () => {
        const p = (await producer.get(view.id))?.progress as { done?: number } | undefined;
        return (p?.done ?? 0) > 0;
      }, 10_000);
      doomed.child.kill('SIGKILL');
      expect((await doomed.exited).signal).toBe('SIGKILL');
      expect((await producer.get(view.id))?.state).toBe('active'); // orphaned: nobody holds it now

      const rescuer = await env.startWorker({ lockDurationMs: 1500, stalledIntervalMs: 500 });
      const job = await producer.queue.getJob(view.id);
      const summary = (await finished(job as NonNullable<typeof job>, events, 20_000)) as Record<
        string,
        number
      >;

      expect(summary.items).toBe(2000);
      expect(stalled).toContain(view.id);
      const done = await producer.queue.getJob(view.id);
      expect(done?.processedBy).toBe(rescuer.workerId);
      expect(await producer.queue.getActiveCount()).toBe(0);
    } finally {
      await producer.close();
      await env.close();
    }
  });

  it('SIGTERM during 10 active jobs: all complete, none left active, no stalled job', async () => {
    const redis = await startTestRedis();
    const env = buildEnv(redis);
    const producer = createJobProducer({ connection: env.connection, prefix: env.keys.jobsPrefix });
    try {
      await env.catalog.seedIfEmpty(generateProducts(50, { seed: 5 }));
      const events = await env.events();
      const stalled: string[] = [];
      const completed: string[] = [];
      events.on('stalled', ({ jobId }) => stalled.push(jobId));
      events.on('completed', ({ jobId }) => completed.push(jobId));

      const worker = await startWorkerProcess(redis, {
        ORIGIN_DELAY_MS: '1500',
        WORKER_CONCURRENCY: '10',
        WORKER_LOCK_DURATION_MS: '2000',
        WORKER_STALLED_INTERVAL_MS: '1000',
      });
      const ids: string[] = [];
      for (let i = 0; i < 10; i++) ids.push((await producer.enqueue(JOB.warmAll, {})).id);
      await waitUntil(async () => (await producer.queue.getActiveCount()) === 10, 10_000);
      expect((await readWorkerStatus(env.connections.writer, env.keys)).alive).toBe(true);

      const signalledAt = Date.now();
      worker.child.kill('SIGTERM');
      const exit = await worker.exited;
      expect(exit).toEqual({ code: 0, signal: null });
      expect(Date.now() - signalledAt).toBeLessThan(10_000);

      const counts = await producer.counts();
      expect(counts).toMatchObject({ active: 0, waiting: 0, completed: 10, failed: 0 });
      for (const id of ids) expect((await producer.get(id))?.result).toMatchObject({ items: 50 });

      // A stalled check after the exit finds nothing to recover.
      const checker = await env.startWorker({ lockDurationMs: 1000, stalledIntervalMs: 300 });
      await waitUntil(() => completed.length === 10, 5_000);
      await new Promise((r) => setTimeout(r, 1000));
      expect(stalled).toEqual([]);
      await checker.close();
      expect(worker.output.join('')).toContain('shutting down');
      // The process removed its heartbeat on the way out.
      const status = await readWorkerStatus(env.connections.writer, env.keys);
      expect(status.workers.some((w) => w.pid === worker.child.pid)).toBe(false);
    } finally {
      await producer.close();
      await env.close();
    }
  });
});
