import { createServer } from 'node:http';
import { createPool } from '@app/catalog-postgres';
import { bareExpress, serveHttpWorker } from '../lib/http-worker.js';

/**
 * The baseline of the postgres suite's HTTP rows: a bare Express handler answering
 * GET /api/data/:id with the primary-key SELECT the postgres store runs on a miss (a pg pool of
 * 10, as the store's), in a process of its own. Express set up as the API sets it: no ETag, no
 * x-powered-by.
 */
serveHttpWorker(async (msg) => {
  const pool = createPool(String(msg.databaseUrl), { max: 10 });
  const app = bareExpress();
  app.get('/api/data/:id', async (req, res) => {
    const { rows } = await pool.query(
      'SELECT id, name, price::float8 AS price, category, in_stock, features FROM products WHERE id = $1',
      [req.params.id],
    );
    if (rows.length === 0) res.status(404).json({ error: 'not found' });
    else res.json({ data: rows[0], source: 'database' });
  });
  return { server: createServer(app), close: () => pool.end() };
});
