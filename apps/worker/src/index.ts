/**
 * Process entry: config, connections, logger and signals only; the worker itself is createWorker.
 * SIGTERM/SIGINT: stop taking jobs, let running ones finish (no job is left stalled), close
 * connections, exit 0. A second signal exits at once (a running job is then retried elsewhere
 * once its lock expires).
 */
import { ConfigError, createConnections, redactUrl } from '@app/redis-core';
import { pino } from 'pino';
import { startChangeStream, type WorkerChangeStream } from './change-stream.js';
import { loadWorkerConfig } from './config.js';
import { createWorker } from './create-worker.js';
import { createServices } from './services.js';

const bootLogger = pino({ name: 'worker' });

async function main() {
  const { app, settings } = loadWorkerConfig();
  const logger = pino({ name: 'worker', level: app.logLevel });
  const connections = createConnections(app.topology, {
    commandTimeoutMs: app.commandTimeoutMs,
    maxReplicaLagBytes: app.maxReplicaLagBytes,
    ...(app.queueRedisUrl === undefined ? {} : { queueRedisUrl: app.queueRedisUrl }),
    logger,
  });
  const services = createServices(app, connections, logger);
  logger.info(
    {
      topology: app.topology.kind,
      queueRedis: app.queueRedisUrl ? redactUrl(app.queueRedisUrl) : 'writer',
    },
    'starting cache worker',
  );

  // The worker may start before the API on a fresh database (compose, pnpm dev): seed here too,
  // so warm-on-start finds the seed's products. seedIfEmpty writes nothing when products exist.
  if (app.seedCatalog) {
    await services.catalog.seedIfEmpty().then(
      (written) => written > 0 && logger.info({ written }, 'seeded the empty catalog'),
      (err: Error) => logger.warn({ err: err.message }, 'could not seed the catalog (Redis down?)'),
    );
  }

  // The postgres store: every committed change of the products table invalidates the cache,
  // whoever wrote it. Every worker runs a consumer; PostgreSQL lets one stream, the others stand by.
  let changeStream: WorkerChangeStream | null = null;
  if (services.store.postgres && app.databaseUrl) {
    changeStream = startChangeStream({
      databaseUrl: app.databaseUrl,
      pool: services.store.postgres.pool,
      cache: services.cache,
      logger: logger.child({ component: 'change-stream' }),
      slotName: app.changeStreamSlot,
    });
  }

  const worker = await createWorker({
    connection: connections.queueConnectionOptions(),
    prefix: services.keys.jobsPrefix,
    keys: services.keys,
    redis: connections.writer,
    catalog: services.catalog,
    cache: services.cache,
    stats: services.stats,
    history: services.history,
    originDelayMs: app.originDelayMs,
    settings,
    logger,
    ...(changeStream ? { changeStream: () => changeStream.status() } : {}),
  });

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting without waiting for running jobs');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing running jobs');
    worker
      .close()
      .then(() => changeStream?.stop())
      .then(() => services.close())
      .then(() => connections.close())
      .then(
        () => process.exit(0),
        (err: Error) => {
          logger.error({ err: err.message }, 'shutdown failed');
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) bootLogger.fatal({ variable: err.variable }, err.message);
  else bootLogger.fatal({ err: err instanceof Error ? err.message : String(err) }, 'worker failed to start');
  process.exit(1);
});
