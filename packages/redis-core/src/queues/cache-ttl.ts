/**
 * TTL refresh (refresh-ahead) needs the PTTL left on many cache entries at once: one pipeline for
 * a whole batch instead of one round trip per key.
 */
import type { Cluster, Redis } from 'ioredis';
import type { Keyspace } from '../keys/index.js';

/**
 * PTTL in ms of `data:<id>` for each id, in order: -2 when the entry is absent, -1 when it has no
 * TTL. Standalone/replicated/sentinel: one pipeline. Cluster: the entries spread across slots,
 * so the commands are issued together and ioredis groups them per node.
 */
export async function readCacheTtls(
  client: Redis | Cluster,
  keys: Pick<Keyspace, 'cacheEntry'>,
  ids: readonly string[],
): Promise<number[]> {
  if (ids.length === 0) return [];
  const entryKeys = ids.map((id) => keys.cacheEntry(id));
  if (client.isCluster) return Promise.all(entryKeys.map((key) => client.pttl(key)));
  const pipeline = client.pipeline();
  for (const key of entryKeys) pipeline.pttl(key);
  const replies = (await pipeline.exec()) ?? [];
  return replies.map(([err, ttl]) => {
    if (err) throw err;
    return Number(ttl);
  });
}
