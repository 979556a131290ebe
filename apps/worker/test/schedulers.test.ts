import { JOB } from '@app/redis-core';
import { cleanupAll, startTestRedis, type TestRedis, waitUntil } from '@app/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REFRESH_SCHEDULER_ID } from '../src/schedulers.js';
import { buildEnv, memoryLogger, sleep } from './helpers.js';

let redis: TestRedis;
let env: ReturnType<typeof buildEnv>;

beforeAll(async () => {
  redis = await startTestRedis();
  env = buildEnv(redis);
});

afterAll(async () => {
  await env?.close();
  await cleanupAll();
});

describe('schedulers', () => {
  it('are idempotent across restarts and concurrent starts: one scheduler, one run per interval', async () => {
    const prefix = 'sched';
    const queue = env.queue(prefix);

    // Three sequential restarts, then two workers starting at once.
    for (let i = 0; i < 3; i++) {
      const w = await env.startWorker({ refreshEveryMs: 300 }, prefix);
      await w.close();
    }
    const [a, b] = await Promise.all([
      env.startWorker({ refreshEveryMs: 300 }, prefix),
      env.startWorker({ refreshEveryMs: 300 }, prefix),
    ]);

    const schedulers = await queue.getJobSchedulers();
    expect(schedulers).toHaveLength(1);
    expect(schedulers[0]).toMatchObject({ key: REFRESH_SCHEDULER_ID, name: JOB.refresh, every: 300 });

    // With 2 live workers and 5 upserts, refresh still runs about once per 300 ms, not 2-5×.
    // The window is at least 1.8 s and lasts until 3 runs were seen (a loaded machine runs fewer
    // refreshes per second); the bound on runs scales with the window actually observed.
    const since = Date.now();
    const refreshRuns = async () =>
      (await queue.getJobs(['completed', 'active'], 0, 100)).filter(
        (j) => j.name === JOB.refresh && (j.processedOn ?? 0) >= since,
      ).length;
    await sleep(1800);
    await waitUntil(async () => (await refreshRuns()) >= 3, 20_000);
    const runs = await refreshRuns();
    const windowMs = Date.now() - since;
    expect(runs).toBeGreaterThanOrEqual(3);
    expect(runs).toBeLessThanOrEqual(Math.floor(windowMs / 300) + 2);
    expect(await queue.getDelayedCount()).toBeLessThanOrEqual(1);

    await Promise.all([a.close(), b.close()]);

    // A restart with a new interval updates the one scheduler; 0 removes it.
    const c = await env.startWorker({ refreshEveryMs: 5000 }, prefix);
    expect(await queue.getJobSchedulers()).toMatchObject([{ key: REFRESH_SCHEDULER_ID, every: 5000 }]);
    await c.close();
    const d = await env.startWorker({ refreshEveryMs: 0 }, prefix);
    expect(await queue.getJobSchedulersCount()).toBe(0);
    await d.close();
  });

  it('warm-on-start enqueues one warm-all even when workers start together', async () => {
    const prefix = 'warmstart';
    const queue = env.queue(prefix);
    await queue.pause(); // keep the job waiting so a second start would be visible as a duplicate
    await Promise.all([
      env.startWorker({ warmOnStart: true }, prefix),
      env.startWorker({ warmOnStart: true }, prefix),
      env.startWorker({ warmOnStart: true }, prefix),
    ]);
    const jobs = await queue.getJobs(['waiting', 'active', 'completed'], 0, 100);
    expect(jobs.filter((j) => j.name === JOB.warmAll)).toHaveLength(1);
    await queue.resume();
  });

  it('warns clearly when the queue Redis may evict keys', async () => {
    await redis.configSet('maxmemory-policy', 'allkeys-lru');
    try {
      const logger = memoryLogger();
      const w = await env.startWorker({}, 'policy', logger);
      expect(w.policy).toMatchObject({ ok: false, policy: 'allkeys-lru' });
      expect(logger.lines.some((l) => l.level === 'warn' && /noeviction/.test(l.msg ?? ''))).toBe(true);
    } finally {
      await redis.configSet('maxmemory-policy', 'noeviction');
    }
  });
});
