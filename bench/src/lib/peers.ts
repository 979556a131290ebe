import KeyvRedis from '@keyv/redis';
import { BentoCache, bentostore } from 'bentocache';
import { memoryDriver } from 'bentocache/drivers/memory';
import { redisBusDriver, redisDriver } from 'bentocache/drivers/redis';
import { createCache as createCacheManager } from 'cache-manager';
import { Redis } from 'ioredis';
import { Keyv } from 'keyv';

/**
 * The peers a user would pick instead, configured the way their docs show for a Redis L2
 * (and, for bentocache, an L1 kept coherent with its Redis bus: the peer of our near-cache).
 */
export interface PeerCache {
  getOrSet<T>(key: string, factory: () => Promise<T>, ttlMs: number): Promise<T>;
  set<T>(key: string, value: T, ttlMs: number): Promise<void>;
  close(): Promise<void>;
}

export function bentocacheL2(url: string): PeerCache {
  const redis = new Redis(url);
  const bento = new BentoCache({
    default: 'cache',
    stores: { cache: bentostore().useL2Layer(redisDriver({ connection: redis })) },
  });
  return bentoAdapter(bento, async () => {
    await bento.disconnectAll();
    redis.disconnect();
  });
}

export function bentocacheL1L2(url: string, maxBytes: number): PeerCache {
  const redis = new Redis(url);
  const { hostname, port } = new URL(url);
  const bento = new BentoCache({
    default: 'cache',
    stores: {
      cache: bentostore()
        .useL1Layer(memoryDriver({ maxSize: maxBytes, maxItems: 1_000_000 }))
        .useL2Layer(redisDriver({ connection: redis }))
        .useBus(redisBusDriver({ connection: { host: hostname, port: Number(port) } })),
    },
  });
  return bentoAdapter(bento, async () => {
    await bento.disconnectAll();
    redis.disconnect();
  });
}

function bentoAdapter(
  bento: BentoCache<{ cache: ReturnType<typeof bentostore> }>,
  close: () => Promise<void>,
): PeerCache {
  return {
    getOrSet: (key, factory, ttlMs) => bento.getOrSet({ key, factory, ttl: ttlMs }),
    set: async (key, value, ttlMs) => {
      await bento.set({ key, value, ttl: ttlMs });
    },
    close,
  };
}

export function cacheManagerRedis(url: string): PeerCache {
  const store = new KeyvRedis(url);
  const cache = createCacheManager({ stores: [new Keyv({ store })] });
  return {
    getOrSet: (key, factory, ttlMs) => cache.wrap(key, factory, ttlMs),
    set: async (key, value, ttlMs) => {
      await cache.set(key, value, ttlMs);
    },
    close: async () => {
      await cache.disconnect();
    },
  };
}
