export interface HitRatioWindow {
  requests: number;
  hits: number;
  misses: number;
  hit_ratio: number;
}

export interface RedisInfoSummary {
  ops_per_sec: number;
  used_memory: number;
  used_memory_human: string;
  keyspace_hits: number;
  keyspace_misses: number;
  connected_clients: number;
  version: string;
  maxmemory: number;
  maxmemory_policy: string;
  uptime_seconds: number;
  role: string;
  /** Keys in every database. */
  keys: number;
}

/** Latency percentiles in ms, null without samples. */
export interface Percentiles {
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

/** GET /api/stats (also the payload of the SSE `stats` event). */
export interface StatsResponse extends HitRatioWindow {
  avg_response_time_cache: number;
  avg_response_time_database: number;
  /** avg database time / avg cache time; null until both are known. */
  speedup: number | null;
  last_minute: HitRatioWindow;
  /** From latency histograms shared by every API instance. */
  percentiles: { cache: Percentiles; database: Percentiles };
  origin_delay_ms: number;
  redis: RedisInfoSummary;
}

/** GET /api/stats/series?seconds=60 */
export interface StatsSeriesQuery {
  seconds?: number;
}
export interface StatsSeriesPoint {
  /** Start of the second, epoch ms. */
  t: number;
  hits: number;
  misses: number;
  avg_cache_ms: number;
  avg_db_ms: number;
}
export interface StatsSeriesResponse {
  points: StatsSeriesPoint[];
}
