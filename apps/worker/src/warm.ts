/**
 * Cache warming: load products from the catalog in batches (one MGET per batch through
 * catalog.getMany, never one round trip per item) and write them with cache.setMany, which applies
 * the cache's TTL and jitter. Re-running a warm job rewrites the same entries, so a retry is safe.
 * Each setMany gets the catalog version of every product it read: an entry whose product a newer
 * change invalidated meanwhile is skipped (counted as `fenced`) instead of written back stale.
 * Versions, not clocks: nothing read after a write is ever skipped.
 */
import { DEFAULT_WARM_BATCH_SIZE, type JobProgressInfo, type JobSummary, validateId } from '@app/redis-core';
import type { Product, TopHistory, WarmCache, WarmCatalog } from './ports.js';

type Versioned = { product: Product; version: number } | null;

export type ReportProgress = (progress: JobProgressInfo) => Promise<void>;

export interface WarmDeps {
  catalog: WarmCatalog;
  cache: WarmCache;
  history: TopHistory;
  /** Simulated origin latency per catalog batch (ORIGIN_DELAY_MS), as the API applies on a miss. */
  originDelayMs?: number;
}

/** The catalog's largest category page (its MAX_PAGE_LIMIT). */
const CATEGORY_PAGE_LIMIT = 1000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function progressOf(done: number, total: number): JobProgressInfo {
  // Floor, so 100 % is only reported once everything is done.
  const percent = total <= 0 ? 100 : Math.min(100, Math.floor((done / total) * 100));
  return { done, total, percent };
}

export function summarize(items: number, startedAt: number, extra: Record<string, number> = {}): JobSummary {
  const ms = Math.max(0, Date.now() - startedAt);
  return { items, ms, itemsPerSec: ms > 0 ? Math.round((items / ms) * 1000) : items, ...extra };
}

/** The products found, as setMany entries and their versions (same order). */
function present(read: Versioned[]): { entries: [string, Product][]; versions: number[] } {
  const found = read.filter((v): v is NonNullable<Versioned> => v !== null);
  return { entries: found.map((v) => [v.product.id, v.product]), versions: found.map((v) => v.version) };
}

async function writeFenced(
  deps: WarmDeps,
  read: Versioned[],
  readAt: number,
): Promise<{ found: number; written: number }> {
  const { entries, versions } = present(read);
  const written = entries.length > 0 ? await deps.cache.setMany(entries, undefined, { versions, readAt }) : 0;
  return { found: entries.length, written };
}

/**
 * Loads from the master (consistent): a lagging replica could hand back a product older than a
 * write that just invalidated its entry, and warming would put the stale value back for a TTL.
 */
async function loadBatch(deps: WarmDeps, ids: string[]): Promise<{ products: Versioned[]; readAt: number }> {
  if (deps.originDelayMs) await sleep(deps.originDelayMs);
  // This process's monotonic clock, only to drop a batch older than the fences live.
  const readAt = performance.now();
  return { products: await deps.catalog.getManyVersioned(ids, { consistent: true }), readAt };
}

async function* inBatches(ids: readonly string[], size: number): AsyncGenerator<string[]> {
  for (let i = 0; i < ids.length; i += size) yield ids.slice(i, i + size);
}

/** Warms the given ids in batches; `total` is what progress is measured against. */
async function warmIds(
  deps: WarmDeps,
  batches: AsyncIterable<string[]>,
  total: number,
  report: ReportProgress,
): Promise<{ items: number; missing: number; done: number; fenced: number }> {
  let items = 0;
  let missing = 0;
  let done = 0;
  let fenced = 0;
  for await (const ids of batches) {
    if (ids.length === 0) continue;
    const { products, readAt } = await loadBatch(deps, ids);
    const { found, written } = await writeFenced(deps, products, readAt);
    items += written;
    fenced += found - written;
    missing += ids.length - found;
    done += ids.length;
    await report(progressOf(Math.min(done, total), total));
  }
  return { items, missing, done, fenced };
}

export async function warmAll(
  deps: WarmDeps,
  opts: { batchSize?: number },
  report: ReportProgress,
): Promise<JobSummary> {
  const startedAt = Date.now();
  const batchSize = opts.batchSize ?? DEFAULT_WARM_BATCH_SIZE;
  // One read of the id index (SMEMBERS), then one MGET per batch.
  const { count: total, ids } = await deps.catalog.list({ consistent: true });
  await report(progressOf(0, total));
  const result = await warmIds(deps, inBatches(ids, batchSize), total, report);
  await report(progressOf(total, total));
  return summarize(result.items, startedAt, { total, missing: result.missing, fenced: result.fenced });
}

export async function warmCategory(
  deps: WarmDeps,
  opts: { category: string; batchSize?: number },
  report: ReportProgress,
): Promise<JobSummary> {
  const startedAt = Date.now();
  const batchSize = Math.min(opts.batchSize ?? DEFAULT_WARM_BATCH_SIZE, CATEGORY_PAGE_LIMIT);
  let items = 0;
  let total = 0;
  let fenced = 0;
  // byCategory already loads the products of a page in one batch, so each page is written as is.
  for (let offset = 0; ; offset += batchSize) {
    if (deps.originDelayMs) await sleep(deps.originDelayMs);
    const page = await deps.catalog.byCategory(opts.category, {
      offset,
      limit: batchSize,
      sort: 'name',
      consistent: true,
    });
    total = page.count;
    // The page gives the ids; the versioned read gives what is written and the versions it fences by.
    const readAt = performance.now();
    const read = await deps.catalog.getManyVersioned(
      page.products.map((p) => p.id),
      { consistent: true },
    );
    const { found, written } = await writeFenced(deps, read, readAt);
    items += written;
    fenced += found - written;
    await report(progressOf(Math.min(offset + page.products.length, total), total));
    if (page.products.length === 0 || offset + batchSize >= total) break;
  }
  await report(progressOf(total, total));
  return summarize(items, startedAt, { total, fenced });
}

/** Warms the n most searched ids (history.top); queries that are not valid ids are skipped. */
export async function warmTop(
  deps: WarmDeps,
  opts: { n: number },
  report: ReportProgress,
): Promise<JobSummary> {
  const startedAt = Date.now();
  const top = await deps.history.top(opts.n);
  const ids: string[] = [];
  for (const { query } of top) {
    try {
      ids.push(validateId(query));
    } catch {
      /* a free-text search, not an id: nothing to warm */
    }
  }
  const total = ids.length;
  await report(progressOf(0, total));
  const result = await warmIds(deps, inBatches(ids, DEFAULT_WARM_BATCH_SIZE), total, report);
  await report(progressOf(total, total));
  return summarize(result.items, startedAt, {
    total,
    missing: result.missing,
    skipped: top.length - total,
    fenced: result.fenced,
  });
}
