import { randomUUID } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { cacheScripts } from './scripts.js';

/**
 * The cross-process loader lock (`SET lock:<key> <token> NX PX ttl`). Only the holder of the
 * token may write the loaded value or release the lock; both checks run inside Lua so they
 * are atomic with the write.
 */
export type AcquireResult =
  | { kind: 'entry'; raw: string; pttl: number }
  | { kind: 'acquired' }
  | { kind: 'held' };

export interface CacheLock {
  readonly ttlMs: number;
  newToken(): string;
  /** Returns the entry when present, else tries to take the lock. */
  acquire(
    entryKey: string,
    lockKey: string,
    token: string,
    opts?: { ignoreExisting?: boolean },
  ): Promise<AcquireResult>;
  /** Takes the lock for a grace-period refresh, only while the entry is still logically expired. */
  acquireForRefresh(entryKey: string, lockKey: string, token: string, nowMs: number): Promise<boolean>;
  /** Writes the entry and releases the lock if the token still owns it; false when the write was dropped. */
  storeIfOwner(
    entryKey: string,
    lockKey: string,
    token: string,
    payload: string,
    pttlMs: number,
  ): Promise<boolean>;
  release(lockKey: string, token: string): Promise<boolean>;
}

export function createCacheLock(client: Redis | Cluster, ttlMs: number): CacheLock {
  return {
    ttlMs,
    newToken: () => randomUUID(),

    async acquire(entryKey, lockKey, token, opts = {}) {
      const reply = (await cacheScripts.acquire.run(
        client,
        [entryKey, lockKey],
        [token, ttlMs, opts.ignoreExisting ? '1' : '0'],
      )) as unknown[];
      const kind = Number(reply[0]);
      if (kind === 1) return { kind: 'entry', raw: String(reply[1]), pttl: Number(reply[2]) };
      return kind === 2 ? { kind: 'acquired' } : { kind: 'held' };
    },

    async acquireForRefresh(entryKey, lockKey, token, nowMs) {
      const reply = await cacheScripts.refreshLock.run(
        client,
        [entryKey, lockKey],
        [token, ttlMs, Math.round(nowMs)],
      );
      return Number(reply) === 1;
    },

    async storeIfOwner(entryKey, lockKey, token, payload, pttlMs) {
      const reply = await cacheScripts.store.run(
        client,
        [entryKey, lockKey],
        [token, payload, Math.max(1, Math.round(pttlMs))],
      );
      return Number(reply) === 1;
    },

    async release(lockKey, token) {
      return Number(await cacheScripts.release.run(client, [lockKey], [token])) === 1;
    },
  };
}
