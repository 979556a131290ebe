import { cleanupAll, type RedisServer, startRedis, waitUntil } from '@app/testing';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createNearCache,
  createNearStore,
  NEAR_ENTRY_OVERHEAD_BYTES,
  type NearCache,
} from '../src/cache/near-cache.js';
import { createConnections, type RedisConnections } from '../src/connections/index.js';

let server: RedisServer;
let connections: RedisConnections;
let other: Redis;
let near: NearCache;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Reads a key the way the cache does: ticket first, then GET, then fill. */
async function readThrough(key: string): Promise<unknown> {
  const hit = near.get(key);
  if (hit) return hit.value;
  const ticket = near.ticket();
  const raw = await connections.writer.get(key);
  const value = raw === null ? null : JSON.parse(raw);
  near.fill(key, value, 60_000, ticket);
  return value;
}

/** SET from the other connection; resolves with the ms until our invalidation message for it was applied. */
async function writeAndWaitInvalidation(key: string, value: unknown): Promise<number> {
  let off: () => void = () => {};
  const seen = new Promise<number>((resolve) => {
    off = near.onInvalidate((keys) => {
      if (keys?.includes(key)) resolve(performance.now());
    });
  });
  const sentAt = performance.now();
  await other.set(key, JSON.stringify(value));
  const at = await seen;
  off();
  return at - sentAt;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

beforeAll(async () => {
  server = await startRedis();
  connections = createConnections({ kind: 'standalone', url: server.url });
  other = server.client();
  near = createNearCache(connections.writer, { maxBytes: 64 * 1024, heartbeatMs: 200 });
  await near.ready();
});

afterAll(async () => {
  near?.close();
  await connections?.close();
  await cleanupAll();
});

describe('near-cache invalidation through client tracking', () => {
  it('serves a filled entry locally and drops it when another connection writes the key', async () => {
    await writeAndWaitInvalidation('data:inv', { v: 1 });
    expect(await readThrough('data:inv')).toEqual({ v: 1 });
    expect(near.get('data:inv')?.value).toEqual({ v: 1 });

    await other.set('data:inv', JSON.stringify({ v: 2 }));
    await waitUntil(() => near.get('data:inv') === undefined, 2000);
    expect(await readThrough('data:inv')).toEqual({ v: 2 });
  });

  it('sees writes from another connection within a few ms (p99 measured over 200 writes)', async () => {
    const delays: number[] = [];
    for (let i = 0; i < 200; i++) {
      const key = `data:delay${i % 20}`;
      await writeAndWaitInvalidation(key, { i });
      await readThrough(key);
      expect(near.get(key)?.value).toEqual({ i });
      delays.push(await writeAndWaitInvalidation(key, { i: i + 1 }));
      expect(near.get(key)).toBeUndefined();
    }
    delays.sort((a, b) => a - b);
    const p99 = percentile(delays, 99);
    console.log(
      `near-cache invalidation delay: p50 ${percentile(delays, 50).toFixed(2)} ms, p99 ${p99.toFixed(2)} ms`,
    );
    // Two shared cores and other suites running: far looser than the benchmark's 10 ms target.
    expect(p99).toBeLessThan(100);
  });

  it('refuses to store a read that raced with an invalidation of its key', async () => {
    await writeAndWaitInvalidation('data:race', 'old');
    const ticket = near.ticket();
    const stale = await connections.writer.get('data:race');
    const seen = new Promise<void>((resolve) => {
      const off = near.onInvalidate((keys) => {
        if (keys?.includes('data:race')) {
          off();
          resolve();
        }
      });
    });
    await other.set('data:race', '"new"');
    await seen; // the invalidation is processed before the old reply is stored
    expect(near.fill('data:race', JSON.parse(stale!), 60_000, ticket)).toBe(false);
    expect(near.get('data:race')).toBeUndefined();
    // A read sent after the invalidation is stored.
    expect(await readThrough('data:race')).toBe('new');
    expect(near.get('data:race')?.value).toBe('new');
  });

  it('ignores writes outside the tracked prefix and clears everything on FLUSHALL', async () => {
    await writeAndWaitInvalidation('data:kept', 1);
    await readThrough('data:kept');
    await other.set('other:key', '1');
    await sleep(50);
    expect(near.get('data:kept')?.value).toBe(1);
    await other.flushall();
    await waitUntil(() => near.get('data:kept') === undefined, 2000);
  });

  it('hands out deep-frozen values so one caller cannot corrupt the next one', async () => {
    await writeAndWaitInvalidation('data:frozen', { a: { b: [1, 2] } });
    await readThrough('data:frozen');
    const value = near.get('data:frozen')!.value as { a: { b: number[] } };
    expect(() => {
      value.a.b.push(3);
    }).toThrow(TypeError);
    expect(near.get('data:frozen')!.value).toEqual({ a: { b: [1, 2] } });
  });

  it('clears itself when the invalidation connection is killed, and re-enables tracking with the new id', async () => {
    await writeAndWaitInvalidation('data:kill', 'before');
    await readThrough('data:kill');
    expect(near.get('data:kill')).toBeDefined();
    const oldId = near.stats().clientId!;
    expect(oldId).toBeGreaterThan(0);

    await other.client('KILL', 'ID', String(oldId));
    await waitUntil(() => !near.active, 2000);
    expect(near.get('data:kill')).toBeUndefined();
    expect(near.stats().entries).toBe(0);
    // While off, nothing is stored (a write now would not be reported).
    expect(near.fill('data:kill', 'x', 60_000, near.ticket())).toBe(false);

    await near.ready(5000);
    const newId = near.stats().clientId!;
    expect(newId).not.toBe(oldId);
    const tracking = String(await other.client('LIST', 'ID', String(newId)));
    expect(tracking).toContain('flags=P'); // subscribed (Pub/Sub)
    expect(tracking).toContain('name=near-cache-invalidation');

    // The new connection gets invalidations again.
    await writeAndWaitInvalidation('data:kill', 'after');
    expect(await readThrough('data:kill')).toBe('after');
    await other.set('data:kill', '"again"');
    await waitUntil(() => near.get('data:kill') === undefined, 2000);
  });
});

describe('near-cache byte bound', () => {
  it('keeps the accounted size under maxBytes, evicting the least recently used', () => {
    const store = createNearStore(8 * 1024);
    store.setActive(true);
    const value = { text: 'x'.repeat(200) };
    const size = JSON.stringify(value).length + 2 * 'data:k000'.length + NEAR_ENTRY_OVERHEAD_BYTES;
    for (let i = 0; i < 200; i++) {
      const key = `data:k${String(i).padStart(3, '0')}`;
      expect(store.fill(key, { ...value }, 60_000, store.ticket())).toBe(true);
      expect(store.stats().bytes).toBeLessThanOrEqual(8 * 1024);
    }
    const fits = Math.floor((8 * 1024) / size);
    expect(store.stats().entries).toBe(fits);
    expect(store.get('data:k000')).toBeUndefined(); // evicted first
    expect(store.get('data:k199')).toBeDefined();
  });

  it('refuses a value larger than the whole budget and expires entries at their Redis TTL', async () => {
    const store = createNearStore(2048);
    store.setActive(true);
    expect(store.fill('data:big', { text: 'x'.repeat(4096) }, 60_000, store.ticket())).toBe(false);
    expect(store.stats().entries).toBe(0);
    expect(store.fill('data:short', 1, 30, store.ticket())).toBe(true);
    expect(store.get('data:short')?.ttlMs).toBeLessThanOrEqual(30);
    await sleep(40);
    expect(store.get('data:short')).toBeUndefined();
  });

  it('rejects a budget too small to be useful', () => {
    expect(() => createNearStore(100)).toThrow(RangeError);
  });
});

describe('near-cache when the server stops answering', () => {
  it('goes off within two heartbeats of a paused server, and comes back after', async () => {
    await writeAndWaitInvalidation('data:pause', 1);
    await readThrough('data:pause');
    expect(near.get('data:pause')).toBeDefined();
    server.pause();
    try {
      await waitUntil(() => !near.active, 3000);
      expect(near.get('data:pause')).toBeUndefined();
    } finally {
      server.resume();
    }
    await near.ready(10_000);
    expect(near.get('data:pause')).toBeUndefined();
  });
});
