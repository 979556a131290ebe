import type { DataResponse, HistoryResponse, SearchResponse, StatsResponse } from '@app/api-types';
import { cleanupAll, startTestRedis, type TestRedis } from '@app/testing';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, buildTestApi, sleep, type TestApi } from './helpers.js';

let redis: TestRedis;
let api: TestApi;

beforeAll(async () => {
  redis = await startTestRedis();
  api = await buildTestApi(redis, { ORIGIN_DELAY_MS: '30', CACHE_TTL_SECONDS: '60', CACHE_TTL_JITTER: '0' });
});
afterAll(async () => {
  await api?.close();
  await cleanupAll();
});

describe('GET /api/data/:id (cache-aside)', () => {
  it('misses first (from the catalog, after the origin delay), then hits with a TTL counting down', async () => {
    const miss = await request(api.app).get('/api/data/prod1').expect(200);
    const first = miss.body as DataResponse;
    expect(first.source).toBe('database');
    expect(first.data).toMatchObject({
      id: 'prod1',
      name: 'Smartphone Premium',
      price: 899.99,
      category: 'electronics',
    });
    expect(first.origin_delay_ms).toBe(30);
    expect(first.response_time).toBeGreaterThanOrEqual(30);
    expect(first.response_time).toBe(Math.round(first.response_time * 100) / 100); // 2 decimals

    const hit = (await request(api.app).get('/api/data/prod1').expect(200)).body as DataResponse;
    expect(hit.source).toBe('cache');
    expect(hit.data).toEqual(first.data);
    expect(hit.ttl).toBeGreaterThan(55);
    expect(hit.ttl).toBeLessThanOrEqual(60);
    expect(hit.response_time).toBeLessThan(first.response_time);
    expect(hit.cache_down).toBeUndefined();

    // The seed's cache key (in every topology: entries spread across slots), with a real TTL.
    expect(api.services.keys.cacheEntry('prod1')).toBe('data:prod1');
    const pttl = await redis.client().pttl('data:prod1');
    expect(pttl).toBeGreaterThan(55_000);

    await sleep(1100);
    const later = (await request(api.app).get('/api/data/prod1').expect(200)).body as DataResponse;
    expect(later.source).toBe('cache');
    expect(later.ttl).toBeLessThan(hit.ttl as number);
  });

  it('answers 404 JSON for an unknown id and caches the miss', async () => {
    const res = await request(api.app).get('/api/data/nope-404').expect(404);
    expect(res.body).toEqual({ error: expect.stringContaining('nope-404'), code: 'E_NOT_FOUND' });
    expect(res.headers['content-type']).toMatch(/json/);
    // Negative entry stored: the next miss does not pay the origin delay.
    expect(await redis.client().exists('data:nope-404')).toBe(1);
    const again = await request(api.app).get('/api/data/nope-404').expect(404);
    expect(again.body.code).toBe('E_NOT_FOUND');
  });

  it.each([
    ['*', '*'],
    ['a:b', 'a:b'],
    ['..', '%2E%2E'],
    ['a{b}', 'a%7Bb%7D'],
    ['space', 'a%20b'],
    ['1000 chars', 'x'.repeat(1000)],
  ])('refuses the bad id %s with 400 before touching Redis', async (_label, path) => {
    const res = await request(api.app).get(`/api/data/${path}`).expect(400);
    expect(res.body.code).toBe('E_VALIDATION');
    expect(res.body.error).toMatch(/id/);
    expect(res.body).not.toHaveProperty('stack');
    // Nothing was cached or recorded for it.
    const client = redis.client();
    const raw = decodeURIComponent(path);
    expect(await client.exists(`data:${raw}`)).toBe(0);
    expect(await client.zscore(api.services.keys.historyTop(), raw)).toBeNull();
  });

  it('counts hits and misses in /api/stats and the per-second series', async () => {
    await api.services.stats.flush();
    const before = (await request(api.app).get('/api/stats').expect(200)).body as StatsResponse;
    await request(api.app).get('/api/data/prod2').expect(200); // miss
    await request(api.app).get('/api/data/prod2').expect(200); // hit
    await request(api.app).get('/api/data/prod2').expect(200); // hit
    await api.services.stats.flush();
    const after = (await request(api.app).get('/api/stats').expect(200)).body as StatsResponse;
    expect(after.requests - before.requests).toBe(3);
    expect(after.hits - before.hits).toBe(2);
    expect(after.misses - before.misses).toBe(1);
    expect(after.hit_ratio).toBeGreaterThan(0);
    expect(after.avg_response_time_database).toBeGreaterThan(after.avg_response_time_cache);
    expect(after.origin_delay_ms).toBe(30);
    expect(after.redis.version).toMatch(/^\d+\.\d+/);
    expect(after.redis.used_memory).toBeGreaterThan(0);

    const series = await request(api.app).get('/api/stats/series?seconds=30').expect(200);
    const points = series.body.points as { hits: number; misses: number; t: number }[];
    expect(points.reduce((s, p) => s + p.hits, 0)).toBeGreaterThanOrEqual(2);
    expect(points.every((p) => Number.isInteger(p.t))).toBe(true);
    await request(api.app).get('/api/stats/series?seconds=0').expect(400);
  });

  it('fills the history with recent and top lookups', async () => {
    await request(api.app).get('/api/data/prod3').expect(200);
    await request(api.app).get('/api/data/prod3').expect(200);
    // history.record runs in the background, in batches of 100 ms: the two reads may land in two
    // batches, so wait until both are there.
    let body: HistoryResponse = { recent: [], top: [] };
    const prod3Reads = () => body.recent.slice(0, 2).filter((r) => r.query === 'prod3').length;
    for (let i = 0; i < 40 && prod3Reads() < 2; i++) {
      await sleep(25);
      body = (await request(api.app).get('/api/history?limit=5').expect(200)).body;
    }
    expect(body.recent[0]).toMatchObject({ query: 'prod3', at: expect.any(Number) });
    // Both reads are recent searches; in the top searches one client is one vote per id and hour.
    expect(body.recent[1]).toMatchObject({ query: 'prod3' });
    expect(body.top.find((t) => t.query === 'prod3')?.count).toBe(1);
    expect(body.recent.length).toBeLessThanOrEqual(5);
  });

  it('DELETE /api/data/:id (admin) invalidates: the next read is a miss', async () => {
    await request(api.app).get('/api/data/prod1').expect(200);
    await request(api.app).delete('/api/data/prod1').expect(401);
    const res = await request(api.app).delete('/api/data/prod1').set(admin).expect(200);
    expect(res.body).toEqual({ invalidated: true });
    expect((await request(api.app).get('/api/data/prod1').expect(200)).body.source).toBe('database');
    const none = await request(api.app).delete('/api/data/never-cached').set(admin).expect(200);
    expect(none.body).toEqual({ invalidated: false });
  });

  it('cached queries pay the same simulated origin delay on a miss (database), none on a hit', async () => {
    const miss = (await request(api.app).get('/api/db/search?q=premium').expect(200)).body as SearchResponse;
    expect(miss.source).toBe('database');
    expect(miss.response_time).toBeGreaterThanOrEqual(29);
    const hit = (await request(api.app).get('/api/db/search?q=premium').expect(200)).body as SearchResponse;
    expect(hit.source).toBe('cache');
    expect(hit.products.map((p) => p.id)).toEqual(miss.products.map((p) => p.id));
  });

  it('GET /api/config tells the origin delay and settings', async () => {
    const res = await request(api.app).get('/api/config').expect(200);
    expect(res.body).toEqual({
      origin_delay_ms: 30,
      cache_ttl_seconds: 60,
      topology: redis.kind,
      near_cache: false,
      admin_configured: true,
      rate_limit_per_minute: 0,
      catalog_store: 'redis',
    });
  });
});

describe('GET /api/data/:id answer framing', () => {
  it('sends the JSON with its exact length and type, no ETag, and no body to HEAD', async () => {
    const res = await request(api.app).get('/api/data/prod2').expect(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(Number(res.headers['content-length'])).toBe(Buffer.byteLength(JSON.stringify(res.body)));
    expect(res.headers.etag).toBeUndefined();
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    const head = await request(api.app).head('/api/data/prod2').expect(200);
    expect(head.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(Number(head.headers['content-length'])).toBeGreaterThan(100);
    expect(head.text ?? '').toBe('');
  });
});
