/**
 * 9. Bad input. A property-based fuzz (fast-check) of 10,000 generated requests over every route
 * the app mounts (odd ids, `*`, `{}`, CRLF, unicode, 1 MB strings, deep JSON, wrong types, huge
 * page sizes, wrong or missing tokens, wrong methods, unknown paths), sent to the shipped API on a
 * real Redis. Every answer must be a 2xx/4xx JSON (never a 5xx), and afterwards the catalog must
 * be byte-identical except for the writes the API acknowledged. Plus: a 2 MB body gets 413, a
 * burst over the rate limit gets 429.
 */
import { generateProducts, type Product } from '@app/redis-core';
import { cleanupAll, type RedisServer, startRedis } from '@app/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminHeaders, type RunningApi, startApi } from '../src/api.js';
import { type FuzzRequest, requestArb } from '../src/fuzz-requests.js';
import { type Answer, call, histogram } from '../src/http.js';
import { recordResult } from '../src/results.js';

const RUNS = 10_000;
/** Routes whose answer is not JSON by design. */
const NOT_JSON = new Set(['GET /metrics', 'GET /api/docs']);
/** Never ends by design (server-sent events); covered by the API's own stream tests. */
const STREAMING = new Set(['GET /api/stream']);

let server: RedisServer;
let api: RunningApi;
const apis: RunningApi[] = [];
beforeAll(async () => {
  server = await startRedis({ appendonly: true });
  api = await startApi({ REDIS_URL: server.url, RATE_LIMIT_PER_MINUTE: '1000000' }, { seed: true });
  apis.push(api);
  await api.services.catalog.seedIfEmpty(generateProducts(200, { seed: 9 }));
});
afterAll(async () => {
  for (const a of apis) await a.close();
  await cleanupAll();
});

/** Every db:* key with its full content, serialized: the catalog's bytes. */
async function snapshot(): Promise<Map<string, string>> {
  const client = server.client();
  const out = new Map<string, string>();
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', 'db:*', 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      const type = await client.type(key);
      let value: unknown;
      if (type === 'string') value = await client.get(key);
      else if (type === 'set') value = (await client.smembers(key)).sort();
      else if (type === 'zset') value = await client.zrange(key, '0', '-1', 'WITHSCORES');
      else value = `unexpected type ${type}`;
      out.set(key, JSON.stringify([type, value]));
    }
  } while (cursor !== '0');
  return out;
}

describe('bad input', () => {
  it(`${RUNS.toLocaleString('en')} generated requests over every route: only 2xx/4xx JSON; catalog unchanged but for acknowledged writes`, async () => {
    const routes = api.app.routes
      .map((r) => ({ method: r.method, path: r.path }))
      .filter((r) => !STREAMING.has(`${r.method.toUpperCase()} ${r.path}`));
    const validIds = (await api.services.catalog.list({ limit: 50 })).ids;
    const before = await snapshot();
    // What the catalog must hold afterwards for the products a write touched (null = deleted).
    const acknowledged = new Map<string, Product | null>();
    const perRoute = new Map<string, number>();
    const answers: (Answer & { route: string })[] = [];
    const violations: string[] = [];

    const run = await fc.check(
      fc.asyncProperty(requestArb(routes, validIds), async (req: FuzzRequest) => {
        const answer = await call(api.base, req.method, req.path, {
          headers: req.headers,
          ...(req.rawBody !== undefined ? { rawBody: req.rawBody } : {}),
          timeoutMs: 15_000,
        });
        answers.push({ ...answer, route: req.route });
        perRoute.set(req.route, (perRoute.get(req.route) ?? 0) + 1);
        const ok = answer.status >= 200 && answer.status < 300;
        if (ok && req.route === 'POST /api/db/add') {
          const p = (answer.body as { product: Product }).product;
          acknowledged.set(p.id, p);
        } else if (ok && req.route === 'PUT /api/db/product/:id') {
          const p = (answer.body as { data: Product }).data;
          acknowledged.set(p.id, p);
        } else if (ok && req.route === 'DELETE /api/db/product/:id') {
          acknowledged.set(req.params.id as string, null);
        }
        // OPTIONS is answered by Express with the route's `Allow` list (HTTP's own format, no data).
        const noContent =
          (answer.status === 204 && answer.text === '') ||
          (req.method === 'OPTIONS' && answer.status === 200 && answer.headers?.get('allow') != null);
        const problem =
          answer.status < 200 || answer.status >= 500
            ? `status ${answer.status}`
            : !noContent && !NOT_JSON.has(req.route) && !answer.contentType.includes('application/json')
              ? `content-type ${answer.contentType}`
              : answer.status >= 400 &&
                  !NOT_JSON.has(req.route) &&
                  (typeof (answer.body as { error?: unknown })?.error !== 'string' ||
                    typeof (answer.body as { code?: unknown })?.code !== 'string')
                ? 'error body without {error, code}'
                : null;
        if (problem)
          violations.push(
            `${req.method} ${req.path.slice(0, 200)} → ${problem}: ${answer.text.slice(0, 200)}`,
          );
        return problem === null;
      }),
      { numRuns: RUNS, endOnFailure: true },
    );
    const counterexample = run.failed ? JSON.stringify(run.counterexample) : null;

    const after = await snapshot();
    const productKey = /^db:product:(.*)$/;
    const changedUntouched: string[] = [];
    const wrongTouched: string[] = [];
    for (const key of new Set([...before.keys(), ...after.keys()])) {
      const id = productKey.exec(key)?.[1];
      if (id === undefined) continue; // indexes: checked for consistency below
      if (!acknowledged.has(id)) {
        if (before.get(key) !== after.get(key)) changedUntouched.push(key);
        continue;
      }
      const expected = acknowledged.get(id);
      const stored = after.get(key);
      const storedProduct =
        stored === undefined ? null : (JSON.parse(JSON.parse(stored)[1] as string) as Product);
      if (JSON.stringify(storedProduct) !== JSON.stringify(expected ?? null)) wrongTouched.push(key);
    }
    const consistency = await api.services.catalog.checkConsistency();
    const coverage = Object.fromEntries([...perRoute.entries()].sort());
    const statuses = histogram(answers);

    recordResult('09-bad-input-fuzz', {
      fault: `${RUNS} fast-check requests over ${routes.length} routes (+ unknown paths and wrong methods)`,
      requests: answers.length,
      statuses,
      violations: violations.length,
      first_violations: violations.slice(0, 5),
      counterexample,
      seed: run.seed,
      acknowledged_writes: acknowledged.size,
      untouched_products_changed: changedUntouched.length,
      touched_products_wrong: wrongTouched.length,
      consistency_ok: consistency.ok,
      routes_covered: Object.keys(coverage).length,
      min_requests_per_route: Math.min(
        ...routes.map((r) => perRoute.get(`${r.method.toUpperCase()} ${r.path}`) ?? 0),
      ),
    });
    expect(violations).toEqual([]);
    expect(counterexample).toBeNull();
    expect(answers.length).toBe(RUNS);
    expect(Object.keys(statuses).every((s) => Number(s) >= 200 && Number(s) < 500)).toBe(true);
    expect(acknowledged.size).toBeGreaterThan(0);
    expect(changedUntouched).toEqual([]);
    expect(wrongTouched).toEqual([]);
    expect(consistency).toMatchObject({ ok: true, problems: [] });
    for (const r of routes)
      expect(perRoute.get(`${r.method.toUpperCase()} ${r.path}`) ?? 0, r.path).toBeGreaterThan(50);
  }, 300_000);

  it('a 2 MB body gets 413, with or without the admin token', async () => {
    const body = JSON.stringify({
      id: 'huge',
      name: 'x'.repeat(2 * 1024 * 1024),
      price: 1,
      category: 'books',
    });
    const withToken = await call(api.base, 'POST', '/api/db/add', { rawBody: body, headers: adminHeaders });
    const without = await call(api.base, 'POST', '/api/db/add', { rawBody: body });
    const put = await call(api.base, 'PUT', '/api/db/product/prod1', {
      rawBody: body,
      headers: adminHeaders,
    });
    recordResult('09-payload-too-large', {
      statuses: [withToken.status, without.status, put.status],
      code: (withToken.body as { code?: string }).code,
    });
    expect([withToken.status, without.status, put.status]).toEqual([413, 413, 413]);
    expect(withToken.body).toMatchObject({ code: 'E_PAYLOAD_TOO_LARGE' });
    expect(await api.services.catalog.get('huge')).toBeNull();
  });

  it('a burst over the rate limit gets 429 with Retry-After; probes are not limited', async () => {
    // Its own Redis: the counters are per client address, and the fuzz above counted there too.
    const own = await startRedis();
    const limited = await startApi({ REDIS_URL: own.url, RATE_LIMIT_PER_MINUTE: '60' });
    apis.push(limited);
    await call(limited.base, 'GET', '/api/db/list?limit=1'); // connects and loads the limiter's script
    const burst = await Promise.all(
      Array.from({ length: 150 }, () => call(limited.base, 'GET', '/api/db/list?limit=1')),
    );
    const health = await call(limited.base, 'GET', '/healthz');
    const tooMany = burst.filter((a) => a.status === 429);
    recordResult('09-rate-limit', {
      limit_per_minute: 60,
      burst: burst.length,
      statuses: histogram(burst),
      retry_after: [...new Set(tooMany.map((a) => a.headers?.get('retry-after')))],
      healthz_during_limit: health.status,
    });
    // 60 a minute, the warm-up call included (if Redis was slow for that first call, the
    // in-memory insurance limiter counted it instead: then the burst may get all 60).
    const allowed = burst.filter((a) => a.status === 200).length;
    expect(allowed).toBeGreaterThanOrEqual(59);
    expect(allowed).toBeLessThanOrEqual(60);
    expect(tooMany).toHaveLength(150 - allowed);
    expect(
      tooMany.every(
        (a) =>
          (a.body as { code?: string }).code === 'E_RATE_LIMITED' &&
          Number(a.headers?.get('retry-after')) >= 1,
      ),
    ).toBe(true);
    expect(health.status).toBe(200);
  });
});
