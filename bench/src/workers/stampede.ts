import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { serveParent } from '../lib/child.js';
import { type OurStack, ourStack } from '../lib/ours.js';
import { bentocacheL2, cacheManagerRedis, type PeerCache } from '../lib/peers.js';

/**
 * One of the two stampeding processes: on `fire`, `n` concurrent reads of one missing key,
 * each with a loader that takes `loaderMs` (a slow origin) and counts its calls in Redis.
 */
let ours: OurStack | undefined;
let counter: Redis | undefined;
const peers: Record<string, PeerCache> = {};
let armed: { resolve: () => void; promise: Promise<void> } | undefined;

function arm(): void {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  armed = { resolve, promise };
}

serveParent(async (msg) => {
  switch (msg.type) {
    case 'init': {
      const url = String(msg.url);
      ours = ourStack(url);
      counter = new Redis(url);
      peers.bentocache = bentocacheL2(url);
      peers.cacheManager = cacheManagerRedis(url);
      await counter.ping();
      return 'ok';
    }
    case 'arm': {
      // Prepare the callers; they start together on 'go' so both processes overlap.
      arm();
      const lib = String(msg.lib);
      const key = String(msg.key);
      const n = Number(msg.n);
      const loaderMs = Number(msg.loaderMs);
      const loader = async () => {
        await counter!.incr(`loader-calls:${key}`);
        await sleep(loaderMs);
        return { id: key, loadedBy: process.pid };
      };
      const gate = armed!.promise;
      const calls = Array.from({ length: n }, async () => {
        await gate;
        if (lib === 'ours') return (await ours!.cache.getOrLoad(key, loader)).value;
        return peers[lib]!.getOrSet(key, loader, 60_000);
      });
      pending = Promise.all(calls);
      return 'armed';
    }
    case 'go': {
      armed!.resolve();
      const values = await pending!;
      const ok = values.filter((v) => v !== null && typeof v === 'object').length;
      return { ok };
    }
    case 'close': {
      await ours?.close();
      await Promise.all(Object.values(peers).map((p) => p.close()));
      counter?.disconnect();
      return 'ok';
    }
    default:
      throw new Error(`unknown message ${msg.type}`);
  }
});

let pending: Promise<unknown[]> | undefined;
