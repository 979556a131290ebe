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
