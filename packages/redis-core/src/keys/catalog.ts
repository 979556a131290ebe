import type { Keyspace } from './index.js';

/**
 * The catalog's keys: the seed's layout from `keys`, plus two per-category sorted sets that
 * keep a category page O(log n + page) whatever the catalog size. They are derived from the
 * Keyspace's own names so they inherit its cluster hash tag (`{db}`) and every key a catalog
 * write touches stays in one slot, which the Lua scripts need.
 *
 * - `db:category:<c>:by_price`: ids of the category scored by price.
 * - `db:category:<c>:by_name`: `<normalized name>\0<id>`, all scores 0 (lex order = name order).
 *
 * Categories are `[a-z0-9_-]`, so `db:category:<c>` can never collide with these suffixes.
 */
export interface CatalogKeys {
  product(id: string): string;
  productPrefix: string;
  products: string;
  byPrice: string;
  byName: string;
  categories: string;
  categoryPrefix: string;
  category(c: string): string;
  categoryByPrice(c: string): string;
  categoryByName(c: string): string;
  /** Hash id → version, bumped by every write of the id in the same script. */
  versions: string;
}

export const CATEGORY_BY_PRICE_SUFFIX = ':by_price';
export const CATEGORY_BY_NAME_SUFFIX = ':by_name';

export function catalogKeys(keys: Keyspace): CatalogKeys {
  return {
    product: (id) => keys.product(id),
    productPrefix: keys.productPrefix,
    products: keys.products(),
    byPrice: keys.productsByPrice(),
    byName: keys.productsByName(),
    categories: keys.categories(),
    categoryPrefix: keys.categoryPrefix,
    category: (c) => keys.category(c),
    categoryByPrice: (c) => `${keys.category(c)}${CATEGORY_BY_PRICE_SUFFIX}`,
    categoryByName: (c) => `${keys.category(c)}${CATEGORY_BY_NAME_SUFFIX}`,
    versions: keys.catalogVersions(),
  };
}
