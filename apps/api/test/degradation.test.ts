import type { ReadyResponse } from '@app/api-types';
import { cleanupAll, type RedisServer, startRedis, waitUntil } from '@app/testing';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApi, type TestApi } from './helpers.js';
import { collectEvents } from './sse.js';

// Standalone only (excluded from the cluster pass in vitest.config.ts): it kills and hangs the
// one Redis there is. Its cluster counterpart, one master of three killed under load, is
// cluster-failover.test.ts.

// The command timeout the app is built with. A read may wait for the cache and then the origin
// (two timeouts); the rest is slack for a loaded 2-core CI machine. A hang would blow far past it.
const COMMAND_TIMEOUT_MS = 500;
const BOUND_MS = 6 * COMMAND_TIMEOUT_MS;

let server: RedisServer;
let api: TestApi;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

async function timed<T>(work: Promise<T>): Promise<{ result: T; ms: number }> {
  const started = performance.now();
  const result = await work;
  return { result, ms: performance.now() - started };
}

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  server = await startRedis({ appendonly: true });
  // The rate limiter is on: Redis being down must not block or slow requests through it.
  api = await buildTestApi(server, {
    REDIS_COMMAND_TIMEOUT_MS: String(COMMAND_TIMEOUT_MS),
    RATE_LIMIT_PER_MINUTE: '10000',
  });
  await request(api.app).get('/api/data/prod1').expect(200);
});
afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  await api?.close();
  await cleanupAll();
});

describe('Redis killed mid-run, then restarted', () => {
  it('answers 503 fast while Redis is down and recovers without rebuilding the app', async () => {
    await server.kill();

    const ready = await timed(request(api.app).get('/readyz'));
    expect(ready.result.status).toBe(503);
    expect(ready.result.body as ReadyResponse).toMatchObject({ status: 'unavailable', redis: 'down' });
    expect((ready.result.body as ReadyResponse).details?.redis).toBeTruthy();
    expect(ready.ms).toBeLessThan(BOUND_MS);

    // The origin is the Redis catalog itself: with the only Redis down there is nothing to answer from.
    for (const id of ['prod1', 'prod2']) {
      const data = await timed(request(api.app).get(`/api/data/${id}`));
      expect(data.result.status).toBe(503);
      expect(data.result.body).toEqual({ error: expect.any(String), code: 'E_REDIS_UNAVAILABLE' });
      expect(data.result.headers['retry-after']).toBe('1');
      expect(data.ms).toBeLessThan(BOUND_MS);
    }

    for (const path of ['/api/stats', '/api/db/list', '/api/jobs', '/api/history', '/api/cache/keys']) {
      const res = await timed(request(api.app).get(path));
      expect(res.result.status, path).toBe(503);
      expect(res.result.body.code, path).toBe('E_REDIS_UNAVAILABLE');
      expect(res.ms, path).toBeLessThan(BOUND_MS);
    }
    // Redis-free routes keep working.
    await request(api.app).get('/healthz').expect(200);
    await request(api.app).get('/api/config').expect(200);
    const metrics = await request(api.app).get('/metrics').expect(200);
    expect(metrics.text).toMatch(/^redis_up 0$/m);

    // The stream stays open and says what failed.
    const { events } = await collectEvents(api.app, (seen) => seen.some((e) => e.event === 'stats'));
    expect(events.find((e) => e.event === 'stats')?.data).toMatchObject({
      error: expect.any(String),
      code: 'E_REDIS_UNAVAILABLE',
    });

    await server.start();
    await waitUntil(async () => (await request(api.app).get('/readyz')).status === 200, 15_000);
    const back = await request(api.app).get('/api/data/prod1').expect(200);
    expect(back.body.data.id).toBe('prod1'); // AOF kept the catalog
    expect(['cache', 'database']).toContain(back.body.source);
    await request(api.app).get('/api/stats').expect(200);
    await request(api.app).get('/api/jobs').expect(200);
    expect(unhandled).toEqual([]);
  });
});

describe('Redis hung (SIGSTOP), then resumed', () => {
  it('times out within the command timeout instead of hanging, then recovers', async () => {
    await request(api.app).get('/readyz').expect(200);
    server.pause();
    try {
      const data = await timed(request(api.app).get('/api/data/prod3'));
      expect(data.result.status).toBe(503);
      expect(data.result.body.code).toBe('E_REDIS_UNAVAILABLE');
      expect(data.ms).toBeLessThan(BOUND_MS);
      const ready = await timed(request(api.app).get('/readyz'));
      expect(ready.result.status).toBe(503);
      expect(ready.ms).toBeLessThan(BOUND_MS);
    } finally {
      server.resume();
    }
    await waitUntil(async () => (await request(api.app).get('/api/data/prod3')).status === 200, 15_000);
    expect(unhandled).toEqual([]);
  });
});
