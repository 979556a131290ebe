/**
 * 11. The anonymous client. The shipped API logs in to a real Redis as `app` with infra's
 * users.acl (as in the Docker stack) and is called without a token, as the monitor's public
 * viewer, and as a hostile client would call it: it sees the cache and the catalog (`data:`, the
 * query cache, `db:`) and nothing else, cannot make the API write on demand, cannot hold more
 * than a few event streams, cannot grow Redis or steer warm-top, and gets a clear 4xx (never a
 * 500) for whatever it sends. Admin reads still work.
 */
import { get } from 'node:http';
import { cleanupAll, waitUntil } from '@app/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AclRedis, startAclRedis } from '../src/acl-redis.js';
import { adminHeaders, type RunningApi, startApi } from '../src/api.js';
import { type Answer, call, histogram } from '../src/http.js';
import { recordResult } from '../src/results.js';

const PUBLIC_KEY = /^(data:|cache:query:|db:)/;
const FILL_PER_CLIENT = 40;

let acl: AclRedis;
let api: RunningApi;
const apis: RunningApi[] = [];
const measured: Record<string, unknown> = {};

/** One GET from a chosen loopback address (Linux routes all of 127.0.0.0/8 to lo): another client. */
function getFrom(localAddress: string, path: string): Promise<{ status: number; body: unknown }> {
  const { port } = new URL(api.base);
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path, localAddress }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => {
        let body: unknown = null;
        try {
          body = JSON.parse(text);
        } catch {}
        resolve({ status: res.statusCode ?? 0, body });
      });
    }).on('error', reject);
  });
}

/** Every key an anonymous client can list with `pattern`, paging to the end. */
async function anonymousScan(pattern: string, headers: Record<string, string> = {}): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  for (let page = 0; page < 500; page++) {
    const answer = await call(
      api.base,
      'GET',
      `/api/cache/keys?pattern=${encodeURIComponent(pattern)}&count=200&cursor=${cursor}`,
      { headers },
    );
    expect(answer.status, `${pattern}: ${answer.text}`).toBe(200);
    const body = answer.body as { cursor: string; keys: { key: string }[] };
    keys.push(...body.keys.map((k) => k.key));
    cursor = body.cursor;
    if (cursor === '0') return keys;
  }
  throw new Error(`SCAN ${pattern} never ended`);
}

async function inspectorScan(pattern: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await acl.inspector.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  return keys;
}

beforeAll(async () => {
  acl = await startAclRedis();
  // Keys of the other spaces, as the worker and another service leave them.
  await acl.inspector.set('worker:heartbeat', JSON.stringify({ host: 'worker-1', pid: 4242 }));
  await acl.inspector.set('foo', 'a key outside every space of the app user');
  api = await startApi(
    {
      REDIS_URL: acl.url('app'),
      RATE_LIMIT_PER_MINUTE: '100000',
      CACHE_FILL_PER_CLIENT: String(FILL_PER_CLIENT),
      REPLICATION_PROBE_EVERY_SECONDS: '1',
    },
    { seed: true },
  );
  apis.push(api);
  // What a running stack holds: cache entries, a query-cache entry, a negative entry, queue keys
  // (a job enqueued by an admin), rate-limit counters, stats and history.
  for (const path of [
    '/api/data/prod1',
    '/api/data/prod2',
    '/api/data/no-such-product',
    '/api/db/search?q=smart',
  ]) {
    await call(api.base, 'GET', path);
  }
  expect((await call(api.base, 'POST', '/api/jobs/warm-all', { headers: adminHeaders })).status).toBe(202);
  await waitUntil(async () => (await acl.inspector.exists('stats:counters')) === 1, 10_000);
});

afterAll(async () => {
  recordResult('11-anonymous-client', measured);
  for (const a of apis) await a.close();
  await cleanupAll();
});

describe('anonymous client, API as the shipped `app` Redis user', () => {
  it('SCAN of *, bull:*, ratelimit:* and every other space lists nothing outside data:, the query cache and db:', async () => {
    const present: Record<string, number> = {};
    for (const space of ['bull:*', 'ratelimit:*', 'stats:*', 'worker:*', 'history:*', 'foo']) {
      present[space] = (await inspectorScan(space)).length;
    }
    const listed: Record<string, string[]> = {};
    for (const pattern of [
      '*',
      'bull:*',
      'ratelimit:*',
      'stats:*',
      'worker:*',
      'history:*',
      'lock:*',
      'repl:*',
      'foo',
      '*:*',
    ]) {
      listed[pattern] = await anonymousScan(pattern);
    }
    const outside = Object.values(listed)
      .flat()
      .filter((k) => !PUBLIC_KEY.test(k));
    measured.scan = {
      keys_in_redis: present,
      listed_anonymously: Object.fromEntries(Object.entries(listed).map(([p, k]) => [p, k.length])),
      outside_public_spaces: outside.length,
    };
    // The other spaces are not empty: the scan had something to hide.
    for (const space of ['bull:*', 'ratelimit:*', 'stats:*', 'worker:*', 'foo'])
      expect(present[space], space).toBeGreaterThan(0);
    expect(outside).toEqual([]);
    expect(listed['*']).toEqual(expect.arrayContaining(['data:prod1', 'db:product:prod1', 'db:products']));
    expect(listed['*']?.some((k) => k.startsWith('cache:query:search:'))).toBe(true);
    for (const pattern of ['bull:*', 'ratelimit:*', 'stats:*', 'worker:*', 'lock:*', 'foo'])
      expect(listed[pattern], pattern).toEqual([]);
  });

  it('single reads outside those spaces are 401 (no value sent); cache and catalog keys answer', async () => {
    const [bullKey] = await inspectorScan('bull:*');
    const [rateKey] = await inspectorScan('ratelimit:*');
    const refusedKeys = [
      bullKey,
      rateKey,
      'worker:heartbeat',
      'stats:counters',
      'history:top',
      'foo',
      'lock:x',
      'repl:probe:last',
    ];
    const refused: Record<string, [number, string]> = {};
    for (const key of refusedKeys) {
      const answer = await call(api.base, 'GET', `/api/cache/key?key=${encodeURIComponent(String(key))}`);
      refused[String(key)] = [answer.status, (answer.body as { code?: string }).code ?? ''];
      expect((answer.body as { value?: unknown }).value).toBeUndefined();
    }
    const open: Record<string, number> = {};
    for (const key of ['data:prod1', 'db:product:prod1', 'db:products', 'data:never-cached']) {
      open[key] = (await call(api.base, 'GET', `/api/cache/key?key=${encodeURIComponent(key)}`)).status;
    }
    measured.single_reads = { refused, open };
    for (const [key, [status, code]] of Object.entries(refused))
      expect([key, status, code]).toEqual([key, 401, 'E_UNAUTHORIZED']);
    expect(open).toEqual({
      'data:prod1': 200,
      'db:product:prod1': 200,
      'db:products': 200,
      'data:never-cached': 404,
    });
  });

  it('admin reads still work; a key the app user may not read is 403 E_REDIS_NOPERM, never a 500', async () => {
    const [bullKey] = await inspectorScan('bull:*');
    const statuses: Record<string, number> = {};
    for (const key of ['worker:heartbeat', String(bullKey), 'stats:counters', 'foo']) {
      statuses[key] = (
        await call(api.base, 'GET', `/api/cache/key?key=${encodeURIComponent(key)}`, {
          headers: adminHeaders,
        })
      ).status;
    }
    const nopermBody = (await call(api.base, 'GET', '/api/cache/key?key=foo', { headers: adminHeaders }))
      .body;
    const adminAll = await anonymousScan('*', adminHeaders);
    measured.admin = { statuses, admin_scan_keys: adminAll.length };
    expect(statuses).toEqual({
      'worker:heartbeat': 200,
      [String(bullKey)]: 200,
      'stats:counters': 200,
      foo: 403,
    });
    expect(nopermBody).toMatchObject({ code: 'E_REDIS_NOPERM' });
    expect(adminAll).toEqual(expect.arrayContaining([String(bullKey), 'worker:heartbeat', 'data:prod1']));
  });

  it('SCAN cursors past 2^64 - 1 (or not decimal) are 400 before any Redis call; the largest is accepted', async () => {
    const cursors = [
      '99999999999999999999',
      '18446744073709551616',
      '-1',
      '1e3',
      '0x10',
      '1.5',
      ' 1',
      '18446744073709551615',
    ];
    const answers: Record<string, number> = {};
    for (const cursor of cursors) {
      answers[cursor] = (
        await call(api.base, 'GET', `/api/cache/keys?cursor=${encodeURIComponent(cursor)}`)
      ).status;
    }
    measured.cursors = answers;
    expect(answers).toEqual({
      '99999999999999999999': 400,
      '18446744073709551616': 400,
      '-1': 400,
      '1e3': 400,
      '0x10': 400,
      '1.5': 400,
      ' 1': 400,
      '18446744073709551615': 200,
    });
  });

  it('the on-demand probe is admin-only; viewers see the periodic probe advance without writing', async () => {
    const anonymous = await call(api.base, 'POST', '/api/replication/probe');
    const tokens = new Set<string>();
    await waitUntil(
      async () => {
        const status = (await call(api.base, 'GET', '/api/replication')).body as {
          last_probe?: { token: string };
        };
        if (status.last_probe) tokens.add(status.last_probe.token);
        return tokens.size >= 2;
      },
      10_000,
      'the periodic probe never showed two rounds',
    );
    const admin = await call(api.base, 'POST', '/api/replication/probe', { headers: adminHeaders });
    measured.probe = { anonymous: anonymous.status, admin: admin.status, periodic_tokens_seen: tokens.size };
    expect([anonymous.status, (anonymous.body as { code?: string }).code]).toEqual([401, 'E_UNAUTHORIZED']);
    expect(admin.status).toBe(200);
  });

  it('one client cannot grow the cache: its negative and query-cache entries each stop at CACHE_FILL_PER_CLIENT', async () => {
    const negativeBefore = (await inspectorScan('data:ghost-*')).length;
    const queriesBefore = (await inspectorScan('cache:query:search:*')).length;
    const answers: Answer[] = [];
    for (let i = 0; i < 150; i++) answers.push(await call(api.base, 'GET', `/api/data/ghost-${i}`));
    for (let i = 0; i < 150; i++) answers.push(await call(api.base, 'GET', `/api/db/search?q=zz${i}`));
    const negative = (await inspectorScan('data:ghost-*')).length - negativeBefore;
    const queries = (await inspectorScan('cache:query:search:*')).length - queriesBefore;
    // Another client has its own budget.
    for (let i = 0; i < 5; i++) await getFrom('127.0.0.9', `/api/data/other-ghost-${i}`);
    const otherNegative = (await inspectorScan('data:other-ghost-*')).length;
    measured.fill_bounds = {
      per_client: FILL_PER_CLIENT,
      requests: answers.length,
      statuses: histogram(answers),
      negative_entries_one_client: negative,
      query_entries_one_client: queries,
      negative_entries_other_client: otherNegative,
    };
    expect(Object.keys(histogram(answers)).sort()).toEqual(['200', '404']);
    // One budget per kind of entry (they live for different TTLs).
    expect(negative).toBeLessThanOrEqual(FILL_PER_CLIENT);
    expect(queries).toBeLessThanOrEqual(FILL_PER_CLIENT);
    expect(otherNegative).toBe(5);
  });

  it('top searches count distinct clients: 200 reads of one id by one client count once', async () => {
    for (let i = 0; i < 200; i++) await call(api.base, 'GET', '/api/data/prod7');
    for (const address of ['127.0.0.2', '127.0.0.3', '127.0.0.4']) {
      for (let i = 0; i < 20; i++) await getFrom(address, '/api/data/prod8');
    }
    let top: { query: string; count: number }[] = [];
    await waitUntil(async () => {
      top = (
        (await call(api.base, 'GET', '/api/history')).body as { top: { query: string; count: number }[] }
      ).top;
      return top.some((t) => t.query === 'prod8' && t.count >= 3);
    }, 5000);
    const count = (q: string) => top.find((t) => t.query === q)?.count;
    measured.top_searches = {
      prod7_one_client_200_reads: count('prod7'),
      prod8_three_clients_60_reads: count('prod8'),
    };
    expect(count('prod7')).toBe(1);
    expect(count('prod8')).toBe(3);
  });

  it('event streams: a few per client, 429 with Retry-After beyond', async () => {
    const controllers = Array.from({ length: 12 }, () => new AbortController());
    const answers = await Promise.all(
      controllers.map((c) => fetch(`${api.base}/api/stream`, { signal: c.signal }).catch(() => null)),
    );
    const statuses = answers.map((a) => a?.status ?? 0);
    const retryAfter = answers.find((a) => a?.status === 429)?.headers.get('retry-after');
    for (const c of controllers) c.abort();
    measured.streams = {
      opened: statuses.length,
      statuses: Object.fromEntries([200, 429].map((s) => [s, statuses.filter((x) => x === s).length])),
    };
    expect(statuses.filter((s) => s === 200)).toHaveLength(api.config.streams.maxPerClient);
    expect(statuses.filter((s) => s === 429)).toHaveLength(12 - api.config.streams.maxPerClient);
    expect(Number(retryAfter)).toBeGreaterThan(0);
  });

  it('/metrics is refused to a client outside METRICS_ALLOW without METRICS_TOKEN', async () => {
    const gated = await startApi({
      REDIS_URL: acl.url('app'),
      METRICS_ALLOW: '10.0.0.0/8',
      METRICS_TOKEN: 'scrape-me-0123',
    });
    apis.push(gated);
    const anonymous = await call(gated.base, 'GET', '/metrics');
    const withToken = await call(gated.base, 'GET', '/metrics', {
      headers: { Authorization: 'Bearer scrape-me-0123' },
    });
    measured.metrics = { anonymous: anonymous.status, with_token: withToken.status };
    expect([anonymous.status, (anonymous.body as { code?: string }).code]).toEqual([
      403,
      'E_METRICS_FORBIDDEN',
    ]);
    expect(withToken.status).toBe(200);
  });
});
