import type { CacheSource, Product } from './common.js';

/** GET /api/data/:id */
export interface DataResponse {
  data: Product;
  source: CacheSource;
  /** Server-side time to answer, in ms, 2 decimals. */
  response_time: number;
  /** Seconds left on the cache entry (on a hit). */
  ttl?: number;
  /** True when the cache could not be used and the origin answered directly. */
  cache_down?: boolean;
  /** True when a stale entry was served inside the grace window while a refresh runs. */
  stale?: boolean;
  /** The simulated origin delay configured on the server (ORIGIN_DELAY_MS), applied on misses. */
  origin_delay_ms: number;
}

/** DELETE /api/data/:id */
export interface InvalidateResponse {
  invalidated: boolean;
}
