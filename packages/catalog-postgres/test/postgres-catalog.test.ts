import {
  type Catalog,
  ConflictError,
  createCatalog,
  createConnections,
  createKeyspace,
  generateProducts,
  NotFoundError,
  type RedisConnections,
  seedProducts,
  ValidationError,
} from '@app/redis-core';
import { cleanupAll, type PostgresServer, startPostgres, startRedis } from '@app/testing';
import type pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createPool,
  createPostgresCatalog,
  DatabaseUnavailableError,
  type PostgresCatalog,
  runMigrations,
} from '../src/index.js';

afterAll(cleanupAll);

let server: PostgresServer;
let pool: pg.Pool;
let pgCatalog: PostgresCatalog;
let redisCatalog: Catalog;
let connections: RedisConnections;
let writes: string[];

beforeAll(async () => {
  server = await startPostgres();
  const redis = await startRedis();
  connections = createConnections({ kind: 'standalone', url: redis.url });
  const url = server.url();
  // Two processes starting together: node-pg-migrate's lock in wait mode runs them once.
  const [a, b] = await Promise.all([runMigrations(url), runMigrations(url)]);
  expect([...a, ...b]).toEqual(['1733400000000_products']);
  expect(await runMigrations(url)).toEqual([]);
  pool = createPool(url);
});

afterAll(async () => {
  await pool?.end();
  await connections?.close();
});

beforeEach(async () => {
  await pool.query('TRUNCATE products');
  await connections.writer.flushdb();
  writes = [];
  pgCatalog = createPostgresCatalog({ pool, onWrite: (id) => writes.push(id) });
  redisCatalog = createCatalog({ connections, keys: createKeyspace() });
});

/** Runs the same calls on both stores and expects the same answers (the shared contract). */
async function both<T>(call: (c: Catalog) => Promise<T>): Promise<T> {
  const [fromPg, fromRedis] = await Promise.all([call(pgCatalog), call(redisCatalog)]);
  expect(fromPg).toEqual(fromRedis);
  return fromPg;
}

describe('the postgres store answers like the redis store', () => {
  it('seeds the same products into an empty table, once', async () => {
    expect(await both((c) => c.seedIfEmpty())).toBe(3);
    expect(await both((c) => c.seedIfEmpty())).toBe(0);
    expect(await pgCatalog.get('prod1')).toEqual(seedProducts[0]);
    expect(writes.sort()).toEqual(['prod1', 'prod2', 'prod3']);
  });

  it('lists, pages and sorts the same way', async () => {
    const products = generateProducts(120, { seed: 7 });
    for (const p of products) await both((c) => c.create(p));
    await both((c) => c.list());
    await both((c) => c.list({ offset: 10, limit: 5 }));
    await both((c) => c.count());
    await both((c) => c.categories());
    const category = products[0]!.category;
    for (const sort of [undefined, 'price', '-price', 'name'] as const) {
      await both((c) => c.byCategory(category, { sort, offset: 1, limit: 7 }));
    }
    await both((c) => c.byPrice({ min: 20, max: 400, offset: 2, limit: 9 }));
    await both((c) => c.byPrice({ desc: true, limit: 4 }));
    await both((c) => c.getMany([products[3]!.id, 'nope', products[1]!.id]));
    await both((c) => c.byCategory('no-such-category'));
    // Name search: the same products (each store has its own order).
    const word = products[5]!.name.split(' ')[0]!.slice(0, 3);
    const ids = async (c: Catalog) => (await c.searchByName(word, { limit: 100 })).map((p) => p.id).sort();
    await both(ids);
  });

  it('writes: upsert, create, update, remove, with the same errors', async () => {
    const lamp = { id: 'lamp', name: 'Desk Lamp', price: 10, category: 'home' };
    expect(await both((c) => c.upsert(lamp))).toEqual({
      product: { ...lamp, in_stock: true, features: [] },
      created: true,
    });
    expect((await both((c) => c.upsert({ ...lamp, price: 12 }))).created).toBe(false);
    await expect(pgCatalog.create(lamp)).rejects.toBeInstanceOf(ConflictError);
    expect(await both((c) => c.update('lamp', { features: ['LED'], in_stock: false }))).toMatchObject({
      price: 12,
      features: ['LED'],
      in_stock: false,
    });
    await expect(pgCatalog.update('ghost', { price: 1 })).rejects.toBeInstanceOf(NotFoundError);
    await expect(pgCatalog.update('lamp', { id: 'other' })).rejects.toBeInstanceOf(ValidationError);
    await expect(pgCatalog.update('lamp', { price: -1 })).rejects.toBeInstanceOf(ValidationError);
    expect(await both((c) => c.remove('lamp'))).toBe(true);
    expect(await both((c) => c.remove('lamp'))).toBe(false);
    expect(await both((c) => c.get('lamp'))).toBeNull();
    expect(writes).toEqual(['lamp', 'lamp', 'lamp', 'lamp']);
  });

  it('concurrent partial updates of one product all apply', async () => {
    await pgCatalog.create({ id: 'p', name: 'P', price: 1, category: 'home' });
    await Promise.all([
      pgCatalog.update('p', { price: 5 }),
      pgCatalog.update('p', { name: 'Renamed' }),
      pgCatalog.update('p', { features: ['x'] }),
    ]);
    expect(await pgCatalog.get('p')).toMatchObject({ price: 5, name: 'Renamed', features: ['x'] });
  });
});

describe('versions kept by the database', () => {
  it('a plain SQL insert/update names neither version nor updated_at, and the version grows', async () => {
    await server.psql(
      `INSERT INTO products (id, name, price, category) VALUES ('sql1', 'Typed In Psql', 3.5, 'tools')`,
    );
    const first = await pgCatalog.getVersioned('sql1');
    expect(first?.product).toEqual({
      id: 'sql1',
      name: 'Typed In Psql',
      price: 3.5,
      category: 'tools',
      in_stock: true,
      features: [],
    });
    await server.psql(`UPDATE products SET price = 4 WHERE id = 'sql1'`);
    // Even a client that tries to set the version cannot move it backwards.
    await server.psql(`UPDATE products SET version = 1 WHERE id = 'sql1'`);
    const second = await pgCatalog.getVersioned('sql1');
    expect(second!.version).toBeGreaterThan(first!.version + 1);
    expect((await pgCatalog.checkConsistency()).ok).toBe(true);
    expect((await pgCatalog.pageVersioned({ limit: 10 })).map((v) => v.product.id)).toEqual(['sql1']);
  });

  it('a re-inserted id gets a version above the deleted row, and the fence after a delete sits between', async () => {
    await pgCatalog.create({ id: 'again', name: 'A', price: 1, category: 'home' });
    const before = (await pgCatalog.getVersioned('again'))!.version;
    expect(await pgCatalog.fenceVersion('again')).toBe(before);
    await pgCatalog.remove('again');
    const fence = await pgCatalog.fenceVersion('again');
    expect(fence).toBeGreaterThan(before);
    await pgCatalog.create({ id: 'again', name: 'A', price: 1, category: 'home' });
    const after = (await pgCatalog.getVersioned('again'))!.version;
    expect(after).toBeGreaterThanOrEqual(fence);
    expect(pgCatalog.source).toBe('postgres');
  });
});

describe('failures', () => {
  it('a stopped server is a 503 DatabaseUnavailableError, within the timeout, and reads recover after', async () => {
    await pgCatalog.create({ id: 'keep', name: 'Keep', price: 1, category: 'home' });
    await server.stop();
    const started = Date.now();
    const err = await pgCatalog.get('keep').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatabaseUnavailableError);
    expect((err as DatabaseUnavailableError).status).toBe(503);
    expect(Date.now() - started).toBeLessThan(6_000);
    await server.start();
    expect((await pgCatalog.get('keep'))?.name).toBe('Keep');
  });
});
