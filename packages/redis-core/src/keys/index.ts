import { InvalidIdError } from '../errors.js';

/**
 * The only place Redis key names are built. Everything user-supplied that ends up in a key
 * goes through `validateId` / `validateCategory` first, so a key can never carry a glob
 * (`*?[]`), a hash tag (`{}`), a separator (`:`) or a control character, and a bad id is
 * refused before any Redis call is made.
 */

const ID_PATTERN = /^[A-Za-z0-9_.-]{1,128}$/;
const CATEGORY_PATTERN = /^[a-z0-9_-]{1,64}$/;
/** Probe tokens and stat names are produced by our own code, but are still checked. */
const TOKEN_PATTERN = /^[A-Za-z0-9_.-]{1,128}$/;

function describe(value: unknown): string {
  if (typeof value !== 'string') return typeof value;
  const shown = value.length > 40 ? `${value.slice(0, 40)}…` : value;
  return JSON.stringify(shown);
}

/** 1-128 chars of `[A-Za-z0-9_.-]`, not `.` or `..`. Throws InvalidIdError; makes no Redis call. */
export function validateId(id: unknown, what = 'id'): string {
  if (typeof id !== 'string' || !ID_PATTERN.test(id) || id === '.' || id === '..') {
    throw new InvalidIdError(
      `invalid ${what} ${describe(id)}: expected 1-128 characters of letters, digits, '_', '.' or '-' (not '.' or '..')`,
    );
  }
  return id;
}

/** 1-64 chars of `[a-z0-9_-]`; input is lower-cased first ("Electronics" → "electronics"). */
export function validateCategory(c: unknown): string {
  const lowered = typeof c === 'string' ? c.toLowerCase() : c;
  if (typeof lowered !== 'string' || !CATEGORY_PATTERN.test(lowered)) {
    throw new InvalidIdError(
      `invalid category ${describe(c)}: expected 1-64 characters of lower-case letters, digits, '_' or '-'`,
    );
  }
  return lowered;
}

function validateToken(token: unknown, what: string): string {
  if (typeof token !== 'string' || !TOKEN_PATTERN.test(token)) {
    throw new InvalidIdError(`invalid ${what} ${describe(token)}`);
  }
  return token;
}

/** A key's hash tag (the part Redis Cluster hashes), or null when it has none. */
export function hashTagOf(key: string): string | null {
  const open = key.indexOf('{');
  if (open < 0) return null;
  const close = key.indexOf('}', open + 1);
  if (close < 0 || close === open + 1) return null;
  return key.slice(open + 1, close);
}

export interface Keyspace {
  readonly cluster: boolean;

  // Catalog (the seed's layout; one hash slot in cluster mode so index updates stay atomic).
  /** `db:product:<id>` (cluster: `{db}:product:<id>`), a product as JSON, no TTL. */
  product(id: unknown): string;
  /** Prefix of product keys, for SCAN patterns and for reading an id back out of a key. */
  readonly productPrefix: string;
  /** `db:products`: set of every product id. */
  products(): string;
  /** `db:category:<c>`: set of ids in a category. */
  category(c: unknown): string;
  readonly categoryPrefix: string;
  /** `db:categories`: set of every category that has products. */
  categories(): string;
  /** `db:products:by_price`: sorted set of ids scored by price. */
  productsByPrice(): string;
  /** `db:products:by_name`: sorted set (all scores 0) of `<lower-case name>\0<id>` for prefix search. */
  productsByName(): string;
  /** `db:versions`: hash id → version, bumped by every catalog write of that id (fences fills). */
  catalogVersions(): string;

  // Cache-aside entries: spread across slots in cluster mode.
  /** `data:<id>`, the seed's cache key. */
  cacheEntry(id: unknown): string;
  readonly cachePrefix: 'data:';
  /** The id inside a `data:<id>` key, or null when the key is not a cache entry. */
  idFromCacheKey(key: string): string | null;
  /** `cache:query:<name>:<hash>` (cluster: `{cache:query}:<name>:<hash>`). */
  queryCache(name: unknown, hash: unknown): string;
  readonly queryCachePrefix: string;
  /** `cache:query:version`, bumped on every catalog write (same slot as the query entries). */
  queryVersion(): string;

  /** `lock:<key>`; in cluster mode the lock shares the guarded key's slot (`lock:{data:1}`). */
  lock(key: string): string;
  readonly lockPrefix: string;
  /** Prefix of the loader locks of cache entries (`lock:data:`, cluster `lock:{data:`). */
  readonly cacheLockPrefix: string;
  /**
   * `cache:fence:<key>` (cluster: `cache:fence:{data:1}`, the entry's slot): the highest catalog
   * version `cache.invalidate` was given for the entry, so a bulk write of an older version is refused.
   */
  cacheFence(key: string): string;

  // Stats (one hash tag in cluster mode so MGET/pipelines over the series never CROSSSLOT).
  readonly statsPrefix: string;
  /** `stats:counters`: hash of totals (requests, hits, misses, latency sums…). */
  statsCounters(): string;
  /** `stats:sec:<epochSecond>`: per-second bucket of the time series. */
  statsSecond(epochSecond: number): string;
  /** `stats:hot`: sorted set id → last access time (ms). */
  statsHot(): string;
  /** `stats:hot:count`: sorted set id → access count. */
  statsHotCount(): string;
  /** `stats:<name>` for any other stats key (name: `[A-Za-z0-9_.-]`). */
  stat(name: string): string;

  // History (its own hash tag in cluster mode).
  /** `history:recent`: capped list of recent searches. */
  historyRecent(): string;
  /** `history:top`: sorted set query → count. */
  historyTop(): string;

  readonly rateLimitPrefix: 'ratelimit:';
  /** `ratelimit:<subject>:<window>` for a client subject (ip, token hash…). */
  rateLimit(subject: string, window: number | string): string;

  /** `repl:probe:<token>`: written on the master, read on each replica. */
  probe(token: string): string;
  readonly probePrefix: string;

  /** `worker:heartbeat`: the worker's liveness and last job results. */
  workerHeartbeat(): string;
  /** `worker:<name>` for other worker state. */
  worker(name: string): string;

  /** BullMQ key prefix: `bull`, or `{bull}` in cluster mode (BullMQ needs one slot per queue). */
  readonly jobsPrefix: string;

  /** `lock:repl:probe`: taken by the API instance that runs this period's replication probe. */
  probeLock(): string;
  /** `repl:probe:last`: the latest shared probe result, read by every API instance. */
  probeLast(): string;

  /**
   * Who may read a key through the key browser: `public` for the cache and the catalog (`data:`,
   * the query cache, `db:`; their cluster names too), `admin` for every other key space (queues,
   * rate limits, worker, stats, history, locks, fences, probes) and any key this package does
   * not build. The one place this is decided: listings and single reads both ask it.
   */
  access(key: string): KeyAccess;
}

export type KeyAccess = 'public' | 'admin';

export function createKeyspace(opts: { cluster?: boolean } = {}): Keyspace {
  const cluster = opts.cluster === true;
  // In cluster mode a hash tag replaces the leading segment, so `db:product:1` becomes
  // `{db}:product:1`: same shape, and every catalog key hashes to the slot of "db".
  const db = cluster ? '{db}' : 'db';
  const stats = cluster ? '{stats}' : 'stats';
  const history = cluster ? '{history}' : 'history';
  const query = cluster ? '{cache:query}' : 'cache:query';
  const productPrefix = `${db}:product:`;
  const categoryPrefix = `${db}:category:`;
  const cachePrefix = 'data:' as const;
  const rateLimitPrefix = 'ratelimit:' as const;
  // `cache:query:` covers the query entries and their version counter, never `cache:fence:`.
  const publicPrefixes = [cachePrefix, `${query}:`, `${db}:`];

  return {
    cluster,
    product: (id) => `${productPrefix}${validateId(id)}`,
    productPrefix,
    products: () => `${db}:products`,
    category: (c) => `${categoryPrefix}${validateCategory(c)}`,
    categoryPrefix,
    categories: () => `${db}:categories`,
    productsByPrice: () => `${db}:products:by_price`,
    productsByName: () => `${db}:products:by_name`,
    catalogVersions: () => `${db}:versions`,

    cacheEntry: (id) => `${cachePrefix}${validateId(id)}`,
    cachePrefix,
    idFromCacheKey: (key) => {
      if (!key.startsWith(cachePrefix)) return null;
      const id = key.slice(cachePrefix.length);
      return ID_PATTERN.test(id) && id !== '.' && id !== '..' ? id : null;
    },
    queryCache: (name, hash) =>
      `${query}:${validateToken(name, 'query name')}:${validateToken(hash, 'query hash')}`,
    queryCachePrefix: `${query}:`,
    queryVersion: () => `${query}:version`,

    lock: (key) => {
      if (typeof key !== 'string' || key.length === 0 || key.length > 512) {
        throw new InvalidIdError(`invalid lock key ${describe(key)}`);
      }
      if (!cluster || hashTagOf(key) !== null) return `lock:${key}`;
      return `lock:{${key}}`;
    },
    lockPrefix: 'lock:',
    cacheLockPrefix: cluster ? `lock:{${cachePrefix}` : `lock:${cachePrefix}`,
    cacheFence: (key) => {
      if (typeof key !== 'string' || key.length === 0 || key.length > 512) {
        throw new InvalidIdError(`invalid fence key ${describe(key)}`);
      }
      if (!cluster || hashTagOf(key) !== null) return `cache:fence:${key}`;
      return `cache:fence:{${key}}`;
    },

    statsPrefix: `${stats}:`,
    statsCounters: () => `${stats}:counters`,
    statsSecond: (epochSecond) => {
      if (!Number.isSafeInteger(epochSecond) || epochSecond < 0) {
        throw new InvalidIdError(`invalid stats second ${describe(String(epochSecond))}`);
      }
      return `${stats}:sec:${epochSecond}`;
    },
    statsHot: () => `${stats}:hot`,
    statsHotCount: () => `${stats}:hot:count`,
    stat: (name) => `${stats}:${validateToken(name, 'stats key')}`,

    historyRecent: () => `${history}:recent`,
    historyTop: () => `${history}:top`,

    rateLimitPrefix,
    rateLimit: (subject, window) => {
      // Subjects are client addresses (IPv6 has ':'); only refuse what could break a key or a pattern.
      if (typeof subject !== 'string' || !/^[\x21-\x7e]{1,200}$/.test(subject) || /[*?[\]{}]/.test(subject)) {
        throw new InvalidIdError(`invalid rate-limit subject ${describe(subject)}`);
      }
      return `${rateLimitPrefix}${subject}:${validateToken(String(window), 'rate-limit window')}`;
    },

    probe: (token) => `repl:probe:${validateToken(token, 'probe token')}`,
    probePrefix: 'repl:probe:',

    workerHeartbeat: () => 'worker:heartbeat',
    worker: (name) => `worker:${validateToken(name, 'worker key')}`,

    jobsPrefix: cluster ? '{bull}' : 'bull',

    probeLock: () => 'lock:repl:probe',
    probeLast: () => 'repl:probe:last',

    access: (key) =>
      typeof key === 'string' && publicPrefixes.some((prefix) => key.startsWith(prefix)) ? 'public' : 'admin',
  };
}
