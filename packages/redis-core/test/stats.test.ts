import { cleanupAll, type RedisServer, startRedis, waitUntil } from '@app/testing';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createCache } from '../src/cache/index.js';
import { createConnections, type RedisConnections } from '../src/connections/index.js';
import { createKeyspace } from '../src/keys/index.js';
import { LATENCY_BOUNDS_MS, percentilesOf } from '../src/stats/histogram.js';
import { createStats, redisInfo, type Stats } from '../src/stats/index.js';

const keys = createKeyspace();
let server: RedisServer;
let connections: RedisConnections;
let raw: Redis;
const made: Stats[] = [];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function makeStats(
  opts: { flushIntervalMs?: number; hotFlushIntervalMs?: number; conns?: RedisConnections } = {},
): Stats {
  const stats = createStats({
    connections: opts.conns ?? connections,
    keys,
    flushIntervalMs: opts.flushIntervalMs,
    hotFlushIntervalMs: opts.hotFlushIntervalMs,
  });
  made.push(stats);
  return stats;
}

async function commandsProcessed(): Promise<number> {
  return Number(/total_commands_processed:(\d+)/.exec(await raw.info('stats'))![1]);
}

beforeAll(async () => {
  server = await startRedis({ args: ['--maxmemory', '64mb', '--maxmemory-policy', 'allkeys-lru'] });
  connections = createConnections({ kind: 'standalone', url: server.url }, { commandTimeoutMs: 1000 });
  raw = server.client();
  await connections.writer.ping();
});

beforeEach(async () => {
  await makeStats().reset();
});

afterAll(async () => {
  for (const s of made) await s.close().catch(() => {});
  await connections?.close();
  await cleanupAll();
});

describe('stats counters', () => {
  it('are shared by two instances and written in batches, not a command per request', async () => {
    const a = makeStats({ flushIntervalMs: 100 });
    const b = makeStats({ flushIntervalMs: 100 });
    const before = await commandsProcessed();
    let cacheSum = 0;
    let dbSum = 0;
    for (let i = 0; i < 5000; i++) {
      const cacheMs = 0.5 + (i % 10) * 0.1;
      const dbMs = 20 + (i % 7);
      a.record('cache', cacheMs);
      b.record(i % 2 ? 'cache' : 'database', i % 2 ? cacheMs : dbMs);
      cacheSum += cacheMs + (i % 2 ? cacheMs : 0);
      dbSum += i % 2 ? 0 : dbMs;
    }
    // The timers flush on their own (no explicit flush): wait for both instances' batches to land.
    await waitUntil(async () => Number(await raw.hget(keys.statsCounters(), 'requests')) === 10_000, 3_000);
    const commands = (await commandsProcessed()) - before;
    expect(commands).toBeLessThan(100); // 10,000 requests recorded
    const snap = await a.snapshot();
    expect(snap).toMatchObject({ requests: 10_000, hits: 7500, misses: 2500, hit_ratio: 0.75 });
    expect(snap.avg_response_time_cache).toBeCloseTo(cacheSum / 7500, 2);
    expect(snap.avg_response_time_database).toBeCloseTo(dbSum / 2500, 2);
    expect(snap.speedup).toBeCloseTo(dbSum / 2500 / (cacheSum / 7500), 1);
    expect(snap.last_minute).toEqual({ requests: 10_000, hits: 7500, misses: 2500, hit_ratio: 0.75 });
    expect(await b.snapshot()).toEqual(snap);
  });

  it('reports a zero state without dividing by zero', async () => {
    const s = makeStats();
    expect(await s.snapshot()).toEqual({
      requests: 0,
      hits: 0,
      misses: 0,
      hit_ratio: 0,
      avg_response_time_cache: 0,
      avg_response_time_database: 0,
      speedup: null,
      last_minute: { requests: 0, hits: 0, misses: 0, hit_ratio: 0 },
      percentiles: {
        cache: { p50: null, p95: null, p99: null },
        database: { p50: null, p95: null, p99: null },
      },
    });
  });

  it('computes percentiles from the shared log histograms', async () => {
    const a = makeStats();
    const b = makeStats();
    for (let i = 1; i <= 1000; i++) (i % 2 ? a : b).record('cache', i / 10); // uniform 0.1..100 ms
    for (let i = 0; i < 200; i++) a.record('database', 200);
    await Promise.all([a.flush(), b.flush()]);
    const { percentiles } = await a.snapshot();
    expect(percentiles.cache.p50!).toBeGreaterThan(40);
    expect(percentiles.cache.p50!).toBeLessThan(60);
    expect(percentiles.cache.p95!).toBeGreaterThan(85);
    expect(percentiles.cache.p95!).toBeLessThan(120);
    expect(percentiles.cache.p99!).toBeGreaterThanOrEqual(percentiles.cache.p95!);
    // All samples at 200 ms fall in the (181, 256] bucket.
    expect(percentiles.database.p50!).toBeGreaterThan(181);
    expect(percentiles.database.p99!).toBeLessThanOrEqual(256);
    // The histogram hash is readable: upper bound (ms) → count.
    const hist = await raw.hgetall(keys.stat('latency_database'));
    expect(Object.values(hist).map(Number)).toEqual([200]);
    expect(Number(Object.keys(hist)[0])).toBeGreaterThanOrEqual(200);
  });

  it('builds the per-second series', async () => {
    const s = makeStats();
    s.record('cache', 2);
    s.record('cache', 4);
    s.record('database', 30);
    await s.flush();
    const points = await s.series(5);
    expect(points).toHaveLength(5);
    const nowSecond = Math.floor(Date.now() / 1000) * 1000;
    expect(points[4]!.t).toBeGreaterThanOrEqual(nowSecond - 1000);
    for (let i = 1; i < points.length; i++) expect(points[i]!.t - points[i - 1]!.t).toBe(1000);
    const busy = points.filter((p) => p.hits + p.misses > 0);
    expect(busy.reduce((n, p) => n + p.hits, 0)).toBe(2);
    expect(busy.reduce((n, p) => n + p.misses, 0)).toBe(1);
    if (busy.length === 1) expect(busy[0]).toMatchObject({ avgCacheMs: 3, avgDbMs: 30 });
    const ttl = await raw.ttl(keys.statsSecond(Math.floor(busy[0]!.t / 1000)));
    expect(ttl).toBeGreaterThan(500);
    expect(ttl).toBeLessThanOrEqual(600);
    expect(await s.series(100_000)).toHaveLength(600);
  });

  it('close() flushes what is left; reset() clears everything', async () => {
    const a = makeStats({ flushIntervalMs: 60_000 });
    a.record('cache', 1);
    a.record('database', 10);
    await a.close();
    a.record('cache', 1); // after close: ignored, no throw
    const b = makeStats();
    expect((await b.snapshot()).requests).toBe(2);
    await b.reset();
    expect((await b.snapshot()).requests).toBe(0);
    expect(await raw.exists(keys.statsHot(), keys.stat('latency_cache'), keys.stat('flushes'))).toBe(0);
  });
});

describe('hot ids', () => {
  it('lists ids read in the window, most recent first, across instances, trimming old ones', async () => {
    const a = makeStats();
    const b = makeStats();
    await raw.zadd(keys.statsHot(), Date.now() - 11 * 60_000, 'ancient');
    a.recordAccess('p1');
    await sleep(5);
    b.recordAccess('p2');
    await sleep(5);
    a.recordAccess('p3');
    await sleep(5);
    a.recordAccess('p1');
    a.recordAccess('bad id*'); // ignored, never thrown
    await Promise.all([a.flush(), b.flush()]);
    expect(await a.hotIds({ sinceMs: Date.now() - 60_000, limit: 10 })).toEqual(['p1', 'p3', 'p2']);
    expect(await a.hotIds({ sinceMs: Date.now() - 60_000, limit: 2 })).toEqual(['p1', 'p3']);
    expect(await b.hotIds({ sinceMs: 60_000, limit: 10 })).toEqual(['p1', 'p3', 'p2']); // a window length
    expect(await a.hotIds({ sinceMs: Date.now() + 60_000, limit: 10 })).toEqual([]);
    expect(await raw.zscore(keys.statsHot(), 'ancient')).toBeNull();
    expect(Number(await raw.zscore(keys.statsHotCount(), 'p1'))).toBe(2);
  });

  it('the timer writes counters every flush interval and hot ids at most every hot interval', async () => {
    const s = makeStats({ flushIntervalMs: 50, hotFlushIntervalMs: 2000 });
    const createdAt = Date.now();
    s.recordRead('slow-hot', 'cache', 1);
    await waitUntil(async () => Number(await raw.hget(keys.statsCounters(), 'hits')) === 1, 1500);
    // Counters landed by the timer; the hot id waits for its own interval (unless 2 s have passed).
    const hotNow = await raw.zscore(keys.statsHot(), 'slow-hot');
    if (Date.now() - createdAt < 1900) expect(hotNow).toBeNull();
    await waitUntil(async () => (await raw.zscore(keys.statsHot(), 'slow-hot')) !== null, 5000);
    // Hot ids kept back are not lost nor counted twice by the batches in between.
    expect(Number(await raw.zscore(keys.statsHotCount(), 'slow-hot'))).toBe(1);
    expect(Number(await raw.hget(keys.statsCounters(), 'hits'))).toBe(1);
  });

  it('by default hot ids wait up to 5 s for the timer, counters 250 ms; close() writes both', async () => {
    const s = makeStats();
    const createdAt = Date.now();
    s.recordRead('default-hot', 'cache', 1);
    await waitUntil(async () => Number(await raw.hget(keys.statsCounters(), 'hits')) === 1, 3000);
    await sleep(1200); // past the old 1 s hot interval
    if (Date.now() - createdAt < 4500) expect(await raw.zscore(keys.statsHot(), 'default-hot')).toBeNull();
    s.recordRead('default-hot', 'cache', 1);
    await s.close(); // a graceful stop loses nothing
    expect(await raw.zscore(keys.statsHot(), 'default-hot')).not.toBeNull();
    expect(Number(await raw.zscore(keys.statsHotCount(), 'default-hot'))).toBe(2);
    expect(Number(await raw.hget(keys.statsCounters(), 'hits'))).toBe(2);
  });

  it('an explicit flush sends hot ids at once', async () => {
    const s = makeStats({ flushIntervalMs: 50, hotFlushIntervalMs: 60_000 });
    s.recordRead('asked-for', 'database', 3);
    await s.flush();
    expect(await s.hotIds({ sinceMs: 60_000, limit: 10 })).toEqual(['asked-for']);
  });

  it('getOrLoad records the source, latency and access itself', async () => {
    const stats = makeStats();
    const cache = createCache({
      connections,
      keys,
      stats,
      ttlSeconds: 60,
      jitter: 0.1,
      negativeTtlSeconds: 10,
      graceSeconds: 0,
    });
    await raw.del(keys.cacheEntry('hot-1'));
    for (let i = 0; i < 5; i++) await cache.getOrLoad('hot-1', async () => ({ id: 'hot-1' }));
    const snap = await stats.snapshot();
    expect(snap).toMatchObject({ requests: 5, hits: 4, misses: 1, hit_ratio: 0.8 });
    expect(await stats.hotIds({ sinceMs: Date.now() - 10_000, limit: 5 })).toEqual(['hot-1']);
    cache.close();
  });
});

describe('when Redis is down', () => {
  it('keeps counters in memory (bounded), never throws from record, and writes them after recovery', async () => {
    const own = await startRedis();
    const conns = createConnections({ kind: 'standalone', url: own.url }, { commandTimeoutMs: 300 });
    try {
      const s = makeStats({ conns, flushIntervalMs: 50 });
      s.record('cache', 1);
      await s.flush();
      await own.kill();
      for (let i = 0; i < 50; i++) s.record('database', 5);
      s.recordAccess('while-down');
      await s.flush(); // fails quietly
      await sleep(200); // timer flushes fail too
      await expect(s.snapshot()).rejects.toMatchObject({ code: 'E_CACHE_UNAVAILABLE' });
      await own.start(); // no AOF: what was flushed before the crash is gone
      await waitUntil(async () => (await s.snapshot()).requests > 0, 10_000);
      // Exactly the 50 kept in memory: the batch that timed out during the outage (and that the
      // client may replay on reconnect) is neither lost nor counted twice.
      expect((await s.snapshot()).requests).toBe(50);
      expect((await s.snapshot()).misses).toBe(50);
      expect(await s.hotIds({ sinceMs: 60_000, limit: 10 })).toEqual(['while-down']);
      await s.close();
    } finally {
      await conns.close();
    }
  }, 30_000);
});

describe('redisInfo', () => {
  it('parses INFO into the fields the monitor shows', async () => {
    await raw.set('info:a', '1');
    await raw.select(1);
    await raw.set('info:b', '1');
    await raw.select(0);
    const info = await redisInfo(connections.writer);
    const dbsize0 = await raw.dbsize();
    expect(info.keys).toBe(dbsize0 + 1);
    expect(info.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(info.role).toBe('master');
    expect(info.maxmemory).toBe(64 * 1024 * 1024);
    expect(info.maxmemoryPolicy).toBe('allkeys-lru');
    expect(info.usedMemory).toBeGreaterThan(100_000);
    expect(info.usedMemoryHuman).toMatch(/^[\d.]+[BKMG]$/);
    expect(info.connectedClients).toBeGreaterThanOrEqual(2);
    expect(info.uptimeSeconds).toBeGreaterThanOrEqual(0);
    expect(info.keyspaceHits + info.keyspaceMisses).toBeGreaterThan(0);
    expect(typeof info.opsPerSec).toBe('number');
  });
});

describe('latency histogram', () => {
  it('has increasing bounds and interpolates inside a bucket', () => {
    for (let i = 1; i < LATENCY_BOUNDS_MS.length; i++) {
      expect(LATENCY_BOUNDS_MS[i]!).toBeGreaterThan(LATENCY_BOUNDS_MS[i - 1]!);
    }
    expect(percentilesOf({})).toEqual({ p50: null, p95: null, p99: null });
    expect(percentilesOf({ '+Inf': '3' }).p50).toBe(LATENCY_BOUNDS_MS.at(-1));
  });
});
