import { bucketIndex } from './stats-histogram.js';

/**
 * Counters accumulated in memory between two flushes. While Redis is down they keep
 * accumulating here, bounded (fixed totals and histogram, at most 600 seconds and 10,000 hot
 * ids), so a long outage cannot grow memory without limit.
 */
export interface SecondBucket {
  hits: number;
  misses: number;
  cacheMs: number;
  dbMs: number;
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
  readonly histogram = { cache: new Map<number, number>(), database: new Map<number, number>() };
  readonly hotLast = new Map<string, number>();
  readonly hotCount = new Map<string, number>();

  get isEmpty(): boolean {
    return this.requests === 0 && this.hotLast.size === 0;
  }

  record(source: 'cache' | 'database', latencyMs: number, nowMs: number): void {
    const second = Math.floor(nowMs / 1000);
    let bucket = this.seconds.get(second);
    if (!bucket) {
      bucket = { hits: 0, misses: 0, cacheMs: 0, dbMs: 0 };
      this.seconds.set(second, bucket);
      this.#trimSeconds();
    }
    this.requests++;
    if (source === 'cache') {
      this.hits++;
      this.cacheMs += latencyMs;
      bucket.hits++;
      bucket.cacheMs += latencyMs;
    } else {
      this.misses++;
      this.dbMs += latencyMs;
      bucket.misses++;
      bucket.dbMs += latencyMs;
    }
    const hist = this.histogram[source];
    const index = bucketIndex(latencyMs);
    hist.set(index, (hist.get(index) ?? 0) + 1);
  }

  recordAccess(id: string, nowMs: number, times = 1): void {
    if (!this.hotLast.has(id) && this.hotLast.size >= MAX_HOT_IDS) return;
    this.hotLast.set(id, Math.max(nowMs, this.hotLast.get(id) ?? 0));
    this.hotCount.set(id, (this.hotCount.get(id) ?? 0) + times);
  }

  #trimSeconds(): void {
    if (this.seconds.size <= MAX_SECONDS) return;
    const sorted = [...this.seconds.keys()].sort((a, b) => a - b);
    for (const second of sorted.slice(0, sorted.length - MAX_SECONDS)) this.seconds.delete(second);
  }
}
