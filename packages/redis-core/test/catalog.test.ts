import { cleanupAll, type RedisServer, startCluster, startRedis } from '@app/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type Catalog,
  createCatalog,
  generateProducts,
  type Product,
  seedProducts,
} from '../src/catalog/index.js';
import { createConnections, type RedisConnections } from '../src/connections/index.js';
import {
  CacheUnavailableError,
  ConflictError,
  InvalidIdError,
  NotFoundError,
  StoreFullError,
  ValidationError,
} from '../src/errors.js';
import { createKeyspace } from '../src/keys/index.js';

afterAll(cleanupAll);

const keys = createKeyspace();
let server: RedisServer;
let connections: RedisConnections;
let redis: Redis;
let catalog: Catalog;
let writes: string[];

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
  writes = [];
  catalog = createCatalog({ connections, keys, onWrite: (id) => writes.push(id) });
});

const product = (over: Partial<Product> & { id: string }): Product => ({
  name: 'Desk Lamp',
  price: 10,
  category: 'home',
  in_stock: true,
  features: [],
  ...over,
});

const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

describe('seed layout', () => {
  it('seedIfEmpty writes the seed’s exact keys, without TTL, and is idempotent', async () => {
    expect(await catalog.seedIfEmpty()).toBe(3);
    expect(await redis.get('db:product:prod1')).toBe(
      '{"id":"prod1","name":"Smartphone Premium","price":899.99,"category":"electronics","in_stock":true,"features":["5G","HDR Display","Water Resistant"]}',
    );
    expect(await redis.ttl('db:product:prod1')).toBe(-1);
    expect((await redis.smembers('db:products')).sort()).toEqual(['prod1', 'prod2', 'prod3']);
    expect((await redis.smembers('db:category:electronics')).sort()).toEqual(['prod1', 'prod2']);
    expect(Number(await redis.zscore('db:products:by_price', 'prod1'))).toBe(899.99);
    expect(await redis.zrange('db:products:by_price', 0, '-1')).toEqual(['prod3', 'prod1', 'prod2']);
    expect(await catalog.seedIfEmpty()).toBe(0);
    expect(await catalog.seedIfEmpty(generateProducts(5))).toBe(0);
    expect(await catalog.count()).toBe(3);
    expect(writes.sort()).toEqual(['prod1', 'prod2', 'prod3']);
    expect(await catalog.checkConsistency()).toEqual({ ok: true, products: 3, problems: [] });
  });

  it('seedIfEmpty writes nothing once a single product exists', async () => {
    await catalog.create(product({ id: 'only' }));
    expect(await catalog.seedIfEmpty()).toBe(0);
    expect(await catalog.get('prod1')).toBeNull();
  });
});

describe('reads', () => {
  beforeEach(async () => {
    await catalog.seedIfEmpty([
      ...seedProducts,
      product({ id: 'a1', name: 'Écran Pro 27', price: 329.5, category: 'electronics' }),
      product({ id: 'b1', name: 'Redis in Action', price: 39.99, category: 'books' }),
      product({ id: 'b2', name: 'Mastering Redis', price: 24.5, category: 'books' }),
      product({ id: 'b3', name: 'Designing Data-Intensive Applications', price: 44, category: 'books' }),
    ]);
  });

  it('get returns the product or null; getMany keeps positions', async () => {
    expect(await catalog.get('prod1')).toStrictEqual(seedProducts[0]);
    expect(await catalog.get('nope')).toBeNull();
    const many = await catalog.getMany(['b1', 'nope', 'prod2']);
    expect(many.map((p) => p?.id ?? null)).toEqual(['b1', null, 'prod2']);
    expect(await catalog.getMany([])).toEqual([]);
  });

  it('refuses bad ids and categories with InvalidIdError', async () => {
    await expect(catalog.get('*')).rejects.toBeInstanceOf(InvalidIdError);
    await expect(catalog.getMany(['ok', 'a b'])).rejects.toBeInstanceOf(InvalidIdError);
    await expect(catalog.byCategory('a:b')).rejects.toBeInstanceOf(InvalidIdError);
    await expect(catalog.update('{db}', { price: 1 })).rejects.toBeInstanceOf(InvalidIdError);
    await expect(catalog.remove('..')).rejects.toBeInstanceOf(InvalidIdError);
  });

  it('list pages sorted ids from the product set', async () => {
    const all = ['a1', 'b1', 'b2', 'b3', 'prod1', 'prod2', 'prod3'];
    expect(await catalog.list()).toEqual({ count: 7, ids: all });
    expect(await catalog.list({ offset: 2, limit: 3 })).toEqual({ count: 7, ids: ['b2', 'b3', 'prod1'] });
    expect(await catalog.list({ offset: '6', limit: '10' })).toEqual({ count: 7, ids: ['prod3'] });
    expect(await catalog.list({ offset: 50 })).toEqual({ count: 7, ids: [] });
    await expect(catalog.list({ offset: -1 })).rejects.toBeInstanceOf(ValidationError);
    await expect(catalog.list({ limit: 1.5 })).rejects.toBeInstanceOf(ValidationError);
  });

  it('byCategory sorts by id, price, -price or name and pages', async () => {
    const ids = (r: { products: Product[] }) => r.products.map((p) => p.id);
    const books = await catalog.byCategory('Books');
    expect(books.category).toBe('books');
    expect(books.count).toBe(3);
    expect(ids(books)).toEqual(['b1', 'b2', 'b3']);
    expect(ids(await catalog.byCategory('books', { sort: 'price' }))).toEqual(['b2', 'b1', 'b3']);
    expect(ids(await catalog.byCategory('books', { sort: '-price' }))).toEqual(['b3', 'b1', 'b2']);
    // Designing…, Mastering…, Redis…
    expect(ids(await catalog.byCategory('books', { sort: 'name' }))).toEqual(['b3', 'b2', 'b1']);
    expect(ids(await catalog.byCategory('books', { sort: 'price', offset: 1, limit: 1 }))).toEqual(['b1']);
    expect(await catalog.byCategory('electronics', { sort: 'name', limit: 0 })).toEqual({
      category: 'electronics',
      count: 3,
      products: [],
    });
    expect(await catalog.byCategory('garden')).toEqual({ category: 'garden', count: 0, products: [] });
    await expect(catalog.byCategory('books', { sort: 'color' as 'name' })).rejects.toBeInstanceOf(
      ValidationError,
    );
  });

  it('byPrice pages a price range, cheapest or dearest first', async () => {
    const ids = (r: { products: Product[] }) => r.products.map((p) => p.id);
    const all = await catalog.byPrice();
    expect(all.count).toBe(7);
    expect(ids(all)).toEqual(['b2', 'b1', 'b3', 'prod3', 'a1', 'prod1', 'prod2']);
    const range = await catalog.byPrice({ min: 30, max: 330 });
    expect(range.count).toBe(4);
    expect(ids(range)).toEqual(['b1', 'b3', 'prod3', 'a1']);
    expect(ids(await catalog.byPrice({ min: 30, max: 330, offset: 1, limit: 2 }))).toEqual(['b3', 'prod3']);
    expect(ids(await catalog.byPrice({ min: 30, max: 330, desc: true, limit: 2 }))).toEqual(['a1', 'prod3']);
    expect(ids(await catalog.byPrice({ max: 24.5 }))).toEqual(['b2']);
    await expect(catalog.byPrice({ min: 10, max: 5 })).rejects.toBeInstanceOf(ValidationError);
    await expect(catalog.byPrice({ limit: 5000 })).rejects.toBeInstanceOf(ValidationError);
  });

  it('searchByName matches a prefix of any word, ignoring case and accents', async () => {
    const ids = async (q: string, limit?: number) =>
      (await catalog.searchByName(q, limit === undefined ? {} : { limit })).map((p) => p.id).sort();
    expect(await ids('redis')).toEqual(['b1', 'b2']);
    expect(await ids('RED')).toEqual(['b1', 'b2']);
    expect(await ids('smart')).toEqual(['prod1']);
    expect(await ids('premium')).toEqual(['prod1']);
    expect(await ids('ecran')).toEqual(['a1']);
    expect(await ids('ÉCR')).toEqual(['a1']);
    expect(await ids('data intens')).toEqual(['b3']);
    expect(await ids('redis act')).toEqual(['b1']);
    expect(await ids('redis zzz')).toEqual([]);
    expect(await ids('pro')).toEqual(['a1', 'prod2']);
    expect(await ids('redis', 1)).toHaveLength(1);
    expect(await ids('   ')).toEqual([]);
    expect(await ids('*')).toEqual([]);
  });

  it('categories lists the non-empty categories with counts', async () => {
    expect(await catalog.categories()).toEqual([
      { category: 'audio', count: 1 },
      { category: 'books', count: 3 },
      { category: 'electronics', count: 3 },
    ]);
  });
});

describe('writes', () => {
  it('create refuses an existing id; upsert replaces it and says so', async () => {
    const lamp = product({ id: 'lamp1' });
    expect(await catalog.create(lamp)).toStrictEqual(lamp);
    await expect(catalog.create({ ...lamp, price: 1 })).rejects.toBeInstanceOf(ConflictError);
    expect((await catalog.get('lamp1'))?.price).toBe(10);
    expect(await catalog.upsert({ ...lamp, price: 12 })).toEqual({
      product: { ...lamp, price: 12 },
      created: false,
    });
    expect(await catalog.upsert(product({ id: 'lamp2' }))).toEqual({
      product: product({ id: 'lamp2' }),
      created: true,
    });
    expect(Number(await redis.zscore('db:products:by_price', 'lamp1'))).toBe(12);
    expect(writes).toEqual(['lamp1', 'lamp1', 'lamp2']);
    expect((await catalog.checkConsistency()).ok).toBe(true);
  });

  it('refuses invalid products before writing anything', async () => {
    await expect(catalog.upsert({ name: 'no id', price: 1, category: 'x' } as never)).rejects.toBeInstanceOf(
      ValidationError,
    );
    await expect(catalog.create(product({ id: 'x', price: -5 }))).rejects.toBeInstanceOf(ValidationError);
    expect(await redis.dbsize()).toBe(0);
    expect(writes).toEqual([]);
  });

  it('update patches some fields, keeps the others, and 404s an unknown id', async () => {
    await catalog.create(product({ id: 'lamp1', in_stock: false, features: ['LED'] }));
    const updated = await catalog.update('lamp1', { price: 15.5 });
    expect(updated).toStrictEqual(product({ id: 'lamp1', price: 15.5, in_stock: false, features: ['LED'] }));
    expect(await catalog.get('lamp1', { consistent: true })).toStrictEqual(updated);
    await expect(catalog.update('ghost', { price: 1 })).rejects.toBeInstanceOf(NotFoundError);
    await expect(catalog.update('lamp1', { id: 'other' })).rejects.toBeInstanceOf(ValidationError);
    await expect(catalog.update('lamp1', { price: 'cheap' })).rejects.toBeInstanceOf(ValidationError);
    expect(await catalog.update('lamp1', { id: 'lamp1', name: 'Desk Lamp XL' })).toMatchObject({
      name: 'Desk Lamp XL',
    });
    expect(writes).toEqual(['lamp1', 'lamp1', 'lamp1']);
  });

  it('moving a product (category, price, name) leaves no stale index entry', async () => {
    await catalog.seedIfEmpty();
    await catalog.create(
      product({ id: 'mover', name: 'Vintage Radio', price: 120, category: 'electronics' }),
    );
    await catalog.update('mover', { category: 'Audio', price: 80.25, name: 'Retro Speaker' });

    expect(await redis.sismember('db:category:electronics', 'mover')).toBe(0);
    expect(await redis.zscore('db:category:electronics:by_price', 'mover')).toBeNull();
    expect(await redis.zrange('db:category:electronics:by_name', 0, '-1')).not.toContainEqual(
      expect.stringContaining('mover'),
    );
    expect(await redis.sismember('db:category:audio', 'mover')).toBe(1);
    expect(Number(await redis.zscore('db:category:audio:by_price', 'mover'))).toBe(80.25);
    expect(Number(await redis.zscore('db:products:by_price', 'mover'))).toBe(80.25);
    const nameIndex = await redis.zrange('db:products:by_name', 0, '-1');
    const moverEntries = nameIndex.filter((m) => m.endsWith('\u0000mover')).sort();
    expect(moverEntries).toEqual(['retro\u0000mover', 'speaker\u0000mover']);
    expect(await catalog.searchByName('vintage')).toEqual([]);
    expect((await catalog.searchByName('retro')).map((p) => p.id)).toEqual(['mover']);
    expect((await catalog.byCategory('electronics')).products.map((p) => p.id)).toEqual(['prod1', 'prod2']);
    expect((await catalog.byCategory('audio', { sort: 'price' })).products.map((p) => p.id)).toEqual([
      'mover',
      'prod3',
    ]);
    expect(await catalog.checkConsistency()).toEqual({ ok: true, products: 4, problems: [] });
  });

  it('every write bumps the product version in the same script; versioned reads carry it', async () => {
    await catalog.create(product({ id: 'ver', name: 'Lamp' }));
    await catalog.update('ver', { price: 3 });
    expect(await catalog.fenceVersion('ver')).toBe(2);
    expect(await catalog.getManyVersioned(['ver', 'none'])).toEqual([
      { product: product({ id: 'ver', name: 'Lamp', price: 3 }), version: 2 },
      null,
    ]);
    await catalog.remove('ver');
    expect(await catalog.fenceVersion('ver')).toBe(3);
    await catalog.upsert(product({ id: 'ver', name: 'Lamp' }));
    expect((await catalog.getManyVersioned(['ver']))[0]?.version).toBe(4);
    expect(catalog.source).toBe('redis_db');
  });

  it('remove deletes the product and every index entry; the emptied category disappears', async () => {
    await catalog.create(product({ id: 'solo', name: 'Garden Hose', category: 'garden' }));
    expect(await catalog.remove('solo')).toBe(true);
    expect(await catalog.remove('solo')).toBe(false);
    // Only the version survives: a re-created 'solo' continues above every version it had.
    expect(await redis.keys('*')).toEqual(['db:versions']);
    expect(await redis.hget('db:versions', 'solo')).toBe('2');
    expect(await catalog.categories()).toEqual([]);
    expect(writes).toEqual(['solo', 'solo']);
  });

  it('concurrent updates of one product leave it and its indexes consistent', async () => {
    await catalog.seedIfEmpty();
    const categories = ['electronics', 'audio', 'books', 'toys'];
    const patches = Array.from({ length: 40 }, (_, i) => ({
      category: categories[i % categories.length],
      price: 100 + i,
      name: `Variant ${i} Edition${i % 3}`,
    }));
    const results = await Promise.all(patches.map((patch) => catalog.update('prod1', patch)));
    expect(results).toHaveLength(40);
    const final = await catalog.get('prod1', { consistent: true });
    const winner = patches.find((p) => p.price === final?.price);
    expect(final).toMatchObject({ ...winner, id: 'prod1', features: seedProducts[0]?.features });
    expect(await catalog.checkConsistency()).toEqual({ ok: true, products: 3, problems: [] });
    expect(writes.filter((id) => id === 'prod1')).toHaveLength(41);
  });

  it('concurrent patches of different fields all survive (each re-applies on the latest value)', async () => {
    await catalog.create(product({ id: 'multi', in_stock: false }));
    await Promise.all([
      catalog.update('multi', { price: 99 }),
      catalog.update('multi', { name: 'Floor Lamp' }),
      catalog.update('multi', { in_stock: true }),
      catalog.update('multi', { features: ['Dimmable'] }),
      catalog.update('multi', { category: 'lighting' }),
    ]);
    expect(await catalog.get('multi', { consistent: true })).toStrictEqual({
      id: 'multi',
      name: 'Floor Lamp',
      price: 99,
      category: 'lighting',
      in_stock: true,
      features: ['Dimmable'],
    });
    expect((await catalog.checkConsistency()).ok).toBe(true);
  });

  it('concurrent create of one id: exactly one wins, the others conflict', async () => {
    const outcomes = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => catalog.create(product({ id: 'race', price: i }))),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    for (const o of outcomes.filter((o) => o.status === 'rejected')) {
      expect((o as PromiseRejectedResult).reason).toBeInstanceOf(ConflictError);
    }
    expect((await catalog.checkConsistency()).ok).toBe(true);
  });

  it('a throwing onWrite listener does not fail the write', async () => {
    const noisy = createCatalog({
      connections,
      keys,
      onWrite: () => {
        throw new Error('listener broke');
      },
    });
    await expect(noisy.create(product({ id: 'n1' }))).resolves.toMatchObject({ id: 'n1' });
  });
});

describe('consistency checker', () => {
  it('reports stale, missing and orphan entries in every index', async () => {
    await catalog.seedIfEmpty();
    await redis.sadd('db:category:books', 'prod1');
    await redis.zadd('db:products:by_price', 1, 'prod2');
    await redis.zrem('db:category:electronics:by_price', 'prod1');
    await redis.zadd('db:products:by_name', 0, 'ghost\u0000prod9');
    await redis.set('db:product:orphan', '{"id":"orphan"}');
    await redis.sadd('db:products', 'vanished');
    await redis.srem('db:categories', 'audio');
    await redis.sadd('db:categories', 'garden');
    const report = await catalog.checkConsistency();
    expect(report.ok).toBe(false);
    expect(report.products).toBe(4);
    const text = report.problems.join('\n');
    expect(text).toContain('db:category:books holds "prod1"');
    expect(text).toContain('db:products:by_price scores "prod2" 1');
    expect(text).toContain('db:category:electronics:by_price is missing "prod1"');
    expect(text).toContain('db:products:by_name holds a stale entry');
    expect(text).toContain('db:product:orphan exists but is not in db:products');
    expect(text).toContain('db:products lists "vanished"');
    expect(text).toContain('db:categories is missing "audio"');
    expect(text).toContain('db:categories lists "garden", which has no product');
  });

  it('caps the problem list', async () => {
    await redis.sadd('db:products', ...Array.from({ length: 300 }, (_, i) => `gone${i}`));
    const report = await catalog.checkConsistency();
    expect(report.problems).toHaveLength(201);
    expect(report.problems.at(-1)).toBe('… and 100 more');
  });
});

describe('read routing', () => {
  it('reads go to reader() unless { consistent: true } asks for the writer', async () => {
    const other = new Redis(server.url, { db: 1 });
    try {
      const routed = createCatalog({
        connections: {
          writer: connections.writer,
          reader: () => other,
          isCluster: false,
        } as unknown as RedisConnections,
        keys,
      });
      await routed.create(product({ id: 'fresh' }));
      expect(await routed.get('fresh')).toBeNull();
      expect(await routed.get('fresh', { consistent: true })).toMatchObject({ id: 'fresh' });
      expect(await routed.count()).toBe(0);
      expect(await routed.count({ consistent: true })).toBe(1);
    } finally {
      other.disconnect();
    }
  });
});

describe('bulk load', () => {
  it('loads 10,000 products and serves correct category and price pages', async () => {
    const products = generateProducts(10_000, { seed: 11 });
    expect(await catalog.seedIfEmpty(products)).toBe(10_000);
    expect(await catalog.count()).toBe(10_000);
    expect(writes).toHaveLength(10_000);

    const electronics = products.filter((p) => p.category === 'electronics');
    const cheapest = [...electronics].sort((a, b) => a.price - b.price || byId(a, b));
    const page = await catalog.byCategory('electronics', { sort: 'price', offset: 40, limit: 20 });
    expect(page.count).toBe(electronics.length);
    expect(page.products.map((p) => p.price)).toEqual(cheapest.slice(40, 60).map((p) => p.price));
    expect(page.products).toHaveLength(20);
    for (const p of page.products) expect(p.category).toBe('electronics');

    const dearest = await catalog.byCategory('electronics', { sort: '-price', limit: 20 });
    expect(dearest.products.map((p) => p.price)).toEqual(
      cheapest
        .slice(-20)
        .reverse()
        .map((p) => p.price),
    );

    const inRange = products
      .filter((p) => p.price >= 100 && p.price <= 200)
      .sort((a, b) => a.price - b.price || byId(a, b));
    const pricePage = await catalog.byPrice({ min: 100, max: 200, offset: 20, limit: 20 });
    expect(pricePage.count).toBe(inRange.length);
    expect(pricePage.products.map((p) => p.price)).toEqual(inRange.slice(20, 40).map((p) => p.price));

    const books = products.filter((p) => p.category === 'books');
    const byName = await catalog.byCategory('books', { sort: 'name', limit: 20 });
    const names = byName.products.map((p) => p.name.toLowerCase());
    expect(names).toEqual([...names].sort());
    expect(names[0]).toBe(books.map((p) => p.name.toLowerCase()).sort()[0]);

    const found = await catalog.searchByName('smartph', { limit: 100 });
    expect(found.length).toBe(Math.min(100, products.filter((p) => /smartphone/i.test(p.name)).length));
    for (const p of found) expect(p.name).toMatch(/Smartphone/);

    expect(await catalog.checkConsistency()).toEqual({ ok: true, products: 10_000, problems: [] });
  });
});

describe('Redis failures', () => {
  it('maps an out-of-memory refusal to StoreFullError and changes nothing', async () => {
    await catalog.seedIfEmpty();
    await redis.config('SET', 'maxmemory', '1');
    await redis.config('SET', 'maxmemory-policy', 'noeviction');
    try {
      await expect(catalog.create(product({ id: 'new1' }))).rejects.toBeInstanceOf(StoreFullError);
      await expect(catalog.update('prod1', { category: 'audio', price: 1 })).rejects.toBeInstanceOf(
        StoreFullError,
      );
      await expect(catalog.seedIfEmpty([])).resolves.toBe(0);
    } finally {
      await redis.config('SET', 'maxmemory', '0');
    }
    expect(await catalog.get('prod1')).toStrictEqual(seedProducts[0]);
    expect(await catalog.checkConsistency()).toEqual({ ok: true, products: 3, problems: [] });
  });

  it('maps an unreachable server to CacheUnavailableError, and still checks ids first', async () => {
    const doomed = await startRedis();
    const doomedConnections = createConnections(
      { kind: 'standalone', url: doomed.url },
      { commandTimeoutMs: 300 },
    );
    try {
      const unreachable = createCatalog({ connections: doomedConnections, keys });
      await unreachable.create(product({ id: 'x1' }));
      await doomed.stop();
      await expect(unreachable.get('x1')).rejects.toBeInstanceOf(CacheUnavailableError);
      await expect(unreachable.update('x1', { price: 2 })).rejects.toBeInstanceOf(CacheUnavailableError);
      await expect(unreachable.get('bad id')).rejects.toBeInstanceOf(InvalidIdError);
    } finally {
      await doomedConnections.close();
    }
  });
});

describe('Redis Cluster', () => {
  it('keeps every catalog key in the {db} slot so the scripts and pipelines work', async () => {
    const cluster = await startCluster({ masters: 3, replicasPerMaster: 0 });
    const clusterConnections = createConnections({
      kind: 'cluster',
      nodes: cluster.masters.map((m) => ({ host: m.host, port: m.port })),
    });
    try {
      const clusterKeys = createKeyspace({ cluster: true });
      const clustered = createCatalog({ connections: clusterConnections, keys: clusterKeys });
      const products = generateProducts(300, { seed: 5 });
      expect(await clustered.seedIfEmpty(products)).toBe(300);
      const first = products[0] as Product;
      const moved = await clustered.update(first.id, {
        category: first.category === 'toys' ? 'books' : 'toys',
        price: 1.25,
        name: 'Cluster Kite',
      });
      expect((await clustered.searchByName('kite', { consistent: true })).map((p) => p.id)).toEqual([
        first.id,
      ]);
      const page = await clustered.byCategory(moved.category, { sort: 'price', limit: 1, consistent: true });
      expect(page.products[0]?.id).toBe(first.id);
      expect((await clustered.byPrice({ max: 1.25, consistent: true })).products.map((p) => p.id)).toEqual([
        first.id,
      ]);
      expect(await clustered.remove(products[1]?.id as string)).toBe(true);
      expect(await clustered.count({ consistent: true })).toBe(299);
      expect(await clustered.checkConsistency()).toEqual({ ok: true, products: 299, problems: [] });
      const node = cluster.masters[0]?.client() as Redis;
      const slot = await node.cluster('KEYSLOT', clusterKeys.products());
      expect(await node.cluster('KEYSLOT', `${clusterKeys.category('toys')}:by_price`)).toBe(slot);
      expect(await node.cluster('KEYSLOT', clusterKeys.product(first.id))).toBe(slot);
    } finally {
      await clusterConnections.close();
      await cluster.destroy();
    }
  });
});
