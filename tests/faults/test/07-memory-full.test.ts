/**
 * 7. Memory full. The cache role (infra/redis/cache.conf: allkeys-lru) under far more entries
 * than fit: it evicts, and only cache entries exist to evict; no write fails. The database role
 * (database.conf: noeviction) and the queue role (queue.conf: noeviction) filled up: writes are
 * refused with OOM, the API answers 503 E_STORE_FULL, and no product or job is evicted.
 */
import {
  createCache,
  createConnections,
  createKeyspace,
  generateProducts,
  type Product,
} from '@app/redis-core';
import { cleanupAll, type RedisServer, startRedis } from '@app/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { adminHeaders, type RunningApi, startApi } from '../src/api.js';
import { type Answer, call, histogram, pool } from '../src/http.js';
import { roleConfLines } from '../src/infra-conf.js';
import { recordResult } from '../src/results.js';

const apis: RunningApi[] = [];
const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const api of apis) await api.close();
  for (const close of closers) await close();
  await cleanupAll();
});

async function memory(server: RedisServer) {
  const info = await server.client().info('memory');
  const stats = await server.client().info('stats');
  const field = (text: string, name: string) => Number(new RegExp(`${name}:(\\d+)`).exec(text)?.[1] ?? NaN);
  return {
    used: field(info, 'used_memory'),
    max: field(info, 'maxmemory'),
    policy: /maxmemory_policy:(\S+)/.exec(info)?.[1],
    evicted: field(stats, 'evicted_keys'),
  };
}

async function allKeys(server: RedisServer): Promise<string[]> {
  const client = server.client();
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await client.scan(cursor, 'COUNT', 1000);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  return keys;
}

/** Lowers maxmemory to what is used now plus `headroom` bytes, so the next writes fill it. */
async function tighten(server: RedisServer, headroom: number): Promise<void> {
  const { used } = await memory(server);
  await server.client().config('SET', 'maxmemory', String(used + headroom));
}

describe('memory full', () => {
  it('cache role: evicts (LRU) cache entries only, no write fails', async () => {
    const server = await startRedis({ configLines: roleConfLines('cache'), args: ['--maxmemory', '4mb'] });
    const connections = createConnections({ kind: 'standalone', url: server.url });
    closers.push(() => connections.close());
    const keys = createKeyspace();
    const cache = createCache({
      connections,
      keys,
      ttlSeconds: 600,
      jitter: 0.1,
      negativeTtlSeconds: 10,
      graceSeconds: 0,
    });
    const padding = 'x'.repeat(1000);
    let errors = 0;
    const total = 20_000;
    for (let i = 0; i < total; i += 500) {
      const batch = Array.from(
        { length: 500 },
        (_, j) => [`item-${i + j}`, { id: i + j, padding }] as [string, unknown],
      );
      await cache.setMany(batch).catch(() => (errors += 1));
    }
    // Cache-aside keeps working at the memory limit: misses load and store, hits hit.
    let loads = 0;
    const loader = async () => {
      loads += 1;
      return { fresh: true, padding };
    };
    const first = await cache.getOrLoad('hot', loader);
    const second = await cache.getOrLoad('hot', loader);
    const mem = await memory(server);
    const keysLeft = await allKeys(server);
    recordResult('07-memory-full-cache-role', {
      fault: `${total} entries of ~1 KB written into a cache-role Redis with maxmemory 4 MB`,
      policy: mem.policy,
      write_errors: errors,
      evicted_keys: mem.evicted,
      keys_left: keysLeft.length,
      non_cache_keys_left: keysLeft.filter((k) => !k.startsWith('data:')).length,
      used_memory: mem.used,
      maxmemory: mem.max,
      get_or_load: [first.source, second.source],
    });
    expect(mem.policy).toBe('allkeys-lru');
    expect(errors).toBe(0);
    expect(mem.evicted).toBeGreaterThan(total / 2);
    expect(keysLeft.every((k) => k.startsWith('data:'))).toBe(true);
    expect(mem.used).toBeLessThanOrEqual(mem.max * 1.05);
    expect([first.source, second.source]).toEqual(['database', 'cache']);
    expect(loads).toBe(1);
  }, 60_000);

  it('database role: full store refuses writes with 503 E_STORE_FULL and evicts no product', async () => {
    const server = await startRedis({ configLines: roleConfLines('database'), appendonly: true });
    const api = await startApi({ REDIS_URL: server.url, RATE_LIMIT_PER_MINUTE: '0' });
    apis.push(api);
    const seeded = await api.services.catalog.seedIfEmpty(generateProducts(2000, { seed: 7 }));
    await tighten(server, 150 * 1024);
    const extra = generateProducts(4000, { seed: 8 }).map((p, i) => ({ ...p, id: `full-${i}` }));
    const answers: Answer[] = [];
    const acked: string[] = [];
    await pool(extra.length, 8, async (i) => {
      const product = extra[i] as Product;
      const answer = await call(api.base, 'POST', '/api/db/add', { body: product, headers: adminHeaders });
      answers.push(answer);
      if (answer.status === 201) acked.push(product.id);
    });
    const refused = answers.filter((a) => a.status === 503);
    // Reads keep working on a full store (a cache fill that cannot be stored is just not cached).
    const readProduct = await call(api.base, 'GET', '/api/db/product/full-0');
    const readThrough = await call(api.base, 'GET', `/api/data/${acked[acked.length - 1] ?? 'full-0'}`);
    const mem = await memory(server);
    const count = await server.client().scard('db:products');
    const consistency = await api.services.catalog.checkConsistency();
    recordResult('07-memory-full-database-role', {
      fault: 'database-role Redis (noeviction) filled to maxmemory by product writes through the API',
      policy: mem.policy,
      products_before: seeded,
      writes_attempted: answers.length,
      statuses: histogram(answers),
      refused_codes: [...new Set(refused.map((a) => (a.body as { code?: string }).code))],
      acknowledged: acked.length,
      products_after: count,
      evicted_keys: mem.evicted,
      consistency_ok: consistency.ok,
      reads_when_full: [readProduct.status, readThrough.status],
    });
    expect(mem.policy).toBe('noeviction');
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.every((a) => (a.body as { code?: string }).code === 'E_STORE_FULL')).toBe(true);
    expect(answers.filter((a) => a.status !== 201 && a.status !== 503)).toEqual([]);
    expect(mem.evicted).toBe(0);
    expect(count).toBe(seeded + acked.length);
    expect(consistency.ok).toBe(true);
    expect([readProduct.status, readThrough.status]).toEqual([200, 200]);
  }, 120_000);

  it('queue role: full queue Redis refuses new jobs with 503 E_STORE_FULL and evicts no job', async () => {
    const db = await startRedis({ appendonly: true });
    const queue = await startRedis({ configLines: roleConfLines('queue'), appendonly: true });
    const api = await startApi(
      { REDIS_URL: db.url, QUEUE_REDIS_URL: queue.url, RATE_LIMIT_PER_MINUTE: '0' },
      { seed: true },
    );
    apis.push(api);
    await call(api.base, 'POST', '/api/jobs/warm-all', { headers: adminHeaders });
    await tighten(queue, 400 * 1024);
    const answers: Answer[] = [];
    for (let i = 0; i < 3000; i++) {
      const answer = await call(api.base, 'POST', '/api/jobs/warm-top', {
        body: { n: 10 },
        headers: adminHeaders,
      });
      answers.push(answer);
      if (answers.filter((a) => a.status === 503).length >= 20) break;
    }
    const accepted = answers.filter((a) => a.status === 202).length;
    const counts = await api.services.jobs.counts();
    const jobsStored = Object.values(counts).reduce((a, b) => a + b, 0);
    const mem = await memory(queue);
    const refused = answers.filter((a) => a.status === 503);
    recordResult('07-memory-full-queue-role', {
      fault: 'queue-role Redis (noeviction) filled to maxmemory by jobs enqueued through the API',
      policy: mem.policy,
      statuses: histogram(answers),
      refused_codes: [...new Set(refused.map((a) => (a.body as { code?: string }).code))],
      accepted,
      jobs_stored: jobsStored,
      evicted_keys: mem.evicted,
    });
    expect(mem.policy).toBe('noeviction');
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.every((a) => (a.body as { code?: string }).code === 'E_STORE_FULL')).toBe(true);
    expect(answers.filter((a) => a.status !== 202 && a.status !== 503)).toEqual([]);
    expect(mem.evicted).toBe(0);
    expect(jobsStored).toBe(accepted + 1);
  }, 120_000);
});
