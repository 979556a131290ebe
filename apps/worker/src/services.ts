/** The redis-core modules the worker's jobs use, built from one config and one set of connections. */
import { createCatalogStore } from '@app/catalog-postgres';
import {
  type AppConfig,
  createCache,
  createHistory,
  createKeyspace,
  createStats,
  type RedisConnections,
} from '@app/redis-core';
import type { Logger } from './ports.js';

export function createServices(config: AppConfig, connections: RedisConnections, logger: Logger) {
  const keys = createKeyspace({ cluster: connections.isCluster });
  const stats = createStats({ connections, keys });
  // CATALOG_STORE: the seed's Redis layout (default) or PostgreSQL (its migrations run on first use).
  const store = createCatalogStore({ config, connections, keys, logger });
  const catalog = store.catalog;
  const history = createHistory({ connections, keys });
  // The worker only writes entries (setMany): no stats of its own, no near cache.
  const cache = createCache({
    connections,
    keys,
    ttlSeconds: config.cacheTtlSeconds,
    jitter: config.cacheTtlJitter,
    negativeTtlSeconds: config.negativeTtlSeconds,
    graceSeconds: config.graceSeconds,
    nearCache: false,
    logger,
  });
  return {
    keys,
    stats,
    catalog,
    store,
    history,
    cache,
    async close() {
      cache.close();
      await stats.close();
      await store.close();
    },
  };
}
