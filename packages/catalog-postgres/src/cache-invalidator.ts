import type { ChangeBatch } from './change-batch.js';
import type { ChangeApplier } from './change-stream.js';

/** The cache operations the change stream drives (@app/redis-core's cache has them). */
export interface InvalidationTarget {
  /** Drops each product's entry and loader lock and raises its fence to the change's version. */
  invalidateVersions(changes: ChangeBatch['changes']): Promise<void>;
  /** Bumps the query cache version: every cached page/search is rebuilt. */
  invalidateQueries(): Promise<void>;
  /** Drops every entry (and loader lock) of the cache namespace. */
  flushEntries(): Promise<number>;
}

/**
 * What the consumer applies to Redis. Each call throws when Redis did not apply it, so the
 * consumer does not confirm the position and the change is replayed.
 */
export function createCacheInvalidator(cache: InvalidationTarget): ChangeApplier {
  return {
    async apply(batch) {
      // TRUNCATE first: the per-id fences below still hold back fills that read a deleted row.
      if (batch.truncated) await cache.flushEntries();
      if (batch.changes.length > 0) await cache.invalidateVersions(batch.changes);
      await cache.invalidateQueries();
    },
    async flush() {
      await cache.flushEntries();
      await cache.invalidateQueries();
    },
  };
}
