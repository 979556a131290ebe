import { createKeyspace } from '@app/redis-core';
import { type PostgresServer, type RedisServer, startPostgres, startRedis } from '@app/testing';
import pg from 'pg';
import { type RunningApi, startApi } from './api.js';
import { startWorkerProcess, type WorkerProcess } from './worker-process.js';

/** The postgres store's stack: PostgreSQL + Redis of the test's own, the API in-process, workers as processes. */
export interface PostgresStack {
  pg: PostgresServer;
  redis: RedisServer;
  api: RunningApi;
  /** A pool of the test's own, for SQL written behind the API's back. */
  sql: pg.Pool;
  env: Record<string, string>;
  startWorker(extra?: Record<string, string>): Promise<WorkerProcess>;
  close(): Promise<void>;
}

export async function startPostgresStack(opts: { appendonly?: boolean } = {}): Promise<PostgresStack> {
  const pgServer = await startPostgres();
  const redis = await startRedis({ appendonly: opts.appendonly ?? false });
  const env = {
    REDIS_URL: redis.url,
    CATALOG_STORE: 'postgres',
    DATABASE_URL: pgServer.url(),
    RATE_LIMIT_PER_MINUTE: '0',
    REDIS_COMMAND_TIMEOUT_MS: '500',
  };
  const api = await startApi(env, { seed: true });
  const sql = new pg.Pool({ connectionString: pgServer.url(), max: 6 });
  sql.on('error', () => {});
  return {
    pg: pgServer,
    redis,
    api,
    sql,
    env,
    startWorker: (extra = {}) => startWorkerProcess({ ...env, WORKER_HEARTBEAT_MS: '500', ...extra }),
    async close() {
      await api.close().catch(() => undefined);
      await sql.end().catch(() => undefined);
    },
  };
}

/** The change-stream state of the workers (from their heartbeats, as the API reads them). */
export async function streamingWorkers(stack: PostgresStack): Promise<string[]> {
  const status = (await fetch(`${stack.api.base}/readyz`).then((r) => r.json())) as {
    changeStream?: { state?: string };
  };
  return status.changeStream?.state ? [status.changeStream.state] : [];
}

/**
 * Every `data:<id>` entry in Redis compared with the table: a product entry must equal the row,
 * a not-found entry must have no row. Returns the ids that differ (stale entries).
 */
export async function staleEntries(stack: Pick<PostgresStack, 'redis' | 'sql'>): Promise<string[]> {
  const keys = createKeyspace();
  const client = stack.redis.client();
  const entries = new Map<string, string>();
  let cursor = '0';
  do {
    const [next, batch] = await client.scan(cursor, 'MATCH', `${keys.cachePrefix}*`, 'COUNT', 1000);
    cursor = next;
    if (batch.length === 0) continue;
    const values = await client.mget(batch);
    batch.forEach((key, i) => {
      const value = values[i];
      if (value != null) entries.set(keys.idFromCacheKey(key) ?? key, value);
    });
  } while (cursor !== '0');
  const { rows } = await stack.sql.query(
    `SELECT id, name, price::float8 AS price, category, in_stock, features FROM products WHERE id = ANY($1)`,
    [[...entries.keys()]],
  );
  const table = new Map(rows.map((r) => [r.id as string, JSON.stringify(r)]));
  const stale: string[] = [];
  for (const [id, raw] of entries) {
    const row = table.get(id);
    if (raw.startsWith('!')) {
      if (row !== undefined) stale.push(id);
      continue;
    }
    // Grace entries carry a prefix; the JSON is after it.
    const json = raw.startsWith('~') ? raw.slice(raw.indexOf('~', 1) + 1) : raw;
    if (row === undefined || JSON.stringify(JSON.parse(json)) !== row) stale.push(id);
  }
  return stale;
}
