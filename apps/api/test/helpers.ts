import { loadConfig } from '@app/redis-core';
import type { RedisServer, TestRedis } from '@app/testing';
import { pino } from 'pino';
import { type ApiApp, createApp } from '../src/app.js';
import { createServices, type Services } from '../src/services.js';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';
export const admin = { Authorization: `Bearer ${ADMIN_TOKEN}` };

export interface TestApi {
  app: ApiApp;
  services: Services;
  close(): Promise<void>;
}

/**
 * The real app over real services (real Redis from @app/testing): exactly what index.ts builds,
 * minus listen. Tests set what they need through the same environment variables as production.
 * `target` is usually `startTestRedis()`'s result, so the same test runs against a standalone
 * server or a cluster (TEST_REDIS_TOPOLOGY); a bare server means a test tied to one node.
 */
export async function buildTestApi(
  target: TestRedis | RedisServer | { url: string },
  env: Record<string, string> = {},
  opts: { seed?: boolean; jobEvents?: boolean; webDistDir?: string } = {},
): Promise<TestApi> {
  const config = loadConfig({
    ...('env' in target ? target.env : { REDIS_URL: target.url }),
    ADMIN_TOKEN,
    RATE_LIMIT_PER_MINUTE: '0',
    REDIS_COMMAND_TIMEOUT_MS: '500',
    LOG_LEVEL: 'silent',
    ...env,
  });
  const services = createServices(config, pino({ level: 'silent' }), {
    jobEvents: opts.jobEvents ?? false,
    ...(opts.webDistDir ? { webDistDir: opts.webDistDir } : {}),
  });
  if (opts.seed !== false) await services.catalog.seedIfEmpty();
  const app = createApp(services);
  return {
    app,
    services,
    async close() {
      app.shutdown();
      await services.close();
    },
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
