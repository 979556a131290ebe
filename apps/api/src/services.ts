import { createCatalogStore } from '@app/catalog-postgres';
import {
  type AppConfig,
  createCache,
  createConnections,
  createHistory,
  createJobProducer,
  createKeyspace,
  createQueueEvents,
  createReplication,
  createStats,
  type QueueDeps,
} from '@app/redis-core';
import type { Logger } from 'pino';
import type { AppDeps } from './deps.js';
import { throttled } from './http/timeout.js';

export interface Services extends AppDeps {
  /** Final stats flush, then every Redis client closed; bounded so a dead Redis cannot stall exit. */
  close(): Promise<void>;
}

/** Wait at most `ms` for a step of the shutdown; a dead Redis must not keep the process alive. */
async function bounded(step: Promise<unknown>, ms: number, what: string, logger: Logger): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      logger.warn(`${what}: gave up after ${ms} ms`);
      resolve();
    }, ms);
  });
  try {
    await Promise.race([step.catch((err) => logger.warn({ err }, `${what} failed`)), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Builds the Redis-backed services from the configuration, as @app/redis-core's factories. */
export function createServices(
  config: AppConfig,
  logger: Logger,
  opts: Pick<AppDeps, 'webDistDir' | 'trustProxy'> & { jobEvents?: boolean } = {},
): Services {
  const connections = createConnections(config.topology, {
    commandTimeoutMs: config.commandTimeoutMs,
    maxReplicaLagBytes: config.maxReplicaLagBytes,
    ...(config.queueRedisUrl ? { queueRedisUrl: config.queueRedisUrl } : {}),
    logger: logger.child({ component: 'redis' }),
  });
  const keys = createKeyspace({ cluster: connections.isCluster });
  const stats = createStats({ connections, keys });
  // CATALOG_STORE: the seed's Redis layout (default) or PostgreSQL (migrations run on first use).
  const catalogStore = createCatalogStore({
    config,
    connections,
    keys,
    logger: logger.child({ component: 'catalog' }),
  });
  const catalog = catalogStore.catalog;
  const cache = createCache({
    connections,
    keys,
    stats,
    ttlSeconds: config.cacheTtlSeconds,
    jitter: config.cacheTtlJitter,
    negativeTtlSeconds: config.negativeTtlSeconds,
    graceSeconds: config.graceSeconds,
    nearCache: config.nearCache.enabled ? { maxBytes: config.nearCache.maxBytes } : false,
    fill: config.cacheFill,
    logger: logger.child({ component: 'cache' }),
  });
  const history = createHistory({ connections, keys });
  const replication = createReplication({ connections, keys });

  const queueDeps: QueueDeps = { connection: connections.queueConnectionOptions(), prefix: keys.jobsPrefix };
  const jobs = createJobProducer(queueDeps);
  // BullMQ emits 'error' on connection trouble; an EventEmitter 'error' without a listener would crash the process.
  // Throttled: while the queue Redis is down BullMQ reports every reconnect attempt.
  const queueLog = logger.child({ component: 'queue' });
  jobs.queue.on(
    'error',
    throttled(10_000, (err) => queueLog.warn({ err: (err as Error).message }, 'queue connection error')),
  );
  const jobEvents = opts.jobEvents === false ? undefined : createQueueEvents(queueDeps);
  jobEvents?.on(
    'error',
    throttled(10_000, (err) =>
      queueLog.warn({ err: (err as Error).message }, 'queue events connection error'),
    ),
  );

  return {
    config,
    logger,
    connections,
    keys,
    catalog,
    catalogStore,
    cache,
    stats,
    history,
    replication,
    jobs,
    ...(jobEvents ? { jobEvents } : {}),
    ...(opts.webDistDir === undefined ? {} : { webDistDir: opts.webDistDir }),
    ...(opts.trustProxy === undefined ? {} : { trustProxy: opts.trustProxy }),
    async close() {
      await bounded(Promise.all([jobEvents?.close(), jobs.close()]), 2000, 'closing the job queue', logger);
      await bounded(stats.close(), 2000, 'final stats flush', logger);
      cache.close();
      await bounded(replication.close(), 1000, 'closing replication node clients', logger);
      await bounded(connections.close(), 2000, 'closing Redis connections', logger);
      await bounded(catalogStore.close(), 2000, 'closing the catalog database pool', logger);
    },
  };
}
