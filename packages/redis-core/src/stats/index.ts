import type { RedisConnections } from '../connections/index.js';
import { isRedisConnectionError } from '../errors.js';
import { execPipeline, guarded } from '../guard.js';
import type { Keyspace } from '../keys/index.js';
import { validateId } from '../keys/index.js';
import {
  batchLanded,
  type FlushBatch,
  flushesKey,
  HOT_MAX_MEMBERS,
  histogramKey,
  newBatch,
  WINDOW_SECONDS,
  writeBatch,
} from './flush.js';
import { type Percentiles, percentilesOf } from './histogram.js';
import { PendingStats } from './pending.js';

export type { Percentiles } from './histogram.js';
export { type RedisInfo, redisInfo } from './info.js';

/**
 * Hit/miss and latency counters shared by every process that uses the same Redis. Requests
 * are counted in memory and flushed in ONE pipeline (MULTI/EXEC, see stats-flush.ts) every
 * flushIntervalMs, so a request costs no extra round trip. Hot ids (one sorted-set member per
 * id read) ride along at most every hotFlushIntervalMs (default 5 s): with many distinct ids they
 * are most of a flush's weight (two sorted-set updates per distinct id: in the HTTP benchmark,
 * 10,000 ids read at random, 1 s cost Redis about 4 µs of CPU per request, 5 s half of it, as an
 * id read again within the interval is sent once), and their readers (the worker's TTL refresh,
 * windows of a minute or more) do not need them sooner; an explicit flush (snapshot, hotIds,
 * close) sends them all. What a crash loses: at most flushIntervalMs of counters and
 * hotFlushIntervalMs of hot ids; close() (the API's graceful stop) flushes both.
 * Redis layout (keys from `keys`):
 * - `stats:counters` hash: requests, hits, misses, cache_ms_sum, db_ms_sum
 * - `stats:sec:<epochSecond>` hash: hits, misses, cache_ms_sum, db_ms_sum (expires after 10 min)
 * - `stats:latency_cache` / `stats:latency_database` hash: bucket upper bound (ms) → count
 * - `stats:hot` zset id → last access ms (trimmed to 10 min), `stats:hot:count` zset id → reads
 * - `stats:flushes` zset batch id → time (10 min): which batches landed, so a retry never double counts
 */
export interface HitRatioWindow {
  requests: number;
  hits: number;
  misses: number;
  /** 0..1 (0 when there were no requests). */
  hit_ratio: number;
}

export interface StatsSnapshot extends HitRatioWindow {
  /** Average ms of cache answers and of database (loader) answers; 0 when none. */
  avg_response_time_cache: number;
  avg_response_time_database: number;
  /** avg database / avg cache; null until both are known. */
  speedup: number | null;
  last_minute: HitRatioWindow;
  /** From the shared latency histograms (ms, null when there is no sample). */
  percentiles: { cache: Percentiles; database: Percentiles };
}

export interface StatsPoint {
  /** Start of the second, epoch ms. */
  t: number;
  hits: number;
  misses: number;
  avgCacheMs: number;
  avgDbMs: number;
}

export interface Stats {
  record(source: 'cache' | 'database', latencyMs: number): void;
  /** Marks an id as read now (hot keys for the worker's TTL refresh). */
  recordAccess(id: string): void;
  /**
   * `record` + `recordAccess` of one cache read, with one clock read and no second validation
   * of `id` (the cache's hot path; the cache has already validated it as a key).
   */
  recordRead(id: string, source: 'cache' | 'database', latencyMs: number): void;
  flush(): Promise<void>;
  snapshot(): Promise<StatsSnapshot>;
  series(seconds?: number): Promise<StatsPoint[]>;
  /** Ids read since `sinceMs` (epoch ms; a value below 1e12 is read as "that many ms ago"), most recent first. */
  hotIds(opts: { sinceMs: number; limit: number }): Promise<string[]>;
  reset(): Promise<void>;
  close(): Promise<void>;
}

export interface StatsDeps {
  connections: Pick<RedisConnections, 'writer'>;
  keys: Keyspace;
  flushIntervalMs?: number;
  /** Hot ids are written at most this often by the timer (default max(5000, flushIntervalMs)). */
  hotFlushIntervalMs?: number;
  logger?: { warn(obj: object, msg?: string): void };
}

const round = (n: number, digits = 3) => Math.round(n * 10 ** digits) / 10 ** digits;
const ratio = (hits: number, requests: number) => (requests > 0 ? round(hits / requests, 4) : 0);

function asObject(reply: unknown): Record<string, string> {
  if (Array.isArray(reply)) {
    const obj: Record<string, string> = {};
    for (let i = 0; i + 1 < reply.length; i += 2) obj[String(reply[i])] = String(reply[i + 1]);
    return obj;
  }
  return (reply ?? {}) as Record<string, string>;
}

export function createStats(deps: StatsDeps): Stats {
  const { keys } = deps;
  const client = deps.connections.writer;
  const histKey = (source: 'cache' | 'database') => histogramKey(keys, source);
  let pending = new PendingStats();
  /** A batch whose write failed: retried (once it is known not to have landed) before anything newer. */
  let unsettled: FlushBatch | null = null;
  let closed = false;
  let chain: Promise<void> = Promise.resolve();
  let flushing = false;
  const flushIntervalMs = Math.max(10, deps.flushIntervalMs ?? 250);
  const hotFlushIntervalMs = Math.max(flushIntervalMs, deps.hotFlushIntervalMs ?? 5000);
  let hotFlushedAt = Date.now();

  /** `withHot` false (timer, hot ids flushed recently): hot ids stay pending for a later batch. */
  async function flushOnce(withHot = true): Promise<void> {
    if (unsettled) {
      // A failed batch may still have landed (the client replays queued commands on reconnect):
      // ask first, resend only if it did not. Newer counts wait in `pending` meanwhile.
      const batch = unsettled;
      try {
        if (!(await batchLanded(client, keys, batch))) await writeBatch(client, keys, batch);
        unsettled = null;
      } catch (err) {
        if (!isRedisConnectionError(err)) unsettled = null;
        deps.logger?.warn({ err }, 'stats flush retry failed');
        return;
      }
    }
    if (pending.isEmpty) return;
    const next = new PendingStats();
    if (!withHot) {
      if (pending.requests === 0) return;
      next.takeHot(pending);
    } else {
      hotFlushedAt = Date.now();
    }
    const batch = newBatch(pending);
    pending = next;
    try {
      await writeBatch(client, keys, batch);
    } catch (err) {
      if (isRedisConnectionError(err)) {
        unsettled = batch;
        deps.logger?.warn({ err }, 'stats flush failed, counters kept in memory');
      } else {
        deps.logger?.warn({ err }, 'stats flush failed, batch dropped');
      }
    }
  }

  /** Flushes one after another, never two pipelines at once. */
  function flush(withHot = true): Promise<void> {
    const once = () => flushOnce(withHot);
    chain = chain.then(once, once);
    return chain.catch(() => {});
  }

  const timer = setInterval(() => {
    if (flushing || (pending.isEmpty && !unsettled)) return;
    flushing = true;
    void flush(Date.now() - hotFlushedAt >= hotFlushIntervalMs).finally(() => {
      flushing = false;
    });
  }, flushIntervalMs);
  timer.unref();

  async function readWindow(
    seconds: number,
    fields: string[],
  ): Promise<{ second: number; values: number[] }[]> {
    const now = Math.floor(Date.now() / 1000);
    const wanted = Array.from({ length: seconds }, (_, i) => now - seconds + 1 + i);
    const p = client.pipeline();
    for (const second of wanted) p.hmget(keys.statsSecond(second), ...fields);
    const replies = await execPipeline(p);
    return wanted.map((second, i) => ({
      second,
      values: ((replies[i] as (string | null)[]) ?? []).map((v) => Number(v ?? 0) || 0),
    }));
  }

  return {
    record(source, latencyMs) {
      if (closed || (source !== 'cache' && source !== 'database')) return;
      pending.record(source, Number.isFinite(latencyMs) && latencyMs > 0 ? latencyMs : 0, Date.now());
    },

    recordRead(id, source, latencyMs) {
      if (closed) return;
      const now = Date.now();
      pending.record(source, Math.max(latencyMs, 0), now);
      pending.recordAccess(id, now);
    },

    recordAccess(id) {
      if (closed) return;
      try {
        pending.recordAccess(validateId(id), Date.now());
      } catch {
        // Never throw into a request path: an invalid id is simply not tracked.
      }
    },

    flush: () => flush(),

    async snapshot() {
      await flush();
      return guarded('stats snapshot', async () => {
        const [totalsReply, cacheHist, dbHist] = await execPipeline(
          client
            .pipeline()
            .hgetall(keys.statsCounters())
            .hgetall(histKey('cache'))
            .hgetall(histKey('database')),
        );
        const totals = asObject(totalsReply);
        const minute = await readWindow(60, ['hits', 'misses']);
        const num = (name: string) => Number(totals[name] ?? 0) || 0;
        const hits = num('hits');
        const misses = num('misses');
        const avgCache = hits > 0 ? round(num('cache_ms_sum') / hits) : 0;
        const avgDb = misses > 0 ? round(num('db_ms_sum') / misses) : 0;
        const lastHits = minute.reduce((s, m) => s + m.values[0]!, 0);
        const lastMisses = minute.reduce((s, m) => s + m.values[1]!, 0);
        return {
          requests: num('requests'),
          hits,
          misses,
          hit_ratio: ratio(hits, hits + misses),
          avg_response_time_cache: avgCache,
          avg_response_time_database: avgDb,
          speedup: avgCache > 0 && avgDb > 0 ? round(avgDb / avgCache, 2) : null,
          last_minute: {
            requests: lastHits + lastMisses,
            hits: lastHits,
            misses: lastMisses,
            hit_ratio: ratio(lastHits, lastHits + lastMisses),
          },
          percentiles: {
            cache: percentilesOf(asObject(cacheHist)),
            database: percentilesOf(asObject(dbHist)),
          },
        };
      });
    },

    async series(seconds = 60) {
      const n = Math.min(WINDOW_SECONDS, Math.max(1, Math.trunc(Number(seconds)) || 60));
      await flush();
      const rows = await guarded('stats series', () =>
        readWindow(n, ['hits', 'misses', 'cache_ms_sum', 'db_ms_sum']),
      );
      return rows.map(({ second, values: [hits = 0, misses = 0, cacheMs = 0, dbMs = 0] }) => ({
        t: second * 1000,
        hits,
        misses,
        avgCacheMs: hits > 0 ? round(cacheMs / hits) : 0,
        avgDbMs: misses > 0 ? round(dbMs / misses) : 0,
      }));
    },

    async hotIds({ sinceMs, limit }) {
      const now = Date.now();
      const since = Number.isFinite(sinceMs) ? (sinceMs < 1e12 ? now - Math.max(0, sinceMs) : sinceMs) : 0;
      const count = Math.min(HOT_MAX_MEMBERS, Math.max(1, Math.trunc(Number(limit)) || 100));
      await flush();
      return guarded('stats hotIds', () =>
        client.zrevrangebyscore(keys.statsHot(), '+inf', since, 'LIMIT', 0, count),
      );
    },

    async reset() {
      await chain.catch(() => {});
      pending = new PendingStats();
      unsettled = null;
      const now = Math.floor(Date.now() / 1000);
      const doomed = [
        keys.statsCounters(),
        histKey('cache'),
        histKey('database'),
        keys.statsHot(),
        keys.statsHotCount(),
        flushesKey(keys),
      ];
      for (let s = now - WINDOW_SECONDS; s <= now + 1; s++) doomed.push(keys.statsSecond(s));
      await guarded('stats reset', () => client.unlink(...doomed));
    },

    async close() {
      if (closed) return;
      clearInterval(timer);
      await flush();
      closed = true;
    },
  };
}
