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
}

// ---------------------------------------------------------------- server-sent events (GET /api/stream)
