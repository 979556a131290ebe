import { generateProducts, JOB, readWorkerStatus } from '@app/redis-core';
import { cleanupAll, startTestRedis, type TestRedis } from '@app/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { needsRefresh, refreshHotEntries } from '../src/refresh.js';
import { buildEnv, sleep } from './helpers.js';

const TTL_SECONDS = 2;

let redis: TestRedis;
let env: ReturnType<typeof buildEnv>;

beforeAll(async () => {
  redis = await startTestRedis();
  env = buildEnv(redis, { ttlSeconds: TTL_SECONDS, jitter: 0.1, statsFlushMs: 100 });
  await env.catalog.seedIfEmpty(generateProducts(20, { seed: 3 }));
});

afterAll(async () => {
  await env?.close();
  await cleanupAll();
});

describe('needsRefresh', () => {
  it('refreshes entries under the threshold and hot entries already gone, never persistent ones', () => {
    expect(needsRefresh(999, 1000)).toBe(true);
    expect(needsRefresh(1000, 1000)).toBe(false);
    expect(needsRefresh(-2, 1000)).toBe(true);
    expect(needsRefresh(-1, 1000)).toBe(false);
  });
});

describe('TTL refresh (refresh-ahead)', () => {
  it('reloads hot entries under the threshold, floored at 1.5 × the interval; leaves cold ones', async () => {
    const [hot, cold] = (await env.catalog.list({ offset: 10, limit: 2 })).ids as [string, string];
    const client = env.connections.writer;
    const deps = { ...env, redis: client, originDelayMs: 0 };
    const settings = { ttlMs: 2000, thresholdRatio: 0.1, hotWindowMs: 5000, limit: 100 };
    const noProgress = async () => {};
    for (const id of [hot, cold]) await client.set(env.keys.cacheEntry(id), 'placeholder', 'PX', 500);
    env.stats.recordAccess(hot);
    await env.stats.flush();

    // 500 ms left, threshold 0.1 × 2 s = 200 ms: not due yet.
    const early = await refreshHotEntries(deps, settings, noProgress);
    expect(early).toMatchObject({ items: 0, expiring: 0 });
    expect(early.checked).toBeGreaterThanOrEqual(1);
    // Scheduled every 400 ms, it would expire before the next run: the 600 ms floor catches it.
    const floored = await refreshHotEntries(deps, { ...settings, minLeadMs: 600 }, noProgress);
    expect(floored).toMatchObject({ items: 1, expiring: 1, gone: 0 });
    expect(await client.pttl(env.keys.cacheEntry(hot))).toBeGreaterThan(1500);
    expect((await env.cache.peek(hot))?.value).toEqual(await env.catalog.get(hot));
    expect(await client.pttl(env.keys.cacheEntry(cold))).toBeLessThanOrEqual(500);
  });

  it('a key read every 100 ms never misses across 3 TTL periods, while a cold key expires', async () => {
    const [hot, cold] = (await env.catalog.list({ limit: 2 })).ids as [string, string];
    await env.cache.setMany([
      [hot, await env.catalog.get(hot)],
      [cold, await env.catalog.get(cold)],
    ]);
    await env.startWorker({
      refreshEveryMs: 300,
      ttlMs: TTL_SECONDS * 1000,
      thresholdRatio: 0.5,
      hotWindowMs: TTL_SECONDS * 1000,
    });

    const sources: string[] = [];
    const hotTtls: number[] = [];
    // Three TTLs and more than 50 reads (about 63 in that time on an idle machine; fewer when
    // timers run late): what is checked is that none of them missed.
    const started = Date.now();
    const until = started + 3 * TTL_SECONDS * 1000 + 500;
    while (Date.now() < until || (sources.length <= 50 && Date.now() < started + 30_000)) {
      const read = await env.apiCache.getOrLoad(hot, () => env.catalog.get(hot));
      sources.push(read.source);
      if (read.ttlMs !== null) hotTtls.push(read.ttlMs);
      await sleep(100);
    }

    expect(sources.length).toBeGreaterThan(50);
    expect(sources.filter((s) => s !== 'cache')).toEqual([]);
    // It stayed alive by being rewritten: its TTL went back up several times.
    const rises = hotTtls.filter((t, i) => i > 0 && t > (hotTtls[i - 1] ?? 0) + 200).length;
    expect(rises).toBeGreaterThanOrEqual(3);
    // Nobody read the cold key: it expired (max TTL 2.2 s, 6.5 s ago).
    expect(await env.connections.writer.pttl(env.keys.cacheEntry(cold))).toBe(-2);

    const status = await readWorkerStatus(env.connections.writer, env.keys);
    expect(status.lastResults[JOB.refresh]).toMatchObject({ ok: true });
    expect(status.lastResults[JOB.refresh]?.summary?.checked).toBeGreaterThanOrEqual(1);
  });
});
