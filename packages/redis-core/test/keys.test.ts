import { cleanupAll, type RedisServer, startRedis } from '@app/testing';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidIdError } from '../src/errors.js';
import { createKeyspace, validateCategory, validateId } from '../src/keys/index.js';

afterAll(cleanupAll);

/** Redis Cluster's slot function, written out here independently of src/key-slot.ts. */
function slotOf(key: string): number {
  const open = key.indexOf('{');
  const close = open >= 0 ? key.indexOf('}', open + 1) : -1;
  const hashed = open >= 0 && close > open + 1 ? key.slice(open + 1, close) : key;
  let crc = 0;
  for (const byte of Buffer.from(hashed)) {
    crc ^= byte << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc % 16384;
}

const badIds: [string, unknown][] = [
  ['glob *', '*'],
  ['glob ?', 'a?'],
  ['brackets', 'a[1]'],
  ['open brace', '{'],
  ['hash tag', '{db}'],
  ['dot', '.'],
  ['dot dot', '..'],
  ['colon', 'a:b'],
  ['slash', 'a/b'],
  ['space', 'a b'],
  ['newline', 'a\nb'],
  ['NUL', 'a\u0000b'],
  ['escape', '\u001b[31m'],
  ['DEL', 'a\u007f'],
  ['non-ASCII', 'café'],
  ['1,000 characters', 'x'.repeat(1000)],
  ['129 characters', 'x'.repeat(129)],
  ['empty', ''],
  ['number', 42],
  ['null', null],
  ['undefined', undefined],
  ['object', { id: 'a' }],
  ['array', ['a']],
];

describe('validateId', () => {
  it.each(['prod1', 'A-Z_09', 'a.b', '...', 'x'.repeat(128), '-', '_'])('accepts %j', (id) => {
    expect(validateId(id)).toBe(id);
  });

  it.each(badIds)('refuses %s with InvalidIdError (400)', (_label, id) => {
    let caught: unknown;
    try {
      validateId(id, 'product id');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(InvalidIdError);
    expect((caught as InvalidIdError).code).toBe('E_INVALID_ID');
    expect((caught as InvalidIdError).status).toBe(400);
    expect((caught as InvalidIdError).message).toMatch(/^invalid product id/);
    // The message never echoes a huge or control-laden id back.
    expect((caught as InvalidIdError).message.length).toBeLessThan(200);
  });
});

describe('validateCategory', () => {
  it('lower-cases and accepts 1-64 of [a-z0-9_-]', () => {
    expect(validateCategory('Electronics')).toBe('electronics');
    expect(validateCategory('home-garden_2')).toBe('home-garden_2');
    expect(validateCategory('x'.repeat(64))).toBe('x'.repeat(64));
  });

  it.each(['', 'a b', 'a.b', 'a:b', '*', 'x'.repeat(65), 'é', 7, null])('refuses %j', (c) => {
    expect(() => validateCategory(c)).toThrow(InvalidIdError);
  });
});

describe('createKeyspace: the seed layout', () => {
  const keys = createKeyspace();

  it('builds the seed keys exactly', () => {
    expect(keys.cluster).toBe(false);
    expect(keys.product('prod1')).toBe('db:product:prod1');
    expect(keys.products()).toBe('db:products');
    expect(keys.category('electronics')).toBe('db:category:electronics');
    expect(keys.category('Electronics')).toBe('db:category:electronics');
    expect(keys.productsByPrice()).toBe('db:products:by_price');
    expect(keys.cacheEntry('prod1')).toBe('data:prod1');
    expect(keys.cachePrefix).toBe('data:');
  });

  it('builds the other keys under one prefix each', () => {
    expect(keys.productsByName()).toBe('db:products:by_name');
    expect(keys.categories()).toBe('db:categories');
    expect(keys.productPrefix).toBe('db:product:');
    expect(keys.categoryPrefix).toBe('db:category:');
    expect(keys.queryCache('byPrice', 'ab12')).toBe('cache:query:byPrice:ab12');
    expect(keys.queryCachePrefix).toBe('cache:query:');
    expect(keys.queryVersion()).toBe('cache:query:version');
    expect(keys.lock('data:prod1')).toBe('lock:data:prod1');
    expect(keys.lockPrefix).toBe('lock:');
    expect(keys.statsPrefix).toBe('stats:');
    expect(keys.statsCounters()).toBe('stats:counters');
    expect(keys.statsSecond(1_700_000_000)).toBe('stats:sec:1700000000');
    expect(keys.statsHot()).toBe('stats:hot');
    expect(keys.statsHotCount()).toBe('stats:hot:count');
    expect(keys.stat('requests')).toBe('stats:requests');
    expect(keys.historyRecent()).toBe('history:recent');
    expect(keys.historyTop()).toBe('history:top');
    expect(keys.rateLimitPrefix).toBe('ratelimit:');
    expect(keys.rateLimit('::ffff:127.0.0.1', 28_333_333)).toBe('ratelimit:::ffff:127.0.0.1:28333333');
    expect(keys.probe('lx9-abc')).toBe('repl:probe:lx9-abc');
    expect(keys.workerHeartbeat()).toBe('worker:heartbeat');
    expect(keys.worker('results')).toBe('worker:results');
    expect(keys.jobsPrefix).toBe('bull');
  });

  it('reads the id back out of a cache key', () => {
    expect(keys.idFromCacheKey('data:prod1')).toBe('prod1');
    expect(keys.idFromCacheKey('db:product:prod1')).toBeNull();
    expect(keys.idFromCacheKey('data:a:b')).toBeNull();
  });

  it('refuses bad parts of derived keys too', () => {
    expect(() => keys.statsSecond(-1)).toThrow(InvalidIdError);
    expect(() => keys.statsSecond(1.5)).toThrow(InvalidIdError);
    expect(() => keys.stat('a*')).toThrow(InvalidIdError);
    expect(() => keys.queryCache('q', 'h:1')).toThrow(InvalidIdError);
    expect(() => keys.rateLimit('a b', 1)).toThrow(InvalidIdError);
    expect(() => keys.rateLimit('*', 1)).toThrow(InvalidIdError);
    expect(() => keys.lock('')).toThrow(InvalidIdError);
    expect(() => keys.probe('{x}')).toThrow(InvalidIdError);
  });
});

describe('createKeyspace({ cluster: true })', () => {
  const keys = createKeyspace({ cluster: true });

  it('agrees with the slot of known keys (checks the test helper itself)', () => {
    expect(slotOf('foo')).toBe(12182);
    expect(slotOf('{user1000}.following')).toBe(slotOf('{user1000}.followers'));
    expect(slotOf('123456789')).toBe(0x31c3 % 16384);
  });

  it('puts every catalog key in one slot with the {db} hash tag', () => {
    expect(keys.product('prod1')).toBe('{db}:product:prod1');
    expect(keys.products()).toBe('{db}:products');
    expect(keys.category('audio')).toBe('{db}:category:audio');
    expect(keys.productsByPrice()).toBe('{db}:products:by_price');
    const catalogKeys = [
      keys.product('prod1'),
      keys.product('zz-9'),
      keys.products(),
      keys.category('audio'),
      keys.categories(),
      keys.productsByPrice(),
      keys.productsByName(),
    ];
    expect(new Set(catalogKeys.map(slotOf)).size).toBe(1);
  });

  it('keeps stats, history and query caches each in their own single slot', () => {
    const stats = [
      keys.statsCounters(),
      keys.statsSecond(1),
      keys.statsSecond(2),
      keys.statsHot(),
      keys.statsHotCount(),
    ];
    expect(new Set(stats.map(slotOf)).size).toBe(1);
    expect(slotOf(keys.historyRecent())).toBe(slotOf(keys.historyTop()));
    expect(slotOf(keys.queryVersion())).toBe(slotOf(keys.queryCache('list', 'abc')));
  });

  it('spreads cache entries across slots and keeps the seed cache key', () => {
    expect(keys.cacheEntry('prod1')).toBe('data:prod1');
    const slots = new Set(Array.from({ length: 200 }, (_, i) => slotOf(keys.cacheEntry(`p${i}`))));
    expect(slots.size).toBeGreaterThan(150);
  });

  it('puts a lock in the slot of the key it guards', () => {
    expect(keys.lock('data:p1')).toBe('lock:{data:p1}');
    expect(slotOf(keys.lock(keys.cacheEntry('p1')))).toBe(slotOf(keys.cacheEntry('p1')));
    expect(slotOf(keys.lock(keys.product('p1')))).toBe(slotOf(keys.product('p1')));
  });

  it('hash-tags the BullMQ prefix', () => {
    expect(keys.jobsPrefix).toBe('{bull}');
  });
});

describe('keys.access: what an anonymous caller may read', () => {
  it.each([false, true])(
    'cluster %s: the cache, query cache and catalog are public, every other space admin',
    (cluster) => {
      const keys = createKeyspace({ cluster });
      const open = [
        keys.cacheEntry('prod1'),
        keys.queryCache('search', 'abc'),
        keys.queryVersion(),
        keys.product('p1'),
        keys.products(),
        keys.productsByPrice(),
      ];
      const closed = [
        keys.statsCounters(),
        keys.historyTop(),
        keys.rateLimit('127.0.0.1', 1),
        keys.workerHeartbeat(),
        keys.lock(keys.cacheEntry('prod1')),
        keys.cacheFence(keys.cacheEntry('prod1')),
        keys.probe('tok'),
        keys.probeLast(),
        keys.probeLock(),
        `${keys.jobsPrefix}:cache-jobs:meta`,
        'foo',
        'database:x',
        '',
      ];
      expect(open.map((k) => keys.access(k))).toEqual(open.map(() => 'public'));
      expect(closed.map((k) => [k, keys.access(k)])).toEqual(closed.map((k) => [k, 'admin']));
    },
  );
});

describe('a bad id never reaches Redis', () => {
  let server: RedisServer;
  let client: Redis;

  beforeAll(async () => {
    server = await startRedis();
    client = server.client();
    await client.ping();
  });

  async function counters(): Promise<{ total: number; reads: number }> {
    const info = await client.info('all');
    const total = Number(/total_commands_processed:(\d+)/.exec(info)?.[1]);
    const reads = ['get', 'exists', 'smembers', 'del'].reduce(
      (sum, cmd) => sum + Number(new RegExp(`cmdstat_${cmd}:calls=(\\d+)`).exec(info)?.[1] ?? 0),
      0,
    );
    return { total, reads };
  }

  it('throws before any command is sent for every bad id', async () => {
    const keys = createKeyspace();
    // Baseline: how much the counter moves between two INFO calls with nothing in between.
    const a = await counters();
    const b = await counters();
    const baseline = b.total - a.total;

    const before = await counters();
    for (const [, id] of badIds) {
      // As a caller would write it: build the key, then call Redis, inside one async function.
      await expect((async () => client.get(keys.product(id)))()).rejects.toBeInstanceOf(InvalidIdError);
      await expect((async () => client.exists(keys.cacheEntry(id)))()).rejects.toBeInstanceOf(InvalidIdError);
      await expect((async () => client.smembers(keys.category(id)))()).rejects.toBeInstanceOf(InvalidIdError);
    }
    const after = await counters();
    expect(after.total - before.total).toBe(baseline);
    expect(after.reads).toBe(before.reads);

    // And the same path with a good id does reach the server.
    await client.get(keys.product('prod1'));
    const final = await counters();
    expect(final.reads).toBe(after.reads + 1);
  });
});
