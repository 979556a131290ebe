import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { type ApiApp, createApp } from '@app/api/src/app.js';
import type { AppDeps } from '@app/api/src/deps.js';
import { createServices, type Services } from '@app/api/src/services.js';
import { type AppConfig, loadConfig } from '@app/redis-core';

// The API's own pino (a dependency of @app/api), so the logger is the one the app ships with.
const requireFromApi = createRequire(import.meta.resolve('@app/api/package.json'));
type Logger = Parameters<typeof createServices>[1];
const { pino } = requireFromApi('pino') as { pino: (opts: { level: string }) => Logger };

export const ADMIN_TOKEN = 'faults-admin-token-0123456789abcdef';
export const adminHeaders = { Authorization: `Bearer ${ADMIN_TOKEN}` };

export interface RunningApi {
  app: ApiApp;
  services: Services;
  config: AppConfig;
  server: Server;
  /** http://127.0.0.1:<port> */
  base: string;
  close(): Promise<void>;
}

export function silentLogger(): Logger {
  return pino({ level: process.env.FAULTS_LOG_LEVEL ?? 'silent' });
}

/**
 * The shipped API: configuration through loadConfig from an environment object (the same
 * parser index.ts uses), services from createServices, the app from createApp, listening on a
 * free port. `wrap` may instrument a dependency (e.g. count origin queries) before the app is built.
 */
export async function startApi(
  env: Record<string, string>,
  opts: { seed?: boolean; wrap?: (deps: Services) => Partial<AppDeps> } = {},
): Promise<RunningApi> {
  const config = loadConfig({
    ADMIN_TOKEN,
    LOG_LEVEL: 'silent',
    SEED_CATALOG: 'false',
    ...env,
  });
  const services = createServices(config, silentLogger(), { jobEvents: false });
  if (opts.seed) await services.catalog.seedIfEmpty();
  const app = createApp({ ...services, ...(opts.wrap?.(services) ?? {}) });
  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    app,
    services,
    config,
    server,
    base: `http://127.0.0.1:${port}`,
    async close() {
      app.shutdown();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await services.close();
    },
  };
}
