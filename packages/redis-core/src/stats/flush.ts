import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Cluster, Redis } from 'ioredis';
import { execPipeline } from '../guard.js';
import type { Keyspace } from '../keys/index.js';
import { bucketField } from './histogram.js';
import type { PendingStats } from './pending.js';

/**
 * Writes one batch of counters in ONE round trip: a MULTI/EXEC pipeline, so a batch lands
 * entirely or not at all. Each batch also records its id in `stats:flushes`, because a flush
 * that "failed" (timeout during an outage) may still be replayed by the client when the link
 * comes back; before retrying, the flusher asks whether the batch landed, so nothing is
 * counted twice. In cluster mode every stats key shares the `{stats}` slot, so MULTI is legal.
 */

/** Per-second buckets, hot entries and flush ids are kept this long. */
export const WINDOW_SECONDS = 600;
export const HOT_MAX_MEMBERS = 10_000;
const SOURCES = ['cache', 'database'] as const;
const HOT_COUNT_LUA = readFileSync(new URL('./hot-count-1.lua', import.meta.url), 'utf8');

export interface FlushBatch {
  id: string;
  stats: PendingStats;
}

export const newBatch = (stats: PendingStats): FlushBatch => ({ id: randomUUID(), stats });
export const histogramKey = (keys: Keyspace, source: 'cache' | 'database') => keys.stat(`latency_${source}`);
export const flushesKey = (keys: Keyspace) => keys.stat('flushes');

const round3 = (n: number) => Math.round(n * 1000) / 1000;

export async function writeBatch(client: Redis | Cluster, keys: Keyspace, batch: FlushBatch): Promise<void> {
  const b = batch.stats;
  const now = Date.now();
  const tx = client.multi();
  const counters = keys.statsCounters();
  if (b.requests > 0) {
    tx.hincrby(counters, 'requests', b.requests);
    if (b.hits) tx.hincrby(counters, 'hits', b.hits);
    if (b.misses) tx.hincrby(counters, 'misses', b.misses);
    if (b.cacheMs) tx.hincrbyfloat(counters, 'cache_ms_sum', round3(b.cacheMs));
    if (b.dbMs) tx.hincrbyfloat(counters, 'db_ms_sum', round3(b.dbMs));
  }
  for (const [second, s] of b.seconds) {
    const key = keys.statsSecond(second);
    if (s.hits) tx.hincrby(key, 'hits', s.hits);
    if (s.misses) tx.hincrby(key, 'misses', s.misses);
    if (s.cacheMs) tx.hincrbyfloat(key, 'cache_ms_sum', round3(s.cacheMs));
    if (s.dbMs) tx.hincrbyfloat(key, 'db_ms_sum', round3(s.dbMs));
    tx.expire(key, WINDOW_SECONDS);
  }
  for (const source of SOURCES) {
    const counts = b.histogram[source];
    for (let index = 0; index < counts.length; index++) {
      const n = counts[index]!;
      if (n > 0) tx.hincrby(histogramKey(keys, source), bucketField(index), n);
    }
  }
  if (b.hot.size > 0) {
    const hot = keys.statsHot();
    const hotCount = keys.statsHotCount();
    const members: (string | number)[] = [];
    const counts: (string | number)[] = [];
    for (const [id, access] of b.hot) {
      members.push(access.last, id);
      counts.push(access.count, id);
    }
    // GT: another process may already have stored a later access of the same id.
    tx.zadd(hot, 'GT', ...members);
    // One EVAL for every id's count, not one ZINCRBY each (EVAL, not EVALSHA: a NOSCRIPT inside
    // MULTI would fail the batch).
    tx.eval(HOT_COUNT_LUA, 1, hotCount, ...counts);
    tx.zremrangebyscore(hot, '-inf', now - WINDOW_SECONDS * 1000);
    tx.zremrangebyrank(hot, 0, -(HOT_MAX_MEMBERS + 1));
    tx.zremrangebyrank(hotCount, 0, -(HOT_MAX_MEMBERS + 1));
  }
  const flushes = flushesKey(keys);
  tx.zadd(flushes, now, batch.id);
  tx.zremrangebyscore(flushes, '-inf', now - WINDOW_SECONDS * 1000);
  await execPipeline(tx);
}

/** Whether a batch whose write "failed" was applied after all. */
export async function batchLanded(
  client: Redis | Cluster,
  keys: Keyspace,
  batch: FlushBatch,
): Promise<boolean> {
  return (await client.zscore(flushesKey(keys), batch.id)) !== null;
}
