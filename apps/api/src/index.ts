import type { Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig, redactUrl } from '@app/redis-core';
import { pino } from 'pino';
import { createApp } from './app.js';
import { resolveWebDist } from './features/web/static.js';
import { createHttpServer } from './http/http-server.js';
import { seedInBackground } from './seed.js';
import { createServices } from './services.js';

/** How long in-flight requests get to finish after SIGTERM before their sockets are closed. */
const DRAIN_MS = 10_000;
/** Hard bound on the whole shutdown: the process exits even if something hangs. */
const SHUTDOWN_MS = 15_000;

const logger = pino({ level: process.env.LOG_LEVEL?.trim().toLowerCase() || 'info', base: { app: 'api' } });

// Nothing may kill the process silently, and a stray rejection must not take the API down.
process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled promise rejection'));

function parseTrustProxy(value: string | undefined): boolean | number | string | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  if (/^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
  if (/^\d+$/.test(value)) return Number(value);
  return value; // 'loopback', a CIDR list…
}

function main(): void {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError)
      logger.fatal({ variable: err.variable }, `invalid configuration: ${err.message}`);
    else logger.fatal({ err }, 'invalid configuration');
    process.exit(1);
  }
  logger.level = config.logLevel;

  const appRoot = fileURLToPath(new URL('..', import.meta.url));
  const services = createServices(config, logger, {
    webDistDir: resolveWebDist(process.env.WEB_DIST_DIR, appRoot),
    trustProxy: parseTrustProxy(process.env.TRUST_PROXY),
  });
  const app = createApp(services);
  const stopSeeding = config.seedCatalog ? seedInBackground(services.catalog, logger) : () => {};

  const server: Server = createHttpServer(app);
  server.listen(config.port, config.host, () => {
    const topology = config.topology;
    // An IPv6 address goes in brackets in a URL; 0.0.0.0 / :: mean "every interface".
    const shown = config.host.includes(':') ? `[${config.host}]` : config.host;
    logger.info(
      {
        host: config.host,
        port: config.port,
        topology: topology.kind,
        redis: 'url' in topology ? redactUrl(topology.url) : undefined,
        web: services.webDistDir ?? null,
        originDelayMs: config.originDelayMs,
        admin: Boolean(config.adminToken),
      },
      `API listening on http://${shown}:${config.port}`,
    );
  });
  server.on('error', (err) => {
    logger.fatal({ err }, 'HTTP server error');
    process.exit(1);
  });

  let stopping = false;
  const shutdown = async (reason: string, code: number) => {
    if (stopping) return;
    stopping = true;
    logger.info({ reason }, 'shutting down: no new connections, draining requests');
    setTimeout(() => {
      logger.error('shutdown took too long, exiting');
      process.exit(code || 1);
    }, SHUTDOWN_MS).unref();
    stopSeeding();
    app.shutdown(); // SSE streams never end on their own
    const drained = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const drainTimer = setTimeout(() => server.closeAllConnections(), DRAIN_MS);
    await drained;
    clearTimeout(drainTimer);
    await services.close();
    logger.info('stopped');
    process.exit(code);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM', 0));
  process.on('SIGINT', () => void shutdown('SIGINT', 0));
  process.on('uncaughtException', (err) => {
    logger.fatal({ err }, 'uncaught exception');
    void shutdown('uncaughtException', 1);
  });
}

main();
