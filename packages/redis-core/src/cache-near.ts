import { randomUUID } from 'node:crypto';
import type { ChainableCommander, Cluster, Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';

/**
 * Optional in-process copy of hot cache entries (NEAR_CACHE), bounded in bytes (LRU). A copy
 * lives at most `maxAgeMs` and never past the entry's own (logical) expiry. Every write that
 * replaces or removes entries (set, setMany, invalidate, invalidatePrefix) publishes the keys
 * on one channel, whether or not the writer keeps a near cache, so every other process drops
 * its copies at once; `maxAgeMs` bounds staleness if a message is missed (subscriber down).
 */
export const INVALIDATION_CHANNEL = 'cache:invalidations';

interface NearEntry {
  value: unknown;
  expiresAt: number;
  /** Absolute expiry of the Redis entry (for ttlMs), null when it has none. */
  ttlEndsAt: number | null;
}

interface InvalidationMessage {
  origin: string;
  keys?: string[];
  prefix?: string;
}

export interface NearCache {
  get(key: string): { value: unknown; ttlMs: number | null } | undefined;
  set(key: string, value: unknown, ttlMs: number | null, sizeBytes: number): void;
  /** Drops local copies and adds a PUBLISH to `pipeline` so other processes drop theirs. */
  announce(pipeline: ChainableCommander, change: { keys?: string[]; prefix?: string }): void;
  readonly size: number;
  close(): void;
}

/** Who sent a message: a cache ignores its own (it already dropped its copies). One per cache instance. */
export const newOrigin = (): string => randomUUID();

/** The PUBLISH part alone, for caches without a near cache: their writes still evict others' copies. */
export function announceOnly(
  pipeline: ChainableCommander,
  origin: string,
  change: { keys?: string[]; prefix?: string },
): void {
  pipeline.publish(INVALIDATION_CHANNEL, JSON.stringify({ origin, ...change } satisfies InvalidationMessage));
}

export function createNearCache(opts: {
  origin: string;
  maxBytes: number;
  maxAgeMs: number;
  subscriber?: Redis | Cluster;
  logger?: { warn(obj: object, msg?: string): void };
}): NearCache {
  // Sized by the stored JSON's length: it approximates the decoded value's footprint well enough to bound it.
  const lru = new LRUCache<string, NearEntry>({ maxSize: Math.max(1024, opts.maxBytes) });

  function drop(change: { keys?: string[]; prefix?: string }): void {
    for (const key of change.keys ?? []) lru.delete(key);
    if (change.prefix !== undefined) {
      for (const key of [...lru.keys()]) if (key.startsWith(change.prefix)) lru.delete(key);
    }
  }

  const onMessage = (channel: string, message: string) => {
    if (channel !== INVALIDATION_CHANNEL) return;
    try {
      const parsed = JSON.parse(message) as InvalidationMessage;
      if (parsed.origin !== opts.origin) drop(parsed);
    } catch {
      // Not ours: ignore.
    }
  };
  const subscriber = opts.subscriber;
  if (subscriber) {
    subscriber.on('message', onMessage);
    subscriber.subscribe(INVALIDATION_CHANNEL).catch((err: unknown) => {
      opts.logger?.warn({ err }, 'near cache: cannot subscribe to invalidations; copies expire by age only');
    });
  }

  return {
    get(key) {
      const entry = lru.get(key);
      if (!entry) return undefined;
      const now = Date.now();
      if (entry.expiresAt <= now) {
        lru.delete(key);
        return undefined;
      }
      return {
        value: entry.value,
        ttlMs: entry.ttlEndsAt === null ? null : Math.max(0, entry.ttlEndsAt - now),
      };
    },
    set(key, value, ttlMs, sizeBytes) {
      const now = Date.now();
      const ttlEndsAt = ttlMs === null ? null : now + ttlMs;
      const expiresAt = Math.min(now + opts.maxAgeMs, ttlEndsAt ?? Number.POSITIVE_INFINITY);
      if (expiresAt <= now) return;
      lru.set(key, { value, expiresAt, ttlEndsAt }, { size: Math.max(1, key.length + sizeBytes) });
    },
    announce(pipeline, change) {
      drop(change);
      announceOnly(pipeline, opts.origin, change);
    },
    get size() {
      return lru.size;
    },
    close() {
      lru.clear();
      if (subscriber) {
        subscriber.off('message', onMessage);
        subscriber.unsubscribe(INVALIDATION_CHANNEL).catch(() => {});
      }
    },
  };
}
