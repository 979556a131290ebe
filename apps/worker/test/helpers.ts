/** Shared set-up for the worker tests: a real Redis, the redis-core modules, and job helpers. */
import {
  type Cache,
  createCache,
  createCatalog,
  createConnections,
  createHistory,
  createKeyspace,
  createQueueEvents,
  createStats,
  QUEUE_NAME,
  type RedisConnections,
  type Stats,
} from '@app/redis-core';
import type { RedisServer } from '@app/testing';
import { type Job, Queue, type QueueEvents } from 'bullmq';
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

export function buildEnv(
  server: RedisServer,
  cacheOpts: { ttlSeconds?: number; jitter?: number; statsFlushMs?: number } = {},
) {
  const connections: RedisConnections = createConnections({ kind: 'standalone', url: server.url });
  const keys = createKeyspace();
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
  const connection = { host: '127.0.0.1', port: server.port };
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
    async startWorker(
      settings: Partial<WorkerSettings> = {},
      prefix = 'bull',
      logger: Logger = memoryLogger(),
    ) {
      const worker = await createWorker({
        connection,
        prefix,
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
    queue(prefix = 'bull') {
      const queue = new Queue(QUEUE_NAME, { connection, prefix });
      others.push(queue);
      return queue;
    },
    async events(prefix = 'bull'): Promise<QueueEvents> {
      const events = createQueueEvents({ connection, prefix });
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

/** Every `data:*` key, by SCAN (never KEYS). */
export async function cacheKeys(server: RedisServer): Promise<string[]> {
  const client = server.client();
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await client.scan(cursor, 'MATCH', 'data:*', 'COUNT', 1000);
    found.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  return found;
}

export async function finished(job: Job, events: QueueEvents, timeoutMs = 20_000): Promise<unknown> {
  return job.waitUntilFinished(events, timeoutMs);
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
