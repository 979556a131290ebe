import type { CatalogStoreChoice } from '@app/catalog-postgres';
import type {
  AppConfig,
  Cache,
  Catalog,
  createQueueEvents,
  History,
  JobProducer,
  Keyspace,
  RedisConnections,
  Replication,
  Stats,
} from '@app/redis-core';
import type { Logger } from 'pino';

/** BullMQ QueueEvents (progress, completed, failed…) as the stream uses them. */
export type JobEventSource = ReturnType<typeof createQueueEvents>;

/** Everything the app needs, built by services.ts (or by a test) and passed to createApp. */
export interface AppDeps {
  config: AppConfig;
  logger: Logger;
  connections: RedisConnections;
  keys: Keyspace;
  catalog: Catalog;
  /** Which store the catalog is (and, for postgres, its ping and version); absent = the Redis store. */
  catalogStore?: CatalogStoreChoice;
  cache: Cache;
  stats: Stats;
  history: History;
  replication: Replication;
  jobs: JobProducer;
  /** Without it the stream sends no `job` events; the rest works. */
  jobEvents?: JobEventSource;
  /** Built SPA to serve with an index.html fallback; null/undefined = API only. */
  webDistDir?: string | null;
  /** Express `trust proxy` (TRUST_PROXY): which proxies' X-Forwarded-For the rate limiter believes. */
  trustProxy?: boolean | number | string;
}
