import type pg from 'pg';
import { runMigrations } from './migrate.js';
import { createPool } from './pool.js';
import { createPostgresCatalog, type PostgresCatalog } from './postgres-catalog.js';

export interface PostgresStore {
  catalog: PostgresCatalog;
  pool: pg.Pool;
  /** Resolves once the migrations ran (every catalog call waits for it; a failure is retried). */
  ready(): Promise<void>;
  close(): Promise<void>;
}

export interface PostgresStoreOptions {
  logger?: { info(obj: object, msg?: string): void; warn(obj: object, msg?: string): void };
  /** Pool size (default 10). */
  max?: number;
  timeoutMs?: number;
}

/**
 * The catalog's PostgreSQL store as an app builds it: a bounded pool, and the migrations run
 * before the first call, under node-pg-migrate's advisory lock. Lazy, so an API or worker
 * starting while PostgreSQL is down still starts (answering 503) and migrates once it is back.
 */
export function createPostgresStore(databaseUrl: string, opts: PostgresStoreOptions = {}): PostgresStore {
  const pool = createPool(databaseUrl, {
    ...(opts.max === undefined ? {} : { max: opts.max }),
    ...(opts.timeoutMs === undefined ? {} : { timeoutMs: opts.timeoutMs }),
    ...(opts.logger ? { logger: opts.logger } : {}),
  });
  let migrated: Promise<void> | null = null;
  const ready = () => {
    migrated ??= runMigrations(databaseUrl, opts.logger).then(
      () => undefined,
      (err: unknown) => {
        migrated = null;
        throw err;
      },
    );
    return migrated;
  };
  const catalog = createPostgresCatalog({ pool, ready });
  return {
    catalog,
    pool,
    ready,
    async close() {
      await pool.end();
    },
  };
}
