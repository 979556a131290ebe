import type { RedisClient } from '../connections/index.js';
import { ConflictError } from '../errors.js';
import { mapRedisError } from '../guard.js';
import type { CatalogKeys } from '../keys/catalog.js';
import { encodeProduct, type IndexEntries, indexEntriesOf, storedIndexEntries } from './indexes.js';
import type { Product } from './products.js';
import { catalogScripts } from './scripts.js';

/**
 * Catalog writes. Each is ONE Lua script (`catalog/save-12.lua`, `catalog/remove-9.lua`)
 * that changes the product JSON and every index entry together. The old entries are derived
 * from the stored JSON the caller read (name words need Unicode rules Lua lacks), so the
 * script writes only if that JSON is still current and otherwise hands back the newer one:
 * a compare-and-set, retried here. Concurrent writers to one product thus serialize, and a
 * patch is re-applied on top of whatever won before it.
 */

/** A write retries this often when the product changes under it. */
const MAX_WRITE_ATTEMPTS = 100;
const BULK_BATCH = 1000;

type ScriptReply = [status: string, current?: string | null];

/** KEYS 1-8 of both scripts: the product, the global indexes and one category's indexes. */
function productKeys(k: CatalogKeys, id: string, category: string): string[] {
  return [
    k.product(id),
    k.products,
    k.byPrice,
    k.byName,
    k.categories,
    k.category(category),
    k.categoryByPrice(category),
    k.categoryByName(category),
  ];
}

function saveCall(k: CatalogKeys, mode: 'create' | 'write', product: Product, current: string | null) {
  const next = indexEntriesOf(product);
  const old: IndexEntries | null = current === null ? null : storedIndexEntries(current, product.id);
  const oldCategory = old?.category ?? null;
  const newCategory = next.category as string;
  // Without an old category the script ignores keys 6-8; they still must name keys in the slot.
  const keysCategory = oldCategory ?? newCategory;
  const oldWords = old?.wordMembers ?? [];
  return {
    keys: [
      ...productKeys(k, product.id, keysCategory),
      k.category(newCategory),
      k.categoryByPrice(newCategory),
      k.categoryByName(newCategory),
      k.versions,
    ],
    args: [
      mode,
      current ?? '',
      product.id,
      encodeProduct(product),
      String(product.price),
      oldCategory ?? '',
      newCategory,
      oldCategory && old ? old.sortMember : '',
      next.sortMember,
      String(oldWords.length),
      ...oldWords,
      ...next.wordMembers,
    ],
  };
}

function removeCall(k: CatalogKeys, id: string, current: string) {
  const old = storedIndexEntries(current, id);
  const category = old?.category ?? null;
  // An unreadable category still needs slot-local placeholder keys; the script skips them.
  const keysCategory = category ?? 'unknown';
  return {
    keys: [...productKeys(k, id, keysCategory), k.versions],
    args: [current, id, category ?? '', old?.sortMember ?? '', ...(old?.wordMembers ?? [])],
  };
}

/** Contention backoff: after a few lost compare-and-sets, wait a little, randomly, to spread writers. */
const backoff = (attempt: number) =>
  attempt < 3 ? Promise.resolve() : new Promise((r) => setTimeout(r, Math.random() * Math.min(attempt, 20)));

export interface CatalogWrites {
  /**
   * Writes `next(current)` where `current` is the stored JSON (null when absent), starting
   * from `initial` (what the caller read, or null to assume a new product). `create` mode
   * refuses an existing id with ConflictError.
   */
  save(
    id: string,
    mode: 'create' | 'write',
    initial: string | null,
    next: (current: string | null) => Product,
  ): Promise<{ product: Product; created: boolean }>;
  remove(id: string, initial: string | null): Promise<boolean>;
  /** Creates products in pipelined batches; existing ids are skipped. Returns how many were written. */
  createMany(products: Product[]): Promise<number>;
}

export function createCatalogWrites(deps: {
  writer: () => RedisClient;
  keys: CatalogKeys;
  notify: (id: string) => void;
}): CatalogWrites {
  const { writer, keys: k, notify } = deps;
  return {
    async save(id, mode, initial, next) {
      let current = initial;
      for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
        const product = next(current);
        const call = saveCall(k, mode, product, current);
        const [status, latest] = (await catalogScripts.save.run(
          writer(),
          call.keys,
          call.args,
        )) as ScriptReply;
        if (status === 'OK') {
          notify(id);
          return { product, created: current === null };
        }
        if (status === 'EXISTS') throw new ConflictError(`product "${id}" already exists`);
        current = latest ?? null;
        await backoff(attempt);
      }
      throw new ConflictError(`product "${id}" kept changing during the write; try again`);
    },

    async remove(id, initial) {
      let current = initial;
      for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
        if (current === null) return false;
        const call = removeCall(k, id, current);
        const [status, latest] = (await catalogScripts.remove.run(
          writer(),
          call.keys,
          call.args,
        )) as ScriptReply;
        if (status === 'OK') {
          notify(id);
          return true;
        }
        if (status === 'MISSING') return false;
        current = latest ?? null;
        await backoff(attempt);
      }
      throw new ConflictError(`product "${id}" kept changing during the delete; try again`);
    },

    async createMany(products) {
      let written = 0;
      for (let start = 0; start < products.length; start += BULK_BATCH) {
        const batch = products.slice(start, start + BULK_BATCH);
        const calls = batch.map((p) => saveCall(k, 'create', p, null));
        const replies = await catalogScripts.save.runMany(writer(), calls);
        let firstError: unknown;
        replies.forEach((reply, i) => {
          if (reply instanceof Error) firstError ??= reply;
          // EXISTS: a duplicate id in the input, or another instance seeding at the same time.
          else if ((reply as ScriptReply)[0] === 'OK') {
            written += 1;
            notify((batch[i] as Product).id);
          }
        });
        if (firstError !== undefined) throw mapRedisError(firstError, `bulk write (${written} written)`);
      }
      return written;
    },
  };
}
