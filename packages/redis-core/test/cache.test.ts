import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { cleanupAll, type RedisServer, startCluster, startRedis, waitUntil } from '@app/testing';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cache, type CacheDeps, createCache } from '../src/cache/index.js';
import { createConnections, type RedisConnections } from '../src/connections/index.js';
import { InvalidIdError, LoaderError, ValidationError } from '../src/errors.js';
import { createKeyspace } from '../src/keys/index.js';
import { createStats, redisInfo } from '../src/stats/index.js';

const keys = createKeyspace();
let server: RedisServer;
let connections: RedisConnections;
let raw: Redis;
const opened: { cache: Cache; connections?: RedisConnections }[] = [];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function makeCache(overrides: Partial<CacheDeps> = {}, conns: RedisConnections = connections): Cache {
  const cache = createCache({
    connections: conns,
    keys,
    ttlSeconds: 60,
    jitter: 0.1,
    negativeTtlSeconds: 10,
    graceSeconds: 0,
    ...overrides,
  });
  opened.push({ cache });
  return cache;
}

/** `cmdstat_<name>` call counts, to assert which commands (and how many) a code path sent. */
async function commandCalls(client: Redis): Promise<Map<string, number>> {
  const calls = new Map<string, number>();
  for (const m of (await client.info('commandstats')).matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    calls.set(m[1]!, Number(m[2]));
  }
  return calls;
}

function callsBetween(before: Map<string, number>, after: Map<string, number>): Record<string, number> {
  const delta: Record<string, number> = {};
  for (const [name, n] of after) {
    const d = n - (before.get(name) ?? 0);
    if (d > 0 && name !== 'info') delta[name] = d;
  }
  return delta;
}

beforeAll(async () => {
  server = await startRedis();
  connections = createConnections({ kind: 'standalone', url: server.url }, { commandTimeoutMs: 1000 });
  raw = server.client();
  await connections.writer.ping();
});

afterAll(async () => {
  for (const { cache } of opened) cache.close();
  await connections?.close();
  await cleanupAll();
});

describe('getOrLoad', () => {
  it('misses then hits with one read (value + PTTL) only, TTL counting down, plain JSON stored', async () => {
    const cache = makeCache();
    const product = { id: 'prod1', name: 'Smartphone Premium', price: 899.99, category: 'electronics' };
    let loads = 0;
    const loader = async () => {
      loads++;
      return product;
    };
    const first = await cache.getOrLoad('prod1', loader);
    expect(first).toMatchObject({ value: product, source: 'database' });
    expect(first.ttlMs).toBeGreaterThanOrEqual(54_000);
    expect(first.ttlMs).toBeLessThanOrEqual(66_000);
    // What a human sees with `redis-cli GET data:prod1`: the product's JSON, as the seed stored it.
    expect(JSON.parse((await raw.get('data:prod1'))!)).toEqual(product);

    const before = await commandCalls(raw);
    const second = await cache.getOrLoad('prod1', loader);
    const after = await commandCalls(raw);
    // One round trip: a lone read is GET + PTTL written together (read-batch.ts).
    expect(callsBetween(before, after)).toEqual({ get: 1, pttl: 1 });
    expect(second).toMatchObject({ value: product, source: 'cache' });
    expect(second.latencyMs).toBeGreaterThan(0);

    await sleep(250);
    const third = await cache.getOrLoad('prod1', loader);
    expect(third.source).toBe('cache');
    expect(third.ttlMs!).toBeLessThan(second.ttlMs! - 150);
    expect(loads).toBe(1);
  });

  it('spreads TTLs across ttl × (1 ± jitter) (1,000 setMany entries)', async () => {
    const cache = makeCache({ jitter: 0.2 });
    const entries = Array.from({ length: 1000 }, (_, i) => [`jit-${i}`, { i }] as [string, { i: number }]);
    await cache.setMany(entries, 100);
    const p = raw.pipeline();
    for (const [id] of entries) p.pttl(`data:${id}`);
    const ttls = (await p.exec())!.map(([, v]) => Number(v));
    expect(ttls.every((t) => t > 79_000 && t <= 120_000)).toBe(true);
    expect(Math.min(...ttls)).toBeLessThan(85_000);
    expect(Math.max(...ttls)).toBeGreaterThan(115_000);
    // Uniform: roughly half fall on each side of the nominal TTL, hundreds of distinct values.
    const below = ttls.filter((t) => t < 100_000).length;
    expect(below).toBeGreaterThan(400);
    expect(below).toBeLessThan(600);
    expect(new Set(ttls).size).toBeGreaterThan(500);
    expect(JSON.parse((await raw.get('data:jit-7'))!)).toEqual({ i: 7 });
  });

  it('single-flight: 500 concurrent misses of one key call the loader once', async () => {
    const cache = makeCache();
    let loads = 0;
    const loader = async () => {
      loads++;
      await sleep(50);
      return { id: 'sf-1', n: loads };
    };
    const results = await Promise.all(Array.from({ length: 500 }, () => cache.getOrLoad('sf-1', loader)));
    expect(loads).toBe(1);
    expect(results.every((r) => (r.value as { n: number }).n === 1)).toBe(true);
    expect(results.filter((r) => r.source === 'database').length).toBe(500);
  });

  it('cross-process lock: two processes × 500 concurrent misses call the loader exactly once', async () => {
    const cache = makeCache();
    const id = 'stampede-1';
    const counterKey = 'test:loader-calls:stampede-1';
    const fixture = fileURLToPath(new URL('./fixtures/cache-contender.ts', import.meta.url));
    const child: ChildProcess = spawn(
      process.execPath,
      ['--import', 'tsx', fixture, server.url, id, '500', counterKey, '300'],
      { cwd: fileURLToPath(new URL('..', import.meta.url)), stdio: ['pipe', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.stderr!.on('data', (c: Buffer) => {
      err += c.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    await waitUntil(() => out.includes('READY'), 15_000, `contender did not start: ${err}`);

    const loader = async () => {
      await raw.incr(counterKey);
      await sleep(300);
      return { id, loadedBy: `pid-${process.pid}` };
    };
    child.stdin!.end('go\n');
    const mine = await Promise.all(Array.from({ length: 500 }, () => cache.getOrLoad(id, loader)));
    expect(await exited).toBe(0);
    const theirs = JSON.parse(/RESULT (.*)/.exec(out)![1]!) as { calls: number; loadedBy: string[] };

    expect(Number(await raw.get(counterKey))).toBe(1);
    expect(theirs.calls).toBe(500);
    const winners = new Set([
      ...theirs.loadedBy,
      ...mine.map((r) => (r.value as { loadedBy: string }).loadedBy),
    ]);
    expect(winners.size).toBe(1);
    expect(await raw.exists(keys.lock(keys.cacheEntry(id)))).toBe(0);
  }, 30_000);

  it('fencing: a loader paused past its lock TTL never overwrites a newer value', async () => {
    const slow = makeCache({ lockTtlMs: 200 });
    const other = makeCache({ lockTtlMs: 200 }); // a second instance: its own single-flight, like another process
    let release!: () => void;
    const paused = new Promise<void>((r) => {
      release = r;
    });
    const slowLoad = slow.getOrLoad('fence-1', async () => {
      await paused;
      return { version: 'old' };
    });
    await sleep(350); // the slow loader's lock has expired
    const fresh = await other.getOrLoad('fence-1', async () => ({ version: 'new' }));
    expect(fresh).toMatchObject({ source: 'database', value: { version: 'new' } });
    release();
    const late = await slowLoad;
    expect(late).toMatchObject({ source: 'database', value: { version: 'old' }, ttlMs: null });
    expect(JSON.parse((await raw.get('data:fence-1'))!)).toEqual({ version: 'new' });

    // Same when the newer value comes from an explicit set() while the loader is paused.
    let release2!: () => void;
    const paused2 = new Promise<void>((r) => {
      release2 = r;
    });
    await slow.invalidate('fence-2');
    const slowLoad2 = slow.getOrLoad('fence-2', async () => {
      await paused2;
      return { version: 'old' };
    });
    await sleep(350);
    await other.set('fence-2', { version: 'set' });
    release2();
    expect((await slowLoad2).ttlMs).toBeNull();
    expect(JSON.parse((await raw.get('data:fence-2'))!)).toEqual({ version: 'set' });
  });

  it('negative caching: 10,000 reads of a missing id call the loader once', async () => {
    const cache = makeCache({ negativeTtlSeconds: 5 });
    let loads = 0;
    const loader = async () => {
      loads++;
      return null;
    };
    const first = await cache.getOrLoad('missing-1', loader);
    expect(first).toMatchObject({ value: null, source: 'database' });
    for (let round = 0; round < 10; round++) {
      const results = await Promise.all(
        Array.from({ length: 1000 }, () => cache.getOrLoad('missing-1', loader)),
      );
      expect(results.every((r) => r.value === null && r.source === 'cache')).toBe(true);
    }
    expect(loads).toBe(1);
    expect(await raw.get('data:missing-1')).toBe('!not-found');
    const pttl = await raw.pttl('data:missing-1');
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(5_500);
  });

  it('fill budget: one client stores at most perClient negative and query entries per window, and hits stay one round trip', async () => {
    const cache = makeCache({ negativeTtlSeconds: 30, fill: { perClient: 5, total: 8 } });
    const answers = [];
    for (let i = 0; i < 20; i++)
      answers.push(await cache.getOrLoad(`ghost-a${i}`, async () => null, { client: 'a' }));
    for (let i = 0; i < 20; i++)
      await cache.getOrLoadQuery('fill-search', { q: `q${i}` }, async () => [i], { client: 'a' });
    // Another client has its own budget, up to the total of everyone's (8).
    for (let i = 0; i < 20; i++) await cache.getOrLoad(`ghost-b${i}`, async () => null, { client: 'b' });
    // Calls without a client (the worker, internal) are not counted.
    await cache.getOrLoad('ghost-internal', async () => null);
    expect(answers.every((a) => a.value === null && a.source === 'database')).toBe(true);
    // SCAN, not KEYS: a later test checks the browser never ran KEYS on this server.
    const stored = async (pattern: string) => {
      let n = 0;
      let cursor = '0';
      do {
        const [next, batch] = await raw.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
        cursor = next;
        n += batch.length;
      } while (cursor !== '0');
      return n;
    };
    expect(await stored('data:ghost-a*')).toBe(5);
    expect(await stored('cache:query:fill-search:*')).toBe(5);
    expect(await stored('data:ghost-b*')).toBe(3);
    expect(await stored('data:ghost-internal')).toBe(1);
    // An entry that was stored is a hit as before: one read (value and PTTL), nothing else.
    const before = await commandCalls(raw);
    expect((await cache.getOrLoad('ghost-a0', async () => null, { client: 'a' })).source).toBe('cache');
    expect(callsBetween(before, await commandCalls(raw))).toEqual({ get: 1, pttl: 1 });
  });

  it('grace: a logically expired entry is served stale and reloaded once (across instances)', async () => {
    const a = makeCache({ ttlSeconds: 0.3, jitter: 0, graceSeconds: 10 });
    const b = makeCache({ ttlSeconds: 0.3, jitter: 0, graceSeconds: 10 });
    let loads = 0;
    const loader = async () => {
      loads++;
      await sleep(100);
      return { v: loads };
    };
    expect(await a.getOrLoad('grace-1', loader)).toMatchObject({ source: 'database', value: { v: 1 } });
    const stored = (await raw.get('data:grace-1'))!;
    expect(stored).toMatch(/^~\d+~\{"v":1\}$/);
    expect(await raw.pttl('data:grace-1')).toBeGreaterThan(9_000); // physical TTL = ttl + grace
    const fresh = await a.getOrLoad('grace-1', loader);
    expect(fresh.stale).toBeUndefined();
    expect(fresh.ttlMs!).toBeLessThanOrEqual(300);

    await sleep(400);
    const reads = await Promise.all(
      Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).getOrLoad('grace-1', loader)),
    );
    expect(
      reads.every((r) => r.stale === true && r.source === 'cache' && (r.value as { v: number }).v === 1),
    ).toBe(true);
    await waitUntil(async () => (await a.peek<{ v: number }>('grace-1'))?.value?.v === 2, 3_000);
    expect(loads).toBe(2);
    const after = await b.getOrLoad('grace-1', loader);
    expect(after).toMatchObject({ source: 'cache', value: { v: 2 } });
    expect(after.stale).toBeUndefined();
  });

  it('loader errors are typed, not cached, and free the lock at once', async () => {
    const cache = makeCache({ lockTtlMs: 5000 });
    const failure = cache.getOrLoad('broken-1', async () => {
      throw new Error('origin exploded');
    });
    await expect(failure).rejects.toBeInstanceOf(LoaderError);
    const err = (await failure.catch((e: unknown) => e)) as LoaderError;
    expect(err.code).toBe('E_LOADER');
    expect(err.status).toBe(502);
    expect((err.cause as Error).message).toBe('origin exploded');
    expect(await raw.exists('data:broken-1', keys.lock('data:broken-1'))).toBe(0);
    const started = Date.now();
    const ok = await cache.getOrLoad('broken-1', async () => ({ fixed: true }));
    expect(ok).toMatchObject({ source: 'database', value: { fixed: true } });
    expect(Date.now() - started).toBeLessThan(1000); // did not wait for the 5 s lock
  });

  it('refuses an invalid id before any Redis call', async () => {
    const cache = makeCache();
    let loads = 0;
    for (const bad of ['', 'a b', 'x*', '..', 'k:1', 'a'.repeat(129)]) {
      await expect(
        cache.getOrLoad(bad, async () => {
          loads++;
          return 1;
        }),
      ).rejects.toBeInstanceOf(InvalidIdError);
    }
    await expect(cache.set('{tag}', 1)).rejects.toBeInstanceOf(InvalidIdError);
    expect(loads).toBe(0);
  });
});

describe('when Redis is down', () => {
  it('answers from the loader with cacheDown within commandTimeout, then recovers after restart', async () => {
    const own = await startRedis();
    const conns = createConnections({ kind: 'standalone', url: own.url }, { commandTimeoutMs: 300 });
    try {
      const cache = makeCache({ breakMs: 500 }, conns);
      let loads = 0;
      const loader = async () => {
        loads++;
        return { id: 'down-1', loads };
      };
      expect((await cache.getOrLoad('down-1', loader)).source).toBe('database');
      expect((await cache.getOrLoad('down-1', loader)).source).toBe('cache');

      await own.kill();
      for (let i = 0; i < 5; i++) {
        const started = Date.now();
        const r = await cache.getOrLoad('down-1', loader);
        expect(Date.now() - started).toBeLessThan(300 + 400);
        expect(r).toMatchObject({ source: 'database', cacheDown: true, ttlMs: null });
      }
      // The other operations say so with a typed 503 instead of hanging.
      await expect(cache.peek('down-1')).rejects.toMatchObject({ code: 'E_CACHE_UNAVAILABLE', status: 503 });

      await own.start();
      await waitUntil(async () => (await cache.getOrLoad('down-1', loader)).cacheDown !== true, 10_000);
      const back = await cache.getOrLoad('down-1', loader);
      expect(back.source).toBe('cache');
      expect(back.cacheDown).toBeUndefined();
    } finally {
      await conns.close();
    }
  }, 30_000);

  it('a paused (hung) server costs at most commandTimeout per request', async () => {
    const own = await startRedis();
    const conns = createConnections({ kind: 'standalone', url: own.url }, { commandTimeoutMs: 300 });
    try {
      const cache = makeCache({ breakMs: 0 }, conns);
      await cache.set('hung-1', { ok: true });
      own.pause();
      const started = Date.now();
      const results = await Promise.all(
        Array.from({ length: 50 }, () => cache.getOrLoad('hung-1', async () => ({ ok: 'origin' }))),
      );
      expect(Date.now() - started).toBeLessThan(300 + 500);
      expect(results.every((r) => r.cacheDown === true && r.source === 'database')).toBe(true);
      own.resume();
      await waitUntil(
        async () => (await cache.getOrLoad('hung-1', async () => null)).source === 'cache',
        5_000,
      );
    } finally {
      own.resume();
      await conns.close();
    }
  });
});

describe('near cache', () => {
  it('serves hot entries from memory and drops them when another process writes', async () => {
    const nearConns = createConnections({ kind: 'standalone', url: server.url }, { commandTimeoutMs: 1000 });
    try {
      const a = makeCache({ nearCache: { maxBytes: 1_000_000, maxAgeMs: 5000 } }, nearConns);
      const b = makeCache(); // another process, no near cache of its own
      await a.near!.ready(); // client tracking on, invalidations subscribed
      let loads = 0;
      const loader = async (): Promise<{ loads: number | string }> => ({ loads: ++loads });
      expect((await a.getOrLoad('near-1', loader)).source).toBe('database');
      // Redis reports a's own write too: the copy is kept from the first read after that report.
      await waitUntil(async () => {
        await a.getOrLoad('near-1', loader);
        return a.near!.get('data:near-1') !== undefined;
      }, 1000);
      const before = await commandCalls(raw);
      for (let i = 0; i < 20; i++)
        expect(await a.getOrLoad('near-1', loader)).toMatchObject({ source: 'cache' });
      expect(callsBetween(before, await commandCalls(raw))).toEqual({});

      await b.set('near-1', { loads: 'from-b' });
      await waitUntil(async () => (await a.getOrLoad('near-1', loader)).value?.loads === 'from-b', 1000);
      await b.invalidate('near-1');
      await waitUntil(async () => (await a.getOrLoad('near-1', loader)).source === 'database', 1000);
      expect(await a.getOrLoad('near-1', loader)).toMatchObject({ source: 'cache' });
      await b.invalidatePrefix('data:near-');
      await waitUntil(async () => (await a.getOrLoad('near-1', loader)).source === 'database', 1000);

      // A change made outside any cache (redis-cli SET) is reported by Redis as well.
      const short = makeCache({ nearCache: { maxBytes: 1_000_000, maxAgeMs: 200 } }, nearConns);
      await short.near!.ready();
      const versioned = async () => ({ v: 1 });
      await short.getOrLoad('near-2', versioned);
      await waitUntil(async () => {
        await short.getOrLoad('near-2', versioned);
        return short.near!.get('data:near-2') !== undefined;
      }, 1000);
      await raw.set('data:near-2', '{"v":2}', 'EX', 60);
      await waitUntil(async () => (await short.getOrLoad('near-2', versioned)).value?.v === 2, 1000);
      expect(short.near!.get('data:near-2')?.value).toEqual({ v: 2 });
      // maxAgeMs still bounds a copy's life.
      await sleep(250);
      expect(short.near!.get('data:near-2')).toBeUndefined();
    } finally {
      await nearConns.close();
    }
  });
});

describe('query cache', () => {
  it('keys queries by params + version; invalidateQueries orphans them all, seen by other instances', async () => {
    const a = makeCache();
    const b = makeCache();
    let loads = 0;
    const loader = async () => {
      loads++;
      return { rows: [1, 2, 3], loads };
    };
    expect((await a.getOrLoadQuery('search', { q: 'phone', limit: 10 }, loader)).source).toBe('database');
    expect((await a.getOrLoadQuery('search', { limit: 10, q: 'phone' }, loader)).source).toBe('cache');
    expect((await b.getOrLoadQuery('search', { q: 'phone', limit: 10 }, loader)).source).toBe('cache');
    expect((await a.getOrLoadQuery('search', { q: 'phone', limit: 20 }, loader)).source).toBe('database');
    expect(loads).toBe(2);

    await a.invalidateQueries();
    const reloaded = await a.getOrLoadQuery('search', { q: 'phone', limit: 10 }, loader);
    expect(reloaded).toMatchObject({ source: 'database', value: { loads: 3 } });
    await sleep(150); // b's in-process copy of the version is at most 100 ms old
    expect(await b.getOrLoadQuery('search', { q: 'phone', limit: 10 }, loader)).toMatchObject({
      source: 'cache',
      value: { loads: 3 },
    });
    expect(loads).toBe(3);
    expect(await raw.get(keys.queryVersion())).toBe('1');
    await expect(a.getOrLoadQuery('bad name!', {}, loader)).rejects.toBeInstanceOf(ValidationError);
  });
});

describe('peek, set, invalidate', () => {
  it('round-trips values and reports deletions', async () => {
    const cache = makeCache();
    expect(await cache.peek('pk-1')).toBeNull();
    await cache.set('pk-1', { a: 1 }, 30);
    const peeked = await cache.peek<{ a: number }>('pk-1');
    expect(peeked!.value).toEqual({ a: 1 });
    expect(peeked!.ttlMs!).toBeGreaterThan(26_000);
    expect(peeked!.ttlMs!).toBeLessThanOrEqual(33_000);
    expect(await cache.invalidate('pk-1')).toBe(true);
    expect(await cache.invalidate('pk-1')).toBe(false);
    expect(await cache.peek('pk-1')).toBeNull();
    await expect(cache.set('pk-1', 1, -5)).rejects.toBeInstanceOf(ValidationError);
    // A value someone wrote by hand that is not ours (not JSON) is a miss, then replaced.
    await raw.set('data:pk-2', 'hello', 'EX', 60);
    expect(await cache.getOrLoad('pk-2', async () => ({ b: 2 }))).toMatchObject({
      source: 'database',
      value: { b: 2 },
    });
    expect(JSON.parse((await raw.get('data:pk-2'))!)).toEqual({ b: 2 });
    // A key of the wrong type in the cache namespace: the origin answers, nothing throws.
    await raw.hset('data:pk-3', 'f', 'v');
    expect(await cache.getOrLoad('pk-3', async () => ({ c: 3 }))).toMatchObject({
      source: 'database',
      value: { c: 3 },
      cacheDown: true,
    });
  });
});

describe('invalidatePrefix, scanKeys, inspect', () => {
  it('deletes only cache keys under the prefix, with glob characters escaped', async () => {
    const cache = makeCache();
    await cache.setMany(
      Array.from({ length: 1200 }, (_, i) => [`scan-${i}`, { i }] as [string, { i: number }]),
    );
    await raw.set('db:product:scan-1', '{"id":"scan-1"}');
    await raw.set('data:a*', 'x');
    await raw.set('data:a*b', 'x');
    await raw.set('data:ab', 'x');
    await raw.set(keys.queryVersion(), '7');
    await raw.set(keys.queryCache('list', 'abc'), '[]');

    for (const bad of ['db:', 'db:product:', 'stats:', 'lock:', '', 'data', 'data: x', 'bull:']) {
      await expect(cache.invalidatePrefix(bad)).rejects.toBeInstanceOf(ValidationError);
    }
    // scan-1, scan-10..19, scan-100..199, scan-1000..1199
    expect(await cache.invalidatePrefix('data:scan-1')).toBe(1 + 10 + 100 + 200);
    expect(await raw.exists('data:scan-2', 'data:scan-1999', 'db:product:scan-1')).toBe(2);
    expect(await raw.exists('data:scan-1', 'data:scan-150')).toBe(0);
    expect(await cache.invalidatePrefix('data:a*')).toBe(2);
    expect(await raw.exists('data:ab')).toBe(1);
    const [, queryKeys] = await raw.scan('0', 'MATCH', 'cache:*', 'COUNT', 10_000);
    expect(queryKeys).toContain(keys.queryCache('list', 'abc'));
    expect(await cache.invalidatePrefix('cache:')).toBe(queryKeys.length - 1);
    expect(await raw.exists(keys.queryCache('list', 'abc'))).toBe(0);
    expect(await raw.get(keys.queryVersion())).toBe('7');
  });

  it('pages through keys with SCAN and describes each in one pipeline', async () => {
    const cache = makeCache();
    await cache.setMany(
      Array.from({ length: 250 }, (_, i) => [`browse-${i}`, { i }] as [string, { i: number }]),
    );
    await raw.set('data:browse-forever', '"no ttl"');
    const seen = new Map<string, { type: string; ttlMs: number | null; sizeBytes: number | null }>();
    let cursor = '0';
    let pages = 0;
    do {
      const page = await cache.scanKeys({ pattern: 'data:browse-*', cursor, count: 50 });
      for (const k of page.keys) seen.set(k.key, k);
      cursor = page.cursor;
      pages++;
    } while (cursor !== '0' && pages < 100);
    expect(cursor).toBe('0');
    expect(seen.size).toBe(251);
    const one = seen.get('data:browse-3')!;
    expect(one.type).toBe('string');
    expect(one.ttlMs!).toBeGreaterThan(50_000);
    expect(one.sizeBytes!).toBeGreaterThan(0);
    expect(seen.get('data:browse-forever')!.ttlMs).toBeNull();

    expect(
      (await cache.scanKeys({ pattern: 'data:browse-*', count: 100_000 })).keys.length,
    ).toBeLessThanOrEqual(1000);
    for (const pattern of ['data:[ab]*', 'a b', 'x'.repeat(129), 'data:\\*']) {
      await expect(cache.scanKeys({ pattern })).rejects.toBeInstanceOf(ValidationError);
    }
    await expect(cache.scanKeys({ cursor: 'abc' })).rejects.toBeInstanceOf(ValidationError);
  });

  it('inspects each type, decoded', async () => {
    const cache = makeCache();
    await cache.set('insp-1', { name: 'Phone', price: 10 });
    await raw.set('data:insp-text', 'not json');
    await raw.hset('test:hash', { a: '1', b: '2' });
    await raw.rpush('test:list', ...Array.from({ length: 150 }, (_, i) => `item-${i}`));
    await raw.sadd('test:set', 'x', 'y', 'z');
    await raw.zadd('test:zset', 3, 'c', 1, 'a', 2, 'b');

    const str = await cache.inspect('data:insp-1');
    expect(str).toMatchObject({ key: 'data:insp-1', type: 'string', value: { name: 'Phone', price: 10 } });
    expect(str!.ttlMs!).toBeGreaterThan(0);
    expect(str!.sizeBytes!).toBeGreaterThan(0);
    expect((await cache.inspect('data:insp-text'))!.value).toBe('not json');
    expect(await cache.inspect('test:hash')).toMatchObject({
      type: 'hash',
      ttlMs: null,
      value: { a: '1', b: '2' },
    });
    const list = await cache.inspect('test:list');
    expect(list!.value).toHaveLength(100);
    expect((list!.value as string[])[99]).toBe('item-99');
    expect((await cache.inspect('test:set'))!.value).toEqual(['x', 'y', 'z']);
    expect((await cache.inspect('test:zset'))!.value).toEqual([
      { member: 'a', score: 1 },
      { member: 'b', score: 2 },
      { member: 'c', score: 3 },
    ]);
    expect(await cache.inspect('data:nothing-here')).toBeNull();
    await expect(cache.inspect('bad key')).rejects.toBeInstanceOf(ValidationError);

    // The browser never used KEYS.
    expect((await commandCalls(raw)).has('keys')).toBe(false);
  });
});

describe('in Redis Cluster', () => {
  it('locks, scripts, scans, invalidates and counts across shards', async () => {
    const cluster = await startCluster({ masters: 3, replicasPerMaster: 0 });
    const clusterKeys = createKeyspace({ cluster: true });
    const conns = createConnections(
      { kind: 'cluster', nodes: cluster.masters.map((m) => ({ host: m.host, port: m.port })) },
      { commandTimeoutMs: 2000 },
    );
    const stats = createStats({ connections: conns, keys: clusterKeys });
    try {
      const cache = createCache({
        connections: conns,
        keys: clusterKeys,
        stats,
        ttlSeconds: 60,
        jitter: 0.1,
        negativeTtlSeconds: 10,
        graceSeconds: 0,
      });
      opened.push({ cache });
      let loads = 0;
      const ids = Array.from({ length: 30 }, (_, i) => `c-${i}`);
      for (const id of ids)
        expect((await cache.getOrLoad(id, async () => ({ id, n: ++loads }))).source).toBe('database');
      const hits = await Promise.all(ids.map((id) => cache.getOrLoad(id, async () => ({ id, n: ++loads }))));
      expect(hits.every((r) => r.source === 'cache')).toBe(true);
      const same = await Promise.all(
        Array.from({ length: 200 }, () => cache.getOrLoad('c-hot', async () => ++loads)),
      );
      expect(new Set(same.map((r) => r.value)).size).toBe(1);
      expect(loads).toBe(31);

      await cache.setMany(
        Array.from({ length: 300 }, (_, i) => [`bulk-${i}`, { i }] as [string, { i: number }]),
      );
      const seen = new Set<string>();
      let cursor = '0';
      let pages = 0;
      do {
        const page = await cache.scanKeys({ pattern: 'data:*', cursor, count: 200 });
        for (const k of page.keys) seen.add(k.key);
        cursor = page.cursor;
        pages++;
      } while (cursor !== '0' && pages < 50);
      expect(seen.size).toBe(331);
      expect(await cache.inspect('data:bulk-5')).toMatchObject({ type: 'string', value: { i: 5 } });
      await cache.set('c-set', { x: 1 });
      expect((await cache.peek('c-set'))?.value).toEqual({ x: 1 });
      expect(await cache.invalidate('c-set')).toBe(true);

      expect((await cache.getOrLoadQuery('search', { q: 'a' }, async () => [1])).source).toBe('database');
      expect((await cache.getOrLoadQuery('search', { q: 'a' }, async () => [1])).source).toBe('cache');
      await cache.invalidateQueries();
      expect((await cache.getOrLoadQuery('search', { q: 'a' }, async () => [2])).value).toEqual([2]);

      expect(await cache.invalidatePrefix('data:bulk-')).toBe(300);
      expect(await cache.invalidatePrefix('data:')).toBe(31);

      const snap = await stats.snapshot();
      // 30 misses + 30 hits + 200 callers sharing one load (all 'database') + 3 queries (1 hit)
      expect(snap).toMatchObject({ requests: 263, hits: 31, misses: 232 });
      expect((await stats.hotIds({ sinceMs: 60_000, limit: 100 })).length).toBe(31);
      const info = await redisInfo(conns.writer);
      expect(info.keys).toBeGreaterThan(0);
      expect(info.role).toBe('master');
    } finally {
      await stats.close();
      await conns.close();
    }
  }, 45_000);
});
