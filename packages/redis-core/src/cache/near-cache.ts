import type { Cluster, Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import { type InvalidationTracking, startInvalidationTracking } from './near-cache-tracking.js';

/**
 * The near-cache (L1): an in-process LRU bounded in bytes in front of Redis, kept correct by
 * Redis server-assisted client-side caching (see near-cache-tracking.ts).
 *
 * Correctness rules:
 * - entries are served only while the invalidation link is up; when it drops, or its
 *   heartbeat goes unanswered, the L1 is cleared and bypassed until tracking is on again;
 * - a value read from Redis is stored only if no invalidation for its key (and no reset)
 *   arrived between sending the read and storing it. The read's reply and the invalidation
 *   travel on different sockets, so either may be processed first; the `ticket` taken before
 *   the read closes that race;
 * - stored values are deep-frozen and shared by every caller: a caller that tries to mutate
 *   one gets a TypeError instead of silently corrupting everyone's copy.
 *
 * Topologies: standalone, replicated (reads and writes of cache entries go to the master)
 * and sentinel (the tracking connection follows the master and re-enables after a failover).
 * Not Redis Cluster: BCAST tracking would be needed on every master and re-done on every
 * slot migration, so `createCache` leaves the near-cache off there.
 */
export interface NearCacheOptions {
  /** Upper bound of the entries' accounted size (JSON length + key + per-entry overhead). */
  maxBytes: number;
  /** Key prefixes tracked and cached (default ['data:']). */
  prefixes?: string[];
  heartbeatMs?: number;
  /** Upper bound on how long one entry is kept, whatever its Redis TTL (default: none). */
  maxTtlMs?: number;
  logger?: { warn(obj: object, msg?: string): void };
}

export interface NearHit {
  value: unknown;
  ttlMs: number;
}

export interface NearCacheStats {
  active: boolean;
  entries: number;
  bytes: number;
  maxBytes: number;
  hits: number;
  fills: number;
  rejectedFills: number;
  invalidations: number;
  resets: number;
  clientId: number | null;
}

export interface NearCache {
  /** True while invalidations are guaranteed to arrive (entries may be served). */
  readonly active: boolean;
  get(key: string): NearHit | undefined;
  /** Take before sending a Redis read whose answer may be stored with `fill`; -1 = do not store. */
  ticket(): number;
  /**
   * Stores a value read from Redis with `ttlMs` left; false when refused (raced, too big,
   * inactive). `jsonLength`: the stored JSON's length when the caller has it (else measured).
   */
  fill(key: string, value: unknown, ttlMs: number, ticket: number, jsonLength?: number): boolean;
  /** This process changed the key: drop it now, without waiting for Redis' message. */
  forget(key: string): void;
  /** Drops every entry. */
  clear(): void;
  /** Resolves once tracking is on (or rejects after timeoutMs). */
  ready(timeoutMs?: number): Promise<void>;
  /** Called after each invalidation message is applied (tests and the benchmark time it). */
  onInvalidate(listener: (keys: string[] | null) => void): () => void;
  stats(): NearCacheStats;
  close(): void;
}

/** Accounted on top of the JSON length: the key twice (map + entry) and object headers. */
export const NEAR_ENTRY_OVERHEAD_BYTES = 96;
/** Invalidated keys remembered for the ticket check before the memory is reset. */
const MAX_RECENT = 4096;

interface Entry {
  value: unknown;
  expiresAt: number;
}

function deepFreeze(value: unknown): void {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const child of Object.values(value)) deepFreeze(child);
}

/** An L1 with no Redis link, for unit use; `createNearCache` wires it to tracking. */
export function createNearStore(
  maxBytes: number,
  maxTtlMs = Number.POSITIVE_INFINITY,
  prefixes: readonly string[] = ['data:'],
) {
  if (!Number.isInteger(maxBytes) || maxBytes < 1024) {
    throw new RangeError(`near-cache maxBytes must be an integer >= 1024, got ${maxBytes}`);
  }
  const lru = new LRUCache<string, Entry>({ maxSize: maxBytes });
  const recent = new Map<string, number>();
  const listeners = new Set<(keys: string[] | null) => void>();
  let active = false;
  let seq = 0;
  let floor = 0;
  const counters = { hits: 0, fills: 0, rejectedFills: 0, invalidations: 0, resets: 0 };

  function reset(): void {
    lru.clear();
    recent.clear();
    floor = ++seq;
    counters.resets++;
  }

  function invalidateKey(key: string): void {
    lru.delete(key);
    if (recent.size >= MAX_RECENT) {
      // Forget the details but refuse every fill whose read was sent before now.
      recent.clear();
      floor = seq + 1;
    }
    recent.set(key, ++seq);
  }

  return {
    get active() {
      return active;
    },
    setActive(on: boolean) {
      active = on;
      reset();
    },
    get(key: string): NearHit | undefined {
      if (!active) return undefined;
      const entry = lru.get(key);
      if (entry === undefined) return undefined;
      const ttlMs = entry.expiresAt - Date.now();
      if (ttlMs <= 0) {
        lru.delete(key);
        return undefined;
      }
      counters.hits++;
      return { value: entry.value, ttlMs };
    },
    ticket(): number {
      return active ? seq : -1;
    },
    fill(key: string, value: unknown, ttlMs: number, ticket: number, jsonLength?: number): boolean {
      if (
        !active ||
        ticket < floor ||
        (recent.get(key) ?? 0) > ticket ||
        !(ttlMs > 0) ||
        // Only tracked keys: nobody would tell us when another key changes.
        !prefixes.some((p) => key.startsWith(p))
      ) {
        counters.rejectedFills++;
        return false;
      }
      const length = jsonLength ?? (JSON.stringify(value)?.length || 0);
      const size = length + 2 * key.length + NEAR_ENTRY_OVERHEAD_BYTES;
      if (size > maxBytes) {
        counters.rejectedFills++;
        return false;
      }
      deepFreeze(value);
      lru.set(key, { value, expiresAt: Date.now() + Math.min(ttlMs, maxTtlMs) }, { size });
      counters.fills++;
      return true;
    },
    forget(key: string) {
      invalidateKey(key);
    },
    clear() {
      reset();
    },
    applyInvalidation(keys: string[] | null) {
      if (keys === null) reset();
      else for (const key of keys) invalidateKey(key);
      counters.invalidations++;
      for (const listener of listeners) listener(keys);
    },
    onInvalidate(listener: (keys: string[] | null) => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    stats(): Omit<NearCacheStats, 'clientId'> {
      return { active, entries: lru.size, bytes: lru.calculatedSize, maxBytes, ...counters };
    },
  };
}

export type NearStore = ReturnType<typeof createNearStore>;

/** The near-cache for one Redis node (or sentinel-managed master). */
export function createNearCache(source: Redis | Cluster, opts: NearCacheOptions): NearCache {
  if ((source as Cluster).isCluster) {
    throw new RangeError('near-cache: Redis Cluster is not supported (see near-cache.ts)');
  }
  const prefixes = opts.prefixes ?? ['data:'];
  const store = createNearStore(opts.maxBytes, opts.maxTtlMs, prefixes);
  const waiting = new Set<() => void>();
  let closing = false;
  const tracking: InvalidationTracking = startInvalidationTracking(
    {
      source: source as Redis,
      prefixes,
      ...(opts.heartbeatMs === undefined ? {} : { heartbeatMs: opts.heartbeatMs }),
      ...(opts.logger ? { logger: opts.logger } : {}),
    },
    {
      onActive() {
        store.setActive(true);
        for (const resolve of waiting) resolve();
        waiting.clear();
      },
      onLost(reason) {
        store.setActive(false);
        if (!closing) opts.logger?.warn({ reason }, 'near-cache off until invalidations are tracked again');
      },
      onKeys(keys) {
        store.applyInvalidation(keys);
      },
    },
  );

  return {
    get active() {
      return store.active;
    },
    get: store.get,
    ticket: store.ticket,
    fill: store.fill,
    forget: store.forget,
    clear: store.clear,
    onInvalidate: store.onInvalidate,
    ready(timeoutMs = 5000) {
      if (store.active) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(done);
          reject(new Error(`near-cache: tracking not active after ${timeoutMs} ms`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          resolve();
        };
        waiting.add(done);
      });
    },
    stats: () => ({ ...store.stats(), clientId: tracking.clientId }),
    close() {
      closing = true;
      tracking.close();
      store.setActive(false);
    },
  };
}
