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
