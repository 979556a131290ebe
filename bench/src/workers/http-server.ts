import type { Server } from 'node:http';
import { loadConfig } from '@app/redis-core';
import express from 'express';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { createApp } from '../../../apps/api/src/app.js';
import { createServices } from '../../../apps/api/src/services.js';
import { serveParent } from '../lib/child.js';

/**
 * One HTTP server per process, so each variant has a core's worth of event loop to itself:
 * - `express-ok`: Express 5 answering `{ok:true}` (the HTTP stack's own limit);
 * - `express-get`: a bare Express handler doing one ioredis GET (+ JSON.parse, res.json);
 * - `api`: our API (apps/api createApp) as index.ts builds it, `NEAR_CACHE` from the parent.
 */
let server: Server | undefined;
let close: () => Promise<void> = async () => {};
let requests = 0;

function listen(app: express.Express | ReturnType<typeof createApp>): Promise<number> {
  return new Promise((resolve, reject) => {
    server = app.listen(0, '127.0.0.1', () => {
      server!.on('request', () => {
        requests++;
      });
      const address = server!.address();
      resolve(typeof address === 'object' && address ? address.port : 0);
    });
    server.on('error', reject);
  });
}

serveParent(async (msg) => {
  if (msg.type === 'start') {
    const url = String(msg.url);
    const variant = String(msg.variant);
    if (variant === 'express-ok') {
      const app = express();
      app.get('/api/data/:id', (_req, res) => {
        res.json({ ok: true });
      });
      return { port: await listen(app) };
    }
    if (variant === 'express-get') {
      const redis = new Redis(url);
      const app = express();
      app.get('/api/data/:id', async (req, res) => {
        const raw = await redis.get(`data:${req.params.id}`);
        if (raw === null) {
          res.status(404).json({ error: 'not found' });
          return;
        }
        res.json({ data: JSON.parse(raw) });
      });
      close = async () => {
        redis.disconnect();
      };
      return { port: await listen(app) };
    }
    const env = msg.env as Record<string, string>;
    const config = loadConfig({ ...env, REDIS_URL: url });
    const logger = pino({ level: config.logLevel });
    const services = createServices(config, logger, { jobEvents: false });
    const app = createApp(services);
    if (config.nearCache.enabled) await services.cache.near?.ready(10_000);
    close = async () => {
      app.shutdown();
      await services.close();
    };
    return { port: await listen(app) };
  }
  if (msg.type === 'usage') {
    // CPU spent by this server process and requests served so far (the parent takes deltas).
    const { user, system } = process.cpuUsage();
    return { cpuUs: user + system, requests };
  }
  if (msg.type === 'stop') {
    await new Promise<void>((resolve) => {
      if (!server) return resolve();
      server.close(() => resolve());
      server.closeAllConnections();
    });
    await close();
    return 'ok';
  }
  throw new Error(`unknown message ${msg.type}`);
});
