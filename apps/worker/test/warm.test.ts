import { createJobProducer, generateProducts, JOB, readCacheTtls, readWorkerStatus } from '@app/redis-core';
import { cleanupAll, startTestRedis, type TestRedis } from '@app/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEnv, cacheKeys, finished, memoryLogger } from './helpers.js';

const N = 10_000;
const TTL_SECONDS = 60;
const JITTER = 0.1;

let redis: TestRedis;
let env: ReturnType<typeof buildEnv>;
let producer: ReturnType<typeof createJobProducer>;
const logger = memoryLogger();

beforeAll(async () => {
  redis = await startTestRedis();
  env = buildEnv(redis, { ttlSeconds: TTL_SECONDS, jitter: JITTER });
  expect(await env.catalog.seedIfEmpty(generateProducts(N, { seed: 7 }))).toBe(N);
  producer = createJobProducer({ connection: env.connection, prefix: env.keys.jobsPrefix });
  await env.startWorker({ concurrency: 2 }, undefined, logger);
});

afterAll(async () => {
  await producer?.close();
  await env?.close();
  await cleanupAll();
});

describe('warming', () => {
  it(`warm-all fills ${N} entries with TTLs within ttl ± jitter and reports progress up to 100 %`, async () => {
    const events = await env.events();
    const view = await producer.enqueue(JOB.warmAll, {});
    const progress: { done: number; total: number; percent: number }[] = [];
    events.on('progress', ({ jobId, data }) => {
      if (jobId === view.id) progress.push(data as (typeof progress)[number]);
    });
    const job = await producer.queue.getJob(view.id);
    if (!job) throw new Error('job vanished');
    const summary = (await finished(job, events)) as Record<string, number>;

    expect(summary.items).toBe(N);
    expect(summary.total).toBe(N);
    expect(summary.ms).toBeGreaterThan(0);
    expect(summary.itemsPerSec).toBeGreaterThan(0);

    const keys = await cacheKeys(redis);
    expect(keys).toHaveLength(N);
    const ids = (await env.catalog.list()).ids;
    const ttls = await readCacheTtls(env.connections.writer, env.keys, ids);
    const lowest = TTL_SECONDS * (1 - JITTER) * 1000 - 10_000; // minus time elapsed since the write
    const highest = TTL_SECONDS * (1 + JITTER) * 1000;
    expect(Math.min(...ttls)).toBeGreaterThan(lowest);
    expect(Math.max(...ttls)).toBeLessThanOrEqual(highest);
    // Jitter really spreads expiries (no synchronized mass expiry).
    expect(Math.max(...ttls) - Math.min(...ttls)).toBeGreaterThan(TTL_SECONDS * JITTER * 1000);

    // The entries are the catalog's products, readable through the cache.
    const sample = ids[1234] as string;
    expect((await env.cache.peek(sample))?.value).toEqual(await env.catalog.get(sample));

    // Progress: batches of 500 → intermediate steps, never decreasing, ending at 100 %.
    expect(progress.length).toBeGreaterThanOrEqual(N / 500);
    expect(progress.some((p) => p.percent > 0 && p.percent < 100)).toBe(true);
    for (let i = 1; i < progress.length; i++) {
      expect(progress[i]?.done).toBeGreaterThanOrEqual(progress[i - 1]?.done ?? 0);
    }
    expect(progress.at(-1)).toEqual({ done: N, total: N, percent: 100 });
    expect(progress.filter((p) => p.percent === 100).every((p) => p.done === N)).toBe(true);
  });

  it('warm-category fills exactly that category', async () => {
    const events = await env.events();
    await env.cache.invalidatePrefix('data:');
    expect(await cacheKeys(redis)).toHaveLength(0);
    const [first] = await env.catalog.categories();
    if (!first) throw new Error('no category');
    const view = await producer.enqueue(JOB.warmCategory, { category: first.category.toUpperCase() });
    const job = await producer.queue.getJob(view.id);
    const summary = (await finished(job as NonNullable<typeof job>, events)) as Record<string, number>;
    expect(summary.items).toBe(first.count);
    const keys = await cacheKeys(redis);
    expect(keys).toHaveLength(first.count);
    const products = await env.catalog.getMany(keys.map((k) => k.slice('data:'.length)));
    expect(products.every((p) => p?.category === first.category)).toBe(true);
  });

  it('warm-top warms the most searched ids and skips free-text searches', async () => {
    const events = await env.events();
    await env.cache.invalidatePrefix('data:');
    const ids = (await env.catalog.list({ limit: 3 })).ids;
    for (const [i, id] of ids.entries()) for (let r = 0; r <= i + 2; r++) await env.history.record(id);
    for (let r = 0; r < 10; r++) await env.history.record('red shoes');
    await env.history.record('not-a-product');

    const view = await producer.enqueue(JOB.warmTop, { n: 4 });
    const job = await producer.queue.getJob(view.id);
    const summary = (await finished(job as NonNullable<typeof job>, events)) as Record<string, number>;
    // top 4 = 'red shoes' (not an id), the 3 ids: 3 warmed, 1 skipped.
    expect(summary).toMatchObject({ items: 3, skipped: 1, missing: 0 });
    expect((await cacheKeys(redis)).sort()).toEqual(ids.map((id) => `data:${id}`).sort());
  });

  it('a bad payload fails once with UnrecoverableError, without retries', async () => {
    const events = await env.events();
    // Bypass the producer's validation, as a foreign or outdated producer would.
    const bad = await producer.queue.add(JOB.warmTop, { n: 'many' });
    const unknown = await producer.queue.add('drop-everything', {});
    await expect(finished(bad, events)).rejects.toThrow(/invalid warm-top payload: n/);
    await expect(finished(unknown, events)).rejects.toThrow(/unknown job name/);
    for (const id of [bad.id, unknown.id]) {
      const job = await producer.queue.getJob(String(id));
      expect(job?.opts.attempts).toBe(3); // retries were allowed…
      expect(job?.attemptsMade).toBe(1); // …and not used
      expect(await job?.getState()).toBe('failed');
    }
    const failedLog = logger.lines.find(
      (l) => l.msg === 'job failed' && (l.obj as { id?: string }).id === bad.id,
    );
    expect(failedLog?.level).toBe('error');
  });

  it('heartbeat and last results are readable by the API', async () => {
    const status = await readWorkerStatus(env.connections.writer, env.keys);
    expect(status.alive).toBe(true);
    expect(status.workers[0]).toMatchObject({ concurrency: 2, pid: process.pid });
    expect(status.lastResults[JOB.warmAll]).toMatchObject({ ok: true, summary: { items: N } });
    expect(status.lastResults[JOB.warmTop]).toMatchObject({ ok: false });
    expect(status.lastResults[JOB.warmTop]?.error).toMatch(/invalid warm-top payload/);
  });
});
