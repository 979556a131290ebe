import type { Server } from 'node:http';
import { createPool } from '@app/catalog-postgres';
import express from 'express';
import { serveParent } from '../lib/child.js';

/**
 * The baseline of the postgres suite's HTTP rows: a bare Express handler answering
 * GET /api/data/:id with the primary-key SELECT the postgres store runs on a miss (a pg pool of
 * 10, as the store's), in a process of its own. Express set up as the API sets it: no ETag, no
 * x-powered-by.
 */
let server: Server | undefined;
let pool: ReturnType<typeof createPool> | undefined;
let requests = 0;

serveParent(async (msg) => {
  if (msg.type === 'start') {
    pool = createPool(String(msg.databaseUrl), { max: 10 });
    const app = express();
    app.set('etag', false);
    app.disable('x-powered-by');
    app.get('/api/data/:id', async (req, res) => {
      const { rows } = await pool!.query(
        'SELECT id, name, price::float8 AS price, category, in_stock, features FROM products WHERE id = $1',
        [req.params.id],
      );
      if (rows.length === 0) res.status(404).json({ error: 'not found' });
      else res.json({ data: rows[0], source: 'database' });
    });
    return new Promise((resolve) => {
      server = app.listen(0, '127.0.0.1', () => {
        server!.on('request', () => {
          requests++;
        });
        const address = server!.address();
        resolve({ port: typeof address === 'object' && address ? address.port : 0 });
      });
    });
  }
  if (msg.type === 'usage') {
    const { user, system } = process.cpuUsage();
    return { cpuUs: user + system, requests };
  }
  if (msg.type === 'stop') {
    await new Promise<void>((resolve) => {
      if (!server) return resolve();
      server.close(() => resolve());
      server.closeAllConnections();
    });
    await pool?.end();
    return 'ok';
  }
  throw new Error(`unknown message ${msg.type}`);
});
