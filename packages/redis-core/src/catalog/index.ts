import type { RedisClient, RedisConnections } from '../connections/index.js';
import { createReadRouting } from '../connections/read-routing.js';
import { NotFoundError, ValidationError } from '../errors.js';
import { guardRedis as guard } from '../guard.js';
import { catalogKeys } from '../keys/catalog.js';
import { type Keyspace, validateCategory, validateId } from '../keys/index.js';
import { type ConsistencyReport, checkCatalogConsistency } from './consistency.js';
import { decodeProduct, idOfMember, nameWords } from './indexes.js';
import {
  type CategoryOptions,
  DEFAULT_PAGE_LIMIT,
  DEFAULT_SEARCH_LIMIT,
  type ListOptions,
  type PriceOptions,
  parseCategoryOptions,
  parseListOptions,
  parsePriceOptions,
  parseReadOptions,
  parseSearchOptions,
  type ReadOptions,
  type SearchOptions,
} from './options.js';
import {
  type Product,
  type ProductInput,
  parseProduct,
  parseProductPatch,
  seedProducts,
  type VersionedProduct,
} from './products.js';
import { createCatalogWrites } from './writes.js';

export type { ConsistencyReport } from './consistency.js';
export { generateProducts, productCategories } from './generator.js';
export * from './options.js';
export * from './products.js';

/**
 * The catalog interface. Two stores implement it: this file's (Redis, the seed's layout, the
 * default) and @app/catalog-postgres's (CATALOG_STORE=postgres).
 */
export interface Catalog {
  /** How answers name the store: `redis_db` (the seed's word) or `postgres`. */
  readonly source: 'redis_db' | 'postgres';
  get(id: string, opts?: ReadOptions): Promise<Product | null>;
  /**
   * Products with their versions, read in one snapshot: a bulk write carries them so that an
   * entry invalidated by a newer change is refused (cache.setMany `versions`).
   */
  getManyVersioned(ids: string[], opts?: ReadOptions): Promise<(VersionedProduct | null)[]>;
  /** The version to fence `id`'s cache entry with after a write: at least that write's own. */
  fenceVersion(id: string): Promise<number>;
  /** One MGET; a missing (or damaged) product is null at its position. */
  getMany(ids: string[], opts?: ReadOptions): Promise<(Product | null)[]>;
  /** Product ids from the `db:products` set, sorted; every id unless `limit` is given. */
  list(opts?: ListOptions): Promise<{ count: number; ids: string[] }>;
  /** A category page: id order by default, or by price / name through the category's sorted sets. */
  byCategory(
    category: string,
    opts?: CategoryOptions,
  ): Promise<{ category: string; count: number; products: Product[] }>;
  /** Cheapest first (or `desc`), `min`/`max` inclusive; `count` is every product in the range. */
  byPrice(opts?: PriceOptions): Promise<{ count: number; products: Product[] }>;
  /**
   * Products with a name word starting with each word of `q` (case- and accent-insensitive),
   * in index order (matched word, then id). Walks at most 5000 index entries of the longest
   * query word, so a very broad multi-word query may return fewer than `limit`.
   */
  searchByName(q: string, opts?: SearchOptions): Promise<Product[]>;
  /** Non-empty categories with their product counts, by name. */
  categories(opts?: ReadOptions): Promise<{ category: string; count: number }[]>;
  upsert(product: ProductInput): Promise<{ product: Product; created: boolean }>;
  create(product: ProductInput): Promise<Product>;
  update(id: string, patch: unknown): Promise<Product>;
  remove(id: string): Promise<boolean>;
  count(opts?: ReadOptions): Promise<number>;
  seedIfEmpty(products?: ProductInput[]): Promise<number>;
  checkConsistency(): Promise<ConsistencyReport>;
}

export interface CatalogDeps {
  connections: RedisConnections;
  keys: Keyspace;
  /** Called after every successful write with the product's id (the API invalidates its cache entry). */
  onWrite?: (id: string) => void;
}

const MGET_CHUNK = 1000;
const SEARCH_BATCH = 200;
const SEARCH_MAX_SCANNED = 5000;

export function createCatalog(deps: CatalogDeps): Catalog {
  const { connections } = deps;
  const k = catalogKeys(deps.keys);
  // Replica reads, but a process reads its own writes (see catalog-read-routing.ts).
  const routing = createReadRouting(connections);
  const read = <T>(what: string, opts: ReadOptions | undefined, work: (client: RedisClient) => Promise<T>) =>
    guard(what, () => routing.read(opts?.consistent, work));
  const written = async <T>(result: T): Promise<T> => {
    await routing.afterWrite();
    return result;
  };

  const notify = (id: string) => {
    if (!deps.onWrite) return;
    // A failing listener must not turn a committed write into an error.
    try {
      const result: unknown = deps.onWrite(id);
      if (result instanceof Promise) result.catch(() => {});
    } catch {}
  };
  const writes = createCatalogWrites({ writer: () => connections.writer, keys: k, notify });

  /** MGET in chunks (one round trip up to 1000 ids); damaged records read as null. */
  async function fetchProducts(client: RedisClient, ids: string[]): Promise<(Product | null)[]> {
    if (ids.length === 0) return [];
    const chunks: string[][] = [];
    for (let i = 0; i < ids.length; i += MGET_CHUNK) chunks.push(ids.slice(i, i + MGET_CHUNK));
    const values = (
      await Promise.all(chunks.map((chunk) => client.mget(chunk.map((id) => k.product(id)))))
    ).flat();
    return ids.map((id, i) => {
      const raw = values[i];
      if (raw == null) return null;
      try {
        return decodeProduct(raw, id);
      } catch {
        return null;
      }
    });
  }

  const present = (products: (Product | null)[]) => products.filter((p): p is Product => p !== null);

  return {
    source: 'redis_db',

    async getManyVersioned(ids, opts) {
      if (!Array.isArray(ids)) throw new ValidationError('ids must be an array');
      const valid = ids.map((id) => validateId(id));
      const { consistent } = parseReadOptions(opts);
      if (valid.length === 0) return [];
      return read('get versioned products', { consistent }, async (client) => {
        const out: (VersionedProduct | null)[] = [];
        for (let i = 0; i < valid.length; i += MGET_CHUNK) {
          const chunk = valid.slice(i, i + MGET_CHUNK);
          // One MULTI: the JSON and its version from the same moment (same {db} slot in a cluster).
          const replies = await client
            .multi()
            .mget(chunk.map((id) => k.product(id)))
            .hmget(k.versions, ...chunk)
            .exec();
          const [[productsErr, raws], [versionsErr, versions]] = replies as [
            [Error | null, (string | null)[]],
            [Error | null, (string | null)[]],
          ];
          if (productsErr || versionsErr) throw productsErr ?? versionsErr;
          chunk.forEach((id, j) => {
            const raw = raws[j];
            let product: Product | null = null;
            try {
              product = raw == null ? null : decodeProduct(raw, id);
            } catch {
              product = null;
            }
            out.push(product ? { product, version: Number(versions[j] ?? 0) } : null);
          });
        }
        return out;
      });
    },

    async fenceVersion(id) {
      const valid = validateId(id);
      return guard('read product version', async () =>
        Number((await connections.writer.hget(k.versions, valid)) ?? 0),
      );
    },

    async get(id, opts) {
      const valid = validateId(id);
      const { consistent } = parseReadOptions(opts);
      const raw = await read('get product', { consistent }, (client) => client.get(k.product(valid)));
      return raw == null ? null : decodeProduct(raw, valid);
    },

    async getMany(ids, opts) {
      if (!Array.isArray(ids)) throw new ValidationError('ids must be an array');
      const valid = ids.map((id) => validateId(id));
      const { consistent } = parseReadOptions(opts);
      return read('get products', { consistent }, (client) => fetchProducts(client, valid));
    },

    async list(opts) {
      const o = parseListOptions(opts);
      const ids = await read('list products', o, (client) => client.smembers(k.products));
      ids.sort();
      const offset = o.offset ?? 0;
      return {
        count: ids.length,
        ids: ids.slice(offset, o.limit === undefined ? undefined : offset + o.limit),
      };
    },

    async byCategory(category, opts) {
      const c = validateCategory(category);
      const o = parseCategoryOptions(opts);
      const offset = o.offset ?? 0;
      const limit = o.limit ?? DEFAULT_PAGE_LIMIT;
      return read('list category', o, async (client) => {
        let count: number;
        let ids: string[];
        if (o.sort === undefined) {
          const all = await client.smembers(k.category(c));
          count = all.length;
          ids = all.sort().slice(offset, offset + limit);
        } else if (limit === 0) {
          count = await client.scard(k.category(c));
          ids = [];
        } else {
          const stop = offset + limit - 1;
          const page =
            o.sort === 'name'
              ? client
                  .zrange(k.categoryByName(c), offset, String(stop))
                  .then((members) => members.map(idOfMember))
              : o.sort === 'price'
                ? client.zrange(k.categoryByPrice(c), offset, String(stop))
                : client.zrevrange(k.categoryByPrice(c), offset, stop);
          [count, ids] = await Promise.all([client.scard(k.category(c)), page]);
        }
        return { category: c, count, products: present(await fetchProducts(client, ids)) };
      });
    },

    async byPrice(opts) {
      const o = parsePriceOptions(opts);
      const min = o.min === undefined ? '-inf' : String(o.min);
      const max = o.max === undefined ? '+inf' : String(o.max);
      const offset = o.offset ?? 0;
      const limit = o.limit ?? DEFAULT_PAGE_LIMIT;
      return read('list by price', o, async (client) => {
        const page =
          limit === 0
            ? Promise.resolve([] as string[])
            : o.desc
              ? client.zrevrangebyscore(k.byPrice, max, min, 'LIMIT', offset, limit)
              : client.zrangebyscore(k.byPrice, min, max, 'LIMIT', offset, limit);
        const [count, ids] = await Promise.all([client.zcount(k.byPrice, min, max), page]);
        return { count, products: present(await fetchProducts(client, ids)) };
      });
    },

    async searchByName(q, opts) {
      if (typeof q !== 'string' || q.length > 200)
        throw new ValidationError('search query must be a string of at most 200 characters');
      const o = parseSearchOptions(opts);
      const limit = o.limit ?? DEFAULT_SEARCH_LIMIT;
      const words = nameWords(q);
      if (words.length === 0 || limit === 0) return [];
      // Walk the index on the longest word (the most selective); check the others on the names.
      const anchor = words.reduce((a, b) => (b.length > a.length ? b : a));
      const others = words.filter((w) => w !== anchor);
      const min = Buffer.from(`[${anchor}`);
      // 0xff never occurs in UTF-8, so it bounds every member that starts with the anchor.
      const max = Buffer.concat([min, Buffer.from([0xff])]);
      return read('search products', o, async (client) => {
        const found: Product[] = [];
        const seen = new Set<string>();
        for (let offset = 0; found.length < limit && offset < SEARCH_MAX_SCANNED; offset += SEARCH_BATCH) {
          const members = await client.zrangebylex(k.byName, min, max, 'LIMIT', offset, SEARCH_BATCH);
          const ids = [...new Set(members.map(idOfMember))].filter((id) => !seen.has(id));
          for (const id of ids) seen.add(id);
          for (const product of present(await fetchProducts(client, ids))) {
            const productWords = nameWords(product.name);
            const matches = [anchor, ...others].every((w) => productWords.some((pw) => pw.startsWith(w)));
            if (matches && found.length < limit) found.push(product);
          }
          if (members.length < SEARCH_BATCH) break;
        }
        return found;
      });
    },

    async categories(opts) {
      const { consistent } = parseReadOptions(opts);
      return read('list categories', { consistent }, async (client) => {
        const names = (await client.smembers(k.categories)).sort();
        const counts = await Promise.all(names.map((c) => client.scard(k.category(c))));
        return names.map((category, i) => ({ category, count: counts[i] ?? 0 }));
      });
    },

    async upsert(input) {
      const product = parseProduct(input);
      // Optimistic: assume it is new; if not, the script hands back the stored JSON to replace.
      return written(
        await guard('save product', () => writes.save(product.id, 'write', null, () => product)),
      );
    },

    async create(input) {
      const product = parseProduct(input);
      return written(
        (await guard('create product', () => writes.save(product.id, 'create', null, () => product))).product,
      );
    },

    async update(id, patchInput) {
      const valid = validateId(id);
      const patch = parseProductPatch(patchInput);
      if (patch.id !== undefined && patch.id !== valid)
        throw new ValidationError(`the id of product "${valid}" cannot be changed`);
      const result = await guard('update product', async () => {
        const initial = await connections.writer.get(k.product(valid));
        return writes.save(valid, 'write', initial, (current) => {
          if (current === null) throw new NotFoundError(`product "${valid}" not found`);
          const changes = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
          return parseProduct({ ...decodeProduct(current, valid), ...changes });
        });
      });
      return written(result.product);
    },

    async remove(id) {
      const valid = validateId(id);
      return written(
        await guard('delete product', async () =>
          writes.remove(valid, await connections.writer.get(k.product(valid))),
        ),
      );
    },

    async count(opts) {
      const { consistent } = parseReadOptions(opts);
      return read('count products', { consistent }, (client) => client.scard(k.products));
    },

    async seedIfEmpty(products = seedProducts) {
      const parsed = products.map((p) => parseProduct(p));
      return guard('seed catalog', async () => {
        if ((await connections.writer.scard(k.products)) > 0) return 0;
        return written(await writes.createMany(parsed));
      });
    },
    async checkConsistency() {
      return guard('check catalog consistency', () => checkCatalogConsistency(connections.writer, k));
    },
  };
}
