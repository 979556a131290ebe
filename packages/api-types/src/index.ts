/**
 * Request and response shapes of the HTTP API (docs/http-api.md), shared by the Express server
 * and the Vue monitor so they cannot drift. Field names are snake_case like the seed's Flask app.
 * Types only: this package has no runtime code.
 */

// ---------------------------------------------------------------- common

/** Every error answer: 400, 401, 404, 409, 413, 429 (with Retry-After), 502 or 503. */
export interface ErrorResponse {
  error: string;
  code: ErrorCode;
  /** Validation details (zod issues) on E_VALIDATION. */
  issues?: { path: (string | number)[]; message: string }[];
}

export type ErrorCode =
  | 'E_VALIDATION'
  | 'E_INVALID_ID'
  | 'E_BAD_JSON'
  | 'E_UNAUTHORIZED'
  | 'E_ADMIN_DISABLED'
  | 'E_NOT_FOUND'
  | 'E_CONFLICT'
  | 'E_PAYLOAD_TOO_LARGE'
  | 'E_RATE_LIMITED'
  | 'E_LOADER'
  | 'E_CACHE_UNAVAILABLE'
  | 'E_REDIS_UNAVAILABLE'
  | 'E_STORE_FULL'
  | 'E_INTERNAL'
  | (string & {});

export type TopologyKind = 'standalone' | 'replicated' | 'sentinel' | 'cluster';

/** A catalog product (the seed's shape). */
export interface Product {
  id: string;
  name: string;
  price: number;
  category: string;
  in_stock: boolean;
  features: string[];
}

/** Where an answer came from: Redis cache entry, or the origin (the catalog) after a miss. */
export type CacheSource = 'cache' | 'database';

// ---------------------------------------------------------------- seed routes

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

/** POST /api/db/add body: a product with an id (missing fields take the schema defaults). */
export interface AddProductRequest {
  id: string;
  name: string;
  price: number;
  category: string;
  in_stock?: boolean;
  features?: string[];
}

/** POST /api/db/add: 201 when created, 200 when it replaced an existing product. */
export interface AddProductResponse {
  message: string;
  product: Product;
  created: boolean;
}

/** GET /api/db/list?offset&limit */
export interface ListQuery {
  offset?: number;
  limit?: number;
}
export interface ListResponse {
  count: number;
  ids: string[];
}

/** GET /api/db/product/:id */
export interface ProductResponse {
  data: Product;
  source: 'redis_db';
}

export type CategorySort = 'price' | '-price' | 'name';

/** GET /api/db/category/:category?sort&offset&limit */
export interface CategoryQuery {
  sort?: CategorySort;
  offset?: number;
  limit?: number;
}
export interface CategoryResponse {
  category: string;
  /** Products in the category (all of them, not only this page). */
  count: number;
  products: Product[];
}

/** GET /api/db/products/by-price?min&max&offset&limit&order */
export interface ByPriceQuery {
  min?: number;
  max?: number;
  offset?: number;
  limit?: number;
  order?: 'asc' | 'desc';
}
export interface ByPriceResponse {
  count: number;
  products: Product[];
}

// ---------------------------------------------------------------- catalog beyond the seed

/** GET /api/db/categories: non-empty categories by name. */
export interface CategoriesResponse {
  categories: { category: string; count: number }[];
}

/** GET /api/db/categories: non-empty categories by name. */
export interface CategoriesResponse {
  categories: { category: string; count: number }[];
}

/** PUT /api/db/product/:id body: a partial product (the id cannot change). */
export type UpdateProductRequest = Partial<Omit<Product, 'id'>>;
export interface UpdateProductResponse {
  data: Product;
}

/** DELETE /api/db/product/:id */
export interface DeleteProductResponse {
  deleted: true;
}

/** GET /api/db/search?q&limit: name prefix search through the query cache. */
export interface SearchQuery {
  q: string;
  limit?: number;
}
export interface SearchResponse {
  query: string;
  count: number;
  products: Product[];
  source: CacheSource;
  response_time: number;
}

export type ProductsSort = 'price' | '-price' | 'name';

/** GET /api/db/products?category&min&max&sort&cursor&limit: filtered listing, query-cached. */
export interface ProductsQuery {
  category?: string;
  min?: number;
  max?: number;
  sort?: ProductsSort;
  /** Opaque cursor from a previous page's `next_cursor`. */
  cursor?: string;
  limit?: number;
}
export interface ProductsResponse {
  /** Products matching the filters (all pages). */
  count: number;
  products: Product[];
  /** Pass as `cursor` for the next page; null on the last page. */
  next_cursor: string | null;
  source: CacheSource;
  response_time: number;
}

// ---------------------------------------------------------------- stats, cache, history

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

/** DELETE /api/data/:id */
export interface InvalidateResponse {
  invalidated: boolean;
}

export interface KeyInfo {
  key: string;
  /** Redis type: string, set, zset, hash, list, stream, none. */
  type: string;
  /** Milliseconds left, null when the key has no expiry. */
  ttl_ms: number | null;
  /** MEMORY USAGE, null when unknown. */
  size_bytes: number | null;
}

/** GET /api/cache/keys?pattern&cursor&count: one SCAN page (cursor "0" = finished). */
export interface CacheKeysQuery {
  pattern?: string;
  cursor?: string;
  count?: number;
}
export interface CacheKeysResponse {
  cursor: string;
  keys: KeyInfo[];
}

/** GET /api/cache/key?key= */
export interface CacheKeyResponse extends KeyInfo {
  value: unknown;
}

/** DELETE /api/cache/key?key= */
export interface DeleteKeyResponse {
  deleted: boolean;
}

/** DELETE /api/cache/prefix?prefix= (cache prefixes only, never `db:`). */
export interface DeletePrefixResponse {
  deleted: number;
}

/** GET /api/history?limit= */
export interface HistoryResponse {
  /** Newest first; `at` is epoch ms. */
  recent: { query: string; at: number }[];
  top: { query: string; count: number }[];
}

// ---------------------------------------------------------------- replication

export interface NodeStatus {
  url: string;
  role: 'master' | 'replica' | 'unknown';
  up: boolean;
  link_status?: 'up' | 'down';
  offset: number;
  lag_bytes: number | null;
  last_io_seconds_ago: number | null;
  connected_replicas?: number;
  error?: string;
}

/** POST /api/replication/probe: a token written on the master, timed on each replica. */
export interface ProbeResponse {
  token: string;
  /** Epoch ms. */
  written_at: number;
  /** Set when the token could not be written (master down); every arrival is then null. */
  error?: string;
  /** arrived_ms: ms after the write when the replica had it; null when it did not arrive in time. */
  results: { url: string; arrived_ms: number | null; error?: string }[];
}

/** Cluster: one shard (a master, its replicas, its slot ranges). */
export interface ShardStatus {
  master: NodeStatus;
  replicas: NodeStatus[];
  slots: [number, number][];
}

/** GET /api/replication (also the payload of the SSE `replication` event). */
export interface ReplicationResponse {
  topology: TopologyKind;
  master: NodeStatus;
  replicas: NodeStatus[];
  /** Cluster only, in slot order. */
  shards?: ShardStatus[];
  /** Epoch ms. */
  checked_at: number;
  /** The last probe made through this API instance, if any. */
  last_probe?: ProbeResponse;
}

// ---------------------------------------------------------------- jobs

export type JobName = 'warm-all' | 'warm-category' | 'warm-top' | 'refresh-ttl';

export type JobState =
  | 'waiting'
  | 'active'
  | 'completed'
  | 'failed'
  | 'delayed'
  | 'prioritized'
  | 'waiting-children'
  | 'unknown';

/** POST /api/jobs/warm-category body. */
export interface WarmCategoryRequest {
  category: string;
}
/** POST /api/jobs/warm-top body. */
export interface WarmTopRequest {
  n: number;
}

/** 202 answer of every POST /api/jobs/*. */
export interface JobEnqueuedResponse {
  id: string;
  name: JobName;
  state: JobState;
}

export interface JobSummary {
  id: string;
  name: JobName;
  state: JobState;
  /** 0-100, or the object the worker reported. */
  progress: number | object;
  /** The job's payload, e.g. `{ category }`. */
  data: unknown;
  /** The worker's summary (`{ items, ms, itemsPerSec, … }`) once completed. */
  result: unknown;
  failed_reason: string | null;
  attempts_made: number;
  /** Epoch ms. */
  created_at: number;
  finished_at: number | null;
}

export interface WorkerJobResult {
  job_id: string;
  ok: boolean;
  /** Epoch ms. */
  finished_at: number;
  summary?: Record<string, number>;
  error?: string;
}

export interface WorkerProcess {
  worker_id: string;
  pid: number;
  host: string;
  concurrency: number;
  /** Jobs running in that process at its last heartbeat. */
  active: number;
  started_at: number;
  /** Epoch ms of its last heartbeat. */
  at: number;
}

export interface WorkerStatus {
  alive: boolean;
  /** Epoch ms, null when the worker never reported. */
  last_heartbeat: number | null;
  /** Last result per job name. */
  last_results: Record<string, WorkerJobResult>;
  /** Live worker processes, newest heartbeat first. */
  workers: WorkerProcess[];
}

/** GET /api/jobs?limit= (also the payload of the SSE `jobs` event). */
export interface JobsQuery {
  limit?: number;
}
export interface JobsResponse {
  jobs: JobSummary[];
  worker: WorkerStatus;
}

// ---------------------------------------------------------------- config, health

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

/** Payload of an event whose computation failed (Redis down); the stream stays open. */
export interface StreamErrorPayload {
  error: string;
  code: ErrorCode;
}

export type JobEventKind = 'added' | 'active' | 'progress' | 'completed' | 'failed';

/** SSE `job` event, pushed on each BullMQ queue event. */
export interface JobEvent {
  event: JobEventKind;
  id: string;
  name?: JobName;
  progress?: number | object;
  result?: unknown;
  failed_reason?: string;
  /** Epoch ms when the API saw the event. */
  at: number;
}

/** Event name → payload, for a typed EventSource listener. */
export interface StreamEvents {
  stats: StatsResponse | StreamErrorPayload;
  replication: ReplicationResponse | StreamErrorPayload;
  jobs: JobsResponse | StreamErrorPayload;
  job: JobEvent;
}
export type StreamEventName = keyof StreamEvents;

/** Narrowing helper for SSE payloads. */
export type StreamPayload<E extends StreamEventName> = StreamEvents[E];
