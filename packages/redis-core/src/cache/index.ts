import { Cluster } from 'ioredis';
import type { RedisConnections } from '../connections/index.js';
import { ValidationError } from '../errors.js';
import { CircuitBreaker, guarded } from '../guard.js';
import type { KeyAccess, Keyspace } from '../keys/index.js';
import type { Stats } from '../stats/index.js';
import {
  inspectKey,
  type KeyInfo,
  scanKeys as scanKeyPage,
  unlinkByPrefix,
  validateCachePrefix,
} from './browser.js';
import { encodeEntry, jitteredTtlMs } from './envelope.js';
import { createFillBudget } from './fill-budget.js';
import { createCacheLock } from './lock.js';
import { createNearCache, type NearCache } from './near-cache.js';
import { createQueryVersion, queryHash, validateQueryName } from './query.js';
import { type Admit, callLoader, createReadThrough } from './read-through.js';
import { cacheScripts } from './scripts.js';

export type { KeyInfo } from './browser.js';
export { decodeEntry, encodeEntry, NEGATIVE_MARKER } from './envelope.js';

export interface CacheResult<T> {
  value: T | null;
  source: 'cache' | 'database';
  latencyMs: number;
  /** Ms left on the entry (logical TTL with a grace period); null when nothing was cached. */
  ttlMs: number | null;
  /** Redis could not be used: the loader answered directly. */
  cacheDown?: boolean;
  /** Served inside the grace period while one background reload runs. */
  stale?: boolean;
}

export interface Cache {
  /**
   * `client`: who asked (an address); a miss it causes that finds nothing is stored as a negative
   * entry only while that client is within its fill budget (CacheDeps.fill).
   */
  getOrLoad<T>(
    id: string,
    loader: () => Promise<T | null>,
    opts?: { ttlSeconds?: number; client?: string },
  ): Promise<CacheResult<T>>;
  /** `client`: as getOrLoad's; a new query entry is stored only within the client's fill budget. */
  getOrLoadQuery<T>(
    name: string,
    params: object,
    loader: () => Promise<T>,
    opts?: { client?: string },
  ): Promise<CacheResult<T>>;
  peek<T>(id: string): Promise<{ value: T | null; ttlMs: number | null } | null>;
  set<T>(id: string, value: T, ttlSeconds?: number): Promise<void>;
  /**
   * Writes entries outside the loader path; returns how many were written. With `versions` (the
   * catalog version each value was read at, same order as `entries`), an entry whose fence is
   * above its version is skipped: a change was invalidated after that read, so writing it would
   * put the old value back. `readAt` (performance.now() when the read began, this process's
   * monotonic clock) drops a batch read longer ago than the fences live.
   */
  setMany<T>(
    entries: [id: string, value: T][],
    ttlSeconds?: number,
    opts?: { versions?: number[]; readAt?: number },
  ): Promise<number>;
  /**
   * Drops the entry and its loader lock; with `version` (the catalog version of the change) also
   * raises the entry's fence to it, so bulk writes of older versions are refused.
   */
  invalidate(id: string, opts?: { version?: number | null }): Promise<boolean>;
  /** invalidate() for many products at once (the change stream); one script call per product. */
  invalidateVersions(changes: { id: string; version: number | null }[]): Promise<void>;
  /** Drops every entry and loader lock of the cache namespace (TRUNCATE, a new change-stream slot). */
  flushEntries(): Promise<number>;
  invalidatePrefix(prefix: string): Promise<number>;
  invalidateQueries(): Promise<void>;
  /** `scope: 'public'` lists only the keys `keys.access` says anyone may read (default: every key). */
  scanKeys(opts: {
    pattern?: string;
    cursor?: string;
    count?: number;
    scope?: KeyAccess;
  }): Promise<{ cursor: string; keys: KeyInfo[] }>;
  inspect(key: string): Promise<(KeyInfo & { value: unknown }) | null>;
  /** The near-cache (L1) when enabled: its state, statistics and readiness. */
  readonly near: NearCache | null;
  close(): void;
}

export interface CacheDeps {
  connections: Pick<RedisConnections, 'writer'>;
  keys: Keyspace;
  stats?: Pick<Stats, 'record' | 'recordRead'>;
  ttlSeconds: number;
  /** Ratio 0..0.5: each TTL is ttl × (1 ± jitter), uniform. */
  jitter: number;
  negativeTtlSeconds: number;
  /** > 0: entries live ttl + grace and are served stale (one background reload) after ttl. */
  graceSeconds: number;
  /** How long a loader may hold the cross-process lock (default 5000 ms). */
  lockTtlMs?: number;
  /** How long reads skip Redis after a connection failure (default 1000 ms). */
  breakMs?: number;
  /**
   * In-process copies of hot entries (near-cache.ts), bounded in bytes, kept correct by Redis
   * client tracking; a copy also never outlives its Redis TTL, nor maxAgeMs when given.
   * Ignored (with a warning) on Redis Cluster.
   */
  nearCache?: { maxBytes: number; maxAgeMs?: number } | false;
  logger?: { warn(obj: object, msg?: string): void };
  /**
   * Bounds the entries that callers' misses create, per client and for everyone (in process,
   * cache-fill-budget.ts): negative entries and query entries each, per window of their TTL.
   * Only calls that name a `client` count; absent = unbounded.
   */
  fill?: { perClient: number; total: number };
}

const SET_BATCH = 500;
/**
 * How long `invalidate` keeps a key's fence (cache:fence:<key> = the highest version invalidated).
 * A bulk write whose read began longer ago than this (minus a margin) cannot be checked any more,
 * so it is dropped. Only this process's monotonic clock measures that age; the fence decision
 * itself compares catalog versions, never clocks.
 */
export const FENCE_TTL_MS = 60_000;
const FENCE_MARGIN_MS = 5_000;
/** A change whose version is unknown (a delete without the old row): fences every version. */
const FENCE_ALL = Number.MAX_SAFE_INTEGER;
/** setMany batches sent before waiting for the oldest one. */
const SET_WINDOW = 4;

function checkRange(name: string, value: number, min: number, max = Number.POSITIVE_INFINITY): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new RangeError(`createCache: ${name} must be a number in [${min}, ${max}], got ${value}`);
  }
  return value;
}

function ttlOrDefault(ttlSeconds: number | undefined, fallback: number): number {
  if (ttlSeconds === undefined) return fallback;
  if (
    typeof ttlSeconds !== 'number' ||
    !Number.isFinite(ttlSeconds) ||
    ttlSeconds <= 0 ||
    ttlSeconds > 31_536_000
  ) {
    throw new ValidationError('ttlSeconds must be a number of seconds between 0 and one year', [
      { path: ['ttlSeconds'], message: 'out of range' },
    ]);
  }
  return ttlSeconds;
}

export function createCache(deps: CacheDeps): Cache {
  const { keys, stats } = deps;
  const client = deps.connections.writer;
  const ttlSeconds = checkRange('ttlSeconds', deps.ttlSeconds, 0.001);
  const jitter = checkRange('jitter', deps.jitter, 0, 0.5);
  const negativeTtlSeconds = checkRange('negativeTtlSeconds', deps.negativeTtlSeconds, 0);
  const graceSeconds = checkRange('graceSeconds', deps.graceSeconds, 0);
  const lock = createCacheLock(client, checkRange('lockTtlMs', deps.lockTtlMs ?? 5000, 10));
  const breaker = new CircuitBreaker(checkRange('breakMs', deps.breakMs ?? 1000, 0));
  let near: NearCache | null = null;
  if (deps.nearCache && client instanceof Cluster) {
    deps.logger?.warn({}, 'near cache is not supported on Redis Cluster: disabled');
  } else if (deps.nearCache) {
    const { maxBytes, maxAgeMs } = deps.nearCache;
    near = createNearCache(client, {
      maxBytes: checkRange('nearCache.maxBytes', maxBytes, 1024),
      ...(maxAgeMs === undefined ? {} : { maxTtlMs: checkRange('nearCache.maxAgeMs', maxAgeMs, 1) }),
      prefixes: [keys.cachePrefix],
      ...(deps.logger ? { logger: deps.logger } : {}),
    });
  }
  // Redis tells the near-cache about every write, ours included, a moment later; dropping our
  // own copy at once keeps this process's reads after its own writes exact.
  const forget = (key: string) => near?.forget(key);
  const readThrough = createReadThrough({
    client,
    keys,
    lock,
    breaker,
    jitter,
    negativeTtlSeconds,
    graceSeconds,
    near,
    logger: deps.logger,
  });
  const queryVersion = createQueryVersion(client, keys.queryVersion());
  // The entry, its loader lock and its fence share the entry's slot: one script call.
  const invalidateKey = (key: string, version: number | '') =>
    cacheScripts.invalidate.run(client, [key, keys.lock(key), keys.cacheFence(key)], [version, FENCE_TTL_MS]);
  // Each kind's window is the longest its entries live, so a client never has more than twice
  // its budget of them alive.
  const budget = deps.fill
    ? createFillBudget({
        perClient: checkRange('fill.perClient', deps.fill.perClient, 0),
        total: checkRange('fill.total', deps.fill.total, 0),
        windowMs: {
          negative: Math.max(1, negativeTtlSeconds * 1000 * (1 + jitter)),
          query: Math.max(1, (ttlSeconds * (1 + jitter) + graceSeconds) * 1000),
        },
      })
    : null;
  const admitNegative = (client: string | undefined): Admit | undefined =>
    budget && client !== undefined ? (negative) => !negative || budget.admit(client, 'negative') : undefined;
  const admitQuery = (client: string | undefined): Admit | undefined =>
    budget && client !== undefined ? () => budget.admit(client, 'query') : undefined;

  /** The stored form of a value written outside the loader path (set, setMany). */
  function entryFor(value: unknown, ttl: number): { payload: string; pttl: number } {
    if (value === null || value === undefined) {
      return { payload: encodeEntry(null), pttl: jitteredTtlMs(Math.max(negativeTtlSeconds, 0.001), jitter) };
    }
    const ttlMs = jitteredTtlMs(ttl, jitter);
    const graceMs = graceSeconds * 1000;
    return { payload: encodeEntry(value, graceMs > 0 ? Date.now() + ttlMs : null), pttl: ttlMs + graceMs };
  }

  async function timed<T>(
    key: string,
    loader: () => Promise<T | null>,
    ttl: number,
    onDone: (source: 'cache' | 'database', latencyMs: number) => void,
    admit?: Admit,
  ): Promise<CacheResult<T>> {
    const started = performance.now();
    const outcome = await readThrough.resolve(key, loader, ttl, false, admit);
    const latencyMs = Math.round((performance.now() - started) * 1000) / 1000;
    onDone(outcome.source, latencyMs);
    return { ...outcome, latencyMs };
  }

  return {
    async getOrLoad<T>(
      id: string,
      loader: () => Promise<T | null>,
      opts?: { ttlSeconds?: number; client?: string },
    ) {
      const ttl = opts?.ttlSeconds === undefined ? ttlSeconds : ttlOrDefault(opts.ttlSeconds, ttlSeconds);
      const started = performance.now();
      // Near-cache hit: answered in place, without Redis and without the read-through's promises.
      // Looked up before the id is validated: only keys of validated ids are ever stored, and a
      // key names exactly one id, so a hit proves the id valid (a miss validates it below).
      const local = near === null || typeof id !== 'string' ? undefined : near.get(keys.cachePrefix + id);
      const outcome =
        local === undefined
          ? await readThrough.resolve(keys.cacheEntry(id), loader, ttl, true, admitNegative(opts?.client))
          : undefined;
      const latencyMs = Math.round((performance.now() - started) * 1000) / 1000;
      if (outcome === undefined) {
        stats?.recordRead(id, 'cache', latencyMs);
        return { value: local!.value as T | null, source: 'cache', latencyMs, ttlMs: local!.ttlMs };
      }
      stats?.recordRead(id, outcome.source, latencyMs);
      const result: CacheResult<T> = {
        value: outcome.value as T | null,
        source: outcome.source,
        latencyMs,
        ttlMs: outcome.ttlMs,
      };
      if (outcome.cacheDown) result.cacheDown = true;
      if (outcome.stale) result.stale = true;
      return result;
    },

    async getOrLoadQuery<T>(
      name: string,
      params: object,
      loader: () => Promise<T>,
      opts?: { client?: string },
    ) {
      validateQueryName(name);
      const record = (source: 'cache' | 'database', latencyMs: number) => stats?.record(source, latencyMs);
      let version: string;
      try {
        version = await queryVersion.current();
      } catch (err) {
        // Without the version a cached answer could be one a catalog write already invalidated.
        deps.logger?.warn({ err, query: name }, 'query version unavailable, running the query uncached');
        const started = performance.now();
        const value = (await callLoader(loader)) as T | null;
        const latencyMs = Math.round((performance.now() - started) * 1000) / 1000;
        record('database', latencyMs);
        return { value, source: 'database' as const, latencyMs, ttlMs: null, cacheDown: true };
      }
      const key = keys.queryCache(name, queryHash(params, version));
      return timed<T>(key, loader, ttlSeconds, record, admitQuery(opts?.client));
    },

    async peek<T>(id: string) {
      const key = keys.cacheEntry(id);
      const read = await guarded('peek', () => readThrough.readEntry(key));
      if (read.kind === 'miss') return null;
      if (read.kind === 'stale') return { value: read.value as T, ttlMs: 0 };
      return { value: read.value as T | null, ttlMs: read.ttlMs };
    },

    async set(id, value, ttl) {
      const key = keys.cacheEntry(id);
      const { payload, pttl } = entryFor(value, ttlOrDefault(ttl, ttlSeconds));
      await guarded('set', () => client.set(key, payload, 'PX', pttl));
      forget(key);
    },

    async setMany(entries, ttl, opts) {
      const seconds = ttlOrDefault(ttl, ttlSeconds);
      const versions = opts?.versions;
      if (
        versions !== undefined &&
        (!Array.isArray(versions) ||
          versions.length !== entries.length ||
          !versions.every((v) => typeof v === 'number' && Number.isFinite(v)))
      ) {
        throw new ValidationError('versions must be one finite number per entry', [
          { path: ['versions'], message: 'not one number per entry' },
        ]);
      }
      const readAt = opts?.readAt;
      if (readAt !== undefined && performance.now() - readAt > FENCE_TTL_MS - FENCE_MARGIN_MS) {
        // The fences of changes made during that read may have expired: nothing can be proven fresh.
        deps.logger?.warn({ entries: entries.length }, 'setMany: read older than the fence TTL, skipped');
        return 0;
      }
      // Validate every id before writing anything, so a bad id never leaves a half-written batch.
      const rows = entries.map(([id, value], i) => ({
        key: keys.cacheEntry(id),
        version: versions?.[i] ?? 0,
        ...entryFor(value, seconds),
      }));
      let written = 0;
      const writeFenced = async (batch: typeof rows) => {
        if (client instanceof Cluster) {
          // Each entry and its fence share a slot; slots differ between entries, so one call each.
          const replies = await Promise.all(
            batch.map((row) =>
              cacheScripts.setManyFenced.run(
                client,
                [row.key, keys.cacheFence(row.key)],
                [row.payload, row.pttl, row.version],
              ),
            ),
          );
          for (const reply of replies) written += Number(reply);
        } else {
          const keyList: string[] = [];
          const args: (string | number)[] = [];
          for (const row of batch) {
            keyList.push(row.key, keys.cacheFence(row.key));
            args.push(row.payload, row.pttl, row.version);
          }
          written += Number(await cacheScripts.setManyFenced.run(client, keyList, args));
        }
        for (const row of batch) forget(row.key);
      };
      const writeBatch = async (batch: typeof rows) => {
        if (versions !== undefined) return writeFenced(batch);
        written += batch.length;
        if (client instanceof Cluster) {
          // Cache keys spread over slots and a cluster pipeline must stay in one: the SETs go
          // out back to back (one write per node connection).
          await Promise.all(batch.map((row) => client.set(row.key, row.payload, 'PX', row.pttl)));
        } else {
          // One script call per batch: measured, a fraction of the client CPU of one SET each.
          const args: (string | number)[] = [];
          for (const row of batch) args.push(row.payload, row.pttl);
          await cacheScripts.setMany.run(
            client,
            batch.map((row) => row.key),
            args,
          );
        }
        for (const row of batch) forget(row.key);
      };
      await guarded('setMany', async () => {
        // A few batches in flight keep Redis busy while the next batch is encoded.
        const inFlight: Promise<void>[] = [];
        try {
          for (let i = 0; i < rows.length; i += SET_BATCH) {
            inFlight.push(writeBatch(rows.slice(i, i + SET_BATCH)));
            if (inFlight.length >= SET_WINDOW) await inFlight.shift();
          }
          await Promise.all(inFlight);
        } catch (err) {
          await Promise.allSettled(inFlight);
          throw err;
        }
      });
      return written;
    },

    async invalidate(id, opts) {
      const key = keys.cacheEntry(id);
      const version = opts?.version === undefined ? '' : (opts.version ?? FENCE_ALL);
      const removed = await guarded('invalidate', () => invalidateKey(key, version));
      forget(key);
      return Number(removed) > 0;
    },

    async invalidateVersions(changes) {
      const rows = changes.map((c) => ({ key: keys.cacheEntry(c.id), version: c.version ?? FENCE_ALL }));
      await guarded('invalidateVersions', async () => {
        // One script per product (each in its entry's slot), all sent back to back.
        for (let i = 0; i < rows.length; i += SET_BATCH) {
          await Promise.all(rows.slice(i, i + SET_BATCH).map((r) => invalidateKey(r.key, r.version)));
        }
      });
      for (const r of rows) forget(r.key);
    },

    async flushEntries() {
      return guarded('flushEntries', async () => {
        const removed = await unlinkByPrefix(client, keys.cachePrefix, {
          keep: new Set([keys.queryVersion()]),
        });
        // The loader locks go too: a load that began before the flush can no longer store.
        await unlinkByPrefix(client, keys.cacheLockPrefix);
        near?.clear();
        return removed;
      });
    },

    async invalidatePrefix(prefix) {
      const checked = validateCachePrefix(prefix, keys);
      // The query version must survive: deleting it would restart numbering and could revive old entries.
      return guarded('invalidatePrefix', async () => {
        const removed = await unlinkByPrefix(client, checked, { keep: new Set([keys.queryVersion()]) });
        near?.clear();
        return removed;
      });
    },

    async invalidateQueries() {
      await guarded('invalidateQueries', () => queryVersion.bump());
    },

    scanKeys({ scope, ...opts }) {
      const visible = scope === 'public' ? (key: string) => keys.access(key) === 'public' : undefined;
      return guarded('scanKeys', () => scanKeyPage(client, { ...opts, ...(visible ? { visible } : {}) }));
    },

    inspect(key) {
      return guarded('inspect', () => inspectKey(client, key));
    },

    near,

    close() {
      breaker.reset();
      near?.close();
    },
  };
}
