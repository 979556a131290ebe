import { type Catalog, createCatalog, type Keyspace, type RedisConnections } from '@app/redis-core';
import { createPostgresStore, type PostgresStore } from './postgres-store.js';

export type CatalogStoreKind = 'redis' | 'postgres';

export interface CatalogStoreConfig {
  catalogStore: CatalogStoreKind;
  databaseUrl?: string | undefined;
}

/** The catalog an app runs on, chosen by CATALOG_STORE, and what must be closed with it. */
export interface CatalogStoreChoice {
  kind: CatalogStoreKind;
  catalog: Catalog;
  /** Set for the postgres store (its pool, migrations, versioned reads). */
  postgres: PostgresStore | null;
  /** PostgreSQL answers a trivial query within the pool's timeout (throws otherwise); null for Redis. */
  ping: (() => Promise<void>) | null;
  /** The PostgreSQL server's version (asked once, then remembered); null for Redis. */
  serverVersion: (() => Promise<string>) | null;
  close(): Promise<void>;
}

/**
 * `redis` (default): the seed's layout in Redis, as the workshop has it. `postgres`: the products
 * table at DATABASE_URL (loadConfig already refused a postgres store without one).
 */
export function createCatalogStore(deps: {
  config: CatalogStoreConfig;
  connections: RedisConnections;
  keys: Keyspace;
  logger?: { info(obj: object, msg?: string): void; warn(obj: object, msg?: string): void };
}): CatalogStoreChoice {
  if (deps.config.catalogStore === 'postgres') {
    if (!deps.config.databaseUrl) throw new Error('the postgres catalog store needs DATABASE_URL');
    const store = createPostgresStore(deps.config.databaseUrl, deps.logger ? { logger: deps.logger } : {});
    let version: Promise<string> | null = null;
    return {
      kind: 'postgres',
      catalog: store.catalog,
      postgres: store,
      ping: async () => {
        await store.pool.query('SELECT 1');
      },
      serverVersion: () => {
        version ??= store.pool.query<{ server_version: string }>('SHOW server_version').then(
          (r) => r.rows[0]?.server_version ?? 'unknown',
          (err: unknown) => {
            version = null;
            throw err;
          },
        );
        return version;
      },
      close: () => store.close(),
    };
  }
  return {
    kind: 'redis',
    catalog: createCatalog({ connections: deps.connections, keys: deps.keys }),
    postgres: null,
    ping: null,
    serverVersion: null,
    close: async () => {},
  };
}
