import { createServer } from 'node:http';
import { loadConfig } from '@app/redis-core';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { createApp } from '../../../apps/api/src/app.js';
import { createHttpServer } from '../../../apps/api/src/http/http-server.js';
import { createServices } from '../../../apps/api/src/services.js';
import { bareExpress, serveHttpWorker } from '../lib/http-worker.js';

/**
 * One HTTP server per process, so each variant has a core's worth of event loop to itself:
 * - `express-ok`: Express 5 answering `{ok:true}` (the HTTP stack's own limit);
 * - `express-get`: a bare Express handler doing the read ours does (GET + PTTL of `data:<id>`,
 *   ioredis with auto-pipelining, JSON.parse, res.json of the value and its TTL);
 * - `api`: our API as index.ts builds and starts it (createServices with job events, createApp,
 *   the API's own HTTP server and limits, the catalog seeded when SEED_CATALOG says so), with
 *   the environment from the parent.
 * Both Express baselines have the API's Express settings: no ETag, no `x-powered-by`.
 */
serveHttpWorker(async (msg) => {
  const url = String(msg.url);
  const variant = String(msg.variant);
  if (variant === 'express-ok') {
    const app = bareExpress();
    app.get('/api/data/:id', (_req, res) => {
      res.json({ ok: true });
    });
    return { server: createServer(app) };
  }
  if (variant === 'express-get') {
    const redis = new Redis(url, { enableAutoPipelining: true });
    const app = bareExpress();
    app.get('/api/data/:id', async (req, res) => {
      const key = `data:${req.params.id}`;
      const [raw, pttl] = await Promise.all([redis.get(key), redis.pttl(key)]);
      if (raw === null) {
        res.status(404).json({ error: 'not found' });
        return;
      }
      res.json({ data: JSON.parse(raw), ttl: Math.ceil(pttl / 1000) });
    });
    return { server: createServer(app), close: async () => redis.disconnect() };
  }
  const env = msg.env as Record<string, string>;
  const config = loadConfig({ ...env, REDIS_URL: url });
  const logger = pino({ level: config.logLevel });
  const services = createServices(config, logger);
  const app = createApp(services);
  // index.ts seeds in the background; here the rounds start once it is done.
  if (config.seedCatalog) await services.catalog.seedIfEmpty();
  if (config.nearCache.enabled) await services.cache.near?.ready(10_000);
  const close = async () => {
    app.shutdown();
    await services.close();
  };
  return { server: createHttpServer(app), close };
});
