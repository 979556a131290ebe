// @app/catalog-postgres: the catalog's PostgreSQL store and the change-stream consumer that keeps
// the Redis cache in front of it fresh. Design and guarantees: docs/postgres.md.

export { createCacheInvalidator, type InvalidationTarget } from './cache-invalidator.js';
export {
  type CatalogStoreChoice,
  type CatalogStoreConfig,
  type CatalogStoreKind,
  createCatalogStore,
} from './catalog-store.js';
export type { ChangeBatch, ProductChange } from './change-batch.js';
export {
  type ChangeApplier,
  type ChangeStreamConsumer,
  type ChangeStreamDeps,
  type ConsumerState,
  createChangeStreamConsumer,
} from './change-stream.js';
export { DatabaseUnavailableError, isDatabaseConnectionError } from './errors.js';
export { runMigrations } from './migrate.js';
export { createPool, type PoolOptions } from './pool.js';
export { createPostgresCatalog, type PostgresCatalog, type PostgresCatalogDeps } from './postgres-catalog.js';
export { createPostgresStore, type PostgresStore, type PostgresStoreOptions } from './postgres-store.js';
export type { VersionedProduct } from './product-row.js';
export { DEFAULT_SLOT, PUBLICATION, type SlotStatus, slotStatus } from './slot-admin.js';
export type { RecentInvalidation } from './stream-stats.js';
