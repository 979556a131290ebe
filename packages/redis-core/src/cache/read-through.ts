import type { Cluster, Redis } from 'ioredis';
import { isRedisConnectionError, LoaderError, RedisCoreError } from '../errors.js';
import type { CircuitBreaker } from '../guard.js';
import type { Keyspace } from '../keys/index.js';
import { decodeEntry, encodeEntry, jitteredTtlMs } from './envelope.js';
import type { CacheLock } from './lock.js';
import type { NearCache } from './near-cache.js';
import { createEntryReader } from './read-batch.js';
import { SingleFlight } from './single-flight.js';

/**
 * The read-through engine behind getOrLoad and getOrLoadQuery: hit path in one round trip,
 * misses single-flighted in process and locked across processes, fenced writes, negative
 * entries, grace-period refresh, and the loader answering alone when Redis cannot.
 */
export interface Outcome<T> {
  value: T | null;
  source: 'cache' | 'database';
  ttlMs: number | null;
  cacheDown?: boolean;
  stale?: boolean;
}

export interface ReadThroughDeps {
  client: Redis | Cluster;
  keys: Keyspace;
  lock: CacheLock;
  breaker: CircuitBreaker;
  jitter: number;
  negativeTtlSeconds: number;
  graceSeconds: number;
  near?: NearCache | null;
  logger?: { warn(obj: object, msg?: string): void };
}

type Loader = () => Promise<unknown>;
/**
 * Asked once a miss was loaded, before it is stored (`negative`: the loader found nothing); false
 * = answer without storing (a client over its fill budget, cache-fill-budget.ts).
 */
export type Admit = (negative: boolean) => boolean;
type Read =
  | { kind: 'fresh'; value: unknown; ttlMs: number | null; size: number }
  | { kind: 'stale'; value: unknown }
  | { kind: 'miss' };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function callLoader(loader: Loader): Promise<unknown> {
  try {
    const value = await loader();
    return value === undefined ? null : value;
  } catch (err) {
    if (err instanceof LoaderError) throw err;
    throw new LoaderError(`loader failed: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    });
  }
}

export function createReadThrough(deps: ReadThroughDeps) {
  const { client, keys, lock, breaker, near, logger } = deps;
  const graceMs = deps.graceSeconds * 1000;
  const flights = new SingleFlight<Outcome<unknown>>();
  const reader = createEntryReader(client);
  // Waiters poll at most this often; a lock held past its TTL is taken over by one of them.
  const maxPollMs = Math.max(5, Math.min(100, lock.ttlMs / 4));

  function interpret(raw: string | null, pttl: number): Read {
    if (raw === null) return { kind: 'miss' };
    const entry = decodeEntry(raw);
    const ttlMs = pttl >= 0 ? pttl : null;
    const size = raw.length;
    if (entry.kind === 'negative') return { kind: 'fresh', value: null, ttlMs, size };
    if (entry.kind === 'corrupt') return { kind: 'miss' };
    if (entry.logicalExpiryMs === null) return { kind: 'fresh', value: entry.value, ttlMs, size };
    const left = entry.logicalExpiryMs - Date.now();
    if (left <= 0) return { kind: 'stale', value: entry.value };
    return { kind: 'fresh', value: entry.value, ttlMs: ttlMs === null ? left : Math.min(left, ttlMs), size };
  }

  /** `ticket`: the near-cache's, taken before the read was sent (-1: do not keep a copy). */
  function answer(
    read: Exclude<Read, { kind: 'miss' }>,
    key: string,
    loader: Loader,
    ttlSeconds: number,
    ticket = -1,
  ): Outcome<unknown> {
    if (read.kind === 'fresh') {
      if (near && read.ttlMs !== null) near.fill(key, read.value, read.ttlMs, ticket, read.size);
      return { value: read.value, source: 'cache', ttlMs: read.ttlMs };
    }
    refreshInBackground(key, loader, ttlSeconds);
    return { value: read.value, source: 'cache', ttlMs: 0, stale: true };
  }

  /** The loader answers alone (Redis down or failing); concurrent callers still share one call. */
  function loadDirect(key: string, loader: Loader): Promise<Outcome<unknown>> {
    return flights.run(`direct\0${key}`, async () => ({
      value: await callLoader(loader),
      source: 'database',
      ttlMs: null,
      cacheDown: true,
    }));
  }

  function onRedisFailure(err: unknown, key: string, loader: Loader): Promise<Outcome<unknown>> {
    if (err instanceof RedisCoreError) throw err;
    if (isRedisConnectionError(err)) breaker.trip();
    logger?.warn({ err, key }, 'cache unavailable, loading from the origin');
    return loadDirect(key, loader);
  }

  async function loadAndStore(
    key: string,
    lockKey: string,
    token: string,
    loader: Loader,
    ttlSeconds: number,
    admit?: Admit,
  ): Promise<Outcome<unknown>> {
    let value: unknown;
    let payload: string;
    let ttlMs: number;
    let physicalMs: number;
    try {
      value = await callLoader(loader);
      const negative = value === null;
      ttlMs = jitteredTtlMs(negative ? deps.negativeTtlSeconds : ttlSeconds, deps.jitter);
      const entryGraceMs = negative ? 0 : graceMs;
      physicalMs = ttlMs + entryGraceMs;
      try {
        payload = encodeEntry(value, entryGraceMs > 0 ? Date.now() + ttlMs : null);
      } catch (err) {
        throw new LoaderError('loader returned a value that cannot be cached as JSON', { cause: err });
      }
      if ((negative && deps.negativeTtlSeconds <= 0) || (admit && !admit(negative))) {
        await lock.release(lockKey, token).catch(() => {});
        return { value, source: 'database', ttlMs: null };
      }
    } catch (err) {
      // Loader failures are never cached: free the lock so the next caller tries again.
      await lock.release(lockKey, token).catch(() => {});
      throw err;
    }
    try {
      const written = await lock.storeIfOwner(key, lockKey, token, payload, physicalMs);
      // No near-cache copy here: Redis reports this very write to the near-cache, which would
      // drop it again; the next read keeps a copy.
      if (!written)
        logger?.warn({ key }, 'lock lost while loading: newer value kept, loaded value not written');
      return { value, source: 'database', ttlMs: written ? ttlMs : null };
    } catch (err) {
      const down = isRedisConnectionError(err);
      if (down) breaker.trip();
      logger?.warn({ err, key }, 'cache write failed');
      return down
        ? { value, source: 'database', ttlMs: null, cacheDown: true }
        : { value, source: 'database', ttlMs: null };
    }
  }

  async function loadThroughLock(
    key: string,
    loader: Loader,
    ttlSeconds: number,
    ticket: number,
    admit?: Admit,
  ): Promise<Outcome<unknown>> {
    const lockKey = keys.lock(key);
    const token = lock.newToken();
    // Long enough for a holder to finish or for its lock to expire and a waiter to take over.
    const deadline = Date.now() + 2 * lock.ttlMs + 1000;
    let ignoreExisting = false;
    let delay = 5;
    for (;;) {
      let attempt: Awaited<ReturnType<CacheLock['acquire']>>;
      try {
        attempt = await lock.acquire(key, lockKey, token, { ignoreExisting });
      } catch (err) {
        return onRedisFailure(err, key, loader);
      }
      if (attempt.kind === 'acquired') return loadAndStore(key, lockKey, token, loader, ttlSeconds, admit);
      if (attempt.kind === 'entry') {
        const read = interpret(attempt.raw, attempt.pttl);
        if (read.kind !== 'miss') return answer(read, key, loader, ttlSeconds, ticket);
        ignoreExisting = true; // unreadable entry: take the lock and overwrite it
        continue;
      }
      if (Date.now() >= deadline) {
        logger?.warn({ key }, 'gave up waiting for the loader lock, loading without caching');
        return { value: await callLoader(loader), source: 'database', ttlMs: null };
      }
      await sleep(delay * (0.5 + Math.random()));
      delay = Math.min(delay * 1.6, maxPollMs);
    }
  }

  function refreshInBackground(key: string, loader: Loader, ttlSeconds: number): void {
    const flightKey = `refresh\0${key}`;
    if (flights.has(flightKey)) return;
    flights
      .run(flightKey, async () => {
        const lockKey = keys.lock(key);
        const token = lock.newToken();
        if (!(await lock.acquireForRefresh(key, lockKey, token, Date.now()))) {
          return { value: null, source: 'cache', ttlMs: null };
        }
        return loadAndStore(key, lockKey, token, loader, ttlSeconds);
      })
      .catch((err) => logger?.warn({ err, key }, 'background refresh failed'));
  }

  async function readEntry(key: string): Promise<Read> {
    const [raw, pttl] = await reader.read(key);
    return interpret(raw, pttl);
  }

  return {
    interpret,
    readEntry,

    /** `nearChecked`: the caller already looked in the near-cache (getOrLoad's hot path). */
    async resolve<T>(
      key: string,
      loader: () => Promise<T | null>,
      ttlSeconds: number,
      nearChecked = false,
      admit?: Admit,
    ): Promise<Outcome<T>> {
      if (!nearChecked && near) {
        const local = near.get(key);
        if (local) return { value: local.value as T | null, source: 'cache', ttlMs: local.ttlMs };
      }
      if (breaker.isOpen) return (await loadDirect(key, loader)) as Outcome<T>;
      const ticket = near ? near.ticket() : -1;
      let read: Read;
      try {
        const [raw, pttl] = await reader.read(key);
        read = interpret(raw, pttl);
      } catch (err) {
        return (await onRedisFailure(err, key, loader)) as Outcome<T>;
      }
      if (read.kind !== 'miss') return answer(read, key, loader, ttlSeconds, ticket) as Outcome<T>;
      return (await flights.run(key, () =>
        loadThroughLock(key, loader, ttlSeconds, ticket, admit),
      )) as Outcome<T>;
    },
  };
}

export type ReadThrough = ReturnType<typeof createReadThrough>;
