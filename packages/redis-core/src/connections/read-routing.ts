import { isRedisConnectionError } from '../errors.js';
import { parseReplicationInfo } from '../info-parser.js';
import type { RedisClient, RedisConnections } from './index.js';

/**
 * Where the catalog's reads go. Replication is asynchronous, so a replica may not have a write
 * yet when the writer reads right after it (the fault suite measured 6 % stale reads with a
 * healthy replica and all of them with a 300 ms lag). Read-your-writes: after each write this
 * process notes the master's replication offset; a replica serves catalog reads again only once
 * its applied offset (slave_repl_offset) has reached it; until then reads go to the master and a
 * background INFO looks again. A replica read that fails for a connection reason (replica hung
 * or gone before the health check noticed) is retried once on the master, and a master read that
 * fails so is retried once on a replica if one is usable by then (a failover in progress).
 *
 * Scope: the writes of this process. In a cluster the offsets are per shard and clients are
 * routed by ioredis, so there the reads right after a write go to the masters for a short while.
 */
export interface ReadRouting {
  clientFor(consistent?: boolean): RedisClient;
  read<T>(consistent: boolean | undefined, work: (client: RedisClient) => Promise<T>): Promise<T>;
  /** Call after a write is done, before acknowledging it. */
  afterWrite(): Promise<void>;
}

/** Cluster only: how long reads stay on the masters after a write. */
const CLUSTER_PIN_MS = 2000;

export function createReadRouting(
  connections: Pick<RedisConnections, 'writer' | 'reader' | 'isCluster'>,
): ReadRouting {
  let required = 0;
  let clusterPinnedUntil = 0;
  const applied = new WeakMap<object, number>();
  const refreshing = new WeakSet<object>();

  const refresh = (replica: RedisClient) => {
    if (refreshing.has(replica)) return;
    refreshing.add(replica);
    replica
      .info('replication')
      .then((text) => applied.set(replica, parseReplicationInfo(text).offset))
      .catch(() => undefined)
      .finally(() => refreshing.delete(replica));
  };

  const clientFor = (consistent?: boolean): RedisClient => {
    const writer = connections.writer;
    if (consistent) return writer;
    if (connections.isCluster) return Date.now() < clusterPinnedUntil ? writer : connections.reader();
    const candidate = connections.reader();
    if (candidate === writer || required === 0) return candidate;
    if ((applied.get(candidate) ?? -1) >= required) return candidate;
    refresh(candidate);
    return writer;
  };

  return {
    clientFor,
    async read(consistent, work) {
      const client = clientFor(consistent);
      try {
        return await work(client);
      } catch (err) {
        if (!isRedisConnectionError(err)) throw err;
        if (client !== connections.writer) return work(connections.writer);
        // The master did not answer (down, or failing over): a replica that became usable
        // meanwhile (e.g. reconnected after the failover reconfigured it) serves the read.
        const replica = consistent ? connections.writer : connections.reader();
        if (replica === connections.writer) throw err;
        return work(replica);
      }
    },
    async afterWrite() {
      if (connections.isCluster) {
        clusterPinnedUntil = Date.now() + CLUSTER_PIN_MS;
        return;
      }
      try {
        // The latest offset, not the highest seen: a master restarted without its replication
        // history starts again from a lower one.
        const info = parseReplicationInfo(await connections.writer.info('replication'));
        if (info.role === 'master') required = info.offset;
      } catch {
        // The write is done; without the offset, keep the previous requirement.
      }
    },
  };
}
