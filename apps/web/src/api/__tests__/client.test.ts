import { describe, expect, it } from 'vitest';
import { createFakeFetch } from '../../testing/fake-fetch.js';
import { dataResponse } from '../../testing/fixtures.js';
import { ApiError, createApiClient } from '../client.js';

function setup(token: string | null = null) {
  const fake = createFakeFetch();
  const outcomes: boolean[] = [];
  const client = createApiClient({
    fetch: fake.fetch,
    getToken: () => token,
    onOutcome: (o) => outcomes.push(o.ok),
  });
  return { fake, client, outcomes };
}

describe('api client', () => {
  it('returns the typed body of a success and reports the outcome', async () => {
    const { fake, client, outcomes } = setup();
    fake.on('GET /api/data/prod1', { body: dataResponse({ source: 'cache', ttl: 42 }) });
    const answer = await client.getData('prod1');
    expect(answer.source).toBe('cache');
    expect(answer.ttl).toBe(42);
    expect(outcomes).toEqual([true]);
  });

  it('turns {error, code} answers into ApiError with status, code and Retry-After', async () => {
    const { fake, client } = setup();
    fake.on('GET /api/stats', {
      status: 429,
      body: { error: 'Too many requests', code: 'E_RATE_LIMITED' },
      headers: { 'Retry-After': '7' },
    });
    const error = await client.getStats().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({
      status: 429,
      code: 'E_RATE_LIMITED',
      message: 'Too many requests',
      retryAfterSeconds: 7,
    });
    expect((error as ApiError).apiUnreachable).toBe(false);
  });

  it('reports a network failure and a proxy HTML page as the API being unreachable', async () => {
    const { fake, client, outcomes } = setup();
    fake.setOffline(true);
    const offline = (await client.getConfig().catch((e: unknown) => e)) as ApiError;
    expect(offline.code).toBe('E_NETWORK');
    expect(offline.apiUnreachable).toBe(true);

    fake.setOffline(false);
    fake.on('GET /api/config', { status: 502, raw: '<html>Bad Gateway</html>' });
    const proxied = (await client.getConfig().catch((e: unknown) => e)) as ApiError;
    expect(proxied.code).toBe('E_BAD_RESPONSE');
    expect(proxied.apiUnreachable).toBe(true);
    expect(outcomes).toEqual([false, false]);
  });

  it('flags Redis unavailability codes', async () => {
    const { fake, client } = setup();
    fake.on('GET /api/replication', {
      status: 503,
      body: { error: 'Redis down', code: 'E_REDIS_UNAVAILABLE' },
    });
    const error = (await client.getReplication().catch((e: unknown) => e)) as ApiError;
    expect(error.redisUnavailable).toBe(true);
    expect(error.apiUnreachable).toBe(false);
  });

  it('sends the bearer token on admin calls only, and the JSON body', async () => {
    const { fake, client } = setup('s3cret');
    fake.on('POST /api/jobs/warm-category', {
      status: 202,
      body: { id: '9', name: 'warm-category', state: 'waiting' },
    });
    fake.on('GET /api/jobs', {
      body: { jobs: [], worker: { alive: false, last_heartbeat: null, last_results: {}, workers: [] } },
    });
    await client.warmCategory('electronics');
    await client.getJobs();
    const [post] = fake.callsTo('POST /api/jobs/warm-category');
    expect(post?.headers.Authorization).toBe('Bearer s3cret');
    expect(post?.headers['Content-Type']).toBe('application/json');
    expect(post?.body).toEqual({ category: 'electronics' });
    expect(fake.callsTo('GET /api/jobs')[0]?.headers.Authorization).toBeUndefined();
  });

  it('builds query strings without empty values and encodes path ids', async () => {
    const { fake, client } = setup();
    fake.on('GET /api/db/products', {
      body: { count: 0, products: [], next_cursor: null, source: 'database', response_time: 1 },
    });
    await client.listProducts({ category: 'books', min: undefined, max: 20, sort: 'price', limit: 5 });
    const call = fake.callsTo('GET /api/db/products')[0]!;
    expect(Object.fromEntries(call.query)).toEqual({
      category: 'books',
      max: '20',
      sort: 'price',
      limit: '5',
    });

    fake.on('GET /api/cache/key', {
      body: { key: 'data:a b', type: 'string', ttl_ms: 5, size_bytes: 3, value: 'x' },
    });
    await client.getKey('data:a b');
    expect(fake.callsTo('GET /api/cache/key')[0]?.query.get('key')).toBe('data:a b');
  });

  it('treats a 503 from /readyz as an answer that says what is down', async () => {
    const { fake, client } = setup();
    fake.on('GET /readyz', {
      status: 503,
      body: { status: 'unavailable', redis: 'down', details: { redis: 'ECONNREFUSED' } },
    });
    await expect(client.getReadiness()).resolves.toMatchObject({ status: 'unavailable', redis: 'down' });
  });
});
