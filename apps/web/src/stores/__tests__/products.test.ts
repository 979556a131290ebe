import { describe, expect, it } from 'vitest';
import { smartphone } from '../../testing/fixtures.js';
import { setupApp } from '../../testing/setup-app.js';
import { useProductsStore } from '../products.js';
import { useSettingsStore } from '../settings.js';

const laptop = { ...smartphone, id: 'prod2', name: 'Laptop Pro', price: 1299, category: 'computers' };

describe('products store', () => {
  it('lists with filters and follows next_cursor', async () => {
    const { fake } = setupApp();
    fake.on('GET /api/db/products', (call) =>
      call.query.get('cursor')
        ? { body: { count: 2, products: [laptop], next_cursor: null, source: 'cache', response_time: 0.5 } }
        : {
            body: {
              count: 2,
              products: [smartphone],
              next_cursor: 'c1',
              source: 'database',
              response_time: 4,
            },
          },
    );
    const products = useProductsStore();
    products.filters = { category: ' Electronics ', min: 100, max: null, sort: '-price' };
    await products.load();
    expect(Object.fromEntries(fake.callsTo('GET /api/db/products')[0]!.query)).toEqual({
      category: 'electronics',
      min: '100',
      sort: '-price',
      limit: '10',
    });
    expect(products.nextCursor).toBe('c1');
    await products.loadMore();
    expect(products.products.map((p) => p.id)).toEqual(['prod1', 'prod2']);
    expect(products.source).toBe('cache');
    expect(products.categories).toEqual(['computers', 'electronics']);
  });

  it('creates, updates and deletes as admin, reloading the list after each', async () => {
    const { fake } = setupApp();
    fake.on('GET /api/db/products', {
      body: { count: 0, products: [], next_cursor: null, source: 'database', response_time: 1 },
    });
    fake.on('POST /api/db/add', { status: 201, body: { message: 'ok', product: laptop, created: true } });
    fake.on('PUT /api/db/product/prod2', { body: { data: laptop } });
    fake.on('DELETE /api/db/product/prod2', { body: { deleted: true } });
    useSettingsStore().setToken('tok');
    const products = useProductsStore();
    expect(await products.create(laptop)).toBe(true);
    const { id: _id, ...patch } = laptop;
    expect(await products.update('prod2', { ...patch, price: 999 })).toBe(true);
    expect(await products.remove('prod2')).toBe(true);
    expect(fake.callsTo('POST /api/db/add')[0]?.body).toEqual(laptop);
    expect(fake.callsTo('PUT /api/db/product/prod2')[0]?.body).toMatchObject({ price: 999 });
    expect(fake.callsTo('DELETE /api/db/product/prod2')[0]?.headers.Authorization).toBe('Bearer tok');
    expect(fake.callsTo('GET /api/db/products')).toHaveLength(3);
  });

  it('keeps a validation error from the API for the form', async () => {
    const { fake } = setupApp();
    fake.on('POST /api/db/add', {
      status: 400,
      body: { error: 'price: must be >= 0', code: 'E_VALIDATION' },
    });
    const products = useProductsStore();
    expect(await products.create({ ...laptop, price: -1 })).toBe(false);
    expect(products.saveError).toMatchObject({ code: 'E_VALIDATION', message: 'price: must be >= 0' });
  });
});

describe('products store categories', () => {
  it('loads the categories route and keeps them sorted and unique', async () => {
    const { fake } = setupApp();
    fake.on('GET /api/db/categories', {
      body: {
        categories: [
          { category: 'electronics', count: 2 },
          { category: 'books', count: 1 },
        ],
      },
    });
    const products = useProductsStore();
    products.categories = ['electronics'];
    await products.loadCategories();
    expect(products.categories).toEqual(['books', 'electronics']);
  });
});
