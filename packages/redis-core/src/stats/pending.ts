import { BUCKET_COUNT, bucketIndex } from './histogram.js';

/**
 * Counters accumulated in memory between two flushes. While Redis is down they keep
 * accumulating here, bounded (fixed totals and histogram, at most 600 seconds and 10,000 hot
 * ids), so a long outage cannot grow memory without limit.
 *
 * This runs on every cache read, near-cache hits included (about a microsecond each), so it is
 * kept to a few field updates: the current second's bucket is remembered, the histograms are
 * plain arrays, and a hot id is one map entry updated in place.
 */
export interface SecondBucket {
  hits: number;
  misses: number;
  cacheMs: number;
  dbMs: number;
}

/** When an id was last read (epoch ms) and how many times since the last flush. */
export interface HotAccess {
  last: number;
  count: number;
}

/** Per-second buckets older than this have expired in Redis anyway. */
const MAX_SECONDS = 600;
const MAX_HOT_IDS = 10_000;

export class PendingStats {
  requests = 0;
  hits = 0;
  misses = 0;
  cacheMs = 0;
  dbMs = 0;
  readonly seconds = new Map<number, SecondBucket>();
  /** Count per latency bucket (index: stats-histogram's bucketIndex). */
  readonly histogram = {
    cache: new Array<number>(BUCKET_COUNT).fill(0),
    database: new Array<number>(BUCKET_COUNT).fill(0),
  };
  hot = new Map<string, HotAccess>();
  #second = Number.NaN;
  #bucket: SecondBucket | undefined;

  get isEmpty(): boolean {
    return this.requests === 0 && this.hot.size === 0;
  }

  record(source: 'cache' | 'database', latencyMs: number, nowMs: number): void {
    const second = Math.floor(nowMs / 1000);
    if (second !== this.#second) {
      if (!this.seconds.has(second)) {
        this.seconds.set(second, { hits: 0, misses: 0, cacheMs: 0, dbMs: 0 });
        this.#trimSeconds();
      }
      this.#second = second;
      // Undefined only when the clock jumped back more than MAX_SECONDS: that second is dropped.
      this.#bucket = this.seconds.get(second);
    }
    const bucket = this.#bucket;
    this.requests++;
    if (source === 'cache') {
      this.hits++;
      this.cacheMs += latencyMs;
      if (bucket) {
        bucket.hits++;
        bucket.cacheMs += latencyMs;
      }
    } else {
      this.misses++;
      this.dbMs += latencyMs;
      if (bucket) {
        bucket.misses++;
        bucket.dbMs += latencyMs;
      }
    }
    const counts = this.histogram[source];
    const index = bucketIndex(latencyMs);
    counts[index] = counts[index]! + 1;
  }

  recordAccess(id: string, nowMs: number): void {
    const seen = this.hot.get(id);
    if (seen !== undefined) {
      if (nowMs > seen.last) seen.last = nowMs;
      seen.count++;
    } else if (this.hot.size < MAX_HOT_IDS) {
      this.hot.set(id, { last: nowMs, count: 1 });
    }
  }

  /** Moves `other`'s hot ids here (they wait for a later batch). */
  takeHot(other: PendingStats): void {
    this.hot = other.hot;
    other.hot = new Map();
  }

  #trimSeconds(): void {
    if (this.seconds.size <= MAX_SECONDS) return;
    const sorted = [...this.seconds.keys()].sort((a, b) => a - b);
    for (const second of sorted.slice(0, sorted.length - MAX_SECONDS)) this.seconds.delete(second);
  }
}
