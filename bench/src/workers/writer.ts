import { BentoCache, bentostore } from 'bentocache';
import { memoryDriver } from 'bentocache/drivers/memory';
import { redisBusDriver, redisDriver } from 'bentocache/drivers/redis';
import { Redis } from 'ioredis';
import { serveParent, wallMs } from '../lib/child.js';

/**
 * "Another process" that writes: a plain ioredis SET for our near-cache (it must see writes
 * from any client), and bentocache's own set (its bus only knows writes made through it).
 */
let redis: Redis | undefined;
let bento: BentoCache<{ cache: ReturnType<typeof bentostore> }> | undefined;

serveParent(async (msg) => {
  switch (msg.type) {
    case 'init': {
      const url = String(msg.url);
      redis = new Redis(url);
      const { hostname, port } = new URL(url);
      bento = new BentoCache({
        default: 'cache',
        stores: {
          cache: bentostore()
            .useL1Layer(memoryDriver({ maxSize: 16 * 1024 * 1024, maxItems: 100_000 }))
            .useL2Layer(redisDriver({ connection: new Redis(url) }))
            .useBus(redisBusDriver({ connection: { host: hostname, port: Number(port) } })),
        },
      });
      await redis.ping();
      return 'ok';
    }
    case 'write': {
      const key = String(msg.key);
      const value = msg.value;
      const sentAt = wallMs();
      if (msg.via === 'bentocache') await bento!.set({ key, value, ttl: 3600_000 });
      else await redis!.set(key, JSON.stringify(value), 'PX', 3600_000);
      return { sentAt, ackAt: wallMs() };
    }
    case 'close': {
      await bento?.disconnectAll();
      redis?.disconnect();
      return 'ok';
    }
    default:
      throw new Error(`unknown message ${msg.type}`);
  }
});
