import { cleanupAll, startTestRedis, type TestRedis } from '@app/testing';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, admin, buildTestApi, type TestApi } from './helpers.js';

let redis: TestRedis;
let api: TestApi;
let noAdmin: TestApi;
let limited: TestApi;

beforeAll(async () => {
  redis = await startTestRedis();
  api = await buildTestApi(redis, { CORS_ORIGINS: 'http://monitor.example' });
  noAdmin = await buildTestApi(redis, { ADMIN_TOKEN: '' }, { seed: false });
  limited = await buildTestApi(redis, { RATE_LIMIT_PER_MINUTE: '5' }, { seed: false });
});
afterAll(async () => {
  await Promise.all([api?.close(), noAdmin?.close(), limited?.close()]);
  await cleanupAll();
});

describe('admin routes', () => {
  const product = { id: 'p-sec', name: 'Secured', price: 1, category: 'misc' };

  it('refuses a missing or wrong token with 401 E_UNAUTHORIZED and writes nothing', async () => {
    const none = await request(api.app).post('/api/db/add').send(product).expect(401);
    expect(none.body.code).toBe('E_UNAUTHORIZED');
    expect(none.headers['www-authenticate']).toMatch(/Bearer/);
    for (const header of [
      `Bearer ${ADMIN_TOKEN}x`,
      `Bearer ${ADMIN_TOKEN.slice(1)}`,
      ADMIN_TOKEN,
      'Basic abc',
      'Bearer ',
    ]) {
      const res = await request(api.app)
        .post('/api/db/add')
        .set('Authorization', header)
        .send(product)
        .expect(401);
      expect(res.body.code).toBe('E_UNAUTHORIZED');
    }
    expect(await redis.client().exists(api.services.keys.product('p-sec'))).toBe(0);
    await request(api.app).post('/api/db/add').set(admin).send(product).expect(201);
  });

  it('closes admin routes with 401 E_ADMIN_DISABLED when no token is configured', async () => {
    for (const [method, path] of [
      ['post', '/api/db/add'],
      ['put', '/api/db/product/prod1'],
      ['delete', '/api/db/product/prod1'],
      ['delete', '/api/data/prod1'],
      ['delete', '/api/cache/prefix?prefix=data:'],
      ['post', '/api/jobs/warm-all'],
    ] as const) {
      const res = await request(noAdmin.app)
        [method](path)
        .set('Authorization', 'Bearer anything')
        .send({})
        .expect(401);
      expect(res.body.code).toBe('E_ADMIN_DISABLED');
    }
    const config = await request(noAdmin.app).get('/api/config').expect(200);
    expect(config.body.admin_configured).toBe(false);
  });
});

describe('rate limiting (kept in Redis)', () => {
  it('answers 429 E_RATE_LIMITED with Retry-After past the per-minute limit', async () => {
    const statuses: number[] = [];
    let limitedRes: request.Response | undefined;
    for (let i = 0; i < 8; i++) {
      const res = await request(limited.app).get('/api/config');
      statuses.push(res.status);
      if (res.status === 429) limitedRes = res;
    }
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    expect(statuses.slice(5)).toEqual([429, 429, 429]);
    expect(limitedRes?.body).toEqual({
      error: expect.stringContaining('5 per minute'),
      code: 'E_RATE_LIMITED',
    });
    const retryAfter = Number(limitedRes?.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // The counter lives in Redis under the keyspace's rate-limit prefix.
    const keys = await redis.scanKeys('ratelimit:*');
    expect(keys.length).toBeGreaterThan(0);
    // Probes are never limited.
    await request(limited.app).get('/healthz').expect(200);
  });

  it('a burst in parallel is cut at the limit too', async () => {
    await redis.del(await redis.scanKeys('ratelimit:*'));
    const results = await Promise.all(
      Array.from({ length: 12 }, () => request(limited.app).get('/api/config')),
    );
    const ok = results.filter((r) => r.status === 200).length;
    expect(ok).toBe(5);
    expect(results.filter((r) => r.status === 429)).toHaveLength(7);
  });
});

describe('HTTP hygiene', () => {
  it('answers unknown routes with JSON 404, never HTML', async () => {
    const res = await request(api.app).get('/api/nope').expect(404);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    expect(res.body).toEqual({ error: 'no route GET /api/nope', code: 'E_NOT_FOUND' });
    await request(api.app).post('/api/data/prod1').expect(404);
  });

  it('honours a sane X-Request-Id and returns one otherwise', async () => {
    const given = await request(api.app).get('/healthz').set('X-Request-Id', 'req-42.abc').expect(200);
    expect(given.headers['x-request-id']).toBe('req-42.abc');
    const made = await request(api.app).get('/healthz').set('X-Request-Id', 'bad id\twith tabs').expect(200);
    expect(made.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('sets a same-origin CSP on pages, a deny-all one on data, and no X-Powered-By', async () => {
    const page = await request(api.app).get('/api/docs/').expect(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.headers['content-security-policy']).toMatch(/default-src 'self'/);
    expect(page.headers['content-security-policy']).toMatch(/script-src 'self'/);
    expect(page.headers['content-security-policy']).not.toMatch(/upgrade-insecure-requests/);
    for (const path of [
      '/healthz',
      '/api/stats',
      '/api/data/prod1',
      '/api/data/%2E%2E',
      '/api/nope',
      '/metrics',
    ]) {
      const res = await request(api.app).get(path);
      expect(res.headers['content-security-policy'], path).toBe("default-src 'none'; frame-ancestors 'none'");
      expect(res.headers['strict-transport-security'], path).toMatch(/max-age=/);
      expect(res.headers['x-request-id'], path).toMatch(/^[0-9a-f-]{36}$/);
      expect(res.headers['x-content-type-options'], path).toBe('nosniff');
      expect(res.headers['x-frame-options'], path).toBe('DENY');
      expect(res.headers['x-powered-by'], path).toBeUndefined();
    }
    expect(page.headers['x-powered-by']).toBeUndefined();
    expect(page.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('sends CORS headers only to configured origins, never *', async () => {
    const allowed = await request(api.app)
      .get('/api/config')
      .set('Origin', 'http://monitor.example')
      .expect(200);
    expect(allowed.headers['access-control-allow-origin']).toBe('http://monitor.example');
    const other = await request(api.app).get('/api/config').set('Origin', 'http://evil.example').expect(200);
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
    const preflight = await request(api.app)
      .options('/api/db/add')
      .set('Origin', 'http://monitor.example')
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'Authorization, Content-Type');
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-headers']).toMatch(/Authorization/);
    const noCors = await request(noAdmin.app)
      .get('/api/config')
      .set('Origin', 'http://monitor.example')
      .expect(200);
    expect(noCors.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('never leaks a stack trace in an error answer', async () => {
    const res = await request(api.app).get('/api/data/%E0%A4%A').expect(400);
    expect(JSON.stringify(res.body)).not.toMatch(/at .*\.ts:\d+/);
    expect(res.body.code).toBeDefined();
  });
});
