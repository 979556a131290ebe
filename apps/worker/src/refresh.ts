/**
 * TTL refresh (refresh-ahead): reload hot cache entries before they expire, so a key that is read
 * steadily never turns into a miss. "Hot" = read within the last `hotWindowMs` (stats.hotIds,
 * recorded by the API's cache on every read). Bounded work per run: at most `limit` ids, checked
 * with one pipelined PTTL per batch, then one getManyVersioned + setMany for those that need it.
 */
import { DEFAULT_WARM_BATCH_SIZE, type JobSummary, readCacheTtls } from '@app/redis-core';
import type { HotStats, Keyspace, Product, RedisClient, WarmCache, WarmCatalog } from './ports.js';
import type { ReportProgress } from './warm.js';
import { progressOf, summarize } from './warm.js';

export interface RefreshDeps {
  catalog: Pick<WarmCatalog, 'getManyVersioned'>;
  cache: WarmCache;
  stats: HotStats;
  /** The writer: cache entries' PTTL is read where they are written. */
  redis: RedisClient;
  keys: Pick<Keyspace, 'cacheEntry'>;
  originDelayMs?: number;
}

export interface RefreshSettings {
  /** The cache's base TTL (CACHE_TTL_SECONDS) in ms. */
  ttlMs: number;
  /** Refresh when PTTL < thresholdRatio × ttlMs. */
  thresholdRatio: number;
  /** How far back a read still makes a key hot. */
  hotWindowMs: number;
  /** Most ids examined per run. */
  limit: number;
  /**
   * Floor of the threshold: 1.5 × the refresh interval, so an entry cannot expire between two
   * scheduled runs even when ratio × TTL is shorter than the interval.
   */
  minLeadMs?: number;
  /** CACHE_GRACE_SECONDS in ms: entries then live ttl + grace, and go stale at ttl. */
  graceMs?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Which entries to reload: those about to expire, and hot ones already gone (evicted or
 * invalidated) since they are being read right now. Entries without TTL (-1) are left alone.
 */
export function needsRefresh(pttl: number, thresholdMs: number): boolean {
  return pttl === -2 || (pttl >= 0 && pttl < thresholdMs);
}

export async function refreshHotEntries(
  deps: RefreshDeps,
  settings: RefreshSettings,
  report: ReportProgress,
): Promise<JobSummary> {
  const startedAt = Date.now();
  // PTTL counts the grace period too; the entry goes stale `graceMs` before it expires.
  const leadMs = Math.max(settings.thresholdRatio * settings.ttlMs, settings.minLeadMs ?? 0);
  const thresholdMs = leadMs + (settings.graceMs ?? 0);
  const ids = await deps.stats.hotIds({ sinceMs: startedAt - settings.hotWindowMs, limit: settings.limit });
  let expiring = 0;
  let absent = 0;
  let items = 0;
  let gone = 0;
  let fenced = 0;
  for (let i = 0; i < ids.length; i += DEFAULT_WARM_BATCH_SIZE) {
    const batch = ids.slice(i, i + DEFAULT_WARM_BATCH_SIZE);
    const ttls = await readCacheTtls(deps.redis, deps.keys, batch);
    const due = batch.filter((_, j) => needsRefresh(ttls[j] ?? -2, thresholdMs));
    absent += ttls.filter((t) => t === -2).length;
    expiring += due.length;
    if (due.length > 0) {
      if (deps.originDelayMs) await sleep(deps.originDelayMs);
      // From the master, not a lagging replica (see warm.ts loadBatch). The versions read let
      // setMany skip an entry whose product a newer change invalidated meanwhile.
      const readAt = performance.now();
      const read = await deps.catalog.getManyVersioned(due, { consistent: true });
      const found = read.filter((v): v is { product: Product; version: number } => v !== null);
      const entries = found.map((v): [string, Product] => [v.product.id, v.product]);
      const written =
        entries.length > 0
          ? await deps.cache.setMany(entries, undefined, { versions: found.map((v) => v.version), readAt })
          : 0;
      items += written;
      fenced += entries.length - written;
      gone += due.length - entries.length;
    }
    await report(progressOf(Math.min(i + batch.length, ids.length), ids.length));
  }
  return summarize(items, startedAt, { checked: ids.length, expiring, absent, gone, fenced });
}
