/** The redis-core modules the worker's jobs use, built from one config and one set of connections. */
import {
  type AppConfig,
  createCache,
  createCatalog,
  createHistory,
  createKeyspace,
  createStats,
  type RedisConnections,
} from '@app/redis-core';
import type { Logger } from './ports.js';

export function createServices(config: AppConfig, connections: RedisConnections, logger: Logger) {
  const keys = createKeyspace({ cluster: connections.isCluster });
  const stats = createStats({ connections, keys });
  const catalog = createCatalog({ connections, keys });
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
    history,
    cache,
    async close() {
      cache.close();
      await stats.close();
    },
  };
}
