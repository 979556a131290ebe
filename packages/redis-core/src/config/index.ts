import { isIP } from 'node:net';
import { z } from 'zod';
import { ConfigError } from '../errors.js';

/**
 * Environment → typed, validated configuration. Every variable has one zod schema keyed by
 * its own name, so the first failing issue's path *is* the variable and the error reads
 * `PORT: must be an integer 1-65535`. Empty strings count as unset (compose files often
 * pass `VAR=` through).
 */

export interface HostPort {
  host: string;
  port: number;
}

export type Topology =
  | { kind: 'standalone'; url: string; username?: string; password?: string }
  | { kind: 'replicated'; url: string; replicaUrls: string[]; username?: string; password?: string }
  | {
      kind: 'sentinel';
      sentinels: HostPort[];
      name: string;
      username?: string;
      password?: string;
      sentinelPassword?: string;
    }
  | { kind: 'cluster'; nodes: HostPort[]; username?: string; password?: string };

export interface AppConfig {
  topology: Topology;
  queueRedisUrl?: string;
  port: number;
  cacheTtlSeconds: number;
  cacheTtlJitter: number;
  negativeTtlSeconds: number;
  graceSeconds: number;
  adminToken?: string;
  rateLimitPerMinute: number;
  originDelayMs: number;
  seedCatalog: boolean;
  commandTimeoutMs: number;
  maxReplicaLagBytes: number;
  corsOrigins: string[];
  logLevel: string;
  nearCache: { enabled: boolean; maxBytes: number };
  /** CATALOG_STORE: `redis` (the seed's layout, default) or `postgres` (DATABASE_URL). */
  catalogStore: 'redis' | 'postgres';
  /** DATABASE_URL: the PostgreSQL of the postgres store (required with it). */
  databaseUrl?: string;
  /** CHANGE_STREAM_SLOT: the logical replication slot the worker consumes (postgres store). */
  changeStreamSlot: string;
  /** HOST: the address the API listens on (loopback unless set; the Docker image sets 0.0.0.0). */
  host: string;
  /** METRICS_TOKEN / METRICS_ALLOW: who may scrape /metrics. */
  metrics: { token?: string; allow: string[] };
  /** STREAM_MAX_PER_CLIENT / STREAM_MAX_TOTAL: open event streams per client address and per process. */
  streams: { maxPerClient: number; maxTotal: number };
  /** REPLICATION_PROBE_EVERY_SECONDS: the API's own probe period (0 = off). */
  probeEverySeconds: number;
  /** CACHE_FILL_PER_CLIENT / CACHE_FILL_TOTAL: entries misses may create per TTL window. */
  cacheFill: { perClient: number; total: number };
  worker: {
    concurrency: number;
    refreshEverySeconds: number;
    warmOnStart: boolean;
    refreshThresholdRatio: number;
  };
}

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

const unset = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

function optional<T extends z.ZodType>(schema: T) {
  return z.preprocess(unset, schema.optional());
}

/** The default is fed through the same parsing as a real value (zod's .default() would skip it). */
const orDefault = (fallback: string) => (v: unknown) => unset(v) ?? fallback;

function integer(min: number, max: number, fallback: number) {
  const message = `must be an integer ${min}-${max}`;
  return z.preprocess(
    orDefault(String(fallback)),
    z
      .string({ error: message })
      .trim()
      .regex(/^-?\d+$/, message)
      .transform(Number)
      .pipe(z.number().int().min(min, message).max(max, message)),
  );
}

function decimal(min: number, max: number, fallback: number) {
  const message = `must be a number ${min}-${max}`;
  return z.preprocess(
    orDefault(String(fallback)),
    z
      .string({ error: message })
      .trim()
      .regex(/^-?(\d+\.?\d*|\.\d+)$/, message)
      .transform(Number)
      .pipe(z.number().min(min, message).max(max, message)),
  );
}

const TRUE = ['1', 'true', 'on', 'yes'];
const FALSE = ['0', 'false', 'off', 'no'];

function boolean(fallback: boolean) {
  const message = 'must be one of 1/0, true/false, on/off, yes/no';
  return z.preprocess(
    orDefault(String(fallback)),
    z
      .string({ error: message })
      .trim()
      .toLowerCase()
      .refine((v) => TRUE.includes(v) || FALSE.includes(v), message)
      .transform((v) => TRUE.includes(v)),
  );
}

function isRedisUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'redis:' || url.protocol === 'rediss:') && url.hostname !== '';
  } catch {
    return false;
  }
}

const redisUrl = z
  .string()
  .trim()
  .refine(isRedisUrl, 'must be a redis:// or rediss:// URL with a host, e.g. redis://127.0.0.1:6379');

function commaList(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

const redisUrlList = z
  .string()
  .transform(commaList)
  .refine((urls) => urls.every(isRedisUrl), 'must be a comma list of redis:// URLs');

/** `host:port`, `[::1]:port` or `redis://host:port`. */
export function parseHostPort(value: string): HostPort | null {
  const text = value.trim().replace(/^rediss?:\/\//, '');
  const colon = text.lastIndexOf(':');
  if (colon <= 0) return null;
  const host = text.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  const portText = text.slice(colon + 1);
  if (!/^\d{1,5}$/.test(portText) || !/^[A-Za-z0-9_.:-]+$/.test(host)) return null;
  const port = Number(portText);
  return port >= 1 && port <= 65535 ? { host, port } : null;
}

function isPostgresUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'postgres:' || url.protocol === 'postgresql:') && url.hostname !== '';
  } catch {
    return false;
  }
}

const hostPortList = z
  .string()
  .transform(commaList)
  .refine(
    (items) => items.length > 0 && items.every((s) => parseHostPort(s) !== null),
    'must be a comma list of host:port',
  )
  .transform((items) => items.map((s) => parseHostPort(s) as HostPort));

/** An IPv4/IPv6 address, or one with a prefix length (`10.0.0.0/8`, `fd00::/8`). */
function isAddressOrCidr(value: string): boolean {
  const [address = '', bits, extra] = value.split('/');
  const family = isIP(address);
  if (family === 0 || extra !== undefined) return false;
  if (bits === undefined) return true;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= (family === 6 ? 128 : 32);
}

const addressList = z
  .string()
  .transform(commaList)
  .refine(
    (items) => items.every(isAddressOrCidr),
    'must be a comma list of IP addresses or CIDRs (10.0.0.0/8)',
  );

const envSchema = z.object({
  REDIS_URL: optional(redisUrl),
  REDIS_REPLICA_URLS: optional(redisUrlList),
  REDIS_SENTINELS: optional(hostPortList),
  REDIS_SENTINEL_NAME: optional(
    z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be 1-64 characters of letters, digits, _ . -'),
  ),
  REDIS_SENTINEL_PASSWORD: optional(z.string()),
  REDIS_CLUSTER_NODES: optional(hostPortList),
  REDIS_PASSWORD: optional(z.string()),
  // ACL user for every data node (sentinel and cluster topologies have no URL to carry one).
  REDIS_USERNAME: optional(
    z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be 1-64 characters of letters, digits, _ . -'),
  ),
  QUEUE_REDIS_URL: optional(redisUrl),
  HOST: optional(
    z
      .string()
      .trim()
      .refine(
        (v) => isIP(v) !== 0 || /^[A-Za-z0-9.-]{1,253}$/.test(v),
        'must be an IP address or a host name',
      ),
  ),
  PORT: integer(1, 65535, 8090),
  METRICS_TOKEN: optional(z.string()),
  METRICS_ALLOW: optional(addressList),
  STREAM_MAX_PER_CLIENT: integer(1, 1000, 4),
  STREAM_MAX_TOTAL: integer(1, 100_000, 200),
  REPLICATION_PROBE_EVERY_SECONDS: integer(0, 3600, 5),
  CACHE_FILL_PER_CLIENT: integer(0, 1_000_000, 100),
  CACHE_FILL_TOTAL: integer(0, 100_000_000, 10_000),
  CACHE_TTL_SECONDS: integer(1, 31_536_000, 60),
  CACHE_TTL_JITTER: decimal(0, 0.5, 0.1),
  CACHE_NEGATIVE_TTL_SECONDS: integer(0, 86_400, 10),
  CACHE_GRACE_SECONDS: integer(0, 86_400, 0),
  ADMIN_TOKEN: optional(z.string()),
  RATE_LIMIT_PER_MINUTE: integer(0, 1_000_000, 600),
  ORIGIN_DELAY_MS: integer(0, 60_000, 0),
  SEED_CATALOG: boolean(true),
  REDIS_COMMAND_TIMEOUT_MS: integer(10, 60_000, 1000),
  REDIS_MAX_REPLICA_LAG_BYTES: integer(0, Number.MAX_SAFE_INTEGER, 1024 * 1024),
  CORS_ORIGINS: optional(z.string().transform(commaList)),
  LOG_LEVEL: optional(
    z
      .string()
      .trim()
      .toLowerCase()
      .refine(
        (v) => ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(v),
        'must be one of fatal, error, warn, info, debug, trace, silent',
      ),
  ),
  NEAR_CACHE: boolean(false),
  CATALOG_STORE: z.preprocess(
    orDefault('redis'),
    z
      .string()
      .trim()
      .toLowerCase()
      .refine((v) => v === 'redis' || v === 'postgres', 'must be redis or postgres')
      .transform((v) => v as 'redis' | 'postgres'),
  ),
  DATABASE_URL: optional(
    z
      .string()
      .trim()
      .refine(
        isPostgresUrl,
        'must be a postgres:// or postgresql:// URL with a host, e.g. postgres://user@127.0.0.1:5432/db',
      ),
  ),
  CHANGE_STREAM_SLOT: optional(
    z
      .string()
      .trim()
      .regex(/^[a-z0-9_]{1,63}$/, 'must be 1-63 characters of lower-case letters, digits, _'),
  ),
  NEAR_CACHE_MAX_BYTES: integer(1024, 2 ** 31, 8 * 1024 * 1024),
  WORKER_CONCURRENCY: integer(1, 64, 2),
  WORKER_REFRESH_EVERY_SECONDS: integer(0, 86_400, 30),
  WORKER_WARM_ON_START: boolean(true),
  WORKER_REFRESH_THRESHOLD_RATIO: decimal(0, 1, 0.2),
});

type Env = z.output<typeof envSchema>;

function topologyFrom(env: Env): Topology {
  const password = env.REDIS_PASSWORD;
  const username = env.REDIS_USERNAME;
  const withPassword = <T extends object>(t: T): T => ({
    ...t,
    ...(username === undefined ? {} : { username }),
    ...(password === undefined ? {} : { password }),
  });
  if (env.REDIS_CLUSTER_NODES) return withPassword({ kind: 'cluster', nodes: env.REDIS_CLUSTER_NODES });
  if (env.REDIS_SENTINELS) {
    return withPassword({
      kind: 'sentinel',
      sentinels: env.REDIS_SENTINELS,
      name: env.REDIS_SENTINEL_NAME ?? 'mymaster',
      ...(env.REDIS_SENTINEL_PASSWORD === undefined ? {} : { sentinelPassword: env.REDIS_SENTINEL_PASSWORD }),
    });
  }
  const url = env.REDIS_URL ?? DEFAULT_REDIS_URL;
  const replicaUrls = env.REDIS_REPLICA_URLS ?? [];
  if (replicaUrls.length > 0) return withPassword({ kind: 'replicated', url, replicaUrls });
  return withPassword({ kind: 'standalone', url });
}

/** Parses the environment; throws ConfigError naming the first bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const variable = String(issue?.path[0] ?? 'environment');
    throw new ConfigError(variable, issue?.message ?? 'invalid value');
  }
  const e = parsed.data;
  if (e.CATALOG_STORE === 'postgres' && e.DATABASE_URL === undefined) {
    throw new ConfigError('DATABASE_URL', 'required when CATALOG_STORE=postgres');
  }
  return {
    topology: topologyFrom(e),
    ...(e.QUEUE_REDIS_URL === undefined ? {} : { queueRedisUrl: e.QUEUE_REDIS_URL }),
    host: e.HOST ?? '127.0.0.1',
    port: e.PORT,
    metrics: {
      ...(e.METRICS_TOKEN === undefined ? {} : { token: e.METRICS_TOKEN }),
      allow: e.METRICS_ALLOW ?? ['127.0.0.1', '::1'],
    },
    streams: { maxPerClient: e.STREAM_MAX_PER_CLIENT, maxTotal: e.STREAM_MAX_TOTAL },
    probeEverySeconds: e.REPLICATION_PROBE_EVERY_SECONDS,
    cacheFill: { perClient: e.CACHE_FILL_PER_CLIENT, total: e.CACHE_FILL_TOTAL },
    cacheTtlSeconds: e.CACHE_TTL_SECONDS,
    cacheTtlJitter: e.CACHE_TTL_JITTER,
    negativeTtlSeconds: e.CACHE_NEGATIVE_TTL_SECONDS,
    graceSeconds: e.CACHE_GRACE_SECONDS,
    ...(e.ADMIN_TOKEN === undefined ? {} : { adminToken: e.ADMIN_TOKEN }),
    rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
    originDelayMs: e.ORIGIN_DELAY_MS,
    seedCatalog: e.SEED_CATALOG,
    commandTimeoutMs: e.REDIS_COMMAND_TIMEOUT_MS,
    maxReplicaLagBytes: e.REDIS_MAX_REPLICA_LAG_BYTES,
    corsOrigins: e.CORS_ORIGINS ?? [],
    logLevel: e.LOG_LEVEL ?? 'info',
    nearCache: { enabled: e.NEAR_CACHE, maxBytes: e.NEAR_CACHE_MAX_BYTES },
    catalogStore: e.CATALOG_STORE,
    ...(e.DATABASE_URL === undefined ? {} : { databaseUrl: e.DATABASE_URL }),
    changeStreamSlot: e.CHANGE_STREAM_SLOT ?? 'cache_invalidation',
    worker: {
      concurrency: e.WORKER_CONCURRENCY,
      refreshEverySeconds: e.WORKER_REFRESH_EVERY_SECONDS,
      warmOnStart: e.WORKER_WARM_ON_START,
      refreshThresholdRatio: e.WORKER_REFRESH_THRESHOLD_RATIO,
    },
  };
}

/** A URL safe to show or log: the password replaced by `***`. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
}
