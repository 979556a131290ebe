/** Shared set-up for the worker tests: a real Redis, the redis-core modules, and job helpers. */
import {
  bullConnection,
  type Cache,
  createCache,
  createCatalog,
  createConnections,
  createHistory,
  createKeyspace,
  createStats,
  loadConfig,
  QUEUE_NAME,
  type RedisConnections,
  type Stats,
} from '@app/redis-core';
import type { TestRedis } from '@app/testing';
import { type Job, Queue, QueueEvents } from 'bullmq';
import { type CacheWorker, createWorker, type WorkerSettings } from '../src/create-worker.js';
import type { Logger } from '../src/ports.js';

export interface LogLine {
  level: string;
  obj: object;
  msg?: string;
}

export function memoryLogger(): Logger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at = (level: string) => (obj: object, msg?: string) => {
    lines.push({ level, obj, ...(msg === undefined ? {} : { msg }) });
  };
  return { lines, info: at('info'), warn: at('warn'), error: at('error'), debug: at('debug') };
}

export const baseSettings: WorkerSettings = {
  concurrency: 2,
  refreshEveryMs: 0,
  warmOnStart: false,
  ttlMs: 60_000,
  thresholdRatio: 0.2,
  hotWindowMs: 60_000,
  limit: 1000,
  heartbeatMs: 200,
};

/**
 * The worker's modules over `startTestRedis()`'s topology (standalone or cluster, from
 * TEST_REDIS_TOPOLOGY), configured the way index.ts configures them: from the environment.
 */
export function buildEnv(
  redis: TestRedis,
  cacheOpts: { ttlSeconds?: number; jitter?: number; statsFlushMs?: number } = {},
) {
  const connections: RedisConnections = createConnections(loadConfig(redis.env).topology);
  const keys = createKeyspace({ cluster: connections.isCluster });
  const catalog = createCatalog({ connections, keys });
  const history = createHistory({ connections, keys });
  const stats: Stats = createStats({ connections, keys, flushIntervalMs: cacheOpts.statsFlushMs ?? 100 });
  const cacheDeps = {
    connections,
    keys,
    ttlSeconds: cacheOpts.ttlSeconds ?? 60,
    jitter: cacheOpts.jitter ?? 0.1,
    negativeTtlSeconds: 10,
    graceSeconds: 0,
    nearCache: false as const,
  };
  /** The worker's cache: writes only. */
  const cache: Cache = createCache(cacheDeps);
  /** An API-like cache: reads record hits and hot ids through stats. */
  const apiCache: Cache = createCache({ ...cacheDeps, stats });
  // BullMQ's connection as the worker process gets it (options, or a Cluster in cluster mode).
  const connection = connections.queueConnectionOptions();
  /** A queue prefix of our own (hash-tagged on a cluster); the default is the keyspace's. */
  const prefixOf = (name?: string) => (name === undefined ? keys.jobsPrefix : redis.queuePrefix(name));
  const workers: CacheWorker[] = [];
  const others: { close(): Promise<unknown> }[] = [];

  return {
    connections,
    keys,
    catalog,
    history,
    stats,
    cache,
    apiCache,
    connection,
    prefixOf,
    async startWorker(
      settings: Partial<WorkerSettings> = {},
      prefixName?: string,
      logger: Logger = memoryLogger(),
    ) {
      const worker = await createWorker({
        connection,
        prefix: prefixOf(prefixName),
        keys,
        redis: connections.writer,
        catalog,
        cache,
        stats,
        history,
        settings: { ...baseSettings, ...settings },
        logger,
      });
      workers.push(worker);
      return worker;
    },
    queue(prefixName?: string) {
      const queue = new Queue(QUEUE_NAME, {
        connection: bullConnection(connection),
        prefix: prefixOf(prefixName),
      });
      others.push(queue);
      return queue;
    },
    async events(prefixName?: string): Promise<QueueEvents> {
      // Read from the stream's current end, not '$' at the first XREAD: an event written between
      // this call and that XREAD (a job failing at once, a blocking connection still connecting
      // on a cluster) would otherwise be missed and a wait for it time out.
      const prefix = prefixOf(prefixName);
      const latest = await connections.writer.xrevrange(
        `${prefix}:${QUEUE_NAME}:events`,
        '+',
        '-',
        'COUNT',
        1,
      );
      const events = new QueueEvents(QUEUE_NAME, {
        connection: bullConnection(connection),
        prefix,
        lastEventId: latest[0]?.[0] ?? '0-0',
      });
      // Fault tests make it report connection errors; BullMQ prints unheard 'error' events.
      events.on('error', () => {});
      others.push(events);
      await events.waitUntilReady();
      return events;
    },
    async close() {
      await Promise.all(workers.map((w) => w.close()));
      await Promise.all(others.map((o) => o.close()));
      cache.close();
      apiCache.close();
      await stats.close();
      await connections.close();
    },
  };
}

/** Every `data:*` key, by SCAN on every master (never KEYS). */
export function cacheKeys(redis: TestRedis): Promise<string[]> {
  return redis.scanKeys('data:*');
}

export async function finished(job: Job, events: QueueEvents, timeoutMs = 20_000): Promise<unknown> {
  return job.waitUntilFinished(events, timeoutMs);
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
