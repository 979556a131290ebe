import type {
  ConfigResponse,
  DataResponse,
  JobsResponse,
  NodeStatus,
  Product,
  ReplicationResponse,
  StatsResponse,
} from '@app/api-types';

/** Payloads in the shapes of docs/http-api.md, for browser-side tests. */
export const smartphone: Product = {
  id: 'prod1',
  name: 'Smartphone Premium',
  price: 899.99,
  category: 'electronics',
  in_stock: true,
  features: ['5G', 'HDR Display', 'Water Resistant'],
};

export function dataResponse(overrides: Partial<DataResponse> = {}): DataResponse {
  return { data: smartphone, source: 'database', response_time: 52.4, origin_delay_ms: 0, ...overrides };
}

export function statsResponse(overrides: Partial<StatsResponse> = {}): StatsResponse {
  return {
    requests: 10,
    hits: 6,
    misses: 4,
    hit_ratio: 0.6,
    avg_response_time_cache: 0.8,
    avg_response_time_database: 51.2,
    speedup: 64,
    last_minute: { requests: 5, hits: 4, misses: 1, hit_ratio: 0.8 },
    percentiles: { cache: { p50: 0.7, p95: 1.9, p99: 3 }, database: { p50: 50, p95: 80, p99: 95 } },
    origin_delay_ms: 0,
    redis: {
      ops_per_sec: 42,
      used_memory: 1_250_000,
      used_memory_human: '1.19M',
      keyspace_hits: 100,
      keyspace_misses: 20,
      connected_clients: 5,
      version: '7.0.15',
      maxmemory: 0,
      maxmemory_policy: 'noeviction',
      uptime_seconds: 100,
      role: 'master',
      keys: 12,
    },
    ...overrides,
  };
}

export function node(overrides: Partial<NodeStatus> = {}): NodeStatus {
  return {
    url: 'redis://127.0.0.1:6380',
    role: 'replica',
    up: true,
    link_status: 'up',
    offset: 1000,
    lag_bytes: 0,
    last_io_seconds_ago: 0,
    ...overrides,
  };
}

export function replicationResponse(overrides: Partial<ReplicationResponse> = {}): ReplicationResponse {
  return {
    topology: 'replicated',
    master: node({
      url: 'redis://127.0.0.1:6379',
      role: 'master',
      link_status: undefined,
      lag_bytes: null,
      connected_replicas: 1,
    }),
    replicas: [node()],
    checked_at: 1_700_000_000_000,
    ...overrides,
  };
}

export function jobsResponse(overrides: Partial<JobsResponse> = {}): JobsResponse {
  return {
    jobs: [],
    worker: { alive: true, last_heartbeat: Date.now(), last_results: {}, workers: [] },
    ...overrides,
  };
}

export const configResponse: ConfigResponse = {
  origin_delay_ms: 0,
  cache_ttl_seconds: 60,
  topology: 'replicated',
  near_cache: false,
  admin_configured: true,
  rate_limit_per_minute: 600,
  catalog_store: 'redis',
};
