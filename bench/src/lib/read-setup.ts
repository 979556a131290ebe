import { startRedis } from '@app/testing';
import { Redis } from 'ioredis';
import type { BenchConfig } from './config.js';
import { benchValues } from './data.js';
import { ourStack } from './ours.js';
import {
  bentocacheL1L2,
  bentocacheL1Only,
  bentocacheL2,
  cacheManagerRedis,
  type PeerCache,
} from './peers.js';

/** Every read variant of the cache-read suites, its row label. */
export const READ_VARIANTS = {
  rawAuto: 'raw ioredis GET + PTTL + JSON.parse, auto-pipelining',
  raw: 'raw ioredis GET + PTTL + JSON.parse, one pipeline per read',
  rawGet: 'raw ioredis GET + JSON.parse (no TTL read: one command, as cache-manager reads), auto-pipelining',
  oursL2: 'ours getOrLoad, L2 (Redis) hit',
  oursL1: 'ours getOrLoad, near-cache hit',
  bentoL2: 'bentocache getOrSet, L2 hit',
  bentoL1: 'bentocache getOrSet, L1+L2+bus hit',
  bentoL1Only: 'bentocache getOrSet, L1 only, serialize: false',
  cacheManager: 'cache-manager wrap (@keyv/redis) hit',
} as const;
export type ReadVariant = keyof typeof READ_VARIANTS;

const NEAR_BYTES = 64 * 1024 * 1024;
const L1_ITEMS = 1_000_000;

export interface ReadSetup {
  admin: Redis;
  keys: number;
  ops: Record<ReadVariant, (i: number) => Promise<unknown>>;
  /** Loader calls so far (every read should be a hit: must not grow during the rounds). */
  loaderCalls(): number;
  close(): Promise<void>;
}

/**
 * One redis-server, N keys of JSON, and every variant's client, each key written warm for each
 * variant (the raw rows read `data:<id>` with the plain JSON: the same bytes our cache stores).
 * Ours and the raw rows read the value and its TTL (the API answers the TTL); the peers' reads
 * do what their getOrSet does.
 */
export async function readSetup(cfg: BenchConfig): Promise<ReadSetup> {
  const server = await startRedis();
  const url = server.url;
  const values = benchValues(cfg.keys, cfg.valueBytes);
  const ids = values.map((v) => v.id);
  const ttlMs = 3600_000;
  let loaderCalls = 0;
  const loaders = values.map((v) => () => {
    loaderCalls++;
    return Promise.resolve(v);
  });

  const raw = new Redis(url);
  const rawAuto = new Redis(url, { enableAutoPipelining: true });
  const seed = raw.pipeline();
  for (const v of values) seed.set(`data:${v.id}`, JSON.stringify(v), 'PX', ttlMs);
  await seed.exec();
  const rawKeys = ids.map((id) => `data:${id}`);

  const l2 = ourStack(url);
  const l1 = ourStack(url, { nearCacheBytes: NEAR_BYTES });
  const peers = {
    bentoL2: bentocacheL2(url),
    bentoL1: bentocacheL1L2(url, L1_ITEMS),
    bentoL1Only: bentocacheL1Only(L1_ITEMS),
    cacheManager: cacheManagerRedis(url),
  } satisfies Record<string, PeerCache>;
  const peerKeys = Object.fromEntries(
    Object.keys(peers).map((name) => [name, ids.map((id) => `${name}:${id}`)]),
  ) as Record<keyof typeof peers, string[]>;
  for (const [name, peer] of Object.entries(peers) as [keyof typeof peers, PeerCache][]) {
    for (let i = 0; i < values.length; i += 500) {
      await Promise.all(values.slice(i, i + 500).map((v, j) => peer.set(peerKeys[name][i + j]!, v, ttlMs)));
    }
  }
  const peerOp = (name: keyof typeof peers) => (i: number) =>
    peers[name].getOrSet(peerKeys[name][i]!, loaders[i]!, ttlMs);

  const ops: ReadSetup['ops'] = {
    rawAuto: async (i) => {
      // Both commands leave in the same auto-pipeline flush: one round trip, like ours.
      const [value, pttl] = await Promise.all([rawAuto.get(rawKeys[i]!), rawAuto.pttl(rawKeys[i]!)]);
      return [JSON.parse(value!), pttl];
    },
    // The work of cache-manager's hit: one GET (it keeps the expiry inside its JSON), no PTTL.
    rawGet: async (i) => JSON.parse((await rawAuto.get(rawKeys[i]!))!),
    raw: async (i) => {
      const res = await raw.pipeline().get(rawKeys[i]!).pttl(rawKeys[i]!).exec();
      return [JSON.parse(res![0]![1] as string), res![1]![1]];
    },
    oursL2: (i) => l2.cache.getOrLoad(ids[i]!, loaders[i]!),
    oursL1: (i) => l1.cache.getOrLoad(ids[i]!, loaders[i]!),
    bentoL2: peerOp('bentoL2'),
    bentoL1: peerOp('bentoL1'),
    bentoL1Only: peerOp('bentoL1Only'),
    cacheManager: peerOp('cacheManager'),
  };
  return {
    admin: server.client(),
    keys: values.length,
    ops,
    loaderCalls: () => loaderCalls,
    async close() {
      await Promise.all([l2.close(), l1.close(), ...Object.values(peers).map((p) => p.close())]);
      raw.disconnect();
      rawAuto.disconnect();
      await server.destroy();
    },
  };
}

/** Reads every key once through `op` (fills the L1s), 256 at a time. */
export async function touchAll(op: (i: number) => Promise<unknown>, keys: number): Promise<void> {
  for (let i = 0; i < keys; i += 256) {
    await Promise.all(Array.from({ length: Math.min(256, keys - i) }, (_, j) => op(i + j)));
  }
}
