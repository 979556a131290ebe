import pg from 'pg';

export interface PoolOptions {
  max?: number;
  /** Bound of every query and of waiting for a connection, so no request hangs on a dead server. */
  timeoutMs?: number;
  logger?: { warn(obj: object, msg?: string): void };
}

/** A pg pool whose calls all end within `timeoutMs`, and whose idle-client errors are logged, not fatal. */
export function createPool(databaseUrl: string, opts: PoolOptions = {}): pg.Pool {
  const timeoutMs = opts.timeoutMs ?? 5_000;
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: opts.max ?? 10,
    connectionTimeoutMillis: Math.min(timeoutMs, 2_000),
    query_timeout: timeoutMs,
    statement_timeout: timeoutMs,
    idleTimeoutMillis: 30_000,
    application_name: 'redis-cache-catalog',
  });
  // A restarted server kills idle connections; pg emits that on the pool, which must not crash us.
  pool.on('error', (err) => opts.logger?.warn({ err: err.message }, 'postgres idle connection error'));
  return pool;
}
