import type {
  AddProductRequest,
  AddProductResponse,
  CacheKeyResponse,
  CacheKeysQuery,
  CacheKeysResponse,
  CategoriesResponse,
  ConfigResponse,
  DataResponse,
  DeleteKeyResponse,
  DeleteProductResponse,
  ErrorCode,
  ErrorResponse,
  HistoryResponse,
  InvalidateResponse,
  JobEnqueuedResponse,
  JobsResponse,
  ProbeResponse,
  ProductResponse,
  ProductsQuery,
  ProductsResponse,
  ReadyResponse,
  ReplicationResponse,
  SearchResponse,
  StatsResponse,
  StatsSeriesResponse,
  UpdateProductRequest,
  UpdateProductResponse,
} from '@app/api-types';

/**
 * An HTTP answer that was not a success. `code` is the API's stable error code; two codes are
 * made up on this side: E_NETWORK (no answer at all: API down, proxy refused) and E_BAD_RESPONSE
 * (an answer that is not the API's JSON, e.g. a proxy's HTML 502 page).
 */
export class ApiError extends Error {
  readonly status: number;
  readonly code: ErrorCode | 'E_NETWORK' | 'E_BAD_RESPONSE';
  readonly retryAfterSeconds: number | null;

  constructor(
    message: string,
    status: number,
    code: ApiError['code'],
    opts: { retryAfterSeconds?: number | null; cause?: unknown } = {},
  ) {
    super(message, { cause: opts.cause });
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.retryAfterSeconds = opts.retryAfterSeconds ?? null;
  }

  /** The API process did not answer (or a proxy answered for it). */
  get apiUnreachable(): boolean {
    return (
      this.code === 'E_NETWORK' ||
      this.status === 502 ||
      this.status === 504 ||
      this.code === 'E_BAD_RESPONSE'
    );
  }

  /** The API answered but Redis behind it is not usable. */
  get redisUnavailable(): boolean {
    return (
      this.code === 'E_CACHE_UNAVAILABLE' ||
      this.code === 'E_REDIS_UNAVAILABLE' ||
      this.code === 'E_STORE_FULL'
    );
  }
}

function isErrorResponse(body: unknown): body is ErrorResponse {
  return (
    typeof body === 'object' &&
    body !== null &&
    typeof (body as ErrorResponse).error === 'string' &&
    typeof (body as ErrorResponse).code === 'string'
  );
}

type QueryValue = string | number | boolean | undefined | null;

function withQuery(path: string, query?: Record<string, QueryValue>): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    params.set(name, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

export interface ApiClientOptions {
  /** Prefix for every path; '' for same origin (the API serves the SPA, or Vite proxies). */
  baseUrl?: string;
  fetch?: typeof fetch;
  /** Read on every call, so a token typed in the settings applies at once. */
  getToken?: () => string | null | undefined;
  /** Told about every outcome, so one place can track "API up / Redis down". */
  onOutcome?: (outcome: { ok: true } | { ok: false; error: ApiError }) => void;
}

interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  query?: Record<string, QueryValue>;
  body?: unknown;
  admin?: boolean;
  signal?: AbortSignal;
  /** Statuses whose JSON body is a normal answer for this route (e.g. 503 on /readyz). */
  answerStatuses?: number[];
}

export function createApiClient(options: ApiClientOptions = {}) {
  const baseUrl = options.baseUrl ?? '';
  const fetchImpl = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));

  async function request<T>(path: string, opts: RequestOptions = {}): Promise<T> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
    if (opts.admin) {
      const token = options.getToken?.();
      if (token) headers.Authorization = `Bearer ${token}`;
    }
    let response: Response;
    try {
      response = await fetchImpl(baseUrl + withQuery(path, opts.query), {
        method: opts.method ?? 'GET',
        headers,
        body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
        signal: opts.signal,
      });
    } catch (cause) {
      if (cause instanceof DOMException && cause.name === 'AbortError') throw cause;
      const error = new ApiError('API unreachable', 0, 'E_NETWORK', { cause });
      options.onOutcome?.({ ok: false, error });
      throw error;
    }
    const text = await response.text();
    let body: unknown = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = undefined;
    }
    if ((response.ok || opts.answerStatuses?.includes(response.status)) && body !== undefined) {
      options.onOutcome?.({ ok: true });
      return body as T;
    }
    const retryAfter = Number(response.headers.get('Retry-After'));
    const error = isErrorResponse(body)
      ? new ApiError(body.error, response.status, body.code, {
          retryAfterSeconds: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null,
        })
      : new ApiError(`HTTP ${response.status}`, response.status, 'E_BAD_RESPONSE');
    options.onOutcome?.({ ok: false, error });
    throw error;
  }

  const enc = encodeURIComponent;

  return {
    request,
    // cache-aside reads and invalidation
    getData: (id: string, signal?: AbortSignal) => request<DataResponse>(`/api/data/${enc(id)}`, { signal }),
    invalidate: (id: string) =>
      request<InvalidateResponse>(`/api/data/${enc(id)}`, { method: 'DELETE', admin: true }),
    // catalog
    searchProducts: (q: string, limit = 8, signal?: AbortSignal) =>
      request<SearchResponse>('/api/db/search', { query: { q, limit }, signal }),
    listProducts: (query: ProductsQuery) =>
      request<ProductsResponse>('/api/db/products', { query: { ...query } }),
    getCategories: () => request<CategoriesResponse>('/api/db/categories'),
    getProduct: (id: string) => request<ProductResponse>(`/api/db/product/${enc(id)}`),
    addProduct: (product: AddProductRequest) =>
      request<AddProductResponse>('/api/db/add', { method: 'POST', body: product, admin: true }),
    updateProduct: (id: string, patch: UpdateProductRequest) =>
      request<UpdateProductResponse>(`/api/db/product/${enc(id)}`, {
        method: 'PUT',
        body: patch,
        admin: true,
      }),
    deleteProduct: (id: string) =>
      request<DeleteProductResponse>(`/api/db/product/${enc(id)}`, { method: 'DELETE', admin: true }),
    // stats and history
    getStats: () => request<StatsResponse>('/api/stats'),
    getStatsSeries: (seconds = 60) =>
      request<StatsSeriesResponse>('/api/stats/series', { query: { seconds } }),
    getHistory: (limit = 10) => request<HistoryResponse>('/api/history', { query: { limit } }),
    // cache keys
    // Sent with the token when there is one: anonymous callers see the cache and catalog key
    // spaces only, an admin sees every key.
    scanKeys: (query: CacheKeysQuery) =>
      request<CacheKeysResponse>('/api/cache/keys', { query: { ...query }, admin: true }),
    getKey: (key: string) => request<CacheKeyResponse>('/api/cache/key', { query: { key }, admin: true }),
    deleteKey: (key: string) =>
      request<DeleteKeyResponse>('/api/cache/key', { method: 'DELETE', query: { key }, admin: true }),
    // replication
    getReplication: () => request<ReplicationResponse>('/api/replication'),
    probeReplication: () => request<ProbeResponse>('/api/replication/probe', { method: 'POST', admin: true }),
    // jobs
    getJobs: (limit = 10) => request<JobsResponse>('/api/jobs', { query: { limit } }),
    warmAll: () => request<JobEnqueuedResponse>('/api/jobs/warm-all', { method: 'POST', admin: true }),
    warmCategory: (category: string) =>
      request<JobEnqueuedResponse>('/api/jobs/warm-category', {
        method: 'POST',
        body: { category },
        admin: true,
      }),
    warmTop: (n: number) =>
      request<JobEnqueuedResponse>('/api/jobs/warm-top', { method: 'POST', body: { n }, admin: true }),
    refreshNow: () => request<JobEnqueuedResponse>('/api/jobs/refresh', { method: 'POST', admin: true }),
    // config and health
    getConfig: () => request<ConfigResponse>('/api/config'),
    /** 503 is an answer here (not ready, with details), not a failure. */
    getReadiness: () => request<ReadyResponse>('/readyz', { answerStatuses: [503] }),
  };
}

export type ApiClient = ReturnType<typeof createApiClient>;
