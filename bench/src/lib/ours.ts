import {
  type Cache,
  createCache,
  createConnections,
  createKeyspace,
  createStats,
  type Keyspace,
  type RedisConnections,
  type Stats,
} from '@app/redis-core';

/** Our stack built the way apps/api/src/services.ts builds it (connections, stats, cache). */
export interface OurStack {
  connections: RedisConnections;
  keys: Keyspace;
  stats: Stats;
  cache: Cache;
  close(): Promise<void>;
}

export function ourStack(url: string, opts: { nearCacheBytes?: number; ttlSeconds?: number } = {}): OurStack {
  const connections = createConnections({ kind: 'standalone', url });
  const keys = createKeyspace();
  const stats = createStats({ connections, keys });
  const cache = createCache({
    connections,
    keys,
    stats,
    ttlSeconds: opts.ttlSeconds ?? 3600,
    jitter: 0.1,
    negativeTtlSeconds: 10,
    graceSeconds: 0,
    nearCache: opts.nearCacheBytes ? { maxBytes: opts.nearCacheBytes } : false,
  });
  return {
    connections,
    keys,
    stats,
    cache,
    async close() {
      cache.close();
      await stats.close();
      await connections.close();
    },
  };
}
