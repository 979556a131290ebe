import type { Catalog, Product } from '@app/redis-core';

/**
 * The filtered listing behind GET /api/db/products. The catalog's indexes answer one filter
 * each (category set, price sorted set); combining them (category + price range, or name order
 * over a price range) is done in memory over at most MAX_SCAN products, and the whole answer
 * is kept in the query cache, so the combination is paid once per catalog version.
 */
export interface ProductFilter {
  category?: string | undefined;
  min?: number | undefined;
  max?: number | undefined;
  sort?: 'price' | '-price' | 'name' | undefined;
  offset: number;
  limit: number;
}

export interface ProductPage {
  count: number;
  products: Product[];
  nextOffset: number | null;
}

export const MAX_SCAN = 10_000;
/** The catalog's largest page (MAX_PAGE_LIMIT in @app/redis-core). */
const PAGE = 1000;

/** Reads consecutive pages until everything (or MAX_SCAN products) is in hand. */
async function collect(
  fetch: (offset: number, limit: number) => Promise<{ count: number; products: Product[] }>,
) {
  const all: Product[] = [];
  for (;;) {
    const r = await fetch(all.length, PAGE);
    all.push(...r.products);
    if (r.products.length === 0 || all.length >= Math.min(r.count, MAX_SCAN)) return all.slice(0, MAX_SCAN);
  }
}

const byName = (a: Product, b: Product) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id);

function page(all: Product[], offset: number, limit: number): ProductPage {
  const products = all.slice(offset, offset + limit);
  return { count: all.length, products, nextOffset: next(offset, products.length, all.length) };
}

function next(offset: number, got: number, count: number): number | null {
  return got > 0 && offset + got < count ? offset + got : null;
}

export async function queryProducts(catalog: Catalog, f: ProductFilter): Promise<ProductPage> {
  const priceFiltered = f.min !== undefined || f.max !== undefined;
  if (f.category !== undefined) {
    if (!priceFiltered) {
      const r = await catalog.byCategory(f.category, {
        offset: f.offset,
        limit: f.limit,
        sort: f.sort ?? 'price',
      });
      return { count: r.count, products: r.products, nextOffset: next(f.offset, r.products.length, r.count) };
    }
    const category = f.category;
    const all = await collect((offset, limit) =>
      catalog.byCategory(category, { offset, limit, sort: f.sort ?? 'price' }),
    );
    const inRange = all.filter(
      (p) => (f.min === undefined || p.price >= f.min) && (f.max === undefined || p.price <= f.max),
    );
    return page(inRange, f.offset, f.limit);
  }
  if (f.sort === 'name') {
    const all = await collect((offset, limit) => catalog.byPrice({ min: f.min, max: f.max, offset, limit }));
    return page(all.sort(byName), f.offset, f.limit);
  }
  const r = await catalog.byPrice({
    min: f.min,
    max: f.max,
    offset: f.offset,
    limit: f.limit,
    desc: f.sort === '-price',
  });
  return { count: r.count, products: r.products, nextOffset: next(f.offset, r.products.length, r.count) };
}

/** Cursors are opaque to clients (base64url of the offset) so the paging scheme may change. */
export function encodeCursor(offset: number): string {
  return Buffer.from(`o:${offset}`).toString('base64url');
}

export function decodeCursor(cursor: string | undefined): number | null {
  if (cursor === undefined) return 0;
  const match = /^o:(\d{1,9})$/.exec(Buffer.from(cursor, 'base64url').toString());
  return match?.[1] === undefined ? null : Number(match[1]);
}
