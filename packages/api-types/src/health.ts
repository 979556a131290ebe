import type { TopologyKind } from './common.js';

/** GET /api/config */
export interface ConfigResponse {
  origin_delay_ms: number;
  cache_ttl_seconds: number;
  topology: TopologyKind;
  near_cache: boolean;
  admin_configured: boolean;
  /** Per client IP; 0 = off. */
  rate_limit_per_minute: number;
  /** CATALOG_STORE: where the catalog (the cache's origin) lives. */
  catalog_store: 'redis' | 'postgres';
}

/** GET /healthz */
export interface HealthResponse {
  status: 'ok';
}

/** GET /readyz: 200 when ready, 503 with what is down. */
export interface ReadyResponse {
  status: 'ready' | 'unavailable';
  redis: 'up' | 'down';
  /** Only when QUEUE_REDIS_URL points at a separate server. */
  queue_redis?: 'up' | 'down';
  /** Latency of the writer PING, ms. */
  redis_latency_ms?: number;
  /** e.g. the queue Redis's maxmemory-policy is not noeviction. */
  warnings?: string[];
  /** What failed, when not ready. */
  details?: Record<string, string>;
  /** CATALOG_STORE=postgres: whether PostgreSQL answers (catalog reads need it; cache hits do not). */
  database?: 'up' | 'down';
  /** CATALOG_STORE=postgres: PostgreSQL's server_version, when it answers. */
  database_version?: string;
  /** CATALOG_STORE=postgres: the workers' change-stream consumer (null: no worker reports one). */
  change_stream?: ChangeStreamView | null;
}

/** The active change-stream consumer as the API reports it (from the workers' heartbeats). */
export interface ChangeStreamView {
  /** `streaming`, or the best state any worker reports (`standby`, `starting`, `retrying`). */
  state: string;
  slot: string;
  worker_id: string;
  /** Workers running a consumer (one streams, the others stand by). */
  consumers: number;
  lag_bytes: number | null;
  events_per_second: number;
  events: number;
  commits: number;
  latency_ms: { p50: number | null; p99: number | null; samples: number };
  slot_recreations: number;
  namespace_flushes: number;
  last_error: string | null;
  recent: { ids: string[]; truncated: boolean; at: number; latency_ms: number }[];
}

// ---------------------------------------------------------------- server-sent events (GET /api/stream)
