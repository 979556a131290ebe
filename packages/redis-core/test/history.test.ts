import { cleanupAll, type RedisServer, startRedis, startReplicated, waitUntil } from '@app/testing';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createConnections, type RedisConnections } from '../src/connections/index.js';
import { CacheUnavailableError, ValidationError } from '../src/errors.js';
import { createHistory } from '../src/history/index.js';
import { createKeyspace } from '../src/keys/index.js';

afterAll(cleanupAll);

const keys = createKeyspace();
let server: RedisServer;
let connections: RedisConnections;
let redis: Redis;
let clock: number;
const now = () => clock;

beforeAll(async () => {
  server = await startRedis();
  connections = createConnections({ kind: 'standalone', url: server.url });
  redis = server.client();
});

afterAll(async () => {
  await connections?.close();
});

beforeEach(async () => {
  await redis.flushdb();
  clock = 1_700_000_000_000;
});

describe('history', () => {
  it('keeps the most recent searches, newest first, capped at maxRecent', async () => {
    const history = createHistory({ connections, keys, maxRecent: 5, now });
    for (let i = 1; i <= 8; i++) {
      clock += 1000;
      await history.record(`query ${i}`);
    }
    expect(await redis.llen('history:recent')).toBe(5);
    const recent = await history.recent(10);
    expect(recent.map((r) => r.query)).toEqual(['query 8', 'query 7', 'query 6', 'query 5', 'query 4']);
    expect(recent[0]?.at).toBe(1_700_000_008_000);
    expect(await history.recent(2)).toEqual([
      { query: 'query 8', at: 1_700_000_008_000 },
      { query: 'query 7', at: 1_700_000_007_000 },
    ]);
    expect(await history.recent(0)).toEqual([]);
  });

  it('defaults to 20 recent entries and stores {query, at} JSON', async () => {
    const history = createHistory({ connections, keys, now });
    for (let i = 0; i < 25; i++) await history.record(`q${i}`);
    expect(await redis.llen('history:recent')).toBe(20);
    expect(JSON.parse((await redis.lindex('history:recent', 0)) as string)).toEqual({
      query: 'q24',
      at: clock,
    });
    expect(await history.recent()).toHaveLength(10);
  });

  it('counts top searches, highest first, trimmed but case-sensitive (queries are ids)', async () => {
    const history = createHistory({ connections, keys, now });
    for (const q of ['prod1', ' prod2 ', 'prod1', 'prod3', 'prod2', 'prod1', 'Prod1'])
      await history.record(q);
    expect(await history.top(2)).toEqual([
      { query: 'prod1', count: 3 },
      { query: 'prod2', count: 2 },
    ]);
    expect(await history.top()).toEqual([
      { query: 'prod1', count: 3 },
      { query: 'prod2', count: 2 },
      { query: 'prod3', count: 1 },
      { query: 'Prod1', count: 1 },
    ]);
    expect((await history.recent(3)).map((r) => r.query)).toEqual(['Prod1', 'prod1', 'prod2']);
  });

  it('keeps at most maxTop distinct queries, dropping the least searched', async () => {
    const history = createHistory({ connections, keys, maxTop: 3, now });
    for (const q of ['a', 'a', 'a', 'b', 'b', 'c', 'c', 'd']) await history.record(q);
    expect(await redis.zcard('history:top')).toBe(3);
    expect((await history.top()).map((t) => t.query)).toEqual(['a', 'c', 'b']);
  });

  it('records the searches of one loop turn with one script call, newest kept first', async () => {
    const history = createHistory({ connections, keys, now, maxRecent: 5 });
    const calls = async (command: string) =>
      Number(new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(await redis.info('commandstats'))?.[1] ?? 0);
    await history.record('warm'); // loads the script (EVAL on NOSCRIPT) outside the count
    const before = {
      evalsha: await calls('evalsha'),
      zincrby: await calls('zincrby'),
      exec: await calls('exec'),
    };
    const queries = Array.from({ length: 12 }, (_, i) => `q${i % 8}`);
    await Promise.all(queries.map((q) => history.record(q)));
    expect(await calls('evalsha')).toBe(before.evalsha + 1);
    expect(await calls('exec')).toBe(before.exec);
    expect(await calls('zincrby')).toBe(before.zincrby + 8); // one per distinct query, inside the script
    expect((await history.recent(10)).map((r) => r.query)).toEqual(['q3', 'q2', 'q1', 'q0', 'q7']);
    const top = await history.top(20);
    expect(
      top
        .filter((t) => t.count === 2)
        .map((t) => t.query)
        .sort(),
    ).toEqual(['q0', 'q1', 'q2', 'q3']);
    expect(top.find((t) => t.query === 'warm')?.count).toBe(1);
  });

  it('shares one call among the searches of one batch window, across loop turns', async () => {
    const history = createHistory({ connections, keys, now, maxRecent: 5, batchMs: 200 });
    const evalshas = async () =>
      Number(/cmdstat_evalsha:calls=(\d+)/.exec(await redis.info('commandstats'))?.[1] ?? 0);
    await history.record('warm'); // loads the script outside the count
    const before = await evalshas();
    const first = history.record('early');
    await new Promise((r) => setTimeout(r, 50));
    const rest = Array.from({ length: 40 }, (_, i) => history.record(`late${i}`));
    expect(await history.recent(10)).toEqual([{ query: 'warm', at: clock }]); // not written yet
    await Promise.all([first, ...rest]);
    expect(await evalshas()).toBe(before + 1);
    expect((await history.recent(10)).map((r) => r.query)).toEqual([
      'late39',
      'late38',
      'late37',
      'late36',
      'late35',
    ]);
    expect((await history.top(100)).length).toBe(42); // every query counted, not only the kept entries
  });

  it('by default a record waits for its 100 ms batch; a standalone server is not asked for its offset', async () => {
    const history = createHistory({ connections, keys, now });
    const stats = async () => {
      const info = await redis.info('commandstats');
      const calls = (command: string) =>
        Number(new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(info)?.[1] ?? 0);
      return { evalsha: calls('evalsha'), info: calls('info') };
    };
    await history.record('warm'); // loads the script outside the count
    const before = await stats();
    const started = performance.now();
    await Promise.all([history.record('a'), history.record('b')]);
    // The batch is written when its window closes (a few ms of timer slack allowed).
    expect(performance.now() - started).toBeGreaterThanOrEqual(95);
    const after = await stats();
    expect(after.evalsha).toBe(before.evalsha + 1);
    // Only the INFO that read `before`: no INFO replication after the write (no replica to wait for).
    expect(after.info).toBe(before.info + 1);
    expect((await history.recent(3)).map((r) => r.query)).toEqual(['b', 'a', 'warm']);
  });

  it('collapses inner whitespace and trims; a query without whitespace is kept as it is', async () => {
    const history = createHistory({ connections, keys, now, batchMs: 0 });
    for (const q of ['  red   shoes ', 'red\tshoes', 'red shoes', '\u00a0red shoes\n', 'Red-Shoes_1.x'])
      await history.record(q);
    expect(await history.top(5)).toEqual([
      { query: 'red shoes', count: 4 },
      { query: 'Red-Shoes_1.x', count: 1 },
    ]);
  });

  it('counts at most maxVoters (client, query) pairs per vote window', async () => {
    const history = createHistory({ connections, keys, now, voteWindowMs: 60_000, maxVoters: 2, batchMs: 0 });
    await history.record('a', 'c1');
    await history.record('b', 'c1');
    await history.record('a', 'c2'); // a third pair: over the bound, not counted
    await history.record('a', 'c1'); // already voted
    expect(await history.top(5)).toEqual([
      { query: 'b', count: 1 }, // equal counts: reverse lexicographic
      { query: 'a', count: 1 },
    ]);
    clock += 60_000;
    await history.record('a', 'c2');
    expect(await history.top(1)).toEqual([{ query: 'a', count: 2 }]);
  });

  it('clear empties both', async () => {
    const history = createHistory({ connections, keys, now });
    await history.record('x');
    await history.clear();
    expect(await history.recent()).toEqual([]);
    expect(await history.top()).toEqual([]);
    expect(await redis.exists('history:recent', 'history:top')).toBe(0);
  });

  it('top counts a client once per query and vote window; recent keeps every search', async () => {
    const history = createHistory({ connections, keys, now, voteWindowMs: 60_000, batchMs: 0 });
    for (let i = 0; i < 50; i++) await history.record('prod7', '10.0.0.1');
    for (const client of ['10.0.0.2', '10.0.0.3']) await history.record('prod7', client);
    await history.record('prod7'); // an internal caller (no client) always counts
    expect(await history.top(5)).toEqual([{ query: 'prod7', count: 4 }]);
    expect(await history.recent(20)).toHaveLength(20);
    clock += 60_000; // a new window: the same client votes again
    await history.record('prod7', '10.0.0.1');
    expect(await history.top(5)).toEqual([{ query: 'prod7', count: 5 }]);
  });

  it('refuses empty, oversized or non-string queries and bad counts', async () => {
    const history = createHistory({ connections, keys, now });
    await expect(history.record('   ')).rejects.toBeInstanceOf(ValidationError);
    await expect(history.record('x'.repeat(201))).rejects.toBeInstanceOf(ValidationError);
    await expect(history.record(42 as unknown as string)).rejects.toBeInstanceOf(ValidationError);
    await expect(history.recent(-1)).rejects.toBeInstanceOf(ValidationError);
    await expect(history.top(1.5)).rejects.toBeInstanceOf(ValidationError);
    expect(await redis.dbsize()).toBe(0);
  });

  it('skips a malformed entry instead of failing the whole list', async () => {
    const history = createHistory({ connections, keys, now });
    await history.record('good');
    await redis.lpush('history:recent', 'not json');
    expect(await history.recent()).toEqual([{ query: 'good', at: clock }]);
  });

  it('reports an unreachable Redis as CacheUnavailableError', async () => {
    const doomed = await startRedis();
    const doomedConnections = createConnections(
      { kind: 'standalone', url: doomed.url },
      { commandTimeoutMs: 300 },
    );
    try {
      const history = createHistory({ connections: doomedConnections, keys });
      await history.record('before');
      await doomed.stop();
      await expect(history.record('after')).rejects.toBeInstanceOf(CacheUnavailableError);
      await expect(history.recent()).rejects.toBeInstanceOf(CacheUnavailableError);
    } finally {
      await doomedConnections.close();
    }
  });
});

describe('history with a replica', () => {
  it('reads its own searches even while the replica has not applied them yet', async () => {
    const rep = await startReplicated({ replicas: 1 });
    const replica = rep.replicas[0] as RedisServer;
    const conns = createConnections({ kind: 'replicated', url: rep.master.url, replicaUrls: [replica.url] });
    const replicaAdmin = replica.client();
    try {
      await waitUntil(() => conns.replicas[0]?.healthy === true, 5_000);
      expect(conns.reader()).not.toBe(conns.writer);
      const history = createHistory({ connections: conns, keys, batchMs: 0 });
      // The replica keeps answering reads but stops applying the master's stream for a while.
      await replicaAdmin.call('CLIENT', 'PAUSE', '1500', 'WRITE');
      await history.record('smartphone');
      expect(await replicaAdmin.zcard('history:top')).toBe(0); // the replica is behind
      expect((await history.top(5))[0]?.query).toBe('smartphone');
      expect((await history.recent(5))[0]?.query).toBe('smartphone');
    } finally {
      await replicaAdmin.call('CLIENT', 'UNPAUSE').catch(() => undefined);
      replicaAdmin.disconnect();
      await conns.close();
    }
  });
});
