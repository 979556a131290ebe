import type { Product } from '@app/redis-core';

/** The columns every read selects, in the stored JSON's field order; numeric comes back as float8. */
export const PRODUCT_COLUMNS =
  'id, name, price::float8 AS price, category, in_stock, features, version::text AS version';

export interface ProductRow {
  id: string;
  name: string;
  price: number;
  category: string;
  in_stock: boolean;
  features: string[];
  version: string;
}

/** A product with the version the database gave its row (what fills are fenced by). */
export interface VersionedProduct {
  product: Product;
  version: number;
}

export function productOfRow(row: ProductRow): Product {
  return {
    id: row.id,
    name: row.name,
    price: row.price,
    category: row.category,
    in_stock: row.in_stock,
    features: row.features,
  };
}

export function versionedOfRow(row: ProductRow): VersionedProduct {
  return { product: productOfRow(row), version: Number(row.version) };
}

/** Parameters of an INSERT/UPDATE in column order ($1..$6). */
export function productParams(p: Product): unknown[] {
  return [p.id, p.name, p.price, p.category, p.in_stock, JSON.stringify(p.features)];
}
