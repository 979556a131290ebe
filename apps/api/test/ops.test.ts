import type { JobsResponse, ReadyResponse, StatsResponse } from '@app/api-types';
import { writeWorkerHeartbeat } from '@app/redis-core';
import { cleanupAll, startTestRedis, type TestRedis, waitUntil } from '@app/testing';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, buildTestApi, type TestApi } from './helpers.js';
import { collectEvents } from './sse.js';

let redis: TestRedis;
let api: TestApi;

beforeAll(async () => {
  redis = await startTestRedis();
  api = await buildTestApi(redis, {}, { jobEvents: true });
});
afterAll(async () => {
  await api?.close();
  await cleanupAll();
});

describe('cache key browser', () => {
  it('pages keys with SCAN, inspects one, deletes cache keys only', async () => {
    await request(api.app).get('/api/data/prod1').expect(200);
    await request(api.app).get('/api/data/prod2').expect(200);

    const page = await request(api.app).get('/api/cache/keys?pattern=data:*&count=100').expect(200);
    const byKey = new Map(page.body.keys.map((k: { key: string }) => [k.key, k]));
    expect(byKey.get('data:prod1')).toMatchObject({ type: 'string', ttl_ms: expect.any(Number) });
    expect((byKey.get('data:prod1') as { ttl_ms: number }).ttl_ms).toBeGreaterThan(0);
    expect(page.body.cursor).toEqual(expect.any(String));

    const all = await request(api.app).get('/api/cache/keys').expect(200);
    expect(all.body.keys.length).toBeGreaterThan(0);

    const keys = api.services.keys;
    const productKey = keys.product('prod1');
    const one = await request(api.app)
      .get(`/api/cache/key?key=${encodeURIComponent(productKey)}`)
      .expect(200);
    expect(one.body).toMatchObject({
      key: productKey,
      type: 'string',
      ttl_ms: null,
      value: { id: 'prod1' },
    });
    const set = await request(api.app)
      .get(`/api/cache/key?key=${encodeURIComponent(keys.products())}`)
      .expect(200);
    expect(set.body.value).toEqual(expect.arrayContaining(['prod1', 'prod2']));
    await request(api.app).get('/api/cache/key?key=data:missing').expect(404);
    await request(api.app).get('/api/cache/key').expect(400);
    await request(api.app).get('/api/cache/keys?pattern=a%20b').expect(400);

    await request(api.app).delete('/api/cache/key?key=data:prod1').expect(401);
    const del = await request(api.app).delete('/api/cache/key?key=data:prod1').set(admin).expect(200);
    expect(del.body).toEqual({ deleted: true });
    expect(await redis.client().exists('data:prod1')).toBe(0);
    const refused = await request(api.app)
      .delete(`/api/cache/key?key=${encodeURIComponent(productKey)}`)
      .set(admin)
      .expect(400);
    expect(refused.body.code).toBe('E_VALIDATION');
    expect(await redis.client().exists(productKey)).toBe(1);

    await request(api.app).delete('/api/cache/prefix?prefix=db:').set(admin).expect(400);
    await request(api.app)
      .delete(`/api/cache/prefix?prefix=${encodeURIComponent(keys.productPrefix)}`)
      .set(admin)
      .expect(400);
    const prefix = await request(api.app).delete('/api/cache/prefix?prefix=data:').set(admin).expect(200);
    expect(prefix.body.deleted).toBeGreaterThanOrEqual(1);
    expect(await redis.client().exists('data:prod2')).toBe(0);
    expect(await redis.client().scard(keys.products())).toBeGreaterThanOrEqual(3);
  });
});

describe('jobs', () => {
  it('enqueues warm jobs (202), validates payloads, lists them with the worker status', async () => {
    await request(api.app).post('/api/jobs/warm-all').expect(401);
    const all = await request(api.app).post('/api/jobs/warm-all').set(admin).expect(202);
    expect(all.body).toEqual({ id: expect.any(String), name: 'warm-all', state: 'waiting' });
    const cat = await request(api.app)
      .post('/api/jobs/warm-category')
      .set(admin)
      .send({ category: 'Electronics' })
      .expect(202);
    expect(cat.body.name).toBe('warm-category');
    const top = await request(api.app).post('/api/jobs/warm-top').set(admin).send({ n: 5 }).expect(202);
    expect(top.body.name).toBe('warm-top');
    const refresh = await request(api.app).post('/api/jobs/refresh').set(admin).expect(202);
    expect(refresh.body.name).toBe('refresh-ttl');

    await request(api.app).post('/api/jobs/warm-top').set(admin).send({ n: 0 }).expect(400);
    await request(api.app).post('/api/jobs/warm-top').set(admin).send({}).expect(400);
    await request(api.app).post('/api/jobs/warm-category').set(admin).send({ category: 'a b' }).expect(400);
    await request(api.app).post('/api/jobs/warm-all').set(admin).send({ bogus: 1 }).expect(400);

    // What a running worker writes (apps/worker calls the same function).
    await writeWorkerHeartbeat(api.services.connections.writer, api.services.keys, {
      workerId: 'test-worker.1',
      pid: 4242,
      host: 'test',
      concurrency: 2,
      active: 0,
      startedAt: Date.now() - 1000,
    });
    const list = (await request(api.app).get('/api/jobs?limit=10').expect(200)).body as JobsResponse;
    expect(list.jobs.map((j) => j.name).sort()).toEqual([
      'refresh-ttl',
      'warm-all',
      'warm-category',
      'warm-top',
    ]);
    const catJob = list.jobs.find((j) => j.name === 'warm-category');
    expect(catJob).toMatchObject({ state: 'waiting', data: { category: 'electronics' }, finished_at: null });
    expect(catJob?.created_at).toBeGreaterThan(Date.now() - 60_000);
    expect(list.worker).toMatchObject({ alive: true, last_heartbeat: expect.any(Number) });
    expect(list.worker.workers[0]).toMatchObject({ worker_id: 'test-worker.1', pid: 4242 });
    await request(api.app).get('/api/jobs?limit=0').expect(400);
  });
});

describe('health, readiness, metrics', () => {
  it('healthz is always ok; readyz pings Redis and warns when the queue Redis may evict', async () => {
    expect((await request(api.app).get('/healthz').expect(200)).body).toEqual({ status: 'ok' });
    const ready = (await request(api.app).get('/readyz').expect(200)).body as ReadyResponse;
    expect(ready).toMatchObject({ status: 'ready', redis: 'up', redis_latency_ms: expect.any(Number) });
    expect(ready.warnings).toBeUndefined();

    await redis.configSet('maxmemory-policy', 'allkeys-lru');
    try {
      const warned = (await request(api.app).get('/readyz').expect(200)).body as ReadyResponse;
      expect(warned.warnings?.join(' ')).toMatch(/allkeys-lru.*noeviction/);
    } finally {
      await redis.configSet('maxmemory-policy', 'noeviction');
    }
  });

  it('/metrics exposes request latency by route, cache hits/misses and redis_up', async () => {
    await request(api.app).get('/api/data/prod3').expect(200);
    await request(api.app).get('/api/data/prod3').expect(200);
    const res = await request(api.app).get('/metrics').expect(200);
    expect(res.headers['content-type']).toMatch(/text\/plain/);
    expect(res.text).toMatch(
      /http_request_duration_seconds_bucket\{[^}]*route="\/api\/data\/:id"[^}]*status="200"/,
    );
    expect(res.text).toMatch(/^cache_hits_total [1-9]/m);
    expect(res.text).toMatch(/^cache_misses_total [1-9]/m);
    expect(res.text).toMatch(/^redis_up 1$/m);
    expect(res.text).toMatch(/process_cpu_user_seconds_total/);
  });
});

describe('GET /api/stream (server-sent events)', () => {
  it('pushes stats, replication and jobs each second, and a job event when a job is added', async () => {
    let enqueued = false;
    const { events, raw, headers } = await collectEvents(api.app, (seen) => {
      if (!enqueued && seen.some((e) => e.event === 'stats')) {
        enqueued = true;
        void request(api.app).post('/api/jobs/warm-top').set(admin).send({ n: 2 }).then();
      }
      const ticks = seen.filter((e) => e.event === 'stats').length;
      return ticks >= 2 && seen.some((e) => e.event === 'job');
    });
    expect(headers.get('content-type')).toMatch(/text\/event-stream/);
    expect(raw).toMatch(/^retry: \d+/);
    const stats = events.find((e) => e.event === 'stats')?.data as StatsResponse;
    expect(stats).toMatchObject({ requests: expect.any(Number), hit_ratio: expect.any(Number) });
    expect(stats.redis.version).toMatch(/^\d/);
    expect(events.find((e) => e.event === 'replication')?.data).toMatchObject({ topology: redis.kind });
    expect(events.find((e) => e.event === 'jobs')?.data).toMatchObject({ jobs: expect.any(Array) });
    expect(events.find((e) => e.event === 'job')?.data).toMatchObject({ event: 'added', name: 'warm-top' });
    // The client went away: it is dropped and the ticker stops.
    await waitUntil(async () => api.app.streamClients() === 0, 5000);
  });
});
