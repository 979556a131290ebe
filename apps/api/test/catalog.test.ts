import type { ProductsResponse, SearchResponse } from '@app/api-types';
import { cleanupAll, startTestRedis, type TestRedis } from '@app/testing';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, buildTestApi, type TestApi } from './helpers.js';

let redis: TestRedis;
let api: TestApi;

const lamp = {
  id: 'lamp1',
  name: 'Desk Lamp',
  price: 39.9,
  category: 'home',
  in_stock: true,
  features: ['LED'],
};

beforeAll(async () => {
  redis = await startTestRedis();
  api = await buildTestApi(redis);
});
afterAll(async () => {
  await api?.close();
  await cleanupAll();
});

describe('seed routes', () => {
  it('POST /api/db/add creates (201) then replaces (200), indexes kept', async () => {
    const created = await request(api.app).post('/api/db/add').set(admin).send(lamp).expect(201);
    expect(created.body).toMatchObject({ product: lamp, created: true, message: expect.any(String) });
    const replaced = await request(api.app)
      .post('/api/db/add')
      .set(admin)
      .send({ ...lamp, price: 44.5 })
      .expect(200);
    expect(replaced.body).toMatchObject({ created: false, product: { price: 44.5 } });
    // The seed's key names, hash-tagged on a cluster so the indexes share the product's slot.
    const keys = api.services.keys;
    expect(keys.product('lamp1')).toBe(redis.isCluster ? '{db}:product:lamp1' : 'db:product:lamp1');
    const client = redis.client();
    expect(JSON.parse((await client.get(keys.product('lamp1'))) as string)).toMatchObject({ price: 44.5 });
    expect(await client.sismember(keys.products(), 'lamp1')).toBe(1);
    expect(await client.sismember(keys.category('home'), 'lamp1')).toBe(1);
    expect(Number(await client.zscore(keys.productsByPrice(), 'lamp1'))).toBe(44.5);
  });

  it('POST /api/db/add answers 400 {error} without an id, on bad JSON, and 413 on a 2 MB body', async () => {
    const { id: _id, ...noId } = lamp;
    const missing = await request(api.app).post('/api/db/add').set(admin).send(noId).expect(400);
    expect(missing.body.code).toBe('E_VALIDATION');
    expect(missing.body.error).toMatch(/id/);
    const badId = await request(api.app)
      .post('/api/db/add')
      .set(admin)
      .send({ ...lamp, id: 'a:b' })
      .expect(400);
    expect(badId.body.code).toBe('E_VALIDATION');
    const bad = await request(api.app)
      .post('/api/db/add')
      .set(admin)
      .set('Content-Type', 'application/json')
      .send('{"id": "x",')
      .expect(400);
    expect(bad.body).toEqual({ error: 'malformed JSON body', code: 'E_BAD_JSON' });
    const huge = { ...lamp, features: ['x'.repeat(2 * 1024 * 1024)] };
    const tooLarge = await request(api.app).post('/api/db/add').set(admin).send(huge).expect(413);
    expect(tooLarge.body.code).toBe('E_PAYLOAD_TOO_LARGE');
  });

  it('GET /api/db/list gives {count, ids} from the index set, paged', async () => {
    const all = await request(api.app).get('/api/db/list').expect(200);
    expect(all.body.ids).toEqual(expect.arrayContaining(['prod1', 'prod2', 'prod3', 'lamp1']));
    expect(all.body.count).toBe(all.body.ids.length);
    const page = await request(api.app).get('/api/db/list?offset=1&limit=2').expect(200);
    expect(page.body.ids).toEqual(all.body.ids.slice(1, 3));
    expect(page.body.count).toBe(all.body.count);
    await request(api.app).get('/api/db/list?limit=-1').expect(400);
    await request(api.app).get('/api/db/list?limit=abc').expect(400);
  });

  it('GET /api/db/product/:id reads the database directly, 404 otherwise', async () => {
    const res = await request(api.app).get('/api/db/product/prod1').expect(200);
    expect(res.body).toEqual({ data: expect.objectContaining({ id: 'prod1' }), source: 'redis_db' });
    expect((await request(api.app).get('/api/db/product/ghost').expect(404)).body.code).toBe('E_NOT_FOUND');
    await request(api.app).get('/api/db/product/a*b').expect(400);
  });

  it('GET /api/db/category/:category sorts and pages; 404 when empty', async () => {
    const res = await request(api.app).get('/api/db/category/Electronics?sort=-price').expect(200);
    expect(res.body.category).toBe('electronics');
    expect(res.body.count).toBe(2);
    expect(res.body.products.map((p: { id: string }) => p.id)).toEqual(['prod2', 'prod1']);
    const page = await request(api.app)
      .get('/api/db/category/electronics?sort=price&limit=1&offset=1')
      .expect(200);
    expect(page.body.products.map((p: { id: string }) => p.id)).toEqual(['prod2']);
    expect((await request(api.app).get('/api/db/category/nothing-here').expect(404)).body.code).toBe(
      'E_NOT_FOUND',
    );
    await request(api.app).get('/api/db/category/bad%20cat').expect(400);
    await request(api.app).get('/api/db/category/electronics?sort=color').expect(400);
  });

  it('GET /api/db/products/by-price is cheapest first, with min/max and desc', async () => {
    const res = await request(api.app).get('/api/db/products/by-price').expect(200);
    const prices = res.body.products.map((p: { price: number }) => p.price);
    expect(prices).toEqual([...prices].sort((a, b) => a - b));
    expect(res.body.count).toBe(prices.length);
    const range = await request(api.app)
      .get('/api/db/products/by-price?min=100&max=1000&order=desc')
      .expect(200);
    expect(range.body.products.map((p: { id: string }) => p.id)).toEqual(['prod1', 'prod3']);
    const bad = await request(api.app).get('/api/db/products/by-price?min=10&max=1').expect(400);
    expect(bad.body.code).toBe('E_VALIDATION');
  });

  it('GET /api/db/categories lists non-empty categories', async () => {
    const res = await request(api.app).get('/api/db/categories').expect(200);
    expect(res.body.categories).toEqual(
      expect.arrayContaining([
        { category: 'electronics', count: 2 },
        { category: 'home', count: 1 },
      ]),
    );
  });
});

describe('writes beyond the seed', () => {
  it('PUT moves the product between category sets and in the price index, and invalidates its cache entry', async () => {
    await request(api.app).get('/api/data/prod3').expect(200); // now cached
    expect((await request(api.app).get('/api/data/prod3').expect(200)).body.source).toBe('cache');

    await request(api.app).put('/api/db/product/prod3').send({ price: 1 }).expect(401);
    const res = await request(api.app)
      .put('/api/db/product/prod3')
      .set(admin)
      .send({ category: 'electronics', price: 199.99 })
      .expect(200);
    expect(res.body.data).toMatchObject({
      id: 'prod3',
      category: 'electronics',
      price: 199.99,
      in_stock: false,
    });
    // Fields not in the patch are kept.
    expect(res.body.data.features).toHaveLength(3);

    const keys = api.services.keys;
    const client = redis.client();
    expect(await client.sismember(keys.category('audio'), 'prod3')).toBe(0);
    expect(await client.sismember(keys.category('electronics'), 'prod3')).toBe(1);
    expect(Number(await client.zscore(keys.productsByPrice(), 'prod3'))).toBe(199.99);

    const after = (await request(api.app).get('/api/data/prod3').expect(200)).body;
    expect(after.source).toBe('database');
    expect(after.data.price).toBe(199.99);

    await request(api.app).put('/api/db/product/prod3').set(admin).send({}).expect(400);
    await request(api.app).put('/api/db/product/prod3').set(admin).send({ id: 'other' }).expect(400);
    await request(api.app).put('/api/db/product/prod3').set(admin).send({ price: -5 }).expect(400);
    const ghost = await request(api.app)
      .put('/api/db/product/ghost')
      .set(admin)
      .send({ price: 5 })
      .expect(404);
    expect(ghost.body.code).toBe('E_NOT_FOUND');
  });

  it('search and filtered listing go through the query cache, and a write invalidates them', async () => {
    const first = (await request(api.app).get('/api/db/search?q=desk').expect(200)).body as SearchResponse;
    expect(first).toMatchObject({ query: 'desk', count: 1, source: 'database' });
    expect(first.products[0]?.id).toBe('lamp1');
    const second = (await request(api.app).get('/api/db/search?q=DESK').expect(200)).body as SearchResponse;
    expect(second.source).toBe('cache');

    const list1 = (await request(api.app).get('/api/db/products?category=electronics&max=1000').expect(200))
      .body as ProductsResponse;
    expect(list1.source).toBe('database');
    expect(list1.products.map((p) => p.id)).toEqual(['prod3', 'prod1']);
    expect(list1.next_cursor).toBeNull();
    const list2 = (await request(api.app).get('/api/db/products?category=electronics&max=1000').expect(200))
      .body as ProductsResponse;
    expect(list2.source).toBe('cache');

    await request(api.app)
      .post('/api/db/add')
      .set(admin)
      .send({ id: 'desk2', name: 'Desk Chair', price: 120, category: 'home' })
      .expect(201);
    const after = (await request(api.app).get('/api/db/search?q=desk').expect(200)).body as SearchResponse;
    expect(after.source).toBe('database');
    expect(after.products.map((p) => p.id).sort()).toEqual(['desk2', 'lamp1']);

    await request(api.app).get('/api/db/search').expect(400);
    await request(api.app).get('/api/db/products?min=5&max=1').expect(400);
    await request(api.app).get('/api/db/products?cursor=not-a-cursor!').expect(400);
  });

  it('GET /api/db/products pages with an opaque cursor', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const url: string = `/api/db/products?sort=name&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const body = (await request(api.app).get(url).expect(200)).body as ProductsResponse;
      seen.push(...body.products.map((p) => p.name));
      cursor = body.next_cursor;
      pages++;
    } while (cursor && pages < 10);
    const total = (await request(api.app).get('/api/db/list').expect(200)).body.count as number;
    expect(seen).toHaveLength(total);
    expect(seen).toEqual([...seen].sort((a, b) => a.localeCompare(b)));
  });

  it('DELETE removes the product and its index entries; 404 the second time', async () => {
    await request(api.app).get('/api/data/lamp1').expect(200);
    expect((await request(api.app).delete('/api/db/product/lamp1').set(admin).expect(200)).body).toEqual({
      deleted: true,
    });
    const keys = api.services.keys;
    const client = redis.client();
    expect(await client.exists(keys.product('lamp1'))).toBe(0);
    expect(await client.sismember(keys.category('home'), 'lamp1')).toBe(0);
    expect(await client.zscore(keys.productsByPrice(), 'lamp1')).toBeNull();
    await request(api.app).get('/api/data/lamp1').expect(404);
    await request(api.app).delete('/api/db/product/lamp1').set(admin).expect(404);
    const consistency = await api.services.catalog.checkConsistency();
    expect(consistency.problems).toEqual([]);
  });
});

describe('with the near cache on (NEAR_CACHE)', () => {
  it('serves repeated reads and still sees a write made through another API instance', async () => {
    const near = await buildTestApi(redis, { NEAR_CACHE: 'true' }, { seed: false });
    try {
      await request(near.app).get('/api/data/prod2').expect(200);
      await request(near.app).get('/api/data/prod2').expect(200);
      // On a cluster the near cache stays off (and says so); the write is still seen at once.
      expect((await request(near.app).get('/api/config').expect(200)).body.near_cache).toBe(!redis.isCluster);
      // The write goes through the other instance: only Redis can tell this one.
      await request(api.app).put('/api/db/product/prod2').set(admin).send({ price: 1234.5 }).expect(200);
      let price = 0;
      for (let i = 0; i < 40 && price !== 1234.5; i++) {
        price = (await request(near.app).get('/api/data/prod2').expect(200)).body.data.price;
        if (price !== 1234.5) await new Promise((r) => setTimeout(r, 50));
      }
      expect(price).toBe(1234.5);
    } finally {
      await near.close();
    }
  });

  it('answers many concurrent hits (sent together from one immediate) each with its own product', async () => {
    const near = await buildTestApi(redis, { NEAR_CACHE: 'true' }, { seed: false });
    try {
      const ids = (
        (await request(api.app).get('/api/db/list?limit=4').expect(200)).body.ids as string[]
      ).slice(0, 4);
      expect(ids.length).toBe(4);
      for (const id of ids) await request(near.app).get(`/api/data/${id}`).expect(200);
      const asked = Array.from({ length: 40 }, (_, i) => ids[(i * 7) % ids.length]!);
      const answers = await Promise.all(
        asked.map((id) => request(near.app).get(`/api/data/${id}`).expect(200)),
      );
      expect(answers.map((a) => a.body.data.id)).toEqual(asked);
      expect(answers.every((a) => a.body.source === 'cache')).toBe(true);
    } finally {
      await near.close();
    }
  });
});
