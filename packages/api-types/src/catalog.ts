import type { CacheSource, Product } from './common.js';

/** POST /api/db/add body: a product with an id (missing fields take the schema defaults). */
export interface AddProductRequest {
  id: string;
  name: string;
  price: number;
  category: string;
  in_stock?: boolean;
  features?: string[];
}

/** POST /api/db/add: 201 when created, 200 when it replaced an existing product. */
export interface AddProductResponse {
  message: string;
  product: Product;
  created: boolean;
}

/** GET /api/db/list?offset&limit */
export interface ListQuery {
  offset?: number;
  limit?: number;
}
export interface ListResponse {
  count: number;
  ids: string[];
}

/** GET /api/db/product/:id */
export interface ProductResponse {
  data: Product;
  /** The catalog's store: `redis_db` (the seed's Redis layout) or `postgres` (CATALOG_STORE=postgres). */
  source: 'redis_db' | 'postgres';
}

export type CategorySort = 'price' | '-price' | 'name';

/** GET /api/db/category/:category?sort&offset&limit */
export interface CategoryQuery {
  sort?: CategorySort;
  offset?: number;
  limit?: number;
}
export interface CategoryResponse {
  category: string;
  /** Products in the category (all of them, not only this page). */
  count: number;
  products: Product[];
}

/** GET /api/db/products/by-price?min&max&offset&limit&order */
export interface ByPriceQuery {
  min?: number;
  max?: number;
  offset?: number;
  limit?: number;
  order?: 'asc' | 'desc';
}
export interface ByPriceResponse {
  count: number;
  products: Product[];
}

/** GET /api/db/categories: non-empty categories by name. */
export interface CategoriesResponse {
  categories: { category: string; count: number }[];
}

/** PUT /api/db/product/:id body: a partial product (the id cannot change). */
export type UpdateProductRequest = Partial<Omit<Product, 'id'>>;
export interface UpdateProductResponse {
  data: Product;
}

/** DELETE /api/db/product/:id */
export interface DeleteProductResponse {
  deleted: true;
}

/** GET /api/db/search?q&limit: name prefix search through the query cache. */
export interface SearchQuery {
  q: string;
  limit?: number;
}
export interface SearchResponse {
  query: string;
  count: number;
  products: Product[];
  source: CacheSource;
  response_time: number;
}

export type ProductsSort = 'price' | '-price' | 'name';

/** GET /api/db/products?category&min&max&sort&cursor&limit: filtered listing, query-cached. */
export interface ProductsQuery {
  category?: string;
  min?: number;
  max?: number;
  sort?: ProductsSort;
  /** Opaque cursor from a previous page's `next_cursor`. */
  cursor?: string;
  limit?: number;
}
export interface ProductsResponse {
  /** Products matching the filters (all pages). */
  count: number;
  products: Product[];
  /** Pass as `cursor` for the next page; null on the last page. */
  next_cursor: string | null;
  source: CacheSource;
  response_time: number;
}
