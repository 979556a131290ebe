import {
  type Catalog,
  DEFAULT_PAGE_LIMIT,
  DEFAULT_SEARCH_LIMIT,
  NotFoundError,
  type Product,
  type ProductInput,
  parseCategoryOptions,
  parseListOptions,
  parsePriceOptions,
  parseProduct,
  parseProductPatch,
  parseReadOptions,
  parseSearchOptions,
  seedProducts,
  ValidationError,
  validateCategory,
  validateId,
} from '@app/redis-core';
import type pg from 'pg';
import { guardDatabase as guard } from './errors.js';
import {
  PRODUCT_COLUMNS,
  type ProductRow,
  productOfRow,
  productParams,
  type VersionedProduct,
  versionedOfRow,
} from './product-row.js';

/** The catalog interface, plus the reads that carry each row's version (for fenced fills). */
export interface PostgresCatalog extends Catalog {
  readonly source: 'postgres';
  getVersioned(id: string): Promise<VersionedProduct | null>;
  getManyVersioned(ids: string[], opts?: { consistent?: boolean }): Promise<(VersionedProduct | null)[]>;
  /** The row's version, or (deleted / never written) one above every version given so far. */
  fenceVersion(id: string): Promise<number>;
  /** Products after `afterId` in id order, for a bulk warm that walks the table in pages. */
  pageVersioned(opts: { afterId?: string; limit: number }): Promise<VersionedProduct[]>;
}

export interface PostgresCatalogDeps {
  pool: pg.Pool;
  /** Awaited before each call (the migrations); absent = the schema is already there. */
  ready?: () => Promise<void>;
  /** Called after every successful write with the product's id (as the Redis store does). */
  onWrite?: (id: string) => void;
}

const SEED_LOCK = "hashtext('catalog-seed')";
const sortOrder = {
  price: 'price, id',
  '-price': 'price DESC, id DESC',
  name: 'lower(name) COLLATE "C", id',
};

/** Query words for to_tsquery: letters and digits only, so user input cannot inject tsquery syntax. */
function queryWords(q: string): string[] {
  return [
    ...new Set(
      q
        .toLowerCase()
        .split(/[^\p{L}\p{N}]+/u)
        .filter((w) => w.length > 0),
    ),
  ];
}

export function createPostgresCatalog(deps: PostgresCatalogDeps): PostgresCatalog {
  const { pool } = deps;
  const ready = deps.ready ?? (() => Promise.resolve());
  // Every call goes through guard (pg errors → coded errors) after the schema is known to exist.
  const run = <T>(what: string, work: () => Promise<T>) =>
    guard(what, async () => {
      await ready();
      return work();
    });
  const rows = async (what: string, sql: string, params: unknown[] = []) =>
    run(what, async () => (await pool.query<ProductRow>(sql, params)).rows);
  const countOf = async (what: string, sql: string, params: unknown[] = []) =>
    run(what, async () => Number((await pool.query<{ n: string }>(sql, params)).rows[0]?.n ?? 0));
  const notify = (id: string) => {
    // A failing listener must not turn a committed write into an error.
    try {
      const result: unknown = deps.onWrite?.(id);
      if (result instanceof Promise) result.catch(() => {});
    } catch {}
  };

  async function getManyVersioned(
    ids: string[],
    opts?: { consistent?: boolean },
  ): Promise<(VersionedProduct | null)[]> {
    if (!Array.isArray(ids)) throw new ValidationError('ids must be an array');
    parseReadOptions(opts);
    const valid = ids.map((id) => validateId(id));
    if (valid.length === 0) return [];
    const found = await rows('get products', `SELECT ${PRODUCT_COLUMNS} FROM products WHERE id = ANY($1)`, [
      valid,
    ]);
    const byId = new Map(found.map((r) => [r.id, versionedOfRow(r)]));
    return valid.map((id) => byId.get(id) ?? null);
  }

  async function getVersioned(id: string): Promise<VersionedProduct | null> {
    const valid = validateId(id);
    const [row] = await rows('get product', `SELECT ${PRODUCT_COLUMNS} FROM products WHERE id = $1`, [valid]);
    return row ? versionedOfRow(row) : null;
  }

  return {
    source: 'postgres',

    async fenceVersion(id) {
      const valid = validateId(id);
      // A deleted id has no row: the sequence's position is above every version its rows had,
      // and a later re-insert draws above it, so that fence refuses the old rows only.
      return countOf(
        'read product version',
        `SELECT COALESCE((SELECT version FROM products WHERE id = $1),
                         (SELECT last_value + 1 FROM product_version_seq)) AS n`,
        [valid],
      );
    },

    async get(id, opts) {
      parseReadOptions(opts);
      return (await getVersioned(id))?.product ?? null;
    },

    getVersioned,

    async getMany(ids, opts) {
      return (await getManyVersioned(ids, opts)).map((v) => v?.product ?? null);
    },

    getManyVersioned,

    async pageVersioned({ afterId, limit }) {
      const found = await rows(
        'page products',
        `SELECT ${PRODUCT_COLUMNS} FROM products WHERE $1::text IS NULL OR id > $1 ORDER BY id LIMIT $2`,
        [afterId === undefined ? null : validateId(afterId), limit],
      );
      return found.map(versionedOfRow);
    },

    async list(opts) {
      const o = parseListOptions(opts);
      const offset = o.offset ?? 0;
      const [count, ids] = await Promise.all([
        countOf('count products', 'SELECT count(*) AS n FROM products'),
        run('list products', async () =>
          (
            await pool.query<{ id: string }>('SELECT id FROM products ORDER BY id OFFSET $1 LIMIT $2', [
              offset,
              o.limit ?? null,
            ])
          ).rows.map((r) => r.id),
        ),
      ]);
      return { count, ids };
    },

    async byCategory(category, opts) {
      const c = validateCategory(category);
      const o = parseCategoryOptions(opts);
      const order = o.sort === undefined ? 'id' : sortOrder[o.sort];
      const [count, page] = await Promise.all([
        countOf('count category', 'SELECT count(*) AS n FROM products WHERE category = $1', [c]),
        rows(
          'list category',
          `SELECT ${PRODUCT_COLUMNS} FROM products WHERE category = $1 ORDER BY ${order} OFFSET $2 LIMIT $3`,
          [c, o.offset ?? 0, o.limit ?? DEFAULT_PAGE_LIMIT],
        ),
      ]);
      return { category: c, count, products: page.map(productOfRow) };
    },

    async byPrice(opts) {
      const o = parsePriceOptions(opts);
      const range = [o.min ?? null, o.max ?? null];
      const where = '($1::numeric IS NULL OR price >= $1) AND ($2::numeric IS NULL OR price <= $2)';
      const [count, page] = await Promise.all([
        countOf('count by price', `SELECT count(*) AS n FROM products WHERE ${where}`, range),
        rows(
          'list by price',
          `SELECT ${PRODUCT_COLUMNS} FROM products WHERE ${where} ORDER BY ${o.desc ? sortOrder['-price'] : sortOrder.price} OFFSET $3 LIMIT $4`,
          [...range, o.offset ?? 0, o.limit ?? DEFAULT_PAGE_LIMIT],
        ),
      ]);
      return { count, products: page.map(productOfRow) };
    },

    async searchByName(q, opts) {
      if (typeof q !== 'string' || q.length > 200)
        throw new ValidationError('search query must be a string of at most 200 characters');
      const o = parseSearchOptions(opts);
      const limit = o.limit ?? DEFAULT_SEARCH_LIMIT;
      const words = queryWords(q);
      if (words.length === 0 || limit === 0) return [];
      const tsquery = words.map((w) => `${w}:*`).join(' & ');
      const found = await rows(
        'search products',
        `SELECT ${PRODUCT_COLUMNS} FROM products WHERE to_tsvector('simple', name) @@ to_tsquery('simple', $1)
         ORDER BY ${sortOrder.name} LIMIT $2`,
        [tsquery, limit],
      );
      return found.map(productOfRow);
    },

    async categories(opts) {
      parseReadOptions(opts);
      return run('list categories', async () =>
        (
          await pool.query<{ category: string; n: string }>(
            'SELECT category, count(*) AS n FROM products GROUP BY category ORDER BY category',
          )
        ).rows.map((r) => ({ category: r.category, count: Number(r.n) })),
      );
    },

    async upsert(input) {
      const product = parseProduct(input);
      const {
        rows: [row],
      } = await run('save product', () =>
        pool.query<{ created: boolean }>(
          `INSERT INTO products (id, name, price, category, in_stock, features) VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, price = EXCLUDED.price, category = EXCLUDED.category,
             in_stock = EXCLUDED.in_stock, features = EXCLUDED.features
           RETURNING (xmax = 0) AS created`,
          productParams(product),
        ),
      );
      notify(product.id);
      return { product, created: row?.created === true };
    },

    async create(input) {
      const product = parseProduct(input);
      await run(`create product "${product.id}"`, () =>
        pool.query(
          'INSERT INTO products (id, name, price, category, in_stock, features) VALUES ($1, $2, $3, $4, $5, $6)',
          productParams(product),
        ),
      );
      notify(product.id);
      return product;
    },

    async update(id, patchInput) {
      const valid = validateId(id);
      const patch = parseProductPatch(patchInput);
      if (patch.id !== undefined && patch.id !== valid)
        throw new ValidationError(`the id of product "${valid}" cannot be changed`);
      // Each field is validated on its own and none depends on another, so COALESCE merges safely
      // in one statement (concurrent partial updates of one row all apply, under its row lock).
      const [row] = await rows(
        'update product',
        `UPDATE products SET name = COALESCE($2, name), price = COALESCE($3, price), category = COALESCE($4, category),
           in_stock = COALESCE($5, in_stock), features = COALESCE($6, features)
         WHERE id = $1 RETURNING ${PRODUCT_COLUMNS}`,
        [
          valid,
          patch.name ?? null,
          patch.price ?? null,
          patch.category ?? null,
          patch.in_stock ?? null,
          patch.features === undefined ? null : JSON.stringify(patch.features),
        ],
      );
      if (!row) throw new NotFoundError(`product "${valid}" not found`);
      notify(valid);
      return productOfRow(row);
    },

    async remove(id) {
      const valid = validateId(id);
      const removed = await rows('delete product', 'DELETE FROM products WHERE id = $1 RETURNING id', [
        valid,
      ]);
      if (removed.length > 0) notify(valid);
      return removed.length > 0;
    },

    async count(opts) {
      parseReadOptions(opts);
      return countOf('count products', 'SELECT count(*) AS n FROM products');
    },

    async seedIfEmpty(products = seedProducts) {
      const parsed: Product[] = products.map((p: ProductInput) => parseProduct(p));
      const written = await run('seed catalog', async () => {
        const client = await pool.connect();
        try {
          await client.query('BEGIN');
          // API and worker may both start on an empty table: one seeds, the other finds it full.
          await client.query(`SELECT pg_advisory_xact_lock(${SEED_LOCK})`);
          const { rows: any } = await client.query('SELECT 1 FROM products LIMIT 1');
          if (any.length > 0 || parsed.length === 0) {
            await client.query('COMMIT');
            return 0;
          }
          await client.query(
            `INSERT INTO products (id, name, price, category, in_stock, features)
             SELECT * FROM unnest($1::text[], $2::text[], $3::numeric[], $4::text[], $5::boolean[], $6::jsonb[])`,
            [0, 1, 2, 3, 4, 5].map((i) => parsed.map((p) => productParams(p)[i])),
          );
          await client.query('COMMIT');
          return parsed.length;
        } catch (err) {
          await client.query('ROLLBACK').catch(() => {});
          throw err;
        } finally {
          client.release();
        }
      });
      for (const p of written > 0 ? parsed : []) notify(p.id);
      return written;
    },

    async checkConsistency() {
      // The database keeps its own indexes; what can drift is the versioning the cache relies on.
      return run('check catalog consistency', async () => {
        const {
          rows: [r],
        } = await pool.query<{ products: string; ahead: string; trigger: boolean; publication: boolean }>(
          `SELECT (SELECT count(*) FROM products) AS products,
                  (SELECT count(*) FROM products WHERE version > (SELECT last_value FROM product_version_seq)) AS ahead,
                  EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'products_stamp' AND tgenabled <> 'D') AS trigger,
                  EXISTS (SELECT 1 FROM pg_publication_tables WHERE pubname = 'products_changes' AND tablename = 'products') AS publication`,
        );
        const problems: string[] = [];
        if (!r?.trigger)
          problems.push('trigger products_stamp is missing or disabled: versions no longer advance');
        if (!r?.publication) problems.push('publication products_changes does not cover products');
        if (Number(r?.ahead ?? 0) > 0) problems.push(`${r?.ahead} rows have a version above the sequence`);
        return { ok: problems.length === 0, products: Number(r?.products ?? 0), problems };
      });
    },
  };
}
