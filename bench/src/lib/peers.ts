import KeyvRedis from '@keyv/redis';
import { BentoCache, bentostore } from 'bentocache';
import { memoryDriver } from 'bentocache/drivers/memory';
import { redisBusDriver, redisDriver } from 'bentocache/drivers/redis';
import { createCache as createCacheManager } from 'cache-manager';
import { Redis } from 'ioredis';
import { Keyv } from 'keyv';

/**
 * The peers a user would pick instead, each in the fastest configuration its own docs give
 * (PEER_CONFIGS says which and links the doc; the page prints it next to the tables).
 */
export interface PeerCache {
  getOrSet<T>(key: string, factory: () => Promise<T>, ttlMs: number): Promise<T>;
  set<T>(key: string, value: T, ttlMs: number): Promise<void>;
  close(): Promise<void>;
}

/** bentocache's issue for `serialize: false` in L1 with an L2 (L1 refill from L2 throws). */
export const BENTO_ISSUE_111 = 'https://github.com/Julien-R44/bentocache/issues/111';

/** How each peer is configured, with the doc that recommends it (printed on the page). */
export const PEER_CONFIGS = [
  {
    peer: 'bentocache L2',
    config:
      'Redis driver on an ioredis connection with `enableAutoPipelining: true` (bentocache takes the ioredis instance as given)',
    doc: 'https://bentocache.dev/docs/cache-drivers#redis',
  },
  {
    peer: 'bentocache L1+L2+bus',
    config: `memory L1 bounded by \`maxItems\` (no \`maxSize\`, which needs byte sizes), default \`serialize: true\`; the fast mode \`serialize: false\` cannot be used with a Redis L2 in bentocache 1.6.1: an L1 refill from L2 makes the next read throw "Cannot read properties of undefined (reading 'deserialize')" ([bentocache#111](${BENTO_ISSUE_111}), reproduced with this version); Redis L2 with auto-pipelining; Redis bus`,
    doc: 'https://bentocache.dev/docs/cache-drivers#serialize-option',
  },
  {
    peer: 'bentocache L1 only',
    config:
      'memory driver with `serialize: false` and `maxItems` (values kept as objects, no Redis): its in-memory speed, shown because the L1+L2 row cannot use this mode',
    doc: 'https://bentocache.dev/docs/cache-drivers#serialize-option',
  },
  {
    peer: 'cache-manager',
    config:
      'cache-manager 7 over Keyv + @keyv/redis (node-redis, which pipelines every command issued in one tick: auto-pipelining is its default)',
    doc: 'https://github.com/jaredwray/cacheable/tree/main/packages/cache-manager#readme',
  },
] as const;

function bentoRedis(url: string): Redis {
  return new Redis(url, { enableAutoPipelining: true });
}

export function bentocacheL2(url: string): PeerCache {
  const redis = bentoRedis(url);
  const bento = new BentoCache({
    default: 'cache',
    stores: { cache: bentostore().useL2Layer(redisDriver({ connection: redis })) },
  });
  return bentoAdapter(bento, async () => {
    await bento.disconnectAll();
    redis.disconnect();
  });
}

export function bentocacheL1L2(url: string, maxItems: number): PeerCache {
  const redis = bentoRedis(url);
  const { hostname, port } = new URL(url);
  const bento = new BentoCache({
    default: 'cache',
    stores: {
      cache: bentostore()
        .useL1Layer(memoryDriver({ maxItems }))
        .useL2Layer(redisDriver({ connection: redis }))
        .useBus(redisBusDriver({ connection: { host: hostname, port: Number(port) } })),
    },
  });
  return bentoAdapter(bento, async () => {
    await bento.disconnectAll();
    redis.disconnect();
  });
}

export function bentocacheL1Only(maxItems: number): PeerCache {
  const bento = new BentoCache({
    default: 'cache',
    stores: { cache: bentostore().useL1Layer(memoryDriver({ maxItems, serialize: false })) },
  });
  return bentoAdapter(bento, async () => {
    await bento.disconnectAll();
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
